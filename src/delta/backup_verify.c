/* bsp_backup_verify: check a backup chain without restoring it.
 *
 * The one idea: three independent layers, each reporting damage where it can name it —
 * (1) continuity: the items form snapshot, R(s→s+1), R(s+1→s+2), ... with row counts that
 * agree from one to the next; (2) content: every entry's CRC-32C, the §13 checksums of
 * CREATE/DELETE payloads, XorDelta well-formedness, key order and each record's count and
 * digest, every snapshot row's CRC, count and digest — damage here is reported by version
 * and key; (3) files: every file's size and CRC-32C against its seal, which catches flipped
 * bytes that no decoder reads (padding, unused metadata fields, old manifests). A MODIFY's
 * checksum needs the base record, so it is checked by restore, not here. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delta/backup_internal.h"
#include "lance/dataset.h"
#include "util/error.h"

typedef struct vctx {
    bsp_backup_report *r;
    const bk_chain *c;
    int oom;
} vctx;

static void add(vctx *x, uint64_t from, uint64_t to, bool has_key, uint64_t key, int kind, const char *what)
{
    bsp_backup_report *r = x->r;
    if (r->nproblems % 64 == 0) {
        bsp_backup_problem *p = realloc(r->problems, (r->nproblems + 64) * sizeof *p);
        if (!p) {
            x->oom = 1;
            return;
        }
        r->problems = p;
    }
    bsp_backup_problem *p = &r->problems[r->nproblems++];
    memset(p, 0, sizeof *p);
    p->from_version = from;
    p->to_version = to;
    p->has_key = has_key;
    p->key = key;
    p->kind = kind;
    snprintf(p->what, sizeof p->what, "%s", what);
}

static void item_problem(void *ctx, const bk_item *it, bool has_key, uint64_t key, int kind, const char *what)
{
    add(ctx, it->from, it->to, has_key, key, kind, what);
}

/* Map a sealed file to the chain item it belongs to. */
static void seal_problem(void *ctx, const char *rel, const char *what)
{
    vctx *x = ctx;
    char msg[200];
    snprintf(msg, sizeof msg, "%s: %s", rel, what);
    unsigned long long sv;
    if (sscanf(rel, "_snapshots/%llu.lance/", &sv) == 1) {
        add(x, sv, sv, false, 0, BSP_BACKUP_SNAPSHOT, msg);
        return;
    }
    /* a data file of a segment ("data/..." for the chain table, "_segments/<v>.lance/data/...") */
    for (size_t i = 0; i < x->c->n; i++) {
        const bk_item *it = &x->c->items[i];
        const char *sr = x->c->seg_rel[it->seg];
        size_t sl = strlen(sr);
        const char *d = sl == 0 ? rel : strncmp(rel, sr, sl) == 0 && rel[sl] == '/' ? rel + sl + 1 : NULL;
        if (!d || strncmp(d, "data/", 5) != 0) continue;
        const Lance__Table__DataFragment *f = x->c->segs[it->seg]->mf.m->fragments[it->frag];
        for (size_t k = 0; k < f->n_files; k++)
            if (f->files[k]->path && strcmp(f->files[k]->path, d + 5) == 0) {
                add(x, it->from, it->to, false, 0, -1, msg);
                return;
            }
    }
    add(x, 0, 0, false, 0, -1, msg);
}

void bsp_backup_report_free(bsp_backup_report *r)
{
    free(r->problems);
    memset(r, 0, sizeof *r);
}

int bsp_backup_verify(const char *chain, const bsp_progress *prog, bsp_backup_report *rep)
{
    memset(rep, 0, sizeof *rep);
    bk_chain c;
    int rc = bk_chain_open(chain, false, &c);
    if (rc == BSP_ENOTFOUND || rc == BSP_ENOMEM) return rc;
    vctx x = {rep, &c, 0};
    if (rc) {
        /* The chain table itself is unreadable (a damaged manifest, say): report that, and
         * let the seals say which file. */
        char msg[200];
        snprintf(msg, sizeof msg, "chain table unreadable: %s", bsp_errmsg());
        memset(&c, 0, sizeof c);
        add(&x, 0, 0, false, 0, -1, msg);
    }
    /* (1) continuity */
    bool started = false;
    uint64_t at = 0, rows = 0;
    char msg[200];
    for (size_t i = 0; i < c.n; i++) {
        const bk_item *it = &c.items[i];
        if (!it->header_ok) {
            add(&x, it->from, it->to, false, 0, -1, it->header_err);
            continue;
        }
        if (it->kind == BSP_BACKUP_SNAPSHOT) {
            rep->snapshots++;
            if (!started) {
                started = true;
                rep->first_version = it->to;
            } else if (it->to != at || it->nentries != rows) {
                snprintf(msg, sizeof msg, "snapshot of version %" PRIu64 " with %" PRIu64 " rows where the chain"
                         " is at version %" PRIu64 " with %" PRIu64 " rows", it->to, it->nentries, at, rows);
                add(&x, it->from, it->to, false, 0, -1, msg);
            }
            at = it->to;
            rows = it->nentries;
            continue;
        }
        rep->records++;
        rep->entries += it->nentries;
        if (!started) {
            add(&x, it->from, it->to, false, 0, -1, "version record before the chain's first snapshot");
            started = true;
            rep->first_version = it->from;
        } else if (it->from != at) {
            snprintf(msg, sizeof msg, "discontinuity: the chain is at version %" PRIu64 ", this record starts at %"
                     PRIu64, at, it->from);
            add(&x, it->from, it->to, false, 0, -1, msg);
        } else if (it->rows_from != rows) {
            snprintf(msg, sizeof msg, "record starts from %" PRIu64 " rows, the previous version has %" PRIu64,
                     it->rows_from, rows);
            add(&x, it->from, it->to, false, 0, -1, msg);
        }
        at = it->to;
        rows = it->rows_to;
    }
    rep->last_version = at;
    /* (2) content */
    for (size_t i = 0; i < c.n && !x.oom; i++) {
        const bk_item *it = &c.items[i];
        if (!it->header_ok) continue;
        if (it->kind == BSP_BACKUP_SNAPSHOT) {
            bk_state s;
            int r2 = bk_snapshot_load(chain, it, &s, NULL, item_problem, &x);
            if (r2 == BSP_ENOMEM) x.oom = 1;
            if (!r2) bk_state_free(&s);
        } else {
            bk_record r;
            int r2 = bk_chain_read_record(&c, i, &r, item_problem, &x);
            if (r2 == BSP_ENOMEM) x.oom = 1;
            if (!r2) {
                /* CREATE - DELETE must account for the row counts. */
                int64_t d = 0;
                for (size_t k = 0; k < r.n; k++)
                    d += r.e[k].kind == BSP_BACKUP_CREATE ? 1 : r.e[k].kind == BSP_BACKUP_DELETE ? -1 : 0;
                if ((int64_t)(it->rows_to - it->rows_from) != d)
                    add(&x, it->from, it->to, false, 0, -1, "creates and deletes do not match the row counts");
                bk_record_free(&r);
            }
        }
        bsp_progress_report(prog, "verify", i + 1, c.n);
    }
    bsp_errclear();
    /* (3) files */
    if (!x.oom) {
        rc = bk_seal_check(chain, seal_problem, &x, &rep->files);
        if (rc == BSP_ENOMEM) x.oom = 1;
        rc = BSP_OK;
    }
    bk_chain_close(&c);
    if (x.oom) {
        bsp_backup_report_free(rep);
        return bsp_err(BSP_ENOMEM, "verify: out of memory");
    }
    if (rep->nproblems) {
        const bsp_backup_problem *p = &rep->problems[0];
        char key[48] = "";
        if (p->has_key) snprintf(key, sizeof key, ", key %" PRIu64, p->key);
        return bsp_err(BSP_ECORRUPT, "%s: %zu problem(s); first: %s %" PRIu64 "->%" PRIu64 "%s: %s", chain,
                       rep->nproblems, p->from_version == p->to_version ? "snapshot" : "version record",
                       p->from_version, p->to_version, key, p->what);
    }
    return BSP_OK;
}
