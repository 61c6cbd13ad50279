/* `bindspace cypher DB [QUERY] [--param name=value ...] [--json] [--explain]`: Cypher over a
 * database directory (or ":memory:", an empty in-memory graph). Without QUERY it is an
 * interactive shell (libedit when built with it): statements end with ';'. Output is an
 * aligned table of TCK-style literals, or JSON lines with --json; --explain prints the SQL
 * a statement runs instead of running it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/cypher.h"
#include "cli/cli.h"


static const char usage[] =
    "usage: bindspace cypher DB [QUERY] [--param name=value ...] [--json] [--explain]\n"
    "Runs Cypher over the graph of database directory DB (nodes.lance, edges.lance), or over\n"
    "an empty in-memory graph when DB is :memory:. Parameter values are Cypher literals\n"
    "(--param k=10 --param name=\"'Alice'\"). Without QUERY: an interactive shell; end each\n"
    "statement with ';'. --explain prints the SQL instead of running it. See docs/cypher.md.\n";

typedef struct {
    int json, explain;
    bsp_cypher_param *params;
    size_t nparams;
} opts;

static void print_table(const bsp_cypher_result *r)
{
    size_t nc = bsp_cypher_result_ncols(r), nr = bsp_cypher_result_nrows(r);
    if (!nc) return;
    size_t *w = calloc(nc, sizeof *w);
    if (!w) return;
    for (size_t c = 0; c < nc; c++) {
        w[c] = strlen(bsp_cypher_result_colname(r, c));
        for (size_t i = 0; i < nr; i++) {
            size_t l = strlen(bsp_cypher_result_cell(r, i, c));
            if (l > w[c]) w[c] = l;
        }
        if (w[c] > 60) w[c] = 60;
    }
    for (size_t c = 0; c < nc; c++)
        printf("%s%-*s", c ? " | " : "", (int)w[c], bsp_cypher_result_colname(r, c));
    putchar('\n');
    for (size_t i = 0; i < nr; i++) {
        for (size_t c = 0; c < nc; c++)
            printf("%s%-*s", c ? " | " : "", (int)w[c], bsp_cypher_result_cell(r, i, c));
        putchar('\n');
    }
    free(w);
}

static void print_json(const bsp_cypher_result *r)
{
    size_t nc = bsp_cypher_result_ncols(r), nr = bsp_cypher_result_nrows(r);
    for (size_t i = 0; i < nr; i++) {
        putchar('{');
        for (size_t c = 0; c < nc; c++) {
            const char *name = bsp_cypher_result_colname(r, c);
            printf("%s\"", c ? "," : "");
            for (const char *p = name; *p; p++) {
                if (*p == '"' || *p == '\\') putchar('\\');
                if ((unsigned char)*p < 0x20) printf("\\u%04x", *p);
                else putchar(*p);
            }
            printf("\":%s", bsp_cypher_result_json(r, i, c));
        }
        puts("}");
    }
}

static int run(bsp_cypher_session *s, const char *q, const opts *o)
{
    if (o->explain) {
        char *sql = NULL;
        if (bsp_cypher_explain(s, q, &sql)) return cli_fail("cypher", 0, "%s", bsp_errmsg());
        fputs(sql, stdout);
        free(sql);
        return 0;
    }
    bsp_cypher_result *r = NULL;
    if (bsp_cypher_exec(s, q, o->params, o->nparams, &r)) return cli_fail("cypher", 0, "%s", bsp_errmsg());
    if (o->json) print_json(r);
    else print_table(r);
    bsp_cypher_stats st;
    bsp_cypher_result_stats(r, &st);
    if (!o->json && (st.nodes_created || st.rels_created || st.props_set || st.labels_added))
        fprintf(stderr, "created %llu node(s), %llu relationship(s), %llu propert(ies), %llu new label(s)\n",
                (unsigned long long)st.nodes_created, (unsigned long long)st.rels_created,
                (unsigned long long)st.props_set, (unsigned long long)st.labels_added);
    bsp_cypher_result_free(r);
    return 0;
}

static int ends_statement(const char *buf)
{
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\n' || buf[n - 1] == '\t')) n--;
    return n && buf[n - 1] == ';';
}

static void shell(bsp_cypher_session *s, const opts *o)
{
    char *buf = NULL;
    size_t len = 0;
    for (;;) {
        char *line = cli_readline(len ? "    ...> " : "cypher> ");
        if (!line) break;
        if (!len && (!strcmp(line, ":quit") || !strcmp(line, ".quit"))) {
            free(line);
            break;
        }
        if (!cli_statement_add(&buf, &len, line)) break;
        if (ends_statement(buf)) {
            run(s, buf, o);
            len = 0;
        }
    }
    if (len && strspn(buf, " \n\t") < len) run(s, buf, o);
    free(buf);
}

int cmd_cypher(int argc, char **argv)
{
    const char *db = NULL, *query = NULL;
    opts o = {0};
    int rc = 0;
    o.params = calloc((size_t)argc, sizeof *o.params);
    if (!o.params) return cli_fail("cypher", 0, "out of memory");
    for (int i = 1; i < argc && !rc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            free(o.params);
            return 0;
        }
        if (!strcmp(argv[i], "--json")) o.json = 1;
        else if (!strcmp(argv[i], "--explain")) o.explain = 1;
        else if (!strcmp(argv[i], "--param")) {
            char *eq = i + 1 < argc ? strchr(argv[i + 1], '=') : NULL;
            if (!eq) rc = cli_fail("cypher", 0, "--param needs name=value\n%s", usage);
            else {
                *eq = 0;
                o.params[o.nparams++] = (bsp_cypher_param){argv[i + 1], eq + 1};
                i++;
            }
        } else if (!db) db = argv[i];
        else if (!query) query = argv[i];
        else rc = cli_fail("cypher", 0, "unexpected argument '%s'\n%s", argv[i], usage);
    }
    if (!rc && !db) rc = cli_fail("cypher", 0, "missing DB\n%s", usage);
    bsp_cypher_session *s = NULL;
    if (!rc && bsp_cypher_open(strcmp(db, ":memory:") ? db : NULL, &s))
        rc = cli_fail("cypher", 0, "%s", bsp_errmsg());
    if (!rc) {
        if (query) rc = run(s, query, &o);
        else shell(s, &o);
    }
    bsp_cypher_close(s);
    free(o.params);
    return rc;
}
