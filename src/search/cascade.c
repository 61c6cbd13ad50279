/* The cascade of §7.5 and calibration of §7.6: stage thresholds, distance bands, and the
 * approximate search mode.
 *
 * Approximate mode is sequential by definition: candidates are visited in ascending
 * position, each passing the predicate is tested on the stage-1 words (word 0 of every
 * included block, projection d1 * 16 against t1), then the stage-2 words (words 0, 4, 8, 12,
 * projection d2 * 4 against t2), then its exact distance is kept if its band is Foveal,
 * Near or Good, and the scan stops once k Foveal hits are kept. It can miss true top-k
 * members (vector 18.11) and its results are labelled approximate. Exact mode never uses
 * the projections (search.c prunes with partial sums only). */
#include <stdlib.h>
#include <string.h>

#include "search/search_internal.h"
#include "util/error.h"

static void derive(bsp_cascade *c, uint32_t mu, uint32_t sigma)
{
    c->mu = mu;
    c->sigma = sigma;
    c->t1 = (int64_t)mu - (int64_t)sigma;
    c->t2 = (int64_t)mu - 2 * (int64_t)sigma;
}

int bsp_cascade_default(uint16_t mask, bsp_cascade *out)
{
    if (mask == 0) return bsp_err(BSP_EINVAL, "cascade: block mask 0 selects no blocks");
    uint32_t bits = 1024u * (uint32_t)bsp_mask_blocks(mask);
    derive(out, bits / 2, (uint32_t)bsp_isqrt(bits / 4));
    return BSP_OK;
}

int bsp_cascade_calibrate(const uint32_t *d, size_t n, bsp_cascade *out)
{
    if (n == 0 || !d) return bsp_err(BSP_EINVAL, "calibrate: needs at least one sample");
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += d[i];
    uint64_t mu = sum / n;
    uint64_t sq = 0;   /* each term < 2^32 * 2^32 / ... distances are <= 16384, so no overflow */
    for (size_t i = 0; i < n; i++) {
        int64_t e = (int64_t)d[i] - (int64_t)mu;
        sq += (uint64_t)(e * e);
    }
    uint64_t sigma = bsp_isqrt(sq / n);
    if (sigma < 1) sigma = 1;
    derive(out, (uint32_t)mu, (uint32_t)sigma);
    return BSP_OK;
}

bsp_band bsp_cascade_band(const bsp_cascade *c, uint32_t d)
{
    int64_t x = d, mu = c->mu, s = c->sigma;
    if (x < mu - 3 * s) return BSP_BAND_FOVEAL;
    if (x < mu - 2 * s) return BSP_BAND_NEAR;
    if (x < mu - s) return BSP_BAND_GOOD;
    if (x < mu) return BSP_BAND_WEAK;
    return BSP_BAND_REJECT;
}

const char *bsp_band_name(bsp_band b)
{
    switch (b) {
    case BSP_BAND_FOVEAL: return "foveal";
    case BSP_BAND_NEAR: return "near";
    case BSP_BAND_GOOD: return "good";
    case BSP_BAND_WEAK: return "weak";
    default: return "reject";
    }
}

/* ---- approximate mode ------------------------------------------------------------------- */
typedef struct approx {
    const search_ctx *c;
    const bsp_cascade *cas;
    const uint64_t *query;
    size_t k;              /* the caller's k (stop rule) */
    search_query sq;       /* top-k of kept hits by (d, position) */
    size_t foveal;
    bsp_search_info info;
    uint64_t *aligned;
} approx;

/* 1 = stop visiting */
static int approx_visit(approx *a, const uint64_t *rec, uint64_t pos)
{
    const search_ctx *c = a->c;
    a->info.candidates++;
    if (c->pred && !bsp_predicate_eval(c->pred, rec)) return 0;
    a->info.passed++;
    uint32_t d1 = search_stage_distance(c, a->query, rec, 16);
    if ((int64_t)d1 * 16 > a->cas->t1) return 0;
    uint32_t d2 = search_stage_distance(c, a->query, rec, 4);
    if ((int64_t)d2 * 4 > a->cas->t2) return 0;
    uint32_t d = search_stage_distance(c, a->query, rec, 1);
    a->info.completed++;
    bsp_band band = bsp_cascade_band(a->cas, d);
    if (band > BSP_BAND_GOOD || d > c->maxd) return 0;
    bsp_search_hit h = {.position = pos, .distance = d, .effective = d, .q = 0.0f,
                        .score = (double)d};
    search_heap_offer(c, &a->sq, &h);
    if (band == BSP_BAND_FOVEAL) a->foveal++;
    return a->foveal >= a->k;
}

static int approx_run(void *ctx, uint64_t fragment_id, uint64_t first_offset, uint64_t nrows,
                      const uint8_t *bytes, const uint8_t *live)
{
    approx *a = ctx;
    uint64_t base = BSP_ROW_ADDR(fragment_id, first_offset);
    for (uint64_t i = 0; i < nrows; i++) {
        if (live && !(live[i >> 3] >> (i & 7) & 1)) continue;
        const uint64_t *rec;
        if (((uintptr_t)bytes & 7) == 0) {
            rec = (const uint64_t *)(const void *)(bytes + i * BSP_BYTES);
        } else {
            memcpy(a->aligned, bytes + i * BSP_BYTES, BSP_BYTES);
            rec = a->aligned;
        }
        if (approx_visit(a, rec, base + i)) return 1;
    }
    return 0;
}

typedef struct posidx { uint64_t pos; size_t i; } posidx;
static int posidx_cmp(const void *x, const void *y)
{
    const posidx *a = x, *b = y;
    return a->pos < b->pos ? -1 : a->pos > b->pos ? 1 : (a->i > b->i) - (a->i < b->i);
}
typedef struct fragid { uint64_t id; size_t index; } fragid;
static int fragid_cmp(const void *x, const void *y)
{
    const fragid *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

int search_approximate(const bsp_search_source *src, const search_ctx *c0,
                       const bsp_cascade *cas, const uint64_t *query, bsp_search_hit *hits,
                       size_t *nhits, bsp_search_info *info)
{
    search_ctx c = *c0;
    approx a;
    memset(&a, 0, sizeof a);
    memset(info, 0, sizeof *info);
    *nhits = 0;
    if (c.k == 0) return BSP_OK;
    uint64_t rows = src->kind == BSP_SOURCE_RECORDS ? src->n : bsp_dataset_count_rows(src->ds);
    size_t kcap = c.k < rows ? c.k : (size_t)rows;
    if (kcap == 0) return BSP_OK;
    a.k = c.k;
    c.k = kcap;
    a.c = &c;
    a.cas = cas;
    a.query = query;
    a.sq.q = query;
    a.sq.heap = malloc(kcap * sizeof *a.sq.heap);
    if (!a.sq.heap) return bsp_err(BSP_ENOMEM, "search: out of memory");
    search_query_reset_limits(&c, &a.sq);
    int rc = BSP_OK;
    if (src->kind == BSP_SOURCE_RECORDS) {
        const uint8_t *occ = (const uint8_t *)(const void *)src->occupied;
        if (!src->positions) {
            for (size_t i = 0; i < src->n; i++) {
                if (occ && !(occ[i >> 3] >> (i & 7) & 1)) continue;
                if (approx_visit(&a, src->records + i * BSP_WORDS, i)) break;
            }
        } else {
            posidx *order = malloc((src->n ? src->n : 1) * sizeof *order);
            if (!order) {
                rc = bsp_err(BSP_ENOMEM, "search: out of memory");
            } else {
                for (size_t i = 0; i < src->n; i++) order[i] = (posidx){src->positions[i], i};
                qsort(order, src->n, sizeof *order, posidx_cmp);
                for (size_t t = 0; t < src->n; t++) {
                    size_t i = order[t].i;
                    if (occ && !(occ[i >> 3] >> (i & 7) & 1)) continue;
                    if (approx_visit(&a, src->records + i * BSP_WORDS, order[t].pos)) break;
                }
                free(order);
            }
        }
    } else {
        size_t nf = bsp_dataset_fragment_count(src->ds);
        fragid *fr = malloc((nf ? nf : 1) * sizeof *fr);
        a.aligned = aligned_alloc(BSP_ALIGN, BSP_BYTES);
        if (!fr || !a.aligned) rc = bsp_err(BSP_ENOMEM, "search: out of memory");
        for (size_t f = 0; f < nf && !rc; f++) {
            bsp_fragment_info fi;
            rc = bsp_dataset_fragment(src->ds, f, &fi);
            fr[f] = (fragid){fi.id, f};
        }
        if (!rc) qsort(fr, nf, sizeof *fr, fragid_cmp);
        for (size_t f = 0; f < nf && !rc; f++) {
            rc = bsp_dataset_scan_fp(src->ds, fr[f].index, src->column, approx_run, &a);
            if (rc == 1) { rc = 0; break; }
            if (rc > 0) rc = bsp_err(BSP_EINVAL, "search: scan stopped");
        }
        free(fr);
        free(a.aligned);
    }
    if (!rc) {
        memcpy(hits, a.sq.heap, a.sq.size * sizeof *hits);
        search_hits_sort(hits, a.sq.size);
        *nhits = a.sq.size;
    }
    *info = a.info;
    info->approximate = true;
    free(a.sq.heap);
    return rc;
}
