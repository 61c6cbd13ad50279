/* A growable string for building SQL text. Out of memory is sticky: the first failed append
 * sets oom and later appends do nothing, so callers check once at the end. */
#ifndef BSP_CYPHER_SBUF_H
#define BSP_CYPHER_SBUF_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static inline void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 128;
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

static inline void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static inline void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        sb_putn(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_putn(b, big, (size_t)n);
    free(big);
}

/* SQL string literal 'it''s' (bytes as given; n may include NULs, which SQL text cannot
 * hold, so callers pass strings without them). */
static inline void sb_sqlstr(sbuf *b, const char *s, size_t n)
{
    sb_putn(b, "'", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') sb_putn(b, "''", 2);
        else sb_putn(b, &s[i], 1);
    }
    sb_putn(b, "'", 1);
}

/* SQL identifier "a""b". */
static inline void sb_ident(sbuf *b, const char *s)
{
    sb_putn(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"') sb_putn(b, "\"\"", 2);
        else sb_putn(b, s, 1);
    }
    sb_putn(b, "\"", 1);
}

static inline char *sb_take(sbuf *b)
{
    char *p = b->p;
    if (!p && !b->oom) p = calloc(1, 1);
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

static inline void sb_free(sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

#endif
