/* The scan loop of scan_impl.h compiled with AVX2 + POPCNT (the build gives *_avx2.c files
 * those flags): the pruning path's block distance is then 16 hardware POPCNTs instead of the
 * portable build's bit-trick popcount. Chosen with the AVX2 kernel table (scan.c). */
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

#define SCAN_NAME search_scan_avx2
#include "search/scan_impl.h"
