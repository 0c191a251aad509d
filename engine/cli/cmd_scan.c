/* `chaintrail scan`: screening customer addresses against the labels (docs/scan.md). This
 * slice reads and checks the inputs (the customer file and the risk policy), prints the
 * default policy, and prints the direct findings of Bitcoin customers as JSON lines; the
 * alert store, baselines and indirect exposure are not written yet. */
#include <stdio.h>
#include <stdlib.h>
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

static void finding_id(char id[CT_SCAN_ALERT_ID_LEN + 1], const ct_scan_finding *x,
                       const ct_scan_customer *cu)
{
    if (ct_scan_alert_id(id, cu->customer_id, cu->chain, cu->address, x->direction, CT_SCAN_DIRECT,
                         x->category, x->counterparty) != CT_OK)
        id[0] = '\0'; /* cannot happen: every field comes from the tables */
}

/* One finding as a JSON line (docs/scan.md "Findings"). */
static void print_finding(FILE *f, const ct_scan_finding *x, const ct_scan_customer *cu,
                          const char *asset)
{
    char id[CT_SCAN_ALERT_ID_LEN + 1];
    const char *cat = ct_label_category_name(x->category);
    finding_id(id, x, cu);
    fprintf(f, "{\"alert_id\":\"%s\",\"customer_id\":", id);
    cli_json_string(f, cu->customer_id);
    fprintf(f, ",\"chain\":\"%s\",\"address\":", ct_scan_chain_name(cu->chain));
    cli_json_string(f, cu->address);
    fprintf(f, ",\"direction\":\"%s\",\"exposure\":\"direct\",\"category\":\"%s\",\"label\":",
            ct_scan_direction_name(x->direction), cat);
    cli_json_string(f, x->label);
    fputs(",\"source\":", f);
    cli_json_string(f, x->source);
    fputs(",\"counterparty\":", f);
    cli_json_string(f, x->counterparty);
    fprintf(f, ",\"hops\":1,\"asset\":\"%s\",\"amount\":{", asset);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        fprintf(f, "%s\"%s\":\"", m ? "," : "", ct_model_name((ct_model)m));
        cli_print_coin128(f, x->amount[m]);
        fputc('"', f);
    }
    fputs("},\"low\":\"", f);
    cli_print_coin128(f, x->low);
    fputs("\",\"high\":\"", f);
    cli_print_coin128(f, x->high);
    fprintf(f,
            "\",\"usd_low\":null,\"usd_high\":null,\"share\":\"%u.%06u\",\"severity\":\"%s\","
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

/* The alerts the webhook is given: every finding of this run, as printed (without the
 * newline); the outbox skips those already delivered with the same body. The alert store's
 * "new or updated" set replaces this selection (docs/scan.md "Webhook"). */
static int webhook_select(cli_webhook_queue *q, const ct_scan_findings *f,
                          const ct_scan_customers *cs, const char *asset)
{
    for (size_t i = 0; i < f->count; i++) {
        const ct_scan_finding *x = &f->items[i];
        char id[CT_SCAN_ALERT_ID_LEN + 1], *body = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&body, &len);
        if (!m)
            return CT_EXIT_FAILURE;
        print_finding(m, x, &cs->items[x->customer], asset);
        int bad = fclose(m) != 0 || len == 0;
        finding_id(id, x, &cs->items[x->customer]);
        int rc = bad ? CT_EXIT_FAILURE : cli_webhook_add(q, id, body, len - 1);
        free(body);
        if (rc)
            return rc;
    }
    return CT_EXIT_OK;
}

/* Screens the customers against the database's labels and prints the findings; with a
 * webhook, queues them into the outbox and delivers it. */
static int screen(const cli_global *g, const ct_scan_customers *cs, const ct_scan_policy *pol,
                  const cli_webhook *wh)
{
    ct_db *db;
    int rc = cli_open_db("scan", g, &db);
    if (rc)
        return rc;
    ct_scan_findings f;
    ct_error err;
    ct_error_clear(&err);
    int qrc = ct_scan_direct(&f, db, cs, pol, &err);
    if (qrc == CT_OK) {
        const char *asset = cli_db_params(db)->coin;
        for (size_t i = 0; i < f.count; i++)
            print_finding(stdout, &f.items[i], &cs->items[f.items[i].customer], asset);
        if (f.not_chain)
            fprintf(stderr,
                    "chaintrail: scan: %llu Ethereum rows not screened (Bitcoin only so far)\n",
                    (unsigned long long)f.not_chain);
    }
    int wrc = CT_EXIT_OK;
    if (qrc == CT_OK && wh->url) {
        cli_webhook_queue q = {0};
        wrc = webhook_select(&q, &f, cs, cli_db_params(db)->coin);
        if (wrc)
            cli_error("scan", "out of memory");
        else
            wrc = cli_webhook_run(wh, db, &q);
        cli_webhook_queue_release(&q);
    }
    ct_scan_findings_release(&f);
    ct_db_close(db);
    if (qrc)
        return cli_db_fail("scan", qrc, &err);
    if (wrc) /* undelivered alerts win over skipped rows (docs/scan.md "Exit codes") */
        return wrc;
    return cs->skipped ? CT_EXIT_DATA : CT_EXIT_OK;
}

int cmd_scan(int argc, char **argv, const cli_global *g)
{
    (void)g;
    const char *customers = NULL, *policy = NULL;
    bool print_policy = false, check = false;
    cli_webhook wh = CLI_WEBHOOK_INIT;
    int first, rc;
    const cli_opt opts[] = {{"customers", CLI_STRING, &customers},
                            {"policy", CLI_STRING, &policy},
                            {"print-policy", CLI_FLAG, &print_policy},
                            {"check", CLI_FLAG, &check},
                            CLI_WEBHOOK_OPTS(&wh),
                            {NULL, CLI_FLAG, NULL}};
    if ((rc = cli_parse(cli_find("scan"), opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if (argv[first]) {
        cli_error("scan", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    if (wh.outbox || wh.deliver_only)
        return cli_webhook_only(g, &wh, customers || policy || check || print_policy);
    if (print_policy) {
        if (customers || policy || check || cli_webhook_given(&wh)) {
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
    if (check && cli_webhook_given(&wh)) {
        cli_error("scan", "--check takes no webhook option");
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
    int out_rc = cli_webhook_start(&wh);
    if (out_rc == CT_EXIT_OK)
        out_rc = screen(g, &cs, &pol, &wh);
    cli_webhook_end(&wh);
    ct_scan_customers_release(&cs);
    return out_rc;
}
