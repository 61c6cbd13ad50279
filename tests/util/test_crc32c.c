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

int main(void)
{
    RUN(test_check_value);
    RUN(test_paths_agree);
    return test_finish();
}
