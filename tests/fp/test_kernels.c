/* Equivalence tests for the distance kernels (src/fp/kernels.h): every table this CPU can run
 * against an independent bit-by-bit reference written here, on random records (fixed seed) and
 * edge cases; the spec's distance, isqrt and cascade vectors (§18.6, §18.11); the bundle against
 * its naive definition; the public layer's error rules. */
#include "test.h"

#include "bindspace/error.h"
#include "bindspace/fp.h"
#include "fp/kernels.h"

static const fp_kernel *ks[8];
static size_t nk;

/* ---- reference definitions (bit by bit, no popcount) ------------------------------------ */
static uint32_t ref_bits(uint64_t x)
{
    uint32_t n = 0;
    for (int i = 0; i < 64; i++) n += (uint32_t)(x >> i & 1);
    return n;
}
static uint32_t ref_range(const uint64_t *a, const uint64_t *b, unsigned from, unsigned to)
{
    uint32_t d = 0;
    for (unsigned w = from; w < to; w++) d += ref_bits(a[w] ^ b[w]);
    return d;
}
static uint32_t ref_mask(const uint64_t *a, const uint64_t *b, uint16_t mask)
{
    uint32_t d = 0;
    for (unsigned k = 0; k < 16; k++)
        if (mask >> k & 1) d += ref_range(a, b, 16 * k, 16 * k + 16);
    return d;
}
static uint32_t ref_stage(const uint64_t *a, const uint64_t *b, uint16_t mask, int stage)
{
    uint32_t d = 0;
    for (unsigned k = 0; k < 16; k++)
        if (mask >> k & 1)
            for (unsigned j = 0; j < 16; j += (stage == FP_STAGE1 ? 16 : 4))
                d += ref_bits(a[16 * k + j] ^ b[16 * k + j]);
    return d;
}

/* ---- record helpers ----------------------------------------------------------------------- */
static test_rng rng;
static void rand_rec(uint64_t *r)
{
    for (int w = 0; w < 256; w++) r[w] = test_rng_next(&rng);
}
/* Random record with a chosen density: close records exercise small distances. */
static void near_rec(uint64_t *r, const uint64_t *base, unsigned flips)
{
    for (int w = 0; w < 256; w++) r[w] = base[w];
    for (unsigned i = 0; i < flips; i++) {
        unsigned bit = (unsigned)test_rng_below(&rng, 16384);
        r[bit / 64] ^= 1ull << (bit % 64);
    }
}

/* 64-byte-aligned pool; offset (in words) makes unaligned pointers on purpose. */
static uint64_t *pool_alloc(size_t words)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, (words + 16) * sizeof(uint64_t))) abort();
    memset(p, 0, (words + 16) * sizeof(uint64_t));
    return p;
}

/* Checks every kernel on one pair, every interesting mask and range. */
static void check_pair(const uint64_t *a, const uint64_t *b)
{
    static const uint16_t fixed[] = {0xFFFF, 0x1FFF, 0xE000, 0x0001, 0x8000, 0x2000, 0x5555,
                                     0xAAAA, 0x0F0F, 0x8001, 0x7FFE, 0x1000, 0x00F0, 0xFF00};
    for (size_t i = 0; i < nk; i++) {
        const fp_kernel *k = ks[i];
        CHECK_EQ_U(k->dist_range(a, b, 0, 256), ref_range(a, b, 0, 256));
        CHECK_EQ_U(k->dist_range(a, b, 0, 208), ref_range(a, b, 0, 208));
        for (int j = 0; j < 8; j++) {
            unsigned f = (unsigned)test_rng_below(&rng, 257), t = (unsigned)test_rng_below(&rng, 257);
            if (f > t) { unsigned s = f; f = t; t = s; }
            CHECK_EQ_U(k->dist_range(a, b, f, t), ref_range(a, b, f, t));
        }
        for (size_t m = 0; m < sizeof fixed / sizeof fixed[0]; m++) {
            uint16_t mask = fixed[m];
            uint32_t d = ref_mask(a, b, mask);
            CHECK_EQ_U(k->dist_mask(a, b, mask), d);
            CHECK_EQ_U(k->dist_stage(a, b, mask, FP_STAGE1), ref_stage(a, b, mask, FP_STAGE1));
            CHECK_EQ_U(k->dist_stage(a, b, mask, FP_STAGE2), ref_stage(a, b, mask, FP_STAGE2));
            /* thresholds right at the boundary */
            CHECK_EQ_U(k->dist_within(a, b, mask, d), d);
            CHECK_EQ_U(k->dist_within(a, b, mask, UINT32_MAX), d);
            if (d > 0) {
                uint32_t p = k->dist_within(a, b, mask, d - 1);
                CHECK(p > d - 1 && p <= d);
                p = k->dist_within(a, b, mask, 0);
                CHECK(p > 0 && p <= d);
            }
        }
        uint16_t mask = (uint16_t)(test_rng_next(&rng) | 1);
        CHECK_EQ_U(k->dist_mask(a, b, mask), ref_mask(a, b, mask));
        uint32_t pa = 0;
        for (int w = 0; w < 256; w++) pa += ref_bits(a[w]);
        CHECK_EQ_U(k->popcount(a), pa);
    }
}

static void test_dispatch(void)
{
    CHECK(nk >= 1);
    CHECK(fp_kernel_by_name("portable") == &fp_kernel_portable);
    CHECK(fp_kernel_by_name("nonsense") == NULL);
    const fp_kernel *act = fp_kernel_active();
    int found = 0;
    for (size_t i = 0; i < nk; i++) found |= ks[i] == act;
    CHECK(found);
    CHECK_STR(bsp_fp_kernel_name(), act->name);
    CHECK(ks[nk - 1] == &fp_kernel_portable); /* best first, portable last */
    const char *env = getenv("BSP_KERNEL");
    if (!env || !*env) CHECK(act == ks[0]); /* no override: the best one */
    printf("kernels:");
    for (size_t i = 0; i < nk; i++) printf(" %s%s", ks[i]->name, ks[i] == act ? "*" : "");
    printf("\n");
    if (fp_kernel_by_name("avx512")) CHECK(fp_kernel_by_name("avx512") == fp_kernel_by_name("avx512-vpopcntdq"));
}

static void test_spec_vectors(void) /* §18.6 */
{
    uint64_t *a = pool_alloc(256), *b = pool_alloc(256), *ones = pool_alloc(256);
    b[0] = 0xFFFF;
    b[210] = ~0ull;
    for (int w = 0; w < 256; w++) ones[w] = ~0ull;
    for (size_t i = 0; i < nk; i++) {
        const fp_kernel *k = ks[i];
        CHECK_EQ_U(k->dist_range(a, b, 0, 256), 80);
        CHECK_EQ_U(k->dist_range(a, b, 0, 208), 16);
        CHECK_EQ_U(k->dist_mask(a, b, 0x2000), 64);
        CHECK_EQ_U(k->dist_mask(a, b, BSP_MASK_SCHEMA), 64);
        CHECK_EQ_U(k->dist_range(a, ones, 0, 256), 16384);
        CHECK_EQ_U(k->dist_range(a, ones, 0, 208), 13312);
        CHECK(k->dist_within(a, ones, BSP_MASK_ALL, 100) > 100);
    }
    uint32_t d = 7;
    CHECK_EQ_U(bsp_fp_hamming(a, b), 80);
    CHECK_EQ_U(bsp_fp_semantic(a, b), 16);
    CHECK_OK(bsp_fp_masked(a, b, 0x2000, &d));
    CHECK_EQ_U(d, 64);
    CHECK_OK(bsp_fp_masked(a, b, BSP_MASK_SCHEMA, &d));
    CHECK_EQ_U(d, 64);
    CHECK_EQ_U(bsp_fp_hamming(a, ones), 16384);
    CHECK_EQ_U(bsp_fp_semantic(a, ones), 13312);
    d = 7;
    CHECK_EQ_I(bsp_fp_masked_within(a, ones, BSP_MASK_ALL, 100, &d), 0);
    CHECK_EQ_U(d, 7); /* untouched on "none" */
    CHECK_EQ_I(bsp_fp_masked_within(a, b, BSP_MASK_ALL, 80, &d), 1);
    CHECK_EQ_U(d, 80);
    CHECK_EQ_I(bsp_fp_masked_within(a, b, BSP_MASK_ALL, 79, &d), 0);
    CHECK_ERR(bsp_fp_masked(a, b, 0, &d), BSP_EINVAL, "mask 0");
    CHECK_ERR(bsp_fp_masked_within(a, b, 0, 5, &d), BSP_EINVAL, "mask 0");
    CHECK_EQ_U(bsp_fp_popcount(ones), 16384);
    CHECK_EQ_U(bsp_fp_popcount(b), 80);
    CHECK_EQ_I(bsp_mask_blocks(BSP_MASK_SEMANTIC), 13);
    CHECK(bsp_similarity(8192, BSP_MASK_ALL) == 0.5);
    free(a);
    free(b);
    free(ones);
}

static void test_isqrt(void)
{
    CHECK_EQ_U(bsp_isqrt(4096), 64);
    CHECK_EQ_U(bsp_isqrt(3328), 57);
    CHECK_EQ_U(bsp_isqrt(20000), 141);
    CHECK_EQ_U(bsp_isqrt(0), 0);
    CHECK_EQ_U(bsp_isqrt(1), 1);
    CHECK_EQ_U(bsp_isqrt(UINT64_MAX), 4294967295u);
    for (int i = 0; i < 20000; i++) {
        uint64_t n = i < 10000 ? (uint64_t)i : test_rng_next(&rng) >> (test_rng_below(&rng, 64));
        unsigned __int128 x = bsp_isqrt(n);
        CHECK(x * x <= n && (x + 1) * (x + 1) > n);
    }
}

static void test_cascade_vector(void) /* §18.11 */
{
    uint64_t *q = pool_alloc(256), *x = pool_alloc(256);
    for (int w = 0; w <= 192; w += 16) x[w] = ~0ull;
    for (size_t i = 0; i < nk; i++) {
        CHECK_EQ_U(ks[i]->dist_mask(q, x, BSP_MASK_SEMANTIC), 832);
        CHECK_EQ_U(ks[i]->dist_stage(q, x, BSP_MASK_SEMANTIC, FP_STAGE1), 832);
        CHECK_EQ_U(ks[i]->dist_stage(q, x, BSP_MASK_SEMANTIC, FP_STAGE2), 832);
        uint32_t out[2] = {1, 1};
        ks[i]->dist_stage_many(q, x, 1, 256, BSP_MASK_SEMANTIC, FP_STAGE1, out);
        CHECK_EQ_U(out[0], 832);
        CHECK_EQ_U(out[1], 1);
    }
    free(q);
    free(x);
}

static void test_edge_records(void)
{
    uint64_t *z = pool_alloc(256), *o = pool_alloc(256), *s = pool_alloc(256), *r = pool_alloc(256);
    for (int w = 0; w < 256; w++) o[w] = ~0ull;
    rand_rec(r);
    check_pair(z, z);
    check_pair(z, o);
    check_pair(o, o);
    check_pair(r, o);
    check_pair(r, z);
    for (int w = 0; w < 256; w++) { /* a single bit at each word, at varying positions */
        memset(s, 0, 2048);
        s[w] = 1ull << ((unsigned)w * 7 % 64);
        check_pair(z, s);
        check_pair(s, o);
        s[w] = 1ull << 63;
        check_pair(s, z);
    }
    free(z); free(o); free(s); free(r);
}

static void test_random_pairs(void)
{
    uint64_t *buf = pool_alloc(1024);
    for (int it = 0; it < 300; it++) {
        /* unaligned: start anywhere in the first 8 words of the pool */
        uint64_t *a = buf + test_rng_below(&rng, 8), *b = buf + 512 + test_rng_below(&rng, 8);
        rand_rec(a);
        if (it % 3 == 0) near_rec(b, a, (unsigned)test_rng_below(&rng, 200));
        else rand_rec(b);
        check_pair(a, b);
    }
    free(buf);
}

static void test_single_block_masks(void)
{
    uint64_t *a = pool_alloc(256), *b = pool_alloc(256);
    rand_rec(a);
    rand_rec(b);
    for (size_t i = 0; i < nk; i++) {
        for (unsigned k = 0; k < 16; k++) {
            uint16_t m = (uint16_t)(1u << k);
            uint32_t d = ref_range(a, b, 16 * k, 16 * k + 16);
            CHECK_EQ_U(ks[i]->dist_mask(a, b, m), d);
            CHECK_EQ_U(ks[i]->dist_within(a, b, m, d), d);
            CHECK(ks[i]->dist_within(a, b, m, d - 1) == d); /* one block: stops only at the end */
        }
        for (int j = 0; j < 500; j++) {
            uint16_t m = (uint16_t)test_rng_next(&rng);
            if (!m) continue;
            uint32_t d = ref_mask(a, b, m);
            CHECK_EQ_U(ks[i]->dist_mask(a, b, m), d);
            CHECK_EQ_U(ks[i]->dist_within(a, b, m, d), d);
            uint32_t p = ks[i]->dist_within(a, b, m, d / 2);
            CHECK(p > d / 2 && p <= d);
        }
    }
    free(a);
    free(b);
}

static void test_many(void)
{
    static const size_t counts[] = {0, 1, 2, 3, 5, 7, 16, 17, 33};
    static const size_t strides[] = {256, 257, 264, 300};
    static const uint16_t masks[] = {0xFFFF, 0x1FFF, 0xE000, 0x0001, 0x8421, 0x7FFE};
    size_t maxn = 33, maxs = 300;
    uint64_t *pool = pool_alloc(maxn * maxs + 8), *q = pool_alloc(256 + 8);
    uint32_t out[40], want[40];
    for (size_t ci = 0; ci < sizeof counts / sizeof counts[0]; ci++)
        for (size_t si = 0; si < sizeof strides / sizeof strides[0]; si++) {
            size_t n = counts[ci], stride = strides[si];
            uint64_t *recs = pool + (ci + si) % 3, *qq = q + si % 2;
            rand_rec(qq);
            for (size_t i = 0; i < n; i++) {
                if (i % 2) near_rec(recs + i * stride, qq, (unsigned)test_rng_below(&rng, 3000));
                else rand_rec(recs + i * stride);
            }
            for (size_t mi = 0; mi < sizeof masks / sizeof masks[0]; mi++) {
                uint16_t m = masks[mi];
                for (size_t i = 0; i < n; i++) want[i] = ref_mask(qq, recs + i * stride, m);
                /* thresholds: none pass, early exits at every stage, boundaries, all pass */
                uint32_t ts[] = {0, 1, 700, 1024, 2500, 4000, 6000, 6485, 7000, 9000, 15000, UINT32_MAX,
                                 n ? want[n / 2] : 5, n ? want[n / 2] - 1 : 6, n ? want[0] : 7};
                for (size_t k = 0; k < nk; k++) {
                    for (size_t i = 0; i < 40; i++) out[i] = 0xDEADBEEF;
                    ks[k]->dist_many(qq, recs, n, stride, m, out);
                    for (size_t i = 0; i < n; i++) CHECK_EQ_U(out[i], want[i]);
                    CHECK_EQ_U(out[n], 0xDEADBEEF);
                    for (size_t ti = 0; ti < sizeof ts / sizeof ts[0]; ti++) {
                        uint32_t t = ts[ti];
                        size_t hits = ks[k]->dist_many_within(qq, recs, n, stride, m, t, out), h = 0;
                        for (size_t i = 0; i < n; i++) {
                            h += want[i] <= t;
                            if (want[i] <= t) CHECK_EQ_U(out[i], want[i]);
                            else CHECK(out[i] > t && out[i] <= want[i]);
                            CHECK_EQ_U(ks[k]->dist_within(qq, recs + i * stride, m, t) <= t, want[i] <= t);
                        }
                        CHECK_EQ_U(hits, h);
                        CHECK_EQ_U(out[n], 0xDEADBEEF);
                    }
                    for (int st = FP_STAGE1; st <= FP_STAGE2; st++) {
                        ks[k]->dist_stage_many(qq, recs, n, stride, m, st, out);
                        for (size_t i = 0; i < n; i++) CHECK_EQ_U(out[i], ref_stage(qq, recs + i * stride, m, st));
                        CHECK_EQ_U(out[n], 0xDEADBEEF);
                    }
                }
            }
        }
    free(pool);
    free(q);
}

static void test_batch(void)
{
    static const size_t nqs[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17};
    static const size_t ns[] = {0, 1, 2, 3, 9, 33, 70}; /* 33, 70: several record tiles */
    static const uint16_t masks[] = {0xFFFF, 0x1FFF, 0xE000, 0x0010, 0x8421};
    const size_t stride = 260, ldo = 71;
    uint64_t *recs = pool_alloc(70 * stride + 8) + 1, *qbuf = pool_alloc(17 * 257 + 8);
    const uint64_t *qs[17];
    for (size_t j = 0; j < 17; j++) {
        qs[j] = qbuf + j * 257; /* odd query spacing: unaligned queries */
        rand_rec(qbuf + j * 257);
    }
    static uint32_t out[17 * 71];
    for (size_t a = 0; a < sizeof nqs / sizeof nqs[0]; a++)
        for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++) {
            size_t nq = nqs[a], n = ns[b];
            for (size_t i = 0; i < n; i++) {
                if (i % 3 == 1 && nq) near_rec(recs + i * stride, qs[i % nq], 500);
                else rand_rec(recs + i * stride);
            }
            for (size_t mi = 0; mi < sizeof masks / sizeof masks[0]; mi++)
                for (size_t k = 0; k < nk; k++) {
                    for (size_t i = 0; i < 17 * 71; i++) out[i] = 0xDEADBEEF;
                    ks[k]->dist_batch(qs, nq, recs, n, stride, masks[mi], out, ldo);
                    for (size_t j = 0; j < 17; j++)
                        for (size_t i = 0; i < ldo; i++) {
                            if (j < nq && i < n) CHECK_EQ_U(out[j * ldo + i], ref_mask(qs[j], recs + i * stride, masks[mi]));
                            else CHECK_EQ_U(out[j * ldo + i], 0xDEADBEEF);
                        }
                }
        }
    free(recs - 1);
    free(qbuf);
}

static void test_xor(void)
{
    uint64_t *a = pool_alloc(256), *b = pool_alloc(256), *o = pool_alloc(256 + 1), *c = pool_alloc(256);
    for (size_t k = 0; k < nk; k++) {
        rand_rec(a);
        rand_rec(b);
        ks[k]->xor_rec(o + 1, a, b);
        for (int w = 0; w < 256; w++) CHECK_EQ_U(o[1 + w], a[w] ^ b[w]);
        memcpy(c, a, 2048);
        ks[k]->xor_rec(c, c, b); /* out aliases a */
        for (int w = 0; w < 256; w++) CHECK_EQ_U(c[w], a[w] ^ b[w]);
        ks[k]->xor_rec(c, a, c); /* out aliases b: a ^ (a ^ b) = b */
        CHECK(memcmp(c, b, 2048) == 0);
    }
    bsp_fp_xor(o, a, a);
    for (int w = 0; w < 256; w++) CHECK_EQ_U(o[w], 0);
    free(a); free(b); free(o); free(c);
}

static void ref_bundle(uint64_t *out, const uint64_t *const *in, size_t n)
{
    for (int w = 0; w < 256; w++) {
        uint64_t word = 0;
        for (int bit = 0; bit < 64; bit++) {
            size_t c = 0;
            for (size_t i = 0; i < n; i++) c += in[i][w] >> bit & 1;
            if (2 * c > n) word |= 1ull << bit;
        }
        out[w] = word;
    }
}

static void test_bundle(void)
{
    static const size_t ns[] = {1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 48, 63, 64, 65, 128, 129};
    uint64_t *buf = pool_alloc(129 * 257), *want = pool_alloc(256), *got = pool_alloc(257);
    const uint64_t *in[129];
    for (size_t i = 0; i < 129; i++) {
        in[i] = buf + i * 257;
        /* biased inputs so counts land near n/2 and exercise ties */
        for (int w = 0; w < 256; w++) buf[i * 257 + w] = test_rng_next(&rng) & (w % 2 ? ~0ull : test_rng_next(&rng) | test_rng_next(&rng));
    }
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++) {
        size_t n = ns[a];
        ref_bundle(want, in, n);
        for (size_t k = 0; k < nk; k++) {
            ks[k]->bundle(got + 1, in, n);
            CHECK(memcmp(got + 1, want, 2048) == 0);
        }
        CHECK_OK(bsp_fp_bundle(got, in, n));
        CHECK(memcmp(got, want, 2048) == 0);
    }
    /* n = 1 is the identity; n = 2 keeps only the bits both have (ties clear) */
    CHECK_OK(bsp_fp_bundle(got, in, 1));
    CHECK(memcmp(got, in[0], 2048) == 0);
    CHECK_OK(bsp_fp_bundle(got, in, 2));
    for (int w = 0; w < 256; w++) CHECK_EQ_U(got[w], in[0][w] & in[1][w]);
    /* n = 3 is bitwise majority */
    CHECK_OK(bsp_fp_bundle(got, in, 3));
    for (int w = 0; w < 256; w++)
        CHECK_EQ_U(got[w], (in[0][w] & in[1][w]) | (in[0][w] & in[2][w]) | (in[1][w] & in[2][w]));
    /* out aliasing an input */
    uint64_t *alias = pool_alloc(256);
    memcpy(alias, in[1], 2048);
    const uint64_t *in3[3] = {in[0], alias, in[2]};
    ref_bundle(want, in3, 3);
    for (size_t k = 0; k < nk; k++) {
        memcpy(alias, in[1], 2048);
        ks[k]->bundle(alias, in3, 3);
        CHECK(memcmp(alias, want, 2048) == 0);
    }
    CHECK_ERR(bsp_fp_bundle(got, in, 0), BSP_EINVAL, "at least one");
    free(alias);
    free(buf); free(want); free(got);
}

int main(void)
{
    test_rng_seed(&rng, 0x6b65726e656c73ull);
    nk = fp_kernel_list(ks, 8);
    RUN(test_dispatch);
    RUN(test_spec_vectors);
    RUN(test_isqrt);
    RUN(test_cascade_vector);
    RUN(test_edge_records);
    RUN(test_random_pairs);
    RUN(test_single_block_masks);
    RUN(test_many);
    RUN(test_batch);
    RUN(test_xor);
    RUN(test_bundle);
    return test_finish();
}
