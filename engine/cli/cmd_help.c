/* `chaintrail help [COMMAND]`: the list of commands, or one command's usage. */
#include "cli.h"

int cmd_help(int argc, char **argv, const cli_global *g)
{
    (void)g;
    const cli_opt opts[] = {{NULL, CLI_FLAG, NULL}};
    int first;
    int rc = cli_parse(cli_find("help"), opts, argc, argv, &first);
    if (rc < 0)
        return CT_EXIT_OK;
    if (rc != CT_EXIT_OK)
        return rc;
    argc -= first - 1;
    argv += first - 1;
    if (argc > 2) {
        cli_error("help", "unexpected argument '%s'", argv[2]);
        return CT_EXIT_USAGE;
    }
    if (argc < 2) {
        fputs("usage: chaintrail [--db PATH] COMMAND [ARGS]\n\ncommands:\n", stdout);
        for (const cli_command *c = cli_commands; c->name; c++)
            printf("  %-10s %s\n", c->name, c->summary);
        fputs("\nglobal options:\n"
              "  --db PATH   the database (default $CHAINTRAIL_DB, else ./chaintrail.db); before\n"
              "              or after COMMAND\n"
              "\n'chaintrail help COMMAND' shows the options of a command.\n",
              stdout);
        return CT_EXIT_OK;
    }
    const cli_command *c = cli_find(argv[1]);
    if (!c) {
        cli_error("help", "'%s' is not a command", argv[1]);
        return CT_EXIT_USAGE;
    }
    fputs(c->usage, stdout);
    return CT_EXIT_OK;
}
