/* Cypher → SQL: the plan a statement becomes.
 *
 * A read-only statement is one SELECT: every clause adds to a "stage" (FROM items and WHERE
 * conditions over cy_nodes / cy_edges and the table functions), and WITH / RETURN close the
 * stage into a subquery the next stage reads. Updating clauses (CREATE) and procedure calls
 * cannot be one SELECT: the stage so far becomes an input query, the executor performs the
 * update row by row in C, and writes the rows (with the new variables) into a temporary
 * table the next stage reads. So a plan is a list of steps; explain prints their SQL.
 *
 * A variable lives in SQL as columns named after it: a node x as "x" (id), "x:l" (labels),
 * "x:p" (properties), "x:f" (fingerprint); a relationship as "x", "x:s", "x:d", "x:t", "x:p";
 * any other value as "x". */
#ifndef BSP_CYPHER_TRANSLATE_H
#define BSP_CYPHER_TRANSLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "cypher/ast.h"

typedef enum { PS_QUERY, PS_CREATE, PS_CALL } ps_kind;

/* One element CREATE makes. A reference to a node is >= 0: that input column holds its id;
 * < 0: the node made by op -(ref + 1) of the same row. */
typedef struct {
    bool is_rel;
    int labels_col;  /* node: input column with the labels List */
    int props_col;   /* input column with the properties Map, or -1 */
    char *type;      /* rel */
    int src, dst;    /* rel endpoints (references) */
    int out_col;     /* first output column of the new variable, or -1 (anonymous) */
} cy_create_op;

typedef struct {
    ps_kind kind;
    char *sql;          /* PS_QUERY: the statement; PS_CREATE / PS_CALL: the input query */
    char *table;        /* PS_CREATE / PS_CALL: the temporary table written */
    char **out_cols;    /* its columns */
    size_t nout;
    size_t ncarry;      /* input columns copied unchanged to the first ncarry outputs */
    cy_create_op *ops;  /* PS_CREATE */
    size_t nops;
    char *proc;         /* PS_CALL: canonical procedure name */
    size_t nargs;       /* PS_CALL: argument columns follow the carried ones */
    int *yield_field;   /* PS_CALL: for each yielded output, the procedure's column index */
    size_t nyield;
} cy_step;

typedef struct {
    cy_step *steps;
    size_t nsteps;
    char **params;      /* parameter names; ?N in the SQL is params[N-1] */
    size_t nparams;
    char **columns;     /* result column names of the last step */
    size_t ncolumns;
    bool updates;       /* the statement changes the graph */
} cy_plan;

typedef struct {
    bool db_mode;       /* graph relations are views over Lance tables */
    int temp_serial;    /* temporary table names _t<serial> stay unique per session */
} cy_translate_opts;

/* Translate a parsed statement. Errors: BSP_EINVAL with "SyntaxError: ..." (undefined
 * variables, type conflicts, misplaced aggregates, ...). */
int cy_translate(const cy_node *root, cy_translate_opts *opts, cy_plan *out);
void cy_plan_free(cy_plan *p);

#endif
