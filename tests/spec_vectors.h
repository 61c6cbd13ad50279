/* Conformance data of spec §18 shared by several tests. The §18.2 record: words 0..207 zero
 * and the sidecar words the spec's table lists (every other word zero). */
#ifndef BSP_TEST_SPEC_VECTORS_H
#define BSP_TEST_SPEC_VECTORS_H

#include <stdint.h>
#include <string.h>

#include "bindspace/fp.h"

static const struct spec_word { int w; uint64_t v; } spec_18_2_words[] = {
    {208, 0x01f4000000000000ull}, {209, 0x00000000000000c8ull}, {210, 0x7fffe6659999ccccull},
    {211, 0xabcd030105c8012aull}, {212, 0x000000000000b332ull}, {213, 0x000004d2002a0203ull},
    {214, 0x0000000030d401f4ull}, {215, 0x8ac625bb85ed202bull}, {223, 0x0100000000000000ull},
    {224, 0x000000005f000058ull}, {227, 0x3fff000000000000ull}, {229, 0x002a000000000000ull},
    {230, 0x0000000000007fffull}, {240, 0x00000000002a0703ull}, {244, 0x0000000000000004ull},
    {245, 0x0000400010000000ull}, {246, 0x0000000000200000ull}, {247, 0x0000080000000002ull},
    {248, 0x020305002a0203e8ull}, {249, 0x00000000800c4207ull},
};
#define SPEC_18_2_NWORDS (sizeof spec_18_2_words / sizeof spec_18_2_words[0])

/* The value the §18.2 table gives for word w (0 for words it omits). */
static inline uint64_t spec_18_2_word(int w)
{
    for (size_t i = 0; i < SPEC_18_2_NWORDS; i++)
        if (spec_18_2_words[i].w == w) return spec_18_2_words[i].v;
    return 0;
}

static inline void spec_record_18_2(uint64_t r[BSP_WORDS])
{
    memset(r, 0, BSP_BYTES);
    for (size_t i = 0; i < SPEC_18_2_NWORDS; i++) r[spec_18_2_words[i].w] = spec_18_2_words[i].v;
}

#endif
