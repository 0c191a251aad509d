/* Builds Bitcoin transactions and blocks by hand for tests, the regtest way: real txids
 * and merkle roots, and a nonce searched until the header meets (or misses) its target,
 * which at regtest's limit 0x207fffff takes a few tries. Three layers:
 *   - bytes: a growable buffer and the little-endian, CompactSize and hex writers;
 *   - transactions: any shape (scripts, witnesses, version, flag, locktime) from a
 *     bb_txspec, written to a caller's buffer;
 *   - blocks: a bb_block collects transactions (any bb_txspec, hand-written bytes, or the
 *     two common ones: a coinbase and a spend paying P2PKH "owners") and writes header,
 *     count and transactions, as a bare block or as a blk record.
 * Every allocation failure aborts; the functions assert with Criterion where a test's
 * request cannot be met. */
#ifndef CT_BLOCKBUILD_H
#define CT_BLOCKBUILD_H

#include <stddef.h>
#include <stdint.h>

/* ---- bytes ---- */

typedef struct bb_buf {
    uint8_t *data;
    size_t len, cap;
} bb_buf;

void bb_init(bb_buf *b);
void bb_free(bb_buf *b);
void bb_bytes(bb_buf *b, const void *p, size_t n);
void bb_fill(bb_buf *b, uint8_t byte, size_t n);
void bb_u32(bb_buf *b, uint32_t v);
void bb_u64(bb_buf *b, uint64_t v);
/* Canonical CompactSize (1, 3, 5 or 9 bytes). */
void bb_varint(bb_buf *b, uint64_t v);
/* Hex digits; spaces are skipped, so that templates can show the fields apart. */
void bb_hex(bb_buf *b, const char *hex);

/* ---- transactions ---- */

/* One item of a witness stack. */
typedef struct bb_item {
    const uint8_t *data;
    size_t len;
} bb_item;

/* An input; its sequence is always 0xffffffff. The witness stack is written only when the
 * transaction has a flag. */
typedef struct bb_txin {
    uint8_t txid[32];
    uint32_t vout;
    const uint8_t *script; /* scriptSig */
    size_t script_len;
    const bb_item *wit;
    size_t n_wit;
} bb_txin;

typedef struct bb_txout {
    uint64_t value;
    const uint8_t *script;
    size_t script_len;
} bb_txout;

typedef struct bb_txspec {
    int32_t version;
    uint8_t flag; /* 0: legacy serialization; else marker 00, this flag, then witnesses */
    const bb_txin *in;
    size_t n_in;
    const bb_txout *out;
    size_t n_out;
    uint32_t locktime;
} bb_txspec;

/* Appends the transaction to `out`; writes its txid (SHA-256d of the serialization
 * without marker, flag and witnesses). */
void bb_tx_write(bb_buf *out, uint8_t txid[32], const bb_txspec *t);

/* A P2PKH script paying to hash160 = {owner, 0, 0, ...}: one byte names the payee. */
#define BB_P2PKH_LEN 25
void bb_p2pkh(uint8_t script[BB_P2PKH_LEN], uint8_t owner);

/* ---- blocks ---- */

/* How the header's nonce is chosen: from `nonce` up, the first one whose hash meets the
 * target of `bits` on regtest, or the first one whose hash misses it; or `nonce` as it is. */
typedef enum bb_pow { BB_POW_MEET, BB_POW_MISS, BB_POW_ASIS } bb_pow;

typedef struct bb_block {
    int32_t version;
    uint8_t prev[32];
    uint32_t time;
    uint32_t bits;
    uint32_t nonce;
    bb_pow pow;
    bb_buf txs;          /* the transactions, back to back */
    uint8_t (*txid)[32]; /* their txids: the merkle tree's leaves */
    size_t n_tx, cap_tx;
} bb_block;

/* An empty block on `prev`: version 1, bits 0x207fffff, nonce searched from 0. */
void bb_block_init(bb_block *b, const uint8_t prev[32], uint32_t time);
void bb_block_free(bb_block *b);
/* Adds a leaf to the merkle tree: returns its txid slot (zeroed) for the caller, who
 * writes the transaction itself to b->txs. */
uint8_t *bb_block_next(bb_block *b);
/* Appends a transaction (bb_tx_write into b->txs) with its txid. */
void bb_block_add(bb_block *b, const bb_txspec *t);
/* The two common transactions, added to `b`: version 1, one output of `value` to P2PKH
 * `owner`, locktime 0, and one input: for a coinbase the null prevout with scriptSig `sig`,
 * for a spend prev:vout with scriptSig OP_TRUE. The txid is copied to `txid` when it is not
 * NULL. The same coinbase added to two blocks is the same transaction (BIP30's case). */
void bb_coinbase(bb_block *b, uint8_t txid[32], const uint8_t *sig, size_t sig_len, uint64_t value,
                 uint8_t owner);
void bb_spend(bb_block *b, uint8_t txid[32], const uint8_t prev[32], uint32_t vout, uint64_t value,
              uint8_t owner);

/* Appends the 80-byte header (merkle root of b's txids, zero when there are none; the
 * nonce as b->pow says) to `out`, and writes its hash when `hash` is not NULL. */
void bb_block_header(bb_buf *out, uint8_t hash[32], const bb_block *b);
/* Appends the header, the canonical transaction count and the transactions. */
void bb_block_write(bb_buf *out, uint8_t hash[32], const bb_block *b);
/* Appends the block as a blk record: regtest magic, LE32 size, block. */
void bb_block_record(bb_buf *file, uint8_t hash[32], const bb_block *b);
/* Appends to `file` the blk record of a block on `prev` whose coinbase pays 50 BTC to
 * `owner` (scriptSig: a 4-byte push of `height`, then OP_TRUE), plus one transaction
 * spending output 0 of `spend` (if not NULL) for `spend_value` to `to`; writes the hash and
 * the coinbase txid (cb_txid may be NULL). */
void bb_height_block(bb_buf *file, uint8_t hash[32], uint8_t cb_txid[32], const uint8_t prev[32],
                     uint32_t height, uint32_t time, uint8_t owner, const uint8_t spend[32],
                     uint64_t spend_value, uint8_t to);

/* Bitcoin's merkle root of n >= 1 leaves: SHA-256d of pairs, an odd last node paired with
 * itself. */
void bb_merkle(uint8_t root[32], const uint8_t (*leaves)[32], size_t n);

/* Appends the regtest genesis block as a blk record to `file`, asserting that its hash is
 * regtest's; writes the hash when `hash` is not NULL. */
void bb_regtest_genesis(bb_buf *file, uint8_t hash[32]);

#endif
