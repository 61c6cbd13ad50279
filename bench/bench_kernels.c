/* Benchmark of the distance kernels (src/fp/kernels.h), each figure next to a baseline measured
 * in the same run on the same memory.
 *
 *  1. Scan: one query against 65,536 records (128 MiB), mask ALL (hamming), single thread, in
 *     GB/s of records read, next to a plain memory-read baseline (the sum of all words of the same
 *     array: the fastest of a scalar 8-accumulator loop and, where the CPU has them, AVX2 and
 *     AVX-512 load+add loops), and the ratio.
 *  2. L2-resident: one query against 512 records (1 MiB; this CPU's L2 is 2 MiB per core) repeated,
 *     in million record pairs per second per core (mask ALL, and SEMANTIC), next to the read
 *     baseline on that buffer.
 *  3. Batched queries: Q = 8, 16, 64 queries per pass over the 128 MiB array (dist_batch), in
 *     pairs/s and GB/s-equivalent (Q × bytes / time, i.e. what Q separate scans would have had to
 *     read), next to Q separate dist_many scans.
 *  4. Cascade pieces, mask SEMANTIC, on L2-resident records (compute-bound) and, for the best
 *     kernel, on the 128 MiB array (memory-bound): full distance, stage-1 and stage-2 partial
 *     distances, dist_many_within with the threshold mu - 3 sigma.
 *  5. Majority bundle of 3, 64, 1,024 records per kernel, next to the per-bit counting loop.
 * Times are the thread's CPU time (see now()). Every figure is the best of REPS repetitions
 * (L2-resident figures: of 20 short samples per repetition, so that a busy machine still shows
 * its quiet moments).
 * Usage: bench_kernels [reps [sections]]; reps defaults to 5, sections (e.g. "35") to all of
 * 3, 4, 5 (1+2 always run). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bindspace/fp.h"
#include "fp/kernels.h"

#define NREC 65536u
#define L2REC 512u

/* Thread CPU time, not wall time: on a shared machine a 128 MiB scan is often preempted midway,
 * and the time spent waiting for a core is not the kernel's. On an idle machine the two agree. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t sm64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static volatile uint64_t sink;

/* ---- read baselines: the sum of all words ------------------------------------------------- */
static uint64_t read_scalar(const uint64_t *p, size_t words)
{
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (size_t i = 0; i < words; i += 8) {
        s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3];
        s4 += p[i + 4]; s5 += p[i + 5]; s6 += p[i + 6]; s7 += p[i + 7];
    }
    return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
}

#ifdef FP_HAVE_X86
#include <immintrin.h>
__attribute__((target("avx2"))) static uint64_t read_avx2(const uint64_t *p, size_t words)
{
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    for (size_t i = 0; i < words; i += 16) {
        a = _mm256_add_epi64(a, _mm256_loadu_si256((const __m256i *)(p + i)));
        b = _mm256_add_epi64(b, _mm256_loadu_si256((const __m256i *)(p + i + 4)));
        c = _mm256_add_epi64(c, _mm256_loadu_si256((const __m256i *)(p + i + 8)));
        d = _mm256_add_epi64(d, _mm256_loadu_si256((const __m256i *)(p + i + 12)));
    }
    uint64_t t[4];
    _mm256_storeu_si256((__m256i *)t, _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d)));
    return t[0] + t[1] + t[2] + t[3];
}
__attribute__((target("avx512f"))) static uint64_t read_avx512(const uint64_t *p, size_t words)
{
    __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
    for (size_t i = 0; i < words; i += 32) {
        a = _mm512_add_epi64(a, _mm512_loadu_si512(p + i));
        b = _mm512_add_epi64(b, _mm512_loadu_si512(p + i + 8));
        c = _mm512_add_epi64(c, _mm512_loadu_si512(p + i + 16));
        d = _mm512_add_epi64(d, _mm512_loadu_si512(p + i + 24));
    }
    return (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d)));
}
#endif

/* Effective core clock in this run, measured with the instructions the kernel uses: a chain of
 * dependent 512-bit VPADDQ (1 cycle each; 512-bit code may run below the scalar clock) when the
 * CPU has AVX-512, else dependent IMULs (3 cycles each; ADD with an immediate is no good, newer
 * cores fold it at rename). Best of 50 short runs. x86 only; 0 elsewhere. Used only to print
 * cycles per pair, which do not depend on how busy the machine is. */
#ifdef FP_HAVE_X86
__attribute__((target("avx512f"))) static double chain_zmm(long n)
{
    __m512i x = _mm512_set1_epi64(1), y = _mm512_set1_epi64(3);
    double t0 = now();
    for (long i = 0; i < n; i += 4)
        __asm__ volatile("vpaddq %1, %0, %0\n\tvpaddq %1, %0, %0\n\tvpaddq %1, %0, %0\n\tvpaddq %1, %0, %0"
                         : "+v"(x) : "v"(y));
    double t = now() - t0;
    sink += (uint64_t)_mm512_reduce_add_epi64(x);
    return t;
}
static double chain_imul(long n)
{
    uint64_t x = 3, y = 5;
    double t0 = now();
    for (long i = 0; i < n; i += 4)
        __asm__ volatile("imul %1, %0\n\timul %1, %0\n\timul %1, %0\n\timul %1, %0" : "+r"(x) : "r"(y));
    double t = now() - t0;
    sink += x;
    return t / 3.0;
}
#endif
static double est_ghz(void)
{
#ifdef FP_HAVE_X86
    const long n = 2000000;
    int zmm = fp_kernel_by_name("avx512") != NULL;
    double best = 1e30;
    for (int r = 0; r < 50; r++) {
        double t = zmm ? chain_zmm(n) : chain_imul(n);
        if (t < best) best = t;
    }
    return (double)n / best / 1e9;
#else
    return 0;
#endif
}

typedef uint64_t (*read_fn)(const uint64_t *, size_t);

/* Best time of reps of the fastest read loop this CPU has. */
static double read_baseline(const uint64_t *p, size_t words, int reps, int inner, const char **which)
{
    read_fn fns[3] = {read_scalar, NULL, NULL};
    const char *names[3] = {"scalar", "avx2", "avx512"};
#ifdef FP_HAVE_X86
    if (fp_kernel_by_name("avx2")) fns[1] = read_avx2;
    if (fp_kernel_by_name("avx512")) fns[2] = read_avx512;
#endif
    double best = 1e30;
    for (int f = 0; f < 3; f++) {
        if (!fns[f]) continue;
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            for (int i = 0; i < inner; i++) sink += fns[f](p, words);
            double t = (now() - t0) / inner;
            if (t < best) { best = t; *which = names[f]; }
        }
    }
    return best;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    const char *sections = argc > 2 ? argv[2] : "345";
    if (reps < 1) reps = 1;
    const size_t bytes = (size_t)NREC * BSP_BYTES, words = bytes / 8;
    uint64_t *recs = NULL, *q = NULL;
    if (posix_memalign((void **)&recs, 64, bytes) || posix_memalign((void **)&q, 64, 64 * BSP_BYTES)) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    uint64_t seed = 42;
    for (size_t i = 0; i < words; i++) recs[i] = sm64(&seed);
    for (size_t i = 0; i < 64 * BSP_WORDS; i++) q[i] = sm64(&seed);
    const uint64_t *qs[64];
    for (int j = 0; j < 64; j++) qs[j] = q + (size_t)j * BSP_WORDS;
    uint32_t *out = malloc((size_t)NREC * 64 * sizeof *out);
    if (!out) return 1;
    memset(out, 0, (size_t)NREC * 64 * sizeof *out);

    const fp_kernel *ks[8];
    size_t nk = fp_kernel_list(ks, 8);
    const double MB = 1e6, GB = 1e9;

    /* ---- 1 + 2: scan and L2-resident ---- */
    /* The read loop is chosen once (fastest of scalar/AVX2/AVX-512), then each repetition times
     * the baseline and every kernel back to back, so a noisy neighbour hits both alike. */
    const char *rname = "", *rname2 = "";
    const size_t l2words = (size_t)L2REC * BSP_WORDS;
    const int l2inner = 10, l2samples = 20; /* short samples, many of them: best-of finds quiet moments */
    read_baseline(recs, words, 2, 1, &rname);
    read_baseline(recs, l2words, 2, l2inner, &rname2);
    read_fn rf = read_scalar, rf2 = read_scalar;
#ifdef FP_HAVE_X86
    if (!strcmp(rname, "avx2")) rf = read_avx2;
    if (!strcmp(rname, "avx512")) rf = read_avx512;
    if (!strcmp(rname2, "avx2")) rf2 = read_avx2;
    if (!strcmp(rname2, "avx512")) rf2 = read_avx512;
#endif
    double tread = 1e30, tread2 = 1e30, tscan[8], tl2[8], tl2s[8];
    for (size_t k = 0; k < nk; k++) tscan[k] = tl2[k] = tl2s[k] = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now(), t;
        sink += rf(recs, words);
        if ((t = now() - t0) < tread) tread = t;
        for (int smp = 0; smp < l2samples; smp++) {
            t0 = now();
            for (int i = 0; i < l2inner; i++) sink += rf2(recs, l2words);
            if ((t = (now() - t0) / l2inner) < tread2) tread2 = t;
        }
        for (size_t k = 0; k < nk; k++) {
            t0 = now();
            ks[k]->dist_many(q, recs, NREC, BSP_WORDS, BSP_MASK_ALL, out);
            if ((t = now() - t0) < tscan[k]) tscan[k] = t;
            int inner = ks[k] == &fp_kernel_portable ? 1 : l2inner;
            for (int smp = 0; smp < l2samples; smp++) {
                t0 = now();
                for (int i = 0; i < inner; i++) ks[k]->dist_many(q, recs, L2REC, BSP_WORDS, BSP_MASK_ALL, out);
                if ((t = (now() - t0) / inner) < tl2[k]) tl2[k] = t;
                t0 = now();
                for (int i = 0; i < inner; i++) ks[k]->dist_many(q, recs, L2REC, BSP_WORDS, BSP_MASK_SEMANTIC, out);
                if ((t = (now() - t0) / inner) < tl2s[k]) tl2s[k] = t;
            }
            sink += out[7];
        }
    }
    double read_gbs = (double)bytes / tread / GB;
    double read2_gbs = (double)(l2words * 8) / tread2 / GB;
    double read2_mp = (double)L2REC / tread2 / MB;

    double ghz = est_ghz();
    printf("bench_kernels: best of %d (thread CPU time); active kernel %s; clock of %s code in this run ~%.2f GHz\n", reps,
           bsp_fp_kernel_name(), fp_kernel_by_name("avx512") ? "512-bit" : "scalar", ghz);
    printf("\n1+2. one query vs many records (dist_many), single thread\n");
    printf("  scan: %u records x 2 KiB = %zu MiB, mask ALL; L2-resident: %u records = %zu KiB (L2 is 2 MiB/core)\n",
           NREC, bytes >> 20, L2REC, (size_t)L2REC * BSP_BYTES >> 10);
    printf("  %-18s %9s %9s %6s | %11s %9s %9s | %12s\n", "kernel", "scan GB/s", "read GB/s", "ratio",
           "L2 Mpairs/s", "L2 GB/s", "read GB/s", "L2 SEM Mp/s");
    printf("  %-18s %9.2f %9s %6s | %11.1f %9.2f %9s | %12s   (sum of all words: %s / %s loop)\n",
           "read baseline", read_gbs, "", "1.00", read2_mp, read2_gbs, "", "", rname, rname2);
    for (size_t k = 0; k < nk; k++)
        printf("  %-18s %9.2f %9.2f %6.2f | %11.1f %9.2f %9.2f | %12.1f\n", ks[k]->name,
               (double)bytes / tscan[k] / GB, read_gbs, (double)bytes / tscan[k] / GB / read_gbs,
               (double)L2REC / tl2[k] / MB, (double)L2REC * BSP_BYTES / tl2[k] / GB, read2_gbs,
               (double)L2REC / tl2s[k] / MB);
    if (ghz > 0)
        printf("  (%s: %.1f cycles per 2 KiB pair L2-resident, %.2f per 64 bytes)\n", ks[0]->name,
               tl2[0] * ghz * 1e9 / L2REC, tl2[0] * ghz * 1e9 / L2REC / 32);

    /* ---- 3: batched queries ---- */
    if (strchr(sections, '3')) {
    const fp_kernel *kb = ks[0];
    printf("\n3. batched queries (dist_batch, kernel %s), mask ALL, %zu MiB array streamed once per pass\n",
           kb->name, bytes >> 20);
    printf("  %-8s %12s %14s %12s | %12s %14s\n", "queries", "Mpairs/s", "GB/s-equiv", "stream GB/s",
           "Q scans Mp/s", "Q scans GB/s");
    static const int qn[] = {1, 4, 8, 16, 64};
    for (size_t a = 0; a < sizeof qn / sizeof qn[0]; a++) {
        int nq = qn[a];
        double best = 1e30, bestsep = 1e30;
        for (int r = 0; r < reps; r++) {
            double t0 = now(), t;
            sink += rf(recs, words);
            if ((t = now() - t0) < tread) tread = t;
            t0 = now();
            kb->dist_batch(qs, (size_t)nq, recs, NREC, BSP_WORDS, BSP_MASK_ALL, out, NREC);
            t = now() - t0;
            if (t < best) best = t;
            t0 = now();
            for (int j = 0; j < nq; j++) kb->dist_many(qs[j], recs, NREC, BSP_WORDS, BSP_MASK_ALL, out + (size_t)j * NREC);
            t = now() - t0;
            if (t < bestsep) bestsep = t;
        }
        sink += out[3];
        double pairs = (double)nq * NREC;
        printf("  %-8d %12.1f %14.2f %12.2f | %12.1f %14.2f\n", nq, pairs / best / MB,
               nq * (double)bytes / best / GB, (double)bytes / best / GB, pairs / bestsep / MB,
               nq * (double)bytes / bestsep / GB);
    }
    printf("  (read baseline on the same array, best over all repetitions so far: %.2f GB/s)\n",
           (double)bytes / tread / GB);

    }

    /* ---- 4: cascade pieces ---- */
    if (strchr(sections, '4')) {
    printf("\n4. cascade pieces (§7.5), one query vs many records, mask SEMANTIC (13 blocks), single thread\n");
    printf("  in M records/s; 'within' = dist_many_within with t = mu - 3 sigma = 6485\n");
    printf("  %-18s %-5s %10s %10s %10s %10s\n", "kernel", "data", "full", "stage1", "stage2", "within");
    for (size_t k = 0; k < nk; k++)
        for (int l2 = 1; l2 >= 0; l2--) {
            size_t n = l2 ? L2REC : NREC;
            int inner = l2 ? (ks[k] == &fp_kernel_portable ? 1 : l2inner) : 1;
            int samples = l2 ? l2samples : 1;
            if (!l2 && k > 0) continue; /* DRAM: memory-bound, best kernel only */
            double b[4] = {1e30, 1e30, 1e30, 1e30};
            for (int r = 0; r < reps * samples; r++)
                for (int piece = 0; piece < 4; piece++) {
                    double t0 = now(), t;
                    for (int i = 0; i < inner; i++) {
                        if (piece == 0) ks[k]->dist_many(q, recs, n, BSP_WORDS, BSP_MASK_SEMANTIC, out);
                        else if (piece < 3)
                            ks[k]->dist_stage_many(q, recs, n, BSP_WORDS, BSP_MASK_SEMANTIC, piece, out);
                        else
                            sink += ks[k]->dist_many_within(q, recs, n, BSP_WORDS, BSP_MASK_SEMANTIC, 6485, out);
                    }
                    if ((t = (now() - t0) / inner) < b[piece]) b[piece] = t;
                }
            printf("  %-18s %-5s %10.1f %10.1f %10.1f %10.1f\n", ks[k]->name, l2 ? "L2" : "128M",
                   n / b[0] / MB, n / b[1] / MB, n / b[2] / MB, n / b[3] / MB);
        }
    }

    /* ---- 5: bundle ---- */
    if (strchr(sections, '5')) {
    printf("\n5. majority bundle (§14) of n records, microseconds per bundle; baseline = the per-bit\n"
           "   counting loop the kernels replaced (n = 1024 baseline skipped: too slow)\n");
    printf("  %-18s %10s %10s %10s\n", "kernel", "n=3", "n=64", "n=1024");
    const uint64_t *ins[1024];
    for (int i = 0; i < 1024; i++) ins[i] = recs + (size_t)i * BSP_WORDS;
    static const size_t bn[] = {3, 64, 1024};
    for (size_t k = 0; k <= nk; k++) {
        double us[3];
        for (int c = 0; c < 3; c++) {
            size_t n = bn[c];
            double best = 1e30;
            if (k == nk && n > 64) { us[c] = 0; continue; }
            for (int r = 0; r < reps; r++) {
                double t0 = now();
                if (k < nk) ks[k]->bundle(q, ins, n);
                else { /* the placeholder: count every bit position separately */
                    for (size_t w = 0; w < BSP_WORDS; w++) {
                        uint64_t word = 0;
                        for (int bit = 0; bit < 64; bit++) {
                            size_t cnt = 0;
                            for (size_t i = 0; i < n; i++) cnt += (ins[i][w] >> bit) & 1;
                            if (2 * cnt > n) word |= 1ull << bit;
                        }
                        q[w] = word;
                    }
                }
                double t = now() - t0;
                if (t < best) best = t;
                sink += q[5];
            }
            us[c] = best * 1e6;
        }
        printf("  %-18s %10.1f %10.1f %10.1f\n", k < nk ? ks[k]->name : "per-bit baseline", us[0], us[1], us[2]);
    }
    }
    free(recs);
    free(q);
    free(out);
    return 0;
}
