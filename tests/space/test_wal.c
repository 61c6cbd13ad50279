/* The write-ahead log: record codec, replay, base-version skipping, segment rotation, torn
 * tails (cut with a warning) versus damage before the tail (refused, naming segment and
 * offset), and group commit from many threads. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#include "bindspace/delta.h"
#include "space/wal.h"
#include "test.h"
#include "util/crc32c.h"

typedef struct seen {
    uint64_t n, last_seq;
    uint16_t addrs[100000];
} seen;

static int collect(void *ctx, const wal_rec *r)
{
    seen *s = ctx;
    if (s->n < 100000) s->addrs[s->n] = r->addr;
    s->n++;
    s->last_seq = r->seq;
    return 0;
}

static seen S;

static wal_options wopts(bsp_durability d)
{
    wal_options o = {0};
    o.durability = d;
    return o;
}

static char *seg_path(const char *dir, uint64_t segno)
{
    char *p = malloc(strlen(dir) + 40);
    sprintf(p, "%s/%016llx.wal", dir, (unsigned long long)segno);
    return p;
}

static int count_segments(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".wal")) n++;
    if (d) closedir(d);
    return n;
}

/* Append n DELETE records (address = first + i), one commit each. */
static void append_n(wal *w, int n, uint16_t first)
{
    for (int i = 0; i < n; i++) {
        uint64_t seq;
        CHECK_OK(wal_append(w, WAL_DELETE, (uint16_t)(first + i), NULL, 0, &seq));
        CHECK_OK(wal_commit(w, seq));
    }
}

static void test_record_codec(void)
{
    uint8_t buf[128] = {0};
    wal_rec r;
    size_t used;
    CHECK_EQ_I(wal_parse_record(buf, sizeof buf, &r, &used), 0); /* zeros: end */
    CHECK_EQ_I(wal_parse_record(buf, 5, &r, &used), 0);
    buf[0] = 1;
    CHECK_ERR(wal_parse_record(buf, sizeof buf, &r, &used), BSP_ECORRUPT, "magic");
    CHECK_ERR(wal_parse_record(buf, 5, &r, &used), BSP_ECORRUPT, "truncated");
}

static void test_replay_and_versions(void)
{
    char *dir = test_tmpdir("wal-replay");
    wal *w;
    wal_options o = wopts(BSP_DURABLE_SYNC);
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 7, collect, &S, &w));
    CHECK_EQ_U(S.n, 0);
    append_n(w, 10, 0x8000);
    /* a PUT with a real delta payload and a DN binding */
    bsp_delta d;
    uint64_t z[BSP_WORDS] = {0}, v[BSP_WORDS] = {0};
    v[3] = 42;
    bsp_delta_compute(&d, z, v);
    uint8_t wire[BSP_DELTA_MAX_WIRE];
    int n = bsp_delta_encode(&d, wire, sizeof wire);
    uint64_t seq;
    CHECK_OK(wal_append(w, WAL_PUT, 0x9000, wire, (uint32_t)n, &seq));
    CHECK_OK(wal_append(w, WAL_DNBIND, 0x9000, (const uint8_t *)"g:t:1", 5, &seq));
    CHECK_OK(wal_commit(w, seq));
    CHECK_EQ_U(wal_durable_seq(w), 12);
    wal_close(w);
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 7, collect, &S, &w));
    CHECK_EQ_U(S.n, 12);
    CHECK_EQ_U(S.addrs[0], 0x8000);
    CHECK_EQ_U(S.addrs[9], 0x8009);
    CHECK_EQ_U(S.addrs[10], 0x9000);
    CHECK_EQ_U(wal_last_seq(w), 12);
    /* appending continues the sequence after a reopen */
    append_n(w, 1, 0x8100);
    CHECK_EQ_U(wal_last_seq(w), 13);
    wal_close(w);
    /* after a flush to version 8 the records of base 7 are skipped */
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 8, collect, &S, &w));
    CHECK_EQ_U(S.n, 0);
    append_n(w, 2, 0x8200);
    wal_close(w);
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 8, collect, &S, &w));
    CHECK_EQ_U(S.n, 2);
    CHECK_EQ_U(S.addrs[0], 0x8200);
    wal_close(w);
    /* a table older than the log's base version is an error */
    CHECK_ERR(wal_open(dir, &o, 6, collect, &S, &w), BSP_ECORRUPT, "newer than the table's version 6");
    test_rmtree(dir);
    free(dir);
}

static void test_checkpoint_and_rotation(void)
{
    char *dir = test_tmpdir("wal-rot");
    wal *w;
    wal_options o = wopts(BSP_DURABLE_SYNC);
    o.segment_bytes = 4096;
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 1, collect, &S, &w));
    append_n(w, 300, 0x8000); /* 64 bytes per batch: ~63 per segment */
    CHECK(count_segments(dir) >= 4);
    wal_close(w);
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 1, collect, &S, &w));
    CHECK_EQ_U(S.n, 300);
    for (int i = 0; i < 300; i++) CHECK_EQ_U(S.addrs[i], 0x8000 + i);
    CHECK_OK(wal_checkpoint(w, 2));
    CHECK(count_segments(dir) <= 1);
    append_n(w, 5, 0x9000);
    wal_close(w);
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 2, collect, &S, &w));
    CHECK_EQ_U(S.n, 5);
    CHECK_EQ_U(S.addrs[0], 0x9000);
    CHECK_EQ_U(S.last_seq, 305);
    wal_close(w);
    test_rmtree(dir);
    free(dir);
}

static void flip_byte(const char *path, long off)
{
    int fd = open(path, O_RDWR);
    uint8_t b;
    CHECK(pread(fd, &b, 1, off) == 1);
    b ^= 0x5A;
    CHECK(pwrite(fd, &b, 1, off) == 1);
    close(fd);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Offsets of records in segment 1 when each batch is MARK + one DELETE record: 64 + 64 i
 * is the MARK of batch i, 96 + 64 i its record. */
static void test_torn_tail(void)
{
    char *dir = test_tmpdir("wal-torn");
    wal *w;
    wal_options o = wopts(BSP_DURABLE_SYNC);
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    append_n(w, 10, 0x8000);
    wal_close(w);
    char *p = seg_path(dir, 1);
    flip_byte(p, 96 + 64 * 9 + 20); /* the last record: never acknowledged by a later mark */
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    CHECK_EQ_U(S.n, 9);
    CHECK_EQ_U(wal_last_seq(w), 9);
    append_n(w, 1, 0x8300); /* takes sequence number 10 again */
    wal_close(w);
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    CHECK_EQ_U(S.n, 10);
    CHECK_EQ_U(S.addrs[9], 0x8300);
    wal_close(w);
    /* a torn batch whose first page is lost but whose later records survived */
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    for (int i = 0; i < 5; i++) CHECK_OK(wal_append(w, WAL_DELETE, (uint16_t)(0x8400 + i), NULL, 0, NULL));
    CHECK_OK(wal_sync(w));
    wal_close(w);
    long mark = 672 + 64; /* this batch's MARK: after the re-appended batch at 672 */
    int fd = open(p, O_RDWR);
    uint8_t zeros[64] = {0};
    CHECK(pwrite(fd, zeros, 64, mark) == 64); /* MARK and the first record gone */
    close(fd);
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    CHECK_EQ_U(S.n, 10);
    wal_close(w);
    test_rmtree(dir);
    free(dir);
    free(p);
}

static void test_corrupt_middle(void)
{
    char *dir = test_tmpdir("wal-corrupt");
    wal *w;
    wal_options o = wopts(BSP_DURABLE_SYNC);
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    append_n(w, 10, 0x8000);
    wal_close(w);
    char *p = seg_path(dir, 1);
    flip_byte(p, 96 + 64 * 3 + 17); /* record 4: batches 5.. carry marks acknowledging it */
    char want[600];
    snprintf(want, sizeof want, "%s offset %d", p, 96 + 64 * 3);
    memset(&S, 0, sizeof S);
    CHECK_ERR(wal_open(dir, &o, 0, collect, &S, &w), BSP_ECORRUPT, want);
    CHECK(strstr(bsp_errmsg(), "CRC mismatch") != NULL);
    CHECK_EQ_I(file_size(p) > 0, 1); /* nothing was cut */
    flip_byte(p, 96 + 64 * 3 + 17);
    /* a bad segment header is refused too */
    flip_byte(p, 20);
    CHECK_ERR(wal_open(dir, &o, 0, collect, &S, &w), BSP_ECORRUPT, "offset 0");
    flip_byte(p, 20);
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    CHECK_EQ_U(S.n, 10);
    wal_close(w);
    test_rmtree(dir);
    free(dir);
    free(p);
}

typedef struct writer_arg {
    wal *w;
    int id, n;
} writer_arg;

static void *writer(void *p)
{
    writer_arg *a = p;
    for (int i = 0; i < a->n; i++) {
        uint64_t seq;
        if (wal_append(a->w, WAL_DELETE, (uint16_t)(a->id * 1000 + i), NULL, 0, &seq) < 0) break;
        if (wal_commit(a->w, seq) < 0) break;
        if (wal_durable_seq(a->w) < seq) break; /* acknowledged means durable */
    }
    return NULL;
}

static void test_group_commit(void)
{
    char *dir = test_tmpdir("wal-group");
    wal *w;
    wal_options o = wopts(BSP_DURABLE_SYNC);
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    enum { T = 8, N = 200 };
    pthread_t th[T];
    writer_arg args[T];
    for (int t = 0; t < T; t++) {
        args[t] = (writer_arg){w, t + 1, N};
        pthread_create(&th[t], NULL, writer, &args[t]);
    }
    for (int t = 0; t < T; t++) pthread_join(th[t], NULL);
    CHECK_EQ_U(wal_durable_seq(w), T * N);
    wal_close(w);
    /* every record is there once, each writer's in its own order; batches were shared */
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    CHECK_EQ_U(S.n, T * N);
    int next[T + 1] = {0};
    for (uint64_t i = 0; i < S.n; i++) {
        int id = S.addrs[i] / 1000, k = S.addrs[i] % 1000;
        CHECK_EQ_I(k, next[id]);
        next[id] = k + 1;
    }
    wal_close(w);
    uint8_t *buf = malloc(WAL_SEG_DEFAULT);
    char *p = seg_path(dir, 1);
    int fd = open(p, O_RDONLY);
    ssize_t len = read(fd, buf, WAL_SEG_DEFAULT);
    close(fd);
    size_t off = 64, marks = 0;
    wal_rec r;
    size_t used;
    while (off < (size_t)len && wal_parse_record(buf + off, (size_t)len - off, &r, &used) == 1) {
        marks += r.kind == WAL_MARK;
        off += used;
    }
    printf("group commit: %d records in %zu batches\n", T * N, marks);
    CHECK(marks >= 1 && marks <= T * N);
    free(buf);
    free(p);
    test_rmtree(dir);
    free(dir);
}

static void test_interval_mode(void)
{
    char *dir = test_tmpdir("wal-interval");
    wal *w;
    wal_options o = wopts(BSP_DURABLE_INTERVAL);
    o.interval_ms = 5;
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    for (int i = 0; i < 100; i++) {
        uint64_t seq;
        CHECK_OK(wal_append(w, WAL_DELETE, (uint16_t)i, NULL, 0, &seq));
        CHECK_OK(wal_commit(w, seq)); /* returns at once */
    }
    for (int i = 0; i < 400 && wal_durable_seq(w) < 100; i++) usleep(5000);
    CHECK_EQ_U(wal_durable_seq(w), 100); /* the ticker synced it */
    wal_close(w);
    memset(&S, 0, sizeof S);
    CHECK_OK(wal_open(dir, &o, 0, collect, &S, &w));
    CHECK_EQ_U(S.n, 100);
    wal_close(w);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_record_codec);
    RUN(test_replay_and_versions);
    RUN(test_checkpoint_and_rotation);
    RUN(test_torn_tail);
    RUN(test_corrupt_middle);
    RUN(test_group_commit);
    RUN(test_interval_mode);
    return test_finish();
}
