/* Columnar values moved in and out of Lance tables: types, schema, columns, batches.
 *
 * The layout follows Arrow's so the Lance 2.0 page encodings map onto it directly:
 * fixed-width values are packed little-endian (bool: bit-packed LSB first), variable-width
 * values are one byte buffer plus length+1 u64 end offsets (offsets[0] = 0), and an
 * optional validity bitmap marks nulls (1 = valid). A column owns its buffers (malloc'd);
 * bsp_column_free releases them. */
#ifndef BINDSPACE_BATCH_H
#define BINDSPACE_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bsp_type_id {
    BSP_T_INVALID = 0,
    BSP_T_BOOL,
    BSP_T_INT8, BSP_T_INT16, BSP_T_INT32, BSP_T_INT64,
    BSP_T_UINT8, BSP_T_UINT16, BSP_T_UINT32, BSP_T_UINT64,
    BSP_T_FLOAT32, BSP_T_FLOAT64,
    BSP_T_UTF8, BSP_T_BINARY, BSP_T_LARGE_UTF8, BSP_T_LARGE_BINARY,
    BSP_T_FIXED_BINARY,  /* fixed_size_binary(dim) */
    BSP_T_FSL_UINT8,     /* fixed_size_list<uint8, dim> */
    BSP_T_FSL_FLOAT32    /* fixed_size_list<float32, dim> */
} bsp_type_id;

typedef struct bsp_type {
    bsp_type_id id;
    uint32_t dim; /* FIXED_BINARY and FSL_*: N; 0 otherwise */
} bsp_type;

typedef struct bsp_field {
    char *name;      /* owned */
    bsp_type type;
    bool nullable;
    int32_t id;      /* Lance field id; -1 until assigned */
} bsp_field;

typedef struct bsp_schema {
    size_t nfields;
    bsp_field *fields; /* owned */
} bsp_schema;

typedef struct bsp_column {
    bsp_type type;
    uint64_t length;    /* rows */
    uint8_t *validity;  /* NULL = all valid; else ceil(length/8) bytes, bit i = row i valid */
    uint8_t *data;      /* fixed: length*width bytes (bool: ceil(length/8)); var: data_len bytes */
    uint64_t data_len;  /* bytes in data */
    uint64_t *offsets;  /* variable-width types only: length+1 entries */
    /* A streamed column (fixed-width, non-bool types; data NULL), for bsp_dataset_write only:
     * the writer asks fill for the rows in order, each piece within one span of
     * bsp_fill_rows(type) rows (spans start at row 0), writes the piece and only then asks for
     * the next, so *rows must stay readable until the next call. Rows are numbered from 0 in
     * the batch. A nonzero return stops the write with that status. The batch must fit one
     * data file (max_rows_per_file). */
    int (*fill)(void *ctx, uint64_t row0, uint64_t nrows, const uint8_t **rows);
    void *fill_ctx;
} bsp_column;

typedef struct bsp_batch {
    uint64_t nrows;
    size_t ncols;
    bsp_column *cols;   /* owned; cols[i] matches schema field i (or a projection) */
} bsp_batch;

/* Bytes per value of a fixed-width type (FSL/FSB: dim * item width); 0 for variable-width
 * types and for bool (bit-packed). */
size_t bsp_type_width(bsp_type t);
/* Rows in one piece a streamed column's fill is asked for at most: 4 MiB of values (at
 * least one row). */
uint64_t bsp_fill_rows(bsp_type t);
bool bsp_type_is_var(bsp_type t);
/* Lance logical type string <-> type ("uint64", "fixed_size_list:uint8:2048", "string"...).
 * parse returns BSP_EUNSUPPORTED naming the string for types we do not handle. */
int bsp_type_parse(const char *logical, bsp_type *out);
/* Writes the canonical Lance logical type into buf (cap bytes); returns buf. */
const char *bsp_type_format(bsp_type t, char *buf, size_t cap);
/* Short user-facing name used by --schema ("u64", "fsl_u8:2048", "utf8"...): see docs. */
int bsp_type_parse_short(const char *name, bsp_type *out);

static inline bool bsp_column_is_valid(const bsp_column *c, uint64_t row)
{
    return c->validity == NULL || ((c->validity[row >> 3] >> (row & 7)) & 1);
}

/* Fingerprint columns: fixed_size_list<uint8,2048> or fixed_size_binary(2048). */
static inline bool bsp_type_is_fingerprint(bsp_type t)
{
    return (t.id == BSP_T_FSL_UINT8 || t.id == BSP_T_FIXED_BINARY) && t.dim == 2048;
}

void bsp_column_free(bsp_column *c);         /* frees buffers, zeroes the struct */
void bsp_batch_free(bsp_batch *b);           /* frees columns and the cols array */
int bsp_schema_copy(bsp_schema *dst, const bsp_schema *src);
void bsp_schema_free(bsp_schema *s);
int bsp_schema_find(const bsp_schema *s, const char *name); /* index or -1 */

#ifdef __cplusplus
}
#endif
#endif
