/* Internals shared by the 2.0 data-file writer, reader and page decoder (spec:
 * shared/spec/lance-format.md §3): the reader's in-memory view of a file (footer,
 * FileDescriptor, per-column page lists with their unpacked encoding trees), bitmap helpers
 * (Arrow validity: bit i of byte i/8, LSB first) and little-endian helpers. */
#ifndef BSP_LANCE_DATAFILE_INTERNAL_H
#define BSP_LANCE_DATAFILE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "encodings.pb-c.h"
#include "file.pb-c.h"
#include "file2.pb-c.h"
#include "lance/datafile.h"

#define DF_FOOTER_LEN 40
#define DF_MAGIC "LANC"
#define DF_MAJOR 0 /* 2.0 is written as (0,3) */
#define DF_MINOR 3

/* Type URLs of the Any messages in DirectEncoding (spec §3.2). */
#define DF_URL_ARRAY "/lance.encodings.ArrayEncoding"
#define DF_URL_COLUMN "/lance.encodings.ColumnEncoding"

typedef struct df_page {
    uint64_t first_row;        /* of the column */
    uint64_t rows;
    size_t nbufs;
    const uint64_t *buf_off;   /* absolute file offsets (into the ColumnMetadata message) */
    const uint64_t *buf_size;
    Lance__Encodings__ArrayEncoding *enc;
} df_page;

typedef struct df_column {
    Lance__File__V2__ColumnMetadata *meta;
    size_t npages;
    df_page *pages;
    uint64_t rows;             /* sum of page lengths */
} df_column;

struct datafile {
    char *name;                /* path or caller's name, for errors */
    int fd;                    /* -1 when memory-backed */
    const uint8_t *mem;        /* memory-backed file bytes (borrowed) */
    uint64_t size;
    uint64_t rows;             /* FileDescriptor.length */
    uint16_t major, minor;
    uint32_t ncols;
    df_column *cols;
    Lance__File__FileDescriptor *desc;
    uint8_t *tail;             /* file-backed: bytes [tail_start, size) */
    uint64_t tail_start;
};

/* Read len bytes at absolute offset off into dst (pread or memcpy). Short reads are
 * BSP_ECORRUPT ("truncated"), OS errors BSP_EIO; messages name the file. */
int df_read_at(const datafile *f, uint64_t off, void *dst, size_t len);

/* Decode rows [row_start, row_start+nrows) of column c into out (datafile_read_column's
 * work after argument checks): see datafile_decode.c. */
int df_decode_column(datafile *f, uint32_t c, bsp_type type, uint64_t row_start,
                     uint64_t nrows, bsp_column *out);

/* Name of an ArrayEncoding arm for messages ("flat", "fsst", ...). */
const char *df_encoding_name(const Lance__Encodings__ArrayEncoding *e);

/* ---- little endian ---- */
static inline uint64_t df_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static inline uint32_t df_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint16_t df_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline void df_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void df_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void df_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* a * b without overflow (false if it would). */
static inline bool df_mul(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool df_add(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* ---- bitmaps ---- */
static inline bool df_bit(const uint8_t *bm, uint64_t i) { return (bm[i >> 3] >> (i & 7)) & 1; }
static inline void df_setbit(uint8_t *bm, uint64_t i, bool v)
{
    if (v)
        bm[i >> 3] |= (uint8_t)(1u << (i & 7));
    else
        bm[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

/* Copy n bits from src (starting at bit s) to dst (starting at bit d); other dst bits keep
 * their values. Byte-aligned runs use memcpy. */
void df_bits_copy(uint8_t *dst, uint64_t d, const uint8_t *src, uint64_t s, uint64_t n);
/* Set n bits of dst starting at bit d to v. */
void df_bits_fill(uint8_t *dst, uint64_t d, uint64_t n, bool v);
/* Number of set bits among n bits of src starting at bit s. */
uint64_t df_bits_count(const uint8_t *src, uint64_t s, uint64_t n);

#endif
