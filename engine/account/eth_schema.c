/* Codecs of the Ethereum rows (eth_schema.h, docs/storage.md). Decoders check the exact
 * size and return CT_EDBCORRUPT "bad-row" otherwise. */
#include "account/eth_schema.h"

static int bad_row(ct_error *err, const char *what, size_t got, size_t want)
{
    return ct_fail(err, CT_EDBCORRUPT, "bad-row", "Ethereum %s row of %zu bytes, expected %zu",
                   what, got, want);
}

static void put_u256(uint8_t *p, const ct_u256 *a)
{
    ct_u256_to_be(p, a);
}
static ct_u256 get_u256(const uint8_t *p)
{
    ct_u256 r;
    for (int i = 0; i < 4; i++)
        r.w[3 - i] = ct_be64(p + 8 * i);
    return r;
}
static void put_pos(uint8_t *p, const ct_acct_pos *a)
{
    ct_put_be32(p, a->height);
    ct_put_be32(p + 4, a->tx_index);
    ct_put_be32(p + 8, a->pos);
}
static ct_acct_pos get_pos(const uint8_t *p)
{
    ct_acct_pos a = {ct_be32(p), ct_be32(p + 4), ct_be32(p + 8)};
    return a;
}

size_t ct_e_event_encode(uint8_t *b, const ct_acct_event *e)
{
    b[0] = e->kind;
    ct_put_be32(b + 1, e->asset);
    ct_put_be64(b + 5, e->from);
    ct_put_be64(b + 13, e->to);
    put_u256(b + 21, &e->amount);
    ct_put_be32(b + 53, e->time);
    memcpy(b + 57, e->txhash, 32);
    return CT_E_EVENT_SIZE;
}

int ct_e_event_decode(ct_acct_event *e, const uint8_t *pos_be, const uint8_t *b, size_t n,
                      ct_error *err)
{
    if (n != CT_E_EVENT_SIZE)
        return bad_row(err, "event", n, CT_E_EVENT_SIZE);
    e->at = get_pos(pos_be);
    e->kind = b[0];
    e->asset = ct_be32(b + 1);
    e->from = ct_be64(b + 5);
    e->to = ct_be64(b + 13);
    e->amount = get_u256(b + 21);
    e->time = ct_be32(b + 53);
    memcpy(e->txhash, b + 57, 32);
    if (e->kind < CT_ACCT_NATIVE || e->kind > CT_ACCT_REWARD || ct_u256_is_zero(&e->amount))
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "Ethereum event of kind %u, amount %s",
                       e->kind, ct_u256_is_zero(&e->amount) ? "zero" : "set");
    return CT_OK;
}

size_t ct_e_block_encode(uint8_t *b, const ct_e_block *r)
{
    uint8_t *p = b;
    memcpy(p, r->hash, 32), p += 32;
    memcpy(p, r->parent, 32), p += 32;
    ct_put_be32(p, r->time), p += 4;
    memcpy(p, r->miner, 20), p += 20;
    *p++ = r->has_base_fee;
    put_u256(p, &r->base_fee), p += 32;
    ct_put_be64(p, r->gas_used), p += 8;
    ct_put_be32(p, r->n_txs), p += 4;
    ct_put_be64(p, r->first_txid), p += 8;
    ct_put_be32(p, r->n_events), p += 4;
    return (size_t)(p - b);
}

int ct_e_block_decode(ct_e_block *r, const uint8_t *b, size_t n, ct_error *err)
{
    if (n != CT_E_BLOCK_SIZE)
        return bad_row(err, "block", n, CT_E_BLOCK_SIZE);
    const uint8_t *p = b;
    memcpy(r->hash, p, 32), p += 32;
    memcpy(r->parent, p, 32), p += 32;
    r->time = ct_be32(p), p += 4;
    memcpy(r->miner, p, 20), p += 20;
    r->has_base_fee = *p++ != 0;
    r->base_fee = get_u256(p), p += 32;
    r->gas_used = ct_be64(p), p += 8;
    r->n_txs = ct_be32(p), p += 4;
    r->first_txid = ct_be64(p), p += 8;
    r->n_events = ct_be32(p);
    return CT_OK;
}

size_t ct_e_tx_encode(uint8_t *b, const ct_e_tx *r)
{
    uint8_t *p = b;
    memcpy(p, r->hash, 32), p += 32;
    ct_put_be32(p, r->height), p += 4;
    ct_put_be32(p, r->index), p += 4;
    *p++ = r->type;
    *p++ = r->status;
    ct_put_be64(p, r->from), p += 8;
    ct_put_be64(p, r->to), p += 8;
    ct_put_be64(p, r->contract), p += 8;
    put_u256(p, &r->value), p += 32;
    ct_put_be64(p, r->nonce), p += 8;
    ct_put_be64(p, r->gas), p += 8;
    ct_put_be64(p, r->gas_used), p += 8;
    put_u256(p, &r->gas_price), p += 32;
    ct_put_be32(p, r->n_logs), p += 4;
    ct_put_be32(p, r->n_events), p += 4;
    return (size_t)(p - b);
}

int ct_e_tx_decode(ct_e_tx *r, const uint8_t *b, size_t n, ct_error *err)
{
    if (n != CT_E_TX_SIZE)
        return bad_row(err, "tx", n, CT_E_TX_SIZE);
    const uint8_t *p = b;
    memcpy(r->hash, p, 32), p += 32;
    r->height = ct_be32(p), p += 4;
    r->index = ct_be32(p), p += 4;
    r->type = *p++;
    r->status = *p++;
    r->from = ct_be64(p), p += 8;
    r->to = ct_be64(p), p += 8;
    r->contract = ct_be64(p), p += 8;
    r->value = get_u256(p), p += 32;
    r->nonce = ct_be64(p), p += 8;
    r->gas = ct_be64(p), p += 8;
    r->gas_used = ct_be64(p), p += 8;
    r->gas_price = get_u256(p), p += 32;
    r->n_logs = ct_be32(p), p += 4;
    r->n_events = ct_be32(p);
    return CT_OK;
}

size_t ct_e_totals_encode(uint8_t *b, const ct_e_totals *r)
{
    put_u256(b, &r->received);
    put_u256(b + 32, &r->sent);
    ct_put_be64(b + 64, r->events);
    put_pos(b + 72, &r->first);
    put_pos(b + 84, &r->last);
    return CT_E_TOTALS_SIZE;
}

int ct_e_totals_decode(ct_e_totals *r, const uint8_t *b, size_t n, ct_error *err)
{
    if (n != CT_E_TOTALS_SIZE)
        return bad_row(err, "totals", n, CT_E_TOTALS_SIZE);
    r->received = get_u256(b);
    r->sent = get_u256(b + 32);
    r->events = ct_be64(b + 64);
    r->first = get_pos(b + 72);
    r->last = get_pos(b + 84);
    return CT_OK;
}

size_t ct_e_asset_encode(uint8_t *b, const ct_e_asset *r)
{
    size_t sl = strlen(r->symbol);
    if (sl > 31)
        sl = 31;
    memcpy(b, r->contract, 20);
    b[20] = r->has_decimals;
    b[21] = r->decimals;
    b[22] = (uint8_t)sl;
    memcpy(b + 23, r->symbol, sl);
    return 23 + sl;
}

int ct_e_asset_decode(ct_e_asset *r, const uint8_t *b, size_t n, ct_error *err)
{
    if (n < 23 || n != 23u + b[22] || b[22] > 31)
        return bad_row(err, "asset", n, n < 23 ? 23 : 23u + b[22]);
    memcpy(r->contract, b, 20);
    r->has_decimals = b[20] != 0;
    r->decimals = b[21];
    memcpy(r->symbol, b + 23, b[22]);
    r->symbol[b[22]] = 0;
    return CT_OK;
}

size_t ct_e_counters_encode(uint8_t *b, const ct_e_counters *c)
{
    const uint64_t f[CT_E_COUNTERS_FIELDS] = {c->blocks, c->txs,       c->native,  c->internal,
                                              c->tokens, c->fees,      c->rewards, c->events,
                                              c->logs,   c->addresses, c->assets};
    for (int i = 0; i < CT_E_COUNTERS_FIELDS; i++)
        ct_put_be64(b + 8 * i, f[i]);
    return 8 * CT_E_COUNTERS_FIELDS;
}

int ct_e_counters_decode(ct_e_counters *c, const uint8_t *b, size_t n, ct_error *err)
{
    if (n != 8 * CT_E_COUNTERS_FIELDS)
        return bad_row(err, "counters", n, 8 * CT_E_COUNTERS_FIELDS);
    uint64_t *f[CT_E_COUNTERS_FIELDS] = {&c->blocks, &c->txs,       &c->native,  &c->internal,
                                         &c->tokens, &c->fees,      &c->rewards, &c->events,
                                         &c->logs,   &c->addresses, &c->assets};
    for (int i = 0; i < CT_E_COUNTERS_FIELDS; i++)
        *f[i] = ct_be64(b + 8 * i);
    return CT_OK;
}
