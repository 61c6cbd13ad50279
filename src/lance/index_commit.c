/* CreateIndex commits (spec §2.4, §2.8 op 103, §5): add index metadata entries to the index
 * section and remove others by uuid, in one transaction — how Lance publishes a new index
 * or replaces a segment, and how bindspace republishes its own indices after reconciling.
 *
 * The one idea: the removal is by uuid against whatever version is latest when the commit
 * is attempted. If a winner already removed (or replaced) an entry we meant to replace, two
 * writers reconciled the same index concurrently: that is a conflict, never a duplicate. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lance/commit.h"
#include "util/error.h"

static bool uuid_eq(const Lance__Table__UUID *a, const Lance__Table__UUID *b)
{
    if (!a || !b || !a->has_uuid || !b->has_uuid) return false;
    return a->uuid.len == b->uuid.len && memcmp(a->uuid.data, b->uuid.data, a->uuid.len) == 0;
}

void commit_index_op_free(commit_op *op)
{
    for (size_t i = 0; i < op->n_new_indices; i++)
        protobuf_c_message_free_unpacked(&op->new_indices[i]->base, NULL);
    free(op->new_indices);
    for (size_t i = 0; i < op->n_removed_indices; i++)
        protobuf_c_message_free_unpacked(&op->removed_indices[i]->base, NULL);
    free(op->removed_indices);
    op->new_indices = op->removed_indices = NULL;
    op->n_new_indices = op->n_removed_indices = 0;
}

static int dup_into(Lance__Table__IndexMetadata ***arr, size_t *n,
                    Lance__Table__IndexMetadata *const *src, size_t ns)
{
    Lance__Table__IndexMetadata **a = realloc(*arr, (*n + ns + 1) * sizeof *a);
    if (!a) return bsp_err(BSP_ENOMEM, "out of memory");
    *arr = a;
    for (size_t i = 0; i < ns; i++) {
        Lance__Table__IndexMetadata *d = manifest_pb_dup(src[i]);
        if (!d) return bsp_err(BSP_ENOMEM, "out of memory");
        a[(*n)++] = d;
    }
    return BSP_OK;
}

int commit_apply_create_index(Lance__Table__IndexSection **idxp, Lance__Table__Transaction *txn,
                              const commit_op *op)
{
    Lance__Table__IndexSection *idx = *idxp;
    if (!idx) {
        if (!(idx = malloc(sizeof *idx))) return bsp_err(BSP_ENOMEM, "out of memory");
        lance__table__index_section__init(idx);
        *idxp = idx;
    }
    for (size_t r = 0; r < op->n_removed_indices; r++) {
        size_t i = 0;
        while (i < idx->n_indices && !uuid_eq(idx->indices[i]->uuid, op->removed_indices[r]->uuid))
            i++;
        if (i == idx->n_indices)
            return bsp_err(BSP_ECONFLICT, "commit conflict: index '%s' to replace is no longer "
                           "in the latest version (reconciled concurrently?)",
                           op->removed_indices[r]->name ? op->removed_indices[r]->name : "");
        protobuf_c_message_free_unpacked(&idx->indices[i]->base, NULL);
        memmove(idx->indices + i, idx->indices + i + 1,
                (idx->n_indices - i - 1) * sizeof *idx->indices);
        idx->n_indices--;
    }
    int rc = dup_into(&idx->indices, &idx->n_indices, op->new_indices, op->n_new_indices);
    if (rc) return rc;
    Lance__Table__Transaction__CreateIndex *ci = malloc(sizeof *ci);
    if (!ci) return bsp_err(BSP_ENOMEM, "out of memory");
    lance__table__transaction__create_index__init(ci);
    txn->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_CREATE_INDEX;
    txn->create_index = ci;
    if ((rc = dup_into(&ci->new_indices, &ci->n_new_indices, op->new_indices, op->n_new_indices)))
        return rc;
    return dup_into(&ci->removed_indices, &ci->n_removed_indices, op->removed_indices,
                    op->n_removed_indices);
}

static bool names_ours(const commit_op *op, Lance__Table__IndexMetadata *const *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!a[i]->name) continue;
        for (size_t j = 0; j < op->n_new_indices; j++)
            if (op->new_indices[j]->name && strcmp(a[i]->name, op->new_indices[j]->name) == 0)
                return true;
    }
    return false;
}

/* An index covers fragment ids as of the version it read. A winner that adds fragments or
 * deletes rows leaves that true (new fragments are unindexed; deletion vectors filter hits);
 * one that removes or rewrites fragments leaves stale ids, which readers ignore (effective
 * bitmap = bitmap ∩ live ids). A winner that rewrites column values in place (Update,
 * DataReplacement), changes the schema, replaces the table, or touches the same index name
 * makes our index wrong or duplicate: conflict, the caller reconciles again. */
int commit_index_compatible(const commit_op *op, const Lance__Table__Transaction *w, uint64_t wv)
{
    const char *why = NULL;
    switch (w->operation_case) {
    case LANCE__TABLE__TRANSACTION__OPERATION_APPEND:
    case LANCE__TABLE__TRANSACTION__OPERATION_DELETE:
    case LANCE__TABLE__TRANSACTION__OPERATION_REWRITE:
    case LANCE__TABLE__TRANSACTION__OPERATION_RESERVE_FRAGMENTS:
    case LANCE__TABLE__TRANSACTION__OPERATION_UPDATE_CONFIG:
    case LANCE__TABLE__TRANSACTION__OPERATION_MERGE:
        return BSP_OK;
    case LANCE__TABLE__TRANSACTION__OPERATION_UPDATE: {
        const Lance__Table__Transaction__Update *u = w->update;
        /* Row rewrites (delete + new fragments) are fine; column rewrites in place
         * (fields_modified) of an indexed field are not. */
        for (size_t i = 0; i < u->n_fields_modified; i++)
            for (size_t j = 0; j < op->n_new_indices; j++)
                for (size_t f = 0; f < op->new_indices[j]->n_fields; f++)
                    if ((int32_t)u->fields_modified[i] == op->new_indices[j]->fields[f])
                        why = "it rewrote indexed column values";
        if (!why) return BSP_OK;
        break;
    }
    case LANCE__TABLE__TRANSACTION__OPERATION_CREATE_INDEX:
        if (!names_ours(op, w->create_index->new_indices, w->create_index->n_new_indices) &&
            !names_ours(op, w->create_index->removed_indices,
                        w->create_index->n_removed_indices))
            return BSP_OK;
        why = "it changed the same index";
        break;
    default:
        why = "it changed the schema or replaced the table";
        break;
    }
    return bsp_err(BSP_ECONFLICT, "commit conflict: our CreateIndex cannot be applied after "
                   "version %" PRIu64 " (%s): %s", wv, commit_txn_op_name(w), why);
}
