/* The compiled form of a predicate (spec §6), shared with the search module so that scans
 * can test the sidecar words 208..255 inline (or vectorise the tests).
 *
 * The one idea: every threshold is converted at compile time into the *stored* integer
 * domain, exactly. Decoding is monotone (q / 65535 in f32, q / 127, (Σ / 8) / 32767), so
 * "decoded value >= t" is "stored value >= the smallest stored value whose decoding is >= t",
 * found once by binary search. Evaluation is then a handful of integer compares on 6 words,
 * with no floating point. A clause or member that is absent gets a neutral threshold that
 * every record passes (min 0, max 255, all-ones sets, empty bloom mask); the evaluator skips
 * the words of absent clauses only so as not to touch their cache lines (pred_lines), and the
 * version check (done after the clauses, so that a scan reads its line only for records whose
 * clauses pass) depends on whether any clause is present (§6.1: on a record whose schema_version ≠ 1
 * every present clause fails, and the empty predicate passes every record). */
#ifndef BSP_FP_PREDICATE_IMPL_H
#define BSP_FP_PREDICATE_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "bindspace/predicate.h"

/* Clause bits (bsp_predicate.clauses). */
#define PRED_ANI 0x01u
#define PRED_NARS 0x02u
#define PRED_RL 0x04u
#define PRED_GRAPH 0x08u
#define PRED_KIND 0x10u
#define PRED_BLOOM 0x20u

/* Member bits (bsp_predicate.members): which members the JSON gave. */
#define PRED_M_ANI_LEVEL (1u << 0)
#define PRED_M_ANI_ACTIVATION (1u << 1)
#define PRED_M_NARS_FREQUENCY (1u << 2)
#define PRED_M_NARS_CONFIDENCE (1u << 3)
#define PRED_M_NARS_PRIORITY (1u << 4)
#define PRED_M_RL_BEST_Q (1u << 5)
#define PRED_M_RL_AVG_REWARD (1u << 6)
#define PRED_M_RL_POSITIVE_TREND (1u << 7)
#define PRED_M_GRAPH_PAGERANK (1u << 8)
#define PRED_M_GRAPH_MAX_HOP (1u << 9)
#define PRED_M_GRAPH_CLUSTER (1u << 10)
#define PRED_M_GRAPH_DEGREE (1u << 11)
#define PRED_M_KIND_KINDS (1u << 12)
#define PRED_M_KIND_VERBS (1u << 13)
#define PRED_M_BLOOM_NODE (1u << 14)

/* Sidecar word offsets relative to word 208. */
#define PRED_W_ANI0 0     /* 208, 209: ANI lanes */
#define PRED_W_NARS 2     /* 210: f, c, priority, durability */
#define PRED_W_EDGE 3     /* 211: verb bits 0-7, node kind bits 32-39 */
#define PRED_W_VERSION 15 /* 223: schema_version bits 56-63 */
#define PRED_W_Q 16       /* 224, 225: Q8 bytes */
#define PRED_W_REWARD 18  /* 226, 227: R16 lanes */
#define PRED_W_BLOOM 36   /* 244..247 */
#define PRED_W_METRICS 40 /* 248: pagerank, hop, cluster, degree */

struct bsp_predicate {
    uint32_t clauses; /* PRED_* of the clauses present */
    uint32_t members; /* PRED_M_* of the members given */

    /* ani: lane (ani_shift / 16) of word 208 + ani_word >= ani_min */
    uint32_t ani_word, ani_shift, ani_min;
    /* nars: stored u16 >= min (0 = no test) */
    uint32_t nars_f_min, nars_c_min, nars_p_min;
    /* rl: max signed Q byte >= best_q_min (-128 = no test); Σ rewards >= sum_min
     * (INT32_MIN = no test); positive_trend: Σ rewards[4..7] > Σ rewards[0..3] */
    int32_t rl_best_q_min, rl_sum_min;
    bool rl_positive_trend;
    /* graph (word 248): pagerank >= min, hop <= max, (cluster ^ want) & mask == 0,
     * degree >= min */
    uint32_t graph_pagerank_min, graph_hop_max, graph_degree_min;
    uint64_t graph_cluster, graph_cluster_mask;
    /* kind: membership bitsets over 0..255 (all ones = no test) */
    uint64_t kinds[4], verbs[4];
    /* bloom: bits that must all be set in words 244..247 (zero = no test) */
    uint64_t bloom[4];

    /* The thresholds as parsed (f32 per §6.1), for descriptions and tools. */
    float min_frequency, min_confidence, min_priority, min_best_q, min_avg_reward;
    uint64_t node_id;

    char desc[256]; /* bsp_predicate_describe */
};

/* The record's 64-byte cache lines (0..31) that pred_eval_clauses reads for p, as a bit mask:
 * 26 holds the ANI, NARS and kind/verb words (208-211), 28 the RL words (224-227), 30 the bloom
 * words (244-247), 31 the graph metrics (248). The schema version (word 223) is line 27
 * (PRED_VERSION_LINE), read by pred_version_ok. A scan prefetches the clause lines, tests the
 * clauses, and reads the version line only for the records whose clauses pass, so a record
 * rejected by its clauses costs only their lines (1 of 32 for a graph predicate). */
#define PRED_VERSION_LINE 27
static inline uint32_t pred_lines(const struct bsp_predicate *p)
{
    uint32_t c = p->clauses, m = 0;
    if (c & (PRED_ANI | PRED_NARS | PRED_KIND)) m |= 1u << 26;
    if (c & PRED_RL) m |= 1u << 28;
    if (c & PRED_BLOOM) m |= 1u << 30;
    if (c & PRED_GRAPH) m |= 1u << 31;
    return m;
}

/* §6.1: on a record whose schema_version is not 1 every present clause fails. */
static inline bool pred_version_ok(const uint64_t *s) { return (s[PRED_W_VERSION] >> 56) == 1; }

/* The clause tests without the version check, on the sidecar words s[0..47] = record words
 * 208..255. Only the words of the clauses present are read (one perfectly predicted branch per
 * group of clauses sharing a cache line); inside a group the absent members have neutral
 * thresholds, so the tests are branch-free. True for the empty predicate. */
static inline bool pred_eval_clauses(const struct bsp_predicate *p, const uint64_t *s)
{
    const uint32_t cl = p->clauses;
    bool ok = true;
    if (cl & (PRED_ANI | PRED_NARS | PRED_KIND)) { /* line 26 */
        const uint64_t nars = s[PRED_W_NARS], edge = s[PRED_W_EDGE];
        ok &= ((s[p->ani_word] >> p->ani_shift) & 0xFFFF) >= p->ani_min;
        ok &= (nars & 0xFFFF) >= p->nars_f_min;
        ok &= ((nars >> 16) & 0xFFFF) >= p->nars_c_min;
        ok &= ((nars >> 32) & 0xFFFF) >= p->nars_p_min;
        const unsigned kind = (unsigned)(edge >> 32) & 0xFF, verb = (unsigned)edge & 0xFF;
        ok &= (bool)((p->kinds[kind >> 6] >> (kind & 63)) & 1);
        ok &= (bool)((p->verbs[verb >> 6] >> (verb & 63)) & 1);
    }
    if (cl & PRED_GRAPH) { /* line 31 */
        const uint64_t m = s[PRED_W_METRICS];
        ok &= (m & 0xFFFF) >= p->graph_pagerank_min;
        ok &= ((m >> 16) & 0xFF) <= p->graph_hop_max;
        ok &= (((m >> 24) ^ p->graph_cluster) & p->graph_cluster_mask) == 0;
        ok &= ((m >> 40) & 0xFF) >= p->graph_degree_min;
    }
    if (cl & PRED_BLOOM) /* line 30 */
        for (int i = 0; i < 4; i++) ok &= (s[PRED_W_BLOOM + i] & p->bloom[i]) == p->bloom[i];
    if (!ok || !(cl & PRED_RL)) return ok;

    int32_t best = -128, lo = 0, hi = 0; /* line 28 */
    for (int i = 0; i < 8; i++) {
        int32_t a = (int8_t)(s[PRED_W_Q] >> (8 * i)), b = (int8_t)(s[PRED_W_Q + 1] >> (8 * i));
        best = a > best ? a : best;
        best = b > best ? b : best;
    }
    for (int j = 0; j < 4; j++) {
        lo += (int16_t)(s[PRED_W_REWARD] >> (16 * j));
        hi += (int16_t)(s[PRED_W_REWARD + 1] >> (16 * j));
    }
    return best >= p->rl_best_q_min && lo + hi >= p->rl_sum_min &&
           (!p->rl_positive_trend || hi > lo);
}

/* The predicate on the sidecar words: no clause passes every record; otherwise the clauses
 * and the schema version (the order of the two tests does not change the value). */
static inline bool pred_eval_sidecar(const struct bsp_predicate *p, const uint64_t *s)
{
    if (!p->clauses) return true;
    return pred_eval_clauses(p, s) && pred_version_ok(s);
}

#endif
