/* bsp_sidecar_to_json: the exact text for the §18.2 record (built from the table's words,
 * not through the encoder), the version != 1 form, and valid JSON with consistent values
 * for random records (checked by parsing with jansson). */
#include <jansson.h>

#include "bindspace/error.h"
#include "bindspace/sidecar.h"
#include "spec_vectors.h"
#include "test.h"


static const char *want_182 =
    "{\"schema_version\":1,"
    "\"ani\":{\"levels\":[0,0,0,500,200,0,0,0],\"dominant\":3},"
    "\"nars\":{\"f\":0.800000012,\"c\":0.600000024,\"f_raw\":52428,\"c_raw\":39321},"
    "\"budget\":{\"priority\":0.899992347,\"durability\":0.499992371,\"quality\":0.699992359,"
    "\"priority_raw\":58981,\"durability_raw\":32767,\"quality_raw\":45874},"
    "\"edge\":{\"verb\":42,\"direction\":1,\"weight\":200,\"flags\":5},"
    "\"node\":{\"kind\":1,\"subtype\":3,\"provenance\":43981},"
    "\"dn\":{\"depth\":3,\"rung\":2,\"components\":[3,7,42]},"
    "\"qidx\":42,\"access_count\":1234,\"ttl\":500,"
    "\"sigma\":{\"value\":12.5,\"raw\":12500},"
    "\"label_hash\":\"0x8ac625bb85ed202b\","
    "\"rl\":{\"q\":[88,0,0,95,0,0,0,0,0,0,0,0,0,0,0,0],\"best_action\":3,\"best_raw\":95,"
    "\"best_value\":0.748031497,\"rewards\":[0,0,0,0,0,0,0,16383],\"average\":0.0624980927,"
    "\"trend\":0.124996185},"
    "\"stdp\":[0,0,0,0,0,0,0,42],\"hebbian\":[32767,0,0,0,0,0,0,0],"
    "\"bloom\":{\"popcount\":6,\"approx_count\":2},"
    "\"graph\":{\"pagerank\":1000,\"hop_to_root\":2,\"cluster_id\":42,\"degree\":5,"
    "\"in_degree\":3,\"out_degree\":2},"
    "\"inline_edges\":{\"count\":2,\"edges\":[{\"verb\":7,\"target\":66},{\"verb\":12,\"target\":128}]}}";

static void test_json_182(void)
{
    uint64_t r[BSP_WORDS];
    test_rng g;
    test_rng_seed(&g, 3);
    for (int w = 0; w < 208; w++) r[w] = test_rng_next(&g); /* content is not shown */
    memset(r + 208, 0, 48 * 8);
    for (size_t i = 0; i < SPEC_18_2_NWORDS; i++) r[spec_18_2_words[i].w] = spec_18_2_words[i].v;
    char *j = NULL;
    CHECK_OK(bsp_sidecar_to_json(r, &j));
    CHECK_STR(j, want_182);
    free(j);
    /* reserved bits and w223 low bits do not show */
    r[216] = ~0ull;
    r[223] |= 0x1234;
    CHECK_OK(bsp_sidecar_to_json(r, &j));
    CHECK_STR(j, want_182);
    free(j);
}

static void test_json_no_metadata(void)
{
    uint64_t r[BSP_WORDS];
    memset(r, 0xAB, sizeof r);
    char *j = NULL;
    r[223] = 0x00FFFFFFFFFFFFFFull;
    CHECK_OK(bsp_sidecar_to_json(r, &j));
    CHECK_STR(j, "{\"schema_version\":0}");
    free(j);
    r[223] = 0xFFull << 56;
    CHECK_OK(bsp_sidecar_to_json(r, &j));
    CHECK_STR(j, "{\"schema_version\":255}");
    free(j);
    r[223] = 2ull << 56;
    CHECK_OK(bsp_sidecar_to_json(r, &j));
    CHECK_STR(j, "{\"schema_version\":2}");
    free(j);
}

static void test_json_random(void)
{
    test_rng g;
    test_rng_seed(&g, 4);
    for (int rep = 0; rep < 300; rep++) {
        uint64_t r[BSP_WORDS];
        for (int w = 0; w < BSP_WORDS; w++) r[w] = test_rng_next(&g);
        r[223] = (r[223] & 0x00FFFFFFFFFFFFFFull) | 1ull << 56;
        if (rep % 3 == 0) r[213] &= ~0xFFull; /* depth 0 */
        if (rep % 3 == 1) memset(r + 244, 0xFF, 32); /* saturated bloom */
        char *j = NULL;
        CHECK_OK(bsp_sidecar_to_json(r, &j));
        json_error_t err;
        json_t *o = json_loads(j, 0, &err);
        CHECK(o != NULL);
        if (!o) {
            fprintf(stderr, "  bad JSON: %s\n  %s\n", err.text, j);
            free(j);
            break;
        }
        bsp_sidecar s;
        bsp_sidecar_unpack(r, &s);
        CHECK_EQ_I(json_integer_value(json_object_get(o, "schema_version")), 1);
        json_t *dn = json_object_get(o, "dn");
        size_t depth = s.dn_depth > 32 ? 32 : s.dn_depth;
        CHECK_EQ_U(json_array_size(json_object_get(dn, "components")), depth);
        CHECK_EQ_I(json_integer_value(json_object_get(dn, "depth")), s.dn_depth);
        json_t *ie = json_object_get(o, "inline_edges");
        CHECK_EQ_I(json_integer_value(json_object_get(ie, "count")), bsp_sidecar_edge_count(&s));
        CHECK_EQ_U(json_array_size(json_object_get(ie, "edges")), bsp_sidecar_edge_count(&s));
        json_t *q = json_object_get(json_object_get(o, "rl"), "q");
        CHECK_EQ_U(json_array_size(q), 16);
        for (int a = 0; a < 16; a++) CHECK_EQ_I(json_integer_value(json_array_get(q, a)), s.q[a]);
        char hex[32];
        snprintf(hex, sizeof hex, "0x%016" PRIx64, s.label_hash);
        CHECK_STR(json_string_value(json_object_get(o, "label_hash")), hex);
        json_t *bl = json_object_get(o, "bloom");
        CHECK_EQ_U(json_integer_value(json_object_get(bl, "approx_count")), bsp_bloom_approx_count(s.bloom));
        double f = json_number_value(json_object_get(json_object_get(o, "nars"), "f"));
        CHECK((float)f == bsp_dq_u16(s.nars_f)); /* %.9g round-trips an f32 */
        CHECK_EQ_I(json_integer_value(json_object_get(json_object_get(o, "ani"), "dominant")),
                   bsp_sidecar_ani_dominant(&s));
        json_decref(o);
        free(j);
    }
}

int main(void)
{
    RUN(test_json_182);
    RUN(test_json_no_metadata);
    RUN(test_json_random);
    return test_finish();
}
