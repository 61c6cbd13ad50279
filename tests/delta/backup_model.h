/* Test helpers for the backup tests: a table (addr u16, id u64, fingerprint) driven through
 * random versions of creates, modifies and deletes with the public Lance API, next to an
 * in-memory model of every version, and readers that compare a table version to a model.
 *
 * The one idea: the model is the oracle. Each step draws a mix of changes, applies them to
 * the table in one commit (append, update_rows or delete_rows) and to the model, and saves
 * the model as the state of the new version, so "restore(v) equals version v" is a plain
 * comparison of two (addr -> record) maps. */
#ifndef BSP_TESTS_DELTA_BACKUP_MODEL_H
#define BSP_TESTS_DELTA_BACKUP_MODEL_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/backup.h"
#include "bindspace/lance.h"
#include "test.h"

#define BM_ADDRS 1024   /* address space of the test tables (addr 0x8000 + i) */

typedef struct bm_state {
    bool occ[BM_ADDRS];
    uint8_t rec[BM_ADDRS][2048];
} bm_state;

typedef struct bm_model {
    char *path;
    bm_state cur;
    bm_state *ver;   /* ver[v] = state after commit v (ver[0] = empty) */
    size_t nver;
} bm_model;

static inline void bm_schema(bsp_schema *s)
{
    static bsp_field f[3];
    f[0] = (bsp_field){(char *)"addr", {BSP_T_UINT16, 0}, false, -1};
    f[1] = (bsp_field){(char *)"id", {BSP_T_UINT64, 0}, false, -1};
    f[2] = (bsp_field){(char *)"fingerprint", {BSP_T_FSL_UINT8, 2048}, false, -1};
    s->nfields = 3;
    s->fields = f;
}

/* A batch of rows for the given address indices, taking records from st. */
static inline void bm_batch(const bm_state *st, const size_t *idx, size_t n, bsp_batch *b)
{
    b->nrows = n;
    b->ncols = 3;
    b->cols = calloc(3, sizeof *b->cols);
    bsp_column *a = &b->cols[0], *id = &b->cols[1], *fp = &b->cols[2];
    a->type = (bsp_type){BSP_T_UINT16, 0};
    a->length = n;
    a->data = malloc(n * 2 + 1);
    a->data_len = n * 2;
    id->type = (bsp_type){BSP_T_UINT64, 0};
    id->length = n;
    id->data = malloc(n * 8 + 1);
    id->data_len = n * 8;
    fp->type = (bsp_type){BSP_T_FSL_UINT8, 2048};
    fp->length = n;
    fp->data = malloc(n * 2048 + 1);
    fp->data_len = n * 2048;
    for (size_t i = 0; i < n; i++) {
        uint16_t addr = (uint16_t)(0x8000 + idx[i]);
        uint64_t idv = idx[i] * 7 + 1;
        memcpy(a->data + 2 * i, &addr, 2);
        memcpy(id->data + 8 * i, &idv, 8);
        memcpy(fp->data + 2048 * i, st->rec[idx[i]], 2048);
    }
}

static inline void bm_init(bm_model *m, const char *path)
{
    memset(m, 0, sizeof *m);
    m->path = strdup(path);
    m->ver = calloc(1, sizeof *m->ver);
    m->nver = 1;
}

static inline void bm_free(bm_model *m)
{
    free(m->path);
    free(m->ver);
}

/* Row address of every occupied address in the latest version (addr index -> rowaddr). */
static inline int bm_rowaddrs(const char *path, uint64_t *ra)
{
    bsp_dataset *ds;
    int rc = bsp_dataset_open(path, 0, &ds);
    if (rc) return rc;
    const char *cols[1] = {"addr"};
    bsp_scan_options so = {.columns = cols, .ncolumns = 1, .with_row_addr = true};
    bsp_scanner *sc;
    rc = bsp_scanner_open(ds, &so, &sc);
    bsp_batch b;
    while (!rc && (rc = bsp_scanner_next(sc, &b)) == 1) {
        rc = 0;
        for (uint64_t i = 0; i < b.nrows; i++) {
            uint16_t a;
            memcpy(&a, b.cols[0].data + 2 * i, 2);
            memcpy(&ra[a - 0x8000], b.cols[1].data + 8 * i, 8);
        }
        bsp_batch_free(&b);
    }
    if (!rc || rc == 0) bsp_scanner_free(sc);
    bsp_dataset_free(ds);
    return rc < 0 ? rc : 0;
}

static inline void bm_random_rec(test_rng *r, uint8_t *rec)
{
    for (int i = 0; i < 2048; i += 8) {
        uint64_t v = test_rng_next(r);
        memcpy(rec + i, &v, 8);
    }
}

/* Modify 1..max_words random words of a record (so the XOR is non-zero). */
static inline void bm_mutate(test_rng *r, uint8_t *rec, unsigned max_words)
{
    unsigned n = 1 + (unsigned)test_rng_below(r, max_words);
    for (unsigned k = 0; k < n; k++) {
        size_t w = (size_t)test_rng_below(r, 256);
        uint64_t x = test_rng_next(r) | 1;
        uint64_t v;
        memcpy(&v, rec + 8 * w, 8);
        v ^= x;
        memcpy(rec + 8 * w, &v, 8);
    }
}

/* One commit: a random mix of up to `changes` changes. Returns the new version or 0. */
static inline uint64_t bm_step(bm_model *m, test_rng *r, size_t changes)
{
    static uint64_t ra[BM_ADDRS];
    size_t add[BM_ADDRS], del[BM_ADDRS];
    size_t nadd = 0, ndel = 0;
    bool touched[BM_ADDRS] = {0};
    size_t nocc = 0;
    for (size_t i = 0; i < BM_ADDRS; i++) nocc += m->cur.occ[i];
    int mode = nocc == 0 ? 0 : (int)test_rng_below(r, 4); /* 0 append, 1 update mix, 2 delete, 3 mix */
    uint64_t nv = 0;
    int rc;
    if (mode != 0 && bm_rowaddrs(m->path, ra)) return 0;
    for (size_t k = 0; k < changes; k++) {
        size_t i = (size_t)test_rng_below(r, BM_ADDRS);
        if (touched[i]) continue;
        if (mode == 0) {
            if (m->cur.occ[i]) continue;
            m->cur.occ[i] = true;
            bm_random_rec(r, m->cur.rec[i]);
            add[nadd++] = i;
        } else if (mode == 2) {
            if (!m->cur.occ[i]) continue;
            m->cur.occ[i] = false;
            del[ndel++] = i;
        } else {
            if (m->cur.occ[i]) {
                unsigned what = (unsigned)test_rng_below(r, mode == 1 ? 4 : 3);
                del[ndel++] = i; /* old row goes away in both cases */
                if (what == 0) {
                    m->cur.occ[i] = false;          /* delete */
                } else {
                    if (what == 3) { /* rewritten with the same bytes: no entry */
                    } else bm_mutate(r, m->cur.rec[i], 8);
                    add[nadd++] = i;
                }
            } else if (mode == 3) {
                m->cur.occ[i] = true;
                bm_random_rec(r, m->cur.rec[i]);
                add[nadd++] = i;
            }
        }
        touched[i] = true;
    }
    if (nadd + ndel == 0) {
        /* Force an append so every step is a commit. */
        for (size_t i = 0; i < BM_ADDRS && !nadd; i++)
            if (!m->cur.occ[i]) {
                m->cur.occ[i] = true;
                bm_random_rec(r, m->cur.rec[i]);
                add[nadd++] = i;
            }
        if (!nadd) { /* full: delete one */
            m->cur.occ[0] = false;
            del[ndel++] = 0;
            if (bm_rowaddrs(m->path, ra)) return 0;
        }
    }
    bsp_schema s;
    bm_schema(&s);
    bsp_batch b = {0};
    if (nadd) bm_batch(&m->cur, add, nadd, &b);
    uint64_t rows[BM_ADDRS];
    for (size_t k = 0; k < ndel; k++) rows[k] = ra[del[k]];
    if (ndel == 0) {
        bsp_write_options wo = {.mode = BSP_WRITE_APPEND};
        rc = bsp_dataset_write(m->path, &s, &b, &wo, &nv);
    } else if (nadd == 0) {
        rc = bsp_dataset_delete_rows(m->path, rows, ndel, "test", &nv);
    } else {
        rc = bsp_dataset_update_rows(m->path, rows, ndel, &b, &nv);
    }
    if (nadd) bsp_batch_free(&b);
    if (rc) {
        fprintf(stderr, "bm_step: %s\n", bsp_errmsg());
        return 0;
    }
    m->ver = realloc(m->ver, (nv + 1) * sizeof *m->ver);
    for (size_t v = m->nver; v < nv; v++) m->ver[v] = m->ver[m->nver - 1]; /* no gaps expected */
    m->ver[nv] = m->cur;
    m->nver = nv + 1;
    return nv;
}

/* Read a table version (key "addr", fingerprint "fingerprint") and compare it to st.
 * Returns the number of differences (0 = equal). */
static inline size_t bm_compare(const char *path, uint64_t version, const bm_state *st)
{
    bsp_dataset *ds;
    if (bsp_dataset_open(path, version, &ds)) {
        fprintf(stderr, "bm_compare: open %s v%llu: %s\n", path, (unsigned long long)version, bsp_errmsg());
        return 1;
    }
    const char *cols[2] = {"addr", "fingerprint"};
    bsp_scan_options so = {.columns = cols, .ncolumns = 2};
    bsp_scanner *sc;
    size_t diff = 0, seen = 0;
    bool got[BM_ADDRS] = {0};
    if (bsp_scanner_open(ds, &so, &sc)) {
        bsp_dataset_free(ds);
        return 1;
    }
    bsp_batch b;
    int rc;
    while ((rc = bsp_scanner_next(sc, &b)) == 1) {
        for (uint64_t i = 0; i < b.nrows; i++) {
            uint16_t a;
            memcpy(&a, b.cols[0].data + 2 * i, 2);
            size_t k = (size_t)(a - 0x8000);
            if (a < 0x8000 || k >= BM_ADDRS || !st->occ[k] || got[k] ||
                memcmp(b.cols[1].data + 2048 * i, st->rec[k], 2048) != 0)
                diff++;
            else
                got[k] = true;
            seen++;
        }
        bsp_batch_free(&b);
    }
    if (rc < 0) diff++;
    for (size_t k = 0; k < BM_ADDRS; k++)
        if (st->occ[k] && !got[k]) diff++;
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);
    (void)seen;
    return diff;
}

#endif
