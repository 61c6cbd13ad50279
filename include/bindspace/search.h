/* Exact top-k search over fingerprint records (spec: shared/spec/fingerprint.md §5, §7).
 *
 * A search runs a query against a *candidate source* - BindSpace memory (a contiguous array
 * of 256-word records) or a Lance dataset's 2,048-byte fingerprint column - and returns the
 * first k candidates in (key ascending, position ascending) order. The key is the masked
 * distance (§7.2), the bloom-adjusted effective distance (§7.3) or the RL score (§7.4).
 *
 * Exact mode (the default) returns exactly what a brute-force scan returns; it prunes only
 * with sound lower bounds (partial block sums, §7.1). Approximate mode is the cascade of
 * §7.5, returned with `approximate` set in bsp_search_info. Predicates are evaluated on
 * words 208..255 before any distance is computed. Work is split across threads; the
 * result never depends on the thread count.
 *
 * Typical use:
 *     bsp_search_options o; bsp_search_options_init(&o); o.k = 10;
 *     bsp_search_source src; bsp_search_source_records(&src, recs, n, NULL, NULL);
 *     bsp_search_hit hits[10]; size_t nh;
 *     rc = bsp_search(&src, query, &o, hits, &nh, NULL);
 */
#ifndef BINDSPACE_SEARCH_H
#define BINDSPACE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/error.h"
#include "bindspace/fp.h"
#include "bindspace/lance.h"
#include "bindspace/predicate.h"
#include "bindspace/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- candidate sources ------------------------------------------------------------------ */
typedef enum bsp_source_kind {
    BSP_SOURCE_RECORDS = 1,  /* records in memory */
    BSP_SOURCE_DATASET = 2   /* a Lance dataset's fingerprint column, streamed by fragment */
} bsp_source_kind;

typedef struct bsp_search_source {
    bsp_source_kind kind;
    /* BSP_SOURCE_RECORDS: n records of BSP_WORDS words each, contiguous (64-byte aligned is
     * fastest). Candidate i has position positions[i] (or i when positions is NULL) and is
     * present iff bit i of occupied is set (occupied[i / 64] >> (i % 64) & 1; NULL = all). */
    const uint64_t *records;
    size_t n;
    const uint64_t *positions;
    const uint64_t *occupied;
    /* Optional (records only): a column-wise copy of words 208..255 of every record
     * (bsp_search_sidecar_copy makes one): 6 planes of n x 8 words, plane p holding words
     * 208 + 8p .. 215 + 8p of record i at sidecar[p * n * 8 + i * 8]; 64-byte aligned (and
     * on 2 MiB pages) is fastest. When set, a predicate is evaluated on it instead of the
     * records, so a record the predicate rejects is never read, and the one cache line per
     * record a clause needs is read from a contiguous plane instead of one line per 2 KiB.
     * It must hold the records' words (the caller keeps the two in step); distances always
     * come from the records. */
    const uint64_t *sidecar;
    /* BSP_SOURCE_DATASET: every live row of ds; position = row address
     * (BSP_ROW_ADDR(fragment id, offset)). column names the fingerprint column. */
    const bsp_dataset *ds;
    const char *column;
} bsp_search_source;

#define BSP_SIDECAR_COPY_WORDS 48 /* words 208..255, per record */
/* The planes of bsp_search_source.sidecar for n records: out[p * n * 8 + i * 8 + j] =
 * records[i * 256 + 208 + 8p + j] (out: n * 48 words). */
void bsp_search_sidecar_copy(const uint64_t *records, size_t n, uint64_t *out);

/* Fill *src (no allocation; the arrays must outlive the searches). */
void bsp_search_source_records(bsp_search_source *src, const uint64_t *records, size_t n,
                               const uint64_t *positions, const uint64_t *occupied);
void bsp_search_source_dataset(bsp_search_source *src, const bsp_dataset *ds, const char *column);

/* ---- cascade parameters (§7.5, §7.6) ---------------------------------------------------- */
typedef enum bsp_band {
    BSP_BAND_FOVEAL = 0, BSP_BAND_NEAR = 1, BSP_BAND_GOOD = 2, BSP_BAND_WEAK = 3,
    BSP_BAND_REJECT = 4
} bsp_band;

typedef struct bsp_cascade {
    uint32_t mu, sigma;   /* distance mean and spread */
    int64_t t1, t2;       /* stage thresholds: projections p1 > t1 / p2 > t2 reject */
} bsp_cascade;

/* μ = bits/2, σ = isqrt(bits/4), t1 = μ − σ, t2 = μ − 2σ for the mask's bits.
 * BSP_EINVAL if mask == 0. */
int bsp_cascade_default(uint16_t mask, bsp_cascade *out);
/* calibrate (§7.6): μ = floor(Σd/n), σ = max(1, isqrt(floor(Σ(d−μ)²/n))), t1/t2 from them.
 * BSP_EINVAL if n == 0. */
int bsp_cascade_calibrate(const uint32_t *d, size_t n, bsp_cascade *out);
/* The band of an exact distance: Foveal d < μ−3σ, Near < μ−2σ, Good < μ−σ, Weak < μ. */
bsp_band bsp_cascade_band(const bsp_cascade *c, uint32_t d);
const char *bsp_band_name(bsp_band b);   /* "foveal", "near", "good", "weak", "reject" */

/* ---- options ------------------------------------------------------------------------------ */
typedef enum bsp_search_mode {
    BSP_SEARCH_EXACT = 0,        /* equals brute force (default) */
    BSP_SEARCH_APPROXIMATE = 1   /* the §7.5 cascade; distance ranking only */
} bsp_search_mode;

typedef enum bsp_search_rank {
    BSP_RANK_DISTANCE = 0,   /* key = d (§7.2) */
    BSP_RANK_BLOOM = 1,      /* key = effective distance (§7.3) */
    BSP_RANK_RL = 2          /* key = score (§7.4) */
} bsp_search_rank;

typedef struct bsp_search_options {
    size_t k;                         /* results wanted (0 = none) */
    uint16_t mask;                    /* block mask; init sets BSP_MASK_SEMANTIC; 0 = error */
    const bsp_predicate *predicate;   /* NULL = passes all */
    bool has_max_distance;            /* qualify only d <= max_distance */
    uint32_t max_distance;
    bsp_search_mode mode;
    bsp_search_rank rank;
    uint64_t bloom_source_id;         /* BSP_RANK_BLOOM: neighbour iff bloom contains it */
    double bloom_bonus;               /* BSP_RANK_BLOOM: [0, 1] */
    double rl_alpha;                  /* BSP_RANK_RL: [0, 1] */
    const bsp_cascade *cascade;       /* stage thresholds and bands; NULL = bsp_cascade_default */
    unsigned threads;                 /* 0 = all online cores */
    const bsp_progress *progress;     /* optional; reported per block of candidates */
} bsp_search_options;

/* Defaults: k 10, mask SEMANTIC, no predicate, exact, distance ranking, threads 0. */
void bsp_search_options_init(bsp_search_options *o);

/* ---- results ------------------------------------------------------------------------------ */
typedef struct bsp_search_hit {
    uint64_t position;   /* record index / explicit position / dataset row address */
    uint32_t distance;   /* raw masked distance d */
    uint32_t effective;  /* BSP_RANK_BLOOM: effective distance; otherwise = distance */
    float q;             /* BSP_RANK_RL: best-action value (0 when schema_version != 1) */
    double score;        /* BSP_RANK_RL: score; otherwise the key as a double */
} bsp_search_hit;

typedef struct bsp_search_info {
    bool approximate;         /* results came from approximate mode: may miss members */
    uint64_t candidates;      /* candidates visited (present / live rows) */
    uint64_t passed;          /* of those, how many passed the predicate */
    uint64_t completed;       /* distances computed to the end (summed over the queries) */
} bsp_search_info;
/* An exact batch visits each candidate once for all its queries, so candidates and passed
 * count candidates; approximate mode runs query by query and sums them over the queries. */

/* One query (BSP_WORDS words). hits has room for o->k entries; *nhits = number filled
 * (min(k, qualifying)). info may be NULL. Errors: BSP_EINVAL (mask 0, bonus/alpha out of
 * range, approximate mode with a ranking other than distance, bad source), BSP_ENOMEM, and
 * whatever the dataset scan returns. */
int bsp_search(const bsp_search_source *src, const uint64_t *query, const bsp_search_options *o,
               bsp_search_hit *hits, size_t *nhits, bsp_search_info *info);

/* nq queries (nq * BSP_WORDS words, contiguous) in one pass over the candidates. Query j's
 * hits are hits[j * o->k ..], nhits[j] of them; the result for each query equals
 * bsp_search with that query. info may be NULL. */
int bsp_search_batch(const bsp_search_source *src, const uint64_t *queries, size_t nq,
                     const bsp_search_options *o, bsp_search_hit *hits, size_t *nhits,
                     bsp_search_info *info);

/* The keys of §7.3 and §7.4, as the search computes them (exposed for SQL and tests).
 * effective: trunc(d · (1 − bonus)) in f32 for a neighbour, d otherwise.
 * score: ((1 − alpha) · d) / (1024 · B) + (alpha · (1 − q)) / 2 in f64. */
uint32_t bsp_bloom_effective(uint32_t d, double bonus, bool neighbour);
double bsp_rl_score(uint32_t d, double q, double alpha, uint16_t mask);

#ifdef __cplusplus
}
#endif
#endif
