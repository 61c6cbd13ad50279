/* Commit loop and the application of operations to manifests (spec §1.4, §2.8, §5.3, §7b).
 *
 * commit_run: for each attempt, copy the latest manifest (unknown fields included), apply
 * the operation (apply_*), stamp version/time/writer/flags, write the transaction as
 * `_transactions/{read_version}-{uuid}.txn`, encode the manifest with the same transaction
 * inline, and publish it with io_write_new (temp + fsync + link, never overwrites). EEXIST
 * means another writer took that version: read every winner's transaction, check
 * compatibility, and go round again on top of the new latest. */
#include "lance/commit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/io.h"
#include "lance/deletion.h"
#include "util/error.h"

/* ---- small protobuf helpers ----------------------------------------------------------------- */

static int push(void ***arr, size_t *n, void *p)
{
    if (!p) return bsp_err(BSP_ENOMEM, "out of memory");
    void **a = realloc(*arr, (*n + 1) * sizeof *a);
    if (!a) {
        protobuf_c_message_free_unpacked(p, NULL);
        return bsp_err(BSP_ENOMEM, "out of memory");
    }
    a[(*n)++] = p;
    *arr = a;
    return BSP_OK;
}
#define PUSH(arr, n, p) push((void ***)&(arr), &(n), (p))

static Lance__Table__DataFragment *frag_find(Lance__Table__Manifest *m, uint64_t id, size_t *pos)
{
    for (size_t i = 0; i < m->n_fragments; i++) {
        if (m->fragments[i]->id == id) {
            if (pos) *pos = i;
            return m->fragments[i];
        }
    }
    return NULL;
}

static void frag_remove_at(Lance__Table__Manifest *m, size_t i)
{
    protobuf_c_message_free_unpacked(&m->fragments[i]->base, NULL);
    memmove(m->fragments + i, m->fragments + i + 1, (m->n_fragments - i - 1) * sizeof *m->fragments);
    m->n_fragments--;
}

uint64_t commit_next_fragment_id(const Lance__Table__Manifest *m)
{
    uint64_t next = m->has_max_fragment_id ? (uint64_t)m->max_fragment_id + 1 : 0;
    for (size_t i = 0; i < m->n_fragments; i++)
        if (m->fragments[i]->id + 1 > next) next = m->fragments[i]->id + 1;
    return next;
}

int32_t commit_max_field_id(const Lance__Table__Manifest *m)
{
    int32_t mx = -1;
    for (size_t i = 0; i < m->n_fields; i++)
        if (m->fields[i]->id > mx) mx = m->fields[i]->id;
    for (size_t i = 0; i < m->n_fragments; i++)
        for (size_t j = 0; j < m->fragments[i]->n_files; j++)
            for (size_t k = 0; k < m->fragments[i]->files[j]->n_fields; k++)
                if (m->fragments[i]->files[j]->fields[k] > mx)
                    mx = m->fragments[i]->files[j]->fields[k];
    return mx;
}

/* ---- operation bookkeeping ------------------------------------------------------------------ */

void commit_op_free(commit_op *op)
{
    if (!op) return;
    for (size_t i = 0; i < op->n_new; i++)
        protobuf_c_message_free_unpacked(&op->new_frags[i]->base, NULL);
    free(op->new_frags);
    for (size_t i = 0; i < op->n_fields; i++)
        protobuf_c_message_free_unpacked(&op->fields[i]->base, NULL);
    free(op->fields);
    for (size_t i = 0; i < op->n_dels; i++) rb_free(op->dels[i].rows);
    free(op->dels);
    free(op->predicate);
    for (size_t i = 0; i < op->n_merge; i++)
        protobuf_c_message_free_unpacked(&op->merge_files[i]->base, NULL);
    free(op->merge_files);
    free(op->merge_ids);
    if (op->merge_field) protobuf_c_message_free_unpacked(&op->merge_field->base, NULL);
    free(op->drop_ids);
    for (size_t g = 0; g < op->n_groups; g++) {
        commit_group *gr = &op->groups[g];
        free(gr->old_ids);
        free(gr->old_del_rv);
        free(gr->old_del_id);
        for (size_t i = 0; i < gr->n_new; i++)
            protobuf_c_message_free_unpacked(&gr->new_frags[i]->base, NULL);
        free(gr->new_frags);
    }
    free(op->groups);
    commit_index_op_free(op);
    memset(op, 0, sizeof *op);
}

static const char *kind_name(commit_kind k)
{
    static const char *names[] = {"Overwrite", "Append", "Delete", "Update",
                                  "Merge", "Project", "Rewrite", "CreateIndex"};
    return names[k];
}

const char *commit_txn_op_name(const Lance__Table__Transaction *t)
{
    if (!t) return "None";
    switch (t->operation_case) {
    case LANCE__TABLE__TRANSACTION__OPERATION_APPEND: return "Append";
    case LANCE__TABLE__TRANSACTION__OPERATION_DELETE: return "Delete";
    case LANCE__TABLE__TRANSACTION__OPERATION_OVERWRITE: return "Overwrite";
    case LANCE__TABLE__TRANSACTION__OPERATION_CREATE_INDEX: return "CreateIndex";
    case LANCE__TABLE__TRANSACTION__OPERATION_REWRITE: return "Rewrite";
    case LANCE__TABLE__TRANSACTION__OPERATION_MERGE: return "Merge";
    case LANCE__TABLE__TRANSACTION__OPERATION_RESTORE: return "Restore";
    case LANCE__TABLE__TRANSACTION__OPERATION_RESERVE_FRAGMENTS: return "ReserveFragments";
    case LANCE__TABLE__TRANSACTION__OPERATION_UPDATE: return "Update";
    case LANCE__TABLE__TRANSACTION__OPERATION_PROJECT: return "Project";
    case LANCE__TABLE__TRANSACTION__OPERATION_UPDATE_CONFIG: return "UpdateConfig";
    case LANCE__TABLE__TRANSACTION__OPERATION_DATA_REPLACEMENT: return "DataReplacement";
    case LANCE__TABLE__TRANSACTION__OPERATION_UPDATE_MEM_WAL_STATE: return "UpdateMemWalState";
    case LANCE__TABLE__TRANSACTION__OPERATION_CLONE: return "Clone";
    case LANCE__TABLE__TRANSACTION__OPERATION_UPDATE_BASES: return "UpdateBases";
    default: return "Unknown";
    }
}

/* ---- compatibility (§1.4) ------------------------------------------------------------------- */

static bool op_touches(const commit_op *op, uint64_t id)
{
    for (size_t i = 0; i < op->n_dels; i++)
        if (op->dels[i].fragment_id == id) return true;
    for (size_t g = 0; g < op->n_groups; g++)
        for (size_t i = 0; i < op->groups[g].n_old; i++)
            if (op->groups[g].old_ids[i] == id) return true;
    return false;
}

static bool frags_touch(const commit_op *op, Lance__Table__DataFragment *const *f, size_t n,
                        uint64_t *hit)
{
    for (size_t i = 0; i < n; i++)
        if (op_touches(op, f[i]->id)) return *hit = f[i]->id, true;
    return false;
}

static bool ids_touch(const commit_op *op, const uint64_t *ids, size_t n, uint64_t *hit)
{
    for (size_t i = 0; i < n; i++)
        if (op_touches(op, ids[i])) return *hit = ids[i], true;
    return false;
}

static int conflict(const commit_op *op, const Lance__Table__Transaction *w, uint64_t wv,
                    const char *why, uint64_t frag)
{
    if (why)
        return bsp_err(BSP_ECONFLICT,
                       "commit conflict: our %s cannot be applied after version %" PRIu64
                       " (%s): %s fragment %" PRIu64,
                       kind_name(op->kind), wv, commit_txn_op_name(w), why, frag);
    return bsp_err(BSP_ECONFLICT,
                   "commit conflict: our %s cannot be applied after version %" PRIu64 " (%s)",
                   kind_name(op->kind), wv, commit_txn_op_name(w));
}

int commit_compatible(const commit_op *op, const Lance__Table__Transaction *w, uint64_t wv)
{
    commit_kind k = op->kind;
    uint64_t hit = 0;
    if (k == COMMIT_OVERWRITE) return BSP_OK; /* replaces everything anyway */
    if (k == COMMIT_CREATE_INDEX) return commit_index_compatible(op, w, wv);
    switch (w->operation_case) {
    case LANCE__TABLE__TRANSACTION__OPERATION_APPEND:
        /* New fragments would lack a column we add. */
        return k == COMMIT_MERGE ? conflict(op, w, wv, NULL, 0) : BSP_OK;
    case LANCE__TABLE__TRANSACTION__OPERATION_DELETE: {
        const Lance__Table__Transaction__Delete *d = w->delete_;
        if (k == COMMIT_REWRITE &&
            (frags_touch(op, d->updated_fragments, d->n_updated_fragments, &hit) ||
             ids_touch(op, d->deleted_fragment_ids, d->n_deleted_fragment_ids, &hit)))
            return conflict(op, w, wv, "it deleted rows of rewritten", hit);
        if ((k == COMMIT_DELETE || k == COMMIT_UPDATE) &&
            ids_touch(op, d->deleted_fragment_ids, d->n_deleted_fragment_ids, &hit))
            return conflict(op, w, wv, "it removed", hit);
        return BSP_OK; /* deletion vectors are merged when the op is applied again */
    }
    case LANCE__TABLE__TRANSACTION__OPERATION_UPDATE: {
        const Lance__Table__Transaction__Update *u = w->update;
        if (k == COMMIT_MERGE) return conflict(op, w, wv, NULL, 0);
        if ((k == COMMIT_REWRITE || k == COMMIT_DELETE || k == COMMIT_UPDATE) &&
            ids_touch(op, u->removed_fragment_ids, u->n_removed_fragment_ids, &hit))
            return conflict(op, w, wv, "it removed", hit);
        if (k == COMMIT_REWRITE &&
            frags_touch(op, u->updated_fragments, u->n_updated_fragments, &hit))
            return conflict(op, w, wv, "it updated rows of rewritten", hit);
        return BSP_OK;
    }
    case LANCE__TABLE__TRANSACTION__OPERATION_REWRITE: {
        const Lance__Table__Transaction__Rewrite *r = w->rewrite;
        if (k == COMMIT_APPEND || k == COMMIT_PROJECT) return BSP_OK;
        if (k == COMMIT_MERGE) return conflict(op, w, wv, NULL, 0);
        if (frags_touch(op, r->old_fragments, r->n_old_fragments, &hit))
            return conflict(op, w, wv, "it rewrote", hit);
        for (size_t g = 0; g < r->n_groups; g++)
            if (frags_touch(op, r->groups[g]->old_fragments, r->groups[g]->n_old_fragments, &hit))
                return conflict(op, w, wv, "it rewrote", hit);
        return BSP_OK;
    }
    case LANCE__TABLE__TRANSACTION__OPERATION_MERGE:
        /* The schema changed under us: only deletions stay meaningful. */
        return k == COMMIT_DELETE ? BSP_OK : conflict(op, w, wv, NULL, 0);
    case LANCE__TABLE__TRANSACTION__OPERATION_PROJECT:
        return (k == COMMIT_MERGE || k == COMMIT_PROJECT) ? conflict(op, w, wv, NULL, 0) : BSP_OK;
    case LANCE__TABLE__TRANSACTION__OPERATION_DATA_REPLACEMENT:
        return (k == COMMIT_MERGE || k == COMMIT_REWRITE) ? conflict(op, w, wv, NULL, 0) : BSP_OK;
    case LANCE__TABLE__TRANSACTION__OPERATION_CREATE_INDEX:
    case LANCE__TABLE__TRANSACTION__OPERATION_RESERVE_FRAGMENTS:
    case LANCE__TABLE__TRANSACTION__OPERATION_UPDATE_CONFIG:
        return BSP_OK;
    default: /* Overwrite, Restore, Clone, bases, MemWAL, anything newer than us */
        return conflict(op, w, wv, NULL, 0);
    }
}

/* ---- applying an operation to a copy of the latest manifest -------------------------------- */

typedef struct build {
    const char *root;
    const manifest_file *cur;         /* latest version (NULL when creating) */
    uint64_t new_version;
    Lance__Table__Manifest *m;        /* new manifest (edited copy of cur->m) */
    Lance__Table__IndexSection *idx;  /* new index section or NULL */
    Lance__Table__Transaction *txn;   /* operation payload filled by apply_* */
    uint64_t next_id;
} build;

static int add_new_frags(build *b, Lance__Table__DataFragment *const *tmpl, size_t n,
                         Lance__Table__DataFragment ***txn_arr, size_t *txn_n)
{
    for (size_t i = 0; i < n; i++) {
        Lance__Table__DataFragment *f = manifest_pb_dup(tmpl[i]);
        if (!f) return bsp_err(BSP_ENOMEM, "out of memory");
        f->has_id = b->next_id != 0;
        f->id = b->next_id++;
        int rc = PUSH(b->m->fragments, b->m->n_fragments, f);
        if (rc) return rc;
        if (txn_arr && (rc = PUSH(*txn_arr, *txn_n, manifest_pb_dup(f)))) return rc;
    }
    return BSP_OK;
}

static int dup_fields(Lance__File__Field *const *src, size_t n, Lance__File__Field ***dst,
                      size_t *dn)
{
    for (size_t i = 0; i < n; i++) {
        int rc = PUSH(*dst, *dn, manifest_pb_dup(src[i]));
        if (rc) return rc;
    }
    return BSP_OK;
}

static void free_msgs(void **arr, size_t n)
{
    for (size_t i = 0; i < n; i++) protobuf_c_message_free_unpacked(arr[i], NULL);
    free(arr);
}

static int apply_overwrite(build *b, commit_op *op)
{
    Lance__Table__Manifest *m = b->m;
    free_msgs((void **)m->fragments, m->n_fragments);
    m->fragments = NULL;
    m->n_fragments = 0;
    free_msgs((void **)m->fields, m->n_fields);
    m->fields = NULL;
    m->n_fields = 0;
    free_msgs((void **)m->schema_metadata, m->n_schema_metadata);
    m->schema_metadata = NULL;
    m->n_schema_metadata = 0;
    if (b->idx) { /* indices describe the old rows */
        lance__table__index_section__free_unpacked(b->idx, NULL);
        b->idx = NULL;
    }
    int rc = dup_fields(op->fields, op->n_fields, &m->fields, &m->n_fields);
    if (rc) return rc;
    Lance__Table__Transaction__Overwrite *o = malloc(sizeof *o);
    if (!o) return bsp_err(BSP_ENOMEM, "out of memory");
    lance__table__transaction__overwrite__init(o);
    b->txn->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_OVERWRITE;
    b->txn->overwrite = o;
    if ((rc = dup_fields(op->fields, op->n_fields, &o->schema, &o->n_schema))) return rc;
    return add_new_frags(b, op->new_frags, op->n_new, &o->fragments, &o->n_fragments);
}

static int apply_append(build *b, commit_op *op)
{
    Lance__Table__Transaction__Append *a = malloc(sizeof *a);
    if (!a) return bsp_err(BSP_ENOMEM, "out of memory");
    lance__table__transaction__append__init(a);
    b->txn->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_APPEND;
    b->txn->append = a;
    return add_new_frags(b, op->new_frags, op->n_new, &a->fragments, &a->n_fragments);
}

/* Bring one commit_del up to date with the fragment's current deletion file: reuse the
 * file written in an earlier attempt if the fragment's deletion file has not changed since,
 * else union with the current vector and write a new file (§4: never edit, always new). */
static int refresh_del(build *b, commit_del *d, const Lance__Table__DataFragment *f)
{
    const Lance__Table__DeletionFile *df = f->deletion_file;
    int type = df ? (int)df->file_type : -1;
    uint64_t rv = df ? df->read_version : 0, id = df ? df->id : 0;
    if (d->written && d->seen_type == type && d->seen_rv == rv && d->seen_id == id) return BSP_OK;
    roaring_bitmap_t *u = roaring_bitmap_copy(d->rows);
    if (!u) return bsp_err(BSP_ENOMEM, "out of memory");
    int rc = BSP_OK;
    if (df) {
        roaring_bitmap_t *old = NULL;
        rc = deletion_read(b->root, f->id, rv, id, type, f->physical_rows, &old);
        if (rc) goto out;
        roaring_bitmap_or_inplace(u, old);
        rb_free(old);
    }
    uint64_t card = roaring_bitmap_get_cardinality(u);
    d->all_deleted = card >= f->physical_rows;
    if (!d->all_deleted) {
        uint64_t fid;
        rc = deletion_write(b->root, f->id, b->new_version - 1, u, &fid);
        if (rc) goto out;
        d->file_rv = b->new_version - 1;
        d->file_id = fid;
        d->file_rows = card;
    }
    d->written = true;
    d->seen_type = type;
    d->seen_rv = rv;
    d->seen_id = id;
out:
    rb_free(u);
    return rc;
}

/* Apply the deletions of op to b->m; fills updated fragments / removed ids. */
static int apply_dels(build *b, commit_op *op, Lance__Table__DataFragment ***upd, size_t *nupd,
                      uint64_t **removed, size_t *nremoved)
{
    for (size_t i = 0; i < op->n_dels; i++) {
        commit_del *d = &op->dels[i];
        size_t pos;
        Lance__Table__DataFragment *f = frag_find(b->m, d->fragment_id, &pos);
        if (!f)
            return bsp_err(BSP_ECONFLICT,
                           "commit conflict: fragment %" PRIu64 " was removed by a concurrent "
                           "commit", d->fragment_id);
        int rc = refresh_del(b, d, f);
        if (rc) return rc;
        if (d->all_deleted) {
            uint64_t *r = realloc(*removed, (*nremoved + 1) * sizeof *r);
            if (!r) return bsp_err(BSP_ENOMEM, "out of memory");
            r[(*nremoved)++] = f->id;
            *removed = r;
            frag_remove_at(b->m, pos);
            continue;
        }
        if (f->deletion_file) protobuf_c_message_free_unpacked(&f->deletion_file->base, NULL);
        f->deletion_file = malloc(sizeof *f->deletion_file);
        if (!f->deletion_file) return bsp_err(BSP_ENOMEM, "out of memory");
        lance__table__deletion_file__init(f->deletion_file);
        Lance__Table__DeletionFile *df = f->deletion_file;
        df->has_file_type = 1;
        df->file_type = LANCE__TABLE__DELETION_FILE__DELETION_FILE_TYPE__BITMAP;
        df->has_read_version = d->file_rv != 0;
        df->read_version = d->file_rv;
        df->has_id = d->file_id != 0;
        df->id = d->file_id;
        df->has_num_deleted_rows = 1;
        df->num_deleted_rows = d->file_rows;
        if ((rc = PUSH(*upd, *nupd, manifest_pb_dup(f)))) return rc;
    }
    return BSP_OK;
}

static int apply_delete(build *b, commit_op *op)
{
    Lance__Table__Transaction__Delete *d = malloc(sizeof *d);
    if (!d) return bsp_err(BSP_ENOMEM, "out of memory");
    lance__table__transaction__delete__init(d);
    b->txn->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_DELETE;
    b->txn->delete_ = d;
    if (op->predicate && !(d->predicate = strdup(op->predicate)))
        return bsp_err(BSP_ENOMEM, "out of memory");
    return apply_dels(b, op, &d->updated_fragments, &d->n_updated_fragments,
                      &d->deleted_fragment_ids, &d->n_deleted_fragment_ids);
}

static int apply_update(build *b, commit_op *op)
{
    Lance__Table__Transaction__Update *u = malloc(sizeof *u);
    if (!u) return bsp_err(BSP_ENOMEM, "out of memory");
    lance__table__transaction__update__init(u);
    b->txn->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_UPDATE;
    b->txn->update = u;
    int rc = apply_dels(b, op, &u->updated_fragments, &u->n_updated_fragments,
                        &u->removed_fragment_ids, &u->n_removed_fragment_ids);
    if (rc) return rc;
    return add_new_frags(b, op->new_frags, op->n_new, &u->new_fragments, &u->n_new_fragments);
}

static int apply_merge(build *b, commit_op *op)
{
    Lance__Table__Manifest *m = b->m;
    for (size_t i = 0; i < op->n_merge; i++) {
        Lance__Table__DataFragment *f = frag_find(m, op->merge_ids[i], NULL);
        if (!f) continue; /* removed by a concurrent delete: its rows are gone */
        int rc = PUSH(f->files, f->n_files, manifest_pb_dup(op->merge_files[i]));
        if (rc) return rc;
    }
    for (size_t i = 0; i < m->n_fragments; i++) {
        bool covered = false;
        for (size_t j = 0; j < op->n_merge && !covered; j++)
            covered = op->merge_ids[j] == m->fragments[i]->id;
        if (!covered)
            return bsp_err(BSP_ECONFLICT, "commit conflict: fragment %" PRIu64
                           " appeared concurrently and has no data for the new column",
                           m->fragments[i]->id);
    }
    for (size_t i = 0; i < m->n_fields; i++)
        if (m->fields[i]->id == op->merge_field->id || !strcmp(m->fields[i]->name, op->merge_field->name))
            return bsp_err(BSP_ECONFLICT, "commit conflict: column %s (id %d) already exists",
                           m->fields[i]->name, m->fields[i]->id);
    int rc = PUSH(m->fields, m->n_fields, manifest_pb_dup(op->merge_field));
    if (rc) return rc;
    Lance__Table__Transaction__Merge *g = malloc(sizeof *g);
    if (!g) return bsp_err(BSP_ENOMEM, "out of memory");
    lance__table__transaction__merge__init(g);
    b->txn->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_MERGE;
    b->txn->merge = g;
    for (size_t i = 0; i < m->n_fragments; i++)
        if ((rc = PUSH(g->fragments, g->n_fragments, manifest_pb_dup(m->fragments[i])))) return rc;
    return dup_fields(m->fields, m->n_fields, &g->schema, &g->n_schema);
}

static bool in_ids(const int32_t *ids, size_t n, int32_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id) return true;
    return false;
}

static int apply_project(build *b, commit_op *op)
{
    Lance__Table__Manifest *m = b->m;
    /* Drop the fields and, transitively, their children (pre-order: parents come first). */
    int32_t *gone = malloc((m->n_fields + op->n_drop + 1) * sizeof *gone);
    if (!gone) return bsp_err(BSP_ENOMEM, "out of memory");
    size_t ng = 0;
    for (size_t i = 0; i < op->n_drop; i++) gone[ng++] = op->drop_ids[i];
    size_t k = 0;
    for (size_t i = 0; i < m->n_fields; i++) {
        Lance__File__Field *f = m->fields[i];
        if (in_ids(gone, ng, f->id) || (f->parent_id >= 0 && in_ids(gone, ng, f->parent_id))) {
            if (!in_ids(gone, ng, f->id)) gone[ng++] = f->id;
            protobuf_c_message_free_unpacked(&f->base, NULL);
        } else {
            m->fields[k++] = f;
        }
    }
    m->n_fields = k;
    /* Indices over a dropped column cannot be used any more (Lance drops them too). */
    if (b->idx) {
        size_t j = 0;
        for (size_t i = 0; i < b->idx->n_indices; i++) {
            Lance__Table__IndexMetadata *im = b->idx->indices[i];
            bool dead = false;
            for (size_t f = 0; f < im->n_fields && !dead; f++) dead = in_ids(gone, ng, im->fields[f]);
            if (dead)
                protobuf_c_message_free_unpacked(&im->base, NULL);
            else
                b->idx->indices[j++] = im;
        }
        b->idx->n_indices = j;
    }
    free(gone);
    Lance__Table__Transaction__Project *p = malloc(sizeof *p);
    if (!p) return bsp_err(BSP_ENOMEM, "out of memory");
    lance__table__transaction__project__init(p);
    b->txn->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_PROJECT;
    b->txn->project = p;
    return dup_fields(m->fields, m->n_fields, &p->schema, &p->n_schema);
}

/* Remove fragment ids from every index's fragment_bitmap (§5.3: rewritten rows are no longer
 * covered; the new fragments are unindexed until the index is rebuilt). */
static int unindex(build *b, const roaring_bitmap_t *ids)
{
    if (!b->idx) return BSP_OK;
    for (size_t i = 0; i < b->idx->n_indices; i++) {
        Lance__Table__IndexMetadata *im = b->idx->indices[i];
        if (!im->has_fragment_bitmap || im->fragment_bitmap.len == 0) continue;
        roaring_bitmap_t *bm = roaring_bitmap_portable_deserialize_safe(
            (const char *)im->fragment_bitmap.data, im->fragment_bitmap.len);
        if (!bm) continue; /* not ours to judge: keep verbatim */
        if (roaring_bitmap_intersect(bm, ids)) {
            roaring_bitmap_andnot_inplace(bm, ids);
            size_t n = roaring_bitmap_portable_size_in_bytes(bm);
            uint8_t *buf = malloc(n);
            if (!buf) {
                rb_free(bm);
                return bsp_err(BSP_ENOMEM, "out of memory");
            }
            roaring_bitmap_portable_serialize(bm, (char *)buf);
            free(im->fragment_bitmap.data);
            im->fragment_bitmap.data = buf;
            im->fragment_bitmap.len = n;
        }
        rb_free(bm);
    }
    return BSP_OK;
}

static int apply_rewrite(build *b, commit_op *op)
{
    Lance__Table__Manifest *m = b->m;
    Lance__Table__Transaction__Rewrite *r = malloc(sizeof *r);
    if (!r) return bsp_err(BSP_ENOMEM, "out of memory");
    lance__table__transaction__rewrite__init(r);
    b->txn->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_REWRITE;
    b->txn->rewrite = r;
    roaring_bitmap_t *old = roaring_bitmap_create();
    if (!old) return bsp_err(BSP_ENOMEM, "out of memory");
    int rc = BSP_OK;
    for (size_t g = 0; g < op->n_groups && !rc; g++) {
        commit_group *gr = &op->groups[g];
        Lance__Table__Transaction__Rewrite__RewriteGroup *tg = malloc(sizeof *tg);
        if (!tg) { rc = bsp_err(BSP_ENOMEM, "out of memory"); break; }
        lance__table__transaction__rewrite__rewrite_group__init(tg);
        if ((rc = PUSH(r->groups, r->n_groups, tg))) break;
        size_t insert_at = m->n_fragments;
        for (size_t i = 0; i < gr->n_old && !rc; i++) {
            size_t pos;
            Lance__Table__DataFragment *f = frag_find(m, gr->old_ids[i], &pos);
            const Lance__Table__DeletionFile *df = f ? f->deletion_file : NULL;
            if (!f || (df ? df->read_version : 0) != gr->old_del_rv[i] ||
                (df ? df->id : 0) != gr->old_del_id[i]) {
                rc = bsp_err(BSP_ECONFLICT, "commit conflict: fragment %" PRIu64
                             " changed while it was being rewritten", gr->old_ids[i]);
                break;
            }
            if ((rc = PUSH(tg->old_fragments, tg->n_old_fragments, manifest_pb_dup(f)))) break;
            roaring_bitmap_add(old, (uint32_t)f->id);
            if (pos < insert_at) insert_at = pos;
            frag_remove_at(m, pos);
        }
        if (rc) break;
        /* New fragments take the place of the first old one (Lance keeps the order). */
        size_t tail = m->n_fragments - insert_at;
        size_t before = m->n_fragments;
        if ((rc = add_new_frags(b, gr->new_frags, gr->n_new, &tg->new_fragments,
                                &tg->n_new_fragments)))
            break;
        size_t added = m->n_fragments - before;
        Lance__Table__DataFragment **tmp = malloc((added ? added : 1) * sizeof *tmp);
        if (!tmp) { rc = bsp_err(BSP_ENOMEM, "out of memory"); break; }
        memcpy(tmp, m->fragments + before, added * sizeof *tmp);
        memmove(m->fragments + insert_at + added, m->fragments + insert_at, tail * sizeof *tmp);
        memcpy(m->fragments + insert_at, tmp, added * sizeof *tmp);
        free(tmp);
    }
    if (!rc) rc = unindex(b, old);
    rb_free(old);
    return rc;
}

/* ---- manifest stamping ------------------------------------------------------------------------ */

static int set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v ? strdup(v) : NULL;
    return (v && !*dst) ? bsp_err(BSP_ENOMEM, "out of memory") : BSP_OK;
}

static int stamp(build *b, uint64_t read_version, const char *uuid)
{
    Lance__Table__Manifest *m = b->m;
    m->has_version = 1;
    m->version = b->new_version;
    free(m->tag);
    m->tag = NULL;
    /* writer_version: a non-"lance" library name keeps Lance from "migrating" our tables. */
    if (m->writer_version) protobuf_c_message_free_unpacked(&m->writer_version->base, NULL);
    m->writer_version = malloc(sizeof *m->writer_version);
    if (!m->writer_version) return bsp_err(BSP_ENOMEM, "out of memory");
    lance__table__manifest__writer_version__init(m->writer_version);
    int rc = set_str(&m->writer_version->library, BSP_LIBRARY_NAME);
    if (!rc) rc = set_str(&m->writer_version->version, BSP_LIBRARY_VERSION);
    if (rc) return rc;
    if (!m->timestamp) {
        m->timestamp = malloc(sizeof *m->timestamp);
        if (!m->timestamp) return bsp_err(BSP_ENOMEM, "out of memory");
    }
    bsp__wkt__timestamp__init(m->timestamp);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m->timestamp->has_seconds = ts.tv_sec != 0;
    m->timestamp->seconds = ts.tv_sec;
    m->timestamp->has_nanos = ts.tv_nsec != 0;
    m->timestamp->nanos = (int32_t)ts.tv_nsec;
    if (!m->data_format) {
        m->data_format = malloc(sizeof *m->data_format);
        if (!m->data_format) return bsp_err(BSP_ENOMEM, "out of memory");
        lance__table__data_storage_format__init(m->data_format);
        if ((rc = set_str(&m->data_format->file_format, "lance"))) return rc;
        if ((rc = set_str(&m->data_format->version, "2.0"))) return rc;
    }
    /* Flags are recomputed from content, like Lance does (§2.6). */
    uint64_t flags = m->reader_feature_flags & MANIFEST_FLAG_STABLE_ROW_IDS;
    for (size_t i = 0; i < m->n_fragments; i++)
        if (m->fragments[i]->deletion_file) flags |= MANIFEST_FLAG_DELETION_FILES;
    if (m->n_config) flags |= MANIFEST_FLAG_TABLE_CONFIG;
    m->has_reader_feature_flags = m->has_writer_feature_flags = flags != 0;
    m->reader_feature_flags = m->writer_feature_flags = flags;
    uint64_t next = b->next_id;
    if (next > 0) {
        m->has_max_fragment_id = 1;
        m->max_fragment_id = (uint32_t)(next - 1);
    }
    char name[128];
    snprintf(name, sizeof name, "%" PRIu64 "-%s.txn", read_version, uuid);
    return set_str(&m->transaction_file, name);
}

static Lance__Table__Manifest *fresh_manifest(void)
{
    Lance__Table__Manifest *m = malloc(sizeof *m);
    if (m) lance__table__manifest__init(m);
    return m;
}

/* Build manifest + transaction for one attempt on top of cur. */
static int build_attempt(const char *root, const manifest_file *cur, uint64_t read_version,
                         commit_op *op, build *b, char uuid[37])
{
    memset(b, 0, sizeof *b);
    b->root = root;
    b->cur = cur;
    b->new_version = cur ? cur->version + 1 : 1;
    b->m = cur ? manifest_pb_dup(cur->m) : fresh_manifest();
    if (!b->m) return bsp_err(BSP_ENOMEM, "out of memory");
    if (cur && cur->index && !(b->idx = manifest_pb_dup(cur->index)))
        return bsp_err(BSP_ENOMEM, "out of memory");
    b->next_id = commit_next_fragment_id(b->m);
    b->txn = malloc(sizeof *b->txn);
    if (!b->txn) return bsp_err(BSP_ENOMEM, "out of memory");
    lance__table__transaction__init(b->txn);
    int rc = io_uuid_v4(uuid);
    if (rc) return rc;
    b->txn->has_read_version = read_version != 0;
    b->txn->read_version = read_version;
    if (!(b->txn->uuid = strdup(uuid))) return bsp_err(BSP_ENOMEM, "out of memory");
    switch (op->kind) {
    case COMMIT_OVERWRITE: rc = apply_overwrite(b, op); break;
    case COMMIT_APPEND: rc = apply_append(b, op); break;
    case COMMIT_DELETE: rc = apply_delete(b, op); break;
    case COMMIT_UPDATE: rc = apply_update(b, op); break;
    case COMMIT_MERGE: rc = apply_merge(b, op); break;
    case COMMIT_PROJECT: rc = apply_project(b, op); break;
    case COMMIT_REWRITE: rc = apply_rewrite(b, op); break;
    case COMMIT_CREATE_INDEX: rc = commit_apply_create_index(&b->idx, b->txn, op); break;
    default: rc = bsp_err(BSP_EINVAL, "unknown commit kind %d", (int)op->kind);
    }
    if (rc) return rc;
    if (b->idx && b->idx->n_indices == 0) {
        lance__table__index_section__free_unpacked(b->idx, NULL);
        b->idx = NULL;
    }
    return stamp(b, read_version, uuid);
}

static void build_free(build *b)
{
    if (b->m) lance__table__manifest__free_unpacked(b->m, NULL);
    if (b->idx) lance__table__index_section__free_unpacked(b->idx, NULL);
    if (b->txn) lance__table__transaction__free_unpacked(b->txn, NULL);
    memset(b, 0, sizeof *b);
}

static int write_txn_file(const char *root, const char *name, const Lance__Table__Transaction *t)
{
    char *dir = io_path_join(root, "_transactions");
    if (!dir) return bsp_err(BSP_ENOMEM, "out of memory");
    int rc = io_mkdir_p(dir);
    char *path = rc ? NULL : io_path_join(dir, name);
    if (!rc && !path) rc = bsp_err(BSP_ENOMEM, "out of memory");
    if (!rc) {
        size_t n = lance__table__transaction__get_packed_size(t);
        uint8_t *buf = malloc(n ? n : 1);
        if (!buf) {
            rc = bsp_err(BSP_ENOMEM, "out of memory");
        } else {
            lance__table__transaction__pack(t, buf);
            rc = io_write_new(path, buf, n);
            free(buf);
        }
    }
    free(path);
    free(dir);
    return rc;
}

/* Publish b as a new version. BSP_EEXIST when the version is taken. */
static int publish(const char *root, manifest_naming naming, build *b)
{
    int rc = write_txn_file(root, b->m->transaction_file, b->txn);
    if (rc) return rc == BSP_EEXIST ? bsp_err(BSP_EIO, "transaction file name collision") : rc;
    uint8_t *buf;
    size_t len;
    if ((rc = manifest_encode_checked(b->m, b->idx, b->txn, &buf, &len))) return rc;
    char name[40], rel[64];
    manifest_name(b->new_version, naming, name, sizeof name);
    snprintf(rel, sizeof rel, "_versions/%s", name);
    char *path = io_path_join(root, rel);
    if (!path) {
        free(buf);
        return bsp_err(BSP_ENOMEM, "out of memory");
    }
    rc = io_write_new(path, buf, len);
    free(buf);
    free(path);
    return rc;
}

/* Full-jitter exponential backoff: a uniform wait in [0.5, 2^attempt] ms, capped at 256 ms,
 * so writers that keep colliding spread out instead of retrying in lockstep. */
static void backoff(int attempt)
{
    uint32_t r = 0;
    io_random_bytes(&r, sizeof r);
    long cap_us = 1000L << (attempt < 8 ? attempt : 8);
    long us = 500 + (long)(r % (uint32_t)cap_us);
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

int commit_run(const char *root, const manifest_file *base, manifest_naming naming,
               commit_op *op, uint64_t *new_version)
{
    uint64_t read_version = base ? base->version : 0;
    if (base) naming = base->naming;
    if (naming == MANIFEST_NAMING_NONE) naming = MANIFEST_NAMING_V2;
    char *vdir = io_path_join(root, "_versions");
    if (!vdir) return bsp_err(BSP_ENOMEM, "out of memory");
    int rc = io_mkdir_p(vdir);
    free(vdir);
    if (rc) return rc;

    manifest_file latest = {0};
    const manifest_file *cur = base;
    for (int attempt = 0;; attempt++) {
        build b;
        char uuid[37];
        rc = build_attempt(root, cur, read_version, op, &b, uuid);
        if (!rc) rc = publish(root, naming, &b);
        uint64_t made = b.new_version;
        build_free(&b);
        if (rc == BSP_OK) {
            manifest_write_hint(root, made); /* best effort: a stale hint is harmless */
            bsp_errclear();
            if (new_version) *new_version = made;
            break;
        }
        if (rc != BSP_EEXIST) break;
        if (attempt >= COMMIT_MAX_RETRIES) {
            rc = bsp_err(BSP_ECONFLICT, "%s: gave up after %d lost commit races", root, attempt + 1);
            break;
        }
        if (!cur) { /* racing to create the table */
            rc = bsp_err(BSP_EEXIST, "%s: dataset already exists (created concurrently)", root);
            break;
        }
        /* Lost the race: check every winner, then go again on top of the latest. */
        uint64_t from = cur->version, last;
        manifest_naming nm;
        if ((rc = manifest_latest(root, &last, &nm))) break;
        for (uint64_t v = from + 1; v <= last && !rc; v++) {
            manifest_file w;
            if ((rc = manifest_read_at(root, v, nm, &w))) break;
            const Lance__Table__Transaction *t;
            rc = manifest_load_txn(root, &w, &t);
            if (rc == BSP_ENOTFOUND)
                rc = bsp_err(BSP_ECONFLICT, "commit conflict: version %" PRIu64
                             " has no transaction to check against", v);
            if (!rc) rc = commit_compatible(op, t, v);
            manifest_file_free(&w);
        }
        if (rc) break;
        manifest_file next;
        if ((rc = manifest_read_at(root, last, nm, &next))) break;
        if ((rc = manifest_check_write(&next))) {
            manifest_file_free(&next);
            break;
        }
        manifest_file_free(&latest);
        latest = next;
        cur = &latest;
        backoff(attempt);
    }
    manifest_file_free(&latest);
    return rc;
}
