/* The majority bundle (§14) as bit-sliced counters, written once over GCC vector types and
 * compiled by each kernel file with its own instruction set (kernel_portable.c, kernel_avx2.c,
 * kernel_avx512.c include this header). Not a public header.
 *
 * The one idea: instead of counting each of the 16,384 bit positions separately, keep the count
 * in binary "vertically": plane j holds bit j of every position's counter, so adding one input
 * word to 64 counters is a ripple-carry over the planes (two operations per plane touched).
 * At the end the counters are compared with floor(n/2) plane by plane, most significant first:
 * a bit is set iff its count > floor(n/2), i.e. 2·count > n (ties of an even n clear the bit).
 *
 * The including file defines BUNDLE_FN (the function name) before including this header. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint64_t bundle_vec __attribute__((vector_size(64), aligned(8)));

static void BUNDLE_FN(uint64_t *out, const uint64_t *const *inputs, size_t n)
{
    unsigned planes = 0; /* bits needed to hold n */
    for (size_t m = n; m; m >>= 1) planes++;
    const size_t half = n / 2;
    for (size_t w = 0; w < 256; w += 8) { /* one 64-byte vector of positions at a time */
        bundle_vec c[64];
        for (unsigned j = 0; j < planes; j++) c[j] = (bundle_vec){0};
        for (size_t i = 0; i < n; i++) {
            bundle_vec carry;
            memcpy(&carry, inputs[i] + w, sizeof carry);
            for (unsigned j = 0; j < planes; j++) {
                bundle_vec t = c[j] & carry;
                c[j] ^= carry;
                carry = t;
            }
        }
        bundle_vec gt = {0}, eq = ~(bundle_vec){0};
        for (unsigned j = planes; j-- > 0;) {
            if (half >> j & 1) {
                eq &= c[j];
            } else {
                gt |= eq & c[j];
                eq &= ~c[j];
            }
        }
        memcpy(out + w, &gt, sizeof gt);
    }
}
