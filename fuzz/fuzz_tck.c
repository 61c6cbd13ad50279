/* Fuzz the TCK runner's two parsers (tests/tck): the first byte picks the TCK value parser
 * (a value that parses must equal itself, in both list modes) or the Gherkin reader (must
 * return 0 or -1 with a message, never crash). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/tck/tck_gherkin.h"
#include "../tests/tck/tck_value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    if (data[0] & 1) {
        tv v;
        char err[200];
        if (tv_parse(text, size - 1, &v, err, sizeof err) == 0) {
            if (!tv_equal(&v, &v, 0) || !tv_equal(&v, &v, 1)) __builtin_trap();
            tv_free(&v);
        } else if (!err[0]) {
            __builtin_trap();
        }
    } else {
        gk_feature f;
        if (gk_parse(text, &f) != 0 && !f.err[0]) __builtin_trap();
        gk_feature_free(&f);
    }
    free(text);
    return 0;
}
