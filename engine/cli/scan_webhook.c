/* `scan --webhook`: the alerts of a scan queued into the outbox and delivered, `scan
 * --deliver-only` and `scan --outbox` (docs/scan.md "Webhook"). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

bool cli_webhook_given(const cli_webhook *w)
{
    const cli_webhook d = CLI_WEBHOOK_INIT;
    return w->url || w->secret_path || w->deliver_only || w->attempts != d.attempts ||
           w->backoff_ms != d.backoff_ms || w->connect_timeout_ms != d.connect_timeout_ms ||
           w->timeout_ms != d.timeout_ms || w->deadline_ms != d.deadline_ms;
}

int cli_webhook_start(cli_webhook *w)
{
    if (w->outbox) {
        if (cli_webhook_given(w)) {
            cli_error("scan", "--outbox takes no other option");
            return CT_EXIT_USAGE;
        }
        return CT_EXIT_OK;
    }
    if (!cli_webhook_given(w))
        return CT_EXIT_OK;
    if (!w->url || !w->secret_path) {
        cli_error("scan", "%s",
                  !w->url ? "the webhook options need --webhook URL"
                          : "--webhook needs --webhook-secret FILE");
        return CT_EXIT_USAGE;
    }
    if ((strncmp(w->url, "http://", 7) != 0 && strncmp(w->url, "https://", 8) != 0) ||
        strlen(w->url) > 2048 || strpbrk(w->url, " \t\r\n")) {
        fputs("chaintrail: scan: option '--webhook': '", stderr);
        cli_print_text(stderr, w->url);
        fputs("' is not an http:// or https:// URL\n", stderr);
        return CT_EXIT_USAGE;
    }
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_webhook_secret_read(&w->secret, &w->secret_len, w->secret_path, &err);
    if (rc) {
        cli_error_ct("scan", "option '--webhook-secret': ", rc, &err);
        return cli_exit_code(rc);
    }
    return CT_EXIT_OK;
}

void cli_webhook_end(cli_webhook *w)
{
    if (w->secret) {
        memset(w->secret, 0, w->secret_len);
        free(w->secret);
    }
    w->secret = NULL;
    w->secret_len = 0;
}

/* An alert's body: its JSON line as `scan` prints it (cli_alert_json), without the newline. */
static int alert_body(void *ctx, const ct_scan_alert *a, char **body, size_t *len)
{
    (void)ctx;
    *body = NULL;
    *len = 0;
    FILE *m = open_memstream(body, len);
    if (!m)
        return CT_ENOMEM;
    cli_alert_json(m, a);
    if (fclose(m) != 0) {
        free(*body);
        *body = NULL;
        return CT_ENOMEM;
    }
    return CT_OK;
}

ct_scan_outbox cli_webhook_outbox(void)
{
    return (ct_scan_outbox){alert_body, NULL, 0, 0};
}

/* The URL without the user and password it may carry (https://user:pass@host/: "***@"),
 * so that a log of the scan holds no credential. */
static void print_url(FILE *f, const char *url)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t auth_end = strcspn(host, "/?#");
    const char *at = memchr(host, '@', auth_end);
    if (!at) {
        cli_print_text(f, url);
        return;
    }
    char *copy = strdup(url);
    if (!copy)
        return;
    size_t scheme = (size_t)(host - url);
    snprintf(copy + scheme, strlen(url) + 1 - scheme, "***%s", at);
    cli_print_text(f, copy);
    free(copy);
}

int cli_webhook_run(const cli_webhook *w, ct_db *db, const ct_scan_outbox *st)
{
    ct_error err;
    ct_error_clear(&err);
    ct_outbox_queue_stats qs = {st ? st->queued : 0, st ? st->unchanged : 0};
    ct_webhook_options o = CT_WEBHOOK_OPTIONS_INIT;
    o.url = w->url;
    o.secret = w->secret;
    o.secret_len = w->secret_len;
    o.attempts = (uint32_t)w->attempts;
    o.backoff_ms = (uint32_t)w->backoff_ms;
    o.connect_timeout_ms = (uint32_t)w->connect_timeout_ms;
    o.timeout_ms = (uint32_t)w->timeout_ms;
    o.deadline_ms = (uint32_t)w->deadline_ms;
    ct_deliver_stats ds;
    int rc = ct_outbox_deliver(db, &ds, &o, &err);
    if (rc)
        return cli_db_fail("scan", rc, &err);
    uint64_t left = ds.pending - ds.delivered;
    fprintf(stderr,
            "chaintrail: scan: webhook: %llu queued (%llu already delivered), %llu of %llu "
            "pending delivered in %llu requests, %llu left in the outbox\n",
            (unsigned long long)qs.queued, (unsigned long long)qs.unchanged,
            (unsigned long long)ds.delivered, (unsigned long long)ds.pending,
            (unsigned long long)ds.requests, (unsigned long long)left);
    if (ds.failed) {
        fputs("chaintrail: scan: webhook: ", stderr);
        print_url(stderr, w->url);
        fputs(": ", stderr);
        cli_print_text(stderr, ds.last_error);
        fputs("\n", stderr);
    }
    return left ? CT_EXIT_UNDELIVERED : CT_EXIT_OK;
}

static void print_opt_time(FILE *f, uint64_t t)
{
    if (!t) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    cli_print_time(f, (uint32_t)t);
    fputc('"', f);
}

static int print_row(void *ctx, const ct_outbox_row *r, const char *body)
{
    (void)ctx;
    (void)body;
    static const uint8_t zero[32];
    printf("{\"alert_id\":\"%s\",\"state\":\"%s\",\"attempts\":%u,\"queued\":", r->alert_id,
           r->state == CT_OUTBOX_PENDING ? "pending" : "delivered", r->attempts);
    print_opt_time(stdout, r->queued);
    fputs(",\"last_attempt\":", stdout);
    print_opt_time(stdout, r->last_attempt);
    fputs(",\"delivered\":", stdout);
    print_opt_time(stdout, r->delivered);
    fputs(",\"delivered_sha256\":", stdout);
    if (memcmp(r->delivered_digest, zero, 32) == 0) {
        fputs("null", stdout);
    } else {
        fputc('"', stdout);
        cli_print_hex(stdout, r->delivered_digest, 32);
        fputc('"', stdout);
    }
    fputs(",\"last_error\":", stdout);
    cli_json_string_or_null(stdout, r->last_error);
    printf(",\"body_bytes\":%zu}\n", r->body_len);
    return 0;
}

int cli_webhook_print_outbox(ct_db *db)
{
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_outbox_each(db, print_row, NULL, &err);
    if (rc)
        return cli_db_fail("scan", rc, &err);
    return CT_EXIT_OK;
}

/* `scan --outbox` and `scan --deliver-only`: the outbox alone, no scan. */
int cli_webhook_only(const cli_global *g, cli_webhook *wh, bool scan_options)
{
    if (scan_options) {
        cli_error("scan",
                  "%s takes no scan option (--customers, --policy, --check, --print-policy,"
                  " --format, -o, --force, --fail-on, --full)",
                  wh->outbox ? "--outbox" : "--deliver-only");
        return CT_EXIT_USAGE;
    }
    int rc = cli_webhook_start(wh);
    if (rc)
        return rc;
    ct_db *db;
    if ((rc = cli_open_db("scan", g, &db)) == CT_EXIT_OK) {
        rc = wh->outbox ? cli_webhook_print_outbox(db) : cli_webhook_run(wh, db, NULL);
        ct_db_close(db);
    }
    cli_webhook_end(wh);
    return rc;
}
