/* Schema algebra (spec §9) on constructed inputs: each output field checked against its
 * rule, version-0 inputs reading as zeros, output version/w223/reserved bits, aliasing. */
#include "bindspace/error.h"
#include "bindspace/sidecar.h"
#include "test.h"

static void rand_words(uint64_t *r, int n, test_rng *g)
{
    for (int w = 0; w < n; w++) r[w] = test_rng_next(g);
}

/* A valid random sidecar (padding zeroed by unpack). */
static void rand_sidecar(bsp_sidecar *s, test_rng *g)
{
    uint64_t raw[BSP_WORDS];
    rand_words(raw, BSP_WORDS, g);
    bsp_sidecar_unpack(raw, s);
    s->edge_flags &= 0x0F;
    s->rung = (uint8_t)test_rng_below(g, 3);
    s->dn_depth = (uint8_t)test_rng_below(g, 33);
    for (int i = s->dn_depth; i < 32; i++) s->dn[i] = 0;
    int n = (int)test_rng_below(g, 29);
    for (int e = 0; e < 28; e++) {
        if (e >= n) s->edge_verbs[e] = s->edge_targets[e] = 0;
        else if (!s->edge_verbs[e] && !s->edge_targets[e]) s->edge_verbs[e] = 1;
    }
}

/* Random content, random w223 low bits, the given sidecar (version 1). */
static void make(uint64_t r[BSP_WORDS], const bsp_sidecar *s, test_rng *g)
{
    rand_words(r, BSP_WORDS, g);
    r[223] &= 0x00FFFFFFFFFFFFFFull;
    CHECK_OK(bsp_sidecar_pack(r, s));
}

static bsp_truth truth_of(const bsp_sidecar *s)
{
    bsp_truth t = {bsp_dq_u16(s->nars_f), bsp_dq_u16(s->nars_c)};
    return t;
}

/* Output invariants: version 1, w223 bits 0..55 = 0, reserved words/bits 0. */
static void check_output_shape(const uint64_t o[BSP_WORDS])
{
    CHECK_EQ_U(o[223], 1ull << 56);
    for (int w = 216; w <= 222; w++) CHECK_EQ_U(o[w], 0);
    for (int w = 232; w <= 239; w++) CHECK_EQ_U(o[w], 0);
    CHECK_EQ_U(o[212] >> 16, 0);
    CHECK_EQ_U(o[214] >> 32, 0);
    CHECK_EQ_U(o[211] >> 28 & 0xF, 0);
}

static void test_revision_inline(void)
{
    test_rng g;
    test_rng_seed(&g, 901);
    for (int rep = 0; rep < 200; rep++) {
        bsp_sidecar sa, sb, so;
        rand_sidecar(&sa, &g);
        rand_sidecar(&sb, &g);
        if (rep % 5 == 0) sb.budget_priority = sa.budget_priority; /* tie -> a */
        uint64_t a[BSP_WORDS], b[BSP_WORDS], o[BSP_WORDS];
        make(a, &sa, &g);
        make(b, &sb, &g);
        bsp_schema_nars_revision_inline(o, a, b);
        check_output_shape(o);
        CHECK(memcmp(o, a, 208 * 8) == 0);
        bsp_sidecar_unpack(o, &so);
        bsp_truth t = bsp_nars_revision(truth_of(&sa), truth_of(&sb));
        CHECK_EQ_U(so.nars_f, bsp_q_u16((float)t.f));
        CHECK_EQ_U(so.nars_c, bsp_q_c16((float)t.c));
        const bsp_sidecar *hi = sb.budget_priority > sa.budget_priority ? &sb : &sa;
        CHECK_EQ_U(so.budget_priority, hi->budget_priority);
        CHECK_EQ_U(so.budget_durability, hi->budget_durability);
        CHECK_EQ_U(so.budget_quality, hi->budget_quality);
        /* everything else is a's */
        bsp_sidecar x = sa;
        x.nars_f = so.nars_f;
        x.nars_c = so.nars_c;
        x.budget_priority = so.budget_priority;
        x.budget_durability = so.budget_durability;
        x.budget_quality = so.budget_quality;
        CHECK(memcmp(&x, &so, sizeof x) == 0);
        /* out aliasing a or b gives the same words */
        uint64_t al[BSP_WORDS];
        memcpy(al, a, sizeof al);
        bsp_schema_nars_revision_inline(al, al, b);
        CHECK(memcmp(al, o, sizeof o) == 0);
        memcpy(al, b, sizeof al);
        bsp_schema_nars_revision_inline(al, a, al);
        CHECK(memcmp(al, o, sizeof o) == 0);
    }
}

static void test_revision_inline_version0(void)
{
    /* a is version 0: its sidecar reads as zeros; b has (0.8, 0.5) */
    test_rng g;
    test_rng_seed(&g, 902);
    uint64_t a[BSP_WORDS], b[BSP_WORDS], o[BSP_WORDS];
    rand_words(a, BSP_WORDS, &g);
    a[223] = 0x00ABCDEF01234567ull;
    bsp_sidecar sb, so;
    memset(&sb, 0, sizeof sb);
    sb.nars_f = bsp_q_u16(0.8f);
    sb.nars_c = bsp_q_c16(0.5f);
    sb.budget_priority = 7;
    sb.ani[2] = 99;
    make(b, &sb, &g);
    bsp_schema_nars_revision_inline(o, a, b);
    check_output_shape(o);
    CHECK(memcmp(o, a, 208 * 8) == 0);
    bsp_sidecar_unpack(o, &so);
    /* revision((0,0), (0.800000012, 0.49999237)): w1 = 0, so f = f2 */
    CHECK_EQ_U(so.nars_f, 52428);
    CHECK_EQ_U(so.budget_priority, 7);
    CHECK_EQ_U(so.ani[2], 0); /* ANI is a's (zero) */
    /* a version 2..255 reads as zeros too */
    a[223] = 9ull << 56;
    bsp_schema_nars_revision_inline(o, a, b);
    bsp_sidecar_unpack(o, &so);
    CHECK_EQ_U(so.nars_f, 52428);
    CHECK_EQ_U(so.ani[2], 0);
    check_output_shape(o);
}

static void test_deduction_inline(void)
{
    test_rng g;
    test_rng_seed(&g, 903);
    bsp_sidecar sa, sb;
    rand_sidecar(&sa, &g);
    rand_sidecar(&sb, &g);
    uint64_t a[BSP_WORDS], b[BSP_WORDS];
    make(a, &sa, &g);
    make(b, &sb, &g);
    bsp_truth t = bsp_schema_nars_deduction_inline(a, b);
    bsp_truth u = bsp_nars_deduction(truth_of(&sa), truth_of(&sb));
    CHECK(t.f == u.f && t.c == u.c);
    b[223] = 0;
    t = bsp_schema_nars_deduction_inline(a, b);
    CHECK(t.f == 0 && t.c == 0);
}

static void test_bind(void)
{
    test_rng g;
    test_rng_seed(&g, 904);
    for (int rep = 0; rep < 200; rep++) {
        bsp_sidecar sa, sb, so;
        rand_sidecar(&sa, &g);
        rand_sidecar(&sb, &g);
        if (rep % 4 == 0) sb.budget_priority = sa.budget_priority;
        if (rep == 1) sa.edge_weight = sb.edge_weight = 255;
        uint64_t a[BSP_WORDS], b[BSP_WORDS], o[BSP_WORDS];
        make(a, &sa, &g);
        make(b, &sb, &g);
        bsp_schema_bind(o, a, b);
        check_output_shape(o);
        for (int w = 0; w < 208; w++) CHECK_EQ_U(o[w], a[w] ^ b[w]);
        bsp_sidecar_unpack(o, &so);
        for (int i = 0; i < 8; i++)
            CHECK_EQ_U(so.ani[i], sa.ani[i] > sb.ani[i] ? sa.ani[i] : sb.ani[i]);
        bsp_truth t = bsp_nars_revision(truth_of(&sa), truth_of(&sb));
        CHECK_EQ_U(so.nars_f, bsp_q_u16((float)t.f));
        CHECK_EQ_U(so.nars_c, bsp_q_c16((float)t.c));
        const bsp_sidecar *hi = sb.budget_priority > sa.budget_priority ? &sb : &sa;
        CHECK_EQ_U(so.budget_priority, hi->budget_priority);
        CHECK_EQ_U(so.budget_durability, hi->budget_durability);
        CHECK_EQ_U(so.budget_quality, hi->budget_quality);
        CHECK_EQ_U(so.edge_verb, sa.edge_verb ^ sb.edge_verb);
        CHECK_EQ_U(so.edge_direction, sa.edge_direction);
        CHECK_EQ_U(so.edge_weight, (sa.edge_weight + sb.edge_weight) / 2);
        CHECK_EQ_U(so.edge_flags, sa.edge_flags | sb.edge_flags);
        CHECK_EQ_U(so.node_kind, sa.node_kind);
        CHECK_EQ_U(so.node_subtype, sa.node_subtype ^ sb.node_subtype);
        CHECK_EQ_U(so.provenance, sa.provenance ^ sb.provenance);
        for (int w = 224; w <= 231; w++) CHECK_EQ_U(o[w], a[w]);
        /* every field not listed is 0 */
        CHECK_EQ_U(o[213], 0);
        CHECK_EQ_U(o[214], 0);
        CHECK_EQ_U(o[215], 0);
        for (int w = 240; w <= 255; w++) CHECK_EQ_U(o[w], 0);
        /* aliasing */
        uint64_t al[BSP_WORDS];
        memcpy(al, b, sizeof al);
        bsp_schema_bind(al, a, al);
        CHECK(memcmp(al, o, sizeof o) == 0);
    }
    /* binding with itself cancels the content; ANI and fields keep a's */
    uint64_t a[BSP_WORDS], o[BSP_WORDS];
    bsp_sidecar sa;
    rand_sidecar(&sa, &g);
    make(a, &sa, &g);
    bsp_schema_bind(o, a, a);
    for (int w = 0; w < 208; w++) CHECK_EQ_U(o[w], 0);
    /* edge weight: floor((255 + 255) / 2) = 255, (0 + 1) / 2 = 0 */
    bsp_sidecar s1, s2, so;
    memset(&s1, 0, sizeof s1);
    memset(&s2, 0, sizeof s2);
    s1.edge_weight = 255;
    s2.edge_weight = 254;
    uint64_t r1[BSP_WORDS], r2[BSP_WORDS];
    make(r1, &s1, &g);
    make(r2, &s2, &g);
    bsp_schema_bind(o, r1, r2);
    bsp_sidecar_unpack(o, &so);
    CHECK_EQ_U(so.edge_weight, 254);
}

static void test_bind_reserved_flags(void)
{
    /* reserved flag bits of an input (readers must accept them) do not reach the output */
    test_rng g;
    test_rng_seed(&g, 905);
    uint64_t a[BSP_WORDS], b[BSP_WORDS], o[BSP_WORDS];
    bsp_sidecar s;
    memset(&s, 0, sizeof s);
    s.edge_flags = 0x3;
    make(a, &s, &g);
    make(b, &s, &g);
    a[211] |= 0xC0ull << 24;
    a[216] = ~0ull;
    bsp_schema_bind(o, a, b);
    CHECK_EQ_U(o[211] >> 24 & 0xFF, 0x3);
    CHECK_EQ_U(o[216], 0);
    bsp_schema_merge(o, a, b);
    CHECK_EQ_U(o[211] >> 24 & 0xFF, 0x3);
    bsp_schema_nars_revision_inline(o, a, b);
    CHECK_EQ_U(o[211] >> 24 & 0xFF, 0x3);
}

static int32_t rsum(const bsp_sidecar *s)
{
    int32_t t = 0;
    for (int i = 0; i < 8; i++) t += s->rewards[i];
    return t;
}

static void test_merge(void)
{
    test_rng g;
    test_rng_seed(&g, 906);
    for (int rep = 0; rep < 200; rep++) {
        bsp_sidecar sp, ss, so;
        rand_sidecar(&sp, &g);
        rand_sidecar(&ss, &g);
        if (rep % 7 == 0) memcpy(ss.rewards, sp.rewards, sizeof ss.rewards); /* tie -> p */
        if (rep % 7 == 1) { /* equal sums, different windows */
            memcpy(ss.rewards, sp.rewards, sizeof ss.rewards);
            ss.rewards[0] = sp.rewards[1];
            ss.rewards[1] = sp.rewards[0];
            ss.rewards[2] = (int16_t)(sp.rewards[2] + 1);
            ss.rewards[3] = (int16_t)(sp.rewards[3] - 1);
            if (rsum(&ss) != rsum(&sp)) memcpy(ss.rewards, sp.rewards, sizeof ss.rewards);
        }
        uint64_t p[BSP_WORDS], s[BSP_WORDS], o[BSP_WORDS];
        make(p, &sp, &g);
        make(s, &ss, &g);
        bsp_schema_merge(o, p, s);
        check_output_shape(o);
        CHECK(memcmp(o, p, 208 * 8) == 0);
        bsp_sidecar_unpack(o, &so);
#define MX(f) CHECK_EQ_U(so.f, sp.f > ss.f ? sp.f : ss.f)
        for (int i = 0; i < 8; i++) MX(ani[i]);
        bsp_truth t = bsp_nars_revision(truth_of(&sp), truth_of(&ss));
        CHECK_EQ_U(so.nars_f, bsp_q_u16((float)t.f));
        CHECK_EQ_U(so.nars_c, bsp_q_c16((float)t.c));
        MX(budget_priority);
        MX(budget_durability);
        MX(budget_quality);
        CHECK_EQ_U(o[211], p[211]);
        CHECK_EQ_U(o[213], p[213]);
        CHECK_EQ_U(o[214], p[214] & 0xFFFFFFFF);
        CHECK_EQ_U(o[215], p[215]);
        for (int i = 0; i < 16; i++) CHECK_EQ_I(so.q[i], ((int)sp.q[i] + ss.q[i]) / 2);
        const bsp_sidecar *rw = rsum(&ss) > rsum(&sp) ? &ss : &sp;
        CHECK(memcmp(so.rewards, rw->rewards, sizeof so.rewards) == 0);
        for (int w = 228; w <= 231; w++) CHECK_EQ_U(o[w], p[w]);
        for (int w = 240; w <= 243; w++) CHECK_EQ_U(o[w], p[w]);
        for (int w = 244; w <= 247; w++) CHECK_EQ_U(o[w], p[w] | s[w]);
        MX(pagerank);
        CHECK_EQ_U(so.hop_to_root, sp.hop_to_root < ss.hop_to_root ? sp.hop_to_root : ss.hop_to_root);
        CHECK_EQ_U(so.cluster_id, sp.cluster_id);
        MX(degree);
        MX(in_degree);
        MX(out_degree);
#undef MX
        for (int w = 249; w <= 255; w++) CHECK_EQ_U(o[w], p[w]);
        uint64_t al[BSP_WORDS];
        memcpy(al, p, sizeof al);
        bsp_schema_merge(al, al, s);
        CHECK(memcmp(al, o, sizeof o) == 0);
    }
}

static void test_merge_q_rounding(void)
{
    /* Q average truncates toward zero in integers; -128 is a legal raw i8 */
    test_rng g;
    test_rng_seed(&g, 907);
    bsp_sidecar sp, ss, so;
    memset(&sp, 0, sizeof sp);
    memset(&ss, 0, sizeof ss);
    int8_t qp[5] = {-3, 3, 127, -128, -1}, qs[5] = {0, 0, 127, -127, 0}, want[5] = {-1, 1, 127, -127, 0};
    for (int i = 0; i < 5; i++) sp.q[i] = qp[i], ss.q[i] = qs[i];
    sp.rewards[0] = 5;
    ss.rewards[7] = 6; /* s has the larger sum */
    sp.hop_to_root = 4;
    ss.hop_to_root = 9;
    uint64_t p[BSP_WORDS], s[BSP_WORDS], o[BSP_WORDS];
    make(p, &sp, &g);
    make(s, &ss, &g);
    bsp_schema_merge(o, p, s);
    bsp_sidecar_unpack(o, &so);
    for (int i = 0; i < 5; i++) CHECK_EQ_I(so.q[i], want[i]);
    CHECK_EQ_I(so.rewards[7], 6);
    CHECK_EQ_I(so.rewards[0], 0);
    CHECK_EQ_U(so.hop_to_root, 4);
    /* s at version 0 reads as zeros: hop_to_root min -> 0, rewards tie (p sum 5 > 0) -> p */
    s[223] = 0;
    bsp_schema_merge(o, p, s);
    bsp_sidecar_unpack(o, &so);
    CHECK_EQ_U(so.hop_to_root, 0);
    CHECK_EQ_I(so.rewards[0], 5);
    CHECK_EQ_I(so.q[0], -1); /* (-3 + 0) / 2 */
    CHECK_EQ_U(o[244] | o[245] | o[246] | o[247], 0);
}

int main(void)
{
    RUN(test_revision_inline);
    RUN(test_revision_inline_version0);
    RUN(test_deduction_inline);
    RUN(test_bind);
    RUN(test_bind_reserved_flags);
    RUN(test_merge);
    RUN(test_merge_q_rounding);
    return test_finish();
}
