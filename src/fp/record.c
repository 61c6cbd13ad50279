/* The record's external forms (spec §1): the 2,048-byte little-endian byte form and its
 * 4,096-char lowercase hex text. */
#include <string.h>

#include "bindspace/fp.h"
#include "util/error.h"

#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
#endif

void bsp_fp_from_bytes(uint64_t r[BSP_WORDS], const uint8_t bytes[BSP_BYTES])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(r, bytes, BSP_BYTES);
#else
    for (int w = 0; w < BSP_WORDS; w++) r[w] = load_le64(bytes + 8 * w);
#endif
}

void bsp_fp_to_bytes(uint8_t bytes[BSP_BYTES], const uint64_t r[BSP_WORDS])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(bytes, r, BSP_BYTES);
#else
    for (int w = 0; w < BSP_WORDS; w++)
        for (int i = 0; i < 8; i++) bytes[8 * w + i] = (uint8_t)(r[w] >> (8 * i));
#endif
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int bsp_fp_from_hex(uint64_t r[BSP_WORDS], const char *hex, size_t len)
{
    if (len != BSP_HEX_CHARS)
        return bsp_err(BSP_EINVAL, "fingerprint hex must be %d lowercase hex chars, got %zu chars",
                       BSP_HEX_CHARS, len);
    uint8_t bytes[BSP_BYTES];
    for (size_t i = 0; i < BSP_BYTES; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            size_t at = hi < 0 ? 2 * i : 2 * i + 1;
            return bsp_err(BSP_EINVAL,
                           "fingerprint hex: character %zu is not a lowercase hex digit", at);
        }
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    bsp_fp_from_bytes(r, bytes);
    return BSP_OK;
}

void bsp_fp_to_hex(char *out, const uint64_t r[BSP_WORDS])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t bytes[BSP_BYTES];
    bsp_fp_to_bytes(bytes, r);
    for (size_t i = 0; i < BSP_BYTES; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[BSP_HEX_CHARS] = '\0';
}
