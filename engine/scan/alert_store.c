/* The alert store of `chaintrail scan` (docs/alerts.md, docs/storage.md): alerts (0xf5),
 * their append-only history (0xf6), and what each scan screened against (0xf7). A scan's
 * alerts, history entries, state and run record go into one synchronous batch.
 *
 *   0xf5 + id (16 bytes) -> version u8 (1), state u8, baseline u8, severity u8, direction u8,
 *       exposure u8, category u8, chain u8, hops BE32, share_ppm BE32, first_time BE32,
 *       last_time BE32, created_run BE64, baseline_run BE64, created_at BE64,
 *       updated_at BE64, n_history BE32, 5 amounts (32 bytes big-endian each since version
 *       3; 16 in versions 1 and 2), then
 *       customer_id, address, label, source, counterparty, asset (each BE16 length +
 *       bytes), BE32 txid count and the txids
 *   0xf6 + id + seq BE32 -> version u8 (1), time BE64, old state u8 (0xff: none), new
 *       state u8, by (BE16 + bytes), note (BE16 + bytes)
 *   0xf7 'S' -> version u8 (1), run BE64, time BE64, has_tip u8, height BE32, tip (32),
 *       digests of labels, policy, clusters, customers (4 x 32); version 2 adds the prices
 *       digest (32), version 3 the Ethereum tip: has u8, height BE32, hash (32)
 *   0xf7 'R' + run BE64 -> version u8 (2), time BE64, screened BE64, new BE64, updated BE64,
 *       unchanged BE64, absent BE64; version 2 only: screened for indirect exposure BE64,
 *       customer rows BE64 (version 1 is still read)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/hmap.h"
#include "chaintrail/cluster.h"
#include "chaintrail/prices.h"
#include "chaintrail/scan.h"
#include "db/db_internal.h"
#include "deliver/outbox.h"
#include "scan/scan_internal.h"
#include "scan/indirect_state.h"

typedef unsigned __int128 u128;

/* alert rows: 2 adds USD after the amounts, 3 widens the amounts to 256 bits (Ethereum); 1
 * and 2 are still read. State rows: 2 adds the price digest, 3 the Ethereum tip. */
#define ALERT_ROW_VERSION   3u
#define HISTORY_ROW_VERSION 1u
#define STATE_ROW_VERSION   3u
#define RUN_ROW_VERSION     2u /* 2 adds the indirect count and the rows; 1 is still read */
#define RUN_ROW_SIZE_1      (1 + 8 + 5 * 8)
#define RUN_ROW_SIZE        (RUN_ROW_SIZE_1 + 2 * 8)
#define ALERT_KEY_LEN       17 /* 0xf5 + 16 bytes */
#define HISTORY_KEY_LEN     21
#define NO_STATE            0xffu

static const char *const state_names[CT_ALERT_STATES] = {"open", "in_review", "escalated",
                                                         "dismissed", "resolved"};
static const char *const baseline_names[CT_ALERT_BASELINES] = {"new", "unchanged", "updated",
                                                               "absent"};
static const char *const why_names[] = {"incremental", "first",     "full",  "labels", "policy",
                                        "clusters",    "customers", "chain", "prices"};

const char *ct_alert_state_name(ct_alert_state s)
{
    return (unsigned)s < CT_ALERT_STATES ? state_names[s] : NULL;
}

const char *ct_alert_baseline_name(ct_alert_baseline b)
{
    return (unsigned)b < CT_ALERT_BASELINES ? baseline_names[b] : NULL;
}

const char *ct_scan_why_name(ct_scan_why w)
{
    return (unsigned)w < sizeof(why_names) / sizeof(why_names[0]) ? why_names[w] : NULL;
}

void ct_scan_alert_release(ct_scan_alert *a)
{
    free(a->customer_id);
    free(a->address);
    free(a->label);
    free(a->source);
    free(a->counterparty);
    free(a->txids);
    memset(a, 0, sizeof(*a));
}

void ct_scan_alerts_free(ct_scan_alert *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        ct_scan_alert_release(&a[i]);
    free(a);
}

void ct_scan_history_release(ct_scan_history_entry *h, size_t n)
{
    for (size_t i = 0; h && i < n; i++)
        free(h[i].note);
    free(h);
}

void ct_scan_run_release(ct_scan_run *r)
{
    ct_scan_alerts_free(r->items, r->count);
    memset(r, 0, sizeof(*r));
}

/* ---- digests ---- */
void ct_scan_policy_digest(uint8_t out[32], const ct_scan_policy *p)
{
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    ct_sha256_update(&c, "chaintrail-policy-v1", 20);
    for (unsigned i = 0; i < CT_LABEL_CATEGORIES; i++) {
        const ct_scan_rule *r = &p->rules[i];
        uint8_t b[4 + 4 + 8 + 8 + 4];
        b[0] = (uint8_t)r->severity;
        b[1] = (uint8_t)r->direction;
        b[2] = (uint8_t)r->exposure;
        b[3] = 0;
        ct_put_be32(b + 4, r->max_hops);
        ct_put_be64(b + 8, r->min_sat);
        ct_put_be64(b + 16, r->min_usd_cents);
        ct_put_be32(b + 24, r->min_share_ppm);
        ct_sha256_update(&c, b, sizeof(b));
    }
    ct_sha256_final(&c, out);
}

void ct_scan_customers_digest(uint8_t out[32], const ct_scan_customers *cs)
{
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    for (size_t i = 0; i < cs->count; i++) {
        const ct_scan_customer *cu = &cs->items[i];
        const char *chain = ct_scan_chain_name(cu->chain);
        ct_sha256_update(&c, cu->customer_id, strlen(cu->customer_id) + 1);
        ct_sha256_update(&c, chain, strlen(chain) + 1);
        ct_sha256_update(&c, cu->address, strlen(cu->address) + 1);
    }
    ct_sha256_final(&c, out);
}

/* ---- scan state ---- */
static const uint8_t state_key[2] = {CT_T_SCAN, 'S'};
#define STATE_ROW_SIZE_1 (1 + 8 + 8 + 1 + 4 + 32 + 4 * 32)
#define STATE_ROW_SIZE_2 (STATE_ROW_SIZE_1 + 32)
#define STATE_ROW_SIZE   (STATE_ROW_SIZE_2 + 1 + 4 + 32)

int ct_scan_state_get(ct_db *db, ct_scan_state *out, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    ct_buf v;
    ct_buf_init(&v, 1024);
    int rc = ct_store_get(db->st, NULL, state_key, sizeof(state_key), &v, err);
    if (rc == CT_ENOTFOUND) {
        ct_buf_release(&v);
        if (err)
            ct_error_clear(err);
        return CT_OK;
    }
    if (rc == CT_OK && !(v.len == STATE_ROW_SIZE && v.data[0] == 3) &&
        !(v.len == STATE_ROW_SIZE_2 && v.data[0] == 2) &&
        !(v.len == STATE_ROW_SIZE_1 && v.data[0] == 1))
        rc = ct_fail(err, CT_ECORRUPT, "bad-row", "scan state row of %zu bytes", v.len);
    if (rc == CT_OK) {
        const uint8_t *p = v.data + 1;
        out->present = true;
        out->run = ct_be64(p);
        out->time = ct_be64(p + 8);
        out->has_tip = p[16] != 0;
        out->height = ct_be32(p + 17);
        p += 21;
        memcpy(out->tip, p, 32);
        memcpy(out->labels, p + 32, 32);
        memcpy(out->policy, p + 64, 32);
        memcpy(out->clusters, p + 96, 32);
        memcpy(out->customers, p + 128, 32);
        /* version 1 (before USD): no price digest, all zero, so the first run after the
         * upgrade re-screens every row once and the alerts gain their USD */
        if (v.data[0] >= 2)
            memcpy(out->prices, p + 160, 32);
        /* version 3: the Ethereum tip; before it none, so every Ethereum row is screened */
        if (v.data[0] >= 3) {
            out->has_eth_tip = p[192] != 0;
            out->eth_height = ct_be32(p + 193);
            memcpy(out->eth_tip, p + 197, 32);
        }
    }
    ct_buf_release(&v);
    return rc;
}

static void state_encode(uint8_t b[STATE_ROW_SIZE], const ct_scan_state *s)
{
    b[0] = STATE_ROW_VERSION;
    ct_put_be64(b + 1, s->run);
    ct_put_be64(b + 9, s->time);
    b[17] = s->has_tip;
    ct_put_be32(b + 18, s->height);
    memcpy(b + 22, s->tip, 32);
    memcpy(b + 54, s->labels, 32);
    memcpy(b + 86, s->policy, 32);
    memcpy(b + 118, s->clusters, 32);
    memcpy(b + 150, s->customers, 32);
    memcpy(b + 182, s->prices, 32);
    b[214] = s->has_eth_tip;
    ct_put_be32(b + 215, s->eth_height);
    memcpy(b + 219, s->eth_tip, 32);
}

int ct_scan_state_now(ct_db *db, ct_scan_state *out, const ct_scan_policy *policy,
                      const ct_scan_customers *customers, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    ct_graph_chain_stats cs;
    int rc = ct_graph_stats(db, &cs, err);
    if (rc != CT_OK)
        return rc;
    out->has_tip = cs.has_tip;
    out->height = cs.height;
    memcpy(out->tip, cs.tip, 32);
    if ((rc = ct_labels_digest(db, out->labels, err)) != CT_OK)
        return rc;
    if ((rc = ct_prices_digest(db, out->prices, err)) != CT_OK)
        return rc;
    ct_scan_policy_digest(out->policy, policy);
    ct_scan_customers_digest(out->customers, customers);
    /* The clustering: its policy (the clusters themselves follow the chain, whose new
     * transactions re-screen the addresses that gained them). */
    uint8_t cl[33] = {0};
    if (db->clusters) {
        uint8_t pol[CT_CL_POLICY_SIZE];
        size_t n = ct_cl_policy_encode(pol, &db->cl_policy);
        cl[0] = 1;
        ct_sha256(cl + 1, pol, n);
    }
    ct_sha256(out->clusters, cl, sizeof(cl));
    return ct_scan_eth_tip(db, &out->has_eth_tip, &out->eth_height, out->eth_tip, err);
}

int ct_scan_plan(bool *screen, ct_scan_why *why, ct_db *db, const ct_scan_customers *customers,
                 const ct_scan_state *prev, const ct_scan_state *now, bool full, ct_error *err)
{
    ct_scan_why w = CT_SCAN_WHY_INCREMENTAL;
    if (!prev->present)
        w = CT_SCAN_WHY_FIRST;
    else if (full)
        w = CT_SCAN_WHY_FULL;
    else if (memcmp(prev->labels, now->labels, 32) != 0)
        w = CT_SCAN_WHY_LABELS;
    else if (memcmp(prev->policy, now->policy, 32) != 0)
        w = CT_SCAN_WHY_POLICY;
    else if (memcmp(prev->clusters, now->clusters, 32) != 0)
        w = CT_SCAN_WHY_CLUSTERS;
    else if (memcmp(prev->customers, now->customers, 32) != 0)
        w = CT_SCAN_WHY_CUSTOMERS;
    else if (memcmp(prev->prices, now->prices, 32) != 0)
        w = CT_SCAN_WHY_PRICES;
    else if (prev->has_tip) {
        /* The block the last scan stopped at must still be on the main chain. */
        ct_graph_block b;
        int rc = ct_graph_block_by_height(db, &b, prev->height, err);
        if (rc == CT_ENOTFOUND) {
            if (err)
                ct_error_clear(err);
            w = CT_SCAN_WHY_CHAIN;
        } else if (rc != CT_OK) {
            return rc;
        } else if (memcmp(b.hash, prev->tip, 32) != 0) {
            w = CT_SCAN_WHY_CHAIN;
        }
    }
    if (w == CT_SCAN_WHY_INCREMENTAL && prev->has_eth_tip) {
        bool moved;
        int rc = ct_scan_eth_tip_moved(db, prev->eth_height, prev->eth_tip, &moved, err);
        if (rc != CT_OK)
            return rc;
        if (moved)
            w = CT_SCAN_WHY_CHAIN;
    }
    *why = w;
    for (size_t i = 0; i < customers->count; i++)
        screen[i] = w != CT_SCAN_WHY_INCREMENTAL;
    if (w != CT_SCAN_WHY_INCREMENTAL)
        return CT_OK;
    for (size_t i = 0; i < customers->count; i++) {
        const ct_scan_customer *cu = &customers->items[i];
        if (cu->chain == CT_SCAN_ETHEREUM) {
            int rc = ct_scan_eth_active(db, cu->address, prev->has_eth_tip, prev->eth_height,
                                        &screen[i], err);
            if (rc != CT_OK)
                return rc;
            continue;
        }
        if (cu->chain != CT_SCAN_BITCOIN)
            continue;
        ct_graph_address ga;
        int rc = ct_graph_address_get(db, &ga, cu->address, err);
        if (rc == CT_ENOTFOUND) {
            if (err)
                ct_error_clear(err);
            continue; /* never seen: nothing to screen */
        }
        if (rc != CT_OK)
            return rc;
        screen[i] = ga.has_seen && (!prev->has_tip || ga.last.height > prev->height);
        ct_graph_address_release(&ga);
    }
    return CT_OK;
}

/* ---- alert rows ---- */
static int put_str(ct_buf *b, const char *s)
{
    size_t n = strlen(s);
    uint8_t l[2] = {(uint8_t)(n >> 8), (uint8_t)n};
    if (n > 0xffff)
        return CT_EINVAL;
    return ct_buf_append(b, l, 2) || ct_buf_append(b, s, n) ? CT_ENOMEM : CT_OK;
}

static int alert_encode(ct_buf *b, const ct_scan_alert *a)
{
    uint8_t h[8 + 4 * 4 + 4 * 8 + 4 + CT_MODEL_COUNT * 32 + 1 + 2 * 16];
    uint8_t *p = h;
    *p++ = ALERT_ROW_VERSION;
    *p++ = (uint8_t)a->state;
    *p++ = (uint8_t)a->baseline;
    *p++ = (uint8_t)a->severity;
    *p++ = (uint8_t)a->direction;
    *p++ = (uint8_t)a->exposure;
    *p++ = (uint8_t)a->category;
    *p++ = (uint8_t)a->chain;
    ct_put_be32(p, a->hops);
    ct_put_be32(p + 4, a->share_ppm);
    ct_put_be32(p + 8, a->first_time);
    ct_put_be32(p + 12, a->last_time);
    p += 16;
    ct_put_be64(p, a->created_run);
    ct_put_be64(p + 8, a->baseline_run);
    ct_put_be64(p + 16, a->created_at);
    ct_put_be64(p + 24, a->updated_at);
    p += 32;
    ct_put_be32(p, a->n_history);
    p += 4;
    for (int m = 0; m < CT_MODEL_COUNT; m++, p += 32)
        ct_u256_to_be(p, &a->amount[m]);
    /* version 2: USD known (0/1), then usd_low and usd_high in cents (0 when unknown) */
    *p++ = a->usd_known ? 1 : 0;
    ct_put_be64(p, a->usd_known ? (uint64_t)(a->usd_low >> 64) : 0);
    ct_put_be64(p + 8, a->usd_known ? (uint64_t)a->usd_low : 0);
    ct_put_be64(p + 16, a->usd_known ? (uint64_t)(a->usd_high >> 64) : 0);
    ct_put_be64(p + 24, a->usd_known ? (uint64_t)a->usd_high : 0);
    ct_buf_reset(b);
    int rc = ct_buf_append(b, h, sizeof(h)) ? CT_ENOMEM : CT_OK;
    const char *strs[] = {a->customer_id, a->address,      a->label,
                          a->source,      a->counterparty, a->asset};
    for (size_t i = 0; rc == CT_OK && i < sizeof(strs) / sizeof(strs[0]); i++)
        rc = put_str(b, strs[i]);
    uint8_t n[4];
    ct_put_be32(n, (uint32_t)a->n_txids);
    if (rc == CT_OK && (ct_buf_append(b, n, 4) || ct_buf_append(b, a->txids, a->n_txids * 32)))
        rc = CT_ENOMEM;
    return rc;
}

static bool get_str(char **out, const uint8_t **p, const uint8_t *end)
{
    if (end - *p < 2)
        return false;
    size_t n = (size_t)(*p)[0] << 8 | (*p)[1];
    *p += 2;
    if ((size_t)(end - *p) < n || memchr(*p, 0, n))
        return false;
    *out = malloc(n + 1);
    if (!*out)
        return false;
    memcpy(*out, *p, n);
    (*out)[n] = '\0';
    *p += n;
    return true;
}

static void set_range(ct_scan_alert *a)
{
    a->low = a->high = a->amount[0];
    for (int m = 1; m < CT_MODEL_COUNT; m++) {
        if (ct_u256_cmp(&a->amount[m], &a->low) < 0)
            a->low = a->amount[m];
        if (ct_u256_cmp(&a->amount[m], &a->high) > 0)
            a->high = a->amount[m];
    }
}

static int alert_decode(ct_scan_alert *a, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                        ct_error *err)
{
    memset(a, 0, sizeof(*a));
    /* version 1 ends its fixed part after the amounts; version 2 adds USD there; version 3
     * has 32-byte amounts */
    const size_t awidth = vl > 0 && v[0] >= 3 ? 32 : 16;
    const size_t head1 = 8 + 16 + 32 + 4 + CT_MODEL_COUNT * awidth;
    const size_t head = vl > 0 && v[0] >= 2 ? head1 + 1 + 2 * 16 : head1;
    const uint8_t *p = v, *end = v + vl;
    if (kl != ALERT_KEY_LEN || vl < head || v[0] < 1 || v[0] > ALERT_ROW_VERSION ||
        v[1] >= CT_ALERT_STATES || v[2] >= CT_ALERT_BASELINES || v[3] >= CT_SCAN_SEVERITIES ||
        v[4] < 1 || v[4] > 2 || v[5] < 1 || v[5] > 2 || v[6] >= CT_LABEL_CATEGORIES ||
        v[7] >= CT_SCAN_CHAINS)
        goto bad;
    ct_hex_encode(a->alert_id, k + 1, 16);
    a->state = (ct_alert_state)v[1];
    a->baseline = (ct_alert_baseline)v[2];
    a->severity = (ct_scan_severity)v[3];
    a->direction = v[4];
    a->exposure = v[5];
    a->category = (ct_label_category)v[6];
    a->chain = (ct_scan_chain)v[7];
    p = v + 8;
    a->hops = ct_be32(p);
    a->share_ppm = ct_be32(p + 4);
    a->first_time = ct_be32(p + 8);
    a->last_time = ct_be32(p + 12);
    p += 16;
    a->created_run = ct_be64(p);
    a->baseline_run = ct_be64(p + 8);
    a->created_at = ct_be64(p + 16);
    a->updated_at = ct_be64(p + 24);
    p += 32;
    a->n_history = ct_be32(p);
    p += 4;
    for (int m = 0; m < CT_MODEL_COUNT; m++, p += awidth)
        if (ct_u256_from_be(&a->amount[m], p, awidth, NULL) != CT_OK)
            goto bad;
    set_range(a);
    if (v[0] >= 2) {
        if (*p > 1)
            goto bad;
        a->usd_known = *p++ == 1;
        a->usd_low = (u128)ct_be64(p) << 64 | ct_be64(p + 8);
        a->usd_high = (u128)ct_be64(p + 16) << 64 | ct_be64(p + 24);
        p += 32;
        if (!a->usd_known && (a->usd_low || a->usd_high))
            goto bad;
    }
    char *asset = NULL;
    if (!get_str(&a->customer_id, &p, end) || !get_str(&a->address, &p, end) ||
        !get_str(&a->label, &p, end) || !get_str(&a->source, &p, end) ||
        !get_str(&a->counterparty, &p, end) || !get_str(&asset, &p, end) ||
        strlen(asset) >= sizeof(a->asset)) {
        free(asset);
        goto bad;
    }
    memcpy(a->asset, asset, strlen(asset) + 1);
    free(asset);
    if (end - p < 4)
        goto bad;
    uint32_t n = ct_be32(p);
    p += 4;
    if ((size_t)(end - p) != (size_t)n * 32)
        goto bad;
    if (n) {
        a->txids = malloc((size_t)n * 32);
        if (!a->txids) {
            ct_scan_alert_release(a);
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading an alert");
        }
        memcpy(a->txids, p, (size_t)n * 32);
    }
    a->n_txids = n;
    return CT_OK;
bad:
    ct_scan_alert_release(a);
    return ct_fail(err, CT_ECORRUPT, "bad-row", "alert row of %zu bytes does not decode", vl);
}

static int put_alert(ct_store_batch *b, ct_buf *v, const ct_scan_alert *a, ct_error *err)
{
    uint8_t k[ALERT_KEY_LEN];
    k[0] = CT_T_ALERT;
    if (ct_hex_decode(k + 1, a->alert_id, 16) != CT_OK)
        return ct_fail(err, CT_EINVAL, "bad-alert-id", "alert id '%s'", a->alert_id);
    int rc = alert_encode(v, a);
    if (rc != CT_OK)
        return ct_fail(err, rc, rc == CT_ENOMEM ? "out-of-memory" : "bad-value",
                       "encoding alert %s", a->alert_id);
    ct_store_batch_put(b, k, sizeof(k), v->data, v->len);
    return CT_OK;
}

static int put_history(ct_store_batch *b, ct_buf *v, const char *id, uint32_t seq, uint64_t time,
                       int old_state, ct_alert_state new_state, const char *by, const char *note,
                       ct_error *err)
{
    uint8_t k[HISTORY_KEY_LEN];
    k[0] = CT_T_ALERT_HISTORY;
    if (ct_hex_decode(k + 1, id, 16) != CT_OK)
        return ct_fail(err, CT_EINVAL, "bad-alert-id", "alert id '%s'", id);
    ct_put_be32(k + 17, seq);
    uint8_t h[1 + 8 + 2];
    h[0] = HISTORY_ROW_VERSION;
    ct_put_be64(h + 1, time);
    h[9] = old_state < 0 ? NO_STATE : (uint8_t)old_state;
    h[10] = (uint8_t)new_state;
    ct_buf_reset(v);
    if (ct_buf_append(v, h, sizeof(h)) || put_str(v, by) || put_str(v, note))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "writing a history entry");
    ct_store_batch_put(b, k, sizeof(k), v->data, v->len);
    return CT_OK;
}

/* Every stored alert, in key (id) order. */
int ct_scan_alerts_list(ct_db *db, ct_scan_alert **out, size_t *n, ct_error *err)
{
    ct_scan_alert *list = NULL;
    size_t count = 0, cap = 0;
    int rc = CT_OK;
    *out = NULL;
    *n = 0;
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    const uint8_t first = CT_T_ALERT;
    for (ct_store_iter_seek(it, &first, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (kl == 0 || k[0] != CT_T_ALERT)
            break;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            ct_scan_alert *nl = realloc(list, ncap * sizeof(*nl));
            if (!nl) {
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "listing alerts");
                break;
            }
            list = nl;
            cap = ncap;
        }
        if ((rc = alert_decode(&list[count], k, kl, v, vl, err)) != CT_OK)
            break;
        count++;
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    if (rc != CT_OK) {
        ct_scan_alerts_free(list, count);
        return rc;
    }
    *out = list;
    *n = count;
    return CT_OK;
}

int ct_scan_runs_list(ct_db *db, ct_scan_run_record **out, size_t *n, ct_error *err)
{
    ct_scan_run_record *list = NULL;
    size_t count = 0, cap = 0;
    int rc = CT_OK;
    *out = NULL;
    *n = 0;
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    const uint8_t first[2] = {CT_T_SCAN, 'R'};
    for (ct_store_iter_seek(it, first, 2); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (kl < 2 || k[0] != CT_T_SCAN || k[1] != 'R')
            break;
        if (kl != 10 ||
            !((vl == RUN_ROW_SIZE && v[0] == 2) || (vl == RUN_ROW_SIZE_1 && v[0] == 1))) {
            rc = ct_fail(err, CT_ECORRUPT, "bad-row", "scan run record of %zu bytes", vl);
            break;
        }
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            ct_scan_run_record *nl = realloc(list, ncap * sizeof(*nl));
            if (!nl) {
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "listing scan runs");
                break;
            }
            list = nl;
            cap = ncap;
        }
        ct_scan_run_record *r = &list[count++];
        memset(r, 0, sizeof(*r));
        r->run = ct_be64(k + 2);
        r->time = ct_be64(v + 1);
        r->screened = ct_be64(v + 9);
        r->n_new = ct_be64(v + 17);
        r->n_updated = ct_be64(v + 25);
        r->n_unchanged = ct_be64(v + 33);
        r->n_absent = ct_be64(v + 41);
        r->has_indirect = v[0] == 2;
        if (r->has_indirect) {
            r->screened_indirect = ct_be64(v + 49);
            r->rows = ct_be64(v + 57);
        }
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    if (rc != CT_OK) {
        free(list);
        return rc;
    }
    *out = list;
    *n = count;
    return CT_OK;
}

static int id_key(uint8_t k[ALERT_KEY_LEN], const char *id, ct_error *err)
{
    k[0] = CT_T_ALERT;
    if (strlen(id) != CT_SCAN_ALERT_ID_LEN || ct_hex_decode(k + 1, id, 16) != CT_OK)
        return ct_fail(err, CT_EINVAL, "bad-alert-id",
                       "'%.80s' is not an alert id (32 hexadecimal digits)", id);
    return CT_OK;
}

int ct_scan_alert_get(ct_db *db, ct_scan_alert *out, const char *id, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    uint8_t k[ALERT_KEY_LEN];
    int rc = id_key(k, id, err);
    if (rc != CT_OK)
        return rc;
    ct_buf v;
    ct_buf_init(&v, 1u << 30);
    rc = ct_store_get(db->st, NULL, k, sizeof(k), &v, err);
    if (rc == CT_ENOTFOUND)
        rc = ct_fail(err, CT_ENOTFOUND, "no-alert", "no alert %.32s", id);
    else if (rc == CT_OK)
        rc = alert_decode(out, k, sizeof(k), v.data, v.len, err);
    ct_buf_release(&v);
    return rc;
}

int ct_scan_alert_history(ct_db *db, ct_scan_history_entry **out, size_t *n, const char *id,
                          ct_error *err)
{
    *out = NULL;
    *n = 0;
    uint8_t k[ALERT_KEY_LEN];
    int rc = id_key(k, id, err);
    if (rc != CT_OK)
        return rc;
    k[0] = CT_T_ALERT_HISTORY;
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    ct_scan_history_entry *list = NULL;
    size_t count = 0, cap = 0;
    for (ct_store_iter_seek(it, k, sizeof(k)); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *hk = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (kl != HISTORY_KEY_LEN || memcmp(hk, k, sizeof(k)) != 0)
            break;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            ct_scan_history_entry *nl = realloc(list, ncap * sizeof(*nl));
            if (!nl) {
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "reading a history");
                break;
            }
            list = nl;
            cap = ncap;
        }
        ct_scan_history_entry *h = &list[count];
        memset(h, 0, sizeof(*h));
        const uint8_t *p = v + 11, *end = v + vl;
        char *by = NULL;
        if (vl < 11 || v[0] != HISTORY_ROW_VERSION ||
            (v[9] >= CT_ALERT_STATES && v[9] != NO_STATE) || v[10] >= CT_ALERT_STATES ||
            !get_str(&by, &p, end) || strlen(by) > CT_ALERT_BY_MAX || !get_str(&h->note, &p, end) ||
            p != end) {
            free(by);
            free(h->note);
            rc = ct_fail(err, CT_ECORRUPT, "bad-row", "history row of alert %.32s", id);
            break;
        }
        memcpy(h->by, by, strlen(by) + 1);
        free(by);
        h->seq = ct_be32(hk + 17);
        h->time = ct_be64(v + 1);
        h->has_old = v[9] != NO_STATE;
        h->old_state = h->has_old ? (ct_alert_state)v[9] : CT_ALERT_OPEN;
        h->new_state = (ct_alert_state)v[10];
        count++;
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    if (rc != CT_OK) {
        ct_scan_history_release(list, count);
        return rc;
    }
    *out = list;
    *n = count;
    return CT_OK;
}

static bool clean_text(const char *s, bool note)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && !(note && (*p == '\t' || *p == '\n'))) || *p == 0x7f)
            return false;
    return true;
}

int ct_scan_alert_set(ct_db *db, const char *id, int state, const char *note, const char *by,
                      uint64_t time, ct_error *err)
{
    if (!by || !*by || strlen(by) > CT_ALERT_BY_MAX || !clean_text(by, false))
        return ct_fail(err, CT_EINVAL, "bad-by",
                       "the analyst's name must be 1 to %d bytes without control characters",
                       CT_ALERT_BY_MAX);
    if (!note)
        note = "";
    if (strlen(note) > CT_ALERT_NOTE_MAX || !clean_text(note, true))
        return ct_fail(err, CT_EINVAL, "bad-note",
                       "a note must be at most %d bytes, without control characters but tab "
                       "and newline",
                       CT_ALERT_NOTE_MAX);
    if (state >= CT_ALERT_STATES)
        return ct_fail(err, CT_EINVAL, "bad-state", "state %d", state);
    ct_scan_alert a;
    int rc = ct_scan_alert_get(db, &a, id, err);
    if (rc != CT_OK)
        return rc;
    ct_alert_state old = a.state;
    if (state >= 0)
        a.state = (ct_alert_state)state;
    a.updated_at = time;
    uint32_t seq = a.n_history++;
    ct_store_batch *b = ct_store_batch_new();
    ct_buf v;
    ct_buf_init(&v, 1u << 30);
    if (!b)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating a batch");
    if (rc == CT_OK)
        rc = put_alert(b, &v, &a, err);
    if (rc == CT_OK)
        rc = put_history(b, &v, a.alert_id, seq, time, (int)old, a.state, by, note, err);
    if (rc == CT_OK)
        rc = ct_store_write(db->st, b, true, err);
    ct_store_batch_free(b);
    ct_buf_release(&v);
    ct_scan_alert_release(&a);
    return rc;
}

/* ---- a scan's commit ---- */
static char *dup_or_null(const char *s, bool *oom)
{
    char *d = strdup(s ? s : "");
    if (!d)
        *oom = true;
    return d;
}

static ct_u256 u256_of(u128 v)
{
    return (ct_u256){{(uint64_t)v, (uint64_t)(v >> 64), 0, 0}};
}

/* The alert of a finding (content only; the store's fields are set by the caller). */
static int from_finding(ct_scan_alert *a, const ct_scan_finding *f, const ct_scan_customer *cu,
                        const char *asset)
{
    memset(a, 0, sizeof(*a));
    unsigned exposure = f->exposure ? f->exposure : CT_SCAN_DIRECT;
    bool eth = f->chain == CT_SCAN_ETHEREUM;
    if (ct_scan_alert_id_asset(a->alert_id, cu->customer_id, cu->chain, cu->address, f->direction,
                               exposure, f->category, f->counterparty,
                               eth ? f->asset_id : NULL) != CT_OK)
        return CT_EINVAL;
    if (eth)
        asset = f->asset;
    bool oom = false;
    a->customer_id = dup_or_null(cu->customer_id, &oom);
    a->address = dup_or_null(cu->address, &oom);
    a->label = dup_or_null(f->label, &oom);
    a->source = dup_or_null(f->source, &oom);
    a->counterparty = dup_or_null(f->counterparty, &oom);
    snprintf(a->asset, sizeof(a->asset), "%s", asset);
    a->chain = cu->chain;
    a->direction = f->direction;
    a->exposure = exposure;
    a->category = f->category;
    a->severity = f->severity;
    a->hops = f->hops ? f->hops : 1;
    a->usd_known = f->usd_known;
    a->usd_low = f->usd_known ? f->usd_low : 0;
    a->usd_high = f->usd_known ? f->usd_high : 0;
    if (eth) {
        memcpy(a->amount, f->wide, sizeof(a->amount));
        a->low = f->wide_low;
        a->high = f->wide_high;
    } else {
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            a->amount[m] = u256_of(f->amount[m]);
        a->low = u256_of(f->low);
        a->high = u256_of(f->high);
    }
    a->share_ppm = f->share_ppm;
    a->first_time = f->first_time;
    a->last_time = f->last_time;
    if (f->n_txids) {
        a->txids = malloc(f->n_txids * 32);
        if (a->txids)
            memcpy(a->txids, f->txids, f->n_txids * 32);
        else
            oom = true;
    }
    a->n_txids = f->n_txids;
    return oom ? CT_ENOMEM : CT_OK;
}

/* Whether what a scan found differs from the stored alert (the baseline "updated"). USD is
 * left out on purpose: a price table imported or corrected would otherwise re-raise every
 * alert it prices (docs/alerts.md "Baselines"); see usd_differs. */
static bool content_differs(const ct_scan_alert *x, const ct_scan_alert *y)
{
    return x->severity != y->severity || x->hops != y->hops || x->share_ppm != y->share_ppm ||
           x->first_time != y->first_time || x->last_time != y->last_time ||
           memcmp(x->amount, y->amount, sizeof(x->amount)) != 0 || x->n_txids != y->n_txids ||
           (x->n_txids && memcmp(x->txids, y->txids, x->n_txids * 32) != 0) ||
           strcmp(x->label, y->label) != 0 || strcmp(x->source, y->source) != 0 ||
           strcmp(x->asset, y->asset) != 0;
}

/* Whether the USD values differ: the row is rewritten, the baseline is not changed. */
static bool usd_differs(const ct_scan_alert *x, const ct_scan_alert *y)
{
    return x->usd_known != y->usd_known || x->usd_low != y->usd_low || x->usd_high != y->usd_high;
}

/* Moves the content of `from` (a fresh finding) into `to` (the stored alert), keeping the
 * store's fields of `to`. */
static void take_content(ct_scan_alert *to, ct_scan_alert *from)
{
    ct_scan_alert keep = *to;
    *to = *from;
    memset(from, 0, sizeof(*from));
    to->state = keep.state;
    to->created_run = keep.created_run;
    to->created_at = keep.created_at;
    to->updated_at = keep.updated_at;
    to->n_history = keep.n_history;
    to->baseline = keep.baseline;
    to->baseline_run = keep.baseline_run;
    ct_scan_alert_release(&keep);
}

static int run_push(ct_scan_run *r, const ct_scan_alert *a)
{
    if (r->count == r->cap_) {
        size_t cap = r->cap_ ? r->cap_ * 2 : 16;
        ct_scan_alert *n = realloc(r->items, cap * sizeof(*n));
        if (!n)
            return CT_ENOMEM;
        r->items = n;
        r->cap_ = cap;
    }
    /* A deep copy: the run's list outlives the store's working list. */
    ct_scan_alert *c = &r->items[r->count];
    *c = *a;
    bool oom = false;
    c->customer_id = dup_or_null(a->customer_id, &oom);
    c->address = dup_or_null(a->address, &oom);
    c->label = dup_or_null(a->label, &oom);
    c->source = dup_or_null(a->source, &oom);
    c->counterparty = dup_or_null(a->counterparty, &oom);
    c->txids = NULL;
    if (a->n_txids && (c->txids = malloc(a->n_txids * 32)) != NULL)
        memcpy(c->txids, a->txids, a->n_txids * 32);
    else if (a->n_txids)
        oom = true;
    r->count++;
    return oom ? CT_ENOMEM : CT_OK;
}

/* The customer row of an alert, as a hash map key: SHA-256 of customer_id NUL chain NUL
 * address (a row can pass the map's key limit). */
static void row_key(uint8_t k[32], const char *customer_id, ct_scan_chain chain,
                    const char *address)
{
    ct_sha256_ctx c;
    const char *ch = ct_scan_chain_name(chain);
    ct_sha256_init(&c);
    ct_sha256_update(&c, customer_id, strlen(customer_id) + 1);
    ct_sha256_update(&c, ch, strlen(ch) + 1);
    ct_sha256_update(&c, address, strlen(address));
    ct_sha256_final(&c, k);
}

/* THE point where the new and updated alerts of a run are known (engine/scan/README.md):
 * `changed` holds them and the alerts that became absent in this run, with their baseline,
 * and `b` is the run's batch, not written yet. Whatever must happen to them atomically
 * with the alerts adds its rows to `b` here: the webhook outbox (table 0xf8), whose rows
 * then cannot be lost or written twice by a kill (docs/scan.md "Webhook"). */
static int on_new_or_updated(ct_db *db, ct_store_batch *b, ct_scan_outbox *outbox,
                             ct_scan_alert *const *changed, size_t n, uint64_t time, ct_error *err)
{
    if (!outbox || !outbox->body || n == 0)
        return CT_OK;
    ct_outbox_item *items = calloc(n, sizeof(*items));
    char **bodies = calloc(n, sizeof(*bodies));
    int rc = CT_OK;
    if (!items || !bodies)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "the webhook's bodies");
    for (size_t i = 0; rc == CT_OK && i < n; i++) {
        size_t len = 0;
        if ((rc = outbox->body(outbox->ctx, changed[i], &bodies[i], &len)) != CT_OK) {
            rc = ct_fail(err, rc, rc == CT_ENOMEM ? "out-of-memory" : "bad-body",
                         "the webhook body of alert %s", changed[i]->alert_id);
            break;
        }
        items[i] = (ct_outbox_item){changed[i]->alert_id, bodies[i], len};
    }
    ct_outbox_queue_stats st = {0, 0};
    if (rc == CT_OK)
        rc = ct_outbox_stage(db, b, &st, items, n, time, err);
    outbox->queued = st.queued;
    outbox->unchanged = st.unchanged;
    for (size_t i = 0; bodies && i < n; i++)
        free(bodies[i]);
    free(bodies);
    free(items);
    return rc;
}

typedef struct order_key {
    uint64_t row; /* the customer row, UINT64_MAX: not in the file */
    size_t seq;   /* the position before sorting */
} order_key;

static int cmp_order(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts the run's alerts by customer row (file order; alerts of rows no longer in the file
 * last), keeping the order within a row: the findings in order of first appearance, then
 * the alerts not found again, in id order. */
static int order_run(ct_scan_run *r, const ct_hmap *rows, ct_error *err)
{
    if (r->count < 2)
        return CT_OK;
    order_key *k = malloc(r->count * sizeof(*k));
    ct_scan_alert *sorted = malloc(r->count * sizeof(*sorted));
    if (!k || !sorted) {
        free(k);
        free(sorted);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "ordering the alerts");
    }
    for (size_t i = 0; i < r->count; i++) {
        uint8_t rk[32];
        uint64_t v;
        row_key(rk, r->items[i].customer_id, r->items[i].chain, r->items[i].address);
        k[i].row = ct_hmap_get(rows, rk, 32, &v) ? v >> 2 : UINT64_MAX;
        k[i].seq = i;
    }
    qsort(k, r->count, sizeof(*k), cmp_order);
    for (size_t i = 0; i < r->count; i++)
        sorted[i] = r->items[k[i].seq];
    memcpy(r->items, sorted, r->count * sizeof(*sorted));
    free(sorted);
    free(k);
    return CT_OK;
}

int ct_scan_alerts_commit(ct_scan_run *out, ct_db *db, const ct_scan_customers *customers,
                          const bool *direct, const bool *indirect,
                          const ct_scan_findings *findings, const char *asset,
                          const ct_scan_state *now, uint64_t time, ct_scan_outbox *outbox,
                          ct_error *err)
{
    return ct_scan_alerts_commit_state(out, db, customers, direct, indirect, findings, asset, now,
                                       time, outbox, NULL, err);
}

int ct_scan_alerts_commit_state(ct_scan_run *out, ct_db *db, const ct_scan_customers *customers,
                                const bool *direct, const bool *indirect,
                                const ct_scan_findings *findings, const char *asset,
                                const ct_scan_state *now, uint64_t time, ct_scan_outbox *outbox,
                                const ct_scan_istate *istate, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    if (outbox)
        outbox->queued = outbox->unchanged = 0;
    ct_scan_state prev;
    int rc = ct_scan_state_get(db, &prev, err);
    if (rc != CT_OK)
        return rc;
    uint64_t run = prev.run + 1;
    out->run = run;
    out->time = time;

    ct_scan_alert *stored = NULL;
    size_t n_stored = 0;
    if ((rc = ct_scan_alerts_list(db, &stored, &n_stored, err)) != CT_OK)
        return rc;
    /* seen[i]: stored alert i was found by this run; touched[i]: its row must be written */
    bool *seen = calloc(n_stored ? n_stored : 1, sizeof(bool));
    bool *touched = calloc(n_stored ? n_stored : 1, sizeof(bool));
    ct_scan_alert *fresh = calloc(findings->count ? findings->count : 1, sizeof(*fresh));
    /* the run's new and updated alerts (at most one per finding), then those it makes absent */
    ct_scan_alert **changed =
        calloc(findings->count + n_stored ? findings->count + n_stored : 1, sizeof(*changed));
    size_t n_fresh = 0, n_changed = 0;
    ct_hmap ids, rows;
    ct_hmap_init(&ids);
    ct_hmap_init(&rows);
    ct_buf v;
    ct_buf_init(&v, 1u << 30);
    ct_store_batch *b = ct_store_batch_new();
    if (!seen || !touched || !fresh || !changed || !b) {
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "storing the alerts");
        goto done;
    }
    for (size_t i = 0; i < n_stored; i++)
        if (ct_hmap_put(&ids, stored[i].alert_id, CT_SCAN_ALERT_ID_LEN, i) != CT_OK) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "storing the alerts");
            goto done;
        }
    /* The rows of the customer file: the first row's index << 2 (for the order of the
     * output), bit 0 screened for direct exposure by this run, bit 1 for indirect. A row
     * given twice counts as screened when either was. */
    for (size_t c = 0; c < customers->count; c++) {
        const ct_scan_customer *cu = &customers->items[c];
        uint64_t sc = (uint64_t)(!direct || direct[c]) | (uint64_t)(!indirect || indirect[c]) << 1;
        out->screened += sc & 1;
        out->screened_indirect += sc >> 1;
        uint64_t was;
        uint8_t rk[32];
        row_key(rk, cu->customer_id, cu->chain, cu->address);
        bool had = ct_hmap_get(&rows, rk, 32, &was);
        uint64_t index = had ? was >> 2 : c;
        if (had)
            sc |= was & 3;
        if (ct_hmap_put(&rows, rk, 32, index << 2 | sc) != CT_OK) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "storing the alerts");
            goto done;
        }
    }

    /* The findings: new, updated or unchanged. */
    for (size_t i = 0; i < findings->count; i++) {
        const ct_scan_finding *f = &findings->items[i];
        ct_scan_alert a;
        if ((rc = from_finding(&a, f, &customers->items[f->customer], asset)) != CT_OK) {
            ct_scan_alert_release(&a);
            rc = ct_fail(err, rc, rc == CT_ENOMEM ? "out-of-memory" : "bad-finding",
                         "finding %zu of the scan", i);
            goto done;
        }
        uint64_t at;
        ct_scan_alert *cur;
        if (ct_hmap_get(&ids, a.alert_id, CT_SCAN_ALERT_ID_LEN, &at)) {
            if (at >= n_stored) { /* the same row twice in the customer file */
                ct_scan_alert_release(&a);
                continue;
            }
            cur = &stored[at];
            bool was_absent = cur->baseline == CT_ALERT_ABSENT;
            bool differs = content_differs(&a, cur);
            if (usd_differs(&a, cur))
                touched[at] = true; /* stored with the new USD, baseline as it is */
            take_content(cur, &a);
            ct_alert_baseline bl = was_absent ? CT_ALERT_NEW
                                   : differs  ? CT_ALERT_UPDATED
                                              : CT_ALERT_UNCHANGED;
            if (bl != CT_ALERT_UNCHANGED || cur->baseline != bl) {
                cur->baseline_run = run;
                touched[at] = true;
            }
            cur->baseline = bl;
            if (bl != CT_ALERT_UNCHANGED)
                cur->updated_at = time;
            seen[at] = true;
            /* later duplicates of this id are skipped */
            if (ct_hmap_put(&ids, cur->alert_id, CT_SCAN_ALERT_ID_LEN, n_stored + at) != CT_OK) {
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "storing the alerts");
                goto done;
            }
        } else {
            cur = &fresh[n_fresh++];
            *cur = a;
            cur->state = CT_ALERT_OPEN;
            cur->baseline = CT_ALERT_NEW;
            cur->created_run = cur->baseline_run = run;
            cur->created_at = cur->updated_at = time;
            cur->n_history = 1;
            if (ct_hmap_put(&ids, cur->alert_id, CT_SCAN_ALERT_ID_LEN, SIZE_MAX) != CT_OK) {
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "storing the alerts");
                goto done;
            }
            char note[64];
            snprintf(note, sizeof(note), "raised by scan run %llu", (unsigned long long)run);
            if ((rc = put_history(b, &v, cur->alert_id, 0, time, -1, CT_ALERT_OPEN, "scan", note,
                                  err)) != CT_OK)
                goto done;
            if ((rc = put_alert(b, &v, cur, err)) != CT_OK)
                goto done;
        }
        if (cur->baseline == CT_ALERT_NEW || cur->baseline == CT_ALERT_UPDATED)
            changed[n_changed++] = cur;
        if (run_push(out, cur) != CT_OK) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "listing the run's alerts");
            goto done;
        }
        switch (cur->baseline) {
        case CT_ALERT_NEW:
            out->n_new++;
            break;
        case CT_ALERT_UPDATED:
            out->n_updated++;
            break;
        default:
            out->n_unchanged++;
            break;
        }
    }

    /* The stored alerts this run did not find: absent when their row was screened for their
     * exposure or is no longer in the customer file, else unchanged (an alert already absent
     * stays so and is not listed again). */
    for (size_t i = 0; i < n_stored; i++) {
        ct_scan_alert *a = &stored[i];
        if (seen[i] || a->baseline == CT_ALERT_ABSENT)
            continue;
        uint8_t rk[32];
        row_key(rk, a->customer_id, a->chain, a->address);
        uint64_t what;
        uint64_t bit = a->exposure == CT_SCAN_INDIRECT ? 2 : 1;
        if (!ct_hmap_get(&rows, rk, 32, &what) || (what & bit)) {
            a->baseline = CT_ALERT_ABSENT;
            a->baseline_run = run;
            a->updated_at = time;
            out->n_absent++;
            touched[i] = true;
            changed[n_changed++] = a;
        } else {
            if (a->baseline != CT_ALERT_UNCHANGED) {
                a->baseline = CT_ALERT_UNCHANGED;
                a->baseline_run = run;
                touched[i] = true;
            }
            out->n_unchanged++;
        }
        if (run_push(out, a) != CT_OK) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "listing the run's alerts");
            goto done;
        }
    }
    for (size_t i = 0; i < n_stored; i++)
        if (touched[i] && (rc = put_alert(b, &v, &stored[i], err)) != CT_OK)
            goto done;

    if ((rc = on_new_or_updated(db, b, outbox, changed, n_changed, time, err)) != CT_OK)
        goto done;
    if ((rc = order_run(out, &rows, err)) != CT_OK)
        goto done;

    /* What this run screened against, and its record. */
    ct_scan_state st = *now;
    st.present = true;
    st.run = run;
    st.time = time;
    uint8_t sv[STATE_ROW_SIZE];
    state_encode(sv, &st);
    ct_store_batch_put(b, state_key, sizeof(state_key), sv, sizeof(sv));
    uint8_t rk[10] = {CT_T_SCAN, 'R'};
    ct_put_be64(rk + 2, run);
    uint8_t rv[RUN_ROW_SIZE];
    rv[0] = RUN_ROW_VERSION;
    ct_put_be64(rv + 1, time);
    ct_put_be64(rv + 9, out->screened);
    ct_put_be64(rv + 17, out->n_new);
    ct_put_be64(rv + 25, out->n_updated);
    ct_put_be64(rv + 33, out->n_unchanged);
    ct_put_be64(rv + 41, out->n_absent);
    ct_put_be64(rv + 49, out->screened_indirect);
    ct_put_be64(rv + 57, customers->count);
    ct_store_batch_put(b, rk, sizeof(rk), rv, sizeof(rv));
    if (istate && (rc = ct_istate_write(b, db, istate, run, err)) != CT_OK)
        goto done;
    rc = ct_store_write(db->st, b, true, err);

done:
    ct_store_batch_free(b);
    ct_buf_release(&v);
    ct_hmap_release(&ids);
    ct_hmap_release(&rows);
    ct_scan_alerts_free(fresh, n_fresh);
    ct_scan_alerts_free(stored, n_stored);
    free(seen);
    free(touched);
    free(changed);
    if (rc != CT_OK)
        ct_scan_run_release(out);
    return rc;
}
