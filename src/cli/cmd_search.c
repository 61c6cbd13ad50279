/* `bindspace search` (owned by the search module; this stub is replaced when it lands). */
#include "cli/cli.h"

int cmd_search(int argc, char **argv)
{
    (void)argc;
    return cli_fail(argv[0], 0, "not implemented yet");
}
