/* The ranking keys of §7.3 (bloom-adjusted effective distance) and §7.4 (RL score), and
 * their inverses used for pruning: both keys are monotone non-decreasing in the raw
 * distance (f32/f64 multiplication, division and addition by constants are monotone under
 * round-to-nearest), so "key(partial sum) > k-th key" is a sound reason to abandon a
 * candidate, and is equivalent to "partial sum > the largest d with key(d) <= k-th key". */
#include <math.h>

#include "bindspace/sidecar.h"
#include "search/search_internal.h"

static uint32_t effective_f(uint32_t d, float m)
{
    float x = (float)d * m;
    return (uint32_t)x;  /* trunc; x >= 0 */
}

uint32_t bsp_bloom_effective(uint32_t d, double bonus, bool neighbour)
{
    if (!neighbour) return d;
    float b = (float)bonus;
    float m = 1.0f - b;
    return effective_f(d, m);
}

double bsp_rl_score(uint32_t d, double q, double alpha, uint16_t mask)
{
    double denom = 1024.0 * (double)bsp_mask_blocks(mask);
    return ((1.0 - alpha) * (double)d) / denom + (alpha * (1.0 - q)) / 2.0;
}

int64_t search_bloom_limit(float m, double kth)
{
    /* largest r in [0, 16384] with trunc(r * m) <= kth */
    if ((double)effective_f(0, m) > kth) return -1;
    int64_t lo = 0, hi = BSP_WORDS * 64;
    if ((double)effective_f((uint32_t)hi, m) <= kth) return hi;
    while (hi - lo > 1) {  /* key(lo) <= kth < key(hi) */
        int64_t mid = lo + (hi - lo) / 2;
        if ((double)effective_f((uint32_t)mid, m) <= kth) lo = mid;
        else hi = mid;
    }
    return lo;
}

static double rl_score_c(const search_ctx *c, uint32_t d, double q)
{
    double denom = 1024.0 * (double)c->nb;
    return ((1.0 - c->alpha) * (double)d) / denom + (c->alpha * (1.0 - q)) / 2.0;
}

int64_t search_rl_limit(const search_ctx *c, double q, double kth)
{
    int64_t maxbits = 1024 * (int64_t)c->nb;
    if (rl_score_c(c, 0, q) > kth) return -1;
    if (rl_score_c(c, (uint32_t)maxbits, q) <= kth) return maxbits;
    /* 0 <= x < maxbits here, and alpha < 1 (else the score would not depend on d) */
    double denom = 1024.0 * (double)c->nb;
    double est = (kth - (c->alpha * (1.0 - q)) / 2.0) * denom / (1.0 - c->alpha);
    int64_t x = isfinite(est) ? (int64_t)est : 0;
    if (x < 0) x = 0;
    if (x > maxbits) x = maxbits;
    while (x < maxbits && rl_score_c(c, (uint32_t)(x + 1), q) <= kth) x++;
    while (x > 0 && rl_score_c(c, (uint32_t)x, q) > kth) x--;
    return x;
}

float search_rl_q(const uint64_t *rec)
{
    if (bsp_schema_version(rec) != 1) return 0.0f;
    bsp_sidecar s;
    bsp_sidecar_unpack(rec, &s);
    float v = 0.0f;
    (void)bsp_sidecar_best_action(&s, &v);
    return v;
}
