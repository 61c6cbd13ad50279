/* `bindspace put|get|flush`: the BindSpace of a database directory from the command line
 * (docs/cli.md). `search` is dispatched to cmd_search (cmd_search.c). */
#include <stdlib.h>
#include <string.h>

#include "bindspace/space.h"
#include "cli/cli.h"

/* ADDR: "0x8042", "32834" or prefix:slot in hex ("80:42", "0x80:0x42"). */
static int parse_addr(const char *cmd, const char *arg, uint16_t *out)
{
    const char *colon = strchr(arg, ':');
    char *end = NULL;
    if (colon) {
        unsigned long p = strtoul(arg, &end, 16), s;
        if (end != colon || colon == arg) goto bad;
        s = strtoul(colon + 1, &end, 16);
        if (*end || !colon[1] || p > 0xFF || s > 0xFF) goto bad;
        *out = (uint16_t)((p << 8) | s);
        return 0;
    }
    uint64_t v;
    if (cli_parse_u64(cmd, "ADDR", arg, 0xFFFF, &v)) return 1;
    *out = (uint16_t)v;
    return 0;
bad:
    return cli_fail(cmd, 0, "ADDR: '%s' is not an address (0x8042, 32834 or 80:42)", arg);
}

static int usage(const char *cmd)
{
    fprintf(stderr,
            "usage: bindspace put DB ADDR HEX    write a record (4,096 hex chars) at an address\n"
            "       bindspace get DB ADDR        print the visible record at an address\n"
            "       bindspace flush DB           persist the write cache as one Lance commit\n"
            "(%s) ADDR is 0x8042, 32834 or prefix:slot in hex (80:42)\n",
            cmd);
    return 2;
}

int cmd_space(int argc, char **argv)
{
    const char *cmd = argv[0];
    if (!strcmp(cmd, "search")) return cmd_search(argc, argv);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(cmd);
        return 0;
    }
    int want = !strcmp(cmd, "put") ? 4 : !strcmp(cmd, "get") ? 3 : 2;
    if (argc != want) return usage(cmd);
    uint16_t addr = 0;
    if (want >= 3 && parse_addr(cmd, argv[2], &addr)) return 1;
    static uint64_t rec[BSP_WORDS];
    if (want == 4 && cli_parse_fp(cmd, argv[3], rec)) return 1;
    bsp_space_options o = {0};
    o.read_only = !strcmp(cmd, "get");
    o.no_auto_flush = true;
    bsp_space *sp;
    int rc = bsp_space_open(argv[1], &o, &sp);
    if (rc < 0) return cli_fail(cmd, rc, "cannot open %s", argv[1]);
    int ret = 0;
    if (!strcmp(cmd, "put")) {
        rc = bsp_space_put(sp, addr, rec);
        if (rc < 0) ret = cli_fail(cmd, rc, "put 0x%02x:%02x", addr >> 8, addr & 0xFF);
        else printf("0x%04x\n", addr);
    } else if (!strcmp(cmd, "get")) {
        rc = bsp_space_get(sp, addr, rec);
        if (rc < 0) {
            ret = cli_fail(cmd, rc, "get");
        } else {
            static char hex[BSP_HEX_CHARS + 1];
            bsp_fp_to_hex(hex, rec);
            printf("%s\n", hex);
        }
    } else {
        uint64_t v = 0;
        rc = bsp_space_flush(sp, &v);
        if (rc < 0) ret = cli_fail(cmd, rc, "flush");
        else printf("version %llu\n", (unsigned long long)v);
    }
    bsp_space_close(sp);
    return ret;
}
