/* Delivery of alerts to a webhook (docs/scan.md "Webhook"): the outbox table of the database
 * (what is still to be sent) and the signed HTTP POSTs that drain it.
 *
 * An alert is queued with its id and its body (a JSON text). Queuing skips an alert whose
 * body was already delivered unchanged (the outbox keeps a SHA-256 of the last body
 * delivered per alert id). Delivery POSTs each queued body, one per request, signed with
 * HMAC-SHA256; an alert that could not be delivered stays queued with its attempts and last
 * error, and is sent by the next delivery.
 *
 * Argument order, as everywhere in chaintrail: outputs, then inputs, then options, then the
 * caller-owned ct_error (may be NULL).
 */
#ifndef CHAINTRAIL_DELIVER_H
#define CHAINTRAIL_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/db.h"
#include "chaintrail/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CT_OUTBOX_ID_LEN      32         /* an alert id: 32 lowercase hex digits */
#define CT_OUTBOX_BODY_MAX    (1u << 20) /* largest body queued (1 MiB) */
#define CT_OUTBOX_ERROR_MAX   200        /* bytes of the last error kept */
#define CT_WEBHOOK_SECRET_MAX 4096       /* bytes of a secret file */

typedef struct ct_outbox_item {
    const char *alert_id; /* CT_OUTBOX_ID_LEN lowercase hex digits */
    const char *body;     /* the JSON text to POST, body_len bytes */
    size_t body_len;
} ct_outbox_item;

typedef struct ct_outbox_queue_stats {
    uint64_t queued;    /* rows put in the outbox (new, changed, or still pending) */
    uint64_t unchanged; /* skipped: that body was already delivered */
} ct_outbox_queue_stats;

/* Queues the alerts of items[0..n) in one synchronous write: each one whose body differs
 * from the body last delivered under its id (or that was never delivered) becomes pending
 * with that body; a pending alert queued again keeps its attempts when the body is the same,
 * and starts again from 0 when it changed. `now` (Unix seconds) is the queue time. Returns
 * CT_OK; CT_EINVAL for a bad alert id or a body over CT_OUTBOX_BODY_MAX; CT_EDBCORRUPT for
 * an outbox row of the wrong shape; CT_EIO; CT_ENOMEM. */
CT_WARN_UNUSED int ct_outbox_queue(ct_db *db, ct_outbox_queue_stats *st,
                                   const ct_outbox_item *items, size_t n, uint64_t now,
                                   ct_error *err);

typedef enum ct_outbox_state {
    CT_OUTBOX_PENDING = 0,   /* queued, not delivered yet */
    CT_OUTBOX_DELIVERED = 1, /* the last body queued was delivered */
} ct_outbox_state;

/* One outbox row, as `scan --outbox` prints it. */
typedef struct ct_outbox_row {
    char alert_id[CT_OUTBOX_ID_LEN + 1];
    ct_outbox_state state;
    uint32_t attempts;            /* failed POSTs of the pending body (0 once delivered) */
    uint64_t queued;              /* Unix seconds the pending body was queued */
    uint64_t last_attempt;        /* Unix seconds of the last POST (0: none yet) */
    uint64_t delivered;           /* Unix seconds of the last successful POST (0: none) */
    uint8_t delivered_digest[32]; /* SHA-256 of the last body delivered (zero: none) */
    char last_error[CT_OUTBOX_ERROR_MAX + 1]; /* of the last failed POST ("" after success) */
    size_t body_len;                          /* of the pending body (0 once delivered) */
} ct_outbox_row;

/* Calls fn for each outbox row in alert id order (fn returns non-zero to stop; that value is
 * returned). The body is passed to fn for pending rows, NULL otherwise. */
CT_WARN_UNUSED int ct_outbox_each(ct_db *db,
                                  int (*fn)(void *ctx, const ct_outbox_row *row, const char *body),
                                  void *ctx, ct_error *err);

/* ---- the webhook ---- */
#define CT_WEBHOOK_BACKOFF_MAX_MS 30000u /* the backoff doubles up to this */

typedef struct ct_webhook_options {
    unsigned version;            /* CT_WEBHOOK_OPTIONS_VERSION */
    const char *url;             /* http:// or https:// */
    const uint8_t *secret;       /* the HMAC key */
    size_t secret_len;           /* 1 to CT_WEBHOOK_SECRET_MAX */
    uint32_t attempts;           /* POSTs of one alert in one delivery, 1 or more */
    uint32_t backoff_ms;         /* wait after the first failure, doubled after each */
    uint32_t connect_timeout_ms; /* to connect */
    uint32_t timeout_ms;         /* one whole request */
    uint32_t deadline_ms;        /* the whole delivery: no POST starts or sleep ends past it */
    /* The clock, for tests; NULL: the system's Unix seconds. */
    uint64_t (*now)(void *ctx);
    void *now_ctx;
} ct_webhook_options;

#define CT_WEBHOOK_OPTIONS_VERSION 1
#define CT_WEBHOOK_OPTIONS_INIT                                                                    \
    {                                                                                              \
        CT_WEBHOOK_OPTIONS_VERSION, NULL, NULL, 0, 4, 500, 5000, 10000, 120000, NULL, NULL         \
    }

typedef struct ct_deliver_stats {
    uint64_t pending;   /* rows pending when the delivery started */
    uint64_t delivered; /* of those, delivered now */
    uint64_t failed;    /* tried and given up on for this run (still pending) */
    uint64_t untried;   /* not tried: the delivery stopped first (still pending) */
    uint64_t requests;  /* POSTs made */
    char last_error[CT_OUTBOX_ERROR_MAX + 1]; /* of the last failed alert, "" if none */
} ct_deliver_stats;

/* The signature of one request: hex(HMAC-SHA256(secret, TIMESTAMP + "." + body)) where
 * TIMESTAMP is the decimal Unix seconds sent in X-Chaintrail-Timestamp. out gets 64
 * lowercase hex digits and a NUL. */
void ct_webhook_sign(char out[65], const uint8_t *secret, size_t secret_len, uint64_t timestamp,
                     const char *body, size_t body_len);

/* Reads a webhook secret from the regular file at `path` (symbolic links are followed):
 * refused when the file can be read or written by its group or others (mode & 077), is
 * empty, or holds more than CT_WEBHOOK_SECRET_MAX bytes; one trailing "\n" or "\r\n" is
 * removed. *out (malloc'd, free it) gets the bytes, *len their count. Returns CT_OK;
 * CT_EIO (cannot be read, not a regular file); CT_EINVAL "secret-permissions",
 * "secret-empty", "secret-too-long". */
CT_WARN_UNUSED int ct_webhook_secret_read(uint8_t **out, size_t *len, const char *path,
                                          ct_error *err);

/* Delivers the pending alerts of the outbox, in alert id order, each as one POST of its body
 * with the headers Content-Type: application/json, X-Chaintrail-Alert-Id,
 * X-Chaintrail-Timestamp and X-Chaintrail-Signature: sha256=<ct_webhook_sign>. A POST
 * answered 2xx delivers the alert (its row keeps only the digest of the body). A connection
 * failure, a timeout or another status is retried up to opts->attempts POSTs with the
 * backoff; then the row is written back pending with its attempts and the last error. When
 * the last failure says the receiver is down (no connection, a timeout, 5xx, 408, 429) the
 * delivery stops there (the rest wait for the next delivery, counted as untried); when the
 * receiver answered and refused that alert (another status), the delivery goes on with the
 * next one. The delivery also stops at opts->deadline_ms. Each row is written (sync) right
 * after its POST. Returns CT_OK when the outbox was walked (st says what was left pending);
 * CT_EINVAL for bad options; CT_EDBCORRUPT; CT_EIO; CT_ENOMEM. */
CT_WARN_UNUSED int ct_outbox_deliver(ct_db *db, ct_deliver_stats *st,
                                     const ct_webhook_options *opts, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
