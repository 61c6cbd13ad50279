/* The `bindspace` virtual table: every pushdown plan returns exactly what the same query
 * written without pushdown returns (random and tie-heavy data), EXPLAIN QUERY PLAN names
 * the plan, writes are one Lance commit per SQL transaction, ROLLBACK leaves the table alone. */
#include "sql/sql_test_util.h"

#define N 3000

static char *dir;
static char path_rand[600], path_ties[600];

/* id u64, fingerprint fsl_u8:2048, label utf8 */
static void make_table(const char *path, uint64_t seed, int distinct)
{
    test_rng rng;
    test_rng_seed(&rng, seed);
    bsp_field fields[3] = {
        {"id", {BSP_T_UINT64, 0}, false, -1},
        {"fingerprint", {BSP_T_FSL_UINT8, 2048}, false, -1},
        {"label", {BSP_T_UTF8, 0}, true, -1},
    };
    bsp_schema schema = {3, fields};
    bsp_column cols[3];
    memset(cols, 0, sizeof cols);
    cols[0].type = fields[0].type;
    cols[0].length = N;
    cols[0].data_len = 8 * N;
    cols[0].data = malloc(8 * N);
    cols[1].type = fields[1].type;
    cols[1].length = N;
    cols[1].data_len = (uint64_t)BSP_BYTES * N;
    cols[1].data = malloc((size_t)BSP_BYTES * N);
    cols[2].type = fields[2].type;
    cols[2].length = N;
    cols[2].offsets = calloc(N + 1, 8);
    cols[2].data = malloc(16 * N);
    cols[2].validity = calloc(N / 8 + 1, 1);
    uint64_t patterns[8][BSP_WORDS];
    for (int p = 0; p < 8; p++)
        for (int w = 0; w < BSP_WORDS; w++) patterns[p][w] = test_rng_next(&rng);
    for (uint64_t i = 0; i < N; i++) {
        ((uint64_t *)cols[0].data)[i] = 1000 + i;
        uint64_t r[BSP_WORDS];
        if (distinct) {
            for (int w = 0; w < BSP_WORDS; w++) r[w] = test_rng_next(&rng);
        } else {
            memcpy(r, patterns[test_rng_below(&rng, 4)], sizeof r);
            r[test_rng_below(&rng, 8)] ^= 1ull << test_rng_below(&rng, 3); /* few distinct distances */
        }
        if (test_rng_below(&rng, 4)) { /* 3 in 4 records carry a version-1 sidecar */
            bsp_sidecar s;
            memset(&s, 0, sizeof s);
            s.nars_f = (uint16_t)test_rng_below(&rng, 65536);
            s.nars_c = (uint16_t)test_rng_below(&rng, 65529);
            s.ani[test_rng_below(&rng, 8)] = (uint16_t)test_rng_below(&rng, 1000);
            s.cluster_id = (uint16_t)test_rng_below(&rng, 5);
            s.node_kind = (uint8_t)test_rng_below(&rng, 8);
            r[223] = 0;
            CHECK_OK(bsp_sidecar_pack(r, &s));
        } else {
            r[223] &= 0x00FFFFFFFFFFFFFFull; /* version 0 */
        }
        bsp_fp_to_bytes(cols[1].data + i * BSP_BYTES, r);
        int n = 0;
        if (i % 7) {
            n = snprintf((char *)cols[2].data + cols[2].offsets[i], 16, "row-%llu", (unsigned long long)i);
            cols[2].validity[i / 8] |= (uint8_t)(1u << (i % 8));
        }
        cols[2].offsets[i + 1] = cols[2].offsets[i] + (uint64_t)n;
    }
    cols[2].data_len = cols[2].offsets[N];
    bsp_batch batch = {N, 3, cols};
    bsp_write_options wo = {0};
    wo.mode = BSP_WRITE_CREATE;
    wo.max_rows_per_file = 1000; /* several fragments */
    CHECK_OK(bsp_dataset_write(path, &schema, &batch, &wo, NULL));
    for (int c = 0; c < 3; c++) bsp_column_free(&cols[c]);
    /* delete some rows so deletion vectors are in play */
    uint64_t del[3] = {BSP_ROW_ADDR(0, 5), BSP_ROW_ADDR(1, 17), BSP_ROW_ADDR(2, 999)};
    CHECK_OK(bsp_dataset_delete_rows(path, del, 3, "test", NULL));
}

/* All rows of a query as "a|b|c;" text. */
static char *rows_of(sqlite3 *db, const char *sql, const uint64_t *q, const char *text)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "prepare %s: %s\n", sql, sqlite3_errmsg(db));
        return strdup("PREPARE ERROR");
    }
    uint8_t qb[BSP_BYTES];
    if (q) {
        bsp_fp_to_bytes(qb, q);
        sqlite3_bind_blob(st, 1, qb, BSP_BYTES, SQLITE_STATIC);
    }
    if (text) sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    out[0] = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            size_t need = len + (t ? strlen(t) : 4) + 4;
            if (need >= cap) {
                cap = 2 * need;
                out = realloc(out, cap);
            }
            len += (size_t)sprintf(out + len, "%s%s", t ? t : "NULL", i + 1 < sqlite3_column_count(st) ? "|" : ";");
        }
    }
    if (rc != SQLITE_DONE) {
        free(out);
        out = malloc(strlen(sqlite3_errmsg(db)) + 16);
        sprintf(out, "ERROR: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return out;
}

static void check_same(sqlite3 *db, const char *pushed, const char *plain, const uint64_t *q, const char *text)
{
    char *a = rows_of(db, pushed, q, text), *b = rows_of(db, plain, q, text);
    if (strcmp(a, b) != 0 || strncmp(a, "ERROR", 5) == 0 || !*a) {
        fprintf(stderr, "  FAIL [%s]: results differ or are empty\n    %s\n    -> %.300s\n    %s\n    -> %.300s\n",
                test_current_, pushed, a, plain, b);
        test_checks_failed_++;
    }
    free(a);
    free(b);
}

static char *plan_of(sqlite3 *db, const char *sql)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "EXPLAIN QUERY PLAN %s", sql);
    return rows_of(db, buf, NULL, NULL);
}

static void check_plan(sqlite3 *db, const char *sql, const char *want)
{
    char *p = plan_of(db, sql);
    if (!strstr(p, want)) {
        fprintf(stderr, "  FAIL [%s]: plan of %s is \"%s\", want \"%s\"\n", test_current_, sql, p, want);
        test_checks_failed_++;
    }
    free(p);
}

static sqlite3 *open_with(const char *path)
{
    sqlite3 *db = sqltest_open();
    char sql[800];
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE t USING bindspace('%s')", path);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "create vtab: %s\n", err);
        sqlite3_free(err);
        test_checks_failed_++;
    }
    return db;
}

static void pushdown_equivalence(const char *path, uint64_t seed)
{
    sqlite3 *db = open_with(path);
    test_rng rng;
    test_rng_seed(&rng, seed);
    const char *pred = "{\"nars\":{\"min_confidence\":0.3},\"graph\":{\"cluster_id\":2}}";
    for (int qi = 0; qi < 4; qi++) {
        uint64_t q[BSP_WORDS];
        for (int w = 0; w < BSP_WORDS; w++) q[w] = test_rng_next(&rng);
        /* top-k */
        check_same(db, "SELECT rowid, distance FROM t WHERE fingerprint MATCH ?1 ORDER BY distance LIMIT 10",
                   "SELECT rowid, hamming_distance(fingerprint, ?1) d FROM t ORDER BY d, rowid LIMIT 10", q, NULL);
        /* k = N */
        check_same(db, "SELECT rowid, distance FROM t WHERE fingerprint MATCH ?1 AND k = 25",
                   "SELECT rowid, hamming_distance(fingerprint, ?1) d FROM t ORDER BY d, rowid LIMIT 25", q, NULL);
        /* LIMIT with OFFSET */
        check_same(db, "SELECT id, distance FROM t WHERE fingerprint MATCH ?1 ORDER BY distance LIMIT 7 OFFSET 5",
                   "SELECT id, hamming_distance(fingerprint, ?1) d FROM t ORDER BY d, rowid LIMIT 7 OFFSET 5", q, NULL);
        /* top-k + predicate */
        check_same(db, "SELECT rowid, distance FROM t WHERE fingerprint MATCH ?1 AND schema_passes(fingerprint, ?2) "
                       "ORDER BY distance LIMIT 10",
                   "SELECT rowid, hamming_distance(fingerprint, ?1) d FROM t WHERE +schema_passes(fingerprint, ?2) = 1 "
                   "ORDER BY d, rowid LIMIT 10", q, pred);
        /* top-k + derived-column filter */
        check_same(db, "SELECT rowid, distance, nars_c FROM t WHERE fingerprint MATCH ?1 AND nars_c >= 0.5 "
                       "ORDER BY distance LIMIT 10",
                   "SELECT rowid, hamming_distance(fingerprint, ?1) d, nars_c FROM t WHERE +nars_c >= 0.5 "
                   "ORDER BY d, rowid LIMIT 10", q, NULL);
        /* top-k + a WHERE term the table cannot take: LIMIT must not cut the top-k short */
        check_same(db, "SELECT rowid, distance FROM t WHERE fingerprint MATCH ?1 AND label LIKE 'row-1%' "
                       "ORDER BY distance LIMIT 10",
                   "SELECT rowid, hamming_distance(fingerprint, ?1) d FROM t WHERE label LIKE 'row-1%' "
                   "ORDER BY d, rowid LIMIT 10", q, NULL);
    }
    /* predicate scans and derived comparisons without a query */
    check_same(db, "SELECT rowid FROM t WHERE schema_passes(fingerprint, ?2)",
               "SELECT rowid FROM t WHERE +schema_passes(fingerprint, ?2) = 1 ORDER BY rowid", NULL, pred);
    check_same(db, "SELECT count(*) FROM t WHERE schema_version = 1 AND ani_dominant >= 3 AND nars_f < 0.7",
               "SELECT count(*) FROM t WHERE +schema_version = 1 AND +ani_dominant >= 3 AND +nars_f < 0.7", NULL, NULL);
    check_same(db, "SELECT count(*) FROM t WHERE nars_c > '0.25'",
               "SELECT count(*) FROM t WHERE +nars_c > 0.25", NULL, NULL);
    check_same(db, "SELECT rowid, label FROM t WHERE id = 1500", "SELECT rowid, label FROM t WHERE +id = 1500", NULL, NULL);
    check_same(db, "SELECT id FROM t WHERE rowid = 4294967298", "SELECT id FROM t WHERE +rowid = 4294967298", NULL, NULL);
    /* a deleted row is gone */
    char *gone = rows_of(db, "SELECT count(*) FROM t WHERE rowid = 5", NULL, NULL);
    CHECK_STR(gone, "0;");
    free(gone);
    char *cnt = rows_of(db, "SELECT count(*) FROM t", NULL, NULL);
    CHECK_STR(cnt, "2997;");
    free(cnt);
    sqlite3_close(db);
}

static void test_pushdown_random(void) { pushdown_equivalence(path_rand, 11); }
static void test_pushdown_ties(void) { pushdown_equivalence(path_ties, 12); }

static void test_explain(void)
{
    sqlite3 *db = open_with(path_rand);
    check_plan(db, "SELECT rowid FROM t WHERE fingerprint MATCH x'00' ORDER BY distance LIMIT 10", "topk(");
    check_plan(db, "SELECT rowid FROM t WHERE fingerprint MATCH x'00' AND k = 5", "topk(k=5)");
    check_plan(db, "SELECT rowid FROM t WHERE fingerprint MATCH x'00' AND schema_passes(fingerprint, "
                   "'{\"nars\":{\"min_confidence\":0.5}}') ORDER BY distance LIMIT 10",
               "predicate(nars.min_confidence)");
    check_plan(db, "SELECT rowid FROM t WHERE nars_c >= 0.5", "scan filter(nars_c>=)");
    check_plan(db, "SELECT rowid FROM t WHERE id = 7", "lookup(id)");
    sqlite3_close(db);
}

static void test_bad_input(void)
{
    sqlite3 *db = open_with(path_rand);
    char *r = rows_of(db, "SELECT rowid FROM t WHERE fingerprint MATCH x'0011' LIMIT 3", NULL, NULL);
    CHECK(strstr(r, "2048-byte") != NULL);
    free(r);
    r = rows_of(db, "SELECT rowid FROM t WHERE schema_passes(fingerprint, '{\"nars\":{\"min_confidence\":7}}')", NULL, NULL);
    CHECK(strstr(r, "nars.min_confidence") != NULL);
    free(r);
    r = rows_of(db, "SELECT rowid FROM t WHERE fingerprint MATCH zeroblob(2048) AND k = -1", NULL, NULL);
    CHECK(strstr(r, "non-negative") != NULL);
    free(r);
    char *err = NULL;
    char sql[800];
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE u USING bindspace('%s/nope.lance')", dir);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK);
    CHECK(err && strstr(err, "nope.lance"));
    sqlite3_free(err);
    sqlite3_close(db);
}

static void test_writes(void)
{
    char path[700];
    snprintf(path, sizeof path, "%s/w.lance", dir);
    make_table(path, 99, 1);
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(path, 0, &ds));
    uint64_t v0 = bsp_dataset_version(ds);
    bsp_dataset_free(ds);
    sqlite3 *db = open_with(path);
    char *err = NULL;
    /* ROLLBACK leaves the table untouched */
    CHECK(sqlite3_exec(db, "BEGIN; DELETE FROM t WHERE id < 1100; "
                           "INSERT INTO t(id, fingerprint, label) VALUES (9, fp_text('nine'), 'nine'); ROLLBACK;",
                       NULL, NULL, &err) == SQLITE_OK);
    CHECK_OK(bsp_dataset_open(path, 0, &ds));
    CHECK_EQ_U(bsp_dataset_version(ds), v0);
    bsp_dataset_free(ds);
    /* one transaction = one commit */
    CHECK(sqlite3_exec(db, "BEGIN; DELETE FROM t WHERE id < 1100; "
                           "INSERT INTO t(id, fingerprint, label) VALUES (9, fp_text('nine'), 'nine'); "
                           "UPDATE t SET label = 'changed' WHERE id = 2000; COMMIT;",
                       NULL, NULL, &err) == SQLITE_OK);
    if (err) { fprintf(stderr, "%s\n", err); sqlite3_free(err); err = NULL; }
    CHECK_OK(bsp_dataset_open(path, 0, &ds));
    CHECK_EQ_U(bsp_dataset_version(ds), v0 + 1);
    CHECK_EQ_U(bsp_dataset_count_rows(ds), N - 3 - 99 + 1);  /* 1000..1099 minus the deleted 1005 */
    bsp_dataset_free(ds);
    char *r = rows_of(db, "SELECT label, hamming_distance(fingerprint, fp_text('nine')) FROM t WHERE id = 9", NULL, NULL);
    CHECK_STR(r, "nine|0;");
    free(r);
    r = rows_of(db, "SELECT label FROM t WHERE id = 2000", NULL, NULL);
    CHECK_STR(r, "changed;");
    free(r);
    r = rows_of(db, "SELECT count(*) FROM t WHERE id < 1100", NULL, NULL);
    CHECK_STR(r, "1;");
    free(r);
    /* autocommit statement = one commit; wrong blob size is an error, nothing written */
    CHECK(sqlite3_exec(db, "INSERT INTO t(id, fingerprint) VALUES (10, x'00')", NULL, NULL, &err) != SQLITE_OK);
    CHECK(err && strstr(err, "2048-byte"));
    sqlite3_free(err);
    CHECK_OK(bsp_dataset_open(path, 0, &ds));
    CHECK_EQ_U(bsp_dataset_version(ds), v0 + 1);
    bsp_dataset_free(ds);
    sqlite3_close(db);
}

int main(void)
{
    dir = test_tmpdir("sqlvtab");
    snprintf(path_rand, sizeof path_rand, "%s/rand.lance", dir);
    snprintf(path_ties, sizeof path_ties, "%s/ties.lance", dir);
    make_table(path_rand, 1, 1);
    make_table(path_ties, 2, 0);
    RUN(test_pushdown_random);
    RUN(test_pushdown_ties);
    RUN(test_explain);
    RUN(test_bad_input);
    RUN(test_writes);
    test_rmtree(dir);
    return test_finish();
}
