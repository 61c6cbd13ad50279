/* Derived sidecar values (spec §4.3): dominant ANI level, best action, the reward window
 * (push, average, trend), STDP spikes and Hebbian weights.
 *
 * Argmaxes break ties toward the smallest index. Every float step is f32, rounded before
 * the next (see quantize.c); integer sums are exact and converted to f32 exactly. */
#include "bindspace/sidecar.h"

int bsp_sidecar_ani_dominant(const bsp_sidecar *s)
{
    int best = 0;
    for (int i = 1; i < 8; i++)
        if (s->ani[i] > s->ani[best]) best = i;
    return best;
}

int bsp_sidecar_best_action(const bsp_sidecar *s, float *value)
{
    int best = 0;
    for (int a = 1; a < 16; a++)
        if (s->q[a] > s->q[best]) best = a;
    if (value) *value = bsp_dq_q8(s->q[best]);
    return best;
}

void bsp_sidecar_reward_push(bsp_sidecar *s, float r)
{
    for (int i = 0; i < 7; i++) s->rewards[i] = s->rewards[i + 1];
    s->rewards[7] = bsp_q_r16(r);
}

static int32_t reward_sum(const bsp_sidecar *s, int from, int to)
{
    int32_t sum = 0;
    for (int i = from; i < to; i++) sum += s->rewards[i];
    return sum;
}

float bsp_sidecar_reward_average(const bsp_sidecar *s)
{
    return ((float)reward_sum(s, 0, 8) / 8.0f) / 32767.0f;
}

float bsp_sidecar_reward_trend(const bsp_sidecar *s)
{
    return ((float)reward_sum(s, 4, 8) / 4.0f - (float)reward_sum(s, 0, 4) / 4.0f) / 32767.0f;
}

void bsp_sidecar_record_spike(bsp_sidecar *s, uint16_t t)
{
    for (int i = 0; i < 7; i++) s->stdp[i] = s->stdp[i + 1];
    s->stdp[7] = t;
}

/* i outside 0..7 is ignored. */
void bsp_sidecar_hebbian_strengthen(bsp_sidecar *s, int i, float a)
{
    if (i < 0 || i > 7) return;
    float weight = bsp_dq_u16(s->hebbian[i]);
    s->hebbian[i] = bsp_q_u16(weight + a);
}

void bsp_sidecar_hebbian_decay(bsp_sidecar *s, float f)
{
    if (f != f) f = 0.0f;
    float k = f < 0.0f ? 0.0f : f > 1.0f ? 1.0f : f;
    for (int i = 0; i < 8; i++) s->hebbian[i] = (uint16_t)((float)s->hebbian[i] * k);
}

int bsp_sidecar_dn_self(const bsp_sidecar *s)
{
    if (s->dn_depth < 1 || s->dn_depth > BSP_DN_MAX_DEPTH) return -1;
    return s->dn[s->dn_depth - 1];
}

int bsp_sidecar_dn_parent_component(const bsp_sidecar *s)
{
    if (s->dn_depth < 2 || s->dn_depth > BSP_DN_MAX_DEPTH) return -1;
    return s->dn[s->dn_depth - 2];
}
