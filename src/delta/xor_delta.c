/* XorDelta values (spec §10.1): a 256-bit bitmap of changed words plus the non-zero XOR
 * words in ascending word order.
 *
 * The one idea: word w's payload index is the number of set bitmap bits below w, so every
 * operation walks the 4 bitmap words with count-trailing-zeros and a running index instead
 * of testing 256 words; only building the bitmap looks at every word. Invariant kept by every function here: entries words[nnz..255] are
 * zero (so a delta's bytes never leak stale words). */
#include <string.h>

#include "bindspace/delta.h"

/* Clear the unused tail so the struct is canonical. */
static void clear_tail(bsp_delta *d)
{
    memset(d->words + d->nnz, 0, (BSP_WORDS - d->nnz) * sizeof d->words[0]);
}

bool bsp_delta_equal(const bsp_delta *a, const bsp_delta *b)
{
    return a->nnz == b->nnz && memcmp(a->bitmap, b->bitmap, sizeof a->bitmap) == 0 &&
           memcmp(a->words, b->words, a->nnz * sizeof a->words[0]) == 0;
}

void bsp_delta_zero(bsp_delta *d) { memset(d, 0, sizeof *d); }

/* Changed-word bitmap: bit i of bm[g] says whether word 64g + i of a ⊕ b is non-zero (XOR(a, b))
 * or of a itself (XOR(a, 0)). No branch and no store in the loop; four accumulators keep the
 * OR chains short. A macro so that each caller gets its own straight loop. */
#define BITMAP_OF(bm, XOR)                                                          \
    for (int g = 0; g < 4; g++) {                                                   \
        uint64_t m0 = 0, m1 = 0, m2 = 0, m3 = 0;                                    \
        for (int i = 64 * g, s = 0; s < 64; i += 4, s += 4) {                       \
            m0 |= (uint64_t)(XOR(i) != 0) << s;                                     \
            m1 |= (uint64_t)(XOR(i + 1) != 0) << (s + 1);                           \
            m2 |= (uint64_t)(XOR(i + 2) != 0) << (s + 2);                           \
            m3 |= (uint64_t)(XOR(i + 3) != 0) << (s + 3);                           \
        }                                                                           \
        (bm)[g] = m0 | m1 | m2 | m3;                                                \
    }

/* Two passes: the bitmap, then the payload gathered by walking its set bits, so a sparse
 * delta costs one read pass plus O(nnz). */
void bsp_delta_compute(bsp_delta *d, const uint64_t a[BSP_WORDS], const uint64_t b[BSP_WORDS])
{
#define AB(i) (a[i] ^ b[i])
    BITMAP_OF(d->bitmap, AB)
#undef AB
    uint32_t n = 0;
    for (int g = 0; g < 4; g++)
        for (uint64_t m = d->bitmap[g]; m; m &= m - 1) {
            int w = 64 * g + __builtin_ctzll(m);
            d->words[n++] = a[w] ^ b[w];
        }
    d->nnz = n;
    clear_tail(d);
}

void bsp_delta_from_words(bsp_delta *d, const uint64_t x[BSP_WORDS])
{
    /* x may be d->words itself: the k-th payload word comes from index >= k, read before
     * (or at the moment) it is overwritten. */
#define X(i) (x[i])
    BITMAP_OF(d->bitmap, X)
#undef X
    uint32_t n = 0;
    for (int g = 0; g < 4; g++)
        for (uint64_t m = d->bitmap[g]; m; m &= m - 1) {
            uint64_t v = x[64 * g + __builtin_ctzll(m)];
            d->words[n++] = v;
        }
    d->nnz = n;
    clear_tail(d);
}

void bsp_delta_apply(uint64_t base[BSP_WORDS], const bsp_delta *d)
{
    uint32_t k = 0;
    for (int g = 0; g < 4; g++) {
        for (uint64_t m = d->bitmap[g]; m; m &= m - 1) {
            base[64 * g + __builtin_ctzll(m)] ^= d->words[k++];
        }
    }
}

void bsp_delta_expand(uint64_t out[BSP_WORDS], const bsp_delta *d)
{
    memset(out, 0, BSP_WORDS * sizeof out[0]);
    bsp_delta_apply(out, d);
}

void bsp_delta_compose(bsp_delta *out, const bsp_delta *d1, const bsp_delta *d2)
{
    uint64_t x[BSP_WORDS];
    bsp_delta_expand(x, d1);
    bsp_delta_apply(x, d2);
    bsp_delta_from_words(out, x);
}

uint32_t bsp_delta_hamming(const bsp_delta *d)
{
    uint32_t h = 0;
    for (uint32_t i = 0; i < d->nnz; i++) h += (uint32_t)__builtin_popcountll(d->words[i]);
    return h;
}

size_t bsp_delta_compressed_bytes(const bsp_delta *d) { return 32 + 8 * (size_t)d->nnz; }

double bsp_delta_compression_ratio(const bsp_delta *d)
{
    return (double)bsp_delta_compressed_bytes(d) / (double)BSP_BYTES;
}

double bsp_delta_sparsity(const bsp_delta *d) { return 1.0 - (double)d->nnz / (double)BSP_WORDS; }

/* Words 208..255 are bitmap word 3, bits 16..63. */
#define SCHEMA_BITS_W3 0xFFFFFFFFFFFF0000ull

bool bsp_delta_is_semantic_only(const bsp_delta *d) { return (d->bitmap[3] & SCHEMA_BITS_W3) == 0; }

/* Number of payload words belonging to record words 0..207 (they come first). */
static uint32_t semantic_count(const bsp_delta *d)
{
    return (uint32_t)(__builtin_popcountll(d->bitmap[0]) + __builtin_popcountll(d->bitmap[1]) +
                      __builtin_popcountll(d->bitmap[2]) +
                      __builtin_popcountll(d->bitmap[3] & ~SCHEMA_BITS_W3));
}

void bsp_delta_semantic_part(bsp_delta *out, const bsp_delta *d)
{
    uint32_t n = semantic_count(d);
    if (out != d) memcpy(out->words, d->words, n * sizeof d->words[0]);
    out->bitmap[0] = d->bitmap[0];
    out->bitmap[1] = d->bitmap[1];
    out->bitmap[2] = d->bitmap[2];
    out->bitmap[3] = d->bitmap[3] & ~SCHEMA_BITS_W3;
    out->nnz = n;
    clear_tail(out);
}

void bsp_delta_schema_part(bsp_delta *out, const bsp_delta *d)
{
    uint32_t skip = semantic_count(d), n = d->nnz - skip;
    memmove(out->words, d->words + skip, n * sizeof d->words[0]);
    out->bitmap[0] = out->bitmap[1] = out->bitmap[2] = 0;
    out->bitmap[3] = d->bitmap[3] & SCHEMA_BITS_W3;
    out->nnz = n;
    clear_tail(out);
}
