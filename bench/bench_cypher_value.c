/* The Cypher value layer inside SQLite: how fast the translated SQL's hot functions run.
 *
 * Setup: an in-memory table of N nodes (cy_node with 2 labels and 10 properties, built by
 * SQL). Then, each as one full scan (best of 3, rows/s):
 *   prop     WHERE cy_truth(cy_eq(cy_prop(n, 'k5'), 5))   (lazy lookup in the BLOB)
 *   labels   WHERE cy_labels_has(labels, 'Admin')            (a stored label list, in place)
 *   index    WHERE cy_truth(cy_eq(cy_index(n, 'k5'), 5))  (full decode of the node)
 *   sortkey  SELECT max(cy_sortkey(cy_prop(n, 'k3')))
 *   render   SELECT max(length(cy_render(n)))
 *   unwind   SELECT count(*) FROM cy_unwind(<list of N integers>)
 *   expand   paths of 1..3 relationships from 200 nodes of a 10,000-node, 40,000-edge graph:
 *            dst only, with the rels rendered, with the steps (nodes) read
 * Times are process CPU time (the machine is shared). Usage: bench_cypher_value [N].
 * Default 200000. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cypher/value.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);  /* CPU time: stable on a loaded machine */
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, err);
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static void timed(sqlite3 *db, const char *name, const char *sql, long n)
{
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        if (exec(db, sql)) return;
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("%-8s %8.1f ms  %8.2f M rows/s\n", name, best * 1e3, n / best / 1e6);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK || cy_sql_register(db) != SQLITE_OK) return 1;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE TABLE t(n);"
             "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < %ld - 1)"
             " INSERT INTO t SELECT cy_node(i, cy_list('Person', 'Admin'), cy_map("
             "'k0', i, 'k1', 'name' || i, 'k2', i * 0.5, 'k3', i %% 97, 'k4', cy_list(1, 2, 3),"
             "'k5', i %% 10, 'k6', 'xxxxxxxxxxxxxxxx', 'k7', cy_bool(i %% 2), 'k8', NULL, 'k9', 1.5))"
             " FROM c;",
             n);
    double t0 = now();
    if (exec(db, sql)) return 1;
    printf("build    %8.1f ms  (%ld nodes)\n", (now() - t0) * 1e3, n);
    if (exec(db, "CREATE TABLE l1 AS SELECT cy_list('Person', CASE WHEN rowid % 2 THEN 'Admin' ELSE 'User' END)"
                 " AS labels FROM t"))
        return 1;
    timed(db, "prop", "SELECT count(*) FROM t WHERE cy_truth(cy_eq(cy_prop(n, 'k5'), 5))", n);
    timed(db, "labels", "SELECT count(*) FROM l1 WHERE cy_labels_has(labels, 'Admin')", n);
    timed(db, "index", "SELECT count(*) FROM t WHERE cy_truth(cy_eq(cy_index(n, 'k5'), 5))", n);
    timed(db, "sortkey", "SELECT max(cy_sortkey(cy_prop(n, 'k3'))) FROM t", n);
    timed(db, "render", "SELECT max(length(cy_render(n))) FROM t", n);
    if (exec(db, "CREATE TABLE l0(v)")) return 1;
    snprintf(sql, sizeof sql,
             "INSERT INTO l0 SELECT cy_from_json((WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL"
             " SELECT i + 1 FROM c WHERE i < %ld - 1) SELECT json_group_array(i) FROM c))",
             n);
    if (exec(db, sql)) return 1;
    timed(db, "unwind", "SELECT count(*) FROM l0, cy_unwind(l0.v)", n);
    /* variable-length expansion: 10,000 nodes, 40,000 pseudo-random edges, paths of 1..3
     * from 200 start nodes; the rows/s column counts paths */
    if (exec(db, "CREATE TABLE cy_nodes(id INTEGER PRIMARY KEY, labels, props, fingerprint BLOB);"
                 "CREATE TABLE cy_edges(id INTEGER PRIMARY KEY, src INTEGER, dst INTEGER, type TEXT, props);"
                 "CREATE INDEX cy_edges_src ON cy_edges(src, type);"
                 "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 9999)"
                 " INSERT INTO cy_nodes SELECT i, cy_list('P'), cy_map('k', i), NULL FROM c;"
                 "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 39999)"
                 " INSERT INTO cy_edges(src, dst, type, props) SELECT (i * 7919) % 10000,"
                 " (i * 104729 + 13) % 10000, 'T', cy_map('w', i) FROM c;"))
        return 1;
    sqlite3_stmt *st;
    long paths = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM cy_nodes s, cy_expand(s.id, 1, NULL, 1, 3) x"
                               " WHERE s.id < 200", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        paths = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    timed(db, "expand", "SELECT count(*) FROM cy_nodes s, cy_expand(s.id, 1, NULL, 1, 3) x WHERE s.id < 200",
          paths);
    timed(db, "exp+rels", "SELECT count(cy_render(x.rels)) FROM cy_nodes s, cy_expand(s.id, 1, NULL, 1, 3) x"
                          " WHERE s.id < 200", paths);
    timed(db, "exp+step", "SELECT count(length(x.steps)) FROM cy_nodes s, cy_expand(s.id, 1, NULL, 1, 3) x"
                          " WHERE s.id < 200", paths);
    printf("(%ld paths)\n", paths);
    sqlite3_close(db);
    return 0;
}
