/* Lance 2.0 page decoder: interprets a page's ArrayEncoding tree (spec:
 * shared/spec/lance-format.md §3.3-3.5) for a row range and writes the rows into a
 * bsp_column.
 *
 * The one idea: every node decodes "rows [a, b) of this page" straight into the output, so
 * a row-range read touches only the bytes it needs: a Flat leaf preads exactly rows·width
 * bytes into the column's data, FixedSizeList scales the row range by its dimension,
 * Nullable decodes its values and then clears validity bits, Binary reads the end offsets
 * [a−1, b) and then the one byte range they span, Dictionary reads codes and its items.
 * Two entry points, one per output shape: fixed-width (and bool) and variable-width.
 * Everything a 2.0 default writer does not emit is rejected by name (BSP_EUNSUPPORTED),
 * every inconsistency (sizes, offsets, indices) is BSP_ECORRUPT naming file/column/page. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "lance/datafile_internal.h"
#include "util/error.h"

#define MAX_DEPTH 16

typedef Lance__Encodings__ArrayEncoding AE;

typedef struct dctx {
    datafile *f;
    uint32_t col;
    size_t page;
    const df_page *pg;
    bsp_column *out;  /* output column */
    uint64_t cap;     /* var output: bytes allocated in out->data */
} dctx;

static int fail(const dctx *x, int code, const char *fmt, ...) BSP_PRINTF(3, 4);
static int fail(const dctx *x, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return bsp_err(code, "%s: column %u page %zu: %s", x->f->name, x->col, x->page, msg);
}

const char *df_encoding_name(const AE *e)
{
    static const char *const names[] = {
        "(none)", "flat", "nullable", "fixed_size_list", "list", "struct", "binary",
        "dictionary", "fsst", "packed_struct", "bitpacked", "fixed_size_binary",
        "bitpacked_for_non_neg", "constant", "inline_bitpacking (2.1)",
        "out_of_line_bitpacking (2.1)", "variable (2.1)",
        "packed_struct_fixed_width_mini_block (2.1)", "block (2.1)", "rle (2.1)",
        "general_mini_block (2.1)", "byte_stream_split (2.1)"};
    if (!e) return "(missing)";
    unsigned c = (unsigned)e->array_encoding_case;
    return c < sizeof names / sizeof names[0] ? names[c] : "(unknown)";
}

static int unsupported(const dctx *x, const AE *e)
{
    if (!e || e->array_encoding_case == LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING__NOT_SET)
        return fail(x, BSP_ECORRUPT, "encoding node is missing or of an unknown kind");
    return fail(x, BSP_EUNSUPPORTED, "encoding %s is not supported (Lance 2.0 reader)",
                df_encoding_name(e));
}

/* Check a Flat leaf's buffer and that bytes [off, off+len) lie inside it; returns the
 * absolute file offset. */
static int flat_range(const dctx *x, const Lance__Encodings__Flat *fl, uint64_t off, uint64_t len,
                      uint64_t *abs)
{
    if (fl->compression)
        return fail(x, BSP_EUNSUPPORTED, "compressed page (%s) is not supported",
                    fl->compression->scheme ? fl->compression->scheme : "?");
    if (!fl->buffer) return fail(x, BSP_ECORRUPT, "flat encoding has no buffer");
    if (fl->buffer->has_buffer_type &&
        fl->buffer->buffer_type != LANCE__ENCODINGS__BUFFER__BUFFER_TYPE__page)
        return fail(x, BSP_EUNSUPPORTED, "%s-level buffers are not supported",
                    fl->buffer->buffer_type == LANCE__ENCODINGS__BUFFER__BUFFER_TYPE__column ? "column" : "file");
    uint32_t bi = fl->buffer->has_buffer_index ? fl->buffer->buffer_index : 0;
    if (bi >= x->pg->nbufs)
        return fail(x, BSP_ECORRUPT, "buffer index %u, but the page has %zu buffers", bi,
                    x->pg->nbufs);
    uint64_t end;
    if (!df_add(off, len, &end) || end > x->pg->buf_size[bi])
        return fail(x, BSP_ECORRUPT, "buffer %u holds %llu bytes, decoding needs [%llu, %llu)", bi,
                    (unsigned long long)x->pg->buf_size[bi], (unsigned long long)off,
                    (unsigned long long)(off + len));
    *abs = x->pg->buf_off[bi] + off;
    return BSP_OK;
}

/* ---- output validity ---- */

/* Lazily create the output's validity bitmap (all valid). */
static int out_validity(dctx *x)
{
    if (x->out->validity) return BSP_OK;
    uint64_t bytes = (x->out->length + 7) / 8;
    x->out->validity = malloc(bytes ? bytes : 1);
    if (!x->out->validity) return fail(x, BSP_ENOMEM, "out of memory");
    memset(x->out->validity, 0xff, bytes ? bytes : 1);
    return BSP_OK;
}

/* Output rows [r, r+n) are null. */
static int mark_null(dctx *x, uint64_t r, uint64_t n)
{
    if (n == 0) return BSP_OK;
    int rc = out_validity(x);
    if (rc == BSP_OK) df_bits_fill(x->out->validity, r, n, false);
    return rc;
}

/* AND a page validity bitmap (bits s.. of src, n rows) into output rows [r, r+n). */
static int apply_validity(dctx *x, uint64_t r, const uint8_t *src, uint64_t s, uint64_t n)
{
    if (df_bits_count(src, s, n) == n) return BSP_OK;
    int rc = out_validity(x);
    if (rc) return rc;
    for (uint64_t i = 0; i < n; i++)
        if (!df_bit(src, s + i)) df_setbit(x->out->validity, r + i, false);
    return BSP_OK;
}

/* ---- fixed width ---- */

static int decode_fixed(dctx *x, const AE *e, uint64_t a, uint64_t b, uint8_t *dst, uint64_t drow,
                        uint64_t wbits, bool top, int depth);

/* Read a validity node (Flat of 1 bit) for rows [a, b) into a fresh bitmap (bit 0 = row a). */
static int read_bitmap(dctx *x, const AE *e, uint64_t a, uint64_t b, uint8_t **out, int depth)
{
    uint64_t n = b - a;
    uint8_t *bm = calloc((n + 7) / 8 + 1, 1);
    if (!bm) return fail(x, BSP_ENOMEM, "out of memory");
    int rc = decode_fixed(x, e, a, b, bm, 0, 1, false, depth + 1);
    if (rc) {
        free(bm);
        return rc;
    }
    *out = bm;
    return BSP_OK;
}

/* Zero rows [drow, drow+n) of a fixed-width destination. */
static void zero_rows(uint8_t *dst, uint64_t drow, uint64_t n, uint64_t wbits)
{
    if (wbits == 1)
        df_bits_fill(dst, drow, n, false);
    else
        memset(dst + drow * (wbits / 8), 0, n * (wbits / 8));
}

/* Decode rows [a, b) of node e, wbits bits per row, into dst at row drow. top: rows are
 * output rows (nulls go to the output validity); else nested items (null items zeroed). */
static int decode_fixed(dctx *x, const AE *e, uint64_t a, uint64_t b, uint8_t *dst, uint64_t drow,
                        uint64_t wbits, bool top, int depth)
{
    if (depth > MAX_DEPTH) return fail(x, BSP_ECORRUPT, "encoding tree is too deep");
    uint64_t n = b - a;
    if (!e) return unsupported(x, e);
    switch (e->array_encoding_case) {
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT: {
        const Lance__Encodings__Flat *fl = e->flat;
        uint64_t bits = fl->has_bits_per_value ? fl->bits_per_value : 0;
        if (bits != wbits)
            return fail(x, BSP_ECORRUPT, "flat encoding has %llu bits per value, the column type needs %llu",
                        (unsigned long long)bits, (unsigned long long)wbits);
        uint64_t abs;
        int rc;
        if (wbits == 1) {
            if (n == 0) return BSP_OK;
            uint64_t first = a / 8, bytes = (b - 1) / 8 - first + 1;
            if ((rc = flat_range(x, fl, first, bytes, &abs))) return rc;
            if ((drow & 7) == 0 && (a & 7) == 0) {
                /* byte aligned: read straight in, then restore bits past the range */
                uint8_t keep = 0;
                uint64_t last = (drow + n - 1) / 8;
                if (n & 7) keep = dst[last];
                if ((rc = df_read_at(x->f, abs, dst + drow / 8, (size_t)bytes))) return rc;
                if (n & 7) {
                    uint8_t mask = (uint8_t)((1u << (n & 7)) - 1);
                    dst[last] = (uint8_t)((dst[last] & mask) | (keep & ~mask));
                }
                return BSP_OK;
            }
            uint8_t *tmp = malloc((size_t)bytes);
            if (!tmp) return fail(x, BSP_ENOMEM, "out of memory");
            rc = df_read_at(x->f, abs, tmp, (size_t)bytes);
            if (rc == BSP_OK) df_bits_copy(dst, drow, tmp, a & 7, n);
            free(tmp);
            return rc;
        }
        if (wbits % 8)
            return fail(x, BSP_EUNSUPPORTED, "flat encoding of %llu bits per value is not supported",
                        (unsigned long long)wbits);
        uint64_t w = wbits / 8, off, len;
        if (!df_mul(a, w, &off) || !df_mul(n, w, &len))
            return fail(x, BSP_ECORRUPT, "page size overflows");
        if ((rc = flat_range(x, fl, off, len, &abs))) return rc;
        return df_read_at(x->f, abs, dst + drow * w, (size_t)len);
    }
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE: {
        const Lance__Encodings__Nullable *nl = e->nullable;
        switch (nl->nullability_case) {
        case LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS:
            return decode_fixed(x, nl->no_nulls->values, a, b, dst, drow, wbits, top, depth + 1);
        case LANCE__ENCODINGS__NULLABLE__NULLABILITY_ALL_NULLS:
            zero_rows(dst, drow, n, wbits);
            return top ? mark_null(x, drow, n) : BSP_OK;
        case LANCE__ENCODINGS__NULLABLE__NULLABILITY_SOME_NULLS: {
            int rc = decode_fixed(x, nl->some_nulls->values, a, b, dst, drow, wbits, top, depth + 1);
            uint8_t *bm = NULL;
            if (rc == BSP_OK) rc = read_bitmap(x, nl->some_nulls->validity, a, b, &bm, depth);
            if (rc) return rc;
            if (top) {
                rc = apply_validity(x, drow, bm, 0, n);
            } else {
                for (uint64_t i = 0; i < n; i++)
                    if (!df_bit(bm, i)) zero_rows(dst, drow + i, 1, wbits);
            }
            free(bm);
            return rc;
        }
        default:
            return fail(x, BSP_ECORRUPT, "nullable encoding without a nullability arm");
        }
    }
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FIXED_SIZE_LIST: {
        const Lance__Encodings__FixedSizeList *l = e->fixed_size_list;
        uint64_t dim = l->has_dimension ? l->dimension : 0;
        if (dim == 0) return fail(x, BSP_ECORRUPT, "fixed_size_list of dimension 0");
        if (l->has_has_validity && l->has_validity)
            return fail(x, BSP_EUNSUPPORTED, "fixed_size_list with its own validity is not supported");
        if (wbits % dim || wbits / dim == 0 || (wbits / dim != 1 && (wbits / dim) % 8))
            return fail(x, BSP_ECORRUPT, "fixed_size_list of dimension %llu does not match %llu bits per row",
                        (unsigned long long)dim, (unsigned long long)wbits);
        uint64_t ia, ib, idr;
        if (!df_mul(a, dim, &ia) || !df_mul(b, dim, &ib) || !df_mul(drow, dim, &idr))
            return fail(x, BSP_ECORRUPT, "page size overflows");
        return decode_fixed(x, l->items, ia, ib, dst, idr, wbits / dim, false, depth + 1);
    }
    default:
        if (e->array_encoding_case == LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_BINARY ||
            e->array_encoding_case == LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_DICTIONARY)
            return fail(x, BSP_ECORRUPT, "%s page in a fixed-width column", df_encoding_name(e));
        return unsupported(x, e);
    }
}

/* Unsigned integers (8..64 bits, Flat possibly under Nullable.no_nulls) for rows [a, b),
 * widened to u64. */
static int decode_uints(dctx *x, const AE *e, uint64_t a, uint64_t b, uint64_t **out, int depth)
{
    const AE *leaf = e;
    while (leaf && leaf->array_encoding_case == LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE &&
           leaf->nullable->nullability_case == LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS &&
           depth++ < MAX_DEPTH)
        leaf = leaf->nullable->no_nulls->values;
    if (!leaf || leaf->array_encoding_case != LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT)
        return leaf && leaf->array_encoding_case != LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING__NOT_SET
                   ? fail(x, BSP_EUNSUPPORTED, "offsets/codes encoded as %s are not supported",
                          df_encoding_name(leaf))
                   : unsupported(x, leaf);
    uint64_t bits = leaf->flat->has_bits_per_value ? leaf->flat->bits_per_value : 0;
    if (bits != 8 && bits != 16 && bits != 32 && bits != 64)
        return fail(x, BSP_EUNSUPPORTED, "offsets/codes of %llu bits are not supported",
                    (unsigned long long)bits);
    uint64_t n = b - a;
    uint64_t *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) return fail(x, BSP_ENOMEM, "out of memory");
    int rc = decode_fixed(x, leaf, a, b, (uint8_t *)v, 0, bits, false, depth + 1);
    if (rc) {
        free(v);
        return rc;
    }
    /* widen in place from the back (little-endian source) */
    const uint8_t *src = (const uint8_t *)v;
    unsigned w = (unsigned)(bits / 8);
    for (uint64_t i = n; i-- > 0;) {
        uint64_t val = 0;
        for (unsigned k = w; k-- > 0;) val = (val << 8) | src[i * w + k];
        v[i] = val;
    }
    *out = v;
    return BSP_OK;
}

/* ---- variable width ---- */

static int var_reserve(dctx *x, uint64_t more)
{
    uint64_t need;
    if (!df_add(x->out->data_len, more, &need)) return fail(x, BSP_ECORRUPT, "size overflows");
    if (need <= x->cap) return BSP_OK;
    uint64_t cap = x->cap ? x->cap : 256;
    while (cap < need) cap = cap * 2 > cap ? cap * 2 : need;
    if (cap > SIZE_MAX) return fail(x, BSP_ENOMEM, "out of memory");
    uint8_t *p = realloc(x->out->data, (size_t)cap);
    if (!p) return fail(x, BSP_ENOMEM, "out of memory for %llu bytes", (unsigned long long)cap);
    x->out->data = p;
    x->cap = cap;
    return BSP_OK;
}

static int decode_var(dctx *x, const AE *e, uint64_t a, uint64_t b, uint64_t drow, int depth);

/* Binary: end offsets (null rows: end + adj) for rows [a-1, b), then the byte range. */
static int decode_binary(dctx *x, const Lance__Encodings__Binary *bin, uint64_t a, uint64_t b,
                         uint64_t drow, int depth)
{
    uint64_t n = b - a, adj = bin->has_null_adjustment ? bin->null_adjustment : 0;
    uint64_t lo = a ? a - 1 : 0;
    uint64_t *idx = NULL;
    int rc = decode_uints(x, bin->indices, lo, b, &idx, depth + 1);
    if (rc) return rc;
    const uint64_t *ends = a ? idx + 1 : idx;
    uint64_t base = 0;
    if (a) base = (adj && idx[0] >= adj) ? idx[0] - adj : idx[0];
    /* validate and compute offsets */
    uint64_t prev = base;
    uint64_t *offs = x->out->offsets + drow;
    uint64_t out0 = x->out->data_len;
    for (uint64_t i = 0; i < n; i++) {
        bool null = adj && ends[i] >= adj;
        uint64_t end = null ? ends[i] - adj : ends[i];
        if (end < prev) {
            rc = fail(x, BSP_ECORRUPT, "binary end offsets decrease at row %llu (%llu < %llu)",
                      (unsigned long long)(a + i), (unsigned long long)end, (unsigned long long)prev);
            goto done;
        }
        offs[i + 1] = out0 + (end - base);
        prev = end;
    }
    uint64_t total = prev - base;
    /* bytes [base, prev) of the bytes node: Flat(8) possibly under Nullable.no_nulls */
    const AE *be = bin->bytes;
    int d = depth;
    while (be && be->array_encoding_case == LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE &&
           be->nullable->nullability_case == LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS &&
           d++ < MAX_DEPTH)
        be = be->nullable->no_nulls->values;
    if (!be || be->array_encoding_case != LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT) {
        rc = be && be->array_encoding_case != LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING__NOT_SET
                 ? fail(x, BSP_EUNSUPPORTED, "binary bytes encoded as %s are not supported",
                        df_encoding_name(be))
                 : unsupported(x, be);
        goto done;
    }
    if ((be->flat->has_bits_per_value ? be->flat->bits_per_value : 0) != 8) {
        rc = fail(x, BSP_ECORRUPT, "binary bytes are not 8 bits per value");
        goto done;
    }
    uint64_t abs;
    if ((rc = flat_range(x, be->flat, base, total, &abs))) goto done;
    if ((rc = var_reserve(x, total))) goto done;
    if (total && (rc = df_read_at(x->f, abs, x->out->data + out0, (size_t)total))) goto done;
    x->out->data_len = out0 + total;
    /* nulls */
    for (uint64_t i = 0; i < n && rc == BSP_OK; i++)
        if (adj && ends[i] >= adj) rc = mark_null(x, drow + i, 1);
done:
    free(idx);
    return rc;
}

/* Dictionary: codes (0 = null, k = item k-1) and the items (a Binary). */
static int decode_dictionary(dctx *x, const Lance__Encodings__Dictionary *dict, uint64_t a,
                             uint64_t b, uint64_t drow, int depth)
{
    uint64_t n = b - a, nitems = dict->has_num_dictionary_items ? dict->num_dictionary_items : 0;
    uint64_t *codes = NULL;
    if (nitems > x->f->size) /* each item takes at least one byte of the file */
        return fail(x, BSP_ECORRUPT, "dictionary claims %llu items", (unsigned long long)nitems);
    int rc = decode_uints(x, dict->indices, a, b, &codes, depth + 1);
    if (rc) return rc;
    /* decode the items into a scratch column, reusing the var machinery */
    bsp_column items = {0};
    items.type = x->out->type;
    items.length = nitems;
    items.offsets = calloc((size_t)nitems + 1, sizeof *items.offsets);
    if (!items.offsets) {
        free(codes);
        return fail(x, BSP_ENOMEM, "out of memory");
    }
    dctx ix = *x;
    ix.out = &items;
    ix.cap = 0;
    rc = decode_var(&ix, dict->items, 0, nitems, 0, depth + 1);
    for (uint64_t i = 0; i < n && rc == BSP_OK; i++) {
        uint64_t c = codes[i];
        uint64_t *o = &x->out->offsets[drow + i];
        if (c > nitems) {
            rc = fail(x, BSP_ECORRUPT, "dictionary code %llu at row %llu, but %llu items",
                      (unsigned long long)c, (unsigned long long)(a + i), (unsigned long long)nitems);
            break;
        }
        if (c == 0 || !bsp_column_is_valid(&items, c - 1)) {
            o[1] = o[0];
            rc = mark_null(x, drow + i, 1);
            continue;
        }
        uint64_t s = items.offsets[c - 1], len = items.offsets[c] - s;
        if ((rc = var_reserve(x, len))) break;
        if (len) memcpy(x->out->data + x->out->data_len, items.data + s, (size_t)len);
        x->out->data_len += len;
        o[1] = x->out->data_len;
    }
    free(codes);
    bsp_column_free(&items);
    return rc;
}

/* Decode rows [a, b) of node e as variable-width values appended at output row drow
 * (offsets[drow] is already set). */
static int decode_var(dctx *x, const AE *e, uint64_t a, uint64_t b, uint64_t drow, int depth)
{
    if (depth > MAX_DEPTH) return fail(x, BSP_ECORRUPT, "encoding tree is too deep");
    if (!e) return unsupported(x, e);
    uint64_t n = b - a;
    switch (e->array_encoding_case) {
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_BINARY:
        return decode_binary(x, e->binary, a, b, drow, depth);
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_DICTIONARY:
        return decode_dictionary(x, e->dictionary, a, b, drow, depth);
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE: {
        const Lance__Encodings__Nullable *nl = e->nullable;
        switch (nl->nullability_case) {
        case LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS:
            return decode_var(x, nl->no_nulls->values, a, b, drow, depth + 1);
        case LANCE__ENCODINGS__NULLABLE__NULLABILITY_ALL_NULLS:
            for (uint64_t i = 0; i < n; i++) x->out->offsets[drow + i + 1] = x->out->data_len;
            return mark_null(x, drow, n);
        case LANCE__ENCODINGS__NULLABLE__NULLABILITY_SOME_NULLS: {
            int rc = decode_var(x, nl->some_nulls->values, a, b, drow, depth + 1);
            uint8_t *bm = NULL;
            if (rc == BSP_OK) rc = read_bitmap(x, nl->some_nulls->validity, a, b, &bm, depth);
            if (rc == BSP_OK) rc = apply_validity(x, drow, bm, 0, n);
            free(bm);
            return rc;
        }
        default:
            return fail(x, BSP_ECORRUPT, "nullable encoding without a nullability arm");
        }
    }
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT:
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FIXED_SIZE_LIST:
        return fail(x, BSP_ECORRUPT, "%s page in a string/binary column", df_encoding_name(e));
    default:
        return unsupported(x, e);
    }
}

int df_decode_column(datafile *f, uint32_t c, bsp_type type, uint64_t row_start, uint64_t nrows,
                     bsp_column *out)
{
    const df_column *col = &f->cols[c];
    bool var = bsp_type_is_var(type);
    uint64_t wbits = type.id == BSP_T_BOOL ? 1 : 8 * (uint64_t)bsp_type_width(type);
    uint64_t bytes;
    out->type = type;
    out->length = nrows;
    if (var) {
        if (nrows >= SIZE_MAX / 8) return bsp_err(BSP_ENOMEM, "%s: out of memory", f->name);
        out->offsets = calloc((size_t)nrows + 1, sizeof *out->offsets);
        if (!out->offsets) return bsp_err(BSP_ENOMEM, "%s: out of memory", f->name);
    } else {
        if (wbits == 1)
            bytes = (nrows + 7) / 8;
        else if (!df_mul(nrows, wbits / 8, &bytes) || bytes > SIZE_MAX)
            return bsp_err(BSP_ENOMEM, "%s: out of memory", f->name);
        out->data = calloc(bytes ? (size_t)bytes : 1, 1);
        if (!out->data)
            return bsp_err(BSP_ENOMEM, "%s: out of memory for %llu bytes", f->name,
                           (unsigned long long)bytes);
        out->data_len = bytes;
    }
    /* first page holding row_start (binary search over first_row) */
    size_t lo = 0, hi = col->npages;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (col->pages[mid].first_row + col->pages[mid].rows <= row_start)
            lo = mid + 1;
        else
            hi = mid;
    }
    dctx x = {f, c, lo, NULL, out, 0};
    uint64_t end = row_start + nrows, row = row_start;
    int rc = BSP_OK;
    for (size_t p = lo; row < end && rc == BSP_OK; p++) {
        if (p >= col->npages) {
            rc = bsp_err(BSP_ECORRUPT, "%s: column %u: pages end before row %llu", f->name, c,
                         (unsigned long long)row);
            break;
        }
        const df_page *pg = &col->pages[p];
        if (pg->rows == 0) continue;
        x.page = p;
        x.pg = pg;
        uint64_t a = row - pg->first_row;
        uint64_t pend = pg->first_row + pg->rows;
        uint64_t b = (end < pend ? end : pend) - pg->first_row;
        uint64_t drow = row - row_start;
        rc = var ? decode_var(&x, pg->enc, a, b, drow, 0)
                 : decode_fixed(&x, pg->enc, a, b, out->data, drow, wbits, true, 0);
        row = pg->first_row + b;
    }
    if (rc) bsp_column_free(out);
    return rc;
}
