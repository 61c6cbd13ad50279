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
#include "cypher/sbuf.h"
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
    sb_putn(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            sb_putn(b, e, 2);
        } else if (c == '\n') sb_puts(b, "\\n");
        else if (c == '\t') sb_puts(b, "\\t");
        else if (c < 0x20 || c == 0x7f) {
            snprintf(e, sizeof e, "\\u%04x", c);
            sb_puts(b, e);
        } else sb_putn(b, (const char *)&s[i], 1);
    }
    sb_putn(b, "\"", 1);
}

static void print_node(sbuf *b, const cy_node *n)
{
    char num[40];
    switch (n->kind) {
    case CY_INT:
        snprintf(num, sizeof num, "%lld", (long long)n->i);
        sb_puts(b, num);
        return;
    case CY_FLOAT: {
        snprintf(num, sizeof num, "%.15g", n->f);
        if (strtod(num, NULL) != n->f) snprintf(num, sizeof num, "%.17g", n->f);
        if (!strpbrk(num, ".eni")) strcat(num, ".0");
        sb_puts(b, num);
        return;
    }
    case CY_STRING: print_string(b, n->s, n->slen); return;
    case CY_TRUE: sb_puts(b, "true"); return;
    case CY_FALSE: sb_puts(b, "false"); return;
    case CY_NULL: sb_puts(b, "null"); return;
    case CY_VAR: sb_putn(b, n->s, n->slen); return;
    case CY_PARAM: sb_puts(b, "$"); sb_putn(b, n->s, n->slen); return;
    case CY_ABSENT: sb_puts(b, "_"); return;
    case CY_STAR: sb_puts(b, "*"); return;
    case CY_COUNT_STAR: sb_puts(b, "(count *)"); return;
    case CY_PROP:
        sb_puts(b, "(prop ");
        print_node(b, n->kids[0]);
        sb_puts(b, " ");
        sb_putn(b, n->s, n->slen);
        sb_puts(b, ")");
        return;
    default: break;
    }
    sb_puts(b, "(");
    if (n->kind == CY_BINOP || n->kind == CY_UNOP || n->kind == CY_SORT || n->kind == CY_SET_ITEM)
        sb_puts(b, n->op);
    else if (n->kind == CY_ENTRY) sb_putn(b, n->s, n->slen);
    else {
        sb_puts(b, kind_name(n->kind));
        if (n->s) {
            sb_puts(b, " ");
            sb_putn(b, n->s, n->slen);
        }
        if (n->op) {
            sb_puts(b, " ");
            sb_puts(b, n->op);
        }
    }
    for (size_t i = 0; i < n->nkids; i++) {
        sb_puts(b, " ");
        print_node(b, n->kids[i]);
    }
    sb_puts(b, ")");
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
