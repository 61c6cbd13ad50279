/* bsp_backup_create: extend a backup chain with the version records of a table, one Lance
 * version at a time, with snapshots at the start and every `snapshot_interval` records; the
 * runtime's flush hook; and bsp_backup_list.
 *
 * The one idea: the chain is only ever extended at its end, one commit per item (a version
 * record R(v−1 → v) or a snapshot marker), so a crash or an error leaves a chain that is
 * complete up to some version, and the next create continues from there. Versions in §13 are
 * consecutive, so a backup from v to w > v + 1 appends w − v records (not one combined record):
 * every version in between stays restorable. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "delta/backup_internal.h"
#include "io/io.h"
#include "lance/dataset.h"
#include "util/error.h"

char *bsp_backup_default_chain(const char *table)
{
    size_t n = strlen(table);
    while (n > 1 && table[n - 1] == '/') n--;
    size_t base = n >= 6 && strncmp(table + n - 6, ".lance", 6) == 0 ? n - 6 : n;
    char *p = malloc(base + 16);
    if (p) snprintf(p, base + 16, "%.*s.backup.lance", (int)base, table);
    return p;
}

/* One writer per chain: an exclusive flock on <chain>/_bindspace_lock for the whole create,
 * so two flush hooks (or a hook and the CLI) never append the same record twice; the second
 * waits, then continues from the end the first left. */
static int lock_chain(const char *chain, int *fd)
{
    *fd = -1;
    int rc = io_mkdir_p(chain);
    if (rc) return rc;
    char *p = io_path_join(chain, BK_LOCK_NAME);
    if (!p) return bsp_err(BSP_ENOMEM, "backup: out of memory");
    int f = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) rc = bsp_err(BSP_EIO, "open %s: %s", p, strerror(errno));
    else {
        while (flock(f, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            rc = bsp_err(BSP_EIO, "flock %s: %s", p, strerror(errno));
            close(f);
            f = -1;
            break;
        }
    }
    free(p);
    *fd = f;
    return rc;
}

static int snapshot_now(const char *table, const char *chain, uint64_t v, const bk_table_cols *c,
                        const bsp_progress *p, bsp_backup_stats *st)
{
    bk_state s;
    int rc = bk_table_state(table, v, c, &s);
    uint64_t digest = 0;
    if (!rc) rc = bk_snapshot_write(chain, v, &s, c, p, &digest);
    if (!rc) rc = bk_chain_append_snapshot(chain, c->key_type, v, s.n, digest);
    bk_state_free(&s);
    if (!rc) st->snapshots++;
    return rc;
}

int bsp_backup_create(const char *table, uint64_t from, uint64_t to, const char *chain,
                      const bsp_backup_options *opts, bsp_backup_stats *stats)
{
    bsp_backup_stats st = {0};
    uint32_t interval = opts && opts->snapshot_interval ? opts->snapshot_interval : BSP_BACKUP_DEFAULT_INTERVAL;
    const bsp_progress *prog = opts ? opts->progress : NULL;
    char *cpath = chain ? strdup(chain) : bsp_backup_default_chain(table);
    if (!cpath) return bsp_err(BSP_ENOMEM, "backup: out of memory");
    bk_chain ch = {0};
    int lockfd = -1;
    bk_table_cols cols;
    bsp_dataset *ds = NULL;
    int rc = bsp_dataset_open(table, 0, &ds);
    if (!rc) rc = bk_table_cols_resolve(ds, opts, &cols);
    uint64_t latest = ds ? bsp_dataset_version(ds) : 0;
    if (ds) bsp_dataset_free(ds);
    if (rc) goto out;
    if (to == BSP_BACKUP_LATEST) to = latest;
    if (to > latest) {
        rc = bsp_err(BSP_ENOTFOUND, "%s: version %" PRIu64 " does not exist (latest is %" PRIu64 ")", table,
                     to, latest);
        goto out;
    }
    if ((rc = lock_chain(cpath, &lockfd))) goto out;
    if ((rc = bk_seal_update(cpath))) goto out; /* files of a crashed run */
    if ((rc = bk_chain_open(cpath, true, &ch))) goto out;
    size_t since = 0; /* records after the last snapshot */
    uint64_t end = 0;
    bool any = bk_chain_end(&ch, &end);
    for (size_t i = 0; i < ch.n; i++) {
        if (!ch.items[i].header_ok) {
            rc = bsp_err(BSP_ECORRUPT, "%s: the chain is damaged (%s); run verify", cpath, ch.items[i].header_err);
            goto out;
        }
        since = ch.items[i].kind == BSP_BACKUP_SNAPSHOT ? 0 : since + 1;
    }
    if (any && ch.key_type.id != cols.key_type.id) {
        rc = bsp_err(BSP_EINVAL, "%s: the chain's key type differs from column '%s' of %s", cpath, cols.key,
                     table);
        goto out;
    }
    if (!any) {
        if (from == BSP_BACKUP_CHAIN_END) from = to;
        if (from > to) {
            rc = bsp_err(BSP_EINVAL, "backup: from version %" PRIu64 " is after to version %" PRIu64, from, to);
            goto out;
        }
        if ((rc = snapshot_now(table, cpath, from, &cols, prog, &st))) goto out;
        since = 0;
    } else {
        if (from == BSP_BACKUP_CHAIN_END) {
            from = end;
            if (to < end) to = end; /* already there (a concurrent writer got further): nothing to do */
        }
        if (from != end) {
            rc = bsp_err(BSP_EINVAL, "%s: the chain ends at version %" PRIu64 "; a backup must continue from"
                         " there, not from %" PRIu64, cpath, end, from);
            goto out;
        }
        if (to < from) {
            rc = bsp_err(BSP_EINVAL, "%s: the chain already covers version %" PRIu64 " (it ends at %" PRIu64 ")",
                         cpath, to, end);
            goto out;
        }
    }
    for (uint64_t v = from + 1; v <= to && !rc; v++) {
        bk_record r;
        if ((rc = bk_table_record(table, v - 1, v, &cols, &r))) break;
        rc = bk_chain_append_record(cpath, cols.key_type, &r);
        if (!rc) {
            st.records++;
            for (size_t i = 0; i < r.n; i++) {
                uint8_t k = r.e[i].kind;
                st.modify += k == BSP_BACKUP_MODIFY;
                st.create += k == BSP_BACKUP_CREATE;
                st.del += k == BSP_BACKUP_DELETE;
            }
        }
        bk_record_free(&r);
        if (!rc && ++since >= interval) {
            rc = snapshot_now(table, cpath, v, &cols, prog, &st);
            since = 0;
        }
        bsp_progress_report(prog, "backup", v - from, to - from);
    }
out:
    bk_chain_close(&ch);
    if (lockfd >= 0) close(lockfd); /* releases the flock */
    if (!rc || stats) {
        bk_chain ch2;
        if (bk_chain_open(cpath, true, &ch2) == BSP_OK) {
            uint64_t e = 0;
            if (bk_chain_end(&ch2, &e)) st.last_version = e;
            st.first_version = ch2.n ? ch2.items[0].from : 0;
            bk_chain_close(&ch2);
        }
    }
    if (stats) *stats = st;
    free(cpath);
    return rc;
}

void bsp_backup_on_flush(void *ctx, bsp_space *sp, const char *table_path, uint64_t old_version,
                         uint64_t new_version)
{
    (void)sp, (void)old_version;
    char *chain = bsp_backup_default_chain(table_path);
    if (!chain) return;
    if (io_exists(chain)) {
        int rc = bsp_backup_create(table_path, BSP_BACKUP_CHAIN_END, new_version, chain,
                                   (const bsp_backup_options *)ctx, NULL);
        if (rc) fprintf(stderr, "bindspace: backup of %s after the flush to version %" PRIu64 " failed: %s\n",
                        table_path, new_version, bsp_errmsg());
    }
    free(chain);
}

int bsp_backup_list(const char *chain, bsp_backup_item **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    bk_chain ch;
    int rc = bk_chain_open(chain, false, &ch);
    if (rc) return rc;
    bsp_backup_item *it = calloc(ch.n ? ch.n : 1, sizeof *it);
    if (!it) rc = bsp_err(BSP_ENOMEM, "backup: out of memory");
    for (size_t i = 0; i < ch.n && !rc; i++) {
        const bk_item *x = &ch.items[i];
        it[i] = (bsp_backup_item){
            .from_version = x->from, .to_version = x->to, .snapshot = x->kind == BSP_BACKUP_SNAPSHOT,
            .entries = x->nentries, .modify = x->counts[BSP_BACKUP_MODIFY],
            .create = x->counts[BSP_BACKUP_CREATE], .del = x->counts[BSP_BACKUP_DELETE],
            .rows = x->rows_to, .bytes = x->bytes};
        if (it[i].snapshot && x->nentries) {
            /* the snapshot table's data files */
            char *sp = bk_snapshot_path(chain, x->to);
            bsp_dataset *ds;
            if (sp && bsp_dataset_open(sp, 0, &ds) == BSP_OK) {
                const Lance__Table__Manifest *m = ds->mf.m;
                for (size_t f = 0; f < m->n_fragments; f++)
                    for (size_t k = 0; k < m->fragments[f]->n_files; k++)
                        it[i].bytes += m->fragments[f]->files[k]->file_size_bytes;
                bsp_dataset_free(ds);
            }
            bsp_errclear();
            free(sp);
        }
    }
    size_t count = ch.n;
    bk_chain_close(&ch);
    if (rc) {
        free(it);
        return rc;
    }
    *items = it;
    *n = count;
    return BSP_OK;
}
