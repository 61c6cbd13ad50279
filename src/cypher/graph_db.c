/* A bindspace database as the Cypher graph.
 *
 * DB/nodes.lance is opened as the bindspace virtual table temp.bsp_nodes. A node's id is the
 * table's addr, its one label is Node, its properties are the table's scalar columns (id,
 * label, ...), its fingerprint the fingerprint column. cy_nodes is a copy of everything but
 * the fingerprints (an SQLite table keyed by id, so joins are index lookups) plus each row's
 * address, through which n.fingerprint is read when a query uses it; cy_nodes_vt is a view
 * straight over the virtual table that the translator uses for a node ranked by
 * ORDER BY hamming_distance(n.fingerprint, $q) LIMIT k, so that query becomes the table's
 * exact top-k (and schema_passes its predicate pushdown).
 *
 * cy_edges is loaded once per session from DB/edges.lance (src, dst, type, properties JSON)
 * into an SQLite table indexed by (src, type) and (dst, type); a relationship's id is its
 * position in the scan. Statements that change a database graph are refused for now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bindspace/error.h"
#include "bindspace/graph.h"
#include "bindspace/lance.h"
#include "cypher/exec_internal.h"
#include "cypher/sbuf.h"
#include "util/error.h"

static int exec_sql(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        int rc = bsp_err(BSP_EINVAL, "cypher: %s", err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return rc;
    }
    return BSP_OK;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The derived and hidden columns of the virtual table are not node properties. */
static bool property_column(const char *name)
{
    static const char *const skip[] = {"addr", "fingerprint", "popcount", "nars_f", "nars_c",
                                       "ani_dominant", "schema_version", "distance", "k", NULL};
    for (int i = 0; skip[i]; i++)
        if (strcmp(name, skip[i]) == 0) return false;
    return true;
}

static int attach_nodes(sqlite3 *db, const char *dbdir)
{
    int rc = exec_sql(db, "CREATE TEMP TABLE cy_nodes(id INTEGER PRIMARY KEY, labels BLOB, "
                          "props BLOB, rowaddr INTEGER)");
    if (rc) return rc;
    char path[4096];
    snprintf(path, sizeof path, "%s/nodes.lance", dbdir);
    if (!is_dir(path))
        return exec_sql(db, "CREATE TEMP TABLE bsp_nodes(fingerprint BLOB, distance INTEGER);"
                            "CREATE TEMP VIEW cy_nodes_vt AS SELECT id, labels, props, rowaddr, "
                            "NULL AS fingerprint, NULL AS distance FROM cy_nodes");
    char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE temp.bsp_nodes USING bindspace('%q')", path);
    rc = sql ? exec_sql(db, sql) : bsp_err(BSP_ENOMEM, "cypher: out of memory");
    sqlite3_free(sql);
    if (rc) return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name FROM temp.pragma_table_info('bsp_nodes')", -1, &st,
                           NULL) != SQLITE_OK)
        return bsp_err(BSP_EINVAL, "cypher: %s", sqlite3_errmsg(db));
    sbuf props = {0}, v = {0};
    sb_puts(&props, "cy_map(");
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (!name || !property_column(name)) continue;
        if (n++) sb_puts(&props, ", ");
        sb_sqlstr(&props, name, strlen(name));
        sb_puts(&props, ", ");
        sb_ident(&props, name);
    }
    sqlite3_finalize(st);
    sb_puts(&props, ")");
    /* the joinable copy (no fingerprints), then the view that can run a top-k */
    sb_printf(&v, "INSERT INTO cy_nodes SELECT addr, cy_list('Node'), %s, rowid FROM temp.bsp_nodes;"
                  "CREATE TEMP VIEW cy_nodes_vt AS SELECT addr AS id, cy_list('Node') AS labels, "
                  "%s AS props, rowid AS rowaddr, fingerprint, distance FROM temp.bsp_nodes",
              props.p, props.p);
    rc = v.oom || props.oom ? bsp_err(BSP_ENOMEM, "cypher: out of memory") : exec_sql(db, v.p);
    sb_free(&v);
    sb_free(&props);
    return rc;
}

static int load_edges(sqlite3 *db, const char *dbdir)
{
    int rc = exec_sql(db, "CREATE TEMP TABLE cy_edges(id INTEGER PRIMARY KEY, src INTEGER NOT NULL, "
                          "dst INTEGER NOT NULL, type TEXT NOT NULL, props BLOB)");
    if (rc) return rc;
    char *path = bsp_graph_edges_path(dbdir);
    if (!path) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    if (!is_dir(path)) {
        free(path);
        return BSP_OK;
    }
    bsp_dataset *ds;
    rc = bsp_dataset_open(path, 0, &ds);
    free(path);
    if (rc) return rc;
    const char *cols[4] = {"src", "dst", "type", "properties"};
    bsp_scan_options o = {.columns = cols, .ncolumns = 4};
    bsp_scanner *sc = NULL;
    sqlite3_stmt *ins = NULL;
    if ((rc = bsp_scanner_open(ds, &o, &sc))) goto out;
    if (sqlite3_prepare_v2(db, "INSERT INTO cy_edges VALUES (?1, ?2, ?3, ?4, cy_from_json(?5))", -1,
                           &ins, NULL) != SQLITE_OK) {
        rc = bsp_err(BSP_EINVAL, "cypher: %s", sqlite3_errmsg(db));
        goto out;
    }
    if ((rc = exec_sql(db, "BEGIN"))) goto out;
    int64_t id = 0;
    bsp_batch b;
    while (!rc && (rc = bsp_scanner_next(sc, &b)) == 1) {
        rc = BSP_OK;
        const uint64_t *s = (const uint64_t *)b.cols[0].data, *d = (const uint64_t *)b.cols[1].data;
        for (uint64_t r = 0; r < b.nrows && !rc; r++, id++) {
            if (!bsp_column_is_valid(&b.cols[0], r) || !bsp_column_is_valid(&b.cols[1], r)) continue;
            sqlite3_bind_int64(ins, 1, id);
            sqlite3_bind_int64(ins, 2, (int64_t)s[r]);
            sqlite3_bind_int64(ins, 3, (int64_t)d[r]);
            for (int k = 2; k < 4; k++) {
                const bsp_column *c = &b.cols[k];
                if (bsp_column_is_valid(c, r))
                    sqlite3_bind_text(ins, k + 2, (const char *)c->data + c->offsets[r],
                                      (int)(c->offsets[r + 1] - c->offsets[r]), SQLITE_TRANSIENT);
                else if (k == 2) sqlite3_bind_text(ins, 4, "", 0, SQLITE_STATIC);
                else sqlite3_bind_text(ins, 5, "{}", 2, SQLITE_STATIC);
            }
            if (sqlite3_step(ins) != SQLITE_DONE)
                rc = bsp_err(BSP_ECORRUPT, "cypher: edges.lance row %lld: %s", (long long)id,
                             sqlite3_errmsg(db));
            sqlite3_reset(ins);
        }
        bsp_batch_free(&b);
    }
    if (rc < 0) exec_sql(db, "ROLLBACK");
    else rc = exec_sql(db, "COMMIT");
    if (!rc)
        rc = exec_sql(db, "CREATE INDEX temp.cy_edges_src ON cy_edges(src, type);"
                          "CREATE INDEX temp.cy_edges_dst ON cy_edges(dst, type);");
out:
    sqlite3_finalize(ins);
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);
    return rc;
}

int cy_graph_attach(bsp_cypher_session *s, const char *dbdir)
{
    if (!is_dir(dbdir)) return bsp_err(BSP_ENOTFOUND, "cypher: %s: no such database directory", dbdir);
    s->dbdir = strdup(dbdir);
    if (!s->dbdir) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
    int rc = attach_nodes(s->db, dbdir);
    if (!rc) rc = load_edges(s->db, dbdir);
    return rc;
}
