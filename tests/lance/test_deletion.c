/* Tests for Lance deletion files (src/lance/deletion.c, arrow_ipc.c): the fixtures in
 * tests/fixtures/deletion were written by LanceDB 0.37.1 (Lance 10) and arrow-js
 * (make_fixtures.mjs there says how); bad inputs are hand-crafted from them. */
#include <sys/stat.h>

#include <roaring/roaring.h>

#include "bindspace/error.h"
#include "io/io.h"
#include "lance/deletion.h"
#include "test.h"

static char *fixdir;

static uint32_t rd_u32_le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *load(const char *name, size_t *len)
{
    char *p = io_path_join(fixdir, name);
    uint8_t *d = NULL;
    if (io_read_file(p, &d, len) != 0) {
        fprintf(stderr, "cannot read fixture %s: %s\n", p, bsp_errmsg());
        exit(2);
    }
    free(p);
    return d;
}

typedef int (*pred_fn)(uint32_t i);
static int p_mod7(uint32_t i) { return i % 7 == 0; }
static int p_mod7_or_5(uint32_t i) { return i % 7 == 0 || i % 5 == 0; }
static int p_zstd(uint32_t i) { return i < 4000 || i % 100 == 7; }
static int p_lt6000(uint32_t i) { return i < 6000; }
static int p_lt300(uint32_t i) { return i < 300; }
static int p_mod33(uint32_t i) { return i % 33 == 1; }

/* The bitmap equals {i < rows : pred(i)}. */
static int matches(const roaring_bitmap_t *r, uint32_t rows, pred_fn pred)
{
    uint64_t want = 0;
    for (uint32_t i = 0; i < rows; i++) {
        int p = pred(i);
        want += (uint64_t)p;
        if (p != (int)roaring_bitmap_contains(r, i)) return 0;
    }
    return roaring_bitmap_get_cardinality(r) == want;
}

static void check_fixture(const char *name, uint32_t rows, pred_fn pred, uint64_t card)
{
    size_t len;
    uint8_t *d = load(name, &len);
    roaring_bitmap_t *r = NULL;
    int is_arrow = strstr(name, ".arrow") != NULL;
    CHECK_OK(is_arrow ? deletion_parse_arrow(name, d, len, &r) : deletion_parse_bin(name, d, len, &r));
    if (r) {
        CHECK_EQ_U(roaring_bitmap_get_cardinality(r), card);
        CHECK(matches(r, rows, pred));
        roaring_bitmap_free(r);
    }
    free(d);
}

static void test_lancedb_fixtures(void)
{
    check_fixture("small.arrow", 70, p_mod7, 10);
    check_fixture("union.arrow", 70, p_mod7_or_5, 22);
    check_fixture("zstd.arrow", 10000, p_zstd, 4060);
    check_fixture("zstd_small.arrow", 600, p_lt300, 300);
    check_fixture("bitset.bin", 10000, p_lt6000, 6000);
    check_fixture("sparse.bin", 200000, p_mod33, 6061);
}

/* The fixtures really exercise what they claim: ZSTD frames, raw (-1) buffers, a bitset. */
static void test_fixture_shapes(void)
{
    static const uint8_t zmagic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    size_t len;
    uint8_t *d = load("zstd.arrow", &len);
    CHECK(memmem(d, len, zmagic, 4) != NULL);
    free(d);
    d = load("small.arrow", &len);
    static const uint8_t raw[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK(memmem(d, len, raw, 8) != NULL);
    CHECK(memmem(d, len, zmagic, 4) == NULL);
    free(d);
    d = load("zstd_small.arrow", &len);
    CHECK(memmem(d, len, zmagic, 4) != NULL);
    free(d);
    d = load("bitset.bin", &len);
    CHECK_EQ_U(len, 8208);
    CHECK_EQ_U(d[0] | d[1] << 8, 12346);
    free(d);
}

static int p_arrowjs(uint32_t i) { return i == 9 || i == 3 || i == 5 || i == 0 || i == 7; }

static void test_arrowjs_uncompressed(void)
{
    check_fixture("arrowjs.arrow", 16, p_arrowjs, 5);
}

static void check_bad_arrow(const char *name, int rc, const char *msg)
{
    size_t len;
    uint8_t *d = load(name, &len);
    roaring_bitmap_t *r = NULL;
    CHECK_ERR(deletion_parse_arrow(name, d, len, &r), rc, msg);
    CHECK(strstr(bsp_errmsg(), name) != NULL);
    CHECK(r == NULL);
    free(d);
}

static void test_bad_schemas(void)
{
    check_bad_arrow("bad_nullable.arrow", BSP_ECORRUPT, "nullable");
    check_bad_arrow("bad_int32.arrow", BSP_ECORRUPT, "not uint32");
    check_bad_arrow("bad_name.arrow", BSP_ECORRUPT, "not named \"row_id\"");
    check_bad_arrow("bad_two_fields.arrow", BSP_ECORRUPT, "2 fields");
    check_bad_arrow("bad_nulls.arrow", BSP_ECORRUPT, "nulls");
}

/* Every proper prefix of a valid file is rejected cleanly. */
static void prefixes_fail(const char *name, int arrow)
{
    size_t len;
    uint8_t *d = load(name, &len);
    int bad = 0;
    for (size_t n = 0; n < len; n++) {
        uint8_t *cp = malloc(n ? n : 1); /* exact-size copy: ASan catches any overread */
        memcpy(cp, d, n);
        roaring_bitmap_t *r = NULL;
        int rc = arrow ? deletion_parse_arrow(name, cp, n, &r) : deletion_parse_bin(name, cp, n, &r);
        if (rc != BSP_ECORRUPT) bad++;
        if (r) roaring_bitmap_free(r);
        free(cp);
    }
    CHECK_EQ_U(bad, 0);
    free(d);
}

static void test_truncated(void)
{
    prefixes_fail("small.arrow", 1);
    prefixes_fail("arrowjs.arrow", 1);
    prefixes_fail("bitset.bin", 0);
    /* the arrow file with a zstd body: every 7th prefix (it is 9.5 KB) */
    size_t len;
    uint8_t *d = load("zstd.arrow", &len);
    int bad = 0;
    for (size_t n = 0; n < len; n += 7) {
        uint8_t *cp = malloc(n ? n : 1);
        memcpy(cp, d, n);
        roaring_bitmap_t *r = NULL;
        if (deletion_parse_arrow("zstd.arrow", cp, n, &r) != BSP_ECORRUPT) bad++;
        if (r) roaring_bitmap_free(r);
        free(cp);
    }
    CHECK_EQ_U(bad, 0);
    free(d);
}

/* Flip every byte of a file: never a crash; the result is an error or some bitmap. */
static void flips_survive(const char *name, int arrow, size_t step)
{
    size_t len;
    uint8_t *d = load(name, &len);
    for (size_t i = 0; i < len; i += step) {
        for (int x = 1; x < 256; x <<= 2) {
            d[i] ^= (uint8_t)x;
            roaring_bitmap_t *r = NULL;
            int rc = arrow ? deletion_parse_arrow(name, d, len, &r) : deletion_parse_bin(name, d, len, &r);
            CHECK(rc == BSP_OK || rc == BSP_ECORRUPT || rc == BSP_EUNSUPPORTED);
            CHECK((rc == BSP_OK) == (r != NULL));
            if (r) roaring_bitmap_free(r);
            d[i] ^= (uint8_t)x;
        }
    }
    free(d);
}

static void test_byte_flips(void)
{
    flips_survive("small.arrow", 1, 1);
    flips_survive("zstd_small.arrow", 1, 1);
    flips_survive("zstd.arrow", 1, 13);
    flips_survive("arrowjs.arrow", 1, 1);
    flips_survive("sparse.bin", 0, 7);
}

static uint8_t *find_codec(uint8_t *d, size_t len)
{
    /* BodyCompression table as arrow-rs writes it: vtable {6, 8, 7}, soffset 6, codec at +7 */
    static const uint8_t pat[14] = {6, 0, 8, 0, 7, 0, 6, 0, 0, 0, 0, 0, 0, 1};
    uint8_t *p = memmem(d, len, pat, sizeof pat);
    return p ? p + 13 : NULL;
}

static void test_bad_compression(void)
{
    size_t len;
    uint8_t *d = load("zstd.arrow", &len);
    roaring_bitmap_t *r = NULL;
    uint8_t *codec = find_codec(d, len);
    CHECK(codec != NULL);
    if (codec) {
        *codec = 0; /* LZ4_FRAME */
        CHECK_ERR(deletion_parse_arrow("zstd.arrow", d, len, &r), BSP_EUNSUPPORTED, "LZ4");
        *codec = 7;
        CHECK_ERR(deletion_parse_arrow("zstd.arrow", d, len, &r), BSP_ECORRUPT, "codec");
        *codec = 1;
    }
    /* damage inside the zstd frame of the values buffer */
    static const uint8_t zmagic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    uint8_t *z = memmem(d, len, zmagic, 4);
    z = z ? memmem(z + 4, len - (size_t)(z + 4 - d), zmagic, 4) : NULL;
    CHECK(z != NULL);
    if (z) {
        z[0] ^= 0xff;
        CHECK_ERR(deletion_parse_arrow("zstd.arrow", d, len, &r), BSP_ECORRUPT, "zstd");
        z[0] ^= 0xff;
        /* the declared uncompressed length (8 bytes before the frame) */
        uint8_t save = z[-8];
        z[-8] = (uint8_t)(save + 4);
        CHECK_ERR(deletion_parse_arrow("zstd.arrow", d, len, &r), BSP_ECORRUPT, "zstd.arrow");
        z[-8] = save;
    }
    CHECK_OK(deletion_parse_arrow("zstd.arrow", d, len, &r));
    if (r) roaring_bitmap_free(r);
    /* bad magic, bad footer length */
    d[0] = 'X';
    CHECK_ERR(deletion_parse_arrow("zstd.arrow", d, len, &r), BSP_ECORRUPT, "magic");
    d[0] = 'A';
    d[len - 10] = 0xff;
    d[len - 7] = 0x7f;
    CHECK_ERR(deletion_parse_arrow("zstd.arrow", d, len, &r), BSP_ECORRUPT, "footer length");
    free(d);
}

static void test_bad_bins(void)
{
    roaring_bitmap_t *r = NULL;
    /* a valid run-container file from CRoaring (cookie 12347) */
    roaring_bitmap_t *src = roaring_bitmap_create();
    roaring_bitmap_add_range(src, 100, 5000);
    roaring_bitmap_add(src, 70000);
    roaring_bitmap_add_range(src, 200000, 200010);
    uint8_t *enc;
    size_t n;
    CHECK_OK(deletion_encode_bin(src, &enc, &n));
    CHECK_EQ_U(enc[0] | enc[1] << 8, 12347);
    CHECK_OK(deletion_parse_bin("run.bin", enc, n, &r));
    CHECK(r && roaring_bitmap_equals(r, src));
    if (r) roaring_bitmap_free(r);
    /* overlapping runs: first run of container 0 is [100, 5000); make its length huge */
    uint8_t *bad = malloc(n);
    memcpy(bad, enc, n);
    /* layout: cookie(4) runflags(1) 3 headers(12) [no offsets: 3 < 4] nruns(2) start(2) len(2) */
    bad[4 + 1 + 12 + 2 + 2] = 0xff;
    bad[4 + 1 + 12 + 2 + 3] = 0xff;
    CHECK_ERR(deletion_parse_bin("run.bin", bad, n, &r), BSP_ECORRUPT, "run container");
    free(bad);
    /* trailing garbage */
    bad = malloc(n + 1);
    memcpy(bad, enc, n);
    bad[n] = 0;
    CHECK_ERR(deletion_parse_bin("run.bin", bad, n + 1, &r), BSP_ECORRUPT, "after the roaring bitmap");
    free(bad);
    free(enc);
    roaring_bitmap_free(src);

    size_t len;
    uint8_t *d = load("sparse.bin", &len);
    CHECK_EQ_U(rd_u32_le(d), 12346);
    uint8_t *c = malloc(len);
    memcpy(c, d, len);
    c[0] = 0x39; /* 12345 */
    CHECK_ERR(deletion_parse_bin("sparse.bin", c, len, &r), BSP_ECORRUPT, "cookie 12345");
    memcpy(c, d, len);
    /* keys: headers start at 8; container 1's key := container 0's key */
    c[8 + 4] = c[8];
    c[8 + 5] = c[9];
    CHECK_ERR(deletion_parse_bin("sparse.bin", c, len, &r), BSP_ECORRUPT, "not increasing");
    memcpy(c, d, len);
    /* first offset off by 2 */
    uint32_t ncont = rd_u32_le(d + 4);
    c[8 + 4 * ncont] += 2;
    CHECK_ERR(deletion_parse_bin("sparse.bin", c, len, &r), BSP_ECORRUPT, "offset");
    memcpy(c, d, len);
    /* array values out of order: swap the first two values of container 0 */
    size_t a0 = 8 + 8 * (size_t)ncont;
    uint8_t t0 = c[a0], t1 = c[a0 + 1];
    c[a0] = c[a0 + 2]; c[a0 + 1] = c[a0 + 3]; c[a0 + 2] = t0; c[a0 + 3] = t1;
    CHECK_ERR(deletion_parse_bin("sparse.bin", c, len, &r), BSP_ECORRUPT, "strictly increasing");
    free(c);
    free(d);
    /* bitset container whose popcount disagrees with its header */
    d = load("bitset.bin", &len);
    d[len - 1] ^= 0x80;
    CHECK_ERR(deletion_parse_bin("bitset.bin", d, len, &r), BSP_ECORRUPT, "bits set");
    free(d);
    /* huge container count */
    uint8_t huge[8] = {0x3a, 0x30, 0, 0, 0xff, 0xff, 0xff, 0x7f};
    CHECK_ERR(deletion_parse_bin("huge.bin", huge, 8, &r), BSP_ECORRUPT, "containers");
    /* an empty bitmap is valid */
    uint8_t empty[8] = {0x3a, 0x30, 0, 0, 0, 0, 0, 0};
    CHECK_OK(deletion_parse_bin("empty.bin", empty, 8, &r));
    CHECK(r && roaring_bitmap_is_empty(r));
    if (r) roaring_bitmap_free(r);
}

static void test_path(void)
{
    char buf[96];
    CHECK_OK(deletion_path(buf, sizeof buf, 3, 7, 18446744073709551615ull, DELETION_BITMAP));
    CHECK_STR(buf, "_deletions/3-7-18446744073709551615.bin");
    CHECK_OK(deletion_path(buf, sizeof buf, 0, 1, 42, DELETION_ARROW));
    CHECK_STR(buf, "_deletions/0-1-42.arrow");
    CHECK_ERR(deletion_path(buf, sizeof buf, 0, 1, 42, 2), BSP_EINVAL, "file type 2");
    CHECK_ERR(deletion_path(buf, 10, 0, 1, 42, 0), BSP_ERANGE, NULL);
}

static void test_write_read_roundtrip(void)
{
    char *dir = test_tmpdir("deletion");
    test_rng rng;
    test_rng_seed(&rng, 20261121);
    for (int round = 0; round < 40; round++) {
        roaring_bitmap_t *s = roaring_bitmap_create();
        uint32_t rows = 1 + (uint32_t)test_rng_below(&rng, round < 20 ? 200 : 300000);
        int kind = round % 4;
        for (uint32_t i = 0; i < rows; i++) {
            int del = kind == 0 ? test_rng_below(&rng, 10) == 0
                    : kind == 1 ? test_rng_below(&rng, 10) != 0
                    : kind == 2 ? (i / 1000) % 2 == 0 /* long runs */
                                : i == rows - 1;
            if (del) roaring_bitmap_add(s, i);
        }
        if (roaring_bitmap_is_empty(s)) roaring_bitmap_add(s, 0);
        uint64_t id = 0;
        CHECK_OK(deletion_write(dir, (uint64_t)round, 5, s, &id));
        CHECK(id != 0);
        char rel[96];
        deletion_path(rel, sizeof rel, (uint64_t)round, 5, id, DELETION_BITMAP);
        char *p = io_path_join(dir, rel);
        CHECK(io_exists(p));
        free(p);
        roaring_bitmap_t *r = NULL;
        CHECK_OK(deletion_read(dir, (uint64_t)round, 5, id, DELETION_BITMAP, rows, &r));
        CHECK(r && roaring_bitmap_equals(r, s));
        if (r) roaring_bitmap_free(r);
        /* the physical-row bound */
        if (rows > 1 && roaring_bitmap_maximum(s) == rows - 1)
            CHECK_ERR(deletion_read(dir, (uint64_t)round, 5, id, DELETION_BITMAP, rows - 1, &r),
                      BSP_ECORRUPT, "has");
        roaring_bitmap_free(s);
    }
    roaring_bitmap_t *e = roaring_bitmap_create();
    uint64_t id;
    CHECK_ERR(deletion_write(dir, 1, 1, e, &id), BSP_EINVAL, "empty");
    roaring_bitmap_free(e);
    roaring_bitmap_t *r = NULL;
    CHECK_ERR(deletion_read(dir, 9, 9, 9, DELETION_ARROW, 0, &r), BSP_ENOTFOUND, "_deletions/9-9-9.arrow");
    test_rmtree(dir);
    free(dir);
}

/* A LanceDB .arrow file read through the table-directory path, with the row bound. */
static void test_read_from_table_dir(void)
{
    char *dir = test_tmpdir("deletion-dir");
    char *dd = io_path_join(dir, "_deletions");
    CHECK_OK(io_mkdir_p(dd));
    size_t len;
    uint8_t *d = load("zstd.arrow", &len);
    char *p = io_path_join(dd, "4-2-77.arrow");
    CHECK_OK(io_write_new(p, d, len));
    roaring_bitmap_t *r = NULL;
    CHECK_OK(deletion_read(dir, 4, 2, 77, DELETION_ARROW, 10000, &r));
    CHECK(r && matches(r, 10000, p_zstd));
    if (r) roaring_bitmap_free(r);
    CHECK_ERR(deletion_read(dir, 4, 2, 77, DELETION_ARROW, 9000, &r), BSP_ECORRUPT, "4-2-77.arrow");
    CHECK_ERR(deletion_read(dir, 4, 2, 77, DELETION_BITMAP, 0, &r), BSP_ENOTFOUND, "4-2-77.bin");
    free(p);
    free(d);
    free(dd);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const char *src = getenv("BSP_SOURCE_DIR");
    fixdir = io_path_join(src ? src : ".", "tests/fixtures/deletion");
    RUN(test_lancedb_fixtures);
    RUN(test_fixture_shapes);
    RUN(test_arrowjs_uncompressed);
    RUN(test_bad_schemas);
    RUN(test_truncated);
    RUN(test_byte_flips);
    RUN(test_bad_compression);
    RUN(test_bad_bins);
    RUN(test_path);
    RUN(test_write_read_roundtrip);
    RUN(test_read_from_table_dir);
    free(fixdir);
    return test_finish();
}
