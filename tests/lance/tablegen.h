/* Shared helpers for the table-format tests: deterministic rows (id, fp, label) and
 * scanning a dataset version back into per-id checks. Row id k always has the same values:
 * fp bytes from splitmix64(k), label "row-k" (NULL when k % 7 == 3). */
#ifndef BSP_TESTS_LANCE_TABLEGEN_H
#define BSP_TESTS_LANCE_TABLEGEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/lance.h"
#include "test.h"

#define TG_DIM 2048

static inline uint64_t tg_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline void tg_fp(uint64_t id, uint8_t *out)
{
    for (int i = 0; i < TG_DIM; i += 8) {
        uint64_t v = tg_mix(id * 4096 + (uint64_t)i);
        memcpy(out + i, &v, 8);
    }
}

static inline bool tg_label_null(uint64_t id) { return id % 7 == 3; }

static inline void tg_schema(bsp_schema *s)
{
    static bsp_field f[3];
    f[0] = (bsp_field){(char *)"id", {BSP_T_UINT64, 0}, false, -1};
    f[1] = (bsp_field){(char *)"fp", {BSP_T_FSL_UINT8, TG_DIM}, false, -1};
    f[2] = (bsp_field){(char *)"label", {BSP_T_UTF8, 0}, true, -1};
    s->nfields = 3;
    s->fields = f;
}

/* Rows with ids first .. first+n-1. */
static inline void tg_batch(uint64_t first, uint64_t n, bsp_batch *b)
{
    b->nrows = n;
    b->ncols = 3;
    b->cols = calloc(3, sizeof *b->cols);
    bsp_column *id = &b->cols[0], *fp = &b->cols[1], *lb = &b->cols[2];
    id->type = (bsp_type){BSP_T_UINT64, 0};
    id->length = n;
    id->data = malloc(n * 8 + 1);
    id->data_len = n * 8;
    fp->type = (bsp_type){BSP_T_FSL_UINT8, TG_DIM};
    fp->length = n;
    fp->data = malloc(n * TG_DIM + 1);
    fp->data_len = n * TG_DIM;
    lb->type = (bsp_type){BSP_T_UTF8, 0};
    lb->length = n;
    lb->offsets = malloc((n + 1) * 8);
    lb->validity = calloc(n / 8 + 1, 1);
    lb->data = malloc(n * 24 + 1);
    lb->offsets[0] = 0;
    uint64_t pos = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = first + i;
        memcpy(id->data + i * 8, &k, 8);
        tg_fp(k, fp->data + i * TG_DIM);
        if (!tg_label_null(k)) {
            lb->validity[i / 8] |= (uint8_t)(1u << (i % 8));
            pos += (uint64_t)sprintf((char *)lb->data + pos, "row-%llu", (unsigned long long)k);
        }
        lb->offsets[i + 1] = pos;
    }
    lb->data_len = pos;
}

/* Check one scanned row (columns located by name in schema s) against the generator. */
static inline int tg_check_row(const bsp_schema *s, const bsp_batch *b, uint64_t r, uint64_t *id_out)
{
    int idc = bsp_schema_find(s, "id"), fpc = bsp_schema_find(s, "fp"), lbc = bsp_schema_find(s, "label");
    if (idc < 0) return 0;
    uint64_t id;
    memcpy(&id, b->cols[idc].data + r * 8, 8);
    *id_out = id;
    if (fpc >= 0) {
        uint8_t want[TG_DIM];
        tg_fp(id, want);
        if (!bsp_column_is_valid(&b->cols[fpc], r)) return 0;
        if (memcmp(b->cols[fpc].data + r * TG_DIM, want, TG_DIM) != 0) return 0;
    }
    if (lbc >= 0) {
        const bsp_column *c = &b->cols[lbc];
        if (tg_label_null(id) != !bsp_column_is_valid(c, r)) return 0;
        if (!tg_label_null(id)) {
            char want[32];
            int n = sprintf(want, "row-%llu", (unsigned long long)id);
            uint64_t len = c->offsets[r + 1] - c->offsets[r];
            if (len != (uint64_t)n || memcmp(c->data + c->offsets[r], want, (size_t)n) != 0) return 0;
        }
    }
    return 1;
}

static inline int tg_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Scan a version: every row checks out, returns the sorted ids (malloc'd) and count. */
static inline uint64_t *tg_scan_ids(const char *path, uint64_t version, uint64_t *n, int *bad)
{
    bsp_dataset *ds;
    *n = 0;
    *bad = 0;
    if (bsp_dataset_open(path, version, &ds) != 0) {
        fprintf(stderr, "open %s v%llu: %s\n", path, (unsigned long long)version, bsp_errmsg());
        *bad = 1;
        return NULL;
    }
    bsp_scanner *sc;
    bsp_scan_options o = {0};
    o.batch_rows = 333;
    if (bsp_scanner_open(ds, &o, &sc) != 0) {
        *bad = 1;
        bsp_dataset_free(ds);
        return NULL;
    }
    size_t cap = 1024;
    uint64_t *ids = malloc(cap * 8);
    bsp_batch b;
    int rc;
    while ((rc = bsp_scanner_next(sc, &b)) == 1) {
        for (uint64_t r = 0; r < b.nrows; r++) {
            uint64_t id = 0;
            if (!tg_check_row(bsp_scanner_schema(sc), &b, r, &id)) (*bad)++;
            if (*n == cap) ids = realloc(ids, (cap *= 2) * 8);
            ids[(*n)++] = id;
        }
        bsp_batch_free(&b);
    }
    if (rc < 0) {
        fprintf(stderr, "scan %s: %s\n", path, bsp_errmsg());
        (*bad)++;
    }
    if (*n != bsp_dataset_count_rows(ds)) (*bad)++;
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);
    qsort(ids, *n, 8, tg_cmp);
    return ids;
}

#endif
