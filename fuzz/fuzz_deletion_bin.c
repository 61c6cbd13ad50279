/* Fuzz target: Lance `.bin` deletion files (roaring portable format, cookies 12346/12347).
 * Accepted bitmaps must re-serialize to the same set. */
#include <stdint.h>
#include <stdlib.h>

#include "bindspace/error.h"
#include "lance/deletion.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    roaring_bitmap_t *r = NULL;
    int rc = deletion_parse_bin("fuzz.bin", data, size, &r);
    if (rc != BSP_OK) {
        if (r || (rc != BSP_ECORRUPT && rc != BSP_ENOMEM)) abort();
        return 0;
    }
    uint8_t *enc;
    size_t n;
    if (deletion_encode_bin(r, &enc, &n) == BSP_OK) {
        roaring_bitmap_t *back = NULL;
        if (deletion_parse_bin("re.bin", enc, n, &back) != BSP_OK || !roaring_bitmap_equals(back, r))
            abort();
        roaring_bitmap_free(back);
        free(enc);
    }
    roaring_bitmap_free(r);
    return 0;
}
