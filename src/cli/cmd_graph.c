/* Graph commands (docs/cli.md "Graph"): `edges import`, `neighbors`, `index build|status|
 * reconcile`. Usage errors exit 2, failures 1. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/graph.h"
#include "bindspace/lance.h"
#include "cli/cli.h"

static int usage(const char *cmd)
{
    fprintf(stderr,
            "usage: bindspace edges import DB FILE.jsonl\n"
            "       bindspace neighbors DB NODE [--type T] [--in|--out|--both] [--hops H] [--no-reconcile]\n"
            "       bindspace index build|status|reconcile DB\n");
    (void)cmd;
    return 2;
}

static int cmd_edges(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[1], "import") != 0) return usage(argv[0]);
    uint64_t n = 0;
    int rc = bsp_edges_import_jsonl(argv[2], argv[3], &n);
    if (rc) return cli_fail("edges import", rc, "%s", argv[3]);
    printf("imported %" PRIu64 " edges into %s\n", n, argv[2]);
    return 0;
}

static int cmd_neighbors(int argc, char **argv)
{
    if (argc < 3) return usage(argv[0]);
    const char *db = argv[1], *type = NULL;
    uint64_t node, hops = 1;
    bsp_graph_dir dir = BSP_DIR_OUT;
    bool no_reconcile = false;
    if (cli_parse_u64("neighbors", "NODE", argv[2], UINT64_MAX, &node)) return 2;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--type") == 0 && i + 1 < argc) type = argv[++i];
        else if (strcmp(argv[i], "--in") == 0) dir = BSP_DIR_IN;
        else if (strcmp(argv[i], "--out") == 0) dir = BSP_DIR_OUT;
        else if (strcmp(argv[i], "--both") == 0) dir = BSP_DIR_BOTH;
        else if (strcmp(argv[i], "--no-reconcile") == 0) no_reconcile = true;
        else if (strcmp(argv[i], "--hops") == 0 && i + 1 < argc) {
            if (cli_parse_u64("neighbors", "--hops", argv[++i], 64, &hops) || hops == 0) return 2;
        } else {
            return usage(argv[0]);
        }
    }
    /* Reconcile at open (a CreateIndex commit when the index is stale); answers are exact
     * without it, so a table we cannot write (read-only copy) is still queried. */
    bsp_graph *g;
    int rc = bsp_graph_open(db, !no_reconcile, &g);
    if (rc && !no_reconcile && rc != BSP_ENOTFOUND && rc != BSP_EINVAL) {
        fprintf(stderr, "bindspace neighbors: warning: index not reconciled: %s\n", bsp_errmsg());
        rc = bsp_graph_open(db, false, &g);
    }
    if (rc) return cli_fail("neighbors", rc, "%s", db);
    uint64_t *v;
    size_t n;
    rc = hops == 1 ? bsp_graph_neighbors(g, node, type, dir, &v, &n)
                   : bsp_graph_expand(g, &node, 1, type, dir, (unsigned)hops, &v, &n);
    bsp_graph_free(g);
    if (rc) return cli_fail("neighbors", rc, "%s", db);
    for (size_t i = 0; i < n; i++) printf("%" PRIu64 "\n", v[i]);
    free(v);
    return 0;
}

/* "manifest: bitmap {..}; live {..}" — what the manifest says, for the interop matrix. */
static void print_manifest_view(const char *db)
{
    char *path = bsp_graph_edges_path(db);
    bsp_dataset *ds;
    if (!path || bsp_dataset_open(path, 0, &ds) != 0) {
        free(path);
        return;
    }
    free(path);
    printf("manifest: ");
    int found = 0;
    for (size_t i = 0; i < bsp_dataset_index_count(ds); i++) {
        bsp_index_info ii;
        if (bsp_dataset_index(ds, i, &ii) || strcmp(ii.name, BSP_GRAPH_INDEX_NAME) != 0) continue;
        found = 1;
        printf("entry %s (%s, dataset_version %" PRIu64 ") bitmap {", ii.uuid, ii.type_url,
               ii.dataset_version);
        for (size_t k = 0; k < ii.nfragments; k++)
            printf("%s%" PRIu64, k ? "," : "", ii.fragments[k]);
        printf("}");
    }
    if (!found) printf("no %s entry", BSP_GRAPH_INDEX_NAME);
    printf("; live {");
    for (size_t f = 0; f < bsp_dataset_fragment_count(ds); f++) {
        bsp_fragment_info fi;
        if (bsp_dataset_fragment(ds, f, &fi) == 0) printf("%s%" PRIu64, f ? "," : "", fi.id);
    }
    printf("}\n");
    bsp_dataset_free(ds);
}

static int cmd_index(int argc, char **argv)
{
    if (argc != 3) return usage(argv[0]);
    const char *sub = argv[1], *db = argv[2];
    int rc;
    if (strcmp(sub, "build") == 0) {
        bsp_progress p = cli_progress();
        uint64_t v;
        rc = bsp_graph_index_build(db, &p, &v);
        cli_progress_done();
        if (rc) return cli_fail("index build", rc, "%s", db);
        printf("built neighbour index: edges version %" PRIu64 "\n", v);
        return 0;
    }
    if (strcmp(sub, "reconcile") == 0) {
        bsp_graph_reconcile_report r;
        rc = bsp_graph_reconcile(db, &r);
        if (rc) return cli_fail("index reconcile", rc, "%s", db);
        printf("%s (edges version %" PRIu64 ")\n", r.action, r.new_version);
        return 0;
    }
    if (strcmp(sub, "status") == 0) {
        bsp_graph_index_info s;
        rc = bsp_graph_index_status(db, &s);
        if (rc) return cli_fail("index status", rc, "%s", db);
        print_manifest_view(db);
        if (!s.present) {
            printf("no neighbour index (edges version %" PRIu64 ", %zu fragments)\n",
                   s.table_version, s.live_fragments);
            return 0;
        }
        printf("index %s %s\n", BSP_GRAPH_INDEX_NAME, s.uuid);
        printf("edges version %" PRIu64 ", index built at version %" PRIu64 "\n", s.table_version,
               s.index_dataset_version);
        printf("fragments: %zu live, %zu covered, %zu unindexed, %zu stale segments\n",
               s.live_fragments, s.covered, s.unindexed, s.stale);
        printf("edges indexed: %" PRIu64 ", deleted since indexing: %" PRIu64 "\n", s.entries,
               s.deleted_since_build);
        printf("%s\n", s.unindexed || s.stale ? "stale: run `bindspace index reconcile`" : "current");
        return 0;
    }
    return usage(argv[0]);
}

int cmd_graph(int argc, char **argv)
{
    if (strcmp(argv[0], "edges") == 0) return cmd_edges(argc, argv);
    if (strcmp(argv[0], "neighbors") == 0) return cmd_neighbors(argc, argv);
    if (strcmp(argv[0], "index") == 0) return cmd_index(argc, argv);
    return usage(argv[0]);
}
