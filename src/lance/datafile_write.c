/* Lance file format 2.0 writer (spec: shared/spec/lance-format.md §3.1, §3.4).
 *
 * The one idea: a file is written front to back in one pass, exactly in Lance's order —
 * page buffers (each padded to 64 bytes), global buffer 0 (the FileDescriptor), the
 * ColumnMetadata messages back to back, the CMO table, the GBO table, the 40-byte footer
 * (0,3,"LANC") — so every offset is just "bytes written so far". Columns are cut into
 * pages of about page_bytes of values (a multiple of 8 rows, so page validity bitmaps are
 * byte slices of the column's); large buffers (fingerprints) go from the caller's column
 * straight to write(2), small pieces through a 1 MiB buffer. The bytes go to a temporary
 * file that is fsync'd and link()ed to the final name only when complete (io_writer), so
 * a data file is either whole and durable or absent.
 *
 * Page encodings are the default 2.0 writer's (§3.4): NN(x) / SN(F(1,0), x') / all_nulls
 * per page, Flat for fixed width (FSB as Flat of 8·N bits, bool as bit-packed Flat(1)),
 * FixedSizeList for fsl types, Binary with u64 end offsets and null_adjustment for
 * strings (Dictionary for low-cardinality utf8 pages). The small encoding trees are serialized by hand (pb_*), the container messages
 * (ColumnMetadata, FileDescriptor) through protobuf-c. */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "io/io.h"
#include "lance/datafile_internal.h"
#include "util/error.h"
#include "wkt.pb-c.h"

#define WBUF_CAP (1u << 20)
#define MAX_PAGE_ROWS (1ull << 26)

/* ---- bitmap helpers (shared with the reader) ---- */

void df_bits_copy(uint8_t *dst, uint64_t d, const uint8_t *src, uint64_t s, uint64_t n)
{
    if (n == 0) return;
    if ((d & 7) == 0 && (s & 7) == 0) {
        uint64_t whole = n >> 3;
        memcpy(dst + (d >> 3), src + (s >> 3), whole);
        for (uint64_t i = whole << 3; i < n; i++) df_setbit(dst, d + i, df_bit(src, s + i));
        return;
    }
    for (uint64_t i = 0; i < n; i++) df_setbit(dst, d + i, df_bit(src, s + i));
}

void df_bits_fill(uint8_t *dst, uint64_t d, uint64_t n, bool v)
{
    uint64_t i = 0;
    for (; i < n && ((d + i) & 7); i++) df_setbit(dst, d + i, v);
    uint64_t bytes = (n - i) >> 3;
    memset(dst + ((d + i) >> 3), v ? 0xff : 0, bytes);
    for (i += bytes << 3; i < n; i++) df_setbit(dst, d + i, v);
}

uint64_t df_bits_count(const uint8_t *src, uint64_t s, uint64_t n)
{
    uint64_t c = 0, i = 0;
    for (; i < n && ((s + i) & 7); i++) c += df_bit(src, s + i);
    const uint8_t *p = src + ((s + i) >> 3);
    uint64_t bytes = (n - i) >> 3;
    for (uint64_t k = 0; k < bytes; k++) c += (uint64_t)__builtin_popcount(p[k]);
    for (i += bytes << 3; i < n; i++) c += df_bit(src, s + i);
    return c;
}

/* ---- buffered output ---- */

typedef struct wout {
    const char *path;
    io_writer iw; /* temporary file, linked to path when complete (src/io/io.h) */
    uint8_t *buf;
    size_t len;
    uint64_t pos; /* bytes of the file so far (written + buffered) */
} wout;

static int w_raw(wout *w, const uint8_t *p, size_t n)
{
    return n ? io_writer_write(&w->iw, p, n) : BSP_OK;
}

static int w_flush(wout *w)
{
    int rc = w_raw(w, w->buf, w->len);
    w->len = 0;
    return rc;
}

static int w_put(wout *w, const void *p, size_t n)
{
    if (n == 0) return BSP_OK;
    if (n >= WBUF_CAP / 2) { /* large: flush and write straight from the caller's memory */
        int rc = w_flush(w);
        if (rc == BSP_OK) rc = w_raw(w, p, n);
        w->pos += n;
        return rc;
    }
    if (w->len + n > WBUF_CAP) {
        int rc = w_flush(w);
        if (rc) return rc;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    w->pos += n;
    return BSP_OK;
}

static int w_pad64(wout *w)
{
    static const uint8_t zeros[64];
    size_t pad = (size_t)((64 - (w->pos & 63)) & 63);
    return w_put(w, zeros, pad);
}

/* ---- hand-serialized protobuf for encoding trees ---- */

typedef struct pb {
    uint8_t *p;
    size_t n, cap;
    bool oom;
} pb;

static void pb_bytes(pb *b, const void *src, size_t n)
{
    if (b->oom || n == 0) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n) cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void pb_varint(pb *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) tmp[n] |= 0x80;
        n++;
    } while (v);
    pb_bytes(b, tmp, n);
}

/* Field `no` as varint (omitted when zero, proto3 style). */
static void pb_uint(pb *b, unsigned no, uint64_t v)
{
    if (!v) return;
    pb_varint(b, (uint64_t)no << 3);
    pb_varint(b, v);
}

/* Field `no` as a length-delimited sub-message holding inner's bytes; frees inner. */
static void pb_msg(pb *b, unsigned no, pb *inner)
{
    pb_varint(b, ((uint64_t)no << 3) | 2);
    pb_varint(b, inner->n);
    pb_bytes(b, inner->p, inner->n);
    if (inner->oom) b->oom = true;
    free(inner->p);
    *inner = (pb){0};
}

static void pb_str(pb *b, unsigned no, const void *s, size_t n)
{
    pb_varint(b, ((uint64_t)no << 3) | 2);
    pb_varint(b, n);
    pb_bytes(b, s, n);
}

/* ArrayEncoding{flat{bits, buffer{index}}} */
static pb enc_flat(uint64_t bits, uint32_t buffer)
{
    pb buf = {0}, flat = {0}, ae = {0};
    pb_uint(&buf, 1, buffer);
    pb_uint(&flat, 1, bits);
    pb_msg(&flat, 2, &buf);
    pb_msg(&ae, 1, &flat);
    return ae;
}

/* ArrayEncoding{nullable{no_nulls{values}}} */
static pb enc_nn(pb values)
{
    pb nn = {0}, nul = {0}, ae = {0};
    pb_msg(&nn, 1, &values);
    pb_msg(&nul, 1, &nn);
    pb_msg(&ae, 2, &nul);
    return ae;
}

/* ArrayEncoding{nullable{some_nulls{validity, values}}} */
static pb enc_sn(pb validity, pb values)
{
    pb sn = {0}, nul = {0}, ae = {0};
    pb_msg(&sn, 1, &validity);
    pb_msg(&sn, 2, &values);
    pb_msg(&nul, 2, &sn);
    pb_msg(&ae, 2, &nul);
    return ae;
}

/* ArrayEncoding{nullable{all_nulls{}}} */
static pb enc_an(void)
{
    pb an = {0}, nul = {0}, ae = {0};
    pb_msg(&nul, 3, &an);
    pb_msg(&ae, 2, &nul);
    return ae;
}

/* ArrayEncoding{fixed_size_list{dimension, items}} (has_validity false: absent) */
static pb enc_fsl(uint32_t dim, pb items)
{
    pb fsl = {0}, ae = {0};
    pb_uint(&fsl, 1, dim);
    pb_msg(&fsl, 2, &items);
    pb_msg(&ae, 3, &fsl);
    return ae;
}

/* ArrayEncoding{binary{indices, bytes, null_adjustment}} */
static pb enc_binary(pb indices, pb bytes, uint64_t adj)
{
    pb bin = {0}, ae = {0};
    pb_msg(&bin, 1, &indices);
    pb_msg(&bin, 2, &bytes);
    pb_uint(&bin, 3, adj);
    pb_msg(&ae, 6, &bin);
    return ae;
}

/* Serialized Any{type_url, value}; frees value. */
static pb enc_any(const char *url, pb value)
{
    pb any = {0};
    pb_str(&any, 1, url, strlen(url));
    pb_str(&any, 2, value.p, value.n);
    if (value.oom) any.oom = true;
    free(value.p);
    return any;
}

/* ---- pages ---- */

typedef struct page_out {
    uint64_t offs[3], sizes[3];
    size_t nbufs;
    uint64_t rows;
    pb any; /* serialized Any holding the page's ArrayEncoding */
} page_out;

typedef struct col_out {
    page_out *pages;
    size_t npages, cap;
} col_out;

/* Write one page buffer (then pad to 64) and record where it went. */
static int page_buf(wout *w, page_out *pg, const void *p, uint64_t n)
{
    pg->offs[pg->nbufs] = w->pos;
    pg->sizes[pg->nbufs] = n;
    pg->nbufs++;
    int rc = w_put(w, p, (size_t)n);
    if (rc == BSP_OK && n) rc = w_pad64(w);
    return rc;
}

/* Validity of rows [r0, r0+n) as a standalone bitmap: a slice of the column's when r0 is
 * a multiple of 8 (trailing bits masked), else a shifted copy. *tmp owns any copy. */
static const uint8_t *page_validity(const bsp_column *c, uint64_t r0, uint64_t n, uint8_t **tmp)
{
    uint64_t bytes = (n + 7) / 8;
    if ((r0 & 7) == 0 && (n & 7) == 0) return c->validity + r0 / 8;
    uint8_t *b = calloc(bytes ? bytes : 1, 1);
    if (!b) return NULL;
    df_bits_copy(b, 0, c->validity, r0, n);
    if (n & 7) b[bytes - 1] &= (uint8_t)((1u << (n & 7)) - 1);
    *tmp = b;
    return b;
}

/* A streamed column's values for rows [r0, r0+n): one page buffer written piece by piece as
 * fill hands them over, each piece inside one bsp_fill_rows span. */
static int fill_values(wout *w, page_out *pg, const bsp_column *c, uint64_t r0, uint64_t n, size_t width)
{
    uint64_t span = bsp_fill_rows(c->type);
    pg->offs[pg->nbufs] = w->pos;
    pg->sizes[pg->nbufs] = n * width;
    pg->nbufs++;
    for (uint64_t r = r0; r < r0 + n;) {
        uint64_t end = (r / span + 1) * span;
        if (end > r0 + n) end = r0 + n;
        const uint8_t *rows = NULL;
        bsp_errclear();
        int rc = c->fill(c->fill_ctx, r, end - r, &rows);
        if (rc && !*bsp_errmsg())
            return bsp_err(rc, "%s: the column's fill failed at row %llu: %s", w->path, (unsigned long long)r,
                           bsp_strerror(rc));
        if (rc) return rc;
        if (!rows) return bsp_err(BSP_EINVAL, "%s: a column's fill gave no rows", w->path);
        if ((rc = w_put(w, rows, (size_t)((end - r) * width)))) return rc;
        r = end;
    }
    return n ? w_pad64(w) : BSP_OK;
}

/* Fixed-width (and bool) page: values are the column's bytes (bits) for the rows. */
static int write_fixed_page(wout *w, const bsp_field *fd, const bsp_column *c, uint64_t r0,
                            uint64_t n, page_out *pg)
{
    bsp_type t = fd->type;
    size_t width = bsp_type_width(t);
    uint64_t valid = c->validity ? df_bits_count(c->validity, r0, n) : n;
    uint8_t *vtmp = NULL, *dtmp = NULL;
    int rc = BSP_OK;
    uint32_t vi = 0; /* buffer index of the values */

    if (valid == 0 && n > 0) {
        pg->any = enc_any(DF_URL_ARRAY, enc_an());
        return BSP_OK;
    }
    if (valid < n) {
        const uint8_t *v = page_validity(c, r0, n, &vtmp);
        if (!v) return bsp_err(BSP_ENOMEM, "%s: out of memory", w->path);
        rc = page_buf(w, pg, v, (n + 7) / 8);
        free(vtmp);
        if (rc) return rc;
        vi = 1;
    }
    /* values */
    if (t.id == BSP_T_BOOL) {
        const uint8_t *d;
        if ((r0 & 7) == 0) {
            d = c->data + r0 / 8;
        } else {
            dtmp = calloc((n + 7) / 8 + 1, 1);
            if (!dtmp) return bsp_err(BSP_ENOMEM, "%s: out of memory", w->path);
            df_bits_copy(dtmp, 0, c->data, r0, n);
            d = dtmp;
        }
        rc = page_buf(w, pg, d, (n + 7) / 8);
        free(dtmp);
    } else if (c->fill) {
        rc = fill_values(w, pg, c, r0, n, width);
    } else {
        rc = page_buf(w, pg, c->data + r0 * width, n * width);
    }
    if (rc) return rc;

    pb values;
    if (t.id == BSP_T_FSL_UINT8 || t.id == BSP_T_FSL_FLOAT32) {
        uint64_t item_bits = t.id == BSP_T_FSL_UINT8 ? 8 : 32;
        values = enc_fsl(t.dim, enc_nn(enc_flat(item_bits, vi)));
    } else if (t.id == BSP_T_BOOL) {
        values = enc_flat(1, vi);
    } else {
        values = enc_flat(8 * (uint64_t)width, vi);
    }
    pg->any = enc_any(DF_URL_ARRAY, valid < n ? enc_sn(enc_flat(1, 0), values) : enc_nn(values));
    return BSP_OK;
}

/* ---- dictionary pages (utf8, §3.4) ---- */

#define DICT_MIN_ROWS 100 /* Lance: pages of >= 100 rows ... */
#define DICT_MAX_ITEMS 99 /* ... with fewer than 100 distinct values */
#define DICT_SLOTS 256

static uint64_t hash_bytes(const uint8_t *p, uint64_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint64_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Codes for rows [r0, r0+n) of a utf8 column if it has 1..99 distinct non-null values:
 * codes[i] = 0 for null, k for item k-1; items[k] = the first row holding item k (items in
 * first-appearance order). False if the page should stay Binary. */
static bool dict_build(const bsp_column *c, uint64_t r0, uint64_t n, uint8_t *codes,
                       uint64_t *items, size_t *nitems)
{
    uint8_t slot[DICT_SLOTS] = {0}; /* item index + 1 */
    size_t k = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = r0 + i;
        if (!bsp_column_is_valid(c, r)) {
            codes[i] = 0;
            continue;
        }
        const uint8_t *v = c->data + c->offsets[r];
        uint64_t len = c->offsets[r + 1] - c->offsets[r];
        size_t h = (size_t)(hash_bytes(v, len) & (DICT_SLOTS - 1));
        for (;;) {
            if (slot[h] == 0) {
                if (k == DICT_MAX_ITEMS) return false;
                items[k++] = r;
                slot[h] = (uint8_t)k;
                codes[i] = (uint8_t)k;
                break;
            }
            uint64_t ir = items[slot[h] - 1];
            uint64_t ilen = c->offsets[ir + 1] - c->offsets[ir];
            if (ilen == len && (len == 0 || memcmp(c->data + c->offsets[ir], v, len) == 0)) {
                codes[i] = slot[h];
                break;
            }
            h = (h + 1) & (DICT_SLOTS - 1);
        }
    }
    *nitems = k;
    return k > 0;
}

/* Dictionary{indices NN(F(8,0)), items Binary{NN(F(64,1)), F(8,2), adj}, n}: u8 codes, the
 * items' end offsets, the items' bytes. Exactly what Lance 2.0 writes for such pages. */
static int write_dict_page(wout *w, const bsp_column *c, const uint8_t *codes, uint64_t n,
                           const uint64_t *items, size_t nitems, page_out *pg)
{
    uint64_t ends[DICT_MAX_ITEMS], total = 0;
    uint8_t *bytes = NULL;
    for (size_t k = 0; k < nitems; k++) {
        total += c->offsets[items[k] + 1] - c->offsets[items[k]];
        ends[k] = htole64(total);
    }
    int rc = page_buf(w, pg, codes, n);
    if (rc == BSP_OK) rc = page_buf(w, pg, ends, nitems * 8);
    if (rc) return rc;
    bytes = malloc(total ? total : 1);
    if (!bytes) return bsp_err(BSP_ENOMEM, "%s: out of memory", w->path);
    for (size_t k = 0, at = 0; k < nitems; k++) {
        uint64_t len = c->offsets[items[k] + 1] - c->offsets[items[k]];
        if (len) memcpy(bytes + at, c->data + c->offsets[items[k]], len);
        at += len;
    }
    rc = page_buf(w, pg, bytes, total);
    free(bytes);
    if (rc) return rc;
    pb dict = {0}, ae = {0}, idx = enc_nn(enc_flat(8, 0));
    pb items_enc = enc_binary(enc_nn(enc_flat(64, 1)), enc_flat(8, 2), total + 1);
    pb_msg(&dict, 1, &idx);
    pb_msg(&dict, 2, &items_enc);
    pb_uint(&dict, 3, nitems);
    pb_msg(&ae, 7, &dict);
    pg->any = enc_any(DF_URL_ARRAY, ae);
    return BSP_OK;
}

/* String/binary page: Binary{indices NN(F(64,0)), bytes F(8,1), null_adjustment}; null rows
 * are stored as prev_end + adj with no bytes (§3.4). Utf8 pages of >= 100 rows with fewer
 * than 100 distinct values become Dictionary pages, as Lance's 2.0 writer does. */
static int write_var_page(wout *w, const bsp_column *c, uint64_t r0, uint64_t n, page_out *pg)
{
    if (c->type.id == BSP_T_UTF8 && n >= DICT_MIN_ROWS) {
        uint8_t *codes = malloc(n);
        uint64_t items[DICT_MAX_ITEMS];
        size_t nitems;
        if (!codes) return bsp_err(BSP_ENOMEM, "%s: out of memory", w->path);
        int rc = 1;
        if (dict_build(c, r0, n, codes, items, &nitems))
            rc = write_dict_page(w, c, codes, n, items, nitems, pg);
        free(codes);
        if (rc <= 0) return rc;
    }
    uint64_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx) return bsp_err(BSP_ENOMEM, "%s: out of memory", w->path);
    /* total bytes of non-null rows, and whether null rows carry bytes we must drop */
    uint64_t total = 0;
    bool compact = false;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t len = c->offsets[r0 + i + 1] - c->offsets[r0 + i];
        if (bsp_column_is_valid(c, r0 + i))
            total += len;
        else if (len)
            compact = true;
    }
    uint64_t adj = total + 1, end = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (bsp_column_is_valid(c, r0 + i)) {
            end += c->offsets[r0 + i + 1] - c->offsets[r0 + i];
            idx[i] = end;
        } else {
            idx[i] = end + adj;
        }
    }
    for (uint64_t i = 0; i < n; i++) idx[i] = htole64(idx[i]);
    int rc = page_buf(w, pg, idx, n * 8);
    free(idx);
    if (rc) return rc;

    if (!compact) {
        rc = page_buf(w, pg, c->data + c->offsets[r0], total);
    } else {
        uint8_t *bytes = malloc(total ? total : 1);
        if (!bytes) return bsp_err(BSP_ENOMEM, "%s: out of memory", w->path);
        uint64_t at = 0;
        for (uint64_t i = 0; i < n; i++) {
            if (!bsp_column_is_valid(c, r0 + i)) continue;
            uint64_t len = c->offsets[r0 + i + 1] - c->offsets[r0 + i];
            memcpy(bytes + at, c->data + c->offsets[r0 + i], len);
            at += len;
        }
        rc = page_buf(w, pg, bytes, total);
        free(bytes);
    }
    if (rc) return rc;
    pg->any = enc_any(DF_URL_ARRAY, enc_binary(enc_nn(enc_flat(64, 0)), enc_flat(8, 1), adj));
    return BSP_OK;
}

/* Rows in the page starting at r0: about page_bytes of values, a multiple of 8 rows (at
 * least 8) unless it ends the column. */
static uint64_t page_rows(const bsp_column *c, uint64_t r0, uint64_t page_bytes)
{
    uint64_t left = c->length - r0, n;
    if (bsp_type_is_var(c->type)) {
        uint64_t base = c->offsets[r0];
        n = 0;
        /* bytes plus 8 bytes of end offset per row */
        while (n < left && n < MAX_PAGE_ROWS && c->offsets[r0 + n] - base + 8 * n < page_bytes)
            n++;
    } else {
        size_t width = bsp_type_width(c->type);
        n = width ? page_bytes / width : page_bytes * 8;
        if (n > MAX_PAGE_ROWS) n = MAX_PAGE_ROWS;
    }
    if (n >= left) return left;
    n &= ~(uint64_t)7;
    if (n == 0) n = 8;
    return n < left ? n : left;
}

static int check_input(const char *path, const bsp_schema *s, const bsp_batch *b)
{
    if (!s || !b) return bsp_err(BSP_EINVAL, "%s: schema and batch are required", path);
    if (s->nfields != b->ncols)
        return bsp_err(BSP_EINVAL, "%s: schema has %zu fields, batch has %zu columns", path,
                       s->nfields, b->ncols);
    for (size_t i = 0; i < b->ncols; i++) {
        const bsp_field *fd = &s->fields[i];
        const bsp_column *c = &b->cols[i];
        char tn[64];
        if (!fd->name || !*fd->name)
            return bsp_err(BSP_EINVAL, "%s: field %zu has no name", path, i);
        if (fd->id < 0)
            return bsp_err(BSP_EINVAL, "%s: field \"%s\" has no id", path, fd->name);
        if (fd->type.id == BSP_T_INVALID || c->type.id != fd->type.id || c->type.dim != fd->type.dim)
            return bsp_err(BSP_EINVAL, "%s: column \"%s\" does not have the field's type %s", path,
                           fd->name, bsp_type_format(fd->type, tn, sizeof tn));
        if (c->length != b->nrows)
            return bsp_err(BSP_EINVAL, "%s: column \"%s\" has %llu rows, batch has %llu", path,
                           fd->name, (unsigned long long)c->length,
                           (unsigned long long)b->nrows);
        if (c->length == 0) continue;
        if (bsp_type_is_var(c->type)) {
            if (!c->offsets || c->offsets[0] != 0 || c->offsets[c->length] != c->data_len)
                return bsp_err(BSP_EINVAL, "%s: column \"%s\" has bad offsets", path, fd->name);
            for (uint64_t r = 0; r < c->length; r++)
                if (c->offsets[r + 1] < c->offsets[r])
                    return bsp_err(BSP_EINVAL, "%s: column \"%s\": offsets decrease at row %llu",
                                   path, fd->name, (unsigned long long)r);
            if (c->data_len && !c->data)
                return bsp_err(BSP_EINVAL, "%s: column \"%s\" has no data", path, fd->name);
        } else if (c->fill) {
            if (c->data || c->type.id == BSP_T_BOOL)
                return bsp_err(BSP_EINVAL, "%s: column \"%s\": a streamed column is fixed-width with no data",
                               path, fd->name);
        } else if (!c->data) {
            return bsp_err(BSP_EINVAL, "%s: column \"%s\" has no data", path, fd->name);
        }
    }
    return BSP_OK;
}

/* FileDescriptor (global buffer 0): schema fields in column order, row count. */
static int pack_descriptor(const char *path, const bsp_schema *s, uint64_t rows, pb *out)
{
    Lance__File__Field *fields = calloc(s->nfields ? s->nfields : 1, sizeof *fields);
    Lance__File__Field **fp = calloc(s->nfields ? s->nfields : 1, sizeof *fp);
    char (*types)[64] = calloc(s->nfields ? s->nfields : 1, sizeof *types);
    int rc = BSP_OK;
    if (!fields || !fp || !types) {
        rc = bsp_err(BSP_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (size_t i = 0; i < s->nfields; i++) {
        Lance__File__Field *f = &fields[i];
        lance__file__field__init(f);
        f->name = s->fields[i].name;
        f->has_id = s->fields[i].id != 0;
        f->id = s->fields[i].id;
        f->has_parent_id = true;
        f->parent_id = -1;
        f->logical_type = (char *)bsp_type_format(s->fields[i].type, types[i], sizeof types[i]);
        f->has_nullable = s->fields[i].nullable;
        f->nullable = s->fields[i].nullable;
        f->has_encoding = true;
        f->encoding = bsp_type_is_var(s->fields[i].type) ? LANCE__FILE__ENCODING__VAR_BINARY
                                                         : LANCE__FILE__ENCODING__PLAIN;
        fp[i] = f;
    }
    Lance__File__Schema schema = LANCE__FILE__SCHEMA__INIT;
    schema.n_fields = s->nfields;
    schema.fields = fp;
    Lance__File__FileDescriptor desc = LANCE__FILE__FILE_DESCRIPTOR__INIT;
    desc.schema = &schema;
    desc.has_length = rows != 0;
    desc.length = rows;
    size_t n = lance__file__file_descriptor__get_packed_size(&desc);
    out->p = malloc(n ? n : 1);
    if (!out->p) {
        rc = bsp_err(BSP_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    out->n = lance__file__file_descriptor__pack(&desc, out->p);
done:
    free(fields);
    free(fp);
    free(types);
    return rc;
}

/* ColumnMetadata: column encoding ColumnEncoding{values} and the pages. */
static int pack_column(const char *path, const col_out *co, pb *out)
{
    static const uint8_t col_enc_value[] = {0x0a, 0x00}; /* ColumnEncoding{values: Empty} */
    pb col_any = {0};
    pb_str(&col_any, 1, DF_URL_COLUMN, strlen(DF_URL_COLUMN));
    pb_str(&col_any, 2, col_enc_value, sizeof col_enc_value);

    size_t np = co->npages;
    Lance__File__V2__ColumnMetadata__Page *pages = calloc(np ? np : 1, sizeof *pages);
    Lance__File__V2__ColumnMetadata__Page **pp = calloc(np ? np : 1, sizeof *pp);
    Lance__File__V2__Encoding *encs = calloc(np + 1, sizeof *encs);
    Lance__File__V2__DirectEncoding *dirs = calloc(np + 1, sizeof *dirs);
    int rc = BSP_OK;
    if (!pages || !pp || !encs || !dirs || col_any.oom) {
        rc = bsp_err(BSP_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (size_t i = 0; i <= np; i++) {
        lance__file__v2__encoding__init(&encs[i]);
        lance__file__v2__direct_encoding__init(&dirs[i]);
        encs[i].location_case = LANCE__FILE__V2__ENCODING__LOCATION_DIRECT;
        encs[i].direct = &dirs[i];
        dirs[i].has_encoding = true;
    }
    dirs[np].encoding.data = col_any.p;
    dirs[np].encoding.len = col_any.n;
    for (size_t i = 0; i < np; i++) {
        page_out *po = &co->pages[i];
        Lance__File__V2__ColumnMetadata__Page *p = &pages[i];
        lance__file__v2__column_metadata__page__init(p);
        p->n_buffer_offsets = p->n_buffer_sizes = po->nbufs;
        p->buffer_offsets = po->offs;
        p->buffer_sizes = po->sizes;
        p->has_length = po->rows != 0;
        p->length = po->rows;
        dirs[i].encoding.data = po->any.p;
        dirs[i].encoding.len = po->any.n;
        p->encoding = &encs[i];
        pp[i] = p;
    }
    Lance__File__V2__ColumnMetadata cm = LANCE__FILE__V2__COLUMN_METADATA__INIT;
    cm.encoding = &encs[np];
    cm.n_pages = np;
    cm.pages = pp;
    size_t n = lance__file__v2__column_metadata__get_packed_size(&cm);
    out->p = malloc(n ? n : 1);
    if (!out->p) {
        rc = bsp_err(BSP_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    out->n = lance__file__v2__column_metadata__pack(&cm, out->p);
done:
    free(col_any.p);
    free(pages);
    free(pp);
    free(encs);
    free(dirs);
    return rc;
}

static int write_column(wout *w, const bsp_field *fd, const bsp_column *c, uint64_t page_bytes,
                        col_out *co)
{
    for (uint64_t r0 = 0; r0 < c->length;) {
        uint64_t n = page_rows(c, r0, page_bytes);
        if (co->npages == co->cap) {
            size_t cap = co->cap ? co->cap * 2 : 8;
            page_out *p = realloc(co->pages, cap * sizeof *p);
            if (!p) return bsp_err(BSP_ENOMEM, "%s: out of memory", w->path);
            co->pages = p;
            co->cap = cap;
        }
        page_out *pg = &co->pages[co->npages++];
        memset(pg, 0, sizeof *pg);
        pg->rows = n;
        int rc = bsp_type_is_var(c->type) ? write_var_page(w, c, r0, n, pg)
                                          : write_fixed_page(w, fd, c, r0, n, pg);
        if (rc) return rc;
        if (pg->any.oom) return bsp_err(BSP_ENOMEM, "%s: out of memory", w->path);
        r0 += n;
    }
    return BSP_OK;
}

static int write_all(wout *w, const bsp_schema *s, const bsp_batch *b, uint64_t page_bytes,
                     col_out *cols)
{
    int rc;
    for (size_t i = 0; i < b->ncols; i++)
        if ((rc = write_column(w, &s->fields[i], &b->cols[i], page_bytes, &cols[i]))) return rc;

    /* global buffer 0 */
    pb desc = {0};
    if ((rc = pack_descriptor(w->path, s, b->nrows, &desc))) return rc;
    uint64_t gb0_pos = w->pos, gb0_len = desc.n;
    rc = w_put(w, desc.p, desc.n);
    free(desc.p);
    if (rc) return rc;

    /* column metadata, then the CMO table */
    uint64_t cm_start = w->pos;
    size_t nc = b->ncols;
    uint8_t *cmo = malloc(16 * (nc ? nc : 1));
    if (!cmo) return bsp_err(BSP_ENOMEM, "%s: out of memory", w->path);
    for (size_t i = 0; i < nc && rc == BSP_OK; i++) {
        pb cm = {0};
        if ((rc = pack_column(w->path, &cols[i], &cm))) break;
        df_put64(cmo + 16 * i, w->pos);
        df_put64(cmo + 16 * i + 8, cm.n);
        rc = w_put(w, cm.p, cm.n);
        free(cm.p);
    }
    uint64_t cmo_start = w->pos;
    if (rc == BSP_OK) rc = w_put(w, cmo, 16 * nc);
    free(cmo);
    if (rc) return rc;

    /* GBO table and footer */
    uint8_t tail[16 + DF_FOOTER_LEN];
    uint64_t gbo_start = w->pos;
    df_put64(tail, gb0_pos);
    df_put64(tail + 8, gb0_len);
    uint8_t *ft = tail + 16;
    df_put64(ft, cm_start);
    df_put64(ft + 8, cmo_start);
    df_put64(ft + 16, gbo_start);
    df_put32(ft + 24, 1);
    df_put32(ft + 28, (uint32_t)nc);
    df_put16(ft + 32, DF_MAJOR);
    df_put16(ft + 34, DF_MINOR);
    memcpy(ft + 36, DF_MAGIC, 4);
    return w_put(w, tail, sizeof tail);
}

int datafile_write_ex(const char *path, const bsp_schema *schema, const bsp_batch *batch,
                      const datafile_write_opts *opts, uint64_t *file_size)
{
    int rc = check_input(path, schema, batch);
    if (rc) return rc;
    if (batch->ncols > UINT32_MAX) return bsp_err(BSP_EINVAL, "%s: too many columns", path);
    uint64_t page_bytes = opts && opts->page_bytes ? opts->page_bytes : DATAFILE_PAGE_BYTES;

    wout w;
    memset(&w, 0, sizeof w);
    w.path = path;
    w.buf = malloc(WBUF_CAP);
    col_out *cols = calloc(batch->ncols ? batch->ncols : 1, sizeof *cols);
    if (!w.buf || !cols) {
        free(w.buf);
        free(cols);
        return bsp_err(BSP_ENOMEM, "%s: out of memory", path);
    }
    if (io_exists(path)) {
        rc = bsp_err(BSP_EEXIST, "%s: already exists", path);
        goto out;
    }
    if ((rc = io_writer_open(&w.iw, path))) goto out;
    rc = write_all(&w, schema, batch, page_bytes, cols);
    if (rc == BSP_OK) rc = w_flush(&w);
    if (rc == BSP_OK)
        rc = io_writer_commit(&w.iw, 0); /* fsync, link (EEXIST if taken), fsync dir */
    else
        io_writer_abort(&w.iw);
    if (rc == BSP_OK && file_size) *file_size = w.pos;
out:
    for (size_t i = 0; i < batch->ncols; i++) {
        for (size_t p = 0; p < cols[i].npages; p++) free(cols[i].pages[p].any.p);
        free(cols[i].pages);
    }
    free(cols);
    free(w.buf);
    return rc;
}

int datafile_write(const char *path, const bsp_schema *schema, const bsp_batch *batch,
                   uint64_t *file_size)
{
    return datafile_write_ex(path, schema, batch, NULL, file_size);
}
