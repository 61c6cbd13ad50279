/* Internal helpers shared by the sidecar modules (sidecar.c, schema_algebra.c,
 * sidecar_json.c). Not part of the public API. */
#ifndef BSP_FP_SIDECAR_INTERNAL_H
#define BSP_FP_SIDECAR_INTERNAL_H

#include "bindspace/sidecar.h"

/* Unpack, but read every field as 0 when r's schema_version != 1 (§3.4, §9). */
void sidecar_unpack_v1(const uint64_t r[BSP_WORDS], bsp_sidecar *s);
/* Write words 208..255 from s without validating the writing rules: reserved fields and
 * edge flag bits 4..7 become 0, word 223 = (w223_low bits 0..55) | version 1. */
void sidecar_pack_fields(uint64_t r[BSP_WORDS], const bsp_sidecar *s, uint64_t w223_low);

#endif
