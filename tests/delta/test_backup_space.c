/* The runtime's flush extends the backup chain (bsp_backup_on_flush, installed by
 * bsp_space_open when the caller sets no hook): once `nodes.backup.lance` exists, every flush
 * appends its version record, and restoring any flushed version gives the space's records. */
#include "bindspace/backup.h"
#include "bindspace/lance.h"
#include "bindspace/space.h"
#include "test.h"

static char *join(const char *a, const char *b)
{
    char *p = malloc(strlen(a) + strlen(b) + 2);
    sprintf(p, "%s/%s", a, b);
    return p;
}

typedef struct snap {
    uint64_t version;
    size_t n;
    uint16_t addr[64];
    uint64_t rec[64][BSP_WORDS];
} snap;

static int grab(void *ctx, uint16_t addr, const uint64_t rec[BSP_WORDS])
{
    snap *s = ctx;
    if (BSP_ADDR_PREFIX(addr) < 0x0C) return 0; /* the generated surface is not persisted */
    if (s->n == 64) return 1;
    s->addr[s->n] = addr;
    memcpy(s->rec[s->n++], rec, sizeof s->rec[0]);
    return 0;
}

/* Compare a restored table with a snapshot of the space. */
static void check_restored(const char *path, const snap *s)
{
    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(path, 0, &ds));
    if (!ds) return;
    CHECK_EQ_U(bsp_dataset_count_rows(ds), s->n);
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
            CHECK(i < s->n && a == s->addr[i]);
            CHECK(i < s->n && memcmp(b.cols[1].data + 2048 * r, s->rec[i], 2048) == 0);
        }
        bsp_batch_free(&b);
    }
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);
}

static void test_flush_appends(void)
{
    char *dir = test_tmpdir("bk-space");
    char *table = join(dir, "nodes.lance"), *chain = join(dir, "nodes.backup.lance");
    bsp_space_options o = {.durability = BSP_DURABLE_NONE, .no_auto_flush = true};
    bsp_space *sp;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    test_rng r;
    test_rng_seed(&r, 3);
    uint64_t rec[BSP_WORDS];
    static snap snaps[8];
    size_t ns = 0;
    for (int round = 0; round < 6; round++) {
        for (int k = 0; k < 5; k++) {
            uint16_t a = BSP_ADDR(0x80 + (unsigned)test_rng_below(&r, 2), (unsigned)test_rng_below(&r, 16));
            if (round > 0 && k == 4 && bsp_space_is_occupied(sp, a)) {
                CHECK_OK(bsp_space_delete(sp, a));
                continue;
            }
            if (bsp_space_is_occupied(sp, a) && k % 2) {
                CHECK_OK(bsp_space_get(sp, a, rec));
                rec[test_rng_below(&r, BSP_WORDS)] ^= test_rng_next(&r) | 1;
            } else {
                for (int w = 0; w < BSP_WORDS; w++) rec[w] = test_rng_next(&r);
            }
            CHECK_OK(bsp_space_put(sp, a, rec));
        }
        uint64_t v = 0;
        CHECK_OK(bsp_space_flush(sp, &v));
        if (round == 0) {
            /* The first flush created the table; start the chain there. Later flushes extend it. */
            CHECK_OK(bsp_backup_create(table, BSP_BACKUP_CHAIN_END, v, NULL, NULL, NULL));
        }
        snaps[ns] = (snap){.version = v};
        bsp_space_foreach(sp, grab, &snaps[ns]);
        ns++;
    }
    bsp_space_close(sp);
    bsp_backup_item *items;
    size_t n;
    CHECK_OK(bsp_backup_list(chain, &items, &n));
    CHECK_EQ_U(n, 1 + 5); /* snapshot of the first flush + one record per later flush */
    if (n == 6) CHECK_EQ_U(items[5].to_version, snaps[5].version);
    free(items);
    bsp_backup_report rep;
    CHECK_OK(bsp_backup_verify(chain, NULL, &rep));
    bsp_backup_report_free(&rep);
    for (size_t i = 0; i < ns; i++) {
        char name[32];
        snprintf(name, sizeof name, "r%zu.lance", i);
        char *out = join(dir, name);
        CHECK_OK(bsp_backup_restore(chain, snaps[i].version, out, NULL, NULL));
        check_restored(out, &snaps[i]);
        free(out);
    }
    free(table);
    free(chain);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_flush_appends);
    return test_finish();
}
