/* The JSON-RPC client over libcurl. See eth_rpc.h. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chaintrail/u256.h"
#include "ethereum/eth_rpc.h"
#include "base/util.h"

struct ct_eth_rpc {
    ct_eth_rpc_options o;
    char *url;
    CURL *curl;
    struct curl_slist *headers;
    char curl_err[CURL_ERROR_SIZE];
    ct_buf req;  /* the request body */
    ct_buf resp; /* the answer; the document points into it */
    bool too_large;
    ct_json_doc doc;
    uint32_t *by_id; /* scratch: answer node of each call */
    size_t by_id_cap;
    uint64_t next_id; /* the id of the next request's first call: ids are never reused, so
                       * an answer to an earlier request (a replay, a caching proxy) is
                       * refused */
    ct_eth_rpc_stats st;
};

static bool curl_ready;

static size_t on_write(char *p, size_t size, size_t nmemb, void *arg)
{
    ct_eth_rpc *c = arg;
    size_t n = size * nmemb;
    if (ct_buf_append(&c->resp, p, n) != CT_OK) {
        c->too_large = true;
        return 0; /* libcurl stops with CURLE_WRITE_ERROR */
    }
    return n;
}

int ct_eth_rpc_open(ct_eth_rpc **out, const ct_eth_rpc_options *opts, ct_error *err)
{
    *out = NULL;
    const char *url = opts ? opts->url : NULL;
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
        strlen(url) > 2048 || strpbrk(url, " \t\r\n"))
        return ct_fail(err, CT_EINVAL, "bad-url",
                       "'%s' is not an http:// or https:// URL of a node", url ? url : "");
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return ct_fail(err, CT_ENOMEM, "curl-init", "libcurl could not be initialized");
        curl_ready = true;
    }
    ct_eth_rpc *c = calloc(1, sizeof(*c));
    if (!c)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "RPC client");
    c->o = *opts;
    c->url = strdup(url);
    c->curl = curl_easy_init();
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    ct_buf_init(&c->req, (size_t)64 << 20);
    ct_buf_init(&c->resp, c->o.max_response ? c->o.max_response : (size_t)256 << 20);
    ct_json_init(&c->doc);
    if (!c->url || !c->curl || !c->headers) {
        ct_eth_rpc_close(c);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "RPC client");
    }
    CURL *h = c->curl;
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* any encoding libcurl can decode */
    curl_easy_setopt(h, CURLOPT_USERAGENT, "chaintrail/" CT_VERSION);
    *out = c;
    return CT_OK;
}

void ct_eth_rpc_close(ct_eth_rpc *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    ct_buf_release(&c->req);
    ct_buf_release(&c->resp);
    ct_json_release(&c->doc);
    free(c->by_id);
    free(c->url);
    free(c);
}

const ct_json_doc *ct_eth_rpc_doc(const ct_eth_rpc *c)
{
    return &c->doc;
}

const char *ct_eth_rpc_url(const ct_eth_rpc *c)
{
    return c->url;
}

void ct_eth_rpc_get_stats(const ct_eth_rpc *c, ct_eth_rpc_stats *out)
{
    *out = c->st;
}

static void sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* What one attempt came to. */
enum { ATTEMPT_OK, ATTEMPT_RETRY, ATTEMPT_FATAL };

/* Sends c->req once. On failure sets err (the last failure is what the caller reports). */
static int attempt(ct_eth_rpc *c, ct_error *err, int *code)
{
    ct_buf_reset(&c->resp);
    c->too_large = false;
    c->curl_err[0] = 0;
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, (const char *)c->req.data);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->req.len);
    c->st.requests++;
    CURLcode rc = curl_easy_perform(c->curl);
    c->st.bytes += c->resp.len;
    if (c->too_large) {
        *code = ct_fail(err, CT_ENOMEM, "rpc-answer-too-large",
                        "the node at %s sent an answer of more than %zu bytes", c->url,
                        c->resp.max);
        return ATTEMPT_FATAL;
    }
    if (rc != CURLE_OK) {
        const char *why = c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc);
        *code = ct_fail(err, CT_ENETWORK, "node-unreachable", "cannot reach the node at %s: %s",
                        c->url, why);
        if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
            return ATTEMPT_FATAL;
        return ATTEMPT_RETRY;
    }
    long status = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200)
        return ATTEMPT_OK;
    *code = ct_fail(err, CT_ENETWORK, "node-http", "the node at %s answered HTTP %ld", c->url,
                    status);
    return status == 429 || (status >= 500 && status <= 599) ? ATTEMPT_RETRY : ATTEMPT_FATAL;
}

/* Sends c->req with the retries; parses the answer into c->doc. */
static int exchange(ct_eth_rpc *c, ct_error *err)
{
    long wait = c->o.backoff_ms;
    int code = CT_OK;
    unsigned tries = 0;
    for (;;) {
        int r = attempt(c, err, &code);
        if (r == ATTEMPT_OK)
            break;
        if (r == ATTEMPT_FATAL || tries >= c->o.retries) {
            if (r == ATTEMPT_RETRY && err) {
                size_t len = strlen(err->detail);
                snprintf(err->detail + len, sizeof(err->detail) - len, " (%u attempts)",
                         tries + 1);
            }
            return code;
        }
        tries++;
        c->st.retries++;
        sleep_ms(wait);
        wait = wait > c->o.backoff_max_ms / 2 ? c->o.backoff_max_ms : wait * 2;
    }
    ct_error perr;
    ct_error_clear(&perr);
    ct_json_options jo = CT_JSON_OPTIONS_INIT;
    jo.max_nodes = ct_json_bounded_nodes(c->resp.len); /* the tape: <= 2.5 bytes a byte */
    int rc = ct_json_parse(&c->doc, (const char *)c->resp.data, c->resp.len, &jo, &perr);
    if (rc == CT_ENOMEM)
        return ct_fail(err, CT_ENOMEM, "rpc-answer-too-large",
                       "the answer of the node at %s: %s", c->url, perr.detail);
    if (rc != CT_OK)
        return ct_fail(err, CT_ECORRUPT, "rpc-bad-answer",
                       "the node at %s sent an answer that is not JSON: %s: %s", c->url,
                       perr.reason, perr.detail);
    return CT_OK;
}

/* Copies the printable ASCII of a JSON string node into out. */
static void copy_message(const ct_json_doc *d, uint32_t node, char *out, size_t size)
{
    out[0] = 0;
    if (!node || ct_json_type_of(d, node) != CT_JSON_STRING)
        return;
    size_t len;
    const char *s = ct_json_raw(d, node, &len);
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < size; i++)
        out[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    out[j] = 0;
}

static void read_error(const ct_json_doc *d, uint32_t eobj, ct_eth_rpc_answer *a)
{
    a->is_error = true;
    a->result = 0;
    a->code = 0;
    a->message[0] = 0;
    if (ct_json_type_of(d, eobj) != CT_JSON_OBJECT) {
        snprintf(a->message, sizeof(a->message), "(error is not an object)");
        return;
    }
    uint32_t code = ct_json_get(d, eobj, "code");
    if (code && ct_json_type_of(d, code) == CT_JSON_NUMBER) {
        size_t len;
        const char *s = ct_json_raw(d, code, &len);
        bool neg = len > 0 && s[0] == '-';
        int64_t v = 0;
        for (size_t i = neg ? 1 : 0; i < len && s[i] >= '0' && s[i] <= '9' && v < 1000000000;
             i++)
            v = v * 10 + (s[i] - '0');
        a->code = neg ? -v : v;
    }
    copy_message(d, ct_json_get(d, eobj, "message"), a->message, sizeof(a->message));
}

static int bad_answer(ct_eth_rpc *c, ct_error *err, const char *what)
{
    return ct_fail(err, CT_ECORRUPT, "rpc-bad-answer", "the node at %s: %s", c->url, what);
}

/* Reads one response object into ans. */
static int read_response(ct_eth_rpc *c, uint32_t obj, ct_eth_rpc_answer *a, ct_error *err)
{
    const ct_json_doc *d = &c->doc;
    uint32_t res = ct_json_get(d, obj, "result");
    uint32_t e = ct_json_get(d, obj, "error");
    if (e && ct_json_type_of(d, e) != CT_JSON_NULL) {
        read_error(d, e, a);
        return CT_OK;
    }
    if (!res)
        return bad_answer(c, err, "an answer has neither result nor error");
    a->is_error = false;
    a->result = res;
    a->code = 0;
    a->message[0] = 0;
    return CT_OK;
}

/* The id of a JSON-RPC answer: true and *id when it is a whole number. */
static bool answer_id(const ct_json_doc *d, uint32_t obj, uint64_t *id)
{
    uint32_t idn = ct_json_get(d, obj, "id");
    return idn && ct_json_type_of(d, idn) == CT_JSON_NUMBER && ct_json_u64(d, idn, id) == CT_OK;
}

int ct_eth_rpc_batch(ct_eth_rpc *c, const ct_eth_rpc_call *calls, size_t n,
                     ct_eth_rpc_answer *ans, ct_error *err)
{
    if (n == 0)
        return CT_OK;
    if (c->next_id == 0 || c->next_id > ((uint64_t)1 << 53) - n)
        c->next_id = 1; /* ids stay exact in a node that reads them as doubles */
    const uint64_t base = c->next_id; /* the calls' ids are base .. base + n - 1 */
    c->next_id += n;
    ct_buf_reset(&c->req);
    int rc = CT_OK;
    if (n > 1)
        rc = ct_buf_putc(&c->req, '[');
    for (size_t i = 0; i < n && rc == CT_OK; i++)
        rc = ct_buf_printf(&c->req,
                           "%s{\"jsonrpc\":\"2.0\",\"id\":%llu,\"method\":\"%s\",\"params\":%s}",
                           i ? "," : "", (unsigned long long)(base + i), calls[i].method,
                           calls[i].params ? calls[i].params : "[]");
    if (rc == CT_OK && n > 1)
        rc = ct_buf_putc(&c->req, ']');
    if (rc != CT_OK)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "a request of %zu calls", n);

    rc = exchange(c, err);
    if (rc != CT_OK)
        return rc;
    const ct_json_doc *d = &c->doc;
    ct_json_type t = ct_json_type_of(d, 0);
    if (n == 1 || t == CT_JSON_OBJECT) {
        if (t != CT_JSON_OBJECT)
            return bad_answer(c, err, "the answer is not a JSON-RPC response object");
        ct_eth_rpc_answer one;
        rc = read_response(c, 0, &one, err);
        if (rc != CT_OK)
            return rc;
        if (n > 1) {
            /* A node that refuses batches answers with one error object. */
            return ct_fail(err, CT_ENETWORK, "rpc-error",
                           "the node at %s refused a batch of %zu calls: code %lld: %s", c->url,
                           n, (long long)one.code, one.is_error ? one.message : "(no error)");
        }
        /* The answer must carry the request's id. JSON-RPC 2.0 lets an error object come
         * with "id": null when the node could not read the request; a result never can. */
        uint64_t id;
        uint32_t idn = ct_json_get(d, 0, "id");
        bool null_error = one.is_error && idn && ct_json_type_of(d, idn) == CT_JSON_NULL;
        if (!null_error && (!answer_id(d, 0, &id) || id != base)) {
            char msg[192];
            if (idn && ct_json_type_of(d, idn) == CT_JSON_NUMBER && answer_id(d, 0, &id))
                snprintf(msg, sizeof(msg),
                         "the answer to %s has id %llu, not the request's id %llu",
                         calls[0].method, (unsigned long long)id, (unsigned long long)base);
            else
                snprintf(msg, sizeof(msg),
                         "the answer to %s has a missing or malformed id (the request's id "
                         "was %llu)",
                         calls[0].method, (unsigned long long)base);
            return bad_answer(c, err, msg);
        }
        ans[0] = one;
        c->st.calls++;
        return CT_OK;
    }
    if (t != CT_JSON_ARRAY)
        return bad_answer(c, err, "the answer to a batch is not an array");
    if (c->by_id_cap < n) {
        uint32_t *p = realloc(c->by_id, n * sizeof(*p));
        if (!p)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "a batch of %zu calls", n);
        c->by_id = p;
        c->by_id_cap = n;
    }
    memset(c->by_id, 0, n * sizeof(*c->by_id));
    for (uint32_t el = ct_json_first(d, 0); el; el = ct_json_next(d, 0, el)) {
        if (ct_json_type_of(d, el) != CT_JSON_OBJECT)
            return bad_answer(c, err, "an element of the batch answer is not an object");
        uint64_t id;
        if (!answer_id(d, el, &id) || id < base || id - base >= n) {
            char msg[160];
            snprintf(msg, sizeof(msg),
                     "an answer of the batch of %zu has a missing or unknown id (the "
                     "request's ids were %llu..%llu)",
                     n, (unsigned long long)base, (unsigned long long)(base + n - 1));
            return bad_answer(c, err, msg);
        }
        if (c->by_id[id - base]) {
            char msg[96];
            snprintf(msg, sizeof(msg), "id %llu is answered twice", (unsigned long long)id);
            return bad_answer(c, err, msg);
        }
        c->by_id[id - base] = el;
    }
    for (size_t i = 0; i < n; i++) {
        if (!c->by_id[i]) {
            char msg[160];
            snprintf(msg, sizeof(msg), "no answer to call %zu of %zu (%s)", i + 1, n,
                     calls[i].method);
            return bad_answer(c, err, msg);
        }
        rc = read_response(c, c->by_id[i], &ans[i], err);
        if (rc != CT_OK)
            return rc;
    }
    c->st.calls += n;
    return CT_OK;
}

int ct_eth_rpc_call1(ct_eth_rpc *c, const char *method, const char *params, uint32_t *result,
                     ct_error *err)
{
    ct_eth_rpc_call call = {method, params};
    ct_eth_rpc_answer a;
    int rc = ct_eth_rpc_batch(c, &call, 1, &a, err);
    if (rc != CT_OK)
        return rc;
    if (a.is_error)
        return ct_fail(err, CT_ENETWORK, "rpc-error", "the node at %s: %s: code %lld: %s",
                       c->url, method, (long long)a.code, a.message);
    *result = a.result;
    return CT_OK;
}

int ct_eth_rpc_u64(const ct_eth_rpc *c, uint32_t node, const char *what, uint64_t *out,
                   ct_error *err)
{
    const ct_json_doc *d = &c->doc;
    ct_u256 v;
    size_t len;
    const char *s = node ? ct_json_raw(d, node, &len) : NULL;
    if (!node || ct_json_type_of(d, node) != CT_JSON_STRING ||
        ct_u256_parse_quantity(&v, s, len, NULL) != CT_OK || !ct_u256_to_u64(out, &v))
        return ct_fail(err, CT_ECORRUPT, "rpc-bad-answer",
                       "the node at %s: %s is not a QUANTITY of at most 64 bits", c->url, what);
    return CT_OK;
}
