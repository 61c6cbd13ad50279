/* Search over a Lance dataset (§7.1 with positions = row addresses): a table written in
 * several fragments, some rows deleted, equals brute force over the live rows read back by
 * a scanner; thread counts, batches, predicates and approximate mode on the same table. */
#include "bindspace/lance.h"
#include "bindspace/search.h"
#include "search_ref.h"

static bsp_schema make_schema(void)
{
    bsp_schema s;
    s.nfields = 2;
    s.fields = calloc(2, sizeof *s.fields);
    s.fields[0] = (bsp_field){strdup("id"), {BSP_T_UINT64, 0}, false, -1};
    s.fields[1] = (bsp_field){strdup("fingerprint"), {BSP_T_FSL_UINT8, 2048}, false, -1};
    return s;
}

static void append_rows(const char *path, const bsp_schema *s, const uint64_t *recs, size_t n,
                        uint64_t first_id, uint64_t max_rows_per_file)
{
    bsp_batch b;
    memset(&b, 0, sizeof b);
    b.nrows = n;
    b.ncols = 2;
    b.cols = calloc(2, sizeof *b.cols);
    b.cols[0].type = s->fields[0].type;
    b.cols[0].length = n;
    b.cols[0].data_len = n * 8;
    b.cols[0].data = malloc(n * 8);
    for (size_t i = 0; i < n; i++) {
        uint64_t id = first_id + i;
        memcpy(b.cols[0].data + 8 * i, &id, 8);
    }
    b.cols[1].type = s->fields[1].type;
    b.cols[1].length = n;
    b.cols[1].data_len = n * BSP_BYTES;
    b.cols[1].data = malloc(n * BSP_BYTES);
    memcpy(b.cols[1].data, recs, n * BSP_BYTES);
    bsp_write_options wo = {.mode = BSP_WRITE_APPEND, .max_rows_per_file = max_rows_per_file};
    CHECK_OK(bsp_dataset_write(path, s, &b, &wo, NULL));
    bsp_batch_free(&b);
}

/* Live rows by scanner: records and their row addresses. */
static size_t live_rows(const bsp_dataset *ds, uint64_t **recs_out, uint64_t **addr_out)
{
    const char *cols[1] = {"fingerprint"};
    bsp_scan_options so = {.columns = cols, .ncolumns = 1, .with_row_addr = true};
    bsp_scanner *sc = NULL;
    CHECK_OK(bsp_scanner_open(ds, &so, &sc));
    size_t n = 0, cap = 1024;
    uint64_t *recs = ref_alloc(cap), *addrs = malloc(cap * 8);
    bsp_batch b;
    while (sc && bsp_scanner_next(sc, &b) == 1) {
        for (uint64_t i = 0; i < b.nrows; i++) {
            if (n == cap) {
                uint64_t *nr = ref_alloc(cap * 2);
                memcpy(nr, recs, cap * BSP_BYTES);
                free(recs);
                recs = nr;
                cap *= 2;
                addrs = realloc(addrs, cap * 8);
            }
            memcpy(recs + n * BSP_WORDS, b.cols[0].data + i * BSP_BYTES, BSP_BYTES);
            memcpy(&addrs[n], b.cols[1].data + i * 8, 8);
            n++;
        }
        bsp_batch_free(&b);
    }
    bsp_scanner_free(sc);
    *recs_out = recs;
    *addr_out = addrs;
    return n;
}

static void test_dataset_vs_bruteforce(void)
{
    char *dir = test_tmpdir("search-ds");
    char path[600];
    snprintf(path, sizeof path, "%s/t.lance", dir);
    bsp_schema s = make_schema();
    test_rng g;
    test_rng_seed(&g, 41);
    size_t n = 5000;
    uint64_t *recs = ref_alloc(n), *qs = ref_alloc(4);
    ref_random(&g, recs, n);
    for (size_t i = 0; i < n; i++) { /* sidecars for predicate tests: cluster i mod 10 */
        uint64_t *r = recs + i * BSP_WORDS;
        for (int w = 208; w < 256; w++) r[w] = 0;
        r[223] = 1ull << 56;
        r[248] = (uint64_t)(i % 10) << 24;
    }
    ref_random(&g, qs, 4);
    memcpy(qs + 3 * BSP_WORDS, recs + 4321 * BSP_WORDS, BSP_BYTES);
    append_rows(path, &s, recs, 3000, 0, 1024);          /* fragments of 1024 rows */
    append_rows(path, &s, recs + 3000 * BSP_WORDS, 2000, 3000, 0);
    /* delete every 7th row of the first fragment's rows and a whole run */
    uint64_t del[600];
    size_t nd = 0;
    for (uint64_t off = 0; off < 1024; off += 7) del[nd++] = BSP_ROW_ADDR(0, off);
    CHECK_OK(bsp_dataset_delete_rows(path, del, nd, "test", NULL));
    bsp_dataset *ds = NULL;
    CHECK_OK(bsp_dataset_open(path, 0, &ds));
    if (!ds) goto out;
    uint64_t *live, *addrs;
    size_t nl = live_rows(ds, &live, &addrs);
    CHECK_EQ_U(nl, n - nd);
    CHECK_EQ_U(bsp_dataset_count_rows(ds), n - nd);
    bsp_search_source dsrc, rsrc;
    bsp_search_source_dataset(&dsrc, ds, "fingerprint");
    bsp_search_source_records(&rsrc, live, nl, addrs, NULL);
    const char *pj = "{\"graph\":{\"cluster_id\":3}}";
    bsp_predicate *pred = NULL;
    CHECK_OK(bsp_predicate_compile(pj, strlen(pj), &pred));
    size_t ks[] = {1, 10, 300, 6000};
    for (size_t ki = 0; ki < 4; ki++)
        for (unsigned th = 1; th <= 3; th++)
            for (int usep = 0; usep < 2; usep++) {
                bsp_search_options o;
                bsp_search_options_init(&o);
                o.k = ks[ki];
                o.threads = th;
                o.mask = usep ? BSP_MASK_SEMANTIC : BSP_MASK_ALL;
                o.predicate = usep ? pred : NULL;
                bsp_search_hit *hb = calloc(4 * ks[ki], sizeof *hb), *want = calloc(nl, sizeof *want);
                size_t nb[4];
                CHECK_OK(bsp_search_batch(&dsrc, qs, 4, &o, hb, nb, NULL));
                for (size_t j = 0; j < 4; j++) {
                    size_t nw = ref_search(&rsrc, qs + j * BSP_WORDS, &o, want);
                    char what[96];
                    snprintf(what, sizeof what, "dataset k %zu th %u pred %d q %zu", ks[ki], th, usep, j);
                    CHECK(ref_same(hb + j * ks[ki], nb[j], want, nw, what));
                }
                /* approximate mode visits the same live rows in row-address order */
                o.mode = BSP_SEARCH_APPROXIMATE;
                bsp_search_hit *ga = calloc(ks[ki], sizeof *ga), *ra = calloc(ks[ki], sizeof *ra);
                size_t nga, nra;
                bsp_search_info ia, ib;
                CHECK_OK(bsp_search(&dsrc, qs + 3 * BSP_WORDS, &o, ga, &nga, &ia));
                CHECK_OK(bsp_search(&rsrc, qs + 3 * BSP_WORDS, &o, ra, &nra, &ib));
                CHECK(ia.approximate);
                CHECK(ref_same(ga, nga, ra, nra, "dataset approximate"));
                free(ga);
                free(ra);
                free(hb);
                free(want);
            }
    /* the exact member is found at its row address, deleted rows never appear */
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = 1;
    bsp_search_hit h;
    size_t nh;
    CHECK_OK(bsp_search(&dsrc, qs + 3 * BSP_WORDS, &o, &h, &nh, NULL));
    CHECK_EQ_U(nh, 1);
    CHECK_EQ_U(h.distance, 0);
    uint64_t expect = UINT64_MAX;
    for (size_t i = 0; i < nl; i++)
        if (!memcmp(live + i * BSP_WORDS, qs + 3 * BSP_WORDS, BSP_BYTES)) expect = addrs[i];
    CHECK_EQ_U(h.position, expect);
    CHECK_EQ_U(BSP_ROW_FRAG(expect), BSP_ROW_FRAG(addrs[nl - 1])); /* in the last fragment */
    /* a missing column is an error naming it */
    bsp_search_source bad;
    bsp_search_source_dataset(&bad, ds, "nope");
    CHECK_ERR(bsp_search(&bad, qs, &o, &h, &nh, NULL), BSP_ENOTFOUND, "nope");
    bsp_predicate_free(pred);
    free(live);
    free(addrs);
    bsp_dataset_free(ds);
out:
    bsp_schema_free(&s);
    free(recs);
    free(qs);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_dataset_vs_bruteforce);
    return test_finish();
}
