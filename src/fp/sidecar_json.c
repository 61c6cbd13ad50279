/* The decoded sidecar of a record as JSON (for `bindspace fp decode`; shape documented in
 * docs/sidecar.md).
 *
 * Written with snprintf into a growing buffer rather than jansson, because decoded f32
 * values are printed with %.9g (the spec's float text form, §18) and jansson prints reals
 * with 17 digits. Keys come out in a fixed order; every number is finite by construction. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bindspace/sidecar.h"
#include "util/error.h"

typedef struct sb {
    char *p;
    size_t len, cap;
    int oom;
} sb;

static void put(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sb *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) { b->oom = 1; return; }
        if ((size_t)n < b->cap - b->len) { b->len += (size_t)n; return; }
        size_t cap = b->cap * 2 + (size_t)n;
        char *q = realloc(b->p, cap);
        if (!q) { b->oom = 1; return; }
        b->p = q;
        b->cap = cap;
    }
}

static void put_u16s(sb *b, const char *key, const uint16_t *v, int n)
{
    put(b, "\"%s\":[", key);
    for (int i = 0; i < n; i++) put(b, "%s%u", i ? "," : "", v[i]);
    put(b, "]");
}

/* A decoded f32 widened to double and printed with 9 significant digits. */
static void put_f(sb *b, const char *key, float x) { put(b, "\"%s\":%.9g", key, (double)x); }

int bsp_sidecar_to_json(const uint64_t r[BSP_WORDS], char **json)
{
    sb b = {malloc(2048), 0, 2048, 0};
    if (!b.p) return bsp_err(BSP_ENOMEM, "sidecar JSON: out of memory");
    uint8_t v = bsp_schema_version(r);
    put(&b, "{\"schema_version\":%u", v);
    if (v == 1) {
        bsp_sidecar s;
        bsp_sidecar_unpack(r, &s);
        put(&b, ",\"ani\":{");
        put_u16s(&b, "levels", s.ani, 8);
        put(&b, ",\"dominant\":%d}", bsp_sidecar_ani_dominant(&s));

        put(&b, ",\"nars\":{");
        put_f(&b, "f", bsp_dq_u16(s.nars_f));
        put(&b, ",");
        put_f(&b, "c", bsp_dq_u16(s.nars_c));
        put(&b, ",\"f_raw\":%u,\"c_raw\":%u}", s.nars_f, s.nars_c);

        put(&b, ",\"budget\":{");
        put_f(&b, "priority", bsp_dq_u16(s.budget_priority));
        put(&b, ",");
        put_f(&b, "durability", bsp_dq_u16(s.budget_durability));
        put(&b, ",");
        put_f(&b, "quality", bsp_dq_u16(s.budget_quality));
        put(&b, ",\"priority_raw\":%u,\"durability_raw\":%u,\"quality_raw\":%u}",
            s.budget_priority, s.budget_durability, s.budget_quality);

        put(&b, ",\"edge\":{\"verb\":%u,\"direction\":%u,\"weight\":%u,\"flags\":%u}", s.edge_verb,
            s.edge_direction, s.edge_weight, s.edge_flags);
        put(&b, ",\"node\":{\"kind\":%u,\"subtype\":%u,\"provenance\":%u}", s.node_kind,
            s.node_subtype, s.provenance);

        int depth = s.dn_depth > BSP_DN_MAX_DEPTH ? BSP_DN_MAX_DEPTH : s.dn_depth;
        put(&b, ",\"dn\":{\"depth\":%u,\"rung\":%u,\"components\":[", s.dn_depth, s.rung);
        for (int i = 0; i < depth; i++) put(&b, "%s%u", i ? "," : "", s.dn[i]);
        put(&b, "]}");

        put(&b, ",\"qidx\":%u,\"access_count\":%" PRIu32 ",\"ttl\":%u", s.qidx, s.access_count,
            s.ttl);
        put(&b, ",\"sigma\":{");
        put_f(&b, "value", bsp_dq_sigma(s.sigma_q));
        put(&b, ",\"raw\":%u}", s.sigma_q);
        put(&b, ",\"label_hash\":\"0x%016" PRIx64 "\"", s.label_hash);

        float best_value;
        int best = bsp_sidecar_best_action(&s, &best_value);
        put(&b, ",\"rl\":{\"q\":[");
        for (int a = 0; a < 16; a++) put(&b, "%s%d", a ? "," : "", s.q[a]);
        put(&b, "],\"best_action\":%d,\"best_raw\":%d,", best, s.q[best]);
        put_f(&b, "best_value", best_value);
        put(&b, ",\"rewards\":[");
        for (int i = 0; i < 8; i++) put(&b, "%s%d", i ? "," : "", s.rewards[i]);
        put(&b, "],");
        put_f(&b, "average", bsp_sidecar_reward_average(&s));
        put(&b, ",");
        put_f(&b, "trend", bsp_sidecar_reward_trend(&s));
        put(&b, "},");
        put_u16s(&b, "stdp", s.stdp, 8);
        put(&b, ",");
        put_u16s(&b, "hebbian", s.hebbian, 8);

        int pop = 0;
        for (int i = 0; i < 4; i++) pop += __builtin_popcountll(s.bloom[i]);
        put(&b, ",\"bloom\":{\"popcount\":%d,\"approx_count\":%" PRIu64 "}", pop,
            bsp_bloom_approx_count(s.bloom));
        put(&b,
            ",\"graph\":{\"pagerank\":%u,\"hop_to_root\":%u,\"cluster_id\":%u,\"degree\":%u,"
            "\"in_degree\":%u,\"out_degree\":%u}",
            s.pagerank, s.hop_to_root, s.cluster_id, s.degree, s.in_degree, s.out_degree);

        int n = bsp_sidecar_edge_count(&s);
        put(&b, ",\"inline_edges\":{\"count\":%d,\"edges\":[", n);
        for (int e = 0; e < n; e++)
            put(&b, "%s{\"verb\":%u,\"target\":%u}", e ? "," : "", s.edge_verbs[e],
                s.edge_targets[e]);
        put(&b, "]}");
    }
    put(&b, "}");
    if (b.oom) {
        free(b.p);
        return bsp_err(BSP_ENOMEM, "sidecar JSON: out of memory");
    }
    *json = b.p;
    return BSP_OK;
}
