/* `chaintrail version`. */
#include "cli.h"

int cmd_version(int argc, char **argv, const cli_global *g)
{
    (void)g;
    const cli_opt opts[] = {{NULL, CLI_FLAG, NULL}};
    int first;
    int rc = cli_parse(cli_find("version"), opts, argc, argv, &first);
    if (rc < 0)
        return CT_EXIT_OK;
    if (rc != CT_EXIT_OK)
        return rc;
    if (argv[first]) {
        cli_error("version", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    printf("chaintrail %s\n", ct_version());
    return CT_EXIT_OK;
}
