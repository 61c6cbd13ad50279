/* `bindspace import TABLE FILE.jsonl [--schema ...]`: JSON lines into a Lance table (create or
 * append).
 *
 * The one idea: the schema is fixed before the first row is converted -- the table's own
 * schema when it exists, else --schema, else inferred from the first rows -- and every row is
 * then converted against it strictly (a wrong type or an unknown key is an error naming the
 * line and the column), so a bad file never produces a half-typed table. Rows are committed
 * in chunks of --batch-rows (one version per chunk). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/table.h"

#define INFER_ROWS 1000
#define DEFAULT_BATCH_ROWS 131072

static const char *import_usage =
    "usage: bindspace import TABLE FILE.jsonl [--schema 'name:type,...'] [--batch-rows N]\n"
    "\n"
    "Create TABLE (a Lance dataset directory) or append to it from JSON lines, one object per\n"
    "line (FILE '-' reads stdin). An existing table keeps its schema. Otherwise the schema is\n"
    "--schema (types as in docs/lance-types.md: i64, u64, f32, utf8, binary, fsb:N, fsl_u8:N,\n"
    "fsl_f32:N, bool...; a trailing '!' makes a column non-nullable) or is inferred from the\n"
    "first 1000 rows: integers -> i64, numbers -> f64, booleans -> bool, 4,096-char hex strings\n"
    "-> fsl_u8:2048 (fingerprints), other strings -> utf8.\n"
    "Values: binary/fsb/fsl_u8 columns take hex strings (or arrays of bytes), fsl_f32 arrays of\n"
    "numbers, u64 also decimal strings, floats also \"NaN\"/\"Infinity\"/\"-Infinity\". A missing key\n"
    "or null is a null. Every --batch-rows rows (default 131072) are one commit.\n";

typedef struct importer {
    const char *cmd;
    const char *table;
    bsp_schema schema;
    cli_colbuf *cols;
    bool *seen;
    uint64_t rows_total, rows_pending, batch_rows;
    uint64_t version;
    bsp_progress progress;
    uint64_t bytes_total, bytes_done;
} importer;

/* ---- schema inference ------------------------------------------------------------------ */

enum { K_INT = 1, K_REAL = 2, K_BOOL = 4, K_FP = 8, K_STR = 16, K_OTHER = 32 };

typedef struct infer_col {
    char *name;
    unsigned kinds;
} infer_col;

static bool is_fp_hex(const char *s, size_t n)
{
    if (n != BSP_HEX_CHARS) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    }
    return true;
}

static int infer_schema(const char *cmd, json_t **rows, size_t nrows, bsp_schema *out)
{
    infer_col *ic = NULL;
    size_t nc = 0;
    int bad = 0;
    for (size_t r = 0; r < nrows && !bad; r++) {
        const char *key;
        json_t *v;
        json_object_foreach(rows[r], key, v) {
            size_t k = 0;
            while (k < nc && strcmp(ic[k].name, key)) k++;
            if (k == nc) {
                infer_col *n = realloc(ic, (nc + 1) * sizeof *n);
                if (!n) { bad = cli_fail(cmd, BSP_ENOMEM, "out of memory"); break; }
                ic = n;
                ic[nc].name = strdup(key);
                ic[nc].kinds = 0;
                nc++;
            }
            unsigned kind = json_is_integer(v) ? K_INT : json_is_real(v) ? K_REAL
                          : json_is_boolean(v) ? K_BOOL : json_is_null(v) ? 0
                          : json_is_string(v) ? (is_fp_hex(json_string_value(v), json_string_length(v)) ? K_FP : K_STR)
                          : K_OTHER;
            ic[k].kinds |= kind;
        }
    }
    memset(out, 0, sizeof *out);
    if (!bad && nc == 0) bad = cli_fail(cmd, 0, "cannot infer a schema: no keys in the first rows (give --schema)");
    if (!bad && !(out->fields = calloc(nc, sizeof *out->fields))) bad = cli_fail(cmd, BSP_ENOMEM, "out of memory");
    for (size_t k = 0; k < nc && !bad; k++) {
        unsigned m = ic[k].kinds;
        bsp_type t = {BSP_T_INVALID, 0};
        if (m == 0 || m == K_STR || m == (K_STR | K_FP)) t.id = BSP_T_UTF8;
        else if (m == K_FP) t = (bsp_type){BSP_T_FSL_UINT8, BSP_BYTES};
        else if (m == K_INT) t.id = BSP_T_INT64;
        else if ((m & ~(unsigned)(K_INT | K_REAL)) == 0) t.id = BSP_T_FLOAT64;
        else if (m == K_BOOL) t.id = BSP_T_BOOL;
        if (t.id == BSP_T_INVALID) {
            bad = cli_fail(cmd, 0, "cannot infer a type for column %s (mixed or nested values; give --schema)",
                           ic[k].name);
            break;
        }
        out->fields[k] = (bsp_field){ic[k].name, t, true, -1};
        ic[k].name = NULL;
        out->nfields = k + 1;
    }
    for (size_t k = 0; k < nc; k++) free(ic[k].name);
    free(ic);
    if (bad) bsp_schema_free(out);
    return bad;
}

/* ---- value conversion ---------------------------------------------------------------- */

static int bad_value(importer *im, uint64_t line, const char *col, const char *want)
{
    return cli_fail(im->cmd, 0, "line %" PRIu64 ", column %s: expected %s", line, col, want);
}

static int push_int(importer *im, cli_colbuf *c, json_t *v, uint64_t line, const char *col)
{
    bsp_type_id id = c->type.id;
    bool is_signed = id == BSP_T_INT8 || id == BSP_T_INT16 || id == BSP_T_INT32 || id == BSP_T_INT64;
    size_t w = bsp_type_width(c->type);
    uint64_t u = 0;
    int64_t s = 0;
    if (json_is_integer(v)) {
        s = (int64_t)json_integer_value(v);
        if (!is_signed && s < 0) return bad_value(im, line, col, "a non-negative integer");
        u = (uint64_t)s;
    } else if (!is_signed && id == BSP_T_UINT64 && json_is_string(v)) {
        const char *str = json_string_value(v);
        char *end;
        errno = 0;
        if (!*str || *str == '-' || *str == '+' || *str == ' ') return bad_value(im, line, col, "a u64");
        u = strtoull(str, &end, 10);
        if (errno || *end) return bad_value(im, line, col, "a u64 (decimal string)");
    } else {
        return bad_value(im, line, col, "an integer");
    }
    uint8_t b[8];
    if (is_signed) {
        int64_t lo = w == 8 ? INT64_MIN : -((int64_t)1 << (8 * w - 1));
        int64_t hi = w == 8 ? INT64_MAX : ((int64_t)1 << (8 * w - 1)) - 1;
        if (s < lo || s > hi) return bad_value(im, line, col, "an integer in the column's range");
        u = (uint64_t)s;
    } else if (w < 8 && u >> (8 * w)) {
        return bad_value(im, line, col, "an integer in the column's range");
    }
    for (size_t i = 0; i < w; i++) b[i] = (uint8_t)(u >> (8 * i));
    return colbuf_push_fixed(c, b) ? cli_fail(im->cmd, BSP_ENOMEM, "out of memory") : 0;
}

static bool float_of(json_t *v, double *d)
{
    if (json_is_number(v)) {
        *d = json_number_value(v);
        return true;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!strcmp(s, "NaN")) *d = NAN;
        else if (!strcmp(s, "Infinity")) *d = INFINITY;
        else if (!strcmp(s, "-Infinity")) *d = -INFINITY;
        else return false;
        return true;
    }
    return false;
}

/* Bytes of a binary-ish value: hex string or array of 0..255. *buf is malloc'd. */
static int bytes_of(importer *im, json_t *v, uint64_t line, const char *col, uint8_t **buf, size_t *len)
{
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        if (n % 2) return bad_value(im, line, col, "a hex string of even length");
        *buf = malloc(n / 2 + 1);
        if (!*buf) return cli_fail(im->cmd, BSP_ENOMEM, "out of memory");
        if (!cli_unhex(*buf, json_string_value(v), n / 2)) {
            free(*buf);
            return bad_value(im, line, col, "a hex string");
        }
        *len = n / 2;
        return 0;
    }
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        *buf = malloc(n + 1);
        if (!*buf) return cli_fail(im->cmd, BSP_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(v, i);
            if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > 255) {
                free(*buf);
                return bad_value(im, line, col, "an array of integers 0..255");
            }
            (*buf)[i] = (uint8_t)json_integer_value(e);
        }
        *len = n;
        return 0;
    }
    return bad_value(im, line, col, "a hex string");
}

static int push_value(importer *im, cli_colbuf *c, const bsp_field *f, json_t *v, uint64_t line)
{
    const char *col = f->name;
    if (json_is_null(v)) {
        if (!f->nullable) return cli_fail(im->cmd, 0, "line %" PRIu64 ", column %s: null in a non-nullable column", line, col);
        return colbuf_push_null(c) ? cli_fail(im->cmd, BSP_ENOMEM, "out of memory") : 0;
    }
    int rc = 0;
    switch (c->type.id) {
    case BSP_T_BOOL:
        if (!json_is_boolean(v)) return bad_value(im, line, col, "true or false");
        rc = colbuf_push_bool(c, json_is_true(v));
        break;
    case BSP_T_INT8: case BSP_T_INT16: case BSP_T_INT32: case BSP_T_INT64:
    case BSP_T_UINT8: case BSP_T_UINT16: case BSP_T_UINT32: case BSP_T_UINT64:
        return push_int(im, c, v, line, col);
    case BSP_T_FLOAT32: {
        double d;
        if (!float_of(v, &d)) return bad_value(im, line, col, "a number");
        float x = (float)d;
        rc = colbuf_push_fixed(c, &x);
        break;
    }
    case BSP_T_FLOAT64: {
        double d;
        if (!float_of(v, &d)) return bad_value(im, line, col, "a number");
        rc = colbuf_push_fixed(c, &d);
        break;
    }
    case BSP_T_UTF8: case BSP_T_LARGE_UTF8:
        if (!json_is_string(v)) return bad_value(im, line, col, "a string");
        rc = colbuf_push_var(c, json_string_value(v), json_string_length(v));
        break;
    case BSP_T_BINARY: case BSP_T_LARGE_BINARY: case BSP_T_FIXED_BINARY: case BSP_T_FSL_UINT8: {
        uint8_t *b = NULL;
        size_t n = 0;
        if (bytes_of(im, v, line, col, &b, &n)) return 1;
        if (c->type.id == BSP_T_FIXED_BINARY || c->type.id == BSP_T_FSL_UINT8) {
            if (n != c->type.dim) {
                free(b);
                char want[64];
                snprintf(want, sizeof want, "%u bytes (%u hex chars)", c->type.dim, 2 * c->type.dim);
                return bad_value(im, line, col, want);
            }
            rc = colbuf_push_fixed(c, b);
        } else {
            rc = colbuf_push_var(c, b, n);
        }
        free(b);
        break;
    }
    case BSP_T_FSL_FLOAT32: {
        if (!json_is_array(v) || json_array_size(v) != c->type.dim) {
            char want[64];
            snprintf(want, sizeof want, "an array of %u numbers", c->type.dim);
            return bad_value(im, line, col, want);
        }
        float *x = malloc((size_t)c->type.dim * sizeof *x);
        if (!x) return cli_fail(im->cmd, BSP_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < c->type.dim; i++) {
            double d;
            if (!float_of(json_array_get(v, i), &d)) {
                free(x);
                return bad_value(im, line, col, "an array of numbers");
            }
            x[i] = (float)d;
        }
        rc = colbuf_push_fixed(c, x);
        free(x);
        break;
    }
    default:
        return cli_fail(im->cmd, 0, "column %s: type not supported by import", col);
    }
    return rc ? cli_fail(im->cmd, BSP_ENOMEM, "out of memory") : 0;
}

static int import_row(importer *im, json_t *row, uint64_t line)
{
    if (!json_is_object(row)) return cli_fail(im->cmd, 0, "line %" PRIu64 ": not a JSON object", line);
    size_t nf = im->schema.nfields;
    memset(im->seen, 0, nf * sizeof *im->seen);
    const char *key;
    json_t *v;
    json_object_foreach(row, key, v) {
        int k = bsp_schema_find(&im->schema, key);
        if (k < 0) return cli_fail(im->cmd, 0, "line %" PRIu64 ": unknown column %s", line, key);
        im->seen[k] = true;
        if (push_value(im, &im->cols[k], &im->schema.fields[k], v, line)) return 1;
    }
    for (size_t k = 0; k < nf; k++) {
        if (im->seen[k]) continue;
        if (!im->schema.fields[k].nullable)
            return cli_fail(im->cmd, 0, "line %" PRIu64 ": missing non-nullable column %s", line,
                            im->schema.fields[k].name);
        if (colbuf_push_null(&im->cols[k])) return cli_fail(im->cmd, BSP_ENOMEM, "out of memory");
    }
    im->rows_pending++;
    return 0;
}

/* Commit the pending rows as one version. */
static int flush_rows(importer *im)
{
    if (im->rows_pending == 0) return 0;
    size_t nf = im->schema.nfields;
    bsp_batch b = {im->rows_pending, nf, calloc(nf, sizeof(bsp_column))};
    if (!b.cols) return cli_fail(im->cmd, BSP_ENOMEM, "out of memory");
    for (size_t k = 0; k < nf; k++) colbuf_take(&im->cols[k], &b.cols[k]);
    bsp_write_options wo = {BSP_WRITE_APPEND, 0, false, &im->progress};
    int rc = bsp_dataset_write(im->table, &im->schema, &b, &wo, &im->version);
    bsp_batch_free(&b);
    if (rc) return cli_fail(im->cmd, rc, "writing %s", im->table);
    im->rows_total += im->rows_pending;
    im->rows_pending = 0;
    return 0;
}

static int process(importer *im, json_t *row, uint64_t line)
{
    if (import_row(im, row, line)) return 1;
    if (im->rows_pending >= im->batch_rows) return flush_rows(im);
    return 0;
}

static int start_columns(importer *im)
{
    size_t nf = im->schema.nfields;
    im->cols = calloc(nf ? nf : 1, sizeof *im->cols);
    im->seen = calloc(nf ? nf : 1, sizeof *im->seen);
    if (!im->cols || !im->seen) return cli_fail(im->cmd, BSP_ENOMEM, "out of memory");
    for (size_t k = 0; k < nf; k++) colbuf_init(&im->cols[k], im->schema.fields[k].type);
    return 0;
}

static bool schemas_agree(const bsp_schema *a, const bsp_schema *b)
{
    if (a->nfields != b->nfields) return false;
    for (size_t i = 0; i < a->nfields; i++) {
        int k = bsp_schema_find(b, a->fields[i].name);
        if (k < 0 || b->fields[k].type.id != a->fields[i].type.id || b->fields[k].type.dim != a->fields[i].type.dim)
            return false;
    }
    return true;
}

int cli_table_import(int argc, char **argv)
{
    const char *cmd = argv[0], *schema_opt = NULL, *batch_opt = NULL;
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    for (int i = 1; i < argc;) {
        if (cli_is_help(argv[i])) {
            fputs(import_usage, stdout);
            return 0;
        }
        int r;
        if ((r = cli_opt(cmd, argc, argv, &i, "--schema", &schema_opt)) ||
            (r = cli_opt(cmd, argc, argv, &i, "--batch-rows", &batch_opt))) {
            if (r < 0) return 2;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "bindspace %s: unknown option %s\n%s", cmd, argv[i], import_usage);
            return 2;
        }
        if (npos == 2) {
            fprintf(stderr, "%s", import_usage);
            return 2;
        }
        pos[npos++] = argv[i++];
    }
    if (npos != 2) {
        fprintf(stderr, "%s", import_usage);
        return 2;
    }
    importer im = {.cmd = cmd, .table = pos[0], .batch_rows = DEFAULT_BATCH_ROWS};
    if (batch_opt && cli_parse_u64(cmd, "--batch-rows", batch_opt, UINT32_MAX, &im.batch_rows)) return 2;
    if (im.batch_rows == 0) im.batch_rows = DEFAULT_BATCH_ROWS;
    im.progress = cli_progress();

    FILE *in = strcmp(pos[1], "-") ? fopen(pos[1], "r") : stdin;
    if (!in) return cli_fail(cmd, 0, "cannot open %s: %s", pos[1], strerror(errno));
    struct stat st;
    if (in != stdin && fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode)) im.bytes_total = (uint64_t)st.st_size;

    int fail = 0;
    bsp_dataset *ds = NULL;
    int rc = bsp_dataset_open(im.table, 0, &ds);
    bsp_schema given = {0};
    if (schema_opt && (fail = cli_parse_schema(cmd, schema_opt, &given))) goto done;
    if (rc == BSP_OK) {
        if ((rc = bsp_schema_copy(&im.schema, bsp_dataset_schema(ds)))) {
            fail = cli_fail(cmd, rc, "copying the schema");
            goto done;
        }
        im.version = bsp_dataset_version(ds);
        if (schema_opt && !schemas_agree(&given, &im.schema)) {
            fail = cli_fail(cmd, 0, "--schema differs from the schema of the existing table %s", im.table);
            goto done;
        }
    } else if (rc == BSP_ENOTFOUND) {
        bsp_errclear();
        if (schema_opt) {
            im.schema = given;
            memset(&given, 0, sizeof given);
        }
    } else {
        fail = cli_fail(cmd, rc, "opening %s", im.table);
        goto done;
    }

    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0;
    json_t **held = NULL; /* rows read before the schema is known */
    uint64_t *held_line = NULL;
    size_t nheld = 0;
    bool have_schema = im.schema.nfields > 0;
    if (have_schema && (fail = start_columns(&im))) goto done;
    while (!fail && (n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        im.bytes_done += (uint64_t)n;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
        if (len == 0) continue;
        json_error_t err;
        json_t *row = json_loadb(line, len, JSON_ALLOW_NUL, &err);
        if (!row) {
            fail = cli_fail(cmd, 0, "line %" PRIu64 ", column %d: %s", lineno, err.column, err.text);
            break;
        }
        if (!json_is_object(row)) {
            json_decref(row);
            fail = cli_fail(cmd, 0, "line %" PRIu64 ": not a JSON object", lineno);
            break;
        }
        if (!have_schema) {
            json_t **h = realloc(held, (nheld + 1) * sizeof *h);
            uint64_t *hl = realloc(held_line, (nheld + 1) * sizeof *hl);
            if (h) held = h;
            if (hl) held_line = hl;
            if (!h || !hl) {
                json_decref(row);
                fail = cli_fail(cmd, BSP_ENOMEM, "out of memory");
                break;
            }
            held[nheld] = row;
            held_line[nheld++] = lineno;
            if (nheld < INFER_ROWS) continue;
            if ((fail = infer_schema(cmd, held, nheld, &im.schema)) || (fail = start_columns(&im))) break;
            have_schema = true;
            for (size_t k = 0; k < nheld && !fail; k++) fail = process(&im, held[k], held_line[k]);
            for (size_t k = 0; k < nheld; k++) json_decref(held[k]);
            nheld = 0;
            continue;
        }
        fail = process(&im, row, lineno);
        json_decref(row);
        if (!(lineno & 1023)) bsp_progress_report(&im.progress, "import (bytes)", im.bytes_done, im.bytes_total);
    }
    if (!fail && in != stdin && ferror(in)) fail = cli_fail(cmd, 0, "reading %s: %s", pos[1], strerror(errno));
    if (!fail && !have_schema) {
        if (nheld == 0) {
            fail = cli_fail(cmd, 0, "%s has no rows and the table does not exist (nothing to import)", pos[1]);
        } else if (!(fail = infer_schema(cmd, held, nheld, &im.schema)) && !(fail = start_columns(&im))) {
            for (size_t k = 0; k < nheld && !fail; k++) fail = process(&im, held[k], held_line[k]);
        }
    }
    for (size_t k = 0; k < nheld; k++) json_decref(held[k]);
    free(held);
    free(held_line);
    free(line);
    if (!fail) fail = flush_rows(&im);
    cli_progress_done();
    if (!fail) printf("imported %" PRIu64 " rows into %s (version %" PRIu64 ")\n", im.rows_total, im.table, im.version);
done:
    if (in && in != stdin) fclose(in);
    if (im.cols)
        for (size_t k = 0; k < im.schema.nfields; k++) colbuf_free(&im.cols[k]);
    free(im.cols);
    free(im.seen);
    bsp_schema_free(&im.schema);
    bsp_schema_free(&given);
    bsp_dataset_free(ds);
    return fail ? 1 : 0;
}
