/* The body shared by the big top-k tests (test_search_big: 65,536 records, the _slow twin:
 * 300,000): exact top-k of random and planted queries (a stored record with a quarter of its
 * bits flipped) equals brute force, single and batched, 1 and 2 threads. */
#ifndef BSP_TEST_SEARCH_BIG_H
#define BSP_TEST_SEARCH_BIG_H

#include "bindspace/search.h"
#include "search_ref.h"

static void check_big(size_t n, size_t nq, uint64_t seed)
{
    test_rng g;
    test_rng_seed(&g, seed);
    uint64_t *recs = ref_alloc(n), *qs = ref_alloc(nq);
    ref_random(&g, recs, n);
    ref_random(&g, qs, nq);
    for (size_t j = 1; j < nq; j += 2) { /* planted: stored record, a quarter of bits flipped */
        memcpy(qs + j * BSP_WORDS, recs + test_rng_below(&g, n) * BSP_WORDS, BSP_BYTES);
        for (int w = 0; w < BSP_WORDS; w++)
            qs[j * BSP_WORDS + w] ^= test_rng_next(&g) & test_rng_next(&g);
    }
    bsp_search_source src;
    bsp_search_source_records(&src, recs, n, NULL, NULL);
    size_t ks[] = {1, 10, 1000};
    for (size_t ki = 0; ki < 3; ki++) {
        size_t k = ks[ki];
        bsp_search_hit *want = calloc(n, sizeof *want);
        size_t *nwant = calloc(nq, sizeof *nwant);
        bsp_search_hit *wantall = calloc(nq * k, sizeof *wantall);
        bsp_search_options o;
        bsp_search_options_init(&o);
        o.k = k;
        for (size_t j = 0; j < nq; j++) {
            nwant[j] = ref_search(&src, qs + j * BSP_WORDS, &o, want);
            memcpy(wantall + j * k, want, nwant[j] * sizeof *want);
        }
        for (unsigned th = 1; th <= 2; th++) {
            o.threads = th;
            bsp_search_hit *hb = calloc(nq * k, sizeof *hb);
            size_t *nb = calloc(nq, sizeof *nb);
            CHECK_OK(bsp_search_batch(&src, qs, nq, &o, hb, nb, NULL));
            for (size_t j = 0; j < nq; j++) {
                char what[64];
                snprintf(what, sizeof what, "n %zu k %zu th %u q %zu batch", n, k, th, j);
                CHECK(ref_same(hb + j * k, nb[j], wantall + j * k, nwant[j], what));
                size_t n1;
                CHECK_OK(bsp_search(&src, qs + j * BSP_WORDS, &o, hb, &n1, NULL));
                snprintf(what, sizeof what, "n %zu k %zu th %u q %zu single", n, k, th, j);
                CHECK(ref_same(hb, n1, wantall + j * k, nwant[j], what));
            }
            free(hb);
            free(nb);
        }
        free(want);
        free(nwant);
        free(wantall);
    }
    free(recs);
    free(qs);
}

#endif
