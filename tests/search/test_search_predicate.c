/* Predicates inside search (§6, §7.1): every clause kind, evaluated before the distance,
 * equals brute force over the records that pass, with and without the source's column-wise
 * sidecar copy; version-0 records fail every clause. */
#include "bindspace/search.h"
#include "search_ref.h"

static void make_sidecars(test_rng *g, uint64_t *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t *r = recs + i * BSP_WORDS;
        for (int w = 208; w < 256; w++) r[w] = 0;
        if (test_rng_below(g, 6) == 0) continue;   /* version 0: no metadata */
        bsp_sidecar s;
        memset(&s, 0, sizeof s);
        for (int l = 0; l < 8; l++) s.ani[l] = (uint16_t)test_rng_below(g, 1000);
        s.nars_f = (uint16_t)test_rng_below(g, 65536);
        s.nars_c = (uint16_t)test_rng_below(g, 65529);
        s.budget_priority = (uint16_t)test_rng_below(g, 65536);
        s.edge_verb = (uint8_t)test_rng_below(g, 8);
        s.node_kind = (uint8_t)test_rng_below(g, 8);
        for (int a = 0; a < 16; a++) s.q[a] = (int8_t)(test_rng_below(g, 255) - 127);
        for (int j = 0; j < 8; j++) s.rewards[j] = (int16_t)(test_rng_below(g, 65535) - 32767);
        s.pagerank = (uint16_t)test_rng_below(g, 2000);
        s.hop_to_root = (uint8_t)test_rng_below(g, 6);
        s.cluster_id = (uint16_t)test_rng_below(g, 10);
        s.degree = (uint8_t)test_rng_below(g, 20);
        if (test_rng_below(g, 4) == 0) bsp_bloom_insert(s.bloom, 42);
        bsp_bloom_insert(s.bloom, test_rng_next(g));
        CHECK_OK(bsp_sidecar_pack(r, &s));
    }
}

static void test_every_clause_vs_bruteforce(void)
{
    static const char *preds[] = {
        "{}",
        "{\"ani\":{\"min_level\":3,\"min_activation\":500}}",
        "{\"nars\":{\"min_frequency\":0.5,\"min_confidence\":0.3}}",
        "{\"nars\":{\"min_priority\":0.9}}",
        "{\"rl\":{\"min_best_q\":0.9}}",
        "{\"rl\":{\"min_avg_reward\":0.1,\"positive_trend\":true}}",
        "{\"graph\":{\"cluster_id\":3}}",
        "{\"graph\":{\"min_pagerank\":1000,\"max_hop\":2,\"min_degree\":5}}",
        "{\"kind\":{\"kinds\":[1,2],\"verbs\":[3]}}",
        "{\"bloom\":{\"node_id\":42}}",
        "{\"graph\":{\"cluster_id\":3},\"nars\":{\"min_confidence\":0.5},\"kind\":{\"kinds\":[0,1,2,3]}}",
        "{\"graph\":{\"cluster_id\":9999}}",
    };
    test_rng g;
    test_rng_seed(&g, 31);
    size_t n = 6000;
    uint64_t *recs = ref_alloc(n), *q = ref_alloc(1);
    ref_random(&g, recs, n);
    make_sidecars(&g, recs, n);
    ref_random(&g, q, 1);
    uint64_t *side = malloc(n * BSP_SIDECAR_COPY_WORDS * 8);
    bsp_search_sidecar_copy(recs, n, side);
    bsp_search_source src;
    bsp_search_source_records(&src, recs, n, NULL, NULL);
    for (size_t pi = 0; pi < 2 * (sizeof preds / sizeof *preds); pi++) {
        src.sidecar = pi & 1 ? side : NULL; /* every predicate both ways */
        bsp_predicate *p = NULL;
        CHECK_OK(bsp_predicate_compile(preds[pi / 2], strlen(preds[pi / 2]), &p));
        if (!p) continue;
        uint64_t passing = 0;
        for (size_t i = 0; i < n; i++) passing += bsp_predicate_eval(p, recs + i * BSP_WORDS);
        size_t ks[] = {1, 10, 500, 7000};
        for (size_t ki = 0; ki < 4; ki++)
            for (unsigned th = 1; th <= 2; th++)
                for (int rank = 0; rank < 3; rank++) {
                    bsp_search_options o;
                    bsp_search_options_init(&o);
                    o.k = ks[ki];
                    o.threads = th;
                    o.predicate = p;
                    o.rank = (bsp_search_rank)rank;
                    o.bloom_source_id = 42;
                    o.bloom_bonus = 0.5;
                    o.rl_alpha = 0.3;
                    bsp_search_hit *got = calloc(ks[ki], sizeof *got), *want = calloc(n, sizeof *want);
                    size_t ng;
                    bsp_search_info info;
                    CHECK_OK(bsp_search(&src, q, &o, got, &ng, &info));
                    size_t nw = ref_search(&src, q, &o, want);
                    char what[160];
                    snprintf(what, sizeof what, "%s k %zu th %u rank %d%s", preds[pi / 2], ks[ki], th, rank,
                             src.sidecar ? " (sidecar copy)" : "");
                    CHECK(ref_same(got, ng, want, nw, what));
                    CHECK_EQ_U(info.passed, passing);
                    CHECK(info.completed <= passing);
                    free(got);
                    free(want);
                }
        bsp_predicate_free(p);
    }
    free(side);
    free(recs);
    free(q);
}

/* The predicate reads the sidecar copy, not the records: a copy that says every record is
 * in cluster 3 (version 1) makes every record pass; its planes are where the API says. */
static void test_sidecar_copy_is_read(void)
{
    test_rng g;
    test_rng_seed(&g, 33);
    size_t n = 700;
    uint64_t *recs = ref_alloc(n), *q = ref_alloc(1);
    ref_random(&g, recs, n);
    make_sidecars(&g, recs, n);
    uint64_t *side = malloc(n * BSP_SIDECAR_COPY_WORDS * 8);
    bsp_search_sidecar_copy(recs, n, side);
    for (size_t i = 0; i < n; i++)
        for (size_t w = 0; w < 48; w++)
            CHECK(side[(w / 8) * n * 8 + i * 8 + w % 8] == recs[i * BSP_WORDS + 208 + w]);
    for (size_t i = 0; i < n; i++) {
        side[5 * n * 8 + i * 8] = (uint64_t)3 << 24; /* word 248: cluster 3 */
        side[1 * n * 8 + i * 8 + 7] = 1ull << 56;     /* word 223: schema version 1 */
    }
    bsp_search_source src;
    bsp_search_source_records(&src, recs, n, NULL, NULL);
    src.sidecar = side;
    const char *pj = "{\"graph\":{\"cluster_id\":3}}";
    bsp_predicate *p = NULL;
    CHECK_OK(bsp_predicate_compile(pj, strlen(pj), &p));
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.predicate = p;
    bsp_search_hit h[10];
    size_t nh;
    bsp_search_info info;
    CHECK_OK(bsp_search(&src, q, &o, h, &nh, &info));
    CHECK_EQ_U(info.passed, n);
    CHECK_EQ_U(nh, 10);
    bsp_predicate_free(p);
    free(side);
    free(recs);
    free(q);
}

/* A predicate that passes nothing computes no distance; version-0 records never pass. */
static void test_no_distance_for_failing_records(void)
{
    test_rng g;
    test_rng_seed(&g, 32);
    size_t n = 3000;
    uint64_t *recs = ref_alloc(n), *q = ref_alloc(1);
    ref_random(&g, recs, n);
    for (size_t i = 0; i < n; i++) ref_set_version(recs + i * BSP_WORDS, 0);
    bsp_search_source src;
    bsp_search_source_records(&src, recs, n, NULL, NULL);
    const char *pj = "{\"nars\":{\"min_confidence\":0}}";
    bsp_predicate *p = NULL;
    CHECK_OK(bsp_predicate_compile(pj, strlen(pj), &p));
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.predicate = p;
    bsp_search_hit h[10];
    size_t nh = 7;
    bsp_search_info info;
    CHECK_OK(bsp_search(&src, q, &o, h, &nh, &info));
    CHECK_EQ_U(nh, 0);
    CHECK_EQ_U(info.candidates, n);
    CHECK_EQ_U(info.passed, 0);
    CHECK_EQ_U(info.completed, 0);
    o.mode = BSP_SEARCH_APPROXIMATE;
    CHECK_OK(bsp_search(&src, q, &o, h, &nh, &info));
    CHECK_EQ_U(nh, 0);
    CHECK_EQ_U(info.completed, 0);
    bsp_predicate_free(p);
    free(recs);
    free(q);
}

int main(void)
{
    RUN(test_every_clause_vs_bruteforce);
    RUN(test_no_distance_for_failing_records);
    RUN(test_sidecar_copy_is_read);
    return test_finish();
}
