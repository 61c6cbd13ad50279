/* Manifest files: naming schemes, framing, unknown-field preservation, validation errors,
 * feature-flag and storage-format refusal, version listing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bindspace/error.h"
#include "io/io.h"
#include "lance/manifest.h"
#include "test.h"

static void test_naming(void)
{
    char buf[40];
    manifest_name(1, MANIFEST_NAMING_V1, buf, sizeof buf);
    CHECK_STR(buf, "1.manifest");
    manifest_name(42, MANIFEST_NAMING_V1, buf, sizeof buf);
    CHECK_STR(buf, "42.manifest");
    manifest_name(1, MANIFEST_NAMING_V2, buf, sizeof buf);
    CHECK_STR(buf, "18446744073709551614.manifest");
    manifest_name(42, MANIFEST_NAMING_V2, buf, sizeof buf);
    CHECK_STR(buf, "18446744073709551573.manifest");
    manifest_name(8, MANIFEST_NAMING_V2, buf, sizeof buf);
    CHECK_STR(buf, "18446744073709551607.manifest");

    uint64_t v = 0;
    manifest_naming s = MANIFEST_NAMING_NONE;
    CHECK(manifest_parse_name("18446744073709551614.manifest", &v, &s) == 1);
    CHECK_EQ_U(v, 1);
    CHECK_EQ_U(s, MANIFEST_NAMING_V2);
    CHECK(manifest_parse_name("7.manifest", &v, &s) == 1);
    CHECK_EQ_U(v, 7);
    CHECK_EQ_U(s, MANIFEST_NAMING_V1);
    /* A small version written with zero padding is still V2 (length 29). */
    CHECK(manifest_parse_name("00000000000000000005.manifest", &v, &s) == 1);
    CHECK_EQ_U(s, MANIFEST_NAMING_V2);
    CHECK_EQ_U(v, UINT64_MAX - 5);
    CHECK(manifest_parse_name("d9223372036854775809.manifest", &v, &s) == 0);
    CHECK(manifest_parse_name("5.manifest-1b627e9e", &v, &s) == 0);
    CHECK(manifest_parse_name("5.manifest#1", &v, &s) == 0);
    CHECK(manifest_parse_name(".tmp-abc", &v, &s) == 0);
    CHECK(manifest_parse_name("latest_version_hint.json", &v, &s) == 0);
    CHECK(manifest_parse_name(".manifest", &v, &s) == 0);
    CHECK(manifest_parse_name("0.manifest", &v, &s) == 0);
    CHECK(manifest_parse_name("x1.manifest", &v, &s) == 0);
    CHECK(manifest_parse_name("99999999999999999999999.manifest", &v, &s) == 0);
}

/* A small manifest: 2 fields, 2 fragments (one with a deletion file), an index. */
static Lance__Table__Manifest *sample(void)
{
    Lance__Table__Manifest *m = calloc(1, sizeof *m);
    lance__table__manifest__init(m);
    m->n_fields = 2;
    m->fields = calloc(2, sizeof *m->fields);
    const char *names[] = {"id", "fp"}, *types[] = {"uint64", "fixed_size_list:uint8:2048"};
    for (int i = 0; i < 2; i++) {
        Lance__File__Field *f = calloc(1, sizeof *f);
        lance__file__field__init(f);
        f->name = strdup(names[i]);
        f->logical_type = strdup(types[i]);
        f->has_id = i != 0;
        f->id = i;
        f->has_parent_id = 1;
        f->parent_id = -1;
        m->fields[i] = f;
    }
    m->n_fragments = 2;
    m->fragments = calloc(2, sizeof *m->fragments);
    for (int i = 0; i < 2; i++) {
        Lance__Table__DataFragment *f = calloc(1, sizeof *f);
        lance__table__data_fragment__init(f);
        f->has_id = i != 0;
        f->id = (uint64_t)i;
        f->has_physical_rows = 1;
        f->physical_rows = 100 + (uint64_t)i;
        f->n_files = 1;
        f->files = calloc(1, sizeof *f->files);
        Lance__Table__DataFile *d = calloc(1, sizeof *d);
        lance__table__data_file__init(d);
        d->path = strdup(i ? "b.lance" : "a.lance");
        d->n_fields = d->n_column_indices = 2;
        d->fields = calloc(2, sizeof(int32_t));
        d->column_indices = calloc(2, sizeof(int32_t));
        d->fields[1] = 1;
        d->column_indices[1] = 1;
        d->has_file_major_version = 1;
        d->file_major_version = 2;
        d->has_file_size_bytes = 1;
        d->file_size_bytes = 12345;
        f->files[0] = d;
        if (i == 1) {
            f->deletion_file = calloc(1, sizeof *f->deletion_file);
            lance__table__deletion_file__init(f->deletion_file);
            f->deletion_file->has_file_type = 1;
            f->deletion_file->file_type = LANCE__TABLE__DELETION_FILE__DELETION_FILE_TYPE__BITMAP;
            f->deletion_file->has_read_version = 1;
            f->deletion_file->read_version = 3;
            f->deletion_file->has_id = 1;
            f->deletion_file->id = 77;
            f->deletion_file->has_num_deleted_rows = 1;
            f->deletion_file->num_deleted_rows = 5;
        }
        m->fragments[i] = f;
    }
    m->has_version = 1;
    m->version = 4;
    m->has_max_fragment_id = 1;
    m->max_fragment_id = 1;
    m->data_format = calloc(1, sizeof *m->data_format);
    lance__table__data_storage_format__init(m->data_format);
    m->data_format->file_format = strdup("lance");
    m->data_format->version = strdup("2.0");
    return m;
}

static Lance__Table__IndexSection *sample_index(void)
{
    Lance__Table__IndexSection *s = calloc(1, sizeof *s);
    lance__table__index_section__init(s);
    s->n_indices = 1;
    s->indices = calloc(1, sizeof *s->indices);
    Lance__Table__IndexMetadata *im = calloc(1, sizeof *im);
    lance__table__index_metadata__init(im);
    im->name = strdup("fp_idx");
    im->n_fields = 1;
    im->fields = calloc(1, sizeof(int32_t));
    im->fields[0] = 1;
    static const uint8_t bm[] = {0x3A, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0x10, 0, 0, 0, 0, 0, 1, 0};
    im->has_fragment_bitmap = 1;
    im->fragment_bitmap.len = sizeof bm;
    im->fragment_bitmap.data = malloc(sizeof bm);
    memcpy(im->fragment_bitmap.data, bm, sizeof bm);
    im->has_dataset_version = 1;
    im->dataset_version = 2;
    s->indices[0] = im;
    return s;
}

static Lance__Table__Transaction *sample_txn(void)
{
    Lance__Table__Transaction *t = calloc(1, sizeof *t);
    lance__table__transaction__init(t);
    t->has_read_version = 1;
    t->read_version = 3;
    t->uuid = strdup("0b4d1c2e-0000-4000-8000-000000000000");
    t->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_DELETE;
    t->delete_ = calloc(1, sizeof *t->delete_);
    lance__table__transaction__delete__init(t->delete_);
    t->delete_->predicate = strdup("id < 5");
    return t;
}

static int has_bytes(const uint8_t *h, size_t n, const uint8_t *needle, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(h + i, needle, k)) return 1;
    return 0;
}

static void test_roundtrip_unknown(void)
{
    Lance__Table__Manifest *m = sample();
    Lance__Table__IndexSection *ix = sample_index();
    Lance__Table__Transaction *t = sample_txn();
    uint8_t *buf;
    size_t len;
    CHECK_OK(manifest_encode(m, ix, t, &buf, &len));
    /* Section layout: index at 0, transaction after it, footer (0,2) LANC. */
    CHECK(m->has_index_section && m->index_section == 0);
    CHECK(m->has_transaction_section && m->transaction_section > 0);
    CHECK(!memcmp(buf + len - 4, "LANC", 4));
    CHECK_EQ_U(buf[len - 6], 2);

    /* Inject unknown fields: manifest field 99 (varint 42) and a fragment field 11 (bytes). */
    size_t mlen = lance__table__manifest__get_packed_size(m);
    uint8_t *mb = malloc(mlen + 16);
    lance__table__manifest__pack(m, mb);
    static const uint8_t unk_m[] = {0x98, 0x06, 0x2A};
    memcpy(mb + mlen, unk_m, sizeof unk_m);
    Lance__Table__Manifest *m2 = lance__table__manifest__unpack(NULL, mlen + sizeof unk_m, mb);
    CHECK(m2 != NULL);
    free(mb);
    size_t flen = lance__table__data_fragment__get_packed_size(m2->fragments[1]);
    uint8_t *fb = malloc(flen + 8);
    lance__table__data_fragment__pack(m2->fragments[1], fb);
    static const uint8_t unk_f[] = {0x5A, 0x03, 'o', 'v', 'l'};
    memcpy(fb + flen, unk_f, sizeof unk_f);
    Lance__Table__DataFragment *f2 = lance__table__data_fragment__unpack(NULL, flen + sizeof unk_f, fb);
    free(fb);
    CHECK(f2 != NULL);
    lance__table__data_fragment__free_unpacked(m2->fragments[1], NULL);
    m2->fragments[1] = f2;
    free(buf);
    CHECK_OK(manifest_encode(m2, ix, t, &buf, &len));

    /* Decode, copy (what a commit does), re-encode: unknown bytes survive. */
    manifest_file mf;
    CHECK_OK(manifest_decode(buf, len, "mem.manifest", 4, &mf));
    CHECK_EQ_U(mf.version, 4);
    CHECK(mf.index && mf.index->n_indices == 1);
    CHECK_STR(mf.index->indices[0]->name, "fp_idx");
    CHECK(mf.txn && mf.txn->operation_case == LANCE__TABLE__TRANSACTION__OPERATION_DELETE);
    CHECK_STR(mf.txn->delete_->predicate, "id < 5");
    CHECK_EQ_U(mf.m->n_fragments, 2);
    CHECK_EQ_U(mf.m->fragments[1]->deletion_file->num_deleted_rows, 5);
    CHECK_EQ_U(mf.m->fragments[1]->files[0]->file_size_bytes, 12345);
    CHECK(mf.m->has_max_fragment_id && mf.m->max_fragment_id == 1);
    CHECK_EQ_U(mf.m->base.n_unknown_fields, 1);
    Lance__Table__Manifest *copy = manifest_pb_dup(mf.m);
    CHECK(copy != NULL);
    copy->version = 5;
    uint8_t *buf2;
    size_t len2;
    CHECK_OK(manifest_encode(copy, mf.index, mf.txn, &buf2, &len2));
    CHECK(has_bytes(buf2, len2, unk_m, sizeof unk_m));
    CHECK(has_bytes(buf2, len2, unk_f, sizeof unk_f));
    manifest_file mf2;
    CHECK_OK(manifest_decode(buf2, len2, "mem2.manifest", 5, &mf2));
    CHECK_EQ_U(mf2.m->fragments[1]->base.n_unknown_fields, 1);
    /* A version mismatch with the file name is corruption. */
    manifest_file_free(&mf2);
    CHECK_ERR(manifest_decode(buf2, len2, "x/7.manifest", 7, &mf2), BSP_ECORRUPT, "x/7.manifest");
    manifest_file_free(&mf);
    manifest_file_free(&mf2);
    lance__table__manifest__free_unpacked(copy, NULL);
    lance__table__manifest__free_unpacked(m2, NULL);
    free(buf);
    free(buf2);
    lance__table__manifest__free_unpacked(m, NULL);
    lance__table__index_section__free_unpacked(ix, NULL);
    lance__table__transaction__free_unpacked(t, NULL);
}

static void test_bad_framing(void)
{
    Lance__Table__Manifest *m = sample();
    Lance__Table__Transaction *t = sample_txn();
    uint8_t *buf;
    size_t len;
    CHECK_OK(manifest_encode(m, NULL, t, &buf, &len));
    manifest_file mf;
    /* Every truncation fails with a message naming the file. */
    for (size_t n = 0; n < len; n++) {
        int rc = manifest_decode(buf, n, "t/_versions/4.manifest", 0, &mf);
        CHECK(rc == BSP_ECORRUPT);
        CHECK(strstr(bsp_errmsg(), "t/_versions/4.manifest") != NULL);
        if (rc == BSP_OK) manifest_file_free(&mf);
    }
    /* Bad magic. */
    uint8_t *b = malloc(len);
    memcpy(b, buf, len);
    b[len - 1] = 'X';
    CHECK_ERR(manifest_decode(b, len, "m1", 0, &mf), BSP_ECORRUPT, "magic");
    /* Manifest not ending at the footer: one extra byte before the footer. */
    uint8_t *c = malloc(len + 1);
    memcpy(c, buf, len - 16);
    c[len - 16] = 0;
    memcpy(c + len - 15, buf + len - 16, 16);
    CHECK_ERR(manifest_decode(c, len + 1, "m2", 0, &mf), BSP_ECORRUPT, "does not end at the footer");
    /* Every single-bit flip: either a clean error naming the file or a valid decode. */
    test_rng r;
    test_rng_seed(&r, 7);
    for (size_t i = 0; i < len * 8; i++) {
        memcpy(b, buf, len);
        b[i / 8] ^= (uint8_t)(1u << (i % 8));
        int rc = manifest_decode(b, len, "flip.manifest", 0, &mf);
        if (rc == BSP_OK)
            manifest_file_free(&mf);
        else
            CHECK(rc == BSP_ECORRUPT && strstr(bsp_errmsg(), "flip.manifest"));
    }
    free(b);
    free(c);
    free(buf);
    lance__table__manifest__free_unpacked(m, NULL);
    lance__table__transaction__free_unpacked(t, NULL);
}

static void write_version(const char *root, uint64_t v, manifest_naming s, Lance__Table__Manifest *m)
{
    m->version = v;
    uint8_t *buf;
    size_t len;
    CHECK_OK(manifest_encode(m, NULL, NULL, &buf, &len));
    char name[40], rel[80];
    manifest_name(v, s, name, sizeof name);
    snprintf(rel, sizeof rel, "%s/_versions/%s", root, name);
    CHECK_OK(io_write_new(rel, buf, len));
    free(buf);
}

static void test_listing(void)
{
    char *root = test_tmpdir("mlist");
    uint64_t *vs;
    size_t n;
    CHECK_ERR(manifest_list(root, &vs, &n, NULL), BSP_ENOTFOUND, "no _versions");
    char dir[600];
    snprintf(dir, sizeof dir, "%s/_versions", root);
    CHECK_OK(io_mkdir_p(dir));
    CHECK_ERR(manifest_list(root, &vs, &n, NULL), BSP_ENOTFOUND, "no manifest");
    Lance__Table__Manifest *m = sample();
    write_version(root, 1, MANIFEST_NAMING_V2, m);
    write_version(root, 2, MANIFEST_NAMING_V2, m);
    write_version(root, 10, MANIFEST_NAMING_V2, m);
    char junk[700];
    snprintf(junk, sizeof junk, "%s/_versions/latest_version_hint.json", root);
    CHECK_OK(io_write_new(junk, "{\"version\":99}", 14));
    snprintf(junk, sizeof junk, "%s/_versions/11.manifest-tmp", root);
    CHECK_OK(io_write_new(junk, "x", 1));
    manifest_naming s;
    CHECK_OK(manifest_list(root, &vs, &n, &s));
    CHECK_EQ_U(n, 3);
    if (n == 3) {
        CHECK_EQ_U(vs[0], 1);
        CHECK_EQ_U(vs[1], 2);
        CHECK_EQ_U(vs[2], 10);
    }
    CHECK_EQ_U(s, MANIFEST_NAMING_V2);
    free(vs);
    manifest_file mf;
    CHECK_OK(manifest_read(root, 0, &mf));
    CHECK_EQ_U(mf.version, 10);
    manifest_file_free(&mf);
    CHECK_OK(manifest_read(root, 2, &mf));
    CHECK_EQ_U(mf.version, 2);
    manifest_file_free(&mf);
    CHECK_ERR(manifest_read(root, 5, &mf), BSP_ENOTFOUND, "no version 5");
    CHECK_ERR(manifest_read(root, 11, &mf), BSP_ENOTFOUND, "no version 11");
    /* Mixing schemes is refused. */
    write_version(root, 3, MANIFEST_NAMING_V1, m);
    CHECK_ERR(manifest_list(root, &vs, &n, NULL), BSP_ECORRUPT, "mixes V1 and V2");
    /* Hint rewrite is atomic and replaceable. */
    CHECK_OK(manifest_write_hint(root, 10));
    uint8_t *hb;
    size_t hl;
    snprintf(junk, sizeof junk, "%s/_versions/latest_version_hint.json", root);
    CHECK_OK(io_read_file(junk, &hb, &hl));
    CHECK(hl == 14 && !memcmp(hb, "{\"version\":10}", 14));
    free(hb);
    lance__table__manifest__free_unpacked(m, NULL);
    test_rmtree(root);
    free(root);
}

static void test_flags_and_format(void)
{
    Lance__Table__Manifest *m = sample();
    manifest_file mf = {0};
    mf.path = (char *)"t/_versions/1.manifest";
    mf.m = m;
    CHECK_OK(manifest_check_read(&mf));
    CHECK_OK(manifest_check_write(&mf));
    m->reader_feature_flags = 1 | 64;
    CHECK_ERR(manifest_check_read(&mf), BSP_EUNSUPPORTED, "reader feature flag 64");
    m->reader_feature_flags = 2;
    m->writer_feature_flags = 2;
    CHECK_OK(manifest_check_read(&mf));
    CHECK_ERR(manifest_check_write(&mf), BSP_EUNSUPPORTED, "writer feature flag 2");
    m->reader_feature_flags = m->writer_feature_flags = 4096;
    CHECK_ERR(manifest_check_read(&mf), BSP_EUNSUPPORTED, "4096");
    m->reader_feature_flags = 0;
    m->writer_feature_flags = 256;
    CHECK_ERR(manifest_check_write(&mf), BSP_EUNSUPPORTED, "writer feature flag 256");
    m->writer_feature_flags = 0;
    free(m->data_format->version);
    m->data_format->version = strdup("2.1");
    CHECK_ERR(manifest_check_read(&mf), BSP_EUNSUPPORTED, "data storage format 2.1");
    /* Absent data_format: inferred from the files (2.0 -> ok, legacy 0.x -> refused). */
    lance__table__data_storage_format__free_unpacked(m->data_format, NULL);
    m->data_format = NULL;
    CHECK_OK(manifest_check_read(&mf));
    m->fragments[0]->files[0]->file_major_version = 0;
    m->fragments[0]->files[0]->file_minor_version = 2;
    CHECK_ERR(manifest_check_read(&mf), BSP_EUNSUPPORTED, "0.1");
    lance__table__manifest__free_unpacked(m, NULL);
}

int main(void)
{
    RUN(test_naming);
    RUN(test_roundtrip_unknown);
    RUN(test_bad_framing);
    RUN(test_listing);
    RUN(test_flags_and_format);
    return test_finish();
}
