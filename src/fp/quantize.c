/* Quantisation of sidecar fields (spec §4.1): U16, C16, Q8, R16 and sigma_q.
 *
 * The one idea: every step is f32. The input is an f32 already (the caller's double is
 * rounded to nearest on the call), the constants are f32 literals, and each product is
 * rounded to f32 before trunc. This is why R16(0.897) is 29392 and sigma_q(0.251) is 250,
 * where f64 arithmetic gives 29391 and 251 (§18.1). The build uses -ffp-contract=off and
 * x86-64 SSE arithmetic; the #error below guards against an x87-style excess precision. */
#include <float.h>

#include "bindspace/sidecar.h"

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "spec §1 requires FLT_EVAL_METHOD == 0 (f32 operations rounded to f32)"
#endif

/* clamp(x, lo, hi) of §1: a NaN input is replaced by 0 first. */
static float clampf(float x, float lo, float hi)
{
    if (x != x) x = 0.0f;
    if (x < lo) return lo;
    if (x > hi) return hi;
    return x;
}

uint16_t bsp_q_u16(float x) { return (uint16_t)(clampf(x, 0.0f, 1.0f) * 65535.0f); }
uint16_t bsp_q_c16(float x) { return (uint16_t)(clampf(x, 0.0f, 0.9999f) * 65535.0f); }
int8_t bsp_q_q8(float v) { return (int8_t)(clampf(v, -1.0f, 1.0f) * 127.0f); }
int16_t bsp_q_r16(float r) { return (int16_t)(clampf(r, -1.0f, 1.0f) * 32767.0f); }
uint16_t bsp_q_sigma(float s) { return (uint16_t)(clampf(s, 0.0f, 65.535f) * 1000.0f); }

float bsp_dq_u16(uint16_t q) { return (float)q / 65535.0f; }
float bsp_dq_q8(int8_t q) { return (float)q / 127.0f; }
float bsp_dq_sigma(uint16_t q) { return (float)q / 1000.0f; }
