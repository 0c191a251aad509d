/* Signed Ethereum transactions (chains/ethereum/tx.c): decoding of every envelope, the
 * canonical re-encoding and hash of transactions built from a node's JSON fields, sender
 * recovery checked against independent ground truth, and the signature rules of
 * bad-inputs.md E6-E10 with their exact reasons.
 *
 * Ground truth for senders:
 *  - the 22 go-ethereum tracer fixtures (mainnet transactions; LGPL-3.0, read in place
 *    from ../shared via CT_SHARED_FIXTURES): callTracer's `from`, or for the prestate
 *    tracers the account whose pre-state nonce is the transaction's nonce;
 *  - 852 transactions of types 0, 1 and 2 of five mainnet blocks as nodes returned them
 *    (trin test assets, MIT, read in place): the node's `hash` must equal Keccak-256 of our
 *    encoding and its `from` our recovered sender (E13);
 *  - the EIP-155 example transaction (its signing hash and sender are in the EIP). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/ethereum.h"
#include "ethereum/eth_internal.h"
#include "testutil.h"
#include "base/util.h"

#define TRACER_DIR CT_SHARED_FIXTURES "/eth/geth/tracer_fixtures_mainnet"
#define TRIN_DIR   CT_SHARED_FIXTURES "/eth/jsonrpc/trin"

/* Hex (optional 0x) to a malloc'd buffer. */
static uint8_t *unhex_alloc(const char *s, size_t *len)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = strlen(s);
    cr_assert_eq(n % 2, 0, "odd hex");
    uint8_t *p = malloc(n / 2 + 1);
    cr_assert(p);
    cr_assert_eq(ct_hex_decode(p, s, n / 2), CT_OK, "bad hex");
    *len = n / 2;
    return p;
}

static void addr_hex(char out[41], const uint8_t a[20])
{
    ct_hex_encode(out, a, 20);
}

static uint64_t parse_num(const char *s)
{
    uint64_t v = 0;
    if (s[0] == '0' && s[1] == 'x') {
        for (s += 2; *s; s++)
            v = v * 16 + (uint64_t)ct_hex_digit(*s);
    } else {
        for (; *s; s++)
            v = v * 10 + (uint64_t)(*s - '0');
    }
    return v;
}

static void decode_hex_tx(ct_eth_tx *tx, uint8_t **buf, const char *hex)
{
    size_t len;
    ct_error err;
    ct_error_clear(&err);
    *buf = unhex_alloc(hex, &len);
    cr_assert_eq(ct_eth_tx_decode(tx, *buf, len, &err), CT_OK, "%s: %s", err.reason, err.detail);
}

/* ---- EIP-155's own example ---- */
#define EIP155_RAW                                                                                 \
    "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a0"   \
    "28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb70330"   \
    "4b3800ccf555c9f3dc64214b297fb1966a3b6d83"

Test(eth_tx, eip155_example)
{
    ct_eth_tx tx;
    uint8_t *buf, h[32];
    char hex[65], a[41];
    ct_error err;
    decode_hex_tx(&tx, &buf, EIP155_RAW);
    cr_assert_eq(tx.type, CT_ETH_TX_LEGACY);
    cr_assert(tx.has_chain_id);
    cr_assert_eq(tx.chain_id, 1);
    cr_assert_eq(tx.nonce, 9);
    cr_assert_eq(tx.gas_limit, 21000);
    cr_assert_eq(tx.gas_price.w[0], 20000000000ull);
    cr_assert_eq(tx.value.w[0], 1000000000000000000ull);
    cr_assert_eq(tx.input_len, 0);
    cr_assert_eq(ct_eth_tx_signing_hash(h, &tx, &err), CT_OK);
    ct_hex_encode(hex, h, 32);
    cr_assert_str_eq(hex, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    cr_assert_eq(ct_eth_tx_recover(&tx, -1, 1, &err), CT_OK, "%s", err.reason);
    addr_hex(a, tx.from);
    cr_assert_str_eq(a, "9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f");
    /* Re-encoding gives the same bytes. */
    uint8_t *enc;
    size_t n;
    cr_assert_eq(ct_eth_tx_encode(&enc, &n, &tx, &err), CT_OK);
    cr_assert_eq(n, tx.raw_len);
    cr_assert_arr_eq(enc, tx.raw, n);
    free(enc);
    /* E10: the same transaction on a node configured for another chain. */
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_tx_recover(&tx, -1, 5, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid chain id");
    cr_assert(!tx.has_from);
    /* Before EIP-155 (block 2,675,000) such a v is not allowed. */
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_tx_recover(&tx, 2674999, 1, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid signature");
    cr_assert_str_eq(err.detail,
                     "legacy v = 37 is an EIP-155 v, not allowed before block 2,675,000");
    cr_assert_eq(ct_eth_tx_recover(&tx, 2675000, 1, &err), CT_OK);
    free(buf);
}

/* ---- the go-ethereum tracer fixtures ---- */
static const char *const tracer_files[] = {
    "call_tracer_flat/big_slow.json",
    "call_tracer_withLog/calldata.json",
    "call_tracer_withLog/delegatecall.json",
    "call_tracer_withLog/frontier_create_outofstorage.json",
    "call_tracer_withLog/multi_contracts.json",
    "call_tracer_withLog/multilogs.json",
    "call_tracer_withLog/notopic.json",
    "call_tracer_withLog/simple.json",
    "call_tracer_withLog/tx_failed.json",
    "call_tracer_withLog/tx_partial_failed.json",
    "call_tracer_withLog/with_onlyTopCall.json",
    "prestate_tracer/7702_delegate.json",
    "prestate_tracer/create_existing_contract.json",
    "prestate_tracer_with_diff_mode/create.json",
    "prestate_tracer_with_diff_mode/create_disable_code.json",
    "prestate_tracer_with_diff_mode/create_disable_storage.json",
    "prestate_tracer_with_diff_mode/create_failed.json",
    "prestate_tracer_with_diff_mode/create_suicide.json",
    "prestate_tracer_with_diff_mode/inner_create.json",
    "prestate_tracer_with_diff_mode/inner_create_disable_code_and_storage.json",
    "prestate_tracer_with_diff_mode/suicide.json",
    "prestate_tracer_with_diff_mode/suicide_cancun.json",
};

Test(eth_tx, geth_tracer_fixtures_senders)
{
    unsigned types[5] = {0};
    for (size_t i = 0; i < sizeof tracer_files / sizeof tracer_files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", TRACER_DIR, tracer_files[i]);
        json_error_t jerr;
        json_t *root = json_load_file(path, 0, &jerr);
        cr_assert(root, "%s: %s", path, jerr.text);
        ct_eth_tx tx;
        uint8_t *buf;
        ct_error err;
        ct_error_clear(&err);
        decode_hex_tx(&tx, &buf, json_string_value(json_object_get(root, "input")));
        types[tx.type]++;
        json_t *num = json_object_get(json_object_get(root, "context"), "number");
        int64_t height = (int64_t)parse_num(json_string_value(num));
        cr_assert_eq(ct_eth_tx_recover(&tx, height, 1, &err), CT_OK, "%s: %s: %s", path, err.reason,
                     err.detail);
        char got[43];
        got[0] = '0';
        got[1] = 'x';
        addr_hex(got + 2, tx.from);
        json_t *res = json_object_get(root, "result");
        const char *want = NULL;
        if (json_is_array(res)) /* flat (Parity-style) call list */
            want = json_string_value(
                json_object_get(json_object_get(json_array_get(res, 0), "action"), "from"));
        else if (json_object_get(res, "from"))
            want = json_string_value(json_object_get(res, "from"));
        if (want) {
            cr_assert_str_eq(got, want, "%s", path);
        } else {
            /* prestate: the sender's pre-state nonce is the tx's nonce (absent = 0) */
            json_t *pre = json_object_get(res, "pre") ? json_object_get(res, "pre") : res;
            json_t *acct = json_object_get(pre, got);
            cr_assert(acct, "%s: sender %s not in the pre-state", path, got);
            json_t *nonce = json_object_get(acct, "nonce");
            uint64_t n = nonce ? (uint64_t)json_integer_value(nonce) : 0;
            cr_assert_eq(n, tx.nonce, "%s: pre nonce %llu, tx nonce %llu", path,
                         (unsigned long long)n, (unsigned long long)tx.nonce);
        }
        free(buf);
        json_decref(root);
    }
    /* legacy, one EIP-1559 (create_failed) and one EIP-7702 (7702_delegate) */
    cr_assert_eq(types[0], 20);
    cr_assert_eq(types[2], 1);
    cr_assert_eq(types[4], 1);
}

Test(eth_tx, eip7702_fixture_fields)
{
    char path[512];
    snprintf(path, sizeof path, "%s/prestate_tracer/7702_delegate.json", TRACER_DIR);
    json_t *root = json_load_file(path, 0, NULL);
    cr_assert(root);
    ct_eth_tx tx;
    uint8_t *buf;
    decode_hex_tx(&tx, &buf, json_string_value(json_object_get(root, "input")));
    cr_assert_eq(tx.type, CT_ETH_TX_SET_CODE);
    cr_assert_eq(tx.chain_id, 1);
    cr_assert_eq(tx.nonce, 0x75f);
    cr_assert_eq(tx.n_authorizations, 1);
    cr_assert_eq(tx.n_access_list, 0);
    cr_assert(tx.has_to);
    char to[41];
    addr_hex(to, tx.to);
    cr_assert_str_eq(to, "17816e9a858b161c3e37016d139cf618056cacd4");
    cr_assert_eq(tx.input_len, 32);
    /* re-encoding from the fields gives the raw bytes back */
    uint8_t *enc;
    size_t n;
    ct_error err;
    cr_assert_eq(ct_eth_tx_encode(&enc, &n, &tx, &err), CT_OK);
    cr_assert_eq(n, tx.raw_len);
    cr_assert_arr_eq(enc, tx.raw, n);
    /* the authorization list rebuilt from its fields (as from a node's JSON) */
    ct_eth_authorization au;
    memset(&au, 0, sizeof au);
    au.chain_id = ct_u256_from_u64(1);
    size_t alen;
    uint8_t *a = unhex_alloc("b684710e6d5914ad6e64493de2a3c424cc43e970", &alen);
    memcpy(au.address, a, 20);
    free(a);
    au.nonce = 0x3dc1;
    au.y_parity = ct_u256_from_u64(1);
    a = unhex_alloc("2f15ba55009fcd3682cd0f9c9645dd94e616f9a969ba3f1a5a2d871f9fe0f2b4", &alen);
    cr_assert_eq(ct_u256_from_be(&au.r, a, 32, NULL), CT_OK);
    free(a);
    a = unhex_alloc("53c332a83312d0b17dd4c16eeb15b1ff5223398b14e0a55c70762e8f3972b7a5", &alen);
    cr_assert_eq(ct_u256_from_be(&au.s, a, 32, NULL), CT_OK);
    free(a);
    uint8_t *list;
    size_t list_len;
    cr_assert_eq(ct_eth_auth_list_rlp(&list, &list_len, &au, 1, &err), CT_OK);
    cr_assert_eq(list_len, tx.auth_list_rlp_len);
    cr_assert_arr_eq(list, tx.auth_list_rlp, list_len);
    free(list);
    free(enc);
    free(buf);
    json_decref(root);
}

/* ---- transactions built from a node's JSON fields ---- */
static ct_u256 q256(json_t *o, const char *field)
{
    json_t *v = json_object_get(o, field);
    cr_assert(json_is_string(v), "field %s missing", field);
    const char *s = json_string_value(v);
    ct_u256 r;
    ct_error err;
    cr_assert_eq(ct_u256_parse_quantity(&r, s, strlen(s), &err), CT_OK, "%s=%s: %s", field, s,
                 err.reason);
    return r;
}

static uint64_t q64(json_t *o, const char *field)
{
    ct_u256 v = q256(o, field);
    uint64_t r;
    cr_assert(ct_u256_to_u64(&r, &v), "%s wider than 64 bits", field);
    return r;
}

static void hex_field(uint8_t *out, json_t *o, const char *field, size_t n)
{
    const char *s = json_string_value(json_object_get(o, field));
    cr_assert(s && strlen(s) == 2 + 2 * n, "field %s", field);
    cr_assert_eq(ct_hex_decode(out, s + 2, n), CT_OK);
}

/* Fills tx from an eth_getBlockByNumber transaction object; *bufs collects what must
 * outlive tx (input, access list). */
static void tx_from_json(ct_eth_tx *tx, json_t *o, uint8_t *bufs[2])
{
    memset(tx, 0, sizeof *tx);
    tx->type = (uint8_t)q64(o, "type");
    tx->nonce = q64(o, "nonce");
    tx->gas_limit = q64(o, "gas");
    tx->value = q256(o, "value");
    tx->v = q256(o, "v");
    tx->r = q256(o, "r");
    tx->s = q256(o, "s");
    if (tx->type >= CT_ETH_TX_DYNAMIC_FEE) {
        tx->gas_price = q256(o, "maxFeePerGas");
        tx->max_priority_fee = q256(o, "maxPriorityFeePerGas");
    } else {
        tx->gas_price = q256(o, "gasPrice");
    }
    if (tx->type != CT_ETH_TX_LEGACY) {
        tx->has_chain_id = true;
        tx->chain_id = q64(o, "chainId");
    } else {
        uint64_t v = q64(o, "v");
        tx->has_chain_id = v >= 35;
        tx->chain_id = v >= 35 ? (v - 35) / 2 : 0;
    }
    json_t *to = json_object_get(o, "to");
    if (json_is_string(to)) {
        hex_field(tx->to, o, "to", 20);
        tx->has_to = true;
    }
    size_t n;
    bufs[0] = unhex_alloc(json_string_value(json_object_get(o, "input")), &n);
    tx->input = bufs[0];
    tx->input_len = n;
    bufs[1] = NULL;
    json_t *al = json_object_get(o, "accessList");
    if (tx->type != CT_ETH_TX_LEGACY) {
        cr_assert(json_is_array(al));
        size_t ne = json_array_size(al);
        ct_eth_access_entry *e = calloc(ne ? ne : 1, sizeof *e);
        uint8_t **keys = calloc(ne ? ne : 1, sizeof *keys);
        for (size_t i = 0; i < ne; i++) {
            json_t *ent = json_array_get(al, i);
            hex_field(e[i].address, ent, "address", 20);
            json_t *sk = json_object_get(ent, "storageKeys");
            e[i].n_storage_keys = json_array_size(sk);
            keys[i] = malloc(32 * e[i].n_storage_keys + 1);
            for (size_t k = 0; k < e[i].n_storage_keys; k++) {
                const char *s = json_string_value(json_array_get(sk, k));
                cr_assert_eq(ct_hex_decode(keys[i] + 32 * k, s + 2, 32), CT_OK);
            }
            e[i].storage_keys = keys[i];
        }
        ct_error err;
        cr_assert_eq(ct_eth_access_list_rlp(&bufs[1], &n, e, ne, &err), CT_OK);
        tx->access_list_rlp = bufs[1];
        tx->access_list_rlp_len = n;
        for (size_t i = 0; i < ne; i++)
            free(keys[i]);
        free(keys);
        free(e);
    }
}

typedef struct json_block {
    const char *file;
    size_t n_tx;
    unsigned n_type[3];
} json_block;

Test(eth_tx, node_json_hash_and_sender)
{
    static const json_block blocks[] = {
        {"eth_getBlockByNumber_14764013_full.json", 19, {3, 0, 16}},
        {"eth_getBlockByNumber_15573637_batch.json", 239, {37, 2, 200}},
        {"eth_getBlockByNumber_17034871_full.json", 267, {9, 0, 258}},
        {"eth_getBlockByNumber_17034873_full.json", 156, {9, 0, 147}},
        {"eth_getBlockByNumber_19433902_full.json", 171, {18, 10, 143}},
    };
    size_t total = 0, with_keys = 0;
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", TRIN_DIR, blocks[b].file);
        json_t *root = json_load_file(path, 0, NULL);
        cr_assert(root, "%s", path);
        json_t *res = NULL;
        if (json_is_array(root)) { /* a batch: the block is the response with transactions */
            for (size_t i = 0; i < json_array_size(root) && !res; i++) {
                json_t *r = json_object_get(json_array_get(root, i), "result");
                if (json_object_get(r, "transactions"))
                    res = r;
            }
        } else {
            res = json_object_get(root, "result");
        }
        cr_assert(res, "%s", path);
        uint64_t height = q64(res, "number");
        json_t *txs = json_object_get(res, "transactions");
        cr_assert_eq(json_array_size(txs), blocks[b].n_tx, "%s", path);
        unsigned n_type[3] = {0};
        for (size_t i = 0; i < json_array_size(txs); i++) {
            json_t *o = json_array_get(txs, i);
            ct_eth_tx tx;
            uint8_t *bufs[2];
            ct_error err;
            ct_error_clear(&err);
            tx_from_json(&tx, o, bufs);
            cr_assert_lt(tx.type, 3);
            n_type[tx.type]++;
            if (tx.n_storage_keys || (tx.access_list_rlp && tx.access_list_rlp_len > 1))
                with_keys++;
            cr_assert_eq(ct_eth_tx_compute_hash(&tx, &err), CT_OK);
            uint8_t want[32];
            hex_field(want, o, "hash", 32);
            cr_assert_arr_eq(tx.hash, want, 32, "%s tx %zu: hash", path, i);
            cr_assert_eq(ct_eth_tx_recover(&tx, (int64_t)height, 1, &err), CT_OK,
                         "%s tx %zu: %s: %s", path, i, err.reason, err.detail);
            uint8_t from[20];
            hex_field(from, o, "from", 20);
            cr_assert_arr_eq(tx.from, from, 20, "%s tx %zu: from", path, i);
            /* The canonical encoding decodes back to the same hash and fields. */
            uint8_t *enc;
            size_t n;
            ct_eth_tx back;
            cr_assert_eq(ct_eth_tx_encode(&enc, &n, &tx, &err), CT_OK);
            cr_assert_eq(ct_eth_tx_decode(&back, enc, n, &err), CT_OK, "%s", err.reason);
            cr_assert_arr_eq(back.hash, want, 32);
            cr_assert_eq(back.nonce, tx.nonce);
            cr_assert_eq(ct_u256_cmp(&back.value, &tx.value), 0);
            free(enc);
            free(bufs[0]);
            free(bufs[1]);
            total++;
        }
        for (int t = 0; t < 3; t++)
            cr_assert_eq(n_type[t], blocks[b].n_type[t], "%s type %d", path, t);
        json_decref(root);
    }
    cr_assert_eq(total, 852);
    cr_assert_eq(with_keys, 14); /* transactions with a non-empty access list */
}

/* ---- signing with a known key (EIP-155's example key 0x46..46) ---- */
static const char KEY_ADDR[] = "9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f";

static void sign(ct_eth_tx *tx)
{
    uint8_t key[32], msg[32], rs[64];
    int recid;
    ct_error err;
    memset(key, 0x46, sizeof key);
    cr_assert_eq(ct_eth_tx_signing_hash(msg, tx, &err), CT_OK);
    secp256k1_context *ctx = ct_eth_secp_context();
    secp256k1_ecdsa_recoverable_signature sig;
    cr_assert(secp256k1_ecdsa_sign_recoverable(ctx, &sig, msg, key, NULL, NULL));
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, rs, &recid, &sig);
    cr_assert_eq(ct_u256_from_be(&tx->r, rs, 32, NULL), CT_OK);
    cr_assert_eq(ct_u256_from_be(&tx->s, rs + 32, 32, NULL), CT_OK);
    if (tx->type != CT_ETH_TX_LEGACY)
        tx->v = ct_u256_from_u64((uint64_t)recid);
    else if (tx->has_chain_id)
        tx->v = ct_u256_from_u64(tx->chain_id * 2 + 35 + (uint64_t)recid);
    else
        tx->v = ct_u256_from_u64(27 + (uint64_t)recid);
}

static void base_tx(ct_eth_tx *tx, uint8_t type)
{
    memset(tx, 0, sizeof *tx);
    tx->type = type;
    tx->has_chain_id = type != CT_ETH_TX_LEGACY;
    tx->chain_id = type != CT_ETH_TX_LEGACY ? 1 : 0;
    tx->nonce = 7;
    tx->gas_price = ct_u256_from_u64(30000000000ull);
    tx->max_priority_fee = ct_u256_from_u64(type >= 2 ? 1000000000ull : 0);
    tx->gas_limit = 21000;
    memset(tx->to, 0x35, 20);
    tx->has_to = true;
    tx->value = ct_u256_from_u64(123456789);
}

/* Encodes tx, decodes the bytes into *out (buffer returned in *buf), recovers at height. */
static int roundtrip(ct_eth_tx *out, uint8_t **buf, const ct_eth_tx *tx, int64_t height,
                     uint64_t chain, ct_error *err)
{
    size_t n;
    ct_error_clear(err);
    cr_assert_eq(ct_eth_tx_encode(buf, &n, tx, err), CT_OK, "%s", err->reason);
    cr_assert_eq(ct_eth_tx_decode(out, *buf, n, err), CT_OK, "%s: %s", err->reason, err->detail);
    return ct_eth_tx_recover(out, height, chain, err);
}

static void assert_sender(const ct_eth_tx *tx)
{
    char a[41];
    cr_assert(tx->has_from);
    addr_hex(a, tx->from);
    cr_assert_str_eq(a, KEY_ADDR);
}

Test(eth_tx, every_type_signed_and_recovered)
{
    static const uint8_t blob_hashes[64] = {0x01, [32] = 0x01, [33] = 0xaa};
    for (uint8_t type = 0; type <= 4; type++) {
        ct_eth_tx tx, back;
        uint8_t *buf, *bl = NULL, *al = NULL, *au = NULL;
        size_t bl_len, al_len, au_len;
        ct_error err;
        base_tx(&tx, type);
        if (type >= 1) {
            ct_eth_access_entry e;
            memset(&e, 0, sizeof e);
            memset(e.address, 0x11, 20);
            e.storage_keys = blob_hashes;
            e.n_storage_keys = 2;
            cr_assert_eq(ct_eth_access_list_rlp(&al, &al_len, &e, 1, &err), CT_OK);
            tx.access_list_rlp = al;
            tx.access_list_rlp_len = al_len;
        }
        if (type == CT_ETH_TX_BLOB) {
            cr_assert_eq(ct_eth_blob_hashes_rlp(&bl, &bl_len, blob_hashes, 2, &err), CT_OK);
            tx.blob_hashes_rlp = bl;
            tx.blob_hashes_rlp_len = bl_len;
            tx.max_fee_per_blob_gas = ct_u256_from_u64(5);
        }
        if (type == CT_ETH_TX_SET_CODE) {
            ct_eth_authorization a;
            memset(&a, 0, sizeof a);
            a.chain_id = ct_u256_from_u64(1);
            memset(a.address, 0x22, 20);
            a.nonce = 3;
            a.r = ct_u256_from_u64(9);
            a.s = ct_u256_from_u64(10);
            cr_assert_eq(ct_eth_auth_list_rlp(&au, &au_len, &a, 1, &err), CT_OK);
            tx.auth_list_rlp = au;
            tx.auth_list_rlp_len = au_len;
        }
        if (type == CT_ETH_TX_LEGACY) {
            tx.has_chain_id = true;
            tx.chain_id = 1;
        }
        sign(&tx);
        cr_assert_eq(roundtrip(&back, &buf, &tx, -1, 1, &err), CT_OK, "type %u: %s: %s", type,
                     err.reason, err.detail);
        cr_assert_eq(back.type, type);
        assert_sender(&back);
        cr_assert_eq(back.n_access_list, type >= 1 ? 1 : 0);
        cr_assert_eq(back.n_storage_keys, type >= 1 ? 2 : 0);
        cr_assert_eq(back.n_blob_hashes, type == 3 ? 2 : 0);
        cr_assert_eq(back.n_authorizations, type == 4 ? 1 : 0);
        cr_assert_eq(ct_u256_cmp(&back.value, &tx.value), 0);
        if (type == CT_ETH_TX_BLOB || type == CT_ETH_TX_SET_CODE) {
            /* these types cannot create contracts */
            tx.has_to = false;
            uint8_t *enc;
            size_t n;
            ct_error_clear(&err);
            cr_assert_eq(ct_eth_tx_encode(&enc, &n, &tx, &err), CT_EINVAL);
            cr_assert_str_eq(err.reason, "missing to");
        }
        free(buf);
        free(al);
        free(bl);
        free(au);
    }
}

/* E8: r and s in [1, n-1]; low s from Homestead; the v/yParity rules. */
Test(eth_tx, signature_rules)
{
    static const uint8_t n_be[32] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
        0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    };
    ct_u256 n;
    cr_assert_eq(ct_u256_from_be(&n, n_be, 32, NULL), CT_OK);
    ct_eth_tx good, tx, back;
    uint8_t *buf;
    ct_error err;

    /* An unprotected (Frontier-style) legacy tx. */
    base_tx(&good, CT_ETH_TX_LEGACY);
    sign(&good);
    cr_assert_eq(roundtrip(&back, &buf, &good, 1000000, 1, &err), CT_OK);
    cr_assert(!back.has_chain_id);
    assert_sender(&back);
    free(buf);

    /* r = 0, s = 0, r = n, s = n */
    tx = good;
    tx.r = ct_u256_from_u64(0);
    cr_assert_eq(roundtrip(&back, &buf, &tx, -1, 1, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid signature");
    free(buf);
    tx = good;
    tx.s = ct_u256_from_u64(0);
    cr_assert_eq(roundtrip(&back, &buf, &tx, -1, 1, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid signature");
    free(buf);
    tx = good;
    tx.r = n;
    cr_assert_eq(roundtrip(&back, &buf, &tx, -1, 1, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid signature");
    free(buf);
    tx = good;
    tx.s = n;
    cr_assert_eq(roundtrip(&back, &buf, &tx, 1000, 1, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid signature");
    free(buf);

    /* High s: s' = n - s with the other recovery id is the same signer. Accepted in
     * Frontier (below 1,150,000), rejected from Homestead. */
    tx = good;
    cr_assert(!ct_u256_sub(&tx.s, &n, &good.s));
    tx.v = ct_u256_from_u64(good.v.w[0] == 27 ? 28 : 27);
    cr_assert_eq(roundtrip(&back, &buf, &tx, 1149999, 1, &err), CT_OK, "%s", err.detail);
    assert_sender(&back);
    cr_assert_eq(ct_eth_tx_recover(&back, 1150000, 1, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid signature");
    cr_assert(!back.has_from);
    cr_assert_eq(ct_eth_tx_recover(&back, -1, 1, &err), CT_ECORRUPT);
    free(buf);

    /* legacy v outside {27, 28, 2*chainId + 35/36} */
    const uint64_t bad_v[] = {0, 1, 26, 29, 34};
    for (size_t i = 0; i < sizeof bad_v / sizeof bad_v[0]; i++) {
        tx = good;
        tx.v = ct_u256_from_u64(bad_v[i]);
        cr_assert_eq(roundtrip(&back, &buf, &tx, -1, 0, &err), CT_ECORRUPT, "v=%llu",
                     (unsigned long long)bad_v[i]);
        cr_assert_str_eq(err.reason, "invalid signature");
        free(buf);
    }
    /* v = 39 is chain id 2: another chain than mainnet */
    tx = good;
    tx.v = ct_u256_from_u64(39);
    cr_assert_eq(roundtrip(&back, &buf, &tx, -1, 1, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid chain id");
    free(buf);
    /* a v of 2^64 + 27 must not wrap to 27 */
    tx = good;
    tx.v.w[1] = 1;
    cr_assert_eq(roundtrip(&back, &buf, &tx, -1, 0, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid signature");
    free(buf);

    /* typed: yParity in {0, 1}; 2 and 256 (wider than 8 bits) rejected */
    base_tx(&good, CT_ETH_TX_DYNAMIC_FEE);
    sign(&good);
    const uint64_t bad_y[] = {2, 27, 256};
    for (size_t i = 0; i < sizeof bad_y / sizeof bad_y[0]; i++) {
        tx = good;
        tx.v = ct_u256_from_u64(bad_y[i]);
        cr_assert_eq(roundtrip(&back, &buf, &tx, -1, 1, &err), CT_ECORRUPT);
        cr_assert_str_eq(err.reason, "invalid signature");
        free(buf);
    }
    /* E10: typed chainId other than the configured chain; 0 accepts any */
    cr_assert_eq(roundtrip(&back, &buf, &good, -1, 137, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid chain id");
    cr_assert_eq(ct_eth_tx_recover(&back, -1, 0, &err), CT_OK);
    assert_sender(&back);
    free(buf);
    /* A changed field changes the signer: the recovered sender is not the key's. */
    tx = good;
    tx.nonce++;
    cr_assert_eq(roundtrip(&back, &buf, &tx, -1, 1, &err), CT_OK);
    char a[41];
    addr_hex(a, back.from);
    cr_assert_str_neq(a, KEY_ADDR);
    free(buf);
}

/* E9: a recovery id outside 0..3 never reaches libsecp256k1; and libsecp256k1's
 * illegal-argument callback, when it fires, does not abort the process. */
Test(eth_tx, recovery_id_and_illegal_callback)
{
    uint8_t msg[32] = {1}, r[32] = {0}, s[32] = {0};
    uint8_t addr[20];
    ct_error err;
    r[31] = 1;
    s[31] = 1;
    unsigned long before = ct_eth_secp_illegal_count();
    const int bad[] = {-1, 4, 27, 255};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct_error_clear(&err);
        cr_assert_eq(ct_eth_ecrecover(addr, msg, r, s, bad[i], &err), CT_ECORRUPT);
        cr_assert_str_eq(err.reason, "invalid signature");
    }
    cr_assert_eq(ct_eth_secp_illegal_count(), before, "a bad recid reached libsecp256k1");
    /* Straight to libsecp256k1 with recid 4: the callback counts, the call fails, we
     * are still running. */
    secp256k1_context *ctx = ct_eth_secp_context();
    secp256k1_ecdsa_recoverable_signature sig;
    uint8_t rs[64] = {0};
    rs[31] = 1;
    rs[63] = 1;
    cr_assert_eq(secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, rs, 4), 0);
    cr_assert_eq(ct_eth_secp_illegal_count(), before + 1);
}

/* E4-E7 on whole transactions: hand-made encodings of the EIP-155 example's fields. */
#include "ethereum/rlp.h"

static void put_fields(ct_buf *b, const char *const *hex_fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t tmp[80];
        size_t len = strlen(hex_fields[i]) / 2;
        cr_assert_eq(ct_hex_decode(tmp, hex_fields[i], len), CT_OK);
        cr_assert_eq(ct_rlp_put_raw(b, tmp, len), CT_OK); /* already RLP items */
    }
}

static void expect_bad(const uint8_t *p, size_t n, const char *reason, uint64_t offset)
{
    ct_eth_tx tx;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_tx_decode(&tx, p, n, &err), CT_ECORRUPT, "accepted (want %s)", reason);
    cr_assert_str_eq(err.reason, reason, "%s (%s)", err.reason, err.detail);
    if (offset != UINT64_MAX)
        cr_assert_eq(err.offset, offset, "%s at %llu", reason, (unsigned long long)err.offset);
}

Test(eth_tx, malformed_transactions)
{
    /* The EIP-155 example as RLP items. */
    const char *f[] = {"09",
                       "8504a817c800",
                       "825208",
                       "943535353535353535353535353535353535353535",
                       "880de0b6b3a7640000",
                       "80",
                       "25",
                       "a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276",
                       "a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"};
    ct_buf b;
    ct_buf_init(&b, 1 << 16);

    /* sanity: the 9 items as a list are the accepted example */
    put_fields(&b, f, 9);
    cr_assert_eq(ct_rlp_list_end(&b, 0), CT_OK);
    ct_eth_tx tx;
    ct_error err;
    cr_assert_eq(ct_eth_tx_decode(&tx, b.data, b.len, &err), CT_OK);

    /* E6: trailing byte; 8 and 10 fields */
    cr_assert_eq(ct_buf_putc(&b, 0), CT_OK);
    expect_bad(b.data, b.len, "trailing bytes", b.len - 1);
    ct_buf_reset(&b);
    put_fields(&b, f, 8);
    cr_assert_eq(ct_rlp_list_end(&b, 0), CT_OK);
    expect_bad(b.data, b.len, "too few fields", b.len);
    ct_buf_reset(&b);
    put_fields(&b, f, 9);
    put_fields(&b, f, 1);
    cr_assert_eq(ct_rlp_list_end(&b, 0), CT_OK);
    expect_bad(b.data, b.len, "too many fields", b.len - 1);

    /* E4: r with a leading zero byte (33 bytes); nonce written 0x8109 (E1 inside a tx) */
    const char *g[9];
    memcpy(g, f, sizeof g);
    g[7] = "a10028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276";
    ct_buf_reset(&b);
    put_fields(&b, g, 9);
    cr_assert_eq(ct_rlp_list_end(&b, 0), CT_OK);
    expect_bad(b.data, b.len, "non-canonical integer", UINT64_MAX);
    memcpy(g, f, sizeof g);
    g[0] = "8109";
    ct_buf_reset(&b);
    put_fields(&b, g, 9);
    cr_assert_eq(ct_rlp_list_end(&b, 0), CT_OK);
    expect_bad(b.data, b.len, "non-canonical size", 2);
    /* E5: a value of 33 bytes, a nonce of 9 */
    memcpy(g, f, sizeof g);
    g[4] = "a1010000000000000000000000000000000000000000000000000000000000000000";
    ct_buf_reset(&b);
    put_fields(&b, g, 9);
    cr_assert_eq(ct_rlp_list_end(&b, 0), CT_OK);
    expect_bad(b.data, b.len, "integer too wide", UINT64_MAX);
    memcpy(g, f, sizeof g);
    g[0] = "89010000000000000000";
    ct_buf_reset(&b);
    put_fields(&b, g, 9);
    cr_assert_eq(ct_rlp_list_end(&b, 0), CT_OK);
    expect_bad(b.data, b.len, "integer too wide", 2);
    /* `to` of 19 bytes */
    memcpy(g, f, sizeof g);
    g[3] = "9335353535353535353535353535353535353535";
    ct_buf_reset(&b);
    put_fields(&b, g, 9);
    cr_assert_eq(ct_rlp_list_end(&b, 0), CT_OK);
    expect_bad(b.data, b.len, "bad length", UINT64_MAX);
    ct_buf_release(&b);

    /* E7: typed envelopes */
    static const uint8_t empty[1] = {0};
    expect_bad(empty, 0, "too short", 0);
    const uint8_t one[] = {0x02};
    expect_bad(one, 1, "too short", 0);
    const uint8_t types[] = {0x00, 0x05, 0x10, 0x7e, 0x7f};
    for (size_t i = 0; i < sizeof types; i++) {
        uint8_t env[2] = {types[i], 0xc0};
        expect_bad(env, 2, "type not supported", 0);
        ct_error_clear(&err);
        cr_assert_eq(ct_eth_tx_decode(&tx, env, 2, &err), CT_ECORRUPT);
        char want[32];
        snprintf(want, sizeof want, "transaction type 0x%02x", types[i]);
        cr_assert_str_eq(err.detail, want);
    }
    const uint8_t strs[] = {0x80, 0x83, 0xb8, 0xbf};
    for (size_t i = 0; i < sizeof strs; i++) {
        uint8_t env[2] = {strs[i], 0x00};
        expect_bad(env, 2, "type not supported", 0);
    }
    /* a type-2 payload with 11 fields; a type-2 payload that is a string */
    const uint8_t t2_short[] = {0x02, 0xcb, 0x01, 0x80, 0x80, 0x80, 0x80,
                                0x80, 0x80, 0x80, 0xc0, 0x80, 0x80};
    expect_bad(t2_short, sizeof t2_short, "too few fields", UINT64_MAX);
    const uint8_t t2_str[] = {0x02, 0x81, 0x90};
    expect_bad(t2_str, sizeof t2_str, "expected list", 1);
}

/* ---- EIP-55 (the vectors of the EIP) ---- */
Test(eth_tx, eip55_addresses)
{
    const char *vec[] = {
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        uint8_t a[20];
        char out[CT_ETH_ADDR_STR_MAX];
        ct_error err;
        cr_assert_eq(ct_eth_address_parse(a, vec[i], strlen(vec[i]), &err), CT_OK, "%s: %s", vec[i],
                     err.reason);
        ct_eth_address_format(out, a);
        if (i >= 4) /* the mixed-case ones are their own checksum form */
            cr_assert_str_eq(out, vec[i]);
        /* any case is accepted: all-lower and all-upper of every vector */
        char lower[43], upper[43];
        for (size_t k = 0; k < 43; k++) {
            char c = vec[i][k];
            lower[k] = (c >= 'A' && c <= 'F') ? (char)(c + 32) : c;
            upper[k] = (c >= 'a' && c <= 'f') ? (char)(c - 32) : c;
        }
        uint8_t b[20];
        cr_assert_eq(ct_eth_address_parse(b, lower, 42, &err), CT_OK);
        cr_assert_arr_eq(a, b, 20);
        cr_assert_eq(ct_eth_address_parse(b, upper + 2, 40, &err), CT_OK); /* no 0x */
        cr_assert_arr_eq(a, b, 20);
    }
    uint8_t a[20];
    ct_error err;
    /* one letter's case flipped: a mistyped checksum */
    const char *bad = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_address_parse(a, bad, strlen(bad), &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "bad-checksum");
    cr_assert_eq(ct_eth_address_parse(a, "0x5aAeb6053F", 12, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "bad-length");
    const char *nothex = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg";
    cr_assert_eq(ct_eth_address_parse(a, nothex, strlen(nothex), &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "not-hex");
}

/* A real EIP-4844 transaction (Sepolia, chain 11155111): the raw bytes, hash and sender as
 * alloy-rs/alloy's test_decode_live_4844_tx gives them (the hash is the transaction's id on
 * the chain explorers); no mainnet blob transaction is among the fixtures. */
Test(eth_tx, eip4844_live_sepolia)
{
    ct_eth_tx tx;
    uint8_t *buf;
    ct_error err;
    char hex[65];
    decode_hex_tx(
        &tx, &buf,
        "03f9011d83aa36a7820fa28477359400852e90edd0008252089411e9ca82a3a762b4b5bd264d4173a242e7a7"
        "70648080c08504a817c800f8a5a0012ec3d6f66766bedb002a190126b3549fce0047de0d4c25cffce0dc1c57"
        "921aa00152d8e24762ff22b1cfd9f8c0683786a7ca63ba49973818b3d1e9512cd2cec4a0013b98c6c83e066d"
        "5b14af2b85199e3d4fc7d1e778dd53130d180f5077e2d1c7a001148b495d6e859114e670ca54fb6e2657f0cb"
        "ae5b08063605093a4b3dc9f8f1a0011ac212f13c5dff2b2c6b600a79635103d6f580a4221079951181b25c7e"
        "654901a0c8de4cced43169f9aa3d36506363b2d2c44f6c49fc1fd91ea114c86f3757077ea01e11fdd0d1934e"
        "da0492606ee0bb80a7bf8f35cc5f86ec60fe5031ba48bfd544");
    cr_assert_eq(tx.type, CT_ETH_TX_BLOB);
    cr_assert_eq(tx.chain_id, 11155111);
    cr_assert_eq(tx.nonce, 4002);
    cr_assert_eq(tx.n_blob_hashes, 5);
    cr_assert_eq(tx.max_fee_per_blob_gas.w[0], 20000000000ull);
    ct_hex_encode(hex, tx.hash, 32);
    cr_assert_str_eq(hex, "9a22ccb0029bc8b0ddd073be1a1d923b7ae2b2ea52100bae0db4424f9107e9c0");
    /* mainnet configured: another chain */
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_tx_recover(&tx, -1, 1, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "invalid chain id");
    cr_assert_eq(ct_eth_tx_recover(&tx, -1, 11155111, &err), CT_OK, "%s", err.reason);
    char a[41];
    addr_hex(a, tx.from);
    cr_assert_str_eq(a, "a83c816d4f9b2783761a22ba6fadb0eb0606d7b2");
    addr_hex(a, tx.to);
    cr_assert_str_eq(a, "11e9ca82a3a762b4b5bd264d4173a242e7a77064");
    /* rebuilt from its fields, blob hashes included */
    uint8_t hashes[5 * 32];
    static const char *bh[5] = {
        "012ec3d6f66766bedb002a190126b3549fce0047de0d4c25cffce0dc1c57921a",
        "0152d8e24762ff22b1cfd9f8c0683786a7ca63ba49973818b3d1e9512cd2cec4",
        "013b98c6c83e066d5b14af2b85199e3d4fc7d1e778dd53130d180f5077e2d1c7",
        "01148b495d6e859114e670ca54fb6e2657f0cbae5b08063605093a4b3dc9f8f1",
        "011ac212f13c5dff2b2c6b600a79635103d6f580a4221079951181b25c7e6549",
    };
    for (int i = 0; i < 5; i++)
        cr_assert_eq(ct_hex_decode(hashes + 32 * i, bh[i], 32), CT_OK);
    uint8_t *list;
    size_t list_len;
    cr_assert_eq(ct_eth_blob_hashes_rlp(&list, &list_len, hashes, 5, &err), CT_OK);
    cr_assert_eq(list_len, tx.blob_hashes_rlp_len);
    cr_assert_arr_eq(list, tx.blob_hashes_rlp, list_len);
    ct_eth_tx copy = tx;
    copy.blob_hashes_rlp = list;
    memset(copy.hash, 0, 32);
    cr_assert_eq(ct_eth_tx_compute_hash(&copy, &err), CT_OK);
    cr_assert_arr_eq(copy.hash, tx.hash, 32);
    free(list);
    free(buf);
}
