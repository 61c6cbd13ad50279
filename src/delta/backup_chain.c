/* The backup chain table (docs/backup.md "Chain table"): append a version record or a
 * snapshot marker as one commit, index the chain, and read one record back with every check.
 *
 * The one idea: each commit adds exactly one fragment, and its row 0 is a header that says
 * what the fragment is (kind HEADER: a version record; kind SNAPSHOT: a snapshot marker),
 * how many entries follow, the table's row counts before and after, and a digest of the
 * entries' CRCs. Indexing a chain therefore reads one row per fragment, and restore reads
 * only the fragments of the records it applies. Fragments are read through the Lance
 * layer's internal row reader (lance/dataset.h): the public API has no "one fragment" scan,
 * and this table is always written by us, one fragment per item.
 *
 * Columns: from_version u32, to_version u32, key (the table's key type), kind u8,
 * payload binary, checksum u64 (§13; for header rows FNV-1a-64 of the header payload),
 * crc u32 (CRC-32C of the whole entry, bk_entry_crc). Versions are u32 on purpose: every
 * byte of an entry is paid 1 % of the table's rows times per version, and 2^32 − 1 commits
 * is beyond any table's life; create refuses a version past it.
 *
 * Segments (backup_internal.h): a table's manifest lists every fragment, so one table per
 * chain would write a manifest growing by ~90 B per item on every append (and keep every old
 * one). Every snapshot marker after the first therefore starts a new segment table, and
 * appends go to the last segment: a manifest never lists more than one snapshot interval. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta/backup_internal.h"
#include "io/io.h"
#include "lance/dataset.h"
#include "lance/manifest.h"
#include "util/crc32c.h"
#include "util/error.h"

enum { C_FROM, C_TO, C_KEY, C_KIND, C_PAYLOAD, C_CHECKSUM, C_CRC, C_N };
static const char *const col_names[C_N] = {"from_version", "to_version", "key", "kind",
                                           "payload", "checksum", "crc"};

static int oom(void) { return bsp_err(BSP_ENOMEM, "backup: out of memory"); }

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

uint32_t bk_entry_crc(uint64_t from, uint64_t to, uint64_t key, uint8_t kind, uint64_t checksum,
                      const uint8_t *payload, size_t len)
{
    uint8_t h[33];
    put64(h, from);
    put64(h + 8, to);
    put64(h + 16, key);
    h[24] = kind;
    put64(h + 25, checksum);
    uint32_t c = crc32c_update(0, h, sizeof h);
    return crc32c_update(c, payload, len);
}

void bk_header_encode(uint8_t out[BK_HEADER_BYTES], uint64_t nentries, uint64_t rows_from,
                      uint64_t rows_to, uint64_t digest, uint64_t nmodify)
{
    put64(out, nentries);
    put64(out + 8, rows_from);
    put64(out + 16, rows_to);
    put64(out + 24, digest);
    put64(out + 32, nmodify);
}

uint64_t bk_digest_init(void) { return 0xcbf29ce484222325ull; }

uint64_t bk_digest_step(uint64_t h, uint32_t crc)
{
    for (int i = 0; i < 4; i++) {
        h ^= (crc >> (8 * i)) & 0xff;
        h *= 0x100000001b3ull;
    }
    return h;
}

/* ---- schema and appends ------------------------------------------------------------------ */

static int chain_schema(bsp_type key_type, bsp_schema *s)
{
    static const bsp_type_id ids[C_N] = {BSP_T_UINT32, BSP_T_UINT32, BSP_T_INVALID, BSP_T_UINT8,
                                         BSP_T_BINARY, BSP_T_UINT64, BSP_T_UINT32};
    s->nfields = C_N;
    s->fields = calloc(C_N, sizeof *s->fields);
    if (!s->fields) return oom();
    for (int i = 0; i < C_N; i++) {
        s->fields[i].name = strdup(col_names[i]);
        if (!s->fields[i].name) return oom();
        s->fields[i].type = i == C_KEY ? key_type : (bsp_type){ids[i], 0};
        s->fields[i].nullable = false;
        s->fields[i].id = -1;
    }
    return BSP_OK;
}

/* Does the table at path have a committed version? */
static bool committed(const char *path)
{
    uint64_t v;
    bool yes = manifest_latest(path, &v, NULL) == BSP_OK;
    bsp_errclear();
    return yes;
}

/* "<chain>/_segments/<v, 20 digits>.lance" (malloc'd). */
static char *segment_path(const char *chain, uint64_t v)
{
    size_t n = strlen(chain) + sizeof BK_SEGMENTS_DIR + 32;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s/%020" PRIu64 ".lance", chain, BK_SEGMENTS_DIR, v);
    return p;
}

/* The committed segments under <chain>/_segments, in order (names sorted bytewise = by
 * version); *names NULL and *n 0 when there are none. A segment directory without a
 * committed version (a crash before its first commit) is not a segment. */
static int list_segments(const char *chain, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    char *dir = io_path_join(chain, BK_SEGMENTS_DIR);
    if (!dir) return oom();
    char **all = NULL;
    size_t na = 0;
    int rc = io_list_dir(dir, &all, &na);
    if (rc == BSP_ENOTFOUND) {
        bsp_errclear();
        free(dir);
        return BSP_OK;
    }
    size_t k = 0; /* all[0 .. k) are the segments kept; the others are freed */
    for (size_t i = 0; i < na; i++) {
        size_t len = strlen(all[i]);
        char *p = !rc && len > 6 && !strcmp(all[i] + len - 6, ".lance") ? io_path_join(dir, all[i]) : NULL;
        bool keep = p && committed(p);
        free(p);
        if (keep) all[k++] = all[i];
        else free(all[i]);
    }
    free(dir);
    *names = all;
    *n = k;
    return rc;
}

/* Build and append one fragment to the table at path (the chain table or a segment of the
 * chain at chain): a header row plus the entries of r (r may be NULL). */
static int append(const char *chain, const char *path, bsp_type key_type, uint64_t from, uint64_t to,
                  uint8_t head_kind, const uint8_t head[BK_HEADER_BYTES], const bk_record *r)
{
    if (to > BK_MAX_VERSION)
        return bsp_err(BSP_ERANGE, "%s: version %" PRIu64 " is past the chain's limit (%" PRIu64 ")", path, to,
                       (uint64_t)BK_MAX_VERSION);
    size_t n = 1 + (r ? r->n : 0);
    size_t kw = bsp_type_width(key_type);
    uint64_t plen = BK_HEADER_BYTES + (r ? r->len : 0);
    bsp_schema schema = {0};
    bsp_batch b = {0};
    int rc = chain_schema(key_type, &schema);
    if (!rc) {
        b.cols = calloc(C_N, sizeof *b.cols);
        if (!b.cols) rc = oom();
    }
    if (rc) goto out;
    b.ncols = C_N;
    b.nrows = n;
    for (int i = 0; i < C_N; i++) {
        bsp_column *c = &b.cols[i];
        c->type = schema.fields[i].type;
        c->length = n;
        size_t w = i == C_PAYLOAD ? 0 : bsp_type_width(c->type);
        c->data_len = i == C_PAYLOAD ? plen : n * w;
        c->data = malloc(c->data_len ? c->data_len : 1);
        if (!c->data) { rc = oom(); goto out; }
    }
    b.cols[C_PAYLOAD].offsets = malloc((n + 1) * sizeof(uint64_t));
    if (!b.cols[C_PAYLOAD].offsets) { rc = oom(); goto out; }
    uint64_t *off = b.cols[C_PAYLOAD].offsets;
    uint8_t *pay = b.cols[C_PAYLOAD].data;
    off[0] = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = 0, checksum;
        uint8_t kind;
        const uint8_t *p;
        uint32_t len;
        if (i == 0) {
            kind = head_kind;
            p = head;
            len = BK_HEADER_BYTES;
            checksum = bsp_fnv1a64(head, BK_HEADER_BYTES);
        } else {
            const bk_entry *e = &r->e[i - 1];
            key = e->key;
            kind = e->kind;
            p = r->buf + e->off;
            len = e->len;
            checksum = e->checksum;
        }
        uint32_t f32 = (uint32_t)from, t32 = (uint32_t)to;
        memcpy(b.cols[C_FROM].data + 4 * i, &f32, 4);
        memcpy(b.cols[C_TO].data + 4 * i, &t32, 4);
        memcpy(b.cols[C_KEY].data + kw * i, &key, kw);
        b.cols[C_KIND].data[i] = kind;
        memcpy(pay + off[i], p, len);
        off[i + 1] = off[i] + len;
        put64(b.cols[C_CHECKSUM].data + 8 * i, checksum);
        uint64_t kt = 0;
        memcpy(&kt, &key, kw); /* the key as stored (low kw bytes) */
        uint32_t crc = bk_entry_crc(from, to, kt, kind, checksum, p, len);
        memcpy(b.cols[C_CRC].data + 4 * i, &crc, 4);
    }
    bsp_write_options wo = {.mode = BSP_WRITE_APPEND};
    rc = bsp_dataset_write(path, &schema, &b, &wo, NULL);
    if (!rc) rc = bk_seal_update(chain);
out:
    bsp_batch_free(&b);
    bsp_schema_free(&schema);
    return rc;
}

int bk_chain_append_record(const char *path, bsp_type key_type, const bk_record *r)
{
    uint64_t digest = bk_digest_init();
    size_t kw = bsp_type_width(key_type);
    for (size_t i = 0; i < r->n; i++) {
        const bk_entry *e = &r->e[i];
        uint64_t key = 0;
        memcpy(&key, &e->key, kw); /* the value as stored in the key column */
        digest = bk_digest_step(digest, bk_entry_crc(r->from, r->to, key, e->kind, e->checksum,
                                                     r->buf + e->off, e->len));
    }
    uint64_t nmodify = 0;
    for (size_t i = 0; i < r->n; i++) nmodify += r->e[i].kind == BSP_BACKUP_MODIFY;
    uint8_t head[BK_HEADER_BYTES];
    bk_header_encode(head, r->n, r->rows_from, r->rows_to, digest, nmodify);
    /* into the last segment (the chain table when there is none) */
    char **names;
    size_t n;
    int rc = list_segments(path, &names, &n);
    if (rc) return rc;
    char *dir = n ? io_path_join(path, BK_SEGMENTS_DIR) : NULL;
    char *target = n ? (dir ? io_path_join(dir, names[n - 1]) : NULL) : strdup(path);
    io_list_free(names, n);
    free(dir);
    if (!target) return oom();
    rc = append(path, target, key_type, r->from, r->to, BSP_BACKUP_HEADER, head, r);
    free(target);
    return rc;
}

int bk_chain_append_snapshot(const char *path, bsp_type key_type, uint64_t v, uint64_t rows,
                             uint64_t digest)
{
    uint8_t head[BK_HEADER_BYTES];
    bk_header_encode(head, rows, rows, rows, digest, 0);
    /* the chain's first item goes into the chain table; every later marker starts a segment */
    char *target = committed(path) ? segment_path(path, v) : strdup(path);
    if (!target) return oom();
    int rc = append(path, target, key_type, v, v, BSP_BACKUP_SNAPSHOT, head, NULL);
    free(target);
    return rc;
}

/* ---- reading --------------------------------------------------------------------------------- */

/* Rows [start, start+n) of fragment i of segment seg, all seven columns. */
static int read_rows(const bk_chain *c, size_t seg, size_t i, uint64_t start, uint64_t n, bsp_column cols[C_N])
{
    const bsp_dataset *ds = c->segs[seg];
    size_t fields[C_N];
    for (int k = 0; k < C_N; k++) fields[k] = (size_t)bsp_schema_find(&ds->schema, col_names[k]);
    size_t nfiles = ds->mf.m->fragments[i]->n_files;
    struct datafile **files = calloc(nfiles ? nfiles : 1, sizeof *files);
    if (!files) return oom();
    int rc = dataset_read_rows(ds, i, files, fields, C_N, start, n, cols);
    dataset_close_files(files, nfiles);
    free(files);
    if (rc) return rc;
    for (int k = 0; k < C_N; k++)
        if (cols[k].validity) {
            for (uint64_t r = 0; r < n; r++)
                if (!bsp_column_is_valid(&cols[k], r)) {
                    rc = bsp_err(BSP_ECORRUPT, "%s%s%s: fragment %zu row %" PRIu64 ": null %s", c->path,
                                 *c->seg_rel[seg] ? "/" : "", c->seg_rel[seg], i, start + r, col_names[k]);
                    break;
                }
            if (rc) break;
        }
    if (rc)
        for (int k = 0; k < C_N; k++) bsp_column_free(&cols[k]);
    return rc;
}

/* Entry fields of row r of cols. */
typedef struct row {
    uint64_t from, to, key, checksum;
    uint8_t kind;
    uint32_t crc;
    const uint8_t *payload;
    uint64_t len;
    bool offsets_ok;
} row;

static row get_row(const bsp_column cols[C_N], uint64_t r)
{
    row x;
    uint32_t f32, t32;
    memcpy(&f32, cols[C_FROM].data + 4 * r, 4);
    memcpy(&t32, cols[C_TO].data + 4 * r, 4);
    x.from = f32;
    x.to = t32;
    x.key = bk_col_key(&cols[C_KEY], r);
    x.kind = cols[C_KIND].data[r];
    x.checksum = get64(cols[C_CHECKSUM].data + 8 * r);
    memcpy(&x.crc, cols[C_CRC].data + 4 * r, 4);
    uint64_t b = cols[C_PAYLOAD].offsets[r], e = cols[C_PAYLOAD].offsets[r + 1];
    x.offsets_ok = b <= e && e <= cols[C_PAYLOAD].data_len;
    x.payload = x.offsets_ok ? cols[C_PAYLOAD].data + b : NULL;
    x.len = x.offsets_ok ? e - b : 0;
    return x;
}

static bool row_crc_ok(const row *x, size_t key_width)
{
    if (!x->offsets_ok) return false;
    uint64_t key = 0;
    memcpy(&key, &x->key, key_width);
    return bk_entry_crc(x->from, x->to, key, x->kind, x->checksum, x->payload, x->len) == x->crc;
}

static int check_schema(bk_chain *c, const bsp_dataset *ds)
{
    const bsp_schema *s = &ds->schema;
    static const bsp_type_id ids[C_N] = {BSP_T_UINT32, BSP_T_UINT32, BSP_T_INVALID, BSP_T_UINT8,
                                         BSP_T_BINARY, BSP_T_UINT64, BSP_T_UINT32};
    for (int k = 0; k < C_N; k++) {
        int i = bsp_schema_find(s, col_names[k]);
        if (i < 0) return bsp_err(BSP_ECORRUPT, "%s: not a backup chain (no column %s)", c->path, col_names[k]);
        bsp_type t = s->fields[i].type;
        bool ok = k == C_KEY ? bk_key_type_ok(t) : t.id == ids[k];
        if (!ok) return bsp_err(BSP_ECORRUPT, "%s: column %s has the wrong type", c->path, col_names[k]);
        if (k == C_KEY && c->nsegs && (t.id != c->key_type.id))
            return bsp_err(BSP_ECORRUPT, "%s: a segment's key type differs from the chain's", c->path);
        if (k == C_KEY) c->key_type = t;
    }
    return BSP_OK;
}

/* Index the fragments of segment seg (just added to out) as items. */
static int index_segment(bk_chain *out, size_t seg)
{
    const bsp_dataset *ds = out->segs[seg];
    size_t nf = bsp_dataset_fragment_count(ds);
    bk_item *items = realloc(out->items, (out->n + nf + 1) * sizeof *items);
    if (!items) return oom();
    out->items = items;
    memset(out->items + out->n, 0, (nf + 1) * sizeof *items);
    size_t kw = bsp_type_width(out->key_type);
    int rc = BSP_OK;
    for (size_t i = 0; i < nf && !rc; i++) {
        bk_item *it = &out->items[out->n++];
        const Lance__Table__DataFragment *f = ds->mf.m->fragments[i];
        it->seg = seg;
        it->frag = i;
        it->frag_id = f->id;
        for (size_t k = 0; k < f->n_files; k++) it->bytes += f->files[k]->file_size_bytes;
        it->kind = -1;
        if (f->deletion_file || f->physical_rows == 0) {
            snprintf(it->header_err, sizeof it->header_err, "fragment %" PRIu64 " has deleted rows or no rows",
                     f->id);
            continue;
        }
        bsp_column cols[C_N] = {0};
        int r2 = read_rows(out, seg, i, 0, 1, cols);
        if (r2 == BSP_ENOMEM) { rc = r2; break; }
        if (r2) {
            snprintf(it->header_err, sizeof it->header_err, "unreadable header row: %s", bsp_errmsg());
            continue;
        }
        row x = get_row(cols, 0);
        it->from = x.from;
        it->to = x.to;
        it->kind = x.kind;
        if (!row_crc_ok(&x, kw)) snprintf(it->header_err, sizeof it->header_err, "header row CRC mismatch");
        else if (x.kind != BSP_BACKUP_HEADER && x.kind != BSP_BACKUP_SNAPSHOT)
            snprintf(it->header_err, sizeof it->header_err, "first row is not a header (kind %u)", x.kind);
        else if (x.len != BK_HEADER_BYTES || bsp_fnv1a64(x.payload, x.len) != x.checksum)
            snprintf(it->header_err, sizeof it->header_err, "header payload does not match its checksum");
        else if (x.kind == BSP_BACKUP_SNAPSHOT ? x.from != x.to : x.to != x.from + 1)
            snprintf(it->header_err, sizeof it->header_err, "header versions %" PRIu64 "->%" PRIu64
                     " are not consecutive", x.from, x.to);
        else {
            it->nentries = get64(x.payload);
            it->rows_from = get64(x.payload + 8);
            it->rows_to = get64(x.payload + 16);
            it->digest = get64(x.payload + 24);
            if (x.kind == BSP_BACKUP_HEADER) {
                uint64_t m = get64(x.payload + 32), rest = it->nentries - m;
                /* creates - deletes = rows_to - rows_from; creates + deletes = rest */
                it->counts[BSP_BACKUP_MODIFY] = m;
                it->counts[BSP_BACKUP_CREATE] = (rest + (it->rows_to - it->rows_from)) / 2;
                it->counts[BSP_BACKUP_DELETE] = rest - it->counts[BSP_BACKUP_CREATE];
            }
            if (it->nentries != f->physical_rows - 1 && x.kind == BSP_BACKUP_HEADER)
                snprintf(it->header_err, sizeof it->header_err, "header says %" PRIu64 " entries, the fragment"
                         " holds %" PRIu64, it->nentries, f->physical_rows - 1);
            else if (x.kind == BSP_BACKUP_SNAPSHOT && f->physical_rows != 1)
                snprintf(it->header_err, sizeof it->header_err, "snapshot marker with extra rows");
            else
                it->header_ok = true;
        }
        for (int k = 0; k < C_N; k++) bsp_column_free(&cols[k]);
    }
    return rc;
}

/* Open the table at path as segment out->nsegs (rel: its directory relative to the chain). */
static int add_segment(bk_chain *out, const char *path, const char *rel)
{
    bsp_dataset **segs = realloc(out->segs, (out->nsegs + 1) * sizeof *segs);
    if (!segs) return oom();
    out->segs = segs;
    char **rels = realloc(out->seg_rel, (out->nsegs + 1) * sizeof *rels);
    if (!rels) return oom();
    out->seg_rel = rels;
    bsp_dataset *ds;
    int rc = bsp_dataset_open(path, 0, &ds);
    if (rc) return rc;
    if ((rc = check_schema(out, ds)) || !(rels[out->nsegs] = strdup(rel))) {
        bsp_dataset_free(ds);
        return rc ? rc : oom();
    }
    segs[out->nsegs++] = ds;
    return index_segment(out, out->nsegs - 1);
}

int bk_chain_open(const char *path, bool allow_missing, bk_chain *out)
{
    memset(out, 0, sizeof *out);
    out->path = strdup(path);
    if (!out->path) return oom();
    int rc = add_segment(out, path, "");
    if (rc == BSP_ENOTFOUND && allow_missing) {
        bsp_errclear();
        return BSP_OK;
    }
    if (rc == BSP_ENOTFOUND) rc = bsp_err(BSP_ENOTFOUND, "%s: no backup chain here", path);
    char **names = NULL;
    size_t n = 0;
    if (!rc) rc = list_segments(path, &names, &n);
    for (size_t i = 0; i < n && !rc; i++) {
        char rel[128], *sp = NULL;
        snprintf(rel, sizeof rel, "%s/%s", BK_SEGMENTS_DIR, names[i]);
        if (!(sp = io_path_join(path, rel))) rc = oom();
        if (!rc) rc = add_segment(out, sp, rel);
        free(sp);
    }
    io_list_free(names, n);
    if (rc) bk_chain_close(out);
    return rc;
}

void bk_chain_close(bk_chain *c)
{
    for (size_t i = 0; i < c->nsegs; i++) {
        bsp_dataset_free(c->segs[i]);
        free(c->seg_rel[i]);
    }
    free(c->segs);
    free(c->seg_rel);
    free(c->items);
    free(c->path);
    memset(c, 0, sizeof *c);
}

bool bk_chain_end(const bk_chain *c, uint64_t *v)
{
    bool any = false;
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].header_ok && (!any || c->items[i].to > *v)) {
            *v = c->items[i].to;
            any = true;
        }
    return any;
}

int bk_chain_read_record(const bk_chain *c, size_t i, bk_record *out, bk_problem_fn problem, void *pctx)
{
    memset(out, 0, sizeof *out);
    const bk_item *it = &c->items[i];
    if (!it->header_ok) {
        if (problem) problem(pctx, it, false, 0, -1, it->header_err);
        return bsp_err(BSP_ECORRUPT, "%s: item %" PRIu64 "->%" PRIu64 ": %s", c->path, it->from, it->to,
                       it->header_err);
    }
    out->from = it->from;
    out->to = it->to;
    out->rows_from = it->rows_from;
    out->rows_to = it->rows_to;
    if (it->kind != BSP_BACKUP_HEADER) return BSP_OK;
    bsp_column cols[C_N] = {0};
    int rc = read_rows(c, it->seg, it->frag, 1, it->nentries, cols);
    if (rc) {
        if (problem && rc != BSP_ENOMEM) problem(pctx, it, false, 0, -1, bsp_errmsg());
        return rc;
    }
    size_t kw = bsp_type_width(c->key_type);
    uint64_t digest = bk_digest_init();
    bool bad = false;
    char what[160];
#define BAD(haskey, k, kind, ...)                                                            \
    do {                                                                                     \
        snprintf(what, sizeof what, __VA_ARGS__);                                            \
        if (!problem) {                                                                      \
            rc = bsp_err(BSP_ECORRUPT, "%s: version record %" PRIu64 "->%" PRIu64 "%s%" PRIu64 \
                         ": %s", c->path, it->from, it->to, haskey ? ", key " : "",          \
                         haskey ? (uint64_t)(k) : 0, what);                                  \
            goto done;                                                                       \
        }                                                                                    \
        problem(pctx, it, haskey, k, kind, what);                                            \
        bad = true;                                                                          \
    } while (0)
    for (uint64_t r = 0; r < it->nentries; r++) {
        row x = get_row(cols, r);
        if (!row_crc_ok(&x, kw)) {
            BAD(true, x.key, -1, "entry CRC mismatch (flipped bytes in the entry)");
            digest = bk_digest_step(digest, x.crc);
            continue;
        }
        digest = bk_digest_step(digest, x.crc);
        if (x.from != it->from || x.to != it->to) {
            BAD(true, x.key, x.kind, "entry versions %" PRIu64 "->%" PRIu64 " differ from the header's",
                x.from, x.to);
            continue;
        }
        if (out->n && x.key <= out->e[out->n - 1].key) BAD(true, x.key, x.kind, "keys out of order");
        if (x.kind == BSP_BACKUP_CREATE || x.kind == BSP_BACKUP_DELETE) {
            if (x.len != BK_REC) {
                BAD(true, x.key, x.kind, "payload of %" PRIu64 " bytes, not 2,048", x.len);
                continue;
            }
            if (bsp_fnv1a64(x.payload, BK_REC) != x.checksum) {
                BAD(true, x.key, x.kind, "payload does not match its checksum");
                continue;
            }
        } else if (x.kind == BSP_BACKUP_MODIFY) {
            bsp_delta d;
            if (x.len > BSP_DELTA_MAX_WIRE || bsp_delta_decode(&d, x.payload, x.len) < 0 || d.nnz == 0) {
                BAD(true, x.key, x.kind, "bad XorDelta payload");
                continue;
            }
        } else {
            BAD(true, x.key, x.kind, "unknown entry kind %u", x.kind);
            continue;
        }
        rc = bk_record_add(out, x.key, x.kind, x.checksum, x.payload, (uint32_t)x.len);
        if (rc) goto done;
        out->e[out->n - 1].kind = x.kind;
    }
    if (digest != it->digest) BAD(false, 0, -1, "entry digest differs from the header's");
    if (bad) rc = bsp_err(BSP_ECORRUPT, "%s: version record %" PRIu64 "->%" PRIu64 " is damaged", c->path,
                          it->from, it->to);
#undef BAD
done:
    for (int k = 0; k < C_N; k++) bsp_column_free(&cols[k]);
    if (rc) bk_record_free(out);
    return rc;
}
