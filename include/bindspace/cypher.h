/* Cypher front end: parse a Cypher statement into an AST, print the AST as a canonical
 * S-expression, and call the hdr.* procedures of spec §17 by name.
 *
 * Parse errors are BSP_EINVAL with bsp_errmsg() = "line:column: expected X, got 'Y'"
 * (1-based, columns count bytes). Execution: a statement is translated to SQL over the
 * SQLite layer and run there (docs/cypher.md). */
#ifndef BINDSPACE_CYPHER_H
#define BINDSPACE_CYPHER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bsp_cypher_ast bsp_cypher_ast;

/* Parse text[0..len) (one statement; a trailing ';' is allowed). */
int bsp_cypher_parse(const char *text, size_t len, bsp_cypher_ast **out);
/* The canonical S-expression of the AST (malloc'd; caller frees). */
int bsp_cypher_ast_sexpr(const bsp_cypher_ast *ast, char **out);
void bsp_cypher_ast_free(bsp_cypher_ast *ast);

/* ---- execution ----
 * A session holds a SQLite connection with the graph relations. Opened on a bindspace
 * database directory (nodes.lance, edges.lance) or, with db = NULL, on an empty in-memory
 * graph (the TCK runs each scenario on a fresh one). */
typedef struct bsp_cypher_session bsp_cypher_session;
typedef struct bsp_cypher_result bsp_cypher_result;

int bsp_cypher_open(const char *db, bsp_cypher_session **out);
void bsp_cypher_close(bsp_cypher_session *s);

/* A query parameter: its value is Cypher literal text ("1", "'x'", "[1, 2.5]", "{a: null}"). */
typedef struct bsp_cypher_param {
    const char *name;
    const char *literal;
} bsp_cypher_param;

/* Run one statement. On failure bsp_errmsg() starts with the openCypher error class and
 * phase words the TCK uses: "SyntaxError: 1:8: ...", "TypeError: ...", "ArgumentError: ...",
 * "SemanticError: ..."; *out is NULL. */
int bsp_cypher_exec(bsp_cypher_session *s, const char *query, const bsp_cypher_param *params,
                    size_t nparams, bsp_cypher_result **out);
/* The SQL statements a query runs, one per line (malloc'd). */
int bsp_cypher_explain(bsp_cypher_session *s, const char *query, char **sql);

size_t bsp_cypher_result_ncols(const bsp_cypher_result *r);
const char *bsp_cypher_result_colname(const bsp_cypher_result *r, size_t col);
size_t bsp_cypher_result_nrows(const bsp_cypher_result *r);
/* A cell in the TCK literal form: null, 1, 1.0, 'a', [1, 2], {k: 1}, (:L {k: 1}), [:T], <...>. */
const char *bsp_cypher_result_cell(const bsp_cypher_result *r, size_t row, size_t col);
/* A cell as JSON (nodes {"id":..,"labels":..,"properties":..}). */
const char *bsp_cypher_result_json(const bsp_cypher_result *r, size_t row, size_t col);

/* What a statement changed (the TCK's side effects). */
typedef struct bsp_cypher_stats {
    uint64_t nodes_created, nodes_deleted, rels_created, rels_deleted;
    uint64_t labels_added, labels_removed, props_set;
} bsp_cypher_stats;
void bsp_cypher_result_stats(const bsp_cypher_result *r, bsp_cypher_stats *out);
void bsp_cypher_result_free(bsp_cypher_result *r);

/* ---- hdr.* procedures (spec §17) ---- */
typedef enum {
    BSP_CY_NULL = 0,
    BSP_CY_BOOL,
    BSP_CY_INT,
    BSP_CY_FLOAT,
    BSP_CY_STRING,
    BSP_CY_VECTOR, /* a 2,048-byte record */
    BSP_CY_MAP     /* a map argument, carried as its JSON text in s */
} bsp_cy_type;

typedef struct {
    bsp_cy_type type;
    int64_t i;          /* BOOL (0/1), INT */
    double f;           /* FLOAT */
    const char *s;      /* STRING, MAP (JSON); not owned */
    size_t len;         /* length of s */
    const uint8_t *vec; /* VECTOR: BSP_BYTES bytes; not owned */
    size_t vec_len;     /* must be 2,048 */
} bsp_cy_value;

/* One result row: named columns. Vector results point into row-owned storage. */
#define BSP_CY_MAX_COLS 9
typedef struct {
    int ncols;
    const char *names[BSP_CY_MAX_COLS];
    bsp_cy_value vals[BSP_CY_MAX_COLS];
    uint8_t vec[2048]; /* storage of a VECTOR result (hdr.bind's result, ...) */
} bsp_cy_row;

/* The context procedures run in: the records hdr.search scans (node zone, addressed by
 * position) and the cleanup memory of hdr.cleanup / hdr.retrieve. Both may be empty. */
typedef struct {
    const uint64_t *records; /* n records of 256 words, position = node address */
    size_t n;
    const uint64_t *cleanup; /* m records of 256 words */
    size_t m;
} bsp_cy_context;

/* Call procedure name with args; on success *rows (malloc'd, free()) holds *nrows rows. */
int bsp_cypher_call(const bsp_cy_context *ctx, const char *name, const bsp_cy_value *args,
                    size_t nargs, bsp_cy_row **rows, size_t *nrows);

/* Canonical name of a procedure or alias (NULL if unknown). */
const char *bsp_cypher_procedure_canonical(const char *name);
/* Its yield fields in order, comma-separated ("node,distance,similarity"; NULL if unknown). */
const char *bsp_cypher_procedure_yields(const char *name);

#ifdef __cplusplus
}
#endif
#endif
