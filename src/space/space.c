/* BindSpace (spec §14): 65,536 directly indexed 2 KiB records with occupancy, the write
 * cache of §11 in front of them and the WAL behind every change.
 *
 * The one idea: every change is logged first, then applied, in the same critical section
 * of the writer lock, so the WAL's order is the order of the changes and replaying it on
 * open rebuilds exactly the acknowledged state. A modification of an occupied address goes
 * through the cache as an XOR delta; write_at and delete change the base record directly and
 * mark the address dirty for the next flush. */
#include "space/space_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bindspace/backup.h"
#include "util/error.h"

#define ADDR_FMT "0x%02x:%02x"
#define ADDR_ARGS(a) (unsigned)((a) >> 8), (unsigned)((a) & 0xFF)

bsp_zone bsp_space_zone(uint16_t addr)
{
    uint8_t p = BSP_ADDR_PREFIX(addr);
    if (p < 0x0C) return BSP_ZONE_SURFACE_FIXED;
    if (p < 0x10) return BSP_ZONE_SURFACE;
    if (p < 0x80) return BSP_ZONE_FLUID;
    return BSP_ZONE_NODES;
}

int space_check_writable(const bsp_space *sp, uint16_t addr)
{
    if (sp->read_only)
        return bsp_err(BSP_EPERM, "%s: the space is open read-only", sp->dir);
    if (BSP_ADDR_PREFIX(addr) < 0x0C)
        return bsp_err(BSP_EPERM, "address " ADDR_FMT " is in the read-only surface (prefixes 0x00-0x0B)",
                       ADDR_ARGS(addr));
    return BSP_OK;
}

static int log_rec(bsp_space *sp, uint8_t kind, uint16_t addr, const uint8_t *p, uint32_t n, uint64_t *seq)
{
    if (sp->replaying || !sp->wal) return BSP_OK;
    return wal_append(sp->wal, kind, addr, p, n, seq);
}

static int log_delta(bsp_space *sp, uint8_t kind, uint16_t addr, const bsp_delta *d, uint64_t *seq)
{
    if (sp->replaying || !sp->wal) return BSP_OK;
    uint8_t wire[BSP_DELTA_MAX_WIRE];
    int n = bsp_delta_encode(d, wire, sizeof wire);
    if (n < 0) return n;
    return log_rec(sp, kind, addr, wire, (uint32_t)n, seq);
}

int space_do_write_at(bsp_space *sp, uint16_t addr, const uint64_t rec[BSP_WORDS], uint64_t *seq)
{
    static const uint64_t zero[BSP_WORDS];
    bsp_delta d;
    bsp_delta_compute(&d, zero, rec);
    int rc = log_delta(sp, WAL_PUT, addr, &d, seq);
    if (rc < 0) return rc;
    pthread_rwlock_wrlock(&sp->cache.rw);
    memcpy(sp->rec[addr], rec, BSP_BYTES);
    cache_drop(&sp->cache, addr);
    bit_set(sp->occ, addr);
    bit_set(sp->dirty, addr);
    pthread_rwlock_unlock(&sp->cache.rw);
    return BSP_OK;
}

int space_do_delta(bsp_space *sp, uint16_t addr, const bsp_delta *d, uint64_t *seq)
{
    if (!bit_get(sp->occ, addr))
        return bsp_err(BSP_ENOTFOUND, "address " ADDR_FMT " is not occupied", ADDR_ARGS(addr));
    if (d->nnz) {
        int rc = log_delta(sp, WAL_DELTA, addr, d, seq);
        if (rc < 0) return rc;
    }
    pthread_rwlock_wrlock(&sp->cache.rw);
    int rc = cache_record_delta(&sp->cache, addr, d);
    pthread_rwlock_unlock(&sp->cache.rw);
    return rc;
}

int space_do_delete(bsp_space *sp, uint16_t addr, uint64_t *seq)
{
    if (!bit_get(sp->occ, addr))
        return bsp_err(BSP_ENOTFOUND, "address " ADDR_FMT " is not occupied", ADDR_ARGS(addr));
    int rc = log_rec(sp, WAL_DELETE, addr, NULL, 0, seq);
    if (rc < 0) return rc;
    pthread_rwlock_wrlock(&sp->cache.rw);
    cache_drop(&sp->cache, addr);
    bit_clear(sp->occ, addr);
    bit_set(sp->dirty, addr);
    memset(sp->rec[addr], 0, BSP_BYTES);
    char *old = sp->dn_path[addr];
    sp->dn_path[addr] = NULL;
    pthread_rwlock_unlock(&sp->cache.rw);
    free(old);
    return BSP_OK;
}

int space_do_dnbind(bsp_space *sp, uint16_t addr, const char *path, size_t len, uint64_t *seq)
{
    if (!bit_get(sp->occ, addr))
        return bsp_err(BSP_ENOTFOUND, "DN index: address " ADDR_FMT " is not occupied", ADDR_ARGS(addr));
    char *copy = strndup(path, len);
    if (!copy) return bsp_err(BSP_ENOMEM, "DN index: out of memory");
    int rc = log_rec(sp, WAL_DNBIND, addr, (const uint8_t *)path, (uint32_t)len, seq);
    if (rc < 0) {
        free(copy);
        return rc;
    }
    pthread_rwlock_wrlock(&sp->cache.rw);
    char *old = sp->dn_path[addr];
    sp->dn_path[addr] = copy;
    bit_set(sp->dirty, addr); /* the index lives in the row's properties */
    pthread_rwlock_unlock(&sp->cache.rw);
    free(old);
    return BSP_OK;
}

int space_after_write(bsp_space *sp, uint64_t seq)
{
    int rc = seq ? wal_commit(sp->wal, seq) : BSP_OK;
    if (rc < 0 || sp->o.no_auto_flush) return rc;
    pthread_rwlock_rdlock(&sp->cache.rw);
    bool full = cache_should_flush(&sp->cache);
    pthread_rwlock_unlock(&sp->cache.rw);
    return full ? bsp_space_flush(sp, NULL) : BSP_OK;
}

/* ---- replay ---------------------------------------------------------------------------- */

static int replay_one(void *ctx, const wal_rec *r)
{
    bsp_space *sp = ctx;
    if (BSP_ADDR_PREFIX(r->addr) < 0x0C)
        return bsp_err(BSP_ECORRUPT, "record for surface address " ADDR_FMT, ADDR_ARGS(r->addr));
    bsp_delta d;
    int rc;
    switch (r->kind) {
    case WAL_DELTA:
        if ((rc = bsp_delta_decode(&d, r->payload, r->len)) < 0) return rc;
        return space_do_delta(sp, r->addr, &d, NULL);
    case WAL_PUT: {
        uint64_t rec[BSP_WORDS] = {0};
        if ((rc = bsp_delta_decode(&d, r->payload, r->len)) < 0) return rc;
        bsp_delta_apply(rec, &d);
        return space_do_write_at(sp, r->addr, rec, NULL);
    }
    case WAL_DELETE: return space_do_delete(sp, r->addr, NULL);
    case WAL_DNBIND: return space_do_dnbind(sp, r->addr, (const char *)r->payload, r->len, NULL);
    default: return BSP_OK;
    }
}

/* ---- open / close -------------------------------------------------------------------------- */

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", a, b);
    return p;
}

static int mkdir_p1(const char *p)
{
    if (mkdir(p, 0755) != 0 && errno != EEXIST) return bsp_err(BSP_EIO, "mkdir %s: %s", p, strerror(errno));
    return BSP_OK;
}

int bsp_space_open(const char *dir, const bsp_space_options *opts, bsp_space **out)
{
    *out = NULL;
    bsp_space *sp = calloc(1, sizeof *sp);
    if (!sp) return bsp_err(BSP_ENOMEM, "space: out of memory");
    if (opts) sp->o = *opts;
    if (!sp->o.max_bytes) sp->o.max_bytes = 1048576;
    if (!sp->o.on_flush) sp->o.on_flush = bsp_backup_on_flush; /* extends nodes.backup.lance if it exists */
    sp->read_only = sp->o.read_only || sp->o.version != 0;
    sp->lockfd = -1;
    pthread_mutex_init(&sp->wmu, NULL);
    int rc = BSP_OK;
    sp->dir = strdup(dir);
    sp->table_path = path_join(dir, "nodes.lance");
    sp->meta_dir = path_join(dir, "_bindspace");
    sp->wal_dir = sp->meta_dir ? path_join(sp->meta_dir, "wal") : NULL;
    sp->rowaddr = malloc(65536 * sizeof *sp->rowaddr);
    sp->ids = calloc(65536, sizeof *sp->ids);
    sp->label = calloc(65536, sizeof *sp->label);
    sp->props = calloc(65536, sizeof *sp->props);
    sp->dn_path = calloc(65536, sizeof *sp->dn_path);
    if (!sp->dir || !sp->table_path || !sp->wal_dir || !sp->rowaddr || !sp->ids || !sp->label || !sp->props ||
        !sp->dn_path) {
        bsp_space_close(sp);
        return bsp_err(BSP_ENOMEM, "space: out of memory");
    }
    for (uint32_t a = 0; a < 65536; a++) sp->rowaddr[a] = SPACE_NO_ROW;
    /* 128 MiB of records; anonymous pages are zero and only touched pages cost memory.
     * Mapped 2 MiB-aligned and advised to use transparent huge pages: a scan reads one
     * record every 2 KiB, and with 4 KiB pages every second record is a TLB miss (a nested
     * page walk in a VM), which slowed scans several times over (docs/search.md). */
    const size_t rec_bytes = (size_t)65536 * BSP_BYTES, huge = (size_t)2 << 20;
    uint8_t *m = mmap(NULL, rec_bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        sp->rec = NULL;
        bsp_space_close(sp);
        return bsp_err(BSP_ENOMEM, "space: cannot map 128 MiB of records: %s", strerror(errno));
    }
    size_t head = (huge - ((uintptr_t)m & (huge - 1))) & (huge - 1);
    if (head) munmap(m, head);
    if (huge - head) munmap(m + head + rec_bytes, huge - head);
    m += head;
#ifdef MADV_HUGEPAGE
    (void)madvise(m, rec_bytes, MADV_HUGEPAGE); /* advice only: fine if refused */
#endif
    sp->rec = (uint64_t(*)[BSP_WORDS])m;
    rc = cache_init(&sp->cache, sp->rec, sp->occ, sp->o.max_bytes);
    if (rc < 0) {
        bsp_space_close(sp);
        return rc;
    }
    if (!sp->read_only) {
        if ((rc = mkdir_p1(dir)) == BSP_OK && (rc = mkdir_p1(sp->meta_dir)) == BSP_OK) {
            char *lp = path_join(sp->meta_dir, "lock");
            sp->lockfd = lp ? open(lp, O_CREAT | O_RDWR | O_CLOEXEC, 0644) : -1;
            if (sp->lockfd < 0)
                rc = bsp_err(BSP_EIO, "open %s: %s", lp ? lp : "lock", strerror(errno));
            else if (flock(sp->lockfd, LOCK_EX | LOCK_NB) != 0)
                rc = bsp_err(BSP_EBUSY, "%s: another process has this database open for writing", dir);
            free(lp);
        }
    } else {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            rc = bsp_err(BSP_ENOTFOUND, "%s: no such database directory", dir);
    }
    if (rc == BSP_OK) rc = persist_load(sp);
    if (rc == BSP_OK) surface_generate(sp);
    if (rc == BSP_OK && sp->o.version == 0) {
        wal_options wo = {.durability = sp->o.durability, .interval_ms = sp->o.interval_ms,
                          .read_only = sp->read_only};
        const char *seg = getenv("BSP_WAL_SEGMENT_BYTES"); /* tests: force rotation */
        if (seg) wo.segment_bytes = strtoull(seg, NULL, 10);
        sp->replaying = true;
        rc = wal_open(sp->wal_dir, &wo, sp->version, replay_one, sp, &sp->wal);
        sp->replaying = false;
    }
    if (rc < 0) {
        bsp_space_close(sp);
        return rc;
    }
    *out = sp;
    return BSP_OK;
}

void bsp_space_close(bsp_space *sp)
{
    if (!sp) return;
    wal_close(sp->wal);
    if (sp->cache.entries) cache_destroy(&sp->cache);
    if (sp->rec) munmap(sp->rec, (size_t)65536 * BSP_BYTES);
    for (uint32_t a = 0; a < 65536; a++) {
        if (sp->label) free(sp->label[a]);
        if (sp->props) free(sp->props[a]);
        if (sp->dn_path) free(sp->dn_path[a]);
    }
    free(sp->label);
    free(sp->props);
    free(sp->dn_path);
    free(sp->ids);
    free(sp->rowaddr);
    if (sp->lockfd >= 0) close(sp->lockfd); /* releases the flock */
    pthread_mutex_destroy(&sp->wmu);
    free(sp->dir);
    free(sp->table_path);
    free(sp->meta_dir);
    free(sp->wal_dir);
    free(sp);
}

bool bsp_space_read_only(const bsp_space *sp) { return sp->read_only; }

uint64_t bsp_space_version(const bsp_space *sp)
{
    pthread_rwlock_rdlock((pthread_rwlock_t *)&sp->cache.rw);
    uint64_t v = sp->version;
    pthread_rwlock_unlock((pthread_rwlock_t *)&sp->cache.rw);
    return v;
}

/* ---- reads ---------------------------------------------------------------------------------- */

int bsp_space_get(bsp_space *sp, uint16_t addr, uint64_t out[BSP_WORDS])
{
    pthread_rwlock_rdlock(&sp->cache.rw);
    bool occ = bit_get(sp->occ, addr);
    if (occ) cache_visible(&sp->cache, addr, out);
    pthread_rwlock_unlock(&sp->cache.rw);
    if (!occ) return bsp_err(BSP_ENOTFOUND, "address " ADDR_FMT " is not occupied", ADDR_ARGS(addr));
    return BSP_OK;
}

int bsp_space_get_many(bsp_space *sp, const uint16_t *addrs, size_t n, uint64_t (*out)[BSP_WORDS], bool *found)
{
    pthread_rwlock_rdlock(&sp->cache.rw);
    for (size_t i = 0; i < n; i++) {
        bool occ = bit_get(sp->occ, addrs[i]);
        if (occ)
            cache_visible(&sp->cache, addrs[i], out[i]);
        else
            memset(out[i], 0, BSP_BYTES);
        if (found) found[i] = occ;
    }
    pthread_rwlock_unlock(&sp->cache.rw);
    return BSP_OK;
}

bool bsp_space_is_occupied(bsp_space *sp, uint16_t addr)
{
    pthread_rwlock_rdlock(&sp->cache.rw);
    bool occ = bit_get(sp->occ, addr);
    pthread_rwlock_unlock(&sp->cache.rw);
    return occ;
}

bool bsp_space_is_dirty(bsp_space *sp, uint16_t addr)
{
    pthread_rwlock_rdlock(&sp->cache.rw);
    bool d = cache_is_dirty(&sp->cache, addr);
    pthread_rwlock_unlock(&sp->cache.rw);
    return d;
}

static size_t popcount_bm(const uint64_t *bm)
{
    size_t n = 0;
    for (int i = 0; i < 1024; i++) n += (size_t)__builtin_popcountll(bm[i]);
    return n;
}

size_t bsp_space_count(bsp_space *sp)
{
    pthread_rwlock_rdlock(&sp->cache.rw);
    size_t n = popcount_bm(sp->occ);
    pthread_rwlock_unlock(&sp->cache.rw);
    return n;
}

/* Copy two visible records under one shared lock. */
static int get2(bsp_space *sp, uint16_t a, uint16_t b, uint64_t ra[BSP_WORDS], uint64_t rb[BSP_WORDS])
{
    pthread_rwlock_rdlock(&sp->cache.rw);
    uint16_t missing = 0;
    bool ok = true;
    if (!bit_get(sp->occ, a)) ok = false, missing = a;
    else if (!bit_get(sp->occ, b)) ok = false, missing = b;
    if (ok) {
        cache_visible(&sp->cache, a, ra);
        cache_visible(&sp->cache, b, rb);
    }
    pthread_rwlock_unlock(&sp->cache.rw);
    if (!ok) return bsp_err(BSP_ENOTFOUND, "address " ADDR_FMT " is not occupied", ADDR_ARGS(missing));
    return BSP_OK;
}

int bsp_space_hamming(bsp_space *sp, uint16_t a, uint16_t b, uint32_t *dist)
{
    _Alignas(64) uint64_t ra[BSP_WORDS], rb[BSP_WORDS];
    int rc = get2(sp, a, b, ra, rb);
    if (rc == BSP_OK) *dist = bsp_fp_hamming(ra, rb);
    return rc;
}

int bsp_space_similarity(bsp_space *sp, uint16_t a, uint16_t b, double *sim)
{
    uint32_t d;
    int rc = bsp_space_hamming(sp, a, b, &d);
    if (rc == BSP_OK) *sim = bsp_similarity(d, BSP_MASK_ALL);
    return rc;
}

int bsp_space_popcount(bsp_space *sp, uint16_t a, uint32_t *count)
{
    _Alignas(64) uint64_t r[BSP_WORDS];
    int rc = bsp_space_get(sp, a, r);
    if (rc == BSP_OK) *count = bsp_fp_popcount(r);
    return rc;
}

int bsp_space_bind(bsp_space *sp, uint16_t a, uint16_t b, uint64_t out[BSP_WORDS])
{
    _Alignas(64) uint64_t rb[BSP_WORDS];
    int rc = get2(sp, a, b, out, rb);
    if (rc == BSP_OK) bsp_fp_xor(out, out, rb);
    return rc;
}

int bsp_space_bundle(bsp_space *sp, const uint16_t *addrs, size_t n, uint64_t out[BSP_WORDS])
{
    if (n == 0) return bsp_err(BSP_EINVAL, "bundle needs at least one address");
    uint64_t(*recs)[BSP_WORDS] = aligned_alloc(64, n * BSP_BYTES);
    const uint64_t **ptrs = malloc(n * sizeof *ptrs);
    if (!recs || !ptrs) {
        free(recs);
        free(ptrs);
        return bsp_err(BSP_ENOMEM, "bundle: out of memory");
    }
    int rc = BSP_OK;
    pthread_rwlock_rdlock(&sp->cache.rw);
    for (size_t i = 0; i < n && rc == BSP_OK; i++) {
        if (!bit_get(sp->occ, addrs[i]))
            rc = bsp_err(BSP_ENOTFOUND, "address " ADDR_FMT " is not occupied", ADDR_ARGS(addrs[i]));
        else
            cache_visible(&sp->cache, addrs[i], recs[i]);
        ptrs[i] = recs[i];
    }
    pthread_rwlock_unlock(&sp->cache.rw);
    if (rc == BSP_OK) rc = bsp_fp_bundle(out, ptrs, n);
    free(recs);
    free(ptrs);
    return rc;
}

int bsp_space_foreach(bsp_space *sp, bsp_space_visit_fn fn, void *ctx)
{
    _Alignas(64) uint64_t tmp[BSP_WORDS];
    int rc = 0;
    pthread_rwlock_rdlock(&sp->cache.rw);
    for (uint32_t w = 0; w < 1024 && !rc; w++)
        for (uint64_t m = sp->occ[w]; m && !rc; m &= m - 1) {
            uint16_t a = (uint16_t)(w * 64 + (uint32_t)__builtin_ctzll(m));
            const uint64_t *r = sp->rec[a];
            if (cache_read_through(&sp->cache, a, tmp) == CACHE_PATCHED) r = tmp;
            rc = fn(ctx, a, r);
        }
    pthread_rwlock_unlock(&sp->cache.rw);
    return rc;
}

/* ---- writes ----------------------------------------------------------------------------------- */

int bsp_space_write_at(bsp_space *sp, uint16_t addr, const uint64_t rec[BSP_WORDS])
{
    int rc = space_check_writable(sp, addr);
    if (rc < 0) return rc;
    uint64_t seq = 0;
    pthread_mutex_lock(&sp->wmu);
    rc = space_do_write_at(sp, addr, rec, &seq);
    pthread_mutex_unlock(&sp->wmu);
    return rc < 0 ? rc : space_after_write(sp, seq);
}

int bsp_space_write(bsp_space *sp, const uint64_t rec[BSP_WORDS], uint16_t *addr)
{
    if (sp->read_only) return bsp_err(BSP_EPERM, "%s: the space is open read-only", sp->dir);
    uint64_t seq = 0;
    int rc = BSP_EFULL;
    pthread_mutex_lock(&sp->wmu);
    for (uint32_t i = 0; i < 32768; i++) {
        uint32_t slot = (sp->cursor + i) & 32767;
        uint16_t a = (uint16_t)(0x8000 + slot);
        if (bit_get(sp->occ, a)) continue; /* only writers change occupancy: safe under wmu */
        rc = space_do_write_at(sp, a, rec, &seq);
        if (rc == BSP_OK) {
            sp->cursor = (slot + 1) & 32767;
            if (addr) *addr = a;
        }
        break;
    }
    pthread_mutex_unlock(&sp->wmu);
    if (rc == BSP_EFULL) return bsp_err(BSP_EFULL, "all 32,768 node addresses are occupied");
    return rc < 0 ? rc : space_after_write(sp, seq);
}

int bsp_space_put(bsp_space *sp, uint16_t addr, const uint64_t rec[BSP_WORDS])
{
    int rc = space_check_writable(sp, addr);
    if (rc < 0) return rc;
    uint64_t seq = 0;
    pthread_mutex_lock(&sp->wmu);
    if (bit_get(sp->occ, addr)) {
        /* record_write: d = compute(visible, rec). Only wmu holders change records and the
         * cache, so they can be read here without the rwlock; cache_diff compares against
         * base ^ entry in place (d is compact: only words[0..nnz) are read below). */
        bsp_delta d;
        cache_diff(&sp->cache, addr, rec, &d);
        rc = space_do_delta(sp, addr, &d, &seq);
    } else {
        rc = space_do_write_at(sp, addr, rec, &seq);
    }
    pthread_mutex_unlock(&sp->wmu);
    return rc < 0 ? rc : space_after_write(sp, seq);
}

int bsp_space_apply_delta(bsp_space *sp, uint16_t addr, const bsp_delta *d)
{
    int rc = space_check_writable(sp, addr);
    if (rc < 0) return rc;
    uint64_t seq = 0;
    pthread_mutex_lock(&sp->wmu);
    rc = space_do_delta(sp, addr, d, &seq);
    pthread_mutex_unlock(&sp->wmu);
    return rc < 0 ? rc : space_after_write(sp, seq);
}

int bsp_space_delete(bsp_space *sp, uint16_t addr)
{
    int rc = space_check_writable(sp, addr);
    if (rc < 0) return rc;
    uint64_t seq = 0;
    pthread_mutex_lock(&sp->wmu);
    rc = space_do_delete(sp, addr, &seq);
    pthread_mutex_unlock(&sp->wmu);
    return rc < 0 ? rc : space_after_write(sp, seq);
}

/* ---- cache state and persistence ------------------------------------------------------------ */

void bsp_space_stats_get(bsp_space *sp, bsp_space_stats *st)
{
    memset(st, 0, sizeof *st);
    pthread_rwlock_rdlock(&sp->cache.rw);
    st->occupied = popcount_bm(sp->occ);
    st->dirty_count = sp->cache.dirty_count;
    st->cached_bytes = sp->cache.cached_bytes;
    st->ops_since_flush = sp->cache.ops_since_flush;
    for (int i = 0; i < 1024; i++) st->unflushed += (size_t)__builtin_popcountll(sp->dirty[i] | sp->cache.has[i]);
    st->max_bytes = sp->cache.max_bytes;
    st->version = sp->version;
    pthread_rwlock_unlock(&sp->cache.rw);
    if (sp->wal) {
        st->wal_seq = wal_last_seq(sp->wal);
        st->wal_durable_seq = wal_durable_seq(sp->wal);
    }
}

bool bsp_space_should_flush(bsp_space *sp)
{
    pthread_rwlock_rdlock(&sp->cache.rw);
    bool f = cache_should_flush(&sp->cache);
    pthread_rwlock_unlock(&sp->cache.rw);
    return f;
}

int bsp_space_sync(bsp_space *sp)
{
    return sp->wal && !sp->read_only ? wal_sync(sp->wal) : BSP_OK;
}

int bsp_space_flush(bsp_space *sp, uint64_t *new_version)
{
    if (sp->read_only) return bsp_err(BSP_EPERM, "%s: the space is open read-only", sp->dir);
    uint64_t oldv = 0, newv = 0;
    bool committed = false;
    pthread_mutex_lock(&sp->wmu);
    int rc = persist_flush(sp, &newv, &oldv, &committed);
    if (rc == BSP_OK && committed) rc = wal_checkpoint(sp->wal, newv);
    pthread_mutex_unlock(&sp->wmu);
    if (rc < 0) return rc;
    if (new_version) *new_version = newv;
    if (committed && sp->o.on_flush) sp->o.on_flush(sp->o.on_flush_ctx, sp, sp->table_path, oldv, newv);
    return BSP_OK;
}
