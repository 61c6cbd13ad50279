/* Fuzz the argument paths of the HDR SQL functions: the input picks a function and builds
 * its arguments (NULL, INTEGER, REAL, TEXT or BLOB of any length, including exact 2,048-byte
 * fingerprints and XorDelta bytes); every call must return a value or an SQL error. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bindspace/sql.h"

static const char *const fns[][2] = {
    {"hamming_distance", "2"}, {"semantic_distance", "2"}, {"xor_bind", "2"}, {"popcount", "1"},
    {"schema_version", "1"}, {"schema_passes", "2"}, {"ani_level", "2"}, {"ani_dominant", "1"},
    {"nars_truth", "1"}, {"nars_f", "1"}, {"nars_c", "1"}, {"xor_delta", "2"}, {"xor_apply", "2"},
    {"fp_hex", "1"}, {"fp_unhex", "1"}, {"fp_random", "1"}, {"fp_text", "1"},
};

static sqlite3 *db;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db) {
        if (sqlite3_open(":memory:", &db) != SQLITE_OK || bsp_sql_register(db) != SQLITE_OK) return 0;
    }
    if (size < 2) return 0;
    size_t nf = sizeof fns / sizeof fns[0];
    const char *name = fns[data[0] % nf][0];
    int nargs = fns[data[0] % nf][1][0] - '0';
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s(%s)", name, nargs == 2 ? "?1, ?2" : "?1");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return 0;
    size_t pos = 1;
    static uint8_t fp[2048];
    for (int a = 1; a <= nargs; a++) {
        uint8_t kind = pos < size ? data[pos++] : 0;
        size_t len = pos < size ? data[pos++] : 0;
        if (len > size - pos) len = size - pos;
        switch (kind % 6) {
        case 0: sqlite3_bind_null(st, a); break;
        case 1: {
            int64_t v = 0;
            memcpy(&v, data + pos, len < 8 ? len : 8);
            sqlite3_bind_int64(st, a, v);
            break;
        }
        case 2: sqlite3_bind_double(st, a, (double)len / 7.0); break;
        case 3: sqlite3_bind_text(st, a, (const char *)data + pos, (int)len, SQLITE_TRANSIENT); break;
        case 4: sqlite3_bind_blob(st, a, data + pos, (int)len, SQLITE_TRANSIENT); break;
        case 5: /* a full fingerprint built from the remaining bytes */
            memset(fp, 0, sizeof fp);
            memcpy(fp, data + pos, size - pos < sizeof fp ? size - pos : sizeof fp);
            sqlite3_bind_blob(st, a, fp, sizeof fp, SQLITE_TRANSIENT);
            break;
        }
        pos += len;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
    }
    sqlite3_finalize(st);
    return 0;
}
