/* Cypher expressions → SQL expressions over the cy_* function library (value.h).
 *
 * Every operator becomes a function call so Cypher's semantics (three-valued logic, null
 * propagation, type errors) hold whatever SQLite would do: a + b is cy_add(a, b), a = b is
 * cy_eq(a, b) and yields a Cypher Boolean, and a condition becomes cy_truth(...). Functions
 * named like the HDR SQL functions (hamming_distance, schema_passes, ...) pass through
 * unchanged, so the SQL layer's planner sees them and can push them down. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <strings.h>

#include "bindspace/error.h"
#include "cypher/translate_internal.h"
#include "cypher/value.h"
#include "util/error.h"

static const char *const aggregates[][2] = {
    {"count", "count"},         {"sum", "cy_sum"},       {"avg", "cy_avg"},
    {"min", "cy_min"},          {"max", "cy_max"},       {"collect", "cy_collect"},
    {"stdev", "cy_stdev"},      {"stdevp", "cy_stdevp"}, {"percentiledisc", "cy_percentiledisc"},
    {"percentilecont", "cy_percentilecont"}, {NULL, NULL}};

/* SQL functions of the HDR layer (spec §16) a Cypher query may call by name. */
static const char *const passthrough[] = {
    "hamming_distance", "semantic_distance", "xor_bind", "schema_passes", "ani_level",
    "nars_truth", "nars_f", "nars_c", "ani_dominant", "schema_version", "popcount",
    "xor_delta", "xor_apply", "fp_hex", "fp_unhex", "fp_random", "fp_text", NULL};

static const char *agg_sql(const char *name)
{
    for (int i = 0; aggregates[i][0]; i++)
        if (strcasecmp(name, aggregates[i][0]) == 0) return aggregates[i][1];
    return NULL;
}

bool tr_has_random(const cy_node *e)
{
    if (!e) return false;
    if (e->kind == CY_FUNC && (!strcasecmp(e->s, "rand") || !strcasecmp(e->s, "randomuuid"))) return true;
    for (size_t i = 0; i < e->nkids; i++)
        if (tr_has_random(e->kids[i])) return true;
    return false;
}

bool tr_has_aggregate(const cy_node *e)
{
    if (!e) return false;
    if (e->kind == CY_COUNT_STAR) return true;
    if (e->kind == CY_FUNC && agg_sql(e->s)) return true;
    for (size_t i = 0; i < e->nkids; i++)
        if (tr_has_aggregate(e->kids[i])) return true;
    return false;
}

int tr_param_index(tr *t, const char *name)
{
    cy_plan *p = t->plan;
    for (size_t i = 0; i < p->nparams; i++)
        if (strcmp(p->params[i], name) == 0) return (int)i + 1;
    char **np = realloc(p->params, (p->nparams + 1) * sizeof *np);
    if (!np) return -1;
    p->params = np;
    np[p->nparams] = strdup(name);
    if (!np[p->nparams]) return -1;
    return (int)++p->nparams;
}

const char *tr_binding_value(tr *t, const binding *b)
{
    if (b->kind == B_NODE)
        return tr_fmt(t, "CASE WHEN %s IS NULL THEN NULL ELSE cy_node(%s, %s, %s) END", b->e[0],
                      b->e[0], b->e[1], b->e[2]);
    if (b->kind == B_REL)
        return tr_fmt(t, "CASE WHEN %s IS NULL THEN NULL ELSE cy_rel(%s, %s, %s, %s, %s) END",
                      b->e[0], b->e[0], b->e[1], b->e[2], b->e[3], b->e[4]);
    return b->e[0];
}

static int var_lookup(tr *t, const cy_node *e, const scope *sc, const binding **out)
{
    (void)t;
    const binding *b = scope_find(sc, e->s);
    if (!b) return tr_syntax(e, "UndefinedVariable: variable `%s` not defined", e->s);
    *out = b;
    return BSP_OK;
}

static int args(tr *t, const cy_node *e, size_t from, const scope *sc, sbuf *o)
{
    for (size_t i = from; i < e->nkids; i++) {
        if (i > from) sb_puts(o, ", ");
        int rc = tr_expr(t, e->kids[i], sc, o);
        if (rc) return rc;
    }
    return BSP_OK;
}

static int call(tr *t, const char *fn, const cy_node *e, const scope *sc, sbuf *o)
{
    sb_puts(o, fn);
    sb_puts(o, "(");
    int rc = args(t, e, 0, sc, o);
    sb_puts(o, ")");
    return rc;
}

static const char *binop_fn(const char *op)
{
    static const char *const map[][2] = {
        {"+", "cy_add"}, {"-", "cy_sub"}, {"*", "cy_mul"}, {"/", "cy_div"}, {"%", "cy_mod"},
        {"^", "cy_pow"}, {"=", "cy_eq"}, {"<>", "cy_neq"}, {"<", "cy_lt"}, {"<=", "cy_le"},
        {">", "cy_gt"}, {">=", "cy_ge"}, {"and", "cy_and"}, {"or", "cy_or"}, {"xor", "cy_xor"},
        {"starts-with", "cy_starts_with"}, {"ends-with", "cy_ends_with"},
        {"contains", "cy_contains"}, {"in", "cy_in"}, {NULL, NULL}};
    for (int i = 0; map[i][0]; i++)
        if (strcmp(map[i][0], op) == 0) return map[i][1];
    return NULL;
}

static const char *unop_fn(const char *op)
{
    if (strcmp(op, "neg") == 0) return "cy_neg";
    if (strcmp(op, "not") == 0) return "cy_not";
    if (strcmp(op, "is-null") == 0) return "cy_is_null";
    if (strcmp(op, "is-not-null") == 0) return "cy_is_not_null";
    return NULL;
}

static void float_literal(sbuf *o, double f)
{
    if (isnan(f)) {
        sb_puts(o, "cy_f_tofloat('NaN')");
        return;
    }
    if (isinf(f)) {
        sb_puts(o, f > 0 ? "9e999" : "-9e999");
        return;
    }
    char num[40];
    snprintf(num, sizeof num, "%.17g", f);
    if (!strpbrk(num, ".eE")) strcat(num, ".0");
    sb_puts(o, num);
}

static int func(tr *t, const cy_node *e, const scope *sc, sbuf *o)
{
    const char *agg = agg_sql(e->s);
    if (agg) {
        for (size_t i = 0; i < e->nkids; i++)
            if (tr_has_aggregate(e->kids[i]))
                return tr_syntax(e, "NestedAggregation: aggregate inside %s()", e->s);
        sb_puts(o, agg);
        sb_puts(o, "(");
        if (e->op && strcmp(e->op, "distinct") == 0) sb_puts(o, "DISTINCT ");
        int rc = args(t, e, 0, sc, o);
        sb_puts(o, ")");
        return rc;
    }
    if (e->op) return tr_syntax(e, "InvalidAggregation: DISTINCT in a call of %s()", e->s);
    /* id(x), labels(x), type(r), properties(x) of a node or relationship variable read its
     * columns directly instead of building the whole value */
    if (e->nkids == 1 && e->kids[0]->kind == CY_VAR) {
        const binding *b = scope_find(sc, e->kids[0]->s);
        if (b && b->kind != B_VALUE) {
            int part = -1;
            if (!strcasecmp(e->s, "id")) part = 0;
            else if (!strcasecmp(e->s, "labels") && b->kind == B_NODE) part = 1;
            else if (!strcasecmp(e->s, "type") && b->kind == B_REL) part = 3;
            else if (!strcasecmp(e->s, "properties")) part = b->kind == B_NODE ? 2 : 4;
            if (part >= 0) {
                sb_puts(o, b->e[part]);
                return BSP_OK;
            }
        }
    }
    for (int i = 0; passthrough[i]; i++)
        if (strcasecmp(e->s, passthrough[i]) == 0) return call(t, passthrough[i], e, sc, o);
    if (strcasecmp(e->s, "exists") == 0) {
        if (e->nkids != 1) return tr_syntax(e, "InvalidNumberOfArguments: exists() takes 1 argument");
        return call(t, "cy_is_not_null", e, sc, o);
    }
    char lower[64];
    size_t n = strlen(e->s);
    if (n >= sizeof lower) return tr_syntax(e, "UnknownFunction: %s", e->s);
    for (size_t i = 0; i <= n; i++) lower[i] = (char)tolower((unsigned char)e->s[i]);
    for (size_t i = 0; i < n; i++)
        if (!((lower[i] >= 'a' && lower[i] <= 'z') || (lower[i] >= '0' && lower[i] <= '9') || lower[i] == '_'))
            return tr_syntax(e, "UnknownFunction: %s()", e->s);
    /* Cypher's scalar functions are cy_f_<name> (sqlfuncs_builtin.c); a name SQLite does not
     * know is reported as UnknownFunction when the statement is prepared (exec.c) */
    char fn[80];
    snprintf(fn, sizeof fn, "cy_f_%s", lower);
    return call(t, fn, e, sc, o);
}

/* n.key on a node or relationship variable reads its properties column; the fingerprint
 * of a database node is a column of its own. */
static int prop(tr *t, const cy_node *e, const scope *sc, sbuf *o)
{
    const cy_node *base = e->kids[0];
    if (base->kind == CY_VAR) {
        const binding *b = NULL;
        int rc = var_lookup(t, base, sc, &b);
        if (rc) return rc;
        if (b->kind == B_NODE && t->opts->db_mode && strcmp(e->s, "fingerprint") == 0) {
            if (b->vt) sb_printf(o, "%s.fingerprint", b->vt);
            else sb_printf(o, "(SELECT fingerprint FROM temp.bsp_nodes WHERE rowid = %s)", b->e[3]);
            return BSP_OK;
        }
        if (b->kind == B_NODE || b->kind == B_REL) {
            sb_puts(o, "cy_prop(");
            sb_puts(o, b->e[b->kind == B_NODE ? 2 : 4]);
            sb_puts(o, ", ");
            sb_sqlstr(o, e->s, e->slen);
            sb_puts(o, ")");
            return BSP_OK;
        }
    }
    sb_puts(o, "cy_prop(");
    int rc = tr_expr(t, base, sc, o);
    if (rc) return rc;
    sb_puts(o, ", ");
    sb_sqlstr(o, e->s, e->slen);
    sb_puts(o, ")");
    return BSP_OK;
}

static int case_expr(tr *t, const cy_node *e, const scope *sc, sbuf *o)
{
    const cy_node *subj = e->kids[0]->kind == CY_ABSENT ? NULL : e->kids[0];
    sb_puts(o, "(CASE");
    for (size_t i = 1; i < e->nkids; i++) {
        const cy_node *w = e->kids[i];
        int rc;
        if (w->kind == CY_WHEN) {
            sb_puts(o, " WHEN cy_truth(");
            if (subj) {
                sb_puts(o, "cy_eq(");
                if ((rc = tr_expr(t, subj, sc, o))) return rc;
                sb_puts(o, ", ");
            }
            if ((rc = tr_expr(t, w->kids[0], sc, o))) return rc;
            if (subj) sb_puts(o, ")");
            sb_puts(o, ") THEN ");
            if ((rc = tr_expr(t, w->kids[1], sc, o))) return rc;
        } else {
            sb_puts(o, " ELSE ");
            if ((rc = tr_expr(t, w->kids[0], sc, o))) return rc;
        }
    }
    sb_puts(o, " END)");
    return BSP_OK;
}

static bool is_logic(const char *op)
{
    return !strcmp(op, "and") || !strcmp(op, "or") || !strcmp(op, "xor");
}

/* A literal that can never be a Boolean, as an operand of AND/OR/XOR/NOT, is an error at
 * compile time (openCypher: SyntaxError InvalidArgumentType). */
static int check_boolean(const cy_node *e, const char *op)
{
    const char *what = NULL;
    switch (e->kind) {
    case CY_INT: what = "an Integer"; break;
    case CY_FLOAT: what = "a Float"; break;
    case CY_STRING: what = "a String"; break;
    case CY_LIST: what = "a List"; break;
    case CY_MAP: what = "a Map"; break;
    default: return BSP_OK;
    }
    return tr_syntax(e, "InvalidArgumentType: %s expects Boolean operands, got %s", op, what);
}

/* ---- list comprehensions, quantifiers, map projections, pattern expressions ---- */

/* sc plus x bound to alias.value (a row of cy_unwind). */
static int scope_with(const scope *sc, const char *x, const char *value, scope *out)
{
    *out = (scope){0};
    int rc = BSP_OK;
    for (size_t i = 0; i < sc->n && !rc; i++) rc = scope_push(out, &sc->v[i]);
    binding b = {.name = x, .kind = B_VALUE, .e = {value}};
    if (!rc) rc = scope_push(out, &b);
    return rc;
}

/* [x IN list WHERE pred | proj]: a subquery over cy_unwind(list); null list → null. */
static int list_comp(tr *t, const cy_node *e, const scope *sc, sbuf *o)
{
    const cy_node *x = e->kids[0], *list = e->kids[1], *pred = e->kids[2], *proj = e->kids[3];
    sbuf l = {0};
    int rc = tr_expr(t, list, sc, &l);
    const char *ls = tr_take(t, &l);
    const char *a = tr_fmt(t, "_u%d", ++t->serial);
    scope in;
    if (!rc) rc = scope_with(sc, x->s, tr_fmt(t, "%s.value", a), &in);
    else return rc;
    sbuf body = {0};
    if (!rc && proj->kind != CY_ABSENT) rc = tr_expr(t, proj, &in, &body);
    else if (!rc) sb_printf(&body, "%s.value", a);
    sbuf w = {0};
    if (!rc && pred->kind != CY_ABSENT) {
        sb_puts(&w, " WHERE cy_truth(");
        rc = tr_expr(t, pred, &in, &w);
        sb_puts(&w, ")");
    }
    /* the list is evaluated once (OFFSET 0 keeps SQLite from copying the expression, which
     * matters for rand()) */
    if (!rc && tr_has_random(list))
        sb_printf(o, "(SELECT CASE WHEN _l IS NULL THEN NULL ELSE (SELECT cy_collect_all(%s) FROM "
                     "cy_unwind(_l) AS %s%s) END FROM (SELECT %s AS _l LIMIT -1 OFFSET 0))",
                  body.p, a, w.p ? w.p : "", ls);
    else if (!rc)  /* the list may hold an aggregate, which must stay in this query */
        sb_printf(o, "(CASE WHEN %s IS NULL THEN NULL ELSE (SELECT cy_collect_all(%s) FROM "
                     "cy_unwind(%s) AS %s%s) END)", ls, body.p, ls, a, w.p ? w.p : "");
    sb_free(&body);
    sb_free(&w);
    scope_clear(&in);
    return rc;
}

/* any/all/none/single(x IN list WHERE pred) with three-valued results. */
static int quantifier(tr *t, const cy_node *e, const scope *sc, sbuf *o)
{
    const cy_node *x = e->kids[0], *list = e->kids[1], *pred = e->kids[2];
    if (pred->kind == CY_ABSENT) return tr_syntax(e, "%s(...) needs a WHERE predicate", e->op);
    sbuf l = {0};
    int rc = tr_expr(t, list, sc, &l);
    if (rc) {
        sb_free(&l);
        return rc;
    }
    const char *ls = tr_take(t, &l);
    const char *a = tr_fmt(t, "_u%d", ++t->serial);
    scope in;
    if ((rc = scope_with(sc, x->s, tr_fmt(t, "%s.value", a), &in))) return rc;
    sbuf p = {0};
    rc = tr_expr(t, pred, &in, &p);
    scope_clear(&in);
    if (rc) {
        sb_free(&p);
        return rc;
    }
    /* t = trues, f = falses, z = nulls */
    const char *verdict;
    if (!strcmp(e->op, "any")) verdict = "WHEN t > 0 THEN cy_bool(1) WHEN z > 0 THEN NULL ELSE cy_bool(0)";
    else if (!strcmp(e->op, "all")) verdict = "WHEN f > 0 THEN cy_bool(0) WHEN z > 0 THEN NULL ELSE cy_bool(1)";
    else if (!strcmp(e->op, "none")) verdict = "WHEN t > 0 THEN cy_bool(0) WHEN z > 0 THEN NULL ELSE cy_bool(1)";
    else verdict = "WHEN t > 1 THEN cy_bool(0) WHEN z > 0 THEN NULL WHEN t = 1 THEN cy_bool(1) ELSE cy_bool(0)";
    if (tr_has_random(list))
        sb_printf(o,
                  "(SELECT CASE WHEN _l IS NULL THEN NULL ELSE (SELECT CASE %s END FROM (SELECT "
                  "total(cy_truth(v)) AS t, total(v IS NOT NULL AND NOT cy_truth(v)) AS f, "
                  "total(v IS NULL) AS z FROM (SELECT %s AS v FROM cy_unwind(_l) AS %s LIMIT -1 OFFSET 0))) "
                  "END FROM (SELECT %s AS _l LIMIT -1 OFFSET 0))",
                  verdict, p.p, a, ls);
    else
        sb_printf(o,
                  "(CASE WHEN %s IS NULL THEN NULL ELSE (SELECT CASE %s END FROM (SELECT "
                  "total(cy_truth(v)) AS t, total(v IS NOT NULL AND NOT cy_truth(v)) AS f, "
                  "total(v IS NULL) AS z FROM (SELECT %s AS v FROM cy_unwind(%s) AS %s LIMIT -1 OFFSET 0))) END)",
                  ls, verdict, p.p, ls, a);
    sb_free(&p);
    return BSP_OK;
}

/* n{.a, k: e}: a map of the listed entries; null subject → null. */
static int map_projection(tr *t, const cy_node *e, const scope *sc, sbuf *o)
{
    sbuf subj = {0};
    int rc = tr_expr(t, e->kids[0], sc, &subj);
    sbuf m = {0};
    bool star = false;
    sb_puts(&m, "cy_map(");
    size_t n = 0;
    for (size_t i = 1; i < e->nkids && !rc; i++) {
        const cy_node *en = e->kids[i];
        if (en->kind == CY_STAR) {
            star = true;
            continue;
        }
        if (n++) sb_puts(&m, ", ");
        sb_sqlstr(&m, en->s, en->slen);
        sb_puts(&m, ", ");
        rc = tr_expr(t, en->kids[0], sc, &m);
    }
    sb_puts(&m, ")");
    if (!rc && star) {
        /* .* : the subject's properties, then the listed entries over them */
        sbuf mm = {0};
        sb_printf(&mm, "cy_map_merge(cy_f_properties(%s), %s)", subj.p, m.p);
        sb_free(&m);
        m = mm;
    }
    if (!rc) sb_printf(o, "(CASE WHEN %s IS NULL THEN NULL ELSE %s END)", subj.p, m.p);
    sb_free(&subj);
    sb_free(&m);
    return rc;
}

/* A pattern as an expression: EXISTS (pattern predicate, EXISTS { MATCH ... }) or a
 * collected projection (pattern comprehension). */
static int pattern_expr(tr *t, const cy_node *pattern, const cy_node *where, const cy_node *proj,
                        const scope *sc, sbuf *o)
{
    sbuf from = {0}, cond = {0};
    int nfrom = 0;
    scope in = {0};
    int rc = tr_subpattern(t, pattern, where, sc, &in, &from, &nfrom, &cond);
    sbuf body = {0};
    if (!rc && proj) rc = tr_expr(t, proj, &in, &body);
    if (!rc) {
        const char *f = nfrom ? from.p : "(SELECT 1)";
        const char *w = cond.len ? cond.p : "1";
        if (proj) sb_printf(o, "(SELECT cy_collect_all(%s) FROM %s WHERE %s)", body.p, f, w);
        else sb_printf(o, "cy_bool(EXISTS (SELECT 1 FROM %s WHERE %s))", f, w);
    }
    scope_clear(&in);
    sb_free(&from);
    sb_free(&cond);
    sb_free(&body);
    return rc;
}

static int exists_subquery(tr *t, const cy_node *e, const scope *sc, sbuf *o)
{
    const cy_node *q = e->kids[0];
    if (q->kind != CY_QUERY || q->nkids != 1 || q->kids[0]->kind != CY_MATCH)
        return tr_syntax(e, "EXISTS { } holding more than one MATCH is not supported yet");
    const cy_node *m = q->kids[0];
    const cy_node *where = m->nkids > 1 && m->kids[1]->kind == CY_WHERE ? m->kids[1] : NULL;
    return pattern_expr(t, m->kids[0], where, NULL, sc, o);
}

static int has_labels(tr *t, const cy_node *e, const scope *sc, sbuf *o)
{
    const cy_node *x = e->kids[0], *labels = e->kids[1];
    sbuf names = {0};
    for (size_t i = 0; i < labels->nkids; i++) {
        sb_puts(&names, ", ");
        sb_sqlstr(&names, labels->kids[i]->s, labels->kids[i]->slen);
    }
    const binding *b = x->kind == CY_VAR ? scope_find(sc, x->s) : NULL;
    int rc = BSP_OK;
    if (b && b->kind == B_NODE) {
        sb_printf(o, "(CASE WHEN %s IS NULL THEN NULL ELSE cy_bool(cy_labels_has(%s%s)) END)", b->e[0],
                  b->e[1], names.p ? names.p : "");
    } else {
        sbuf v = {0};
        rc = tr_expr(t, x, sc, &v);
        if (!rc)
            sb_printf(o, "(SELECT CASE WHEN v IS NULL THEN NULL ELSE cy_bool(cy_labels_has(cy_f_labels(v)%s)) END "
                         "FROM (SELECT %s AS v))", names.p ? names.p : "", v.p);
        sb_free(&v);
    }
    sb_free(&names);
    return rc;
}

/* ---- constant lists and maps become one SQL literal (any depth: SQLite's parser would
 * overflow on 40 nested cy_list calls) ---- */

static bool is_constant(const cy_node *e, int depth)
{
    if (depth > 200) return false;
    switch (e->kind) {
    case CY_INT: case CY_FLOAT: case CY_TRUE: case CY_FALSE: case CY_NULL: return true;
    case CY_STRING: return !memchr(e->s, 0, e->slen);
    case CY_LIST:
        for (size_t i = 0; i < e->nkids; i++)
            if (!is_constant(e->kids[i], depth + 1)) return false;
        return true;
    case CY_MAP:
        for (size_t i = 0; i < e->nkids; i++)
            if (!is_constant(e->kids[i]->kids[0], depth + 1)) return false;
        return true;
    default: return false;
    }
}

static int constant_value(const cy_node *e, cv *out)
{
    memset(out, 0, sizeof *out);
    switch (e->kind) {
    case CY_INT: cv_set_int(out, e->i); return BSP_OK;
    case CY_FLOAT: cv_set_float(out, e->f); return BSP_OK;
    case CY_TRUE: cv_set_bool(out, true); return BSP_OK;
    case CY_FALSE: cv_set_bool(out, false); return BSP_OK;
    case CY_NULL: return BSP_OK;
    case CY_STRING: return cv_set_string(out, e->s, e->slen);
    case CY_LIST:
        out->k = CV_LIST;
        for (size_t i = 0; i < e->nkids; i++) {
            cv item;
            int rc = constant_value(e->kids[i], &item);
            if (!rc && (rc = cv_list_push(out, &item))) cv_free(&item);
            if (rc) return rc;
        }
        return BSP_OK;
    case CY_MAP:
        out->k = CV_MAP;
        for (size_t i = 0; i < e->nkids; i++) {
            cv item;
            int rc = constant_value(e->kids[i]->kids[0], &item);
            if (!rc && (rc = cv_map_put(out, e->kids[i]->s, &item))) cv_free(&item);
            if (rc) return rc;
        }
        return BSP_OK;
    default: return bsp_err(BSP_EINVAL, "cypher: not a constant");
    }
}

/* 1 when e was emitted as one literal, 0 when it is not a constant worth folding. */
static int fold_constant(const cy_node *e, sbuf *o)
{
    if ((e->kind != CY_LIST && e->kind != CY_MAP) || !e->nkids || !is_constant(e, 0)) return 0;
    cv v;
    int rc = constant_value(e, &v);
    char *lit = rc ? NULL : cv_sql_literal(&v);
    cv_free(&v);
    if (!lit) return 0;
    sb_puts(o, lit);
    free(lit);
    return 1;
}

int tr_expr(tr *t, const cy_node *e, const scope *sc, sbuf *o)
{
    int rc;
    if (fold_constant(e, o)) return BSP_OK;
    switch (e->kind) {
    case CY_INT:
        if (e->i == INT64_MIN) sb_puts(o, "(-9223372036854775807-1)");
        else sb_printf(o, "%lld", (long long)e->i);
        return BSP_OK;
    case CY_FLOAT: float_literal(o, e->f); return BSP_OK;
    case CY_STRING:
        if (memchr(e->s, 0, e->slen)) sb_puts(o, "cy_f_tostring(NULL)");  /* NUL: unsupported */
        else sb_sqlstr(o, e->s, e->slen);
        return BSP_OK;
    case CY_TRUE: sb_puts(o, "cy_bool(1)"); return BSP_OK;
    case CY_FALSE: sb_puts(o, "cy_bool(0)"); return BSP_OK;
    case CY_NULL: sb_puts(o, "NULL"); return BSP_OK;
    case CY_PARAM: {
        int i = tr_param_index(t, e->s);
        if (i < 0) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        sb_printf(o, "?%d", i);
        return BSP_OK;
    }
    case CY_VAR: {
        const binding *b = NULL;
        if ((rc = var_lookup(t, e, sc, &b))) return rc;
        sb_puts(o, tr_binding_value(t, b));
        return BSP_OK;
    }
    case CY_PROP: return prop(t, e, sc, o);
    case CY_INDEX: return call(t, "cy_index", e, sc, o);
    case CY_SLICE: {
        sb_puts(o, "cy_slice(");
        if ((rc = tr_expr(t, e->kids[0], sc, o))) return rc;
        for (int k = 1; k <= 2; k++) {
            sb_puts(o, ", ");
            if (e->kids[k]->kind == CY_ABSENT) sb_puts(o, "NULL");
            else if ((rc = tr_expr(t, e->kids[k], sc, o))) return rc;
        }
        sb_printf(o, ", %d, %d)", e->kids[1]->kind != CY_ABSENT, e->kids[2]->kind != CY_ABSENT);
        return BSP_OK;
    }
    case CY_BINOP: {
        const char *fn = binop_fn(e->op);
        if (is_logic(e->op))
            for (int k = 0; k < 2; k++)
                if ((rc = check_boolean(e->kids[k], e->op))) return rc;
        if (!fn) return tr_syntax(e, "unsupported operator %s", e->op);
        return call(t, fn, e, sc, o);
    }
    case CY_UNOP: {
        const char *fn = unop_fn(e->op);
        if (strcmp(e->op, "not") == 0 && (rc = check_boolean(e->kids[0], "not"))) return rc;
        if (!fn) return tr_syntax(e, "unsupported operator %s", e->op);
        return call(t, fn, e, sc, o);
    }
    case CY_FUNC: return func(t, e, sc, o);
    case CY_COUNT_STAR: sb_puts(o, "count(*)"); return BSP_OK;
    case CY_LIST: return call(t, "cy_list", e, sc, o);
    case CY_MAP:
        sb_puts(o, "cy_map(");
        for (size_t i = 0; i < e->nkids; i++) {
            const cy_node *en = e->kids[i];
            if (i) sb_puts(o, ", ");
            sb_sqlstr(o, en->s, en->slen);
            sb_puts(o, ", ");
            if ((rc = tr_expr(t, en->kids[0], sc, o))) return rc;
        }
        sb_puts(o, ")");
        return BSP_OK;
    case CY_CASE: return case_expr(t, e, sc, o);
    case CY_HAS_LABELS: return has_labels(t, e, sc, o);
    case CY_LIST_COMP: return list_comp(t, e, sc, o);
    case CY_QUANT: return quantifier(t, e, sc, o);
    case CY_MAP_PROJ: return map_projection(t, e, sc, o);
    case CY_PATTERN_PRED: {
        /* a pattern predicate may not introduce variables (openCypher UndefinedVariable) */
        const cy_node *path = e->kids[0];
        for (size_t i = 0; i < path->nkids; i++)
            if (path->kids[i]->s && !scope_find(sc, path->kids[i]->s))
                return tr_syntax(path->kids[i], "UndefinedVariable: `%s` is not defined (a pattern "
                                 "predicate cannot introduce variables)", path->kids[i]->s);
        return pattern_expr(t, path, NULL, NULL, sc, o);
    }
    case CY_PATTERN_COMP: {
        cy_node *pred = e->kids[1];
        cy_node w = {.kind = CY_WHERE, .kids = &pred, .nkids = 1};
        return pattern_expr(t, e->kids[0], pred->kind == CY_ABSENT ? NULL : &w, e->kids[2], sc, o);
    }
    case CY_EXISTS: return exists_subquery(t, e, sc, o);
    default: return tr_syntax(e, "this expression is not supported yet");
    }
}
