/* The Cypher built-in functions and aggregates (sqlfuncs_builtin.c, sqlfuncs_agg.c),
 * checked through SQL on an in-memory database: every case evaluates
 * `SELECT cy_render(<expr>)` and compares the TCK literal form, or the error's class and
 * text. Expected values follow the openCypher TCK (the expressions/... features) and, where
 * the TCK is silent, Neo4j's documented behaviour (docs/cypher.md, "Functions"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cypher/value.h"
#include "test.h"

static sqlite3 *db;

/* Run sql (one row, one column expected) and return its text, "null" for SQL NULL, or
 * "!<error message>". Static buffer, overwritten by the next call. */
static const char *run(const char *sql)
{
    static char out[4096];
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        snprintf(out, sizeof out, "!%s", sqlite3_errmsg(db));
        return out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, sizeof out, "%s", t ? (const char *)t : "NULL");
    } else if (rc == SQLITE_DONE) {
        snprintf(out, sizeof out, "(no row)");
    } else {
        snprintf(out, sizeof out, "!%s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return out;
}

/* cy_render(expr) */
static const char *ev(const char *expr)
{
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT cy_render(%s)", expr);
    return run(sql);
}

#define EV(expr, want) CHECK_STR(ev(expr), want)
/* The expression must fail with a message starting with prefix ("!TypeError: ..."). */
#define EV_ERR(expr, prefix)                                                              \
    do {                                                                                  \
        const char *got_ = ev(expr);                                                      \
        if (strncmp(got_, "!" prefix, strlen(prefix) + 1) != 0) {                         \
            fprintf(stderr, "  FAIL %s:%d [%s]: %s gave \"%s\", want error \"%s...\"\n",  \
                    __FILE__, __LINE__, test_current_, expr, got_, prefix);               \
            test_checks_failed_++;                                                        \
        }                                                                                 \
    } while (0)

/* Rendered value of an aggregate query. */
#define AGG(sql, want) CHECK_STR(run(sql), want)
#define AGG_ERR(sql, prefix)                                                              \
    do {                                                                                  \
        const char *got_ = run(sql);                                                      \
        if (strncmp(got_, "!" prefix, strlen(prefix) + 1) != 0) {                         \
            fprintf(stderr, "  FAIL %s:%d [%s]: %s gave \"%s\", want error \"%s...\"\n",  \
                    __FILE__, __LINE__, test_current_, sql, got_, prefix);                \
            test_checks_failed_++;                                                        \
        }                                                                                 \
    } while (0)

/* A few values built with the constructors of sqlfuncs.c. */
#define T "cy_bool(1)"
#define F "cy_bool(0)"
#define NODE_A "cy_node(1, cy_list('A', 'B'), cy_map('name', 'x', 'k', 1))"
#define NODE_B "cy_node(2, cy_list(), cy_map())"
#define REL_T "cy_rel(7, 1, 2, 'T', cy_map('w', 2))"
#define PATH_1 "cy_path(" NODE_A ", " REL_T ", " NODE_B ")"

static void test_arity(void)
{
    EV_ERR("cy_f_abs()", "ArgumentError: abs() takes 1 argument");
    EV_ERR("cy_f_abs(1, 2)", "ArgumentError: abs() takes 1 argument");
    EV_ERR("cy_f_pi(1)", "ArgumentError: pi() takes 0 arguments");
    EV_ERR("cy_f_atan2(1)", "ArgumentError: atan2() takes 2 arguments");
    EV_ERR("cy_f_range(1)", "ArgumentError: range() takes 2 or 3 arguments");
    EV_ERR("cy_f_substring('a', 1, 2, 3)", "ArgumentError: substring() takes 2 or 3 arguments");
    EV_ERR("cy_f_round()", "ArgumentError: round() takes 1 to 3 arguments");
    EV_ERR("cy_f_coalesce()", "ArgumentError: coalesce() takes at least 1 argument");
    EV_ERR("cy_f_split('a')", "ArgumentError: split() takes 2 arguments");
    EV_ERR("cy_f_tointeger()", "ArgumentError: toInteger() takes 1 argument");
    /* an arity error is raised even when the argument is null */
    EV_ERR("cy_f_size(NULL, NULL)", "ArgumentError: size() takes 1 argument");
}

static void test_math(void)
{
    EV("cy_f_abs(-1)", "1");
    EV("cy_f_abs(3)", "3");
    EV("cy_f_abs(-2.5)", "2.5");
    EV("cy_f_abs(NULL)", "null");
    EV_ERR("cy_f_abs(-9223372036854775807 - 1)", "ArithmeticError:");
    EV_ERR("cy_f_abs('x')", "TypeError: InvalidArgumentValue: abs() expects a number, got String");
    EV_ERR("cy_f_abs(" T ")", "TypeError: InvalidArgumentValue: abs() expects a number, got Boolean");
    EV_ERR("cy_f_abs(cy_list(1))", "TypeError: InvalidArgumentValue: abs() expects a number, got List");

    EV("cy_f_ceil(0.1)", "1.0");
    EV("cy_f_ceil(1)", "1.0");
    EV("cy_f_ceil(-0.5)", "-0.0");
    EV("cy_f_floor(0.9)", "0.0");
    EV("cy_f_floor(-0.1)", "-1.0");
    EV("cy_f_floor(NULL)", "null");

    EV("cy_f_round(3.141592)", "3.0");
    EV("cy_f_round(2.5)", "3.0");
    EV("cy_f_round(-2.5)", "-2.0");   /* ties toward positive infinity */
    EV("cy_f_round(-2.6)", "-3.0");
    EV("cy_f_round(0.49999999999999994)", "0.0");
    EV("cy_f_round(-0.4)", "0.0");
    EV("cy_f_round(-0.4, 0)", "0.0");
    EV("cy_f_round(7)", "7.0");
    EV("cy_f_round(NULL)", "null");
    EV("cy_f_round(3.141592, 3)", "3.142");
    EV("cy_f_round(2.675, 2)", "2.68");   /* the decimal form is rounded, half up */
    EV("cy_f_round(-2.675, 2)", "-2.68");
    EV("cy_f_round(1234.5, -2)", "1200.0");
    EV("cy_f_round(1.5, 0, 'HALF_EVEN')", "2.0");
    EV("cy_f_round(2.5, 0, 'HALF_EVEN')", "2.0");
    EV("cy_f_round(2.5, 0, 'half_down')", "2.0");
    EV("cy_f_round(2.51, 0, 'HALF_DOWN')", "3.0");
    EV("cy_f_round(2.1, 0, 'CEILING')", "3.0");
    EV("cy_f_round(-2.1, 0, 'CEILING')", "-2.0");
    EV("cy_f_round(-2.1, 0, 'FLOOR')", "-3.0");
    EV("cy_f_round(-2.1, 0, 'UP')", "-3.0");
    EV("cy_f_round(-2.9, 0, 'DOWN')", "-2.0");
    EV("cy_f_round(9.99, 1)", "10.0");
    EV("cy_f_round(0.001, 1)", "0.0");
    EV("cy_f_round(0.001, 1, 'UP')", "0.1");
    EV("cy_f_round(1.23, 10)", "1.23");
    EV_ERR("cy_f_round(1.5, 0, 'SIDEWAYS')", "ArgumentError:");
    EV_ERR("cy_f_round(1.5, 0.5)", "TypeError:");

    EV("cy_f_sign(-3)", "-1");
    EV("cy_f_sign(0)", "0");
    EV("cy_f_sign(0.5)", "1");
    EV("cy_f_sign(-0.5)", "-1");
    EV("cy_f_sign(NULL)", "null");

    EV("cy_f_sqrt(12.96)", "3.6");
    EV("cy_f_sqrt(16)", "4.0");
    EV("cy_f_sqrt(-1)", "NaN");
    EV("cy_f_exp(0)", "1.0");
    EV("cy_f_log(cy_f_e())", "1.0");
    EV("cy_f_log(0)", "-Infinity");
    EV("cy_f_log10(1000)", "3.0");
    EV("cy_f_sin(0)", "0.0");
    EV("cy_f_cos(0)", "1.0");
    EV("cy_f_tan(0)", "0.0");
    EV("cy_f_asin(1) * 2 = cy_f_pi()", "1");
    EV("cy_f_acos(1)", "0.0");
    EV("cy_f_atan(0)", "0.0");
    EV("cy_f_atan2(0, 1)", "0.0");
    EV("cy_f_atan2(1, 0) * 2 = cy_f_pi()", "1");
    EV("cy_f_atan2(NULL, 1)", "null");
    EV_ERR("cy_f_atan2(1, 'a')", "TypeError: InvalidArgumentValue: atan2()");
    EV("cy_f_pi()", "3.141592653589793");
    EV("cy_f_e()", "2.718281828459045");
    EV("cy_f_degrees(cy_f_pi())", "180.0");
    EV("cy_f_radians(180) = cy_f_pi()", "1");
    EV("cy_f_haversin(0)", "0.0");
    EV("cy_f_cot(1) = 1 / tan(1)", "1");
    EV("cy_f_isnan(0.0 / 0.0)", "null");   /* SQLite's own 0.0/0.0 is NULL */
    EV("cy_f_isnan(cy_f_sqrt(-1))", "true");
    EV("cy_f_isnan(1)", "false");
    /* NaN is a tagged Float (SQLite would turn a NaN REAL into NULL) */
    EV("cy_f_abs(cy_f_sqrt(-1))", "NaN");
    EV("cy_f_round(cy_f_sqrt(-1), 2)", "NaN");
    EV("cy_f_sign(cy_f_sqrt(-1))", "0");
    EV("cy_f_tostring(cy_f_sqrt(-1))", "'NaN'");
    EV("cy_f_tointeger(cy_f_sqrt(-1))", "null");
    EV("cy_f_tofloat(cy_f_sqrt(-1))", "NaN");
    EV_ERR("cy_f_toboolean(cy_f_sqrt(-1))", "TypeError: InvalidArgumentValue: toBoolean() expects a String, Integer or Boolean, got Float");

    /* rand(): a Float in [0, 1), not the same twice */
    CHECK_STR(run("SELECT min(r) >= 0 AND max(r) < 1 AND count(DISTINCT r) = 100 FROM "
                  "(SELECT cy_f_rand() AS r FROM (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
                  "SELECT i + 1 FROM c WHERE i < 100) SELECT i FROM c))"),
              "1");
    CHECK_STR(run("SELECT typeof(cy_f_rand())"), "real");
}

static void test_conversion(void)
{
    EV("cy_f_tointeger(82.9)", "82");
    EV("cy_f_tointeger(-82.9)", "-82");
    EV("cy_f_tointeger(2)", "2");
    EV("cy_f_tointeger('1.7')", "1");
    EV("cy_f_tointeger('1.9')", "1");
    EV("cy_f_tointeger('-1.9')", "-1");
    EV("cy_f_tointeger('42')", "42");
    EV("cy_f_tointeger(' 42 ')", "42");
    EV("cy_f_tointeger('1e3')", "1000");
    EV("cy_f_tointeger('9223372036854775807')", "9223372036854775807");
    EV("cy_f_tointeger('foo')", "null");
    EV("cy_f_tointeger('')", "null");
    EV("cy_f_tointeger('1x')", "null");
    EV("cy_f_tointeger('1e400')", "null");
    EV("cy_f_tointeger(1e300)", "null");
    EV("cy_f_tointeger(NULL)", "null");
    EV("cy_f_tointeger(" T ")", "1");
    EV("cy_f_tointeger(" F ")", "0");
    EV_ERR("cy_f_tointeger(cy_list())", "TypeError: InvalidArgumentValue: toInteger()");
    EV_ERR("cy_f_tointeger(cy_map())", "TypeError: InvalidArgumentValue: toInteger()");
    EV_ERR("cy_f_tointeger(" NODE_A ")", "TypeError: InvalidArgumentValue: toInteger()");
    EV_ERR("cy_f_tointeger(" REL_T ")", "TypeError: InvalidArgumentValue: toInteger()");
    EV_ERR("cy_f_tointeger(" PATH_1 ")", "TypeError: InvalidArgumentValue: toInteger()");
    EV("cy_f_tointegerornull(cy_list())", "null");

    EV("cy_f_tofloat(3)", "3.0");
    EV("cy_f_tofloat(3.4)", "3.4");
    EV("cy_f_tofloat('5')", "5.0");
    EV("cy_f_tofloat('2.5e1')", "25.0");
    EV("cy_f_tofloat('.5')", "0.5");
    EV("cy_f_tofloat('foo')", "null");
    EV("cy_f_tofloat('')", "null");
    EV("cy_f_tofloat('1.')", "1.0");
    EV("cy_f_tofloat('0x10')", "null");
    EV("cy_f_tofloat('NaN')", "NaN");
    EV("cy_f_tofloat('-Infinity')", "-Infinity");
    EV("cy_f_tofloat(NULL)", "null");
    EV_ERR("cy_f_tofloat(" T ")", "TypeError: InvalidArgumentValue: toFloat()");
    EV_ERR("cy_f_tofloat(cy_list())", "TypeError: InvalidArgumentValue: toFloat()");
    EV_ERR("cy_f_tofloat(" NODE_A ")", "TypeError: InvalidArgumentValue: toFloat()");
    EV("cy_f_tofloatornull(" T ")", "null");

    EV("cy_f_toboolean(" T ")", "true");
    EV("cy_f_toboolean(" F ")", "false");
    EV("cy_f_toboolean('true')", "true");
    EV("cy_f_toboolean('FALSE')", "false");
    EV("cy_f_toboolean('')", "null");
    EV("cy_f_toboolean(' tru ')", "null");
    EV("cy_f_toboolean('f alse')", "null");
    EV("cy_f_toboolean(NULL)", "null");
    EV("cy_f_toboolean(0)", "false");
    EV("cy_f_toboolean(5)", "true");
    EV_ERR("cy_f_toboolean(1.0)", "TypeError: InvalidArgumentValue: toBoolean()");
    EV_ERR("cy_f_toboolean(cy_list())", "TypeError: InvalidArgumentValue: toBoolean()");
    EV_ERR("cy_f_toboolean(cy_map())", "TypeError: InvalidArgumentValue: toBoolean()");
    EV_ERR("cy_f_toboolean(" REL_T ")", "TypeError: InvalidArgumentValue: toBoolean()");
    EV("cy_f_tobooleanornull(1.0)", "null");

    EV("cy_f_tostring(42)", "'42'");
    EV("cy_f_tostring(" T ")", "'true'");
    EV("cy_f_tostring(cy_lt(1, 0))", "'false'");
    EV("cy_f_tostring(2.3)", "'2.3'");
    EV("cy_f_tostring(3.0)", "'3.0'");
    EV("cy_f_tostring('apa')", "'apa'");
    EV("cy_f_tostring(NULL)", "null");
    EV_ERR("cy_f_tostring(cy_list())", "TypeError: InvalidArgumentValue: toString()");
    EV_ERR("cy_f_tostring(cy_map())", "TypeError: InvalidArgumentValue: toString()");
    EV_ERR("cy_f_tostring(" NODE_A ")", "TypeError: InvalidArgumentValue: toString()");
    EV_ERR("cy_f_tostring(" PATH_1 ")", "TypeError: InvalidArgumentValue: toString()");
    EV("cy_f_tostringornull(cy_list())", "null");
    EV("cy_f_coalesce(cy_f_tostring(NULL), 'x')", "'x'");
}

static void test_lists(void)
{
    EV("cy_f_size(cy_list(1, 2, 3))", "3");
    EV("cy_f_size(cy_list())", "0");
    EV("cy_f_size(NULL)", "null");
    EV("cy_f_size('hello')", "5");
    EV("cy_f_size('h\xc3\xa9llo\xe2\x82\xac')", "6");   /* code points, not bytes */
    EV("cy_f_size(zeroblob(2048))", "2048");                  /* bytes */
    EV_ERR("cy_f_size(" PATH_1 ")", "SyntaxError: InvalidArgumentType: size() expects a List or String, got Path");
    EV_ERR("cy_f_size(5)", "TypeError: InvalidArgumentValue: size()");
    EV_ERR("cy_f_size(x'c75901ff')", "ArgumentError: size(): cypher value: ");   /* malformed */

    EV("cy_f_length(" PATH_1 ")", "1");
    EV("cy_f_length(cy_path(" NODE_A "))", "0");
    EV("cy_f_length(NULL)", "null");
    EV_ERR("cy_f_length(" NODE_A ")", "SyntaxError: InvalidArgumentType: length() expects a Path, got Node");
    EV_ERR("cy_f_length(" REL_T ")", "SyntaxError: InvalidArgumentType: length()");
    EV_ERR("cy_f_length(1)", "TypeError: InvalidArgumentValue: length()");

    EV("cy_f_head(cy_list(1, 2, 3))", "1");
    EV("cy_f_head(cy_list())", "null");
    EV("cy_f_head(NULL)", "null");
    EV("cy_f_head(cy_list(cy_list('a'), 2))", "['a']");
    EV("cy_f_last(cy_list(1, 2, 3))", "3");
    EV("cy_f_last(cy_list())", "null");
    EV("cy_f_tail(cy_list(1, 2, 3))", "[2, 3]");
    EV("cy_f_tail(cy_f_tail(cy_list(1, 2, 3, 4, 5)))", "[3, 4, 5]");
    EV("cy_f_tail(cy_list(1))", "[]");
    EV("cy_f_tail(cy_list())", "[]");
    EV("cy_f_tail(NULL)", "null");
    EV_ERR("cy_f_head('abc')", "TypeError: InvalidArgumentValue: head() expects a List, got String");
    EV_ERR("cy_f_last(1)", "TypeError: InvalidArgumentValue: last()");
    EV_ERR("cy_f_tail(cy_map())", "TypeError: InvalidArgumentValue: tail()");

    EV("cy_f_reverse(cy_list(1, 'a', NULL, cy_list(2)))", "[[2], null, 'a', 1]");
    EV("cy_f_reverse(cy_list())", "[]");
    EV("cy_f_reverse('raksO')", "'Oskar'");
    EV("cy_f_reverse('')", "''");
    EV("cy_f_reverse('a\xc3\xa9\xe2\x82\xac')", "'\xe2\x82\xac\xc3\xa9" "a'");
    EV("cy_f_reverse(NULL)", "null");
    EV_ERR("cy_f_reverse(1)", "TypeError: InvalidArgumentValue: reverse()");

    EV("cy_f_range(-1236, -1234)", "[-1236, -1235, -1234]");
    EV("cy_f_range(0, -123)", "[]");
    EV("cy_f_range(0, 0)", "[0]");
    EV("cy_f_range(0, 10)", "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]");
    EV("cy_f_range(1381, -3412, -1298)", "[1381, 83, -1215, -2513]");
    EV("cy_f_range(10, -10, -3)", "[10, 7, 4, 1, -2, -5, -8]");
    EV("cy_f_range(0, 1, -123)", "[]");
    EV("cy_f_range(0, 0, -1)", "[0]");
    EV("cy_f_range(0, 1, 2)", "[0]");
    EV("cy_f_range(-3412, 1381, 1298)", "[-3412, -2114, -816, 482]");
    EV("cy_f_range(9223372036854775806, 9223372036854775807)",
       "[9223372036854775806, 9223372036854775807]");
    EV("cy_f_range(-9223372036854775807 - 1, 9223372036854775807, 9223372036854775807)",
       "[-9223372036854775808, -1, 9223372036854775806]");
    EV("cy_f_range(NULL, 1)", "null");
    EV_ERR("cy_f_range(2, 8, 0)", "ArgumentError: NumberOutOfRange: range() step must not be 0");
    EV_ERR("cy_f_range(0, 0, 0)", "ArgumentError:");
    EV_ERR("cy_f_range(" T ", 1, 1)", "ArgumentError: InvalidArgumentType: range() expects Integer arguments, got Boolean");
    EV_ERR("cy_f_range(0, 1.1, 1)", "ArgumentError:");
    EV_ERR("cy_f_range(0.0, 1, 1)", "ArgumentError:");
    EV_ERR("cy_f_range(0, 1, 'xyz')", "ArgumentError:");
    EV_ERR("cy_f_range(cy_list(0), 1, 1)", "ArgumentError:");
    EV_ERR("cy_f_range(0, 1, cy_map('step', 1))", "ArgumentError:");
    EV_ERR("cy_f_range(0, 9223372036854775807)", "ArgumentError: NumberOutOfRange: range() would produce");
    CHECK_STR(run("SELECT cy_f_size(cy_f_range(1000000, 2000000))"), "1000001");

    EV("cy_f_coalesce(NULL, NULL, 3, 4)", "3");
    EV("cy_f_coalesce(NULL)", "null");
    EV("cy_f_coalesce(cy_list(1), 2)", "[1]");
}

static void test_graph(void)
{
    EV("cy_f_labels(" NODE_A ")", "['A', 'B']");
    EV("cy_f_labels(" NODE_B ")", "[]");
    EV("cy_f_labels(NULL)", "null");
    EV_ERR("cy_f_labels(1)", "TypeError: InvalidArgumentValue: labels() expects a Node, got Integer");
    EV_ERR("cy_f_labels(" PATH_1 ")", "SyntaxError: InvalidArgumentType: labels()");

    EV("cy_f_type(" REL_T ")", "'T'");
    EV("cy_f_type(NULL)", "null");
    EV_ERR("cy_f_type(0)", "TypeError: InvalidArgumentValue: type()");
    EV_ERR("cy_f_type(1.0)", "TypeError: InvalidArgumentValue: type()");
    EV_ERR("cy_f_type(" T ")", "TypeError: InvalidArgumentValue: type()");
    EV_ERR("cy_f_type('')", "TypeError: InvalidArgumentValue: type()");
    EV_ERR("cy_f_type(cy_list())", "TypeError: InvalidArgumentValue: type()");
    EV_ERR("cy_f_type(" NODE_A ")", "SyntaxError: InvalidArgumentType: type() expects a Relationship, got Node");

    EV("cy_f_id(" NODE_A ")", "1");
    EV("cy_f_id(" REL_T ")", "7");
    EV("cy_f_id(NULL)", "null");
    EV_ERR("cy_f_id(cy_map())", "TypeError: InvalidArgumentValue: id()");

    EV("cy_f_keys(" NODE_A ")", "['k', 'name']");
    EV("cy_f_keys(" NODE_B ")", "[]");
    EV("cy_f_keys(" REL_T ")", "['w']");
    EV("cy_f_keys(cy_map('b', 1, 'a', NULL))", "['a', 'b']");
    EV("cy_f_keys(NULL)", "null");
    EV_ERR("cy_f_keys(cy_list())", "TypeError: InvalidArgumentValue: keys()");

    EV("cy_f_properties(" NODE_A ")", "{k: 1, name: 'x'}");
    EV("cy_f_properties(" REL_T ")", "{w: 2}");
    EV("cy_f_properties(cy_map('name', 'Popeye', 'level', 9001))", "{level: 9001, name: 'Popeye'}");
    EV("cy_f_properties(NULL)", "null");
    EV_ERR("cy_f_properties(1)", "SyntaxError: InvalidArgumentType: properties()");
    EV_ERR("cy_f_properties('Cypher')", "SyntaxError: InvalidArgumentType: properties()");
    EV_ERR("cy_f_properties(cy_list(" T "))", "SyntaxError: InvalidArgumentType: properties()");

    EV("cy_f_nodes(" PATH_1 ")", "[(:A:B {k: 1, name: 'x'}), ()]");
    EV("cy_f_relationships(" PATH_1 ")", "[[:T {w: 2}]]");
    EV("cy_f_relationships(cy_path(" NODE_A "))", "[]");
    EV("cy_f_nodes(NULL)", "null");
    EV("cy_f_relationships(NULL)", "null");
    EV_ERR("cy_f_nodes(cy_list())", "TypeError: InvalidArgumentValue: nodes()");
    EV_ERR("cy_f_relationships(" REL_T ")", "TypeError: InvalidArgumentValue: relationships()");

    /* startNode / endNode read the graph relation cy_nodes */
    EV_ERR("cy_f_startnode(" REL_T ")", "SemanticError: startNode()");
    CHECK_STR(run("CREATE TABLE cy_nodes(id INTEGER PRIMARY KEY, labels, props, fingerprint)"),
              "(no row)");
    CHECK_STR(run("INSERT INTO cy_nodes VALUES (1, cy_list('A'), cy_map('k', 1), NULL), "
                  "(2, cy_list(), cy_map(), NULL)"),
              "(no row)");
    EV("cy_f_startnode(" REL_T ")", "(:A {k: 1})");
    EV("cy_f_endnode(" REL_T ")", "()");
    EV("cy_f_endnode(cy_rel(8, 1, 99, 'T', cy_map()))", "null");
    EV("cy_f_startnode(NULL)", "null");
    EV_ERR("cy_f_startnode(" NODE_A ")", "TypeError: InvalidArgumentValue: startNode()");
    CHECK_STR(run("DROP TABLE cy_nodes"), "(no row)");
}

static void test_strings(void)
{
    EV("cy_f_toupper('abc D\xc3\xa9\xc3\x9f')", "'ABC D\xc3\x89SS'");
    EV("cy_f_tolower('ABC d\xc3\x89\xce\xa3\xd0\x96')", "'abc d\xc3\xa9\xcf\x83\xd0\xb6'");
    EV("cy_f_toupper('\xd5\xa1 \xe1\xba\xa1 \xef\xbd\x82 \xd1\xa3 \xd3\x82')",
       "'\xd4\xb1 \xe1\xba\xa0 \xef\xbc\xa2 \xd1\xa2 \xd3\x81'");
    EV("cy_f_tolower('\xd4\xb1 \xe1\xba\xa0 \xef\xbc\xa2 \xd1\xa2 \xd3\x81 \xd3\x80')",
       "'\xd5\xa1 \xe1\xba\xa1 \xef\xbd\x82 \xd1\xa3 \xd3\x82 \xd3\x8f'");
    EV("cy_f_toupper(NULL)", "null");
    EV_ERR("cy_f_toupper(1)", "TypeError: InvalidArgumentValue: toUpper() expects a String, got Integer");
    EV_ERR("cy_f_tolower(cy_list('A'))", "TypeError: InvalidArgumentValue: toLower()");

    EV("cy_f_trim('  hello \t\n')", "'hello'");
    EV("cy_f_ltrim('  hello  ')", "'hello  '");
    EV("cy_f_rtrim('  hello  ')", "'  hello'");
    EV("cy_f_trim('   ')", "''");
    /* Unicode white space as Java's isWhitespace: no-break spaces stay */
    EV("cy_f_trim('\xe3\x80\x80 x\xc2\xa0 \xe2\x80\x83')", "'x\xc2\xa0'");
    EV("cy_f_ltrim(CAST(x'1c2078' AS TEXT))", "'x'");
    EV("cy_f_rtrim(CAST(x'78e28083e2808a' AS TEXT))", "'x'");
    EV("cy_f_trim(CAST(x'80' AS TEXT))", "'\x80'");   /* a stray continuation byte is kept */
    EV("cy_f_trim(NULL)", "null");
    EV_ERR("cy_f_trim(1)", "TypeError: InvalidArgumentValue: trim()");

    EV("cy_f_substring('0123456789', 1)", "'123456789'");
    EV("cy_f_substring('0123456789', 1, 3)", "'123'");
    EV("cy_f_substring('0123456789', 10)", "''");
    EV("cy_f_substring('0123456789', 20, 3)", "''");
    EV("cy_f_substring('0123456789', 8, 100)", "'89'");
    EV("cy_f_substring('0123456789', 0, 0)", "''");
    EV("cy_f_substring('h\xc3\xa9llo', 1, 2)", "'\xc3\xa9l'");
    EV("cy_f_substring(NULL, 1)", "null");
    EV("cy_f_substring('abc', NULL)", "null");
    EV_ERR("cy_f_substring('abc', -1)", "ArgumentError: NumberOutOfRange: substring()");
    EV_ERR("cy_f_substring('abc', 0, -1)", "ArgumentError: NumberOutOfRange: substring()");
    EV_ERR("cy_f_substring('abc', 1.5)", "TypeError: InvalidArgumentValue: substring() expects an Integer, got Float");
    EV_ERR("cy_f_substring(1, 0)", "TypeError: InvalidArgumentValue: substring() expects a String");

    EV("cy_f_left('hello', 3)", "'hel'");
    EV("cy_f_left('hello', 30)", "'hello'");
    EV("cy_f_left('h\xc3\xa9llo', 2)", "'h\xc3\xa9'");
    EV("cy_f_right('hello', 3)", "'llo'");
    EV("cy_f_right('hello', 30)", "'hello'");
    EV("cy_f_right('hell\xc3\xb6', 2)", "'l\xc3\xb6'");
    EV("cy_f_right('hello', 0)", "''");
    EV("cy_f_left(NULL, 3)", "null");
    EV_ERR("cy_f_left('hello', -1)", "ArgumentError: NumberOutOfRange: left()");
    EV_ERR("cy_f_right('hello', -1)", "ArgumentError: NumberOutOfRange: right()");
    EV_ERR("cy_f_right('hello', '1')", "TypeError: InvalidArgumentValue: right()");

    EV("cy_f_replace('hello', 'l', 'w')", "'hewwo'");
    EV("cy_f_replace('hello', 'll', '')", "'heo'");
    EV("cy_f_replace('aaaa', 'aa', 'b')", "'bb'");
    EV("cy_f_replace('abc', '', '-')", "'-a-b-c-'");
    EV("cy_f_replace('', 'x', 'y')", "''");
    EV("cy_f_replace('abcabc', 'bc', 'XYZ')", "'aXYZaXYZ'");
    EV("cy_f_replace('abab', 'abc', 'x')", "'abab'");
    EV("cy_f_replace(NULL, 'a', 'b')", "null");
    EV("cy_f_replace('a', NULL, 'b')", "null");
    EV("cy_f_replace('a', 'a', NULL)", "null");
    EV_ERR("cy_f_replace('a', 1, 'b')", "TypeError: InvalidArgumentValue: replace()");

    EV("cy_f_split('one1two', '1')", "['one', 'two']");
    EV("cy_f_split('a,b,,c,', ',')", "['a', 'b', '', 'c', '']");
    EV("cy_f_split('abc', '')", "['a', 'b', 'c']");
    EV("cy_f_split('', ',')", "['']");
    EV("cy_f_split('a--b--c', '--')", "['a', 'b', 'c']");
    EV("cy_f_split('a,b;c', cy_list(',', ';'))", "['a', 'b', 'c']");
    EV("cy_f_split(NULL, ',')", "null");
    EV("cy_f_split('a', NULL)", "null");
    EV_ERR("cy_f_split('a', 1)", "TypeError: InvalidArgumentValue: split()");
    EV_ERR("cy_f_split('a', cy_list(1))", "TypeError: InvalidArgumentValue: split()");
    EV_ERR("cy_f_split(1, ',')", "TypeError: InvalidArgumentValue: split()");
}

static void test_extras(void)
{
    EV("cy_f_isempty(cy_list())", "true");
    EV("cy_f_isempty(cy_list(NULL))", "false");
    EV("cy_f_isempty(cy_map())", "true");
    EV("cy_f_isempty(cy_map('a', 1))", "false");
    EV("cy_f_isempty('')", "true");
    EV("cy_f_isempty(' ')", "false");
    EV("cy_f_isempty(NULL)", "null");
    EV_ERR("cy_f_isempty(1)", "TypeError: InvalidArgumentValue: isEmpty()");

    EV("cy_f_nullif(1, 1)", "null");
    EV("cy_f_nullif(1, 1.0)", "null");
    EV("cy_f_nullif(1, 2)", "1");
    EV("cy_f_nullif('a', NULL)", "'a'");
    EV("cy_f_nullif(NULL, 1)", "null");
    EV("cy_f_nullif(cy_list(1), cy_list(1))", "null");

    EV("cy_f_elementid(" NODE_A ")", "'1'");
    EV("cy_f_elementid(" REL_T ")", "'7'");
    EV("cy_f_elementid(NULL)", "null");
    EV_ERR("cy_f_elementid(1)", "TypeError: InvalidArgumentValue: elementId()");

    CHECK_STR(run("SELECT cy_f_timestamp() > 1700000000000 AND typeof(cy_f_timestamp()) = 'integer'"), "1");
    const char *u = run("SELECT cy_f_randomuuid()");
    CHECK(strlen(u) == 36 && u[8] == '-' && u[13] == '-' && u[14] == '4' && u[18] == '-' &&
          strchr("89ab", u[19]) && u[23] == '-');
    CHECK_STR(run("SELECT cy_f_randomuuid() <> cy_f_randomuuid()"), "1");

    EV("cy_f_upper('abc')", "'ABC'");
    EV("cy_f_lower('ABC')", "'abc'");
    EV("cy_f_char_length('h\xc3\xa9')", "2");
    EV("cy_f_character_length('')", "0");
    EV("cy_f_char_length(NULL)", "null");
    EV("cy_f_tointegerlist(cy_list('1', 2.9, 'foo', NULL, " T ", cy_list()))",
       "[1, 2, null, null, 1, null]");
    EV("cy_f_tofloatlist(cy_list('1.5', 2, " T ", 'x'))", "[1.5, 2.0, null, null]");
    EV("cy_f_tobooleanlist(cy_list('TRUE', 0, 1.0, 'no'))", "[true, false, null, null]");
    EV("cy_f_tostringlist(cy_list(1, 2.5, " F ", 'a', cy_map()))", "['1', '2.5', 'false', 'a', null]");
    EV("cy_f_tointegerlist(cy_list())", "[]");
    EV("cy_f_tointegerlist(NULL)", "null");
    EV_ERR("cy_f_tostringlist('a')", "TypeError: InvalidArgumentValue: toStringList() expects a List, got String");
    EV_ERR("cy_f_char_length(cy_list(1))", "TypeError: InvalidArgumentValue: char_length() expects a String, got List");
}

#define VALS(...) " FROM (VALUES " __VA_ARGS__ ")"

static void test_aggregates(void)
{
    AGG("SELECT cy_render(cy_sum(column1))" VALS("(33), (NULL), (42)"), "75");
    AGG("SELECT cy_render(cy_sum(column1))" VALS("(1), (2.5)"), "3.5");
    AGG("SELECT cy_render(cy_sum(column1)) FROM (SELECT 1 AS column1 WHERE 0)", "0");
    AGG("SELECT cy_render(cy_sum(column1))" VALS("(NULL)"), "0");
    AGG("SELECT cy_render(cy_sum(column1))" VALS("(3000000000), (3000000000)"), "6000000000");
    AGG_ERR("SELECT cy_render(cy_sum(column1))" VALS("(1), ('a')"),
            "TypeError: InvalidArgumentValue: sum() expects numbers, got String");
    AGG_ERR("SELECT cy_render(cy_sum(column1))" VALS("(9223372036854775807), (1)"),
            "ArithmeticError:");
    CHECK_STR(run("SELECT cy_render(cy_sum(value)) FROM (WITH RECURSIVE c(value) AS "
                  "(SELECT 1000000 UNION ALL SELECT value + 1 FROM c WHERE value < 1002999) "
                  "SELECT value FROM c)"),
              "3004498500");

    AGG("SELECT cy_render(cy_avg(column1))" VALS("(1), (2), (NULL), (4)"), "2.3333333333333335");
    AGG("SELECT cy_render(cy_avg(column1))" VALS("(1.5), (2)"), "1.75");
    AGG("SELECT cy_render(cy_avg(column1))" VALS("(NULL)"), "null");
    AGG("SELECT cy_render(cy_avg(column1))" VALS("(9223372036854775807), (9223372036854775807)"),
        "9223372036854776000.0");
    AGG_ERR("SELECT cy_render(cy_avg(column1))" VALS("(1), (cy_bool(1))"), "TypeError: InvalidArgumentValue: avg()");
    AGG("SELECT cy_render(cy_sum(column1))" VALS("(1), (cy_f_sqrt(-1))"), "NaN");
    AGG("SELECT cy_render(cy_avg(column1))" VALS("(1), (cy_f_sqrt(-1))"), "NaN");
    AGG("SELECT cy_render(cy_max(column1))" VALS("(1), (cy_f_sqrt(-1)), (2)"), "NaN");
    AGG("SELECT cy_render(cy_min(column1))" VALS("(1), (cy_f_sqrt(-1)), (2)"), "1");
    AGG("SELECT cy_render(cy_max(column1))" VALS("(1), (1.0)"), "1");   /* equal: first kept */

    AGG("SELECT cy_render(cy_max(column1))" VALS("(1), (2), (0), (NULL), (-1)"), "2");
    AGG("SELECT cy_render(cy_min(column1))" VALS("(1), (2), (0), (NULL), (-1)"), "-1");
    AGG("SELECT cy_render(cy_max(column1))" VALS("(1.0), (2.0), (0.5), (NULL)"), "2.0");
    AGG("SELECT cy_render(cy_min(column1))" VALS("(1.0), (2.0), (0.5), (NULL)"), "0.5");
    AGG("SELECT cy_render(cy_max(column1))" VALS("(1), (2.0), (5), (NULL), (3.2), (0.1)"), "5");
    AGG("SELECT cy_render(cy_min(column1))" VALS("(1), (2.0), (5), (NULL), (3.2), (0.1)"), "0.1");
    AGG("SELECT cy_render(cy_max(column1))" VALS("('a'), ('b'), ('B'), (NULL), ('abc'), ('abc1')"),
        "'b'");
    AGG("SELECT cy_render(cy_min(column1))" VALS("('a'), ('b'), ('B'), (NULL), ('abc'), ('abc1')"),
        "'B'");
    AGG("SELECT cy_render(cy_max(column1))" VALS("(cy_list(1)), (cy_list(2)), (cy_list(2, 1))"),
        "[2, 1]");
    AGG("SELECT cy_render(cy_min(column1))" VALS("(cy_list(1)), (cy_list(2)), (cy_list(2, 1))"),
        "[1]");
    AGG("SELECT cy_render(cy_max(column1))"
        VALS("(1), ('a'), (NULL), (cy_list(1, 2)), (0.2), ('b')"), "1");
    AGG("SELECT cy_render(cy_min(column1))"
        VALS("(1), ('a'), (NULL), (cy_list(1, 2)), (0.2), ('b')"), "[1, 2]");
    AGG("SELECT cy_render(cy_min(column1))" VALS("(NULL)"), "null");
    AGG("SELECT cy_render(cy_max(column1)) FROM (SELECT 1 AS column1 WHERE 0)", "null");

    AGG("SELECT cy_render(cy_collect(column1))" VALS("(1), (NULL), ('a'), (cy_list(2))"),
        "[1, 'a', [2]]");
    AGG("SELECT cy_render(cy_collect(column1))" VALS("(NULL)"), "[]");
    AGG_ERR("SELECT cy_render(cy_collect(column1))" VALS("(1), (x'c75901ff')"),
            "ArgumentError: collect(): cypher value: ");
    AGG("SELECT cy_render(cy_collect(column1)) FROM (SELECT 1 AS column1 WHERE 0)", "[]");

    AGG("SELECT cy_render(cy_stdev(column1))" VALS("(2), (4), (4), (4), (5), (5), (7), (9)"),
        "2.138089935299395");
    AGG("SELECT cy_render(cy_stdevp(column1))" VALS("(2), (4), (4), (4), (5), (5), (7), (9)"),
        "2.0");
    AGG("SELECT cy_render(cy_stdev(column1))" VALS("(3)"), "0.0");
    AGG("SELECT cy_render(cy_stdevp(column1))" VALS("(NULL)"), "0.0");
    AGG_ERR("SELECT cy_render(cy_stdev(column1))" VALS("('x')"), "TypeError: InvalidArgumentValue: stDev()");

    static const struct { const char *p, *disc, *cont; } pc[] = {
        {"0.0", "10.0", "10.0"}, {"0.5", "20.0", "20.0"}, {"1.0", "30.0", "30.0"},
        {"0.25", "10.0", "15.0"}, {"0.9", "30.0", "28.0"}, {"0", "10.0", "10.0"},
    };
    for (size_t i = 0; i < sizeof pc / sizeof pc[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT cy_render(cy_percentiledisc(column1, %s))"
                 VALS("(10.0), (30.0), (NULL), (20.0)"), pc[i].p);
        AGG(sql, pc[i].disc);
        snprintf(sql, sizeof sql, "SELECT cy_render(cy_percentilecont(column1, %s))"
                 VALS("(10.0), (30.0), (NULL), (20.0)"), pc[i].p);
        AGG(sql, pc[i].cont);
    }
    AGG("SELECT cy_render(cy_percentiledisc(column1, 0.5))" VALS("(3), (1), (2), (4)"), "2");
    AGG("SELECT cy_render(cy_percentilecont(column1, 0.5))" VALS("(3), (1), (2), (4)"), "2.5");
    AGG("SELECT cy_render(cy_percentiledisc(column1, 0.5))" VALS("(NULL)"), "null");
    AGG_ERR("SELECT cy_render(cy_percentilecont(column1, 1000))" VALS("(10.0)"), "ArgumentError:");
    AGG_ERR("SELECT cy_render(cy_percentilecont(column1, -1))" VALS("(10.0)"), "ArgumentError:");
    AGG_ERR("SELECT cy_render(cy_percentiledisc(column1, 1.1))" VALS("(10.0)"), "ArgumentError:");
    AGG_ERR("SELECT cy_render(cy_percentiledisc(0.90, column1))" VALS("(3), (4)"),
            "ArgumentError:");
    AGG_ERR("SELECT cy_render(cy_percentiledisc(column1, NULL))" VALS("(3)"), "ArgumentError:");
    AGG_ERR("SELECT cy_render(cy_percentiledisc(column1, 0.5))" VALS("('a')"), "TypeError:");

    /* wrong arity is an ArgumentError, also over no rows */
    AGG_ERR("SELECT cy_sum(1, 2)", "ArgumentError: sum() takes 1 argument");
    AGG_ERR("SELECT cy_percentilecont(1) FROM (SELECT 1 WHERE 0)",
            "ArgumentError: percentileCont() takes 2 arguments");

    /* grouped */
    AGG("SELECT group_concat(r, ' ') FROM (SELECT cy_render(cy_collect(column2)) AS r"
        VALS("('a', 1), ('b', 2), ('a', 3)") " GROUP BY column1 ORDER BY column1)",
        "[1, 3] [2]");
}

static void test_distinct(void)
{
    AGG("SELECT cy_render(cy_collect(DISTINCT column1))" VALS("(NULL), (NULL)"), "[]");
    AGG("SELECT cy_render(cy_collect(DISTINCT column1))" VALS("(NULL), (1), (NULL)"), "[1]");
    AGG("SELECT cy_render(cy_collect(DISTINCT column1))"
        VALS("(cy_list(1, 'a')), (2), (cy_list(1, 'a')), (cy_map('k', 1)), (2), (cy_map('k', 1))"),
        "[[1, 'a'], 2, {k: 1}]");
    AGG("SELECT cy_render(cy_sum(DISTINCT column1))" VALS("(1), (1), (2)"), "3");
    AGG("SELECT count(DISTINCT column1)" VALS("(cy_list(1)), (cy_list(1)), (NULL)"), "1");
}

/* Property: every function, called with 0..3 arguments drawn from a pool of awkward values
 * (nulls, extreme Integers, NaN and infinities, strings with invalid UTF-8, malformed tagged
 * BLOBs, every kind of composite value), either returns a value that renders or fails with
 * an openCypher error class. Under ASan this is the crash and leak check of both files. */
static const struct { const char *name; int amin, amax; } all_functions[] = {
    {"abs", 1, 1}, {"ceil", 1, 1}, {"floor", 1, 1}, {"round", 1, 3}, {"sign", 1, 1},
    {"sqrt", 1, 1}, {"exp", 1, 1}, {"log", 1, 1}, {"log10", 1, 1}, {"sin", 1, 1},
    {"cos", 1, 1}, {"tan", 1, 1}, {"asin", 1, 1}, {"acos", 1, 1}, {"atan", 1, 1},
    {"atan2", 2, 2}, {"pi", 0, 0}, {"e", 0, 0}, {"rand", 0, 0}, {"tointeger", 1, 1},
    {"tofloat", 1, 1}, {"toboolean", 1, 1}, {"tostring", 1, 1}, {"size", 1, 1},
    {"length", 1, 1}, {"head", 1, 1}, {"last", 1, 1}, {"tail", 1, 1}, {"reverse", 1, 1},
    {"range", 2, 3}, {"keys", 1, 1}, {"labels", 1, 1}, {"type", 1, 1}, {"id", 1, 1},
    {"properties", 1, 1}, {"nodes", 1, 1}, {"relationships", 1, 1}, {"startnode", 1, 1},
    {"endnode", 1, 1}, {"coalesce", 1, 3}, {"toupper", 1, 1}, {"tolower", 1, 1},
    {"trim", 1, 1}, {"ltrim", 1, 1}, {"rtrim", 1, 1}, {"substring", 2, 3}, {"left", 2, 2},
    {"right", 2, 2}, {"replace", 3, 3}, {"split", 2, 2}, {"cot", 1, 1}, {"degrees", 1, 1},
    {"radians", 1, 1}, {"haversin", 1, 1}, {"isnan", 1, 1}, {"tointegerornull", 1, 1},
    {"tofloatornull", 1, 1}, {"tobooleanornull", 1, 1}, {"tostringornull", 1, 1},
    {"isempty", 1, 1}, {"nullif", 2, 2}, {"elementid", 1, 1}, {"timestamp", 0, 0},
    {"randomuuid", 0, 0}, {"upper", 1, 1}, {"lower", 1, 1}, {"char_length", 1, 1},
    {"character_length", 1, 1},
    {"tointegerlist", 1, 1}, {"tofloatlist", 1, 1}, {"tobooleanlist", 1, 1},
    {"tostringlist", 1, 1},
};

static bool error_has_class(const char *msg)
{
    static const char *const classes[] = {"TypeError: ", "ArgumentError: ", "ArithmeticError: ",
                                          "SemanticError: ", "SyntaxError: InvalidArgumentType: "};
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (strncmp(msg, classes[i], strlen(classes[i])) == 0) return true;
    return false;
}

static void test_property_any_arguments(void)
{
    static const char *const pool_sql[] = {
        "NULL", "0", "1", "-1", "2", "7", "100", "9223372036854775807",
        "-9223372036854775807 - 1", "0.5", "-2.5", "1e308", "-0.0", "cy_f_sqrt(-1)",
        "cy_f_log(0)", "-cy_f_log(0)", "''", "'abc'", "' 12 '", "'1.5e3'", "'true'",
        "'h\xc3\xa9llo'", "CAST(x'ff80c3' AS TEXT)", "CAST(x'e282' AS TEXT)", "x''", "x'00'",
        "zeroblob(2048)", "x'c75901'", "x'c75901ff'", "x'c75901000000'",
        "x'c75901ffffffffffffffff'", "cy_bool(1)", "cy_bool(0)", "cy_list()",
        "cy_list(1, 'a', NULL)", "cy_list(',', ';')", "cy_map()", "cy_map('k', 1, 'z', NULL)",
        NODE_A, NODE_B, REL_T, PATH_1, "cy_path(" NODE_B ")",
    };
    enum { NPOOL = sizeof pool_sql / sizeof pool_sql[0] };
    sqlite3_value *pool[NPOOL];
    for (size_t i = 0; i < NPOOL; i++) {
        char sql[512];
        snprintf(sql, sizeof sql, "SELECT %s", pool_sql[i]);
        sqlite3_stmt *st = NULL;
        pool[i] = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            pool[i] = sqlite3_value_dup(sqlite3_column_value(st, 0));
        sqlite3_finalize(st);
        CHECK(pool[i] != NULL);
        if (!pool[i]) return;
    }
    test_rng rng;
    test_rng_seed(&rng, 20261121);
    int values = 0, errors = 0;
    for (int iter = 0; iter < 6000; iter++) {
        size_t f = test_rng_below(&rng, sizeof all_functions / sizeof all_functions[0]);
        const char *fn = all_functions[f].name;
        int lo = all_functions[f].amin, hi = all_functions[f].amax;
        int argc = test_rng_below(&rng, 8) == 0 ? (int)test_rng_below(&rng, 5)   /* any arity */
                                                : lo + (int)test_rng_below(&rng, (uint64_t)(hi - lo + 1));
        char sql[128];
        int o = snprintf(sql, sizeof sql, "SELECT cy_render(cy_f_%s(", fn);
        for (int a = 0; a < argc; a++) o += snprintf(sql + o, sizeof sql - (size_t)o, "%s?", a ? ", " : "");
        snprintf(sql + o, sizeof sql - (size_t)o, "))");
        sqlite3_stmt *st = NULL;
        CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
        for (int a = 0; a < argc; a++)
            sqlite3_bind_value(st, a + 1, pool[test_rng_below(&rng, NPOOL)]);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            values++;
            CHECK(sqlite3_column_text(st, 0) != NULL);
        } else {
            errors++;
            const char *msg = sqlite3_errmsg(db);
            if (!error_has_class(msg)) {
                fprintf(stderr, "  FAIL [%s] %s: error without a class: %s\n", test_current_, sql, msg);
                test_checks_failed_++;
            }
        }
        sqlite3_finalize(st);
    }
    /* the list conversions agree with the …OrNull functions item by item */
    static const char *const pairs[][2] = {{"tointegerlist", "tointegerornull"},
                                           {"tofloatlist", "tofloatornull"},
                                           {"tobooleanlist", "tobooleanornull"},
                                           {"tostringlist", "tostringornull"}};
    for (size_t i = 0; i < NPOOL; i++) {
        /* a list holds -0.0 as 0.0 (the codec's canonical form), and a malformed BLOB
         * cannot go into a list at all */
        if (strcmp(pool_sql[i], "-0.0") == 0) continue;
        char probe[600];
        snprintf(probe, sizeof probe, "SELECT cy_render(cy_list(%s))", pool_sql[i]);
        if (run(probe)[0] == '!') continue;
        for (size_t k = 0; k < 4; k++) {
            char sql[160];
            snprintf(sql, sizeof sql, "SELECT cy_render(cy_f_%s(cy_list(?1))) = "
                     "'[' || cy_render(cy_f_%s(?1)) || ']'", pairs[k][0], pairs[k][1]);
            sqlite3_stmt *st = NULL;
            CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
            sqlite3_bind_value(st, 1, pool[i]);
            int rc = sqlite3_step(st);
            bool ok = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
            if (!ok) {
                fprintf(stderr, "  FAIL [%s] %s(%s) disagrees: %s\n", test_current_, pairs[k][0],
                        pool_sql[i], rc == SQLITE_ROW ? "different" : sqlite3_errmsg(db));
                test_checks_failed_++;
            }
            sqlite3_finalize(st);
        }
    }
    CHECK(values > 1000);
    CHECK(errors > 1000);
    for (size_t i = 0; i < NPOOL; i++) sqlite3_value_free(pool[i]);
}

/* The same for the aggregates, over random multisets of the pool values. */
static void test_property_aggregates(void)
{
    static const char *const aggs[] = {"cy_sum(v)", "cy_avg(v)", "cy_min(v)", "cy_max(v)",
                                       "cy_collect(v)", "cy_stdev(v)", "cy_stdevp(v)",
                                       "cy_percentiledisc(v, p)", "cy_percentilecont(v, p)",
                                       "cy_collect(DISTINCT v)", "cy_min(DISTINCT v)"};
    static const char *const vals[] = {"NULL", "1", "-3", "2.5", "cy_f_sqrt(-1)", "'a'",
                                       "cy_list(1)", "cy_bool(1)", "x'c75901ff'", NODE_B, "0.25"};
    enum { NV = sizeof vals / sizeof vals[0] };
    test_rng rng;
    test_rng_seed(&rng, 7);
    for (int iter = 0; iter < 600; iter++) {
        char sql[2048];
        int o = snprintf(sql, sizeof sql,
                         "SELECT cy_render(%s) FROM (SELECT column1 AS v, column2 AS p FROM (VALUES ",
                         aggs[test_rng_below(&rng, sizeof aggs / sizeof aggs[0])]);
        int rows = 1 + (int)test_rng_below(&rng, 6);
        for (int r = 0; r < rows; r++)
            o += snprintf(sql + o, sizeof sql - (size_t)o, "%s(%s, %s)", r ? ", " : "",
                          vals[test_rng_below(&rng, NV)], vals[test_rng_below(&rng, NV)]);
        snprintf(sql + o, sizeof sql - (size_t)o, "))");
        const char *got = run(sql);
        if (got[0] == '!' && !error_has_class(got + 1)) {
            fprintf(stderr, "  FAIL [%s] %s: %s\n", test_current_, sql, got);
            test_checks_failed_++;
        }
    }
}

int main(void)
{
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return 2;
    if (cy_sql_register(db) != SQLITE_OK) {
        fprintf(stderr, "cy_sql_register failed: %s\n", sqlite3_errmsg(db));
        return 2;
    }
    RUN(test_arity);
    RUN(test_math);
    RUN(test_conversion);
    RUN(test_lists);
    RUN(test_graph);
    RUN(test_strings);
    RUN(test_extras);
    RUN(test_aggregates);
    RUN(test_distinct);
    RUN(test_property_any_arguments);
    RUN(test_property_aggregates);
    sqlite3_close(db);
    return test_finish();
}
