/* The `bindspace` virtual table module: CREATE VIRTUAL TABLE t USING bindspace('x.lance'
 * [, version=N] [, column=NAME]) over any Lance table with a 2,048-byte fingerprint column.
 *
 * The planner (xBestIndex) is where pushdown happens, and its one rule is that pushdown never
 * changes a result: a constraint is consumed (omit) only when the cursor evaluates it
 * exactly as SQLite would, and a LIMIT is used to cut a top-k short only when every other
 * usable constraint was consumed and the output is ordered by distance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/vtab_internal.h"
#include "util/error.h"

static const struct { vcol_kind kind; const char *name; const char *decl; } derived[] = {
    {VCOL_POPCOUNT, "popcount", "INTEGER"},
    {VCOL_NARS_F, "nars_f", "REAL"},
    {VCOL_NARS_C, "nars_c", "REAL"},
    {VCOL_ANI_DOMINANT, "ani_dominant", "INTEGER"},
    {VCOL_SCHEMA_VERSION, "schema_version", "INTEGER"},
    {VCOL_DISTANCE, "distance", "INTEGER HIDDEN"},
    {VCOL_K, "k", "INTEGER HIDDEN"},
};

int vtab_error(bvtab *vt, const char *what)
{
    sqlite3_free(vt->base.zErrMsg);
    vt->base.zErrMsg = sqlite3_mprintf("%s: %s", what, bsp_errmsg());
    return SQLITE_ERROR;
}

uint64_t vtab_count(bvtab *vt)
{
    return vt->space ? vspace_count(vt) : bsp_dataset_count_rows(vt->ds);
}

int vtab_refresh(bvtab *vt)
{
    if (vt->space || vt->pinned_version || vt->pending) return SQLITE_OK;
    bsp_dataset *ds = NULL;
    int rc = bsp_dataset_open(vt->path, 0, &ds);
    if (rc != BSP_OK) return vtab_error(vt, vt->path);
    if (vt->ds && bsp_dataset_version(vt->ds) == bsp_dataset_version(ds)) {
        bsp_dataset_free(ds);
        return SQLITE_OK;
    }
    /* The schema must not change under an open virtual table. */
    const bsp_schema *s = bsp_dataset_schema(ds);
    int same = s->nfields == vt->schema.nfields;
    for (size_t i = 0; same && i < s->nfields; i++)
        same = !strcmp(s->fields[i].name, vt->schema.fields[i].name) &&
               s->fields[i].type.id == vt->schema.fields[i].type.id;
    if (!same) {
        bsp_dataset_free(ds);
        sqlite3_free(vt->base.zErrMsg);
        vt->base.zErrMsg = sqlite3_mprintf("%s: the table's schema changed; recreate the virtual table",
                                           vt->path);
        return SQLITE_SCHEMA;
    }
    bsp_dataset_free(vt->ds);
    vt->ds = ds;
    return SQLITE_OK;
}

static const char *sql_type(bsp_type t)
{
    switch (t.id) {
    case BSP_T_FLOAT32: case BSP_T_FLOAT64: return "REAL";
    case BSP_T_UTF8: case BSP_T_LARGE_UTF8: return "TEXT";
    case BSP_T_BINARY: case BSP_T_LARGE_BINARY: case BSP_T_FIXED_BINARY:
    case BSP_T_FSL_UINT8: case BSP_T_FSL_FLOAT32: return "BLOB";
    default: return "INTEGER";
    }
}

/* Strip one level of '...' or "..." quoting from a module argument (sqlite3_malloc'd). */
static char *unquote(const char *s)
{
    size_t n = strlen(s);
    while (n && (*s == ' ')) { s++; n--; }
    while (n && s[n - 1] == ' ') n--;
    if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
        char q = s[0];
        char *out = sqlite3_malloc64(n);
        if (!out) return NULL;
        size_t j = 0;
        for (size_t i = 1; i + 1 < n; i++) {
            out[j++] = s[i];
            if (s[i] == q && s[i + 1] == q) i++;
        }
        out[j] = 0;
        return out;
    }
    return sqlite3_mprintf("%.*s", (int)n, s);
}

void vtab_cache_free(bvtab *vt)
{
    free(vt->cache_recs);
    free(vt->cache_pos);
    free(vt->cache_side);
    vt->cache_recs = vt->cache_pos = vt->cache_side = NULL;
    vt->cache_n = 0;
    vt->cache_version = 0;
}

void vtab_cache_source(bvtab *vt, bool predicate, bsp_search_source *src)
{
    if (predicate && !vt->cache_side && vt->cache_n) {
        vt->cache_side = aligned_alloc(BSP_ALIGN, vt->cache_n * BSP_SIDECAR_COPY_WORDS * 8);
        if (vt->cache_side) bsp_search_sidecar_copy(vt->cache_recs, vt->cache_n, vt->cache_side);
    }
    bsp_search_source_records(src, vt->cache_recs, vt->cache_n, vt->cache_pos, NULL);
    src->sidecar = vt->cache_side;
}

struct cache_fill {
    bvtab *vt;
    size_t n;
};

static int cache_run(void *ctx, uint64_t fragment_id, uint64_t first_offset, uint64_t nrows,
                     const uint8_t *bytes, const uint8_t *live)
{
    struct cache_fill *f = ctx;
    bvtab *vt = f->vt;
    for (uint64_t j = 0; j < nrows; j++) {
        if (live && !((live[j >> 3] >> (j & 7)) & 1)) continue;
        if (f->n >= vt->cache_n) return BSP_ECORRUPT; /* more live rows than the manifest says */
        bsp_fp_from_bytes(vt->cache_recs + f->n * BSP_WORDS, bytes + j * BSP_BYTES);
        vt->cache_pos[f->n++] = BSP_ROW_ADDR(fragment_id, first_offset + j);
    }
    return 0;
}

int vtab_search_source(bvtab *vt, bool predicate, bsp_search_source *src)
{
    if (vt->space) return vspace_search_source(vt, predicate, src);
    const char *column = vt->schema.fields[vt->fp_field].name;
    uint64_t live = bsp_dataset_count_rows(vt->ds), version = bsp_dataset_version(vt->ds);
    if (live == 0 || live > vt->cache_max_rows) {
        bsp_search_source_dataset(src, vt->ds, column);
        return SQLITE_OK;
    }
    if (!vt->cache_recs || vt->cache_version != version) {
        vtab_cache_free(vt);
        vt->cache_recs = aligned_alloc(BSP_ALIGN, (size_t)live * BSP_BYTES);
        vt->cache_pos = malloc((size_t)live * sizeof *vt->cache_pos);
        if (!vt->cache_recs || !vt->cache_pos) { /* no room: search the dataset instead */
            vtab_cache_free(vt);
            bsp_search_source_dataset(src, vt->ds, column);
            return SQLITE_OK;
        }
        vt->cache_n = (size_t)live;
        struct cache_fill f = {vt, 0};
        int rc = BSP_OK;
        for (size_t i = 0; rc == BSP_OK && i < bsp_dataset_fragment_count(vt->ds); i++)
            rc = bsp_dataset_scan_fp(vt->ds, i, column, cache_run, &f);
        if (rc != BSP_OK || f.n != live) {
            vtab_cache_free(vt);
            if (rc == BSP_OK) rc = bsp_err(BSP_ECORRUPT, "%s: %zu live fingerprints, manifest says %llu",
                                           vt->path, f.n, (unsigned long long)live);
            return vtab_error(vt, vt->path);
        }
        vt->cache_version = version;
    }
    vtab_cache_source(vt, predicate, src);
    return SQLITE_OK;
}

static void vtab_free(bvtab *vt)
{
    if (!vt) return;
    vtab_cache_free(vt);
    vwrite_free(vt);
    bsp_space_close(vt->space);
    bsp_dataset_free(vt->ds);
    bsp_schema_free(&vt->schema);
    sqlite3_free(vt->cols);
    sqlite3_free(vt->path);
    sqlite3_free(vt->base.zErrMsg);
    sqlite3_free(vt);
}

static int vtab_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **out, char **err)
{
    (void)aux;
    if (argc < 4) {
        *err = sqlite3_mprintf("bindspace: usage: CREATE VIRTUAL TABLE t USING bindspace('path.lance' [, version=N] [, column=NAME])");
        return SQLITE_ERROR;
    }
    bvtab *vt = sqlite3_malloc64(sizeof *vt);
    if (!vt) return SQLITE_NOMEM;
    memset(vt, 0, sizeof *vt);
    vt->db = db;
    vt->key_col = -1;
    vt->cache_max_rows = 1u << 20; /* 2 GiB of fingerprints */
    vt->path = unquote(argv[3]);
    char *column = NULL;
    int rc = SQLITE_OK;
    for (int i = 4; i < argc && rc == SQLITE_OK; i++) {
        char *a = unquote(argv[i]);
        if (!a) { rc = SQLITE_NOMEM; break; }
        if (!strncmp(a, "version=", 8)) {
            char *end;
            unsigned long long v = strtoull(a + 8, &end, 10);
            if (*end || v == 0) {
                *err = sqlite3_mprintf("bindspace: bad argument '%s' (version=N, N >= 1)", a);
                rc = SQLITE_ERROR;
            }
            vt->pinned_version = v;
        } else if (!strncmp(a, "cache=", 6)) {
            char *end;
            if (!strcmp(a + 6, "off")) {
                vt->cache_max_rows = 0;
            } else {
                vt->cache_max_rows = strtoull(a + 6, &end, 10);
                if (*end || a[6] == '-' || !a[6]) {
                    *err = sqlite3_mprintf("bindspace: bad argument '%s' (cache=off or cache=MAX_ROWS)", a);
                    rc = SQLITE_ERROR;
                }
            }
        } else if (!strncmp(a, "column=", 7)) {
            sqlite3_free(column);
            column = sqlite3_mprintf("%s", a + 7);
        } else {
            *err = sqlite3_mprintf("bindspace: unknown argument '%s' (expected version=N, column=NAME or cache=off|MAX_ROWS)", a);
            rc = SQLITE_ERROR;
        }
        sqlite3_free(a);
    }
    if (rc == SQLITE_OK && vspace_is_database(vt->path)) {
        rc = vspace_open(vt, err);
    } else if (rc == SQLITE_OK) {
        if (bsp_dataset_open(vt->path, vt->pinned_version, &vt->ds) != BSP_OK) {
            *err = sqlite3_mprintf("bindspace: cannot open '%s': %s", vt->path, bsp_errmsg());
            rc = SQLITE_ERROR;
        }
        if (rc == SQLITE_OK && bsp_schema_copy(&vt->schema, bsp_dataset_schema(vt->ds)) != BSP_OK)
            rc = SQLITE_NOMEM;
    }
    /* The fingerprint column: the named one, else "fingerprint", else the first 2 KiB one. */
    vt->fp_field = -1;
    for (size_t i = 0; rc == SQLITE_OK && i < vt->schema.nfields; i++) {
        const bsp_field *f = &vt->schema.fields[i];
        if (!bsp_type_is_fingerprint(f->type)) continue;
        if (column ? !strcmp(f->name, column) : (vt->fp_field < 0 || !strcmp(f->name, "fingerprint")))
            vt->fp_field = (int)i;
    }
    if (rc == SQLITE_OK && vt->fp_field < 0) {
        *err = column ? sqlite3_mprintf("bindspace: '%s' has no 2048-byte fingerprint column '%s'", vt->path, column)
                      : sqlite3_mprintf("bindspace: '%s' has no 2048-byte fingerprint column "
                                        "(fixed_size_list<uint8,2048> or fixed_size_binary(2048))", vt->path);
        rc = SQLITE_ERROR;
    }
    sqlite3_free(column);
    sqlite3_str *decl = sqlite3_str_new(db);
    if (rc == SQLITE_OK) {
        size_t max = vt->schema.nfields + 1 + sizeof derived / sizeof derived[0];
        vt->cols = sqlite3_malloc64(max * sizeof *vt->cols);
        if (!vt->cols) rc = SQLITE_NOMEM;
    }
    if (rc == SQLITE_OK) {
        sqlite3_str_appendf(decl, "CREATE TABLE x(");
        int have_addr = bsp_schema_find(&vt->schema, "addr") >= 0;
        for (size_t i = 0; i < vt->schema.nfields; i++) {
            const bsp_field *f = &vt->schema.fields[i];
            vt->cols[vt->ncols] = (vcol){VCOL_FIELD, (int)i, f->name};
            if (!strcmp(f->name, "addr") || (!have_addr && !strcmp(f->name, "id") && vt->key_col < 0))
                vt->key_col = vt->ncols;
            sqlite3_str_appendf(decl, "%s\"%w\" %s", vt->ncols ? ", " : "", f->name, sql_type(f->type));
            vt->ncols++;
        }
        if (!have_addr) {
            vt->cols[vt->ncols] = (vcol){VCOL_ROWADDR, -1, "addr"};
            sqlite3_str_appendf(decl, ", addr INTEGER");
            if (vt->key_col < 0) vt->key_col = vt->ncols;
            vt->ncols++;
        }
        for (size_t i = 0; i < sizeof derived / sizeof derived[0]; i++) {
            if (bsp_schema_find(&vt->schema, derived[i].name) >= 0) continue; /* the table's own wins */
            vt->cols[vt->ncols] = (vcol){derived[i].kind, -1, derived[i].name};
            sqlite3_str_appendf(decl, ", %s %s", derived[i].name, derived[i].decl);
            vt->ncols++;
        }
        sqlite3_str_appendf(decl, ")");
    }
    char *sql = sqlite3_str_finish(decl);
    if (rc == SQLITE_OK && !sql) rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK) {
        rc = sqlite3_declare_vtab(db, sql);
        if (rc != SQLITE_OK) *err = sqlite3_mprintf("bindspace: declare_vtab failed: %s", sqlite3_errmsg(db));
    }
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        vtab_free(vt);
        return rc;
    }
    *out = &vt->base;
    return SQLITE_OK;
}

static int vtab_disconnect(sqlite3_vtab *base)
{
    vtab_free((bvtab *)base);
    return SQLITE_OK;
}

static int col_of_kind(const bvtab *vt, vcol_kind kind)
{
    for (int i = 0; i < vt->ncols; i++)
        if (vt->cols[i].kind == kind) return i;
    return -1;
}

static bool is_derived_filter_col(const bvtab *vt, int col)
{
    if (col < 0 || col >= vt->ncols) return false;
    vcol_kind k = vt->cols[col].kind;
    return k == VCOL_POPCOUNT || k == VCOL_NARS_F || k == VCOL_NARS_C || k == VCOL_ANI_DOMINANT ||
           k == VCOL_SCHEMA_VERSION;
}

static const char *op_text(int op)
{
    switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ: return "=";
    case SQLITE_INDEX_CONSTRAINT_GT: return ">";
    case SQLITE_INDEX_CONSTRAINT_LE: return "<=";
    case SQLITE_INDEX_CONSTRAINT_LT: return "<";
    case SQLITE_INDEX_CONSTRAINT_GE: return ">=";
    case SQLITE_INDEX_CONSTRAINT_NE: return "!=";
    default: return NULL;
    }
}

/* xBestIndex: see the file comment and vtab_plan.h. */
static int vtab_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
    bvtab *vt = (bvtab *)base;
    int fp_col = -1;
    for (int i = 0; i < vt->ncols; i++)
        if (vt->cols[i].kind == VCOL_FIELD && vt->cols[i].field == vt->fp_field) fp_col = i;
    int dist_col = col_of_kind(vt, VCOL_DISTANCE), k_col = col_of_kind(vt, VCOL_K);
    int c_query = -1, c_k = -1, c_limit = -1, c_offset = -1, c_key = -1, c_rowid = -1;
    int c_pred[VPLAN_MAX_ARGS], npred = 0, c_filt[VPLAN_MAX_ARGS], nfilt = 0;

    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->op == SQLITE_INDEX_CONSTRAINT_LIMIT) { c_limit = i; continue; }
        if (c->op == SQLITE_INDEX_CONSTRAINT_OFFSET) { c_offset = i; continue; }
        if (!c->usable) continue;
        if (c->op == SQLITE_INDEX_CONSTRAINT_MATCH && c->iColumn == fp_col && c_query < 0) c_query = i;
        else if (c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn == k_col && c_k < 0) c_k = i;
        else if (c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn == -1 && c_rowid < 0) c_rowid = i;
        else if (c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn == vt->key_col && c_key < 0) c_key = i;
        else if (c->op >= SQLITE_INDEX_CONSTRAINT_FUNCTION && npred < 4) c_pred[npred++] = i;
        else if (op_text(c->op) && is_derived_filter_col(vt, c->iColumn) && nfilt < 16) c_filt[nfilt++] = i;
    }

    vplan plan = {0};
    sqlite3_str *h = sqlite3_str_new(NULL);   /* human-readable plan */
    sqlite3_str *r = sqlite3_str_new(NULL);   /* argument roles */
    int argv_i = 0;
    double rows = (double)vtab_count(vt) + 1;
    double cost = rows;
#define USE(ci, omit_)                                              \
    do {                                                            \
        info->aConstraintUsage[ci].argvIndex = ++argv_i;            \
        info->aConstraintUsage[ci].omit = (omit_);                  \
    } while (0)

    if (c_query >= 0) {
        plan.topk = true;
        USE(c_query, 1);
        sqlite3_str_appendf(r, "q");
        bool ordered = info->nOrderBy == 0 ||
                       (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == dist_col && !info->aOrderBy[0].desc);
        if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == dist_col && !info->aOrderBy[0].desc)
            info->orderByConsumed = 1;
        sqlite3_value *kv = NULL;
        if (c_k >= 0) {
            USE(c_k, 1);
            sqlite3_str_appendf(r, ",k");
            if (sqlite3_vtab_rhs_value(info, c_k, &kv) == SQLITE_OK && kv)
                sqlite3_str_appendf(h, "topk(k=%lld)", sqlite3_value_int64(kv));
            else
                sqlite3_str_appendf(h, "topk(k=?)");
            cost = rows * 0.05;
        } else if (c_limit >= 0 && ordered) {
            /* A hint for the first search only: the cursor grows k when SQLite wants more
             * rows, so results never depend on it (SQLite 3.40 offers no LIMIT with MATCH). */
            USE(c_limit, 0);
            sqlite3_str_appendf(r, ",L");
            if (c_offset >= 0) {
                USE(c_offset, 0);
                sqlite3_str_appendf(r, ",O");
            }
            if (sqlite3_vtab_rhs_value(info, c_limit, &kv) == SQLITE_OK && kv)
                sqlite3_str_appendf(h, "topk(k=%lld)", sqlite3_value_int64(kv));
            else
                sqlite3_str_appendf(h, "topk(k=?)");
            cost = rows * 0.05;
        } else {
            sqlite3_str_appendf(h, ordered ? "topk(incremental)" : "order(distance)");
            cost = rows * (ordered ? 0.05 : 1.5);
        }
    } else if (c_rowid >= 0) {
        USE(c_rowid, 1);
        sqlite3_str_appendf(r, "R");
        sqlite3_str_appendf(h, "rowid");
        cost = 1;
        rows = 1;
    } else if (c_key >= 0) {
        USE(c_key, 0);
        sqlite3_str_appendf(r, "K");
        sqlite3_str_appendf(h, "lookup(%s)", vt->cols[vt->key_col].name);
        cost = rows * 0.02 + 1;
        rows = 1;
    } else {
        sqlite3_str_appendf(h, "scan");
    }
    if (npred) {
        sqlite3_str_appendf(h, " predicate(");
        for (int j = 0; j < npred; j++) {
            USE(c_pred[j], 1);
            sqlite3_str_appendf(r, "%sP", sqlite3_str_length(r) ? "," : "");
            sqlite3_value *pv = NULL;
            bsp_predicate *p = NULL;
            const char *desc = "?";
            if (sqlite3_vtab_rhs_value(info, c_pred[j], &pv) == SQLITE_OK && pv &&
                sqlite3_value_type(pv) == SQLITE_TEXT &&
                bsp_predicate_compile((const char *)sqlite3_value_text(pv), (size_t)sqlite3_value_bytes(pv), &p) == BSP_OK)
                desc = bsp_predicate_describe(p);
            sqlite3_str_appendf(h, "%s%s", j ? "," : "", desc && *desc ? desc : "all");
            bsp_predicate_free(p);
        }
        sqlite3_str_appendf(h, ")");
        cost *= 0.5;
    }
    if (nfilt) {
        sqlite3_str_appendf(h, " filter(");
        for (int j = 0; j < nfilt; j++) {
            const struct sqlite3_index_constraint *c = &info->aConstraint[c_filt[j]];
            USE(c_filt[j], 1);
            sqlite3_str_appendf(r, "%sF%d%s", sqlite3_str_length(r) ? "," : "", c->iColumn, op_text(c->op));
            sqlite3_str_appendf(h, "%s%s%s", j ? "," : "", vt->cols[c->iColumn].name, op_text(c->op));
        }
        sqlite3_str_appendf(h, ")");
        cost *= 0.8;
    }
#undef USE
    char *roles = sqlite3_str_finish(r);
    sqlite3_str_appendf(h, " {%s}", roles ? roles : "");
    sqlite3_free(roles);
    info->idxStr = sqlite3_str_finish(h);
    info->needToFreeIdxStr = 1;
    info->idxNum = plan.topk ? 1 : 0;
    info->estimatedCost = cost;
    info->estimatedRows = (sqlite3_int64)rows;
    return info->idxStr ? SQLITE_OK : SQLITE_NOMEM;
}

int vplan_parse(const char *idxstr, vplan *plan)
{
    memset(plan, 0, sizeof *plan);
    if (!idxstr) return -1;
    plan->topk = !strncmp(idxstr, "topk", 4) || !strncmp(idxstr, "order(", 6);
    const char *p = strrchr(idxstr, '{');
    if (!p) return -1;
    p++;
    while (*p && *p != '}') {
        if (plan->nargs == VPLAN_MAX_ARGS) return -1;
        vplan_arg *a = &plan->args[plan->nargs++];
        switch (*p) {
        case 'q': a->role = VARG_QUERY; p++; break;
        case 'k': a->role = VARG_K; p++; break;
        case 'L': a->role = VARG_LIMIT; p++; break;
        case 'O': a->role = VARG_OFFSET; p++; break;
        case 'K': a->role = VARG_KEY; p++; break;
        case 'R': a->role = VARG_ROWID; p++; break;
        case 'P': a->role = VARG_PREDICATE; p++; break;
        case 'F': {
            a->role = VARG_FILTER;
            char *end;
            a->col = (int)strtol(p + 1, &end, 10);
            p = end;
            static const struct { const char *t; int op; } ops[] = {
                {"<=", SQLITE_INDEX_CONSTRAINT_LE}, {">=", SQLITE_INDEX_CONSTRAINT_GE},
                {"!=", SQLITE_INDEX_CONSTRAINT_NE}, {"=", SQLITE_INDEX_CONSTRAINT_EQ},
                {"<", SQLITE_INDEX_CONSTRAINT_LT}, {">", SQLITE_INDEX_CONSTRAINT_GT}};
            a->op = 0;
            for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
                if (!strncmp(p, ops[i].t, strlen(ops[i].t))) {
                    a->op = ops[i].op;
                    p += strlen(ops[i].t);
                    break;
                }
            if (!a->op) return -1;
            break;
        }
        default: return -1;
        }
        if (*p == ',') p++;
    }
    return 0;
}

/* schema_passes(fingerprint, json) in WHERE becomes a constraint for xBestIndex; MATCH on
 * the fingerprint column is always consumed, but when a join makes it unusable SQLite calls
 * match() per row: every row matches (MATCH only supplies the query). */
static void match_any(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_int(ctx, 1);
}


static int vtab_find_function(sqlite3_vtab *base, int nargs, const char *name,
                              void (**fn)(sqlite3_context *, int, sqlite3_value **), void **arg)
{
    (void)base;
    if (nargs == 2 && !sqlite3_stricmp(name, "schema_passes")) {
        *fn = sqlfn_schema_passes;
        *arg = (void *)"schema_passes";
        return SQLITE_INDEX_CONSTRAINT_FUNCTION;
    }
    if (nargs == 2 && !sqlite3_stricmp(name, "match")) {
        *fn = match_any;
        *arg = NULL;
        return 1;
    }
    return 0;
}

static sqlite3_module bindspace_module = {
    .iVersion = 3,
    .xCreate = vtab_connect,
    .xConnect = vtab_connect,
    .xBestIndex = vtab_best_index,
    .xDisconnect = vtab_disconnect,
    .xDestroy = vtab_disconnect,
    .xOpen = vcursor_open,
    .xClose = vcursor_close,
    .xFilter = vcursor_filter,
    .xNext = vcursor_next,
    .xEof = vcursor_eof,
    .xColumn = vcursor_column,
    .xRowid = vcursor_rowid,
    .xUpdate = vwrite_update,
    .xBegin = vwrite_begin,
    .xSync = vwrite_sync,
    .xCommit = vwrite_commit,
    .xRollback = vwrite_rollback,
    .xFindFunction = vtab_find_function,
};

int sqlvtab_register(sqlite3 *db)
{
    return sqlite3_create_module_v2(db, "bindspace", &bindspace_module, NULL, NULL);
}
