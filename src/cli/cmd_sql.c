/* `bindspace sql DB [QUERY] [--json]`: SQL over the tables of a database directory.
 *
 * Every `<name>.lance` table in DB with a fingerprint column becomes a `bindspace` virtual
 * table called <name> in an in-memory SQLite connection that has the HDR functions. With a
 * QUERY it runs it (several statements allowed) and exits; without, an interactive shell
 * (libedit line editing and history) with .tables, .schema, .mode table|json, .quit. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#ifdef BSP_HAVE_SQL
#include <sqlite3.h>

#include "bindspace/sql.h"


static const char usage[] =
    "usage: bindspace sql DB [QUERY] [--json]\n"
    "Run QUERY (or an interactive shell) over every <name>.lance table of DB, each as a\n"
    "virtual table <name> (see docs/sql.md). Output: aligned table, or JSON lines with --json.\n"
    "Shell commands: .tables  .schema [TABLE]  .mode table|json  .quit\n";

static int json_mode;

static void print_json_value(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: fputs("null", stdout); break;
    case SQLITE_INTEGER: printf("%lld", sqlite3_column_int64(st, i)); break;
    case SQLITE_FLOAT: printf("%.17g", sqlite3_column_double(st, i)); break;
    case SQLITE_BLOB: {
        const uint8_t *p = sqlite3_column_blob(st, i);
        int n = sqlite3_column_bytes(st, i);
        putchar('"');
        for (int j = 0; j < n; j++) printf("%02x", p[j]);
        putchar('"');
        break;
    }
    default: {
        const unsigned char *s = sqlite3_column_text(st, i);
        putchar('"');
        for (; s && *s; s++) {
            if (*s == '"' || *s == '\\') printf("\\%c", *s);
            else if (*s < 0x20) printf("\\u%04x", *s);
            else putchar(*s);
        }
        putchar('"');
    }
    }
}

/* Text of a cell for table output (BLOBs longer than 16 bytes are abbreviated). */
static void cell_text(sqlite3_stmt *st, int i, char *buf, size_t cap)
{
    int t = sqlite3_column_type(st, i);
    if (t == SQLITE_NULL) {
        snprintf(buf, cap, "NULL");
    } else if (t == SQLITE_BLOB) {
        const uint8_t *p = sqlite3_column_blob(st, i);
        int n = sqlite3_column_bytes(st, i), shown = n > 8 ? 8 : n;
        size_t k = 0;
        for (int j = 0; j < shown && k + 3 < cap; j++) k += (size_t)snprintf(buf + k, cap - k, "%02x", p[j]);
        if (n > shown) snprintf(buf + k, cap - k, "...(%d bytes)", n);
    } else {
        snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, i));
    }
}

/* Run every statement of sql; print rows. Returns 0, or 1 after printing an error. */
static int run_sql(sqlite3 *db, const char *sql)
{
    const char *tail = sql;
    while (tail && *tail) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
            fprintf(stderr, "bindspace sql: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        if (!st) continue; /* whitespace or comment */
        int ncol = sqlite3_column_count(st), rc, header = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (json_mode) {
                putchar('{');
                for (int i = 0; i < ncol; i++) {
                    printf("%s\"%s\":", i ? "," : "", sqlite3_column_name(st, i));
                    print_json_value(st, i);
                }
                puts("}");
                continue;
            }
            if (!header) {
                for (int i = 0; i < ncol; i++) printf("%s%-14s", i ? " | " : "", sqlite3_column_name(st, i));
                putchar('\n');
                header = 1;
            }
            for (int i = 0; i < ncol; i++) {
                char buf[64];
                cell_text(st, i, buf, sizeof buf);
                printf("%s%-14s", i ? " | " : "", buf);
            }
            putchar('\n');
        }
        if (rc != SQLITE_DONE) {
            fprintf(stderr, "bindspace sql: %s\n", sqlite3_errmsg(db));
            sqlite3_finalize(st);
            return 1;
        }
        sqlite3_finalize(st);
    }
    return 0;
}

/* Register every <name>.lance of dir as virtual table <name>. */
static int attach_tables(sqlite3 *db, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bindspace sql: cannot open database directory %s\n", dir);
        return 1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 6 || strcmp(e->d_name + len - 6, ".lance") != 0) continue;
        /* the table name is the directory name without .lance */
        char *name = sqlite3_mprintf("%.*s", (int)(len - 6), e->d_name);
        char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\" USING bindspace('%q/%q')", name, dir, e->d_name);
        char *err = NULL;
        if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
            /* tables without a fingerprint column (e.g. edges) are skipped with a note */
            fprintf(stderr, "bindspace sql: skipping %s: %s\n", e->d_name, err ? err : "?");
        }
        sqlite3_free(err);
        sqlite3_free(sql);
        sqlite3_free(name);
    }
    closedir(d);
    return 0;
}

static int dot_command(sqlite3 *db, const char *line)
{
    if (!strncmp(line, ".quit", 5) || !strncmp(line, ".exit", 5)) return -1;
    if (!strncmp(line, ".tables", 7))
        return run_sql(db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
    if (!strncmp(line, ".schema", 7)) {
        const char *t = line + 7;
        while (*t == ' ') t++;
        if (!*t) return run_sql(db, "SELECT name, sql FROM sqlite_schema WHERE type = 'table' ORDER BY name");
        char *q = sqlite3_mprintf("SELECT name, type FROM pragma_table_xinfo(%Q)", t);
        int rc = run_sql(db, q);
        sqlite3_free(q);
        return rc;
    }
    if (!strncmp(line, ".mode", 5)) {
        json_mode = strstr(line, "json") != NULL;
        return 0;
    }
    fprintf(stderr, "unknown command %s (try .tables .schema .mode .quit)\n", line);
    return 1;
}

static void shell(sqlite3 *db)
{
    char *buf = NULL;
    size_t len = 0;
    for (;;) {
        char *line = cli_readline(len ? "   ...> " : "bindspace> ");
        if (!line) break;
        if (!len && line[0] == '.') {
            int rc = dot_command(db, line);
            free(line);
            if (rc < 0) break;
            continue;
        }
        if (!cli_statement_add(&buf, &len, line)) break;
        if (sqlite3_complete(buf)) {
            run_sql(db, buf);
            len = 0;
        }
    }
    free(buf);
}

int cmd_sql(int argc, char **argv)
{
    const char *dir = NULL, *query = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--json")) json_mode = 1;
        else if (!dir) dir = argv[i];
        else if (!query) query = argv[i];
        else return cli_fail("sql", 0, "unexpected argument '%s'\n%s", argv[i], usage);
    }
    if (!dir) return cli_fail("sql", 0, "missing DB\n%s", usage);
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK || bsp_sql_register(db) != SQLITE_OK)
        return cli_fail("sql", 0, "cannot start SQLite");
    int rc = attach_tables(db, dir);
    if (rc == 0) {
        if (query) rc = query[0] == '.' ? (dot_command(db, query) > 0) : run_sql(db, query);
        else shell(db);
    }
    sqlite3_close(db);
    return rc;
}

#else
int cmd_sql(int argc, char **argv)
{
    (void)argc;
    return cli_fail(argv[0], 0, "this build has no SQLite support");
}
#endif
