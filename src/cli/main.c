/* The `bindspace` command: dispatches to the command groups declared in cli.h. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
};

static const struct command commands[] = {
    {"demo", cmd_demo, "generate an example database, search it and query it"},
    {"fp", cmd_fp, "fingerprint kernels: hamming, semantic, bind, decode, delta, apply"},
    {"gen", cmd_table, "create a table of synthetic fingerprint rows"},
    {"import", cmd_table, "create or append to a Lance table from JSON lines"},
    {"scan", cmd_table, "print the rows of a table as JSON lines"},
    {"versions", cmd_table, "list the versions of a table"},
    {"info", cmd_table, "schema, fragments, rows, format and indices of a table"},
    {"delete", cmd_table, "delete rows by id or key range"},
    {"compact", cmd_table, "rewrite small fragments and drop deleted rows"},
    {"search", cmd_space, "exact top-k Hamming search over a table or database"},
    {"put", cmd_space, "write a record at an address of a database"},
    {"get", cmd_space, "read the record at an address of a database"},
    {"flush", cmd_space, "persist the write cache of a database as one Lance commit"},
    {"sql", cmd_sql, "SQL over the tables of a database (SQLite)"},
    {"backup", cmd_backup, "XOR incremental backups: create, list, verify, restore"},
    {"edges", cmd_graph, "import edges into a database"},
    {"neighbors", cmd_graph, "neighbours of a node (k hops)"},
    {"index", cmd_graph, "neighbour index: build, status, reconcile"},
    {"cypher", cmd_cypher, "Cypher queries over a database"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: bindspace <command> [args]\n\n"
               "bindspace %s: 16,384-bit fingerprints in Lance tables.\n\ncommands:\n",
            BSP_VERSION_STRING);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`bindspace <command> --help` describes a command. Docs: docs/cli.md\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("bindspace %s (kernel %s)\n", BSP_VERSION_STRING, bsp_fp_kernel_name());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "bindspace: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
