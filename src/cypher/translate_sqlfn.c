/* SQL helpers that exist for the translator's own constructions, registered with every
 * Cypher session (exec.c): cy_collect_all(v) collects every row's value into a List, nulls
 * included and in row order — the body of a list or pattern comprehension, which (unlike
 * collect()) keeps nulls and gives [] for no rows; cy_map_merge(a, b) is map a with b's
 * entries over it (a map projection `n{.*, k: v}`). */
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "cypher/value.h"
#include "sql/sqlite_api.h"

typedef struct {
    cv *list;
} collect_all;

static void ca_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    collect_all *a = sqlite3_aggregate_context(ctx, sizeof *a);
    if (!a) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (!a->list) {
        a->list = calloc(1, sizeof *a->list);
        if (!a->list) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        a->list->k = CV_LIST;
    }
    cv v;
    if (cv_from_sqlite(argv[0], &v)) {
        sqlite3_result_error(ctx, bsp_errmsg(), -1);
        return;
    }
    if (cv_list_push(a->list, &v)) {
        cv_free(&v);
        sqlite3_result_error_nomem(ctx);
    }
}

static void ca_final(sqlite3_context *ctx)
{
    collect_all *a = sqlite3_aggregate_context(ctx, 0);
    cv empty = {.k = CV_LIST};
    cv_result(ctx, a && a->list ? a->list : &empty);
    if (a && a->list) {
        cv_free(a->list);
        free(a->list);
        a->list = NULL;
    }
}

static void map_merge(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    cv a, b;
    if (cv_from_sqlite(argv[0], &a)) {
        sqlite3_result_error(ctx, bsp_errmsg(), -1);
        return;
    }
    if (cv_from_sqlite(argv[1], &b)) {
        cv_free(&a);
        sqlite3_result_error(ctx, bsp_errmsg(), -1);
        return;
    }
    if (a.k == CV_NULL) a.k = CV_MAP;
    if (a.k != CV_MAP || (b.k != CV_MAP && b.k != CV_NULL)) {
        sqlite3_result_error(ctx, "TypeError: a map projection needs a map, node or relationship", -1);
    } else {
        int rc = BSP_OK;
        for (size_t i = 0; b.k == CV_MAP && i < b.u.map.n && !rc; i++) {
            cv c;
            if (!(rc = cv_copy(&c, &b.u.map.vals[i]))) {
                rc = cv_map_put(&a, b.u.map.keys[i], &c);
                if (rc) cv_free(&c);
            }
        }
        if (rc) sqlite3_result_error_nomem(ctx);
        else cv_result(ctx, &a);
    }
    cv_free(&a);
    cv_free(&b);
}

int cy_translate_register(sqlite3 *db)
{
    int rc = sqlite3_create_function_v2(db, "cy_collect_all", 1, SQLITE_UTF8, NULL, NULL, ca_step,
                                        ca_final, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "cy_map_merge", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                        NULL, map_merge, NULL, NULL, NULL);
    return rc;
}
