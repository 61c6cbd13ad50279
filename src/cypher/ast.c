/* Cypher AST storage and its canonical S-expression form. Every node of one parse is
 * linked into the tree's arena list, so freeing never walks the (possibly partial) tree.
 * The printer is the contract tests compare against: "(kind [name] [op] children...)",
 * with binary and unary operators printed as their operator, literals as themselves,
 * strings double-quoted with escapes, absent optional parts as "_". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/cypher.h"
#include "cypher/ast.h"
#include "util/error.h"

cy_node *cy_new(struct bsp_cypher_ast *a, cy_kind k, int line, int col)
{
    cy_node *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->kind = k;
    n->line = line;
    n->col = col;
    n->arena_next = a->arena;
    a->arena = n;
    return n;
}

int cy_add(cy_node *p, cy_node *kid)
{
    if (p->nkids == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 4;
        cy_node **k = realloc(p->kids, nc * sizeof *k);
        if (!k) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        p->kids = k;
        p->cap = nc;
    }
    p->kids[p->nkids++] = kid;
    return BSP_OK;
}

int cy_set_s(cy_node *n, const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (!c) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    memcpy(c, s, len);
    c[len] = 0;
    free(n->s);
    n->s = c;
    n->slen = len;
    return BSP_OK;
}

int cy_set_text(cy_node *n, const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (!c) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    memcpy(c, s, len);
    c[len] = 0;
    free(n->text);
    n->text = c;
    n->textlen = len;
    return BSP_OK;
}

cy_node *cy_clone(struct bsp_cypher_ast *a, const cy_node *n)
{
    cy_node *c = cy_new(a, n->kind, n->line, n->col);
    if (!c) return NULL;
    c->op = n->op;
    c->i = n->i;
    c->f = n->f;
    if (n->s && cy_set_s(c, n->s, n->slen)) return NULL;
    if (n->text && cy_set_text(c, n->text, n->textlen)) return NULL;
    for (size_t i = 0; i < n->nkids; i++) {
        cy_node *k = cy_clone(a, n->kids[i]);
        if (!k || cy_add(c, k)) return NULL;
    }
    return c;
}

void bsp_cypher_ast_free(bsp_cypher_ast *a)
{
    if (!a) return;
    cy_node *n = a->arena;
    while (n) {
        cy_node *next = n->arena_next;
        free(n->kids);
        free(n->s);
        free(n->text);
        free(n);
        n = next;
    }
    free(a);
}

/* ---- printer ---- */
typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 64;
        while (nc < b->len + n + 1) nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}
static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static const char *kind_name(cy_kind k)
{
    switch (k) {
    case CY_QUERY: return "query";
    case CY_UNION: return "union";
    case CY_MATCH: return "match";
    case CY_OPTIONAL_MATCH: return "optional-match";
    case CY_WHERE: return "where";
    case CY_RETURN: return "return";
    case CY_WITH: return "with";
    case CY_ITEM: return "item";
    case CY_ORDER: return "order";
    case CY_SKIP: return "skip";
    case CY_LIMIT: return "limit";
    case CY_UNWIND: return "unwind";
    case CY_CREATE: return "create";
    case CY_CALL: return "call";
    case CY_YIELD: return "yield";
    case CY_PATTERN: return "pattern";
    case CY_PATH: return "path";
    case CY_NODE: return "node";
    case CY_REL: return "rel";
    case CY_LABELS: return "labels";
    case CY_TYPES: return "types";
    case CY_RANGE: return "range";
    case CY_INDEX: return "index";
    case CY_SLICE: return "slice";
    case CY_FUNC: return "fn";
    case CY_LIST: return "list";
    case CY_MAP: return "map";
    case CY_CASE: return "case";
    case CY_WHEN: return "when";
    case CY_ELSE: return "else";
    case CY_HAS_LABELS: return "has-labels";
    case CY_LIST_COMP: return "list-comp";
    case CY_PATTERN_COMP: return "pattern-comp";
    case CY_PATTERN_PRED: return "pattern-pred";
    case CY_QUANT: return "quant";
    case CY_REDUCE: return "reduce";
    case CY_MAP_PROJ: return "map-proj";
    case CY_SET: return "set";
    case CY_REMOVE: return "remove";
    case CY_DELETE: return "delete";
    case CY_MERGE: return "merge";
    case CY_ON: return "on";
    case CY_EXISTS: return "exists";
    default: return "?";
    }
}

static void print_string(sbuf *b, const char *s, size_t n)
{
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            sb_put(b, e, 2);
        } else if (c == '\n') sb_str(b, "\\n");
        else if (c == '\t') sb_str(b, "\\t");
        else if (c < 0x20 || c == 0x7f) {
            snprintf(e, sizeof e, "\\u%04x", c);
            sb_str(b, e);
        } else sb_put(b, (const char *)&s[i], 1);
    }
    sb_put(b, "\"", 1);
}

static void print_node(sbuf *b, const cy_node *n)
{
    char num[40];
    switch (n->kind) {
    case CY_INT:
        snprintf(num, sizeof num, "%lld", (long long)n->i);
        sb_str(b, num);
        return;
    case CY_FLOAT: {
        snprintf(num, sizeof num, "%.15g", n->f);
        if (strtod(num, NULL) != n->f) snprintf(num, sizeof num, "%.17g", n->f);
        if (!strpbrk(num, ".eni")) strcat(num, ".0");
        sb_str(b, num);
        return;
    }
    case CY_STRING: print_string(b, n->s, n->slen); return;
    case CY_TRUE: sb_str(b, "true"); return;
    case CY_FALSE: sb_str(b, "false"); return;
    case CY_NULL: sb_str(b, "null"); return;
    case CY_VAR: sb_put(b, n->s, n->slen); return;
    case CY_PARAM: sb_str(b, "$"); sb_put(b, n->s, n->slen); return;
    case CY_ABSENT: sb_str(b, "_"); return;
    case CY_STAR: sb_str(b, "*"); return;
    case CY_COUNT_STAR: sb_str(b, "(count *)"); return;
    case CY_PROP:
        sb_str(b, "(prop ");
        print_node(b, n->kids[0]);
        sb_str(b, " ");
        sb_put(b, n->s, n->slen);
        sb_str(b, ")");
        return;
    default: break;
    }
    sb_str(b, "(");
    if (n->kind == CY_BINOP || n->kind == CY_UNOP || n->kind == CY_SORT || n->kind == CY_SET_ITEM)
        sb_str(b, n->op);
    else if (n->kind == CY_ENTRY) sb_put(b, n->s, n->slen);
    else {
        sb_str(b, kind_name(n->kind));
        if (n->s) {
            sb_str(b, " ");
            sb_put(b, n->s, n->slen);
        }
        if (n->op) {
            sb_str(b, " ");
            sb_str(b, n->op);
        }
    }
    for (size_t i = 0; i < n->nkids; i++) {
        sb_str(b, " ");
        print_node(b, n->kids[i]);
    }
    sb_str(b, ")");
}

int bsp_cypher_ast_sexpr(const bsp_cypher_ast *a, char **out)
{
    if (!a || !a->root || !out) return bsp_err(BSP_EINVAL, "cypher: no AST");
    sbuf b = {0};
    print_node(&b, a->root);
    if (b.oom || !b.p) {
        free(b.p);
        return bsp_err(BSP_ENOMEM, "cypher: out of memory printing the AST");
    }
    *out = b.p;
    return BSP_OK;
}
