/* `chaintrail rollback --to HEIGHT [--chain bitcoin|ethereum]`: disconnects main-chain
 * blocks above HEIGHT through their undo records, by hand (the ingest does the same by
 * itself on a reorg). The chain is Bitcoin unless --chain ethereum. */
#include <string.h>

#include "cli.h"

int cmd_rollback(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("rollback");
    uint64_t to = UINT64_MAX;
    const char *chain = "bitcoin";
    const cli_opt opts[] = {
        {"to", CLI_U64, &to}, {"chain", CLI_STRING, &chain}, {NULL, CLI_FLAG, NULL}};
    int first;
    int rc = cli_parse(self, opts, argc, argv, &first);
    if (rc < 0)
        return CT_EXIT_OK;
    if (rc != CT_EXIT_OK)
        return rc;
    if (argv[first]) {
        cli_error("rollback", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    if (to == UINT64_MAX || to > UINT32_MAX) {
        cli_error("rollback", "option '--to HEIGHT' is required (a height from 0 to the tip)");
        return CT_EXIT_USAGE;
    }
    const ct_chain_ops *family =
        cli_chain_family("rollback", "option '--chain': ", chain, "valid: ");
    if (!family)
        return CT_EXIT_USAGE;
    bool eth = family->model == CT_CHAIN_ACCOUNT;
    ct_db *db = NULL;
    ct_error err;
    ct_error_clear(&err);
    rc = ct_db_open(&db, g->db_path, NULL, &err);
    if (rc == CT_OK)
        rc = eth ? ct_eth_rollback(db, (int64_t)to, &err) : ct_db_rollback(db, (uint32_t)to, &err);
    ct_db_close(db);
    if (rc != CT_OK) {
        char line[1024];
        ct_error_format(&err, line, sizeof(line));
        cli_error("rollback", "%s", line);
        return rc == CT_ENOTFOUND ? CT_EXIT_IO : cli_exit_code(rc);
    }
    fprintf(stderr, "chaintrail: rollback: the tip is now at height %llu\n",
            (unsigned long long)to);
    return CT_EXIT_OK;
}
