/* The 16,384-bit fingerprint record and its kernels (spec: shared/spec/fingerprint.md §1-5, 12, 14-15).
 *
 * A record is 256 u64 words. In memory it is an array `uint64_t r[BSP_WORDS]` in host byte
 * order; the external byte form is the 256 words little-endian (2,048 bytes), which on a
 * little-endian host is the same memory. Records handed to the scan kernels should be
 * 64-byte aligned (BSP_ALIGN) for the SIMD paths, but every function accepts any alignment. */
#ifndef BINDSPACE_FP_H
#define BINDSPACE_FP_H

#include <stddef.h>
#include <stdint.h>

#include "bindspace/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BSP_WORDS 256          /* words per record */
#define BSP_BYTES 2048         /* bytes per record (byte form) */
#define BSP_HEX_CHARS 4096     /* lowercase hex of the byte form */
#define BSP_SEM_WORDS 208      /* words 0..207: semantic content */
#define BSP_SIDECAR_WORD 208   /* words 208..255: metadata sidecar */
#define BSP_BLOCKS 16          /* 16 blocks of 16 words */
#define BSP_ALIGN 64

/* Block masks (§5): bit k includes block k (words 16k..16k+15). */
#define BSP_MASK_SEMANTIC 0x1FFFu
#define BSP_MASK_SCHEMA 0xE000u
#define BSP_MASK_ALL 0xFFFFu

/* ---- byte form / hex ------------------------------------------------------------------ */
void bsp_fp_from_bytes(uint64_t r[BSP_WORDS], const uint8_t bytes[BSP_BYTES]);
void bsp_fp_to_bytes(uint8_t bytes[BSP_BYTES], const uint64_t r[BSP_WORDS]);
/* Parse exactly 4,096 lowercase hex chars (len must be 4096). BSP_EINVAL with a message otherwise. */
int bsp_fp_from_hex(uint64_t r[BSP_WORDS], const char *hex, size_t len);
/* Writes 4,096 hex chars plus a NUL into out (at least 4,097 bytes). */
void bsp_fp_to_hex(char *out, const uint64_t r[BSP_WORDS]);

/* ---- distances and bit operations (§5, §14); dispatched to the best SIMD kernel ---------- */
uint32_t bsp_fp_hamming(const uint64_t *a, const uint64_t *b);   /* words 0..255 */
uint32_t bsp_fp_semantic(const uint64_t *a, const uint64_t *b);  /* words 0..207 */
/* Masked distance over the blocks in mask. mask == 0 is an error: returns BSP_EINVAL. */
int bsp_fp_masked(const uint64_t *a, const uint64_t *b, uint16_t mask, uint32_t *dist);
/* masked_within: 1 and *dist = d if d <= t, 0 ("none") otherwise, BSP_EINVAL if mask == 0.
 * Stops at a block boundary once the running total exceeds t. */
int bsp_fp_masked_within(const uint64_t *a, const uint64_t *b, uint16_t mask, uint32_t t,
                         uint32_t *dist);
uint32_t bsp_fp_popcount(const uint64_t *a);                     /* all 256 words */
void bsp_fp_xor(uint64_t *out, const uint64_t *a, const uint64_t *b); /* out may alias a or b */
/* Majority bundle (§14): bit i set iff more than n/2 inputs have it. n >= 1 else BSP_EINVAL. */
int bsp_fp_bundle(uint64_t *out, const uint64_t *const *inputs, size_t n);
/* Number of blocks in a mask; similarity = 1 - d / (1024 * blocks) (§5). */
int bsp_mask_blocks(uint16_t mask);
double bsp_similarity(uint32_t d, uint16_t mask);
/* isqrt(n): exact floor of sqrt(n). */
uint64_t bsp_isqrt(uint64_t n);

/* Name of the kernel chosen at start-up ("avx512-vpopcntdq", "avx2", "portable"). */
const char *bsp_fp_kernel_name(void);

/* ---- hashes (§4.5) --------------------------------------------------------------------- */
uint64_t bsp_splitmix64(uint64_t x);
uint64_t bsp_fnv1a64(const void *bytes, size_t len);
/* The deterministic label fingerprint of a UTF-8 text: words 0..207 from splitmix64 of the
 * FNV-1a seed, words 208..255 zero (schema_version 0). */
void bsp_label_fp(uint64_t out[BSP_WORDS], const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
