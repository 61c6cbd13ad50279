/* The Cypher session and the pieces of execution shared by exec.c (statements and results),
 * exec_create.c (CREATE), exec_call.c (CALL) and graph_db.c (a bindspace database as the graph). */
#ifndef BSP_CYPHER_EXEC_INTERNAL_H
#define BSP_CYPHER_EXEC_INTERNAL_H

#include "bindspace/cypher.h"
#include "cypher/translate.h"
#include "sql/sqlite_api.h"

#define CY_PLAN_CACHE 16

typedef struct {
    char *query;         /* statement text (NULL: free slot) */
    cy_plan plan;
    sqlite3_stmt *stmt;  /* its prepared query, kept between runs */
    uint64_t used;
} cy_cached;

struct bsp_cypher_session {
    sqlite3 *db;
    char *dbdir;      /* a bindspace database directory, or NULL for the in-memory graph */
    int temp_serial;  /* names of temporary tables */
    cy_cached cache[CY_PLAN_CACHE];
    uint64_t tick;
    sqlite3_stmt *param_stmt;  /* SELECT ?1: integer parameters without a parse */
};

/* The translator's own SQL helpers (translate_sqlfn.c). */
int cy_translate_register(sqlite3 *db);

/* Forget every cached plan (exec.c). */
void cy_cache_clear(bsp_cypher_session *s);

/* Create a C step's temporary table and prepare the INSERT of one of its rows
 * (exec_create.c). */
int cy_step_table(bsp_cypher_session *s, const cy_step *st, sqlite3_stmt **ins);

/* Run a CREATE step whose input query `in` is prepared and bound. */
int cy_exec_create(bsp_cypher_session *s, const cy_step *st, sqlite3_stmt *in,
                   bsp_cypher_stats *stats);

/* Run a CALL step whose input query `in` is prepared and bound (exec_call.c). */
int cy_exec_call(bsp_cypher_session *s, const cy_step *st, sqlite3_stmt *in);

/* graph_db.c: cy_nodes / cy_edges (and cy_nodes_vt) over a database's Lance tables. */
int cy_graph_attach(bsp_cypher_session *s, const char *dbdir);

#endif
