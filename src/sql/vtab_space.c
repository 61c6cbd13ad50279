/* The `bindspace` virtual table over a BindSpace database directory (mydb/, holding
 * nodes.lance and _bindspace/): rows are the occupied addresses, values are the *visible*
 * records (base ⊕ write cache, spec §11), and writes go through the write cache and the WAL.
 *
 * The one idea: space mode produces the same batch shape as dataset mode — column 0 is the
 * fingerprint, the last column the row address (here the 16-bit address) — so the cursor's
 * scans, lookups, filters and top-k run unchanged on top of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sql/vtab_internal.h"
#include "util/error.h"

bool vspace_is_database(const char *path)
{
    char buf[4096];
    struct stat st;
    snprintf(buf, sizeof buf, "%s/_versions", path);
    if (stat(buf, &st) == 0) return false; /* a Lance table */
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    snprintf(buf, sizeof buf, "%s/_bindspace", path);
    if (stat(buf, &st) == 0) return true;
    snprintf(buf, sizeof buf, "%s/nodes.lance", path);
    return stat(buf, &st) == 0;
}

int vspace_open(bvtab *vt, char **err)
{
    bsp_space_options o;
    memset(&o, 0, sizeof o);
    o.version = vt->pinned_version;
    if (bsp_space_open(vt->path, &o, &vt->space) != BSP_OK) {
        *err = sqlite3_mprintf("bindspace: cannot open database '%s': %s", vt->path, bsp_errmsg());
        return SQLITE_ERROR;
    }
    bsp_field f = {"fingerprint", {BSP_T_FSL_UINT8, BSP_BYTES}, false, 0};
    bsp_schema one = {1, &f};
    if (bsp_schema_copy(&vt->schema, &one) != BSP_OK) return SQLITE_NOMEM;
    vt->fp_field = 0;
    return SQLITE_OK;
}

uint64_t vspace_count(bvtab *vt) { return bsp_space_count(vt->space); }

/* A batch of n rows: fingerprints + addresses. */
static int batch_alloc(bsp_batch *b, size_t n)
{
    memset(b, 0, sizeof *b);
    b->cols = calloc(2, sizeof *b->cols);
    if (!b->cols) return BSP_ENOMEM;
    b->ncols = 2;
    b->cols[0].type = (bsp_type){BSP_T_FSL_UINT8, BSP_BYTES};
    b->cols[0].data = malloc(n ? n * BSP_BYTES : 1);
    b->cols[1].type = (bsp_type){BSP_T_UINT64, 0};
    b->cols[1].data = malloc(n ? n * 8 : 1);
    if (!b->cols[0].data || !b->cols[1].data) {
        bsp_batch_free(b);
        return BSP_ENOMEM;
    }
    return BSP_OK;
}

static void batch_push(bsp_batch *b, uint16_t addr, const uint64_t rec[BSP_WORDS])
{
    bsp_fp_to_bytes(b->cols[0].data + b->nrows * BSP_BYTES, rec);
    ((uint64_t *)b->cols[1].data)[b->nrows] = addr;
    b->nrows++;
    b->cols[0].length = b->cols[1].length = b->nrows;
    b->cols[0].data_len = b->nrows * BSP_BYTES;
    b->cols[1].data_len = b->nrows * 8;
}

struct scan_ctx {
    bsp_batch *b;
    size_t cap;
};

static int scan_visit(void *ctx, uint16_t addr, const uint64_t rec[BSP_WORDS])
{
    struct scan_ctx *s = ctx;
    if (s->b->nrows == s->cap) return 1; /* changed under us: the caller retries */
    batch_push(s->b, addr, rec);
    return 0;
}

int vspace_scan(bvtab *vt, bsp_batch *out)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        size_t cap = bsp_space_count(vt->space) + 64;
        if (batch_alloc(out, cap) != BSP_OK) return SQLITE_NOMEM;
        struct scan_ctx s = {out, cap};
        if (bsp_space_foreach(vt->space, scan_visit, &s) == 0) return SQLITE_OK;
        bsp_batch_free(out);
    }
    sqlite3_free(vt->base.zErrMsg);
    vt->base.zErrMsg = sqlite3_mprintf("bindspace: %s changes too fast to scan", vt->path);
    return SQLITE_BUSY;
}

int vspace_take(bvtab *vt, const uint64_t *addrs, size_t n, bsp_batch *out)
{
    if (batch_alloc(out, n) != BSP_OK) return SQLITE_NOMEM;
    uint64_t rec[BSP_WORDS];
    for (size_t i = 0; i < n; i++) {
        if (addrs[i] >= BSP_SPACE_ADDRS) continue;
        int rc = bsp_space_get(vt->space, (uint16_t)addrs[i], rec);
        if (rc == BSP_ENOTFOUND) continue; /* deleted since the search: not a row any more */
        if (rc != BSP_OK) {
            bsp_batch_free(out);
            return vtab_error(vt, vt->path);
        }
        batch_push(out, (uint16_t)addrs[i], rec);
    }
    return SQLITE_OK;
}

struct copy_ctx {
    bvtab *vt;
    size_t n, cap;
};

static int copy_visit(void *ctx, uint16_t addr, const uint64_t rec[BSP_WORDS])
{
    struct copy_ctx *c = ctx;
    if (c->n == c->cap) return 1;
    memcpy(c->vt->cache_recs + c->n * BSP_WORDS, rec, BSP_BYTES);
    c->vt->cache_pos[c->n++] = addr;
    return 0;
}

/* The hot copy of the visible records, rebuilt whenever the space changed (its WAL sequence
 * or base version moved). */
int vspace_search_source(bvtab *vt, bool predicate, bsp_search_source *src)
{
    bsp_space_stats st;
    bsp_space_stats_get(vt->space, &st);
    uint64_t key = (st.wal_seq << 20) ^ st.version ^ ((uint64_t)st.occupied << 44);
    if (!vt->cache_recs || vt->cache_version != key || vt->cache_n != st.occupied) {
        vtab_cache_free(vt);
        size_t cap = st.occupied + 64;
        vt->cache_recs = aligned_alloc(BSP_ALIGN, cap * BSP_BYTES);
        vt->cache_pos = malloc(cap * sizeof *vt->cache_pos);
        if (!vt->cache_recs || !vt->cache_pos) {
            vtab_cache_free(vt);
            return SQLITE_NOMEM;
        }
        struct copy_ctx c = {vt, 0, cap};
        if (bsp_space_foreach(vt->space, copy_visit, &c) != 0) {
            vtab_cache_free(vt);
            sqlite3_free(vt->base.zErrMsg);
            vt->base.zErrMsg = sqlite3_mprintf("bindspace: %s changed during the search", vt->path);
            return SQLITE_BUSY;
        }
        vt->cache_n = c.n;
        vt->cache_version = key;
    }
    vtab_cache_source(vt, predicate, src);
    return SQLITE_OK;
}

/* Apply the buffered writes of a transaction: deletes first, then puts (an INSERT without
 * an address takes the next free node address, spec §14 write). Zones were checked when
 * the statements ran, so this only fails on I/O or a full node zone. */
int vspace_apply(bvtab *vt, const uint64_t *deleted, size_t ndeleted, const int64_t *addrs,
                 const uint64_t *recs, size_t n)
{
    for (size_t i = 0; i < ndeleted; i++) {
        int rc = bsp_space_delete(vt->space, (uint16_t)deleted[i]);
        if (rc != BSP_OK && rc != BSP_ENOTFOUND) return vtab_error(vt, "bindspace: delete");
    }
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (addrs[i] < 0) {
            uint16_t a;
            rc = bsp_space_write(vt->space, recs + i * BSP_WORDS, &a);
        } else {
            rc = bsp_space_put(vt->space, (uint16_t)addrs[i], recs + i * BSP_WORDS);
        }
        if (rc != BSP_OK) return vtab_error(vt, "bindspace: write");
    }
    return SQLITE_OK;
}
