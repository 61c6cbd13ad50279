/* Executing a plan of the `bindspace` virtual table (see vtab_plan.h).
 *
 * Rows reach the cursor in batches: from a scanner (plain scans, predicate scans, key
 * lookups) or from one take() of the row addresses a top-k search returned, in distance
 * order. Consumed constraints are evaluated here per row, with SQLite's own comparison
 * rules, so that a pushed-down query returns exactly what SQLite would have returned. */
#include <stdlib.h>
#include <string.h>

#include "bindspace/sidecar.h"
#include "sql/vtab_internal.h"

#define MAX_PRED 4
#define MAX_FILT 16

typedef struct vfilter {
    int col;
    int op;
    sqlite3_value *rhs;   /* dup'd, numeric affinity applied */
} vfilter;

typedef struct vcursor {
    sqlite3_vtab_cursor base;
    bvtab *vt;
    vplan plan;
    bsp_predicate *pred[MAX_PRED];
    int npred;
    vfilter filt[MAX_FILT];
    int nfilt;
    bool has_query;
    uint64_t query[BSP_WORDS];
    sqlite3_int64 k;         /* -1: no k */
    bsp_scanner *scanner;    /* NULL when rows come from a take */
    bsp_batch batch;
    uint64_t row;            /* index in batch */
    /* top-k mode: the first k_cur hits of the exact order (distance, position); rows are
     * taken from hits[] in chunks and more hits are searched for when SQLite wants more. */
    bool topk;
    bsp_search_hit *hits;
    size_t nhits, k_cur, hit_next, chunk;
    bool hits_complete;      /* nhits < k_cur: every qualifying row is in hits[] */
    uint32_t *dist;          /* distance of each batch row (top-k mode) */
    sqlite3_int64 want;      /* k = N: rows to emit at most (-1: until SQLite stops) */
    sqlite3_int64 emitted;
    sqlite3_value *key;      /* key equality (scanner mode), dup'd */
    bool eof;
    uint64_t rec[BSP_WORDS]; /* fingerprint of the current row */
    bool rec_valid, rec_null;
} vcursor;

int vcursor_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
    vcursor *c = sqlite3_malloc64(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    c->vt = (bvtab *)base;
    *out = &c->base;
    return SQLITE_OK;
}

static void cursor_reset(vcursor *c)
{
    for (int i = 0; i < c->npred; i++) bsp_predicate_free(c->pred[i]);
    c->npred = 0;
    for (int i = 0; i < c->nfilt; i++) sqlite3_value_free(c->filt[i].rhs);
    c->nfilt = 0;
    bsp_scanner_free(c->scanner);
    c->scanner = NULL;
    bsp_batch_free(&c->batch);
    memset(&c->batch, 0, sizeof c->batch);
    free(c->dist);
    c->dist = NULL;
    free(c->hits);
    c->hits = NULL;
    c->nhits = c->k_cur = c->hit_next = 0;
    c->topk = false;
    c->emitted = 0;
    c->want = -1;
    sqlite3_value_free(c->key);
    c->key = NULL;
    c->has_query = false;
    c->k = -1;
    c->row = 0;
    c->eof = true;
    c->rec_valid = false;
}

int vcursor_close(sqlite3_vtab_cursor *cur)
{
    cursor_reset((vcursor *)cur);
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int cursor_error(vcursor *c, const char *what)
{
    return vtab_error(c->vt, what);
}

/* The fingerprint of the current row (c->rec); false when it is NULL. */
static bool load_rec(vcursor *c)
{
    if (!c->rec_valid) {
        const bsp_column *col = &c->batch.cols[c->vt->fp_field];
        c->rec_null = !bsp_column_is_valid(col, c->row);
        if (!c->rec_null) bsp_fp_from_bytes(c->rec, col->data + c->row * BSP_BYTES);
        c->rec_valid = true;
    }
    return !c->rec_null;
}

/* A derived column's value as SQLite sees it: type SQLITE_NULL / INTEGER / FLOAT. */
typedef struct dval { int type; sqlite3_int64 i; double d; } dval;

static dval derived_value(vcursor *c, vcol_kind kind)
{
    dval v = {SQLITE_NULL, 0, 0};
    if (!load_rec(c)) return v;
    uint8_t version = bsp_schema_version(c->rec);
    if (kind == VCOL_POPCOUNT) return (dval){SQLITE_INTEGER, bsp_fp_popcount(c->rec), 0};
    if (kind == VCOL_SCHEMA_VERSION) return (dval){SQLITE_INTEGER, version, 0};
    if (version != 1) return v;
    bsp_sidecar s;
    bsp_sidecar_unpack(c->rec, &s);
    switch (kind) {
    case VCOL_NARS_F: return (dval){SQLITE_FLOAT, 0, (double)bsp_dq_u16(s.nars_f)};
    case VCOL_NARS_C: return (dval){SQLITE_FLOAT, 0, (double)bsp_dq_u16(s.nars_c)};
    case VCOL_ANI_DOMINANT: return (dval){SQLITE_INTEGER, bsp_sidecar_ani_dominant(&s), 0};
    default: return v;
    }
}

/* SQLite's comparison of a numeric (or NULL) lhs with rhs: NULL never passes; numbers sort
 * before TEXT, which sorts before BLOB. */
static bool compare_pass(dval l, int op, sqlite3_value *rhs)
{
    int rt = sqlite3_value_type(rhs);
    if (l.type == SQLITE_NULL || rt == SQLITE_NULL) return false;
    int cmp;
    if (rt == SQLITE_TEXT || rt == SQLITE_BLOB) {
        cmp = -1;
    } else if (l.type == SQLITE_INTEGER && rt == SQLITE_INTEGER) {
        sqlite3_int64 r = sqlite3_value_int64(rhs);
        cmp = l.i < r ? -1 : l.i > r;
    } else {
        double a = l.type == SQLITE_INTEGER ? (double)l.i : l.d, b = sqlite3_value_double(rhs);
        cmp = a < b ? -1 : a > b;
    }
    switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ: return cmp == 0;
    case SQLITE_INDEX_CONSTRAINT_NE: return cmp != 0;
    case SQLITE_INDEX_CONSTRAINT_LT: return cmp < 0;
    case SQLITE_INDEX_CONSTRAINT_LE: return cmp <= 0;
    case SQLITE_INDEX_CONSTRAINT_GT: return cmp > 0;
    case SQLITE_INDEX_CONSTRAINT_GE: return cmp >= 0;
    default: return false;
    }
}

/* Integer value of a cell of an integer-typed column (for key lookups). */
static bool cell_int(const bsp_column *col, uint64_t row, sqlite3_int64 *out)
{
    if (!bsp_column_is_valid(col, row)) return false;
    const uint8_t *p = col->data;
    switch (col->type.id) {
    case BSP_T_INT8: *out = ((const int8_t *)p)[row]; return true;
    case BSP_T_INT16: *out = ((const int16_t *)p)[row]; return true;
    case BSP_T_INT32: *out = ((const int32_t *)p)[row]; return true;
    case BSP_T_INT64: *out = ((const int64_t *)p)[row]; return true;
    case BSP_T_UINT8: *out = p[row]; return true;
    case BSP_T_UINT16: *out = ((const uint16_t *)p)[row]; return true;
    case BSP_T_UINT32: *out = ((const uint32_t *)p)[row]; return true;
    case BSP_T_UINT64: *out = (sqlite3_int64)((const uint64_t *)p)[row]; return true;
    case BSP_T_BOOL: *out = (p[row >> 3] >> (row & 7)) & 1; return true;
    default: return false;
    }
}

static uint64_t row_addr(const vcursor *c)
{
    const bsp_column *a = &c->batch.cols[c->batch.ncols - 1];
    return ((const uint64_t *)a->data)[c->row];
}

/* Does the current row pass every constraint the cursor consumed? */
static bool row_passes(vcursor *c)
{
    c->rec_valid = false;
    if (c->key) {
        const vcol *kc = &c->vt->cols[c->vt->key_col];
        sqlite3_int64 v;
        if (kc->kind == VCOL_ROWADDR) v = (sqlite3_int64)row_addr(c);
        else if (!cell_int(&c->batch.cols[kc->field], c->row, &v)) return false;
        if (!compare_pass((dval){SQLITE_INTEGER, v, 0}, SQLITE_INDEX_CONSTRAINT_EQ, c->key)) return false;
    }
    /* in top-k mode the search already applied the first predicate */
    for (int i = c->topk ? 1 : 0; i < c->npred; i++) {
        if (!load_rec(c)) return false;
        if (!bsp_predicate_eval(c->pred[i], c->rec)) return false;
    }
    for (int i = 0; i < c->nfilt; i++)
            if (!compare_pass(derived_value(c, c->vt->cols[c->filt[i].col].kind), c->filt[i].op, c->filt[i].rhs))
                return false;
    return true;
}

static int topk_refill(vcursor *c);

/* Move to the next row that passes (starting at c->row), pulling batches as needed. */
static int advance(vcursor *c)
{
    for (;;) {
        while (c->row < c->batch.nrows) {
            if (row_passes(c)) return SQLITE_OK;
            c->row++;
        }
        if (c->topk) {
            int rc = topk_refill(c);
            if (rc != SQLITE_OK) return rc;
            if (c->eof) return SQLITE_OK;
            continue;
        }
        if (!c->scanner) {
            c->eof = true;
            return SQLITE_OK;
        }
        bsp_batch_free(&c->batch);
        memset(&c->batch, 0, sizeof c->batch);
        c->row = 0;
        int rc = bsp_scanner_next(c->scanner, &c->batch);
        if (rc < 0) return cursor_error(c, c->vt->path);
        if (rc == 0) {
            c->eof = true;
            return SQLITE_OK;
        }
    }
}

static int start_scan(vcursor *c)
{
    if (c->vt->space) return vspace_scan(c->vt, &c->batch);
    bsp_scan_options so = {0};
    so.with_row_addr = true;
    if (bsp_scanner_open(c->vt->ds, &so, &c->scanner) != BSP_OK) return cursor_error(c, c->vt->path);
    return SQLITE_OK;
}

static int start_take(vcursor *c, const uint64_t *addrs, size_t n)
{
    bsp_scan_options so = {0};
    so.with_row_addr = true;
    if (n == 0) return SQLITE_OK;
    if (c->vt->space) return vspace_take(c->vt, addrs, n, &c->batch);
    if (bsp_dataset_take(c->vt->ds, addrs, n, &so, &c->batch) != BSP_OK) {
        if (n == 1) { /* a rowid that does not exist is simply no row */
            bsp_errclear();
            memset(&c->batch, 0, sizeof c->batch);
            return SQLITE_OK;
        }
        return cursor_error(c, c->vt->path);
    }
    return SQLITE_OK;
}

/* Run the exact search for the first c->k_cur hits. */
static int topk_search(vcursor *c)
{
    bsp_search_source src;
    int rc = vtab_search_source(c->vt, c->npred > 0, &src);
    if (rc != SQLITE_OK) return rc;
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = c->k_cur;
    o.mask = BSP_MASK_ALL;
    o.predicate = c->npred ? c->pred[0] : NULL;
    bsp_search_hit *h = realloc(c->hits, c->k_cur * sizeof *h);
    if (!h) return SQLITE_NOMEM;
    c->hits = h;
    if (bsp_search(&src, c->query, &o, c->hits, &c->nhits, NULL) != BSP_OK)
        return cursor_error(c, "top-k search");
    c->hits_complete = c->nhits < c->k_cur;
    return SQLITE_OK;
}

/* Load the next chunk of rows in distance order into c->batch; sets eof at the end. The
 * order (distance, position) is total, so the first k hits are a prefix of the first
 * k' > k hits: growing k and continuing at hit_next is exact. */
static int topk_refill(vcursor *c)
{
    bsp_batch_free(&c->batch);
    memset(&c->batch, 0, sizeof c->batch);
    c->row = 0;
    if (c->hit_next == c->nhits) {
        uint64_t live = vtab_count(c->vt);
        if (c->hits_complete || c->k_cur >= live) {
            c->eof = true;
            return SQLITE_OK;
        }
        c->k_cur = c->k_cur * 16 > live ? (size_t)live : c->k_cur * 16;
        int rc = topk_search(c);
        if (rc != SQLITE_OK) return rc;
        if (c->hit_next >= c->nhits) {
            c->eof = true;
            return SQLITE_OK;
        }
    }
    size_t n = c->nhits - c->hit_next;
    if (n > c->chunk) n = c->chunk;
    if (c->chunk < 4096) c->chunk *= 4;
    uint64_t *addrs = malloc(n * sizeof *addrs);
    uint32_t *dist = realloc(c->dist, n * sizeof *dist);
    if (!addrs || !dist) {
        free(addrs);
        if (dist) c->dist = dist;
        return SQLITE_NOMEM;
    }
    c->dist = dist;
    for (size_t i = 0; i < n; i++) {
        addrs[i] = c->hits[c->hit_next + i].position;
        dist[i] = c->hits[c->hit_next + i].distance;
    }
    c->hit_next += n;
    int rc = start_take(c, addrs, n);
    free(addrs);
    return rc;
}

static int start_topk(vcursor *c, sqlite3_int64 hint)
{
    uint64_t live = vtab_count(c->vt);
    c->topk = true;
    c->chunk = 64;
    size_t k = hint > 0 ? (size_t)hint : 64;
    if (k < 16) k = 16;
    if (c->npred > 1 || c->nfilt) k *= 4; /* rows will be filtered after the search */
    c->k_cur = k > live ? (size_t)live : k;
    if (c->k_cur == 0 || c->want == 0) {
        c->eof = true;
        return SQLITE_OK;
    }
    int rc = topk_search(c);
    if (rc == SQLITE_OK) rc = topk_refill(c);
    return rc;
}

int vcursor_filter(sqlite3_vtab_cursor *cur, int idxnum, const char *idxstr, int argc,
                   sqlite3_value **argv)
{
    (void)idxnum;
    vcursor *c = (vcursor *)cur;
    cursor_reset(c);
    c->eof = false;
    int rc = vtab_refresh(c->vt);
    if (rc != SQLITE_OK) return rc;
    if (vplan_parse(idxstr, &c->plan) != 0 || (int)c->plan.nargs != argc) {
        sqlite3_free(c->vt->base.zErrMsg);
        c->vt->base.zErrMsg = sqlite3_mprintf("bindspace: internal plan error (%s)", idxstr ? idxstr : "");
        return SQLITE_ERROR;
    }
    sqlite3_int64 limit = -1, offset = 0;
    bool have_rowid = false, null_arg = false;
    uint64_t rowid = 0;
    for (int i = 0; i < argc && rc == SQLITE_OK; i++) {
        sqlite3_value *v = argv[i];
        int t = sqlite3_value_type(v);
        switch (c->plan.args[i].role) {
        case VARG_QUERY: {
            if (t == SQLITE_NULL) { null_arg = true; break; }
            if (t != SQLITE_BLOB || sqlite3_value_bytes(v) != BSP_BYTES) {
                sqlite3_free(c->vt->base.zErrMsg);
                c->vt->base.zErrMsg = sqlite3_mprintf(
                    "bindspace: MATCH needs a 2048-byte BLOB fingerprint, got %s of %d bytes",
                    t == SQLITE_BLOB ? "a BLOB" : t == SQLITE_TEXT ? "TEXT" : "a number", sqlite3_value_bytes(v));
                return SQLITE_ERROR;
            }
            bsp_fp_from_bytes(c->query, sqlite3_value_blob(v));
            c->has_query = true;
            break;
        }
        case VARG_K:
            if (t == SQLITE_NULL) { null_arg = true; break; }
            if (t != SQLITE_INTEGER || sqlite3_value_int64(v) < 0) {
                sqlite3_free(c->vt->base.zErrMsg);
                c->vt->base.zErrMsg = sqlite3_mprintf("bindspace: k must be a non-negative INTEGER");
                return SQLITE_ERROR;
            }
            c->k = sqlite3_value_int64(v);
            break;
        case VARG_LIMIT: limit = sqlite3_value_int64(v); break;
        case VARG_OFFSET: offset = sqlite3_value_int64(v); break;
        case VARG_ROWID:
            if (t != SQLITE_INTEGER) { null_arg = true; break; }
            rowid = (uint64_t)sqlite3_value_int64(v);
            have_rowid = true;
            break;
        case VARG_KEY:
            if (t == SQLITE_NULL) { null_arg = true; break; }
            c->key = sqlite3_value_dup(v);
            if (!c->key) return SQLITE_NOMEM;
            sqlite3_value_numeric_type(c->key);
            break;
        case VARG_PREDICATE: {
            if (t == SQLITE_NULL) { null_arg = true; break; }
            if (t != SQLITE_TEXT) {
                sqlite3_free(c->vt->base.zErrMsg);
                c->vt->base.zErrMsg = sqlite3_mprintf("schema_passes: argument 2 must be predicate JSON TEXT");
                return SQLITE_ERROR;
            }
            if (bsp_predicate_compile((const char *)sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v),
                                      &c->pred[c->npred]) != BSP_OK)
                return cursor_error(c, "schema_passes: invalid predicate");
            c->npred++;
            break;
        }
        case VARG_FILTER: {
            vfilter *f = &c->filt[c->nfilt];
            f->col = c->plan.args[i].col;
            f->op = c->plan.args[i].op;
            f->rhs = sqlite3_value_dup(v);
            if (!f->rhs) return SQLITE_NOMEM;
            sqlite3_value_numeric_type(f->rhs);
            c->nfilt++;
            break;
        }
        }
    }
    if (null_arg) { /* a comparison with NULL selects nothing */
        c->eof = true;
        return SQLITE_OK;
    }
    if (c->plan.topk && c->has_query) {
        c->want = c->k;
        sqlite3_int64 hint = c->k;
        if (hint < 0 && limit >= 0) hint = limit + (offset > 0 ? offset : 0);
        rc = start_topk(c, hint);
        if (rc != SQLITE_OK) return rc;
        return c->eof ? SQLITE_OK : advance(c);
    } else if (have_rowid) {
        rc = start_take(c, &rowid, 1);
    } else if (c->key && c->vt->cols[c->vt->key_col].kind == VCOL_ROWADDR &&
               sqlite3_value_type(c->key) == SQLITE_INTEGER) {
        uint64_t a = (uint64_t)sqlite3_value_int64(c->key);
        rc = start_take(c, &a, 1);
    } else {
        rc = start_scan(c);
    }
    if (rc != SQLITE_OK) return rc;
    c->row = 0;
    return advance(c);
}

int vcursor_next(sqlite3_vtab_cursor *cur)
{
    vcursor *c = (vcursor *)cur;
    c->row++;
    c->rec_valid = false;
    if (c->topk && c->want >= 0 && ++c->emitted >= c->want) {
        c->eof = true;
        return SQLITE_OK;
    }
    return advance(c);
}

int vcursor_eof(sqlite3_vtab_cursor *cur)
{
    vcursor *c = (vcursor *)cur;
    return c->eof || c->row >= c->batch.nrows;
}

static void result_cell(sqlite3_context *ctx, const bsp_column *col, uint64_t row)
{
    if (!bsp_column_is_valid(col, row)) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_int64 iv;
    switch (col->type.id) {
    case BSP_T_FLOAT32: sqlite3_result_double(ctx, ((const float *)col->data)[row]); return;
    case BSP_T_FLOAT64: sqlite3_result_double(ctx, ((const double *)col->data)[row]); return;
    case BSP_T_UTF8: case BSP_T_LARGE_UTF8:
        sqlite3_result_text64(ctx, (const char *)col->data + col->offsets[row],
                              col->offsets[row + 1] - col->offsets[row], SQLITE_TRANSIENT, SQLITE_UTF8);
        return;
    case BSP_T_BINARY: case BSP_T_LARGE_BINARY:
        sqlite3_result_blob64(ctx, col->data + col->offsets[row], col->offsets[row + 1] - col->offsets[row],
                              SQLITE_TRANSIENT);
        return;
    case BSP_T_FIXED_BINARY: case BSP_T_FSL_UINT8: case BSP_T_FSL_FLOAT32: {
        size_t w = bsp_type_width(col->type);
        sqlite3_result_blob64(ctx, col->data + row * w, w, SQLITE_TRANSIENT);
        return;
    }
    default:
        if (cell_int(col, row, &iv)) sqlite3_result_int64(ctx, iv);
        else sqlite3_result_null(ctx);
    }
}

int vcursor_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
    vcursor *c = (vcursor *)cur;
    const vcol *vc = &c->vt->cols[i];
    switch (vc->kind) {
    case VCOL_FIELD: result_cell(ctx, &c->batch.cols[vc->field], c->row); break;
    case VCOL_ROWADDR: sqlite3_result_int64(ctx, (sqlite3_int64)row_addr(c)); break;
    case VCOL_DISTANCE:
        if (!c->has_query || !load_rec(c)) sqlite3_result_null(ctx);
        else sqlite3_result_int64(ctx, c->topk ? c->dist[c->row] : bsp_fp_hamming(c->query, c->rec));
        break;
    case VCOL_K:
        if (c->k >= 0) sqlite3_result_int64(ctx, c->k);
        else sqlite3_result_null(ctx);
        break;
    default: {
        dval v = derived_value(c, vc->kind);
        if (v.type == SQLITE_INTEGER) sqlite3_result_int64(ctx, v.i);
        else if (v.type == SQLITE_FLOAT) sqlite3_result_double(ctx, v.d);
        else sqlite3_result_null(ctx);
    }
    }
    return SQLITE_OK;
}

int vcursor_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)row_addr((vcursor *)cur);
    return SQLITE_OK;
}
