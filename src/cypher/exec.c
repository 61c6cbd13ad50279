/* Running Cypher: a session is one SQLite connection holding the graph relations (value.h)
 * with the HDR functions, the bindspace virtual table and the cy_* library registered. A
 * statement is parsed, translated to a plan (translate.h) and its steps run in order: a
 * query step is prepared and stepped; a CREATE step reads its input rows first (so the
 * update never sees its own writes), then inserts nodes and relationships row by row and
 * fills the temporary table the next step reads. Result cells are rendered once, in the TCK
 * literal form and as JSON. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/cypher.h"
#include "bindspace/error.h"
#include "bindspace/sql.h"
#include "cypher/exec_internal.h"
#include "cypher/translate.h"
#include "cypher/value.h"
#include "util/error.h"

struct bsp_cypher_result {
    size_t ncols, nrows, cap;
    char **cols;
    char **cells; /* row-major; two strings a cell: literal, JSON */
    bsp_cypher_stats stats;
};

static int sql_err(sqlite3 *db, const char *what)
{
    const char *m = sqlite3_errmsg(db);
    /* messages of the cy_* functions already carry their openCypher class */
    static const char *const classes[] = {"SyntaxError", "TypeError", "ArgumentError",
                                          "ArithmeticError", "SemanticError", "EntityNotFound",
                                          "ConstraintVerificationFailed", NULL};
    for (int i = 0; classes[i]; i++)
        if (strncmp(m, classes[i], strlen(classes[i])) == 0) return bsp_err(BSP_EINVAL, "%s", m);
    /* an aggregate where SQL cannot have one (ORDER BY of a WITH that does not aggregate,
     * nested aggregates, ...) is Cypher's compile-time InvalidAggregation */
    if (strncmp(m, "no such function: cy_f_", 23) == 0)
        return bsp_err(BSP_EINVAL, "SyntaxError: UnknownFunction: %s()", m + 23);
    if (strncmp(m, "misuse of aggregate", 19) == 0)
        return bsp_err(BSP_EINVAL, "SyntaxError: InvalidAggregation: %s", m);
    return bsp_err(BSP_EINVAL, "Error: %s (%s)", m, what);
}

static int run_sql(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        int rc = bsp_err(BSP_EINVAL, "cypher: %s: %s", sql, err ? err : "error");
        sqlite3_free(err);
        return rc;
    }
    return BSP_OK;
}

int bsp_cypher_open(const char *db, bsp_cypher_session **out)
{
    if (!out) return bsp_err(BSP_EINVAL, "cypher: no session pointer");
    *out = NULL;
    bsp_cypher_session *s = calloc(1, sizeof *s);
    if (!s) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    if (sqlite3_open(":memory:", &s->db) != SQLITE_OK) {
        free(s);
        return bsp_err(BSP_EIO, "cypher: cannot open an SQLite connection");
    }
    int rc = BSP_OK;
    if (bsp_sql_register(s->db) != SQLITE_OK || cy_sql_register(s->db) != SQLITE_OK ||
        cy_translate_register(s->db) != SQLITE_OK)
        rc = bsp_err(BSP_EINVAL, "cypher: cannot register SQL functions: %s", sqlite3_errmsg(s->db));
    if (!rc && db) {
        rc = cy_graph_attach(s, db);
    } else if (!rc) {
        rc = run_sql(s->db,
                     "CREATE TABLE cy_nodes(id INTEGER PRIMARY KEY, labels BLOB, props BLOB, fingerprint BLOB);"
                     "CREATE TABLE cy_edges(id INTEGER PRIMARY KEY, src INTEGER NOT NULL, "
                     "dst INTEGER NOT NULL, type TEXT NOT NULL, props BLOB);"
                     "CREATE INDEX cy_edges_src ON cy_edges(src, type);"
                     "CREATE INDEX cy_edges_dst ON cy_edges(dst, type);");
    }
    if (rc) {
        bsp_cypher_close(s);
        return rc;
    }
    *out = s;
    return BSP_OK;
}

void bsp_cypher_close(bsp_cypher_session *s)
{
    if (!s) return;
    cy_cache_clear(s);
    sqlite3_finalize(s->param_stmt);
    sqlite3_close(s->db);
    free(s->dbdir);
    free(s);
}

/* ---- parameters: literal text evaluated by the engine itself ---- */

static int eval_literal(bsp_cypher_session *s, const char *literal, sqlite3_value **out)
{
    /* fast path: a plain integer */
    char *end;
    errno = 0;
    long long iv = strtoll(literal, &end, 10);
    if (end != literal && !*end && !errno && (literal[0] == '-' || (literal[0] >= '0' && literal[0] <= '9'))) {
        if (!s->param_stmt &&
            sqlite3_prepare_v2(s->db, "SELECT ?1", -1, &s->param_stmt, NULL) != SQLITE_OK)
            return sql_err(s->db, "parameter");
        sqlite3_bind_int64(s->param_stmt, 1, iv);
        int rc = BSP_OK;
        if (sqlite3_step(s->param_stmt) != SQLITE_ROW) rc = sql_err(s->db, "parameter");
        else if (!(*out = sqlite3_value_dup(sqlite3_column_value(s->param_stmt, 0))))
            rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
        sqlite3_reset(s->param_stmt);
        return rc;
    }
    size_t n = strlen(literal);
    char *q = malloc(n + 16);
    if (!q) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    snprintf(q, n + 16, "RETURN %s AS v", literal);
    bsp_cypher_ast *ast = NULL;
    int rc = bsp_cypher_parse(q, strlen(q), &ast);
    free(q);
    if (rc) return bsp_err_prefix(BSP_EINVAL, "SyntaxError: parameter value %s", literal);
    cy_translate_opts o = {.db_mode = false, .temp_serial = s->temp_serial};
    cy_plan plan;
    rc = cy_translate(ast->root, &o, &plan);
    bsp_cypher_ast_free(ast);
    if (rc) return rc;
    if (plan.nsteps != 1 || plan.nparams) {
        cy_plan_free(&plan);
        return bsp_err(BSP_EINVAL, "SyntaxError: parameter value %s is not a literal", literal);
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, plan.steps[0].sql, -1, &st, NULL) != SQLITE_OK) {
        rc = sql_err(s->db, "parameter");
    } else if (sqlite3_step(st) != SQLITE_ROW) {
        rc = sql_err(s->db, "parameter");
    } else {
        *out = sqlite3_value_dup(sqlite3_column_value(st, 0));
        if (!*out) rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
    }
    sqlite3_finalize(st);
    cy_plan_free(&plan);
    return rc;
}

typedef struct {
    sqlite3_value **v; /* by plan parameter index */
    size_t n;
} bound_params;

static int bind_all(sqlite3_stmt *st, const bound_params *bp)
{
    int max = sqlite3_bind_parameter_count(st);
    for (size_t i = 0; i < bp->n && (int)i < max; i++)
        if (sqlite3_bind_value(st, (int)i + 1, bp->v[i]) != SQLITE_OK)
            return bsp_err(BSP_EINVAL, "cypher: cannot bind parameter %zu", i + 1);
    return BSP_OK;
}

/* ---- the plan cache: a read-only statement run again skips parsing, translation and
 * preparing (its prepared statement is kept and reset); LRU over CY_PLAN_CACHE entries ---- */

static cy_cached *cache_find(bsp_cypher_session *s, const char *query)
{
    for (int i = 0; i < CY_PLAN_CACHE; i++)
        if (s->cache[i].query && strcmp(s->cache[i].query, query) == 0) {
            s->cache[i].used = ++s->tick;
            return &s->cache[i];
        }
    return NULL;
}

static void cache_drop(cy_cached *c)
{
    free(c->query);
    c->query = NULL;
    sqlite3_finalize(c->stmt);
    c->stmt = NULL;
    cy_plan_free(&c->plan);
}

/* Keep a plan that is one read-only query; NULL when it is not kept (caller still owns it). */
static cy_cached *cache_put(bsp_cypher_session *s, const char *query, cy_plan *p)
{
    if (p->updates || p->nsteps != 1 || p->steps[0].kind != PS_QUERY) return NULL;
    cy_cached *victim = &s->cache[0];
    for (int i = 0; i < CY_PLAN_CACHE; i++) {
        if (!s->cache[i].query) {
            victim = &s->cache[i];
            break;
        }
        if (s->cache[i].used < victim->used) victim = &s->cache[i];
    }
    char *q = strdup(query);
    if (!q) return NULL;
    if (victim->query) cache_drop(victim);
    victim->query = q;
    victim->plan = *p;
    victim->stmt = NULL;
    victim->used = ++s->tick;
    return victim;
}

void cy_cache_clear(bsp_cypher_session *s)
{
    for (int i = 0; i < CY_PLAN_CACHE; i++)
        if (s->cache[i].query) cache_drop(&s->cache[i]);
}

/* ---- results ---- */

static int result_add_row(bsp_cypher_result *r, sqlite3_stmt *st)
{
    if (r->nrows == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 16;
        char **c = realloc(r->cells, nc * (r->ncols ? r->ncols : 1) * 2 * sizeof *c);
        if (!c) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        r->cells = c;
        r->cap = nc;
    }
    char **row = r->cells + r->nrows * r->ncols * 2;
    for (size_t i = 0; i < r->ncols; i++) row[2 * i] = row[2 * i + 1] = NULL;
    r->nrows++;
    for (size_t i = 0; i < r->ncols; i++) {
        cv v;
        int rc = cv_from_sqlite(sqlite3_column_value(st, (int)i), &v);
        if (rc) return rc;
        row[2 * i] = cv_render(&v);
        row[2 * i + 1] = cv_json(&v);
        cv_free(&v);
        if (!row[2 * i] || !row[2 * i + 1]) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    }
    return BSP_OK;
}

void bsp_cypher_result_free(bsp_cypher_result *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nrows * r->ncols * 2; i++) free(r->cells[i]);
    free(r->cells);
    for (size_t i = 0; i < r->ncols; i++) free(r->cols[i]);
    free(r->cols);
    free(r);
}

size_t bsp_cypher_result_ncols(const bsp_cypher_result *r) { return r ? r->ncols : 0; }
size_t bsp_cypher_result_nrows(const bsp_cypher_result *r) { return r ? r->nrows : 0; }
const char *bsp_cypher_result_colname(const bsp_cypher_result *r, size_t col)
{
    return r && col < r->ncols ? r->cols[col] : NULL;
}
const char *bsp_cypher_result_cell(const bsp_cypher_result *r, size_t row, size_t col)
{
    return r && row < r->nrows && col < r->ncols ? r->cells[(row * r->ncols + col) * 2] : NULL;
}
const char *bsp_cypher_result_json(const bsp_cypher_result *r, size_t row, size_t col)
{
    return r && row < r->nrows && col < r->ncols ? r->cells[(row * r->ncols + col) * 2 + 1] : NULL;
}
void bsp_cypher_result_stats(const bsp_cypher_result *r, bsp_cypher_stats *out)
{
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (r) *out = r->stats;
}

/* ---- steps ---- */

/* Run a query step; with `keep`, the prepared statement is kept there for the next run. */
static int step_query(bsp_cypher_session *s, const cy_step *step, const bound_params *bp,
                      bsp_cypher_result *r, sqlite3_stmt **keep)
{
    sqlite3_stmt *st = keep ? *keep : NULL;
    if (!st && sqlite3_prepare_v2(s->db, step->sql, -1, &st, NULL) != SQLITE_OK)
        return sql_err(s->db, step->sql);
    if (keep) *keep = st;
    int rc = bind_all(st, bp);
    int src = SQLITE_DONE;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) rc = result_add_row(r, st);
    if (!rc && src != SQLITE_DONE) rc = sql_err(s->db, "query");
    if (keep) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else sqlite3_finalize(st);
    return rc;
}

static uint64_t count_labels(bsp_cypher_session *s)
{
    sqlite3_stmt *st = NULL;
    uint64_t n = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(DISTINCT u.value) FROM cy_nodes, cy_unwind(cy_nodes.labels) AS u",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int bsp_cypher_exec(bsp_cypher_session *s, const char *query, const bsp_cypher_param *params,
                    size_t nparams, bsp_cypher_result **out)
{
    if (!s || !query || !out) return bsp_err(BSP_EINVAL, "cypher: bad arguments");
    *out = NULL;
    int rc = BSP_OK;
    cy_plan own, *pl = &own;
    cy_cached *hit = cache_find(s, query);
    if (hit) pl = &hit->plan;
    else {
        bsp_cypher_ast *ast = NULL;
        rc = bsp_cypher_parse(query, strlen(query), &ast);
        if (rc) return bsp_err_prefix(rc, "SyntaxError");
        cy_translate_opts o = {.db_mode = s->dbdir != NULL, .temp_serial = s->temp_serial};
        rc = cy_translate(ast->root, &o, &own);
        bsp_cypher_ast_free(ast);
        if (rc) return rc;
        s->temp_serial = o.temp_serial;
        hit = cache_put(s, query, &own);  /* takes the plan when it can be cached */
        if (hit) pl = &hit->plan;
    }
#define plan (*pl)

    bound_params bp = {.v = calloc(plan.nparams ? plan.nparams : 1, sizeof(sqlite3_value *)),
                       .n = plan.nparams};
    bsp_cypher_result *r = calloc(1, sizeof *r);
    if (!bp.v || !r) rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
    for (size_t i = 0; !rc && i < plan.nparams; i++) {
        const bsp_cypher_param *p = NULL;
        for (size_t k = 0; k < nparams; k++)
            if (strcmp(params[k].name, plan.params[i]) == 0) p = &params[k];
        if (!p) rc = bsp_err(BSP_EINVAL, "ParameterMissing: expected a parameter named %s", plan.params[i]);
        else rc = eval_literal(s, p->literal, &bp.v[i]);
    }
    if (!rc) {
        r->ncols = plan.ncolumns;
        r->cols = calloc(r->ncols ? r->ncols : 1, sizeof *r->cols);
        if (!r->cols) rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
        for (size_t i = 0; !rc && i < r->ncols; i++)
            if (!(r->cols[i] = strdup(plan.columns[i]))) rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
    }
    uint64_t labels_before = 0;
    bool count = false;
    bool in_tx = false;
    if (!rc && plan.updates && s->dbdir)
        rc = bsp_err(BSP_EUNSUPPORTED, "Error: changing a database graph from Cypher is not supported "
                                       "yet (import nodes and edges with the bindspace CLI)");
    if (!rc && plan.updates) {
        /* +labels counts label names new to the graph: only a CREATE of nodes can add one
         * (a scan of the nodes, so it is skipped otherwise) */
        for (size_t i = 0; i < plan.nsteps && !count; i++)
            for (size_t k = 0; k < plan.steps[i].nops && !count; k++) count = !plan.steps[i].ops[k].is_rel;
        if (count) labels_before = count_labels(s);
        rc = run_sql(s->db, "SAVEPOINT cy_stmt");
        in_tx = !rc;
    }
    for (size_t i = 0; !rc && i < plan.nsteps; i++) {
        const cy_step *st = &plan.steps[i];
        if (st->kind == PS_QUERY) rc = step_query(s, st, &bp, r, hit ? &hit->stmt : NULL);
        else if (st->kind == PS_CREATE) {
            sqlite3_stmt *in = NULL;
            if (sqlite3_prepare_v2(s->db, st->sql, -1, &in, NULL) != SQLITE_OK)
                rc = sql_err(s->db, st->sql);
            else if (!(rc = bind_all(in, &bp)))
                rc = cy_exec_create(s, st, in, &r->stats);
            sqlite3_finalize(in);
        } else if (st->kind == PS_CALL) {
            sqlite3_stmt *in = NULL;
            if (sqlite3_prepare_v2(s->db, st->sql, -1, &in, NULL) != SQLITE_OK)
                rc = sql_err(s->db, st->sql);
            else if (!(rc = bind_all(in, &bp)))
                rc = cy_exec_call(s, st, in);
            sqlite3_finalize(in);
        } else rc = bsp_err(BSP_EINVAL, "cypher: unsupported step");
    }
    if (in_tx) {
        if (rc) {
            char *keep = strdup(bsp_errmsg());
            run_sql(s->db, "ROLLBACK TO cy_stmt; RELEASE cy_stmt");
            if (keep) {
                bsp_err(rc, "%s", keep);
                free(keep);
            }
        } else {
            rc = run_sql(s->db, "RELEASE cy_stmt");
            if (!rc && count) {
                uint64_t after = count_labels(s);
                r->stats.labels_added = after > labels_before ? after - labels_before : 0;
            }
        }
    }
    /* temporary tables of this statement */
    for (size_t i = 0; i < plan.nsteps; i++)
        if (plan.steps[i].table) {
            char drop[64];
            snprintf(drop, sizeof drop, "DROP TABLE IF EXISTS temp.%s", plan.steps[i].table);
            sqlite3_exec(s->db, drop, NULL, NULL, NULL);
        }
    for (size_t i = 0; bp.v && i < bp.n; i++) sqlite3_value_free(bp.v[i]);
    free(bp.v);
    if (!hit) cy_plan_free(&own);
#undef plan
    if (rc) {
        bsp_cypher_result_free(r);
        return rc;
    }
    *out = r;
    return BSP_OK;
}

/* SQLite's EXPLAIN QUERY PLAN of a query step, as "--   detail" lines (shows the pushdown). */
static size_t append_plan(bsp_cypher_session *s, const char *sql, char **b, size_t *len, size_t at)
{
    char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st = NULL;
    if (q && sqlite3_prepare_v2(s->db, q, -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(st, 3);
            size_t need = at + (d ? strlen(d) : 0) + 16;
            if (need > *len) {
                char *nb = realloc(*b, need * 2);
                if (!nb) break;
                *b = nb;
                *len = need * 2;
            }
            at += (size_t)snprintf(*b + at, *len - at, "--   %s\n", d ? d : "");
        }
    }
    sqlite3_finalize(st);
    sqlite3_free(q);
    return at;
}

int bsp_cypher_explain(bsp_cypher_session *s, const char *query, char **sql)
{
    if (!s || !query || !sql) return bsp_err(BSP_EINVAL, "cypher: bad arguments");
    *sql = NULL;
    bsp_cypher_ast *ast = NULL;
    int rc = bsp_cypher_parse(query, strlen(query), &ast);
    if (rc) return bsp_err_prefix(rc, "SyntaxError");
    cy_translate_opts o = {.db_mode = s->dbdir != NULL, .temp_serial = s->temp_serial};
    cy_plan plan;
    rc = cy_translate(ast->root, &o, &plan);
    bsp_cypher_ast_free(ast);
    if (rc) return rc;
    size_t len = 1;
    for (size_t i = 0; i < plan.nsteps; i++) len += strlen(plan.steps[i].sql) + 200;
    char *b = malloc(len);
    if (!b) {
        cy_plan_free(&plan);
        return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    }
    size_t at = 0;
    b[0] = 0;
    for (size_t i = 0; i < plan.nsteps; i++) {
        const cy_step *st = &plan.steps[i];
        if (st->kind == PS_CALL)
            at += (size_t)snprintf(b + at, len - at,
                                   "-- CALL %s: for each row of this query, the procedure's rows "
                                   "go to temp.%s\n", st->proc, st->table);
        if (st->kind == PS_CREATE)
            at += (size_t)snprintf(b + at, len - at,
                                   "-- CREATE: for each row of this query, %zu element(s) are "
                                   "inserted and the row goes to temp.%s\n",
                                   st->nops, st->table);
        at += (size_t)snprintf(b + at, len - at, "%s;\n", st->sql);
        if (st->kind == PS_QUERY) at = append_plan(s, st->sql, &b, &len, at);
    }
    cy_plan_free(&plan);
    *sql = b;
    return BSP_OK;
}
