/* Query plans of the `bindspace` virtual table: what xBestIndex decided and how xFilter's
 * argv is laid out. The plan travels from xBestIndex to xFilter inside idxStr, which also
 * names it for EXPLAIN QUERY PLAN, e.g.
 *     "topk(k=10) predicate(nars.min_confidence) filter(nars_c>=) {q,L,P,F7>=}"
 * The part in braces lists xFilter's arguments in order: q = MATCH query, k = the hidden k
 * column, L/O = LIMIT/OFFSET, K = key equality, R = rowid equality, P = a schema_passes
 * predicate, F<col><op> = a comparison on a derived column. */
#ifndef BSP_SQL_VTAB_PLAN_H
#define BSP_SQL_VTAB_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#define VPLAN_MAX_ARGS 32

typedef enum vplan_role {
    VARG_QUERY, VARG_K, VARG_LIMIT, VARG_OFFSET, VARG_KEY, VARG_ROWID, VARG_PREDICATE, VARG_FILTER
} vplan_role;

typedef struct vplan_arg {
    vplan_role role;
    int col;        /* VARG_FILTER: virtual column index */
    int op;         /* VARG_FILTER: SQLITE_INDEX_CONSTRAINT_* */
} vplan_arg;

typedef struct vplan {
    bool topk;            /* rows come out ordered by distance */
    vplan_arg args[VPLAN_MAX_ARGS];
    size_t nargs;
} vplan;

/* Parse the {...} tail of an idxStr into plan (returns 0, or -1 if malformed). */
int vplan_parse(const char *idxstr, vplan *plan);

#endif
