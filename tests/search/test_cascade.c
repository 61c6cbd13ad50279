/* The cascade (§7.5) and calibration (§7.6): vector 18.11, band edges, approximate mode as
 * specified (stage rejections, stop rule, Weak never returned, labelled approximate) and
 * exact mode unchanged by it. */
#include "bindspace/search.h"
#include "search_ref.h"

static void test_defaults_and_bands(void)
{
    bsp_cascade c;
    CHECK_OK(bsp_cascade_default(BSP_MASK_ALL, &c));
    CHECK_EQ_U(c.mu, 8192);
    CHECK_EQ_U(c.sigma, 64);
    CHECK_EQ_I(c.t1, 8128);
    CHECK_EQ_I(c.t2, 8064);
    CHECK_EQ_U(bsp_cascade_band(&c, 7999), BSP_BAND_FOVEAL);
    CHECK_EQ_U(bsp_cascade_band(&c, 8000), BSP_BAND_NEAR);
    CHECK_EQ_U(bsp_cascade_band(&c, 8063), BSP_BAND_NEAR);
    CHECK_EQ_U(bsp_cascade_band(&c, 8064), BSP_BAND_GOOD);
    CHECK_EQ_U(bsp_cascade_band(&c, 8127), BSP_BAND_GOOD);
    CHECK_EQ_U(bsp_cascade_band(&c, 8128), BSP_BAND_WEAK);
    CHECK_EQ_U(bsp_cascade_band(&c, 8191), BSP_BAND_WEAK);
    CHECK_EQ_U(bsp_cascade_band(&c, 8192), BSP_BAND_REJECT);
    CHECK_OK(bsp_cascade_default(BSP_MASK_SEMANTIC, &c));
    CHECK_EQ_U(c.mu, 6656);
    CHECK_EQ_U(c.sigma, 57);
    CHECK_EQ_I(c.t1, 6599);
    CHECK_EQ_I(c.t2, 6542);
    CHECK_EQ_U(bsp_cascade_band(&c, 6484), BSP_BAND_FOVEAL);
    CHECK_EQ_U(bsp_cascade_band(&c, 6485), BSP_BAND_NEAR);
    CHECK_EQ_U(bsp_cascade_band(&c, 6541), BSP_BAND_NEAR);
    CHECK_EQ_U(bsp_cascade_band(&c, 6542), BSP_BAND_GOOD);
    CHECK_EQ_U(bsp_cascade_band(&c, 6598), BSP_BAND_GOOD);
    CHECK_EQ_U(bsp_cascade_band(&c, 6599), BSP_BAND_WEAK);
    CHECK_EQ_U(bsp_cascade_band(&c, 6655), BSP_BAND_WEAK);
    CHECK_EQ_U(bsp_cascade_band(&c, 6656), BSP_BAND_REJECT);
    CHECK_STR(bsp_band_name(BSP_BAND_GOOD), "good");
    CHECK_ERR(bsp_cascade_default(0, &c), BSP_EINVAL, "mask");
}

/* 18.11: calibrate(8000, 8100, 8200, 8300, 8400) -> mu 8200, sigma 141 */
static void test_calibrate_vector(void)
{
    uint32_t d[] = {8000, 8100, 8200, 8300, 8400};
    bsp_cascade c;
    CHECK_OK(bsp_cascade_calibrate(d, 5, &c));
    CHECK_EQ_U(c.mu, 8200);
    CHECK_EQ_U(c.sigma, 141);
    CHECK_EQ_I(c.t1, 8059);
    CHECK_EQ_I(c.t2, 7918);
    /* bands 7777 / 7918 / 8059 / 8200 */
    CHECK_EQ_U(bsp_cascade_band(&c, 7776), BSP_BAND_FOVEAL);
    CHECK_EQ_U(bsp_cascade_band(&c, 7777), BSP_BAND_NEAR);
    CHECK_EQ_U(bsp_cascade_band(&c, 7918), BSP_BAND_GOOD);
    CHECK_EQ_U(bsp_cascade_band(&c, 8050), BSP_BAND_GOOD);
    CHECK_EQ_U(bsp_cascade_band(&c, 8059), BSP_BAND_WEAK);
    CHECK_EQ_U(bsp_cascade_band(&c, 8200), BSP_BAND_REJECT);
    uint32_t one = 5;
    CHECK_OK(bsp_cascade_calibrate(&one, 1, &c));
    CHECK_EQ_U(c.mu, 5);
    CHECK_EQ_U(c.sigma, 1);  /* max(1, 0) */
    CHECK_ERR(bsp_cascade_calibrate(d, 0, &c), BSP_EINVAL, "sample");
}

/* 18.11: x = zero except words 0, 16, ..., 192 all ones -> semantic 832, p1 13312 > 6599 */
static void test_cascade_vector(void)
{
    uint64_t *r = ref_alloc(2), *q = r + BSP_WORDS;
    for (int w = 0; w <= 192; w += 16) r[w] = ~0ull;
    bsp_search_source src;
    bsp_search_source_records(&src, r, 1, NULL, NULL);
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = 1;
    bsp_search_hit h;
    size_t nh = 9;
    bsp_search_info info;
    o.mode = BSP_SEARCH_APPROXIMATE;
    CHECK_OK(bsp_search(&src, q, &o, &h, &nh, &info));
    CHECK_EQ_U(nh, 0);
    CHECK(info.approximate);
    CHECK_EQ_U(info.completed, 0);
    o.mode = BSP_SEARCH_EXACT;
    CHECK_OK(bsp_search(&src, q, &o, &h, &nh, &info));
    CHECK(!info.approximate);
    CHECK_EQ_U(nh, 1);
    CHECK_EQ_U(h.position, 0);
    CHECK_EQ_U(h.distance, 832);
    free(r);
}

/* The approximate mode re-implemented literally from §7.5, for comparison. */
static size_t approx_ref(const uint64_t *recs, size_t n, const uint64_t *q, size_t k,
                         const bsp_cascade *c, bsp_search_hit *out)
{
    bsp_search_hit *kept = malloc((n + 1) * sizeof *kept);
    size_t m = 0, foveal = 0;
    for (size_t i = 0; i < n && k > 0; i++) {
        const uint64_t *r = recs + i * BSP_WORDS;
        uint32_t d1 = 0, d2 = 0;
        for (int b = 0; b < 13; b++) {
            d1 += (uint32_t)__builtin_popcountll(q[16 * b] ^ r[16 * b]);
            for (int w = 0; w < 16; w += 4)
                d2 += (uint32_t)__builtin_popcountll(q[16 * b + w] ^ r[16 * b + w]);
        }
        if ((int64_t)d1 * 16 > c->t1) continue;
        if ((int64_t)d2 * 4 > c->t2) continue;
        uint32_t d = ref_masked(q, r, BSP_MASK_SEMANTIC);
        int64_t mu = c->mu, s = c->sigma;
        if (d >= mu - s) continue;
        kept[m++] = (bsp_search_hit){.position = i, .distance = d, .effective = d, .score = d};
        if (d < mu - 3 * s && ++foveal >= k) break;
    }
    qsort(kept, m, sizeof *kept, ref_cmp);
    size_t r = m < k ? m : k;
    memcpy(out, kept, r * sizeof *out);
    free(kept);
    return r;
}

static void test_approximate_mode(void)
{
    test_rng g;
    test_rng_seed(&g, 11);
    size_t n = 3000;
    uint64_t *recs = ref_alloc(n), *q = ref_alloc(1);
    ref_random(&g, recs, n);
    ref_random(&g, q, 1);
    /* plant near neighbours of q at several distances: some Foveal, some rejected by stage 1 */
    for (size_t i = 100; i < n; i += 97) {
        uint64_t *r = recs + i * BSP_WORDS;
        memcpy(r, q, BSP_BYTES);
        int flips = (int)test_rng_below(&g, 7000);
        for (int f = 0; f < flips; f++) {
            unsigned b = (unsigned)test_rng_below(&g, 13312);
            r[b / 64] ^= 1ull << (b % 64);
        }
        if (i % 5 == 0) for (int w = 0; w < 208; w += 16) r[w] = ~q[w];
    }
    bsp_search_source src;
    bsp_search_source_records(&src, recs, n, NULL, NULL);
    bsp_cascade cas;
    CHECK_OK(bsp_cascade_default(BSP_MASK_SEMANTIC, &cas));
    size_t ks[] = {0, 1, 3, 10, 40, 5000};
    for (size_t ki = 0; ki < 6; ki++) {
        bsp_search_options o;
        bsp_search_options_init(&o);
        o.k = ks[ki];
        o.mode = BSP_SEARCH_APPROXIMATE;
        bsp_search_hit *got = calloc(ks[ki] + 1, sizeof *got), *want = calloc(n, sizeof *want);
        size_t ng;
        bsp_search_info info;
        CHECK_OK(bsp_search(&src, q, &o, got, &ng, &info));
        CHECK(info.approximate);
        size_t nw = approx_ref(recs, n, q, ks[ki], &cas, want);
        char what[32];
        snprintf(what, sizeof what, "approx k %zu", ks[ki]);
        CHECK(ref_same(got, ng, want, nw, what));
        /* every returned distance is exact and at most Good */
        for (size_t i = 0; i < ng; i++) {
            CHECK_EQ_U(got[i].distance, ref_masked(q, recs + got[i].position * BSP_WORDS,
                                                   BSP_MASK_SEMANTIC));
            CHECK(bsp_cascade_band(&cas, got[i].distance) <= BSP_BAND_GOOD);
        }
        /* exact mode is unaffected by the cascade: it equals brute force */
        o.mode = BSP_SEARCH_EXACT;
        o.cascade = &cas;
        CHECK_OK(bsp_search(&src, q, &o, got, &ng, &info));
        CHECK(!info.approximate);
        nw = ref_search(&src, q, &o, want);
        CHECK(ref_same(got, ng, want, nw, "exact with cascade set"));
        free(got);
        free(want);
    }
    /* k = 3 stops early: fewer candidates visited than exist */
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = 3;
    o.mode = BSP_SEARCH_APPROXIMATE;
    bsp_search_hit h[3];
    size_t nh;
    bsp_search_info info;
    CHECK_OK(bsp_search(&src, q, &o, h, &nh, &info));
    CHECK(info.candidates < n);
    /* a calibrated cascade changes the bands */
    uint32_t samples[] = {6000, 6100, 6200};
    bsp_cascade cal;
    CHECK_OK(bsp_cascade_calibrate(samples, 3, &cal));
    o.cascade = &cal;
    o.k = 50;
    bsp_search_hit *got = calloc(50, sizeof *got), *want = calloc(n, sizeof *want);
    size_t ng;
    CHECK_OK(bsp_search(&src, q, &o, got, &ng, NULL));
    size_t nw = approx_ref(recs, n, q, 50, &cal, want);
    CHECK(ref_same(got, ng, want, nw, "approx calibrated"));
    free(got);
    free(want);
    free(recs);
    free(q);
}

int main(void)
{
    RUN(test_defaults_and_bands);
    RUN(test_calibrate_vector);
    RUN(test_cascade_vector);
    RUN(test_approximate_mode);
    return test_finish();
}
