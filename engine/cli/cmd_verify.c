/* `chaintrail verify`: checks the invariants of the graph tables over one snapshot and prints
 * each check's result, the first violations with their keys, and the content digest. Exit 0
 * when every invariant holds, 4 (corrupt) otherwise. `--quick` checks only the last
 * `--blocks N` blocks (default 6) and the counters against them (bad-inputs.md S12). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Bitcoin Core's default for its startup check (-checkblocks=6). */
#define CLI_VERIFY_QUICK_BLOCKS 6

static void print_text(FILE *f, const ct_graph_verify_report *rep)
{
    for (int i = 0; i < CT_CHECK_COUNT; i++) {
        const ct_graph_check_result *c = &rep->checks[i];
        fprintf(f, "%-6s  %-10s %10llu checked", c->failed ? "FAILED" : "ok", c->name,
                (unsigned long long)c->checked);
        if (c->failed)
            fprintf(f, ", %llu failed", (unsigned long long)c->failed);
        fprintf(f, "  (%s)\n", c->what);
    }
    for (size_t i = 0; i < rep->n_listed; i++) {
        const ct_graph_violation *v = &rep->listed[i];
        fprintf(f, "violation %s %s: %s\n", rep->checks[v->check].name, v->key[0] ? v->key : "-",
                v->detail);
    }
    if (rep->violations > rep->n_listed)
        fprintf(f, "... %llu more violations\n",
                (unsigned long long)(rep->violations - rep->n_listed));
    if (rep->quick) {
        if (rep->blocks_checked)
            fprintf(f, "quick: the last %u blocks (heights %u..%u), %llu rows; no digest\n",
                    rep->blocks_checked, rep->first_height, rep->last_height,
                    (unsigned long long)rep->rows_checked);
        else
            fputs("quick: no block; no digest\n", f);
        return;
    }
    fprintf(f, "rows %llu\ndigest ", (unsigned long long)rep->digest_rows);
    cli_print_hex(f, rep->digest, 32);
    fputc('\n', f);
}

static void print_json(FILE *f, const ct_graph_verify_report *rep)
{
    fprintf(f, "{\"ok\":%s,\"violations\":%llu,\"checks\":[", rep->violations ? "false" : "true",
            (unsigned long long)rep->violations);
    for (int i = 0; i < CT_CHECK_COUNT; i++) {
        const ct_graph_check_result *c = &rep->checks[i];
        fprintf(f, "%s{\"name\":\"%s\",\"checked\":%llu,\"failed\":%llu}", i ? "," : "", c->name,
                (unsigned long long)c->checked, (unsigned long long)c->failed);
    }
    fputs("],\"listed\":[", f);
    for (size_t i = 0; i < rep->n_listed; i++) {
        const ct_graph_violation *v = &rep->listed[i];
        fprintf(f, "%s{\"check\":\"%s\",\"key\":", i ? "," : "", rep->checks[v->check].name);
        cli_json_string_or_null(f, v->key);
        fputs(",\"detail\":", f);
        cli_json_string(f, v->detail);
        fputc('}', f);
    }
    if (rep->quick) {
        fprintf(f, "],\"quick\":{\"blocks\":%u,", rep->blocks_checked);
        if (rep->blocks_checked)
            fprintf(f, "\"first_height\":%u,\"last_height\":%u,", rep->first_height,
                    rep->last_height);
        else
            fputs("\"first_height\":null,\"last_height\":null,", f);
        fprintf(f, "\"rows\":%llu},\"digest\":null}\n", (unsigned long long)rep->rows_checked);
        return;
    }
    fprintf(f, "],\"rows\":%llu,\"digest\":\"", (unsigned long long)rep->digest_rows);
    cli_print_hex(f, rep->digest, 32);
    fputs("\"", f);
}

static void print_eth_json(FILE *f, const ct_eth_verify_report *e)
{
    fprintf(f, ",\"ethereum\":{\"ok\":%s,\"violations\":%llu,\"first\":",
            e->violations ? "false" : "true", (unsigned long long)e->violations);
    cli_json_string_or_null(f, e->first);
    fprintf(f, ",\"rows\":%llu,\"digest\":\"", (unsigned long long)e->rows);
    cli_print_hex(f, e->digest, 32);
    fputs("\"}}\n", f);
}

static void print_eth_text(FILE *f, const ct_eth_verify_report *e)
{
    fprintf(f, "%-6s  ethereum   %10llu rows", e->violations ? "FAILED" : "ok",
            (unsigned long long)e->rows);
    if (e->violations)
        fprintf(f, ", %llu violations; first: %s", (unsigned long long)e->violations, e->first);
    fputs("  (events have ledger rows, totals sum their ledgers, blocks connect, counters)\n"
          "ethereum digest ",
          f);
    cli_print_hex(f, e->digest, 32);
    fputc('\n', f);
}

int cmd_verify(int argc, char **argv, const cli_global *g)
{
    const char *format = "text";
    bool json = false, quick = false;
    uint64_t blocks = UINT64_MAX;
    int first, rc;
    const cli_opt opts[] = {{"format", CLI_STRING, &format},
                            {"quick", CLI_FLAG, &quick},
                            CLI_NUM("blocks", &blocks, 1, UINT32_MAX),
                            {NULL, CLI_FLAG, NULL}};
    if ((rc = cli_parse(cli_find("verify"), opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if ((rc = cli_format("verify", format, &json)))
        return rc;
    if (argv[first]) {
        cli_error("verify", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    if (blocks != UINT64_MAX && !quick) {
        cli_error("verify", "--blocks needs --quick");
        return CT_EXIT_USAGE;
    }
    if (blocks == UINT64_MAX) /* not given; a given value is range-checked by cli_parse */
        blocks = CLI_VERIFY_QUICK_BLOCKS;
    ct_db *db;
    if ((rc = cli_open_db("verify", g, &db)))
        return rc;
    ct_graph_verify_report *rep = malloc(sizeof(*rep));
    if (!rep) {
        ct_db_close(db);
        cli_error("verify", "out of memory");
        return CT_EXIT_FAILURE;
    }
    ct_error err;
    ct_error_clear(&err);
    int vrc = quick ? ct_graph_verify_recent(db, (uint32_t)blocks, rep, &err)
                    : ct_graph_verify(db, rep, &err);
    bool violated = vrc == CT_EDBCORRUPT && strcmp(err.reason, "invariant-violated") == 0;
    ct_eth_verify_report erep;
    ct_error eerr;
    ct_error_clear(&eerr);
    /* --quick checks the Bitcoin graph only */
    int erc = (vrc == CT_OK || violated) && !quick ? ct_eth_verify(db, &erep, &eerr) : CT_OK;
    bool eviolated = erc == CT_EDBCORRUPT && strcmp(eerr.reason, "invariant-violated") == 0;
    ct_db_close(db);
    if ((vrc == CT_OK || violated) && (erc == CT_OK || eviolated)) {
        if (json) {
            print_json(stdout, rep);
            if (!quick)
                print_eth_json(stdout, &erep);
        } else {
            print_text(stdout, rep);
            if (!quick)
                print_eth_text(stdout, &erep);
        }
    }
    if (vrc == CT_OK && erc != CT_OK) {
        vrc = erc;
        violated = eviolated;
        err = eerr;
    }
    if (vrc == CT_OK)
        rc = CT_EXIT_OK;
    else if (violated) {
        cli_error("verify", "%s: the database is corrupt", cli_detail(&err));
        rc = CT_EXIT_CORRUPT;
    } else {
        rc = cli_db_fail("verify", vrc, &err);
    }
    free(rep);
    return rc;
}
