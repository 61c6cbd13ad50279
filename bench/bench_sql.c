/* bench_sql: exact top-10 over 65,536 fingerprints, three ways, in one run:
 *   C API   bsp_search over the dataset (the baseline),
 *   SQL     SELECT ... WHERE fingerprint MATCH ?1 ORDER BY distance LIMIT 10 (pushdown),
 *   plain   SELECT ... ORDER BY hamming_distance(fingerprint, ?1) LIMIT 10 (no pushdown).
 * The C API baseline searches the same records in memory that the virtual table keeps hot
 * after its first top-k (both exact, both all cores); the plain form computes
 * hamming_distance per row in SQL. Prints ms/query (median of the runs) and the ratios.
 * Targets: SQL within 1.10x of the C API; pushdown >= 10x faster than the plain form.
 * Also printed: a plain read of the same records on all cores (every byte loaded once), the
 * floor of any exact top-k over random records (nothing can be pruned), and so the largest
 * speed-up any pushdown could show over the plain form on this machine.
 * Usage: bench_sql [rows] [queries] */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bindspace/bindspace.h"
#include "bindspace/search.h"
#include "bindspace/sql.h"
#include "bench_util.h"

static uint64_t rng_state = 0x1234;
static uint64_t rnd(void) { return bsp_splitmix64(rng_state++); }

static int write_table(const char *path, uint64_t n, uint64_t *recs)
{
    bsp_field fields[2] = {{"id", {BSP_T_UINT64, 0}, false, -1}, {"fingerprint", {BSP_T_FSL_UINT8, 2048}, false, -1}};
    bsp_schema schema = {2, fields};
    bsp_column cols[2];
    memset(cols, 0, sizeof cols);
    cols[0].type = fields[0].type;
    cols[0].length = n;
    cols[0].data_len = 8 * n;
    cols[0].data = malloc(8 * n);
    cols[1].type = fields[1].type;
    cols[1].length = n;
    cols[1].data_len = 2048 * n;
    cols[1].data = malloc(2048 * n);
    for (uint64_t i = 0; i < n; i++) {
        ((uint64_t *)cols[0].data)[i] = i;
        uint64_t *r = recs + (size_t)i * BSP_WORDS;
        for (int w = 0; w < BSP_WORDS; w++) r[w] = rnd();
        bsp_fp_to_bytes(cols[1].data + 2048 * i, r);
    }
    bsp_batch b = {n, 2, cols};
    bsp_write_options wo = {0};
    wo.mode = BSP_WRITE_OVERWRITE;
    int rc = bsp_dataset_write(path, &schema, &b, &wo, NULL);
    bsp_column_free(&cols[0]);
    bsp_column_free(&cols[1]);
    return rc;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 65536;
    int nq = argc > 2 ? atoi(argv[2]) : 15;
    char dir[] = "/tmp/bench_sql_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/nodes.lance", dir);
    uint64_t *recs = aligned_alloc(64, (size_t)n * BSP_BYTES), *pos = malloc((size_t)n * 8);
    for (uint64_t i = 0; i < n; i++) pos[i] = BSP_ROW_ADDR(0, i); /* one fragment */
    if (write_table(path, n, recs) != BSP_OK) {
        fprintf(stderr, "write: %s\n", bsp_errmsg());
        return 1;
    }
    bsp_dataset *ds;
    if (bsp_dataset_open(path, 0, &ds) != BSP_OK) return 1;
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    bsp_sql_register(db);
    char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE nodes USING bindspace(%Q)", path);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    sqlite3_stmt *push, *plain;
    sqlite3_prepare_v2(db, "SELECT rowid, distance FROM nodes WHERE fingerprint MATCH ?1 ORDER BY distance LIMIT 10",
                       -1, &push, NULL);
    sqlite3_prepare_v2(db, "SELECT rowid, hamming_distance(fingerprint, ?1) d FROM nodes ORDER BY d, rowid LIMIT 10",
                       -1, &plain, NULL);
    bsp_search_source src;
    bsp_search_source_records(&src, recs, (size_t)n, pos, NULL);
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = 10;
    o.mask = BSP_MASK_ALL;
    double *tc = calloc((size_t)nq, sizeof *tc), *ts = calloc((size_t)nq, sizeof *ts),
           *tp = calloc((size_t)nq, sizeof *tp);
    int mismatches = 0;
    for (int qi = -2; qi < nq; qi++) { /* two warm-up queries */
        uint64_t q[BSP_WORDS];
        for (int w = 0; w < BSP_WORDS; w++) q[w] = rnd();
        uint8_t qb[BSP_BYTES];
        bsp_fp_to_bytes(qb, q);
        bsp_search_hit hits[10];
        size_t nh;
        double t0 = bench_wall_ms();
        bsp_search(&src, q, &o, hits, &nh, NULL);
        double t1 = bench_wall_ms();
        sqlite3_bind_blob(push, 1, qb, BSP_BYTES, SQLITE_STATIC);
        size_t i = 0;
        while (sqlite3_step(push) == SQLITE_ROW) {
            if (i >= nh || (uint64_t)sqlite3_column_int64(push, 0) != hits[i].position) mismatches++;
            i++;
        }
        sqlite3_reset(push);
        double t2 = bench_wall_ms();
        double t3 = t2, t4 = t2;
        if (qi < 3) { /* the plain form is slow: a few runs are enough */
            sqlite3_bind_blob(plain, 1, qb, BSP_BYTES, SQLITE_STATIC);
            t3 = bench_wall_ms();
            i = 0;
            while (sqlite3_step(plain) == SQLITE_ROW) {
                if (i >= nh || (uint64_t)sqlite3_column_int64(plain, 0) != hits[i].position) mismatches++;
                i++;
            }
            sqlite3_reset(plain);
            t4 = bench_wall_ms();
        }
        if (qi >= 0) {
            tc[qi] = t1 - t0;
            ts[qi] = t2 - t1;
            tp[qi] = t4 - t3;
        }
    }
    int np = nq < 3 ? nq : 3;
    double mc = bench_median(tc, nq), ms = bench_median(ts, nq), mp = bench_median(tp, np);
    printf("bench_sql: exact top-10, %llu rows of 2,048 bytes (%s kernel), median of %d queries\n",
           (unsigned long long)n, bsp_fp_kernel_name(), nq);
    printf("  %-44s %9.3f ms/query  (baseline)\n", "C API bsp_search (records in memory)", mc);
    printf("  %-44s %9.3f ms/query  %.3fx the C API (target <= 1.10x)\n", "SQL MATCH ... ORDER BY distance LIMIT 10", ms, ms / mc);
    printf("  %-44s %9.3f ms/query  pushdown is %.1fx faster (target >= 10x)\n",
           "SQL ORDER BY hamming_distance(...) LIMIT 10", mp, mp / ms);
    double rp = bench_read_pass(recs, (size_t)n, 2, 5, bench_wall_ms);
    printf("  %-44s %9.3f ms/pass   (floor of an exact top-k over random records)\n",
           "plain read of the same records, 2 threads", rp);
    printf("  largest pushdown speed-up this memory allows: plain / read pass = %.1fx\n", mp / rp);
    printf("  results identical: %s\n", mismatches ? "NO" : "yes");
    sqlite3_finalize(push);
    sqlite3_finalize(plain);
    sqlite3_close(db);
    bsp_dataset_free(ds);
    free(recs);
    free(pos);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return mismatches ? 1 : 0;
}
