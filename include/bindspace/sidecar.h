/* The metadata sidecar, schema_version 1 (spec §3-4, 8-9, 12): field codec, quantisation,
 * derived values, bloom filter, NARS truth functions, schema algebra, upward propagation.
 *
 * Decoders are total on any 256 words. Operations that *interpret* metadata check
 * bsp_schema_version(r) == 1 first (§3.4). */
#ifndef BINDSPACE_SIDECAR_H
#define BINDSPACE_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/fp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every field of words 208..255 (§3.2), as raw stored integers. */
typedef struct bsp_sidecar {
    uint16_t ani[8];               /* w208-209 lanes: reactive..abstract */
    uint16_t nars_f, nars_c;       /* w210: U16 / C16 */
    uint16_t budget_priority, budget_durability, budget_quality; /* w210, w212 */
    uint8_t edge_verb, edge_direction, edge_weight, edge_flags;  /* w211 */
    uint8_t node_kind, node_subtype;
    uint16_t provenance;
    uint8_t dn_depth, rung;        /* w213 */
    uint16_t qidx;
    uint32_t access_count;
    uint16_t ttl, sigma_q;         /* w214 */
    uint64_t label_hash;           /* w215 */
    int8_t q[16];                  /* w224-225: Q8 */
    int16_t rewards[8];            /* w226-227: R16, index 7 most recent */
    uint16_t stdp[8];              /* w228-229 */
    uint16_t hebbian[8];           /* w230-231 */
    uint8_t dn[32];                /* w240-243: DN components */
    uint64_t bloom[4];             /* w244-247 */
    uint16_t pagerank;             /* w248 */
    uint8_t hop_to_root;
    uint16_t cluster_id;
    uint8_t degree, in_degree, out_degree;
    uint8_t edge_verbs[28], edge_targets[28]; /* w249-255 inline edges */
} bsp_sidecar;

/* bits 56..63 of word 223 */
uint8_t bsp_schema_version(const uint64_t r[BSP_WORDS]);
/* Decode every field (total; no version check). */
void bsp_sidecar_unpack(const uint64_t r[BSP_WORDS], bsp_sidecar *s);
/* The metadata view (§3.4): unpack and return true when schema_version is 1; otherwise set
 * every field to 0 and return false ("no metadata"). */
bool bsp_sidecar_view(const uint64_t r[BSP_WORDS], bsp_sidecar *s);
/* Write words 208..255 per §3.3 (keeps w223 bits 0..55, sets version 1, reserved = 0,
 * words 0..207 untouched). BSP_EPERM if r has schema_version 2..255; BSP_EINVAL if the
 * sidecar breaks a writing rule (rung > 2, depth > 32, DN component at index >= depth
 * non-zero, a non-empty inline edge after an empty one). On error r is unchanged.
 * Edge flags bits 4..7 are reserved (§4.2) and are written as 0. */
int bsp_sidecar_pack(uint64_t r[BSP_WORDS], const bsp_sidecar *s);
/* Number of inline edges: those before the first empty one (verb 0 and target 0) (§3.3). */
int bsp_sidecar_edge_count(const bsp_sidecar *s);
/* The decoded sidecar of r as one JSON object, NUL-terminated, malloc'd into *json (caller
 * frees). {"schema_version":N} only when N != 1; the full shape is in docs/sidecar.md.
 * BSP_ENOMEM on allocation failure. */
int bsp_sidecar_to_json(const uint64_t r[BSP_WORDS], char **json);

/* ---- quantisation (§4.1), all in f32 ---------------------------------------------------- */
uint16_t bsp_q_u16(float x);
uint16_t bsp_q_c16(float x);
int8_t bsp_q_q8(float v);
int16_t bsp_q_r16(float r);
uint16_t bsp_q_sigma(float s);
float bsp_dq_u16(uint16_t q);   /* q / 65535, also for C16 */
float bsp_dq_q8(int8_t q);      /* q / 127 */
float bsp_dq_sigma(uint16_t q); /* q / 1000 */

/* ---- derived values (§4.3) ------------------------------------------------------------- */
int bsp_sidecar_ani_dominant(const bsp_sidecar *s);
int bsp_sidecar_best_action(const bsp_sidecar *s, float *value); /* action index, value q/127 */
void bsp_sidecar_reward_push(bsp_sidecar *s, float r);
float bsp_sidecar_reward_average(const bsp_sidecar *s);
float bsp_sidecar_reward_trend(const bsp_sidecar *s);
void bsp_sidecar_record_spike(bsp_sidecar *s, uint16_t t);
void bsp_sidecar_hebbian_strengthen(bsp_sidecar *s, int i, float a);
void bsp_sidecar_hebbian_decay(bsp_sidecar *s, float f);
/* DN (§4.3): self = component[depth-1] (depth >= 1), parent component = component[depth-2]
 * (depth >= 2); -1 when there is none (or depth > 32). */
int bsp_sidecar_dn_self(const bsp_sidecar *s);
int bsp_sidecar_dn_parent_component(const bsp_sidecar *s);

/* ---- neighbour bloom (§4.4) ------------------------------------------------------------ */
void bsp_bloom_insert(uint64_t bloom[4], uint64_t id);
bool bsp_bloom_contains(const uint64_t bloom[4], uint64_t id);
uint64_t bsp_bloom_approx_count(const uint64_t bloom[4]);
/* The record's bloom is words 244..247; true iff version 1 and contains(id). */
bool bsp_fp_bloom_contains(const uint64_t r[BSP_WORDS], uint64_t id);

/* ---- NARS truth functions (§8), f64 ------------------------------------------------------ */
typedef struct bsp_truth { double f, c; } bsp_truth;
bsp_truth bsp_nars_revision(bsp_truth a, bsp_truth b);
bsp_truth bsp_nars_deduction(bsp_truth a, bsp_truth b);
bsp_truth bsp_nars_induction(bsp_truth a, bsp_truth b);
bsp_truth bsp_nars_abduction(bsp_truth a, bsp_truth b);
/* The truth stored in a record (decoded f32 widened to f64); {0,0} when version != 1. */
bsp_truth bsp_fp_truth(const uint64_t r[BSP_WORDS]);
/* `{"f":%.9g,"c":%.9g}` into buf (NUL-terminated, truncated to n); returns the length snprintf
 * reports. At most 64 bytes are ever needed. */
int bsp_fp_truth_json(bsp_truth t, char *buf, size_t n);

/* ---- schema algebra (§9); out may alias an input --------------------------------------- */
void bsp_schema_nars_revision_inline(uint64_t out[BSP_WORDS], const uint64_t a[BSP_WORDS],
                                     const uint64_t b[BSP_WORDS]);
bsp_truth bsp_schema_nars_deduction_inline(const uint64_t premise[BSP_WORDS],
                                           const uint64_t conclusion[BSP_WORDS]);
void bsp_schema_bind(uint64_t out[BSP_WORDS], const uint64_t a[BSP_WORDS], const uint64_t b[BSP_WORDS]);
void bsp_schema_merge(uint64_t out[BSP_WORDS], const uint64_t p[BSP_WORDS], const uint64_t s[BSP_WORDS]);

/* ---- upward propagation (§12) ---------------------------------------------------------- */
typedef struct bsp_propagation {
    uint64_t delta[BSP_WORDS];
    double a;         /* 1 / max(fanout, 1) */
    uint32_t levels;
} bsp_propagation;
void bsp_propagation_from_leaf_change(bsp_propagation *p, const uint64_t old_r[BSP_WORDS],
                                      const uint64_t new_r[BSP_WORDS], uint32_t fanout);
bool bsp_propagation_is_exhausted(const bsp_propagation *p);
void bsp_propagation_apply_to_parent(bsp_propagation *p, uint64_t parent[BSP_WORDS], uint64_t seed);

/* ---- DN paths (§15) -------------------------------------------------------------------- */
#define BSP_DN_MAX_DEPTH 32
typedef struct bsp_dn {
    char canonical[512];      /* canonical path text, NUL-terminated */
    size_t canonical_len;
    size_t domain_len, tree_len;  /* byte lengths of domain and tree inside canonical */
    uint8_t depth;
    uint8_t index[BSP_DN_MAX_DEPTH];
} bsp_dn;
/* Parse path text (trims, strips scheme). BSP_EINVAL with a message naming the part. */
int bsp_dn_parse(const char *text, size_t len, bsp_dn *out);
uint16_t bsp_dn_addr(const bsp_dn *dn);          /* dn_path_to_addr */
int bsp_dn_parent(const bsp_dn *dn, bsp_dn *out); /* BSP_ENOTFOUND for the tree root */
/* PackedDn (depth <= 7). */
int bsp_dn_pack(const uint8_t *index, uint8_t depth, uint64_t *packed);
int bsp_dn_unpack(uint64_t packed, uint8_t index[7], uint8_t *depth); /* BSP_EINVAL if invalid */
uint64_t bsp_dn_packed_parent(uint64_t packed);
/* Set the DN fields of a sidecar from a parsed path (§15 "A DN record"): depth and
 * components 0..depth-1, components from depth on 0. Other fields are not touched. */
void bsp_sidecar_set_dn(bsp_sidecar *s, const bsp_dn *dn);
/* matches_prefix: 1 match, 0 no match, BSP_EINVAL for a bad pattern. */
int bsp_dn_matches_prefix(const char *key, size_t key_len, const char *pattern, size_t pattern_len);
/* Canonical path order (§15, dn_scan): unsigned bytes, a proper prefix first. <0, 0, >0. */
int bsp_dn_compare(const char *a, size_t a_len, const char *b, size_t b_len);

#ifdef __cplusplus
}
#endif
#endif
