/* Shared state of the `bindspace` virtual table (vtab.c: module + planner, vtab_cursor.c:
 * executing a plan, vtab_write.c: INSERT/UPDATE/DELETE inside SQL transactions). */
#ifndef BSP_SQL_VTAB_INTERNAL_H
#define BSP_SQL_VTAB_INTERNAL_H

#include <stdint.h>

#include "bindspace/lance.h"
#include "bindspace/predicate.h"
#include "bindspace/search.h"
#include "bindspace/space.h"
#include "sql/sql_internal.h"
#include "sql/vtab_plan.h"

typedef enum vcol_kind {
    VCOL_FIELD,          /* a column of the table (field index) */
    VCOL_ROWADDR,        /* "addr" for datasets without one: the row address */
    VCOL_POPCOUNT, VCOL_NARS_F, VCOL_NARS_C, VCOL_ANI_DOMINANT, VCOL_SCHEMA_VERSION,
    VCOL_DISTANCE,       /* hidden: hamming distance to the MATCH query */
    VCOL_K               /* hidden: top-k size */
} vcol_kind;

typedef struct vcol {
    vcol_kind kind;
    int field;           /* VCOL_FIELD: index in the table schema */
    const char *name;
} vcol;

typedef struct pending_rows pending_rows;   /* vtab_write.c */

typedef struct bvtab {
    sqlite3_vtab base;
    sqlite3 *db;
    char *path;
    uint64_t pinned_version;   /* 0 = follow the latest version */
    bsp_dataset *ds;           /* current snapshot (dataset mode) */
    bsp_space *space;          /* database mode: a BindSpace (then ds is NULL) */
    bsp_schema schema;         /* the table's schema (copy) */
    int fp_field;              /* fingerprint field index */
    int key_col;               /* virtual column used for key equality (addr/id), -1 if none */
    vcol *cols;
    int ncols;
    pending_rows *pending;     /* writes of the open SQL transaction */
    /* Hot copy of the live fingerprints of version cache_version (64-byte aligned records
     * and their row addresses), built by the first top-k and used by the next ones. */
    uint64_t cache_max_rows;   /* 0 = never cache */
    uint64_t *cache_recs;
    uint64_t *cache_pos;
    uint64_t *cache_side;      /* column-wise copy of words 208..255 (predicates read it) */
    size_t cache_n;
    uint64_t cache_version;
} bvtab;

/* Fill *src with the fastest source for vt's current version: the hot copy (built on first
 * use when the table has at most cache_max_rows live rows) or the dataset itself. */
int vtab_search_source(bvtab *vt, bool predicate, bsp_search_source *src);
void vtab_cache_free(bvtab *vt);
/* The hot copy as a search source; for a search with a predicate also its sidecar copy (made
 * on first such use; without memory for it predicates read the records). */
void vtab_cache_source(bvtab *vt, bool predicate, bsp_search_source *src);
/* Live rows (dataset) or occupied addresses (space). */
uint64_t vtab_count(bvtab *vt);

/* vtab_space.c: database mode */
bool vspace_is_database(const char *path);
int vspace_open(bvtab *vt, char **err);
uint64_t vspace_count(bvtab *vt);
int vspace_scan(bvtab *vt, bsp_batch *out);
int vspace_take(bvtab *vt, const uint64_t *addrs, size_t n, bsp_batch *out);
int vspace_search_source(bvtab *vt, bool predicate, bsp_search_source *src);
int vspace_apply(bvtab *vt, const uint64_t *deleted, size_t ndeleted, const int64_t *addrs,
                 const uint64_t *recs, size_t n);

/* Refresh vt->ds to the latest version unless pinned or a transaction has pending writes. */
int vtab_refresh(bvtab *vt);
/* Set base.zErrMsg from bsp_errmsg() with a prefix; returns SQLITE_ERROR. */
int vtab_error(bvtab *vt, const char *what);

/* vtab_cursor.c */
int vcursor_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out);
int vcursor_close(sqlite3_vtab_cursor *cur);
int vcursor_filter(sqlite3_vtab_cursor *cur, int idxnum, const char *idxstr, int argc,
                   sqlite3_value **argv);
int vcursor_next(sqlite3_vtab_cursor *cur);
int vcursor_eof(sqlite3_vtab_cursor *cur);
int vcursor_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col);
int vcursor_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid);

/* vtab_write.c */
int vwrite_update(sqlite3_vtab *vt, int argc, sqlite3_value **argv, sqlite3_int64 *rowid);
int vwrite_begin(sqlite3_vtab *vt);
int vwrite_sync(sqlite3_vtab *vt);
int vwrite_commit(sqlite3_vtab *vt);
int vwrite_rollback(sqlite3_vtab *vt);
void vwrite_free(bvtab *vt);

#endif
