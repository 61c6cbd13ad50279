/* Internal view of an open dataset version, shared by dataset.c (open/inspect), scan.c
 * (scanner, take, fingerprint runs), write.c (commits) and compact.c.
 *
 * The one idea: a bsp_dataset is one decoded manifest plus what is derived from it (the
 * top-level schema with Lance field ids, per-fragment summaries); everything a read needs
 * to locate a value is (fragment, field id) -> (data file, column index), resolved from the
 * manifest on demand. */
#ifndef BSP_LANCE_DATASET_H
#define BSP_LANCE_DATASET_H

#include <roaring/roaring.h>

#include "bindspace/lance.h"
#include "lance/manifest.h"

struct bsp_dataset {
    char *path;
    manifest_file mf;
    bsp_schema schema;              /* top-level fields, manifest order, ids = Lance ids */
    bsp_fragment_info *frags;       /* one per manifest fragment */
    bsp_index_info *indices;
    size_t nindices;
    uint64_t live_rows;
    size_t hidden_columns;          /* top-level fields of unsupported types (read-only) */
};

/* Open for writing: latest version, write-compatible (flags, format). */
int dataset_open_for_write(const char *path, bsp_dataset **out);

/* Locate field id in fragment: the last data file listing it with a column (-1 if none). */
int dataset_locate(const Lance__Table__DataFragment *f, int32_t field_id, size_t *file,
                   uint32_t *column);

/* Full path of a fragment's data file (malloc'd). */
char *dataset_data_path(const bsp_dataset *ds, const Lance__Table__DataFile *df);

/* Deletion vector of fragment i (NULL *out when it has none). */
int dataset_deletions(const bsp_dataset *ds, size_t i, roaring_bitmap_t **out);

/* Read physical rows [start, start+n) of fragment frag, columns fields (schema indices),
 * NULL-filled where a fragment has no data for a field. cols[k] receives field k. files is
 * the caller's cache of opened data files of this fragment (n_files entries, NULL = not
 * opened yet; close them with dataset_close_files). */
struct datafile;
int dataset_read_rows(const bsp_dataset *ds, size_t frag, struct datafile **files,
                      const size_t *fields, size_t nfields, uint64_t start, uint64_t n,
                      bsp_column *cols);
void dataset_close_files(struct datafile **files, size_t n);

/* Lance schema Fields for a bsp_schema (ids from the bsp_field ids), pre-order top level. */
int dataset_fields_from_schema(const bsp_schema *s, Lance__File__Field ***out, size_t *n);
Lance__File__Field *dataset_field_new(const bsp_field *f, int32_t id);

/* Write a batch as new data files of up to max_rows rows each; returns fragment templates
 * (ids unassigned). */
int dataset_write_fragments(const char *root, const bsp_schema *schema, const bsp_batch *batch,
                            uint64_t max_rows, const bsp_progress *progress,
                            Lance__Table__DataFragment ***frags, size_t *nfrags);

/* Write one data file data/<random>.lance with the given schema; fills a DataFile. */
int dataset_write_file(const char *root, const bsp_schema *schema, const bsp_batch *batch,
                       Lance__Table__DataFile **out);

#endif
