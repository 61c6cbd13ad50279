/* Graph storage: edges table, neighbour index, reconciler. One test per table operation
 * (performed by bindspace): after the operation and a reconcile, the index's
 * fragment_bitmap covers exactly the live fragments and every neighbour query (and k-hop
 * expansion) equals a brute-force scan of the edges. Each test prints its row of the
 * compatibility matrix in docs/graph.md. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test.h"
#include "bindspace/graph.h"
#include "bindspace/lance.h"

static const char *const TYPES[] = {"knows", "likes", "owns"};
#define NODES 60

static void gen_edges(test_rng *r, bsp_edge *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        e[i].src = test_rng_below(r, NODES);
        e[i].dst = test_rng_below(r, NODES);
        e[i].type = TYPES[test_rng_below(r, 3)];
        e[i].properties = "{\"w\":1}";
    }
}

/* Append without reconciling (what another writer does): bsp_dataset_write directly. */
static void raw_append(const char *db, test_rng *r, size_t n)
{
    bsp_edge e[512];
    gen_edges(r, e, n);
    /* go through bsp_edges_append into a scratch db, then copy? simpler: write the batch */
    bsp_field f[4] = {{(char *)"src", {BSP_T_UINT64, 0}, true, -1},
                      {(char *)"dst", {BSP_T_UINT64, 0}, true, -1},
                      {(char *)"type", {BSP_T_UTF8, 0}, true, -1},
                      {(char *)"properties", {BSP_T_UTF8, 0}, true, -1}};
    bsp_column c[4];
    memset(c, 0, sizeof c);
    uint64_t *s = malloc(n * 8), *d = malloc(n * 8);
    for (size_t i = 0; i < n; i++) s[i] = e[i].src, d[i] = e[i].dst;
    c[0] = (bsp_column){.type = f[0].type, .length = n, .data = (uint8_t *)s, .data_len = n * 8};
    c[1] = (bsp_column){.type = f[1].type, .length = n, .data = (uint8_t *)d, .data_len = n * 8};
    for (int k = 2; k < 4; k++) {
        c[k].type = f[k].type;
        c[k].length = n;
        c[k].offsets = malloc((n + 1) * 8);
        c[k].offsets[0] = 0;
        size_t tot = 0;
        for (size_t i = 0; i < n; i++) tot += strlen(k == 2 ? e[i].type : e[i].properties);
        c[k].data = malloc(tot + 1);
        c[k].data_len = tot;
        tot = 0;
        for (size_t i = 0; i < n; i++) {
            const char *x = k == 2 ? e[i].type : e[i].properties;
            memcpy(c[k].data + tot, x, strlen(x));
            tot += strlen(x);
            c[k].offsets[i + 1] = tot;
        }
    }
    bsp_schema sc = {4, f};
    bsp_batch b = {n, 4, c};
    bsp_write_options o = {.mode = BSP_WRITE_APPEND};
    char path[600];
    snprintf(path, sizeof path, "%s/edges.lance", db);
    CHECK_OK(bsp_dataset_write(path, &sc, &b, &o, NULL));
    for (int k = 0; k < 4; k++) bsp_column_free(&c[k]);
}

static char *edges_path(const char *db)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/edges.lance", db);
    return path;
}

/* Row addresses of live rows (scan). */
static size_t live_addrs(const char *db, uint64_t *out, size_t cap)
{
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(edges_path(db), 0, &ds));
    const char *cols[1] = {"src"};
    bsp_scan_options o = {.columns = cols, .ncolumns = 1, .with_row_addr = true};
    bsp_scanner *sc;
    CHECK_OK(bsp_scanner_open(ds, &o, &sc));
    size_t n = 0;
    bsp_batch b;
    while (bsp_scanner_next(sc, &b) == 1) {
        const uint64_t *a = (const uint64_t *)b.cols[1].data;
        for (uint64_t i = 0; i < b.nrows && n < cap; i++) out[n++] = a[i];
        bsp_batch_free(&b);
    }
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);
    return n;
}

/* The index bitmap equals the live fragment ids, and status agrees. */
static void check_covers_live(const char *db)
{
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(edges_path(db), 0, &ds));
    int found = 0;
    for (size_t i = 0; i < bsp_dataset_index_count(ds); i++) {
        bsp_index_info ii;
        CHECK_OK(bsp_dataset_index(ds, i, &ii));
        if (strcmp(ii.name, BSP_GRAPH_INDEX_NAME) != 0) continue;
        found++;
        CHECK_STR(ii.type_url, BSP_GRAPH_INDEX_TYPE_URL);
        CHECK_EQ_U(ii.nfragments, bsp_dataset_fragment_count(ds));
        for (size_t f = 0; f < bsp_dataset_fragment_count(ds) && f < ii.nfragments; f++) {
            bsp_fragment_info fi;
            CHECK_OK(bsp_dataset_fragment(ds, f, &fi));
            int hit = 0;
            for (size_t k = 0; k < ii.nfragments; k++) hit |= ii.fragments[k] == fi.id;
            CHECK(hit);
        }
    }
    CHECK_EQ_U(found, 1);
    bsp_dataset_free(ds);
    bsp_graph_index_info st;
    CHECK_OK(bsp_graph_index_status(db, &st));
    CHECK(st.present);
    CHECK_EQ_U(st.covered, st.live_fragments);
    CHECK_EQ_U(st.unindexed, 0);
    CHECK_EQ_U(st.stale, 0);
}

/* Every node x type x direction equals the scan; 2-hop expansion equals BFS over scans. */
static void check_exact(const char *db, size_t expect_scanned)
{
    bsp_graph *g;
    CHECK_OK(bsp_graph_open(db, false, &g));
    if (!g) return;
    CHECK_EQ_U(bsp_graph_scanned_fragments(g), expect_scanned);
    const char *types[] = {NULL, "knows", "likes", "owns", "absent"};
    const bsp_graph_dir dirs[] = {BSP_DIR_OUT, BSP_DIR_IN, BSP_DIR_BOTH};
    size_t mismatches = 0, nonempty = 0;
    for (uint64_t node = 0; node < NODES + 2; node += 3)
        for (int t = 0; t < 5; t++)
            for (int d = 0; d < 3; d++) {
                uint64_t *a, *b;
                size_t na, nb;
                CHECK_OK(bsp_graph_neighbors(g, node, types[t], dirs[d], &a, &na));
                CHECK_OK(bsp_graph_scan_neighbors(db, node, types[t], dirs[d], &b, &nb));
                if (na != nb || (na && memcmp(a, b, na * 8) != 0)) mismatches++;
                nonempty += na > 0;
                free(a);
                free(b);
            }
    CHECK_EQ_U(mismatches, 0);
    CHECK(nonempty > 0);
    /* 2 hops from node 1 over "knows", out: BFS with scans. */
    uint64_t seed = 1, *x;
    size_t nx;
    CHECK_OK(bsp_graph_expand(g, &seed, 1, "knows", BSP_DIR_OUT, 2, &x, &nx));
    uint64_t *h1;
    size_t n1;
    CHECK_OK(bsp_graph_scan_neighbors(db, 1, "knows", BSP_DIR_OUT, &h1, &n1));
    uint64_t want[NODES * 2];
    size_t nw = 0;
    int mark[NODES + 2] = {0};
    mark[1] = 1;
    for (size_t i = 0; i < n1; i++)
        if (!mark[h1[i]]) mark[h1[i]] = 1, want[nw++] = h1[i];
    for (size_t i = 0; i < n1; i++) {
        uint64_t *h2;
        size_t n2;
        CHECK_OK(bsp_graph_scan_neighbors(db, h1[i], "knows", BSP_DIR_OUT, &h2, &n2));
        for (size_t j = 0; j < n2; j++)
            if (!mark[h2[j]]) mark[h2[j]] = 1, want[nw++] = h2[j];
        free(h2);
    }
    free(h1);
    size_t got_in_want = 0;
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < nw; j++) got_in_want += x[i] == want[j];
    CHECK_EQ_U(nx, nw);
    CHECK_EQ_U(got_in_want, nw);
    free(x);
    bsp_graph_free(g);
}

/* What the operation left in the manifest: our entry's bitmap vs the live fragment ids. */
static void describe_left(const char *db, char *buf, size_t cap)
{
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(edges_path(db), 0, &ds));
    size_t o = 0;
    int found = 0;
    for (size_t i = 0; i < bsp_dataset_index_count(ds); i++) {
        bsp_index_info ii;
        CHECK_OK(bsp_dataset_index(ds, i, &ii));
        if (strcmp(ii.name, BSP_GRAPH_INDEX_NAME) != 0) continue;
        found = 1;
        o += (size_t)snprintf(buf + o, cap - o, "entry kept (v%" PRIu64 "), bitmap {", ii.dataset_version);
        for (size_t k = 0; k < ii.nfragments && o < cap; k++)
            o += (size_t)snprintf(buf + o, cap - o, "%s%" PRIu64, k ? "," : "", ii.fragments[k]);
        o += (size_t)snprintf(buf + o, cap - o, "}");
    }
    if (!found) o += (size_t)snprintf(buf + o, cap - o, "entry removed");
    o += (size_t)snprintf(buf + o, cap - o, "; live {");
    for (size_t f = 0; f < bsp_dataset_fragment_count(ds) && o < cap; f++) {
        bsp_fragment_info fi;
        CHECK_OK(bsp_dataset_fragment(ds, f, &fi));
        o += (size_t)snprintf(buf + o, cap - o, "%s%" PRIu64, f ? "," : "", fi.id);
    }
    if (o < cap) snprintf(buf + o, cap - o, "}");
    bsp_dataset_free(ds);
}

/* Reconcile, print the matrix row, check coverage + exactness. */
static void reconcile_row(const char *db, const char *op, bsp_graph_reconcile_report *r)
{
    char left[512];
    describe_left(db, left, sizeof left);
    CHECK_OK(bsp_graph_reconcile(db, r));
    printf("MATRIX | %s (bindspace) | %s | %s | %s |\n", op, left, r->action,
           test_checks_failed_ ? "FAILED" : "exact");
}

/* Three fragments of edges and a fresh index. */
static char *setup(const char *tag, test_rng *r)
{
    char *db = test_tmpdir(tag);
    for (int k = 0; k < 3; k++) {
        bsp_edge e[200];
        gen_edges(r, e, 200);
        CHECK_OK(bsp_edges_append(db, e, 200, NULL));
    }
    uint64_t v = 0;
    CHECK_OK(bsp_graph_index_build(db, NULL, &v));
    CHECK_EQ_U(v, 4);
    return db;
}

static void test_build(void)
{
    test_rng r;
    test_rng_seed(&r, 1);
    char *db = setup("graph-build", &r);
    check_covers_live(db);
    check_exact(db, 0);
    bsp_graph_reconcile_report rep;
    CHECK_OK(bsp_graph_reconcile(db, &rep));
    CHECK(rep.had_index && !rep.committed);
    /* Appending through bindspace reconciles: still fully covered. */
    bsp_edge e[50];
    gen_edges(&r, e, 50);
    uint64_t v;
    CHECK_OK(bsp_edges_append(db, e, 50, &v));
    CHECK_EQ_U(v, 6); /* append (5) + CreateIndex (6) */
    check_covers_live(db);
    check_exact(db, 0);
    test_rmtree(db);
    free(db);
}

static void test_append(void)
{
    test_rng r;
    test_rng_seed(&r, 2);
    char *db = setup("graph-append", &r);
    raw_append(db, &r, 300);
    bsp_graph_index_info st;
    CHECK_OK(bsp_graph_index_status(db, &st));
    CHECK_EQ_U(st.unindexed, 1);
    CHECK_EQ_U(st.covered, 3);
    check_exact(db, 1); /* the new fragment is scanned */
    bsp_graph_reconcile_report rep;
    reconcile_row(db, "append", &rep);
    CHECK(rep.committed);
    CHECK_EQ_U(rep.built, 1);
    CHECK_EQ_U(rep.kept, 3);
    check_covers_live(db);
    check_exact(db, 0);
    test_rmtree(db);
    free(db);
}

static void test_delete(void)
{
    test_rng r;
    test_rng_seed(&r, 3);
    char *db = setup("graph-delete", &r);
    uint64_t addrs[1000];
    size_t n = live_addrs(db, addrs, 1000);
    CHECK_EQ_U(n, 600);
    /* A few rows of fragment 1: deletion vectors filter index hits. */
    uint64_t few[5] = {addrs[200], addrs[210], addrs[250], addrs[300], addrs[399]};
    CHECK_OK(bsp_dataset_delete_rows(edges_path(db), few, 5, NULL, NULL));
    check_exact(db, 0);
    bsp_graph_reconcile_report rep;
    reconcile_row(db, "delete 5 rows", &rep);
    CHECK(!rep.committed);
    /* 40% of fragment 0: past the threshold, the segment is rebuilt. */
    CHECK_OK(bsp_dataset_delete_rows(edges_path(db), addrs, 80, NULL, NULL));
    reconcile_row(db, "delete 40% of a fragment", &rep);
    CHECK(rep.committed);
    CHECK_EQ_U(rep.rebuilt_deletions, 1);
    CHECK_EQ_U(rep.built, 1);
    CHECK_EQ_U(rep.kept, 2);
    check_covers_live(db);
    check_exact(db, 0);
    /* All of fragment 2: the fragment disappears; its segment is removed. */
    CHECK_OK(bsp_dataset_delete_rows(edges_path(db), addrs + 400, 200, NULL, NULL));
    reconcile_row(db, "delete a whole fragment", &rep);
    CHECK(rep.committed);
    CHECK_EQ_U(rep.removed, 1);
    CHECK_EQ_U(rep.kept, 2);
    check_covers_live(db);
    check_exact(db, 0);
    test_rmtree(db);
    free(db);
}

static void test_update(void)
{
    test_rng r;
    test_rng_seed(&r, 4);
    char *db = setup("graph-update", &r);
    uint64_t addrs[1000];
    live_addrs(db, addrs, 1000);
    /* Rewrite 3 rows (new dst) as an Update: deletes + one new fragment. */
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(edges_path(db), 0, &ds));
    bsp_batch b;
    uint64_t pick[3] = {addrs[5], addrs[205], addrs[405]};
    CHECK_OK(bsp_dataset_take(ds, pick, 3, NULL, &b));
    uint64_t *dst = (uint64_t *)b.cols[1].data;
    for (int i = 0; i < 3; i++) dst[i] = NODES + 1; /* a node nobody else links to */
    CHECK_OK(bsp_dataset_update_rows(edges_path(db), pick, 3, &b, NULL));
    bsp_batch_free(&b);
    bsp_dataset_free(ds);
    check_exact(db, 1);
    bsp_graph_reconcile_report rep;
    reconcile_row(db, "update", &rep);
    CHECK(rep.committed);
    CHECK_EQ_U(rep.built, 1);
    CHECK_EQ_U(rep.kept, 3);
    check_covers_live(db);
    check_exact(db, 0);
    bsp_graph *g;
    CHECK_OK(bsp_graph_open(db, false, &g));
    uint64_t *v;
    size_t nv;
    CHECK_OK(bsp_graph_neighbors(g, NODES + 1, NULL, BSP_DIR_IN, &v, &nv));
    CHECK(nv >= 1 && nv <= 3);
    free(v);
    bsp_graph_free(g);
    test_rmtree(db);
    free(db);
}

static void test_compact(void)
{
    test_rng r;
    test_rng_seed(&r, 5);
    char *db = setup("graph-compact", &r);
    uint64_t addrs[1000];
    live_addrs(db, addrs, 1000);
    CHECK_OK(bsp_dataset_delete_rows(edges_path(db), addrs + 10, 7, NULL, NULL));
    CHECK_OK(bsp_graph_reconcile(db, NULL));
    bsp_compact_options co = {.target_rows_per_fragment = 100000};
    uint64_t v;
    CHECK_OK(bsp_dataset_compact(edges_path(db), &co, &v));
    bsp_graph_index_info st;
    CHECK_OK(bsp_graph_index_status(db, &st));
    CHECK_EQ_U(st.live_fragments, 1);
    CHECK_EQ_U(st.unindexed, 1);
    CHECK_EQ_U(st.stale, 3);
    check_exact(db, 1);
    bsp_graph_reconcile_report rep;
    reconcile_row(db, "compact", &rep);
    CHECK(rep.committed);
    CHECK_EQ_U(rep.built, 1);
    CHECK_EQ_U(rep.removed, 3);
    check_covers_live(db);
    check_exact(db, 0);
    test_rmtree(db);
    free(db);
}

static void test_merge_project(void)
{
    test_rng r;
    test_rng_seed(&r, 6);
    char *db = setup("graph-merge", &r);
    /* Merge: add a column (one value per physical row). */
    bsp_field f = {(char *)"weight", {BSP_T_INT64, 0}, true, -1};
    bsp_column c = {.type = f.type, .length = 600, .data = calloc(600, 8), .data_len = 600 * 8};
    CHECK_OK(bsp_dataset_add_column(edges_path(db), &f, &c, NULL));
    bsp_column_free(&c);
    bsp_graph_reconcile_report rep;
    reconcile_row(db, "merge / add column", &rep);
    CHECK(rep.had_index && !rep.committed);
    check_covers_live(db);
    check_exact(db, 0);
    /* Project dropping an unindexed column: nothing to do. */
    const char *drop1[1] = {"properties"};
    CHECK_OK(bsp_dataset_drop_columns(edges_path(db), drop1, 1, NULL));
    reconcile_row(db, "project / drop unindexed column", &rep);
    CHECK(rep.had_index && !rep.committed);
    check_exact(db, 0);
    /* Project dropping dst: the entry (fields = [src]) survives the writer; the reconciler
     * drops it. */
    const char *drop2[1] = {"dst"};
    CHECK_OK(bsp_dataset_drop_columns(edges_path(db), drop2, 1, NULL));
    reconcile_row(db, "project / drop dst", &rep);
    CHECK(rep.had_index && rep.dropped && rep.committed);
    bsp_graph_index_info st;
    CHECK_OK(bsp_graph_index_status(db, &st));
    CHECK(!st.present);
    bsp_graph *g = NULL;
    CHECK_ERR(bsp_graph_open(db, false, &g), BSP_EINVAL, "src and dst");
    test_rmtree(db);
    free(db);
}

/* A damaged segment file is refused with the file's name, never trusted. */
static void test_corrupt_segment(void)
{
    test_rng r;
    test_rng_seed(&r, 7);
    char *db = setup("graph-corrupt", &r);
    bsp_graph_index_info st;
    CHECK_OK(bsp_graph_index_status(db, &st));
    char p[800];
    snprintf(p, sizeof p, "%s/edges.lance/_indices/%s/frag-1.lance", db, st.uuid);
    FILE *f = fopen(p, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, -10, SEEK_END);
        fputc('X', f);
        fclose(f);
    }
    bsp_graph *g = NULL;
    CHECK_ERR(bsp_graph_open(db, false, &g), BSP_ECORRUPT, "frag-1.lance");
    /* A rebuild recovers. */
    CHECK_OK(bsp_graph_index_build(db, NULL, NULL));
    check_exact(db, 0);
    test_rmtree(db);
    free(db);
}

/* Kept segments are hard links, not copies. */
static void test_links(void)
{
    test_rng r;
    test_rng_seed(&r, 8);
    char *db = setup("graph-links", &r);
    raw_append(db, &r, 10);
    CHECK_OK(bsp_graph_reconcile(db, NULL));
    bsp_graph_index_info st;
    CHECK_OK(bsp_graph_index_status(db, &st));
    char p[800];
    snprintf(p, sizeof p, "%s/edges.lance/_indices/%s/frag-0.lance", db, st.uuid);
    struct stat sb;
    CHECK(stat(p, &sb) == 0 && sb.st_nlink == 2);
    test_rmtree(db);
    free(db);
}

static void test_import(void)
{
    char *db = test_tmpdir("graph-import");
    char p[600];
    snprintf(p, sizeof p, "%s/e.jsonl", db);
    FILE *f = fopen(p, "w");
    fprintf(f, "{\"src\":1,\"dst\":2,\"type\":\"knows\",\"properties\":{\"since\":2020}}\n"
               "{\"src\":2,\"dst\":3}\n\n{\"src\":1,\"dst\":3,\"type\":\"likes\"}\n");
    fclose(f);
    uint64_t n;
    CHECK_OK(bsp_edges_import_jsonl(db, p, &n));
    CHECK_EQ_U(n, 3);
    uint64_t *v;
    size_t nv;
    CHECK_OK(bsp_graph_scan_neighbors(db, 1, NULL, BSP_DIR_OUT, &v, &nv));
    CHECK_EQ_U(nv, 2);
    free(v);
    f = fopen(p, "w");
    fprintf(f, "{\"src\":1,\"dst\":2}\n{\"src\":-1,\"dst\":2}\n");
    fclose(f);
    CHECK_ERR(bsp_edges_import_jsonl(db, p, &n), BSP_EINVAL, "e.jsonl:2");
    f = fopen(p, "w");
    fprintf(f, "[1,2]\n");
    fclose(f);
    CHECK_ERR(bsp_edges_import_jsonl(db, p, &n), BSP_EINVAL, "e.jsonl:1: not a JSON object");
    test_rmtree(db);
    free(db);
}

/* Concurrent writers: one process appends (no reconcile) while two others reconcile in a
 * loop. Lost CreateIndex races are rebased or retried; at the end there is exactly one index
 * entry, and after a last reconcile it covers the live fragments and answers exactly. */
static void test_concurrent_reconcile(void)
{
    test_rng r;
    test_rng_seed(&r, 9);
    char *db = setup("graph-race", &r);
    pid_t kids[3];
    for (int k = 0; k < 3; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            test_rng kr;
            test_rng_seed(&kr, 100 + (uint64_t)k);
            int bad = 0;
            for (int i = 0; i < 6; i++) {
                if (k == 0) {
                    raw_append(db, &kr, 40);
                } else {
                    int rc = bsp_graph_reconcile(db, NULL);
                    if (rc && rc != BSP_ECONFLICT) bad = 1;
                }
            }
            _exit(bad || test_checks_failed_ ? 1 : 0);
        }
    }
    for (int k = 0; k < 3; k++) {
        int st = 0;
        waitpid(kids[k], &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CHECK_OK(bsp_graph_reconcile(db, NULL));
    check_covers_live(db);
    check_exact(db, 0);
    test_rmtree(db);
    free(db);
}

int main(void)
{
    RUN(test_build);
    RUN(test_append);
    RUN(test_delete);
    RUN(test_update);
    RUN(test_compact);
    RUN(test_merge_project);
    RUN(test_corrupt_segment);
    RUN(test_links);
    RUN(test_import);
    RUN(test_concurrent_reconcile);
    return test_finish();
}
