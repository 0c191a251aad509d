/* `chaintrail version`. */
#include "cli.h"

int cmd_version(int argc, char **argv, const cli_global *g)
{
    (void)g;
    if (argc > 1) {
        cli_error("version", "unexpected argument '%s'", argv[1]);
        return CT_EXIT_USAGE;
    }
    printf("chaintrail %s\n", ct_version());
    return CT_EXIT_OK;
}
