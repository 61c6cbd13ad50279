/* The BindSpace write-ahead log (format and recovery rules in wal.h and docs/space.md).
 *
 * The one idea: a record is acknowledged only after the fdatasync of the batch holding it,
 * and every batch starts with a MARK naming the highest sequence number acknowledged before
 * it was written. So on recovery a damaged record with a later MARK at or past its sequence
 * number was acknowledged (corruption: refuse to open), and one without is part of the last,
 * unacknowledged batch (a torn tail: cut it off). Segments are preallocated so a sync rarely
 * has to update file metadata. */
#include "space/wal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bindspace/delta.h"
#include "util/crc32c.h"
#include "util/error.h"

static const uint8_t SEG_MAGIC[8] = {'B', 'S', 'P', 'W', 'A', 'L', '\r', '\n'};
#define REC_MAGIC 0x4C415752u /* "RWAL" little-endian */

static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint32_t get32(const uint8_t *p) { uint32_t v = 0; for (int i = 3; i >= 0; i--) v = (v << 8) | p[i]; return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = (v << 8) | p[i]; return v; }
static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

/* ---- parsing (also used by fuzz/fuzz_wal.c) ---------------------------------------------- */

int wal_parse_seg_header(const uint8_t *buf, size_t len, wal_seg_header *h)
{
    if (len < WAL_SEG_HEADER) return bsp_err(BSP_ECORRUPT, "segment header is truncated (%zu bytes)", len);
    if (memcmp(buf, SEG_MAGIC, 8) != 0) return bsp_err(BSP_ECORRUPT, "segment magic is not BSPWAL");
    if (crc32c(buf, 60) != get32(buf + 60)) return bsp_err(BSP_ECORRUPT, "segment header CRC mismatch");
    if (get32(buf + 8) != 1) return bsp_err(BSP_EUNSUPPORTED, "segment format %u is not 1", get32(buf + 8));
    if (get32(buf + 12) != WAL_SEG_HEADER) return bsp_err(BSP_ECORRUPT, "segment header size is not 64");
    h->segno = get64(buf + 16);
    h->first_seq = get64(buf + 24);
    h->base_version = get64(buf + 32);
    return BSP_OK;
}

int wal_parse_record(const uint8_t *buf, size_t len, wal_rec *r, size_t *used)
{
    if (len < WAL_REC_HEADER) {
        if (all_zero(buf, len)) return 0;
        return bsp_err(BSP_ECORRUPT, "record header is truncated");
    }
    if (all_zero(buf, WAL_REC_HEADER)) return 0;
    if (get32(buf) != REC_MAGIC) return bsp_err(BSP_ECORRUPT, "bad record magic");
    uint32_t plen = get32(buf + 8);
    if (plen > WAL_MAX_PAYLOAD) return bsp_err(BSP_ECORRUPT, "record payload length %u is too large", plen);
    size_t total = WAL_REC_HEADER + pad8(plen);
    if (total > len) return bsp_err(BSP_ECORRUPT, "record runs past the end of the segment");
    if (crc32c(buf + 8, total - 8) != get32(buf + 4)) return bsp_err(BSP_ECORRUPT, "record CRC mismatch");
    if (buf[13] != 0 || !all_zero(buf + WAL_REC_HEADER + plen, pad8(plen) - plen))
        return bsp_err(BSP_ECORRUPT, "record reserved bytes are not zero");
    r->kind = buf[12];
    r->addr = (uint16_t)(buf[14] | (buf[15] << 8));
    r->seq = get64(buf + 16);
    r->base_version = get64(buf + 24);
    r->payload = buf + WAL_REC_HEADER;
    r->len = plen;
    switch (r->kind) {
    case WAL_DELTA:
    case WAL_PUT: {
        bsp_delta d;
        int rc = bsp_delta_decode(&d, r->payload, plen);
        if (rc < 0) return bsp_err_prefix(BSP_ECORRUPT, "record %" PRIu64 " payload", r->seq);
        break;
    }
    case WAL_DELETE:
    case WAL_MARK:
        if (plen != 0) return bsp_err(BSP_ECORRUPT, "record kind %u has a payload", r->kind);
        if (r->kind == WAL_MARK && r->addr != 0) return bsp_err(BSP_ECORRUPT, "mark record has an address");
        break;
    case WAL_DNBIND:
        if (plen == 0 || plen >= 512 || memchr(r->payload, 0, plen))
            return bsp_err(BSP_ECORRUPT, "record %" PRIu64 ": bad DN path length or byte", r->seq);
        break;
    default:
        return bsp_err(BSP_ECORRUPT, "unknown record kind %u", r->kind);
    }
    *used = total;
    return 1;
}

/* ---- the log ------------------------------------------------------------------------------ */

struct wal {
    char *dir;
    int dirfd;
    wal_options o;
    pthread_mutex_t mu;
    pthread_cond_t cv;        /* busy changes (checkpoint, ticker) */
    pthread_cond_t batch_cv[2]; /* waiters of batch number b sleep on batch_cv[b & 1] */
    uint64_t batch_no;        /* number of the pending batch; the one in flight is batch_no - 1 */
    /* pending batch: starts with a 32-byte slot for its MARK when non-empty */
    uint8_t *buf, *spare;
    size_t len, cap, spare_cap;
    uint64_t buf_first_seq;
    uint64_t next_seq, written_seq, durable_seq;
    uint64_t base_version;
    bool busy;         /* a leader (or checkpoint) owns the file state */
    int err;           /* sticky write error */
    char errmsg[512];
    /* file state, owned by whoever set busy */
    int fd;
    uint64_t segno, seg_off, seg_cap;
    /* interval ticker */
    pthread_t ticker;
    bool ticker_on, stop;
};

static int wal_errno(const char *what, const char *path)
{
    return bsp_err(BSP_EIO, "wal %s %s: %s", what, path, strerror(errno));
}

static void seg_name(char *out, size_t cap, const char *dir, uint64_t segno, const char *suffix)
{
    snprintf(out, cap, "%s/%016" PRIx64 ".wal%s", dir, segno, suffix);
}

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t k = pwrite(fd, p, n, (off_t)off);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

/* Create segment segno (cap bytes, zero-filled) via a temporary file and rename. */
static int seg_create(wal *w, uint64_t segno, uint64_t first_seq, uint64_t cap, int *fd_out)
{
    char tmp[4200], path[4200];
    seg_name(tmp, sizeof tmp, w->dir, segno, ".tmp");
    seg_name(path, sizeof path, w->dir, segno, "");
    int fd = open(tmp, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) return wal_errno("create", tmp);
    uint8_t h[WAL_SEG_HEADER] = {0};
    memcpy(h, SEG_MAGIC, 8);
    put32(h + 8, 1);
    put32(h + 12, WAL_SEG_HEADER);
    put64(h + 16, segno);
    put64(h + 24, first_seq);
    put64(h + 32, w->base_version);
    put32(h + 60, crc32c(h, 60));
    if (fallocate(fd, 0, 0, (off_t)cap) != 0) {
        /* no fallocate on this file system: write zeros */
        static const uint8_t zeros[65536];
        for (uint64_t off = 0; off < cap; off += sizeof zeros) {
            size_t n = cap - off < sizeof zeros ? (size_t)(cap - off) : sizeof zeros;
            if (write_all(fd, zeros, n, off) != 0) goto fail;
        }
    }
    if (write_all(fd, h, sizeof h, 0) != 0 || fsync(fd) != 0) goto fail;
    if (rename(tmp, path) != 0) goto fail;
    if (fsync(w->dirfd) != 0) {
        int rc = wal_errno("fsync directory", w->dir);
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return BSP_OK;
fail: {
    int rc = wal_errno("write", tmp);
    close(fd);
    unlink(tmp);
    return rc;
}
}

/* Write a taken batch (first record seq = first) to the current segment, rotating when it
 * does not fit. Called by the busy owner without the mutex. */
static int write_batch(wal *w, const uint8_t *b, size_t n, uint64_t first, bool sync)
{
    if (w->fd < 0 || w->seg_off + n > w->seg_cap) {
        uint64_t cap = w->o.segment_bytes;
        if (cap < WAL_SEG_HEADER + n) cap = pad8(WAL_SEG_HEADER + n);
        int fd = -1;
        int rc = seg_create(w, w->segno + 1, first, cap, &fd);
        if (rc < 0) return rc;
        if (w->fd >= 0) close(w->fd);
        w->fd = fd;
        w->segno++;
        w->seg_off = WAL_SEG_HEADER;
        w->seg_cap = cap;
    }
    char path[4200];
    if (write_all(w->fd, b, n, w->seg_off) != 0) {
        seg_name(path, sizeof path, w->dir, w->segno, "");
        return wal_errno("write", path);
    }
    w->seg_off += n;
    if (sync && fdatasync(w->fd) != 0) {
        seg_name(path, sizeof path, w->dir, w->segno, "");
        return wal_errno("fdatasync", path);
    }
    return BSP_OK;
}

/* With the mutex held, busy false and a non-empty batch: write it (and sync) as leader. */
static void lead(wal *w, bool sync)
{
    uint8_t *b = w->buf;
    size_t n = w->len, bcap = w->cap;
    uint64_t first = w->buf_first_seq, last = w->next_seq - 1;
    w->buf = w->spare;
    w->cap = w->spare_cap;
    w->spare = NULL;
    w->spare_cap = 0;
    w->len = 0;
    uint64_t bno = w->batch_no++;
    /* the batch's MARK: the highest sequence number acknowledged before it */
    uint64_t acked = w->o.durability == BSP_DURABLE_NONE ? w->written_seq : w->durable_seq;
    memset(b, 0, WAL_REC_HEADER);
    put32(b, REC_MAGIC);
    b[12] = WAL_MARK;
    put64(b + 16, acked);
    put64(b + 24, w->base_version);
    put32(b + 4, crc32c(b + 8, WAL_REC_HEADER - 8));
    w->busy = true;
    pthread_mutex_unlock(&w->mu);
    int rc = write_batch(w, b, n, first, sync);
    pthread_mutex_lock(&w->mu);
    w->busy = false;
    if (rc < 0) {
        if (!w->err) {
            w->err = rc;
            snprintf(w->errmsg, sizeof w->errmsg, "%s", bsp_errmsg());
        }
    } else {
        w->written_seq = last;
        if (sync) w->durable_seq = last;
    }
    if (!w->spare || w->spare_cap < bcap) { /* keep the larger buffer as the spare */
        free(w->spare);
        w->spare = b;
        w->spare_cap = bcap;
    } else {
        free(b);
    }
    /* Wake the writers of this batch only (on a busy machine waking the next batch's
     * writers for nothing costs more CPU than the rest of the commit), plus one writer of
     * the pending batch to lead it, and whoever waits for the file state. */
    pthread_cond_broadcast(&w->batch_cv[bno & 1]);
    if (w->err)
        pthread_cond_broadcast(&w->batch_cv[(bno + 1) & 1]); /* all of them fail now */
    else if (w->len > 0)
        pthread_cond_signal(&w->batch_cv[(bno + 1) & 1]);
    pthread_cond_broadcast(&w->cv);
}

/* The batch holding seq, which is not yet written: the pending one if seq is in it, else
 * the one in flight. */
static uint64_t batch_of(const wal *w, uint64_t seq)
{
    return w->len > 0 && seq >= w->buf_first_seq ? w->batch_no : w->batch_no - 1;
}

static int sticky(wal *w)
{
    return bsp_err(w->err, "%s (the WAL refuses writes after a failed write)", w->errmsg);
}

int wal_append(wal *w, uint8_t kind, uint16_t addr, const uint8_t *payload, uint32_t len, uint64_t *seq)
{
    if (len > WAL_MAX_PAYLOAD) return bsp_err(BSP_EINVAL, "wal record payload of %u bytes is too large", len);
    size_t need = WAL_REC_HEADER + pad8(len) + WAL_REC_HEADER;
    pthread_mutex_lock(&w->mu);
    if (w->err) {
        int rc = sticky(w);
        pthread_mutex_unlock(&w->mu);
        return rc;
    }
    if (w->len + need > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 65536;
        while (cap < w->len + need) cap *= 2;
        uint8_t *nb = realloc(w->buf, cap);
        if (!nb) {
            pthread_mutex_unlock(&w->mu);
            return bsp_err(BSP_ENOMEM, "wal: out of memory for the pending batch");
        }
        w->buf = nb;
        w->cap = cap;
    }
    if (w->len == 0) {
        w->len = WAL_REC_HEADER; /* slot for the MARK */
        w->buf_first_seq = w->next_seq;
    }
    uint8_t *p = w->buf + w->len;
    uint64_t s = w->next_seq++;
    memset(p, 0, WAL_REC_HEADER);
    put32(p, REC_MAGIC);
    put32(p + 8, len);
    p[12] = kind;
    p[14] = (uint8_t)addr;
    p[15] = (uint8_t)(addr >> 8);
    put64(p + 16, s);
    put64(p + 24, w->base_version);
    if (len) memcpy(p + WAL_REC_HEADER, payload, len);
    memset(p + WAL_REC_HEADER + len, 0, pad8(len) - len);
    put32(p + 4, crc32c(p + 8, WAL_REC_HEADER - 8 + pad8(len)));
    w->len += WAL_REC_HEADER + pad8(len);
    pthread_mutex_unlock(&w->mu);
    if (seq) *seq = s;
    return BSP_OK;
}

/* Wait until seq is written (and synced when sync), leading batches as needed. */
static int wait_for(wal *w, uint64_t seq, bool sync)
{
    pthread_mutex_lock(&w->mu);
    for (;;) {
        uint64_t have = sync ? w->durable_seq : w->written_seq;
        if (have >= seq) break;
        if (w->err) {
            int rc = sticky(w);
            pthread_mutex_unlock(&w->mu);
            return rc;
        }
        if (!w->busy && w->len > 0)
            lead(w, sync);
        else
            pthread_cond_wait(&w->batch_cv[batch_of(w, seq) & 1], &w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return BSP_OK;
}

int wal_commit(wal *w, uint64_t seq)
{
    switch (w->o.durability) {
    case BSP_DURABLE_SYNC: return wait_for(w, seq, true);
    case BSP_DURABLE_NONE: return wait_for(w, seq, false);
    default: return BSP_OK;
    }
}

int wal_sync(wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t last = w->next_seq - 1;
    pthread_mutex_unlock(&w->mu);
    return wait_for(w, last, w->o.durability != BSP_DURABLE_NONE);
}

uint64_t wal_last_seq(wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t s = w->next_seq - 1;
    pthread_mutex_unlock(&w->mu);
    return s;
}

uint64_t wal_durable_seq(wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t s = w->o.durability == BSP_DURABLE_NONE ? w->written_seq : w->durable_seq;
    pthread_mutex_unlock(&w->mu);
    return s;
}

static void *ticker_main(void *arg)
{
    wal *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)w->o.interval_ms * 1000000u;
        ts.tv_sec += (time_t)(ns / 1000000000u);
        ts.tv_nsec = (long)(ns % 1000000000u);
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        if (!w->stop && !w->busy && w->len > 0 && !w->err) lead(w, true);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ---- segments on disk ---------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Segment numbers present in the directory, ascending; removes leftover .tmp files unless
 * read-only. */
static int list_segments(wal *w, uint64_t **out, size_t *n)
{
    DIR *d = opendir(w->dir);
    if (!d) return wal_errno("open directory", w->dir);
    uint64_t *v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        size_t l = strlen(nm);
        bool hex = l >= 20;
        for (size_t i = 0; hex && i < 16; i++) hex = strchr("0123456789abcdef", nm[i]) && nm[i];
        if (!hex || strncmp(nm + 16, ".wal", 4) != 0) continue;
        if (l == 24 && !strcmp(nm + 20, ".tmp")) {
            if (!w->o.read_only) unlinkat(w->dirfd, nm, 0);
            continue;
        }
        if (l != 20) continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            uint64_t *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                free(v);
                closedir(d);
                return bsp_err(BSP_ENOMEM, "wal: out of memory");
            }
            v = nv;
        }
        v[cnt++] = strtoull(nm, NULL, 16);
    }
    closedir(d);
    if (cnt) qsort(v, cnt, sizeof *v, cmp_u64);
    *out = v;
    *n = cnt;
    return BSP_OK;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return wal_errno("open", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return wal_errno("stat", path);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) {
        close(fd);
        return bsp_err(BSP_ENOMEM, "wal: out of memory reading %s", path);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, b + got, n - got, (off_t)got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            free(b);
            close(fd);
            return wal_errno("read", path);
        }
        got += (size_t)k;
    }
    close(fd);
    *buf = b;
    *len = n;
    return BSP_OK;
}

typedef struct segdata {
    uint64_t segno;
    uint8_t *buf;
    size_t len;
    wal_seg_header h;
} segdata;

/* Is there a valid MARK claiming >= seq anywhere from (segment i, offset off)? */
static bool later_mark_claims(segdata *s, size_t nseg, size_t i, size_t off, uint64_t seq)
{
    for (; i < nseg; i++, off = WAL_SEG_HEADER) {
        for (; off + WAL_REC_HEADER <= s[i].len; off += 8) {
            if (get32(s[i].buf + off) != REC_MAGIC || s[i].buf[off + 12] != WAL_MARK) continue;
            wal_rec r;
            size_t used;
            if (wal_parse_record(s[i].buf + off, s[i].len - off, &r, &used) == 1 && r.seq >= seq) return true;
        }
    }
    return false;
}

static int recover(wal *w, uint64_t current_version, wal_replay_fn fn, void *ctx)
{
    uint64_t *nums = NULL;
    size_t nseg = 0;
    int rc = list_segments(w, &nums, &nseg);
    if (rc < 0) return rc;
    segdata *s = calloc(nseg ? nseg : 1, sizeof *s);
    if (!s) {
        free(nums);
        return bsp_err(BSP_ENOMEM, "wal: out of memory");
    }
    char path[4200];
    for (size_t i = 0; i < nseg && rc == BSP_OK; i++) {
        s[i].segno = nums[i];
        seg_name(path, sizeof path, w->dir, nums[i], "");
        rc = read_file(path, &s[i].buf, &s[i].len);
        if (rc == BSP_OK && (rc = wal_parse_seg_header(s[i].buf, s[i].len, &s[i].h)) < 0)
            rc = bsp_err_prefix(BSP_ECORRUPT, "wal segment %s offset 0", path);
        if (rc == BSP_OK && s[i].h.segno != nums[i])
            rc = bsp_err(BSP_ECORRUPT, "wal segment %s offset 0: header names segment %" PRIu64, path,
                         s[i].h.segno);
    }
    free(nums);

    uint64_t last_seq = 0;
    bool have_last = false;
    size_t end_seg = nseg, end_off = 0; /* where appending continues */
    for (size_t i = 0; i < nseg && rc == BSP_OK; i++) {
        size_t off = WAL_SEG_HEADER;
        if (!have_last) last_seq = s[i].h.first_seq ? s[i].h.first_seq - 1 : 0;
        int prc = 0;
        char why[512] = "";
        for (;;) {
            wal_rec r;
            size_t used = 0;
            prc = off < s[i].len ? wal_parse_record(s[i].buf + off, s[i].len - off, &r, &used) : 0;
            if (prc < 0) {
                snprintf(why, sizeof why, "%s", bsp_errmsg());
                break;
            }
            if (prc == 0) break;
            if (r.kind != WAL_MARK) {
                if (r.seq != last_seq + 1) {
                    snprintf(why, sizeof why, "sequence number %" PRIu64 " where %" PRIu64 " was expected",
                             r.seq, last_seq + 1);
                    prc = -1;
                    break;
                }
                if (r.base_version > current_version) {
                    seg_name(path, sizeof path, w->dir, s[i].segno, "");
                    rc = bsp_err(BSP_ECORRUPT,
                                 "wal segment %s offset %zu: record base version %" PRIu64
                                 " is newer than the table's version %" PRIu64,
                                 path, off, r.base_version, current_version);
                    break;
                }
                if (r.base_version == current_version && fn) {
                    rc = fn(ctx, &r);
                    if (rc < 0) {
                        seg_name(path, sizeof path, w->dir, s[i].segno, "");
                        rc = bsp_err_prefix(rc, "wal segment %s offset %zu: replay", path, off);
                        break;
                    }
                }
                last_seq = r.seq;
                have_last = true;
            }
            off += used;
        }
        if (rc < 0) break;
        bool rest_zero = off >= s[i].len || all_zero(s[i].buf + off, s[i].len - off);
        if (prc == 0 && rest_zero) {
            end_seg = i;
            end_off = off;
            continue; /* clean end of this segment */
        }
        /* damage at (i, off): acknowledged (corrupt middle) or a torn tail? */
        if (!why[0]) snprintf(why, sizeof why, "zero bytes followed by data");
        seg_name(path, sizeof path, w->dir, s[i].segno, "");
        if (later_mark_claims(s, nseg, i, off + 8, last_seq + 1)) {
            rc = bsp_err(BSP_ECORRUPT, "wal segment %s offset %zu: %s (records after it were acknowledged)",
                         path, off, why);
            break;
        }
        fprintf(stderr, "bindspace: warning: wal segment %s: torn tail at offset %zu (%s); %s\n", path, off,
                why, w->o.read_only ? "ignored (read-only)" : "discarded");
        if (!w->o.read_only) {
            int fd = open(path, O_WRONLY | O_CLOEXEC);
            if (fd < 0) {
                rc = wal_errno("open", path);
                break;
            }
            static const uint8_t zeros[65536];
            for (size_t z = off; z < s[i].len && rc == BSP_OK; z += sizeof zeros) {
                size_t n = s[i].len - z < sizeof zeros ? s[i].len - z : sizeof zeros;
                if (write_all(fd, zeros, n, z) != 0) rc = wal_errno("write", path);
            }
            if (rc == BSP_OK && fsync(fd) != 0) rc = wal_errno("fsync", path);
            close(fd);
            for (size_t j = i + 1; j < nseg && rc == BSP_OK; j++) {
                char p2[4200];
                seg_name(p2, sizeof p2, w->dir, s[j].segno, "");
                if (unlink(p2) != 0) rc = wal_errno("unlink", p2);
            }
            if (rc == BSP_OK && fsync(w->dirfd) != 0) rc = wal_errno("fsync directory", w->dir);
        }
        end_seg = i;
        end_off = off;
        nseg = i + 1; /* later segments are gone */
        break;
    }

    if (rc == BSP_OK) {
        w->next_seq = last_seq + 1;
        w->written_seq = w->durable_seq = last_seq;
        w->segno = nseg ? s[nseg - 1].segno : 0;
        if (!w->o.read_only && end_seg < nseg && end_seg == nseg - 1) {
            seg_name(path, sizeof path, w->dir, s[end_seg].segno, "");
            w->fd = open(path, O_RDWR | O_CLOEXEC);
            if (w->fd < 0) rc = wal_errno("open", path);
            w->seg_off = end_off;
            w->seg_cap = s[end_seg].len;
        }
    }
    for (size_t i = 0; i < nseg; i++) free(s[i].buf);
    free(s);
    return rc;
}

int wal_open(const char *dir, const wal_options *opts, uint64_t current_version, wal_replay_fn fn,
             void *ctx, wal **out)
{
    *out = NULL;
    wal *w = calloc(1, sizeof *w);
    if (!w) return bsp_err(BSP_ENOMEM, "wal: out of memory");
    w->o = *opts;
    if (!w->o.segment_bytes) w->o.segment_bytes = WAL_SEG_DEFAULT;
    if (w->o.segment_bytes < 4096) w->o.segment_bytes = 4096;
    if (!w->o.interval_ms) w->o.interval_ms = 10;
    w->fd = -1;
    w->dirfd = -1;
    w->base_version = current_version;
    w->next_seq = 1;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->batch_cv[0], NULL);
    pthread_cond_init(&w->batch_cv[1], NULL);
    int rc = BSP_OK;
    if (!(w->dir = strdup(dir))) rc = bsp_err(BSP_ENOMEM, "wal: out of memory");
    if (rc == BSP_OK && !w->o.read_only && mkdir(dir, 0755) != 0 && errno != EEXIST)
        rc = wal_errno("mkdir", dir);
    if (rc == BSP_OK) {
        w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (w->dirfd < 0) {
            if (errno == ENOENT && w->o.read_only) {
                *out = w; /* nothing to replay */
                return BSP_OK;
            }
            rc = wal_errno("open directory", dir);
        }
    }
    if (rc == BSP_OK) rc = recover(w, current_version, fn, ctx);
    if (rc == BSP_OK && !w->o.read_only && w->o.durability == BSP_DURABLE_INTERVAL) {
        if (pthread_create(&w->ticker, NULL, ticker_main, w) != 0)
            rc = bsp_err(BSP_ENOMEM, "wal: cannot start the sync thread");
        else
            w->ticker_on = true;
    }
    if (rc < 0) {
        wal_close(w);
        return rc;
    }
    *out = w;
    return BSP_OK;
}

int wal_checkpoint(wal *w, uint64_t new_version)
{
    int rc = wal_sync(w);
    if (rc < 0) return rc;
    pthread_mutex_lock(&w->mu);
    while (w->busy) pthread_cond_wait(&w->cv, &w->mu);
    w->busy = true;
    w->base_version = new_version;
    pthread_mutex_unlock(&w->mu);

    if (w->fd >= 0 && w->seg_off > w->seg_cap / 2) {
        close(w->fd);
        w->fd = -1; /* the next batch starts segment segno + 1 */
    }
    uint64_t *nums = NULL;
    size_t n = 0;
    rc = list_segments(w, &nums, &n);
    for (size_t i = 0; i < n && rc == BSP_OK; i++) {
        if (w->fd >= 0 && nums[i] == w->segno) continue;
        char path[4200];
        seg_name(path, sizeof path, w->dir, nums[i], "");
        if (unlink(path) != 0 && errno != ENOENT) rc = wal_errno("unlink", path);
    }
    free(nums);
    if (rc == BSP_OK && fsync(w->dirfd) != 0) rc = wal_errno("fsync directory", w->dir);

    pthread_mutex_lock(&w->mu);
    w->busy = false;
    pthread_cond_broadcast(&w->cv);
    pthread_cond_broadcast(&w->batch_cv[0]);
    pthread_cond_broadcast(&w->batch_cv[1]);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void wal_close(wal *w)
{
    if (!w) return;
    if (w->ticker_on) {
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->ticker, NULL);
    }
    if (!w->o.read_only && w->dirfd >= 0 && !w->err) (void)wal_sync(w);
    if (w->fd >= 0) close(w->fd);
    if (w->dirfd >= 0) close(w->dirfd);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->batch_cv[0]);
    pthread_cond_destroy(&w->batch_cv[1]);
    free(w->buf);
    free(w->spare);
    free(w->dir);
    free(w);
}
