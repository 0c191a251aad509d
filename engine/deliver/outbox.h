/* The outbox table (0xf8, docs/storage.md): one row per alert id that was ever queued for
 * the webhook.
 *
 *   0xf8 + alert id (16 bytes) -> version u8 (1), state u8 (0 pending, 1 delivered),
 *       attempts BE32, queued BE64, last attempt BE64, delivered BE64 (Unix seconds),
 *       SHA-256 of the last body delivered (32, zero: none), error length u8 + error text,
 *       body length BE32 + body (pending only; 0 once delivered)
 *
 * ct_outbox_stage adds the rows of a queue to a caller's batch, so that a scan that stores
 * its results (the alert store) queues its new or updated alerts in the same write. */
#ifndef CT_OUTBOX_H
#define CT_OUTBOX_H

#include "chaintrail/deliver.h"
#include "db/db_internal.h"

typedef struct ct_outbox_rec {
    ct_outbox_row row;
    const char *body; /* points into the value read */
} ct_outbox_rec;

/* Decodes one row (key and value as stored). CT_OK or CT_EDBCORRUPT. */
int ct_outbox_decode(ct_outbox_rec *out, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                     ct_error *err);
/* Encodes a row into v (reset first); the key into k (17 bytes). CT_OK or CT_ENOMEM. */
int ct_outbox_encode(ct_buf *v, const ct_outbox_row *row, const char *body, size_t body_len);
/* The key of an alert id (checked: CT_EINVAL when it is not 32 lowercase hex digits). */
int ct_outbox_key(uint8_t k[17], const char *alert_id, ct_error *err);

/* Adds to b the outbox rows that queue items[0..n) (ct_outbox_queue's rules), reading the
 * rows as they are in the database (not what b already holds: an alert id given twice
 * : the last one wins). */
int ct_outbox_stage(ct_db *db, ct_store_batch *b, ct_outbox_queue_stats *st,
                    const ct_outbox_item *items, size_t n, uint64_t now, ct_error *err);

#endif
