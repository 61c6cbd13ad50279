/* Lance manifests (spec: shared/spec/lance-format.md §1.1, §1.2, §2): one file per table
 * version under `_versions/`, named by one of two schemes, framed as
 * [u32 len | IndexSection] [u32 len | Transaction] u32 len | Manifest | 16-byte footer.
 *
 * The one idea: a manifest is a complete snapshot. Reading one gives the whole table at that
 * version (schema, fragments, index section, the transaction that made it); writing one is
 * encoding an edited copy of the previous snapshot. The commit itself (put-if-not-exists,
 * rebase on conflict) lives in commit.c. */
#ifndef BSP_LANCE_MANIFEST_H
#define BSP_LANCE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table.pb-c.h"
#include "transaction.pb-c.h"

/* Manifest file naming (§1.1). */
typedef enum manifest_naming {
    MANIFEST_NAMING_NONE = 0, /* no manifest seen yet */
    MANIFEST_NAMING_V1 = 1,   /* "{v}.manifest" */
    MANIFEST_NAMING_V2 = 2    /* "{u64::MAX - v:020}.manifest" */
} manifest_naming;

/* Feature flags (§2.6). */
#define MANIFEST_FLAG_DELETION_FILES 1u
#define MANIFEST_FLAG_STABLE_ROW_IDS 2u
#define MANIFEST_FLAG_USE_V2_FORMAT 4u
#define MANIFEST_FLAG_TABLE_CONFIG 8u
#define MANIFEST_FLAG_BASE_PATHS 16u
#define MANIFEST_FLAG_NO_TXN_FILE 32u
/* What we can read (stable row ids only change _rowid, which we do not expose) and what we
 * can write without breaking an invariant the flag announces. */
#define MANIFEST_READER_FLAGS (1u | 2u | 4u | 8u | 32u)
#define MANIFEST_WRITER_FLAGS (1u | 4u | 8u | 32u)

/* Name of version v's manifest (no directory) into buf (>= 32 bytes). */
void manifest_name(uint64_t version, manifest_naming naming, char *buf, size_t cap);

/* Classify a `_versions/` entry: 1 (with *version and *naming set) for a version manifest, 0 for
 * anything else (temporaries, the hint file, detached "d..." manifests). */
int manifest_parse_name(const char *name, uint64_t *version, manifest_naming *naming);

/* All versions of the table at root, ascending (malloc'd; *n may be 0 only with rc != 0).
 * BSP_ENOTFOUND when there is no `_versions/` or it holds no manifest; BSP_ECORRUPT when both
 * naming schemes are present. naming may be NULL. */
int manifest_list(const char *root, uint64_t **versions, size_t *n, manifest_naming *naming);

/* Latest version by listing `_versions/` (Lance does the same on local disk). */
int manifest_latest(const char *root, uint64_t *version, manifest_naming *naming);

/* One decoded manifest file. */
typedef struct manifest_file {
    char *path;                          /* full path, used in messages */
    uint64_t version;
    manifest_naming naming;
    uint64_t file_size;
    Lance__Table__Manifest *m;
    Lance__Table__IndexSection *index;   /* NULL when the manifest has no index section */
    Lance__Table__Transaction *txn;      /* inline section, else NULL (see manifest_load_txn) */
} manifest_file;

/* Decode manifest bytes. name is used in messages. expect_version != 0 also checks that the
 * manifest's version field equals it. Every malformation is BSP_ECORRUPT naming the file. */
int manifest_decode(const uint8_t *buf, size_t len, const char *name, uint64_t expect_version,
                    manifest_file *out);

/* Read version `version` (0 = latest) of the table at root. BSP_ENOTFOUND for a missing
 * table or version. Does not check feature flags (see manifest_check_*). */
int manifest_read(const char *root, uint64_t version, manifest_file *out);

/* Read a version whose file name scheme is already known (no directory listing). */
int manifest_read_at(const char *root, uint64_t version, manifest_naming naming,
                     manifest_file *out);

/* The transaction that made this version: the inline one, else `_transactions/<file>`.
 * *out is owned by mf. BSP_ENOTFOUND if the manifest records none. */
int manifest_load_txn(const char *root, manifest_file *mf, const Lance__Table__Transaction **out);

void manifest_file_free(manifest_file *mf);

/* Refuse what we cannot read / write safely: unknown feature flags (message names the bit),
 * data storage formats other than 2.0 (message names the version), base paths. */
int manifest_check_read(const manifest_file *mf);
int manifest_check_write(const manifest_file *mf);

/* data_format.version, or the version inferred from the data files when absent ("2.0",
 * "2.1", "0.1" …); never NULL. */
const char *manifest_data_format(const Lance__Table__Manifest *m);

/* Encode a complete manifest file: sections in Lance's order, offsets filled into m
 * (index_section / transaction_section), footer (0, 2) "LANC". *buf is malloc'd. */
int manifest_encode(Lance__Table__Manifest *m, const Lance__Table__IndexSection *index,
                    const Lance__Table__Transaction *txn, uint8_t **buf, size_t *len);

/* manifest_encode, then decode the bytes again and check version, fragment count and
 * sections: a commit never publishes a manifest that does not read back (protobuf-c
 * re-encodes some malformed-but-accepted foreign messages into bytes it rejects).
 * BSP_ECORRUPT naming the version on failure. */
int manifest_encode_checked(Lance__Table__Manifest *m, const Lance__Table__IndexSection *index,
                            const Lance__Table__Transaction *txn, uint8_t **buf, size_t *len);

/* Rewrite `_versions/latest_version_hint.json` = {"version":N}; best effort (errors are
 * returned but a stale hint is harmless). */
int manifest_write_hint(const char *root, uint64_t version);

/* Deep copy of any protobuf-c message by pack + unpack (unknown fields included); NULL on
 * allocation failure. The copy is freed with protobuf_c_message_free_unpacked. */
void *manifest_pb_dup(const void *msg);

#endif
