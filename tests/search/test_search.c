/* Exact top-k search against the brute-force definition (§7.1-7.4) on random and clustered
 * data, every mask shape, k edge cases, explicit positions with an occupancy bitmap, thread
 * counts and batches; the ranking vectors of §18.12; option errors. */
#include "bindspace/search.h"
#include "search_ref.h"

static const uint16_t masks[] = {BSP_MASK_SEMANTIC, BSP_MASK_ALL, BSP_MASK_SCHEMA, 0x0001, 0xA5A5,
                                 0x8000};

static int run_and_compare(const bsp_search_source *src, const uint64_t *q,
                           const bsp_search_options *o, const char *what)
{
    size_t cap = o->k ? o->k : 1;
    bsp_search_hit *got = calloc(cap, sizeof *got), *want = calloc(src->n + 1, sizeof *want);
    size_t ng = 99, nw;
    int ok = 1;
    int rc = bsp_search(src, q, o, got, &ng, NULL);
    if (rc) {
        fprintf(stderr, "  %s: rc %d %s\n", what, rc, bsp_errmsg());
        ok = 0;
    } else {
        nw = ref_search(src, q, o, want);
        ok = ref_same(got, ng, want, nw, what);
    }
    free(got);
    free(want);
    return ok;
}

static void test_random_vs_bruteforce(void)
{
    test_rng g;
    test_rng_seed(&g, 1);
    size_t n = 5000;
    uint64_t *recs = ref_alloc(n), *q = ref_alloc(3);
    ref_random(&g, recs, n);
    ref_random(&g, q, 3);
    memcpy(q + 2 * BSP_WORDS, recs + 1234 * BSP_WORDS, BSP_BYTES); /* an exact member */
    bsp_search_source src;
    bsp_search_source_records(&src, recs, n, NULL, NULL);
    size_t ks[] = {0, 1, 2, 10, 100, 4999, 5000, 5001, 100000};
    for (size_t mi = 0; mi < sizeof masks / sizeof *masks; mi++)
        for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++)
            for (unsigned th = 1; th <= 3; th += 2)
                for (int qi = 0; qi < 3; qi++) {
                    bsp_search_options o;
                    bsp_search_options_init(&o);
                    o.mask = masks[mi];
                    o.k = ks[ki];
                    o.threads = th;
                    char what[96];
                    snprintf(what, sizeof what, "mask %#x k %zu threads %u q %d", masks[mi],
                             ks[ki], th, qi);
                    CHECK(run_and_compare(&src, q + qi * BSP_WORDS, &o, what));
                }
    /* the exact member is rank 0 at distance 0 */
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = 1;
    bsp_search_hit h;
    size_t nh;
    CHECK_OK(bsp_search(&src, q + 2 * BSP_WORDS, &o, &h, &nh, NULL));
    CHECK_EQ_U(nh, 1);
    CHECK_EQ_U(h.position, 1234);
    CHECK_EQ_U(h.distance, 0);
    free(recs);
    free(q);
}

/* Records drawn from 4 prototypes with 0-3 bit flips: distances repeat a lot, so ties must
 * be broken by position; positions are explicit and shuffled, with unoccupied slots. */
static void test_clustered_ties(void)
{
    test_rng g;
    test_rng_seed(&g, 2);
    size_t n = 6000;
    uint64_t *recs = ref_alloc(n), *protos = ref_alloc(4);
    ref_random(&g, protos, 4);
    uint64_t *pos = malloc(n * sizeof *pos), *occ = calloc((n + 63) / 64, 8);
    for (size_t i = 0; i < n; i++) {
        memcpy(recs + i * BSP_WORDS, protos + test_rng_below(&g, 4) * BSP_WORDS, BSP_BYTES);
        int flips = (int)test_rng_below(&g, 4);
        for (int f = 0; f < flips; f++) {
            unsigned b = (unsigned)test_rng_below(&g, 16384);
            recs[i * BSP_WORDS + b / 64] ^= 1ull << (b % 64);
        }
        pos[i] = i;
        if (test_rng_below(&g, 10) != 0) occ[i / 64] |= 1ull << (i % 64);
    }
    for (size_t i = n - 1; i > 0; i--) { /* shuffle positions */
        size_t j = (size_t)test_rng_below(&g, i + 1);
        uint64_t t = pos[i]; pos[i] = pos[j]; pos[j] = t;
    }
    for (size_t i = 0; i < n; i++) pos[i] = pos[i] * 7 + 3;
    bsp_search_source src;
    bsp_search_source_records(&src, recs, n, pos, occ);
    size_t ks[] = {1, 5, 50, 500, 3000, 7000};
    for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++)
        for (unsigned th = 1; th <= 2; th++)
            for (int p = 0; p < 4; p++) {
                bsp_search_options o;
                bsp_search_options_init(&o);
                o.k = ks[ki];
                o.threads = th;
                o.mask = p == 3 ? BSP_MASK_ALL : BSP_MASK_SEMANTIC;
                char what[64];
                snprintf(what, sizeof what, "clustered k %zu threads %u proto %d", ks[ki], th, p);
                CHECK(run_and_compare(&src, protos + p * BSP_WORDS, &o, what));
            }
    /* the nearest 50 to a prototype contain many distance ties: check the tie order */
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = 50;
    bsp_search_hit h[50];
    size_t nh;
    CHECK_OK(bsp_search(&src, protos, &o, h, &nh, NULL));
    CHECK_EQ_U(nh, 50);
    int ties = 0;
    for (size_t i = 1; i < nh; i++) {
        CHECK(h[i - 1].distance <= h[i].distance);
        if (h[i - 1].distance == h[i].distance) {
            ties++;
            CHECK(h[i - 1].position < h[i].position);
        }
    }
    CHECK(ties > 20);
    free(recs); free(protos); free(pos); free(occ);
}

static void test_max_distance(void)
{
    test_rng g;
    test_rng_seed(&g, 3);
    size_t n = 3000;
    uint64_t *recs = ref_alloc(n), *q = ref_alloc(1);
    ref_random(&g, recs, n);
    ref_random(&g, q, 1);
    bsp_search_source src;
    bsp_search_source_records(&src, recs, n, NULL, NULL);
    uint32_t limits[] = {0, 6400, 6550, 6656, 7000};
    for (size_t li = 0; li < 5; li++)
        for (size_t k = 1; k <= 3000; k *= 10) {
            bsp_search_options o;
            bsp_search_options_init(&o);
            o.k = k;
            o.has_max_distance = true;
            o.max_distance = limits[li];
            char what[64];
            snprintf(what, sizeof what, "max_distance %u k %zu", limits[li], k);
            CHECK(run_and_compare(&src, q, &o, what));
        }
    free(recs);
    free(q);
}

static void test_batch_equals_single(void)
{
    test_rng g;
    test_rng_seed(&g, 4);
    size_t n = 4100, nq = 100, k = 7; /* ~66 unplanted queries: two batch-kernel calls per chunk */
    uint64_t *recs = ref_alloc(n), *qs = ref_alloc(nq);
    ref_random(&g, recs, n);
    ref_random(&g, qs, nq);
    for (size_t j = 0; j < nq; j += 3) { /* planted: a member with a quarter of its bits flipped */
        memcpy(qs + j * BSP_WORDS, recs + test_rng_below(&g, n) * BSP_WORDS, BSP_BYTES);
        for (int w = 0; w < BSP_WORDS; w++)
            qs[j * BSP_WORDS + w] ^= test_rng_next(&g) & test_rng_next(&g);
    }
    bsp_search_source src;
    bsp_search_source_records(&src, recs, n, NULL, NULL);
    for (unsigned th = 1; th <= 2; th++) {
        bsp_search_options o;
        bsp_search_options_init(&o);
        o.k = k;
        o.threads = th;
        bsp_search_hit *hb = calloc(nq * k, sizeof *hb);
        size_t *nb = calloc(nq, sizeof *nb);
        bsp_search_info info;
        CHECK_OK(bsp_search_batch(&src, qs, nq, &o, hb, nb, &info));
        CHECK(!info.approximate);
        CHECK_EQ_U(info.candidates, n);
        for (size_t j = 0; j < nq; j++) {
            bsp_search_hit h1[7];
            size_t n1;
            CHECK_OK(bsp_search(&src, qs + j * BSP_WORDS, &o, h1, &n1, NULL));
            CHECK(ref_same(hb + j * k, nb[j], h1, n1, "batch vs single"));
            bsp_search_hit want[7];
            size_t nw = ref_search(&src, qs + j * BSP_WORDS, &o, want);
            CHECK(ref_same(h1, n1, want, nw, "single vs brute force"));
        }
        free(hb);
        free(nb);
    }
    free(recs);
    free(qs);
}

/* Random sidecars: version 1 or 0, random Q-values, blooms holding id 77 for some records. */
static void make_ranked_data(test_rng *g, uint64_t *recs, size_t n)
{
    ref_random(g, recs, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t *r = recs + i * BSP_WORDS;
        for (int w = 208; w < 256; w++) r[w] = 0;
        ref_set_version(r, test_rng_below(g, 5) ? 1 : 0);
        for (int a = 0; a < 16; a++) ref_set_q(r, a, (int8_t)(test_rng_below(g, 255) - 127));
        if (test_rng_below(g, 3) == 0) ref_bloom_insert(r, 77);
        if (test_rng_below(g, 7) == 0) ref_bloom_insert(r, test_rng_next(g));
    }
}

static void test_bloom_and_rl_vs_bruteforce(void)
{
    test_rng g;
    test_rng_seed(&g, 5);
    size_t n = 4000;
    uint64_t *recs = ref_alloc(n), *q = ref_alloc(2);
    make_ranked_data(&g, recs, n);
    ref_random(&g, q, 2);
    memcpy(q + BSP_WORDS, recs + 99 * BSP_WORDS, BSP_BYTES);
    bsp_search_source src;
    bsp_search_source_records(&src, recs, n, NULL, NULL);
    double bonuses[] = {0, 0.05, 0.25, 0.3, 0.5, 0.6, 1.0};
    double alphas[] = {0, 0.2, 0.5, 0.99, 1.0};
    size_t ks[] = {1, 10, 333, 4000};
    for (size_t ki = 0; ki < 4; ki++)
        for (int qi = 0; qi < 2; qi++)
            for (unsigned th = 1; th <= 2; th++) {
                for (size_t bi = 0; bi < 7; bi++) {
                    bsp_search_options o;
                    bsp_search_options_init(&o);
                    o.k = ks[ki];
                    o.threads = th;
                    o.rank = BSP_RANK_BLOOM;
                    o.bloom_source_id = 77;
                    o.bloom_bonus = bonuses[bi];
                    o.mask = qi ? BSP_MASK_ALL : BSP_MASK_SEMANTIC;
                    char what[96];
                    snprintf(what, sizeof what, "bloom bonus %g k %zu q %d th %u", bonuses[bi],
                             ks[ki], qi, th);
                    CHECK(run_and_compare(&src, q + qi * BSP_WORDS, &o, what));
                }
                for (size_t ai = 0; ai < 5; ai++) {
                    bsp_search_options o;
                    bsp_search_options_init(&o);
                    o.k = ks[ki];
                    o.threads = th;
                    o.rank = BSP_RANK_RL;
                    o.rl_alpha = alphas[ai];
                    if (ai == 2) { o.has_max_distance = true; o.max_distance = 6600; }
                    char what[96];
                    snprintf(what, sizeof what, "rl alpha %g k %zu q %d th %u", alphas[ai],
                             ks[ki], qi, th);
                    CHECK(run_and_compare(&src, q + qi * BSP_WORDS, &o, what));
                }
            }
    free(recs);
    free(q);
}

/* 18.12 */
static void test_ranking_vectors(void)
{
    CHECK_EQ_U(bsp_bloom_effective(8, 0.5, true), 4);
    CHECK_EQ_U(bsp_bloom_effective(8001, 0.25, true), 6000);
    CHECK_EQ_U(bsp_bloom_effective(1000, 0.3, true), 700);
    CHECK_EQ_U(bsp_bloom_effective(5, 0.6, true), 1);
    CHECK_EQ_U(bsp_bloom_effective(1000, 0.3, false), 1000);
    CHECK(fabs(bsp_rl_score(1000, 0.5, 0.2, BSP_MASK_SEMANTIC) - 0.1100961538) < 5e-11);
    CHECK(fabs(bsp_rl_score(1000, 0.5, 0.0, BSP_MASK_SEMANTIC) - 0.0751201923) < 5e-11);
    CHECK(fabs(bsp_rl_score(1000, (double)(95.0f / 127.0f), 0.2, BSP_MASK_SEMANTIC) -
               0.0852930041) < 5e-11);

    /* Top-1, bonus 0.5: A (not a neighbour, raw 100) and B (neighbour, raw 150) -> B (150, 75) */
    uint64_t *r = ref_alloc(3), *q = r + 2 * BSP_WORDS;
    for (int b = 0; b < 100; b++) r[b / 64] |= 1ull << (b % 64);
    for (int b = 0; b < 150; b++) r[BSP_WORDS + b / 64] |= 1ull << (b % 64);
    ref_set_version(r + BSP_WORDS, 1);
    ref_bloom_insert(r + BSP_WORDS, 5);
    bsp_search_source src;
    bsp_search_source_records(&src, r, 2, NULL, NULL);
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = 1;
    o.rank = BSP_RANK_BLOOM;
    o.bloom_source_id = 5;
    o.bloom_bonus = 0.5;
    bsp_search_hit h[2];
    size_t nh;
    CHECK_OK(bsp_search(&src, q, &o, h, &nh, NULL));
    CHECK_EQ_U(nh, 1);
    CHECK_EQ_U(h[0].position, 1);
    CHECK_EQ_U(h[0].distance, 150);
    CHECK_EQ_U(h[0].effective, 75);

    /* RL tie: position 0 (version 1, d 1, every Q = -127) and position 1 (d 1665, Q all 0) */
    memset(r, 0, 3 * BSP_BYTES);
    r[0] = 1;
    ref_set_version(r, 1);
    for (int a = 0; a < 16; a++) ref_set_q(r, a, -127);
    for (int b = 0; b < 1665; b++) r[BSP_WORDS + b / 64] |= 1ull << (b % 64);
    ref_set_version(r + BSP_WORDS, 1);
    bsp_search_options_init(&o);
    o.k = 2;
    o.rank = BSP_RANK_RL;
    o.rl_alpha = 0.2;
    for (unsigned th = 1; th <= 2; th++) {
        o.threads = th;
        CHECK_OK(bsp_search(&src, q, &o, h, &nh, NULL));
        CHECK_EQ_U(nh, 2);
        CHECK_EQ_U(h[0].position, 0);
        CHECK_EQ_U(h[0].distance, 1);
        CHECK(h[0].q == -1.0f);
        CHECK(h[0].score == 0.20006009615384618);
        CHECK(h[1].score == 0.20006009615384618);
        CHECK_EQ_U(h[1].distance, 1665);
        CHECK(h[1].q == 0.0f);
    }
    o.k = 1;
    CHECK_OK(bsp_search(&src, q, &o, h, &nh, NULL));
    CHECK_EQ_U(nh, 1);
    CHECK_EQ_U(h[0].position, 0);
    free(r);
}

static void test_option_errors(void)
{
    uint64_t *r = ref_alloc(1);
    bsp_search_source src;
    bsp_search_source_records(&src, r, 1, NULL, NULL);
    bsp_search_options o;
    bsp_search_hit h[10];
    size_t nh;
    bsp_search_options_init(&o);
    o.mask = 0;
    CHECK_ERR(bsp_search(&src, r, &o, h, &nh, NULL), BSP_EINVAL, "mask");
    bsp_search_options_init(&o);
    o.rank = BSP_RANK_BLOOM;
    o.bloom_bonus = 1.5;
    CHECK_ERR(bsp_search(&src, r, &o, h, &nh, NULL), BSP_EINVAL, "bonus");
    o.bloom_bonus = NAN;
    CHECK_ERR(bsp_search(&src, r, &o, h, &nh, NULL), BSP_EINVAL, "bonus");
    bsp_search_options_init(&o);
    o.rank = BSP_RANK_RL;
    o.rl_alpha = -0.1;
    CHECK_ERR(bsp_search(&src, r, &o, h, &nh, NULL), BSP_EINVAL, "alpha");
    o.rl_alpha = 0.5;
    o.mode = BSP_SEARCH_APPROXIMATE;
    CHECK_ERR(bsp_search(&src, r, &o, h, &nh, NULL), BSP_EINVAL, "approximate");
    bsp_search_options_init(&o);
    src.n = 1;
    src.records = NULL;
    CHECK_ERR(bsp_search(&src, r, &o, h, &nh, NULL), BSP_EINVAL, "records");
    /* empty source, k > 0 */
    bsp_search_source_records(&src, NULL, 0, NULL, NULL);
    nh = 5;
    CHECK_OK(bsp_search(&src, r, &o, h, &nh, NULL));
    CHECK_EQ_U(nh, 0);
    free(r);
}

int main(void)
{
    RUN(test_random_vs_bruteforce);
    RUN(test_clustered_ties);
    RUN(test_max_distance);
    RUN(test_batch_equals_single);
    RUN(test_bloom_and_rl_vs_bruteforce);
    RUN(test_ranking_vectors);
    RUN(test_option_errors);
    return test_finish();
}
