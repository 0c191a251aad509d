/* Output script classification: which template of Bitcoin Core's Solver
 * (script/solver.cpp) a scriptPubKey matches, and the address(es) a block explorer shows for
 * it. This is what the ingest stores as the owner of every output, so it must accept any
 * bytes: scripts are read with bounds checks only, never trusted.
 *
 * One deliberate difference from Solver: every script that starts with OP_RETURN is
 * NULLDATA (Core's Solver also wants push-only data after it). Such an output is provably
 * unspendable either way (Core's CScript::IsUnspendable); see docs/addresses.md. */
#include <secp256k1.h>
#include <string.h>

#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "base/util.h"

enum {
    OP_0 = 0x00,
    OP_PUSHDATA1 = 0x4c,
    OP_PUSHDATA2 = 0x4d,
    OP_PUSHDATA4 = 0x4e,
    OP_1 = 0x51,
    OP_16 = 0x60,
    OP_RETURN = 0x6a,
    OP_DUP = 0x76,
    OP_EQUAL = 0x87,
    OP_EQUALVERIFY = 0x88,
    OP_HASH160 = 0xa9,
    OP_CHECKSIG = 0xac,
    OP_CHECKMULTISIG = 0xae,
    OP_INVALIDOPCODE = 0xff,
};

const char *ct_btc_script_type_name(ct_btc_script_type type)
{
    switch (type) {
    case CT_BTC_NONSTANDARD:
        return "nonstandard";
    case CT_BTC_P2PK:
        return "p2pk";
    case CT_BTC_P2PKH:
        return "p2pkh";
    case CT_BTC_P2SH:
        return "p2sh";
    case CT_BTC_MULTISIG:
        return "multisig";
    case CT_BTC_NULLDATA:
        return "nulldata";
    case CT_BTC_P2WPKH:
        return "p2wpkh";
    case CT_BTC_P2WSH:
        return "p2wsh";
    case CT_BTC_P2TR:
        return "p2tr";
    case CT_BTC_WITNESS_UNKNOWN:
        return "witness_unknown";
    }
    return "unknown";
}

/* Core's CPubKey::ValidSize: the length the first byte announces (02, 03: 33 bytes; 04 and
 * the hybrid 06, 07: 65 bytes) is the length pushed. Says nothing about the curve. */
static bool pubkey_valid_size(const uint8_t *p, size_t n)
{
    if (n == 0)
        return false;
    switch (p[0]) {
    case 2:
    case 3:
        return n == 33;
    case 4:
    case 6:
    case 7:
        return n == 65;
    default:
        return false;
    }
}

/* Reads the operation at *pos as Core's GetScriptOp does: a push gives its data, anything
 * else no data. Returns false (and *op OP_INVALIDOPCODE) at the end or on a push that runs
 * past the end. */
static bool script_op(const uint8_t *s, size_t len, size_t *pos, unsigned *op, const uint8_t **data,
                      size_t *data_len)
{
    *op = OP_INVALIDOPCODE;
    *data = NULL;
    *data_len = 0;
    if (*pos >= len)
        return false;
    size_t at = *pos;
    unsigned o = s[at++];
    if (o <= OP_PUSHDATA4) {
        size_t n, left = len - at;
        if (o < OP_PUSHDATA1) {
            n = o;
        } else if (o == OP_PUSHDATA1) {
            if (left < 1)
                return false;
            n = s[at];
            at += 1;
        } else if (o == OP_PUSHDATA2) {
            if (left < 2)
                return false;
            n = ct_le16(s + at);
            at += 2;
        } else {
            if (left < 4)
                return false;
            n = ct_le32(s + at);
            at += 4;
        }
        if (len - at < n)
            return false;
        *data = s + at;
        *data_len = n;
        at += n;
    }
    *pos = at;
    *op = o;
    return true;
}

/* The count an operation pushes, when Core's GetScriptNumber accepts it in [min, max] with
 * max <= 20; else -1. Core accepts OP_1..OP_16, or a push that is both minimal
 * (CheckMinimalPush) and a minimally encoded CScriptNum. For values up to 20 only one such
 * push exists: the one-byte push 01 <17..20>. (1..16 must use OP_N; a longer minimal number
 * is at least 128 in size; 0x80 and up in one byte are negative.) */
static int script_count(unsigned op, const uint8_t *data, size_t data_len, int min, int max)
{
    int v;
    if (op >= OP_1 && op <= OP_16)
        v = (int)(op - OP_1) + 1;
    else if (op == 1 && data_len == 1 && data[0] >= 17 && data[0] < 0x80)
        v = data[0];
    else
        return -1;
    return v >= min && v <= max ? v : -1;
}

/* Core's MatchMultisig: <m> <key>... <n> OP_CHECKMULTISIG with 1 <= m <= n <= 20 and n keys
 * of a valid size, pushed with any push opcode. */
static bool match_multisig(const uint8_t *s, size_t len, unsigned *m, const uint8_t **keys,
                           size_t *key_lens, unsigned *n_keys)
{
    size_t pos = 0, data_len;
    unsigned op, n = 0;
    const uint8_t *data;

    if (len < 1 || s[len - 1] != OP_CHECKMULTISIG)
        return false;
    if (!script_op(s, len, &pos, &op, &data, &data_len))
        return false;
    int required = script_count(op, data, data_len, 1, CT_BTC_MULTISIG_KEYS);
    if (required < 0)
        return false;
    while (script_op(s, len, &pos, &op, &data, &data_len) && pubkey_valid_size(data, data_len)) {
        if (n == CT_BTC_MULTISIG_KEYS)
            return false; /* more keys than any accepted n */
        keys[n] = data;
        key_lens[n] = data_len;
        n++;
    }
    int count = script_count(op, data, data_len, required, CT_BTC_MULTISIG_KEYS);
    if (count < 0 || (unsigned)count != n || pos + 1 != len)
        return false;
    *m = (unsigned)required;
    *n_keys = n;
    return true;
}

/* The P2PKH address of a key as it is written, and of its other serialization
 * (compressed for a 65-byte key, uncompressed for a 33-byte one), or "" when the bytes are
 * not a point of the curve. */
static void key_addresses(char addr[CT_BTC_ADDR_MAX], char linked[CT_BTC_ADDR_MAX],
                          const uint8_t *key, size_t len, const ct_btc_params *net)
{
    secp256k1_pubkey pk;
    uint8_t other[65];
    size_t other_len = sizeof(other);

    linked[0] = '\0';
    if (ct_btc_pubkey_address(addr, CT_BTC_ADDR_MAX, key, len, net) != CT_OK)
        addr[0] = '\0'; /* cannot happen: len is 33 or 65 */
    if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, key, len))
        return;
    unsigned flags = len == 33 ? SECP256K1_EC_UNCOMPRESSED : SECP256K1_EC_COMPRESSED;
    if (!secp256k1_ec_pubkey_serialize(secp256k1_context_static, other, &other_len, &pk, flags))
        return;
    if (ct_btc_pubkey_address(linked, CT_BTC_ADDR_MAX, other, other_len, net) != CT_OK)
        linked[0] = '\0';
}

/* A witness program (Core's CScript::IsWitnessProgram): OP_0 or OP_1..OP_16, then one
 * direct push of 2..40 bytes, and nothing else. */
static bool match_witness(const uint8_t *s, size_t len, unsigned *version)
{
    if (len < 4 || len > 42)
        return false;
    if (s[0] != OP_0 && (s[0] < OP_1 || s[0] > OP_16))
        return false;
    if ((size_t)s[1] + 2 != len)
        return false;
    *version = s[0] == OP_0 ? 0 : (unsigned)(s[0] - OP_1) + 1;
    return true;
}

/* Writes the Base58Check address of a hash160 with a version byte. */
static void hash_address(char addr[CT_BTC_ADDR_MAX], const ct_btc_params *net,
                         ct_btc_script_type type, const uint8_t hash[20])
{
    ct_btc_addr a = {.type = type, .net = net, .program_len = 20};
    memcpy(a.program, hash, 20);
    if (ct_btc_addr_encode(addr, CT_BTC_ADDR_MAX, &a) != CT_OK)
        addr[0] = '\0'; /* cannot happen for 20 bytes */
}

static void dest_witness(ct_btc_dest *out, const uint8_t *s, size_t len, unsigned version,
                         const ct_btc_params *net)
{
    size_t n = len - 2;
    ct_btc_script_type type;
    if (version == 0)
        type = n == 20 ? CT_BTC_P2WPKH : n == 32 ? CT_BTC_P2WSH : CT_BTC_NONSTANDARD;
    else
        type = version == 1 && n == 32 ? CT_BTC_P2TR : CT_BTC_WITNESS_UNKNOWN;
    if (type == CT_BTC_NONSTANDARD || !net->hrp)
        return; /* v0 of another length; a network without segwit addresses */
    ct_btc_addr a = {.type = type, .net = net, .witness_version = version, .program_len = n};
    memcpy(a.program, s + 2, n);
    if (ct_btc_addr_encode(out->addr[0], CT_BTC_ADDR_MAX, &a) != CT_OK)
        return; /* cannot happen: version, length and type agree */
    out->type = type;
    out->n_addr = 1;
}

int ct_btc_script_dest(ct_btc_dest *out, const uint8_t *script, size_t len,
                       const ct_btc_params *net)
{
    static const uint8_t empty[1] = {0};
    const uint8_t *s = script ? script : empty;

    if (!out)
        return CT_EINVAL;
    out->type = CT_BTC_NONSTANDARD;
    out->n_addr = 0;
    out->m = 0;
    out->addr[0][0] = '\0';
    out->linked[0][0] = '\0';
    out->data = NULL;
    out->data_len = 0;
    if (!script && len > 0) {
        memset(out->script_hash, 0, sizeof(out->script_hash));
        return CT_EINVAL;
    }
    ct_sha256(out->script_hash, s, len);
    if (!net)
        return CT_EINVAL;

    unsigned version;
    const uint8_t *keys[CT_BTC_MULTISIG_KEYS];
    size_t key_lens[CT_BTC_MULTISIG_KEYS];
    unsigned m, n;

    /* Solver's order: P2SH, witness programs, OP_RETURN, P2PK, P2PKH, multisig. */
    if (len == 23 && s[0] == OP_HASH160 && s[1] == 20 && s[22] == OP_EQUAL) {
        out->type = CT_BTC_P2SH;
        out->n_addr = 1;
        hash_address(out->addr[0], net, CT_BTC_P2SH, s + 2);
    } else if (match_witness(s, len, &version)) {
        dest_witness(out, s, len, version, net);
    } else if (len >= 1 && s[0] == OP_RETURN) {
        out->type = CT_BTC_NULLDATA;
        out->data = s + 1;
        out->data_len = len - 1;
    } else if ((len == 35 || len == 67) && s[0] == len - 2 && s[len - 1] == OP_CHECKSIG &&
               pubkey_valid_size(s + 1, len - 2)) {
        out->type = CT_BTC_P2PK;
        out->n_addr = 1;
        key_addresses(out->addr[0], out->linked[0], s + 1, len - 2, net);
    } else if (len == 25 && s[0] == OP_DUP && s[1] == OP_HASH160 && s[2] == 20 &&
               s[23] == OP_EQUALVERIFY && s[24] == OP_CHECKSIG) {
        out->type = CT_BTC_P2PKH;
        out->n_addr = 1;
        hash_address(out->addr[0], net, CT_BTC_P2PKH, s + 3);
    } else if (match_multisig(s, len, &m, keys, key_lens, &n)) {
        out->type = CT_BTC_MULTISIG;
        out->m = m;
        out->n_addr = n;
        for (unsigned i = 0; i < n; i++)
            key_addresses(out->addr[i], out->linked[i], keys[i], key_lens[i], net);
    }
    return CT_OK;
}
