/* `bindspace search` end to end: a table written here (id + fingerprint, a deleted row),
 * searched through the CLI ($BSP_CLI) with --hex and --queries; the JSON lines must list
 * the library's top-k with the rows' ids as keys, and bad arguments must fail cleanly. */
#include "bindspace/lance.h"
#include "bindspace/search.h"
#include "search_ref.h"

#include <sys/stat.h>

static char *run_cli(const char *args, int *status)
{
    const char *cli = getenv("BSP_CLI");
    if (!cli) return NULL;
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' search %s 2>/dev/null", cli, args);
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    size_t r;
    while ((r = fread(out + n, 1, cap - n - 1, p)) > 0) {
        n += r;
        if (n + 1 == cap) out = realloc(out, cap *= 2);
    }
    out[n] = 0;
    *status = pclose(p);
    return out;
}

static void test_cli_search(void)
{
    if (!getenv("BSP_CLI")) {
        fprintf(stderr, "  (BSP_CLI not set: skipped)\n");
        return;
    }
    char *dir = test_tmpdir("search-cli");
    char path[600], qpath[600];
    snprintf(path, sizeof path, "%s/db/nodes.lance", dir);
    snprintf(qpath, sizeof qpath, "%s/queries.txt", dir);
    size_t n = 300;
    test_rng g;
    test_rng_seed(&g, 51);
    uint64_t *recs = ref_alloc(n), *qs = ref_alloc(2);
    ref_random(&g, recs, n);
    ref_random(&g, qs, 2);
    memcpy(qs, recs + 77 * BSP_WORDS, BSP_BYTES);
    qs[5] ^= 0xFF; /* distance 8 from row 77 */
    bsp_schema s;
    s.nfields = 2;
    s.fields = calloc(2, sizeof *s.fields);
    s.fields[0] = (bsp_field){strdup("id"), {BSP_T_UINT64, 0}, false, -1};
    s.fields[1] = (bsp_field){strdup("fingerprint"), {BSP_T_FSL_UINT8, 2048}, false, -1};
    bsp_batch b;
    memset(&b, 0, sizeof b);
    b.nrows = n;
    b.ncols = 2;
    b.cols = calloc(2, sizeof *b.cols);
    b.cols[0] = (bsp_column){.type = s.fields[0].type, .length = n, .data = malloc(n * 8), .data_len = n * 8};
    for (size_t i = 0; i < n; i++) {
        uint64_t id = 1000 + i;
        memcpy(b.cols[0].data + 8 * i, &id, 8);
    }
    b.cols[1] = (bsp_column){.type = s.fields[1].type, .length = n, .data = malloc(n * BSP_BYTES),
                             .data_len = n * BSP_BYTES};
    memcpy(b.cols[1].data, recs, n * BSP_BYTES);
    bsp_write_options wo = {.mode = BSP_WRITE_CREATE};
    char dbdir[600];
    snprintf(dbdir, sizeof dbdir, "%s/db", dir);
    mkdir(dbdir, 0755);
    CHECK_OK(bsp_dataset_write(path, &s, &b, &wo, NULL));
    bsp_batch_free(&b);
    uint64_t del = BSP_ROW_ADDR(0, 5);
    CHECK_OK(bsp_dataset_delete_rows(path, &del, 1, "id = 1005", NULL));

    /* expected: library search over the dataset, keys = 1000 + row offset */
    bsp_dataset *ds = NULL;
    CHECK_OK(bsp_dataset_open(path, 0, &ds));
    if (!ds) goto out;
    bsp_search_source src;
    bsp_search_source_dataset(&src, ds, "fingerprint");
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = 4;
    o.mask = BSP_MASK_ALL;
    bsp_search_hit want[8];
    size_t nw[2];
    CHECK_OK(bsp_search_batch(&src, qs, 2, &o, want, nw, NULL));
    CHECK_EQ_U(nw[0], 4);
    CHECK_EQ_U(want[0].position, BSP_ROW_ADDR(0, 77));
    CHECK_EQ_U(want[0].distance, 8);

    char *hex = malloc(BSP_HEX_CHARS + 1), args[5000 + 1200];
    bsp_fp_to_hex(hex, qs);
    snprintf(args, sizeof args, "'%s' --hex %s -k 4", dbdir, hex);
    int st = -1;
    char *out = run_cli(args, &st);
    CHECK_EQ_I(st, 0);
    char expect[2048] = "", line[200];
    for (size_t r = 0; r < 4; r++) {
        snprintf(line, sizeof line, "{\"query\":0,\"rank\":%zu,\"key\":%" PRIu64 ",\"distance\":%u}\n",
                 r, (uint64_t)1000 + BSP_ROW_OFF(want[r].position), want[r].distance);
        strcat(expect, line);
    }
    CHECK_STR(out, expect);
    free(out);

    /* --queries with two queries, --semantic, the table path itself */
    FILE *f = fopen(qpath, "w");
    for (int j = 0; j < 2; j++) {
        bsp_fp_to_hex(hex, qs + j * BSP_WORDS);
        fprintf(f, "%s\n", hex);
    }
    fclose(f);
    o.mask = BSP_MASK_SEMANTIC;
    o.k = 3;
    CHECK_OK(bsp_search_batch(&src, qs, 2, &o, want, nw, NULL));
    snprintf(args, sizeof args, "'%s' --queries '%s' -k 3 --semantic --threads 2", path, qpath);
    out = run_cli(args, &st);
    CHECK_EQ_I(st, 0);
    expect[0] = 0;
    for (size_t j = 0; j < 2; j++)
        for (size_t r = 0; r < nw[j]; r++) {
            snprintf(line, sizeof line,
                     "{\"query\":%zu,\"rank\":%zu,\"key\":%" PRIu64 ",\"distance\":%u}\n", j, r,
                     (uint64_t)1000 + BSP_ROW_OFF(want[j * 3 + r].position), want[j * 3 + r].distance);
            strcat(expect, line);
        }
    CHECK_STR(out, expect);
    free(out);

    /* errors: no query, bad hex, bad predicate, missing table */
    snprintf(args, sizeof args, "'%s'", path);
    out = run_cli(args, &st);
    CHECK(st != 0);
    free(out);
    snprintf(args, sizeof args, "'%s' --hex abc", path);
    out = run_cli(args, &st);
    CHECK(st != 0);
    free(out);
    bsp_fp_to_hex(hex, qs);
    snprintf(args, sizeof args, "'%s' --hex %s --where '{\"foo\":1}'", path, hex);
    out = run_cli(args, &st);
    CHECK(st != 0);
    CHECK_STR(out, "");
    free(out);
    snprintf(args, sizeof args, "'%s/nothere.lance' --hex %s", dir, hex);
    out = run_cli(args, &st);
    CHECK(st != 0);
    free(out);
    free(hex);
    bsp_dataset_free(ds);
out:
    bsp_schema_free(&s);
    free(recs);
    free(qs);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    RUN(test_cli_search);
    return test_finish();
}
