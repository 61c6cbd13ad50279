/* The sidecar codec (spec §3) and derived values (§4.3): the §18.2 record word by word,
 * its derived values, the §18.3 argmax ties, the version and writing rules of §3.1/§3.3,
 * and a pack -> unpack -> pack round trip over random valid sidecars (fixed seed). */
#include <math.h>

#include "bindspace/error.h"
#include "bindspace/sidecar.h"
#include "spec_vectors.h"
#include "test.h"

static void f9(char *buf, size_t n, double x) { snprintf(buf, n, "%.9g", x); }
#define CHECK_F9(x, want)          \
    do {                           \
        char b_[64];               \
        f9(b_, sizeof b_, (x));    \
        CHECK_STR(b_, want);       \
    } while (0)

/* The §18.2 input, built through the encoders and derived operations. */
static void build_182(bsp_sidecar *s)
{
    memset(s, 0, sizeof *s);
    s->ani[3] = 500; /* planning */
    s->ani[4] = 200; /* meta */
    s->nars_f = bsp_q_u16(0.8);
    s->nars_c = bsp_q_c16(0.6);
    s->budget_priority = bsp_q_u16(0.9);
    s->budget_durability = bsp_q_u16(0.5);
    s->budget_quality = bsp_q_u16(0.7);
    s->edge_verb = 42;
    s->edge_direction = 1;
    s->edge_weight = 200;
    s->edge_flags = 5;
    s->node_kind = 1;
    s->node_subtype = 3;
    s->provenance = 0xABCD;
    s->dn_depth = 3;
    s->rung = 2;
    s->qidx = 42;
    s->access_count = 1234;
    s->ttl = 500;
    s->sigma_q = bsp_q_sigma(12.5);
    s->label_hash = bsp_fnv1a64("alpha", 5);
    s->q[0] = bsp_q_q8(0.7);
    s->q[3] = bsp_q_q8(0.75);
    bsp_sidecar_reward_push(s, 0.5);
    bsp_sidecar_record_spike(s, 42);
    s->hebbian[0] = bsp_q_u16(0.5);
    s->dn[0] = 3;
    s->dn[1] = 7;
    s->dn[2] = 42;
    bsp_bloom_insert(s->bloom, 1);
    bsp_bloom_insert(s->bloom, 42);
    s->pagerank = 1000;
    s->hop_to_root = 2;
    s->cluster_id = 42;
    s->degree = 5;
    s->in_degree = 3;
    s->out_degree = 2;
    s->edge_verbs[0] = 7;
    s->edge_targets[0] = 0x42;
    s->edge_verbs[1] = 12;
    s->edge_targets[1] = 0x80;
}

static uint64_t expected_182(int w) { return spec_18_2_word(w); }

static void random_record(uint64_t r[BSP_WORDS], test_rng *g)
{
    for (int w = 0; w < BSP_WORDS; w++) r[w] = test_rng_next(g);
}

static void test_table_182(void)
{
    bsp_sidecar s;
    build_182(&s);
    uint64_t r[BSP_WORDS];
    memset(r, 0, sizeof r);
    CHECK_OK(bsp_sidecar_pack(r, &s));
    for (int w = 0; w < BSP_WORDS; w++) {
        if (r[w] != expected_182(w)) fprintf(stderr, "  word %d\n", w);
        CHECK_EQ_U(r[w], expected_182(w));
    }
    CHECK_EQ_U(bsp_schema_version(r), 1);

    /* the same sidecar over random content and garbage words 208..255 (version byte 0 or 1):
     * words 0..207 and w223 bits 0..55 are kept, everything else is the table */
    test_rng g;
    test_rng_seed(&g, 182);
    for (int rep = 0; rep < 50; rep++) {
        uint64_t q[BSP_WORDS], before[BSP_WORDS];
        random_record(q, &g);
        q[223] = (q[223] & 0x00FFFFFFFFFFFFFFull) | (uint64_t)(rep & 1) << 56;
        memcpy(before, q, sizeof q);
        CHECK_OK(bsp_sidecar_pack(q, &s));
        CHECK(memcmp(q, before, 208 * 8) == 0);
        for (int w = 208; w < BSP_WORDS; w++) {
            uint64_t want = expected_182(w);
            if (w == 223) want |= before[223] & 0x00FFFFFFFFFFFFFFull;
            CHECK_EQ_U(q[w], want);
        }
    }
}

static void test_derived_182(void)
{
    bsp_sidecar s, u;
    build_182(&s);
    uint64_t r[BSP_WORDS];
    memset(r, 0, sizeof r);
    CHECK_OK(bsp_sidecar_pack(r, &s));
    bsp_sidecar_unpack(r, &u);
    CHECK(memcmp(&s, &u, sizeof s) == 0);
    CHECK_EQ_I(bsp_sidecar_ani_dominant(&u), 3);
    float v = -1;
    CHECK_EQ_I(bsp_sidecar_best_action(&u, &v), 3);
    CHECK_F9(v, "0.748031497");
    CHECK_F9(bsp_sidecar_reward_average(&u), "0.0624980927");
    int32_t lo = 0, hi = 0;
    for (int i = 0; i < 4; i++) lo += u.rewards[i], hi += u.rewards[4 + i];
    CHECK_EQ_I(lo, 0);
    CHECK_EQ_I(hi, 16383);
    CHECK(bsp_sidecar_reward_trend(&u) > 0);
    CHECK(bsp_sidecar_reward_trend(&u) == (16383.0f / 4.0f - 0.0f) / 32767.0f);
    CHECK_F9(bsp_dq_u16(u.nars_f), "0.800000012");
    CHECK_F9(bsp_dq_u16(u.nars_c), "0.600000024");
    CHECK_F9(bsp_dq_u16(u.budget_priority), "0.899992347");
    int pop = 0;
    for (int i = 0; i < 4; i++) pop += __builtin_popcountll(u.bloom[i]);
    CHECK_EQ_I(pop, 6);
    CHECK_EQ_U(bsp_bloom_approx_count(u.bloom), 2);
    CHECK(bsp_bloom_contains(u.bloom, 1));
    CHECK(bsp_bloom_contains(u.bloom, 42));
    CHECK(bsp_fp_bloom_contains(r, 1));
    CHECK(bsp_fp_bloom_contains(r, 42));
    CHECK(!bsp_bloom_contains(u.bloom, 0));
    for (uint64_t id = 2; id <= 19; id++) CHECK(!bsp_bloom_contains(u.bloom, id));
    CHECK(!bsp_bloom_contains(u.bloom, 298));
    CHECK(!bsp_fp_bloom_contains(r, 298));
    /* nars_truth / nars_f of §18.2 */
    bsp_truth t = bsp_fp_truth(r);
    char buf[64];
    bsp_fp_truth_json(t, buf, sizeof buf);
    CHECK_STR(buf, "{\"f\":0.800000012,\"c\":0.600000024}");
    snprintf(buf, sizeof buf, "%.17g", t.f);
    CHECK_STR(buf, "0.80000001192092896");
    CHECK_EQ_I(bsp_sidecar_edge_count(&u), 2);
    CHECK_EQ_U(u.label_hash, 0x8ac625bb85ed202bull);

    /* version != 1: no metadata for the interpreting accessors */
    r[223] = 0;
    CHECK(!bsp_fp_bloom_contains(r, 42));
    t = bsp_fp_truth(r);
    CHECK(t.f == 0 && t.c == 0);
    r[223] = (uint64_t)2 << 56;
    CHECK(!bsp_fp_bloom_contains(r, 42));
}

static void test_argmax_183(void)
{
    bsp_sidecar s;
    memset(&s, 0, sizeof s);
    CHECK_EQ_I(bsp_sidecar_ani_dominant(&s), 0);
    s.ani[1] = 5;
    s.ani[4] = 5;
    CHECK_EQ_I(bsp_sidecar_ani_dominant(&s), 1);
    memset(&s, 0, sizeof s);
    s.ani[3] = 100;
    s.ani[7] = 99;
    CHECK_EQ_I(bsp_sidecar_ani_dominant(&s), 3);

    memset(&s, 0, sizeof s);
    float v = -1;
    CHECK_EQ_I(bsp_sidecar_best_action(&s, &v), 0);
    CHECK(v == 0.0f);
    s.q[3] = s.q[7] = bsp_q_q8(0.75);
    CHECK_EQ_I(bsp_sidecar_best_action(&s, &v), 3);
    for (int a = 0; a < 16; a++) s.q[a] = bsp_q_q8(-0.5);
    s.q[9] = s.q[12] = bsp_q_q8(-0.2);
    CHECK_EQ_I(bsp_sidecar_best_action(&s, &v), 9);
    CHECK_EQ_I(s.q[9], -25);
    CHECK(v == -25.0f / 127.0f);
    CHECK_EQ_I(bsp_sidecar_best_action(&s, NULL), 9);
}

static void test_rewards_stdp(void)
{
    bsp_sidecar s;
    memset(&s, 0, sizeof s);
    for (int i = 1; i <= 10; i++) bsp_sidecar_reward_push(&s, (float)i / 10.0f);
    /* window holds the last 8 pushes: 0.3 .. 1.0 */
    CHECK_EQ_I(s.rewards[0], bsp_q_r16(0.3f));
    CHECK_EQ_I(s.rewards[7], 32767);
    int32_t sum = 0;
    for (int i = 0; i < 8; i++) sum += s.rewards[i];
    CHECK(bsp_sidecar_reward_average(&s) == ((float)sum / 8.0f) / 32767.0f);
    CHECK(bsp_sidecar_reward_trend(&s) > 0);
    bsp_sidecar_reward_push(&s, -1);
    bsp_sidecar_reward_push(&s, -1);
    bsp_sidecar_reward_push(&s, -1);
    bsp_sidecar_reward_push(&s, -1);
    CHECK(bsp_sidecar_reward_trend(&s) < 0);
    /* equal halves: trend exactly 0 */
    memset(&s, 0, sizeof s);
    s.rewards[0] = 100;
    s.rewards[7] = 100;
    CHECK(bsp_sidecar_reward_trend(&s) == 0.0f);

    for (uint16_t t = 1; t <= 9; t++) bsp_sidecar_record_spike(&s, (uint16_t)(t * 1000));
    for (int i = 0; i < 8; i++) CHECK_EQ_U(s.stdp[i], (i + 2) * 1000);
}

static void test_version_rules(void)
{
    bsp_sidecar s;
    build_182(&s);
    uint64_t r[BSP_WORDS], before[BSP_WORDS];
    test_rng g;
    test_rng_seed(&g, 31);
    for (int v = 2; v <= 255; v += (v < 10 ? 1 : 37)) {
        random_record(r, &g);
        r[223] = (r[223] & 0x00FFFFFFFFFFFFFFull) | (uint64_t)v << 56;
        memcpy(before, r, sizeof r);
        CHECK_ERR(bsp_sidecar_pack(r, &s), BSP_EPERM, "schema_version");
        CHECK(memcmp(r, before, sizeof r) == 0);
    }
    random_record(r, &g);
    r[223] = (uint64_t)255 << 56;
    CHECK_ERR(bsp_sidecar_pack(r, &s), BSP_EPERM, "255");

    /* version 0 -> 1, and w223 bits 0..55 are kept */
    random_record(r, &g);
    r[223] = 0x00123456789ABCDEull;
    CHECK_OK(bsp_sidecar_pack(r, &s));
    CHECK_EQ_U(r[223], 0x01123456789ABCDEull);
    /* reserved words and bits are zeroed, readers ignore them */
    random_record(r, &g);
    r[223] &= 0x01FFFFFFFFFFFFFFull; /* version 0 or 1 */
    CHECK_OK(bsp_sidecar_pack(r, &s));
    for (int w = 216; w <= 222; w++) CHECK_EQ_U(r[w], 0);
    for (int w = 232; w <= 239; w++) CHECK_EQ_U(r[w], 0);
    CHECK_EQ_U(r[212] >> 16, 0);
    CHECK_EQ_U(r[214] >> 32, 0);
    r[212] |= 0xFFFF0000ull;
    r[214] |= 0xFFFFFFFF00000000ull;
    r[216] = ~0ull;
    r[211] |= 0xF0ull << 24; /* flags bits 4..7 reserved */
    bsp_sidecar u;
    bsp_sidecar_unpack(r, &u);
    CHECK_EQ_U(u.budget_quality, s.budget_quality);
    CHECK_EQ_U(u.sigma_q, s.sigma_q);
    CHECK_EQ_U(u.edge_flags, 0xF5);
    uint64_t q[BSP_WORDS];
    memcpy(q, r, sizeof q);
    CHECK_OK(bsp_sidecar_pack(q, &u));
    CHECK_EQ_U(q[211] >> 24 & 0xFF, 5); /* written back as 0 */
    CHECK_EQ_U(q[212], r[212] & 0xFFFF);
    CHECK_EQ_U(q[216], 0);
}

static void test_writing_rules(void)
{
    bsp_sidecar s;
    uint64_t r[BSP_WORDS], before[BSP_WORDS];
    test_rng g;
    test_rng_seed(&g, 32);
    random_record(r, &g);
    r[223] &= 0x00FFFFFFFFFFFFFFull;
    memcpy(before, r, sizeof r);

    build_182(&s);
    s.rung = 3;
    CHECK_ERR(bsp_sidecar_pack(r, &s), BSP_EINVAL, "rung");
    s.rung = 255;
    CHECK_ERR(bsp_sidecar_pack(r, &s), BSP_EINVAL, "rung");
    build_182(&s);
    s.dn[3] = 1; /* depth 3: component 3 must be 0 */
    CHECK_ERR(bsp_sidecar_pack(r, &s), BSP_EINVAL, "component 3");
    build_182(&s);
    s.dn[31] = 9;
    CHECK_ERR(bsp_sidecar_pack(r, &s), BSP_EINVAL, "component 31");
    build_182(&s);
    s.dn_depth = 33;
    CHECK_ERR(bsp_sidecar_pack(r, &s), BSP_EINVAL, "depth");
    build_182(&s);
    s.dn_depth = 0; /* components 0..2 non-zero now beyond depth */
    CHECK_ERR(bsp_sidecar_pack(r, &s), BSP_EINVAL, "component 0");
    build_182(&s);
    s.edge_verbs[5] = 1; /* edge 5 after the empty edge 2 */
    CHECK_ERR(bsp_sidecar_pack(r, &s), BSP_EINVAL, "inline edge 5");
    build_182(&s);
    s.edge_verbs[0] = 0;
    s.edge_targets[0] = 0; /* edge 0 empty, edge 1 not */
    CHECK_ERR(bsp_sidecar_pack(r, &s), BSP_EINVAL, "inline edge 1");
    CHECK(memcmp(r, before, sizeof r) == 0);

    /* an edge with verb 0 and a non-zero target is not empty; depth 32 is allowed */
    build_182(&s);
    s.edge_verbs[2] = 0;
    s.edge_targets[2] = 9;
    s.dn_depth = 32;
    for (int i = 0; i < 32; i++) s.dn[i] = (uint8_t)(i + 1);
    s.rung = 0;
    CHECK_OK(bsp_sidecar_pack(r, &s));
    bsp_sidecar u;
    bsp_sidecar_unpack(r, &u);
    CHECK_EQ_I(bsp_sidecar_edge_count(&u), 3);
    CHECK(memcmp(&s, &u, sizeof s) == 0);
    /* all 28 edges full */
    for (int e = 0; e < 28; e++) s.edge_verbs[e] = (uint8_t)(e + 1);
    CHECK_OK(bsp_sidecar_pack(r, &s));
    bsp_sidecar_unpack(r, &u);
    CHECK_EQ_I(bsp_sidecar_edge_count(&u), 28);
    CHECK(memcmp(r, before, 208 * 8) == 0);
}

/* A random sidecar that obeys every writing rule. */
static void random_sidecar(bsp_sidecar *s, test_rng *g)
{
    uint64_t raw[BSP_WORDS];
    random_record(raw, g);
    bsp_sidecar_unpack(raw, s); /* random fields, padding zeroed */
    s->edge_flags &= 0x0F;
    s->rung = (uint8_t)test_rng_below(g, 3);
    s->dn_depth = (uint8_t)test_rng_below(g, 33);
    for (int i = s->dn_depth; i < 32; i++) s->dn[i] = 0;
    int n = (int)test_rng_below(g, 29);
    for (int e = 0; e < 28; e++) {
        if (e >= n) s->edge_verbs[e] = s->edge_targets[e] = 0;
        else if (s->edge_verbs[e] == 0 && s->edge_targets[e] == 0) s->edge_verbs[e] = 1;
    }
}

static void test_round_trip(void)
{
    test_rng g;
    test_rng_seed(&g, 0x5EEDCA5Eull);
    for (int rep = 0; rep < 2000; rep++) {
        bsp_sidecar s, u;
        uint64_t r[BSP_WORDS], r2[BSP_WORDS], orig[BSP_WORDS];
        random_sidecar(&s, &g);
        random_record(r, &g);
        r[223] &= 0x01FFFFFFFFFFFFFFull;
        memcpy(orig, r, sizeof r);
        CHECK_OK(bsp_sidecar_pack(r, &s));
        bsp_sidecar_unpack(r, &u);
        if (memcmp(&s, &u, sizeof s) != 0) {
            CHECK(!"unpack(pack(s)) != s");
            break;
        }
        memcpy(r2, r, sizeof r);
        CHECK_OK(bsp_sidecar_pack(r2, &u));
        CHECK(memcmp(r, r2, sizeof r) == 0);
        CHECK(memcmp(r, orig, 208 * 8) == 0);
        CHECK_EQ_U(r[223] & 0x00FFFFFFFFFFFFFFull, orig[223] & 0x00FFFFFFFFFFFFFFull);
        CHECK_EQ_U(bsp_schema_version(r), 1);
    }
}

/* Unpack is total: every field read back into words gives the original bits, except the
 * reserved ones. */
static void test_unpack_total(void)
{
    test_rng g;
    test_rng_seed(&g, 77);
    for (int rep = 0; rep < 500; rep++) {
        uint64_t r[BSP_WORDS], q[BSP_WORDS];
        random_record(r, &g);
        bsp_sidecar s;
        bsp_sidecar_unpack(r, &s);
        memcpy(q, r, sizeof q);
        q[223] &= 0x00FFFFFFFFFFFFFFull;
        /* write unchecked via a legal copy: fix the rules, then compare the non-reserved bits */
        s.rung = 0;
        s.dn_depth = 32;
        for (int e = 0; e < 28; e++)
            if (s.edge_verbs[e] == 0 && s.edge_targets[e] == 0) s.edge_verbs[e] = 1;
        CHECK_OK(bsp_sidecar_pack(q, &s));
        for (int w = 208; w < BSP_WORDS; w++) {
            uint64_t mask = ~0ull;
            if ((w >= 216 && w <= 222) || (w >= 232 && w <= 239)) mask = 0;
            if (w == 212) mask = 0xFFFF;
            if (w == 214) mask = 0xFFFFFFFF;
            if (w == 211) mask = ~(0xF0ull << 24);
            if (w == 213) mask = ~0xFFFFull;   /* depth and rung changed above */
            if (w == 223) mask = 0x00FFFFFFFFFFFFFFull;
            if (w >= 249) mask = 0; /* edges may have been patched */
            CHECK_EQ_U(q[w] & mask, r[w] & mask);
        }
    }
}

static void test_view(void)
{
    bsp_sidecar s, v;
    build_182(&s);
    uint64_t r[BSP_WORDS];
    memset(r, 0, sizeof r);
    CHECK_OK(bsp_sidecar_pack(r, &s));
    CHECK(bsp_sidecar_view(r, &v));
    CHECK(memcmp(&s, &v, sizeof s) == 0);
    bsp_sidecar zero;
    memset(&zero, 0, sizeof zero);
    for (unsigned ver = 0; ver < 256; ver += (ver == 0 ? 2 : 51)) {
        r[223] = (uint64_t)ver << 56;
        CHECK(!bsp_sidecar_view(r, &v));
        CHECK(memcmp(&v, &zero, sizeof v) == 0);
        bsp_sidecar_unpack(r, &v); /* the bit-level decoder is total */
        CHECK_EQ_U(v.ani[3], 500);
    }
}

int main(void)
{
    RUN(test_view);
    RUN(test_table_182);
    RUN(test_derived_182);
    RUN(test_argmax_183);
    RUN(test_rewards_stdp);
    RUN(test_version_rules);
    RUN(test_writing_rules);
    RUN(test_round_trip);
    RUN(test_unpack_total);
    return test_finish();
}
