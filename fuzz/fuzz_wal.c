/* Fuzz the WAL segment parser: a segment header followed by records, parsed the way
 * recovery walks a segment (stop at the first zero or invalid record). */
#include <stddef.h>
#include <stdint.h>

#include "space/wal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wal_seg_header h;
    size_t off = 0;
    if (wal_parse_seg_header(data, size, &h) == 0) off = WAL_SEG_HEADER;
    for (int i = 0; i < 100000 && off < size; i++) {
        wal_rec r;
        size_t used = 0;
        if (wal_parse_record(data + off, size - off, &r, &used) != 1) break;
        if (used < WAL_REC_HEADER || used > size - off || r.len > used) __builtin_trap();
        off += used;
    }
    return 0;
}
