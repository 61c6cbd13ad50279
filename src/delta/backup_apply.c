/* Table states and §13 version-record application, forward and backward.
 *
 * The one idea: a state is a sorted key array whose entries point at 2 KiB slots of one
 * arena, so applying a record never moves records: MODIFY XORs a slot in place, DELETE frees
 * a slot, CREATE fills a free (or new) slot, and only the small key/slot arrays are merged.
 * Application is atomic (§13): pass 1 checks every requirement and reserves all memory,
 * pass 2 cannot fail. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "delta/backup_internal.h"
#include "util/error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "backup: records are handled in byte form through u64 views (little-endian hosts only)"
#endif

static int oom(void) { return bsp_err(BSP_ENOMEM, "backup: out of memory"); }

uint64_t bsp_backup_checksum(const uint64_t rec[BSP_WORDS])
{
    return bsp_fnv1a64(rec, BK_REC);
}

static const char *kind_name(int k)
{
    switch (k) {
    case BSP_BACKUP_MODIFY: return "MODIFY";
    case BSP_BACKUP_CREATE: return "CREATE";
    case BSP_BACKUP_DELETE: return "DELETE";
    default: return "?";
    }
}

/* ---- states ---------------------------------------------------------------------------------- */

static void arena_release(bk_state *s);

void bk_state_free(bk_state *s)
{
    free(s->keys);
    free(s->slot);
    arena_release(s);
    free(s->freeslots);
    memset(s, 0, sizeof *s);
}

long bk_state_find(const bk_state *s, uint64_t key)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->keys[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->n && s->keys[lo] == key ? (long)lo : -1;
}

static void arena_release(bk_state *s)
{
    if (s->map.base) bsp_fp_map_free(&s->map);
    else free(s->arena);
    s->arena = NULL;
}

/* Grow the arena (a mapped arena is copied into memory of our own the first time). */
static int arena_reserve(bk_state *s, size_t slots)
{
    if (slots <= s->slotcap) return BSP_OK;
    if (slots > UINT32_MAX) return bsp_err(BSP_EFULL, "backup: more than 2^32 records in a state");
    size_t cap = s->slotcap ? s->slotcap : 64;
    while (cap < slots) cap *= 2;
    uint8_t *a;
    if (s->map.base) {
        a = malloc(cap * BK_REC);
        if (a && s->nslots) memcpy(a, s->arena, s->nslots * BK_REC);
    } else {
        a = realloc(s->arena, cap * BK_REC);
    }
    if (!a) return oom();
    if (s->map.base) arena_release(s);
    s->arena = a;
    s->slotcap = cap;
    return BSP_OK;
}

int bk_state_reserve_keys(bk_state *s, size_t n)
{
    uint64_t *k = realloc(s->keys, (n ? n : 1) * sizeof *k);
    if (!k) return oom();
    s->keys = k;
    uint32_t *sl = realloc(s->slot, (n ? n : 1) * sizeof *sl);
    if (!sl) return oom();
    s->slot = sl;
    return BSP_OK;
}

int bk_state_reserve(bk_state *s, size_t n)
{
    int rc = bk_state_reserve_keys(s, n);
    return rc ? rc : arena_reserve(s, n);
}

/* ---- records --------------------------------------------------------------------------------- */

void bk_record_free(bk_record *r)
{
    free(r->e);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

int bk_record_add(bk_record *r, uint64_t key, uint8_t kind, uint64_t checksum, const uint8_t *payload,
                  uint32_t len)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        bk_entry *e = realloc(r->e, cap * sizeof *e);
        if (!e) return oom();
        r->e = e;
        r->cap = cap;
    }
    if (r->bufcap - r->len < len) {
        size_t cap = r->bufcap ? r->bufcap : 4096;
        while (cap - r->len < len) cap *= 2;
        uint8_t *b = realloc(r->buf, cap);
        if (!b) return oom();
        r->buf = b;
        r->bufcap = cap;
    }
    if (len) memcpy(r->buf + r->len, payload, len);
    r->e[r->n++] = (bk_entry){key, kind, checksum, len, r->len};
    r->len += len;
    return BSP_OK;
}

/* ---- application ----------------------------------------------------------------------------- */

int bk_entry_fail(const bk_record *r, const bk_entry *e, const char *what)
{
    return bsp_err(BSP_ECORRUPT, "version record %" PRIu64 "->%" PRIu64 ": key %" PRIu64 " (%s): %s",
                   r->from, r->to, e->key, kind_name(e->kind), what);
}

/* §13 checksums of MODIFY entries, FNV_LANES records at a time. FNV-1a is one multiply per
 * byte, each depending on the last, so one record at a time runs at the multiplier's latency;
 * independent records interleaved run at its throughput (about 4x faster here). */
#define FNV_LANES BK_FNV_LANES

typedef struct fnv_batch {
    const uint8_t *rec[FNV_LANES]; /* the records whose checksums are due (in the state) */
    size_t entry[FNV_LANES];       /* their entries in the record */
    int n;
} fnv_batch;

void bk_fnv_lanes(const uint8_t *const rec[], int n, uint64_t h[FNV_LANES])
{
    const uint8_t *p[FNV_LANES];
    for (int k = 0; k < FNV_LANES; k++) {
        p[k] = rec[k < n ? k : 0];
        h[k] = 0xCBF29CE484222325ull;
    }
    for (size_t i = 0; i < BK_REC; i++)
        for (int k = 0; k < FNV_LANES; k++) h[k] = (h[k] ^ p[k][i]) * 0x100000001B3ull;
}

/* Compare the batched checksums, failing on the first mismatch in entry order. */
static int fnv_flush(fnv_batch *b, const bk_record *r, bool forward)
{
    if (b->n == 0) return BSP_OK;
    uint64_t h[FNV_LANES];
    bk_fnv_lanes(b->rec, b->n, h);
    int n = b->n;
    b->n = 0;
    for (int k = 0; k < n; k++)
        if (h[k] != r->e[b->entry[k]].checksum)
            return bk_entry_fail(r, &r->e[b->entry[k]], forward ? "the result does not match the checksum"
                                                       : "the current record does not match the checksum");
    return BSP_OK;
}

/* XOR the deltas of the MODIFY entries among r->e[0 .. upto) into their records. XOR undoes
 * itself, so this both applies (forward) and takes back a forward application. */
static void xor_modifies(bk_state *s, const bk_record *r, size_t upto)
{
    for (size_t i = 0; i < upto; i++) {
        const bk_entry *e = &r->e[i];
        if (e->kind != BSP_BACKUP_MODIFY) continue;
        bsp_delta d;
        bsp_delta_decode(&d, r->buf + e->off, e->len);
        bsp_delta_apply((uint64_t *)(void *)bk_state_rec(s, (size_t)bk_state_find(s, e->key)), &d);
    }
}

/* Check every requirement of r applied in the given direction; count inserts/removes. The
 * first failing requirement in entry order is the one reported. Forward, the MODIFY deltas
 * are XORed into the state as they are checked (the checksum is of the result: no copy of
 * the record is needed); on success they stay (*xored = true), on failure they are XORed
 * out again, so a failed check leaves the state bit-identical. */
static int check(bk_state *s, const bk_record *r, bool forward, size_t *ins, size_t *rem)
{
    *ins = *rem = 0;
    uint64_t have = forward ? r->rows_from : r->rows_to;
    if (s->n != have)
        return bsp_err(BSP_ECORRUPT, "version record %" PRIu64 "->%" PRIu64 ": the state has %zu rows,"
                       " the record expects %" PRIu64, r->from, r->to, s->n, have);
    fnv_batch fb;
    fb.n = 0;
    int rc = BSP_OK;
    size_t xored = 0; /* forward: entries [0, xored) have their deltas in the state */
    /* An entry's own failure is reported after the checksums of the entries before it. */
#define CHECK_FAIL(what)                              \
    do {                                              \
        rc = fnv_flush(&fb, r, forward);              \
        if (!rc) rc = bk_entry_fail(r, e, what);               \
        goto out;                                     \
    } while (0)
    for (size_t i = 0; i < r->n; i++) {
        const bk_entry *e = &r->e[i];
        const uint8_t *p = r->buf + e->off;
        if (i && e->key <= r->e[i - 1].key) CHECK_FAIL("entries are not in ascending key order");
        long at = bk_state_find(s, e->key);
        switch (e->kind) {
        case BSP_BACKUP_MODIFY: {
            if (at < 0) CHECK_FAIL("the address is not occupied");
            bsp_delta d;
            if (bsp_delta_decode(&d, p, e->len) < 0 || d.nnz == 0) CHECK_FAIL("bad XorDelta payload");
            uint8_t *rec = bk_state_rec(s, (size_t)at);
            if (forward) { /* the result; backward: the current record */
                bsp_delta_apply((uint64_t *)(void *)rec, &d);
                xored = i + 1;
            }
            fb.rec[fb.n] = rec;
            fb.entry[fb.n++] = i;
            if (fb.n == FNV_LANES && (rc = fnv_flush(&fb, r, forward))) goto out;
            break;
        }
        case BSP_BACKUP_CREATE:
        case BSP_BACKUP_DELETE: {
            if (e->len != BK_REC) CHECK_FAIL("payload is not a 2,048-byte record");
            bool removes = (e->kind == BSP_BACKUP_DELETE) == forward;
            if (removes) {
                if (at < 0) CHECK_FAIL("the address is not occupied");
                if (memcmp(bk_state_rec(s, (size_t)at), p, BK_REC) != 0)
                    CHECK_FAIL("the current record differs from the payload");
                ++*rem;
            } else {
                if (at >= 0) CHECK_FAIL("the address is already occupied");
                ++*ins;
            }
            break;
        }
        default: CHECK_FAIL("unknown entry kind");
        }
    }
#undef CHECK_FAIL
    if ((rc = fnv_flush(&fb, r, forward))) goto out;
    uint64_t want = forward ? r->rows_to : r->rows_from;
    if (s->n + *ins - *rem != want)
        rc = bsp_err(BSP_ECORRUPT, "version record %" PRIu64 "->%" PRIu64 ": applying it gives %zu rows,"
                     " the record says %" PRIu64, r->from, r->to, s->n + *ins - *rem, want);
out:
    if (rc) xor_modifies(s, r, xored);
    return rc;
}

static int apply(bk_state *s, const bk_record *r, bool forward)
{
    size_t ins, rem;
    int rc = check(s, r, forward, &ins, &rem);
    if (rc) return rc;
    /* Forward, check() left the MODIFY results in place; backward they are applied here. */
    if (ins == 0 && rem == 0) { /* only MODIFY entries (the common record): no arrays to merge */
        if (!forward) xor_modifies(s, r, r->n);
        return BSP_OK;
    }
    /* Reserve everything pass 2 needs. */
    size_t n2 = s->n + ins - rem;
    uint64_t *keys = malloc((n2 ? n2 : 1) * sizeof *keys);
    uint32_t *slot = malloc((n2 ? n2 : 1) * sizeof *slot);
    size_t newslots = ins > s->nfree + rem ? ins - s->nfree - rem : 0;
    if (s->nfree + rem > s->freecap) {
        uint32_t *f = realloc(s->freeslots, (s->nfree + rem) * sizeof *f);
        if (!f) rc = oom();
        else {
            s->freeslots = f;
            s->freecap = s->nfree + rem;
        }
    }
    if (!keys || !slot) rc = oom();
    if (!rc) rc = arena_reserve(s, s->nslots + newslots);
    if (rc) {
        free(keys);
        free(slot);
        if (forward) xor_modifies(s, r, r->n); /* take the checked results back: atomic */
        return rc;
    }
    /* Pass 2: merge. Removed slots are freed first so inserts may reuse them. */
    for (size_t i = 0; i < r->n; i++) {
        const bk_entry *e = &r->e[i];
        bool removes = e->kind != BSP_BACKUP_MODIFY && (e->kind == BSP_BACKUP_DELETE) == forward;
        if (removes) s->freeslots[s->nfree++] = s->slot[bk_state_find(s, e->key)];
    }
    size_t a = 0, o = 0;
    for (size_t i = 0; i < r->n; i++) {
        const bk_entry *e = &r->e[i];
        const uint8_t *p = r->buf + e->off;
        while (a < s->n && s->keys[a] < e->key) {
            keys[o] = s->keys[a];
            slot[o++] = s->slot[a++];
        }
        if (e->kind == BSP_BACKUP_MODIFY) {
            if (!forward) {
                bsp_delta d;
                bsp_delta_decode(&d, p, e->len);
                bsp_delta_apply((uint64_t *)(void *)bk_state_rec(s, a), &d);
            }
            keys[o] = s->keys[a];
            slot[o++] = s->slot[a++];
        } else if ((e->kind == BSP_BACKUP_DELETE) == forward) {
            a++; /* removed */
        } else {
            uint32_t sl = s->nfree ? s->freeslots[--s->nfree] : (uint32_t)s->nslots++;
            memcpy(s->arena + (size_t)sl * BK_REC, p, BK_REC);
            keys[o] = e->key;
            slot[o++] = sl;
        }
    }
    while (a < s->n) {
        keys[o] = s->keys[a];
        slot[o++] = s->slot[a++];
    }
    free(s->keys);
    free(s->slot);
    s->keys = keys;
    s->slot = slot;
    s->n = o;
    return BSP_OK;
}

int bk_apply_forward(bk_state *s, const bk_record *r) { return apply(s, r, true); }
int bk_apply_backward(bk_state *s, const bk_record *r) { return apply(s, r, false); }
