/* Opening and inspecting a Lance dataset version (spec §1.2, §2, §7b "Open / scan"):
 * the public bsp_dataset_* accessors, the version list, and the helpers every reader and
 * writer in this module shares (field location, data file paths, deletion vectors, reading a
 * physical row range of a fragment with NULLs for fields it has no data for).
 *
 * The schema exposed is the top-level fields in manifest order (pre-order, parents first).
 * Columns of types we do not handle (struct, list, halffloat, …) are hidden when reading, so
 * any 2.0 table with a fingerprint column can be scanned; writing such a table is refused
 * with BSP_EUNSUPPORTED naming the column. */
#include "lance/dataset.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "lance/colops.h"
#include "lance/commit.h"
#include "lance/datafile.h"
#include "lance/deletion.h"
#include "util/error.h"

static int oom(void) { return bsp_err(BSP_ENOMEM, "out of memory"); }

void bsp_dataset_free(bsp_dataset *ds)
{
    if (!ds) return;
    manifest_file_free(&ds->mf);
    bsp_schema_free(&ds->schema);
    free(ds->frags);
    for (size_t i = 0; i < ds->nindices; i++) free(ds->indices[i].fragments);
    free(ds->indices);
    free(ds->path);
    free(ds);
}

static int build_schema(bsp_dataset *ds, bool for_write)
{
    const Lance__Table__Manifest *m = ds->mf.m;
    size_t top = 0;
    for (size_t i = 0; i < m->n_fields; i++)
        if (m->fields[i]->parent_id < 0) top++;
    ds->schema.fields = calloc(top ? top : 1, sizeof *ds->schema.fields);
    if (!ds->schema.fields) return oom();
    for (size_t i = 0; i < m->n_fields; i++) {
        const Lance__File__Field *f = m->fields[i];
        if (f->parent_id < 0) continue;
        bool parent_found = false;
        for (size_t j = 0; j < i && !parent_found; j++) parent_found = m->fields[j]->id == f->parent_id;
        if (!parent_found)
            return bsp_err(BSP_ECORRUPT, "manifest %s: field %s (id %d) comes before its parent %d",
                           ds->mf.path, f->name, f->id, f->parent_id);
    }
    for (size_t i = 0; i < m->n_fields; i++) {
        const Lance__File__Field *f = m->fields[i];
        if (f->parent_id >= 0) continue;
        bsp_field *o = &ds->schema.fields[ds->schema.nfields];
        int rc = bsp_type_parse(f->logical_type ? f->logical_type : "", &o->type);
        if (rc && for_write)
            return bsp_err_prefix(rc, "%s: cannot write a table with column %s", ds->path, f->name);
        if (rc) { /* readable without it: the column is hidden from the schema */
            ds->hidden_columns++;
            bsp_errclear();
            continue;
        }
        if (!(o->name = strdup(f->name))) return oom();
        o->nullable = f->nullable;
        o->id = f->id;
        ds->schema.nfields++;
    }
    return BSP_OK;
}

static int build_info(bsp_dataset *ds)
{
    const Lance__Table__Manifest *m = ds->mf.m;
    ds->frags = calloc(m->n_fragments ? m->n_fragments : 1, sizeof *ds->frags);
    if (!ds->frags) return oom();
    for (size_t i = 0; i < m->n_fragments; i++) {
        const Lance__Table__DataFragment *f = m->fragments[i];
        bsp_fragment_info *o = &ds->frags[i];
        o->id = f->id;
        o->physical_rows = f->physical_rows;
        o->deleted_rows = f->deletion_file ? f->deletion_file->num_deleted_rows : 0;
        o->nfiles = (uint32_t)f->n_files;
        if (f->deletion_file && !f->deletion_file->has_num_deleted_rows) {
            /* 0 means "unknown" (§2.3): count it. */
            roaring_bitmap_t *bm;
            int rc = dataset_deletions(ds, i, &bm);
            if (rc) return rc;
            o->deleted_rows = bm ? roaring_bitmap_get_cardinality(bm) : 0;
            rb_free(bm);
        }
        ds->live_rows += o->physical_rows - o->deleted_rows;
    }
    const Lance__Table__IndexSection *ix = ds->mf.index;
    if (!ix || ix->n_indices == 0) return BSP_OK;
    ds->indices = calloc(ix->n_indices, sizeof *ds->indices);
    if (!ds->indices) return oom();
    ds->nindices = ix->n_indices;
    for (size_t i = 0; i < ix->n_indices; i++) {
        const Lance__Table__IndexMetadata *im = ix->indices[i];
        bsp_index_info *o = &ds->indices[i];
        snprintf(o->name, sizeof o->name, "%s", im->name ? im->name : "");
        if (im->uuid && im->uuid->has_uuid && im->uuid->uuid.len == 16) {
            const uint8_t *u = im->uuid->uuid.data;
            char *p = o->uuid;
            for (int k = 0; k < 16; k++) {
                p += sprintf(p, "%02x", u[k]);
                if (k == 3 || k == 5 || k == 7 || k == 9) *p++ = '-';
            }
            *p = 0;
        }
        if (im->index_details && im->index_details->type_url)
            snprintf(o->type_url, sizeof o->type_url, "%s", im->index_details->type_url);
        for (size_t k = 0; k < im->n_fields && k < 8; k++) o->fields[o->nfields++] = im->fields[k];
        o->dataset_version = im->dataset_version;
        if (im->has_fragment_bitmap && im->fragment_bitmap.len) {
            roaring_bitmap_t *bm = roaring_bitmap_portable_deserialize_safe(
                (const char *)im->fragment_bitmap.data, im->fragment_bitmap.len);
            if (!bm)
                return bsp_err(BSP_ECORRUPT, "manifest %s: index %s has a bad fragment bitmap",
                               ds->mf.path, o->name);
            uint64_t card = roaring_bitmap_get_cardinality(bm);
            o->fragments = malloc((card ? card : 1) * sizeof *o->fragments);
            if (!o->fragments) {
                rb_free(bm);
                return oom();
            }
            roaring_uint32_iterator_t *it = roaring_create_iterator(bm);
            while (it->has_value) {
                o->fragments[o->nfragments++] = it->current_value;
                roaring_advance_uint32_iterator(it);
            }
            roaring_free_uint32_iterator(it);
            rb_free(bm);
        }
    }
    return BSP_OK;
}

static int open_version(const char *path, uint64_t version, bool for_write, bsp_dataset **out)
{
    *out = NULL;
    if (!path || !*path) return bsp_err(BSP_EINVAL, "dataset path is empty");
    bsp_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) return oom();
    int rc = BSP_OK;
    if (!(ds->path = strdup(path))) {
        rc = oom();
        goto fail;
    }
    if ((rc = manifest_read(path, version, &ds->mf))) goto fail;
    if ((rc = for_write ? manifest_check_write(&ds->mf) : manifest_check_read(&ds->mf))) goto fail;
    if ((rc = build_schema(ds, for_write))) goto fail;
    if ((rc = build_info(ds))) goto fail;
    *out = ds;
    return BSP_OK;
fail:
    bsp_dataset_free(ds);
    return rc;
}

int bsp_dataset_open(const char *path, uint64_t version, bsp_dataset **out)
{
    return open_version(path, version, false, out);
}

int dataset_open_for_write(const char *path, bsp_dataset **out)
{
    return open_version(path, 0, true, out);
}

const char *bsp_dataset_path(const bsp_dataset *ds) { return ds->path; }
uint64_t bsp_dataset_version(const bsp_dataset *ds) { return ds->mf.version; }
const bsp_schema *bsp_dataset_schema(const bsp_dataset *ds) { return &ds->schema; }
uint64_t bsp_dataset_count_rows(const bsp_dataset *ds) { return ds->live_rows; }
const char *bsp_dataset_format(const bsp_dataset *ds) { return manifest_data_format(ds->mf.m); }
size_t bsp_dataset_fragment_count(const bsp_dataset *ds) { return ds->mf.m->n_fragments; }
size_t bsp_dataset_index_count(const bsp_dataset *ds) { return ds->nindices; }

int bsp_dataset_fragment(const bsp_dataset *ds, size_t i, bsp_fragment_info *out)
{
    if (i >= ds->mf.m->n_fragments)
        return bsp_err(BSP_ERANGE, "%s: fragment index %zu out of range (%zu fragments)", ds->path,
                       i, ds->mf.m->n_fragments);
    *out = ds->frags[i];
    return BSP_OK;
}

int bsp_dataset_index(const bsp_dataset *ds, size_t i, bsp_index_info *out)
{
    if (i >= ds->nindices)
        return bsp_err(BSP_ERANGE, "%s: index %zu out of range (%zu indices)", ds->path, i,
                       ds->nindices);
    *out = ds->indices[i];
    return BSP_OK;
}

int bsp_dataset_versions(const char *path, bsp_version_info **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    uint64_t *vs;
    size_t nv;
    manifest_naming naming;
    int rc = manifest_list(path, &vs, &nv, &naming);
    if (rc) return rc;
    bsp_version_info *info = calloc(nv, sizeof *info);
    if (!info) {
        free(vs);
        return oom();
    }
    for (size_t i = 0; i < nv && !rc; i++) {
        manifest_file mf;
        if ((rc = manifest_read_at(path, vs[i], naming, &mf))) break;
        bsp_version_info *o = &info[i];
        o->version = vs[i];
        o->timestamp = mf.m->timestamp ? mf.m->timestamp->seconds : 0;
        for (size_t k = 0; k < mf.m->n_fragments; k++) {
            const Lance__Table__DataFragment *f = mf.m->fragments[k];
            o->rows += f->physical_rows - (f->deletion_file ? f->deletion_file->num_deleted_rows : 0);
        }
        const Lance__Table__Transaction *t = NULL;
        if (manifest_load_txn(path, &mf, &t) != BSP_OK) t = NULL;
        snprintf(o->operation, sizeof o->operation, "%s", commit_txn_op_name(t));
        manifest_file_free(&mf);
    }
    bsp_errclear();
    free(vs);
    if (rc) {
        free(info);
        return rc;
    }
    *out = info;
    *n = nv;
    return BSP_OK;
}

/* ---- shared read helpers --------------------------------------------------------------------- */

int dataset_locate(const Lance__Table__DataFragment *f, int32_t field_id, size_t *file,
                   uint32_t *column)
{
    int found = 0;
    for (size_t j = 0; j < f->n_files; j++) {
        const Lance__Table__DataFile *d = f->files[j];
        for (size_t k = 0; k < d->n_fields && k < d->n_column_indices; k++) {
            if (d->fields[k] == field_id && d->column_indices[k] >= 0) {
                *file = j;
                *column = (uint32_t)d->column_indices[k];
                found = 1;
            }
        }
    }
    return found;
}

char *dataset_data_path(const bsp_dataset *ds, const Lance__Table__DataFile *df)
{
    size_t n = strlen(ds->path) + strlen(df->path) + 8;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/data/%s", ds->path, df->path);
    return p;
}

int dataset_deletions(const bsp_dataset *ds, size_t i, roaring_bitmap_t **out)
{
    *out = NULL;
    const Lance__Table__DataFragment *f = ds->mf.m->fragments[i];
    const Lance__Table__DeletionFile *d = f->deletion_file;
    if (!d) return BSP_OK;
    return deletion_read(ds->path, f->id, d->read_version, d->id, (int)d->file_type,
                         f->physical_rows, out);
}

void dataset_close_files(struct datafile **files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (files[i]) datafile_close(files[i]);
        files[i] = NULL;
    }
}

int dataset_read_rows(const bsp_dataset *ds, size_t frag, struct datafile **files,
                      const size_t *fields, size_t nfields, uint64_t start, uint64_t n,
                      bsp_column *cols)
{
    const Lance__Table__DataFragment *f = ds->mf.m->fragments[frag];
    int rc = BSP_OK;
    size_t k = 0;
    for (; k < nfields; k++) {
        const bsp_field *fd = &ds->schema.fields[fields[k]];
        size_t file;
        uint32_t column;
        if (!dataset_locate(f, fd->id, &file, &column)) {
            if ((rc = col_nulls(fd->type, n, &cols[k]))) break;
            continue;
        }
        if (!files[file]) {
            const Lance__Table__DataFile *df = f->files[file];
            char *p = dataset_data_path(ds, df);
            if (!p) {
                rc = oom();
                break;
            }
            rc = datafile_open(p, df->file_size_bytes, &files[file]);
            free(p);
            if (rc) break;
            if (datafile_rows(files[file]) != f->physical_rows) {
                rc = bsp_err(BSP_ECORRUPT, "%s: fragment %" PRIu64 " says %" PRIu64
                             " rows, data file %s has %" PRIu64, ds->path, f->id, f->physical_rows,
                             df->path, datafile_rows(files[file]));
                break;
            }
        }
        if ((rc = datafile_read_column(files[file], column, fd->type, start, n, &cols[k]))) break;
    }
    if (rc)
        for (size_t j = 0; j < k; j++) bsp_column_free(&cols[j]);
    return rc;
}
