/* Benchmark of deletion-file decoding and encoding (src/lance/deletion.c, arrow_ipc.c) on the
 * LanceDB-written fixtures and on synthetic vectors, each next to a baseline measured in the
 * same run: the plain CRoaring decode (roaring_bitmap_portable_deserialize_safe, no
 * validation) of the same bytes, and a raw memcpy of the file.
 *
 * Usage: bench_deletion [fixture dir] (default: $BSP_SOURCE_DIR or . + tests/fixtures/deletion). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bindspace/error.h"
#include "io/io.h"
#include "lance/deletion.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static volatile uint64_t sink;

/* Median of 5 runs of `iters` calls; returns microseconds per call. */
#define TIME(iters, body)                                                   \
    ({                                                                      \
        double best[5];                                                     \
        for (int run_ = 0; run_ < 5; run_++) {                              \
            double t0_ = now();                                             \
            for (int it_ = 0; it_ < (iters); it_++) { body; }               \
            best[run_] = (now() - t0_) * 1e6 / (iters);                     \
        }                                                                   \
        for (int a_ = 0; a_ < 5; a_++)                                      \
            for (int b_ = a_ + 1; b_ < 5; b_++)                             \
                if (best[b_] < best[a_]) { double t_ = best[a_]; best[a_] = best[b_]; best[b_] = t_; } \
        best[2];                                                            \
    })

static void bench_file(const char *dir, const char *name, int iters)
{
    char *p = io_path_join(dir, name);
    uint8_t *d;
    size_t n;
    if (io_read_file(p, &d, &n)) {
        fprintf(stderr, "cannot read %s\n", p);
        exit(2);
    }
    int arrow = strstr(name, ".arrow") != NULL;
    roaring_bitmap_t *r = NULL;
    if ((arrow ? deletion_parse_arrow(name, d, n, &r) : deletion_parse_bin(name, d, n, &r)) != 0) {
        fprintf(stderr, "%s: %s\n", name, bsp_errmsg());
        exit(2);
    }
    uint64_t card = roaring_bitmap_get_cardinality(r);
    roaring_bitmap_free(r);
    double us = TIME(iters, {
        roaring_bitmap_t *x = NULL;
        if (arrow) deletion_parse_arrow(name, d, n, &x); else deletion_parse_bin(name, d, n, &x);
        sink += roaring_bitmap_get_cardinality(x);
        roaring_bitmap_free(x);
    });
    uint8_t *cp = malloc(n);
    double us_copy = TIME(iters * 10, { memcpy(cp, d, n); sink += cp[n / 2]; });
    printf("%-18s %7zu B %6llu rows  parse %8.2f us  (%6.1f ns/row, %7.1f MB/s)  memcpy %6.3f us",
           name, n, (unsigned long long)card, us, us * 1e3 / (double)card, (double)n / us, us_copy);
    if (!arrow) {
        double us_raw = TIME(iters, {
            roaring_bitmap_t *x = roaring_bitmap_portable_deserialize_safe((const char *)d, n);
            sink += roaring_bitmap_get_cardinality(x);
            roaring_bitmap_free(x);
        });
        printf("  CRoaring alone %8.2f us (validation x%.2f)", us_raw, us / us_raw);
    }
    putchar('\n');
    free(cp);
    free(d);
    free(p);
}

static void bench_synthetic(const char *what, roaring_bitmap_t *r, int iters)
{
    uint8_t *d;
    size_t n;
    double enc = TIME(iters, {
        deletion_encode_bin(r, &d, &n);
        sink += n;
        free(d);
    });
    deletion_encode_bin(r, &d, &n);
    double dec = TIME(iters, {
        roaring_bitmap_t *x = NULL;
        deletion_parse_bin(what, d, n, &x);
        sink += roaring_bitmap_get_cardinality(x);
        roaring_bitmap_free(x);
    });
    double raw = TIME(iters, {
        roaring_bitmap_t *x = roaring_bitmap_portable_deserialize_safe((const char *)d, n);
        sink += roaring_bitmap_get_cardinality(x);
        roaring_bitmap_free(x);
    });
    printf("%-34s %8llu rows -> %8zu B  encode %9.2f us  parse %9.2f us  CRoaring alone %9.2f us\n", what,
           (unsigned long long)roaring_bitmap_get_cardinality(r), n, enc, dec, raw);
    free(d);
}

int main(int argc, char **argv)
{
    const char *src = getenv("BSP_SOURCE_DIR");
    char *dir = argc > 1 ? strdup(argv[1]) : io_path_join(src ? src : ".", "tests/fixtures/deletion");
    printf("LanceDB 0.37.1 fixtures (median of 5 runs):\n");
    bench_file(dir, "small.arrow", 20000);
    bench_file(dir, "zstd_small.arrow", 20000);
    bench_file(dir, "zstd.arrow", 2000);
    bench_file(dir, "bitset.bin", 20000);
    bench_file(dir, "sparse.bin", 20000);
    printf("synthetic vectors of a 1,048,576-row fragment:\n");
    roaring_bitmap_t *r = roaring_bitmap_create();
    for (uint32_t i = 0; i < 1048576; i += 10) roaring_bitmap_add(r, i);
    bench_synthetic("every 10th row", r, 200);
    roaring_bitmap_free(r);
    r = roaring_bitmap_create();
    roaring_bitmap_add_range(r, 1000, 900000);
    bench_synthetic("one range of 899,000 rows", r, 2000);
    roaring_bitmap_free(r);
    r = roaring_bitmap_create();
    uint64_t x = 1;
    for (int i = 0; i < 5000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        roaring_bitmap_add(r, (uint32_t)(x >> 44));
    }
    bench_synthetic("5,000 random rows", r, 2000);
    roaring_bitmap_free(r);
    free(dir);
    return sink == 42 ? 1 : 0;
}
