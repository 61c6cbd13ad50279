/* The scalar functions of Cypher as SQL functions cy_f_<lower-case name> (value.h).
 *
 * One table (fns[]) lists every function with its Cypher spelling and arity; all of them
 * are registered with nArg -1 behind one dispatcher that checks the arity and raises
 * "ArgumentError: f() takes N arguments" itself, so the translator never sees SQLite's own
 * "wrong number of arguments" message. Inside a function the rules of openCypher 9 apply:
 * a null argument gives null (coalesce excepted), an argument of the wrong type is a
 * "TypeError: InvalidArgumentValue: f() expects ..., got <Kind>", a value out of a function's
 * domain is an "ArgumentError: NumberOutOfRange: ..." (the detail codes the TCK names).
 * Numbers, strings and null are native SQLite values and are read directly; only lists,
 * maps and graph values go through the codec (cv_from_sqlite).
 * Strings are UTF-8 and are measured, indexed and reversed by code point. Beyond the list in
 * value.h the table also serves a few Neo4j 5 / GQL functions (…OrNull and …List
 * conversions, isEmpty, nullIf, elementId, timestamp, randomUUID, char_length, ...);
 * docs/cypher.md "Functions" records every semantic choice. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bindspace/error.h"
#include "cypher/sqlfuncs.h"
#include "cypher/value.h"

/* range() refuses to build a list longer than this (memory, not semantics). */
#define CYFN_RANGE_MAX 10000000u

#define CYFN_PI 3.14159265358979323846
#define CYFN_E 2.71828182845904523536

struct fdef;
typedef void (*cyfn_impl)(sqlite3_context *ctx, const struct fdef *d, int argc,
                          sqlite3_value **argv);

struct fdef {
    const char *sql;   /* registered name */
    const char *name;  /* Cypher spelling, for messages */
    int amin, amax;    /* arity; amax -1 = unbounded */
    cyfn_impl fn;
    int op;            /* selects the variant for functions sharing an implementation */
    int volatile_;     /* not deterministic (rand; startNode/endNode read the graph) */
};

/* ------------------------------------------------------------------ errors and helpers */

static const char *kind_name(cv_kind k)
{
    static const char *const names[] = {"null", "Boolean", "Integer", "Float", "String",
                                        "Bytes", "List", "Map", "Node", "Relationship", "Path"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* Decode an argument; on failure the error is set and false returned. */
static bool get_arg(sqlite3_context *ctx, const struct fdef *d, sqlite3_value *sv, cv *out)
{
    int rc = cv_from_sqlite(sv, out);
    if (rc == BSP_OK) return true;
    cv_set_null(out);
    if (rc == BSP_ENOMEM) sqlite3_result_error_nomem(ctx);
    else cyfn_errorf(ctx, "ArgumentError: %s(): %s", d->name, bsp_errmsg());
    return false;
}

/* The Cypher kind of an SQLite value (decodes tagged BLOBs; for messages). */
static cv_kind kind_of(sqlite3_value *sv)
{
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: return CV_NULL;
    case SQLITE_INTEGER: return CV_INT;
    case SQLITE_FLOAT: return CV_FLOAT;
    case SQLITE_TEXT: return CV_STRING;
    default: break;
    }
    cv v;
    if (cv_from_sqlite(sv, &v) != BSP_OK) return CV_BYTES;
    cv_kind k = v.k;
    cv_free(&v);
    return k;
}

static void type_error(sqlite3_context *ctx, const struct fdef *d, const char *want,
                       cv_kind got)
{
    cyfn_errorf(ctx, "TypeError: InvalidArgumentValue: %s() expects %s, got %s", d->name, want,
           kind_name(got));
}

/* The TCK expects a compile-time "SyntaxError: InvalidArgumentType" where a graph function
 * gets a graph element of the wrong kind (size(path), length(node), labels(path),
 * type(node)) or properties() a non-map (Graph9); without static types the same check
 * runs here, with the same class. */
static void syntax_type_error(sqlite3_context *ctx, const struct fdef *d, const char *want,
                              cv_kind got)
{
    cyfn_errorf(ctx, "SyntaxError: InvalidArgumentType: %s() expects %s, got %s", d->name, want,
           kind_name(got));
}

static bool is_graph_kind(cv_kind k) { return k == CV_NODE || k == CV_REL || k == CV_PATH; }

static void type_error_sv(sqlite3_context *ctx, const struct fdef *d, const char *want,
                          sqlite3_value *sv)
{
    type_error(ctx, d, want, kind_of(sv));
}

/* Set v as the result and free it. */
static void result_cv(sqlite3_context *ctx, cv *v)
{
    cv_result(ctx, v);
    cv_free(v);
}

/* A Float result: SQLite turns a NaN REAL into NULL, so NaN goes through the codec. */
static void result_float(sqlite3_context *ctx, double f)
{
    if (!isnan(f)) { sqlite3_result_double(ctx, f); return; }
    cv v;
    cv_set_float(&v, f);
    cv_result(ctx, &v);
}

static void result_bool(sqlite3_context *ctx, bool b)
{
    cv v;
    cv_set_bool(&v, b);
    result_cv(ctx, &v);
}

/* Push a copy of a string onto list; false on ENOMEM (error set). */
static bool push_string(sqlite3_context *ctx, cv *list, const char *p, size_t n)
{
    cv s;
    if (cv_set_string(&s, p, n) != BSP_OK || cv_list_push(list, &s) != BSP_OK) {
        cv_free(&s);
        sqlite3_result_error_nomem(ctx);
        return false;
    }
    return true;
}

static void empty_list(cv *v)
{
    memset(v, 0, sizeof *v);
    v->k = CV_LIST;
}

/* --------------------------------------------------------------------------- UTF-8 */

static bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Code points in p[0..n) (a malformed byte counts as one). */
static size_t cp_count(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += !is_cont((unsigned char)p[i]);
    return c;
}

/* Byte offset of code point k (n if the string is shorter). */
static size_t cp_offset(const char *p, size_t n, uint64_t k)
{
    size_t i = 0;
    while (k > 0 && i < n) {
        i++;
        while (i < n && is_cont((unsigned char)p[i])) i++;
        k--;
    }
    return i;
}

/* Decode one code point at p[i]; returns its length (1 for a malformed byte, which then
 * decodes to itself so that it is copied unchanged). */
static size_t cp_decode(const unsigned char *p, size_t n, size_t i, uint32_t *cp)
{
    unsigned char c = p[i];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > n) { *cp = 0xFFFFFFFFu; return 1; }
    uint32_t v = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t j = 1; j < len; j++) {
        if (!is_cont(p[i + j])) { *cp = 0xFFFFFFFFu; return 1; }
        v = (v << 6) | (p[i + j] & 0x3Fu);
    }
    *cp = v;
    return len;
}

static size_t cp_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Simple case mapping for Latin (ASCII, Latin-1, Latin Extended-A, Latin Extended
 * Additional, full-width), Greek, Cyrillic and Armenian; other code points map to
 * themselves. */
static uint32_t cp_upper(uint32_t c)
{
    if (c >= 'a' && c <= 'z') return c - 32;
    if (c < 0x80) return c;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
    if (c == 0xFF) return 0x178;
    if (c == 0xB5) return 0x39C;
    if (c >= 0x100 && c <= 0x137 && c != 0x131) return c & ~1u;
    if (c == 0x131) return 'I';
    if (c >= 0x139 && c <= 0x148) return (c & 1) ? c : c - 1;
    if (c >= 0x14A && c <= 0x177) return c & ~1u;
    if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c : c - 1;
    if (c == 0x17F) return 'S';
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
    if (c == 0x3C2) return 0x3A3;
    if (c == 0x3AC) return 0x386;
    if (c >= 0x3AD && c <= 0x3AF) return c - 37;
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 63;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x4FF))
        return c & ~1u;
    if (c >= 0x4C1 && c <= 0x4CE) return (c & 1) ? c : c - 1;
    if (c == 0x4CF) return 0x4C0;
    if (c >= 0x561 && c <= 0x586) return c - 48;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return c & ~1u;
    if (c >= 0xFF41 && c <= 0xFF5A) return c - 32;
    return c;
}

static uint32_t cp_lower(uint32_t c)
{
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c < 0x80) return c;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
    if (c == 0x178) return 0xFF;
    if (c >= 0x100 && c <= 0x137 && c != 0x130) return c | 1u;
    if (c == 0x130) return 'i';
    if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c;
    if (c >= 0x14A && c <= 0x177) return c | 1u;
    if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x4FF))
        return c | 1u;
    if (c >= 0x4C1 && c <= 0x4CE) return (c & 1) ? c + 1 : c;
    if (c == 0x4C0) return 0x4CF;
    if (c >= 0x531 && c <= 0x556) return c + 48;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return c | 1u;
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
    return c;
}

/* ------------------------------------------------------------------ number arguments */

typedef struct { bool is_int; int64_t i; double f; } num;

/* Read a numeric argument: 1 number, 0 null (null result set), -1 error set. */
static int get_num(sqlite3_context *ctx, const struct fdef *d, sqlite3_value *sv, num *out)
{
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: sqlite3_result_null(ctx); return 0;
    case SQLITE_INTEGER:
        out->is_int = true;
        out->i = sqlite3_value_int64(sv);
        out->f = (double)out->i;
        return 1;
    case SQLITE_FLOAT:
        out->is_int = false;
        out->f = sqlite3_value_double(sv);
        out->i = 0;
        return 1;
    case SQLITE_TEXT:
        type_error(ctx, d, "a number", CV_STRING);
        return -1;
    default: {   /* a BLOB: NaN is a tagged Float */
        cv v;
        if (!get_arg(ctx, d, sv, &v)) return -1;
        if (v.k == CV_FLOAT) {
            out->is_int = false;
            out->f = v.u.f;
            out->i = 0;
            return 1;
        }
        type_error(ctx, d, "a number", v.k);
        cv_free(&v);
        return -1;
    }
    }
}

/* Read an Integer argument (for substring, left, right): 1, 0 null (null result set),
 * -1 error set. */
static int get_int(sqlite3_context *ctx, const struct fdef *d, sqlite3_value *sv, int64_t *out)
{
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: sqlite3_result_null(ctx); return 0;
    case SQLITE_INTEGER: *out = sqlite3_value_int64(sv); return 1;
    default: type_error_sv(ctx, d, "an Integer", sv); return -1;
    }
}

/* Read a String argument: 1, 0 null (null result set), -1 error set. */
static int get_str(sqlite3_context *ctx, const struct fdef *d, sqlite3_value *sv,
                   const char **p, size_t *n)
{
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: sqlite3_result_null(ctx); return 0;
    case SQLITE_TEXT:
        *p = (const char *)sqlite3_value_text(sv);
        *n = (size_t)sqlite3_value_bytes(sv);
        if (!*p) { sqlite3_result_error_nomem(ctx); return -1; }
        return 1;
    default: type_error_sv(ctx, d, "a String", sv); return -1;
    }
}

/* The text of a TEXT value; sqlite3_value_text before sqlite3_value_bytes, as SQLite asks
 * (an argument list would leave the order unspecified). */
static const char *text_of(sqlite3_value *sv, size_t *n)
{
    const char *p = (const char *)sqlite3_value_text(sv);
    *n = (size_t)sqlite3_value_bytes(sv);
    return p;
}

/* Is a float integral and inside int64's range? */
static bool float_to_int(double f, int64_t *out)
{
    if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) return false;
    *out = (int64_t)f;   /* truncates toward zero */
    return true;
}

/* --------------------------------------------------------------------- mathematics */

enum { M_ABS, M_CEIL, M_FLOOR, M_ROUND, M_SIGN, M_SQRT, M_EXP, M_LOG, M_LOG10, M_SIN,
       M_COS, M_TAN, M_ASIN, M_ACOS, M_ATAN, M_COT, M_DEGREES, M_RADIANS, M_HAVERSIN,
       M_ISNAN };

/* Round to the nearest integer, ties toward positive infinity (Neo4j's round). Exact:
 * x - floor(x) is representable for every finite double. */
static double round_half_up(double x)
{
    if (!isfinite(x)) return x;
    double r = floor(x);
    if (x - r >= 0.5) r += 1.0;
    return r == 0.0 ? 0.0 : r;   /* a rounded integer has no sign of zero (-0.4 → 0.0) */
}

static void f_math1(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    num a;
    if (get_num(ctx, d, argv[0], &a) <= 0) return;
    double x = a.f, r;
    switch (d->op) {
    case M_ABS:
        if (a.is_int) {
            if (a.i == INT64_MIN) {
                cyfn_errorf(ctx, "ArithmeticError: IntegerOverflow: abs() of -2^63");
                return;
            }
            sqlite3_result_int64(ctx, a.i < 0 ? -a.i : a.i);
            return;
        }
        r = fabs(x);
        break;
    case M_SIGN:
        if (a.is_int) sqlite3_result_int64(ctx, (a.i > 0) - (a.i < 0));
        else sqlite3_result_int64(ctx, (x > 0) - (x < 0));
        return;
    case M_ISNAN: result_bool(ctx, !a.is_int && isnan(x)); return;
    case M_CEIL: r = ceil(x); break;
    case M_FLOOR: r = floor(x); break;
    case M_ROUND: r = round_half_up(x); break;
    case M_SQRT: r = sqrt(x); break;
    case M_EXP: r = exp(x); break;
    case M_LOG: r = log(x); break;
    case M_LOG10: r = log10(x); break;
    case M_SIN: r = sin(x); break;
    case M_COS: r = cos(x); break;
    case M_TAN: r = tan(x); break;
    case M_ASIN: r = asin(x); break;
    case M_ACOS: r = acos(x); break;
    case M_ATAN: r = atan(x); break;
    case M_COT: r = 1.0 / tan(x); break;
    case M_DEGREES: r = x * (180.0 / CYFN_PI); break;
    case M_RADIANS: r = x * (CYFN_PI / 180.0); break;
    case M_HAVERSIN: r = (1.0 - cos(x)) / 2.0; break;
    default: r = NAN; break;
    }
    result_float(ctx, r);
}

static void f_atan2(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    num y, x;
    int ry = get_num(ctx, d, argv[0], &y);
    if (ry < 0) return;
    int rx = get_num(ctx, d, argv[1], &x);
    if (rx < 0) return;
    if (ry == 0 || rx == 0) { sqlite3_result_null(ctx); return; }
    result_float(ctx, atan2(y.f, x.f));
}

static void f_const(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc; (void)argv;
    result_float(ctx, d->op == 0 ? CYFN_PI : CYFN_E);
}

static void f_rand(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)d; (void)argc; (void)argv;
    uint64_t x;
    sqlite3_randomness(sizeof x, &x);
    result_float(ctx, (double)(x >> 11) * 0x1.0p-53);   /* [0, 1) */
}

/* Decimal-string rounding behind round(x, precision[, mode]): Neo4j rounds the shortest
 * decimal form of x (BigDecimal.valueOf), not its binary value, so 2.675 → 2.68. */
enum { R_UP, R_DOWN, R_CEILING, R_FLOOR, R_HALF_UP, R_HALF_DOWN, R_HALF_EVEN };

static int round_mode(const char *s, size_t n)
{
    static const char *const modes[] = {"UP", "DOWN", "CEILING", "FLOOR", "HALF_UP",
                                        "HALF_DOWN", "HALF_EVEN"};
    for (int i = 0; i < 7; i++)
        if (strlen(modes[i]) == n && strncasecmp(modes[i], s, n) == 0) return i;
    return -1;
}

static double round_decimal(double x, int64_t prec, int mode)
{
    if (!isfinite(x)) return x;
    if (prec > 400) return x;
    if (prec < -400) prec = -400;
    /* shortest round-trip form, as digits and a decimal exponent */
    char buf[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, x);
        if (strtod(buf, NULL) == x) break;
    }
    bool neg = buf[0] == '-';
    char digits[32];
    size_t nd = 0;
    const char *s = buf + neg;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') digits[nd++] = *s;
    int exp10 = atoi(s + 1);   /* value = 0.d1d2... * 10^(exp10+1) */
    /* keep digits whose position is > -prec-1: number of integer+fraction digits kept */
    int64_t keep = (int64_t)exp10 + 1 + prec;
    if (keep >= (int64_t)nd) return x;   /* already exact at this precision */
    bool any_rest = false;
    int first_rest = keep >= 0 ? digits[keep] - '0' : 0;
    for (int64_t i = (keep >= 0 ? keep + 1 : 0); i < (int64_t)nd; i++)
        if (digits[i] != '0') any_rest = true;
    if (keep < 0) { any_rest = true; first_rest = 0; }   /* all digits are below the cut */
    bool nonzero_tail = first_rest != 0 || any_rest;
    int last_kept = keep > 0 ? digits[keep - 1] - '0' : 0;
    bool up;
    bool pos = !neg;
    switch (mode) {
    case R_UP: up = nonzero_tail; break;
    case R_DOWN: up = false; break;
    case R_CEILING: up = nonzero_tail && pos; break;
    case R_FLOOR: up = nonzero_tail && !pos; break;
    case R_HALF_DOWN: up = first_rest > 5 || (first_rest == 5 && any_rest); break;
    case R_HALF_EVEN:
        up = first_rest > 5 || (first_rest == 5 && (any_rest || (last_kept & 1))); break;
    default: up = first_rest >= 5; break;
    }
    if (keep < 0) keep = 0;
    /* build the kept digits as an integer-ish decimal string and scale */
    char out[64];
    size_t o = 0;
    if (neg) out[o++] = '-';
    out[o++] = '0';
    for (int64_t i = 0; i < keep; i++) out[o++] = digits[i];
    out[o] = 0;
    /* increment the magnitude in place if rounding away from zero */
    if (up) {
        size_t i = o;
        while (i > (size_t)neg) {
            i--;
            if (out[i] == '9') { out[i] = '0'; continue; }
            out[i]++;
            break;
        }
    }
    snprintf(out + o, sizeof out - o, "e%" PRId64, -prec);
    double r = strtod(out, NULL);
    return r == 0.0 ? 0.0 : r;   /* a decimal has no negative zero */
}

static void f_round(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    if (argc == 1) { f_math1(ctx, d, argc, argv); return; }
    num a;
    int ra = get_num(ctx, d, argv[0], &a);
    if (ra < 0) return;
    int64_t prec = 0;
    int rp = get_int(ctx, d, argv[1], &prec);
    if (rp < 0) return;
    int mode = R_HALF_UP;
    if (argc == 3) {
        const char *m;
        size_t mn;
        int rm = get_str(ctx, d, argv[2], &m, &mn);
        if (rm < 0) return;
        if (rm == 0) return;
        mode = round_mode(m, mn);
        if (mode < 0) {
            cyfn_errorf(ctx, "ArgumentError: InvalidArgumentValue: round() mode must be one of UP, "
                        "DOWN, CEILING, FLOOR, HALF_UP, HALF_DOWN, HALF_EVEN");
            return;
        }
    }
    if (ra == 0 || rp == 0) { sqlite3_result_null(ctx); return; }
    result_float(ctx, round_decimal(a.f, prec, mode));
}

/* ------------------------------------------------------------------ type conversion */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Parse a decimal number the way Cypher's toInteger/toFloat read strings: optional
 * surrounding white space, an optional sign, digits with an optional fraction and exponent
 * (or NaN / Infinity when allow_special). Integers that fit int64 come back as is_int. */
static bool parse_number(const char *p, size_t n, bool allow_special, num *out)
{
    while (n > 0 && is_space(p[0])) { p++; n--; }
    while (n > 0 && is_space(p[n - 1])) n--;
    if (n == 0 || n > 400) return false;
    char buf[408];
    memcpy(buf, p, n);
    buf[n] = 0;
    size_t i = 0;
    bool neg = false;
    if (buf[i] == '+' || buf[i] == '-') neg = buf[i++] == '-';
    if (allow_special) {
        if (strcmp(buf + i, "NaN") == 0 && i == 0) {
            out->is_int = false; out->f = NAN; return true;
        }
        if (strcmp(buf + i, "Infinity") == 0) {
            out->is_int = false; out->f = neg ? -INFINITY : INFINITY; return true;
        }
    }
    size_t int_digits = 0, frac_digits = 0;
    while (buf[i] >= '0' && buf[i] <= '9') { i++; int_digits++; }
    bool frac = false, expo = false;
    if (buf[i] == '.') {
        frac = true;
        i++;
        while (buf[i] >= '0' && buf[i] <= '9') { i++; frac_digits++; }
    }
    if (int_digits + frac_digits == 0) return false;
    if (buf[i] == 'e' || buf[i] == 'E') {
        expo = true;
        i++;
        if (buf[i] == '+' || buf[i] == '-') i++;
        size_t ed = 0;
        while (buf[i] >= '0' && buf[i] <= '9') { i++; ed++; }
        if (ed == 0) return false;
    }
    if (i != n) return false;
    if (!frac && !expo) {
        char *end;
        errno = 0;
        long long v = strtoll(buf, &end, 10);
        if (errno == 0 && *end == 0) {
            out->is_int = true; out->i = v; out->f = (double)v;
            return true;
        }
    }
    out->is_int = false;
    out->f = strtod(buf, NULL);
    return true;
}

static void f_tointeger(sqlite3_context *ctx, const struct fdef *d, int argc,
                        sqlite3_value **argv)
{
    (void)argc;
    sqlite3_value *sv = argv[0];
    int64_t i;
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: sqlite3_result_null(ctx); return;
    case SQLITE_INTEGER: sqlite3_result_value(ctx, sv); return;
    case SQLITE_FLOAT:
        if (float_to_int(sqlite3_value_double(sv), &i)) sqlite3_result_int64(ctx, i);
        else sqlite3_result_null(ctx);
        return;
    case SQLITE_TEXT: {
        num n;
        size_t len;
        const char *p = text_of(sv, &len);
        if (!parse_number(p, len, false, &n)) {
            sqlite3_result_null(ctx);
        } else if (n.is_int) {
            sqlite3_result_int64(ctx, n.i);
        } else if (float_to_int(n.f, &i)) {
            sqlite3_result_int64(ctx, i);
        } else {
            sqlite3_result_null(ctx);
        }
        return;
    }
    default: break;
    }
    cv v;
    if (!get_arg(ctx, d, sv, &v)) return;
    if (v.k == CV_BOOL) sqlite3_result_int64(ctx, v.u.b ? 1 : 0);
    else if (v.k == CV_FLOAT) sqlite3_result_null(ctx);   /* NaN */
    else if (d->op) sqlite3_result_null(ctx);   /* toIntegerOrNull */
    else type_error(ctx, d, "a String, number or Boolean", v.k);
    cv_free(&v);
}

static void f_tofloat(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_value *sv = argv[0];
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: sqlite3_result_null(ctx); return;
    case SQLITE_INTEGER: result_float(ctx, (double)sqlite3_value_int64(sv)); return;
    case SQLITE_FLOAT: sqlite3_result_value(ctx, sv); return;
    case SQLITE_TEXT: {
        num n;
        size_t len;
        const char *p = text_of(sv, &len);
        if (parse_number(p, len, true, &n))
            result_float(ctx, n.f);
        else
            sqlite3_result_null(ctx);
        return;
    }
    default: break;
    }
    cv v;
    if (!get_arg(ctx, d, sv, &v)) return;
    if (v.k == CV_FLOAT) result_float(ctx, v.u.f);   /* NaN */
    else if (d->op) sqlite3_result_null(ctx);        /* toFloatOrNull */
    else type_error(ctx, d, "a String or number", v.k);
    cv_free(&v);
}

static void f_toboolean(sqlite3_context *ctx, const struct fdef *d, int argc,
                        sqlite3_value **argv)
{
    (void)argc;
    sqlite3_value *sv = argv[0];
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: sqlite3_result_null(ctx); return;
    case SQLITE_INTEGER: result_bool(ctx, sqlite3_value_int64(sv) != 0); return;
    case SQLITE_TEXT: {
        const char *p = (const char *)sqlite3_value_text(sv);
        size_t n = (size_t)sqlite3_value_bytes(sv);
        while (n > 0 && is_space(p[0])) { p++; n--; }
        while (n > 0 && is_space(p[n - 1])) n--;
        if (n == 4 && strncasecmp(p, "true", 4) == 0) result_bool(ctx, true);
        else if (n == 5 && strncasecmp(p, "false", 5) == 0) result_bool(ctx, false);
        else sqlite3_result_null(ctx);
        return;
    }
    default: break;
    }
    cv v;
    if (!get_arg(ctx, d, sv, &v)) return;
    if (v.k == CV_BOOL) result_bool(ctx, v.u.b);
    else if (d->op) sqlite3_result_null(ctx);   /* toBooleanOrNull */
    else type_error(ctx, d, "a String, Integer or Boolean", v.k);
    cv_free(&v);
}

static void f_tostring(sqlite3_context *ctx, const struct fdef *d, int argc,
                       sqlite3_value **argv)
{
    (void)argc;
    sqlite3_value *sv = argv[0];
    char buf[32];
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: sqlite3_result_null(ctx); return;
    case SQLITE_TEXT: sqlite3_result_value(ctx, sv); return;
    case SQLITE_INTEGER:
        snprintf(buf, sizeof buf, "%" PRId64, (int64_t)sqlite3_value_int64(sv));
        sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
        return;
    case SQLITE_FLOAT: {
        cv f;
        cv_set_float(&f, sqlite3_value_double(sv));
        char *s = cv_render(&f);
        if (!s) { sqlite3_result_error_nomem(ctx); return; }
        sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
        free(s);
        return;
    }
    default: break;
    }
    cv v;
    if (!get_arg(ctx, d, sv, &v)) return;
    if (v.k == CV_BOOL) sqlite3_result_text(ctx, v.u.b ? "true" : "false", -1, SQLITE_STATIC);
    else if (v.k == CV_FLOAT) sqlite3_result_text(ctx, "NaN", -1, SQLITE_STATIC);
    else if (d->op) sqlite3_result_null(ctx);   /* toStringOrNull */
    else type_error(ctx, d, "a String, number or Boolean", v.k);
    cv_free(&v);
}

/* toIntegerList / toFloatList / toBooleanList / toStringList (Neo4j 5): every item converted
 * as by the …OrNull function (null where it does not convert). conv_item is that conversion
 * on a decoded value; the property test checks it against the SQL-level functions above. */
enum { C_INT, C_FLOAT, C_BOOL, C_STRING };

static int conv_item(int to, const cv *in, cv *out)
{
    cv_set_null(out);
    num n;
    int64_t i;
    switch (to) {
    case C_INT:
        if (in->k == CV_INT) cv_set_int(out, in->u.i);
        else if (in->k == CV_FLOAT && float_to_int(in->u.f, &i)) cv_set_int(out, i);
        else if (in->k == CV_BOOL) cv_set_int(out, in->u.b);
        else if (in->k == CV_STRING && parse_number(in->u.s.p, in->u.s.n, false, &n)) {
            if (n.is_int) cv_set_int(out, n.i);
            else if (float_to_int(n.f, &i)) cv_set_int(out, i);
        }
        return BSP_OK;
    case C_FLOAT:
        if (in->k == CV_INT) cv_set_float(out, (double)in->u.i);
        else if (in->k == CV_FLOAT) cv_set_float(out, in->u.f);
        else if (in->k == CV_STRING && parse_number(in->u.s.p, in->u.s.n, true, &n))
            cv_set_float(out, n.f);
        return BSP_OK;
    case C_BOOL:
        if (in->k == CV_BOOL) cv_set_bool(out, in->u.b);
        else if (in->k == CV_INT) cv_set_bool(out, in->u.i != 0);
        else if (in->k == CV_STRING) {
            const char *p = in->u.s.p;
            size_t len = in->u.s.n;
            while (len > 0 && is_space(p[0])) { p++; len--; }
            while (len > 0 && is_space(p[len - 1])) len--;
            if (len == 4 && strncasecmp(p, "true", 4) == 0) cv_set_bool(out, true);
            else if (len == 5 && strncasecmp(p, "false", 5) == 0) cv_set_bool(out, false);
        }
        return BSP_OK;
    default: {
        char buf[32];
        if (in->k == CV_STRING) return cv_set_string(out, in->u.s.p, in->u.s.n);
        if (in->k == CV_BOOL)
            return cv_set_string(out, in->u.b ? "true" : "false", in->u.b ? 4 : 5);
        if (in->k == CV_INT) {
            int len = snprintf(buf, sizeof buf, "%" PRId64, in->u.i);
            return cv_set_string(out, buf, (size_t)len);
        }
        if (in->k == CV_FLOAT) {
            char *r = cv_render(in);
            if (!r) return BSP_ENOMEM;
            int rc = cv_set_string(out, r, strlen(r));
            free(r);
            return rc;
        }
        return BSP_OK;
    }
    }
}

static void f_tolist(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    cv v;
    if (!get_arg(ctx, d, argv[0], &v)) return;
    if (v.k != CV_LIST) { type_error(ctx, d, "a List", v.k); cv_free(&v); return; }
    for (size_t k = 0; k < v.u.list.n; k++) {
        cv out;
        if (conv_item(d->op, &v.u.list.v[k], &out) != BSP_OK) {
            cv_free(&v);
            sqlite3_result_error_nomem(ctx);
            return;
        }
        cv_free(&v.u.list.v[k]);
        v.u.list.v[k] = out;
    }
    result_cv(ctx, &v);
}

/* ------------------------------------------------------------------------- lists */

enum { S_SIZE, S_LENGTH, S_CHARS };   /* size(), length(), char_length() */

static void f_size(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_value *sv = argv[0];
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: sqlite3_result_null(ctx); return;
    case SQLITE_TEXT: {
        size_t len;
        const char *p = text_of(sv, &len);
        sqlite3_result_int64(ctx, (int64_t)cp_count(p, len));
        return;
    }
    default: break;
    }
    static const char *const want[] = {"a List or String", "a Path", "a String"};
    cv v;
    if (!get_arg(ctx, d, sv, &v)) return;
    if (d->op != S_CHARS && v.k == CV_LIST) sqlite3_result_int64(ctx, (int64_t)v.u.list.n);
    else if (d->op != S_CHARS && v.k == CV_BYTES) sqlite3_result_int64(ctx, (int64_t)v.u.s.n);
    else if (d->op == S_LENGTH && v.k == CV_PATH)
        sqlite3_result_int64(ctx, (int64_t)(v.u.list.n / 2));
    else if (d->op != S_CHARS && is_graph_kind(v.k)) syntax_type_error(ctx, d, want[d->op], v.k);
    else type_error(ctx, d, want[d->op], v.k);
    cv_free(&v);
}

enum { L_HEAD, L_LAST, L_TAIL };

static void f_listpart(sqlite3_context *ctx, const struct fdef *d, int argc,
                       sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    cv v;
    if (!get_arg(ctx, d, argv[0], &v)) return;
    if (v.k != CV_LIST) { type_error(ctx, d, "a List", v.k); cv_free(&v); return; }
    size_t n = v.u.list.n;
    if (d->op == L_TAIL) {
        if (n > 0) {
            cv_free(&v.u.list.v[0]);
            memmove(v.u.list.v, v.u.list.v + 1, (n - 1) * sizeof(cv));
            v.u.list.n = n - 1;
        }
        cv_result(ctx, &v);
    } else if (n == 0) {
        sqlite3_result_null(ctx);
    } else {
        cv_result(ctx, &v.u.list.v[d->op == L_HEAD ? 0 : n - 1]);
    }
    cv_free(&v);
}

static void f_reverse(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_value *sv = argv[0];
    int t = sqlite3_value_type(sv);
    if (t == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    if (t == SQLITE_TEXT) {
        const char *p = (const char *)sqlite3_value_text(sv);
        size_t n = (size_t)sqlite3_value_bytes(sv);
        char *out = sqlite3_malloc64(n + 1);
        if (!out) { sqlite3_result_error_nomem(ctx); return; }
        /* copy code points (a lead byte and its continuation bytes) back to front */
        size_t o = n;
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && is_cont((unsigned char)p[j])) j++;
            o -= j - i;
            memcpy(out + o, p + i, j - i);
            i = j;
        }
        sqlite3_result_text64(ctx, out, n, sqlite3_free, SQLITE_UTF8);
        return;
    }
    cv v;
    if (!get_arg(ctx, d, sv, &v)) return;
    if (v.k != CV_LIST) { type_error(ctx, d, "a List or String", v.k); cv_free(&v); return; }
    for (size_t i = 0, j = v.u.list.n; i + 1 < j; i++, j--) {
        cv tmp = v.u.list.v[i];
        v.u.list.v[i] = v.u.list.v[j - 1];
        v.u.list.v[j - 1] = tmp;
    }
    result_cv(ctx, &v);
}

static void f_range(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    int64_t a[3] = {0, 0, 1};
    bool null = false;
    for (int k = 0; k < argc; k++) {
        int t = sqlite3_value_type(argv[k]);
        if (t == SQLITE_NULL) { null = true; continue; }
        if (t != SQLITE_INTEGER) {
            cyfn_errorf(ctx, "ArgumentError: InvalidArgumentType: range() expects Integer arguments, "
                        "got %s", kind_name(kind_of(argv[k])));
            return;
        }
        a[k] = sqlite3_value_int64(argv[k]);
    }
    (void)d;
    if (null) { sqlite3_result_null(ctx); return; }
    int64_t start = a[0], end = a[1], step = a[2];
    if (step == 0) {
        cyfn_errorf(ctx, "ArgumentError: NumberOutOfRange: range() step must not be 0");
        return;
    }
    uint64_t count = 0;
    if (step > 0 && start <= end)
        count = ((uint64_t)end - (uint64_t)start) / (uint64_t)step + 1;
    else if (step < 0 && start >= end)
        count = ((uint64_t)start - (uint64_t)end) / (0 - (uint64_t)step) + 1;
    if (count > CYFN_RANGE_MAX) {
        cyfn_errorf(ctx, "ArgumentError: NumberOutOfRange: range() would produce %" PRIu64
                    " elements (limit %u)",
               count, CYFN_RANGE_MAX);
        return;
    }
    cv list;
    empty_list(&list);
    uint64_t x = (uint64_t)start;
    for (uint64_t k = 0; k < count; k++, x += (uint64_t)step) {
        cv item;
        cv_set_int(&item, (int64_t)x);
        if (cv_list_push(&list, &item) != BSP_OK) {
            cv_free(&list);
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    result_cv(ctx, &list);
}

/* -------------------------------------------------------------------- graph values */

/* The property map of a map / node / relationship (NULL for other kinds). */
static const cv *props_of(const cv *v)
{
    switch (v->k) {
    case CV_MAP: return v;
    case CV_NODE: return v->u.node.props;
    case CV_REL: return v->u.rel.props;
    default: return NULL;
    }
}

static void f_keys(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    cv v;
    if (!get_arg(ctx, d, argv[0], &v)) return;
    if (v.k != CV_MAP && v.k != CV_NODE && v.k != CV_REL) {
        type_error(ctx, d, "a Map, Node or Relationship", v.k);
        cv_free(&v);
        return;
    }
    const cv *m = props_of(&v);
    cv list;
    empty_list(&list);
    for (size_t i = 0; m && m->k == CV_MAP && i < m->u.map.n; i++) {
        /* a graph element has no null properties: a null-valued key is absent */
        if (v.k != CV_MAP && m->u.map.vals[i].k == CV_NULL) continue;
        const char *key = m->u.map.keys[i];
        if (!push_string(ctx, &list, key, strlen(key))) { cv_free(&list); cv_free(&v); return; }
    }
    cv_free(&v);
    result_cv(ctx, &list);
}

static void f_properties(sqlite3_context *ctx, const struct fdef *d, int argc,
                         sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    cv v;
    if (!get_arg(ctx, d, argv[0], &v)) return;
    const cv *m = props_of(&v);
    if (!m) {
        syntax_type_error(ctx, d, "a Map, Node or Relationship", v.k);
    } else if (m->k != CV_MAP) {
        cv empty;
        memset(&empty, 0, sizeof empty);
        empty.k = CV_MAP;
        cv_result(ctx, &empty);
    } else {
        cv_result(ctx, m);
    }
    cv_free(&v);
}

static void f_labels(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    cv v;
    if (!get_arg(ctx, d, argv[0], &v)) return;
    if (v.k != CV_NODE) {
        if (is_graph_kind(v.k)) syntax_type_error(ctx, d, "a Node", v.k);
        else type_error(ctx, d, "a Node", v.k);
        cv_free(&v);
        return;
    }
    cv list;
    empty_list(&list);
    for (size_t i = 0; i < v.u.node.nlabels; i++) {
        const char *l = v.u.node.labels[i];
        if (!push_string(ctx, &list, l, strlen(l))) { cv_free(&list); cv_free(&v); return; }
    }
    cv_free(&v);
    result_cv(ctx, &list);
}

static void f_type(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    cv v;
    if (!get_arg(ctx, d, argv[0], &v)) return;
    if (is_graph_kind(v.k) && v.k != CV_REL) syntax_type_error(ctx, d, "a Relationship", v.k);
    else if (v.k != CV_REL) type_error(ctx, d, "a Relationship", v.k);
    else sqlite3_result_text(ctx, v.u.rel.type ? v.u.rel.type : "", -1, SQLITE_TRANSIENT);
    cv_free(&v);
}

static void f_id(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    cv v;
    if (!get_arg(ctx, d, argv[0], &v)) return;
    if (v.k == CV_NODE) sqlite3_result_int64(ctx, v.u.node.id);
    else if (v.k == CV_REL) sqlite3_result_int64(ctx, v.u.rel.id);
    else type_error(ctx, d, "a Node or Relationship", v.k);
    cv_free(&v);
}

/* nodes(path) (op 0) and relationships(path) (op 1): the path's items at even / odd
 * positions. */
static void f_pathpart(sqlite3_context *ctx, const struct fdef *d, int argc,
                       sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    cv v;
    if (!get_arg(ctx, d, argv[0], &v)) return;
    if (v.k != CV_PATH) { type_error(ctx, d, "a Path", v.k); cv_free(&v); return; }
    cv list;
    empty_list(&list);
    for (size_t i = (size_t)d->op; i < v.u.list.n; i += 2) {
        if (cv_list_push(&list, &v.u.list.v[i]) != BSP_OK) {
            cv_free(&list);
            cv_free(&v);
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    cv_free(&v);
    result_cv(ctx, &list);
}

/* startNode(rel) (op 0) / endNode(rel) (op 1): a relationship value carries only its end
 * points' ids, so the node is read from the graph relation cy_nodes of this connection. */
static void f_endpoint(sqlite3_context *ctx, const struct fdef *d, int argc,
                       sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    cv v;
    if (!get_arg(ctx, d, argv[0], &v)) return;
    if (v.k != CV_REL) { type_error(ctx, d, "a Relationship", v.k); cv_free(&v); return; }
    int64_t id = d->op == 0 ? v.u.rel.src : v.u.rel.dst;
    cv_free(&v);
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT cy_node(id, labels, props) FROM cy_nodes WHERE id = ?1",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) {
        cyfn_errorf(ctx, "SemanticError: %s() needs the graph relation cy_nodes (%s)", d->name,
               sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
    else if (rc == SQLITE_DONE) sqlite3_result_null(ctx);
    else cyfn_errorf(ctx, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
}

/* ---------------------------------------------- Neo4j 5 / GQL functions beyond openCypher 9 */

/* isEmpty(list | map | string) → Boolean */
static void f_isempty(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_value *sv = argv[0];
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: sqlite3_result_null(ctx); return;
    case SQLITE_TEXT: result_bool(ctx, sqlite3_value_bytes(sv) == 0); return;
    default: break;
    }
    cv v;
    if (!get_arg(ctx, d, sv, &v)) return;
    if (v.k == CV_LIST) result_bool(ctx, v.u.list.n == 0);
    else if (v.k == CV_MAP) result_bool(ctx, v.u.map.n == 0);
    else type_error(ctx, d, "a List, Map or String", v.k);
    cv_free(&v);
}

/* nullIf(a, b): null when a = b is true, else a */
static void f_nullif(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    cv a, b;
    if (!get_arg(ctx, d, argv[0], &a)) return;
    if (!get_arg(ctx, d, argv[1], &b)) { cv_free(&a); return; }
    if (cv_equals(&a, &b) == 1) sqlite3_result_null(ctx);
    else sqlite3_result_value(ctx, argv[0]);
    cv_free(&a);
    cv_free(&b);
}

/* elementId(node | rel): the id as a String */
static void f_elementid(sqlite3_context *ctx, const struct fdef *d, int argc,
                        sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    cv v;
    if (!get_arg(ctx, d, argv[0], &v)) return;
    char buf[32];
    if (v.k == CV_NODE || v.k == CV_REL) {
        snprintf(buf, sizeof buf, "%" PRId64, v.k == CV_NODE ? v.u.node.id : v.u.rel.id);
        sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
    } else {
        type_error(ctx, d, "a Node or Relationship", v.k);
    }
    cv_free(&v);
}

/* timestamp(): milliseconds since the Unix epoch (per call, not per statement) */
static void f_timestamp(sqlite3_context *ctx, const struct fdef *d, int argc,
                        sqlite3_value **argv)
{
    (void)d; (void)argc; (void)argv;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sqlite3_result_int64(ctx, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* randomUUID(): a version-4 UUID string */
static void f_randomuuid(sqlite3_context *ctx, const struct fdef *d, int argc,
                         sqlite3_value **argv)
{
    (void)d; (void)argc; (void)argv;
    unsigned char r[16];
    sqlite3_randomness(sizeof r, r);
    r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
    char out[37];
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[r[i] >> 4];
        out[o++] = hex[r[i] & 15];
    }
    sqlite3_result_text(ctx, out, (int)o, SQLITE_TRANSIENT);
}

static void f_coalesce(sqlite3_context *ctx, const struct fdef *d, int argc,
                       sqlite3_value **argv)
{
    (void)d;
    for (int i = 0; i < argc; i++)
        if (sqlite3_value_type(argv[i]) != SQLITE_NULL) {
            sqlite3_result_value(ctx, argv[i]);
            return;
        }
    sqlite3_result_null(ctx);
}

/* ------------------------------------------------------------------------ strings */

static void f_case(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *p;
    size_t n;
    if (get_str(ctx, d, argv[0], &p, &n) <= 0) return;
    /* with these tables a mapping never lengthens a code point (ß → SS is 2 bytes for 2),
     * but the buffer grows if one ever does */
    size_t cap = n + 1;
    char *out = sqlite3_malloc64(cap);
    if (!out) { sqlite3_result_error_nomem(ctx); return; }
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t len = cp_decode(u, n, i, &c);
        char tmp[4];
        size_t ml;
        if (c == 0xFFFFFFFFu) { tmp[0] = p[i]; ml = 1; }
        else if (d->op == 0 && c == 0xDF) { tmp[0] = 'S'; tmp[1] = 'S'; ml = 2; }
        else ml = cp_encode(d->op == 0 ? cp_upper(c) : cp_lower(c), tmp);
        i += len;
        if (o + ml + (n - i) + 1 > cap) {
            cap = 2 * (o + ml + (n - i) + 1);
            char *bigger = sqlite3_realloc64(out, cap);
            if (!bigger) { sqlite3_free(out); sqlite3_result_error_nomem(ctx); return; }
            out = bigger;
        }
        memcpy(out + o, tmp, ml);
        o += ml;
    }
    sqlite3_result_text64(ctx, out, o, sqlite3_free, SQLITE_UTF8);
}

enum { T_BOTH, T_LEFT, T_RIGHT };

/* White space as Java's Character.isWhitespace (what Neo4j trims): the ASCII controls
 * \t..\r and FS..US, space, and the Unicode space separators except the no-break ones. */
static bool cp_is_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A && c != 0x2007) || c == 0x2028 || c == 0x2029 ||
           c == 0x205F || c == 0x3000;
}

static void f_trim(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *p;
    size_t n;
    if (get_str(ctx, d, argv[0], &p, &n) <= 0) return;
    const unsigned char *u = (const unsigned char *)p;
    size_t b = 0, e = n;
    uint32_t c;
    if (d->op != T_RIGHT)
        while (b < e) {
            size_t len = cp_decode(u, e, b, &c);
            if (!cp_is_space(c)) break;
            b += len;
        }
    if (d->op != T_LEFT)
        while (e > b) {
            size_t s0 = e - 1;
            while (s0 > b && is_cont(u[s0])) s0--;
            size_t len = cp_decode(u, e, s0, &c);
            if (s0 + len != e || !cp_is_space(c)) break;
            e = s0;
        }
    sqlite3_result_text64(ctx, p + b, e - b, SQLITE_TRANSIENT, SQLITE_UTF8);
}

static void f_substring(sqlite3_context *ctx, const struct fdef *d, int argc,
                        sqlite3_value **argv)
{
    const char *p;
    size_t n;
    int64_t start = 0, len = INT64_MAX;
    int rs = get_str(ctx, d, argv[0], &p, &n);
    if (rs < 0) return;
    int r1 = get_int(ctx, d, argv[1], &start);
    if (r1 < 0) return;
    int r2 = argc == 3 ? get_int(ctx, d, argv[2], &len) : 1;
    if (r2 < 0) return;
    if (rs == 0 || r1 == 0 || r2 == 0) { sqlite3_result_null(ctx); return; }
    if (start < 0 || len < 0) {
        cyfn_errorf(ctx, "ArgumentError: NumberOutOfRange: substring() %s must not be negative",
               start < 0 ? "start" : "length");
        return;
    }
    size_t b = cp_offset(p, n, (uint64_t)start);
    size_t e = b + cp_offset(p + b, n - b, (uint64_t)len);
    sqlite3_result_text64(ctx, p + b, e - b, SQLITE_TRANSIENT, SQLITE_UTF8);
}

/* left(s, n) (op 0) / right(s, n) (op 1) */
static void f_leftright(sqlite3_context *ctx, const struct fdef *d, int argc,
                        sqlite3_value **argv)
{
    (void)argc;
    const char *p;
    size_t n;
    int64_t len = 0;
    int rs = get_str(ctx, d, argv[0], &p, &n);
    if (rs < 0) return;
    int rl = get_int(ctx, d, argv[1], &len);
    if (rl < 0) return;
    if (rs == 0 || rl == 0) { sqlite3_result_null(ctx); return; }
    if (len < 0) {
        cyfn_errorf(ctx, "ArgumentError: NumberOutOfRange: %s() length must not be negative", d->name);
        return;
    }
    if (d->op == 0) {
        size_t e = cp_offset(p, n, (uint64_t)len);
        sqlite3_result_text64(ctx, p, e, SQLITE_TRANSIENT, SQLITE_UTF8);
    } else {
        size_t total = cp_count(p, n);
        size_t skip = (uint64_t)len >= total ? 0 : total - (size_t)len;
        size_t b = cp_offset(p, n, skip);
        sqlite3_result_text64(ctx, p + b, n - b, SQLITE_TRANSIENT, SQLITE_UTF8);
    }
}

/* A growable byte buffer for replace(). */
typedef struct { char *p; size_t n, cap; bool oom; } sbuf;

static void sb_put(sbuf *b, const char *p, size_t n)
{
    if (b->oom || n == 0) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *q = sqlite3_realloc64(b->p, cap);
        if (!q) { b->oom = true; return; }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void f_replace(sqlite3_context *ctx, const struct fdef *d, int argc,
                      sqlite3_value **argv)
{
    (void)argc;
    const char *s[3];
    size_t n[3];
    bool null = false;
    for (int k = 0; k < 3; k++) {
        int r = get_str(ctx, d, argv[k], &s[k], &n[k]);
        if (r < 0) return;
        if (r == 0) null = true;
    }
    if (null) { sqlite3_result_null(ctx); return; }
    sbuf b = {0};
    if (n[1] == 0) {
        /* an empty search string matches before every code point and at the end */
        for (size_t i = 0; i < n[0];) {
            size_t j = i + 1;
            while (j < n[0] && is_cont((unsigned char)s[0][j])) j++;
            sb_put(&b, s[2], n[2]);
            sb_put(&b, s[0] + i, j - i);
            i = j;
        }
        sb_put(&b, s[2], n[2]);
    } else {
        size_t i = 0;
        while (i < n[0]) {
            if (n[0] - i >= n[1] && memcmp(s[0] + i, s[1], n[1]) == 0) {
                sb_put(&b, s[2], n[2]);
                i += n[1];
            } else {
                size_t j = i + 1;
                while (j < n[0] && memcmp(s[0] + j, s[1], 1) != 0) j++;   /* next candidate */
                sb_put(&b, s[0] + i, j - i);
                i = j;
            }
        }
    }
    if (b.oom) { sqlite3_free(b.p); sqlite3_result_error_nomem(ctx); return; }
    if (!b.p) { sqlite3_result_text(ctx, "", 0, SQLITE_STATIC); return; }
    sqlite3_result_text64(ctx, b.p, b.n, sqlite3_free, SQLITE_UTF8);
}

/* split(s, delimiter): delimiter is a String or a List of Strings (any of them splits).
 * Empty pieces are kept; an empty delimiter splits into code points. */
static void f_split(sqlite3_context *ctx, const struct fdef *d, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *p;
    size_t n;
    int rs = get_str(ctx, d, argv[0], &p, &n);
    if (rs < 0) return;
    const char *one;
    size_t one_n = 0;
    cv dl;
    memset(&dl, 0, sizeof dl);
    const char **delims;
    size_t *dlen, nd;
    const char *one_arr[1];
    size_t one_len[1];
    int t = sqlite3_value_type(argv[1]);
    if (t == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    if (t == SQLITE_TEXT) {
        if (get_str(ctx, d, argv[1], &one, &one_n) < 0) return;
        one_arr[0] = one;
        one_len[0] = one_n;
        delims = one_arr;
        dlen = one_len;
        nd = 1;
    } else {
        if (!get_arg(ctx, d, argv[1], &dl)) return;
        if (dl.k != CV_LIST) {
            type_error(ctx, d, "a String or List of Strings as delimiter", dl.k);
            cv_free(&dl);
            return;
        }
        nd = dl.u.list.n;
        delims = malloc((nd ? nd : 1) * sizeof *delims);
        dlen = malloc((nd ? nd : 1) * sizeof *dlen);
        if (!delims || !dlen) {
            free(delims); free(dlen); cv_free(&dl);
            sqlite3_result_error_nomem(ctx);
            return;
        }
        for (size_t k = 0; k < nd; k++) {
            const cv *it = &dl.u.list.v[k];
            if (it->k != CV_STRING) {
                type_error(ctx, d, "delimiters that are Strings", it->k);
                free(delims); free(dlen); cv_free(&dl);
                return;
            }
            delims[k] = it->u.s.p;
            dlen[k] = it->u.s.n;
        }
    }
    if (rs == 0) {
        sqlite3_result_null(ctx);
    } else {
        cv list;
        empty_list(&list);
        bool ok = true, empty_delim = nd > 0;
        for (size_t k = 0; k < nd; k++) if (dlen[k] != 0) empty_delim = false;
        if (empty_delim) {
            for (size_t i = 0; ok && i < n;) {
                size_t j = i + 1;
                while (j < n && is_cont((unsigned char)p[j])) j++;
                ok = push_string(ctx, &list, p + i, j - i);
                i = j;
            }
        } else {
            size_t piece = 0, i = 0;
            while (ok && i < n) {
                size_t hit = 0;
                for (size_t k = 0; k < nd && !hit; k++)
                    if (dlen[k] > 0 && n - i >= dlen[k] && memcmp(p + i, delims[k], dlen[k]) == 0)
                        hit = dlen[k];
                if (hit) {
                    ok = push_string(ctx, &list, p + piece, i - piece);
                    i += hit;
                    piece = i;
                } else {
                    i++;
                }
            }
            if (ok) ok = push_string(ctx, &list, p + piece, n - piece);
        }
        if (ok) cv_result(ctx, &list);
        cv_free(&list);
    }
    if (t != SQLITE_TEXT) { free(delims); free(dlen); cv_free(&dl); }
}

/* ------------------------------------------------------------------- registration */

static const struct fdef fns[] = {
    {"cy_f_abs", "abs", 1, 1, f_math1, M_ABS, 0},
    {"cy_f_ceil", "ceil", 1, 1, f_math1, M_CEIL, 0},
    {"cy_f_floor", "floor", 1, 1, f_math1, M_FLOOR, 0},
    {"cy_f_round", "round", 1, 3, f_round, M_ROUND, 0},
    {"cy_f_sign", "sign", 1, 1, f_math1, M_SIGN, 0},
    {"cy_f_sqrt", "sqrt", 1, 1, f_math1, M_SQRT, 0},
    {"cy_f_exp", "exp", 1, 1, f_math1, M_EXP, 0},
    {"cy_f_log", "log", 1, 1, f_math1, M_LOG, 0},
    {"cy_f_log10", "log10", 1, 1, f_math1, M_LOG10, 0},
    {"cy_f_sin", "sin", 1, 1, f_math1, M_SIN, 0},
    {"cy_f_cos", "cos", 1, 1, f_math1, M_COS, 0},
    {"cy_f_tan", "tan", 1, 1, f_math1, M_TAN, 0},
    {"cy_f_asin", "asin", 1, 1, f_math1, M_ASIN, 0},
    {"cy_f_acos", "acos", 1, 1, f_math1, M_ACOS, 0},
    {"cy_f_atan", "atan", 1, 1, f_math1, M_ATAN, 0},
    {"cy_f_cot", "cot", 1, 1, f_math1, M_COT, 0},
    {"cy_f_degrees", "degrees", 1, 1, f_math1, M_DEGREES, 0},
    {"cy_f_radians", "radians", 1, 1, f_math1, M_RADIANS, 0},
    {"cy_f_haversin", "haversin", 1, 1, f_math1, M_HAVERSIN, 0},
    {"cy_f_isnan", "isNaN", 1, 1, f_math1, M_ISNAN, 0},
    {"cy_f_atan2", "atan2", 2, 2, f_atan2, 0, 0},
    {"cy_f_pi", "pi", 0, 0, f_const, 0, 0},
    {"cy_f_e", "e", 0, 0, f_const, 1, 0},
    {"cy_f_rand", "rand", 0, 0, f_rand, 0, 1},
    {"cy_f_tointeger", "toInteger", 1, 1, f_tointeger, 0, 0},
    {"cy_f_tointegerornull", "toIntegerOrNull", 1, 1, f_tointeger, 1, 0},
    {"cy_f_tofloat", "toFloat", 1, 1, f_tofloat, 0, 0},
    {"cy_f_tofloatornull", "toFloatOrNull", 1, 1, f_tofloat, 1, 0},
    {"cy_f_toboolean", "toBoolean", 1, 1, f_toboolean, 0, 0},
    {"cy_f_tobooleanornull", "toBooleanOrNull", 1, 1, f_toboolean, 1, 0},
    {"cy_f_tostring", "toString", 1, 1, f_tostring, 0, 0},
    {"cy_f_tostringornull", "toStringOrNull", 1, 1, f_tostring, 1, 0},
    {"cy_f_size", "size", 1, 1, f_size, S_SIZE, 0},
    {"cy_f_length", "length", 1, 1, f_size, S_LENGTH, 0},
    {"cy_f_head", "head", 1, 1, f_listpart, L_HEAD, 0},
    {"cy_f_last", "last", 1, 1, f_listpart, L_LAST, 0},
    {"cy_f_tail", "tail", 1, 1, f_listpart, L_TAIL, 0},
    {"cy_f_reverse", "reverse", 1, 1, f_reverse, 0, 0},
    {"cy_f_range", "range", 2, 3, f_range, 0, 0},
    {"cy_f_keys", "keys", 1, 1, f_keys, 0, 0},
    {"cy_f_labels", "labels", 1, 1, f_labels, 0, 0},
    {"cy_f_type", "type", 1, 1, f_type, 0, 0},
    {"cy_f_id", "id", 1, 1, f_id, 0, 0},
    {"cy_f_properties", "properties", 1, 1, f_properties, 0, 0},
    {"cy_f_nodes", "nodes", 1, 1, f_pathpart, 0, 0},
    {"cy_f_relationships", "relationships", 1, 1, f_pathpart, 1, 0},
    {"cy_f_startnode", "startNode", 1, 1, f_endpoint, 0, 1},
    {"cy_f_endnode", "endNode", 1, 1, f_endpoint, 1, 1},
    {"cy_f_coalesce", "coalesce", 1, -1, f_coalesce, 0, 0},
    {"cy_f_toupper", "toUpper", 1, 1, f_case, 0, 0},
    {"cy_f_tolower", "toLower", 1, 1, f_case, 1, 0},
    {"cy_f_trim", "trim", 1, 1, f_trim, T_BOTH, 0},
    {"cy_f_ltrim", "lTrim", 1, 1, f_trim, T_LEFT, 0},
    {"cy_f_rtrim", "rTrim", 1, 1, f_trim, T_RIGHT, 0},
    {"cy_f_substring", "substring", 2, 3, f_substring, 0, 0},
    {"cy_f_left", "left", 2, 2, f_leftright, 0, 0},
    {"cy_f_right", "right", 2, 2, f_leftright, 1, 0},
    {"cy_f_replace", "replace", 3, 3, f_replace, 0, 0},
    {"cy_f_split", "split", 2, 2, f_split, 0, 0},
    /* beyond openCypher 9 (Neo4j 5 / GQL) */
    {"cy_f_isempty", "isEmpty", 1, 1, f_isempty, 0, 0},
    {"cy_f_nullif", "nullIf", 2, 2, f_nullif, 0, 0},
    {"cy_f_elementid", "elementId", 1, 1, f_elementid, 0, 0},
    {"cy_f_timestamp", "timestamp", 0, 0, f_timestamp, 0, 1},
    {"cy_f_randomuuid", "randomUUID", 0, 0, f_randomuuid, 0, 1},
    {"cy_f_upper", "upper", 1, 1, f_case, 0, 0},
    {"cy_f_lower", "lower", 1, 1, f_case, 1, 0},
    {"cy_f_char_length", "char_length", 1, 1, f_size, S_CHARS, 0},
    {"cy_f_tointegerlist", "toIntegerList", 1, 1, f_tolist, C_INT, 0},
    {"cy_f_tofloatlist", "toFloatList", 1, 1, f_tolist, C_FLOAT, 0},
    {"cy_f_tobooleanlist", "toBooleanList", 1, 1, f_tolist, C_BOOL, 0},
    {"cy_f_tostringlist", "toStringList", 1, 1, f_tolist, C_STRING, 0},
    {"cy_f_character_length", "character_length", 1, 1, f_size, S_CHARS, 0},
};

static void dispatch(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const struct fdef *d = sqlite3_user_data(ctx);
    if (argc < d->amin || (d->amax >= 0 && argc > d->amax)) {
        if (d->amax < 0)
            cyfn_errorf(ctx, "ArgumentError: %s() takes at least %d argument%s", d->name, d->amin,
                   d->amin == 1 ? "" : "s");
        else if (d->amin == d->amax)
            cyfn_errorf(ctx, "ArgumentError: %s() takes %d argument%s", d->name, d->amin,
                   d->amin == 1 ? "" : "s");
        else if (d->amax == d->amin + 1)
            cyfn_errorf(ctx, "ArgumentError: %s() takes %d or %d arguments", d->name, d->amin, d->amax);
        else
            cyfn_errorf(ctx, "ArgumentError: %s() takes %d to %d arguments", d->name, d->amin, d->amax);
        return;
    }
    d->fn(ctx, d, argc, argv);
}

int cyfn_register_builtins(sqlite3 *db)
{
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        int flags = SQLITE_UTF8 | SQLITE_INNOCUOUS | (fns[i].volatile_ ? 0 : SQLITE_DETERMINISTIC);
        int rc = sqlite3_create_function_v2(db, fns[i].sql, -1, flags, (void *)&fns[i], dispatch,
                                            NULL, NULL, NULL);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}
