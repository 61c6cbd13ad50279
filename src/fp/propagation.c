/* Upward propagation of a leaf change to its ancestors (spec §12).
 *
 * The delta (old XOR new) is applied in full to the first parent; at each further level
 * every set bit survives with probability p = max(a^levels, 0.001), a = 1 / fanout, drawn
 * from a per-level xorshift64 stream seeded by (seed, levels) so the result is reproducible
 * (§18.13). The delta itself never shrinks; the caller stops when is_exhausted. */
#include <math.h>
#include <string.h>

#include "bindspace/sidecar.h"

void bsp_propagation_from_leaf_change(bsp_propagation *p, const uint64_t old_r[BSP_WORDS],
                                      const uint64_t new_r[BSP_WORDS], uint32_t fanout)
{
    for (int w = 0; w < BSP_WORDS; w++) p->delta[w] = old_r[w] ^ new_r[w];
    p->a = 1.0 / (double)(fanout > 1 ? fanout : 1);
    p->levels = 0;
}

static double level_p(const bsp_propagation *p)
{
    double x = pow(p->a, (double)p->levels);
    return x > 0.001 ? x : 0.001;
}

bool bsp_propagation_is_exhausted(const bsp_propagation *p)
{
    if (level_p(p) < 0.01) return true;
    for (int w = 0; w < BSP_WORDS; w++)
        if (p->delta[w]) return false;
    return true;
}

void bsp_propagation_apply_to_parent(bsp_propagation *p, uint64_t parent[BSP_WORDS], uint64_t seed)
{
    double prob = level_p(p);
    if (prob >= 1.0) {
        for (int w = 0; w < BSP_WORDS; w++) parent[w] ^= p->delta[w];
    } else {
        uint64_t t = (uint64_t)floor(prob * 4294967296.0);
        uint64_t rng = seed * 0x9E3779B97F4A7C15ull + p->levels;
        if (rng == 0) rng = 1;
        for (int w = 0; w < BSP_WORDS; w++) {
            uint64_t d = p->delta[w], kept = 0;
            while (d) {
                uint64_t bit = d & (~d + 1);
                d ^= bit;
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                if ((rng & 0xFFFFFFFFull) < t) kept |= bit;
            }
            parent[w] ^= kept;
        }
    }
    p->levels++;
}
