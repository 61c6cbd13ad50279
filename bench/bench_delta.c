/* Throughput of XorDelta (compute, apply, encode, decode, chain reconstruct) and of compiled
 * predicate evaluation, over fixed random records.
 * Usage: bench_delta [iterations]. Prints one line per operation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bindspace/delta.h"
#include "bindspace/predicate.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define NREC 256
static uint64_t recs[NREC][BSP_WORDS], edits[NREC][BSP_WORDS];

static void report(const char *what, long ops, double secs, unsigned long sink)
{
    printf("%-34s %12.0f ops/s  %8.1f ns/op  (sink %lu)\n", what, (double)ops / secs,
           secs * 1e9 / (double)ops, sink & 1);
}

static void bench_delta(const char *label, int changed, long iters)
{
    /* edits[i] = recs[i] with `changed` words modified */
    for (int i = 0; i < NREC; i++) {
        memcpy(edits[i], recs[i], sizeof edits[i]);
        for (int k = 0; k < changed; k++)
            edits[i][(k * 97 + i) % BSP_WORDS] ^= bsp_splitmix64((uint64_t)(i * 1000 + k)) | 1;
    }
    static bsp_delta d[NREC];
    static uint8_t wire[NREC][BSP_DELTA_MAX_WIRE];
    unsigned long sink = 0;
    char name[64];
    double t = now();
    for (long i = 0; i < iters; i++) {
        int j = (int)(i & (NREC - 1));
        bsp_delta_compute(&d[j], recs[j], edits[j]);
        sink += d[j].nnz;
    }
    snprintf(name, sizeof name, "delta_compute (%s)", label);
    report(name, iters, now() - t, sink);

    t = now();
    for (long i = 0; i < iters; i++) {
        int j = (int)(i & (NREC - 1));
        bsp_delta_apply(edits[j], &d[j]);
        sink += edits[j][0];
    }
    snprintf(name, sizeof name, "delta_apply (%s)", label);
    report(name, iters, now() - t, sink);

    int len[NREC];
    t = now();
    for (long i = 0; i < iters; i++) {
        int j = (int)(i & (NREC - 1));
        len[j] = bsp_delta_encode(&d[j], wire[j], sizeof wire[j]);
        sink += (unsigned long)len[j];
    }
    snprintf(name, sizeof name, "delta_encode (%s)", label);
    report(name, iters, now() - t, sink);

    t = now();
    for (long i = 0; i < iters; i++) {
        int j = (int)(i & (NREC - 1));
        sink += (unsigned long)bsp_delta_decode(&d[j], wire[j], (size_t)len[j]);
    }
    snprintf(name, sizeof name, "delta_decode (%s)", label);
    report(name, iters, now() - t, sink);
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 1000000;
    uint64_t x = 7;
    for (int i = 0; i < NREC; i++)
        for (int w = 0; w < BSP_WORDS; w++) recs[i][w] = bsp_splitmix64(x++);
    for (int i = 0; i < NREC; i++) recs[i][223] = (recs[i][223] & 0x00FFFFFFFFFFFFFFull) | 1ull << 56;

    bench_delta("4 words", 4, iters);
    bench_delta("64 words", 64, iters);
    bench_delta("256 words", 256, iters / 4);

    /* chain: 256 versions with 4-word edits; reconstruct the middle one */
    bsp_delta_chain *c;
    bsp_delta_chain_new(&c, recs[0]);
    uint64_t v[BSP_WORDS];
    memcpy(v, recs[0], sizeof v);
    for (int k = 1; k < 256; k++) {
        for (int e = 0; e < 4; e++) v[(k * 31 + e * 7) % BSP_WORDS] ^= bsp_splitmix64((uint64_t)k * 4 + (uint64_t)e) | 1;
        bsp_delta_chain_push(c, v);
    }
    unsigned long sink = 0;
    double t = now();
    long citers = iters / 100 + 1;
    for (long i = 0; i < citers; i++) {
        bsp_delta_chain_reconstruct(c, 128, v);
        sink += v[3];
    }
    report("chain_reconstruct(128 of 256)", citers, now() - t, sink);
    printf("chain of 256 versions, 4-word edits: %zu bytes (%.4f of 256 full records), estimate %.4f\n",
           bsp_delta_chain_compressed_bytes(c), (double)bsp_delta_chain_compressed_bytes(c) / (256.0 * 2048),
           bsp_delta_chain_estimate_compression(c));
    bsp_delta_chain_free(c);

    const char *preds[] = {
        "{\"nars\":{\"min_confidence\":0.5}}",
        "{\"ani\":{\"min_level\":3},\"nars\":{\"min_frequency\":0.2,\"min_priority\":0.1},"
        "\"graph\":{\"max_hop\":200},\"kind\":{\"kinds\":[0,1,2,3]},\"bloom\":{\"node_id\":42}}",
        "{\"rl\":{\"min_best_q\":0.1,\"min_avg_reward\":-0.5,\"positive_trend\":true}}",
    };
    for (size_t k = 0; k < sizeof preds / sizeof preds[0]; k++) {
        bsp_predicate *p;
        if (bsp_predicate_compile(preds[k], strlen(preds[k]), &p) < 0) return 1;
        unsigned long pass = 0;
        t = now();
        for (long i = 0; i < iters * 10; i++) pass += bsp_predicate_eval(p, recs[i & (NREC - 1)]);
        char name[64];
        snprintf(name, sizeof name, "predicate_eval [%s]", bsp_predicate_describe(p));
        report(name, iters * 10, now() - t, pass);
        bsp_predicate_free(p);
    }
    long citer = iters / 20 + 1;
    t = now();
    for (long i = 0; i < citer; i++) {
        bsp_predicate *p;
        sink += (unsigned long)bsp_predicate_compile(preds[1], strlen(preds[1]), &p);
        bsp_predicate_free(p);
    }
    report("predicate_compile (5 clauses)", citer, now() - t, sink);
    return 0;
}
