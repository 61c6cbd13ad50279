/* Fuzz target: Lance `.arrow` deletion files (Arrow IPC file, uint32 row_id, ZSTD bodies).
 * Any input must give BSP_OK with a bitmap or an error, never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>

#include "bindspace/error.h"
#include "lance/deletion.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    roaring_bitmap_t *r = NULL;
    int rc = deletion_parse_arrow("fuzz.arrow", data, size, &r);
    if (rc == BSP_OK) {
        if (!r) abort();
        roaring_bitmap_free(r);
    } else if (r || (rc != BSP_ECORRUPT && rc != BSP_EUNSUPPORTED && rc != BSP_ENOMEM)) {
        abort();
    }
    return 0;
}
