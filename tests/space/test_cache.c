/* The write cache (spec §11): vector 18.8, visible values, read_through, counters, and a
 * property test against a plain model (visible = last written value). */
#include "bindspace/delta.h"
#include "fp/kernels.h"
#include "space/cache.h"
#include "test.h"

static uint64_t (*base)[BSP_WORDS];
static uint64_t occ[1024];

static void setup(space_cache *c)
{
    memset(base, 0, (size_t)65536 * BSP_BYTES);
    memset(occ, 0, sizeof occ);
    CHECK_OK(cache_init(c, base, occ, 0));
}

static void test_vector_18_8(void)
{
    space_cache c;
    setup(&c);
    uint16_t A = 0x8042;
    occ[A >> 6] |= 1ull << (A & 63);
    uint64_t v[BSP_WORDS] = {0}, tmp[BSP_WORDS];
    v[5] = 0xF0;
    CHECK_OK(cache_record_write(&c, A, v, NULL));
    CHECK_EQ_U(c.dirty_count, 1);
    CHECK_EQ_U(c.cached_bytes, 40);
    CHECK(cache_is_dirty(&c, A));
    CHECK(cache_read_through(&c, A, tmp) == CACHE_PATCHED);
    CHECK_EQ_U(tmp[5], 0xF0);
    CHECK_EQ_U(base[A][5], 0); /* the base is untouched until a flush */
    v[5] = 0xFF;
    v[6] = 1;
    CHECK_OK(cache_record_write(&c, A, v, NULL));
    CHECK_EQ_U(c.dirty_count, 1);
    CHECK_EQ_U(c.entries[A]->nnz, 2);
    CHECK_EQ_U(c.cached_bytes, 48);
    memset(v, 0, sizeof v);
    CHECK_OK(cache_record_write(&c, A, v, NULL));
    CHECK_EQ_U(c.dirty_count, 0);
    CHECK_EQ_U(c.cached_bytes, 0);
    CHECK(cache_read_through(&c, A, tmp) == CACHE_CLEAN);
    CHECK(!cache_is_dirty(&c, A));
    CHECK_EQ_U(c.ops_since_flush, 3);
    /* record_delta twice with the same one-word delta: no entry */
    bsp_delta d;
    uint64_t x[BSP_WORDS] = {0};
    x[17] = 0xDEADBEEF;
    bsp_delta_from_words(&d, x);
    CHECK_OK(cache_record_delta(&c, A, &d));
    CHECK_EQ_U(c.dirty_count, 1);
    CHECK_EQ_U(c.cached_bytes, 40);
    CHECK_OK(cache_record_delta(&c, A, &d));
    CHECK_EQ_U(c.dirty_count, 0);
    CHECK(c.entries[A] == NULL);
    CHECK_EQ_U(c.ops_since_flush, 5);
    cache_destroy(&c);
}

static void test_unoccupied_is_error(void)
{
    space_cache c;
    setup(&c);
    uint64_t v[BSP_WORDS] = {1};
    CHECK_ERR(cache_record_write(&c, 0x9000, v, NULL), BSP_ENOTFOUND, "0x90:00");
    CHECK_EQ_U(c.ops_since_flush, 0);
    cache_destroy(&c);
}

static void test_should_flush_and_apply(void)
{
    space_cache c;
    setup(&c);
    c.max_bytes = 1000;
    uint64_t v[BSP_WORDS];
    for (uint32_t a = 0x8000; a < 0x8000 + 40; a++) occ[a >> 6] |= 1ull << (a & 63);
    for (uint32_t a = 0x8000 + 39;; a--) { /* descending writes; flush applies ascending */
        memset(v, 0, sizeof v);
        v[a & 255] = a;
        v[200] = 7;
        CHECK_OK(cache_record_write(&c, (uint16_t)a, v, NULL));
        if (a == 0x8000) break;
    }
    CHECK_EQ_U(c.dirty_count, 40);
    CHECK_EQ_U(c.cached_bytes, 40 * 48);
    CHECK(cache_should_flush(&c));
    cache_apply_all(&c);
    CHECK_EQ_U(c.dirty_count, 0);
    CHECK_EQ_U(c.cached_bytes, 0);
    CHECK_EQ_U(c.ops_since_flush, 0);
    CHECK(!cache_should_flush(&c));
    for (uint32_t a = 0x8000; a < 0x8000 + 40; a++) {
        CHECK_EQ_U(base[a][a & 255], a);
        CHECK_EQ_U(base[a][200], 7);
        CHECK(c.entries[a] == NULL);
    }
    cache_destroy(&c);
}

/* Random writes and deltas against a model of visible values. */
static void test_model(void)
{
    space_cache c;
    setup(&c);
    enum { N = 16 };
    static uint64_t model[N][BSP_WORDS];
    static bsp_delta shadow[N]; /* the entry as bsp_delta_compose accumulates it */
    for (int i = 0; i < N; i++) bsp_delta_zero(&shadow[i]);
    test_rng r;
    test_rng_seed(&r, 1808);
    for (int i = 0; i < N; i++) {
        uint16_t a = (uint16_t)(0x8100 + i);
        occ[a >> 6] |= 1ull << (a & 63);
        for (int w = 0; w < BSP_WORDS; w++) base[a][w] = model[i][w] = test_rng_next(&r);
    }
    for (int step = 0; step < 3000; step++) {
        int i = (int)test_rng_below(&r, N);
        uint16_t a = (uint16_t)(0x8100 + i);
        uint64_t v[BSP_WORDS];
        memcpy(v, model[i], sizeof v);
        int k = (int)test_rng_below(&r, 6);
        for (int j = 0; j < k; j++) v[test_rng_below(&r, BSP_WORDS)] ^= test_rng_next(&r);
        if (test_rng_below(&r, 10) == 0) memcpy(v, base[a], sizeof v); /* back to the base */
        bsp_delta d;
        bsp_delta_compute(&d, model[i], v);
        if (test_rng_below(&r, 2)) {
            CHECK_OK(cache_record_write(&c, a, v, NULL));
        } else {
            CHECK_OK(cache_record_delta(&c, a, &d));
        }
        bsp_delta_compose(&shadow[i], &shadow[i], &d);
        bsp_delta got_e;
        cache_entry_get(&c, a, &got_e);
        CHECK(bsp_delta_equal(&got_e, &shadow[i]));
        memcpy(model[i], v, sizeof v);
        if (step % 500 == 499) {
            cache_apply_all(&c);
            for (int j = 0; j < N; j++) bsp_delta_zero(&shadow[j]);
        }
        uint64_t got[BSP_WORDS];
        cache_visible(&c, a, got);
        CHECK(memcmp(got, model[i], sizeof got) == 0);
        CHECK_EQ_U(cache_is_dirty(&c, a), memcmp(base[a], model[i], BSP_BYTES) != 0);
    }
    size_t bytes = 0, dirty = 0;
    for (int i = 0; i < N; i++)
        if (c.entries[0x8100 + i]) dirty++, bytes += 32 + 8 * (size_t)c.entries[0x8100 + i]->nnz;
    CHECK_EQ_U(c.dirty_count, dirty);
    CHECK_EQ_U(c.cached_bytes, bytes);
    cache_destroy(&c);
}

/* cache_diff (both forms) equals bsp_delta_compute(visible, v) for entries and records with
 * every density: no entry, sparse and full entries, records equal to the visible value, to
 * the base, and differing in single words, whole blocks or everywhere. */
static void test_diff(void)
{
    space_cache c;
    setup(&c);
    test_rng r;
    test_rng_seed(&r, 4242);
    uint16_t a = 0x9001;
    occ[a >> 6] |= 1ull << (a & 63);
    bool avx512 = fp_kernel_by_name("avx512") != NULL;
    for (int step = 0; step < 2000; step++) {
        if (step % 50 == 0) { /* a fresh base, entry emptied */
            cache_drop(&c, a);
            for (int w = 0; w < BSP_WORDS; w++) base[a][w] = step % 100 ? test_rng_next(&r) : 0;
        }
        uint64_t vis[BSP_WORDS], v[BSP_WORDS];
        cache_visible(&c, a, vis);
        memcpy(v, vis, sizeof v);
        switch (test_rng_below(&r, 5)) {
        case 0: break; /* unchanged */
        case 1: memcpy(v, base[a], sizeof v); break;
        case 2: for (int j = 0; j < 1 + (int)test_rng_below(&r, 4); j++) v[test_rng_below(&r, BSP_WORDS)] ^= test_rng_next(&r); break;
        case 3: { int b = (int)test_rng_below(&r, 32); for (int w = 8 * b; w < 8 * b + 8; w++) v[w] = test_rng_next(&r); } break;
        default: for (int w = 0; w < BSP_WORDS; w++) if (test_rng_below(&r, 3)) v[w] = test_rng_next(&r);
        }
        bsp_delta want, got;
        bsp_delta_compute(&want, vis, v);
        memset(&got, 0xAB, sizeof got);
        cache_diff(&c, a, v, &got);
        memset(got.words + got.nnz, 0, 8 * (size_t)(BSP_WORDS - got.nnz));
        CHECK(bsp_delta_equal(&got, &want));
        const cache_entry *e = c.entries[a];
        for (int form = 0; form < (avx512 ? 2 : 1); form++) {
            memset(&got, 0xCD, sizeof got);
            got.nnz = (form ? cache_diff_avx512 : cache_diff_portable)(base[a], e ? e->bitmap : NULL,
                                                                      e ? e->words : NULL, v, got.bitmap, got.words);
            memset(got.words + got.nnz, 0, 8 * (size_t)(BSP_WORDS - got.nnz));
            CHECK(bsp_delta_equal(&got, &want));
        }
        CHECK_OK(cache_record_write(&c, a, v, NULL)); /* the entry grows and shrinks */
    }
    cache_destroy(&c);
}

int main(void)
{
    base = calloc(65536, BSP_BYTES);
    RUN(test_vector_18_8);
    RUN(test_unoccupied_is_error);
    RUN(test_should_flush_and_apply);
    RUN(test_model);
    RUN(test_diff);
    free(base);
    return test_finish();
}
