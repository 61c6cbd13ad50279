/* Fuzz the Lance 2.0 data-file reader: footer, global buffer 0, column metadata and every
 * page encoding, on arbitrary bytes (datafile_open_mem). Each column is decoded with the
 * type its schema gives and, to reach the decoder even when the schema is damaged, as a
 * few fixed types; reads are bounded so that a file claiming 2^60 rows cannot make the
 * harness allocate it. Seeds: fuzz/seeds/datafile/ (files written by bindspace and LanceDB). */
#include <stddef.h>
#include <stdint.h>

#include "bindspace/batch.h"
#include "lance/datafile.h"

#define MAX_ROWS 4096

static int sink(void *ctx, uint64_t first, uint64_t rows, const uint8_t *bytes)
{
    (void)first;
    uint64_t *acc = ctx;
    if (rows) *acc += bytes[0] + bytes[rows * 2048 - 1];
    return 0;
}

static void read_as(datafile *df, uint32_t col, bsp_type t)
{
    if (bsp_type_width(t) > 65536) return;
    uint64_t rows = datafile_rows(df), n = rows < MAX_ROWS ? rows : MAX_ROWS;
    bsp_column c;
    if (datafile_read_column(df, col, t, 0, n, &c) == 0) bsp_column_free(&c);
    if (rows > n && datafile_read_column(df, col, t, rows - n / 2 - 1, n / 2, &c) == 0)
        bsp_column_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    datafile *df;
    if (datafile_open_mem("fuzz", data, size, &df) != 0) return 0;
    bsp_schema s = {0, NULL};
    int have_schema = datafile_schema(df, &s) == 0;
    static const bsp_type probes[] = {{BSP_T_UINT8, 0}, {BSP_T_INT64, 0}, {BSP_T_BOOL, 0},
                                      {BSP_T_UTF8, 0}, {BSP_T_FIXED_BINARY, 16}};
    for (uint32_t i = 0; i < datafile_ncolumns(df) && i < 64; i++) {
        if (have_schema && i < s.nfields) read_as(df, i, s.fields[i].type);
        for (size_t k = 0; k < sizeof probes / sizeof probes[0]; k++) read_as(df, i, probes[k]);
        uint64_t acc = 0, rows = datafile_rows(df);
        datafile_scan_fixed(df, i, 2048, 0, rows < MAX_ROWS ? rows : MAX_ROWS, sink, &acc);
        /* a run it reports must lie inside the file (bsp_dataset_map_fp maps it) */
        uint32_t dims[2] = {2048, 8};
        for (int k = 0; k < 2; k++) {
            uint64_t off = 0;
            if (datafile_fixed_extent(df, i, dims[k], &off) == 0 && rows > 0 &&
                (off > size || rows > (size - off) / dims[k]))
                __builtin_trap();
        }
    }
    if (have_schema) bsp_schema_free(&s);
    datafile_close(df);
    return 0;
}
