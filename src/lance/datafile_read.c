/* Lance file format 2.0 reader: footer, global buffer 0, column metadata (spec:
 * shared/spec/lance-format.md §3.1-3.2), and the fingerprint scan fast path.
 *
 * The one idea: all metadata sits at the end of the file, so open() reads the tail once
 * (64 KiB, or [min(GB0, column metadata), EOF) if that is larger), checks every offset and
 * size against the file before trusting it, and unpacks each page's encoding tree up front.
 * After that, reading a column only touches page buffers, with preads sized to the rows
 * asked for (datafile_decode.c). Version checks come first so that 2.1+ and legacy files
 * get a clear BSP_EUNSUPPORTED rather than a parse error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bindspace/error.h"
#include "lance/datafile_internal.h"
#include "util/error.h"
#include "wkt.pb-c.h"

#define TAIL_GUESS (64u << 10)
#define MAX_ENCODING_BYTES (64u << 10) /* bounds protobuf-c's recursion on nested encodings */
#define SCAN_CHUNK (4u << 20)

int df_read_at(const datafile *f, uint64_t off, void *dst, size_t len)
{
    uint64_t end;
    if (!df_add(off, len, &end) || end > f->size)
        return bsp_err(BSP_ECORRUPT, "%s: read of %zu bytes at %llu is past the end (%llu bytes)",
                       f->name, len, (unsigned long long)off, (unsigned long long)f->size);
    if (len == 0) return BSP_OK;
    if (f->fd < 0) {
        memcpy(dst, f->mem + off, len);
        return BSP_OK;
    }
    if (f->tail && off >= f->tail_start) {
        memcpy(dst, f->tail + (off - f->tail_start), len);
        return BSP_OK;
    }
    uint8_t *p = dst;
    while (len) {
        ssize_t k = pread(f->fd, p, len > (1u << 30) ? (1u << 30) : len, (off_t)off);
        if (k < 0) {
            if (errno == EINTR) continue;
            return bsp_err(BSP_EIO, "%s: read: %s", f->name, strerror(errno));
        }
        if (k == 0)
            return bsp_err(BSP_ECORRUPT, "%s: truncated (read at %llu hits end of file)", f->name,
                           (unsigned long long)off);
        p += k;
        off += (uint64_t)k;
        len -= (size_t)k;
    }
    return BSP_OK;
}

/* Pointer to bytes [off, off+len) of the metadata tail (memory-backed: the file). */
static const uint8_t *tail_ptr(const datafile *f, uint64_t off)
{
    return f->fd < 0 ? f->mem + off : f->tail + (off - f->tail_start);
}

/* Make sure [lo, size) is in memory (file-backed files). */
static int ensure_tail(datafile *f, uint64_t lo)
{
    if (f->fd < 0 || (f->tail && lo >= f->tail_start)) return BSP_OK;
    uint64_t n = f->size - lo;
    if (n > SIZE_MAX) return bsp_err(BSP_ENOMEM, "%s: metadata too large", f->name);
    uint8_t *t = malloc(n ? (size_t)n : 1);
    if (!t) return bsp_err(BSP_ENOMEM, "%s: out of memory reading %llu bytes of metadata",
                           f->name, (unsigned long long)n);
    free(f->tail);
    f->tail = NULL; /* so df_read_at preads */
    int rc = df_read_at(f, lo, t, (size_t)n);
    if (rc) {
        free(t);
        return rc;
    }
    f->tail = t;
    f->tail_start = lo;
    return BSP_OK;
}

static int check_range(const datafile *f, uint64_t off, uint64_t len, const char *what)
{
    uint64_t end;
    if (!df_add(off, len, &end) || end > f->size)
        return bsp_err(BSP_ECORRUPT, "%s: %s [%llu, +%llu) lies outside the file (%llu bytes)",
                       f->name, what, (unsigned long long)off, (unsigned long long)len,
                       (unsigned long long)f->size);
    return BSP_OK;
}

/* Split a serialized Any; type_url must end (after the last '/') with want. The 2.1+
 * encoding packages get BSP_EUNSUPPORTED. */
static int unpack_any(const datafile *f, const char *where, const ProtobufCBinaryData *bytes,
                      const char *want, Bsp__Wkt__Any **out)
{
    Bsp__Wkt__Any *any = bsp__wkt__any__unpack(NULL, bytes->len, bytes->data);
    if (!any) return bsp_err(BSP_ECORRUPT, "%s: %s: encoding does not decode (Any)", f->name, where);
    const char *url = any->type_url ? any->type_url : "";
    const char *slash = strrchr(url, '/');
    const char *tail = slash ? slash + 1 : url;
    if (strstr(url, "encodings21") || strstr(url, "PageLayout")) {
        int rc = bsp_err(BSP_EUNSUPPORTED,
                         "%s: %s uses Lance 2.1+ encoding \"%s\"; only file format 2.0 is supported",
                         f->name, where, url);
        bsp__wkt__any__free_unpacked(any, NULL);
        return rc;
    }
    if (strcmp(tail, want) != 0) {
        int rc = bsp_err(BSP_EUNSUPPORTED, "%s: %s has encoding type \"%s\", expected %s", f->name,
                         where, url, want);
        bsp__wkt__any__free_unpacked(any, NULL);
        return rc;
    }
    if (!any->has_value) any->value.len = 0;
    if (any->value.len > MAX_ENCODING_BYTES) {
        bsp__wkt__any__free_unpacked(any, NULL);
        return bsp_err(BSP_ECORRUPT, "%s: %s: encoding of %zu bytes is implausibly large", f->name,
                       where, any->value.len);
    }
    *out = any;
    return BSP_OK;
}

/* The DirectEncoding bytes of an Encoding (indirect / none / missing are rejected). */
static int direct_bytes(const datafile *f, const char *where, const Lance__File__V2__Encoding *e,
                        const ProtobufCBinaryData **out)
{
    if (!e) return bsp_err(BSP_ECORRUPT, "%s: %s has no encoding", f->name, where);
    switch (e->location_case) {
    case LANCE__FILE__V2__ENCODING__LOCATION_DIRECT:
        if (!e->direct->has_encoding)
            return bsp_err(BSP_ECORRUPT, "%s: %s has an empty encoding", f->name, where);
        *out = &e->direct->encoding;
        return BSP_OK;
    case LANCE__FILE__V2__ENCODING__LOCATION_INDIRECT:
        return bsp_err(BSP_EUNSUPPORTED, "%s: %s uses a deferred (indirect) encoding", f->name, where);
    default:
        return bsp_err(BSP_ECORRUPT, "%s: %s has no encoding", f->name, where);
    }
}

static int parse_column(datafile *f, uint32_t c, uint64_t pos, uint64_t len)
{
    df_column *col = &f->cols[c];
    char where[64];
    col->meta = lance__file__v2__column_metadata__unpack(NULL, (size_t)len, tail_ptr(f, pos));
    if (!col->meta)
        return bsp_err(BSP_ECORRUPT, "%s: column %u metadata does not decode", f->name, c);

    /* column encoding: ColumnEncoding{values} */
    snprintf(where, sizeof where, "column %u", c);
    const ProtobufCBinaryData *bytes;
    Bsp__Wkt__Any *any;
    int rc = direct_bytes(f, where, col->meta->encoding, &bytes);
    if (rc == BSP_OK) rc = unpack_any(f, where, bytes, "lance.encodings.ColumnEncoding", &any);
    if (rc) return rc;
    Lance__Encodings__ColumnEncoding *ce =
        lance__encodings__column_encoding__unpack(NULL, any->value.len, any->value.data);
    bsp__wkt__any__free_unpacked(any, NULL);
    if (!ce) return bsp_err(BSP_ECORRUPT, "%s: column %u: column encoding does not decode", f->name, c);
    int cc = ce->column_encoding_case;
    lance__encodings__column_encoding__free_unpacked(ce, NULL);
    if (cc != LANCE__ENCODINGS__COLUMN_ENCODING__COLUMN_ENCODING_VALUES)
        return bsp_err(BSP_EUNSUPPORTED, "%s: column %u: column encoding %s is not supported",
                       f->name, c,
                       cc == LANCE__ENCODINGS__COLUMN_ENCODING__COLUMN_ENCODING_ZONE_INDEX ? "zone_index"
                       : cc == LANCE__ENCODINGS__COLUMN_ENCODING__COLUMN_ENCODING_BLOB ? "blob (blob column)"
                                                                                        : "(unknown)");

    col->npages = col->meta->n_pages;
    col->pages = calloc(col->npages ? col->npages : 1, sizeof *col->pages);
    if (!col->pages) return bsp_err(BSP_ENOMEM, "%s: out of memory", f->name);
    uint64_t row = 0;
    for (size_t p = 0; p < col->npages; p++) {
        const Lance__File__V2__ColumnMetadata__Page *mp = col->meta->pages[p];
        df_page *pg = &col->pages[p];
        snprintf(where, sizeof where, "column %u page %zu", c, p);
        if (mp->n_buffer_offsets != mp->n_buffer_sizes)
            return bsp_err(BSP_ECORRUPT, "%s: %s lists %zu buffer offsets but %zu sizes", f->name,
                           where, mp->n_buffer_offsets, mp->n_buffer_sizes);
        for (size_t b = 0; b < mp->n_buffer_offsets; b++) {
            char what[96];
            snprintf(what, sizeof what, "%s buffer %zu", where, b);
            if ((rc = check_range(f, mp->buffer_offsets[b], mp->buffer_sizes[b], what))) return rc;
        }
        pg->nbufs = mp->n_buffer_offsets;
        pg->buf_off = mp->buffer_offsets;
        pg->buf_size = mp->buffer_sizes;
        pg->rows = mp->has_length ? mp->length : 0;
        pg->first_row = row;
        if (!df_add(row, pg->rows, &row))
            return bsp_err(BSP_ECORRUPT, "%s: %s: row count overflows", f->name, where);
        if ((rc = direct_bytes(f, where, mp->encoding, &bytes))) return rc;
        if ((rc = unpack_any(f, where, bytes, "lance.encodings.ArrayEncoding", &any))) return rc;
        pg->enc = lance__encodings__array_encoding__unpack(NULL, any->value.len, any->value.data);
        bsp__wkt__any__free_unpacked(any, NULL);
        if (!pg->enc)
            return bsp_err(BSP_ECORRUPT, "%s: %s: page encoding does not decode", f->name, where);
    }
    col->rows = row;
    return BSP_OK;
}

static int parse(datafile *f)
{
    int rc;
    if (f->size < 8)
        return bsp_err(BSP_ECORRUPT, "%s: %llu bytes is too small for a Lance file", f->name,
                       (unsigned long long)f->size);
    uint64_t guess = f->size < TAIL_GUESS ? f->size : TAIL_GUESS;
    if ((rc = ensure_tail(f, f->size - guess))) return rc;
    const uint8_t *end = tail_ptr(f, f->size - 8);
    if (memcmp(end + 4, DF_MAGIC, 4) != 0)
        return bsp_err(BSP_ECORRUPT, "%s: not a Lance file (no LANC magic at the end)", f->name);
    f->major = df_le16(end);
    f->minor = df_le16(end + 2);
    /* (0,3) is how 2.0 is written; (2,0) also means 2.0 (spec §3.1) */
    if (f->major == 0 && (f->minor == 1 || f->minor == 2))
        return bsp_err(BSP_EUNSUPPORTED,
                       "%s: legacy Lance file format 0.1 (footer version %u.%u) is not supported; "
                       "only 2.0",
                       f->name, f->major, f->minor);
    if (f->major == 2 && f->minor >= 1)
        return bsp_err(BSP_EUNSUPPORTED,
                       "%s: Lance file format 2.%u is not supported (only 2.0; create tables with "
                       "data storage version 2.0)",
                       f->name, f->minor);
    if (!((f->major == 0 && f->minor == 3) || (f->major == 2 && f->minor == 0)))
        return bsp_err(BSP_EUNSUPPORTED, "%s: unknown Lance file version %u.%u", f->name, f->major,
                       f->minor);
    if (f->size < DF_FOOTER_LEN)
        return bsp_err(BSP_ECORRUPT, "%s: %llu bytes is too small for a 2.0 footer", f->name,
                       (unsigned long long)f->size);

    const uint8_t *ft = tail_ptr(f, f->size - DF_FOOTER_LEN);
    uint64_t cm_start = df_le64(ft), cmo_start = df_le64(ft + 8), gbo_start = df_le64(ft + 16);
    uint32_t ngb = df_le32(ft + 24);
    f->ncols = df_le32(ft + 28);
    uint64_t body = f->size - DF_FOOTER_LEN, gbo_end, cmo_end;
    if (!df_add(gbo_start, 16ull * ngb, &gbo_end) || gbo_end > body)
        return bsp_err(BSP_ECORRUPT, "%s: global buffer table (%u entries at %llu) overlaps the footer",
                       f->name, ngb, (unsigned long long)gbo_start);
    if (!df_add(cmo_start, 16ull * f->ncols, &cmo_end) || cmo_end > gbo_start)
        return bsp_err(BSP_ECORRUPT,
                       "%s: column metadata offset table (%u columns at %llu) overlaps the global "
                       "buffer table at %llu",
                       f->name, f->ncols, (unsigned long long)cmo_start,
                       (unsigned long long)gbo_start);
    if (cm_start > cmo_start)
        return bsp_err(BSP_ECORRUPT, "%s: column metadata starts (%llu) after its offset table (%llu)",
                       f->name, (unsigned long long)cm_start, (unsigned long long)cmo_start);
    if (ngb < 1)
        return bsp_err(BSP_ECORRUPT, "%s: no global buffers (the schema is missing)", f->name);

    if ((rc = ensure_tail(f, cm_start))) return rc;
    const uint8_t *gbo = tail_ptr(f, gbo_start);
    uint64_t gb0_pos = df_le64(gbo), gb0_len = df_le64(gbo + 8);
    if ((rc = check_range(f, gb0_pos, gb0_len, "global buffer 0"))) return rc;
    if (gb0_len > (256u << 20))
        return bsp_err(BSP_ECORRUPT, "%s: global buffer 0 of %llu bytes is implausibly large",
                       f->name, (unsigned long long)gb0_len);
    if ((rc = ensure_tail(f, gb0_pos))) return rc;
    f->desc = lance__file__file_descriptor__unpack(NULL, (size_t)gb0_len, tail_ptr(f, gb0_pos));
    if (!f->desc)
        return bsp_err(BSP_ECORRUPT, "%s: file descriptor (global buffer 0) does not decode", f->name);
    if (!f->desc->schema)
        return bsp_err(BSP_ECORRUPT, "%s: file descriptor has no schema", f->name);
    f->rows = f->desc->has_length ? f->desc->length : 0;

    /* re-fetch: ensure_tail may have moved the tail */
    const uint8_t *cmo = tail_ptr(f, cmo_start);
    f->cols = calloc(f->ncols ? f->ncols : 1, sizeof *f->cols);
    if (!f->cols) return bsp_err(BSP_ENOMEM, "%s: out of memory", f->name);
    for (uint32_t c = 0; c < f->ncols; c++) {
        uint64_t pos = df_le64(cmo + 16 * (uint64_t)c), len = df_le64(cmo + 16 * (uint64_t)c + 8);
        uint64_t e;
        if (pos < cm_start || !df_add(pos, len, &e) || e > cmo_start)
            return bsp_err(BSP_ECORRUPT,
                           "%s: column %u metadata [%llu, +%llu) lies outside the column "
                           "metadata section [%llu, %llu)",
                           f->name, c, (unsigned long long)pos, (unsigned long long)len,
                           (unsigned long long)cm_start, (unsigned long long)cmo_start);
        if ((rc = parse_column(f, c, pos, len))) return rc;
    }
    return BSP_OK;
}

static int finish_open(datafile *f, datafile **out)
{
    int rc = parse(f);
    if (rc) {
        datafile_close(f);
        return rc;
    }
    *out = f;
    return BSP_OK;
}

int datafile_open(const char *path, uint64_t file_size, datafile **out)
{
    *out = NULL;
    datafile *f = calloc(1, sizeof *f);
    if (!f || !(f->name = strdup(path))) {
        free(f);
        return bsp_err(BSP_ENOMEM, "%s: out of memory", path);
    }
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        int e = errno;
        datafile_close(f);
        return bsp_err(e == ENOENT ? BSP_ENOTFOUND : BSP_EIO, "%s: open: %s", path, strerror(e));
    }
    if (file_size == 0) {
        struct stat st;
        if (fstat(f->fd, &st) != 0) {
            int e = errno;
            datafile_close(f);
            return bsp_err(BSP_EIO, "%s: stat: %s", path, strerror(e));
        }
        file_size = (uint64_t)st.st_size;
    }
    f->size = file_size;
    return finish_open(f, out);
}

int datafile_open_mem(const char *name, const uint8_t *buf, size_t len, datafile **out)
{
    *out = NULL;
    datafile *f = calloc(1, sizeof *f);
    if (!f || !(f->name = strdup(name ? name : "(memory)"))) {
        free(f);
        return bsp_err(BSP_ENOMEM, "out of memory");
    }
    f->fd = -1;
    f->mem = buf;
    f->size = len;
    return finish_open(f, out);
}

void datafile_close(datafile *f)
{
    if (!f) return;
    for (uint32_t c = 0; f->cols && c < f->ncols; c++) {
        df_column *col = &f->cols[c];
        for (size_t p = 0; col->pages && p < col->npages; p++)
            if (col->pages[p].enc) lance__encodings__array_encoding__free_unpacked(col->pages[p].enc, NULL);
        free(col->pages);
        if (col->meta) lance__file__v2__column_metadata__free_unpacked(col->meta, NULL);
    }
    free(f->cols);
    if (f->desc) lance__file__file_descriptor__free_unpacked(f->desc, NULL);
    if (f->fd >= 0) close(f->fd);
    free(f->tail);
    free(f->name);
    free(f);
}

uint64_t datafile_rows(const datafile *f) { return f->rows; }
uint32_t datafile_ncolumns(const datafile *f) { return f->ncols; }

uint32_t datafile_column_pages(const datafile *f, uint32_t column)
{
    return column < f->ncols ? (uint32_t)f->cols[column].npages : 0;
}

int datafile_schema(const datafile *f, bsp_schema *out)
{
    const Lance__File__Schema *s = f->desc->schema;
    bsp_schema r = {0, NULL};
    r.fields = calloc(s->n_fields ? s->n_fields : 1, sizeof *r.fields);
    if (!r.fields) return bsp_err(BSP_ENOMEM, "%s: out of memory", f->name);
    for (size_t i = 0; i < s->n_fields; i++) {
        const Lance__File__Field *fd = s->fields[i];
        if (fd->has_parent_id && fd->parent_id != -1) {
            bsp_schema_free(&r);
            return bsp_err(BSP_EUNSUPPORTED, "%s: field \"%s\" is nested (parent %d)", f->name,
                           fd->name ? fd->name : "", fd->parent_id);
        }
        bsp_field *o = &r.fields[r.nfields];
        int rc = bsp_type_parse(fd->logical_type ? fd->logical_type : "", &o->type);
        if (rc) {
            bsp_schema_free(&r);
            return bsp_err_prefix(rc, "%s: field \"%s\"", f->name, fd->name ? fd->name : "");
        }
        o->name = strdup(fd->name ? fd->name : "");
        if (!o->name) {
            bsp_schema_free(&r);
            return bsp_err(BSP_ENOMEM, "%s: out of memory", f->name);
        }
        o->nullable = fd->has_nullable && fd->nullable;
        o->id = fd->has_id ? fd->id : 0;
        r.nfields++;
    }
    *out = r;
    return BSP_OK;
}

int datafile_read_column(datafile *f, uint32_t column, bsp_type type, uint64_t row_start,
                         uint64_t nrows, bsp_column *out)
{
    memset(out, 0, sizeof *out);
    if (column >= f->ncols)
        return bsp_err(BSP_EINVAL, "%s: column %u does not exist (%u columns)", f->name, column,
                       f->ncols);
    const df_column *col = &f->cols[column];
    if (col->rows != f->rows)
        return bsp_err(BSP_ECORRUPT, "%s: column %u has %llu rows in its pages, the file has %llu",
                       f->name, column, (unsigned long long)col->rows, (unsigned long long)f->rows);
    uint64_t end;
    if (!df_add(row_start, nrows, &end) || end > f->rows)
        return bsp_err(BSP_ERANGE, "%s: rows [%llu, +%llu) are outside the file's %llu rows",
                       f->name, (unsigned long long)row_start, (unsigned long long)nrows,
                       (unsigned long long)f->rows);
    if (type.id == BSP_T_INVALID || (bsp_type_width(type) == 0 && type.id != BSP_T_BOOL &&
                                     !bsp_type_is_var(type)))
        return bsp_err(BSP_EINVAL, "%s: column %u: invalid target type", f->name, column);
    return df_decode_column(f, column, type, row_start, nrows, out);
}

/* The buffer holding a page's values if the page is a plain fixed-width encoding without
 * nulls of dim bytes per row: [NN](Flat(8·dim)) or [NN](FSL{d, [NN](Flat(b))}), d·b = 8·dim. */
static const Lance__Encodings__Buffer *plain_fixed_buffer(const Lance__Encodings__ArrayEncoding *e,
                                                          uint64_t bits)
{
    for (int depth = 0; e && depth < 8; depth++) {
        switch (e->array_encoding_case) {
        case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE:
            if (e->nullable->nullability_case != LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS)
                return NULL;
            e = e->nullable->no_nulls->values;
            break;
        case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FIXED_SIZE_LIST: {
            const Lance__Encodings__FixedSizeList *l = e->fixed_size_list;
            if (!l->has_dimension || l->dimension == 0 || (l->has_has_validity && l->has_validity) ||
                bits % l->dimension)
                return NULL;
            bits /= l->dimension;
            e = l->items;
            break;
        }
        case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT: {
            const Lance__Encodings__Flat *fl = e->flat;
            if (fl->compression || !fl->buffer || fl->bits_per_value != bits) return NULL;
            if (fl->buffer->has_buffer_type &&
                fl->buffer->buffer_type != LANCE__ENCODINGS__BUFFER__BUFFER_TYPE__page)
                return NULL;
            return fl->buffer;
        }
        default:
            return NULL;
        }
    }
    return NULL;
}

int datafile_fixed_extent(const datafile *f, uint32_t column, uint32_t dim, uint64_t *off)
{
    if (column >= f->ncols || dim == 0)
        return bsp_err(BSP_EINVAL, "%s: column %u / dimension %u out of range", f->name, column, dim);
    const df_column *col = &f->cols[column];
    if (col->rows != f->rows)
        return bsp_err(BSP_ECORRUPT, "%s: column %u has %llu rows, the file %llu", f->name, column,
                       (unsigned long long)col->rows, (unsigned long long)f->rows);
    uint64_t next = 0, row = 0;
    bool first = true;
    for (size_t p = 0; p < col->npages; p++) {
        const df_page *pg = &col->pages[p];
        if (pg->rows == 0) continue;
        const Lance__Encodings__Buffer *lb = plain_fixed_buffer(pg->enc, 8ull * dim);
        if (!lb || pg->first_row != row)
            return bsp_err(BSP_EUNSUPPORTED, "%s: column %u page %zu is not a plain run", f->name, column, p);
        uint32_t bi = lb->has_buffer_index ? lb->buffer_index : 0;
        uint64_t need, end;
        if (bi >= pg->nbufs || !df_mul(pg->rows, dim, &need) || pg->buf_size[bi] < need ||
            !df_add(pg->buf_off[bi], need, &end) || end > f->size)
            return bsp_err(BSP_ECORRUPT, "%s: column %u page %zu: values buffer does not hold %llu rows of %u bytes",
                           f->name, column, p, (unsigned long long)pg->rows, dim);
        if (first) *off = pg->buf_off[bi];
        else if (pg->buf_off[bi] != next)
            return bsp_err(BSP_EUNSUPPORTED, "%s: column %u page %zu does not follow the previous one", f->name,
                           column, p);
        first = false;
        next = end;
        row += pg->rows;
    }
    if (first) *off = 0; /* no rows */
    return BSP_OK;
}

int datafile_scan_fixed(datafile *f, uint32_t column, uint32_t dim, uint64_t row_start,
                        uint64_t nrows, datafile_fixed_fn fn, void *ctx)
{
    if (column >= f->ncols)
        return bsp_err(BSP_EINVAL, "%s: column %u does not exist (%u columns)", f->name, column,
                       f->ncols);
    if (dim == 0) return bsp_err(BSP_EINVAL, "%s: scan with dimension 0", f->name);
    const df_column *col = &f->cols[column];
    uint64_t end;
    if (!df_add(row_start, nrows, &end) || end > col->rows || col->rows != f->rows)
        return bsp_err(col->rows != f->rows ? BSP_ECORRUPT : BSP_ERANGE,
                       "%s: column %u: rows [%llu, +%llu) are outside its %llu rows (file %llu)",
                       f->name, column, (unsigned long long)row_start, (unsigned long long)nrows,
                       (unsigned long long)col->rows, (unsigned long long)f->rows);
    uint8_t *buf = NULL;
    size_t chunk_rows = SCAN_CHUNK / dim ? SCAN_CHUNK / dim : 1;
    int rc = BSP_OK;
    /* first page holding row_start */
    size_t p = 0, lo = 0, hi = col->npages;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (col->pages[mid].first_row + col->pages[mid].rows <= row_start)
            lo = mid + 1;
        else
            hi = mid;
    }
    p = lo;
    for (uint64_t row = row_start; row < end && rc == BSP_OK; p++) {
        if (p >= col->npages) {
            rc = bsp_err(BSP_ECORRUPT, "%s: column %u: pages end before row %llu", f->name, column,
                         (unsigned long long)row);
            break;
        }
        const df_page *pg = &col->pages[p];
        if (pg->rows == 0) continue;
        uint64_t a = row - pg->first_row;
        uint64_t b = (end < pg->first_row + pg->rows ? end : pg->first_row + pg->rows) - pg->first_row;
        const Lance__Encodings__Buffer *lb = plain_fixed_buffer(pg->enc, 8ull * dim);
        if (!lb) { /* nulls or an unusual encoding: decode, null rows become zeros */
            bsp_column tmp;
            rc = datafile_read_column(f, column, (bsp_type){BSP_T_FIXED_BINARY, dim},
                                      pg->first_row + a, b - a, &tmp);
            if (rc) break;
            for (uint64_t r = 0; tmp.validity && r < tmp.length; r++)
                if (!bsp_column_is_valid(&tmp, r)) memset(tmp.data + r * dim, 0, dim);
            rc = fn(ctx, pg->first_row + a, b - a, tmp.data);
            bsp_column_free(&tmp);
            row = pg->first_row + b;
            continue;
        }
        uint32_t bi = lb->has_buffer_index ? lb->buffer_index : 0;
        uint64_t need;
        if (bi >= pg->nbufs || !df_mul(pg->rows, dim, &need) || pg->buf_size[bi] < need) {
            rc = bsp_err(BSP_ECORRUPT,
                         "%s: column %u page %zu: values buffer is smaller than %llu rows of %u bytes",
                         f->name, column, p, (unsigned long long)pg->rows, dim);
            break;
        }
        uint64_t base = pg->buf_off[bi];
        if (f->fd < 0) {
            rc = fn(ctx, pg->first_row + a, b - a, f->mem + base + a * dim);
        } else {
            if (!buf) {
                uint64_t want = (end - row) < chunk_rows ? (end - row) : chunk_rows;
                buf = malloc((size_t)(want * dim));
                if (!buf) {
                    rc = bsp_err(BSP_ENOMEM, "%s: out of memory", f->name);
                    break;
                }
                if (want < chunk_rows) chunk_rows = (size_t)want;
            }
            for (uint64_t r = a; r < b && rc == BSP_OK;) {
                uint64_t n = b - r < chunk_rows ? b - r : chunk_rows;
                rc = df_read_at(f, base + r * dim, buf, (size_t)(n * dim));
                if (rc == BSP_OK && r + n < b) {
                    /* start the kernel on the next chunk while fn works on this one */
                    uint64_t m = b - (r + n) < chunk_rows ? b - (r + n) : chunk_rows;
                    posix_fadvise(f->fd, (off_t)(base + (r + n) * dim), (off_t)(m * dim),
                                  POSIX_FADV_WILLNEED);
                }
                if (rc == BSP_OK) rc = fn(ctx, pg->first_row + r, n, buf);
                r += n;
            }
        }
        row = pg->first_row + b;
    }
    free(buf);
    return rc;
}
