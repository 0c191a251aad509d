/* `chaintrail stats`: what the database holds, from its counters row and tip: one JSON
 * object per chain family ({"bitcoin":{...}}), or a text listing. */
#include "cli.h"

static void print_json(FILE *f, const ct_graph_chain_stats *s)
{
    fputs("{\"bitcoin\":{\"network\":", f);
    cli_json_string_or_null(f, s->network);
    if (s->has_tip) {
        fprintf(f, ",\"height\":%u,\"tip\":\"", s->height);
        cli_print_hash(f, s->tip);
        fprintf(f, "\",\"tip_time\":%u", s->tip_time);
    } else {
        fputs(",\"height\":null,\"tip\":null,\"tip_time\":null", f);
    }
    fprintf(f,
            ",\"blocks\":%llu,\"txs\":%llu,\"inputs\":%llu,\"outputs\":%llu,"
            "\"unspent_outputs\":%llu,\"unspent_sat\":",
            (unsigned long long)s->blocks, (unsigned long long)s->txs,
            (unsigned long long)s->inputs, (unsigned long long)s->outputs,
            (unsigned long long)s->unspent_outputs);
    cli_json_amount(f, s->unspent_value); /* 128-bit: a string beyond 2^53 (docs/cli.md) */
    fprintf(f, ",\"addresses\":%llu,\"unknown_prevouts\":%llu,\"overwritten_outputs\":%llu}",
            (unsigned long long)s->addresses, (unsigned long long)s->unknown_prevouts,
            (unsigned long long)s->overwritten);
}

/* The "ethereum" member (docs/stats.md): present always, null/zero when no Ethereum block. */
static void print_eth_json(FILE *f, const ct_eth_stats *e)
{
    fputs(",\"ethereum\":{", f);
    if (e->present) {
        fputs("\"chain_id\":", f);
        cli_json_amount(f, e->chain_id); /* 64-bit: a string beyond 2^53 */
        fprintf(f, ",\"height\":%lld,\"first_height\":%llu", (long long)e->height,
                (unsigned long long)e->first_height);
    } else {
        fputs("\"chain_id\":null,\"height\":null,\"first_height\":null", f);
    }
    fprintf(f,
            ",\"blocks\":%llu,\"txs\":%llu,\"transfers\":%llu,\"native_transfers\":%llu,"
            "\"internal_transfers\":%llu,\"token_transfers\":%llu,\"fee_events\":%llu,"
            "\"rewards\":%llu,\"events\":%llu,\"logs\":%llu,\"addresses\":%llu,"
            "\"tokens\":%llu}}\n",
            (unsigned long long)e->blocks, (unsigned long long)e->txs,
            (unsigned long long)e->transfers, (unsigned long long)e->native,
            (unsigned long long)e->internal, (unsigned long long)e->token_transfers,
            (unsigned long long)e->fee_events, (unsigned long long)e->rewards,
            (unsigned long long)e->events, (unsigned long long)e->logs,
            (unsigned long long)e->addresses, (unsigned long long)e->assets);
}

static void print_eth_text(FILE *f, const ct_eth_stats *e)
{
    fputs("\nethereum\n", f);
    if (!e->present) {
        fputs("height             (empty)\n", f);
        return;
    }
    fprintf(
        f,
        "chain id           %llu\nheight             %lld\nfirst height       %llu\n"
        "blocks             %llu\ntransactions       %llu\ntransfers          %llu "
        "(native %llu, internal %llu)\ntoken transfers    %llu\nfee events         %llu\n"
        "rewards            %llu\nevents             %llu\nlogs               %llu\n"
        "addresses          %llu\ntokens             %llu\n",
        (unsigned long long)e->chain_id, (long long)e->height, (unsigned long long)e->first_height,
        (unsigned long long)e->blocks, (unsigned long long)e->txs, (unsigned long long)e->transfers,
        (unsigned long long)e->native, (unsigned long long)e->internal,
        (unsigned long long)e->token_transfers, (unsigned long long)e->fee_events,
        (unsigned long long)e->rewards, (unsigned long long)e->events, (unsigned long long)e->logs,
        (unsigned long long)e->addresses, (unsigned long long)e->assets);
}

static void print_text(FILE *f, const ct_graph_chain_stats *s, const char *coin)
{
    fprintf(f, "network            %s\n", s->network[0] ? s->network : "(none yet)");
    if (s->has_tip) {
        fprintf(f, "height             %u\ntip                ", s->height);
        cli_print_hash(f, s->tip);
        fputs("\ntip time           ", f);
        cli_print_time(f, s->tip_time);
        fputc('\n', f);
    } else {
        fputs("height             (empty)\n", f);
    }
    fprintf(f,
            "blocks             %llu\ntransactions       %llu\ninputs             %llu\n"
            "outputs            %llu\nunspent outputs    %llu\nunspent value      ",
            (unsigned long long)s->blocks, (unsigned long long)s->txs,
            (unsigned long long)s->inputs, (unsigned long long)s->outputs,
            (unsigned long long)s->unspent_outputs);
    cli_print_coin128(f, s->unspent_value);
    fprintf(f, " %s\naddresses          %llu\nunknown prevouts   %llu\noverwritten        %llu\n",
            coin, (unsigned long long)s->addresses, (unsigned long long)s->unknown_prevouts,
            (unsigned long long)s->overwritten);
}

int cmd_stats(int argc, char **argv, const cli_global *g)
{
    const char *format = "json";
    bool json = true;
    int first, rc;
    const cli_opt opts[] = {{"format", CLI_STRING, &format}, {NULL, CLI_FLAG, NULL}};
    if ((rc = cli_parse(cli_find("stats"), opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if ((rc = cli_format("stats", format, &json)))
        return rc;
    if (argv[first]) {
        cli_error("stats", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("stats", g, &db)))
        return rc;
    ct_graph_chain_stats s;
    ct_error err;
    ct_error_clear(&err);
    ct_eth_stats es;
    int qrc = ct_graph_stats(db, &s, &err);
    if (qrc == CT_OK)
        qrc = ct_eth_stats_get(db, &es, &err);
    if (qrc == CT_OK) {
        if (json) {
            print_json(stdout, &s);
            print_eth_json(stdout, &es);
        } else {
            print_text(stdout, &s, cli_db_params(db)->coin);
            print_eth_text(stdout, &es);
        }
    }
    ct_db_close(db);
    return qrc ? cli_db_fail("stats", qrc, &err) : CT_EXIT_OK;
}
