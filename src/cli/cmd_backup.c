/* `bindspace backup create|list|verify|restore`: a thin shell over include/bindspace/backup.h
 * (docs/backup.md, docs/cli.md "backup"). Long operations draw progress on a terminal. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"

static const char *usage =
    "usage: bindspace backup create TABLE [--chain DIR] [--from V] [--to V] [--key COL]\n"
    "                               [--fingerprint COL] [--interval N]\n"
    "       bindspace backup list CHAIN [--json]\n"
    "       bindspace backup verify CHAIN [--json]\n"
    "       bindspace backup restore CHAIN --version V --out TABLE [--forward | --backward]\n"
    "\n"
    "create   append version records R(v-1 -> v) of TABLE to the chain (default: TABLE's name with\n"
    "         .backup.lance), from where the chain ends (--from must equal that; a new chain starts\n"
    "         with a snapshot of --from, default --to) up to --to (default: latest). Version 0 is the\n"
    "         empty table before its first commit. A snapshot follows every --interval records (24).\n"
    "list     one line per version record and snapshot.\n"
    "verify   check every checksum, the chain's continuity and every file's seal; exit 1 on damage,\n"
    "         listing each damaged record by version and key.\n"
    "restore  rebuild version V as a new Lance table (key and fingerprint columns) from the nearest\n"
    "         snapshot, applying records forward or backward.\n";

static int bad_arg(const char *cmd, const char *arg)
{
    fprintf(stderr, "bindspace %s: unexpected argument %s\n%s", cmd, arg, usage);
    return 2;
}

static int do_create(int argc, char **argv)
{
    const char *cmd = "backup create", *table = NULL, *chain = NULL, *v;
    uint64_t from = BSP_BACKUP_CHAIN_END, to = BSP_BACKUP_LATEST, interval = 0;
    bsp_backup_options o = {0};
    for (int i = 1; i < argc;) {
        int r;
        if (cli_is_help(argv[i])) return fputs(usage, stdout), 0;
        if ((r = cli_opt(cmd, argc, argv, &i, "--chain", &chain))) { if (r < 0) return 2; continue; }
        if ((r = cli_opt(cmd, argc, argv, &i, "--key", &o.key_column))) { if (r < 0) return 2; continue; }
        if ((r = cli_opt(cmd, argc, argv, &i, "--fingerprint", &o.fingerprint_column))) { if (r < 0) return 2; continue; }
        if ((r = cli_opt(cmd, argc, argv, &i, "--from", &v))) {
            if (r < 0 || cli_parse_u64(cmd, "--from", v, UINT64_MAX - 1, &from)) return 2;
            continue;
        }
        if ((r = cli_opt(cmd, argc, argv, &i, "--to", &v))) {
            if (r < 0 || cli_parse_u64(cmd, "--to", v, UINT64_MAX - 1, &to)) return 2;
            continue;
        }
        if ((r = cli_opt(cmd, argc, argv, &i, "--interval", &v))) {
            if (r < 0 || cli_parse_u64(cmd, "--interval", v, UINT32_MAX, &interval)) return 2;
            continue;
        }
        if (argv[i][0] == '-' || table) return bad_arg(cmd, argv[i]);
        table = argv[i++];
    }
    if (!table) return fputs(usage, stderr), 2;
    o.snapshot_interval = (uint32_t)interval;
    bsp_progress p = cli_progress();
    o.progress = &p;
    bsp_backup_stats st;
    int rc = bsp_backup_create(table, from, to, chain, &o, &st);
    cli_progress_done();
    if (rc) return cli_fail(cmd, rc, "backup of %s failed", table);
    char *def = chain ? NULL : bsp_backup_default_chain(table);
    printf("%s: %" PRIu64 " version record(s) (%" PRIu64 " modify, %" PRIu64 " create, %" PRIu64
           " delete), %" PRIu64 " snapshot(s); the chain covers versions %" PRIu64 "..%" PRIu64 "\n",
           chain ? chain : def ? def : "", st.records, st.modify, st.create, st.del, st.snapshots,
           st.first_version, st.last_version);
    free(def);
    return 0;
}

static int do_list(int argc, char **argv)
{
    const char *cmd = "backup list", *chain = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) return fputs(usage, stdout), 0;
        if (!strcmp(argv[i], "--json")) json = true;
        else if (argv[i][0] != '-' && !chain) chain = argv[i];
        else return bad_arg(cmd, argv[i]);
    }
    if (!chain) return fputs(usage, stderr), 2;
    bsp_backup_item *it;
    size_t n;
    int rc = bsp_backup_list(chain, &it, &n);
    if (rc) return cli_fail(cmd, rc, "cannot list %s", chain);
    if (!json) printf("%-9s %-8s %-8s %10s %8s %8s %8s %10s %12s\n", "item", "from", "to", "entries", "modify",
                      "create", "delete", "rows", "bytes");
    for (size_t i = 0; i < n; i++) {
        const bsp_backup_item *x = &it[i];
        if (json)
            printf("{\"item\":\"%s\",\"from_version\":%" PRIu64 ",\"to_version\":%" PRIu64 ",\"entries\":%" PRIu64
                   ",\"modify\":%" PRIu64 ",\"create\":%" PRIu64 ",\"delete\":%" PRIu64 ",\"rows\":%" PRIu64
                   ",\"bytes\":%" PRIu64 "}\n", x->snapshot ? "snapshot" : "record", x->from_version,
                   x->to_version, x->entries, x->modify, x->create, x->del, x->rows, x->bytes);
        else
            printf("%-9s %-8" PRIu64 " %-8" PRIu64 " %10" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %10" PRIu64
                   " %12" PRIu64 "\n", x->snapshot ? "snapshot" : "record", x->from_version, x->to_version,
                   x->entries, x->modify, x->create, x->del, x->rows, x->bytes);
    }
    free(it);
    return 0;
}

static int do_verify(int argc, char **argv)
{
    const char *cmd = "backup verify", *chain = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) return fputs(usage, stdout), 0;
        if (!strcmp(argv[i], "--json")) json = true;
        else if (argv[i][0] != '-' && !chain) chain = argv[i];
        else return bad_arg(cmd, argv[i]);
    }
    if (!chain) return fputs(usage, stderr), 2;
    bsp_progress p = cli_progress();
    bsp_backup_report r;
    int rc = bsp_backup_verify(chain, &p, &r);
    cli_progress_done();
    if (rc && rc != BSP_ECORRUPT) return cli_fail(cmd, rc, "cannot verify %s", chain);
    for (size_t i = 0; i < r.nproblems; i++) {
        const bsp_backup_problem *x = &r.problems[i];
        const char *what = x->from_version == x->to_version ? "snapshot" : "record";
        if (json) {
            printf("{\"damaged\":\"%s\",\"from_version\":%" PRIu64 ",\"to_version\":%" PRIu64, what,
                   x->from_version, x->to_version);
            if (x->has_key) printf(",\"key\":%" PRIu64, x->key);
            printf(",\"problem\":\"");
            for (const char *s = x->what; *s; s++) {
                if (*s == '"' || *s == '\\') putchar('\\');
                if ((unsigned char)*s >= 0x20) putchar(*s);
            }
            printf("\"}\n");
        } else {
            printf("DAMAGED %s %" PRIu64 "->%" PRIu64, what, x->from_version, x->to_version);
            if (x->has_key) printf(" key %" PRIu64 " (0x%04" PRIx64 ")", x->key, x->key);
            printf(": %s\n", x->what);
        }
    }
    if (!json)
        printf("%s: %" PRIu64 " record(s), %" PRIu64 " snapshot(s), %" PRIu64 " entries, %" PRIu64
               " files, versions %" PRIu64 "..%" PRIu64 ": %s\n", chain, r.records, r.snapshots, r.entries,
               r.files, r.first_version, r.last_version, r.nproblems ? "DAMAGED" : "ok");
    size_t bad = r.nproblems;
    bsp_backup_report_free(&r);
    return bad ? 1 : 0;
}

static int do_restore(int argc, char **argv)
{
    const char *cmd = "backup restore", *chain = NULL, *out = NULL, *v = NULL;
    bsp_restore_options o = {0};
    uint64_t version = 0;
    bool have_version = false;
    for (int i = 1; i < argc;) {
        int r;
        if (cli_is_help(argv[i])) return fputs(usage, stdout), 0;
        if ((r = cli_opt(cmd, argc, argv, &i, "--out", &out))) { if (r < 0) return 2; continue; }
        if ((r = cli_opt(cmd, argc, argv, &i, "--version", &v))) {
            if (r < 0 || cli_parse_u64(cmd, "--version", v, UINT64_MAX - 1, &version)) return 2;
            have_version = true;
            continue;
        }
        if (!strcmp(argv[i], "--forward")) { o.direction = BSP_RESTORE_FORWARD; i++; continue; }
        if (!strcmp(argv[i], "--backward")) { o.direction = BSP_RESTORE_BACKWARD; i++; continue; }
        if (argv[i][0] == '-' || chain) return bad_arg(cmd, argv[i]);
        chain = argv[i++];
    }
    if (!chain || !out || !have_version) return fputs(usage, stderr), 2;
    bsp_progress p = cli_progress();
    o.progress = &p;
    bsp_restore_stats st;
    int rc = bsp_backup_restore(chain, version, out, &o, &st);
    cli_progress_done();
    if (rc) return cli_fail(cmd, rc, "cannot restore version %" PRIu64, version);
    printf("%s: version %" PRIu64 ", %" PRIu64 " rows, from the snapshot of version %" PRIu64 " and %" PRIu64
           " record(s) applied %s\n", out, version, st.rows, st.snapshot_version, st.records_applied,
           st.snapshot_version <= version ? "forward" : "backward");
    return 0;
}

int cmd_backup(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "create")) return do_create(argc - 1, argv + 1);
    if (!strcmp(sub, "list")) return do_list(argc - 1, argv + 1);
    if (!strcmp(sub, "verify")) return do_verify(argc - 1, argv + 1);
    if (!strcmp(sub, "restore")) return do_restore(argc - 1, argv + 1);
    fprintf(stderr, "bindspace backup: unknown subcommand '%s'\n%s", sub, usage);
    return 2;
}
