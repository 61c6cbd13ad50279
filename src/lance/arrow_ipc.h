/* A reader for the one Arrow IPC shape Lance uses in `.arrow` deletion files (spec:
 * shared/spec/lance-format.md §4.1): an IPC *file* whose schema is exactly one non-nullable
 * uint32 column, with any number of record batches, bodies uncompressed or ZSTD-compressed
 * per buffer (LZ4 is BSP_EUNSUPPORTED).
 *
 * Messages are found through the footer (`... footer flatbuffer | i32 len | "ARROW1"`), never by
 * scanning from the start, and every flatbuffer offset is bounds-checked against its region.
 * Values are streamed to a callback in chunks, so memory stays bounded whatever the file
 * claims. Any malformed byte is BSP_ECORRUPT naming `name` and the problem. */
#ifndef BSP_LANCE_ARROW_IPC_H
#define BSP_LANCE_ARROW_IPC_H

#include <stddef.h>
#include <stdint.h>

/* Called with consecutive chunks of the column's values (host order); a non-zero return
 * stops the read and is returned. */
typedef int (*arrow_ipc_u32_fn)(void *ctx, const uint32_t *values, size_t n);

/* Read the values of the single column `field_name` (uint32, not nullable) of the IPC file in
 * data[0..len). *rows (may be NULL) receives the number of values delivered. */
int arrow_ipc_read_u32(const char *name, const uint8_t *data, size_t len, const char *field_name,
                       arrow_ipc_u32_fn fn, void *ctx, uint64_t *rows);

#endif
