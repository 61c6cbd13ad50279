/* bsp_backup_restore: rebuild version v of a table from its backup chain alone (spec §13
 * restore): start from the nearest usable snapshot and apply version records forward
 * (snapshot s <= v) or backward (snapshot s > v), then write a new Lance table.
 *
 * The one idea: everything that is used is checked before the output table exists — the
 * snapshot's row CRCs, count and digest, each record's entry CRCs, digest and §13 checksums,
 * and each application's requirements — so a damaged chain gives an error naming the
 * version and key, never a silently wrong table. The state lives in memory (at most 65,536 ×
 * 2 KiB for a BindSpace table) and is written as one commit. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "delta/backup_internal.h"
#include "util/error.h"

static int oom(void) { return bsp_err(BSP_ENOMEM, "backup: out of memory"); }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

long bk_chain_record_to(const bk_chain *c, uint64_t v)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].kind == BSP_BACKUP_HEADER && c->items[i].to == v && c->items[i].from + 1 == v)
            return (long)i;
    return -1;
}

/* Does the chain hold every record R(a → a+1) .. R(b−1 → b)? */
static bool covered(const bk_chain *c, uint64_t a, uint64_t b)
{
    for (uint64_t v = a + 1; v <= b; v++)
        if (bk_chain_record_to(c, v) < 0) return false;
    return true;
}

static int write_table(const char *out, bk_state *s, const bk_table_cols *names, const bsp_progress *p)
{
    bsp_schema schema = {0};
    bsp_batch b = {0};
    schema.nfields = 2;
    schema.fields = calloc(2, sizeof *schema.fields);
    b.cols = calloc(2, sizeof *b.cols);
    int rc = (!schema.fields || !b.cols) ? oom() : BSP_OK;
    if (!rc) {
        schema.fields[0] = (bsp_field){strdup(names->key), names->key_type, false, -1};
        schema.fields[1] = (bsp_field){strdup(names->fp), {BSP_T_FSL_UINT8, BK_REC}, false, -1};
        if (!schema.fields[0].name || !schema.fields[1].name) rc = oom();
    }
    if (!rc) {
        b.ncols = 2;
        b.nrows = s->n;
        rc = bk_col_from_keys(names->key_type, s->keys, s->n, &b.cols[0]);
    }
    bool in_place = s->n > 0;
    for (size_t i = 0; i < s->n && in_place; i++) in_place = s->slot[i] == i;
    if (!rc) {
        b.cols[1] = (bsp_column){.type = {BSP_T_FSL_UINT8, BK_REC}, .length = s->n, .data_len = s->n * BK_REC};
        if (in_place) {
            /* Slots already in key order (no creates or deletes since the snapshot): the arena
             * is the column, written as it is instead of copying 128 MiB (a mapped arena stays
             * the state's; b must not free it). */
            b.cols[1].data = s->arena;
        } else {
            b.cols[1].data = malloc(s->n ? s->n * BK_REC : 1);
            if (!b.cols[1].data) rc = oom();
        }
    }
    if (!rc && !in_place) {
        /* Gather in key order; runs of consecutive slots (the usual case: a snapshot in key
         * order, few changes) are copied in one memcpy. */
        for (size_t i = 0; i < s->n;) {
            size_t j = i + 1;
            while (j < s->n && s->slot[j] == s->slot[j - 1] + 1) j++;
            memcpy(b.cols[1].data + i * BK_REC, bk_state_rec(s, i), (j - i) * BK_REC);
            i = j;
        }
    }
    if (!rc) {
        bsp_write_options wo = {.mode = BSP_WRITE_CREATE, .progress = p};
        rc = bsp_dataset_write(out, &schema, &b, &wo, NULL);
    }
    if (in_place && b.cols) b.cols[1].data = NULL; /* the state's arena */
    bsp_batch_free(&b);
    bsp_schema_free(&schema);
    return rc;
}

int bsp_backup_restore(const char *chain, uint64_t v, const char *out, const bsp_restore_options *opts,
                       bsp_restore_stats *stats)
{
    bsp_restore_direction dir = opts ? opts->direction : BSP_RESTORE_AUTO;
    const bsp_progress *prog = opts ? opts->progress : NULL;
    bk_chain c;
    int rc = bk_chain_open(chain, false, &c);
    if (rc) return rc;
    /* Candidate snapshots: forward from the largest s <= v, backward from the smallest s > v,
     * each usable only if every record in between is in the chain. */
    long fwd = -1, bwd = -1;
    for (size_t i = 0; i < c.n; i++) {
        const bk_item *it = &c.items[i];
        if (it->kind != BSP_BACKUP_SNAPSHOT) continue;
        if (it->to <= v && covered(&c, it->to, v) && (fwd < 0 || it->to > c.items[fwd].to)) fwd = (long)i;
        if (it->to > v && covered(&c, v, it->to) && (bwd < 0 || it->to < c.items[bwd].to)) bwd = (long)i;
    }
    long pick = -1;
    if (dir == BSP_RESTORE_FORWARD) pick = fwd;
    else if (dir == BSP_RESTORE_BACKWARD) pick = bwd;
    else if (fwd < 0) pick = bwd;
    else if (bwd < 0) pick = fwd;
    else pick = v - c.items[fwd].to <= c.items[bwd].to - v ? fwd : bwd;
    if (pick < 0) {
        uint64_t end = 0;
        bk_chain_end(&c, &end);
        rc = bsp_err(BSP_ENOTFOUND, "%s: version %" PRIu64 " cannot be restored %s(the chain covers %" PRIu64
                     "..%" PRIu64 ")", chain, v,
                     dir == BSP_RESTORE_FORWARD ? "forward " : dir == BSP_RESTORE_BACKWARD ? "backward " : "",
                     c.n ? c.items[0].from : 0, end);
        bk_chain_close(&c);
        return rc;
    }
    const bk_item *snap = &c.items[pick];
    bool streamed;
    rc = bk_restore_streamed(&c, chain, snap, v, out, prog, stats, &streamed);
    if (rc || streamed) {
        bk_chain_close(&c);
        return rc;
    }
    double t0 = now();
    bk_state s;
    bk_table_cols names;
    rc = bk_snapshot_load(chain, snap, &s, &names, NULL, NULL);
    if (!rc && !names.key[0]) {
        /* An empty snapshot has no table: take the names from any other snapshot. */
        for (size_t i = 0; i < c.n && !names.key[0]; i++) {
            if (c.items[i].kind != BSP_BACKUP_SNAPSHOT || !c.items[i].nentries) continue;
            bk_state tmp;
            if (bk_snapshot_load(chain, &c.items[i], &tmp, &names, NULL, NULL) == BSP_OK) bk_state_free(&tmp);
        }
        bsp_errclear();
        if (!names.key[0]) {
            snprintf(names.key, sizeof names.key, "%s", c.key_type.id == BSP_T_UINT16 ? "addr" : "id");
            snprintf(names.fp, sizeof names.fp, "fingerprint");
        }
        names.key_type = c.key_type;
    }
    double t1 = now();
    uint64_t applied = 0, total = snap->to > v ? snap->to - v : v - snap->to;
    bool forward = snap->to <= v;
    for (uint64_t k = 0; k < total && !rc; k++) {
        uint64_t to = forward ? snap->to + k + 1 : snap->to - k;
        bk_record r;
        rc = bk_chain_read_record(&c, (size_t)bk_chain_record_to(&c, to), &r, NULL, NULL);
        if (!rc) rc = forward ? bk_apply_forward(&s, &r) : bk_apply_backward(&s, &r);
        bk_record_free(&r);
        applied++;
        bsp_progress_report(prog, "restore: records", applied, total);
    }
    double t2 = now();
    if (!rc) rc = write_table(out, &s, &names, prog);
    if (!rc && stats)
        *stats = (bsp_restore_stats){snap->to, applied, s.n, (uint64_t)s.n * BK_REC, t1 - t0, t2 - t1, now() - t2, 0, false};
    bk_state_free(&s);
    bk_chain_close(&c);
    return rc;
}
