/* The AVX-512 VPOPCNTDQ kernel table (AVX512F/BW/VL + VPOPCNTDQ; chosen by kernel_dispatch.c
 * only when the CPU and OS support it). Spec: fingerprint.md §5, §7.5, §14.
 *
 * The one idea: a 64-byte vector of eight words costs three instructions per record pair —
 * XOR (with the load folded in), VPOPCNTQ, VPADDQ into per-lane counters — and the eight lane
 * counters are summed only once per record. The 512-bit ALUs are ports 0 and 5, so the
 * compute bound is ~1.5 cycles per 64 bytes compared; streaming from DRAM is slower than that, so
 * the scans run at memory speed. The batch kernel loads each record vector once and uses it
 * against four queries before moving on (register blocking), so records are streamed once. */
#include "fp/kernels.h"

#ifdef FP_HAVE_X86
#include <immintrin.h>

#define BUNDLE_FN avx512_bundle
#include "fp/kernel_bundle.h"

static inline __m512i xpop(const uint64_t *a, const uint64_t *b)
{
    return _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(a), _mm512_loadu_si512(b)));
}

/* Popcount of a ^ b over words [from, to), added to the lane counters acc. */
static inline __m512i range_acc(__m512i acc, const uint64_t *a, const uint64_t *b, unsigned from,
                                unsigned to)
{
    __m512i acc1 = _mm512_setzero_si512();
    unsigned w = from;
    for (; w + 16 <= to; w += 16) {
        acc = _mm512_add_epi64(acc, xpop(a + w, b + w));
        acc1 = _mm512_add_epi64(acc1, xpop(a + w + 8, b + w + 8));
    }
    if (w + 8 <= to) {
        acc = _mm512_add_epi64(acc, xpop(a + w, b + w));
        w += 8;
    }
    if (w < to) {
        __mmask8 k = (__mmask8)((1u << (to - w)) - 1);
        __m512i x = _mm512_xor_si512(_mm512_maskz_loadu_epi64(k, a + w), _mm512_maskz_loadu_epi64(k, b + w));
        acc1 = _mm512_add_epi64(acc1, _mm512_popcnt_epi64(x));
    }
    return _mm512_add_epi64(acc, acc1);
}

static uint32_t avx512_range(const uint64_t *a, const uint64_t *b, unsigned from, unsigned to)
{
    return (uint32_t)_mm512_reduce_add_epi64(range_acc(_mm512_setzero_si512(), a, b, from, to));
}

#define KFN(x) avx512_##x
#include "fp/kernel_template.h"

static uint32_t avx512_popcount(const uint64_t *a)
{
    __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
    for (unsigned w = 0; w < 256; w += 16) {
        acc0 = _mm512_add_epi64(acc0, _mm512_popcnt_epi64(_mm512_loadu_si512(a + w)));
        acc1 = _mm512_add_epi64(acc1, _mm512_popcnt_epi64(_mm512_loadu_si512(a + w + 8)));
    }
    return (uint32_t)_mm512_reduce_add_epi64(_mm512_add_epi64(acc0, acc1));
}

static void avx512_xor(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
    for (unsigned w = 0; w < 256; w += 8)
        _mm512_storeu_si512(out + w, _mm512_xor_si512(_mm512_loadu_si512(a + w), _mm512_loadu_si512(b + w)));
}

static inline __m512i runs_acc(const uint64_t *a, const uint64_t *b, const k_runs *r)
{
    __m512i acc = _mm512_setzero_si512();
    for (unsigned i = 0; i < r->n; i++) acc = range_acc(acc, a, b, r->from[i], r->to[i]);
    return acc;
}

/* Sums of the 8 lanes of four accumulators at once: every lane count is < 2^16 (a record
 * has 16,384 bits, 8 lanes), so the four are packed into 16-bit fields of one vector and reduced
 * once, instead of four full horizontal reductions. */
static inline void reduce4(__m512i a0, __m512i a1, __m512i a2, __m512i a3, uint32_t *out)
{
    __m512i p = _mm512_add_epi64(_mm512_add_epi64(a0, _mm512_slli_epi64(a1, 16)),
                                 _mm512_add_epi64(_mm512_slli_epi64(a2, 32), _mm512_slli_epi64(a3, 48)));
    uint64_t s = (uint64_t)_mm512_reduce_add_epi64(p);
    out[0] = (uint32_t)(s & 0xFFFF);
    out[1] = (uint32_t)(s >> 16 & 0xFFFF);
    out[2] = (uint32_t)(s >> 32 & 0xFFFF);
    out[3] = (uint32_t)(s >> 48);
}

#define PF_DIST 8 /* records ahead to prefetch in the scans */

/* Four records against one query: each query vector is loaded once and used four times; the
 * lines of the records PF_DIST ahead are prefetched (pf may be NULL near the end). */
static inline void many4(const uint64_t *q, const uint64_t *r0, size_t stride, const k_runs *r,
                         const uint64_t *pf, uint32_t *out)
{
    const uint64_t *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (unsigned i = 0; i < r->n; i++) {
        for (unsigned w = r->from[i]; w < r->to[i]; w += 8) {
            __m512i x = _mm512_loadu_si512(q + w);
            if (pf) {
                _mm_prefetch((const char *)(pf + w), _MM_HINT_T0);
                _mm_prefetch((const char *)(pf + stride + w), _MM_HINT_T0);
                _mm_prefetch((const char *)(pf + 2 * stride + w), _MM_HINT_T0);
                _mm_prefetch((const char *)(pf + 3 * stride + w), _MM_HINT_T0);
            }
            a0 = _mm512_add_epi64(a0, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r0 + w))));
            a1 = _mm512_add_epi64(a1, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r1 + w))));
            a2 = _mm512_add_epi64(a2, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r2 + w))));
            a3 = _mm512_add_epi64(a3, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r3 + w))));
        }
    }
    reduce4(a0, a1, a2, a3, out);
}

static void avx512_dist_many(const uint64_t *q, const uint64_t *recs, size_t n, size_t stride,
                             uint16_t mask, uint32_t *out)
{
    k_runs r;
    k_mask_runs(mask, &r);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint64_t *pf = i + PF_DIST + 4 <= n ? recs + (i + PF_DIST) * stride : NULL;
        many4(q, recs + i * stride, stride, &r, pf, out + i);
    }
    for (; i < n; i++) out[i] = (uint32_t)_mm512_reduce_add_epi64(runs_acc(q, recs + i * stride, &r));
}

/* One record against four queries: each record vector is loaded once, used four times. */
static inline void batch4(const uint64_t *const *qs, const uint64_t *rec, const k_runs *r,
                          uint32_t *out, size_t ldo)
{
    const uint64_t *q0 = qs[0], *q1 = qs[1], *q2 = qs[2], *q3 = qs[3];
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (unsigned i = 0; i < r->n; i++) {
        unsigned w = r->from[i], to = r->to[i]; /* multiples of 16, so of 8 */
        for (; w < to; w += 8) {
            __m512i x = _mm512_loadu_si512(rec + w);
            a0 = _mm512_add_epi64(a0, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(q0 + w))));
            a1 = _mm512_add_epi64(a1, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(q1 + w))));
            a2 = _mm512_add_epi64(a2, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(q2 + w))));
            a3 = _mm512_add_epi64(a3, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(q3 + w))));
        }
    }
    uint32_t d[4];
    reduce4(a0, a1, a2, a3, d);
    out[0] = d[0];
    out[ldo] = d[1];
    out[2 * ldo] = d[2];
    out[3 * ldo] = d[3];
}

static void avx512_dist_batch(const uint64_t *const *qs, size_t nq, const uint64_t *recs, size_t n,
                              size_t stride, uint16_t mask, uint32_t *out, size_t ldo)
{
    k_runs r;
    k_mask_runs(mask, &r);
    for (size_t i = 0; i < n; i++) {
        const uint64_t *rec = recs + i * stride;
        size_t j = 0;
        for (; j + 4 <= nq; j += 4) batch4(qs + j, rec, &r, out + j * ldo + i, ldo);
        for (; j < nq; j++) out[j * ldo + i] = (uint32_t)_mm512_reduce_add_epi64(runs_acc(qs[j], rec, &r));
    }
}

const fp_kernel fp_kernel_avx512 = {
    .name = "avx512-vpopcntdq",
    .dist_range = avx512_gen_dist_range,
    .dist_mask = avx512_gen_dist_mask,
    .dist_within = avx512_gen_dist_within,
    .dist_stage = avx512_gen_dist_stage,
    .popcount = avx512_popcount,
    .xor_rec = avx512_xor,
    .bundle = avx512_bundle,
    .dist_many = avx512_dist_many,
    .dist_many_within = avx512_gen_dist_many_within,
    .dist_stage_many = avx512_gen_dist_stage_many,
    .dist_batch = avx512_dist_batch,
};
#endif
