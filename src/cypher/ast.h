/* The Cypher AST: one node type for everything. A node has a kind, up to two text
 * attributes (op: an operator or flag such as "->" or "distinct"; s: a name or string
 * value), a number for literals, and children. All nodes of one parse live in an arena
 * freed at once. The S-expression printer (ast.c) is the canonical form tests compare. */
#ifndef BSP_CYPHER_AST_H
#define BSP_CYPHER_AST_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CY_QUERY, CY_UNION, CY_MATCH, CY_OPTIONAL_MATCH, CY_WHERE, CY_RETURN, CY_WITH, CY_ITEM,
    CY_STAR, CY_ORDER, CY_SORT, CY_SKIP, CY_LIMIT, CY_UNWIND, CY_CREATE, CY_CALL, CY_YIELD,
    CY_PATTERN, CY_PATH, CY_NODE, CY_REL, CY_LABELS, CY_TYPES, CY_RANGE,
    /* expressions */
    CY_BINOP, CY_UNOP, CY_PROP, CY_INDEX, CY_SLICE, CY_FUNC, CY_COUNT_STAR, CY_LIST, CY_MAP,
    CY_ENTRY, CY_CASE, CY_WHEN, CY_ELSE, CY_PARAM, CY_VAR, CY_INT, CY_FLOAT, CY_STRING,
    CY_TRUE, CY_FALSE, CY_NULL, CY_ABSENT
} cy_kind;

typedef struct cy_node {
    cy_kind kind;
    const char *op; /* static string */
    char *s;        /* arena string (name / string value) */
    size_t slen;
    int64_t i;
    double f;
    struct cy_node **kids;
    size_t nkids, cap;
    int line, col;
    char *text;     /* CY_ITEM: the expression's source text (the column name without AS) */
    size_t textlen;
    struct cy_node *arena_next;
} cy_node;

struct bsp_cypher_ast {
    cy_node *root;
    cy_node *arena; /* every node, linked for freeing */
};

cy_node *cy_new(struct bsp_cypher_ast *a, cy_kind k, int line, int col);
int cy_add(cy_node *parent, cy_node *kid);               /* BSP_ENOMEM on failure */
int cy_set_s(cy_node *n, const char *s, size_t len);     /* copies */
int cy_set_text(cy_node *n, const char *s, size_t len);  /* copies into n->text */

#endif
