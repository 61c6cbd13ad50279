/* The HDR SQL functions of spec §16 on the conformance records of §18. */
#include "sql/sql_test_util.h"

static uint64_t zero[BSP_WORDS], rec[BSP_WORDS], b186[BSP_WORDS];

static void setup(void)
{
    memset(zero, 0, sizeof zero);
    sqltest_record_18_2(rec);
    memset(b186, 0, sizeof b186);
    b186[0] = 0xFFFF;
    b186[210] = ~0ull;
}

static void test_distances(void)
{
    sqlite3 *db = sqltest_open();
    CHECK_SQL(db, "SELECT hamming_distance(?1, ?2)", zero, b186, "80");
    CHECK_SQL(db, "SELECT semantic_distance(?1, ?2)", zero, b186, "16");
    CHECK_SQL(db, "SELECT popcount(?1)", b186, NULL, "80");
    CHECK_SQL(db, "SELECT hamming_distance(?1, fp_unhex(fp_hex(?1)))", rec, NULL, "0");
    CHECK_SQL(db, "SELECT hamming_distance(xor_bind(?1, ?2), ?2) = hamming_distance(?1, zeroblob(2048))",
              rec, b186, "1");
    CHECK_SQL(db, "SELECT schema_version(xor_bind(?1, ?1))", rec, NULL, "0");
    sqlite3_close(db);
}

static void test_metadata(void)
{
    sqlite3 *db = sqltest_open();
    CHECK_SQL(db, "SELECT nars_truth(?1)", rec, NULL, "{\"f\":0.800000012,\"c\":0.600000024}");
    CHECK_SQL(db, "SELECT nars_f(?1) = 0.80000001192092896", rec, NULL, "1");
    CHECK_SQL(db, "SELECT ani_level(?1, 3)", rec, NULL, "500");
    CHECK_SQL(db, "SELECT ani_level(?1, 4)", rec, NULL, "200");
    CHECK_SQL(db, "SELECT ani_level(?1, 8)", rec, NULL, "NULL");
    CHECK_SQL(db, "SELECT ani_level(?1, -1)", rec, NULL, "NULL");
    CHECK_SQL(db, "SELECT ani_dominant(?1)", rec, NULL, "3");
    CHECK_SQL(db, "SELECT schema_version(?1)", rec, NULL, "1");
    /* version 0: metadata functions give NULL */
    CHECK_SQL(db, "SELECT nars_truth(?1)", zero, NULL, "NULL");
    CHECK_SQL(db, "SELECT nars_c(?1)", zero, NULL, "NULL");
    CHECK_SQL(db, "SELECT ani_dominant(?1)", zero, NULL, "NULL");
    CHECK_SQL(db, "SELECT ani_level(?1, 0)", zero, NULL, "NULL");
    CHECK_SQL(db, "SELECT schema_version(?1)", zero, NULL, "0");
    sqlite3_close(db);
}

static void test_schema_passes(void)
{
    sqlite3 *db = sqltest_open();
    CHECK_SQL(db, "SELECT schema_passes(?1, '{}')", rec, NULL, "1");
    CHECK_SQL(db, "SELECT schema_passes(?1, '{\"ani\":{\"min_level\":3,\"min_activation\":501}}')", rec, NULL, "0");
    CHECK_SQL(db, "SELECT schema_passes(?1, '{\"bloom\":{\"node_id\":42}}')", rec, NULL, "1");
    CHECK_SQL(db, "SELECT schema_passes(?1, '{\"nars\":{\"min_confidence\":0}}')", zero, NULL, "0");
    CHECK_SQL_ERR(db, "SELECT schema_passes(?1, '{\"nars\":{\"min_confidence\":1.5}}')", rec, NULL,
                  "nars.min_confidence");
    CHECK_SQL_ERR(db, "SELECT schema_passes(?1, '{\"foo\":1}')", rec, NULL, "foo");
    CHECK_SQL_ERR(db, "SELECT schema_passes(?1, 42)", rec, NULL, "predicate JSON");
    CHECK_SQL(db, "SELECT schema_passes(?1, NULL)", rec, NULL, "NULL");
    /* the compiled predicate is reused across rows of one statement */
    CHECK_SQL(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<100) "
                  "SELECT sum(schema_passes(?1, '{\"graph\":{\"cluster_id\":42}}')) FROM n", rec, NULL, "100");
    sqlite3_close(db);
}

static void test_deltas(void)
{
    sqlite3 *db = sqltest_open();
    uint64_t b[BSP_WORDS];
    memset(b, 0, sizeof b);
    b[0] = 0xFF;
    b[65] = 0x0102030405060708ull;
    b[255] = 0x8000000000000000ull;
    CHECK_SQL(db, "SELECT hex(xor_delta(?1, ?2))", zero, b,
              "0100000000000000020000000000000000000000000000000000000000000080"
              "FF0000000000000008070605040302010000000000000080");
    CHECK_SQL(db, "SELECT xor_apply(?1, xor_delta(?1, ?2)) = ?2", zero, b, "1");
    CHECK_SQL(db, "SELECT xor_apply(?2, xor_delta(?1, ?2)) = ?1", rec, b, "1");
    CHECK_SQL_ERR(db, "SELECT xor_apply(?1, zeroblob(31))", zero, NULL, "xor_apply");
    CHECK_SQL_ERR(db, "SELECT xor_apply(?1, 'abc')", zero, NULL, "XorDelta BLOB");
    sqlite3_close(db);
}

static void test_nulls_and_errors(void)
{
    sqlite3 *db = sqltest_open();
    CHECK_SQL(db, "SELECT hamming_distance(NULL, ?1)", zero, NULL, "NULL");
    CHECK_SQL(db, "SELECT xor_bind(?1, NULL)", zero, NULL, "NULL");
    CHECK_SQL(db, "SELECT popcount(NULL)", NULL, NULL, "NULL");
    CHECK_SQL(db, "SELECT fp_unhex(NULL)", NULL, NULL, "NULL");
    CHECK_SQL_ERR(db, "SELECT hamming_distance(?1, zeroblob(2047))", zero, NULL, "got 2047 bytes");
    CHECK_SQL_ERR(db, "SELECT hamming_distance(x'00', x'00')", NULL, NULL, "argument 1");
    CHECK_SQL_ERR(db, "SELECT semantic_distance(?1, 'text')", zero, NULL, "got TEXT");
    CHECK_SQL_ERR(db, "SELECT popcount(42)", NULL, NULL, "got an INTEGER");
    CHECK_SQL_ERR(db, "SELECT ani_level(?1, 'x')", rec, NULL, "INTEGER");
    CHECK_SQL_ERR(db, "SELECT fp_unhex('abc')", NULL, NULL, "4096");
    CHECK_SQL_ERR(db, "SELECT fp_random('x')", NULL, NULL, "INTEGER");
    sqlite3_close(db);
}

static void test_encoders(void)
{
    sqlite3 *db = sqltest_open();
    CHECK_SQL(db, "SELECT fp_random(7) = fp_random(7)", NULL, NULL, "1");
    CHECK_SQL(db, "SELECT fp_random(7) = fp_random(8)", NULL, NULL, "0");
    CHECK_SQL(db, "SELECT length(fp_random(1))", NULL, NULL, "2048");
    /* 18.5: label fingerprint("CAUSES") word 0 and semantic popcount */
    CHECK_SQL(db, "SELECT lower(hex(substr(fp_text('CAUSES'), 1, 8)))", NULL, NULL, "5dfecd7adcaf8fb6");
    CHECK_SQL(db, "SELECT popcount(fp_text('CAUSES'))", NULL, NULL, "6583");
    CHECK_SQL(db, "SELECT schema_version(fp_text('CAUSES'))", NULL, NULL, "0");
    sqlite3_close(db);
}

int main(void)
{
    setup();
    RUN(test_distances);
    RUN(test_metadata);
    RUN(test_schema_passes);
    RUN(test_deltas);
    RUN(test_nulls_and_errors);
    RUN(test_encoders);
    return test_finish();
}
