/* The inside of a bsp_space, shared by the files of src/space/: space.c (records, zones,
 * reads and writes), persist.c (loading nodes.lance and flushing to it), dn.c (DN index),
 * surface.c (the generated surface).
 *
 * Locks: `wmu` serialises writers (and flush, which holds it across the Lance commit so the
 * state it persists cannot change); cache.rw is taken exclusive only for the moment a writer
 * changes records, occupancy or the cache, and shared by readers. So readers run during a
 * flush's commit and never see a state between its first base update and the cache clear. */
#ifndef BSP_SPACE_INTERNAL_H
#define BSP_SPACE_INTERNAL_H

#include <pthread.h>

#include "bindspace/space.h"
#include "space/cache.h"
#include "space/wal.h"

#define SPACE_NO_ROW UINT64_MAX

struct bsp_space {
    char *dir, *table_path, *meta_dir, *wal_dir;
    bsp_space_options o;
    bool read_only;
    bool table_exists;
    uint64_t version;               /* Lance version of the base; 0 = no table */
    uint64_t (*rec)[BSP_WORDS];     /* 65,536 records, 64-byte aligned (mmap) */
    uint64_t occ[1024];             /* occupancy */
    uint64_t dirty[1024];           /* §14 dirty bits: write_at / delete since the last flush */
    space_cache cache;
    pthread_mutex_t wmu;
    uint32_t cursor;                /* next node slot for write(), 0..32767 */
    /* persisted row state of each address */
    uint64_t *rowaddr;              /* row address in `version`, SPACE_NO_ROW if none */
    uint64_t *ids;                  /* id column value */
    char **label, **props;          /* label / properties column (NULL = null) */
    char **dn_path;                 /* DN index: the canonical path indexed at this address */
    wal *wal;
    int lockfd;
    bool replaying;                 /* applying WAL records: do not log */
};

static inline void bit_set(uint64_t *bm, uint32_t a) { bm[a >> 6] |= 1ull << (a & 63); }
static inline void bit_clear(uint64_t *bm, uint32_t a) { bm[a >> 6] &= ~(1ull << (a & 63)); }
static inline bool bit_get(const uint64_t *bm, uint32_t a) { return (bm[a >> 6] >> (a & 63)) & 1; }

/* surface.c */
void surface_generate(bsp_space *sp);

/* space.c: the state changes, with the writer lock held (and cache.rw taken inside).
 * They log to the WAL unless sp->replaying; *seq gets the last sequence number (0 if none). */
int space_do_write_at(bsp_space *sp, uint16_t addr, const uint64_t rec[BSP_WORDS], uint64_t *seq);
int space_do_delta(bsp_space *sp, uint16_t addr, const bsp_delta *d, uint64_t *seq);
int space_do_delete(bsp_space *sp, uint16_t addr, uint64_t *seq);
int space_do_dnbind(bsp_space *sp, uint16_t addr, const char *path, size_t len, uint64_t *seq);
/* Wait for durability of seq, then flush if the cache is full (auto flush). */
int space_after_write(bsp_space *sp, uint64_t seq);
int space_check_writable(const bsp_space *sp, uint16_t addr);

/* persist.c */
int persist_load(bsp_space *sp);                 /* nodes.lance at sp->o.version into memory */
int persist_flush(bsp_space *sp, uint64_t *new_version, uint64_t *old_version, bool *committed);

#endif
