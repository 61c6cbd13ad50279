/* DN addressing (spec §15) against §18.5: hashed addresses, parsing (trim, scheme, every
 * error case), parent, PackedDn values and validation, matches_prefix, canonical order,
 * and the label fingerprint vector. */
#include "bindspace/error.h"
#include "bindspace/sidecar.h"
#include "test.h"

static int parse(const char *s, bsp_dn *dn) { return bsp_dn_parse(s, strlen(s), dn); }

static uint16_t addr_of(const char *s)
{
    bsp_dn dn;
    CHECK_OK(parse(s, &dn));
    return bsp_dn_addr(&dn);
}

static void test_hashes_185(void)
{
    CHECK_EQ_U(bsp_fnv1a64("", 0), 0xcbf29ce484222325ull);
    CHECK_EQ_U(bsp_fnv1a64("alpha", 5), 0x8ac625bb85ed202bull);
    CHECK_EQ_U(bsp_fnv1a64("graphs:semantic:3:7:42", 22), 0x037cbfd08a71e2e2ull);
    uint64_t r[BSP_WORDS];
    bsp_label_fp(r, "CAUSES", 6);
    CHECK_EQ_U(bsp_fnv1a64("CAUSES", 6), 0x56869efd90e61569ull);
    CHECK_EQ_U(r[0], 0xb68fafdc7acdfe5dull);
    CHECK_EQ_U(r[1], 0xc7704e4c81c9b24bull);
    CHECK_EQ_U(r[207], 0x553bd68e2b244b27ull);
    int pop = 0;
    for (int w = 0; w < 208; w++) pop += __builtin_popcountll(r[w]);
    CHECK_EQ_I(pop, 6583);
    CHECK_EQ_U(bsp_schema_version(r), 0);
}

static void test_addresses_185(void)
{
    CHECK_EQ_U(addr_of("graphs:semantic:3:7:42"), 0xE2E2);
    CHECK_EQ_U(addr_of("graphs:semantic:3:7"), 0xB112);
    CHECK_EQ_U(addr_of("graphs:semantic:3"), 0xE991);
    CHECK_EQ_U(addr_of("graphs:semantic"), 0xB032);
    CHECK_EQ_U(addr_of("hdr://mydb:tree:1:2:3"), 0xCB17);
    /* trimming and the other scheme give the same canonical path */
    CHECK_EQ_U(addr_of(" \t\r\n\v\fbindspace://graphs:semantic:3:7:42 \n"), 0xE2E2);
    CHECK_EQ_U(addr_of("mydb:tree:1:2:3"), 0xCB17);
    /* every address is in the DN prefix range 0x80..0xFF */
    const char *p[] = {"a:b", "x:y:0", "domain:tree:254", "é:ü:1:2"};
    for (size_t i = 0; i < 4; i++) CHECK(addr_of(p[i]) >= 0x8000);
}

static void test_parse(void)
{
    bsp_dn dn;
    CHECK_OK(parse("graphs:semantic:3:7:42", &dn));
    CHECK_STR(dn.canonical, "graphs:semantic:3:7:42");
    CHECK_EQ_U(dn.canonical_len, 22);
    CHECK_EQ_U(dn.domain_len, 6);
    CHECK_EQ_U(dn.tree_len, 8);
    CHECK_EQ_U(dn.depth, 3);
    CHECK_EQ_U(dn.index[0], 3);
    CHECK_EQ_U(dn.index[1], 7);
    CHECK_EQ_U(dn.index[2], 42);
    CHECK_OK(parse("hdr://mydb:tree:1:2:3", &dn));
    CHECK_STR(dn.canonical, "mydb:tree:1:2:3");
    CHECK_EQ_U(dn.domain_len, 4);
    CHECK_EQ_U(dn.depth, 3);
    CHECK_OK(parse("  bindspace://g:t  ", &dn));
    CHECK_STR(dn.canonical, "g:t");
    CHECK_EQ_U(dn.depth, 0);
    CHECK_OK(parse("g:t:0:254", &dn));
    CHECK_EQ_U(dn.index[0], 0);
    CHECK_EQ_U(dn.index[1], 254);
    /* the scheme is case-sensitive and removed once: HDR://x is domain "HDR", tree "//x" */
    CHECK_OK(parse("HDR://x", &dn));
    CHECK_EQ_U(dn.domain_len, 3);
    CHECK_EQ_U(dn.tree_len, 3);
    CHECK_OK(parse("hdr://hdr://x", &dn));
    CHECK_STR(dn.canonical, "hdr://x");
    CHECK_ERR(parse("HDR://x:t", &dn), BSP_EINVAL, "'t' is not a decimal number");
    /* inner spaces belong to the names */
    CHECK_OK(parse("my domain: my tree:5", &dn));
    CHECK_EQ_U(dn.domain_len, 9);
    CHECK_EQ_U(dn.tree_len, 8);
    /* UTF-8 names */
    CHECK_OK(parse("d\xc3\xa9:\xe2\x82\xac:1", &dn));
    CHECK_EQ_U(dn.domain_len, 3);
    /* 32 indices is the maximum */
    char buf[256] = "g:t";
    for (int i = 0; i < 32; i++) strcat(buf, ":1");
    CHECK_OK(parse(buf, &dn));
    CHECK_EQ_U(dn.depth, 32);
    strcat(buf, ":1");
    CHECK_ERR(parse(buf, &dn), BSP_EINVAL, "more than 32");
    /* len is honoured: no NUL needed */
    CHECK_OK(bsp_dn_parse("g:t:12:junk", 6, &dn));
    CHECK_STR(dn.canonical, "g:t:12");
}

static void test_parse_errors(void)
{
    bsp_dn dn;
    memset(&dn, 0x5A, sizeof dn);
    bsp_dn untouched = dn;
    CHECK_ERR(parse("g:t:3:x", &dn), BSP_EINVAL, "'x' is not a decimal number");
    CHECK_ERR(parse("g:t:255", &dn), BSP_EINVAL, "'255' is not in 0..254");
    CHECK_ERR(parse("g:t:07", &dn), BSP_EINVAL, "'07' has a leading zero");
    CHECK_ERR(parse("g::3", &dn), BSP_EINVAL, "tree is empty");
    CHECK_ERR(parse("g", &dn), BSP_EINVAL, "no tree");
    CHECK(memcmp(&dn, &untouched, sizeof dn) == 0);
    CHECK_ERR(parse(":t", &dn), BSP_EINVAL, "domain is empty");
    CHECK_ERR(parse("g:", &dn), BSP_EINVAL, "tree is empty");
    CHECK_ERR(parse("g:t:", &dn), BSP_EINVAL, "index 0 is empty");
    CHECK_ERR(parse("g:t:1::2", &dn), BSP_EINVAL, "index 1 is empty");
    CHECK_ERR(parse("g:t:00", &dn), BSP_EINVAL, "leading zero");
    CHECK_ERR(parse("g:t:-1", &dn), BSP_EINVAL, "not a decimal");
    CHECK_ERR(parse("g:t:+1", &dn), BSP_EINVAL, "not a decimal");
    CHECK_ERR(parse("g:t: 1", &dn), BSP_EINVAL, "not a decimal");
    CHECK_ERR(parse("g:t:1 :2", &dn), BSP_EINVAL, "not a decimal");
    CHECK_ERR(parse("g:t:1000", &dn), BSP_EINVAL, "0..254");
    CHECK_ERR(parse("g:t:99999999999999999999999", &dn), BSP_EINVAL, "0..254");
    CHECK_ERR(parse("", &dn), BSP_EINVAL, "empty");
    CHECK_ERR(parse(" \t\n", &dn), BSP_EINVAL, "empty");
    CHECK_ERR(parse("hdr://", &dn), BSP_EINVAL, "empty");
    CHECK_ERR(parse("hdr://:t", &dn), BSP_EINVAL, "domain is empty");
    CHECK_ERR(parse("d\xff:t", &dn), BSP_EINVAL, "UTF-8");
    CHECK_ERR(parse("d:\xc0\xaf", &dn), BSP_EINVAL, "UTF-8");   /* overlong */
    CHECK_ERR(parse("d:\xed\xa0\x80", &dn), BSP_EINVAL, "UTF-8"); /* surrogate */
    CHECK_ERR(parse("d:\xe2\x82", &dn), BSP_EINVAL, "UTF-8");   /* truncated */
    CHECK_ERR(bsp_dn_parse("d\0x:t", 5, &dn), BSP_EINVAL, "NUL");
    char big[700];
    memset(big, 'a', sizeof big);
    big[1] = ':';
    CHECK_ERR(bsp_dn_parse(big, sizeof big, &dn), BSP_EINVAL, "limit");
    CHECK(memcmp(&dn, &untouched, sizeof dn) == 0);
}

static void test_parent(void)
{
    bsp_dn dn, p;
    CHECK_OK(parse("graphs:semantic:3:7:42", &dn));
    CHECK_OK(bsp_dn_parent(&dn, &p));
    CHECK_STR(p.canonical, "graphs:semantic:3:7");
    CHECK_EQ_U(p.canonical_len, 19);
    CHECK_EQ_U(p.depth, 2);
    CHECK_EQ_U(bsp_dn_addr(&p), 0xB112);
    CHECK_OK(bsp_dn_parent(&p, &p)); /* in place */
    CHECK_STR(p.canonical, "graphs:semantic:3");
    CHECK_EQ_U(bsp_dn_addr(&p), 0xE991);
    CHECK_OK(bsp_dn_parent(&p, &p));
    CHECK_STR(p.canonical, "graphs:semantic");
    CHECK_EQ_U(p.depth, 0);
    CHECK_EQ_U(bsp_dn_addr(&p), 0xB032);
    CHECK_ERR(bsp_dn_parent(&p, &dn), BSP_ENOTFOUND, "graphs:semantic");
    /* parent equals parsing the shorter text */
    bsp_dn q;
    CHECK_OK(parse("hdr://mydb:tree:1:2:3", &dn));
    CHECK_OK(bsp_dn_parent(&dn, &p));
    CHECK_OK(parse("mydb:tree:1:2", &q));
    CHECK(memcmp(&p, &q, sizeof p) == 0);
}

static void test_packed(void)
{
    uint64_t v;
    uint8_t a[3] = {3, 7, 42};
    CHECK_OK(bsp_dn_pack(a, 3, &v));
    CHECK_EQ_U(v, 0x04082b0000000000ull);
    CHECK_EQ_U(bsp_dn_packed_parent(v), 0x0408000000000000ull);
    uint8_t b[7] = {0, 254, 1, 2, 3, 4, 5};
    CHECK_OK(bsp_dn_pack(b, 7, &v));
    CHECK_EQ_U(v, 0x01ff020304050600ull);
    CHECK_EQ_U(bsp_dn_packed_parent(v), 0x01ff020304050000ull);
    CHECK_OK(bsp_dn_pack(b, 0, &v));
    CHECK_EQ_U(v, 0);
    CHECK_EQ_U(bsp_dn_packed_parent(0), 0);
    CHECK_EQ_U(bsp_dn_packed_parent(0x0100000000000000ull), 0);

    uint8_t idx[7], depth;
    CHECK_OK(bsp_dn_unpack(0x01ff020304050600ull, idx, &depth));
    CHECK_EQ_U(depth, 7);
    CHECK(memcmp(idx, b, 7) == 0);
    CHECK_OK(bsp_dn_unpack(0x04082b0000000000ull, idx, &depth));
    CHECK_EQ_U(depth, 3);
    CHECK_EQ_U(idx[0], 3);
    CHECK_EQ_U(idx[1], 7);
    CHECK_EQ_U(idx[2], 42);
    CHECK_EQ_U(idx[3], 0);
    CHECK_OK(bsp_dn_unpack(0, idx, &depth));
    CHECK_EQ_U(depth, 0);

    uint8_t bad[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK_ERR(bsp_dn_pack(bad, 8, &v), BSP_EINVAL, "depth 8");
    uint8_t big[2] = {1, 255};
    CHECK_ERR(bsp_dn_pack(big, 2, &v), BSP_EINVAL, "index 1");
    CHECK_ERR(bsp_dn_unpack(0x0102030405060701ull, idx, &depth), BSP_EINVAL, "bits 0..7");
    CHECK_ERR(bsp_dn_unpack(0x0100020000000000ull, idx, &depth), BSP_EINVAL, "below a zero byte");
    CHECK_ERR(bsp_dn_unpack(0x0000000000000100ull, idx, &depth), BSP_EINVAL, "below a zero byte");

    /* round trip over every valid shape */
    test_rng g;
    test_rng_seed(&g, 15);
    for (int rep = 0; rep < 1000; rep++) {
        uint8_t in[7] = {0}, out[7];
        uint8_t d = (uint8_t)test_rng_below(&g, 8), od;
        for (int i = 0; i < d; i++) in[i] = (uint8_t)test_rng_below(&g, 255);
        CHECK_OK(bsp_dn_pack(in, d, &v));
        CHECK_EQ_U(v & 0xFF, 0);
        CHECK_OK(bsp_dn_unpack(v, out, &od));
        CHECK_EQ_U(od, d);
        CHECK(memcmp(in, out, 7) == 0);
        if (d > 0) {
            uint64_t pv;
            CHECK_OK(bsp_dn_pack(in, (uint8_t)(d - 1), &pv));
            CHECK_EQ_U(bsp_dn_packed_parent(v), pv);
        }
    }
}

static int match(const char *key, const char *pat)
{
    return bsp_dn_matches_prefix(key, strlen(key), pat, strlen(pat));
}

static void test_matches_prefix(void)
{
    CHECK_EQ_I(match("graphs:semantic:3", "*"), 1);
    CHECK_EQ_I(match("a:b", " * "), 1);
    CHECK_EQ_I(match("graphs:semantic", "graphs:semantic:*"), 1);
    CHECK_EQ_I(match("graphs:semantic:3:7", "graphs:semantic:*"), 1);
    CHECK_EQ_I(match("graphs:semantics", "graphs:semantic:*"), 0);
    CHECK_EQ_I(match("graphs:semantic:3", "graphs:semantic:3:*"), 1);
    CHECK_EQ_I(match("graphs:semantic:30", "graphs:semantic:3:*"), 0);
    CHECK_EQ_I(match("graphs:semantic:3:1", "hdr://graphs:semantic:3:*"), 1);
    CHECK_EQ_I(match("graphs:x", "graphs:*"), 1);
    CHECK_EQ_I(match("graphs", "graphs:*"), 1);
    CHECK_EQ_I(match("graph:x", "graphs:*"), 0);
    CHECK_EQ_I(match("g:t:1", "g:t:1"), 1);
    CHECK_EQ_I(match("g:t:1", "  bindspace://g:t:1\n"), 1);
    CHECK_EQ_I(match("g:t:1", "g:t"), 0);
    CHECK_EQ_I(match("g:t", "g:t:1"), 0);
    CHECK_EQ_I(bsp_dn_matches_prefix("", 0, "", 0), 1);
    CHECK_EQ_I(bsp_dn_matches_prefix(NULL, 0, NULL, 0), 1);
    CHECK_EQ_I(match("g:t", ""), 0);
    CHECK_EQ_I(match("g:t", "  "), 0);
    CHECK_ERR(match("g:t", "g*"), BSP_EINVAL, "'*'");
    CHECK_ERR(match("g:t", "g:*:1"), BSP_EINVAL, "'*'");
    CHECK_ERR(match("g:t", "*:t"), BSP_EINVAL, "'*'");
    CHECK_ERR(match("g:t", "**"), BSP_EINVAL, "'*'");
    CHECK_ERR(match("g:t", "g:*:*"), BSP_EINVAL, "'*'");
}

static int cmp(const char *a, const char *b) { return bsp_dn_compare(a, strlen(a), b, strlen(b)); }

static void test_canonical_order(void)
{
    /* §15: g:t:1 < g:t:10 < g:t:1:0 */
    CHECK(cmp("g:t:1", "g:t:10") < 0);
    CHECK(cmp("g:t:10", "g:t:1:0") < 0);
    CHECK(cmp("g:t:1", "g:t:1:0") < 0);
    CHECK(cmp("g:t:1:0", "g:t:1") > 0);
    CHECK(cmp("g:t", "g:t") == 0);
    CHECK(cmp("g:t:2", "g:t:10") > 0); /* bytes, not numbers */
    CHECK(cmp("g:t:\xc3\xa9", "g:t:z") > 0); /* unsigned bytes */
    CHECK(cmp("", "a") < 0);
}

static void test_dn_record_fields(void)
{
    bsp_dn dn;
    bsp_sidecar s;
    memset(&s, 0, sizeof s);
    memset(s.dn, 9, sizeof s.dn);
    s.rung = 2;
    CHECK_OK(parse("graphs:semantic:3:7:42", &dn));
    bsp_sidecar_set_dn(&s, &dn);
    CHECK_EQ_U(s.dn_depth, 3);
    CHECK_EQ_U(s.dn[0], 3);
    CHECK_EQ_U(s.dn[1], 7);
    CHECK_EQ_U(s.dn[2], 42);
    for (int i = 3; i < 32; i++) CHECK_EQ_U(s.dn[i], 0);
    CHECK_EQ_U(s.rung, 2);
    CHECK_EQ_I(bsp_sidecar_dn_self(&s), 42);
    CHECK_EQ_I(bsp_sidecar_dn_parent_component(&s), 7);
    uint64_t r[BSP_WORDS];
    memset(r, 0, sizeof r);
    CHECK_OK(bsp_sidecar_pack(r, &s));
    CHECK_EQ_U(r[240], 0x00000000002a0703ull); /* as in §18.2 */
    CHECK_EQ_U(r[213] & 0xFFFF, 0x0203);
    CHECK_OK(parse("g:t:5", &dn));
    bsp_sidecar_set_dn(&s, &dn);
    CHECK_EQ_I(bsp_sidecar_dn_self(&s), 5);
    CHECK_EQ_I(bsp_sidecar_dn_parent_component(&s), -1);
    CHECK_OK(parse("g:t", &dn));
    bsp_sidecar_set_dn(&s, &dn);
    CHECK_EQ_U(s.dn_depth, 0);
    CHECK_EQ_I(bsp_sidecar_dn_self(&s), -1);
    for (int i = 0; i < 32; i++) CHECK_EQ_U(s.dn[i], 0);
    s.dn_depth = 40;
    CHECK_EQ_I(bsp_sidecar_dn_self(&s), -1);
}

int main(void)
{
    RUN(test_dn_record_fields);
    RUN(test_hashes_185);
    RUN(test_addresses_185);
    RUN(test_parse);
    RUN(test_parse_errors);
    RUN(test_parent);
    RUN(test_packed);
    RUN(test_matches_prefix);
    RUN(test_canonical_order);
    return test_finish();
}
