/* Pieces the benchmarks share: wall-clock milliseconds, the median of a sample, and the
 * plain memory-read pass (every byte of a record array loaded once, OR-reduced with 64-byte
 * loads, split over threads) that search benchmarks report as the floor of one full pass. */
#ifndef BSP_BENCH_UTIL_H
#define BSP_BENCH_UTIL_H

#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "bindspace/fp.h"

static inline double bench_wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v. */
static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return v[n / 2];
}

typedef struct bench_readjob {
    const uint64_t *p;
    size_t words;
    uint64_t out;
} bench_readjob;

__attribute__((target("avx512f"))) static inline uint64_t bench_read_avx512(const uint64_t *p, size_t words)
{
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i + 32 <= words; i += 32) {
        a0 = _mm512_or_si512(a0, _mm512_load_si512(p + i));
        a1 = _mm512_or_si512(a1, _mm512_load_si512(p + i + 8));
        a2 = _mm512_or_si512(a2, _mm512_load_si512(p + i + 16));
        a3 = _mm512_or_si512(a3, _mm512_load_si512(p + i + 24));
    }
    a0 = _mm512_or_si512(_mm512_or_si512(a0, a1), _mm512_or_si512(a2, a3));
    return (uint64_t)_mm512_reduce_or_epi64(a0);
}

static inline void *bench_read_main(void *arg)
{
    bench_readjob *j = arg;
    if (__builtin_cpu_supports("avx512f")) {
        j->out = bench_read_avx512(j->p, j->words);
        return NULL;
    }
    uint64_t a[8] = {0};
    for (size_t i = 0; i + 8 <= j->words; i += 8)
        for (int k = 0; k < 8; k++) a[k] |= j->p[i + k];
    j->out = a[0] | a[1] | a[2] | a[3] | a[4] | a[5] | a[6] | a[7];
    return NULL;
}

/* Best of reps: ms to read n records (64-byte aligned) on `threads` threads (1..8), timed
 * with clock_ms. */
static inline double bench_read_pass(const uint64_t *recs, size_t n, int threads, int reps,
                              double (*clock_ms)(void))
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        bench_readjob jobs[8];
        pthread_t t[8];
        double t0 = clock_ms();
        for (int i = 0; i < threads; i++) {
            size_t a = n * (size_t)i / (size_t)threads, b = n * (size_t)(i + 1) / (size_t)threads;
            jobs[i] = (bench_readjob){recs + a * BSP_WORDS, (b - a) * BSP_WORDS, 0};
            if (i) pthread_create(&t[i], NULL, bench_read_main, &jobs[i]);
        }
        bench_read_main(&jobs[0]);
        for (int i = 1; i < threads; i++) pthread_join(t[i], NULL);
        double ms = clock_ms() - t0;
        volatile uint64_t sink = jobs[0].out;
        (void)sink;
        if (ms < best) best = ms;
    }
    return best;
}

#endif
