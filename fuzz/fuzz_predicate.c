/* Fuzz the predicate compiler (spec §6.2): arbitrary bytes either fail with a message or
 * compile to a predicate that evaluates without crashing, passes every version-0 record iff
 * it is empty (§6.1), and describes itself. Exercises jansson's early stops (duplicate keys,
 * numeric overflow, NUL in keys) and our document-order reconstruction after them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "bindspace/predicate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bsp_predicate *p = (bsp_predicate *)&p;
    int rc = bsp_predicate_compile((const char *)data, size, &p);
    if (rc < 0) {
        if (p != NULL || !bsp_errmsg()[0]) abort();
        return 0;
    }
    static uint64_t r[BSP_WORDS];
    memset(r, 0, sizeof r);
    if (bsp_predicate_eval(p, r) != bsp_predicate_is_empty(p)) abort();
    for (int w = 208; w < BSP_WORDS; w++) r[w] = (uint64_t)w * 0x9E3779B97F4A7C15ull;
    r[223] = 1ull << 56;
    (void)bsp_predicate_eval(p, r);
    for (int w = 208; w < BSP_WORDS; w++) r[w] = ~0ull;
    r[223] = 1ull << 56;
    (void)bsp_predicate_eval(p, r);
    const char *d = bsp_predicate_describe(p);
    if (!d || (d[0] == '\0') != bsp_predicate_is_empty(p)) abort();
    bsp_predicate_free(p);
    return 0;
}
