/* Recursive-descent Cypher parser: clauses (MATCH, OPTIONAL MATCH, WHERE, WITH, RETURN,
 * ORDER BY, SKIP, LIMIT, UNWIND, CREATE, CALL ... YIELD, UNION) and expressions with
 * openCypher precedence: OR < XOR < AND < NOT < comparison < string/list/null predicates
 * < + - < * / % < ^ < unary minus < postfix (.key, [i], [a..b]) < atom.
 * One token of lookahead; a dotted name (a.b.c) is scanned ahead on a copy of the lexer to
 * tell a function call (hdr.hamming(...)) from property access. Patterns only appear after
 * MATCH/CREATE, so a parenthesised expression is never mistaken for a node pattern. Errors name line:column, what was expected and the
 * token found. Nesting depth is bounded so hostile input cannot exhaust the stack. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bindspace/cypher.h"
#include "cypher/ast.h"
#include "cypher/lexer.h"
#include "util/error.h"

#define MAX_DEPTH 200

typedef struct {
    cy_lexer lx;
    cy_token tok;
    bsp_cypher_ast *ast;
    int depth;
    const char *prev_end; /* end of the last consumed token in the source */
    cy_node *pending;   /* an atom already parsed on speculation; atom() returns it next */
    uint8_t *not_path;  /* bit per source byte: a speculative path parse failed here */
    int in_where;       /* parsing a WHERE predicate: pattern predicates are allowed */
    int in_create;      /* parsing CREATE's pattern: `(n $props)` is allowed */
    int in_rel;         /* inside a relationship's [...]: errors are InvalidRelationshipPattern */
    size_t copied;      /* nodes copied to expand comparison chains, bounded by MAX_COPIED */
    const char *no_agg; /* where an aggregate may not stand ("WHERE", ...), or NULL */
} parser;

/* Expanding a < b < c copies b. Nested chains ((a < (b < c < d) < e) ...) double the copy at
 * every level, so the total is capped: real queries copy a handful of nodes. */
#define MAX_COPIED 100000

/* Parser state for speculation: the lexer, the current token (own copy of its text) and
 * the nesting depth. */
typedef struct {
    cy_lexer lx;
    cy_token tok;
    int depth, in_where, in_create, in_rel;
    const char *prev_end, *no_agg;
} pstate;

static int save(const parser *p, pstate *st)
{
    st->lx = p->lx;
    st->tok = p->tok;
    st->depth = p->depth;
    st->prev_end = p->prev_end;
    st->in_where = p->in_where;
    st->in_create = p->in_create;
    st->in_rel = p->in_rel;
    st->no_agg = p->no_agg;
    if (p->tok.text) {
        st->tok.text = malloc(p->tok.text_len + 1);
        if (!st->tok.text) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        memcpy(st->tok.text, p->tok.text, p->tok.text_len + 1);
    }
    return BSP_OK;
}

static void restore(parser *p, pstate *st)
{
    free(p->tok.text);
    p->lx = st->lx;
    p->tok = st->tok;
    p->depth = st->depth;
    p->prev_end = st->prev_end;
    p->in_where = st->in_where;
    p->in_create = st->in_create;
    p->in_rel = st->in_rel;
    p->no_agg = st->no_agg;
    p->pending = NULL;
}

static void drop(pstate *st) { free(st->tok.text); }

static size_t tok_off(const parser *p) { return (size_t)(p->tok.start - p->lx.src); }

static int not_path_at(const parser *p, size_t off)
{
    return p->not_path && (p->not_path[off / 8] >> (off % 8) & 1);
}

static void mark_not_path(parser *p, size_t off)
{
    if (!p->not_path) p->not_path = calloc(p->lx.len / 8 + 1, 1);
    if (p->not_path) p->not_path[off / 8] |= (uint8_t)(1u << (off % 8)); /* else: only slower */
}

static int advance(parser *p)
{
    free(p->tok.text);
    p->tok.text = NULL;
    if (p->tok.start) p->prev_end = p->tok.start + p->tok.len;
    return cy_lex_next(&p->lx, &p->tok);
}

static void describe(const cy_token *t, char *buf, size_t n)
{
    if (t->kind == TK_EOF) snprintf(buf, n, "end of input");
    else {
        size_t len = t->len > 40 ? 40 : t->len;
        snprintf(buf, n, "'%.*s'", (int)len, t->start);
    }
}

static int expected(parser *p, const char *what)
{
    char got[64];
    describe(&p->tok, got, sizeof got);
    return bsp_err(BSP_EINVAL, "%d:%d: %s: expected %s, got %s", p->tok.line, p->tok.col,
                   p->in_rel ? "InvalidRelationshipPattern" : "UnexpectedSyntax", what, got);
}

static int is_kw(const parser *p, const char *kw)
{
    return p->tok.kind == TK_IDENT && !p->tok.quoted && strcasecmp(p->tok.text, kw) == 0;
}

/* Whether the n-th token after the current one (n >= 1) has kind k and, when kw is given,
 * is that keyword. A lexical error ahead counts as no match (it is reported when reached). */
static int peek_is(const parser *p, int n, cy_tok_kind k, const char *kw)
{
    cy_lexer lx = p->lx;
    cy_token t = {0};
    for (int i = 0; i < n; i++) {
        free(t.text);
        t.text = NULL;
        if (cy_lex_next(&lx, &t)) return 0;
    }
    int yes = t.kind == k && (!kw || (!t.quoted && strcasecmp(t.text, kw) == 0));
    free(t.text);
    return yes;
}

static int accept_kw(parser *p, const char *kw, int *rc)
{
    if (!is_kw(p, kw)) return 0;
    *rc = advance(p);
    return 1;
}

static int expect_kind(parser *p, cy_tok_kind k, const char *what)
{
    if (p->tok.kind != k) return expected(p, what);
    return advance(p);
}

static int expect_kw(parser *p, const char *kw, const char *what)
{
    if (!is_kw(p, kw)) return expected(p, what);
    return advance(p);
}

static cy_node *mk(parser *p, cy_kind k)
{
    cy_node *n = cy_new(p->ast, k, p->tok.line, p->tok.col);
    if (!n) bsp_err(BSP_ENOMEM, "cypher: out of memory");
    return n;
}

#define TRY(x)                    \
    do {                          \
        int rc_ = (x);            \
        if (rc_) return rc_;      \
    } while (0)
#define NEW(var, k)                                     \
    cy_node *var = mk(p, k);                            \
    if (!var) return BSP_ENOMEM

/* Words that start a clause or otherwise cannot be a variable. */
static const char *const reserved[] = {
    "MATCH", "OPTIONAL", "WHERE", "RETURN", "WITH", "ORDER", "BY", "SKIP", "LIMIT", "UNWIND",
    "CREATE", "CALL", "YIELD", "UNION", "AS", "AND", "OR", "XOR", "NOT", "IN", "IS", "NULL",
    "TRUE", "FALSE", "CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT", "ASC", "DESC",
    "ASCENDING", "DESCENDING", "STARTS", "ENDS", "CONTAINS", "MERGE", "DELETE", "DETACH",
    "SET", "REMOVE", NULL};

static int is_reserved(const parser *p)
{
    if (p->tok.kind != TK_IDENT || p->tok.quoted) return 0;
    for (int i = 0; reserved[i]; i++)
        if (strcasecmp(p->tok.text, reserved[i]) == 0) return 1;
    return 0;
}

/* A name (variable, alias, label, key): any identifier when any_word, else non-reserved. */
static int name(parser *p, cy_node *n, int any_word, const char *what)
{
    if (p->tok.kind != TK_IDENT || (!any_word && is_reserved(p))) return expected(p, what);
    TRY(cy_set_s(n, p->tok.text, p->tok.text_len));
    return advance(p);
}

static int expr(parser *p, cy_node **out);
static int lookups(parser *p, cy_node **out);
static int node_pattern(parser *p, cy_node **out);
static int path_tail(parser *p, cy_node *path, int in_expr);
static int path_pattern(parser *p, cy_node **out);
static int pattern(parser *p, cy_node **out);
static int where_opt(parser *p, cy_node *owner);
static int union_query(parser *p, cy_node **out);
static int check_skip_limit(const cy_node *e, const char *what);
static int check_items(const cy_node *proj);

/* A WHERE predicate: the one place a pattern predicate may stand (openCypher TCK:
 * `RETURN (n)-->()` is UnexpectedSyntax). */
static int where_pred(parser *p, cy_node **out)
{
    int saved = p->in_where;
    p->in_where = 1;
    int rc = expr(p, out);
    p->in_where = saved;
    return rc;
}

/* The WHERE of a list comprehension, pattern comprehension or quantifier: evaluated per
 * element, so no aggregate either. */
static int elem_where(parser *p, cy_node **out)
{
    const char *saved = p->no_agg;
    p->no_agg = "in a list predicate";
    int rc = where_pred(p, out);
    p->no_agg = saved;
    return rc;
}

/* An expression evaluated once per list element (or per procedure call), where an
 * aggregate has no group to aggregate over (TCK InvalidAggregation). */
static int expr_no_agg(parser *p, const char *why, cy_node **out)
{
    const char *saved = p->no_agg;
    p->no_agg = why;
    int rc = expr(p, out);
    p->no_agg = saved;
    return rc;
}

static const char *const aggregates[] = {"count", "sum", "avg", "min", "max", "collect", "stdev", "stdevp",
                                         "percentileCont", "percentileDisc", NULL};

static int is_aggregate(const cy_node *n)
{
    if (n->kind == CY_COUNT_STAR) return 1;
    if (n->kind != CY_FUNC) return 0;
    for (int i = 0; aggregates[i]; i++)
        if (strcasecmp(n->s, aggregates[i]) == 0) return 1;
    return 0;
}

/* An aggregate in e outside nested subqueries, or NULL. */
static const cy_node *find_aggregate(const cy_node *e)
{
    if (is_aggregate(e)) return e;
    if (e->kind == CY_EXISTS) return NULL;
    for (size_t i = 0; i < e->nkids; i++) {
        const cy_node *a = find_aggregate(e->kids[i]);
        if (a) return a;
    }
    return NULL;
}

static int pattern_pred(parser *p, cy_node *path, cy_node **out)
{
    if (!p->in_where)
        return bsp_err(BSP_EINVAL, "%d:%d: UnexpectedSyntax: a pattern predicate is only allowed in WHERE "
                       "(use a pattern comprehension or EXISTS { } elsewhere)", path->line, path->col);
    NEW(pp, CY_PATTERN_PRED);
    pp->line = path->line;
    pp->col = path->col;
    TRY(cy_add(pp, path));
    *out = pp;
    return BSP_OK;
}
static int label_list(parser *p, cy_node *owner, cy_kind k);

static int enter(parser *p)
{
    if (++p->depth > MAX_DEPTH)
        return bsp_err(BSP_EINVAL, "%d:%d: nesting deeper than %d levels", p->tok.line, p->tok.col,
                       MAX_DEPTH);
    return BSP_OK;
}

/* { key: expr, ... } */
static int map_literal(parser *p, cy_node **out)
{
    NEW(m, CY_MAP);
    TRY(expect_kind(p, TK_LBRACE, "'{'"));
    if (p->tok.kind != TK_RBRACE) {
        for (;;) {
            NEW(e, CY_ENTRY);
            TRY(name(p, e, 1, "a map key"));
            TRY(expect_kind(p, TK_COLON, "':' after map key"));
            cy_node *v;
            TRY(expr(p, &v));
            TRY(cy_add(e, v));
            TRY(cy_add(m, e));
            if (p->tok.kind != TK_COMMA) break;
            TRY(advance(p));
        }
    }
    TRY(expect_kind(p, TK_RBRACE, "',' or '}' in map literal"));
    *out = m;
    return BSP_OK;
}

static int case_expr(parser *p, cy_node **out)
{
    NEW(c, CY_CASE);
    TRY(advance(p)); /* CASE */
    if (is_kw(p, "END") || is_kw(p, "ELSE")) return expected(p, "WHEN in CASE");
    if (!is_kw(p, "WHEN")) {
        cy_node *subj;
        TRY(expr(p, &subj));
        TRY(cy_add(c, subj));
    } else {
        NEW(a, CY_ABSENT);
        TRY(cy_add(c, a));
    }
    int nwhen = 0, rc = 0;
    while (accept_kw(p, "WHEN", &rc)) {
        TRY(rc);
        NEW(w, CY_WHEN);
        cy_node *cond, *res;
        TRY(expr(p, &cond));
        TRY(expect_kw(p, "THEN", "THEN after WHEN condition"));
        TRY(expr(p, &res));
        TRY(cy_add(w, cond));
        TRY(cy_add(w, res));
        TRY(cy_add(c, w));
        nwhen++;
    }
    TRY(rc);
    if (!nwhen) return expected(p, "WHEN in CASE");
    if (accept_kw(p, "ELSE", &rc)) {
        TRY(rc);
        NEW(e, CY_ELSE);
        cy_node *v;
        TRY(expr(p, &v));
        TRY(cy_add(e, v));
        TRY(cy_add(c, e));
    }
    TRY(rc);
    TRY(expect_kw(p, "END", "WHEN, ELSE or END in CASE"));
    *out = c;
    return BSP_OK;
}

static cy_node *absent(parser *p)
{
    cy_node *n = mk(p, CY_ABSENT);
    return n;
}

/* Whether the tokens after a node pattern start a relationship: -[ -- <-[ <-- */
static int rel_follows(const parser *p)
{
    if (p->tok.kind == TK_MINUS)
        return peek_is(p, 1, TK_LBRACK, NULL) || peek_is(p, 1, TK_MINUS, NULL);
    if (p->tok.kind == TK_LT)
        return peek_is(p, 1, TK_MINUS, NULL) &&
               (peek_is(p, 2, TK_LBRACK, NULL) || peek_is(p, 2, TK_MINUS, NULL));
    return 0;
}

/* A path inside an expression, on speculation: [var '='] node (rel node)+. Until a
 * relationship is seen after the first node the text may still be an expression ("(a)",
 * "(n:L)", "(1 + 2)"): then *out is NULL and the caller restores. Once a relationship
 * follows, the parse is committed (*committed) and errors are the path's. */
static int spec_path(parser *p, int allow_var, cy_node **out, int *committed)
{
    *out = NULL;
    *committed = 0;
    NEW(path, CY_PATH);
    if (allow_var && p->tok.kind == TK_IDENT) {
        TRY(name(p, path, 0, "a path variable"));
        TRY(expect_kind(p, TK_EQ, "'=' after path variable"));
    }
    cy_node *n;
    TRY(node_pattern(p, &n));
    TRY(cy_add(path, n));
    if (!rel_follows(p)) return BSP_OK;
    *committed = 1;
    TRY(path_tail(p, path, 1));
    *out = path;
    return BSP_OK;
}

/* Speculate a path at the current token. *out = the path, or NULL with the state restored
 * and the position remembered, so nested speculation stays polynomial (a failed position
 * is never tried twice). When *out is set the caller owns *st and must restore or drop it. */
static int try_path(parser *p, int allow_var, cy_node **out, pstate *st)
{
    *out = NULL;
    size_t off = tok_off(p);
    if (not_path_at(p, off)) return BSP_OK;
    TRY(save(p, st));
    int committed = 0;
    cy_node *path = NULL;
    int rc = spec_path(p, allow_var, &path, &committed);
    if (rc == BSP_ENOMEM || (rc && committed)) {
        drop(st);
        return rc;
    }
    if (rc || !path) {
        restore(p, st);
        mark_not_path(p, off);
        return BSP_OK;
    }
    *out = path;
    return BSP_OK;
}

/* After "[x IN": list [WHERE pred] [| proj] ']' */
static int list_comp(parser *p, cy_node *var, const cy_token *lbrack, cy_node **out)
{
    NEW(c, CY_LIST_COMP);
    c->line = lbrack->line;
    c->col = lbrack->col;
    TRY(advance(p)); /* IN */
    cy_node *list, *pred = NULL, *proj = NULL;
    TRY(expr(p, &list));
    int rc = 0;
    if (accept_kw(p, "WHERE", &rc)) {
        TRY(rc);
        TRY(elem_where(p, &pred));
    }
    TRY(rc);
    if (p->tok.kind == TK_PIPE) {
        TRY(advance(p));
        TRY(expr_no_agg(p, "in a list comprehension", &proj));
    }
    if (!pred && !(pred = absent(p))) return BSP_ENOMEM;
    if (!proj && !(proj = absent(p))) return BSP_ENOMEM;
    TRY(cy_add(c, var));
    TRY(cy_add(c, list));
    TRY(cy_add(c, pred));
    TRY(cy_add(c, proj));
    TRY(expect_kind(p, TK_RBRACK, "'WHERE', '|' or ']' in list comprehension"));
    *out = c;
    return BSP_OK;
}

/* '[' ... ']': list comprehension, pattern comprehension or list literal */
static int bracket(parser *p, cy_node **out)
{
    cy_token lb = p->tok; /* position only: its text is NULL */
    TRY(advance(p)); /* '[' */
    if (p->tok.kind == TK_IDENT && !is_reserved(p) && peek_is(p, 1, TK_IDENT, "IN")) {
        NEW(v, CY_VAR);
        TRY(name(p, v, 0, "a variable"));
        return list_comp(p, v, &lb, out);
    }
    if (p->tok.kind == TK_LPAREN ||
        (p->tok.kind == TK_IDENT && !is_reserved(p) && peek_is(p, 1, TK_EQ, NULL))) {
        size_t off = tok_off(p);
        pstate st;
        cy_node *path;
        TRY(try_path(p, 1, &path, &st));
        if (path) {
            int rc = 0;
            if (is_kw(p, "WHERE") || p->tok.kind == TK_PIPE) {
                drop(&st);
                NEW(c, CY_PATTERN_COMP);
                c->line = lb.line;
                c->col = lb.col;
                cy_node *pred = NULL, *proj;
                if (accept_kw(p, "WHERE", &rc)) {
                    TRY(rc);
                    TRY(elem_where(p, &pred));
                } else if (!(pred = absent(p))) return BSP_ENOMEM;
                TRY(expect_kind(p, TK_PIPE, "'|' in pattern comprehension"));
                TRY(expr_no_agg(p, "in a pattern comprehension", &proj));
                TRY(cy_add(c, path));
                TRY(cy_add(c, pred));
                TRY(cy_add(c, proj));
                TRY(expect_kind(p, TK_RBRACK, "']' after pattern comprehension"));
                *out = c;
                return BSP_OK;
            }
            if (path->s) { /* [p = (a)-->(b)]: a comparison in a list literal */
                restore(p, &st);
                mark_not_path(p, off);
            } else {
                drop(&st);
                cy_node *pp;
                TRY(pattern_pred(p, path, &pp));
                p->pending = pp; /* the first element starts with this atom */
            }
        }
    }
    NEW(l, CY_LIST);
    l->line = lb.line;
    l->col = lb.col;
    if (p->tok.kind != TK_RBRACK || p->pending) {
        for (;;) {
            cy_node *e;
            TRY(expr(p, &e));
            TRY(cy_add(l, e));
            if (p->tok.kind != TK_COMMA) break;
            TRY(advance(p));
        }
    }
    TRY(expect_kind(p, TK_RBRACK, "',' or ']' in list literal"));
    *out = l;
    return BSP_OK;
}

/* name '(' x IN list [WHERE pred] ')' for any/all/none/single */
static int quantifier(parser *p, const char *op, cy_node **out)
{
    NEW(q, CY_QUANT);
    q->op = op;
    TRY(advance(p)); /* name */
    TRY(advance(p)); /* '(' */
    NEW(v, CY_VAR);
    TRY(name(p, v, 0, "a variable"));
    TRY(expect_kw(p, "IN", "IN after the variable"));
    cy_node *list, *pred = NULL;
    TRY(expr(p, &list));
    int rc = 0;
    if (accept_kw(p, "WHERE", &rc)) {
        TRY(rc);
        TRY(elem_where(p, &pred));
    } else if (!(pred = absent(p))) return BSP_ENOMEM;
    TRY(rc);
    TRY(expect_kind(p, TK_RPAREN, "WHERE or ')' after the list"));
    TRY(cy_add(q, v));
    TRY(cy_add(q, list));
    TRY(cy_add(q, pred));
    *out = q;
    return BSP_OK;
}

/* reduce '(' acc '=' init ',' x IN list '|' expr ')' */
static int reduce_expr(parser *p, cy_node **out)
{
    NEW(r, CY_REDUCE);
    TRY(advance(p)); /* reduce */
    TRY(advance(p)); /* '(' */
    NEW(acc, CY_VAR);
    TRY(name(p, acc, 0, "an accumulator variable"));
    TRY(expect_kind(p, TK_EQ, "'=' after the accumulator"));
    cy_node *init, *list, *body;
    TRY(expr(p, &init));
    TRY(expect_kind(p, TK_COMMA, "',' after the accumulator's initial value"));
    NEW(v, CY_VAR);
    TRY(name(p, v, 0, "a variable"));
    TRY(expect_kw(p, "IN", "IN after the variable"));
    TRY(expr(p, &list));
    TRY(expect_kind(p, TK_PIPE, "'|' in reduce"));
    TRY(expr_no_agg(p, "in reduce", &body));
    TRY(expect_kind(p, TK_RPAREN, "')' after reduce"));
    TRY(cy_add(r, acc));
    TRY(cy_add(r, init));
    TRY(cy_add(r, v));
    TRY(cy_add(r, list));
    TRY(cy_add(r, body));
    *out = r;
    return BSP_OK;
}

/* subject '{' [.key | .* | key: expr | var] , ... '}' */
static int map_projection(parser *p, cy_node *subj, cy_node **out)
{
    NEW(m, CY_MAP_PROJ);
    m->line = subj->line;
    m->col = subj->col;
    TRY(cy_add(m, subj));
    TRY(advance(p)); /* '{' */
    if (p->tok.kind != TK_RBRACE) {
        for (;;) {
            if (p->tok.kind == TK_DOT) {
                TRY(advance(p));
                if (p->tok.kind == TK_STAR) {
                    NEW(st, CY_STAR);
                    TRY(advance(p));
                    TRY(cy_add(m, st));
                } else {
                    NEW(e, CY_ENTRY);
                    TRY(name(p, e, 1, "a property key or '*' after '.'"));
                    NEW(pr, CY_PROP);
                    TRY(cy_set_s(pr, e->s, e->slen));
                    cy_node *sc = cy_clone(p->ast, subj);
                    if (!sc) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
                    TRY(cy_add(pr, sc));
                    TRY(cy_add(e, pr));
                    TRY(cy_add(m, e));
                }
            } else {
                NEW(e, CY_ENTRY);
                int line = p->tok.line, col = p->tok.col;
                TRY(name(p, e, 1, "'.key', '.*', 'key: value' or a variable in map projection"));
                if (p->tok.kind == TK_COLON) {
                    TRY(advance(p));
                    cy_node *v;
                    TRY(expr(p, &v));
                    TRY(cy_add(e, v));
                } else {
                    cy_node *v = cy_new(p->ast, CY_VAR, line, col);
                    if (!v) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
                    TRY(cy_set_s(v, e->s, e->slen));
                    TRY(cy_add(e, v));
                }
                TRY(cy_add(m, e));
            }
            if (p->tok.kind != TK_COMMA) break;
            TRY(advance(p));
        }
    }
    TRY(expect_kind(p, TK_RBRACE, "',' or '}' in map projection"));
    *out = m;
    return BSP_OK;
}

/* EXISTS { pattern [WHERE pred] } or EXISTS { query }; the short form becomes the query
 * MATCH pattern [WHERE pred]. v is the already consumed EXISTS (reused as the node). */
static int exists_subquery(parser *p, cy_node *v, cy_node **out)
{
    v->kind = CY_EXISTS;
    free(v->s);
    v->s = NULL;
    v->slen = 0;
    TRY(advance(p)); /* '{' */
    int saved = p->in_where, rc;
    const char *saved_agg = p->no_agg;
    p->in_where = 0;
    p->no_agg = NULL;
    cy_node *q = NULL;
    if (p->tok.kind == TK_LPAREN || (p->tok.kind == TK_IDENT && !is_reserved(p) && peek_is(p, 1, TK_EQ, NULL))) {
        cy_node *m = mk(p, CY_MATCH), *pt;
        q = mk(p, CY_QUERY);
        rc = !m || !q ? BSP_ENOMEM : pattern(p, &pt);
        if (!rc) rc = cy_add(m, pt);
        if (!rc) rc = where_opt(p, m);
        if (!rc) rc = cy_add(q, m);
    } else rc = union_query(p, &q);
    p->in_where = saved;
    p->no_agg = saved_agg;
    TRY(rc);
    for (size_t i = 0; i < (q->kind == CY_UNION ? q->nkids : 1); i++) { /* TCK InvalidClauseComposition */
        const cy_node *sq = q->kind == CY_UNION ? q->kids[i] : q;
        for (size_t j = 0; j < sq->nkids; j++) {
            cy_kind k = sq->kids[j]->kind;
            if (k == CY_CREATE || k == CY_MERGE || k == CY_SET || k == CY_REMOVE || k == CY_DELETE)
                return bsp_err(BSP_EINVAL, "%d:%d: InvalidClauseComposition: an EXISTS subquery cannot update the graph", sq->kids[j]->line,
                               sq->kids[j]->col);
        }
    }
    TRY(cy_add(v, q));
    TRY(expect_kind(p, TK_RBRACE, "'}' after EXISTS subquery"));
    *out = v;
    return BSP_OK;
}

static int atom(parser *p, cy_node **out)
{
    if (p->pending) {
        *out = p->pending;
        p->pending = NULL;
        return BSP_OK;
    }
    cy_token *t = &p->tok;
    switch (t->kind) {
    case TK_INT: {
        if (t->u > (uint64_t)INT64_MAX)
            return bsp_err(BSP_EINVAL, "%d:%d: IntegerOverflow: integer literal too large", t->line, t->col);
        NEW(n, CY_INT);
        n->i = (int64_t)t->u;
        *out = n;
        return advance(p);
    }
    case TK_FLOAT: {
        NEW(n, CY_FLOAT);
        n->f = t->f;
        *out = n;
        return advance(p);
    }
    case TK_STRING: {
        NEW(n, CY_STRING);
        TRY(cy_set_s(n, t->text, t->text_len));
        *out = n;
        return advance(p);
    }
    case TK_PARAM: {
        NEW(n, CY_PARAM);
        TRY(cy_set_s(n, t->text, t->text_len));
        *out = n;
        return advance(p);
    }
    case TK_LPAREN: {
        pstate st;
        cy_node *path;
        TRY(try_path(p, 0, &path, &st));
        if (path) {
            drop(&st);
            return pattern_pred(p, path, out);
        }
        TRY(advance(p));
        TRY(expr(p, out));
        return expect_kind(p, TK_RPAREN, "')' after expression");
    }
    case TK_LBRACK: return bracket(p, out);
    case TK_LBRACE: return map_literal(p, out);
    case TK_BADNUM:
        return bsp_err(BSP_EINVAL, "%d:%d: InvalidNumberLiteral: malformed %s literal", t->line, t->col,
                       t->u ? "integer" : "number");
    case TK_IDENT: break;
    default: return expected(p, "an expression");
    }
    if (!t->quoted) {
        cy_kind lit = is_kw(p, "TRUE") ? CY_TRUE : is_kw(p, "FALSE") ? CY_FALSE
                                                  : is_kw(p, "NULL")  ? CY_NULL
                                                                      : CY_ABSENT;
        if (lit != CY_ABSENT) {
            NEW(n, lit);
            *out = n;
            return advance(p);
        }
        if (is_kw(p, "CASE")) return case_expr(p, out);
        if (peek_is(p, 1, TK_LPAREN, NULL) && peek_is(p, 2, TK_IDENT, NULL)) {
            static const char *const quants[] = {"any", "all", "none", "single"};
            for (int i = 0; i < 4; i++)
                if (is_kw(p, quants[i]) && peek_is(p, 3, TK_IDENT, "IN")) return quantifier(p, quants[i], out);
            if (is_kw(p, "reduce") && peek_is(p, 3, TK_EQ, NULL)) return reduce_expr(p, out);
        }
    }
    if (is_reserved(p)) return expected(p, "an expression");
    /* variable or function call name.sub(...) */
    NEW(v, CY_VAR);
    TRY(cy_set_s(v, t->text, t->text_len));
    int quoted = t->quoted;
    TRY(advance(p));
    if (p->tok.kind == TK_LBRACE && !quoted && strcasecmp(v->s, "exists") == 0)
        return exists_subquery(p, v, out);
    if (p->tok.kind == TK_LBRACE) return map_projection(p, v, out);
    if (p->tok.kind != TK_LPAREN && p->tok.kind != TK_DOT) {
        *out = v;
        return BSP_OK;
    }
    if (p->tok.kind == TK_DOT) {
        /* a dotted name is a function only if '(' follows the whole name */
        char buf[512];
        size_t n = 0;
        if (v->slen < sizeof buf) {
            memcpy(buf, v->s, v->slen);
            n = v->slen;
        }
        cy_lexer lx = p->lx;
        cy_token tk;
        int is_fn = 0;
        for (;;) {
            if (cy_lex_next(&lx, &tk)) break; /* error: not a function; reparse normally */
            if (tk.kind != TK_IDENT) {
                free(tk.text);
                break;
            }
            if (n + 1 + tk.text_len < sizeof buf) {
                buf[n++] = '.';
                memcpy(buf + n, tk.text, tk.text_len);
                n += tk.text_len;
            } else n = sizeof buf; /* too long: mark */
            free(tk.text);
            cy_token nx;
            if (cy_lex_next(&lx, &nx)) break;
            free(nx.text);
            if (nx.kind == TK_LPAREN) {
                is_fn = 1;
                break;
            }
            if (nx.kind != TK_DOT) break;
        }
        if (!is_fn) {
            *out = v;
            return BSP_OK;
        }
        if (n >= sizeof buf) return bsp_err(BSP_EINVAL, "%d:%d: function name too long", v->line, v->col);
        /* consume the name tokens up to '(' */
        while (p->tok.kind != TK_LPAREN) TRY(advance(p));
        TRY(cy_set_s(v, buf, n));
    }
    /* function call */
    TRY(advance(p)); /* '(' */
    v->kind = CY_FUNC;
    int agg = is_aggregate(v);
    if (agg && p->no_agg)
        return bsp_err(BSP_EINVAL, "%d:%d: InvalidAggregation: aggregate function %s is not allowed %s", v->line,
                       v->col, v->s, p->no_agg);
    if (strcasecmp(v->s, "count") == 0 && p->tok.kind == TK_STAR) {
        TRY(advance(p));
        NEW(c, CY_COUNT_STAR);
        c->line = v->line;
        c->col = v->col;
        TRY(expect_kind(p, TK_RPAREN, "')' after count(*"));
        *out = c;
        return BSP_OK;
    }
    int rc = 0;
    if (accept_kw(p, "DISTINCT", &rc)) v->op = "distinct";
    TRY(rc);
    if (p->tok.kind != TK_RPAREN) {
        for (;;) {
            cy_node *a;
            TRY(expr(p, &a)); /* an aggregate inside: the translator's NestedAggregation */
            TRY(cy_add(v, a));
            if (p->tok.kind != TK_COMMA) break;
            TRY(advance(p));
        }
    }
    TRY(expect_kind(p, TK_RPAREN, "',' or ')' in function call"));
    *out = v;
    return BSP_OK;
}

/* atom followed by .key, [i], [a..b] */
static int lookups(parser *p, cy_node **out)
{
    cy_node *e;
    TRY(atom(p, &e));
    for (;;) {
        if (p->tok.kind == TK_DOT) {
            TRY(advance(p));
            NEW(pr, CY_PROP);
            TRY(name(p, pr, 1, "a property key after '.'"));
            TRY(cy_add(pr, e));
            e = pr;
        } else if (p->tok.kind == TK_LBRACK) {
            TRY(advance(p));
            cy_node *a = NULL, *b = NULL;
            if (p->tok.kind != TK_DOTDOT) TRY(expr(p, &a));
            if (p->tok.kind == TK_DOTDOT) {
                TRY(advance(p));
                if (p->tok.kind != TK_RBRACK) TRY(expr(p, &b));
                NEW(sl, CY_SLICE);
                if (!a) {
                    a = mk(p, CY_ABSENT);
                    if (!a) return BSP_ENOMEM;
                }
                if (!b) {
                    b = mk(p, CY_ABSENT);
                    if (!b) return BSP_ENOMEM;
                }
                TRY(cy_add(sl, e));
                TRY(cy_add(sl, a));
                TRY(cy_add(sl, b));
                e = sl;
            } else {
                NEW(ix, CY_INDEX);
                TRY(cy_add(ix, e));
                TRY(cy_add(ix, a));
                e = ix;
            }
            TRY(expect_kind(p, TK_RBRACK, "']' after index"));
        } else break;
    }
    *out = e;
    return BSP_OK;
}

/* lookups [:Label ...]: a label predicate ends the postfix chain (openCypher grammar) */
static int postfix(parser *p, cy_node **out)
{
    cy_node *e;
    int line = p->tok.line, col = p->tok.col;
    TRY(lookups(p, &e));
    if (p->tok.kind == TK_COLON) {
        NEW(h, CY_HAS_LABELS);
        h->line = line;
        h->col = col;
        TRY(cy_add(h, e));
        TRY(label_list(p, h, CY_LABELS));
        e = h;
    }
    *out = e;
    return BSP_OK;
}

static int binop(parser *p, const char *op, cy_node *a, cy_node *b, cy_node **out)
{
    NEW(n, CY_BINOP);
    n->op = op;
    TRY(cy_add(n, a));
    TRY(cy_add(n, b));
    *out = n;
    return BSP_OK;
}

static int unop(parser *p, const char *op, cy_node *a, cy_node **out)
{
    NEW(n, CY_UNOP);
    n->op = op;
    TRY(cy_add(n, a));
    *out = n;
    return BSP_OK;
}

static int unary(parser *p, cy_node **out)
{
    if (!p->pending && (p->tok.kind == TK_MINUS || p->tok.kind == TK_PLUS)) {
        int neg = p->tok.kind == TK_MINUS;
        TRY(enter(p));
        TRY(advance(p));
        if (neg && p->tok.kind == TK_INT && p->tok.u == (UINT64_C(1) << 63)) {
            NEW(n, CY_INT);
            n->i = INT64_MIN;
            TRY(advance(p));
            /* postfix on a literal is pointless but legal: keep it simple, none */
            *out = n;
            p->depth--;
            return BSP_OK;
        }
        cy_node *a;
        TRY(unary(p, &a));
        p->depth--;
        if (!neg) {
            *out = a;
            return BSP_OK;
        }
        return unop(p, "neg", a, out);
    }
    return postfix(p, out);
}

static int power(parser *p, cy_node **out)
{
    cy_node *a;
    TRY(unary(p, &a));
    while (p->tok.kind == TK_CARET) {
        TRY(advance(p));
        cy_node *b;
        TRY(unary(p, &b));
        TRY(binop(p, "^", a, b, &a));
    }
    *out = a;
    return BSP_OK;
}

static int mult(parser *p, cy_node **out)
{
    cy_node *a;
    TRY(power(p, &a));
    for (;;) {
        const char *op = p->tok.kind == TK_STAR ? "*" : p->tok.kind == TK_SLASH ? "/"
                                                     : p->tok.kind == TK_PERCENT ? "%"
                                                                                 : NULL;
        if (!op) break;
        TRY(advance(p));
        cy_node *b;
        TRY(power(p, &b));
        TRY(binop(p, op, a, b, &a));
    }
    *out = a;
    return BSP_OK;
}

static int additive(parser *p, cy_node **out)
{
    cy_node *a;
    TRY(mult(p, &a));
    for (;;) {
        const char *op = p->tok.kind == TK_PLUS ? "+" : p->tok.kind == TK_MINUS ? "-" : NULL;
        if (!op) break;
        TRY(advance(p));
        cy_node *b;
        TRY(mult(p, &b));
        TRY(binop(p, op, a, b, &a));
    }
    *out = a;
    return BSP_OK;
}

/* STARTS WITH, ENDS WITH, CONTAINS, IN, IS [NOT] NULL */
static int predicate(parser *p, cy_node **out)
{
    cy_node *a;
    TRY(additive(p, &a));
    for (;;) {
        const char *op = NULL;
        int rc = 0;
        if (is_kw(p, "STARTS")) {
            TRY(advance(p));
            TRY(expect_kw(p, "WITH", "WITH after STARTS"));
            op = "starts-with";
        } else if (is_kw(p, "ENDS")) {
            TRY(advance(p));
            TRY(expect_kw(p, "WITH", "WITH after ENDS"));
            op = "ends-with";
        } else if (accept_kw(p, "CONTAINS", &rc)) {
            op = "contains";
        } else if (accept_kw(p, "IN", &rc)) {
            op = "in";
        } else if (accept_kw(p, "IS", &rc)) {
            TRY(rc);
            int neg = 0;
            if (accept_kw(p, "NOT", &rc)) neg = 1;
            TRY(rc);
            TRY(expect_kw(p, "NULL", neg ? "NULL after IS NOT" : "NULL or NOT after IS"));
            TRY(unop(p, neg ? "is-not-null" : "is-null", a, &a));
            continue;
        } else break;
        TRY(rc);
        cy_node *b;
        TRY(additive(p, &b));
        TRY(binop(p, op, a, b, &a));
    }
    *out = a;
    return BSP_OK;
}

static size_t count_nodes(const cy_node *n, size_t limit)
{
    size_t c = 1;
    for (size_t i = 0; i < n->nkids && c <= limit; i++) c += count_nodes(n->kids[i], limit - c);
    return c;
}

/* Comparisons chain: a < b <= c is (a < b) AND (b <= c), b copied (openCypher 9). */
static int comparison(parser *p, cy_node **out)
{
    cy_node *a, *res = NULL;
    TRY(predicate(p, &a));
    for (;;) {
        const char *op = NULL;
        switch (p->tok.kind) {
        case TK_EQ: op = "="; break;
        case TK_NE: op = "<>"; break;
        case TK_LT: op = "<"; break;
        case TK_GT: op = ">"; break;
        case TK_LE: op = "<="; break;
        case TK_GE: op = ">="; break;
        default: break;
        }
        if (!op) break;
        TRY(advance(p));
        cy_node *b, *c, *l = a;
        TRY(predicate(p, &b));
        if (res) {
            size_t n = count_nodes(a, MAX_COPIED - p->copied);
            if (n > MAX_COPIED - p->copied)
                return bsp_err(BSP_EINVAL, "%d:%d: comparison chains nested too deeply to expand", a->line, a->col);
            p->copied += n;
            if (!(l = cy_clone(p->ast, a))) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        }
        TRY(binop(p, op, l, b, &c));
        if (!res) res = c;
        else TRY(binop(p, "and", res, c, &res));
        a = b;
    }
    *out = res ? res : a;
    return BSP_OK;
}

static int not_expr(parser *p, cy_node **out)
{
    if (!p->pending && is_kw(p, "NOT")) {
        TRY(enter(p));
        TRY(advance(p));
        cy_node *a;
        TRY(not_expr(p, &a));
        p->depth--;
        return unop(p, "not", a, out);
    }
    return comparison(p, out);
}

static int and_expr(parser *p, cy_node **out)
{
    cy_node *a;
    TRY(not_expr(p, &a));
    int rc = 0;
    while (accept_kw(p, "AND", &rc)) {
        TRY(rc);
        cy_node *b;
        TRY(not_expr(p, &b));
        TRY(binop(p, "and", a, b, &a));
    }
    TRY(rc);
    *out = a;
    return BSP_OK;
}

static int xor_expr(parser *p, cy_node **out)
{
    cy_node *a;
    TRY(and_expr(p, &a));
    int rc = 0;
    while (accept_kw(p, "XOR", &rc)) {
        TRY(rc);
        cy_node *b;
        TRY(and_expr(p, &b));
        TRY(binop(p, "xor", a, b, &a));
    }
    TRY(rc);
    *out = a;
    return BSP_OK;
}

static int expr(parser *p, cy_node **out)
{
    TRY(enter(p));
    cy_node *a;
    TRY(xor_expr(p, &a));
    int rc = 0;
    while (accept_kw(p, "OR", &rc)) {
        TRY(rc);
        cy_node *b;
        TRY(xor_expr(p, &b));
        TRY(binop(p, "or", a, b, &a));
    }
    TRY(rc);
    p->depth--;
    *out = a;
    return BSP_OK;
}

/* ---- patterns ---- */

/* openCypher: properties from a parameter only in CREATE (TCK InvalidParameterUse) */
static int param_props_error(parser *p)
{
    return bsp_err(BSP_EINVAL, "%d:%d: InvalidParameterUse: properties from a parameter are only allowed in CREATE "
                   "(use {k: $p.k})",
                   p->tok.line, p->tok.col);
}

static int label_list(parser *p, cy_node *owner, cy_kind k)
{
    NEW(l, k);
    while (p->tok.kind == TK_COLON) {
        TRY(advance(p));
        NEW(nm, CY_VAR);
        TRY(name(p, nm, 1, "a label name after ':'"));
        TRY(cy_add(l, nm));
    }
    return cy_add(owner, l);
}

/* A pattern's {k: v} map: its values are expressions, where CREATE's leniency ends. */
static int pattern_props(parser *p, cy_node **out)
{
    int saved = p->in_create, saved_rel = p->in_rel;
    p->in_create = 0;
    p->in_rel = 0;
    int rc = map_literal(p, out);
    p->in_create = saved;
    p->in_rel = saved_rel;
    return rc;
}

static int node_pattern(parser *p, cy_node **out)
{
    NEW(n, CY_NODE);
    TRY(expect_kind(p, TK_LPAREN, "'(' to start a node pattern"));
    if (p->tok.kind == TK_IDENT && !is_reserved(p)) TRY(name(p, n, 0, "a variable"));
    if (p->tok.kind == TK_COLON) TRY(label_list(p, n, CY_LABELS));
    if (p->tok.kind == TK_LBRACE) {
        cy_node *m;
        TRY(pattern_props(p, &m));
        TRY(cy_add(n, m));
    } else if (p->tok.kind == TK_PARAM) {
        if (!p->in_create) return param_props_error(p);
        cy_node *m;
        TRY(atom(p, &m));
        TRY(cy_add(n, m));
    }
    TRY(expect_kind(p, TK_RPAREN, "')' after node pattern"));
    *out = n;
    return BSP_OK;
}

static int range_bound(parser *p, cy_node **out)
{
    if (p->tok.kind == TK_INT) {
        if (p->tok.u > (uint64_t)INT64_MAX)
            return bsp_err(BSP_EINVAL, "%d:%d: IntegerOverflow: integer literal too large", p->tok.line, p->tok.col);
        NEW(n, CY_INT);
        n->i = (int64_t)p->tok.u;
        *out = n;
        return advance(p);
    }
    NEW(n, CY_ABSENT);
    *out = n;
    return BSP_OK;
}

/* -[r:T1|T2 *a..b {k: v}]->  after the leading '<'? '-' */
static int rel_pattern(parser *p, int left, cy_node **out)
{
    NEW(r, CY_REL);
    TRY(expect_kind(p, TK_MINUS, "'-' in relationship pattern"));
    if (p->tok.kind == TK_LBRACK) {
        TRY(advance(p));
        p->in_rel = 1;
        if (p->tok.kind == TK_IDENT && !is_reserved(p)) TRY(name(p, r, 0, "a variable"));
        if (p->tok.kind == TK_COLON) {
            NEW(ty, CY_TYPES);
            TRY(advance(p));
            for (;;) {
                NEW(nm, CY_VAR);
                TRY(name(p, nm, 1, "a relationship type"));
                TRY(cy_add(ty, nm));
                if (p->tok.kind != TK_PIPE) break;
                TRY(advance(p));
                if (p->tok.kind == TK_COLON) TRY(advance(p)); /* :A|:B */
            }
            TRY(cy_add(r, ty));
        }
        if (p->tok.kind == TK_STAR) {
            NEW(rg, CY_RANGE);
            TRY(advance(p));
            cy_node *lo, *hi;
            TRY(range_bound(p, &lo));
            if (p->tok.kind == TK_DOTDOT) {
                TRY(advance(p));
                TRY(range_bound(p, &hi));
            } else if (lo->kind == CY_INT) {
                hi = mk(p, CY_INT);
                if (!hi) return BSP_ENOMEM;
                hi->i = lo->i;
            } else {
                hi = mk(p, CY_ABSENT);
                if (!hi) return BSP_ENOMEM;
            }
            TRY(cy_add(rg, lo));
            TRY(cy_add(rg, hi));
            TRY(cy_add(r, rg));
        }
        if (p->tok.kind == TK_LBRACE) {
            cy_node *m;
            TRY(pattern_props(p, &m));
            TRY(cy_add(r, m));
        } else if (p->tok.kind == TK_PARAM) {
            if (!p->in_create) return param_props_error(p);
            cy_node *m;
            TRY(atom(p, &m));
            TRY(cy_add(r, m));
        }
        TRY(expect_kind(p, TK_RBRACK, "']' after relationship pattern"));
        p->in_rel = 0;
    }
    TRY(expect_kind(p, TK_MINUS, "'-' after relationship pattern"));
    int right = 0;
    if (p->tok.kind == TK_GT) {
        right = 1;
        TRY(advance(p));
    }
    /* <--> and <-[]-> match either direction, like -- (openCypher); CREATE and MERGE
     * reject undirected relationships at translation */
    r->op = left && right ? "--" : left ? "<-" : right ? "->" : "--";
    *out = r;
    return BSP_OK;
}

static int path_pattern(parser *p, cy_node **out)
{
    NEW(path, CY_PATH);
    if (p->tok.kind == TK_IDENT && !is_reserved(p)) {
        TRY(name(p, path, 0, "a path variable"));
        TRY(expect_kind(p, TK_EQ, "'=' after path variable"));
    }
    cy_node *n;
    TRY(node_pattern(p, &n));
    TRY(cy_add(path, n));
    TRY(path_tail(p, path, 0));
    *out = path;
    return BSP_OK;
}

/* (rel node)* after a path's first node. In an expression the path ends before anything
 * that does not start a relationship, so `(a)-->() - 1` and `(a)-->() < x` stay operators. */
static int path_tail(parser *p, cy_node *path, int in_expr)
{
    cy_node *n;
    for (;;) {
        int left = 0;
        if (in_expr && !rel_follows(p)) break;
        if (p->tok.kind == TK_LT) {
            left = 1;
            TRY(advance(p));
        } else if (p->tok.kind != TK_MINUS) break;
        cy_node *r = NULL;
        TRY(rel_pattern(p, left, &r));
        TRY(cy_add(path, r));
        TRY(node_pattern(p, &n));
        TRY(cy_add(path, n));
    }
    return BSP_OK;
}

static int pattern(parser *p, cy_node **out)
{
    NEW(pt, CY_PATTERN);
    for (;;) {
        cy_node *path;
        TRY(path_pattern(p, &path));
        TRY(cy_add(pt, path));
        if (p->tok.kind != TK_COMMA) break;
        TRY(advance(p));
    }
    *out = pt;
    return BSP_OK;
}

/* ---- clauses ---- */

static int where_opt(parser *p, cy_node *owner)
{
    int rc = 0;
    if (!accept_kw(p, "WHERE", &rc)) return BSP_OK;
    TRY(rc);
    NEW(w, CY_WHERE);
    cy_node *e;
    TRY(where_pred(p, &e));
    TRY(cy_add(w, e));
    return cy_add(owner, w);
}

static int match_clause(parser *p, int optional, cy_node **out)
{
    NEW(m, optional ? CY_OPTIONAL_MATCH : CY_MATCH);
    if (optional) {
        TRY(advance(p));
        TRY(expect_kw(p, "MATCH", "MATCH after OPTIONAL"));
    } else TRY(advance(p));
    cy_node *pt;
    TRY(pattern(p, &pt));
    TRY(cy_add(m, pt));
    TRY(where_opt(p, m));
    *out = m;
    return BSP_OK;
}

/* RETURN / WITH body: [DISTINCT] (* | items) [ORDER BY] [SKIP] [LIMIT] */
static int projection(parser *p, cy_kind k, cy_node **out)
{
    NEW(r, k);
    TRY(advance(p));
    int rc = 0;
    if (accept_kw(p, "DISTINCT", &rc)) r->op = "distinct";
    TRY(rc);
    int any = 0;
    if (p->tok.kind == TK_STAR) {
        NEW(s, CY_STAR);
        TRY(advance(p));
        TRY(cy_add(r, s));
        any = 1;
        if (p->tok.kind == TK_COMMA) TRY(advance(p));
        else goto tail;
    }
    for (;;) {
        NEW(it, CY_ITEM);
        cy_node *e;
        if (p->tok.kind == TK_EOF || (is_reserved(p) && !is_kw(p, "NOT") && !is_kw(p, "NULL") &&
                                      !is_kw(p, "TRUE") && !is_kw(p, "FALSE") && !is_kw(p, "CASE")))
            return expected(p, any ? "an expression after ','" : "an expression or '*'");
        const char *src = p->tok.start;
        TRY(expr(p, &e));
        TRY(cy_add(it, e));
        if (src && p->prev_end > src) TRY(cy_set_text(it, src, (size_t)(p->prev_end - src)));
        if (accept_kw(p, "AS", &rc)) {
            TRY(rc);
            TRY(name(p, it, 1, "an alias after AS"));
        }
        TRY(rc);
        TRY(cy_add(r, it));
        any = 1;
        if (p->tok.kind != TK_COMMA) break;
        TRY(advance(p));
    }
tail:
    if (is_kw(p, "ORDER")) {
        TRY(advance(p));
        TRY(expect_kw(p, "BY", "BY after ORDER"));
        NEW(o, CY_ORDER);
        for (;;) {
            NEW(s, CY_SORT);
            s->op = "asc";
            cy_node *e;
            TRY(expr(p, &e));
            TRY(cy_add(s, e));
            if (accept_kw(p, "DESC", &rc) || accept_kw(p, "DESCENDING", &rc)) s->op = "desc";
            else if (!rc && (accept_kw(p, "ASC", &rc) || accept_kw(p, "ASCENDING", &rc))) s->op = "asc";
            TRY(rc);
            TRY(cy_add(o, s));
            if (p->tok.kind != TK_COMMA) break;
            TRY(advance(p));
        }
        TRY(cy_add(r, o));
    }
    if (accept_kw(p, "SKIP", &rc)) {
        TRY(rc);
        NEW(s, CY_SKIP);
        cy_node *e;
        TRY(expr(p, &e));
        TRY(check_skip_limit(e, "SKIP"));
        TRY(cy_add(s, e));
        TRY(cy_add(r, s));
    }
    TRY(rc);
    if (accept_kw(p, "LIMIT", &rc)) {
        TRY(rc);
        NEW(s, CY_LIMIT);
        cy_node *e;
        TRY(expr(p, &e));
        TRY(check_skip_limit(e, "LIMIT"));
        TRY(cy_add(s, e));
        TRY(cy_add(r, s));
    }
    TRY(rc);
    TRY(check_items(r));
    if (k == CY_WITH) TRY(where_opt(p, r));
    *out = r;
    return BSP_OK;
}

static int call_clause(parser *p, cy_node **out)
{
    NEW(c, CY_CALL);
    TRY(advance(p));
    char buf[512];
    size_t n = 0;
    for (;;) {
        if (p->tok.kind != TK_IDENT) return expected(p, "a procedure name");
        if (n + p->tok.text_len + 2 > sizeof buf)
            return bsp_err(BSP_EINVAL, "%d:%d: procedure name too long", p->tok.line, p->tok.col);
        memcpy(buf + n, p->tok.text, p->tok.text_len);
        n += p->tok.text_len;
        TRY(advance(p));
        if (p->tok.kind != TK_DOT) break;
        buf[n++] = '.';
        TRY(advance(p));
    }
    TRY(cy_set_s(c, buf, n));
    if (p->tok.kind == TK_LPAREN) {
        TRY(advance(p));
        if (p->tok.kind != TK_RPAREN) {
            for (;;) {
                cy_node *a;
                TRY(expr_no_agg(p, "in procedure arguments", &a));
                TRY(cy_add(c, a));
                if (p->tok.kind != TK_COMMA) break;
                TRY(advance(p));
            }
        }
        TRY(expect_kind(p, TK_RPAREN, "',' or ')' after procedure arguments"));
    }
    int rc = 0;
    if (accept_kw(p, "YIELD", &rc)) {
        TRY(rc);
        NEW(y, CY_YIELD);
        if (p->tok.kind == TK_STAR) {
            NEW(s, CY_STAR);
            TRY(advance(p));
            TRY(cy_add(y, s));
        } else {
            for (;;) {
                NEW(f, CY_VAR);
                TRY(name(p, f, 1, "a field name after YIELD"));
                if (accept_kw(p, "AS", &rc)) {
                    TRY(rc);
                    NEW(as, CY_ITEM);
                    TRY(name(p, as, 1, "an alias after AS"));
                    TRY(cy_add(as, f));
                    f = as;
                }
                TRY(rc);
                TRY(cy_add(y, f));
                if (p->tok.kind != TK_COMMA) break;
                TRY(advance(p));
            }
        }
        TRY(cy_add(c, y));
        TRY(where_opt(p, c));
    }
    TRY(rc);
    *out = c;
    return BSP_OK;
}

/* ---- structural checks: errors the TCK expects at compile time that need no scope ---- */

/* A variable of the enclosing query in e, if any. Label and type names, map keys and the
 * bodies of comprehensions (which bind their own variables) are not looked into. */
static const cy_node *free_var(const cy_node *e)
{
    switch (e->kind) {
    case CY_VAR: return e;
    case CY_LABELS: case CY_TYPES: case CY_LIST_COMP: case CY_QUANT: case CY_REDUCE: case CY_PATTERN_COMP:
    case CY_EXISTS: return NULL;
    case CY_PATTERN_PRED: return e;
    default: break;
    }
    for (size_t i = 0; i < e->nkids; i++) {
        const cy_node *v = free_var(e->kids[i]);
        if (v) return v;
    }
    return NULL;
}

/* SKIP / LIMIT: no variables (NonConstantExpression); a literal must be an integer
 * (InvalidArgumentType) that is not negative (NegativeIntegerArgument). */
static int check_skip_limit(const cy_node *e, const char *what)
{
    const cy_node *lit = e;
    int neg = 0;
    while (lit->kind == CY_UNOP && strcmp(lit->op, "neg") == 0) {
        neg = !neg;
        lit = lit->kids[0];
    }
    switch (lit->kind) {
    case CY_INT:
        if ((lit->i < 0) != (neg && lit->i != 0))
            return bsp_err(BSP_EINVAL, "%d:%d: NegativeIntegerArgument: %s must not be negative", e->line, e->col, what);
        break;
    case CY_FLOAT: case CY_STRING: case CY_TRUE: case CY_FALSE: case CY_LIST: case CY_MAP:
        return bsp_err(BSP_EINVAL, "%d:%d: InvalidArgumentType: %s must be an integer", e->line, e->col, what);
    default: break;
    }
    const cy_node *v = free_var(e);
    if (v)
        return bsp_err(BSP_EINVAL, "%d:%d: NonConstantExpression: %s must be a constant expression, not use %s%.*s", v->line, v->col, what,
                       v->kind == CY_VAR ? "variable " : "a pattern", v->kind == CY_VAR ? (int)v->slen : 0,
                       v->kind == CY_VAR ? v->s : "");
    return BSP_OK;
}

/* ORDER BY may aggregate only when its WITH / RETURN does (TCK InvalidAggregation). Column
 * names and WITH aliases are the translator's checks. */
static int check_items(const cy_node *proj)
{
    const cy_node *order_agg = NULL;
    int grouped = 0;
    for (size_t i = 0; i < proj->nkids; i++) {
        const cy_node *k = proj->kids[i];
        if (k->kind == CY_ITEM && find_aggregate(k->kids[0])) grouped = 1;
        if (k->kind == CY_ORDER) order_agg = find_aggregate(k);
    }
    if (order_agg && !grouped)
        return bsp_err(BSP_EINVAL, "%d:%d: InvalidAggregation: ORDER BY cannot aggregate (%s) when the %s items do not",
                       order_agg->line, order_agg->col, order_agg->kind == CY_COUNT_STAR ? "count" : order_agg->s,
                       proj->kind == CY_WITH ? "WITH" : "RETURN");
    return BSP_OK;
}

/* One SET item: n.p = e | n = e | n += e | n:A:B */
static int set_item(parser *p, cy_node **out)
{
    NEW(it, CY_SET_ITEM);
    cy_node *t, *v;
    TRY(lookups(p, &t));
    if (p->tok.kind == TK_COLON) {
        if (t->kind != CY_VAR)
            return bsp_err(BSP_EINVAL, "%d:%d: UnexpectedSyntax: expected a variable before labels in SET", it->line, it->col);
        it->op = "set-labels";
        TRY(cy_add(it, t));
        TRY(label_list(p, it, CY_LABELS));
        *out = it;
        return BSP_OK;
    }
    if (t->kind != CY_VAR && t->kind != CY_PROP)
        return bsp_err(BSP_EINVAL, "%d:%d: UnexpectedSyntax: expected a variable or a property to SET", it->line, it->col);
    if (p->tok.kind == TK_EQ) it->op = "=";
    else if (p->tok.kind == TK_PLUSEQ && t->kind == CY_VAR) it->op = "+=";
    else return expected(p, t->kind == CY_VAR ? "'=', '+=' or ':' in SET" : "'=' in SET");
    TRY(advance(p));
    TRY(expr(p, &v));
    TRY(cy_add(it, t));
    TRY(cy_add(it, v));
    *out = it;
    return BSP_OK;
}

/* SET item, ... into owner (a SET clause or an ON CREATE / ON MATCH action) */
static int set_items(parser *p, cy_node *owner)
{
    for (;;) {
        cy_node *it = NULL;
        TRY(set_item(p, &it));
        TRY(cy_add(owner, it));
        if (p->tok.kind != TK_COMMA) return BSP_OK;
        TRY(advance(p));
    }
}

static int remove_clause(parser *p, cy_node **out)
{
    NEW(r, CY_REMOVE);
    TRY(advance(p));
    for (;;) {
        NEW(it, CY_SET_ITEM);
        cy_node *t;
        TRY(lookups(p, &t));
        if (p->tok.kind == TK_COLON) {
            if (t->kind != CY_VAR)
                return bsp_err(BSP_EINVAL, "%d:%d: UnexpectedSyntax: expected a variable before labels in REMOVE", it->line, it->col);
            it->op = "remove-labels";
            TRY(cy_add(it, t));
            TRY(label_list(p, it, CY_LABELS));
        } else if (t->kind == CY_PROP) {
            it->op = "remove-prop";
            TRY(cy_add(it, t));
        } else return expected(p, "':' and a label or a property (n.key) in REMOVE");
        TRY(cy_add(r, it));
        if (p->tok.kind != TK_COMMA) break;
        TRY(advance(p));
    }
    *out = r;
    return BSP_OK;
}

static int delete_clause(parser *p, cy_node **out)
{
    NEW(d, CY_DELETE);
    if (is_kw(p, "DETACH")) {
        d->op = "detach";
        TRY(advance(p));
        if (!is_kw(p, "DELETE")) return expected(p, "DELETE after DETACH");
    }
    TRY(advance(p)); /* DELETE */
    for (;;) {
        cy_node *e;
        TRY(expr(p, &e));
        if (e->kind == CY_HAS_LABELS) /* TCK InvalidDelete */
            return bsp_err(BSP_EINVAL, "%d:%d: InvalidDelete: DELETE removes nodes, relationships or paths; to "
                           "remove a label use REMOVE n:Label", e->line, e->col);
        TRY(cy_add(d, e));
        if (p->tok.kind != TK_COMMA) break;
        TRY(advance(p));
    }
    *out = d;
    return BSP_OK;
}

/* MERGE path [ON CREATE SET ... | ON MATCH SET ...]* */
static int merge_clause(parser *p, cy_node **out)
{
    NEW(m, CY_MERGE);
    TRY(advance(p));
    NEW(pt, CY_PATTERN);
    cy_node *path;
    TRY(path_pattern(p, &path));
    TRY(cy_add(pt, path));
    TRY(cy_add(m, pt));
    while (is_kw(p, "ON")) {
        NEW(on, CY_ON);
        TRY(advance(p));
        if (is_kw(p, "CREATE")) on->op = "create";
        else if (is_kw(p, "MATCH")) on->op = "match";
        else return expected(p, "CREATE or MATCH after ON");
        TRY(advance(p));
        TRY(expect_kw(p, "SET", "SET after ON CREATE / ON MATCH"));
        TRY(set_items(p, on));
        TRY(cy_add(m, on));
    }
    *out = m;
    return BSP_OK;
}

static int single_query(parser *p, cy_node **out)
{
    NEW(q, CY_QUERY);
    int ended = 0;
    for (;;) {
        cy_node *c = NULL;
        if (p->tok.kind == TK_EOF || p->tok.kind == TK_SEMI || p->tok.kind == TK_RBRACE || is_kw(p, "UNION"))
            break;
        if (ended) return expected(p, "end of query after RETURN");
        if (is_kw(p, "MATCH")) TRY(match_clause(p, 0, &c));
        else if (is_kw(p, "OPTIONAL")) TRY(match_clause(p, 1, &c));
        else if (is_kw(p, "RETURN")) {
            TRY(projection(p, CY_RETURN, &c));
            ended = 1;
        } else if (is_kw(p, "WITH")) TRY(projection(p, CY_WITH, &c));
        else if (is_kw(p, "UNWIND")) {
            NEW(u, CY_UNWIND);
            TRY(advance(p));
            cy_node *e;
            TRY(expr(p, &e));
            TRY(expect_kw(p, "AS", "AS after UNWIND expression"));
            TRY(name(p, u, 0, "a variable after AS"));
            TRY(cy_add(u, e));
            c = u;
        } else if (is_kw(p, "CREATE")) {
            NEW(cr, CY_CREATE);
            TRY(advance(p));
            cy_node *pt;
            p->in_create = 1;
            int rc = pattern(p, &pt);
            p->in_create = 0;
            TRY(rc);
            TRY(cy_add(cr, pt));
            c = cr;
        } else if (is_kw(p, "CALL")) TRY(call_clause(p, &c));
        else if (is_kw(p, "MERGE")) TRY(merge_clause(p, &c));
        else if (is_kw(p, "SET")) {
            NEW(st, CY_SET);
            TRY(advance(p));
            TRY(set_items(p, st));
            c = st;
        } else if (is_kw(p, "REMOVE")) TRY(remove_clause(p, &c));
        else if (is_kw(p, "DELETE") || is_kw(p, "DETACH")) TRY(delete_clause(p, &c));
        else
            return expected(p, q->nkids ? "a clause (MATCH, WITH, RETURN, UNWIND, CREATE, MERGE, SET, "
                                          "REMOVE, DELETE, CALL)"
                                        : "a clause (MATCH, OPTIONAL MATCH, RETURN, WITH, UNWIND, CREATE, "
                                          "MERGE, CALL)");
        TRY(cy_add(q, c));
    }
    if (!q->nkids) return expected(p, "a clause (MATCH, OPTIONAL MATCH, RETURN, WITH, UNWIND, CREATE, MERGE, CALL)");
    for (size_t i = 0; q->nkids > 1 && i < q->nkids; i++) {
        cy_node *c = q->kids[i];
        for (size_t j = 0; c->kind == CY_CALL && j < c->nkids; j++)
            if (c->kids[j]->kind == CY_YIELD && c->kids[j]->nkids && c->kids[j]->kids[0]->kind == CY_STAR)
                return bsp_err(BSP_EINVAL, "%d:%d: UnexpectedSyntax: YIELD * is only allowed in a standalone CALL",
                               c->kids[j]->line, c->kids[j]->col);
    }
    *out = q;
    return BSP_OK;
}

/* single_query [UNION [ALL] single_query]... */
static int union_query(parser *p, cy_node **out)
{
    cy_node *q;
    TRY(single_query(p, &q));
    if (is_kw(p, "UNION")) {
        NEW(u, CY_UNION);
        TRY(cy_add(u, q));
        int rc = 0;
        while (accept_kw(p, "UNION", &rc)) {
            TRY(rc);
            const char *kind = "distinct";
            if (accept_kw(p, "ALL", &rc)) kind = "all";
            TRY(rc);
            if (u->op && strcmp(u->op, kind) != 0)
                return bsp_err(BSP_EINVAL, "%d:%d: InvalidClauseComposition: cannot mix UNION and UNION ALL", p->tok.line, p->tok.col);
            u->op = kind;
            TRY(single_query(p, &q));
            TRY(cy_add(u, q));
        }
        TRY(rc);
        q = u;
    }
    *out = q;
    return BSP_OK;
}

static int statement(parser *p, cy_node **out)
{
    cy_node *q;
    TRY(union_query(p, &q));
    if (p->tok.kind == TK_SEMI) TRY(advance(p));
    if (p->tok.kind != TK_EOF) return expected(p, "end of input");
    *out = q;
    return BSP_OK;
}

int bsp_cypher_parse(const char *text, size_t len, bsp_cypher_ast **out)
{
    if (!out || (!text && len)) return bsp_err(BSP_EINVAL, "cypher: no statement");
    *out = NULL;
    bsp_cypher_ast *a = calloc(1, sizeof *a);
    if (!a) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    parser p = {.ast = a};
    cy_lex_init(&p.lx, text ? text : "", len);
    int rc = cy_lex_next(&p.lx, &p.tok);
    cy_node *root = NULL;
    if (!rc) rc = statement(&p, &root);
    free(p.tok.text);
    free(p.not_path);
    if (rc) {
        bsp_cypher_ast_free(a);
        return rc;
    }
    a->root = root;
    *out = a;
    return BSP_OK;
}
