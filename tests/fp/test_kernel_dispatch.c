/* The kernel table is chosen once even when the first calls race (kernels.h: pthread_once plus
 * an atomic pointer): eight threads released together by a barrier make their first call at
 * the same moment, and all must get the same table and the same distances. This must be the
 * first use of the fp kernels in the process, so it is a test executable of its own. */
#include "test.h"

#include <pthread.h>

#include "bindspace/fp.h"
#include "fp/kernels.h"

#define NT 8
static pthread_barrier_t barrier;
static const fp_kernel *seen[NT];
static uint32_t dist[NT];
static uint64_t a[BSP_WORDS], b[BSP_WORDS];

static void *racer(void *arg)
{
    size_t i = (size_t)(uintptr_t)arg;
    pthread_barrier_wait(&barrier);
    seen[i] = fp_kernel_active();
    dist[i] = bsp_fp_hamming(a, b);
    return NULL;
}

static void test_first_use_race(void)
{
    for (int w = 0; w < BSP_WORDS; w++) {
        a[w] = 0x0123456789abcdefull * (uint64_t)(w + 1);
        b[w] = ~a[w] ^ (uint64_t)w;
    }
    uint32_t want = 0;
    for (int w = 0; w < BSP_WORDS; w++)
        for (int bit = 0; bit < 64; bit++) want += (uint32_t)((a[w] ^ b[w]) >> bit & 1);
    CHECK(pthread_barrier_init(&barrier, NULL, NT) == 0);
    pthread_t t[NT];
    for (size_t i = 0; i < NT; i++) CHECK(pthread_create(&t[i], NULL, racer, (void *)(uintptr_t)i) == 0);
    for (size_t i = 0; i < NT; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (size_t i = 0; i < NT; i++) {
        CHECK(seen[i] != NULL);
        CHECK(seen[i] == seen[0]);
        CHECK_EQ_U(dist[i], want);
    }
    CHECK(fp_kernel_active() == seen[0]);
    CHECK_STR(bsp_fp_kernel_name(), seen[0]->name);
}

int main(void)
{
    RUN(test_first_use_race);
    return test_finish();
}
