/* Fuzz the Cypher value decoders: arbitrary bytes as a tagged BLOB (cv_decode) and as JSON
 * (cv_from_json) must decode or fail with a message, never crash. What decodes must
 * re-encode to the very same bytes (the encoding is canonical and the decoder strict),
 * render, convert to JSON, and be equal to itself in the total order; the lazy property
 * lookup must agree with the full decode. The same bytes then go through the cy_* SQL
 * functions as a BLOB argument (errors are fine, crashes are not). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cypher/value.h"

static void exercise(const cv *v)
{
    char *s = cv_render(v);
    free(s);
    s = cv_json(v);
    free(s);
    uint8_t *k;
    size_t kn;
    if (cv_sortkey(v, &k, &kn) == 0) free(k);
    if (cv_order(v, v) != 0) abort();
    cv c;
    if (cv_copy(&c, v) == 0) {
        if (cv_order(&c, v) != 0) abort();
        cv_free(&c);
    }
}

static void through_sql(const uint8_t *data, size_t size)
{
    static sqlite3 *db;
    static sqlite3_stmt *st;
    if (!db) {
        if (sqlite3_open(":memory:", &db) != SQLITE_OK || cy_sql_register(db) != SQLITE_OK) abort();
        if (sqlite3_prepare_v2(db,
                               "SELECT cy_render(?1), cy_json(?1), cy_sortkey(?1), cy_prop(?1, 'a'),"
                               " cy_index(?1, 0), cy_index(?1, 'a'), cy_eq(?1, ?1), cy_lt(?1, ?1),"
                               " cy_add(?1, ?1), cy_in(?1, ?1), cy_and(?1, ?1), cy_truth(?1),"
                               " cy_slice(?1, 0, -1, 1, 1), cy_path(?1), cy_props_match(?1, ?1),"
                               " cy_unique_rels(?1), cy_labels_has(?1, 'A'), cy_list(?1, ?1),"
                               " (SELECT count(*) FROM cy_unwind(?1))",
                               -1, &st, NULL) != SQLITE_OK)
            abort();
    }
    sqlite3_bind_blob(st, 1, size ? data : (const uint8_t *)"", (int)size, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
    }
    sqlite3_reset(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < (1 << 20)) through_sql(data, size);
    cv v;
    if (cv_decode(data, size, &v) == 0) {
        uint8_t *p;
        size_t n;
        if (cv_encode(&v, &p, &n) == 0) {
            if (n != size || memcmp(p, data, n) != 0) abort();  /* canonical */
            free(p);
        }
        exercise(&v);
        const cv *m = v.k == CV_MAP ? &v : v.k == CV_NODE ? v.u.node.props
                    : v.k == CV_REL ? v.u.rel.props : NULL;
        cv got;
        cv_kind kind;
        int rc = cv_prop_encoded(data, size, "a", 1, &got, &kind);
        if (m) {  /* the lazy lookup agrees with the full decode */
            const cv *want = cv_map_get(m, "a", 1);
            if (rc != (want ? 1 : 0)) abort();
            if (want && cv_order(want, &got) != 0) abort();
        }
        if (rc == 1) cv_free(&got);
        cv_free(&v);
    } else {
        cv got;
        cv_kind kind;
        if (cv_prop_encoded(data, size, "a", 1, &got, &kind) == 1) cv_free(&got);
    }
    if (cv_from_json((const char *)data, size, &v) == 0) {
        uint8_t *p;
        size_t n;
        if (cv_encode(&v, &p, &n) == 0) {
            cv w;
            if (cv_decode(p, n, &w) != 0) abort();  /* what we encode, we decode */
            if (cv_order(&v, &w) != 0) abort();
            cv_free(&w);
            free(p);
        }
        exercise(&v);
        cv_free(&v);
    }
    return 0;
}
