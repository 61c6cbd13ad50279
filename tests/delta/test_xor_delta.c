/* XorDelta (spec §10): the conformance vector 18.7, algebraic properties on random records
 * (fixed seed), the strict wire decoder, and the per-record chain. */
#include "bindspace/delta.h"
#include "bindspace/error.h"
#include "test.h"

#include <dirent.h>

static uint64_t A[BSP_WORDS], B[BSP_WORDS], C[BSP_WORDS], T[BSP_WORDS];

static void hex_to_bytes(const char *hex, uint8_t *out, size_t *n)
{
    size_t k = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') { p++; continue; }
        unsigned v;
        sscanf(p, "%2x", &v);
        out[k++] = (uint8_t)v;
        p += 2;
    }
    *n = k;
}

/* Random record: each word zero with probability 1/2 (sparse and dense mixes), else random. */
static void random_record(test_rng *r, uint64_t *x, unsigned zero_pct)
{
    for (int w = 0; w < BSP_WORDS; w++)
        x[w] = test_rng_below(r, 100) < zero_pct ? 0 : test_rng_next(r);
}

/* The canonical-tail invariant: entries past nnz are zero. */
static int tail_zero(const bsp_delta *d)
{
    for (int i = (int)d->nnz; i < BSP_WORDS; i++)
        if (d->words[i]) return 0;
    return 1;
}

static void test_vector_18_7(void)
{
    memset(A, 0, sizeof A);
    memset(B, 0, sizeof B);
    B[0] = 0xFF;
    B[65] = 0x0102030405060708ull;
    B[255] = 0x8000000000000000ull;
    bsp_delta d;
    bsp_delta_compute(&d, A, B);
    CHECK_EQ_U(d.nnz, 3);
    CHECK_EQ_U(d.bitmap[0], 1);
    CHECK_EQ_U(d.bitmap[1], 2);
    CHECK_EQ_U(d.bitmap[2], 0);
    CHECK_EQ_U(d.bitmap[3], 0x8000000000000000ull);
    CHECK_EQ_U(d.words[0], 0xFF);
    CHECK_EQ_U(d.words[1], 0x0102030405060708ull);
    CHECK_EQ_U(d.words[2], 0x8000000000000000ull);
    CHECK_EQ_U(d.words[3], 0); /* tail is canonical */
    CHECK_EQ_U(bsp_delta_hamming(&d), 22);
    CHECK_EQ_U(bsp_delta_compressed_bytes(&d), 56);
    CHECK(bsp_delta_compression_ratio(&d) == 0.02734375);
    CHECK(bsp_delta_sparsity(&d) == 0.98828125);
    CHECK(!bsp_delta_is_semantic_only(&d));
    CHECK(!bsp_delta_is_zero(&d));

    uint8_t want[64], got[BSP_DELTA_MAX_WIRE];
    size_t wn;
    hex_to_bytes("0100000000000000 0200000000000000 0000000000000000 0000000000000080 "
                 "ff00000000000000 0807060504030201 0000000000000080",
                 want, &wn);
    CHECK_EQ_U(wn, 56);
    int n = bsp_delta_encode(&d, got, sizeof got);
    CHECK_EQ_I(n, 56);
    CHECK(memcmp(got, want, 56) == 0);
    CHECK_ERR(bsp_delta_encode(&d, got, 55), BSP_ERANGE, "56 bytes needed");

    bsp_delta e;
    CHECK_OK(bsp_delta_decode(&e, want, 56));
    CHECK(bsp_delta_equal(&e, &d));

    /* compute(a, b) = compute(b, a); applying to a gives b */
    bsp_delta_compute(&e, B, A);
    CHECK(bsp_delta_equal(&e, &d));
    memcpy(T, A, sizeof T);
    bsp_delta_apply(T, &d);
    CHECK(memcmp(T, B, sizeof T) == 0);

    /* parts: words 0, 65 semantic; 255 schema */
    bsp_delta s, k;
    bsp_delta_semantic_part(&s, &d);
    bsp_delta_schema_part(&k, &d);
    CHECK_EQ_U(s.nnz, 2);
    CHECK_EQ_U(s.words[1], 0x0102030405060708ull);
    CHECK_EQ_U(s.bitmap[3], 0);
    CHECK(bsp_delta_is_semantic_only(&s));
    CHECK_EQ_U(k.nnz, 1);
    CHECK_EQ_U(k.words[0], 0x8000000000000000ull);
    CHECK_EQ_U(k.bitmap[0] | k.bitmap[1] | k.bitmap[2], 0);
    CHECK_EQ_U(k.words[1], 0);
}

static void test_ratios(void)
{
    /* nnz 0 / 1 / 2 / 50 / 256 -> 0.015625 / 0.01953125 / 0.0234375 / 0.2109375 / 1.015625 */
    const unsigned nnz[] = {0, 1, 2, 50, 256};
    const double ratio[] = {0.015625, 0.01953125, 0.0234375, 0.2109375, 1.015625};
    for (int i = 0; i < 5; i++) {
        uint64_t x[BSP_WORDS] = {0};
        for (unsigned w = 0; w < nnz[i]; w++) x[w] = 1;
        bsp_delta d;
        bsp_delta_from_words(&d, x);
        CHECK_EQ_U(d.nnz, nnz[i]);
        CHECK(bsp_delta_compression_ratio(&d) == ratio[i]);
        CHECK(bsp_delta_sparsity(&d) == 1.0 - nnz[i] / 256.0);
        CHECK_EQ_U(bsp_delta_hamming(&d), nnz[i]);
    }
    bsp_delta z;
    bsp_delta_zero(&z);
    uint8_t out[32];
    memset(out, 0xAA, sizeof out);
    CHECK_EQ_I(bsp_delta_encode(&z, out, sizeof out), 32);
    for (int i = 0; i < 32; i++) CHECK_EQ_U(out[i], 0);
    CHECK(bsp_delta_is_zero(&z));
    CHECK(bsp_delta_is_semantic_only(&z));
}

static void test_rejected(void)
{
    uint8_t buf[64] = {0};
    bsp_delta d;
    /* 31 bytes */
    CHECK_ERR(bsp_delta_decode(&d, buf, 31), BSP_EINVAL, "shorter than the 32-byte");
    CHECK_ERR(bsp_delta_decode(&d, buf, 0), BSP_EINVAL, "0 bytes");
    /* 40 bytes, bitmap popcount 2 (needs 48) */
    buf[0] = 0x03;
    buf[32] = 0x11;
    CHECK_ERR(bsp_delta_decode(&d, buf, 40), BSP_EINVAL, "2 changed words need 48 bytes");
    /* 40 bytes, bitmap bit 0 set, payload word 0 */
    memset(buf, 0, sizeof buf);
    buf[0] = 0x01;
    CHECK_ERR(bsp_delta_decode(&d, buf, 40), BSP_EINVAL, "payload word 0 (record word 0) is zero");
    /* the same with a non-zero payload decodes */
    buf[39] = 0x80;
    CHECK_OK(bsp_delta_decode(&d, buf, 40));
    CHECK_EQ_U(d.words[0], 0x8000000000000000ull);
    /* zero word in the middle names its record word */
    memset(buf, 0, sizeof buf);
    buf[0] = 0x01;
    buf[31] = 0x80; /* record word 255 */
    buf[32] = 7;
    CHECK_ERR(bsp_delta_decode(&d, buf, 48), BSP_EINVAL, "payload word 1 (record word 255)");
    /* 32 zero bytes is the zero delta; 33 bytes is not */
    memset(buf, 0, sizeof buf);
    CHECK_OK(bsp_delta_decode(&d, buf, 32));
    CHECK(bsp_delta_is_zero(&d));
    CHECK_ERR(bsp_delta_decode(&d, buf, 33), BSP_EINVAL, "length 33");
}

static void test_properties(void)
{
    test_rng r;
    test_rng_seed(&r, 0xde17a);
    static uint8_t wire[BSP_DELTA_MAX_WIRE];
    for (int iter = 0; iter < 300; iter++) {
        unsigned zp = (unsigned)(iter % 5) * 25; /* 0, 25, 50, 75, 100 % zero words */
        random_record(&r, A, 50);
        memcpy(B, A, sizeof B);
        memcpy(C, A, sizeof C);
        /* B and C are edits of A: each word changed with probability (100 - zp)% */
        for (int w = 0; w < BSP_WORDS; w++) {
            if (test_rng_below(&r, 100) >= zp) B[w] = test_rng_next(&r);
            if (test_rng_below(&r, 100) >= zp) C[w] = test_rng_next(&r) & 0xF0F0;
        }
        bsp_delta ab, ba, bc, ac, comp;
        bsp_delta_compute(&ab, A, B);
        bsp_delta_compute(&ba, B, A);
        CHECK(bsp_delta_equal(&ab, &ba));
        /* nnz is the number of differing words; hamming matches the distance */
        unsigned diff = 0;
        for (int w = 0; w < BSP_WORDS; w++) diff += A[w] != B[w];
        CHECK_EQ_U(ab.nnz, diff);
        CHECK_EQ_U(bsp_delta_hamming(&ab), bsp_fp_hamming(A, B));
        for (uint32_t i = 0; i < ab.nnz; i++) CHECK(ab.words[i] != 0);
        /* compute -> apply, apply twice = identity */
        memcpy(T, A, sizeof T);
        bsp_delta_apply(T, &ab);
        CHECK(memcmp(T, B, sizeof T) == 0);
        bsp_delta_apply(T, &ab);
        CHECK(memcmp(T, A, sizeof T) == 0);
        /* compose(A->B, B->C) = compute(A, C); compose aliasing its output */
        bsp_delta_compute(&bc, B, C);
        bsp_delta_compute(&ac, A, C);
        bsp_delta_compose(&comp, &ab, &bc);
        CHECK(bsp_delta_equal(&comp, &ac));
        bsp_delta_compose(&ab, &ab, &bc);
        CHECK(bsp_delta_equal(&ab, &ac));
        CHECK(tail_zero(&ab) && tail_zero(&bc) && tail_zero(&ba) && tail_zero(&comp));
        /* composing a delta with itself cancels */
        bsp_delta_compose(&comp, &bc, &bc);
        CHECK(bsp_delta_is_zero(&comp));
        /* expand -> from_words round trip, including in place */
        uint64_t x[BSP_WORDS];
        bsp_delta_expand(x, &bc);
        bsp_fp_xor(T, B, C);
        CHECK(memcmp(x, T, sizeof T) == 0);
        bsp_delta_from_words(&comp, x);
        CHECK(bsp_delta_equal(&comp, &bc));
        memcpy(comp.words, x, sizeof x);
        bsp_delta_from_words(&comp, comp.words);
        CHECK(bsp_delta_equal(&comp, &bc));
        /* semantic + schema parts partition the delta */
        bsp_delta sem, sch;
        bsp_delta_semantic_part(&sem, &bc);
        bsp_delta_schema_part(&sch, &bc);
        CHECK(bsp_delta_is_semantic_only(&sem));
        CHECK_EQ_U(sem.nnz + sch.nnz, bc.nnz);
        bsp_delta_compose(&comp, &sem, &sch);
        CHECK(bsp_delta_equal(&comp, &bc));
        for (int w = 0; w < BSP_SEM_WORDS; w++) T[w] = 0;
        bsp_delta_expand(x, &sch);
        CHECK(memcmp(x, T, sizeof T) == 0);
        bsp_delta_semantic_part(&comp, &bc); /* in place */
        bsp_delta_schema_part(&sem, &sem);   /* schema part of a semantic-only delta */
        CHECK(bsp_delta_is_zero(&sem));
        bsp_delta_schema_part(&sch, &bc);
        bsp_delta_semantic_part(&bc, &bc);
        CHECK(bsp_delta_equal(&comp, &bc));
        CHECK(tail_zero(&bc) && tail_zero(&sch) && tail_zero(&sem));
        /* encode -> decode round trip; every truncation and extension fails cleanly */
        int n = bsp_delta_encode(&ac, wire, sizeof wire);
        CHECK_EQ_I(n, (int)bsp_delta_compressed_bytes(&ac));
        bsp_delta back;
        CHECK_OK(bsp_delta_decode(&back, wire, (size_t)n));
        CHECK(bsp_delta_equal(&back, &ac));
        CHECK(tail_zero(&back));
        if (iter % 10 == 0) {
            for (int len = 0; len < n; len++)
                CHECK_ERR(bsp_delta_decode(&back, wire, (size_t)len), BSP_EINVAL, "delta wire");
        }
        if (n + 8 <= (int)sizeof wire) {
            memset(wire + n, 0x55, 8);
            CHECK_ERR(bsp_delta_decode(&back, wire, (size_t)n + 8), BSP_EINVAL, "does not match");
        }
        /* flipping a bitmap bit breaks the length rule */
        if (ac.nnz > 0 && ac.nnz < 256) {
            unsigned bit = (unsigned)test_rng_below(&r, 256);
            wire[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            CHECK_ERR(bsp_delta_decode(&back, wire, (size_t)n), BSP_EINVAL, "does not match");
        }
    }
}

static void test_decode_leaves_output_on_error(void)
{
    bsp_delta d;
    bsp_delta_zero(&d);
    d.nnz = 1;
    d.bitmap[0] = 4;
    d.words[0] = 9;
    bsp_delta keep = d;
    uint8_t buf[40] = {1};
    CHECK_ERR(bsp_delta_decode(&d, buf, 40), BSP_EINVAL, "zero");
    CHECK(bsp_delta_equal(&d, &keep));
}

static void test_chain(void)
{
    test_rng r;
    test_rng_seed(&r, 0xc4a1);
    static uint64_t versions[256][BSP_WORDS];
    random_record(&r, versions[0], 10);
    bsp_delta_chain *c;
    CHECK_OK(bsp_delta_chain_new(&c, versions[0]));
    CHECK_EQ_U(bsp_delta_chain_depth(c), 1);
    CHECK_EQ_U(bsp_delta_chain_compressed_bytes(c), 2048);
    CHECK(bsp_delta_chain_estimate_compression(c) == 1.0);
    bsp_delta_chain_reconstruct(c, 0, T);
    CHECK(memcmp(T, versions[0], sizeof T) == 0);
    bsp_delta_chain_reconstruct(c, 7, T);
    CHECK(memcmp(T, versions[0], sizeof T) == 0);

    size_t bytes = 2048;
    double sparsity_sum = 0;
    for (int v = 1; v < 256; v++) {
        memcpy(versions[v], versions[v - 1], sizeof versions[v]);
        unsigned edits = (unsigned)test_rng_below(&r, v % 17 == 0 ? 256 : 6);
        for (unsigned e = 0; e < edits; e++)
            versions[v][test_rng_below(&r, BSP_WORDS)] ^= test_rng_next(&r) | 1;
        bsp_delta d;
        bsp_delta_compute(&d, versions[v - 1], versions[v]);
        bytes += 32 + 8 * (size_t)d.nnz;
        sparsity_sum += 1.0 - d.nnz / 256.0;
        CHECK_OK(bsp_delta_chain_push(c, versions[v]));
        CHECK_EQ_U(bsp_delta_chain_depth(c), (unsigned)v + 1);
    }
    CHECK_EQ_U(bsp_delta_chain_compressed_bytes(c), bytes);
    double avg = sparsity_sum / 255.0, want = (1.0 + 255.0 * (1.0 - avg)) / 256.0;
    double got = bsp_delta_chain_estimate_compression(c);
    CHECK(got > want - 1e-12 && got < want + 1e-12);
    for (int v = 0; v < 256; v++) {
        bsp_delta_chain_reconstruct(c, (size_t)v, T);
        CHECK(memcmp(T, versions[v], sizeof T) == 0);
    }
    bsp_delta_chain_reconstruct(c, 100000, T);
    CHECK(memcmp(T, versions[255], sizeof T) == 0);
    /* the 257th version is refused and the chain is unchanged */
    CHECK_ERR(bsp_delta_chain_push(c, versions[0]), BSP_EFULL, "256 versions");
    CHECK_EQ_U(bsp_delta_chain_depth(c), 256);
    CHECK_EQ_U(bsp_delta_chain_compressed_bytes(c), bytes);
    bsp_delta_chain_free(c);
    bsp_delta_chain_free(NULL);
}

static void test_chain_small(void)
{
    /* two versions: an identical push is a zero delta, estimate = (1 + 1·(1 − 1)) / 2 */
    uint64_t z[BSP_WORDS] = {0};
    bsp_delta_chain *c;
    CHECK_OK(bsp_delta_chain_new(&c, z));
    CHECK_OK(bsp_delta_chain_push(c, z));
    CHECK_EQ_U(bsp_delta_chain_depth(c), 2);
    CHECK_EQ_U(bsp_delta_chain_compressed_bytes(c), 2048 + 32);
    CHECK(bsp_delta_chain_estimate_compression(c) == 0.5);
    /* third version changes 64 words: sparsities 1 and 0.75 -> avg 0.875,
     * estimate (1 + 2·0.125) / 3 */
    uint64_t x[BSP_WORDS] = {0};
    for (int w = 0; w < 64; w++) x[w * 4] = (uint64_t)w + 1;
    CHECK_OK(bsp_delta_chain_push(c, x));
    CHECK(bsp_delta_chain_estimate_compression(c) == (1.0 + 2.0 * (1.0 - 0.875)) / 3.0);
    CHECK_EQ_U(bsp_delta_chain_compressed_bytes(c), 2048 + 32 + 32 + 64 * 8);
    bsp_delta_chain_reconstruct(c, 1, T);
    CHECK(memcmp(T, z, sizeof T) == 0);
    bsp_delta_chain_reconstruct(c, 2, T);
    CHECK(memcmp(T, x, sizeof T) == 0);
    bsp_delta_chain_free(c);
}

/* Replay the fuzz seeds (fuzz/seeds/delta), so they also run under the sanitizers. */
static void replay_delta(const char *buf, size_t n)
{
    bsp_delta d;
    if (bsp_delta_decode(&d, (const uint8_t *)buf, n) == BSP_OK) {
        uint8_t out[BSP_DELTA_MAX_WIRE];
        CHECK_EQ_I(bsp_delta_encode(&d, out, sizeof out), (int)n);
        CHECK(memcmp(out, buf, n) == 0);
    } else {
        CHECK(bsp_errmsg()[0] != 0);
    }
}

static void test_fuzz_seeds(void)
{
    if (getenv("BSP_SOURCE_DIR")) CHECK(test_replay_seeds("delta", replay_delta) > 5);
}

int main(void)
{
    RUN(test_vector_18_7);
    RUN(test_ratios);
    RUN(test_rejected);
    RUN(test_properties);
    RUN(test_decode_leaves_output_on_error);
    RUN(test_chain);
    RUN(test_chain_small);
    RUN(test_fuzz_seeds);
    return test_finish();
}
