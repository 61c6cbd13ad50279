/* Fuzz the backup code that reads outside bytes: the seal file parser (text lines with CRCs)
 * and the §13 application of a version record whose entries (keys, kinds, payloads,
 * checksums, row counts) come from arbitrary bytes, forward and backward, on a small state.
 * Whatever the input, apply must either succeed or fail leaving the state unchanged (it is
 * atomic), and never crash. Input: byte 0 selects the target (even: seals, odd: apply).
 * Seeds: fuzz/seeds/backup/. */
#include <stdlib.h>
#include <string.h>

#include "bindspace/error.h"
#include "delta/backup_internal.h"

static uint64_t rd(const uint8_t **p, const uint8_t *end, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && *p < end; i++) v |= (uint64_t)*(*p)++ << (8 * i);
    return v;
}

static uint64_t fnv_state(const bk_state *s)
{
    uint64_t h = bsp_fnv1a64(s->keys, s->n * sizeof *s->keys);
    for (size_t i = 0; i < s->n; i++) h ^= bsp_fnv1a64(bk_state_rec(s, i), BK_REC) + i;
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if ((data[0] & 1) == 0) {
        size_t good, bad;
        bk_seal_parse_count(data + 1, size - 1, &good, &bad);
        return 0;
    }
    const uint8_t *p = data + 1, *end = data + size;
    /* A state of up to 8 records at keys 0..15 with records derived from the input. */
    bk_state s;
    memset(&s, 0, sizeof s);
    size_t n = (size_t)rd(&p, end, 1) % 9;
    if (bk_state_reserve(&s, n)) return 0;
    for (size_t i = 0; i < n; i++) {
        s.keys[i] = 2 * i;
        s.slot[i] = (uint32_t)i;
        memset(s.arena + i * BK_REC, (int)rd(&p, end, 1), BK_REC);
    }
    s.n = s.nslots = n;
    bk_record r;
    memset(&r, 0, sizeof r);
    r.from = 1;
    r.to = 2;
    r.rows_from = rd(&p, end, 1) % 12;
    r.rows_to = rd(&p, end, 1) % 12;
    while (p < end && r.n < 32) {
        uint64_t key = rd(&p, end, 1) % 20;
        uint8_t kind = (uint8_t)(rd(&p, end, 1) % 5);
        uint64_t checksum = rd(&p, end, 8);
        size_t len = (size_t)rd(&p, end, 2) % (BSP_DELTA_MAX_WIRE + 1);
        uint8_t buf[BSP_DELTA_MAX_WIRE > BK_REC ? BSP_DELTA_MAX_WIRE : BK_REC];
        size_t have = (size_t)(end - p) < len ? (size_t)(end - p) : len;
        memcpy(buf, p, have);
        memset(buf + have, 0, len - have);
        p += have;
        if (kind == BSP_BACKUP_CREATE || kind == BSP_BACKUP_DELETE) {
            /* full records: repeat the bytes, and sometimes use the real checksum */
            for (size_t i = have; i < BK_REC; i++) buf[i] = have ? buf[i % have] : 0;
            len = BK_REC;
            if (checksum & 1) checksum = bsp_fnv1a64(buf, BK_REC);
        }
        if (bk_record_add(&r, key, kind, checksum, buf, (uint32_t)len)) break;
    }
    uint64_t before = fnv_state(&s);
    size_t nb = s.n;
    int rc = (data[0] & 2) ? bk_apply_backward(&s, &r) : bk_apply_forward(&s, &r);
    if (rc != BSP_OK && (s.n != nb || fnv_state(&s) != before)) abort(); /* not atomic */
    bk_record_free(&r);
    bk_state_free(&s);
    return 0;
}
