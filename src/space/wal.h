/* The BindSpace write-ahead log: segments of CRC-checked records in dir/_bindspace/wal/.
 *
 * Format (docs/space.md has the full table; all integers little-endian):
 *   segment `<16 hex digits of the segment number>.wal`, preallocated (zero-filled):
 *     header, 64 bytes: "BSPWAL\r\n", u32 format 1, u32 header size 64, u64 segment number,
 *     u64 first seq, u64 base version at creation, 20 zero bytes, u32 CRC-32C of bytes 0..59.
 *   records from offset 64, each 8-byte aligned:
 *     u32 magic "RWAL", u32 CRC-32C of bytes 8.. end of padded payload, u32 payload length,
 *     u8 kind, u8 0, u16 address, u64 seq, u64 base version, payload, zero padding to 8.
 *   A record of kind MARK starts every write batch; its seq field is the highest sequence
 *   number known durable when the batch was written (it takes no sequence number itself).
 *   Every other record takes the next sequence number.
 *
 * Recovery: records are read in order; the first position that is not a valid record is the
 * end of the log. If any later MARK claims a sequence number at or past that point, the
 * damaged record had been acknowledged: the open fails naming the segment and offset.
 * Otherwise it is a torn tail (an unacknowledged batch): it is zeroed with a warning.
 *
 * Group commit: writers append records to a shared buffer (in the order the space applied
 * them) and then wait; the first waiter becomes the leader, writes the whole buffer with one
 * pwrite and one fdatasync, and wakes the others. Records appended while a sync is in flight
 * form the next batch. */
#ifndef BSP_SPACE_WAL_H
#define BSP_SPACE_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bindspace/space.h"

enum wal_kind {
    WAL_DELTA = 1,  /* payload: XorDelta wire bytes; visible ^= delta (address occupied) */
    WAL_PUT = 2,    /* payload: wire bytes of compute(zero, record); write_at */
    WAL_DELETE = 3, /* no payload */
    WAL_DNBIND = 4, /* payload: canonical DN path bytes; index path -> address */
    WAL_MARK = 5    /* batch marker, see above */
};

#define WAL_SEG_HEADER 64
#define WAL_REC_HEADER 32
#define WAL_MAX_PAYLOAD 4096
#define WAL_SEG_DEFAULT (16u << 20)

typedef struct wal_rec {
    uint8_t kind;
    uint16_t addr;
    uint64_t seq;
    uint64_t base_version;
    const uint8_t *payload;
    uint32_t len;
} wal_rec;

typedef struct wal_seg_header {
    uint64_t segno, first_seq, base_version;
} wal_seg_header;

/* Parse a segment header (64 bytes). BSP_ECORRUPT with the reason. */
int wal_parse_seg_header(const uint8_t *buf, size_t len, wal_seg_header *h);
/* Parse the record at buf[0..len): 1 = record (*used = its padded size), 0 = zero bytes
 * (end of log), BSP_ECORRUPT = not a valid record (message says why). Payloads of DELTA and
 * PUT are checked to be canonical XorDelta wire bytes. */
int wal_parse_record(const uint8_t *buf, size_t len, wal_rec *r, size_t *used);

typedef struct wal wal;

typedef struct wal_options {
    bsp_durability durability;
    uint32_t interval_ms;
    uint64_t segment_bytes;  /* 0 = WAL_SEG_DEFAULT */
    bool read_only;          /* replay only: never modify files */
} wal_options;

/* Replay callback: gets every record with base_version == current_version, in order. */
typedef int (*wal_replay_fn)(void *ctx, const wal_rec *r);

/* Open (creating) the WAL directory, check and replay it, and get ready to append records
 * with base version current_version. */
int wal_open(const char *dir, const wal_options *opts, uint64_t current_version, wal_replay_fn fn,
             void *ctx, wal **out);
void wal_close(wal *w);

/* Append one record to the pending batch (call in apply order, e.g. under the writer lock);
 * *seq receives its sequence number. Nothing is durable until wal_wait. */
int wal_append(wal *w, uint8_t kind, uint16_t addr, const uint8_t *payload, uint32_t len, uint64_t *seq);
/* Make the record `seq` durable according to the durability mode (SYNC: wait for the
 * fdatasync covering it; INTERVAL and NONE: return at once). */
int wal_commit(wal *w, uint64_t seq);
/* Write and sync everything appended so far, whatever the mode. */
int wal_sync(wal *w);
/* After a flush committed `new_version`: later records carry it as base version, every
 * segment but the current one is deleted, and a fresh segment is started when the current
 * one is more than half full. Call with writers stopped. */
int wal_checkpoint(wal *w, uint64_t new_version);
uint64_t wal_last_seq(wal *w);
uint64_t wal_durable_seq(wal *w);

#endif
