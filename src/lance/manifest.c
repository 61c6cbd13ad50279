/* Lance manifest files: naming schemes, version discovery, framing, decode/encode, feature
 * flag checks, the latest-version hint (spec: shared/spec/lance-format.md §1.1, §1.2, §2).
 *
 * The framing has exactly one shape we trust: the footer's manifest_pos points at a u32
 * length, and the Manifest message must end exactly where the 16-byte footer starts
 * (manifest_pos + 4 + len == size - 16). Optional sections (IndexSection, Transaction) are
 * found through offsets stored in the Manifest and must lie before it. Anything else is
 * BSP_ECORRUPT with the file's path in the message. */
#include "lance/manifest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "util/error.h"

#define FOOTER_LEN 16
#define MAGIC "LANC"

/* ---- naming (§1.1) ------------------------------------------------------------------------- */

void manifest_name(uint64_t version, manifest_naming naming, char *buf, size_t cap)
{
    if (naming == MANIFEST_NAMING_V1)
        snprintf(buf, cap, "%" PRIu64 ".manifest", version);
    else
        snprintf(buf, cap, "%020" PRIu64 ".manifest", UINT64_MAX - version);
}

static int parse_u64_digits(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

int manifest_parse_name(const char *name, uint64_t *version, manifest_naming *naming)
{
    static const char suffix[] = ".manifest";
    size_t n = strlen(name), sl = sizeof suffix - 1;
    if (n <= sl || strcmp(name + n - sl, suffix) != 0) return 0;
    if (name[0] == 'd') return 0; /* detached version */
    uint64_t v;
    if (!parse_u64_digits(name, n - sl, &v)) return 0;
    if (n == 29) { /* 20 digits + ".manifest" */
        if (v == UINT64_MAX) return 0;
        *version = UINT64_MAX - v;
        *naming = MANIFEST_NAMING_V2;
    } else {
        if (v == 0) return 0;
        *version = v;
        *naming = MANIFEST_NAMING_V1;
    }
    return 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int manifest_list(const char *root, uint64_t **versions, size_t *n, manifest_naming *naming)
{
    *versions = NULL;
    *n = 0;
    char *dir = io_path_join(root, "_versions");
    if (!dir) return bsp_err(BSP_ENOMEM, "out of memory");
    char **names = NULL;
    size_t count = 0;
    int rc = io_list_dir(dir, &names, &count);
    if (rc == BSP_ENOTFOUND) {
        rc = bsp_err(BSP_ENOTFOUND, "%s: not a Lance dataset (no _versions/)", root);
        goto out;
    }
    if (rc) goto out;
    uint64_t *vs = malloc((count ? count : 1) * sizeof *vs);
    if (!vs) {
        rc = bsp_err(BSP_ENOMEM, "out of memory");
        goto out;
    }
    size_t k = 0;
    unsigned seen = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t v;
        manifest_naming s;
        if (!manifest_parse_name(names[i], &v, &s)) continue;
        seen |= 1u << s;
        vs[k++] = v;
    }
    if (k == 0) {
        free(vs);
        rc = bsp_err(BSP_ENOTFOUND, "%s: not a Lance dataset (no manifest in _versions/)", root);
        goto out;
    }
    if (seen == ((1u << MANIFEST_NAMING_V1) | (1u << MANIFEST_NAMING_V2))) {
        free(vs);
        rc = bsp_err(BSP_ECORRUPT, "%s: _versions/ mixes V1 and V2 manifest names", dir);
        goto out;
    }
    qsort(vs, k, sizeof *vs, cmp_u64);
    for (size_t i = 1; i < k; i++) {
        if (vs[i] == vs[i - 1]) {
            rc = bsp_err(BSP_ECORRUPT, "%s: version %" PRIu64 " appears twice", dir, vs[i]);
            free(vs);
            goto out;
        }
    }
    *versions = vs;
    *n = k;
    if (naming)
        *naming = (seen & (1u << MANIFEST_NAMING_V2)) ? MANIFEST_NAMING_V2 : MANIFEST_NAMING_V1;
out:
    io_list_free(names, count);
    free(dir);
    return rc;
}

int manifest_latest(const char *root, uint64_t *version, manifest_naming *naming)
{
    uint64_t *vs;
    size_t n;
    int rc = manifest_list(root, &vs, &n, naming);
    if (rc) return rc;
    *version = vs[n - 1];
    free(vs);
    return BSP_OK;
}

/* ---- decoding (§2.1) ----------------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* A u32-length-prefixed section at off that must end at or before limit. */
static int section(const uint8_t *buf, uint64_t limit, uint64_t off, const char *name,
                   const char *what, const uint8_t **body, uint32_t *len)
{
    if (off > limit || limit - off < 4)
        return bsp_err(BSP_ECORRUPT, "manifest %s: %s offset %" PRIu64 " out of range", name,
                       what, off);
    uint32_t l = rd32(buf + off);
    if (l > limit - off - 4)
        return bsp_err(BSP_ECORRUPT,
                       "manifest %s: %s at %" PRIu64 " has length %u past the end", name, what,
                       off, l);
    *body = buf + off + 4;
    *len = l;
    return BSP_OK;
}

static int check_fragments(const Lance__Table__Manifest *m, const char *name)
{
    for (size_t i = 0; i < m->n_fragments; i++) {
        const Lance__Table__DataFragment *f = m->fragments[i];
        for (size_t k = 0; k < i && k < 64; k++) /* cheap duplicate check on neighbours */
            if (m->fragments[i - 1 - k]->id == f->id)
                return bsp_err(BSP_ECORRUPT, "manifest %s: fragment id %" PRIu64 " appears twice",
                               name, f->id);
        if (f->id > UINT32_MAX)
            return bsp_err(BSP_ECORRUPT, "manifest %s: fragment id %" PRIu64 " exceeds u32",
                           name, f->id);
        for (size_t j = 0; j < f->n_files; j++) {
            const Lance__Table__DataFile *d = f->files[j];
            if (!d->path || !d->path[0] || strstr(d->path, ".."))
                return bsp_err(BSP_ECORRUPT, "manifest %s: fragment %" PRIu64
                               " has a data file with a bad path", name, f->id);
            if (d->n_column_indices != 0 && d->n_column_indices != d->n_fields)
                return bsp_err(BSP_ECORRUPT, "manifest %s: fragment %" PRIu64
                               " file %s: %zu fields but %zu column indices", name, f->id,
                               d->path, d->n_fields, d->n_column_indices);
        }
        if (f->deletion_file && f->deletion_file->has_num_deleted_rows &&
            f->deletion_file->num_deleted_rows > f->physical_rows)
            return bsp_err(BSP_ECORRUPT, "manifest %s: fragment %" PRIu64
                           " deletes more rows than it has", name, f->id);
    }
    for (size_t i = 0; i < m->n_fields; i++) {
        if (!m->fields[i]->name)
            return bsp_err(BSP_ECORRUPT, "manifest %s: schema field %zu has no name", name, i);
    }
    return BSP_OK;
}

int manifest_decode(const uint8_t *buf, size_t len, const char *name, uint64_t expect_version,
                    manifest_file *out)
{
    memset(out, 0, sizeof *out);
    if (len < FOOTER_LEN + 4)
        return bsp_err(BSP_ECORRUPT, "manifest %s: %zu bytes is too short", name, len);
    const uint8_t *foot = buf + len - FOOTER_LEN;
    if (memcmp(foot + 12, MAGIC, 4) != 0)
        return bsp_err(BSP_ECORRUPT, "manifest %s: footer magic is not LANC", name);
    uint64_t pos = rd64(foot);
    uint64_t end = len - FOOTER_LEN;
    const uint8_t *body;
    uint32_t mlen;
    int rc = section(buf, end, pos, name, "manifest", &body, &mlen);
    if (rc) return rc;
    if (pos + 4 + mlen != end)
        return bsp_err(BSP_ECORRUPT,
                       "manifest %s: manifest message (at %" PRIu64 ", %u bytes) does not end "
                       "at the footer (%" PRIu64 ")", name, pos, mlen, end);
    Lance__Table__Manifest *m = lance__table__manifest__unpack(NULL, mlen, body);
    if (!m) return bsp_err(BSP_ECORRUPT, "manifest %s: manifest protobuf does not decode", name);
    out->m = m;
    if (!m->has_version || m->version == 0) {
        rc = bsp_err(BSP_ECORRUPT, "manifest %s: no version number", name);
        goto fail;
    }
    if (expect_version && m->version != expect_version) {
        rc = bsp_err(BSP_ECORRUPT, "manifest %s: says version %" PRIu64 ", file name says %" PRIu64,
                     name, m->version, expect_version);
        goto fail;
    }
    out->version = m->version;
    if (m->has_index_section) {
        rc = section(buf, pos, m->index_section, name, "index section", &body, &mlen);
        if (rc) goto fail;
        out->index = lance__table__index_section__unpack(NULL, mlen, body);
        if (!out->index) {
            rc = bsp_err(BSP_ECORRUPT, "manifest %s: index section does not decode", name);
            goto fail;
        }
    }
    if (m->has_transaction_section) {
        rc = section(buf, pos, m->transaction_section, name, "transaction section", &body, &mlen);
        if (rc) goto fail;
        out->txn = lance__table__transaction__unpack(NULL, mlen, body);
        if (!out->txn) {
            rc = bsp_err(BSP_ECORRUPT, "manifest %s: transaction section does not decode", name);
            goto fail;
        }
    }
    if ((rc = check_fragments(m, name))) goto fail;
    out->file_size = len;
    return BSP_OK;
fail:
    manifest_file_free(out);
    return rc;
}

void manifest_file_free(manifest_file *mf)
{
    if (!mf) return;
    if (mf->m) lance__table__manifest__free_unpacked(mf->m, NULL);
    if (mf->index) lance__table__index_section__free_unpacked(mf->index, NULL);
    if (mf->txn) lance__table__transaction__free_unpacked(mf->txn, NULL);
    free(mf->path);
    memset(mf, 0, sizeof *mf);
}

int manifest_read_at(const char *root, uint64_t version, manifest_naming naming,
                     manifest_file *out)
{
    memset(out, 0, sizeof *out);
    char name[40], rel[64];
    manifest_name(version, naming, name, sizeof name);
    snprintf(rel, sizeof rel, "_versions/%s", name);
    char *path = io_path_join(root, rel);
    if (!path) return bsp_err(BSP_ENOMEM, "out of memory");
    uint8_t *buf;
    size_t len;
    int rc = io_read_file(path, &buf, &len);
    if (rc == BSP_ENOTFOUND)
        rc = bsp_err(BSP_ENOTFOUND, "%s: no version %" PRIu64 " (%s is missing)", root, version,
                     rel);
    if (rc) {
        free(path);
        return rc;
    }
    rc = manifest_decode(buf, len, path, version, out);
    free(buf);
    if (rc) {
        free(path);
        return rc;
    }
    out->path = path;
    out->naming = naming;
    return BSP_OK;
}

int manifest_read(const char *root, uint64_t version, manifest_file *out)
{
    memset(out, 0, sizeof *out);
    manifest_naming naming;
    uint64_t latest;
    int rc = manifest_latest(root, &latest, &naming);
    if (rc) return rc;
    if (version == 0) version = latest;
    if (version > latest)
        return bsp_err(BSP_ENOTFOUND, "%s: no version %" PRIu64 " (latest is %" PRIu64 ")", root,
                       version, latest);
    return manifest_read_at(root, version, naming, out);
}

int manifest_load_txn(const char *root, manifest_file *mf, const Lance__Table__Transaction **out)
{
    if (mf->txn) {
        *out = mf->txn;
        return BSP_OK;
    }
    const char *tf = mf->m->transaction_file;
    if (!tf || !tf[0])
        return bsp_err(BSP_ENOTFOUND, "manifest %s: version %" PRIu64 " has no transaction",
                       mf->path ? mf->path : "?", mf->version);
    if (strchr(tf, '/') || strstr(tf, ".."))
        return bsp_err(BSP_ECORRUPT, "manifest %s: bad transaction file name", mf->path);
    char rel[512];
    snprintf(rel, sizeof rel, "_transactions/%s", tf);
    char *path = io_path_join(root, rel);
    if (!path) return bsp_err(BSP_ENOMEM, "out of memory");
    uint8_t *buf;
    size_t len;
    int rc = io_read_file(path, &buf, &len);
    if (rc == BSP_OK) {
        mf->txn = lance__table__transaction__unpack(NULL, len, buf);
        free(buf);
        if (!mf->txn) rc = bsp_err(BSP_ECORRUPT, "transaction %s does not decode", path);
    }
    free(path);
    if (rc) return rc;
    *out = mf->txn;
    return BSP_OK;
}

/* ---- checks (§2.6, §0) --------------------------------------------------------------------- */

const char *manifest_data_format(const Lance__Table__Manifest *m)
{
    if (m->data_format && m->data_format->version && m->data_format->version[0])
        return m->data_format->version;
    /* Lance infers the storage version from the data files when data_format is absent. */
    for (size_t i = 0; i < m->n_fragments; i++) {
        const Lance__Table__DataFragment *f = m->fragments[i];
        for (size_t j = 0; j < f->n_files; j++) {
            uint32_t ma = f->files[j]->file_major_version, mi = f->files[j]->file_minor_version;
            if (ma == 2 && mi == 0) return "2.0";
            if (ma == 0 && mi == 3) return "2.0";
            if (ma == 2 && mi == 1) return "2.1";
            if (ma == 2 && mi == 2) return "2.2";
            if (ma == 2) return "2.x";
            return "0.1";
        }
    }
    return "2.0"; /* no data at all: nothing we cannot read */
}

static int check_flags(const manifest_file *mf, uint64_t flags, uint64_t ok, const char *kind)
{
    uint64_t bad = flags & ~ok;
    if (!bad) return BSP_OK;
    uint64_t bit = bad & (~bad + 1);
    return bsp_err(BSP_EUNSUPPORTED,
                   "manifest %s: unsupported %s feature flag %" PRIu64 "%s (flags %" PRIu64 ")",
                   mf->path ? mf->path : "?", kind, bit,
                   bit == 16 ? " (base paths)" : bit == 64 ? " (data overlay files)"
                   : bit == 128 ? " (covering index metadata)"
                   : bit == 256 ? " (mixed data-file versions)"
                   : bit == 2048 ? " (semantic types)" : bit == 2 ? " (stable row ids)" : "",
                   flags);
}

int manifest_check_read(const manifest_file *mf)
{
    const Lance__Table__Manifest *m = mf->m;
    int rc = check_flags(mf, m->reader_feature_flags, MANIFEST_READER_FLAGS, "reader");
    if (rc) return rc;
    const char *fmt = manifest_data_format(m);
    if (strcmp(fmt, "2.0") != 0)
        return bsp_err(BSP_EUNSUPPORTED,
                       "manifest %s: data storage format %s is not supported (only 2.0)",
                       mf->path ? mf->path : "?", fmt);
    if (m->n_base_paths)
        return bsp_err(BSP_EUNSUPPORTED, "manifest %s: tables with base paths are not supported",
                       mf->path ? mf->path : "?");
    return BSP_OK;
}

int manifest_check_write(const manifest_file *mf)
{
    int rc = manifest_check_read(mf);
    if (rc) return rc;
    return check_flags(mf, mf->m->writer_feature_flags, MANIFEST_WRITER_FLAGS, "writer");
}

/* ---- encoding ------------------------------------------------------------------------------ */

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int manifest_encode(Lance__Table__Manifest *m, const Lance__Table__IndexSection *index,
                    const Lance__Table__Transaction *txn, uint8_t **buf, size_t *len)
{
    size_t ilen = index ? lance__table__index_section__get_packed_size(index) : 0;
    size_t tlen = txn ? lance__table__transaction__get_packed_size(txn) : 0;
    if (ilen > UINT32_MAX || tlen > UINT32_MAX)
        return bsp_err(BSP_ERANGE, "manifest section too large");
    uint64_t off = 0;
    m->has_index_section = index != NULL;
    m->index_section = 0;
    if (index) off += 4 + ilen;
    m->has_transaction_section = txn != NULL;
    m->transaction_section = txn ? off : 0;
    if (txn) off += 4 + tlen;
    size_t mlen = lance__table__manifest__get_packed_size(m);
    if (mlen > UINT32_MAX) return bsp_err(BSP_ERANGE, "manifest too large");
    size_t total = off + 4 + mlen + FOOTER_LEN;
    uint8_t *b = malloc(total);
    if (!b) return bsp_err(BSP_ENOMEM, "out of memory");
    size_t p = 0;
    if (index) {
        wr32(b + p, (uint32_t)ilen);
        lance__table__index_section__pack(index, b + p + 4);
        p += 4 + ilen;
    }
    if (txn) {
        wr32(b + p, (uint32_t)tlen);
        lance__table__transaction__pack(txn, b + p + 4);
        p += 4 + tlen;
    }
    uint64_t pos = p;
    wr32(b + p, (uint32_t)mlen);
    lance__table__manifest__pack(m, b + p + 4);
    p += 4 + mlen;
    wr64(b + p, pos);
    b[p + 8] = 0; b[p + 9] = 0;  /* major 0 */
    b[p + 10] = 2; b[p + 11] = 0; /* minor 2 */
    memcpy(b + p + 12, MAGIC, 4);
    *buf = b;
    *len = total;
    return BSP_OK;
}

int manifest_write_hint(const char *root, uint64_t version)
{
    char body[48], rel[] = "_versions/latest_version_hint.json";
    int n = snprintf(body, sizeof body, "{\"version\":%" PRIu64 "}", version);
    char *path = io_path_join(root, rel);
    if (!path) return bsp_err(BSP_ENOMEM, "out of memory");
    int rc = io_replace_file(path, body, (size_t)n);
    free(path);
    return rc;
}

void *manifest_pb_dup(const void *msg)
{
    const ProtobufCMessage *m = msg;
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) return NULL;
    protobuf_c_message_pack(m, buf);
    void *copy = protobuf_c_message_unpack(m->descriptor, NULL, n, buf);
    free(buf);
    return copy;
}

int manifest_encode_checked(Lance__Table__Manifest *m, const Lance__Table__IndexSection *index,
                            const Lance__Table__Transaction *txn, uint8_t **buf, size_t *len)
{
    int rc = manifest_encode(m, index, txn, buf, len);
    if (rc) return rc;
    manifest_file back;
    char name[64];
    snprintf(name, sizeof name, "(new version %llu)", (unsigned long long)m->version);
    rc = manifest_decode(*buf, *len, name, m->version, &back);
    if (rc == BSP_OK) {
        bool same = back.m->n_fragments == m->n_fragments && (back.index != NULL) == (index != NULL) &&
                    (back.txn != NULL) == (txn != NULL);
        manifest_file_free(&back);
        if (same) return BSP_OK;
        rc = bsp_err(BSP_ECORRUPT, "manifest %s: re-reading the encoded manifest gave different content", name);
    } else {
        rc = bsp_err_prefix(BSP_ECORRUPT, "refusing to commit a manifest that does not read back "
                            "(the previous manifest holds malformed protobuf)");
    }
    free(*buf);
    *buf = NULL;
    return rc;
}
