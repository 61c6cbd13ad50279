/* Distance kernels and their run-time CPU dispatch (spec: fingerprint.md §5, §7.5, §14; the
 * kernels themselves are open choice §19.5).
 *
 * The one idea: every kernel exists once per instruction set (portable C, AVX2, AVX-512
 * VPOPCNTDQ) behind the same table of function pointers, and exactly one table is chosen, once,
 * at first use (pthread_once): the best the CPU *and the OS* support (cpuid + xgetbv), or a lower
 * one forced by the environment variable BSP_KERNEL=portable|avx2|avx512. That table is the only
 * global mutable state of the fp module. All kernels of all tables return identical results; the
 * tests in tests/fp/test_kernels.c check every supported table against the portable one.
 *
 * Common contract for every function below:
 *  - A record is 256 u64 words. Pointers need only the natural 8-byte alignment of uint64_t;
 *    64-byte alignment (BSP_ALIGN) is faster but never required.
 *  - `mask` is a block mask (§5; bit k = words 16k..16k+15) and must be non-zero. The kernels do
 *    not check it; the public layer (distance.c) rejects mask 0 with BSP_EINVAL.
 *  - `stride` is the distance between consecutive records in u64 words (256 for a packed array;
 *    anything >= 1 is allowed). Record i of a run is `recs + i * stride`.
 *  - n may be 0 (nothing is read or written). Outputs never alias inputs unless stated.
 *  - Kernels never allocate, never fail, are thread-safe and reentrant. */
#ifndef BSP_FP_KERNELS_H
#define BSP_FP_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define FP_STAGE1 1 /* §7.5 stage 1: word 0 of every included block (B words) */
#define FP_STAGE2 2 /* §7.5 stage 2: words 0, 4, 8, 12 of every included block (4B words) */

typedef struct fp_kernel {
    const char *name; /* "avx512-vpopcntdq", "avx2", "portable" */

    /* ---- one pair ---------------------------------------------------------------------- */
    /* Σ popcount(a[w] ^ b[w]) over from <= w < to, with 0 <= from <= to <= 256.
     * (0, 256) is hamming_distance, (0, 208) is semantic_distance. */
    uint32_t (*dist_range)(const uint64_t *a, const uint64_t *b, unsigned from, unsigned to);
    /* The masked distance (§5): all 16 words of every block in mask. */
    uint32_t (*dist_mask)(const uint64_t *a, const uint64_t *b, uint16_t mask);
    /* masked_within (§5) with early exit: returns d if d <= t. Otherwise returns some p with
     * t < p <= d: the running total at the block boundary where it stopped (a lower bound of d,
     * usable for pruning). Which boundary (after every block, every 4 blocks...) is the kernel's
     * choice, so only "<= t, and then exact" is identical across kernels, not the value > t. */
    uint32_t (*dist_within)(const uint64_t *a, const uint64_t *b, uint16_t mask, uint32_t t);
    /* §7.5 partial distance of one pair: stage FP_STAGE1 or FP_STAGE2 words of the blocks in
     * mask (d1 or d2 themselves, not the projections p1 = 16·d1, p2 = 4·d2). Note d1 <= d2 <= d. */
    uint32_t (*dist_stage)(const uint64_t *a, const uint64_t *b, uint16_t mask, int stage);
    /* Σ popcount(a[w]) over all 256 words. */
    uint32_t (*popcount)(const uint64_t *a);
    /* out[w] = a[w] ^ b[w] for all 256 words; out may alias a or b (exactly, not partially). */
    void (*xor_rec)(uint64_t *out, const uint64_t *a, const uint64_t *b);
    /* Majority bundle (§14): bit i of out is set iff more than n/2 of the inputs have it
     * (2·count > n, so ties for even n clear the bit). n >= 1 (the caller checks). Bit-sliced
     * counters: O(n · log n) word operations. out may alias an input. */
    void (*bundle)(uint64_t *out, const uint64_t *const *inputs, size_t n);

    /* ---- one query against many records (the scan kernels) ----------------------------- */
    /* out[i] = dist_mask(q, recs + i*stride, mask) for 0 <= i < n. */
    void (*dist_many)(const uint64_t *q, const uint64_t *recs, size_t n, size_t stride,
                      uint16_t mask, uint32_t *out);
    /* out[i] = dist_within(q, recs + i*stride, mask, t) for 0 <= i < n (so out[i] <= t iff the
     * exact distance is <= t, and then it is exact). Returns the number of i with out[i] <= t.
     * For a top-k scan call it on chunks of records, tightening t between chunks. */
    size_t (*dist_many_within)(const uint64_t *q, const uint64_t *recs, size_t n, size_t stride,
                               uint16_t mask, uint32_t t, uint32_t *out);
    /* out[i] = dist_stage(q, recs + i*stride, mask, stage) for 0 <= i < n. */
    void (*dist_stage_many)(const uint64_t *q, const uint64_t *recs, size_t n, size_t stride,
                            uint16_t mask, int stage, uint32_t *out);

    /* ---- many queries against many records --------------------------------------------- */
    /* out[j*ldo + i] = dist_mask(qs[j], recs + i*stride, mask) for 0 <= j < nq, 0 <= i < n;
     * ldo >= n. The records are streamed once: each record is read from memory once and
     * compared against all nq queries while it sits in cache (L1, or L2 for a tile of
     * records), and the inner loop is register-blocked (one loaded record vector is used
     * against several queries). The queries are re-read for every record or tile of records,
     * so keep nq * 2 KiB within L2 (nq <= ~256 here); for more queries call it per group of
     * queries. nq may be 0. */
    void (*dist_batch)(const uint64_t *const *qs, size_t nq, const uint64_t *recs, size_t n,
                       size_t stride, uint16_t mask, uint32_t *out, size_t ldo);
} fp_kernel;

/* The table chosen at start-up (thread-safe; the first call does the detection). Never NULL. */
const fp_kernel *fp_kernel_active(void);

/* The table named name ("portable", "avx2", "avx512" or its full name "avx512-vpopcntdq") if this
 * CPU and OS can run it, else NULL. For tests and benchmarks. */
const fp_kernel *fp_kernel_by_name(const char *name);

/* Every table this machine can run, best first; writes at most cap, returns how many exist. */
size_t fp_kernel_list(const fp_kernel **out, size_t cap);

/* The tables themselves, defined in kernel_<isa>.c. The SIMD ones exist only on x86-64 builds
 * (FP_HAVE_X86) and must only be called after fp_kernel_by_name() says the CPU supports them. */
extern const fp_kernel fp_kernel_portable;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FP_HAVE_X86 1
extern const fp_kernel fp_kernel_avx2;
extern const fp_kernel fp_kernel_avx512;
#endif

#endif
