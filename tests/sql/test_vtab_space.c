/* The `bindspace` virtual table over a BindSpace database: reads see the write cache (base ⊕
 * delta), top-k pushdown equals the plain query, writes go through the WAL, ROLLBACK leaves
 * the space untouched, the read-only surface zone is refused. */
#include "sql/sql_test_util.h"

#include "bindspace/space.h"

static char *dir;

static void rec_for(uint64_t i, uint64_t r[BSP_WORDS])
{
    for (int w = 0; w < BSP_WORDS; w++) r[w] = bsp_splitmix64(i * 1000003 + (uint64_t)w);
    if (i % 3) {
        bsp_sidecar s;
        memset(&s, 0, sizeof s);
        s.nars_c = (uint16_t)(i * 977 % 65529);
        s.cluster_id = (uint16_t)(i % 4);
        r[223] = 0;
        bsp_sidecar_pack(r, &s);
    } else {
        r[223] &= 0x00FFFFFFFFFFFFFFull;
    }
}

static void setup(void)
{
    bsp_space *sp;
    bsp_space_options o;
    memset(&o, 0, sizeof o);
    o.durability = BSP_DURABLE_NONE;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    uint64_t r[BSP_WORDS];
    for (uint64_t i = 0; i < 500; i++) {
        rec_for(i, r);
        CHECK_OK(bsp_space_write_at(sp, (uint16_t)(0x8000 + i), r));
    }
    CHECK_OK(bsp_space_flush(sp, NULL));
    /* unflushed changes: they live in the write cache and the WAL only */
    for (uint64_t i = 0; i < 50; i++) {
        rec_for(i + 10000, r);
        CHECK_OK(bsp_space_put(sp, (uint16_t)(0x8000 + i), r));
    }
    CHECK_OK(bsp_space_delete(sp, 0x8000 + 499));
    CHECK_OK(bsp_space_sync(sp));
    bsp_space_close(sp);
}

static sqlite3 *open_db(void)
{
    sqlite3 *db = sqltest_open();
    char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE t USING bindspace(%Q)", dir);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "create: %s\n", err);
        test_checks_failed_++;
    }
    sqlite3_free(err);
    sqlite3_free(sql);
    return db;
}

static void test_reads_through_cache(void)
{
    sqlite3 *db = open_db();
    uint64_t want[BSP_WORDS];
    rec_for(10007, want); /* address 0x8007 was rewritten after the flush */
    CHECK_SQL(db, "SELECT fingerprint = ?1 FROM t WHERE addr = 32775", want, NULL, "1");
    CHECK_SQL(db, "SELECT count(*) FROM t WHERE addr = 32768 + 499", NULL, NULL, "0");
    CHECK_SQL(db, "SELECT count(*) FROM t WHERE addr >= 32768", NULL, NULL, "499");
    /* pushdown top-k equals the plain form, with and without a predicate */
    for (int q = 0; q < 3; q++) {
        uint64_t qr[BSP_WORDS];
        rec_for(20000 + (uint64_t)q, qr);
        char *a = sqltest_query(db, "SELECT group_concat(addr || ':' || distance) FROM "
                                    "(SELECT addr, distance FROM t WHERE fingerprint MATCH ?1 ORDER BY distance LIMIT 12)", qr, NULL);
        char *b = sqltest_query(db, "SELECT group_concat(addr || ':' || d) FROM (SELECT addr, "
                                    "hamming_distance(fingerprint, ?1) d FROM t ORDER BY d, addr LIMIT 12)", qr, NULL);
        CHECK_STR(a, b);
        free(a);
        free(b);
        a = sqltest_query(db, "SELECT group_concat(addr) FROM (SELECT addr FROM t WHERE fingerprint MATCH ?1 AND "
                              "schema_passes(fingerprint, '{\"graph\":{\"cluster_id\":1}}') ORDER BY distance LIMIT 5)", qr, NULL);
        b = sqltest_query(db, "SELECT group_concat(addr) FROM (SELECT addr FROM t WHERE +schema_passes(fingerprint, "
                              "'{\"graph\":{\"cluster_id\":1}}') = 1 ORDER BY hamming_distance(fingerprint, ?1), addr LIMIT 5)", qr, NULL);
        CHECK_STR(a, b);
        free(a);
        free(b);
    }
    sqlite3_close(db);
}

static void test_writes(void)
{
    sqlite3 *db = open_db();
    char *err = NULL;
    CHECK(sqlite3_exec(db, "BEGIN; INSERT INTO t(addr, fingerprint) VALUES (36864, fp_text('rolled back')); ROLLBACK;",
                       NULL, NULL, &err) == SQLITE_OK);
    CHECK_SQL(db, "SELECT count(*) FROM t WHERE addr = 36864", NULL, NULL, "0");
    CHECK(sqlite3_exec(db, "INSERT INTO t(addr, fingerprint) VALUES (36864, fp_text('kept'));"
                           "UPDATE t SET fingerprint = fp_text('changed') WHERE addr = 32769;"
                           "DELETE FROM t WHERE addr = 32770;", NULL, NULL, &err) == SQLITE_OK);
    if (err) { fprintf(stderr, "%s\n", err); sqlite3_free(err); err = NULL; }
    CHECK_SQL(db, "SELECT hamming_distance(fingerprint, fp_text('kept')) FROM t WHERE addr = 36864", NULL, NULL, "0");
    CHECK_SQL(db, "SELECT hamming_distance(fingerprint, fp_text('changed')) FROM t WHERE addr = 32769", NULL, NULL, "0");
    CHECK_SQL(db, "SELECT count(*) FROM t WHERE addr = 32770", NULL, NULL, "0");
    /* the surface zone is read-only */
    CHECK(sqlite3_exec(db, "INSERT INTO t(addr, fingerprint) VALUES (5, fp_text('no'))", NULL, NULL, &err) != SQLITE_OK);
    CHECK(err && strstr(err, "read-only surface"));
    sqlite3_free(err);
    sqlite3_close(db);
    /* the writes are in the space (WAL) after the connection is gone */
    bsp_space *sp;
    CHECK_OK(bsp_space_open(dir, NULL, &sp));
    uint64_t r[BSP_WORDS], want[BSP_WORDS];
    bsp_label_fp(want, "kept", 4);
    CHECK_OK(bsp_space_get(sp, 36864, r));
    CHECK(memcmp(r, want, BSP_BYTES) == 0);
    CHECK(!bsp_space_is_occupied(sp, 32770));
    bsp_space_close(sp);
}

int main(void)
{
    dir = test_tmpdir("sqlspace");
    setup();
    RUN(test_reads_through_cache);
    RUN(test_writes);
    test_rmtree(dir);
    return test_finish();
}
