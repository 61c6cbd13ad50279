/* AVX-512 form of cache_diff (cache_diff.c): the delta of a new record against the visible
 * value base ^ entry, in one pass of 32 steps of 64 bytes, without building the visible
 * record. Per step: the entry's words of this block are expanded into place with one masked
 * expand-load (the bitmap byte is the mask), the XOR against the new record is tested
 * against zero into an 8-bit mask (the delta's bitmap byte), and the non-zero words are
 * compressed to the end of the payload with one full-width store. That store may write up
 * to 7 words past the new end: the payload end before block j is at most 8j, so it stays
 * inside words[256]. */
#include "space/cache.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#include <immintrin.h>

uint32_t cache_diff_avx512(const uint64_t *base, const uint64_t *ebm, const uint64_t *ewords,
                           const uint64_t *v, uint64_t out_bm[4], uint64_t *out_words)
{
    uint32_t k = 0, n = 0;
    for (int g = 0; g < 4; g++) {
        uint64_t em = ebm ? ebm[g] : 0, om = 0;
        for (int j = 0; j < 8; j++) {
            size_t w = 64 * (size_t)g + 8 * (size_t)j;
            __m512i b = _mm512_loadu_si512(base + w);
            __mmask8 m = (__mmask8)(em >> (8 * j));
            if (m) {
                b = _mm512_xor_si512(b, _mm512_maskz_expandloadu_epi64(m, ewords + k));
                k += (uint32_t)__builtin_popcount(m);
            }
            __m512i d = _mm512_xor_si512(b, _mm512_loadu_si512(v + w));
            __mmask8 nz = _mm512_test_epi64_mask(d, d);
            if (nz) {
                _mm512_storeu_si512(out_words + n, _mm512_maskz_compress_epi64(nz, d));
                n += (uint32_t)__builtin_popcount(nz);
                om |= (uint64_t)nz << (8 * j);
            }
        }
        out_bm[g] = om;
    }
    return n;
}
#else
uint32_t cache_diff_avx512(const uint64_t *base, const uint64_t *ebm, const uint64_t *ewords,
                           const uint64_t *v, uint64_t out_bm[4], uint64_t *out_words)
{
    return cache_diff_portable(base, ebm, ewords, v, out_bm, out_words);
}
#endif
