/* Registration of the cy_* SQL function library (value.h lists every function), split by
 * file: sqlfuncs.c (constructors, operators, access, SQL glue, the table functions
 * cy_unwind / cy_expand), sqlfuncs_builtin.c (the cy_f_* scalar functions of Cypher),
 * sqlfuncs_agg.c (the aggregates). Each returns an SQLite result code. */
#ifndef BSP_CYPHER_SQLFUNCS_H
#define BSP_CYPHER_SQLFUNCS_H

#include "sql/sqlite_api.h"
#include "util/error.h"

int cyfn_register_builtins(sqlite3 *db);    /* sqlfuncs_builtin.c */
int cyfn_register_aggregates(sqlite3 *db);  /* sqlfuncs_agg.c */
/* The function's result is an error with a printf-formatted message (at most 511 bytes). */
void cyfn_errorf(sqlite3_context *ctx, const char *fmt, ...) BSP_PRINTF(2, 3);

#endif
