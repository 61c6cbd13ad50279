/* Internal pieces of the XOR backup (include/bindspace/backup.h, docs/backup.md), shared by
 * the backup_*.c files: the in-memory table state (bk_state), one version record in memory
 * (bk_record), the table side (keys, records of a version, version comparison), the chain
 * table (append, index, read), snapshots, and file seals.
 *
 * The one idea: everything is keyed by a u64 key (the table's integer key column, widened)
 * and a 2,048-byte record; versions are states (sorted keys -> records), and a version
 * record is the sorted difference of two states (§13). */
#ifndef BSP_DELTA_BACKUP_INTERNAL_H
#define BSP_DELTA_BACKUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/backup.h"
#include "bindspace/batch.h"
#include "bindspace/delta.h"
#include "bindspace/lance.h"

#define BK_REC BSP_BYTES  /* 2,048 */
#define BK_LOCK_NAME "_bindspace_lock" /* writer lock file in the chain directory */
#define BK_MAX_VERSION UINT32_MAX /* chain versions are u32 (backup_chain.c) */

/* ---- a table state: sorted keys, each with a record slot ---------------------------------- */
typedef struct bk_state {
    size_t n;              /* live keys */
    uint64_t *keys;        /* ascending */
    uint32_t *slot;        /* slot of keys[i] in arena */
    uint8_t *arena;        /* nslots * 2048 bytes */
    size_t nslots, slotcap;
    uint32_t *freeslots;
    size_t nfree, freecap;
    bsp_fp_map map;        /* set when the arena is a snapshot's mapped column, not malloc'd */
} bk_state;

void bk_state_free(bk_state *s);
static inline uint8_t *bk_state_rec(const bk_state *s, size_t i)
{
    return s->arena + (size_t)s->slot[i] * BK_REC;
}
/* Index of key, or -1. */
long bk_state_find(const bk_state *s, uint64_t key);
/* Reserve room for n keys and n slots (used by loaders; then fill keys/slot/arena directly). */
int bk_state_reserve(bk_state *s, size_t n);
/* Only the keys and slot arrays (a loader that brings its own arena in s->map). */
int bk_state_reserve_keys(bk_state *s, size_t n);

/* ---- one version record in memory ---------------------------------------------------------- */
typedef struct bk_entry {
    uint64_t key;
    uint8_t kind;          /* BSP_BACKUP_MODIFY / CREATE / DELETE */
    uint64_t checksum;     /* §13 */
    uint32_t len;          /* payload bytes */
    size_t off;            /* payload at rec->buf + off */
} bk_entry;

typedef struct bk_record {
    uint64_t from, to;
    uint64_t rows_from, rows_to;
    size_t n, cap;
    bk_entry *e;
    uint8_t *buf;
    size_t len, bufcap;
} bk_record;

void bk_record_free(bk_record *r);
int bk_record_add(bk_record *r, uint64_t key, uint8_t kind, uint64_t checksum, const uint8_t *payload,
                  uint32_t len);

/* §13 forward (v−1 → v) and backward (v → v−1) apply, atomic: every requirement is checked
 * before anything changes; a failure is BSP_ECORRUPT naming the version, key and kind. */
int bk_apply_forward(bk_state *s, const bk_record *r);
/* BSP_ECORRUPT "version record a->b: key k (KIND): what". */
int bk_entry_fail(const bk_record *r, const bk_entry *e, const char *what);
/* §13 checksums of up to BK_FNV_LANES records at once (FNV-1a-64 of the 2,048 bytes). */
#define BK_FNV_LANES 8
void bk_fnv_lanes(const uint8_t *const rec[], int n, uint64_t h[BK_FNV_LANES]);
int bk_apply_backward(bk_state *s, const bk_record *r);

/* ---- the table side ------------------------------------------------------------------------ */
typedef struct bk_table_cols {
    char key[128];
    char fp[128];
    bsp_type key_type;
} bk_table_cols;

/* Resolve the key and fingerprint columns of an open version (options may name them). */
int bk_table_cols_resolve(const bsp_dataset *ds, const bsp_backup_options *o, bk_table_cols *c);

/* The full state of version v of the table (v = 0: empty). */
int bk_table_state(const char *table, uint64_t v, const bk_table_cols *c, bk_state *out);

/* R(from → to) computed from the table (to = from + 1 in practice; from may be 0). */
int bk_table_record(const char *table, uint64_t from, uint64_t to, const bk_table_cols *c,
                    bk_record *out);

/* Widen / narrow a key value of an integer column. */
bool bk_key_type_ok(bsp_type t);
uint64_t bk_col_key(const bsp_column *c, uint64_t i);
int bk_col_from_keys(bsp_type t, const uint64_t *keys, size_t n, bsp_column *out);

/* ---- the chain table ----------------------------------------------------------------------- */
/* One item of the chain (a fragment: header row + entries). */
typedef struct bk_item {
    uint64_t from, to;
    int kind;               /* BSP_BACKUP_HEADER (a record) or BSP_BACKUP_SNAPSHOT */
    uint64_t nentries;      /* entries (records) / rows (snapshots) */
    uint64_t rows_from, rows_to;
    uint64_t digest;
    uint64_t counts[4];     /* [kind] for MODIFY/CREATE/DELETE */
    size_t seg;             /* segment of the chain (0 = the chain table itself) */
    size_t frag;            /* fragment index in that segment's dataset */
    uint64_t frag_id;
    uint64_t bytes;
    bool header_ok;         /* row 0 passed its CRC and checksum */
    char header_err[160];
} bk_item;

/* A chain is segmented: the chain table itself holds the items up to the second snapshot
 * marker, and every later marker starts a segment table "<chain>/_segments/<v>.lance" (v
 * zero-padded to 20 digits) with the records that follow it, so no table's manifest lists
 * more than a snapshot interval's fragments. Items are indexed in segment order. */
#define BK_SEGMENTS_DIR "_segments"
typedef struct bk_chain {
    char *path;
    bsp_dataset **segs;     /* nsegs datasets; none for a chain without any commit */
    char **seg_rel;         /* each segment's directory relative to path ("" for the chain table) */
    size_t nsegs;
    bsp_type key_type;
    bk_item *items;
    size_t n;
} bk_chain;

/* Open a chain and index its items (reads row 0 of every fragment). A missing chain gives
 * an empty index when allow_missing, else BSP_ENOTFOUND. */
int bk_chain_open(const char *path, bool allow_missing, bk_chain *out);
void bk_chain_close(bk_chain *c);
/* The chain's last version (max to_version), false if it has no items. */
bool bk_chain_end(const bk_chain *c, uint64_t *v);

/* Append one version record / one snapshot marker (one commit each). key_type: the table's
 * key column type (fixes the chain schema on the first append). */
int bk_chain_append_record(const char *path, bsp_type key_type, const bk_record *r);
int bk_chain_append_snapshot(const char *path, bsp_type key_type, uint64_t v, uint64_t rows,
                             uint64_t digest);

/* Read item i's entries with every check (CRC, checksums of CREATE/DELETE, order, count and
 * digest against the header). Failures: BSP_ECORRUPT naming the version and key. When
 * problems is non-NULL, damage is reported through it instead and the walk continues. */
typedef void (*bk_problem_fn)(void *ctx, const bk_item *it, bool has_key, uint64_t key, int kind,
                              const char *what);
int bk_chain_read_record(const bk_chain *c, size_t i, bk_record *out, bk_problem_fn problem,
                         void *pctx);

/* Entry CRC-32C over from, to, key (u64 LE each), kind, checksum (u64 LE), payload. */
uint32_t bk_entry_crc(uint64_t from, uint64_t to, uint64_t key, uint8_t kind, uint64_t checksum,
                      const uint8_t *payload, size_t len);
/* Header payload (40 bytes): entries, rows before, rows after, digest, MODIFY count (u64 LE). */
#define BK_HEADER_BYTES 40
void bk_header_encode(uint8_t out[BK_HEADER_BYTES], uint64_t nentries, uint64_t rows_from,
                      uint64_t rows_to, uint64_t digest, uint64_t nmodify);
/* Digest step: FNV-1a-64 over the entry CRCs (u32 LE) in order; start with bk_digest_init. */
uint64_t bk_digest_init(void);
uint64_t bk_digest_step(uint64_t h, uint32_t crc);

/* The item index of R(v−1 → v), or -1. */
long bk_chain_record_to(const bk_chain *c, uint64_t v);

/* ---- restore -------------------------------------------------------------------------------- */
/* The streamed restore (backup_restore_stream.c): when the snapshot is mapped and every record
 * from it to v only modifies, rebuild and write v overlapped; *used says whether it applied
 * (false and BSP_OK: nothing done, restore the ordinary way). */
#define BK_STREAM_MAX_ROWS (1u << 20) /* one data file (bsp_write_options.max_rows_per_file) */
int bk_restore_streamed(const bk_chain *c, const char *chain, const bk_item *snap, uint64_t v, const char *out,
                        const bsp_progress *prog, bsp_restore_stats *stats, bool *used);

/* ---- snapshots ---------------------------------------------------------------------------- */
/* "<chain>/_snapshots/<v>.lance" (malloc'd). */
char *bk_snapshot_path(const char *chain, uint64_t v);
/* Write the snapshot table of state s at version v (replacing a leftover of a crashed run);
 * *digest receives the digest of its row CRCs. Empty states write no table. */
int bk_snapshot_write(const char *chain, uint64_t v, const bk_state *s, const bk_table_cols *c,
                      const bsp_progress *p, uint64_t *digest);
/* Load a snapshot, checking every row CRC, key order, the row count and the digest from the
 * chain's marker. names (optional) receives the key and fingerprint column names and key
 * type for restore. */
int bk_snapshot_load(const char *chain, const bk_item *marker, bk_state *out, bk_table_cols *names,
                     bk_problem_fn problem, void *pctx);
/* A snapshot for the streamed restore: its keys and stored row CRCs (key order and the
 * digest of the CRCs already checked against the marker) and its fingerprint column mapped;
 * the rows are the caller's to check against crcs (bk_row_crcs). BSP_EUNSUPPORTED, nothing
 * reported, when the snapshot is empty, its marker is damaged or its column is not mappable:
 * bk_snapshot_load handles (and reports) those. */
typedef struct bk_snap_view {
    size_t n;
    uint64_t *keys;
    uint32_t *crcs;
    bsp_fp_map map;
} bk_snap_view;
int bk_snapshot_view(const char *chain, const bk_item *marker, bk_snap_view *out, bk_table_cols *names);
void bk_snap_view_free(bk_snap_view *v);
/* Row CRCs (CRC-32C of the u64 key, then the 2,048 bytes) of n consecutive rows. */
void bk_row_crcs(const uint64_t *keys, const uint8_t *rows, size_t n, uint32_t *out);
/* Tests set this to load snapshots through the read path instead of mapping them. */
extern bool bk_snapshot_no_map;

/* ---- seals -------------------------------------------------------------------------------- */
/* Record size + CRC-32C of every file of the chain that is not sealed yet. */
int bk_seal_update(const char *chain);
/* Check every sealed file and report unsealed ones; problem(ctx, relpath, what) per damage. */
typedef void (*bk_seal_problem_fn)(void *ctx, const char *relpath, const char *what);
int bk_seal_check(const char *chain, bk_seal_problem_fn problem, void *ctx, uint64_t *files);
/* Parse seal-file text (for the fuzzer): counts of good and rejected lines. */
int bk_seal_parse_count(const uint8_t *data, size_t len, size_t *good, size_t *bad);

#endif
