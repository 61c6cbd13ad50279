/* Cypher values: life cycle, the canonical tagged-BLOB encoding, SQLite conversion, and the
 * openCypher semantics of equality, orderability and comparison (value.h is the contract).
 *
 * The one idea of the encoding: there is exactly one byte string per value, so equal
 * values of the same kinds have identical bytes and SQLite can group, join and DISTINCT on
 * them with memcmp. Fixed-width fields make that automatic (no over-long varints), maps
 * are written in sorted key order, -0.0 is written as 0.0 and every NaN as one quiet NaN,
 * and the decoder rejects anything the encoder would not have written, so decode followed
 * by encode reproduces the input byte for byte (fuzz/fuzz_cypher_value.c checks it).
 *
 *   tagged BLOB  = CV_MAGIC, value [, 0x00 pad byte iff the BLOB would be 2,048 bytes]
 *   value        = kind byte (cv_kind), payload
 *   NULL         = -                     BOOL  = u8 0|1
 *   INT          = i64                   FLOAT = IEEE-754 bits as u64
 *   STRING/BYTES = u32 length, bytes     LIST  = u32 count, value*
 *   MAP          = props                 props = u32 count, (u32 keylen, key, value)*
 *                                                keys strictly increasing (memcmp), no NUL
 *   NODE         = i64 id, u32 nlabels, (u32 len, label)*, props
 *   REL          = i64 id, i64 src, i64 dst, u32 len, type, props
 *   PATH         = u32 count (odd), value*  alternating NODE, REL, NODE, ...
 * All integers little-endian. Nesting deeper than CV_MAX_DEPTH is refused both ways. */
#include <ctype.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cypher/value.h"
#include "util/error.h"

#define CV_MAX_DEPTH 256
#define CV_FP_BYTES 2048

/* ------------------------------------------------------------------ life cycle */

void cv_free(cv *v)
{
    if (!v) return;
    switch (v->k) {
    case CV_STRING:
    case CV_BYTES:
        free(v->u.s.p);
        break;
    case CV_LIST:
    case CV_PATH:
        for (size_t i = 0; i < v->u.list.n; i++) cv_free(&v->u.list.v[i]);
        free(v->u.list.v);
        break;
    case CV_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            free(v->u.map.keys[i]);
            cv_free(&v->u.map.vals[i]);
        }
        free(v->u.map.keys);
        free(v->u.map.vals);
        break;
    case CV_NODE:
        for (size_t i = 0; i < v->u.node.nlabels; i++) free(v->u.node.labels[i]);
        free(v->u.node.labels);
        if (v->u.node.props) {
            cv_free(v->u.node.props);
            free(v->u.node.props);
        }
        break;
    case CV_REL:
        free(v->u.rel.type);
        if (v->u.rel.props) {
            cv_free(v->u.rel.props);
            free(v->u.rel.props);
        }
        break;
    default:
        break;
    }
    memset(v, 0, sizeof *v);
    v->k = CV_NULL;
}

void cv_set_null(cv *v) { memset(v, 0, sizeof *v); v->k = CV_NULL; }
void cv_set_bool(cv *v, bool b) { memset(v, 0, sizeof *v); v->k = CV_BOOL; v->u.b = b; }
void cv_set_int(cv *v, int64_t i) { memset(v, 0, sizeof *v); v->k = CV_INT; v->u.i = i; }
void cv_set_float(cv *v, double f) { memset(v, 0, sizeof *v); v->k = CV_FLOAT; v->u.f = f; }

static char *dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) return NULL;
    if (n) memcpy(s, p, n);
    s[n] = 0;
    return s;
}

int cv_set_string(cv *v, const char *p, size_t n)
{
    cv_set_null(v);
    char *s = dup_n(p, n);
    if (!s) return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
    v->k = CV_STRING;
    v->u.s.p = s;
    v->u.s.n = n;
    return BSP_OK;
}

/* Grow an array so it holds at least want elements. The capacity is whatever the
 * allocator gave (malloc_usable_size), so arrays built elsewhere with malloc(n * size)
 * stay valid, and appends are amortised O(1). */
static int grow(void **arr, size_t want, size_t elem)
{
    size_t have = *arr ? malloc_usable_size(*arr) / elem : 0;
    if (want <= have) return 0;
    size_t nc = have < 4 ? 4 : have * 2;
    if (nc < want) nc = want;
    void *p = realloc(*arr, nc * elem);
    if (!p) return -1;
    *arr = p;
    return 0;
}

int cv_list_push(cv *list, cv *item)
{
    if (list->k != CV_LIST && list->k != CV_PATH)
        return bsp_err(BSP_EINVAL, "cypher value: push onto a non-list");
    if (grow((void **)&list->u.list.v, list->u.list.n + 1, sizeof(cv)))
        return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
    list->u.list.v[list->u.list.n++] = *item;
    cv_set_null(item);
    return BSP_OK;
}

/* Index of key in map (>= 0), or -(insertion point) - 1. */
static long map_find(const cv *map, const char *key, size_t keylen)
{
    size_t lo = 0, hi = map->u.map.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *k = map->u.map.keys[mid];
        size_t kl = strlen(k);
        int c = memcmp(k, key, kl < keylen ? kl : keylen);
        if (c == 0) c = kl < keylen ? -1 : kl > keylen ? 1 : 0;
        if (c == 0) return (long)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -(long)lo - 1;
}

static int map_put_n(cv *map, const char *key, size_t keylen, cv *val)
{
    if (map->k != CV_MAP) return bsp_err(BSP_EINVAL, "cypher value: put into a non-map");
    if (memchr(key, 0, keylen)) return bsp_err(BSP_EINVAL, "cypher value: map key contains NUL");
    long at = map_find(map, key, keylen);
    if (at >= 0) {
        cv_free(&map->u.map.vals[at]);
        map->u.map.vals[at] = *val;
        cv_set_null(val);
        return BSP_OK;
    }
    size_t pos = (size_t)(-at - 1), n = map->u.map.n;
    char *k = dup_n(key, keylen);
    if (!k || grow((void **)&map->u.map.keys, n + 1, sizeof(char *)) ||
        grow((void **)&map->u.map.vals, n + 1, sizeof(cv))) {
        free(k);
        return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
    }
    memmove(map->u.map.keys + pos + 1, map->u.map.keys + pos, (n - pos) * sizeof(char *));
    memmove(map->u.map.vals + pos + 1, map->u.map.vals + pos, (n - pos) * sizeof(cv));
    map->u.map.keys[pos] = k;
    map->u.map.vals[pos] = *val;
    map->u.map.n = n + 1;
    cv_set_null(val);
    return BSP_OK;
}

int cv_map_put(cv *map, const char *key, cv *val)
{
    return map_put_n(map, key, strlen(key), val);
}

const cv *cv_map_get(const cv *map, const char *key, size_t keylen)
{
    if (!map || map->k != CV_MAP) return NULL;
    long at = map_find(map, key, keylen);
    return at >= 0 ? &map->u.map.vals[at] : NULL;
}

static int copy_depth(cv *dst, const cv *src, int depth);

static int copy_props(cv **dst, const cv *src, int depth)
{
    *dst = NULL;
    if (!src) return 0;
    cv *p = malloc(sizeof *p);
    if (!p) return -1;
    if (copy_depth(p, src, depth + 1)) {
        free(p);
        return -1;
    }
    *dst = p;
    return 0;
}

static int copy_depth(cv *dst, const cv *src, int depth)
{
    cv_set_null(dst);
    if (depth > CV_MAX_DEPTH) return bsp_err(BSP_ERANGE, "cypher value: nested too deeply");
    switch (src->k) {
    case CV_NULL: case CV_BOOL: case CV_INT: case CV_FLOAT:
        *dst = *src;
        return 0;
    case CV_STRING:
    case CV_BYTES:
        if (cv_set_string(dst, src->u.s.p, src->u.s.n)) return BSP_ENOMEM;
        dst->k = src->k;
        return 0;
    case CV_LIST:
    case CV_PATH: {
        size_t n = src->u.list.n;
        dst->k = src->k;
        if (!n) return 0;
        dst->u.list.v = calloc(n, sizeof(cv));
        if (!dst->u.list.v) goto oom;
        for (size_t i = 0; i < n; i++) {
            int rc = copy_depth(&dst->u.list.v[i], &src->u.list.v[i], depth + 1);
            dst->u.list.n = i + 1;
            if (rc) { cv_free(dst); return rc; }
        }
        return 0;
    }
    case CV_MAP: {
        size_t n = src->u.map.n;
        dst->k = CV_MAP;
        if (!n) return 0;
        dst->u.map.keys = calloc(n, sizeof(char *));
        dst->u.map.vals = calloc(n, sizeof(cv));
        if (!dst->u.map.keys || !dst->u.map.vals) goto oom;
        for (size_t i = 0; i < n; i++) {
            dst->u.map.n = i + 1;
            dst->u.map.keys[i] = strdup(src->u.map.keys[i]);
            if (!dst->u.map.keys[i]) goto oom;
            int rc = copy_depth(&dst->u.map.vals[i], &src->u.map.vals[i], depth + 1);
            if (rc) { cv_free(dst); return rc; }
        }
        return 0;
    }
    case CV_NODE: {
        dst->k = CV_NODE;
        dst->u.node.id = src->u.node.id;
        size_t n = src->u.node.nlabels;
        if (n) {
            dst->u.node.labels = calloc(n, sizeof(char *));
            if (!dst->u.node.labels) goto oom;
            for (size_t i = 0; i < n; i++) {
                dst->u.node.nlabels = i + 1;
                dst->u.node.labels[i] = strdup(src->u.node.labels[i]);
                if (!dst->u.node.labels[i]) goto oom;
            }
        }
        if (copy_props(&dst->u.node.props, src->u.node.props, depth)) goto oom;
        return 0;
    }
    case CV_REL:
        dst->k = CV_REL;
        dst->u.rel.id = src->u.rel.id;
        dst->u.rel.src = src->u.rel.src;
        dst->u.rel.dst = src->u.rel.dst;
        if (src->u.rel.type && !(dst->u.rel.type = strdup(src->u.rel.type))) goto oom;
        if (copy_props(&dst->u.rel.props, src->u.rel.props, depth)) goto oom;
        return 0;
    }
oom:
    cv_free(dst);
    return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
}

int cv_copy(cv *dst, const cv *src) { return copy_depth(dst, src, 0); }

/* ------------------------------------------------------------------ encoding */

typedef struct {
    uint8_t *p;
    size_t n, cap;
    int err;
} wbuf;

static void wb_put(wbuf *b, const void *p, size_t n)
{
    if (b->err) return;
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 64;
        while (nc < b->n + n) nc *= 2;
        uint8_t *q = realloc(b->p, nc);
        if (!q) { b->err = BSP_ENOMEM; return; }
        b->p = q;
        b->cap = nc;
    }
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void wb_u8(wbuf *b, uint8_t x) { wb_put(b, &x, 1); }
static void wb_u32(wbuf *b, uint32_t x)
{
    uint8_t t[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    wb_put(b, t, 4);
}
static void wb_u64(wbuf *b, uint64_t x)
{
    uint8_t t[8];
    for (int i = 0; i < 8; i++) t[i] = (uint8_t)(x >> (8 * i));
    wb_put(b, t, 8);
}
static void wb_len(wbuf *b, size_t n)
{
    if (n > UINT32_MAX) { b->err = BSP_ERANGE; return; }
    wb_u32(b, (uint32_t)n);
}
static void wb_str(wbuf *b, const char *p, size_t n)
{
    wb_len(b, n);
    wb_put(b, p, n);
}

/* The canonical bits of a float: -0.0 as 0.0, every NaN as the default quiet NaN. */
static uint64_t float_bits(double f)
{
    if (isnan(f)) return 0x7FF8000000000000ull;
    if (f == 0) return 0;
    uint64_t u;
    memcpy(&u, &f, 8);
    return u;
}

static void enc(wbuf *b, const cv *v, int depth);

static void enc_props(wbuf *b, const cv *m, int depth)
{
    if (!m || m->k != CV_MAP) {  /* absent props: the empty map */
        wb_u32(b, 0);
        return;
    }
    wb_len(b, m->u.map.n);
    for (size_t i = 0; i < m->u.map.n; i++) {
        wb_str(b, m->u.map.keys[i], strlen(m->u.map.keys[i]));
        enc(b, &m->u.map.vals[i], depth + 1);
    }
}

static void enc(wbuf *b, const cv *v, int depth)
{
    if (b->err) return;
    if (depth > CV_MAX_DEPTH) { b->err = BSP_ERANGE; return; }
    wb_u8(b, (uint8_t)v->k);
    switch (v->k) {
    case CV_NULL: break;
    case CV_BOOL: wb_u8(b, v->u.b ? 1 : 0); break;
    case CV_INT: wb_u64(b, (uint64_t)v->u.i); break;
    case CV_FLOAT: wb_u64(b, float_bits(v->u.f)); break;
    case CV_STRING:
    case CV_BYTES: wb_str(b, v->u.s.p, v->u.s.n); break;
    case CV_LIST:
    case CV_PATH:
        wb_len(b, v->u.list.n);
        for (size_t i = 0; i < v->u.list.n; i++) enc(b, &v->u.list.v[i], depth + 1);
        break;
    case CV_MAP: enc_props(b, v, depth); break;
    case CV_NODE:
        wb_u64(b, (uint64_t)v->u.node.id);
        wb_len(b, v->u.node.nlabels);
        for (size_t i = 0; i < v->u.node.nlabels; i++)
            wb_str(b, v->u.node.labels[i], strlen(v->u.node.labels[i]));
        enc_props(b, v->u.node.props, depth);
        break;
    case CV_REL: {
        wb_u64(b, (uint64_t)v->u.rel.id);
        wb_u64(b, (uint64_t)v->u.rel.src);
        wb_u64(b, (uint64_t)v->u.rel.dst);
        const char *t = v->u.rel.type ? v->u.rel.type : "";
        wb_str(b, t, strlen(t));
        enc_props(b, v->u.rel.props, depth);
        break;
    }
    default:
        b->err = BSP_EINVAL;
    }
}

int cv_encode(const cv *v, uint8_t **out, size_t *n)
{
    wbuf b = {0};
    wb_put(&b, CV_MAGIC, CV_MAGIC_LEN);
    enc(&b, v, 0);
    if (!b.err && b.n == CV_FP_BYTES) wb_u8(&b, 0);  /* never look like a fingerprint */
    if (b.err) {
        free(b.p);
        *out = NULL;
        *n = 0;
        if (b.err == BSP_ENOMEM) return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
        if (b.err == BSP_ERANGE)
            return bsp_err(BSP_ERANGE, "cypher value: nested deeper than %d or longer than 2^32",
                           CV_MAX_DEPTH);
        return bsp_err(BSP_EINVAL, "cypher value: unknown kind %d", (int)v->k);
    }
    *out = b.p;
    *n = b.n;
    return BSP_OK;
}

/* ------------------------------------------------------------------ decoding */

typedef struct {
    const uint8_t *p;
    size_t n, pos;
} rbuf;

#define CORRUPT(r, ...) bsp_err(BSP_ECORRUPT, "cypher value: " __VA_ARGS__)

static int rd_need(rbuf *r, size_t k, const char *what)
{
    if (r->n - r->pos < k)
        return CORRUPT(r, "truncated %s at byte %zu (need %zu, have %zu)", what, r->pos, k,
                       r->n - r->pos);
    return 0;
}
static int rd_u8(rbuf *r, uint8_t *x, const char *what)
{
    if (rd_need(r, 1, what)) return BSP_ECORRUPT;
    *x = r->p[r->pos++];
    return 0;
}
static int rd_u32(rbuf *r, uint32_t *x, const char *what)
{
    if (rd_need(r, 4, what)) return BSP_ECORRUPT;
    const uint8_t *q = r->p + r->pos;
    *x = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
    r->pos += 4;
    return 0;
}
static int rd_u64(rbuf *r, uint64_t *x, const char *what)
{
    if (rd_need(r, 8, what)) return BSP_ECORRUPT;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | r->p[r->pos + (size_t)i];
    r->pos += 8;
    *x = v;
    return 0;
}
/* A length-prefixed byte string; *s points into the buffer. */
static int rd_bytes(rbuf *r, const uint8_t **s, size_t *len, const char *what)
{
    uint32_t n;
    if (rd_u32(r, &n, what) || rd_need(r, n, what)) return BSP_ECORRUPT;
    *s = r->p + r->pos;
    *len = n;
    r->pos += n;
    return 0;
}
static int rd_name(rbuf *r, char **out, const char *what)
{
    const uint8_t *s;
    size_t n;
    if (rd_bytes(r, &s, &n, what)) return BSP_ECORRUPT;
    if (memchr(s, 0, n)) return CORRUPT(r, "%s contains a NUL byte at byte %zu", what, r->pos - n);
    if (!(*out = dup_n((const char *)s, n))) return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
    return 0;
}

static int dec(rbuf *r, cv *out, int depth);

static int dec_props(rbuf *r, cv *m, int depth)
{
    cv_set_null(m);
    m->k = CV_MAP;
    uint32_t n;
    if (rd_u32(r, &n, "map count")) return BSP_ECORRUPT;
    /* every entry takes at least 5 bytes: refuse counts the input cannot hold */
    if (n > (r->n - r->pos) / 5) return CORRUPT(r, "map count %u exceeds the input", n);
    /* arrays grow with the entries actually read, so nested forged counts cannot make the
     * decoder allocate more than a small multiple of the input */
    for (uint32_t i = 0; i < n; i++) {
        size_t at = r->pos;
        char *k;
        if (grow((void **)&m->u.map.keys, i + 1, sizeof(char *)) ||
            grow((void **)&m->u.map.vals, i + 1, sizeof(cv)))
            return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
        int rk = rd_name(r, &k, "map key");
        if (rk) return rk;
        m->u.map.keys[i] = k;
        cv_set_null(&m->u.map.vals[i]);
        m->u.map.n = i + 1;
        if (i > 0 && strcmp(m->u.map.keys[i - 1], k) >= 0)
            return CORRUPT(r, "map keys not strictly increasing at byte %zu", at);
        int rc = dec(r, &m->u.map.vals[i], depth + 1);
        if (rc) return rc;
    }
    return 0;
}

static int dec_props_alloc(rbuf *r, cv **out, int depth)
{
    *out = malloc(sizeof(cv));
    if (!*out) return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
    return dec_props(r, *out, depth);
}

static int dec(rbuf *r, cv *out, int depth)
{
    cv_set_null(out);
    if (depth > CV_MAX_DEPTH) return CORRUPT(r, "nested deeper than %d at byte %zu", CV_MAX_DEPTH, r->pos);
    uint8_t kind;
    size_t at = r->pos;
    if (rd_u8(r, &kind, "kind byte")) return BSP_ECORRUPT;
    switch (kind) {
    case CV_NULL: return 0;
    case CV_BOOL: {
        uint8_t b;
        if (rd_u8(r, &b, "Boolean")) return BSP_ECORRUPT;
        if (b > 1) return CORRUPT(r, "Boolean byte %u at byte %zu", b, at + 1);
        cv_set_bool(out, b);
        return 0;
    }
    case CV_INT: {
        uint64_t x;
        if (rd_u64(r, &x, "Integer")) return BSP_ECORRUPT;
        cv_set_int(out, (int64_t)x);
        return 0;
    }
    case CV_FLOAT: {
        uint64_t x;
        double f;
        if (rd_u64(r, &x, "Float")) return BSP_ECORRUPT;
        memcpy(&f, &x, 8);
        if (float_bits(f) != x) return CORRUPT(r, "non-canonical Float bits at byte %zu", at + 1);
        cv_set_float(out, f);
        return 0;
    }
    case CV_STRING:
    case CV_BYTES: {
        const uint8_t *s;
        size_t n;
        if (rd_bytes(r, &s, &n, kind == CV_STRING ? "String" : "bytes")) return BSP_ECORRUPT;
        if (cv_set_string(out, (const char *)s, n)) return BSP_ENOMEM;
        out->k = (cv_kind)kind;
        return 0;
    }
    case CV_LIST:
    case CV_PATH: {
        uint32_t n;
        out->k = (cv_kind)kind;
        if (rd_u32(r, &n, "list count")) return BSP_ECORRUPT;
        if (n > r->n - r->pos) return CORRUPT(r, "list count %u exceeds the input", n);
        if (kind == CV_PATH && n % 2 == 0) return CORRUPT(r, "Path with %u elements", n);
        for (uint32_t i = 0; i < n; i++) {
            size_t eat = r->pos;
            if (grow((void **)&out->u.list.v, i + 1, sizeof(cv)))
                return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
            cv_set_null(&out->u.list.v[i]);
            out->u.list.n = i + 1;
            int rc = dec(r, &out->u.list.v[i], depth + 1);
            if (rc) return rc;
            if (kind == CV_PATH && out->u.list.v[i].k != (i % 2 ? CV_REL : CV_NODE))
                return CORRUPT(r, "Path element %u at byte %zu is not a %s", i, eat,
                               i % 2 ? "Relationship" : "Node");
        }
        return 0;
    }
    case CV_MAP: return dec_props(r, out, depth);
    case CV_NODE: {
        uint64_t id;
        uint32_t n;
        out->k = CV_NODE;
        if (rd_u64(r, &id, "Node id") || rd_u32(r, &n, "label count")) return BSP_ECORRUPT;
        out->u.node.id = (int64_t)id;
        if (n > (r->n - r->pos) / 4) return CORRUPT(r, "label count %u exceeds the input", n);
        for (uint32_t i = 0; i < n; i++) {
            if (grow((void **)&out->u.node.labels, i + 1, sizeof(char *)))
                return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
            out->u.node.labels[i] = NULL;
            out->u.node.nlabels = i + 1;
            int rl = rd_name(r, &out->u.node.labels[i], "label");
            if (rl) return rl;
        }
        return dec_props_alloc(r, &out->u.node.props, depth);
    }
    case CV_REL: {
        uint64_t id, s, d;
        out->k = CV_REL;
        if (rd_u64(r, &id, "Relationship id") || rd_u64(r, &s, "Relationship start") ||
            rd_u64(r, &d, "Relationship end"))
            return BSP_ECORRUPT;
        out->u.rel.id = (int64_t)id;
        out->u.rel.src = (int64_t)s;
        out->u.rel.dst = (int64_t)d;
        int rt = rd_name(r, &out->u.rel.type, "relationship type");
        if (rt) return rt;
        return dec_props_alloc(r, &out->u.rel.props, depth);
    }
    default:
        return CORRUPT(r, "unknown kind %u at byte %zu", kind, at);
    }
}

int cv_decode(const uint8_t *p, size_t n, cv *out)
{
    cv_set_null(out);
    if (n < CV_MAGIC_LEN || memcmp(p, CV_MAGIC, CV_MAGIC_LEN) != 0)
        return bsp_err(BSP_ECORRUPT, "cypher value: missing magic (%zu bytes)", n);
    if (n == CV_FP_BYTES)
        return bsp_err(BSP_ECORRUPT, "cypher value: a tagged value is never 2048 bytes");
    rbuf r = {p, n, CV_MAGIC_LEN};
    int rc = dec(&r, out, 0);
    if (rc == 0 && r.pos != n) {
        if (r.pos == CV_FP_BYTES && n == CV_FP_BYTES + 1 && p[r.pos] == 0) return 0;  /* pad */
        rc = bsp_err(BSP_ECORRUPT, "cypher value: %zu trailing bytes after the value", n - r.pos);
    }
    if (rc) cv_free(out);
    return rc;
}

/* Property lookup without decoding the container: skip encoded values (bounds-checked, no
 * allocation) until the key, decode only its value. Anything unexpected returns -1 and the
 * caller falls back to cv_decode, which reports the damage precisely. */
static int skip(rbuf *r, int depth);

static int skip_props(rbuf *r, int depth)
{
    uint32_t n;
    if (rd_u32(r, &n, "map count")) return -1;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k;
        size_t kl;
        if (rd_bytes(r, &k, &kl, "map key") || skip(r, depth + 1)) return -1;
    }
    return 0;
}

static int skip(rbuf *r, int depth)
{
    uint8_t kind;
    if (depth > CV_MAX_DEPTH || rd_u8(r, &kind, "kind byte")) return -1;
    const uint8_t *s;
    size_t len;
    uint32_t n;
    switch (kind) {
    case CV_NULL: return 0;
    case CV_BOOL: return rd_need(r, 1, "Boolean") ? -1 : (r->pos += 1, 0);
    case CV_INT:
    case CV_FLOAT: return rd_need(r, 8, "number") ? -1 : (r->pos += 8, 0);
    case CV_STRING:
    case CV_BYTES: return rd_bytes(r, &s, &len, "String") ? -1 : 0;
    case CV_LIST:
    case CV_PATH:
        if (rd_u32(r, &n, "list count")) return -1;
        for (uint32_t i = 0; i < n; i++)
            if (skip(r, depth + 1)) return -1;
        return 0;
    case CV_MAP: return skip_props(r, depth);
    case CV_NODE:
        if (rd_need(r, 8, "Node id")) return -1;
        r->pos += 8;
        if (rd_u32(r, &n, "label count")) return -1;
        for (uint32_t i = 0; i < n; i++)
            if (rd_bytes(r, &s, &len, "label")) return -1;
        return skip_props(r, depth);
    case CV_REL:
        if (rd_need(r, 24, "Relationship ids")) return -1;
        r->pos += 24;
        if (rd_bytes(r, &s, &len, "relationship type")) return -1;
        return skip_props(r, depth);
    default: return -1;
    }
}

int cv_prop_encoded(const uint8_t *p, size_t n, const char *key, size_t keylen, cv *out,
                    cv_kind *kind)
{
    cv_set_null(out);
    if (n < CV_MAGIC_LEN + 1 || n == CV_FP_BYTES || memcmp(p, CV_MAGIC, CV_MAGIC_LEN) != 0) return -1;
    rbuf r = {p, n, CV_MAGIC_LEN};
    uint8_t k = p[r.pos++];
    *kind = (cv_kind)k;
    if (k == CV_NODE) {
        uint32_t nl;
        if (rd_need(&r, 8, "id") ) return -1;
        r.pos += 8;
        if (rd_u32(&r, &nl, "label count")) return -1;
        for (uint32_t i = 0; i < nl; i++) {
            const uint8_t *s;
            size_t len;
            if (rd_bytes(&r, &s, &len, "label")) return -1;
        }
    } else if (k == CV_REL) {
        const uint8_t *s;
        size_t len;
        if (rd_need(&r, 24, "ids")) return -1;
        r.pos += 24;
        if (rd_bytes(&r, &s, &len, "type")) return -1;
    } else if (k != CV_MAP) {
        return -1;
    }
    uint32_t cnt;
    if (rd_u32(&r, &cnt, "map count")) return -1;
    for (uint32_t i = 0; i < cnt; i++) {
        const uint8_t *s;
        size_t len;
        if (rd_bytes(&r, &s, &len, "map key")) return -1;
        int c = memcmp(s, key, len < keylen ? len : keylen);
        if (c == 0) c = len < keylen ? -1 : len > keylen ? 1 : 0;
        if (c == 0) return dec(&r, out, 1) ? (cv_free(out), -1) : 1;
        if (c > 0) return 0;  /* keys are sorted: it is not there */
        if (skip(&r, 1)) return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ SQLite */

int cv_from_sqlite(sqlite3_value *sv, cv *out)
{
    cv_set_null(out);
    switch (sqlite3_value_type(sv)) {
    case SQLITE_NULL: return 0;
    case SQLITE_INTEGER: cv_set_int(out, sqlite3_value_int64(sv)); return 0;
    case SQLITE_FLOAT: cv_set_float(out, sqlite3_value_double(sv)); return 0;
    case SQLITE_TEXT: {
        const unsigned char *t = sqlite3_value_text(sv);
        int n = sqlite3_value_bytes(sv);
        if (!t) return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
        return cv_set_string(out, (const char *)t, (size_t)n);
    }
    default: {
        const uint8_t *b = sqlite3_value_blob(sv);
        size_t n = (size_t)sqlite3_value_bytes(sv);
        if (n != CV_FP_BYTES && n >= CV_MAGIC_LEN && memcmp(b, CV_MAGIC, CV_MAGIC_LEN) == 0)
            return cv_decode(b, n, out);
        if (cv_set_string(out, n ? (const char *)b : "", n)) return BSP_ENOMEM;
        out->k = CV_BYTES;
        return 0;
    }
    }
}

/* Bytes travel raw unless they could be mistaken for a tagged BLOB. */
static bool bytes_raw(const cv *v)
{
    return v->u.s.n == CV_FP_BYTES || v->u.s.n < CV_MAGIC_LEN ||
           memcmp(v->u.s.p, CV_MAGIC, CV_MAGIC_LEN) != 0;
}

void cv_result(sqlite3_context *ctx, const cv *v)
{
    switch (v->k) {
    case CV_NULL: sqlite3_result_null(ctx); return;
    case CV_INT: sqlite3_result_int64(ctx, v->u.i); return;
    case CV_FLOAT:
        if (!isnan(v->u.f)) {  /* SQLite turns a NaN REAL into NULL: NaN is tagged */
            sqlite3_result_double(ctx, v->u.f);
            return;
        }
        break;
    case CV_STRING:
        sqlite3_result_text64(ctx, v->u.s.n ? v->u.s.p : "", v->u.s.n, SQLITE_TRANSIENT,
                              SQLITE_UTF8);
        return;
    case CV_BYTES:
        if (bytes_raw(v)) {
            sqlite3_result_blob64(ctx, v->u.s.n ? v->u.s.p : "", v->u.s.n, SQLITE_TRANSIENT);
            return;
        }
        break;
    default: break;
    }
    uint8_t *p;
    size_t n;
    int rc = cv_encode(v, &p, &n);
    if (rc == BSP_ENOMEM) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (rc) {
        char msg[300];
        snprintf(msg, sizeof msg, "ArgumentError: %s", bsp_errmsg());
        sqlite3_result_error(ctx, msg, -1);
        return;
    }
    sqlite3_result_blob64(ctx, p, n, free);
}

int cv_bind(sqlite3_stmt *st, int i, const cv *v)
{
    int rc;
    switch (v->k) {
    case CV_NULL: rc = sqlite3_bind_null(st, i); break;
    case CV_INT: rc = sqlite3_bind_int64(st, i, v->u.i); break;
    case CV_FLOAT:
        if (isnan(v->u.f)) goto tagged;
        rc = sqlite3_bind_double(st, i, v->u.f);
        break;
    case CV_STRING:
        rc = sqlite3_bind_text64(st, i, v->u.s.n ? v->u.s.p : "", v->u.s.n, SQLITE_TRANSIENT,
                                 SQLITE_UTF8);
        break;
    case CV_BYTES:
        if (!bytes_raw(v)) goto tagged;
        rc = sqlite3_bind_blob64(st, i, v->u.s.n ? v->u.s.p : "", v->u.s.n, SQLITE_TRANSIENT);
        break;
    default:
    tagged: {
        uint8_t *p;
        size_t n;
        int e = cv_encode(v, &p, &n);
        if (e) return e;
        rc = sqlite3_bind_blob64(st, i, p, n, free);
        break;
    }
    }
    if (rc == SQLITE_NOMEM) return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
    if (rc != SQLITE_OK) return bsp_err(BSP_EINVAL, "cypher value: bind parameter %d: %s", i,
                                        sqlite3_errstr(rc));
    return BSP_OK;
}

/* ------------------------------------------------------------------ semantics */

static bool is_num(const cv *v) { return v->k == CV_INT || v->k == CV_FLOAT; }

/* Exact comparison of an integer with a double (no rounding): -1, 0, 1; 2 if f is NaN. */
static int cmp_int_float(int64_t i, double f)
{
    if (isnan(f)) return 2;
    if (f >= 9223372036854775808.0) return -1;
    if (f < -9223372036854775808.0) return 1;
    double t = trunc(f);                 /* now -2^63 <= t < 2^63: exact as int64 */
    int64_t ti = (int64_t)t;
    if (i < ti) return -1;
    if (i > ti) return 1;
    return f > t ? -1 : f < t ? 1 : 0;   /* same integer part: the fraction decides */
}

/* Numeric comparison: -1/0/1, 2 when a NaN is involved. */
static int cmp_num(const cv *a, const cv *b)
{
    if (a->k == CV_INT && b->k == CV_INT) return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    if (a->k == CV_INT) return cmp_int_float(a->u.i, b->u.f);
    if (b->k == CV_INT) {
        int c = cmp_int_float(b->u.i, a->u.f);
        return c == 2 ? 2 : -c;
    }
    if (isnan(a->u.f) || isnan(b->u.f)) return 2;
    return a->u.f < b->u.f ? -1 : a->u.f > b->u.f;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c) return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn;
}

/* Three-valued AND over the results of element comparisons: false wins, then null. */
int cv_equals(const cv *a, const cv *b)
{
    if (a->k == CV_NULL || b->k == CV_NULL) return -1;
    if (is_num(a) && is_num(b)) return cmp_num(a, b) == 0;
    if (a->k != b->k) return 0;
    switch (a->k) {
    case CV_BOOL: return a->u.b == b->u.b;
    case CV_STRING:
    case CV_BYTES: return a->u.s.n == b->u.s.n && memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0;
    case CV_NODE: return a->u.node.id == b->u.node.id;
    case CV_REL: return a->u.rel.id == b->u.rel.id;
    case CV_LIST:
    case CV_PATH: {
        if (a->u.list.n != b->u.list.n) return 0;
        int res = 1;
        for (size_t i = 0; i < a->u.list.n; i++) {
            int e = cv_equals(&a->u.list.v[i], &b->u.list.v[i]);
            if (e == 0) return 0;
            if (e < 0) res = -1;
        }
        return res;
    }
    case CV_MAP: {
        if (a->u.map.n != b->u.map.n) return 0;
        for (size_t i = 0; i < a->u.map.n; i++)
            if (strcmp(a->u.map.keys[i], b->u.map.keys[i]) != 0) return 0;
        int res = 1;
        for (size_t i = 0; i < a->u.map.n; i++) {
            int e = cv_equals(&a->u.map.vals[i], &b->u.map.vals[i]);
            if (e == 0) return 0;
            if (e < 0) res = -1;
        }
        return res;
    }
    default: return 0;
    }
}

/* Rank of a kind in the orderability order (value.h; bytes sort right after strings). */
static int order_rank(const cv *v)
{
    switch (v->k) {
    case CV_MAP: return 0;
    case CV_NODE: return 1;
    case CV_REL: return 2;
    case CV_LIST: return 3;
    case CV_PATH: return 4;
    case CV_STRING: return 5;
    case CV_BYTES: return 6;
    case CV_BOOL: return 7;
    case CV_INT: return 8;
    case CV_FLOAT: return isnan(v->u.f) ? 9 : 8;
    default: return 10;  /* null */
    }
}

static int order_map(const cv *a, const cv *b)
{
    size_t n = a->u.map.n < b->u.map.n ? a->u.map.n : b->u.map.n;
    for (size_t i = 0; i < n; i++) {
        int c = strcmp(a->u.map.keys[i], b->u.map.keys[i]);
        if (c) return c < 0 ? -1 : 1;
        c = cv_order(&a->u.map.vals[i], &b->u.map.vals[i]);
        if (c) return c;
    }
    return a->u.map.n < b->u.map.n ? -1 : a->u.map.n > b->u.map.n;
}

int cv_order(const cv *a, const cv *b)
{
    int ra = order_rank(a), rb = order_rank(b);
    if (ra != rb) return ra < rb ? -1 : 1;
    switch (a->k) {
    case CV_MAP: return order_map(a, b);
    case CV_NODE: return a->u.node.id < b->u.node.id ? -1 : a->u.node.id > b->u.node.id;
    case CV_REL: return a->u.rel.id < b->u.rel.id ? -1 : a->u.rel.id > b->u.rel.id;
    case CV_LIST:
    case CV_PATH: {
        size_t n = a->u.list.n < b->u.list.n ? a->u.list.n : b->u.list.n;
        for (size_t i = 0; i < n; i++) {
            int c = cv_order(&a->u.list.v[i], &b->u.list.v[i]);
            if (c) return c;
        }
        return a->u.list.n < b->u.list.n ? -1 : a->u.list.n > b->u.list.n;
    }
    case CV_STRING:
    case CV_BYTES: return cmp_bytes(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
    case CV_BOOL: return (int)a->u.b - (int)b->u.b;
    case CV_INT:
    case CV_FLOAT: return ra == 9 ? 0 : cmp_num(a, b);  /* NaN = NaN in the total order */
    default: return 0;
    }
}

int cv_compare(const cv *a, const cv *b)
{
    if (a->k == CV_NULL || b->k == CV_NULL) return CV_CMP_NULL;
    if (is_num(a) && is_num(b)) {
        int c = cmp_num(a, b);
        return c == 2 ? CV_CMP_FALSE : c;
    }
    if (a->k != b->k) return CV_CMP_NULL;
    switch (a->k) {
    case CV_STRING: return cmp_bytes(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
    case CV_BOOL: return (int)a->u.b - (int)b->u.b;
    case CV_LIST: {
        size_t n = a->u.list.n < b->u.list.n ? a->u.list.n : b->u.list.n;
        for (size_t i = 0; i < n; i++) {
            const cv *x = &a->u.list.v[i], *y = &b->u.list.v[i];
            int c = cv_compare(x, y);
            if (c == 0) continue;
            /* equal-but-incomparable elements (e.g. two equal maps) do not decide */
            if (c == CV_CMP_NULL && cv_equals(x, y) == 1) continue;
            return c;
        }
        return a->u.list.n < b->u.list.n ? -1 : a->u.list.n > b->u.list.n;
    }
    default: return CV_CMP_NULL;
    }
}

/* ------------------------------------------------------------------ text */

typedef struct {
    char *p;
    size_t n, cap;
    int err;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->err) return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 64;
        while (nc < b->n + n + 1) nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q) { b->err = 1; return; }
        b->p = q;
        b->cap = nc;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_ch(sbuf *b, char c) { sb_put(b, &c, 1); }

/* Lowercase hex of n bytes (bytes render as x'..' and as a JSON string). */
static void put_hex(sbuf *b, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)p[i];
        char h[2] = {hex[c >> 4], hex[c & 15]};
        sb_put(b, h, 2);
    }
}

/* Shortest decimal digits that read back as f, in the TCK's form: plain notation with at
 * least one fraction digit for decimal exponents -6..20 (1.0, 0.00001, 1000000000.0),
 * otherwise d[.ddd]e[-]N (1e308, 1.2635418652381264e305, 1e-7). f is finite. */
static void fmt_float(char out[40], double f)
{
    /* If some decimal of <= 15 digits reads back as f, rounding f to 15 digits gives it
     * (padded with zeros; DBL_DIG = 15), so at most three tries find the shortest. */
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, f);
        if (strtod(tmp, NULL) == f) break;
    }
    /* tmp = [-]d[.ddd]e(+|-)XX */
    const char *s = tmp;
    char *o = out;
    if (*s == '-') *o++ = *s++;
    char digits[20];
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (isdigit((unsigned char)*s)) digits[nd++] = *s;
    int e = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (e >= -6 && e <= 20) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++) *o++ = i < nd ? digits[i] : '0';
            *o++ = '.';
            if (nd > e + 1) for (int i = e + 1; i < nd; i++) *o++ = digits[i];
            else *o++ = '0';
        } else {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -e - 1; i++) *o++ = '0';
            for (int i = 0; i < nd; i++) *o++ = digits[i];
        }
        *o = 0;
    } else {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            for (int i = 1; i < nd; i++) *o++ = digits[i];
        }
        snprintf(o, 8, "e%d", e);
    }
}

static void render_float(sbuf *b, double f)
{
    if (isnan(f)) { sb_str(b, "NaN"); return; }
    if (isinf(f)) { sb_str(b, f < 0 ? "-Infinity" : "Infinity"); return; }
    char t[40];
    fmt_float(t, f);
    sb_str(b, t);
}

static void render_quoted(sbuf *b, const char *s, size_t n)
{
    sb_ch(b, '\'');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\') {
            sb_put(b, s + run, i - run);
            sb_ch(b, '\\');
            run = i;
        }
    }
    sb_put(b, s + run, n - run);
    sb_ch(b, '\'');
}

/* A key or label as written in Cypher: bare when it is an identifier, else backquoted. */
static void render_name(sbuf *b, const char *s)
{
    bool ident = (isalpha((unsigned char)s[0]) || s[0] == '_' || (unsigned char)s[0] >= 0x80);
    for (const char *c = s; ident && *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_' || (unsigned char)*c >= 0x80)) ident = false;
    if (ident) { sb_str(b, s); return; }
    sb_ch(b, '`');
    for (const char *c = s; *c; c++) {
        if (*c == '`') sb_ch(b, '`');
        sb_ch(b, *c);
    }
    sb_ch(b, '`');
}

static void render(sbuf *b, const cv *v);

static void render_map_body(sbuf *b, const cv *m)
{
    sb_ch(b, '{');
    for (size_t i = 0; m && i < m->u.map.n; i++) {
        if (i) sb_str(b, ", ");
        render_name(b, m->u.map.keys[i]);
        sb_str(b, ": ");
        render(b, &m->u.map.vals[i]);
    }
    sb_ch(b, '}');
}

static void render_node(sbuf *b, const cv *v)
{
    sb_ch(b, '(');
    for (size_t i = 0; i < v->u.node.nlabels; i++) {
        sb_ch(b, ':');
        render_name(b, v->u.node.labels[i]);
    }
    const cv *p = v->u.node.props;
    if (p && p->k == CV_MAP && p->u.map.n) {
        if (v->u.node.nlabels) sb_ch(b, ' ');
        render_map_body(b, p);
    }
    sb_ch(b, ')');
}

static void render_rel(sbuf *b, const cv *v)
{
    sb_str(b, "[:");
    render_name(b, v->u.rel.type ? v->u.rel.type : "");
    const cv *p = v->u.rel.props;
    if (p && p->k == CV_MAP && p->u.map.n) {
        sb_ch(b, ' ');
        render_map_body(b, p);
    }
    sb_ch(b, ']');
}

static void render(sbuf *b, const cv *v)
{
    char t[32];
    switch (v->k) {
    case CV_NULL: sb_str(b, "null"); break;
    case CV_BOOL: sb_str(b, v->u.b ? "true" : "false"); break;
    case CV_INT:
        snprintf(t, sizeof t, "%lld", (long long)v->u.i);
        sb_str(b, t);
        break;
    case CV_FLOAT: render_float(b, v->u.f); break;
    case CV_STRING: render_quoted(b, v->u.s.p, v->u.s.n); break;
    case CV_BYTES:
        sb_str(b, "x'");
        put_hex(b, v->u.s.p, v->u.s.n);
        sb_ch(b, '\'');
        break;
    case CV_LIST:
        sb_ch(b, '[');
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i) sb_str(b, ", ");
            render(b, &v->u.list.v[i]);
        }
        sb_ch(b, ']');
        break;
    case CV_MAP: render_map_body(b, v); break;
    case CV_NODE: render_node(b, v); break;
    case CV_REL: render_rel(b, v); break;
    case CV_PATH:
        sb_ch(b, '<');
        for (size_t i = 0; i < v->u.list.n; i++) {
            const cv *e = &v->u.list.v[i];
            if (e->k != CV_REL) {
                render(b, e);
                continue;
            }
            /* a relationship points forward when it starts at the node before it */
            const cv *prev = &v->u.list.v[i - 1];
            bool fwd = prev->k != CV_NODE || e->u.rel.src == prev->u.node.id;
            sb_str(b, fwd ? "-" : "<-");
            render_rel(b, e);
            sb_str(b, fwd ? "->" : "-");
        }
        sb_ch(b, '>');
        break;
    }
}

char *cv_render(const cv *v)
{
    sbuf b = {0};
    render(&b, v);
    sb_put(&b, "", 0);
    if (b.err) { free(b.p); return NULL; }
    return b.p;
}

static void sql_hex(sbuf *b, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    sb_str(b, "X'");
    for (size_t i = 0; i < n; i++) {
        char h[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        sb_put(b, h, 2);
    }
    sb_ch(b, '\'');
}

char *cv_sql_literal(const cv *v)
{
    sbuf b = {0};
    char t[48];
    switch (v->k) {
    case CV_NULL: sb_str(&b, "NULL"); break;
    case CV_INT:
        if (v->u.i == INT64_MIN) sb_str(&b, "(-9223372036854775807 - 1)");
        else {
            snprintf(t, sizeof t, "%lld", (long long)v->u.i);
            sb_str(&b, t);
        }
        break;
    case CV_FLOAT:
        if (isnan(v->u.f)) goto tagged;
        if (isinf(v->u.f)) {
            sb_str(&b, v->u.f > 0 ? "9e999" : "-9e999");
            break;
        }
        snprintf(t, sizeof t, "%.17g", v->u.f);
        if (!strpbrk(t, ".eni")) strcat(t, ".0");  /* keep it a REAL */
        sb_str(&b, t);
        break;
    case CV_STRING:
        if (memchr(v->u.s.p, 0, v->u.s.n)) {  /* SQL text literals cannot hold NUL */
            sb_str(&b, "CAST(");
            sql_hex(&b, (const uint8_t *)v->u.s.p, v->u.s.n);
            sb_str(&b, " AS TEXT)");
            break;
        }
        sb_ch(&b, '\'');
        for (size_t i = 0; i < v->u.s.n; i++) {
            if (v->u.s.p[i] == '\'') sb_ch(&b, '\'');
            sb_ch(&b, v->u.s.p[i]);
        }
        sb_ch(&b, '\'');
        break;
    case CV_BYTES:
        if (v->u.s.n == CV_FP_BYTES || v->u.s.n < CV_MAGIC_LEN ||
            memcmp(v->u.s.p, CV_MAGIC, CV_MAGIC_LEN) != 0) {
            sql_hex(&b, (const uint8_t *)v->u.s.p, v->u.s.n);
            break;
        }
        goto tagged;
    default:
    tagged: {
        uint8_t *p;
        size_t n;
        if (cv_encode(v, &p, &n)) {
            free(b.p);
            return NULL;
        }
        sql_hex(&b, p, n);
        free(p);
    }
    }
    sb_put(&b, "", 0);
    if (b.err) { free(b.p); return NULL; }
    return b.p;
}

static void js_string(sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sb_ch(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        sb_put(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': sb_str(b, "\\\""); break;
        case '\\': sb_str(b, "\\\\"); break;
        case '\n': sb_str(b, "\\n"); break;
        case '\t': sb_str(b, "\\t"); break;
        case '\r': sb_str(b, "\\r"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            sb_str(b, u);
        }
        }
    }
    sb_put(b, s + run, n - run);
    sb_ch(b, '"');
}

static void js_value(sbuf *b, const cv *v);

static void js_map(sbuf *b, const cv *m)
{
    sb_ch(b, '{');
    for (size_t i = 0; m && m->k == CV_MAP && i < m->u.map.n; i++) {
        if (i) sb_ch(b, ',');
        js_string(b, m->u.map.keys[i], strlen(m->u.map.keys[i]));
        sb_ch(b, ':');
        js_value(b, &m->u.map.vals[i]);
    }
    sb_ch(b, '}');
}

static void js_value(sbuf *b, const cv *v)
{
    char t[64];
    switch (v->k) {
    case CV_NULL: sb_str(b, "null"); break;
    case CV_BOOL: sb_str(b, v->u.b ? "true" : "false"); break;
    case CV_INT:
        snprintf(t, sizeof t, "%lld", (long long)v->u.i);
        sb_str(b, t);
        break;
    case CV_FLOAT:
        if (!isfinite(v->u.f)) {
            sb_ch(b, '"');
            render_float(b, v->u.f);
            sb_ch(b, '"');
        } else {
            fmt_float(t, v->u.f);
            sb_str(b, t);
        }
        break;
    case CV_STRING: js_string(b, v->u.s.p, v->u.s.n); break;
    case CV_BYTES:
        sb_ch(b, '"');
        put_hex(b, v->u.s.p, v->u.s.n);
        sb_ch(b, '"');
        break;
    case CV_LIST:
    case CV_PATH:
        sb_ch(b, '[');
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i) sb_ch(b, ',');
            js_value(b, &v->u.list.v[i]);
        }
        sb_ch(b, ']');
        break;
    case CV_MAP: js_map(b, v); break;
    case CV_NODE:
        snprintf(t, sizeof t, "{\"id\":%lld,\"labels\":[", (long long)v->u.node.id);
        sb_str(b, t);
        for (size_t i = 0; i < v->u.node.nlabels; i++) {
            if (i) sb_ch(b, ',');
            js_string(b, v->u.node.labels[i], strlen(v->u.node.labels[i]));
        }
        sb_str(b, "],\"properties\":");
        js_map(b, v->u.node.props);
        sb_ch(b, '}');
        break;
    case CV_REL: {
        snprintf(t, sizeof t, "{\"id\":%lld,\"type\":", (long long)v->u.rel.id);
        sb_str(b, t);
        const char *ty = v->u.rel.type ? v->u.rel.type : "";
        js_string(b, ty, strlen(ty));
        snprintf(t, sizeof t, ",\"start\":%lld,\"end\":%lld,\"properties\":",
                 (long long)v->u.rel.src, (long long)v->u.rel.dst);
        sb_str(b, t);
        js_map(b, v->u.rel.props);
        sb_ch(b, '}');
        break;
    }
    }
}

char *cv_json(const cv *v)
{
    sbuf b = {0};
    js_value(&b, v);
    sb_put(&b, "", 0);
    if (b.err) { free(b.p); return NULL; }
    return b.p;
}

static int from_jansson(json_t *j, cv *out, int depth)
{
    cv_set_null(out);
    if (depth > CV_MAX_DEPTH) return bsp_err(BSP_EINVAL, "JSON: nested deeper than %d", CV_MAX_DEPTH);
    switch (json_typeof(j)) {
    case JSON_NULL: return 0;
    case JSON_TRUE: cv_set_bool(out, true); return 0;
    case JSON_FALSE: cv_set_bool(out, false); return 0;
    case JSON_INTEGER: cv_set_int(out, (int64_t)json_integer_value(j)); return 0;
    case JSON_REAL: cv_set_float(out, json_real_value(j)); return 0;
    case JSON_STRING: return cv_set_string(out, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        out->k = CV_LIST;
        size_t n = json_array_size(j);
        if (n && !(out->u.list.v = calloc(n, sizeof(cv))))
            return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
        for (size_t i = 0; i < n; i++) {
            out->u.list.n = i + 1;
            int rc = from_jansson(json_array_get(j, i), &out->u.list.v[i], depth + 1);
            if (rc) return rc;
        }
        return 0;
    }
    case JSON_OBJECT: {
        out->k = CV_MAP;
        const char *key;
        json_t *val;
        json_object_foreach(j, key, val) {
            cv item;
            int rc = from_jansson(val, &item, depth + 1);
            if (!rc) rc = cv_map_put(out, key, &item);
            if (rc) {
                cv_free(&item);
                return rc;
            }
        }
        return 0;
    }
    }
    return bsp_err(BSP_EINVAL, "JSON: unknown type");
}

int cv_from_json(const char *text, size_t n, cv *out)
{
    cv_set_null(out);
    json_error_t e;
    json_t *j = json_loadb(text, n, JSON_DECODE_ANY, &e);
    if (!j) return bsp_err(BSP_EINVAL, "JSON: %d:%d: %s", e.line, e.column, e.text);
    int rc = from_jansson(j, out, 0);
    json_decref(j);
    if (rc) cv_free(out);
    return rc;
}
