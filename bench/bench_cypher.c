/* bench_cypher: Cypher vs the equivalent hand-written SQL, in one run, on one database and
 * one SQLite connection (the Cypher session's own), so the difference is what translation
 * costs: parsing, translating, preparing the generated SQL, the extra node joins a pattern
 * implies, and rendering result cells.
 *
 *   2-hop    MATCH (a)-[:KNOWS]->(b)-[:KNOWS]->(c) WHERE id(a) = $s RETURN count(*), sum(id(c))
 *            vs SELECT count(*), sum(e2.dst) FROM cy_edges e1 JOIN cy_edges e2 ON ... over
 *            the same edges (1,000,000 by default), one random start node per query;
 *   similar  MATCH (n) WHERE schema_passes(n.fingerprint, $p) RETURN id(n), distance ...
 *            ORDER BY hamming_distance(n.fingerprint, $q) LIMIT 10 vs the SQL layer's own
 *            top-k query (fingerprint MATCH ?1 AND schema_passes(...) ORDER BY distance).
 * The SQL is prepared per query (as an ad-hoc query would be). Cypher is run twice per query:
 * as a new statement text (parse + translate + prepare every time: a trailing comment makes
 * each text unique) and as the same text again (the session's plan cache skips all three).
 * The answers must agree. Prints median ms/query and the ratios. Target: Cypher within
 * 1.20x of SQL.
 * Usage: bench_cypher [nodes] [edges] [queries] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bindspace/bindspace.h"
#include "bindspace/cypher.h"
#include "bindspace/graph.h"
#include "bindspace/sidecar.h"
#include "cypher/exec_internal.h"
#include "bench_util.h"

static void die(const char *what)
{
    fprintf(stderr, "bench_cypher: %s: %s\n", what, bsp_errmsg());
    exit(1);
}

static uint64_t rng_state = 0x5eed;
static uint64_t rnd(void) { return bsp_splitmix64(rng_state++); }

/* nodes.lance: addr = id = i, a random fingerprint with a version-1 sidecar whose NARS
 * confidence is uniform, so a min_confidence predicate passes a known share of rows. */
static void write_nodes(const char *path, uint64_t n)
{
    bsp_field fields[3] = {{"addr", {BSP_T_UINT64, 0}, false, -1},
                           {"id", {BSP_T_UINT64, 0}, false, -1},
                           {"fingerprint", {BSP_T_FSL_UINT8, 2048}, false, -1}};
    bsp_schema schema = {3, fields};
    bsp_column cols[3];
    memset(cols, 0, sizeof cols);
    for (int c = 0; c < 3; c++) {
        cols[c].type = fields[c].type;
        cols[c].length = n;
        cols[c].data_len = (c == 2 ? 2048 : 8) * n;
        cols[c].data = malloc(cols[c].data_len);
        if (!cols[c].data) die("out of memory");
    }
    for (uint64_t i = 0; i < n; i++) {
        ((uint64_t *)cols[0].data)[i] = i;
        ((uint64_t *)cols[1].data)[i] = i;
        uint64_t r[BSP_WORDS] = {0};
        for (int w = 0; w < BSP_SEM_WORDS; w++) r[w] = rnd();
        bsp_sidecar s;
        memset(&s, 0, sizeof s);
        s.nars_f = bsp_q_u16((float)(rnd() >> 40) / (float)(1u << 24));
        s.nars_c = bsp_q_c16((float)(rnd() >> 40) / (float)(1u << 24));
        if (bsp_sidecar_pack(r, &s)) die("sidecar");
        bsp_fp_to_bytes(cols[2].data + 2048 * i, r);
    }
    bsp_batch b = {n, 3, cols};
    bsp_write_options wo = {0};
    wo.mode = BSP_WRITE_OVERWRITE;
    if (bsp_dataset_write(path, &schema, &b, &wo, NULL)) die("write nodes");
    for (int c = 0; c < 3; c++) bsp_column_free(&cols[c]);
}

static void write_edges(const char *db, uint64_t nodes, uint64_t m)
{
    bsp_edge *e = malloc(m * sizeof *e);
    if (!e) die("out of memory");
    for (uint64_t i = 0; i < m; i++)
        e[i] = (bsp_edge){rnd() % nodes, rnd() % nodes, rnd() % 10 < 8 ? "KNOWS" : "LIKES", NULL};
    if (bsp_edges_append(db, e, m, NULL)) die("write edges");
    free(e);
}

/* Run SQL: first row's two integer columns (or -1). */
static void sql_pair(sqlite3 *db, const char *sql, const char *bind_text, const void *blob,
                     int64_t bind_int, int64_t out[2], size_t *rows)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_cypher: %s: %s\n", sql, sqlite3_errmsg(db));
        exit(1);
    }
    if (blob) sqlite3_bind_blob(st, 1, blob, BSP_BYTES, SQLITE_STATIC);
    else sqlite3_bind_int64(st, 1, bind_int);
    if (bind_text) sqlite3_bind_text(st, 2, bind_text, -1, SQLITE_STATIC);
    *rows = 0;
    out[0] = out[1] = -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*rows == 0) {
            out[0] = sqlite3_column_int64(st, 0);
            out[1] = sqlite3_column_int64(st, 1);
        }
        (*rows)++;
    }
    sqlite3_finalize(st);
}

int main(int argc, char **argv)
{
    uint64_t nodes = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    uint64_t edges = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
    int nq = argc > 3 ? atoi(argv[3]) : 30;
    if (nodes < 16 || nq < 1) return 2;
    char dir[] = "/tmp/bench_cypher_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/nodes.lance", dir);
    double t0 = bench_wall_ms();
    write_nodes(path, nodes);
    write_edges(dir, nodes, edges);
    double t1 = bench_wall_ms();
    bsp_cypher_session *s;
    if (bsp_cypher_open(dir, &s)) die("open");
    double t2 = bench_wall_ms();
    printf("bench_cypher: %llu nodes, %llu edges (80%% KNOWS), %d queries per form, median\n",
           (unsigned long long)nodes, (unsigned long long)edges, nq);
    printf("  setup: write %.0f ms; session open (edges into SQLite, node copy) %.0f ms\n", t1 - t0,
           t2 - t1);

    const char *cy2 = "MATCH (a)-[:KNOWS]->(b)-[:KNOWS]->(c) WHERE id(a) = $s "
                      "RETURN count(*) AS n, sum(id(c)) AS total";
    const char *sql2 = "SELECT count(*), sum(e2.dst) FROM cy_edges AS e1 JOIN cy_edges AS e2 "
                       "ON e2.src = e1.dst AND e2.type = 'KNOWS' "
                       "WHERE e1.src = ?1 AND e1.type = 'KNOWS' AND e1.id <> e2.id";
    const char *pred = "{\"nars\":{\"min_confidence\":0.9}}";
    const char *cysim = "MATCH (n) WHERE schema_passes(n.fingerprint, $p) "
                        "RETURN id(n) AS id, hamming_distance(n.fingerprint, $q) AS d "
                        "ORDER BY hamming_distance(n.fingerprint, $q) LIMIT 10";
    const char *sqlsim = "SELECT addr, distance FROM temp.bsp_nodes WHERE fingerprint MATCH ?1 "
                         "AND schema_passes(fingerprint, ?2) ORDER BY distance LIMIT 10";
    double *tc = calloc((size_t)nq, sizeof *tc), *ts = calloc((size_t)nq, sizeof *ts);
    double *uc = calloc((size_t)nq, sizeof *uc), *us = calloc((size_t)nq, sizeof *us);
    double *tn = calloc((size_t)nq, sizeof *tn), *un = calloc((size_t)nq, sizeof *un);
    char *qlit = malloc(4096 + 16);
    if (!tc || !ts || !uc || !us || !tn || !un || !qlit) die("out of memory");
    int mismatches = 0;
    uint64_t paths = 0;
    for (int qi = -2; qi < nq; qi++) { /* two warm-up rounds (the first top-k loads the hot copy) */
        /* 2-hop */
        char sbuf[32];
        int64_t start = (int64_t)(rnd() % nodes);
        snprintf(sbuf, sizeof sbuf, "%lld", (long long)start);
        bsp_cypher_param p2 = {"s", sbuf};
        char fresh[512];
        snprintf(fresh, sizeof fresh, "%s // %d", cy2, qi);
        double a0 = bench_wall_ms();
        bsp_cypher_result *r = NULL;
        if (bsp_cypher_exec(s, fresh, &p2, 1, &r)) die("cypher 2-hop");
        bsp_cypher_result_free(r);
        double a = bench_wall_ms();
        if (bsp_cypher_exec(s, cy2, &p2, 1, &r)) die("cypher 2-hop");
        double b = bench_wall_ms();
        int64_t want[2];
        size_t rows;
        sql_pair(s->db, sql2, NULL, NULL, start, want, &rows);
        double c = bench_wall_ms();
        if (strtoll(bsp_cypher_result_cell(r, 0, 0), NULL, 10) != want[0] ||
            (want[0] && strtoll(bsp_cypher_result_cell(r, 0, 1), NULL, 10) != want[1]))
            mismatches++;
        if (qi >= 0) {
            tc[qi] = b - a;
            tn[qi] = a - a0;
            ts[qi] = c - b;
            paths += (uint64_t)want[0];
        }
        bsp_cypher_result_free(r);

        /* similarity + schema predicate: the query is a stored record with a quarter flipped */
        uint64_t q[BSP_WORDS];
        for (int w = 0; w < BSP_WORDS; w++) q[w] = rnd();
        uint8_t qb[BSP_BYTES];
        bsp_fp_to_bytes(qb, q);
        char *hex = qlit;
        memcpy(hex, "fp_unhex('", 10);
        for (int i = 0; i < BSP_BYTES; i++) snprintf(hex + 10 + 2 * i, 3, "%02x", qb[i]);
        memcpy(hex + 10 + 4096, "')", 3);
        bsp_cypher_param ps[2] = {{"p", "'{\"nars\":{\"min_confidence\":0.9}}'"}, {"q", qlit}};
        snprintf(fresh, sizeof fresh, "%s // %d", cysim, qi);
        a0 = bench_wall_ms();
        if (bsp_cypher_exec(s, fresh, ps, 2, &r)) die("cypher similarity");
        bsp_cypher_result_free(r);
        a = bench_wall_ms();
        if (bsp_cypher_exec(s, cysim, ps, 2, &r)) die("cypher similarity");
        b = bench_wall_ms();
        sql_pair(s->db, sqlsim, pred, qb, 0, want, &rows);
        c = bench_wall_ms();
        if (bsp_cypher_result_nrows(r) != rows ||
            (rows && (strtoll(bsp_cypher_result_cell(r, 0, 0), NULL, 10) != want[0] ||
                      strtoll(bsp_cypher_result_cell(r, 0, 1), NULL, 10) != want[1])))
            mismatches++;
        bsp_cypher_result_free(r);
        if (qi >= 0) {
            uc[qi] = b - a;
            un[qi] = a - a0;
            us[qi] = c - b;
        }
    }
    double mc = bench_median(tc, nq), mn = bench_median(tn, nq), ms = bench_median(ts, nq);
    double mu = bench_median(uc, nq), mun = bench_median(un, nq), mv = bench_median(us, nq);
    printf("  2-hop (avg %.1f paths/query)\n", (double)paths / nq);
    printf("    hand-written SQL                         %8.3f ms/query  (baseline)\n", ms);
    printf("    Cypher, new statement text               %8.3f ms/query  %.2fx SQL\n", mn, mn / ms);
    printf("    Cypher, repeated text (plan cache)       %8.3f ms/query  %.2fx SQL (target <= 1.20x)\n",
           mc, mc / ms);
    printf("  similarity + schema predicate (top-10, ~10%% of rows pass)\n");
    printf("    hand-written SQL (top-k pushdown)        %8.3f ms/query  (baseline)\n", mv);
    printf("    Cypher, new statement text               %8.3f ms/query  %.2fx SQL (target <= 1.20x)\n",
           mun, mun / mv);
    printf("    Cypher, repeated text (plan cache)       %8.3f ms/query  %.2fx SQL\n", mu, mu / mv);
    printf("  results identical: %s\n", mismatches ? "NO" : "yes");
    bsp_cypher_close(s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_cypher: could not remove %s\n", dir);
    free(tc);
    free(ts);
    free(uc);
    free(us);
    free(tn);
    free(un);
    free(qlit);
    return mismatches ? 1 : 0;
}
