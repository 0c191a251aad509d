/* Builds small regtest blocks for tests: coinbases, spends, chains and competing branches,
 * with real merkle roots and regtest proof of work (the nonce is ground until the hash
 * meets 0x207fffff), serialized as blk records. */
#ifndef CT_BLOCKBUILD_H
#define CT_BLOCKBUILD_H

#include <stddef.h>
#include <stdint.h>

typedef struct bb_buf {
    uint8_t *data;
    size_t len, cap;
} bb_buf;

void bb_init(bb_buf *b);
void bb_free(bb_buf *b);
void bb_bytes(bb_buf *b, const void *p, size_t n);
void bb_u32(bb_buf *b, uint32_t v);
void bb_u64(bb_buf *b, uint64_t v);
void bb_varint(bb_buf *b, uint64_t v);

/* A P2PKH script paying to hash160 = {tag, 0, 0, ...} (tag identifies the owner). */
void bb_p2pkh(bb_buf *script, uint8_t tag);

typedef struct bb_out {
    uint64_t value;
    uint8_t owner; /* P2PKH tag */
} bb_out;

typedef struct bb_in {
    uint8_t txid[32];
    uint32_t vout;
} bb_in;

/* Serializes a transaction; writes its txid. A coinbase has n_in = 0 and carries `height`. */
void bb_tx(bb_buf *tx, uint8_t txid[32], const bb_in *ins, size_t n_in, const bb_out *outs,
           size_t n_out, uint32_t height);

/* Serializes a block of already serialized transactions (concatenated in `txs`, with their
 * txids) on top of `prev`, grinding the nonce for regtest PoW; writes its hash. */
void bb_block(bb_buf *blk, uint8_t hash[32], const uint8_t prev[32], uint32_t time,
              const bb_buf *txs, const uint8_t (*txids)[32], size_t n_tx);

/* Appends a blk record (regtest magic, size, block) to `file`. */
void bb_record(bb_buf *file, const bb_buf *blk);

/* The regtest genesis block (raw) and its hash. */
void bb_regtest_genesis(bb_buf *blk, uint8_t hash[32]);

#endif
