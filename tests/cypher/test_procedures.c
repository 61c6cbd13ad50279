/* hdr.* procedure tests (spec §17): values against the §18 conformance vectors where they
 * apply (§18.2 record, §18.6 distances, §18.10 NARS revision, §18.11 exact top-1), the
 * cleanup memory, and every error case (unknown name, argument count, type, length, k < 0). */
#include <math.h>

#include "bindspace/cypher.h"
#include "bindspace/error.h"
#include "bindspace/fp.h"
#include "bindspace/sidecar.h"
#include "spec_vectors.h"
#include "test.h"

static uint8_t vbuf[8][BSP_BYTES];

static bsp_cy_value vec(int slot, const uint64_t r[BSP_WORDS])
{
    bsp_fp_to_bytes(vbuf[slot], r);
    bsp_cy_value v = {.type = BSP_CY_VECTOR, .vec = vbuf[slot], .vec_len = BSP_BYTES};
    return v;
}
static bsp_cy_value ival(int64_t i) { return (bsp_cy_value){.type = BSP_CY_INT, .i = i}; }
static bsp_cy_value sval(const char *s) { return (bsp_cy_value){.type = BSP_CY_STRING, .s = s, .len = strlen(s)}; }

static const bsp_cy_value *col(const bsp_cy_row *r, const char *name)
{
    for (int i = 0; i < r->ncols; i++)
        if (strcmp(r->names[i], name) == 0) return &r->vals[i];
    return NULL;
}

static void result_words(const bsp_cy_row *r, uint64_t out[BSP_WORDS])
{
    const bsp_cy_value *v = col(r, "result");
    memset(out, 0xA5, BSP_BYTES);
    if (v && v->type == BSP_CY_VECTOR && v->vec_len == BSP_BYTES) bsp_fp_from_bytes(out, v->vec);
}

static void rand_rec(test_rng *g, uint64_t r[BSP_WORDS])
{
    for (int i = 0; i < BSP_WORDS; i++) r[i] = test_rng_next(g);
}

static int call(const bsp_cy_context *ctx, const char *name, const bsp_cy_value *a, size_t n)
{
    bsp_cy_row *rows = NULL;
    size_t nr = 99;
    int rc = bsp_cypher_call(ctx, name, a, n, &rows, &nr);
    if (rc) CHECK(rows == NULL && nr == 0);
    free(rows);
    return rc;
}

static void test_vector_algebra(void)
{
    test_rng g;
    test_rng_seed(&g, 7);
    uint64_t a[BSP_WORDS], b[BSP_WORDS], c[BSP_WORDS], want[BSP_WORDS], got[BSP_WORDS];
    rand_rec(&g, a);
    rand_rec(&g, b);
    rand_rec(&g, c);
    bsp_cy_value args[3] = {vec(0, a), vec(1, b), vec(2, c)};
    bsp_cy_row *rows;
    size_t nr;
    static const char *const binders[] = {"hdr.bind", "hdr.xor", "hdr.unbind"};
    for (int k = 0; k < 3; k++) {
        CHECK_OK(bsp_cypher_call(NULL, binders[k], args, 2, &rows, &nr));
        CHECK_EQ_U(nr, 1);
        bsp_fp_xor(want, a, b);
        result_words(rows, got);
        CHECK(memcmp(got, want, BSP_BYTES) == 0);
        free(rows);
    }
    CHECK_OK(bsp_cypher_call(NULL, "hdr.bind3", args, 3, &rows, &nr));
    bsp_fp_xor(want, a, b);
    bsp_fp_xor(want, want, c);
    result_words(rows, got);
    CHECK(memcmp(got, want, BSP_BYTES) == 0);
    free(rows);
    /* analogy(a, b, c) = c ^ (b ^ a): equals bind3 bit for bit */
    CHECK_OK(bsp_cypher_call(NULL, "hdr.analogy", args, 3, &rows, &nr));
    result_words(rows, got);
    CHECK(memcmp(got, want, BSP_BYTES) == 0);
    free(rows);
    /* bundle of one is itself; of three equals bsp_fp_bundle */
    CHECK_OK(bsp_cypher_call(NULL, "hdr.bundle", args, 1, &rows, &nr));
    result_words(rows, got);
    CHECK(memcmp(got, a, BSP_BYTES) == 0);
    free(rows);
    const uint64_t *in[3] = {a, b, c};
    CHECK_OK(bsp_fp_bundle(want, in, 3));
    CHECK_OK(bsp_cypher_call(NULL, "hdr.bundle", args, 3, &rows, &nr));
    result_words(rows, got);
    CHECK(memcmp(got, want, BSP_BYTES) == 0);
    free(rows);
    /* schema algebra equals the sidecar API */
    uint64_t r18[BSP_WORDS];
    spec_record_18_2(r18);
    bsp_cy_value sa[2] = {vec(3, r18), vec(4, a)};
    CHECK_OK(bsp_cypher_call(NULL, "hdr.schema_bind", sa, 2, &rows, &nr));
    bsp_schema_bind(want, r18, a);
    result_words(rows, got);
    CHECK(memcmp(got, want, BSP_BYTES) == 0);
    free(rows);
    CHECK_OK(bsp_cypher_call(NULL, "hdr.schemaMerge", sa, 2, &rows, &nr));
    bsp_schema_merge(want, r18, a);
    result_words(rows, got);
    CHECK(memcmp(got, want, BSP_BYTES) == 0);
    free(rows);
}

static void test_distances_18_6(void)
{
    uint64_t z[BSP_WORDS] = {0}, ones[BSP_WORDS], b[BSP_WORDS] = {0};
    memset(ones, 0xFF, sizeof ones);
    b[0] = 0xFFFF;
    b[210] = ~0ull;
    bsp_cy_value args[2] = {vec(0, z), vec(1, b)};
    bsp_cy_row *rows;
    size_t nr;
    CHECK_OK(bsp_cypher_call(NULL, "hdr.hamming", args, 2, &rows, &nr));
    CHECK(col(rows, "distance") && col(rows, "distance")->type == BSP_CY_INT);
    CHECK_EQ_I(col(rows, "distance")->i, 80);
    free(rows);
    CHECK_OK(bsp_cypher_call(NULL, "hdr.similarity", args, 2, &rows, &nr));
    CHECK(col(rows, "similarity")->type == BSP_CY_FLOAT);
    CHECK(col(rows, "similarity")->f == 1.0 - 80.0 / 16384.0);
    free(rows);
    args[1] = vec(1, ones);
    CHECK_OK(bsp_cypher_call(NULL, "hdr.hamming", args, 2, &rows, &nr));
    CHECK_EQ_I(col(rows, "distance")->i, 16384);
    free(rows);
    CHECK_OK(bsp_cypher_call(NULL, "hdr.similarity", args, 2, &rows, &nr));
    CHECK(col(rows, "similarity")->f == 0.0);
    free(rows);
}

static void test_metadata_18_2(void)
{
    uint64_t r[BSP_WORDS];
    spec_record_18_2(r);
    bsp_cy_value a[2] = {vec(0, r), ival(0)};
    bsp_cy_row *rows;
    size_t nr;

    CHECK_OK(bsp_cypher_call(NULL, "hdr.aniLevels", a, 1, &rows, &nr));
    CHECK_EQ_I(rows->ncols, 9);
    CHECK_STR(rows->names[0], "dominant");
    CHECK_EQ_I(col(rows, "dominant")->i, 3);
    CHECK_EQ_I(col(rows, "planning")->i, 500);
    CHECK_EQ_I(col(rows, "meta")->i, 200);
    CHECK_EQ_I(col(rows, "reactive")->i, 0);
    CHECK_EQ_I(col(rows, "abstract")->i, 0);
    CHECK_STR(rows->names[8], "abstract");
    free(rows);

    CHECK_OK(bsp_cypher_call(NULL, "hdr.nars_truth", a, 1, &rows, &nr));
    CHECK(fabs(col(rows, "frequency")->f - 0.800000012) < 1e-9);
    CHECK(fabs(col(rows, "confidence")->f - 0.600000024) < 1e-9);
    CHECK(col(rows, "frequency")->f == (double)bsp_dq_u16(52428));
    free(rows);

    CHECK_OK(bsp_cypher_call(NULL, "hdr.graphMetrics", a, 1, &rows, &nr));
    CHECK_EQ_I(rows->ncols, 6);
    CHECK_EQ_I(col(rows, "pagerank")->i, 1000);
    CHECK_EQ_I(col(rows, "hop_to_root")->i, 2);
    CHECK_EQ_I(col(rows, "cluster_id")->i, 42);
    CHECK_EQ_I(col(rows, "degree")->i, 5);
    CHECK_EQ_I(col(rows, "in_degree")->i, 3);
    CHECK_EQ_I(col(rows, "out_degree")->i, 2);
    free(rows);

    CHECK_OK(bsp_cypher_call(NULL, "hdr.best_action", a, 1, &rows, &nr));
    CHECK_EQ_I(col(rows, "action")->i, 3);
    CHECK(fabs(col(rows, "q_value")->f - 0.748031497) < 1e-9);
    free(rows);

    CHECK_OK(bsp_cypher_call(NULL, "hdr.schemaVersion", a, 1, &rows, &nr));
    CHECK_EQ_I(col(rows, "version")->i, 1);
    free(rows);

    /* bloom: 1 and 42 in; 0, 2..19, 298 out (§18.2) */
    static const int64_t in[] = {1, 42}, out[] = {0, 2, 3, 7, 19, 298};
    for (size_t i = 0; i < 2; i++) {
        a[1] = ival(in[i]);
        CHECK_OK(bsp_cypher_call(NULL, "hdr.mightBeNeighbors", a, 2, &rows, &nr));
        CHECK(col(rows, "might_be_neighbors")->type == BSP_CY_BOOL);
        CHECK_EQ_I(col(rows, "might_be_neighbors")->i, 1);
        free(rows);
    }
    for (size_t i = 0; i < 6; i++) {
        a[1] = ival(out[i]);
        CHECK_OK(bsp_cypher_call(NULL, "hdr.bloom_check", a, 2, &rows, &nr));
        CHECK_EQ_I(col(rows, "might_be_neighbors")->i, 0);
        free(rows);
    }
    /* a negative id is reinterpreted as u64, not rejected */
    a[1] = ival(-1);
    CHECK_OK(bsp_cypher_call(NULL, "hdr.mightBeNeighbors", a, 2, &rows, &nr));
    CHECK_EQ_I(col(rows, "might_be_neighbors")->i, bsp_fp_bloom_contains(r, UINT64_MAX));
    free(rows);
}

static void test_metadata_null_when_not_v1(void)
{
    uint64_t z[BSP_WORDS] = {0}, v2[BSP_WORDS];
    spec_record_18_2(v2);
    v2[223] = (v2[223] & 0x00FFFFFFFFFFFFFFull) | (2ull << 56);
    static const char *const procs[] = {"hdr.aniLevels", "hdr.narsTruth", "hdr.graphMetrics",
                                        "hdr.bestAction", "hdr.mightBeNeighbors"};
    for (int which = 0; which < 2; which++) {
        bsp_cy_value a[2] = {vec(0, which ? v2 : z), ival(42)};
        for (size_t p = 0; p < 5; p++) {
            bsp_cy_row *rows;
            size_t nr;
            CHECK_OK(bsp_cypher_call(NULL, procs[p], a, p == 4 ? 2 : 1, &rows, &nr));
            CHECK(rows->ncols > 0);
            for (int i = 0; i < rows->ncols; i++) CHECK(rows->vals[i].type == BSP_CY_NULL);
            free(rows);
        }
        bsp_cy_row *rows;
        size_t nr;
        CHECK_OK(bsp_cypher_call(NULL, "hdr.schema_version", a, 1, &rows, &nr));
        CHECK_EQ_I(col(rows, "version")->i, which ? 2 : 0);
        free(rows);
    }
}

static void truth_record(uint64_t r[BSP_WORDS], uint16_t f, uint16_t c)
{
    memset(r, 0, BSP_BYTES);
    bsp_sidecar s;
    memset(&s, 0, sizeof s);
    s.nars_f = f;
    s.nars_c = c;
    CHECK_OK(bsp_sidecar_pack(r, &s));
}

static void test_nars_revision_18_10(void)
{
    uint64_t a[BSP_WORDS], b[BSP_WORDS], got[BSP_WORDS];
    truth_record(a, 52428, 32767);
    truth_record(b, 39321, 19660);
    bsp_cy_value args[2] = {vec(0, a), vec(1, b)};
    bsp_cy_row *rows;
    size_t nr;
    CHECK_OK(bsp_cypher_call(NULL, "hdr.nars_revision", args, 2, &rows, &nr));
    result_words(rows, got);
    bsp_sidecar s;
    bsp_sidecar_unpack(got, &s);
    CHECK_EQ_U(s.nars_f, 48495);
    CHECK_EQ_U(s.nars_c, 38549);
    /* yields are the decoded stored values (§17), not the f64 revision 0.740000257 */
    CHECK(col(rows, "frequency")->f == (double)bsp_dq_u16(48495));
    CHECK(col(rows, "confidence")->f == (double)bsp_dq_u16(38549));
    CHECK(fabs(col(rows, "frequency")->f - 0.740000257) < 1e-4);
    free(rows);
    /* c capped at 0.99: (0.9, 0.99) + (0.7, 0.98) stored c 64879, 64224 -> (54639, 64879) */
    truth_record(a, bsp_q_u16(0.9f), 64879);
    truth_record(b, bsp_q_u16(0.7f), 64224);
    args[0] = vec(0, a);
    args[1] = vec(1, b);
    CHECK_OK(bsp_cypher_call(NULL, "hdr.narsRevision", args, 2, &rows, &nr));
    result_words(rows, got);
    bsp_sidecar_unpack(got, &s);
    CHECK_EQ_U(s.nars_f, 54639);
    CHECK_EQ_U(s.nars_c, 64879);
    free(rows);
}

/* §18.11: query zero, x = zero except words 0, 16, ..., 192 all ones: semantic 832. */
static void test_search(void)
{
    enum { N = 6 };
    static uint64_t recs[N][BSP_WORDS];
    memset(recs, 0, sizeof recs);
    for (int w = 0; w <= 192; w += 16) recs[0][w] = ~0ull;  /* d 832 */
    recs[1][0] = 0xFF;                                        /* d 8 */
    recs[2][5] = 0xF;                                         /* d 4 */
    recs[3][7] = 0xF0;                                        /* d 4, later position */
    recs[4][220] = ~0ull;                                     /* d 0 under SEMANTIC */
    recs[5][100] = 0xFFFFFFFFull;                             /* d 32 */
    uint64_t q[BSP_WORDS] = {0};
    bsp_cy_context ctx = {.records = &recs[0][0], .n = 1};
    bsp_cy_value a[3] = {vec(0, q), ival(1), {.type = BSP_CY_NULL}};
    bsp_cy_row *rows;
    size_t nr;
    CHECK_OK(bsp_cypher_call(&ctx, "hdr.search", a, 2, &rows, &nr));
    CHECK_EQ_U(nr, 1);
    CHECK_EQ_I(col(&rows[0], "node")->i, 0);
    CHECK_EQ_I(col(&rows[0], "distance")->i, 832);
    CHECK(col(&rows[0], "similarity")->f == 1.0 - 832.0 / 13312.0);
    free(rows);

    ctx.n = N;
    a[1] = ival(4);
    CHECK_OK(bsp_cypher_call(&ctx, "hdr.search", a, 2, &rows, &nr));
    CHECK_EQ_U(nr, 4);
    static const int64_t want_node[4] = {4, 2, 3, 1}, want_d[4] = {0, 4, 4, 8};
    for (size_t i = 0; i < nr && i < 4; i++) {
        CHECK_EQ_I(col(&rows[i], "node")->i, want_node[i]);
        CHECK_EQ_I(col(&rows[i], "distance")->i, want_d[i]);
    }
    free(rows);
    /* k 0 and k beyond n */
    a[1] = ival(0);
    CHECK_OK(bsp_cypher_call(&ctx, "hdr.search", a, 2, &rows, &nr));
    CHECK_EQ_U(nr, 0);
    free(rows);
    a[1] = ival(INT64_MAX);
    CHECK_OK(bsp_cypher_call(&ctx, "hdr.search", a, 2, &rows, &nr));
    CHECK_EQ_U(nr, N);
    free(rows);
    /* no records attached: no rows */
    CHECK_OK(bsp_cypher_call(NULL, "hdr.search", a, 2, &rows, &nr));
    CHECK_EQ_U(nr, 0);
    free(rows);

    /* schemaSearch: Null predicate = all; the §18.9 predicates against the §18.2 record */
    a[1] = ival(10);
    CHECK_OK(bsp_cypher_call(&ctx, "hdr.schemaSearch", a, 3, &rows, &nr));
    CHECK_EQ_U(nr, N);
    free(rows);
    static uint64_t two[2][BSP_WORDS];
    memset(two, 0, sizeof two);
    spec_record_18_2(two[1]);
    bsp_cy_context c2 = {.records = &two[0][0], .n = 2};
    a[2] = sval("{\"ani\":{\"min_level\":3,\"min_activation\":500}}");
    CHECK_OK(bsp_cypher_call(&c2, "hdr.schema_search", a, 3, &rows, &nr));
    CHECK_EQ_U(nr, 1);
    CHECK_EQ_I(col(&rows[0], "node")->i, 1);
    free(rows);
    a[2] = (bsp_cy_value){.type = BSP_CY_MAP, .s = "{\"ani\":{\"min_level\":3,\"min_activation\":501}}"};
    a[2].len = strlen(a[2].s);
    CHECK_OK(bsp_cypher_call(&c2, "hdr.schemaSearch", a, 3, &rows, &nr));
    CHECK_EQ_U(nr, 0);
    free(rows);
    a[2] = sval("{\"ani\":{\"min_level\":8}}");
    CHECK_ERR(call(&c2, "hdr.schemaSearch", a, 3), BSP_ERANGE, "hdr.schemaSearch: predicate: ani.min_level");
    a[2] = sval("[]");
    CHECK_ERR(call(&c2, "hdr.schemaSearch", a, 3), BSP_EINVAL, "hdr.schemaSearch");
}

static void test_cleanup_memory(void)
{
    test_rng g;
    test_rng_seed(&g, 11);
    static uint64_t mem[3][BSP_WORDS];
    for (int i = 0; i < 3; i++) rand_rec(&g, mem[i]);
    uint64_t v[BSP_WORDS], got[BSP_WORDS];
    memcpy(v, mem[2], sizeof v);
    v[0] ^= 0xFF; /* 8 bits from member 2 */
    bsp_cy_value a[3] = {vec(0, v)};
    bsp_cy_row *rows;
    size_t nr;
    /* no memory: v itself */
    CHECK_OK(bsp_cypher_call(NULL, "hdr.cleanup", a, 1, &rows, &nr));
    result_words(rows, got);
    CHECK(memcmp(got, v, BSP_BYTES) == 0);
    free(rows);
    bsp_cy_context ctx = {.cleanup = &mem[0][0], .m = 3};
    CHECK_OK(bsp_cypher_call(&ctx, "hdr.cleanup", a, 1, &rows, &nr));
    result_words(rows, got);
    CHECK(memcmp(got, mem[2], BSP_BYTES) == 0);
    free(rows);
    /* ties: two equal members -> the lower position */
    static uint64_t tie[2][BSP_WORDS];
    memset(tie, 0, sizeof tie);
    tie[0][0] = 1;
    tie[1][0] = 2;
    uint64_t z[BSP_WORDS] = {0};
    bsp_cy_context ct = {.cleanup = &tie[0][0], .m = 2};
    a[0] = vec(0, z);
    CHECK_OK(bsp_cypher_call(&ct, "hdr.cleanup", a, 1, &rows, &nr));
    result_words(rows, got);
    CHECK_EQ_U(got[0], 1);
    free(rows);
    /* retrieve(edge, verb, known) = cleanup(edge ^ verb ^ known): recovers dst from a
     * noisy edge */
    uint64_t src[BSP_WORDS], verb[BSP_WORDS], edge[BSP_WORDS];
    rand_rec(&g, src);
    rand_rec(&g, verb);
    bsp_fp_xor(edge, src, verb);
    bsp_fp_xor(edge, edge, mem[1]);
    edge[3] ^= 0x3; /* noise */
    a[0] = vec(0, edge);
    a[1] = vec(1, verb);
    a[2] = vec(2, src);
    CHECK_OK(bsp_cypher_call(&ctx, "hdr.retrieve", a, 3, &rows, &nr));
    result_words(rows, got);
    CHECK(memcmp(got, mem[1], BSP_BYTES) == 0);
    free(rows);
}

static void test_names(void)
{
    CHECK_STR(bsp_cypher_procedure_canonical("hdr.xor"), "hdr.bind");
    CHECK_STR(bsp_cypher_procedure_canonical("hdr.schema_search"), "hdr.schemaSearch");
    CHECK_STR(bsp_cypher_procedure_canonical("hdr.bloom_check"), "hdr.mightBeNeighbors");
    CHECK_STR(bsp_cypher_procedure_canonical("hdr.schema_version"), "hdr.schemaVersion");
    CHECK(bsp_cypher_procedure_canonical("HDR.bind") == NULL); /* case-sensitive */
    CHECK(bsp_cypher_procedure_canonical("hdr.schemasearch") == NULL);
    CHECK(bsp_cypher_procedure_canonical("hdr.unbind3") == NULL);
}

static void test_errors(void)
{
    uint64_t z[BSP_WORDS] = {0};
    bsp_cy_value v = vec(0, z);
    bsp_cy_value a[4] = {v, v, v, v};
    CHECK_ERR(call(NULL, "hdr.nope", a, 1), BSP_ENOTFOUND, "unknown procedure 'hdr.nope'");
    CHECK_ERR(call(NULL, "HDR.BIND", a, 2), BSP_ENOTFOUND, "unknown procedure");
    CHECK_ERR(call(NULL, "hdr.bind", a, 1), BSP_EINVAL, "hdr.bind: expected 2 arguments, got 1");
    CHECK_ERR(call(NULL, "hdr.xor", a, 3), BSP_EINVAL, "hdr.bind: expected 2 arguments, got 3");
    CHECK_ERR(call(NULL, "hdr.bind3", a, 2), BSP_EINVAL, "expected 3 arguments, got 2");
    CHECK_ERR(call(NULL, "hdr.cleanup", a, 0), BSP_EINVAL, "expected 1 argument, got 0");
    CHECK_ERR(call(NULL, "hdr.bundle", a, 0), BSP_EINVAL, "hdr.bundle: expected at least 1 argument, got 0");
    CHECK_ERR(call(NULL, "hdr.search", a, 1), BSP_EINVAL, "expected 2 arguments");
    CHECK_ERR(call(NULL, "hdr.schemaSearch", a, 2), BSP_EINVAL, "expected 3 arguments");
    /* wrong types */
    a[1] = ival(3);
    CHECK_ERR(call(NULL, "hdr.bind", a, 2), BSP_EINVAL, "hdr.bind: argument 2 (b) must be a Vector, got Integer");
    a[1] = (bsp_cy_value){.type = BSP_CY_NULL};
    CHECK_ERR(call(NULL, "hdr.unbind", a, 2), BSP_EINVAL, "argument 2 (key) must be a Vector, got Null");
    a[1] = sval("x");
    CHECK_ERR(call(NULL, "hdr.bundle", a, 3), BSP_EINVAL, "argument 2 (v2) must be a Vector, got String");
    a[1] = (bsp_cy_value){.type = BSP_CY_FLOAT, .f = 3.0};
    CHECK_ERR(call(NULL, "hdr.search", a, 2), BSP_EINVAL, "hdr.search: argument 2 (k) must be an Integer, got Float");
    a[1] = v;
    CHECK_ERR(call(NULL, "hdr.mightBeNeighbors", a, 2), BSP_EINVAL, "argument 2 (id) must be an Integer, got Vector");
    a[0] = ival(1);
    a[1] = ival(1);
    CHECK_ERR(call(NULL, "hdr.search", a, 2), BSP_EINVAL, "argument 1 (q) must be a Vector, got Integer");
    a[0] = v;
    a[2] = ival(5);
    CHECK_ERR(call(NULL, "hdr.schemaSearch", a, 3), BSP_EINVAL, "argument 3 (predicate) must be a String, Map or Null, got Integer");
    a[2] = (bsp_cy_value){.type = BSP_CY_BOOL, .i = 1};
    CHECK_ERR(call(NULL, "hdr.schema_search", a, 3), BSP_EINVAL, "got Boolean");
    /* vector length: never padded or truncated */
    a[1] = v;
    a[1].vec_len = 2047;
    CHECK_ERR(call(NULL, "hdr.bind", a, 2), BSP_EINVAL, "argument 2 (b) must be 2048 bytes, got 2047");
    a[1].vec_len = 2049;
    CHECK_ERR(call(NULL, "hdr.hamming", a, 2), BSP_EINVAL, "must be 2048 bytes, got 2049");
    /* k < 0 */
    a[1] = ival(-1);
    CHECK_ERR(call(NULL, "hdr.search", a, 2), BSP_ERANGE, "hdr.search: k must be >= 0, got -1");
    a[2] = (bsp_cy_value){.type = BSP_CY_NULL};
    a[1] = ival(INT64_MIN);
    CHECK_ERR(call(NULL, "hdr.schemaSearch", a, 3), BSP_ERANGE, "k must be >= 0");
    /* bad call shape */
    bsp_cy_row *rows;
    size_t nr;
    CHECK_ERR(bsp_cypher_call(NULL, NULL, a, 1, &rows, &nr), BSP_EINVAL, NULL);
    CHECK_ERR(bsp_cypher_call(NULL, "hdr.bind", NULL, 2, &rows, &nr), BSP_EINVAL, NULL);
}

int main(void)
{
    RUN(test_vector_algebra);
    RUN(test_distances_18_6);
    RUN(test_metadata_18_2);
    RUN(test_metadata_null_when_not_v1);
    RUN(test_nars_revision_18_10);
    RUN(test_search);
    RUN(test_cleanup_memory);
    RUN(test_names);
    RUN(test_errors);
    return test_finish();
}
