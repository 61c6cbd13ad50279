/* Cypher values, and how they live inside SQLite.
 *
 * The Cypher engine translates a query to SQL (translate*.c) and lets SQLite run it. Every
 * Cypher value therefore has one SQLite representation, and the cy_* SQL functions
 * (sqlfuncs*.c) give those representations Cypher's semantics (three-valued logic, null
 * propagation, orderability, type errors). The one idea: simple values are native SQLite
 * values, everything else is a tagged BLOB in a canonical binary encoding, so that equal
 * values have identical bytes (GROUP BY, DISTINCT and joins can compare them with memcmp).
 *
 *   Cypher          SQLite
 *   null            NULL
 *   Integer         INTEGER
 *   Float           REAL
 *   String          TEXT (UTF-8)
 *   bytes           BLOB without the tag (a 2,048-byte fingerprint is always bytes)
 *   Boolean, List, Map, Node, Relationship, Path
 *                   BLOB = CV_MAGIC (3 bytes) + the value's encoding (value.c). A tagged
 *                   BLOB never has length 2,048 (a pad byte is added if it would).
 *
 * A graph is two relations the SQL reads (in-memory tables, or views over Lance tables):
 *   cy_nodes(id INTEGER, labels <List of String>, props <Map>, fingerprint BLOB)
 *   cy_edges(id INTEGER, src INTEGER, dst INTEGER, type TEXT, props <Map>)
 *
 * Errors raised inside SQL functions use sqlite3_result_error with a message that starts
 * with the openCypher error class: "TypeError: ...", "ArgumentError: ...",
 * "ArithmeticError: ...", "SemanticError: ..."; where the TCK names a detail code it follows
 * the class ("TypeError: MapElementAccessByNonString: ..."). The engine reports it unchanged. */
#ifndef BSP_CYPHER_VALUE_H
#define BSP_CYPHER_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sql/sqlite_api.h"

#define CV_MAGIC "\xC7\x59\x01"
#define CV_MAGIC_LEN 3

typedef enum {
    CV_NULL = 0, CV_BOOL, CV_INT, CV_FLOAT, CV_STRING, CV_BYTES,
    CV_LIST, CV_MAP, CV_NODE, CV_REL, CV_PATH
} cv_kind;

typedef struct cv cv;
struct cv {
    cv_kind k;
    union {
        bool b;
        int64_t i;
        double f;
        struct { char *p; size_t n; } s;          /* STRING (UTF-8, not NUL-terminated) / BYTES */
        struct { cv *v; size_t n; } list;         /* LIST; PATH: node, rel, node, rel, ..., node */
        struct { char **keys; cv *vals; size_t n; } map;  /* keys sorted (byte order), unique */
        struct { int64_t id; char **labels; size_t nlabels; cv *props; } node;  /* props: MAP */
        struct { int64_t id, src, dst; char *type; cv *props; } rel;             /* props: MAP */
    } u;
};

/* ---- life cycle (all values own their memory; cv_free frees the contents, not v) ---- */
void cv_free(cv *v);
int cv_copy(cv *dst, const cv *src);            /* deep copy; BSP_ENOMEM */
void cv_set_null(cv *v);
void cv_set_bool(cv *v, bool b);
void cv_set_int(cv *v, int64_t i);
void cv_set_float(cv *v, double f);
int cv_set_string(cv *v, const char *p, size_t n);   /* copies */
int cv_list_push(cv *list, cv *item);           /* moves item into list (item becomes NULL) */
int cv_map_put(cv *map, const char *key, cv *val);   /* moves; keeps keys sorted; replaces */
const cv *cv_map_get(const cv *map, const char *key, size_t keylen);  /* NULL if absent */

/* ---- SQLite <-> cv ---- */
/* Decode an SQLite value (any of the forms above). A malformed tagged BLOB is BSP_ECORRUPT
 * with a message; the decoder never reads out of bounds (fuzz/fuzz_cypher_value.c). */
int cv_from_sqlite(sqlite3_value *sv, cv *out);
int cv_decode(const uint8_t *p, size_t n, cv *out);  /* a tagged BLOB's bytes, magic included */
/* Encode into a malloc'd buffer (tagged BLOB for the BLOB kinds). */
int cv_encode(const cv *v, uint8_t **out, size_t *n);
/* Property key of the Map, Node or Relationship encoded in the tagged BLOB p[0..n), read
 * without decoding the rest: 1 found (value in *out), 0 absent (*kind says which container),
 * -1 not such a container or malformed (decode it with cv_decode for the error). */
int cv_prop_encoded(const uint8_t *p, size_t n, const char *key, size_t keylen, cv *out,
                    cv_kind *kind);
/* Set v as the result of an SQL function (native type or tagged BLOB). */
void cv_result(sqlite3_context *ctx, const cv *v);
/* Bind v to a statement parameter. */
int cv_bind(sqlite3_stmt *st, int i, const cv *v);

/* ---- semantics ---- */
/* Equality (openCypher "="): 1 true, 0 false, -1 null (e.g. a comparison with null, or
 * lists containing nulls that decide the result). 1 = 1.0 is true. */
int cv_equals(const cv *a, const cv *b);
/* Total order for ORDER BY (openCypher orderability): Map < Node < Relationship < List <
 * Path < String < bytes < Boolean < Number (NaN largest of the numbers) < null. -1, 0, 1.
 * 1 and 1.0 are equal in this order; nodes and relationships compare by id. */
int cv_order(const cv *a, const cv *b);
/* Comparison for < <= > >=: -1/0/1; CV_CMP_NULL (2) when incomparable (null involved,
 * different types, types without an order such as maps and nodes): the operator then
 * yields null; CV_CMP_FALSE (3) when numbers are unordered (a NaN is involved): every one
 * of < <= > >= is then false (TCK Comparison2 [5]). Lists compare lexicographically. */
#define CV_CMP_NULL 2
#define CV_CMP_FALSE 3
int cv_compare(const cv *a, const cv *b);
/* A byte string whose memcmp order is cv_order (sortkey.c; what cy_sortkey returns).
 * malloc'd into *out. */
int cv_sortkey(const cv *v, uint8_t **out, size_t *n);

/* ---- text ---- */
/* The openCypher TCK literal form: null, true, 1, 1.5, 'it\'s', [1, 2], {a: 1, b: 'x'},
 * (:A:B {k: 1}), [:T {k: 1}], <(:A)-[:T]->(:B)<-[:U]-(:C)>; floats are the shortest
 * round-trip digits and always show a '.' or an exponent, as the TCK writes them (1.0,
 * 0.00001, 1000000000.0, 1e30, 1.5e-7, NaN, Infinity, -Infinity); bytes as x'0aff'; map
 * keys and labels in stored order (keys that are not identifiers backquoted).
 * malloc'd; caller frees (NULL only when out of memory). */
char *cv_render(const cv *v);
/* An SQL literal that evaluates to v's SQLite form (NULL, 42, 1.5, 'it''s', X'C75901...'),
 * so a translator can put a constant of any depth into SQL as one token instead of nested
 * cy_list/cy_map calls (SQLite's parser stack overflows near 40 levels). malloc'd; NULL
 * when out of memory or nested too deeply. */
char *cv_sql_literal(const cv *v);
/* JSON for the CLI's JSON-lines output: nodes {"id":..,"labels":[..],"properties":{..}},
 * relationships {"id":..,"type":..,"start":..,"end":..,"properties":{..}}, bytes as hex
 * strings, NaN/Infinity as strings. malloc'd. */
char *cv_json(const cv *v);
/* Parse JSON text (objects → maps, arrays → lists, true/false, numbers: integers stay
 * Integer) — the properties columns of Lance tables are JSON. */
int cv_from_json(const char *text, size_t n, cv *out);

/* ---- SQL function library (sqlfuncs*.c) ----
 * Registers on db every function below. All are deterministic except cy_f_rand.
 *
 * constructors:  cy_bool(x) (SQL 0/1 → Boolean; NULL → null), cy_list(v...), cy_map(k1, v1, ...),
 *                cy_node(id, labels, props), cy_rel(id, src, dst, type, props),
 *                cy_path(e...) (nodes, relationships, and lists of them, flattened in order:
 *                n0, r1, n1, ...; a relationship's direction is taken from its src/dst),
 *                cy_from_json(text) (JSON text → value; NULL → empty map when used for props)
 * operators:     cy_add cy_sub cy_mul cy_div cy_mod cy_pow cy_neg,
 *                cy_eq cy_neq cy_lt cy_le cy_gt cy_ge (→ Boolean or null),
 *                cy_and cy_or cy_xor cy_not (three-valued; non-Boolean → TypeError),
 *                cy_starts_with cy_ends_with cy_contains (null unless both strings),
 *                cy_in(x, list), cy_is_null(x) / cy_is_not_null(x) (→ Boolean)
 * access:        cy_prop(v, key) (map/node/rel; null → null; else TypeError),
 *                cy_index(v, i) (list by integer, negative from the end; map by string),
 *                cy_slice(list, from, to, has_from, has_to)
 * SQL glue:      cy_truth(v) → SQL INTEGER 1 iff v is true (WHERE, ON, CASE);
 *                cy_sortkey(v) → BLOB whose memcmp order is cv_order (null sorts last);
 *                cy_render(v) → TEXT (cv_render); cy_json(v) → TEXT (cv_json);
 *                cy_labels_has(labels, 'A', ...) → SQL 0/1 (all given labels present);
 *                cy_props_match(v, map) → Boolean: the pattern (n $map), every key of map
 *                equal to v's property (three-valued AND of the equalities);
 *                cy_unique_rels(x...) → SQL 0/1: no relationship id twice among the
 *                arguments (Relationships, Lists of them, Paths; nulls ignored);
 *                cy_check_int(v, 'what') → v if an Integer ≥ 0, else "SyntaxError:
 *                NegativeIntegerArgument: ..." / "SyntaxError: InvalidArgumentType: ..." (the
 *                classes the TCK expects for SKIP/LIMIT parameters)
 * functions:     cy_f_<lower-case Cypher name>(...): abs ceil floor round sign sqrt exp log
 *                log10 sin cos tan asin acos atan atan2 pi e rand tointeger tofloat toboolean
 *                tostring size length head last tail reverse range keys labels type id
 *                properties nodes relationships startnode endnode coalesce toupper tolower
 *                trim ltrim rtrim substring left right replace split; wrong arity or argument
 *                types → "ArgumentError"/"TypeError".
 * aggregates:    cy_sum cy_avg cy_min cy_max cy_collect (nulls skipped; min/max by cv_order
 *                among comparable values), cy_stdev cy_stdevp cy_percentiledisc
 *                cy_percentilecont; count() is SQL's own.
 * tables:        cy_unwind(list) → rows (value): a list's items, no row for null, one row
 *                for any other value; cy_expand(start, dir, types, min, max[, props]) → rows
 *                (dst, rels, steps): every path of min..max relationships from node start over
 *                cy_edges (dir 1 out, 2 in, 3 both; types 'A|B' or NULL = any; max -1 =
 *                unbounded; props NULL or a Map every relationship's properties must equal,
 *                as in -[*{k: v}]->), each relationship used at most once per path; rels = List of
 *                Relationship, steps = List [r1, n1, r2, n2, ...] for cy_path. */
int cy_sql_register(sqlite3 *db);

#endif
