/* The XOR write cache of spec §11: a map address -> non-zero XorDelta in front of a base
 * store (the BindSpace record array). The visible value of an address is base ^ entry.
 *
 * Entries live in a directly indexed table of 65,536 slots (addresses are u16), each a
 * compact delta (bitmap + nnz words) sized to its nnz, with a bitmap of which slots are set
 * so a flush visits them in ascending address order. The functions here do no locking: the
 * owner (space.c) holds the cache's reader/writer lock `rw` shared for read_through,
 * is_dirty, dirty_count and should_flush and exclusive for record_*, drop and flush. */
#ifndef BSP_SPACE_CACHE_H
#define BSP_SPACE_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/delta.h"
#include "bindspace/fp.h"

typedef struct cache_entry {
    uint64_t bitmap[4];
    uint32_t nnz, cap;  /* cap: words allocated */
    uint64_t words[];   /* nnz non-zero XOR words, ascending word order */
} cache_entry;

typedef struct space_cache {
    pthread_rwlock_t rw;
    uint64_t (*base)[BSP_WORDS];    /* 65,536 records */
    const uint64_t *occupied;       /* 1,024-word occupancy bitmap of the base */
    cache_entry **entries;          /* 65,536 slots */
    uint64_t has[1024];             /* bit a set iff entries[a] != NULL */
    size_t dirty_count;
    size_t cached_bytes;
    uint64_t ops_since_flush;
    uint64_t max_bytes;
} space_cache;

typedef enum cache_read { CACHE_CLEAN = 0, CACHE_PATCHED = 1 } cache_read;

int cache_init(space_cache *c, uint64_t (*base)[BSP_WORDS], const uint64_t *occupied,
               uint64_t max_bytes);
void cache_destroy(space_cache *c);

static inline bool cache_bit(const uint64_t *bm, uint32_t a) { return (bm[a >> 6] >> (a & 63)) & 1; }

/* record_delta / record_write (§11). BSP_ENOTFOUND for an unoccupied address; the prefix
 * rule (0x00-0x0B) is the space's. applied (may be NULL) receives the delta relative to
 * the visible value that was recorded (for record_write: compute(visible, v)). */
int cache_record_delta(space_cache *c, uint16_t addr, const bsp_delta *d);
int cache_record_write(space_cache *c, uint16_t addr, const uint64_t v[BSP_WORDS], bsp_delta *applied);
/* read_through: CACHE_CLEAN (use c->base[addr]; valid while the lock is held) or
 * CACHE_PATCHED with base ^ entry copied into patched. */
cache_read cache_read_through(const space_cache *c, uint16_t addr, uint64_t patched[BSP_WORDS]);
/* d = the XorDelta from the visible value of addr to v (compute(visible, v)), without
 * building the visible record (cache_diff.c). d is compact: bitmap, nnz and words[0..nnz)
 * are set, words[nnz..255] are NOT cleared (callers that hand d out clear them). */
void cache_diff(const space_cache *c, uint16_t addr, const uint64_t v[BSP_WORDS], bsp_delta *d);
/* Its two forms (tests call both; the AVX-512 one only where the fp kernel choice is avx512):
 * base ^ (entry bitmap ebm / words ewords, both NULL for no entry) against v; writes the
 * delta bitmap and payload (out_words has room for 256 words) and returns nnz. */
uint32_t cache_diff_portable(const uint64_t *base, const uint64_t *ebm, const uint64_t *ewords,
                             const uint64_t *v, uint64_t out_bm[4], uint64_t *out_words);
uint32_t cache_diff_avx512(const uint64_t *base, const uint64_t *ebm, const uint64_t *ewords,
                           const uint64_t *v, uint64_t out_bm[4], uint64_t *out_words);
/* Copy the visible value into out (base, patched when dirty). */
void cache_visible(const space_cache *c, uint16_t addr, uint64_t out[BSP_WORDS]);
static inline bool cache_is_dirty(const space_cache *c, uint16_t addr) { return cache_bit(c->has, addr); }
static inline bool cache_should_flush(const space_cache *c) { return c->cached_bytes >= c->max_bytes; }
/* Discard the entry of addr (write_at / delete). */
void cache_drop(space_cache *c, uint16_t addr);
/* Apply every entry to the base in ascending address order, then clear the map, cached_bytes
 * and ops_since_flush (§11 flush, caller holds the lock exclusive). */
void cache_apply_all(space_cache *c);
/* The entry of addr as a bsp_delta (zero delta if none). */
void cache_entry_get(const space_cache *c, uint16_t addr, bsp_delta *out);

#endif
