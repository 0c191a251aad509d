/* `chaintrail scan`: screening customer addresses against the labels (docs/scan.md). This
 * slice reads and checks the inputs (the customer file and the risk policy), prints the
 * default policy, and prints the direct findings of Bitcoin customers as JSON lines; the
 * alert store, baselines and indirect exposure are not written yet. */
#include <string.h>

#include "cli.h"

/* Prints the bad rows of a customer file and the summary line. */
static void report_customers(const char *path, const ct_scan_customers *c)
{
    for (size_t i = 0; i < c->n_bad; i++) {
        fputs("chaintrail: scan: ", stderr);
        cli_print_text(stderr, path);
        fprintf(stderr, ":%llu: ", (unsigned long long)c->bad[i].line);
        cli_print_text(stderr, c->bad[i].reason);
        fputs(": row skipped\n", stderr);
    }
    if (c->skipped > c->n_bad)
        fprintf(stderr, "chaintrail: scan: ... and %llu more bad rows\n",
                (unsigned long long)(c->skipped - c->n_bad));
    if (c->skipped)
        fprintf(stderr, "chaintrail: scan: skipped %llu of %llu rows\n",
                (unsigned long long)c->skipped, (unsigned long long)c->rows);
}

static void print_policy_json(FILE *f, const ct_scan_policy *p)
{
    for (unsigned c = 0; c < CT_LABEL_CATEGORIES; c++) {
        const ct_scan_rule *r = &p->rules[c];
        if (r->severity == CT_SCAN_NONE)
            continue;
        fprintf(f,
                "{\"category\":\"%s\",\"severity\":\"%s\",\"direction\":\"%s\","
                "\"exposure\":\"%s\",\"max_hops\":%u,\"min_amount\":\"",
                ct_label_category_name((ct_label_category)c), ct_scan_severity_name(r->severity),
                ct_scan_direction_name(r->direction), ct_scan_exposure_name(r->exposure),
                r->max_hops);
        cli_print_coin(f, r->min_sat);
        fprintf(f, "\",\"min_usd\":\"%llu.%02llu\",\"min_share\":\"%u.%06u\"}\n",
                (unsigned long long)(r->min_usd_cents / 100),
                (unsigned long long)(r->min_usd_cents % 100), r->min_share_ppm / 1000000,
                r->min_share_ppm % 1000000);
    }
}

/* A USD value in cents as a JSON string with 2 decimals, or null when not priced. */
static void print_usd(FILE *f, bool known, unsigned __int128 cents)
{
    if (!known) {
        fputs("null", f);
        return;
    }
    char d[48];
    size_t n = 0;
    unsigned __int128 whole = cents / 100;
    do {
        d[n++] = (char)('0' + (int)(whole % 10));
        whole /= 10;
    } while (whole);
    fputc('"', f);
    while (n)
        fputc(d[--n], f);
    fprintf(f, ".%02u\"", (unsigned)(cents % 100));
}

/* One finding as a JSON line (docs/scan.md "Findings"). */
static void print_finding(FILE *f, const ct_scan_finding *x, const ct_scan_customer *cu,
                          const char *asset)
{
    char id[CT_SCAN_ALERT_ID_LEN + 1];
    const char *cat = ct_label_category_name(x->category);
    unsigned exposure = x->exposure ? x->exposure : CT_SCAN_DIRECT;
    if (ct_scan_alert_id(id, cu->customer_id, cu->chain, cu->address, x->direction, exposure,
                         x->category, x->counterparty) != CT_OK)
        id[0] = '\0'; /* cannot happen: every field comes from the tables */
    fprintf(f, "{\"alert_id\":\"%s\",\"customer_id\":", id);
    cli_json_string(f, cu->customer_id);
    fprintf(f, ",\"chain\":\"%s\",\"address\":", ct_scan_chain_name(cu->chain));
    cli_json_string(f, cu->address);
    fprintf(f, ",\"direction\":\"%s\",\"exposure\":\"%s\",\"category\":\"%s\",\"label\":",
            ct_scan_direction_name(x->direction), ct_scan_exposure_name(exposure), cat);
    cli_json_string(f, x->label);
    fputs(",\"source\":", f);
    cli_json_string(f, x->source);
    fputs(",\"counterparty\":", f);
    cli_json_string(f, x->counterparty);
    fprintf(f, ",\"hops\":%u,\"asset\":\"%s\",\"amount\":{", x->hops ? x->hops : 1, asset);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        fprintf(f, "%s\"%s\":\"", m ? "," : "", ct_model_name((ct_model)m));
        cli_print_coin128(f, x->amount[m]);
        fputc('"', f);
    }
    fputs("},\"low\":\"", f);
    cli_print_coin128(f, x->low);
    fputs("\",\"high\":\"", f);
    cli_print_coin128(f, x->high);
    fputs("\",\"usd_low\":", f);
    print_usd(f, x->usd_known, x->usd_low);
    fputs(",\"usd_high\":", f);
    print_usd(f, x->usd_known, x->usd_high);
    fprintf(f,
            ",\"share\":\"%u.%06u\",\"severity\":\"%s\","
            "\"rule\":\"categories.%s\",\"first_seen\":\"",
            x->share_ppm / 1000000, x->share_ppm % 1000000, ct_scan_severity_name(x->severity),
            cat);
    cli_print_time(f, x->first_time);
    fputs("\",\"last_seen\":\"", f);
    cli_print_time(f, x->last_time);
    fputs("\",\"txids\":[", f);
    for (size_t i = 0; i < x->n_txids; i++) {
        fputs(i ? ",\"" : "\"", f);
        cli_print_hash(f, x->txids[i]);
        fputc('"', f);
    }
    fputs("]}\n", f);
}

/* Screens the customers against the database's labels and prints the findings. */
static int screen(const cli_global *g, const ct_scan_customers *cs, const ct_scan_policy *pol,
                  bool no_clusters)
{
    ct_db *db;
    int rc = cli_open_db("scan", g, &db);
    if (rc)
        return rc;
    ct_scan_findings f;
    ct_error err;
    ct_error_clear(&err);
    const char *asset = cli_db_params(db)->coin;
    int qrc = ct_scan_direct_batch(&f, db, cs, pol, asset, &err);
    ct_scan_indirect_options io = {.asset = asset, .no_clusters = no_clusters};
    if (qrc == CT_OK)
        qrc = ct_scan_indirect(&f, db, cs, pol, &io, &err);
    if (qrc == CT_OK) {
        for (size_t i = 0; i < f.count; i++)
            print_finding(stdout, &f.items[i], &cs->items[f.items[i].customer], asset);
        if (f.not_chain)
            fprintf(stderr,
                    "chaintrail: scan: %llu Ethereum rows not screened (Bitcoin only so far)\n",
                    (unsigned long long)f.not_chain);
    }
    ct_scan_findings_release(&f);
    ct_db_close(db);
    if (qrc)
        return cli_db_fail("scan", qrc, &err);
    return cs->skipped ? CT_EXIT_DATA : CT_EXIT_OK;
}

int cmd_scan(int argc, char **argv, const cli_global *g)
{
    (void)g;
    const char *customers = NULL, *policy = NULL;
    bool print_policy = false, check = false, no_clusters = false;
    int first, rc;
    const cli_opt opts[] = {{"customers", CLI_STRING, &customers},
                            {"policy", CLI_STRING, &policy},
                            {"print-policy", CLI_FLAG, &print_policy},
                            {"check", CLI_FLAG, &check},
                            {"no-clusters", CLI_FLAG, &no_clusters},
                            {NULL, CLI_FLAG, NULL}};
    if ((rc = cli_parse(cli_find("scan"), opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if (argv[first]) {
        cli_error("scan", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    if (print_policy) {
        if (customers || policy || check) {
            cli_error("scan", "--print-policy takes no other option");
            return CT_EXIT_USAGE;
        }
        fputs(ct_scan_policy_default_json(), stdout);
        return CT_EXIT_OK;
    }
    if (!customers) {
        cli_error("scan", "--customers FILE is required");
        return CT_EXIT_USAGE;
    }
    ct_error err;
    ct_error_clear(&err);
    ct_scan_policy pol;
    int lrc = policy ? ct_scan_policy_read(&pol, policy, &err)
                     : ct_scan_policy_parse(&pol, ct_scan_policy_default_json(),
                                            strlen(ct_scan_policy_default_json()), &err);
    if (lrc != CT_OK) {
        cli_error_ct("scan", "policy: ", lrc, &err);
        return cli_exit_code(lrc);
    }
    ct_scan_customers cs;
    ct_error_clear(&err);
    lrc = ct_scan_customers_read(&cs, customers, &err);
    if (lrc != CT_OK) {
        cli_error_ct("scan", "customers: ", lrc, &err);
        ct_scan_customers_release(&cs);
        return cli_exit_code(lrc);
    }
    report_customers(customers, &cs);
    if (check) {
        size_t btc = 0;
        for (size_t i = 0; i < cs.count; i++)
            btc += cs.items[i].chain == CT_SCAN_BITCOIN;
        printf("{\"customers\":{\"format\":\"%s\",\"rows\":%llu,\"kept\":%zu,\"skipped\":%llu,"
               "\"bitcoin\":%zu,\"ethereum\":%zu}}\n",
               cs.format == CT_SCAN_CUSTOMERS_CSV ? "csv" : "jsonl", (unsigned long long)cs.rows,
               cs.count, (unsigned long long)cs.skipped, btc, cs.count - btc);
        print_policy_json(stdout, &pol);
        bool skipped = cs.skipped > 0;
        ct_scan_customers_release(&cs);
        /* As everywhere (docs/exit-codes.md): input was rejected, the rest was processed. */
        return skipped ? CT_EXIT_DATA : CT_EXIT_OK;
    }
    int out_rc = screen(g, &cs, &pol, no_clusters);
    ct_scan_customers_release(&cs);
    return out_rc;
}
