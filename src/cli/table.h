/* Shared pieces of the table commands (cmd_table*.c): the subcommand entry points, option
 * parsing, a growable column builder and the short type names.
 *
 * The one idea: every table command is a thin shell over include/bindspace/lance.h; the only
 * state the CLI builds itself is columns (cli_colbuf), which it hands to bsp_dataset_write. */
#ifndef BSP_CLI_TABLE_H
#define BSP_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"

int cli_table_import(int argc, char **argv); /* cmd_table_import.c */
int cli_table_scan(int argc, char **argv);   /* cmd_table_scan.c */
int cli_table_gen(int argc, char **argv);    /* cmd_table_gen.c */

/* Option scanning: if argv[*i] is `name` (then the value is argv[*i + 1]) or `name=value`,
 * sets *value, advances *i past it and returns 1; returns -1 (after printing) when the value
 * is missing; 0 when argv[*i] is another argument. */
int cli_opt(const char *cmd, int argc, char **argv, int *i, const char *name, const char **value);
/* True for "--help" / "-h". */
bool cli_is_help(const char *arg);

/* The short type name of docs/lance-types.md ("u64", "fsl_u8:2048") into buf. */
const char *cli_type_short(bsp_type t, char *buf, size_t cap);

/* Parse a schema option "name:type[!],name:type..." ("!" = not nullable). Prints errors. */
int cli_parse_schema(const char *cmd, const char *spec, bsp_schema *out);

/* A column being built row by row. */
typedef struct cli_colbuf {
    bsp_type type;
    size_t width;          /* fixed bytes per value (0: bool or variable) */
    uint64_t n;            /* rows so far */
    bool has_null;
    uint8_t *validity;     /* bit per row, always maintained */
    size_t vcap;
    uint8_t *data;
    uint64_t dlen, dcap;
    uint64_t *offsets;     /* variable-width: n + 1 entries */
    uint64_t ocap;
} cli_colbuf;

void colbuf_init(cli_colbuf *c, bsp_type t);
void colbuf_free(cli_colbuf *c);
/* Append one value: fixed types take width bytes; bool takes a bool in *(const bool *)v;
 * variable-width types take len bytes. All return BSP_OK or BSP_ENOMEM. */
int colbuf_push_fixed(cli_colbuf *c, const void *v);
int colbuf_push_bool(cli_colbuf *c, bool v);
int colbuf_push_var(cli_colbuf *c, const void *v, size_t len);
int colbuf_push_null(cli_colbuf *c);
/* Move the built values into *out (validity NULL when no nulls) and reset c to empty. */
void colbuf_take(cli_colbuf *c, bsp_column *out);

/* Lowercase hex of n bytes into out (2n chars, no NUL). */
void cli_hex(char *out, const uint8_t *p, size_t n);
/* Decode 2n hex chars (either case) into n bytes; false on a bad character. */
bool cli_unhex(uint8_t *out, const char *hex, size_t n);

#endif
