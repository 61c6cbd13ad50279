/* Fuzz the neighbour segment reader (docs/graph.md "Segment files") and the index details
 * message: arbitrary bytes either fail with an error naming the file, or give segments whose
 * entries are sorted per direction with rows and types in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "index/graph_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Bindspace__V1__NeighborIndex *d = bindspace__v1__neighbor_index__unpack(NULL, size, data);
    if (d) bindspace__v1__neighbor_index__free_unpacked(d, NULL);
    nseg s;
    if (nseg_read_mem("fuzz-segment.lance", data, size, 1000, 8, &s) != BSP_OK) {
        if (!strstr(bsp_errmsg(), "fuzz-segment.lance")) abort();
        return 0;
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < s.n[k]; i++) {
            if (s.e[k][i].row >= 1000 || s.e[k][i].type >= 8) abort();
            if (i && s.e[k][i - 1].node > s.e[k][i].node) abort();
        }
    nseg_free(&s);
    return 0;
}
