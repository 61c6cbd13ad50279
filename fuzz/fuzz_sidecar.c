/* Fuzz the sidecar decoders (spec §3-4): any 2,048 bytes decode, render as JSON, and go
 * through the schema algebra without crashing; a decoded sidecar that obeys the writing
 * rules packs back to the same non-reserved bits. */
#include <stdlib.h>
#include <string.h>

#include "bindspace/sidecar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t bytes[BSP_BYTES];
    memset(bytes, 0, sizeof bytes);
    memcpy(bytes, data, size < sizeof bytes ? size : sizeof bytes);
    uint64_t r[BSP_WORDS], o[BSP_WORDS];
    bsp_fp_from_bytes(r, bytes);
    bsp_sidecar s, u;
    bsp_sidecar_unpack(r, &s);
    char *j = NULL;
    if (bsp_sidecar_to_json(r, &j) == 0) free(j);
    (void)bsp_sidecar_ani_dominant(&s);
    (void)bsp_sidecar_best_action(&s, NULL);
    (void)bsp_sidecar_reward_trend(&s);
    (void)bsp_bloom_approx_count(s.bloom);
    (void)bsp_fp_truth(r);
    bsp_schema_bind(o, r, r);
    bsp_schema_merge(o, r, o);
    bsp_schema_nars_revision_inline(o, o, r);
    memcpy(o, r, sizeof o);
    if (bsp_sidecar_pack(o, &s) == 0) {
        if (memcmp(o, r, 208 * 8) != 0) abort();
        bsp_sidecar_unpack(o, &u);
        s.edge_flags &= 0x0F;
        if (memcmp(&s, &u, sizeof s) != 0) abort();
    }
    return 0;
}
