/* Neighbour index on an edges table: index build time, neighbour lookup (index, in memory
 * after bsp_graph_open) vs the brute-force scan of the table, and the reconcile after
 * appending 1 % more edges (incremental: one new segment, the others hard-linked) vs a full
 * rebuild of the same table. Targets (docs/graph.md): lookup >= 1000x faster than the scan,
 * incremental reconcile >= 20x faster than the rebuild.
 *
 * Edges: src uniform over `nodes` nodes (average out-degree edges/nodes), dst uniform,
 * 4 types, properties "{}"; written in fragments of `frag` rows.
 *
 * usage: bench_neighbors [edges=1000000] [nodes=100000] [frag=1048576] [dir=$TMPDIR|/tmp]
 * (BSP_BENCH_KEEP=1 keeps the database) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bindspace/error.h"
#include "bindspace/graph.h"
#include "bindspace/lance.h"

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

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *const TYPES[4] = {"knows", "likes", "owns", "cites"};

static void append(const char *db, uint64_t n, uint64_t nodes, uint64_t frag)
{
    bsp_edge *e = malloc(frag * sizeof *e);
    for (uint64_t done = 0; done < n;) {
        uint64_t k = n - done < frag ? n - done : frag;
        for (uint64_t i = 0; i < k; i++)
            e[i] = (bsp_edge){next() % nodes, next() % nodes, TYPES[next() % 4], "{}"};
        if (bsp_edges_append(db, e, k, NULL)) die("append");
        done += k;
    }
    free(e);
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    uint64_t nodes = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
    uint64_t frag = argc > 3 ? strtoull(argv[3], NULL, 10) : 1048576;
    const char *base = argc > 4 ? argv[4] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    char db[512];
    snprintf(db, sizeof db, "%s/bench-neighbors-XXXXXX", base);
    if (!mkdtemp(db)) die("mkdtemp");
    printf("bench_neighbors: %" PRIu64 " edges, %" PRIu64 " nodes, fragments of %" PRIu64
           " rows, %s\n", n, nodes, frag, db);

    double t = now();
    append(db, n, nodes, frag);
    printf("write edges:              %8.3f s\n", now() - t);

    t = now();
    if (bsp_graph_index_build(db, NULL, NULL)) die("build");
    double build = now() - t;
    printf("index build:              %8.3f s  (%.0f edges/s)\n", build, (double)n / build);

    t = now();
    bsp_graph *g;
    if (bsp_graph_open(db, false, &g)) die("open");
    printf("open (load segments):     %8.3f s  (%zu fragments scanned)\n", now() - t,
           bsp_graph_scanned_fragments(g));

    /* Lookups: random nodes, any type, out; and by type, both directions. */
    const int L = 20000;
    uint64_t total = 0;
    t = now();
    for (int i = 0; i < L; i++) {
        uint64_t *v;
        size_t k;
        if (bsp_graph_neighbors(g, next() % nodes, NULL, BSP_DIR_OUT, &v, &k)) die("neighbors");
        total += k;
        free(v);
    }
    double look = (now() - t) / L;
    t = now();
    for (int i = 0; i < L; i++) {
        uint64_t *v;
        size_t k;
        if (bsp_graph_neighbors(g, next() % nodes, "likes", BSP_DIR_BOTH, &v, &k)) die("neighbors");
        free(v);
    }
    double look_t = (now() - t) / L;
    uint64_t seed = 7, *x;
    size_t nx;
    t = now();
    if (bsp_graph_expand(g, &seed, 1, NULL, BSP_DIR_OUT, 3, &x, &nx)) die("expand");
    double hop3 = now() - t;
    free(x);
    bsp_graph_free(g);

    const int S = 3;
    t = now();
    for (int i = 0; i < S; i++) {
        uint64_t *v;
        size_t k;
        if (bsp_graph_scan_neighbors(db, next() % nodes, NULL, BSP_DIR_OUT, &v, &k)) die("scan");
        free(v);
    }
    double scan = (now() - t) / S;
    printf("lookup (index, out):      %8.2f us  (avg %.1f neighbours)\n", look * 1e6,
           (double)total / L);
    printf("lookup (index, type, both): %6.2f us\n", look_t * 1e6);
    printf("lookup (scan):            %8.2f us\n", scan * 1e6);
    printf("lookup speed-up:          %8.0fx  (target >= 1000x)\n", scan / look);
    printf("3-hop expansion:          %8.3f ms  (%zu nodes)\n", hop3 * 1e3, nx);

    /* +1 % edges written without reconciling (as another writer would), then reconcile. */
    uint64_t add = n / 100 ? n / 100 : 1;
    char path[600];
    snprintf(path, sizeof path, "%s/edges.lance", db);
    {
        /* bsp_edges_append reconciles; time the append and the reconcile it does separately
         * by appending through the table API. */
        bsp_field f[4] = {{(char *)"src", {BSP_T_UINT64, 0}, true, -1},
                          {(char *)"dst", {BSP_T_UINT64, 0}, true, -1},
                          {(char *)"type", {BSP_T_UTF8, 0}, true, -1},
                          {(char *)"properties", {BSP_T_UTF8, 0}, true, -1}};
        bsp_column c[4];
        memset(c, 0, sizeof c);
        uint64_t *s = malloc(add * 8), *d = malloc(add * 8);
        for (uint64_t i = 0; i < add; i++) s[i] = next() % nodes, d[i] = next() % nodes;
        c[0] = (bsp_column){.type = f[0].type, .length = add, .data = (uint8_t *)s, .data_len = add * 8};
        c[1] = (bsp_column){.type = f[1].type, .length = add, .data = (uint8_t *)d, .data_len = add * 8};
        for (int k = 2; k < 4; k++) {
            c[k].type = f[k].type;
            c[k].length = add;
            c[k].offsets = malloc((add + 1) * 8);
            c[k].data = malloc(add * 2 + 1);
            c[k].offsets[0] = 0;
            uint64_t pos = 0;
            for (uint64_t i = 0; i < add; i++) {
                const char *v = k == 2 ? TYPES[i % 4] : "{}";
                memcpy(c[k].data + pos, v, strlen(v) < 2 ? strlen(v) : 2);
                pos += strlen(v) < 2 ? strlen(v) : 2;
                c[k].offsets[i + 1] = pos;
            }
            c[k].data_len = pos;
        }
        bsp_schema sc = {4, f};
        bsp_batch b = {add, 4, c};
        bsp_write_options o = {.mode = BSP_WRITE_APPEND};
        if (bsp_dataset_write(path, &sc, &b, &o, NULL)) die("append 1%");
        for (int k = 0; k < 4; k++) bsp_column_free(&c[k]);
    }
    t = now();
    bsp_graph_reconcile_report rep;
    if (bsp_graph_reconcile(db, &rep)) die("reconcile");
    double inc = now() - t;
    printf("reconcile after +1%%:      %8.3f s  (%s)\n", inc, rep.action);
    t = now();
    if (bsp_graph_index_build(db, NULL, NULL)) die("rebuild");
    double full = now() - t;
    printf("full rebuild:             %8.3f s\n", full);
    printf("reconcile speed-up:       %8.1fx  (target >= 20x)\n", full / inc);

    if (!getenv("BSP_BENCH_KEEP")) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", db);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", db);
    }
    return 0;
}
