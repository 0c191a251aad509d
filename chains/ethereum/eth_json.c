/* JSON-RPC results -> Ethereum block bundles (eth_source.h): the one place that reads the
 * node's JSON, shared by the saved-response source, the ethereum-etl source and the live
 * RPC client. Every field is checked for its exact form (QUANTITY without leading zeros,
 * DATA of the right length, E11), required fields must be present (E14), and what the node
 * says twice must agree (tx index, block hash, receipt tx hash, counts: E13). Errors name
 * the field and carry the block height and tx index. */
#include <stdlib.h>
#include <string.h>

#include "ethereum/eth_source.h"

#define TOPIC_TRANSFER_HEX "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

/* ---- field readers ---- */

static int missing(ct_error *err, const char *what, const char *field)
{
    return ct_fail(err, CT_ECORRUPT, "missing-field", "%s has no '%s'", what, field);
}

/* The raw text of a string member, or an error naming the field. */
static int str_field(const ct_json_doc *d, uint32_t obj, const char *field, const char *what,
                     bool required, const char **s, size_t *len, bool *present, ct_error *err)
{
    uint32_t v = ct_json_get(d, obj, field);
    *present = false;
    if (!v || ct_json_type_of(d, v) == CT_JSON_NULL) {
        if (required)
            return missing(err, what, field);
        return CT_OK;
    }
    if (ct_json_type_of(d, v) != CT_JSON_STRING || (d->nodes[v].flags & CT_JSON_ESCAPED))
        return ct_fail(err, CT_ECORRUPT, "bad-quantity", "%s: '%s' is not a plain JSON string",
                       what, field);
    *s = ct_json_raw(d, v, len);
    *present = true;
    return CT_OK;
}

static int quantity(const ct_json_doc *d, uint32_t obj, const char *field, const char *what,
                    bool required, ct_u256 *out, bool *present, ct_error *err)
{
    const char *s;
    size_t len;
    bool p;
    int rc = str_field(d, obj, field, what, required, &s, &len, &p, err);
    if (present)
        *present = p;
    if (rc != CT_OK || !p)
        return rc;
    ct_error e;
    ct_error_clear(&e);
    if (ct_u256_parse_quantity(out, s, len, &e) != CT_OK)
        return ct_fail(err, CT_ECORRUPT, "bad-quantity", "%s: '%s' = \"%.*s\": %s", what, field,
                       (int)(len > 80 ? 80 : len), s, e.reason);
    return CT_OK;
}

static int quantity64(const ct_json_doc *d, uint32_t obj, const char *field, const char *what,
                      bool required, uint64_t *out, bool *present, ct_error *err)
{
    ct_u256 v;
    bool p = false;
    int rc = quantity(d, obj, field, what, required, &v, &p, err);
    if (present)
        *present = p;
    if (rc != CT_OK || !p)
        return rc;
    if (!ct_u256_to_u64(out, &v))
        return ct_fail(err, CT_ECORRUPT, "bad-quantity", "%s: '%s' is above 2^64-1", what, field);
    return CT_OK;
}

/* A JSON number (as ethereum-etl and Parity give blockNumber / transactionPosition) or a
 * QUANTITY string. */
static int number_or_quantity(const ct_json_doc *d, uint32_t obj, const char *field,
                              const char *what, bool required, uint64_t *out, bool *present,
                              ct_error *err)
{
    uint32_t v = ct_json_get(d, obj, field);
    if (v && ct_json_type_of(d, v) == CT_JSON_NUMBER) {
        if (ct_json_u64(d, v, out) != CT_OK)
            return ct_fail(err, CT_ECORRUPT, "bad-quantity", "%s: '%s' is not a whole number", what,
                           field);
        if (present)
            *present = true;
        return CT_OK;
    }
    return quantity64(d, obj, field, what, required, out, present, err);
}

/* DATA of exactly n bytes ("0x" + 2n hex digits). */
static int data_fixed(const ct_json_doc *d, uint32_t obj, const char *field, const char *what,
                      bool required, uint8_t *out, size_t n, bool *present, ct_error *err)
{
    const char *s;
    size_t len;
    bool p;
    int rc = str_field(d, obj, field, what, required, &s, &len, &p, err);
    if (present)
        *present = p;
    if (rc != CT_OK || !p)
        return rc;
    if (len < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return ct_fail(err, CT_ECORRUPT, "bad-data", "%s: '%s' does not start with 0x", what,
                       field);
    if (len != 2 + 2 * n)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "%s: '%s' has %zu hex digits, not %zu", what,
                       field, len - 2, 2 * n);
    if (ct_hex_decode(out, s + 2, n) != CT_OK)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "%s: '%s' is not hex", what, field);
    return CT_OK;
}

/* DATA of any even length into the arena (NULL and 0 for "0x"). */
static int data_var(const ct_json_doc *d, uint32_t obj, const char *field, const char *what,
                    bool required, ct_arena *a, const uint8_t **out, size_t *n, bool keep,
                    ct_error *err)
{
    const char *s;
    size_t len;
    bool p;
    *out = NULL;
    *n = 0;
    int rc = str_field(d, obj, field, what, required, &s, &len, &p, err);
    if (rc != CT_OK || !p)
        return rc;
    if (len < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return ct_fail(err, CT_ECORRUPT, "bad-data", "%s: '%s' does not start with 0x", what,
                       field);
    if (len % 2)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "%s: '%s' has an odd number of hex digits",
                       what, field);
    *n = (len - 2) / 2;
    if (!keep) {
        for (size_t i = 2; i < len; i++)
            if (ct_hex_digit((unsigned char)s[i]) < 0)
                return ct_fail(err, CT_ECORRUPT, "bad-data", "%s: '%s' is not hex", what, field);
        return CT_OK;
    }
    if (*n == 0)
        return CT_OK;
    uint8_t *buf = ct_arena_alloc(a, *n, 1);
    if (!buf)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "%s: '%s' of %zu bytes", what, field, *n);
    if (ct_hex_decode(buf, s + 2, *n) != CT_OK)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "%s: '%s' is not hex", what, field);
    *out = buf;
    return CT_OK;
}

static void set_pos(ct_error *err, const ct_eth_bundle *b, int64_t txi)
{
    if (!err)
        return;
    err->height = (int64_t)b->height;
    err->tx_index = txi;
    ct_hex_encode(err->block_hash, b->hash, 32);
}

/* ---- blocks and transactions ---- */

/* Copies a malloc'd RLP item into the arena. */
static int keep_rlp(ct_arena *a, uint8_t *m, size_t n, const uint8_t **out, size_t *out_len,
                    ct_error *err)
{
    uint8_t *k = ct_arena_alloc(a, n ? n : 1, 1);
    if (!k) {
        free(m);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "list of %zu bytes", n);
    }
    memcpy(k, m, n);
    free(m);
    *out = k;
    *out_len = n;
    return CT_OK;
}

static int parse_access_list(ct_eth_tx *t, const ct_json_doc *d, uint32_t o, ct_arena *a,
                             ct_error *err)
{
    const char *w = "transaction";
    uint32_t al = ct_json_get(d, o, "accessList");
    if (!al)
        return missing(err, w, "accessList");
    if (ct_json_type_of(d, al) != CT_JSON_ARRAY)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "transaction: 'accessList' is not an array");
    uint32_t n = ct_json_count(d, al);
    ct_eth_access_entry *e = n ? ct_arena_alloc(a, n, sizeof(*e)) : NULL;
    if (n && !e)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "access list of %u", n);
    uint32_t i = 0, keys = 0;
    int rc;
    for (uint32_t x = ct_json_first(d, al); x; x = ct_json_next(d, al, x), i++) {
        if (ct_json_type_of(d, x) != CT_JSON_OBJECT)
            return ct_fail(err, CT_ECORRUPT, "bad-data", "accessList[%u] is not an object", i);
        if ((rc = data_fixed(d, x, "address", "access list entry", true, e[i].address, 20, NULL,
                             err)) != CT_OK)
            return rc;
        uint32_t sk = ct_json_get(d, x, "storageKeys");
        if (!sk || ct_json_type_of(d, sk) != CT_JSON_ARRAY)
            return missing(err, "access list entry", "storageKeys");
        uint32_t m = ct_json_count(d, sk);
        uint8_t *buf = m ? ct_arena_alloc(a, m, 32) : NULL;
        if (m && !buf)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "storage keys");
        uint32_t j = 0;
        for (uint32_t y = ct_json_first(d, sk); y; y = ct_json_next(d, sk, y), j++) {
            size_t len;
            const char *s = ct_json_raw(d, y, &len);
            if (ct_json_type_of(d, y) != CT_JSON_STRING || len != 66 || s[0] != '0' ||
                s[1] != 'x' || ct_hex_decode(buf + 32 * j, s + 2, 32) != CT_OK)
                return ct_fail(err, CT_ECORRUPT, "bad-data",
                               "accessList[%u].storageKeys[%u] is not 32-byte DATA", i, j);
        }
        e[i].storage_keys = buf;
        e[i].n_storage_keys = m;
        keys += m;
    }
    uint8_t *m = NULL;
    size_t ml = 0;
    if ((rc = ct_eth_access_list_rlp(&m, &ml, e, n, err)) != CT_OK)
        return rc == CT_EINVAL ? ct_fail(err, CT_ECORRUPT, "bad-data", "accessList") : rc;
    t->n_access_list = n;
    t->n_storage_keys = keys;
    return keep_rlp(a, m, ml, &t->access_list_rlp, &t->access_list_rlp_len, err);
}

static int parse_blob_hashes(ct_eth_tx *t, const ct_json_doc *d, uint32_t o, ct_arena *a,
                             ct_error *err)
{
    uint32_t bh = ct_json_get(d, o, "blobVersionedHashes");
    if (!bh)
        return missing(err, "transaction", "blobVersionedHashes");
    if (ct_json_type_of(d, bh) != CT_JSON_ARRAY)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "'blobVersionedHashes' is not an array");
    uint32_t n = ct_json_count(d, bh), j = 0;
    uint8_t *buf = n ? ct_arena_alloc(a, n, 32) : NULL;
    if (n && !buf)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "blob hashes");
    for (uint32_t y = ct_json_first(d, bh); y; y = ct_json_next(d, bh, y), j++) {
        size_t len;
        const char *s = ct_json_raw(d, y, &len);
        if (ct_json_type_of(d, y) != CT_JSON_STRING || len != 66 || s[0] != '0' || s[1] != 'x' ||
            ct_hex_decode(buf + 32 * j, s + 2, 32) != CT_OK)
            return ct_fail(err, CT_ECORRUPT, "bad-data",
                           "blobVersionedHashes[%u] is not 32-byte DATA", j);
    }
    uint8_t *m = NULL;
    size_t ml = 0;
    int rc = ct_eth_blob_hashes_rlp(&m, &ml, buf, n, err);
    if (rc != CT_OK)
        return rc;
    t->n_blob_hashes = n;
    return keep_rlp(a, m, ml, &t->blob_hashes_rlp, &t->blob_hashes_rlp_len, err);
}

static int parse_auth_list(ct_eth_tx *t, const ct_json_doc *d, uint32_t o, ct_arena *a,
                           ct_error *err)
{
    uint32_t al = ct_json_get(d, o, "authorizationList");
    if (!al)
        return missing(err, "transaction", "authorizationList");
    if (ct_json_type_of(d, al) != CT_JSON_ARRAY)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "'authorizationList' is not an array");
    uint32_t n = ct_json_count(d, al), i = 0;
    ct_eth_authorization *e = n ? ct_arena_alloc(a, n, sizeof(*e)) : NULL;
    if (n && !e)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "authorizations");
    int rc;
    const char *w = "authorization";
    for (uint32_t x = ct_json_first(d, al); x; x = ct_json_next(d, al, x), i++) {
        if (ct_json_type_of(d, x) != CT_JSON_OBJECT)
            return ct_fail(err, CT_ECORRUPT, "bad-data", "authorizationList[%u] is not an object",
                           i);
        if ((rc = quantity(d, x, "chainId", w, true, &e[i].chain_id, NULL, err)) ||
            (rc = data_fixed(d, x, "address", w, true, e[i].address, 20, NULL, err)) ||
            (rc = quantity64(d, x, "nonce", w, true, &e[i].nonce, NULL, err)) ||
            (rc = quantity(d, x, "yParity", w, true, &e[i].y_parity, NULL, err)) ||
            (rc = quantity(d, x, "r", w, true, &e[i].r, NULL, err)) ||
            (rc = quantity(d, x, "s", w, true, &e[i].s, NULL, err)))
            return rc;
    }
    uint8_t *m = NULL;
    size_t ml = 0;
    if ((rc = ct_eth_auth_list_rlp(&m, &ml, e, n, err)) != CT_OK)
        return rc;
    t->n_authorizations = n;
    return keep_rlp(a, m, ml, &t->auth_list_rlp, &t->auth_list_rlp_len, err);
}

static int parse_tx(ct_eth_bundle *b, ct_eth_btx *bt, uint32_t i, const ct_json_doc *d, uint32_t o,
                    ct_arena *a, ct_error *err)
{
    const char *w = "transaction";
    int rc;
    memset(bt, 0, sizeof(*bt));
    ct_eth_tx *t = &bt->tx;
    if (ct_json_type_of(d, o) != CT_JSON_OBJECT)
        return ct_fail(err, CT_ECORRUPT, "missing-field",
                       "transactions[%u] is not an object (a block with full transactions is "
                       "needed: eth_getBlockByNumber(N, true))",
                       i);
    uint64_t v64;
    bool p;
    if ((rc = data_fixed(d, o, "hash", w, true, t->hash, 32, NULL, err)) != CT_OK)
        return rc;
    if ((rc = number_or_quantity(d, o, "transactionIndex", w, false, &v64, &p, err)) != CT_OK)
        return rc;
    if (p && v64 != i)
        return ct_fail(err, CT_ECORRUPT, "mismatch",
                       "transactionIndex %llu of the transaction at position %u",
                       (unsigned long long)v64, i);
    bt->index = i;
    uint8_t h[32];
    if ((rc = data_fixed(d, o, "blockHash", w, false, h, 32, &p, err)) != CT_OK)
        return rc;
    if (p && memcmp(h, b->hash, 32) != 0)
        return ct_fail(err, CT_ECORRUPT, "mismatch", "blockHash differs from the block's hash");
    if ((rc = number_or_quantity(d, o, "blockNumber", w, false, &v64, &p, err)) != CT_OK)
        return rc;
    if (p && v64 != b->height)
        return ct_fail(err, CT_ECORRUPT, "mismatch", "blockNumber %llu in block %llu",
                       (unsigned long long)v64, (unsigned long long)b->height);
    uint64_t type = 0;
    if ((rc = quantity64(d, o, "type", w, false, &type, NULL, err)) != CT_OK)
        return rc;
    if (type > 4)
        return ct_fail(err, CT_ECORRUPT, "bad-type", "transaction type %llu is not known",
                       (unsigned long long)type);
    t->type = (uint8_t)type;
    if ((rc = data_fixed(d, o, "from", w, true, t->from, 20, NULL, err)) != CT_OK)
        return rc;
    t->has_from = true;
    if ((rc = data_fixed(d, o, "to", w, type >= 3, t->to, 20, &t->has_to, err)) != CT_OK)
        return rc;
    if ((rc = quantity(d, o, "value", w, true, &t->value, NULL, err)) != CT_OK)
        return rc;
    if ((rc = quantity64(d, o, "nonce", w, true, &t->nonce, NULL, err)) != CT_OK)
        return rc;
    if ((rc = quantity64(d, o, "gas", w, true, &t->gas_limit, NULL, err)) != CT_OK)
        return rc;
    if ((rc = quantity(d, o, "gasPrice", w, type < 2, &bt->node_gas_price, NULL, err)) != CT_OK)
        return rc;
    if (type >= 2) {
        if ((rc = quantity(d, o, "maxFeePerGas", w, true, &t->gas_price, NULL, err)) != CT_OK)
            return rc;
        if ((rc = quantity(d, o, "maxPriorityFeePerGas", w, true, &t->max_priority_fee, NULL,
                           err)) != CT_OK)
            return rc;
    } else {
        t->gas_price = bt->node_gas_price;
    }
    if ((rc = data_var(d, o, "input", w, true, a, &t->input, &t->input_len, true, err)) != CT_OK)
        return rc;
    if ((rc = quantity(d, o, "r", w, true, &t->r, NULL, err)) != CT_OK)
        return rc;
    if ((rc = quantity(d, o, "s", w, true, &t->s, NULL, err)) != CT_OK)
        return rc;
    bool has_v = false, has_y = false;
    ct_u256 y;
    if ((rc = quantity(d, o, "v", w, false, &t->v, &has_v, err)) != CT_OK)
        return rc;
    if ((rc = quantity(d, o, "yParity", w, false, &y, &has_y, err)) != CT_OK)
        return rc;
    if (!has_v && !has_y)
        return missing(err, w, "v");
    if (type >= 1 && has_y) {
        if (has_v && ct_u256_cmp(&y, &t->v) != 0)
            return ct_fail(err, CT_ECORRUPT, "mismatch", "transaction: 'v' and 'yParity' differ");
        t->v = y;
    }
    ct_u256 cid;
    bool has_cid = false;
    if ((rc = quantity(d, o, "chainId", w, type >= 1, &cid, &has_cid, err)) != CT_OK)
        return rc;
    if (type >= 1) {
        if (!ct_u256_to_u64(&t->chain_id, &cid))
            return ct_fail(err, CT_ECORRUPT, "bad-quantity", "transaction: 'chainId' above 2^64-1");
        t->has_chain_id = true;
        if ((rc = parse_access_list(t, d, o, a, err)) != CT_OK)
            return rc;
    } else {
        /* legacy: the chain id is in v (EIP-155) */
        uint64_t v;
        if (!ct_u256_to_u64(&v, &t->v) || (v != 27 && v != 28 && v < 37))
            return ct_fail(err, CT_ECORRUPT, "invalid signature",
                           "legacy v is not 27, 28 or "
                           "2*chainId+35/36");
        if (v >= 35) {
            t->has_chain_id = true;
            t->chain_id = (v - 35) / 2;
        }
    }
    if (type == 3) {
        if ((rc = quantity(d, o, "maxFeePerBlobGas", w, true, &t->max_fee_per_blob_gas, NULL,
                           err)) != CT_OK)
            return rc;
        if ((rc = parse_blob_hashes(t, d, o, a, err)) != CT_OK)
            return rc;
    }
    if (type == 4 && (rc = parse_auth_list(t, d, o, a, err)) != CT_OK)
        return rc;
    return CT_OK;
}

int ct_eth_bundle_verify_txs(ct_eth_bundle *b, uint64_t chain_id, ct_error *err)
{
    for (uint32_t i = 0; i < b->n_txs; i++) {
        ct_eth_btx *bt = &b->txs[i];
        ct_eth_tx c = bt->tx;
        int rc;
        set_pos(err, b, i);
        if ((rc = ct_eth_tx_compute_hash(&c, err)) != CT_OK)
            return rc == CT_EINVAL ? ct_fail(err, CT_ECORRUPT, "bad-data",
                                             "transaction fields do "
                                             "not encode")
                                   : rc;
        if (memcmp(c.hash, bt->tx.hash, 32) != 0) {
            char hx[65];
            ct_hex_encode(hx, c.hash, 32);
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "the node's hash differs from keccak of the transaction (0x%s)", hx);
        }
        c.has_from = false;
        if ((rc = ct_eth_tx_recover(&c, (int64_t)b->height, chain_id, err)) != CT_OK)
            return rc;
        if (memcmp(c.from, bt->tx.from, 20) != 0) {
            char a1[CT_ETH_ADDR_STR_MAX], a2[CT_ETH_ADDR_STR_MAX];
            ct_eth_address_format(a1, bt->tx.from);
            ct_eth_address_format(a2, c.from);
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "the node's from %s is not the recovered sender %s", a1, a2);
        }
        bt->verified = true;
    }
    set_pos(err, b, -1);
    return CT_OK;
}

/* E13 for the header: the block's hash is recomputed from its fields (the fork's set
 * follows the optional fields present) and must be the hash the node gives. */
static int check_header_hash(const ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d,
                             uint32_t o, ct_error *err)
{
    const char *w = "block";
    ct_eth_header h;
    int rc;
    memset(&h, 0, sizeof(h));
    memcpy(h.parent_hash, b->parent, 32);
    memcpy(h.coinbase, b->miner, 20);
    h.number = b->height;
    h.gas_used = b->gas_used;
    h.gas_limit = b->gas_limit;
    h.timestamp = b->time;
    h.has_base_fee = b->has_base_fee;
    h.base_fee = b->base_fee;
    if ((rc = data_fixed(d, o, "sha3Uncles", w, true, h.uncles_hash, 32, NULL, err)) != CT_OK ||
        (rc = data_fixed(d, o, "stateRoot", w, true, h.state_root, 32, NULL, err)) != CT_OK ||
        (rc = data_fixed(d, o, "transactionsRoot", w, true, h.tx_root, 32, NULL, err)) != CT_OK ||
        (rc = data_fixed(d, o, "receiptsRoot", w, true, h.receipts_root, 32, NULL, err)) !=
            CT_OK ||
        (rc = data_fixed(d, o, "logsBloom", w, true, h.logs_bloom, 256, NULL, err)) != CT_OK ||
        (rc = quantity(d, o, "difficulty", w, true, &h.difficulty, NULL, err)) != CT_OK ||
        (rc = data_var(d, o, "extraData", w, true, a, &h.extra_data, &h.extra_data_len, true,
                       err)) != CT_OK ||
        (rc = data_fixed(d, o, "mixHash", w, true, h.mix_hash, 32, NULL, err)) != CT_OK ||
        (rc = data_fixed(d, o, "nonce", w, true, h.nonce, 8, NULL, err)) != CT_OK ||
        (rc = data_fixed(d, o, "withdrawalsRoot", w, false, h.withdrawals_root, 32,
                         &h.has_withdrawals_root, err)) != CT_OK)
        return rc;
    bool bg = false, xg = false, pb = false;
    if ((rc = quantity64(d, o, "blobGasUsed", w, false, &h.blob_gas_used, &bg, err)) != CT_OK ||
        (rc = quantity64(d, o, "excessBlobGas", w, false, &h.excess_blob_gas, &xg, err)) !=
            CT_OK ||
        (rc = data_fixed(d, o, "parentBeaconBlockRoot", w, false, h.parent_beacon_root, 32, &pb,
                         err)) != CT_OK ||
        (rc = data_fixed(d, o, "requestsHash", w, false, h.requests_hash, 32,
                         &h.has_requests_hash, err)) != CT_OK)
        return rc;
    if (bg != xg || bg != pb)
        return ct_fail(err, CT_ECORRUPT, "missing-field",
                       "block: blobGasUsed, excessBlobGas and parentBeaconBlockRoot come together "
                       "(Cancun)");
    h.has_blob_gas = bg;
    ct_error e;
    ct_error_clear(&e);
    if ((rc = ct_eth_header_compute_hash(&h, &e)) != CT_OK)
        return ct_fail(err, rc, e.reason, "block %llu: %s", (unsigned long long)b->height,
                       e.detail);
    if (memcmp(h.hash, b->hash, 32) != 0) {
        char hx[65];
        ct_hex_encode(hx, h.hash, 32);
        return ct_fail(err, CT_ECORRUPT, "mismatch",
                       "block hash mismatch at height %llu: the header's %u fields hash to 0x%s",
                       (unsigned long long)b->height, h.n_fields, hx);
    }
    return CT_OK;
}

int ct_eth_json_block(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d, uint32_t o,
                      ct_error *err)
{
    const char *w = "block";
    int rc;
    memset(b, 0, sizeof(*b));
    if (ct_json_type_of(d, o) != CT_JSON_OBJECT)
        return ct_fail(err, CT_ECORRUPT, "missing-field", "the block is not a JSON object");
    if ((rc = quantity64(d, o, "number", w, true, &b->height, NULL, err)) != CT_OK)
        return rc;
    if (b->height > UINT32_MAX - 1)
        return ct_fail(err, CT_ECORRUPT, "bad-quantity", "block: 'number' is above 2^32-2");
    if (err)
        err->height = (int64_t)b->height;
    if ((rc = data_fixed(d, o, "hash", w, true, b->hash, 32, NULL, err)) != CT_OK)
        return rc;
    set_pos(err, b, -1);
    if ((rc = data_fixed(d, o, "parentHash", w, true, b->parent, 32, NULL, err)) != CT_OK)
        return rc;
    if ((rc = quantity64(d, o, "timestamp", w, true, &b->time, NULL, err)) != CT_OK)
        return rc;
    if (b->time > UINT32_MAX)
        return ct_fail(err, CT_ECORRUPT, "bad-quantity", "block: 'timestamp' is above 2^32-1");
    if ((rc = data_fixed(d, o, "miner", w, true, b->miner, 20, NULL, err)) != CT_OK)
        return rc;
    if ((rc = quantity(d, o, "baseFeePerGas", w, false, &b->base_fee, &b->has_base_fee, err)) !=
        CT_OK)
        return rc;
    if ((rc = quantity64(d, o, "gasUsed", w, true, &b->gas_used, NULL, err)) != CT_OK)
        return rc;
    if ((rc = quantity64(d, o, "gasLimit", w, true, &b->gas_limit, NULL, err)) != CT_OK)
        return rc;
    if ((rc = check_header_hash(b, a, d, o, err)) != CT_OK)
        return rc;
    uint32_t txs = ct_json_get(d, o, "transactions");
    if (!txs)
        return missing(err, w, "transactions");
    if (ct_json_type_of(d, txs) != CT_JSON_ARRAY)
        return ct_fail(err, CT_ECORRUPT, "missing-field", "block: 'transactions' is not an array");
    b->n_txs = ct_json_count(d, txs);
    if (b->n_txs) {
        b->txs = ct_arena_alloc(a, b->n_txs, sizeof(ct_eth_btx));
        if (!b->txs)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "%u transactions", b->n_txs);
    }
    uint32_t i = 0;
    for (uint32_t t = ct_json_first(d, txs); t; t = ct_json_next(d, txs, t), i++) {
        set_pos(err, b, i);
        if ((rc = parse_tx(b, &b->txs[i], i, d, t, a, err)) != CT_OK)
            return rc;
    }
    set_pos(err, b, -1);
    uint32_t wds = ct_json_get(d, o, "withdrawals");
    if (wds && ct_json_type_of(d, wds) != CT_JSON_NULL) {
        if (ct_json_type_of(d, wds) != CT_JSON_ARRAY)
            return ct_fail(err, CT_ECORRUPT, "missing-field",
                           "block: 'withdrawals' is not an array");
        b->has_withdrawals = true;
        b->n_wd = ct_json_count(d, wds);
        if (b->n_wd && !(b->wd = ct_arena_alloc(a, b->n_wd, sizeof(ct_eth_withdrawal))))
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "%u withdrawals", b->n_wd);
        i = 0;
        for (uint32_t x = ct_json_first(d, wds); x; x = ct_json_next(d, wds, x), i++) {
            ct_eth_withdrawal *wd = &b->wd[i];
            const char *ww = "withdrawal";
            if (ct_json_type_of(d, x) != CT_JSON_OBJECT)
                return ct_fail(err, CT_ECORRUPT, "missing-field",
                               "withdrawals[%u] is not an object", i);
            if ((rc = quantity64(d, x, "index", ww, true, &wd->index, NULL, err)) != CT_OK ||
                (rc = quantity64(d, x, "validatorIndex", ww, true, &wd->validator, NULL, err)) !=
                    CT_OK ||
                (rc = data_fixed(d, x, "address", ww, true, wd->address, 20, NULL, err)) != CT_OK ||
                (rc = quantity64(d, x, "amount", ww, true, &wd->amount_gwei, NULL, err)) != CT_OK)
                return rc;
        }
    }
    return CT_OK;
}

/* ---- receipts ---- */

static int parse_receipt(ct_eth_bundle *b, ct_eth_btx *t, const ct_json_doc *d, uint32_t o,
                         ct_arena *a, ct_error *err)
{
    const char *w = "receipt";
    int rc;
    ct_eth_receipt *r = &t->rc;
    if (r->present)
        return ct_fail(err, CT_ECORRUPT, "mismatch", "a second receipt for the transaction");
    uint64_t v64;
    bool p;
    uint8_t h[32];
    if ((rc = data_fixed(d, o, "blockHash", w, false, h, 32, &p, err)) != CT_OK)
        return rc;
    if (p && memcmp(h, b->hash, 32) != 0)
        return ct_fail(err, CT_ECORRUPT, "mismatch",
                       "receipt blockHash differs from the block's hash");
    if ((rc = number_or_quantity(d, o, "transactionIndex", w, false, &v64, &p, err)) != CT_OK)
        return rc;
    if (p && v64 != t->index)
        return ct_fail(err, CT_ECORRUPT, "mismatch", "receipt transactionIndex %llu for tx %u",
                       (unsigned long long)v64, t->index);
    if ((rc = quantity64(d, o, "status", w, false, &v64, &r->has_status, err)) != CT_OK)
        return rc;
    if (r->has_status) {
        if (v64 > 1)
            return ct_fail(err, CT_ECORRUPT, "bad-quantity",
                           "receipt: 'status' is %llu, not 0 or 1", (unsigned long long)v64);
        r->status = (uint8_t)v64;
    }
    if ((rc = quantity64(d, o, "gasUsed", w, true, &r->gas_used, NULL, err)) != CT_OK)
        return rc;
    if (r->gas_used > t->tx.gas_limit)
        return ct_fail(err, CT_ECORRUPT, "mismatch", "receipt gasUsed %llu above the tx's gas %llu",
                       (unsigned long long)r->gas_used, (unsigned long long)t->tx.gas_limit);
    if ((rc = quantity(d, o, "effectiveGasPrice", w, false, &r->effective_gas_price,
                       &r->has_effective_price, err)) != CT_OK)
        return rc;
    if ((rc = data_fixed(d, o, "contractAddress", w, false, r->contract_address, 20,
                         &r->has_contract, err)) != CT_OK)
        return rc;
    uint32_t logs = ct_json_get(d, o, "logs");
    if (!logs)
        return missing(err, w, "logs");
    if (ct_json_type_of(d, logs) != CT_JSON_ARRAY)
        return ct_fail(err, CT_ECORRUPT, "missing-field", "receipt: 'logs' is not an array");
    r->n_logs = ct_json_count(d, logs);
    if (r->n_logs && !(r->logs = ct_arena_alloc(a, r->n_logs, sizeof(ct_eth_log))))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "%u logs", r->n_logs);
    uint32_t i = 0;
    for (uint32_t l = ct_json_first(d, logs); l; l = ct_json_next(d, logs, l), i++) {
        ct_eth_log *lg = &r->logs[i];
        const char *lw = "log";
        memset(lg, 0, sizeof(*lg));
        if (ct_json_type_of(d, l) != CT_JSON_OBJECT)
            return ct_fail(err, CT_ECORRUPT, "missing-field", "logs[%u] is not an object", i);
        if ((rc = data_fixed(d, l, "address", lw, true, lg->address, 20, NULL, err)) != CT_OK)
            return rc;
        if ((rc = number_or_quantity(d, l, "logIndex", lw, true, &v64, NULL, err)) != CT_OK)
            return rc;
        if (v64 > UINT32_MAX)
            return ct_fail(err, CT_ECORRUPT, "bad-quantity", "log: 'logIndex' above 2^32-1");
        lg->log_index = (uint32_t)v64;
        uint32_t rm = ct_json_get(d, l, "removed");
        if (rm && ct_json_type_of(d, rm) == CT_JSON_TRUE)
            return ct_fail(err, CT_ECORRUPT, "mismatch", "log %u is marked removed", lg->log_index);
        if ((rc = data_var(d, l, "data", lw, true, a, &lg->data, &lg->data_len, true, err)) !=
            CT_OK)
            return rc;
        uint32_t tp = ct_json_get(d, l, "topics");
        if (!tp)
            return missing(err, lw, "topics");
        if (ct_json_type_of(d, tp) != CT_JSON_ARRAY || ct_json_count(d, tp) > 4)
            return ct_fail(err, CT_ECORRUPT, "bad-data",
                           "log %u: 'topics' is not an array of at most 4", lg->log_index);
        for (uint32_t x = ct_json_first(d, tp); x; x = ct_json_next(d, tp, x)) {
            size_t len;
            const char *s = ct_json_raw(d, x, &len);
            if (ct_json_type_of(d, x) != CT_JSON_STRING || len != 66 || s[0] != '0' ||
                s[1] != 'x' || ct_hex_decode(lg->topics[lg->n_topics], s + 2, 32) != CT_OK)
                return ct_fail(err, CT_ECORRUPT, "bad-data", "log %u: topic %u is not 32-byte DATA",
                               lg->log_index, lg->n_topics);
            lg->n_topics++;
        }
    }
    r->present = true;
    return CT_OK;
}

static ct_eth_btx *tx_by_hash(ct_eth_bundle *b, const uint8_t h[32])
{
    for (uint32_t i = 0; i < b->n_txs; i++)
        if (memcmp(b->txs[i].tx.hash, h, 32) == 0)
            return &b->txs[i];
    return NULL;
}

int ct_eth_json_receipt(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d, uint32_t o,
                        ct_error *err)
{
    uint8_t h[32];
    int rc;
    set_pos(err, b, -1);
    if (ct_json_type_of(d, o) != CT_JSON_OBJECT)
        return ct_fail(err, CT_ECORRUPT, "missing-field", "a receipt is not a JSON object");
    if ((rc = data_fixed(d, o, "transactionHash", "receipt", true, h, 32, NULL, err)) != CT_OK)
        return rc;
    ct_eth_btx *t = tx_by_hash(b, h);
    if (!t) {
        char hex[65];
        ct_hex_encode(hex, h, 32);
        return ct_fail(err, CT_ECORRUPT, "mismatch",
                       "receipt of 0x%s, not a transaction of the block", hex);
    }
    set_pos(err, b, t->index);
    rc = parse_receipt(b, t, d, o, a, err);
    if (rc == CT_OK) {
        bool all = true;
        for (uint32_t i = 0; i < b->n_txs; i++)
            all = all && b->txs[i].rc.present;
        b->has_receipts = all;
    }
    return rc;
}

int ct_eth_json_receipts(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d, uint32_t o,
                         ct_error *err)
{
    set_pos(err, b, -1);
    if (ct_json_type_of(d, o) != CT_JSON_ARRAY)
        return ct_fail(err, CT_ECORRUPT, "missing-field", "the block receipts are not an array");
    if (ct_json_count(d, o) != b->n_txs)
        return ct_fail(err, CT_ECORRUPT, "mismatch", "%u receipts for %u transactions",
                       ct_json_count(d, o), b->n_txs);
    uint32_t i = 0;
    for (uint32_t r = ct_json_first(d, o); r; r = ct_json_next(d, o, r), i++) {
        uint8_t h[32];
        int rc;
        set_pos(err, b, i);
        if (ct_json_type_of(d, r) != CT_JSON_OBJECT)
            return ct_fail(err, CT_ECORRUPT, "missing-field", "receipts[%u] is not an object", i);
        if ((rc = data_fixed(d, r, "transactionHash", "receipt", true, h, 32, NULL, err)) != CT_OK)
            return rc;
        if (memcmp(h, b->txs[i].tx.hash, 32) != 0)
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "receipts[%u] is for another transaction than transactions[%u]", i, i);
        if ((rc = parse_receipt(b, &b->txs[i], d, r, a, err)) != CT_OK)
            return rc;
    }
    b->has_receipts = true;
    set_pos(err, b, -1);
    return CT_OK;
}

/* ---- internal transfers ---- */

int ct_eth_itx_push(ct_eth_btx *t, ct_arena *a, uint32_t *cap, uint8_t kind, const uint8_t *from,
                    const uint8_t *to, const ct_u256 *value, ct_error *err)
{
    if (t->n_itx == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 8;
        ct_eth_itx *n = ct_arena_alloc(a, nc, sizeof(ct_eth_itx));
        if (!n)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "%u internal transfers", nc);
        if (t->n_itx)
            memcpy(n, t->itx, t->n_itx * sizeof(ct_eth_itx));
        t->itx = n;
        *cap = nc;
    }
    ct_eth_itx *x = &t->itx[t->n_itx++];
    x->kind = kind;
    memcpy(x->from, from, 20);
    memcpy(x->to, to, 20);
    x->value = *value;
    return CT_OK;
}

int ct_eth_bundle_add_reward(ct_eth_bundle *b, ct_arena *a, const uint8_t to[20],
                             const ct_u256 *value, ct_error *err)
{
    if (ct_u256_is_zero(value))
        return CT_OK;
    /* capacity 4, then doubled whenever the count reaches a power of two (in the arena: a
     * block has a handful of rewards) */
    if (b->n_rewards == 0 || (b->n_rewards >= 4 && (b->n_rewards & (b->n_rewards - 1)) == 0)) {
        uint32_t nc = b->n_rewards < 4 ? 4 : b->n_rewards * 2;
        ct_eth_reward *n = ct_arena_alloc(a, nc, sizeof(*n));
        if (!n)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "%u rewards", nc);
        if (b->n_rewards)
            memcpy(n, b->rewards, b->n_rewards * sizeof(*n));
        b->rewards = n;
    }
    memcpy(b->rewards[b->n_rewards].to, to, 20);
    b->rewards[b->n_rewards].value = *value;
    b->n_rewards++;
    return CT_OK;
}

static bool type_is(const ct_json_doc *d, uint32_t v, const char *s)
{
    size_t len, n = strlen(s);
    if (!v || ct_json_type_of(d, v) != CT_JSON_STRING)
        return false;
    const char *r = ct_json_raw(d, v, &len);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = r[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        char e = s[i];
        if (e >= 'a' && e <= 'z')
            e = (char)(e - 32);
        if (c != e)
            return false;
    }
    return true;
}

static bool has_error(const ct_json_doc *d, uint32_t frame)
{
    uint32_t e = ct_json_get(d, frame, "error");
    return e && ct_json_type_of(d, e) != CT_JSON_NULL;
}

/* Walks one callTracer frame tree in pre-order without recursion (an explicit stack of
 * frames), skipping the subtree of every frame with an error. */
static int walk_calls(ct_eth_btx *t, ct_arena *a, const ct_json_doc *d, uint32_t top, ct_error *err)
{
    uint32_t cap = 0;
    int rc;
    t->has_trace = true;
    if (ct_json_type_of(d, top) != CT_JSON_OBJECT)
        return ct_fail(err, CT_ECORRUPT, "bad-trace", "a callTracer frame is not an object");
    if (has_error(d, top)) {
        t->trace_failed = true;
        return CT_OK;
    }
    /* stack of (calls array, next child) */
    enum { MAXD = 1100 };
    uint32_t *arr = ct_arena_alloc(a, MAXD, sizeof(uint32_t));
    uint32_t *cur = ct_arena_alloc(a, MAXD, sizeof(uint32_t));
    if (!arr || !cur)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "trace stack");
    int sp = 0;
    uint32_t calls = ct_json_get(d, top, "calls");
    if (calls && ct_json_type_of(d, calls) == CT_JSON_ARRAY) {
        arr[0] = calls;
        cur[0] = ct_json_first(d, calls);
        sp = 1;
    }
    while (sp > 0) {
        uint32_t f = cur[sp - 1];
        if (!f) {
            sp--;
            continue;
        }
        cur[sp - 1] = ct_json_next(d, arr[sp - 1], f);
        if (ct_json_type_of(d, f) != CT_JSON_OBJECT)
            return ct_fail(err, CT_ECORRUPT, "bad-trace", "a callTracer frame is not an object");
        if (has_error(d, f))
            continue; /* reverted: the frame and everything under it */
        uint32_t ty = ct_json_get(d, f, "type");
        if (!ty)
            return missing(err, "call frame", "type");
        ct_u256 value = ct_u256_from_u64(0);
        bool pv = false;
        if ((rc = quantity(d, f, "value", "call frame", false, &value, &pv, err)) != CT_OK)
            return rc;
        uint8_t kind = 0;
        if (type_is(d, ty, "CALL"))
            kind = CT_ETH_ITX_CALL;
        else if (type_is(d, ty, "CREATE") || type_is(d, ty, "CREATE2"))
            kind = CT_ETH_ITX_CREATE;
        else if (type_is(d, ty, "SELFDESTRUCT"))
            kind = CT_ETH_ITX_SELFDESTRUCT;
        /* CALLCODE moves value from the caller to itself; DELEGATECALL and STATICCALL move
         * none: no transfer */
        if (kind == CT_ETH_ITX_SELFDESTRUCT && (!pv || !ct_json_get(d, f, "to")))
            return ct_fail(err, CT_ECORRUPT, "bad-trace",
                           "a SELFDESTRUCT frame without from/to/value (an old geth callTracer): "
                           "its transfer is unknown; use trace_block");
        if (kind && pv && !ct_u256_is_zero(&value)) {
            uint8_t from[20], to[20];
            if ((rc = data_fixed(d, f, "from", "call frame", true, from, 20, NULL, err)) != CT_OK ||
                (rc = data_fixed(d, f, "to", "call frame", true, to, 20, NULL, err)) != CT_OK)
                return rc;
            if ((rc = ct_eth_itx_push(t, a, &cap, kind, from, to, &value, err)) != CT_OK)
                return rc;
        }
        uint32_t sub = ct_json_get(d, f, "calls");
        if (sub && ct_json_type_of(d, sub) == CT_JSON_ARRAY && ct_json_count(d, sub)) {
            if (sp == MAXD)
                return ct_fail(err, CT_ECORRUPT, "bad-trace", "calls nested deeper than %d", MAXD);
            arr[sp] = sub;
            cur[sp] = ct_json_first(d, sub);
            sp++;
        }
    }
    return CT_OK;
}

int ct_eth_json_calltraces(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d, uint32_t o,
                           ct_error *err)
{
    set_pos(err, b, -1);
    if (ct_json_type_of(d, o) != CT_JSON_ARRAY)
        return ct_fail(err, CT_ECORRUPT, "bad-trace", "the callTracer result is not an array");
    if (ct_json_count(d, o) != b->n_txs)
        return ct_fail(err, CT_ECORRUPT, "mismatch", "%u callTracer results for %u transactions",
                       ct_json_count(d, o), b->n_txs);
    uint32_t i = 0;
    for (uint32_t e = ct_json_first(d, o); e; e = ct_json_next(d, o, e), i++) {
        ct_eth_btx *t = &b->txs[i];
        set_pos(err, b, i);
        if (t->has_trace)
            return ct_fail(err, CT_ECORRUPT, "mismatch", "a second trace for the transaction");
        uint32_t frame = e;
        if (ct_json_type_of(d, e) == CT_JSON_OBJECT && ct_json_get(d, e, "result")) {
            uint8_t h[32];
            bool p;
            int rc;
            if ((rc = data_fixed(d, e, "txHash", "trace", false, h, 32, &p, err)) != CT_OK)
                return rc;
            if (p && memcmp(h, t->tx.hash, 32) != 0)
                return ct_fail(err, CT_ECORRUPT, "mismatch",
                               "trace %u is for another transaction than transactions[%u]", i, i);
            frame = ct_json_get(d, e, "result");
        }
        int rc = walk_calls(t, a, d, frame, err);
        if (rc != CT_OK)
            return rc;
    }
    b->has_traces = true;
    set_pos(err, b, -1);
    return CT_OK;
}

/* Parity: a trace is reverted when it or an ancestor (a prefix of its traceAddress) has an
 * error. Traces of one transaction come in pre-order, so the errored prefixes seen so far
 * are enough. */
int ct_eth_json_parity_traces(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d, uint32_t o,
                              ct_error *err)
{
    set_pos(err, b, -1);
    if (ct_json_type_of(d, o) != CT_JSON_ARRAY)
        return ct_fail(err, CT_ECORRUPT, "bad-trace", "the trace_block result is not an array");
    uint32_t *caps = NULL;
    if (b->n_txs && !(caps = ct_arena_alloc(a, b->n_txs, sizeof(uint32_t))))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "trace caps");
    if (b->n_txs)
        memset(caps, 0, b->n_txs * sizeof(uint32_t));
    /* the errored traceAddress of the current tx: at most one active chain matters, but a
     * failed sibling can be followed by a healthy one, so keep all of them (flattened) */
    enum { MAXA = 1100 };
    uint32_t *fail_addr = ct_arena_alloc(a, MAXA, sizeof(uint32_t));
    uint32_t *path = ct_arena_alloc(a, MAXA, sizeof(uint32_t));
    if (!fail_addr || !path)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "trace addresses");
    uint32_t fail_len = 0; /* 0: none; else the prefix length of the innermost failed frame */
    bool fail_set = false;
    int64_t cur_tx = -1;
    for (uint32_t e = ct_json_first(d, o); e; e = ct_json_next(d, o, e)) {
        int rc;
        if (ct_json_type_of(d, e) != CT_JSON_OBJECT)
            return ct_fail(err, CT_ECORRUPT, "bad-trace", "a trace is not an object");
        uint32_t ty = ct_json_get(d, e, "type");
        uint32_t act = ct_json_get(d, e, "action");
        if (!ty)
            return missing(err, "trace", "type");
        if (!act || ct_json_type_of(d, act) != CT_JSON_OBJECT)
            return missing(err, "trace", "action");
        uint32_t tp = ct_json_get(d, e, "transactionPosition");
        if (!tp || ct_json_type_of(d, tp) == CT_JSON_NULL) {
            if (!type_is(d, ty, "reward"))
                return missing(err, "trace", "transactionPosition");
            /* a block or uncle reward: new ETH to its author, a REWARD event */
            uint8_t author[20];
            ct_u256 value;
            uint32_t rt = ct_json_get(d, act, "rewardType");
            if (rt && !type_is(d, rt, "block") && !type_is(d, rt, "uncle"))
                return ct_fail(err, CT_ECORRUPT, "bad-trace",
                               "a reward trace of rewardType other than block or uncle");
            if ((rc = data_fixed(d, act, "author", "reward trace action", true, author, 20, NULL,
                                 err)) ||
                (rc = quantity(d, act, "value", "reward trace action", true, &value, NULL, err)) ||
                (rc = ct_eth_bundle_add_reward(b, a, author, &value, err)))
                return rc;
            continue;
        }
        uint64_t txi;
        if ((rc = number_or_quantity(d, e, "transactionPosition", "trace", true, &txi, NULL,
                                     err)) != CT_OK)
            return rc;
        if (txi >= b->n_txs)
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "trace of transactionPosition %llu in a "
                           "block of %u transactions",
                           (unsigned long long)txi, b->n_txs);
        set_pos(err, b, (int64_t)txi);
        ct_eth_btx *t = &b->txs[txi];
        uint8_t h[32];
        bool p;
        if ((rc = data_fixed(d, e, "transactionHash", "trace", false, h, 32, &p, err)) != CT_OK)
            return rc;
        if (p && memcmp(h, t->tx.hash, 32) != 0)
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "trace transactionHash differs from "
                           "transactions[%llu]",
                           (unsigned long long)txi);
        if ((int64_t)txi != cur_tx) {
            if ((int64_t)txi < cur_tx)
                return ct_fail(err, CT_ECORRUPT, "bad-trace", "traces out of transaction order");
            cur_tx = (int64_t)txi;
            fail_set = false;
        }
        uint32_t ta = ct_json_get(d, e, "traceAddress");
        if (!ta || ct_json_type_of(d, ta) != CT_JSON_ARRAY)
            return missing(err, "trace", "traceAddress");
        uint32_t depth = ct_json_count(d, ta);
        if (depth >= MAXA)
            return ct_fail(err, CT_ECORRUPT, "bad-trace", "traceAddress deeper than %d", MAXA);
        uint32_t k = 0;
        for (uint32_t x = ct_json_first(d, ta); x; x = ct_json_next(d, ta, x), k++) {
            uint64_t v;
            if (ct_json_type_of(d, x) != CT_JSON_NUMBER || ct_json_u64(d, x, &v) != CT_OK ||
                v > UINT32_MAX)
                return ct_fail(err, CT_ECORRUPT, "bad-trace", "traceAddress is not whole numbers");
            path[k] = (uint32_t)v;
        }
        if (depth == 0) {
            if (t->has_trace)
                return ct_fail(err, CT_ECORRUPT, "mismatch", "a second top-level trace");
            t->has_trace = true;
        } else if (!t->has_trace) {
            return ct_fail(err, CT_ECORRUPT, "bad-trace", "a subtrace before its top-level trace");
        }
        /* inside a failed frame? */
        if (fail_set && depth >= fail_len &&
            memcmp(path, fail_addr, fail_len * sizeof(uint32_t)) == 0)
            continue;
        if (has_error(d, e)) {
            if (depth == 0)
                t->trace_failed = true;
            memcpy(fail_addr, path, depth * sizeof(uint32_t));
            fail_len = depth;
            fail_set = true;
            continue;
        }
        if (depth == 0)
            continue; /* the transaction's own transfer */
        uint8_t from[20], to[20], kind = 0;
        ct_u256 value;
        bool pv = false;
        if (type_is(d, ty, "call")) {
            uint32_t ct = ct_json_get(d, act, "callType");
            if (!ct || type_is(d, ct, "call")) {
                kind = CT_ETH_ITX_CALL;
                if ((rc = data_fixed(d, act, "from", "trace action", true, from, 20, NULL, err)) ||
                    (rc = data_fixed(d, act, "to", "trace action", true, to, 20, NULL, err)) ||
                    (rc = quantity(d, act, "value", "trace action", true, &value, &pv, err)))
                    return rc;
            }
        } else if (type_is(d, ty, "create")) {
            kind = CT_ETH_ITX_CREATE;
            uint32_t res = ct_json_get(d, e, "result");
            if (!res || ct_json_type_of(d, res) != CT_JSON_OBJECT)
                return missing(err, "create trace", "result");
            if ((rc = data_fixed(d, act, "from", "trace action", true, from, 20, NULL, err)) ||
                (rc = data_fixed(d, res, "address", "trace result", true, to, 20, NULL, err)) ||
                (rc = quantity(d, act, "value", "trace action", true, &value, &pv, err)))
                return rc;
        } else if (type_is(d, ty, "suicide") || type_is(d, ty, "selfdestruct")) {
            kind = CT_ETH_ITX_SELFDESTRUCT;
            if ((rc = data_fixed(d, act, "address", "trace action", true, from, 20, NULL, err)) ||
                (rc = data_fixed(d, act, "refundAddress", "trace action", true, to, 20, NULL,
                                 err)) ||
                (rc = quantity(d, act, "balance", "trace action", true, &value, &pv, err)))
                return rc;
        } else {
            return ct_fail(err, CT_ECORRUPT, "bad-trace", "unknown trace type");
        }
        if (kind && pv && !ct_u256_is_zero(&value) &&
            (rc = ct_eth_itx_push(t, a, &caps[txi], kind, from, to, &value, err)) != CT_OK)
            return rc;
    }
    for (uint32_t i = 0; i < b->n_txs; i++)
        if (!b->txs[i].has_trace) {
            set_pos(err, b, i);
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "trace_block has no trace of transaction %u", i);
        }
    b->has_traces = true;
    set_pos(err, b, -1);
    return CT_OK;
}

int ct_eth_bundle_add_token(ct_eth_bundle *b, ct_arena *a, const uint8_t contract[20],
                            const char *symbol, int decimals, ct_error *err)
{
    ct_eth_token_meta *n = ct_arena_alloc(a, (size_t)b->n_tokens + 1, sizeof(*n));
    if (!n)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "token metadata");
    if (b->n_tokens)
        memcpy(n, b->tokens, b->n_tokens * sizeof(*n));
    ct_eth_token_meta *m = &n[b->n_tokens];
    memset(m, 0, sizeof(*m));
    memcpy(m->contract, contract, 20);
    if (symbol) {
        size_t k = 0;
        for (; symbol[k] && k < sizeof(m->symbol) - 1; k++)
            m->symbol[k] = (symbol[k] >= 0x20 && symbol[k] < 0x7f) ? symbol[k] : '?';
        m->symbol[k] = 0;
    }
    if (decimals >= 0 && decimals <= 255) {
        m->has_decimals = true;
        m->decimals = (uint8_t)decimals;
    }
    b->tokens = n;
    b->n_tokens++;
    return CT_OK;
}

int ct_eth_bundle_check(const ct_eth_bundle *b, ct_error *err)
{
    set_pos(err, b, -1);
    if (!b->has_receipts && b->n_txs)
        return ct_fail(err, CT_ECORRUPT, "missing-receipts",
                       "block %llu has %u transactions but no receipts (fees, status and token "
                       "transfers need them)",
                       (unsigned long long)b->height, b->n_txs);
    for (uint32_t i = 0; i < b->n_txs; i++) {
        const ct_eth_btx *t = &b->txs[i];
        if (t->index != i) {
            set_pos(err, b, i);
            return ct_fail(err, CT_ECORRUPT, "mismatch", "transaction index %u at position %u",
                           t->index, i);
        }
        if (b->has_traces && !t->has_trace) {
            set_pos(err, b, i);
            return ct_fail(err, CT_ECORRUPT, "mismatch", "no trace for transaction %u", i);
        }
    }
    return CT_OK;
}
