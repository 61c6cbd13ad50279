/* The streamed restore (src/delta/backup_restore_stream.c): versions that only modify are
 * rebuilt chunk by chunk while the table is written. A table of 4,500 records spans three
 * chunks (2,048 rows each); every version restores equal to the runtime's records, forward
 * and backward, and damage anywhere in the snapshot or a record still leaves no table. */
#include <unistd.h>

#include "bindspace/backup.h"
#include "bindspace/lance.h"
#include "bindspace/space.h"
#include "delta/backup_internal.h"
#include "test.h"

enum { N = 4500, VERSIONS = 6, PER_VERSION = 300 };

static char *join(const char *a, const char *b)
{
    char *p = malloc(strlen(a) + strlen(b) + 2);
    sprintf(p, "%s/%s", a, b);
    return p;
}

static uint16_t addr_of(size_t i) { return BSP_ADDR(0x80 + (unsigned)(i / 256), (unsigned)(i % 256)); }

/* Rows of a restored table against the expected records (rows in address order). */
static size_t differences(const char *path, const uint64_t (*want)[BSP_WORDS])
{
    bsp_dataset *ds;
    if (bsp_dataset_open(path, 0, &ds) != BSP_OK) return N + 1;
    size_t bad = bsp_dataset_count_rows(ds) == N ? 0 : 1;
    const char *cols[2] = {"addr", "fingerprint"};
    bsp_scan_options so = {.columns = cols, .ncolumns = 2};
    bsp_scanner *sc;
    CHECK_OK(bsp_scanner_open(ds, &so, &sc));
    bsp_batch b;
    size_t i = 0;
    while (bsp_scanner_next(sc, &b) == 1) {
        for (uint64_t r = 0; r < b.nrows; r++, i++) {
            uint16_t a;
            memcpy(&a, b.cols[0].data + 2 * r, 2);
            bad += i >= N || a != addr_of(i) || memcmp(b.cols[1].data + 2048 * r, want[i], 2048) != 0;
        }
        bsp_batch_free(&b);
    }
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);
    return bad;
}

/* Flip one byte of a file at off. */
static void flip(const char *path, long off)
{
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (!f) return;
    fseek(f, off, SEEK_SET);
    int c = fgetc(f);
    fseek(f, off, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
}

static char *only_data_file(const char *table)
{
    char *dir = join(table, "data");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ls %s/*.lance", dir);
    free(dir);
    FILE *p = popen(cmd, "r");
    char line[1024] = "";
    if (p && fgets(line, sizeof line, p)) line[strcspn(line, "\n")] = 0;
    if (p) pclose(p);
    return line[0] ? strdup(line) : NULL;
}

static void test_streamed(void)
{
    char *dir = test_tmpdir("bk-stream");
    char *table = join(dir, "nodes.lance"), *chain = join(dir, "nodes.backup.lance");
    bsp_space_options o = {.durability = BSP_DURABLE_NONE, .no_auto_flush = true};
    bsp_space *sp;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    if (!sp) return;
    uint64_t (*state)[N][BSP_WORDS] = malloc(sizeof *state * (VERSIONS + 1));
    uint64_t ver[VERSIONS + 1];
    test_rng r;
    test_rng_seed(&r, 21);
    for (size_t i = 0; i < N; i++) {
        for (int w = 0; w < BSP_WORDS; w++) state[0][i][w] = test_rng_next(&r);
        CHECK_OK(bsp_space_put(sp, addr_of(i), state[0][i]));
    }
    CHECK_OK(bsp_space_flush(sp, &ver[0]));
    for (int v = 1; v <= VERSIONS; v++) {
        memcpy(state[v], state[v - 1], sizeof state[v]);
        for (int k = 0; k < PER_VERSION; k++) {
            /* some rows change in several versions, rows at chunk edges too */
            size_t i = k < 4 ? (size_t[]){0, 2047, 2048, N - 1}[k] : (size_t)test_rng_below(&r, N);
            state[v][i][test_rng_below(&r, BSP_WORDS)] ^= test_rng_next(&r) | 1;
            CHECK_OK(bsp_space_put(sp, addr_of(i), state[v][i]));
        }
        CHECK_OK(bsp_space_flush(sp, &ver[v]));
    }
    bsp_space_close(sp);
    /* Snapshots at the first version and every 3 records: each version can be reached both
     * ways except the ends. */
    bsp_backup_options bo = {.snapshot_interval = 3};
    CHECK_OK(bsp_backup_create(table, ver[0], ver[VERSIONS], chain, &bo, NULL));

    int streamed = 0;
    for (int v = 0; v <= VERSIONS; v++)
        for (int d = BSP_RESTORE_FORWARD; d <= BSP_RESTORE_BACKWARD; d++) {
            char name[32];
            snprintf(name, sizeof name, "r%d-%d.lance", v, d);
            char *out = join(dir, name);
            bsp_restore_options ro = {.direction = (bsp_restore_direction)d};
            bsp_restore_stats st;
            int rc = bsp_backup_restore(chain, ver[v], out, &ro, &st);
            if (rc == BSP_ENOTFOUND) {
                free(out);
                continue;
            }
            CHECK_OK(rc);
            streamed += st.overlapped;
            CHECK_EQ_U(st.rows, N);
            CHECK_EQ_U(differences(out, (const uint64_t(*)[BSP_WORDS])state[v]), 0);
            test_rmtree(out);
            free(out);
        }
    CHECK_EQ_U(streamed, 7 + 6); /* 7 forward; 0..5 backward from the snapshots at 3 and 6 */

    /* A flipped byte in the snapshot's rows (in the second chunk): the row CRC names its key. */
    char *snapdir = join(chain, "_snapshots");
    char name[64];
    snprintf(name, sizeof name, "%llu.lance", (unsigned long long)ver[0]);
    char *snap = join(snapdir, name);
    char *file = only_data_file(snap);
    CHECK(file != NULL);
    char *out = join(dir, "bad.lance");
    if (file) {
        long row = 3000, at = (long)(N * 2 + 64 - (N * 2) % 64) + row * 2048 + 77; /* after the addr page */
        flip(file, at);
        char want[64];
        snprintf(want, sizeof want, "key %u: row CRC mismatch", (unsigned)addr_of((size_t)row));
        bsp_restore_options fwd = {.direction = BSP_RESTORE_FORWARD};
        CHECK_ERR(bsp_backup_restore(chain, ver[2], out, &fwd, NULL), BSP_ECORRUPT, want);
        CHECK(access(out, F_OK) != 0);
        /* backward from the snapshot at version 3 does not use it */
        bsp_restore_options bwd = {.direction = BSP_RESTORE_BACKWARD};
        CHECK_OK(bsp_backup_restore(chain, ver[2], out, &bwd, NULL));
        CHECK_EQ_U(differences(out, (const uint64_t(*)[BSP_WORDS])state[2]), 0);
        test_rmtree(out);
        flip(file, at);
    }
    free(file);
    free(snap);
    free(snapdir);

    /* Records whose entries are well-formed (their CRCs are right) but wrong: a MODIFY whose
     * checksum is not the result's, found while its chunk is built; then a MODIFY of an
     * address the table does not have, found before anything is written. Neither leaves a
     * table behind. */
    uint64_t end = ver[VERSIONS], next[BSP_WORDS];
    size_t row = 3000;
    memcpy(next, state[VERSIONS][row], sizeof next);
    next[5] ^= 1;
    bsp_delta d;
    bsp_delta_compute(&d, state[VERSIONS][row], next);
    uint8_t wire[BSP_DELTA_MAX_WIRE];
    int len = bsp_delta_encode(&d, wire, sizeof wire);
    bk_record bad = {.from = end, .to = end + 1, .rows_from = N, .rows_to = N};
    CHECK_OK(bk_record_add(&bad, addr_of(row), BSP_BACKUP_MODIFY, bsp_backup_checksum(next) ^ 1, wire, (uint32_t)len));
    CHECK_OK(bk_chain_append_record(chain, (bsp_type){BSP_T_UINT16, 0}, &bad));
    bk_record_free(&bad);
    bad = (bk_record){.from = end + 1, .to = end + 2, .rows_from = N, .rows_to = N};
    CHECK_OK(bk_record_add(&bad, 7, BSP_BACKUP_MODIFY, 0, wire, (uint32_t)len)); /* address 0:07 */
    CHECK_OK(bk_chain_append_record(chain, (bsp_type){BSP_T_UINT16, 0}, &bad));
    bk_record_free(&bad);
    char want[96];
    snprintf(want, sizeof want, "key %u (MODIFY): the result does not match the checksum", (unsigned)addr_of(row));
    bsp_restore_options fwd = {.direction = BSP_RESTORE_FORWARD};
    CHECK_ERR(bsp_backup_restore(chain, end + 1, out, &fwd, NULL), BSP_ECORRUPT, want);
    CHECK(access(out, F_OK) != 0);
    CHECK_ERR(bsp_backup_restore(chain, end + 2, out, &fwd, NULL), BSP_ECORRUPT, "key 7 (MODIFY): the address is not occupied");
    CHECK(access(out, F_OK) != 0);
    CHECK_OK(bsp_backup_restore(chain, end, out, &fwd, NULL)); /* the versions before are fine */
    CHECK_EQ_U(differences(out, (const uint64_t(*)[BSP_WORDS])state[VERSIONS]), 0);
    free(out);
    free(state);
    free(table);
    free(chain);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_streamed);
    return test_finish();
}
