/* Portable scan kernel: the scan loop of scan_impl.h over a plain popcount block distance,
 * plus run-time selection of the compiled scan kernel (the one matching the fp kernel table:
 * portable, AVX2 with POPCNT, AVX-512) and the strided stage distances of the cascade (§7.5). */
#include <string.h>

#include "fp/kernels.h"
#include "search/search_internal.h"

#include "search/scan_popcount.h"

#define SCAN_NAME search_scan_portable
#include "search/scan_impl.h"

uint32_t search_stage_distance(const search_ctx *c, const uint64_t *a, const uint64_t *b,
                               int stride)
{
    uint32_t d = 0;
    for (int i = 0; i < c->nb; i++) {
        size_t off = 16 * (size_t)c->blocks[i];
        for (int w = 0; w < 16; w += stride)
            d += (uint32_t)__builtin_popcountll(a[off + w] ^ b[off + w]);
    }
    return d;
}

/* The scan kernel follows the distance kernel table chosen by src/fp (cpuid + OS support,
 * BSP_KERNEL honoured), so one environment variable forces both. */
search_scan_fn search_scan_select(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    const char *k = fp_kernel_active()->name;
    if (!strncmp(k, "avx512", 6)) return search_scan_avx512;
    if (!strcmp(k, "avx2")) return search_scan_avx2;
#endif
    return search_scan_portable;
}
