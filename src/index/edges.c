/* The edges table of a database: DB/edges.lance with src uint64, dst uint64, type utf8,
 * properties utf8 (JSON text). Appending (from memory or JSON lines), and the brute-force
 * neighbour scan that the index must always agree with.
 *
 * The one idea: edges are ordinary Lance rows, written with one Append commit per call, so
 * any Lance writer can add, delete or compact them; the neighbour index is derived data
 * that bsp_graph_reconcile brings back in line after every such change. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "index/graph_internal.h"
#include "io/io.h"
#include "util/error.h"

static int oom(void) { return bsp_err(BSP_ENOMEM, "out of memory"); }

static int utf8_col(bsp_column *c, const bsp_edge *e, size_t n, bool props)
{
    memset(c, 0, sizeof *c);
    c->type = (bsp_type){BSP_T_UTF8, 0};
    c->length = n;
    c->offsets = malloc((n + 1) * sizeof *c->offsets);
    if (!c->offsets) return oom();
    uint64_t total = 0;
    c->offsets[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = props ? (e[i].properties ? e[i].properties : "{}") : (e[i].type ? e[i].type : "");
        total += strlen(s);
        c->offsets[i + 1] = total;
    }
    c->data = malloc(total ? total : 1);
    if (!c->data) return oom();
    c->data_len = total;
    for (size_t i = 0; i < n; i++) {
        const char *s = props ? (e[i].properties ? e[i].properties : "{}") : (e[i].type ? e[i].type : "");
        memcpy(c->data + c->offsets[i], s, c->offsets[i + 1] - c->offsets[i]);
    }
    return BSP_OK;
}

int bsp_edges_append(const char *db, const bsp_edge *edges, size_t n, uint64_t *new_version)
{
    if (n == 0) return bsp_err(BSP_EINVAL, "%s: no edges to append", db);
    int rc = io_mkdir_p(db);
    if (rc) return rc;
    char *path = bsp_graph_edges_path(db);
    if (!path) return oom();
    bsp_field fields[4] = {
        {(char *)"src", {BSP_T_UINT64, 0}, true, -1},
        {(char *)"dst", {BSP_T_UINT64, 0}, true, -1},
        {(char *)"type", {BSP_T_UTF8, 0}, true, -1},
        {(char *)"properties", {BSP_T_UTF8, 0}, true, -1},
    };
    bsp_column cols[4];
    memset(cols, 0, sizeof cols);
    for (int k = 0; k < 2 && !rc; k++) {
        cols[k].type = fields[k].type;
        cols[k].length = n;
        cols[k].data_len = n * 8;
        uint64_t *v = malloc(n * 8);
        if (!v) {
            rc = oom();
            break;
        }
        for (size_t i = 0; i < n; i++) v[i] = k == 0 ? edges[i].src : edges[i].dst;
        cols[k].data = (uint8_t *)v;
    }
    if (!rc) rc = utf8_col(&cols[2], edges, n, false);
    if (!rc) rc = utf8_col(&cols[3], edges, n, true);
    uint64_t v = 0;
    if (!rc) {
        bsp_schema schema = {4, fields};
        bsp_batch batch = {n, 4, cols};
        bsp_write_options o = {.mode = BSP_WRITE_APPEND};
        rc = bsp_dataset_write(path, &schema, &batch, &o, &v);
    }
    for (int k = 0; k < 4; k++) bsp_column_free(&cols[k]);
    free(path);
    if (rc) return rc;
    if (new_version) *new_version = v;
    bsp_graph_reconcile_report rep;
    rc = bsp_graph_reconcile(db, &rep);
    if (!rc && new_version) *new_version = rep.new_version;
    return rc;
}

/* ---- JSON lines ---------------------------------------------------------------------------- */

static int json_u64(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0) return 0;
    *out = (uint64_t)json_integer_value(v);
    return 1;
}

int bsp_edges_import_jsonl(const char *db, const char *file, uint64_t *n_imported)
{
    FILE *fp = fopen(file, "r");
    if (!fp) return bsp_err(BSP_ENOTFOUND, "%s: cannot open", file);
    bsp_edge *e = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    uint64_t lineno = 0;
    int rc = BSP_OK;
    while (!rc && (len = getline(&line, &lcap, fp)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (len == 0) continue;
        if ((size_t)len != strlen(line)) {
            rc = bsp_err(BSP_EINVAL, "%s:%" PRIu64 ": NUL byte in line", file, lineno);
            break;
        }
        json_error_t err;
        json_t *o = json_loadb(line, (size_t)len, 0, &err);
        if (!o || !json_is_object(o)) {
            rc = bsp_err(BSP_EINVAL, "%s:%" PRIu64 ": not a JSON object%s%s", file, lineno,
                         o ? "" : ": ", o ? "" : err.text);
            json_decref(o);
            break;
        }
        bsp_edge ed = {0};
        json_t *t = json_object_get(o, "type"), *p = json_object_get(o, "properties");
        if (!json_u64(json_object_get(o, "src"), &ed.src) ||
            !json_u64(json_object_get(o, "dst"), &ed.dst)) {
            rc = bsp_err(BSP_EINVAL, "%s:%" PRIu64 ": src and dst must be non-negative integers",
                         file, lineno);
        } else if (t && !json_is_string(t) && !json_is_null(t)) {
            rc = bsp_err(BSP_EINVAL, "%s:%" PRIu64 ": type must be a string", file, lineno);
        }
        if (!rc) {
            ed.type = strdup(json_is_string(t) ? json_string_value(t) : "");
            ed.properties = p && !json_is_null(p) ? json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY)
                                                 : strdup("{}");
            if (!ed.type || !ed.properties) rc = oom();
        }
        json_decref(o);
        if (!rc && n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            bsp_edge *ne = realloc(e, nc * sizeof *ne);
            if (!ne) rc = oom();
            else e = ne, cap = nc;
        }
        if (rc) {
            free((char *)ed.type);
            free((char *)ed.properties);
            break;
        }
        e[n++] = ed;
    }
    free(line);
    fclose(fp);
    if (!rc && n == 0) rc = bsp_err(BSP_EINVAL, "%s: no edges", file);
    if (!rc) rc = bsp_edges_append(db, e, n, NULL);
    for (size_t i = 0; i < n; i++) {
        free((char *)e[i].type);
        free((char *)e[i].properties);
    }
    free(e);
    if (!rc && n_imported) *n_imported = n;
    return rc;
}

/* ---- brute force ---------------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

size_t graph_sort_unique(uint64_t *v, size_t n)
{
    if (n == 0) return 0;
    qsort(v, n, sizeof *v, cmp_u64);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1]) v[k++] = v[i];
    return k;
}

int bsp_graph_scan_neighbors(const char *db, uint64_t node, const char *type,
                             bsp_graph_dir dir, uint64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char *path = bsp_graph_edges_path(db);
    if (!path) return oom();
    bsp_dataset *ds;
    int rc = bsp_dataset_open(path, 0, &ds);
    free(path);
    if (rc) return rc;
    const char *cols[3] = {"src", "dst", "type"};
    bsp_scan_options o = {.columns = cols, .ncolumns = 3};
    bsp_scanner *sc;
    if ((rc = bsp_scanner_open(ds, &o, &sc))) {
        bsp_dataset_free(ds);
        return rc;
    }
    uint64_t *v = NULL;
    size_t nv = 0, cap = 0;
    size_t tlen = type ? strlen(type) : 0;
    bsp_batch b;
    while (!rc && (rc = bsp_scanner_next(sc, &b)) == 1) {
        rc = BSP_OK;
        const uint64_t *s = (const uint64_t *)b.cols[0].data, *d = (const uint64_t *)b.cols[1].data;
        const bsp_column *tc = &b.cols[2];
        for (uint64_t r = 0; r < b.nrows && !rc; r++) {
            if (!bsp_column_is_valid(&b.cols[0], r) || !bsp_column_is_valid(&b.cols[1], r)) continue;
            if (type) {
                const char *ts = "";
                size_t tl = 0;
                if (bsp_column_is_valid(tc, r)) {
                    ts = (const char *)tc->data + tc->offsets[r];
                    tl = (size_t)(tc->offsets[r + 1] - tc->offsets[r]);
                }
                if (tl != tlen || memcmp(ts, type, tl) != 0) continue;
            }
            for (int k = 0; k < 2; k++) {
                uint64_t hit;
                if (k == 0 && (dir & BSP_DIR_OUT) && s[r] == node) hit = d[r];
                else if (k == 1 && (dir & BSP_DIR_IN) && d[r] == node) hit = s[r];
                else continue;
                if (nv == cap) {
                    size_t nc = cap ? cap * 2 : 64;
                    uint64_t *nvv = realloc(v, nc * sizeof *nvv);
                    if (!nvv) {
                        rc = oom();
                        break;
                    }
                    v = nvv;
                    cap = nc;
                }
                v[nv++] = hit;
            }
        }
        bsp_batch_free(&b);
    }
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *n = graph_sort_unique(v, nv);
    *out = v;
    return BSP_OK;
}
