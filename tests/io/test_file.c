/* Tests for src/io/file.c: exact reads, no-overwrite publishing, atomic replace, listing,
 * mkdir -p and UUIDs. */
#include <sys/stat.h>

#include "bindspace/error.h"
#include "io/io.h"
#include "test.h"

static char *dir;

static void test_write_new_and_read(void)
{
    char *p = io_path_join(dir, "a.manifest");
    CHECK_OK(io_write_new(p, "hello", 5));
    uint8_t *d = NULL;
    size_t n = 0;
    CHECK_OK(io_read_file(p, &d, &n));
    CHECK_EQ_U(n, 5);
    CHECK(d && memcmp(d, "hello", 5) == 0);
    free(d);
    /* never overwrites: second writer loses with EEXIST and the content is the first one */
    CHECK_ERR(io_write_new(p, "world!", 6), BSP_EEXIST, "a.manifest");
    CHECK_OK(io_read_file(p, &d, &n));
    CHECK_EQ_U(n, 5);
    CHECK(memcmp(d, "hello", 5) == 0);
    free(d);
    /* no temporaries are left behind */
    char **names;
    size_t cnt;
    CHECK_OK(io_list_dir(dir, &names, &cnt));
    CHECK_EQ_U(cnt, 1);
    if (cnt) CHECK_STR(names[0], "a.manifest");
    io_list_free(names, cnt);
    free(p);
}

static void test_pread_exact(void)
{
    char *p = io_path_join(dir, "b.bin");
    CHECK_OK(io_write_new(p, "0123456789", 10));
    int fd;
    uint64_t size;
    CHECK_OK(io_open_read(p, &fd, &size));
    CHECK_EQ_U(size, 10);
    char buf[8] = {0};
    CHECK_OK(io_pread_exact(fd, p, buf, 4, 3));
    CHECK(memcmp(buf, "3456", 4) == 0);
    CHECK_ERR(io_pread_exact(fd, p, buf, 8, 5), BSP_ECORRUPT, "offset 5");
    CHECK(strstr(bsp_errmsg(), "b.bin") != NULL);
    io_close(fd);
    free(p);
    char *q = io_path_join(dir, "missing");
    uint8_t *d;
    size_t n;
    CHECK_ERR(io_read_file(q, &d, &n), BSP_ENOTFOUND, "missing");
    free(q);
}

static void test_replace(void)
{
    char *p = io_path_join(dir, "hint.json");
    CHECK_OK(io_replace_file(p, "1", 1));
    CHECK_OK(io_replace_file(p, "22", 2));
    uint8_t *d;
    size_t n;
    CHECK_OK(io_read_file(p, &d, &n));
    CHECK_EQ_U(n, 2);
    CHECK(memcmp(d, "22", 2) == 0);
    free(d);
    free(p);
}

static void test_writer_stream(void)
{
    char *p = io_path_join(dir, "big.lance");
    io_writer w;
    CHECK_OK(io_writer_open(&w, p));
    CHECK(!io_exists(p));
    size_t tl = strlen(w.tmp);
    CHECK(tl < 8 || strcmp(w.tmp + tl - 8, "manifest") != 0);
    for (int i = 0; i < 100; i++) CHECK_OK(io_writer_write(&w, "abcdefghij", 10));
    CHECK_EQ_U(w.offset, 1000);
    CHECK_OK(io_writer_commit(&w, 0));
    uint64_t sz;
    CHECK_OK(io_file_size(p, &sz));
    CHECK_EQ_U(sz, 1000);
    /* aborting leaves nothing */
    char *q = io_path_join(dir, "gone.lance");
    CHECK_OK(io_writer_open(&w, q));
    CHECK_OK(io_writer_write(&w, "x", 1));
    io_writer_abort(&w);
    CHECK(!io_exists(q));
    free(q);
    free(p);
}

/* Large writes take the O_DIRECT path for their aligned middle (or fall back where the file
 * system refuses it); whatever the mix of alignments, the file holds exactly the bytes. */
static void test_writer_direct(void)
{
    test_rng r;
    test_rng_seed(&r, 5);
    size_t total = 11u << 20;
    uint8_t *want = malloc(total);
    uint8_t *src = NULL;
    CHECK(posix_memalign((void **)&src, 4096, total + 8192) == 0);
    for (size_t i = 0; i < total; i++) want[i] = (uint8_t)test_rng_next(&r);
    char *p = io_path_join(dir, "direct.lance");
    io_writer w;
    CHECK_OK(io_writer_open(&w, p));
    /* pieces: small unaligned, a big one at an unaligned offset, a big one from an address
     * not congruent with the offset, a big aligned one, a tail */
    size_t cuts[] = {100, 3000, (2u << 20) + 5, (3u << 20) + 4096, (3u << 20), 0};
    size_t at = 0;
    for (int k = 0; k < 6; k++) {
        size_t n = cuts[k] ? cuts[k] : total - at;
        if (at + n > total) n = total - at;
        /* copy into src so that the source address has the alignment we want */
        size_t shift = k == 3 ? 17 : (4096 - at % 4096) % 4096;
        memcpy(src + shift, want + at, n);
        CHECK_OK(io_writer_write(&w, src + shift, n));
        at += n;
    }
    CHECK_EQ_U(at, total);
    CHECK_EQ_U(w.offset, total);
    CHECK_OK(io_writer_commit(&w, 0));
    uint8_t *got = NULL;
    size_t n = 0;
    CHECK_OK(io_read_file(p, &got, &n));
    CHECK_EQ_U(n, total);
    CHECK(got && memcmp(got, want, total) == 0);
    free(got);
    free(p);
    free(src);
    free(want);
}

static void test_mkdir_list(void)
{
    char *p = io_path_join(dir, "x/y/z");
    CHECK_OK(io_mkdir_p(p));
    CHECK_OK(io_mkdir_p(p));
    char *x = io_path_join(dir, "x");
    char *f = io_path_join(x, "file");
    CHECK_OK(io_write_new(f, "", 0));
    CHECK_ERR(io_mkdir_p(f), BSP_EEXIST, "not a directory");
    char **names;
    size_t n;
    CHECK_OK(io_list_dir(x, &names, &n));
    CHECK_EQ_U(n, 2);
    if (n == 2) {
        CHECK_STR(names[0], "file");
        CHECK_STR(names[1], "y");
    }
    io_list_free(names, n);
    CHECK_ERR(io_list_dir("/nonexistent-bsp-dir", &names, &n), BSP_ENOTFOUND, "nonexistent");
    CHECK_OK(io_fsync_dir(x));
    CHECK_OK(io_remove(f));
    CHECK_ERR(io_remove(f), BSP_ENOTFOUND, "file");
    free(p);
    free(x);
    free(f);
}

static void test_uuid(void)
{
    char a[37], b[37];
    CHECK_OK(io_uuid_v4(a));
    CHECK_OK(io_uuid_v4(b));
    CHECK_EQ_U(strlen(a), 36);
    CHECK(strcmp(a, b) != 0);
    CHECK(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    CHECK(a[14] == '4');
    CHECK(strchr("89ab", a[19]) != NULL);
}

int main(void)
{
    dir = test_tmpdir("io");
    RUN(test_write_new_and_read);
    RUN(test_pread_exact);
    RUN(test_replace);
    RUN(test_writer_stream);
    RUN(test_writer_direct);
    RUN(test_mkdir_list);
    RUN(test_uuid);
    test_rmtree(dir);
    free(dir);
    return test_finish();
}
