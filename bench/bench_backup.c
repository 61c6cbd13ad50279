/* XOR backup: chain bytes per version against Lance's own growth per version and against
 * zstd -3 of the changed records, and restore throughput.
 *
 * Setup: a nodes-like table (addr u16, id u64, fingerprint, label utf8) with ROWS rows in
 * one commit, a chain started with a snapshot of that version, then VERSIONS versions, each
 * an Update commit (bsp_dataset_update_rows, as the runtime's flush makes) that rewrites 1 %
 * of the rows with 1..8 random words changed, each followed by bsp_backup_create.
 * Per version it measures: the bytes Lance added to the table (new data file, deletion file,
 * manifest, transaction), the bytes the chain added (its data file, manifest, transaction,
 * seal lines: everything), and ZSTD_compress(level 3) of the changed full records.
 * Then it restores the latest version (VERSIONS records applied forward) five times, a middle
 * one, and the latest once more with the chain dropped from the page cache, and reports MB/s
 * of restored table data (rows × 2,048 B / wall time) end to end (durable write included),
 * for the in-memory rebuild alone and for the table write alone (see the restore loop).
 * Usage: bench_backup [rows] [versions] [dir]. Defaults 65536, 20, a fresh /tmp dir. */
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "bindspace/backup.h"
#include "bindspace/fp.h"
#include "bindspace/lance.h"

static double cpu_now(void) /* user + system time of this process */
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec * 1e-6;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t du_total;
static int du_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)p, (void)f;
    if (flag == FTW_F) du_total += (uint64_t)sb->st_size;
    return 0;
}
static uint64_t du(const char *path)
{
    du_total = 0;
    nftw(path, du_one, 16, FTW_PHYS);
    return du_total;
}

/* Drop a directory tree's files from the page cache (they are clean: fsync'd when written). */
static int drop_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)f;
    if (flag != FTW_F) return 0;
    int fd = open(p, O_RDONLY);
    if (fd >= 0) {
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
    return 0;
}
static void drop_cache(const char *path) { nftw(path, drop_one, 16, FTW_PHYS); }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint64_t rng_state = 0x1234567;
static uint64_t rnd(void) { return bsp_splitmix64(rng_state++); }

static void die(const char *what)
{
    fprintf(stderr, "bench_backup: %s: %s\n", what, bsp_errmsg());
    exit(1);
}

/* Batch of rows for addresses idx[0..n) from recs. */
static void make_batch(const uint8_t *recs, const uint32_t *idx, size_t n, bsp_batch *b)
{
    b->nrows = n;
    b->ncols = 4;
    b->cols = calloc(4, sizeof *b->cols);
    bsp_column *a = &b->cols[0], *id = &b->cols[1], *fp = &b->cols[2], *lb = &b->cols[3];
    *a = (bsp_column){.type = {BSP_T_UINT16, 0}, .length = n, .data_len = 2 * n};
    *id = (bsp_column){.type = {BSP_T_UINT64, 0}, .length = n, .data_len = 8 * n};
    *fp = (bsp_column){.type = {BSP_T_FSL_UINT8, 2048}, .length = n, .data_len = 2048 * n};
    *lb = (bsp_column){.type = {BSP_T_UTF8, 0}, .length = n};
    a->data = malloc(2 * n);
    id->data = malloc(8 * n);
    fp->data = malloc(2048 * n);
    lb->data = malloc(16 * n);
    lb->offsets = malloc((n + 1) * 8);
    lb->offsets[0] = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t av = (uint16_t)idx[i];
        uint64_t iv = 1000000 + idx[i];
        memcpy(a->data + 2 * i, &av, 2);
        memcpy(id->data + 8 * i, &iv, 8);
        memcpy(fp->data + 2048 * i, recs + (size_t)idx[i] * 2048, 2048);
        int k = snprintf((char *)lb->data + lb->offsets[i], 16, "node-%05u", (unsigned)idx[i]);
        lb->offsets[i + 1] = lb->offsets[i] + (uint64_t)k;
    }
    lb->data_len = lb->offsets[n];
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 65536;
    int versions = argc > 2 ? atoi(argv[2]) : 20;
    if (rows == 0 || rows > 65536 || versions < 1) {
        fprintf(stderr, "usage: bench_backup [rows <= 65536] [versions] [dir]\n");
        return 2;
    }
    char dir[512];
    if (argc > 3) snprintf(dir, sizeof dir, "%s", argv[3]);
    else {
        snprintf(dir, sizeof dir, "/tmp/bench-backup-XXXXXX");
        if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    }
    char table[600], chain[600], out[600];
    snprintf(table, sizeof table, "%s/nodes.lance", dir);
    snprintf(chain, sizeof chain, "%s/nodes.backup.lance", dir);

    static bsp_field f[4];
    f[0] = (bsp_field){(char *)"addr", {BSP_T_UINT16, 0}, false, -1};
    f[1] = (bsp_field){(char *)"id", {BSP_T_UINT64, 0}, false, -1};
    f[2] = (bsp_field){(char *)"fingerprint", {BSP_T_FSL_UINT8, 2048}, false, -1};
    f[3] = (bsp_field){(char *)"label", {BSP_T_UTF8, 0}, true, -1};
    bsp_schema schema = {4, f};

    uint8_t *recs = malloc(rows * 2048);
    uint32_t *all = malloc(rows * sizeof *all);
    uint64_t *rowaddr = malloc(rows * sizeof *rowaddr);
    for (size_t i = 0; i < rows * 256; i++) {
        uint64_t v = rnd();
        memcpy(recs + 8 * i, &v, 8);
    }
    for (size_t i = 0; i < rows; i++) all[i] = (uint32_t)i;
    bsp_batch b;
    make_batch(recs, all, rows, &b);
    bsp_write_options wo = {.mode = BSP_WRITE_CREATE};
    uint64_t v0;
    if (bsp_dataset_write(table, &schema, &b, &wo, &v0)) die("write");
    bsp_batch_free(&b);
    for (size_t i = 0; i < rows; i++) rowaddr[i] = BSP_ROW_ADDR(0, i);
    {
        bsp_dataset *ds;
        if (bsp_dataset_open(table, 0, &ds)) die("open");
        bsp_fragment_info fi;
        bsp_dataset_fragment(ds, 0, &fi);
        for (size_t i = 0; i < rows; i++) rowaddr[i] = BSP_ROW_ADDR(fi.id, i);
        bsp_dataset_free(ds);
    }
    double t0 = now();
    if (bsp_backup_create(table, BSP_BACKUP_CHAIN_END, v0, chain, NULL, NULL)) die("backup (snapshot)");
    double tsnap = now() - t0;
    uint64_t snap_bytes = du(chain);
    printf("table: %zu rows x 2,048 B, version %" PRIu64 "; chain starts with a snapshot: %" PRIu64
           " bytes (%.2f s)\n", rows, v0, snap_bytes, tsnap);

    size_t nchg = rows / 100 ? rows / 100 : 1;
    uint32_t *chg = malloc(nchg * sizeof *chg);
    uint8_t *mark = calloc(rows, 1);
    size_t zcap = ZSTD_compressBound(nchg * 2048);
    uint8_t *zbuf = malloc(zcap), *plain = malloc(nchg * 2048);
    uint64_t sum_lance = 0, sum_chain = 0, sum_zstd = 0, sum_words = 0;
    double sum_bk = 0;
    printf("%-8s %12s %12s %12s %10s %10s %10s\n", "version", "lance B", "chain B", "zstd-3 B",
           "lance/chain", "zstd/chain", "backup ms");
    for (int k = 1; k <= versions; k++) {
        memset(mark, 0, rows);
        for (size_t i = 0; i < nchg;) {
            uint32_t a = (uint32_t)(rnd() % rows);
            if (mark[a]) continue;
            mark[a] = 1;
            chg[i++] = a;
        }
        uint64_t *old = malloc(nchg * sizeof *old);
        for (size_t i = 0; i < nchg; i++) {
            uint8_t *rec = recs + (size_t)chg[i] * 2048;
            unsigned nw = 1 + (unsigned)(rnd() % 8);
            for (unsigned w = 0; w < nw; w++) {
                size_t word = (size_t)(rnd() % 256);
                uint64_t x;
                memcpy(&x, rec + 8 * word, 8);
                x ^= rnd() | 1;
                memcpy(rec + 8 * word, &x, 8);
            }
            sum_words += nw;
            memcpy(plain + i * 2048, rec, 2048);
            old[i] = rowaddr[chg[i]];
        }
        size_t zlen = ZSTD_compress(zbuf, zcap, plain, nchg * 2048, 3);
        if (ZSTD_isError(zlen)) return fprintf(stderr, "zstd failed\n"), 1;
        make_batch(recs, chg, nchg, &b);
        uint64_t lance_before = du(table), nv;
        if (bsp_dataset_update_rows(table, old, nchg, &b, &nv)) die("update_rows");
        bsp_batch_free(&b);
        free(old);
        uint64_t lance_add = du(table) - lance_before;
        bsp_dataset *ds;
        if (bsp_dataset_open(table, nv, &ds)) die("open");
        size_t nf = bsp_dataset_fragment_count(ds);
        bsp_fragment_info fi;
        bsp_dataset_fragment(ds, nf - 1, &fi);
        if (fi.physical_rows != nchg) return fprintf(stderr, "unexpected fragment layout\n"), 1;
        for (size_t i = 0; i < nchg; i++) rowaddr[chg[i]] = BSP_ROW_ADDR(fi.id, i);
        bsp_dataset_free(ds);
        uint64_t chain_before = du(chain);
        double t = now();
        if (bsp_backup_create(table, BSP_BACKUP_CHAIN_END, nv, chain, NULL, NULL)) die("backup");
        double dt = now() - t;
        uint64_t chain_add = du(chain) - chain_before;
        sum_lance += lance_add;
        sum_chain += chain_add;
        sum_zstd += zlen;
        sum_bk += dt;
        printf("%-8" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12zu %10.1fx %10.1fx %10.1f\n", nv, lance_add, chain_add,
               zlen, (double)lance_add / (double)chain_add, (double)zlen / (double)chain_add, dt * 1e3);
    }
    double n = versions;
    printf("mean per version: %zu records changed (%.2f words each); lance %.0f B, chain %.0f B"
           " (%.1f B per changed record), zstd-3 of the changed records %.0f B\n", nchg,
           (double)sum_words / (n * (double)nchg), (double)sum_lance / n, (double)sum_chain / n,
           (double)sum_chain / (n * (double)nchg), (double)sum_zstd / n);
    printf("chain vs Lance's own growth: %.1fx smaller (target >= 20x)\n", (double)sum_lance / (double)sum_chain);
    printf("chain vs zstd -3 of the changed records: %.1fx smaller (target >= 3x)\n",
           (double)sum_zstd / (double)sum_chain);
    printf("backup create: %.1f ms per version (compare + append + seal)\n", sum_bk * 1e3 / n);

    /* Restore: the latest version (VERSIONS records forward from the first snapshot) RUNS
     * times, then the middle version, then the latest again with the chain's files dropped
     * from the page cache. MB/s = restored table data (rows x 2,048 B) / time. "end to end" is
     * the whole bsp_backup_restore call (chain index, snapshot load and check, records, the
     * durable table write: temp file, fsync, link, dir fsync, manifest commit); "rebuild" is
     * snapshot load + check + records applied (the state in memory, nothing written);
     * "write" is the table write alone. */
    enum { RUNS = 5 };
    double e2e[RUNS], reb[RUNS], wr[RUNS], cpu[RUNS];
    bsp_restore_stats st;
    for (int k = 0; k < RUNS + 2; k++) {
        uint64_t v = v0 + (uint64_t)(k == RUNS ? versions / 2 : versions);
        bool cold = k == RUNS + 1;
        if (cold) drop_cache(chain);
        snprintf(out, sizeof out, "%s/restored-%d.lance", dir, k);
        double t = now(), c = cpu_now();
        if (bsp_backup_restore(chain, v, out, NULL, &st)) die("restore");
        double dt = now() - t, dc = cpu_now() - c, rebuild = st.seconds_snapshot + st.seconds_apply;
        double write = st.seconds_write - st.seconds_write_wait; /* overlapped: minus waiting for rows */
        double mb = (double)st.bytes / 1e6;
        printf("restore version %" PRIu64 " (%" PRIu64 " records applied to the snapshot of %" PRIu64 "%s): %" PRIu64
               " rows in %.3f s = %5.0f MB/s end to end; rebuild %5.0f MB/s (snapshot %.3f s, records %.3f s);"
               " write %5.0f MB/s (%.3f s)%s; CPU %.3f s\n", v, st.records_applied, st.snapshot_version,
               cold ? ", chain not in the page cache" : "", st.rows, dt, mb / dt, mb / rebuild, st.seconds_snapshot,
               st.seconds_apply, mb / write, write, st.overlapped ? ", overlapped with the rebuild" : "", dc);
        if (k < RUNS) e2e[k] = mb / dt, reb[k] = mb / rebuild, wr[k] = mb / write, cpu[k] = dc;
        if (k > 0) {
            char cmd[700];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
            if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", out);
        }
    }
    qsort(e2e, RUNS, sizeof *e2e, cmp_double);
    qsort(reb, RUNS, sizeof *reb, cmp_double);
    qsort(wr, RUNS, sizeof *wr, cmp_double);
    qsort(cpu, RUNS, sizeof *cpu, cmp_double);
    printf("restore of the latest version, %d runs, MB/s min / median / max (target >= 1,000 end to end):\n"
           "  end to end %.0f / %.0f / %.0f; rebuild alone %.0f / %.0f / %.0f; table write alone %.0f / %.0f / %.0f\n",
           RUNS, e2e[0], e2e[RUNS / 2], e2e[RUNS - 1], reb[0], reb[RUNS / 2], reb[RUNS - 1], wr[0], wr[RUNS / 2],
           wr[RUNS - 1]);
    printf("  CPU time (user + system) per restore %.3f / %.3f / %.3f s = %.0f MB per CPU-second at the median"
           " (load-independent; the rest of the wall time is the device and waiting for a core)\n",
           cpu[0], cpu[RUNS / 2], cpu[RUNS - 1], (double)st.bytes / 1e6 / cpu[RUNS / 2]);
    /* Baseline in the same run: the device's rate for the same bytes, plain write(2) + fsync. */
    {
        char path[700];
        snprintf(path, sizeof path, "%s/baseline.bin", dir);
        size_t nbytes = rows * 2048, chunk = 1 << 20;
        FILE *f = fopen(path, "wb");
        double t = now();
        for (size_t off = 0; f && off < nbytes; off += chunk)
            if (fwrite(recs + off, 1, nbytes - off < chunk ? nbytes - off : chunk, f) == 0) break;
        if (f) {
            fflush(f);
            if (fsync(fileno(f)) != 0) perror("fsync");
            fclose(f);
        }
        double dt = now() - t;
        printf("baseline: write(2) + fsync of the same %zu bytes to a plain file: %.3f s = %.0f MB/s\n", nbytes, dt,
               (double)nbytes / dt / 1e6);
        unlink(path);
        /* the same with O_DIRECT from aligned memory (what the restore's table write does) */
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644);
        void *al = NULL;
        if (fd >= 0 && posix_memalign(&al, 4096, nbytes) == 0) {
            memcpy(al, recs, nbytes);
            t = now();
            size_t off = 0;
            for (size_t dchunk = 8u << 20; off < nbytes; off += dchunk)
                if (write(fd, (uint8_t *)al + off, nbytes - off < dchunk ? nbytes - off : dchunk) <= 0) break;
            if (fsync(fd) != 0) perror("fsync");
            dt = now() - t;
            if (off >= nbytes)
                printf("baseline: O_DIRECT write + fsync of the same bytes: %.3f s = %.0f MB/s\n", dt,
                       (double)nbytes / dt / 1e6);
        }
        free(al);
        if (fd >= 0) close(fd);
        unlink(path);
    }
    /* sanity: the restored latest version equals the table */
    {
        snprintf(out, sizeof out, "%s/restored-0.lance", dir);
        bsp_dataset *ds;
        if (bsp_dataset_open(out, 0, &ds)) die("open restored");
        printf("restored table: %" PRIu64 " rows\n", bsp_dataset_count_rows(ds));
        bsp_dataset_free(ds);
    }
    if (argc <= 3) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    free(recs);
    free(all);
    free(rowaddr);
    free(chg);
    free(mark);
    free(zbuf);
    free(plain);
    return 0;
}
