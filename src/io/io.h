/* Local file access for the Lance layer: whole-file reads, exact positional reads, and the
 * two ways a Lance dataset publishes a file (spec: shared/spec/lance-format.md §5.3).
 *
 * The one idea: a file appears under its final name only when it is complete and durable.
 * New files (manifests, data files, deletion files) are written to a temporary name in the
 * same directory, fsync'd, then link()ed to the final name -- link fails with EEXIST instead
 * of overwriting, which is how two writers racing for version N are told apart -- and the
 * directory is fsync'd. Files that are meant to be overwritten (latest_version_hint.json)
 * go through rename(). Temporary names never end in "manifest", so a reader listing
 * _versions/ never mistakes one for a version.
 *
 * Every error carries the path and strerror(errno): "open t/_versions/3.manifest: No such
 * file or directory". Missing files are BSP_ENOTFOUND, everything else from the OS is
 * BSP_EIO. */
#ifndef BSP_IO_IO_H
#define BSP_IO_IO_H

#include <stddef.h>
#include <stdint.h>

/* ---- reading ------------------------------------------------------------------------------ */

/* Read a whole file into a malloc'd buffer (*data, caller frees; a 0-byte file gives a
 * non-NULL 1-byte allocation and *len = 0). BSP_ENOTFOUND if it does not exist. */
int io_read_file(const char *path, uint8_t **data, size_t *len);

/* Open for reading; *size receives the file size. Close with io_close. */
int io_open_read(const char *path, int *fd, uint64_t *size);
void io_close(int fd);

/* Read exactly len bytes at offset off. A short read (file shorter than off + len) is
 * BSP_ECORRUPT naming path, offset and length; path is only used in messages. */
int io_pread_exact(int fd, const char *path, void *buf, size_t len, uint64_t off);

/* Size of a file (BSP_ENOTFOUND if missing). */
int io_file_size(const char *path, uint64_t *size);

/* 1 if path exists (any type), 0 if not. */
int io_exists(const char *path);

/* ---- writing ------------------------------------------------------------------------------ */

/* Create path with exactly these bytes, durably and atomically, never overwriting:
 * BSP_EEXIST (message names the path) if it already exists. The parent directory must
 * exist. On return the file and its directory entry are fsync'd. */
int io_write_new(const char *path, const void *data, size_t len);

/* Replace path (created if missing) atomically with these bytes: temp + fsync + rename +
 * fsync dir. Readers see the old or the new content, never a mix. */
int io_replace_file(const char *path, const void *data, size_t len);

/* Streaming form of io_write_new / io_replace_file for large files (data files): bytes go
 * to a temporary file next to path; io_writer_commit publishes it. Any failure leaves no
 * file under path; io_writer_abort (safe after a commit or a failed call) removes the
 * temporary.
 *
 * Large writes go around the page cache: the part of a write of at least IO_WRITER_DIRECT
 * bytes whose file offset and memory address are both 4 KiB-aligned is written with O_DIRECT
 * (the device reads the caller's memory: no copy into the page cache, no dirty-page
 * throttling; the rest is written normally). Where O_DIRECT is refused (tmpfs, alignment)
 * the writer falls back to ordinary writes for good. Every IO_WRITER_KICK bytes it starts
 * writeback of what it has written (Linux sync_file_range, no waiting), so the device works
 * while the caller produces the rest and the final fsync waits only for the tail. */
typedef struct io_writer {
    int fd;          /* -1 when closed */
    int dfd;         /* O_DIRECT descriptor of the temporary: -1 not yet opened, -2 not usable */
    char *path;      /* final name */
    char *tmp;       /* temporary name (NULL once committed or removed) */
    uint64_t offset; /* bytes written so far */
    uint64_t kicked;   /* file bytes before this offset were handed to writeback early */
    uint64_t buffered; /* bytes written through the page cache since then */
} io_writer;

int io_writer_open(io_writer *w, const char *path);
int io_writer_write(io_writer *w, const void *data, size_t len);
/* replace = 0: link() without overwriting (BSP_EEXIST); 1: rename() over any old file. */
int io_writer_commit(io_writer *w, int replace);
void io_writer_abort(io_writer *w);

/* ---- directories ---------------------------------------------------------------------------- */

/* fsync a directory so entries created or renamed in it survive a crash. */
int io_fsync_dir(const char *dir);

/* mkdir -p (mode 0755). Existing directories are fine; an existing non-directory is
 * BSP_EEXIST. Every directory it creates is made durable (its parent is fsync'd). */
int io_mkdir_p(const char *path);
/* rm -r: path and everything under it (symbolic links are removed, not followed); a missing
 * path is fine. */
int io_remove_tree(const char *path);

/* Names in dir (without "." and ".."), sorted bytewise, in a malloc'd array of malloc'd
 * strings; free with io_list_free. BSP_ENOTFOUND if dir does not exist. */
int io_list_dir(const char *dir, char ***names, size_t *count);
void io_list_free(char **names, size_t count);

/* Remove a file. BSP_ENOTFOUND if it does not exist. */
int io_remove(const char *path);

/* "a" + "/" + "b" in a malloc'd string (NULL on allocation failure). */
char *io_path_join(const char *a, const char *b);

/* ---- randomness --------------------------------------------------------------------------- */

/* Fill buf with n bytes from getrandom(2). */
int io_random_bytes(void *buf, size_t n);

/* A random (version 4, variant 1) UUID as 36 lowercase chars + NUL:
 * "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx". */
int io_uuid_v4(char out[37]);

#endif
