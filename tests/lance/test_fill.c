/* Streamed columns (bsp_column.fill): the writer asks for the rows in order, each piece inside
 * one bsp_fill_rows span, writes it before asking again; the table reads back equal to the same
 * rows given whole; a fill that fails stops the write with its status and no table; bad uses
 * are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/lance.h"
#include "test.h"
#include "util/error.h"

typedef struct src {
    uint64_t rows, width, next; /* next row expected */
    uint8_t *piece;             /* the current piece, replaced by the next */
    int fail_at;                /* piece number that fails, -1 never */
    bool quiet;                 /* fail without a message */
    int pieces;
    bool order_ok;
} src;

static uint8_t byte_at(uint64_t row, uint64_t i) { return (uint8_t)(row * 131 + i * 7 + (row >> 8)); }

static int fill(void *ctx, uint64_t row0, uint64_t n, const uint8_t **rows)
{
    src *s = ctx;
    uint64_t span = bsp_fill_rows((bsp_type){BSP_T_FSL_FLOAT32, (uint32_t)(s->width / 4)});
    s->order_ok &= row0 == s->next && n > 0 && row0 / span == (row0 + n - 1) / span && row0 + n <= s->rows;
    s->next = row0 + n;
    if (s->pieces++ == s->fail_at && s->quiet) return BSP_EIO;
    if (s->pieces - 1 == s->fail_at) return bsp_err(BSP_EIO, "the source went away at row %llu", (unsigned long long)row0);
    free(s->piece);
    s->piece = malloc(n * s->width);
    for (uint64_t r = 0; r < n; r++)
        for (uint64_t i = 0; i < s->width; i++) s->piece[r * s->width + i] = byte_at(row0 + r, i);
    *rows = s->piece;
    return BSP_OK;
}

static void one_column(bsp_schema *sc, bsp_field *f, bsp_batch *b, bsp_column *c, uint64_t rows, src *s)
{
    *f = (bsp_field){"v", {BSP_T_FSL_FLOAT32, 3}, false, -1};
    *sc = (bsp_schema){1, f};
    *c = (bsp_column){.type = f->type, .length = rows, .fill = fill, .fill_ctx = s};
    *b = (bsp_batch){rows, 1, c};
    memset(s, 0, sizeof *s);
    s->rows = rows;
    s->width = 12;
    s->fail_at = -1;
    s->order_ok = true;
}

static void test_roundtrip(void)
{
    char *dir = test_tmpdir("fill");
    char path[600];
    snprintf(path, sizeof path, "%s/t.lance", dir);
    /* 12-byte rows: spans of 349,525 rows, pages of 699,048: pieces end at both */
    enum { ROWS = 720001 };
    bsp_schema sc;
    bsp_field f;
    bsp_batch b;
    bsp_column c;
    static src s;
    one_column(&sc, &f, &b, &c, ROWS, &s);
    CHECK_OK(bsp_dataset_write(path, &sc, &b, NULL, NULL));
    CHECK(s.order_ok);
    CHECK_EQ_U(s.next, ROWS);
    CHECK_EQ_U(s.pieces, 4); /* [0, span) [span, page) [page, 2 span) [2 span, end) */
    free(s.piece);
    s.piece = NULL;
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(path, 0, &ds));
    if (ds) {
        CHECK_EQ_U(bsp_dataset_count_rows(ds), ROWS);
        bsp_scanner *it;
        CHECK_OK(bsp_scanner_open(ds, NULL, &it));
        bsp_batch got;
        uint64_t row = 0, bad = 0;
        while (bsp_scanner_next(it, &got) == 1) {
            for (uint64_t r = 0; r < got.nrows; r++, row++)
                for (uint64_t i = 0; i < 12; i++) bad += got.cols[0].data[r * 12 + i] != byte_at(row, i);
            bsp_batch_free(&got);
        }
        CHECK_EQ_U(row, ROWS);
        CHECK_EQ_U(bad, 0);
        bsp_scanner_free(it);
        bsp_dataset_free(ds);
    }
    test_rmtree(dir);
    free(dir);
}

static void test_failures(void)
{
    char *dir = test_tmpdir("fill-bad");
    char path[600];
    snprintf(path, sizeof path, "%s/t.lance", dir);
    bsp_schema sc;
    bsp_field f;
    bsp_batch b;
    bsp_column c;
    static src s;
    /* the source fails on its second piece: that status, and no table */
    one_column(&sc, &f, &b, &c, 400000, &s);
    s.fail_at = 1;
    CHECK_ERR(bsp_dataset_write(path, &sc, &b, NULL, NULL), BSP_EIO, "the source went away at row 349525");
    bsp_dataset *ds = NULL;
    CHECK(bsp_dataset_open(path, 0, &ds) != BSP_OK);
    bsp_dataset_free(ds);
    free(s.piece);
    one_column(&sc, &f, &b, &c, 400000, &s);
    s.fail_at = 0;
    s.quiet = true; /* the writer says where */
    CHECK_ERR(bsp_dataset_write(path, &sc, &b, NULL, NULL), BSP_EIO, "fill failed at row 0");
    /* more rows than one data file holds */
    one_column(&sc, &f, &b, &c, 1000, &s);
    bsp_write_options o = {.max_rows_per_file = 999};
    CHECK_ERR(bsp_dataset_write(path, &sc, &b, &o, NULL), BSP_EUNSUPPORTED, "must fit one data file");
    /* data and fill at once; a streamed bool */
    uint8_t some[12 * 1000];
    c.data = some;
    CHECK_ERR(bsp_dataset_write(path, &sc, &b, NULL, NULL), BSP_EINVAL, "streamed column");
    c.data = NULL;
    f.type = c.type = (bsp_type){BSP_T_BOOL, 0};
    CHECK_ERR(bsp_dataset_write(path, &sc, &b, NULL, NULL), BSP_EINVAL, "streamed column");
    free(s.piece);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_roundtrip);
    RUN(test_failures);
    return test_finish();
}
