/* Snapshots of a backup chain (spec §13 "snapshot"): every (key, record) of one version, as
 * an ordinary Lance table `<chain>/_snapshots/<v>.lance` with the table's key column, its
 * fingerprint column (fixed_size_list<uint8,2048>) and a u32 `crc` column, rows in key order.
 *
 * The one idea: a snapshot is checked with CRC-32C per row (the SSE4.2 instruction, three
 * rows at a time: as fast as memory delivers the rows), not with the byte-serial FNV of §13,
 * so loading one costs little more than mapping it (its fingerprint column is mapped
 * copy-on-write, not read); its row count and the digest of its CRCs live in the chain's
 * SNAPSHOT marker, so a lost or swapped snapshot table is noticed too. A snapshot table is published by renaming a
 * finished temporary directory, so a crash never leaves a half-written one under its name. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delta/backup_internal.h"
#include "io/io.h"
#include "util/crc32c.h"
#include "util/error.h"

static int oom(void) { return bsp_err(BSP_ENOMEM, "backup: out of memory"); }

bool bk_snapshot_no_map = false;

char *bk_snapshot_path(const char *chain, uint64_t v)
{
    size_t n = strlen(chain) + 48;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/_snapshots/%" PRIu64 ".lance", chain, v);
    return p;
}

static uint32_t row_crc(uint64_t key, const uint8_t *rec)
{
    return crc32c_update(crc32c_update(0, &key, 8), rec, BK_REC);
}

int bk_snapshot_write(const char *chain, uint64_t v, const bk_state *s, const bk_table_cols *c,
                      const bsp_progress *p, uint64_t *digest)
{
    *digest = bk_digest_init();
    if (s->n == 0) return BSP_OK;
    char *final = bk_snapshot_path(chain, v);
    char *dir = io_path_join(chain, "_snapshots");
    size_t tl = final ? strlen(final) + 16 : 0;
    char *tmp = final ? malloc(tl) : NULL;
    bsp_schema schema = {0};
    bsp_batch b = {0};
    int rc = (!final || !dir || !tmp) ? oom() : BSP_OK;
    if (rc) goto out;
    snprintf(tmp, tl, "%s.tmp", final);
    if ((rc = io_mkdir_p(dir)) || (rc = io_remove_tree(tmp)) || (rc = io_remove_tree(final))) goto out;
    schema.nfields = 3;
    schema.fields = calloc(3, sizeof *schema.fields);
    b.cols = calloc(3, sizeof *b.cols);
    if (!schema.fields || !b.cols) { rc = oom(); goto out; }
    const char *names[3] = {c->key, c->fp, "crc"};
    bsp_type types[3] = {c->key_type, {BSP_T_FSL_UINT8, BK_REC}, {BSP_T_UINT32, 0}};
    for (int i = 0; i < 3; i++) {
        schema.fields[i] = (bsp_field){strdup(names[i]), types[i], false, -1};
        if (!schema.fields[i].name) { rc = oom(); goto out; }
    }
    b.ncols = 3;
    b.nrows = s->n;
    if ((rc = bk_col_from_keys(c->key_type, s->keys, s->n, &b.cols[0]))) goto out;
    b.cols[1] = (bsp_column){.type = types[1], .length = s->n, .data_len = s->n * BK_REC};
    b.cols[1].data = malloc(s->n * BK_REC);
    b.cols[2] = (bsp_column){.type = types[2], .length = s->n, .data_len = s->n * 4};
    b.cols[2].data = malloc(s->n * 4);
    if (!b.cols[1].data || !b.cols[2].data) { rc = oom(); goto out; }
    for (size_t i = 0; i < s->n; i++) {
        uint8_t *dst = b.cols[1].data + i * BK_REC;
        memcpy(dst, bk_state_rec(s, i), BK_REC);
        uint64_t key = bk_col_key(&b.cols[0], i); /* the key as stored, widened */
        uint32_t crc = row_crc(key, dst);
        memcpy(b.cols[2].data + 4 * i, &crc, 4);
        *digest = bk_digest_step(*digest, crc);
    }
    bsp_write_options wo = {.mode = BSP_WRITE_CREATE, .progress = p};
    if ((rc = bsp_dataset_write(tmp, &schema, &b, &wo, NULL))) goto out;
    if (rename(tmp, final) != 0) {
        rc = bsp_err(BSP_EIO, "rename %s -> %s failed", tmp, final);
        goto out;
    }
    rc = io_fsync_dir(dir);
out:
    if (rc && tmp) io_remove_tree(tmp);
    bsp_batch_free(&b);
    bsp_schema_free(&schema);
    free(final);
    free(dir);
    free(tmp);
    return rc;
}

typedef struct load_ctx {
    uint8_t *arena;
    const uint64_t *keys; /* the snapshot's keys, read before the records */
    uint32_t *crc;        /* computed row CRCs, compared with the stored ones afterwards */
    size_t n, at;
} load_ctx;

void bk_row_crcs(const uint64_t *keys, const uint8_t *rows, size_t n, uint32_t *out)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t c[3];
        const void *p[3];
        for (int k = 0; k < 3; k++) {
            c[k] = crc32c_update(0, &keys[i + (size_t)k], 8);
            p[k] = rows + (i + (size_t)k) * BK_REC;
        }
        crc32c_update_x3(c, p, BK_REC);
        for (int k = 0; k < 3; k++) out[i + (size_t)k] = c[k];
    }
    for (; i < n; i++) out[i] = row_crc(keys[i], rows + i * BK_REC);
}

/* Row CRCs of arena rows [a, b). */
static void crc_rows(load_ctx *x, size_t a, size_t b)
{
    bk_row_crcs(x->keys + a, x->arena + a * BK_REC, b - a, x->crc + a);
}

/* One run of fingerprints: copy the live rows into the arena and compute their row CRCs in
 * blocks small enough to still be in cache (the record bytes are read from memory once). */
static int load_run(void *c, uint64_t frag, uint64_t first, uint64_t nrows, const uint8_t *bytes,
                    const uint8_t *live)
{
    (void)frag, (void)first;
    load_ctx *x = c;
    enum { BLOCK = 48 }; /* rows: 96 KiB */
    size_t block0 = x->at;
    for (uint64_t j = 0; j < nrows; j++) {
        if (live && !((live[j >> 3] >> (j & 7)) & 1)) continue;
        if (x->at >= x->n) return bsp_err(BSP_ECORRUPT, "snapshot: more fingerprints than keys");
        if (!live) { /* the usual case: a run of rows copied at once */
            uint64_t k = nrows - j < BLOCK ? nrows - j : BLOCK;
            if (k > x->n - x->at) k = x->n - x->at;
            memcpy(x->arena + x->at * BK_REC, bytes + j * BK_REC, (size_t)k * BK_REC);
            x->at += (size_t)k;
            j += k - 1;
        } else {
            memcpy(x->arena + x->at * BK_REC, bytes + j * BK_REC, BK_REC);
            x->at++;
        }
        if (x->at - block0 >= BLOCK) {
            crc_rows(x, block0, x->at);
            block0 = x->at;
        }
    }
    crc_rows(x, block0, x->at);
    return 0;
}

/* What loading and viewing share: the marker, the table's shape, names and row count, and
 * its keys and stored row CRCs (*keys and *crcs malloc'd, n entries). A damage is described
 * in what (or is an error already set, what empty). */
static int snap_open(const char *chain, const bk_item *m, bk_table_cols *names, bsp_dataset **dsp,
                     uint64_t **keysp, uint32_t **crcsp, char what[200])
{
    *dsp = NULL;
    *keysp = NULL;
    *crcsp = NULL;
    char *path = bk_snapshot_path(chain, m->to);
    if (!path) return oom();
    bsp_dataset *ds = NULL;
    bsp_scanner *sc = NULL;
    uint64_t *keys = NULL;
    uint32_t *crcs = NULL;
    int rc = bsp_dataset_open(path, 0, &ds);
    free(path);
    if (rc) {
        snprintf(what, 200, "snapshot table unreadable: %s", bsp_errmsg());
        return rc;
    }
    const bsp_schema *s = bsp_dataset_schema(ds);
    uint64_t n = bsp_dataset_count_rows(ds);
    if (s->nfields != 3 || !bk_key_type_ok(s->fields[0].type) || !bsp_type_is_fingerprint(s->fields[1].type) ||
        s->fields[2].type.id != BSP_T_UINT32) {
        snprintf(what, 200, "snapshot table has the wrong columns");
        rc = BSP_ECORRUPT;
        goto out;
    }
    if (names) {
        snprintf(names->key, sizeof names->key, "%s", s->fields[0].name);
        snprintf(names->fp, sizeof names->fp, "%s", s->fields[1].name);
        names->key_type = s->fields[0].type;
    }
    if (n != m->nentries) {
        snprintf(what, 200, "snapshot holds %" PRIu64 " rows, its marker says %" PRIu64, n, m->nentries);
        rc = BSP_ECORRUPT;
        goto out;
    }
    keys = malloc((n ? n : 1) * sizeof *keys);
    crcs = malloc((n ? n : 1) * sizeof *crcs);
    if (!keys || !crcs) {
        rc = oom();
        goto out;
    }
    const char *cols[2] = {s->fields[0].name, "crc"};
    bsp_scan_options so = {.columns = cols, .ncolumns = 2, .batch_rows = 65536};
    if ((rc = bsp_scanner_open(ds, &so, &sc))) goto out;
    bsp_batch b;
    size_t at = 0;
    while ((rc = bsp_scanner_next(sc, &b)) == 1) {
        rc = 0;
        for (uint64_t i = 0; i < b.nrows && at < n; i++, at++) {
            keys[at] = bk_col_key(&b.cols[0], i);
            memcpy(&crcs[at], b.cols[1].data + 4 * i, 4);
        }
        bsp_batch_free(&b);
    }
    if (rc < 0) {
        snprintf(what, 200, "snapshot table unreadable: %s", bsp_errmsg());
    } else if (at != n) { /* every key is needed before the records: they seed the row CRCs */
        snprintf(what, 200, "snapshot table unreadable: row count");
        rc = BSP_ECORRUPT;
    }
out:
    if (sc) bsp_scanner_free(sc);
    if (rc) {
        free(keys);
        free(crcs);
        bsp_dataset_free(ds);
        return rc;
    }
    *dsp = ds;
    *keysp = keys;
    *crcsp = crcs;
    return BSP_OK;
}

/* Map a one-fragment snapshot's fingerprint column (copy-on-write) when it has n rows. */
static bool snap_map(bsp_dataset *ds, uint64_t n, bsp_fp_map *out)
{
    bool mapped = false;
    if (bsp_dataset_fragment_count(ds) == 1 && !bk_snapshot_no_map &&
        bsp_dataset_map_fp(ds, 0, bsp_dataset_schema(ds)->fields[1].name, out) == BSP_OK) {
        mapped = out->nrows == n;
        if (!mapped) bsp_fp_map_free(out);
    }
    bsp_errclear(); /* not mappable: the caller reads it, which reports any damage */
    return mapped;
}

static uint64_t snap_digest(const uint32_t *crcs, size_t n)
{
    uint64_t digest = bk_digest_init();
    for (size_t i = 0; i < n; i++) digest = bk_digest_step(digest, crcs[i]);
    return digest;
}

/* Key order and the digest of the stored row CRCs against the marker. */
static int snap_check_stored(const char *chain, const bk_item *m, const uint64_t *keys, const uint32_t *crcs,
                             size_t n, char what[200])
{
    for (size_t i = 1; i < n; i++)
        if (keys[i] <= keys[i - 1])
            return bsp_err(BSP_ECORRUPT, "%s: snapshot %" PRIu64 ", key %" PRIu64 ": keys out of order", chain,
                           m->to, keys[i]);
    if (snap_digest(crcs, n) != m->digest) {
        snprintf(what, 200, "snapshot digest differs from its marker");
        return BSP_ECORRUPT;
    }
    return BSP_OK;
}

int bk_snapshot_view(const char *chain, const bk_item *m, bk_snap_view *out, bk_table_cols *names)
{
    memset(out, 0, sizeof *out);
    if (names) memset(names, 0, sizeof *names);
    if (!m->header_ok || m->nentries == 0) return BSP_EUNSUPPORTED; /* bk_snapshot_load reports */
    bsp_dataset *ds;
    char what[200] = "";
    int rc = snap_open(chain, m, names, &ds, &out->keys, &out->crcs, what);
    if (!rc) {
        out->n = (size_t)m->nentries;
        if (!snap_map(ds, out->n, &out->map)) rc = BSP_EUNSUPPORTED;
        bsp_dataset_free(ds);
    }
    if (!rc) rc = snap_check_stored(chain, m, out->keys, out->crcs, out->n, what);
    if (what[0]) rc = bsp_err(BSP_ECORRUPT, "%s: snapshot %" PRIu64 ": %s", chain, m->to, what);
    if (rc) bk_snap_view_free(out);
    return rc;
}

void bk_snap_view_free(bk_snap_view *v)
{
    free(v->keys);
    free(v->crcs);
    if (v->map.base) bsp_fp_map_free(&v->map);
    memset(v, 0, sizeof *v);
}

int bk_snapshot_load(const char *chain, const bk_item *m, bk_state *out, bk_table_cols *names,
                     bk_problem_fn problem, void *pctx)
{
    memset(out, 0, sizeof *out);
    if (names) memset(names, 0, sizeof *names);
    if (!m->header_ok) {
        if (problem) problem(pctx, m, false, 0, -1, m->header_err);
        return bsp_err(BSP_ECORRUPT, "%s: snapshot %" PRIu64 ": %s", chain, m->to, m->header_err);
    }
    if (m->nentries == 0) return BSP_OK;
    bsp_dataset *ds = NULL;
    uint32_t *got = NULL, *crcs = NULL;
    char what[200] = "";
    int rc = snap_open(chain, m, names, &ds, &out->keys, &crcs, what);
    if (rc) goto out;
    uint64_t n = m->nentries;
    /* The records: mapped from the snapshot's data file when its column is one run (the
     * pages are the page cache's; only records a version record changes get copied), else
     * read into an arena of our own. */
    bool mapped = snap_map(ds, n, &out->map);
    if (mapped) {
        out->arena = out->map.rows;
        out->slotcap = n;
    }
    /* (the keys already read keep their n entries: reserving reallocs them to the same size) */
    if ((rc = mapped ? bk_state_reserve_keys(out, n) : bk_state_reserve(out, n))) goto out;
    got = malloc((n ? n : 1) * sizeof *got);
    if (!got) {
        rc = oom();
        goto out;
    }
    load_ctx lx = {out->arena, out->keys, got, n, 0};
    if (mapped) {
        crc_rows(&lx, 0, n);
        lx.at = n;
    }
    for (size_t f = 0; !mapped && f < bsp_dataset_fragment_count(ds) && !rc; f++)
        rc = bsp_dataset_scan_fp(ds, f, bsp_dataset_schema(ds)->fields[1].name, load_run, &lx);
    if (rc || lx.at != n) {
        snprintf(what, sizeof what, "snapshot table unreadable: %s", rc ? bsp_errmsg() : "row count");
        rc = BSP_ECORRUPT;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *bad = got[i] != crcs[i] ? "row CRC mismatch"
                          : i && out->keys[i] <= out->keys[i - 1] ? "keys out of order" : NULL;
        if (!bad) continue;
        if (!problem) {
            rc = bsp_err(BSP_ECORRUPT, "%s: snapshot %" PRIu64 ", key %" PRIu64 ": %s", chain, m->to,
                         out->keys[i], bad);
            goto out;
        }
        char msg[64];
        snprintf(msg, sizeof msg, "snapshot %s", bad);
        problem(pctx, m, true, out->keys[i], BSP_BACKUP_SNAPSHOT, msg);
        rc = BSP_ECORRUPT;
    }
    if (snap_digest(crcs, n) != m->digest) {
        snprintf(what, sizeof what, "snapshot digest differs from its marker");
        rc = BSP_ECORRUPT;
        goto out;
    }
    if (rc) {
        rc = bsp_err(BSP_ECORRUPT, "%s: snapshot %" PRIu64 " is damaged", chain, m->to);
        goto out;
    }
    for (size_t i = 0; i < n; i++) out->slot[i] = (uint32_t)i;
    out->n = out->nslots = n;
out:
    if (what[0]) {
        if (problem) problem(pctx, m, false, 0, -1, what);
        rc = bsp_err(BSP_ECORRUPT, "%s: snapshot %" PRIu64 ": %s", chain, m->to, what);
    }
    if (ds) bsp_dataset_free(ds);
    free(got);
    free(crcs);
    if (rc) bk_state_free(out);
    return rc;
}
