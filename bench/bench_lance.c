/* bench_lance: write and fully scan a 65,536-row table (addr u16, id u64, 2 KiB fingerprint
 * fixed_size_list<uint8,2048>, label utf8), in one run:
 *   bindspace   bsp_dataset_write (create, durable) and a full bsp_scanner pass (all columns);
 *   LanceDB     the same table created and scanned by LanceDB 0.37.1 (node, storage 2.0);
 *   raw read    a sequential read() of our data files (4 MiB buffers), the I/O ceiling.
 * MB/s = bytes of column values (N x (2 + 8 + 2048) + label bytes) per second; best of RUNS.
 * Targets: write and scan >= 2x LanceDB; scan >= 0.5x the raw read.
 * Usage: bench_lance [rows] [runs]   (needs tests/interop/setup.sh for the LanceDB side) */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bindspace/bindspace.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int count_run(void *ctx, uint64_t frag, uint64_t first, uint64_t nrows, const uint8_t *bytes,
                     const uint8_t *live)
{
    (void)frag, (void)first, (void)live;
    uint64_t *acc = ctx;
    acc[0] += nrows;
    acc[1] ^= bytes[0] ^ bytes[nrows * 2048 - 1]; /* touch the data */
    return 0;
}

static double raw_read(const char *table, uint64_t *bytes)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/data", table);
    DIR *d = opendir(dir);
    if (!d) return -1;
    static char buf[4 << 20];
    struct dirent *e;
    *bytes = 0;
    double t0 = now_s();
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        int fd = open(p, O_RDONLY);
        if (fd < 0) continue;
        ssize_t r;
        while ((r = read(fd, buf, sizeof buf)) > 0) *bytes += (uint64_t)r;
        close(fd);
    }
    closedir(d);
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 65536;
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    char dir[] = "/tmp/bench_lance_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/nodes.lance", dir);

    bsp_field fields[4] = {{"addr", {BSP_T_UINT16, 0}, false, -1}, {"id", {BSP_T_UINT64, 0}, false, -1},
                           {"fingerprint", {BSP_T_FSL_UINT8, 2048}, false, -1}, {"label", {BSP_T_UTF8, 0}, true, -1}};
    bsp_schema schema = {4, fields};
    bsp_column cols[4];
    memset(cols, 0, sizeof cols);
    for (int i = 0; i < 4; i++) cols[i].type = fields[i].type, cols[i].length = n;
    cols[0].data = malloc(2 * n), cols[0].data_len = 2 * n;
    cols[1].data = malloc(8 * n), cols[1].data_len = 8 * n;
    cols[2].data = malloc(2048 * n), cols[2].data_len = 2048 * n;
    cols[3].offsets = malloc(8 * (n + 1));
    cols[3].data = malloc(16 * n);
    cols[3].offsets[0] = 0;
    for (uint64_t i = 0; i < n; i++) {
        ((uint16_t *)cols[0].data)[i] = (uint16_t)i;
        ((uint64_t *)cols[1].data)[i] = i;
        for (int w = 0; w < 256; w++) ((uint64_t *)(cols[2].data + 2048 * i))[w] = bsp_splitmix64(i * 256 + (uint64_t)w);
        int l = snprintf((char *)cols[3].data + cols[3].offsets[i], 16, "row-%llu", (unsigned long long)i);
        cols[3].offsets[i + 1] = cols[3].offsets[i] + (uint64_t)l;
    }
    cols[3].data_len = cols[3].offsets[n];
    bsp_batch batch = {n, 4, cols};
    double mb = (double)(n * (2 + 8 + 2048) + cols[3].data_len) / 1e6;

    double best_w = 1e9, best_s = 1e9, best_r = 1e9, best_f = 1e9;
    uint64_t raw_bytes = 0;
    for (int r = 0; r < runs; r++) {
        bsp_write_options wo = {0};
        wo.mode = BSP_WRITE_OVERWRITE;
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf %s", path);
        if (system(cmd) != 0) return 1;
        double t0 = now_s();
        if (bsp_dataset_write(path, &schema, &batch, &wo, NULL) != BSP_OK) {
            fprintf(stderr, "write: %s\n", bsp_errmsg());
            return 1;
        }
        double t1 = now_s();
        if (t1 - t0 < best_w) best_w = t1 - t0;
        bsp_dataset *ds;
        if (bsp_dataset_open(path, 0, &ds) != BSP_OK) return 1;
        bsp_scanner *sc;
        bsp_scan_options so = {0};
        so.batch_rows = 0; /* the scanner's default batch size */
        t0 = now_s();
        if (bsp_scanner_open(ds, &so, &sc) != BSP_OK) return 1;
        bsp_batch b;
        uint64_t rows = 0;
        int rc;
        while ((rc = bsp_scanner_next(sc, &b)) == 1) {
            rows += b.nrows;
            bsp_batch_free(&b);
        }
        t1 = now_s();
        bsp_scanner_free(sc);
        uint64_t acc[2] = {0, 0};
        double tf0 = now_s();
        for (size_t fi = 0; fi < bsp_dataset_fragment_count(ds); fi++) bsp_dataset_scan_fp(ds, fi, "fingerprint", count_run, acc);
        double tf = now_s() - tf0;
        if (acc[0] == n && tf < best_f) best_f = tf;
        bsp_dataset_free(ds);
        if (rc < 0 || rows != n) {
            fprintf(stderr, "scan: %s (%llu rows)\n", bsp_errmsg(), (unsigned long long)rows);
            return 1;
        }
        if (t1 - t0 < best_s) best_s = t1 - t0;
        double tr = raw_read(path, &raw_bytes);
        if (tr > 0 && tr < best_r) best_r = tr;
    }

    /* LanceDB in the same run */
    const char *src = getenv("BSP_SOURCE_DIR");
    char script[4096], cmd[8192], line[512] = "";
    snprintf(script, sizeof script, "%s/tests/interop/bench_lancedb.mjs", src ? src : ".");
    snprintf(cmd, sizeof cmd, "node %s %s %llu %d", script, dir, (unsigned long long)n, runs);
    double lw = -1, ls = -1;
    FILE *p = popen(cmd, "r");
    if (p && fgets(line, sizeof line, p)) sscanf(line, "{\"write_s\":%lf,\"scan_s\":%lf", &lw, &ls);
    if (p) pclose(p);

    printf("bench_lance: %llu rows (addr u16, id u64, fingerprint fsl_u8:2048, label utf8) = %.1f MB of values, best of %d\n",
           (unsigned long long)n, mb, runs);
    printf("  %-30s %9.1f MB/s  (%.3f s, durable)\n", "bindspace write", mb / best_w, best_w);
    if (lw > 0) printf("  %-30s %9.1f MB/s  (%.3f s)   bindspace = %.2fx LanceDB (target >= 2x)\n", "LanceDB write", mb / lw, lw, lw / best_w);
    printf("  %-30s %9.1f MB/s  (%.3f s, all columns)\n", "bindspace scan", mb / best_s, best_s);
    if (ls > 0) printf("  %-30s %9.1f MB/s  (%.3f s)   bindspace = %.2fx LanceDB (target >= 2x)\n", "LanceDB scan (toArrow)", mb / ls, ls, ls / best_s);
    double raw = (double)raw_bytes / 1e6 / best_r;
    printf("  %-30s %9.1f MB/s  (%.3f s, %.1f MB of files)\n", "raw sequential read", raw, best_r, (double)raw_bytes / 1e6);
    printf("  scan = %.2fx raw (target >= 0.5x); fingerprint column scan (bsp_dataset_scan_fp, what search uses): %.1f MB/s = %.2fx raw\n",
           (mb / best_s) / raw, (double)n * 2048 / 1e6 / best_f, ((double)n * 2048 / 1e6 / best_f) / raw);
    if (lw < 0) printf("  (LanceDB side did not run: %s; run tests/interop/setup.sh and set BSP_SOURCE_DIR)\n", script);
    for (int i = 0; i < 4; i++) bsp_column_free(&cols[i]);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
