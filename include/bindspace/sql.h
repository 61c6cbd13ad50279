/* The SQLite layer: HDR functions and the `bindspace` virtual table module.
 * Loadable: `.load libbindspace_sqlite` (entry point sqlite3_bindspace_init). Linked: call
 * bsp_sql_register on a connection. See docs/sql.md. */
#ifndef BINDSPACE_SQL_H
#define BINDSPACE_SQL_H

#ifdef __cplusplus
extern "C" {
#endif

struct sqlite3;

/* Register the functions and the virtual table module on db. Returns an SQLite result code. */
int bsp_sql_register(struct sqlite3 *db);

#ifdef __cplusplus
}
#endif
#endif
