/* Lance deletion files (spec §4; see deletion.h): read `.arrow` and `.bin`, write `.bin`.
 *
 * The one idea: CRoaring is trusted only with bytes we have already validated. Its
 * roaring_bitmap_portable_deserialize_safe (0.2.66) checks lengths but not the invariants
 * later operations rely on (sorted keys, sorted array values, cardinalities that match, runs
 * that do not overlap), so check_portable() walks the whole serialization first
 * (RoaringFormatSpec: cookie 12346 = no run containers, then u32 count; cookie 12347 =
 * count-1 in the high 16 bits and a run bitset; per container u16 key + u16 cardinality-1;
 * u32 offsets unless 12347 with < 4 containers; then array / bitset / run payloads) and
 * requires the bytes to end exactly where the last container ends. */
#include "lance/deletion.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "lance/arrow_ipc.h"
#include "util/error.h"

#define COOKIE_NORUN 12346
#define COOKIE_RUN 12347
#define NO_OFFSET_THRESHOLD 4
#define ARRAY_MAX 4096
#define BITSET_BYTES 8192

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int deletion_path(char *buf, size_t cap, uint64_t fragment_id, uint64_t read_version,
                  uint64_t id, int file_type)
{
    const char *ext = file_type == DELETION_ARROW ? "arrow" : file_type == DELETION_BITMAP ? "bin" : NULL;
    if (!ext) return bsp_err(BSP_EINVAL, "deletion file type %d is neither ARROW_ARRAY (0) nor BITMAP (1)", file_type);
    int n = snprintf(buf, cap, "_deletions/%" PRIu64 "-%" PRIu64 "-%" PRIu64 ".%s", fragment_id,
                     read_version, id, ext);
    if (n < 0 || (size_t)n >= cap) return bsp_err(BSP_ERANGE, "deletion path does not fit %zu bytes", cap);
    return BSP_OK;
}

/* ---- .bin ---------------------------------------------------------------------------- */

#define BAD(...) bsp_err(BSP_ECORRUPT, __VA_ARGS__)

static int check_portable(const char *name, const uint8_t *d, size_t len, uint64_t *card_out)
{
    if (len < 4) return BAD("%s: roaring bitmap of %zu bytes is too short for a cookie", name, len);
    uint32_t cookie = rd32(d);
    size_t pos = 4, n;
    const uint8_t *runflags = NULL;
    bool has_offsets;
    if ((cookie & 0xFFFF) == COOKIE_RUN) {
        n = (size_t)(cookie >> 16) + 1;
        size_t fl = (n + 7) / 8;
        if (len - pos < fl) return BAD("%s: roaring run-container flags are truncated", name);
        runflags = d + pos;
        pos += fl;
        has_offsets = n >= NO_OFFSET_THRESHOLD;
    } else if (cookie == COOKIE_NORUN) {
        if (len - pos < 4) return BAD("%s: roaring container count is truncated", name);
        uint32_t c = rd32(d + pos);
        pos += 4;
        if (c > 65536) return BAD("%s: roaring bitmap claims %u containers (at most 65536)", name, c);
        n = c;
        has_offsets = true;
    } else {
        return BAD("%s: roaring cookie %u is neither 12346 nor 12347", name, cookie);
    }
    if ((len - pos) / 4 < n) return BAD("%s: roaring container headers are truncated", name);
    const uint8_t *hdr = d + pos;
    pos += 4 * n;
    const uint8_t *offs = NULL;
    if (has_offsets) {
        if ((len - pos) / 4 < n) return BAD("%s: roaring container offsets are truncated", name);
        offs = d + pos;
        pos += 4 * n;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t key = rd16(hdr + 4 * i), card = (uint32_t)rd16(hdr + 4 * i + 2) + 1;
        if (i && key <= rd16(hdr + 4 * (i - 1)))
            return BAD("%s: roaring container keys are not increasing (key %u after %u)", name, key,
                       rd16(hdr + 4 * (i - 1)));
        if (offs && rd32(offs + 4 * i) != pos)
            return BAD("%s: roaring container %zu offset %u, expected %zu", name, i,
                       rd32(offs + 4 * i), pos);
        bool run = runflags && (runflags[i / 8] >> (i % 8) & 1);
        if (run) {
            if (len - pos < 2) return BAD("%s: roaring run container %zu is truncated", name, i);
            uint32_t nruns = rd16(d + pos);
            pos += 2;
            if ((len - pos) / 4 < nruns) return BAD("%s: roaring run container %zu is truncated", name, i);
            uint32_t sum = 0;
            int64_t prev_end = -1; /* runs are sorted and disjoint */
            for (uint32_t r = 0; r < nruns; r++) {
                uint32_t start = rd16(d + pos + 4 * r), l = rd16(d + pos + 4 * r + 2);
                if ((int64_t)start <= prev_end || start + l > 0xFFFF)
                    return BAD("%s: roaring run container %zu has overlapping or unsorted runs", name, i);
                prev_end = start + l;
                sum += l + 1;
            }
            if (sum != card)
                return BAD("%s: roaring run container %zu holds %u values, header says %u", name, i, sum, card);
            pos += 4 * (size_t)nruns;
        } else if (card <= ARRAY_MAX) {
            if ((len - pos) / 2 < card) return BAD("%s: roaring array container %zu is truncated", name, i);
            for (uint32_t k = 1; k < card; k++)
                if (rd16(d + pos + 2 * k) <= rd16(d + pos + 2 * (k - 1)))
                    return BAD("%s: roaring array container %zu is not strictly increasing", name, i);
            pos += 2 * (size_t)card;
        } else {
            if (len - pos < BITSET_BYTES) return BAD("%s: roaring bitset container %zu is truncated", name, i);
            uint32_t pop = 0;
            for (size_t k = 0; k < BITSET_BYTES; k += 8) {
                uint64_t w;
                memcpy(&w, d + pos + k, 8);
                pop += (uint32_t)__builtin_popcountll(w);
            }
            if (pop != card)
                return BAD("%s: roaring bitset container %zu has %u bits set, header says %u", name, i, pop, card);
            pos += BITSET_BYTES;
        }
        total += card;
    }
    if (pos != len)
        return BAD("%s: %zu bytes after the roaring bitmap (which ends at byte %zu)", name, len - pos, pos);
    *card_out = total;
    return BSP_OK;
}

int deletion_parse_bin(const char *name, const uint8_t *data, size_t len, roaring_bitmap_t **out)
{
    uint64_t card = 0;
    int rc = check_portable(name, data, len, &card);
    if (rc) return rc;
    roaring_bitmap_t *r = roaring_bitmap_portable_deserialize_safe((const char *)data, len);
    if (!r) return BAD("%s: CRoaring rejected the roaring bitmap", name);
    if (roaring_bitmap_get_cardinality(r) != card) {
        roaring_bitmap_free(r);
        return BAD("%s: roaring bitmap decodes to a different cardinality", name);
    }
    *out = r;
    return BSP_OK;
}

/* ---- .arrow --------------------------------------------------------------------------- */

/* Values arrive unordered (Lance writes them from a hash set). Inserting them one by one into
 * array containers would memmove for almost every value, so they are gathered in blocks,
 * sorted, turned into a bitmap in one pass and OR-ed in. */
#define ADD_BLOCK 8192

typedef struct adder {
    roaring_bitmap_t *r;
    size_t n;
    uint32_t v[ADD_BLOCK], tmp[ADD_BLOCK];
} adder;

/* LSD radix sort, 4 passes of 8 bits (qsort costs ~50 ns per value here). */
static void radix_sort(uint32_t *v, uint32_t *tmp, size_t n)
{
    for (int shift = 0; shift < 32; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++) count[((v[i] >> shift) & 255) + 1]++;
        if (count[1 + ((v[0] >> shift) & 255)] == n) continue; /* all equal in this byte */
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++) tmp[count[(v[i] >> shift) & 255]++] = v[i];
        memcpy(v, tmp, n * sizeof *v);
    }
}

static int adder_flush(adder *a)
{
    if (a->n == 0) return BSP_OK;
    radix_sort(a->v, a->tmp, a->n);
    roaring_bitmap_t *b = roaring_bitmap_of_ptr(a->n, a->v);
    if (!b) return bsp_err(BSP_ENOMEM, "out of memory reading a deletion vector");
    roaring_bitmap_or_inplace(a->r, b);
    roaring_bitmap_free(b);
    a->n = 0;
    return BSP_OK;
}

static int add_values(void *ctx, const uint32_t *v, size_t n)
{
    adder *a = ctx;
    while (n) {
        size_t k = ADD_BLOCK - a->n < n ? ADD_BLOCK - a->n : n;
        memcpy(a->v + a->n, v, k * sizeof *v);
        a->n += k;
        v += k;
        n -= k;
        if (a->n == ADD_BLOCK) {
            int rc = adder_flush(a);
            if (rc) return rc;
        }
    }
    return BSP_OK;
}

int deletion_parse_arrow(const char *name, const uint8_t *data, size_t len, roaring_bitmap_t **out)
{
    adder *a = malloc(sizeof *a);
    if (!a) return bsp_err(BSP_ENOMEM, "%s: out of memory", name);
    a->n = 0;
    if (!(a->r = roaring_bitmap_create())) {
        free(a);
        return bsp_err(BSP_ENOMEM, "%s: out of memory", name);
    }
    int rc = arrow_ipc_read_u32(name, data, len, "row_id", add_values, a, NULL);
    if (rc == BSP_OK) rc = adder_flush(a);
    roaring_bitmap_t *r = a->r;
    free(a);
    if (rc) {
        roaring_bitmap_free(r);
        return rc;
    }
    roaring_bitmap_run_optimize(r);
    *out = r;
    return BSP_OK;
}

/* ---- files ----------------------------------------------------------------------------- */

int deletion_read(const char *table_dir, uint64_t fragment_id, uint64_t read_version,
                  uint64_t id, int file_type, uint64_t physical_rows, roaring_bitmap_t **out)
{
    char rel[96];
    int rc = deletion_path(rel, sizeof rel, fragment_id, read_version, id, file_type);
    if (rc) return rc;
    char *path = io_path_join(table_dir, rel);
    if (!path) return bsp_err(BSP_ENOMEM, "out of memory");
    uint8_t *data = NULL;
    size_t len = 0;
    rc = io_read_file(path, &data, &len);
    roaring_bitmap_t *r = NULL;
    if (rc == BSP_OK)
        rc = file_type == DELETION_ARROW ? deletion_parse_arrow(path, data, len, &r)
                                         : deletion_parse_bin(path, data, len, &r);
    free(data);
    if (rc == BSP_OK && physical_rows > 0 && !roaring_bitmap_is_empty(r) &&
        roaring_bitmap_maximum(r) >= physical_rows) {
        rc = BAD("%s: deletes row offset %u but fragment %" PRIu64 " has %" PRIu64 " rows", path,
                 roaring_bitmap_maximum(r), fragment_id, physical_rows);
        roaring_bitmap_free(r);
    }
    free(path);
    if (rc == BSP_OK) *out = r;
    return rc;
}

int deletion_encode_bin(const roaring_bitmap_t *rows, uint8_t **data, size_t *len)
{
    roaring_bitmap_t *c = roaring_bitmap_copy(rows);
    if (!c) return bsp_err(BSP_ENOMEM, "out of memory encoding a deletion vector");
    roaring_bitmap_run_optimize(c);
    size_t n = roaring_bitmap_portable_size_in_bytes(c);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        roaring_bitmap_free(c);
        return bsp_err(BSP_ENOMEM, "out of memory encoding a deletion vector");
    }
    size_t w = roaring_bitmap_portable_serialize(c, (char *)buf);
    roaring_bitmap_free(c);
    if (w != n) {
        free(buf);
        return bsp_err(BSP_EIO, "roaring serialization wrote %zu of %zu bytes", w, n);
    }
    *data = buf;
    *len = n;
    return BSP_OK;
}

int deletion_write(const char *table_dir, uint64_t fragment_id, uint64_t read_version,
                   const roaring_bitmap_t *rows, uint64_t *id_out)
{
    if (roaring_bitmap_is_empty(rows))
        return bsp_err(BSP_EINVAL, "fragment %" PRIu64 ": refusing to write an empty deletion file", fragment_id);
    uint8_t *data;
    size_t len;
    int rc = deletion_encode_bin(rows, &data, &len);
    if (rc) return rc;
    char *dir = io_path_join(table_dir, "_deletions");
    if (!dir) {
        free(data);
        return bsp_err(BSP_ENOMEM, "out of memory");
    }
    rc = io_mkdir_p(dir);
    for (int attempt = 0; rc == BSP_OK; attempt++) {
        uint64_t id = 0;
        while (rc == BSP_OK && id == 0) rc = io_random_bytes(&id, sizeof id);
        if (rc) break;
        char rel[96];
        if ((rc = deletion_path(rel, sizeof rel, fragment_id, read_version, id, DELETION_BITMAP))) break;
        char *path = io_path_join(table_dir, rel);
        if (!path) {
            rc = bsp_err(BSP_ENOMEM, "out of memory");
            break;
        }
        rc = io_write_new(path, data, len);
        free(path);
        if (rc == BSP_EEXIST && attempt < 3) { /* a 64-bit collision: draw again */
            rc = BSP_OK;
            continue;
        }
        if (rc == BSP_OK) *id_out = id;
        break;
    }
    free(dir);
    free(data);
    return rc;
}
