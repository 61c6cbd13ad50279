/* Helpers for SQL tests: an in-memory connection with bindspace registered, one-value
 * queries, and the conformance record of spec §18.2 built from its hex words. */
#ifndef BSP_SQL_TEST_UTIL_H
#define BSP_SQL_TEST_UTIL_H

#include <sqlite3.h>

#include "bindspace/bindspace.h"
#include "bindspace/sql.h"
#include "spec_vectors.h"
#include "test.h"

static inline sqlite3 *sqltest_open(void)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK || bsp_sql_register(db) != SQLITE_OK) {
        fprintf(stderr, "cannot open sqlite: %s\n", db ? sqlite3_errmsg(db) : "?");
        exit(2);
    }
    return db;
}

/* The 18.2 record: words 0..207 zero, sidecar words from the spec's table. */
static inline void sqltest_record_18_2(uint64_t r[BSP_WORDS]) { spec_record_18_2(r); }

/* Run sql with up to two blob parameters; return the first column of the first row as text
 * (malloc'd; "NULL" for NULL, "ERROR: msg" on error). */
static inline char *sqltest_query(sqlite3 *db, const char *sql, const uint64_t *a, const uint64_t *b)
{
    sqlite3_stmt *st = NULL;
    char *out;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        size_t n = strlen(sqlite3_errmsg(db)) + 8;
        out = malloc(n);
        snprintf(out, n, "ERROR: %s", sqlite3_errmsg(db));
        return out;
    }
    uint8_t ba[BSP_BYTES], bb[BSP_BYTES];
    if (a) { bsp_fp_to_bytes(ba, a); sqlite3_bind_blob(st, 1, ba, BSP_BYTES, SQLITE_STATIC); }
    if (b) { bsp_fp_to_bytes(bb, b); sqlite3_bind_blob(st, 2, bb, BSP_BYTES, SQLITE_STATIC); }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
            out = strdup("NULL");
        } else {
            const char *t = (const char *)sqlite3_column_text(st, 0);
            out = strdup(t ? t : "");
        }
    } else if (rc == SQLITE_DONE) {
        out = strdup("NO ROW");
    } else {
        size_t n = strlen(sqlite3_errmsg(db)) + 8;
        out = malloc(n);
        snprintf(out, n, "ERROR: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return out;
}

#define CHECK_SQL(db, sql, a, b, want)                  \
    do {                                                \
        char *got_s_ = sqltest_query(db, sql, a, b);    \
        CHECK_STR(got_s_, want);                        \
        free(got_s_);                                   \
    } while (0)

#define CHECK_SQL_ERR(db, sql, a, b, substr)                                              \
    do {                                                                                  \
        char *got_s_ = sqltest_query(db, sql, a, b);                                      \
        if (strncmp(got_s_, "ERROR: ", 7) != 0 || !strstr(got_s_, substr)) {              \
            fprintf(stderr, "  FAIL %s:%d [%s]: %s gave \"%.200s\", want error with \"%s\"\n", \
                    __FILE__, __LINE__, test_current_, sql, got_s_, substr);              \
            test_checks_failed_++;                                                        \
        }                                                                                 \
        free(got_s_);                                                                     \
    } while (0)

#endif
