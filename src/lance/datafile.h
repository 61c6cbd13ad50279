/* Lance file format 2.0 data files (spec: shared/spec/lance-format.md §3): the internal
 * interface between the table layer (manifests, fragments, commits) and the file codec.
 *
 * A data file holds one or more columns of equal length. The writer takes whole columns
 * (bsp_column, see include/bindspace/batch.h) and splits them into pages; the reader
 * decodes any row range of a column from its pages. Field ids in the file's schema are the
 * table's field ids. An open handle is read-only after datafile_open (positional reads
 * only), so threads may share it for reads. Design notes: docs/lance-datafile.md. */
#ifndef BSP_LANCE_DATAFILE_H
#define BSP_LANCE_DATAFILE_H

#include <stdint.h>

#include "bindspace/batch.h"

/* ---- writer ------------------------------------------------------------------------------ */

/* Write a complete 2.0 data file at path (created exclusively; fsync'd before return).
 * schema->fields[i] (with ids assigned) describes batch->cols[i]. *file_size receives the
 * exact size for DataFile.file_size_bytes. */
int datafile_write(const char *path, const bsp_schema *schema, const bsp_batch *batch,
                   uint64_t *file_size);

typedef struct datafile_write_opts {
    uint64_t page_bytes; /* target bytes of values per page; 0 = DATAFILE_PAGE_BYTES */
} datafile_write_opts;
#define DATAFILE_PAGE_BYTES (8u << 20)

/* datafile_write with options (opts may be NULL). */
int datafile_write_ex(const char *path, const bsp_schema *schema, const bsp_batch *batch,
                      const datafile_write_opts *opts, uint64_t *file_size);

/* ---- reader ------------------------------------------------------------------------------ */

typedef struct datafile datafile;

/* Open a data file. file_size is the manifest's DataFile.file_size_bytes (0 = unknown: stat).
 * Errors name the file and the problem (BSP_ECORRUPT, BSP_EUNSUPPORTED for 2.1+/legacy). */
int datafile_open(const char *path, uint64_t file_size, datafile **out);
/* Open a data file held in memory (buf, len bytes; borrowed: it must outlive the handle).
 * name is used in error messages. Same checks as datafile_open; used by tests and fuzzing. */
int datafile_open_mem(const char *name, const uint8_t *buf, size_t len, datafile **out);
void datafile_close(datafile *f);
uint64_t datafile_rows(const datafile *f);
uint32_t datafile_ncolumns(const datafile *f);
/* Pages of a column (0 if column is out of range). */
uint32_t datafile_column_pages(const datafile *f, uint32_t column);
/* The file's own schema (FileDescriptor, global buffer 0) as top-level fields in column
 * order; BSP_EUNSUPPORTED naming the logical type for types batch.h cannot represent. */
int datafile_schema(const datafile *f, bsp_schema *out);

/* Decode rows [row_start, row_start + nrows) of top-level column `column` (a
 * DataFile.column_indices entry) as type `type` into *out (allocated; caller frees with
 * bsp_column_free). BSP_ECORRUPT/BSP_EUNSUPPORTED with the file name on bad pages;
 * fixed_size_binary(N) and fixed_size_list<uint8,N> are interchangeable on read. */
int datafile_read_column(datafile *f, uint32_t column, bsp_type type, uint64_t row_start,
                         uint64_t nrows, bsp_column *out);

/* Zero-copy-ish fast path for 2,048-byte fingerprint columns without nulls: calls fn for
 * each run of contiguous rows with a pointer to their bytes (rows * dim bytes). Used by
 * scans so a search streams pages without building columns. Pages without nulls are read
 * with large preads straight into one reusable buffer (memory-opened files: no copy);
 * pages with nulls fall back to decoding, and their null rows are passed as zero bytes.
 * A non-zero return from fn stops the scan and is returned. */
typedef int (*datafile_fixed_fn)(void *ctx, uint64_t first_row, uint64_t rows,
                                 const uint8_t *bytes);
int datafile_scan_fixed(datafile *f, uint32_t column, uint32_t dim, uint64_t row_start,
                        uint64_t nrows, datafile_fixed_fn fn, void *ctx);

/* Where a fixed-width column of dim bytes per row lies as one run: when every page is the
 * plain encoding without nulls (the datafile_scan_fixed fast path) and each page's values
 * start where the previous page's end (as datafile_write lays a column out), rows
 * [0, datafile_rows) are the bytes [*off, *off + rows * dim) of the file. Otherwise
 * BSP_EUNSUPPORTED (read the column another way); BSP_ECORRUPT for inconsistent pages. */
int datafile_fixed_extent(const datafile *f, uint32_t column, uint32_t dim, uint64_t *off);

#endif
