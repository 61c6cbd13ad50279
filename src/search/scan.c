/* Portable scan kernel: the scan loop of scan_impl.h over a plain popcount block distance,
 * plus run-time selection of the fastest compiled kernel and the strided stage distances of
 * the cascade (§7.5). */
#include "search/search_internal.h"

static inline uint32_t block_dist(const uint64_t *a, const uint64_t *b)
{
    uint32_t d = 0;
    for (int w = 0; w < 16; w++) d += (uint32_t)__builtin_popcountll(a[w] ^ b[w]);
    return d;
}

static uint32_t scan_dist_within(const search_ctx *c, const uint64_t *q, const uint64_t *r,
                                 uint32_t limit)
{
    uint32_t d = 0;
    for (int i = 0; i < c->nb; i++) {
        size_t off = 16 * (size_t)c->blocks[i];
        d += block_dist(q + off, r + off);
        if (d > limit) return d;
    }
    return d;
}

#define SCAN_NAME search_scan_portable
#include "search/scan_impl.h"

uint32_t search_stage_distance(const search_ctx *c, const uint64_t *a, const uint64_t *b,
                               int stride)
{
    uint32_t d = 0;
    for (int i = 0; i < c->nb; i++) {
        size_t off = 16 * (size_t)c->blocks[i];
        for (int w = 0; w < 16; w += stride)
            d += (uint32_t)__builtin_popcountll(a[off + w] ^ b[off + w]);
    }
    return d;
}

search_scan_fn search_scan_select(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq") &&
        __builtin_cpu_supports("avx512bw"))
        return search_scan_avx512;
#endif
    return search_scan_portable;
}
