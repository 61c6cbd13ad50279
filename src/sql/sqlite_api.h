/* Which SQLite API the SQL layer calls. The same sources build twice: into the `bindspace`
 * CLI (linked against libsqlite3) and into the loadable extension libbindspace_sqlite.so,
 * where every sqlite3_* call must go through the host's API table (sqlite3ext.h). */
#ifndef BSP_SQL_SQLITE_API_H
#define BSP_SQL_SQLITE_API_H

#ifdef BSP_SQLITE_LOADABLE
#include <sqlite3ext.h>
extern const sqlite3_api_routines *sqlite3_api;
#else
#include <sqlite3.h>
#endif

#endif
