/* CALL hdr.*(...) YIELD ..., row by row: the input query gives the carried columns and the
 * arguments; each argument becomes a bsp_cy_value (2,048-byte BLOBs are Vectors, Maps are
 * passed as their JSON text), the procedure runs (procedures.c), and each row it yields is
 * written with the carried columns to the step's temporary table.
 *
 * The procedures run with an empty context: hdr.search and hdr.schemaSearch over a graph's
 * nodes are what MATCH (n) ... ORDER BY hamming_distance(n.fingerprint, $q) LIMIT k does
 * (the exact top-k of the SQL layer); hdr.cleanup returns its argument. */
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "bindspace/fp.h"
#include "cypher/exec_internal.h"
#include "cypher/sbuf.h"
#include "cypher/value.h"
#include "util/error.h"

/* SQL value → procedure argument. Strings point into *keep (freed by the caller). */
static int to_arg(sqlite3_value *v, bsp_cy_value *a, cv *keep, char **json)
{
    memset(a, 0, sizeof *a);
    switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: a->type = BSP_CY_NULL; return BSP_OK;
    case SQLITE_INTEGER: a->type = BSP_CY_INT; a->i = sqlite3_value_int64(v); return BSP_OK;
    case SQLITE_FLOAT: a->type = BSP_CY_FLOAT; a->f = sqlite3_value_double(v); return BSP_OK;
    case SQLITE_TEXT:
        a->type = BSP_CY_STRING;
        a->s = (const char *)sqlite3_value_text(v);
        a->len = (size_t)sqlite3_value_bytes(v);
        return BSP_OK;
    default: break;
    }
    if (sqlite3_value_bytes(v) == BSP_BYTES) {
        a->type = BSP_CY_VECTOR;
        a->vec = sqlite3_value_blob(v);
        a->vec_len = BSP_BYTES;
        return BSP_OK;
    }
    int rc = cv_from_sqlite(v, keep);
    if (rc) return rc;
    if (keep->k == CV_BOOL) {
        a->type = BSP_CY_BOOL;
        a->i = keep->u.b;
    } else if (keep->k == CV_MAP) {
        *json = cv_json(keep);
        if (!*json) return bsp_err(BSP_ENOMEM, "cypher: out of memory");
        a->type = BSP_CY_MAP;
        a->s = *json;
        a->len = strlen(*json);
    } else if (keep->k == CV_BYTES) {
        a->type = BSP_CY_VECTOR;  /* wrong length: the procedure names the problem */
        a->vec = (const uint8_t *)keep->u.s.p;
        a->vec_len = keep->u.s.n;
    } else {
        return bsp_err(BSP_EINVAL, "TypeError: procedure arguments are Vectors, Integers, Floats, "
                                   "Strings, Booleans, Maps or null");
    }
    return BSP_OK;
}

static int bind_result(sqlite3_stmt *st, int i, const bsp_cy_value *v)
{
    cv c = {0};
    int rc = BSP_OK;
    switch (v->type) {
    case BSP_CY_NULL: break;
    case BSP_CY_BOOL: cv_set_bool(&c, v->i != 0); break;
    case BSP_CY_INT: cv_set_int(&c, v->i); break;
    case BSP_CY_FLOAT: cv_set_float(&c, v->f); break;
    case BSP_CY_STRING:
    case BSP_CY_MAP: rc = cv_set_string(&c, v->s ? v->s : "", v->len); break;
    case BSP_CY_VECTOR:
        if (sqlite3_bind_blob(st, i, v->vec, (int)v->vec_len, SQLITE_TRANSIENT) != SQLITE_OK)
            rc = bsp_err(BSP_ENOMEM, "cypher: out of memory");
        return rc;
    }
    if (!rc) rc = cv_bind(st, i, &c);
    cv_free(&c);
    return rc;
}

int cy_exec_call(bsp_cypher_session *s, const cy_step *st, sqlite3_stmt *in)
{
    sqlite3 *db = s->db;
    sqlite3_stmt *out = NULL;
    int rc = cy_step_table(s, st, &out);
    bsp_cy_context ctx = {0};
    bsp_cy_value args[64];
    cv keep[64];
    char *json[64];
    if (st->nargs > 64) rc = bsp_err(BSP_EINVAL, "SyntaxError: too many procedure arguments");
    int r = SQLITE_ROW;
    while (!rc && (r = sqlite3_step(in)) == SQLITE_ROW) {
        size_t na = st->nargs;
        memset(keep, 0, sizeof keep);
        memset(json, 0, sizeof json);
        for (size_t i = 0; !rc && i < na; i++)
            rc = to_arg(sqlite3_column_value(in, (int)(st->ncarry + i)), &args[i], &keep[i], &json[i]);
        bsp_cy_row *rows = NULL;
        size_t nrows = 0;
        if (!rc && bsp_cypher_call(&ctx, st->proc, args, na, &rows, &nrows))
            rc = bsp_err_prefix(BSP_EINVAL, "ArgumentError");
        for (size_t k = 0; !rc && k < nrows; k++) {
            for (size_t i = 0; i < st->ncarry; i++)
                sqlite3_bind_value(out, (int)i + 1, sqlite3_column_value(in, (int)i));
            for (size_t y = 0; !rc && y < st->nyield; y++) {
                int f = st->yield_field[y];
                const bsp_cy_value *v = f < rows[k].ncols ? &rows[k].vals[f] : NULL;
                bsp_cy_value null = {.type = BSP_CY_NULL};
                rc = bind_result(out, (int)(st->ncarry + y) + 1, v ? v : &null);
            }
            if (!rc && sqlite3_step(out) != SQLITE_DONE)
                rc = bsp_err(BSP_EINVAL, "cypher: %s", sqlite3_errmsg(db));
            sqlite3_reset(out);
            sqlite3_clear_bindings(out);
        }
        free(rows);
        for (size_t i = 0; i < na; i++) {
            cv_free(&keep[i]);
            free(json[i]);
        }
    }
    if (!rc && r != SQLITE_DONE) rc = bsp_err(BSP_EINVAL, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(out);
    return rc;
}
