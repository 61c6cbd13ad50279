/* Cypher value layer tests: the canonical encoding (round trips of every kind, identical
 * bytes for equal values, the strict decoder's rejections), the TCK literal form, the
 * three-valued semantics tables of the TCK, orderability and its memcmp sort key, JSON,
 * and the cy_* SQL functions and table functions on an in-memory SQLite database. */
#include <math.h>
#include <stdarg.h>

#include "bindspace/error.h"
#include "cypher/value.h"
#include "test.h"

/* ------------------------------------------------------------------ builders */

static cv vnull(void) { cv v; cv_set_null(&v); return v; }
static cv vb(bool b) { cv v; cv_set_bool(&v, b); return v; }
static cv vi(int64_t i) { cv v; cv_set_int(&v, i); return v; }
static cv vf(double f) { cv v; cv_set_float(&v, f); return v; }
static cv vs(const char *s) { cv v; cv_set_string(&v, s, strlen(s)); return v; }

/* A list of the given items (moved in); terminate with a pointer to a CV_PATH-kind
 * sentinel... simpler: pass the count. */
static cv vlist(int n, ...)
{
    cv l = {.k = CV_LIST};
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        cv it = va_arg(ap, cv);
        cv_list_push(&l, &it);
    }
    va_end(ap);
    return l;
}

/* A map from n key/value pairs. */
static cv vmap(int n, ...)
{
    cv m = {.k = CV_MAP};
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *k = va_arg(ap, const char *);
        cv it = va_arg(ap, cv);
        cv_map_put(&m, k, &it);
    }
    va_end(ap);
    return m;
}

static cv vnode(int64_t id, const char *labels, cv props)
{
    cv n = {.k = CV_NODE};
    n.u.node.id = id;
    /* labels: colon-separated, e.g. "A:B" */
    if (labels && *labels) {
        const char *p = labels;
        size_t cnt = 1;
        for (const char *q = p; *q; q++) cnt += *q == ':';
        n.u.node.labels = calloc(cnt, sizeof(char *));
        while (p) {
            const char *c = strchr(p, ':');
            n.u.node.labels[n.u.node.nlabels++] = c ? strndup(p, (size_t)(c - p)) : strdup(p);
            p = c ? c + 1 : NULL;
        }
    }
    n.u.node.props = malloc(sizeof(cv));
    *n.u.node.props = props;
    return n;
}

static cv vrel(int64_t id, int64_t src, int64_t dst, const char *type, cv props)
{
    cv r = {.k = CV_REL};
    r.u.rel.id = id;
    r.u.rel.src = src;
    r.u.rel.dst = dst;
    r.u.rel.type = strdup(type);
    r.u.rel.props = malloc(sizeof(cv));
    *r.u.rel.props = props;
    return r;
}

static cv vempty(void) { cv m = {.k = CV_MAP}; return m; }

static char *rend(cv v)  /* renders and frees v */
{
    char *s = cv_render(&v);
    cv_free(&v);
    return s;
}

#define RENDERS(v, want)            \
    do {                            \
        char *s_ = rend(v);         \
        CHECK_STR(s_, want);        \
        free(s_);                   \
    } while (0)

/* ------------------------------------------------------------------ render */

static void test_render_scalars(void)
{
    RENDERS(vnull(), "null");
    RENDERS(vb(true), "true");
    RENDERS(vb(false), "false");
    RENDERS(vi(0), "0");
    RENDERS(vi(-42), "-42");
    RENDERS(vi(INT64_MIN), "-9223372036854775808");
    RENDERS(vf(1.0), "1.0");
    RENDERS(vf(0.1), "0.1");
    RENDERS(vf(0.0), "0.0");
    RENDERS(vf(-0.0), "-0.0");
    RENDERS(vf(-1.5), "-1.5");
    RENDERS(vf(1e9), "1000000000.0");
    RENDERS(vf(-1e9), "-1000000000.0");
    RENDERS(vf(1e-5), "0.00001");
    RENDERS(vf(1e-6), "0.000001");
    RENDERS(vf(1e-7), "1e-7");
    RENDERS(vf(1e20), "100000000000000000000.0");
    RENDERS(vf(1e21), "1e21");
    RENDERS(vf(1e308), "1e308");
    RENDERS(vf(123456789e300), "1.23456789e308");
    RENDERS(vf(1.2635418652381264e305), "1.2635418652381264e305");
    RENDERS(vf(-1e-305), "-1e-305");
    RENDERS(vf(0.3405892687), "0.3405892687");
    RENDERS(vf(1.0 / 3), "0.3333333333333333");
    RENDERS(vf(NAN), "NaN");
    RENDERS(vf(INFINITY), "Infinity");
    RENDERS(vf(-INFINITY), "-Infinity");
    RENDERS(vs("str"), "'str'");
    RENDERS(vs("it's"), "'it\\'s'");
    RENDERS(vs("a\\b"), "'a\\\\b'");
    RENDERS(vs(""), "''");
    cv b;
    cv_set_string(&b, "\x00\xff", 2);
    b.k = CV_BYTES;
    RENDERS(b, "x'00ff'");
}

static void test_render_composites(void)
{
    RENDERS(vlist(0), "[]");
    RENDERS(vlist(2, vi(1), vi(2)), "[1, 2]");
    RENDERS(vlist(3, vi(1), vnull(), vlist(1, vs("x"))), "[1, null, ['x']]");
    RENDERS(vempty(), "{}");
    RENDERS(vmap(2, "b", vs("x"), "a", vi(1)), "{a: 1, b: 'x'}");
    RENDERS(vmap(1, "a b", vi(1)), "{`a b`: 1}");
    RENDERS(vnode(1, "A", vmap(1, "num", vi(1))), "(:A {num: 1})");
    RENDERS(vnode(1, "A:B", vempty()), "(:A:B)");
    RENDERS(vnode(1, NULL, vempty()), "()");
    RENDERS(vnode(1, NULL, vmap(1, "k", vf(2))), "({k: 2.0})");
    RENDERS(vrel(5, 1, 2, "T", vmap(1, "k", vs("v"))), "[:T {k: 'v'}]");
    RENDERS(vrel(5, 1, 2, "T", vempty()), "[:T]");
    cv p = {.k = CV_PATH};
    cv e[] = {vnode(1, "A", vempty()), vrel(10, 1, 2, "T", vempty()), vnode(2, "B", vempty()),
              vrel(11, 3, 2, "U", vempty()), vnode(3, "C", vempty())};
    for (int i = 0; i < 5; i++) cv_list_push(&p, &e[i]);
    RENDERS(p, "<(:A)-[:T]->(:B)<-[:U]-(:C)>");
    cv p1 = {.k = CV_PATH};
    cv n1 = vnode(7, NULL, vempty());
    cv_list_push(&p1, &n1);
    RENDERS(p1, "<()>");
}

/* ------------------------------------------------------------------ encoding */

static uint8_t *enc(const cv *v, size_t *n)
{
    uint8_t *p = NULL;
    if (cv_encode(v, &p, n) != 0) return NULL;
    return p;
}

/* A random value of depth <= d. */
static cv rnd(test_rng *r, int d)
{
    static const double specials[] = {0.0, -0.0, 1.0, -1.5, 1e300, 1e-300, 9007199254740992.0,
                                      9223372036854775808.0, -9223372036854775808.0};
    static const int64_t ints[] = {0, 1, -1, INT64_MAX, INT64_MIN, 9007199254740993LL,
                                   9007199254740992LL, 4611686018427387905LL};
    int k = (int)test_rng_below(r, d > 0 ? 11 : 6);
    switch (k) {
    case 0: return vnull();
    case 1: return vb(test_rng_below(r, 2));
    case 2: return test_rng_below(r, 2) ? vi(ints[test_rng_below(r, 8)])
                                         : vi((int64_t)test_rng_below(r, 20) - 10);
    case 3: {
        uint64_t c = test_rng_below(r, 4);
        if (c == 0) return vf(NAN);
        if (c == 1) return vf(specials[test_rng_below(r, 9)]);
        return vf(((double)test_rng_below(r, 2000) - 1000) / 8);
    }
    case 4: {
        char buf[8];
        size_t n = test_rng_below(r, 4);
        for (size_t i = 0; i < n; i++) buf[i] = "ab\0'z"[test_rng_below(r, 5)];
        cv v;
        cv_set_string(&v, buf, n);
        return v;
    }
    case 5: {
        cv v;
        cv_set_string(&v, "\x01\x00\xC7", test_rng_below(r, 4));
        v.k = CV_BYTES;
        return v;
    }
    case 6: {
        cv l = {.k = CV_LIST};
        size_t n = test_rng_below(r, 4);
        for (size_t i = 0; i < n; i++) {
            cv it = rnd(r, d - 1);
            cv_list_push(&l, &it);
        }
        return l;
    }
    case 7: {
        cv m = {.k = CV_MAP};
        size_t n = test_rng_below(r, 4);
        for (size_t i = 0; i < n; i++) {
            char key[3] = {"abc"[test_rng_below(r, 3)], "xy"[test_rng_below(r, 2)], 0};
            cv it = rnd(r, d - 1);
            cv_map_put(&m, key, &it);
        }
        return m;
    }
    case 8: return vnode((int64_t)test_rng_below(r, 5), test_rng_below(r, 2) ? "A:B" : "L",
                         vmap(1, "k", rnd(r, d - 1)));
    case 9: return vrel((int64_t)test_rng_below(r, 5), 1, 2, "T", vmap(1, "k", rnd(r, d - 1)));
    default: {
        cv p = {.k = CV_PATH};
        cv a = vnode(1, "A", vempty()), rr = vrel((int64_t)test_rng_below(r, 3), 1, 2, "T", vempty()),
           b = vnode(2, "B", vempty());
        cv_list_push(&p, &a);
        if (test_rng_below(r, 2)) {
            cv_list_push(&p, &rr);
            cv_list_push(&p, &b);
        } else {
            cv_free(&rr);
            cv_free(&b);
        }
        return p;
    }
    }
}

static void test_roundtrip_random(void)
{
    test_rng r;
    test_rng_seed(&r, 42);
    for (int it = 0; it < 3000; it++) {
        cv v = rnd(&r, 4);
        size_t n;
        uint8_t *p = enc(&v, &n);
        CHECK(p != NULL);
        if (!p) { cv_free(&v); continue; }
        CHECK(n != 2048);
        cv w;
        CHECK_OK(cv_decode(p, n, &w));
        CHECK_EQ_I(cv_order(&v, &w), 0);
        CHECK(v.k == w.k);
        size_t n2;
        uint8_t *p2 = enc(&w, &n2);
        CHECK(p2 && n2 == n && memcmp(p, p2, n) == 0);
        char *s1 = cv_render(&v), *s2 = cv_render(&w);
        /* -0.0 is stored as 0.0: the only rendering difference allowed */
        if (strstr(s1, "-0.0") == NULL) CHECK_STR(s1, s2);
        cv c;
        CHECK_OK(cv_copy(&c, &v));
        size_t n3;
        uint8_t *p3 = enc(&c, &n3);
        CHECK(p3 && n3 == n && memcmp(p, p3, n) == 0);
        free(s1); free(s2); free(p); free(p2); free(p3);
        cv_free(&v); cv_free(&w); cv_free(&c);
    }
}

static void test_roundtrip_sqlite(void)
{
    sqlite3 *db;
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(db, "SELECT ?1", -1, &st, NULL) == SQLITE_OK);
    test_rng r;
    test_rng_seed(&r, 7);
    for (int it = 0; it < 1000; it++) {
        cv v = rnd(&r, 3);
        CHECK_OK(cv_bind(st, 1, &v));
        CHECK(sqlite3_step(st) == SQLITE_ROW);
        cv w;
        CHECK_OK(cv_from_sqlite(sqlite3_column_value(st, 0), &w));
        CHECK_EQ_I(cv_order(&v, &w), 0);
        CHECK(v.k == w.k);
        /* the representation: natives stay native, NaN is tagged */
        int t = sqlite3_column_type(st, 0);
        if (v.k == CV_NULL) CHECK(t == SQLITE_NULL);
        if (v.k == CV_INT) CHECK(t == SQLITE_INTEGER);
        if (v.k == CV_FLOAT) CHECK(t == (isnan(v.u.f) ? SQLITE_BLOB : SQLITE_FLOAT));
        if (v.k == CV_STRING) CHECK(t == SQLITE_TEXT);
        if (v.k >= CV_BOOL && v.k != CV_INT && v.k != CV_FLOAT && v.k != CV_STRING) CHECK(t == SQLITE_BLOB);
        sqlite3_reset(st);
        cv_free(&v);
        cv_free(&w);
    }
    sqlite3_finalize(st);
    /* a 2,048-byte BLOB is a fingerprint (bytes) even when it starts with the magic */
    uint8_t fp[2048];
    memset(fp, 0xAB, sizeof fp);
    memcpy(fp, CV_MAGIC, CV_MAGIC_LEN);
    CHECK(sqlite3_prepare_v2(db, "SELECT ?1", -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_blob(st, 1, fp, 2048, SQLITE_STATIC);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    cv w;
    CHECK_OK(cv_from_sqlite(sqlite3_column_value(st, 0), &w));
    CHECK(w.k == CV_BYTES && w.u.s.n == 2048 && memcmp(w.u.s.p, fp, 2048) == 0);
    sqlite3_reset(st);
    /* short bytes that start with the magic travel tagged and come back as bytes */
    CHECK_OK(cv_bind(st, 1, &w));  /* 2048: raw */
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_bytes(st, 0) == 2048);
    sqlite3_reset(st);
    w.u.s.n = 10;
    CHECK_OK(cv_bind(st, 1, &w));
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_bytes(st, 0) > 10);
    cv w2;
    CHECK_OK(cv_from_sqlite(sqlite3_column_value(st, 0), &w2));
    CHECK(w2.k == CV_BYTES && w2.u.s.n == 10 && memcmp(w2.u.s.p, fp, 10) == 0);
    w.u.s.n = 2048;
    cv_free(&w);
    cv_free(&w2);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_canonical_bytes(void)
{
    /* maps: insertion order does not matter */
    cv a = vmap(3, "b", vi(2), "a", vi(1), "c", vlist(1, vf(-0.0)));
    cv b = vmap(3, "c", vlist(1, vf(0.0)), "a", vi(1), "b", vi(2));
    size_t an, bn;
    uint8_t *ap = enc(&a, &an), *bp = enc(&b, &bn);
    CHECK(ap && bp && an == bn && memcmp(ap, bp, an) == 0);
    free(ap); free(bp);
    cv_free(&a); cv_free(&b);
    /* every NaN is one NaN */
    uint64_t bits = 0x7FF0000000000123ull;
    double odd;
    memcpy(&odd, &bits, 8);
    CHECK(isnan(odd));
    a = vlist(1, vf(odd));
    b = vlist(1, vf(NAN));
    ap = enc(&a, &an), bp = enc(&b, &bn);
    CHECK(ap && bp && an == bn && memcmp(ap, bp, an) == 0);
    free(ap); free(bp);
    cv_free(&a); cv_free(&b);
    /* exact bytes of a small value: magic, LIST, count 2, INT 1, BOOL true */
    a = vlist(2, vi(1), vb(true));
    ap = enc(&a, &an);
    static const uint8_t want[] = {0xC7, 0x59, 0x01, CV_LIST, 2, 0, 0, 0, CV_INT, 1, 0, 0, 0, 0,
                                   0, 0, 0, CV_BOOL, 1};
    CHECK(ap && an == sizeof want && memcmp(ap, want, an) == 0);
    free(ap);
    cv_free(&a);
    /* a value whose encoding would be 2,048 bytes gets one pad byte */
    char *big = malloc(2040);
    memset(big, 'x', 2040);
    cv s;
    cv_set_string(&s, big, 2032);  /* list: 3 + 1 + 4 + (1 + 4 + 2032) = 2045 */
    a = vlist(1, s);
    ap = enc(&a, &an);
    CHECK_EQ_U(an, 2045);
    free(ap);
    cv_free(&a);
    cv_set_string(&s, big, 2035);  /* 2048 → padded */
    a = vlist(1, s);
    ap = enc(&a, &an);
    CHECK_EQ_U(an, 2049);
    CHECK(ap && ap[2048] == 0);
    cv w;
    CHECK_OK(cv_decode(ap, an, &w));
    CHECK(w.k == CV_LIST && w.u.list.n == 1 && w.u.list.v[0].u.s.n == 2035);
    cv_free(&w);
    CHECK_ERR(cv_decode(ap, 2048, &w), BSP_ECORRUPT, "never 2048");
    ap[2048] = 1;
    CHECK_ERR(cv_decode(ap, an, &w), BSP_ECORRUPT, "trailing");
    free(ap);
    cv_free(&a);
    free(big);
}

static void test_decode_rejects(void)
{
    cv w;
#define BAD(bytes, msg)                                                                   \
    do {                                                                                  \
        const uint8_t *b_ = bytes; /* a compound literal: clang and gcc alike */         \
        CHECK_ERR(cv_decode(b_, sizeof(bytes), &w), BSP_ECORRUPT, msg);                   \
        CHECK(w.k == CV_NULL);                                                            \
    } while (0)
#define M 0xC7, 0x59, 0x01
    BAD(((uint8_t[]){0xC7, 0x59}), "missing magic");
    BAD(((uint8_t[]){0xC7, 0x59, 0x02, 0}), "missing magic");
    BAD(((uint8_t[]){M}), "truncated kind byte");
    BAD(((uint8_t[]){M, 11}), "unknown kind 11");
    BAD(((uint8_t[]){M, 0xFF}), "unknown kind 255");
    BAD(((uint8_t[]){M, CV_BOOL, 2}), "Boolean byte 2");
    BAD(((uint8_t[]){M, CV_BOOL, 1, 0}), "1 trailing bytes");
    BAD(((uint8_t[]){M, CV_INT, 1, 2, 3}), "truncated Integer");
    BAD(((uint8_t[]){M, CV_FLOAT, 0, 0, 0, 0, 0, 0, 0, 0x80}), "non-canonical Float");
    BAD(((uint8_t[]){M, CV_FLOAT, 1, 0, 0, 0, 0, 0, 0xF8, 0x7F}), "non-canonical Float");
    BAD(((uint8_t[]){M, CV_STRING, 5, 0, 0, 0, 'a'}), "truncated String");
    BAD(((uint8_t[]){M, CV_STRING, 0xFF, 0xFF, 0xFF, 0xFF}), "truncated String");
    BAD(((uint8_t[]){M, CV_LIST, 0xFF, 0xFF, 0xFF, 0xFF, 0}), "list count 4294967295 exceeds");
    BAD(((uint8_t[]){M, CV_LIST, 2, 0, 0, 0, 0, CV_BOOL}), "truncated Boolean");
    BAD(((uint8_t[]){M, CV_LIST, 2, 0, 0, 0, 0}), "list count 2 exceeds");
    BAD(((uint8_t[]){M, CV_MAP, 0xFF, 0xFF, 0xFF, 0x0F, 0}), "map count");
    BAD(((uint8_t[]){M, CV_MAP, 2, 0, 0, 0, 1, 0, 0, 0, 'b', 0, 1, 0, 0, 0, 'a', 0}),
        "map keys not strictly increasing");
    BAD(((uint8_t[]){M, CV_MAP, 2, 0, 0, 0, 1, 0, 0, 0, 'a', 0, 1, 0, 0, 0, 'a', 0}),
        "map keys not strictly increasing");
    BAD(((uint8_t[]){M, CV_MAP, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0}), "map key contains a NUL");
    BAD(((uint8_t[]){M, CV_PATH, 2, 0, 0, 0, 0, 0}), "Path with 2 elements");
    BAD(((uint8_t[]){M, CV_PATH, 1, 0, 0, 0, CV_INT, 0, 0, 0, 0, 0, 0, 0, 0}),
        "Path element 0 at byte 8 is not a Node");
    BAD(((uint8_t[]){M, CV_NODE, 1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0}), "label count");
    BAD(((uint8_t[]){M, CV_REL, 1, 0, 0, 0, 0, 0, 0, 0}), "truncated Relationship start");
    /* depth: 300 nested single-item lists */
    uint8_t deep[3 + 300 * 5 + 1];
    memcpy(deep, CV_MAGIC, 3);
    for (int i = 0; i < 300; i++) {
        uint8_t *q = deep + 3 + i * 5;
        q[0] = CV_LIST; q[1] = 1; q[2] = q[3] = q[4] = 0;
    }
    deep[sizeof deep - 1] = CV_NULL;
    CHECK_ERR(cv_decode(deep, sizeof deep, &w), BSP_ECORRUPT, "nested deeper than 256");
    /* forged counts at every level: each list claims as many items as bytes remain. The
     * decoder allocates for items it has read, not for counts it was told (pre-sized arrays
     * would ask for 250 levels x 1 MB x 40 bytes = 10 GB here). */
    {
        size_t total = 1 << 20;
        uint8_t *bomb = calloc(total, 1);  /* zeros after the headers: null items */
        memcpy(bomb, CV_MAGIC, 3);
        size_t at = 3;
        for (int lvl = 0; lvl < 250; lvl++) {
            uint32_t remain = (uint32_t)(total - at - 5);
            bomb[at] = CV_LIST;
            memcpy(bomb + at + 1, &remain, 4);  /* little-endian host */
            at += 5;
        }
        CHECK_ERR(cv_decode(bomb, total, &w), BSP_ECORRUPT, "truncated kind byte");
        free(bomb);
    }
    /* and the encoder refuses to build what the decoder would refuse */
    cv v = vnull();
    for (int i = 0; i < 300; i++) v = vlist(1, v);
    uint8_t *p;
    size_t n;
    CHECK_ERR(cv_encode(&v, &p, &n), BSP_ERANGE, "nested deeper");
    cv_free(&v);
#undef BAD
#undef M
}

static void test_prop_encoded(void)
{
    test_rng r;
    test_rng_seed(&r, 5);
    static const char *keys[] = {"ax", "ay", "bx", "by", "cx", "cy", "k", "", "zz"};
    int found = 0;
    for (int it = 0; it < 2000; it++) {
        cv v = rnd(&r, 4);
        const cv *m = v.k == CV_MAP ? &v : v.k == CV_NODE ? v.u.node.props : v.k == CV_REL ? v.u.rel.props : NULL;
        size_t n;
        uint8_t *p = enc(&v, &n);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            cv got;
            cv_kind kind;
            int rc = cv_prop_encoded(p, n, keys[k], strlen(keys[k]), &got, &kind);
            if (!m) {
                CHECK_EQ_I(rc, -1);
                continue;
            }
            CHECK(kind == v.k);
            const cv *want = cv_map_get(m, keys[k], strlen(keys[k]));
            CHECK_EQ_I(rc, want ? 1 : 0);
            if (want && rc == 1) {
                CHECK_EQ_I(cv_order(want, &got), 0);
                found++;
            }
            cv_free(&got);
        }
        /* truncated containers never read out of bounds */
        for (size_t cut = 0; cut < n; cut += 1 + n / 16) {
            cv got;
            cv_kind kind;
            if (cv_prop_encoded(p, cut, "k", 1, &got, &kind) == 1) cv_free(&got);
        }
        free(p);
        cv_free(&v);
    }
    CHECK(found > 100);
}

static void test_seed_replay_one(const char *bytes, size_t len)
{
    cv v;
    if (cv_decode((const uint8_t *)bytes, len, &v) == 0) {
        uint8_t *p;
        size_t n;
        CHECK_OK(cv_encode(&v, &p, &n));
        CHECK(n == len && memcmp(p, bytes, n) == 0);
        free(p);
        cv_free(&v);
    }
    if (cv_from_json(bytes, len, &v) == 0) cv_free(&v);
}

static void test_fuzz_seeds(void)
{
    int n = test_replay_seeds("cypher_value", test_seed_replay_one);
    if (getenv("BSP_SOURCE_DIR")) CHECK(n >= 5);
}

/* ------------------------------------------------------------------ semantics */

static int eq(cv a, cv b)
{
    int r = cv_equals(&a, &b);
    CHECK_EQ_I(cv_equals(&b, &a), r);  /* symmetric */
    cv_free(&a);
    cv_free(&b);
    return r;
}

static void test_equals(void)
{
    CHECK_EQ_I(eq(vnull(), vnull()), -1);
    CHECK_EQ_I(eq(vi(1), vnull()), -1);
    CHECK_EQ_I(eq(vi(1), vf(1.0)), 1);
    CHECK_EQ_I(eq(vf(1.0), vf(1.0)), 1);
    CHECK_EQ_I(eq(vs("1.0"), vf(1.0)), 0);
    CHECK_EQ_I(eq(vs("1"), vi(1)), 0);
    CHECK_EQ_I(eq(vf(NAN), vf(NAN)), 0);
    CHECK_EQ_I(eq(vf(NAN), vi(1)), 0);
    CHECK_EQ_I(eq(vf(NAN), vs("a")), 0);
    CHECK_EQ_I(eq(vf(0.0), vf(-0.0)), 1);
    CHECK_EQ_I(eq(vi(4611686018427387905LL), vf(4611686018427387904.0)), 0);
    CHECK_EQ_I(eq(vi(9007199254740993LL), vf(9007199254740992.0)), 0);
    CHECK_EQ_I(eq(vi(9007199254740992LL), vf(9007199254740992.0)), 1);
    CHECK_EQ_I(eq(vi(INT64_MAX), vf(9223372036854775808.0)), 0);
    CHECK_EQ_I(eq(vb(true), vi(1)), 0);
    /* TCK Comparison1 [6] */
    CHECK_EQ_I(eq(vlist(2, vi(1), vi(2)), vlist(1, vi(1))), 0);
    CHECK_EQ_I(eq(vlist(1, vnull()), vlist(1, vi(1))), -1);
    CHECK_EQ_I(eq(vlist(1, vs("a")), vlist(1, vi(1))), 0);
    CHECK_EQ_I(eq(vlist(1, vlist(1, vi(1))), vlist(2, vlist(1, vi(1)), vlist(1, vnull()))), 0);
    CHECK_EQ_I(eq(vlist(2, vlist(1, vi(1)), vlist(1, vi(2))), vlist(2, vlist(1, vi(1)), vlist(1, vnull()))), -1);
    CHECK_EQ_I(eq(vlist(2, vlist(1, vi(1)), vlist(2, vi(2), vi(3))),
                  vlist(2, vlist(1, vi(1)), vlist(1, vnull()))), 0);
    /* TCK Comparison1 [7] */
    CHECK_EQ_I(eq(vempty(), vempty()), 1);
    CHECK_EQ_I(eq(vmap(1, "k", vb(true)), vmap(1, "k", vb(true))), 1);
    CHECK_EQ_I(eq(vmap(1, "k", vf(1.0)), vmap(1, "k", vf(1.0))), 1);
    CHECK_EQ_I(eq(vmap(2, "k", vs("a"), "l", vi(2)), vmap(2, "l", vi(2), "k", vs("a"))), 1);
    CHECK_EQ_I(eq(vempty(), vmap(1, "k", vnull())), 0);
    CHECK_EQ_I(eq(vmap(1, "k", vi(1)), vmap(2, "k", vi(1), "l", vnull())), 0);
    CHECK_EQ_I(eq(vmap(2, "k", vnull(), "l", vi(1)), vmap(1, "l", vi(1))), 0);
    CHECK_EQ_I(eq(vmap(1, "k", vnull()), vmap(2, "k", vnull(), "l", vnull())), 0);
    CHECK_EQ_I(eq(vmap(1, "k", vnull()), vmap(1, "k", vnull())), -1);
    CHECK_EQ_I(eq(vmap(1, "k", vi(1)), vmap(1, "k", vnull())), -1);
    CHECK_EQ_I(eq(vmap(2, "k", vi(1), "l", vnull()), vmap(2, "k", vnull(), "l", vnull())), -1);
    CHECK_EQ_I(eq(vmap(2, "k", vi(1), "l", vnull()), vmap(2, "k", vnull(), "l", vi(1))), -1);
    CHECK_EQ_I(eq(vmap(2, "k", vi(1), "l", vnull()), vmap(2, "k", vi(1), "l", vi(1))), -1);
    /* graph values by id */
    CHECK_EQ_I(eq(vnode(1, "A", vempty()), vnode(1, "B", vmap(1, "x", vi(1)))), 1);
    CHECK_EQ_I(eq(vnode(1, "A", vempty()), vnode(2, "A", vempty())), 0);
    CHECK_EQ_I(eq(vrel(1, 1, 2, "T", vempty()), vrel(1, 1, 2, "T", vempty())), 1);
    CHECK_EQ_I(eq(vrel(1, 1, 2, "T", vempty()), vnode(1, "A", vempty())), 0);
}

static int cmp(cv a, cv b)
{
    int r = cv_compare(&a, &b);
    int s = cv_compare(&b, &a);
    if (r == -1 || r == 1) CHECK_EQ_I(s, -r);
    else CHECK_EQ_I(s, r);
    cv_free(&a);
    cv_free(&b);
    return r;
}

static void test_compare(void)
{
    CHECK_EQ_I(cmp(vi(1), vf(1.5)), -1);
    CHECK_EQ_I(cmp(vi(1), vf(1.0)), 0);
    CHECK_EQ_I(cmp(vi(3), vi(1)), 1);
    CHECK_EQ_I(cmp(vf(NAN), vi(1)), CV_CMP_FALSE);
    CHECK_EQ_I(cmp(vf(NAN), vf(NAN)), CV_CMP_FALSE);
    CHECK_EQ_I(cmp(vf(NAN), vs("a")), CV_CMP_NULL);
    CHECK_EQ_I(cmp(vs("1.0"), vf(1.0)), CV_CMP_NULL);
    CHECK_EQ_I(cmp(vs("a"), vs("b")), -1);
    CHECK_EQ_I(cmp(vs("a"), vs("ab")), -1);
    CHECK_EQ_I(cmp(vb(false), vb(true)), -1);
    CHECK_EQ_I(cmp(vnull(), vnull()), CV_CMP_NULL);
    CHECK_EQ_I(cmp(vi(1), vnull()), CV_CMP_NULL);
    CHECK_EQ_I(cmp(vempty(), vempty()), CV_CMP_NULL);
    CHECK_EQ_I(cmp(vnode(1, "A", vempty()), vnode(2, "A", vempty())), CV_CMP_NULL);
    CHECK_EQ_I(cmp(vi(INT64_MAX), vf(9223372036854775808.0)), -1);
    CHECK_EQ_I(cmp(vi(9007199254740993LL), vf(9007199254740992.0)), 1);
    /* TCK Comparison2 [4]: lhs >= rhs */
    CHECK_EQ_I(cmp(vlist(2, vi(1), vi(0)), vlist(1, vi(1))), 1);
    CHECK_EQ_I(cmp(vlist(2, vi(1), vnull()), vlist(1, vi(1))), 1);
    CHECK_EQ_I(cmp(vlist(2, vi(1), vi(2)), vlist(2, vi(1), vnull())), CV_CMP_NULL);
    CHECK_EQ_I(cmp(vlist(2, vi(1), vs("a")), vlist(2, vi(1), vnull())), CV_CMP_NULL);
    CHECK_EQ_I(cmp(vlist(2, vi(1), vi(2)), vlist(2, vi(3), vnull())), -1);
}

static void test_order(void)
{
    /* Map < Node < Relationship < List < Path < String < bytes < Boolean < Number < NaN < null */
    cv p = {.k = CV_PATH};
    cv n1 = vnode(1, NULL, vempty());
    cv_list_push(&p, &n1);
    cv by;
    cv_set_string(&by, "a", 1);
    by.k = CV_BYTES;
    cv chain[] = {vempty(), vmap(1, "a", vi(1)), vmap(1, "a", vi(2)), vmap(1, "b", vi(0)),
                  vnode(1, "A", vempty()), vnode(2, NULL, vempty()), vrel(1, 1, 1, "T", vempty()),
                  vlist(0), vlist(1, vi(1)), vlist(2, vi(1), vi(1)), vlist(1, vi(2)), vlist(1, vnull()),
                  p, vs(""), vs("a"), vs("ab"), vs("b"), by, vb(false), vb(true),
                  vf(-INFINITY), vi(INT64_MIN), vf(-1.5), vi(-1), vf(0.0), vf(0.5), vi(1),
                  vi(9007199254740992LL), vi(9007199254740993LL), vi(INT64_MAX),
                  vf(9223372036854775808.0), vf(INFINITY), vf(NAN), vnull()};
    size_t n = sizeof chain / sizeof chain[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int want = i < j ? -1 : i > j ? 1 : 0;
            int got = cv_order(&chain[i], &chain[j]);
            if (got != want) fprintf(stderr, "  order %zu vs %zu: %d\n", i, j, got);
            CHECK_EQ_I(got, want);
        }
    for (size_t i = 0; i < n; i++) cv_free(&chain[i]);
    cv a = vi(1), b = vf(1.0), c = vf(NAN), d = vf(-NAN), z = vf(0.0), mz = vf(-0.0);
    CHECK_EQ_I(cv_order(&a, &b), 0);
    CHECK_EQ_I(cv_order(&c, &d), 0);
    CHECK_EQ_I(cv_order(&z, &mz), 0);
}

static int sign(int x) { return x < 0 ? -1 : x > 0; }

static void test_sortkey_matches_order(void)
{
    test_rng r;
    test_rng_seed(&r, 99);
    enum { N = 400 };
    cv *vals = calloc(N, sizeof(cv));
    uint8_t **keys = calloc(N, sizeof(uint8_t *));
    size_t *klen = calloc(N, sizeof(size_t));
    for (int i = 0; i < N; i++) {
        vals[i] = rnd(&r, 3);
        CHECK_OK(cv_sortkey(&vals[i], &keys[i], &klen[i]));
    }
    int bad = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            size_t m = klen[i] < klen[j] ? klen[i] : klen[j];
            int k = memcmp(keys[i], keys[j], m);
            if (k == 0) k = klen[i] < klen[j] ? -1 : klen[i] > klen[j];
            int o = cv_order(&vals[i], &vals[j]);
            if (sign(k) != sign(o) && bad++ < 5) {
                char *a = cv_render(&vals[i]), *b = cv_render(&vals[j]);
                fprintf(stderr, "  sortkey %s vs %s: key %d order %d\n", a, b, k, o);
                free(a); free(b);
            }
            /* orderability is antisymmetric and consistent with equality on numbers */
            if (sign(o) != -sign(cv_order(&vals[j], &vals[i]))) bad++;
        }
    CHECK_EQ_I(bad, 0);
    for (int i = 0; i < N; i++) {
        cv_free(&vals[i]);
        free(keys[i]);
    }
    free(vals); free(keys); free(klen);
}

/* The three relations agree where they overlap: a defined comparison has the sign of the
 * total order, and equality (true) means order 0. Fixed-seed random pairs. */
static void test_relations_agree(void)
{
    test_rng r;
    test_rng_seed(&r, 2024);
    int compared = 0, equal = 0, bad = 0;
    for (int it = 0; it < 20000; it++) {
        cv a = rnd(&r, 2), b = test_rng_below(&r, 4) ? rnd(&r, 2) : vnull();
        if (test_rng_below(&r, 3) == 0) {
            cv_free(&b);
            cv_copy(&b, &a);
        }
        int c = cv_compare(&a, &b), o = cv_order(&a, &b), e = cv_equals(&a, &b);
        if (c >= -1 && c <= 1) {
            compared++;
            if (sign(c) != sign(o)) bad++;
        }
        if (e == 1) {
            equal++;
            if (o != 0) bad++;
            if (c != 0 && c != CV_CMP_NULL) bad++;
        }
        if (o != 0 && e == 1) bad++;
        if (bad && bad < 3) {
            char *x = cv_render(&a), *y = cv_render(&b);
            fprintf(stderr, "  %s vs %s: compare %d order %d equals %d\n", x, y, c, o, e);
            free(x); free(y);
            bad += 3;
        }
        cv_free(&a);
        cv_free(&b);
    }
    CHECK_EQ_I(bad, 0);
    CHECK(compared > 2000 && equal > 2000);
}

static void test_json(void)
{
    cv v = vlist(7, vnull(), vb(true), vi(-3), vf(1.5), vs("a\"b\\\n"), vf(NAN), vf(-INFINITY));
    char *s = cv_json(&v);
    CHECK_STR(s, "[null,true,-3,1.5,\"a\\\"b\\\\\\n\",\"NaN\",\"-Infinity\"]");
    free(s);
    cv_free(&v);
    v = vnode(3, "A:B", vmap(2, "x", vf(1.0), "a", vlist(0)));
    s = cv_json(&v);
    CHECK_STR(s, "{\"id\":3,\"labels\":[\"A\",\"B\"],\"properties\":{\"a\":[],\"x\":1.0}}");
    free(s);
    cv_free(&v);
    v = vrel(9, 1, 2, "KNOWS", vmap(1, "since", vi(2001)));
    s = cv_json(&v);
    CHECK_STR(s, "{\"id\":9,\"type\":\"KNOWS\",\"start\":1,\"end\":2,\"properties\":{\"since\":2001}}");
    free(s);
    cv_free(&v);
    cv_set_string(&v, "\x01\xab", 2);
    v.k = CV_BYTES;
    s = cv_json(&v);
    CHECK_STR(s, "\"01ab\"");
    free(s);
    cv_free(&v);

    const char *txt = "{\"b\": [1, 2.0, \"x\", null, true], \"a\": {\"n\": -9223372036854775808}}";
    CHECK_OK(cv_from_json(txt, strlen(txt), &v));
    CHECK(v.k == CV_MAP && v.u.map.n == 2);
    s = cv_render(&v);
    CHECK_STR(s, "{a: {n: -9223372036854775808}, b: [1, 2.0, 'x', null, true]}");
    free(s);
    const cv *b = cv_map_get(&v, "b", 1);
    CHECK(b && b->k == CV_LIST && b->u.list.v[0].k == CV_INT && b->u.list.v[1].k == CV_FLOAT);
    cv_free(&v);
    CHECK_OK(cv_from_json("12", 2, &v));
    CHECK(v.k == CV_INT && v.u.i == 12);
    CHECK_ERR(cv_from_json("{\"a\": ", 6, &v), BSP_EINVAL, "JSON");
    CHECK(v.k == CV_NULL);
    CHECK_ERR(cv_from_json("\"a\\u0000b\"", 10, &v), BSP_EINVAL, "JSON");
    /* JSON round trip of what cv_json writes for plain values */
    v = vmap(2, "k", vlist(2, vi(1), vf(0.25)), "s", vs("\x01"));
    s = cv_json(&v);
    cv w;
    CHECK_OK(cv_from_json(s, strlen(s), &w));
    CHECK_EQ_I(cv_order(&v, &w), 0);
    CHECK_EQ_I(cv_equals(&v, &w), 1);
    free(s);
    cv_free(&v);
    cv_free(&w);
}

static void test_map_api(void)
{
    cv m = vmap(3, "b", vi(1), "a", vi(2), "b", vi(3));  /* replace */
    CHECK_EQ_U(m.u.map.n, 2);
    CHECK_STR(m.u.map.keys[0], "a");
    const cv *x = cv_map_get(&m, "b", 1);
    CHECK(x && x->k == CV_INT && x->u.i == 3);
    CHECK(cv_map_get(&m, "ba", 1) == x);  /* keylen counts */
    CHECK(cv_map_get(&m, "c", 1) == NULL);
    cv_free(&m);
    /* a list allocated elsewhere with an exact size can be pushed onto */
    cv l = {.k = CV_LIST};
    l.u.list.v = malloc(3 * sizeof(cv));
    for (int i = 0; i < 3; i++) cv_set_int(&l.u.list.v[i], i);
    l.u.list.n = 3;
    for (int i = 3; i < 100; i++) {
        cv it = vi(i);
        CHECK_OK(cv_list_push(&l, &it));
        CHECK(it.k == CV_NULL);
    }
    CHECK(l.u.list.n == 100 && l.u.list.v[99].u.i == 99);
    cv_free(&l);
}

/* ------------------------------------------------------------------ SQL */

static sqlite3 *open_db(void)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK(cy_sql_register(db) == SQLITE_OK);
    return db;
}

/* The first column of the first row as text (cy_render is applied by the caller), or
 * "ERR: message". Static buffer. */
static const char *q1(sqlite3 *db, const char *sql)
{
    static char out[4096];
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(out, sizeof out, "ERR: %s", sqlite3_errmsg(db));
        return out;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, sizeof out, "%s", t ? (const char *)t : "<sql null>");
    } else if (rc == SQLITE_DONE) {
        snprintf(out, sizeof out, "<no row>");
    } else {
        snprintf(out, sizeof out, "ERR: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return out;
}

/* SELECT cy_render(<expr>) */
static const char *ev(sqlite3 *db, const char *expr)
{
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT cy_render(%s)", expr);
    return q1(db, sql);
}

#define EV(expr, want) CHECK_STR(ev(db, expr), want)
#define EVERR(expr, sub)                                                       \
    do {                                                                       \
        const char *r_ = ev(db, expr);                                         \
        if (!strstr(r_, sub)) {                                                \
            fprintf(stderr, "  %s -> %s (want %s)\n", expr, r_, sub);          \
            CHECK(0);                                                          \
        }                                                                      \
    } while (0)

#define T "cy_bool(1)"
#define F "cy_bool(0)"
#define N "NULL"

static void test_sql_arithmetic(void)
{
    sqlite3 *db = open_db();
    EV("cy_add(1, 2.5)", "3.5");
    EV("cy_add(1, 2)", "3");
    EV("cy_sub(1, 2)", "-1");
    EV("cy_mul(3, 2.0)", "6.0");
    EV("cy_div(7, 2)", "3");
    EV("cy_div(-7, 2)", "-3");
    EV("cy_div(7.0, 2)", "3.5");
    EV("cy_div(1.0, 0)", "Infinity");
    EV("cy_div(0.0, 0.0)", "NaN");
    EV("cy_mod(-7, 2)", "-1");
    EV("cy_mod(7.5, 2)", "1.5");
    EV("cy_pow(2, 3)", "8.0");
    EV("cy_pow(4, 0.5)", "2.0");
    EV("cy_neg(5)", "-5");
    EV("cy_neg(cy_div(0.0, 0.0))", "NaN");
    EV("cy_add(NULL, 1)", "null");
    EV("cy_mul(cy_div(0.0, 0.0), NULL)", "null");
    EVERR("cy_add(9223372036854775807, 1)", "ArithmeticError: integer overflow");
    EVERR("cy_mul(4611686018427387904, 2)", "ArithmeticError: integer overflow");
    EVERR("cy_sub(-9223372036854775808, 1)", "ArithmeticError: integer overflow");
    EVERR("cy_div(-9223372036854775808, -1)", "ArithmeticError: integer overflow");
    EVERR("cy_neg(-9223372036854775808)", "ArithmeticError: integer overflow");
    EV("cy_mod(-9223372036854775808, -1)", "0");
    EVERR("cy_div(1, 0)", "ArithmeticError");
    EVERR("cy_mod(1, 0)", "ArithmeticError");
    EV("cy_add('a', 'b')", "'ab'");
    EV("cy_add('a', 1)", "'a1'");
    EV("cy_add(1.5, 'a')", "'1.5a'");
    EV("cy_add(cy_list(1), 2)", "[1, 2]");
    EV("cy_add(0, cy_list(1))", "[0, 1]");
    EV("cy_add(cy_list(1), cy_list(2, 3))", "[1, 2, 3]");
    EV("cy_add(cy_list(1), cy_list())", "[1]");
    EV("cy_add(cy_list(1), cy_list(cy_list()))", "[1, []]");
    EV("cy_add(cy_list(), NULL)", "null");
    EVERR("cy_add(" T ", 1)", "TypeError: InvalidArgumentType: cannot add Boolean and Integer");
    EVERR("cy_sub('a', 1)", "TypeError: InvalidArgumentType: cannot apply - to String and Integer");
    EVERR("cy_add(cy_map('a', 1), 1)", "TypeError");
    EVERR("cy_neg('a')", "TypeError");
    sqlite3_close(db);
}

static void test_sql_logic(void)
{
    sqlite3 *db = open_db();
    /* AND / OR / XOR over {true, false, null}², row-major */
    const char *vals[] = {T, F, N};
    const char *want_and[] = {"true", "false", "null", "false", "false", "false", "null", "false", "null"};
    const char *want_or[] = {"true", "true", "true", "true", "false", "null", "true", "null", "null"};
    const char *want_xor[] = {"false", "true", "null", "true", "false", "null", "null", "null", "null"};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            char e[128];
            snprintf(e, sizeof e, "cy_and(%s, %s)", vals[i], vals[j]);
            EV(e, want_and[i * 3 + j]);
            snprintf(e, sizeof e, "cy_or(%s, %s)", vals[i], vals[j]);
            EV(e, want_or[i * 3 + j]);
            snprintf(e, sizeof e, "cy_xor(%s, %s)", vals[i], vals[j]);
            EV(e, want_xor[i * 3 + j]);
        }
    EV("cy_not(" T ")", "false");
    EV("cy_not(" F ")", "true");
    EV("cy_not(NULL)", "null");
    EVERR("cy_and(1, " T ")", "TypeError");
    EVERR("cy_or(" F ", 'x')", "TypeError");
    EVERR("cy_and(" F ", cy_list())", "TypeError");
    EVERR("cy_not(0)", "TypeError");
    EV("cy_eq(1, 1.0)", "true");
    /* natives take a decoding-free path: same answers */
    EV("cy_eq('1', 1)", "false");
    EV("cy_neq('a', 1.5)", "true");
    EV("cy_lt('a', 1)", "null");
    EV("cy_lt(NULL, 1)", "null");
    EV("cy_eq(NULL, 'a')", "null");
    EV("cy_eq('a', 'a')", "true");
    EV("cy_lt('a', 'ab')", "true");
    EV("cy_eq(9007199254740993, 9007199254740992.0)", "false");
    EV("cy_gt(9007199254740993, 9007199254740992.0)", "true");
    EV("cy_ge(2, 1.5)", "true");
    EV("cy_le(1.5, 1)", "false");
    EV("cy_eq('a', cy_list('a'))", "false");
    EV("cy_eq(cy_list(1, NULL), cy_list(1, 2))", "null");
    EV("cy_neq(cy_list(1, NULL), cy_list(2, 2))", "true");
    EV("cy_neq(NULL, NULL)", "null");
    EV("cy_eq(cy_div(0.0, 0.0), cy_div(0.0, 0.0))", "false");
    EV("cy_neq(cy_div(0.0, 0.0), cy_div(0.0, 0.0))", "true");
    EV("cy_lt(1, 2.5)", "true");
    EV("cy_ge(cy_list(1, NULL), cy_list(1))", "true");
    EV("cy_ge(cy_list(1, 2), cy_list(3, NULL))", "false");
    EV("cy_ge(cy_list(1, 2), cy_list(1, NULL))", "null");
    EV("cy_lt('1', 1)", "null");
    EV("cy_gt(cy_div(0.0, 0.0), 1)", "false");
    EV("cy_le(cy_div(0.0, 0.0), cy_div(0.0, 0.0))", "false");
    EV("cy_le('a', 'a')", "true");
    EV("cy_gt(" T ", " F ")", "true");
    EV("cy_starts_with('abc', 'ab')", "true");
    EV("cy_starts_with('abc', 'bc')", "false");
    EV("cy_ends_with('abc', 'bc')", "true");
    EV("cy_contains('abc', 'b')", "true");
    EV("cy_contains('abc', '')", "true");
    EV("cy_contains('abc', 'x')", "false");
    EV("cy_contains('abc', NULL)", "null");
    EV("cy_starts_with(1, 'a')", "null");
    EV("cy_is_null(NULL)", "true");
    EV("cy_is_null(cy_div(0.0, 0.0))", "false");
    EV("cy_is_not_null(0)", "true");
    /* IN */
    EV("cy_in(3, cy_list(1, 2, 3))", "true");
    EV("cy_in(3, cy_list(1, NULL))", "null");
    EV("cy_in(1, cy_list(1, NULL))", "true");
    EV("cy_in(NULL, cy_list())", "false");
    EV("cy_in(NULL, cy_list(1))", "null");
    EV("cy_in(1, NULL)", "null");
    EV("cy_in(1, cy_list('1', 2))", "false");
    EV("cy_in(cy_list(1, 2), cy_list(1, cy_list(1, '2')))", "false");
    EV("cy_in(cy_list(1), cy_list(1, 2, cy_list(1)))", "true");
    EV("cy_in(cy_list(cy_list(1, 2), 3), cy_list(1, cy_list(cy_list(1, 2), 3)))", "true");
    EVERR("cy_in(1, 2)", "TypeError");
    /* truth */
    CHECK_STR(q1(db, "SELECT cy_truth(" T ")"), "1");
    CHECK_STR(q1(db, "SELECT cy_truth(" F ")"), "0");
    CHECK_STR(q1(db, "SELECT cy_truth(NULL)"), "0");
    CHECK_STR(q1(db, "SELECT cy_truth(1)"), "0");
    CHECK_STR(q1(db, "SELECT count(*) FROM (SELECT 1 AS x UNION SELECT 2) WHERE cy_truth(cy_gt(x, 1))"), "1");
    sqlite3_close(db);
}

static void test_sql_constructors_access(void)
{
    sqlite3 *db = open_db();
    EV("cy_bool(1)", "true");
    EV("cy_bool(0)", "false");
    EV("cy_bool(NULL)", "null");
    EV("cy_list()", "[]");
    EV("cy_list(1, 'a', NULL, 2.0, cy_list())", "[1, 'a', null, 2.0, []]");
    EV("cy_map('b', 1, 'a', cy_list(1))", "{a: [1], b: 1}");
    EV("cy_map()", "{}");
    EVERR("cy_map(1, 2)", "TypeError");
    EVERR("cy_map('a')", "ArgumentError");
    EV("cy_node(1, cy_list('A', 'B'), cy_map('num', 1))", "(:A:B {num: 1})");
    EV("cy_node(1, NULL, NULL)", "()");
    EV("cy_node(1, '[\"L\"]', '{\"k\": 1.5}')", "(:L {k: 1.5})");
    EV("cy_node(NULL, NULL, NULL)", "null");
    EVERR("cy_node(1, cy_list(1), NULL)", "TypeError");
    EVERR("cy_node(1, NULL, cy_list())", "TypeError");
    EV("cy_rel(5, 1, 2, 'T', cy_map('k', 'v'))", "[:T {k: 'v'}]");
    EV("cy_path(cy_node(1, cy_list('A'), NULL), cy_rel(5, 1, 2, 'T', NULL), cy_node(2, cy_list('B'), NULL))",
       "<(:A)-[:T]->(:B)>");
    EV("cy_path(cy_node(1, cy_list('A'), NULL), cy_list(cy_rel(5, 2, 1, 'T', NULL), cy_node(2, NULL, NULL)),"
       " cy_node(2, NULL, NULL))", "<(:A)<-[:T]-()>");
    EV("cy_path(cy_node(1, NULL, NULL), NULL)", "null");
    /* an unmatched OPTIONAL MATCH: null wins before the nodes are checked */
    EV("cy_path(cy_node(1, NULL, NULL), NULL, cy_node(3, NULL, NULL))", "null");
    EV("cy_path(cy_node(1, NULL, NULL), cy_list(NULL), cy_node(3, NULL, NULL))", "null");
    EVERR("cy_path(cy_node(1, NULL, NULL), cy_rel(5, 3, 4, 'T', NULL), cy_node(4, NULL, NULL))",
          "does not touch");
    EVERR("cy_path(cy_node(1, NULL, NULL), cy_rel(5, 1, 4, 'T', NULL))", "ends with a node");
    EV("cy_from_json('{\"a\": 1, \"b\": [1.5, \"x\"]}')", "{a: 1, b: [1.5, 'x']}");
    EV("cy_from_json(NULL)", "{}");
    EVERR("cy_from_json('{')", "ArgumentError");
    /* access */
    EV("cy_prop(cy_map('a', 1), 'a')", "1");
    EV("cy_prop(cy_map('a', 1), 'b')", "null");
    EV("cy_prop(cy_node(1, NULL, cy_map('name', 'x')), 'name')", "'x'");
    EV("cy_prop(cy_rel(1, 1, 2, 'T', cy_map('w', 2.5)), 'w')", "2.5");
    EV("cy_prop(NULL, 'a')", "null");
    EVERR("cy_prop(1, 'a')", "TypeError: InvalidArgumentType: cannot access property 'a' of Integer");
    EVERR("cy_prop(cy_list(1), 'a')", "TypeError");
    EV("cy_index(cy_list(1, 2, 3), 0)", "1");
    EV("cy_index(cy_list(1, 2, 3), -1)", "3");
    EV("cy_index(cy_list(1, 2, 3), -3)", "1");
    EV("cy_index(cy_list(1, 2, 3), -4)", "null");
    EV("cy_index(cy_list(1, 2, 3), 3)", "null");
    EV("cy_index(cy_list(1, 2, 3), NULL)", "null");
    EV("cy_index(cy_map('a', 1), 'a')", "1");
    EV("cy_index(cy_list(cy_list(1, 2, 3)), 0)", "[1, 2, 3]");
    EVERR("cy_index(cy_list(1), 'a')", "TypeError");
    EVERR("cy_index(cy_list(1), 1.0)", "TypeError");
    EVERR("cy_index(cy_map('a', 1), 0)", "TypeError: MapElementAccessByNonString");
    EVERR("cy_index(5, 0)", "TypeError: InvalidArgumentType");
    EV("cy_slice(cy_list(1, 2, 3), 0, 1, 1, 1)", "[1]");
    EV("cy_slice(cy_list(1, 2, 3), 1, NULL, 1, 0)", "[2, 3]");
    EV("cy_slice(cy_list(1, 2, 3), NULL, -1, 0, 1)", "[1, 2]");
    EV("cy_slice(cy_list(1, 2, 3), -2, 10, 1, 1)", "[2, 3]");
    EV("cy_slice(cy_list(1, 2, 3), 2, 1, 1, 1)", "[]");
    EV("cy_slice(cy_list(1, 2, 3), NULL, 1, 1, 1)", "null");
    EV("cy_slice(NULL, 0, 1, 1, 1)", "null");
    EVERR("cy_slice(cy_list(1), 'a', 1, 1, 1)", "TypeError");
    /* glue */
    CHECK_STR(q1(db, "SELECT cy_labels_has(cy_list('A', 'B'), 'B', 'A')"), "1");
    CHECK_STR(q1(db, "SELECT cy_labels_has(cy_list('A', 'B'), 'C')"), "0");
    CHECK_STR(q1(db, "SELECT cy_labels_has(cy_list('A'))"), "1");
    CHECK_STR(q1(db, "SELECT cy_labels_has(NULL, 'A')"), "0");
    CHECK_STR(q1(db, "SELECT cy_labels_has(cy_list(), 'A')"), "0");
    CHECK_STR(q1(db, "SELECT cy_labels_has(cy_list('AB', 'B'), 'A')"), "0");
    CHECK_STR(q1(db, "SELECT cy_labels_has(cy_list('A', 1), 'A')"), "1");  /* not all strings: full path */
    CHECK_STR(q1(db, "SELECT cy_labels_has(cy_node(1, cy_list('X', 'Y'), NULL), 'Y', 'X')"), "1");
    CHECK_STR(q1(db, "SELECT cy_labels_has(x'C7590106', 'A')"),
              "ERR: ArgumentError: cypher value: truncated list count at byte 4 (need 4, have 0)");
    CHECK_STR(q1(db, "SELECT cy_labels_has(x'C75901060200000004010000004104', 'A')"),
              "ERR: ArgumentError: cypher value: truncated String at byte 15 (need 4, have 0)");
    EV("cy_props_match(cy_node(1, NULL, cy_map('a', 1, 'b', 'x')), cy_map('a', 1.0))", "true");
    EV("cy_props_match(cy_node(1, NULL, cy_map('a', 1, 'b', 'x')), cy_map('a', 1, 'b', 'y'))", "false");
    EV("cy_props_match(cy_node(1, NULL, cy_map('a', 1)), cy_map('c', 1))", "null");
    EV("cy_props_match(cy_node(1, NULL, NULL), cy_map())", "true");
    EV("cy_props_match(cy_rel(1, 1, 2, 'T', cy_map('w', cy_list(1))), cy_map('w', cy_list(1)))", "true");
    EV("cy_props_match(cy_map('a', NULL), cy_map('a', NULL))", "null");
    EV("cy_props_match(NULL, cy_map('a', 1))", "null");
    EVERR("cy_props_match(cy_node(1, NULL, NULL), 5)", "TypeError");
    CHECK_STR(q1(db, "SELECT cy_check_int(3, 'LIMIT')"), "3");
    CHECK_STR(q1(db, "SELECT cy_check_int(-1, 'LIMIT')"),
              "ERR: SyntaxError: NegativeIntegerArgument: LIMIT must be a non-negative Integer, got -1");
    CHECK_STR(q1(db, "SELECT cy_check_int(1.5, 'SKIP')"),
              "ERR: SyntaxError: InvalidArgumentType: SKIP must be an Integer, got 1.5");
    CHECK(strstr(q1(db, "SELECT cy_check_int(NULL, 'SKIP')"), "InvalidArgumentType"));
    CHECK_STR(q1(db, "SELECT cy_json(cy_node(1, cy_list('A'), cy_map('k', 1)))"),
              "{\"id\":1,\"labels\":[\"A\"],\"properties\":{\"k\":1}}");
    CHECK_STR(q1(db, "SELECT cy_render(NULL)"), "null");
    /* a corrupt tagged BLOB is a clear error, not a crash */
    CHECK(strstr(q1(db, "SELECT cy_render(x'C7590107')"), "ArgumentError: cypher value: truncated"));
    /* canonical bytes: DISTINCT sees equal maps as one */
    CHECK_STR(q1(db, "SELECT count(DISTINCT m) FROM (SELECT cy_map('a', 1, 'b', 2) AS m"
                     " UNION ALL SELECT cy_map('b', 2, 'a', 1))"), "1");
    sqlite3_close(db);
}

/* cv_sql_literal: SELECT <literal> gives back the same value, for every kind. */
static void test_sql_literal(void)
{
    sqlite3 *db = open_db();
    test_rng r;
    test_rng_seed(&r, 11);
    cv fixed[] = {vi(INT64_MIN), vi(INT64_MAX), vf(1.0), vf(-0.0), vf(0.1), vf(1e308), vf(INFINITY),
                  vf(-INFINITY), vf(NAN), vs("it's"), vs(""), vnull()};
    cv nul;
    cv_set_string(&nul, "a\0b", 3);
    for (int it = 0; it < 600; it++) {
        size_t nf = sizeof fixed / sizeof fixed[0];
        cv v;
        if (it < (int)nf) v = fixed[it];
        else if (it == (int)nf) v = nul;
        else v = rnd(&r, 3);
        char *lit = cv_sql_literal(&v);
        CHECK(lit != NULL);
        char sql[8192];
        snprintf(sql, sizeof sql, "SELECT %s", lit ? lit : "NULL");
        sqlite3_stmt *st = NULL;
        CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            cv w;
            CHECK_OK(cv_from_sqlite(sqlite3_column_value(st, 0), &w));
            CHECK(w.k == v.k);
            CHECK_EQ_I(cv_order(&v, &w), 0);
            if (v.k == CV_FLOAT && !isnan(v.u.f)) CHECK(signbit(v.u.f) == signbit(w.u.f));
            cv_free(&w);
        } else {
            CHECK(0);
        }
        sqlite3_finalize(st);
        free(lit);
        cv_free(&v);
    }
    /* 100-deep lists: one token, no parser stack overflow */
    cv deep = vnull();
    for (int i = 0; i < 100; i++) deep = vlist(1, deep);
    char *lit = cv_sql_literal(&deep);
    char *sql = malloc(strlen(lit) + 32);
    sprintf(sql, "SELECT cy_render(%s)", lit);
    const char *got = q1(db, sql);
    CHECK(strncmp(got, "[[[[", 4) == 0 && strstr(got, "null") != NULL);
    free(sql);
    free(lit);
    cv_free(&deep);
    sqlite3_close(db);
}

static void test_sql_sortkey(void)
{
    sqlite3 *db = open_db();
    CHECK(sqlite3_exec(db, "CREATE TABLE t(v)", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "INSERT INTO t VALUES (2), (1.5), (NULL), ('b'), ('a'), (cy_bool(1)),"
                       " (cy_list(1, 2)), (cy_list(1)), (cy_map('a', 1)), (cy_div(0.0, 0.0)),"
                       " (-9223372036854775808), (9007199254740993), (9007199254740992.0),"
                       " (cy_bool(0)), (cy_node(3, NULL, NULL))",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK_STR(q1(db, "SELECT group_concat(r, ' ') FROM (SELECT cy_render(v) AS r FROM t ORDER BY cy_sortkey(v))"),
              "{a: 1} () [1] [1, 2] 'a' 'b' false true -9223372036854775808 1.5 2 "
              "9007199254740992.0 9007199254740993 NaN null");
    CHECK_STR(q1(db, "SELECT group_concat(r, ' ') FROM (SELECT cy_render(v) AS r FROM t"
                     " WHERE typeof(v) != 'blob' ORDER BY cy_sortkey(v) DESC)"),
              "null 9007199254740993 9007199254740992.0 2 1.5 -9223372036854775808 'b' 'a'");
    sqlite3_close(db);
}

static void test_sql_unwind(void)
{
    sqlite3 *db = open_db();
    CHECK_STR(q1(db, "SELECT group_concat(cy_render(value), ',') FROM cy_unwind(cy_list(1, 'a', NULL, cy_list(2)))"),
              "1,'a',null,[2]");
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_unwind(NULL)"), "0");
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_unwind(cy_list())"), "0");
    CHECK_STR(q1(db, "SELECT cy_render(value) FROM cy_unwind(5)"), "5");
    CHECK_STR(q1(db, "SELECT typeof(value) FROM cy_unwind(cy_list(1.5))"), "real");
    /* correlated: one unwind per outer row */
    CHECK_STR(q1(db, "SELECT group_concat(x || ':' || cy_render(u.value), ' ') FROM"
                     " (SELECT 1 AS x, cy_list(1, 2) AS l UNION ALL SELECT 2, cy_list(3)) t,"
                     " cy_unwind(t.l) u"),
              "1:1 1:2 2:3");
    CHECK(strstr(q1(db, "SELECT * FROM cy_unwind"), "ERR"));
    sqlite3_close(db);
}

static void test_sql_expand(void)
{
    sqlite3 *db = open_db();
    CHECK(sqlite3_exec(db,
        "CREATE TABLE cy_nodes(id INTEGER PRIMARY KEY, labels, props, fingerprint BLOB);"
        "CREATE TABLE cy_edges(id INTEGER PRIMARY KEY, src INTEGER, dst INTEGER, type TEXT, props);"
        "INSERT INTO cy_nodes VALUES (1, cy_list('A'), cy_map('name', 'a'), NULL),"
        "  (2, cy_list('B'), NULL, NULL), (3, '[\"C\"]', '{\"n\": 3}', NULL), (4, NULL, NULL, NULL);"
        "INSERT INTO cy_edges VALUES (10, 1, 2, 'T', NULL), (11, 2, 3, 'T', cy_map('w', 1)),"
        "  (12, 3, 1, 'U', NULL), (13, 2, 4, 'T', NULL), (14, 4, 4, 'L', '{}');",
        NULL, NULL, NULL) == SQLITE_OK);
#define EXP(args, want)                                                                         \
    CHECK_STR(q1(db, "SELECT group_concat(dst || ' ' || cy_render(cy_path(cy_node(1, NULL, NULL), steps)), '; ')" \
                     " FROM cy_expand(" args ")"), want)
    EXP("1, 1, NULL, 1, 1", "2 <()-[:T]->(:B)>");
    EXP("1, 1, 'T', 1, 2", "2 <()-[:T]->(:B)>; 3 <()-[:T]->(:B)-[:T {w: 1}]->(:C {n: 3})>; "
                          "4 <()-[:T]->(:B)-[:T]->()>");
    EXP("1, 1, NULL, 2, 2", "3 <()-[:T]->(:B)-[:T {w: 1}]->(:C {n: 3})>; 4 <()-[:T]->(:B)-[:T]->()>");
    EXP("1, 1, NULL, 0, 0", "1 <()>");
    /* unbounded: the cycle 1→2→3→1 ends because each relationship is used once per path;
     * the self-loop at 4 is taken once */
    CHECK_STR(q1(db, "SELECT group_concat(dst || ':' || cy_render(rels), ' ') FROM cy_expand(1, 1, NULL, 1, -1)"),
              "2:[[:T]] 3:[[:T], [:T {w: 1}]] 1:[[:T], [:T {w: 1}], [:U]] 4:[[:T], [:T]] "
              "4:[[:T], [:T], [:L]]");
    CHECK_STR(q1(db, "SELECT group_concat(dst, ',') FROM cy_expand(1, 2, NULL, 1, 1)"), "3");
    CHECK_STR(q1(db, "SELECT group_concat(dst, ',') FROM cy_expand(1, 3, NULL, 1, 1)"), "2,3");
    CHECK_STR(q1(db, "SELECT group_concat(dst, ',') FROM cy_expand(4, 3, NULL, 1, 1)"), "2,4");
    CHECK_STR(q1(db, "SELECT group_concat(dst, ',') FROM cy_expand(1, 3, 'U|L', 1, 5)"), "3");
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_expand(1, 1, 'NOPE', 1, 3)"), "0");
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_expand(NULL, 1, NULL, 1, 3)"), "0");
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_expand(1, 1, NULL, 3, 2)"), "0");
    /* defaults: types any, min 1, max unbounded */
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_expand(1, 1)"), "5");
    /* correlated with an outer table, different directions per row */
    CHECK_STR(q1(db, "SELECT group_concat(s.id || '>' || e.dst, ' ') FROM cy_nodes s, cy_expand(s.id, 1, NULL, 1, 1) e"
                     " WHERE s.id <= 2"), "1>2 2>3 2>4");
    CHECK_STR(q1(db, "SELECT group_concat(d || '>' || e.dst, ' ') FROM (SELECT 1 AS d UNION ALL SELECT 2) t,"
                     " cy_expand(1, t.d, NULL, 1, 1) e"), "1>2 2>3");
    CHECK(strstr(q1(db, "SELECT count(*) FROM cy_expand(1, 7)"), "dir must be"));
    /* relationship property predicate -[*{w: 1}]-> */
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_expand(1, 1, NULL, 1, 3, cy_map('w', 1))"), "0");
    CHECK_STR(q1(db, "SELECT group_concat(dst || cy_render(rels), ' ') FROM cy_expand(2, 1, NULL, 1, 3, cy_map('w', 1.0))"),
              "3[[:T {w: 1}]]");
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_expand(1, 1, NULL, 1, 3, cy_map())"), "5");
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_expand(1, 1, NULL, 1, 3, NULL)"), "5");
    CHECK(strstr(q1(db, "SELECT count(*) FROM cy_expand(1, 1, NULL, 1, 3, 5)"), "TypeError"));
    /* one pattern binds a relationship once: cy_unique_rels */
    CHECK_STR(q1(db, "SELECT cy_unique_rels(cy_rel(1, 1, 2, 'T', NULL), cy_list(cy_rel(2, 2, 3, 'T', NULL)), NULL)"), "1");
    CHECK_STR(q1(db, "SELECT cy_unique_rels(cy_rel(2, 1, 2, 'T', NULL), cy_list(cy_rel(2, 1, 2, 'T', NULL)))"), "0");
    CHECK_STR(q1(db, "SELECT cy_unique_rels()"), "1");
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_edges r, cy_expand(1, 3, NULL, 1, 2) x WHERE cy_unique_rels("
                     "cy_rel(r.id, r.src, r.dst, r.type, r.props), x.rels)"),
              "17");  /* 5 relationships x 5 paths - 8 relationship uses */
    CHECK(strstr(q1(db, "SELECT cy_unique_rels(1)"), "TypeError"));
#undef EXP
    sqlite3_close(db);
}

/* The walk is lazy: on a complete digraph of 7 nodes (42 relationships) the relationship-
 * simple paths from one node number in the billions, yet the first rows come at once and
 * every path respects the at-most-once rule. */
static void test_sql_expand_lazy(void)
{
    sqlite3 *db = open_db();
    CHECK(sqlite3_exec(db,
        "CREATE TABLE cy_nodes(id INTEGER PRIMARY KEY, labels, props, fingerprint BLOB);"
        "CREATE TABLE cy_edges(id INTEGER PRIMARY KEY, src INTEGER, dst INTEGER, type TEXT, props);"
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 7)"
        "  INSERT INTO cy_nodes SELECT i, NULL, NULL, NULL FROM c;"
        "INSERT INTO cy_edges(src, dst, type, props) SELECT a.id, b.id, 'T', NULL"
        "  FROM cy_nodes a, cy_nodes b WHERE a.id != b.id;",
        NULL, NULL, NULL) == SQLITE_OK);
    CHECK_STR(q1(db, "SELECT count(*) FROM (SELECT 1 FROM cy_expand(1, 1) LIMIT 20000)"), "20000");
    /* lengths 1..2: 6 + 6 * 6 (back to 1 over the other relationship counts) */
    CHECK_STR(q1(db, "SELECT count(*) FROM cy_expand(1, 1, 'T', 1, 2)"), "42");
    /* a deep path of the walk uses no relationship twice */
    CHECK_STR(q1(db, "SELECT count(*) FROM (SELECT rels FROM cy_expand(1, 1, NULL, 30, 30) LIMIT 50) p,"
                     " cy_unwind(p.rels) u GROUP BY p.rels HAVING count(DISTINCT u.value) != 30"), "<no row>");
    CHECK_STR(q1(db, "SELECT count(*) FROM (SELECT 1 FROM cy_expand(1, 1, NULL, 30, 30) LIMIT 50)"), "50");
    sqlite3_close(db);
}

int main(void)
{
    RUN(test_render_scalars);
    RUN(test_render_composites);
    RUN(test_roundtrip_random);
    RUN(test_roundtrip_sqlite);
    RUN(test_canonical_bytes);
    RUN(test_decode_rejects);
    RUN(test_prop_encoded);
    RUN(test_fuzz_seeds);
    RUN(test_equals);
    RUN(test_compare);
    RUN(test_order);
    RUN(test_sortkey_matches_order);
    RUN(test_relations_agree);
    RUN(test_json);
    RUN(test_map_api);
    RUN(test_sql_arithmetic);
    RUN(test_sql_logic);
    RUN(test_sql_constructors_access);
    RUN(test_sql_literal);
    RUN(test_sql_sortkey);
    RUN(test_sql_unwind);
    RUN(test_sql_expand);
    RUN(test_sql_expand_lazy);
    return test_finish();
}
