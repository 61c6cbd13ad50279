/* Arrow IPC file reader for Lance `.arrow` deletion files (spec §4.1; see arrow_ipc.h).
 *
 * The one idea: an IPC file is "ARROW1\0\0", encapsulated messages, a Footer flatbuffer, its
 * i32 length and "ARROW1". The footer lists the record-batch blocks {offset, metadata length,
 * body length}; each block holds a Message flatbuffer (RecordBatch header: row count, field
 * nodes, buffers, optional BodyCompression) followed by the body. Flatbuffers are read by
 * hand here: a table is an i32 back-offset to its vtable of u16 field offsets; references are
 * u32 forward offsets. Every read is checked against the region it belongs to (the footer,
 * or one message's metadata), so no input can make us read outside the file.
 *
 * Field numbers (format/File.fbs, Message.fbs, Schema.fbs):
 *   Footer{0 version:short, 1 schema:Schema, 2 dictionaries:[Block], 3 recordBatches:[Block]}
 *   Block{offset:long, metaDataLength:int, (pad), bodyLength:long} = 24 bytes
 *   Schema{0 endianness:short, 1 fields:[Field]}
 *   Field{0 name:string, 1 nullable:bool, 2 type_type:ubyte, 3 type, 4 dictionary, 5 children}
 *   Int{0 bitWidth:int, 1 is_signed:bool}; Type union: Int = 2
 *   Message{0 version:short, 1 header_type:ubyte, 2 header, 3 bodyLength:long}; RecordBatch = 3
 *   RecordBatch{0 length:long, 1 nodes:[FieldNode{length,null_count}], 2 buffers:[Buffer
 *               {offset,length}], 3 compression:BodyCompression}
 *   BodyCompression{0 codec:byte (LZ4_FRAME = 0 default, ZSTD = 1), 1 method:byte (BUFFER = 0)}
 * A compressed buffer is i64 uncompressed length (-1 = stored raw) + one zstd frame. */
#include "lance/arrow_ipc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "util/error.h"

#define MAX_ROWS ((uint64_t)1 << 32) /* row offsets are u32: no more distinct values exist */
#define DECLARED_SLACK 64            /* allowed padding in a compressed buffer's length */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* ---- flatbuffers over one region ------------------------------------------------------ */

typedef struct fb {
    const uint8_t *p; /* region start */
    size_t n;         /* region length */
    const char *name; /* file name, for messages */
    const char *what; /* "footer", "record batch 0 message" */
} fb;

typedef struct fbt {
    size_t t;       /* table start within the region */
    size_t vt;      /* vtable start */
    uint16_t vsize; /* vtable bytes */
    uint16_t tsize; /* table inline bytes */
} fbt;

#define FB_BAD(b, ...) fb_bad_((b), __VA_ARGS__)
static int fb_bad_(const fb *b, const char *fmt, const char *arg)
{
    char msg[160];
    snprintf(msg, sizeof msg, fmt, arg);
    return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: %s", b->name, b->what, msg);
}

static int fb_table(const fb *b, size_t pos, fbt *out, const char *tname)
{
    if (pos > b->n || b->n - pos < 4) return FB_BAD(b, "%s table is out of bounds", tname);
    int64_t vt = (int64_t)pos - (int64_t)(int32_t)rd32(b->p + pos);
    if (vt < 0 || (uint64_t)vt > b->n - 4) return FB_BAD(b, "%s vtable is out of bounds", tname);
    out->t = pos;
    out->vt = (size_t)vt;
    out->vsize = rd16(b->p + out->vt);
    out->tsize = rd16(b->p + out->vt + 2);
    if (out->vsize < 4 || (out->vsize & 1) || out->vsize > b->n - out->vt)
        return FB_BAD(b, "%s vtable has a bad size", tname);
    if (out->tsize < 4 || out->tsize > b->n - pos)
        return FB_BAD(b, "%s table has a bad size", tname);
    return BSP_OK;
}

/* Position of field idx (width bytes) in the table: 1 present, 0 absent, < 0 error. */
static int fb_field(const fb *b, const fbt *t, unsigned idx, size_t width, size_t *pos)
{
    size_t v = 4 + 2 * (size_t)idx;
    if (v + 2 > t->vsize) return 0;
    uint16_t off = rd16(b->p + t->vt + v);
    if (off == 0) return 0;
    if (off < 4 || (size_t)off + width > t->tsize)
        return FB_BAD(b, "%s", "a field lies outside its table");
    *pos = t->t + off;
    return 1;
}

static int fb_scalar(const fb *b, const fbt *t, unsigned idx, size_t width, uint64_t dflt,
                     uint64_t *out)
{
    size_t pos = 0;
    int r = fb_field(b, t, idx, width, &pos);
    if (r < 0) return r;
    if (r == 0) {
        *out = dflt;
        return BSP_OK;
    }
    switch (width) {
    case 1: *out = b->p[pos]; break;
    case 2: *out = rd16(b->p + pos); break;
    case 4: *out = rd32(b->p + pos); break;
    default: *out = rd64(b->p + pos); break;
    }
    return BSP_OK;
}

/* Follow the u32 reference in field idx: 1 present (*target set), 0 absent, < 0 error. */
static int fb_ref(const fb *b, const fbt *t, unsigned idx, size_t *target)
{
    size_t pos = 0;
    int r = fb_field(b, t, idx, 4, &pos);
    if (r <= 0) return r;
    uint64_t to = (uint64_t)pos + rd32(b->p + pos);
    if (to >= b->n) return FB_BAD(b, "%s", "a reference points outside the buffer");
    *target = (size_t)to;
    return 1;
}

/* Vector field: *start = first element, *count elements of elem bytes. Absent = empty. */
static int fb_vector(const fb *b, const fbt *t, unsigned idx, size_t elem, size_t *start,
                     uint32_t *count)
{
    size_t v;
    int r = fb_ref(b, t, idx, &v);
    *count = 0;
    *start = 0;
    if (r <= 0) return r;
    if (b->n - v < 4) return FB_BAD(b, "%s", "a vector is out of bounds");
    uint32_t c = rd32(b->p + v);
    if ((uint64_t)c * elem > b->n - v - 4) return FB_BAD(b, "%s", "a vector is out of bounds");
    *start = v + 4;
    *count = c;
    return BSP_OK;
}

/* Table referenced from a vector slot (offset vectors hold u32 relative offsets). */
static int fb_vec_table(const fb *b, size_t slot, fbt *out, const char *tname)
{
    uint64_t to = (uint64_t)slot + rd32(b->p + slot);
    if (to >= b->n) return FB_BAD(b, "%s reference points outside the buffer", tname);
    return fb_table(b, (size_t)to, out, tname);
}

/* ---- schema: exactly one field `field_name: uint32 not null` -------------------------- */

static int check_schema(const fb *b, const fbt *footer, const char *field_name)
{
    size_t pos = 0;
    int r = fb_ref(b, footer, 1, &pos);
    if (r < 0) return r;
    if (r == 0) return FB_BAD(b, "%s", "footer has no schema");
    fbt schema, field, type;
    int rc = fb_table(b, pos, &schema, "Schema");
    if (rc) return rc;
    uint64_t endianness;
    if ((rc = fb_scalar(b, &schema, 0, 2, 0, &endianness))) return rc;
    if (endianness != 0) return FB_BAD(b, "%s", "schema is big-endian");
    size_t fstart;
    uint32_t nfields;
    if ((rc = fb_vector(b, &schema, 1, 4, &fstart, &nfields))) return rc;
    if (nfields != 1) {
        char m[64];
        snprintf(m, sizeof m, "schema has %u fields, want exactly 1", nfields);
        return FB_BAD(b, "%s", m);
    }
    if ((rc = fb_vec_table(b, fstart, &field, "Field"))) return rc;

    size_t s;
    r = fb_ref(b, &field, 0, &s);
    if (r < 0) return r;
    size_t want = strlen(field_name);
    if (r == 0 || b->n - s < 4 || rd32(b->p + s) > b->n - s - 4 || rd32(b->p + s) != want ||
        memcmp(b->p + s + 4, field_name, want) != 0) {
        char m[96];
        snprintf(m, sizeof m, "schema field is not named \"%s\"", field_name);
        return FB_BAD(b, "%s", m);
    }
    uint64_t nullable, type_type;
    if ((rc = fb_scalar(b, &field, 1, 1, 0, &nullable))) return rc;
    if (nullable) return FB_BAD(b, "field %s is nullable, want non-nullable", field_name);
    if ((rc = fb_scalar(b, &field, 2, 1, 0, &type_type))) return rc;
    if (type_type != 2) return FB_BAD(b, "field %s is not an integer type", field_name);
    r = fb_ref(b, &field, 3, &pos);
    if (r < 0) return r;
    if (r == 0) return FB_BAD(b, "field %s has no type table", field_name);
    if ((rc = fb_table(b, pos, &type, "Int"))) return rc;
    uint64_t bits, is_signed;
    if ((rc = fb_scalar(b, &type, 0, 4, 0, &bits))) return rc;
    if ((rc = fb_scalar(b, &type, 1, 1, 0, &is_signed))) return rc;
    if (bits != 32 || is_signed) return FB_BAD(b, "field %s is not uint32", field_name);
    r = fb_ref(b, &field, 4, &pos);
    if (r < 0) return r;
    if (r) return FB_BAD(b, "field %s is dictionary-encoded", field_name);
    uint32_t nchildren;
    if ((rc = fb_vector(b, &field, 5, 4, &pos, &nchildren))) return rc;
    if (nchildren) return FB_BAD(b, "field %s has child fields", field_name);
    return BSP_OK;
}

/* ---- buffers: raw or one zstd frame, streamed to a sink ---------------------------------- */

typedef int (*sink_fn)(void *ctx, const uint8_t *p, size_t n);

typedef struct ipc {
    const char *name;
    uint8_t chunk[65536];
} ipc;

/* One decompression context per thread, created on first use and kept: creating one costs
 * about as much as decoding a small deletion file. */
static _Thread_local ZSTD_DCtx *tl_dctx;

static int deliver_raw(const ipc *c, const char *what, const uint8_t *p, uint64_t n,
                       uint64_t need, sink_fn sink, void *sctx)
{
    if (n < need)
        return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s holds %llu bytes, needs %llu", c->name,
                       what, (unsigned long long)n, (unsigned long long)need);
    return need ? sink(sctx, p, (size_t)need) : BSP_OK;
}

/* Deliver the first `need` bytes of buffer p[0..n) (the whole buffer's content is checked). */
static int read_buffer(ipc *c, const char *what, const uint8_t *p, uint64_t n, bool compressed,
                       uint64_t need, sink_fn sink, void *sctx)
{
    if (!compressed || n == 0) return deliver_raw(c, what, p, n, need, sink, sctx);
    if (n < 8)
        return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: compressed buffer of %llu bytes lacks its length prefix",
                       c->name, what, (unsigned long long)n);
    int64_t declared = (int64_t)rd64(p);
    p += 8;
    n -= 8;
    if (declared == -1) return deliver_raw(c, what, p, n, need, sink, sctx);
    if (declared < 0 || (uint64_t)declared < need || (uint64_t)declared - need > DECLARED_SLACK)
        return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: uncompressed length %lld does not fit %llu needed bytes",
                       c->name, what, (long long)declared, (unsigned long long)need);
    if (!tl_dctx && !(tl_dctx = ZSTD_createDCtx()))
        return bsp_err(BSP_ENOMEM, "%s: out of memory for zstd", c->name);
    if ((uint64_t)declared <= sizeof c->chunk) { /* the usual case: one call, no window buffer */
        size_t got = ZSTD_decompressDCtx(tl_dctx, c->chunk, (size_t)declared, p, (size_t)n);
        if (ZSTD_isError(got))
            return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: zstd: %s", c->name, what,
                           ZSTD_getErrorName(got));
        if (got != (uint64_t)declared)
            return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: zstd data holds %zu bytes, declared %lld",
                           c->name, what, got, (long long)declared);
        return need ? sink(sctx, c->chunk, (size_t)need) : BSP_OK;
    }
    ZSTD_DCtx_reset(tl_dctx, ZSTD_reset_session_only);
    ZSTD_inBuffer in = {p, (size_t)n, 0};
    uint64_t total = 0;
    for (;;) {
        ZSTD_outBuffer out = {c->chunk, sizeof c->chunk, 0};
        size_t ret = ZSTD_decompressStream(tl_dctx, &out, &in);
        if (ZSTD_isError(ret))
            return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: zstd: %s", c->name, what,
                           ZSTD_getErrorName(ret));
        if (out.pos > (uint64_t)declared - total)
            return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: zstd data inflates past its declared %lld bytes",
                           c->name, what, (long long)declared);
        if (total < need && out.pos) {
            uint64_t take = need - total < out.pos ? need - total : out.pos;
            int rc = sink(sctx, c->chunk, (size_t)take);
            if (rc) return rc;
        }
        total += out.pos;
        if (ret == 0 && in.pos == in.size) break; /* last frame complete */
        if (ret != 0 && in.pos == in.size && out.pos < out.size)
            return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: zstd frame is truncated", c->name, what);
    }
    if (total != (uint64_t)declared)
        return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: zstd data holds %llu bytes, declared %lld",
                       c->name, what, (unsigned long long)total, (long long)declared);
    return BSP_OK;
}

/* Validity sink: the first `rows` bits must all be set (null_count is 0). */
typedef struct vsink {
    const char *name;
    uint64_t rows, bit;
} vsink;

static int validity_sink(void *ctx, const uint8_t *p, size_t n)
{
    vsink *v = ctx;
    for (size_t i = 0; i < n && v->bit < v->rows; i++, v->bit += 8) {
        uint64_t k = v->rows - v->bit < 8 ? v->rows - v->bit : 8;
        unsigned mask = (1u << k) - 1;
        if ((p[i] & mask) != mask)
            return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC validity marks a null row_id near row %llu",
                           v->name, (unsigned long long)v->bit);
    }
    return BSP_OK;
}

/* Values sink: little-endian u32s, possibly split across chunks, to the user callback. */
typedef struct usink {
    arrow_ipc_u32_fn fn;
    void *ctx;
    uint8_t carry[4];
    size_t ncarry;
    uint32_t vals[2048];
} usink;

static int values_sink(void *ctx, const uint8_t *p, size_t n)
{
    usink *u = ctx;
    size_t nv = 0;
    while (u->ncarry && n) {
        u->carry[u->ncarry++] = *p++;
        n--;
        if (u->ncarry == 4) {
            u->vals[nv++] = rd32(u->carry);
            u->ncarry = 0;
        }
    }
    while (n >= 4) {
        u->vals[nv++] = rd32(p);
        p += 4;
        n -= 4;
        if (nv == sizeof u->vals / sizeof u->vals[0]) {
            int rc = u->fn(u->ctx, u->vals, nv);
            if (rc) return rc;
            nv = 0;
        }
    }
    while (n) {
        u->carry[u->ncarry++] = *p++;
        n--;
    }
    return nv ? u->fn(u->ctx, u->vals, nv) : BSP_OK;
}

/* ---- one record batch ------------------------------------------------------------------ */

static int read_batch(ipc *c, const uint8_t *data, size_t region_end, unsigned bi,
                      const uint8_t *block, arrow_ipc_u32_fn fn, void *ctx, uint64_t *rows)
{
    char what[48];
    snprintf(what, sizeof what, "record batch %u", bi);
    uint64_t off = rd64(block);
    int32_t mlen_block = (int32_t)rd32(block + 8);
    uint64_t body_len = rd64(block + 16);
    if (off < 8 || off > region_end || mlen_block < 8 || (uint64_t)mlen_block > region_end - off ||
        body_len > region_end - off - (uint64_t)mlen_block)
        return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: block lies outside the file", c->name, what);
    const uint8_t *m = data + off;
    size_t fbstart = 4;
    int32_t flen = (int32_t)rd32(m);
    if (rd32(m) == 0xFFFFFFFFu) {
        fbstart = 8;
        flen = (int32_t)rd32(m + 4);
    }
    if (flen <= 0 || (uint64_t)flen > (uint64_t)mlen_block - fbstart)
        return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC %s: message length %d does not fit its block",
                       c->name, what, flen);
    char fwhat[64];
    snprintf(fwhat, sizeof fwhat, "%s message", what);
    fb b = {m + fbstart, (size_t)flen, c->name, fwhat};
    if (b.n < 4) return FB_BAD(&b, "%s", "message is too short");
    fbt msg, rb, comp;
    int rc = fb_table(&b, rd32(b.p), &msg, "Message");
    if (rc) return rc;
    uint64_t htype, mbody;
    if ((rc = fb_scalar(&b, &msg, 1, 1, 0, &htype))) return rc;
    if (htype != 3) return FB_BAD(&b, "%s", "message is not a RecordBatch");
    if ((rc = fb_scalar(&b, &msg, 3, 8, 0, &mbody))) return rc;
    if (mbody != body_len) return FB_BAD(&b, "%s", "message body length disagrees with the footer block");
    size_t pos = 0;
    int r = fb_ref(&b, &msg, 2, &pos);
    if (r < 0) return r;
    if (r == 0) return FB_BAD(&b, "%s", "message has no RecordBatch header");
    if ((rc = fb_table(&b, pos, &rb, "RecordBatch"))) return rc;

    uint64_t length;
    if ((rc = fb_scalar(&b, &rb, 0, 8, 0, &length))) return rc;
    if (length > MAX_ROWS) return FB_BAD(&b, "%s", "row count is negative or above 2^32");
    size_t nodes, bufs;
    uint32_t nnodes, nbufs;
    if ((rc = fb_vector(&b, &rb, 1, 16, &nodes, &nnodes))) return rc;
    if ((rc = fb_vector(&b, &rb, 2, 16, &bufs, &nbufs))) return rc;
    if (nnodes != 1) return FB_BAD(&b, "%s", "record batch does not have exactly one field node");
    if (rd64(b.p + nodes) != length) return FB_BAD(&b, "%s", "field node length differs from the batch length");
    if (rd64(b.p + nodes + 8) != 0) return FB_BAD(&b, "%s", "row_id column has nulls");
    if (nbufs != 2) return FB_BAD(&b, "%s", "record batch does not have exactly two buffers");

    bool compressed = false;
    r = fb_ref(&b, &rb, 3, &pos);
    if (r < 0) return r;
    if (r) {
        if ((rc = fb_table(&b, pos, &comp, "BodyCompression"))) return rc;
        uint64_t codec, method;
        if ((rc = fb_scalar(&b, &comp, 0, 1, 0, &codec))) return rc;
        if ((rc = fb_scalar(&b, &comp, 1, 1, 0, &method))) return rc;
        if (codec == 0)
            return bsp_err(BSP_EUNSUPPORTED, "%s: Arrow IPC %s: LZ4 body compression is not supported (only ZSTD)",
                           c->name, what);
        if (codec != 1) return FB_BAD(&b, "%s", "unknown body compression codec");
        if (method != 0) return FB_BAD(&b, "%s", "unknown body compression method");
        compressed = true;
    }

    const uint8_t *body = m + mlen_block;
    const uint8_t *bp[2];
    uint64_t bl[2];
    for (int i = 0; i < 2; i++) {
        uint64_t o = rd64(b.p + bufs + 16 * (size_t)i), l = rd64(b.p + bufs + 16 * (size_t)i + 8);
        if (o > body_len || l > body_len - o) return FB_BAD(&b, "%s", "buffer lies outside the body");
        bp[i] = body + o;
        bl[i] = l;
    }
    char bwhat[64];
    if (bl[0]) {
        vsink v = {c->name, length, 0};
        snprintf(bwhat, sizeof bwhat, "%s validity buffer", what);
        if ((rc = read_buffer(c, bwhat, bp[0], bl[0], compressed, (length + 7) / 8, validity_sink, &v)))
            return rc;
    }
    usink u = {.fn = fn, .ctx = ctx, .ncarry = 0};
    snprintf(bwhat, sizeof bwhat, "%s values buffer", what);
    if ((rc = read_buffer(c, bwhat, bp[1], bl[1], compressed, length * 4, values_sink, &u))) return rc;
    *rows += length;
    return BSP_OK;
}

/* ---- the file --------------------------------------------------------------------------- */

int arrow_ipc_read_u32(const char *name, const uint8_t *data, size_t len, const char *field_name,
                       arrow_ipc_u32_fn fn, void *ctx, uint64_t *rows_out)
{
    static const char magic[6] = {'A', 'R', 'R', 'O', 'W', '1'};
    if (len < 8 + 4 + 6 || memcmp(data, magic, 6) != 0 || memcmp(data + len - 6, magic, 6) != 0)
        return bsp_err(BSP_ECORRUPT, "%s: not an Arrow IPC file (ARROW1 magic missing)", name);
    int32_t flen = (int32_t)rd32(data + len - 10);
    if (flen <= 0 || (size_t)flen > len - 10 - 8)
        return bsp_err(BSP_ECORRUPT, "%s: Arrow IPC footer length %d does not fit the file", name, flen);
    size_t fstart = len - 10 - (size_t)flen;
    fb b = {data + fstart, (size_t)flen, name, "footer"};
    if (b.n < 4) return FB_BAD(&b, "%s", "footer is too short");
    fbt footer;
    int rc = fb_table(&b, rd32(b.p), &footer, "Footer");
    if (rc) return rc;
    uint64_t version;
    if ((rc = fb_scalar(&b, &footer, 0, 2, 0, &version))) return rc;
    if (version < 3 || version > 4) /* MetadataVersion V4 = 3, V5 = 4 */
        return FB_BAD(&b, "%s", "metadata version is not V4 or V5");
    if ((rc = check_schema(&b, &footer, field_name))) return rc;
    size_t dicts, batches;
    uint32_t ndicts, nbatches;
    if ((rc = fb_vector(&b, &footer, 2, 24, &dicts, &ndicts))) return rc;
    if (ndicts) return FB_BAD(&b, "%s", "file has dictionary batches");
    if ((rc = fb_vector(&b, &footer, 3, 24, &batches, &nbatches))) return rc;

    ipc *c = malloc(sizeof *c);
    if (!c) return bsp_err(BSP_ENOMEM, "%s: out of memory", name);
    c->name = name;
    uint64_t rows = 0;
    for (uint32_t i = 0; i < nbatches && rc == BSP_OK; i++)
        rc = read_batch(c, data, fstart, i, b.p + batches + 24 * (size_t)i, fn, ctx, &rows);
    free(c);
    if (rc == BSP_OK && rows_out) *rows_out = rows;
    return rc;
}
