/* Predicates (spec §6): every row of conformance table 18.9 against the 18.2 record (built
 * from the spec's hex words), the version-0 rules, the JSON grammar's errors in document
 * order (including the cases jansson stops early on: duplicate keys, numeric overflow, NUL
 * in keys), and the exact integer thresholds against a float reference on random records. */
#include <float.h>
#include <math.h>

#include "bindspace/error.h"
#include "bindspace/predicate.h"
#include "bindspace/sidecar.h"
#include "fp/predicate_impl.h"
#include "spec_vectors.h"
#include "test.h"

#include <dirent.h>

static uint64_t R182[BSP_WORDS], ZERO[BSP_WORDS];

static void build_18_2(void) { spec_record_18_2(R182); }

/* 1 pass, 0 fail, or the compile error code; on error the message must contain `key`. */
static int run(const char *json, const uint64_t *r)
{
    bsp_predicate *p = (bsp_predicate *)1;
    int rc = bsp_predicate_compile(json, strlen(json), &p);
    if (rc < 0) {
        CHECK(p == NULL);
        return rc;
    }
    int res = bsp_predicate_eval(p, r) ? 1 : 0;
    bsp_predicate_free(p);
    return res;
}

#define PASS(json) CHECK_EQ_I(run(json, R182), 1)
#define FAIL(json) CHECK_EQ_I(run(json, R182), 0)
/* error whose message contains key */
#define ERR(json, code, key)                                                                   \
    do {                                                                                       \
        bsp_predicate *p_ = NULL;                                                              \
        CHECK_ERR(bsp_predicate_compile(json, strlen(json), &p_), code, key);                 \
        CHECK(p_ == NULL);                                                                     \
    } while (0)

static void test_table_18_9(void)
{
    PASS("{}");
    FAIL("{\"nars\":{\"min_priority\":0.9}}");
    PASS("{\"ani\":{\"min_level\":3,\"min_activation\":500}}");
    PASS("{\"nars\":{\"min_priority\":0.8999}}");
    FAIL("{\"ani\":{\"min_level\":3,\"min_activation\":501}}");
    PASS("{\"rl\":{\"min_best_q\":0.7,\"positive_trend\":true}}");
    PASS("{\"ani\":{\"min_level\":3}}");
    FAIL("{\"rl\":{\"min_avg_reward\":0.0625}}");
    FAIL("{\"ani\":{\"min_level\":0}}");
    PASS("{\"rl\":{\"min_avg_reward\":0.06}}");
    PASS("{\"nars\":{\"min_frequency\":0.8,\"min_confidence\":0.6}}");
    PASS("{\"graph\":{\"min_pagerank\":1000,\"max_hop\":2,\"cluster_id\":42,\"min_degree\":5}}");
    FAIL("{\"nars\":{\"min_confidence\":0.61}}");
    FAIL("{\"graph\":{\"cluster_id\":99}}");
    PASS("{\"kind\":{\"kinds\":[0,1],\"verbs\":[42]}}");
    PASS("{\"bloom\":{\"node_id\":42}}");
    FAIL("{\"kind\":{\"kinds\":[2]}}");
    FAIL("{\"bloom\":{\"node_id\":7}}");
    ERR("{\"ani\":{\"min_level\":8}}", BSP_ERANGE, "ani.min_level");
    ERR("{\"ani\":{\"min_activation\":5}}", BSP_EINVAL, "ani.min_level");
    ERR("{\"ani\":{\"min_level\":5.0}}", BSP_EINVAL, "ani.min_level");
    ERR("{\"ani\":{\"min_level\":5,\"extra\":1}}", BSP_EINVAL, "ani.extra");
    ERR("{\"nars\":{\"min_confidence\":\"0.5\"}}", BSP_EINVAL, "nars.min_confidence");
    ERR("{\"nars\":{\"min_confidence\":1.5}}", BSP_ERANGE, "nars.min_confidence");
    ERR("{\"foo\":1}", BSP_EINVAL, "foo");
    ERR("[]", BSP_EINVAL, "not a JSON object");
}

/* The 18.2 record built through the sidecar codec equals the spec's hex words, and 18.9
 * gives the same answers on it. */
static void test_18_2_via_sidecar(void)
{
    bsp_sidecar s;
    memset(&s, 0, sizeof s);
    s.ani[3] = 500;
    s.ani[4] = 200;
    s.nars_f = bsp_q_u16(0.8f);
    s.nars_c = bsp_q_c16(0.6f);
    s.budget_priority = bsp_q_u16(0.9f);
    s.budget_durability = bsp_q_u16(0.5f);
    s.budget_quality = bsp_q_u16(0.7f);
    s.edge_verb = 42; s.edge_direction = 1; s.edge_weight = 200; s.edge_flags = 5;
    s.node_kind = 1; s.node_subtype = 3; s.provenance = 0xABCD;
    s.dn_depth = 3; s.rung = 2; s.qidx = 42; s.access_count = 1234;
    s.ttl = 500;
    s.sigma_q = bsp_q_sigma(12.5f);
    s.label_hash = bsp_fnv1a64("alpha", 5);
    s.q[0] = bsp_q_q8(0.7f);
    s.q[3] = bsp_q_q8(0.75f);
    bsp_sidecar_reward_push(&s, 0.5f);
    bsp_sidecar_record_spike(&s, 42);
    s.hebbian[0] = bsp_q_u16(0.5f);
    s.dn[0] = 3; s.dn[1] = 7; s.dn[2] = 42;
    bsp_bloom_insert(s.bloom, 1);
    bsp_bloom_insert(s.bloom, 42);
    s.pagerank = 1000; s.hop_to_root = 2; s.cluster_id = 42;
    s.degree = 5; s.in_degree = 3; s.out_degree = 2;
    s.edge_verbs[0] = 7; s.edge_targets[0] = 0x42;
    s.edge_verbs[1] = 12; s.edge_targets[1] = 0x80;
    uint64_t r[BSP_WORDS] = {0};
    CHECK_OK(bsp_sidecar_pack(r, &s));
    CHECK(memcmp(r, R182, sizeof r) == 0);
    CHECK_EQ_I(run("{\"rl\":{\"min_best_q\":0.7,\"positive_trend\":true}}", r), 1);
    CHECK_EQ_I(run("{\"rl\":{\"min_avg_reward\":0.0625}}", r), 0);
    CHECK_EQ_I(run("{\"bloom\":{\"node_id\":42}}", r), 1);
    CHECK_EQ_I(run("{\"nars\":{\"min_priority\":0.9}}", r), 0);
}

static void test_version_0(void)
{
    CHECK_EQ_I(run("{}", ZERO), 1);
    CHECK_EQ_I(run("{\"nars\":{\"min_confidence\":0}}", ZERO), 0);
    CHECK_EQ_I(run("{\"rl\":{}}", ZERO), 0);
    /* every clause fails on version 0, even with no members */
    const char *each[] = {"{\"ani\":{\"min_level\":0,\"min_activation\":0}}", "{\"nars\":{}}",
                          "{\"graph\":{}}", "{\"kind\":{}}", "{\"kind\":{\"kinds\":[]}}",
                          "{\"bloom\":{\"node_id\":42}}"};
    for (size_t i = 0; i < sizeof each / sizeof each[0]; i++) {
        CHECK_EQ_I(run(each[i], ZERO), 0);
        CHECK_EQ_I(run(each[i], R182), 1); /* the same clauses pass on 18.2 */
    }
    /* versions 2..255: no metadata either */
    uint64_t r[BSP_WORDS];
    memcpy(r, R182, sizeof r);
    for (unsigned v = 0; v < 256; v++) {
        r[223] = (uint64_t)v << 56 | 0x00ABCDEF12345678ull; /* reserved bits are ignored */
        CHECK_EQ_I(run("{\"nars\":{}}", r), v == 1);
        CHECK_EQ_I(run("{}", r), 1);
    }
    /* the empty predicate */
    bsp_predicate *p;
    CHECK_OK(bsp_predicate_new_empty(&p));
    CHECK(bsp_predicate_is_empty(p));
    CHECK(bsp_predicate_eval(p, ZERO) && bsp_predicate_eval(p, R182));
    CHECK_STR(bsp_predicate_describe(p), "");
    bsp_predicate_free(p);
    CHECK_OK(bsp_predicate_compile("  {  }  ", 8, &p));
    CHECK(bsp_predicate_is_empty(p));
    bsp_predicate_free(p);
    CHECK_OK(bsp_predicate_compile("{\"rl\":{}}", 9, &p));
    CHECK(!bsp_predicate_is_empty(p));
    CHECK_STR(bsp_predicate_describe(p), "rl");
    bsp_predicate_free(p);
}

static void test_more_passes(void)
{
    /* 18.2 facts: f 52428, c 39321, priority 58981, Q max 95 (0.748031497), rewards[7] 16383 */
    PASS("{\"nars\":{\"min_frequency\":0.800000012,\"min_confidence\":0.600000024}}");
    FAIL("{\"nars\":{\"min_frequency\":0.80001}}");
    PASS("{\"nars\":{\"min_priority\":0.899992347}}");
    PASS("{\"rl\":{\"min_best_q\":0.748031497}}");
    FAIL("{\"rl\":{\"min_best_q\":0.7481}}");
    PASS("{\"rl\":{\"min_avg_reward\":0.0624980927}}");
    PASS("{\"rl\":{\"min_best_q\":-1,\"min_avg_reward\":-1}}");
    PASS("{\"rl\":{\"positive_trend\":false}}");
    PASS("{\"ani\":{\"min_level\":4,\"min_activation\":200}}");
    FAIL("{\"ani\":{\"min_level\":4,\"min_activation\":201}}");
    PASS("{\"ani\":{\"min_level\":7,\"min_activation\":0}}");
    FAIL("{\"ani\":{\"min_level\":7}}");
    FAIL("{\"graph\":{\"min_pagerank\":1001}}");
    FAIL("{\"graph\":{\"max_hop\":1}}");
    FAIL("{\"graph\":{\"min_degree\":6}}");
    PASS("{\"graph\":{\"max_hop\":255,\"min_degree\":0}}");
    PASS("{\"kind\":{\"kinds\":[],\"verbs\":[]}}");
    PASS("{\"kind\":{\"verbs\":[255,42,0]}}");
    FAIL("{\"kind\":{\"verbs\":[41,43]}}");
    PASS("{\"bloom\":{\"node_id\":1}}");
    FAIL("{\"bloom\":{\"node_id\":0}}");
    FAIL("{\"bloom\":{\"node_id\":298}}");
    /* conjunction: one failing clause fails the whole */
    FAIL("{\"ani\":{\"min_level\":3},\"bloom\":{\"node_id\":7}}");
    PASS("{\"ani\":{\"min_level\":3},\"bloom\":{\"node_id\":42},\"nars\":{\"min_confidence\":0.6},"
         "\"rl\":{\"positive_trend\":true},\"graph\":{\"cluster_id\":42},\"kind\":{\"kinds\":[1]}}");
    /* keys are compared after unescaping; numbers in any JSON spelling */
    PASS("{\"n\\u0061rs\":{\"min_\\u0063onfidence\":6e-1}}");
    PASS("{\"nars\":{\"min_confidence\":0}}");
    PASS("{\"nars\":{\"min_confidence\":-0.0}}");
    PASS("{\"ani\":{\"min_level\":-0,\"min_activation\":0}}"); /* -0 is an integer token, value 0 */
    /* the trend test: rewards[0..3] summing higher makes it fail */
    uint64_t r[BSP_WORDS];
    memcpy(r, R182, sizeof r);
    r[226] = 0x4000; /* rewards[0] = 16384 > Σ rewards[4..7] = 16383 */
    CHECK_EQ_I(run("{\"rl\":{\"positive_trend\":true}}", r), 0);
    r[226] = 0x3fff; /* equal sums: trend 0, not > 0 */
    CHECK_EQ_I(run("{\"rl\":{\"positive_trend\":true}}", r), 0);
    r[226] = 0x3ffe;
    CHECK_EQ_I(run("{\"rl\":{\"positive_trend\":true}}", r), 1);
    /* negative Q values: best is the maximum of signed bytes */
    memset(&r[224], 0x80, 16); /* all -128 */
    CHECK_EQ_I(run("{\"rl\":{\"min_best_q\":-1}}", r), 0); /* -128/127 < -1 */
    r[225] = 0x8181818181818181ull; /* a -127 appears: exactly -1 */
    CHECK_EQ_I(run("{\"rl\":{\"min_best_q\":-1}}", r), 1);
}

static void test_errors(void)
{
    /* wrong types; null is a wrong type everywhere */
    ERR("{\"ani\":{\"min_level\":5e0}}", BSP_EINVAL, "ani.min_level: expected an integer in 0..7, got 5.0");
    ERR("{\"ani\":{\"min_level\":null}}", BSP_EINVAL, "ani.min_level");
    ERR("{\"ani\":{\"min_level\":true}}", BSP_EINVAL, "ani.min_level");
    ERR("{\"nars\":null}", BSP_EINVAL, "nars: expected an object, got null");
    ERR("{\"nars\":[]}", BSP_EINVAL, "nars: expected an object");
    ERR("{\"nars\":{\"min_confidence\":null}}", BSP_EINVAL, "nars.min_confidence");
    ERR("{\"nars\":{\"min_confidence\":true}}", BSP_EINVAL, "nars.min_confidence");
    ERR("{\"rl\":{\"positive_trend\":1}}", BSP_EINVAL, "rl.positive_trend: expected a boolean, got 1");
    ERR("{\"rl\":{\"positive_trend\":\"true\"}}", BSP_EINVAL, "rl.positive_trend");
    ERR("{\"kind\":{\"kinds\":1}}", BSP_EINVAL, "kind.kinds");
    ERR("{\"kind\":{\"kinds\":[1,2.5]}}", BSP_EINVAL, "kind.kinds: element 1");
    ERR("{\"kind\":{\"verbs\":[null]}}", BSP_EINVAL, "kind.verbs: element 0");
    ERR("{\"kind\":{\"verbs\":[[1]]}}", BSP_EINVAL, "kind.verbs");
    ERR("{\"bloom\":{\"node_id\":\"42\"}}", BSP_EINVAL, "bloom.node_id");
    ERR("{\"graph\":{\"cluster_id\":4.2e1}}", BSP_EINVAL, "graph.cluster_id");
    /* ranges */
    ERR("{\"ani\":{\"min_level\":-1}}", BSP_ERANGE, "ani.min_level");
    ERR("{\"ani\":{\"min_level\":1,\"min_activation\":65536}}", BSP_ERANGE, "ani.min_activation");
    ERR("{\"nars\":{\"min_frequency\":-0.001}}", BSP_ERANGE, "nars.min_frequency: expected a number in 0..1, got -0.001");
    ERR("{\"nars\":{\"min_confidence\":1.5}}", BSP_ERANGE, "nars.min_confidence: expected a number in 0..1, got 1.5");
    ERR("{\"nars\":{\"min_priority\":2}}", BSP_ERANGE, "nars.min_priority");
    /* the range is on the f64 value: 1 + 2^-52 is out even though it rounds to 1.0f */
    ERR("{\"nars\":{\"min_priority\":1.0000000000000002}}", BSP_ERANGE, "nars.min_priority");
    ERR("{\"rl\":{\"min_best_q\":-1.5}}", BSP_ERANGE, "rl.min_best_q");
    ERR("{\"rl\":{\"min_avg_reward\":1.01}}", BSP_ERANGE, "rl.min_avg_reward");
    ERR("{\"graph\":{\"min_pagerank\":65536}}", BSP_ERANGE, "graph.min_pagerank");
    ERR("{\"graph\":{\"max_hop\":256}}", BSP_ERANGE, "graph.max_hop");
    ERR("{\"graph\":{\"cluster_id\":-3}}", BSP_ERANGE, "graph.cluster_id");
    ERR("{\"graph\":{\"min_degree\":1000}}", BSP_ERANGE, "graph.min_degree");
    ERR("{\"kind\":{\"kinds\":[0,256]}}", BSP_ERANGE, "kind.kinds: element 1");
    ERR("{\"kind\":{\"verbs\":[-1]}}", BSP_ERANGE, "kind.verbs");
    ERR("{\"bloom\":{\"node_id\":-1}}", BSP_ERANGE, "bloom.node_id");
    CHECK_EQ_I(run("{\"bloom\":{\"node_id\":9223372036854775807}}", R182) >= 0, 1);
    ERR("{\"bloom\":{\"node_id\":9223372036854775808}}", BSP_ERANGE, "bloom.node_id");
    ERR("{\"bloom\":{\"node_id\":18446744073709551616}}", BSP_ERANGE, "bloom.node_id");
    ERR("{\"bloom\":{\"node_id\":-9223372036854775809}}", BSP_ERANGE, "bloom.node_id");
    /* missing required members; unknown keys at both levels */
    ERR("{\"bloom\":{}}", BSP_EINVAL, "bloom.node_id: required member is missing");
    ERR("{\"ani\":{}}", BSP_EINVAL, "ani.min_level");
    ERR("{\"nars\":{\"min_conf\":0.5}}", BSP_EINVAL, "nars.min_conf: unknown key");
    ERR("{\"Nars\":{}}", BSP_EINVAL, "Nars: unknown key");
    ERR("{\"\":{}}", BSP_EINVAL, ": unknown key");
    ERR("{\"nars\\u0000\":{}}", BSP_EINVAL, "nars\\u0000: unknown key");
    /* not a JSON object / not JSON */
    ERR("", BSP_EINVAL, "not valid JSON");
    ERR("{", BSP_EINVAL, "not valid JSON");
    ERR("{\"nars\":{}", BSP_EINVAL, "not valid JSON");
    ERR("{}x", BSP_EINVAL, "not valid JSON");
    ERR("{} {}", BSP_EINVAL, "not valid JSON");
    ERR("{'nars':{}}", BSP_EINVAL, "not valid JSON");
    ERR("5", BSP_EINVAL, "not a JSON object (got 5)");
    ERR("\"{}\"", BSP_EINVAL, "not a JSON object");
    ERR("null", BSP_EINVAL, "not a JSON object (got null)");
    ERR("[{\"nars\":{}}]", BSP_EINVAL, "not a JSON object (got an array)");
    ERR("99999999999999999999", BSP_EINVAL, "not a JSON object");
    ERR("[1,99999999999999999999]", BSP_EINVAL, "not a JSON object");
    bsp_predicate *p = NULL;
    CHECK_ERR(bsp_predicate_compile("{}\0", 3, &p), BSP_EINVAL, "not valid JSON");
    CHECK_ERR(bsp_predicate_compile("{\"nars\":{\"min_confidence\":1\0}}", 30, &p), BSP_EINVAL,
              "NUL byte at offset 27");
    /* fuzzer find: a raw NUL jansson skipped, then a duplicate key (double free before) */
    CHECK_ERR(bsp_predicate_compile("{\"al\":0,\"\":10\0,\"d\":1,\"l\":0,\"\"", 29, &p), BSP_EINVAL,
              "NUL byte at offset 13");
    CHECK_ERR(bsp_predicate_compile("{\"nars\":{\"min_confidence\":0.5}}", 10, &p), BSP_EINVAL, "not valid JSON");
}

static void test_document_order(void)
{
    /* the first error in document order wins */
    ERR("{\"foo\":1,\"ani\":{\"min_level\":8}}", BSP_EINVAL, "foo");
    ERR("{\"ani\":{\"min_level\":8},\"foo\":1}", BSP_ERANGE, "ani.min_level");
    ERR("{\"nars\":{\"x\":1,\"min_confidence\":2}}", BSP_EINVAL, "nars.x");
    ERR("{\"nars\":{\"min_confidence\":2,\"x\":1}}", BSP_ERANGE, "nars.min_confidence");
    /* a missing member counts at its object's closing brace */
    ERR("{\"ani\":{\"min_activation\":1},\"foo\":2}", BSP_EINVAL, "ani.min_level");
    ERR("{\"ani\":{\"min_activation\":1,\"zzz\":2}}", BSP_EINVAL, "ani.zzz");
    ERR("{\"ani\":{\"min_activation\":70000}}", BSP_ERANGE, "ani.min_activation");
    ERR("{\"bloom\":{},\"ani\":{}}", BSP_EINVAL, "bloom.node_id");
    /* duplicate keys, at both levels, with and without earlier errors */
    ERR("{\"nars\":{},\"nars\":{}}", BSP_EINVAL, "nars: duplicate key");
    ERR("{\"nars\":{\"min_confidence\":0.5,\"min_confidence\":0.6}}", BSP_EINVAL,
        "nars.min_confidence: duplicate key");
    ERR("{ \"nars\" : { \"min_confidence\" : 0.5 ,\n\t \"min_confidence\"  : 0.5 } }", BSP_EINVAL,
        "nars.min_confidence: duplicate key");
    ERR("{\"nars\":{},\"n\\u0061rs\":{}}", BSP_EINVAL, "nars: duplicate key");
    ERR("{\"nars\":{\"bad\":1},\"nars\":{}}", BSP_EINVAL, "nars.bad: unknown key");
    ERR("{\"nars\":{\"min_confidence\":7,\"min_confidence\":0.6}}", BSP_ERANGE, "nars.min_confidence: expected");
    ERR("{\"ani\":{\"min_activation\":5},\"ani\":{\"min_level\":1}}", BSP_EINVAL,
        "ani.min_level: required member is missing");
    /* the duplicate comes before the missing member (whose brace is later) */
    ERR("{\"ani\":{\"min_activation\":5,\"min_activation\":6}}", BSP_EINVAL, "ani.min_activation: duplicate key");
    ERR("{\"bloom\":{\"node_id\":1,\"node_id\":1}}", BSP_EINVAL, "bloom.node_id: duplicate key");
    ERR("{\"foo\":1,\"nars\":{\"a\":1,\"a\":2}}", BSP_EINVAL, "foo: unknown key");
    ERR("{\"foo\":{\"a\":1,\"a\":2}}", BSP_EINVAL, "foo: unknown key");
    ERR("{\"kind\":{\"kinds\":[1,{\"a\":1,\"a\":2}]}}", BSP_EINVAL, "kind.kinds: element 1");
    ERR("{\"nars\":{\"min_confidence\":{\"a\":1,\"a\":2}}}", BSP_EINVAL, "nars.min_confidence: expected a number");
    ERR("{\"nars\":[{\"a\":1,\"a\":2}]}", BSP_EINVAL, "nars: expected an object");
    ERR("[{\"a\":1,\"a\":2}]", BSP_EINVAL, "not a JSON object");
    /* a duplicate after a syntax error? jansson reports the syntax error first */
    ERR("{\"nars\":{}, \"nars\":{}", BSP_EINVAL, "nars: duplicate key");
    /* numbers beyond 64 bits / beyond double */
    ERR("{\"ani\":{\"min_level\":99999999999999999999}}", BSP_ERANGE, "ani.min_level: expected an integer in 0..7, got an integer beyond the 64-bit range");
    ERR("{\"ani\":{\"min_level\":-99999999999999999999 }}", BSP_ERANGE, "ani.min_level");
    ERR("{\"ani\":{\"min_level\":1e400}}", BSP_EINVAL, "ani.min_level");
    ERR("{\"nars\":{\"min_confidence\":1e400}}", BSP_ERANGE, "nars.min_confidence");
    ERR("{\"nars\":{\"min_confidence\":-2.5E+999,\"x\":1}}", BSP_ERANGE, "nars.min_confidence");
    ERR("{\"nars\":{\"min_confidence\":99999999999999999999}}", BSP_ERANGE, "nars.min_confidence");
    ERR("{\"rl\":{\"positive_trend\":1e400}}", BSP_EINVAL, "rl.positive_trend");
    ERR("{\"kind\":{\"kinds\":[1,99999999999999999999]}}", BSP_ERANGE, "kind.kinds: element 1");
    ERR("{\"kind\":{\"kinds\":[1,2e999]}}", BSP_EINVAL, "kind.kinds: element 1");
    ERR("{\"foo\":99999999999999999999}", BSP_EINVAL, "foo: unknown key");
    ERR("{\"nars\":{\"x\":1e999,\"min_confidence\":2}}", BSP_EINVAL, "nars.x");
    ERR("{\"nars\":99999999999999999999}", BSP_EINVAL, "nars: expected an object");
    ERR("{\"ani\":{\"min_activation\":5},\"bloom\":{\"node_id\":99999999999999999999}}", BSP_EINVAL,
        "ani.min_level: required");
    /* underflow is not an error: 1e-400 is the number 0 */
    PASS("{\"nars\":{\"min_confidence\":1e-400}}");
    /* NUL bytes in keys (jansson stops there) */
    ERR("{\"a\\u0000b\":1}", BSP_EINVAL, "a\\u0000b: unknown key");
    ERR("{\"ani\":{\"min_level\":1,\"x\\u0000\":1}}", BSP_EINVAL, "ani.x\\u0000: unknown key");
    ERR("{\"ani\":{\"x\\u0000\":1}}", BSP_EINVAL, "ani.x\\u0000: unknown key");
    ERR("{\"foo\":1,\"a\\u0000\":1}", BSP_EINVAL, "foo: unknown key");
    ERR("{\"ani\":{\"min_activation\":1},\"a\\u0000\":1}", BSP_EINVAL, "ani.min_level");
    ERR("{\"a\\\"\\u0000\":1}", BSP_EINVAL, "a\"\\u0000: unknown key");
    ERR("{\"a\\\\\\u0000\\\\\":1}", BSP_EINVAL, "a\\\\u0000\\: unknown key");
    ERR("{\"nars\":{\"min_confidence\":\"a\\u0000\"}}", BSP_EINVAL, "nars.min_confidence: expected a number in 0..1, got a string");
}

static void test_describe(void)
{
    bsp_predicate *p;
    const char *j = "{\"kind\":{\"verbs\":[1]},\"nars\":{\"min_priority\":0.5,\"min_frequency\":0.1},"
                    "\"ani\":{\"min_level\":2},\"bloom\":{\"node_id\":5},\"rl\":{}}";
    CHECK_OK(bsp_predicate_compile(j, strlen(j), &p));
    CHECK_STR(bsp_predicate_describe(p),
              "ani.min_level,nars.min_frequency,nars.min_priority,rl,kind.verbs,bloom.node_id");
    CHECK_EQ_U(p->clauses, PRED_ANI | PRED_NARS | PRED_RL | PRED_KIND | PRED_BLOOM);
    CHECK(p->min_priority == 0.5f && p->min_frequency == 0.1f);
    CHECK_EQ_U(p->node_id, 5);
    bsp_predicate_free(p);
    bsp_predicate_free(NULL);
}

/* ---- thresholds against a float reference ----------------------------------------------- */

struct ref {
    int level, min_act;           /* level < 0: no ani clause */
    float f, c, pr, q, avg;       /* NAN: not given */
    int trend;                    /* -1 not given */
    int pagerank, hop, cluster, degree; /* -1 not given */
    int kinds[3], nkinds, verbs[3], nverbs;
    int64_t node; /* -1: no bloom */
    int nars, rl, graph, kind;    /* clause present */
};

static bool ref_eval(const struct ref *x, const uint64_t *r)
{
    bool any = x->level >= 0 || x->nars || x->rl || x->graph || x->kind || x->node >= 0;
    if (!any) return true;
    if ((r[223] >> 56) != 1) return false;
    if (x->level >= 0 && (int)((r[208 + x->level / 4] >> (16 * (x->level % 4))) & 0xFFFF) < x->min_act)
        return false;
    float f = (float)(r[210] & 0xFFFF) / 65535.0f, c = (float)((r[210] >> 16) & 0xFFFF) / 65535.0f,
          pr = (float)((r[210] >> 32) & 0xFFFF) / 65535.0f;
    if (!isnan(x->f) && !(f >= x->f)) return false;
    if (!isnan(x->c) && !(c >= x->c)) return false;
    if (!isnan(x->pr) && !(pr >= x->pr)) return false;
    int best = 0, bq = -1000;
    for (int a = 0; a < 16; a++) {
        int q = (int8_t)(r[224 + a / 8] >> (8 * (a % 8)));
        if (q > bq) { bq = q; best = a; }
    }
    (void)best;
    float bestv = (float)bq / 127.0f;
    int rw[8], s = 0, lo = 0, hi = 0;
    for (int i = 0; i < 8; i++) {
        rw[i] = (int16_t)(r[226 + i / 4] >> (16 * (i % 4)));
        s += rw[i];
        if (i < 4) lo += rw[i]; else hi += rw[i];
    }
    float avg = ((float)s / 8.0f) / 32767.0f;
    float trend = ((float)hi / 4.0f - (float)lo / 4.0f) / 32767.0f;
    if (!isnan(x->q) && !(bestv >= x->q)) return false;
    if (!isnan(x->avg) && !(avg >= x->avg)) return false;
    if (x->trend == 1 && !(trend > 0)) return false;
    uint64_t m = r[248];
    if (x->pagerank >= 0 && (int)(m & 0xFFFF) < x->pagerank) return false;
    if (x->hop >= 0 && (int)((m >> 16) & 0xFF) > x->hop) return false;
    if (x->cluster >= 0 && (int)((m >> 24) & 0xFFFF) != x->cluster) return false;
    if (x->degree >= 0 && (int)((m >> 40) & 0xFF) < x->degree) return false;
    int kind = (int)((r[211] >> 32) & 0xFF), verb = (int)(r[211] & 0xFF), hit;
    if (x->nkinds) {
        hit = 0;
        for (int i = 0; i < x->nkinds; i++) hit |= x->kinds[i] == kind;
        if (!hit) return false;
    }
    if (x->nverbs) {
        hit = 0;
        for (int i = 0; i < x->nverbs; i++) hit |= x->verbs[i] == verb;
        if (!hit) return false;
    }
    if (x->node >= 0) {
        uint64_t h = bsp_splitmix64((uint64_t)x->node);
        for (int i = 0; i < 3; i++) {
            unsigned b = (unsigned)(h >> (8 * i)) & 255;
            if (!((r[244 + b / 64] >> (b % 64)) & 1)) return false;
        }
    }
    return true;
}

/* The same reference through the sidecar module's decoders (an independent implementation
 * of §4.3 / §4.4). */
static bool ref_eval_sidecar(const struct ref *x, const uint64_t *r)
{
    bool any = x->level >= 0 || x->nars || x->rl || x->graph || x->kind || x->node >= 0;
    if (!any) return true;
    if (bsp_schema_version(r) != 1) return false;
    bsp_sidecar s;
    bsp_sidecar_unpack(r, &s);
    if (x->level >= 0 && s.ani[x->level] < x->min_act) return false;
    if (!isnan(x->f) && !(bsp_dq_u16(s.nars_f) >= x->f)) return false;
    if (!isnan(x->c) && !(bsp_dq_u16(s.nars_c) >= x->c)) return false;
    if (!isnan(x->pr) && !(bsp_dq_u16(s.budget_priority) >= x->pr)) return false;
    float v;
    bsp_sidecar_best_action(&s, &v);
    if (!isnan(x->q) && !(v >= x->q)) return false;
    if (!isnan(x->avg) && !(bsp_sidecar_reward_average(&s) >= x->avg)) return false;
    if (x->trend == 1 && !(bsp_sidecar_reward_trend(&s) > 0)) return false;
    if (x->pagerank >= 0 && s.pagerank < x->pagerank) return false;
    if (x->hop >= 0 && s.hop_to_root > x->hop) return false;
    if (x->cluster >= 0 && s.cluster_id != x->cluster) return false;
    if (x->degree >= 0 && s.degree < x->degree) return false;
    int hit;
    if (x->nkinds) {
        hit = 0;
        for (int i = 0; i < x->nkinds; i++) hit |= x->kinds[i] == s.node_kind;
        if (!hit) return false;
    }
    if (x->nverbs) {
        hit = 0;
        for (int i = 0; i < x->nverbs; i++) hit |= x->verbs[i] == s.edge_verb;
        if (!hit) return false;
    }
    if (x->node >= 0 && !bsp_fp_bloom_contains(r, (uint64_t)x->node)) return false;
    return true;
}

/* A threshold near a decoded value, printed so that it round-trips through f64 -> f32. */
static float near_threshold(test_rng *g, float lo, float hi, int denom_kind)
{
    float t;
    switch (test_rng_below(g, 3)) {
    case 0: /* exactly a decoded value */
        if (denom_kind == 0) t = (float)test_rng_below(g, 65536) / 65535.0f;
        else if (denom_kind == 1) t = (float)((int)test_rng_below(g, 255) - 127) / 127.0f;
        else t = ((float)((int)test_rng_below(g, 524281) - 262144) / 8.0f) / 32767.0f;
        break;
    case 1: /* the next float up or down */
        t = lo + (hi - lo) * (float)test_rng_below(g, 1000001) / 1000000.0f;
        t = test_rng_below(g, 2) ? nextafterf(t, INFINITY) : nextafterf(t, -INFINITY);
        break;
    default: t = lo + (hi - lo) * (float)test_rng_below(g, 1000001) / 1000000.0f;
    }
    if (t < lo) t = lo;
    if (t > hi) t = hi;
    return t;
}

static void random_sidecar(test_rng *g, uint64_t *r)
{
    for (int w = 208; w < 256; w++) r[w] = test_rng_next(g);
    /* concentrate the fields so thresholds bite: small ranges half the time */
    if (test_rng_below(g, 2)) r[248] = (r[248] & ~0xFFFFFF0000FF0000ull) | (test_rng_below(g, 4) << 16) |
                                       (test_rng_below(g, 4) << 24) | (test_rng_below(g, 8) << 40);
    if (test_rng_below(g, 2)) r[211] = (r[211] & ~0xFF000000FFull) | (test_rng_below(g, 8) << 32) | test_rng_below(g, 8);
    r[223] = (r[223] & 0x00FFFFFFFFFFFFFFull) | ((uint64_t)(test_rng_below(g, 10) ? 1 : test_rng_below(g, 256)) << 56);
}

static void test_thresholds_vs_reference(void)
{
    test_rng g;
    test_rng_seed(&g, 0x9ed1ca7e);
    static uint64_t recs[64][BSP_WORDS];
    for (int i = 0; i < 64; i++) random_sidecar(&g, recs[i]);
    int agree = 0;
    for (int iter = 0; iter < 3000; iter++) {
        struct ref x;
        memset(&x, 0, sizeof x);
        x.level = -1; x.f = x.c = x.pr = x.q = x.avg = NAN; x.trend = -1;
        x.pagerank = x.hop = x.cluster = x.degree = -1; x.node = -1;
        char json[1024];
        int n = snprintf(json, sizeof json, "{");
#define ADD(...) (n += snprintf(json + n, sizeof json - (size_t)n, __VA_ARGS__))
        int first = 1;
        unsigned pick = (unsigned)test_rng_next(&g);
        if (pick & 1) {
            x.level = (int)test_rng_below(&g, 8);
            ADD("%s\"ani\":{\"min_level\":%d", first ? "" : ",", x.level);
            first = 0;
            x.min_act = 1;
            if (test_rng_below(&g, 2)) { x.min_act = (int)test_rng_below(&g, 65536); ADD(",\"min_activation\":%d", x.min_act); }
            ADD("}");
        }
        if (pick & 2) {
            x.nars = 1;
            ADD("%s\"nars\":{", first ? "" : ","); first = 0;
            int f1 = 1;
            if (test_rng_below(&g, 2)) { x.f = near_threshold(&g, 0, 1, 0); ADD("\"min_frequency\":%.9g", x.f); f1 = 0; }
            if (test_rng_below(&g, 2)) { x.c = near_threshold(&g, 0, 1, 0); ADD("%s\"min_confidence\":%.9g", f1 ? "" : ",", x.c); f1 = 0; }
            if (test_rng_below(&g, 2)) { x.pr = near_threshold(&g, 0, 1, 0); ADD("%s\"min_priority\":%.9g", f1 ? "" : ",", x.pr); }
            ADD("}");
        }
        if (pick & 4) {
            x.rl = 1;
            ADD("%s\"rl\":{", first ? "" : ","); first = 0;
            int f1 = 1;
            if (test_rng_below(&g, 2)) { x.q = near_threshold(&g, -1, 1, 1); ADD("\"min_best_q\":%.9g", x.q); f1 = 0; }
            if (test_rng_below(&g, 2)) {
                /* random sums are near 0 relative to the range: pick small averages too */
                x.avg = test_rng_below(&g, 2) ? near_threshold(&g, -1, 1, 2) : near_threshold(&g, -0.05f, 0.05f, 2);
                ADD("%s\"min_avg_reward\":%.9g", f1 ? "" : ",", x.avg); f1 = 0;
            }
            if (test_rng_below(&g, 2)) { x.trend = (int)test_rng_below(&g, 2); ADD("%s\"positive_trend\":%s", f1 ? "" : ",", x.trend ? "true" : "false"); }
            ADD("}");
        }
        if (pick & 8) {
            x.graph = 1;
            ADD("%s\"graph\":{", first ? "" : ","); first = 0;
            int f1 = 1;
            if (test_rng_below(&g, 2)) { x.pagerank = (int)test_rng_below(&g, 65536); ADD("\"min_pagerank\":%d", x.pagerank); f1 = 0; }
            if (test_rng_below(&g, 2)) { x.hop = (int)test_rng_below(&g, 5); ADD("%s\"max_hop\":%d", f1 ? "" : ",", x.hop); f1 = 0; }
            if (test_rng_below(&g, 2)) { x.cluster = (int)test_rng_below(&g, 4); ADD("%s\"cluster_id\":%d", f1 ? "" : ",", x.cluster); f1 = 0; }
            if (test_rng_below(&g, 2)) { x.degree = (int)test_rng_below(&g, 9); ADD("%s\"min_degree\":%d", f1 ? "" : ",", x.degree); }
            ADD("}");
        }
        if (pick & 16) {
            x.kind = 1;
            x.nkinds = (int)test_rng_below(&g, 4);
            x.nverbs = (int)test_rng_below(&g, 4);
            ADD("%s\"kind\":{\"kinds\":[", first ? "" : ","); first = 0;
            for (int i = 0; i < x.nkinds; i++) { x.kinds[i] = (int)test_rng_below(&g, 9); ADD("%s%d", i ? "," : "", x.kinds[i]); }
            ADD("],\"verbs\":[");
            for (int i = 0; i < x.nverbs; i++) { x.verbs[i] = (int)test_rng_below(&g, 9); ADD("%s%d", i ? "," : "", x.verbs[i]); }
            ADD("]}");
        }
        if (pick & 32) {
            x.node = (int64_t)test_rng_below(&g, 1000);
            ADD("%s\"bloom\":{\"node_id\":%" PRId64 "}", first ? "" : ",", x.node);
            first = 0;
        }
        ADD("}");
        bsp_predicate *p;
        int rc = bsp_predicate_compile(json, strlen(json), &p);
        CHECK_OK(rc);
        if (rc < 0) { fprintf(stderr, "  json: %s\n", json); continue; }
        for (int i = 0; i < 64; i++) {
            bool want = ref_eval(&x, recs[i]), got = bsp_predicate_eval(p, recs[i]);
            CHECK(ref_eval_sidecar(&x, recs[i]) == want);
            if (want != got) {
                fprintf(stderr, "  mismatch on record %d: %s want %d\n", i, json, want);
                CHECK(want == got);
                break;
            }
            agree += want;
        }
        bsp_predicate_free(p);
        if ((iter & 7) == 0) random_sidecar(&g, recs[test_rng_below(&g, 64)]);
    }
    CHECK(agree > 1000); /* both outcomes occur */
}

/* Exhaustive check of the stored-domain thresholds at decoded boundaries. */
static void test_threshold_boundaries(void)
{
    uint64_t r[BSP_WORDS];
    memcpy(r, R182, sizeof r);
    char json[128];
    for (unsigned q = 0; q < 65536; q += 97) {
        float dec = (float)q / 65535.0f;
        r[210] = (r[210] & ~0xFFFFull) | q;
        snprintf(json, sizeof json, "{\"nars\":{\"min_frequency\":%.9g}}", dec);
        CHECK_EQ_I(run(json, r), 1);
        snprintf(json, sizeof json, "{\"nars\":{\"min_frequency\":%.9g}}", nextafterf(dec, 2));
        CHECK_EQ_I(run(json, r), 0);
    }
    memset(&r[224], 0, 16);
    for (int q = -128; q < 128; q++) {
        r[224] = (uint64_t)(uint8_t)q * 0x0101010101010101ull;
        r[225] = r[224];
        float dec = (float)q / 127.0f;
        if (dec < -1) continue;
        snprintf(json, sizeof json, "{\"rl\":{\"min_best_q\":%.9g}}", dec);
        CHECK_EQ_I(run(json, r), 1);
        if (q < 127) {
            snprintf(json, sizeof json, "{\"rl\":{\"min_best_q\":%.9g}}", nextafterf(dec, 2));
            CHECK_EQ_I(run(json, r), 0);
        }
    }
}

/* Replay the fuzz seeds (fuzz/seeds/predicate), so they also run under the sanitizers. */
static void replay_predicate(const char *buf, size_t n)
{
    bsp_predicate *p = NULL;
    int rc = bsp_predicate_compile(buf, n, &p);
    if (rc < 0) CHECK(p == NULL && bsp_errmsg()[0]);
    else {
        CHECK(bsp_predicate_eval(p, ZERO) == bsp_predicate_is_empty(p));
        (void)bsp_predicate_eval(p, R182);
        bsp_predicate_free(p);
    }
}

static void test_fuzz_seeds(void)
{
    if (getenv("BSP_SOURCE_DIR")) CHECK(test_replay_seeds("predicate", replay_predicate) > 5);
}

int main(void)
{
    build_18_2();
    RUN(test_table_18_9);
    RUN(test_18_2_via_sidecar);
    RUN(test_version_0);
    RUN(test_more_passes);
    RUN(test_errors);
    RUN(test_document_order);
    RUN(test_describe);
    RUN(test_thresholds_vs_reference);
    RUN(test_threshold_boundaries);
    RUN(test_fuzz_seeds);
    return test_finish();
}
