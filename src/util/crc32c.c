/* CRC-32C: a slicing-by-8 table implementation and the SSE4.2 crc32 instruction, picked at
 * first use. Both give identical results; tests/util/test_crc32c.c compares them. */
#include "util/crc32c.h"

#include <pthread.h>
#include <string.h>

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xFF];
}

uint32_t crc32c_update_portable(uint32_t crc, const void *p, size_t n)
{
    pthread_once(&table_once, table_init);
    const uint8_t *b = p;
    uint32_t c = ~crc;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        w ^= c;
        c = table[7][w & 0xFF] ^ table[6][(w >> 8) & 0xFF] ^ table[5][(w >> 16) & 0xFF] ^
            table[4][(w >> 24) & 0xFF] ^ table[3][(w >> 32) & 0xFF] ^ table[2][(w >> 40) & 0xFF] ^
            table[1][(w >> 48) & 0xFF] ^ table[0][w >> 56];
        b += 8;
        n -= 8;
    }
    while (n--) c = (c >> 8) ^ table[0][(c ^ *b++) & 0xFF];
    return ~c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t c = ~crc;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        c = _mm_crc32_u64(c, w);
        b += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = _mm_crc32_u8(c32, *b++);
    return ~c32;
}

__attribute__((target("sse4.2"))) static void crc32c_sse42_x3(uint32_t crc[3], const void *const p[3],
                                                                size_t n)
{
    const uint8_t *a = p[0], *b = p[1], *c = p[2];
    uint64_t ca = ~crc[0], cb = ~crc[1], cc = ~crc[2];
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t wa, wb, wc;
        memcpy(&wa, a + i, 8);
        memcpy(&wb, b + i, 8);
        memcpy(&wc, c + i, 8);
        ca = _mm_crc32_u64(ca, wa);
        cb = _mm_crc32_u64(cb, wb);
        cc = _mm_crc32_u64(cc, wc);
    }
    uint32_t ra = (uint32_t)ca, rb = (uint32_t)cb, rc = (uint32_t)cc;
    for (; i < n; i++) {
        ra = _mm_crc32_u8(ra, a[i]);
        rb = _mm_crc32_u8(rb, b[i]);
        rc = _mm_crc32_u8(rc, c[i]);
    }
    crc[0] = ~ra, crc[1] = ~rb, crc[2] = ~rc;
}

static int have_sse42(void)
{
    static int have = -1;
    int h = __atomic_load_n(&have, __ATOMIC_RELAXED);
    if (h < 0) {
        __builtin_cpu_init();
        h = __builtin_cpu_supports("sse4.2") ? 1 : 0;
        __atomic_store_n(&have, h, __ATOMIC_RELAXED);
    }
    return h;
}

uint32_t crc32c_update(uint32_t crc, const void *p, size_t n)
{
    return have_sse42() ? crc32c_sse42(crc, p, n) : crc32c_update_portable(crc, p, n);
}

void crc32c_update_x3(uint32_t crc[3], const void *const p[3], size_t n)
{
    if (have_sse42()) {
        crc32c_sse42_x3(crc, p, n);
        return;
    }
    for (int k = 0; k < 3; k++) crc[k] = crc32c_update_portable(crc[k], p[k], n);
}
#else
uint32_t crc32c_update(uint32_t crc, const void *p, size_t n) { return crc32c_update_portable(crc, p, n); }
void crc32c_update_x3(uint32_t crc[3], const void *const p[3], size_t n)
{
    for (int k = 0; k < 3; k++) crc[k] = crc32c_update_portable(crc[k], p[k], n);
}
#endif
