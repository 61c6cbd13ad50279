/* XOR incremental backup (spec §13): a chain of version records between consecutive Lance
 * versions of a table, with periodic full snapshots, that can rebuild any version into a new
 * table without the original. Format and algorithms: docs/backup.md.
 *
 * A chain is itself a Lance table (default: `nodes.backup.lance` beside `nodes.lance`), one
 * fragment per version record: row 0 is a header (entry count, row counts, digest), then the
 * MODIFY / CREATE / DELETE entries in ascending key order. Snapshots are Lance tables in
 * `<chain>/_snapshots/`. Every row carries a CRC-32C and every file of the chain is sealed
 * (size + CRC-32C in `<chain>/_bindspace_seal`), so verify finds a flipped byte anywhere.
 *
 * Threads: one writer per chain at a time (bsp_backup_create is not safe to run twice on the
 * same chain concurrently); readers (list, verify, restore) may run alongside. */
#ifndef BINDSPACE_BACKUP_H
#define BINDSPACE_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/fp.h"
#include "bindspace/progress.h"
#include "bindspace/space.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Entry kinds (§13), as stored in the chain's `kind` column; HEADER and SNAPSHOT mark the
 * first row of each chain fragment. */
enum {
    BSP_BACKUP_HEADER = 0,
    BSP_BACKUP_MODIFY = 1,
    BSP_BACKUP_CREATE = 2,
    BSP_BACKUP_DELETE = 3,
    BSP_BACKUP_SNAPSHOT = 4
};

#define BSP_BACKUP_CHAIN_END UINT64_MAX   /* from_version: continue where the chain ends */
#define BSP_BACKUP_LATEST 0               /* to_version: the table's latest version */
#define BSP_BACKUP_DEFAULT_INTERVAL 24

/* The §13 checksum: FNV-1a-64 over the 2,048-byte byte form of a record. */
uint64_t bsp_backup_checksum(const uint64_t rec[BSP_WORDS]);

/* Default chain path of a table: "x/nodes.lance" -> "x/nodes.backup.lance" (a name without
 * ".lance" gets ".backup.lance" appended). malloc'd; NULL on allocation failure. */
char *bsp_backup_default_chain(const char *table);

typedef struct bsp_backup_options {
    const char *key_column;         /* NULL: "addr" if the table has it, else "id" */
    const char *fingerprint_column; /* NULL: "fingerprint", else the only 2,048-byte column */
    uint32_t snapshot_interval;     /* version records between snapshots; 0 = 24 */
    const bsp_progress *progress;
} bsp_backup_options;

typedef struct bsp_backup_stats {
    uint64_t records;     /* version records appended */
    uint64_t snapshots;   /* snapshots written */
    uint64_t modify, create, del;
    uint64_t first_version, last_version; /* the chain after the call */
} bsp_backup_stats;

/* Append the version records R(v−1 → v) for v = from_version+1 .. to_version of `table` to
 * the chain at `chain` (NULL = the default path), one record per Lance version, each in its
 * own commit. A new chain starts with a snapshot of from_version (version 0 is the empty
 * table, before the first commit); a snapshot follows every `snapshot_interval` records.
 * from_version must be where the chain ends (BSP_BACKUP_CHAIN_END picks that; on an empty
 * chain it means to_version: a chain holding one snapshot); to_version 0 = latest.
 * A table version that no longer exists is BSP_ENOTFOUND naming it. opts, stats may be NULL. */
int bsp_backup_create(const char *table, uint64_t from_version, uint64_t to_version,
                      const char *chain, const bsp_backup_options *opts, bsp_backup_stats *stats);

/* What a chain holds, in chain order: one item per version record or snapshot. */
typedef struct bsp_backup_item {
    uint64_t from_version, to_version; /* equal for a snapshot */
    bool snapshot;
    uint64_t entries;                  /* records: entries; snapshots: rows */
    uint64_t modify, create, del;
    uint64_t rows;                     /* rows of the table at to_version */
    uint64_t bytes;                    /* data file bytes of the item */
} bsp_backup_item;
/* *items is malloc'd (caller frees). */
int bsp_backup_list(const char *chain, bsp_backup_item **items, size_t *n);

/* One damage found by verify: the version record (or snapshot: from == to) and, when the
 * damage is in one entry, its key and kind. */
typedef struct bsp_backup_problem {
    uint64_t from_version, to_version;
    bool has_key;
    uint64_t key;
    int kind;                          /* entry kind, -1 if unknown */
    char what[200];
} bsp_backup_problem;

typedef struct bsp_backup_report {
    uint64_t records, snapshots, entries, files;
    uint64_t first_version, last_version;
    size_t nproblems;
    bsp_backup_problem *problems;      /* malloc'd; free with bsp_backup_report_free */
} bsp_backup_report;
void bsp_backup_report_free(bsp_backup_report *r);

/* Check every row's CRC-32C, every CREATE/DELETE/snapshot checksum (§13), every record's
 * entry count and digest, key order, the chain's continuity (consecutive versions, row counts
 * that agree from record to record and with the snapshots) and every file's seal, without
 * restoring. BSP_OK when clean; BSP_ECORRUPT when report->nproblems > 0 (the message names
 * the first); other codes when the chain cannot be read at all. */
int bsp_backup_verify(const char *chain, const bsp_progress *progress, bsp_backup_report *report);

typedef enum bsp_restore_direction {
    BSP_RESTORE_AUTO = 0,     /* the nearest snapshot (fewest records to apply) */
    BSP_RESTORE_FORWARD = 1,  /* from the nearest snapshot s <= v */
    BSP_RESTORE_BACKWARD = 2  /* from the nearest snapshot s > v */
} bsp_restore_direction;

typedef struct bsp_restore_options {
    bsp_restore_direction direction;
    const bsp_progress *progress;
} bsp_restore_options;

typedef struct bsp_restore_stats {
    uint64_t snapshot_version;  /* the snapshot restore started from */
    uint64_t records_applied;
    uint64_t rows;              /* rows of the restored table */
    uint64_t bytes;             /* fingerprint bytes written (rows * 2048) */
    double seconds_snapshot;    /* wall time: reading and checking the snapshot */
    double seconds_apply;       /* reading, checking and applying the records */
    double seconds_write;       /* writing the new table (fsync included) */
    double seconds_write_wait;  /* of seconds_write, waiting for rows still being rebuilt */
    bool overlapped;            /* rebuilt and written at once (every record on the way only
                                 * modifies): seconds_apply then overlaps seconds_write */
} bsp_restore_stats;

/* Rebuild version `version` into a new Lance table at out_table (must not exist): the key
 * column and the fingerprint column, with the original names and types, rows in key order.
 * Every row, checksum and record used is checked first; a damaged one is BSP_ECORRUPT naming
 * its version and key, and nothing is written. BSP_ENOTFOUND if the chain does not cover
 * version. opts and stats may be NULL. */
int bsp_backup_restore(const char *chain, uint64_t version, const char *out_table,
                       const bsp_restore_options *opts, bsp_restore_stats *stats);

/* A bsp_space_flush_fn that appends R(chain end → new_version) to the table's default chain
 * when that chain exists (a chain is started explicitly, by bsp_backup_create or `bindspace
 * backup create`). bsp_space_open installs it when the caller sets no hook of its own. ctx
 * may be NULL or a const bsp_backup_options *. Errors go to stderr (a hook cannot fail a
 * flush that has already committed); the next flush or `bindspace backup create` catches up. */
void bsp_backup_on_flush(void *ctx, bsp_space *sp, const char *table_path, uint64_t old_version,
                         uint64_t new_version);

#ifdef __cplusplus
}
#endif
#endif
