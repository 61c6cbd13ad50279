/* The public distance and bit-operation functions of fp.h (spec §5, §14): argument checks and
 * the spec's error rules here, the work in the kernel table chosen at start-up (kernels.h). */
#include "bindspace/fp.h"
#include "fp/kernels.h"
#include "util/error.h"

uint32_t bsp_fp_hamming(const uint64_t *a, const uint64_t *b)
{
    return fp_kernel_active()->dist_range(a, b, 0, BSP_WORDS);
}

uint32_t bsp_fp_semantic(const uint64_t *a, const uint64_t *b)
{
    return fp_kernel_active()->dist_range(a, b, 0, BSP_SEM_WORDS);
}

int bsp_fp_masked(const uint64_t *a, const uint64_t *b, uint16_t mask, uint32_t *dist)
{
    if (mask == 0) return bsp_err(BSP_EINVAL, "block mask 0 selects no blocks");
    *dist = fp_kernel_active()->dist_mask(a, b, mask);
    return BSP_OK;
}

int bsp_fp_masked_within(const uint64_t *a, const uint64_t *b, uint16_t mask, uint32_t t, uint32_t *dist)
{
    if (mask == 0) return bsp_err(BSP_EINVAL, "block mask 0 selects no blocks");
    uint32_t d = fp_kernel_active()->dist_within(a, b, mask, t);
    if (d > t) return 0;
    *dist = d;
    return 1;
}

uint32_t bsp_fp_popcount(const uint64_t *a) { return fp_kernel_active()->popcount(a); }

void bsp_fp_xor(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
    fp_kernel_active()->xor_rec(out, a, b);
}

int bsp_fp_bundle(uint64_t *out, const uint64_t *const *inputs, size_t n)
{
    if (n == 0) return bsp_err(BSP_EINVAL, "bundle needs at least one input");
    fp_kernel_active()->bundle(out, inputs, n);
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

const char *bsp_fp_kernel_name(void) { return fp_kernel_active()->name; }
