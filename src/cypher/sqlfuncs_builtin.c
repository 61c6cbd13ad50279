/* The scalar functions of Cypher as SQL functions cy_f_<lower-case name> (value.h). */
#include "cypher/sqlfuncs.h"
#include "cypher/value.h"

int cyfn_register_builtins(sqlite3 *db)
{
    (void)db;
    return SQLITE_OK;
}
