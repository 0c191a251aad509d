/* The webhook: signed POSTs of the outbox's pending alerts over libcurl, with retries and a
 * deadline (chaintrail/deliver.h, docs/scan.md "Webhook"). */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deliver/outbox.h"
#include "base/hash.h"
#include "base/util.h"

void ct_webhook_sign(char out[65], const uint8_t *secret, size_t secret_len, uint64_t timestamp,
                     const char *body, size_t body_len)
{
    char ts[24];
    int tl = snprintf(ts, sizeof(ts), "%" PRIu64 ".", timestamp);
    uint8_t mac[32];
    /* The signed string is TIMESTAMP "." BODY, hashed in two parts without a copy. */
    ct_hmac_sha256_ctx c;
    ct_hmac_sha256_init(&c, secret, secret_len);
    ct_hmac_sha256_update(&c, ts, (size_t)tl);
    ct_hmac_sha256_update(&c, body, body_len);
    ct_hmac_sha256_final(&c, mac);
    ct_hex_encode(out, mac, 32);
    out[64] = '\0';
}

int ct_webhook_secret_read(uint8_t **out, size_t *len, const char *path, ct_error *err)
{
    *out = NULL;
    *len = 0;
    int fd;
    int rc = ct_open_regular(path, false, &fd, err);
    if (rc)
        return rc;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ct_fail(err, CT_EIO, "cannot-open", "cannot read '%s': %s", path, strerror(e));
    }
    if (st.st_mode & 077) {
        close(fd);
        return ct_fail(err, CT_EINVAL, "secret-permissions",
                       "the secret file '%s' can be read or written by others (mode %04o): "
                       "chmod 600 it",
                       path, (unsigned)(st.st_mode & 07777));
    }
    uint8_t *buf = malloc(CT_WEBHOOK_SECRET_MAX + 3);
    if (!buf) {
        close(fd);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the secret");
    }
    size_t n = 0;
    for (;;) {
        ssize_t k = read(fd, buf + n, CT_WEBHOOK_SECRET_MAX + 3 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            close(fd);
            free(buf);
            return ct_fail(err, CT_EIO, "read-error", "cannot read '%s': %s", path, strerror(e));
        }
        if (k == 0 || (n += (size_t)k) == CT_WEBHOOK_SECRET_MAX + 3)
            break;
    }
    close(fd);
    /* One trailing newline (an editor's, or echo's) is not part of the secret. */
    if (n && buf[n - 1] == '\n') {
        n--;
        if (n && buf[n - 1] == '\r')
            n--;
    }
    if (n > CT_WEBHOOK_SECRET_MAX) {
        free(buf);
        return ct_fail(err, CT_EINVAL, "secret-too-long",
                       "the secret file '%s' holds more than %u bytes", path,
                       CT_WEBHOOK_SECRET_MAX);
    }
    if (n == 0) {
        free(buf);
        return ct_fail(err, CT_EINVAL, "secret-empty", "the secret file '%s' is empty", path);
    }
    *out = buf;
    *len = n;
    return CT_OK;
}

static bool curl_ready;

static uint64_t system_now(void *ctx)
{
    (void)ctx;
    return (uint64_t)time(NULL);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* The answer is read and dropped: only the status counts. */
static size_t drop(char *p, size_t size, size_t nmemb, void *arg)
{
    (void)p;
    (void)arg;
    return size * nmemb;
}

typedef struct hook {
    const ct_webhook_options *o;
    CURL *curl;
    char curl_err[CURL_ERROR_SIZE];
    uint64_t start_ms;
    uint64_t (*now)(void *ctx);
} hook;

/* One POST of body. CT_OK for a 2xx answer; else the reason in why[] and CT_ENETWORK when
 * the receiver looks down (no connection, a timeout, 5xx, 408, 429), CT_EINVAL when it
 * answered and refused this request (another status). */
static int post_once(hook *h, const char *id, const char *body, size_t body_len, uint64_t budget_ms,
                     char *why, size_t why_size)
{
    uint64_t ts = h->now(h->o->now_ctx);
    char sig[65], hdr[3][128];
    ct_webhook_sign(sig, h->o->secret, h->o->secret_len, ts, body, body_len);
    snprintf(hdr[0], sizeof(hdr[0]), "X-Chaintrail-Alert-Id: %s", id);
    snprintf(hdr[1], sizeof(hdr[1]), "X-Chaintrail-Timestamp: %" PRIu64, ts);
    snprintf(hdr[2], sizeof(hdr[2]), "X-Chaintrail-Signature: sha256=%s", sig);
    struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *t = hl;
    for (int i = 0; i < 3 && t; i++)
        t = curl_slist_append(hl, hdr[i]);
    /* No "Expect: 100-continue" round trip for larger bodies. */
    if (t)
        t = curl_slist_append(hl, "Expect:");
    if (!t) {
        curl_slist_free_all(hl);
        snprintf(why, why_size, "out of memory");
        return CT_ENOMEM;
    }
    CURL *c = h->curl;
    uint64_t timeout = h->o->timeout_ms < budget_ms ? h->o->timeout_ms : budget_ms;
    uint64_t connect = h->o->connect_timeout_ms < timeout ? h->o->connect_timeout_ms : timeout;
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout ? timeout : 1));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(connect ? connect : 1));
    h->curl_err[0] = '\0';
    CURLcode cr = curl_easy_perform(c);
    curl_slist_free_all(hl);
    if (cr != CURLE_OK) {
        snprintf(why, why_size, "%s", h->curl_err[0] ? h->curl_err : curl_easy_strerror(cr));
        return CT_ENETWORK;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status <= 299)
        return CT_OK;
    snprintf(why, why_size, "HTTP %ld", status);
    return status >= 500 || status == 408 || status == 429 ? CT_ENETWORK : CT_EINVAL;
}

static int check_options(const ct_webhook_options *o, ct_error *err)
{
    if (!o || o->version != CT_WEBHOOK_OPTIONS_VERSION)
        return ct_fail(err, CT_EINVAL, "bad-options", "webhook options of another version");
    const char *u = o->url;
    if (!u || (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) ||
        strlen(u) > 2048 || strpbrk(u, " \t\r\n"))
        return ct_fail(err, CT_EINVAL, "bad-url", "'%.100s' is not an http:// or https:// URL",
                       u ? u : "");
    if (!o->secret || o->secret_len == 0 || o->secret_len > CT_WEBHOOK_SECRET_MAX)
        return ct_fail(err, CT_EINVAL, "bad-secret", "the webhook secret is empty or too long");
    if (o->attempts == 0 || o->timeout_ms == 0 || o->connect_timeout_ms == 0)
        return ct_fail(err, CT_EINVAL, "bad-options",
                       "attempts and timeouts of the webhook must be positive");
    return CT_OK;
}

/* The keys of the pending rows, collected before any is written. */
typedef struct pending {
    uint8_t (*keys)[17];
    size_t n, cap;
} pending;

static int collect(void *ctx, const ct_outbox_row *row, const char *body)
{
    (void)body;
    pending *p = ctx;
    if (row->state != CT_OUTBOX_PENDING)
        return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        void *nk = realloc(p->keys, cap * sizeof(*p->keys));
        if (!nk)
            return CT_ENOMEM;
        p->keys = nk;
        p->cap = cap;
    }
    p->keys[p->n][0] = CT_T_OUTBOX;
    if (ct_hex_decode(p->keys[p->n] + 1, row->alert_id, 16) != CT_OK)
        return CT_EDBCORRUPT;
    p->n++;
    return 0;
}

static int write_row(ct_db *db, const uint8_t k[17], const ct_outbox_row *row, const char *body,
                     ct_buf *v, ct_error *err)
{
    if (ct_outbox_encode(v, row, body, row->body_len))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "an outbox row");
    ct_store_batch *b = ct_store_batch_new();
    if (!b)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating a batch");
    ct_store_batch_put(b, k, 17, v->data, v->len);
    int rc = ct_store_write(db->st, b, true, err);
    ct_store_batch_free(b);
    return rc;
}

/* Delivers the row at key k with the retries. *stop is set when the delivery should end (the
 * alert failed every attempt, or the deadline passed). */
static int deliver_one(ct_db *db, hook *h, const uint8_t k[17], ct_deliver_stats *st, bool *stop,
                       ct_buf *val, ct_buf *nv, ct_error *err)
{
    ct_buf_reset(val);
    int rc = ct_store_get(db->st, NULL, k, 17, val, err);
    if (rc)
        return rc;
    ct_outbox_rec rec;
    if ((rc = ct_outbox_decode(&rec, k, 17, val->data, val->len, err)))
        return rc;
    ct_outbox_row row = rec.row;
    const ct_webhook_options *o = h->o;
    uint64_t wait = o->backoff_ms;
    char why[CT_OUTBOX_ERROR_MAX + 1] = "";
    uint32_t tries = 0;
    bool ok = false, down = false;
    for (;;) {
        uint64_t used = mono_ms() - h->start_ms;
        if (used >= o->deadline_ms) {
            *stop = true;
            if (!tries) {
                st->untried++;
                return CT_OK;
            }
            snprintf(why + strlen(why), sizeof(why) - strlen(why), " (deadline reached)");
            break;
        }
        tries++;
        st->requests++;
        row.last_attempt = h->now(o->now_ctx);
        int pr = post_once(h, row.alert_id, rec.body, row.body_len, o->deadline_ms - used, why,
                           sizeof(why));
        if (pr == CT_ENOMEM)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "a webhook request");
        if (pr == CT_OK) {
            ok = true;
            break;
        }
        down = pr == CT_ENETWORK;
        if (tries >= o->attempts)
            break;
        used = mono_ms() - h->start_ms;
        if (used + wait >= o->deadline_ms) {
            *stop = true;
            snprintf(why + strlen(why), sizeof(why) - strlen(why), " (deadline reached)");
            break;
        }
        sleep_ms(wait);
        wait = wait * 2 > CT_WEBHOOK_BACKOFF_MAX_MS ? CT_WEBHOOK_BACKOFF_MAX_MS : wait * 2;
    }
    if (ok) {
        ct_sha256(row.delivered_digest, rec.body ? rec.body : "", row.body_len);
        row.state = CT_OUTBOX_DELIVERED;
        row.attempts = 0;
        row.delivered = row.last_attempt;
        row.last_error[0] = '\0';
        row.body_len = 0;
        st->delivered++;
        return write_row(db, k, &row, NULL, nv, err);
    }
    row.attempts += tries;
    snprintf(row.last_error, sizeof(row.last_error), "%s", why);
    snprintf(st->last_error, sizeof(st->last_error), "%s", why);
    st->failed++;
    if (down) /* the rest would only pay the same timeouts: they wait for the next run */
        *stop = true;
    return write_row(db, k, &row, rec.body, nv, err);
}

int ct_outbox_deliver(ct_db *db, ct_deliver_stats *st, const ct_webhook_options *opts,
                      ct_error *err)
{
    memset(st, 0, sizeof(*st));
    int rc = check_options(opts, err);
    if (rc)
        return rc;
    pending p = {0};
    rc = ct_outbox_each(db, collect, &p, err);
    if (rc == CT_ENOMEM || rc == CT_EDBCORRUPT) {
        free(p.keys);
        return rc == CT_ENOMEM ? ct_fail(err, rc, "out-of-memory", "the outbox's keys")
                               : ct_fail(err, rc, "bad-outbox-row", "an outbox key");
    }
    if (rc) {
        free(p.keys);
        return rc;
    }
    st->pending = p.n;
    if (!p.n) {
        free(p.keys);
        return CT_OK;
    }
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            free(p.keys);
            return ct_fail(err, CT_ENOMEM, "curl-init", "libcurl could not be initialized");
        }
        curl_ready = true;
    }
    hook h = {opts, curl_easy_init(), "", mono_ms(), opts->now ? opts->now : system_now};
    if (!h.curl) {
        free(p.keys);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "a webhook client");
    }
    CURL *c = h.curl;
    curl_easy_setopt(c, CURLOPT_URL, opts->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, drop);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h.curl_err);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "chaintrail/" CT_VERSION);
    ct_buf val, nv;
    ct_buf_init(&val, (size_t)CT_OUTBOX_BODY_MAX + 4096);
    ct_buf_init(&nv, (size_t)CT_OUTBOX_BODY_MAX + 4096);
    bool stop = false;
    size_t i = 0;
    for (; i < p.n && !stop && rc == CT_OK; i++)
        rc = deliver_one(db, &h, p.keys[i], st, &stop, &val, &nv, err);
    if (rc == CT_OK)
        st->untried += p.n - i;
    ct_buf_release(&val);
    ct_buf_release(&nv);
    curl_easy_cleanup(c);
    free(p.keys);
    return rc;
}
