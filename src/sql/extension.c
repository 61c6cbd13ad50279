/* Entry points of the SQLite layer: the loadable-extension init function (built into
 * libbindspace_sqlite.so with BSP_SQLITE_LOADABLE) and bsp_sql_register for programs that
 * link SQLite themselves (the `bindspace sql` command). */
#include "bindspace/sql.h"
#include "sql/sql_internal.h"

#ifdef BSP_SQLITE_LOADABLE
SQLITE_EXTENSION_INIT1
#endif

int bsp_sql_register(sqlite3 *db)
{
    int rc = sqlfn_register(db);
    if (rc == SQLITE_OK) rc = sqlvtab_register(db);
    return rc;
}

#ifdef BSP_SQLITE_LOADABLE
__attribute__((visibility("default"))) int sqlite3_bindspace_init(sqlite3 *db, char **pzErrMsg,
                                                                  const sqlite3_api_routines *pApi)
{
    SQLITE_EXTENSION_INIT2(pApi);
    int rc = bsp_sql_register(db);
    if (rc != SQLITE_OK && pzErrMsg) *pzErrMsg = sqlite3_mprintf("bindspace: registration failed (%d)", rc);
    return rc;
}

/* The name SQLite derives from the file name libbindspace_sqlite.so, so that a plain
 * `.load libbindspace_sqlite` (no entry point argument) works. */
__attribute__((visibility("default"))) int sqlite3_bindspacesqlite_init(sqlite3 *db, char **pzErrMsg,
                                                                        const sqlite3_api_routines *pApi)
{
    return sqlite3_bindspace_init(db, pzErrMsg, pApi);
}
#endif
