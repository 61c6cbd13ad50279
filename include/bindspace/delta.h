/* XorDelta (spec §10): a 256-bit bitmap of changed words plus the non-zero XOR words, and
 * its wire format (§10.2). A bsp_delta is a plain value (no heap); words[] holds only the
 * first nnz entries, in ascending word order; every function here leaves words[nnz..255]
 * zero. Compare deltas with bsp_delta_equal (the struct has padding after nnz). */
#ifndef BINDSPACE_DELTA_H
#define BINDSPACE_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/fp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bsp_delta {
    uint64_t bitmap[4];        /* bit w set iff word w changed */
    uint32_t nnz;              /* popcount(bitmap) */
    uint64_t words[BSP_WORDS]; /* the XOR words, ascending word order; never zero */
} bsp_delta;

#define BSP_DELTA_MAX_WIRE (32 + 8 * BSP_WORDS)

void bsp_delta_zero(bsp_delta *d);
void bsp_delta_compute(bsp_delta *d, const uint64_t a[BSP_WORDS], const uint64_t b[BSP_WORDS]);
void bsp_delta_apply(uint64_t base[BSP_WORDS], const bsp_delta *d);  /* in place */
void bsp_delta_compose(bsp_delta *out, const bsp_delta *d1, const bsp_delta *d2); /* out may alias */
void bsp_delta_expand(uint64_t out[BSP_WORDS], const bsp_delta *d);  /* 256 XOR words */
void bsp_delta_from_words(bsp_delta *d, const uint64_t x[BSP_WORDS]); /* recompact */
static inline bool bsp_delta_is_zero(const bsp_delta *d) { return d->nnz == 0; }
bool bsp_delta_equal(const bsp_delta *a, const bsp_delta *b);
uint32_t bsp_delta_hamming(const bsp_delta *d);
size_t bsp_delta_compressed_bytes(const bsp_delta *d); /* 32 + 8 nnz */
double bsp_delta_compression_ratio(const bsp_delta *d);
double bsp_delta_sparsity(const bsp_delta *d);
bool bsp_delta_is_semantic_only(const bsp_delta *d);
void bsp_delta_semantic_part(bsp_delta *out, const bsp_delta *d); /* words 0..207 */
void bsp_delta_schema_part(bsp_delta *out, const bsp_delta *d);   /* words 208..255 */

/* Wire format (§10.2). encode writes 32 + 8 nnz bytes into out (cap >= that) and returns
 * the length, or BSP_ERANGE if cap is too small. decode rejects malformed bytes with
 * BSP_EINVAL and a message (short length, length/popcount mismatch, zero payload word). */
int bsp_delta_encode(const bsp_delta *d, uint8_t *out, size_t cap);
int bsp_delta_decode(bsp_delta *d, const uint8_t *in, size_t len);

/* Per-record delta chain (§10.3): anchor + up to 255 deltas. */
typedef struct bsp_delta_chain bsp_delta_chain;
int bsp_delta_chain_new(bsp_delta_chain **out, const uint64_t anchor[BSP_WORDS]);
void bsp_delta_chain_free(bsp_delta_chain *c);
/* Append a version (delta against the previous version). BSP_EFULL past 256 versions. */
int bsp_delta_chain_push(bsp_delta_chain *c, const uint64_t next[BSP_WORDS]);
size_t bsp_delta_chain_depth(const bsp_delta_chain *c); /* deltas + 1 */
void bsp_delta_chain_reconstruct(const bsp_delta_chain *c, size_t i, uint64_t out[BSP_WORDS]);
size_t bsp_delta_chain_compressed_bytes(const bsp_delta_chain *c);
double bsp_delta_chain_estimate_compression(const bsp_delta_chain *c);

#ifdef __cplusplus
}
#endif
#endif
