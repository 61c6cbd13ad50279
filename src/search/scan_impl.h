/* The scan loop, compiled once per kernel (scan.c portable, scan_avx512.c AVX-512): include
 * after defining SCAN_NAME (the function name) and a static
 *     uint32_t scan_dist_within(const search_ctx *c, const uint64_t *q, const uint64_t *r,
 *                               uint32_t limit)
 * that returns the masked distance when it is <= limit and any value > limit otherwise.
 *
 * Candidates are taken in chunks that stay in cache: the predicate is evaluated once per
 * candidate of the chunk (on words 208..255, before any distance), then every query of the
 * batch runs over the chunk's passing candidates. So a batch reads the records from memory
 * once, and each query's pruning limit is always its own heap's k-th key. */
#include <string.h>

#include "bindspace/sidecar.h"
#include "fp/kernels.h"
#include "fp/predicate_impl.h"

#define SCAN_CHUNK SEARCH_CHUNK
#define SCAN_PF 2   /* candidates ahead to prefetch on the pruning path */
#define SCAN_PRED_PF 16 /* records ahead whose predicate lines are prefetched */

static inline void scan_one(search_worker *w, search_query *sq, const uint64_t *rec,
                            uint64_t pos)
{
    const search_ctx *c = w->c;
    bsp_search_hit h;
    uint32_t d;
    switch (c->rank) {
    case BSP_RANK_DISTANCE:
        d = scan_dist_within(c, sq->q, rec, sq->dlimit);
        if (d > sq->dlimit) return;
        h.position = pos; h.distance = d; h.effective = d; h.q = 0.0f; h.score = (double)d;
        break;
    case BSP_RANK_BLOOM: {
        bool nb = bsp_fp_bloom_contains(rec, c->bloom_id);
        uint32_t lim = nb ? sq->nlimit : sq->dlimit;
        d = scan_dist_within(c, sq->q, rec, lim);
        if (d > lim) return;
        uint32_t e = nb ? (uint32_t)((float)d * c->bloom_m) : d;
        h.position = pos; h.distance = d; h.effective = e; h.q = 0.0f; h.score = (double)e;
        break;
    }
    default: { /* BSP_RANK_RL */
        float q = search_rl_q(rec);
        uint32_t lim = c->maxd;
        if (sq->size == c->k) {
            int64_t l = search_rl_limit(c, (double)q, sq->heap[0].score);
            if (l < 0) return;
            if ((uint64_t)l < lim) lim = (uint32_t)l;
        }
        d = scan_dist_within(c, sq->q, rec, lim);
        if (d > lim) return;
        double denom = 1024.0 * (double)c->nb;
        h.position = pos; h.distance = d; h.effective = d; h.q = q;
        h.score = ((1.0 - c->alpha) * (double)d) / denom + (c->alpha * (1.0 - (double)q)) / 2.0;
        break;
    }
    }
    w->completed++;
    search_heap_offer(c, sq, &h);
}

void SCAN_NAME(SEARCH_SCAN_ARGS)
{
    const search_ctx *c = w->c;
    size_t idx[SCAN_CHUNK];
    if (c->k == 0) return;
    for (size_t c0 = i0; c0 < i1; c0 += SCAN_CHUNK) {
        size_t c1 = c0 + SCAN_CHUNK < i1 ? c0 + SCAN_CHUNK : i1, m = 0;
        if (c->pred) {
            /* The predicate's clauses read only their cache lines (c->pl: for a graph clause
             * word 248, 1 of the record's 32 lines), prefetched SCAN_PRED_PF records ahead, so
             * a record its clauses reject costs that line. Without the prefetch each would be
             * a serial miss (a mispredicted pass/fail branch discards the loads in flight).
             * The schema version (line 27) is read only for the records whose clauses pass:
             * its line is requested when they pass and tested in a second pass over them, and
             * so are the first lines of their distance. */
            /* With the source's column-wise sidecar copy the clause lines come from its
             * planes (contiguous: 64 B per record instead of one line per 2 KiB, which the
             * prefetchers stream), gathered into s, and a rejected record's 2 KiB are not
             * touched at all. */
            size_t cand[SCAN_CHUNK], nc = 0;
            _Alignas(64) uint64_t sw[BSP_SIDECAR_COPY_WORDS];
            for (size_t i = c0; i < c1; i++) {
                if (i + SCAN_PRED_PF < i1)
                    for (int l = 0; l < c->npl; l++) /* lines 26..31 = sidecar planes 0..5 */
                        __builtin_prefetch(side ? side + (size_t)(c->pl[l] - BSP_SIDECAR_WORD / 8) * c->side_plane + (i + SCAN_PRED_PF) * 8
                                                : recs + (i + SCAN_PRED_PF) * BSP_WORDS + 8 * (size_t)c->pl[l]);
                if (present && !(present[i >> 3] >> (i & 7) & 1)) continue;
                w->candidates++;
                const uint64_t *r = recs + i * BSP_WORDS, *s = r + BSP_SIDECAR_WORD;
                if (side) {
                    for (int l = 0; l < c->npl; l++)
                        memcpy(sw + 8 * (c->pl[l] - BSP_SIDECAR_WORD / 8), side + (size_t)(c->pl[l] - BSP_SIDECAR_WORD / 8) * c->side_plane + i * 8, 64);
                    s = sw;
                }
                if (!pred_eval_clauses(c->pred, s)) continue;
                __builtin_prefetch(side ? side + c->side_plane + i * 8 : r + 8 * PRED_VERSION_LINE);
                const uint64_t *b0 = r + 16 * (size_t)c->blocks[0];
                __builtin_prefetch(b0);
                __builtin_prefetch(b0 + 8);
                cand[nc++] = i;
            }
            for (size_t t = 0; t < nc; t++) {
                size_t i = cand[t]; /* the version word 223 is in line 27: plane 1 */
                const uint64_t *v = side ? side + c->side_plane + i * 8 - 8 : recs + i * BSP_WORDS + BSP_SIDECAR_WORD;
                if (pred_version_ok(v)) idx[m++] = i;
            }
        } else {
            for (size_t i = c0; i < c1; i++) {
                if (present && !(present[i >> 3] >> (i & 7) & 1)) continue;
                w->candidates++;
                idx[m++] = i;
            }
        }
        w->passed += m;
        if (m == 0) continue;
        const uint64_t *base = recs + c0 * BSP_WORDS;
        size_t ng = 0;
        for (size_t j = 0; j < w->nq; j++) {
            search_query *sq = &w->qs[j];
            if (sq->shared) { /* another thread may have a tighter k-th distance */
                uint32_t sh = atomic_load_explicit(sq->shared, memory_order_relaxed);
                if (sh < sq->dlimit) sq->dlimit = sh;
            }
            /* Distance ranking over a full chunk with a limit that prunes little: whole
             * distances from the kernels (batched over queries when there are several). */
            if (c->rank == BSP_RANK_DISTANCE && m == c1 - c0 && sq->dlimit >= c->prune_below) {
                w->qptr[ng] = sq->q;
                w->qidx[ng++] = j;
                continue;
            }
            /* Candidates abandoned at varying blocks mispredict the exit branch, which
             * discards loads in flight: prefetch the blocks a few candidates ahead will
             * need (up to the first check of the scan kernel, plus one block). */
            int pfb = (int)(sq->dlimit / 512u) + 2;
            if (pfb > c->nb) pfb = c->nb;
            for (size_t t = 0; t < m; t++) {
                size_t i = idx[t];
                if (t + SCAN_PF < m) {
                    const uint64_t *pr = recs + idx[t + SCAN_PF] * BSP_WORDS;
                    for (int b = 0; b < pfb; b++) {
                        __builtin_prefetch(pr + 16 * (size_t)c->blocks[b]);
                        __builtin_prefetch(pr + 16 * (size_t)c->blocks[b] + 8);
                    }
                }
                scan_one(w, sq, recs + i * BSP_WORDS, positions ? positions[i] : pos_base + i);
            }
        }
        /* The batch queries in kernel calls of up to SEARCH_GROUP (128 KiB of queries, in
         * L2) per chunk: the kernel streams the chunk's records once for all of them
         * (register-blocked over 8 queries, next records requested while the current ones
         * are computed); the chunk stays in L2 across the calls. */
        if (ng == 1)
            c->kern->dist_many(w->qptr[0], base, m, BSP_WORDS, c->mask, w->dbuf);
        else
            for (size_t g0 = 0; g0 < ng; g0 += SEARCH_GROUP)
                c->kern->dist_batch(w->qptr + g0, ng - g0 < SEARCH_GROUP ? ng - g0 : SEARCH_GROUP,
                                    base, m, BSP_WORDS, c->mask, w->dbuf + g0 * SCAN_CHUNK, SCAN_CHUNK);
        for (size_t g = 0; g < ng; g++) {
            search_query *sq = &w->qs[w->qidx[g]];
            const uint32_t *d = w->dbuf + g * SCAN_CHUNK;
            w->completed += m;
            for (size_t t = 0; t < m; t++) {
                if (d[t] > sq->dlimit) continue;
                size_t i = c0 + t;
                bsp_search_hit h = {.position = positions ? positions[i] : pos_base + i,
                                    .distance = d[t], .effective = d[t], .q = 0.0f,
                                    .score = (double)d[t]};
                search_heap_offer(c, sq, &h);
            }
        }
    }
}
