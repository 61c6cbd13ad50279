/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF), as
 * used by the WAL. crc32c("123456789") = 0xE3069283. Uses the SSE4.2 instruction when the
 * CPU has it (chosen once), else a slicing-by-8 table. */
#ifndef BSP_UTIL_CRC32C_H
#define BSP_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: crc32c_update(0, p, n) is the CRC of p; feeding pieces gives the same. */
uint32_t crc32c_update(uint32_t crc, const void *p, size_t n);
static inline uint32_t crc32c(const void *p, size_t n) { return crc32c_update(0, p, n); }
/* Three independent CRCs continued over n bytes each: crc[k] = crc32c_update(crc[k], p[k], n).
 * The crc32 instruction has a latency of 3 cycles and a throughput of 1, so three streams
 * run about 3x faster than one after the other (checking many equal-sized rows). */
void crc32c_update_x3(uint32_t crc[3], const void *const p[3], size_t n);
/* The portable path, for tests that compare the two. */
uint32_t crc32c_update_portable(uint32_t crc, const void *p, size_t n);

#endif
