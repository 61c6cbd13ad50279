/* Table writes, one commit each (spec §7b recipes): create/overwrite (Overwrite), append
 * (Append), delete by row address or integer range (Delete), update (Update: deletion
 * vectors + one new fragment), add column (Merge: one new data file per fragment holding
 * the new field id = max id + 1), drop columns (Project: schema only).
 *
 * The one idea: every function here only *prepares* — writes the new data files (unique
 * random names, invisible until referenced) and describes the change as a commit_op — and
 * commit.c decides the version, writes deletion files against the then-latest deletion
 * vectors, and publishes the manifest atomically. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "lance/colops.h"
#include "lance/commit.h"
#include "lance/datafile.h"
#include "lance/dataset.h"
#include "util/error.h"

#define DEFAULT_MAX_ROWS_PER_FILE (1u << 20)

static int oom(void) { return bsp_err(BSP_ENOMEM, "out of memory"); }

/* ---- schema <-> Lance fields ----------------------------------------------------------------- */

Lance__File__Field *dataset_field_new(const bsp_field *f, int32_t id)
{
    Lance__File__Field *o = malloc(sizeof *o);
    if (!o) return NULL;
    lance__file__field__init(o);
    char lt[96];
    bsp_type_format(f->type, lt, sizeof lt);
    o->name = strdup(f->name);
    o->logical_type = strdup(lt);
    if (!o->name || !o->logical_type) {
        protobuf_c_message_free_unpacked(&o->base, NULL);
        return NULL;
    }
    o->has_id = id != 0;
    o->id = id;
    o->has_parent_id = 1;
    o->parent_id = -1;
    o->has_nullable = f->nullable;
    o->nullable = f->nullable;
    o->has_encoding = 1; /* legacy field Lance still fills: 2 for var-width, 1 otherwise */
    o->encoding = bsp_type_is_var(f->type) ? LANCE__FILE__ENCODING__VAR_BINARY
                                           : LANCE__FILE__ENCODING__PLAIN;
    return o;
}

int dataset_fields_from_schema(const bsp_schema *s, Lance__File__Field ***out, size_t *n)
{
    Lance__File__Field **a = calloc(s->nfields ? s->nfields : 1, sizeof *a);
    if (!a) return oom();
    for (size_t i = 0; i < s->nfields; i++) {
        if (!(a[i] = dataset_field_new(&s->fields[i], s->fields[i].id))) {
            for (size_t j = 0; j < i; j++) protobuf_c_message_free_unpacked(&a[j]->base, NULL);
            free(a);
            return oom();
        }
    }
    *out = a;
    *n = s->nfields;
    return BSP_OK;
}

/* ---- data files ------------------------------------------------------------------------------- */

/* Lance's current naming (§1.3): 24 binary digits from 3 random bytes + 26 hex digits. */
static int data_file_name(char out[64])
{
    uint8_t r[16];
    int rc = io_random_bytes(r, sizeof r);
    if (rc) return rc;
    char *p = out;
    for (int i = 0; i < 24; i++) *p++ = (char)('0' + ((r[i / 8] >> (7 - i % 8)) & 1));
    for (int i = 3; i < 16; i++) p += sprintf(p, "%02x", r[i]);
    strcpy(p, ".lance");
    return BSP_OK;
}

int dataset_write_file(const char *root, const bsp_schema *schema, const bsp_batch *batch,
                       Lance__Table__DataFile **out)
{
    char name[64];
    int rc = data_file_name(name);
    if (rc) return rc;
    char *dir = io_path_join(root, "data");
    if (!dir) return oom();
    rc = io_mkdir_p(dir);
    char *path = rc ? NULL : io_path_join(dir, name);
    free(dir);
    if (rc) return rc;
    if (!path) return oom();
    uint64_t size = 0;
    rc = datafile_write(path, schema, batch, &size);
    free(path);
    if (rc) return rc;
    Lance__Table__DataFile *d = malloc(sizeof *d);
    if (!d) return oom();
    lance__table__data_file__init(d);
    d->path = strdup(name);
    d->n_fields = d->n_column_indices = schema->nfields;
    d->fields = malloc((schema->nfields + 1) * sizeof *d->fields);
    d->column_indices = malloc((schema->nfields + 1) * sizeof *d->column_indices);
    if (!d->path || !d->fields || !d->column_indices) {
        protobuf_c_message_free_unpacked(&d->base, NULL);
        return oom();
    }
    for (size_t i = 0; i < schema->nfields; i++) {
        d->fields[i] = schema->fields[i].id;
        d->column_indices[i] = (int32_t)i;
    }
    d->has_file_major_version = 1;
    d->file_major_version = 2;
    d->has_file_minor_version = 0; /* 0: omitted like proto3 */
    d->has_file_size_bytes = size != 0;
    d->file_size_bytes = size;
    *out = d;
    return BSP_OK;
}

static Lance__Table__DataFragment *fragment_new(Lance__Table__DataFile *file, uint64_t rows)
{
    Lance__Table__DataFragment *f = malloc(sizeof *f);
    Lance__Table__DataFile **files = malloc(sizeof *files);
    if (!f || !files) {
        free(f);
        free(files);
        return NULL;
    }
    lance__table__data_fragment__init(f);
    files[0] = file;
    f->files = files;
    f->n_files = 1;
    f->has_physical_rows = rows != 0;
    f->physical_rows = rows;
    return f;
}

int dataset_write_fragments(const char *root, const bsp_schema *schema, const bsp_batch *batch,
                            uint64_t max_rows, const bsp_progress *progress,
                            Lance__Table__DataFragment ***frags, size_t *nfrags)
{
    *frags = NULL;
    *nfrags = 0;
    if (!max_rows) max_rows = DEFAULT_MAX_ROWS_PER_FILE;
    for (size_t c = 0; c < batch->ncols && batch->nrows > max_rows; c++)
        if (batch->cols[c].fill)
            return bsp_err(BSP_EUNSUPPORTED, "%s: a streamed column's rows (%" PRIu64 ") must fit one data file (%" PRIu64 ")",
                           root, batch->nrows, max_rows);
    size_t nf = (size_t)((batch->nrows + max_rows - 1) / max_rows);
    Lance__Table__DataFragment **a = calloc(nf ? nf : 1, sizeof *a);
    if (!a) return oom();
    int rc = BSP_OK;
    size_t k = 0;
    for (uint64_t start = 0; start < batch->nrows && !rc; start += max_rows) {
        uint64_t n = batch->nrows - start < max_rows ? batch->nrows - start : max_rows;
        bsp_batch part = {n, batch->ncols, NULL};
        const bsp_batch *use = batch;
        if (n != batch->nrows) {
            part.cols = calloc(batch->ncols ? batch->ncols : 1, sizeof *part.cols);
            if (!part.cols) {
                rc = oom();
                break;
            }
            for (size_t c = 0; c < batch->ncols && !rc; c++)
                rc = col_slice(&batch->cols[c], start, n, &part.cols[c]);
            use = &part;
        }
        Lance__Table__DataFile *df = NULL;
        if (!rc) rc = dataset_write_file(root, schema, use, &df);
        if (use == &part) bsp_batch_free(&part);
        if (rc) break;
        if (!(a[k] = fragment_new(df, n))) {
            protobuf_c_message_free_unpacked(&df->base, NULL);
            rc = oom();
            break;
        }
        k++;
        bsp_progress_report(progress, "write", start + n, batch->nrows);
    }
    if (rc) {
        for (size_t i = 0; i < k; i++) protobuf_c_message_free_unpacked(&a[i]->base, NULL);
        free(a);
        return rc;
    }
    *frags = a;
    *nfrags = k;
    return BSP_OK;
}

/* ---- validation ------------------------------------------------------------------------------ */

static int check_batch(const char *path, const bsp_schema *schema, const bsp_batch *batch)
{
    if (batch->ncols != schema->nfields)
        return bsp_err(BSP_EINVAL, "%s: batch has %zu columns, schema has %zu", path, batch->ncols,
                       schema->nfields);
    for (size_t i = 0; i < schema->nfields; i++) {
        const bsp_column *c = &batch->cols[i];
        const bsp_field *f = &schema->fields[i];
        if (c->type.id != f->type.id || c->type.dim != f->type.dim)
            return bsp_err(BSP_EINVAL, "%s: column %s: batch type does not match the schema", path,
                           f->name);
        if (c->length != batch->nrows)
            return bsp_err(BSP_EINVAL, "%s: column %s has %" PRIu64 " rows, batch has %" PRIu64,
                           path, f->name, c->length, batch->nrows);
        if (!f->nullable && c->validity)
            for (uint64_t r = 0; r < c->length; r++)
                if (!bsp_column_is_valid(c, r))
                    return bsp_err(BSP_EINVAL, "%s: column %s is not nullable but row %" PRIu64
                                   " is null", path, f->name, r);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(schema->fields[j].name, f->name))
                return bsp_err(BSP_EINVAL, "%s: column name %s appears twice", path, f->name);
    }
    return BSP_OK;
}

/* The table's schema with the batch's column order checked against it. */
static int match_table_schema(const bsp_dataset *ds, const bsp_schema *in)
{
    const bsp_schema *t = &ds->schema;
    if (in->nfields != t->nfields)
        return bsp_err(BSP_EINVAL, "%s: appended data has %zu columns, the table has %zu", ds->path,
                       in->nfields, t->nfields);
    for (size_t i = 0; i < t->nfields; i++) {
        if (strcmp(in->fields[i].name, t->fields[i].name) != 0)
            return bsp_err(BSP_EINVAL, "%s: column %zu is %s in the data but %s in the table",
                           ds->path, i, in->fields[i].name, t->fields[i].name);
        if (in->fields[i].type.id != t->fields[i].type.id ||
            in->fields[i].type.dim != t->fields[i].type.dim) {
            char a[96], b[96];
            return bsp_err(BSP_EINVAL, "%s: column %s is %s in the data but %s in the table",
                           ds->path, t->fields[i].name, bsp_type_format(in->fields[i].type, a, sizeof a),
                           bsp_type_format(t->fields[i].type, b, sizeof b));
        }
    }
    return BSP_OK;
}

static int table_exists(const char *path, int *exists)
{
    uint64_t v;
    int rc = manifest_latest(path, &v, NULL);
    *exists = rc == BSP_OK;
    if (rc == BSP_ENOTFOUND) {
        bsp_errclear();
        return BSP_OK;
    }
    return rc;
}

/* ---- create / append / overwrite ------------------------------------------------------------- */

int bsp_dataset_write(const char *path, const bsp_schema *schema, const bsp_batch *batch,
                      const bsp_write_options *opts, uint64_t *new_version)
{
    bsp_write_options def = {0};
    if (!opts) opts = &def;
    if (!path || !schema || !batch) return bsp_err(BSP_EINVAL, "bsp_dataset_write: NULL argument");
    int rc = check_batch(path, schema, batch);
    if (rc) return rc;
    int exists;
    if ((rc = table_exists(path, &exists))) return rc;
    if (exists && opts->mode == BSP_WRITE_CREATE)
        return bsp_err(BSP_EEXIST, "%s: dataset already exists", path);
    if (!exists && (rc = io_mkdir_p(path))) return rc;

    bsp_dataset *ds = NULL;
    if (exists && (rc = dataset_open_for_write(path, &ds))) return rc;
    bool append = exists && opts->mode == BSP_WRITE_APPEND;
    bsp_schema ws = {0};
    commit_op op = {0};
    if ((rc = bsp_schema_copy(&ws, append ? &ds->schema : schema))) goto out;
    if (append) {
        if ((rc = match_table_schema(ds, schema))) goto out;
    } else {
        for (size_t i = 0; i < ws.nfields; i++) ws.fields[i].id = (int32_t)i;
    }
    op.kind = append ? COMMIT_APPEND : COMMIT_OVERWRITE;
    if (!append && (rc = dataset_fields_from_schema(&ws, &op.fields, &op.n_fields))) goto out;
    if ((rc = dataset_write_fragments(path, &ws, batch, opts->max_rows_per_file, opts->progress,
                                      &op.new_frags, &op.n_new)))
        goto out;
    rc = commit_run(path, ds ? &ds->mf : NULL,
                    opts->v1_manifest_names ? MANIFEST_NAMING_V1 : MANIFEST_NAMING_V2, &op,
                    new_version);
out:
    commit_op_free(&op);
    bsp_schema_free(&ws);
    bsp_dataset_free(ds);
    return rc;
}

/* ---- delete / update ---------------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Group row addresses into per-fragment deletion sets, checking every address exists. */
static int build_dels(const bsp_dataset *ds, const uint64_t *addrs, size_t n, commit_op *op)
{
    uint64_t *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) return oom();
    memcpy(s, addrs, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_u64);
    const Lance__Table__Manifest *m = ds->mf.m;
    int rc = BSP_OK;
    for (size_t i = 0; i < n && !rc;) {
        uint64_t fid = BSP_ROW_FRAG(s[i]);
        const Lance__Table__DataFragment *f = NULL;
        for (size_t k = 0; k < m->n_fragments && !f; k++)
            if (m->fragments[k]->id == fid) f = m->fragments[k];
        if (!f) {
            rc = bsp_err(BSP_ENOTFOUND, "%s: row address %" PRIu64 ": no fragment %" PRIu64,
                         ds->path, s[i], fid);
            break;
        }
        commit_del *d = realloc(op->dels, (op->n_dels + 1) * sizeof *d);
        if (!d) {
            rc = oom();
            break;
        }
        op->dels = d;
        d = &op->dels[op->n_dels];
        memset(d, 0, sizeof *d);
        d->fragment_id = fid;
        if (!(d->rows = roaring_bitmap_create())) {
            rc = oom();
            break;
        }
        op->n_dels++;
        for (; i < n && BSP_ROW_FRAG(s[i]) == fid; i++) {
            if (BSP_ROW_OFF(s[i]) >= f->physical_rows) {
                rc = bsp_err(BSP_ENOTFOUND, "%s: row address %" PRIu64 ": fragment %" PRIu64
                             " has only %" PRIu64 " rows", ds->path, s[i], fid, f->physical_rows);
                break;
            }
            roaring_bitmap_add(d->rows, BSP_ROW_OFF(s[i]));
        }
    }
    free(s);
    return rc;
}

static int do_delete(bsp_dataset *ds, const uint64_t *addrs, size_t n, const char *predicate,
                     uint64_t *new_version)
{
    if (n == 0) {
        if (new_version) *new_version = ds->mf.version;
        return BSP_OK;
    }
    commit_op op = {0};
    op.kind = COMMIT_DELETE;
    int rc = build_dels(ds, addrs, n, &op);
    if (!rc && predicate && !(op.predicate = strdup(predicate))) rc = oom();
    if (!rc) rc = commit_run(ds->path, &ds->mf, MANIFEST_NAMING_NONE, &op, new_version);
    commit_op_free(&op);
    return rc;
}

int bsp_dataset_delete_rows(const char *path, const uint64_t *row_addrs, size_t n,
                            const char *predicate, uint64_t *new_version)
{
    bsp_dataset *ds;
    int rc = dataset_open_for_write(path, &ds);
    if (rc) return rc;
    rc = do_delete(ds, row_addrs, n, predicate, new_version);
    bsp_dataset_free(ds);
    return rc;
}

int bsp_dataset_delete_range(const char *path, const char *column, int64_t lo, int64_t hi,
                             uint64_t *deleted, uint64_t *new_version)
{
    bsp_dataset *ds;
    int rc = dataset_open_for_write(path, &ds);
    if (rc) return rc;
    int k = bsp_schema_find(&ds->schema, column);
    if (k < 0) {
        rc = bsp_err(BSP_ENOTFOUND, "%s: no column named %s", path, column);
        bsp_dataset_free(ds);
        return rc;
    }
    switch (ds->schema.fields[k].type.id) {
    case BSP_T_INT8: case BSP_T_INT16: case BSP_T_INT32: case BSP_T_INT64:
    case BSP_T_UINT8: case BSP_T_UINT16: case BSP_T_UINT32: case BSP_T_UINT64: break;
    default:
        rc = bsp_err(BSP_EINVAL, "%s: column %s is not an integer column", path, column);
        bsp_dataset_free(ds);
        return rc;
    }
    const char *cols[1] = {column};
    bsp_scan_options so = {cols, 1, 0, 0, true};
    bsp_scanner *sc;
    uint64_t *addrs = NULL;
    size_t na = 0, cap = 0;
    if ((rc = bsp_scanner_open(ds, &so, &sc))) goto out;
    bsp_batch b;
    int more;
    while ((more = bsp_scanner_next(sc, &b)) == 1) {
        for (uint64_t r = 0; r < b.nrows && !rc; r++) {
            int64_t v;
            if (!col_get_int(&b.cols[0], r, &v) || v < lo || v > hi) continue;
            if (b.cols[0].type.id == BSP_T_UINT64) { /* values above INT64_MAX were clamped */
                uint64_t u;
                memcpy(&u, b.cols[0].data + r * 8, 8);
                if (u > (uint64_t)INT64_MAX) continue;
            }
            if (na == cap) {
                cap = cap ? cap * 2 : 1024;
                uint64_t *p = realloc(addrs, cap * sizeof *p);
                if (!p) { rc = oom(); break; }
                addrs = p;
            }
            uint64_t a;
            memcpy(&a, b.cols[1].data + r * 8, 8);
            addrs[na++] = a;
        }
        bsp_batch_free(&b);
        if (rc) break;
    }
    if (more < 0) rc = more;
    bsp_scanner_free(sc);
    if (!rc) {
        char pred[256];
        snprintf(pred, sizeof pred, "%s >= %" PRId64 " AND %s <= %" PRId64, column, lo, column, hi);
        rc = do_delete(ds, addrs, na, pred, new_version);
    }
    if (!rc && deleted) *deleted = na;
out:
    free(addrs);
    bsp_dataset_free(ds);
    return rc;
}

int bsp_dataset_update_rows(const char *path, const uint64_t *row_addrs, size_t n,
                            const bsp_batch *rows, uint64_t *new_version)
{
    bsp_dataset *ds;
    int rc = dataset_open_for_write(path, &ds);
    if (rc) return rc;
    commit_op op = {0};
    op.kind = COMMIT_UPDATE;
    if ((rc = check_batch(path, &ds->schema, rows))) goto out;
    if ((rc = build_dels(ds, row_addrs, n, &op))) goto out;
    if (rows->nrows &&
        (rc = dataset_write_fragments(path, &ds->schema, rows, 0, NULL, &op.new_frags, &op.n_new)))
        goto out;
    if (op.n_dels == 0 && op.n_new == 0) {
        if (new_version) *new_version = ds->mf.version;
        goto out;
    }
    rc = commit_run(path, &ds->mf, MANIFEST_NAMING_NONE, &op, new_version);
out:
    commit_op_free(&op);
    bsp_dataset_free(ds);
    return rc;
}

/* ---- columns ------------------------------------------------------------------------------------ */

int bsp_dataset_add_column(const char *path, const bsp_field *field, const bsp_column *values,
                           uint64_t *new_version)
{
    bsp_dataset *ds;
    int rc = dataset_open_for_write(path, &ds);
    if (rc) return rc;
    commit_op op = {0};
    op.kind = COMMIT_MERGE;
    const Lance__Table__Manifest *m = ds->mf.m;
    uint64_t total = 0;
    for (size_t i = 0; i < m->n_fragments; i++) total += m->fragments[i]->physical_rows;
    bsp_field nf = *field;
    nf.id = commit_max_field_id(m) + 1;
    bsp_schema one = {1, &nf};
    if (bsp_schema_find(&ds->schema, field->name) >= 0) {
        rc = bsp_err(BSP_EEXIST, "%s: column %s already exists", path, field->name);
        goto out;
    }
    if (values->type.id != field->type.id || values->type.dim != field->type.dim) {
        rc = bsp_err(BSP_EINVAL, "%s: values for column %s do not have its type", path, field->name);
        goto out;
    }
    if (values->length != total) {
        rc = bsp_err(BSP_EINVAL, "%s: column %s needs %" PRIu64 " values (physical rows), got %"
                     PRIu64, path, field->name, total, values->length);
        goto out;
    }
    if (!field->nullable && values->validity)
        for (uint64_t r = 0; r < values->length; r++)
            if (!bsp_column_is_valid(values, r)) {
                rc = bsp_err(BSP_EINVAL, "%s: column %s is not nullable but value %" PRIu64
                             " is null", path, field->name, r);
                goto out;
            }
    op.merge_ids = calloc(m->n_fragments + 1, sizeof *op.merge_ids);
    op.merge_files = calloc(m->n_fragments + 1, sizeof *op.merge_files);
    if (!op.merge_ids || !op.merge_files || !(op.merge_field = dataset_field_new(&nf, nf.id))) {
        rc = oom();
        goto out;
    }
    uint64_t off = 0;
    for (size_t i = 0; i < m->n_fragments && !rc; i++) {
        uint64_t n = m->fragments[i]->physical_rows;
        bsp_batch b = {n, 1, NULL};
        bsp_column c;
        if ((rc = col_slice(values, off, n, &c))) break;
        b.cols = &c;
        rc = dataset_write_file(path, &one, &b, &op.merge_files[i]);
        bsp_column_free(&c);
        if (rc) break;
        op.merge_ids[i] = m->fragments[i]->id;
        op.n_merge = i + 1;
        off += n;
    }
    if (!rc) rc = commit_run(path, &ds->mf, MANIFEST_NAMING_NONE, &op, new_version);
out:
    commit_op_free(&op);
    bsp_dataset_free(ds);
    return rc;
}

int bsp_dataset_drop_columns(const char *path, const char *const *names, size_t n,
                             uint64_t *new_version)
{
    bsp_dataset *ds;
    int rc = dataset_open_for_write(path, &ds);
    if (rc) return rc;
    commit_op op = {0};
    op.kind = COMMIT_PROJECT;
    op.drop_ids = calloc(n + 1, sizeof *op.drop_ids);
    if (!op.drop_ids) rc = oom();
    for (size_t i = 0; i < n && !rc; i++) {
        int k = bsp_schema_find(&ds->schema, names[i]);
        if (k < 0) {
            rc = bsp_err(BSP_ENOTFOUND, "%s: no column named %s", path, names[i]);
            break;
        }
        bool dup = false;
        for (size_t j = 0; j < op.n_drop; j++) dup |= op.drop_ids[j] == ds->schema.fields[k].id;
        if (!dup) op.drop_ids[op.n_drop++] = ds->schema.fields[k].id;
    }
    if (!rc && op.n_drop >= ds->schema.nfields)
        rc = bsp_err(BSP_EINVAL, "%s: cannot drop every column", path);
    if (!rc && op.n_drop == 0 && new_version) *new_version = ds->mf.version;
    if (!rc && op.n_drop) rc = commit_run(path, &ds->mf, MANIFEST_NAMING_NONE, &op, new_version);
    commit_op_free(&op);
    bsp_dataset_free(ds);
    return rc;
}
