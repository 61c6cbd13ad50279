/* Cypher parser tests: statements against their canonical S-expression, malformed
 * statements against their line:column message. */
#include "bindspace/cypher.h"
#include "bindspace/error.h"
#include "cypher/ast.h"
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
    PARSES("CREATE (n $props)-[:T $p]->() RETURN n",
           "(query (create (pattern (path (node n $props) (rel -> (types T) $p) (node)))) (return (item n)))");
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
    FAILS("MATCH (n\nWHERE n.x = 1) RETURN n", "2:1: UnexpectedSyntax: expected ')' after node pattern, got 'WHERE'");
    FAILS("MATCH (n:Person {name: 'x'}\n      WHERE n.x RETURN n", "2:7: UnexpectedSyntax: expected ')' after node pattern, got 'WHERE'");
    FAILS("", "1:1: UnexpectedSyntax: expected a clause");
    FAILS("   ", "1:4: UnexpectedSyntax: expected a clause");
    FAILS("MATCH", "1:6: UnexpectedSyntax: expected '(' to start a node pattern, got end of input");
    FAILS("RETURN", "1:7: UnexpectedSyntax: expected an expression or '*', got end of input");
    FAILS("RETURN 1 +", "1:11: UnexpectedSyntax: expected an expression, got end of input");
    FAILS("RETURN (1 + 2", "1:14: UnexpectedSyntax: expected ')' after expression, got end of input");
    FAILS("RETURN [1, 2", "1:13: UnexpectedSyntax: expected ',' or ']' in list literal");
    FAILS("RETURN {a 1}", "1:11: UnexpectedSyntax: expected ':' after map key, got '1'");
    FAILS("RETURN 'abc", "1:8: UnexpectedSyntax: unterminated string literal");
    FAILS("RETURN \"a\\qb\"", "1:10: UnexpectedSyntax: unknown escape sequence");
    FAILS("RETURN '\\u12'", "1:9: InvalidUnicodeLiteral: \\u needs 4 hex digits");
    FAILS("RETURN '\\uD800'", "1:9: InvalidUnicodeLiteral: escape is not a valid code point");
    FAILS("RETURN 1 /* never closed", "1:10: UnexpectedSyntax: unterminated comment");
    FAILS("RETURN `abc", "1:8: UnexpectedSyntax: unterminated backquoted identifier");
    FAILS("RETURN $", "1:8: UnexpectedSyntax: expected a parameter name after '$'");
    FAILS("RETURN 9223372036854775808", "1:8: IntegerOverflow: integer literal too large");
    FAILS("RETURN 99999999999999999999", "1:8: IntegerOverflow: integer literal too large");
    FAILS("RETURN 12abc", "1:8: InvalidNumberLiteral: malformed number literal");
    FAILS("RETURN 0xZZ", "1:8: InvalidNumberLiteral: malformed integer literal");
    FAILS("RETURN {1B2c3e67: 1}", "1:9: UnexpectedSyntax: expected a map key, got '1B2c3e67'");
    FAILS("RETURN 0x1A2b3j4D5E6f7 AS x", "1:8: InvalidNumberLiteral: malformed integer literal");
    FAILS("MATCH (n) RETURN n.1a", "1:19: UnexpectedSyntax: expected end of query after RETURN, got '.1a'");
    FAILS("RETURN 1 # 2", "1:10: UnexpectedSyntax: unexpected character");
    FAILS("MATCH (a)-[r:T->(b) RETURN a", "1:15: InvalidRelationshipPattern: expected ']' after relationship pattern, got '-'");
    FAILS("MATCH (a)-[:]->(b) RETURN a", "1:13: InvalidRelationshipPattern: expected a relationship type, got ']'");
    FAILS("MATCH (a)-[:LIKES..]->(c) RETURN c", "1:18: InvalidRelationshipPattern: expected ']' after relationship pattern, got '..'");
    FAILS("MATCH (a)-[:T*-2]->(c) RETURN c", "1:15: InvalidRelationshipPattern: expected ']'");
    FAILS("MATCH (a)-[r {k: (1 +}]->(c) RETURN c", "1:22: UnexpectedSyntax: expected an expression, got '}'");
    FAILS("RETURN 42 \xe2\x80\x94 41", "1:11: InvalidUnicodeCharacter: a Unicode punctuation character");
    FAILS("RETURN a\xe2\x88\x92" "b", "1:9: InvalidUnicodeCharacter");
    PARSES("RETURN `a\xe2\x80\x94" "b`, caf\xc3\xa9", "(query (return (item a\xe2\x80\x94" "b) (item caf\xc3\xa9)))");
    FAILS("MATCH (a:) RETURN a", "1:10: UnexpectedSyntax: expected a label name after ':', got ')'");
    FAILS("MATCH (n) RETURN n LIMIT", "1:25: UnexpectedSyntax: expected an expression, got end of input");
    FAILS("MATCH (n) RETURN n ORDER n", "1:26: UnexpectedSyntax: expected BY after ORDER, got 'n'");
    FAILS("MATCH (n) RETURN n MATCH (m)", "1:20: UnexpectedSyntax: expected end of query after RETURN, got 'MATCH'");
    FAILS("MATCH (n) FOO", "1:11: UnexpectedSyntax: expected a clause");
    FAILS("UNWIND [1] x RETURN x", "1:12: UnexpectedSyntax: expected AS after UNWIND expression, got 'x'");
    FAILS("OPTIONAL (n)", "1:10: UnexpectedSyntax: expected MATCH after OPTIONAL, got '('");
    FAILS("RETURN CASE END", "1:13: UnexpectedSyntax: expected WHEN in CASE, got 'END'");
    FAILS("RETURN CASE WHEN 1 'x' END", "1:20: UnexpectedSyntax: expected THEN after WHEN condition, got ''x''");
    FAILS("RETURN x IS 3", "1:13: UnexpectedSyntax: expected NULL or NOT after IS, got '3'");
    FAILS("RETURN s STARTS 'a'", "1:17: UnexpectedSyntax: expected WITH after STARTS");
    FAILS("CALL hdr.search(1 2)", "1:19: UnexpectedSyntax: expected ',' or ')' after procedure arguments, got '2'");
    FAILS("CALL (1)", "1:6: UnexpectedSyntax: expected a procedure name, got '('");
    FAILS("CALL hdr.bind($a,$b) YIELD", "1:27: UnexpectedSyntax: expected a field name after YIELD, got end of input");
    FAILS("CALL test.proc('x') YIELD * RETURN city", "1:27: UnexpectedSyntax: YIELD * is only allowed in a standalone CALL");
    FAILS("RETURN 1 UNION ALL RETURN 2 UNION RETURN 3", "InvalidClauseComposition: cannot mix UNION and UNION ALL");
    FAILS("RETURN 'it''s'", "1:12: UnexpectedSyntax: expected end of query after RETURN, got ''s''"); /* no '' escape */
    FAILS("RETURN 1;;", "1:10: UnexpectedSyntax: expected end of input, got ';'");
    FAILS("RETURN n.", "1:10: UnexpectedSyntax: expected a property key after '.', got end of input");
    FAILS("MATCH (n) RETURN n,", "1:20: UnexpectedSyntax: expected an expression after ',', got end of input");
    FAILS("MATCH (n)\n  -[r]-\n  (m WHERE", "3:6: UnexpectedSyntax: expected ')' after node pattern, got 'WHERE'");
}

/* Constructs added for the openCypher TCK (ast.h lists their shapes). */
static void test_chained_comparison(void)
{
    PARSES("RETURN 1 < n.num <= 3",
           "(query (return (item (and (< 1 (prop n num)) (<= (prop n num) 3)))))");
    PARSES("MATCH (n)-->(m) WHERE n.prop1 < m.prop1 = n.prop2 <> m.prop2 RETURN 1",
           "(query (match (pattern (path (node n) (rel ->) (node m))) (where (and (and (< (prop n prop1)"
           " (prop m prop1)) (= (prop m prop1) (prop n prop2))) (<> (prop n prop2) (prop m prop2)))))"
           " (return (item 1)))");
    PARSES("RETURN a = b = c", "(query (return (item (and (= a b) (= b c)))))");
    PARSES("RETURN a < b AND c", "(query (return (item (and (< a b) c))))");
    /* the middle operand is copied, so the tree stays a tree */
    PARSES("RETURN 0 < f(x, [1]) < 9", "(query (return (item (and (< 0 (fn f x (list 1))) (< (fn f x (list 1)) 9)))))");
}

static void test_label_predicates(void)
{
    PARSES("MATCH (a) WHERE a:A AND NOT a:B:C RETURN (a:Foo), a.b:X",
           "(query (match (pattern (path (node a))) (where (and (has-labels a (labels A))"
           " (not (has-labels a (labels B C)))))) (return (item (has-labels a (labels Foo)))"
           " (item (has-labels (prop a b) (labels X)))))");
    PARSES("MATCH (a)<-->(b)<-[:T]->(c) RETURN a",
           "(query (match (pattern (path (node a) (rel --) (node b) (rel -- (types T)) (node c)))) (return (item a)))");
    FAILS("MATCH (a) WHERE a: = 1 RETURN a", "1:20: UnexpectedSyntax: expected a label name after ':', got '='");
}

static void test_comprehensions(void)
{
    PARSES("RETURN [x IN l WHERE x > 1 | x * 2], [x IN l WHERE x], [x IN l | x], [x IN l], [x IN [1, 2]]",
           "(query (return (item (list-comp x l (> x 1) (* x 2))) (item (list-comp x l x _))"
           " (item (list-comp x l _ x)) (item (list-comp x l _ _)) (item (list-comp x (list 1 2) _ _))))");
    PARSES("RETURN [(a)-->(b) | b.name], [p = (a)-[:T]->() WHERE a.x | p], [(n)<--() WHERE n:L | 1]",
           "(query (return (item (pattern-comp (path (node a) (rel ->) (node b)) _ (prop b name)))"
           " (item (pattern-comp (path p (node a) (rel -> (types T)) (node)) (prop a x) p))"
           " (item (pattern-comp (path (node n) (rel <-) (node)) (has-labels n (labels L)) 1))))");
    /* a path in a list literal is a pattern predicate; [p = (a)] compares */
    PARSES("MATCH (a) WHERE [[(a)-->(b), 1], [(a)--() AND x], [p = (a)], [(1 + 2) * 3], [(a)]] RETURN 1",
           "(query (match (pattern (path (node a))) (where (list (list (pattern-pred (path (node a) (rel ->) (node b))) 1)"
           " (list (and (pattern-pred (path (node a) (rel --) (node))) x)) (list (= p a))"
           " (list (* (+ 1 2) 3)) (list a)))) (return (item 1)))");
    /* pattern predicates stand only in WHERE (TCK: UnexpectedSyntax elsewhere) */
    PARSES("RETURN [x IN l WHERE (x)-->() | x], any(y IN l WHERE NOT (y)<--())",
           "(query (return (item (list-comp x l (pattern-pred (path (node x) (rel ->) (node))) x))"
           " (item (quant any y l (not (pattern-pred (path (node y) (rel <-) (node))))))))");
    FAILS("MATCH (n) RETURN (n)-[]->()", "1:18: UnexpectedSyntax: a pattern predicate is only allowed in WHERE");
    FAILS("MATCH (n) WITH (n)-[]->() AS x RETURN x", "1:16: UnexpectedSyntax: a pattern predicate is only allowed in WHERE");
    FAILS("MATCH (n) SET n.p = head((n)-->())", "1:26: UnexpectedSyntax: a pattern predicate is only allowed in WHERE");
    FAILS("RETURN size([(a)-->(), 1])", "1:14: UnexpectedSyntax: a pattern predicate is only allowed in WHERE");
    FAILS("MATCH (n) WHERE exists { MATCH (n) RETURN (n)-->() } RETURN n", "1:43: UnexpectedSyntax: a pattern predicate is only allowed in WHERE");
    PARSES("MATCH (a), (b) WHERE NOT (a)-->() AND (a)-[:T*]->(b:L) OR (a)<-[r]-(b {k: 1}) RETURN (a) - (b)",
           "(query (match (pattern (path (node a)) (path (node b))) (where (or (and (not (pattern-pred (path"
           " (node a) (rel ->) (node)))) (pattern-pred (path (node a) (rel -> (types T) (range _ _)) (node b"
           " (labels L))))) (pattern-pred (path (node a) (rel r <-) (node b (map (k 1)))))))) (return (item (- a b))))");
    PARSES("RETURN size([(n)-->() | 1]) > 2", "(query (return (item (> (fn size (pattern-comp (path (node n) (rel ->) (node)) _ 1)) 2))))");
    FAILS("RETURN [x IN l WHERE x 1]", "1:24: UnexpectedSyntax: expected 'WHERE', '|' or ']' in list comprehension, got '1'");
    FAILS("RETURN [(a)-->(b) WHERE a.x]", "1:28: UnexpectedSyntax: expected '|' in pattern comprehension, got ']'");
    FAILS("MATCH (a) WHERE (a)-[:T->(b) RETURN a", "1:24: InvalidRelationshipPattern: expected ']' after relationship pattern, got '-'");
    FAILS("RETURN [(a)-[r]->(b | 1]", "1:21: UnexpectedSyntax: expected ')' after node pattern, got '|'");
}

static void test_exists_subquery(void)
{
    PARSES("MATCH (n) WHERE exists { (n)-->(m) WHERE n.p = m.p } RETURN n",
           "(query (match (pattern (path (node n))) (where (exists (query (match (pattern (path (node n) (rel ->)"
           " (node m))) (where (= (prop n p) (prop m p)))))))) (return (item n)))");
    PARSES("MATCH (n) WHERE NOT EXISTS { MATCH (n)-->(m) WITH n, count(*) AS c WHERE c = 3 RETURN true } RETURN n",
           "(query (match (pattern (path (node n))) (where (not (exists (query (match (pattern (path (node n) (rel ->)"
           " (node m)))) (with (item n) (item c (count *)) (where (= c 3))) (return (item true))))))) (return (item n)))");
    PARSES("MATCH (n) WHERE exists { MATCH (m) WHERE exists { (n)-[]->(m) } RETURN 1 UNION RETURN 2 } RETURN n",
           "(query (match (pattern (path (node n))) (where (exists (union distinct (query (match (pattern (path (node m)))"
           " (where (exists (query (match (pattern (path (node n) (rel ->) (node m)))))))) (return (item 1)))"
           " (query (return (item 2))))))) (return (item n)))");
    PARSES("RETURN exists(n.p), `exists`{.a}",
           "(query (return (item (fn exists (prop n p))) (item (map-proj exists (a (prop exists a))))))");
    FAILS("MATCH (n) WHERE exists { (n)-->() RETURN n", "1:35: UnexpectedSyntax: expected '}' after EXISTS subquery, got 'RETURN'");
    FAILS("MATCH (n) WHERE exists { } RETURN n", "1:26: UnexpectedSyntax: expected a clause");
    FAILS("RETURN 1 }", "1:10: UnexpectedSyntax: expected end of input, got '}'");
}

static void test_quantifiers_reduce(void)
{
    PARSES("RETURN any(x IN l WHERE x > 0), all(x IN [1] WHERE true), none(x IN l WHERE x), single(x IN l WHERE x = 1)",
           "(query (return (item (quant any x l (> x 0))) (item (quant all x (list 1) true)) (item (quant none x l x))"
           " (item (quant single x l (= x 1)))))");
    PARSES("RETURN ALL(x IN l), any(1), reduce(acc = 0, x IN [1, 2] | acc + x), reduce(1)",
           "(query (return (item (quant all x l _)) (item (fn any 1))"
           " (item (reduce acc 0 x (list 1 2) (+ acc x))) (item (fn reduce 1))))");
    FAILS("RETURN reduce(s = 0, x IN l, s + x)", "1:28: UnexpectedSyntax: expected '|' in reduce, got ','");
    FAILS("RETURN reduce(s = 0 x IN l | s)", "1:21: UnexpectedSyntax: expected ',' after the accumulator's initial value, got 'x'");
    FAILS("RETURN any(x IN l WHERE x", "1:26: UnexpectedSyntax: expected WHERE or ')' after the list, got end of input");
}

static void test_map_projection(void)
{
    PARSES("MATCH (n) RETURN n{.a, .*, k: n.b + 1, v}, n {}",
           "(query (match (pattern (path (node n)))) (return (item (map-proj n (a (prop n a)) * (k (+ (prop n b) 1))"
           " (v v))) (item (map-proj n))))");
    PARSES("RETURN {``: 1}", "(query (return (item (map ( 1)))))");
    FAILS("RETURN n{.a .b}", "1:13: UnexpectedSyntax: expected ',' or '}' in map projection, got '.'");
    FAILS("RETURN n{.}", "1:11: UnexpectedSyntax: expected a property key or '*' after '.', got '}'");
}

static void test_updating_clauses(void)
{
    PARSES("MATCH (n) SET n.p = 1, n = {a: 2}, n += $m, n:A:B RETURN n",
           "(query (match (pattern (path (node n)))) (set (= (prop n p) 1) (= n (map (a 2))) (+= n $m)"
           " (set-labels n (labels A B))) (return (item n)))");
    PARSES("MATCH (n) REMOVE n.p, n:A:B REMOVE n.q",
           "(query (match (pattern (path (node n)))) (remove (remove-prop (prop n p)) (remove-labels n (labels A B)))"
           " (remove (remove-prop (prop n q))))");
    PARSES("MATCH (n)-[r]->() DELETE r DETACH DELETE n, head([n]) RETURN count(*)",
           "(query (match (pattern (path (node n) (rel r ->) (node)))) (delete r) (delete detach n (fn head (list n)))"
           " (return (item (count *))))");
    PARSES("MERGE p = (a:A {k: 1})-[:T]->(b) ON CREATE SET a.c = 1 ON MATCH SET a.m = true, a:Seen ON CREATE SET b += {}",
           "(query (merge (pattern (path p (node a (labels A) (map (k 1))) (rel -> (types T)) (node b)))"
           " (on create (= (prop a c) 1)) (on match (= (prop a m) true) (set-labels a (labels Seen)))"
           " (on create (+= b (map)))))");
    PARSES("UNWIND $props AS prop MERGE (p:Person {login: prop.login}) SET p.name = prop.name RETURN p.name",
           "(query (unwind prop $props) (merge (pattern (path (node p (labels Person) (map (login (prop prop login)))))))"
           " (set (= (prop p name) (prop prop name))) (return (item (prop p name))))");
    FAILS("MATCH (n) SET n.p", "1:18: UnexpectedSyntax: expected '=' in SET, got end of input");
    FAILS("MATCH (n) SET n", "1:16: UnexpectedSyntax: expected '=', '+=' or ':' in SET, got end of input");
    FAILS("MATCH (n) SET n.p += {}", "1:19: UnexpectedSyntax: expected '=' in SET, got '+='");
    FAILS("MATCH (n) SET n.a:L", "1:15: UnexpectedSyntax: expected a variable before labels in SET");
    FAILS("MATCH (n) SET 1 = 2", "1:15: UnexpectedSyntax: expected a variable or a property to SET");
    FAILS("MATCH (n) REMOVE n", "1:19: UnexpectedSyntax: expected ':' and a label or a property (n.key) in REMOVE, got end of input");
    FAILS("MATCH (n) DETACH n", "1:18: UnexpectedSyntax: expected DELETE after DETACH, got 'n'");
    FAILS("MATCH (n) DELETE", "1:17: UnexpectedSyntax: expected an expression, got end of input");
    FAILS("MERGE (a) ON DELETE SET a.x = 1", "1:14: UnexpectedSyntax: expected CREATE or MATCH after ON, got 'DELETE'");
    FAILS("MERGE (a) ON CREATE a.x = 1", "1:21: UnexpectedSyntax: expected SET after ON CREATE / ON MATCH, got 'a'");
    FAILS("MERGE (a), (b)", "1:10: UnexpectedSyntax: expected a clause");
}

/* Depth-first search for the first node of a kind. */
static const cy_node *find_kind(const cy_node *n, cy_kind k)
{
    if (n->kind == k) return n;
    for (size_t i = 0; i < n->nkids; i++) {
        const cy_node *f = find_kind(n->kids[i], k);
        if (f) return f;
    }
    return NULL;
}

/* New nodes carry the position where their text starts (the translator's errors cite it). */
static void test_positions(void)
{
    static const struct {
        const char *q;
        cy_kind k;
        int line, col;
    } cases[] = {
        {"RETURN 1,\n  [x IN l | x]", CY_LIST_COMP, 2, 3},
        {"RETURN [(a)-->() | a]", CY_PATTERN_COMP, 1, 8},
        {"MATCH (a) WHERE NOT (a)-->() RETURN a", CY_PATTERN_PRED, 1, 21},
        {"RETURN 1, all(x IN l WHERE x)", CY_QUANT, 1, 11},
        {"RETURN reduce(s = 0, x IN l | s)", CY_REDUCE, 1, 8},
        {"RETURN 1, n{.a}", CY_MAP_PROJ, 1, 11},
        {"MATCH (n) WHERE n.x:A RETURN n", CY_HAS_LABELS, 1, 17},
        {"MATCH (n) SET n.a = 1, n:B", CY_SET_ITEM, 1, 15},
        {"MATCH (n)\nDETACH DELETE n", CY_DELETE, 2, 1},
        {"MERGE (n) ON MATCH SET n.a = 1", CY_ON, 1, 11},
        {"MATCH (n) WHERE exists { (n)-->() } RETURN n", CY_EXISTS, 1, 17},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bsp_cypher_ast *a = NULL;
        CHECK(bsp_cypher_parse(cases[i].q, strlen(cases[i].q), &a) == 0);
        if (!a) continue;
        const cy_node *n = find_kind(a->root, cases[i].k);
        CHECK(n != NULL);
        if (n) {
            CHECK_EQ_U((unsigned)n->line, (unsigned)cases[i].line);
            CHECK_EQ_U((unsigned)n->col, (unsigned)cases[i].col);
        }
        bsp_cypher_ast_free(a);
    }
}

/* Compile-time errors the TCK expects that need no scope analysis (docs/cypher.md). */
static void test_structural_checks(void)
{
    FAILS("MATCH (n $param) RETURN n", "1:10: InvalidParameterUse: properties from a parameter are only allowed in CREATE");
    FAILS("MATCH ()-[r:FOO $param]->() RETURN r", "1:17: InvalidParameterUse: properties from a parameter are only allowed in CREATE");
    FAILS("MERGE (n $param)", "1:10: InvalidParameterUse: properties from a parameter are only allowed in CREATE");
    FAILS("MATCH (n) WHERE (n)-->(m $p) RETURN n", "1:26: InvalidParameterUse: properties from a parameter are only allowed in CREATE");
    FAILS("CREATE (n {k: [(a $p)-->() | 1]})", "1:19: UnexpectedSyntax: expected ')' after expression, got '$p'");
    PARSES("MERGE (a)-[:T]-(b)", "(query (merge (pattern (path (node a) (rel -- (types T)) (node b)))))");
    /* checks of the translator (translate.c), not the parser: the trees reach it */
    PARSES("CREATE ()-[:A|:B]->(), (a)-[:FOO]-(b), ()-[*2]->() RETURN 1 AS a, 2 AS a",
           "(query (create (pattern (path (node) (rel -> (types A B)) (node)) (path (node a) (rel -- (types FOO))"
           " (node b)) (path (node) (rel -> (range 2 2)) (node)))) (return (item a 1) (item a 2)))");
    PARSES("MATCH (a) WHERE count(a) > 1 WITH a.x, NOT 1 RETURN count(count(*))",
           "(query (match (pattern (path (node a))) (where (> (fn count a) 1))) (with (item (prop a x)) (item (not 1)))"
           " (return (item (fn count (count *)))))");
    FAILS("MATCH (n) RETURN n SKIP n.count", "1:25: NonConstantExpression: SKIP must be a constant expression, not use variable n");
    FAILS("MATCH (n) RETURN n LIMIT size((n)-->())", "a pattern predicate is only allowed in WHERE");
    FAILS("MATCH (n) RETURN n SKIP -1", "SKIP must not be negative");
    FAILS("MATCH (n) RETURN n LIMIT -(-(-2))", "LIMIT must not be negative");
    FAILS("MATCH (n) RETURN n LIMIT 1.5", "LIMIT must be an integer");
    FAILS("MATCH (n) WITH n LIMIT 'a' RETURN n", "LIMIT must be an integer");
    PARSES("MATCH (n) RETURN n SKIP -(-1) LIMIT $l + size([x IN [1, 2] | x])",
           "(query (match (pattern (path (node n)))) (return (item n) (skip (neg (neg 1)))"
           " (limit (+ $l (fn size (list-comp x (list 1 2) _ x))))))");
    FAILS("MATCH (n) DELETE n:Person", "1:18: InvalidDelete: DELETE removes nodes, relationships or paths");
    FAILS("MATCH (n) WHERE exists { MATCH (n)-->(m) SET m.p = 1 } RETURN n", "1:42: InvalidClauseComposition: an EXISTS subquery cannot update the graph");
    FAILS("MATCH (n) WHERE exists { MATCH (m) RETURN m UNION MATCH (m) DELETE m RETURN m } RETURN n",
          "1:61: InvalidClauseComposition: an EXISTS subquery cannot update the graph");
}

/* A RETURN item keeps its source text (the column name) through speculative parsing. */
static void test_item_text(void)
{
    const char *q = "MATCH (n) RETURN (n:Foo), [(n)-->() | 1], n{.a}, size([x IN [1] WHERE (x)]) , 1 < 2 < 3";
    static const char *const want[] = {"(n:Foo)", "[(n)-->() | 1]", "n{.a}", "size([x IN [1] WHERE (x)])",
                                        "1 < 2 < 3"};
    bsp_cypher_ast *a = NULL;
    CHECK(bsp_cypher_parse(q, strlen(q), &a) == 0);
    if (!a) return;
    const cy_node *ret = a->root->kids[1];
    CHECK(ret->kind == CY_RETURN && ret->nkids == 5);
    for (size_t i = 0; i < 5 && i < ret->nkids; i++) CHECK_STR(ret->kids[i]->text, want[i]);
    bsp_cypher_ast_free(a);
}

static void test_aggregate_checks(void)
{
    PARSES("RETURN NOT null, null OR x, NOT (1 = 1), true AND n.x, -'a'",
           "(query (return (item (not null)) (item (or null x)) (item (not (= 1 1))) (item (and true (prop n x)))"
           " (item (neg \"a\"))))");
    FAILS("MATCH (a) WITH a WHERE any(x IN [1] WHERE sum(x) > 0) RETURN a", "1:43: InvalidAggregation: aggregate function sum is not allowed in a list predicate");
    FAILS("MATCH (n) RETURN [x IN [1, 2] | count(*)]", "1:33: InvalidAggregation: aggregate function count is not allowed in a list comprehension");
    FAILS("MATCH (n) RETURN [(n)-->(m) | max(m.x)]", "InvalidAggregation: aggregate function max is not allowed in a pattern comprehension");
    FAILS("RETURN reduce(s = 0, x IN [1] | s + collect(x))", "InvalidAggregation: aggregate function collect is not allowed in reduce");
    FAILS("MATCH (n) CALL test.labels(count(n)) YIELD label RETURN label", "1:28: InvalidAggregation: aggregate function count is not allowed in procedure arguments");
    FAILS("MATCH (n) RETURN n.a ORDER BY max(n.b)", "1:31: InvalidAggregation: ORDER BY cannot aggregate (max) when the RETURN items do not");
    FAILS("MATCH (n) WITH n.a AS foo ORDER BY n, count(*) RETURN foo", "1:39: InvalidAggregation: ORDER BY cannot aggregate (count) when the WITH items do not");
    PARSES("MATCH (n) WITH n, count(*) AS c ORDER BY count(*) WHERE c > 1 RETURN [x IN collect(n) | x.a], "
           "size(collect(n)) ORDER BY max(c)",
           "(query (match (pattern (path (node n)))) (with (item n) (item c (count *)) (order (asc (count *)))"
           " (where (> c 1))) (return (item (list-comp x (fn collect n) _ (prop x a))) (item (fn size (fn collect n)))"
           " (order (asc (fn max c)))))");
    PARSES("MATCH (n) WHERE exists { MATCH (n)-->(m) WITH count(m) AS c WHERE c > 1 RETURN c } RETURN n",
           "(query (match (pattern (path (node n))) (where (exists (query (match (pattern (path (node n) (rel ->)"
           " (node m)))) (with (item c (fn count m)) (where (> c 1))) (return (item c)))))) (return (item n)))");
}

static void test_number_literals(void)
{
    char q[700];
    strcpy(q, "RETURN 1");
    for (int i = 0; i < 300; i++) strcat(q, "0");
    strcat(q, ".5, .");
    for (int i = 0; i < 300; i++) strcat(q, "0");
    strcat(q, "1");
    PARSES(q, "(query (return (item 1e+300) (item 1e-301)))");
    FAILS("RETURN 1.34E999", "1:8: FloatingPointOverflow: floating point literal too large");
    FAILS("RETURN -1e309", "1:9: FloatingPointOverflow: floating point literal too large");
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

/* Every '(' in an expression is first tried as a path. A failed attempt is remembered, so
 * nesting that fails at every level parses in polynomial time; without the memo these
 * statements take 2^60 steps (the test would never finish). */
/* 1 < (1 < (... x ...) < 1) < 1: each level copies the level inside it, so the expansion
 * of chained comparisons doubles per level. It is capped, not exponential. */
static void test_chain_copy_bound(void)
{
    char q[2048];
    for (int levels = 5; levels <= 60; levels += 55) {
        strcpy(q, "RETURN ");
        for (int i = 0; i < levels; i++) strcat(q, "1 < (");
        strcat(q, "x");
        for (int i = 0; i < levels; i++) strcat(q, ") < 1");
        if (levels == 5) {
            char *s = sx(q);
            unsigned xs = 0;
            for (const char *c = s; c && *c; c++) xs += *c == 'x';
            CHECK_EQ_U(xs, 32); /* expanded: 2^5 copies of the innermost operand */
            free(s);
        } else FAILS(q, "comparison chains nested too deeply to expand");
    }
}

static void test_speculation_is_polynomial(void)
{
    static const char *const shapes[][3] = {
        {"RETURN ", "(a {k: ", "}) - 1"},
        {"MATCH (x) WHERE ", "[(a {k: ", "})-->(), 1]"},
        {"MATCH (x) WHERE ", "[p = (a {k: ", "})-->()]"},
        {"RETURN ", "[p = (a {k: ", "})-->() | 1]"},
        {"MATCH (x) WHERE ", "(a {k: ", "})-->() - 1"},
        {"RETURN ", "[(a {k: ", "})]"},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        char q[2048];
        strcpy(q, shapes[s][0]);
        for (int i = 0; i < 60; i++) strcat(q, shapes[s][1]);
        strcat(q, "1");
        for (int i = 0; i < 60; i++) strcat(q, shapes[s][2]);
        if (s == 1 || s == 2 || s == 4) strcat(q, " RETURN 1");
        bsp_cypher_ast *a = NULL;
        int rc = bsp_cypher_parse(q, strlen(q), &a);
        if (rc) fprintf(stderr, "  %s\n", bsp_errmsg());
        CHECK(rc == 0);
        bsp_cypher_ast_free(a);
    }
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

/* The fuzz seeds are valid statements: each parses and prints (also under the sanitizers). */
static void replay_seed(const char *bytes, size_t len)
{
    bsp_cypher_ast *a = NULL;
    int rc = bsp_cypher_parse(bytes, len, &a);
    if (rc) fprintf(stderr, "  seed: %s\n", bsp_errmsg());
    CHECK(rc == 0);
    char *s = NULL;
    if (a) CHECK(bsp_cypher_ast_sexpr(a, &s) == 0);
    free(s);
    bsp_cypher_ast_free(a);
}

static void test_fuzz_seeds(void)
{
    int n = test_replay_seeds("cypher", replay_seed);
    if (getenv("BSP_SOURCE_DIR")) CHECK(n >= 8);
}

int main(void)
{
    RUN(test_match_patterns);
    RUN(test_clauses);
    RUN(test_expressions);
    RUN(test_comments_and_case);
    RUN(test_errors);
    RUN(test_chained_comparison);
    RUN(test_label_predicates);
    RUN(test_comprehensions);
    RUN(test_exists_subquery);
    RUN(test_quantifiers_reduce);
    RUN(test_map_projection);
    RUN(test_updating_clauses);
    RUN(test_structural_checks);
    RUN(test_aggregate_checks);
    RUN(test_number_literals);
    RUN(test_item_text);
    RUN(test_positions);
    RUN(test_depth_limit);
    RUN(test_speculation_is_polynomial);
    RUN(test_chain_copy_bound);
    RUN(test_random_input);
    RUN(test_fuzz_seeds);
    return test_finish();
}
