/* DN addressing through the space (spec §15, vectors 18.5): write_dn_path creates the
 * ancestors at their hashed addresses, dn_get / dn_set / dn_mget / dn_scan, collisions
 * (nothing written), and the DN index surviving a reopen through the WAL. */
#include "bindspace/bindspace.h"
#include "bindspace/space.h"
#include "test.h"

static bsp_space *open_space(const char *dir)
{
    bsp_space_options o = {0};
    o.durability = BSP_DURABLE_NONE;
    o.no_auto_flush = true;
    bsp_space *sp = NULL;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    return sp;
}

static void leaf_fp(uint64_t fp[BSP_WORDS])
{
    for (int i = 0; i < BSP_WORDS; i++) fp[i] = 0x1111111111111111ull * (uint64_t)(i % 15 + 1);
}

static void test_vectors(void)
{
    char *dir = test_tmpdir("dn-vec");
    bsp_space *sp = open_space(dir);
    uint64_t fp[BSP_WORDS], got[BSP_WORDS], want[BSP_WORDS];
    leaf_fp(fp);
    uint16_t a = 0;
    CHECK_OK(bsp_space_write_dn_path(sp, "graphs:semantic:3:7:42", fp, 2, &a));
    CHECK_EQ_U(a, 0xE2E2);
    const struct { const char *path; uint16_t addr; int depth; } chain[] = {
        {"graphs:semantic", 0xB032, 0}, {"graphs:semantic:3", 0xE991, 1},
        {"graphs:semantic:3:7", 0xB112, 2}, {"graphs:semantic:3:7:42", 0xE2E2, 3}};
    const uint8_t idx[3] = {3, 7, 42};
    for (int k = 0; k < 4; k++) {
        uint16_t ga = 0;
        CHECK_OK(bsp_space_dn_get(sp, chain[k].path, got, &ga));
        CHECK_EQ_U(ga, chain[k].addr);
        CHECK_EQ_U(bsp_schema_version(got), 1);
        bsp_sidecar sc;
        bsp_sidecar_unpack(got, &sc);
        CHECK_EQ_U(sc.dn_depth, chain[k].depth);
        CHECK_EQ_U(sc.rung, 2);
        for (int i = 0; i < 32; i++) CHECK_EQ_U(sc.dn[i], i < chain[k].depth ? idx[i] : 0);
        if (k < 3) {
            bsp_label_fp(want, chain[k].path, strlen(chain[k].path));
            CHECK(memcmp(got, want, 208 * 8) == 0);
            CHECK_EQ_U(sc.nars_f, 0);
            CHECK_EQ_U(sc.label_hash, 0);
        } else {
            CHECK(memcmp(got, fp, 208 * 8) == 0);
        }
    }
    /* the leaf of a version-1 fp keeps its sidecar fields */
    uint64_t v1[BSP_WORDS] = {0};
    bsp_sidecar s1;
    memset(&s1, 0, sizeof s1);
    s1.nars_f = 52428;
    s1.dn_depth = 0;
    CHECK_OK(bsp_sidecar_pack(v1, &s1));
    v1[0] = 99;
    CHECK_OK(bsp_space_write_dn_path(sp, "hdr://mydb:tree:1:2:3", v1, 1, &a));
    CHECK_EQ_U(a, 0xCB17);
    CHECK_OK(bsp_space_dn_get(sp, "  mydb:tree:1:2:3\n", got, NULL));
    bsp_sidecar sc;
    bsp_sidecar_unpack(got, &sc);
    CHECK_EQ_U(got[0], 99);
    CHECK_EQ_U(sc.nars_f, 52428);
    CHECK_EQ_U(sc.dn_depth, 3);
    CHECK_EQ_U(sc.rung, 1);
    /* errors of 18.5 */
    const char *bad[] = {"g:t:3:x", "g:t:255", "g:t:07", "g::3", "g"};
    for (int i = 0; i < 5; i++) CHECK_ERR(bsp_space_write_dn_path(sp, bad[i], fp, 0, &a), BSP_EINVAL, NULL);
    CHECK_ERR(bsp_space_write_dn_path(sp, "g:t:1", fp, 3, &a), BSP_EINVAL, "rung");
    CHECK_ERR(bsp_space_dn_get(sp, "graphs:semantic:3:8", got, NULL), BSP_ENOTFOUND, "not indexed");
    bsp_space_close(sp);
    /* the index and the records come back from the WAL */
    sp = open_space(dir);
    CHECK_OK(bsp_space_dn_get(sp, "graphs:semantic:3:7", got, &a));
    CHECK_EQ_U(a, 0xB112);
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

static void test_set_mget_scan(void)
{
    char *dir = test_tmpdir("dn-scan");
    bsp_space *sp = open_space(dir);
    uint64_t fp[BSP_WORDS], got[BSP_WORDS];
    leaf_fp(fp);
    uint16_t a;
    CHECK_OK(bsp_space_write_dn_path(sp, "g:t:1", fp, 2, &a));
    CHECK_OK(bsp_space_write_dn_path(sp, "g:t:10", fp, 0, &a));
    CHECK_OK(bsp_space_write_dn_path(sp, "g:t:1:0", fp, 0, &a));
    CHECK_OK(bsp_space_write_dn_path(sp, "h:t", fp, 0, &a));
    /* dn_set on an indexed path keeps the rung; on a new path it writes with rung 0 */
    uint64_t v[BSP_WORDS] = {0};
    v[0] = 7;
    CHECK_OK(bsp_space_dn_set(sp, "g:t:1", v, &a));
    CHECK_OK(bsp_space_dn_get(sp, "g:t:1", got, NULL));
    bsp_sidecar sc;
    bsp_sidecar_unpack(got, &sc);
    CHECK_EQ_U(got[0], 7);
    CHECK_EQ_U(sc.rung, 2);
    CHECK_EQ_U(sc.dn_depth, 1);
    CHECK_EQ_U(sc.dn[0], 1);
    CHECK(bsp_space_is_dirty(sp, a)); /* through the cache: record_write */
    CHECK_OK(bsp_space_dn_set(sp, "g:u:5", v, &a));
    CHECK_OK(bsp_space_dn_get(sp, "g:u", got, NULL)); /* ancestor created */
    /* mget keeps input order */
    const char *paths[3] = {"g:t:10", "nope:x", "g:t:1"};
    uint64_t out[3][BSP_WORDS];
    bool found[3];
    CHECK_OK(bsp_space_dn_mget(sp, paths, 3, out, found));
    CHECK(found[0] && !found[1] && found[2]);
    CHECK_EQ_U(out[2][0], 7);
    CHECK_EQ_U(out[0][0], fp[0]);
    /* scan: canonical byte order, proper prefix first */
    char **ps;
    uint16_t *as;
    size_t n;
    CHECK_OK(bsp_space_dn_scan(sp, "g:t:*", &ps, &as, &n));
    CHECK_EQ_U(n, 4);
    if (n == 4) {
        CHECK_STR(ps[0], "g:t");
        CHECK_STR(ps[1], "g:t:1");
        CHECK_STR(ps[2], "g:t:10");
        CHECK_STR(ps[3], "g:t:1:0");
    }
    bsp_space_dn_paths_free(ps, n);
    free(as);
    CHECK_OK(bsp_space_dn_scan(sp, "*", &ps, NULL, &n));
    CHECK_EQ_U(n, 7); /* g:t g:t:1 g:t:10 g:t:1:0 g:u g:u:5 h:t */
    bsp_space_dn_paths_free(ps, n);
    CHECK_OK(bsp_space_dn_scan(sp, "g:t:1", &ps, NULL, &n));
    CHECK_EQ_U(n, 1);
    bsp_space_dn_paths_free(ps, n);
    CHECK_ERR(bsp_space_dn_scan(sp, "g:*:1", &ps, NULL, &n), BSP_EINVAL, "'*'");
    /* deleting a DN record removes it from the index */
    uint16_t leaf;
    CHECK_OK(bsp_space_dn_get(sp, "g:t:1:0", got, &leaf));
    CHECK_OK(bsp_space_delete(sp, leaf));
    CHECK_ERR(bsp_space_dn_get(sp, "g:t:1:0", got, NULL), BSP_ENOTFOUND, NULL);
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

static uint16_t addr_of(const char *p)
{
    bsp_dn dn;
    if (bsp_dn_parse(p, strlen(p), &dn) < 0) return 0;
    return bsp_dn_addr(&dn);
}

static void test_collisions(void)
{
    char *dir = test_tmpdir("dn-coll");
    bsp_space *sp = open_space(dir);
    uint64_t fp[BSP_WORDS], got[BSP_WORDS];
    leaf_fp(fp);
    uint16_t a;
    /* an occupied ancestor address not indexed under that path */
    CHECK_OK(bsp_space_write_at(sp, 0xE991, fp)); /* where graphs:semantic:3 hashes */
    size_t before = bsp_space_count(sp);
    CHECK_ERR(bsp_space_write_dn_path(sp, "graphs:semantic:3:7:42", fp, 0, &a), BSP_EEXIST, "graphs:semantic:3");
    CHECK_EQ_U(bsp_space_count(sp), before); /* nothing written */
    CHECK_ERR(bsp_space_dn_get(sp, "graphs:semantic", got, NULL), BSP_ENOTFOUND, NULL);
    /* two paths of one call hashing to the same address: find a domain where the tree root
     * and one of its children collide */
    char root[64] = "", child[80] = "";
    for (int d = 0; d < 100000 && !child[0]; d++) {
        snprintf(root, sizeof root, "d%d:t", d);
        uint16_t ra = addr_of(root);
        for (int k = 0; k < 255; k++) {
            char c[80];
            snprintf(c, sizeof c, "%s:%d", root, k);
            if (addr_of(c) == ra) {
                memcpy(child, c, sizeof c);
                break;
            }
        }
    }
    CHECK(child[0] != 0);
    if (child[0]) {
        before = bsp_space_count(sp);
        CHECK_ERR(bsp_space_write_dn_path(sp, child, fp, 0, &a), BSP_EEXIST, "both hash to");
        CHECK_EQ_U(bsp_space_count(sp), before);
    }
    /* a path indexed elsewhere occupies the address of another path: collision names it */
    CHECK_OK(bsp_space_write_dn_path(sp, "x:y", fp, 0, &a));
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_vectors);
    RUN(test_set_mget_scan);
    RUN(test_collisions);
    return test_finish();
}
