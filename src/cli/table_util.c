/* Helpers of the table commands (see table.h): options, short type names, the --schema
 * parser, hex, and the growable column builder. */
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"

int cli_opt(const char *cmd, int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        *i += 1;
        return 1;
    }
    if (a[n] != '\0') return 0;
    if (*i + 1 >= argc) {
        cli_fail(cmd, 0, "%s needs a value", name);
        return -1;
    }
    *value = argv[*i + 1];
    *i += 2;
    return 1;
}

bool cli_is_help(const char *arg)
{
    return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

const char *cli_type_short(bsp_type t, char *buf, size_t cap)
{
    static const char *names[] = {
        [BSP_T_INVALID] = "invalid", [BSP_T_BOOL] = "bool", [BSP_T_INT8] = "i8",
        [BSP_T_INT16] = "i16", [BSP_T_INT32] = "i32", [BSP_T_INT64] = "i64",
        [BSP_T_UINT8] = "u8", [BSP_T_UINT16] = "u16", [BSP_T_UINT32] = "u32",
        [BSP_T_UINT64] = "u64", [BSP_T_FLOAT32] = "f32", [BSP_T_FLOAT64] = "f64",
        [BSP_T_UTF8] = "utf8", [BSP_T_BINARY] = "binary", [BSP_T_LARGE_UTF8] = "large_utf8",
        [BSP_T_LARGE_BINARY] = "large_binary", [BSP_T_FIXED_BINARY] = "fsb",
        [BSP_T_FSL_UINT8] = "fsl_u8", [BSP_T_FSL_FLOAT32] = "fsl_f32"};
    const char *s = (unsigned)t.id < sizeof names / sizeof names[0] ? names[t.id] : "invalid";
    if (t.id == BSP_T_FIXED_BINARY || t.id == BSP_T_FSL_UINT8 || t.id == BSP_T_FSL_FLOAT32)
        snprintf(buf, cap, "%s:%u", s, t.dim);
    else
        snprintf(buf, cap, "%s", s);
    return buf;
}

int cli_parse_schema(const char *cmd, const char *spec, bsp_schema *out)
{
    memset(out, 0, sizeof *out);
    char *copy = strdup(spec);
    if (!copy) return cli_fail(cmd, BSP_ENOMEM, "out of memory");
    int bad = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item && !bad; item = strtok_r(NULL, ",", &save)) {
        while (*item == ' ') item++;
        char *colon = strchr(item, ':');
        if (!colon || colon == item) {
            bad = cli_fail(cmd, 0, "--schema: '%s' is not name:type", item);
            break;
        }
        *colon = '\0';
        char *type = colon + 1;
        size_t tl = strlen(type);
        while (tl && type[tl - 1] == ' ') type[--tl] = '\0';
        bool notnull = tl && type[tl - 1] == '!';
        if (notnull) type[--tl] = '\0';
        bsp_type t;
        int rc = bsp_type_parse_short(type, &t);
        if (rc) {
            bad = cli_fail(cmd, rc, "--schema: column %s", item);
            break;
        }
        if (bsp_schema_find(out, item) >= 0) {
            bad = cli_fail(cmd, 0, "--schema: column %s appears twice", item);
            break;
        }
        bsp_field *f = realloc(out->fields, (out->nfields + 1) * sizeof *f);
        if (!f) {
            bad = cli_fail(cmd, BSP_ENOMEM, "out of memory");
            break;
        }
        out->fields = f;
        f[out->nfields] = (bsp_field){strdup(item), t, !notnull, -1};
        if (!f[out->nfields].name) {
            bad = cli_fail(cmd, BSP_ENOMEM, "out of memory");
            break;
        }
        out->nfields++;
    }
    if (!bad && out->nfields == 0) bad = cli_fail(cmd, 0, "--schema: no columns");
    free(copy);
    if (bad) bsp_schema_free(out);
    return bad;
}

void cli_hex(char *out, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
}

/* hex digit value + 1 for '0'-'9', 'a'-'f', 'A'-'F'; 0 for everything else */
static const uint8_t hexval1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
    ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16};

bool cli_unhex(uint8_t *out, const char *hex, size_t n)
{
    const unsigned char *h = (const unsigned char *)hex;
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned hi = hexval1[h[2 * i]], lo = hexval1[h[2 * i + 1]];
        bad |= (hi == 0) | (lo == 0);
        out[i] = (uint8_t)((hi - 1) << 4 | ((lo - 1) & 15));
    }
    return !bad;
}

/* ---- column builder ------------------------------------------------------------------ */

void colbuf_init(cli_colbuf *c, bsp_type t)
{
    memset(c, 0, sizeof *c);
    c->type = t;
    c->width = t.id == BSP_T_BOOL ? 0 : bsp_type_width(t);
}

void colbuf_free(cli_colbuf *c)
{
    free(c->validity);
    free(c->data);
    free(c->offsets);
    bsp_type t = c->type;
    colbuf_init(c, t);
}

static int grow(void **p, uint64_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap) return BSP_OK;
    uint64_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q) return BSP_ENOMEM;
    memset((uint8_t *)q + *cap * elem, 0, (nc - *cap) * elem);
    *p = q;
    *cap = nc;
    return BSP_OK;
}

/* Room for one more row's validity bit and (for var types) offset; sets the bit to valid. */
static int begin_row(cli_colbuf *c, bool valid)
{
    uint64_t vc = c->vcap;
    if (grow((void **)&c->validity, &vc, c->n / 8 + 1, 1)) return BSP_ENOMEM;
    c->vcap = (size_t)vc;
    if (valid) c->validity[c->n / 8] |= (uint8_t)(1u << (c->n % 8));
    else c->has_null = true;
    if (bsp_type_is_var(c->type)) {
        if (grow((void **)&c->offsets, &c->ocap, c->n + 2, sizeof(uint64_t))) return BSP_ENOMEM;
        c->offsets[c->n + 1] = c->dlen;
    }
    return BSP_OK;
}

int colbuf_push_fixed(cli_colbuf *c, const void *v)
{
    if (begin_row(c, true) || grow((void **)&c->data, &c->dcap, c->dlen + c->width, 1))
        return BSP_ENOMEM;
    memcpy(c->data + c->dlen, v, c->width);
    c->dlen += c->width;
    c->n++;
    return BSP_OK;
}

int colbuf_push_bool(cli_colbuf *c, bool v)
{
    if (begin_row(c, true) || grow((void **)&c->data, &c->dcap, c->n / 8 + 1, 1)) return BSP_ENOMEM;
    if (v) c->data[c->n / 8] |= (uint8_t)(1u << (c->n % 8));
    c->dlen = (c->n + 1 + 7) / 8;
    c->n++;
    return BSP_OK;
}

int colbuf_push_var(cli_colbuf *c, const void *v, size_t len)
{
    if (begin_row(c, true) || grow((void **)&c->data, &c->dcap, c->dlen + len, 1)) return BSP_ENOMEM;
    if (len) memcpy(c->data + c->dlen, v, len);
    c->dlen += len;
    c->offsets[c->n + 1] = c->dlen;
    c->n++;
    return BSP_OK;
}

int colbuf_push_null(cli_colbuf *c)
{
    if (begin_row(c, false)) return BSP_ENOMEM;
    if (c->type.id == BSP_T_BOOL) {
        if (grow((void **)&c->data, &c->dcap, c->n / 8 + 1, 1)) return BSP_ENOMEM;
        c->dlen = (c->n + 1 + 7) / 8;
    } else if (c->width) {
        if (grow((void **)&c->data, &c->dcap, c->dlen + c->width, 1)) return BSP_ENOMEM;
        memset(c->data + c->dlen, 0, c->width);
        c->dlen += c->width;
    }
    c->n++;
    return BSP_OK;
}

void colbuf_take(cli_colbuf *c, bsp_column *out)
{
    memset(out, 0, sizeof *out);
    out->type = c->type;
    out->length = c->n;
    if (bsp_type_is_var(c->type) && !c->offsets) { /* zero rows: offsets = {0} */
        c->offsets = calloc(1, sizeof(uint64_t));
    }
    if (!c->data) c->data = calloc(1, 1);
    out->validity = c->has_null ? c->validity : NULL;
    if (!c->has_null) free(c->validity);
    out->data = c->data;
    out->data_len = c->dlen;
    out->offsets = bsp_type_is_var(c->type) ? c->offsets : NULL;
    if (!bsp_type_is_var(c->type)) free(c->offsets);
    bsp_type t = c->type;
    colbuf_init(c, t);
}
