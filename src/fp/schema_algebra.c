/* Schema algebra (spec §9): operations that combine two records, content and sidecar.
 *
 * Each operation reads its inputs through sidecar_unpack_v1 (a record whose
 * schema_version != 1 reads as all-zero fields), builds the output sidecar field by field
 * starting from all zeros, and writes it with sidecar_pack_fields: version 1, word 223
 * bits 0..55 = 0, reserved bits 0. Fields copied from an input are copied as read, without
 * re-validating them. Outputs are assembled in a local record, so out may alias an input. */
#include <string.h>

#include "bindspace/sidecar.h"
#include "fp/sidecar_internal.h"

static bsp_truth stored_truth(const bsp_sidecar *s)
{
    bsp_truth t = {(double)bsp_dq_u16(s->nars_f), (double)bsp_dq_u16(s->nars_c)};
    return t;
}

/* Results written to a sidecar: U16 for f, C16 for c (§8); the f64 is rounded to f32 first. */
static void store_truth(bsp_sidecar *s, bsp_truth t)
{
    s->nars_f = bsp_q_u16((float)t.f);
    s->nars_c = bsp_q_c16((float)t.c);
}

/* Budget (priority, durability, quality) of the input with the larger priority; ties -> a. */
static void budget_from_higher(bsp_sidecar *o, const bsp_sidecar *a, const bsp_sidecar *b)
{
    const bsp_sidecar *src = b->budget_priority > a->budget_priority ? b : a;
    o->budget_priority = src->budget_priority;
    o->budget_durability = src->budget_durability;
    o->budget_quality = src->budget_quality;
}

static void ani_max(bsp_sidecar *o, const bsp_sidecar *a, const bsp_sidecar *b)
{
    for (int i = 0; i < 8; i++) o->ani[i] = a->ani[i] > b->ani[i] ? a->ani[i] : b->ani[i];
}

#define MAX(x, y) ((x) > (y) ? (x) : (y))
#define MIN(x, y) ((x) < (y) ? (x) : (y))

void bsp_schema_nars_revision_inline(uint64_t out[BSP_WORDS], const uint64_t a[BSP_WORDS],
                                     const uint64_t b[BSP_WORDS])
{
    bsp_sidecar sa, sb;
    sidecar_unpack_v1(a, &sa);
    sidecar_unpack_v1(b, &sb);
    bsp_sidecar o = sa;
    store_truth(&o, bsp_nars_revision(stored_truth(&sa), stored_truth(&sb)));
    budget_from_higher(&o, &sa, &sb);
    uint64_t r[BSP_WORDS];
    memcpy(r, a, BSP_SEM_WORDS * sizeof *r);
    sidecar_pack_fields(r, &o, 0);
    memcpy(out, r, sizeof r);
}

bsp_truth bsp_schema_nars_deduction_inline(const uint64_t premise[BSP_WORDS],
                                           const uint64_t conclusion[BSP_WORDS])
{
    return bsp_nars_deduction(bsp_fp_truth(premise), bsp_fp_truth(conclusion));
}

void bsp_schema_bind(uint64_t out[BSP_WORDS], const uint64_t a[BSP_WORDS], const uint64_t b[BSP_WORDS])
{
    bsp_sidecar sa, sb, o;
    sidecar_unpack_v1(a, &sa);
    sidecar_unpack_v1(b, &sb);
    memset(&o, 0, sizeof o);
    ani_max(&o, &sa, &sb);
    store_truth(&o, bsp_nars_revision(stored_truth(&sa), stored_truth(&sb)));
    budget_from_higher(&o, &sa, &sb);
    o.edge_verb = (uint8_t)(sa.edge_verb ^ sb.edge_verb);
    o.edge_direction = sa.edge_direction;
    o.edge_weight = (uint8_t)(((unsigned)sa.edge_weight + sb.edge_weight) / 2);
    o.edge_flags = (uint8_t)(sa.edge_flags | sb.edge_flags);
    o.node_kind = sa.node_kind;
    o.node_subtype = (uint8_t)(sa.node_subtype ^ sb.node_subtype);
    o.provenance = (uint16_t)(sa.provenance ^ sb.provenance);
    /* words 224..231 = a's: Q-values, rewards, STDP, Hebbian */
    memcpy(o.q, sa.q, sizeof o.q);
    memcpy(o.rewards, sa.rewards, sizeof o.rewards);
    memcpy(o.stdp, sa.stdp, sizeof o.stdp);
    memcpy(o.hebbian, sa.hebbian, sizeof o.hebbian);
    uint64_t r[BSP_WORDS];
    for (int w = 0; w < BSP_SEM_WORDS; w++) r[w] = a[w] ^ b[w];
    sidecar_pack_fields(r, &o, 0);
    memcpy(out, r, sizeof r);
}

static int32_t reward_total(const bsp_sidecar *s)
{
    int32_t t = 0;
    for (int i = 0; i < 8; i++) t += s->rewards[i];
    return t;
}

void bsp_schema_merge(uint64_t out[BSP_WORDS], const uint64_t p[BSP_WORDS], const uint64_t s[BSP_WORDS])
{
    bsp_sidecar sp, ss, o;
    sidecar_unpack_v1(p, &sp);
    sidecar_unpack_v1(s, &ss);
    memset(&o, 0, sizeof o);
    ani_max(&o, &sp, &ss);
    store_truth(&o, bsp_nars_revision(stored_truth(&sp), stored_truth(&ss)));
    o.budget_priority = MAX(sp.budget_priority, ss.budget_priority);
    o.budget_durability = MAX(sp.budget_durability, ss.budget_durability);
    o.budget_quality = MAX(sp.budget_quality, ss.budget_quality);
    /* word 211 and words 213..215 = p's */
    o.edge_verb = sp.edge_verb;
    o.edge_direction = sp.edge_direction;
    o.edge_weight = sp.edge_weight;
    o.edge_flags = sp.edge_flags;
    o.node_kind = sp.node_kind;
    o.node_subtype = sp.node_subtype;
    o.provenance = sp.provenance;
    o.dn_depth = sp.dn_depth;
    o.rung = sp.rung;
    o.qidx = sp.qidx;
    o.access_count = sp.access_count;
    o.ttl = sp.ttl;
    o.sigma_q = sp.sigma_q;
    o.label_hash = sp.label_hash;
    for (int i = 0; i < 16; i++) o.q[i] = (int8_t)(((int)sp.q[i] + ss.q[i]) / 2);
    const bsp_sidecar *rw = reward_total(&ss) > reward_total(&sp) ? &ss : &sp;
    memcpy(o.rewards, rw->rewards, sizeof o.rewards);
    memcpy(o.stdp, sp.stdp, sizeof o.stdp);
    memcpy(o.hebbian, sp.hebbian, sizeof o.hebbian);
    memcpy(o.dn, sp.dn, sizeof o.dn);
    for (int i = 0; i < 4; i++) o.bloom[i] = sp.bloom[i] | ss.bloom[i];
    o.pagerank = MAX(sp.pagerank, ss.pagerank);
    o.hop_to_root = MIN(sp.hop_to_root, ss.hop_to_root);
    o.cluster_id = sp.cluster_id;
    o.degree = MAX(sp.degree, ss.degree);
    o.in_degree = MAX(sp.in_degree, ss.in_degree);
    o.out_degree = MAX(sp.out_degree, ss.out_degree);
    memcpy(o.edge_verbs, sp.edge_verbs, sizeof o.edge_verbs);
    memcpy(o.edge_targets, sp.edge_targets, sizeof o.edge_targets);
    uint64_t r[BSP_WORDS];
    memcpy(r, p, BSP_SEM_WORDS * sizeof *r);
    sidecar_pack_fields(r, &o, 0);
    memcpy(out, r, sizeof r);
}
