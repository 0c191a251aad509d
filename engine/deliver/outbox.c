/* The webhook outbox: queuing alerts and reading the rows back (outbox.h). */
#include <stdlib.h>
#include <string.h>

#include "deliver/outbox.h"
#include "base/hash.h"
#include "base/util.h"

#define ROW_VERSION 1u
#define ROW_FIXED   (1 + 1 + 4 + 8 + 8 + 8 + 32 + 1) /* up to the error text */

int ct_outbox_key(uint8_t k[17], const char *alert_id, ct_error *err)
{
    size_t n = 0;
    for (; alert_id && alert_id[n]; n++) {
        char c = alert_id[n];
        if (n >= CT_OUTBOX_ID_LEN || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            break;
    }
    if (!alert_id || n != CT_OUTBOX_ID_LEN || alert_id[n])
        return ct_fail(err, CT_EINVAL, "bad-alert-id",
                       "'%.40s' is not an alert id (32 lowercase hex digits)",
                       alert_id ? alert_id : "");
    k[0] = CT_T_OUTBOX;
    if (ct_hex_decode(k + 1, alert_id, 16) != CT_OK)
        return ct_fail(err, CT_EINVAL, "bad-alert-id", "'%s' is not an alert id", alert_id);
    return CT_OK;
}

int ct_outbox_decode(ct_outbox_rec *out, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                     ct_error *err)
{
    memset(out, 0, sizeof(*out));
    if (kl != 17 || k[0] != CT_T_OUTBOX || vl < ROW_FIXED || v[0] != ROW_VERSION || v[1] > 1)
        goto bad;
    ct_outbox_row *r = &out->row;
    ct_hex_encode(r->alert_id, k + 1, 16);
    r->alert_id[CT_OUTBOX_ID_LEN] = '\0';
    r->state = (ct_outbox_state)v[1];
    r->attempts = ct_be32(v + 2);
    r->queued = ct_be64(v + 6);
    r->last_attempt = ct_be64(v + 14);
    r->delivered = ct_be64(v + 22);
    memcpy(r->delivered_digest, v + 30, 32);
    size_t el = v[62];
    if (el > CT_OUTBOX_ERROR_MAX || vl < ROW_FIXED + el + 4)
        goto bad;
    memcpy(r->last_error, v + ROW_FIXED, el);
    r->last_error[el] = '\0';
    size_t at = ROW_FIXED + el;
    size_t bl = ct_be32(v + at);
    at += 4;
    if (vl - at != bl || bl > CT_OUTBOX_BODY_MAX || (r->state == CT_OUTBOX_DELIVERED && bl))
        goto bad;
    r->body_len = bl;
    out->body = r->state == CT_OUTBOX_PENDING ? (const char *)v + at : NULL;
    return CT_OK;
bad:
    return ct_fail(err, CT_EDBCORRUPT, "bad-outbox-row", "an outbox row of %zu bytes is malformed",
                   vl);
}

int ct_outbox_encode(ct_buf *v, const ct_outbox_row *row, const char *body, size_t body_len)
{
    uint8_t h[ROW_FIXED];
    size_t el = strnlen(row->last_error, CT_OUTBOX_ERROR_MAX);
    if (row->state == CT_OUTBOX_DELIVERED)
        body_len = 0;
    h[0] = ROW_VERSION;
    h[1] = (uint8_t)row->state;
    ct_put_be32(h + 2, row->attempts);
    ct_put_be64(h + 6, row->queued);
    ct_put_be64(h + 14, row->last_attempt);
    ct_put_be64(h + 22, row->delivered);
    memcpy(h + 30, row->delivered_digest, 32);
    h[62] = (uint8_t)el;
    uint8_t bl[4];
    ct_put_be32(bl, (uint32_t)body_len);
    ct_buf_reset(v);
    if (ct_buf_append(v, h, sizeof(h)) || ct_buf_append(v, row->last_error, el) ||
        ct_buf_append(v, bl, 4) || (body_len && ct_buf_append(v, body, body_len)))
        return CT_ENOMEM;
    return CT_OK;
}

int ct_outbox_stage(ct_db *db, ct_store_batch *b, ct_outbox_queue_stats *st,
                    const ct_outbox_item *items, size_t n, uint64_t now, ct_error *err)
{
    ct_buf old, nv;
    ct_buf_init(&old, (size_t)CT_OUTBOX_BODY_MAX + 4096);
    ct_buf_init(&nv, (size_t)CT_OUTBOX_BODY_MAX + 4096);
    int rc = CT_OK;
    for (size_t i = 0; i < n && rc == CT_OK; i++) {
        const ct_outbox_item *it = &items[i];
        uint8_t k[17];
        if ((rc = ct_outbox_key(k, it->alert_id, err)))
            break;
        if (it->body_len > CT_OUTBOX_BODY_MAX || (!it->body && it->body_len)) {
            rc = ct_fail(err, CT_EINVAL, "body-too-large",
                         "the body of alert %s has %zu bytes (at most %u)", it->alert_id,
                         it->body_len, CT_OUTBOX_BODY_MAX);
            break;
        }
        uint8_t digest[32];
        ct_sha256(digest, it->body ? it->body : "", it->body_len);
        ct_outbox_row row;
        memset(&row, 0, sizeof(row));
        ct_buf_reset(&old);
        rc = ct_store_get(db->st, NULL, k, sizeof(k), &old, err);
        if (rc == CT_OK) {
            ct_outbox_rec rec;
            if ((rc = ct_outbox_decode(&rec, k, sizeof(k), old.data, old.len, err)))
                break;
            if (rec.row.state == CT_OUTBOX_DELIVERED &&
                memcmp(rec.row.delivered_digest, digest, 32) == 0) {
                st->unchanged++;
                continue;
            }
            row = rec.row;
            bool same = rec.row.state == CT_OUTBOX_PENDING && rec.row.body_len == it->body_len &&
                        (it->body_len == 0 || memcmp(rec.body, it->body, it->body_len) == 0);
            if (!same) {
                /* A new body starts afresh; the digest of what was delivered stays. */
                row.attempts = 0;
                row.last_error[0] = '\0';
                row.queued = now;
            }
        } else if (rc == CT_ENOTFOUND) {
            rc = CT_OK;
            row.queued = now;
        } else {
            break;
        }
        row.state = CT_OUTBOX_PENDING;
        row.body_len = it->body_len;
        if (ct_outbox_encode(&nv, &row, it->body, it->body_len)) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "an outbox row");
            break;
        }
        ct_store_batch_put(b, k, sizeof(k), nv.data, nv.len);
        st->queued++;
    }
    ct_buf_release(&old);
    ct_buf_release(&nv);
    return rc;
}

int ct_outbox_queue(ct_db *db, ct_outbox_queue_stats *st, const ct_outbox_item *items, size_t n,
                    uint64_t now, ct_error *err)
{
    memset(st, 0, sizeof(*st));
    ct_store_batch *b = ct_store_batch_new();
    if (!b)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating a batch");
    int rc = ct_outbox_stage(db, b, st, items, n, now, err);
    if (rc == CT_OK && st->queued)
        rc = ct_store_write(db->st, b, true, err);
    ct_store_batch_free(b);
    return rc;
}

int ct_outbox_each(ct_db *db, int (*fn)(void *ctx, const ct_outbox_row *row, const char *body),
                   void *ctx, ct_error *err)
{
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "an iterator");
    const uint8_t first = CT_T_OUTBOX;
    int rc = CT_OK;
    for (ct_store_iter_seek(it, &first, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl < 1 || k[0] != CT_T_OUTBOX)
            break;
        const uint8_t *v = ct_store_iter_value(it, &vl);
        ct_outbox_rec rec;
        if ((rc = ct_outbox_decode(&rec, k, kl, v, vl, err)))
            break;
        if ((rc = fn(ctx, &rec.row, rec.body)))
            break;
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    return rc;
}
