/* The Cypher engine through its public API on an in-memory graph: result cells (literal and
 * JSON), column names, side-effect counts, parameters, explain, CALL, and error classes. The
 * openCypher TCK (tests/tck) covers the language at large; these pin the API contract. */
#include "bindspace/cypher.h"
#include "bindspace/error.h"
#include "test.h"

static bsp_cypher_session *s;

static bsp_cypher_result *run(const char *q)
{
    bsp_cypher_result *r = NULL;
    int rc = bsp_cypher_exec(s, q, NULL, 0, &r);
    if (rc) fprintf(stderr, "  query failed: %s: %s\n", q, bsp_errmsg());
    return r;
}

static void test_create_and_match(void)
{
    bsp_cypher_result *r = run("CREATE (a:Person {name: 'Ann', age: 31})-[:KNOWS {since: 2001}]->"
                               "(b:Person {name: 'Bob'}), (b)-[:KNOWS]->(:Person:Admin {name: 'Cy'})");
    CHECK(r);
    bsp_cypher_stats st;
    bsp_cypher_result_stats(r, &st);
    CHECK_EQ_U(st.nodes_created, 3);
    CHECK_EQ_U(st.rels_created, 2);
    CHECK_EQ_U(st.props_set, 5);
    CHECK_EQ_U(st.labels_added, 2);
    CHECK_EQ_U(bsp_cypher_result_ncols(r), 0);
    bsp_cypher_result_free(r);

    r = run("MATCH (a:Person)-[k:KNOWS]->(b) WHERE a.name = 'Ann' RETURN a, k, b.name, k.since + 1 AS y");
    CHECK(r && bsp_cypher_result_nrows(r) == 1 && bsp_cypher_result_ncols(r) == 4);
    if (r && bsp_cypher_result_nrows(r) == 1) {
        CHECK(!strcmp(bsp_cypher_result_colname(r, 2), "b.name"));
        CHECK(!strcmp(bsp_cypher_result_colname(r, 3), "y"));
        CHECK(!strcmp(bsp_cypher_result_cell(r, 0, 0), "(:Person {age: 31, name: 'Ann'})"));
        CHECK(!strcmp(bsp_cypher_result_cell(r, 0, 1), "[:KNOWS {since: 2001}]"));
        CHECK(!strcmp(bsp_cypher_result_cell(r, 0, 2), "'Bob'"));
        CHECK(!strcmp(bsp_cypher_result_cell(r, 0, 3), "2002"));
        CHECK(!strcmp(bsp_cypher_result_json(r, 0, 2), "\"Bob\""));
        CHECK(strstr(bsp_cypher_result_json(r, 0, 0), "\"labels\":[\"Person\"]") != NULL);
    }
    CHECK(bsp_cypher_result_cell(r, 5, 0) == NULL);
    bsp_cypher_result_free(r);

    /* 2 hops, variable length, optional match, aggregation, ordering */
    r = run("MATCH (a {name: 'Ann'})-[:KNOWS*2]->(c) RETURN c.name");
    CHECK(r && bsp_cypher_result_nrows(r) == 1 && !strcmp(bsp_cypher_result_cell(r, 0, 0), "'Cy'"));
    bsp_cypher_result_free(r);
    r = run("MATCH (p:Person) OPTIONAL MATCH (p)-[:KNOWS]->(q) "
            "RETURN p.name AS n, count(q) AS c ORDER BY n DESC");
    CHECK(r && bsp_cypher_result_nrows(r) == 3);
    if (r && bsp_cypher_result_nrows(r) == 3) {
        CHECK(!strcmp(bsp_cypher_result_cell(r, 0, 0), "'Cy'") && !strcmp(bsp_cypher_result_cell(r, 0, 1), "0"));
        CHECK(!strcmp(bsp_cypher_result_cell(r, 2, 0), "'Ann'") && !strcmp(bsp_cypher_result_cell(r, 2, 1), "1"));
    }
    bsp_cypher_result_free(r);
    r = run("MATCH (p:Admin) RETURN labels(p) AS l");
    CHECK(r && bsp_cypher_result_nrows(r) == 1 && !strcmp(bsp_cypher_result_cell(r, 0, 0), "['Person', 'Admin']"));
    bsp_cypher_result_free(r);
}

static void test_params_and_explain(void)
{
    bsp_cypher_param p[2] = {{"who", "'Bob'"}, {"xs", "[3, 1, 2]"}};
    bsp_cypher_result *r = NULL;
    CHECK(bsp_cypher_exec(s, "MATCH (n {name: $who}) UNWIND $xs AS x RETURN n.name, x ORDER BY x", p, 2, &r) == 0);
    CHECK(r && bsp_cypher_result_nrows(r) == 3 && !strcmp(bsp_cypher_result_cell(r, 0, 1), "1"));
    bsp_cypher_result_free(r);
    r = NULL;
    CHECK_ERR(bsp_cypher_exec(s, "RETURN $missing", NULL, 0, &r), BSP_EINVAL, "ParameterMissing");
    CHECK(r == NULL);
    char *sql = NULL;
    CHECK(bsp_cypher_explain(s, "MATCH (a)-[r:KNOWS]->(b) RETURN b ORDER BY b.name LIMIT 2", &sql) == 0);
    CHECK(sql && strstr(sql, "cy_edges") && strstr(sql, "ORDER BY cy_sortkey(") && strstr(sql, "LIMIT"));
    free(sql);
}

static void test_call(void)
{
    bsp_cypher_result *r = run("CALL hdr.hamming(fp_text('a'), fp_text('a'))");
    CHECK(r && bsp_cypher_result_nrows(r) == 1 && !strcmp(bsp_cypher_result_colname(r, 0), "distance") &&
          !strcmp(bsp_cypher_result_cell(r, 0, 0), "0"));
    bsp_cypher_result_free(r);
    r = run("UNWIND [1, 2] AS i CALL hdr.bind(fp_random(i), fp_random(i)) YIELD result "
            "RETURN i, popcount(result) AS p");
    CHECK(r && bsp_cypher_result_nrows(r) == 2 && !strcmp(bsp_cypher_result_cell(r, 1, 1), "0"));
    bsp_cypher_result_free(r);
    r = NULL;
    CHECK_ERR(bsp_cypher_exec(s, "CALL hdr.nope(1)", NULL, 0, &r), BSP_EINVAL, "ProcedureNotFound");
    CHECK_ERR(bsp_cypher_exec(s, "CALL hdr.hamming(1, 2)", NULL, 0, &r), BSP_EINVAL, "ArgumentError");
}

static void test_errors(void)
{
    bsp_cypher_result *r = NULL;
    CHECK_ERR(bsp_cypher_exec(s, "MATCH (n RETURN n", NULL, 0, &r), BSP_EINVAL, "SyntaxError: 1:10");
    CHECK_ERR(bsp_cypher_exec(s, "RETURN x", NULL, 0, &r), BSP_EINVAL, "UndefinedVariable");
    CHECK_ERR(bsp_cypher_exec(s, "RETURN 1 AND true", NULL, 0, &r), BSP_EINVAL, "InvalidArgumentType");
    CHECK_ERR(bsp_cypher_exec(s, "WITH 1 + 1 RETURN 1", NULL, 0, &r), BSP_EINVAL, "SyntaxError");
    CHECK_ERR(bsp_cypher_exec(s, "RETURN 'a' + true AND x", NULL, 0, &r), BSP_EINVAL, "SyntaxError");
    CHECK_ERR(bsp_cypher_exec(s, "UNWIND [1, 'a'] AS x RETURN x AND true", NULL, 0, &r), BSP_EINVAL, "TypeError");
    /* a failed CREATE leaves the graph unchanged */
    CHECK_ERR(bsp_cypher_exec(s, "CREATE (x:Z {a: 1}) WITH x UNWIND [1, 0] AS d RETURN 1 / d", NULL, 0, &r),
              BSP_EINVAL, "ArithmeticError");
    r = run("MATCH (z:Z) RETURN count(z) AS c");
    CHECK(r && !strcmp(bsp_cypher_result_cell(r, 0, 0), "0"));
    bsp_cypher_result_free(r);
    CHECK(bsp_cypher_open("/nonexistent/bindspace-db", &(bsp_cypher_session *){NULL}) != 0);
}

int main(void)
{
    if (bsp_cypher_open(NULL, &s)) {
        fprintf(stderr, "open: %s\n", bsp_errmsg());
        return 1;
    }
    RUN(test_create_and_match);
    RUN(test_params_and_explain);
    RUN(test_call);
    RUN(test_errors);
    bsp_cypher_close(s);
    return test_finish();
}
