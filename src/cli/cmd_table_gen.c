/* `bindspace gen TABLE --rows N [--seed S]`: synthetic fingerprint rows.
 *
 * Schema: addr u16 (a node address 0x8000 | id % 32768), id u64, fingerprint fsl_u8:2048,
 * label utf8 ("row-<id>"). Row id's fingerprint is a pure function of (seed, id): words 0..207
 * are splitmix64 noise, words 208..255 a valid version-1 sidecar (bsp_sidecar_pack) whose
 * fields are drawn uniformly over ranges chosen so predicates select useful fractions:
 * ANI levels and NARS f/c/priority uniform in [0, 1], node kind 0..7 (1/8 each), cluster_id
 * 0..15, hop_to_root 0..15, degree 0..63, pagerank uniform u16, Q-values and rewards uniform,
 * verb 0..143, and a bloom holding the neighbour ids id-1, id+1 and id+7. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"

#define GEN_CHUNK 131072 /* rows per commit */

static const char *gen_usage =
    "usage: bindspace gen TABLE --rows N [--seed S] [--start-id K]\n"
    "\n"
    "Create TABLE (or append to it) with N synthetic rows: addr u16, id u64,\n"
    "fingerprint fsl_u8:2048 (random content + a valid version-1 metadata sidecar), label utf8.\n"
    "Row contents depend only on (seed, id); ids start at K (default: 0 for a new table, max id + 1\n"
    "when appending). Every 131072 rows are one commit.\n";

typedef struct rng { uint64_t s; } rng;
static uint64_t next(rng *r) { return bsp_splitmix64(r->s += 0x9E3779B97F4A7C15ull); }
static uint32_t below(rng *r, uint32_t n) { return (uint32_t)(((next(r) >> 32) * n) >> 32); }
static float unit(rng *r) { return (float)(next(r) >> 40) / (float)(1u << 24); }

static int make_fp(uint64_t seed, uint64_t id, const char *label, size_t label_len,
                   uint64_t words[BSP_WORDS])
{
    rng r = {bsp_splitmix64(seed) ^ bsp_splitmix64(id + 0x5bd1e995u)};
    for (int i = 0; i < BSP_SEM_WORDS; i++) words[i] = next(&r);
    for (int i = BSP_SEM_WORDS; i < BSP_WORDS; i++) words[i] = 0;
    bsp_sidecar s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 8; i++) s.ani[i] = (uint16_t)below(&r, 65536);
    s.nars_f = bsp_q_u16(unit(&r));
    s.nars_c = bsp_q_c16(unit(&r));
    s.budget_priority = bsp_q_u16(unit(&r));
    s.budget_durability = bsp_q_u16(unit(&r));
    s.budget_quality = bsp_q_u16(unit(&r));
    s.edge_verb = (uint8_t)below(&r, 144);
    s.edge_direction = (uint8_t)below(&r, 4);
    s.edge_weight = (uint8_t)below(&r, 256);
    s.edge_flags = (uint8_t)below(&r, 16);
    s.node_kind = (uint8_t)below(&r, 8);
    s.node_subtype = (uint8_t)below(&r, 256);
    s.provenance = (uint16_t)below(&r, 65536);
    s.rung = (uint8_t)below(&r, 3);
    s.qidx = (uint16_t)below(&r, 65536);
    s.access_count = below(&r, 1000);
    s.ttl = below(&r, 10) == 0 ? (uint16_t)(1 + below(&r, 3600)) : 0;
    s.sigma_q = bsp_q_sigma(unit(&r) * 20.0f);
    s.label_hash = bsp_fnv1a64(label, label_len);
    for (int i = 0; i < 16; i++) s.q[i] = bsp_q_q8(unit(&r) * 2.0f - 1.0f);
    for (int i = 0; i < 8; i++) s.rewards[i] = bsp_q_r16(unit(&r) * 2.0f - 1.0f);
    uint16_t t = (uint16_t)below(&r, 1000);
    for (int i = 0; i < 8; i++) s.stdp[i] = t += (uint16_t)below(&r, 100);
    for (int i = 0; i < 8; i++) s.hebbian[i] = (uint16_t)below(&r, 65536);
    bsp_bloom_insert(s.bloom, id - 1);
    bsp_bloom_insert(s.bloom, id + 1);
    bsp_bloom_insert(s.bloom, id + 7);
    s.pagerank = (uint16_t)below(&r, 65536);
    s.hop_to_root = (uint8_t)below(&r, 16);
    s.cluster_id = (uint16_t)below(&r, 16);
    s.in_degree = (uint8_t)below(&r, 32);
    s.out_degree = (uint8_t)below(&r, 32);
    s.degree = (uint8_t)(s.in_degree + s.out_degree);
    return bsp_sidecar_pack(words, &s);
}

/* Largest id in an existing table (0 rows: *has = false). */
static int max_id(const char *cmd, bsp_dataset *ds, uint64_t *max, bool *has)
{
    *has = false;
    *max = 0;
    if (bsp_schema_find(bsp_dataset_schema(ds), "id") < 0) return 0;
    const char *cols[1] = {"id"};
    bsp_scan_options so = {cols, 1, 0, 0, false};
    bsp_scanner *sc;
    int rc = bsp_scanner_open(ds, &so, &sc);
    if (rc) return cli_fail(cmd, rc, "scanning ids");
    bsp_batch b;
    int more;
    while ((more = bsp_scanner_next(sc, &b)) == 1) {
        const bsp_column *c = &b.cols[0];
        if (c->type.id == BSP_T_UINT64 || c->type.id == BSP_T_INT64)
            for (uint64_t r = 0; r < b.nrows; r++) {
                if (!bsp_column_is_valid(c, r)) continue;
                uint64_t v;
                memcpy(&v, c->data + 8 * r, 8);
                if (!*has || v > *max) *max = v;
                *has = true;
            }
        bsp_batch_free(&b);
    }
    bsp_scanner_free(sc);
    return more < 0 ? cli_fail(cmd, more, "scanning ids") : 0;
}

int cli_table_gen(int argc, char **argv)
{
    const char *cmd = argv[0], *table = NULL, *rows_s = NULL, *seed_s = NULL, *start_s = NULL;
    for (int i = 1; i < argc;) {
        if (cli_is_help(argv[i])) {
            fputs(gen_usage, stdout);
            return 0;
        }
        int r;
        if ((r = cli_opt(cmd, argc, argv, &i, "--rows", &rows_s)) ||
            (r = cli_opt(cmd, argc, argv, &i, "--seed", &seed_s)) ||
            (r = cli_opt(cmd, argc, argv, &i, "--start-id", &start_s))) {
            if (r < 0) return 2;
            continue;
        }
        if (argv[i][0] == '-' || table) {
            fprintf(stderr, "bindspace %s: unexpected argument %s\n%s", cmd, argv[i], gen_usage);
            return 2;
        }
        table = argv[i++];
    }
    if (!table || !rows_s) {
        fprintf(stderr, "%s", gen_usage);
        return 2;
    }
    uint64_t rows, seed = 42, start = 0;
    if (cli_parse_u64(cmd, "--rows", rows_s, UINT32_MAX, &rows)) return 2;
    if (rows == 0) return cli_fail(cmd, 0, "--rows must be at least 1");
    if (seed_s && cli_parse_u64(cmd, "--seed", seed_s, UINT64_MAX, &seed)) return 2;
    if (start_s && cli_parse_u64(cmd, "--start-id", start_s, UINT64_MAX, &start)) return 2;

    bsp_dataset *ds = NULL;
    int rc = bsp_dataset_open(table, 0, &ds);
    if (rc == BSP_OK) {
        uint64_t mx;
        bool has;
        int f = max_id(cmd, ds, &mx, &has);
        bsp_dataset_free(ds);
        if (f) return 1;
        if (!start_s && has) start = mx + 1;
    } else if (rc == BSP_ENOTFOUND) {
        bsp_errclear();
    } else {
        return cli_fail(cmd, rc, "cannot open %s", table);
    }

    bsp_field fields[4] = {
        {"addr", {BSP_T_UINT16, 0}, false, -1},
        {"id", {BSP_T_UINT64, 0}, false, -1},
        {"fingerprint", {BSP_T_FSL_UINT8, BSP_BYTES}, false, -1},
        {"label", {BSP_T_UTF8, 0}, true, -1},
    };
    bsp_schema schema = {4, fields};
    bsp_progress prog = cli_progress();
    bsp_write_options wo = {BSP_WRITE_APPEND, 0, false, &prog};
    uint64_t version = 0, done = 0;
    int fail = 0;
    uint64_t *words = aligned_alloc(BSP_ALIGN, BSP_BYTES);
    if (!words) return cli_fail(cmd, BSP_ENOMEM, "out of memory");
    while (done < rows && !fail) {
        uint64_t n = rows - done < GEN_CHUNK ? rows - done : GEN_CHUNK;
        cli_colbuf cb[4];
        for (int k = 0; k < 4; k++) colbuf_init(&cb[k], fields[k].type);
        for (uint64_t i = 0; i < n && !fail; i++) {
            uint64_t id = start + done + i;
            uint16_t addr = (uint16_t)(0x8000u | (id % 32768u));
            char label[32];
            int ll = snprintf(label, sizeof label, "row-%" PRIu64, id);
            if ((rc = make_fp(seed, id, label, (size_t)ll, words))) {
                fail = cli_fail(cmd, rc, "sidecar for row %" PRIu64, id);
                break;
            }
            uint8_t bytes[BSP_BYTES];
            bsp_fp_to_bytes(bytes, words);
            uint8_t a[2] = {(uint8_t)addr, (uint8_t)(addr >> 8)}, idb[8];
            for (int k = 0; k < 8; k++) idb[k] = (uint8_t)(id >> (8 * k));
            if (colbuf_push_fixed(&cb[0], a) || colbuf_push_fixed(&cb[1], idb) ||
                colbuf_push_fixed(&cb[2], bytes) || colbuf_push_var(&cb[3], label, (size_t)ll))
                fail = cli_fail(cmd, BSP_ENOMEM, "out of memory");
            if (!((i + 1) & 4095)) bsp_progress_report(&prog, "gen", done + i + 1, rows);
        }
        if (!fail) {
            bsp_column cols[4];
            for (int k = 0; k < 4; k++) colbuf_take(&cb[k], &cols[k]);
            bsp_batch b = {n, 4, cols};
            rc = bsp_dataset_write(table, &schema, &b, &wo, &version);
            for (int k = 0; k < 4; k++) bsp_column_free(&cols[k]);
            if (rc) fail = cli_fail(cmd, rc, "writing %s", table);
        }
        for (int k = 0; k < 4; k++) colbuf_free(&cb[k]);
        done += n;
    }
    free(words);
    cli_progress_done();
    if (!fail)
        printf("generated %" PRIu64 " rows (ids %" PRIu64 "..%" PRIu64 ") in %s (version %" PRIu64 ")\n",
               rows, start, start + rows - (rows ? 1 : 0), table, version);
    return fail ? 1 : 0;
}
