/* Column types, schemas, columns and batches (include/bindspace/batch.h): widths, the Lance
 * logical type strings of spec §2.5 (exact spelling matters: "fixed_size_list:uint8:2048"),
 * the CLI's short names (docs/lance-types.md), and the free/copy helpers.
 *
 * One table drives both spellings: every simple type has a Lance name and a short name;
 * the three parameterised types (fixed_size_binary, the two fixed_size_lists) carry a
 * dimension after a colon. */
#include "bindspace/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "util/error.h"

/* Largest dimension accepted for fixed-size types (Lance stores it as an int32). */
#define TYPE_MAX_DIM 0x7fffffffu

typedef struct type_name {
    bsp_type_id id;
    const char *lance; /* logical_type string (prefix before ":N" for dim types) */
    const char *shrt;  /* CLI short name (prefix before ":N" for dim types) */
    size_t width;      /* bytes per value (per item for dim types); 0 = bool or var */
} type_name;

static const type_name type_names[] = {
    {BSP_T_BOOL, "bool", "bool", 0},
    {BSP_T_INT8, "int8", "i8", 1},
    {BSP_T_INT16, "int16", "i16", 2},
    {BSP_T_INT32, "int32", "i32", 4},
    {BSP_T_INT64, "int64", "i64", 8},
    {BSP_T_UINT8, "uint8", "u8", 1},
    {BSP_T_UINT16, "uint16", "u16", 2},
    {BSP_T_UINT32, "uint32", "u32", 4},
    {BSP_T_UINT64, "uint64", "u64", 8},
    {BSP_T_FLOAT32, "float", "f32", 4},
    {BSP_T_FLOAT64, "double", "f64", 8},
    {BSP_T_UTF8, "string", "utf8", 0},
    {BSP_T_BINARY, "binary", "binary", 0},
    {BSP_T_LARGE_UTF8, "large_string", "large_utf8", 0},
    {BSP_T_LARGE_BINARY, "large_binary", "large_binary", 0},
    {BSP_T_FIXED_BINARY, "fixed_size_binary", "fsb", 1},
    {BSP_T_FSL_UINT8, "fixed_size_list:uint8", "fsl_u8", 1},
    {BSP_T_FSL_FLOAT32, "fixed_size_list:float", "fsl_f32", 4},
};
#define NTYPES (sizeof type_names / sizeof type_names[0])

static bool type_has_dim(bsp_type_id id)
{
    return id == BSP_T_FIXED_BINARY || id == BSP_T_FSL_UINT8 || id == BSP_T_FSL_FLOAT32;
}

static const type_name *type_lookup(bsp_type_id id)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (type_names[i].id == id) return &type_names[i];
    return NULL;
}

size_t bsp_type_width(bsp_type t)
{
    const type_name *n = type_lookup(t.id);
    if (!n) return 0;
    return type_has_dim(t.id) ? n->width * t.dim : n->width;
}

uint64_t bsp_fill_rows(bsp_type t)
{
    size_t w = bsp_type_width(t);
    return w && w <= (4u << 20) ? (4u << 20) / w : 1;
}

bool bsp_type_is_var(bsp_type t)
{
    return t.id == BSP_T_UTF8 || t.id == BSP_T_BINARY || t.id == BSP_T_LARGE_UTF8 ||
           t.id == BSP_T_LARGE_BINARY;
}

/* Parse a decimal dimension: 1..TYPE_MAX_DIM, digits only. */
static bool parse_dim(const char *s, uint32_t *out)
{
    if (!*s) return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > TYPE_MAX_DIM) return false;
    }
    if (v == 0) return false;
    *out = (uint32_t)v;
    return true;
}

/* Match name against the table using the lance or short spelling. */
static bool type_match(const char *name, bool shrt, bsp_type *out)
{
    for (size_t i = 0; i < NTYPES; i++) {
        const char *sp = shrt ? type_names[i].shrt : type_names[i].lance;
        size_t n = strlen(sp);
        if (strncmp(name, sp, n) != 0) continue;
        if (type_has_dim(type_names[i].id)) {
            uint32_t dim;
            if (name[n] != ':' || !parse_dim(name + n + 1, &dim)) continue;
            out->id = type_names[i].id;
            out->dim = dim;
            return true;
        }
        if (name[n] != '\0') continue;
        out->id = type_names[i].id;
        out->dim = 0;
        return true;
    }
    return false;
}

int bsp_type_parse(const char *logical, bsp_type *out)
{
    if (!logical) return bsp_err(BSP_EINVAL, "logical type is missing");
    bsp_type t;
    if (!type_match(logical, false, &t))
        return bsp_err(BSP_EUNSUPPORTED, "unsupported Lance logical type \"%s\"", logical);
    *out = t;
    return BSP_OK;
}

int bsp_type_parse_short(const char *name, bsp_type *out)
{
    if (!name) return bsp_err(BSP_EINVAL, "type name is missing");
    bsp_type t;
    /* Short names first; the Lance spellings are accepted too ("uint64", "string"). */
    if (type_match(name, true, &t) || type_match(name, false, &t)) {
        *out = t;
        return BSP_OK;
    }
    return bsp_err(BSP_EINVAL,
                   "unknown type \"%s\" (expected bool, i8..i64, u8..u64, f32, f64, utf8, "
                   "binary, large_utf8, large_binary, fsb:N, fsl_u8:N, fsl_f32:N)",
                   name);
}

const char *bsp_type_format(bsp_type t, char *buf, size_t cap)
{
    if (!buf || cap == 0) return buf;
    const type_name *n = type_lookup(t.id);
    if (!n)
        snprintf(buf, cap, "invalid");
    else if (type_has_dim(t.id))
        snprintf(buf, cap, "%s:%u", n->lance, t.dim);
    else
        snprintf(buf, cap, "%s", n->lance);
    return buf;
}

void bsp_column_free(bsp_column *c)
{
    if (!c) return;
    free(c->validity);
    free(c->data);
    free(c->offsets);
    memset(c, 0, sizeof *c);
}

void bsp_batch_free(bsp_batch *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->ncols; i++) bsp_column_free(&b->cols[i]);
    free(b->cols);
    memset(b, 0, sizeof *b);
}

int bsp_schema_copy(bsp_schema *dst, const bsp_schema *src)
{
    bsp_schema s = {0, NULL};
    if (src->nfields) {
        s.fields = calloc(src->nfields, sizeof *s.fields);
        if (!s.fields) return bsp_err(BSP_ENOMEM, "out of memory copying a schema");
        for (size_t i = 0; i < src->nfields; i++) {
            s.fields[i] = src->fields[i];
            s.fields[i].name = strdup(src->fields[i].name ? src->fields[i].name : "");
            s.nfields = i + 1;
            if (!s.fields[i].name) {
                bsp_schema_free(&s);
                return bsp_err(BSP_ENOMEM, "out of memory copying a schema");
            }
        }
    }
    *dst = s;
    return BSP_OK;
}

void bsp_schema_free(bsp_schema *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nfields; i++) free(s->fields[i].name);
    free(s->fields);
    s->fields = NULL;
    s->nfields = 0;
}

int bsp_schema_find(const bsp_schema *s, const char *name)
{
    if (!s || !name) return -1;
    for (size_t i = 0; i < s->nfields; i++)
        if (s->fields[i].name && strcmp(s->fields[i].name, name) == 0) return (int)i;
    return -1;
}
