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
    CY_TRUE, CY_FALSE, CY_NULL, CY_ABSENT,
    /* Added after the translator started; printed name first, then the children in order.
     * "_" is a CY_ABSENT child. Nothing above this line changed shape.
     *
     * CY_HAS_LABELS  (has-labels e (labels A B))   label predicate `e:A:B`; kids: expression,
     *                                               CY_LABELS of CY_VAR names.
     * CY_LIST_COMP   (list-comp x list pred proj)  `[x IN list WHERE pred | proj]`; kids:
     *                                               CY_VAR, list, pred or _, proj or _.
     * CY_PATTERN_COMP (pattern-comp (path ...) pred proj)  `[p = (a)-->(b) WHERE pred | proj]`;
     *                                               kids: CY_PATH (s = path variable, may be
     *                                               unset), pred or _, proj (required).
     * CY_PATTERN_PRED (pattern-pred (path ...))    a relationship pattern used as an expression
     *                                               (`WHERE (a)-[:T]->(b)`); kid: CY_PATH with
     *                                               at least one CY_REL, no path variable. Only
     *                                               inside a WHERE predicate (also the WHERE of
     *                                               a comprehension or quantifier).
     * CY_QUANT       (quant any x list pred)        op = "any" | "all" | "none" | "single";
     *                                               kids: CY_VAR, list, pred or _.
     * CY_REDUCE      (reduce acc init x list expr)  `reduce(acc = init, x IN list | expr)`;
     *                                               kids: CY_VAR acc, init, CY_VAR x, list, expr.
     * CY_MAP_PROJ    (map-proj n (a (prop n a)) * (k e))  `n{.a, .*, k: e, v}`; kids: subject
     *                                               (CY_VAR), then elements in source order:
     *                                               CY_ENTRY (s = key, kid = value; `.a` becomes
     *                                               a: n.a and `v` becomes v: v) or CY_STAR
     *                                               (`.*`, all properties of the subject).
     * CY_SET         (set item...)                  SET clause; kids: CY_SET_ITEM.
     * CY_SET_ITEM    printed as its op:
     *                  (= (prop n p) e)    SET n.p = e     kids: CY_PROP target, value
     *                  (= n e)             SET n = e       kids: CY_VAR, value
     *                  (+= n e)            SET n += e      kids: CY_VAR, value
     *                  (set-labels n (labels A B))  SET n:A:B   kids: CY_VAR, CY_LABELS
     *                  (remove-prop (prop n p))     REMOVE n.p  kid: CY_PROP
     *                  (remove-labels n (labels A)) REMOVE n:A  kids: CY_VAR, CY_LABELS
     * CY_REMOVE      (remove item...)               REMOVE clause; kids: CY_SET_ITEM.
     * CY_DELETE      (delete [detach] e...)         op = "detach" or unset; kids: expressions.
     * CY_MERGE       (merge (pattern (path ...)) (on create ...) (on match ...))
     *                                               kids: CY_PATTERN with exactly one CY_PATH,
     *                                               then CY_ON actions in source order.
     * CY_ON          (on create item...)            op = "create" | "match"; kids: CY_SET_ITEM.
     * CY_EXISTS      (exists (query ...))           `EXISTS { ... }`; kid: CY_QUERY or CY_UNION.
     *                                               The short form `EXISTS { (a)-->(b) WHERE p }`
     *                                               becomes (query (match (pattern ...) (where p))).
     */
    CY_HAS_LABELS, CY_LIST_COMP, CY_PATTERN_COMP, CY_PATTERN_PRED, CY_QUANT, CY_REDUCE,
    CY_MAP_PROJ, CY_SET, CY_SET_ITEM, CY_REMOVE, CY_DELETE, CY_MERGE, CY_ON, CY_EXISTS
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
/* Deep copy of a subtree into the same arena (NULL when out of memory). Used where one
 * source expression stands in two places, e.g. b in `a < b < c`. */
cy_node *cy_clone(struct bsp_cypher_ast *a, const cy_node *n);

#endif
