/* Shared state of the Cypher → SQL translator (translate.c: clauses and patterns;
 * translate_expr.c: expressions). Strings made during a translation live in one arena
 * (tr_str / tr_fmt) freed when the translation ends, so bindings never own memory. */
#ifndef BSP_CYPHER_TRANSLATE_INTERNAL_H
#define BSP_CYPHER_TRANSLATE_INTERNAL_H

#include "cypher/sbuf.h"
#include "cypher/translate.h"

typedef enum { B_NODE, B_REL, B_VALUE } bkind;

/* A variable in scope and the SQL expressions of its parts: NODE e = id, labels, props,
 * fingerprint; REL e = id, src, dst, type, props; VALUE e[0] = the value. Hidden bindings
 * (anonymous pattern parts) have names starting with a space. */
typedef struct {
    const char *name;
    bkind kind;
    const char *e[5];
    char vtype;       /* VALUE: 'P' a path, 'R' a list of relationships (var-length), 0 unknown */
    const char *vt;   /* database graph: the alias when the node comes straight from the
                         bindspace virtual table (cy_nodes_vt), which can run a top-k */
} binding;

typedef struct {
    binding *v;
    size_t n, cap;
} scope;

typedef struct arena_str {
    struct arena_str *next;
    char s[];
} arena_str;

typedef struct {
    cy_translate_opts *opts;
    cy_plan *plan;
    arena_str *arena;
    int serial;          /* aliases _n1, _e2, _s3, ... */
    const char *standalone_sql; /* a statement that is only CALL: its result query */
    const char *topk_var; /* database graph: the node the next projection ranks by distance */
    /* the open stage */
    sbuf from, where;
    int nfrom;
    scope sc;
    bool oom;
} tr;

/* errors */
int tr_syntax(const cy_node *at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* arena strings */
const char *tr_str(tr *t, const char *s, size_t n);
const char *tr_fmt(tr *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *tr_take(tr *t, sbuf *b);   /* moves b's text into the arena */

/* scopes */
const binding *scope_find(const scope *sc, const char *name);
int scope_push(scope *sc, const binding *b);
void scope_clear(scope *sc);

/* A pattern (CY_PATTERN or one CY_PATH) with an optional WHERE node, as the FROM items and
 * conditions of a subquery that sees the variables of `outer`; *inner gets outer plus the
 * pattern's variables (free it with scope_clear). translate.c. */
int tr_subpattern(tr *t, const cy_node *pattern, const cy_node *where, const scope *outer,
                  scope *inner, sbuf *from, int *nfrom, sbuf *cond);

/* expressions (translate_expr.c) */
int tr_expr(tr *t, const cy_node *e, const scope *sc, sbuf *o);
bool tr_has_aggregate(const cy_node *e);
bool tr_has_random(const cy_node *e);   /* calls rand() / randomUUID() */
/* The value of a binding as one SQL expression (nodes/relationships via cy_node/cy_rel). */
const char *tr_binding_value(tr *t, const binding *b);
int tr_param_index(tr *t, const char *name);   /* 1-based ?N for a parameter name */

#endif
