/* Table operations end to end: create, append, scan (projection, limit, _rowaddr), take,
 * add/drop column, overwrite, delete, update, compaction, time travel over every version,
 * unsupported formats/flags, and conflict detection on stale commits. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "bindspace/lance.h"
#include "io/io.h"
#include "lance/commit.h"
#include "lance/dataset.h"
#include "lance/manifest.h"
#include "tablegen.h"
#include "test.h"

static char *table_path(const char *tag)
{
    char *d = test_tmpdir(tag);
    char *p = malloc(strlen(d) + 16);
    sprintf(p, "%s/t.lance", d);
    free(d);
    return p;
}

static void rm_table(char *p)
{
    char *slash = strrchr(p, '/');
    *slash = 0;
    test_rmtree(p);
    free(p);
}

static int ids_are(const uint64_t *ids, uint64_t n, uint64_t lo, uint64_t hi)
{
    if (n != hi - lo) return 0;
    for (uint64_t i = 0; i < n; i++)
        if (ids[i] != lo + i) return 0;
    return 1;
}

static uint64_t create(const char *path, uint64_t first, uint64_t n, uint64_t per_file, bool v1)
{
    bsp_schema s;
    tg_schema(&s);
    bsp_batch b;
    tg_batch(first, n, &b);
    bsp_write_options o = {BSP_WRITE_CREATE, per_file, v1, NULL};
    uint64_t v = 0;
    CHECK_OK(bsp_dataset_write(path, &s, &b, &o, &v));
    bsp_batch_free(&b);
    return v;
}

static uint64_t append(const char *path, uint64_t first, uint64_t n)
{
    bsp_schema s;
    tg_schema(&s);
    bsp_batch b;
    tg_batch(first, n, &b);
    bsp_write_options o = {BSP_WRITE_APPEND, 0, false, NULL};
    uint64_t v = 0;
    CHECK_OK(bsp_dataset_write(path, &s, &b, &o, &v));
    bsp_batch_free(&b);
    return v;
}

static void test_create_scan(void)
{
    char *p = table_path("create");
    CHECK_EQ_U(create(p, 0, 1000, 300, false), 1);
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    CHECK_EQ_U(bsp_dataset_version(ds), 1);
    CHECK_EQ_U(bsp_dataset_count_rows(ds), 1000);
    CHECK_STR(bsp_dataset_format(ds), "2.0");
    CHECK_EQ_U(bsp_dataset_fragment_count(ds), 4);
    const bsp_schema *s = bsp_dataset_schema(ds);
    CHECK_EQ_U(s->nfields, 3);
    CHECK_STR(s->fields[1].name, "fp");
    CHECK_EQ_U(s->fields[1].type.id, BSP_T_FSL_UINT8);
    CHECK_EQ_U(s->fields[1].type.dim, 2048);
    CHECK_EQ_U(s->fields[2].id, 2);
    CHECK(s->fields[2].nullable && !s->fields[0].nullable);
    bsp_fragment_info fi;
    CHECK_OK(bsp_dataset_fragment(ds, 3, &fi));
    CHECK_EQ_U(fi.id, 3);
    CHECK_EQ_U(fi.physical_rows, 100);
    CHECK_ERR(bsp_dataset_fragment(ds, 4, &fi), BSP_ERANGE, NULL);

    /* Projection + limit + row addresses. */
    const char *cols[] = {"label", "id"};
    bsp_scan_options o = {cols, 2, 450, 128, true};
    bsp_scanner *sc;
    CHECK_OK(bsp_scanner_open(ds, &o, &sc));
    const bsp_schema *os = bsp_scanner_schema(sc);
    CHECK_EQ_U(os->nfields, 3);
    CHECK_STR(os->fields[0].name, "label");
    CHECK_STR(os->fields[2].name, "_rowaddr");
    bsp_batch b;
    uint64_t seen = 0;
    int bad = 0;
    while (bsp_scanner_next(sc, &b) == 1) {
        CHECK(b.nrows <= 128);
        for (uint64_t r = 0; r < b.nrows; r++, seen++) {
            uint64_t id, addr;
            if (!tg_check_row(os, &b, r, &id)) bad++;
            memcpy(&addr, b.cols[2].data + r * 8, 8);
            if (id != seen || addr != BSP_ROW_ADDR(seen / 300, seen % 300)) bad++;
        }
        bsp_batch_free(&b);
    }
    CHECK_EQ_U(seen, 450);
    CHECK_EQ_U(bad, 0);
    bsp_scanner_free(sc);
    const char *nope[] = {"nope"};
    bsp_scan_options o2 = {nope, 1, 0, 0, false};
    CHECK_ERR(bsp_scanner_open(ds, &o2, &sc), BSP_ENOTFOUND, "nope");

    /* Take in arbitrary order. */
    uint64_t addrs[] = {BSP_ROW_ADDR(3, 99), BSP_ROW_ADDR(0, 0), BSP_ROW_ADDR(1, 17)};
    CHECK_OK(bsp_dataset_take(ds, addrs, 3, NULL, &b));
    CHECK_EQ_U(b.nrows, 3);
    uint64_t want[] = {999, 0, 317};
    for (int i = 0; i < 3; i++) {
        uint64_t id = 0;
        CHECK(tg_check_row(s, &b, (uint64_t)i, &id));
        CHECK_EQ_U(id, want[i]);
    }
    bsp_batch_free(&b);
    uint64_t missing = BSP_ROW_ADDR(3, 100);
    CHECK_ERR(bsp_dataset_take(ds, &missing, 1, NULL, &b), BSP_ENOTFOUND, "past the end");
    missing = BSP_ROW_ADDR(9, 0);
    CHECK_ERR(bsp_dataset_take(ds, &missing, 1, NULL, &b), BSP_ENOTFOUND, "no fragment 9");
    bsp_dataset_free(ds);

    /* CREATE on an existing table is refused; the default naming is V2. */
    bsp_schema sch;
    tg_schema(&sch);
    bsp_batch b2;
    tg_batch(0, 1, &b2);
    bsp_write_options co = {BSP_WRITE_CREATE, 0, false, NULL};
    CHECK_ERR(bsp_dataset_write(p, &sch, &b2, &co, NULL), BSP_EEXIST, "exists");
    bsp_batch_free(&b2);
    char vp[600];
    snprintf(vp, sizeof vp, "%s/_versions/18446744073709551614.manifest", p);
    CHECK(io_exists(vp));
    snprintf(vp, sizeof vp, "%s/_transactions", p);
    char **names;
    size_t nn;
    CHECK_OK(io_list_dir(vp, &names, &nn));
    CHECK_EQ_U(nn, 1);
    if (nn) CHECK(!strncmp(names[0], "0-", 2) && strstr(names[0], ".txn"));
    io_list_free(names, nn);
    rm_table(p);
}

static void test_append_time_travel(void)
{
    char *p = table_path("append");
    CHECK_EQ_U(create(p, 0, 500, 0, true), 1);
    CHECK_EQ_U(append(p, 500, 250), 2);
    CHECK_EQ_U(append(p, 750, 1), 3);
    uint64_t n;
    int bad;
    uint64_t *ids = tg_scan_ids(p, 1, &n, &bad);
    CHECK(ids_are(ids, n, 0, 500) && !bad);
    free(ids);
    ids = tg_scan_ids(p, 2, &n, &bad);
    CHECK(ids_are(ids, n, 0, 750) && !bad);
    free(ids);
    ids = tg_scan_ids(p, 0, &n, &bad);
    CHECK(ids_are(ids, n, 0, 751) && !bad);
    free(ids);
    /* V1 naming was kept for every version. */
    char vp[600];
    snprintf(vp, sizeof vp, "%s/_versions/3.manifest", p);
    CHECK(io_exists(vp));
    bsp_version_info *vi;
    size_t nv;
    CHECK_OK(bsp_dataset_versions(p, &vi, &nv));
    CHECK_EQ_U(nv, 3);
    if (nv == 3) {
        CHECK_STR(vi[0].operation, "Overwrite");
        CHECK_STR(vi[1].operation, "Append");
        CHECK_EQ_U(vi[1].rows, 750);
        CHECK_EQ_U(vi[2].version, 3);
        CHECK(vi[2].timestamp > 1700000000);
    }
    free(vi);
    /* Mismatched schema on append. */
    bsp_field f[1] = {{(char *)"id", {BSP_T_INT64, 0}, false, -1}};
    bsp_schema s = {1, f};
    bsp_batch b = {0};
    b.ncols = 1;
    b.cols = calloc(1, sizeof *b.cols);
    b.cols[0].type = f[0].type;
    b.cols[0].data = malloc(1);
    bsp_write_options o = {BSP_WRITE_APPEND, 0, false, NULL};
    CHECK_ERR(bsp_dataset_write(p, &s, &b, &o, NULL), BSP_EINVAL, "columns");
    bsp_batch_free(&b);
    bsp_dataset *ds;
    CHECK_ERR(bsp_dataset_open(p, 4, &ds), BSP_ENOTFOUND, "no version 4");
    rm_table(p);
}

static void test_delete_update(void)
{
    char *p = table_path("delete");
    create(p, 0, 600, 200, false); /* fragments 0,1,2 of 200 rows */
    uint64_t v = 0;
    uint64_t del[] = {BSP_ROW_ADDR(0, 5), BSP_ROW_ADDR(2, 199), BSP_ROW_ADDR(0, 6)};
    CHECK_OK(bsp_dataset_delete_rows(p, del, 3, "id in (5,6,599)", &v));
    CHECK_EQ_U(v, 2);
    uint64_t deleted = 0;
    CHECK_OK(bsp_dataset_delete_range(p, "id", 200, 399, &deleted, &v)); /* all of fragment 1 */
    CHECK_EQ_U(deleted, 200);
    CHECK_EQ_U(v, 3);
    CHECK_OK(bsp_dataset_delete_range(p, "id", 5, 10, &deleted, &v)); /* 5,6 already gone */
    CHECK_EQ_U(deleted, 4);
    CHECK_EQ_U(v, 4);
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    CHECK_EQ_U(bsp_dataset_fragment_count(ds), 2);
    CHECK_EQ_U(bsp_dataset_count_rows(ds), 600 - 200 - 7);
    bsp_fragment_info fi;
    CHECK_OK(bsp_dataset_fragment(ds, 0, &fi));
    CHECK_EQ_U(fi.deleted_rows, 6);
    uint64_t gone = BSP_ROW_ADDR(0, 5);
    bsp_batch b;
    CHECK_ERR(bsp_dataset_take(ds, &gone, 1, NULL, &b), BSP_ENOTFOUND, "deleted");
    bsp_dataset_free(ds);
    uint64_t n;
    int bad;
    uint64_t *ids = tg_scan_ids(p, 0, &n, &bad);
    CHECK_EQ_U(n, 393);
    CHECK_EQ_U(bad, 0);
    bool ok = true;
    for (uint64_t i = 0; i < n; i++)
        ok &= !(ids[i] >= 5 && ids[i] <= 10) && !(ids[i] >= 200 && ids[i] < 400) && ids[i] != 599;
    CHECK(ok);
    free(ids);
    ids = tg_scan_ids(p, 2, &n, &bad); /* time travel: before the range deletes */
    CHECK_EQ_U(n, 597);
    free(ids);

    /* Update: rows 0..2 of fragment 2 replaced by ids 1000..1002 in a new fragment. */
    uint64_t up[] = {BSP_ROW_ADDR(2, 0), BSP_ROW_ADDR(2, 1), BSP_ROW_ADDR(2, 2)};
    bsp_batch nb;
    tg_batch(1000, 3, &nb);
    CHECK_OK(bsp_dataset_update_rows(p, up, 3, &nb, &v));
    bsp_batch_free(&nb);
    CHECK_EQ_U(v, 5);
    ids = tg_scan_ids(p, 0, &n, &bad);
    CHECK_EQ_U(n, 393);
    CHECK_EQ_U(bad, 0);
    CHECK(n > 3 && ids[n - 1] == 1002 && ids[n - 3] == 1000);
    ok = true;
    for (uint64_t i = 0; i < n; i++) ok &= ids[i] != 400 && ids[i] != 401 && ids[i] != 402;
    CHECK(ok);
    free(ids);
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    CHECK_EQ_U(bsp_dataset_fragment_count(ds), 3);
    CHECK_OK(bsp_dataset_fragment(ds, 2, &fi));
    CHECK_EQ_U(fi.id, 3); /* new id, never reused */
    bsp_dataset_free(ds);
    bsp_version_info *vi;
    size_t nv;
    CHECK_OK(bsp_dataset_versions(p, &vi, &nv));
    CHECK(nv == 5 && !strcmp(vi[1].operation, "Delete") && !strcmp(vi[4].operation, "Update"));
    free(vi);
    uint64_t bogus = BSP_ROW_ADDR(0, 200);
    CHECK_ERR(bsp_dataset_delete_rows(p, &bogus, 1, NULL, NULL), BSP_ENOTFOUND, "200 rows");
    rm_table(p);
}

typedef struct fp_acc { uint64_t rows, live, calls; int bad; } fp_acc;

static int fp_cb(void *ctx, uint64_t frag, uint64_t first, uint64_t nrows, const uint8_t *bytes,
                 const uint8_t *live)
{
    fp_acc *a = ctx;
    a->calls++;
    for (uint64_t j = 0; j < nrows; j++) {
        bool alive = !live || ((live[j >> 3] >> (j & 7)) & 1);
        uint64_t id = frag * 100 + first + j;
        uint8_t want[TG_DIM];
        tg_fp(id, want);
        if (memcmp(bytes + j * TG_DIM, want, TG_DIM)) a->bad++;
        if (alive != (id % 10 != 0)) a->bad++;
        a->live += alive;
    }
    a->rows += nrows;
    return 0;
}

static void test_scan_fp(void)
{
    char *p = table_path("scanfp");
    create(p, 0, 300, 100, false);
    uint64_t del[30];
    for (int i = 0; i < 30; i++) del[i] = BSP_ROW_ADDR(i / 10, (i % 10) * 10);
    CHECK_OK(bsp_dataset_delete_rows(p, del, 30, NULL, NULL));
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    fp_acc a = {0};
    for (size_t i = 0; i < bsp_dataset_fragment_count(ds); i++)
        CHECK_OK(bsp_dataset_scan_fp(ds, i, "fp", fp_cb, &a));
    CHECK_EQ_U(a.rows, 300);
    CHECK_EQ_U(a.live, 270);
    CHECK_EQ_U(a.bad, 0);
    CHECK_ERR(bsp_dataset_scan_fp(ds, 0, "label", fp_cb, &a), BSP_EINVAL, "fingerprint");
    CHECK_ERR(bsp_dataset_scan_fp(ds, 9, "fp", fp_cb, &a), BSP_ERANGE, NULL);
    bsp_dataset_free(ds);
    rm_table(p);
}

/* bsp_dataset_map_fp: the mapped rows equal the scanned ones; writing them changes nothing on
 * disk; a fragment with deletions is not offered. */
static void test_map_fp(void)
{
    char *p = table_path("mapfp");
    create(p, 0, 300, 100, false);
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    for (size_t f = 0; f < bsp_dataset_fragment_count(ds); f++) {
        bsp_fp_map m;
        CHECK_OK(bsp_dataset_map_fp(ds, f, "fp", &m));
        CHECK_EQ_U(m.nrows, 100);
        int bad = 0;
        for (uint64_t r = 0; r < m.nrows; r++) {
            uint8_t want[TG_DIM];
            tg_fp(f * 100 + r, want);
            if (memcmp(m.rows + r * TG_DIM, want, TG_DIM)) bad++;
        }
        CHECK_EQ_U(bad, 0);
        memset(m.rows, 0xAB, 3 * TG_DIM); /* private: the file keeps its bytes */
        bsp_fp_map_free(&m);
        CHECK(m.base == NULL);
        CHECK_OK(bsp_dataset_map_fp(ds, f, "fp", &m));
        uint8_t want[TG_DIM];
        tg_fp(f * 100, want);
        CHECK(memcmp(m.rows, want, TG_DIM) == 0);
        bsp_fp_map_free(&m);
    }
    bsp_dataset_free(ds);
    uint64_t del = BSP_ROW_ADDR(1, 0);
    CHECK_OK(bsp_dataset_delete_rows(p, &del, 1, NULL, NULL));
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    bsp_fp_map m;
    CHECK_ERR(bsp_dataset_map_fp(ds, 1, "fp", &m), BSP_EUNSUPPORTED, "not stored whole");
    CHECK(m.base == NULL);
    CHECK_OK(bsp_dataset_map_fp(ds, 2, "fp", &m));
    bsp_fp_map_free(&m);
    CHECK_ERR(bsp_dataset_map_fp(ds, 0, "label", &m), BSP_EINVAL, "fingerprint");
    CHECK_ERR(bsp_dataset_map_fp(ds, 9, "fp", &m), BSP_ERANGE, NULL);
    bsp_dataset_free(ds);
    rm_table(p);
}

static void test_columns(void)
{
    char *p = table_path("columns");
    create(p, 0, 250, 100, false);
    bsp_field f = {(char *)"score", {BSP_T_FLOAT32, 0}, true, -1};
    bsp_column c = {0};
    c.type = f.type;
    c.length = 250;
    c.data = malloc(250 * 4);
    c.data_len = 1000;
    c.validity = calloc(32, 1);
    for (int i = 0; i < 250; i++) {
        float v = (float)i * 0.5f;
        memcpy(c.data + i * 4, &v, 4);
        if (i % 5) c.validity[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    uint64_t v = 0;
    CHECK_OK(bsp_dataset_add_column(p, &f, &c, &v));
    CHECK_EQ_U(v, 2);
    CHECK_ERR(bsp_dataset_add_column(p, &f, &c, NULL), BSP_EEXIST, "score");
    c.length = 10;
    bsp_field g = {(char *)"other", {BSP_T_FLOAT32, 0}, true, -1};
    CHECK_ERR(bsp_dataset_add_column(p, &g, &c, NULL), BSP_EINVAL, "250 values");
    bsp_column_free(&c);
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    const bsp_schema *s = bsp_dataset_schema(ds);
    CHECK_EQ_U(s->nfields, 4);
    CHECK_STR(s->fields[3].name, "score");
    CHECK_EQ_U(s->fields[3].id, 3);
    bsp_fragment_info fi;
    CHECK_OK(bsp_dataset_fragment(ds, 1, &fi));
    CHECK_EQ_U(fi.nfiles, 2);
    const char *cols[] = {"score", "id"};
    bsp_scan_options o = {cols, 2, 0, 0, false};
    bsp_scanner *sc;
    CHECK_OK(bsp_scanner_open(ds, &o, &sc));
    bsp_batch b;
    int bad = 0;
    uint64_t seen = 0;
    while (bsp_scanner_next(sc, &b) == 1) {
        for (uint64_t r = 0; r < b.nrows; r++, seen++) {
            uint64_t id;
            float sc_v;
            memcpy(&id, b.cols[1].data + r * 8, 8);
            memcpy(&sc_v, b.cols[0].data + r * 4, 4);
            bool valid = bsp_column_is_valid(&b.cols[0], r);
            if (valid != (id % 5 != 0) || (valid && sc_v != (float)id * 0.5f)) bad++;
        }
        bsp_batch_free(&b);
    }
    CHECK_EQ_U(seen, 250);
    CHECK_EQ_U(bad, 0);
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);

    /* Drop a column: schema only; older versions keep it. */
    const char *drop[] = {"label"};
    CHECK_OK(bsp_dataset_drop_columns(p, drop, 1, &v));
    CHECK_EQ_U(v, 3);
    const char *bogus[] = {"nope"};
    CHECK_ERR(bsp_dataset_drop_columns(p, bogus, 1, NULL), BSP_ENOTFOUND, "nope");
    const char *all[] = {"id", "fp", "score"};
    CHECK_ERR(bsp_dataset_drop_columns(p, all, 3, NULL), BSP_EINVAL, "every column");
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    CHECK_EQ_U(bsp_dataset_schema(ds)->nfields, 3);
    CHECK(bsp_schema_find(bsp_dataset_schema(ds), "label") < 0);
    bsp_dataset_free(ds);
    uint64_t n;
    int badr;
    uint64_t *ids = tg_scan_ids(p, 0, &n, &badr);
    CHECK(ids_are(ids, n, 0, 250) && !badr);
    free(ids);
    ids = tg_scan_ids(p, 1, &n, &badr);
    CHECK(ids_are(ids, n, 0, 250) && !badr);
    free(ids);
    CHECK_OK(bsp_dataset_open(p, 2, &ds));
    CHECK_EQ_U(bsp_dataset_schema(ds)->nfields, 4);
    bsp_dataset_free(ds);
    /* A new column after a dropped one gets a fresh id (max over schema and files + 1). */
    bsp_field h = {(char *)"label", {BSP_T_INT32, 0}, true, -1};
    bsp_column hc = {0};
    hc.type = h.type;
    hc.length = 250;
    hc.data = calloc(250, 4);
    hc.data_len = 1000;
    CHECK_OK(bsp_dataset_add_column(p, &h, &hc, &v));
    bsp_column_free(&hc);
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    CHECK_EQ_U(bsp_dataset_schema(ds)->fields[3].id, 4);
    bsp_dataset_free(ds);
    rm_table(p);
}

/* Commit a hand-edited copy of the latest manifest as the next version. */
static void commit_edited(const char *p, void (*edit)(Lance__Table__Manifest *))
{
    manifest_file mf;
    CHECK_OK(manifest_read(p, 0, &mf));
    Lance__Table__Manifest *m = manifest_pb_dup(mf.m);
    m->version = mf.version + 1;
    edit(m);
    uint8_t *buf;
    size_t len;
    CHECK_OK(manifest_encode(m, mf.index, NULL, &buf, &len));
    char name[40], path[600];
    manifest_name(m->version, mf.naming, name, sizeof name);
    snprintf(path, sizeof path, "%s/_versions/%s", p, name);
    CHECK_OK(io_write_new(path, buf, len));
    free(buf);
    lance__table__manifest__free_unpacked(m, NULL);
    manifest_file_free(&mf);
}

static void drop_second_file(Lance__Table__Manifest *m)
{
    Lance__Table__DataFragment *f = m->fragments[0];
    protobuf_c_message_free_unpacked(&f->files[1]->base, NULL);
    f->n_files = 1;
}
static void set_flag64(Lance__Table__Manifest *m)
{
    m->has_reader_feature_flags = 1;
    m->reader_feature_flags = 64;
}
static void set_format21(Lance__Table__Manifest *m)
{
    m->reader_feature_flags = 0;
    free(m->data_format->version);
    m->data_format->version = strdup("2.1");
}
static void set_wflag256(Lance__Table__Manifest *m)
{
    free(m->data_format->version);
    m->data_format->version = strdup("2.0");
    m->has_writer_feature_flags = 1;
    m->writer_feature_flags = 256;
}

static void add_struct_field(Lance__Table__Manifest *m)
{
    bsp_field sf = {(char *)"meta", {BSP_T_INT32, 0}, true, -1};
    Lance__File__Field *parent = dataset_field_new(&sf, 10);
    Lance__File__Field *child = dataset_field_new(&sf, 11);
    free(parent->logical_type);
    parent->logical_type = strdup("struct");
    free(child->name);
    child->name = strdup("x");
    child->parent_id = 10;
    m->fields = realloc(m->fields, (m->n_fields + 2) * sizeof *m->fields);
    m->fields[m->n_fields++] = parent;
    m->fields[m->n_fields++] = child;
}

static void test_hidden_columns(void)
{
    char *p = table_path("hidden");
    create(p, 0, 30, 0, false);
    commit_edited(p, add_struct_field);
    uint64_t n;
    int bad;
    uint64_t *ids = tg_scan_ids(p, 0, &n, &bad);
    CHECK(ids_are(ids, n, 0, 30) && !bad);
    free(ids);
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    CHECK_EQ_U(bsp_dataset_schema(ds)->nfields, 3);
    bsp_dataset_free(ds);
    CHECK_ERR(bsp_dataset_delete_rows(p, (uint64_t[]){1}, 1, NULL, NULL), BSP_EUNSUPPORTED,
              "column meta");
    rm_table(p);
}

static void test_missing_field_and_unsupported(void)
{
    char *p = table_path("unsup");
    create(p, 0, 40, 20, false);
    bsp_field f = {(char *)"x", {BSP_T_INT64, 0}, true, -1};
    bsp_column c = {0};
    c.type = f.type;
    c.length = 40;
    c.data = malloc(320);
    c.data_len = 320;
    for (int64_t i = 0; i < 40; i++) memcpy(c.data + i * 8, &i, 8);
    CHECK_OK(bsp_dataset_add_column(p, &f, &c, NULL));
    bsp_column_free(&c);
    commit_edited(p, drop_second_file); /* v3: fragment 0 has no data for x */
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(p, 3, &ds));
    const char *cols[] = {"x"};
    bsp_scan_options o = {cols, 1, 0, 0, false};
    bsp_scanner *sc;
    CHECK_OK(bsp_scanner_open(ds, &o, &sc));
    bsp_batch b;
    uint64_t row = 0;
    int bad = 0;
    while (bsp_scanner_next(sc, &b) == 1) {
        for (uint64_t r = 0; r < b.nrows; r++, row++) {
            int64_t v;
            memcpy(&v, b.cols[0].data + r * 8, 8);
            bool valid = bsp_column_is_valid(&b.cols[0], r);
            if (row < 20 ? valid : (!valid || v != (int64_t)row)) bad++;
        }
        bsp_batch_free(&b);
    }
    CHECK_EQ_U(row, 40);
    CHECK_EQ_U(bad, 0);
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);

    commit_edited(p, set_flag64); /* v4 */
    CHECK_ERR(bsp_dataset_open(p, 0, &ds), BSP_EUNSUPPORTED, "feature flag 64");
    CHECK_ERR(bsp_dataset_delete_rows(p, (uint64_t[]){1}, 1, NULL, NULL), BSP_EUNSUPPORTED, "64");
    commit_edited(p, set_format21); /* v5 */
    CHECK_ERR(bsp_dataset_open(p, 0, &ds), BSP_EUNSUPPORTED, "2.1");
    commit_edited(p, set_wflag256); /* v6: readable, not writable */
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    bsp_dataset_free(ds);
    CHECK_ERR(bsp_dataset_delete_rows(p, (uint64_t[]){1}, 1, NULL, NULL), BSP_EUNSUPPORTED,
              "writer feature flag 256");
    /* Older versions stay readable. */
    CHECK_OK(bsp_dataset_open(p, 2, &ds));
    bsp_dataset_free(ds);
    rm_table(p);
}

static void test_overwrite(void)
{
    char *p = table_path("overwrite");
    create(p, 0, 100, 0, false);
    append(p, 100, 100);
    bsp_field f[1] = {{(char *)"n", {BSP_T_INT32, 0}, false, -1}};
    bsp_schema s = {1, f};
    bsp_batch b = {0};
    b.nrows = 3;
    b.ncols = 1;
    b.cols = calloc(1, sizeof *b.cols);
    b.cols[0].type = f[0].type;
    b.cols[0].length = 3;
    b.cols[0].data = malloc(12);
    b.cols[0].data_len = 12;
    int32_t vals[] = {7, -8, 9};
    memcpy(b.cols[0].data, vals, 12);
    bsp_write_options o = {BSP_WRITE_OVERWRITE, 0, false, NULL};
    uint64_t v = 0;
    CHECK_OK(bsp_dataset_write(p, &s, &b, &o, &v));
    CHECK_EQ_U(v, 3);
    bsp_batch_free(&b);
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    CHECK_EQ_U(bsp_dataset_count_rows(ds), 3);
    CHECK_EQ_U(bsp_dataset_schema(ds)->nfields, 1);
    bsp_fragment_info fi;
    CHECK_OK(bsp_dataset_fragment(ds, 0, &fi));
    CHECK_EQ_U(fi.id, 2); /* ids continue after the overwritten fragments */
    bsp_scanner *sc;
    CHECK_OK(bsp_scanner_open(ds, NULL, &sc));
    CHECK(bsp_scanner_next(sc, &b) == 1);
    CHECK(b.nrows == 3 && !memcmp(b.cols[0].data, vals, 12));
    bsp_batch_free(&b);
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);
    uint64_t n;
    int bad;
    uint64_t *ids = tg_scan_ids(p, 2, &n, &bad);
    CHECK(ids_are(ids, n, 0, 200) && !bad);
    free(ids);
    rm_table(p);
}

static void test_compact(void)
{
    char *p = table_path("compact");
    create(p, 0, 100, 0, false);
    for (int i = 1; i < 6; i++) append(p, (uint64_t)i * 100, 100); /* 6 fragments */
    uint64_t del[50];
    for (int i = 0; i < 50; i++) del[i] = BSP_ROW_ADDR(5, i * 2); /* half of the last */
    CHECK_OK(bsp_dataset_delete_rows(p, del, 50, NULL, NULL));
    uint64_t calls = 0;
    bsp_compact_options co = {250, 0, NULL};
    (void)calls;
    uint64_t v = 0;
    CHECK_OK(bsp_dataset_compact(p, &co, &v));
    CHECK_EQ_U(v, 8);
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    CHECK_EQ_U(bsp_dataset_count_rows(ds), 550);
    size_t nf = bsp_dataset_fragment_count(ds);
    bool fresh = true, nodel = true;
    for (size_t i = 0; i < nf; i++) {
        bsp_fragment_info fi;
        bsp_dataset_fragment(ds, i, &fi);
        fresh &= fi.id >= 6;
        nodel &= fi.deleted_rows == 0;
    }
    CHECK(fresh && nodel);
    CHECK(nf < 6);
    bsp_dataset_free(ds);
    uint64_t n;
    int bad;
    uint64_t *ids = tg_scan_ids(p, 0, &n, &bad);
    CHECK_EQ_U(n, 550);
    CHECK_EQ_U(bad, 0);
    free(ids);
    ids = tg_scan_ids(p, 7, &n, &bad);
    CHECK_EQ_U(n, 550);
    free(ids);
    ids = tg_scan_ids(p, 6, &n, &bad);
    CHECK(ids_are(ids, n, 0, 600) && !bad);
    free(ids);
    bsp_version_info *vi;
    size_t nv;
    CHECK_OK(bsp_dataset_versions(p, &vi, &nv));
    CHECK(nv == 8 && !strcmp(vi[7].operation, "Rewrite"));
    free(vi);
    /* Nothing left to do: no new version. */
    CHECK_OK(bsp_dataset_compact(p, &co, &v));
    CHECK_EQ_U(v, 8);
    rm_table(p);
}

/* Commits built on a stale version: rebased when compatible, refused when not. */
static void test_stale_commits(void)
{
    char *p = table_path("stale");
    create(p, 0, 200, 100, false);   /* v1: fragments 0,1 */
    bsp_dataset *v1;
    CHECK_OK(bsp_dataset_open(p, 1, &v1));
    uint64_t d1[] = {BSP_ROW_ADDR(0, 1), BSP_ROW_ADDR(0, 2)};
    CHECK_OK(bsp_dataset_delete_rows(p, d1, 2, NULL, NULL)); /* v2 */
    append(p, 200, 10);                                      /* v3 */

    /* Stale delete on fragment 0 (read v1): must merge with v2's deletion vector. */
    commit_op op = {0};
    op.kind = COMMIT_DELETE;
    op.n_dels = 1;
    op.dels = calloc(1, sizeof *op.dels);
    op.dels[0].fragment_id = 0;
    op.dels[0].rows = roaring_bitmap_from_range(10, 13, 1);
    uint64_t v = 0;
    CHECK_OK(commit_run(p, &v1->mf, MANIFEST_NAMING_NONE, &op, &v));
    commit_op_free(&op);
    CHECK_EQ_U(v, 4);
    uint64_t n;
    int bad;
    uint64_t *ids = tg_scan_ids(p, 0, &n, &bad);
    CHECK_EQ_U(n, 210 - 5);
    CHECK_EQ_U(bad, 0);
    bool ok = true;
    for (uint64_t i = 0; i < n; i++) ok &= ids[i] != 1 && ids[i] != 2 && !(ids[i] >= 10 && ids[i] < 13);
    CHECK(ok);
    free(ids);
    manifest_file mf;
    CHECK_OK(manifest_read(p, 4, &mf));
    CHECK_EQ_U(mf.txn->read_version, 1);
    CHECK(mf.m->transaction_file && !strncmp(mf.m->transaction_file, "1-", 2));
    manifest_file_free(&mf);

    /* Stale append: fine after deletes and appends. */
    op.kind = COMMIT_APPEND;
    bsp_batch b;
    tg_batch(500, 5, &b);
    bsp_schema ws;
    bsp_schema_copy(&ws, bsp_dataset_schema(v1));
    CHECK_OK(dataset_write_fragments(p, &ws, &b, 0, NULL, &op.new_frags, &op.n_new));
    bsp_batch_free(&b);
    CHECK_OK(commit_run(p, &v1->mf, MANIFEST_NAMING_NONE, &op, &v));
    CHECK_EQ_U(v, 5);
    commit_op_free(&op);

    /* Compaction removes fragments 0 and 1 (v6); a stale delete on 1 then conflicts. */
    bsp_compact_options co = {1000, 0, NULL};
    CHECK_OK(bsp_dataset_compact(p, &co, &v));
    CHECK_EQ_U(v, 6);
    op.kind = COMMIT_DELETE;
    op.n_dels = 1;
    op.dels = calloc(1, sizeof *op.dels);
    op.dels[0].fragment_id = 1;
    op.dels[0].rows = roaring_bitmap_from_range(0, 1, 1);
    CHECK_ERR(commit_run(p, &v1->mf, MANIFEST_NAMING_NONE, &op, &v), BSP_ECONFLICT, "Rewrite");
    commit_op_free(&op);

    /* Stale append after an overwrite conflicts; a stale add-column after an append too. */
    bsp_dataset *v6;
    CHECK_OK(bsp_dataset_open(p, 6, &v6));
    bsp_batch ob;
    tg_batch(0, 3, &ob);
    bsp_schema os;
    tg_schema(&os);
    bsp_write_options wo = {BSP_WRITE_OVERWRITE, 0, false, NULL};
    CHECK_OK(bsp_dataset_write(p, &os, &ob, &wo, &v)); /* v7 */
    bsp_batch_free(&ob);
    op.kind = COMMIT_APPEND;
    tg_batch(900, 2, &b);
    CHECK_OK(dataset_write_fragments(p, &ws, &b, 0, NULL, &op.new_frags, &op.n_new));
    bsp_batch_free(&b);
    CHECK_ERR(commit_run(p, &v6->mf, MANIFEST_NAMING_NONE, &op, &v), BSP_ECONFLICT, "Overwrite");
    commit_op_free(&op);
    bsp_dataset_free(v6);
    bsp_schema_free(&ws);
    ids = tg_scan_ids(p, 0, &n, &bad);
    CHECK(ids_are(ids, n, 0, 3) && !bad);
    free(ids);
    bsp_dataset_free(v1);
    rm_table(p);
}

/* Unknown fields (manifest, fragment, index metadata) and the index section survive our
 * commits; compaction removes rewritten fragment ids from the index's fragment bitmap. */
static void inject_unknowns(Lance__Table__Manifest *m)
{
    static const uint8_t unk_m[] = {0x98, 0x06, 0x2A}; /* field 99 = 42 */
    static const uint8_t unk_f[] = {0x5A, 0x03, 'o', 'v', 'l'}; /* fragment field 11 */
    Lance__Table__Manifest *tmp;
    size_t n = lance__table__manifest__get_packed_size(m);
    uint8_t *b = malloc(n + sizeof unk_m);
    lance__table__manifest__pack(m, b);
    memcpy(b + n, unk_m, sizeof unk_m);
    tmp = lance__table__manifest__unpack(NULL, n + sizeof unk_m, b);
    free(b);
    /* Move tmp's unknown field into m. */
    m->base.n_unknown_fields = tmp->base.n_unknown_fields;
    m->base.unknown_fields = tmp->base.unknown_fields;
    tmp->base.n_unknown_fields = 0;
    tmp->base.unknown_fields = NULL;
    lance__table__manifest__free_unpacked(tmp, NULL);
    Lance__Table__DataFragment *f = m->fragments[0];
    n = lance__table__data_fragment__get_packed_size(f);
    b = malloc(n + sizeof unk_f);
    lance__table__data_fragment__pack(f, b);
    memcpy(b + n, unk_f, sizeof unk_f);
    m->fragments[0] = lance__table__data_fragment__unpack(NULL, n + sizeof unk_f, b);
    free(b);
    lance__table__data_fragment__free_unpacked(f, NULL);
}

static void commit_with_index(const char *p)
{
    manifest_file mf;
    CHECK_OK(manifest_read(p, 0, &mf));
    Lance__Table__Manifest *m = manifest_pb_dup(mf.m);
    m->version = mf.version + 1;
    inject_unknowns(m);
    Lance__Table__IndexSection ix = LANCE__TABLE__INDEX_SECTION__INIT;
    Lance__Table__IndexMetadata im = LANCE__TABLE__INDEX_METADATA__INIT, *imp = &im;
    Lance__Table__UUID uu = LANCE__TABLE__UUID__INIT;
    Bsp__Wkt__Any det = BSP__WKT__ANY__INIT;
    uint8_t uuid[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x80, 1, 2, 3, 4, 5, 6, 7};
    uu.has_uuid = 1;
    uu.uuid.data = uuid;
    uu.uuid.len = 16;
    det.type_url = (char *)"bindspace.v1.NeighborIndex";
    im.uuid = &uu;
    im.name = (char *)"nbr";
    int32_t fld = 1;
    im.n_fields = 1;
    im.fields = &fld;
    roaring_bitmap_t *bm = roaring_bitmap_from_range(0, 3, 1); /* fragments 0,1,2 */
    uint8_t bmb[64];
    im.has_fragment_bitmap = 1;
    im.fragment_bitmap.len = roaring_bitmap_portable_serialize(bm, (char *)bmb);
    im.fragment_bitmap.data = bmb;
    roaring_bitmap_free(bm);
    im.index_details = &det;
    im.has_dataset_version = 1;
    im.dataset_version = mf.version;
    ix.n_indices = 1;
    ix.indices = &imp;
    uint8_t *buf;
    size_t len;
    CHECK_OK(manifest_encode(m, &ix, NULL, &buf, &len));
    char name[40], path[600];
    manifest_name(m->version, mf.naming, name, sizeof name);
    snprintf(path, sizeof path, "%s/_versions/%s", p, name);
    CHECK_OK(io_write_new(path, buf, len));
    free(buf);
    lance__table__manifest__free_unpacked(m, NULL);
    manifest_file_free(&mf);
}

static void test_preserve(void)
{
    char *p = table_path("preserve");
    create(p, 0, 300, 100, false); /* fragments 0,1,2 */
    commit_with_index(p);           /* v2 */
    append(p, 300, 50);             /* v3: fragment 3 */
    uint64_t d[] = {BSP_ROW_ADDR(1, 4)};
    CHECK_OK(bsp_dataset_delete_rows(p, d, 1, NULL, NULL)); /* v4 */
    manifest_file mf;
    CHECK_OK(manifest_read(p, 0, &mf));
    CHECK_EQ_U(mf.version, 4);
    CHECK_EQ_U(mf.m->base.n_unknown_fields, 1);
    CHECK_EQ_U(mf.m->fragments[0]->base.n_unknown_fields, 1);
    CHECK(mf.index && mf.index->n_indices == 1);
    CHECK_STR(mf.m->writer_version->library, "bindspace");
    CHECK(mf.m->reader_feature_flags == 1 && mf.m->writer_feature_flags == 1);
    manifest_file_free(&mf);
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    bsp_index_info ii;
    CHECK_OK(bsp_dataset_index(ds, 0, &ii));
    CHECK_STR(ii.name, "nbr");
    CHECK_STR(ii.uuid, "12345678-9abc-4def-8001-020304050607");
    CHECK_STR(ii.type_url, "bindspace.v1.NeighborIndex");
    CHECK(ii.nfragments == 3 && ii.fragments[2] == 2);
    bsp_dataset_free(ds);
    /* Compact fragments 0..3 away: the index no longer covers any of them. */
    bsp_compact_options co = {10000, 0, NULL};
    uint64_t v;
    CHECK_OK(bsp_dataset_compact(p, &co, &v));
    CHECK_EQ_U(v, 5);
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    CHECK_EQ_U(bsp_dataset_index_count(ds), 1);
    CHECK_OK(bsp_dataset_index(ds, 0, &ii));
    CHECK_EQ_U(ii.nfragments, 0);
    CHECK_EQ_U(bsp_dataset_count_rows(ds), 349);
    bsp_dataset_free(ds);
    CHECK_OK(manifest_read(p, 0, &mf));
    CHECK(mf.index->indices[0]->has_fragment_bitmap && mf.index->indices[0]->fragment_bitmap.len >= 8);
    CHECK_EQ_U(mf.m->reader_feature_flags, 0);
    CHECK_EQ_U(mf.m->base.n_unknown_fields, 1);
    manifest_file_free(&mf);
    /* Dropping the indexed column drops the index. */
    const char *drop[] = {"fp"};
    CHECK_OK(bsp_dataset_drop_columns(p, drop, 1, NULL));
    CHECK_OK(bsp_dataset_open(p, 0, &ds));
    CHECK_EQ_U(bsp_dataset_index_count(ds), 0);
    bsp_dataset_free(ds);
    rm_table(p);
}

/* Damaged manifests in a table: errors name the file. */
static void test_damaged(void)
{
    char *p = table_path("damaged");
    create(p, 0, 10, 0, false);
    append(p, 10, 10);
    char path[700];
    snprintf(path, sizeof path, "%s/_versions/18446744073709551613.manifest", p);
    uint8_t *buf;
    size_t len;
    CHECK_OK(io_read_file(path, &buf, &len));
    CHECK_OK(io_replace_file(path, buf, len - 7));
    bsp_dataset *ds;
    CHECK_ERR(bsp_dataset_open(p, 0, &ds), BSP_ECORRUPT, "18446744073709551613.manifest");
    CHECK_OK(bsp_dataset_open(p, 1, &ds)); /* the older version is intact */
    bsp_dataset_free(ds);
    buf[len / 2] ^= 0x40;
    CHECK_OK(io_replace_file(path, buf, len));
    int rc = bsp_dataset_open(p, 0, &ds);
    if (rc == BSP_OK)
        bsp_dataset_free(ds);
    else
        CHECK(strstr(bsp_errmsg(), "18446744073709551613.manifest") || strstr(bsp_errmsg(), "t.lance"));
    free(buf);
    /* Appending to a table whose latest manifest is damaged fails cleanly, nothing is lost. */
    CHECK_OK(io_replace_file(path, "garbage", 7));
    bsp_schema s;
    tg_schema(&s);
    bsp_batch b;
    tg_batch(100, 1, &b);
    bsp_write_options o = {BSP_WRITE_APPEND, 0, false, NULL};
    CHECK_ERR(bsp_dataset_write(p, &s, &b, &o, NULL), BSP_ECORRUPT, "18446744073709551613.manifest");
    bsp_batch_free(&b);
    rm_table(p);
}

int main(void)
{
    RUN(test_preserve);
    RUN(test_hidden_columns);
    RUN(test_damaged);
    RUN(test_create_scan);
    RUN(test_append_time_travel);
    RUN(test_delete_update);
    RUN(test_scan_fp);
    RUN(test_map_fp);
    RUN(test_columns);
    RUN(test_missing_field_and_unsupported);
    RUN(test_overwrite);
    RUN(test_compact);
    RUN(test_stale_commits);
    return test_finish();
}
