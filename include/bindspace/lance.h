/* Lance datasets (table format + file format 2.0), read and written in C.
 * Spec: shared/spec/lance-format.md. A dataset is a directory `<name>.lance`; every write is
 * one commit that creates the manifest of version latest+1 atomically (link(), put-if-not-
 * exists), with its transaction, after the data and deletion files are durable. A commit that
 * loses a race is rebased on the winner and retried when compatible, else BSP_ECONFLICT.
 *
 * Rows are addressed by row address = (fragment_id << 32) | row offset in the fragment, as
 * Lance does without stable row ids. */
#ifndef BINDSPACE_LANCE_H
#define BINDSPACE_LANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/batch.h"
#include "bindspace/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BSP_ROW_ADDR(frag, off) (((uint64_t)(frag) << 32) | (uint64_t)(off))
#define BSP_ROW_FRAG(addr) ((uint64_t)(addr) >> 32)
#define BSP_ROW_OFF(addr) ((uint32_t)(addr))

/* ---- opening and inspecting -------------------------------------------------------------- */
typedef struct bsp_dataset bsp_dataset;

/* Open version `version` (0 = latest). BSP_ENOTFOUND if there is no such dataset/version,
 * BSP_EUNSUPPORTED (message names the format version or flag) for tables we cannot read:
 * data_format other than 2.0, unknown reader feature flags. */
int bsp_dataset_open(const char *path, uint64_t version, bsp_dataset **out);
void bsp_dataset_free(bsp_dataset *ds);
const char *bsp_dataset_path(const bsp_dataset *ds);
uint64_t bsp_dataset_version(const bsp_dataset *ds);
const bsp_schema *bsp_dataset_schema(const bsp_dataset *ds);
uint64_t bsp_dataset_count_rows(const bsp_dataset *ds);  /* live rows */
const char *bsp_dataset_format(const bsp_dataset *ds);   /* data_format.version, "2.0" */

typedef struct bsp_fragment_info {
    uint64_t id;
    uint64_t physical_rows;   /* including deleted rows */
    uint64_t deleted_rows;
    uint32_t nfiles;
} bsp_fragment_info;
size_t bsp_dataset_fragment_count(const bsp_dataset *ds);
int bsp_dataset_fragment(const bsp_dataset *ds, size_t i, bsp_fragment_info *out);

typedef struct bsp_index_info {
    char name[128];
    char uuid[37];
    char type_url[128];
    int32_t fields[8];
    size_t nfields;
    uint64_t dataset_version;
    uint64_t *fragments;       /* covered fragment ids (owned by the dataset handle) */
    size_t nfragments;
} bsp_index_info;
size_t bsp_dataset_index_count(const bsp_dataset *ds);
int bsp_dataset_index(const bsp_dataset *ds, size_t i, bsp_index_info *out);

typedef struct bsp_version_info {
    uint64_t version;
    int64_t timestamp;        /* seconds since the epoch (UTC) */
    uint64_t rows;            /* live rows */
    char operation[24];       /* "Overwrite", "Append", "Delete", "Update", "Rewrite", ... */
} bsp_version_info;
/* All versions, ascending. *out is malloc'd (caller frees). */
int bsp_dataset_versions(const char *path, bsp_version_info **out, size_t *n);

/* ---- scanning ---------------------------------------------------------------------------- */
typedef struct bsp_scan_options {
    const char *const *columns;  /* projection by name (NULL = all columns, schema order) */
    size_t ncolumns;
    uint64_t limit;              /* 0 = no limit */
    uint64_t batch_rows;         /* 0 = default (8192) */
    bool with_row_addr;          /* append a uint64 column "_rowaddr" */
} bsp_scan_options;

typedef struct bsp_scanner bsp_scanner;
int bsp_scanner_open(const bsp_dataset *ds, const bsp_scan_options *opts, bsp_scanner **out);
/* Next batch of live rows in fragment order: 1 = *out filled (free with bsp_batch_free),
 * 0 = end, < 0 error. Columns absent from a fragment's files read as NULL. */
int bsp_scanner_next(bsp_scanner *s, bsp_batch *out);
/* The schema of the batches (projection + _rowaddr). */
const bsp_schema *bsp_scanner_schema(const bsp_scanner *s);
void bsp_scanner_free(bsp_scanner *s);

/* Stream a 2,048-byte fingerprint column of one fragment (index i of the fragment list)
 * without building columns: fn gets runs of consecutive rows (bytes = nrows * 2048, the
 * byte form) and `live`, a bitmap of which rows of the run are live (bit j = row
 * first_offset + j; NULL when all are). Returns the first non-zero value fn returns. */
typedef int (*bsp_fp_run_fn)(void *ctx, uint64_t fragment_id, uint64_t first_offset,
                             uint64_t nrows, const uint8_t *bytes, const uint8_t *live);
int bsp_dataset_scan_fp(const bsp_dataset *ds, size_t fragment_index, const char *column,
                        bsp_fp_run_fn fn, void *ctx);

/* One fragment's fingerprint column as nrows x 2,048 contiguous bytes, mapped from its data
 * file instead of read: a private copy-on-write mapping, so the caller may change the bytes
 * (only the pages it writes are copied; the file never changes). Offered when the fragment
 * has no deletions and the column is stored as one run (plain pages back to back, as
 * bsp_dataset_write lays it out); otherwise BSP_EUNSUPPORTED and the caller scans with
 * bsp_dataset_scan_fp. Free with bsp_fp_map_free. The file must not be truncated while
 * mapped (data files never are). */
typedef struct bsp_fp_map {
    uint8_t *rows;    /* nrows * 2048 bytes, writable */
    uint64_t nrows;
    void *base;       /* the mapping */
    size_t len;
} bsp_fp_map;
int bsp_dataset_map_fp(const bsp_dataset *ds, size_t fragment_index, const char *column, bsp_fp_map *out);
void bsp_fp_map_free(bsp_fp_map *m);

/* Read whole rows by row address (any order; output rows in input order). BSP_ENOTFOUND
 * for a deleted or missing row. */
int bsp_dataset_take(const bsp_dataset *ds, const uint64_t *row_addrs, size_t n,
                     const bsp_scan_options *projection, bsp_batch *out);

/* ---- writing (each call is one commit; *new_version may be NULL) ------------------------- */
typedef enum bsp_write_mode {
    BSP_WRITE_CREATE = 0,     /* fail with BSP_EEXIST if the dataset exists */
    BSP_WRITE_APPEND = 1,     /* create when missing */
    BSP_WRITE_OVERWRITE = 2   /* new version replacing all rows (and schema) */
} bsp_write_mode;

typedef struct bsp_write_options {
    bsp_write_mode mode;
    uint64_t max_rows_per_file;   /* 0 = default (1,048,576) */
    bool v1_manifest_names;       /* only for new tables; existing tables keep their scheme */
    const bsp_progress *progress;
} bsp_write_options;

/* Schema field ids are assigned by the dataset (ignored on input). On append the batch's
 * schema must match the table's (names and types). */
int bsp_dataset_write(const char *path, const bsp_schema *schema, const bsp_batch *batch,
                      const bsp_write_options *opts, uint64_t *new_version);
/* Delete rows by row address (Delete transaction; deletion files, whole fragments dropped
 * when every row is gone). predicate is the text recorded in the transaction (may be NULL). */
int bsp_dataset_delete_rows(const char *path, const uint64_t *row_addrs, size_t n,
                            const char *predicate, uint64_t *new_version);
/* Delete rows whose integer column `column` is in [lo, hi] (inclusive). *deleted may be NULL. */
int bsp_dataset_delete_range(const char *path, const char *column, int64_t lo, int64_t hi,
                             uint64_t *deleted, uint64_t *new_version);
/* Update: delete the rows at row_addrs and add `rows` (full schema) as one new fragment, in
 * one Update commit. Used by the runtime's flush. */
int bsp_dataset_update_rows(const char *path, const uint64_t *row_addrs, size_t n,
                            const bsp_batch *rows, uint64_t *new_version);
/* Add a column (Merge): values has one entry per physical row of every fragment, in
 * fragment order (deleted rows included). */
int bsp_dataset_add_column(const char *path, const bsp_field *field, const bsp_column *values,
                           uint64_t *new_version);
int bsp_dataset_drop_columns(const char *path, const char *const *names, size_t n,
                             uint64_t *new_version);

typedef struct bsp_compact_options {
    uint64_t target_rows_per_fragment;   /* 0 = 1,048,576 */
    double max_deleted_fraction;         /* rewrite a fragment with more deleted rows; 0 = 0.1 */
    const bsp_progress *progress;
} bsp_compact_options;
/* Rewrite small fragments and fragments with many deleted rows (Rewrite transaction). */
int bsp_dataset_compact(const char *path, const bsp_compact_options *opts, uint64_t *new_version);

#ifdef __cplusplus
}
#endif
#endif
