/* XorDelta wire format (spec §10.2): the 256-bit bitmap as 4 little-endian u64, then the
 * nnz non-zero XOR words, little-endian, in ascending word order; 32 + 8·nnz bytes.
 *
 * The decoder is strict so that every accepted byte string has exactly one meaning and
 * re-encodes to itself: a short buffer, a length that disagrees with the bitmap, and a zero
 * payload word (the change would be a no-op, so the bitmap bit is a lie) are all rejected
 * before anything is written to the output. */
#include <string.h>

#include "bindspace/delta.h"
#include "bindspace/error.h"
#include "util/error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static void store_le64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
#else
static void store_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
#endif

int bsp_delta_encode(const bsp_delta *d, uint8_t *out, size_t cap)
{
    size_t need = bsp_delta_compressed_bytes(d);
    if (cap < need)
        return bsp_err(BSP_ERANGE, "delta encode: %zu-byte buffer, %zu bytes needed", cap, need);
    for (int g = 0; g < 4; g++) store_le64(out + 8 * g, d->bitmap[g]);
    for (uint32_t i = 0; i < d->nnz; i++) store_le64(out + 32 + 8 * (size_t)i, d->words[i]);
    return (int)need;
}

/* Record word index of the i-th set bit of the bitmap (i < popcount). */
static unsigned nth_word(const uint64_t bm[4], uint32_t i)
{
    for (int g = 0; g < 4; g++) {
        uint32_t c = (uint32_t)__builtin_popcountll(bm[g]);
        if (i < c) {
            uint64_t m = bm[g];
            while (i--) m &= m - 1;
            return 64 * (unsigned)g + (unsigned)__builtin_ctzll(m);
        }
        i -= c;
    }
    return BSP_WORDS; /* not reached for i < popcount */
}

int bsp_delta_decode(bsp_delta *d, const uint8_t *in, size_t len)
{
    if (len < 32)
        return bsp_err(BSP_EINVAL,
                       "delta wire: %zu bytes is shorter than the 32-byte changed-word bitmap",
                       len);
    uint64_t bm[4];
    uint32_t nnz = 0;
    for (int g = 0; g < 4; g++) {
        bm[g] = load_le64(in + 8 * g);
        nnz += (uint32_t)__builtin_popcountll(bm[g]);
    }
    size_t want = 32 + 8 * (size_t)nnz;
    if (len != want)
        return bsp_err(BSP_EINVAL,
                       "delta wire: length %zu does not match the bitmap (%u changed words need "
                       "%zu bytes)",
                       len, nnz, want);
    for (uint32_t i = 0; i < nnz; i++) {
        if (load_le64(in + 32 + 8 * (size_t)i) == 0)
            return bsp_err(BSP_EINVAL,
                           "delta wire: payload word %u (record word %u) is zero; a canonical "
                           "delta never holds a zero XOR word",
                           i, nth_word(bm, i));
    }
    memcpy(d->bitmap, bm, sizeof bm);
    d->nnz = nnz;
    for (uint32_t i = 0; i < nnz; i++) d->words[i] = load_le64(in + 32 + 8 * (size_t)i);
    memset(d->words + nnz, 0, (BSP_WORDS - nnz) * sizeof d->words[0]);
    return BSP_OK;
}
