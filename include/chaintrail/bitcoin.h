/* chaintrail Bitcoin-family adapter: network parameters, block and transaction decoding,
 * scripts and addresses, and the reader of Bitcoin Core blk*.dat files.
 *
 * Argument order, as everywhere in chaintrail: the handle or object written, then outputs,
 * then inputs, then options, then the caller-owned ct_error (may be NULL).
 *
 * Hashes are kept in internal byte order (as serialized on the wire); ct_hash_to_hex()
 * prints them in the reversed "display" order block explorers use.
 */
#ifndef CHAINTRAIL_BITCOIN_H
#define CHAINTRAIL_BITCOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- consensus limits (Bitcoin Core consensus/consensus.h, amount.h) ---- */
#define CT_BTC_MAX_MONEY            2100000000000000ULL /* 21e6 BTC in satoshi */
#define CT_BTC_MAX_BLOCK_WEIGHT     4000000u
#define CT_BTC_MAX_BLOCK_SERIALIZED 4000000u
#define CT_BTC_MAX_COMPACT_SIZE     0x02000000u
#define CT_BTC_HEADER_SIZE          80u

/* ---- networks ---- */
typedef struct ct_btc_params {
    const char *name;      /* "mainnet", "testnet", "testnet4", "signet", "regtest" */
    const char *coin;      /* ticker of the asset: "BTC", "tBTC" */
    uint8_t magic[4];      /* blk file / p2p message start */
    uint8_t p2pkh_prefix;  /* Base58Check version byte of P2PKH addresses */
    uint8_t p2sh_prefix;   /* ... of P2SH addresses */
    const char *hrp;       /* bech32 human-readable part, NULL when no segwit */
    uint8_t pow_limit[32]; /* highest allowed target, big-endian */
    uint8_t genesis[32];   /* genesis block hash, internal byte order */
    int64_t bip34_height;  /* first height whose coinbase must carry the height */
    /* Hash of the main-chain block at bip34_height (internal byte order) where blocks below it
     * did not carry their height (mainnet, testnet3); all zero when BIP34 holds from height 1.
     * As in Bitcoin Core, only a chain holding this block lets BIP34 stand in for BIP30. */
    uint8_t bip34_hash[32];
} ct_btc_params;

/* Returns the parameters of a network by name ("mainnet" or "main", "testnet" or "test",
 * "testnet4", "signet", "regtest"), or NULL. The returned pointer is static. */
const ct_btc_params *ct_btc_params_get(const char *name);

/* Returns the network whose magic is the 4 bytes at `magic`, or NULL. */
const ct_btc_params *ct_btc_params_by_magic(const uint8_t magic[4]);

/* NULL-terminated list of every known network. */
const ct_btc_params *const *ct_btc_params_all(void);

/* ---- decoded structures ----
 * Every pointer below borrows the buffer given to the decoder and lives until that buffer is
 * freed; the arrays live until the ct_btc_block is decoded into again or released. */
typedef struct ct_btc_txin {
    const uint8_t *prev_txid; /* 32 bytes, internal order; all zero for a coinbase */
    uint32_t prev_vout;       /* 0xffffffff for a coinbase */
    uint32_t sequence;
    const uint8_t *script_sig;
    uint32_t script_sig_len;
    const uint8_t *witness; /* the serialized stack: CompactSize count is NOT included; */
    uint32_t witness_len;   /* items follow as (CompactSize length, bytes) pairs */
    uint32_t witness_items;
} ct_btc_txin;

typedef struct ct_btc_txout {
    uint64_t value; /* satoshi, <= CT_BTC_MAX_MONEY */
    const uint8_t *script;
    uint32_t script_len;
} ct_btc_txout;

typedef struct ct_btc_tx {
    uint8_t txid[32];  /* SHA-256d of the serialization without witness, internal order */
    uint8_t wtxid[32]; /* SHA-256d of the full serialization (set with CT_BTC_WTXID) */
    int32_t version;   /* signed: negative versions exist on mainnet (block 256818) */
    uint32_t locktime;
    uint32_t n_in;
    uint32_t n_out;
    ct_btc_txin *in;
    ct_btc_txout *out;
    const uint8_t *raw;     /* the full serialization */
    uint32_t size;          /* bytes of the full serialization */
    uint32_t stripped_size; /* bytes without marker, flag and witnesses */
    bool segwit;            /* serialized with the segwit marker and flag */
    bool coinbase;
    uint64_t out_total; /* sum of output values, <= CT_BTC_MAX_MONEY */
} ct_btc_tx;

typedef struct ct_btc_header {
    int32_t version;
    uint8_t prev_hash[32];   /* internal order */
    uint8_t merkle_root[32]; /* internal order */
    uint32_t time;
    uint32_t bits;
    uint32_t nonce;
} ct_btc_header;

typedef struct ct_btc_block {
    ct_btc_header header;
    uint8_t hash[32];     /* SHA-256d of the header, internal order */
    int64_t bip34_height; /* height read from the coinbase (version >= 2), else -1 */
    uint32_t n_tx;
    ct_btc_tx *tx;
    uint32_t size;          /* serialized bytes */
    uint32_t stripped_size; /* bytes without witness data */
    uint32_t weight;        /* stripped_size * 3 + size */
    void *priv_;            /* decoder scratch (arena); owned by the block */
} ct_btc_block;

/* Decoder flags. */
#define CT_BTC_WTXID  0x1u /* also compute each transaction's wtxid */
#define CT_BTC_NO_POW 0x2u /* skip the proof-of-work check (for hand-made test blocks) */

/* Prepares an empty block for ct_btc_block_decode(). Never fails. */
void ct_btc_block_init(ct_btc_block *blk);

/* Frees the scratch memory of a block; the struct can be initialized again. */
void ct_btc_block_release(ct_btc_block *blk);

/* Decodes one serialized block (no blk-file framing) from data[0..len) and checks it as an
 * analytics engine must (bad-inputs.md B6-B16): canonical CompactSize, counts bounded by the
 * remaining bytes before anything is allocated, parse ending exactly at `len`, values and
 * sums within MAX_MONEY, merkle root and the CVE-2012-2459 mutation, proof of work against
 * net->pow_limit (unless CT_BTC_NO_POW), duplicate inputs, coinbase rules, block size and
 * weight. Scripts and signatures are not validated.
 * Returns CT_OK, CT_ECORRUPT with err->reason set to Bitcoin Core's reason string
 * ("bad-txnmrklroot", "bad-txns-inputs-duplicate", ...) and err->tx_index / err->block_hash
 * where known, or CT_ENOMEM. `data` must outlive the decoded block's pointers. */
CT_WARN_UNUSED int ct_btc_block_decode(ct_btc_block *blk, const uint8_t *data, size_t len,
                                       const ct_btc_params *net, unsigned flags, ct_error *err);

/* Decodes one lone serialized transaction into blk (n_tx = 1, header zeroed) with the
 * context-free transaction checks (Core's CheckTransaction). Same returns as above. */
CT_WARN_UNUSED int ct_btc_tx_decode(ct_btc_block *blk, const uint8_t *data, size_t len,
                                    unsigned flags, ct_error *err);

/* True when a decode error means the bytes did not parse (truncated, trailing or
 * non-canonical data) rather than a well-formed block that broke a rule. A blk-file reader
 * resyncs inside a record that did not parse (ct_btc_reader_reject) and skips whole a
 * record that parsed but was rejected. */
bool ct_btc_error_is_parse(const ct_error *err);

/* Proof-of-work check of a header hash against its compact target and the network limit.
 * Returns CT_OK or CT_ECORRUPT ("bad-diffbits" or "high-hash"). */
CT_WARN_UNUSED int ct_btc_check_pow(const uint8_t hash[32], uint32_t bits, const ct_btc_params *net,
                                    ct_error *err);

/* Adds the work of a compact target (2^256 / (target+1)) to a 256-bit big-endian
 * accumulator `work`. Returns CT_OK or CT_EINVAL for a bad compact value. */
CT_WARN_UNUSED int ct_btc_work_add(uint8_t work[32], uint32_t bits);

/* ---- scripts and addresses ---- */
typedef enum ct_btc_script_type {
    CT_BTC_NONSTANDARD = 0, /* no address: a script-hash identity */
    CT_BTC_P2PK,            /* shown as the P2PKH address of its key */
    CT_BTC_P2PKH,
    CT_BTC_P2SH,
    CT_BTC_MULTISIG, /* bare multisig: one P2PKH address per key */
    CT_BTC_NULLDATA, /* OP_RETURN: no address, data kept */
    CT_BTC_P2WPKH,
    CT_BTC_P2WSH,
    CT_BTC_P2TR,
    CT_BTC_WITNESS_UNKNOWN, /* witness v1 (not 32 bytes) .. v16: bech32m */
} ct_btc_script_type;

/* Returns the lowercase name of a script type: "nonstandard", "p2pk", "p2pkh", "p2sh",
 * "multisig", "nulldata", "p2wpkh", "p2wsh", "p2tr", "witness_unknown". */
const char *ct_btc_script_type_name(ct_btc_script_type type);

#define CT_BTC_ADDR_MAX      96 /* longest address string plus NUL */
#define CT_BTC_MULTISIG_KEYS 20 /* OP_CHECKMULTISIG allows at most 20 keys */

/* What an output script pays to, as block explorers show it. */
typedef struct ct_btc_dest {
    ct_btc_script_type type;
    unsigned n_addr;                                  /* 0, 1, or the keys of a multisig */
    char addr[CT_BTC_MULTISIG_KEYS][CT_BTC_ADDR_MAX]; /* the address(es) */
    /* P2PK and multisig keys: the P2PKH address of the other serialization (compressed vs
     * uncompressed) of the same key, found with libsecp256k1; "" if the key is not a valid
     * point. linked[i] belongs to addr[i]. One key, two addresses. */
    char linked[CT_BTC_MULTISIG_KEYS][CT_BTC_ADDR_MAX];
    unsigned m;              /* multisig: signatures required */
    uint8_t script_hash[32]; /* SHA-256 of the script: identity of NONSTANDARD outputs */
    const uint8_t *data;     /* NULLDATA: the bytes after OP_RETURN (borrowed) */
    size_t data_len;
} ct_btc_dest;

/* Classifies an output script and derives its address(es) for network `net`, for any bytes
 * (unknown scripts are NONSTANDARD; witness programs on a network without a bech32 HRP are
 * NONSTANDARD too). Returns CT_OK, or CT_EINVAL only for a NULL `out` or `net`, or a NULL
 * `script` with a non-zero length. */
CT_WARN_UNUSED int ct_btc_script_dest(ct_btc_dest *out, const uint8_t *script, size_t len,
                                      const ct_btc_params *net);

/* A decoded address. */
typedef struct ct_btc_addr {
    ct_btc_script_type type;  /* P2PKH, P2SH, P2WPKH, P2WSH, P2TR or WITNESS_UNKNOWN */
    const ct_btc_params *net; /* the network it belongs to */
    unsigned witness_version; /* for witness types */
    uint8_t program[40];      /* hash160 (20), witness program (2..40) */
    size_t program_len;
} ct_btc_addr;

/* Parses an address string. With net != NULL, an address of another network is rejected
 * ("wrong-network"); with net == NULL, every known network is tried (mainnet first).
 * Returns CT_OK or CT_EINVAL with err->reason one of "bad-char", "bad-checksum",
 * "bad-length", "bad-prefix", "mixed-case", "bad-witness-version", "bad-padding",
 * "wrong-encoding" (bech32 where bech32m is required or the reverse), "wrong-network". */
CT_WARN_UNUSED int ct_btc_addr_decode(ct_btc_addr *out, const char *str, const ct_btc_params *net,
                                      ct_error *err);

/* Writes the address string of `addr` (for addr->net) into buf (>= CT_BTC_ADDR_MAX bytes).
 * Returns CT_OK or CT_EINVAL (unencodable type or length). */
CT_WARN_UNUSED int ct_btc_addr_encode(char *buf, size_t size, const ct_btc_addr *addr);

/* Writes the P2PKH address of a public key (33 or 65 bytes) for `net`. */
CT_WARN_UNUSED int ct_btc_pubkey_address(char *buf, size_t size, const uint8_t *pubkey, size_t len,
                                         const ct_btc_params *net);

/* ---- blk*.dat reader ---- */
typedef enum ct_btc_xor_mode {
    CT_BTC_XOR_AUTO = 0, /* use xor.dat next to the blk files when present */
    CT_BTC_XOR_PLAIN,    /* the user says the files are plain: a non-zero xor.dat is fatal */
} ct_btc_xor_mode;

typedef struct ct_btc_reader_options {
    unsigned version;         /* CT_BTC_READER_OPTIONS_VERSION */
    const ct_btc_params *net; /* required */
    ct_btc_xor_mode xor_mode;
    uint32_t max_record; /* largest record accepted (default 4,000,000) */
} ct_btc_reader_options;

#define CT_BTC_READER_OPTIONS_VERSION 1
#define CT_BTC_READER_OPTIONS_INIT                                                                 \
    {                                                                                              \
        CT_BTC_READER_OPTIONS_VERSION, NULL, CT_BTC_XOR_AUTO, 0                                    \
    }

/* One record handed out by the reader. */
typedef struct ct_btc_record {
    const uint8_t *data; /* the block bytes (de-obfuscated); valid until the next call */
    size_t len;
    const char *file;     /* path of the file it came from; valid until the reader is freed */
    uint32_t file_index;  /* index of that file in the reader's file list */
    uint64_t offset;      /* offset of the record in the file (of the magic for blk files) */
    uint64_t data_offset; /* offset of the block bytes in the file */
    bool rereadable;      /* the bytes are on disk at data_offset of `file`, as
                           * ct_btc_file_read_at reads them again (false for stdin, pipes
                           * and hex text, whose bytes were only in memory) */
} ct_btc_record;

typedef struct ct_btc_reader ct_btc_reader;

/* Opens a reader over `paths`, read in the order given. Each path is a Bitcoin Core blocks/
 * directory (blk?????.dat in numeric order, xor.dat honoured), a blk file, a raw block file,
 * or a file holding a block (or blk records) as hex text.
 * "-" is standard input, read whole (at most 64 MiB) and shown as "<stdin>".
 * Returns CT_OK with *out owned by the caller (free with ct_btc_reader_free), CT_EIO for a
 * missing or unreadable path or a directory without blk files, CT_ECORRUPT for a bad
 * xor.dat, CT_EINVAL for an xor.dat that contradicts CT_BTC_XOR_PLAIN, CT_ENOMEM. */
CT_WARN_UNUSED int ct_btc_reader_open(ct_btc_reader **out, const char *const *paths, size_t npaths,
                                      const ct_btc_reader_options *opts, ct_error *err);

/* Hands out the next record.
 * Returns CT_OK with *rec filled;
 *   CT_EEOF when every file is read;
 *   CT_ECORRUPT for skipped bytes or a rejected record (err says what and where; call again
 *     to go on): "junk-skipped" (bytes between records, resynced on the magic),
 *     "bad-record-size" (size < 80 or > max_record), "no-magic" (not one magic of the
 *     network in a file that is not a raw block or hex either: never an empty success),
 *     "bad-hex" (a hex text file with a bad digit);
 *   CT_ETRUNCATED when a file ends inside a record ("truncated-record"; err->offset is the
 *     offset of that record: everything before it was complete); call again to go on with
 *     the next file;
 *   CT_ENOMEM when stdin, a pipe or decoded hex exceeds 64 MiB ("input-too-large"); call
 *     again to go on with the next file;
 *   CT_ENETWORK (fatal) when a file holds another network's magic ("network-mismatch");
 *   CT_EIO (fatal) on a read error. */
CT_WARN_UNUSED int ct_btc_reader_next(ct_btc_reader *r, ct_btc_record *rec, ct_error *err);

/* Tells the reader that the last record did not parse: the search for the next magic
 * starts one byte after that record's magic instead of at its end (Bitcoin Core's
 * LoadExternalBlockFile does the same). */
void ct_btc_reader_reject(ct_btc_reader *r);

/* Resume support for the ingest. set_start: blk records of file i are read from `offset`
 * (a record boundary recorded earlier) instead of 0; raw and hex files ignore it.
 * restart_file: the file being read goes back to its start offset (after set_start was
 * changed, e.g. to 0 when the file turned out to have changed). */
void ct_btc_reader_set_start(ct_btc_reader *r, size_t i, uint64_t offset);
void ct_btc_reader_restart_file(ct_btc_reader *r);

/* Reads `len` bytes at `offset` of the file at `path` into buf (the caller's, `len` bytes),
 * as the reader handed them out in a record with `rereadable` set: de-obfuscated with the
 * xor.dat of the file's directory when that holds a non-zero key (Bitcoin Core 28+), as the
 * reader does whatever its xor mode. The bytes are not checked: the caller compares them
 * with what it expects (e.g. the block hash).
 * Returns CT_OK; CT_EIO when the file cannot be opened ("cannot-open", with the system's
 * reason, e.g. "No such file or directory") or read ("read-failed"), or is not a regular
 * file; CT_ETRUNCATED when it ends before offset + len ("file-too-short"); CT_ECORRUPT for
 * an xor.dat that is not 8 bytes; CT_EINVAL for a range past 2^63. err names the file and
 * offset. */
CT_WARN_UNUSED int ct_btc_file_read_at(const char *path, uint64_t offset, uint8_t *buf, size_t len,
                                       ct_error *err);

/* Number of files the reader will read, and the path of file i (borrowed). */
size_t ct_btc_reader_file_count(const ct_btc_reader *r);
const char *ct_btc_reader_file_path(const ct_btc_reader *r, size_t i);

/* Frees the reader. NULL is accepted. */
void ct_btc_reader_free(ct_btc_reader *r);

/* ---- helpers ---- */
/* Writes the display (byte-reversed) hex of a 32-byte hash into out (65 bytes). */
void ct_hash_to_hex(char out[65], const uint8_t hash[32]);
/* Parses a 64-digit display hex hash into internal order. Returns CT_OK or CT_EINVAL. */
CT_WARN_UNUSED int ct_hash_from_hex(uint8_t hash[32], const char *hex);

#ifdef __cplusplus
}
#endif
#endif
