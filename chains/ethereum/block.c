/* Ethereum block headers and RLP blocks: [header, [tx...], [uncle...]] and, from Shanghai,
 * a fourth list of withdrawals. Header hashes are Keccak-256 of the header's RLP item, so a
 * decoded block can be checked against the hash mainnet knows it by; the transaction list
 * holds legacy transactions as RLP lists and typed ones as RLP strings wrapping their
 * envelope (EIP-2718). Counts are read from the bytes (every header checked) before the
 * arrays are allocated, so they are bounded by the input's size.
 */
#include <stdlib.h>
#include <string.h>

#include "ethereum/eth_internal.h"
#include "ethereum/rlp.h"
#include "base/util.h"

/* The header fields of the forks: Frontier 15, London 16, Shanghai 17, Cancun 20,
 * Prague 21. */
static int decode_header_fields(ct_eth_header *h, ct_rlp *f, size_t n, ct_error *err)
{
    ct_rlp_item it;
    int rc;
    if ((rc = ct_rlp_fixed(f, h->parent_hash, 32, err)) ||
        (rc = ct_rlp_fixed(f, h->uncles_hash, 32, err)) ||
        (rc = ct_rlp_fixed(f, h->coinbase, 20, err)) ||
        (rc = ct_rlp_fixed(f, h->state_root, 32, err)) ||
        (rc = ct_rlp_fixed(f, h->tx_root, 32, err)) ||
        (rc = ct_rlp_fixed(f, h->receipts_root, 32, err)) ||
        (rc = ct_rlp_fixed(f, h->logs_bloom, 256, err)) ||
        (rc = ct_rlp_u256(f, &h->difficulty, err)) || (rc = ct_rlp_u64(f, &h->number, err)) ||
        (rc = ct_rlp_u64(f, &h->gas_limit, err)) || (rc = ct_rlp_u64(f, &h->gas_used, err)) ||
        (rc = ct_rlp_u64(f, &h->timestamp, err)) || (rc = ct_rlp_string(f, &it, err)))
        return rc;
    h->extra_data = it.len ? it.p : NULL;
    h->extra_data_len = it.len;
    if ((rc = ct_rlp_fixed(f, h->mix_hash, 32, err)) || (rc = ct_rlp_fixed(f, h->nonce, 8, err)))
        return rc;
    if (n >= 16) {
        if ((rc = ct_rlp_u256(f, &h->base_fee, err)))
            return rc;
        h->has_base_fee = true;
    }
    if (n >= 17) {
        if ((rc = ct_rlp_fixed(f, h->withdrawals_root, 32, err)))
            return rc;
        h->has_withdrawals_root = true;
    }
    if (n >= 20) {
        if ((rc = ct_rlp_u64(f, &h->blob_gas_used, err)) ||
            (rc = ct_rlp_u64(f, &h->excess_blob_gas, err)) ||
            (rc = ct_rlp_fixed(f, h->parent_beacon_root, 32, err)))
            return rc;
        h->has_blob_gas = true;
    }
    if (n >= 21) {
        if ((rc = ct_rlp_fixed(f, h->requests_hash, 32, err)))
            return rc;
        h->has_requests_hash = true;
    }
    return ct_rlp_end(f, err);
}

/* Decodes the header list read from r. */
static int header_from(ct_eth_header *h, ct_rlp *r, ct_error *err)
{
    ct_rlp f;
    ct_rlp_item it;
    size_t n;
    int rc;
    memset(h, 0, sizeof(*h));
    if ((rc = ct_rlp_list(r, &f, &it, err)) || (rc = ct_rlp_count(&f, &n, err)))
        return rc;
    if (n != 15 && n != 16 && n != 17 && n != 20 && n != 21) {
        if (err)
            err->offset = ct_rlp_off(r, it.start);
        return ct_fail(err, CT_ECORRUPT, n > 21 ? "too many fields" : "too few fields",
                       "a header of %zu fields (15, 16, 17, 20 or 21 belong)", n);
    }
    h->n_fields = (unsigned)n;
    if ((rc = decode_header_fields(h, &f, n, err)))
        return rc;
    ct_keccak256(h->hash, it.start, it.size);
    return CT_OK;
}

int ct_eth_header_decode(ct_eth_header *h, const uint8_t *data, size_t len, ct_error *err)
{
    ct_rlp r;
    ct_rlp_init(&r, data, len, 0);
    int rc = header_from(h, &r, err);
    if (rc)
        return rc;
    if (!ct_rlp_done(&r)) {
        if (err)
            err->offset = ct_rlp_off(&r, r.pos);
        return ct_fail(err, CT_ECORRUPT, "trailing bytes", "%zu bytes after the header",
                       (size_t)(r.end - r.pos));
    }
    return CT_OK;
}

/* The header's RLP, field by field in the order decode_header_fields reads them; the
 * fork's field set follows the has_* flags, which must form a prefix (a later fork's field
 * without an earlier one's is no header of any fork). */
int ct_eth_header_compute_hash(ct_eth_header *h, ct_error *err)
{
    if ((h->has_withdrawals_root && !h->has_base_fee) ||
        (h->has_blob_gas && !h->has_withdrawals_root) ||
        (h->has_requests_hash && !h->has_blob_gas))
        return ct_fail(err, CT_ECORRUPT, "bad-header",
                       "the header's fields belong to no fork (a later fork's field without an "
                       "earlier one's)");
    ct_buf b;
    ct_buf_init(&b, 1u << 20);
    size_t mark = ct_rlp_list_begin(&b);
    int rc = ct_rlp_put_string(&b, h->parent_hash, 32) ||
             ct_rlp_put_string(&b, h->uncles_hash, 32) || ct_rlp_put_string(&b, h->coinbase, 20) ||
             ct_rlp_put_string(&b, h->state_root, 32) || ct_rlp_put_string(&b, h->tx_root, 32) ||
             ct_rlp_put_string(&b, h->receipts_root, 32) ||
             ct_rlp_put_string(&b, h->logs_bloom, 256) || ct_rlp_put_u256(&b, &h->difficulty) ||
             ct_rlp_put_u64(&b, h->number) || ct_rlp_put_u64(&b, h->gas_limit) ||
             ct_rlp_put_u64(&b, h->gas_used) || ct_rlp_put_u64(&b, h->timestamp) ||
             ct_rlp_put_string(&b, h->extra_data, h->extra_data_len) ||
             ct_rlp_put_string(&b, h->mix_hash, 32) || ct_rlp_put_string(&b, h->nonce, 8);
    unsigned n = 15;
    if (!rc && h->has_base_fee) {
        rc = ct_rlp_put_u256(&b, &h->base_fee);
        n = 16;
    }
    if (!rc && h->has_withdrawals_root) {
        rc = ct_rlp_put_string(&b, h->withdrawals_root, 32);
        n = 17;
    }
    if (!rc && h->has_blob_gas) {
        rc = ct_rlp_put_u64(&b, h->blob_gas_used) || ct_rlp_put_u64(&b, h->excess_blob_gas) ||
             ct_rlp_put_string(&b, h->parent_beacon_root, 32);
        n = 20;
    }
    if (!rc && h->has_requests_hash) {
        rc = ct_rlp_put_string(&b, h->requests_hash, 32);
        n = 21;
    }
    if (!rc)
        rc = ct_rlp_list_end(&b, mark);
    if (rc) {
        ct_buf_release(&b);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "header encoding");
    }
    ct_keccak256(h->hash, b.data, b.len);
    h->n_fields = n;
    ct_buf_release(&b);
    return CT_OK;
}

/* ---- blocks ---- */

typedef struct block_scratch {
    ct_arena *arena;
} block_scratch;

#define BLOCK_ALLOC_MAX ((size_t)1 << 30)

void ct_eth_block_init(ct_eth_block *blk)
{
    memset(blk, 0, sizeof(*blk));
}

void ct_eth_block_release(ct_eth_block *blk)
{
    if (blk->priv_)
        ct_arena_free(blk->priv_);
    memset(blk, 0, sizeof(*blk));
}

static void *block_alloc(ct_eth_block *blk, size_t n, size_t size)
{
    if (n == 0)
        return NULL;
    if (!blk->priv_ && !(blk->priv_ = ct_arena_new(BLOCK_ALLOC_MAX)))
        return NULL;
    return ct_arena_alloc(blk->priv_, n, size);
}

static int nomem(ct_error *err)
{
    return ct_fail(err, CT_ENOMEM, "out of memory", "allocating a block's arrays");
}

static int decode_txs(ct_eth_block *blk, ct_rlp *list, ct_error *err)
{
    size_t n;
    int rc = ct_rlp_count(list, &n, err);
    if (rc)
        return rc;
    if (n > UINT32_MAX)
        return ct_fail(err, CT_ECORRUPT, "too many fields", "%zu transactions", n);
    blk->tx = block_alloc(blk, n, sizeof(ct_eth_tx));
    if (n && !blk->tx)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        ct_rlp_item it;
        if ((rc = ct_rlp_next(list, &it, err)))
            return rc;
        if (err)
            err->tx_index = (int64_t)i;
        if (it.is_list)
            rc = ct_eth_tx_decode_at(&blk->tx[i], it.start, it.size, ct_rlp_off(list, it.start),
                                     false, err);
        else
            rc = ct_eth_tx_decode_at(&blk->tx[i], it.p, it.len, ct_rlp_off(list, it.p), true, err);
        if (rc)
            return rc;
    }
    if (err)
        err->tx_index = -1;
    blk->n_tx = (uint32_t)n;
    return CT_OK;
}

static int decode_uncles(ct_eth_block *blk, ct_rlp *list, ct_error *err)
{
    size_t n;
    int rc = ct_rlp_count(list, &n, err);
    if (rc)
        return rc;
    if (n > UINT32_MAX)
        return ct_fail(err, CT_ECORRUPT, "too many fields", "%zu uncles", n);
    ct_eth_header *u = block_alloc(blk, n, sizeof(ct_eth_header));
    if (n && !u)
        return nomem(err);
    for (size_t i = 0; i < n; i++)
        if ((rc = header_from(&u[i], list, err)))
            return rc;
    blk->uncles = u;
    blk->n_uncles = (uint32_t)n;
    return CT_OK;
}

static int decode_withdrawals(ct_eth_block *blk, ct_rlp *list, ct_error *err)
{
    size_t n;
    int rc = ct_rlp_count(list, &n, err);
    if (rc)
        return rc;
    if (n > UINT32_MAX)
        return ct_fail(err, CT_ECORRUPT, "too many fields", "%zu withdrawals", n);
    blk->withdrawals = block_alloc(blk, n, sizeof(ct_eth_withdrawal));
    if (n && !blk->withdrawals)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        ct_eth_withdrawal *w = &blk->withdrawals[i];
        ct_rlp f;
        ct_rlp_item it;
        if ((rc = ct_rlp_list(list, &f, &it, err)) || (rc = ct_rlp_u64(&f, &w->index, err)) ||
            (rc = ct_rlp_u64(&f, &w->validator, err)) ||
            (rc = ct_rlp_fixed(&f, w->address, 20, err)) ||
            (rc = ct_rlp_u64(&f, &w->amount_gwei, err)) || (rc = ct_rlp_end(&f, err)))
            return rc;
    }
    blk->n_withdrawals = (uint32_t)n;
    blk->has_withdrawals = true;
    return CT_OK;
}

int ct_eth_block_decode(ct_eth_block *blk, const uint8_t *data, size_t len, size_t *used,
                        ct_error *err)
{
    void *arena = blk->priv_;
    ct_rlp top, b, l;
    ct_rlp_item it, li;
    size_t n;
    int rc;

    memset(blk, 0, sizeof(*blk));
    blk->priv_ = arena;
    if (arena)
        ct_arena_reset(arena);
    ct_rlp_init(&top, data, len, 0);
    if ((rc = ct_rlp_list(&top, &b, &it, err)) || (rc = ct_rlp_count(&b, &n, err)))
        return rc;
    if (n != 3 && n != 4) {
        if (err)
            err->offset = ct_rlp_off(&top, it.start);
        return ct_fail(err, CT_ECORRUPT, n < 3 ? "too few fields" : "too many fields",
                       "a block of %zu lists (3 or 4 belong)", n);
    }
    if ((rc = header_from(&blk->header, &b, err)))
        return rc;
    if (err)
        err->height = (int64_t)blk->header.number;
    if ((rc = ct_rlp_list(&b, &l, &li, err)) || (rc = decode_txs(blk, &l, err)) ||
        (rc = ct_rlp_list(&b, &l, &li, err)) || (rc = decode_uncles(blk, &l, err)))
        return rc;
    if (n == 4 && ((rc = ct_rlp_list(&b, &l, &li, err)) || (rc = decode_withdrawals(blk, &l, err))))
        return rc;
    blk->raw = it.start;
    blk->raw_len = it.size;
    if (used) {
        *used = it.size;
    } else if (!ct_rlp_done(&top)) {
        if (err)
            err->offset = ct_rlp_off(&top, top.pos);
        return ct_fail(err, CT_ECORRUPT, "trailing bytes", "%zu bytes after the block",
                       (size_t)(top.end - top.pos));
    }
    return CT_OK;
}

int ct_eth_block_recover(ct_eth_block *blk, uint64_t chain_id_configured, ct_error *err)
{
    for (uint32_t i = 0; i < blk->n_tx; i++) {
        int rc =
            ct_eth_tx_recover(&blk->tx[i], (int64_t)blk->header.number, chain_id_configured, err);
        if (rc) {
            if (err) {
                err->tx_index = i;
                err->height = (int64_t)blk->header.number;
                if (blk->raw && blk->tx[i].raw)
                    err->offset = (uint64_t)(blk->tx[i].raw - blk->raw);
            }
            return rc;
        }
    }
    return CT_OK;
}

int ct_eth_unit_next(ct_eth_unit_kind *kind, size_t *size, const uint8_t *data, size_t len,
                     ct_error *err)
{
    ct_rlp r, inner;
    ct_rlp_item it, first;
    int rc;
    if (len == 0) {
        if (err)
            err->offset = 0;
        return ct_fail(err, CT_ECORRUPT, "too short", "no bytes left");
    }
    uint8_t b = data[0];
    if (b >= 0x01 && b <= CT_ETH_TX_SET_CODE) {
        if (len == 1) {
            if (err)
                err->offset = 0;
            return ct_fail(err, CT_ECORRUPT, "too short",
                           "a typed transaction of type 0x%02x without payload", b);
        }
        ct_rlp_init(&r, data, len, 0);
        r.pos = data + 1;
        if ((rc = ct_rlp_next(&r, &it, err)))
            return rc;
        *kind = CT_ETH_UNIT_TX;
        *size = 1 + it.size;
        return CT_OK;
    }
    if (b < 0xc0) {
        if (err)
            err->offset = 0;
        if (b >= 0x80)
            return ct_fail(err, CT_ECORRUPT, "type not supported",
                           "first byte 0x%02x is neither a list nor a transaction type", b);
        return ct_fail(err, CT_ECORRUPT, "type not supported", "transaction type 0x%02x", b);
    }
    ct_rlp_init(&r, data, len, 0);
    if ((rc = ct_rlp_next(&r, &it, err)))
        return rc;
    ct_rlp_enter(&inner, &r, &it);
    *kind = CT_ETH_UNIT_TX;
    if (!ct_rlp_done(&inner) && ct_rlp_next(&inner, &first, NULL) == CT_OK && first.is_list)
        *kind = CT_ETH_UNIT_BLOCK;
    *size = it.size;
    return CT_OK;
}
