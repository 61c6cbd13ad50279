/* The AVX2 kernel table (no AVX-512): for CPUs with AVX2 but without VPOPCNTDQ, or when
 * BSP_KERNEL=avx2 forces it. Spec: fingerprint.md §5, §7.5, §14.
 *
 * The one idea: Harley-Seal. AVX2 has no vector popcount, and the nibble-lookup popcount
 * (two PSHUFB per vector) costs ~7 instructions per 32 bytes; instead sixteen XORed vectors are
 * first compressed by a tree of carry-save adders (5 bitwise ops each) into one "sixteens"
 * vector plus running ones/twos/fours/eights, and only that one vector is popcounted by lookup.
 * That is ~6 simple instructions per 32 bytes, spread over three vector ports. */
#include "fp/kernels.h"

#ifdef FP_HAVE_X86
#include <immintrin.h>

#define BUNDLE_FN avx2_bundle
#define BUNDLE_VEC_WORDS 4
#include "fp/kernel_bundle.h"

/* Per 64-bit lane popcount by nibble lookup (Mula) and SAD. */
static inline __m256i pc256(__m256i v)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                         0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_and_si256(v, low), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
    __m256i c = _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
    return _mm256_sad_epu8(c, _mm256_setzero_si256());
}

#define CSA(h, l, a, b, c)                                                \
    do {                                                                  \
        __m256i u_ = _mm256_xor_si256(a, b);                              \
        h = _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(u_, c)); \
        l = _mm256_xor_si256(u_, c);                                      \
    } while (0)

static inline __m256i xv(const uint64_t *a, const uint64_t *b, unsigned w)
{
    return _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(a + w)),
                            _mm256_loadu_si256((const __m256i *)(b + w)));
}

static uint32_t avx2_range(const uint64_t *a, const uint64_t *b, unsigned from, unsigned to)
{
    __m256i total = _mm256_setzero_si256(), ones = total, twos = total, fours = total,
            eights = total, sixteens, twosA, twosB, foursA, foursB, eightsA, eightsB;
    unsigned w = from;
    for (; w + 64 <= to; w += 64) {
        CSA(twosA, ones, ones, xv(a, b, w + 0), xv(a, b, w + 4));
        CSA(twosB, ones, ones, xv(a, b, w + 8), xv(a, b, w + 12));
        CSA(foursA, twos, twos, twosA, twosB);
        CSA(twosA, ones, ones, xv(a, b, w + 16), xv(a, b, w + 20));
        CSA(twosB, ones, ones, xv(a, b, w + 24), xv(a, b, w + 28));
        CSA(foursB, twos, twos, twosA, twosB);
        CSA(eightsA, fours, fours, foursA, foursB);
        CSA(twosA, ones, ones, xv(a, b, w + 32), xv(a, b, w + 36));
        CSA(twosB, ones, ones, xv(a, b, w + 40), xv(a, b, w + 44));
        CSA(foursA, twos, twos, twosA, twosB);
        CSA(twosA, ones, ones, xv(a, b, w + 48), xv(a, b, w + 52));
        CSA(twosB, ones, ones, xv(a, b, w + 56), xv(a, b, w + 60));
        CSA(foursB, twos, twos, twosA, twosB);
        CSA(eightsB, fours, fours, foursA, foursB);
        CSA(sixteens, eights, eights, eightsA, eightsB);
        total = _mm256_add_epi64(total, pc256(sixteens));
    }
    total = _mm256_slli_epi64(total, 4);
    total = _mm256_add_epi64(total, _mm256_slli_epi64(pc256(eights), 3));
    total = _mm256_add_epi64(total, _mm256_slli_epi64(pc256(fours), 2));
    total = _mm256_add_epi64(total, _mm256_slli_epi64(pc256(twos), 1));
    total = _mm256_add_epi64(total, pc256(ones));
    for (; w + 4 <= to; w += 4) total = _mm256_add_epi64(total, pc256(xv(a, b, w)));
    uint64_t t[4];
    _mm256_storeu_si256((__m256i *)t, total);
    uint64_t d = t[0] + t[1] + t[2] + t[3];
    for (; w < to; w++) d += (uint64_t)__builtin_popcountll(a[w] ^ b[w]);
    return (uint32_t)d;
}

#define KFN(x) avx2_##x
#include "fp/kernel_template.h"

static uint32_t avx2_popcount(const uint64_t *a)
{
    static const uint64_t zero[256];
    return avx2_range(a, zero, 0, 256);
}

static void avx2_xor(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
    for (unsigned w = 0; w < 256; w += 4) _mm256_storeu_si256((__m256i *)(out + w), xv(a, b, w));
}

const fp_kernel fp_kernel_avx2 = {
    .name = "avx2",
    .dist_range = avx2_gen_dist_range,
    .dist_mask = avx2_gen_dist_mask,
    .dist_within = avx2_gen_dist_within,
    .dist_stage = avx2_gen_dist_stage,
    .popcount = avx2_popcount,
    .xor_rec = avx2_xor,
    .bundle = avx2_bundle,
    .dist_many = avx2_gen_dist_many,
    .dist_many_within = avx2_gen_dist_many_within,
    .dist_stage_many = avx2_gen_dist_stage_many,
    .dist_batch = avx2_gen_dist_batch,
};
#endif
