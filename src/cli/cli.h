/* Shared pieces of the `bindspace` command: the command table entry points (one file per
 * command group, cmd_<group>.c), argument helpers and terminal progress. The CLI uses only
 * the public API plus these helpers. */
#ifndef BSP_CLI_H
#define BSP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bindspace/bindspace.h"

/* Each command gets argv[0] = its own name. Returns the process exit code. */
int cmd_fp(int argc, char **argv);        /* cmd_fp.c */
int cmd_table(int argc, char **argv);     /* cmd_table.c: import scan versions info delete compact gen */
int cmd_space(int argc, char **argv);     /* cmd_space.c: put get flush (search -> cmd_search) */
int cmd_search(int argc, char **argv);    /* cmd_search.c: search */
int cmd_sql(int argc, char **argv);       /* cmd_sql.c */
int cmd_backup(int argc, char **argv);    /* cmd_backup.c */
int cmd_graph(int argc, char **argv);     /* cmd_graph.c: edges neighbors index */
int cmd_cypher(int argc, char **argv);    /* cmd_cypher.c */
int cmd_demo(int argc, char **argv);      /* cmd_demo.c */

/* Print "bindspace <cmd>: <message>" (with bsp_errmsg() when rc < 0) to stderr; returns 1. */
int cli_fail(const char *cmd, int rc, const char *fmt, ...);
/* Parse a 4,096-char lowercase hex fingerprint argument; prints the error and returns 1 on failure. */
int cli_parse_fp(const char *cmd, const char *arg, uint64_t out[BSP_WORDS]);
/* Parse an unsigned integer argument in [0, max]; returns 0 or prints an error and returns 1. */
int cli_parse_u64(const char *cmd, const char *what, const char *arg, uint64_t max, uint64_t *out);
/* One line from the terminal (libedit line editing and history when stdin is a terminal and
 * the build has libedit) or from stdin; malloc'd without its newline, NULL at end of input. */
char *cli_readline(const char *prompt);
/* Append line and a newline to the statement being typed (*buf, *len bytes, kept
 * NUL-terminated); frees line. False when out of memory. */
bool cli_statement_add(char **buf, size_t *len, char *line);
/* A progress reporter that draws "what: done/total (pct%)" on stderr when it is a terminal
 * (and does nothing otherwise). cli_progress_done ends the line. */
bsp_progress cli_progress(void);
void cli_progress_done(void);

#endif
