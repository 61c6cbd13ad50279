/* Cypher clauses → SQL (translate.h explains the plan and how variables become columns).
 *
 * The open stage collects FROM items and WHERE conditions: MATCH adds cy_nodes / cy_edges
 * aliases (or cy_expand for variable-length hops) with the pattern's conditions, OPTIONAL
 * MATCH adds them as one LEFT JOIN whose ON holds the pattern and its WHERE, UNWIND adds
 * cy_unwind(list). WITH and RETURN close the stage into SELECT ... GROUP BY ... ORDER BY
 * cy_sortkey(...) LIMIT ...; after WITH that SELECT is the FROM of the next stage. CREATE
 * ends the stage as an input query and continues from the temporary table it fills. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bindspace/cypher.h"
#include "bindspace/error.h"
#include "cypher/translate_internal.h"
#include "util/error.h"

/* ---- errors, arena, scopes ---- */

int tr_syntax(const cy_node *at, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at && at->line > 0)
        return bsp_err(BSP_EINVAL, "SyntaxError: %d:%d: %s", at->line, at->col, msg);
    return bsp_err(BSP_EINVAL, "SyntaxError: %s", msg);
}

const char *tr_str(tr *t, const char *s, size_t n)
{
    arena_str *a = malloc(sizeof *a + n + 1);
    if (!a) {
        t->oom = true;
        return "";
    }
    memcpy(a->s, s, n);
    a->s[n] = 0;
    a->next = t->arena;
    t->arena = a;
    return a->s;
}

const char *tr_fmt(tr *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->oom = true;
        return "";
    }
    arena_str *a = malloc(sizeof *a + (size_t)n + 1);
    if (!a) {
        t->oom = true;
        return "";
    }
    va_start(ap, fmt);
    vsnprintf(a->s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    a->next = t->arena;
    t->arena = a;
    return a->s;
}

const char *tr_take(tr *t, sbuf *b)
{
    if (b->oom) t->oom = true;
    const char *s = tr_str(t, b->p ? b->p : "", b->len);
    sb_free(b);
    return s;
}

const binding *scope_find(const scope *sc, const char *name)
{
    for (size_t i = sc->n; i-- > 0;)
        if (strcmp(sc->v[i].name, name) == 0) return &sc->v[i];
    return NULL;
}

int scope_push(scope *sc, const binding *b)
{
    if (sc->n == sc->cap) {
        size_t nc = sc->cap ? sc->cap * 2 : 8;
        binding *v = realloc(sc->v, nc * sizeof *v);
        if (!v) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        sc->v = v;
        sc->cap = nc;
    }
    sc->v[sc->n++] = *b;
    return BSP_OK;
}

void scope_clear(scope *sc)
{
    free(sc->v);
    sc->v = NULL;
    sc->n = sc->cap = 0;
}

static bool hidden(const binding *b) { return b->name[0] == ' '; }

/* The column names of a binding's parts: "x", "x:l", ... */
static const char *const node_suffix[] = {"", ":l", ":p", ":f"};
static const char *const rel_suffix[] = {"", ":s", ":d", ":t", ":p"};
static size_t nparts(bkind k) { return k == B_NODE ? 4 : k == B_REL ? 5 : 1; }
static const char *part_suffix(bkind k, size_t i)
{
    return k == B_NODE ? node_suffix[i] : k == B_REL ? rel_suffix[i] : "";
}

/* ---- the open stage ---- */

static void add_from(tr *t, const char *item)
{
    if (t->nfrom++) sb_puts(&t->from, ", ");
    sb_puts(&t->from, item);
}

static void add_cond(sbuf *w, const char *cond)
{
    if (w->len) sb_puts(w, " AND ");
    sb_puts(w, cond);
}

/* Start a new stage reading `source` (a subquery or table) as alias, with scope `sc`. */
static void stage_reset(tr *t)
{
    sb_free(&t->from);
    sb_free(&t->where);
    t->nfrom = 0;
    scope_clear(&t->sc);
}

static const char *next_alias(tr *t, char kind) { return tr_fmt(t, "_%c%d", kind, ++t->serial); }

/* ---- patterns ---- */

typedef struct {
    sbuf *from;        /* where this pattern's FROM items go */
    int *nfrom;
    sbuf *cond;        /* where its conditions go */
    const char *rels[64]; /* id expressions of the relationships this clause introduced */
    int nrels;
    const char *relvals[64]; /* their values, and the rels lists of variable-length hops */
    int nrelvals;
    bool varlen;
} pat_ctx;

static void pat_from(pat_ctx *pc, const char *item)
{
    if ((*pc->nfrom)++) sb_puts(pc->from, ", ");
    sb_puts(pc->from, item);
}

static int props_conds(tr *t, const cy_node *m, const char *props, pat_ctx *pc)
{
    if (m->kind == CY_PARAM) {
        int i = tr_param_index(t, m->s);
        if (i < 0) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        add_cond(pc->cond, tr_fmt(t, "cy_truth(cy_props_match(%s, ?%d))", props, i));
        return BSP_OK;
    }
    for (size_t i = 0; i < m->nkids; i++) {
        const cy_node *en = m->kids[i];
        sbuf v = {0};
        int rc = tr_expr(t, en->kids[0], &t->sc, &v);
        if (rc) {
            sb_free(&v);
            return rc;
        }
        sbuf key = {0};
        sb_sqlstr(&key, en->s, en->slen);
        add_cond(pc->cond, tr_fmt(t, "cy_truth(cy_eq(cy_prop(%s, %s), %s))", props,
                                  tr_take(t, &key), tr_take(t, &v)));
    }
    return BSP_OK;
}

static int labels_cond(tr *t, const cy_node *labels, const char *col, pat_ctx *pc)
{
    if (!labels || !labels->nkids) return BSP_OK;
    sbuf c = {0};
    sb_printf(&c, "cy_labels_has(%s", col);
    for (size_t i = 0; i < labels->nkids; i++) {
        sb_puts(&c, ", ");
        sb_sqlstr(&c, labels->kids[i]->s, labels->kids[i]->slen);
    }
    sb_puts(&c, ")");
    add_cond(pc->cond, tr_take(t, &c));
    return BSP_OK;
}

static const cy_node *kid_of(const cy_node *n, cy_kind k)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind == k) return n->kids[i];
    return NULL;
}

static const cy_node *props_of(const cy_node *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind == CY_MAP || n->kids[i]->kind == CY_PARAM) return n->kids[i];
    return NULL;
}

/* A node of a MATCH pattern: the bound variable, or a new cy_nodes alias. */
/* *out is a copy: later pushes may move the scope's array. */
static int match_node(tr *t, const cy_node *n, pat_ctx *pc, binding *out)
{
    const binding *b = n->s ? scope_find(&t->sc, n->s) : NULL;
    if (b && (b->kind == B_REL || (b->kind == B_VALUE && b->vtype)))
        return tr_syntax(n, "VariableTypeConflict: `%s` is not a node", n->s);
    if (b && b->kind == B_VALUE) {
        /* a value holding a node (from UNWIND, a list, ...): match through its id */
        const char *a = next_alias(t, 'n');
        pat_from(pc, tr_fmt(t, "cy_nodes AS %s", a));
        add_cond(pc->cond, tr_fmt(t, "%s.id = cy_f_id(%s)", a, b->e[0]));
        b = NULL;
        binding nb = {.name = tr_fmt(t, " %s", a), .kind = B_NODE,
                      .e = {tr_fmt(t, "%s.id", a), tr_fmt(t, "%s.labels", a), tr_fmt(t, "%s.props", a),
                            tr_fmt(t, "%s.%s", a, t->opts->db_mode ? "rowaddr" : "fingerprint")}};
        int rc = scope_push(&t->sc, &nb);
        if (rc) return rc;
        b = &t->sc.v[t->sc.n - 1];
    }
    if (!b) {
        const char *a = next_alias(t, 'n');
        bool db = t->opts->db_mode;
        bool vt = db && n->s && t->topk_var && strcmp(n->s, t->topk_var) == 0;
        pat_from(pc, tr_fmt(t, "%s AS %s", vt ? "cy_nodes_vt" : "cy_nodes", a));
        binding nb = {.name = n->s ? tr_str(t, n->s, n->slen) : tr_fmt(t, " %s", a),
                      .kind = B_NODE,
                      .e = {tr_fmt(t, "%s.id", a), tr_fmt(t, "%s.labels", a),
                            tr_fmt(t, "%s.props", a),
                            tr_fmt(t, "%s.%s", a, db ? "rowaddr" : "fingerprint")},
                      .vt = vt ? a : NULL};
        int rc = scope_push(&t->sc, &nb);
        if (rc) return rc;
        b = &t->sc.v[t->sc.n - 1];
    }
    int rc = labels_cond(t, kid_of(n, CY_LABELS), b->e[1], pc);
    if (rc) return rc;
    const cy_node *m = props_of(n);
    if (m && (rc = props_conds(t, m, b->e[2], pc))) return rc;
    *out = *b;
    return BSP_OK;
}

static const char *types_list(tr *t, const cy_node *types)
{
    if (!types || !types->nkids) return NULL;
    sbuf s = {0};
    for (size_t i = 0; i < types->nkids; i++) {
        if (i) sb_puts(&s, ", ");
        sb_sqlstr(&s, types->kids[i]->s, types->kids[i]->slen);
    }
    return tr_take(t, &s);
}

/* A relationship between the nodes with id expressions l and r. *steps gets the SQL of the
 * path elements it contributes (a relationship value, or the steps list of a var-length hop). */
static int match_rel(tr *t, const cy_node *r, const char *l, const char *rr, pat_ctx *pc,
                     const char **path_part, bool *varlen)
{
    const cy_node *types = kid_of(r, CY_TYPES), *range = kid_of(r, CY_RANGE);
    const char *tl = types_list(t, types);
    int dir = strcmp(r->op, "->") == 0 ? 1 : strcmp(r->op, "<-") == 0 ? 2 : 3;
    *varlen = range != NULL;
    if (range) {
        int64_t lo = range->kids[0]->kind == CY_INT ? range->kids[0]->i : 1;
        int64_t hi = range->kids[1]->kind == CY_INT ? range->kids[1]->i : -1;
        const char *a = next_alias(t, 'x');
        sbuf ts = {0};
        if (types && types->nkids) {
            sbuf names = {0};
            for (size_t i = 0; i < types->nkids; i++) {
                if (i) sb_puts(&names, "|");
                sb_puts(&names, types->kids[i]->s);
            }
            sb_sqlstr(&ts, names.p, names.len);
            sb_free(&names);
        } else sb_puts(&ts, "NULL");
        const cy_node *m = props_of(r);
        sbuf pm = {0};
        if (m) {
            sb_puts(&pm, ", ");
            int rc = tr_expr(t, m, &t->sc, &pm);
            if (rc) {
                sb_free(&pm);
                sb_free(&ts);
                return rc;
            }
        }
        pat_from(pc, tr_fmt(t, "cy_expand(%s, %d, %s, %lld, %lld%s) AS %s", l, dir, tr_take(t, &ts),
                            (long long)lo, (long long)hi, m ? tr_take(t, &pm) : "", a));
        if (pc->nrelvals < 64) pc->relvals[pc->nrelvals++] = tr_fmt(t, "%s.rels", a);
        pc->varlen = true;
        add_cond(pc->cond, tr_fmt(t, "%s.dst = %s", a, rr));
        if (r->s) {
            const binding *old = scope_find(&t->sc, r->s);
            if (old) return tr_syntax(r, "VariableAlreadyBound: `%s`", r->s);
            binding b = {.name = tr_str(t, r->s, r->slen), .kind = B_VALUE,
                         .e = {tr_fmt(t, "%s.rels", a)}, .vtype = 'R'};
            int rc = scope_push(&t->sc, &b);
            if (rc) return rc;
        }
        *path_part = tr_fmt(t, "%s.steps", a);
        return BSP_OK;
    }
    const binding *b = r->s ? scope_find(&t->sc, r->s) : NULL;
    if (b && b->kind != B_REL)
        return tr_syntax(r, "VariableTypeConflict: `%s` is not a relationship", r->s);
    if (!b) {
        const char *a = next_alias(t, 'e');
        pat_from(pc, tr_fmt(t, "cy_edges AS %s", a));
        binding nb = {.name = r->s ? tr_str(t, r->s, r->slen) : tr_fmt(t, " %s", a),
                      .kind = B_REL,
                      .e = {tr_fmt(t, "%s.id", a), tr_fmt(t, "%s.src", a), tr_fmt(t, "%s.dst", a),
                            tr_fmt(t, "%s.type", a), tr_fmt(t, "%s.props", a)}};
        int rc = scope_push(&t->sc, &nb);
        if (rc) return rc;
        b = &t->sc.v[t->sc.n - 1];
        if (pc->nrels < 64) pc->rels[pc->nrels++] = b->e[0];
        if (pc->nrelvals < 64) pc->relvals[pc->nrelvals++] = tr_binding_value(t, b);
    }
    if (dir == 1) add_cond(pc->cond, tr_fmt(t, "%s = %s AND %s = %s", b->e[1], l, b->e[2], rr));
    else if (dir == 2) add_cond(pc->cond, tr_fmt(t, "%s = %s AND %s = %s", b->e[1], rr, b->e[2], l));
    else
        add_cond(pc->cond, tr_fmt(t, "((%s = %s AND %s = %s) OR (%s = %s AND %s = %s))", b->e[1], l,
                                  b->e[2], rr, b->e[1], rr, b->e[2], l));
    if (tl) add_cond(pc->cond, tr_fmt(t, "%s IN (%s)", b->e[3], tl));
    const cy_node *m = props_of(r);
    int rc;
    if (m && (rc = props_conds(t, m, b->e[4], pc))) return rc;
    *path_part = tr_binding_value(t, b);
    return BSP_OK;
}

static int match_path(tr *t, const cy_node *path, pat_ctx *pc)
{
    size_t n = path->nkids;
    binding prev;
    int rc = match_node(t, path->kids[0], pc, &prev);
    if (rc) return rc;
    const char *prev_id = prev.e[0];
    sbuf pv = {0};
    sb_puts(&pv, "cy_path(");
    sb_puts(&pv, tr_binding_value(t, &prev));
    for (size_t i = 1; i + 1 < n; i += 2) {
        binding next;
        if ((rc = match_node(t, path->kids[i + 1], pc, &next))) goto out;
        const char *part = "";
        bool varlen = false;
        if ((rc = match_rel(t, path->kids[i], prev_id, next.e[0], pc, &part, &varlen))) goto out;
        sb_puts(&pv, ", ");
        sb_puts(&pv, part);
        if (!varlen) {
            sb_puts(&pv, ", ");
            sb_puts(&pv, tr_binding_value(t, &next));
        }
        prev_id = next.e[0];
    }
    sb_puts(&pv, ")");
    if (path->s) {
        if (scope_find(&t->sc, path->s)) {
            rc = tr_syntax(path, "VariableAlreadyBound: `%s`", path->s);
            goto out;
        }
        binding b = {.name = tr_str(t, path->s, path->slen), .kind = B_VALUE,
                     .e = {tr_take(t, &pv)}, .vtype = 'P'};
        rc = scope_push(&t->sc, &b);
    }
out:
    sb_free(&pv);
    return rc;
}

static int match_pattern(tr *t, const cy_node *pattern, pat_ctx *pc)
{
    for (size_t i = 0; i < pattern->nkids; i++) {
        int rc = match_path(t, pattern->kids[i], pc);
        if (rc) return rc;
    }
    /* relationship isomorphism: the relationships of one MATCH are distinct */
    for (int i = 0; i < pc->nrels; i++)
        for (int j = i + 1; j < pc->nrels; j++)
            add_cond(pc->cond, tr_fmt(t, "%s <> %s", pc->rels[i], pc->rels[j]));
    /* a variable-length hop's relationships are distinct from every other one of the clause */
    if (pc->varlen && pc->nrelvals > 1) {
        sbuf u = {0};
        sb_puts(&u, "cy_unique_rels(");
        for (int i = 0; i < pc->nrelvals; i++) {
            if (i) sb_puts(&u, ", ");
            sb_puts(&u, pc->relvals[i]);
        }
        sb_puts(&u, ")");
        add_cond(pc->cond, tr_take(t, &u));
    }
    return BSP_OK;
}

/* One conjunct of a WHERE. schema_passes(...) stays a bare SQL call so the SQL layer can
 * take it into the scan (it yields 0/1, which WHERE reads as SQL truth). */
static int where_conjunct(tr *t, const cy_node *e, const scope *sc, sbuf *cond)
{
    if (e->kind == CY_BINOP && strcmp(e->op, "and") == 0) {
        int rc = where_conjunct(t, e->kids[0], sc, cond);
        return rc ? rc : where_conjunct(t, e->kids[1], sc, cond);
    }
    /* id(x) = v on a node or relationship variable compares its id column, so SQLite can use
     * the key (same result: ids are integers, and a null or non-number v matches nothing) */
    if (e->kind == CY_BINOP && strcmp(e->op, "=") == 0) {
        for (int k = 0; k < 2; k++) {
            const cy_node *f = e->kids[k];
            if (f->kind != CY_FUNC || strcasecmp(f->s, "id") != 0 || f->nkids != 1 || f->op ||
                f->kids[0]->kind != CY_VAR)
                continue;
            const binding *b = scope_find(sc, f->kids[0]->s);
            if (!b || b->kind == B_VALUE) continue;
            sbuf v = {0};
            int rc = tr_expr(t, e->kids[1 - k], sc, &v);
            if (rc) {
                sb_free(&v);
                return rc;
            }
            add_cond(cond, tr_fmt(t, "%s = %s", b->e[0], tr_take(t, &v)));
            return BSP_OK;
        }
    }
    sbuf x = {0};
    int rc = tr_expr(t, e, sc, &x);
    if (rc) {
        sb_free(&x);
        return rc;
    }
    if (e->kind == CY_FUNC && strcasecmp(e->s, "schema_passes") == 0) add_cond(cond, tr_take(t, &x));
    else add_cond(cond, tr_fmt(t, "cy_truth(%s)", tr_take(t, &x)));
    return BSP_OK;
}

static int where_cond(tr *t, const cy_node *w, sbuf *cond)
{
    if (tr_has_aggregate(w->kids[0]))
        return tr_syntax(w, "InvalidAggregation: aggregate in WHERE");
    return where_conjunct(t, w->kids[0], &t->sc, cond);
}

int tr_subpattern(tr *t, const cy_node *pattern, const cy_node *where, const scope *outer,
                  scope *inner, sbuf *from, int *nfrom, sbuf *cond)
{
    scope saved = t->sc;
    const char *saved_topk = t->topk_var;
    scope copy = {0};
    int rc = BSP_OK;
    for (size_t i = 0; i < outer->n && !rc; i++) rc = scope_push(&copy, &outer->v[i]);
    t->sc = copy;
    t->topk_var = NULL;
    cy_node *one = (cy_node *)pattern;
    cy_node pat = {.kind = CY_PATTERN, .kids = &one, .nkids = 1};
    pat_ctx pc = {.from = from, .nfrom = nfrom, .cond = cond};
    if (!rc) rc = match_pattern(t, pattern->kind == CY_PATTERN ? pattern : &pat, &pc);
    if (!rc && where) rc = where_cond(t, where, cond);
    *inner = t->sc;
    t->sc = saved;
    t->topk_var = saved_topk;
    return rc;
}

static int clause_match(tr *t, const cy_node *c)
{
    const cy_node *where = kid_of(c, CY_WHERE);
    if (c->kind == CY_MATCH) {
        pat_ctx pc = {.from = &t->from, .nfrom = &t->nfrom, .cond = &t->where};
        int rc = match_pattern(t, c->kids[0], &pc);
        if (!rc && where) rc = where_cond(t, where, &t->where);
        return rc;
    }
    /* OPTIONAL MATCH: FROM ... LEFT JOIN (pattern tables) ON (pattern conditions AND where) */
    sbuf ofrom = {0}, ocond = {0};
    int onfrom = 0;
    pat_ctx pc = {.from = &ofrom, .nfrom = &onfrom, .cond = &ocond};
    int rc = match_pattern(t, c->kids[0], &pc);
    if (!rc && where) rc = where_cond(t, where, &ocond);
    if (rc) {
        sb_free(&ofrom);
        sb_free(&ocond);
        return rc;
    }
    if (onfrom) {
        if (!t->nfrom) add_from(t, "(SELECT 1) AS _one");
        /* SQLite hides the alias of a lone table in parentheses: parenthesize joins only */
        sb_printf(&t->from, onfrom > 1 ? " LEFT JOIN (%s) ON %s" : " LEFT JOIN %s ON %s", ofrom.p,
                  ocond.len ? ocond.p : "1");
    } else if (ocond.len) {
        /* nothing new to bind: the row survives either way */
    }
    sb_free(&ofrom);
    sb_free(&ocond);
    return BSP_OK;
}

static int clause_unwind(tr *t, const cy_node *c)
{
    sbuf e = {0};
    int rc = tr_expr(t, c->kids[0], &t->sc, &e);
    if (rc) {
        sb_free(&e);
        return rc;
    }
    if (tr_has_aggregate(c->kids[0])) return tr_syntax(c, "InvalidAggregation: aggregate in UNWIND");
    const char *a = next_alias(t, 'u');
    add_from(t, tr_fmt(t, "cy_unwind(%s) AS %s", tr_take(t, &e), a));
    if (scope_find(&t->sc, c->s)) return tr_syntax(c, "VariableAlreadyBound: `%s`", c->s);
    binding b = {.name = tr_str(t, c->s, c->slen), .kind = B_VALUE, .e = {tr_fmt(t, "%s.value", a)}};
    return scope_push(&t->sc, &b);
}

/* ---- WITH / RETURN ---- */

typedef struct {
    const char *name;
    const cy_node *expr;     /* NULL for a starred variable */
    const binding *src;      /* the variable when the item is just one */
    bool agg;
} proj_item;

static int cmp_binding_name(const void *a, const void *b)
{
    return strcmp(((const binding *)a)->name, ((const binding *)b)->name);
}

static void emit_parts(tr *t, sbuf *cols, const binding *b, const char *name, size_t *ncols)
{
    for (size_t k = 0; k < nparts(b->kind); k++) {
        if ((*ncols)++) sb_puts(cols, ", ");
        sb_puts(cols, b->e[k]);
        sb_puts(cols, " AS ");
        sb_ident(cols, tr_fmt(t, "%s%s", name, part_suffix(b->kind, k)));
    }
}

/* 'X' when an expression's value can never be a node or relationship (a literal, a list, a
 * map, an operator's result), so matching it as one is a compile-time VariableTypeConflict. */
static char static_nonnode(const cy_node *e)
{
    switch (e->kind) {
    case CY_INT: case CY_FLOAT: case CY_STRING: case CY_TRUE: case CY_FALSE: case CY_LIST:
    case CY_MAP: case CY_LIST_COMP: case CY_PATTERN_COMP: case CY_BINOP: case CY_MAP_PROJ:
        return 'X';
    case CY_FUNC: return strcasecmp(e->s, "collect") == 0 ? 'X' : 0;
    default: return 0;
    }
}

/* In a database graph, ORDER BY hamming_distance(n.fingerprint, q) [ASC] (one key, with a
 * LIMIT) over a node n of the open stage becomes the table's top-k: returns n's alias. */
static const char *topk_column(tr *t, const cy_node *order)
{
    if (!t->opts->db_mode || order->nkids != 1 || strcmp(order->kids[0]->op, "asc") != 0) return NULL;
    const cy_node *f = order->kids[0]->kids[0];
    if (f->kind != CY_FUNC || strcasecmp(f->s, "hamming_distance") != 0 || f->nkids != 2 || f->op)
        return NULL;
    const cy_node *p = f->kids[0];
    if (p->kind != CY_PROP || strcmp(p->s, "fingerprint") != 0 || p->kids[0]->kind != CY_VAR)
        return NULL;
    const binding *b = scope_find(&t->sc, p->kids[0]->s);
    if (!b || b->kind != B_NODE) return NULL;
    return b->vt;
}

/* The node variable a projection would rank with the table's top-k (see topk_column). */
static const char *topk_candidate(const cy_node *proj)
{
    const cy_node *order = NULL, *limit = NULL;
    for (size_t i = 0; i < proj->nkids; i++) {
        if (proj->kids[i]->kind == CY_ORDER) order = proj->kids[i];
        if (proj->kids[i]->kind == CY_LIMIT) limit = proj->kids[i];
        if (proj->kids[i]->kind == CY_ITEM && tr_has_aggregate(proj->kids[i]->kids[0])) return NULL;
    }
    if (!order || !limit || order->nkids != 1 || (proj->op && strcmp(proj->op, "distinct") == 0))
        return NULL;
    const cy_node *f = order->kids[0]->kids[0];
    if (f->kind != CY_FUNC || strcasecmp(f->s, "hamming_distance") != 0 || f->nkids != 2) return NULL;
    const cy_node *p = f->kids[0];
    if (p->kind != CY_PROP || strcmp(p->s, "fingerprint") != 0 || p->kids[0]->kind != CY_VAR)
        return NULL;
    return p->kids[0]->s;
}

/* Close the stage with a projection. Final (RETURN): the SELECT is the last step; else the
 * next stage reads it as a subquery. */
static int clause_project(tr *t, const cy_node *c, bool final, const char **sql_out)
{
    bool distinct = c->op && strcmp(c->op, "distinct") == 0;
    proj_item items[256];
    size_t n = 0;
    int rc = BSP_OK;
    const cy_node *order = NULL, *skip = NULL, *limit = NULL, *where = NULL;
    for (size_t i = 0; i < c->nkids; i++) {
        const cy_node *k = c->kids[i];
        if (k->kind == CY_STAR) {
            binding *sorted = malloc((t->sc.n ? t->sc.n : 1) * sizeof *sorted);
            if (!sorted) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
            size_t m = 0;
            for (size_t j = 0; j < t->sc.n; j++)
                if (!hidden(&t->sc.v[j]) && scope_find(&t->sc, t->sc.v[j].name) == &t->sc.v[j])
                    sorted[m++] = t->sc.v[j];
            qsort(sorted, m, sizeof *sorted, cmp_binding_name);
            for (size_t j = 0; j < m && n < 256; j++) {
                items[n++] = (proj_item){.name = sorted[j].name,
                                         .src = scope_find(&t->sc, sorted[j].name)};
            }
            free(sorted);
            if (!m && c->nkids == 1)
                return tr_syntax(c, "NoVariablesInScope: RETURN * with no variables");
        } else if (k->kind == CY_ITEM) {
            if (n >= 256) return tr_syntax(k, "too many items");
            const cy_node *e = k->kids[0];
            proj_item it = {.expr = e, .agg = tr_has_aggregate(e)};
            if (k->s) it.name = tr_str(t, k->s, k->slen);
            else if (e->kind == CY_VAR) it.name = tr_str(t, e->s, e->slen);
            else if (!final) return tr_syntax(e, "NoExpressionAlias: expression in WITH must be aliased (use AS)");
            else it.name = tr_str(t, k->text ? k->text : "?", k->text ? k->textlen : 1);
            if (e->kind == CY_VAR) {
                it.src = scope_find(&t->sc, e->s);
                if (!it.src) return tr_syntax(e, "UndefinedVariable: variable `%s` not defined", e->s);
            }
            items[n++] = it;
        } else if (k->kind == CY_ORDER) order = k;
        else if (k->kind == CY_SKIP) skip = k;
        else if (k->kind == CY_LIMIT) limit = k;
        else if (k->kind == CY_WHERE) where = k;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(items[i].name, items[j].name) == 0)
                return tr_syntax(c, "ColumnNameConflict: `%s` is projected twice", items[i].name);
    bool agg = false;
    for (size_t i = 0; i < n; i++) agg |= items[i].agg;

    sbuf cols = {0}, group = {0};
    size_t ncols = 0, ngroup = 0;
    scope alias = {0};    /* items by name, for ORDER BY */
    scope next = {0};     /* the next stage's scope (columns of alias _sK) */
    const char *salias = final ? NULL : next_alias(t, 's');
    for (size_t i = 0; i < n && !rc; i++) {
        proj_item *it = &items[i];
        binding ab;
        if (it->src && (it->src->kind != B_VALUE) && !final) {
            emit_parts(t, &cols, it->src, it->name, &ncols);
            ab = *it->src;
            ab.name = it->name;
            binding nb = {.name = it->name, .kind = it->src->kind};
            for (size_t k = 0; k < nparts(nb.kind); k++)
                nb.e[k] = tr_fmt(t, "%s.\"%s%s\"", salias, it->name, part_suffix(nb.kind, k));
            rc = scope_push(&next, &nb);
            if (!rc && agg) {
                if (ngroup++) sb_puts(&group, ", ");
                sb_puts(&group, it->src->e[0]);
            }
        } else {
            sbuf e = {0};
            if (it->src) sb_puts(&e, tr_binding_value(t, it->src));
            else rc = tr_expr(t, it->expr, &t->sc, &e);
            const char *es = tr_take(t, &e);
            if (ncols++) sb_puts(&cols, ", ");
            sb_puts(&cols, es);
            sb_puts(&cols, " AS ");
            sb_ident(&cols, it->name);
            if (it->src && it->src->kind != B_VALUE) {
                ab = *it->src;
                ab.name = it->name;
            } else ab = (binding){.name = it->name, .kind = B_VALUE, .e = {es}};
            if (!final) {
                binding nb = {.name = it->name, .kind = B_VALUE,
                              .e = {tr_fmt(t, "%s.\"%s\"", salias, it->name)},
                              .vtype = it->src ? it->src->vtype : static_nonnode(it->expr)};
                rc = rc ? rc : scope_push(&next, &nb);
            }
            if (!rc && agg && !it->agg) {
                if (ngroup++) sb_puts(&group, ", ");
                sb_puts(&group, es);
            }
        }
        if (!rc) rc = scope_push(&alias, &ab);
    }
    if (!ncols && !rc) sb_puts(&cols, "NULL AS \" none\"");

    /* ORDER BY sees the items by name first, then (without aggregation) the stage's variables */
    sbuf ord = {0};
    const char *topk = !rc && order && limit && !agg && !distinct ? topk_column(t, order) : NULL;
    if (topk) {
        /* the bindspace table's exact top-k: fingerprint MATCH q ... ORDER BY distance */
        const cy_node *call = order->kids[0]->kids[0];
        sbuf q = {0};
        rc = tr_expr(t, call->kids[1], &t->sc, &q);
        if (!rc) add_cond(&t->where, tr_fmt(t, "%s.fingerprint MATCH %s", topk, tr_take(t, &q)));
        else sb_free(&q);
        sb_printf(&ord, "%s.distance ASC", topk);
    } else if (!rc && order) {
        scope osc = {0};
        for (size_t i = 0; i < t->sc.n && !rc; i++) rc = scope_push(&osc, &t->sc.v[i]);
        for (size_t i = 0; i < alias.n && !rc; i++) rc = scope_push(&osc, &alias.v[i]);
        for (size_t i = 0; i < order->nkids && !rc; i++) {
            const cy_node *s = order->kids[i];
            if (i) sb_puts(&ord, ", ");
            sb_puts(&ord, "cy_sortkey(");
            rc = tr_expr(t, s->kids[0], &osc, &ord);
            sb_puts(&ord, strcmp(s->op, "desc") == 0 ? ") DESC" : ") ASC");
        }
        scope_clear(&osc);
    }
    /* WITH ... WHERE sees the items and the variables before the WITH: without aggregation,
     * DISTINCT or paging it filters the projection's own rows */
    if (!rc && where && !agg && !distinct && !skip && !limit) {
        if (tr_has_aggregate(where->kids[0])) rc = tr_syntax(where, "InvalidAggregation: aggregate in WHERE");
        scope wsc = {0};
        for (size_t i = 0; i < t->sc.n && !rc; i++) rc = scope_push(&wsc, &t->sc.v[i]);
        for (size_t i = 0; i < alias.n && !rc; i++) rc = scope_push(&wsc, &alias.v[i]);
        if (!rc) rc = where_conjunct(t, where->kids[0], &wsc, &t->where);
        scope_clear(&wsc);
        where = NULL;
    }
    sbuf sql = {0};
    if (!rc) {
        sb_printf(&sql, "SELECT %s%s", distinct ? "DISTINCT " : "", cols.p ? cols.p : "");
        if (t->nfrom) sb_printf(&sql, " FROM %s", t->from.p);
        if (t->where.len) sb_printf(&sql, " WHERE %s", t->where.p);
        if (group.len) sb_printf(&sql, " GROUP BY %s", group.p);
        if (ord.len) sb_printf(&sql, " ORDER BY %s", ord.p);
        if (skip || limit) {
            sbuf e = {0};
            if (limit) {
                sb_puts(&e, "cy_check_int(");
                rc = tr_expr(t, limit->kids[0], &alias, &e);
                sb_puts(&e, ", 'LIMIT')");
            } else sb_puts(&e, "-1");
            sb_printf(&sql, " LIMIT %s", e.p);
            sb_free(&e);
            if (!rc && skip) {
                sb_puts(&e, "cy_check_int(");
                rc = tr_expr(t, skip->kids[0], &alias, &e);
                sb_puts(&e, ", 'SKIP')");
                sb_printf(&sql, " OFFSET %s", e.p);
                sb_free(&e);
            }
        }
    }
    /* a WITH whose items call rand() is evaluated once per row: OFFSET 0 keeps SQLite from
     * flattening it into the next stage, which would copy the expression into every use */
    bool random = false;
    for (size_t i = 0; i < n; i++) random |= items[i].expr && tr_has_random(items[i].expr);
    if (!rc && !final && random && !skip && !limit) sb_puts(&sql, " LIMIT -1 OFFSET 0");
    sb_free(&cols);
    sb_free(&group);
    sb_free(&ord);
    scope_clear(&alias);
    if (rc) {
        sb_free(&sql);
        scope_clear(&next);
        return rc;
    }
    const char *s = tr_take(t, &sql);
    if (final) {
        cy_plan *p = t->plan;
        p->columns = calloc(n ? n : 1, sizeof *p->columns);
        p->ncolumns = 0;  /* a UNION's earlier part kept its own array */
        if (!p->columns) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        for (size_t i = 0; i < n; i++) {
            p->columns[i] = strdup(items[i].name);
            if (!p->columns[i]) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
            p->ncolumns++;
        }
        *sql_out = s;
        scope_clear(&next);
        return BSP_OK;
    }
    stage_reset(t);
    add_from(t, tr_fmt(t, "(%s) AS %s", s, salias));
    t->sc = next;
    if (where) return where_cond(t, where, &t->where);
    return BSP_OK;
}

/* ---- steps ---- */

static int push_step(tr *t, const cy_step *s)
{
    cy_plan *p = t->plan;
    cy_step *v = realloc(p->steps, (p->nsteps + 1) * sizeof *v);
    if (!v) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    p->steps = v;
    v[p->nsteps++] = *s;
    return BSP_OK;
}

static int strv_push(char ***v, size_t *n, const char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    *v = nv;
    nv[*n] = strdup(s);
    if (!nv[*n]) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    (*n)++;
    return BSP_OK;
}

/* The input query of a C step (CREATE, CALL) selects every visible variable's columns, and
 * the step's table starts with the same columns. */
static int carry_columns(tr *t, sbuf *cols, size_t *ncols, cy_step *st)
{
    int rc = BSP_OK;
    for (size_t i = 0; i < t->sc.n && !rc; i++) {
        const binding *b = &t->sc.v[i];
        if (hidden(b)) continue;
        emit_parts(t, cols, b, b->name, ncols);
        for (size_t k = 0; k < nparts(b->kind) && !rc; k++)
            rc = strv_push(&st->out_cols, &st->nout, tr_fmt(t, "%s%s", b->name, part_suffix(b->kind, k)));
    }
    st->ncarry = st->nout;
    return rc;
}

/* The next stage reads step s's temporary table (alias a) with the variables of next, or,
 * when building them failed (rc), nothing changes and next is dropped. */
static int read_step_table(tr *t, const cy_step *s, const char *a, scope *next, int rc)
{
    if (rc) {
        scope_clear(next);
        return rc;
    }
    stage_reset(t);
    add_from(t, tr_fmt(t, "temp.%s AS %s", s->table, a));
    t->sc = *next;
    return BSP_OK;
}

/* ---- CREATE ---- */

typedef struct {
    const char *name;  /* variable made by this CREATE */
    int ref;           /* its node reference */
} created;

static int create_node(tr *t, const cy_node *n, cy_step *st, sbuf *extra, size_t *ncol,
                       created *made, size_t *nmade, int *ref)
{
    if (n->s) {
        for (size_t i = 0; i < *nmade; i++)
            if (strcmp(made[i].name, n->s) == 0) {
                if (kid_of(n, CY_LABELS) || props_of(n))
                    return tr_syntax(n, "VariableAlreadyBound: `%s`", n->s);
                *ref = made[i].ref;
                return BSP_OK;
            }
        const binding *b = scope_find(&t->sc, n->s);
        if (b) {
            if (b->kind != B_NODE) return tr_syntax(n, "VariableTypeConflict: `%s` is not a node", n->s);
            if (kid_of(n, CY_LABELS) || props_of(n))
                return tr_syntax(n, "VariableAlreadyBound: `%s`", n->s);
            /* carried columns are in scope order; find this binding's id column */
            size_t col = 0;
            for (size_t i = 0; i < t->sc.n; i++) {
                if (&t->sc.v[i] == b) break;
                if (!hidden(&t->sc.v[i])) col += nparts(t->sc.v[i].kind);
            }
            *ref = (int)col;
            return BSP_OK;
        }
    }
    cy_create_op op = {.is_rel = false, .props_col = -1, .out_col = -1};
    const cy_node *labels = kid_of(n, CY_LABELS);
    sb_puts(extra, ", cy_list(");
    for (size_t i = 0; labels && i < labels->nkids; i++) {
        if (i) sb_puts(extra, ", ");
        sb_sqlstr(extra, labels->kids[i]->s, labels->kids[i]->slen);
    }
    sb_puts(extra, ")");
    op.labels_col = (int)(*ncol)++;
    const cy_node *m = props_of(n);
    if (m) {
        sb_puts(extra, ", ");
        int rc = tr_expr(t, m, &t->sc, extra);
        if (rc) return rc;
        op.props_col = (int)(*ncol)++;
    }
    if (n->s) {
        op.out_col = (int)st->nout;
        for (size_t k = 0; k < 4; k++) {
            int rc = strv_push(&st->out_cols, &st->nout, tr_fmt(t, "%s%s", n->s, node_suffix[k]));
            if (rc) return rc;
        }
    }
    cy_create_op *ops = realloc(st->ops, (st->nops + 1) * sizeof *ops);
    if (!ops) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    st->ops = ops;
    ops[st->nops] = op;
    *ref = -(int)(st->nops + 1);
    st->nops++;
    if (n->s && *nmade < 256) made[(*nmade)++] = (created){tr_str(t, n->s, n->slen), *ref};
    return BSP_OK;
}

static int clause_create(tr *t, const cy_node *c)
{
    cy_step st = {.kind = PS_CREATE};
    sbuf cols = {0}, extra = {0};
    size_t ncol = 0, ncolumns_carried = 0;
    int rc = BSP_OK;
    rc = carry_columns(t, &cols, &ncolumns_carried, &st);
    ncol = st.nout;
    created made[256];
    size_t nmade = 0;
    const cy_node *pattern = c->kids[0];
    for (size_t p = 0; p < pattern->nkids && !rc; p++) {
        const cy_node *path = pattern->kids[p];
        if (path->s) {
            rc = tr_syntax(path, "path variables in CREATE are not supported yet");
            break;
        }
        int prev;
        rc = create_node(t, path->kids[0], &st, &extra, &ncol, made, &nmade, &prev);
        for (size_t i = 1; !rc && i + 1 < path->nkids; i += 2) {
            const cy_node *r = path->kids[i];
            int next;
            rc = create_node(t, path->kids[i + 1], &st, &extra, &ncol, made, &nmade, &next);
            if (rc) break;
            const cy_node *types = kid_of(r, CY_TYPES);
            if (!types || types->nkids != 1) {
                rc = tr_syntax(r, "NoSingleRelationshipType: a created relationship needs exactly one type");
                break;
            }
            if (strcmp(r->op, "--") == 0) {
                rc = tr_syntax(r, "RequiresDirectedRelationship: CREATE needs a direction");
                break;
            }
            if (kid_of(r, CY_RANGE)) {
                rc = tr_syntax(r, "CreatingVarLength: variable length relationship in CREATE");
                break;
            }
            if (r->s && scope_find(&t->sc, r->s)) {
                rc = tr_syntax(r, "VariableAlreadyBound: `%s`", r->s);
                break;
            }
            cy_create_op op = {.is_rel = true, .props_col = -1, .out_col = -1};
            op.type = strdup(types->kids[0]->s);
            op.src = strcmp(r->op, "->") == 0 ? prev : next;
            op.dst = strcmp(r->op, "->") == 0 ? next : prev;
            const cy_node *m = props_of(r);
            if (m) {
                sb_puts(&extra, ", ");
                rc = tr_expr(t, m, &t->sc, &extra);
                op.props_col = (int)ncol++;
            }
            if (!rc && r->s) {
                op.out_col = (int)st.nout;
                for (size_t k = 0; k < 5 && !rc; k++)
                    rc = strv_push(&st.out_cols, &st.nout, tr_fmt(t, "%s%s", r->s, rel_suffix[k]));
            }
            cy_create_op *ops = realloc(st.ops, (st.nops + 1) * sizeof *ops);
            if (!ops) {
                free(op.type);
                rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
                break;
            }
            st.ops = ops;
            ops[st.nops++] = op;
            prev = next;
        }
    }
    if (!rc) {
        sbuf sql = {0};
        sb_printf(&sql, "SELECT %s", ncolumns_carried ? cols.p : "NULL");
        if (!ncolumns_carried && extra.len) {
            /* the first extra column must not start with ", " */
            sb_free(&sql);
            sb_printf(&sql, "SELECT %s", extra.p + 2);
        } else if (extra.len) sb_puts(&sql, extra.p);
        if (!ncolumns_carried && !extra.len) {
            sb_free(&sql);
            sb_puts(&sql, "SELECT NULL");
        }
        if (t->nfrom) sb_printf(&sql, " FROM %s", t->from.p);
        if (t->where.len) sb_printf(&sql, " WHERE %s", t->where.p);
        st.sql = sb_take(&sql);
        st.table = malloc(32);
        if (!st.sql || !st.table) rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
        else snprintf(st.table, 32, "_t%d", ++t->opts->temp_serial);
    }
    sb_free(&cols);
    sb_free(&extra);
    if (!rc) rc = push_step(t, &st);
    if (rc) {
        free(st.sql);
        free(st.table);
        for (size_t i = 0; i < st.nout; i++) free(st.out_cols[i]);
        free(st.out_cols);
        for (size_t i = 0; i < st.nops; i++) free(st.ops[i].type);
        free(st.ops);
        return rc;
    }
    t->plan->updates = true;
    /* the next stage reads the temporary table: every output column as a variable */
    const cy_step *s = &t->plan->steps[t->plan->nsteps - 1];
    const char *a = next_alias(t, 's');
    scope next = {0};
    for (size_t i = 0; i < s->nout && !rc;) {
        const char *col = s->out_cols[i];
        /* a variable's first column has no ':' suffix; the parts follow */
        size_t parts = 1;
        while (i + parts < s->nout && strncmp(s->out_cols[i + parts], col, strlen(col)) == 0 &&
               s->out_cols[i + parts][strlen(col)] == ':')
            parts++;
        binding b = {.name = tr_str(t, col, strlen(col)),
                     .kind = parts == 4 ? B_NODE : parts == 5 ? B_REL : B_VALUE};
        for (size_t k = 0; k < parts; k++)
            b.e[k] = tr_fmt(t, "%s.\"%s\"", a, s->out_cols[i + k]);
        rc = scope_push(&next, &b);
        i += parts;
    }
    return read_step_table(t, s, a, &next, rc);
}

/* ---- CALL hdr.*(...) YIELD ... ---- */

/* The step is like CREATE's: an input query (carried columns, then one column per
 * argument), the procedure called per row in C, its rows written to a temporary table. */
static int clause_call(tr *t, const cy_node *c, bool standalone)
{
    const char *canon = bsp_cypher_procedure_canonical(c->s);
    if (!canon) return tr_syntax(c, "ProcedureNotFound: %s", c->s);
    const char *fields = bsp_cypher_procedure_yields(canon);
    char fbuf[256];
    const char *fv[16];
    size_t nf = 0;
    snprintf(fbuf, sizeof fbuf, "%s", fields);
    for (char *tok = strtok(fbuf, ","); tok && nf < 16; tok = strtok(NULL, ",")) fv[nf++] = tok;
    const cy_node *yield = kid_of(c, CY_YIELD), *where = kid_of(c, CY_WHERE);
    if (!yield && !standalone)
        return tr_syntax(c, "InvalidClauseComposition: CALL inside a query needs YIELD");
    cy_step st = {.kind = PS_CALL};
    sbuf cols = {0};
    size_t ncarried = 0;
    int rc = BSP_OK;
    rc = carry_columns(t, &cols, &ncarried, &st);
    size_t nargs = 0;
    for (size_t i = 0; i < c->nkids && !rc; i++) {
        const cy_node *a = c->kids[i];
        if (a->kind == CY_YIELD || a->kind == CY_WHERE) continue;
        if (ncarried + nargs++) sb_puts(&cols, ", ");
        rc = tr_expr(t, a, &t->sc, &cols);
    }
    st.nargs = nargs;
    /* yielded fields: all (YIELD * or a standalone call without YIELD) or the listed ones */
    const char *names[16];
    size_t ny = 0;
    st.yield_field = calloc(16, sizeof *st.yield_field);
    if (!st.yield_field) rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
    bool all = !yield || (yield->nkids == 1 && yield->kids[0]->kind == CY_STAR);
    for (size_t i = 0; !rc && i < (all ? nf : yield->nkids); i++) {
        const char *field, *as;
        if (all) field = as = fv[i];
        else {
            const cy_node *y = yield->kids[i];
            const cy_node *f = y->kind == CY_ITEM ? y->kids[0] : y;
            field = f->s;
            as = y->kind == CY_ITEM ? y->s : f->s;
        }
        size_t k = 0;
        while (k < nf && strcmp(fv[k], field) != 0) k++;
        if (k == nf) {
            rc = tr_syntax(c, "UndefinedVariable: %s yields no field `%s` (it yields %s)", canon, field, fields);
            break;
        }
        if (scope_find(&t->sc, as)) {
            rc = tr_syntax(c, "VariableAlreadyBound: `%s`", as);
            break;
        }
        st.yield_field[ny] = (int)k;
        names[ny++] = tr_str(t, as, strlen(as));
        rc = strv_push(&st.out_cols, &st.nout, as);
    }
    st.nyield = ny;
    if (!rc) {
        sbuf sql = {0};
        sb_printf(&sql, "SELECT %s", ncarried + nargs ? cols.p : "NULL");
        if (t->nfrom) sb_printf(&sql, " FROM %s", t->from.p);
        if (t->where.len) sb_printf(&sql, " WHERE %s", t->where.p);
        st.sql = sb_take(&sql);
        st.proc = strdup(canon);
        st.table = malloc(32);
        if (!st.sql || !st.proc || !st.table) rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
        else snprintf(st.table, 32, "_t%d", ++t->opts->temp_serial);
    }
    sb_free(&cols);
    if (!rc) rc = push_step(t, &st);
    if (rc) {
        free(st.sql);
        free(st.table);
        free(st.proc);
        free(st.yield_field);
        for (size_t i = 0; i < st.nout; i++) free(st.out_cols[i]);
        free(st.out_cols);
        return rc;
    }
    const cy_step *s = &t->plan->steps[t->plan->nsteps - 1];
    const char *a = next_alias(t, 's');
    scope next = {0};
    /* carried variables keep their kind (same order as emitted), yields are values */
    size_t col = 0;
    for (size_t i = 0; i < t->sc.n && !rc; i++) {
        const binding *b = &t->sc.v[i];
        if (hidden(b)) continue;
        binding nb = {.name = b->name, .kind = b->kind};
        for (size_t k = 0; k < nparts(b->kind); k++)
            nb.e[k] = tr_fmt(t, "%s.\"%s\"", a, s->out_cols[col++]);
        rc = scope_push(&next, &nb);
    }
    for (size_t i = 0; i < ny && !rc; i++) {
        binding nb = {.name = names[i], .kind = B_VALUE, .e = {tr_fmt(t, "%s.\"%s\"", a, names[i])}};
        rc = scope_push(&next, &nb);
    }
    if ((rc = read_step_table(t, s, a, &next, rc))) return rc;
    if (where) rc = where_cond(t, where, &t->where);
    if (!rc && standalone) {
        /* the whole statement is the call: its fields are the result */
        sbuf q = {0};
        sb_puts(&q, "SELECT ");
        cy_plan *p = t->plan;
        p->columns = calloc(ny ? ny : 1, sizeof *p->columns);
        p->ncolumns = 0;
        if (!p->columns) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        for (size_t i = 0; i < ny; i++) {
            if (i) sb_puts(&q, ", ");
            sb_puts(&q, t->sc.v[t->sc.n - ny + i].e[0]);
            p->columns[i] = strdup(names[i]);
            if (!p->columns[i]) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
            p->ncolumns++;
        }
        if (!ny) sb_puts(&q, "NULL");
        sb_printf(&q, " FROM %s", t->from.p);
        if (t->where.len) sb_printf(&q, " WHERE %s", t->where.p);
        t->standalone_sql = tr_take(t, &q);
    }
    return rc;
}

/* ---- a single query, a union ---- */

static int single_query(tr *t, const cy_node *q, const char **final_sql)
{
    *final_sql = NULL;
    for (size_t i = 0; i < q->nkids; i++) {
        const cy_node *c = q->kids[i];
        int rc;
        switch (c->kind) {
        case CY_MATCH:
        case CY_OPTIONAL_MATCH:
            t->topk_var = NULL;
            for (size_t j = i + 1; t->opts->db_mode && c->kind == CY_MATCH && j < q->nkids; j++)
                if (q->kids[j]->kind == CY_WITH || q->kids[j]->kind == CY_RETURN) {
                    t->topk_var = topk_candidate(q->kids[j]);
                    break;
                }
            rc = clause_match(t, c);
            break;
        case CY_UNWIND: rc = clause_unwind(t, c); break;
        case CY_WITH: rc = clause_project(t, c, false, NULL); break;
        case CY_RETURN: rc = clause_project(t, c, true, final_sql); break;
        case CY_CALL:
            rc = clause_call(t, c, q->nkids == 1);
            if (!rc && t->standalone_sql) *final_sql = t->standalone_sql;
            break;
        case CY_CREATE: {
            /* consecutive CREATE clauses are one CREATE of all their patterns (none of them
             * filters or reads), so a long script is one step, not one table per clause */
            size_t j = i, np = 0;
            while (j < q->nkids && q->kids[j]->kind == CY_CREATE) np += q->kids[j++]->kids[0]->nkids;
            if (j == i + 1) {
                rc = clause_create(t, c);
                break;
            }
            cy_node pat = {.kind = CY_PATTERN, .line = c->line, .col = c->col};
            pat.kids = malloc(np * sizeof *pat.kids);
            if (!pat.kids) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
            for (size_t k = i; k < j; k++)
                for (size_t m = 0; m < q->kids[k]->kids[0]->nkids; m++)
                    pat.kids[pat.nkids++] = q->kids[k]->kids[0]->kids[m];
            cy_node *pp = &pat;
            cy_node cr = {.kind = CY_CREATE, .kids = &pp, .nkids = 1, .line = c->line, .col = c->col};
            rc = clause_create(t, &cr);
            free(pat.kids);
            i = j - 1;
            break;
        }
        default: rc = tr_syntax(c, "this clause is not supported yet");
        }
        if (rc) return rc;
        if (t->oom) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    }
    const cy_node *last = q->kids[q->nkids - 1];
    if (!*final_sql && last->kind != CY_CREATE)
        return tr_syntax(last, "InvalidClauseComposition: a query must end with RETURN or an update");
    return BSP_OK;
}

static void tr_free(tr *t)
{
    stage_reset(t);
    arena_str *a = t->arena;
    while (a) {
        arena_str *n = a->next;
        free(a);
        a = n;
    }
    t->arena = NULL;
}

int cy_translate(const cy_node *root, cy_translate_opts *opts, cy_plan *out)
{
    memset(out, 0, sizeof *out);
    tr t = {.opts = opts, .plan = out};
    int rc = BSP_OK;
    sbuf sql = {0};
    if (root->kind == CY_UNION) {
        char **cols0 = NULL;
        size_t ncols0 = 0;
        for (size_t i = 0; i < root->nkids && !rc; i++) {
            const char *s;
            stage_reset(&t);
            rc = single_query(&t, root->kids[i], &s);
            if (!rc && !s) rc = tr_syntax(root->kids[i], "each part of a UNION must end with RETURN");
            if (rc) {
                if (i > 0 && out->columns != cols0) { /* the plan frees this part's; free the first's */
                    for (size_t k = 0; k < ncols0; k++) free(cols0[k]);
                    free(cols0);
                }
                break;
            }
            if (i == 0) {
                cols0 = out->columns;
                ncols0 = out->ncolumns;
            } else {
                bool same = out->ncolumns == ncols0;
                for (size_t k = 0; same && k < ncols0; k++) same = strcmp(cols0[k], out->columns[k]) == 0;
                for (size_t k = 0; k < out->ncolumns; k++) free(out->columns[k]);
                free(out->columns);
                out->columns = cols0;
                out->ncolumns = ncols0;
                if (!same) {
                    rc = tr_syntax(root, "DifferentColumnsInUnion: all parts of a UNION must return the same columns");
                    break;
                }
                sb_puts(&sql, strcmp(root->op, "all") == 0 ? " UNION ALL " : " UNION ");
            }
            sb_printf(&sql, "SELECT * FROM (%s)", s);
        }
    } else {
        const char *s;
        rc = single_query(&t, root, &s);
        if (!rc && s) sb_puts(&sql, s);
    }
    if (!rc && sql.len) {
        cy_step st = {.kind = PS_QUERY, .sql = sb_take(&sql)};
        if (!st.sql) rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
        else if ((rc = push_step(&t, &st))) free(st.sql);
    }
    if (!rc && (t.oom || sql.oom)) rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
    sb_free(&sql);
    tr_free(&t);
    if (rc) cy_plan_free(out);
    return rc;
}

void cy_plan_free(cy_plan *p)
{
    for (size_t i = 0; i < p->nsteps; i++) {
        cy_step *s = &p->steps[i];
        free(s->sql);
        free(s->table);
        for (size_t k = 0; k < s->nout; k++) free(s->out_cols[k]);
        free(s->out_cols);
        for (size_t k = 0; k < s->nops; k++) free(s->ops[k].type);
        free(s->ops);
        free(s->proc);
        free(s->yield_field);
    }
    free(p->steps);
    for (size_t i = 0; i < p->nparams; i++) free(p->params[i]);
    free(p->params);
    for (size_t i = 0; i < p->ncolumns; i++) free(p->columns[i]);
    free(p->columns);
    memset(p, 0, sizeof *p);
}
