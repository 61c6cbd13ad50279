/* cache_diff: the XorDelta between the visible value of an address (base ^ cache entry) and
 * a new record, computed without building the visible record: the whole cost of a put that
 * is not I/O. Blocks of 8 words are compared at a time; a block where the entry has no word
 * and the record equals the base (the common case: a put changes a few words) costs one
 * 64-byte compare. The AVX-512 form (cache_diff_avx512.c) does each block in a handful of
 * instructions; which one runs follows the kernel choice of src/fp (BSP_KERNEL included). */
#include <string.h>

#include "fp/kernels.h"
#include "space/cache.h"

uint32_t cache_diff_portable(const uint64_t *base, const uint64_t *ebm, const uint64_t *ewords,
                             const uint64_t *v, uint64_t out_bm[4], uint64_t *out_words)
{
    uint32_t k = 0, n = 0;
    for (int g = 0; g < 4; g++) {
        uint64_t em = ebm ? ebm[g] : 0, om = 0;
        for (int j = 0; j < 8; j++) {
            size_t w0 = 64 * (size_t)g + 8 * (size_t)j;
            unsigned m = (unsigned)(em >> (8 * j)) & 0xFF;
            if (!m && memcmp(base + w0, v + w0, 64) == 0) continue;
            for (int i = 0; i < 8; i++) {
                uint64_t x = base[w0 + i] ^ v[w0 + i];
                if (m >> i & 1) x ^= ewords[k++];
                if (x) {
                    out_words[n++] = x;
                    om |= 1ull << (8 * j + i);
                }
            }
        }
        out_bm[g] = om;
    }
    return n;
}

typedef uint32_t (*diff_fn)(const uint64_t *, const uint64_t *, const uint64_t *, const uint64_t *,
                            uint64_t *, uint64_t *);

static diff_fn choose(void)
{
#ifdef FP_HAVE_X86
    if (!strncmp(fp_kernel_active()->name, "avx512", 6)) return cache_diff_avx512;
#endif
    return cache_diff_portable;
}

void cache_diff(const space_cache *c, uint16_t addr, const uint64_t v[BSP_WORDS], bsp_delta *d)
{
    static diff_fn fn; /* benign race: every thread computes the same pointer */
    diff_fn f = __atomic_load_n(&fn, __ATOMIC_RELAXED);
    if (!f) __atomic_store_n(&fn, f = choose(), __ATOMIC_RELAXED);
    const cache_entry *e = c->entries[addr];
    d->nnz = f(c->base[addr], e ? e->bitmap : NULL, e ? e->words : NULL, v, d->bitmap, d->words);
}
