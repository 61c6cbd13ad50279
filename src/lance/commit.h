/* Commits: turn one table operation into manifest version latest+1 (spec §1.4, §2.8, §7b).
 *
 * The one idea: an operation is described once (commit_op: new fragments, rows to delete,
 * columns to add/drop, fragments to rewrite) and *applied* to whatever version is latest
 * when the commit is attempted. The first attempt applies it to the version the caller read;
 * if another writer created that version number first (link() said EEXIST), we read the
 * winners' transactions, decide whether our operation still makes sense on top of them
 * (commit_compatible), and apply it again to the new latest. Deletions are redone against
 * the winner's deletion vectors; anything touching a fragment a winner rewrote or removed is
 * BSP_ECONFLICT. Every new manifest is an edited copy of the latest one, so fields we do not
 * understand survive. */
#ifndef BSP_LANCE_COMMIT_H
#define BSP_LANCE_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <roaring/roaring.h>

#include "lance/manifest.h"

/* CRoaring 0.2.66 crashes on roaring_bitmap_free(NULL). */
static inline void rb_free(roaring_bitmap_t *b)
{
    if (b) roaring_bitmap_free(b);
}

#define BSP_LIBRARY_NAME "bindspace"
#define BSP_LIBRARY_VERSION "0.1.0"

typedef enum commit_kind {
    COMMIT_OVERWRITE = 0, /* create or replace the whole table */
    COMMIT_APPEND,
    COMMIT_DELETE,
    COMMIT_UPDATE,        /* delete rows + add them back as new fragments */
    COMMIT_MERGE,         /* add one column: a new data file per fragment */
    COMMIT_PROJECT,       /* drop columns (schema only) */
    COMMIT_REWRITE,       /* compaction: replace groups of fragments by new ones */
    COMMIT_CREATE_INDEX   /* add/replace index metadata entries (index_commit.c) */
} commit_kind;

/* Rows one commit deletes from one fragment. The rest is the cache of the deletion file
 * written for the latest attempt, reused while the fragment's deletion file is unchanged. */
typedef struct commit_del {
    uint64_t fragment_id;
    roaring_bitmap_t *rows;       /* physical row offsets deleted by this commit */
    bool written;
    bool all_deleted;             /* union covers every physical row: drop the fragment */
    uint64_t seen_rv, seen_id;    /* identity of the deletion file the union was built on */
    int seen_type;                /* -1 = fragment had no deletion file */
    uint64_t file_rv, file_id, file_rows; /* the deletion file written */
} commit_del;

/* One rewrite group: old fragment ids -> new fragments (compaction). */
typedef struct commit_group {
    uint64_t *old_ids;
    size_t n_old;
    uint64_t *old_del_rv, *old_del_id; /* deletion file identity the rewrite read (0,0 = none) */
    Lance__Table__DataFragment **new_frags; /* templates, ids assigned when applied */
    size_t n_new;
} commit_group;

typedef struct commit_op {
    commit_kind kind;
    /* OVERWRITE, APPEND, UPDATE: new fragments (templates; ids are assigned per attempt). */
    Lance__Table__DataFragment **new_frags;
    size_t n_new;
    /* OVERWRITE: the new schema. */
    Lance__File__Field **fields;
    size_t n_fields;
    /* DELETE, UPDATE */
    commit_del *dels;
    size_t n_dels;
    char *predicate;
    /* MERGE: one new data file per fragment id, and the new field. */
    uint64_t *merge_ids;
    Lance__Table__DataFile **merge_files;
    size_t n_merge;
    Lance__File__Field *merge_field;
    /* PROJECT: field ids removed from the schema. */
    int32_t *drop_ids;
    size_t n_drop;
    /* REWRITE */
    commit_group *groups;
    size_t n_groups;
    /* CREATE_INDEX: entries to add, and entries (matched by uuid) to remove. */
    Lance__Table__IndexMetadata **new_indices;
    size_t n_new_indices;
    Lance__Table__IndexMetadata **removed_indices;
    size_t n_removed_indices;
} commit_op;

void commit_op_free(commit_op *op);

/* Commit op on top of base (the version the caller read; NULL to create a new table, then
 * naming picks the manifest scheme). Retries up to COMMIT_MAX_RETRIES times on lost races.
 * *new_version may be NULL. */
#define COMMIT_MAX_RETRIES 40
int commit_run(const char *root, const manifest_file *base, manifest_naming naming,
               commit_op *op, uint64_t *new_version);

/* Whether op (read at some version) may be applied on top of a version made by winner.
 * BSP_OK or BSP_ECONFLICT with a message naming both operations; winner_version for
 * messages. */
int commit_compatible(const commit_op *op, const Lance__Table__Transaction *winner,
                      uint64_t winner_version);

/* CreateIndex (index_commit.c): apply op to the index section *idx of the manifest being
 * built (may create or empty it) and fill txn's operation. BSP_ECONFLICT when an index to
 * remove is no longer there. */
int commit_apply_create_index(Lance__Table__IndexSection **idx, Lance__Table__Transaction *txn,
                              const commit_op *op);
/* Compatibility of our CreateIndex with a winner (index_commit.c). */
int commit_index_compatible(const commit_op *op, const Lance__Table__Transaction *winner,
                            uint64_t winner_version);
void commit_index_op_free(commit_op *op);

/* Name of a transaction's operation ("Append", "Delete", … "Unknown"). */
const char *commit_txn_op_name(const Lance__Table__Transaction *txn);

/* Next unused fragment id of a manifest (max_fragment_id + 1, or max id + 1). */
uint64_t commit_next_fragment_id(const Lance__Table__Manifest *m);

/* Largest field id in the schema and in every DataFile.fields (-1 if none). */
int32_t commit_max_field_id(const Lance__Table__Manifest *m);

#endif
