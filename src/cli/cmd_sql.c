/* `bindspace sql` command group (not implemented yet). */
#include "cli/cli.h"

int cmd_sql(int argc, char **argv)
{
    (void)argc;
    return cli_fail(argv[0], 0, "not implemented yet");
}
