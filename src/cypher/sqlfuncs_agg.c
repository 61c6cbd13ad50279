/* The aggregates of Cypher as SQL aggregate functions cy_sum, cy_avg, ... (value.h).
 *
 * Each is an SQLite step/final pair over a state kept in sqlite3_aggregate_context; nulls
 * are skipped, as openCypher says for every aggregate. A step that meets a value of the
 * wrong type raises the error right there (sqlite3_result_error in xStep aborts the
 * statement). SQLite calls xFinal exactly once for every aggregate it started, also after
 * an error, so xFinal is where a state's memory is released. Every aggregate is also
 * registered with nArg -1 as an "arity error" aggregate: SQLite prefers the exact arity, so
 * only a wrong argument count lands there, and its xFinal raises the ArgumentError even
 * over zero rows. DISTINCT is SQLite's: it compares the canonical SQLite representations
 * (value.h), so equal Cypher values are one value. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "cypher/sqlfuncs.h"
#include "cypher/value.h"

struct adef {
    const char *sql;
    const char *name;   /* Cypher spelling, for messages */
    int nargs;
    void (*step)(sqlite3_context *, int, sqlite3_value **);
    void (*final)(sqlite3_context *);
};

static const char *agg_name(sqlite3_context *ctx)
{
    return ((const struct adef *)sqlite3_user_data(ctx))->name;
}

static const char *kind_name(sqlite3_value *sv)
{
    static const char *const names[] = {"null", "Boolean", "Integer", "Float", "String",
                                        "Bytes", "List", "Map", "Node", "Relationship", "Path"};
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: return "null";
    case SQLITE_INTEGER: return "Integer";
    case SQLITE_FLOAT: return "Float";
    case SQLITE_TEXT: return "String";
    default: break;
    }
    cv v;
    if (cv_from_sqlite(sv, &v) != BSP_OK) return "Bytes";
    cv_kind k = v.k;
    cv_free(&v);
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static void type_error(sqlite3_context *ctx, sqlite3_value *sv)
{
    cyfn_errorf(ctx, "TypeError: InvalidArgumentValue: %s() expects numbers, got %s", agg_name(ctx),
           kind_name(sv));
}

/* Decode a value; false (error set) on failure. */
static bool decode(sqlite3_context *ctx, sqlite3_value *sv, cv *out)
{
    int rc = cv_from_sqlite(sv, out);
    if (rc == BSP_OK) return true;
    cv_set_null(out);
    if (rc == BSP_ENOMEM) sqlite3_result_error_nomem(ctx);
    else cyfn_errorf(ctx, "ArgumentError: %s(): %s", agg_name(ctx), bsp_errmsg());
    return false;
}

typedef struct { bool is_int; int64_t i; double f; } pnum;

/* Read a number: 1, 0 for null, -1 when it is not a number (TypeError set). A NaN arrives
 * as a tagged BLOB (SQLite cannot hold a NaN REAL). */
static int agg_num(sqlite3_context *ctx, sqlite3_value *sv, pnum *out)
{
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: return 0;
    case SQLITE_INTEGER:
        out->is_int = true;
        out->i = sqlite3_value_int64(sv);
        out->f = (double)out->i;
        return 1;
    case SQLITE_FLOAT:
        out->is_int = false;
        out->i = 0;
        out->f = sqlite3_value_double(sv);
        return 1;
    case SQLITE_BLOB: {
        cv v;
        if (!decode(ctx, sv, &v)) return -1;
        bool is_float = v.k == CV_FLOAT;
        double f = is_float ? v.u.f : 0.0;
        cv_free(&v);
        if (is_float) {
            out->is_int = false;
            out->i = 0;
            out->f = f;
            return 1;
        }
        break;
    }
    default: break;
    }
    type_error(ctx, sv);
    return -1;
}

static void result_float(sqlite3_context *ctx, double f)
{
    if (!isnan(f)) { sqlite3_result_double(ctx, f); return; }
    cv v;
    cv_set_float(&v, f);
    cv_result(ctx, &v);
}

/* ------------------------------------------------------------------- sum and avg */

typedef struct {
    int64_t isum;     /* the Integers */
    double fsum;      /* the Floats (and, for avg, Integers that overflowed isum) */
    int64_t n;        /* values seen */
    bool any_float;
    bool failed;
} sum_state;

/* Shared step; for_avg: an Integer overflow spills into the float sum instead of failing. */
static void sum_add(sqlite3_context *ctx, sqlite3_value *sv, bool for_avg)
{
    if (sqlite3_value_type(sv) == SQLITE_NULL) return;
    sum_state *s = sqlite3_aggregate_context(ctx, sizeof *s);
    if (!s) { sqlite3_result_error_nomem(ctx); return; }
    if (s->failed) return;
    pnum x;
    int r0 = agg_num(ctx, sv, &x);
    if (r0 < 0) { s->failed = true; return; }
    if (x.is_int) {
        int64_t v = x.i, r;
        if (__builtin_add_overflow(s->isum, v, &r)) {
            if (!for_avg) {
                s->failed = true;
                cyfn_errorf(ctx, "ArithmeticError: IntegerOverflow: sum() exceeds the Integer range");
                return;
            }
            s->fsum += (double)s->isum;
            r = v;
        }
        s->isum = r;
    } else {
        s->fsum += x.f;
        s->any_float = true;
    }
    s->n++;
}

static void sum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sum_add(ctx, argv[0], false);
}

static void sum_final(sqlite3_context *ctx)
{
    sum_state *s = sqlite3_aggregate_context(ctx, 0);
    if (!s) { sqlite3_result_int64(ctx, 0); return; }
    if (s->any_float) result_float(ctx, (double)s->isum + s->fsum);
    else sqlite3_result_int64(ctx, s->isum);
}

static void avg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sum_add(ctx, argv[0], true);
}

static void avg_final(sqlite3_context *ctx)
{
    sum_state *s = sqlite3_aggregate_context(ctx, 0);
    if (!s || s->n == 0) { sqlite3_result_null(ctx); return; }
    result_float(ctx, ((double)s->isum + s->fsum) / (double)s->n);
}

/* ---------------------------------------------------------------------- min / max */

typedef struct {
    cv best;     /* decoded; cv_result re-encodes it to the same canonical bytes */
    bool have;
} minmax_state;

static void minmax_step(sqlite3_context *ctx, sqlite3_value *sv, int sign)
{
    if (sqlite3_value_type(sv) == SQLITE_NULL) return;
    minmax_state *s = sqlite3_aggregate_context(ctx, sizeof *s);
    if (!s) { sqlite3_result_error_nomem(ctx); return; }
    cv cur;
    if (!decode(ctx, sv, &cur)) return;
    if (s->have && sign * cv_order(&cur, &s->best) <= 0) {   /* equal: the first stays */
        cv_free(&cur);
        return;
    }
    cv_free(&s->best);
    s->best = cur;
    s->have = true;
}

static void min_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    minmax_step(ctx, argv[0], -1);
}

static void max_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    minmax_step(ctx, argv[0], 1);
}

static void minmax_final(sqlite3_context *ctx)
{
    minmax_state *s = sqlite3_aggregate_context(ctx, 0);
    if (!s || !s->have) { sqlite3_result_null(ctx); return; }
    cv_result(ctx, &s->best);
    cv_free(&s->best);
    s->have = false;
}

/* ------------------------------------------------------------------------ collect */

typedef struct {
    cv list;
    bool init;
} collect_state;

static void collect_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    collect_state *s = sqlite3_aggregate_context(ctx, sizeof *s);
    if (!s) { sqlite3_result_error_nomem(ctx); return; }
    if (!s->init) {
        memset(&s->list, 0, sizeof s->list);
        s->list.k = CV_LIST;
        s->init = true;
    }
    cv item;
    if (!decode(ctx, argv[0], &item)) return;
    if (cv_list_push(&s->list, &item) != BSP_OK) {
        cv_free(&item);
        sqlite3_result_error_nomem(ctx);
    }
}

static void collect_final(sqlite3_context *ctx)
{
    collect_state *s = sqlite3_aggregate_context(ctx, 0);
    if (!s || !s->init) {
        cv empty;
        memset(&empty, 0, sizeof empty);
        empty.k = CV_LIST;
        cv_result(ctx, &empty);
        return;
    }
    cv_result(ctx, &s->list);
    cv_free(&s->list);
    s->init = false;
}

/* ----------------------------------------------------------- standard deviation */

typedef struct {
    int64_t n;
    double mean, m2;   /* Welford's running mean and sum of squared deviations */
    bool failed;
} stdev_state;

static void stdev_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_value *sv = argv[0];
    if (sqlite3_value_type(sv) == SQLITE_NULL) return;
    stdev_state *s = sqlite3_aggregate_context(ctx, sizeof *s);
    if (!s) { sqlite3_result_error_nomem(ctx); return; }
    if (s->failed) return;
    pnum v;
    if (agg_num(ctx, sv, &v) < 0) { s->failed = true; return; }
    double x = v.f;
    s->n++;
    double delta = x - s->mean;
    s->mean += delta / (double)s->n;
    s->m2 += delta * (x - s->mean);
}

static void stdev_result(sqlite3_context *ctx, bool sample)
{
    stdev_state *s = sqlite3_aggregate_context(ctx, 0);
    int64_t n = s ? s->n : 0;
    int64_t div = sample ? n - 1 : n;
    if (div <= 0) { sqlite3_result_double(ctx, 0.0); return; }
    result_float(ctx, sqrt(s->m2 / (double)div));
}

static void stdev_final(sqlite3_context *ctx) { stdev_result(ctx, true); }
static void stdevp_final(sqlite3_context *ctx) { stdev_result(ctx, false); }

/* -------------------------------------------------------------------- percentiles */

typedef struct {
    pnum *v;
    size_t n, cap;
    double p;
    bool failed;
} pct_state;

static void pct_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    pct_state *s = sqlite3_aggregate_context(ctx, sizeof *s);
    if (!s) { sqlite3_result_error_nomem(ctx); return; }
    if (s->failed) return;
    /* the percentile is checked on every row, as it is an expression of the row */
    sqlite3_value *pv = argv[1];
    int pt = sqlite3_value_type(pv);
    double p = pt == SQLITE_INTEGER || pt == SQLITE_FLOAT ? sqlite3_value_double(pv) : NAN;
    if (!(p >= 0.0 && p <= 1.0)) {
        s->failed = true;
        if (pt == SQLITE_INTEGER || pt == SQLITE_FLOAT)
            cyfn_errorf(ctx, "ArgumentError: NumberOutOfRange: %s() percentile must be between 0.0 "
                        "and 1.0, got %g", agg_name(ctx), p);
        else
            cyfn_errorf(ctx, "ArgumentError: NumberOutOfRange: %s() percentile must be a number "
                        "between 0.0 and 1.0, got %s", agg_name(ctx), kind_name(pv));
        return;
    }
    s->p = p;
    pnum num;
    int r = agg_num(ctx, argv[0], &num);
    if (r == 0) return;
    if (r < 0) { s->failed = true; return; }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        pnum *nv = realloc(s->v, cap * sizeof *nv);
        if (!nv) { s->failed = true; sqlite3_result_error_nomem(ctx); return; }
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = num;
}

/* Numeric order; Integer against Float exactly (long double holds every int64); NaN last. */
static int pnum_cmp(const void *a, const void *b)
{
    const pnum *x = a, *y = b;
    if (x->is_int && y->is_int) return (x->i > y->i) - (x->i < y->i);
    bool xn = !x->is_int && isnan(x->f), yn = !y->is_int && isnan(y->f);
    if (xn || yn) return (int)xn - (int)yn;
    long double lx = x->is_int ? (long double)x->i : (long double)x->f;
    long double ly = y->is_int ? (long double)y->i : (long double)y->f;
    return (lx > ly) - (lx < ly);
}

static void pct_final(sqlite3_context *ctx, bool cont)
{
    pct_state *s = sqlite3_aggregate_context(ctx, 0);
    if (!s) { sqlite3_result_null(ctx); return; }
    if (!s->failed && s->n > 0) {
        qsort(s->v, s->n, sizeof *s->v, pnum_cmp);
        size_t n = s->n;
        if (!cont) {
            /* the smallest value with at least p of the values at or below it */
            double fi = s->p * (double)n;
            size_t i = (size_t)fi;
            if (fi != 0.0 && fi == (double)i) i--;
            if (i >= n) i = n - 1;
            const pnum *x = &s->v[i];
            if (x->is_int) sqlite3_result_int64(ctx, x->i);
            else result_float(ctx, x->f);
        } else {
            /* linear interpolation between the two closest ranks */
            double fi = s->p * (double)(n - 1);
            size_t lo = (size_t)floor(fi), hi = (size_t)ceil(fi);
            if (hi >= n) hi = n - 1;
            double a = s->v[lo].f, b = s->v[hi].f;
            if (lo == hi) result_float(ctx, a);
            else result_float(ctx, a * ((double)hi - fi) + b * (fi - (double)lo));
        }
    } else {
        sqlite3_result_null(ctx);
    }
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static void pdisc_final(sqlite3_context *ctx) { pct_final(ctx, false); }
static void pcont_final(sqlite3_context *ctx) { pct_final(ctx, true); }

/* ------------------------------------------------------------------- registration */

static const struct adef aggs[] = {
    {"cy_sum", "sum", 1, sum_step, sum_final},
    {"cy_avg", "avg", 1, avg_step, avg_final},
    {"cy_min", "min", 1, min_step, minmax_final},
    {"cy_max", "max", 1, max_step, minmax_final},
    {"cy_collect", "collect", 1, collect_step, collect_final},
    {"cy_stdev", "stDev", 1, stdev_step, stdev_final},
    {"cy_stdevp", "stDevP", 1, stdev_step, stdevp_final},
    {"cy_percentiledisc", "percentileDisc", 2, pct_step, pdisc_final},
    {"cy_percentilecont", "percentileCont", 2, pct_step, pcont_final},
};

static void arity_error(sqlite3_context *ctx)
{
    const struct adef *a = sqlite3_user_data(ctx);
    cyfn_errorf(ctx, "ArgumentError: %s() takes %d argument%s", a->name, a->nargs,
           a->nargs == 1 ? "" : "s");
}

static void arity_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc; (void)argv;
    arity_error(ctx);
}

int cyfn_register_aggregates(sqlite3 *db)
{
    for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++) {
        const struct adef *a = &aggs[i];
        int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
        int rc = sqlite3_create_function_v2(db, a->sql, a->nargs, flags, (void *)a, NULL,
                                            a->step, a->final, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_create_function_v2(db, a->sql, -1, flags, (void *)a, NULL, arity_step,
                                            arity_error, NULL);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}
