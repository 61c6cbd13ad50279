/* Fuzz the DN path parser and pattern matcher (spec §15): any bytes as path text and as a
 * pattern must parse or fail cleanly; a parsed path must re-parse to itself, and its parent
 * chain must end at depth 0. */
#include <stdlib.h>
#include <string.h>

#include "bindspace/sidecar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    bsp_dn dn, again;
    if (bsp_dn_parse(text, size, &dn) == 0) {
        /* The canonical text re-parses to itself unless it starts with bytes that parsing
         * strips (whitespace or a second scheme, as in "hdr://hdr://x"). */
        unsigned char c0 = (unsigned char)dn.canonical[0];
        int strips = (c0 >= 0x09 && c0 <= 0x0D) || c0 == 0x20 ||
                     strncmp(dn.canonical, "hdr://", 6) == 0 ||
                     strncmp(dn.canonical, "bindspace://", 12) == 0;
        if (!strips) {
            if (bsp_dn_parse(dn.canonical, dn.canonical_len, &again) != 0) abort();
            if (memcmp(&dn, &again, sizeof dn) != 0) abort();
        }
        (void)bsp_dn_addr(&dn);
        while (dn.depth > 0)
            if (bsp_dn_parent(&dn, &dn) != 0) abort();
        if (dn.canonical_len != dn.domain_len + 1 + dn.tree_len) abort();
    }
    /* split the input into key | pattern at the first 0xFF byte */
    const uint8_t *cut = memchr(data, 0xFF, size);
    size_t k = cut ? (size_t)(cut - data) : size / 2;
    size_t rest = cut ? size - k - 1 : size - k;
    (void)bsp_dn_matches_prefix(text, k, text + (size - rest), rest);
    if (size >= 8) {
        uint64_t v;
        memcpy(&v, data, 8);
        uint8_t idx[7], depth;
        if (bsp_dn_unpack(v, idx, &depth) == 0) {
            uint64_t w;
            if (bsp_dn_pack(idx, depth, &w) != 0 || w != v) abort();
        }
        (void)bsp_dn_packed_parent(v);
    }
    return 0;
}
