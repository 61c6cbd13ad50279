/* The neighbour bloom filter (spec §4.4) against §18.4: splitmix64 values, bit positions,
 * insert/contains, approx_count including saturation. */
#include <math.h>

#include "bindspace/error.h"
#include "bindspace/sidecar.h"
#include "test.h"

static const struct { uint64_t id, h; unsigned p[3]; } vec[] = {
    {0, 0xe220a8397b1dcdafull, {175, 205, 29}},
    {1, 0x910a2dec89025cc1ull, {193, 92, 2}},
    {42, 0xbdd732262feb6e95ull, {149, 110, 235}},
    {298, 0x5318c937b13750c8ull, {200, 80, 55}},
    {7, 0x63cbe1e459320dd7ull, {215, 13, 50}},
};

static int bit(const uint64_t b[4], unsigned p) { return (int)(b[p / 64] >> (p % 64) & 1); }

static void test_positions_184(void)
{
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        CHECK_EQ_U(bsp_splitmix64(vec[i].id), vec[i].h);
        uint64_t b[4] = {0, 0, 0, 0};
        bsp_bloom_insert(b, vec[i].id);
        int pop = 0;
        for (int w = 0; w < 4; w++) pop += __builtin_popcountll(b[w]);
        CHECK_EQ_I(pop, 3);
        for (int k = 0; k < 3; k++) CHECK(bit(b, vec[i].p[k]));
        CHECK(bsp_bloom_contains(b, vec[i].id));
        /* no other vector id is contained in a single-id filter */
        for (size_t j = 0; j < sizeof vec / sizeof vec[0]; j++)
            if (j != i) CHECK(!bsp_bloom_contains(b, vec[j].id));
    }
}

static void test_contains_partial(void)
{
    /* two of the three bits of id 42 set: not contained */
    uint64_t b[4] = {0, 0, 0, 0};
    b[149 / 64] |= 1ull << (149 % 64);
    b[110 / 64] |= 1ull << (110 % 64);
    CHECK(!bsp_bloom_contains(b, 42));
    b[235 / 64] |= 1ull << (235 % 64);
    CHECK(bsp_bloom_contains(b, 42));
    /* the full filter contains everything */
    uint64_t full[4] = {~0ull, ~0ull, ~0ull, ~0ull};
    for (uint64_t id = 0; id < 100; id++) CHECK(bsp_bloom_contains(full, id));
}

static void test_no_false_negatives(void)
{
    test_rng g;
    test_rng_seed(&g, 44);
    uint64_t b[4] = {0, 0, 0, 0}, ids[20];
    for (int i = 0; i < 20; i++) {
        ids[i] = test_rng_next(&g);
        bsp_bloom_insert(b, ids[i]);
        for (int j = 0; j <= i; j++) CHECK(bsp_bloom_contains(b, ids[j]));
    }
}

static void test_approx_count(void)
{
    uint64_t b[4] = {0, 0, 0, 0};
    CHECK_EQ_U(bsp_bloom_approx_count(b), 0);
    /* X = 255 -> 473, X = 256 -> 100 (saturated) */
    uint64_t x255[4] = {~0ull, ~0ull, ~0ull, ~0ull >> 1};
    CHECK_EQ_U(bsp_bloom_approx_count(x255), 473);
    uint64_t x256[4] = {~0ull, ~0ull, ~0ull, ~0ull};
    CHECK_EQ_U(bsp_bloom_approx_count(x256), 100);
    /* X = 6 (the §18.2 filter: ids 1 and 42) -> 2 */
    bsp_bloom_insert(b, 1);
    bsp_bloom_insert(b, 42);
    CHECK_EQ_U(bsp_bloom_approx_count(b), 2);
    /* every X: the formula, and monotone below saturation */
    uint64_t prev = 0;
    for (int x = 0; x < 256; x++) {
        uint64_t f[4] = {0, 0, 0, 0};
        for (int i = 0; i < x; i++) f[i / 64] |= 1ull << (i % 64);
        uint64_t c = bsp_bloom_approx_count(f);
        CHECK_EQ_U(c, (uint64_t)floor(-(256.0 / 3.0) * log(1.0 - x / 256.0)));
        CHECK(c >= prev);
        prev = c;
    }
    CHECK_EQ_U(prev, 473);
}

static void test_record_bloom(void)
{
    uint64_t r[BSP_WORDS];
    memset(r, 0, sizeof r);
    bsp_bloom_insert(r + 244, 7);
    CHECK(!bsp_fp_bloom_contains(r, 7)); /* version 0: no metadata */
    r[223] = 1ull << 56;
    CHECK(bsp_fp_bloom_contains(r, 7));
    CHECK(!bsp_fp_bloom_contains(r, 42));
    r[223] = 3ull << 56;
    CHECK(!bsp_fp_bloom_contains(r, 7));
}

int main(void)
{
    RUN(test_positions_184);
    RUN(test_contains_partial);
    RUN(test_no_false_negatives);
    RUN(test_approx_count);
    RUN(test_record_bloom);
    return test_finish();
}
