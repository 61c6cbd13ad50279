/* Cypher front end: parse a Cypher statement into an AST, print the AST as a canonical
 * S-expression, and call the hdr.* procedures of spec §17 by name.
 *
 * Parse errors are BSP_EINVAL with bsp_errmsg() = "line:column: expected X, got 'Y'"
 * (1-based, columns count bytes). Translation to SQL and execution are not built yet
 * (docs/cypher.md). */
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

#ifdef __cplusplus
}
#endif
#endif
