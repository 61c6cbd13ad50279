/* Adjacency segments: the sorted out- and in-adjacency of one edges fragment, built from
 * the fragment's src/dst/type columns and stored as a Lance 2.0 file (docs/graph.md).
 *
 * The one idea: a segment is two sorted arrays of (node, type, neighbour, row) — a CSR
 * without the offsets array, found by binary search — so one file format serves both
 * directions, reading is a column decode plus an order check, and a segment never needs
 * updating: its fragment is immutable under its id. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "index/graph_internal.h"
#include "lance/datafile.h"
#include "util/error.h"

static int oom(void) { return bsp_err(BSP_ENOMEM, "out of memory"); }

/* ---- type dictionary ------------------------------------------------------------------ */

static uint64_t hash_str(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

static int typedict_grow(typedict *d)
{
    size_t ns = d->nslots ? d->nslots * 2 : 64;
    uint32_t *sl = calloc(ns, sizeof *sl);
    if (!sl) return oom();
    for (size_t i = 0; i < d->n; i++) {
        size_t h = hash_str(d->names[i], strlen(d->names[i])) & (ns - 1);
        while (sl[h]) h = (h + 1) & (ns - 1);
        sl[h] = (uint32_t)i + 1;
    }
    free(d->slots);
    d->slots = sl;
    d->nslots = ns;
    return BSP_OK;
}

static int lookup(const typedict *d, const char *s, size_t len, size_t *slot)
{
    if (!d->nslots) return 0;
    size_t h = hash_str(s, len) & (d->nslots - 1);
    while (d->slots[h]) {
        const char *n = d->names[d->slots[h] - 1];
        if (strlen(n) == len && memcmp(n, s, len) == 0) {
            *slot = h;
            return 1;
        }
        h = (h + 1) & (d->nslots - 1);
    }
    *slot = h;
    return 0;
}

int typedict_add(typedict *d, const char *s, size_t len, uint32_t *id)
{
    size_t slot;
    if (lookup(d, s, len, &slot)) {
        *id = d->slots[slot] - 1;
        return BSP_OK;
    }
    if ((d->n + 1) * 2 > d->nslots) {
        int rc = typedict_grow(d);
        if (rc) return rc;
        lookup(d, s, len, &slot);
    }
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 16;
        char **nn = realloc(d->names, nc * sizeof *nn);
        if (!nn) return oom();
        d->names = nn;
        d->cap = nc;
    }
    char *c = malloc(len + 1);
    if (!c) return oom();
    memcpy(c, s, len);
    c[len] = 0;
    d->names[d->n] = c;
    d->slots[slot] = (uint32_t)++d->n;
    *id = (uint32_t)d->n - 1;
    return BSP_OK;
}

int typedict_find(const typedict *d, const char *s, uint32_t *id)
{
    size_t slot;
    if (!lookup(d, s, strlen(s), &slot)) return 0;
    *id = d->slots[slot] - 1;
    return 1;
}

void typedict_free(typedict *d)
{
    for (size_t i = 0; i < d->n; i++) free(d->names[i]);
    free(d->names);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

/* ---- building --------------------------------------------------------------------------- */

void nseg_free(nseg *s)
{
    free(s->e[0]);
    free(s->e[1]);
    memset(s, 0, sizeof *s);
}

static int cmp_entry(const void *a, const void *b)
{
    const nseg_entry *x = a, *y = b;
    if (x->node != y->node) return x->node < y->node ? -1 : 1;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    if (x->nbr != y->nbr) return x->nbr < y->nbr ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* Key byte p of an entry, least significant first: nbr (8 bytes), type (4), node (8). */
static inline unsigned key_byte(const nseg_entry *e, int p)
{
    if (p < 8) return (unsigned)(e->nbr >> (8 * p)) & 255u;
    if (p < 12) return (e->type >> (8 * (p - 8))) & 255u;
    return (unsigned)(e->node >> (8 * (p - 12))) & 255u;
}

/* Sort by (node, type, nbr), stable, so rows (built in ascending order) stay ascending among
 * equal keys — the order cmp_entry defines. LSD radix sort that skips byte positions where
 * every entry has the same byte (small ids need ~7 of the 20 passes). */
static int sort_entries(nseg_entry *e, size_t n)
{
    if (n < 64) {
        qsort(e, n, sizeof *e, cmp_entry);
        return BSP_OK;
    }
    size_t(*cnt)[256] = calloc(20, sizeof *cnt);
    nseg_entry *tmp = malloc(n * sizeof *tmp);
    if (!cnt || !tmp) {
        free(cnt);
        free(tmp);
        return oom();
    }
    for (size_t i = 0; i < n; i++)
        for (int p = 0; p < 20; p++) cnt[p][key_byte(&e[i], p)]++;
    nseg_entry *src = e, *dst = tmp;
    for (int p = 0; p < 20; p++) {
        if (cnt[p][key_byte(&src[0], p)] == n) continue; /* constant byte */
        size_t pos[256], sum = 0;
        for (int b = 0; b < 256; b++) {
            pos[b] = sum;
            sum += cnt[p][b];
        }
        for (size_t i = 0; i < n; i++) dst[pos[key_byte(&src[i], p)]++] = src[i];
        nseg_entry *t = src;
        src = dst;
        dst = t;
    }
    if (src != e) memcpy(e, src, n * sizeof *e);
    free(tmp);
    free(cnt);
    return BSP_OK;
}

int graph_edge_cols(const bsp_dataset *ds, edge_cols *out)
{
    const bsp_schema *s = &ds->schema;
    out->src = bsp_schema_find(s, "src");
    out->dst = bsp_schema_find(s, "dst");
    out->type = bsp_schema_find(s, "type");
    if (out->src < 0 || out->dst < 0)
        return bsp_err(BSP_EINVAL, "%s: not an edges table (needs columns src and dst)", ds->path);
    bsp_type_id ts = s->fields[out->src].type.id, td = s->fields[out->dst].type.id;
    bool ok_s = ts == BSP_T_UINT64 || ts == BSP_T_INT64, ok_d = td == BSP_T_UINT64 || td == BSP_T_INT64;
    if (!ok_s || !ok_d)
        return bsp_err(BSP_EINVAL, "%s: src and dst must be uint64 or int64", ds->path);
    if (out->type >= 0) {
        bsp_type_id tt = s->fields[out->type].type.id;
        if (tt != BSP_T_UTF8 && tt != BSP_T_LARGE_UTF8) out->type = -1;
    }
    return BSP_OK;
}

#define NSEG_CHUNK 65536u

int nseg_build(const bsp_dataset *ds, size_t fi, const edge_cols *ec, const roaring_bitmap_t *dv,
               typedict *types, nseg *out)
{
    memset(out, 0, sizeof *out);
    const bsp_fragment_info *f = &ds->frags[fi];
    out->fragment_id = f->id;
    if (f->physical_rows > UINT32_MAX)
        return bsp_err(BSP_EUNSUPPORTED, "%s: fragment %" PRIu64 " has more than 2^32 rows",
                       ds->path, f->id);
    size_t cap = (size_t)f->physical_rows;
    out->e[0] = malloc((cap ? cap : 1) * sizeof(nseg_entry));
    out->e[1] = malloc((cap ? cap : 1) * sizeof(nseg_entry));
    if (!out->e[0] || !out->e[1]) {
        nseg_free(out);
        return oom();
    }
    uint32_t nfiles = ds->mf.m->fragments[fi]->n_files;
    struct datafile **files = calloc(nfiles ? nfiles : 1, sizeof *files);
    if (!files) {
        nseg_free(out);
        return oom();
    }
    size_t fields[3] = {(size_t)ec->src, (size_t)ec->dst, (size_t)(ec->type >= 0 ? ec->type : 0)};
    size_t nf = ec->type >= 0 ? 3 : 2;
    int rc = BSP_OK;
    for (uint64_t start = 0; start < f->physical_rows && !rc; start += NSEG_CHUNK) {
        uint64_t n = f->physical_rows - start < NSEG_CHUNK ? f->physical_rows - start : NSEG_CHUNK;
        bsp_column cols[3];
        if ((rc = dataset_read_rows(ds, fi, files, fields, nf, start, n, cols))) break;
        const uint64_t *src = (const uint64_t *)cols[0].data, *dst = (const uint64_t *)cols[1].data;
        for (uint64_t r = 0; r < n && !rc; r++) {
            uint32_t row = (uint32_t)(start + r);
            if (dv && roaring_bitmap_contains(dv, row)) continue;
            if (!bsp_column_is_valid(&cols[0], r) || !bsp_column_is_valid(&cols[1], r)) continue;
            uint32_t tid = 0;
            if (nf == 3 && bsp_column_is_valid(&cols[2], r)) {
                const char *s = (const char *)cols[2].data + cols[2].offsets[r];
                rc = typedict_add(types, s, (size_t)(cols[2].offsets[r + 1] - cols[2].offsets[r]), &tid);
            } else {
                rc = typedict_add(types, "", 0, &tid);
            }
            out->e[0][out->n[0]++] = (nseg_entry){src[r], dst[r], tid, row};
            out->e[1][out->n[1]++] = (nseg_entry){dst[r], src[r], tid, row};
        }
        for (size_t k = 0; k < nf; k++) bsp_column_free(&cols[k]);
    }
    dataset_close_files(files, nfiles);
    free(files);
    if (rc) {
        nseg_free(out);
        return rc;
    }
    if ((rc = sort_entries(out->e[0], out->n[0])) || (rc = sort_entries(out->e[1], out->n[1])))
        nseg_free(out);
    return rc;
}

/* ---- the segment file ------------------------------------------------------------------- */

static const char *const seg_names[5] = {"dir", "node", "type", "nbr", "row"};
static const bsp_type_id seg_types[5] = {BSP_T_UINT8, BSP_T_UINT64, BSP_T_UINT32, BSP_T_UINT64,
                                         BSP_T_UINT32};

int nseg_write(const char *path, const nseg *s)
{
    uint64_t n = s->n[0] + s->n[1];
    bsp_field fields[5];
    bsp_column cols[5];
    memset(cols, 0, sizeof cols);
    int rc = BSP_OK;
    for (int k = 0; k < 5; k++) {
        fields[k] = (bsp_field){(char *)seg_names[k], {seg_types[k], 0}, false, k};
        cols[k].type = fields[k].type;
        cols[k].length = n;
        cols[k].data_len = n * bsp_type_width(fields[k].type);
        if (!(cols[k].data = malloc(cols[k].data_len ? cols[k].data_len : 1))) rc = oom();
    }
    if (!rc) {
        uint8_t *dir = cols[0].data;
        uint64_t *node = (uint64_t *)cols[1].data, *nbr = (uint64_t *)cols[3].data;
        uint32_t *type = (uint32_t *)cols[2].data, *row = (uint32_t *)cols[4].data;
        uint64_t i = 0;
        for (int d = 0; d < 2; d++)
            for (size_t j = 0; j < s->n[d]; j++, i++) {
                const nseg_entry *e = &s->e[d][j];
                dir[i] = (uint8_t)d;
                node[i] = e->node;
                type[i] = e->type;
                nbr[i] = e->nbr;
                row[i] = e->row;
            }
        bsp_schema schema = {5, fields};
        bsp_batch batch = {n, 5, cols};
        uint64_t size;
        rc = datafile_write(path, &schema, &batch, &size);
    }
    for (int k = 0; k < 5; k++) free(cols[k].data);
    return rc;
}

static int nseg_decode(datafile *f, const char *path, uint64_t fragment_id,
                       uint64_t physical_rows, size_t ntypes, nseg *out)
{
    memset(out, 0, sizeof *out);
    out->fragment_id = fragment_id;
    int rc = BSP_OK;
    uint64_t n = datafile_rows(f);
    bsp_column cols[5];
    memset(cols, 0, sizeof cols);
    if (datafile_ncolumns(f) != 5)
        rc = bsp_err(BSP_ECORRUPT, "%s: neighbour segment has %u columns, expected 5", path,
                     datafile_ncolumns(f));
    for (uint32_t k = 0; k < 5 && !rc; k++) {
        rc = datafile_read_column(f, k, (bsp_type){seg_types[k], 0}, 0, n, &cols[k]);
        if (!rc && cols[k].validity)
            rc = bsp_err(BSP_ECORRUPT, "%s: neighbour segment column %s has nulls", path,
                         seg_names[k]);
    }
    if (!rc) {
        out->e[0] = malloc((n ? n : 1) * sizeof(nseg_entry));
        out->e[1] = malloc((n ? n : 1) * sizeof(nseg_entry));
        if (!out->e[0] || !out->e[1]) rc = oom();
    }
    if (!rc) {
        const uint8_t *dir = cols[0].data;
        const uint64_t *node = (const uint64_t *)cols[1].data, *nbr = (const uint64_t *)cols[3].data;
        const uint32_t *type = (const uint32_t *)cols[2].data, *row = (const uint32_t *)cols[4].data;
        for (uint64_t i = 0; i < n && !rc; i++) {
            if (dir[i] > 1 || type[i] >= ntypes || row[i] >= physical_rows ||
                (i && dir[i] < dir[i - 1])) {
                rc = bsp_err(BSP_ECORRUPT, "%s: neighbour segment entry %" PRIu64
                             " is invalid (direction %u, type %u of %zu, row %u of %" PRIu64 ")",
                             path, i, dir[i], type[i], ntypes, row[i], physical_rows);
                break;
            }
            nseg_entry e = {node[i], nbr[i], type[i], row[i]};
            int d = dir[i];
            if (out->n[d] && cmp_entry(&out->e[d][out->n[d] - 1], &e) > 0) {
                rc = bsp_err(BSP_ECORRUPT, "%s: neighbour segment entry %" PRIu64
                             " is out of order", path, i);
                break;
            }
            out->e[d][out->n[d]++] = e;
        }
    }
    for (int k = 0; k < 5; k++) bsp_column_free(&cols[k]);
    if (rc) nseg_free(out);
    return rc;
}

int nseg_read(const char *path, uint64_t fragment_id, uint64_t physical_rows, size_t ntypes,
              nseg *out)
{
    memset(out, 0, sizeof *out);
    datafile *f;
    int rc = datafile_open(path, 0, &f);
    if (rc) return rc;
    rc = nseg_decode(f, path, fragment_id, physical_rows, ntypes, out);
    datafile_close(f);
    return rc;
}

int nseg_read_mem(const char *name, const uint8_t *buf, size_t len, uint64_t physical_rows,
                  size_t ntypes, nseg *out)
{
    memset(out, 0, sizeof *out);
    datafile *f;
    int rc = datafile_open_mem(name, buf, len, &f);
    if (rc) return rc;
    rc = nseg_decode(f, name, 0, physical_rows, ntypes, out);
    datafile_close(f);
    return rc;
}
