/* Fuzz the manifest decoder (spec §2.1): arbitrary bytes either fail with an error message
 * naming the file, or decode to a manifest that re-encodes (with its index section and
 * unknown fields, as a commit carries them forward) and decodes again to the same version
 * and fragment count. A decoded transaction section is only checked to decode: commits write
 * their own transaction and never re-encode a foreign one (protobuf-c does not re-encode
 * every malformed-but-accepted message into bytes it accepts again; seeds/manifest/txn-*). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "lance/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    manifest_file mf;
    if (manifest_decode(data, size, "fuzz.manifest", 0, &mf) != BSP_OK) {
        if (!strstr(bsp_errmsg(), "fuzz.manifest")) abort();
        return 0;
    }
    (void)manifest_data_format(mf.m);
    mf.path = NULL;
    (void)manifest_check_read(&mf);
    uint8_t *buf;
    size_t len;
    if (manifest_encode(mf.m, mf.index, NULL, &buf, &len) == BSP_OK) {
        manifest_file again;
        if (manifest_decode(buf, len, "fuzz2.manifest", mf.version, &again) != BSP_OK) abort();
        if (again.m->n_fragments != mf.m->n_fragments) abort();
        if ((again.index != NULL) != (mf.index != NULL)) abort();
        if (again.txn != NULL) abort();
        manifest_file_free(&again);
        free(buf);
    }
    manifest_file_free(&mf);
    return 0;
}
