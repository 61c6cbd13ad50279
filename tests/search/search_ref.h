/* Test helpers for search: random and clustered records, raw sidecar setters (bit layouts
 * of spec §3.2 written directly, independent of the sidecar codec), and the brute-force
 * reference of §7.1-7.4 that every search result is compared with. */
#ifndef BSP_TEST_SEARCH_REF_H
#define BSP_TEST_SEARCH_REF_H

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "bindspace/fp.h"
#include "bindspace/predicate.h"
#include "bindspace/search.h"
#include "bindspace/sidecar.h"
#include "test.h"

static inline uint64_t *ref_alloc(size_t n)
{
    uint64_t *r = aligned_alloc(64, (n ? n : 1) * BSP_BYTES);
    if (!r) { perror("aligned_alloc"); exit(2); }
    memset(r, 0, (n ? n : 1) * BSP_BYTES);
    return r;
}

static inline void ref_random(test_rng *g, uint64_t *recs, size_t n)
{
    for (size_t i = 0; i < n * BSP_WORDS; i++) recs[i] = test_rng_next(g);
}

static inline void ref_set_version(uint64_t *r, uint8_t v)
{
    r[223] = (r[223] & 0x00FFFFFFFFFFFFFFull) | ((uint64_t)v << 56);
}

static inline void ref_set_q(uint64_t *r, int a, int8_t q)
{
    uint64_t *w = &r[224 + a / 8];
    int sh = 8 * (a % 8);
    *w = (*w & ~(0xFFull << sh)) | ((uint64_t)(uint8_t)q << sh);
}

static inline void ref_bloom_insert(uint64_t *r, uint64_t id)
{
    uint64_t h = bsp_splitmix64(id);
    for (int i = 0; i < 3; i++) {
        unsigned p = (unsigned)(h >> (8 * i)) & 255;
        r[244 + p / 64] |= 1ull << (p % 64);
    }
}

static inline bool ref_bloom_contains(const uint64_t *r, uint64_t id)
{
    if ((r[223] >> 56) != 1) return false;
    uint64_t h = bsp_splitmix64(id);
    for (int i = 0; i < 3; i++) {
        unsigned p = (unsigned)(h >> (8 * i)) & 255;
        if (!(r[244 + p / 64] >> (p % 64) & 1)) return false;
    }
    return true;
}

static inline float ref_q(const uint64_t *r)
{
    if ((r[223] >> 56) != 1) return 0.0f;
    int8_t best = (int8_t)(r[224] & 0xFF);
    for (int a = 1; a < 16; a++) {
        int8_t q = (int8_t)(r[224 + a / 8] >> (8 * (a % 8)));
        if (q > best) best = q;
    }
    return (float)best / 127.0f;
}

static inline uint32_t ref_masked(const uint64_t *a, const uint64_t *b, uint16_t mask)
{
    uint32_t d = 0;
    for (int w = 0; w < BSP_WORDS; w++)
        if (mask >> (w / 16) & 1) d += (uint32_t)__builtin_popcountll(a[w] ^ b[w]);
    return d;
}

static inline int ref_cmp(const void *x, const void *y)
{
    const bsp_search_hit *a = x, *b = y;
    if (a->score != b->score) return a->score < b->score ? -1 : 1;
    return a->position < b->position ? -1 : a->position > b->position;
}

/* Brute force: every present candidate, predicate first, full distance, full key. */
static inline size_t ref_search(const bsp_search_source *src, const uint64_t *q,
                         const bsp_search_options *o, bsp_search_hit *out)
{
    bsp_search_hit *all = malloc((src->n ? src->n : 1) * sizeof *all);
    size_t m = 0;
    int B = __builtin_popcount(o->mask);
    for (size_t i = 0; i < src->n; i++) {
        if (src->occupied && !(src->occupied[i / 64] >> (i % 64) & 1)) continue;
        const uint64_t *r = src->records + i * BSP_WORDS;
        if (o->predicate && !bsp_predicate_eval(o->predicate, r)) continue;
        uint32_t d = ref_masked(q, r, o->mask);
        if (o->has_max_distance && d > o->max_distance) continue;
        bsp_search_hit h = {.position = src->positions ? src->positions[i] : i, .distance = d,
                            .effective = d, .q = 0.0f, .score = d};
        if (o->rank == BSP_RANK_BLOOM && ref_bloom_contains(r, o->bloom_source_id)) {
            float m32 = 1.0f - (float)o->bloom_bonus;
            float x = (float)d * m32;
            h.effective = (uint32_t)truncf(x);
            h.score = h.effective;
        } else if (o->rank == BSP_RANK_RL) {
            h.q = ref_q(r);
            h.score = ((1.0 - o->rl_alpha) * (double)d) / (1024.0 * B) +
                      (o->rl_alpha * (1.0 - (double)h.q)) / 2.0;
        }
        all[m++] = h;
    }
    qsort(all, m, sizeof *all, ref_cmp);
    size_t k = o->k < m ? o->k : m;
    memcpy(out, all, k * sizeof *out);
    free(all);
    return k;
}

/* Compare hit lists field by field; returns 1 if equal (and reports the first difference). */
static inline int ref_same(const bsp_search_hit *a, size_t na, const bsp_search_hit *b, size_t nb,
                    const char *what)
{
    if (na != nb) {
        fprintf(stderr, "  %s: %zu hits vs %zu\n", what, na, nb);
        return 0;
    }
    for (size_t i = 0; i < na; i++) {
        if (a[i].position != b[i].position || a[i].distance != b[i].distance ||
            a[i].effective != b[i].effective || a[i].q != b[i].q || a[i].score != b[i].score) {
            fprintf(stderr,
                    "  %s: rank %zu: (%" PRIu64 ", d %u, e %u, q %g, s %.17g) vs (%" PRIu64
                    ", d %u, e %u, q %g, s %.17g)\n",
                    what, i, a[i].position, a[i].distance, a[i].effective, (double)a[i].q,
                    a[i].score, b[i].position, b[i].distance, b[i].effective, (double)b[i].q,
                    b[i].score);
            return 0;
        }
    }
    return 1;
}

#endif
