/* Lance deletion files (spec: shared/spec/lance-format.md §4): the set of deleted physical
 * row offsets of one fragment, held as a CRoaring bitmap of u32 offsets.
 *
 * A deletion file is immutable and named by the fields of its manifest DeletionFile entry:
 * `_deletions/{fragment_id}-{read_version}-{id}.{arrow|bin}` under the table root. Two
 * encodings exist and both must be read: `.arrow` (DeletionFile.file_type 0, ARROW_ARRAY) is
 * an Arrow IPC file with one non-nullable uint32 column `row_id`, values unordered, body
 * plain or ZSTD-compressed (what Lance writes for <= 5000 rows); `.bin` (file_type 1,
 * BITMAP) is the roaring portable serialization (cookies 12346 and 12347). We always write
 * `.bin`. A new delete never edits a file: it reads the current set, unions, and writes a new
 * file with a fresh random id (the old one stays for time travel).
 *
 * Every malformed input is BSP_ECORRUPT with a message naming the file and the problem. */
#ifndef BSP_LANCE_DELETION_H
#define BSP_LANCE_DELETION_H

#include <stddef.h>
#include <stdint.h>

#include <roaring/roaring.h>

/* DeletionFile.file_type (table.proto). */
enum {
    DELETION_ARROW = 0, /* ARROW_ARRAY, ".arrow" */
    DELETION_BITMAP = 1 /* BITMAP, ".bin" */
};

/* The relative path "_deletions/{fragment_id}-{read_version}-{id}.{arrow|bin}" into buf
 * (cap bytes; 96 is always enough). BSP_EINVAL for an unknown file_type. */
int deletion_path(char *buf, size_t cap, uint64_t fragment_id, uint64_t read_version,
                  uint64_t id, int file_type);

/* Read the deletion vector of a fragment from table_dir (the dataset root). *out is a new
 * bitmap (free with roaring_bitmap_free). physical_rows > 0 additionally rejects offsets
 * >= physical_rows as BSP_ECORRUPT. A missing file is BSP_ENOTFOUND naming it. */
int deletion_read(const char *table_dir, uint64_t fragment_id, uint64_t read_version,
                  uint64_t id, int file_type, uint64_t physical_rows, roaring_bitmap_t **out);

/* Parse bytes already in memory; name is used in messages only. */
int deletion_parse_bin(const char *name, const uint8_t *data, size_t len, roaring_bitmap_t **out);
int deletion_parse_arrow(const char *name, const uint8_t *data, size_t len,
                         roaring_bitmap_t **out);

/* Serialize rows in the roaring portable format (run-optimized copy; rows is not modified).
 * *data is malloc'd. */
int deletion_encode_bin(const roaring_bitmap_t *rows, uint8_t **data, size_t *len);

/* Write rows as a new `.bin` deletion file of fragment_id for a commit that read
 * read_version: picks a random non-zero id, creates `_deletions/` if needed, publishes the
 * file durably without overwriting (io_write_new). *id receives the id; the DeletionFile
 * entry is then {file_type 1 (BITMAP), read_version, *id, num_deleted_rows =
 * roaring_bitmap_get_cardinality(rows)}. An empty set is BSP_EINVAL (a fragment with no
 * deletions has no deletion file). */
int deletion_write(const char *table_dir, uint64_t fragment_id, uint64_t read_version,
                   const roaring_bitmap_t *rows, uint64_t *id);

#endif
