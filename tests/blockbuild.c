/* Regtest block builder for tests; see blockbuild.h. */
#include <stdlib.h>
#include <string.h>

#include "blockbuild.h"
#include "chaintrail/chaintrail.h"
#include "hash.h"

void bb_init(bb_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void bb_free(bb_buf *b)
{
    free(b->data);
    bb_init(b);
}

void bb_bytes(bb_buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void bb_u32(bb_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    bb_bytes(b, x, 4);
}

void bb_u64(bb_buf *b, uint64_t v)
{
    bb_u32(b, (uint32_t)v);
    bb_u32(b, (uint32_t)(v >> 32));
}

void bb_varint(bb_buf *b, uint64_t v)
{
    uint8_t c;
    if (v < 0xfd) {
        c = (uint8_t)v;
        bb_bytes(b, &c, 1);
    } else if (v <= 0xffff) {
        uint8_t x[3] = {0xfd, (uint8_t)v, (uint8_t)(v >> 8)};
        bb_bytes(b, x, 3);
    } else {
        c = 0xfe;
        bb_bytes(b, &c, 1);
        bb_u32(b, (uint32_t)v);
    }
}

void bb_p2pkh(bb_buf *s, uint8_t tag)
{
    uint8_t script[25] = {0x76, 0xa9, 0x14};
    script[3] = tag;
    script[23] = 0x88;
    script[24] = 0xac;
    bb_bytes(s, script, 25);
}

void bb_tx(bb_buf *tx, uint8_t txid[32], const bb_in *ins, size_t n_in, const bb_out *outs,
           size_t n_out, uint32_t height)
{
    size_t start = tx->len;
    bb_u32(tx, 1);
    if (n_in == 0) {
        static const uint8_t zero[32];
        uint8_t sig[6] = {0x04,
                          (uint8_t)height,
                          (uint8_t)(height >> 8),
                          (uint8_t)(height >> 16),
                          (uint8_t)(height >> 24),
                          0x51};
        bb_varint(tx, 1);
        bb_bytes(tx, zero, 32);
        bb_u32(tx, 0xffffffffu);
        bb_varint(tx, sizeof(sig));
        bb_bytes(tx, sig, sizeof(sig));
        bb_u32(tx, 0xffffffffu);
    } else {
        bb_varint(tx, n_in);
        for (size_t i = 0; i < n_in; i++) {
            bb_bytes(tx, ins[i].txid, 32);
            bb_u32(tx, ins[i].vout);
            bb_varint(tx, 1);
            uint8_t op_true = 0x51;
            bb_bytes(tx, &op_true, 1);
            bb_u32(tx, 0xffffffffu);
        }
    }
    bb_varint(tx, n_out);
    for (size_t j = 0; j < n_out; j++) {
        bb_u64(tx, outs[j].value);
        bb_varint(tx, 25);
        bb_p2pkh(tx, outs[j].owner);
    }
    bb_u32(tx, 0);
    ct_sha256d(txid, tx->data + start, tx->len - start);
}

static void merkle(uint8_t root[32], const uint8_t (*txids)[32], size_t n)
{
    uint8_t(*h)[32] = malloc((n + 1) * 32);
    memcpy(h, txids, n * 32);
    while (n > 1) {
        if (n & 1) {
            memcpy(h[n], h[n - 1], 32);
            n++;
        }
        for (size_t i = 0; i < n / 2; i++)
            ct_sha256d_pair(h[i], h[2 * i], h[2 * i + 1]);
        n /= 2;
    }
    memcpy(root, h[0], 32);
    free(h);
}

static void header(bb_buf *blk, uint8_t hash[32], const uint8_t prev[32], const uint8_t root[32],
                   uint32_t time, uint32_t bits, uint32_t nonce, int grind)
{
    const ct_btc_params *net = ct_btc_params_get("regtest");
    bb_u32(blk, 1);
    bb_bytes(blk, prev, 32);
    bb_bytes(blk, root, 32);
    bb_u32(blk, time);
    bb_u32(blk, bits);
    bb_u32(blk, nonce);
    for (;;) {
        ct_sha256d(hash, blk->data, 80);
        if (!grind || ct_btc_check_pow(hash, bits, net, NULL) == CT_OK)
            break;
        nonce++;
        blk->data[76] = (uint8_t)nonce;
        blk->data[77] = (uint8_t)(nonce >> 8);
        blk->data[78] = (uint8_t)(nonce >> 16);
        blk->data[79] = (uint8_t)(nonce >> 24);
    }
}

void bb_block(bb_buf *blk, uint8_t hash[32], const uint8_t prev[32], uint32_t time,
              const bb_buf *txs, const uint8_t (*txids)[32], size_t n_tx)
{
    uint8_t root[32];
    merkle(root, txids, n_tx);
    blk->len = 0;
    header(blk, hash, prev, root, time, 0x207fffff, 0, 1);
    bb_varint(blk, n_tx);
    bb_bytes(blk, txs->data, txs->len);
}

void bb_record(bb_buf *file, const bb_buf *blk)
{
    static const uint8_t magic[4] = {0xfa, 0xbf, 0xb5, 0xda};
    bb_bytes(file, magic, 4);
    bb_u32(file, (uint32_t)blk->len);
    bb_bytes(file, blk->data, blk->len);
}

void bb_regtest_genesis(bb_buf *blk, uint8_t hash[32])
{
    /* The genesis coinbase shared by every network ("The Times 03/Jan/2009 ..."). */
    static const char cb_hex[] =
        "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04"
        "ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e"
        "206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f205"
        "2a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6"
        "bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";
    size_t n = strlen(cb_hex) / 2;
    uint8_t *cb = malloc(n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        char two[3] = {cb_hex[2 * i], cb_hex[2 * i + 1], 0};
        v = (unsigned)strtoul(two, NULL, 16);
        cb[i] = (uint8_t)v;
    }
    uint8_t txid[32], zero[32] = {0};
    ct_sha256d(txid, cb, n);
    blk->len = 0;
    header(blk, hash, zero, txid, 1296688602, 0x207fffff, 2, 0);
    bb_varint(blk, 1);
    bb_bytes(blk, cb, n);
    free(cb);
}
