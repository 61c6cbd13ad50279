/* The block distance of the scan loop (scan_impl.h) written with __builtin_popcountll: the
 * portable kernel (scan.c) and the AVX2 one (scan_avx2.c, built with -mpopcnt, where it becomes
 * the POPCNT instruction) compile this same code with different ISA flags. */
#ifndef BSP_SEARCH_SCAN_POPCOUNT_H
#define BSP_SEARCH_SCAN_POPCOUNT_H

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

#endif
