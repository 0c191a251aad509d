/* What the fuzz harnesses check after a successful decode.
 *
 * A decoded ct_btc_block is a set of views into the input. The oracle re-serializes every
 * transaction from those views alone and requires the bytes to equal the input, recomputes
 * txid, wtxid, sizes, totals and the merkle root independently, and walks every witness
 * stack. Every byte a view points to is read, so AddressSanitizer reports a view that
 * reaches past the input, and any disagreement aborts with the failed condition (libFuzzer
 * then saves the input). Header-only: each harness is one translation unit.
 */
#ifndef CT_FUZZ_ORACLE_H
#define CT_FUZZ_ORACLE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "base/util.h"

#define ORACLE_REQUIRE(cond)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            oracle_fail(#cond, __LINE__);                                                          \
    } while (0)

static inline void oracle_fail(const char *what, int line)
{
    fprintf(stderr, "oracle.h:%d: decoder invariant failed: %s\n", line, what);
    abort();
}

/* A bounded output buffer for the re-serialization. */
typedef struct obuf {
    uint8_t *p;
    size_t len;
    size_t cap;
} obuf;

static inline void ob_put(obuf *b, const uint8_t *src, size_t n)
{
    ORACLE_REQUIRE(n <= b->cap - b->len);
    if (n) {
        memcpy(b->p + b->len, src, n);
        b->len += n;
    }
}

static inline void ob_le32(obuf *b, uint32_t v)
{
    uint8_t t[4];
    ct_put_le32(t, v);
    ob_put(b, t, 4);
}

static inline void ob_compact(obuf *b, uint64_t v)
{
    uint8_t t[9];
    size_t n;
    if (v < 0xfd) {
        t[0] = (uint8_t)v;
        n = 1;
    } else if (v <= 0xffff) {
        t[0] = 0xfd;
        t[1] = (uint8_t)v;
        t[2] = (uint8_t)(v >> 8);
        n = 3;
    } else if (v <= 0xffffffffu) {
        t[0] = 0xfe;
        ct_put_le32(t + 1, (uint32_t)v);
        n = 5;
    } else {
        t[0] = 0xff;
        ct_put_le64(t + 1, v);
        n = 9;
    }
    ob_put(b, t, n);
}

static inline size_t compact_len(uint64_t v)
{
    return v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

/* Reads a CompactSize from p[0..len) at *pos; false when it does not fit. */
static inline bool read_compact_at(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    if (*pos >= len)
        return false;
    uint8_t first = p[*pos];
    size_t n = first < 0xfd ? 0 : first == 0xfd ? 2 : first == 0xfe ? 4 : 8;
    if (len - *pos < 1 + n)
        return false;
    if (n == 0)
        *out = first;
    else if (n == 2)
        *out = ct_le16(p + *pos + 1);
    else if (n == 4)
        *out = ct_le32(p + *pos + 1);
    else
        *out = ct_le64(p + *pos + 1);
    *pos += 1 + n;
    return true;
}

/* Every item of a witness stack, exactly witness_len bytes. Returns a byte sum. */
static inline uint64_t oracle_witness(const ct_btc_txin *in)
{
    size_t pos = 0;
    uint64_t sum = 0;
    for (uint32_t k = 0; k < in->witness_items; k++) {
        uint64_t n;
        ORACLE_REQUIRE(read_compact_at(in->witness, in->witness_len, &pos, &n));
        ORACLE_REQUIRE(n <= in->witness_len - pos);
        for (uint64_t i = 0; i < n; i++)
            sum += in->witness[pos + i];
        pos += (size_t)n;
    }
    ORACLE_REQUIRE(pos == in->witness_len);
    return sum;
}

static inline bool is_zero32(const uint8_t *p)
{
    for (int i = 0; i < 32; i++)
        if (p[i])
            return false;
    return true;
}

/* Checks one decoded transaction that must lie inside data[0..len). Returns a byte sum of
 * everything it read, for the caller to keep alive. */
static inline uint64_t oracle_tx(const ct_btc_tx *tx, const uint8_t *data, size_t len,
                                 unsigned flags)
{
    ORACLE_REQUIRE(tx->raw >= data && tx->size <= len &&
                   tx->raw - data <= (ptrdiff_t)(len - tx->size));
    ORACLE_REQUIRE(tx->n_in >= 1 && tx->n_out >= 1);
    ORACLE_REQUIRE(tx->stripped_size <= tx->size);
    ORACLE_REQUIRE(tx->segwit == (tx->stripped_size < tx->size));

    uint8_t *fullmem = malloc(tx->size ? tx->size : 1);
    uint8_t *strippedmem = malloc(tx->size ? tx->size : 1);
    ORACLE_REQUIRE(fullmem && strippedmem);
    obuf full = {fullmem, 0, tx->size};
    obuf stripped = {strippedmem, 0, tx->size};
    uint64_t sum = 0, total = 0;
    bool any_witness = false;

    ob_le32(&full, (uint32_t)tx->version);
    ob_le32(&stripped, (uint32_t)tx->version);
    if (tx->segwit) {
        static const uint8_t marker_flag[2] = {0x00, 0x01};
        ob_put(&full, marker_flag, 2);
    }
    ob_compact(&full, tx->n_in);
    ob_compact(&stripped, tx->n_in);
    for (uint32_t i = 0; i < tx->n_in; i++) {
        const ct_btc_txin *in = &tx->in[i];
        obuf *dst[2] = {&full, &stripped};
        for (int d = 0; d < 2; d++) {
            ob_put(dst[d], in->prev_txid, 32);
            ob_le32(dst[d], in->prev_vout);
            ob_compact(dst[d], in->script_sig_len);
            ob_put(dst[d], in->script_sig, in->script_sig_len);
            ob_le32(dst[d], in->sequence);
        }
        if (tx->segwit) {
            sum += oracle_witness(in);
            any_witness |= in->witness_items > 0;
        } else {
            ORACLE_REQUIRE(in->witness_items == 0 && in->witness_len == 0);
        }
    }
    ob_compact(&full, tx->n_out);
    ob_compact(&stripped, tx->n_out);
    for (uint32_t i = 0; i < tx->n_out; i++) {
        const ct_btc_txout *out = &tx->out[i];
        ORACLE_REQUIRE(out->value <= CT_BTC_MAX_MONEY);
        total += out->value;
        uint8_t v[8];
        ct_put_le64(v, out->value);
        obuf *dst[2] = {&full, &stripped};
        for (int d = 0; d < 2; d++) {
            ob_put(dst[d], v, 8);
            ob_compact(dst[d], out->script_len);
            ob_put(dst[d], out->script, out->script_len);
        }
    }
    if (tx->segwit) {
        ORACLE_REQUIRE(any_witness);
        for (uint32_t i = 0; i < tx->n_in; i++) {
            ob_compact(&full, tx->in[i].witness_items);
            ob_put(&full, tx->in[i].witness, tx->in[i].witness_len);
        }
    }
    ob_le32(&full, tx->locktime);
    ob_le32(&stripped, tx->locktime);

    ORACLE_REQUIRE(total == tx->out_total && total <= CT_BTC_MAX_MONEY);
    ORACLE_REQUIRE(full.len == tx->size);
    ORACLE_REQUIRE(memcmp(full.p, tx->raw, tx->size) == 0);
    ORACLE_REQUIRE(stripped.len == tx->stripped_size);

    uint8_t h[32];
    ct_sha256d(h, stripped.p, stripped.len);
    ORACLE_REQUIRE(memcmp(h, tx->txid, 32) == 0);
    if (flags & CT_BTC_WTXID) {
        ct_sha256d(h, full.p, full.len);
        ORACLE_REQUIRE(memcmp(h, tx->wtxid, 32) == 0);
    } else {
        ORACLE_REQUIRE(is_zero32(tx->wtxid));
    }

    bool null_prevout = tx->in[0].prev_vout == 0xffffffffu && is_zero32(tx->in[0].prev_txid);
    ORACLE_REQUIRE(tx->coinbase == (tx->n_in == 1 && null_prevout));
    for (size_t i = 0; i < full.len; i++)
        sum += full.p[i];
    free(fullmem);
    free(strippedmem);
    return sum;
}

/* Merkle root of the txids, written independently of the decoder (recursive halves). */
static inline void oracle_merkle(uint8_t out[32], const ct_btc_tx *tx, uint32_t lo, uint32_t width,
                                 uint32_t n)
{
    /* The node covering leaves [lo, lo + width); leaves past n repeat the last real node. */
    if (width == 1) {
        memcpy(out, tx[lo].txid, 32);
        return;
    }
    uint8_t left[32], right[32];
    uint32_t half = width / 2;
    oracle_merkle(left, tx, lo, half, n);
    if (lo + half < n)
        oracle_merkle(right, tx, lo + half, half, n);
    else
        memcpy(right, left, 32);
    ct_sha256d_pair(out, left, right);
}

/* Checks a decoded block against its input data[0..len). Returns a byte sum. */
static inline uint64_t oracle_block(const ct_btc_block *blk, const uint8_t *data, size_t len,
                                    unsigned flags)
{
    ORACLE_REQUIRE(len >= CT_BTC_HEADER_SIZE && blk->size == len && blk->n_tx >= 1);
    const ct_btc_header *h = &blk->header;
    ORACLE_REQUIRE((uint32_t)h->version == ct_le32(data));
    ORACLE_REQUIRE(memcmp(h->prev_hash, data + 4, 32) == 0);
    ORACLE_REQUIRE(memcmp(h->merkle_root, data + 36, 32) == 0);
    ORACLE_REQUIRE(h->time == ct_le32(data + 68) && h->bits == ct_le32(data + 72) &&
                   h->nonce == ct_le32(data + 76));
    uint8_t hash[32];
    ct_sha256d(hash, data, CT_BTC_HEADER_SIZE);
    ORACLE_REQUIRE(memcmp(hash, blk->hash, 32) == 0);

    /* Transactions tile the block exactly after the header and the count. */
    const uint8_t *next = data + CT_BTC_HEADER_SIZE + compact_len(blk->n_tx);
    uint64_t stripped = CT_BTC_HEADER_SIZE + compact_len(blk->n_tx);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < blk->n_tx; i++) {
        const ct_btc_tx *tx = &blk->tx[i];
        ORACLE_REQUIRE(tx->raw == next);
        sum += oracle_tx(tx, data, len, flags);
        ORACLE_REQUIRE(tx->coinbase == (i == 0));
        next += tx->size;
        stripped += tx->stripped_size;
    }
    ORACLE_REQUIRE(next == data + len);
    ORACLE_REQUIRE(blk->stripped_size == stripped);
    ORACLE_REQUIRE(stripped * 4 <= CT_BTC_MAX_BLOCK_WEIGHT);
    ORACLE_REQUIRE(blk->weight == stripped * 3 + len);

    uint32_t width = 1;
    while (width < blk->n_tx)
        width *= 2;
    uint8_t root[32];
    oracle_merkle(root, blk->tx, 0, width, blk->n_tx);
    ORACLE_REQUIRE(memcmp(root, h->merkle_root, 32) == 0);
    ORACLE_REQUIRE(blk->bip34_height >= -1);
    if (h->version < 2)
        ORACLE_REQUIRE(blk->bip34_height == -1);
    return sum;
}

/* A failed decode must say why. */
static inline void oracle_error(int rc, const ct_error *err)
{
    ORACLE_REQUIRE(rc == CT_ECORRUPT || rc == CT_ENOMEM);
    ORACLE_REQUIRE(err->code == rc && err->reason[0] != '\0');
    char line[1024];
    (void)ct_error_format(err, line, sizeof(line));
}

#endif
