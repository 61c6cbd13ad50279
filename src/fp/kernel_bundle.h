/* The majority bundle (§14) as bit-sliced counters, written once over GCC vector types and
 * compiled by each kernel file with its own instruction set and vector width (kernel_portable.c,
 * kernel_avx2.c and kernel_avx512.c include this header). Not a public header.
 *
 * The one idea: instead of counting each of the 16,384 bit positions separately, keep the counts
 * in binary "vertically": plane j holds bit j of every position's counter. Inputs are added 16 at
 * a time by a Harley-Seal tree of carry-save adders into the low planes (ones, twos, fours,
 * eights; about one adder per input), and each full sixteen ripples once into the higher planes.
 * The planes are then compared with floor(n/2), most significant first: a bit is set iff its
 * count > floor(n/2), i.e. 2·count > n (ties of an even n clear the bit).
 *
 * The including file defines BUNDLE_FN (the function name) and BUNDLE_VEC_WORDS (words per
 * vector: the width of its registers) before including this header. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint64_t bundle_vec __attribute__((vector_size(8 * BUNDLE_VEC_WORDS)));

static inline bundle_vec bundle_load(const uint64_t *p)
{
    bundle_vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* carry-save adder: (h, l) = 2h + l = a + b + c, bitwise */
#define BUNDLE_CSA(h, l, a, b, c)       \
    do {                                \
        bundle_vec u_ = (a) ^ (b);      \
        h = ((a) & (b)) | (u_ & (c));   \
        l = u_ ^ (c);                   \
    } while (0)

static void BUNDLE_FN(uint64_t *out, const uint64_t *const *in, size_t n)
{
    unsigned planes = 0; /* bits needed to hold n */
    for (size_t m = n; m; m >>= 1) planes++;
    if (planes < 4) planes = 4;
    const size_t half = n / 2;
    for (size_t w = 0; w < 256; w += BUNDLE_VEC_WORDS) {
        /* c[0..3] are ones, twos, fours, eights; c[4..] count the sixteens */
        bundle_vec c[64], zero = {0};
        for (unsigned j = 0; j < planes; j++) c[j] = zero;
        size_t i = 0;
        for (; i + 16 <= n; i += 16) {
            bundle_vec tA, tB, fA, fB, eA, eB, s;
#define X(k) bundle_load(in[i + (k)] + w)
            BUNDLE_CSA(tA, c[0], c[0], X(0), X(1));
            BUNDLE_CSA(tB, c[0], c[0], X(2), X(3));
            BUNDLE_CSA(fA, c[1], c[1], tA, tB);
            BUNDLE_CSA(tA, c[0], c[0], X(4), X(5));
            BUNDLE_CSA(tB, c[0], c[0], X(6), X(7));
            BUNDLE_CSA(fB, c[1], c[1], tA, tB);
            BUNDLE_CSA(eA, c[2], c[2], fA, fB);
            BUNDLE_CSA(tA, c[0], c[0], X(8), X(9));
            BUNDLE_CSA(tB, c[0], c[0], X(10), X(11));
            BUNDLE_CSA(fA, c[1], c[1], tA, tB);
            BUNDLE_CSA(tA, c[0], c[0], X(12), X(13));
            BUNDLE_CSA(tB, c[0], c[0], X(14), X(15));
            BUNDLE_CSA(fB, c[1], c[1], tA, tB);
            BUNDLE_CSA(eB, c[2], c[2], fA, fB);
            BUNDLE_CSA(s, c[3], c[3], eA, eB);
#undef X
            for (unsigned j = 4; j < planes; j++) { /* ripple the sixteens */
                bundle_vec t = c[j] & s;
                c[j] ^= s;
                s = t;
            }
        }
        for (; i < n; i++) { /* the last n % 16 inputs: one increment each */
            bundle_vec carry = bundle_load(in[i] + w);
            for (unsigned j = 0; j < planes; j++) {
                bundle_vec t = c[j] & carry;
                c[j] ^= carry;
                carry = t;
            }
        }
        bundle_vec gt = zero, eq = ~zero;
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
#undef BUNDLE_CSA
