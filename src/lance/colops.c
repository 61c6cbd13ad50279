/* Column gathers and concatenation for the table layer (see colops.h). Fixed-width values
 * move with memcpy per row, bools bit by bit, variable-width values through their u64 end
 * offsets. */
#include "lance/colops.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static bool is_bool(bsp_type t) { return t.id == BSP_T_BOOL; }

static int oom(void) { return bsp_err(BSP_ENOMEM, "out of memory"); }

static uint8_t *bits_alloc(uint64_t n)
{
    return calloc((size_t)((n + 7) / 8) + 1, 1);
}

static inline int bit_get(const uint8_t *b, uint64_t i) { return (b[i >> 3] >> (i & 7)) & 1; }
static inline void bit_set(uint8_t *b, uint64_t i) { b[i >> 3] |= (uint8_t)(1u << (i & 7)); }

int col_gather(const bsp_column *src, const uint64_t *rows, uint64_t n, bsp_column *out)
{
    memset(out, 0, sizeof *out);
    out->type = src->type;
    out->length = n;
    if (src->validity) {
        bool any_null = false;
        for (uint64_t i = 0; i < n && !any_null; i++) any_null = !bit_get(src->validity, rows[i]);
        if (any_null) {
            if (!(out->validity = bits_alloc(n))) return oom();
            for (uint64_t i = 0; i < n; i++)
                if (bit_get(src->validity, rows[i])) bit_set(out->validity, i);
        }
    }
    if (bsp_type_is_var(src->type)) {
        uint64_t total = 0;
        for (uint64_t i = 0; i < n; i++) total += src->offsets[rows[i] + 1] - src->offsets[rows[i]];
        out->offsets = malloc((size_t)(n + 1) * sizeof *out->offsets);
        out->data = malloc(total ? (size_t)total : 1);
        if (!out->offsets || !out->data) goto fail;
        uint64_t pos = 0;
        out->offsets[0] = 0;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t s = src->offsets[rows[i]], e = src->offsets[rows[i] + 1];
            if (e > s) memcpy(out->data + pos, src->data + s, (size_t)(e - s));
            pos += e - s;
            out->offsets[i + 1] = pos;
        }
        out->data_len = total;
    } else if (is_bool(src->type)) {
        if (!(out->data = bits_alloc(n))) goto fail;
        for (uint64_t i = 0; i < n; i++)
            if (bit_get(src->data, rows[i])) bit_set(out->data, i);
        out->data_len = (n + 7) / 8;
    } else {
        size_t w = bsp_type_width(src->type);
        out->data = malloc(n ? (size_t)n * w : 1);
        if (!out->data) goto fail;
        uint64_t i = 0;
        while (i < n) { /* copy runs of consecutive rows at once */
            uint64_t j = i + 1;
            while (j < n && rows[j] == rows[j - 1] + 1) j++;
            memcpy(out->data + i * w, src->data + rows[i] * w, (size_t)(j - i) * w);
            i = j;
        }
        out->data_len = n * w;
    }
    return BSP_OK;
fail:
    bsp_column_free(out);
    return oom();
}

int col_slice(const bsp_column *src, uint64_t start, uint64_t n, bsp_column *out)
{
    uint64_t *rows = malloc((size_t)(n ? n : 1) * sizeof *rows);
    if (!rows) return oom();
    for (uint64_t i = 0; i < n; i++) rows[i] = start + i;
    int rc = col_gather(src, rows, n, out);
    free(rows);
    return rc;
}

int col_append(bsp_column *dst, const bsp_column *src)
{
    uint64_t a = dst->length, b = src->length, n = a + b;
    if (src->validity || dst->validity) {
        uint8_t *v = bits_alloc(n);
        if (!v) return oom();
        for (uint64_t i = 0; i < a; i++)
            if (bsp_column_is_valid(dst, i)) bit_set(v, i);
        for (uint64_t i = 0; i < b; i++)
            if (bsp_column_is_valid(src, i)) bit_set(v, a + i);
        free(dst->validity);
        dst->validity = v;
    }
    if (bsp_type_is_var(dst->type)) {
        uint64_t *off = realloc(dst->offsets, (size_t)(n + 1) * sizeof *off);
        if (!off) return oom();
        dst->offsets = off;
        if (a == 0) off[0] = 0;
        uint8_t *d = realloc(dst->data, (size_t)(dst->data_len + src->data_len) + 1);
        if (!d) return oom();
        dst->data = d;
        if (src->data_len) memcpy(d + dst->data_len, src->data, (size_t)src->data_len);
        for (uint64_t i = 0; i < b; i++) off[a + i + 1] = dst->data_len + src->offsets[i + 1];
        dst->data_len += src->data_len;
    } else if (is_bool(dst->type)) {
        uint8_t *d = bits_alloc(n);
        if (!d) return oom();
        for (uint64_t i = 0; i < a; i++)
            if (bit_get(dst->data, i)) bit_set(d, i);
        for (uint64_t i = 0; i < b; i++)
            if (bit_get(src->data, i)) bit_set(d, a + i);
        free(dst->data);
        dst->data = d;
        dst->data_len = (n + 7) / 8;
    } else {
        size_t w = bsp_type_width(dst->type);
        uint8_t *d = realloc(dst->data, (size_t)n * w + 1);
        if (!d) return oom();
        memcpy(d + a * w, src->data, (size_t)b * w);
        dst->data = d;
        dst->data_len = n * w;
    }
    dst->length = n;
    return BSP_OK;
}

int col_nulls(bsp_type t, uint64_t n, bsp_column *out)
{
    memset(out, 0, sizeof *out);
    out->type = t;
    out->length = n;
    out->validity = bits_alloc(n);
    if (!out->validity) return oom();
    if (bsp_type_is_var(t)) {
        out->offsets = calloc((size_t)n + 1, sizeof *out->offsets);
        out->data = malloc(1);
    } else if (is_bool(t)) {
        out->data = bits_alloc(n);
        out->data_len = (n + 7) / 8;
    } else {
        out->data_len = n * bsp_type_width(t);
        out->data = calloc((size_t)out->data_len + 1, 1);
    }
    if (!out->data || (bsp_type_is_var(t) && !out->offsets)) {
        bsp_column_free(out);
        return oom();
    }
    return BSP_OK;
}

int col_from_u64(const uint64_t *v, uint64_t n, bsp_column *out)
{
    memset(out, 0, sizeof *out);
    out->type = (bsp_type){BSP_T_UINT64, 0};
    out->length = n;
    out->data = malloc(n ? (size_t)n * 8 : 1);
    if (!out->data) return oom();
    memcpy(out->data, v, (size_t)n * 8);
    out->data_len = n * 8;
    return BSP_OK;
}

int col_get_int(const bsp_column *c, uint64_t row, int64_t *out)
{
    if (!bsp_column_is_valid(c, row)) return 0;
    const uint8_t *p = c->data;
    switch (c->type.id) {
    case BSP_T_INT8: *out = ((const int8_t *)p)[row]; return 1;
    case BSP_T_INT16: { int16_t v; memcpy(&v, p + row * 2, 2); *out = v; return 1; }
    case BSP_T_INT32: { int32_t v; memcpy(&v, p + row * 4, 4); *out = v; return 1; }
    case BSP_T_INT64: { int64_t v; memcpy(&v, p + row * 8, 8); *out = v; return 1; }
    case BSP_T_UINT8: *out = p[row]; return 1;
    case BSP_T_UINT16: { uint16_t v; memcpy(&v, p + row * 2, 2); *out = v; return 1; }
    case BSP_T_UINT32: { uint32_t v; memcpy(&v, p + row * 4, 4); *out = v; return 1; }
    case BSP_T_UINT64: {
        uint64_t v;
        memcpy(&v, p + row * 8, 8);
        *out = v > INT64_MAX ? INT64_MAX : (int64_t)v;
        return 1;
    }
    default: return 0;
    }
}
