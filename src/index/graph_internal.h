/* Internal interface of the graph module: edge type dictionary, adjacency segments (one
 * per fragment, in memory and as Lance files), and the index entry of an edges table.
 *
 * The one idea: a segment is the sorted adjacency of exactly one fragment — for each
 * direction, entries (node, type, neighbour, row offset) sorted by (node, type, neighbour).
 * Fragments never change under the same id (spec §5.3), so a segment stays true for as long
 * as its fragment lives; deletions are filtered at query time with the fragment's deletion
 * vector. Appends, compactions and updates only add or remove whole segments. */
#ifndef BSP_INDEX_GRAPH_INTERNAL_H
#define BSP_INDEX_GRAPH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <roaring/roaring.h>

#include "bindspace/graph.h"
#include "bindspace/lance.h"
#include "lance/dataset.h"
#include "neighbor_index.pb-c.h"

#define GRAPH_FORMAT_VERSION 1u
#define GRAPH_REBUILD_DELETED_FRACTION 0.25

/* ---- edge type dictionary (id = insertion order) ---- */
typedef struct typedict {
    char **names;
    size_t n, cap;
    uint32_t *slots;      /* open addressing: id + 1, 0 = empty */
    size_t nslots;
} typedict;
int typedict_add(typedict *d, const char *s, size_t len, uint32_t *id); /* find or insert */
int typedict_find(const typedict *d, const char *s, uint32_t *id);       /* 1 found, 0 not */
void typedict_free(typedict *d);

/* ---- segments ---- */
typedef struct nseg_entry {
    uint64_t node, nbr;
    uint32_t type, row;
} nseg_entry;

typedef struct nseg {
    uint64_t fragment_id;
    nseg_entry *e[2];     /* [0] out (node = src), [1] in (node = dst) */
    size_t n[2];
} nseg;
void nseg_free(nseg *s);

/* Column positions of src, dst, type in ds->schema (type may be -1). */
typedef struct edge_cols {
    int src, dst, type;
} edge_cols;
int graph_edge_cols(const bsp_dataset *ds, edge_cols *out);

/* Build the segment of fragment index fi from its data (live rows only, dv may be NULL). */
int nseg_build(const bsp_dataset *ds, size_t fi, const edge_cols *ec, const roaring_bitmap_t *dv,
               typedict *types, nseg *out);
/* Segment file: a Lance 2.0 file, columns dir u8, node u64, type u32, nbr u64, row u32. */
int nseg_write(const char *path, const nseg *s);
int nseg_read(const char *path, uint64_t fragment_id, uint64_t physical_rows, size_t ntypes,
              nseg *out);
/* The same from memory (buf borrowed); fragment_id 0. Used by fuzz/fuzz_neighbor_segment.c. */
int nseg_read_mem(const char *name, const uint8_t *buf, size_t len, uint64_t physical_rows,
                  size_t ntypes, nseg *out);

/* ---- the index entry of an edges table ---- */
typedef struct graph_index {
    const Lance__Table__IndexMetadata *meta;   /* borrowed from ds */
    Bindspace__V1__NeighborIndex *details;     /* owned */
} graph_index;
/* Find our index in ds (0 = none, 1 = found, < 0 error: details that do not decode). */
int graph_index_find(const bsp_dataset *ds, graph_index *out);
void graph_index_free(graph_index *gi);

/* Whether segment s of gi is still valid for fragment index fi of ds. */
bool graph_segment_valid(const bsp_dataset *ds, const graph_index *gi,
                         const Bindspace__V1__NeighborIndex__Segment *s, size_t fi,
                         const roaring_bitmap_t *bitmap);
/* The data file path holding field id `field` in fragment fi ("" if none). */
const char *graph_fragment_file(const bsp_dataset *ds, size_t fi, int32_t field);
/* fragment_bitmap of meta (empty bitmap when absent/undecodable). */
roaring_bitmap_t *graph_index_bitmap(const Lance__Table__IndexMetadata *meta);

/* Sort ascending and drop duplicates in place; returns the new length. */
size_t graph_sort_unique(uint64_t *v, size_t n);

#endif
