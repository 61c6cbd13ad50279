/* Neighbour queries over an edges table: one in-memory segment per live fragment, loaded
 * from the index when the index covers the fragment, built by scanning it otherwise.
 *
 * The one idea: answers are exact by construction — every live fragment contributes
 * through exactly one segment, every hit is checked against that fragment's current
 * deletion vector, and a fragment the index does not (or no longer) vouch for is scanned. */
#include <stdlib.h>
#include <string.h>

#include "index/graph_internal.h"
#include "lance/commit.h"
#include "io/io.h"
#include "util/error.h"

static int oom(void) { return bsp_err(BSP_ENOMEM, "out of memory"); }

struct bsp_graph {
    bsp_dataset *ds;
    typedict types;
    nseg *segs;                /* one per live fragment */
    roaring_bitmap_t **dv;     /* deletion vector per segment (NULL = none) */
    size_t nsegs;
    size_t nscanned;
};

void bsp_graph_free(bsp_graph *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->nsegs; i++) {
        nseg_free(&g->segs[i]);
        rb_free(g->dv[i]);
    }
    free(g->segs);
    free(g->dv);
    typedict_free(&g->types);
    bsp_dataset_free(g->ds);
    free(g);
}

uint64_t bsp_graph_version(const bsp_graph *g) { return bsp_dataset_version(g->ds); }
size_t bsp_graph_scanned_fragments(const bsp_graph *g) { return g->nscanned; }

int bsp_graph_open(const char *db, bool reconcile, bsp_graph **out)
{
    *out = NULL;
    int rc;
    if (reconcile && (rc = bsp_graph_reconcile(db, NULL))) return rc;
    bsp_graph *g = calloc(1, sizeof *g);
    if (!g) return oom();
    char *path = bsp_graph_edges_path(db);
    if (!path) {
        free(g);
        return oom();
    }
    rc = bsp_dataset_open(path, 0, &g->ds);
    free(path);
    if (rc) {
        free(g);
        return rc;
    }
    bsp_dataset *ds = g->ds;
    edge_cols ec;
    graph_index gi;
    roaring_bitmap_t *bm = NULL;
    if ((rc = graph_edge_cols(ds, &ec))) {
        bsp_graph_free(g);
        return rc;
    }
    rc = graph_index_find(ds, &gi);
    if (rc < 0) {
        bsp_graph_free(g);
        return rc;
    }
    bool have = rc == 1;
    rc = BSP_OK;
    if (have) {
        bool alive = false;
        for (size_t i = 0; i < ds->schema.nfields; i++)
            if (ds->schema.fields[i].id == gi.details->src_field &&
                gi.details->src_field == ds->schema.fields[ec.src].id &&
                gi.details->dst_field == ds->schema.fields[ec.dst].id)
                alive = true;
        have = alive;
        for (size_t i = 0; have && i < gi.details->n_types && !rc; i++) {
            uint32_t id;
            rc = typedict_add(&g->types, gi.details->types[i], strlen(gi.details->types[i]), &id);
            if (!rc && id != i) have = false; /* duplicate names: do not trust the index */
        }
        if (!have) {
            typedict_free(&g->types);
            memset(&g->types, 0, sizeof g->types);
        }
        if (!(bm = graph_index_bitmap(gi.meta))) rc = oom();
    }
    size_t nfr = bsp_dataset_fragment_count(ds);
    g->segs = calloc(nfr ? nfr : 1, sizeof *g->segs);
    g->dv = calloc(nfr ? nfr : 1, sizeof *g->dv);
    if (!rc && (!g->segs || !g->dv)) rc = oom();
    for (size_t fi = 0; fi < nfr && !rc; fi++) {
        if ((rc = dataset_deletions(ds, fi, &g->dv[fi]))) break;
        const Bindspace__V1__NeighborIndex__Segment *s = NULL;
        if (have)
            for (size_t k = 0; k < gi.details->n_segments; k++)
                if (gi.details->segments[k]->fragment_id == ds->frags[fi].id)
                    s = gi.details->segments[k];
        if (have && graph_segment_valid(ds, &gi, s, fi, bm)) {
            char *p = io_path_join(ds->path, s->path);
            rc = p ? nseg_read(p, ds->frags[fi].id, ds->frags[fi].physical_rows, gi.details->n_types,
                               &g->segs[fi])
                   : oom();
            free(p);
        } else {
            rc = nseg_build(ds, fi, &ec, g->dv[fi], &g->types, &g->segs[fi]);
            g->nscanned++;
        }
        if (!rc) g->nsegs = fi + 1;
    }
    if (have || gi.details) graph_index_free(&gi);
    rb_free(bm);
    if (rc) {
        g->nsegs = nfr; /* calloc'd: freeing empty segments is fine */
        bsp_graph_free(g);
        return rc;
    }
    *out = g;
    return BSP_OK;
}

/* First entry with (node, type) >= key; type UINT32_MAX+1 semantics via any_type. */
static size_t lower(const nseg_entry *e, size_t n, uint64_t node, uint32_t type)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e[mid].node < node || (e[mid].node == node && e[mid].type < type)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

typedef struct vec {
    uint64_t *v;
    size_t n, cap;
} vec;

static int vec_push(vec *a, uint64_t x)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 64;
        uint64_t *nv = realloc(a->v, nc * sizeof *nv);
        if (!nv) return oom();
        a->v = nv;
        a->cap = nc;
    }
    a->v[a->n++] = x;
    return BSP_OK;
}

static int collect(const bsp_graph *g, uint64_t node, bool any, uint32_t tid, bsp_graph_dir dir,
                   vec *acc)
{
    for (size_t s = 0; s < g->nsegs; s++) {
        const roaring_bitmap_t *dv = g->dv[s];
        for (int d = 0; d < 2; d++) {
            if (!(dir & (d == 0 ? BSP_DIR_OUT : BSP_DIR_IN))) continue;
            const nseg_entry *e = g->segs[s].e[d];
            size_t n = g->segs[s].n[d];
            for (size_t i = lower(e, n, node, any ? 0 : tid); i < n && e[i].node == node; i++) {
                if (!any && e[i].type != tid) break;
                if (dv && roaring_bitmap_contains(dv, e[i].row)) continue;
                int rc = vec_push(acc, e[i].nbr);
                if (rc) return rc;
            }
        }
    }
    return BSP_OK;
}

static int resolve_type(const bsp_graph *g, const char *type, bool *any, uint32_t *tid)
{
    *any = type == NULL;
    *tid = 0;
    if (type && !typedict_find(&g->types, type, tid)) return 0; /* no edge has this type */
    return 1;
}

int bsp_graph_neighbors(const bsp_graph *g, uint64_t node, const char *type, bsp_graph_dir dir,
                        uint64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    bool any;
    uint32_t tid;
    if (!resolve_type(g, type, &any, &tid)) return BSP_OK;
    vec acc = {0};
    int rc = collect(g, node, any, tid, dir, &acc);
    if (rc) {
        free(acc.v);
        return rc;
    }
    *n = graph_sort_unique(acc.v, acc.n);
    *out = acc.v;
    return BSP_OK;
}

static int in_sorted(const uint64_t *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && v[lo] == x;
}

int bsp_graph_expand(const bsp_graph *g, const uint64_t *seeds, size_t nseeds, const char *type,
                     bsp_graph_dir dir, unsigned hops, uint64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    bool any;
    uint32_t tid;
    if (!resolve_type(g, type, &any, &tid)) return BSP_OK;
    vec seen = {0}, frontier = {0};
    int rc = BSP_OK;
    for (size_t i = 0; i < nseeds && !rc; i++) {
        rc = vec_push(&seen, seeds[i]);
        if (!rc) rc = vec_push(&frontier, seeds[i]);
    }
    seen.n = graph_sort_unique(seen.v, seen.n);
    vec result = {0};
    for (unsigned h = 0; h < hops && !rc && frontier.n; h++) {
        vec next = {0};
        for (size_t i = 0; i < frontier.n && !rc; i++)
            rc = collect(g, frontier.v[i], any, tid, dir, &next);
        next.n = rc ? 0 : graph_sort_unique(next.v, next.n);
        vec fresh = {0};
        for (size_t i = 0; i < next.n && !rc; i++)
            if (!in_sorted(seen.v, seen.n, next.v[i])) rc = vec_push(&fresh, next.v[i]);
        free(next.v);
        for (size_t i = 0; i < fresh.n && !rc; i++) {
            rc = vec_push(&seen, fresh.v[i]);
            if (!rc) rc = vec_push(&result, fresh.v[i]);
        }
        if (!rc) seen.n = graph_sort_unique(seen.v, seen.n);
        free(frontier.v);
        frontier = fresh;
    }
    free(frontier.v);
    free(seen.v);
    if (rc) {
        free(result.v);
        return rc;
    }
    *n = graph_sort_unique(result.v, result.n);
    *out = result.v;
    return BSP_OK;
}
