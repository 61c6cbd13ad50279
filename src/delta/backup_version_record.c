/* The table side of a backup: read one version of a table as a state, and compare two
 * versions by their key column into a version record R(from → to) (spec §13).
 *
 * The one idea: a Lance row address names immutable bytes — a fragment's data files are
 * never rewritten — so a key found at the same row address in both versions (with the same
 * fingerprint field id) holds the same record and is not read at all. Only keys that moved
 * (an Update writes the new row in a new fragment), appeared or disappeared are fetched,
 * so a flush that changed 1 % of the rows reads about 1 % of the records. When most rows
 * moved (a first backup, a compaction) whole versions are streamed instead. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta/backup_internal.h"
#include "util/error.h"

static int oom(void) { return bsp_err(BSP_ENOMEM, "backup: out of memory"); }

/* ---- keys ------------------------------------------------------------------------------------ */

bool bk_key_type_ok(bsp_type t)
{
    switch (t.id) {
    case BSP_T_UINT8: case BSP_T_UINT16: case BSP_T_UINT32: case BSP_T_UINT64:
    case BSP_T_INT8: case BSP_T_INT16: case BSP_T_INT32: case BSP_T_INT64: return true;
    default: return false;
    }
}

uint64_t bk_col_key(const bsp_column *c, uint64_t i)
{
    const uint8_t *d = c->data;
    switch (c->type.id) {
    case BSP_T_UINT8: return d[i];
    case BSP_T_INT8: return (uint64_t)(int64_t)(int8_t)d[i];
    case BSP_T_UINT16: { uint16_t x; memcpy(&x, d + 2 * i, 2); return x; }
    case BSP_T_INT16: { int16_t x; memcpy(&x, d + 2 * i, 2); return (uint64_t)(int64_t)x; }
    case BSP_T_UINT32: { uint32_t x; memcpy(&x, d + 4 * i, 4); return x; }
    case BSP_T_INT32: { int32_t x; memcpy(&x, d + 4 * i, 4); return (uint64_t)(int64_t)x; }
    default: { uint64_t x; memcpy(&x, d + 8 * i, 8); return x; }
    }
}

int bk_col_from_keys(bsp_type t, const uint64_t *keys, size_t n, bsp_column *out)
{
    memset(out, 0, sizeof *out);
    size_t w = bsp_type_width(t);
    out->type = t;
    out->length = n;
    out->data = malloc(n * w > 0 ? n * w : 1);
    if (!out->data) return oom();
    out->data_len = n * w;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = keys[i];
        memcpy(out->data + i * w, &k, w); /* little-endian: the low w bytes */
    }
    return BSP_OK;
}

int bk_table_cols_resolve(const bsp_dataset *ds, const bsp_backup_options *o, bk_table_cols *c)
{
    const bsp_schema *s = bsp_dataset_schema(ds);
    const char *path = bsp_dataset_path(ds);
    memset(c, 0, sizeof *c);
    int k = -1;
    if (o && o->key_column) {
        k = bsp_schema_find(s, o->key_column);
        if (k < 0) return bsp_err(BSP_ENOTFOUND, "%s: no key column '%s'", path, o->key_column);
    } else {
        k = bsp_schema_find(s, "addr");
        if (k < 0) k = bsp_schema_find(s, "id");
        if (k < 0) return bsp_err(BSP_ENOTFOUND, "%s: no key column (addr or id); name one", path);
    }
    if (!bk_key_type_ok(s->fields[k].type))
        return bsp_err(BSP_EUNSUPPORTED, "%s: key column '%s' is not an integer column", path,
                       s->fields[k].name);
    int f = -1;
    if (o && o->fingerprint_column) {
        f = bsp_schema_find(s, o->fingerprint_column);
        if (f < 0) return bsp_err(BSP_ENOTFOUND, "%s: no fingerprint column '%s'", path, o->fingerprint_column);
    } else {
        f = bsp_schema_find(s, "fingerprint");
        if (f < 0 || !bsp_type_is_fingerprint(s->fields[f].type)) {
            f = -1;
            for (size_t i = 0; i < s->nfields; i++) {
                if (!bsp_type_is_fingerprint(s->fields[i].type)) continue;
                if (f >= 0) return bsp_err(BSP_EINVAL, "%s: several 2,048-byte columns; name one", path);
                f = (int)i;
            }
        }
        if (f < 0) return bsp_err(BSP_ENOTFOUND, "%s: no 2,048-byte fingerprint column", path);
    }
    if (!bsp_type_is_fingerprint(s->fields[f].type))
        return bsp_err(BSP_EUNSUPPORTED, "%s: column '%s' is not a 2,048-byte fingerprint column", path,
                       s->fields[f].name);
    snprintf(c->key, sizeof c->key, "%s", s->fields[k].name);
    snprintf(c->fp, sizeof c->fp, "%s", s->fields[f].name);
    c->key_type = s->fields[k].type;
    return BSP_OK;
}

/* Keys of one version with their row addresses, in scan order (fragment, offset). */
typedef struct keyrow { uint64_t key, addr; uint32_t scan; } keyrow;

static int cmp_key(const void *a, const void *b)
{
    const keyrow *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

static int load_keys(const bsp_dataset *ds, const bk_table_cols *c, keyrow **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *cols[1] = {c->key};
    bsp_scan_options so = {.columns = cols, .ncolumns = 1, .with_row_addr = true, .batch_rows = 65536};
    bsp_scanner *sc;
    int rc = bsp_scanner_open(ds, &so, &sc);
    if (rc) return rc;
    size_t cap = bsp_dataset_count_rows(ds) + 1;
    keyrow *k = malloc(cap * sizeof *k);
    if (!k) rc = oom();
    bsp_batch b;
    while (!rc && (rc = bsp_scanner_next(sc, &b)) == 1) {
        rc = 0;
        if (b.cols[0].type.id != c->key_type.id)
            rc = bsp_err(BSP_ECORRUPT, "%s: key column '%s' changed type", bsp_dataset_path(ds), c->key);
        for (uint64_t i = 0; i < b.nrows && !rc; i++) {
            if (!bsp_column_is_valid(&b.cols[0], i)) {
                rc = bsp_err(BSP_EINVAL, "%s version %" PRIu64 ": null key in column '%s'",
                             bsp_dataset_path(ds), bsp_dataset_version(ds), c->key);
                break;
            }
            if (*n == cap) {
                cap *= 2;
                keyrow *kk = realloc(k, cap * sizeof *kk);
                if (!kk) { rc = oom(); break; }
                k = kk;
            }
            uint64_t a;
            memcpy(&a, b.cols[1].data + 8 * i, 8);
            k[*n] = (keyrow){bk_col_key(&b.cols[0], i), a, (uint32_t)*n};
            ++*n;
        }
        bsp_batch_free(&b);
    }
    bsp_scanner_free(sc);
    if (rc < 0) {
        free(k);
        *n = 0;
        return rc;
    }
    qsort(k, *n, sizeof *k, cmp_key);
    for (size_t i = 1; i < *n; i++)
        if (k[i].key == k[i - 1].key) {
            rc = bsp_err(BSP_EINVAL, "%s version %" PRIu64 ": key %" PRIu64 " appears twice in '%s'"
                         " (the key column must be unique)", bsp_dataset_path(ds),
                         bsp_dataset_version(ds), k[i].key, c->key);
            free(k);
            *n = 0;
            return rc;
        }
    *out = k;
    return BSP_OK;
}

/* ---- whole versions ---------------------------------------------------------------------------- */

typedef struct stream_ctx {
    const uint64_t *addrs;   /* row addresses in scan order */
    size_t n, at;
    uint8_t *arena;
    const char *path;
} stream_ctx;

static int stream_run(void *c, uint64_t frag, uint64_t first, uint64_t nrows, const uint8_t *bytes,
                      const uint8_t *live)
{
    stream_ctx *x = c;
    for (uint64_t j = 0; j < nrows; j++) {
        if (live && !((live[j >> 3] >> (j & 7)) & 1)) continue;
        if (x->at >= x->n || x->addrs[x->at] != BSP_ROW_ADDR(frag, first + j))
            return bsp_err(BSP_ECORRUPT, "%s: fingerprint rows do not line up with the key column", x->path);
        memcpy(x->arena + x->at * BK_REC, bytes + j * BK_REC, BK_REC);
        x->at++;
    }
    return 0;
}

/* Read the state of an open version. */
static int ds_state(const bsp_dataset *ds, const bk_table_cols *c, bk_state *out)
{
    memset(out, 0, sizeof *out);
    keyrow *k;
    size_t n;
    int rc = load_keys(ds, c, &k, &n);
    if (rc) return rc;
    uint64_t *addrs = malloc((n ? n : 1) * sizeof *addrs);
    if (!addrs) rc = oom();
    for (size_t i = 0; i < n && !rc; i++) addrs[k[i].scan] = k[i].addr;
    if (!rc) rc = bk_state_reserve(out, n);
    stream_ctx sx = {addrs, n, 0, out->arena, bsp_dataset_path(ds)};
    for (size_t f = 0; f < bsp_dataset_fragment_count(ds) && !rc; f++)
        rc = bsp_dataset_scan_fp(ds, f, c->fp, stream_run, &sx);
    if (!rc && sx.at != n)
        rc = bsp_err(BSP_ECORRUPT, "%s: %zu fingerprints for %zu keys", bsp_dataset_path(ds), sx.at, n);
    if (!rc) {
        for (size_t i = 0; i < n; i++) {
            out->keys[i] = k[i].key;
            out->slot[i] = k[i].scan;
        }
        out->n = out->nslots = n;
    }
    free(addrs);
    free(k);
    if (rc) bk_state_free(out);
    return rc;
}

static int open_version(const char *table, uint64_t v, bsp_dataset **ds)
{
    int rc = bsp_dataset_open(table, v, ds);
    if (rc == BSP_ENOTFOUND)
        return bsp_err(BSP_ENOTFOUND, "%s: version %" PRIu64 " does not exist (any more)", table, v);
    return rc;
}

int bk_table_state(const char *table, uint64_t v, const bk_table_cols *c, bk_state *out)
{
    memset(out, 0, sizeof *out);
    if (v == 0) return BSP_OK; /* before the first commit: empty */
    bsp_dataset *ds;
    int rc = open_version(table, v, &ds);
    if (rc) return rc;
    rc = ds_state(ds, c, out);
    bsp_dataset_free(ds);
    return rc;
}

/* ---- comparing two versions -------------------------------------------------------------------- */

/* Records of rows (row addresses, any order) into out (n * 2048, input order). */
typedef struct fetch_item { uint64_t addr; size_t i; } fetch_item;
static int cmp_fetch(const void *a, const void *b)
{
    const fetch_item *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int fetch(const bsp_dataset *ds, const char *fp, const uint64_t *addrs, size_t n, uint8_t *out)
{
    if (!n) return BSP_OK;
    fetch_item *it = malloc(n * sizeof *it);
    uint64_t *sorted = malloc(n * sizeof *sorted);
    int rc = (!it || !sorted) ? oom() : BSP_OK;
    if (!rc) {
        for (size_t i = 0; i < n; i++) it[i] = (fetch_item){addrs[i], i};
        qsort(it, n, sizeof *it, cmp_fetch);
        for (size_t i = 0; i < n; i++) sorted[i] = it[i].addr;
        const char *cols[1] = {fp};
        bsp_scan_options so = {.columns = cols, .ncolumns = 1};
        bsp_batch b;
        rc = bsp_dataset_take(ds, sorted, n, &so, &b);
        if (!rc) {
            if (b.cols[0].data_len < n * BK_REC)
                rc = bsp_err(BSP_ECORRUPT, "%s: short fingerprint column", bsp_dataset_path(ds));
            for (size_t i = 0; i < n && !rc; i++) {
                if (!bsp_column_is_valid(&b.cols[0], i))
                    rc = bsp_err(BSP_EINVAL, "%s: null fingerprint at row address %" PRIu64,
                                 bsp_dataset_path(ds), it[i].addr);
                else
                    memcpy(out + it[i].i * BK_REC, b.cols[0].data + i * BK_REC, BK_REC);
            }
            bsp_batch_free(&b);
        }
    }
    free(it);
    free(sorted);
    return rc;
}

static int32_t fp_field_id(const bsp_dataset *ds, const char *fp)
{
    const bsp_schema *s = bsp_dataset_schema(ds);
    int i = bsp_schema_find(s, fp);
    return i < 0 ? -1 : s->fields[i].id;
}

/* One side of a comparison: either a whole state (dense) or fetched rows. */
typedef struct side {
    bsp_dataset *ds;
    keyrow *k;
    size_t n;
    bool dense;
    bk_state st;          /* dense */
    uint64_t *want;       /* sparse: row addresses to fetch, then their records */
    size_t nwant;
    uint8_t *recs;
} side;

static void side_free(side *s)
{
    if (s->ds) bsp_dataset_free(s->ds);
    free(s->k);
    bk_state_free(&s->st);
    free(s->want);
    free(s->recs);
}

int bk_table_record(const char *table, uint64_t from, uint64_t to, const bk_table_cols *c,
                    bk_record *out)
{
    memset(out, 0, sizeof *out);
    out->from = from;
    out->to = to;
    side A = {0}, B = {0};
    int rc = BSP_OK;
    if (from) {
        rc = open_version(table, from, &A.ds);
        if (!rc) rc = load_keys(A.ds, c, &A.k, &A.n);
    }
    if (!rc) rc = open_version(table, to, &B.ds);
    if (!rc) rc = load_keys(B.ds, c, &B.k, &B.n);
    if (rc) goto done;
    bool same_field = !A.ds || fp_field_id(A.ds, c->fp) == fp_field_id(B.ds, c->fp);

    /* Pass 1: which rows must be read on each side. */
    size_t na = 0, nb = 0;
    for (size_t i = 0, j = 0; i < A.n || j < B.n;) {
        if (j == B.n || (i < A.n && A.k[i].key < B.k[j].key)) na++, i++;
        else if (i == A.n || B.k[j].key < A.k[i].key) nb++, j++;
        else {
            if (!same_field || A.k[i].addr != B.k[j].addr) na++, nb++;
            i++, j++;
        }
    }
    A.dense = na > A.n / 8 + 64 && na > 0;
    B.dense = nb > B.n / 8 + 64 && nb > 0;
    if (A.dense) rc = ds_state(A.ds, c, &A.st);
    if (!rc && B.dense) rc = ds_state(B.ds, c, &B.st);
    if (rc) goto done;
    A.want = malloc((na ? na : 1) * sizeof *A.want);
    B.want = malloc((nb ? nb : 1) * sizeof *B.want);
    A.recs = malloc(A.dense ? 1 : (na ? na : 1) * BK_REC);
    B.recs = malloc(B.dense ? 1 : (nb ? nb : 1) * BK_REC);
    if (!A.want || !B.want || !A.recs || !B.recs) {
        rc = oom();
        goto done;
    }
    for (size_t i = 0, j = 0; i < A.n || j < B.n;) {
        if (j == B.n || (i < A.n && A.k[i].key < B.k[j].key)) A.want[A.nwant++] = A.k[i++].addr;
        else if (i == A.n || B.k[j].key < A.k[i].key) B.want[B.nwant++] = B.k[j++].addr;
        else {
            if (!same_field || A.k[i].addr != B.k[j].addr) {
                A.want[A.nwant++] = A.k[i].addr;
                B.want[B.nwant++] = B.k[j].addr;
            }
            i++, j++;
        }
    }
    if (!A.dense) rc = fetch(A.ds, c->fp, A.want, A.nwant, A.recs);
    if (!rc && !B.dense) rc = fetch(B.ds, c->fp, B.want, B.nwant, B.recs);
    if (rc) goto done;

    /* Pass 2: entries in key order. Dense sides are indexed by position (same key order). */
    out->rows_from = A.n;
    out->rows_to = B.n;
    size_t ia = 0, ib = 0;
    uint8_t wire[BSP_DELTA_MAX_WIRE];
    for (size_t i = 0, j = 0; i < A.n || j < B.n;) {
        const uint8_t *ra = NULL, *rb = NULL;
        uint64_t key;
        if (j == B.n || (i < A.n && A.k[i].key < B.k[j].key)) {
            key = A.k[i].key;
            ra = A.dense ? bk_state_rec(&A.st, i) : A.recs + ia * BK_REC;
            ia++, i++;
        } else if (i == A.n || B.k[j].key < A.k[i].key) {
            key = B.k[j].key;
            rb = B.dense ? bk_state_rec(&B.st, j) : B.recs + ib * BK_REC;
            ib++, j++;
        } else {
            key = A.k[i].key;
            bool moved = !same_field || A.k[i].addr != B.k[j].addr;
            if (moved) {
                ra = A.dense ? bk_state_rec(&A.st, i) : A.recs + ia * BK_REC;
                rb = B.dense ? bk_state_rec(&B.st, j) : B.recs + ib * BK_REC;
                ia++, ib++;
            }
            i++, j++;
            if (!moved) continue;
        }
        if (ra && rb) {
            if (memcmp(ra, rb, BK_REC) == 0) continue;
            bsp_delta d;
            bsp_delta_compute(&d, (const uint64_t *)(const void *)ra, (const uint64_t *)(const void *)rb);
            int len = bsp_delta_encode(&d, wire, sizeof wire);
            if (len < 0) { rc = len; break; }
            rc = bk_record_add(out, key, BSP_BACKUP_MODIFY, bsp_fnv1a64(rb, BK_REC), wire, (uint32_t)len);
        } else if (rb) {
            rc = bk_record_add(out, key, BSP_BACKUP_CREATE, bsp_fnv1a64(rb, BK_REC), rb, BK_REC);
        } else {
            rc = bk_record_add(out, key, BSP_BACKUP_DELETE, bsp_fnv1a64(ra, BK_REC), ra, BK_REC);
        }
        if (rc) break;
    }
done:
    side_free(&A);
    side_free(&B);
    if (rc) bk_record_free(out);
    return rc;
}
