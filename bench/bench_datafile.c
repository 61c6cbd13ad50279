/* Lance 2.0 data-file I/O speed: write (incl. fsync), fingerprint scan (datafile_scan_fixed),
 * full column decode, against a raw pread baseline over the same file. The table is the
 * fingerprint shape: u16 addr, u64 id, fixed_size_list<uint8,2048> fp, utf8 label.
 *
 * usage: bench_datafile [rows=65536] [dir=$TMPDIR or /tmp] [reps=5]   (BSP_BENCH_KEEP=1 keeps the file)
 * Warm figures run with the file in the page cache (it was just written); cold ones first
 * evict this file with posix_fadvise(DONTNEED). The figure to compare is scan MB/s against
 * raw pread MB/s over the same file. Prints best-of-reps. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bindspace/batch.h"
#include "bindspace/error.h"
#include "lance/datafile.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Drop the file from the page cache (only this file; for the cold-read figures). */
static void evict(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return;
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
}

static int touch(void *ctx, uint64_t first, uint64_t rows, const uint8_t *bytes)
{
    (void)first;
    uint64_t *acc = ctx;
    for (uint64_t r = 0; r < rows; r++) *acc += bytes[r * 2048];
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 65536;
    const char *dir = argc > 2 ? argv[2] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    char path[512];
    snprintf(path, sizeof path, "%s/bench-datafile-%d.lance", dir, (int)getpid());

    bsp_column c[4];
    memset(c, 0, sizeof c);
    c[0].type = (bsp_type){BSP_T_UINT16, 0};
    c[1].type = (bsp_type){BSP_T_UINT64, 0};
    c[2].type = (bsp_type){BSP_T_FSL_UINT8, 2048};
    c[3].type = (bsp_type){BSP_T_UTF8, 0};
    for (int i = 0; i < 4; i++) c[i].length = n;
    c[0].data = malloc(2 * n);
    c[1].data = malloc(8 * n);
    c[2].data = malloc(2048 * n);
    c[3].data = malloc(24 * n);
    c[3].offsets = malloc(8 * (n + 1));
    c[3].offsets[0] = 0;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (uint64_t r = 0; r < n; r++) {
        uint16_t a = (uint16_t)r;
        memcpy(c[0].data + 2 * r, &a, 2);
        memcpy(c[1].data + 8 * r, &r, 8);
        for (int k = 0; k < 2048; k += 8) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            memcpy(c[2].data + 2048 * r + k, &x, 8);
        }
        int len = snprintf((char *)c[3].data + c[3].data_len, 24, "row-%" PRIu64, r);
        c[3].data_len += (uint64_t)len;
        c[3].offsets[r + 1] = c[3].data_len;
    }
    c[0].data_len = 2 * n;
    c[1].data_len = 8 * n;
    c[2].data_len = 2048 * n;
    bsp_field f[4] = {{"addr", c[0].type, false, 0}, {"id", c[1].type, false, 1},
                      {"fp", c[2].type, false, 2}, {"label", c[3].type, true, 3}};
    bsp_schema s = {4, f};
    bsp_batch b = {n, 4, c};

    double best_w = 1e9, best_raw = 1e9, best_scan = 1e9, best_mscan = 1e9, best_read = 1e9;
    double best_craw = 1e9, best_cscan = 1e9;
    uint64_t size = 0, acc = 0;
    uint8_t *buf = malloc(4u << 20);
    for (int rep = 0; rep < reps; rep++) {
        unlink(path);
        double t = now();
        if (datafile_write(path, &s, &b, &size)) {
            fprintf(stderr, "write: %s\n", bsp_errmsg());
            return 1;
        }
        t = now() - t;
        if (t < best_w) best_w = t;

        /* cold: raw preads, then the scan, each after evicting the file */
        for (int cold = 0; cold < 2; cold++) {
            evict(path);
            datafile *cdf;
            t = now();
            if (cold == 0) {
                int cfd = open(path, O_RDONLY);
                for (uint64_t off = 0; off < size; off += 4u << 20) {
                    ssize_t k = pread(cfd, buf, 4u << 20, (off_t)off);
                    if (k <= 0) break;
                    acc += buf[0];
                }
                close(cfd);
            } else if (datafile_open(path, size, &cdf) == 0) {
                datafile_scan_fixed(cdf, 2, 2048, 0, n, touch, &acc);
                datafile_close(cdf);
            }
            t = now() - t;
            double *best = cold == 0 ? &best_craw : &best_cscan;
            if (t < *best) *best = t;
        }

        /* raw baseline: 4 MiB preads over the whole file */
        int fd = open(path, O_RDONLY);
        t = now();
        for (uint64_t off = 0; off < size; off += 4u << 20) {
            ssize_t k = pread(fd, buf, 4u << 20, (off_t)off);
            if (k <= 0) break;
            acc += buf[0];
        }
        t = now() - t;
        close(fd);
        if (t < best_raw) best_raw = t;

        datafile *df;
        t = now();
        if (datafile_open(path, size, &df) || datafile_scan_fixed(df, 2, 2048, 0, n, touch, &acc)) {
            fprintf(stderr, "scan: %s\n", bsp_errmsg());
            return 1;
        }
        t = now() - t;
        if (t < best_scan) best_scan = t;

        t = now();
        for (uint32_t col = 0; col < 4; col++) {
            bsp_column out;
            if (datafile_read_column(df, col, c[col].type, 0, n, &out)) {
                fprintf(stderr, "read: %s\n", bsp_errmsg());
                return 1;
            }
            acc += out.data_len;
            bsp_column_free(&out);
        }
        t = now() - t;
        if (t < best_read) best_read = t;
        datafile_close(df);

        /* in-memory variant: file bytes already in RAM, scan without copies */
        fd = open(path, O_RDONLY);
        uint8_t *mem = malloc(size);
        if (pread(fd, mem, size, 0) != (ssize_t)size) return 1;
        close(fd);
        t = now();
        if (datafile_open_mem(path, mem, size, &df) ||
            datafile_scan_fixed(df, 2, 2048, 0, n, touch, &acc))
            return 1;
        t = now() - t;
        if (t < best_mscan) best_mscan = t;
        datafile_close(df);
        free(mem);
    }
    if (!getenv("BSP_BENCH_KEEP")) unlink(path);
    else printf("  kept %s\n", path);
    double mb = size / 1e6, fpmb = 2048.0 * n / 1e6;
    printf("datafile: %" PRIu64 " rows, file %.1f MB (fp column %.1f MB), best of %d\n", n, mb,
           fpmb, reps);
    printf("  write (incl. fsync)     %8.1f MB/s  (%.1f ms)\n", mb / best_w, best_w * 1e3);
    printf("  raw pread 4 MiB         %8.1f MB/s  (%.1f ms, whole file)\n", mb / best_raw, best_raw * 1e3);
    printf("  scan_fixed fp (file)    %8.1f MB/s  (%.1f ms, open included) = %.2fx raw\n",
           fpmb / best_scan, best_scan * 1e3, (fpmb / best_scan) / (mb / best_raw));
    printf("  cold: raw pread 4 MiB   %8.1f MB/s  (%.1f ms, whole file, evicted first)\n",
           mb / best_craw, best_craw * 1e3);
    printf("  cold: scan_fixed fp     %8.1f MB/s  (%.1f ms) = %.2fx cold raw\n", fpmb / best_cscan,
           best_cscan * 1e3, (fpmb / best_cscan) / (mb / best_craw));
    printf("  scan_fixed fp (memory)  %8.1f MB/s  (%.1f ms)\n", fpmb / best_mscan, best_mscan * 1e3);
    printf("  read_column x4          %8.1f MB/s  (%.1f ms, all columns decoded)\n", mb / best_read,
           best_read * 1e3);
    printf("  (checksum %" PRIu64 ")\n", acc);
    for (int i = 0; i < 4; i++) bsp_column_free(&c[i]);
    free(buf);
    return 0;
}
