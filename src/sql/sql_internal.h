/* Internal pieces of the SQLite layer shared by its files: registration of the scalar
 * HDR functions and of the virtual table module, and argument helpers. */
#ifndef BSP_SQL_INTERNAL_H
#define BSP_SQL_INTERNAL_H

#include <stdint.h>

#include "bindspace/fp.h"
#include "sql/sqlite_api.h"

int sqlfn_register(sqlite3 *db);          /* functions.c */
int sqlvtab_register(sqlite3 *db);        /* vtab.c */

/* Read a fingerprint argument: 1 = ok (r filled), 0 = SQL NULL (caller returns NULL),
 * -1 = error already reported on ctx (wrong type or length). `fn` and `argi` go into the
 * message: "hamming_distance: argument 2 must be a 2048-byte BLOB, got 12 bytes". */
int sqlfn_fp_arg(sqlite3_context *ctx, sqlite3_value *v, const char *fn, int argi,
                 uint64_t r[BSP_WORDS]);
void sqlfn_result_fp(sqlite3_context *ctx, const uint64_t r[BSP_WORDS]);
void sqlfn_schema_passes(sqlite3_context *ctx, int argc, sqlite3_value **argv);

#endif
