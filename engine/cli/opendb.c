/* Helpers of the commands that read the database (show, stats, verify): opening it with
 * the documented exit codes, mapping query errors, and printing hashes and times. */
#include <string.h>
#include <time.h>

#include "cli.h"

static int open_db(const char *cmd, const cli_global *g, ct_db **db, bool create)
{
    ct_error err;
    ct_db_options o = CT_DB_OPTIONS_INIT;
    o.create = create;
    ct_error_clear(&err);
    int rc = ct_db_open(db, g->db_path, &o, &err);
    if (rc == CT_OK)
        return CT_EXIT_OK;
    cli_error(cmd, "%s", err.detail[0] || err.reason[0] ? cli_detail(&err) : ct_strerror(rc));
    switch (rc) {
    case CT_ENOTFOUND: /* "no database at 'PATH'" */
    case CT_EIO:
        return CT_EXIT_IO;
    case CT_ELOCKED:
        return CT_EXIT_LOCKED;
    case CT_EVERSION:
        return CT_EXIT_VERSION;
    case CT_ECORRUPT:
    case CT_EDBCORRUPT:
        return CT_EXIT_CORRUPT;
    default:
        return CT_EXIT_FAILURE;
    }
}

int cli_open_db(const char *cmd, const cli_global *g, ct_db **db)
{
    return open_db(cmd, g, db, false);
}

int cli_open_db_create(const char *cmd, const cli_global *g, ct_db **db)
{
    return open_db(cmd, g, db, true);
}

int cli_db_exit_code(int ct_code)
{
    switch (ct_code) {
    case CT_OK:
        return CT_EXIT_OK;
    case CT_ENOTFOUND:
        return CT_EXIT_NOTFOUND;
    case CT_ECORRUPT:
    case CT_EDBCORRUPT:
        return CT_EXIT_CORRUPT;
    case CT_EIO:
        return CT_EXIT_IO;
    case CT_EINVAL:
        return CT_EXIT_USAGE;
    default:
        return CT_EXIT_FAILURE;
    }
}

int cli_db_fail(const char *cmd, int rc, const ct_error *err)
{
    if (rc == CT_ECORRUPT || rc == CT_EDBCORRUPT)
        cli_error(cmd, "the database is corrupt: %s%s%s", err->detail[0] ? err->reason : "",
                  err->detail[0] && err->reason[0] ? ": " : "", cli_detail(err));
    else
        cli_error(cmd, "%s", err->detail[0] || err->reason[0] ? cli_detail(err) : ct_strerror(rc));
    return cli_db_exit_code(rc);
}

const ct_btc_params *cli_db_params(ct_db *db)
{
    ct_graph_chain_stats st;
    const ct_btc_params *p = NULL;
    if (ct_graph_stats(db, &st, NULL) == CT_OK && st.network[0])
        p = ct_btc_params_get(st.network);
    return p ? p : ct_btc_params_get("mainnet");
}

void cli_print_hash(FILE *f, const uint8_t hash[32])
{
    char hex[65];
    ct_hash_to_hex(hex, hash);
    fputs(hex, f);
}

void cli_print_time(FILE *f, uint32_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        fprintf(f, "%u", t);
        return;
    }
    fprintf(f, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
            tm.tm_hour, tm.tm_min, tm.tm_sec);
}
