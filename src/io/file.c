/* Local files for the Lance layer (see io.h): exact reads, and publishing files so that a
 * final name only ever points at complete, fsync'd bytes.
 *
 * Publishing a new file is temp + fsync + link(temp, final) + unlink(temp) + fsync(dir).
 * link() is the no-overwrite primitive: unlike rename() it fails with EEXIST when the final
 * name is taken, so two writers committing the same manifest version cannot both win
 * (spec §5.3). Temporary names are ".<final-basename>.<16 hex>.tmp" -- they never end in
 * "manifest". */
#include "io/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

static int os_err(const char *op, const char *path)
{
    int e = errno;
    return bsp_err(e == ENOENT ? BSP_ENOTFOUND : BSP_EIO, "%s %s: %s", op, path, strerror(e));
}

/* ---- reading ------------------------------------------------------------------------------ */

int io_open_read(const char *path, int *fd, uint64_t *size)
{
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0) return os_err("open", path);
    struct stat st;
    if (fstat(f, &st) != 0) {
        int rc = os_err("stat", path);
        close(f);
        return rc;
    }
    if (S_ISDIR(st.st_mode)) {
        close(f);
        return bsp_err(BSP_EIO, "open %s: Is a directory", path);
    }
    *fd = f;
    if (size) *size = (uint64_t)st.st_size;
    return BSP_OK;
}

void io_close(int fd)
{
    if (fd >= 0) close(fd);
}

int io_pread_exact(int fd, const char *path, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, p + done, len - done, (off_t)(off + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return bsp_err(BSP_EIO, "read %s at offset %llu (%zu bytes): %s", path,
                           (unsigned long long)off, len, strerror(errno));
        }
        if (n == 0)
            return bsp_err(BSP_ECORRUPT,
                           "%s: file ends at offset %llu, reading %zu bytes at offset %llu",
                           path, (unsigned long long)(off + done), len,
                           (unsigned long long)off);
        done += (size_t)n;
    }
    return BSP_OK;
}

int io_read_file(const char *path, uint8_t **data, size_t *len)
{
    int fd;
    uint64_t size;
    int rc = io_open_read(path, &fd, &size);
    if (rc) return rc;
    if (size > (uint64_t)SIZE_MAX - 1) {
        close(fd);
        return bsp_err(BSP_ENOMEM, "%s: file too large to read (%llu bytes)", path,
                       (unsigned long long)size);
    }
    uint8_t *buf = malloc((size_t)size + 1);
    if (!buf) {
        close(fd);
        return bsp_err(BSP_ENOMEM, "%s: out of memory reading %llu bytes", path,
                       (unsigned long long)size);
    }
    rc = io_pread_exact(fd, path, buf, (size_t)size, 0);
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = (size_t)size;
    return BSP_OK;
}

int io_file_size(const char *path, uint64_t *size)
{
    struct stat st;
    if (stat(path, &st) != 0) return os_err("stat", path);
    *size = (uint64_t)st.st_size;
    return BSP_OK;
}

int io_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

char *io_path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int slash = la > 0 && a[la - 1] != '/';
    char *s = malloc(la + (size_t)slash + lb + 1);
    if (!s) return NULL;
    memcpy(s, a, la);
    if (slash) s[la] = '/';
    memcpy(s + la + (size_t)slash, b, lb + 1);
    return s;
}

/* Directory part of path ("." when there is none), malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* ".<base>.<16 hex>.tmp" next to path. */
static char *temp_name(const char *path)
{
    uint8_t r[8];
    if (io_random_bytes(r, sizeof r)) return NULL;
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    size_t n = dirlen + 1 + strlen(base) + 1 + 16 + 4 + 1;
    char *s = malloc(n);
    if (!s) return NULL;
    int k = snprintf(s, n, "%.*s.%s.", (int)dirlen, path, base);
    for (int i = 0; i < 8; i++) k += snprintf(s + k, n - (size_t)k, "%02x", r[i]);
    snprintf(s + k, n - (size_t)k, ".tmp");
    return s;
}

/* ---- the streaming writer -------------------------------------------------------------- */

#define IO_WRITER_KICK (4u << 20)
#define IO_WRITER_DIRECT (1u << 20)
#define IO_DIRECT_ALIGN 4096u

static int pwrite_all(int fd, const char *path, const uint8_t *p, size_t len, uint64_t off)
{
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_err("write", path);
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return BSP_OK;
}

int io_writer_open(io_writer *w, const char *path)
{
    w->fd = -1;
    w->dfd = -1;
    w->offset = 0;
    w->kicked = w->buffered = 0;
    w->path = strdup(path);
    w->tmp = temp_name(path);
    if (!w->path || !w->tmp) {
        free(w->path);
        free(w->tmp);
        w->path = w->tmp = NULL;
        return bsp_err(BSP_ENOMEM, "%s: out of memory", path);
    }
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        int rc = os_err("create", w->tmp);
        free(w->path);
        free(w->tmp);
        w->path = w->tmp = NULL;
        return rc;
    }
    return BSP_OK;
}

static void direct_close(io_writer *w)
{
    if (w->dfd >= 0) close(w->dfd);
    w->dfd = -2;
}

/* Write aligned bytes with O_DIRECT at w->offset; *done = bytes written. Returns an error
 * only for a real I/O failure; a refusal (EINVAL, unsupported) disables O_DIRECT and leaves
 * the rest to ordinary writes. */
static int direct_write(io_writer *w, const uint8_t *p, size_t len, size_t *done)
{
    *done = 0;
#ifdef O_DIRECT
    if (w->dfd == -1) {
        w->dfd = open(w->tmp, O_WRONLY | O_DIRECT | O_CLOEXEC);
        if (w->dfd < 0) w->dfd = -2;
    }
    while (w->dfd >= 0 && *done < len) {
        ssize_t n = pwrite(w->dfd, p + *done, len - *done, (off_t)(w->offset + *done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EINVAL || errno == EOPNOTSUPP || errno == ENOTSUP)) {
            direct_close(w);
            break;
        }
        if (n < 0) return os_err("write", w->tmp);
        *done += (size_t)n;
        if ((size_t)n % IO_DIRECT_ALIGN) direct_close(w); /* a short odd write: finish normally */
    }
#else
    (void)w, (void)p, (void)len;
#endif
    return BSP_OK;
}

int io_writer_write(io_writer *w, const void *data, size_t len)
{
    if (w->fd < 0) return bsp_err(BSP_EINVAL, "%s: writer is closed", w->path ? w->path : "?");
    const uint8_t *p = data;
    int rc = BSP_OK;
    if (len >= IO_WRITER_DIRECT && w->dfd != -2) {
        size_t head = (size_t)((IO_DIRECT_ALIGN - w->offset % IO_DIRECT_ALIGN) % IO_DIRECT_ALIGN);
        size_t mid = head < len ? (len - head) / IO_DIRECT_ALIGN * IO_DIRECT_ALIGN : 0;
        if (mid >= IO_WRITER_DIRECT && ((uintptr_t)(p + head) % IO_DIRECT_ALIGN) == 0) {
            if (head && (rc = pwrite_all(w->fd, w->tmp, p, head, w->offset))) return rc;
            w->offset += head;
            p += head;
            len -= head;
            size_t done;
            if ((rc = direct_write(w, p, mid, &done))) return rc;
            w->offset += done;
            p += done;
            len -= done;
        }
    }
    if (len && (rc = pwrite_all(w->fd, w->tmp, p, len, w->offset))) return rc;
    w->offset += len;
    w->buffered += len;
#ifdef SYNC_FILE_RANGE_WRITE
    /* Start writeback of the bytes so far: without it a file smaller than the kernel's dirty
     * threshold is not written before fsync, which then waits for all of it. Only a hint;
     * durability still comes from the fsync in io_writer_commit. */
    if (w->buffered >= IO_WRITER_KICK) {
        (void)sync_file_range(w->fd, (off64_t)w->kicked, (off64_t)(w->offset - w->kicked),
                              SYNC_FILE_RANGE_WRITE);
        w->kicked = w->offset;
        w->buffered = 0;
    }
#endif
    return BSP_OK;
}

void io_writer_abort(io_writer *w)
{
    if (w->dfd >= 0) close(w->dfd);
    w->dfd = -2;
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    if (w->tmp) unlink(w->tmp);
    free(w->tmp);
    free(w->path);
    w->tmp = w->path = NULL;
}

int io_writer_commit(io_writer *w, int replace)
{
    if (w->fd < 0 || !w->tmp) return bsp_err(BSP_EINVAL, "writer is closed");
    int rc = BSP_OK;
    if (w->dfd >= 0) close(w->dfd); /* O_DIRECT writes are done; the fsync below covers the file */
    w->dfd = -2;
    if (fsync(w->fd) != 0) rc = os_err("fsync", w->tmp);
    if (close(w->fd) != 0 && rc == BSP_OK) rc = os_err("close", w->tmp);
    w->fd = -1;
    if (rc) goto fail;
    if (replace) {
        if (rename(w->tmp, w->path) != 0) {
            rc = os_err("rename to", w->path);
            goto fail;
        }
    } else {
        if (link(w->tmp, w->path) != 0) {
            if (errno == EEXIST)
                rc = bsp_err(BSP_EEXIST, "%s: already exists", w->path);
            else
                rc = os_err("link to", w->path);
            goto fail;
        }
        unlink(w->tmp); /* the final name holds the file now; a leftover temp is harmless */
    }
    free(w->tmp);
    w->tmp = NULL;
    {
        char *dir = dir_of(w->path);
        rc = dir ? io_fsync_dir(dir) : bsp_err(BSP_ENOMEM, "out of memory");
        free(dir);
    }
    free(w->path);
    w->path = NULL;
    return rc;
fail:
    io_writer_abort(w);
    return rc;
}

static int write_whole(const char *path, const void *data, size_t len, int replace)
{
    io_writer w;
    int rc = io_writer_open(&w, path);
    if (rc) return rc;
    rc = io_writer_write(&w, data, len);
    if (rc) {
        io_writer_abort(&w);
        return rc;
    }
    return io_writer_commit(&w, replace);
}

int io_write_new(const char *path, const void *data, size_t len)
{
    return write_whole(path, data, len, 0);
}

int io_replace_file(const char *path, const void *data, size_t len)
{
    return write_whole(path, data, len, 1);
}

/* ---- directories ---------------------------------------------------------------------------- */

int io_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return os_err("open directory", dir);
    int rc = BSP_OK;
    if (fsync(fd) != 0 && errno != EINVAL) rc = os_err("fsync directory", dir);
    close(fd);
    return rc;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

int io_remove_tree(const char *path)
{
    if (!io_exists(path)) return BSP_OK;
    if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return bsp_err(BSP_EIO, "%s: cannot remove: %s", path, strerror(errno));
    return BSP_OK;
}

int io_mkdir_p(const char *path)
{
    size_t n = strlen(path);
    if (n == 0) return bsp_err(BSP_EINVAL, "mkdir: empty path");
    char *p = strdup(path);
    if (!p) return bsp_err(BSP_ENOMEM, "out of memory");
    int rc = BSP_OK;
    for (size_t i = 1; i <= n && rc == BSP_OK; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0755) == 0) {
            /* a new directory's entry is durable only once its parent is synced */
            char *slash = strrchr(p, '/');
            if (slash == p) rc = io_fsync_dir("/");
            else if (!slash) rc = io_fsync_dir(".");
            else {
                *slash = '\0';
                rc = io_fsync_dir(p);
                *slash = '/';
            }
        } else if (errno != EEXIST) {
            rc = os_err("mkdir", p);
        }
        p[i] = c;
    }
    if (rc == BSP_OK) {
        struct stat st;
        if (stat(path, &st) != 0)
            rc = os_err("stat", path);
        else if (!S_ISDIR(st.st_mode))
            rc = bsp_err(BSP_EEXIST, "mkdir %s: exists and is not a directory", path);
    }
    free(p);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void io_list_free(char **names, size_t count)
{
    if (!names) return;
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
}

int io_list_dir(const char *dir, char ***names, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) return os_err("open directory", dir);
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = BSP_OK;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                rc = bsp_err(BSP_ENOMEM, "list %s: out of memory", dir);
                break;
            }
            v = nv;
            cap = nc;
        }
        if (!(v[n] = strdup(e->d_name))) {
            rc = bsp_err(BSP_ENOMEM, "list %s: out of memory", dir);
            break;
        }
        n++;
        errno = 0;
    }
    if (rc == BSP_OK && errno != 0) rc = os_err("read directory", dir);
    closedir(d);
    if (rc) {
        io_list_free(v, n);
        return rc;
    }
    if (n) qsort(v, n, sizeof *v, cmp_str);
    *names = v;
    *count = n;
    return BSP_OK;
}

int io_remove(const char *path)
{
    if (unlink(path) != 0) return os_err("remove", path);
    return BSP_OK;
}

/* ---- randomness --------------------------------------------------------------------------- */

int io_random_bytes(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t k = getrandom(p, n, 0);
        if (k < 0) {
            if (errno == EINTR) continue;
            return bsp_err(BSP_EIO, "getrandom: %s", strerror(errno));
        }
        p += k;
        n -= (size_t)k;
    }
    return BSP_OK;
}

int io_uuid_v4(char out[37])
{
    uint8_t b[16];
    int rc = io_random_bytes(b, sizeof b);
    if (rc) return rc;
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
        out[k++] = hex[b[i] >> 4];
        out[k++] = hex[b[i] & 15];
    }
    out[k] = '\0';
    return BSP_OK;
}
