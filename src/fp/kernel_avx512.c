/* The AVX-512 VPOPCNTDQ kernel table (AVX512F/BW/VL + VPOPCNTDQ; chosen by kernel_dispatch.c
 * only when the CPU and OS support it). Spec: fingerprint.md §5, §7.5, §14.
 *
 * The one idea: a 64-byte vector of eight words costs three instructions per record pair —
 * XOR (with the load folded in), VPOPCNTQ, VPADDQ into per-lane counters — and the eight lane
 * counters are summed only once per record. The 512-bit ALUs are ports 0 and 5, so the
 * compute bound is ~1.5 cycles per 64 bytes compared; streaming from DRAM is slower than that, so
 * the scans run at memory speed. The batch kernel loads each record vector once and uses it
 * against eight queries before moving on (register blocking), so records are streamed once,
 * and saves a sixth of the vector ops with a carry-save adder (see dist_batch below). */
#include "fp/kernels.h"

#ifdef FP_HAVE_X86
#include <immintrin.h>

#define BUNDLE_FN avx512_bundle
#define BUNDLE_VEC_WORDS 8
#include "fp/kernel_bundle.h"

static inline __m512i xpop(const uint64_t *a, const uint64_t *b)
{
    return _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(a), _mm512_loadu_si512(b)));
}

/* Popcount of a ^ b over words [from, to), added to the lane counters acc. */
static inline __m512i range_acc(__m512i acc, const uint64_t *a, const uint64_t *b, unsigned from,
                                unsigned to)
{
    __m512i acc1 = _mm512_setzero_si512();
    unsigned w = from;
    for (; w + 16 <= to; w += 16) {
        acc = _mm512_add_epi64(acc, xpop(a + w, b + w));
        acc1 = _mm512_add_epi64(acc1, xpop(a + w + 8, b + w + 8));
    }
    if (w + 8 <= to) {
        acc = _mm512_add_epi64(acc, xpop(a + w, b + w));
        w += 8;
    }
    if (w < to) {
        __mmask8 k = (__mmask8)((1u << (to - w)) - 1);
        __m512i x = _mm512_xor_si512(_mm512_maskz_loadu_epi64(k, a + w), _mm512_maskz_loadu_epi64(k, b + w));
        acc1 = _mm512_add_epi64(acc1, _mm512_popcnt_epi64(x));
    }
    return _mm512_add_epi64(acc, acc1);
}

static uint32_t avx512_range(const uint64_t *a, const uint64_t *b, unsigned from, unsigned to)
{
    return (uint32_t)_mm512_reduce_add_epi64(range_acc(_mm512_setzero_si512(), a, b, from, to));
}

#define KFN(x) avx512_##x
#include "fp/kernel_template.h"

static uint32_t avx512_popcount(const uint64_t *a)
{
    __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
    for (unsigned w = 0; w < 256; w += 16) {
        acc0 = _mm512_add_epi64(acc0, _mm512_popcnt_epi64(_mm512_loadu_si512(a + w)));
        acc1 = _mm512_add_epi64(acc1, _mm512_popcnt_epi64(_mm512_loadu_si512(a + w + 8)));
    }
    return (uint32_t)_mm512_reduce_add_epi64(_mm512_add_epi64(acc0, acc1));
}

static void avx512_xor(uint64_t *out, const uint64_t *a, const uint64_t *b)
{
    for (unsigned w = 0; w < 256; w += 8)
        _mm512_storeu_si512(out + w, _mm512_xor_si512(_mm512_loadu_si512(a + w), _mm512_loadu_si512(b + w)));
}

static inline __m512i runs_acc(const uint64_t *a, const uint64_t *b, const k_runs *r)
{
    __m512i acc = _mm512_setzero_si512();
    for (unsigned i = 0; i < r->n; i++) acc = range_acc(acc, a, b, r->from[i], r->to[i]);
    return acc;
}

/* Sums of the 8 lanes of four accumulators at once: every lane count is < 2^16 (a record
 * has 16,384 bits, 8 lanes), so the four are packed into 16-bit fields of one vector and reduced
 * once, instead of four full horizontal reductions. */
static inline void reduce4(__m512i a0, __m512i a1, __m512i a2, __m512i a3, uint32_t *out)
{
    __m512i p = _mm512_add_epi64(_mm512_add_epi64(a0, _mm512_slli_epi64(a1, 16)),
                                 _mm512_add_epi64(_mm512_slli_epi64(a2, 32), _mm512_slli_epi64(a3, 48)));
    uint64_t s = (uint64_t)_mm512_reduce_add_epi64(p);
    out[0] = (uint32_t)(s & 0xFFFF);
    out[1] = (uint32_t)(s >> 16 & 0xFFFF);
    out[2] = (uint32_t)(s >> 32 & 0xFFFF);
    out[3] = (uint32_t)(s >> 48);
}

#ifndef PF_DIST
#define PF_DIST 8 /* records ahead to prefetch in the scans */
#endif

/* Four records against one query: each query vector is loaded once and used four times; the
 * lines of the records PF_DIST ahead are prefetched (pf may be NULL near the end). */
static inline void many4(const uint64_t *q, const uint64_t *r0, size_t stride, const k_runs *r,
                         const uint64_t *pf, uint32_t *out)
{
    const uint64_t *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (unsigned i = 0; i < r->n; i++) {
        for (unsigned w = r->from[i]; w < r->to[i]; w += 8) {
            __m512i x = _mm512_loadu_si512(q + w);
            if (pf) {
                _mm_prefetch((const char *)(pf + w), _MM_HINT_T0);
                _mm_prefetch((const char *)(pf + stride + w), _MM_HINT_T0);
                _mm_prefetch((const char *)(pf + 2 * stride + w), _MM_HINT_T0);
                _mm_prefetch((const char *)(pf + 3 * stride + w), _MM_HINT_T0);
            }
            a0 = _mm512_add_epi64(a0, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r0 + w))));
            a1 = _mm512_add_epi64(a1, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r1 + w))));
            a2 = _mm512_add_epi64(a2, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r2 + w))));
            a3 = _mm512_add_epi64(a3, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r3 + w))));
        }
    }
    reduce4(a0, a1, a2, a3, out);
}

/* many4 for one run of words known at compile time (ALL = 0..256, SEMANTIC = 0..208): constant
 * loop bounds and an unconditional prefetch (pf points at records that exist) are worth ~15%. */
static inline __attribute__((always_inline)) void many4_fixed(const uint64_t *q, const uint64_t *r0,
                                                              size_t stride, const unsigned to,
                                                              const uint64_t *pf, uint32_t *out)
{
    const uint64_t *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (unsigned w = 0; w < to; w += 8) {
        __m512i x = _mm512_loadu_si512(q + w);
        _mm_prefetch((const char *)(pf + w), _MM_HINT_T0);
        _mm_prefetch((const char *)(pf + stride + w), _MM_HINT_T0);
        _mm_prefetch((const char *)(pf + 2 * stride + w), _MM_HINT_T0);
        _mm_prefetch((const char *)(pf + 3 * stride + w), _MM_HINT_T0);
        a0 = _mm512_add_epi64(a0, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r0 + w))));
        a1 = _mm512_add_epi64(a1, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r1 + w))));
        a2 = _mm512_add_epi64(a2, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r2 + w))));
        a3 = _mm512_add_epi64(a3, _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r3 + w))));
    }
    reduce4(a0, a1, a2, a3, out);
}

static void avx512_dist_many(const uint64_t *q, const uint64_t *recs, size_t n, size_t stride,
                             uint16_t mask, uint32_t *out)
{
    k_runs r;
    k_mask_runs(mask, &r);
    size_t i = 0;
    if (mask == 0xFFFF || mask == 0x1FFF) {
        for (; i + 4 <= n; i += 4) {
            const uint64_t *rec = recs + i * stride;
            const uint64_t *pf = i + PF_DIST + 4 <= n ? rec + PF_DIST * stride : rec;
            if (mask == 0xFFFF) many4_fixed(q, rec, stride, 256, pf, out + i);
            else many4_fixed(q, rec, stride, 208, pf, out + i);
        }
    }
    for (; i + 4 <= n; i += 4) {
        const uint64_t *pf = i + PF_DIST + 4 <= n ? recs + (i + PF_DIST) * stride : NULL;
        many4(q, recs + i * stride, stride, &r, pf, out + i);
    }
    for (; i < n; i++) out[i] = (uint32_t)_mm512_reduce_add_epi64(runs_acc(q, recs + i * stride, &r));
}

/* ---- many queries against many records -------------------------------------------------
 * Per pair and 16-word block the plain form costs 6 vector ops (2 x XOR, VPOPCNTQ, VPADDQ),
 * all on the two 512-bit ports. This kernel spends ~5 with a carry-save adder across the two
 * halves of each block: with x1 = r_lo ^ q_lo, x2 = r_hi ^ q_hi and a running "ones" vector o,
 *     s = o ^ x1 ^ x2          = o ^ (r_lo ^ r_hi) ^ (q_lo ^ q_hi)    (one VPTERNLOGQ)
 *     c = maj(o, x1, x2)       = (o ^ s) ? o : x1                      (one VPTERNLOGQ)
 * because x1 ^ x2 = o ^ s, and where x1 ^ x2 is set the two inputs differ, so the majority is o;
 * where it is clear they agree, so it is x1. Then o = s and the carry's popcount is added:
 * the distance is 2 x sum popcount(c) + popcount(o at the end). r_lo ^ r_hi is computed once per
 * record and block for 8 queries, q_lo ^ q_hi once per query and block into a prepared copy
 * of the query (qt: for each included block, q_lo then q_lo ^ q_hi), so per pair and block the
 * work is 1 XOR + 2 VPTERNLOGQ + VPOPCNTQ + VPADDQ. Records are taken in tiles of BATCH_TILE
 * (64 KiB, in L2) read from memory once; each group of 8 queries (16 KiB prepared, in L1) runs
 * over the tile, register-blocked: every record vector is loaded once for the 8 queries. */
#define BATCH_TILE 32

/* qt = the prepared copy of q for the nb blocks blk[] (nb * 16 words). */
static inline void batch_prep(const uint64_t *q, const uint8_t *blk, int nb, uint64_t *qt)
{
    for (int i = 0; i < nb; i++) {
        const uint64_t *b = q + 16 * (size_t)blk[i];
        __m512i lo = _mm512_loadu_si512(b);
        _mm512_store_si512(qt + 16 * i, lo);
        _mm512_store_si512(qt + 16 * i + 8, _mm512_xor_si512(lo, _mm512_loadu_si512(b + 8)));
    }
}

#define CSA_STEP(j)                                                                                 \
    do {                                                                                            \
        __m512i x1 = _mm512_xor_si512(r1, _mm512_load_si512(qt + (j) * 256 + 16 * i));      \
        __m512i s_ = _mm512_ternarylogic_epi64(o##j, rd, _mm512_load_si512(qt + (j) * 256 + 16 * i + 8), 0x96); \
        __m512i c_ = _mm512_ternarylogic_epi64(o##j, s_, x1, 0xB2); /* (o ^ s) ? o : x1 */        \
        o##j = s_;                                                                                  \
        a##j = _mm512_add_epi64(a##j, _mm512_popcnt_epi64(c_));                                     \
    } while (0)
#define CSA_FIN(j) a##j = _mm512_add_epi64(_mm512_slli_epi64(a##j, 1), _mm512_popcnt_epi64(o##j))

/* One record against the 8 prepared queries qt[j * 256 ...]. */
static inline __attribute__((always_inline)) void batch8(const uint64_t *qt, const uint64_t *rec, const uint8_t *blk, int nb,
                          uint32_t *out, size_t ldo)
{
    __m512i z = _mm512_setzero_si512();
    __m512i a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
    __m512i o0 = z, o1 = z, o2 = z, o3 = z, o4 = z, o5 = z, o6 = z, o7 = z;
    for (int i = 0; i < nb; i++) {
        const uint64_t *r = rec + 16 * (size_t)blk[i];
        __m512i r1 = _mm512_loadu_si512(r), rd = _mm512_xor_si512(r1, _mm512_loadu_si512(r + 8));
        CSA_STEP(0); CSA_STEP(1); CSA_STEP(2); CSA_STEP(3);
        CSA_STEP(4); CSA_STEP(5); CSA_STEP(6); CSA_STEP(7);
    }
    CSA_FIN(0); CSA_FIN(1); CSA_FIN(2); CSA_FIN(3);
    CSA_FIN(4); CSA_FIN(5); CSA_FIN(6); CSA_FIN(7);
    uint32_t d[8];
    reduce4(a0, a1, a2, a3, d);
    reduce4(a4, a5, a6, a7, d + 4);
    for (int j = 0; j < 8; j++) out[(size_t)j * ldo] = d[j];
}

/* The same for 4 prepared queries. */
static inline __attribute__((always_inline)) void batch4(const uint64_t *qt, const uint64_t *rec, const uint8_t *blk, int nb,
                          uint32_t *out, size_t ldo)
{
    __m512i z = _mm512_setzero_si512();
    __m512i a0 = z, a1 = z, a2 = z, a3 = z, o0 = z, o1 = z, o2 = z, o3 = z;
    for (int i = 0; i < nb; i++) {
        const uint64_t *r = rec + 16 * (size_t)blk[i];
        __m512i r1 = _mm512_loadu_si512(r), rd = _mm512_xor_si512(r1, _mm512_loadu_si512(r + 8));
        CSA_STEP(0); CSA_STEP(1); CSA_STEP(2); CSA_STEP(3);
    }
    CSA_FIN(0); CSA_FIN(1); CSA_FIN(2); CSA_FIN(3);
    uint32_t d[4];
    reduce4(a0, a1, a2, a3, d);
    for (int j = 0; j < 4; j++) out[(size_t)j * ldo] = d[j];
}

/* A cursor over the cache lines of the included blocks of records [rec, end): the next
 * tile is requested into L2 a few lines per record pair computed, so that memory streams
 * while the current tile is compute-bound (the hardware prefetcher only follows demand). */
typedef struct batch_pf {
    const uint64_t *recs;
    size_t stride, rec, end;
    int line, nlines; /* line within the record's included blocks: 2 per block */
    const uint8_t *blk;
} batch_pf;

static inline void batch_pf_some(batch_pf *p, size_t k)
{
    for (; k && p->rec < p->end; k--) {
        const uint64_t *a = p->recs + p->rec * p->stride + 16 * (size_t)p->blk[p->line >> 1] + 8 * (p->line & 1);
        _mm_prefetch((const char *)a, _MM_HINT_T1);
        if (++p->line == p->nlines) p->line = 0, p->rec++;
    }
}

static void avx512_dist_batch(const uint64_t *const *qs, size_t nq, const uint64_t *recs, size_t n,
                              size_t stride, uint16_t mask, uint32_t *out, size_t ldo)
{
    _Alignas(64) uint64_t qt[8 * 256]; /* 8 prepared queries, 16 KiB */
    uint8_t blk[16];
    int nb = 0;
    for (int b = 0; b < 16; b++)
        if (mask >> b & 1) blk[nb++] = (uint8_t)b;
    k_runs r;
    k_mask_runs(mask, &r);
    size_t ncalls = nq / 8 + (nq % 8 >= 4); /* register-blocked calls per record */
    for (size_t i0 = 0; i0 < n; i0 += BATCH_TILE) {
        size_t i1 = n - i0 < BATCH_TILE ? n : i0 + BATCH_TILE, j = 0;
        batch_pf pf = {recs, stride, i1, n - i1 < BATCH_TILE ? n : i1 + BATCH_TILE, 0, 2 * nb, blk};
        size_t quota = ncalls ? ((pf.end - pf.rec) * 2 * (size_t)nb + ncalls * (i1 - i0) - 1) / (ncalls * (i1 - i0)) : 0;
        for (; j + 8 <= nq; j += 8) {
            for (int t = 0; t < 8; t++) batch_prep(qs[j + t], blk, nb, qt + t * 256);
            for (size_t i = i0; i < i1; i++) {
                batch_pf_some(&pf, quota);
                batch8(qt, recs + i * stride, blk, nb, out + j * ldo + i, ldo);
            }
        }
        if (j + 4 <= nq) {
            for (int t = 0; t < 4; t++) batch_prep(qs[j + t], blk, nb, qt + t * 256);
            for (size_t i = i0; i < i1; i++) {
                batch_pf_some(&pf, quota);
                batch4(qt, recs + i * stride, blk, nb, out + j * ldo + i, ldo);
            }
            j += 4;
        }
        for (; j < nq; j++)
            for (size_t i = i0; i < i1; i++)
                out[j * ldo + i] = (uint32_t)_mm512_reduce_add_epi64(runs_acc(qs[j], recs + i * stride, &r));
    }
}

/* ---- masked_within ------------------------------------------------------------------------
 * The running total can only exceed t once 1024 · (blocks done) > t, so the first
 * floor(t / 1024) + 1 blocks are summed without any check (no horizontal reduction spent), and
 * after that the total is checked every second block. When an exit could save at most the last
 * two blocks (for the bound, or for a random record), the scan is the plain blocked dist_many
 * followed by a compare. */
typedef struct within_plan { unsigned nb, first, off[16]; } within_plan;

static inline void within_plan_init(within_plan *p, uint16_t mask, uint32_t t)
{
    p->nb = 0;
    for (unsigned m = mask; m; m &= m - 1) p->off[p->nb++] = 16 * (unsigned)__builtin_ctz(m);
    uint32_t first = t / 1024 + 1;
    p->first = first < p->nb ? first : p->nb;
}

/* The checked tail: blocks first.. of the plan, starting from the lane counters acc0 + acc1. */
static inline uint32_t within_tail(const within_plan *p, const uint64_t *a, const uint64_t *b, uint32_t t,
                                   __m512i acc0, __m512i acc1)
{
    unsigned i = p->first;
    while (i < p->nb) {
        uint32_t d = (uint32_t)_mm512_reduce_add_epi64(_mm512_add_epi64(acc0, acc1));
        if (d > t) return d;
        for (unsigned e = i + 2 < p->nb ? i + 2 : p->nb; i < e; i++) {
            unsigned w = p->off[i];
            acc0 = _mm512_add_epi64(acc0, xpop(a + w, b + w));
            acc1 = _mm512_add_epi64(acc1, xpop(a + w + 8, b + w + 8));
        }
    }
    return (uint32_t)_mm512_reduce_add_epi64(_mm512_add_epi64(acc0, acc1));
}

static inline uint32_t within_rec(const within_plan *p, const uint64_t *a, const uint64_t *b, uint32_t t)
{
    __m512i acc0 = _mm512_setzero_si512(), acc1 = acc0;
    for (unsigned i = 0; i < p->first; i++) {
        unsigned w = p->off[i];
        acc0 = _mm512_add_epi64(acc0, xpop(a + w, b + w));
        acc1 = _mm512_add_epi64(acc1, xpop(a + w + 8, b + w + 8));
    }
    return within_tail(p, a, b, t, acc0, acc1);
}

/* Four records: the unchecked first blocks are register-blocked like many4, then each record
 * finishes on its own with the checks. */
static inline size_t within4(const within_plan *p, const uint64_t *q, const uint64_t *r0, size_t stride,
                             uint32_t t, uint32_t *out)
{
    const uint64_t *r[4] = {r0, r0 + stride, r0 + 2 * stride, r0 + 3 * stride};
    __m512i a[4], z = _mm512_setzero_si512();
    a[0] = a[1] = a[2] = a[3] = z;
    for (unsigned i = 0; i < p->first; i++)
        for (unsigned h = 0; h < 16; h += 8) {
            unsigned w = p->off[i] + h;
            __m512i x = _mm512_loadu_si512(q + w);
            a[0] = _mm512_add_epi64(a[0], _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r[0] + w))));
            a[1] = _mm512_add_epi64(a[1], _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r[1] + w))));
            a[2] = _mm512_add_epi64(a[2], _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r[2] + w))));
            a[3] = _mm512_add_epi64(a[3], _mm512_popcnt_epi64(_mm512_xor_si512(x, _mm512_loadu_si512(r[3] + w))));
        }
    size_t hits = 0;
    for (int j = 0; j < 4; j++) {
        out[j] = within_tail(p, q, r[j], t, a[j], z);
        hits += out[j] <= t;
    }
    return hits;
}

static uint32_t avx512_dist_within(const uint64_t *a, const uint64_t *b, uint16_t mask, uint32_t t)
{
    within_plan p;
    within_plan_init(&p, mask, t);
    return within_rec(&p, a, b, t);
}

static size_t avx512_dist_many_within(const uint64_t *q, const uint64_t *recs, size_t n, size_t stride,
                                      uint16_t mask, uint32_t t, uint32_t *out)
{
    size_t hits = 0;
    within_plan p;
    within_plan_init(&p, mask, t);
    /* Nothing worth an early exit: either the bound cannot be passed before the last two blocks,
     * or it lies above what a random pair (512 per block) reaches two blocks before the end, so
     * typical records would only exit at the very end and the checks would cost more than they
     * save. Only speed depends on this choice, never a result. */
    if (p.first + 2 >= p.nb || t >= 512u * (p.nb - 2)) {
        avx512_dist_many(q, recs, n, stride, mask, out);
        for (size_t i = 0; i < n; i++) hits += out[i] <= t;
        return hits;
    }
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        if (i + PF_DIST + 4 <= n) /* the first lines of the records PF_DIST ahead */
            for (size_t j = i + PF_DIST; j < i + PF_DIST + 4; j++)
                for (unsigned b = 0; b < p.first && b < 4; b++)
                    _mm_prefetch((const char *)(recs + j * stride + p.off[b]), _MM_HINT_T0);
        hits += within4(&p, q, recs + i * stride, stride, t, out + i);
    }
    for (; i < n; i++) {
        out[i] = within_rec(&p, q, recs + i * stride, t);
        hits += out[i] <= t;
    }
    return hits;
}

/* ---- cascade stages (§7.5) ------------------------------------------------------------------
 * Stage 2 samples words 0, 4, 8, 12 of every included block. Two blocks' samples are packed into
 * one vector (VPERMT2Q picks lanes 0 and 4 of each half-block, a blend joins the two blocks), so
 * a record costs about half the instructions of its full distance; the query's samples are packed
 * once per call the same way. Stage 1 (word 0 of every block, 16 words 128 bytes apart) is a
 * gather of up to 8 words per instruction against the packed query words. */
typedef struct stage_plan {
    unsigned npair;          /* packed vectors */
    unsigned k1[8], k2[8];   /* blocks of each vector; k2 = 16 when the vector holds one block */
    unsigned ng;             /* stage-1 gathers (1 or 2) */
    __m512i gidx[2];         /* stage-1 word indices */
    __mmask8 gmask[2];
    __m512i q[8];            /* the query's packed stage words */
} stage_plan;

static inline __m512i pack2(const uint64_t *r, unsigned k1, unsigned k2)
{
    const __m512i idx = _mm512_set_epi64(12, 8, 4, 0, 12, 8, 4, 0);
    __m512i u = _mm512_permutex2var_epi64(_mm512_loadu_si512(r + 16 * k1), idx, _mm512_loadu_si512(r + 16 * k1 + 8));
    if (k2 == 16) return _mm512_maskz_mov_epi64(0x0F, u);
    __m512i v = _mm512_permutex2var_epi64(_mm512_loadu_si512(r + 16 * k2), idx, _mm512_loadu_si512(r + 16 * k2 + 8));
    return _mm512_mask_blend_epi64(0xF0, u, v);
}

static inline __m512i gather1(const stage_plan *p, const uint64_t *r, unsigned g)
{
    return _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), p->gmask[g], p->gidx[g], (const void *)r, 8);
}

static void stage_plan_init(stage_plan *p, const uint64_t *q, uint16_t mask, int stage)
{
    unsigned ks[16], nb = 0;
    for (unsigned m = mask; m; m &= m - 1) ks[nb++] = (unsigned)__builtin_ctz(m);
    p->npair = p->ng = 0;
    if (stage == FP_STAGE1) {
        long long idx[16] = {0};
        for (unsigned i = 0; i < nb; i++) idx[i] = 16 * (long long)ks[i];
        p->ng = nb > 8 ? 2 : 1;
        for (unsigned g = 0; g < 2; g++) {
            p->gidx[g] = _mm512_loadu_si512(idx + 8 * g);
            unsigned cnt = nb > 8 * g ? nb - 8 * g : 0;
            p->gmask[g] = (__mmask8)(cnt >= 8 ? 0xFF : (1u << cnt) - 1);
            p->q[g] = gather1(p, q, g);
        }
    } else {
        p->npair = 0;
        for (unsigned i = 0; i < nb; i += 2) {
            p->k1[p->npair] = ks[i];
            p->k2[p->npair] = i + 1 < nb ? ks[i + 1] : 16;
            p->q[p->npair] = pack2(q, p->k1[p->npair], p->k2[p->npair]);
            p->npair++;
        }
    }
}

static inline uint32_t stage_rec(const stage_plan *p, const uint64_t *r, int stage)
{
    __m512i acc = _mm512_setzero_si512();
    if (stage == FP_STAGE1) {
        for (unsigned g = 0; g < p->ng; g++)
            acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(gather1(p, r, g), p->q[g])));
    } else {
        for (unsigned i = 0; i < p->npair; i++)
            acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(pack2(r, p->k1[i], p->k2[i]), p->q[i])));
    }
    return (uint32_t)_mm512_reduce_add_epi64(acc);
}

/* One pair: packing or gathering the query would cost as much as the pair itself, so stage 1 is
 * scalar POPCNT over the sampled words, stage 2 the full-vector loop restricted to lanes 0 and 4. */
static uint32_t avx512_dist_stage(const uint64_t *a, const uint64_t *b, uint16_t mask, int stage)
{
    if (stage == FP_STAGE1) return avx512_gen_dist_stage(a, b, mask, stage);
    __m512i acc = _mm512_setzero_si512();
    for (unsigned m = mask; m; m &= m - 1) {
        unsigned w = 16 * (unsigned)__builtin_ctz(m);
        __m512i x0 = _mm512_maskz_xor_epi64(0x11, _mm512_loadu_si512(a + w), _mm512_loadu_si512(b + w));
        __m512i x1 = _mm512_maskz_xor_epi64(0x11, _mm512_loadu_si512(a + w + 8), _mm512_loadu_si512(b + w + 8));
        acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_or_si512(x0, _mm512_alignr_epi64(x1, x1, 7))));
    }
    return (uint32_t)_mm512_reduce_add_epi64(acc);
}

/* Stage 2 of four records: each packed query vector is used four times; one packed reduction. */
static inline void stage2_4(const stage_plan *p, const uint64_t *r0, size_t stride, uint32_t *out)
{
    const uint64_t *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (unsigned i = 0; i < p->npair; i++) {
        unsigned k1 = p->k1[i], k2 = p->k2[i];
        __m512i qv = p->q[i];
        a0 = _mm512_add_epi64(a0, _mm512_popcnt_epi64(_mm512_xor_si512(pack2(r0, k1, k2), qv)));
        a1 = _mm512_add_epi64(a1, _mm512_popcnt_epi64(_mm512_xor_si512(pack2(r1, k1, k2), qv)));
        a2 = _mm512_add_epi64(a2, _mm512_popcnt_epi64(_mm512_xor_si512(pack2(r2, k1, k2), qv)));
        a3 = _mm512_add_epi64(a3, _mm512_popcnt_epi64(_mm512_xor_si512(pack2(r3, k1, k2), qv)));
    }
    reduce4(a0, a1, a2, a3, out);
}

static void avx512_dist_stage_many(const uint64_t *q, const uint64_t *recs, size_t n, size_t stride,
                                   uint16_t mask, int stage, uint32_t *out)
{
    stage_plan p;
    stage_plan_init(&p, q, mask, stage);
    size_t i = 0;
    if (stage == FP_STAGE2)
        for (; i + 4 <= n; i += 4) stage2_4(&p, recs + i * stride, stride, out + i);
    for (; i < n; i++) out[i] = stage_rec(&p, recs + i * stride, stage);
}

const fp_kernel fp_kernel_avx512 = {
    .name = "avx512-vpopcntdq",
    .dist_range = avx512_gen_dist_range,
    .dist_mask = avx512_gen_dist_mask,
    .dist_within = avx512_dist_within,
    .dist_stage = avx512_dist_stage,
    .popcount = avx512_popcount,
    .xor_rec = avx512_xor,
    .bundle = avx512_bundle,
    .dist_many = avx512_dist_many,
    .dist_many_within = avx512_dist_many_within,
    .dist_stage_many = avx512_dist_stage_many,
    .dist_batch = avx512_dist_batch,
};
#endif
