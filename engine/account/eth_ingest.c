/* Ethereum ingest: block bundles from a source (eth_source.h) into the Ethereum tables
 * (eth_schema.h), one synchronous batch per block holding its rows, its undo record, the
 * counters and the resume marker (the tip). Every value flow of the block becomes an
 * account-model event (account.h) in the order of taint-models.md; each event is stored
 * once by position and once in the ledger of each side, and the per-ledger totals follow.
 *
 * Undo: every row a block writes goes through a per-block overlay that remembers, once per
 * key, what the key held before the block (absent or its old value). The undo record is
 * that list; rolling a block back restores it in one batch, so a database that saw a block
 * and lost it is byte for byte the one that never saw it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/ethdb.h"
#include "chaintrail/ethereum.h"
#include "db/db_internal.h"
#include "account/eth_schema.h"
#include "ethereum/eth_source.h"
#include "base/hmap.h"
#include "store/store.h"

static const uint8_t TOPIC_TRANSFER[32] = {
    0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
    0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef};

/* ---- the overlay of one block ---- */

typedef struct ov_ent {
    uint32_t koff, klen;
    uint32_t ooff, olen; /* old value (has_old) */
    uint32_t coff, clen; /* current value (has_cur) */
    bool has_old, has_cur, dirty;
} ov_ent;

typedef struct ov {
    ct_hmap map;
    ov_ent *e;
    size_t n, cap;
    ct_buf pool;
    ct_buf tmp;
} ov;

static void ov_init(ov *o)
{
    memset(o, 0, sizeof(*o));
    ct_hmap_init(&o->map);
    ct_buf_init(&o->pool, (size_t)1 << 31);
    ct_buf_init(&o->tmp, (size_t)1 << 30);
}
static void ov_release(ov *o)
{
    ct_hmap_release(&o->map);
    free(o->e);
    ct_buf_release(&o->pool);
    ct_buf_release(&o->tmp);
}
static void ov_clear(ov *o)
{
    ct_hmap_clear(&o->map);
    o->n = 0;
    ct_buf_reset(&o->pool);
}

static int ov_pool(ov *o, const void *p, size_t n, uint32_t *off, ct_error *err)
{
    *off = (uint32_t)o->pool.len;
    if (ct_buf_append(&o->pool, p, n) != CT_OK)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "block overlay of %zu bytes", o->pool.len);
    return CT_OK;
}

/* Finds or creates the entry of key k; a new entry reads the store for the old value
 * unless known_absent. */
static int ov_ent_of(ov *o, ct_store *st, const uint8_t *k, size_t kl, bool known_absent,
                     ov_ent **out, ct_error *err)
{
    uint64_t idx;
    int rc;
    if (ct_hmap_get(&o->map, k, kl, &idx)) {
        *out = &o->e[idx];
        return CT_OK;
    }
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 1024;
        ov_ent *ne = realloc(o->e, nc * sizeof(*ne));
        if (!ne)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "block overlay");
        o->e = ne;
        o->cap = nc;
    }
    ov_ent *e = &o->e[o->n];
    memset(e, 0, sizeof(*e));
    e->klen = (uint32_t)kl;
    if ((rc = ov_pool(o, k, kl, &e->koff, err)) != CT_OK)
        return rc;
    if (!known_absent) {
        rc = ct_store_get(st, NULL, k, kl, &o->tmp, err);
        if (rc == CT_OK) {
            e->has_old = e->has_cur = true;
            if ((rc = ov_pool(o, o->tmp.data, o->tmp.len, &e->ooff, err)) != CT_OK)
                return rc;
            e->olen = e->clen = (uint32_t)o->tmp.len;
            e->coff = e->ooff;
        } else if (rc != CT_ENOTFOUND) {
            return rc;
        }
    }
    if (ct_hmap_put(&o->map, k, kl, o->n) != CT_OK)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "block overlay map");
    *out = e;
    o->n++;
    return CT_OK;
}

/* The current value of k: CT_OK with *v (valid until the next overlay call), or
 * CT_ENOTFOUND. */
static int ov_get(ov *o, ct_store *st, const uint8_t *k, size_t kl, const uint8_t **v, size_t *vl,
                  ct_error *err)
{
    ov_ent *e = NULL;
    int rc = ov_ent_of(o, st, k, kl, false, &e, err);
    if (rc != CT_OK)
        return rc;
    if (!e->has_cur)
        return CT_ENOTFOUND;
    *v = o->pool.data + e->coff;
    *vl = e->clen;
    return CT_OK;
}

static int ov_put(ov *o, ct_store *st, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                  bool known_absent, ct_error *err)
{
    ov_ent *e = NULL;
    int rc = ov_ent_of(o, st, k, kl, known_absent, &e, err);
    if (rc != CT_OK)
        return rc;
    uint32_t off;
    if ((rc = ov_pool(o, v, vl, &off, err)) != CT_OK)
        return rc;
    e->coff = off;
    e->clen = (uint32_t)vl;
    e->has_cur = true;
    e->dirty = true;
    return CT_OK;
}

/* ---- ingest state ---- */

typedef struct eg {
    ct_db *db;
    ct_store *st;
    ov o;
    ct_store_batch *batch;
    ct_buf undo;
    /* meta, in memory between blocks */
    bool has_tip;
    uint32_t tip_height;
    uint8_t tip_hash[32];
    bool has_chain;
    uint64_t chain_id;
    uint32_t first_height;
    uint64_t next_txid, next_addrid;
    uint32_t next_asset;
    ct_e_counters c;
    /* per block */
    const ct_eth_bundle *b;
    uint32_t pos;
    /* the priority fee of each transaction of the block, credited to the fee recipient at
     * block level after the transactions (account.h) */
    ct_u256 *prio;
    size_t prio_cap;
} eg;

static void meta_defaults(eg *g)
{
    g->has_tip = false;
    g->has_chain = false;
    g->next_txid = 1;
    g->next_addrid = 1;
    g->next_asset = 1;
    memset(&g->c, 0, sizeof(g->c));
}

int ct_e_load_meta(ct_store *st, const ct_store_snapshot *snap, ct_e_meta *m, ct_error *err)
{
    uint8_t k[32];
    ct_buf v;
    int rc;
    memset(m, 0, sizeof(*m));
    m->next_txid = 1;
    m->next_addrid = 1;
    m->next_asset = 1;
    ct_buf_init(&v, 1u << 16);
    rc = ct_store_get(st, snap, k, ct_e_key_meta(k, CT_E_META_TIP), &v, err);
    if (rc == CT_OK) {
        if (v.len != 36) {
            rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "eth.tip of %zu bytes", v.len);
            goto out;
        }
        m->has_tip = true;
        m->tip_height = ct_be32(v.data);
        memcpy(m->tip_hash, v.data + 4, 32);
    } else if (rc != CT_ENOTFOUND)
        goto out;
    rc = ct_store_get(st, snap, k, ct_e_key_meta(k, CT_E_META_CHAIN), &v, err);
    if (rc == CT_OK) {
        if (v.len != 12) {
            rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "eth.chain of %zu bytes", v.len);
            goto out;
        }
        m->has_chain = true;
        m->chain_id = ct_be64(v.data);
        m->first_height = ct_be32(v.data + 8);
    } else if (rc != CT_ENOTFOUND)
        goto out;
    rc = ct_store_get(st, snap, k, ct_e_key_meta(k, CT_E_META_NEXT), &v, err);
    if (rc == CT_OK) {
        if (v.len != 20) {
            rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "eth.next of %zu bytes", v.len);
            goto out;
        }
        m->next_txid = ct_be64(v.data);
        m->next_addrid = ct_be64(v.data + 8);
        m->next_asset = ct_be32(v.data + 16);
    } else if (rc != CT_ENOTFOUND)
        goto out;
    rc = ct_store_get(st, snap, k, ct_e_key_meta(k, CT_E_META_COUNTERS), &v, err);
    if (rc == CT_OK)
        rc = ct_e_counters_decode(&m->c, v.data, v.len, err);
    if (rc == CT_ENOTFOUND)
        rc = CT_OK;
out:
    ct_buf_release(&v);
    return rc;
}

static int load_meta(eg *g, ct_error *err)
{
    ct_e_meta m;
    int rc = ct_e_load_meta(g->st, NULL, &m, err);
    if (rc != CT_OK)
        return rc;
    meta_defaults(g);
    g->has_tip = m.has_tip;
    g->tip_height = m.tip_height;
    memcpy(g->tip_hash, m.tip_hash, 32);
    g->has_chain = m.has_chain;
    g->chain_id = m.chain_id;
    g->first_height = m.first_height;
    g->next_txid = m.next_txid;
    g->next_addrid = m.next_addrid;
    g->next_asset = m.next_asset;
    g->c = m.c;
    return CT_OK;
}

/* Meta rows into the overlay (so their old values are in the undo record). */
static int put_meta(eg *g, ct_error *err)
{
    uint8_t k[32], v[8 * CT_E_COUNTERS_FIELDS];
    int rc;
    ct_put_be32(v, g->tip_height);
    memcpy(v + 4, g->tip_hash, 32);
    if ((rc = ov_put(&g->o, g->st, k, ct_e_key_meta(k, CT_E_META_TIP), v, 36, false, err)))
        return rc;
    ct_put_be64(v, g->chain_id);
    ct_put_be32(v + 8, g->first_height);
    if ((rc = ov_put(&g->o, g->st, k, ct_e_key_meta(k, CT_E_META_CHAIN), v, 12, false, err)))
        return rc;
    ct_put_be64(v, g->next_txid);
    ct_put_be64(v + 8, g->next_addrid);
    ct_put_be32(v + 16, g->next_asset);
    if ((rc = ov_put(&g->o, g->st, k, ct_e_key_meta(k, CT_E_META_NEXT), v, 20, false, err)))
        return rc;
    return ov_put(&g->o, g->st, k, ct_e_key_meta(k, CT_E_META_COUNTERS), v,
                  ct_e_counters_encode(v, &g->c), false, err);
}

/* ---- ids ---- */

static int addrid_of(eg *g, const uint8_t addr[20], uint64_t *id, ct_error *err)
{
    uint8_t k[21];
    const uint8_t *v;
    size_t vl;
    size_t kl = ct_e_key_bytes(k, CT_E_ADDR, addr, 20);
    int rc = ov_get(&g->o, g->st, k, kl, &v, &vl, err);
    if (rc == CT_OK) {
        if (vl != 8)
            return ct_fail(err, CT_EDBCORRUPT, "bad-row", "address row of %zu bytes", vl);
        *id = ct_be64(v);
        return CT_OK;
    }
    if (rc != CT_ENOTFOUND)
        return rc;
    *id = g->next_addrid++;
    uint8_t val[8], dk[9];
    ct_put_be64(val, *id);
    if ((rc = ov_put(&g->o, g->st, k, kl, val, 8, true, err)) != CT_OK)
        return rc;
    dk[0] = CT_E_ADDRID;
    ct_put_be64(dk + 1, *id);
    g->c.addresses++;
    return ov_put(&g->o, g->st, dk, 9, addr, 20, true, err);
}

static int asset_of(eg *g, const uint8_t contract[20], uint32_t *id, ct_error *err)
{
    uint8_t k[21];
    const uint8_t *v;
    size_t vl;
    size_t kl = ct_e_key_bytes(k, CT_E_ASSET, contract, 20);
    int rc = ov_get(&g->o, g->st, k, kl, &v, &vl, err);
    if (rc == CT_OK) {
        if (vl != 4)
            return ct_fail(err, CT_EDBCORRUPT, "bad-row", "asset row of %zu bytes", vl);
        *id = ct_be32(v);
        return CT_OK;
    }
    if (rc != CT_ENOTFOUND)
        return rc;
    if (g->next_asset == UINT32_MAX)
        return ct_fail(err, CT_ENOMEM, "too-many-assets", "asset ids exhausted");
    *id = g->next_asset++;
    uint8_t val[4], qk[5], qv[CT_E_ASSET_MAX];
    ct_put_be32(val, *id);
    if ((rc = ov_put(&g->o, g->st, k, kl, val, 4, true, err)) != CT_OK)
        return rc;
    ct_e_asset a;
    memset(&a, 0, sizeof(a));
    memcpy(a.contract, contract, 20);
    qk[0] = CT_E_ASSETID;
    ct_put_be32(qk + 1, *id);
    g->c.assets++;
    return ov_put(&g->o, g->st, qk, 5, qv, ct_e_asset_encode(qv, &a), true, err);
}

/* ---- events ---- */

static int ledger_add(eg *g, uint64_t addrid, const ct_acct_event *e, const uint8_t *ev, bool in,
                      bool out, ct_error *err)
{
    uint8_t k[25], tk[13], tv[CT_E_TOTALS_SIZE];
    int rc;
    if ((rc = ov_put(&g->o, g->st, k, ct_e_key_ledger(k, addrid, e->asset, &e->at), ev,
                     CT_E_EVENT_SIZE, true, err)) != CT_OK)
        return rc;
    size_t tkl = ct_e_key_totals(tk, addrid, e->asset);
    const uint8_t *v;
    size_t vl;
    ct_e_totals t;
    rc = ov_get(&g->o, g->st, tk, tkl, &v, &vl, err);
    if (rc == CT_OK) {
        if ((rc = ct_e_totals_decode(&t, v, vl, err)) != CT_OK)
            return rc;
    } else if (rc == CT_ENOTFOUND) {
        memset(&t, 0, sizeof(t));
        t.first = e->at;
    } else {
        return rc;
    }
    if ((in && ct_u256_add(&t.received, &t.received, &e->amount)) ||
        (out && ct_u256_add(&t.sent, &t.sent, &e->amount)))
        return ct_fail(err, CT_ECORRUPT, "overflow", "ledger totals above 2^256");
    t.events++;
    t.last = e->at;
    return ov_put(&g->o, g->st, tk, tkl, tv, ct_e_totals_encode(tv, &t), false, err);
}

static int emit(eg *g, uint32_t txi, uint8_t kind, uint32_t asset, uint64_t from, uint64_t to,
                const ct_u256 *amount, const uint8_t *txhash, ct_error *err)
{
    if (ct_u256_is_zero(amount))
        return CT_OK;
    ct_acct_event e;
    memset(&e, 0, sizeof(e));
    e.at.height = (uint32_t)g->b->height;
    e.at.tx_index = txi;
    e.at.pos = g->pos++;
    e.time = (uint32_t)g->b->time;
    e.kind = kind;
    e.asset = asset;
    e.from = from;
    e.to = to;
    e.amount = *amount;
    if (txhash)
        memcpy(e.txhash, txhash, 32);
    uint8_t k[13], v[CT_E_EVENT_SIZE];
    ct_e_event_encode(v, &e);
    int rc = ov_put(&g->o, g->st, k, ct_e_key_pos(k, CT_E_EVENT, &e.at), v, sizeof(v), true, err);
    if (rc != CT_OK)
        return rc;
    if (from && (rc = ledger_add(g, from, &e, v, from == to, true, err)) != CT_OK)
        return rc;
    if (to && to != from && (rc = ledger_add(g, to, &e, v, true, false, err)) != CT_OK)
        return rc;
    g->c.events++;
    switch (kind) {
    case CT_ACCT_NATIVE:
        g->c.native++;
        break;
    case CT_ACCT_INTERNAL:
        g->c.internal++;
        break;
    case CT_ACCT_TOKEN:
        g->c.tokens++;
        break;
    case CT_ACCT_FEE_BURNT:
    case CT_ACCT_FEE_PRIORITY:
        g->c.fees++;
        break;
    default:
        g->c.rewards++;
        break;
    }
    return CT_OK;
}

static bool is_erc20_transfer(const ct_eth_log *l)
{
    static const uint8_t zero12[12] = {0};
    return l->n_topics == 3 && memcmp(l->topics[0], TOPIC_TRANSFER, 32) == 0 && l->data_len == 32 &&
           memcmp(l->topics[1], zero12, 12) == 0 && memcmp(l->topics[2], zero12, 12) == 0;
}

static int tx_events(eg *g, const ct_eth_btx *bt, uint64_t txid, ct_error *err)
{
    const ct_eth_bundle *b = g->b;
    const ct_eth_tx *t = &bt->tx;
    const ct_eth_receipt *r = &bt->rc;
    uint32_t txi = bt->index;
    int rc;
    g->pos = 0;
    bool success = r->has_status ? r->status == 1 : !bt->trace_failed;
    uint64_t from, to = 0, contract = 0;
    if ((rc = addrid_of(g, t->from, &from, err)) != CT_OK)
        return rc;
    if (t->has_to && (rc = addrid_of(g, t->to, &to, err)) != CT_OK)
        return rc;
    if (!t->has_to && r->has_contract && (rc = addrid_of(g, r->contract_address, &contract, err)))
        return rc;
    if (!t->has_to && success && !ct_u256_is_zero(&t->value) && !r->has_contract)
        return ct_fail(err, CT_ECORRUPT, "missing-field",
                       "receipt of a contract creation with value has no 'contractAddress'");
    /* 1. the transaction's own transfer */
    if (success && (rc = emit(g, txi, CT_ACCT_NATIVE, CT_ACCT_ASSET_ETH, from,
                              t->has_to ? to : contract, &t->value, t->hash, err)) != CT_OK)
        return rc;
    /* 2. internal transfers */
    if (success)
        for (uint32_t i = 0; i < bt->n_itx; i++) {
            uint64_t a, c;
            if ((rc = addrid_of(g, bt->itx[i].from, &a, err)) ||
                (rc = addrid_of(g, bt->itx[i].to, &c, err)) ||
                (rc = emit(g, txi, CT_ACCT_INTERNAL, CT_ACCT_ASSET_ETH, a, c, &bt->itx[i].value,
                           t->hash, err)))
                return rc;
        }
    /* 3. ERC-20 Transfer logs */
    for (uint32_t i = 0; i < r->n_logs; i++) {
        const ct_eth_log *l = &r->logs[i];
        if (!is_erc20_transfer(l))
            continue;
        ct_u256 amount;
        if ((rc = ct_u256_from_be(&amount, l->data, 32, err)) != CT_OK)
            return rc;
        if (ct_u256_is_zero(&amount))
            continue;
        uint32_t asset = 0;
        uint64_t a = 0, c = 0;
        if ((rc = asset_of(g, l->address, &asset, err)) ||
            (rc = addrid_of(g, l->topics[1] + 12, &a, err)) ||
            (rc = addrid_of(g, l->topics[2] + 12, &c, err)) ||
            (rc = emit(g, txi, CT_ACCT_TOKEN, asset, a, c, &amount, t->hash, err)))
            return rc;
    }
    /* 4. fees: gasUsed x price, the base fee burnt, the rest to the fee recipient */
    ct_u256 price, gu = ct_u256_from_u64(r->gas_used), total, burnt = ct_u256_from_u64(0), prio;
    if (r->has_effective_price) {
        price = r->effective_gas_price;
    } else if (t->type >= 2) {
        /* min(maxFee, baseFee + maxPriority) */
        if (!b->has_base_fee)
            return ct_fail(err, CT_ECORRUPT, "missing-field",
                           "a type-%u transaction in a block without baseFeePerGas", t->type);
        if (ct_u256_add(&price, &b->base_fee, &t->max_priority_fee))
            return ct_fail(err, CT_ECORRUPT, "overflow", "baseFee + maxPriorityFeePerGas");
        if (ct_u256_cmp(&price, &t->gas_price) > 0)
            price = t->gas_price;
    } else {
        price = bt->node_gas_price;
    }
    if (ct_u256_mul(&total, &gu, &price))
        return ct_fail(err, CT_ECORRUPT, "overflow", "gasUsed x effectiveGasPrice");
    if (b->has_base_fee) {
        if (ct_u256_cmp(&price, &b->base_fee) < 0)
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "effective gas price below the block's base fee");
        if (ct_u256_mul(&burnt, &gu, &b->base_fee))
            return ct_fail(err, CT_ECORRUPT, "overflow", "gasUsed x baseFeePerGas");
    }
    if (ct_u256_sub(&prio, &total, &burnt))
        return ct_fail(err, CT_ECORRUPT, "overflow", "fee below the burnt base fee");
    if ((rc = emit(g, txi, CT_ACCT_FEE_BURNT, CT_ACCT_ASSET_ETH, from, 0, &burnt, t->hash, err)) ||
        (rc = emit(g, txi, CT_ACCT_FEE_PRIORITY, CT_ACCT_ASSET_ETH, from, 0, &prio, t->hash, err)))
        return rc;
    /* the fee recipient's credit is value from nobody: a block-level reward (account.h),
     * not an event of this transaction, so a trace from this transaction does not count
     * the block producer's fee as moved value */
    g->prio[txi] = prio;

    /* the tx rows */
    ct_e_tx row;
    memset(&row, 0, sizeof(row));
    memcpy(row.hash, t->hash, 32);
    row.height = (uint32_t)b->height;
    row.index = txi;
    row.type = t->type;
    row.status = r->has_status ? r->status : (bt->has_trace ? (bt->trace_failed ? 0 : 1) : 2);
    row.from = from;
    row.to = to;
    row.contract = contract;
    row.value = t->value;
    row.nonce = t->nonce;
    row.gas = t->gas_limit;
    row.gas_used = r->gas_used;
    row.gas_price = price;
    row.n_logs = r->n_logs;
    row.n_events = g->pos;
    uint8_t k[33], v[CT_E_TX_SIZE], idv[8];
    size_t kl = ct_e_key_bytes(k, CT_E_TXID, t->hash, 32);
    const uint8_t *old;
    size_t oldl;
    rc = ov_get(&g->o, g->st, k, kl, &old, &oldl, err);
    if (rc == CT_OK)
        return ct_fail(err, CT_ECORRUPT, "mismatch", "transaction hash already stored");
    if (rc != CT_ENOTFOUND)
        return rc;
    ct_put_be64(idv, txid);
    if ((rc = ov_put(&g->o, g->st, k, kl, idv, 8, true, err)) != CT_OK)
        return rc;
    k[0] = CT_E_TX;
    ct_put_be64(k + 1, txid);
    g->c.txs++;
    g->c.logs += r->n_logs;
    return ov_put(&g->o, g->st, k, 9, v, ct_e_tx_encode(v, &row), true, err);
}

static int token_meta(eg *g, const ct_eth_token_meta *m, ct_error *err)
{
    uint8_t k[21], qk[5], qv[CT_E_ASSET_MAX];
    const uint8_t *v;
    size_t vl;
    int rc = ov_get(&g->o, g->st, k, ct_e_key_bytes(k, CT_E_ASSET, m->contract, 20), &v, &vl, err);
    if (rc == CT_ENOTFOUND)
        return CT_OK; /* a token that never moved here: nothing to describe */
    if (rc != CT_OK)
        return rc;
    qk[0] = CT_E_ASSETID;
    memcpy(qk + 1, v, 4);
    if ((rc = ov_get(&g->o, g->st, qk, 5, &v, &vl, err)) != CT_OK)
        return rc == CT_ENOTFOUND ? ct_fail(err, CT_EDBCORRUPT, "bad-row", "asset without Q row")
                                  : rc;
    ct_e_asset a;
    if ((rc = ct_e_asset_decode(&a, v, vl, err)) != CT_OK)
        return rc;
    if (m->symbol[0])
        snprintf(a.symbol, sizeof(a.symbol), "%.31s", m->symbol);
    if (m->has_decimals) {
        a.has_decimals = true;
        a.decimals = m->decimals;
    }
    return ov_put(&g->o, g->st, qk, 5, qv, ct_e_asset_encode(qv, &a), false, err);
}

/* Builds the rows of block b into the overlay, then the batch: rows + undo + meta. */
static int connect_block(eg *g, const ct_eth_bundle *b, ct_error *err)
{
    int rc;
    ov_clear(&g->o);
    g->b = b;
    if (!g->has_chain) {
        g->has_chain = true;
        g->first_height = (uint32_t)b->height;
    }
    uint64_t first_txid = g->next_txid;
    if (b->n_txs > g->prio_cap) {
        ct_u256 *p = realloc(g->prio, b->n_txs * sizeof(*p));
        if (!p)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "%u priority fees", b->n_txs);
        g->prio = p;
        g->prio_cap = b->n_txs;
    }
    for (uint32_t i = 0; i < b->n_txs; i++)
        g->prio[i] = ct_u256_from_u64(0);
    for (uint32_t i = 0; i < b->n_txs; i++) {
        if (err) {
            err->tx_index = i;
        }
        if ((rc = tx_events(g, &b->txs[i], g->next_txid++, err)) != CT_OK)
            return rc;
    }
    if (err)
        err->tx_index = -1;
    /* block level: the priority fees to the fee recipient, one reward per transaction in
     * transaction order, then withdrawals (gwei -> wei), then the traces' block and uncle
     * rewards */
    g->pos = 0;
    uint64_t miner = 0;
    for (uint32_t i = 0; i < b->n_txs; i++) {
        if (ct_u256_is_zero(&g->prio[i]))
            continue;
        if ((!miner && (rc = addrid_of(g, b->miner, &miner, err))) ||
            (rc = emit(g, CT_ACCT_BLOCK_LEVEL, CT_ACCT_REWARD, CT_ACCT_ASSET_ETH, 0, miner,
                       &g->prio[i], NULL, err)))
            return rc;
    }
    ct_u256 gwei = ct_u256_from_u64(1000000000u);
    for (uint32_t i = 0; i < b->n_wd; i++) {
        ct_u256 amt = ct_u256_from_u64(b->wd[i].amount_gwei), wei;
        uint64_t id;
        if (ct_u256_mul(&wei, &amt, &gwei))
            return ct_fail(err, CT_ECORRUPT, "overflow", "withdrawal amount");
        if (!ct_u256_is_zero(&wei) && ((rc = addrid_of(g, b->wd[i].address, &id, err)) ||
                                       (rc = emit(g, CT_ACCT_BLOCK_LEVEL, CT_ACCT_REWARD,
                                                  CT_ACCT_ASSET_ETH, 0, id, &wei, NULL, err))))
            return rc;
    }
    /* then the block and uncle rewards the traces gave, in trace order */
    for (uint32_t i = 0; i < b->n_rewards; i++) {
        uint64_t id;
        if ((rc = addrid_of(g, b->rewards[i].to, &id, err)) ||
            (rc = emit(g, CT_ACCT_BLOCK_LEVEL, CT_ACCT_REWARD, CT_ACCT_ASSET_ETH, 0, id,
                       &b->rewards[i].value, NULL, err)))
            return rc;
    }
    for (uint32_t i = 0; i < b->n_tokens; i++)
        if ((rc = token_meta(g, &b->tokens[i], err)) != CT_OK)
            return rc;
    ct_e_block br;
    memset(&br, 0, sizeof(br));
    memcpy(br.hash, b->hash, 32);
    memcpy(br.parent, b->parent, 32);
    br.time = (uint32_t)b->time;
    memcpy(br.miner, b->miner, 20);
    br.has_base_fee = b->has_base_fee;
    br.base_fee = b->base_fee;
    br.gas_used = b->gas_used;
    br.n_txs = b->n_txs;
    br.first_txid = first_txid;
    br.n_events = g->pos;
    uint8_t k[33], v[CT_E_BLOCK_SIZE], hv[4];
    k[0] = CT_E_BLOCK;
    ct_put_be32(k + 1, (uint32_t)b->height);
    if ((rc = ov_put(&g->o, g->st, k, 5, v, ct_e_block_encode(v, &br), true, err)) != CT_OK)
        return rc;
    ct_put_be32(hv, (uint32_t)b->height);
    if ((rc = ov_put(&g->o, g->st, k, ct_e_key_bytes(k, CT_E_BHASH, b->hash, 32), hv, 4, true,
                     err)) != CT_OK)
        return rc;
    g->c.blocks++;
    g->has_tip = true;
    g->tip_height = (uint32_t)b->height;
    memcpy(g->tip_hash, b->hash, 32);
    if ((rc = put_meta(g, err)) != CT_OK)
        return rc;

    /* the batch: every dirty row, and the undo record of what they held */
    ct_store_batch_clear(g->batch);
    ct_buf_reset(&g->undo);
    for (size_t i = 0; i < g->o.n; i++) {
        const ov_ent *e = &g->o.e[i];
        if (!e->dirty)
            continue;
        const uint8_t *key = g->o.pool.data + e->koff;
        ct_store_batch_put(g->batch, key, e->klen, g->o.pool.data + e->coff, e->clen);
        uint8_t hdr[6];
        hdr[0] = e->has_old ? 1 : 0;
        hdr[1] = (uint8_t)e->klen;
        if (ct_buf_append(&g->undo, hdr, 2) || ct_buf_append(&g->undo, key, e->klen))
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "undo record");
        if (e->has_old) {
            ct_put_be32(hdr, e->olen);
            if (ct_buf_append(&g->undo, hdr, 4) ||
                ct_buf_append(&g->undo, g->o.pool.data + e->ooff, e->olen))
                return ct_fail(err, CT_ENOMEM, "out-of-memory", "undo record");
        }
    }
    k[0] = CT_E_UNDO;
    ct_put_be32(k + 1, (uint32_t)b->height);
    ct_store_batch_put(g->batch, k, 5, g->undo.data, g->undo.len);
    return ct_store_write(g->st, g->batch, true, err);
}

/* Rolls back the tip block through its undo record, in one synchronous batch. */
static int disconnect_tip(eg *g, ct_error *err)
{
    uint8_t k[5];
    int rc;
    if (!g->has_tip)
        return ct_fail(err, CT_EINVAL, "empty", "no Ethereum block to roll back");
    k[0] = CT_E_UNDO;
    ct_put_be32(k + 1, g->tip_height);
    if ((rc = ct_store_get(g->st, NULL, k, 5, &g->undo, err)) != CT_OK)
        return rc == CT_ENOTFOUND ? ct_fail(err, CT_EDBCORRUPT, "no-undo",
                                            "no undo record for Ethereum block %u", g->tip_height)
                                  : rc;
    ct_store_batch_clear(g->batch);
    const uint8_t *p = g->undo.data, *end = p + g->undo.len;
    while (p < end) {
        if (end - p < 2 || end - p < 2 + p[1])
            return ct_fail(err, CT_EDBCORRUPT, "bad-row", "undo record of block %u", g->tip_height);
        bool has_old = p[0] != 0;
        size_t kl = p[1];
        const uint8_t *key = p + 2;
        p += 2 + kl;
        if (has_old) {
            if (end - p < 4 || (size_t)(end - p - 4) < ct_be32(p))
                return ct_fail(err, CT_EDBCORRUPT, "bad-row", "undo record of block %u",
                               g->tip_height);
            uint32_t vl = ct_be32(p);
            ct_store_batch_put(g->batch, key, kl, p + 4, vl);
            p += 4 + vl;
        } else {
            ct_store_batch_del(g->batch, key, kl);
        }
    }
    ct_store_batch_del(g->batch, k, 5);
    if ((rc = ct_store_write(g->st, g->batch, true, err)) != CT_OK)
        return rc;
    return load_meta(g, err);
}

static int eg_open(eg *g, ct_db *db, ct_error *err)
{
    memset(g, 0, sizeof(*g));
    g->db = db;
    g->st = db->st;
    ov_init(&g->o);
    ct_buf_init(&g->undo, (size_t)1 << 31);
    g->batch = ct_store_batch_new();
    if (!g->batch)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "batch");
    return load_meta(g, err);
}

static void eg_close(eg *g)
{
    free(g->prio);
    g->prio = NULL;
    g->prio_cap = 0;
    ov_release(&g->o);
    ct_buf_release(&g->undo);
    ct_store_batch_free(g->batch);
}

/* Rolls back until the source and the database agree on the block at the tip. */
static int find_fork(eg *g, ct_eth_source *src, ct_eth_ingest_stats *st, ct_error *err)
{
    int rc;
    bool rolled = false;
    while (g->has_tip) {
        uint8_t h[32];
        ct_error e2;
        ct_error_clear(&e2);
        rc = src->ops->hash_at(src->ctx, g->tip_height, h, &e2);
        if (rc == CT_ENOTFOUND)
            break; /* the source cannot tell: keep ours */
        if (rc != CT_OK) {
            if (err)
                *err = e2;
            return rc;
        }
        if (memcmp(h, g->tip_hash, 32) == 0)
            break;
        if (g->tip_height == g->first_height && g->c.blocks == 1)
            return ct_fail(err, CT_ECORRUPT, "reorg-too-deep",
                           "the source replaces block %u, the first block of the database",
                           g->tip_height);
        if ((rc = disconnect_tip(g, err)) != CT_OK)
            return rc;
        st->disconnected++;
        rolled = true;
    }
    if (rolled)
        st->reorgs++;
    return CT_OK;
}

void ct_eth_ingest_stats_reset(ct_eth_ingest_stats *stats)
{
    if (!stats)
        return;
    memset(stats, 0, sizeof(*stats));
    stats->height = -1;
}

int ct_eth_ingest_source(ct_db *db, ct_eth_ingest_stats *stats, ct_eth_source *src,
                         const ct_eth_ingest_options *opts, ct_error *err)
{
    ct_eth_ingest_options defaults = CT_ETH_INGEST_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    ct_eth_ingest_stats local;
    ct_eth_ingest_stats *st = stats ? stats : &local;
    ct_eth_ingest_stats_reset(st);
    eg g;
    int rc = eg_open(&g, db, err);
    if (rc != CT_OK)
        goto out;
    if (g.has_chain && g.chain_id != opts->chain_id) {
        rc = ct_fail(err, CT_ENETWORK, "chain-id-mismatch",
                     "the database holds Ethereum chain id %llu; asked for %llu",
                     (unsigned long long)g.chain_id, (unsigned long long)opts->chain_id);
        goto out;
    }
    g.chain_id = opts->chain_id;
    uint64_t lo, hi;
    rc = src->ops->range(src->ctx, &lo, &hi, err);
    if (rc == CT_ENOTFOUND)
        rc = CT_ECORRUPT; /* a source without any block: the input is not what was meant */
    if (rc == CT_OK && (hi > (uint64_t)UINT32_MAX - 1 || lo > hi))
        rc = ct_fail(err, CT_ECORRUPT, "bad-height",
                     "the source's blocks %llu..%llu are not within 0..%lu, the heights a "
                     "database stores",
                     (unsigned long long)lo, (unsigned long long)hi, (unsigned long)UINT32_MAX - 1);
    if (rc != CT_OK)
        goto out;
    if ((rc = find_fork(&g, src, st, err)) != CT_OK)
        goto out;
    uint64_t h;
    if (g.has_tip) {
        h = (uint64_t)g.tip_height + 1;
        if (opts->from >= 0 && (uint64_t)opts->from > h) {
            rc = ct_fail(err, CT_EINVAL, "gap",
                         "--from %lld leaves a gap: the database's Ethereum tip is %u",
                         (long long)opts->from, g.tip_height);
            goto out;
        }
        if (opts->from >= 0 && (uint64_t)opts->from < h)
            st->blocks_known = h - (uint64_t)opts->from;
    } else {
        h = opts->from >= 0 ? (uint64_t)opts->from : lo;
    }
    uint64_t end = hi;
    if (opts->to >= 0 && (uint64_t)opts->to < end)
        end = (uint64_t)opts->to;
    while (h <= end) {
        if (opts->stop && *opts->stop) {
            st->interrupted = true;
            break;
        }
        ct_eth_bundle b;
        if (err)
            ct_error_clear(err);
        rc = src->ops->block(src->ctx, h, &b, err);
        if (rc != CT_OK) {
            if (rc == CT_ENOTFOUND)
                rc = ct_fail(err, CT_ECORRUPT, "missing-block",
                             "the source has no block %llu (between %llu and %llu)",
                             (unsigned long long)h, (unsigned long long)lo, (unsigned long long)hi);
            goto out;
        }
        if ((rc = ct_eth_bundle_check(&b, err)) != CT_OK ||
            (!opts->trust_senders &&
             (rc = ct_eth_bundle_verify_txs(&b, opts->chain_id, err)) != CT_OK))
            goto out;
        if (g.has_tip && h == (uint64_t)g.tip_height + 1 && memcmp(b.parent, g.tip_hash, 32)) {
            /* reorg: the new block builds on another parent; roll back to the fork */
            uint8_t ph[32];
            memcpy(ph, b.parent, 32);
            if (g.tip_height == g.first_height && g.c.blocks == 1) {
                rc = ct_fail(err, CT_ECORRUPT, "reorg-too-deep",
                             "block %llu does not build on the database's first block %u",
                             (unsigned long long)h, g.tip_height);
                goto out;
            }
            if ((rc = disconnect_tip(&g, err)) != CT_OK)
                goto out;
            st->disconnected++;
            if ((rc = find_fork(&g, src, st, err)) != CT_OK)
                goto out;
            st->reorgs++;
            h = g.has_tip ? (uint64_t)g.tip_height + 1 : g.first_height;
            continue;
        }
        if ((rc = connect_block(&g, &b, err)) != CT_OK)
            goto out;
        st->blocks++;
        st->txs += b.n_txs;
        for (uint32_t i = 0; i < b.n_txs; i++)
            st->logs += b.txs[i].rc.n_logs;
        st->height = (int64_t)h;
        if (opts->progress)
            opts->progress(opts->ctx, st);
        h++;
    }
    st->events = g.c.events;
out:
    st->height = g.has_tip ? (int64_t)g.tip_height : -1;
    eg_close(&g);
    return rc;
}

int ct_eth_rollback(ct_db *db, int64_t height, ct_error *err)
{
    eg g;
    int rc = eg_open(&g, db, err);
    if (rc == CT_OK && !g.has_tip)
        rc = ct_fail(err, CT_EINVAL, "empty", "the database holds no Ethereum block");
    if (rc == CT_OK && height >= 0 && (uint64_t)height > g.tip_height)
        rc = ct_fail(err, CT_EINVAL, "above-tip", "height %lld is above the Ethereum tip %u",
                     (long long)height, g.tip_height);
    while (rc == CT_OK && g.has_tip && (int64_t)g.tip_height > height) {
        bool last = g.c.blocks == 1;
        rc = disconnect_tip(&g, err);
        if (last)
            break;
    }
    eg_close(&g);
    return rc;
}
