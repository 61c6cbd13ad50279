/* Upward propagation (spec §12) against §18.13, plus its invariants: the first level is
 * exact, kept bits are a subset of the delta, the delta never shrinks, exhaustion. */
#include "bindspace/error.h"
#include "bindspace/sidecar.h"
#include "test.h"

static void leaf(bsp_propagation *p, uint32_t fanout)
{
    uint64_t old_r[BSP_WORDS], new_r[BSP_WORDS];
    memset(old_r, 0, sizeof old_r);
    memset(new_r, 0, sizeof new_r);
    new_r[0] = 0xFFFF;
    bsp_propagation_from_leaf_change(p, old_r, new_r, fanout);
}

/* What apply_to_parent XORs into a zero parent. */
static uint64_t applied(bsp_propagation *p, uint64_t seed, int *other_words)
{
    uint64_t parent[BSP_WORDS];
    memset(parent, 0, sizeof parent);
    bsp_propagation_apply_to_parent(p, parent, seed);
    *other_words = 0;
    for (int w = 1; w < BSP_WORDS; w++) *other_words |= parent[w] != 0;
    return parent[0];
}

static void test_fanout16_seed7(void)
{
    bsp_propagation p;
    int other;
    leaf(&p, 16);
    CHECK(p.a == 1.0 / 16);
    CHECK_EQ_U(p.levels, 0);
    CHECK(!bsp_propagation_is_exhausted(&p));
    CHECK_EQ_U(applied(&p, 7, &other), 0xFFFF);
    CHECK(!other);
    CHECK_EQ_U(p.levels, 1);
    CHECK(!bsp_propagation_is_exhausted(&p)); /* p = 0.0625 */
    CHECK_EQ_U(applied(&p, 7, &other), 0x0000000000000102ull);
    CHECK(!other);
    CHECK_EQ_U(p.levels, 2);
    CHECK(bsp_propagation_is_exhausted(&p)); /* p = 0.00390625 < 0.01 */
    CHECK_EQ_U(applied(&p, 7, &other), 0);
    CHECK_EQ_U(p.delta[0], 0xFFFF); /* never shrinks */
}

static void test_fanout2_seed1(void)
{
    bsp_propagation p;
    int other;
    leaf(&p, 2);
    CHECK_EQ_U(applied(&p, 1, &other), 0xFFFF);
    CHECK_EQ_U(applied(&p, 1, &other), 0x6af6);
    CHECK_EQ_U(applied(&p, 1, &other), 0x7306);
    CHECK_EQ_U(applied(&p, 1, &other), 0x0800);
    CHECK(!other);
    CHECK_EQ_U(p.levels, 4);
}

static void test_exhaustion(void)
{
    bsp_propagation p;
    uint64_t z[BSP_WORDS], parent[BSP_WORDS];
    memset(z, 0, sizeof z);
    bsp_propagation_from_leaf_change(&p, z, z, 4);
    CHECK(bsp_propagation_is_exhausted(&p)); /* zero delta */
    /* fanout 0 and 1: a = 1, p stays 1, every level exact and never exhausted */
    leaf(&p, 0);
    CHECK(p.a == 1.0);
    for (int l = 0; l < 10; l++) {
        memset(parent, 0, sizeof parent);
        CHECK(!bsp_propagation_is_exhausted(&p));
        bsp_propagation_apply_to_parent(&p, parent, 99);
        CHECK_EQ_U(parent[0], 0xFFFF);
    }
    /* fanout 10: p = 1, 0.1, 0.01 (not < 0.01), 0.001 */
    leaf(&p, 10);
    int exhausted_at = -1;
    for (int l = 0; l < 6 && exhausted_at < 0; l++) {
        if (bsp_propagation_is_exhausted(&p)) exhausted_at = l;
        else bsp_propagation_apply_to_parent(&p, parent, 5);
    }
    CHECK(exhausted_at == 2 || exhausted_at == 3); /* 0.1^2 in f64 may round either side */
}

static void test_subset_property(void)
{
    test_rng g;
    test_rng_seed(&g, 12);
    for (int rep = 0; rep < 50; rep++) {
        uint64_t a[BSP_WORDS], b[BSP_WORDS], parent[BSP_WORDS], before[BSP_WORDS];
        for (int w = 0; w < BSP_WORDS; w++) {
            a[w] = test_rng_next(&g);
            b[w] = test_rng_below(&g, 4) ? a[w] : test_rng_next(&g);
            parent[w] = test_rng_next(&g);
        }
        bsp_propagation p;
        bsp_propagation_from_leaf_change(&p, a, b, (uint32_t)test_rng_below(&g, 40));
        for (int l = 0; l < 4; l++) {
            memcpy(before, parent, sizeof parent);
            bsp_propagation_apply_to_parent(&p, parent, (uint64_t)rep);
            for (int w = 0; w < BSP_WORDS; w++) {
                uint64_t flipped = before[w] ^ parent[w];
                CHECK_EQ_U(flipped & ~(a[w] ^ b[w]), 0);
                if (l == 0) CHECK_EQ_U(flipped, a[w] ^ b[w]);
                CHECK_EQ_U(p.delta[w], a[w] ^ b[w]);
            }
        }
    }
}

int main(void)
{
    RUN(test_fanout16_seed7);
    RUN(test_fanout2_seed1);
    RUN(test_exhaustion);
    RUN(test_subset_property);
    return test_finish();
}
