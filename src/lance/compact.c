/* Compaction (Rewrite transaction, spec §5.3): merge runs of small fragments and rewrite
 * fragments with many deleted rows into new fragments with new ids.
 *
 * The one idea: a rewrite never changes what a reader sees, only where rows live. Groups are
 * runs of adjacent candidate fragments (small, or more than max_deleted_fraction deleted)
 * whose live rows fit one target fragment; a group is worth rewriting when it merges two or
 * more fragments or drops deleted rows. New fragments get fresh ids (never reused), the old
 * ids leave every index's fragment bitmap (their rows become "unindexed", which Lance scans),
 * and the commit fails with BSP_ECONFLICT if a concurrent writer touched an old fragment. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lance/colops.h"
#include "lance/commit.h"
#include "lance/datafile.h"
#include "lance/dataset.h"
#include "util/error.h"

#define DEFAULT_TARGET_ROWS (1u << 20)
#define DEFAULT_MAX_DELETED 0.1

static int oom(void) { return bsp_err(BSP_ENOMEM, "out of memory"); }

/* Append the live rows of fragment fi (all schema columns) to acc. */
static int read_live(const bsp_dataset *ds, size_t fi, bsp_batch *acc)
{
    const Lance__Table__DataFragment *f = ds->mf.m->fragments[fi];
    size_t nf = ds->schema.nfields;
    size_t *fields = malloc((nf ? nf : 1) * sizeof *fields);
    bsp_column *raw = calloc(nf ? nf : 1, sizeof *raw);
    struct datafile **files = calloc(f->n_files ? f->n_files : 1, sizeof *files);
    uint64_t *live = malloc((size_t)(f->physical_rows ? f->physical_rows : 1) * sizeof *live);
    roaring_bitmap_t *dv = NULL;
    int rc = (!fields || !raw || !files || !live) ? oom() : BSP_OK;
    for (size_t k = 0; k < nf && !rc; k++) fields[k] = k;
    if (!rc) rc = dataset_deletions(ds, fi, &dv);
    if (!rc) rc = dataset_read_rows(ds, fi, files, fields, nf, 0, f->physical_rows, raw);
    if (!rc) {
        uint64_t n = 0;
        for (uint64_t r = 0; r < f->physical_rows; r++)
            if (!dv || !roaring_bitmap_contains(dv, (uint32_t)r)) live[n++] = r;
        for (size_t k = 0; k < nf && !rc; k++) {
            bsp_column g;
            if (n == f->physical_rows) {
                rc = col_append(&acc->cols[k], &raw[k]);
                continue;
            }
            if ((rc = col_gather(&raw[k], live, n, &g))) break;
            rc = col_append(&acc->cols[k], &g);
            bsp_column_free(&g);
        }
        if (!rc) acc->nrows += n;
        for (size_t k = 0; k < nf; k++) bsp_column_free(&raw[k]);
    }
    if (files) dataset_close_files(files, f->n_files);
    rb_free(dv);
    free(files);
    free(live);
    free(raw);
    free(fields);
    return rc;
}

static int add_group(const bsp_dataset *ds, size_t first, size_t count, uint64_t target,
                     commit_op *op, const bsp_progress *progress, uint64_t *done, uint64_t total)
{
    commit_group *g = realloc(op->groups, (op->n_groups + 1) * sizeof *g);
    if (!g) return oom();
    op->groups = g;
    g = &op->groups[op->n_groups++];
    memset(g, 0, sizeof *g);
    g->old_ids = calloc(count, sizeof *g->old_ids);
    g->old_del_rv = calloc(count, sizeof *g->old_del_rv);
    g->old_del_id = calloc(count, sizeof *g->old_del_id);
    if (!g->old_ids || !g->old_del_rv || !g->old_del_id) return oom();
    bsp_batch acc = {0, ds->schema.nfields, NULL};
    acc.cols = calloc(acc.ncols ? acc.ncols : 1, sizeof *acc.cols);
    if (!acc.cols) return oom();
    for (size_t k = 0; k < acc.ncols; k++) acc.cols[k].type = ds->schema.fields[k].type;
    int rc = BSP_OK;
    for (size_t i = 0; i < count && !rc; i++) {
        const Lance__Table__DataFragment *f = ds->mf.m->fragments[first + i];
        g->old_ids[i] = f->id;
        if (f->deletion_file) {
            g->old_del_rv[i] = f->deletion_file->read_version;
            g->old_del_id[i] = f->deletion_file->id;
        }
        g->n_old = i + 1;
        rc = read_live(ds, first + i, &acc);
        *done += f->physical_rows;
        bsp_progress_report(progress, "compact", *done, total);
    }
    if (!rc && acc.nrows)
        rc = dataset_write_fragments(ds->path, &ds->schema, &acc, target, NULL, &g->new_frags,
                                     &g->n_new);
    bsp_batch_free(&acc);
    return rc;
}

int bsp_dataset_compact(const char *path, const bsp_compact_options *opts, uint64_t *new_version)
{
    uint64_t target = opts && opts->target_rows_per_fragment ? opts->target_rows_per_fragment
                                                             : DEFAULT_TARGET_ROWS;
    double maxdel = opts && opts->max_deleted_fraction > 0 ? opts->max_deleted_fraction
                                                           : DEFAULT_MAX_DELETED;
    const bsp_progress *progress = opts ? opts->progress : NULL;
    bsp_dataset *ds;
    int rc = dataset_open_for_write(path, &ds);
    if (rc) return rc;
    const Lance__Table__Manifest *m = ds->mf.m;
    size_t nfr = m->n_fragments;
    /* Plan: runs of adjacent candidates whose live rows fit one target fragment. */
    size_t *start = calloc(nfr + 1, sizeof *start), *len = calloc(nfr + 1, sizeof *len);
    size_t ng = 0;
    uint64_t total = 0, done = 0;
    if (!start || !len) rc = oom();
    for (size_t i = 0; i < nfr && !rc;) {
        const bsp_fragment_info *fi = &ds->frags[i];
        uint64_t liv = fi->physical_rows - fi->deleted_rows;
        bool heavy = fi->physical_rows && (double)fi->deleted_rows / (double)fi->physical_rows > maxdel;
        if (!(liv < target || heavy)) {
            i++;
            continue;
        }
        size_t j = i;
        uint64_t sum = 0;
        bool any_heavy = false;
        while (j < nfr) {
            const bsp_fragment_info *fj = &ds->frags[j];
            uint64_t lj = fj->physical_rows - fj->deleted_rows;
            bool hj = fj->physical_rows && (double)fj->deleted_rows / (double)fj->physical_rows > maxdel;
            if (!(lj < target || hj)) break;
            if (j > i && sum + lj > target) break;
            sum += lj;
            any_heavy |= hj;
            j++;
        }
        if (j - i >= 2 || any_heavy) {
            start[ng] = i;
            len[ng] = j - i;
            ng++;
            for (size_t k = i; k < j; k++) total += ds->frags[k].physical_rows;
        }
        i = j;
    }
    commit_op op = {0};
    op.kind = COMMIT_REWRITE;
    for (size_t g = 0; g < ng && !rc; g++)
        rc = add_group(ds, start[g], len[g], target, &op, progress, &done, total);
    if (!rc && ng == 0 && new_version) *new_version = ds->mf.version;
    if (!rc && ng) rc = commit_run(path, &ds->mf, MANIFEST_NAMING_NONE, &op, new_version);
    commit_op_free(&op);
    free(start);
    free(len);
    bsp_dataset_free(ds);
    return rc;
}
