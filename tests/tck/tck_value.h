/* TCK value literals: parse the openCypher TCK's cell syntax into a tree and compare two
 * trees the way the TCK does.
 *
 * The one idea: the expected cell (from a feature file) and the engine's cell (from
 * bsp_cypher_result_cell) are both parsed by this one parser, then compared structurally,
 * so spelling differences (spaces, label order, map key order, 1e3 vs 1000.0, "x" vs 'x')
 * never matter and type differences (1 vs 1.0, '1' vs 1) always do.
 *
 * Syntax: null, true, false, integers (decimal, 0x hex, 0o octal, optional '-'), floats
 * (1.5, .5, 1e3, -1.5e-3, NaN, Infinity, -Infinity), strings in single or double quotes
 * with backslash escapes (\\ \' \" \n \t \r \b \f \/ \uXXXX \UXXXXXXXX), lists [a, b], maps
 * {k: v, `odd key`: v}, nodes (:A:B {k: v}), relationships [:T {k: v}], paths
 * <(:A)-[:T]->(:B)<-[:U]-(:C)>. A node or relationship may carry a variable name before
 * its labels ((n:A)), which is ignored.
 *
 * Comparison: nodes by label set and property map; relationships by type and property
 * map; maps by key set; lists in order, or as multisets when lists_unordered (nested lists
 * too); floats by value, exactly (NaN equals NaN here, as the TCK's expected NaN means
 * "a NaN"); integers and floats are different types. */
#ifndef BSP_TCK_VALUE_H
#define BSP_TCK_VALUE_H

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    TV_NULL = 0, TV_BOOL, TV_INT, TV_FLOAT, TV_STRING, TV_LIST, TV_MAP, TV_NODE, TV_REL, TV_PATH
} tv_kind;

typedef struct tv tv;
struct tv {
    tv_kind k;
    int b;          /* BOOL */
    int64_t i;      /* INT */
    double f;       /* FLOAT */
    char *s;        /* STRING text (slen bytes, NUL-terminated too); REL type */
    size_t slen;
    tv *v;          /* LIST / PATH elements (PATH: node, rel, node, ...); MAP values */
    size_t n;
    char **keys;    /* MAP keys (n, sorted); NODE labels (n, sorted) */
    tv *props;      /* NODE / REL property map (a TV_MAP, never NULL after parsing) */
    int dir;        /* REL inside a path: 1 = left to right (->), -1 = right to left (<-), 0 */
};

static void tv_free(tv *t) {
    if (!t) return;
    free(t->s);
    for (size_t j = 0; j < t->n; j++) {
        if (t->v) tv_free(&t->v[j]);
        if (t->keys) free(t->keys[j]);
    }
    free(t->v);
    free(t->keys);
    if (t->props) {
        tv_free(t->props);
        free(t->props);
    }
    memset(t, 0, sizeof *t);
}

/* ---- parser ---- */

typedef struct {
    const char *p, *end;
    int depth;
    char err[160];
} tv_parser;

#define TV_MAX_DEPTH 64

static int tv_fail(tv_parser *ps, const char *fmt, ...) {
    if (!ps->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err, sizeof ps->err, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void tv_ws(tv_parser *ps) {
    while (ps->p < ps->end && isspace((unsigned char)*ps->p)) ps->p++;
}

static int tv_peek(tv_parser *ps) {
    tv_ws(ps);
    return ps->p < ps->end ? (unsigned char)*ps->p : -1;
}

static int tv_expect(tv_parser *ps, char c) {
    if (tv_peek(ps) != (unsigned char)c)
        return tv_fail(ps, "expected '%c' at offset %d", c, (int)(ps->p - ps->end));
    ps->p++;
    return 0;
}

static int tv_push(tv **arr, size_t *n, size_t *cap) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        tv *na = realloc(*arr, nc * sizeof *na);
        if (!na) return -1;
        *arr = na;
        *cap = nc;
    }
    memset(&(*arr)[*n], 0, sizeof **arr);
    (*n)++;
    return 0;
}

/* Append the UTF-8 encoding of code point cp. */
static size_t tv_utf8(char *out, uint32_t cp) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int tv_hex(tv_parser *ps, int digits, uint32_t *out) {
    uint32_t v = 0;
    for (int d = 0; d < digits; d++) {
        if (ps->p >= ps->end || !isxdigit((unsigned char)*ps->p))
            return tv_fail(ps, "bad \\u escape");
        char c = *ps->p++;
        v = v * 16 + (uint32_t)(isdigit((unsigned char)c) ? c - '0' : (tolower(c) - 'a' + 10));
    }
    *out = v;
    return 0;
}

/* A quoted string (the opening quote at ps->p); *out malloc'd, NUL-terminated. */
static int tv_string(tv_parser *ps, char **out, size_t *outlen) {
    char q = *ps->p++;
    size_t cap = (size_t)(ps->end - ps->p) + 8, n = 0;
    char *buf = malloc(cap);
    if (!buf) return tv_fail(ps, "out of memory");
    for (;;) {
        if (ps->p >= ps->end) {
            free(buf);
            return tv_fail(ps, "unterminated string");
        }
        char c = *ps->p++;
        if (c == q) break;
        if (c != '\\') { buf[n++] = c; continue; }
        if (ps->p >= ps->end) { free(buf); return tv_fail(ps, "unterminated escape"); }
        char e = *ps->p++;
        uint32_t cp;
        switch (e) {
        case '\\': buf[n++] = '\\'; break;
        case '\'': buf[n++] = '\''; break;
        case '"': buf[n++] = '"'; break;
        case '/': buf[n++] = '/'; break;
        case 'n': buf[n++] = '\n'; break;
        case 't': buf[n++] = '\t'; break;
        case 'r': buf[n++] = '\r'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'u': case 'U':
            if (tv_hex(ps, e == 'u' ? 4 : 8, &cp)) { free(buf); return -1; }
            if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
                ps->p[1] == 'u') { /* a surrogate pair */
                tv_parser sub = *ps;
                uint32_t lo;
                sub.p += 2;
                if (!tv_hex(&sub, 4, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    ps->p = sub.p;
                }
            }
            if (cp > 0x10FFFF) { free(buf); return tv_fail(ps, "code point out of range"); }
            n += tv_utf8(buf + n, cp);
            break;
        default: /* unknown escape: keep it as written */
            buf[n++] = '\\';
            buf[n++] = e;
        }
    }
    buf[n] = 0;
    *out = buf;
    if (outlen) *outlen = n;
    return 0;
}

/* An identifier (map key, label, type): plain or `back-quoted` (`` is a quote). */
static int tv_ident(tv_parser *ps, char **out) {
    tv_ws(ps);
    if (ps->p < ps->end && *ps->p == '`') {
        ps->p++;
        size_t cap = (size_t)(ps->end - ps->p) + 1, n = 0;
        char *buf = malloc(cap);
        if (!buf) return tv_fail(ps, "out of memory");
        for (;;) {
            if (ps->p >= ps->end) { free(buf); return tv_fail(ps, "unterminated `name`"); }
            if (*ps->p == '`') {
                if (ps->p + 1 < ps->end && ps->p[1] == '`') { buf[n++] = '`'; ps->p += 2; continue; }
                ps->p++;
                break;
            }
            buf[n++] = *ps->p++;
        }
        buf[n] = 0;
        *out = buf;
        return 0;
    }
    const char *s = ps->p;
    while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || *ps->p == '_' ||
                               (unsigned char)*ps->p >= 0x80))
        ps->p++;
    if (ps->p == s) return tv_fail(ps, "expected a name");
    *out = strndup(s, (size_t)(ps->p - s));
    return *out ? 0 : tv_fail(ps, "out of memory");
}

static int tv_value(tv_parser *ps, tv *out);

static int tv_cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort a map's keys (values follow); duplicate keys are an error. */
static int tv_map_sort(tv_parser *ps, tv *m) {
    for (size_t a = 1; a < m->n; a++) /* insertion sort: maps are small */
        for (size_t b = a; b > 0 && strcmp(m->keys[b - 1], m->keys[b]) > 0; b--) {
            char *k = m->keys[b]; m->keys[b] = m->keys[b - 1]; m->keys[b - 1] = k;
            tv t = m->v[b]; m->v[b] = m->v[b - 1]; m->v[b - 1] = t;
        }
    for (size_t a = 1; a < m->n; a++)
        if (!strcmp(m->keys[a - 1], m->keys[a]))
            return tv_fail(ps, "duplicate map key '%s'", m->keys[a]);
    return 0;
}

/* {k: v, ...} at ps->p */
static int tv_map(tv_parser *ps, tv *out) {
    size_t cap = 0;
    out->k = TV_MAP;
    if (tv_expect(ps, '{')) return -1;
    if (tv_peek(ps) == '}') { ps->p++; return 0; }
    for (;;) {
        char *key;
        if (tv_ident(ps, &key)) return -1;
        char **nk = realloc(out->keys, (out->n + 1) * sizeof *nk);
        if (!nk) { free(key); return tv_fail(ps, "out of memory"); }
        out->keys = nk;
        if (tv_push(&out->v, &out->n, &cap)) { free(key); return tv_fail(ps, "out of memory"); }
        out->keys[out->n - 1] = key;
        if (tv_expect(ps, ':')) return -1;
        if (tv_value(ps, &out->v[out->n - 1])) return -1;
        int c = tv_peek(ps);
        if (c == ',') { ps->p++; continue; }
        if (c == '}') { ps->p++; break; }
        return tv_fail(ps, "expected ',' or '}' in a map");
    }
    return tv_map_sort(ps, out);
}

static int tv_props(tv_parser *ps, tv *owner) {
    owner->props = calloc(1, sizeof *owner->props);
    if (!owner->props) return tv_fail(ps, "out of memory");
    owner->props->k = TV_MAP;
    if (tv_peek(ps) == '{') return tv_map(ps, owner->props);
    return 0;
}

/* Skip an optional variable name before ':' or '{' inside ( ) or [ ]. */
static void tv_skip_var(tv_parser *ps) {
    tv_ws(ps);
    const char *s = ps->p;
    while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) || *ps->p == '_')) ps->p++;
    if (ps->p != s && tv_peek(ps) != ':' && tv_peek(ps) != '{' && tv_peek(ps) != ')' &&
        tv_peek(ps) != ']')
        ps->p = s;
}

/* (:A:B {k: v}) at ps->p */
static int tv_node(tv_parser *ps, tv *out) {
    out->k = TV_NODE;
    if (tv_expect(ps, '(')) return -1;
    tv_skip_var(ps);
    while (tv_peek(ps) == ':') {
        ps->p++;
        char *l;
        if (tv_ident(ps, &l)) return -1;
        char **nk = realloc(out->keys, (out->n + 1) * sizeof *nk);
        if (!nk) { free(l); return tv_fail(ps, "out of memory"); }
        out->keys = nk;
        out->keys[out->n++] = l;
    }
    if (out->n > 1) qsort(out->keys, out->n, sizeof *out->keys, tv_cmp_str);
    for (size_t a = 1; a < out->n; a++) /* a label set: drop repeats */
        if (!strcmp(out->keys[a - 1], out->keys[a])) {
            free(out->keys[a]);
            memmove(&out->keys[a], &out->keys[a + 1], (out->n - a - 1) * sizeof *out->keys);
            out->n--;
            a--;
        }
    if (tv_props(ps, out)) return -1;
    return tv_expect(ps, ')');
}

/* [:T {k: v}] at ps->p */
static int tv_rel(tv_parser *ps, tv *out) {
    out->k = TV_REL;
    if (tv_expect(ps, '[')) return -1;
    tv_skip_var(ps);
    if (tv_expect(ps, ':')) return -1;
    if (tv_ident(ps, &out->s)) return -1;
    out->slen = strlen(out->s);
    if (tv_props(ps, out)) return -1;
    return tv_expect(ps, ']');
}

/* <(:A)-[:T]->(:B)<-[:U]-(:C)> at ps->p */
static int tv_path(tv_parser *ps, tv *out) {
    size_t cap = 0;
    out->k = TV_PATH;
    if (tv_expect(ps, '<')) return -1;
    if (tv_push(&out->v, &out->n, &cap)) return tv_fail(ps, "out of memory");
    if (tv_node(ps, &out->v[0])) return -1;
    for (;;) {
        int c = tv_peek(ps);
        if (c == '>') { ps->p++; return 0; }
        int left = 0;
        if (c == '<') { left = 1; ps->p++; }
        if (tv_expect(ps, '-')) return -1;
        if (tv_push(&out->v, &out->n, &cap)) return tv_fail(ps, "out of memory");
        tv *r = &out->v[out->n - 1];
        if (tv_rel(ps, r)) return -1;
        if (tv_expect(ps, '-')) return -1;
        int right = 0;
        if (tv_peek(ps) == '>') { /* a node follows, so this '>' is an arrow head */
            right = 1;
            ps->p++;
        }
        if (left == right) return tv_fail(ps, "a path relationship needs one direction");
        r->dir = right ? 1 : -1;
        if (tv_push(&out->v, &out->n, &cap)) return tv_fail(ps, "out of memory");
        if (tv_node(ps, &out->v[out->n - 1])) return -1;
    }
}

static int tv_word(tv_parser *ps, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || strncasecmp(ps->p, w, n)) return 0;
    if (ps->p + n < ps->end && (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_')) return 0;
    ps->p += n;
    return 1;
}

static int tv_number(tv_parser *ps, tv *out) {
    int neg = 0;
    if (*ps->p == '-' || *ps->p == '+') { neg = *ps->p == '-'; ps->p++; }
    tv_ws(ps);
    if (tv_word(ps, "infinity") || tv_word(ps, "inf")) {
        out->k = TV_FLOAT;
        out->f = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (tv_word(ps, "nan")) { out->k = TV_FLOAT; out->f = NAN; return 0; }
    if (ps->end - ps->p > 2 && ps->p[0] == '0' && (ps->p[1] == 'x' || ps->p[1] == 'X' ||
                                                   ps->p[1] == 'o' || ps->p[1] == 'O')) {
        int base = (ps->p[1] == 'x' || ps->p[1] == 'X') ? 16 : 8;
        ps->p += 2;
        uint64_t v = 0;
        const char *d0 = ps->p;
        while (ps->p < ps->end && isxdigit((unsigned char)*ps->p)) {
            int dv = isdigit((unsigned char)*ps->p) ? *ps->p - '0' : tolower(*ps->p) - 'a' + 10;
            if (dv >= base) break;
            if (v > (UINT64_MAX - (uint64_t)dv) / (uint64_t)base) return tv_fail(ps, "integer overflow");
            v = v * (uint64_t)base + (uint64_t)dv;
            ps->p++;
        }
        if (ps->p == d0) return tv_fail(ps, "bad number");
        if (v > (uint64_t)INT64_MAX + (uint64_t)neg) return tv_fail(ps, "integer overflow");
        out->k = TV_INT;
        out->i = neg ? (int64_t)(0 - v) : (int64_t)v;
        return 0;
    }
    const char *d = ps->p;
    int is_float = 0, digits = 0;
    while (ps->p < ps->end && isdigit((unsigned char)*ps->p)) { ps->p++; digits++; }
    if (ps->p < ps->end && *ps->p == '.' && ps->p + 1 < ps->end &&
        isdigit((unsigned char)ps->p[1])) {
        is_float = 1;
        ps->p++;
        while (ps->p < ps->end && isdigit((unsigned char)*ps->p)) { ps->p++; digits++; }
    } else if (ps->p < ps->end && *ps->p == '.' && digits) {
        is_float = 1; /* "1." */
        ps->p++;
    }
    if (!digits) return tv_fail(ps, "bad number");
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        const char *e = ps->p++;
        if (ps->p < ps->end && (*ps->p == '-' || *ps->p == '+')) ps->p++;
        if (ps->p < ps->end && isdigit((unsigned char)*ps->p)) {
            is_float = 1;
            while (ps->p < ps->end && isdigit((unsigned char)*ps->p)) ps->p++;
        } else {
            ps->p = e;
        }
    }
    size_t len = (size_t)(ps->p - d);
    char buf[400];
    if (len + 2 > sizeof buf) return tv_fail(ps, "number too long");
    buf[0] = neg ? '-' : '+';
    memcpy(buf + 1, d, len);
    buf[len + 1] = 0;
    errno = 0;
    if (is_float) {
        out->k = TV_FLOAT;
        out->f = strtod(buf, NULL);
        return 0;
    }
    out->k = TV_INT;
    out->i = strtoll(buf, NULL, 10);
    if (errno == ERANGE) return tv_fail(ps, "integer overflow");
    return 0;
}

static int tv_value(tv_parser *ps, tv *out) {
    memset(out, 0, sizeof *out);
    if (++ps->depth > TV_MAX_DEPTH) return tv_fail(ps, "nested too deeply");
    int c = tv_peek(ps), rc = 0;
    if (c < 0) {
        rc = tv_fail(ps, "expected a value, got the end");
    } else if (c == '\'' || c == '"') {
        out->k = TV_STRING;
        rc = tv_string(ps, &out->s, &out->slen);
    } else if (c == '[') {
        const char *save = ps->p++;
        int c2 = tv_peek(ps);
        ps->p = save;
        if (c2 == ':') {
            rc = tv_rel(ps, out);
        } else {
            size_t cap = 0;
            out->k = TV_LIST;
            ps->p++;
            if (tv_peek(ps) == ']') {
                ps->p++;
            } else {
                for (;;) {
                    if (tv_push(&out->v, &out->n, &cap)) { rc = tv_fail(ps, "out of memory"); break; }
                    if ((rc = tv_value(ps, &out->v[out->n - 1]))) break;
                    int d = tv_peek(ps);
                    if (d == ',') { ps->p++; continue; }
                    if (d == ']') { ps->p++; break; }
                    rc = tv_fail(ps, "expected ',' or ']' in a list");
                    break;
                }
            }
        }
    } else if (c == '{') {
        rc = tv_map(ps, out);
    } else if (c == '(') {
        rc = tv_node(ps, out);
    } else if (c == '<') {
        rc = tv_path(ps, out);
    } else if (c == '-' || c == '+' || c == '.' || isdigit(c)) {
        rc = tv_number(ps, out);
    } else if (tv_word(ps, "null")) {
        out->k = TV_NULL;
    } else if (tv_word(ps, "true")) {
        out->k = TV_BOOL; out->b = 1;
    } else if (tv_word(ps, "false")) {
        out->k = TV_BOOL; out->b = 0;
    } else {
        const char *save = ps->p;
        if (tv_word(ps, "nan") || tv_word(ps, "infinity") || tv_word(ps, "inf")) {
            ps->p = save;
            rc = tv_number(ps, out);
        } else {
            rc = tv_fail(ps, "unexpected '%c'", c);
        }
    }
    ps->depth--;
    return rc;
}

/* Parse text[0..len) as exactly one value. On failure returns -1 with err filled in; *out
 * is then freed. */
static int tv_parse(const char *text, size_t len, tv *out, char *err, size_t errcap) {
    tv_parser ps = {text, text + len, 0, {0}};
    int rc = tv_value(&ps, out);
    if (!rc && tv_peek(&ps) >= 0) rc = tv_fail(&ps, "trailing text after the value");
    if (rc) {
        tv_free(out);
        if (err && errcap) snprintf(err, errcap, "%s", ps.err[0] ? ps.err : "bad value");
        return -1;
    }
    return 0;
}

/* ---- comparison ---- */

static int tv_equal(const tv *a, const tv *b, int lists_unordered);

static int tv_float_eq(double x, double y) {
    if (isnan(x) || isnan(y)) return isnan(x) && isnan(y);
    return x == y;
}

static int tv_list_eq(const tv *a, const tv *b, int unordered) {
    if (a->n != b->n) return 0;
    if (!unordered) {
        for (size_t j = 0; j < a->n; j++)
            if (!tv_equal(&a->v[j], &b->v[j], unordered)) return 0;
        return 1;
    }
    /* multiset: equality is an equivalence, so greedy matching is exact */
    char small[64];
    char *used = a->n <= sizeof small ? small : calloc(a->n, 1);
    if (!used) return 0;
    memset(used, 0, a->n);
    int ok = 1;
    for (size_t j = 0; j < a->n && ok; j++) {
        ok = 0;
        for (size_t m = 0; m < b->n; m++)
            if (!used[m] && tv_equal(&a->v[j], &b->v[m], unordered)) {
                used[m] = 1;
                ok = 1;
                break;
            }
    }
    if (used != small) free(used);
    return ok;
}

static int tv_equal(const tv *a, const tv *b, int lists_unordered) {
    if (a->k != b->k) return 0;
    switch (a->k) {
    case TV_NULL: return 1;
    case TV_BOOL: return a->b == b->b;
    case TV_INT: return a->i == b->i;
    case TV_FLOAT: return tv_float_eq(a->f, b->f);
    case TV_STRING: return a->slen == b->slen && !memcmp(a->s, b->s, a->slen);
    case TV_LIST: return tv_list_eq(a, b, lists_unordered);
    case TV_MAP:
        if (a->n != b->n) return 0;
        for (size_t j = 0; j < a->n; j++)
            if (strcmp(a->keys[j], b->keys[j]) || !tv_equal(&a->v[j], &b->v[j], lists_unordered))
                return 0;
        return 1;
    case TV_NODE:
        if (a->n != b->n) return 0;
        for (size_t j = 0; j < a->n; j++)
            if (strcmp(a->keys[j], b->keys[j])) return 0;
        return tv_equal(a->props, b->props, lists_unordered);
    case TV_REL:
        return a->dir == b->dir && !strcmp(a->s, b->s) &&
               tv_equal(a->props, b->props, lists_unordered);
    case TV_PATH:
        if (a->n != b->n) return 0;
        for (size_t j = 0; j < a->n; j++)
            if (!tv_equal(&a->v[j], &b->v[j], lists_unordered)) return 0;
        return 1;
    }
    return 0;
}

#endif
