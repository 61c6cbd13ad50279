/* Fuzz the manifest decoder (spec §2.1): arbitrary bytes either fail with an error message
 * naming the file, or decode to a manifest that manifest_encode_checked (what a commit uses)
 * either refuses with a message, or re-encodes (index section and unknown fields carried
 * forward, as a commit does) into bytes that decode again to the same version and fragment
 * count. Commits write their own transaction, so a decoded one is not re-encoded. Seeds in
 * fuzz/seeds/manifest/ include inputs protobuf-c decodes but cannot re-encode readably. */
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
    if (manifest_encode_checked(mf.m, mf.index, NULL, &buf, &len) != BSP_OK) {
        if (!bsp_errmsg()[0]) abort();
    } else {
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
