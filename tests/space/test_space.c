/* BindSpace (spec §14): zones and write protection, write / write_at / put / delete / get,
 * the generated surface, per-address helpers, and WAL replay on reopen. */
#include "bindspace/bindspace.h"
#include "bindspace/space.h"
#include "test.h"

static bsp_space_options opts(void)
{
    bsp_space_options o = {0};
    o.durability = BSP_DURABLE_NONE;
    o.no_auto_flush = true;
    return o;
}

static void rec_fill(uint64_t r[BSP_WORDS], uint64_t v)
{
    for (int i = 0; i < BSP_WORDS; i++) r[i] = v;
}

static void test_zones(void)
{
    CHECK(bsp_space_zone(0x0000) == BSP_ZONE_SURFACE_FIXED);
    CHECK(bsp_space_zone(0x0BFF) == BSP_ZONE_SURFACE_FIXED);
    CHECK(bsp_space_zone(0x0C00) == BSP_ZONE_SURFACE);
    CHECK(bsp_space_zone(0x0FFF) == BSP_ZONE_SURFACE);
    CHECK(bsp_space_zone(0x1000) == BSP_ZONE_FLUID);
    CHECK(bsp_space_zone(0x7FFF) == BSP_ZONE_FLUID);
    CHECK(bsp_space_zone(0x8000) == BSP_ZONE_NODES);
    CHECK(bsp_space_zone(0xFFFF) == BSP_ZONE_NODES);
    char *dir = test_tmpdir("space-zones");
    bsp_space_options o = opts();
    bsp_space *sp;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    uint64_t r[BSP_WORDS], got[BSP_WORDS];
    rec_fill(r, 5);
    CHECK_ERR(bsp_space_write_at(sp, 0x0B10, r), BSP_EPERM, "0x0b:10");
    CHECK_ERR(bsp_space_put(sp, 0x0700, r), BSP_EPERM, "read-only surface");
    CHECK_ERR(bsp_space_delete(sp, 0x0700), BSP_EPERM, "read-only surface");
    bsp_delta d;
    bsp_delta_compute(&d, r, got);
    CHECK_ERR(bsp_space_apply_delta(sp, 0x0000, &d), BSP_EPERM, NULL);
    /* writable zones */
    CHECK_OK(bsp_space_write_at(sp, 0x0C00, r));
    CHECK_OK(bsp_space_write_at(sp, 0x1000, r));
    CHECK_OK(bsp_space_write_at(sp, 0xFFFF, r));
    CHECK_OK(bsp_space_get(sp, 0x0C00, got));
    CHECK_EQ_U(got[100], 5);
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

static void test_surface(void)
{
    char *dir = test_tmpdir("space-surface");
    bsp_space_options o = opts();
    bsp_space *sp;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    uint64_t got[BSP_WORDS], want[BSP_WORDS];
    /* 18.5: label fingerprint("CAUSES") at 0x07:00 */
    CHECK_OK(bsp_space_get(sp, 0x0700, got));
    CHECK_EQ_U(got[0], 0xb68fafdc7acdfe5dull);
    CHECK_EQ_U(got[1], 0xc7704e4c81c9b24bull);
    CHECK_EQ_U(got[207], 0x553bd68e2b244b27ull);
    CHECK_EQ_U(got[208], 0);
    CHECK_STR(bsp_space_surface_name(0x0700), "CAUSES");
    CHECK_STR(bsp_space_surface_name(0x071B), "SUPPORTS");
    CHECK_STR(bsp_space_surface_name(0x0200), "MATCH");
    CHECK_STR(bsp_space_surface_name(0x0207), "DETACH_DELETE");
    CHECK_STR(bsp_space_surface_name(0x0405), "EXPECTATION");
    CHECK_STR(bsp_space_surface_name(0x0505), "CONFOUND");
    CHECK_STR(bsp_space_surface_name(0x0727), "PREV_SIBLING");
    CHECK(bsp_space_surface_name(0x071C) == NULL);
    CHECK(bsp_space_surface_name(0x0300) == NULL); /* GraphQL: empty */
    CHECK(bsp_space_surface_name(0x0208) == NULL);
    CHECK(bsp_space_surface_name(0x0C00) == NULL);
    bsp_label_fp(want, "OPTIONAL_MATCH", 14);
    CHECK_OK(bsp_space_get(sp, 0x0206, got));
    CHECK(memcmp(got, want, sizeof got) == 0);
    CHECK_ERR(bsp_space_get(sp, 0x0300, got), BSP_ENOTFOUND, "0x03:00");
    /* counts per compartment: 12 storage ops, 28 + 8 verbs, 7 meta, 6/6/5/5 */
    int n00 = 0, n07 = 0, n06 = 0, n08 = 0, n0b = 0;
    for (uint32_t s = 0; s < 256; s++) {
        n00 += bsp_space_is_occupied(sp, (uint16_t)s);
        n06 += bsp_space_is_occupied(sp, (uint16_t)(0x0600 + s));
        n07 += bsp_space_is_occupied(sp, (uint16_t)(0x0700 + s));
        n08 += bsp_space_is_occupied(sp, (uint16_t)(0x0800 + s));
        n0b += bsp_space_is_occupied(sp, (uint16_t)(0x0B00 + s));
    }
    CHECK_EQ_U(n00, 12);
    CHECK_EQ_U(n06, 7);
    CHECK_EQ_U(n07, 36);
    CHECK_EQ_U(n08, 6);
    CHECK_EQ_U(n0b, 5);
    /* every fixed name is distinct, so no two surface entries share a record */
    size_t total = 0;
    for (uint32_t a = 0; a < 0x0C00; a++) total += bsp_space_is_occupied(sp, (uint16_t)a);
    CHECK_EQ_U(bsp_space_count(sp), total);
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

static void test_write_cursor_and_full_cycle(void)
{
    char *dir = test_tmpdir("space-write");
    bsp_space_options o = opts();
    bsp_space *sp;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    uint64_t r[BSP_WORDS], got[BSP_WORDS];
    uint16_t a;
    rec_fill(r, 1);
    CHECK_OK(bsp_space_write_at(sp, 0x8001, r));
    CHECK_OK(bsp_space_write(sp, r, &a));
    CHECK_EQ_U(a, 0x8000);
    CHECK_OK(bsp_space_write(sp, r, &a));
    CHECK_EQ_U(a, 0x8002); /* 0x80:01 occupied: skipped */
    CHECK_OK(bsp_space_delete(sp, 0x8000));
    CHECK_OK(bsp_space_write(sp, r, &a));
    CHECK_EQ_U(a, 0x8003); /* the cursor moved past 0x80:02; it does not go back */
    CHECK_ERR(bsp_space_get(sp, 0x8000, got), BSP_ENOTFOUND, "0x80:00");
    CHECK_ERR(bsp_space_delete(sp, 0x8000), BSP_ENOTFOUND, NULL);
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

static void test_put_get_helpers(void)
{
    char *dir = test_tmpdir("space-put");
    bsp_space_options o = opts();
    bsp_space *sp;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    uint64_t r[BSP_WORDS] = {0}, got[BSP_WORDS];
    r[0] = 0xFF;
    CHECK_OK(bsp_space_put(sp, 0x9000, r)); /* unoccupied: write_at */
    CHECK(!bsp_space_is_dirty(sp, 0x9000));
    r[0] = 0xF0;
    CHECK_OK(bsp_space_put(sp, 0x9000, r)); /* occupied: through the cache */
    CHECK(bsp_space_is_dirty(sp, 0x9000));
    bsp_space_stats st;
    bsp_space_stats_get(sp, &st);
    CHECK_EQ_U(st.dirty_count, 1);
    CHECK_EQ_U(st.cached_bytes, 40);
    CHECK_EQ_U(st.ops_since_flush, 1);
    CHECK_OK(bsp_space_get(sp, 0x9000, got));
    CHECK_EQ_U(got[0], 0xF0);
    uint64_t s[BSP_WORDS] = {0};
    s[0] = 0x0F;
    s[1] = 3;
    CHECK_OK(bsp_space_write_at(sp, 0x9001, s));
    uint32_t dist = 0, pc = 0;
    CHECK_OK(bsp_space_hamming(sp, 0x9000, 0x9001, &dist));
    CHECK_EQ_U(dist, 10);
    CHECK_OK(bsp_space_popcount(sp, 0x9001, &pc));
    CHECK_EQ_U(pc, 6);
    double sim;
    CHECK_OK(bsp_space_similarity(sp, 0x9000, 0x9001, &sim));
    CHECK(sim == 1.0 - 10.0 / 16384.0);
    CHECK_OK(bsp_space_bind(sp, 0x9000, 0x9001, got));
    CHECK_EQ_U(got[0], 0xFF);
    CHECK_EQ_U(got[1], 3);
    uint64_t t[BSP_WORDS] = {0};
    t[0] = 0x01;
    CHECK_OK(bsp_space_write_at(sp, 0x9002, t));
    uint16_t three[3] = {0x9000, 0x9001, 0x9002};
    CHECK_OK(bsp_space_bundle(sp, three, 3, got));
    CHECK_EQ_U(got[0], 0x01); /* bit 0: all three; bits 1-3: 0x0F only; bits 4-7: 0xF0 only */
    CHECK_EQ_U(got[1], 0);
    CHECK_ERR(bsp_space_hamming(sp, 0x9000, 0x9100, &dist), BSP_ENOTFOUND, "0x91:00");
    /* get_many: one snapshot, input order, unoccupied addresses reported */
    uint16_t addrs[3] = {0x9001, 0x9100, 0x9000};
    uint64_t many[3][BSP_WORDS];
    bool found[3];
    CHECK_OK(bsp_space_get_many(sp, addrs, 3, many, found));
    CHECK(found[0] && !found[1] && found[2]);
    CHECK_EQ_U(many[0][1], 3);
    CHECK_EQ_U(many[1][0], 0);
    CHECK_EQ_U(many[2][0], 0xF0);
    /* write_at drops the cache entry */
    CHECK_OK(bsp_space_write_at(sp, 0x9000, t));
    CHECK(!bsp_space_is_dirty(sp, 0x9000));
    CHECK_OK(bsp_space_get(sp, 0x9000, got));
    CHECK_EQ_U(got[0], 1);
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

/* Every kind of change survives a close (no flush) through the WAL. */
static void test_replay(void)
{
    char *dir = test_tmpdir("space-replay");
    test_rng rng;
    test_rng_seed(&rng, 77);
    static uint64_t model[64][BSP_WORDS];
    static bool present[64];
    for (int round = 0; round < 3; round++) {
        bsp_space_options o = opts();
        o.durability = round == 1 ? BSP_DURABLE_SYNC : BSP_DURABLE_NONE;
        bsp_space *sp;
        CHECK_OK(bsp_space_open(dir, &o, &sp));
        for (int i = 0; i < 64; i++) {
            uint64_t got[BSP_WORDS];
            int rc = bsp_space_get(sp, (uint16_t)(0x2000 + i), got);
            CHECK_EQ_I(rc == BSP_OK, present[i]);
            if (rc == BSP_OK) CHECK(memcmp(got, model[i], BSP_BYTES) == 0);
        }
        for (int step = 0; step < 300; step++) {
            int i = (int)test_rng_below(&rng, 64);
            uint16_t a = (uint16_t)(0x2000 + i);
            int op = (int)test_rng_below(&rng, 4);
            uint64_t v[BSP_WORDS];
            memcpy(v, model[i], sizeof v);
            for (int k = 0; k < 3; k++) v[test_rng_below(&rng, BSP_WORDS)] = test_rng_next(&rng);
            if (op == 0 && present[i]) {
                CHECK_OK(bsp_space_delete(sp, a));
                present[i] = false;
                memset(model[i], 0, BSP_BYTES);
            } else if (op == 1 && present[i]) {
                bsp_delta d;
                bsp_delta_compute(&d, model[i], v);
                CHECK_OK(bsp_space_apply_delta(sp, a, &d));
                memcpy(model[i], v, sizeof v);
            } else if (op == 2) {
                CHECK_OK(bsp_space_write_at(sp, a, v));
                memcpy(model[i], v, sizeof v);
                present[i] = true;
            } else {
                CHECK_OK(bsp_space_put(sp, a, v));
                memcpy(model[i], v, sizeof v);
                present[i] = true;
            }
        }
        bsp_space_close(sp);
    }
    /* a second writer is refused while the first holds the lock */
    bsp_space_options o = opts();
    bsp_space *a, *b;
    CHECK_OK(bsp_space_open(dir, &o, &a));
    CHECK_ERR(bsp_space_open(dir, &o, &b), BSP_EBUSY, "another process");
    bsp_space_close(a);
    test_rmtree(dir);
    free(dir);
}

static void test_read_only(void)
{
    char *dir = test_tmpdir("space-ro");
    bsp_space_options o = opts();
    bsp_space *sp;
    uint64_t r[BSP_WORDS], got[BSP_WORDS];
    rec_fill(r, 9);
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    CHECK_OK(bsp_space_write_at(sp, 0x8100, r));
    bsp_space_close(sp);
    o.read_only = true;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    CHECK(bsp_space_read_only(sp));
    CHECK_OK(bsp_space_get(sp, 0x8100, got)); /* the WAL is replayed in memory */
    CHECK_EQ_U(got[3], 9);
    CHECK_ERR(bsp_space_write_at(sp, 0x8101, r), BSP_EPERM, "read-only");
    CHECK_ERR(bsp_space_flush(sp, NULL), BSP_EPERM, "read-only");
    bsp_space_close(sp);
    CHECK_ERR(bsp_space_open("/nonexistent/bsp-db", &o, &sp), BSP_ENOTFOUND, "no such database");
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_zones);
    RUN(test_surface);
    RUN(test_write_cursor_and_full_cycle);
    RUN(test_put_get_helpers);
    RUN(test_replay);
    RUN(test_read_only);
    return test_finish();
}
