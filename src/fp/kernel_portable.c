/* The portable kernel table: plain C with the compiler's popcount (one POPCNT instruction per
 * word where the target has it). It is the reference the SIMD tables are tested against, and the
 * fallback on CPUs (or BSP_KERNEL=portable) without AVX2. Spec: fingerprint.md §5, §7.5, §14. */
#include "fp/kernels.h"

#define BUNDLE_FN portable_bundle
#define BUNDLE_VEC_WORDS 2
#include "fp/kernel_bundle.h"

static uint32_t pc_range(const uint64_t *a, const uint64_t *b, unsigned from, unsigned to)
{
    uint32_t d = 0;
    for (unsigned w = from; w < to; w++) d += (uint32_t)__builtin_popcountll(a[w] ^ b[w]);
    return d;
}

static uint32_t portable_dist_range(const uint64_t *a, const uint64_t *b, unsigned from, unsigned to)
{
    return pc_range(a, b, from, to);
}

static uint32_t portable_dist_mask(const uint64_t *a, const uint64_t *b, uint16_t mask)
{
    uint32_t d = 0;
    for (unsigned m = mask; m; m &= m - 1) {
        unsigned k = (unsigned)__builtin_ctz(m);
        d += pc_range(a, b, 16 * k, 16 * k + 16);
    }
    return d;
}

static uint32_t portable_dist_within(const uint64_t *a, const uint64_t *b, uint16_t mask, uint32_t t)
{
    uint32_t d = 0;
    for (unsigned m = mask; m; m &= m - 1) {
        unsigned k = (unsigned)__builtin_ctz(m);
        d += pc_range(a, b, 16 * k, 16 * k + 16);
        if (d > t) return d;
    }
    return d;
}

static uint32_t portable_dist_stage(const uint64_t *a, const uint64_t *b, uint16_t mask, int stage)
{
    unsigned step = stage == FP_STAGE1 ? 16 : 4;
    uint32_t d = 0;
    for (unsigned m = mask; m; m &= m - 1) {
        unsigned k = (unsigned)__builtin_ctz(m);
        for (unsigned w = 16 * k; w < 16 * k + 16; w += step)
            d += (uint32_t)__builtin_popcountll(a[w] ^ b[w]);
    }
    return d;
}

static uint32_t portable_popcount(const uint64_t *a)
{
    uint32_t n = 0;
    for (unsigned w = 0; w < 256; w++) n += (uint32_t)__builtin_popcountll(a[w]);
    return n;
}

static void portable_xor(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
    for (unsigned w = 0; w < 256; w++) out[w] = a[w] ^ b[w];
}

static void portable_dist_many(const uint64_t *q, const uint64_t *recs, size_t n, size_t stride,
                               uint16_t mask, uint32_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = portable_dist_mask(q, recs + i * stride, mask);
}

static size_t portable_dist_many_within(const uint64_t *q, const uint64_t *recs, size_t n,
                                        size_t stride, uint16_t mask, uint32_t t, uint32_t *out)
{
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = portable_dist_within(q, recs + i * stride, mask, t);
        hits += out[i] <= t;
    }
    return hits;
}

static void portable_dist_stage_many(const uint64_t *q, const uint64_t *recs, size_t n,
                                     size_t stride, uint16_t mask, int stage, uint32_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = portable_dist_stage(q, recs + i * stride, mask, stage);
}

static void portable_dist_batch(const uint64_t *const *qs, size_t nq, const uint64_t *recs,
                                size_t n, size_t stride, uint16_t mask, uint32_t *out, size_t ldo)
{
    for (size_t i = 0; i < n; i++) {
        const uint64_t *r = recs + i * stride;
        for (size_t j = 0; j < nq; j++) out[j * ldo + i] = portable_dist_mask(qs[j], r, mask);
    }
}

const fp_kernel fp_kernel_portable = {
    .name = "portable",
    .dist_range = portable_dist_range,
    .dist_mask = portable_dist_mask,
    .dist_within = portable_dist_within,
    .dist_stage = portable_dist_stage,
    .popcount = portable_popcount,
    .xor_rec = portable_xor,
    .bundle = portable_bundle,
    .dist_many = portable_dist_many,
    .dist_many_within = portable_dist_many_within,
    .dist_stage_many = portable_dist_stage_many,
    .dist_batch = portable_dist_batch,
};
