/* Readers running while a writer writes (and flushes, when the Lance layer can) never see
 * a torn record: every record written has all 256 words equal, so a reader checks each
 * copy it gets for that. */
#include <pthread.h>
#include <stdatomic.h>

#include "bindspace/bindspace.h"
#include "bindspace/space.h"
#include "test.h"

#define NADDR 64
static bsp_space *sp;
static atomic_int stop;
static atomic_long torn, reads, flushes;

static void *reader(void *arg)
{
    test_rng r;
    test_rng_seed(&r, (uint64_t)(uintptr_t)arg);
    _Alignas(64) uint64_t got[BSP_WORDS];
    while (!atomic_load(&stop)) {
        uint16_t a = (uint16_t)(0x8000 + test_rng_below(&r, NADDR));
        if (bsp_space_get(sp, a, got) == BSP_OK) {
            for (int i = 1; i < BSP_WORDS; i++)
                if (got[i] != got[0]) {
                    atomic_fetch_add(&torn, 1);
                    break;
                }
            atomic_fetch_add(&reads, 1);
        }
    }
    return NULL;
}

static void test_readers_never_see_torn_records(void)
{
    char *dir = test_tmpdir("space-conc");
    bsp_space_options o = {0};
    o.durability = BSP_DURABLE_NONE;
    o.no_auto_flush = true;
    CHECK_OK(bsp_space_open(dir, &o, &sp));
    uint64_t rec[BSP_WORDS];
    for (int a = 0; a < NADDR; a++) {
        for (int i = 0; i < BSP_WORDS; i++) rec[i] = (uint64_t)a;
        CHECK_OK(bsp_space_write_at(sp, (uint16_t)(0x8000 + a), rec));
    }
    bool can_flush = bsp_space_flush(sp, NULL) == BSP_OK;
    pthread_t th[3];
    for (int t = 0; t < 3; t++) pthread_create(&th[t], NULL, reader, (void *)(uintptr_t)(t + 1));
    test_rng r;
    test_rng_seed(&r, 99);
    for (uint64_t step = 1; step <= 20000; step++) {
        uint16_t a = (uint16_t)(0x8000 + test_rng_below(&r, NADDR));
        uint64_t v = test_rng_next(&r);
        for (int i = 0; i < BSP_WORDS; i++) rec[i] = v;
        int op = (int)test_rng_below(&r, 10);
        if (op < 6) {
            CHECK_OK(bsp_space_put(sp, a, rec));
        } else if (op < 8) {
            CHECK_OK(bsp_space_write_at(sp, a, rec));
        } else if (op == 8) {
            if (bsp_space_is_occupied(sp, a)) CHECK_OK(bsp_space_delete(sp, a));
        } else {
            uint64_t cur[BSP_WORDS];
            if (bsp_space_get(sp, a, cur) == BSP_OK) {
                bsp_delta d;
                bsp_delta_compute(&d, cur, rec);
                CHECK_OK(bsp_space_apply_delta(sp, a, &d));
            }
        }
        if (can_flush && step % 2000 == 0) {
            CHECK_OK(bsp_space_flush(sp, NULL));
            atomic_fetch_add(&flushes, 1);
        }
    }
    atomic_store(&stop, 1);
    for (int t = 0; t < 3; t++) pthread_join(th[t], NULL);
    printf("reads %ld, torn %ld, flushes %ld\n", atomic_load(&reads), atomic_load(&torn), atomic_load(&flushes));
    CHECK_EQ_U(atomic_load(&torn), 0);
    CHECK(atomic_load(&reads) > 0);
    bsp_space_close(sp);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_readers_never_see_torn_records);
    return test_finish();
}
