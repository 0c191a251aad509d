/* `chaintrail scan`: screening customer addresses against the labels (docs/scan.md). It
 * reads and checks the inputs (the customer file and the risk policy), prints the default
 * policy, screens the Bitcoin customers the plan picks (all, or those with new activity),
 * stores the alerts (docs/alerts.md) and prints the run's as JSON lines, CSV or text;
 * with --webhook, the alerts stored as new, updated or absent are queued in the same write
 * and delivered (scan_webhook.c). */
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

/* The options of a screening run. */
typedef struct scan_opts {
    size_t format; /* 0 jsonl, 1 csv, 2 text */
    const char *out;
    bool force, full;
    bool no_clusters;         /* --no-clusters */
    ct_scan_severity fail_on; /* CT_SCAN_NONE: never */
} scan_opts;

static const char *const format_names[] = {"jsonl", "csv", "text"};
static const char *const fail_names[] = {"none", "LOW", "MEDIUM", "HIGH", "SEVERE"};

static void print_run(FILE *f, const ct_scan_run *run, size_t format)
{
    if (format == 1)
        cli_alert_csv_header(f);
    for (size_t i = 0; i < run->count; i++) {
        if (format == 0) {
            cli_alert_json(f, &run->items[i]);
            fputc('\n', f);
        } else if (format == 1) {
            cli_alert_csv(f, &run->items[i]);
        } else {
            cli_alert_text(f, &run->items[i]);
        }
    }
}

/* Whether the run raised a new or updated alert at or above `fail_on`. */
static bool fails(const ct_scan_run *run, ct_scan_severity fail_on)
{
    for (size_t i = 0; fail_on != CT_SCAN_NONE && i < run->count; i++) {
        const ct_scan_alert *a = &run->items[i];
        if ((a->baseline == CT_ALERT_NEW || a->baseline == CT_ALERT_UPDATED) &&
            a->severity >= fail_on)
            return true;
    }
    return false;
}

/* Screens the customers the plan picks (all, or those with new activity), stores the
 * alerts and prints the run's; with a webhook, the store queues the run's new, updated and
 * absent alerts into the outbox in its write, and the outbox is delivered after the output.
 * Exit codes when several apply (docs/exit-codes.md): an error, then 10, then 11, then 3. */
static int screen(const cli_global *g, const ct_scan_customers *cs, const ct_scan_policy *pol,
                  const scan_opts *o, const cli_webhook *wh)
{
    ct_error err;
    ct_error_clear(&err);
    ct_out_file *of = NULL;
    FILE *out = stdout;
    if (o->out) {
        int orc = ct_out_file_open(&of, &out, o->out, o->force, &err);
        if (orc != CT_OK) {
            cli_error_ct("scan", "-o: ", orc, &err);
            return cli_exit_code(orc);
        }
    }
    ct_db *db;
    int rc = cli_open_db("scan", g, &db);
    if (rc) {
        ct_out_file_abort(of);
        return rc;
    }
    ct_scan_state prev, now;
    ct_scan_why why = CT_SCAN_WHY_FIRST;
    ct_scan_findings f;
    memset(&f, 0, sizeof(f));
    ct_scan_run run;
    memset(&run, 0, sizeof(run));
    const char *asset = cli_db_params(db)->coin;
    bool *pick = calloc(cs->count ? cs->count : 1, sizeof(bool));
    bool *indirect = calloc(cs->count ? cs->count : 1, sizeof(bool));
    if (!pick || !indirect) {
        free(pick);
        free(indirect);
        ct_db_close(db);
        ct_out_file_abort(of);
        cli_error("scan", "out of memory");
        return CT_EXIT_FAILURE;
    }
    int qrc = ct_scan_state_get(db, &prev, &err);
    if (qrc == CT_OK)
        qrc = ct_scan_state_now(db, &now, pol, cs, &err);
    if (qrc == CT_OK)
        qrc = ct_scan_plan(pick, &why, db, cs, &prev, &now, o->full, &err);
    /* An incremental run adds the labelled addresses' newer transactions to the sums the
     * last run stored with its alerts (docs/scan.md "Incremental direct exposure"); every
     * other run reads their whole history. */
    ct_scan_istate *ist = ct_scan_istate_new();
    ct_scan_direct_options dopt = {.asset = asset,
                                   .no_clusters = o->no_clusters,
                                   .pick = pick,
                                   .state = ist,
                                   .resume = ist && why == CT_SCAN_WHY_INCREMENTAL,
                                   .prev_run = prev.run};
    if (qrc == CT_OK)
        qrc = ct_scan_direct_incr(&f, db, cs, pol, &dopt, &err);
    /* Ethereum rows: direct exposure per asset, valued by the daily price tables. */
    if (qrc == CT_OK)
        qrc = ct_scan_eth_direct(&f, db, cs, pick, pol, true, &err);
    /* Indirect exposure of every Bitcoin row on every run, all rows as stops: a customer's
     * outgoing exposure changes when others move its past funds on, without new activity
     * of its own, and one trace per labelled group costs the same for 1 row as for all
     * (docs/scan.md "Nightly runs"). */
    /* An incremental run resumes the traces from the state the last run stored with its
     * alerts (docs/scan.md "Nightly runs"); every other run traces in full. */
    ct_scan_indirect_options io = {.asset = asset,
                                   .no_clusters = o->no_clusters,
                                   .state = ist,
                                   .resume = ist && why == CT_SCAN_WHY_INCREMENTAL,
                                   .prev_run = prev.run}; /* no memory for it: full traces */
    for (size_t i = 0; i < cs->count; i++)
        indirect[i] = true;
    if (qrc == CT_OK)
        qrc = ct_scan_indirect(&f, db, cs, pol, &io, &err);
    if (qrc == CT_OK)
        qrc = ct_scan_eth_indirect(&f, db, cs, pol, true, &io, &err);
    ct_scan_outbox ob = cli_webhook_outbox();
    if (qrc == CT_OK)
        qrc = ct_scan_alerts_commit_state(&run, db, cs, pick, indirect, &f, asset, &now,
                                          cli_now_seconds(), wh->url ? &ob : NULL, ist, &err);
    ct_scan_istate_free(ist);
    ct_scan_findings_release(&f);
    free(pick);
    free(indirect);
    if (qrc) {
        ct_db_close(db);
        ct_out_file_abort(of);
        ct_scan_run_release(&run);
        return cli_db_fail("scan", qrc, &err);
    }
    print_run(out, &run, o->format);
    int wrc = CT_OK;
    if (of && (wrc = ct_out_file_commit(of, &err)) != CT_OK)
        cli_error_ct("scan", "-o: ", wrc, &err);
    fprintf(stderr,
            "chaintrail: scan: run %llu (%s): %llu of %zu customer rows screened (direct), %llu "
            "(indirect); %llu new, %llu updated, %llu unchanged, %llu absent\n",
            (unsigned long long)run.run, ct_scan_why_name(why), (unsigned long long)run.screened,
            cs->count, (unsigned long long)run.screened_indirect, (unsigned long long)run.n_new,
            (unsigned long long)run.n_updated, (unsigned long long)run.n_unchanged,
            (unsigned long long)run.n_absent);
    bool fail = fails(&run, o->fail_on);
    ct_scan_run_release(&run);
    /* The alerts and their outbox rows are stored: deliver even when -o failed. */
    int drc = wh->url ? cli_webhook_run(wh, db, &ob) : CT_EXIT_OK;
    ct_db_close(db);
    if (wrc != CT_OK)
        return cli_exit_code(wrc);
    if (drc != CT_EXIT_OK && drc != CT_EXIT_UNDELIVERED)
        return drc;
    /* 10 wins over 11: this run is the only one that reports its new alerts, while the
     * undelivered ones stay in the outbox and every later run or --deliver-only exits 11
     * until they are delivered. */
    if (fail)
        return CT_EXIT_ALERTS;
    if (drc)
        return drc;
    return cs->skipped ? CT_EXIT_DATA : CT_EXIT_OK;
}

int cmd_scan(int argc, char **argv, const cli_global *g)
{
    const char *customers = NULL, *policy = NULL, *format = NULL, *fail_on = NULL;
    bool print_policy = false, check = false;
    scan_opts so = {.format = 0, .fail_on = CT_SCAN_HIGH};
    cli_webhook wh = CLI_WEBHOOK_INIT;
    int first, rc;
    const cli_opt opts[] = {{"customers", CLI_STRING, &customers},
                            {"policy", CLI_STRING, &policy},
                            {"print-policy", CLI_FLAG, &print_policy},
                            {"check", CLI_FLAG, &check},
                            {"format", CLI_STRING, &format},
                            {"output", CLI_STRING, &so.out},
                            {"force", CLI_FLAG, &so.force},
                            {"fail-on", CLI_STRING, &fail_on},
                            {"full", CLI_FLAG, &so.full},
                            CLI_WEBHOOK_OPTS(&wh),
                            {"no-clusters", CLI_FLAG, &so.no_clusters},
                            {NULL, CLI_FLAG, NULL}};
    /* -o is --output, as for export */
    static char long_output[] = "--output";
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-o") == 0)
            argv[i] = long_output;
    if ((rc = cli_parse(cli_find("scan"), opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if (argv[first]) {
        cli_error("scan", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    if (wh.outbox || wh.deliver_only)
        return cli_webhook_only(g, &wh,
                                customers || policy || check || print_policy || format || so.out ||
                                    so.force || fail_on || so.full);
    if (format && (rc = cli_name("scan", "format", "format", format, format_names, 3, &so.format)))
        return rc;
    size_t fo;
    if (fail_on) {
        if ((rc = cli_name("scan", "fail-on", "severity", fail_on, fail_names, 5, &fo)))
            return rc;
        so.fail_on = (ct_scan_severity)fo;
    }
    bool run_opts = format || so.out || so.force || fail_on || so.full;
    if (so.force && !so.out) {
        cli_error("scan", "--force replaces the file of -o: give -o PATH");
        return CT_EXIT_USAGE;
    }
    if (print_policy) {
        if (customers || policy || check || run_opts || cli_webhook_given(&wh)) {
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
    if (check && run_opts) {
        cli_error("scan", "--check takes none of --format, -o, --force, --fail-on, --full");
        ct_scan_customers_release(&cs);
        return CT_EXIT_USAGE;
    }
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
        out_rc = screen(g, &cs, &pol, &so, &wh);
    cli_webhook_end(&wh);
    ct_scan_customers_release(&cs);
    return out_rc;
}
