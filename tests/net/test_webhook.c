/* Webhook delivery (engine/deliver, docs/scan.md "Webhook") against
 * tests/tools/webhook_server.py, which ctest starts around this program
 * (CT_TEST_WEBHOOK_URL): a local receiver on 127.0.0.1 that fails (500), stalls past the
 * client's timeout, and recovers, chosen by the URL's path, and that records every request
 * and checks it with the receiver's example of docs/scan.md. A closed port gives the
 * refused connection. Timeouts and backoffs are short so that the suite stays fast. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chaintrail/chaintrail.h"
#include "base/hash.h"
#include "base/util.h"
#include "testutil.h"

#define SECRET "test-webhook-secret" /* the server's --secret (tests/CMakeLists.txt) */

static const char *base_url(void)
{
    const char *base = getenv("CT_TEST_WEBHOOK_URL");
    cr_assert(base, "CT_TEST_WEBHOOK_URL is not set: run this test through ctest");
    return base;
}

static char *url_of(const char *path)
{
    char *u = malloc(512);
    snprintf(u, 512, "%s/%s", base_url(), path);
    return u;
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
    cr_assert_eq(ct_buf_append(arg, p, size * n), CT_OK);
    return size * n;
}

/* The requests the server received on /path, as a JSON array. */
static json_t *server_log(const char *path)
{
    char u[600];
    snprintf(u, sizeof(u), "%s/_log/%s", base_url(), path);
    ct_buf b;
    ct_buf_init(&b, 64u << 20);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    json_error_t je;
    json_t *j = json_loadb((const char *)b.data, b.len, 0, &je);
    cr_assert_not_null(j, "%s", je.text);
    cr_assert(json_is_array(j));
    ct_buf_release(&b);
    return j;
}

static const char *header(json_t *req, const char *name)
{
    json_t *v = json_object_get(json_object_get(req, "headers"), name);
    cr_assert(json_is_string(v), "no header %s", name);
    return json_string_value(v);
}

/* Checks one received request: exact body, the headers, and the signature computed with
 * OpenSSL's HMAC (not chaintrail's) over "TIMESTAMP.BODY", and the documented Python check
 * of the server said yes. Returns the timestamp. */
static long check_request(json_t *req, const char *id, const char *body)
{
    cr_assert_str_eq(json_string_value(json_object_get(req, "body")), body);
    cr_assert_eq(json_object_get(req, "verified"), json_true(), "the documented check failed");
    cr_assert_str_eq(header(req, "content-type"), "application/json");
    cr_assert_str_eq(header(req, "x-chaintrail-alert-id"), id);
    const char *ts = header(req, "x-chaintrail-timestamp");
    long t = strtol(ts, NULL, 10);
    char msg[4096];
    int n = snprintf(msg, sizeof(msg), "%s.%s", ts, body);
    unsigned char mac[32];
    unsigned ml = 0;
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (unsigned char *)msg, (size_t)n, mac, &ml);
    char want[80] = "sha256=";
    ct_hex_encode(want + 7, mac, 32);
    want[71] = '\0';
    cr_assert_str_eq(header(req, "x-chaintrail-signature"), want);
    return t;
}

static ct_webhook_options opts_at(const char *url, uint32_t attempts)
{
    ct_webhook_options o = CT_WEBHOOK_OPTIONS_INIT;
    o.url = url;
    o.secret = (const uint8_t *)SECRET;
    o.secret_len = strlen(SECRET);
    o.attempts = attempts;
    o.backoff_ms = 10;
    o.connect_timeout_ms = 1000;
    o.timeout_ms = 300;
    o.deadline_ms = 10000;
    return o;
}

#define ID_A   "0123456789abcdef0123456789abcdef"
#define ID_B   "fedcba9876543210fedcba9876543210"
#define BODY_A "{\"alert_id\":\"" ID_A "\",\"n\":1}"
#define BODY_B "{\"alert_id\":\"" ID_B "\",\"n\":2}"

static ct_db *queued_db(char **path)
{
    *path = tu_fresh_db();
    ct_db *db = tu_db_open(*path, true);
    ct_outbox_item it[2] = {{ID_B, BODY_B, strlen(BODY_B)}, {ID_A, BODY_A, strlen(BODY_A)}};
    ct_outbox_queue_stats st;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_outbox_queue(db, &st, it, 2, (uint64_t)time(NULL), &err), CT_OK, "%s",
                 err.detail);
    cr_assert_eq(st.queued, 2);
    return db;
}

static ct_deliver_stats deliver(ct_db *db, const ct_webhook_options *o)
{
    ct_deliver_stats st;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_outbox_deliver(db, &st, o, &err), CT_OK, "%s", err.detail);
    return st;
}

typedef struct one_row {
    const char *id;
    ct_outbox_row row;
    bool found;
} one_row;

static int find_row(void *ctx, const ct_outbox_row *row, const char *body)
{
    (void)body;
    one_row *x = ctx;
    if (strcmp(row->alert_id, x->id) == 0) {
        x->row = *row;
        x->found = true;
    }
    return 0;
}

static ct_outbox_row row_of(ct_db *db, const char *id)
{
    one_row x;
    memset(&x, 0, sizeof(x));
    x.id = id;
    cr_assert_eq(ct_outbox_each(db, find_row, &x, NULL), CT_OK);
    cr_assert(x.found, "no outbox row %s", id);
    return x.row;
}

/* Two alerts, one POST each in alert id order, signed; delivered rows keep the digest of the
 * body; a second delivery sends nothing; the same bodies queued again are skipped; a
 * changed body is sent once. */
Test(webhook, delivers_each_alert_once_signed)
{
    char *path, *url = url_of("ok-once/");
    ct_db *db = queued_db(&path);
    long before = (long)time(NULL);
    ct_webhook_options o = opts_at(url, 3);
    ct_deliver_stats st = deliver(db, &o);
    cr_assert_eq(st.pending, 2);
    cr_assert_eq(st.delivered, 2);
    cr_assert_eq(st.failed + st.untried, 0);
    cr_assert_eq(st.requests, 2);
    json_t *log = server_log("ok-once/");
    cr_assert_eq(json_array_size(log), 2);
    long t = check_request(json_array_get(log, 0), ID_A, BODY_A);
    cr_assert(t >= before && t <= (long)time(NULL));
    check_request(json_array_get(log, 1), ID_B, BODY_B);
    json_decref(log);
    ct_outbox_row r = row_of(db, ID_A);
    cr_assert_eq(r.state, CT_OUTBOX_DELIVERED);
    cr_assert_eq(r.attempts, 0);
    cr_assert_eq(r.body_len, 0);
    cr_assert_str_eq(r.last_error, "");
    uint8_t d[32];
    ct_sha256(d, BODY_A, strlen(BODY_A));
    cr_assert_eq(memcmp(r.delivered_digest, d, 32), 0);

    st = deliver(db, &o); /* nothing pending */
    cr_assert_eq(st.pending, 0);
    cr_assert_eq(st.requests, 0);
    ct_outbox_item again[2] = {{ID_A, BODY_A, strlen(BODY_A)}, {ID_B, "{\"n\":3}", 7}};
    ct_outbox_queue_stats qs;
    cr_assert_eq(ct_outbox_queue(db, &qs, again, 2, (uint64_t)time(NULL), NULL), CT_OK);
    cr_assert_eq(qs.queued, 1);
    cr_assert_eq(qs.unchanged, 1);
    st = deliver(db, &o);
    cr_assert_eq(st.delivered, 1);
    cr_assert_eq(st.requests, 1);
    log = server_log("ok-once/");
    cr_assert_eq(json_array_size(log), 3);
    check_request(json_array_get(log, 2), ID_B, "{\"n\":3}");
    json_decref(log);
    ct_db_close(db);
    tu_fresh_db_done(path);
    free(url);
}

/* Two 500s, then the receiver recovers: the third POST delivers, within one delivery. */
Test(webhook, retries_500_until_the_receiver_recovers)
{
    char *path, *url = url_of("e500x2-rec/");
    ct_db *db = queued_db(&path);
    ct_webhook_options o = opts_at(url, 4);
    ct_deliver_stats st = deliver(db, &o);
    cr_assert_eq(st.delivered, 2);
    cr_assert_eq(st.requests, 4); /* 3 for the first alert, 1 for the second */
    json_t *log = server_log("e500x2-rec/");
    cr_assert_eq(json_array_size(log), 4);
    const long want_status[] = {500, 500, 200, 200};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(json_integer_value(json_object_get(json_array_get(log, i), "status")),
                     want_status[i]);
        check_request(json_array_get(log, i), i < 3 ? ID_A : ID_B, i < 3 ? BODY_A : BODY_B);
    }
    json_decref(log);
    cr_assert_eq(row_of(db, ID_A).state, CT_OUTBOX_DELIVERED);
    ct_db_close(db);
    tu_fresh_db_done(path);
    free(url);
}

/* A receiver that always fails: the first alert is tried `attempts` times, stays pending with its
 * attempts and error, and the delivery stops (the second is not tried). The next delivery, once the
 * receiver is back, sends each exactly once; a third sends nothing. */
Test(webhook, undelivered_alerts_stay_and_go_next_time_once)
{
    char *path, *down = url_of("e500always-next/"), *up = url_of("ok-next/");
    ct_db *db = queued_db(&path);
    ct_webhook_options o = opts_at(down, 3);
    ct_deliver_stats st = deliver(db, &o);
    cr_assert_eq(st.pending, 2);
    cr_assert_eq(st.delivered, 0);
    cr_assert_eq(st.failed, 1);
    cr_assert_eq(st.untried, 1);
    cr_assert_eq(st.requests, 3);
    cr_assert_str_eq(st.last_error, "HTTP 500");
    json_t *log = server_log("e500always-next/");
    cr_assert_eq(json_array_size(log), 3);
    for (size_t i = 0; i < 3; i++)
        check_request(json_array_get(log, i), ID_A, BODY_A);
    json_decref(log);
    ct_outbox_row a = row_of(db, ID_A), b = row_of(db, ID_B);
    cr_assert_eq(a.state, CT_OUTBOX_PENDING);
    cr_assert_eq(a.attempts, 3);
    cr_assert_str_eq(a.last_error, "HTTP 500");
    cr_assert_neq(a.last_attempt, 0);
    cr_assert_eq(a.body_len, strlen(BODY_A));
    cr_assert_eq(b.state, CT_OUTBOX_PENDING);
    cr_assert_eq(b.attempts, 0);
    cr_assert_eq(b.last_attempt, 0);
    /* a second failing delivery adds to the attempts */
    o.attempts = 1;
    st = deliver(db, &o);
    cr_assert_eq(row_of(db, ID_A).attempts, 4);

    o = opts_at(up, 3);
    st = deliver(db, &o);
    cr_assert_eq(st.pending, 2);
    cr_assert_eq(st.delivered, 2);
    cr_assert_eq(st.requests, 2);
    st = deliver(db, &o);
    cr_assert_eq(st.requests, 0);
    log = server_log("ok-next/");
    cr_assert_eq(json_array_size(log), 2);
    check_request(json_array_get(log, 0), ID_A, BODY_A);
    check_request(json_array_get(log, 1), ID_B, BODY_B);
    json_decref(log);
    a = row_of(db, ID_A);
    cr_assert_eq(a.state, CT_OUTBOX_DELIVERED);
    cr_assert_eq(a.attempts, 0);
    cr_assert_str_eq(a.last_error, "");
    ct_db_close(db);
    tu_fresh_db_done(path);
    free(down);
    free(up);
}

/* A receiver that answers and refuses (400) is not down: each alert is tried its attempts
 * and left pending, and the delivery goes on to the next one. */
Test(webhook, a_refused_alert_does_not_hold_back_the_others)
{
    char *path, *url = url_of("e400always-r/");
    ct_db *db = queued_db(&path);
    ct_webhook_options o = opts_at(url, 2);
    ct_deliver_stats st = deliver(db, &o);
    cr_assert_eq(st.failed, 2);
    cr_assert_eq(st.untried, 0);
    cr_assert_eq(st.requests, 4);
    cr_assert_str_eq(st.last_error, "HTTP 400");
    json_t *log = server_log("e400always-r/");
    cr_assert_eq(json_array_size(log), 4);
    check_request(json_array_get(log, 2), ID_B, BODY_B);
    json_decref(log);
    cr_assert_eq(row_of(db, ID_A).attempts, 2);
    cr_assert_eq(row_of(db, ID_B).attempts, 2);
    cr_assert_str_eq(row_of(db, ID_B).last_error, "HTTP 400");
    ct_db_close(db);
    tu_fresh_db_done(path);
    free(url);
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A receiver that stalls (3 s) past the 300 ms timeout: the POST is given up at the
 * timeout, not waited for (the bounds leave room for a loaded machine, and stay below
 * what waiting for the stall would take), and the retry delivers. */
Test(webhook, a_stalled_receiver_times_out)
{
    char *path, *url = url_of("stallx1-st/");
    ct_db *db = queued_db(&path);
    ct_webhook_options o = opts_at(url, 2);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ct_deliver_stats st = deliver(db, &o);
    long ms = elapsed_ms(&t0);
    cr_assert_eq(st.delivered, 2);
    cr_assert_eq(st.requests, 3);
    cr_assert(ms >= 300 && ms < 2500, "%ld ms", ms);
    json_t *log = server_log("stallx1-st/");
    cr_assert_eq(json_array_size(log), 3);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(log, 0), "status")), 0);
    check_request(json_array_get(log, 0), ID_A, BODY_A);
    check_request(json_array_get(log, 1), ID_A, BODY_A);
    json_decref(log);
    /* stalled on every attempt: the row says it timed out */
    ct_db_close(db);
    tu_fresh_db_done(path);
    free(url);
    url = url_of("stallx9-st2/");
    db = queued_db(&path);
    o = opts_at(url, 2);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    st = deliver(db, &o);
    ms = elapsed_ms(&t0);
    cr_assert_eq(st.failed, 1);
    cr_assert_eq(st.requests, 2);
    cr_assert(ms >= 600 && ms < 2800, "%ld ms", ms);
    ct_outbox_row a = row_of(db, ID_A);
    cr_assert_eq(a.attempts, 2);
    cr_assert(strstr(a.last_error, "Operation timed out after"), "%s", a.last_error);
    ct_db_close(db);
    tu_fresh_db_done(path);
    free(url);
}

/* A free port on 127.0.0.1, closed again: connecting to it is refused. */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t l = sizeof(a);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &l), 0);
    close(s);
    return ntohs(a.sin_port);
}

/* Connection refused: retried with the backoff doubling (40 + 80 + 160 ms), then left
 * pending with the connection error. */
Test(webhook, refused_connection_is_retried_with_backoff)
{
    char *path, url[64];
    int port = closed_port();
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    ct_db *db = queued_db(&path);
    ct_webhook_options o = opts_at(url, 4);
    o.backoff_ms = 40;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ct_deliver_stats st = deliver(db, &o);
    long ms = elapsed_ms(&t0);
    cr_assert_eq(st.requests, 4);
    cr_assert_eq(st.failed, 1);
    cr_assert_eq(st.untried, 1);
    cr_assert(ms >= 280 && ms < 2500, "%ld ms", ms);
    ct_outbox_row a = row_of(db, ID_A);
    cr_assert_eq(a.attempts, 4);
    char want[64];
    snprintf(want, sizeof(want), "Failed to connect to 127.0.0.1 port %d", port);
    cr_assert(strncmp(a.last_error, want, strlen(want)) == 0, "%s", a.last_error);
    ct_db_close(db);
    tu_fresh_db_done(path);
}

/* The deadline bounds the whole delivery: a backoff that would pass it ends the delivery
 * after the first POST. */
Test(webhook, deadline_bounds_the_delivery)
{
    char *path, *url = url_of("e500always-dl/");
    ct_db *db = queued_db(&path);
    ct_webhook_options o = opts_at(url, 5);
    o.backoff_ms = 300;
    o.deadline_ms = 200;
    ct_deliver_stats st = deliver(db, &o);
    cr_assert_eq(st.requests, 1);
    cr_assert_eq(st.failed, 1);
    cr_assert_eq(st.untried, 1);
    cr_assert_str_eq(st.last_error, "HTTP 500 (deadline reached)");
    cr_assert_eq(row_of(db, ID_A).attempts, 1);
    ct_db_close(db);
    tu_fresh_db_done(path);
    free(url);
}

/* ---- the command ---- */
#define SATOSHI "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
#define HAL     "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"
#define HAL_ID  "5c9b4c7c330361938681405e25d975cb" /* docs/scan.md "Findings" */

static char *write_in(const char *dir, const char *name, const char *text, mode_t mode)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    cr_assert_eq(tu_write_file(p, text, strlen(text)), 0);
    cr_assert_eq(chmod(p, mode), 0);
    return p;
}

/* The first 4,313 mainnet blocks with Satoshi's 12cbQ labelled sanctioned: Hal's address has
 * one SEVERE finding (docs/scan.md). */
static char *hal_db(char **cust, char **secret)
{
    char *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(dir, false);
    char *csv =
        write_in(dir, "labels.csv",
                 "address,label,category,source\n" SATOSHI ",Test SDN,sanctioned,ofac\n", 0600);
    ct_labels_import_options lo = CT_LABELS_IMPORT_OPTIONS_INIT;
    ct_labels_import_stats st;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_labels_import(db, &st, csv, &lo, &err), CT_OK, "%s", err.detail);
    ct_db_close(db);
    free(csv);
    *cust = write_in(dir, "c.csv", "customer_id,address\nhal," HAL "\n", 0600);
    *secret = write_in(dir, "hook.secret", SECRET "\n", 0600);
    return dir;
}

static void run_env(tu_run *r, const char *dir, const char *env, const char *const *more)
{
    const char *args[32] = {"--db", dir, "scan"};
    size_t n = 3;
    for (; *more; more++)
        args[n++] = *more;
    args[n] = NULL;
    const char *envs[] = {env, NULL};
    tu_exec(r, args, env ? envs : NULL);
}

static void run(tu_run *r, const char *dir, const char *const *more)
{
    run_env(r, dir, NULL, more);
}

/* Another command on the database of dir; it must exit 0. */
static void run_cmd_ok(const char *dir, const char *const *more)
{
    const char *args[32] = {"--db", dir};
    size_t n = 2;
    for (; *more; more++)
        args[n++] = *more;
    args[n] = NULL;
    tu_run r;
    tu_exec(&r, args, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
}

/* The summary line of the alert store (docs/scan.md). */
#define SUMMARY(run, why, screened, nw, up, un, ab)                                                \
    "chaintrail: scan: run " run " (" why "): " screened                                           \
    " of 1 customer rows screened (direct), 1 (indirect); " nw " new, " up " updated, " un         \
    " unchanged, " ab " absent\n"
#define WEBHOOK(q, u, d, p, req, left)                                                             \
    "chaintrail: scan: webhook: " q " queued (" u " already delivered), " d " of " p               \
    " pending delivered in " req " requests, " left " left in the outbox\n"

/* The printed line of the only alert, without its newline (the body sent). */
static char *only_line(const tu_run *r)
{
    cr_assert_eq(tu_count_lines(r->out), 1, "%s", r->out);
    return strndup(r->out, r->out_len - 1);
}

/* `s` with its one `from` replaced by `to`. */
static char *replaced(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    cr_assert_not_null(at, "%s has no %s", s, from);
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *o = malloc(n);
    snprintf(o, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return o;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/* The scan POSTs the line it prints for a new alert (without the newline, ending with its
 * baseline and state), signed. A re-scan with the same findings sends nothing: the alert is
 * `unchanged`, and its line (now saying "unchanged") differs from the body delivered, so it
 * is the store's baseline, not the outbox's digest, that holds it back; the same with --full
 * and with -o/--format csv. */
Test(cli_webhook, scan_posts_the_printed_alert_once)
{
    char *cust, *secret, *dir = hal_db(&cust, &secret), *url = url_of("ok-cli/");
    tu_run r;
    run(&r, dir,
        (const char *[]){"--customers", cust, "--webhook", url, "--webhook-secret", secret, NULL});
    cr_assert_eq(r.status, 10, "%s", r.err); /* a new SEVERE alert, delivered */
    cr_assert_str_eq(r.err, SUMMARY("1", "first", "1", "1", "0", "0", "0")
                                WEBHOOK("1", "0", "1", "1", "1", "0"));
    char *body = only_line(&r);
    cr_assert(strncmp(body, "{\"alert_id\":\"" HAL_ID "\",", 45) == 0, "%s", body);
    cr_assert(ends_with(body, "],\"baseline\":\"new\",\"state\":\"open\"}"), "%s", body);
    json_t *log = server_log("ok-cli/");
    cr_assert_eq(json_array_size(log), 1);
    check_request(json_array_get(log, 0), HAL_ID, body);
    json_decref(log);
    tu_run_free(&r);

    run(&r, dir,
        (const char *[]){"--customers", cust, "--webhook", url, "--webhook-secret", secret, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, SUMMARY("2", "incremental", "0", "0", "0", "1", "0")
                                WEBHOOK("0", "0", "0", "0", "0", "0"));
    char *again = only_line(&r), *want = replaced(body, "\"new\"", "\"unchanged\"");
    cr_assert_str_eq(again, want);
    free(again);
    free(want);
    tu_run_free(&r);
    char out[600];
    snprintf(out, sizeof(out), "%s/alerts.csv", dir);
    run(&r, dir,
        (const char *[]){"--customers", cust, "--full", "--format", "csv", "-o", out, "--webhook",
                         url, "--webhook-secret", secret, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, SUMMARY("3", "full", "1", "0", "0", "1", "0")
                                WEBHOOK("0", "0", "0", "0", "0", "0"));
    tu_run_free(&r);
    log = server_log("ok-cli/");
    cr_assert_eq(json_array_size(log), 1);
    json_decref(log);
    free(body);
    free(cust);
    free(secret);
    free(url);
    tu_rmtree(dir);
    free(dir);
}

/* A receiver that fails: the new SEVERE alert gives 10 (it wins over 11: docs/exit-codes.md),
 * the alerts still printed, the alert pending in the outbox with its attempts and error; the
 * next scan (nothing new) and --deliver-only exit 11; --deliver-only sends it once the
 * receiver is back, and the next scan sends nothing. */
Test(cli_webhook, undelivered_exit_11_then_deliver_only)
{
    char *cust, *secret, *dir = hal_db(&cust, &secret);
    char *down = url_of("e500always-cli/"), *up = url_of("ok-cli2/");
    tu_run r;
    run(&r, dir,
        (const char *[]){"--customers", cust, "--webhook", down, "--webhook-secret", secret,
                         "--webhook-attempts", "2", "--webhook-backoff-ms", "0", NULL});
    cr_assert_eq(r.status, 10, "%s", r.err);
    char want[512];
    snprintf(want, sizeof(want),
             SUMMARY("1", "first", "1", "1", "0", "0", "0")
                 WEBHOOK("1", "0", "0", "1", "2", "1") "chaintrail: scan: webhook: %s: HTTP 500\n",
             down);
    cr_assert_str_eq(r.err, want);
    char *body = only_line(&r);
    size_t body_len = strlen(body);
    tu_run_free(&r);

    /* the next scan has nothing new: 11 */
    run(&r, dir,
        (const char *[]){"--customers", cust, "--webhook", down, "--webhook-secret", secret,
                         "--webhook-attempts", "1", NULL});
    cr_assert_eq(r.status, 11, "%s", r.err);
    snprintf(want, sizeof(want),
             SUMMARY("2", "incremental", "0", "0", "0", "1", "0")
                 WEBHOOK("0", "0", "0", "1", "1", "1") "chaintrail: scan: webhook: %s: HTTP 500\n",
             down);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);

    /* a user and password in the URL are not printed */
    const char *base = base_url() + strlen("http://");
    char cred[300], shown[300];
    snprintf(cred, sizeof(cred), "http://hook:pa55@%s/e500always-cred/", base);
    snprintf(shown, sizeof(shown), "http://***@%s/e500always-cred/", base);
    run(&r, dir,
        (const char *[]){"--deliver-only", "--webhook", cred, "--webhook-secret", secret,
                         "--webhook-attempts", "1", NULL});
    cr_assert_eq(r.status, 11, "%s", r.err);
    snprintf(want, sizeof(want),
             "chaintrail: scan: webhook: 0 queued (0 already delivered), 0 of 1 pending "
             "delivered in 1 requests, 1 left in the outbox\n"
             "chaintrail: scan: webhook: %s: HTTP 500\n",
             shown);
    cr_assert_str_eq(r.err, want);
    json_t *credlog = server_log("e500always-cred/");
    cr_assert_eq(json_array_size(credlog), 1);
    json_decref(credlog);
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"--outbox", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t je;
    json_t *row = json_loads(r.out, 0, &je);
    cr_assert_not_null(row, "%s", r.out);
    cr_assert_str_eq(json_string_value(json_object_get(row, "alert_id")), HAL_ID);
    cr_assert_str_eq(json_string_value(json_object_get(row, "state")), "pending");
    cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), 4); /* 2 + 1 + 1 */
    cr_assert_str_eq(json_string_value(json_object_get(row, "last_error")), "HTTP 500");
    cr_assert_eq(json_object_get(row, "delivered"), json_null());
    cr_assert_eq(json_object_get(row, "delivered_sha256"), json_null());
    cr_assert_eq(json_integer_value(json_object_get(row, "body_bytes")), (json_int_t)body_len);
    json_decref(row);
    tu_run_free(&r);

    run(&r, dir,
        (const char *[]){"--deliver-only", "--webhook", up, "--webhook-secret", secret, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: scan: webhook: 0 queued (0 already delivered), 1 of 1 "
                            "pending delivered in 1 requests, 0 left in the outbox\n");
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"--customers", cust, "--webhook", up, "--webhook-secret", secret, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    json_t *log = server_log("ok-cli2/");
    cr_assert_eq(json_array_size(log), 1);
    check_request(json_array_get(log, 0), HAL_ID, body);
    json_decref(log);

    run(&r, dir, (const char *[]){"--outbox", NULL});
    uint8_t d[32];
    char dh[65];
    ct_sha256(d, body, body_len);
    ct_hex_encode(dh, d, 32);
    dh[64] = '\0';
    row = json_loads(r.out, 0, &je);
    cr_assert_not_null(row, "%s", r.out);
    cr_assert_str_eq(json_string_value(json_object_get(row, "state")), "delivered");
    cr_assert_str_eq(json_string_value(json_object_get(row, "delivered_sha256")), dh);
    cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), 0);
    cr_assert_eq(json_object_get(row, "last_error"), json_null());
    json_decref(row);
    tu_run_free(&r);
    free(body);
    free(cust);
    free(secret);
    free(down);
    free(up);
    tu_rmtree(dir);
    free(dir);
}

/* Bad combinations and secrets are refused before anything is scanned or sent. */
Test(cli_webhook, refusals)
{
    char *dir = tu_tmpdir();
    char *cust = write_in(dir, "c.csv", "customer_id,address\nhal," HAL "\n", 0600);
    char *secret = write_in(dir, "s", SECRET, 0600);
    char *open_secret = write_in(dir, "o", SECRET, 0644);
    char *empty = write_in(dir, "e", "\n", 0600);
    char *url = url_of("never/");
    char m1[512], m2[512];
    snprintf(m1, sizeof(m1),
             "chaintrail: scan: option '--webhook-secret': secret-permissions: the secret file "
             "'%s' can be read or written by others (mode 0644): chmod 600 it\n",
             open_secret);
    snprintf(m2, sizeof(m2),
             "chaintrail: scan: option '--webhook-secret': secret-empty: the secret file '%s' "
             "is empty\n",
             empty);
    struct {
        const char *args[12];
        int status;
        const char *err;
    } cases[] = {
        {{"--customers", cust, "--webhook", url, NULL},
         2,
         "chaintrail: scan: --webhook needs --webhook-secret FILE\n"},
        {{"--customers", cust, "--webhook-secret", secret, NULL},
         2,
         "chaintrail: scan: the webhook options need --webhook URL\n"},
        {{"--customers", cust, "--webhook", "ftp://x/", "--webhook-secret", secret, NULL},
         2,
         "chaintrail: scan: option '--webhook': 'ftp://x/' is not an http:// or https:// URL\n"},
        {{"--customers", cust, "--webhook", url, "--webhook-secret", open_secret, NULL}, 2, m1},
        {{"--customers", cust, "--webhook", url, "--webhook-secret", empty, NULL}, 2, m2},
        {{"--deliver-only", "--customers", cust, "--webhook", url, "--webhook-secret", secret,
          NULL},
         2,
         "chaintrail: scan: --deliver-only takes no scan option (--customers, --policy, --check, "
         "--print-policy, --format, -o, --force, --fail-on, --full)\n"},
        {{"--deliver-only", "--full", "--webhook", url, "--webhook-secret", secret, NULL},
         2,
         "chaintrail: scan: --deliver-only takes no scan option (--customers, --policy, --check, "
         "--print-policy, --format, -o, --force, --fail-on, --full)\n"},
        {{"--outbox", "--webhook", url, NULL},
         2,
         "chaintrail: scan: --outbox takes no other option\n"},
        {{"--customers", cust, "--check", "--webhook", url, "--webhook-secret", secret, NULL},
         2,
         "chaintrail: scan: --check takes no webhook option\n"},
        {{"--print-policy", "--webhook", url, NULL},
         2,
         "chaintrail: scan: --print-policy takes no other option\n"},
        {{"--customers", cust, "--webhook", url, "--webhook-secret", secret, "--webhook-attempts",
          "11", NULL},
         2,
         NULL},
        {{"--customers", cust, "--webhook", url, "--webhook-secret", secret, "--webhook-timeout-ms",
          "5", NULL},
         2,
         NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_run r;
        char db[600];
        snprintf(db, sizeof(db), "%s/nodb", dir);
        run(&r, db, cases[i].args);
        cr_assert_eq(r.status, cases[i].status, "case %zu: %s", i, r.err);
        if (cases[i].err)
            cr_assert_str_eq(r.err, cases[i].err, "case %zu", i);
        cr_assert_str_eq(r.out, "", "case %zu", i);
        tu_run_free(&r);
    }
    json_t *log = server_log("never/");
    cr_assert_eq(json_array_size(log), 0);
    json_decref(log);
    free(cust);
    free(secret);
    free(open_secret);
    free(empty);
    free(url);
    tu_rmtree(dir);
    free(dir);
}

/* A scan killed (SIGKILL) while its POST hangs on a stalled receiver loses nothing: the alert
 * is still pending with its attempts as before, and the next run delivers it once. */
Test(cli_webhook, a_kill_during_delivery_loses_nothing)
{
    char *cust, *secret, *dir = hal_db(&cust, &secret);
    char *down = url_of("e500always-kill/"), *stall = url_of("stallx9-kill/"),
         *up = url_of("ok-kill/");
    tu_run r;
    run(&r, dir,
        (const char *[]){"--customers", cust, "--webhook", down, "--webhook-secret", secret,
                         "--webhook-attempts", "1", "--fail-on", "none", NULL});
    cr_assert_eq(r.status, 11, "%s", r.err);
    tu_run_free(&r);

    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execl(CT_BIN, CT_BIN, "--db", dir, "scan", "--deliver-only", "--webhook", stall,
              "--webhook-secret", secret, "--webhook-timeout-ms", "60000", (char *)NULL);
        _exit(127);
    }
    /* wait until the POST reached the receiver (at most 10 s), then kill */
    size_t seen = 0;
    for (int i = 0; i < 200 && seen == 0; i++) {
        json_t *log = server_log("stallx9-kill/");
        seen = json_array_size(log);
        json_decref(log);
        if (!seen)
            nanosleep(&(struct timespec){0, 50000000L}, NULL);
    }
    cr_assert_eq(seen, 1);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    run(&r, dir, (const char *[]){"--outbox", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t je;
    json_t *row = json_loads(r.out, 0, &je);
    cr_assert_not_null(row, "%s", r.out);
    cr_assert_str_eq(json_string_value(json_object_get(row, "state")), "pending");
    cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), 1);
    cr_assert_str_eq(json_string_value(json_object_get(row, "last_error")), "HTTP 500");
    json_decref(row);
    tu_run_free(&r);

    run(&r, dir,
        (const char *[]){"--deliver-only", "--webhook", up, "--webhook-secret", secret, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"--deliver-only", "--webhook", up, "--webhook-secret", secret, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    json_t *log = server_log("ok-kill/");
    cr_assert_eq(json_array_size(log), 1);
    cr_assert_str_eq(header(json_array_get(log, 0), "x-chaintrail-alert-id"), HAL_ID);
    json_decref(log);
    free(cust);
    free(secret);
    free(down);
    free(stall);
    free(up);
    tu_rmtree(dir);
    free(dir);
}

/* Each alert the store marks `updated` is sent once, with the line printed (its baseline
 * `updated` and the analyst's state); an analyst's decision sends nothing; a withdrawn label
 * makes the alert `absent`, sent once as such; an unchanged re-scan sends nothing. */
Test(cli_webhook, updated_and_absent_alerts_are_sent_once)
{
    char *cust, *secret, *dir = hal_db(&cust, &secret), *url = url_of("ok-upd/");
    char *high = write_in(dir, "high.json",
                          "{\"version\":1,\"categories\":{\"sanctioned\":{\"severity\":\"HIGH\","
                          "\"direction\":\"both\",\"exposure\":\"both\",\"max_hops\":1,"
                          "\"min_amount\":\"0\",\"min_usd\":\"0\",\"min_share\":\"0\"}}}",
                          0600);
    tu_run r;
    run(&r, dir,
        (const char *[]){"--customers", cust, "--webhook", url, "--webhook-secret", secret,
                         "--fail-on", "none", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *b_new = only_line(&r);
    tu_run_free(&r);
    run_cmd_ok(dir, (const char *[]){"alerts", "set", HAL_ID, "--state", "dismissed", "--by", "ana",
                                     NULL});

    /* the policy makes it HIGH: updated, sent once */
    const char *with_high[] = {"--customers",      cust,   "--policy", high, "--webhook", url,
                               "--webhook-secret", secret, NULL};
    run(&r, dir, with_high);
    cr_assert_eq(r.status, 10, "%s", r.err); /* updated HIGH, at the default --fail-on */
    cr_assert_str_eq(r.err, SUMMARY("2", "policy", "1", "0", "1", "0", "0")
                                WEBHOOK("1", "0", "1", "1", "1", "0"));
    char *b_upd = only_line(&r);
    cr_assert(ends_with(b_upd,
                        "\"severity\":\"HIGH\",\"rule\":\"categories.sanctioned\",\"first_seen\":"
                        "\"2009-01-12T03:30:25Z\",\"last_seen\":\"2009-01-12T03:30:25Z\",\"txids\":"
                        "[\"f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16\"],"
                        "\"baseline\":\"updated\",\"state\":\"dismissed\"}"),
              "%s", b_upd);
    tu_run_free(&r);
    run(&r, dir, with_high);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, SUMMARY("3", "incremental", "0", "0", "0", "1", "0")
                                WEBHOOK("0", "0", "0", "0", "0", "0"));
    tu_run_free(&r);

    /* the label is withdrawn: absent, sent once */
    run_cmd_ok(dir, (const char *[]){"labels", "rm", "--source", "ofac", NULL});
    run(&r, dir, with_high);
    cr_assert_eq(r.status, 0, "%s", r.err); /* absent is no hit for --fail-on */
    cr_assert_str_eq(r.err, SUMMARY("4", "labels", "1", "0", "0", "0", "1")
                                WEBHOOK("1", "0", "1", "1", "1", "0"));
    char *b_abs = only_line(&r);
    char *want = replaced(b_upd, "\"updated\"", "\"absent\"");
    cr_assert_str_eq(b_abs, want);
    free(want);
    tu_run_free(&r);
    run(&r, dir, with_high);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, SUMMARY("5", "incremental", "0", "0", "0", "0", "0")
                                WEBHOOK("0", "0", "0", "0", "0", "0"));
    tu_run_free(&r);

    json_t *log = server_log("ok-upd/");
    cr_assert_eq(json_array_size(log), 3);
    check_request(json_array_get(log, 0), HAL_ID, b_new);
    check_request(json_array_get(log, 1), HAL_ID, b_upd);
    check_request(json_array_get(log, 2), HAL_ID, b_abs);
    json_decref(log);
    free(b_new);
    free(b_upd);
    free(b_abs);
    free(high);
    free(cust);
    free(secret);
    free(url);
    tu_rmtree(dir);
    free(dir);
}

/* The outbox rows are written in the alert store's batch. Killed just before that write,
 * nothing is stored or queued; killed just after it (before any POST), the alert is stored
 * and its row pending, and the next run, which finds the alert unchanged, delivers the
 * body of the run that raised it, once. */
Test(cli_webhook, a_kill_between_store_and_delivery_loses_nothing)
{
    char *cust, *secret, *dir = hal_db(&cust, &secret), *url = url_of("ok-killstore/");
    const char *args[] = {"--customers", cust, "--webhook", url, "--webhook-secret", secret, NULL};
    tu_run r;
    run_env(&r, dir, "CHAINTRAIL_TEST_KILL=before:1", args);
    cr_assert_eq(r.status, 128 + SIGKILL, "%d %s", r.status, r.err);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"--outbox", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);

    run_env(&r, dir, "CHAINTRAIL_TEST_KILL=after:1", args);
    cr_assert_eq(r.status, 128 + SIGKILL, "%d %s", r.status, r.err);
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    json_t *log = server_log("ok-killstore/");
    cr_assert_eq(json_array_size(log), 0);
    json_decref(log);
    run(&r, dir, (const char *[]){"--outbox", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_error_t je;
    json_t *row = json_loads(r.out, 0, &je);
    cr_assert_not_null(row, "%s", r.out);
    cr_assert_str_eq(json_string_value(json_object_get(row, "alert_id")), HAL_ID);
    cr_assert_str_eq(json_string_value(json_object_get(row, "state")), "pending");
    cr_assert_eq(json_integer_value(json_object_get(row, "attempts")), 0);
    json_int_t bytes = json_integer_value(json_object_get(row, "body_bytes"));
    json_decref(row);
    tu_run_free(&r);

    run(&r, dir, args);
    cr_assert_eq(r.status, 0, "%s", r.err); /* the alert was new in the killed run */
    cr_assert_str_eq(r.err, SUMMARY("2", "incremental", "0", "0", "0", "1", "0")
                                WEBHOOK("0", "0", "1", "1", "1", "0"));
    char *line = only_line(&r), *body = replaced(line, "\"unchanged\"", "\"new\"");
    cr_assert_eq((json_int_t)strlen(body), bytes);
    tu_run_free(&r);
    run(&r, dir, args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    log = server_log("ok-killstore/");
    cr_assert_eq(json_array_size(log), 1);
    check_request(json_array_get(log, 0), HAL_ID, body);
    json_decref(log);
    free(line);
    free(body);
    free(cust);
    free(secret);
    free(url);
    tu_rmtree(dir);
    free(dir);
}
