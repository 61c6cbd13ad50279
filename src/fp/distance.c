/* Distances and bit operations on records (spec §5, §14). This file holds the portable
 * definitions; SIMD kernels are selected at start-up (see kernels.h when present). */
#include "bindspace/fp.h"
#include "util/error.h"

static uint32_t popcount_words(const uint64_t *a, const uint64_t *b, size_t from, size_t to)
{
    uint32_t d = 0;
    for (size_t w = from; w < to; w++) d += (uint32_t)__builtin_popcountll(a[w] ^ b[w]);
    return d;
}

uint32_t bsp_fp_hamming(const uint64_t *a, const uint64_t *b) { return popcount_words(a, b, 0, BSP_WORDS); }
uint32_t bsp_fp_semantic(const uint64_t *a, const uint64_t *b) { return popcount_words(a, b, 0, BSP_SEM_WORDS); }

int bsp_fp_masked(const uint64_t *a, const uint64_t *b, uint16_t mask, uint32_t *dist)
{
    if (mask == 0) return bsp_err(BSP_EINVAL, "block mask 0 selects no blocks");
    uint32_t d = 0;
    for (int k = 0; k < BSP_BLOCKS; k++)
        if (mask >> k & 1) d += popcount_words(a, b, 16 * (size_t)k, 16 * (size_t)k + 16);
    *dist = d;
    return BSP_OK;
}

int bsp_fp_masked_within(const uint64_t *a, const uint64_t *b, uint16_t mask, uint32_t t, uint32_t *dist)
{
    if (mask == 0) return bsp_err(BSP_EINVAL, "block mask 0 selects no blocks");
    uint32_t d = 0;
    for (int k = 0; k < BSP_BLOCKS; k++) {
        if (!(mask >> k & 1)) continue;
        d += popcount_words(a, b, 16 * (size_t)k, 16 * (size_t)k + 16);
        if (d > t) return 0;
    }
    *dist = d;
    return 1;
}

uint32_t bsp_fp_popcount(const uint64_t *a)
{
    uint32_t n = 0;
    for (size_t w = 0; w < BSP_WORDS; w++) n += (uint32_t)__builtin_popcountll(a[w]);
    return n;
}

void bsp_fp_xor(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
    for (size_t w = 0; w < BSP_WORDS; w++) out[w] = a[w] ^ b[w];
}

int bsp_fp_bundle(uint64_t *out, const uint64_t *const *inputs, size_t n)
{
    if (n == 0) return bsp_err(BSP_EINVAL, "bundle needs at least one input");
    for (size_t w = 0; w < BSP_WORDS; w++) {
        uint64_t word = 0;
        for (int bit = 0; bit < 64; bit++) {
            size_t count = 0;
            for (size_t i = 0; i < n; i++) count += (inputs[i][w] >> bit) & 1;
            if (2 * count > n) word |= 1ull << bit;
        }
        out[w] = word;
    }
    return BSP_OK;
}

int bsp_mask_blocks(uint16_t mask) { return __builtin_popcount(mask); }

double bsp_similarity(uint32_t d, uint16_t mask)
{
    return 1.0 - (double)d / (1024.0 * (double)bsp_mask_blocks(mask));
}

uint64_t bsp_isqrt(uint64_t n)
{
    uint64_t x = 0, bit = 1ull << 62;
    while (bit > n) bit >>= 2;
    while (bit) {
        if (n >= x + bit) {
            n -= x + bit;
            x = (x >> 1) + bit;
        } else {
            x >>= 1;
        }
        bit >>= 2;
    }
    return x;
}

const char *bsp_fp_kernel_name(void) { return "portable"; }
