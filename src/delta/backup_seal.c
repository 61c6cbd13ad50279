/* File seals of a backup chain: `<chain>/_bindspace_seal` lists, for every immutable file of
 * the chain (data files, manifests, transactions, snapshot tables), its size and CRC-32C.
 *
 * The one idea: row CRCs catch damage in the values a reader decodes, but a Lance file also
 * has bytes no reader looks at (page padding, unused protobuf fields, old manifests). Sealing
 * every file right after the commit that created it lets verify catch a flipped byte
 * anywhere. Lines are "crc size relpath linecrc\n" (hex CRCs; linecrc covers the text before
 * it), appended with O_APPEND and fsync'd; a torn last line is ignored. Files that Lance
 * replaces in place (the version hint) and temporary files are not sealed. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delta/backup_internal.h"
#include "io/io.h"
#include "util/crc32c.h"
#include "util/error.h"

#define SEAL_NAME "_bindspace_seal"

typedef struct seal {
    char *rel;
    uint64_t size;
    uint32_t crc;
} seal;

typedef struct seal_set {
    seal *s;
    size_t n, cap;
    size_t bad_lines;
} seal_set;

static int oom(void) { return bsp_err(BSP_ENOMEM, "backup: out of memory"); }

static void set_free(seal_set *ss)
{
    for (size_t i = 0; i < ss->n; i++) free(ss->s[i].rel);
    free(ss->s);
    memset(ss, 0, sizeof *ss);
}

static int set_add(seal_set *ss, const char *rel, uint64_t size, uint32_t crc)
{
    if (ss->n == ss->cap) {
        size_t cap = ss->cap ? 2 * ss->cap : 64;
        seal *s = realloc(ss->s, cap * sizeof *s);
        if (!s) return oom();
        ss->s = s;
        ss->cap = cap;
    }
    ss->s[ss->n].rel = strdup(rel);
    if (!ss->s[ss->n].rel) return oom();
    ss->s[ss->n].size = size;
    ss->s[ss->n++].crc = crc;
    return BSP_OK;
}

static const seal *set_find(const seal_set *ss, const char *rel)
{
    for (size_t i = ss->n; i-- > 0;)
        if (strcmp(ss->s[i].rel, rel) == 0) return &ss->s[i];
    return NULL;
}

/* Parse seal text; lines that fail their CRC or do not parse are counted in bad_lines, a
 * torn last line (no newline) is ignored. */
static int parse_seals(const uint8_t *data, size_t len, seal_set *ss)
{
    int rc = BSP_OK;
    size_t i = 0;
    while (i < len && !rc) {
        size_t j = i;
        while (j < len && data[j] != '\n') j++;
        if (j == len) break; /* torn tail */
        char line[1200];
        size_t l = j - i;
        if (l < sizeof line && !memchr(data + i, 0, l)) {
            memcpy(line, data + i, l);
            line[l] = 0;
            char *sp = strrchr(line, ' ');
            unsigned crc, lcrc;
            unsigned long long size;
            int used = 0;
            if (sp && sscanf(sp + 1, "%x", &lcrc) == 1 && crc32c(line, (size_t)(sp - line)) == lcrc) {
                *sp = 0;
                if (sscanf(line, "%x %llu %n", &crc, &size, &used) == 2 && used > 0 && line[used])
                    rc = set_add(ss, line + used, size, crc);
                else
                    ss->bad_lines++;
            } else {
                ss->bad_lines++;
            }
        } else {
            ss->bad_lines++;
        }
        i = j + 1;
    }
    return rc;
}

int bk_seal_parse_count(const uint8_t *data, size_t len, size_t *good, size_t *bad)
{
    seal_set ss;
    memset(&ss, 0, sizeof ss);
    int rc = parse_seals(data, len, &ss);
    *good = ss.n;
    *bad = ss.bad_lines;
    set_free(&ss);
    return rc;
}

static int read_seals(const char *chain, seal_set *ss)
{
    memset(ss, 0, sizeof *ss);
    char *path = io_path_join(chain, SEAL_NAME);
    if (!path) return oom();
    uint8_t *data;
    size_t len;
    int rc = io_read_file(path, &data, &len);
    free(path);
    if (rc == BSP_ENOTFOUND) {
        bsp_errclear();
        return BSP_OK;
    }
    if (rc) return rc;
    rc = parse_seals(data, len, ss);
    free(data);
    if (rc) set_free(ss);
    return rc;
}

/* Every sealable file under the chain, as relative paths. */
typedef struct walk {
    size_t root_len;
    char **rel;
    size_t n, cap;
    int rc;
} walk;
static walk *g_walk; /* nftw has no context pointer; guarded by g_walk_mu */
static pthread_mutex_t g_walk_mu = PTHREAD_MUTEX_INITIALIZER;

static bool sealable(const char *rel)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    if (strcmp(rel, SEAL_NAME) == 0 || strcmp(rel, BK_LOCK_NAME) == 0) return false;
    if (strcmp(base, "latest_version_hint.json") == 0) return false;
    size_t n = strlen(base);
    if (n >= 4 && strcmp(base + n - 4, ".tmp") == 0) return false;
    if (strstr(rel, ".lance.tmp/")) return false; /* a snapshot being written */
    return true;
}

static int walk_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    if (flag != FTW_F) return 0;
    walk *w = g_walk;
    const char *rel = p + w->root_len + 1;
    if (!sealable(rel)) return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        char **r = realloc(w->rel, cap * sizeof *r);
        if (!r) return w->rc = oom(), 1;
        w->rel = r;
        w->cap = cap;
    }
    if (!(w->rel[w->n] = strdup(rel))) return w->rc = oom(), 1;
    w->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_files(const char *chain, char ***rel, size_t *n)
{
    walk w = {strlen(chain), NULL, 0, 0, 0};
    pthread_mutex_lock(&g_walk_mu);
    g_walk = &w;
    int r = nftw(chain, walk_one, 16, FTW_PHYS);
    g_walk = NULL;
    pthread_mutex_unlock(&g_walk_mu);
    if (r != 0 && !w.rc) w.rc = bsp_err(BSP_EIO, "%s: cannot list the chain's files", chain);
    if (w.rc) {
        for (size_t i = 0; i < w.n; i++) free(w.rel[i]);
        free(w.rel);
        return w.rc;
    }
    if (w.n) qsort(w.rel, w.n, sizeof *w.rel, cmp_str);
    *rel = w.rel;
    *n = w.n;
    return BSP_OK;
}

static int file_crc(const char *chain, const char *rel, uint64_t *size, uint32_t *crc)
{
    char *path = io_path_join(chain, rel);
    if (!path) return oom();
    int fd;
    int rc = io_open_read(path, &fd, size);
    if (!rc) {
        static __thread uint8_t buf[1 << 16];
        uint32_t c = 0;
        uint64_t off = 0;
        while (off < *size && !rc) {
            size_t k = *size - off < sizeof buf ? (size_t)(*size - off) : sizeof buf;
            rc = io_pread_exact(fd, path, buf, k, off);
            c = crc32c_update(c, buf, k);
            off += k;
        }
        *crc = c;
        io_close(fd);
    }
    free(path);
    return rc;
}

int bk_seal_update(const char *chain)
{
    if (!io_exists(chain)) return BSP_OK;
    seal_set ss;
    int rc = read_seals(chain, &ss);
    if (rc) return rc;
    char **rel = NULL;
    size_t n = 0;
    rc = list_files(chain, &rel, &n);
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (set_find(&ss, rel[i])) continue;
        uint64_t size;
        uint32_t crc;
        if ((rc = file_crc(chain, rel[i], &size, &crc))) break;
        char line[1200];
        int k = snprintf(line, sizeof line, "%08x %" PRIu64 " %s", crc, size, rel[i]);
        if (k < 0 || (size_t)k >= sizeof line - 12) continue; /* absurd path: left unsealed */
        k += snprintf(line + k, sizeof line - (size_t)k, " %08x\n", crc32c(line, (size_t)k));
        if (len + (size_t)k > cap) {
            cap = (len + (size_t)k) * 2;
            char *t = realloc(text, cap);
            if (!t) { rc = oom(); break; }
            text = t;
        }
        memcpy(text + len, line, (size_t)k);
        len += (size_t)k;
    }
    if (!rc && len) {
        char *path = io_path_join(chain, SEAL_NAME);
        int fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
        if (fd < 0) rc = path ? bsp_err(BSP_EIO, "open %s: %s", path, strerror(errno)) : oom();
        else {
            if (write(fd, text, len) != (ssize_t)len || fdatasync(fd) != 0)
                rc = bsp_err(BSP_EIO, "write %s: %s", path, strerror(errno));
            close(fd);
        }
        free(path);
    }
    free(text);
    for (size_t i = 0; i < n; i++) free(rel[i]);
    free(rel);
    set_free(&ss);
    return rc;
}

int bk_seal_check(const char *chain, bk_seal_problem_fn problem, void *ctx, uint64_t *files)
{
    *files = 0;
    seal_set ss;
    int rc = read_seals(chain, &ss);
    if (rc) return rc;
    if (ss.bad_lines) problem(ctx, SEAL_NAME, "damaged seal lines");
    char **rel = NULL;
    size_t n = 0;
    rc = list_files(chain, &rel, &n);
    for (size_t i = 0; i < n && !rc; i++) {
        const seal *s = set_find(&ss, rel[i]);
        if (!s) {
            problem(ctx, rel[i], "file is not sealed (left by an interrupted backup, or added later)");
            continue;
        }
        uint64_t size;
        uint32_t crc;
        int r2 = file_crc(chain, rel[i], &size, &crc);
        if (r2 == BSP_ENOMEM) { rc = r2; break; }
        if (r2) problem(ctx, rel[i], bsp_errmsg());
        else if (size != s->size) problem(ctx, rel[i], "file size differs from its seal");
        else if (crc != s->crc) problem(ctx, rel[i], "file CRC-32C differs from its seal (damaged bytes)");
        ++*files;
    }
    /* Sealed files that disappeared. */
    for (size_t i = 0; i < ss.n && !rc; i++) {
        bool found = n && bsearch(&ss.s[i].rel, rel, n, sizeof *rel, cmp_str) != NULL;
        if (!found) problem(ctx, ss.s[i].rel, "sealed file is missing");
    }
    for (size_t i = 0; i < n; i++) free(rel[i]);
    free(rel);
    set_free(&ss);
    return rc;
}
