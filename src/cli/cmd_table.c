/* The table commands: import, scan, gen (their own files) and versions, info, delete, compact
 * (here), each a thin shell over include/bindspace/lance.h. main.c routes every one of these
 * command names to cmd_table, which dispatches on argv[0]. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/table.h"

/* ---- versions ---------------------------------------------------------------------------- */

static const char *versions_usage =
    "usage: bindspace versions TABLE [--json]\n"
    "\n"
    "List every version of TABLE: number, commit time (UTC), live rows and the operation.\n";

static void iso_time(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm)) strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else snprintf(buf, cap, "%" PRId64, t);
}

static int cmd_versions(int argc, char **argv)
{
    const char *cmd = argv[0], *table = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(versions_usage, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--json")) json = true;
        else if (argv[i][0] != '-' && !table) table = argv[i];
        else {
            fprintf(stderr, "bindspace %s: unexpected argument %s\n%s", cmd, argv[i], versions_usage);
            return 2;
        }
    }
    if (!table) {
        fputs(versions_usage, stderr);
        return 2;
    }
    bsp_version_info *v = NULL;
    size_t n = 0;
    int rc = bsp_dataset_versions(table, &v, &n);
    if (rc) return cli_fail(cmd, rc, "cannot list versions of %s", table);
    if (!json) printf("%-8s %-20s %12s  %s\n", "version", "time (UTC)", "rows", "operation");
    for (size_t i = 0; i < n; i++) {
        char ts[32];
        iso_time(v[i].timestamp, ts, sizeof ts);
        if (json)
            printf("{\"version\":%" PRIu64 ",\"timestamp\":\"%s\",\"rows\":%" PRIu64 ",\"operation\":\"%s\"}\n",
                   v[i].version, ts, v[i].rows, v[i].operation);
        else
            printf("%-8" PRIu64 " %-20s %12" PRIu64 "  %s\n", v[i].version, ts, v[i].rows, v[i].operation);
    }
    free(v);
    return 0;
}

/* ---- info ------------------------------------------------------------------------------------ */

static const char *info_usage =
    "usage: bindspace info TABLE [--version V] [--json]\n"
    "\n"
    "Show TABLE's version, data format, live rows, schema (short type names, field ids), fragments\n"
    "(physical and deleted rows, data files) and indices.\n";

static int cmd_info(int argc, char **argv)
{
    const char *cmd = argv[0], *table = NULL, *ver = NULL;
    bool json = false;
    for (int i = 1; i < argc;) {
        if (cli_is_help(argv[i])) {
            fputs(info_usage, stdout);
            return 0;
        }
        int r = cli_opt(cmd, argc, argv, &i, "--version", &ver);
        if (r < 0) return 2;
        if (r) continue;
        if (!strcmp(argv[i], "--json")) json = true;
        else if (argv[i][0] != '-' && !table) table = argv[i];
        else {
            fprintf(stderr, "bindspace %s: unexpected argument %s\n%s", cmd, argv[i], info_usage);
            return 2;
        }
        i++;
    }
    if (!table) {
        fputs(info_usage, stderr);
        return 2;
    }
    uint64_t version = 0;
    if (ver && cli_parse_u64(cmd, "--version", ver, UINT64_MAX, &version)) return 2;
    bsp_dataset *ds;
    int rc = bsp_dataset_open(table, version, &ds);
    if (rc) return cli_fail(cmd, rc, "cannot open %s", table);
    const bsp_schema *s = bsp_dataset_schema(ds);
    json_t *o = json_object(), *fields = json_array(), *frags = json_array(), *idx = json_array();
    json_object_set_new(o, "path", json_string(bsp_dataset_path(ds)));
    json_object_set_new(o, "version", json_integer((json_int_t)bsp_dataset_version(ds)));
    json_object_set_new(o, "format", json_string(bsp_dataset_format(ds)));
    json_object_set_new(o, "rows", json_integer((json_int_t)bsp_dataset_count_rows(ds)));
    for (size_t i = 0; i < s->nfields; i++) {
        char t[48];
        json_t *f = json_object();
        json_object_set_new(f, "name", json_string(s->fields[i].name));
        json_object_set_new(f, "type", json_string(cli_type_short(s->fields[i].type, t, sizeof t)));
        json_object_set_new(f, "nullable", json_boolean(s->fields[i].nullable));
        json_object_set_new(f, "id", json_integer(s->fields[i].id));
        json_array_append_new(fields, f);
    }
    json_object_set_new(o, "schema", fields);
    uint64_t deleted = 0, physical = 0;
    for (size_t i = 0; i < bsp_dataset_fragment_count(ds); i++) {
        bsp_fragment_info fi;
        if ((rc = bsp_dataset_fragment(ds, i, &fi))) break;
        json_t *f = json_object();
        json_object_set_new(f, "id", json_integer((json_int_t)fi.id));
        json_object_set_new(f, "physical_rows", json_integer((json_int_t)fi.physical_rows));
        json_object_set_new(f, "deleted_rows", json_integer((json_int_t)fi.deleted_rows));
        json_object_set_new(f, "files", json_integer(fi.nfiles));
        json_array_append_new(frags, f);
        deleted += fi.deleted_rows;
        physical += fi.physical_rows;
    }
    json_object_set_new(o, "fragments", frags);
    for (size_t i = 0; i < bsp_dataset_index_count(ds) && !rc; i++) {
        bsp_index_info ii;
        if ((rc = bsp_dataset_index(ds, i, &ii))) break;
        json_t *x = json_object(), *fl = json_array(), *fr = json_array();
        json_object_set_new(x, "name", json_string(ii.name));
        json_object_set_new(x, "uuid", json_string(ii.uuid));
        json_object_set_new(x, "type", json_string(ii.type_url));
        for (size_t k = 0; k < ii.nfields; k++) {
            int fk = -1;
            for (size_t j = 0; j < s->nfields; j++)
                if (s->fields[j].id == ii.fields[k]) fk = (int)j;
            json_array_append_new(fl, fk >= 0 ? json_string(s->fields[fk].name) : json_integer(ii.fields[k]));
        }
        for (size_t k = 0; k < ii.nfragments; k++) json_array_append_new(fr, json_integer((json_int_t)ii.fragments[k]));
        json_object_set_new(x, "columns", fl);
        json_object_set_new(x, "fragments", fr);
        json_object_set_new(x, "dataset_version", json_integer((json_int_t)ii.dataset_version));
        json_array_append_new(idx, x);
    }
    json_object_set_new(o, "indices", idx);
    if (rc) {
        json_decref(o);
        bsp_dataset_free(ds);
        return cli_fail(cmd, rc, "reading %s", table);
    }
    if (json) {
        char *txt = json_dumps(o, JSON_COMPACT);
        if (txt) puts(txt);
        free(txt);
    } else {
        printf("table:     %s\nversion:   %" PRIu64 "\nformat:    lance %s\nrows:      %" PRIu64
               " live (%" PRIu64 " physical, %" PRIu64 " deleted)\n",
               bsp_dataset_path(ds), bsp_dataset_version(ds), bsp_dataset_format(ds),
               bsp_dataset_count_rows(ds), physical, deleted);
        printf("schema:    %zu columns\n", s->nfields);
        for (size_t i = 0; i < s->nfields; i++) {
            char t[48];
            printf("  %-20s %-16s%s  (field id %d)\n", s->fields[i].name,
                   cli_type_short(s->fields[i].type, t, sizeof t), s->fields[i].nullable ? "" : " not null",
                   (int)s->fields[i].id);
        }
        printf("fragments: %zu\n", json_array_size(frags));
        size_t i;
        json_t *f;
        json_array_foreach(frags, i, f) {
            if (i == 20) {
                printf("  ... %zu more\n", json_array_size(frags) - 20);
                break;
            }
            printf("  #%-6" PRId64 " %10" PRId64 " rows, %" PRId64 " deleted, %" PRId64 " file(s)\n",
                   (int64_t)json_integer_value(json_object_get(f, "id")),
                   (int64_t)json_integer_value(json_object_get(f, "physical_rows")),
                   (int64_t)json_integer_value(json_object_get(f, "deleted_rows")),
                   (int64_t)json_integer_value(json_object_get(f, "files")));
        }
        printf("indices:   %zu\n", json_array_size(idx));
        json_array_foreach(idx, i, f) {
            char *cols = json_dumps(json_object_get(f, "columns"), JSON_COMPACT);
            printf("  %s on %s (%s), %zu fragment(s)\n", json_string_value(json_object_get(f, "name")),
                   cols ? cols : "?", json_string_value(json_object_get(f, "type")),
                   json_array_size(json_object_get(f, "fragments")));
            free(cols);
        }
    }
    json_decref(o);
    bsp_dataset_free(ds);
    return 0;
}

/* ---- delete ---------------------------------------------------------------------------------- */

static const char *delete_usage =
    "usage: bindspace delete TABLE (--ids 1,2,3 | --range LO:HI) [--column NAME]\n"
    "\n"
    "Delete the rows whose integer column NAME (default \"id\") is one of the listed values, or\n"
    "in [LO, HI] inclusive (either bound may be left out). One commit; prints the number of rows\n"
    "deleted and the new version.\n";

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    if (!*s) return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int delete_ids(const char *cmd, const char *table, const char *column, const char *list,
                      uint64_t *deleted, uint64_t *version)
{
    size_t cap = 1;
    for (const char *p = list; *p; p++) cap += *p == ',';
    int64_t *ids = malloc(cap * sizeof *ids);
    char *copy = strdup(list);
    if (!ids || !copy) {
        free(ids);
        free(copy);
        return cli_fail(cmd, BSP_ENOMEM, "out of memory");
    }
    size_t n = 0;
    char *save = NULL;
    int fail = 0;
    for (char *t = strtok_r(copy, ",", &save); t && !fail; t = strtok_r(NULL, ",", &save))
        if (parse_i64(t, &ids[n++])) fail = cli_fail(cmd, 0, "--ids: '%s' is not an integer", t);
    free(copy);
    if (!fail && n == 0) fail = cli_fail(cmd, 0, "--ids: no ids given");
    bsp_dataset *ds = NULL;
    bsp_scanner *sc = NULL;
    uint64_t *addrs = NULL;
    size_t na = 0, acap = 0;
    int rc = BSP_OK;
    if (fail) goto out;
    qsort(ids, n, sizeof *ids, cmp_i64);
    if ((rc = bsp_dataset_open(table, 0, &ds))) {
        fail = cli_fail(cmd, rc, "cannot open %s", table);
        goto out;
    }
    int k = bsp_schema_find(bsp_dataset_schema(ds), column);
    bsp_type_id tid = k >= 0 ? bsp_dataset_schema(ds)->fields[k].type.id : BSP_T_INVALID;
    if (k < 0 || tid < BSP_T_INT8 || tid > BSP_T_UINT64) {
        fail = cli_fail(cmd, 0, "%s has no integer column %s", table, column);
        goto out;
    }
    const char *cols[1] = {column};
    bsp_scan_options so = {cols, 1, 0, 0, true};
    if ((rc = bsp_scanner_open(ds, &so, &sc))) {
        fail = cli_fail(cmd, rc, "scanning %s", table);
        goto out;
    }
    bsp_batch b;
    int more;
    size_t w = bsp_type_width(bsp_dataset_schema(ds)->fields[k].type);
    bool is_signed = tid <= BSP_T_INT64;
    while (!fail && (more = bsp_scanner_next(sc, &b)) == 1) {
        const bsp_column *c = &b.cols[0];
        for (uint64_t r = 0; r < b.nrows; r++) {
            if (!bsp_column_is_valid(c, r)) continue;
            uint64_t u = 0;
            memcpy(&u, c->data + r * w, w); /* little-endian host */
            int64_t v;
            if (is_signed) {
                int sh = (int)(64 - 8 * w);
                v = (int64_t)(u << sh) >> sh;
            } else {
                if (u > (uint64_t)INT64_MAX) continue;
                v = (int64_t)u;
            }
            if (!bsearch(&v, ids, n, sizeof *ids, cmp_i64)) continue;
            if (na == acap) {
                acap = acap ? 2 * acap : 256;
                uint64_t *p = realloc(addrs, acap * sizeof *p);
                if (!p) {
                    fail = cli_fail(cmd, BSP_ENOMEM, "out of memory");
                    break;
                }
                addrs = p;
            }
            memcpy(&addrs[na++], b.cols[1].data + 8 * r, 8);
        }
        bsp_batch_free(&b);
    }
    if (!fail && more < 0) fail = cli_fail(cmd, more, "scanning %s", table);
    if (fail) goto out;
    char pred[200];
    int pl = snprintf(pred, sizeof pred, "%s IN (%s)", column, list);
    if (pl >= (int)sizeof pred) snprintf(pred + sizeof pred - 6, 6, "...)");
    *version = bsp_dataset_version(ds);
    if (na && (rc = bsp_dataset_delete_rows(table, addrs, na, pred, version)))
        fail = cli_fail(cmd, rc, "deleting from %s", table);
    *deleted = na;
out:
    bsp_scanner_free(sc);
    bsp_dataset_free(ds);
    free(addrs);
    free(ids);
    return fail;
}

static int cmd_delete(int argc, char **argv)
{
    const char *cmd = argv[0], *table = NULL, *ids = NULL, *range = NULL, *column = "id";
    for (int i = 1; i < argc;) {
        if (cli_is_help(argv[i])) {
            fputs(delete_usage, stdout);
            return 0;
        }
        int r;
        if ((r = cli_opt(cmd, argc, argv, &i, "--ids", &ids)) ||
            (r = cli_opt(cmd, argc, argv, &i, "--range", &range)) ||
            (r = cli_opt(cmd, argc, argv, &i, "--column", &column))) {
            if (r < 0) return 2;
            continue;
        }
        if (argv[i][0] == '-' || table) {
            fprintf(stderr, "bindspace %s: unexpected argument %s\n%s", cmd, argv[i], delete_usage);
            return 2;
        }
        table = argv[i++];
    }
    if (!table || !ids == !range) {
        fputs(delete_usage, stderr);
        return 2;
    }
    uint64_t deleted = 0, version = 0;
    if (ids) {
        if (delete_ids(cmd, table, column, ids, &deleted, &version)) return 1;
    } else {
        const char *colon = strchr(range, ':');
        if (!colon) return cli_fail(cmd, 0, "--range: expected LO:HI");
        int64_t lo = INT64_MIN, hi = INT64_MAX;
        char los[32] = "", his[32] = "";
        snprintf(los, sizeof los, "%.*s", (int)(colon - range), range);
        snprintf(his, sizeof his, "%s", colon + 1);
        if ((*los && parse_i64(los, &lo)) || (*his && parse_i64(his, &hi)))
            return cli_fail(cmd, 0, "--range: '%s' is not LO:HI with integers", range);
        if (lo > hi) return cli_fail(cmd, 0, "--range: LO > HI");
        int rc = bsp_dataset_delete_range(table, column, lo, hi, &deleted, &version);
        if (rc) return cli_fail(cmd, rc, "deleting from %s", table);
    }
    if (deleted) printf("deleted %" PRIu64 " rows from %s (version %" PRIu64 ")\n", deleted, table, version);
    else printf("no rows matched in %s (version %" PRIu64 " unchanged)\n", table, version);
    return 0;
}

/* ---- compact -------------------------------------------------------------------------------- */

static const char *compact_usage =
    "usage: bindspace compact TABLE [--target-rows N] [--max-deleted F]\n"
    "\n"
    "Rewrite small fragments (fewer than N rows, default 1048576) and fragments with more than a\n"
    "fraction F (default 0.1) of deleted rows into new fragments without the deleted rows (one\n"
    "Rewrite commit). Old versions stay readable.\n";

static int cmd_compact(int argc, char **argv)
{
    const char *cmd = argv[0], *table = NULL, *target = NULL, *maxdel = NULL;
    for (int i = 1; i < argc;) {
        if (cli_is_help(argv[i])) {
            fputs(compact_usage, stdout);
            return 0;
        }
        int r;
        if ((r = cli_opt(cmd, argc, argv, &i, "--target-rows", &target)) ||
            (r = cli_opt(cmd, argc, argv, &i, "--max-deleted", &maxdel))) {
            if (r < 0) return 2;
            continue;
        }
        if (argv[i][0] == '-' || table) {
            fprintf(stderr, "bindspace %s: unexpected argument %s\n%s", cmd, argv[i], compact_usage);
            return 2;
        }
        table = argv[i++];
    }
    if (!table) {
        fputs(compact_usage, stderr);
        return 2;
    }
    bsp_progress prog = cli_progress();
    bsp_compact_options co = {0, 0.0, &prog};
    if (target && cli_parse_u64(cmd, "--target-rows", target, UINT32_MAX, &co.target_rows_per_fragment)) return 2;
    if (maxdel) {
        char *end;
        co.max_deleted_fraction = strtod(maxdel, &end);
        if (*end || !(co.max_deleted_fraction > 0 && co.max_deleted_fraction <= 1))
            return cli_fail(cmd, 0, "--max-deleted: expected a fraction in (0, 1]");
    }
    bsp_dataset *ds;
    int rc = bsp_dataset_open(table, 0, &ds);
    if (rc) return cli_fail(cmd, rc, "cannot open %s", table);
    size_t before = bsp_dataset_fragment_count(ds);
    uint64_t v0 = bsp_dataset_version(ds);
    bsp_dataset_free(ds);
    uint64_t v = 0;
    rc = bsp_dataset_compact(table, &co, &v);
    cli_progress_done();
    if (rc) return cli_fail(cmd, rc, "compacting %s", table);
    if (v == v0) {
        printf("nothing to compact in %s (version %" PRIu64 ", %zu fragments)\n", table, v0, before);
        return 0;
    }
    size_t after = before;
    if (bsp_dataset_open(table, v, &ds) == BSP_OK) {
        after = bsp_dataset_fragment_count(ds);
        bsp_dataset_free(ds);
    }
    printf("compacted %s: %zu -> %zu fragments (version %" PRIu64 ")\n", table, before, after, v);
    return 0;
}

/* ---- dispatch -------------------------------------------------------------------------------- */

int cmd_table(int argc, char **argv)
{
    const char *c = argv[0];
    if (!strcmp(c, "import")) return cli_table_import(argc, argv);
    if (!strcmp(c, "scan")) return cli_table_scan(argc, argv);
    if (!strcmp(c, "gen")) return cli_table_gen(argc, argv);
    if (!strcmp(c, "versions")) return cmd_versions(argc, argv);
    if (!strcmp(c, "info")) return cmd_info(argc, argv);
    if (!strcmp(c, "delete")) return cmd_delete(argc, argv);
    if (!strcmp(c, "compact")) return cmd_compact(argc, argv);
    return cli_fail(c, 0, "not a table command");
}
