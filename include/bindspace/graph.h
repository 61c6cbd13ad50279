/* Graph storage: an edges table beside nodes.lance, a neighbour-set adjacency index kept
 * inside the Lance table, and the reconciler that keeps the index true after any Lance
 * operation (ours or another writer's). Design and on-disk format: docs/graph.md.
 *
 * A database directory DB holds DB/edges.lance with columns src uint64, dst uint64,
 * type utf8, properties utf8 (JSON). The index (type "/bindspace.v1.NeighborIndex", name
 * "edges_adjacency") stores one segment per covered fragment under
 * edges.lance/_indices/<uuid>/ and is registered with CreateIndex commits. Queries are
 * always exact: covered fragments are answered from the index (deletion vectors applied),
 * fragments the index does not cover are scanned. */
#ifndef BINDSPACE_GRAPH_H
#define BINDSPACE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BSP_GRAPH_INDEX_NAME "edges_adjacency"
#define BSP_GRAPH_INDEX_TYPE_URL "/bindspace.v1.NeighborIndex"

typedef struct bsp_edge {
    uint64_t src, dst;
    const char *type;        /* NULL = "" */
    const char *properties;  /* JSON text; NULL = "{}" */
} bsp_edge;

typedef enum bsp_graph_dir {
    BSP_DIR_OUT = 1,
    BSP_DIR_IN = 2,
    BSP_DIR_BOTH = 3
} bsp_graph_dir;

/* Path of DB/edges.lance (malloc'd). */
char *bsp_graph_edges_path(const char *db);

/* Append edges (one Append commit; creates the table when missing), then reconcile the
 * index if there is one. *new_version may be NULL. */
int bsp_edges_append(const char *db, const bsp_edge *edges, size_t n, uint64_t *new_version);
/* Import JSON lines {"src":N,"dst":N,"type":"T","properties":{...}} (type/properties
 * optional). Errors name the file and line. *n_imported may be NULL. */
int bsp_edges_import_jsonl(const char *db, const char *file, uint64_t *n_imported);

/* ---- the index ------------------------------------------------------------------------- */
typedef struct bsp_graph_index_status {
    bool present;              /* an index entry exists in the latest manifest */
    uint64_t table_version;
    uint64_t index_dataset_version;
    char uuid[37];
    size_t live_fragments;
    size_t covered;            /* live fragments with a valid segment */
    size_t stale;              /* segments for fragments that are gone or changed */
    size_t unindexed;          /* live fragments without a segment */
    uint64_t deleted_since_build; /* rows deleted in covered fragments after indexing */
    uint64_t entries;          /* edges in the index */
} bsp_graph_index_info;

/* Build the index from scratch over every live fragment (replaces an existing one). */
int bsp_graph_index_build(const char *db, const bsp_progress *progress, uint64_t *new_version);
int bsp_graph_index_status(const char *db, bsp_graph_index_info *out);

typedef struct bsp_graph_reconcile_report {
    bool had_index;
    bool committed;            /* a CreateIndex commit was made */
    bool dropped;              /* the index was removed (indexed column gone) */
    size_t built;              /* segments built (new or changed fragments) */
    size_t kept;               /* segments reused (hard links) */
    size_t removed;            /* segments dropped (fragments gone) */
    size_t rebuilt_deletions;  /* segments rebuilt because of deleted rows */
    uint64_t new_version;
    char action[160];          /* one line describing what was done */
} bsp_graph_reconcile_report;

/* Make the index cover exactly the live fragments: index new/changed fragments, drop gone
 * ones, rebuild segments with more than 25% rows deleted since built, drop the index if
 * src/dst was dropped. No commit when nothing changed. rep may be NULL. Retries a lost
 * CreateIndex race a few times. */
int bsp_graph_reconcile(const char *db, bsp_graph_reconcile_report *rep);

/* ---- queries -------------------------------------------------------------------------- */
typedef struct bsp_graph bsp_graph;

/* Open the latest edges table of db for queries, loading index segments into memory and
 * scanning unindexed fragments. With reconcile set, reconcile first (a commit if stale). */
int bsp_graph_open(const char *db, bool reconcile, bsp_graph **out);
void bsp_graph_free(bsp_graph *g);
uint64_t bsp_graph_version(const bsp_graph *g);
size_t bsp_graph_scanned_fragments(const bsp_graph *g); /* fragments answered by scanning */

/* Distinct neighbours of node, ascending, over live edges (type NULL = any). *out is
 * malloc'd (free()); *n may be 0. */
int bsp_graph_neighbors(const bsp_graph *g, uint64_t node, const char *type, bsp_graph_dir dir,
                        uint64_t **out, size_t *n);
/* Nodes reachable from the seeds in 1..hops steps, ascending; the seeds themselves are
 * never returned. */
int bsp_graph_expand(const bsp_graph *g, const uint64_t *seeds, size_t nseeds, const char *type,
                     bsp_graph_dir dir, unsigned hops, uint64_t **out, size_t *n);

/* Brute force: scan every live edge of the latest table (no index). Reference for tests
 * and benchmarks. */
int bsp_graph_scan_neighbors(const char *db, uint64_t node, const char *type,
                             bsp_graph_dir dir, uint64_t **out, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
