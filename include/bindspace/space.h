/* BindSpace (spec §11, §14, §15): the hot, addressed view of a database's `nodes.lance`
 * table. 65,536 addresses of one 2 KiB record each, an occupancy bit and a dirty bit per
 * address, an XOR write cache in front of the records, and a write-ahead log that makes every
 * acknowledged write survive a crash. `bsp_space_flush` turns the cached changes into one
 * Lance commit. Design notes: docs/space.md.
 *
 * Threads: every function may be called from any thread. Reads (get, is_occupied, stats,
 * dn_get, ...) run concurrently with each other and with one writer; they copy the record
 * under a shared lock, so a reader never sees a torn record. Writers are serialised. A write
 * returns only when its WAL record is durable under the configured durability mode. */
#ifndef BINDSPACE_SPACE_H
#define BINDSPACE_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/delta.h"
#include "bindspace/fp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BSP_SPACE_ADDRS 65536u
#define BSP_ADDR(prefix, slot) ((uint16_t)(((unsigned)(prefix) << 8) | (unsigned)(slot)))
#define BSP_ADDR_PREFIX(a) ((uint8_t)((a) >> 8))
#define BSP_ADDR_SLOT(a) ((uint8_t)(a))

/* Zones of §14, by prefix. */
typedef enum bsp_zone {
    BSP_ZONE_SURFACE_FIXED = 0, /* 0x00-0x0B: generated at open, read-only, never persisted */
    BSP_ZONE_SURFACE = 1,       /* 0x0C-0x0F: writable, persisted */
    BSP_ZONE_FLUID = 2,         /* 0x10-0x7F */
    BSP_ZONE_NODES = 3          /* 0x80-0xFF */
} bsp_zone;
bsp_zone bsp_space_zone(uint16_t addr);
/* The name of a fixed surface entry ("CAUSES" for 0x07:00), or NULL if the slot is unoccupied. */
const char *bsp_space_surface_name(uint16_t addr);

/* WAL durability (docs/space.md). */
typedef enum bsp_durability {
    BSP_DURABLE_SYNC = 0,     /* a write returns after the fdatasync covering it (group commit) */
    BSP_DURABLE_INTERVAL = 1, /* a background thread syncs every interval_ms; writes return at once */
    BSP_DURABLE_NONE = 2      /* written to the OS only (tests, bulk loads) */
} bsp_durability;

typedef struct bsp_space bsp_space;

/* Called at the end of every successful flush that made a commit, outside the locks, with
 * the table path and the versions before and after (old is 0 when the table was created). */
typedef void (*bsp_space_flush_fn)(void *ctx, bsp_space *sp, const char *table_path,
                                   uint64_t old_version, uint64_t new_version);

typedef struct bsp_space_options {
    uint64_t version;            /* 0 = latest (writable); else that version, read-only */
    bool read_only;              /* open the latest version read-only (no WAL, no lock) */
    bsp_durability durability;   /* default BSP_DURABLE_SYNC */
    uint32_t interval_ms;        /* BSP_DURABLE_INTERVAL period; 0 = 10 ms */
    uint64_t max_bytes;          /* cache size that triggers a flush; 0 = 1,048,576 */
    bool no_auto_flush;          /* never flush from a write (should_flush is still reported) */
    bsp_space_flush_fn on_flush; /* optional hook, see above */
    void *on_flush_ctx;
} bsp_space_options;

/* Open the database directory `dir` (created if missing unless read-only): loads
 * dir/nodes.lance at the requested version (a missing table is an empty space; it is created
 * by the first flush), generates the fixed surface, then replays dir/_bindspace/wal/. A
 * writable open takes dir/_bindspace/lock (BSP_EBUSY if another process holds it). A torn WAL
 * tail is truncated with a warning on stderr; a damaged record before the tail fails with
 * BSP_ECORRUPT naming the segment and offset. opts may be NULL. */
int bsp_space_open(const char *dir, const bsp_space_options *opts, bsp_space **out);
/* Close without flushing (the WAL keeps the unflushed writes). NULL is fine. */
void bsp_space_close(bsp_space *sp);
bool bsp_space_read_only(const bsp_space *sp);
uint64_t bsp_space_version(const bsp_space *sp); /* Lance version the base reflects (0 = none) */

/* ---- reads (shared lock; out gets a copy) ------------------------------------------------ */
/* The visible record (§11). BSP_ENOTFOUND if the address is unoccupied. */
int bsp_space_get(bsp_space *sp, uint16_t addr, uint64_t out[BSP_WORDS]);
/* n visible records under one shared lock (a consistent snapshot of those addresses);
 * found[i] (found may be NULL) tells whether addrs[i] is occupied, else out[i] is zero. */
int bsp_space_get_many(bsp_space *sp, const uint16_t *addrs, size_t n, uint64_t (*out)[BSP_WORDS], bool *found);
bool bsp_space_is_occupied(bsp_space *sp, uint16_t addr);
bool bsp_space_is_dirty(bsp_space *sp, uint16_t addr);  /* has a cache entry (§11) */
size_t bsp_space_count(bsp_space *sp);                  /* occupied addresses */
/* Per-address helpers (§14) on visible records; BSP_ENOTFOUND for an unoccupied address. */
int bsp_space_hamming(bsp_space *sp, uint16_t a, uint16_t b, uint32_t *dist);
int bsp_space_similarity(bsp_space *sp, uint16_t a, uint16_t b, double *sim);
int bsp_space_popcount(bsp_space *sp, uint16_t a, uint32_t *count);
int bsp_space_bind(bsp_space *sp, uint16_t a, uint16_t b, uint64_t out[BSP_WORDS]);
int bsp_space_bundle(bsp_space *sp, const uint16_t *addrs, size_t n, uint64_t out[BSP_WORDS]);

/* Visit every occupied address in ascending order with its visible record (valid during
 * the call only), under the shared lock. fn returns non-zero to stop; that value is returned.
 * fn must not call into the space (the lock prefers writers: a nested read could deadlock). */
typedef int (*bsp_space_visit_fn)(void *ctx, uint16_t addr, const uint64_t rec[BSP_WORDS]);
int bsp_space_foreach(bsp_space *sp, bsp_space_visit_fn fn, void *ctx);

/* ---- writes (BSP_EPERM on prefixes 0x00-0x0B and on a read-only space) ------------------- */
/* §14 write: the first unoccupied node address at or after the cursor. BSP_EFULL if none. */
int bsp_space_write(bsp_space *sp, const uint64_t rec[BSP_WORDS], uint16_t *addr);
/* §14 write_at: replace the whole record (occupying the address), dropping its cache entry. */
int bsp_space_write_at(bsp_space *sp, uint16_t addr, const uint64_t rec[BSP_WORDS]);
/* §11 record_write on an occupied address; write_at on an unoccupied one. */
int bsp_space_put(bsp_space *sp, uint16_t addr, const uint64_t rec[BSP_WORDS]);
/* §11 record_delta: visible' = visible ^ d. BSP_ENOTFOUND on an unoccupied address. */
int bsp_space_apply_delta(bsp_space *sp, uint16_t addr, const bsp_delta *d);
/* §14 delete: clears occupancy and the cache entry. BSP_ENOTFOUND if unoccupied. */
int bsp_space_delete(bsp_space *sp, uint16_t addr);

/* ---- write cache and persistence --------------------------------------------------------- */
typedef struct bsp_space_stats {
    size_t occupied;
    size_t dirty_count;        /* cache entries (§11) */
    size_t cached_bytes;       /* Σ compressed_bytes of the entries */
    uint64_t ops_since_flush;
    size_t unflushed;          /* addresses changed since the last flush (§14 dirty bits) */
    uint64_t max_bytes;
    uint64_t version;          /* Lance version of the base */
    uint64_t wal_seq;          /* last WAL sequence number written */
    uint64_t wal_durable_seq;  /* last WAL sequence number known durable */
} bsp_space_stats;
void bsp_space_stats_get(bsp_space *sp, bsp_space_stats *st);
bool bsp_space_should_flush(bsp_space *sp); /* cached_bytes >= max_bytes */
/* Make every change one Lance commit (deletion vector on the old rows + one fragment with
 * the changed rows), then logically truncate the WAL and clear the cache, atomically for
 * readers. A flush with nothing to write makes no commit (but creates an empty table if none
 * exists). *new_version may be NULL. */
int bsp_space_flush(bsp_space *sp, uint64_t *new_version);
/* Wait until every write so far is durable in the WAL (useful with BSP_DURABLE_INTERVAL). */
int bsp_space_sync(bsp_space *sp);

/* ---- DN addressing (§15) ------------------------------------------------------------------ */
/* write_dn_path: creates unindexed ancestors and writes the leaf; returns its address.
 * rung 0..2. Collisions are BSP_EEXIST naming both paths/addresses; nothing is written on error. */
int bsp_space_write_dn_path(bsp_space *sp, const char *path, const uint64_t fp[BSP_WORDS],
                            uint8_t rung, uint16_t *addr);
/* The visible record of an indexed path; BSP_ENOTFOUND if the path is not indexed. addr may be NULL. */
int bsp_space_dn_get(bsp_space *sp, const char *path, uint64_t out[BSP_WORDS], uint16_t *addr);
int bsp_space_dn_set(bsp_space *sp, const char *path, const uint64_t v[BSP_WORDS], uint16_t *addr);
/* dn_mget: out has n records in input order; found[i] tells whether path i is indexed. */
int bsp_space_dn_mget(bsp_space *sp, const char *const *paths, size_t n, uint64_t (*out)[BSP_WORDS],
                      bool *found);
/* dn_scan: indexed canonical paths matching pattern, ordered by path bytes. *paths is one
 * malloc'd array of malloc'd strings (free with bsp_space_dn_paths_free); addrs may be NULL,
 * else *addrs is malloc'd (caller frees). */
int bsp_space_dn_scan(bsp_space *sp, const char *pattern, char ***paths, uint16_t **addrs,
                      size_t *n);
void bsp_space_dn_paths_free(char **paths, size_t n);

#ifdef __cplusplus
}
#endif
#endif
