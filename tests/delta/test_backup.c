/* XOR backup (spec §13, §18.14): checksum vectors, version records computed from tables,
 * round trips (restore of every version equals the table at that version; forward equals
 * backward), restore after the original table is gone, verify catching flipped bytes, and
 * continuity errors. The long random walk is test_backup_roundtrip_slow.c. */
#include <pthread.h>
#include <sys/stat.h>

#include "bindspace/backup.h"
#include "bindspace/delta.h"
#include "delta/backup_internal.h"
#include "io/io.h"
#include "delta/backup_model.h"
#include "test.h"

static char *join(const char *a, const char *b)
{
    char *p = malloc(strlen(a) + strlen(b) + 2);
    sprintf(p, "%s/%s", a, b);
    return p;
}

/* ---- §18.14 ------------------------------------------------------------------------------ */

static void test_checksum_vectors(void)
{
    uint64_t z[BSP_WORDS] = {0}, one[BSP_WORDS] = {0};
    one[0] = 1;
    CHECK_EQ_U(bsp_backup_checksum(z), 0x28c31cf8df2ec325ull);
    CHECK_EQ_U(bsp_backup_checksum(one), 0xda2a54478fa6a324ull);

    /* The same through a table: v1 CREATE of the zero record at addr 0x8000, v2 MODIFY to
     * word 0 = 1. */
    char *dir = test_tmpdir("bk-vec");
    char *t = join(dir, "nodes.lance");
    bm_model m;
    bm_init(&m, t);
    bsp_schema s;
    bm_schema(&s);
    size_t idx[1] = {0};
    bsp_batch b;
    bm_batch(&m.cur, idx, 1, &b);
    bsp_write_options wo = {.mode = BSP_WRITE_CREATE};
    CHECK_OK(bsp_dataset_write(t, &s, &b, &wo, NULL));
    bsp_batch_free(&b);
    uint64_t ra[BM_ADDRS];
    CHECK_OK(bm_rowaddrs(t, ra));
    m.cur.rec[0][0] = 1;
    bm_batch(&m.cur, idx, 1, &b);
    CHECK_OK(bsp_dataset_update_rows(t, &ra[0], 1, &b, NULL));
    bsp_batch_free(&b);

    bsp_dataset *ds;
    CHECK_OK(bsp_dataset_open(t, 0, &ds));
    bk_table_cols c;
    CHECK_OK(bk_table_cols_resolve(ds, NULL, &c));
    CHECK_STR(c.key, "addr");
    CHECK_STR(c.fp, "fingerprint");
    bsp_dataset_free(ds);

    bk_record r;
    CHECK_OK(bk_table_record(t, 0, 1, &c, &r));
    CHECK_EQ_U(r.n, 1);
    if (r.n == 1) {
        CHECK_EQ_U(r.e[0].kind, BSP_BACKUP_CREATE);
        CHECK_EQ_U(r.e[0].key, 0x8000);
        CHECK_EQ_U(r.e[0].checksum, 0x28c31cf8df2ec325ull);
        CHECK_EQ_U(r.e[0].len, 2048);
    }
    bk_record_free(&r);
    CHECK_OK(bk_table_record(t, 1, 2, &c, &r));
    CHECK_EQ_U(r.n, 1);
    if (r.n == 1) {
        static const uint8_t want[40] = {1, 0, 0, 0, 0, 0, 0, 0, [32] = 1};
        CHECK_EQ_U(r.e[0].kind, BSP_BACKUP_MODIFY);
        CHECK_EQ_U(r.e[0].checksum, 0xda2a54478fa6a324ull);
        CHECK_EQ_U(r.e[0].len, 40);
        CHECK(r.e[0].len == 40 && memcmp(r.buf + r.e[0].off, want, 40) == 0);
    }
    bk_record_free(&r);
    bm_free(&m);
    free(t);
    test_rmtree(dir);
    free(dir);
}

/* ---- §13 application requirements (atomic, errors name the key) ------------------------------- */

static void test_apply_requirements(void)
{
    bk_state s = {0};
    bk_record r = {0};
    uint8_t rec[2048] = {0};
    r.from = 0;
    r.to = 1;
    r.rows_from = 0;
    r.rows_to = 2;
    CHECK_OK(bk_record_add(&r, 5, BSP_BACKUP_CREATE, bsp_fnv1a64(rec, 2048), rec, 2048));
    rec[0] = 9;
    CHECK_OK(bk_record_add(&r, 7, BSP_BACKUP_CREATE, bsp_fnv1a64(rec, 2048), rec, 2048));
    CHECK_OK(bk_apply_forward(&s, &r));
    CHECK_EQ_U(s.n, 2);
    CHECK_EQ_U(s.keys[1], 7);
    CHECK_EQ_U(bk_state_rec(&s, 1)[0], 9);
    /* Applying it again: key 5 is occupied; nothing changes. */
    r.rows_from = 2;
    CHECK_ERR(bk_apply_forward(&s, &r), BSP_ECORRUPT, "key 5 (CREATE)");
    CHECK_EQ_U(s.n, 2);
    /* Backward undoes it. */
    r.rows_from = 0;
    CHECK_OK(bk_apply_backward(&s, &r));
    CHECK_EQ_U(s.n, 0);
    bk_record_free(&r);

    /* A MODIFY whose result does not match its checksum fails before anything changes. */
    memset(rec, 0, sizeof rec);
    r = (bk_record){.from = 0, .to = 1, .rows_from = 0, .rows_to = 1};
    CHECK_OK(bk_record_add(&r, 1, BSP_BACKUP_CREATE, bsp_fnv1a64(rec, 2048), rec, 2048));
    CHECK_OK(bk_apply_forward(&s, &r));
    bk_record_free(&r);
    uint64_t a[BSP_WORDS] = {0}, b2[BSP_WORDS] = {0};
    b2[3] = 0xF0;
    bsp_delta d;
    bsp_delta_compute(&d, a, b2);
    uint8_t wire[BSP_DELTA_MAX_WIRE];
    int len = bsp_delta_encode(&d, wire, sizeof wire);
    r = (bk_record){.from = 1, .to = 2, .rows_from = 1, .rows_to = 2};
    CHECK_OK(bk_record_add(&r, 1, BSP_BACKUP_MODIFY, bsp_backup_checksum(b2) ^ 1, wire, (uint32_t)len));
    CHECK_OK(bk_record_add(&r, 2, BSP_BACKUP_CREATE, bsp_fnv1a64(rec, 2048), rec, 2048));
    CHECK_ERR(bk_apply_forward(&s, &r), BSP_ECORRUPT, "key 1 (MODIFY): the result does not match");
    CHECK_EQ_U(s.n, 1);
    CHECK_EQ_U(bk_state_rec(&s, 0)[24], 0);
    r.e[0].checksum ^= 1;
    CHECK_OK(bk_apply_forward(&s, &r));
    CHECK_EQ_U(s.n, 2);
    CHECK_EQ_U(bk_state_rec(&s, 0)[24], 0xF0);
    bk_record_free(&r);
    bk_state_free(&s);
}

/* A record of only MODIFY entries, large enough for the two-thread path: forward then backward
 * restores the state; a wrong checksum in either half, or a bad entry further on, fails with
 * the first problem in entry order and leaves the state bit-identical. */
static void test_apply_many_modifies(void)
{
    enum { N = 1500 };
    bk_state s = {0};
    bk_record r = {.from = 0, .to = 1, .rows_from = 0, .rows_to = N};
    uint64_t w[BSP_WORDS];
    uint64_t seed = 77;
    for (uint64_t k = 0; k < N; k++) {
        for (int i = 0; i < BSP_WORDS; i++) w[i] = bsp_splitmix64(seed++);
        CHECK_OK(bk_record_add(&r, k * 3, BSP_BACKUP_CREATE, bsp_fnv1a64(w, 2048), (uint8_t *)w, 2048));
    }
    CHECK_OK(bk_apply_forward(&s, &r));
    bk_record_free(&r);
    uint8_t *before = malloc((size_t)N * 2048);
    for (size_t i = 0; i < N; i++) memcpy(before + i * 2048, bk_state_rec(&s, i), 2048);
    /* version 1 -> 2: every row changes in a few words */
    r = (bk_record){.from = 1, .to = 2, .rows_from = N, .rows_to = N};
    for (uint64_t k = 0; k < N; k++) {
        uint64_t *cur = (uint64_t *)(void *)bk_state_rec(&s, k), next[BSP_WORDS];
        memcpy(next, cur, sizeof next);
        next[k % BSP_WORDS] ^= bsp_splitmix64(k) | 1;
        next[(k * 7 + 3) % BSP_WORDS] ^= 0xFF00;
        bsp_delta d;
        bsp_delta_compute(&d, cur, next);
        uint8_t wire[BSP_DELTA_MAX_WIRE];
        int len = bsp_delta_encode(&d, wire, sizeof wire);
        CHECK_OK(bk_record_add(&r, k * 3, BSP_BACKUP_MODIFY, bsp_backup_checksum(next), wire, (uint32_t)len));
    }
    size_t late = N - 5, early = 10, bad = N - 2;
    /* a wrong checksum in the second half */
    r.e[late].checksum ^= 1;
    CHECK_ERR(bk_apply_forward(&s, &r), BSP_ECORRUPT, "the result does not match the checksum");
    char want[64];
    snprintf(want, sizeof want, "key %zu (MODIFY)", late * 3);
    CHECK(strstr(bsp_errmsg(), want) != NULL);
    for (size_t i = 0; i < N; i++) CHECK(memcmp(before + i * 2048, bk_state_rec(&s, i), 2048) == 0);
    /* and one in the first half too: the first in entry order is reported */
    r.e[early].checksum ^= 1;
    CHECK_ERR(bk_apply_forward(&s, &r), BSP_ECORRUPT, "does not match");
    snprintf(want, sizeof want, "key %zu (MODIFY)", early * 3);
    CHECK(strstr(bsp_errmsg(), want) != NULL);
    r.e[early].checksum ^= 1;
    r.e[late].checksum ^= 1;
    /* a damaged payload further on: reported after the checksums before it are clean */
    uint8_t keep = r.buf[r.e[bad].off];
    r.buf[r.e[bad].off] ^= 0xFF;
    CHECK_ERR(bk_apply_forward(&s, &r), BSP_ECORRUPT, "");
    snprintf(want, sizeof want, "key %zu (MODIFY)", bad * 3);
    CHECK(strstr(bsp_errmsg(), want) != NULL);
    for (size_t i = 0; i < N; i++) CHECK(memcmp(before + i * 2048, bk_state_rec(&s, i), 2048) == 0);
    r.buf[r.e[bad].off] = keep;
    /* clean: forward changes every row as the checksums say; backward restores */
    CHECK_OK(bk_apply_forward(&s, &r));
    for (size_t i = 0; i < N; i++)
        CHECK_EQ_U(bsp_backup_checksum((const uint64_t *)(void *)bk_state_rec(&s, i)), r.e[i].checksum);
    CHECK_OK(bk_apply_backward(&s, &r));
    for (size_t i = 0; i < N; i++) CHECK(memcmp(before + i * 2048, bk_state_rec(&s, i), 2048) == 0);
    free(before);
    bk_record_free(&r);
    bk_state_free(&s);
}

/* ---- round trip ---------------------------------------------------------------------------- */

static void check_all_versions(const char *dir, const char *chain, const bm_model *m, uint64_t first,
                               uint64_t last, bool compare_original)
{
    for (uint64_t v = first; v <= last; v++) {
        if (compare_original && v > 0) CHECK_EQ_U(bm_compare(m->path, v, &m->ver[v]), 0);
        for (int d = 1; d <= 2; d++) {
            char name[64];
            snprintf(name, sizeof name, "r%llu-%d.lance", (unsigned long long)v, d);
            char *out = join(dir, name);
            bsp_restore_options ro = {.direction = (bsp_restore_direction)d};
            bsp_restore_stats st;
            int rc = bsp_backup_restore(chain, v, out, &ro, &st);
            if (rc == BSP_ENOTFOUND) { /* no snapshot on that side */
                free(out);
                continue;
            }
            CHECK_OK(rc);
            if (rc == BSP_OK) {
                size_t diff = bm_compare(out, 0, &m->ver[v]);
                if (diff) fprintf(stderr, "  version %llu direction %d: %zu differences\n",
                                  (unsigned long long)v, d, diff);
                CHECK_EQ_U(diff, 0);
            }
            test_rmtree(out);
            free(out);
        }
    }
}

static void test_roundtrip_small(void)
{
    char *dir = test_tmpdir("bk-rt");
    char *t = join(dir, "nodes.lance");
    char *chain = join(dir, "nodes.backup.lance");
    bm_model m;
    bm_init(&m, t);
    test_rng r;
    test_rng_seed(&r, 42);
    uint64_t last = 0;
    for (int i = 0; i < 14; i++) last = bm_step(&m, &r, 40);
    CHECK_EQ_U(last, 14);
    /* Start the chain at version 0 (empty), snapshots every 5 records, in two calls. */
    bsp_backup_options o = {.snapshot_interval = 5};
    bsp_backup_stats st;
    CHECK_OK(bsp_backup_create(t, 0, 6, NULL, &o, &st));
    CHECK_EQ_U(st.records, 6);
    CHECK_EQ_U(st.snapshots, 2); /* v0, v5 */
    CHECK_OK(bsp_backup_create(t, BSP_BACKUP_CHAIN_END, BSP_BACKUP_LATEST, chain, &o, &st));
    CHECK_EQ_U(st.records, 8);
    CHECK_EQ_U(st.snapshots, 1); /* v10 */
    CHECK_EQ_U(st.first_version, 0);
    CHECK_EQ_U(st.last_version, 14);
    bsp_backup_item *items;
    size_t n;
    CHECK_OK(bsp_backup_list(chain, &items, &n));
    CHECK_EQ_U(n, 14 + 3);
    if (n == 17) {
        CHECK(items[0].snapshot && items[0].to_version == 0);
        CHECK(!items[1].snapshot && items[1].from_version == 0 && items[1].to_version == 1);
        CHECK(items[6].snapshot && items[6].to_version == 5);
        CHECK(items[6].bytes >= items[6].entries * 2048 && items[6].entries > 0); /* its data files */
        CHECK(items[1].bytes > 0 && items[1].bytes < items[1].entries * 2048 + 4096);
    }
    free(items);
    bsp_backup_report rep;
    CHECK_OK(bsp_backup_verify(chain, NULL, &rep));
    CHECK_EQ_U(rep.records, 14);
    CHECK_EQ_U(rep.snapshots, 3);
    CHECK_EQ_U(rep.nproblems, 0);
    CHECK(rep.files > 10);
    bsp_backup_report_free(&rep);
    /* Segments: the chain table holds the items up to the second marker, each later marker
     * starts a segment with the records after it; no table lists more than one interval. A
     * segment directory without a commit (a crash before it) is not a segment. */
    bk_chain c;
    CHECK_OK(bk_chain_open(chain, false, &c));
    CHECK_EQ_U(c.nsegs, 3); /* the chain table, _segments/..05.lance, _segments/..10.lance */
    for (size_t i = 0; i < c.nsegs; i++) CHECK(bsp_dataset_fragment_count(c.segs[i]) <= 6);
    CHECK_EQ_U(c.n, 17);
    bk_chain_close(&c);
    char *junk = join(chain, "_segments/00000000000000000099.lance/data");
    CHECK_OK(io_mkdir_p(junk));
    CHECK_OK(bk_chain_open(chain, false, &c));
    CHECK_EQ_U(c.nsegs, 3);
    bk_chain_close(&c);
    *strrchr(junk, '/') = 0;
    test_rmtree(junk);
    free(junk);
    check_all_versions(dir, chain, &m, 0, 14, true);
    /* The same through the snapshot read path (used when a snapshot's column cannot be mapped). */
    bk_snapshot_no_map = true;
    check_all_versions(dir, chain, &m, 0, 14, false);
    CHECK_OK(bsp_backup_verify(chain, NULL, &rep));
    CHECK_EQ_U(rep.nproblems, 0);
    bsp_backup_report_free(&rep);
    bk_snapshot_no_map = false;

    /* Continuity: a chain continues only from its end. */
    CHECK_ERR(bsp_backup_create(t, 3, 14, chain, &o, NULL), BSP_EINVAL, "ends at version 14");
    CHECK_OK(bsp_backup_create(t, BSP_BACKUP_CHAIN_END, 0, chain, &o, &st)); /* nothing to do */
    CHECK_EQ_U(st.records, 0);
    char *x = join(dir, "x.lance");
    CHECK_ERR(bsp_backup_restore(chain, 15, x, NULL, NULL), BSP_ENOTFOUND, "covers 0..14");
    free(x);
    bm_free(&m);
    free(t);
    free(chain);
    test_rmtree(dir);
    free(dir);
}

/* A chain that starts at a later version: only versions from there on are restorable. */
static void test_chain_from_later_version(void)
{
    char *dir = test_tmpdir("bk-later");
    char *t = join(dir, "nodes.lance");
    char *chain = join(dir, "elsewhere.chain");
    bm_model m;
    bm_init(&m, t);
    test_rng r;
    test_rng_seed(&r, 7);
    for (int i = 0; i < 8; i++) bm_step(&m, &r, 30);
    CHECK_OK(bsp_backup_create(t, BSP_BACKUP_CHAIN_END, 4, chain, NULL, NULL)); /* snapshot of v4 */
    CHECK_OK(bsp_backup_create(t, BSP_BACKUP_CHAIN_END, 0, chain, NULL, NULL));
    char *x = join(dir, "x.lance");
    CHECK_ERR(bsp_backup_restore(chain, 3, x, NULL, NULL), BSP_ENOTFOUND, "covers 4..8");
    free(x);
    check_all_versions(dir, chain, &m, 4, 8, false);
    bm_free(&m);
    free(t);
    free(chain);
    test_rmtree(dir);
    free(dir);
}

/* ---- the original table is gone ------------------------------------------------------------- */

static void test_restore_without_original(void)
{
    char *dir = test_tmpdir("bk-lost");
    char *t = join(dir, "nodes.lance");
    char *bdir = test_tmpdir("bk-lost-chain"); /* the chain lives elsewhere */
    char *chain = join(bdir, "nodes.backup.lance");
    bm_model m;
    bm_init(&m, t);
    test_rng r;
    test_rng_seed(&r, 99);
    for (int i = 0; i < 9; i++) bm_step(&m, &r, 50);
    bsp_backup_options o = {.snapshot_interval = 4};
    CHECK_OK(bsp_backup_create(t, 0, 0, chain, &o, NULL));
    test_rmtree(dir); /* the table and its directory are lost */
    CHECK(access(t, F_OK) != 0);
    char *rdir = test_tmpdir("bk-lost-out");
    check_all_versions(rdir, chain, &m, 0, 9, false);
    CHECK_OK(bsp_backup_verify(chain, NULL, &(bsp_backup_report){0}));
    test_rmtree(rdir);
    free(rdir);
    bm_free(&m);
    free(t);
    free(chain);
    test_rmtree(bdir);
    free(bdir);
    free(dir);
}

/* ---- damage ------------------------------------------------------------------------------- */

static int file_list(const char *root, char ***out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && find . -type f ! -name '*.tmp' ! -name latest_version_hint.json | sort", root);
    FILE *f = popen(cmd, "r");
    int n = 0;
    char line[1024];
    *out = NULL;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        *out = realloc(*out, (size_t)(n + 1) * sizeof **out);
        (*out)[n++] = join(root, line + 2);
    }
    if (f) pclose(f);
    return n;
}

static bool flip(const char *path, long off)
{
    FILE *f = fopen(path, "r+b");
    if (!f) return false;
    fseek(f, off, SEEK_SET);
    int c = fgetc(f);
    fseek(f, off, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
    return true;
}

static long fsize(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void test_flipped_bytes(void)
{
    char *dir = test_tmpdir("bk-flip");
    char *t = join(dir, "nodes.lance");
    char *chain = join(dir, "nodes.backup.lance");
    bm_model m;
    bm_init(&m, t);
    test_rng r;
    test_rng_seed(&r, 1234);
    for (int i = 0; i < 6; i++) bm_step(&m, &r, 20);
    bsp_backup_options o = {.snapshot_interval = 3};
    CHECK_OK(bsp_backup_create(t, 0, 0, chain, &o, NULL));
    char **files;
    int nf = file_list(chain, &files);
    CHECK(nf > 10);
    int caught = 0, tried = 0;
    for (int i = 0; i < nf; i++) {
        long sz = fsize(files[i]);
        /* a few positions per file: start, end, and random ones in between */
        for (int k = 0; k < 6 && sz > 0; k++) {
            long off = k == 0 ? 0 : k == 1 ? sz - 1 : (long)test_rng_below(&r, (uint64_t)sz);
            flip(files[i], off);
            bsp_backup_report rep;
            int rc = bsp_backup_verify(chain, NULL, &rep);
            tried++;
            if (rc == BSP_ECORRUPT && rep.nproblems > 0) caught++;
            else fprintf(stderr, "  flip not caught: %s @%ld (rc %d)\n", files[i], off, rc);
            bsp_backup_report_free(&rep);
            flip(files[i], off);
        }
    }
    CHECK_EQ_U(caught, tried);
    bsp_backup_report rep;
    CHECK_OK(bsp_backup_verify(chain, NULL, &rep));
    bsp_backup_report_free(&rep);
    for (int i = 0; i < nf; i++) free(files[i]);
    free(files);
    bm_free(&m);
    free(t);
    free(chain);
    test_rmtree(dir);
    free(dir);
}

/* Damage inside one CREATE payload: verify names the version and key; restore refuses. */
static void test_damaged_entry_named(void)
{
    char *dir = test_tmpdir("bk-dmg");
    char *t = join(dir, "nodes.lance");
    char *chain = join(dir, "nodes.backup.lance");
    bm_model m;
    bm_init(&m, t);
    test_rng r;
    test_rng_seed(&r, 5);
    bm_step(&m, &r, 20); /* v1: appends */
    CHECK_OK(bsp_backup_create(t, 0, 0, chain, NULL, NULL)); /* snapshot v0 + R(0->1) */
    /* find the first created record's bytes in the chain's data files */
    size_t k0 = 0;
    while (!m.ver[1].occ[k0]) k0++;
    char **files;
    int nf = file_list(chain, &files);
    bool found = false;
    for (int i = 0; i < nf && !found; i++) {
        if (!strstr(files[i], "/data/")) continue;
        FILE *f = fopen(files[i], "rb");
        long sz = fsize(files[i]);
        if (sz <= 0) continue;
        uint8_t *buf = malloc((size_t)sz);
        if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) sz = 0;
        fclose(f);
        for (long o = 0; o + 2048 <= sz; o++)
            if (memcmp(buf + o, m.ver[1].rec[k0], 2048) == 0) {
                flip(files[i], o + 100);
                found = true;
                break;
            }
        free(buf);
    }
    CHECK(found);
    bsp_backup_report rep;
    CHECK_ERR(bsp_backup_verify(chain, NULL, &rep), BSP_ECORRUPT, NULL);
    bool named = false;
    for (size_t i = 0; i < rep.nproblems; i++)
        if (rep.problems[i].has_key && rep.problems[i].key == 0x8000 + k0 && rep.problems[i].to_version == 1)
            named = true;
    CHECK(named);
    bsp_backup_report_free(&rep);
    char *out = join(dir, "out.lance");
    char want[64];
    snprintf(want, sizeof want, "key %zu", (size_t)(0x8000 + k0));
    CHECK_ERR(bsp_backup_restore(chain, 1, out, NULL, NULL), BSP_ECORRUPT, want);
    CHECK(access(out, F_OK) != 0); /* nothing written */
    CHECK_OK(bsp_backup_restore(chain, 0, out, NULL, NULL)); /* the snapshot is fine */
    for (int i = 0; i < nf; i++) free(files[i]);
    free(files);
    free(out);
    bm_free(&m);
    free(t);
    free(chain);
    test_rmtree(dir);
    free(dir);
}

/* Two writers (say, two flush hooks) extending one chain at once: the chain lock serialises
 * them, so every record is there exactly once. */
typedef struct racer { const char *t, *chain; uint64_t to; int rc; } racer;
static void *race_create(void *arg)
{
    racer *r = arg;
    r->rc = bsp_backup_create(r->t, BSP_BACKUP_CHAIN_END, r->to, r->chain, NULL, NULL);
    return NULL;
}

static void test_concurrent_creates(void)
{
    char *dir = test_tmpdir("bk-race");
    char *t = join(dir, "nodes.lance");
    char *chain = join(dir, "nodes.backup.lance");
    bm_model m;
    bm_init(&m, t);
    test_rng r;
    test_rng_seed(&r, 11);
    for (int i = 0; i < 8; i++) bm_step(&m, &r, 20);
    CHECK_OK(bsp_backup_create(t, 0, 1, chain, NULL, NULL));
    racer a[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (racer){t, chain, (uint64_t)(5 + i), 0};
        pthread_create(&th[i], NULL, race_create, &a[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    /* A writer that finds the chain already past its target has nothing to do. */
    for (int i = 0; i < 4; i++) CHECK_OK(a[i].rc);
    CHECK_OK(bsp_backup_create(t, BSP_BACKUP_CHAIN_END, 8, chain, NULL, NULL));
    bsp_backup_report rep;
    CHECK_OK(bsp_backup_verify(chain, NULL, &rep));
    CHECK_EQ_U(rep.records, 8);
    CHECK_EQ_U(rep.last_version, 8);
    bsp_backup_report_free(&rep);
    bm_free(&m);
    free(t);
    free(chain);
    test_rmtree(dir);
    free(dir);
}

static void test_default_chain_name(void)
{
    char *p = bsp_backup_default_chain("db/nodes.lance");
    CHECK_STR(p, "db/nodes.backup.lance");
    free(p);
    p = bsp_backup_default_chain("db/nodes.lance/");
    CHECK_STR(p, "db/nodes.backup.lance");
    free(p);
    p = bsp_backup_default_chain("table");
    CHECK_STR(p, "table.backup.lance");
    free(p);
}

int main(void)
{
    RUN(test_checksum_vectors);
    RUN(test_apply_requirements);
    RUN(test_apply_many_modifies);
    RUN(test_default_chain_name);
    RUN(test_roundtrip_small);
    RUN(test_chain_from_later_version);
    RUN(test_restore_without_original);
    RUN(test_flipped_bytes);
    RUN(test_damaged_entry_named);
    RUN(test_concurrent_creates);
    return test_finish();
}
