/* `bindspace scan TABLE [--version V] [--columns a,b] [--limit N]`: rows as JSON lines.
 *
 * Output is written by hand (not through jansson) because fingerprint rows are 4 KB of hex
 * each: integers and floats as JSON numbers (f32 with 9 significant digits, f64 with 17, so
 * both round-trip; NaN and infinities as the strings "NaN", "Infinity", "-Infinity"),
 * strings as JSON strings, binary, fixed-size binary and fixed_size_list<uint8> as lowercase
 * hex, fixed_size_list<float> as arrays, nulls as null. Keys follow the projection order. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"

static const char *scan_usage =
    "usage: bindspace scan TABLE [--version V] [--columns a,b,...] [--limit N] [--rowaddr]\n"
    "\n"
    "Print the live rows of TABLE (at version V, default latest) as JSON lines, in fragment\n"
    "order. Integers and floats are JSON numbers, strings are strings, binary / fsb / fsl_u8\n"
    "values are lowercase hex, fsl_f32 values are arrays, nulls are null. --rowaddr adds the\n"
    "row address (fragment_id << 32 | offset) as \"_rowaddr\".\n";

static void put_json_string(FILE *o, const char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    putc('"', o);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            putc('\\', o);
            putc(c, o);
        } else if (c < 0x20) {
            switch (c) {
            case '\n': fputs("\\n", o); break;
            case '\r': fputs("\\r", o); break;
            case '\t': fputs("\\t", o); break;
            default: fprintf(o, "\\u00%c%c", hx[c >> 4], hx[c & 15]);
            }
        } else {
            putc(c, o);
        }
    }
    putc('"', o);
}

static void put_double(FILE *o, double d, int digits)
{
    if (isnan(d)) fputs("\"NaN\"", o);
    else if (isinf(d)) fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", o);
    else fprintf(o, "%.*g", digits, d);
}

static void put_hex(FILE *o, const uint8_t *p, size_t n)
{
    char buf[512];
    putc('"', o);
    while (n) {
        size_t k = n > sizeof buf / 2 ? sizeof buf / 2 : n;
        cli_hex(buf, p, k);
        fwrite(buf, 1, 2 * k, o);
        p += k;
        n -= k;
    }
    putc('"', o);
}

static void put_value(FILE *o, const bsp_column *c, uint64_t r)
{
    if (!bsp_column_is_valid(c, r)) {
        fputs("null", o);
        return;
    }
    size_t w = bsp_type_width(c->type);
    const uint8_t *p = c->data + (w ? r * w : 0);
    switch (c->type.id) {
    case BSP_T_BOOL: fputs((c->data[r / 8] >> (r % 8)) & 1 ? "true" : "false", o); break;
    case BSP_T_INT8: fprintf(o, "%d", (int)(int8_t)p[0]); break;
    case BSP_T_INT16: { int16_t v; memcpy(&v, p, 2); fprintf(o, "%d", (int)v); break; }
    case BSP_T_INT32: { int32_t v; memcpy(&v, p, 4); fprintf(o, "%" PRId32, v); break; }
    case BSP_T_INT64: { int64_t v; memcpy(&v, p, 8); fprintf(o, "%" PRId64, v); break; }
    case BSP_T_UINT8: fprintf(o, "%u", (unsigned)p[0]); break;
    case BSP_T_UINT16: { uint16_t v; memcpy(&v, p, 2); fprintf(o, "%u", (unsigned)v); break; }
    case BSP_T_UINT32: { uint32_t v; memcpy(&v, p, 4); fprintf(o, "%" PRIu32, v); break; }
    case BSP_T_UINT64: { uint64_t v; memcpy(&v, p, 8); fprintf(o, "%" PRIu64, v); break; }
    case BSP_T_FLOAT32: { float v; memcpy(&v, p, 4); put_double(o, v, 9); break; }
    case BSP_T_FLOAT64: { double v; memcpy(&v, p, 8); put_double(o, v, 17); break; }
    case BSP_T_UTF8: case BSP_T_LARGE_UTF8:
        put_json_string(o, (const char *)c->data + c->offsets[r], c->offsets[r + 1] - c->offsets[r]);
        break;
    case BSP_T_BINARY: case BSP_T_LARGE_BINARY:
        put_hex(o, c->data + c->offsets[r], c->offsets[r + 1] - c->offsets[r]);
        break;
    case BSP_T_FIXED_BINARY: case BSP_T_FSL_UINT8: put_hex(o, p, w); break;
    case BSP_T_FSL_FLOAT32:
        putc('[', o);
        for (uint32_t i = 0; i < c->type.dim; i++) {
            float v;
            memcpy(&v, p + 4 * (size_t)i, 4);
            if (i) putc(',', o);
            put_double(o, v, 9);
        }
        putc(']', o);
        break;
    default: fputs("null", o);
    }
}

int cli_table_scan(int argc, char **argv)
{
    const char *cmd = argv[0], *table = NULL, *ver = NULL, *cols = NULL, *lim = NULL;
    bool rowaddr = false;
    for (int i = 1; i < argc;) {
        if (cli_is_help(argv[i])) {
            fputs(scan_usage, stdout);
            return 0;
        }
        int r;
        if ((r = cli_opt(cmd, argc, argv, &i, "--version", &ver)) ||
            (r = cli_opt(cmd, argc, argv, &i, "--columns", &cols)) ||
            (r = cli_opt(cmd, argc, argv, &i, "--limit", &lim))) {
            if (r < 0) return 2;
            continue;
        }
        if (!strcmp(argv[i], "--rowaddr")) {
            rowaddr = true;
            i++;
            continue;
        }
        if (argv[i][0] == '-' || table) {
            fprintf(stderr, "bindspace %s: unexpected argument %s\n%s", cmd, argv[i], scan_usage);
            return 2;
        }
        table = argv[i++];
    }
    if (!table) {
        fprintf(stderr, "%s", scan_usage);
        return 2;
    }
    uint64_t version = 0, limit = 0;
    if (ver && cli_parse_u64(cmd, "--version", ver, UINT64_MAX, &version)) return 2;
    if (lim && cli_parse_u64(cmd, "--limit", lim, UINT64_MAX, &limit)) return 2;
    if (ver && version == 0) return cli_fail(cmd, 0, "--version: versions start at 1");

    char *colbuf = cols ? strdup(cols) : NULL;
    const char **names = NULL;
    size_t nnames = 0;
    if (colbuf) {
        names = calloc(strlen(colbuf) + 1, sizeof *names);
        if (!names) {
            free(colbuf);
            return cli_fail(cmd, BSP_ENOMEM, "out of memory");
        }
        char *save = NULL;
        for (char *t = strtok_r(colbuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) names[nnames++] = t;
    }

    bsp_dataset *ds = NULL;
    bsp_scanner *sc = NULL;
    int fail = 0;
    int rc = bsp_dataset_open(table, version, &ds);
    if (rc) {
        fail = cli_fail(cmd, rc, "cannot open %s", table);
        goto out;
    }
    bsp_scan_options so = {names, nnames, limit, 0, rowaddr};
    if ((rc = bsp_scanner_open(ds, &so, &sc))) {
        fail = cli_fail(cmd, rc, "cannot scan %s", table);
        goto out;
    }
    const bsp_schema *sch = bsp_scanner_schema(sc);
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    bsp_batch b;
    int more;
    while ((more = bsp_scanner_next(sc, &b)) == 1) {
        for (uint64_t r = 0; r < b.nrows; r++) {
            putchar('{');
            for (size_t k = 0; k < b.ncols; k++) {
                if (k) putchar(',');
                put_json_string(stdout, sch->fields[k].name, strlen(sch->fields[k].name));
                putchar(':');
                put_value(stdout, &b.cols[k], r);
            }
            fputs("}\n", stdout);
        }
        bsp_batch_free(&b);
    }
    if (more < 0) fail = cli_fail(cmd, more, "scanning %s", table);
    if (fflush(stdout) != 0 && !fail) fail = cli_fail(cmd, 0, "writing output failed");
out:
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);
    free(names);
    free(colbuf);
    return fail ? 1 : 0;
}
