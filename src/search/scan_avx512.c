/* AVX-512 scan kernel (VPOPCNTQ): each 16-word block is two 512-bit XOR + popcount steps
 * accumulated in a vector; the running sum is reduced and compared with the limit only at
 * block boundaries where it could already exceed it. */
#include "search/search_internal.h"

#if defined(__x86_64__) && defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__)
#include <immintrin.h>

static inline __m512i block_acc(__m512i acc, const uint64_t *a, const uint64_t *b)
{
    __m512i x0 = _mm512_xor_si512(_mm512_loadu_si512(a), _mm512_loadu_si512(b));
    __m512i x1 = _mm512_xor_si512(_mm512_loadu_si512(a + 8), _mm512_loadu_si512(b + 8));
    acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(x0));
    return _mm512_add_epi64(acc, _mm512_popcnt_epi64(x1));
}

static uint32_t scan_dist_within(const search_ctx *c, const uint64_t *q, const uint64_t *r,
                                 uint32_t limit)
{
    __m512i acc = _mm512_setzero_si512();
    int nb = c->nb;
    /* A random candidate's sum grows by ~512 per block, so its sum first passes the limit
     * around block limit/512: check there first (one reduction and a well-predicted exit for
     * most candidates), then after every block. Any check point is sound; this one is cheap.
     * (This path runs only when the limit is low enough for pruning to pay: prune_below.) */
    uint32_t first = limit / 512u + 1u;
    if (first >= (uint32_t)nb) {
        for (int i = 0; i < nb; i++) {
            size_t off = 16 * (size_t)c->blocks[i];
            acc = block_acc(acc, q + off, r + off);
        }
        return (uint32_t)_mm512_reduce_add_epi64(acc);
    }
    int i = 0;
    for (; i < (int)first; i++) {
        size_t off = 16 * (size_t)c->blocks[i];
        acc = block_acc(acc, q + off, r + off);
    }
    for (;;) {
        uint32_t d = (uint32_t)_mm512_reduce_add_epi64(acc);
        if (d > limit || i == nb) return d;
        size_t off = 16 * (size_t)c->blocks[i++];
        acc = block_acc(acc, q + off, r + off);
    }
}

#define SCAN_NAME search_scan_avx512
#include "search/scan_impl.h"

#else
/* Compiler without the ISA: the portable kernel stands in. */
void search_scan_avx512(search_worker *w, const uint64_t *recs, size_t i0, size_t i1,
                        const uint64_t *positions, uint64_t pos_base, const uint8_t *present)
{
    search_scan_portable(w, recs, i0, i1, positions, pos_base, present);
}
#endif
