/* Lance table operations at the fingerprint shape (id u64, fp fixed_size_list<uint8,2048>,
 * label utf8): create (one commit, fsync'd), full scan, fingerprint runs (scan_fp), take,
 * small commits (append / delete / update latency), compaction. Baseline measured in the
 * same run: raw read() of every data file of the latest version (page cache).
 *
 * usage: bench_table [rows=65536] [dir=$TMPDIR or /tmp] [reps=3]   (BSP_BENCH_KEEP=1 keeps it) */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bindspace/error.h"
#include "bindspace/lance.h"
#include "lance/dataset.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, bsp_errmsg());
    exit(1);
}

static void make_batch(uint64_t first, uint64_t n, bsp_batch *b)
{
    b->nrows = n;
    b->ncols = 3;
    b->cols = calloc(3, sizeof *b->cols);
    b->cols[0] = (bsp_column){.type = {BSP_T_UINT64, 0}, .length = n, .data = malloc(n * 8 + 1), .data_len = n * 8};
    b->cols[1] = (bsp_column){.type = {BSP_T_FSL_UINT8, 2048}, .length = n, .data = malloc(n * 2048 + 1), .data_len = n * 2048};
    b->cols[2] = (bsp_column){.type = {BSP_T_UTF8, 0}, .length = n, .data = malloc(n * 24 + 1), .offsets = malloc((n + 1) * 8)};
    uint64_t x = 0x9E3779B97F4A7C15ull * (first + 1), pos = 0;
    b->cols[2].offsets[0] = 0;
    for (uint64_t r = 0; r < n; r++) {
        uint64_t id = first + r;
        memcpy(b->cols[0].data + r * 8, &id, 8);
        for (int i = 0; i < 2048; i += 8) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            memcpy(b->cols[1].data + r * 2048 + i, &x, 8);
        }
        pos += (uint64_t)sprintf((char *)b->cols[2].data + pos, "node-%" PRIu64, id);
        b->cols[2].offsets[r + 1] = pos;
    }
    b->cols[2].data_len = pos;
}

static int fp_touch(void *ctx, uint64_t frag, uint64_t first, uint64_t nrows,
                    const uint8_t *bytes, const uint8_t *live)
{
    (void)frag, (void)first, (void)live;
    uint64_t *acc = ctx;
    for (uint64_t r = 0; r < nrows; r++) *acc += bytes[r * 2048 + 7];
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 65536;
    const char *dir = argc > 2 ? argv[2] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int reps = argc > 3 ? atoi(argv[3]) : 3;
    char path[600];
    snprintf(path, sizeof path, "%s/bench-table-%d/t.lance", dir, (int)getpid());
    bsp_field f[3] = {{(char *)"id", {BSP_T_UINT64, 0}, false, -1},
                      {(char *)"fp", {BSP_T_FSL_UINT8, 2048}, false, -1},
                      {(char *)"label", {BSP_T_UTF8, 0}, true, -1}};
    bsp_schema s = {3, f};
    bsp_batch b;
    make_batch(0, n, &b);
    double mb = (double)n * (2048 + 8 + 12) / 1e6;

    double t0 = now();
    bsp_write_options wo = {BSP_WRITE_CREATE, 16384, false, NULL};
    if (bsp_dataset_write(path, &s, &b, &wo, NULL)) die("create");
    double t_create = now() - t0;
    bsp_batch_free(&b);

    bsp_dataset *ds;
    if (bsp_dataset_open(path, 0, &ds)) die("open");
    /* Baseline: read() every data file into one buffer. */
    double best_raw = 1e9, best_scan = 1e9, best_fp = 1e9;
    size_t bufcap = 1 << 20;
    uint8_t *buf = malloc(bufcap);
    for (int rep = 0; rep < reps; rep++) {
        t0 = now();
        uint64_t bytes = 0;
        for (size_t i = 0; i < ds->mf.m->n_fragments; i++)
            for (size_t j = 0; j < ds->mf.m->fragments[i]->n_files; j++) {
                char *p = dataset_data_path(ds, ds->mf.m->fragments[i]->files[j]);
                int fd = open(p, O_RDONLY);
                ssize_t got;
                while ((got = read(fd, buf, bufcap)) > 0) bytes += (uint64_t)got;
                close(fd);
                free(p);
            }
        double t = now() - t0;
        if (t < best_raw) best_raw = t;

        t0 = now();
        bsp_scanner *sc;
        if (bsp_scanner_open(ds, NULL, &sc)) die("scanner");
        uint64_t rows = 0;
        while (bsp_scanner_next(sc, &b) == 1) {
            rows += b.nrows;
            bsp_batch_free(&b);
        }
        bsp_scanner_free(sc);
        t = now() - t0;
        if (t < best_scan) best_scan = t;
        if (rows != n) die("scan row count");

        t0 = now();
        uint64_t acc = 0;
        for (size_t i = 0; i < bsp_dataset_fragment_count(ds); i++)
            if (bsp_dataset_scan_fp(ds, i, "fp", fp_touch, &acc)) die("scan_fp");
        t = now() - t0;
        if (t < best_fp) best_fp = t;
    }
    free(buf);
    uint64_t addrs[1000];
    uint64_t x = 12345;
    for (int i = 0; i < 1000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t r = (x >> 33) % n;
        addrs[i] = BSP_ROW_ADDR(r / 16384, r % 16384);
    }
    t0 = now();
    if (bsp_dataset_take(ds, addrs, 1000, NULL, &b)) die("take");
    double t_take = now() - t0;
    bsp_batch_free(&b);
    bsp_dataset_free(ds);

    /* Small commits. */
    double t_app = 0, t_del = 0, t_upd = 0;
    int k = 10;
    for (int i = 0; i < k; i++) {
        make_batch(n + (uint64_t)i * 100, 100, &b);
        wo.mode = BSP_WRITE_APPEND;
        t0 = now();
        if (bsp_dataset_write(path, &s, &b, &wo, NULL)) die("append");
        t_app += now() - t0;
        bsp_batch_free(&b);
        t0 = now();
        if (bsp_dataset_delete_rows(path, &addrs[i * 10], 10, NULL, NULL)) die("delete");
        t_del += now() - t0;
        make_batch(10 * n + (uint64_t)i * 10, 10, &b);
        t0 = now();
        if (bsp_dataset_update_rows(path, &addrs[500 + i * 10], 10, &b, NULL)) die("update");
        t_upd += now() - t0;
        bsp_batch_free(&b);
    }
    t0 = now();
    bsp_compact_options co = {0, 0, NULL};
    if (bsp_dataset_compact(path, &co, NULL)) die("compact");
    double t_compact = now() - t0;

    printf("rows=%" PRIu64 " (%.1f MB of values), best of %d\n", n, mb, reps);
    printf("create (1 commit, fsync)      %8.1f ms  %7.1f MB/s\n", t_create * 1e3, mb / t_create);
    printf("baseline raw read() of files  %8.1f ms  %7.1f MB/s\n", best_raw * 1e3, mb / best_raw);
    printf("scanner, all columns          %8.1f ms  %7.1f MB/s\n", best_scan * 1e3, mb / best_scan);
    printf("scan_fp, fingerprint runs     %8.1f ms  %7.1f MB/s\n", best_fp * 1e3, mb / best_fp);
    printf("take 1000 random rows         %8.1f ms\n", t_take * 1e3);
    printf("append 100 rows (commit)      %8.2f ms avg\n", t_app * 1e3 / k);
    printf("delete 10 rows (commit)       %8.2f ms avg\n", t_del * 1e3 / k);
    printf("update 10 rows (commit)       %8.2f ms avg\n", t_upd * 1e3 / k);
    printf("compact (%d small fragments)  %8.1f ms\n", 2 * k, t_compact * 1e3);
    if (!getenv("BSP_BENCH_KEEP")) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s/bench-table-%d'", dir, (int)getpid());
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", path);
    }
    return 0;
}
