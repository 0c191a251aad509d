/* chaintrail Ethereum adapter: Keccak-256, signed transactions of every envelope type
 * (legacy, EIP-2930, EIP-1559, EIP-4844, EIP-7702), block headers and RLP blocks, sender
 * recovery, and EIP-55 addresses.
 *
 * Argument order, as everywhere in chaintrail: the object written, then outputs, then
 * inputs, then options, then the caller-owned ct_error (may be NULL).
 *
 * Decoding is zero-copy: every `const uint8_t *` field of a decoded transaction, header or
 * block borrows the buffer given to the decoder and lives as long as that buffer. Bad data
 * is CT_ECORRUPT with err->reason set to one of these exact strings (bad-inputs.md E1-E10):
 *   "non-canonical size"       a single byte below 0x80 wrapped as a string (0x8100), a long
 *                              form for a size below 56, or a length with a leading zero
 *   "value size exceeds available input"   an item longer than the bytes that remain
 *   "element larger than list" an item running past the end of its enclosing list
 *   "non-canonical integer"    an integer with a leading zero byte (zero is the empty string)
 *   "integer too wide"         an integer wider than its field (256 bits, or 64 for nonce,
 *                              gas, block number, ...)
 *   "trailing bytes"           bytes after the top-level item
 *   "expected list" / "expected string"    an item of the other kind
 *   "too few fields" / "too many fields"   a list with the wrong number of fields
 *   "bad length"               a fixed-size field (address, hash, bloom, nonce) of another size
 *   "too short"                a typed envelope that is empty or a lone type byte
 *   "type not supported"       an envelope type other than 1-4 (the detail names the type),
 *                              or a first byte in 0x80-0xbf (not a list, not a type)
 *   "invalid signature"        r or s outside [1, n-1], high s from Homestead, a bad v or
 *                              yParity, or a signature that recovers no key
 *   "invalid chain id"         an EIP-155 or typed chain id other than the configured one
 * err->offset is the byte offset of the offending item inside the buffer given to the
 * decoder (plus the offset passed in, for the file readers).
 */
#ifndef CHAINTRAIL_ETHEREUM_H
#define CHAINTRAIL_ETHEREUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"
#include "chaintrail/u256.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Keccak-256 (the pre-standard padding 0x01; not SHA3-256) ---- */
typedef struct ct_keccak_ctx {
    uint64_t st[25];
    uint8_t buf[136];
    size_t n; /* bytes in buf */
} ct_keccak_ctx;

void ct_keccak256_init(ct_keccak_ctx *c);
void ct_keccak256_update(ct_keccak_ctx *c, const void *data, size_t len);
void ct_keccak256_final(ct_keccak_ctx *c, uint8_t out[32]);
/* out = Keccak-256(data[0..len)). */
void ct_keccak256(uint8_t out[32], const void *data, size_t len);

/* ---- fork heights of mainnet that change the signature rules ---- */
#define CT_ETH_HOMESTEAD_HEIGHT 1150000 /* s <= n/2 from here (EIP-2) */
#define CT_ETH_EIP155_HEIGHT    2675000 /* v = 2*chainId + 35/36 accepted from here */
#define CT_ETH_MAINNET_CHAIN_ID 1u

/* ---- transactions ---- */
typedef enum ct_eth_tx_type {
    CT_ETH_TX_LEGACY = 0,      /* RLP list, optionally EIP-155 replay-protected */
    CT_ETH_TX_ACCESS_LIST = 1, /* EIP-2930 */
    CT_ETH_TX_DYNAMIC_FEE = 2, /* EIP-1559 */
    CT_ETH_TX_BLOB = 3,        /* EIP-4844 */
    CT_ETH_TX_SET_CODE = 4,    /* EIP-7702 */
} ct_eth_tx_type;

typedef struct ct_eth_tx {
    uint8_t type;      /* ct_eth_tx_type */
    bool has_chain_id; /* false only for a legacy tx without EIP-155 (v = 27/28) */
    uint64_t chain_id;
    uint64_t nonce;
    ct_u256 gas_price;            /* legacy and type 1: gasPrice; types 2-4: maxFeePerGas */
    ct_u256 max_priority_fee;     /* types 2-4: maxPriorityFeePerGas; zero otherwise */
    ct_u256 max_fee_per_blob_gas; /* type 3 only */
    uint64_t gas_limit;
    uint8_t to[20];
    bool has_to;          /* false: contract creation (never for types 3 and 4) */
    ct_u256 value;        /* wei */
    const uint8_t *input; /* call data, borrowed; NULL when input_len is 0 */
    size_t input_len;
    /* The signature: v is the legacy v (27, 28, or 2*chainId + 35/36) or the yParity of
     * typed transactions (0 or 1). */
    ct_u256 v, r, s;
    /* The lists, each as its complete RLP item (header included; borrowed), so that the
     * transaction can be re-encoded byte for byte. NULL/0 for a type without that list;
     * an empty list is the one byte 0xc0. Build them from JSON with the ct_eth_*_rlp
     * helpers below. */
    const uint8_t *access_list_rlp; /* types 1-4: [[address, [storageKey...]]...] */
    size_t access_list_rlp_len;
    const uint8_t *blob_hashes_rlp; /* type 3: [versionedHash...] */
    size_t blob_hashes_rlp_len;
    const uint8_t *auth_list_rlp; /* type 4: [[chainId, address, nonce, yParity, r, s]...] */
    size_t auth_list_rlp_len;
    uint32_t n_access_list;  /* entries of the access list */
    uint32_t n_storage_keys; /* storage keys over all entries */
    uint32_t n_blob_hashes;
    uint32_t n_authorizations;
    /* The canonical signed encoding (typed: type byte || RLP payload; legacy: the RLP
     * list) when decoded from bytes (borrowed); NULL for a tx built by hand. */
    const uint8_t *raw;
    size_t raw_len;
    uint8_t hash[32]; /* Keccak-256 of the canonical signed encoding */
    uint8_t from[20]; /* the sender, set by ct_eth_tx_recover() */
    bool has_from;
} ct_eth_tx;

/* Decodes one signed transaction in its canonical form: a typed envelope (type byte 0x01-
 * 0x04 followed by the RLP payload) or a legacy RLP list, ending exactly at `len`. Checks
 * the RLP rules above, field counts and widths (nonce and gas 64 bits; amounts, v, r, s 256
 * bits; chainId 64 bits), addresses of 20 bytes, and computes tx->hash. Does not check the
 * signature (ct_eth_tx_recover does). Returns CT_OK or CT_ECORRUPT with the reason and
 * err->offset. */
CT_WARN_UNUSED int ct_eth_tx_decode(ct_eth_tx *tx, const uint8_t *data, size_t len, ct_error *err);

/* Writes the canonical signed encoding of tx (as described for tx->raw) into a new buffer:
 * *out is malloc'd and belongs to the caller (free() it). Fields other than those a type
 * carries are ignored. Returns CT_OK, CT_EINVAL ("bad list rlp" when a *_rlp field is not
 * one RLP list, "missing to" for a blob or set-code tx without `to`, "bad type"), or
 * CT_ENOMEM. */
CT_WARN_UNUSED int ct_eth_tx_encode(uint8_t **out, size_t *out_len, const ct_eth_tx *tx,
                                    ct_error *err);

/* Sets tx->hash = Keccak-256(ct_eth_tx_encode(tx)); for a tx built from a node's JSON
 * fields, so that its hash can be compared with the node's (bad-inputs.md E13). */
CT_WARN_UNUSED int ct_eth_tx_compute_hash(ct_eth_tx *tx, ct_error *err);

/* The hash the sender signed: Keccak-256 of the unsigned encoding (legacy without EIP-155:
 * the 6 fields; legacy with EIP-155: the 6 fields + [chainId, 0, 0]; typed: type byte ||
 * RLP of the fields before the signature). For a legacy tx, has_chain_id/chain_id decide
 * which form. Returns CT_OK, CT_EINVAL or CT_ENOMEM. */
CT_WARN_UNUSED int ct_eth_tx_signing_hash(uint8_t out[32], const ct_eth_tx *tx, ct_error *err);

/* Checks the signature of tx under the rules of mainnet block `height` (-1: unknown, the
 * current rules), and recovers the sender into tx->from (has_from = true):
 *  - r and s in [1, n-1]; s <= n/2 from CT_ETH_HOMESTEAD_HEIGHT (Frontier high-s accepted
 *    below it);
 *  - legacy v in {27, 28}, or {2*chainId + 35, 2*chainId + 36} from CT_ETH_EIP155_HEIGHT
 *    (tx->has_chain_id/chain_id must agree with v: ct_eth_tx_decode sets them from v);
 *    typed yParity in {0, 1}; anything wider than 8 bits is rejected before libsecp256k1;
 *  - a chain id (EIP-155 or typed) other than chain_id_configured is "invalid chain id"
 *    (chain_id_configured 0: any chain id is accepted).
 * Sender = the last 20 bytes of Keccak-256 of the uncompressed public key without its
 * 0x04 prefix. Returns CT_OK or CT_ECORRUPT ("invalid signature", "invalid chain id"). */
CT_WARN_UNUSED int ct_eth_tx_recover(ct_eth_tx *tx, int64_t height, uint64_t chain_id_configured,
                                     ct_error *err);

/* Builders of the list fields from parsed JSON values. Each writes the complete RLP list
 * item into a new malloc'd *out (free() it). Returns CT_OK, CT_EINVAL or CT_ENOMEM. */
typedef struct ct_eth_access_entry {
    uint8_t address[20];
    const uint8_t *storage_keys; /* n_storage_keys * 32 bytes */
    size_t n_storage_keys;
} ct_eth_access_entry;

typedef struct ct_eth_authorization {
    ct_u256 chain_id;
    uint8_t address[20];
    uint64_t nonce;
    ct_u256 y_parity, r, s;
} ct_eth_authorization;

CT_WARN_UNUSED int ct_eth_access_list_rlp(uint8_t **out, size_t *out_len,
                                          const ct_eth_access_entry *entries, size_t n,
                                          ct_error *err);
/* hashes: n * 32 bytes. */
CT_WARN_UNUSED int ct_eth_blob_hashes_rlp(uint8_t **out, size_t *out_len, const uint8_t *hashes,
                                          size_t n, ct_error *err);
CT_WARN_UNUSED int ct_eth_auth_list_rlp(uint8_t **out, size_t *out_len,
                                        const ct_eth_authorization *auths, size_t n, ct_error *err);

/* ---- block headers ---- */
typedef struct ct_eth_header {
    uint8_t parent_hash[32];
    uint8_t uncles_hash[32]; /* sha3Uncles / ommersHash */
    uint8_t coinbase[20];    /* miner / fee recipient */
    uint8_t state_root[32];
    uint8_t tx_root[32];
    uint8_t receipts_root[32];
    uint8_t logs_bloom[256];
    ct_u256 difficulty;
    uint64_t number;
    uint64_t gas_limit;
    uint64_t gas_used;
    uint64_t timestamp;
    const uint8_t *extra_data; /* borrowed */
    size_t extra_data_len;
    uint8_t mix_hash[32]; /* prevRandao after the Merge */
    uint8_t nonce[8];
    bool has_base_fee; /* London (EIP-1559): 16 fields and more */
    ct_u256 base_fee;
    bool has_withdrawals_root; /* Shanghai (EIP-4895): 17 fields and more */
    uint8_t withdrawals_root[32];
    bool has_blob_gas; /* Cancun (EIP-4844, EIP-4788): 20 fields and more */
    uint64_t blob_gas_used;
    uint64_t excess_blob_gas;
    uint8_t parent_beacon_root[32];
    bool has_requests_hash; /* Prague (EIP-7685): 21 fields */
    uint8_t requests_hash[32];
    uint8_t hash[32];  /* Keccak-256 of the header's RLP */
    unsigned n_fields; /* 15, 16, 17, 20 or 21 */
} ct_eth_header;

/* Decodes one RLP header (a list of 15, 16, 17, 20 or 21 fields) ending exactly at `len`
 * and computes its hash. Returns CT_OK or CT_ECORRUPT. */
CT_WARN_UNUSED int ct_eth_header_decode(ct_eth_header *h, const uint8_t *data, size_t len,
                                        ct_error *err);

/* Encodes the header's fields (the fork's set as the has_* flags say: 15 fields, then
 * baseFee, withdrawalsRoot, blobGasUsed + excessBlobGas + parentBeaconBlockRoot,
 * requestsHash) and sets h->hash to Keccak-256 of that RLP and h->n_fields. CT_ECORRUPT
 * "bad-header" when the flags skip a fork; CT_ENOMEM. */
CT_WARN_UNUSED int ct_eth_header_compute_hash(ct_eth_header *h, ct_error *err);

/* ---- blocks ---- */
typedef struct ct_eth_withdrawal {
    uint64_t index;
    uint64_t validator;
    uint8_t address[20];
    uint64_t amount_gwei;
} ct_eth_withdrawal;

typedef struct ct_eth_block {
    ct_eth_header header;
    uint32_t n_tx;
    ct_eth_tx *tx; /* tx[i].from is set only after ct_eth_block_recover() */
    uint32_t n_uncles;
    const ct_eth_header *uncles; /* the uncle headers, decoded */
    bool has_withdrawals;        /* a 4th list is present (Shanghai and later) */
    uint32_t n_withdrawals;
    ct_eth_withdrawal *withdrawals;
    const uint8_t *raw; /* the block's RLP item (borrowed) */
    size_t raw_len;
    void *priv_; /* decoder scratch; owned by the block */
} ct_eth_block;

/* Prepares an empty block. Never fails. */
void ct_eth_block_init(ct_eth_block *blk);
/* Frees the arrays of a block; it can be initialized again. */
void ct_eth_block_release(ct_eth_block *blk);

/* Decodes one RLP block [header, [tx...], [uncle...]] (+ [withdrawal...] from Shanghai)
 * starting at data[0]. With used == NULL the block must end exactly at `len` ("trailing
 * bytes" otherwise); with used != NULL, *used receives the block's size and what follows
 * is left alone (concatenated blocks in a file). Legacy transactions in the list are RLP
 * lists; typed ones are RLP strings holding the envelope. Every transaction is decoded
 * and hashed; senders are not recovered. Counts are bounded by the bytes present before
 * anything is allocated. On error, err->tx_index names the transaction and err->height the
 * block when known. Returns CT_OK, CT_ECORRUPT or CT_ENOMEM. */
CT_WARN_UNUSED int ct_eth_block_decode(ct_eth_block *blk, const uint8_t *data, size_t len,
                                       size_t *used, ct_error *err);

/* ct_eth_tx_recover() for every transaction of blk at its height; stops at the first
 * failure (err->tx_index, err->height, and err->offset = the transaction's offset from the
 * start of the block). */
CT_WARN_UNUSED int ct_eth_block_recover(ct_eth_block *blk, uint64_t chain_id_configured,
                                        ct_error *err);

/* ---- files of concatenated units ---- */
typedef enum ct_eth_unit_kind {
    CT_ETH_UNIT_BLOCK = 1, /* an RLP block: a list whose first item is a list (the header) */
    CT_ETH_UNIT_TX = 2,    /* a signed transaction: a typed envelope or a legacy list */
} ct_eth_unit_kind;

/* Looks at the unit that starts at data[0] (of len bytes available) and tells what it is
 * and how many bytes it spans (its RLP headers checked, nothing else), so that a reader of
 * concatenated blocks and transactions can hand each one to its decoder and skip a bad one.
 * Returns CT_OK, or CT_ECORRUPT (the reasons above, e.g. "type not supported" for a first
 * byte that starts neither, "value size exceeds available input" for a unit cut short)
 * when no size can be known: the rest of the input cannot be split. */
CT_WARN_UNUSED int ct_eth_unit_next(ct_eth_unit_kind *kind, size_t *size, const uint8_t *data,
                                    size_t len, ct_error *err);

/* ---- addresses (EIP-55) ---- */
#define CT_ETH_ADDR_STR_MAX 43 /* "0x" + 40 hex digits + NUL */

/* Writes "0x" + the EIP-55 mixed-case checksum form of addr and a NUL into out. */
void ct_eth_address_format(char out[CT_ETH_ADDR_STR_MAX], const uint8_t addr[20]);

/* Parses an address of 40 hex digits with an optional "0x"/"0X" prefix. All-lowercase and
 * all-uppercase digits are accepted as they are; mixed case must be the EIP-55 checksum.
 * Returns CT_OK or CT_EINVAL with reason "bad-length", "not-hex" or "bad-checksum". */
CT_WARN_UNUSED int ct_eth_address_parse(uint8_t out[20], const char *s, size_t len, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
