/* Column plumbing for the table layer: gather rows, concatenate, all-null columns.
 *
 * The one idea: every row movement the table layer needs (drop deleted rows from a decoded
 * page range, split a batch into files, assemble a take or a compaction) is a gather of row
 * indices from one column into a new column with the same type (layout in
 * include/bindspace/batch.h). Validity is kept only when some gathered row is null. */
#ifndef BSP_LANCE_COLOPS_H
#define BSP_LANCE_COLOPS_H

#include <stdint.h>

#include "bindspace/batch.h"

/* out = src rows rows[0..n) in that order. */
int col_gather(const bsp_column *src, const uint64_t *rows, uint64_t n, bsp_column *out);
/* out = src rows [start, start + n). */
int col_slice(const bsp_column *src, uint64_t start, uint64_t n, bsp_column *out);
/* dst += src (same type). dst may be an empty zeroed column with type set. */
int col_append(bsp_column *dst, const bsp_column *src);
/* n null rows of type t. */
int col_nulls(bsp_type t, uint64_t n, bsp_column *out);
/* A uint64 column from values. */
int col_from_u64(const uint64_t *v, uint64_t n, bsp_column *out);
/* Value of an integer column as int64 (false for null or a non-integer type). */
int col_get_int(const bsp_column *c, uint64_t row, int64_t *out);

#endif
