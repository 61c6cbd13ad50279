/* The streamed restore: the common case of bsp_backup_restore — a mapped snapshot and version
 * records that only MODIFY — with the table write overlapping the rebuild.
 *
 * The one idea: when no record creates or deletes, row i of the restored table is row i of the
 * snapshot, so the output column can be produced in chunks, in order, each chunk complete on
 * its own: copy the chunk's snapshot rows into a buffer (checking their row CRCs while they
 * are in cache), apply every record's deltas that fall in it, in application order (checking
 * their §13 checksums), and hand it to the Lance writer, which asks for the column piece by
 * piece (bsp_column.fill) and writes each with O_DIRECT while a second thread builds the next
 * ones in a ring of buffers. Nothing is in the output table until the writer's final commit,
 * which only happens after the last chunk was built and checked: a damaged chain still leaves
 * no table. Record structure (key order, keys present, payloads decodable, row counts) is
 * checked for every record before the first byte is written. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "delta/backup_internal.h"
#include "io/io.h"
#include "util/error.h"

#define RING 4          /* chunk buffers: the one being written, up to three being built */
#define CRC_BLOCK 48    /* rows copied then CRC-checked while in cache (96 KiB) */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct op {
    uint32_t row, rec, entry; /* output row, record (application order), entry in it */
} op;

typedef struct stream {
    const char *chain;
    uint64_t snap_to;
    const bk_snap_view *view;
    const bk_record *recs;
    bool forward;
    const op *ops;
    const size_t *first; /* ops of chunk c: [first[c], first[c+1]) */
    size_t chunk_rows, nchunks;
    uint8_t *ring[RING];
    uint32_t crc[CRC_BLOCK];
    /* shared with the writer's thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t ready;    /* chunks built */
    size_t released; /* chunks the writer is done with */
    bool stop;
    int rc;
    char err[1024];      /* the builder's error message (bsp_errmsg is per thread) */
    double busy, waited;
    const bsp_progress *prog;
} stream;

/* Checksums of the batched ops' records, then (backward) their deltas: §13 checks a forward
 * MODIFY's result and a backward MODIFY's current record. */
static int flush_batch(stream *st, uint8_t *buf, size_t r0, const op *b[], int n)
{
    if (n == 0) return BSP_OK;
    const uint8_t *rec[BK_FNV_LANES] = {0};
    for (int k = 0; k < n; k++) rec[k] = buf + (b[k]->row - r0) * BK_REC;
    uint64_t h[BK_FNV_LANES];
    bk_fnv_lanes(rec, n, h);
    for (int k = 0; k < n; k++) {
        const bk_record *r = &st->recs[b[k]->rec];
        const bk_entry *e = &r->e[b[k]->entry];
        if (h[k] != e->checksum)
            return bk_entry_fail(r, e, st->forward ? "the result does not match the checksum"
                                                   : "the current record does not match the checksum");
        if (!st->forward) {
            bsp_delta d;
            bsp_delta_decode(&d, r->buf + e->off, e->len);
            bsp_delta_apply((uint64_t *)(void *)(buf + (b[k]->row - r0) * BK_REC), &d);
        }
    }
    return BSP_OK;
}

/* Chunk c into buf: the snapshot's rows, checked, with every delta that falls in them. */
static int build_chunk(stream *st, size_t c, uint8_t *buf)
{
    const bk_snap_view *v = st->view;
    size_t r0 = c * st->chunk_rows, m = v->n - r0 < st->chunk_rows ? v->n - r0 : st->chunk_rows;
    for (size_t b = 0; b < m; b += CRC_BLOCK) {
        size_t k = m - b < CRC_BLOCK ? m - b : CRC_BLOCK;
        memcpy(buf + b * BK_REC, v->map.rows + (r0 + b) * BK_REC, k * BK_REC);
        bk_row_crcs(v->keys + r0 + b, buf + b * BK_REC, k, st->crc);
        for (size_t j = 0; j < k; j++)
            if (st->crc[j] != v->crcs[r0 + b + j])
                return bsp_err(BSP_ECORRUPT, "%s: snapshot %" PRIu64 ", key %" PRIu64 ": row CRC mismatch",
                               st->chain, st->snap_to, v->keys[r0 + b + j]);
    }
    const op *batch[BK_FNV_LANES];
    int nb = 0, rc = BSP_OK;
    for (size_t i = st->first[c]; i < st->first[c + 1] && !rc; i++) {
        const op *o = &st->ops[i];
        for (int k = 0; k < nb && !rc; k++)
            if (batch[k]->row == o->row) { /* its checksum needs the state before this op */
                rc = flush_batch(st, buf, r0, batch, nb);
                nb = 0;
            }
        if (rc) break;
        if (st->forward) {
            const bk_record *r = &st->recs[o->rec];
            const bk_entry *e = &r->e[o->entry];
            bsp_delta d;
            bsp_delta_decode(&d, r->buf + e->off, e->len);
            bsp_delta_apply((uint64_t *)(void *)(buf + (o->row - r0) * BK_REC), &d);
        }
        batch[nb++] = o;
        if (nb == BK_FNV_LANES) {
            rc = flush_batch(st, buf, r0, batch, nb);
            nb = 0;
        }
    }
    return rc ? rc : flush_batch(st, buf, r0, batch, nb);
}

static void *produce(void *arg)
{
    stream *st = arg;
    for (size_t c = 0; c < st->nchunks; c++) {
        pthread_mutex_lock(&st->mu);
        while (!st->stop && c >= st->released + RING) pthread_cond_wait(&st->cv, &st->mu);
        bool stop = st->stop;
        pthread_mutex_unlock(&st->mu);
        if (stop) break;
        double t = now();
        int rc = build_chunk(st, c, st->ring[c % RING]);
        pthread_mutex_lock(&st->mu);
        st->busy += now() - t;
        if (rc) {
            st->rc = rc;
            snprintf(st->err, sizeof st->err, "%s", bsp_errmsg());
        } else {
            st->ready = c + 1;
        }
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
        if (rc) break;
    }
    return NULL;
}

/* The writer asks for rows [row0, row0+n), always inside one chunk, chunks in order. */
static int fill(void *ctx, uint64_t row0, uint64_t n, const uint8_t **rows)
{
    stream *st = ctx;
    size_t c = (size_t)(row0 / st->chunk_rows);
    double t = now();
    pthread_mutex_lock(&st->mu);
    if (c > st->released) {
        st->released = c;
        pthread_cond_broadcast(&st->cv);
    }
    while (st->ready <= c && !st->rc) pthread_cond_wait(&st->cv, &st->mu);
    int rc = st->ready <= c ? st->rc : BSP_OK;
    pthread_mutex_unlock(&st->mu);
    st->waited += now() - t;
    if (rc) return bsp_err(rc, "%s", st->err);
    *rows = st->ring[c % RING] + (row0 - c * st->chunk_rows) * BK_REC;
    bsp_progress_report(st->prog, "restore", row0 + n, st->view->n);
    return BSP_OK;
}

/* Every record's structure, in application order, before anything is written; the ops
 * bucketed by chunk, stable (application order within a chunk). */
static int plan(stream *st, const bk_record *recs, size_t nrecs, op **opsp, size_t **firstp)
{
    const bk_snap_view *v = st->view;
    size_t nops = 0;
    for (size_t k = 0; k < nrecs; k++) nops += recs[k].n;
    op *ops = malloc((nops ? nops : 1) * sizeof *ops);
    uint32_t *row = malloc((nops ? nops : 1) * sizeof *row);
    size_t *first = calloc(st->nchunks + 2, sizeof *first);
    int rc = ops && row && first ? BSP_OK : bsp_err(BSP_ENOMEM, "backup: out of memory");
    size_t at = 0;
    for (size_t k = 0; k < nrecs && !rc; k++) {
        const bk_record *r = &recs[k];
        for (size_t i = 0; i < r->n && !rc; i++) {
            const bk_entry *e = &r->e[i];
            if (i && e->key <= r->e[i - 1].key) {
                rc = bk_entry_fail(r, e, "entries are not in ascending key order");
                break;
            }
            size_t lo = 0, hi = v->n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (v->keys[mid] < e->key) lo = mid + 1;
                else hi = mid;
            }
            bsp_delta d;
            if (lo == v->n || v->keys[lo] != e->key) rc = bk_entry_fail(r, e, "the address is not occupied");
            else if (bsp_delta_decode(&d, r->buf + e->off, e->len) < 0 || d.nnz == 0)
                rc = bk_entry_fail(r, e, "bad XorDelta payload");
            if (rc) break;
            row[at++] = (uint32_t)lo;
            first[lo / st->chunk_rows + 2]++;
        }
    }
    if (!rc) {
        for (size_t c = 2; c <= st->nchunks + 1; c++) first[c] += first[c - 1];
        at = 0; /* first[c+1] is the next free slot of chunk c while placing */
        for (size_t k = 0; k < nrecs; k++)
            for (size_t i = 0; i < recs[k].n; i++, at++)
                ops[first[row[at] / st->chunk_rows + 1]++] = (op){row[at], (uint32_t)k, (uint32_t)i};
    }
    free(row);
    if (rc) {
        free(ops);
        free(first);
        return rc;
    }
    *opsp = ops;
    *firstp = first;
    return BSP_OK;
}

static int write_streamed(stream *st, const char *out, const bk_table_cols *names)
{
    const bk_snap_view *v = st->view;
    bsp_field fields[2] = {{(char *)names->key, names->key_type, false, -1},
                           {(char *)names->fp, {BSP_T_FSL_UINT8, BK_REC}, false, -1}};
    bsp_schema schema = {2, fields};
    bsp_column cols[2];
    memset(cols, 0, sizeof cols);
    int rc = bk_col_from_keys(names->key_type, v->keys, v->n, &cols[0]);
    if (rc) return rc;
    cols[1] = (bsp_column){.type = {BSP_T_FSL_UINT8, BK_REC}, .length = v->n, .fill = fill, .fill_ctx = st};
    bsp_batch b = {v->n, 2, cols};
    pthread_t th;
    if (pthread_create(&th, NULL, produce, st) != 0) {
        free(cols[0].data);
        return bsp_err(BSP_EIO, "backup: cannot start the restore thread");
    }
    bsp_write_options wo = {.mode = BSP_WRITE_CREATE, .progress = st->prog};
    bool existed = io_exists(out);
    rc = bsp_dataset_write(out, &schema, &b, &wo, NULL);
    pthread_mutex_lock(&st->mu);
    st->stop = true;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
    pthread_join(th, NULL);
    if (rc && !existed) io_remove_tree(out); /* what the failed write left: no table, no directory */
    free(cols[0].data);
    free(cols[0].validity);
    return rc;
}

int bk_restore_streamed(const bk_chain *c, const char *chain, const bk_item *snap, uint64_t v, const char *out,
                        const bsp_progress *prog, bsp_restore_stats *stats, bool *used)
{
    *used = false;
    bool forward = snap->to <= v;
    uint64_t total = forward ? v - snap->to : snap->to - v;
    if (snap->nentries == 0 || snap->nentries > BK_STREAM_MAX_ROWS) return BSP_OK;
    double t0 = now();
    bk_snap_view view;
    bk_table_cols names;
    int rc = bk_snapshot_view(chain, snap, &view, &names);
    if (rc == BSP_EUNSUPPORTED) {
        bsp_errclear();
        return BSP_OK;
    }
    if (rc) return rc;
    double t1 = now();
    bk_record *recs = calloc(total ? total : 1, sizeof *recs);
    size_t nrecs = 0;
    bool modify_only = recs != NULL;
    if (!recs) rc = bsp_err(BSP_ENOMEM, "backup: out of memory");
    for (uint64_t k = 0; k < total && !rc && modify_only; k++) {
        uint64_t to = forward ? snap->to + k + 1 : snap->to - k;
        long at = bk_chain_record_to(c, to);
        if (at < 0) {
            rc = bsp_err(BSP_ENOTFOUND, "%s: no version record for version %" PRIu64, chain, to);
            break;
        }
        if ((rc = bk_chain_read_record(c, (size_t)at, &recs[nrecs], NULL, NULL))) break;
        const bk_record *r = &recs[nrecs++];
        modify_only = r->rows_from == view.n && r->rows_to == view.n;
        for (size_t i = 0; i < r->n && modify_only; i++) modify_only = r->e[i].kind == BSP_BACKUP_MODIFY;
    }
    stream st;
    memset(&st, 0, sizeof st);
    st.chain = chain;
    st.snap_to = snap->to;
    st.view = &view;
    st.recs = recs;
    st.forward = forward;
    st.chunk_rows = (size_t)bsp_fill_rows((bsp_type){BSP_T_FSL_UINT8, BK_REC});
    st.nchunks = (view.n + st.chunk_rows - 1) / st.chunk_rows;
    st.prog = prog;
    op *ops = NULL;
    size_t *first = NULL;
    if (!rc && modify_only) {
        *used = true;
        rc = plan(&st, recs, nrecs, &ops, &first);
        st.ops = ops;
        st.first = first;
        for (int i = 0; i < RING && !rc; i++) {
            st.ring[i] = aligned_alloc(4096, st.chunk_rows * BK_REC);
            if (!st.ring[i]) rc = bsp_err(BSP_ENOMEM, "backup: out of memory");
        }
    }
    double t2 = now();
    if (!rc && *used) {
        pthread_mutex_init(&st.mu, NULL);
        pthread_cond_init(&st.cv, NULL);
        rc = write_streamed(&st, out, &names);
        pthread_cond_destroy(&st.cv);
        pthread_mutex_destroy(&st.mu);
        if (!rc && stats)
            *stats = (bsp_restore_stats){.snapshot_version = snap->to,
                                         .records_applied = nrecs,
                                         .rows = view.n,
                                         .bytes = (uint64_t)view.n * BK_REC,
                                         .seconds_snapshot = t1 - t0,
                                         .seconds_apply = t2 - t1 + st.busy,
                                         .seconds_write = now() - t2,
                                         .seconds_write_wait = st.waited,
                                         .overlapped = true};
    }
    for (int i = 0; i < RING; i++) free(st.ring[i]);
    free(ops);
    free(first);
    for (size_t k = 0; k < nrecs; k++) bk_record_free(&recs[k]);
    free(recs);
    bk_snap_view_free(&view);
    return rc;
}
