/* `bindspace demo DIR [--rows N]`: the main job on generated data, end to end.
 *
 * Generates DIR/nodes.lance (synthetic rows with version-1 sidecars, the same rows
 * `bindspace gen` makes), plants a query (a stored record with a quarter of its bits
 * flipped), runs an exact top-k search, a predicate search, and the same top-k through the
 * SQLite virtual table, printing what each step found and checking that they agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bindspace/cypher.h"
#include "bindspace/search.h"
#include "bindspace/sql.h"
#include "cli/cli.h"
#include "cli/table.h"

#ifdef BSP_HAVE_SQL
#include <sqlite3.h>
#endif

static const char usage[] =
    "usage: bindspace demo DIR [--rows N]\n"
    "Generate DIR/nodes.lance (N synthetic rows, default 20000) unless it exists, then search it\n"
    "exactly (plain and with a predicate) and through SQL, and print the results.\n";

static void print_hits(const char *title, const bsp_search_hit *h, size_t n)
{
    printf("%s\n", title);
    for (size_t i = 0; i < n; i++)
        printf("  #%zu  row %llu:%u  distance %u\n", i + 1, (unsigned long long)BSP_ROW_FRAG(h[i].position),
               BSP_ROW_OFF(h[i].position), h[i].distance);
}

int cmd_demo(int argc, char **argv)
{
    const char *cmd = "demo", *dir = NULL, *rows_s = "20000";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--rows") && i + 1 < argc) rows_s = argv[++i];
        else if (!dir && argv[i][0] != '-') dir = argv[i];
        else return cli_fail(cmd, 0, "unexpected argument '%s'\n%s", argv[i], usage);
    }
    if (!dir) return cli_fail(cmd, 0, "missing DIR\n%s", usage);
    mkdir(dir, 0755);
    char table[4096];
    snprintf(table, sizeof table, "%s/nodes.lance", dir);

    struct stat st;
    if (stat(table, &st) != 0) {
        printf("== generating %s rows into %s\n", rows_s, table);
        char *gargv[] = {"gen", table, "--rows", (char *)rows_s, "--seed", "7", NULL};
        if (cli_table_gen(6, gargv) != 0) return 1;
    } else {
        printf("== using the existing %s\n", table);
    }

    bsp_dataset *ds;
    int rc = bsp_dataset_open(table, 0, &ds);
    if (rc) return cli_fail(cmd, rc, "cannot open %s", table);
    uint64_t nrows = bsp_dataset_count_rows(ds);
    printf("   version %llu, %llu rows, format %s, %zu fragment(s)\n", (unsigned long long)bsp_dataset_version(ds),
           (unsigned long long)nrows, bsp_dataset_format(ds), bsp_dataset_fragment_count(ds));

    /* Plant a query: the record at row nrows/3 with every 4th bit flipped (a quarter). */
    uint64_t target = BSP_ROW_ADDR(0, (uint32_t)(nrows / 3));
    bsp_fragment_info fi;
    if (bsp_dataset_fragment(ds, 0, &fi) == BSP_OK && nrows / 3 >= fi.physical_rows)
        target = BSP_ROW_ADDR(fi.id, 0);
    const char *cols[] = {"fingerprint"};
    bsp_scan_options proj = {cols, 1, 0, 0, false};
    bsp_batch b;
    rc = bsp_dataset_take(ds, &target, 1, &proj, &b);
    if (rc) {
        bsp_dataset_free(ds);
        return cli_fail(cmd, rc, "cannot read row %llu", (unsigned long long)target);
    }
    uint64_t q[BSP_WORDS];
    bsp_fp_from_bytes(q, b.cols[0].data);
    bsp_batch_free(&b);
    for (int w = 0; w < BSP_WORDS; w++) q[w] ^= 0x1111111111111111ull;
    printf("== query: row %llu:%u with 4,096 of its 16,384 bits flipped\n",
           (unsigned long long)BSP_ROW_FRAG(target), BSP_ROW_OFF(target));

    bsp_search_source src;
    bsp_search_source_dataset(&src, ds, "fingerprint");
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = 5;
    o.mask = BSP_MASK_ALL;
    bsp_search_hit hits[5];
    size_t nh = 0;
    bsp_search_info info;
    rc = bsp_search(&src, q, &o, hits, &nh, &info);
    if (rc) {
        bsp_dataset_free(ds);
        return cli_fail(cmd, rc, "search failed");
    }
    print_hits("== exact top-5 (all 256 words):", hits, nh);
    int ok = nh > 0 && hits[0].position == target && hits[0].distance == 4096;
    printf("   planted row found first at distance 4096: %s\n", ok ? "yes" : "NO");

    const char *pjson = "{\"nars\":{\"min_confidence\":0.5},\"kind\":{\"kinds\":[1,2]}}";
    bsp_predicate *p = NULL;
    rc = bsp_predicate_compile(pjson, strlen(pjson), &p);
    if (rc == BSP_OK) {
        o.predicate = p;
        o.mask = BSP_MASK_SEMANTIC;
        bsp_search_hit ph[5];
        size_t np = 0;
        rc = bsp_search(&src, q, &o, ph, &np, &info);
        if (rc == BSP_OK) {
            printf("== predicate %s (semantic distance):\n", pjson);
            print_hits("", ph, np);
            printf("   %llu of %llu rows passed the predicate\n", (unsigned long long)info.passed,
                   (unsigned long long)info.candidates);
        }
        bsp_predicate_free(p);
    }
    if (rc) {
        bsp_dataset_free(ds);
        return cli_fail(cmd, rc, "predicate search failed");
    }

#ifdef BSP_HAVE_SQL
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) == SQLITE_OK && bsp_sql_register(db) == SQLITE_OK) {
        char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE nodes USING bindspace(%Q)", table);
        char *err = NULL;
        if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
            fprintf(stderr, "bindspace demo: %s\n", err);
            ok = 0;
        }
        sqlite3_free(sql);
        sqlite3_free(err);
        const char *query = "SELECT rowid, id, label, distance FROM nodes WHERE fingerprint MATCH ?1 "
                            "ORDER BY distance LIMIT 5";
        printf("== SQL: %s\n", query);
        sqlite3_stmt *stp;
        char eqp[1024];
        snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", query);
        if (sqlite3_prepare_v2(db, eqp, -1, &stp, NULL) == SQLITE_OK) {
            while (sqlite3_step(stp) == SQLITE_ROW) printf("   plan: %s\n", sqlite3_column_text(stp, 3));
            sqlite3_finalize(stp);
        }
        if (sqlite3_prepare_v2(db, query, -1, &stp, NULL) == SQLITE_OK) {
            uint8_t qb[BSP_BYTES];
            bsp_fp_to_bytes(qb, q);
            sqlite3_bind_blob(stp, 1, qb, BSP_BYTES, SQLITE_STATIC);
            size_t i = 0;
            while (sqlite3_step(stp) == SQLITE_ROW) {
                printf("  #%zu  id %lld  %-12s distance %lld\n", i + 1, sqlite3_column_int64(stp, 1),
                       (const char *)sqlite3_column_text(stp, 2), sqlite3_column_int64(stp, 3));
                if (i < nh && ((uint64_t)sqlite3_column_int64(stp, 0) != hits[i].position ||
                               (uint32_t)sqlite3_column_int64(stp, 3) != hits[i].distance))
                    ok = 0;
                i++;
            }
            if (i != nh) ok = 0;
            sqlite3_finalize(stp);
            printf("   SQL top-5 equals the C API top-5: %s\n", ok ? "yes" : "NO");
        } else {
            fprintf(stderr, "bindspace demo: %s\n", sqlite3_errmsg(db));
            ok = 0;
        }
        sqlite3_close(db);
    }
    /* the same top-5 through Cypher: translated to the table's top-k */
    bsp_cypher_session *cs = NULL;
    if (bsp_cypher_open(dir, &cs) == BSP_OK) {
        char *qlit = malloc(2 * BSP_BYTES + 16);
        uint8_t qb[BSP_BYTES];
        bsp_fp_to_bytes(qb, q);
        if (qlit) {
            memcpy(qlit, "fp_unhex('", 10);
            for (int i = 0; i < BSP_BYTES; i++) snprintf(qlit + 10 + 2 * i, 3, "%02x", qb[i]);
            memcpy(qlit + 10 + 2 * BSP_BYTES, "')", 3);
        }
        const char *cq = "MATCH (n) RETURN id(n) AS addr, n.label AS label, "
                         "hamming_distance(n.fingerprint, $q) AS d "
                         "ORDER BY hamming_distance(n.fingerprint, $q) LIMIT 5";
        printf("== Cypher: %s\n", cq);
        bsp_cypher_param prm = {"q", qlit ? qlit : "null"};
        bsp_cypher_result *r = NULL;
        int same = 0;
        if (qlit && bsp_cypher_exec(cs, cq, &prm, 1, &r) == BSP_OK) {
            size_t rows = bsp_cypher_result_nrows(r);
            same = rows == nh;
            for (size_t i = 0; i < rows; i++) {
                printf("  #%zu  addr %s  %-12s distance %s\n", i + 1, bsp_cypher_result_cell(r, i, 0),
                       bsp_cypher_result_cell(r, i, 1), bsp_cypher_result_cell(r, i, 2));
                if (i < nh && strtoull(bsp_cypher_result_cell(r, i, 2), NULL, 10) != hits[i].distance) same = 0;
            }
            bsp_cypher_result_free(r);
        } else fprintf(stderr, "bindspace demo: %s\n", bsp_errmsg());
        printf("   Cypher top-5 distances equal the C API's: %s\n", same ? "yes" : "NO");
        ok = ok && same;
        free(qlit);
        bsp_cypher_close(cs);
    } else {
        fprintf(stderr, "bindspace demo: %s\n", bsp_errmsg());
        ok = 0;
    }
#endif
    bsp_dataset_free(ds);
    printf("== demo %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
