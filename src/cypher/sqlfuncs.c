/* The cy_* SQL functions that give SQLite values Cypher's semantics: constructors,
 * operators, property and index access, the glue the translated SQL needs (cy_truth,
 * cy_sortkey, cy_render, ...), and the table-valued functions cy_unwind and cy_expand.
 * value.h lists them all; cy_sql_register also calls the builtin and aggregate libraries.
 *
 * The one idea: every function decodes its arguments to cv values, applies the openCypher
 * rule, and hands the result back through cv_result, so SQLite only ever sees the canonical
 * representations of value.h. Null propagates; a wrong type is an SQL error whose message
 * starts with the openCypher error class ("TypeError: ..."), which the engine reports
 * unchanged. Booleans, the commonest results, are two static 5-byte BLOBs. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cypher/sqlfuncs.h"
#include "cypher/value.h"
#include "util/error.h"

static const uint8_t BOOL_BLOB[2][5] = {{0xC7, 0x59, 0x01, CV_BOOL, 0},
                                        {0xC7, 0x59, 0x01, CV_BOOL, 1}};

static void result_bool(sqlite3_context *ctx, int b)
{
    sqlite3_result_blob(ctx, BOOL_BLOB[b != 0], 5, SQLITE_STATIC);
}

/* -1 if null or Boolean-valued three-valued result */
static void result_tv(sqlite3_context *ctx, int tv)
{
    if (tv < 0) sqlite3_result_null(ctx);
    else result_bool(ctx, tv);
}

void cyfn_errorf(sqlite3_context *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sqlite3_result_error(ctx, msg, -1);
}

static const char *kind_name(const cv *v)
{
    static const char *names[] = {"null", "Boolean", "Integer", "Float", "String", "bytes",
                                  "List", "Map", "Node", "Relationship", "Path"};
    return (unsigned)v->k <= CV_PATH ? names[v->k] : "?";
}

/* Decode argument sv into out; on failure the error is set on ctx and -1 returned. */
static int arg(sqlite3_context *ctx, sqlite3_value *sv, cv *out)
{
    int rc = cv_from_sqlite(sv, out);
    if (rc == 0) return 0;
    if (rc == BSP_ENOMEM) sqlite3_result_error_nomem(ctx);
    else cyfn_errorf(ctx, "ArgumentError: %s", bsp_errmsg());
    return -1;
}

/* Boolean argument: 0/1, -1 for null, -2 for anything else (kind in *k). No allocation for
 * the common forms. */
static int bool_of(sqlite3_value *sv, const char **kname)
{
    int t = sqlite3_value_type(sv);
    if (t == SQLITE_NULL) return -1;
    if (t == SQLITE_BLOB && sqlite3_value_bytes(sv) == 5) {
        const uint8_t *b = sqlite3_value_blob(sv);
        if (memcmp(b, BOOL_BLOB[0], 4) == 0 && b[4] <= 1) return b[4];
    }
    cv v;
    if (cv_from_sqlite(sv, &v) == 0) {
        *kname = kind_name(&v);
        cv_free(&v);
    } else {
        *kname = "a malformed value";
    }
    return -2;
}

/* ------------------------------------------------------------------ constructors */

static void fn_bool(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    switch (sqlite3_value_type(argv[0])) {
    case SQLITE_NULL: sqlite3_result_null(ctx); return;
    case SQLITE_INTEGER: result_bool(ctx, sqlite3_value_int64(argv[0]) != 0); return;
    case SQLITE_FLOAT: result_bool(ctx, sqlite3_value_double(argv[0]) != 0); return;
    default: break;
    }
    const char *kn = "?";
    int b = bool_of(argv[0], &kn);
    if (b >= 0) result_bool(ctx, b);
    else cyfn_errorf(ctx, "TypeError: cy_bool: expected a Boolean, got %s", kn);
}

static void fn_list(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    cv list = {.k = CV_LIST};
    for (int i = 0; i < argc; i++) {
        cv item;
        if (arg(ctx, argv[i], &item)) goto out;
        if (cv_list_push(&list, &item)) {
            cv_free(&item);
            sqlite3_result_error_nomem(ctx);
            goto out;
        }
    }
    cv_result(ctx, &list);
out:
    cv_free(&list);
}

static void fn_map(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (argc % 2) {
        cyfn_errorf(ctx, "ArgumentError: cy_map: expected key/value pairs, got %d arguments", argc);
        return;
    }
    cv map = {.k = CV_MAP};
    for (int i = 0; i < argc; i += 2) {
        if (sqlite3_value_type(argv[i]) != SQLITE_TEXT) {
            cyfn_errorf(ctx, "TypeError: cy_map: key %d must be a String", i / 2 + 1);
            goto out;
        }
        const char *k = (const char *)sqlite3_value_text(argv[i]);
        int kn = sqlite3_value_bytes(argv[i]);
        if (!k || memchr(k, 0, (size_t)kn)) {
            cyfn_errorf(ctx, "ArgumentError: cy_map: key %d contains a NUL byte", i / 2 + 1);
            goto out;
        }
        cv val;
        if (arg(ctx, argv[i + 1], &val)) goto out;
        if (cv_map_put(&map, k, &val)) {
            cv_free(&val);
            sqlite3_result_error_nomem(ctx);
            goto out;
        }
    }
    cv_result(ctx, &map);
out:
    cv_free(&map);
}

/* A properties argument: NULL → empty map, a Map, or JSON text of an object. */
static int props_arg(sqlite3_context *ctx, sqlite3_value *sv, const char *fn, cv **out)
{
    *out = NULL;
    cv *m = malloc(sizeof *m);
    if (!m) { sqlite3_result_error_nomem(ctx); return -1; }
    int rc;
    if (sqlite3_value_type(sv) == SQLITE_TEXT)
        rc = cv_from_json((const char *)sqlite3_value_text(sv), (size_t)sqlite3_value_bytes(sv), m);
    else
        rc = cv_from_sqlite(sv, m);
    if (rc) {
        free(m);
        cyfn_errorf(ctx, "ArgumentError: %s: properties: %s", fn, bsp_errmsg());
        return -1;
    }
    if (m->k == CV_NULL) m->k = CV_MAP;
    if (m->k != CV_MAP) {
        cyfn_errorf(ctx, "TypeError: %s: properties must be a Map, got %s", fn, kind_name(m));
        cv_free(m);
        free(m);
        return -1;
    }
    *out = m;
    return 0;
}

/* Labels: NULL → none, a List of Strings, or JSON text of an array of strings. */
static int labels_arg(sqlite3_context *ctx, sqlite3_value *sv, cv *node)
{
    cv l;
    int rc;
    if (sqlite3_value_type(sv) == SQLITE_TEXT)
        rc = cv_from_json((const char *)sqlite3_value_text(sv), (size_t)sqlite3_value_bytes(sv), &l);
    else
        rc = cv_from_sqlite(sv, &l);
    if (rc) {
        cyfn_errorf(ctx, "ArgumentError: cy_node: labels: %s", bsp_errmsg());
        return -1;
    }
    if (l.k == CV_NULL) return 0;
    if (l.k != CV_LIST) goto bad;
    for (size_t i = 0; i < l.u.list.n; i++)
        if (l.u.list.v[i].k != CV_STRING || memchr(l.u.list.v[i].u.s.p, 0, l.u.list.v[i].u.s.n))
            goto bad;
    if (l.u.list.n) {
        node->u.node.labels = calloc(l.u.list.n, sizeof(char *));
        if (!node->u.node.labels) {
            cv_free(&l);
            sqlite3_result_error_nomem(ctx);
            return -1;
        }
    }
    for (size_t i = 0; i < l.u.list.n; i++) {  /* steal the strings (NUL-terminated) */
        node->u.node.labels[i] = l.u.list.v[i].u.s.p;
        l.u.list.v[i].k = CV_NULL;
        l.u.list.v[i].u.s.p = NULL;
    }
    node->u.node.nlabels = l.u.list.n;
    cv_free(&l);
    return 0;
bad:
    cv_free(&l);
    cyfn_errorf(ctx, "TypeError: cy_node: labels must be a List of Strings");
    return -1;
}

static int int_arg(sqlite3_context *ctx, sqlite3_value *sv, const char *what, int64_t *out)
{
    if (sqlite3_value_type(sv) != SQLITE_INTEGER) {
        cyfn_errorf(ctx, "TypeError: %s must be an Integer", what);
        return -1;
    }
    *out = sqlite3_value_int64(sv);
    return 0;
}

static void fn_node(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {  /* no node (OPTIONAL MATCH) */
        sqlite3_result_null(ctx);
        return;
    }
    cv n = {.k = CV_NODE};
    if (int_arg(ctx, argv[0], "cy_node: id", &n.u.node.id)) return;
    if (labels_arg(ctx, argv[1], &n) == 0 && props_arg(ctx, argv[2], "cy_node", &n.u.node.props) == 0)
        cv_result(ctx, &n);
    cv_free(&n);
}

static void fn_rel(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    cv r = {.k = CV_REL};
    if (int_arg(ctx, argv[0], "cy_rel: id", &r.u.rel.id) ||
        int_arg(ctx, argv[1], "cy_rel: src", &r.u.rel.src) ||
        int_arg(ctx, argv[2], "cy_rel: dst", &r.u.rel.dst))
        return;
    if (sqlite3_value_type(argv[3]) != SQLITE_TEXT) {
        cyfn_errorf(ctx, "TypeError: cy_rel: type must be a String");
        return;
    }
    const char *t = (const char *)sqlite3_value_text(argv[3]);
    if (!t || !(r.u.rel.type = strdup(t))) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (props_arg(ctx, argv[4], "cy_rel", &r.u.rel.props) == 0) cv_result(ctx, &r);
    cv_free(&r);
}

/* Append e (a node, relationship or list of them) to path p; 1 as soon as a null is met
 * (the whole path is then null: an OPTIONAL MATCH that did not match), -1 on error. */
static int path_add(sqlite3_context *ctx, cv *p, cv *e, int depth)
{
    if (e->k == CV_NULL) return 1;
    if ((e->k == CV_LIST || e->k == CV_PATH) && depth == 0) {
        for (size_t i = 0; i < e->u.list.n; i++) {
            int rc = path_add(ctx, p, &e->u.list.v[i], 1);
            if (rc) return rc;
        }
        return 0;
    }
    size_t n = p->u.list.n;
    const cv *last = n ? &p->u.list.v[n - 1] : NULL;
    if (e->k == CV_NODE) {
        if (last && last->k == CV_NODE) {
            if (last->u.node.id == e->u.node.id) return 0;  /* segments share their ends */
            cyfn_errorf(ctx, "ArgumentError: cy_path: two different nodes in a row");
            return -1;
        }
    } else if (e->k == CV_REL) {
        if (!last || last->k != CV_NODE) {
            cyfn_errorf(ctx, "ArgumentError: cy_path: a relationship must follow a node");
            return -1;
        }
        if (e->u.rel.src != last->u.node.id && e->u.rel.dst != last->u.node.id) {
            cyfn_errorf(ctx, "ArgumentError: cy_path: relationship %lld does not touch node %lld",
                 (long long)e->u.rel.id, (long long)last->u.node.id);
            return -1;
        }
    } else {
        cyfn_errorf(ctx, "TypeError: cy_path: expected Nodes and Relationships, got %s", kind_name(e));
        return -1;
    }
    cv c;
    if (cv_copy(&c, e) || cv_list_push(p, &c)) {
        cv_free(&c);
        sqlite3_result_error_nomem(ctx);
        return -1;
    }
    return 0;
}

static void fn_path(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    cv p = {.k = CV_PATH};
    int null = 0;
    for (int i = 0; i < argc; i++) {
        cv e;
        if (arg(ctx, argv[i], &e)) goto out;
        int rc = path_add(ctx, &p, &e, 0);
        cv_free(&e);
        if (rc < 0) goto out;
        if (rc > 0) {
            null = 1;
            break;
        }
    }
    if (null) {
        sqlite3_result_null(ctx);
        goto out;
    }
    if (p.u.list.n == 0 || p.u.list.v[p.u.list.n - 1].k != CV_NODE) {
        cyfn_errorf(ctx, "ArgumentError: cy_path: a path starts and ends with a node");
        goto out;
    }
    cv_result(ctx, &p);
out:
    cv_free(&p);
}

static void fn_from_json(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    cv v = {.k = CV_MAP};
    if (sqlite3_value_type(argv[0]) != SQLITE_NULL) {
        const char *t = (const char *)sqlite3_value_text(argv[0]);
        if (!t) { sqlite3_result_error_nomem(ctx); return; }
        if (cv_from_json(t, (size_t)sqlite3_value_bytes(argv[0]), &v)) {
            cyfn_errorf(ctx, "ArgumentError: cy_from_json: %s", bsp_errmsg());
            return;
        }
    }
    cv_result(ctx, &v);
    cv_free(&v);
}

/* ------------------------------------------------------------------ arithmetic */

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_POW };
static const char *const OP_SYM[] = {"+", "-", "*", "/", "%", "^"};

static double num_f(const cv *v) { return v->k == CV_INT ? (double)v->u.i : v->u.f; }

/* Numeric op on numbers a, b into out; -1 with ctx's error set. */
static int arith(sqlite3_context *ctx, int op, const cv *a, const cv *b, cv *out)
{
    if (a->k == CV_INT && b->k == CV_INT && op != OP_POW) {
        int64_t x = a->u.i, y = b->u.i, r = 0;
        bool ovf = false;
        switch (op) {
        case OP_ADD: ovf = __builtin_add_overflow(x, y, &r); break;
        case OP_SUB: ovf = __builtin_sub_overflow(x, y, &r); break;
        case OP_MUL: ovf = __builtin_mul_overflow(x, y, &r); break;
        case OP_DIV:
        case OP_MOD:
            if (y == 0) {
                cyfn_errorf(ctx, "ArithmeticError: / by zero");
                return -1;
            }
            if (y == -1) {  /* INT64_MIN / -1 overflows; INT64_MIN % -1 is 0 */
                if (op == OP_MOD) r = 0;
                else ovf = __builtin_sub_overflow((int64_t)0, x, &r);
            } else {
                r = op == OP_DIV ? x / y : x % y;
            }
            break;
        }
        if (ovf) {
            cyfn_errorf(ctx, "ArithmeticError: integer overflow");
            return -1;
        }
        cv_set_int(out, r);
        return 0;
    }
    double x = num_f(a), y = num_f(b), r = 0;
    switch (op) {
    case OP_ADD: r = x + y; break;
    case OP_SUB: r = x - y; break;
    case OP_MUL: r = x * y; break;
    case OP_DIV: r = x / y; break;
    case OP_MOD: r = fmod(x, y); break;
    case OP_POW: r = pow(x, y); break;
    }
    cv_set_float(out, r);
    return 0;
}

/* String form of a number for String + number concatenation. */
static int num_text(const cv *v, char **s, size_t *n)
{
    *s = cv_render(v);
    if (!*s) return -1;
    *n = strlen(*s);
    return 0;
}

static int concat_str(cv *out, const char *a, size_t an, const char *b, size_t bn)
{
    char *p = malloc(an + bn + 1);
    if (!p) return -1;
    if (an) memcpy(p, a, an);
    if (bn) memcpy(p + an, b, bn);
    p[an + bn] = 0;
    cv_set_null(out);
    out->k = CV_STRING;
    out->u.s.p = p;
    out->u.s.n = an + bn;
    return 0;
}

/* a + b beyond numbers: string concatenation (a number joins a string as its text), list
 * concatenation, and appending/prepending one element to a list. */
static int add_other(sqlite3_context *ctx, cv *a, cv *b, cv *out)
{
    if (a->k == CV_LIST || b->k == CV_LIST) {
        cv l = {.k = CV_LIST};
        cv *parts[2] = {a, b};
        for (int k = 0; k < 2; k++) {
            cv *x = parts[k];
            if (x->k == CV_LIST) {
                for (size_t i = 0; i < x->u.list.n; i++)
                    if (cv_list_push(&l, &x->u.list.v[i])) goto oom;
            } else if (cv_list_push(&l, x)) {
                goto oom;
            }
        }
        *out = l;
        return 0;
    oom:
        cv_free(&l);
        sqlite3_result_error_nomem(ctx);
        return -1;
    }
    bool as = a->k == CV_STRING, bs = b->k == CV_STRING;
    if ((as && (bs || b->k == CV_INT || b->k == CV_FLOAT)) || (bs && (a->k == CV_INT || a->k == CV_FLOAT))) {
        char *t = NULL;
        size_t tn = 0;
        int rc;
        if (as && bs) rc = concat_str(out, a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
        else if (as) rc = num_text(b, &t, &tn) ? -1 : concat_str(out, a->u.s.p, a->u.s.n, t, tn);
        else rc = num_text(a, &t, &tn) ? -1 : concat_str(out, t, tn, b->u.s.p, b->u.s.n);
        free(t);
        if (rc) sqlite3_result_error_nomem(ctx);
        return rc;
    }
    cyfn_errorf(ctx, "TypeError: InvalidArgumentType: cannot add %s and %s", kind_name(a), kind_name(b));
    return -1;
}

static void binop(sqlite3_context *ctx, sqlite3_value **argv, int op)
{
    int ta = sqlite3_value_type(argv[0]), tb = sqlite3_value_type(argv[1]);
    if (ta == SQLITE_NULL || tb == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    cv a, b, r;
    bool na = ta == SQLITE_INTEGER || ta == SQLITE_FLOAT, nb = tb == SQLITE_INTEGER || tb == SQLITE_FLOAT;
    if (na && nb) {  /* plain numbers: no decoding */
        if (ta == SQLITE_INTEGER) cv_set_int(&a, sqlite3_value_int64(argv[0]));
        else cv_set_float(&a, sqlite3_value_double(argv[0]));
        if (tb == SQLITE_INTEGER) cv_set_int(&b, sqlite3_value_int64(argv[1]));
        else cv_set_float(&b, sqlite3_value_double(argv[1]));
        if (arith(ctx, op, &a, &b, &r) == 0) cv_result(ctx, &r);
        return;
    }
    cv_set_null(&r);
    if (arg(ctx, argv[0], &a)) return;
    if (arg(ctx, argv[1], &b)) {
        cv_free(&a);
        return;
    }
    bool an = a.k == CV_INT || a.k == CV_FLOAT, bn = b.k == CV_INT || b.k == CV_FLOAT;
    int rc;
    if (an && bn) rc = arith(ctx, op, &a, &b, &r);
    else if (a.k == CV_NULL || b.k == CV_NULL) rc = 0;  /* a tagged NaN is not null; this is */
    else if (op == OP_ADD) rc = add_other(ctx, &a, &b, &r);
    else {
        cyfn_errorf(ctx, "TypeError: InvalidArgumentType: cannot apply %s to %s and %s", OP_SYM[op], kind_name(&a), kind_name(&b));
        rc = -1;
    }
    if (rc == 0) cv_result(ctx, &r);
    cv_free(&a);
    cv_free(&b);
    cv_free(&r);
}

static void fn_add(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; binop(c, v, OP_ADD); }
static void fn_sub(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; binop(c, v, OP_SUB); }
static void fn_mul(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; binop(c, v, OP_MUL); }
static void fn_div(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; binop(c, v, OP_DIV); }
static void fn_mod(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; binop(c, v, OP_MOD); }
static void fn_pow(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; binop(c, v, OP_POW); }

static void fn_neg(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    cv a;
    if (arg(ctx, argv[0], &a)) return;
    if (a.k == CV_NULL) sqlite3_result_null(ctx);
    else if (a.k == CV_INT) {
        if (a.u.i == INT64_MIN) cyfn_errorf(ctx, "ArithmeticError: integer overflow");
        else sqlite3_result_int64(ctx, -a.u.i);
    } else if (a.k == CV_FLOAT) {
        a.u.f = -a.u.f;
        cv_result(ctx, &a);
    } else {
        cyfn_errorf(ctx, "TypeError: InvalidArgumentType: cannot negate %s", kind_name(&a));
    }
    cv_free(&a);
}

/* ------------------------------------------------------------------ comparison, logic */

enum { CMP_EQ, CMP_NEQ, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

/* Comparison of two native SQLite values without decoding: -1/0/1, CV_CMP_NULL, or 9
 * when a BLOB is involved (take the general path). NaN never arrives natively. */
static int native_cmp(sqlite3_value *x, sqlite3_value *y, bool *same_kind)
{
    int tx = sqlite3_value_type(x), ty = sqlite3_value_type(y);
    *same_kind = true;
    if (tx == SQLITE_BLOB || ty == SQLITE_BLOB) return 9;
    if (tx == SQLITE_NULL || ty == SQLITE_NULL) return CV_CMP_NULL;
    if (tx == SQLITE_TEXT && ty == SQLITE_TEXT) {
        const unsigned char *a = sqlite3_value_text(x), *b = sqlite3_value_text(y);
        int an = sqlite3_value_bytes(x), bn = sqlite3_value_bytes(y);
        if (!a || !b) return 9;
        int c = memcmp(a, b, (size_t)(an < bn ? an : bn));
        if (c) return c < 0 ? -1 : 1;
        return an < bn ? -1 : an > bn;
    }
    if (tx == SQLITE_TEXT || ty == SQLITE_TEXT) {
        *same_kind = false;
        return CV_CMP_NULL;
    }
    cv a, b;
    if (tx == SQLITE_INTEGER) cv_set_int(&a, sqlite3_value_int64(x));
    else cv_set_float(&a, sqlite3_value_double(x));
    if (ty == SQLITE_INTEGER) cv_set_int(&b, sqlite3_value_int64(y));
    else cv_set_float(&b, sqlite3_value_double(y));
    return cv_compare(&a, &b);
}

static void cmpop(sqlite3_context *ctx, sqlite3_value **argv, int op)
{
    bool same;
    int nc = native_cmp(argv[0], argv[1], &same);
    if (nc != 9) {
        int tv;
        if (nc == CV_CMP_NULL) tv = (op == CMP_EQ || op == CMP_NEQ) && !same ? (op == CMP_NEQ) : -1;
        else if (nc == CV_CMP_FALSE) tv = op == CMP_NEQ;
        else if (op == CMP_EQ) tv = nc == 0;
        else if (op == CMP_NEQ) tv = nc != 0;
        else if (op == CMP_LT) tv = nc < 0;
        else if (op == CMP_LE) tv = nc <= 0;
        else if (op == CMP_GT) tv = nc > 0;
        else tv = nc >= 0;
        result_tv(ctx, tv);
        return;
    }
    cv a, b;
    if (arg(ctx, argv[0], &a)) return;
    if (arg(ctx, argv[1], &b)) {
        cv_free(&a);
        return;
    }
    int tv;
    if (op == CMP_EQ || op == CMP_NEQ) {
        tv = cv_equals(&a, &b);
        if (op == CMP_NEQ && tv >= 0) tv = !tv;
    } else {
        int c = cv_compare(&a, &b);
        if (c == CV_CMP_NULL) tv = -1;
        else if (c == CV_CMP_FALSE) tv = 0;
        else if (op == CMP_LT) tv = c < 0;
        else if (op == CMP_LE) tv = c <= 0;
        else if (op == CMP_GT) tv = c > 0;
        else tv = c >= 0;
    }
    result_tv(ctx, tv);
    cv_free(&a);
    cv_free(&b);
}

static void fn_eq(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; cmpop(c, v, CMP_EQ); }
static void fn_neq(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; cmpop(c, v, CMP_NEQ); }
static void fn_lt(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; cmpop(c, v, CMP_LT); }
static void fn_le(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; cmpop(c, v, CMP_LE); }
static void fn_gt(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; cmpop(c, v, CMP_GT); }
static void fn_ge(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; cmpop(c, v, CMP_GE); }

enum { LOG_AND, LOG_OR, LOG_XOR };
static const char *const LOG_NAME[] = {"AND", "OR", "XOR"};

static void logop(sqlite3_context *ctx, sqlite3_value **argv, int op)
{
    const char *kn = "?";
    int a = bool_of(argv[0], &kn);
    if (a == -2) {
        cyfn_errorf(ctx, "TypeError: InvalidArgumentType: %s expects Boolean operands, got %s", LOG_NAME[op], kn);
        return;
    }
    int b = bool_of(argv[1], &kn);
    if (b == -2) {
        cyfn_errorf(ctx, "TypeError: InvalidArgumentType: %s expects Boolean operands, got %s", LOG_NAME[op], kn);
        return;
    }
    int tv;
    switch (op) {
    case LOG_AND: tv = (a == 0 || b == 0) ? 0 : (a < 0 || b < 0) ? -1 : 1; break;
    case LOG_OR: tv = (a == 1 || b == 1) ? 1 : (a < 0 || b < 0) ? -1 : 0; break;
    default: tv = (a < 0 || b < 0) ? -1 : a != b; break;
    }
    result_tv(ctx, tv);
}

static void fn_and(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; logop(c, v, LOG_AND); }
static void fn_or(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; logop(c, v, LOG_OR); }
static void fn_xor(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; logop(c, v, LOG_XOR); }

static void fn_not(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *kn = "?";
    int a = bool_of(argv[0], &kn);
    if (a == -2) cyfn_errorf(ctx, "TypeError: InvalidArgumentType: NOT expects a Boolean operand, got %s", kn);
    else result_tv(ctx, a < 0 ? -1 : !a);
}

enum { STR_STARTS, STR_ENDS, STR_CONTAINS };

static void strop(sqlite3_context *ctx, sqlite3_value **argv, int op)
{
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT || sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
        sqlite3_result_null(ctx);
        return;
    }
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    size_t sn = (size_t)sqlite3_value_bytes(argv[0]);
    const char *t = (const char *)sqlite3_value_text(argv[1]);
    size_t tn = (size_t)sqlite3_value_bytes(argv[1]);
    if (!s || !t) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    int r = 0;
    if (tn <= sn) {
        if (op == STR_STARTS) r = memcmp(s, t, tn) == 0;
        else if (op == STR_ENDS) r = memcmp(s + sn - tn, t, tn) == 0;
        else r = tn == 0 || memmem(s, sn, t, tn) != NULL;
    }
    result_bool(ctx, r);
}

static void fn_starts(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; strop(c, v, STR_STARTS); }
static void fn_ends(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; strop(c, v, STR_ENDS); }
static void fn_contains(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; strop(c, v, STR_CONTAINS); }

static void fn_in(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    cv x, l;
    if (arg(ctx, argv[1], &l)) return;
    if (l.k == CV_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    if (l.k != CV_LIST) {
        cyfn_errorf(ctx, "TypeError: InvalidArgumentType: IN expects a List on the right, got %s", kind_name(&l));
        cv_free(&l);
        return;
    }
    if (arg(ctx, argv[0], &x)) {
        cv_free(&l);
        return;
    }
    int tv = 0;
    for (size_t i = 0; i < l.u.list.n && tv != 1; i++) {
        int e = cv_equals(&x, &l.u.list.v[i]);
        if (e == 1) tv = 1;
        else if (e < 0) tv = -1;
    }
    result_tv(ctx, tv);
    cv_free(&x);
    cv_free(&l);
}

static void fn_is_null(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    result_bool(ctx, sqlite3_value_type(argv[0]) == SQLITE_NULL);
}

static void fn_is_not_null(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    result_bool(ctx, sqlite3_value_type(argv[0]) != SQLITE_NULL);
}

/* ------------------------------------------------------------------ access */

/* Property key of v (map, node, relationship) into ctx's result. */
static void prop_result(sqlite3_context *ctx, const cv *v, const char *key, size_t keylen)
{
    const cv *m = v->k == CV_MAP ? v : v->k == CV_NODE ? v->u.node.props
                                     : v->k == CV_REL ? v->u.rel.props : NULL;
    if (v->k != CV_MAP && v->k != CV_NODE && v->k != CV_REL) {
        cyfn_errorf(ctx, "TypeError: InvalidArgumentType: cannot access property '%.*s' of %s", (int)(keylen > 100 ? 100 : keylen),
             key, kind_name(v));
        return;
    }
    const cv *x = cv_map_get(m, key, keylen);
    if (x) cv_result(ctx, x);
    else sqlite3_result_null(ctx);
}

static void fn_prop(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    if (sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
        cyfn_errorf(ctx, "TypeError: a property key must be a String");
        return;
    }
    const char *key = (const char *)sqlite3_value_text(argv[1]);
    size_t keylen = (size_t)sqlite3_value_bytes(argv[1]);
    if (!key) { sqlite3_result_error_nomem(ctx); return; }
    cv v;
    if (sqlite3_value_type(argv[0]) == SQLITE_BLOB) {  /* fast path: no full decode */
        cv_kind kind;
        int rc = cv_prop_encoded(sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0]),
                                 key, keylen, &v, &kind);
        if (rc == 1) {
            cv_result(ctx, &v);
            cv_free(&v);
            return;
        }
        if (rc == 0) {
            sqlite3_result_null(ctx);
            return;
        }
    }
    if (arg(ctx, argv[0], &v)) return;
    prop_result(ctx, &v, key, keylen);
    cv_free(&v);
}

static void fn_index(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    cv v, i;
    if (arg(ctx, argv[0], &v)) return;
    if (arg(ctx, argv[1], &i)) {
        cv_free(&v);
        return;
    }
    if (v.k == CV_NULL || i.k == CV_NULL) {
        sqlite3_result_null(ctx);
    } else if (v.k == CV_LIST) {
        if (i.k != CV_INT) {
            cyfn_errorf(ctx, "TypeError: ListElementAccessByNonInteger: a List index must be an Integer, got %s", kind_name(&i));
        } else {
            int64_t n = (int64_t)v.u.list.n, k = i.u.i < 0 ? i.u.i + n : i.u.i;
            if (i.u.i < -n || k >= n) sqlite3_result_null(ctx);
            else cv_result(ctx, &v.u.list.v[k]);
        }
    } else if (v.k == CV_MAP || v.k == CV_NODE || v.k == CV_REL) {
        if (i.k != CV_STRING) cyfn_errorf(ctx, "TypeError: MapElementAccessByNonString: a Map key must be a String, got %s", kind_name(&i));
        else prop_result(ctx, &v, i.u.s.p, i.u.s.n);
    } else {
        cyfn_errorf(ctx, "TypeError: InvalidArgumentType: cannot index %s", kind_name(&v));
    }
    cv_free(&v);
    cv_free(&i);
}

static void fn_slice(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    cv v;
    if (arg(ctx, argv[0], &v)) return;
    int64_t n = v.k == CV_LIST ? (int64_t)v.u.list.n : 0, bound[2] = {0, n};
    bool null = v.k == CV_NULL;
    for (int k = 0; k < 2 && !null; k++) {
        if (!sqlite3_value_int(argv[3 + k])) continue;
        int t = sqlite3_value_type(argv[1 + k]);
        if (t == SQLITE_NULL) { null = true; break; }
        if (t != SQLITE_INTEGER) {
            cyfn_errorf(ctx, "TypeError: InvalidArgumentType: a List slice bound must be an Integer");
            cv_free(&v);
            return;
        }
        int64_t b = sqlite3_value_int64(argv[1 + k]);
        if (b < 0) b = b < -n ? 0 : b + n;
        bound[k] = b > n ? n : b;
    }
    if (null) {
        sqlite3_result_null(ctx);
    } else if (v.k != CV_LIST) {
        cyfn_errorf(ctx, "TypeError: InvalidArgumentType: cannot slice %s", kind_name(&v));
    } else {
        cv out = {.k = CV_LIST};
        if (bound[0] < bound[1]) {
            out.u.list.v = v.u.list.v + bound[0];  /* borrowed: no copy needed */
            out.u.list.n = (size_t)(bound[1] - bound[0]);
        }
        cv_result(ctx, &out);
    }
    cv_free(&v);
}

/* ------------------------------------------------------------------ SQL glue */

static void fn_truth(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *kn;
    sqlite3_result_int(ctx, bool_of(argv[0], &kn) == 1);
}

static void fn_sortkey(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    cv v;
    if (arg(ctx, argv[0], &v)) return;
    uint8_t *k;
    size_t n;
    if (cv_sortkey(&v, &k, &n)) sqlite3_result_error_nomem(ctx);
    else sqlite3_result_blob64(ctx, k, n, free);
    cv_free(&v);
}

static void text_of(sqlite3_context *ctx, sqlite3_value *sv, char *(*fn)(const cv *))
{
    cv v;
    if (arg(ctx, sv, &v)) return;
    char *s = fn(&v);
    if (!s) sqlite3_result_error_nomem(ctx);
    else sqlite3_result_text64(ctx, s, strlen(s), free, SQLITE_UTF8);
    cv_free(&v);
}

static void fn_render(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; text_of(c, v[0], cv_render); }
static void fn_json(sqlite3_context *c, int n, sqlite3_value **v) { (void)n; text_of(c, v[0], cv_json); }

/* Whether the encoded List of Strings p[0..n) (a tagged BLOB) holds want: 1 yes, 0 no, -1
 * not such a list (decode it instead). Reads in place: label tests run on every row. */
static int list_has_string(const uint8_t *p, size_t n, const char *want, size_t wn)
{
    if (n < CV_MAGIC_LEN + 5 || n == 2048 || memcmp(p, CV_MAGIC, CV_MAGIC_LEN) != 0 ||
        p[CV_MAGIC_LEN] != CV_LIST)
        return -1;
    size_t at = CV_MAGIC_LEN + 1;
    uint32_t cnt = (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 | (uint32_t)p[at + 2] << 16 |
                   (uint32_t)p[at + 3] << 24;
    at += 4;
    int found = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        if (n - at < 5 || p[at] != CV_STRING) return -1;
        uint32_t len = (uint32_t)p[at + 1] | (uint32_t)p[at + 2] << 8 | (uint32_t)p[at + 3] << 16 |
                       (uint32_t)p[at + 4] << 24;
        at += 5;
        if (n - at < len) return -1;
        if (!found && len == wn && memcmp(p + at, want, wn) == 0) found = 1;
        at += len;
    }
    return found;
}

static void fn_labels_has(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (sqlite3_value_type(argv[0]) == SQLITE_BLOB) {  /* fast path: the stored label list */
        const uint8_t *p = sqlite3_value_blob(argv[0]);
        size_t n = (size_t)sqlite3_value_bytes(argv[0]);
        int ok = 1;
        for (int i = 1; ok == 1 && i < argc; i++) {
            const char *want = (const char *)sqlite3_value_text(argv[i]);
            ok = want ? list_has_string(p, n, want, (size_t)sqlite3_value_bytes(argv[i])) : 0;
        }
        if (ok >= 0 && (argc > 1 || list_has_string(p, n, "", 0) >= 0)) {
            sqlite3_result_int(ctx, ok);
            return;
        }
    }
    cv l;
    if (arg(ctx, argv[0], &l)) return;
    int ok = l.k == CV_LIST || l.k == CV_NODE;
    for (int i = 1; ok && i < argc; i++) {
        const char *want = (const char *)sqlite3_value_text(argv[i]);
        size_t wn = (size_t)sqlite3_value_bytes(argv[i]);
        int found = 0;
        if (l.k == CV_NODE) {
            for (size_t j = 0; j < l.u.node.nlabels && !found; j++)
                found = want && strlen(l.u.node.labels[j]) == wn && memcmp(l.u.node.labels[j], want, wn) == 0;
        } else {
            for (size_t j = 0; j < l.u.list.n && !found; j++) {
                const cv *e = &l.u.list.v[j];
                found = want && e->k == CV_STRING && e->u.s.n == wn && memcmp(e->u.s.p, want, wn) == 0;
            }
        }
        ok = found;
    }
    sqlite3_result_int(ctx, ok);
    cv_free(&l);
}

/* cy_props_match(v, map): the pattern (n $map) — every key of map equals v's property of
 * that name, three-valued (a missing property is null, so no match). v: node, relationship
 * or map; map null → null; an empty map matches anything. */
static void fn_props_match(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    cv v, m;
    if (arg(ctx, argv[0], &v)) return;
    if (arg(ctx, argv[1], &m)) {
        cv_free(&v);
        return;
    }
    const cv *props = v.k == CV_MAP ? &v : v.k == CV_NODE ? v.u.node.props
                    : v.k == CV_REL ? v.u.rel.props : NULL;
    if (v.k == CV_NULL || m.k == CV_NULL) {
        sqlite3_result_null(ctx);
    } else if (m.k != CV_MAP || (!props && v.k != CV_NODE && v.k != CV_REL)) {
        cyfn_errorf(ctx, "TypeError: InvalidArgumentType: a property map must be a Map, got %s", kind_name(m.k != CV_MAP ? &m : &v));
    } else {
        int tv = 1;
        for (size_t i = 0; i < m.u.map.n && tv != 0; i++) {
            const char *k = m.u.map.keys[i];
            const cv *x = props ? cv_map_get(props, k, strlen(k)) : NULL;
            cv nul = {.k = CV_NULL};
            int e = cv_equals(x ? x : &nul, &m.u.map.vals[i]);
            if (e == 0) tv = 0;
            else if (e < 0) tv = -1;
        }
        result_tv(ctx, tv);
    }
    cv_free(&v);
    cv_free(&m);
}

/* Collect the relationship ids of v (a Relationship, a List or Path holding them). */
static int rel_ids(sqlite3_context *ctx, const cv *v, int64_t **ids, size_t *n, size_t *cap)
{
    if (v->k == CV_NULL) return 0;
    if (v->k == CV_LIST || v->k == CV_PATH) {
        for (size_t i = 0; i < v->u.list.n; i++) {
            const cv *e = &v->u.list.v[i];
            if (v->k == CV_PATH && e->k == CV_NODE) continue;
            if (e->k == CV_NULL) continue;
            if (e->k != CV_REL) {
                cyfn_errorf(ctx, "TypeError: cy_unique_rels: expected Relationships, got %s", kind_name(e));
                return -1;
            }
            if (rel_ids(ctx, e, ids, n, cap)) return -1;
        }
        return 0;
    }
    if (v->k != CV_REL) {
        cyfn_errorf(ctx, "TypeError: cy_unique_rels: expected Relationships, got %s", kind_name(v));
        return -1;
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        int64_t *p = realloc(*ids, nc * sizeof *p);
        if (!p) {
            sqlite3_result_error_nomem(ctx);
            return -1;
        }
        *ids = p;
        *cap = nc;
    }
    (*ids)[(*n)++] = v->u.rel.id;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* cy_unique_rels(x...) → SQL 1 iff no relationship occurs twice among the arguments
 * (Relationships, Lists of them such as cy_expand's rels, Paths; nulls ignored): the
 * openCypher rule that one MATCH pattern binds each relationship at most once. */
static void fn_unique_rels(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < argc; i++) {
        cv v;
        if (arg(ctx, argv[i], &v)) goto out;
        int rc = rel_ids(ctx, &v, &ids, &n, &cap);
        cv_free(&v);
        if (rc) goto out;
    }
    if (n > 1) qsort(ids, n, sizeof *ids, cmp_i64);
    int ok = 1;
    for (size_t i = 1; i < n && ok; i++) ok = ids[i] != ids[i - 1];
    sqlite3_result_int(ctx, ok);
out:
    free(ids);
}

static void fn_check_int(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *what = (const char *)sqlite3_value_text(argv[1]);
    if (!what) what = "value";
    if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER && sqlite3_value_int64(argv[0]) >= 0) {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    cv v;
    if (arg(ctx, argv[0], &v)) return;
    char *r = cv_render(&v);
    if (v.k == CV_INT)
        cyfn_errorf(ctx, "SyntaxError: NegativeIntegerArgument: %s must be a non-negative Integer, got %s",
             what, r ? r : "?");
    else
        cyfn_errorf(ctx, "SyntaxError: InvalidArgumentType: %s must be an Integer, got %s", what,
             r ? r : "?");
    free(r);
    cv_free(&v);
}

/* ------------------------------------------------------------------ cy_unwind */

typedef struct {
    sqlite3_vtab base;
    sqlite3 *db;
} cyvt;

typedef struct {
    sqlite3_vtab_cursor base;
    cv list;       /* the rows: a list's items, or a one-item list */
    size_t i;
} unwind_cur;

static int vt_connect(sqlite3 *db, const char *schema, sqlite3_vtab **out)
{
    int rc = sqlite3_declare_vtab(db, schema);
    if (rc != SQLITE_OK) return rc;
    cyvt *t = sqlite3_malloc(sizeof *t);
    if (!t) return SQLITE_NOMEM;
    memset(t, 0, sizeof *t);
    t->db = db;
    *out = &t->base;
    return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

static int unwind_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                          sqlite3_vtab **out, char **err)
{
    (void)aux; (void)argc; (void)argv; (void)err;
    return vt_connect(db, "CREATE TABLE x(value, list HIDDEN)", out);
}

/* Hidden argument columns [first, first + n): each usable equality constraint becomes an
 * argument in column order; idxNum is the bitmask of the columns given. Columns in
 * required must be present (SQLITE_CONSTRAINT makes SQLite try another plan). */
static int args_best_index(sqlite3_index_info *info, int first, int n, unsigned required)
{
    int at[8];
    for (int j = 0; j < n; j++) at[j] = -1;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        int col = c->iColumn - first;
        if (col < 0 || col >= n || c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
        if (!c->usable) {
            if (required & (1u << col)) return SQLITE_CONSTRAINT;
            continue;
        }
        at[col] = i;
    }
    unsigned mask = 0;
    int argi = 0;
    for (int j = 0; j < n; j++) {
        if (at[j] < 0) continue;
        mask |= 1u << j;
        info->aConstraintUsage[at[j]].argvIndex = ++argi;
        info->aConstraintUsage[at[j]].omit = 1;
    }
    if ((mask & required) != required) return SQLITE_CONSTRAINT;
    info->idxNum = (int)mask;
    info->estimatedCost = 10;
    info->estimatedRows = 10;
    return SQLITE_OK;
}

static int unwind_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    (void)vt;
    return args_best_index(info, 1, 1, 1);
}

static int unwind_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    (void)vt;
    unwind_cur *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    c->list.k = CV_LIST;
    *out = &c->base;
    return SQLITE_OK;
}

static int unwind_close(sqlite3_vtab_cursor *cur)
{
    unwind_cur *c = (unwind_cur *)cur;
    cv_free(&c->list);
    sqlite3_free(c);
    return SQLITE_OK;
}

static int vt_error(sqlite3_vtab_cursor *cur, const char *fmt, ...) BSP_PRINTF(2, 3);
static int vt_error(sqlite3_vtab_cursor *cur, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_free(cur->pVtab->zErrMsg);
    cur->pVtab->zErrMsg = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    return SQLITE_ERROR;
}

static int unwind_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc,
                         sqlite3_value **argv)
{
    (void)idx; (void)idxs;
    unwind_cur *c = (unwind_cur *)cur;
    cv_free(&c->list);
    c->list.k = CV_LIST;
    c->i = 0;
    if (argc < 1) return SQLITE_OK;
    cv v;
    int rc = cv_from_sqlite(argv[0], &v);
    if (rc == BSP_ENOMEM) return SQLITE_NOMEM;
    if (rc) return vt_error(cur, "ArgumentError: UNWIND: %s", bsp_errmsg());
    if (v.k == CV_LIST) {
        c->list = v;
    } else if (v.k != CV_NULL && cv_list_push(&c->list, &v)) {
        cv_free(&v);
        return SQLITE_NOMEM;
    }
    return SQLITE_OK;
}

static int unwind_next(sqlite3_vtab_cursor *cur)
{
    ((unwind_cur *)cur)->i++;
    return SQLITE_OK;
}

static int unwind_eof(sqlite3_vtab_cursor *cur)
{
    unwind_cur *c = (unwind_cur *)cur;
    return c->i >= c->list.u.list.n;
}

static int unwind_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    unwind_cur *c = (unwind_cur *)cur;
    if (col == 0) cv_result(ctx, &c->list.u.list.v[c->i]);
    else sqlite3_result_null(ctx);
    return SQLITE_OK;
}

static int cur_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((unwind_cur *)cur)->i;
    return SQLITE_OK;
}

static const sqlite3_module unwind_module = {
    .iVersion = 0,
    .xConnect = unwind_connect,
    .xBestIndex = unwind_best_index,
    .xDisconnect = vt_disconnect,
    .xOpen = unwind_open,
    .xClose = unwind_close,
    .xFilter = unwind_filter,
    .xNext = unwind_next,
    .xEof = unwind_eof,
    .xColumn = unwind_column,
    .xRowid = cur_rowid,
};

/* ------------------------------------------------------------------ cy_expand */

/* Columns: dst, rels, steps, then the arguments start, dir, types, min, max, props (hidden).
 * The cursor walks depth-first and lazily: one frame per node of the current path holding
 * that node's usable relationships (read when the frame is entered), so memory is bounded
 * by path length × degree however many paths there are. A row is the current path. */
enum { EX_DST, EX_RELS, EX_STEPS, EX_START, EX_DIR, EX_TYPES, EX_MIN, EX_MAX, EX_PROPS };

typedef struct {
    int64_t id, src, dst;
    char *type;
    cv *props;
} ex_edge;

typedef struct {
    int64_t at;        /* the node this frame stands on */
    ex_edge *es;       /* its relationships not yet on the path, in id order */
    size_t n, next;
    cv node;           /* its Node value once the steps column asked for it (else null) */
} ex_frame;

typedef struct {
    sqlite3_vtab_cursor base;
    sqlite3_int64 rowid;
    bool eof;
    ex_frame *frames;  /* frames[0] = start; depth = nframes - 1 = path length */
    size_t nframes, capframes;
    sqlite3_stmt *edges, *node;
    int dir, edges_dir;  /* edges is prepared for edges_dir */
    int64_t min, max;
    char **types;
    size_t ntypes;
    cv relprops;       /* Map every relationship must match ((a)-[*{k: v}]->(b)), or null */
    cv rels;           /* the current path's relationships; its nodes are frames[1..].at,
                        * read from cy_nodes only when the steps column is asked for */
} expand_cur;

static int expand_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                          sqlite3_vtab **out, char **err)
{
    (void)aux; (void)argc; (void)argv; (void)err;
    return vt_connect(db,
                      "CREATE TABLE x(dst, rels, steps, start HIDDEN, dir HIDDEN, types HIDDEN,"
                      " min HIDDEN, max HIDDEN, props HIDDEN)",
                      out);
}

static int expand_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    (void)vt;
    return args_best_index(info, EX_START, 6, 0x3);
}

static int expand_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    (void)vt;
    expand_cur *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    c->rels.k = CV_LIST;
    c->eof = true;
    *out = &c->base;
    return SQLITE_OK;
}

static void edges_free(ex_edge *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].type);
        if (e[i].props) { cv_free(e[i].props); free(e[i].props); }
    }
    free(e);
}

static void expand_reset(expand_cur *c)
{
    for (size_t i = 0; i < c->nframes; i++) {
        edges_free(c->frames[i].es, c->frames[i].n);
        cv_free(&c->frames[i].node);
    }
    c->nframes = 0;
    for (size_t i = 0; i < c->ntypes; i++) free(c->types[i]);
    free(c->types);
    c->types = NULL;
    c->ntypes = 0;
    cv_free(&c->relprops);
    cv_free(&c->rels);
    c->rels.k = CV_LIST;
    c->eof = true;
    c->rowid = 0;
}

static int expand_close(sqlite3_vtab_cursor *cur)
{
    expand_cur *c = (expand_cur *)cur;
    expand_reset(c);
    free(c->frames);
    sqlite3_finalize(c->edges);
    sqlite3_finalize(c->node);
    sqlite3_free(c);
    return SQLITE_OK;
}

/* Decode column i of a cy_nodes / cy_edges row: a value, or JSON text (Lance views). */
static int col_value(sqlite3_stmt *st, int i, bool json, cv *out)
{
    sqlite3_value *sv = sqlite3_column_value(st, i);
    if (json && sqlite3_value_type(sv) == SQLITE_TEXT)
        return cv_from_json((const char *)sqlite3_value_text(sv), (size_t)sqlite3_value_bytes(sv), out);
    return cv_from_sqlite(sv, out);
}

static int props_value(sqlite3_stmt *st, int i, cv **out)
{
    cv *m = malloc(sizeof *m);
    if (!m) return bsp_err(BSP_ENOMEM, "out of memory");
    int rc = col_value(st, i, true, m);
    if (rc) { free(m); return rc; }
    if (m->k == CV_NULL) m->k = CV_MAP;
    if (m->k != CV_MAP) {
        cv_free(m);
        free(m);
        return bsp_err(BSP_ECORRUPT, "properties are not a Map");
    }
    *out = m;
    return 0;
}

/* The Node value of id (labels and properties from cy_nodes; a bare node if absent). */
static int load_node(expand_cur *c, int64_t id, cv *out)
{
    cv_set_null(out);
    out->k = CV_NODE;
    out->u.node.id = id;
    sqlite3_reset(c->node);
    sqlite3_bind_int64(c->node, 1, id);
    int rc = sqlite3_step(c->node), err = SQLITE_OK;
    if (rc == SQLITE_ROW) {
        cv l;
        if (col_value(c->node, 0, true, &l)) {
            err = vt_error(&c->base, "cy_nodes %lld: labels: %s", (long long)id, bsp_errmsg());
        } else {
            if (l.k == CV_LIST && l.u.list.n) {
                out->u.node.labels = calloc(l.u.list.n, sizeof(char *));
                if (!out->u.node.labels) err = SQLITE_NOMEM;
                for (size_t i = 0; !err && i < l.u.list.n; i++) {
                    cv *e = &l.u.list.v[i];
                    if (e->k != CV_STRING || memchr(e->u.s.p, 0, e->u.s.n)) continue;
                    out->u.node.labels[out->u.node.nlabels++] = e->u.s.p;  /* steal */
                    e->u.s.p = NULL;
                    e->k = CV_NULL;
                }
            }
            cv_free(&l);
            if (!err && props_value(c->node, 1, &out->u.node.props))
                err = vt_error(&c->base, "cy_nodes %lld: %s", (long long)id, bsp_errmsg());
        }
    } else if (rc != SQLITE_DONE) {
        err = vt_error(&c->base, "cy_expand: reading cy_nodes: %s",
                       sqlite3_errmsg(((cyvt *)c->base.pVtab)->db));
    }
    sqlite3_reset(c->node);
    if (err) cv_free(out);
    return err;
}

static bool type_ok(expand_cur *c, const char *t)
{
    if (!c->ntypes) return true;
    for (size_t i = 0; i < c->ntypes; i++)
        if (strcmp(c->types[i], t) == 0) return true;
    return false;
}

static bool rel_used(expand_cur *c, int64_t id)
{
    for (size_t i = 0; i < c->rels.u.list.n; i++)
        if (c->rels.u.list.v[i].u.rel.id == id) return true;
    return false;
}

/* Whether every entry of want equals the property of that name in props (= is true). */
static bool props_match(const cv *props, const cv *want)
{
    for (size_t i = 0; i < want->u.map.n; i++) {
        const char *k = want->u.map.keys[i];
        const cv *x = props ? cv_map_get(props, k, strlen(k)) : NULL;
        if (!x || cv_equals(x, &want->u.map.vals[i]) != 1) return false;
    }
    return true;
}

/* Enter node `at`: push a frame holding its usable relationships (none at depth max). */
static int frame_push(expand_cur *c, int64_t at)
{
    if (c->nframes == c->capframes) {
        size_t nc = c->capframes ? c->capframes * 2 : 8;
        ex_frame *f = realloc(c->frames, nc * sizeof *f);
        if (!f) return SQLITE_NOMEM;
        c->frames = f;
        c->capframes = nc;
    }
    ex_frame *f = &c->frames[c->nframes++];
    memset(f, 0, sizeof *f);
    f->at = at;
    int64_t len = (int64_t)c->nframes - 1;
    if (c->max >= 0 && len >= c->max) return SQLITE_OK;
    sqlite3_reset(c->edges);
    sqlite3_bind_int64(c->edges, 1, at);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(c->edges)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(c->edges, 0);
        int64_t s = sqlite3_column_int64(c->edges, 1), d = sqlite3_column_int64(c->edges, 2);
        const char *t = (const char *)sqlite3_column_text(c->edges, 3);
        if (!t) t = "";
        if (!type_ok(c, t) || rel_used(c, id)) continue;
        if ((c->dir == 1 && s != at) || (c->dir == 2 && d != at)) continue;
        if (f->n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            ex_edge *ne = realloc(f->es, nc * sizeof *ne);
            if (!ne) { rc = SQLITE_NOMEM; break; }
            f->es = ne;
            cap = nc;
        }
        ex_edge *e = &f->es[f->n++];
        memset(e, 0, sizeof *e);
        e->id = id; e->src = s; e->dst = d;
        if (!(e->type = strdup(t))) { rc = SQLITE_NOMEM; break; }
        if (props_value(c->edges, 4, &e->props)) {
            rc = vt_error(&c->base, "cy_edges %lld: %s", (long long)id, bsp_errmsg());
            break;
        }
        if (c->relprops.k == CV_MAP && !props_match(e->props, &c->relprops)) {
            free(e->type);
            cv_free(e->props);
            free(e->props);
            f->n--;
        }
    }
    sqlite3_reset(c->edges);
    if (rc == SQLITE_DONE) return SQLITE_OK;
    if (rc == SQLITE_ROW || rc == SQLITE_OK) rc = SQLITE_ERROR;
    if (rc != SQLITE_NOMEM && rc != SQLITE_ERROR)
        rc = vt_error(&c->base, "cy_expand: reading cy_edges: %s",
                      sqlite3_errmsg(((cyvt *)c->base.pVtab)->db));
    return rc;
}

/* Leave the top frame, and the relationship and node that led to it. */
static void frame_pop(expand_cur *c)
{
    ex_frame *f = &c->frames[--c->nframes];
    edges_free(f->es, f->n);
    cv_free(&f->node);
    if (c->nframes) cv_free(&c->rels.u.list.v[--c->rels.u.list.n]);
}

/* Move to the next path of length >= min (depth-first pre-order), or to eof. */
static int expand_advance(expand_cur *c)
{
    while (c->nframes) {
        ex_frame *f = &c->frames[c->nframes - 1];
        if (f->next == f->n) {
            frame_pop(c);
            continue;
        }
        ex_edge *e = &f->es[f->next++];
        int64_t at = f->at;
        /* in 'both' mode a relationship leads to its other end (a self-loop to itself) */
        int64_t next = c->dir == 1 ? e->dst : c->dir == 2 ? e->src : (e->src == at ? e->dst : e->src);
        cv r = {.k = CV_REL};
        r.u.rel.id = e->id; r.u.rel.src = e->src; r.u.rel.dst = e->dst;
        r.u.rel.type = e->type; r.u.rel.props = e->props;
        e->type = NULL; e->props = NULL;  /* moved into r */
        if (cv_list_push(&c->rels, &r)) {
            cv_free(&r);
            return SQLITE_NOMEM;
        }
        /* now the path has one more relationship than frames - 1: enter its end node */
        int rc = frame_push(c, next);
        if (rc != SQLITE_OK) {
            cv_free(&c->rels.u.list.v[--c->rels.u.list.n]);  /* keep rels = frames - 1 */
            return rc;
        }
        if ((int64_t)c->nframes - 1 >= c->min) return SQLITE_OK;
    }
    c->eof = true;
    return SQLITE_OK;
}

static int expand_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc,
                         sqlite3_value **argv)
{
    (void)idxs;
    expand_cur *c = (expand_cur *)cur;
    sqlite3 *db = ((cyvt *)cur->pVtab)->db;
    expand_reset(c);
    sqlite3_value *a[6] = {0};
    for (int j = 0, k = 0; j < 6; j++)
        if ((idx & (1 << j)) && k < argc) a[j] = argv[k++];
    if (!a[0] || !a[1]) return vt_error(cur, "cy_expand: start and dir are required");
    if (sqlite3_value_type(a[0]) == SQLITE_NULL) return SQLITE_OK;  /* no start node: no rows */
    if (sqlite3_value_type(a[0]) != SQLITE_INTEGER)
        return vt_error(cur, "TypeError: cy_expand: start must be a node id");
    int64_t start = sqlite3_value_int64(a[0]);
    c->dir = sqlite3_value_int(a[1]);
    if (c->dir < 1 || c->dir > 3) return vt_error(cur, "cy_expand: dir must be 1, 2 or 3");
    c->min = a[3] && sqlite3_value_type(a[3]) != SQLITE_NULL ? sqlite3_value_int64(a[3]) : 1;
    c->max = a[4] && sqlite3_value_type(a[4]) != SQLITE_NULL ? sqlite3_value_int64(a[4]) : -1;
    if (c->min < 0) return vt_error(cur, "ArgumentError: cy_expand: min must be >= 0");
    if (a[5]) {
        int rc = cv_from_sqlite(a[5], &c->relprops);
        if (rc == BSP_ENOMEM) return SQLITE_NOMEM;
        if (rc) return vt_error(cur, "ArgumentError: cy_expand: props: %s", bsp_errmsg());
        if (c->relprops.k != CV_MAP && c->relprops.k != CV_NULL)
            return vt_error(cur, "TypeError: cy_expand: props must be a Map");
    }
    if (a[2] && sqlite3_value_type(a[2]) == SQLITE_TEXT) {
        const char *t = (const char *)sqlite3_value_text(a[2]);
        while (t && *t) {
            const char *bar = strchr(t, '|');
            size_t len = bar ? (size_t)(bar - t) : strlen(t);
            char **nt = realloc(c->types, (c->ntypes + 1) * sizeof *nt);
            if (!nt) return SQLITE_NOMEM;
            c->types = nt;
            if (!(c->types[c->ntypes] = strndup(t, len))) return SQLITE_NOMEM;
            c->ntypes++;
            t = bar ? bar + 1 : NULL;
        }
    }
    if (c->edges && c->edges_dir != c->dir) {
        sqlite3_finalize(c->edges);
        c->edges = NULL;
    }
    if (!c->node && sqlite3_prepare_v2(db, "SELECT labels, props FROM cy_nodes WHERE id = ?1", -1,
                                       &c->node, NULL) != SQLITE_OK)
        return vt_error(cur, "cy_expand: %s", sqlite3_errmsg(db));
    if (!c->edges) {
        const char *q = c->dir == 1 ? "SELECT id, src, dst, type, props FROM cy_edges WHERE src = ?1 ORDER BY id"
                      : c->dir == 2 ? "SELECT id, src, dst, type, props FROM cy_edges WHERE dst = ?1 ORDER BY id"
                      : "SELECT id, src, dst, type, props FROM cy_edges WHERE src = ?1 OR dst = ?1 ORDER BY id";
        if (sqlite3_prepare_v2(db, q, -1, &c->edges, NULL) != SQLITE_OK)
            return vt_error(cur, "cy_expand: %s", sqlite3_errmsg(db));
        c->edges_dir = c->dir;
    }
    if (c->max >= 0 && c->max < c->min) return SQLITE_OK;
    c->eof = false;
    int rc = frame_push(c, start);
    if (rc != SQLITE_OK) return rc;
    if (c->min == 0) return SQLITE_OK;  /* the empty path is the first row */
    return expand_advance(c);
}

static int expand_next(sqlite3_vtab_cursor *cur)
{
    expand_cur *c = (expand_cur *)cur;
    c->rowid++;
    return expand_advance(c);
}

static int expand_eof(sqlite3_vtab_cursor *cur)
{
    return ((expand_cur *)cur)->eof;
}

static int expand_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    expand_cur *c = (expand_cur *)cur;
    switch (col) {
    case EX_DST: sqlite3_result_int64(ctx, c->frames[c->nframes - 1].at); break;
    case EX_RELS: cv_result(ctx, &c->rels); break;
    case EX_STEPS: {  /* [r1, n1, r2, n2, ...]; each node read once per frame */
        size_t n = c->rels.u.list.n;
        for (size_t i = 1; i <= n; i++) {
            ex_frame *f = &c->frames[i];
            int rc = f->node.k == CV_NULL ? load_node(c, f->at, &f->node) : SQLITE_OK;
            if (rc != SQLITE_OK) return rc;
        }
        /* a borrowed list: shallow copies of values the cursor owns, encoded, not freed */
        cv steps = {.k = CV_LIST};
        if (n && !(steps.u.list.v = malloc(2 * n * sizeof(cv)))) return SQLITE_NOMEM;
        for (size_t i = 0; i < n; i++) {
            steps.u.list.v[2 * i] = c->rels.u.list.v[i];
            steps.u.list.v[2 * i + 1] = c->frames[i + 1].node;
        }
        steps.u.list.n = 2 * n;
        cv_result(ctx, &steps);
        free(steps.u.list.v);
        break;
    }
    default: sqlite3_result_null(ctx); break;
    }
    return SQLITE_OK;
}

static int expand_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = ((expand_cur *)cur)->rowid;
    return SQLITE_OK;
}

static const sqlite3_module expand_module = {
    .iVersion = 0,
    .xConnect = expand_connect,
    .xBestIndex = expand_best_index,
    .xDisconnect = vt_disconnect,
    .xOpen = expand_open,
    .xClose = expand_close,
    .xFilter = expand_filter,
    .xNext = expand_next,
    .xEof = expand_eof,
    .xColumn = expand_column,
    .xRowid = expand_rowid,
};

/* ------------------------------------------------------------------ registration */

typedef void (*sqlfn)(sqlite3_context *, int, sqlite3_value **);

int cy_sql_register(sqlite3 *db)
{
    static const struct {
        const char *name;
        int nargs;
        sqlfn fn;
    } fns[] = {
        {"cy_bool", 1, fn_bool},         {"cy_list", -1, fn_list},
        {"cy_map", -1, fn_map},          {"cy_node", 3, fn_node},
        {"cy_rel", 5, fn_rel},           {"cy_path", -1, fn_path},
        {"cy_from_json", 1, fn_from_json},
        {"cy_add", 2, fn_add},           {"cy_sub", 2, fn_sub},
        {"cy_mul", 2, fn_mul},           {"cy_div", 2, fn_div},
        {"cy_mod", 2, fn_mod},           {"cy_pow", 2, fn_pow},
        {"cy_neg", 1, fn_neg},
        {"cy_eq", 2, fn_eq},             {"cy_neq", 2, fn_neq},
        {"cy_lt", 2, fn_lt},             {"cy_le", 2, fn_le},
        {"cy_gt", 2, fn_gt},             {"cy_ge", 2, fn_ge},
        {"cy_and", 2, fn_and},           {"cy_or", 2, fn_or},
        {"cy_xor", 2, fn_xor},           {"cy_not", 1, fn_not},
        {"cy_starts_with", 2, fn_starts}, {"cy_ends_with", 2, fn_ends},
        {"cy_contains", 2, fn_contains}, {"cy_in", 2, fn_in},
        {"cy_is_null", 1, fn_is_null},   {"cy_is_not_null", 1, fn_is_not_null},
        {"cy_prop", 2, fn_prop},         {"cy_index", 2, fn_index},
        {"cy_slice", 5, fn_slice},
        {"cy_truth", 1, fn_truth},       {"cy_sortkey", 1, fn_sortkey},
        {"cy_render", 1, fn_render},     {"cy_json", 1, fn_json},
        {"cy_labels_has", -1, fn_labels_has}, {"cy_check_int", 2, fn_check_int},
        {"cy_props_match", 2, fn_props_match}, {"cy_unique_rels", -1, fn_unique_rels},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        int rc = sqlite3_create_function_v2(db, fns[i].name, fns[i].nargs,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fns[i].fn,
                                            NULL, NULL, NULL);
        if (rc != SQLITE_OK) return rc;
    }
    int rc = sqlite3_create_module_v2(db, "cy_unwind", &unwind_module, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_create_module_v2(db, "cy_expand", &expand_module, NULL, NULL);
    if (rc == SQLITE_OK) rc = cyfn_register_builtins(db);
    if (rc == SQLITE_OK) rc = cyfn_register_aggregates(db);
    return rc;
}
