/* Hand-made transactions and regtest blocks for tests; see blockbuild.h. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "blockbuild.h"
#include "chaintrail/chaintrail.h"
#include "base/hash.h"
#include "base/util.h"

#define REGTEST_BITS 0x207fffffu
#define MAX_TRIES    1000 /* nonces tried; each meets regtest's target with odds of 1/2 */

/* ---- bytes ---- */

void bb_init(bb_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void bb_free(bb_buf *b)
{
    free(b->data);
    bb_init(b);
}

static void reserve(bb_buf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    b->cap = (b->len + n) * 2 + 64;
    b->data = realloc(b->data, b->cap);
    if (!b->data)
        abort();
}

void bb_bytes(bb_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void bb_fill(bb_buf *b, uint8_t byte, size_t n)
{
    if (n == 0)
        return;
    reserve(b, n);
    memset(b->data + b->len, byte, n);
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
    } else if (v <= 0xffffffffu) {
        c = 0xfe;
        bb_bytes(b, &c, 1);
        bb_u32(b, (uint32_t)v);
    } else {
        c = 0xff;
        bb_bytes(b, &c, 1);
        bb_u64(b, v);
    }
}

void bb_hex(bb_buf *b, const char *hex)
{
    for (const char *s = hex; *s;) {
        if (*s == ' ') {
            s++;
            continue;
        }
        uint8_t byte;
        cr_assert_eq(ct_hex_decode(&byte, s, 1), CT_OK, "bad hex at '%s'", s);
        bb_bytes(b, &byte, 1);
        s += 2;
    }
}

/* ---- transactions ---- */

void bb_tx_write(bb_buf *out, uint8_t txid[32], const bb_txspec *t)
{
    size_t start = out->len, body, body_end;
    bb_u32(out, (uint32_t)t->version);
    if (t->flag) {
        uint8_t mf[2] = {0x00, t->flag};
        bb_bytes(out, mf, 2);
    }
    body = out->len;
    bb_varint(out, t->n_in);
    for (size_t i = 0; i < t->n_in; i++) {
        bb_bytes(out, t->in[i].txid, 32);
        bb_u32(out, t->in[i].vout);
        bb_varint(out, t->in[i].script_len);
        bb_bytes(out, t->in[i].script, t->in[i].script_len);
        bb_u32(out, 0xffffffffu);
    }
    bb_varint(out, t->n_out);
    for (size_t i = 0; i < t->n_out; i++) {
        bb_u64(out, t->out[i].value);
        bb_varint(out, t->out[i].script_len);
        bb_bytes(out, t->out[i].script, t->out[i].script_len);
    }
    body_end = out->len;
    if (t->flag)
        for (size_t i = 0; i < t->n_in; i++) {
            bb_varint(out, t->in[i].n_wit);
            for (size_t k = 0; k < t->in[i].n_wit; k++) {
                bb_varint(out, t->in[i].wit[k].len);
                bb_bytes(out, t->in[i].wit[k].data, t->in[i].wit[k].len);
            }
        }
    bb_u32(out, t->locktime);

    ct_sha256_ctx h;
    ct_sha256_init(&h);
    ct_sha256_update(&h, out->data + start, 4);
    ct_sha256_update(&h, out->data + body, body_end - body);
    ct_sha256_update(&h, out->data + out->len - 4, 4);
    ct_sha256d_final(&h, txid);
}

void bb_p2pkh(uint8_t script[BB_P2PKH_LEN], uint8_t owner)
{
    memset(script, 0, BB_P2PKH_LEN);
    script[0] = 0x76; /* OP_DUP OP_HASH160, push 20 */
    script[1] = 0xa9;
    script[2] = 0x14;
    script[3] = owner;
    script[23] = 0x88; /* OP_EQUALVERIFY OP_CHECKSIG */
    script[24] = 0xac;
}

/* ---- blocks ---- */

void bb_block_init(bb_block *b, const uint8_t prev[32], uint32_t time)
{
    memset(b, 0, sizeof(*b));
    b->version = 1;
    memcpy(b->prev, prev, 32);
    b->time = time;
    b->bits = REGTEST_BITS;
    b->pow = BB_POW_MEET;
}

void bb_block_free(bb_block *b)
{
    bb_free(&b->txs);
    free(b->txid);
    memset(b, 0, sizeof(*b));
}

uint8_t *bb_block_next(bb_block *b)
{
    if (b->n_tx == b->cap_tx) {
        b->cap_tx = b->cap_tx * 2 + 8;
        b->txid = realloc(b->txid, b->cap_tx * 32);
        if (!b->txid)
            abort();
    }
    memset(b->txid[b->n_tx], 0, 32);
    return b->txid[b->n_tx++];
}

void bb_block_add(bb_block *b, const bb_txspec *t)
{
    uint8_t *txid = bb_block_next(b);
    bb_tx_write(&b->txs, txid, t);
}

/* The one-input, one-output P2PKH transaction of bb_coinbase and bb_spend. */
static void add_1_1(bb_block *b, uint8_t txid[32], const bb_txin *in, uint64_t value, uint8_t owner)
{
    uint8_t script[BB_P2PKH_LEN];
    bb_p2pkh(script, owner);
    bb_txout o = {value, script, sizeof(script)};
    bb_block_add(b, &(bb_txspec){.version = 1, .in = in, .n_in = 1, .out = &o, .n_out = 1});
    if (txid)
        memcpy(txid, b->txid[b->n_tx - 1], 32);
}

void bb_coinbase(bb_block *b, uint8_t txid[32], const uint8_t *sig, size_t sig_len, uint64_t value,
                 uint8_t owner)
{
    bb_txin in = {.vout = 0xffffffffu, .script = sig, .script_len = sig_len};
    add_1_1(b, txid, &in, value, owner);
}

void bb_spend(bb_block *b, uint8_t txid[32], const uint8_t prev[32], uint32_t vout, uint64_t value,
              uint8_t owner)
{
    static const uint8_t op_true = 0x51;
    bb_txin in = {.vout = vout, .script = &op_true, .script_len = 1};
    memcpy(in.txid, prev, 32);
    add_1_1(b, txid, &in, value, owner);
}

void bb_merkle(uint8_t root[32], const uint8_t (*leaves)[32], size_t n)
{
    cr_assert_geq(n, 1);
    uint8_t(*h)[32] = malloc((n + 1) * 32);
    if (!h)
        abort();
    memcpy(h, leaves, n * 32);
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

void bb_block_header(bb_buf *out, uint8_t hash[32], const bb_block *b)
{
    const ct_btc_params *regtest = ct_btc_params_get("regtest");
    uint8_t hdr[80], root[32] = {0}, h[32];
    if (b->n_tx)
        bb_merkle(root, (const uint8_t(*)[32])b->txid, b->n_tx);
    ct_put_le32(hdr, (uint32_t)b->version);
    memcpy(hdr + 4, b->prev, 32);
    memcpy(hdr + 36, root, 32);
    ct_put_le32(hdr + 68, b->time);
    ct_put_le32(hdr + 72, b->bits);
    for (uint32_t i = 0;; i++) {
        cr_assert_lt(i, MAX_TRIES, "no nonce found");
        ct_put_le32(hdr + 76, b->nonce + i);
        ct_sha256d(h, hdr, 80);
        if (b->pow == BB_POW_ASIS)
            break;
        bool meets = ct_btc_check_pow(h, b->bits, regtest, NULL) == CT_OK;
        if (meets == (b->pow == BB_POW_MEET))
            break;
    }
    bb_bytes(out, hdr, 80);
    if (hash)
        memcpy(hash, h, 32);
}

void bb_block_write(bb_buf *out, uint8_t hash[32], const bb_block *b)
{
    bb_block_header(out, hash, b);
    bb_varint(out, b->n_tx);
    bb_bytes(out, b->txs.data, b->txs.len);
}

void bb_block_record(bb_buf *file, uint8_t hash[32], const bb_block *b)
{
    bb_bytes(file, ct_btc_params_get("regtest")->magic, 4);
    size_t size_at = file->len;
    bb_u32(file, 0);
    bb_block_write(file, hash, b);
    ct_put_le32(file->data + size_at, (uint32_t)(file->len - size_at - 4));
}

void bb_regtest_genesis(bb_buf *file, uint8_t hash[32])
{
    /* The genesis coinbase shared by every network ("The Times 03/Jan/2009 ..."). */
    static const char cb_hex[] =
        "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04"
        "ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e"
        "206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f205"
        "2a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6"
        "bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";
    static const uint8_t zero[32];
    uint8_t h[32];
    bb_block g;
    bb_block_init(&g, zero, 1296688602);
    g.nonce = 2;
    g.pow = BB_POW_ASIS;
    bb_hex(&g.txs, cb_hex);
    ct_sha256d(bb_block_next(&g), g.txs.data, g.txs.len);
    bb_block_record(file, h, &g);
    bb_block_free(&g);
    cr_assert_eq(memcmp(h, ct_btc_params_get("regtest")->genesis, 32), 0);
    if (hash)
        memcpy(hash, h, 32);
}

void bb_height_block(bb_buf *file, uint8_t hash[32], uint8_t cb_txid[32], const uint8_t prev[32],
                     uint32_t height, uint32_t time, uint8_t owner, const uint8_t spend[32],
                     uint64_t spend_value, uint8_t to)
{
    const uint8_t sig[6] = {0x04,
                            (uint8_t)height,
                            (uint8_t)(height >> 8),
                            (uint8_t)(height >> 16),
                            (uint8_t)(height >> 24),
                            0x51};
    bb_block b;
    bb_block_init(&b, prev, time);
    bb_coinbase(&b, cb_txid, sig, sizeof(sig), 5000000000ULL, owner);
    if (spend)
        bb_spend(&b, NULL, spend, 0, spend_value, to);
    bb_block_record(file, hash, &b);
    bb_block_free(&b);
}
