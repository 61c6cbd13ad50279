/* The HDR scalar SQL functions (spec §16) plus the delta and conversion helpers.
 *
 * One rule runs through all of them: a NULL argument gives NULL; a fingerprint that is not
 * a 2,048-byte BLOB, or an argument of the wrong type, is an SQL error whose message names
 * the function and the argument, never a sentinel value. schema_passes compiles its JSON
 * once per statement (sqlite3 auxdata) and reuses it for every row. */
#include <stdio.h>
#include <string.h>

#include "bindspace/delta.h"
#include "bindspace/predicate.h"
#include "bindspace/sidecar.h"
#include "sql/sql_internal.h"

int sqlfn_fp_arg(sqlite3_context *ctx, sqlite3_value *v, const char *fn, int argi,
                 uint64_t r[BSP_WORDS])
{
    int type = sqlite3_value_type(v);
    if (type == SQLITE_NULL) return 0;
    char msg[160];
    if (type != SQLITE_BLOB) {
        snprintf(msg, sizeof msg, "%s: argument %d must be a 2048-byte BLOB fingerprint, got %s",
                 fn, argi,
                 type == SQLITE_INTEGER ? "an INTEGER" : type == SQLITE_FLOAT ? "a REAL" : "TEXT");
        sqlite3_result_error(ctx, msg, -1);
        return -1;
    }
    int n = sqlite3_value_bytes(v);
    if (n != BSP_BYTES) {
        snprintf(msg, sizeof msg, "%s: argument %d must be a 2048-byte BLOB fingerprint, got %d bytes",
                 fn, argi, n);
        sqlite3_result_error(ctx, msg, -1);
        return -1;
    }
    bsp_fp_from_bytes(r, sqlite3_value_blob(v));
    return 1;
}

void sqlfn_result_fp(sqlite3_context *ctx, const uint64_t r[BSP_WORDS])
{
    uint8_t bytes[BSP_BYTES];
    bsp_fp_to_bytes(bytes, r);
    sqlite3_result_blob(ctx, bytes, BSP_BYTES, SQLITE_TRANSIENT);
}

/* Read fingerprint arguments 0..n-1; returns 1 when all are present, 0 if one is NULL (the
 * result is then NULL), -1 on error. */
static int fp_args(sqlite3_context *ctx, sqlite3_value **argv, int n, const char *fn,
                   uint64_t (*out)[BSP_WORDS])
{
    int null = 0;
    for (int i = 0; i < n; i++) {
        int rc = sqlfn_fp_arg(ctx, argv[i], fn, i + 1, out[i]);
        if (rc < 0) return -1;
        if (rc == 0) null = 1;
    }
    return null ? 0 : 1;
}

#define FN_NAME(ctx) ((const char *)sqlite3_user_data(ctx))

static void fn_hamming(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t r[2][BSP_WORDS];
    if (fp_args(ctx, argv, 2, FN_NAME(ctx), r) == 1) sqlite3_result_int64(ctx, bsp_fp_hamming(r[0], r[1]));
}

static void fn_semantic(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t r[2][BSP_WORDS];
    if (fp_args(ctx, argv, 2, FN_NAME(ctx), r) == 1) sqlite3_result_int64(ctx, bsp_fp_semantic(r[0], r[1]));
}

static void fn_xor_bind(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t r[2][BSP_WORDS];
    if (fp_args(ctx, argv, 2, FN_NAME(ctx), r) != 1) return;
    bsp_fp_xor(r[0], r[0], r[1]);
    sqlfn_result_fp(ctx, r[0]);
}

static void fn_popcount(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t r[1][BSP_WORDS];
    if (fp_args(ctx, argv, 1, FN_NAME(ctx), r) == 1) sqlite3_result_int64(ctx, bsp_fp_popcount(r[0]));
}

static void fn_schema_version(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t r[1][BSP_WORDS];
    if (fp_args(ctx, argv, 1, FN_NAME(ctx), r) == 1) sqlite3_result_int64(ctx, bsp_schema_version(r[0]));
}

/* Functions that read metadata: NULL when schema_version != 1 (§16). Returns 1 with s
 * filled when the caller should produce a value. */
static int meta_arg(sqlite3_context *ctx, sqlite3_value **argv, bsp_sidecar *s, uint64_t r[BSP_WORDS])
{
    uint64_t rr[1][BSP_WORDS];
    if (fp_args(ctx, argv, 1, FN_NAME(ctx), rr) != 1) return 0;
    if (bsp_schema_version(rr[0]) != 1) {
        sqlite3_result_null(ctx);
        return 0;
    }
    bsp_sidecar_unpack(rr[0], s);
    if (r) memcpy(r, rr[0], BSP_BYTES);
    return 1;
}

static void fn_ani_level(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int t = sqlite3_value_type(argv[1]);
    if (t != SQLITE_NULL && t != SQLITE_INTEGER) {
        sqlite3_result_error(ctx, "ani_level: argument 2 must be an INTEGER level 0..7", -1);
        return;
    }
    bsp_sidecar s;
    if (!meta_arg(ctx, argv, &s, NULL)) return;
    if (t == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    sqlite3_int64 i = sqlite3_value_int64(argv[1]);
    if (i < 0 || i > 7) sqlite3_result_null(ctx);
    else sqlite3_result_int64(ctx, s.ani[i]);
}

static void fn_ani_dominant(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    bsp_sidecar s;
    if (meta_arg(ctx, argv, &s, NULL)) sqlite3_result_int64(ctx, bsp_sidecar_ani_dominant(&s));
}

static void fn_nars_f(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    bsp_sidecar s;
    if (meta_arg(ctx, argv, &s, NULL)) sqlite3_result_double(ctx, (double)bsp_dq_u16(s.nars_f));
}

static void fn_nars_c(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    bsp_sidecar s;
    if (meta_arg(ctx, argv, &s, NULL)) sqlite3_result_double(ctx, (double)bsp_dq_u16(s.nars_c));
}

static void fn_nars_truth(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    bsp_sidecar s;
    if (!meta_arg(ctx, argv, &s, NULL)) return;
    char buf[96];
    snprintf(buf, sizeof buf, "{\"f\":%.9g,\"c\":%.9g}", (double)bsp_dq_u16(s.nars_f),
             (double)bsp_dq_u16(s.nars_c));
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void predicate_free(void *p) { bsp_predicate_free(p); }

void sqlfn_schema_passes(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t r[1][BSP_WORDS];
    int frc = sqlfn_fp_arg(ctx, argv[0], FN_NAME(ctx), 1, r[0]);
    if (frc < 0) return;
    int jt = sqlite3_value_type(argv[1]);
    if (jt != SQLITE_NULL && jt != SQLITE_TEXT) {
        sqlite3_result_error(ctx, "schema_passes: argument 2 must be predicate JSON TEXT", -1);
        return;
    }
    if (frc == 0 || jt == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    bsp_predicate *p = sqlite3_get_auxdata(ctx, 1);
    if (!p) {
        const char *json = (const char *)sqlite3_value_text(argv[1]);
        int n = sqlite3_value_bytes(argv[1]);
        if (bsp_predicate_compile(json ? json : "", (size_t)n, &p) != BSP_OK) {
            char msg[1200];
            snprintf(msg, sizeof msg, "schema_passes: invalid predicate: %s", bsp_errmsg());
            sqlite3_result_error(ctx, msg, -1);
            return;
        }
        sqlite3_result_int(ctx, bsp_predicate_eval(p, r[0]));
        sqlite3_set_auxdata(ctx, 1, p, predicate_free); /* SQLite owns p from here */
        return;
    }
    sqlite3_result_int(ctx, bsp_predicate_eval(p, r[0]));
}

static void fn_xor_delta(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t r[2][BSP_WORDS];
    if (fp_args(ctx, argv, 2, FN_NAME(ctx), r) != 1) return;
    bsp_delta d;
    bsp_delta_compute(&d, r[0], r[1]);
    uint8_t out[BSP_DELTA_MAX_WIRE];
    int n = bsp_delta_encode(&d, out, sizeof out);
    sqlite3_result_blob(ctx, out, n, SQLITE_TRANSIENT);
}

static void fn_xor_apply(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t r[1][BSP_WORDS];
    int frc = sqlfn_fp_arg(ctx, argv[0], FN_NAME(ctx), 1, r[0]);
    if (frc < 0) return;
    int t = sqlite3_value_type(argv[1]);
    if (t != SQLITE_NULL && t != SQLITE_BLOB) {
        sqlite3_result_error(ctx, "xor_apply: argument 2 must be an XorDelta BLOB", -1);
        return;
    }
    if (frc == 0 || t == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    bsp_delta d;
    const void *blob = sqlite3_value_blob(argv[1]);
    int n = sqlite3_value_bytes(argv[1]);
    if (bsp_delta_decode(&d, blob ? blob : (const void *)"", (size_t)n) != BSP_OK) {
        char msg[1200];
        snprintf(msg, sizeof msg, "xor_apply: argument 2: %s", bsp_errmsg());
        sqlite3_result_error(ctx, msg, -1);
        return;
    }
    bsp_delta_apply(r[0], &d);
    sqlfn_result_fp(ctx, r[0]);
}

static void fn_fp_hex(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    uint64_t r[1][BSP_WORDS];
    if (fp_args(ctx, argv, 1, FN_NAME(ctx), r) != 1) return;
    char hex[BSP_HEX_CHARS + 1];
    bsp_fp_to_hex(hex, r[0]);
    sqlite3_result_text(ctx, hex, BSP_HEX_CHARS, SQLITE_TRANSIENT);
}

static void fn_fp_unhex(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    if (t != SQLITE_TEXT) {
        sqlite3_result_error(ctx, "fp_unhex: argument 1 must be 4096-char lowercase hex TEXT", -1);
        return;
    }
    uint64_t r[BSP_WORDS];
    const char *hex = (const char *)sqlite3_value_text(argv[0]);
    if (bsp_fp_from_hex(r, hex ? hex : "", (size_t)sqlite3_value_bytes(argv[0])) != BSP_OK) {
        char msg[1200];
        snprintf(msg, sizeof msg, "fp_unhex: %s", bsp_errmsg());
        sqlite3_result_error(ctx, msg, -1);
        return;
    }
    sqlfn_result_fp(ctx, r);
}

/* fp_random(seed): word i = splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15), i = 0..255.
 * Deterministic; the sidecar words are random too (so schema_version is arbitrary). */
static void fn_fp_random(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    if (t != SQLITE_INTEGER) {
        sqlite3_result_error(ctx, "fp_random: argument 1 must be an INTEGER seed", -1);
        return;
    }
    uint64_t seed = (uint64_t)sqlite3_value_int64(argv[0]);
    uint64_t r[BSP_WORDS];
    for (uint64_t i = 0; i < BSP_WORDS; i++) r[i] = bsp_splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15ull);
    sqlfn_result_fp(ctx, r);
}

/* fp_text(text): the label fingerprint of spec §4.5 (words 0..207 from the text's FNV-1a
 * seed, sidecar zero). The deterministic text encoder for examples. */
static void fn_fp_text(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    if (t != SQLITE_TEXT) {
        sqlite3_result_error(ctx, "fp_text: argument 1 must be TEXT", -1);
        return;
    }
    uint64_t r[BSP_WORDS];
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    bsp_label_fp(r, s ? s : "", (size_t)sqlite3_value_bytes(argv[0]));
    sqlfn_result_fp(ctx, r);
}

struct fn_def {
    const char *name;
    int nargs;
    void (*fn)(sqlite3_context *, int, sqlite3_value **);
};

static const struct fn_def fns[] = {
    {"hamming_distance", 2, fn_hamming},
    {"semantic_distance", 2, fn_semantic},
    {"xor_bind", 2, fn_xor_bind},
    {"popcount", 1, fn_popcount},
    {"schema_version", 1, fn_schema_version},
    {"schema_passes", 2, sqlfn_schema_passes},
    {"ani_level", 2, fn_ani_level},
    {"ani_dominant", 1, fn_ani_dominant},
    {"nars_truth", 1, fn_nars_truth},
    {"nars_f", 1, fn_nars_f},
    {"nars_c", 1, fn_nars_c},
    {"xor_delta", 2, fn_xor_delta},
    {"xor_apply", 2, fn_xor_apply},
    {"fp_hex", 1, fn_fp_hex},
    {"fp_unhex", 1, fn_fp_unhex},
    {"fp_random", 1, fn_fp_random},
    {"fp_text", 1, fn_fp_text},
};

int sqlfn_register(sqlite3 *db)
{
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        int rc = sqlite3_create_function_v2(db, fns[i].name, fns[i].nargs,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                            (void *)fns[i].name, fns[i].fn, NULL, NULL, NULL);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}
