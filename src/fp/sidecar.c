/* The metadata sidecar codec (spec §3): words 208..255 <-> struct bsp_sidecar.
 *
 * Unpack is a total bit-level decoder (no version check, reserved bits ignored). Pack is a
 * *sidecar write* (§3.3): it validates the writing rules first and changes nothing on error,
 * then writes every bit of words 208..255 except bits 0..55 of word 223, which keep their
 * previous value; the version byte becomes 1 and every reserved field 0. Schema algebra
 * (schema_algebra.c) uses sidecar_pack_fields, the unchecked writer underneath. */
#include <string.h>

#include "bindspace/sidecar.h"
#include "fp/sidecar_internal.h"
#include "util/error.h"

#define W223_KEEP 0x00FFFFFFFFFFFFFFull /* bits 0..55 of word 223 */

uint8_t bsp_schema_version(const uint64_t r[BSP_WORDS]) { return (uint8_t)(r[223] >> 56); }

static uint16_t lane(uint64_t w, int j) { return (uint16_t)(w >> (16 * j)); }
static uint8_t byte_of(uint64_t w, int i) { return (uint8_t)(w >> (8 * i)); }

void bsp_sidecar_unpack(const uint64_t r[BSP_WORDS], bsp_sidecar *s)
{
    memset(s, 0, sizeof *s); /* padding too, so unpacked structs compare with memcmp */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* the lane/byte arrays are the words' memory in order on a little-endian host */
    memcpy(s->ani, r + 208, 16);
    memcpy(s->q, r + 224, 16);
    memcpy(s->rewards, r + 226, 16);
    memcpy(s->stdp, r + 228, 16);
    memcpy(s->hebbian, r + 230, 16);
    memcpy(s->dn, r + 240, 32);
#else
    for (int i = 0; i < 8; i++) s->ani[i] = lane(r[208 + i / 4], i % 4);
    for (int a = 0; a < 16; a++) s->q[a] = (int8_t)byte_of(r[224 + a / 8], a % 8);
    for (int i = 0; i < 8; i++) {
        s->rewards[i] = (int16_t)lane(r[226 + i / 4], i % 4);
        s->stdp[i] = lane(r[228 + i / 4], i % 4);
        s->hebbian[i] = lane(r[230 + i / 4], i % 4);
    }
    for (int i = 0; i < 32; i++) s->dn[i] = byte_of(r[240 + i / 8], i % 8);
#endif
    uint64_t w = r[210];
    s->nars_f = lane(w, 0);
    s->nars_c = lane(w, 1);
    s->budget_priority = lane(w, 2);
    s->budget_durability = lane(w, 3);
    w = r[211];
    s->edge_verb = byte_of(w, 0);
    s->edge_direction = byte_of(w, 1);
    s->edge_weight = byte_of(w, 2);
    s->edge_flags = byte_of(w, 3);
    s->node_kind = byte_of(w, 4);
    s->node_subtype = byte_of(w, 5);
    s->provenance = lane(w, 3);
    s->budget_quality = lane(r[212], 0);
    w = r[213];
    s->dn_depth = byte_of(w, 0);
    s->rung = byte_of(w, 1);
    s->qidx = lane(w, 1);
    s->access_count = (uint32_t)(w >> 32);
    s->ttl = lane(r[214], 0);
    s->sigma_q = lane(r[214], 1);
    s->label_hash = r[215];
    for (int i = 0; i < 4; i++) s->bloom[i] = r[244 + i];
    w = r[248];
    s->pagerank = lane(w, 0);
    s->hop_to_root = byte_of(w, 2);
    s->cluster_id = (uint16_t)(w >> 24);
    s->degree = byte_of(w, 5);
    s->in_degree = byte_of(w, 6);
    s->out_degree = byte_of(w, 7);
    for (int e = 0; e < 28; e++) {
        uint16_t l = lane(r[249 + e / 4], e % 4);
        s->edge_verbs[e] = (uint8_t)l;
        s->edge_targets[e] = (uint8_t)(l >> 8);
    }
}

bool bsp_sidecar_view(const uint64_t r[BSP_WORDS], bsp_sidecar *s)
{
    if (bsp_schema_version(r) == 1) {
        bsp_sidecar_unpack(r, s);
        return true;
    }
    memset(s, 0, sizeof *s);
    return false;
}

void sidecar_unpack_v1(const uint64_t r[BSP_WORDS], bsp_sidecar *s) { (void)bsp_sidecar_view(r, s); }

#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
static uint64_t lanes4(const uint16_t *v)
{
    return (uint64_t)v[0] | (uint64_t)v[1] << 16 | (uint64_t)v[2] << 32 | (uint64_t)v[3] << 48;
}
#endif

void sidecar_pack_fields(uint64_t r[BSP_WORDS], const bsp_sidecar *s, uint64_t w223_low)
{
    uint64_t o[48]; /* words 208..255, o[w - 208] */
    memset(o, 0, sizeof o);
#define O(w) o[(w) - 208]
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&O(208), s->ani, 16);
    memcpy(&O(224), s->q, 16);
    memcpy(&O(226), s->rewards, 16);
    memcpy(&O(228), s->stdp, 16);
    memcpy(&O(230), s->hebbian, 16);
    memcpy(&O(240), s->dn, 32);
#else
    O(208) = lanes4(s->ani);
    O(209) = lanes4(s->ani + 4);
    for (int a = 0; a < 16; a++) O(224 + a / 8) |= (uint64_t)(uint8_t)s->q[a] << (8 * (a % 8));
    for (int i = 0; i < 8; i++) {
        O(226 + i / 4) |= (uint64_t)(uint16_t)s->rewards[i] << (16 * (i % 4));
        O(228 + i / 4) |= (uint64_t)s->stdp[i] << (16 * (i % 4));
        O(230 + i / 4) |= (uint64_t)s->hebbian[i] << (16 * (i % 4));
    }
    for (int i = 0; i < 32; i++) O(240 + i / 8) |= (uint64_t)s->dn[i] << (8 * (i % 8));
#endif
    O(210) = (uint64_t)s->nars_f | (uint64_t)s->nars_c << 16 | (uint64_t)s->budget_priority << 32 |
             (uint64_t)s->budget_durability << 48;
    O(211) = (uint64_t)s->edge_verb | (uint64_t)s->edge_direction << 8 |
             (uint64_t)s->edge_weight << 16 | (uint64_t)(s->edge_flags & 0x0F) << 24 |
             (uint64_t)s->node_kind << 32 | (uint64_t)s->node_subtype << 40 |
             (uint64_t)s->provenance << 48;
    O(212) = s->budget_quality; /* bits 16..63 reserved */
    O(213) = (uint64_t)s->dn_depth | (uint64_t)s->rung << 8 | (uint64_t)s->qidx << 16 |
             (uint64_t)s->access_count << 32;
    O(214) = (uint64_t)s->ttl | (uint64_t)s->sigma_q << 16; /* bits 32..63 reserved */
    O(215) = s->label_hash;
    /* 216..222 reserved */
    O(223) = (w223_low & W223_KEEP) | (uint64_t)1 << 56;
    /* 232..239 reserved */
    for (int i = 0; i < 4; i++) O(244 + i) = s->bloom[i];
    O(248) = (uint64_t)s->pagerank | (uint64_t)s->hop_to_root << 16 |
             (uint64_t)s->cluster_id << 24 | (uint64_t)s->degree << 40 |
             (uint64_t)s->in_degree << 48 | (uint64_t)s->out_degree << 56;
    for (int e = 0; e < 28; e++)
        O(249 + e / 4) |= ((uint64_t)s->edge_verbs[e] | (uint64_t)s->edge_targets[e] << 8)
                          << (16 * (e % 4));
#undef O
    memcpy(r + 208, o, sizeof o);
}

int bsp_sidecar_edge_count(const bsp_sidecar *s)
{
    int n = 0;
    while (n < 28 && (s->edge_verbs[n] | s->edge_targets[n]) != 0) n++;
    return n;
}

int bsp_sidecar_pack(uint64_t r[BSP_WORDS], const bsp_sidecar *s)
{
    uint8_t v = bsp_schema_version(r);
    if (v > 1)
        return bsp_err(BSP_EPERM,
                       "sidecar write refused: record has reserved schema_version %u (only 0 or 1 "
                       "may be written)", v);
    if (s->rung > 2)
        return bsp_err(BSP_EINVAL, "sidecar: identity rung %u is not 0 (SEE), 1 (DO) or 2 (IMAGINE)",
                       s->rung);
    if (s->dn_depth > BSP_DN_MAX_DEPTH)
        return bsp_err(BSP_EINVAL, "sidecar: DN depth %u exceeds %d", s->dn_depth, BSP_DN_MAX_DEPTH);
    for (int i = s->dn_depth; i < BSP_DN_MAX_DEPTH; i++)
        if (s->dn[i] != 0)
            return bsp_err(BSP_EINVAL, "sidecar: DN component %d is %u but depth is %u (must be 0)",
                           i, s->dn[i], s->dn_depth);
    int n = bsp_sidecar_edge_count(s);
    for (int e = n + 1; e < 28; e++)
        if ((s->edge_verbs[e] | s->edge_targets[e]) != 0)
            return bsp_err(BSP_EINVAL,
                           "sidecar: inline edge %d follows empty edge %d (edges must be packed "
                           "from index 0)", e, n);
    sidecar_pack_fields(r, s, r[223]);
    return BSP_OK;
}
