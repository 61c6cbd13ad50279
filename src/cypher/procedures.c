/* The hdr.* procedures of spec §17, callable by name with typed arguments.
 *
 * One table row per procedure: canonical name, alias, argument names and types, yield
 * columns and the function. bsp_cypher_call resolves the name (case-sensitive, canonical
 * or alias), checks the argument count and every argument's type before running anything,
 * so an error never leaves half a result. Vectors are exactly 2,048 bytes (never padded or
 * truncated). Metadata-reading procedures yield Null for every metadata column of a record
 * whose schema_version != 1; hdr.schemaVersion always yields the version.
 *
 * Cleanup memory (§19.3, our choice): the context's attached record set. cleanup(v) is the
 * member at the smallest full 16,384-bit Hamming distance to v, ties to the lowest
 * position; with no members it is v itself. There is no acceptance threshold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/cypher.h"
#include "bindspace/fp.h"
#include "bindspace/predicate.h"
#include "bindspace/search.h"
#include "bindspace/sidecar.h"
#include "util/error.h"

typedef struct proc proc;
typedef int (*proc_fn)(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a, size_t n,
                       bsp_cy_row **rows, size_t *nrows);

/* arg types: 'V' vector, 'I' int, 'P' predicate (String, Map or Null); "V+" = one or more */
struct proc {
    const char *name, *alias, *args, *arg_names;
    proc_fn fn;
    const char *yields;
};

static const char *type_name(bsp_cy_type t)
{
    switch (t) {
    case BSP_CY_NULL: return "Null";
    case BSP_CY_BOOL: return "Boolean";
    case BSP_CY_INT: return "Integer";
    case BSP_CY_FLOAT: return "Float";
    case BSP_CY_STRING: return "String";
    case BSP_CY_VECTOR: return "Vector";
    case BSP_CY_MAP: return "Map";
    }
    return "?";
}

static void load(uint64_t r[BSP_WORDS], const bsp_cy_value *v) { bsp_fp_from_bytes(r, v->vec); }

static bsp_cy_row *one_row(bsp_cy_row **rows, size_t *nrows)
{
    bsp_cy_row *r = calloc(1, sizeof *r);
    if (!r) {
        bsp_err(BSP_ENOMEM, "cypher: out of memory");
        return NULL;
    }
    *rows = r;
    *nrows = 1;
    return r;
}

static void col_null(bsp_cy_row *r, const char *name)
{
    r->names[r->ncols] = name;
    r->vals[r->ncols].type = BSP_CY_NULL;
    r->ncols++;
}
static void col_int(bsp_cy_row *r, const char *name, int64_t v)
{
    r->names[r->ncols] = name;
    r->vals[r->ncols].type = BSP_CY_INT;
    r->vals[r->ncols].i = v;
    r->ncols++;
}
static void col_float(bsp_cy_row *r, const char *name, double v)
{
    r->names[r->ncols] = name;
    r->vals[r->ncols].type = BSP_CY_FLOAT;
    r->vals[r->ncols].f = v;
    r->ncols++;
}
static void col_bool(bsp_cy_row *r, const char *name, int v)
{
    r->names[r->ncols] = name;
    r->vals[r->ncols].type = BSP_CY_BOOL;
    r->vals[r->ncols].i = v != 0;
    r->ncols++;
}
static void col_vec(bsp_cy_row *r, const char *name, const uint64_t v[BSP_WORDS])
{
    bsp_fp_to_bytes(r->vec, v);
    r->names[r->ncols] = name;
    r->vals[r->ncols].type = BSP_CY_VECTOR;
    r->vals[r->ncols].vec = r->vec;
    r->vals[r->ncols].vec_len = BSP_BYTES;
    r->ncols++;
}

static int yield_vec(const uint64_t v[BSP_WORDS], bsp_cy_row **rows, size_t *nrows)
{
    bsp_cy_row *r = one_row(rows, nrows);
    if (!r) return BSP_ENOMEM;
    col_vec(r, "result", v);
    return BSP_OK;
}

/* cleanup(v): nearest member of the attached memory (full Hamming), ties lowest position. */
static void cleanup(const bsp_cy_context *ctx, const uint64_t v[BSP_WORDS], uint64_t out[BSP_WORDS])
{
    const uint64_t *best = NULL;
    uint32_t bd = UINT32_MAX;
    for (size_t i = 0; ctx && ctx->cleanup && i < ctx->m; i++) {
        const uint64_t *c = ctx->cleanup + i * BSP_WORDS;
        uint32_t d = bsp_fp_hamming(v, c);
        if (d < bd) {
            bd = d;
            best = c;
        }
    }
    memcpy(out, best ? best : v, BSP_WORDS * sizeof(uint64_t));
}

#define UNUSED_PR (void)pr, (void)ctx, (void)n

/* XOR of all n vector arguments: hdr.bind/xor, hdr.unbind (bound ⊕ key), hdr.bind3
 * (src ⊕ verb ⊕ dst) and hdr.analogy (c ⊕ (b ⊕ a): XOR is commutative, so the same fold). */
static void xor_args(uint64_t x[BSP_WORDS], const bsp_cy_value *a, size_t n)
{
    uint64_t y[BSP_WORDS];
    load(x, &a[0]);
    for (size_t i = 1; i < n; i++) {
        load(y, &a[i]);
        bsp_fp_xor(x, x, y);
    }
}

static int p_xor(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a, size_t n,
                 bsp_cy_row **rows, size_t *nrows)
{
    (void)pr, (void)ctx;
    uint64_t x[BSP_WORDS];
    xor_args(x, a, n);
    return yield_vec(x, rows, nrows);
}

/* hdr.retrieve: cleanup(edge ⊕ verb ⊕ known). */
static int p_retrieve(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a, size_t n,
                      bsp_cy_row **rows, size_t *nrows)
{
    (void)pr;
    uint64_t x[BSP_WORDS], out[BSP_WORDS];
    xor_args(x, a, n);
    cleanup(ctx, x, out);
    return yield_vec(out, rows, nrows);
}

static int p_hamming(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a, size_t n,
                     bsp_cy_row **rows, size_t *nrows)
{
    UNUSED_PR;
    uint64_t x[BSP_WORDS], y[BSP_WORDS];
    load(x, &a[0]);
    load(y, &a[1]);
    bsp_cy_row *r = one_row(rows, nrows);
    if (!r) return BSP_ENOMEM;
    col_int(r, "distance", bsp_fp_hamming(x, y));
    return BSP_OK;
}

static int p_similarity(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a, size_t n,
                        bsp_cy_row **rows, size_t *nrows)
{
    UNUSED_PR;
    uint64_t x[BSP_WORDS], y[BSP_WORDS];
    load(x, &a[0]);
    load(y, &a[1]);
    bsp_cy_row *r = one_row(rows, nrows);
    if (!r) return BSP_ENOMEM;
    col_float(r, "similarity", 1.0 - (double)bsp_fp_hamming(x, y) / 16384.0);
    return BSP_OK;
}

static int p_cleanup(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a, size_t n,
                     bsp_cy_row **rows, size_t *nrows)
{
    UNUSED_PR;
    uint64_t x[BSP_WORDS], out[BSP_WORDS];
    load(x, &a[0]);
    cleanup(ctx, x, out);
    return yield_vec(out, rows, nrows);
}

static int p_bundle(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a, size_t n,
                    bsp_cy_row **rows, size_t *nrows)
{
    (void)ctx;
    uint64_t *recs = malloc(n * BSP_WORDS * sizeof(uint64_t));
    const uint64_t **in = malloc(n * sizeof *in);
    if (!recs || !in) {
        free(recs);
        free(in);
        return bsp_err(BSP_ENOMEM, "%s: out of memory", pr->name);
    }
    for (size_t i = 0; i < n; i++) {
        load(recs + i * BSP_WORDS, &a[i]);
        in[i] = recs + i * BSP_WORDS;
    }
    uint64_t out[BSP_WORDS];
    int rc = bsp_fp_bundle(out, in, n);
    free(recs);
    free(in);
    if (rc) return bsp_err_prefix(rc, "%s", pr->name);
    return yield_vec(out, rows, nrows);
}

static int search_common(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a,
                         const bsp_predicate *pred, bsp_cy_row **rows, size_t *nrows)
{
    uint64_t q[BSP_WORDS];
    load(q, &a[0]);
    size_t have = ctx && ctx->records ? ctx->n : 0;
    size_t k = (uint64_t)a[1].i < have ? (size_t)a[1].i : have;
    *rows = NULL;
    *nrows = 0;
    if (k == 0) return BSP_OK;
    bsp_search_hit *hits = malloc(k * sizeof *hits);
    bsp_cy_row *out = calloc(k, sizeof *out);
    if (!hits || !out) {
        free(hits);
        free(out);
        return bsp_err(BSP_ENOMEM, "%s: out of memory", pr->name);
    }
    bsp_search_source src;
    bsp_search_source_records(&src, ctx->records, ctx->n, NULL, NULL);
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = k;
    o.mask = BSP_MASK_SEMANTIC;
    o.predicate = pred;
    o.threads = 1;
    size_t nh = 0;
    int rc = bsp_search(&src, q, &o, hits, &nh, NULL);
    if (rc) {
        free(hits);
        free(out);
        return bsp_err_prefix(rc, "%s", pr->name);
    }
    for (size_t i = 0; i < nh; i++) {
        col_int(&out[i], "node", (int64_t)hits[i].position);
        col_int(&out[i], "distance", hits[i].distance);
        col_float(&out[i], "similarity", 1.0 - (double)hits[i].distance / 13312.0);
    }
    free(hits);
    *rows = out;
    *nrows = nh;
    return BSP_OK;
}

static int p_search(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a, size_t n,
                    bsp_cy_row **rows, size_t *nrows)
{
    (void)n;
    return search_common(pr, ctx, a, NULL, rows, nrows);
}

static int p_schema_search(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a,
                           size_t n, bsp_cy_row **rows, size_t *nrows)
{
    (void)n;
    bsp_predicate *pred = NULL;
    if (a[2].type != BSP_CY_NULL) {
        int rc = bsp_predicate_compile(a[2].s, a[2].len, &pred);
        if (rc) return bsp_err_prefix(rc, "%s: predicate", pr->name);
    }
    int rc = search_common(pr, ctx, a, pred, rows, nrows);
    bsp_predicate_free(pred);
    return rc;
}

static int p_nars_revision(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a,
                           size_t n, bsp_cy_row **rows, size_t *nrows)
{
    UNUSED_PR;
    uint64_t x[BSP_WORDS], y[BSP_WORDS];
    load(x, &a[0]);
    load(y, &a[1]);
    bsp_schema_nars_revision_inline(x, x, y);
    bsp_cy_row *r = one_row(rows, nrows);
    if (!r) return BSP_ENOMEM;
    col_vec(r, "result", x);
    if (bsp_schema_version(x) == 1) {
        bsp_truth t = bsp_fp_truth(x);
        col_float(r, "frequency", t.f);
        col_float(r, "confidence", t.c);
    } else {
        col_null(r, "frequency");
        col_null(r, "confidence");
    }
    return BSP_OK;
}

static int p_schema_bind(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a,
                         size_t n, bsp_cy_row **rows, size_t *nrows)
{
    UNUSED_PR;
    uint64_t x[BSP_WORDS], y[BSP_WORDS];
    load(x, &a[0]);
    load(y, &a[1]);
    bsp_schema_bind(x, x, y);
    return yield_vec(x, rows, nrows);
}

static int p_schema_merge(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a,
                          size_t n, bsp_cy_row **rows, size_t *nrows)
{
    UNUSED_PR;
    uint64_t x[BSP_WORDS], y[BSP_WORDS];
    load(x, &a[0]);
    load(y, &a[1]);
    bsp_schema_merge(x, x, y);
    return yield_vec(x, rows, nrows);
}

static const char *const ani_names[8] = {"reactive", "memory", "analogy",  "planning",
                                         "meta",     "social", "creative", "abstract"};

/* The metadata procedures: one row; every column Null when schema_version != 1. */
static int p_meta(const proc *pr, const bsp_cy_context *ctx, const bsp_cy_value *a, size_t n,
                  bsp_cy_row **rows, size_t *nrows)
{
    (void)ctx;
    (void)n;
    uint64_t x[BSP_WORDS];
    load(x, &a[0]);
    bsp_cy_row *r = one_row(rows, nrows);
    if (!r) return BSP_ENOMEM;
    uint8_t version = bsp_schema_version(x);
    if (strcmp(pr->name, "hdr.schemaVersion") == 0) {
        col_int(r, "version", version);
        return BSP_OK;
    }
    bsp_sidecar s;
    bsp_sidecar_unpack(x, &s);
    int ok = version == 1;
    if (strcmp(pr->name, "hdr.aniLevels") == 0) {
        if (ok) col_int(r, "dominant", bsp_sidecar_ani_dominant(&s));
        else col_null(r, "dominant");
        for (int i = 0; i < 8; i++) {
            if (ok) col_int(r, ani_names[i], s.ani[i]);
            else col_null(r, ani_names[i]);
        }
    } else if (strcmp(pr->name, "hdr.narsTruth") == 0) {
        if (ok) {
            bsp_truth t = bsp_fp_truth(x);
            col_float(r, "frequency", t.f);
            col_float(r, "confidence", t.c);
        } else {
            col_null(r, "frequency");
            col_null(r, "confidence");
        }
    } else if (strcmp(pr->name, "hdr.graphMetrics") == 0) {
        static const char *const names[6] = {"pagerank", "hop_to_root", "cluster_id",
                                             "degree",   "in_degree",   "out_degree"};
        int64_t v[6] = {s.pagerank, s.hop_to_root, s.cluster_id, s.degree, s.in_degree, s.out_degree};
        for (int i = 0; i < 6; i++) {
            if (ok) col_int(r, names[i], v[i]);
            else col_null(r, names[i]);
        }
    } else if (strcmp(pr->name, "hdr.mightBeNeighbors") == 0) {
        if (ok) col_bool(r, "might_be_neighbors", bsp_fp_bloom_contains(x, (uint64_t)a[1].i));
        else col_null(r, "might_be_neighbors");
    } else { /* hdr.bestAction */
        if (ok) {
            float q = 0;
            int act = bsp_sidecar_best_action(&s, &q);
            col_int(r, "action", act);
            col_float(r, "q_value", q);
        } else {
            col_null(r, "action");
            col_null(r, "q_value");
        }
    }
    return BSP_OK;
}

static const proc procs[] = {
    {"hdr.bind", "hdr.xor", "VV", "a,b", p_xor, "result"},
    {"hdr.unbind", NULL, "VV", "bound,key", p_xor, "result"},
    {"hdr.bind3", NULL, "VVV", "src,verb,dst", p_xor, "result"},
    {"hdr.retrieve", NULL, "VVV", "edge,verb,known", p_retrieve, "result"},
    {"hdr.analogy", NULL, "VVV", "a,b,c", p_xor, "result"},
    {"hdr.hamming", NULL, "VV", "a,b", p_hamming, "distance"},
    {"hdr.similarity", NULL, "VV", "a,b", p_similarity, "similarity"},
    {"hdr.cleanup", NULL, "V", "v", p_cleanup, "result"},
    {"hdr.bundle", NULL, "V+", "v", p_bundle, "result"},
    {"hdr.search", NULL, "VI", "q,k", p_search, "node,distance,similarity"},
    {"hdr.schemaSearch", "hdr.schema_search", "VIP", "q,k,predicate", p_schema_search, "node,distance,similarity"},
    {"hdr.narsRevision", "hdr.nars_revision", "VV", "a,b", p_nars_revision, "result,frequency,confidence"},
    {"hdr.schemaBind", "hdr.schema_bind", "VV", "a,b", p_schema_bind, "result"},
    {"hdr.aniLevels", "hdr.ani_levels", "V", "v", p_meta, "dominant,reactive,memory,analogy,planning,meta,social,creative,abstract"},
    {"hdr.narsTruth", "hdr.nars_truth", "V", "v", p_meta, "frequency,confidence"},
    {"hdr.graphMetrics", "hdr.graph_metrics", "V", "v", p_meta, "pagerank,hop_to_root,cluster_id,degree,in_degree,out_degree"},
    {"hdr.mightBeNeighbors", "hdr.bloom_check", "VI", "v,id", p_meta, "might_be_neighbors"},
    {"hdr.bestAction", "hdr.best_action", "V", "v", p_meta, "action,q_value"},
    {"hdr.schemaMerge", "hdr.schema_merge", "VV", "primary,secondary", p_schema_merge, "result"},
    {"hdr.schemaVersion", "hdr.schema_version", "V", "v", p_meta, "version"},
};

static const proc *lookup(const char *name)
{
    for (size_t i = 0; i < sizeof procs / sizeof procs[0]; i++)
        if (strcmp(procs[i].name, name) == 0 || (procs[i].alias && strcmp(procs[i].alias, name) == 0))
            return &procs[i];
    return NULL;
}

const char *bsp_cypher_procedure_canonical(const char *name)
{
    const proc *p = name ? lookup(name) : NULL;
    return p ? p->name : NULL;
}

const char *bsp_cypher_procedure_yields(const char *name)
{
    const proc *p = name ? lookup(name) : NULL;
    return p ? p->yields : NULL;
}

/* The name of argument i ("a", "v3" for the variadic bundle). */
static void arg_name(const proc *p, size_t i, char *buf, size_t n)
{
    if (strcmp(p->args, "V+") == 0) {
        snprintf(buf, n, "v%zu", i + 1);
        return;
    }
    const char *s = p->arg_names;
    for (size_t k = 0; k < i && s; k++) {
        s = strchr(s, ',');
        if (s) s++;
    }
    size_t len = s ? strcspn(s, ",") : 0;
    snprintf(buf, n, "%.*s", (int)len, s ? s : "");
}

int bsp_cypher_call(const bsp_cy_context *ctx, const char *name, const bsp_cy_value *args,
                    size_t nargs, bsp_cy_row **rows, size_t *nrows)
{
    if (!name || !rows || !nrows || (nargs && !args))
        return bsp_err(BSP_EINVAL, "cypher: bad procedure call");
    *rows = NULL;
    *nrows = 0;
    const proc *p = lookup(name);
    if (!p) return bsp_err(BSP_ENOTFOUND, "unknown procedure '%s'", name);
    int variadic = strcmp(p->args, "V+") == 0;
    size_t want = variadic ? 1 : strlen(p->args);
    if (variadic ? nargs < 1 : nargs != want)
        return bsp_err(BSP_EINVAL, "%s: expected %s%zu argument%s, got %zu", p->name,
                       variadic ? "at least " : "", want, want == 1 ? "" : "s", nargs);
    for (size_t i = 0; i < nargs; i++) {
        char t = variadic ? 'V' : p->args[i];
        const bsp_cy_value *v = &args[i];
        char an[32];
        arg_name(p, i, an, sizeof an);
        const char *need = NULL;
        if (t == 'V' && v->type != BSP_CY_VECTOR) need = "a Vector";
        else if (t == 'I' && v->type != BSP_CY_INT) need = "an Integer";
        else if (t == 'P' && v->type != BSP_CY_STRING && v->type != BSP_CY_MAP && v->type != BSP_CY_NULL)
            need = "a String, Map or Null";
        if (need)
            return bsp_err(BSP_EINVAL, "%s: argument %zu (%s) must be %s, got %s", p->name, i + 1, an,
                           need, type_name(v->type));
        if (t == 'V' && (!v->vec || v->vec_len != BSP_BYTES))
            return bsp_err(BSP_EINVAL, "%s: argument %zu (%s) must be %d bytes, got %zu", p->name, i + 1,
                           an, BSP_BYTES, v->vec ? v->vec_len : (size_t)0);
        if (t == 'P' && v->type != BSP_CY_NULL && !v->s && v->len)
            return bsp_err(BSP_EINVAL, "%s: argument %zu (%s) has no text", p->name, i + 1, an);
        if (t == 'I' && strcmp(an, "k") == 0 && v->i < 0)
            return bsp_err(BSP_ERANGE, "%s: k must be >= 0, got %lld", p->name, (long long)v->i);
    }
    return p->fn(p, ctx, args, nargs, rows, nrows);
}
