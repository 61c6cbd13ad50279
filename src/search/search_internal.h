/* Internal state shared by the search files: the per-query top-k heap, the read-only scan
 * context and the per-thread worker, plus the scan kernels (portable and AVX-512, chosen at
 * run time).
 *
 * The one idea: every ranking mode reduces to "compute the masked distance of this candidate
 * unless its running block sum exceeds a limit L". L comes from the current k-th key of the
 * query's heap turned back into a raw distance (for bloom and RL through the monotone key
 * function of the candidate), so abandoning a candidate is always sound (§7.1). */
#ifndef BSP_SEARCH_INTERNAL_H
#define BSP_SEARCH_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/search.h"

#define SEARCH_NOLIMIT 0xFFFFFFFFu

/* One query inside one worker: a max-heap of at most k hits ordered by (score, position). */
typedef struct search_query {
    const uint64_t *q;
    bsp_search_hit *heap;
    size_t size;
    uint32_t dlimit;   /* distance ranking: prune partial sums above this */
    uint32_t nlimit;   /* bloom ranking: limit for neighbours */
    /* Distance ranking with several threads: the smallest k-th distance any thread's full
     * heap has reached. Every thread's k-th bounds the global k-th from above, so a
     * candidate whose partial sum exceeds it cannot be in the result (§7.1). NULL if unused. */
    _Atomic uint32_t *shared;
} search_query;

/* Read-only parameters of one search call. */
typedef struct search_ctx {
    size_t k;
    bsp_search_rank rank;
    uint16_t mask;
    uint8_t blocks[BSP_BLOCKS];
    int nb;
    uint32_t maxd;             /* max_distance or SEARCH_NOLIMIT */
    const bsp_predicate *pred; /* NULL when absent or empty */
    uint8_t pl[8];             /* the record cache lines the predicate reads (pred_lines) */
    int npl;
    uint64_t bloom_id;
    float bloom_m;             /* 1 - bonus, f32 */
    double bonus;
    double alpha;
    const struct fp_kernel *kern;  /* distance kernels (src/fp/kernels.h) */
    uint32_t prune_below;      /* limits below this are worth block-wise pruning */
    size_t side_plane;         /* words between the planes of the source's sidecar copy */
} search_ctx;

#define SEARCH_CHUNK 128 /* candidates per chunk (256 KiB: stays in L2 for a batch) */
#define SEARCH_GROUP 64  /* batch queries per kernel call (128 KiB) */

typedef struct search_worker {
    const search_ctx *c;
    search_query *qs;
    size_t nq;
    const uint64_t **qptr;     /* nq entries: scratch for the batch kernel */
    size_t *qidx;              /* nq entries */
    uint32_t *dbuf;            /* nq * SEARCH_CHUNK distances */
    uint64_t candidates, passed, completed;
} search_worker;

/* (a.score, a.position) < (b.score, b.position) */
static inline bool search_hit_less(const bsp_search_hit *a, const bsp_search_hit *b)
{
    return a->score < b->score || (a->score == b->score && a->position < b->position);
}

/* topk.c */
void search_heap_offer(const search_ctx *c, search_query *sq, const bsp_search_hit *h);
void search_hits_sort(bsp_search_hit *h, size_t n);
void search_query_reset_limits(const search_ctx *c, search_query *sq);

/* rank.c: the largest raw distance whose key is <= kth (-1 if none), for one candidate */
int64_t search_bloom_limit(float m, double kth);
int64_t search_rl_limit(const search_ctx *c, double q, double kth);
float search_rl_q(const uint64_t *rec);

/* Scan records [i0, i1) of recs (BSP_WORDS words each). Candidate i is present iff
 * present == NULL or bit i of present (byte bitmap) is set; its position is positions[i]
 * when positions != NULL, else pos_base + i. side (may be NULL) is the source's column-wise
 * copy of words 208..255 (planes c->side_plane words apart, indexed like recs): the predicate
 * reads it instead of the records. */
#define SEARCH_SCAN_ARGS                                                                           \
    search_worker *w, const uint64_t *recs, const uint64_t *side, size_t i0, size_t i1,            \
        const uint64_t *positions, uint64_t pos_base, const uint8_t *present
typedef void (*search_scan_fn)(SEARCH_SCAN_ARGS);
void search_scan_portable(SEARCH_SCAN_ARGS);
void search_scan_avx512(SEARCH_SCAN_ARGS);
void search_scan_avx2(SEARCH_SCAN_ARGS);
search_scan_fn search_scan_select(void);

/* Masked distance restricted to a word stride inside each block (cascade stages): words
 * 16b + s*j for j < 16/s. stride 1 = full masked distance. */
uint32_t search_stage_distance(const search_ctx *c, const uint64_t *a, const uint64_t *b,
                               int stride);

/* cascade.c: approximate mode for one query over an ordered candidate list. */
int search_approximate(const bsp_search_source *src, const search_ctx *c,
                       const bsp_cascade *cas, const uint64_t *query, bsp_search_hit *hits,
                       size_t *nhits, bsp_search_info *info);

#endif
