/* Generic parts of a SIMD kernel table, built on the file's own range primitive. Not a public
 * header: kernel_avx2.c and kernel_avx512.c define
 *     #define KFN(x) <isa>_##x
 *     static uint32_t KFN(range)(const uint64_t *a, const uint64_t *b, unsigned from, unsigned to);
 * and then include this file, which defines KFN(gen_*) functions (mask → runs of contiguous
 * blocks, early exit, stages, the many-record loops) that the file may use in its table or
 * replace by faster hand-written ones. Spec: fingerprint.md §5, §7.5. */
#include <stddef.h>
#include <stdint.h>

#include "fp/kernels.h"

#define K_UNUSED __attribute__((unused))

/* Contiguous runs of included blocks as word ranges [from, to); at most 8 runs for a u16 mask. */
typedef struct k_runs { unsigned n, from[8], to[8]; } k_runs;

static inline void k_mask_runs(uint16_t mask, k_runs *r)
{
    unsigned m = mask;
    r->n = 0;
    while (m) {
        unsigned lo = (unsigned)__builtin_ctz(m);
        unsigned len = (unsigned)__builtin_ctz(~(m >> lo)); /* length of the run of ones */
        r->from[r->n] = 16 * lo;
        r->to[r->n] = 16 * (lo + len);
        r->n++;
        m &= ~(((1u << len) - 1) << lo);
    }
}

static inline uint32_t k_dist_runs(const uint64_t *a, const uint64_t *b, const k_runs *r)
{
    uint32_t d = 0;
    for (unsigned i = 0; i < r->n; i++) d += KFN(range)(a, b, r->from[i], r->to[i]);
    return d;
}

static K_UNUSED uint32_t KFN(gen_dist_range)(const uint64_t *a, const uint64_t *b, unsigned from,
                                             unsigned to)
{
    return KFN(range)(a, b, from, to);
}

static K_UNUSED uint32_t KFN(gen_dist_mask)(const uint64_t *a, const uint64_t *b, uint16_t mask)
{
    if (mask == 0xFFFF) return KFN(range)(a, b, 0, 256);
    if (mask == 0x1FFF) return KFN(range)(a, b, 0, 208);
    k_runs r;
    k_mask_runs(mask, &r);
    return k_dist_runs(a, b, &r);
}

/* Early exit after every group of up to 4 included blocks (64 words). */
static K_UNUSED uint32_t KFN(gen_dist_within)(const uint64_t *a, const uint64_t *b, uint16_t mask,
                                              uint32_t t)
{
    uint32_t d = 0;
    unsigned m = mask;
    while (m) {
        /* the next (up to) 4 included blocks, as contiguous sub-runs */
        unsigned taken = 0;
        while (m && taken < 4) {
            unsigned lo = (unsigned)__builtin_ctz(m);
            unsigned len = (unsigned)__builtin_ctz(~(m >> lo));
            if (len > 4 - taken) len = 4 - taken;
            d += KFN(range)(a, b, 16 * lo, 16 * (lo + len));
            m &= ~(((1u << len) - 1) << lo);
            taken += len;
        }
        if (d > t) return d;
    }
    return d;
}

static K_UNUSED uint32_t KFN(gen_dist_stage)(const uint64_t *a, const uint64_t *b, uint16_t mask,
                                             int stage)
{
    uint32_t d = 0;
    if (stage == FP_STAGE1) {
        for (unsigned m = mask; m; m &= m - 1) {
            unsigned w = 16 * (unsigned)__builtin_ctz(m);
            d += (uint32_t)__builtin_popcountll(a[w] ^ b[w]);
        }
    } else {
        for (unsigned m = mask; m; m &= m - 1) {
            unsigned w = 16 * (unsigned)__builtin_ctz(m);
            d += (uint32_t)(__builtin_popcountll(a[w] ^ b[w]) + __builtin_popcountll(a[w + 4] ^ b[w + 4]) +
                            __builtin_popcountll(a[w + 8] ^ b[w + 8]) +
                            __builtin_popcountll(a[w + 12] ^ b[w + 12]));
        }
    }
    return d;
}

static K_UNUSED void KFN(gen_dist_many)(const uint64_t *q, const uint64_t *recs, size_t n,
                                        size_t stride, uint16_t mask, uint32_t *out)
{
    k_runs r;
    k_mask_runs(mask, &r);
    for (size_t i = 0; i < n; i++) out[i] = k_dist_runs(q, recs + i * stride, &r);
}

static K_UNUSED size_t KFN(gen_dist_many_within)(const uint64_t *q, const uint64_t *recs, size_t n,
                                                 size_t stride, uint16_t mask, uint32_t t,
                                                 uint32_t *out)
{
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = KFN(gen_dist_within)(q, recs + i * stride, mask, t);
        hits += out[i] <= t;
    }
    return hits;
}

static K_UNUSED void KFN(gen_dist_stage_many)(const uint64_t *q, const uint64_t *recs, size_t n,
                                              size_t stride, uint16_t mask, int stage,
                                              uint32_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = KFN(gen_dist_stage)(q, recs + i * stride, mask, stage);
}

static K_UNUSED void KFN(gen_dist_batch)(const uint64_t *const *qs, size_t nq,
                                         const uint64_t *recs, size_t n, size_t stride,
                                         uint16_t mask, uint32_t *out, size_t ldo)
{
    k_runs r;
    k_mask_runs(mask, &r);
    for (size_t i = 0; i < n; i++) {
        const uint64_t *rec = recs + i * stride;
        for (size_t j = 0; j < nq; j++) out[j * ldo + i] = k_dist_runs(qs[j], rec, &r);
    }
}
