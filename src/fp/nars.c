/* NARS truth functions (spec §8): revision, deduction, induction, abduction on (f, c).
 *
 * All in f64. Every input is clamped first (f to [0, 1], c to [0, 0.99], NaN -> 0), and every
 * output confidence is capped at 0.99. Formulas are evaluated exactly as the spec writes
 * them, left to right, so results are bit-reproducible (§18.10). */
#include <stdio.h>

#include "bindspace/sidecar.h"

#define C_MAX 0.99

static double clampd(double x, double lo, double hi)
{
    if (x != x) x = 0.0;
    return x < lo ? lo : x > hi ? hi : x;
}

static bsp_truth in(bsp_truth t)
{
    bsp_truth r = {clampd(t.f, 0.0, 1.0), clampd(t.c, 0.0, C_MAX)};
    return r;
}

static bsp_truth out(double f, double c)
{
    bsp_truth r = {f, c < C_MAX ? c : C_MAX};
    return r;
}

bsp_truth bsp_nars_revision(bsp_truth a, bsp_truth b)
{
    a = in(a);
    b = in(b);
    double w1 = a.c / (1.0 - a.c), w2 = b.c / (1.0 - b.c);
    double w = w1 + w2;
    double f = w == 0.0 ? (a.f + b.f) / 2.0 : (w1 * a.f + w2 * b.f) / w;
    return out(f, w / (w + 1.0));
}

bsp_truth bsp_nars_deduction(bsp_truth a, bsp_truth b)
{
    a = in(a);
    b = in(b);
    return out(a.f * b.f, a.f * b.f * a.c * b.c);
}

bsp_truth bsp_nars_induction(bsp_truth a, bsp_truth b)
{
    a = in(a);
    b = in(b);
    double w = a.f * a.c * b.c;
    return out(b.f, w / (w + 1.0));
}

bsp_truth bsp_nars_abduction(bsp_truth a, bsp_truth b)
{
    a = in(a);
    b = in(b);
    double w = b.f * a.c * b.c;
    return out(a.f, w / (w + 1.0));
}

bsp_truth bsp_fp_truth(const uint64_t r[BSP_WORDS])
{
    bsp_truth t = {0.0, 0.0};
    if (bsp_schema_version(r) != 1) return t;
    t.f = (double)bsp_dq_u16((uint16_t)r[210]);
    t.c = (double)bsp_dq_u16((uint16_t)(r[210] >> 16));
    return t;
}

int bsp_fp_truth_json(bsp_truth t, char *buf, size_t n)
{
    return snprintf(buf, n, "{\"f\":%.9g,\"c\":%.9g}", t.f, t.c);
}
