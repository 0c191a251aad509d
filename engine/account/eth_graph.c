/* Reading the Ethereum tables: stats, blocks, transactions, per-address ledgers, and
 * ct_acct_graph_db(), the account-model graph of account.h over a database snapshot that
 * the account-model tracer walks. Every reader goes through engine/store/store.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/chains.h"
#include "chaintrail/ethdb.h"
#include "chaintrail/ethereum.h"
#include "chaintrail/labels.h"
#include "db/db_internal.h"
#include "account/eth_schema.h"
#include "intel/labels_internal.h"
#include "store/store.h"

int ct_eth_stats_get(ct_db *db, ct_eth_stats *out, ct_error *err)
{
    ct_e_meta m;
    memset(out, 0, sizeof(*out));
    out->height = -1;
    int rc = ct_e_load_meta(db->st, NULL, &m, err);
    if (rc != CT_OK)
        return rc;
    out->present = m.has_tip;
    out->chain_id = m.chain_id;
    out->height = m.has_tip ? (int64_t)m.tip_height : -1;
    out->first_height = m.first_height;
    out->blocks = m.c.blocks;
    out->txs = m.c.txs;
    out->native = m.c.native;
    out->internal = m.c.internal;
    out->transfers = m.c.native + m.c.internal;
    out->token_transfers = m.c.tokens;
    out->fee_events = m.c.fees;
    out->rewards = m.c.rewards;
    out->events = m.c.events;
    out->logs = m.c.logs;
    out->addresses = m.c.addresses;
    out->assets = m.c.assets;
    return CT_OK;
}

/* ---- a reader on a snapshot ---- */

typedef struct erd {
    ct_store *st;
    const ct_store_snapshot *snap;
    ct_buf v;
    ct_store_iter *it;
} erd;

static int erd_get(erd *r, const uint8_t *k, size_t kl, ct_error *err)
{
    return ct_store_get(r->st, r->snap, k, kl, &r->v, err);
}

static int load_address(erd *r, uint64_t addrid, uint8_t out[20], ct_error *err)
{
    uint8_t k[9];
    k[0] = CT_E_ADDRID;
    ct_put_be64(k + 1, addrid);
    int rc = erd_get(r, k, 9, err);
    if (rc == CT_ENOTFOUND)
        return ct_fail(err, CT_ENOTFOUND, "unknown-addrid", "no Ethereum address %llu",
                       (unsigned long long)addrid);
    if (rc != CT_OK)
        return rc;
    if (r->v.len != 20)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "address row of %zu bytes", r->v.len);
    memcpy(out, r->v.data, 20);
    return CT_OK;
}

static int format_addrid(erd *r, uint64_t addrid, char out[43], ct_error *err)
{
    uint8_t a[20];
    if (addrid == 0) {
        out[0] = 0;
        return CT_OK;
    }
    int rc = load_address(r, addrid, a, err);
    if (rc == CT_OK)
        ct_eth_address_format(out, a);
    return rc;
}

static int lookup_addrid(erd *r, const char *address, uint64_t *id, ct_error *err)
{
    uint8_t a[20], k[21];
    ct_error e;
    ct_error_clear(&e);
    if (ct_eth_address_parse(a, address, strlen(address), &e) != CT_OK)
        return ct_fail(err, CT_EINVAL, e.reason, "'%s' is not an Ethereum address", address);
    int rc = erd_get(r, k, ct_e_key_bytes(k, CT_E_ADDR, a, 20), err);
    if (rc == CT_ENOTFOUND)
        return ct_fail(err, CT_ENOTFOUND, "unknown-address", "address %s was never seen", address);
    if (rc != CT_OK)
        return rc;
    if (r->v.len != 8)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "address id row of %zu bytes", r->v.len);
    *id = ct_be64(r->v.data);
    return CT_OK;
}

int ct_eth_block_get(ct_db *db, ct_eth_block_info *out, uint32_t height, ct_error *err)
{
    erd r = {db->st, NULL, {0}, NULL};
    ct_buf_init(&r.v, 1u << 20);
    uint8_t k[5];
    k[0] = CT_E_BLOCK;
    ct_put_be32(k + 1, height);
    ct_e_block b;
    int rc = erd_get(&r, k, 5, err);
    if (rc == CT_ENOTFOUND)
        rc = ct_fail(err, CT_ENOTFOUND, "unknown-block", "no Ethereum block at height %u", height);
    if (rc == CT_OK && (rc = ct_e_block_decode(&b, r.v.data, r.v.len, err)) == CT_OK) {
        memset(out, 0, sizeof(*out));
        out->height = height;
        memcpy(out->hash, b.hash, 32);
        memcpy(out->parent, b.parent, 32);
        out->time = b.time;
        ct_eth_address_format(out->miner, b.miner);
        out->has_base_fee = b.has_base_fee;
        out->base_fee = b.base_fee;
        out->gas_used = b.gas_used;
        out->n_txs = b.n_txs;
        out->n_events = b.n_events;
    }
    ct_buf_release(&r.v);
    return rc;
}

static int tx_row(erd *r, const uint8_t hash[32], ct_e_tx *t, ct_error *err)
{
    uint8_t k[33];
    int rc = erd_get(r, k, ct_e_key_bytes(k, CT_E_TXID, hash, 32), err);
    if (rc == CT_ENOTFOUND) {
        char hx[65];
        ct_hex_encode(hx, hash, 32);
        return ct_fail(err, CT_ENOTFOUND, "unknown-tx", "no Ethereum transaction 0x%s", hx);
    }
    if (rc != CT_OK)
        return rc;
    if (r->v.len != 8)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "tx id row of %zu bytes", r->v.len);
    k[0] = CT_E_TX;
    memcpy(k + 1, r->v.data, 8);
    if ((rc = erd_get(r, k, 9, err)) != CT_OK)
        return rc == CT_ENOTFOUND ? ct_fail(err, CT_EDBCORRUPT, "bad-row", "tx id without X row")
                                  : rc;
    return ct_e_tx_decode(t, r->v.data, r->v.len, err);
}

int ct_eth_tx_get(ct_db *db, ct_eth_tx_info *out, const uint8_t hash[32], ct_error *err)
{
    erd r = {db->st, NULL, {0}, NULL};
    ct_buf_init(&r.v, 1u << 20);
    ct_e_tx t;
    int rc = tx_row(&r, hash, &t, err);
    if (rc == CT_OK) {
        memset(out, 0, sizeof(*out));
        memcpy(out->hash, t.hash, 32);
        out->height = t.height;
        out->index = t.index;
        out->type = t.type;
        out->status = t.status == 2 ? -1 : t.status;
        out->value = t.value;
        out->nonce = t.nonce;
        out->gas = t.gas;
        out->gas_used = t.gas_used;
        out->gas_price = t.gas_price;
        out->n_logs = t.n_logs;
        out->n_events = t.n_events;
        if ((rc = format_addrid(&r, t.from, out->from, err)) == CT_OK &&
            (rc = format_addrid(&r, t.to, out->to, err)) == CT_OK)
            rc = format_addrid(&r, t.contract, out->contract, err);
    }
    ct_buf_release(&r.v);
    return rc;
}

int ct_eth_address_ledgers(ct_db *db, const char *address, uint64_t *addrid,
                           int (*fn)(void *arg, const ct_eth_ledger_totals *t), void *arg,
                           ct_error *err)
{
    erd r = {db->st, NULL, {0}, NULL};
    ct_buf_init(&r.v, 1u << 20);
    uint64_t id = 0;
    int rc = lookup_addrid(&r, address, &id, err);
    if (rc == CT_OK && addrid)
        *addrid = id;
    ct_store_iter *it = rc == CT_OK ? ct_store_iter_new(db->st, NULL) : NULL;
    if (rc == CT_OK && !it)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "iterator");
    if (rc == CT_OK) {
        uint8_t k[13];
        ct_e_key_totals(k, id, 0);
        for (ct_store_iter_seek(it, k, 9); ct_store_iter_valid(it); ct_store_iter_next(it)) {
            size_t kl, vl;
            const uint8_t *key = ct_store_iter_key(it, &kl);
            const uint8_t *v = ct_store_iter_value(it, &vl);
            if (kl != 13 || memcmp(key, k, 9) != 0)
                break;
            ct_e_totals t;
            if ((rc = ct_e_totals_decode(&t, v, vl, err)) != CT_OK)
                break;
            ct_eth_ledger_totals lt;
            lt.asset = ct_be32(key + 9);
            lt.received = t.received;
            lt.sent = t.sent;
            lt.events = t.events;
            lt.first = t.first;
            lt.last = t.last;
            if ((rc = fn(arg, &lt)) != 0)
                break;
        }
        if (rc == CT_OK)
            rc = ct_store_iter_status(it, err);
        ct_store_iter_free(it);
    }
    ct_buf_release(&r.v);
    return rc;
}

/* ---- ct_acct_graph over a snapshot ---- */

typedef struct agraph {
    erd r;
    ct_db *db;
    ct_labels_reader *labels;
    ct_label_list list;
    const char *coin; /* the native asset of the database's chain (chains.h) */
} agraph;

static int g_ledger_next(void *ctx, uint64_t addrid, uint32_t asset, const ct_acct_pos *after,
                         ct_acct_event *ev, ct_error *err)
{
    agraph *g = ctx;
    uint8_t k[25];
    ct_acct_pos p = {0, 0, 0};
    if (after)
        p = *after;
    ct_e_key_ledger(k, addrid, asset, &p);
    ct_store_iter_seek(g->r.it, k, 25);
    while (ct_store_iter_valid(g->r.it)) {
        size_t kl, vl;
        const uint8_t *key = ct_store_iter_key(g->r.it, &kl);
        const uint8_t *v = ct_store_iter_value(g->r.it, &vl);
        if (kl != 25 || memcmp(key, k, 13) != 0)
            break;
        if (after && memcmp(key, k, 25) == 0) {
            ct_store_iter_next(g->r.it);
            continue;
        }
        return ct_e_event_decode(ev, key + 13, v, vl, err);
    }
    int rc = ct_store_iter_status(g->r.it, err);
    return rc != CT_OK ? rc : CT_ENOTFOUND;
}

/* ledger_assets and tx_events walk an iterator of their own, made for the call, so that
 * their callbacks may call any operation of the graph, these two included; ledger_next
 * keeps no position between calls and reuses the graph's iterator. */
static int g_ledger_assets(void *ctx, uint64_t addrid, int (*fn)(void *arg, uint32_t asset),
                           void *arg, ct_error *err)
{
    agraph *g = ctx;
    uint8_t k[13];
    ct_store_iter *it = ct_store_iter_new(g->r.st, g->r.snap);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "iterator");
    ct_e_key_totals(k, addrid, 0);
    int rc = CT_OK;
    for (ct_store_iter_seek(it, k, 9); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl;
        const uint8_t *key = ct_store_iter_key(it, &kl);
        if (kl != 13 || memcmp(key, k, 9) != 0)
            break;
        if ((rc = fn(arg, ct_be32(key + 9))) != 0)
            break;
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    return rc;
}

static int g_tx_events(void *ctx, const uint8_t hash[32],
                       int (*fn)(void *arg, const ct_acct_event *ev), void *arg, ct_error *err)
{
    agraph *g = ctx;
    ct_e_tx t;
    int rc = tx_row(&g->r, hash, &t, err);
    if (rc != CT_OK)
        return rc;
    ct_store_iter *it = ct_store_iter_new(g->r.st, g->r.snap);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "iterator");
    uint8_t k[13];
    ct_acct_pos p = {t.height, t.index, 0};
    ct_e_key_pos(k, CT_E_EVENT, &p);
    for (ct_store_iter_seek(it, k, 13); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *key = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (kl != 13 || memcmp(key, k, 9) != 0)
            break;
        ct_acct_event e;
        if ((rc = ct_e_event_decode(&e, key + 1, v, vl, err)) != CT_OK)
            break;
        if ((rc = fn(arg, &e)) != 0)
            break;
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    return rc;
}

static int g_addrid_of(void *ctx, const char *address, uint64_t *addrid, ct_error *err)
{
    agraph *g = ctx;
    return lookup_addrid(&g->r, address, addrid, err);
}

static int g_address_of(void *ctx, uint64_t addrid, char out[43], ct_error *err)
{
    agraph *g = ctx;
    if (addrid == 0)
        return ct_fail(err, CT_EINVAL, "fee-sink", "addrid 0 is the fee sink, not an address");
    return format_addrid(&g->r, addrid, out, err);
}

static int g_label_of(void *ctx, uint64_t addrid, char *category, size_t csize, char *label,
                      size_t lsize, ct_error *err)
{
    agraph *g = ctx;
    uint8_t a[20];
    char lower[43];
    int rc = load_address(&g->r, addrid, a, err);
    if (rc != CT_OK)
        return rc;
    lower[0] = '0';
    lower[1] = 'x';
    ct_hex_encode(lower + 2, a, 20);
    if ((rc = ct_labels_reader_get(g->labels, &g->list, lower, err)) != CT_OK)
        return rc;
    if (csize)
        category[0] = 0;
    if (lsize)
        label[0] = 0;
    if (g->list.count == 0)
        return CT_OK;
    size_t idx = 0;
    ct_label_category c = ct_labels_attribution(&g->list, 0, &idx);
    if (idx == SIZE_MAX)
        return CT_OK;
    const ct_label *l = &g->list.items[idx];
    snprintf(category, csize, "%s", ct_label_category_name(c));
    snprintf(label, lsize, "%s (%s)", l->label, l->source);
    return CT_OK;
}

static int g_asset_info(void *ctx, uint32_t asset, char *symbol, size_t ssize, uint8_t *decimals,
                        bool *known_decimals, char contract[43], ct_error *err)
{
    agraph *g = ctx;
    if (asset == CT_ACCT_ASSET_ETH) {
        snprintf(symbol, ssize, "%s", g->coin);
        *decimals = 18;
        *known_decimals = true;
        contract[0] = 0;
        return CT_OK;
    }
    uint8_t k[5];
    k[0] = CT_E_ASSETID;
    ct_put_be32(k + 1, asset);
    int rc = erd_get(&g->r, k, 5, err);
    if (rc == CT_ENOTFOUND)
        return ct_fail(err, CT_ENOTFOUND, "unknown-asset", "no asset %u", asset);
    if (rc != CT_OK)
        return rc;
    ct_e_asset a;
    if ((rc = ct_e_asset_decode(&a, g->r.v.data, g->r.v.len, err)) != CT_OK)
        return rc;
    snprintf(symbol, ssize, "%s", a.symbol);
    *decimals = a.decimals;
    *known_decimals = a.has_decimals;
    ct_eth_address_format(contract, a.contract);
    return CT_OK;
}

static int g_tip(void *ctx, uint32_t *height, uint32_t *time, ct_error *err)
{
    agraph *g = ctx;
    ct_e_meta m;
    int rc = ct_e_load_meta(g->r.st, g->r.snap, &m, err);
    if (rc != CT_OK)
        return rc;
    if (!m.has_tip)
        return ct_fail(err, CT_ENOTFOUND, "empty", "the database holds no Ethereum block");
    uint8_t k[5];
    k[0] = CT_E_BLOCK;
    ct_put_be32(k + 1, m.tip_height);
    ct_e_block b;
    if ((rc = erd_get(&g->r, k, 5, err)) != CT_OK ||
        (rc = ct_e_block_decode(&b, g->r.v.data, g->r.v.len, err)) != CT_OK)
        return rc == CT_ENOTFOUND ? ct_fail(err, CT_EDBCORRUPT, "bad-row", "tip without block row")
                                  : rc;
    *height = m.tip_height;
    *time = b.time;
    return CT_OK;
}

int ct_acct_graph_db(ct_acct_graph *out, ct_db *db, const ct_db_snapshot *snap, ct_error *err)
{
    agraph *g = calloc(1, sizeof(*g));
    memset(out, 0, sizeof(*out));
    if (!g)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "account graph");
    g->db = db;
    g->r.st = db->st;
    g->r.snap = ct_db_snapshot_store(snap);
    ct_buf_init(&g->r.v, 1u << 20);
    ct_label_list_init(&g->list);
    g->r.it = ct_store_iter_new(db->st, g->r.snap);
    int rc = g->r.it ? ct_labels_reader_new_at(&g->labels, db, g->r.snap, err)
                     : ct_fail(err, CT_ENOMEM, "out-of-memory", "iterator");
    ct_e_meta m;
    if (rc == CT_OK && (rc = ct_e_load_meta(db->st, g->r.snap, &m, err)) == CT_OK) {
        /* A chain the registry does not list keeps the Ethereum mainnet's name. */
        const ct_chain_network *n =
            ct_chain_network_by_id(ct_chain_family_get("ethereum"), m.chain_id);
        g->coin = n ? n->coin : "ETH";
    }
    if (rc != CT_OK) {
        out->ctx = g;
        ct_acct_graph_db_free(out);
        return rc;
    }
    out->ctx = g;
    out->ledger_next = g_ledger_next;
    out->ledger_assets = g_ledger_assets;
    out->tx_events = g_tx_events;
    out->addrid_of = g_addrid_of;
    out->address_of = g_address_of;
    out->label_of = g_label_of;
    out->asset_info = g_asset_info;
    out->tip = g_tip;
    return CT_OK;
}

void ct_acct_graph_db_free(ct_acct_graph *gr)
{
    agraph *g = gr ? gr->ctx : NULL;
    if (!g)
        return;
    if (g->r.it)
        ct_store_iter_free(g->r.it);
    if (g->labels)
        ct_labels_reader_free(g->labels);
    ct_label_list_release(&g->list);
    ct_buf_release(&g->r.v);
    free(g);
    gr->ctx = NULL;
}
