/* Fuzz the XorDelta wire decoder (spec §10.2): arbitrary bytes either fail with an error
 * message or decode to a canonical delta that re-encodes to exactly the same bytes and whose
 * application is an involution. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/delta.h"
#include "bindspace/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bsp_delta d;
    static uint8_t out[BSP_DELTA_MAX_WIRE];
    if (bsp_delta_decode(&d, data, size) != BSP_OK) {
        if (!bsp_errmsg()[0]) abort();
        return 0;
    }
    int n = bsp_delta_encode(&d, out, sizeof out);
    if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0) abort();
    for (uint32_t i = 0; i < d.nnz; i++)
        if (d.words[i] == 0) abort();
    uint64_t r[BSP_WORDS], orig[BSP_WORDS];
    for (int w = 0; w < BSP_WORDS; w++) r[w] = orig[w] = (uint64_t)w * 0x9E3779B97F4A7C15ull;
    bsp_delta_apply(r, &d);
    bsp_delta back;
    bsp_delta_compute(&back, orig, r);
    if (!bsp_delta_equal(&back, &d)) abort();
    bsp_delta_apply(r, &d);
    if (memcmp(r, orig, sizeof r) != 0) abort();
    return 0;
}
