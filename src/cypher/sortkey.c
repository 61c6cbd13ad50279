/* Sort keys: a byte string per value whose memcmp order is cv_order, so ORDER BY can sort
 * on cy_sortkey(x) with SQLite's plain BLOB comparison (null last ascending, first
 * descending, as openCypher wants).
 *
 * The one idea: every part is self-delimiting and starts with a rank byte, so a list's key
 * is its items' keys followed by an end byte that sorts below every rank, and a shorter
 * list sorts first. Numbers are exact across Integer and Float: the key is the
 * order-preserving bits of the nearest double, then the exact distance of the integer from
 * that double (0 for floats), so 2^53 + 1 sorts above 2^53 and 1 = 1.0.
 *
 *   null      F0                      NaN      91
 *   number    90, double key (8), signed delta (8)
 *   Boolean   80, 00|01               bytes    68, escaped bytes, 00 00
 *   String    60, escaped bytes, 00 00 (00 in the text is 00 FF)
 *   Path      50, item keys, 01       List     40, item keys, 01
 *   Rel       30, id (8)              Node     20, id (8)
 *   Map       10, (02, escaped key, value key)*, 01
 * Integers are big-endian with the sign bit flipped. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cypher/value.h"
#include "util/error.h"

typedef struct {
    uint8_t *p;
    size_t n, cap;
    int err;
} kbuf;

static void kb_put(kbuf *b, const void *p, size_t n)
{
    if (b->err) return;
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 32;
        while (nc < b->n + n) nc *= 2;
        uint8_t *q = realloc(b->p, nc);
        if (!q) { b->err = 1; return; }
        b->p = q;
        b->cap = nc;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}
static void kb_u8(kbuf *b, uint8_t x) { kb_put(b, &x, 1); }
static void kb_be64(kbuf *b, uint64_t x)
{
    uint8_t t[8];
    for (int i = 0; i < 8; i++) t[i] = (uint8_t)(x >> (56 - 8 * i));
    kb_put(b, t, 8);
}
static void kb_i64(kbuf *b, int64_t x) { kb_be64(b, (uint64_t)x ^ 0x8000000000000000ull); }
static void kb_escaped(kbuf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != 0) continue;
        kb_put(b, s + run, i + 1 - run);
        kb_u8(b, 0xFF);
        run = i + 1;
    }
    kb_put(b, s + run, n - run);
    kb_put(b, "\0\0", 2);
}

static uint64_t double_key(double f)
{
    if (f == 0) f = 0;  /* -0.0 sorts as 0.0 */
    uint64_t u;
    memcpy(&u, &f, 8);
    return (u & 0x8000000000000000ull) ? ~u : u | 0x8000000000000000ull;
}

static void key(kbuf *b, const cv *v);

static void key_map(kbuf *b, const cv *m)
{
    kb_u8(b, 0x10);
    for (size_t i = 0; m && m->k == CV_MAP && i < m->u.map.n; i++) {
        kb_u8(b, 0x02);
        kb_escaped(b, m->u.map.keys[i], strlen(m->u.map.keys[i]));
        key(b, &m->u.map.vals[i]);
    }
    kb_u8(b, 0x01);
}

static void key(kbuf *b, const cv *v)
{
    switch (v->k) {
    case CV_NULL: kb_u8(b, 0xF0); break;
    case CV_BOOL: kb_u8(b, 0x80); kb_u8(b, v->u.b ? 1 : 0); break;
    case CV_FLOAT:
        if (isnan(v->u.f)) { kb_u8(b, 0x91); break; }
        kb_u8(b, 0x90);
        kb_be64(b, double_key(v->u.f));
        kb_i64(b, 0);
        break;
    case CV_INT: {
        int64_t i = v->u.i;
        double d = (double)i;               /* nearest double; may lie above or below i */
        int64_t delta;
        if (d >= 9223372036854775808.0) delta = i + INT64_MIN;  /* i - 2^63, no overflow */
        else delta = i - (int64_t)d;
        kb_u8(b, 0x90);
        kb_be64(b, double_key(d));
        kb_i64(b, delta);
        break;
    }
    case CV_STRING: kb_u8(b, 0x60); kb_escaped(b, v->u.s.p, v->u.s.n); break;
    case CV_BYTES: kb_u8(b, 0x68); kb_escaped(b, v->u.s.p, v->u.s.n); break;
    case CV_LIST:
    case CV_PATH:
        kb_u8(b, v->k == CV_LIST ? 0x40 : 0x50);
        for (size_t i = 0; i < v->u.list.n; i++) key(b, &v->u.list.v[i]);
        kb_u8(b, 0x01);
        break;
    case CV_MAP: key_map(b, v); break;
    case CV_NODE: kb_u8(b, 0x20); kb_i64(b, v->u.node.id); break;
    case CV_REL: kb_u8(b, 0x30); kb_i64(b, v->u.rel.id); break;
    }
}

int cv_sortkey(const cv *v, uint8_t **out, size_t *n)
{
    kbuf b = {0};
    key(&b, v);
    if (b.err) {
        free(b.p);
        *out = NULL;
        *n = 0;
        return bsp_err(BSP_ENOMEM, "cypher value: out of memory");
    }
    *out = b.p;
    *n = b.n;
    return BSP_OK;
}
