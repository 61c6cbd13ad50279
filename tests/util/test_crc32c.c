/* CRC-32C: the check value, incremental feeding, and the SSE4.2 path against the table. */
#include "test.h"
#include "util/crc32c.h"

static void test_check_value(void)
{
    CHECK_EQ_U(crc32c("123456789", 9), 0xE3069283u);
    CHECK_EQ_U(crc32c("", 0), 0);
    CHECK_EQ_U(crc32c_update_portable(0, "123456789", 9), 0xE3069283u);
}

static void test_paths_agree(void)
{
    test_rng r;
    test_rng_seed(&r, 42);
    uint8_t buf[3000];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)test_rng_next(&r);
    for (size_t n = 0; n < sizeof buf; n += 1 + n / 7) {
        size_t off = test_rng_below(&r, 8);
        if (off + n > sizeof buf) continue;
        uint32_t a = crc32c(buf + off, n), b = crc32c_update_portable(0, buf + off, n);
        CHECK_EQ_U(a, b);
        size_t cut = n ? test_rng_below(&r, n) : 0;
        CHECK_EQ_U(crc32c_update(crc32c(buf + off, cut), buf + off + cut, n - cut), a);
    }
}

/* Three streams at once equal three separate CRCs, from any start values and lengths. */
static void test_x3(void)
{
    test_rng r;
    test_rng_seed(&r, 7);
    uint8_t buf[3][2100];
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizeof buf[k]; i++) buf[k][i] = (uint8_t)test_rng_next(&r);
    for (size_t n = 0; n < 2090; n += 1 + n / 5) {
        uint32_t seed[3], crc[3];
        const void *p[3];
        for (int k = 0; k < 3; k++) {
            seed[k] = crc[k] = (uint32_t)test_rng_next(&r);
            p[k] = buf[k] + test_rng_below(&r, 9);
        }
        crc32c_update_x3(crc, p, n);
        for (int k = 0; k < 3; k++) {
            CHECK_EQ_U(crc[k], crc32c_update(seed[k], p[k], n));
            CHECK_EQ_U(crc[k], crc32c_update_portable(seed[k], p[k], n));
        }
    }
}

int main(void)
{
    RUN(test_check_value);
    RUN(test_paths_agree);
    RUN(test_x3);
    return test_finish();
}
