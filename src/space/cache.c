/* The XOR write cache (spec §11). An entry is the XOR between the base record and the
 * visible record of one address; composing a caller's delta into it is the whole write
 * path, and a composition that cancels to zero removes the entry, so an address written
 * back to its base value is clean again. See cache.h for the locking contract. */
#include "space/cache.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

int cache_init(space_cache *c, uint64_t (*base)[BSP_WORDS], const uint64_t *occupied,
               uint64_t max_bytes)
{
    memset(c, 0, sizeof *c);
    c->entries = calloc(65536, sizeof *c->entries);
    if (!c->entries) return bsp_err(BSP_ENOMEM, "write cache: out of memory");
    /* writers first: readers spinning on a hot space must not starve the one writer */
    pthread_rwlockattr_t at;
    pthread_rwlockattr_init(&at);
#ifdef __GLIBC__
    pthread_rwlockattr_setkind_np(&at, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    int lrc = pthread_rwlock_init(&c->rw, &at);
    pthread_rwlockattr_destroy(&at);
    if (lrc != 0) {
        free(c->entries);
        return bsp_err(BSP_ENOMEM, "write cache: cannot create the lock");
    }
    c->base = base;
    c->occupied = occupied;
    c->max_bytes = max_bytes ? max_bytes : 1048576;
    return BSP_OK;
}

void cache_destroy(space_cache *c)
{
    if (!c->entries) return;
    for (uint32_t a = 0; a < 65536; a++) free(c->entries[a]);
    free(c->entries);
    c->entries = NULL;
    pthread_rwlock_destroy(&c->rw);
}

static size_t entry_bytes(uint32_t nnz) { return 32 + 8 * (size_t)nnz; }

void cache_entry_get(const space_cache *c, uint16_t addr, bsp_delta *out)
{
    const cache_entry *e = c->entries[addr];
    if (!e) {
        bsp_delta_zero(out);
        return;
    }
    memcpy(out->bitmap, e->bitmap, sizeof out->bitmap);
    out->nnz = e->nnz;
    memcpy(out->words, e->words, 8 * (size_t)e->nnz);
    memset(out->words + e->nnz, 0, 8 * (size_t)(BSP_WORDS - e->nnz)); /* delta.h invariant */
}

/* Replace the entry of addr by d (removing it when d is zero), keeping the counters. */
static int entry_store(space_cache *c, uint16_t addr, const bsp_delta *d)
{
    cache_entry *e = c->entries[addr];
    if (e) {
        c->cached_bytes -= entry_bytes(e->nnz);
        if (d->nnz == 0) {
            free(e);
            c->entries[addr] = NULL;
            c->has[addr >> 6] &= ~(1ull << (addr & 63));
            c->dirty_count--;
            return BSP_OK;
        }
    } else if (d->nnz == 0) {
        return BSP_OK;
    }
    if (!e || e->cap < d->nnz) {
        uint32_t cap = d->nnz < 4 ? 4 : d->nnz;
        cache_entry *n = realloc(e, sizeof *n + 8 * (size_t)cap);
        if (!n) {
            if (e) c->cached_bytes += entry_bytes(e->nnz); /* unchanged */
            return bsp_err(BSP_ENOMEM, "write cache: out of memory for address 0x%04x", addr);
        }
        if (!e) {
            c->has[addr >> 6] |= 1ull << (addr & 63);
            c->dirty_count++;
        }
        n->cap = cap;
        e = n;
        c->entries[addr] = e;
    }
    memcpy(e->bitmap, d->bitmap, sizeof e->bitmap);
    e->nnz = d->nnz;
    memcpy(e->words, d->words, 8 * (size_t)d->nnz);
    c->cached_bytes += entry_bytes(e->nnz);
    return BSP_OK;
}

/* Position of word w among the entry's payload words: set bitmap bits below w. */
static uint32_t entry_pos(const cache_entry *e, uint32_t w)
{
    uint32_t g = w >> 6, pos = 0;
    for (uint32_t i = 0; i < g; i++) pos += (uint32_t)__builtin_popcountll(e->bitmap[i]);
    return pos + (uint32_t)__builtin_popcountll(e->bitmap[g] & ((1ull << (w & 63)) - 1));
}

/* compose(entry, d) for a sparse d, merged word by word into the compact entry: the same
 * value bsp_delta_compose gives (tests/space/test_cache.c checks it), without expanding
 * both deltas to 256 words. The entry has room for nnz + d->nnz words. */
static void entry_merge(space_cache *c, uint16_t addr, cache_entry *e, const bsp_delta *d)
{
    c->cached_bytes -= entry_bytes(e->nnz);
    uint32_t k = 0;
    for (uint32_t g = 0; g < 4; g++)
        for (uint64_t m = d->bitmap[g]; m; m &= m - 1) {
            uint32_t w = g * 64 + (uint32_t)__builtin_ctzll(m);
            uint64_t x = d->words[k++], bit = 1ull << (w & 63);
            uint32_t pos = entry_pos(e, w);
            if (e->bitmap[g] & bit) {
                e->words[pos] ^= x;
                if (e->words[pos] == 0) { /* the word cancels: it leaves the entry */
                    memmove(e->words + pos, e->words + pos + 1, 8 * (size_t)(e->nnz - pos - 1));
                    e->bitmap[g] &= ~bit;
                    e->nnz--;
                }
            } else {
                memmove(e->words + pos + 1, e->words + pos, 8 * (size_t)(e->nnz - pos));
                e->words[pos] = x;
                e->bitmap[g] |= bit;
                e->nnz++;
            }
        }
    if (e->nnz == 0) {
        free(e);
        c->entries[addr] = NULL;
        c->has[addr >> 6] &= ~(1ull << (addr & 63));
        c->dirty_count--;
        return;
    }
    c->cached_bytes += entry_bytes(e->nnz);
}

#define CACHE_SPARSE_MERGE 16 /* deltas up to this nnz are merged in place */

int cache_record_delta(space_cache *c, uint16_t addr, const bsp_delta *d)
{
    if (!cache_bit(c->occupied, addr))
        return bsp_err(BSP_ENOTFOUND, "address 0x%02x:%02x is not occupied", addr >> 8, addr & 0xFF);
    cache_entry *e = c->entries[addr];
    if (e && d->nnz <= CACHE_SPARSE_MERGE) {
        uint32_t need = e->nnz + d->nnz;
        if (need > e->cap) {
            uint32_t cap = need * 2 > BSP_WORDS ? BSP_WORDS : need * 2;
            if (cap < need) cap = need;
            cache_entry *n = realloc(e, sizeof *n + 8 * (size_t)cap);
            if (!n) return bsp_err(BSP_ENOMEM, "write cache: out of memory for address 0x%04x", addr);
            n->cap = cap;
            c->entries[addr] = e = n;
        }
        entry_merge(c, addr, e, d);
        c->ops_since_flush++;
        return BSP_OK;
    }
    bsp_delta cur;
    cache_entry_get(c, addr, &cur);
    bsp_delta_compose(&cur, &cur, d);
    int rc = entry_store(c, addr, &cur);
    if (rc < 0) return rc;
    c->ops_since_flush++;
    return BSP_OK;
}

void cache_visible(const space_cache *c, uint16_t addr, uint64_t out[BSP_WORDS])
{
    memcpy(out, c->base[addr], BSP_BYTES);
    const cache_entry *e = c->entries[addr];
    if (!e) return;
    uint32_t k = 0;
    for (int bw = 0; bw < 4; bw++)
        for (uint64_t m = e->bitmap[bw]; m; m &= m - 1) out[bw * 64 + __builtin_ctzll(m)] ^= e->words[k++];
}

int cache_record_write(space_cache *c, uint16_t addr, const uint64_t v[BSP_WORDS], bsp_delta *applied)
{
    if (!cache_bit(c->occupied, addr))
        return bsp_err(BSP_ENOTFOUND, "address 0x%02x:%02x is not occupied", addr >> 8, addr & 0xFF);
    bsp_delta d;
    cache_diff(c, addr, v, &d);
    int rc = cache_record_delta(c, addr, &d);
    if (rc == BSP_OK && applied) {
        *applied = d;
        memset(applied->words + d.nnz, 0, 8 * (size_t)(BSP_WORDS - d.nnz)); /* delta.h invariant */
    }
    return rc;
}

cache_read cache_read_through(const space_cache *c, uint16_t addr, uint64_t patched[BSP_WORDS])
{
    if (!c->entries[addr]) return CACHE_CLEAN;
    cache_visible(c, addr, patched);
    return CACHE_PATCHED;
}

void cache_drop(space_cache *c, uint16_t addr)
{
    bsp_delta z;
    z.nnz = 0;
    memset(z.bitmap, 0, sizeof z.bitmap);
    entry_store(c, addr, &z); /* removing never allocates */
}

void cache_apply_all(space_cache *c)
{
    for (uint32_t w = 0; w < 1024; w++) {
        for (uint64_t m = c->has[w]; m; m &= m - 1) {
            uint32_t a = w * 64 + (uint32_t)__builtin_ctzll(m);
            cache_entry *e = c->entries[a];
            uint32_t k = 0;
            for (int bw = 0; bw < 4; bw++)
                for (uint64_t b = e->bitmap[bw]; b; b &= b - 1)
                    c->base[a][bw * 64 + __builtin_ctzll(b)] ^= e->words[k++];
            free(e);
            c->entries[a] = NULL;
        }
        c->has[w] = 0;
    }
    c->dirty_count = 0;
    c->cached_bytes = 0;
    c->ops_since_flush = 0;
}
