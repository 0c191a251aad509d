/* Signed Ethereum transactions: decoding of every envelope (legacy with or without
 * EIP-155, EIP-2930, EIP-1559, EIP-4844, EIP-7702), their canonical re-encoding, signing
 * hashes and sender recovery with libsecp256k1.
 *
 * Field layouts follow the EIPs (and go-ethereum core/types/tx_*.go):
 *   legacy  [nonce, gasPrice, gas, to, value, data, v, r, s]
 *   1       [chainId, nonce, gasPrice, gas, to, value, data, accessList, yParity, r, s]
 *   2       [chainId, nonce, tip, maxFee, gas, to, value, data, accessList, yParity, r, s]
 *   3       [... as 2 ..., accessList, maxFeePerBlobGas, blobHashes, yParity, r, s]
 *   4       [... as 2 ..., accessList, authorizationList, yParity, r, s]
 */
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "ethereum/eth_internal.h"
#include "ethereum/rlp.h"
#include "base/util.h"

#define ENCODE_MAX ((size_t)1 << 30)

/* ---- list fields ---- */

static int check_access_list(ct_rlp *r, ct_eth_tx *tx, ct_error *err)
{
    ct_rlp list, entry, keys;
    ct_rlp_item it, e, k;
    int rc = ct_rlp_list(r, &list, &it, err);
    if (rc)
        return rc;
    tx->access_list_rlp = it.start;
    tx->access_list_rlp_len = it.size;
    while (!ct_rlp_done(&list)) {
        uint8_t addr[20], key[32];
        if ((rc = ct_rlp_list(&list, &entry, &e, err)) ||
            (rc = ct_rlp_fixed(&entry, addr, 20, err)) ||
            (rc = ct_rlp_list(&entry, &keys, &k, err)))
            return rc;
        while (!ct_rlp_done(&keys)) {
            if ((rc = ct_rlp_fixed(&keys, key, 32, err)))
                return rc;
            tx->n_storage_keys++;
        }
        if ((rc = ct_rlp_end(&entry, err)))
            return rc;
        tx->n_access_list++;
    }
    return CT_OK;
}

static int check_blob_hashes(ct_rlp *r, ct_eth_tx *tx, ct_error *err)
{
    ct_rlp list;
    ct_rlp_item it;
    uint8_t h[32];
    int rc = ct_rlp_list(r, &list, &it, err);
    if (rc)
        return rc;
    tx->blob_hashes_rlp = it.start;
    tx->blob_hashes_rlp_len = it.size;
    while (!ct_rlp_done(&list)) {
        if ((rc = ct_rlp_fixed(&list, h, 32, err)))
            return rc;
        tx->n_blob_hashes++;
    }
    return CT_OK;
}

static int check_auth_list(ct_rlp *r, ct_eth_tx *tx, ct_error *err)
{
    ct_rlp list, a;
    ct_rlp_item it, e;
    int rc = ct_rlp_list(r, &list, &it, err);
    if (rc)
        return rc;
    tx->auth_list_rlp = it.start;
    tx->auth_list_rlp_len = it.size;
    while (!ct_rlp_done(&list)) {
        ct_u256 chain, yp, rr, ss;
        uint8_t addr[20];
        uint64_t nonce;
        if ((rc = ct_rlp_list(&list, &a, &e, err)) || (rc = ct_rlp_u256(&a, &chain, err)) ||
            (rc = ct_rlp_fixed(&a, addr, 20, err)) || (rc = ct_rlp_u64(&a, &nonce, err)) ||
            (rc = ct_rlp_u256(&a, &yp, err)) || (rc = ct_rlp_u256(&a, &rr, err)) ||
            (rc = ct_rlp_u256(&a, &ss, err)) || (rc = ct_rlp_end(&a, err)))
            return rc;
        tx->n_authorizations++;
    }
    return CT_OK;
}

/* `to`: empty (contract creation) or 20 bytes. */
static int read_to(ct_rlp *r, ct_eth_tx *tx, bool required, ct_error *err)
{
    ct_rlp_item it;
    int rc = ct_rlp_string(r, &it, err);
    if (rc)
        return rc;
    if (it.len == 0 && !required) {
        tx->has_to = false;
        memset(tx->to, 0, 20);
        return CT_OK;
    }
    if (it.len != 20) {
        if (err)
            err->offset = ct_rlp_off(r, it.start);
        return ct_fail(err, CT_ECORRUPT, "bad length", "`to` of %zu bytes where %s", it.len,
                       required ? "20 belong (this type cannot create a contract)"
                                : "20 or 0 belong");
    }
    memcpy(tx->to, it.p, 20);
    tx->has_to = true;
    return CT_OK;
}

static int read_data(ct_rlp *r, ct_eth_tx *tx, ct_error *err)
{
    ct_rlp_item it;
    int rc = ct_rlp_string(r, &it, err);
    if (rc)
        return rc;
    tx->input = it.len ? it.p : NULL;
    tx->input_len = it.len;
    return CT_OK;
}

/* Fields of a typed payload, after the list header. */
static int decode_typed_fields(ct_rlp *f, ct_eth_tx *tx, ct_error *err)
{
    int rc;
    uint8_t t = tx->type;
    if ((rc = ct_rlp_u64(f, &tx->chain_id, err)) || (rc = ct_rlp_u64(f, &tx->nonce, err)))
        return rc;
    tx->has_chain_id = true;
    if (t == CT_ETH_TX_ACCESS_LIST) {
        if ((rc = ct_rlp_u256(f, &tx->gas_price, err)))
            return rc;
    } else {
        if ((rc = ct_rlp_u256(f, &tx->max_priority_fee, err)) ||
            (rc = ct_rlp_u256(f, &tx->gas_price, err)))
            return rc;
    }
    if ((rc = ct_rlp_u64(f, &tx->gas_limit, err)) ||
        (rc = read_to(f, tx, t == CT_ETH_TX_BLOB || t == CT_ETH_TX_SET_CODE, err)) ||
        (rc = ct_rlp_u256(f, &tx->value, err)) || (rc = read_data(f, tx, err)) ||
        (rc = check_access_list(f, tx, err)))
        return rc;
    if (t == CT_ETH_TX_BLOB) {
        if ((rc = ct_rlp_u256(f, &tx->max_fee_per_blob_gas, err)) ||
            (rc = check_blob_hashes(f, tx, err)))
            return rc;
    } else if (t == CT_ETH_TX_SET_CODE) {
        if ((rc = check_auth_list(f, tx, err)))
            return rc;
    }
    if ((rc = ct_rlp_u256(f, &tx->v, err)) || (rc = ct_rlp_u256(f, &tx->r, err)) ||
        (rc = ct_rlp_u256(f, &tx->s, err)))
        return rc;
    return ct_rlp_end(f, err);
}

static int decode_legacy_fields(ct_rlp *f, ct_eth_tx *tx, ct_error *err)
{
    int rc;
    if ((rc = ct_rlp_u64(f, &tx->nonce, err)) || (rc = ct_rlp_u256(f, &tx->gas_price, err)) ||
        (rc = ct_rlp_u64(f, &tx->gas_limit, err)) || (rc = read_to(f, tx, false, err)) ||
        (rc = ct_rlp_u256(f, &tx->value, err)) || (rc = read_data(f, tx, err)) ||
        (rc = ct_rlp_u256(f, &tx->v, err)) || (rc = ct_rlp_u256(f, &tx->r, err)) ||
        (rc = ct_rlp_u256(f, &tx->s, err)) || (rc = ct_rlp_end(f, err)))
        return rc;
    /* EIP-155: v = 2 * chainId + 35 or 36. */
    uint64_t v;
    tx->has_chain_id = false;
    tx->chain_id = 0;
    if (ct_u256_to_u64(&v, &tx->v) && v >= 35) {
        tx->has_chain_id = true;
        tx->chain_id = (v - 35) / 2;
    }
    return CT_OK;
}

/* The transaction's field list, the one RLP list in data[skip..len) (after the type byte of
 * a typed transaction); "trailing bytes" when anything follows it. */
static int field_list(const uint8_t *data, size_t len, uint64_t base_off, size_t skip,
                      ct_rlp *fields, ct_error *err)
{
    ct_rlp top;
    ct_rlp_item it;
    int rc;
    ct_rlp_init(&top, data, len, base_off);
    top.pos = data + skip;
    if ((rc = ct_rlp_list(&top, fields, &it, err)))
        return rc;
    if (!ct_rlp_done(&top)) {
        if (err)
            err->offset = ct_rlp_off(&top, top.pos);
        return ct_fail(err, CT_ECORRUPT, "trailing bytes", "%zu bytes after the transaction",
                       (size_t)(top.end - top.pos));
    }
    return CT_OK;
}

int ct_eth_tx_decode_at(ct_eth_tx *tx, const uint8_t *data, size_t len, uint64_t base_off,
                        bool typed_only, ct_error *err)
{
    ct_rlp fields;
    int rc;

    memset(tx, 0, sizeof(*tx));
    if (len == 0) {
        if (err)
            err->offset = base_off;
        return ct_fail(err, CT_ECORRUPT, "too short", "an empty transaction");
    }
    uint8_t first = data[0];
    if (first >= 0xc0 && !typed_only) {
        tx->type = CT_ETH_TX_LEGACY;
        if ((rc = field_list(data, len, base_off, 0, &fields, err)))
            return rc;
        if ((rc = decode_legacy_fields(&fields, tx, err)))
            return rc;
    } else {
        if (first >= 0x80 || first == 0 || first > CT_ETH_TX_SET_CODE) {
            if (err)
                err->offset = base_off;
            if (first >= 0xc0)
                return ct_fail(err, CT_ECORRUPT, "type not supported",
                               "a legacy transaction wrapped in a string in the block's list");
            if (first >= 0x80)
                return ct_fail(err, CT_ECORRUPT, "type not supported",
                               "first byte 0x%02x is neither a list nor a transaction type", first);
            return ct_fail(err, CT_ECORRUPT, "type not supported", "transaction type 0x%02x",
                           first);
        }
        if (len == 1) {
            if (err)
                err->offset = base_off;
            return ct_fail(err, CT_ECORRUPT, "too short",
                           "a typed transaction of type 0x%02x without payload", first);
        }
        tx->type = first;
        if ((rc = field_list(data, len, base_off, 1, &fields, err)))
            return rc;
        if ((rc = decode_typed_fields(&fields, tx, err)))
            return rc;
    }
    tx->raw = data;
    tx->raw_len = len;
    ct_keccak256(tx->hash, data, len);
    return CT_OK;
}

int ct_eth_tx_decode(ct_eth_tx *tx, const uint8_t *data, size_t len, ct_error *err)
{
    return ct_eth_tx_decode_at(tx, data, len, 0, false, err);
}

/* ---- encoding ---- */

/* Appends a caller-given list item after checking that it is exactly one RLP list. */
static int put_list_field(ct_buf *b, const uint8_t *p, size_t len, const char *name, ct_error *err)
{
    static const uint8_t empty = 0xc0;
    if (!p || len == 0)
        return ct_buf_append(b, &empty, 1) ? CT_ENOMEM : CT_OK;
    ct_rlp r;
    ct_rlp_item it;
    ct_rlp_init(&r, p, len, 0);
    if (ct_rlp_next(&r, &it, NULL) != CT_OK || !it.is_list || !ct_rlp_done(&r))
        return ct_fail(err, CT_EINVAL, "bad list rlp", "%s is not one RLP list", name);
    return ct_rlp_put_raw(b, p, len) ? CT_ENOMEM : CT_OK;
}

/* Appends the fields common to the signing and signed forms: everything before v, r, s
 * (without the list header; a typed payload starts with its chainId). */
static int put_unsigned_fields(ct_buf *b, const ct_eth_tx *tx, ct_error *err)
{
    int rc = CT_OK;
    uint8_t t = tx->type;
    if (t > CT_ETH_TX_SET_CODE)
        return ct_fail(err, CT_EINVAL, "bad type", "transaction type %u", t);
    if ((t == CT_ETH_TX_BLOB || t == CT_ETH_TX_SET_CODE) && !tx->has_to)
        return ct_fail(err, CT_EINVAL, "missing to", "a type %u transaction needs `to`", t);
    if (t != CT_ETH_TX_LEGACY)
        rc |= ct_rlp_put_u64(b, tx->chain_id);
    rc |= ct_rlp_put_u64(b, tx->nonce);
    if (t >= CT_ETH_TX_DYNAMIC_FEE)
        rc |= ct_rlp_put_u256(b, &tx->max_priority_fee);
    rc |= ct_rlp_put_u256(b, &tx->gas_price);
    rc |= ct_rlp_put_u64(b, tx->gas_limit);
    rc |= ct_rlp_put_string(b, tx->to, tx->has_to ? 20 : 0);
    rc |= ct_rlp_put_u256(b, &tx->value);
    rc |= ct_rlp_put_string(b, tx->input, tx->input_len);
    if (rc)
        return CT_ENOMEM;
    if (t == CT_ETH_TX_LEGACY)
        return CT_OK;
    if ((rc = put_list_field(b, tx->access_list_rlp, tx->access_list_rlp_len, "the access list",
                             err)))
        return rc;
    if (t == CT_ETH_TX_BLOB) {
        if (ct_rlp_put_u256(b, &tx->max_fee_per_blob_gas))
            return CT_ENOMEM;
        rc = put_list_field(b, tx->blob_hashes_rlp, tx->blob_hashes_rlp_len, "the blob hash list",
                            err);
    } else if (t == CT_ETH_TX_SET_CODE) {
        rc = put_list_field(b, tx->auth_list_rlp, tx->auth_list_rlp_len, "the authorization list",
                            err);
    }
    return rc;
}

/* Wraps b[mark..) as a list and, for a typed tx, puts the type byte in front. */
static int finish(ct_buf *b, uint8_t type)
{
    if (ct_rlp_list_end(b, 0))
        return CT_ENOMEM;
    if (type != CT_ETH_TX_LEGACY) {
        if (ct_buf_reserve(b, 1))
            return CT_ENOMEM;
        memmove(b->data + 1, b->data, b->len);
        b->data[0] = type;
        b->len++;
        b->data[b->len] = 0;
    }
    return CT_OK;
}

int ct_eth_tx_encode(uint8_t **out, size_t *out_len, const ct_eth_tx *tx, ct_error *err)
{
    ct_buf b;
    ct_buf_init(&b, ENCODE_MAX);
    int rc = put_unsigned_fields(&b, tx, err);
    if (rc == CT_OK &&
        (ct_rlp_put_u256(&b, &tx->v) || ct_rlp_put_u256(&b, &tx->r) || ct_rlp_put_u256(&b, &tx->s)))
        rc = CT_ENOMEM;
    if (rc == CT_OK)
        rc = finish(&b, tx->type);
    if (rc) {
        ct_buf_release(&b);
        if (rc == CT_ENOMEM)
            ct_fail(err, CT_ENOMEM, "out of memory", "encoding a transaction");
        return rc;
    }
    *out = b.data;
    *out_len = b.len;
    return CT_OK;
}

int ct_eth_tx_compute_hash(ct_eth_tx *tx, ct_error *err)
{
    uint8_t *enc;
    size_t n;
    int rc = ct_eth_tx_encode(&enc, &n, tx, err);
    if (rc)
        return rc;
    ct_keccak256(tx->hash, enc, n);
    free(enc);
    return CT_OK;
}

int ct_eth_tx_signing_hash(uint8_t out[32], const ct_eth_tx *tx, ct_error *err)
{
    ct_buf b;
    ct_buf_init(&b, ENCODE_MAX);
    int rc = put_unsigned_fields(&b, tx, err);
    if (rc == CT_OK && tx->type == CT_ETH_TX_LEGACY && tx->has_chain_id) {
        static const ct_u256 zero;
        if (ct_rlp_put_u64(&b, tx->chain_id) || ct_rlp_put_u256(&b, &zero) ||
            ct_rlp_put_u256(&b, &zero))
            rc = CT_ENOMEM;
    }
    if (rc == CT_OK)
        rc = finish(&b, tx->type);
    if (rc == CT_OK)
        ct_keccak256(out, b.data, b.len);
    else if (rc == CT_ENOMEM)
        ct_fail(err, CT_ENOMEM, "out of memory", "encoding a transaction");
    ct_buf_release(&b);
    return rc;
}

/* ---- list builders ---- */

static int builder_done(ct_buf *b, int rc, uint8_t **out, size_t *out_len, ct_error *err)
{
    if (rc == CT_OK && ct_rlp_list_end(b, 0))
        rc = CT_ENOMEM;
    if (rc) {
        ct_buf_release(b);
        return ct_fail(err, CT_ENOMEM, "out of memory", "building an RLP list");
    }
    *out = b->data;
    *out_len = b->len;
    return CT_OK;
}

int ct_eth_access_list_rlp(uint8_t **out, size_t *out_len, const ct_eth_access_entry *entries,
                           size_t n, ct_error *err)
{
    ct_buf b;
    int rc = CT_OK;
    ct_buf_init(&b, ENCODE_MAX);
    for (size_t i = 0; i < n && rc == CT_OK; i++) {
        size_t entry = ct_rlp_list_begin(&b);
        rc |= ct_rlp_put_string(&b, entries[i].address, 20);
        size_t keys = ct_rlp_list_begin(&b);
        for (size_t k = 0; k < entries[i].n_storage_keys; k++)
            rc |= ct_rlp_put_string(&b, entries[i].storage_keys + 32 * k, 32);
        rc |= ct_rlp_list_end(&b, keys);
        rc |= ct_rlp_list_end(&b, entry);
    }
    return builder_done(&b, rc, out, out_len, err);
}

int ct_eth_blob_hashes_rlp(uint8_t **out, size_t *out_len, const uint8_t *hashes, size_t n,
                           ct_error *err)
{
    ct_buf b;
    int rc = CT_OK;
    ct_buf_init(&b, ENCODE_MAX);
    for (size_t i = 0; i < n && rc == CT_OK; i++)
        rc |= ct_rlp_put_string(&b, hashes + 32 * i, 32);
    return builder_done(&b, rc, out, out_len, err);
}

int ct_eth_auth_list_rlp(uint8_t **out, size_t *out_len, const ct_eth_authorization *auths,
                         size_t n, ct_error *err)
{
    ct_buf b;
    int rc = CT_OK;
    ct_buf_init(&b, ENCODE_MAX);
    for (size_t i = 0; i < n && rc == CT_OK; i++) {
        size_t mark = ct_rlp_list_begin(&b);
        rc |= ct_rlp_put_u256(&b, &auths[i].chain_id);
        rc |= ct_rlp_put_string(&b, auths[i].address, 20);
        rc |= ct_rlp_put_u64(&b, auths[i].nonce);
        rc |= ct_rlp_put_u256(&b, &auths[i].y_parity);
        rc |= ct_rlp_put_u256(&b, &auths[i].r);
        rc |= ct_rlp_put_u256(&b, &auths[i].s);
        rc |= ct_rlp_list_end(&b, mark);
    }
    return builder_done(&b, rc, out, out_len, err);
}

/* ---- signatures ---- */

/* The group order n and n/2, big-endian. */
static const uint8_t secp_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};
static const uint8_t secp_half_n[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

static secp256k1_context *secp_ctx;
static once_flag secp_once = ONCE_FLAG_INIT;
static _Atomic unsigned long secp_illegal;

static void secp_illegal_cb(const char *msg, void *data)
{
    (void)msg;
    (void)data;
    secp_illegal++;
}

static void secp_init(void)
{
    secp_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (secp_ctx)
        secp256k1_context_set_illegal_callback(secp_ctx, secp_illegal_cb, NULL);
}

void *ct_eth_secp_context(void)
{
    call_once(&secp_once, secp_init);
    return secp_ctx;
}

unsigned long ct_eth_secp_illegal_count(void)
{
    return secp_illegal;
}

static int bad_sig(ct_error *err, const char *detail)
{
    return ct_fail(err, CT_ECORRUPT, "invalid signature", "%s", detail);
}

int ct_eth_ecrecover(uint8_t addr[20], const uint8_t msg32[32], const uint8_t r[32],
                     const uint8_t s[32], int recid, ct_error *err)
{
    secp256k1_context *ctx = ct_eth_secp_context();
    secp256k1_ecdsa_recoverable_signature sig;
    secp256k1_pubkey pk;
    uint8_t rs[64], pub[65], h[32];
    size_t pub_len = sizeof(pub);

    if (recid < 0 || recid > 3)
        return bad_sig(err, "recovery id outside 0..3");
    if (!ctx)
        return ct_fail(err, CT_ENOMEM, "out of memory", "cannot create a libsecp256k1 context");
    memcpy(rs, r, 32);
    memcpy(rs + 32, s, 32);
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, rs, recid))
        return bad_sig(err, "r or s is not below the group order");
    if (!secp256k1_ecdsa_recover(ctx, &pk, &sig, msg32))
        return bad_sig(err, "the signature recovers no public key");
    if (!secp256k1_ec_pubkey_serialize(ctx, pub, &pub_len, &pk, SECP256K1_EC_UNCOMPRESSED))
        return bad_sig(err, "the recovered key cannot be serialized");
    ct_keccak256(h, pub + 1, 64);
    memcpy(addr, h + 12, 20);
    return CT_OK;
}

int ct_eth_tx_recover(ct_eth_tx *tx, int64_t height, uint64_t chain_id_configured, ct_error *err)
{
    uint8_t r[32], s[32], msg[32];
    int recid;
    ct_eth_tx t = *tx; /* the signing hash is computed over these fields */

    tx->has_from = false;
    ct_u256_to_be(r, &tx->r);
    ct_u256_to_be(s, &tx->s);
    if (ct_u256_is_zero(&tx->r) || ct_u256_is_zero(&tx->s))
        return bad_sig(err, "r or s is zero");
    if (memcmp(r, secp_n, 32) >= 0 || memcmp(s, secp_n, 32) >= 0)
        return bad_sig(err, "r or s is not below the group order");
    bool homestead = height < 0 || height >= CT_ETH_HOMESTEAD_HEIGHT;
    if (homestead && memcmp(s, secp_half_n, 32) > 0)
        return bad_sig(err, "s above n/2 from Homestead (EIP-2)");

    uint64_t v;
    if (ct_u256_bits(&tx->v) > (tx->type == CT_ETH_TX_LEGACY ? 64u : 8u) ||
        !ct_u256_to_u64(&v, &tx->v))
        return bad_sig(err, tx->type == CT_ETH_TX_LEGACY ? "v wider than 64 bits"
                                                         : "yParity wider than 8 bits");
    if (tx->type == CT_ETH_TX_LEGACY) {
        if (v == 27 || v == 28) {
            recid = (int)(v - 27);
            t.has_chain_id = false;
        } else if (v >= 35 && (height < 0 || height >= CT_ETH_EIP155_HEIGHT)) {
            t.has_chain_id = true;
            t.chain_id = (v - 35) / 2;
            recid = (int)((v - 35) % 2);
        } else {
            if (err && v >= 35)
                ct_fail(err, CT_ECORRUPT, "invalid signature",
                        "legacy v = %llu is an EIP-155 v, not allowed before block 2,675,000",
                        (unsigned long long)v);
            else if (err)
                ct_fail(err, CT_ECORRUPT, "invalid signature",
                        "legacy v = %llu is neither 27/28 nor 2 * chainId + 35/36",
                        (unsigned long long)v);
            return CT_ECORRUPT;
        }
    } else {
        if (v > 1) {
            if (err)
                ct_fail(err, CT_ECORRUPT, "invalid signature", "yParity = %llu is not 0 or 1",
                        (unsigned long long)v);
            return CT_ECORRUPT;
        }
        recid = (int)v;
    }
    if (t.has_chain_id && chain_id_configured != 0 && t.chain_id != chain_id_configured) {
        if (err)
            ct_fail(err, CT_ECORRUPT, "invalid chain id",
                    "chain id %llu where the configured chain is %llu",
                    (unsigned long long)t.chain_id, (unsigned long long)chain_id_configured);
        return CT_ECORRUPT;
    }
    int rc = ct_eth_tx_signing_hash(msg, &t, err);
    if (rc)
        return rc;
    rc = ct_eth_ecrecover(tx->from, msg, r, s, recid, err);
    if (rc)
        return rc;
    tx->has_from = true;
    return CT_OK;
}
