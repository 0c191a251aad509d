/* `chaintrail alerts list|show|set|runs`: the analysts' side of the alerts `scan` stores
 * (docs/alerts.md). A decision changes the state and appends to the history; nothing ever
 * rewrites or removes a history entry. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const state_names[CT_ALERT_STATES] = {"open", "in_review", "escalated",
                                                         "dismissed", "resolved"};
static const char *const severity_names[] = {"LOW", "MEDIUM", "HIGH", "SEVERE"};
static const char *const list_formats[] = {"text", "json", "csv"};

static int alerts_list(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *format = NULL, *state = NULL, *severity = NULL, *customer = NULL;
    const cli_opt opts[] = {{"format", CLI_STRING, &format},
                            {"state", CLI_STRING, &state},
                            {"severity", CLI_STRING, &severity},
                            {"customer", CLI_STRING, &customer},
                            {NULL, CLI_FLAG, NULL}};
    int first, rc;
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    size_t fmt = 0, st = 0, sev = 0;
    if ((format && (rc = cli_name("alerts", "format", "format", format, list_formats, 3, &fmt))) ||
        (state &&
         (rc = cli_name("alerts", "state", "state", state, state_names, CT_ALERT_STATES, &st))) ||
        (severity &&
         (rc = cli_name("alerts", "severity", "severity", severity, severity_names, 4, &sev))))
        return rc;
    if (argv[first]) {
        cli_error("alerts", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("alerts", g, &db)))
        return rc;
    ct_scan_alert *list;
    size_t n;
    ct_error err;
    ct_error_clear(&err);
    int qrc = ct_scan_alerts_list(db, &list, &n, &err);
    ct_db_close(db);
    if (qrc)
        return cli_db_fail("alerts", qrc, &err);
    if (fmt == 2)
        cli_alert_csv_header(stdout);
    for (size_t i = 0; i < n; i++) {
        const ct_scan_alert *a = &list[i];
        if ((state && a->state != (ct_alert_state)st) ||
            (severity && a->severity != (ct_scan_severity)(sev + 1)) ||
            (customer && strcmp(a->customer_id, customer) != 0))
            continue;
        if (fmt == 0) {
            cli_alert_text(stdout, a);
        } else if (fmt == 1) {
            cli_alert_json(stdout, a);
            fputc('\n', stdout);
        } else {
            cli_alert_csv(stdout, a);
        }
    }
    ct_scan_alerts_free(list, n);
    return CT_EXIT_OK;
}

/* The one ID argument of show and set. */
static int one_id(char **argv, int first, const char **id)
{
    if (!argv[first]) {
        cli_error("alerts", "no alert ID given; usage: chaintrail alerts %s ID", argv[0]);
        return CT_EXIT_USAGE;
    }
    if (argv[first + 1]) {
        cli_error("alerts", "unexpected argument '%s'", argv[first + 1]);
        return CT_EXIT_USAGE;
    }
    *id = argv[first];
    return CT_EXIT_OK;
}

static int alerts_show(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *format = NULL, *id;
    const cli_opt opts[] = {{"format", CLI_STRING, &format}, {NULL, CLI_FLAG, NULL}};
    int first, rc;
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    size_t fmt = 0;
    if ((format && (rc = cli_name("alerts", "format", "format", format, list_formats, 2, &fmt))) ||
        (rc = one_id(argv, first, &id)))
        return rc;
    ct_db *db;
    if ((rc = cli_open_db("alerts", g, &db)))
        return rc;
    ct_scan_alert a;
    ct_scan_history_entry *h = NULL;
    size_t n = 0;
    ct_error err;
    ct_error_clear(&err);
    int qrc = ct_scan_alert_get(db, &a, id, &err);
    if (qrc == CT_OK && (qrc = ct_scan_alert_history(db, &h, &n, id, &err)) != CT_OK)
        ct_scan_alert_release(&a);
    ct_db_close(db);
    if (qrc)
        return cli_db_fail("alerts", qrc, &err);
    if (fmt == 1) {
        /* the alert's object with its history as a last member */
        cli_alert_json_open(stdout, &a);
        fputs(",\"history\":", stdout);
        cli_alert_history_json(stdout, h, n);
        fputs("}\n", stdout);
    } else {
        cli_alert_text(stdout, &a);
        fputs("history:\n", stdout);
        cli_alert_history_text(stdout, h, n);
    }
    ct_scan_history_release(h, n);
    ct_scan_alert_release(&a);
    return CT_EXIT_OK;
}

static int alerts_set(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *state = NULL, *note = NULL, *by = NULL, *id;
    const cli_opt opts[] = {{"state", CLI_STRING, &state},
                            {"note", CLI_STRING, &note},
                            {"by", CLI_STRING, &by},
                            {NULL, CLI_FLAG, NULL}};
    int first, rc;
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    size_t st = 0;
    if ((state &&
         (rc = cli_name("alerts", "state", "state", state, state_names, CT_ALERT_STATES, &st))) ||
        (rc = one_id(argv, first, &id)))
        return rc;
    if (!by) {
        cli_error("alerts", "--by NAME is required: who decided");
        return CT_EXIT_USAGE;
    }
    if (!state && !note) {
        cli_error("alerts", "give --state, --note or both");
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("alerts", g, &db)))
        return rc;
    ct_error err;
    ct_error_clear(&err);
    ct_scan_alert a;
    int qrc = ct_scan_alert_get(db, &a, id, &err);
    ct_alert_state old = a.state;
    if (qrc == CT_OK)
        qrc = ct_scan_alert_set(db, a.alert_id, state ? (int)st : -1, note, by, cli_now_seconds(),
                                &err);
    ct_db_close(db);
    if (qrc) {
        ct_scan_alert_release(&a);
        return cli_db_fail("alerts", qrc, &err);
    }
    fprintf(stderr, "chaintrail: alerts: %s: %s -> %s by ", a.alert_id, ct_alert_state_name(old),
            state ? state_names[st] : ct_alert_state_name(old));
    cli_print_text(stderr, by);
    fputc('\n', stderr);
    ct_scan_alert_release(&a);
    return CT_EXIT_OK;
}

/* One run record: "run N TIME: S of R customer rows screened (direct), I (indirect); ..." as
 * scan's summary line; I and R are "-" in a record written before they were counted. */
static void run_text(FILE *f, const ct_scan_run_record *r)
{
    fprintf(f, "run %llu ", (unsigned long long)r->run);
    cli_print_time(f, r->time > UINT32_MAX ? UINT32_MAX : (uint32_t)r->time);
    fprintf(f, ": %llu", (unsigned long long)r->screened);
    if (r->has_indirect)
        fprintf(f, " of %llu customer rows screened (direct), %llu (indirect)",
                (unsigned long long)r->rows, (unsigned long long)r->screened_indirect);
    else
        fputs(" of - customer rows screened (direct), - (indirect)", f);
    fprintf(f, "; %llu new, %llu updated, %llu unchanged, %llu absent\n",
            (unsigned long long)r->n_new, (unsigned long long)r->n_updated,
            (unsigned long long)r->n_unchanged, (unsigned long long)r->n_absent);
}

static void run_json(FILE *f, const ct_scan_run_record *r)
{
    fprintf(f, "{\"run\":%llu,\"time\":\"", (unsigned long long)r->run);
    cli_print_time(f, r->time > UINT32_MAX ? UINT32_MAX : (uint32_t)r->time);
    fprintf(f, "\",\"rows\":");
    if (r->has_indirect)
        fprintf(f, "%llu", (unsigned long long)r->rows);
    else
        fputs("null", f);
    fprintf(f, ",\"screened_direct\":%llu,\"screened_indirect\":", (unsigned long long)r->screened);
    if (r->has_indirect)
        fprintf(f, "%llu", (unsigned long long)r->screened_indirect);
    else
        fputs("null", f);
    fprintf(f, ",\"new\":%llu,\"updated\":%llu,\"unchanged\":%llu,\"absent\":%llu}\n",
            (unsigned long long)r->n_new, (unsigned long long)r->n_updated,
            (unsigned long long)r->n_unchanged, (unsigned long long)r->n_absent);
}

static int alerts_runs(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *format = NULL;
    const cli_opt opts[] = {{"format", CLI_STRING, &format}, {NULL, CLI_FLAG, NULL}};
    int first, rc;
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    size_t fmt = 0;
    if (format && (rc = cli_name("alerts", "format", "format", format, list_formats, 2, &fmt)))
        return rc;
    if (argv[first]) {
        cli_error("alerts", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("alerts", g, &db)))
        return rc;
    ct_scan_run_record *list;
    size_t n;
    ct_error err;
    ct_error_clear(&err);
    int qrc = ct_scan_runs_list(db, &list, &n, &err);
    ct_db_close(db);
    if (qrc)
        return cli_db_fail("alerts", qrc, &err);
    for (size_t i = 0; i < n; i++)
        (fmt == 1 ? run_json : run_text)(stdout, &list[i]);
    free(list);
    return CT_EXIT_OK;
}

int cmd_alerts(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("alerts");
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(self->usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
    }
    if (strcmp(argv[1], "list") == 0)
        return alerts_list(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "show") == 0)
        return alerts_show(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "set") == 0)
        return alerts_set(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "runs") == 0)
        return alerts_runs(argc - 1, argv + 1, g, self);
    cli_error("alerts", "unknown subcommand '%s' (list, show, set, runs)", argv[1]);
    return CT_EXIT_USAGE;
}
