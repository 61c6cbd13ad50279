/* CREATE, row by row. The input query is read to the end before anything is written (a
 * CREATE never sees its own writes); then, for each input row, each new node and
 * relationship is inserted into cy_nodes / cy_edges and the row, extended with the new
 * variables, goes to the step's temporary table. Properties with null values are not
 * stored (openCypher); a property value must be a primitive or a list of primitives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "cypher/exec_internal.h"
#include "cypher/sbuf.h"
#include "cypher/value.h"
#include "util/error.h"

static bool storable(const cv *v)
{
    if (v->k == CV_MAP || v->k == CV_NODE || v->k == CV_REL || v->k == CV_PATH) return false;
    if (v->k == CV_LIST)
        for (size_t i = 0; i < v->u.list.n; i++) {
            cv_kind k = v->u.list.v[i].k;
            if (k == CV_LIST || k == CV_MAP || k == CV_NODE || k == CV_REL || k == CV_PATH)
                return false;
        }
    return true;
}

/* The properties to store from a Map value (nulls dropped); *n = how many. */
static int clean_props(sqlite3_value *in, uint8_t **blob, size_t *len, uint64_t *n)
{
    cv m = {0}, out = {0};
    *n = 0;
    int rc = in ? cv_from_sqlite(in, &m) : BSP_OK;
    if (rc) return rc;
    out.k = CV_MAP;
    if (m.k != CV_NULL && m.k != CV_MAP) {
        cv_free(&m);
        return bsp_err(BSP_EINVAL, "TypeError: properties must be a map");
    }
    for (size_t i = 0; !rc && m.k == CV_MAP && i < m.u.map.n; i++) {
        cv *v = &m.u.map.vals[i];
        if (v->k == CV_NULL) continue;
        if (!storable(v)) {
            rc = bsp_err(BSP_EINVAL, "TypeError: InvalidPropertyType: property `%s`", m.u.map.keys[i]);
            break;
        }
        cv c;
        if ((rc = cv_copy(&c, v))) break;
        rc = cv_map_put(&out, m.u.map.keys[i], &c);
        if (rc) cv_free(&c);
        else (*n)++;
    }
    if (!rc) rc = cv_encode(&out, blob, len);
    cv_free(&m);
    cv_free(&out);
    return rc;
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return bsp_err(BSP_EINVAL, "cypher: %s: %s", sql, sqlite3_errmsg(db));
    return BSP_OK;
}

static int done(sqlite3 *db, sqlite3_stmt *st)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (r != SQLITE_DONE) return bsp_err(BSP_EINVAL, "%s", sqlite3_errmsg(db));
    return BSP_OK;
}

int cy_step_table(bsp_cypher_session *s, const cy_step *st, sqlite3_stmt **ins)
{
    sqlite3 *db = s->db;
    sbuf sql = {0};
    sb_printf(&sql, "CREATE TEMP TABLE %s(", st->table);
    for (size_t i = 0; i < st->nout; i++) {
        if (i) sb_puts(&sql, ", ");
        sb_ident(&sql, st->out_cols[i]);
    }
    if (!st->nout) sb_puts(&sql, "\" none\"");
    sb_puts(&sql, ")");
    int rc = BSP_OK;
    if (sql.oom || sqlite3_exec(db, sql.p, NULL, NULL, NULL) != SQLITE_OK)
        rc = bsp_err(BSP_EINVAL, "cypher: %s", sqlite3_errmsg(db));
    sb_free(&sql);
    if (rc) return rc;
    sb_printf(&sql, "INSERT INTO temp.%s VALUES (", st->table);
    for (size_t i = 0; i < (st->nout ? st->nout : 1); i++) sb_puts(&sql, i ? ", ?" : "?");
    sb_puts(&sql, ")");
    rc = sql.oom ? bsp_err(BSP_ENOMEM, "cypher: out of memory") : prep(db, sql.p, ins);
    sb_free(&sql);
    return rc;
}

int cy_exec_create(bsp_cypher_session *s, const cy_step *st, sqlite3_stmt *in,
                   bsp_cypher_stats *stats)
{
    sqlite3 *db = s->db;
    int ncol = sqlite3_column_count(in);
    sqlite3_value **rows = NULL;
    size_t nrows = 0, cap = 0;
    int rc = BSP_OK, r;
    while ((r = sqlite3_step(in)) == SQLITE_ROW) {
        if (nrows == cap) {
            cap = cap ? cap * 2 : 16;
            sqlite3_value **nr = realloc(rows, cap * (size_t)ncol * sizeof *nr);
            if (!nr) {
                rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
                break;
            }
            rows = nr;
        }
        for (int c = 0; c < ncol; c++) {
            rows[nrows * (size_t)ncol + (size_t)c] = sqlite3_value_dup(sqlite3_column_value(in, c));
        }
        nrows++;
    }
    if (!rc && r != SQLITE_DONE) rc = bsp_err(BSP_EINVAL, "%s", sqlite3_errmsg(db));

    sqlite3_stmt *ins_node = NULL, *ins_edge = NULL, *ins_out = NULL;
    if (!rc) rc = cy_step_table(s, st, &ins_out);
    if (!rc) rc = prep(db, "INSERT INTO cy_nodes(labels, props) VALUES (?1, ?2)", &ins_node);
    if (!rc) rc = prep(db, "INSERT INTO cy_edges(src, dst, type, props) VALUES (?1, ?2, ?3, ?4)", &ins_edge);

    int64_t *ids = calloc(st->nops ? st->nops : 1, sizeof *ids);
    if (!ids && !rc) rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
    for (size_t row = 0; !rc && row < nrows; row++) {
        sqlite3_value **v = rows + row * (size_t)ncol;
        for (size_t i = 0; !rc && i < st->ncarry; i++) sqlite3_bind_value(ins_out, (int)i + 1, v[i]);
        for (size_t i = 0; !rc && i < st->nops; i++) {
            const cy_create_op *op = &st->ops[i];
            uint8_t *blob = NULL;
            size_t len = 0;
            uint64_t nprops = 0;
            rc = clean_props(op->props_col >= 0 ? v[op->props_col] : NULL, &blob, &len, &nprops);
            if (rc) break;
            if (!op->is_rel) {
                sqlite3_bind_value(ins_node, 1, v[op->labels_col]);
                sqlite3_bind_blob(ins_node, 2, blob, (int)len, SQLITE_TRANSIENT);
                rc = done(db, ins_node);
                ids[i] = sqlite3_last_insert_rowid(db);
                stats->nodes_created++;
                if (!rc && op->out_col >= 0) {
                    int o = op->out_col + 1;
                    sqlite3_bind_int64(ins_out, o, ids[i]);
                    sqlite3_bind_value(ins_out, o + 1, v[op->labels_col]);
                    sqlite3_bind_blob(ins_out, o + 2, blob, (int)len, SQLITE_TRANSIENT);
                    sqlite3_bind_null(ins_out, o + 3);
                }
            } else {
                int64_t ends[2];
                int refs[2] = {op->src, op->dst};
                for (int k = 0; k < 2 && !rc; k++) {
                    if (refs[k] < 0) ends[k] = ids[-refs[k] - 1];
                    else if (sqlite3_value_type(v[refs[k]]) == SQLITE_NULL)
                        rc = bsp_err(BSP_EINVAL, "SemanticError: cannot create a relationship to a null node");
                    else ends[k] = sqlite3_value_int64(v[refs[k]]);
                }
                if (!rc) {
                    sqlite3_bind_int64(ins_edge, 1, ends[0]);
                    sqlite3_bind_int64(ins_edge, 2, ends[1]);
                    sqlite3_bind_text(ins_edge, 3, op->type, -1, SQLITE_STATIC);
                    sqlite3_bind_blob(ins_edge, 4, blob, (int)len, SQLITE_TRANSIENT);
                    rc = done(db, ins_edge);
                    ids[i] = sqlite3_last_insert_rowid(db);
                    stats->rels_created++;
                }
                if (!rc && op->out_col >= 0) {
                    int o = op->out_col + 1;
                    sqlite3_bind_int64(ins_out, o, ids[i]);
                    sqlite3_bind_int64(ins_out, o + 1, ends[0]);
                    sqlite3_bind_int64(ins_out, o + 2, ends[1]);
                    sqlite3_bind_text(ins_out, o + 3, op->type, -1, SQLITE_TRANSIENT);
                    sqlite3_bind_blob(ins_out, o + 4, blob, (int)len, SQLITE_TRANSIENT);
                }
            }
            stats->props_set += nprops;
            free(blob);
        }
        if (!rc) rc = done(db, ins_out);
    }
    free(ids);
    sqlite3_finalize(ins_node);
    sqlite3_finalize(ins_edge);
    sqlite3_finalize(ins_out);
    for (size_t i = 0; i < nrows * (size_t)ncol; i++) sqlite3_value_free(rows[i]);
    free(rows);
    return rc;
}
