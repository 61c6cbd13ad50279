/* `bindspace fp`: the fingerprint kernels on the command line, one record per argument as
 * exactly 4,096 lowercase hex chars (the byte form, spec §1). Distances print as integers,
 * records and deltas (wire format §10.2) as lowercase hex, the sidecar as JSON. An argument
 * "-" is read from standard input (one argument at most), trailing whitespace trimmed, so
 * `bindspace fp label x | bindspace fp popcount -` works. */
#include <stdlib.h>
#include <string.h>

#include "bindspace/delta.h"
#include "bindspace/predicate.h"
#include "bindspace/sidecar.h"
#include "cli/cli.h"

static const char usage_text[] =
    "usage: bindspace fp <subcommand> [args]\n"
    "\n"
    "Fingerprints are 4,096 lowercase hex chars (2,048 bytes, little-endian words).\n"
    "Any one argument may be '-' to read it from standard input.\n"
    "\n"
    "  hamming A B        Hamming distance over all 16,384 bits\n"
    "  semantic A B       distance over the semantic words 0..207\n"
    "  bind A B           A XOR B, as hex\n"
    "  popcount A         number of set bits\n"
    "  label TEXT         the label fingerprint of TEXT (spec 4.5), as hex\n"
    "  decode A           the metadata sidecar of A as JSON\n"
    "  delta A B          the XorDelta from A to B in wire format (spec 10.2), as hex\n"
    "  apply A DELTA      A with the wire-format DELTA (hex) applied, as hex\n"
    "  passes A PREDICATE 'true' or 'false': does A pass the predicate JSON (spec 6)?\n";

static int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "bindspace %s: %s\n\n%s", cmd, msg, usage_text);
    return 2;
}

/* Read all of stdin (for a "-" argument), trimming trailing whitespace. */
static char *read_stdin(const char *cmd)
{
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (n + 1 >= cap) {
            if (cap >= (64u << 20)) {
                free(buf);
                cli_fail(cmd, 0, "standard input is larger than 64 MiB");
                return NULL;
            }
            char *b = realloc(buf, cap * 2);
            if (!b) { free(buf); return NULL; }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, stdin);
        if (got == 0) break;
        n += got;
    }
    while (n && strchr(" \t\r\n", buf[n - 1])) n--;
    buf[n] = '\0';
    return buf;
}

/* Resolve "-" arguments; at most one. Returns 0 or prints an error and returns 1. */
static int resolve_args(const char *cmd, int argc, char **argv, char **owned)
{
    *owned = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-") != 0) continue;
        if (*owned) return cli_fail(cmd, 0, "only one argument may be '-' (standard input)");
        *owned = read_stdin(cmd);
        if (!*owned) return cli_fail(cmd, 0, "cannot read standard input");
        argv[i] = *owned;
    }
    return 0;
}

static int parse_fp(const char *cmd, const char *what, const char *arg, uint64_t r[BSP_WORDS])
{
    int rc = bsp_fp_from_hex(r, arg, strlen(arg));
    if (rc < 0) return cli_fail(cmd, rc, "%s", what);
    return 0;
}

static void print_fp(const uint64_t r[BSP_WORDS])
{
    char hex[BSP_HEX_CHARS + 1];
    bsp_fp_to_hex(hex, r);
    puts(hex);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Lowercase hex of a wire-format delta → decoded delta (strict, §10.2). */
static int parse_delta(const char *cmd, const char *arg, bsp_delta *d)
{
    size_t len = strlen(arg);
    if (len % 2)
        return cli_fail(cmd, 0, "DELTA: %zu hex chars is not a whole number of bytes", len);
    if (len / 2 > BSP_DELTA_MAX_WIRE)
        return cli_fail(cmd, 0, "DELTA: %zu bytes is longer than any delta (at most %d)", len / 2,
                        BSP_DELTA_MAX_WIRE);
    uint8_t buf[BSP_DELTA_MAX_WIRE];
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval(arg[2 * i]), lo = hexval(arg[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return cli_fail(cmd, 0, "DELTA: character %zu is not a lowercase hex digit",
                            hi < 0 ? 2 * i : 2 * i + 1);
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    int rc = bsp_delta_decode(d, buf, len / 2);
    if (rc < 0) return cli_fail(cmd, rc, "DELTA");
    return 0;
}

struct sub {
    const char *name;
    int nargs;
    const char *args;
};

static const struct sub subs[] = {
    {"hamming", 2, "A B"}, {"semantic", 2, "A B"}, {"bind", 2, "A B"},
    {"popcount", 1, "A"},  {"label", 1, "TEXT"},   {"decode", 1, "A"},
    {"delta", 2, "A B"},   {"apply", 2, "A DELTA"}, {"passes", 2, "A PREDICATE"},
};

static int run_sub(const char *cmd, const char *name, char **a)
{
    static uint64_t x[BSP_WORDS], y[BSP_WORDS];
    if (!strcmp(name, "label")) {
        bsp_label_fp(x, a[0], strlen(a[0]));
        print_fp(x);
        return 0;
    }
    if (parse_fp(cmd, "A", a[0], x)) return 1;
    if (!strcmp(name, "popcount")) {
        printf("%u\n", bsp_fp_popcount(x));
        return 0;
    }
    if (!strcmp(name, "decode")) {
        char *json = NULL;
        int rc = bsp_sidecar_to_json(x, &json);
        if (rc < 0) return cli_fail(cmd, rc, "cannot decode the sidecar");
        puts(json);
        free(json);
        return 0;
    }
    if (!strcmp(name, "apply")) {
        bsp_delta d;
        if (parse_delta(cmd, a[1], &d)) return 1;
        bsp_delta_apply(x, &d);
        print_fp(x);
        return 0;
    }
    if (!strcmp(name, "passes")) {
        bsp_predicate *p;
        int rc = bsp_predicate_compile(a[1], strlen(a[1]), &p);
        if (rc < 0) return cli_fail(cmd, rc, "PREDICATE");
        puts(bsp_predicate_eval(p, x) ? "true" : "false");
        bsp_predicate_free(p);
        return 0;
    }
    if (parse_fp(cmd, "B", a[1], y)) return 1;
    if (!strcmp(name, "hamming")) {
        printf("%u\n", bsp_fp_hamming(x, y));
    } else if (!strcmp(name, "semantic")) {
        printf("%u\n", bsp_fp_semantic(x, y));
    } else if (!strcmp(name, "bind")) {
        bsp_fp_xor(x, x, y);
        print_fp(x);
    } else { /* delta */
        bsp_delta d;
        uint8_t wire[BSP_DELTA_MAX_WIRE];
        char hex[2 * BSP_DELTA_MAX_WIRE + 1];
        bsp_delta_compute(&d, x, y);
        int n = bsp_delta_encode(&d, wire, sizeof wire);
        if (n < 0) return cli_fail(cmd, n, "cannot encode the delta");
        for (int i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", wire[i]);
        hex[2 * n] = '\0';
        puts(hex);
    }
    return 0;
}

int cmd_fp(int argc, char **argv)
{
    if (argc < 2) return usage_error("fp", "missing subcommand");
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    const struct sub *s = NULL;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (!strcmp(name, subs[i].name)) s = &subs[i];
    char cmd[64];
    snprintf(cmd, sizeof cmd, "fp %s", s ? s->name : name);
    if (!s) {
        char msg[96];
        snprintf(msg, sizeof msg, "unknown subcommand '%.40s'", name);
        return usage_error("fp", msg);
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: bindspace fp %s %s\n\n%s", s->name, s->args, usage_text);
            return 0;
        }
    }
    if (argc - 2 != s->nargs) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected %d argument%s (%s), got %d", s->nargs,
                 s->nargs == 1 ? "" : "s", s->args, argc - 2);
        return usage_error(cmd, msg);
    }
    char *owned;
    if (resolve_args(cmd, s->nargs, argv + 2, &owned)) return 1;
    int rc = run_sub(cmd, s->name, argv + 2);
    free(owned);
    if (fflush(stdout) != 0) return cli_fail(cmd, 0, "cannot write standard output");
    return rc;
}
