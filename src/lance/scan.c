/* Reading rows out of a dataset version: the batch scanner, take by row address, and the
 * fingerprint fast path (spec §7b "Open / scan").
 *
 * The one idea: rows are read by physical offset ranges of one fragment at a time, then the
 * fragment's deletion vector is applied (gather of the live rows) and the row address
 * (fragment_id << 32 | offset) is attached when asked. A fragment with every row of a range
 * deleted produces no batch; the scanner moves on. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lance/colops.h"
#include "lance/commit.h"
#include "lance/datafile.h"
#include "lance/dataset.h"
#include "io/io.h"
#include "util/error.h"

#define DEFAULT_BATCH_ROWS 8192

static int oom(void) { return bsp_err(BSP_ENOMEM, "out of memory"); }

struct bsp_scanner {
    const bsp_dataset *ds;
    size_t *fields;          /* schema indices of the projection */
    size_t nfields;
    bool with_addr;
    bsp_schema schema;       /* output schema */
    uint64_t limit, emitted, batch_rows;
    size_t frag;             /* current fragment */
    uint64_t offset;         /* next physical row in it */
    roaring_bitmap_t *dv;    /* its deletion vector (NULL = none) */
    bool frag_ready;
    struct datafile **files; /* opened data files of the current fragment */
    size_t nfiles;
};

static int resolve_projection(const bsp_dataset *ds, const bsp_scan_options *o, size_t **fields,
                              size_t *n)
{
    size_t cnt = (o && o->columns) ? o->ncolumns : ds->schema.nfields;
    size_t *f = malloc((cnt ? cnt : 1) * sizeof *f);
    if (!f) return oom();
    for (size_t i = 0; i < cnt; i++) {
        if (o && o->columns) {
            int k = bsp_schema_find(&ds->schema, o->columns[i]);
            if (k < 0) {
                free(f);
                return bsp_err(BSP_ENOTFOUND, "%s: no column named %s", ds->path, o->columns[i]);
            }
            f[i] = (size_t)k;
        } else {
            f[i] = i;
        }
    }
    *fields = f;
    *n = cnt;
    return BSP_OK;
}

static int out_schema(const bsp_dataset *ds, const size_t *fields, size_t n, bool addr,
                      bsp_schema *s)
{
    s->nfields = 0;
    s->fields = calloc(n + 1, sizeof *s->fields);
    if (!s->fields) return oom();
    for (size_t i = 0; i < n; i++) {
        bsp_field *f = &s->fields[s->nfields];
        *f = ds->schema.fields[fields[i]];
        if (!(f->name = strdup(f->name))) return oom();
        s->nfields++;
    }
    if (addr) {
        bsp_field *f = &s->fields[s->nfields];
        if (!(f->name = strdup("_rowaddr"))) return oom();
        f->type = (bsp_type){BSP_T_UINT64, 0};
        f->nullable = false;
        f->id = -1;
        s->nfields++;
    }
    return BSP_OK;
}

void bsp_scanner_free(bsp_scanner *s)
{
    if (!s) return;
    if (s->files) dataset_close_files(s->files, s->nfiles);
    free(s->files);
    rb_free(s->dv);
    free(s->fields);
    bsp_schema_free(&s->schema);
    free(s);
}

int bsp_scanner_open(const bsp_dataset *ds, const bsp_scan_options *opts, bsp_scanner **out)
{
    *out = NULL;
    bsp_scanner *s = calloc(1, sizeof *s);
    if (!s) return oom();
    s->ds = ds;
    int rc = resolve_projection(ds, opts, &s->fields, &s->nfields);
    if (!rc) {
        s->with_addr = opts && opts->with_row_addr;
        s->limit = opts ? opts->limit : 0;
        s->batch_rows = (opts && opts->batch_rows) ? opts->batch_rows : DEFAULT_BATCH_ROWS;
        rc = out_schema(ds, s->fields, s->nfields, s->with_addr, &s->schema);
    }
    if (rc) {
        bsp_scanner_free(s);
        return rc;
    }
    *out = s;
    return BSP_OK;
}

const bsp_schema *bsp_scanner_schema(const bsp_scanner *s) { return &s->schema; }

static void leave_fragment(bsp_scanner *s)
{
    if (s->files) dataset_close_files(s->files, s->nfiles);
    free(s->files);
    s->files = NULL;
    s->nfiles = 0;
    rb_free(s->dv);
    s->dv = NULL;
    s->frag_ready = false;
    s->offset = 0;
    s->frag++;
}

static int enter_fragment(bsp_scanner *s)
{
    const Lance__Table__DataFragment *f = s->ds->mf.m->fragments[s->frag];
    s->nfiles = f->n_files;
    s->files = calloc(s->nfiles ? s->nfiles : 1, sizeof *s->files);
    if (!s->files) return oom();
    int rc = dataset_deletions(s->ds, s->frag, &s->dv);
    if (rc) return rc;
    s->frag_ready = true;
    s->offset = 0;
    return BSP_OK;
}

int bsp_scanner_next(bsp_scanner *s, bsp_batch *out)
{
    memset(out, 0, sizeof *out);
    const Lance__Table__Manifest *m = s->ds->mf.m;
    while (s->frag < m->n_fragments) {
        if (s->limit && s->emitted >= s->limit) return 0;
        if (!s->frag_ready) {
            int rc = enter_fragment(s);
            if (rc) return rc;
        }
        const Lance__Table__DataFragment *f = m->fragments[s->frag];
        if (s->offset >= f->physical_rows) {
            leave_fragment(s);
            continue;
        }
        uint64_t start = s->offset;
        uint64_t n = f->physical_rows - start;
        if (n > s->batch_rows) n = s->batch_rows;
        s->offset += n;
        /* Live rows of the range, capped by the limit. */
        uint64_t *live = malloc((size_t)n * sizeof *live);
        if (!live) return oom();
        uint64_t nlive = 0;
        uint64_t want = s->limit ? s->limit - s->emitted : UINT64_MAX;
        for (uint64_t r = 0; r < n && nlive < want; r++)
            if (!s->dv || !roaring_bitmap_contains(s->dv, (uint32_t)(start + r))) live[nlive++] = r;
        if (nlive == 0) {
            free(live);
            continue;
        }
        /* Read only as far as the last live row. */
        uint64_t span = live[nlive - 1] + 1;
        size_t ncols = s->nfields + (s->with_addr ? 1 : 0);
        bsp_column *raw = calloc(s->nfields ? s->nfields : 1, sizeof *raw);
        out->cols = calloc(ncols ? ncols : 1, sizeof *out->cols);
        if (!raw || !out->cols) {
            free(raw);
            free(live);
            free(out->cols);
            out->cols = NULL;
            return oom();
        }
        int rc = dataset_read_rows(s->ds, s->frag, s->files, s->fields, s->nfields, start, span, raw);
        bool all = nlive == span;
        for (size_t k = 0; k < s->nfields && !rc; k++) {
            if (all) {
                out->cols[k] = raw[k];
                memset(&raw[k], 0, sizeof raw[k]);
            } else {
                rc = col_gather(&raw[k], live, nlive, &out->cols[k]);
            }
            out->ncols = k + 1;
        }
        if (!rc && s->with_addr) {
            for (uint64_t i = 0; i < nlive; i++) live[i] = BSP_ROW_ADDR(f->id, start + live[i]);
            rc = col_from_u64(live, nlive, &out->cols[s->nfields]);
            out->ncols = ncols;
        }
        for (size_t k = 0; k < s->nfields; k++) bsp_column_free(&raw[k]);
        free(raw);
        free(live);
        if (rc) {
            bsp_batch_free(out);
            return rc;
        }
        out->nrows = nlive;
        s->emitted += nlive;
        return 1;
    }
    return 0;
}

/* ---- take ------------------------------------------------------------------------------------- */

static int find_fragment(const bsp_dataset *ds, uint64_t id, size_t *idx)
{
    const Lance__Table__Manifest *m = ds->mf.m;
    for (size_t i = 0; i < m->n_fragments; i++)
        if (m->fragments[i]->id == id) return *idx = i, 1;
    return 0;
}

int bsp_dataset_take(const bsp_dataset *ds, const uint64_t *row_addrs, size_t n,
                     const bsp_scan_options *projection, bsp_batch *out)
{
    memset(out, 0, sizeof *out);
    size_t *fields, nf;
    int rc = resolve_projection(ds, projection, &fields, &nf);
    if (rc) return rc;
    bool addr = projection && projection->with_row_addr;
    size_t ncols = nf + (addr ? 1 : 0);
    out->cols = calloc(ncols ? ncols : 1, sizeof *out->cols);
    if (!out->cols) {
        free(fields);
        return oom();
    }
    out->ncols = ncols;
    for (size_t k = 0; k < nf; k++) out->cols[k].type = ds->schema.fields[fields[k]].type;
    bsp_column *one = calloc(nf ? nf : 1, sizeof *one);
    if (!one) rc = oom();
    /* Row by row; a take of many rows from one fragment keeps its files open. */
    size_t cur = SIZE_MAX;
    struct datafile **files = NULL;
    size_t nfiles = 0;
    roaring_bitmap_t *dv = NULL;
    for (size_t i = 0; i < n && !rc; i++) {
        uint64_t fid = BSP_ROW_FRAG(row_addrs[i]), off = BSP_ROW_OFF(row_addrs[i]);
        size_t fi;
        if (!find_fragment(ds, fid, &fi)) {
            rc = bsp_err(BSP_ENOTFOUND, "%s: row address %" PRIu64 ": no fragment %" PRIu64
                         " in version %" PRIu64, ds->path, row_addrs[i], fid, ds->mf.version);
            break;
        }
        if (fi != cur) {
            if (files) dataset_close_files(files, nfiles);
            free(files);
            rb_free(dv);
            dv = NULL;
            nfiles = ds->mf.m->fragments[fi]->n_files;
            files = calloc(nfiles ? nfiles : 1, sizeof *files);
            if (!files) {
                rc = oom();
                break;
            }
            cur = fi;
            if ((rc = dataset_deletions(ds, fi, &dv))) break;
        }
        if (off >= ds->mf.m->fragments[fi]->physical_rows ||
            (dv && roaring_bitmap_contains(dv, (uint32_t)off))) {
            rc = bsp_err(BSP_ENOTFOUND, "%s: row address %" PRIu64 " (fragment %" PRIu64
                         ", row %" PRIu64 ") is %s", ds->path, row_addrs[i], fid, off,
                         dv && roaring_bitmap_contains(dv, (uint32_t)off) ? "deleted" : "past the end");
            break;
        }
        if ((rc = dataset_read_rows(ds, fi, files, fields, nf, off, 1, one))) break;
        for (size_t k = 0; k < nf && !rc; k++) rc = col_append(&out->cols[k], &one[k]);
        for (size_t k = 0; k < nf; k++) bsp_column_free(&one[k]);
    }
    if (files) dataset_close_files(files, nfiles);
    free(files);
    rb_free(dv);
    free(one);
    free(fields);
    if (!rc && addr) rc = col_from_u64(row_addrs, n, &out->cols[nf]);
    if (rc) {
        bsp_batch_free(out);
        return rc;
    }
    out->nrows = n;
    return BSP_OK;
}

/* ---- fingerprint runs ------------------------------------------------------------------------- */

typedef struct fp_ctx {
    bsp_fp_run_fn fn;
    void *ctx;
    uint64_t fragment_id;
    const roaring_bitmap_t *dv;
    uint8_t *live;
    size_t live_cap;
} fp_ctx;

static int fp_run(void *c, uint64_t first_row, uint64_t rows, const uint8_t *bytes)
{
    fp_ctx *x = c;
    const uint8_t *live = NULL;
    if (x->dv && roaring_bitmap_range_cardinality(x->dv, first_row, first_row + rows) > 0) {
        size_t need = (size_t)((rows + 7) / 8);
        if (need > x->live_cap) {
            uint8_t *p = realloc(x->live, need);
            if (!p) return oom();
            x->live = p;
            x->live_cap = need;
        }
        memset(x->live, 0xff, need);
        for (uint64_t j = 0; j < rows; j++)
            if (roaring_bitmap_contains(x->dv, (uint32_t)(first_row + j)))
                x->live[j >> 3] &= (uint8_t)~(1u << (j & 7));
        live = x->live;
    }
    return x->fn(x->ctx, x->fragment_id, first_row, rows, bytes, live);
}

/* Fragment fragment_index and its fingerprint field named column, or an error. */
static int fp_column(const bsp_dataset *ds, size_t fragment_index, const char *column,
                     const Lance__Table__DataFragment **f, const bsp_field **fd)
{
    const Lance__Table__Manifest *m = ds->mf.m;
    if (fragment_index >= m->n_fragments)
        return bsp_err(BSP_ERANGE, "%s: fragment index %zu out of range", ds->path, fragment_index);
    int k = bsp_schema_find(&ds->schema, column);
    if (k < 0) return bsp_err(BSP_ENOTFOUND, "%s: no column named %s", ds->path, column);
    *fd = &ds->schema.fields[k];
    if (!bsp_type_is_fingerprint((*fd)->type))
        return bsp_err(BSP_EINVAL, "%s: column %s is not a 2048-byte fingerprint", ds->path, column);
    *f = m->fragments[fragment_index];
    return BSP_OK;
}

int bsp_dataset_scan_fp(const bsp_dataset *ds, size_t fragment_index, const char *column,
                        bsp_fp_run_fn fn, void *ctx)
{
    const Lance__Table__DataFragment *f;
    const bsp_field *fd;
    int rc0 = fp_column(ds, fragment_index, column, &f, &fd);
    if (rc0) return rc0;
    size_t file;
    uint32_t col;
    if (!dataset_locate(f, fd->id, &file, &col)) return BSP_OK; /* all NULL in this fragment */
    char *p = dataset_data_path(ds, f->files[file]);
    if (!p) return oom();
    struct datafile *df;
    int rc = datafile_open(p, f->files[file]->file_size_bytes, &df);
    free(p);
    if (rc) return rc;
    fp_ctx x = {fn, ctx, f->id, NULL, NULL, 0};
    roaring_bitmap_t *dv = NULL;
    rc = dataset_deletions(ds, fragment_index, &dv);
    x.dv = dv;
    if (!rc) rc = datafile_scan_fixed(df, col, fd->type.dim, 0, f->physical_rows, fp_run, &x);
    rb_free(dv);
    free(x.live);
    datafile_close(df);
    return rc;
}

/* ---- fingerprint columns mapped ---------------------------------------------------------------- */

int bsp_dataset_map_fp(const bsp_dataset *ds, size_t fragment_index, const char *column, bsp_fp_map *out)
{
    memset(out, 0, sizeof *out);
    const Lance__Table__DataFragment *f;
    const bsp_field *fd;
    int rc0 = fp_column(ds, fragment_index, column, &f, &fd);
    if (rc0) return rc0;
    size_t file;
    uint32_t col;
    if (!dataset_locate(f, fd->id, &file, &col) || f->deletion_file)
        return bsp_err(BSP_EUNSUPPORTED, "%s: fragment %zu: column %s is not stored whole", ds->path,
                       fragment_index, column);
    char *p = dataset_data_path(ds, f->files[file]);
    if (!p) return oom();
    struct datafile *df = NULL;
    uint64_t off = 0, rows = 0, size = 0;
    int fdesc = -1;
    int rc = datafile_open(p, f->files[file]->file_size_bytes, &df);
    if (!rc) {
        rows = datafile_rows(df);
        if (rows != f->physical_rows)
            rc = bsp_err(BSP_EUNSUPPORTED, "%s: %llu rows, the fragment has %llu", p, (unsigned long long)rows,
                         (unsigned long long)f->physical_rows);
    }
    if (!rc) rc = datafile_fixed_extent(df, col, fd->type.dim, &off);
    if (!rc) rc = io_open_read(p, &fdesc, &size);
    if (!rc && (rows > (SIZE_MAX - off) / fd->type.dim || off + rows * fd->type.dim > size))
        rc = bsp_err(BSP_ECORRUPT, "%s: the fingerprint column ends after the file", p);
    if (!rc && rows > 0) {
        long pg = sysconf(_SC_PAGESIZE);
        uint64_t start = off - off % (uint64_t)(pg > 0 ? pg : 4096);
        size_t len = (size_t)(off + rows * fd->type.dim - start);
        /* Ask for the whole range at once (large reads when it is not cached: populating alone
         * reads it in small readahead steps), populate read-only (a writable private mapping
         * would be populated by copying every page), then allow writes: only the pages the
         * caller changes get copied. */
        (void)posix_fadvise(fdesc, (off_t)start, (off_t)len, POSIX_FADV_WILLNEED);
        void *base = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fdesc, (off_t)start);
        if (base == MAP_FAILED) {
            rc = bsp_err(BSP_EIO, "%s: mmap: cannot map %zu bytes", p, len);
        } else if (mprotect(base, len, PROT_READ | PROT_WRITE) != 0) {
            munmap(base, len);
            rc = bsp_err(BSP_EIO, "%s: mprotect failed", p);
        } else {
            *out = (bsp_fp_map){(uint8_t *)base + (off - start), rows, base, len};
        }
    }
    if (fdesc >= 0) io_close(fdesc);
    if (df) datafile_close(df);
    free(p);
    return rc;
}

void bsp_fp_map_free(bsp_fp_map *m)
{
    if (m->base) munmap(m->base, m->len);
    memset(m, 0, sizeof *m);
}
