/* Loading a BindSpace from `nodes.lance` and flushing it back (spec §11 flush, §14;
 * ARCHITECTURE "A write, end to end").
 *
 * The one idea: the space remembers, per address, the row address of its row in the version
 * it reflects. A flush collects the addresses changed since (cache entries, write_at, delete,
 * DN bindings), and makes one Update commit: those rows' old versions get a deletion vector
 * and the new contents of the still-occupied ones form one new fragment. Only after the
 * commit is durable does the in-memory state switch (cache applied and cleared, row
 * addresses moved) under the exclusive lock, so readers see the old or the new state; the
 * WAL records of the old base version are skipped by replay from then on (wal.c).
 *
 * Rows: addr uint16, id uint64, fingerprint fixed_size_list<uint8,2048>, label utf8,
 * properties utf8 (JSON). The DN index is kept in properties as {"dn": "<canonical path>"}. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/lance.h"
#include "bindspace/sidecar.h"
#include "space/space_internal.h"
#include "util/error.h"


/* ---- reading columns --------------------------------------------------------------------- */

static bool col_int(const bsp_column *c, uint64_t i, int64_t *v)
{
    if (!bsp_column_is_valid(c, i)) return false;
    const uint8_t *d = c->data;
    switch (c->type.id) {
    case BSP_T_UINT16: { uint16_t x; memcpy(&x, d + 2 * i, 2); *v = x; return true; }
    case BSP_T_INT16: { int16_t x; memcpy(&x, d + 2 * i, 2); *v = x; return true; }
    case BSP_T_UINT32: { uint32_t x; memcpy(&x, d + 4 * i, 4); *v = x; return true; }
    case BSP_T_INT32: { int32_t x; memcpy(&x, d + 4 * i, 4); *v = x; return true; }
    case BSP_T_UINT64: { uint64_t x; memcpy(&x, d + 8 * i, 8); *v = (int64_t)x; return true; }
    case BSP_T_INT64: { int64_t x; memcpy(&x, d + 8 * i, 8); *v = x; return true; }
    default: return false;
    }
}

static bool is_int_type(bsp_type t)
{
    return t.id == BSP_T_UINT16 || t.id == BSP_T_INT16 || t.id == BSP_T_UINT32 || t.id == BSP_T_INT32 ||
           t.id == BSP_T_UINT64 || t.id == BSP_T_INT64;
}

static bool is_str_type(bsp_type t) { return t.id == BSP_T_UTF8 || t.id == BSP_T_LARGE_UTF8; }

static char *col_str(const bsp_column *c, uint64_t i)
{
    if (!bsp_column_is_valid(c, i)) return NULL;
    uint64_t b = c->offsets[i], e = c->offsets[i + 1];
    if (e < b || e > c->data_len) return NULL;
    return strndup((const char *)c->data + b, (size_t)(e - b));
}

/* The DN path stored in a properties JSON object, if any (malloc'd). */
static char *props_dn(const char *props)
{
    if (!props || !strstr(props, "\"dn\"")) return NULL;
    json_error_t je;
    json_t *j = json_loads(props, 0, &je);
    char *out = NULL;
    if (j && json_is_object(j)) {
        json_t *v = json_object_get(j, "dn");
        if (json_is_string(v)) out = strdup(json_string_value(v));
    }
    json_decref(j);
    return out;
}

int persist_load(bsp_space *sp)
{
    bsp_dataset *ds = NULL;
    int rc = bsp_dataset_open(sp->table_path, sp->o.version, &ds);
    if (rc == BSP_ENOTFOUND && sp->o.version == 0) {
        sp->table_exists = false;
        sp->version = 0;
        bsp_errclear();
        return BSP_OK;
    }
    if (rc < 0) return rc;
    const bsp_schema *sc = bsp_dataset_schema(ds);
    int ia = bsp_schema_find(sc, "addr"), ifp = bsp_schema_find(sc, "fingerprint");
    int iid = bsp_schema_find(sc, "id"), il = bsp_schema_find(sc, "label"), ip = bsp_schema_find(sc, "properties");
    if (ia < 0 || !is_int_type(sc->fields[ia].type)) {
        rc = bsp_err(BSP_EUNSUPPORTED, "%s: no integer column \"addr\"", sp->table_path);
    } else if (ifp < 0 || !bsp_type_is_fingerprint(sc->fields[ifp].type)) {
        rc = bsp_err(BSP_EUNSUPPORTED, "%s: no 2,048-byte column \"fingerprint\"", sp->table_path);
    }
    if (rc < 0) {
        bsp_dataset_free(ds);
        return rc;
    }
    const char *cols[5];
    size_t nc = 0;
    cols[nc++] = "addr";
    cols[nc++] = "fingerprint";
    int kid = -1, kl = -1, kp = -1;
    if (iid >= 0 && is_int_type(sc->fields[iid].type)) kid = (int)nc, cols[nc++] = "id";
    if (il >= 0 && is_str_type(sc->fields[il].type)) kl = (int)nc, cols[nc++] = "label";
    if (ip >= 0 && is_str_type(sc->fields[ip].type)) kp = (int)nc, cols[nc++] = "properties";
    bsp_scan_options so = {.columns = cols, .ncolumns = nc, .with_row_addr = true};
    bsp_scanner *scan = NULL;
    rc = bsp_scanner_open(ds, &so, &scan);
    bool warned_surface = false;
    while (rc == BSP_OK) {
        bsp_batch b;
        int more = bsp_scanner_next(scan, &b);
        if (more <= 0) {
            rc = more;
            break;
        }
        const bsp_column *ca = &b.cols[0], *cf = &b.cols[1], *cr = &b.cols[nc];
        for (uint64_t i = 0; i < b.nrows && rc == BSP_OK; i++) {
            int64_t av, rv;
            if (!col_int(ca, i, &av) || av < 0 || av > 65535) {
                rc = bsp_err(BSP_ECORRUPT, "%s: row with a null or out-of-range addr", sp->table_path);
                break;
            }
            uint16_t a = (uint16_t)av;
            if (BSP_ADDR_PREFIX(a) < 0x0C) {
                if (!warned_surface)
                    fprintf(stderr, "bindspace: warning: %s: rows at surface addresses 0x00-0x0B are ignored\n",
                            sp->table_path);
                warned_surface = true;
                continue;
            }
            if (bit_get(sp->occ, a)) {
                rc = bsp_err(BSP_ECORRUPT, "%s: address 0x%02x:%02x appears in two rows", sp->table_path,
                             a >> 8, a & 0xFF);
                break;
            }
            if (!bsp_column_is_valid(cf, i)) continue; /* a null fingerprint: not occupied */
            bsp_fp_from_bytes(sp->rec[a], cf->data + i * BSP_BYTES);
            bit_set(sp->occ, a);
            col_int(cr, i, &rv);
            sp->rowaddr[a] = (uint64_t)rv;
            int64_t idv = a;
            if (kid >= 0 && !col_int(&b.cols[kid], i, &idv)) idv = a;
            sp->ids[a] = (uint64_t)idv;
            if (kl >= 0) sp->label[a] = col_str(&b.cols[kl], i);
            if (kp >= 0) sp->props[a] = col_str(&b.cols[kp], i);
            char *dn = props_dn(sp->props[a]);
            if (dn) {
                bsp_dn p;
                if (bsp_dn_parse(dn, strlen(dn), &p) == BSP_OK && bsp_dn_addr(&p) == a &&
                    !strcmp(p.canonical, dn))
                    sp->dn_path[a] = dn;
                else
                    free(dn);
            }
        }
        bsp_batch_free(&b);
    }
    bsp_scanner_free(scan);
    if (rc == BSP_OK) {
        sp->version = bsp_dataset_version(ds);
        sp->table_exists = true;
    }
    bsp_dataset_free(ds);
    return rc;
}

/* ---- building the rows of a flush ------------------------------------------------------------ */

static char *row_props(bsp_space *sp, uint16_t a)
{
    const char *dn = sp->dn_path[a];
    if (!dn) return sp->props[a] ? strdup(sp->props[a]) : NULL;
    json_error_t je;
    json_t *j = sp->props[a] ? json_loads(sp->props[a], 0, &je) : NULL;
    if (!j || !json_is_object(j)) {
        json_decref(j);
        j = json_object();
    }
    json_object_set_new(j, "dn", json_string(dn));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static int str_column(bsp_column *c, char **vals, uint64_t n)
{
    c->type.id = BSP_T_UTF8;
    c->length = n;
    c->offsets = malloc((n + 1) * sizeof *c->offsets);
    c->validity = calloc((n + 7) / 8 + 1, 1);
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++) total += vals[i] ? strlen(vals[i]) : 0;
    c->data = malloc(total ? total : 1);
    if (!c->offsets || !c->validity || !c->data) return bsp_err(BSP_ENOMEM, "flush: out of memory");
    uint64_t off = 0;
    bool any_null = false;
    for (uint64_t i = 0; i < n; i++) {
        c->offsets[i] = off;
        if (vals[i]) {
            size_t l = strlen(vals[i]);
            memcpy(c->data + off, vals[i], l);
            off += l;
            c->validity[i >> 3] |= (uint8_t)(1u << (i & 7));
        } else {
            any_null = true;
        }
    }
    c->offsets[n] = off;
    c->data_len = off;
    if (!any_null) {
        free(c->validity);
        c->validity = NULL;
    }
    return BSP_OK;
}

static bsp_field default_fields[] = {
    {(char *)"addr", {BSP_T_UINT16, 0}, false, -1},
    {(char *)"id", {BSP_T_UINT64, 0}, false, -1},
    {(char *)"fingerprint", {BSP_T_FSL_UINT8, 2048}, false, -1},
    {(char *)"label", {BSP_T_UTF8, 0}, true, -1},
    {(char *)"properties", {BSP_T_UTF8, 0}, true, -1},
};

/* Build the batch (in the column order of schema) for the occupied addresses in rows[]. */
static int build_batch(bsp_space *sp, const bsp_schema *schema, const uint16_t *rows, uint64_t n,
                       char **props, bsp_batch *out)
{
    memset(out, 0, sizeof *out);
    out->nrows = n;
    out->cols = calloc(schema->nfields ? schema->nfields : 1, sizeof *out->cols);
    if (!out->cols) return bsp_err(BSP_ENOMEM, "flush: out of memory");
    out->ncols = schema->nfields;
    char **labels = calloc(n ? n : 1, sizeof *labels);
    if (!labels) return bsp_err(BSP_ENOMEM, "flush: out of memory");
    for (uint64_t i = 0; i < n; i++) labels[i] = sp->label[rows[i]];
    int rc = BSP_OK;
    for (size_t f = 0; f < schema->nfields && rc == BSP_OK; f++) {
        const bsp_field *fd = &schema->fields[f];
        bsp_column *c = &out->cols[f];
        c->type = fd->type;
        c->length = n;
        if (!strcmp(fd->name, "addr") || !strcmp(fd->name, "id")) {
            bool is_addr = !strcmp(fd->name, "addr");
            size_t w = bsp_type_width(fd->type);
            if (!is_int_type(fd->type)) {
                rc = bsp_err(BSP_EUNSUPPORTED, "%s: column %s is not an integer", sp->table_path, fd->name);
                break;
            }
            c->data = calloc(n ? n : 1, w);
            if (!c->data) {
                rc = bsp_err(BSP_ENOMEM, "flush: out of memory");
                break;
            }
            c->data_len = n * w;
            for (uint64_t i = 0; i < n; i++) {
                uint64_t v = is_addr ? rows[i] : sp->ids[rows[i]];
                memcpy(c->data + i * w, &v, w); /* little-endian host: low bytes */
            }
        } else if (!strcmp(fd->name, "fingerprint")) {
            if (!bsp_type_is_fingerprint(fd->type)) {
                rc = bsp_err(BSP_EUNSUPPORTED, "%s: column fingerprint is not 2,048 bytes", sp->table_path);
                break;
            }
            c->data = malloc(n ? n * BSP_BYTES : 1);
            if (!c->data) {
                rc = bsp_err(BSP_ENOMEM, "flush: out of memory");
                break;
            }
            c->data_len = n * BSP_BYTES;
            _Alignas(64) uint64_t vis[BSP_WORDS];
            for (uint64_t i = 0; i < n; i++) {
                cache_visible(&sp->cache, rows[i], vis);
                bsp_fp_to_bytes(c->data + i * BSP_BYTES, vis);
            }
        } else if ((!strcmp(fd->name, "label") || !strcmp(fd->name, "properties")) && is_str_type(fd->type)) {
            rc = str_column(c, !strcmp(fd->name, "label") ? labels : props, n);
            c->type = fd->type;
        } else if (fd->nullable) {
            /* a column the BindSpace does not know: null in the rows it writes */
            c->validity = calloc((n + 7) / 8 + 1, 1);
            if (bsp_type_is_var(fd->type)) {
                c->offsets = calloc(n + 1, sizeof *c->offsets);
                c->data = malloc(1);
            } else {
                size_t w = bsp_type_width(fd->type);
                c->data = calloc(n ? n : 1, w ? w : 1);
                c->data_len = fd->type.id == BSP_T_BOOL ? (n + 7) / 8 : n * w;
            }
            if (!c->validity || !c->data || (bsp_type_is_var(fd->type) && !c->offsets))
                rc = bsp_err(BSP_ENOMEM, "flush: out of memory");
        } else {
            rc = bsp_err(BSP_EUNSUPPORTED, "%s: cannot fill the non-nullable column %s", sp->table_path, fd->name);
        }
    }
    free(labels);
    return rc;
}

/* The id of the fragment update_rows added in version v: the newest, holding nrows rows. */
static int new_fragment_id(bsp_space *sp, uint64_t v, uint64_t nrows, uint64_t *frag)
{
    bsp_dataset *ds;
    int rc = bsp_dataset_open(sp->table_path, v, &ds);
    if (rc < 0) return rc;
    size_t nf = bsp_dataset_fragment_count(ds);
    bsp_fragment_info best = {0};
    bool found = false;
    for (size_t i = 0; i < nf; i++) {
        bsp_fragment_info fi;
        if (bsp_dataset_fragment(ds, i, &fi) == BSP_OK && (!found || fi.id > best.id)) {
            best = fi;
            found = true;
        }
    }
    bsp_dataset_free(ds);
    if (!found || best.physical_rows != nrows)
        return bsp_err(BSP_ECORRUPT, "%s version %" PRIu64 ": the newest fragment does not hold the %" PRIu64
                       " flushed rows", sp->table_path, v, nrows);
    *frag = best.id;
    return BSP_OK;
}

int persist_flush(bsp_space *sp, uint64_t *new_version, uint64_t *old_version, bool *committed)
{
    *committed = false;
    *old_version = sp->version;
    *new_version = sp->version;
    /* wmu is held: nothing changes the state we read here (readers only read) */
    uint16_t *changed = malloc(65536 * sizeof *changed);
    uint16_t *rows = malloc(65536 * sizeof *rows);
    uint64_t *dels = malloc(65536 * sizeof *dels);
    char **props = calloc(65536, sizeof *props);
    int rc = BSP_OK;
    if (!changed || !rows || !dels || !props) {
        rc = bsp_err(BSP_ENOMEM, "flush: out of memory");
        goto out;
    }
    uint64_t nchanged = 0, nrows = 0, ndels = 0;
    for (uint32_t w = 0; w < 1024; w++)
        for (uint64_t m = sp->dirty[w] | sp->cache.has[w]; m; m &= m - 1) {
            uint16_t a = (uint16_t)(w * 64 + (uint32_t)__builtin_ctzll(m));
            changed[nchanged++] = a;
            if (sp->rowaddr[a] != SPACE_NO_ROW) dels[ndels++] = sp->rowaddr[a];
            if (bit_get(sp->occ, a)) {
                if (sp->rowaddr[a] == SPACE_NO_ROW) sp->ids[a] = a;
                props[nrows] = row_props(sp, a);
                rows[nrows++] = a;
            }
        }
    if (nchanged == 0 && sp->table_exists) goto out;

    bsp_schema schema = {5, default_fields};
    bsp_dataset *ds = NULL;
    if (sp->table_exists) {
        if ((rc = bsp_dataset_open(sp->table_path, sp->version, &ds)) < 0) goto out;
        schema = *bsp_dataset_schema(ds);
    }
    bsp_batch batch;
    rc = build_batch(sp, &schema, rows, nrows, props, &batch);
    uint64_t newv = 0;
    if (rc == BSP_OK) {
        if (!sp->table_exists) {
            bsp_write_options wo = {.mode = BSP_WRITE_CREATE};
            rc = bsp_dataset_write(sp->table_path, &schema, &batch, &wo, &newv);
        } else if (nrows == 0) {
            rc = bsp_dataset_delete_rows(sp->table_path, dels, ndels, "bindspace flush", &newv);
        } else {
            rc = bsp_dataset_update_rows(sp->table_path, dels, ndels, &batch, &newv);
        }
    }
    bsp_batch_free(&batch);
    bsp_dataset_free(ds);
    if (rc < 0) goto out;
    uint64_t frag = 0;
    if (nrows > 0 && (rc = new_fragment_id(sp, newv, nrows, &frag)) < 0) goto out;

    /* switch the in-memory state to the new version, atomically for readers */
    pthread_rwlock_wrlock(&sp->cache.rw);
    cache_apply_all(&sp->cache);
    for (uint64_t i = 0; i < nchanged; i++) sp->rowaddr[changed[i]] = SPACE_NO_ROW;
    for (uint64_t i = 0; i < nrows; i++) {
        uint16_t a = rows[i];
        sp->rowaddr[a] = BSP_ROW_ADDR(frag, i);
        free(sp->props[a]);
        sp->props[a] = props[i];
        props[i] = NULL;
    }
    for (uint64_t i = 0; i < nchanged; i++) {
        uint16_t a = changed[i];
        if (!bit_get(sp->occ, a)) {
            free(sp->label[a]);
            free(sp->props[a]);
            sp->label[a] = sp->props[a] = NULL;
            sp->ids[a] = 0;
        }
    }
    memset(sp->dirty, 0, sizeof sp->dirty);
    sp->version = newv;
    sp->table_exists = true;
    pthread_rwlock_unlock(&sp->cache.rw);
    *new_version = newv;
    *committed = true;
out:
    if (props)
        for (uint32_t i = 0; i < 65536; i++) free(props[i]);
    free(props);
    free(changed);
    free(rows);
    free(dels);
    return rc;
}
