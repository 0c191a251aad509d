/* The state of the direct screen kept between scans (docs/scan.md "Incremental direct
 * exposure"), in the scan's table, written in the batch of the alerts (alert_store.c, with
 * the indirect screen's, indirect_state.c):
 *
 *   0xf7 'D' -> version u8 (1), run BE64, next_txnum BE64, clusters u8, next_addrid BE64,
 *       labelled cluster count BE32, each: id, size, labelled members, the labelled member
 *       whose label the cluster carries, its rank (BE64 each)
 *   0xf7 'E' + customer address -> version u8 (1), exposure count BE32, each: direction u8,
 *       counterparty length u8 + counterparty, 5 amounts and 5 USD values (BE64 high half,
 *       BE64 low half), priced u8, first height, first time, first index, first position,
 *       last height, last time (BE32 each), evidence count BE32, each txid (32)
 */
#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"
#include "scan/scan_internal.h"
#include "scan/direct_state.h"
#include "scan/indirect_state.h"

typedef unsigned __int128 u128;

#define DSTATE_VERSION 1u
#define ROW_VERSION    1u
#define HEAD_SIZE      (1 + 8 + 8 + 1 + 8 + 4)
#define CL_W           5

static const uint8_t head_key[2] = {CT_T_SCAN, 'D'};
static const uint8_t row_pre[2] = {CT_T_SCAN, 'E'};

void ct_dstate_free(ct_dstate *d)
{
    if (!d)
        return;
    free(d->cl);
    ct_buf_release(&d->rows);
    free(d);
}

int ct_dexp_encode(ct_buf *v, const char *L, const ct_dexp *e)
{
    size_t ll = strlen(L);
    if (ll > 255)
        return CT_ENOMEM; /* labelled addresses are at most CT_LABEL_ADDRESS_MAX bytes */
    int rc = ct_buf_putc(v, (char)e->direction);
    rc |= ct_buf_putc(v, (char)ll);
    rc |= ct_buf_append(v, L, ll);
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        rc |= ct_scan_put_u128(v, e->amount[m]);
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        rc |= ct_scan_put_u128(v, e->usd_cents[m]);
    rc |= ct_buf_putc(v, (char)e->priced);
    rc |= ct_scan_put_32(v, e->first_height);
    rc |= ct_scan_put_32(v, e->first_time);
    rc |= ct_scan_put_32(v, e->first_index);
    rc |= ct_scan_put_32(v, e->first_pos);
    rc |= ct_scan_put_32(v, e->last_height);
    rc |= ct_scan_put_32(v, e->last_time);
    rc |= ct_scan_put_32(v, (uint32_t)e->n_txids);
    if (rc == CT_OK && e->n_txids)
        rc = ct_buf_append(v, e->txids, 32 * e->n_txids);
    return rc ? CT_ENOMEM : CT_OK;
}

int ct_dstate_add_row(ct_dstate *d, const char *a, size_t n, const ct_buf *v)
{
    size_t al = strlen(a);
    int rc = ct_scan_put_32(&d->rows, (uint32_t)(2 + al));
    rc |= ct_buf_append(&d->rows, row_pre, 2);
    rc |= ct_buf_append(&d->rows, a, al);
    rc |= ct_scan_put_32(&d->rows, (uint32_t)(1 + 4 + v->len));
    rc |= ct_buf_putc(&d->rows, (char)ROW_VERSION);
    rc |= ct_scan_put_32(&d->rows, (uint32_t)n);
    rc |= ct_buf_append(&d->rows, v->data, v->len);
    return rc ? CT_ENOMEM : CT_OK;
}

int ct_dstate_write(ct_store_batch *b, ct_db *db, const ct_dstate *d, uint64_t run, ct_error *err)
{
    /* The rows of the last run go, whatever this one has. */
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "writing the scan state");
    for (ct_store_iter_seek(it, row_pre, 2); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl < 2 || memcmp(k, row_pre, 2) != 0)
            break;
        ct_store_batch_del(b, k, kl);
    }
    int rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    if (rc != CT_OK)
        return rc;
    if (!d) {
        ct_store_batch_del(b, head_key, sizeof(head_key));
        return CT_OK;
    }
    ct_buf h;
    ct_buf_init(&h, (size_t)1 << 30);
    int wrc = ct_buf_putc(&h, (char)DSTATE_VERSION);
    wrc |= ct_scan_put_64(&h, run);
    wrc |= ct_scan_put_64(&h, d->next_txnum);
    wrc |= ct_buf_putc(&h, (char)d->clusters);
    wrc |= ct_scan_put_64(&h, d->next_addrid);
    wrc |= ct_scan_put_32(&h, (uint32_t)d->n_cl);
    for (size_t i = 0; wrc == CT_OK && i < CL_W * d->n_cl; i++)
        wrc |= ct_scan_put_64(&h, d->cl[i]);
    if (wrc != CT_OK)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "writing the scan state");
    else
        ct_store_batch_put(b, head_key, sizeof(head_key), h.data, h.len);
    ct_buf_release(&h);
    for (size_t off = 0; rc == CT_OK && off + 4 <= d->rows.len;) {
        const uint8_t *p = d->rows.data + off;
        uint32_t kl = ct_be32(p), vl = ct_be32(p + 4 + kl);
        ct_store_batch_put(b, p + 4, kl, p + 8 + kl, vl);
        off += 8 + (size_t)kl + vl;
    }
    return rc;
}

int ct_dstate_load_head(ct_db *db, uint64_t *run, uint64_t *next_txnum, bool *clusters,
                        ct_scan_istate *prev, ct_error *err)
{
    ct_buf v;
    ct_buf_init(&v, (size_t)1 << 30);
    *run = 0;
    int rc = ct_store_get(db->st, NULL, head_key, sizeof(head_key), &v, err);
    if (rc == CT_ENOTFOUND) {
        ct_buf_release(&v);
        if (err)
            ct_error_clear(err);
        return CT_OK;
    }
    size_t ncl = v.len >= HEAD_SIZE ? ct_be32(v.data + HEAD_SIZE - 4) : 0;
    if (rc == CT_OK &&
        (v.len < HEAD_SIZE || v.data[0] != DSTATE_VERSION || (v.len - HEAD_SIZE) != ncl * 8 * CL_W))
        rc = ct_fail(err, CT_ECORRUPT, "bad-row", "scan direct state row of %zu bytes", v.len);
    free(prev->cl);
    prev->cl = NULL;
    prev->n_cl = 0;
    if (rc == CT_OK && ncl && !(prev->cl = malloc(ncl * CL_W * sizeof(*prev->cl))))
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the scan state");
    if (rc == CT_OK) {
        *run = ct_be64(v.data + 1);
        *next_txnum = ct_be64(v.data + 9);
        *clusters = v.data[17] != 0;
        prev->next_addrid = ct_be64(v.data + 18);
        prev->n_cl = ncl;
        for (size_t i = 0; i < CL_W * ncl; i++)
            prev->cl[i] = ct_be64(v.data + HEAD_SIZE + 8 * i);
    }
    ct_buf_release(&v);
    return rc;
}

/* One row's exposures, each handed to fn. */
static int decode_row(ct_scan_rd *r, const char *a,
                      int (*fn)(void *, const char *, const char *, ct_dexp *), void *arg)
{
    if (ct_scan_rd_8(r) != ROW_VERSION)
        return CT_ECORRUPT;
    uint32_t n = ct_scan_rd_32(r);
    int rc = CT_OK;
    for (uint32_t i = 0; rc == CT_OK && i < n && !r->bad; i++) {
        ct_dexp e;
        memset(&e, 0, sizeof(e));
        char L[256];
        e.direction = ct_scan_rd_8(r);
        size_t ll = ct_scan_rd_8(r);
        const uint8_t *lp = ct_scan_rd_take(r, ll);
        if (!lp)
            break;
        memcpy(L, lp, ll);
        L[ll] = '\0';
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            e.amount[m] = ct_scan_rd_u128(r);
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            e.usd_cents[m] = ct_scan_rd_u128(r);
        e.priced = ct_scan_rd_8(r) != 0;
        e.first_height = ct_scan_rd_32(r);
        e.first_time = ct_scan_rd_32(r);
        e.first_index = ct_scan_rd_32(r);
        e.first_pos = ct_scan_rd_32(r);
        e.last_height = ct_scan_rd_32(r);
        e.last_time = ct_scan_rd_32(r);
        uint32_t k = ct_scan_rd_32(r);
        if (r->bad || k > r->left / 32)
            return CT_ECORRUPT;
        const uint8_t *t = ct_scan_rd_take(r, 32 * (size_t)k);
        if (k) {
            if (!(e.txids = malloc(32 * (size_t)k)))
                return CT_ENOMEM;
            memcpy(e.txids, t, 32 * (size_t)k);
        }
        e.n_txids = e.cap_txids = k;
        rc = fn(arg, a, L, &e);
        free(e.txids);
    }
    if (rc != CT_OK)
        return rc;
    return r->bad || r->left ? CT_ECORRUPT : CT_OK;
}

int ct_dstate_each(ct_db *db, int (*fn)(void *arg, const char *a, const char *L, ct_dexp *e),
                   void *arg, ct_error *err)
{
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the scan state");
    int rc = CT_OK;
    for (ct_store_iter_seek(it, row_pre, 2); rc == CT_OK && ct_store_iter_valid(it);
         ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl < 2 || memcmp(k, row_pre, 2) != 0)
            break;
        const uint8_t *val = ct_store_iter_value(it, &vl);
        char *a = malloc(kl - 1);
        if (!a) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the scan state");
            break;
        }
        memcpy(a, k + 2, kl - 2);
        a[kl - 2] = '\0';
        ct_scan_rd r = {val, vl, false};
        rc = decode_row(&r, a, fn, arg);
        if (rc == CT_ENOMEM)
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the scan state");
        else if (rc == CT_ECORRUPT)
            rc =
                ct_fail(err, CT_ECORRUPT, "bad-row", "scan direct state row of '%s' is damaged", a);
        free(a);
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    return rc;
}
