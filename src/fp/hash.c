/* Hash functions of spec §4.5: splitmix64, FNV-1a-64 and the label fingerprint. */
#include "bindspace/fp.h"

uint64_t bsp_splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t bsp_fnv1a64(const void *bytes, size_t len)
{
    const unsigned char *p = bytes;
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}

void bsp_label_fp(uint64_t out[BSP_WORDS], const char *text, size_t len)
{
    uint64_t s = bsp_fnv1a64(text, len);
    for (uint64_t i = 0; i < BSP_SEM_WORDS; i++) out[i] = bsp_splitmix64(s + i * 0x9E3779B97F4A7C15ull);
    for (size_t i = BSP_SEM_WORDS; i < BSP_WORDS; i++) out[i] = 0;
}
