/* INSERT / UPDATE / DELETE on a `bindspace` virtual table.
 *
 * Changes are buffered for the whole SQL transaction and become ONE Lance commit in xSync
 * (phase one of SQLite's commit, so a failed Lance commit fails the SQL COMMIT): deletes only
 * → a Delete commit; inserts only → an Append; both (UPDATE is delete + insert) → one Update
 * commit (deletion vectors + one new fragment). ROLLBACK drops the buffer and the table is
 * untouched. Reads inside the transaction see the table as of its start. */
#include <stdlib.h>
#include <string.h>

#include "sql/vtab_internal.h"

struct pending_rows {
    uint64_t *deleted;
    size_t ndeleted, cap_deleted;
    sqlite3_value **values;    /* ninserted rows x nfields, dup'd */
    size_t ninserted, cap_inserted;
    int64_t *addrs;            /* database mode: address of each insert (-1 = next free) */
};

static pending_rows *pending_get(bvtab *vt)
{
    if (!vt->pending) {
        vt->pending = calloc(1, sizeof *vt->pending);
    }
    return vt->pending;
}

void vwrite_free(bvtab *vt)
{
    pending_rows *p = vt->pending;
    if (!p) return;
    for (size_t i = 0; i < p->ninserted * vt->schema.nfields; i++) sqlite3_value_free(p->values[i]);
    free(p->values);
    free(p->addrs);
    free(p->deleted);
    free(p);
    vt->pending = NULL;
}

static int write_error(bvtab *vt, const char *fmt, const char *a)
{
    sqlite3_free(vt->base.zErrMsg);
    vt->base.zErrMsg = sqlite3_mprintf(fmt, a);
    return SQLITE_ERROR;
}

static int add_delete(bvtab *vt, uint64_t addr)
{
    pending_rows *p = pending_get(vt);
    if (!p) return SQLITE_NOMEM;
    if (p->ndeleted == p->cap_deleted) {
        size_t cap = p->cap_deleted ? 2 * p->cap_deleted : 64;
        uint64_t *n = realloc(p->deleted, cap * sizeof *n);
        if (!n) return SQLITE_NOMEM;
        p->deleted = n;
        p->cap_deleted = cap;
    }
    p->deleted[p->ndeleted++] = addr;
    return SQLITE_OK;
}

/* Check one value against its field's type (so errors surface at the statement, not at
 * COMMIT) and keep a copy. */
static int add_insert(bvtab *vt, sqlite3_value **vals)
{
    pending_rows *p = pending_get(vt);
    if (!p) return SQLITE_NOMEM;
    size_t nf = vt->schema.nfields;
    for (size_t i = 0; i < nf; i++) {
        const bsp_field *f = &vt->schema.fields[i];
        int t = sqlite3_value_type(vals[i]);
        if (t == SQLITE_NULL) {
            if (!f->nullable) return write_error(vt, "bindspace: column %s is NOT NULL", f->name);
            continue;
        }
        size_t w = bsp_type_width(f->type);
        switch (f->type.id) {
        case BSP_T_FIXED_BINARY: case BSP_T_FSL_UINT8: case BSP_T_FSL_FLOAT32:
            if (t != SQLITE_BLOB || (size_t)sqlite3_value_bytes(vals[i]) != w) {
                sqlite3_free(vt->base.zErrMsg);
                vt->base.zErrMsg = sqlite3_mprintf("bindspace: column %s needs a %llu-byte BLOB, got %d bytes",
                                                   f->name, (unsigned long long)w, sqlite3_value_bytes(vals[i]));
                return SQLITE_ERROR;
            }
            break;
        case BSP_T_BINARY: case BSP_T_LARGE_BINARY:
            if (t != SQLITE_BLOB) return write_error(vt, "bindspace: column %s needs a BLOB", f->name);
            break;
        case BSP_T_UTF8: case BSP_T_LARGE_UTF8:
            if (t != SQLITE_TEXT) return write_error(vt, "bindspace: column %s needs TEXT", f->name);
            break;
        case BSP_T_FLOAT32: case BSP_T_FLOAT64:
            if (t != SQLITE_FLOAT && t != SQLITE_INTEGER) return write_error(vt, "bindspace: column %s needs a number", f->name);
            break;
        default:
            if (t != SQLITE_INTEGER) return write_error(vt, "bindspace: column %s needs an INTEGER", f->name);
        }
    }
    if (p->ninserted == p->cap_inserted) {
        size_t cap = p->cap_inserted ? 2 * p->cap_inserted : 64;
        sqlite3_value **n = realloc(p->values, cap * nf * sizeof *n);
        if (!n) return SQLITE_NOMEM;
        p->values = n;
        int64_t *a = realloc(p->addrs, cap * sizeof *a);
        if (!a) return SQLITE_NOMEM;
        p->addrs = a;
        p->cap_inserted = cap;
    }
    for (size_t i = 0; i < nf; i++) {
        p->values[p->ninserted * nf + i] = sqlite3_value_dup(vals[i]);
        if (!p->values[p->ninserted * nf + i]) return SQLITE_NOMEM;
    }
    p->ninserted++;
    return SQLITE_OK;
}

int vwrite_update(sqlite3_vtab *base, int argc, sqlite3_value **argv, sqlite3_int64 *rowid)
{
    bvtab *vt = (bvtab *)base;
    if (vt->pinned_version)
        return write_error(vt, "bindspace: %s is opened at a fixed version (read-only)", vt->path);
    int rc = SQLITE_OK;
    if (sqlite3_value_type(argv[0]) != SQLITE_NULL)  /* DELETE or UPDATE: drop the old row */
        rc = add_delete(vt, (uint64_t)sqlite3_value_int64(argv[0]));
    if (rc == SQLITE_OK && argc > 1) {
        sqlite3_value *vals[512];
        if (vt->schema.nfields > 512) return write_error(vt, "bindspace: %s has too many columns", vt->path);
        for (int i = 0; i < vt->ncols; i++)
            if (vt->cols[i].kind == VCOL_FIELD) vals[vt->cols[i].field] = argv[2 + i];
        if (vt->space) { /* the address column decides where the record goes */
            int64_t addr = -1;
            for (int i = 0; i < vt->ncols; i++)
                if (vt->cols[i].kind == VCOL_ROWADDR && sqlite3_value_type(argv[2 + i]) != SQLITE_NULL) {
                    if (sqlite3_value_type(argv[2 + i]) != SQLITE_INTEGER)
                        return write_error(vt, "bindspace: %s: addr must be an INTEGER address", vt->path);
                    addr = sqlite3_value_int64(argv[2 + i]);
                }
            if (addr >= (int64_t)BSP_SPACE_ADDRS || (addr >= 0 && (addr >> 8) <= 0x0B)) {
                sqlite3_free(vt->base.zErrMsg);
                vt->base.zErrMsg = sqlite3_mprintf(
                    "bindspace: address %lld is %s", (long long)addr,
                    addr >= (int64_t)BSP_SPACE_ADDRS ? "outside 0..65535" : "in the read-only surface zone (0x00-0x0B)");
                return SQLITE_ERROR;
            }
            rc = add_insert(vt, vals);
            if (rc == SQLITE_OK) vt->pending->addrs[vt->pending->ninserted - 1] = addr;
        } else {
            rc = add_insert(vt, vals);
        }
        /* The row's address is assigned at commit; report a provisional, unique one. */
        if (rc == SQLITE_OK) *rowid = -(sqlite3_int64)vt->pending->ninserted;
    }
    return rc;
}

int vwrite_begin(sqlite3_vtab *base)
{
    (void)base;
    return SQLITE_OK;
}

static int build_column(const bsp_field *f, sqlite3_value **vals, size_t stride, size_t n, bsp_column *out)
{
    memset(out, 0, sizeof *out);
    out->type = f->type;
    out->length = n;
    size_t w = bsp_type_width(f->type);
    bool any_null = false;
    for (size_t r = 0; r < n; r++) any_null |= sqlite3_value_type(vals[r * stride]) == SQLITE_NULL;
    if (any_null) {
        out->validity = calloc((n + 7) / 8 + 1, 1);
        if (!out->validity) return BSP_ENOMEM;
        for (size_t r = 0; r < n; r++)
            if (sqlite3_value_type(vals[r * stride]) != SQLITE_NULL) out->validity[r >> 3] |= (uint8_t)(1u << (r & 7));
    }
    if (bsp_type_is_var(f->type)) {
        out->offsets = calloc(n + 1, sizeof *out->offsets);
        if (!out->offsets) return BSP_ENOMEM;
        for (size_t r = 0; r < n; r++)
            out->offsets[r + 1] = out->offsets[r] + (uint64_t)sqlite3_value_bytes(vals[r * stride]);
        out->data_len = out->offsets[n];
        out->data = malloc(out->data_len + 1);
        if (!out->data) return BSP_ENOMEM;
        for (size_t r = 0; r < n; r++) {
            sqlite3_value *v = vals[r * stride];
            const void *src = sqlite3_value_type(v) == SQLITE_TEXT ? (const void *)sqlite3_value_text(v)
                                                                    : sqlite3_value_blob(v);
            if (src) memcpy(out->data + out->offsets[r], src, out->offsets[r + 1] - out->offsets[r]);
        }
        return BSP_OK;
    }
    if (f->type.id == BSP_T_BOOL) {
        out->data_len = (n + 7) / 8;
        out->data = calloc(out->data_len + 1, 1);
        if (!out->data) return BSP_ENOMEM;
        for (size_t r = 0; r < n; r++)
            if (sqlite3_value_int64(vals[r * stride])) out->data[r >> 3] |= (uint8_t)(1u << (r & 7));
        return BSP_OK;
    }
    out->data_len = n * w;
    out->data = calloc(out->data_len + 1, 1);
    if (!out->data) return BSP_ENOMEM;
    for (size_t r = 0; r < n; r++) {
        sqlite3_value *v = vals[r * stride];
        if (sqlite3_value_type(v) == SQLITE_NULL) continue;
        uint8_t *dst = out->data + r * w;
        sqlite3_int64 i = sqlite3_value_int64(v);
        double d = sqlite3_value_double(v);
        switch (f->type.id) {
        case BSP_T_INT8: case BSP_T_UINT8: { uint8_t x = (uint8_t)i; memcpy(dst, &x, 1); break; }
        case BSP_T_INT16: case BSP_T_UINT16: { uint16_t x = (uint16_t)i; memcpy(dst, &x, 2); break; }
        case BSP_T_INT32: case BSP_T_UINT32: { uint32_t x = (uint32_t)i; memcpy(dst, &x, 4); break; }
        case BSP_T_INT64: case BSP_T_UINT64: memcpy(dst, &i, 8); break;
        case BSP_T_FLOAT32: { float x = (float)d; memcpy(dst, &x, 4); break; }
        case BSP_T_FLOAT64: memcpy(dst, &d, 8); break;
        default: memcpy(dst, sqlite3_value_blob(v), w); break;
        }
    }
    return BSP_OK;
}

int vwrite_sync(sqlite3_vtab *base)
{
    bvtab *vt = (bvtab *)base;
    pending_rows *p = vt->pending;
    if (!p || (p->ndeleted == 0 && p->ninserted == 0)) return SQLITE_OK;
    size_t nf = vt->schema.nfields;
    if (vt->space) {
        uint64_t *recs = malloc((p->ninserted ? p->ninserted : 1) * BSP_BYTES);
        if (!recs) return SQLITE_NOMEM;
        for (size_t i = 0; i < p->ninserted; i++)
            bsp_fp_from_bytes(recs + i * BSP_WORDS, sqlite3_value_blob(p->values[i * nf]));
        int rc = vspace_apply(vt, p->deleted, p->ndeleted, p->addrs, recs, p->ninserted);
        free(recs);
        if (rc == SQLITE_OK) vwrite_free(vt);
        return rc;
    }
    bsp_batch batch = {0};
    int rc = BSP_OK;
    if (p->ninserted) {
        batch.nrows = p->ninserted;
        batch.ncols = nf;
        batch.cols = calloc(nf, sizeof *batch.cols);
        if (!batch.cols) return SQLITE_NOMEM;
        for (size_t i = 0; i < nf && rc == BSP_OK; i++)
            rc = build_column(&vt->schema.fields[i], p->values + i, nf, p->ninserted, &batch.cols[i]);
    }
    uint64_t version = 0;
    if (rc == BSP_OK) {
        if (p->ndeleted && p->ninserted)
            rc = bsp_dataset_update_rows(vt->path, p->deleted, p->ndeleted, &batch, &version);
        else if (p->ndeleted)
            rc = bsp_dataset_delete_rows(vt->path, p->deleted, p->ndeleted, "DELETE via SQL", &version);
        else {
            bsp_write_options wo = {0};
            wo.mode = BSP_WRITE_APPEND;
            rc = bsp_dataset_write(vt->path, &vt->schema, &batch, &wo, &version);
        }
    }
    bsp_batch_free(&batch);
    if (rc != BSP_OK) return vtab_error(vt, "bindspace: commit failed");
    vwrite_free(vt);
    return vtab_refresh(vt);
}

int vwrite_commit(sqlite3_vtab *base)
{
    vwrite_free((bvtab *)base);
    return SQLITE_OK;
}

int vwrite_rollback(sqlite3_vtab *base)
{
    vwrite_free((bvtab *)base);
    return SQLITE_OK;
}
