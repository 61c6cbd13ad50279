/* The neighbour bloom filter of a sidecar (spec §4.4): 256 bits in words 244..247 holding
 * u64 node ids; three positions from the low three bytes of splitmix64(id). */
#include <math.h>

#include "bindspace/sidecar.h"

static void positions(uint64_t id, unsigned p[3])
{
    uint64_t h = bsp_splitmix64(id);
    p[0] = (unsigned)(h & 255);
    p[1] = (unsigned)((h >> 8) & 255);
    p[2] = (unsigned)((h >> 16) & 255);
}

void bsp_bloom_insert(uint64_t bloom[4], uint64_t id)
{
    unsigned p[3];
    positions(id, p);
    for (int k = 0; k < 3; k++) bloom[p[k] / 64] |= (uint64_t)1 << (p[k] % 64);
}

bool bsp_bloom_contains(const uint64_t bloom[4], uint64_t id)
{
    unsigned p[3];
    positions(id, p);
    for (int k = 0; k < 3; k++)
        if (!(bloom[p[k] / 64] >> (p[k] % 64) & 1)) return false;
    return true;
}

/* floor(-(256/3) * ln(1 - X/256)) in f64; 100 when saturated (X = 256). */
uint64_t bsp_bloom_approx_count(const uint64_t bloom[4])
{
    int x = 0;
    for (int i = 0; i < 4; i++) x += __builtin_popcountll(bloom[i]);
    if (x >= 256) return 100;
    return (uint64_t)floor(-(256.0 / 3.0) * log(1.0 - (double)x / 256.0));
}

bool bsp_fp_bloom_contains(const uint64_t r[BSP_WORDS], uint64_t id)
{
    return bsp_schema_version(r) == 1 && bsp_bloom_contains(r + 244, id);
}
