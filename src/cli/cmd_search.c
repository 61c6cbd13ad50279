/* `bindspace search`: exact top-k Hamming search over a Lance table (or a database's nodes
 * table), printing one JSON line per hit: query index, rank, key, distance.
 *
 * The key is the table's key column - `addr` for BindSpace tables, else `id` - read back
 * for the hits only (bsp_dataset_take); a table with neither prints the row address. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bindspace/search.h"
#include "cli/cli.h"

static const char *usage_text =
    "usage: bindspace search TABLE_OR_DB (--hex HEX | --queries FILE) [-k K] [--where JSON]\n"
    "                        [--semantic] [--version V] [--column NAME] [--threads N]\n"
    "                        [--approximate]\n"
    "  Exact top-k by Hamming distance (all 256 words; --semantic: words 0-207) over every\n"
    "  live row. TABLE_OR_DB is a .lance directory or a database directory (its nodes.lance).\n"
    "  --queries FILE has one 4,096-char hex fingerprint per line. --where is a predicate\n"
    "  (spec §6.2) tested before the distance. --approximate uses the §7.5 cascade (may miss).\n"
    "  Output: JSON lines {\"query\":Q,\"rank\":R,\"key\":KEY,\"distance\":D}.\n";

/* A usage error: message and usage on stderr, exit status 2. */
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("bindspace search: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage_text);
    return 2;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The table path: TABLE_OR_DB itself when it is a .lance directory, else DB/nodes.lance. */
static char *table_path(const char *arg)
{
    size_t n = strlen(arg);
    while (n > 1 && arg[n - 1] == '/') n--;
    if (n >= 6 && !memcmp(arg + n - 6, ".lance", 6)) return strndup(arg, n);
    char *p = malloc(n + 16);
    if (!p) return NULL;
    snprintf(p, n + 16, "%.*s/nodes.lance", (int)n, arg);
    if (!is_dir(p) && is_dir(arg)) {  /* maybe a table directory without the suffix */
        free(p);
        return strndup(arg, n);
    }
    return p;
}

static int read_queries(const char *cmd, const char *file, uint64_t **out, size_t *nq)
{
    FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
    if (!f) return cli_fail(cmd, 0, "%s: %s", file, strerror(errno));
    char *line = NULL;
    size_t cap = 0, n = 0, alloc = 0;
    ssize_t len;
    uint64_t *q = NULL;
    int rc = 0;
    unsigned long lineno = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            line[--len] = 0;
        if (len == 0) continue;
        if (n == alloc) {
            alloc = alloc ? 2 * alloc : 16;
            uint64_t *nqp = realloc(q, alloc * BSP_BYTES);
            if (!nqp) { rc = cli_fail(cmd, 0, "out of memory"); break; }
            q = nqp;
        }
        int r = bsp_fp_from_hex(q + n * BSP_WORDS, line, (size_t)len);
        if (r < 0) { rc = cli_fail(cmd, r, "%s line %lu", file, lineno); break; }
        n++;
    }
    free(line);
    if (f != stdin) fclose(f);
    if (rc) { free(q); return rc; }
    if (n == 0) { free(q); return cli_fail(cmd, 0, "%s: no queries", file); }
    *out = q;
    *nq = n;
    return 0;
}

/* The fingerprint column: "fingerprint" if present, else the first 2,048-byte column. */
static const char *fp_column(const bsp_schema *s)
{
    int k = bsp_schema_find(s, "fingerprint");
    if (k >= 0 && bsp_type_is_fingerprint(s->fields[k].type)) return s->fields[k].name;
    for (size_t i = 0; i < s->nfields; i++)
        if (bsp_type_is_fingerprint(s->fields[i].type)) return s->fields[i].name;
    return NULL;
}

static const char *key_column(const bsp_schema *s)
{
    static const char *names[] = {"addr", "id"};
    for (int i = 0; i < 2; i++) {
        int k = bsp_schema_find(s, names[i]);
        if (k < 0) continue;
        bsp_type_id t = s->fields[k].type.id;
        if (t >= BSP_T_INT8 && t <= BSP_T_UINT64) return names[i];
    }
    return NULL;
}

static void print_key(const bsp_column *c, uint64_t row)
{
    if (!bsp_column_is_valid(c, row)) { fputs("null", stdout); return; }
    const uint8_t *p = c->data + row * bsp_type_width(c->type);
    switch (c->type.id) {
    case BSP_T_INT8: printf("%d", (int)*(const int8_t *)p); break;
    case BSP_T_UINT8: printf("%u", (unsigned)*p); break;
    case BSP_T_INT16: { int16_t v; memcpy(&v, p, 2); printf("%d", (int)v); break; }
    case BSP_T_UINT16: { uint16_t v; memcpy(&v, p, 2); printf("%u", (unsigned)v); break; }
    case BSP_T_INT32: { int32_t v; memcpy(&v, p, 4); printf("%" PRId32, v); break; }
    case BSP_T_UINT32: { uint32_t v; memcpy(&v, p, 4); printf("%" PRIu32, v); break; }
    case BSP_T_INT64: { int64_t v; memcpy(&v, p, 8); printf("%" PRId64, v); break; }
    default: { uint64_t v; memcpy(&v, p, 8); printf("%" PRIu64, v); break; }
    }
}

int cmd_search(int argc, char **argv)
{
    const char *cmd = "search";
    const char *target = NULL, *hex = NULL, *qfile = NULL, *where = NULL, *column = NULL;
    uint64_t k = 10, version = 0, threads = 0;
    bool semantic = false, approximate = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(usage_text, stdout); return 0; }
        if (!strcmp(a, "--semantic")) { semantic = true; continue; }
        if (!strcmp(a, "--approximate")) { approximate = true; continue; }
        bool takes = !strcmp(a, "--hex") || !strcmp(a, "--queries") || !strcmp(a, "-k") ||
                     !strcmp(a, "--where") || !strcmp(a, "--version") || !strcmp(a, "--column") ||
                     !strcmp(a, "--threads");
        if (takes) {
            if (!v) return usage_error("%s needs a value", a);
            i++;
            if (!strcmp(a, "--hex")) hex = v;
            else if (!strcmp(a, "--queries")) qfile = v;
            else if (!strcmp(a, "--where")) where = v;
            else if (!strcmp(a, "--column")) column = v;
            else if (!strcmp(a, "-k")) { if (cli_parse_u64(cmd, "-k", v, 1000000, &k)) return 1; }
            else if (!strcmp(a, "--version")) { if (cli_parse_u64(cmd, "--version", v, UINT64_MAX, &version)) return 1; }
            else if (cli_parse_u64(cmd, "--threads", v, 256, &threads)) return 1;
            continue;
        }
        if (a[0] == '-' && a[1]) return usage_error("unknown option %s", a);
        if (target) return usage_error("more than one table given (%s, %s)", target, a);
        target = a;
    }
    if (!target) return usage_error("no table given");
    if (!hex == !qfile) return usage_error("give exactly one of --hex and --queries");

    uint64_t *queries = NULL;
    size_t nq = 0;
    if (hex) {
        queries = malloc(BSP_BYTES);
        if (!queries) return cli_fail(cmd, 0, "out of memory");
        if (cli_parse_fp(cmd, hex, queries)) { free(queries); return 1; }
        nq = 1;
    } else if (read_queries(cmd, qfile, &queries, &nq)) {
        return 1;
    }
    int ret = 1, rc;
    bsp_predicate *pred = NULL;
    bsp_dataset *ds = NULL;
    bsp_search_hit *hits = NULL;
    size_t *nhits = NULL;
    uint64_t *addrs = NULL;
    char *path = table_path(target);
    if (!path) { cli_fail(cmd, 0, "out of memory"); goto out; }
    if (where && (rc = bsp_predicate_compile(where, strlen(where), &pred)) < 0) {
        cli_fail(cmd, rc, "--where");
        goto out;
    }
    if ((rc = bsp_dataset_open(path, version, &ds)) < 0) { cli_fail(cmd, rc, "cannot open %s", path); goto out; }
    const bsp_schema *schema = bsp_dataset_schema(ds);
    if (!column) column = fp_column(schema);
    if (!column) { cli_fail(cmd, 0, "%s has no 2,048-byte fingerprint column", path); goto out; }
    bsp_search_source src;
    bsp_search_source_dataset(&src, ds, column);
    bsp_search_options o;
    bsp_search_options_init(&o);
    o.k = (size_t)k;
    o.mask = semantic ? BSP_MASK_SEMANTIC : BSP_MASK_ALL;
    o.predicate = pred;
    o.threads = (unsigned)threads;
    o.mode = approximate ? BSP_SEARCH_APPROXIMATE : BSP_SEARCH_EXACT;
    bsp_progress prog = cli_progress();
    o.progress = &prog;
    hits = calloc(nq * (k ? k : 1), sizeof *hits);
    nhits = calloc(nq, sizeof *nhits);
    if (!hits || !nhits) { cli_fail(cmd, 0, "out of memory"); goto out; }
    rc = bsp_search_batch(&src, queries, nq, &o, hits, nhits, NULL);
    cli_progress_done();
    if (rc < 0) { cli_fail(cmd, rc, "search failed"); goto out; }

    /* keys for the hits: one take over all of them */
    const char *kc = key_column(schema);
    size_t total = 0;
    for (size_t q = 0; q < nq; q++) total += nhits[q];
    bsp_batch kb = {0};
    bool have_keys = false;
    if (kc && total) {
        addrs = malloc(total * sizeof *addrs);
        if (!addrs) { cli_fail(cmd, 0, "out of memory"); goto out; }
        size_t m = 0;
        for (size_t q = 0; q < nq; q++)
            for (size_t r = 0; r < nhits[q]; r++) addrs[m++] = hits[q * k + r].position;
        const char *cols[1] = {kc};
        bsp_scan_options proj = {.columns = cols, .ncolumns = 1};
        if ((rc = bsp_dataset_take(ds, addrs, total, &proj, &kb)) < 0) {
            cli_fail(cmd, rc, "reading the %s column", kc);
            goto out;
        }
        have_keys = true;
    }
    size_t m = 0;
    for (size_t q = 0; q < nq; q++) {
        for (size_t r = 0; r < nhits[q]; r++, m++) {
            const bsp_search_hit *h = &hits[q * k + r];
            printf("{\"query\":%zu,\"rank\":%zu,\"key\":", q, r);
            if (have_keys) print_key(&kb.cols[0], m);
            else printf("%" PRIu64, h->position);
            printf(",\"distance\":%" PRIu32 "%s}\n", h->distance,
                   approximate ? ",\"approximate\":true" : "");
        }
    }
    if (have_keys) bsp_batch_free(&kb);
    ret = fflush(stdout) == 0 ? 0 : cli_fail(cmd, 0, "writing output: %s", strerror(errno));
out:
    free(addrs);
    free(hits);
    free(nhits);
    if (ds) bsp_dataset_free(ds);
    if (pred) bsp_predicate_free(pred);
    free(path);
    free(queries);
    return ret;
}
