/* Exact top-k search (spec §7.1-7.4): option checking, candidate sources, threads, merging.
 *
 * Each thread owns a worker with one bounded heap per query and scans its share of the
 * candidates - a contiguous range of a record array, or whole dataset fragments taken from
 * a shared counter - with the scan kernel. Every heap is the exact top-k of the candidates
 * its thread saw, so the union of the heaps, sorted by (key, position) and cut to k, is the
 * exact top-k of all candidates whatever the thread count. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp/kernels.h"
#include "fp/predicate_impl.h"
#include "search/search_internal.h"
#include "util/error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "search reads the byte form in place: little-endian hosts only"
#endif

#define MIN_ROWS_PER_THREAD 2048

void bsp_search_options_init(bsp_search_options *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->mask = BSP_MASK_SEMANTIC;
}

void bsp_search_source_records(bsp_search_source *src, const uint64_t *records, size_t n,
                               const uint64_t *positions, const uint64_t *occupied)
{
    memset(src, 0, sizeof *src);
    src->kind = BSP_SOURCE_RECORDS;
    src->records = records;
    src->n = n;
    src->positions = positions;
    src->occupied = occupied;
}

void bsp_search_sidecar_copy(const uint64_t *records, size_t n, uint64_t *out)
{
    for (size_t p = 0; p < BSP_SIDECAR_COPY_WORDS / 8; p++)
        for (size_t i = 0; i < n; i++)
            memcpy(out + (p * n + i) * 8, records + i * BSP_WORDS + BSP_SIDECAR_WORD + 8 * p, 64);
}

void bsp_search_source_dataset(bsp_search_source *src, const bsp_dataset *ds, const char *column)
{
    memset(src, 0, sizeof *src);
    src->kind = BSP_SOURCE_DATASET;
    src->ds = ds;
    src->column = column;
}

static int check_source(const bsp_search_source *src)
{
    if (!src) return bsp_err(BSP_EINVAL, "search: no candidate source");
    if (src->kind == BSP_SOURCE_RECORDS) {
        if (src->n > 0 && !src->records) return bsp_err(BSP_EINVAL, "search: records source without records");
        return BSP_OK;
    }
    if (src->kind == BSP_SOURCE_DATASET) {
        if (!src->ds) return bsp_err(BSP_EINVAL, "search: dataset source without a dataset");
        if (!src->column || !*src->column)
            return bsp_err(BSP_EINVAL, "search: dataset source without a fingerprint column");
        return BSP_OK;
    }
    return bsp_err(BSP_EINVAL, "search: unknown source kind %d", (int)src->kind);
}

static uint64_t source_rows(const bsp_search_source *src)
{
    return src->kind == BSP_SOURCE_RECORDS ? (uint64_t)src->n : bsp_dataset_count_rows(src->ds);
}

static int ctx_init(search_ctx *c, const bsp_search_options *o)
{
    memset(c, 0, sizeof *c);
    if (!o) return bsp_err(BSP_EINVAL, "search: no options");
    if (o->mask == 0) return bsp_err(BSP_EINVAL, "search: block mask 0 selects no blocks");
    if (o->rank != BSP_RANK_DISTANCE && o->rank != BSP_RANK_BLOOM && o->rank != BSP_RANK_RL)
        return bsp_err(BSP_EINVAL, "search: unknown ranking %d", (int)o->rank);
    if (o->mode != BSP_SEARCH_EXACT && o->mode != BSP_SEARCH_APPROXIMATE)
        return bsp_err(BSP_EINVAL, "search: unknown mode %d", (int)o->mode);
    if (o->mode == BSP_SEARCH_APPROXIMATE && o->rank != BSP_RANK_DISTANCE)
        return bsp_err(BSP_EINVAL, "search: approximate mode ranks by distance only");
    if (o->rank == BSP_RANK_BLOOM && !(o->bloom_bonus >= 0.0 && o->bloom_bonus <= 1.0))
        return bsp_err(BSP_EINVAL, "search: bloom bonus %g is not in [0, 1]", o->bloom_bonus);
    if (o->rank == BSP_RANK_RL && !(o->rl_alpha >= 0.0 && o->rl_alpha <= 1.0))
        return bsp_err(BSP_EINVAL, "search: rl alpha %g is not in [0, 1]", o->rl_alpha);
    c->k = o->k;
    c->rank = o->rank;
    c->mask = o->mask;
    for (int b = 0; b < BSP_BLOCKS; b++)
        if (o->mask >> b & 1) c->blocks[c->nb++] = (uint8_t)b;
    c->maxd = o->has_max_distance && o->max_distance < SEARCH_NOLIMIT ? o->max_distance
                                                                         : SEARCH_NOLIMIT;
    c->pred = o->predicate && !bsp_predicate_is_empty(o->predicate) ? o->predicate : NULL;
    c->npl = 0;
    if (c->pred)
        for (uint32_t m = pred_lines(c->pred); m; m &= m - 1) c->pl[c->npl++] = (uint8_t)__builtin_ctz(m);
    c->bloom_id = o->bloom_source_id;
    c->bonus = o->bloom_bonus;
    float b = (float)o->bloom_bonus;
    c->bloom_m = 1.0f - b;
    c->alpha = o->rl_alpha;
    c->kern = fp_kernel_active();
    /* A random candidate's partial sum grows by ~512 per block, so a limit L stops it after
     * about L / (512 B) of its blocks: worth checking only when that is well under all. */
    c->prune_below = 3u * 1024u * (uint32_t)c->nb / 8u;
    return BSP_OK;
}

/* ---- threads ------------------------------------------------------------------------------ */
typedef struct job {
    const bsp_search_source *src;
    search_scan_fn scan;
    search_worker w;
    size_t i0, i1;                 /* records: the range */
    atomic_size_t *next_fragment;  /* dataset: shared fragment counter */
    size_t nfragments;
    atomic_int *stop;
    uint64_t *aligned;             /* dataset: buffer for unaligned runs */
    int rc;
    char msg[512];
    const bsp_progress *progress;
    pthread_mutex_t *progress_lock;
    atomic_size_t *fragments_done;
} job;

#define ALIGN_PIECE 256   /* rows copied at a time from an unaligned run (multiple of 8) */

static int run_cb(void *ctx, uint64_t fragment_id, uint64_t first_offset, uint64_t nrows,
                  const uint8_t *bytes, const uint8_t *live)
{
    job *j = ctx;
    if (atomic_load_explicit(j->stop, memory_order_relaxed)) return 1;
    uint64_t base = BSP_ROW_ADDR(fragment_id, first_offset);
    if (((uintptr_t)bytes & 7) == 0) {
        j->scan(&j->w, (const uint64_t *)(const void *)bytes, NULL, 0, (size_t)nrows, NULL, base, live);
        return 0;
    }
    for (uint64_t s = 0; s < nrows; s += ALIGN_PIECE) {
        uint64_t m = nrows - s < ALIGN_PIECE ? nrows - s : ALIGN_PIECE;
        memcpy(j->aligned, bytes + s * BSP_BYTES, (size_t)m * BSP_BYTES);
        j->scan(&j->w, j->aligned, NULL, 0, (size_t)m, NULL, base + s, live ? live + s / 8 : NULL);
    }
    return 0;
}

static void *job_main(void *arg)
{
    job *j = arg;
    const bsp_search_source *src = j->src;
    if (src->kind == BSP_SOURCE_RECORDS) {
        j->scan(&j->w, src->records, src->sidecar, j->i0, j->i1, src->positions, 0,
                (const uint8_t *)(const void *)src->occupied);
        return NULL;
    }
    for (;;) {
        if (atomic_load(j->stop)) break;
        size_t f = atomic_fetch_add(j->next_fragment, 1);
        if (f >= j->nfragments) break;
        int rc = bsp_dataset_scan_fp(src->ds, f, src->column, run_cb, j);
        if (rc != 0) {
            if (atomic_load(j->stop) && rc == 1) break;
            j->rc = rc < 0 ? rc : BSP_EINVAL;
            snprintf(j->msg, sizeof j->msg, "%s", rc < 0 ? bsp_errmsg() : "scan stopped");
            atomic_store(j->stop, 1);
            break;
        }
        size_t done = atomic_fetch_add(j->fragments_done, 1) + 1;
        if (j->progress) {
            pthread_mutex_lock(j->progress_lock);
            bsp_progress_report(j->progress, "search", done, j->nfragments);
            pthread_mutex_unlock(j->progress_lock);
        }
    }
    return NULL;
}

static unsigned pick_threads(const bsp_search_source *src, const bsp_search_options *o)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned t = o->threads ? o->threads : (online > 0 ? (unsigned)online : 1);
    if (t > 256) t = 256;
    if (src->kind == BSP_SOURCE_RECORDS) {
        size_t most = src->n / MIN_ROWS_PER_THREAD;
        if (most < 1) most = 1;
        if (t > most) t = (unsigned)most;
    } else {
        size_t nf = bsp_dataset_fragment_count(src->ds);
        if (nf < 1) nf = 1;
        if (t > nf) t = (unsigned)nf;
    }
    return t ? t : 1;
}

int bsp_search_batch(const bsp_search_source *src, const uint64_t *queries, size_t nq,
                     const bsp_search_options *o, bsp_search_hit *hits, size_t *nhits,
                     bsp_search_info *info)
{
    search_ctx c;
    int rc = ctx_init(&c, o);
    if (rc) return rc;
    if ((rc = check_source(src))) return rc;
    c.side_plane = src->kind == BSP_SOURCE_RECORDS ? src->n * 8 : 0;
    if (info) memset(info, 0, sizeof *info);
    if (nq == 0) return BSP_OK;
    if (!queries || !nhits || (o->k && !hits)) return bsp_err(BSP_EINVAL, "search: NULL query or result buffer");
    for (size_t q = 0; q < nq; q++) nhits[q] = 0;

    if (o->mode == BSP_SEARCH_APPROXIMATE) {
        bsp_cascade cas;
        if (o->cascade) cas = *o->cascade;
        else if ((rc = bsp_cascade_default(o->mask, &cas))) return rc;
        for (size_t q = 0; q < nq; q++) {
            bsp_search_info one;
            rc = search_approximate(src, &c, &cas, queries + q * BSP_WORDS, hits + q * o->k,
                                    &nhits[q], &one);
            if (rc) return rc;
            if (info) {
                info->candidates += one.candidates;
                info->passed += one.passed;
                info->completed += one.completed;
            }
        }
        if (info) info->approximate = true;
        return BSP_OK;
    }

    uint64_t rows = source_rows(src);
    size_t kcap = o->k < rows ? o->k : (size_t)rows;
    c.k = kcap;
    if (kcap == 0) {
        if (info) info->candidates = 0;
        return BSP_OK;
    }
    unsigned nt = pick_threads(src, o);
    job *jobs = calloc(nt, sizeof *jobs);
    search_query *qs = calloc((size_t)nt * nq, sizeof *qs);
    if (nq > SIZE_MAX / nt / kcap / sizeof(bsp_search_hit)) {
        free(jobs); free(qs);
        return bsp_err(BSP_ENOMEM, "search: %zu queries x k %zu is too large", nq, kcap);
    }
    bsp_search_hit *heaps = malloc((size_t)nt * nq * kcap * sizeof *heaps);
    if (!jobs || !qs || !heaps) {
        free(jobs); free(qs); free(heaps);
        return bsp_err(BSP_ENOMEM, "search: out of memory for %u x %zu heaps of %zu", nt, nq, kcap);
    }
    atomic_size_t next_fragment = 0, fragments_done = 0;
    atomic_int stop = 0;
    pthread_mutex_t plock = PTHREAD_MUTEX_INITIALIZER;
    search_scan_fn scan = search_scan_select();
    size_t nfrag = src->kind == BSP_SOURCE_DATASET ? bsp_dataset_fragment_count(src->ds) : 0;
    for (unsigned t = 0; t < nt; t++) {
        job *j = &jobs[t];
        j->src = src;
        j->scan = scan;
        j->w.c = &c;
        j->w.qs = qs + (size_t)t * nq;
        j->w.nq = nq;
        for (size_t q = 0; q < nq; q++) {
            search_query *sq = &j->w.qs[q];
            sq->q = queries + q * BSP_WORDS;
            sq->heap = heaps + ((size_t)t * nq + q) * kcap;
            search_query_reset_limits(&c, sq);
        }
        j->i0 = (size_t)((uint64_t)src->n * t / nt);
        j->i1 = (size_t)((uint64_t)src->n * (t + 1) / nt);
        j->next_fragment = &next_fragment;
        j->nfragments = nfrag;
        j->stop = &stop;
        j->progress = o->progress;
        j->progress_lock = &plock;
        j->fragments_done = &fragments_done;
        j->w.qptr = malloc(nq * sizeof *j->w.qptr);
        j->w.qidx = malloc(nq * sizeof *j->w.qidx);
        j->w.dbuf = malloc((nq > 1 ? nq : 1) * (size_t)SEARCH_CHUNK * sizeof *j->w.dbuf);
        if (!j->w.qptr || !j->w.qidx || !j->w.dbuf) rc = bsp_err(BSP_ENOMEM, "search: out of memory");
        if (src->kind == BSP_SOURCE_DATASET) {
            j->aligned = aligned_alloc(BSP_ALIGN, (size_t)ALIGN_PIECE * BSP_BYTES);
            if (!j->aligned) rc = bsp_err(BSP_ENOMEM, "search: out of memory");
        }
    }
    _Atomic uint32_t *shared = NULL;
    if (nt > 1 && c.rank == BSP_RANK_DISTANCE) {
        shared = malloc(nq * sizeof *shared);
        if (!shared && !rc) rc = bsp_err(BSP_ENOMEM, "search: out of memory");
        for (size_t q = 0; shared && q < nq; q++) {
            atomic_init(&shared[q], c.maxd);
            for (unsigned t = 0; t < nt; t++) jobs[t].w.qs[q].shared = &shared[q];
        }
    }
    pthread_t *tids = calloc(nt, sizeof *tids);
    if (!tids && !rc) rc = bsp_err(BSP_ENOMEM, "search: out of memory");
    unsigned started = 0;
    if (!rc) {
        for (unsigned t = 1; t < nt; t++) {
            if (pthread_create(&tids[t], NULL, job_main, &jobs[t]) != 0) break;
            started = t;
        }
        job_main(&jobs[0]);
        for (unsigned t = 1; t <= started; t++) pthread_join(tids[t], NULL);
        /* threads that could not start: run their share here */
        for (unsigned t = started + 1; t < nt; t++) job_main(&jobs[t]);
    }
    for (unsigned t = 0; t < nt && !rc; t++)
        if (jobs[t].rc) rc = bsp_err(jobs[t].rc, "%s", jobs[t].msg);

    if (!rc) {
        bsp_search_hit *all = malloc((size_t)nt * kcap * sizeof *all);
        if (!all) rc = bsp_err(BSP_ENOMEM, "search: out of memory");
        for (size_t q = 0; q < nq && !rc; q++) {
            size_t m = 0;
            for (unsigned t = 0; t < nt; t++) {
                search_query *sq = &jobs[t].w.qs[q];
                memcpy(all + m, sq->heap, sq->size * sizeof *all);
                m += sq->size;
            }
            search_hits_sort(all, m);
            size_t take = m < kcap ? m : kcap;
            memcpy(hits + q * o->k, all, take * sizeof *all);
            nhits[q] = take;
        }
        free(all);
    }
    if (info) {
        for (unsigned t = 0; t < nt; t++) {
            info->candidates += jobs[t].w.candidates;
            info->passed += jobs[t].w.passed;
            info->completed += jobs[t].w.completed;
        }
        /* candidates and passed are counted once per candidate, whatever nq */
    }
    for (unsigned t = 0; t < nt; t++) {
        free(jobs[t].aligned);
        free(jobs[t].w.qptr);
        free(jobs[t].w.qidx);
        free(jobs[t].w.dbuf);
    }
    free(tids);
    free((void *)shared);
    free(jobs);
    free(qs);
    free(heaps);
    return rc;
}

int bsp_search(const bsp_search_source *src, const uint64_t *query, const bsp_search_options *o,
               bsp_search_hit *hits, size_t *nhits, bsp_search_info *info)
{
    size_t n = 0;
    if (!nhits) return bsp_err(BSP_EINVAL, "search: NULL result count");
    int rc = bsp_search_batch(src, query, 1, o, hits, &n, info);
    *nhits = n;
    return rc;
}
