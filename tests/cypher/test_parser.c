/* Cypher parser tests: statements against their canonical S-expression, malformed
 * statements against their line:column message. */
#include "bindspace/cypher.h"
#include "bindspace/error.h"
#include "test.h"

static char *sx(const char *q)
{
    bsp_cypher_ast *a = NULL;
    if (bsp_cypher_parse(q, strlen(q), &a) != 0) {
        fprintf(stderr, "  parse failed: %s\n    %s\n", q, bsp_errmsg());
        return NULL;
    }
    char *s = NULL;
    if (bsp_cypher_ast_sexpr(a, &s) != 0) s = NULL;
    bsp_cypher_ast_free(a);
    return s;
}

#define PARSES(q, want)        \
    do {                       \
        char *s_ = sx(q);      \
        CHECK_STR(s_, want);   \
        free(s_);              \
    } while (0)

static int parse_err(const char *q)
{
    bsp_cypher_ast *a = NULL;
    int rc = bsp_cypher_parse(q, strlen(q), &a);
    if (rc == 0) bsp_cypher_ast_free(a);
    return rc;
}
#define FAILS(q, msg) CHECK_ERR(parse_err(q), BSP_EINVAL, msg)

static void test_match_patterns(void)
{
    PARSES("MATCH (n) RETURN n", "(query (match (pattern (path (node n)))) (return (item n)))");
    PARSES("match (n:Person:Admin {name: 'Ann', age: 3}) return n.name AS name",
           "(query (match (pattern (path (node n (labels Person Admin) (map (name \"Ann\") (age 3))))))"
           " (return (item name (prop n name))))");
    PARSES("MATCH (a)-[r:KNOWS|LIKES *1..3 {since: 2000}]->(b) RETURN a",
           "(query (match (pattern (path (node a) (rel r -> (types KNOWS LIKES) (range 1 3) (map (since 2000)))"
           " (node b)))) (return (item a)))");
    PARSES("MATCH (a)<-[:T]-(b)-[]-(c)--(d)-->(e)<--(f) RETURN *",
           "(query (match (pattern (path (node a) (rel <- (types T)) (node b) (rel --) (node c) (rel --)"
           " (node d) (rel ->) (node e) (rel <-) (node f)))) (return *))");
    PARSES("MATCH ()-[*]->(), ()-[*2]->(), ()-[*..4]->(), ()-[*2..]->() RETURN 1",
           "(query (match (pattern (path (node) (rel -> (range _ _)) (node)) (path (node) (rel -> (range 2 2))"
           " (node)) (path (node) (rel -> (range _ 4)) (node)) (path (node) (rel -> (range 2 _)) (node))))"
           " (return (item 1)))");
    PARSES("MATCH p = (a)-[:T1|:T2]->(b) RETURN p",
           "(query (match (pattern (path p (node a) (rel -> (types T1 T2)) (node b)))) (return (item p)))");
    PARSES("OPTIONAL MATCH (n:`My Label`) WHERE n.x IS NOT NULL RETURN n",
           "(query (optional-match (pattern (path (node n (labels My Label)))) (where (is-not-null (prop n x))))"
           " (return (item n)))");
    PARSES("MATCH (n {k: $v}) RETURN n", "(query (match (pattern (path (node n (map (k $v)))))) (return (item n)))");
    PARSES("MATCH (n $props) RETURN n", "(query (match (pattern (path (node n $props)))) (return (item n)))");
    PARSES("MATCH (`match`) RETURN `match`", "(query (match (pattern (path (node match)))) (return (item match)))");
}

static void test_clauses(void)
{
    PARSES("MATCH (n) WITH n, count(*) AS c WHERE c > 1 RETURN DISTINCT n.name ORDER BY n.name DESC, c SKIP 2 LIMIT 10",
           "(query (match (pattern (path (node n)))) (with (item n) (item c (count *)) (where (> c 1)))"
           " (return distinct (item (prop n name)) (order (desc (prop n name)) (asc c)) (skip 2) (limit 10)))");
    PARSES("UNWIND [1, 2, 3] AS x RETURN x",
           "(query (unwind x (list 1 2 3)) (return (item x)))");
    PARSES("CREATE (a:A {v: 1})-[:R]->(b:B) RETURN a",
           "(query (create (pattern (path (node a (labels A) (map (v 1))) (rel -> (types R)) (node b (labels B)))))"
           " (return (item a)))");
    PARSES("CALL hdr.search($q, 10) YIELD node, distance AS d RETURN node, d",
           "(query (call hdr.search $q 10 (yield node (item d distance))) (return (item node) (item d)))");
    PARSES("CALL db.labels", "(query (call db.labels))");
    PARSES("CALL hdr.bind($a, $b) YIELD result;", "(query (call hdr.bind $a $b (yield result)))");
    PARSES("RETURN 1 AS a UNION RETURN 2 AS a",
           "(union distinct (query (return (item a 1))) (query (return (item a 2))))");
    PARSES("RETURN 1 UNION ALL RETURN 2 UNION ALL RETURN 3",
           "(union all (query (return (item 1))) (query (return (item 2))) (query (return (item 3))))");
    PARSES("RETURN *, 1", "(query (return * (item 1)))");
    PARSES("MATCH (n) RETURN n ORDER BY n.x ASCENDING LIMIT $l",
           "(query (match (pattern (path (node n)))) (return (item n) (order (asc (prop n x))) (limit $l)))");
}

static void test_expressions(void)
{
    PARSES("RETURN 1 + 2 * 3 - 4 / 5 % 6", "(query (return (item (- (+ 1 (* 2 3)) (% (/ 4 5) 6)))))");
    PARSES("RETURN 2 ^ 3 ^ 2", "(query (return (item (^ (^ 2 3) 2))))");
    PARSES("RETURN -2 ^ 2", "(query (return (item (^ (neg 2) 2))))");
    PARSES("RETURN a OR b XOR c AND NOT d = e", "(query (return (item (or a (xor b (and c (not (= d e))))))))");
    PARSES("RETURN NOT NOT true", "(query (return (item (not (not true)))))");
    PARSES("RETURN a < b, a <= b, a > b, a >= b, a <> b, a != b",
           "(query (return (item (< a b)) (item (<= a b)) (item (> a b)) (item (>= a b)) (item (<> a b))"
           " (item (<> a b))))");
    PARSES("RETURN s STARTS WITH 'a' AND s ENDS WITH \"b\" OR s CONTAINS 'c'",
           "(query (return (item (or (and (starts-with s \"a\") (ends-with s \"b\")) (contains s \"c\")))))");
    PARSES("RETURN x IN [1, 2] = true", "(query (return (item (= (in x (list 1 2)) true))))");
    PARSES("RETURN x IS NULL, x IS NOT NULL", "(query (return (item (is-null x)) (item (is-not-null x))))");
    PARSES("RETURN a + 1 IS NULL", "(query (return (item (is-null (+ a 1)))))");
    PARSES("RETURN n.a.b, l[0], l[1..2], l[..2], l[1..], m['k'].x",
           "(query (return (item (prop (prop n a) b)) (item (index l 0)) (item (slice l 1 2))"
           " (item (slice l _ 2)) (item (slice l 1 _)) (item (prop (index m \"k\") x))))");
    PARSES("RETURN count(*), count(DISTINCT n.x), sum(x), toUpper('a'), hdr.hamming($a, $b)",
           "(query (return (item (count *)) (item (fn count distinct (prop n x))) (item (fn sum x))"
           " (item (fn toUpper \"a\")) (item (fn hdr.hamming $a $b))))");
    PARSES("RETURN {a: 1, b: [true, false, null], `c d`: {}}, []",
           "(query (return (item (map (a 1) (b (list true false null)) (c d (map)))) (item (list))))");
    PARSES("RETURN CASE WHEN x = 1 THEN 'one' WHEN x = 2 THEN 'two' ELSE 'many' END",
           "(query (return (item (case _ (when (= x 1) \"one\") (when (= x 2) \"two\") (else \"many\")))))");
    PARSES("RETURN CASE x WHEN 1 THEN true END",
           "(query (return (item (case x (when 1 true)))))");
    PARSES("RETURN 1.5, .5, 1e3, 2.5E-2, 0x1F, 0o17, 9223372036854775807, -9223372036854775808",
           "(query (return (item 1.5) (item 0.5) (item 1000.0) (item 0.025) (item 31) (item 15)"
           " (item 9223372036854775807) (item -9223372036854775808)))");
    PARSES("RETURN 'a\\'b', \"q\\\"\", '\\n\\t\\\\', '\\u00e9', '\\U0001F600'",
           "(query (return (item \"a'b\") (item \"q\\\"\") (item \"\\n\\t\\\\\") (item \"\xc3\xa9\")"
           " (item \"\xf0\x9f\x98\x80\")))");
    PARSES("RETURN $p, $0, -x, +x, (1 + 2) * 3",
           "(query (return (item $p) (item $0) (item (neg x)) (item x) (item (* (+ 1 2) 3))))");
    PARSES("RETURN n.count, n.order, n.match", "(query (return (item (prop n count)) (item (prop n order)) (item (prop n match))))");
}

static void test_comments_and_case(void)
{
    PARSES("// leading comment\nmAtCh (n) /* block\n comment */ ReTuRn n // tail",
           "(query (match (pattern (path (node n)))) (return (item n)))");
    PARSES("  RETURN `weird``name` ", "(query (return (item weird`name)))");
}

static void test_errors(void)
{
    FAILS("MATCH (n\nWHERE n.x = 1) RETURN n", "2:1: expected ')' after node pattern, got 'WHERE'");
    FAILS("MATCH (n:Person {name: 'x'}\n      WHERE n.x RETURN n", "2:7: expected ')' after node pattern, got 'WHERE'");
    FAILS("", "1:1: expected a clause");
    FAILS("   ", "1:4: expected a clause");
    FAILS("MATCH", "1:6: expected '(' to start a node pattern, got end of input");
    FAILS("RETURN", "1:7: expected an expression or '*', got end of input");
    FAILS("RETURN 1 +", "1:11: expected an expression, got end of input");
    FAILS("RETURN (1 + 2", "1:14: expected ')' after expression, got end of input");
    FAILS("RETURN [1, 2", "1:13: expected ',' or ']' in list literal");
    FAILS("RETURN {a 1}", "1:11: expected ':' after map key, got '1'");
    FAILS("RETURN 'abc", "1:8: unterminated string literal");
    FAILS("RETURN \"a\\qb\"", "1:10: unknown escape sequence");
    FAILS("RETURN '\\u12'", "1:9: \\u needs 4 hex digits");
    FAILS("RETURN '\\uD800'", "1:9: escape is not a valid code point");
    FAILS("RETURN 1 /* never closed", "1:10: unterminated comment");
    FAILS("RETURN `abc", "1:8: unterminated backquoted identifier");
    FAILS("RETURN $", "1:8: expected a parameter name after '$'");
    FAILS("RETURN 9223372036854775808", "1:8: integer literal too large");
    FAILS("RETURN 99999999999999999999", "1:8: integer literal too large");
    FAILS("RETURN 12abc", "1:8: malformed number literal");
    FAILS("RETURN 0xZZ", "1:8: malformed integer literal");
    FAILS("RETURN 1 # 2", "1:10: unexpected character");
    FAILS("MATCH (a)-[r:T->(b) RETURN a", "1:15: expected ']' after relationship pattern, got '-'");
    FAILS("MATCH (a)<-[r]->(b) RETURN a", "1:11: relationship pattern cannot point both ways");
    FAILS("MATCH (a)-[:]->(b) RETURN a", "1:13: expected a relationship type, got ']'");
    FAILS("MATCH (a:) RETURN a", "1:10: expected a label name after ':', got ')'");
    FAILS("MATCH (n) RETURN n LIMIT", "1:25: expected an expression, got end of input");
    FAILS("MATCH (n) RETURN n ORDER n", "1:26: expected BY after ORDER, got 'n'");
    FAILS("MATCH (n) RETURN n MATCH (m)", "1:20: expected end of query after RETURN, got 'MATCH'");
    FAILS("MATCH (n) FOO", "1:11: expected a clause");
    FAILS("UNWIND [1] x RETURN x", "1:12: expected AS after UNWIND expression, got 'x'");
    FAILS("OPTIONAL (n)", "1:10: expected MATCH after OPTIONAL, got '('");
    FAILS("RETURN CASE END", "1:13: expected WHEN in CASE, got 'END'");
    FAILS("RETURN CASE WHEN 1 'x' END", "1:20: expected THEN after WHEN condition, got ''x''");
    FAILS("RETURN x IS 3", "1:13: expected NULL or NOT after IS, got '3'");
    FAILS("RETURN s STARTS 'a'", "1:17: expected WITH after STARTS");
    FAILS("CALL hdr.search(1 2)", "1:19: expected ',' or ')' after procedure arguments, got '2'");
    FAILS("CALL (1)", "1:6: expected a procedure name, got '('");
    FAILS("CALL hdr.bind($a,$b) YIELD", "1:27: expected a field name after YIELD, got end of input");
    FAILS("RETURN 1 UNION ALL RETURN 2 UNION RETURN 3", "cannot mix UNION and UNION ALL");
    FAILS("RETURN 'it''s'", "1:12: expected end of query after RETURN, got ''s''"); /* no '' escape */
    FAILS("RETURN 1;;", "1:10: expected end of input, got ';'");
    FAILS("RETURN n.", "1:10: expected a property key after '.', got end of input");
    FAILS("MATCH (n) RETURN n,", "1:20: expected an expression after ',', got end of input");
    FAILS("MATCH (n)\n  -[r]-\n  (m WHERE", "3:6: expected ')' after node pattern, got 'WHERE'");
}

static void test_depth_limit(void)
{
    char q[4000];
    strcpy(q, "RETURN ");
    for (int i = 0; i < 1000; i++) strcat(q, "(");
    FAILS(q, "nesting deeper than");
    strcpy(q, "RETURN ");
    for (int i = 0; i < 1000; i++) strcat(q, "-");
    strcat(q, "1");
    FAILS(q, "nesting deeper than");
    strcpy(q, "RETURN ");
    for (int i = 0; i < 500; i++) strcat(q, "[");
    FAILS(q, "nesting deeper than");
    strcpy(q, "RETURN ");
    for (int i = 0; i < 100; i++) strcat(q, "(");
    strcat(q, "1");
    for (int i = 0; i < 100; i++) strcat(q, ")");
    PARSES(q, "(query (return (item 1)))");
}

/* Random bytes and random mutations of valid statements: never crash, always a
 * message with a position when they fail. */
static void test_random_input(void)
{
    static const char *seeds[] = {"MATCH (a:A {k: 1})-[r:T*1..2]->(b) WHERE a.x > $p RETURN a, count(*) ORDER BY a DESC LIMIT 3",
                                  "CALL hdr.bind($a, $b) YIELD result RETURN result",
                                  "RETURN CASE x WHEN 1 THEN 'a' ELSE \"b\\n\" END, [1, .5, 1e3], {a: null}"};
    test_rng st;
    test_rng_seed(&st, 42);
    char buf[256];
    for (int it = 0; it < 20000; it++) {
        const char *s = seeds[it % 3];
        size_t n = strlen(s);
        memcpy(buf, s, n);
        int muts = 1 + (int)(test_rng_next(&st) % 4);
        for (int m = 0; m < muts; m++) {
            size_t at = (size_t)(test_rng_next(&st) % n);
            buf[at] = (char)(test_rng_next(&st) & 0xff);
        }
        if (it % 7 == 0) n = (size_t)(test_rng_next(&st) % (n + 1));
        bsp_cypher_ast *a = NULL;
        int rc = bsp_cypher_parse(buf, n, &a);
        if (rc == 0) {
            char *out = NULL;
            CHECK(bsp_cypher_ast_sexpr(a, &out) == 0);
            free(out);
            bsp_cypher_ast_free(a);
        } else {
            CHECK(rc == BSP_EINVAL);
            CHECK(strchr(bsp_errmsg(), ':') != NULL);
        }
    }
}

int main(void)
{
    RUN(test_match_patterns);
    RUN(test_clauses);
    RUN(test_expressions);
    RUN(test_comments_and_case);
    RUN(test_errors);
    RUN(test_depth_limit);
    RUN(test_random_input);
    return test_finish();
}
