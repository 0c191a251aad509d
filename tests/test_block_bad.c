/* The malformed-input suite of the Bitcoin block decoder: one test (or a few) per Bitcoin
 * row B6-B16 of bad-inputs.md (B1-B5 belong to the blk reader), plus the proof-of-work
 * checks. Each rejection is checked for its exact code, Core's reason string, the
 * transaction index, and the block hash in the error.
 *
 * Bad blocks are made two ways: by mutating real mainnet blocks where the mutation keeps
 * the header valid (CVE-2012-2459, trailing and missing bytes, a changed nonce), and with
 * the regtest block builder of blockbuild.h (bits 0x207fffff, merkle root of the txids it
 * wrote, nonce searched until ct_btc_check_pow passes for regtest). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockbuild.h"
#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "testutil.h"
#include "base/util.h"

#define SAT_PER_BTC   100000000ULL
#define REGTEST_BITS  0x207fffffu
#define MAX_SPEC_IN   300
#define MAX_SCRIPT    1000000 /* the longest output script a test asks for */
#define MAX_SCRIPTSIG 128

/* ---- transactions ---- */

/* A transaction under test, described by sizes: each scriptSig is OP_1 then 0xab bytes,
 * each output script OP_1 then 0x6a bytes, witness item k is the one byte k + 1; a test
 * sets script_len and n_wit, and the scripts and items are taken from the fills below. */
typedef struct spec_tx {
    int32_t version;
    uint32_t n_in;
    bb_txin in[MAX_SPEC_IN];
    uint32_t n_out;
    bb_txout out[4];
    uint8_t flag; /* 0: legacy serialization; else marker 00, this flag byte, the witnesses */
    uint32_t locktime;
} spec_tx;

static uint8_t scriptsig_fill[MAX_SCRIPTSIG], script_fill[MAX_SCRIPT];
static const bb_item wit_fill[] = {
    {(const uint8_t *)"\x01", 1}, {(const uint8_t *)"\x02", 1}, {(const uint8_t *)"\x03", 1}};

static void spec_init(spec_tx *t)
{
    memset(t, 0, sizeof(*t));
    t->version = 1;
    for (uint32_t i = 0; i < MAX_SPEC_IN; i++) {
        t->in[i].script = scriptsig_fill;
        t->in[i].wit = wit_fill;
    }
    for (uint32_t i = 0; i < 4; i++)
        t->out[i].script = script_fill;
    if (!script_fill[0]) {
        scriptsig_fill[0] = script_fill[0] = 0x51;
        memset(scriptsig_fill + 1, 0xab, sizeof(scriptsig_fill) - 1);
        memset(script_fill + 1, 0x6a, sizeof(script_fill) - 1);
    }
}

/* A coinbase: null prevout, scriptSig of `script_len` bytes starting with OP_1 (BIP34
 * height 1), one output of 50 BTC. */
static void spec_coinbase(spec_tx *t, uint32_t script_len)
{
    spec_init(t);
    t->n_in = 1;
    t->in[0].vout = 0xffffffffu;
    t->in[0].script_len = script_len;
    t->n_out = 1;
    t->out[0].value = 50 * SAT_PER_BTC;
    t->out[0].script_len = 1;
}

/* A spend of `n_in` distinct outpoints (txid tag, i, i >> 8, vout 0) into `n_out` outputs
 * of 1,000 sat. Different tags give different transactions. */
static void spec_spend(spec_tx *t, uint8_t tag, uint32_t n_in, uint32_t n_out)
{
    cr_assert_leq(n_in, MAX_SPEC_IN);
    cr_assert_leq(n_out, 4);
    spec_init(t);
    t->n_in = n_in;
    for (uint32_t i = 0; i < n_in; i++) {
        t->in[i].txid[0] = tag;
        t->in[i].txid[1] = (uint8_t)i;
        t->in[i].txid[2] = (uint8_t)(i >> 8);
        t->in[i].script_len = 1;
    }
    t->n_out = n_out;
    for (uint32_t i = 0; i < n_out; i++) {
        t->out[i].value = 1000;
        t->out[i].script_len = 1;
    }
}

/* ---- blocks ---- */

/* An empty block on the regtest genesis, at its time. */
static void new_block(bb_block *b)
{
    bb_block_init(b, ct_btc_params_get("regtest")->genesis, 1296688602);
}

static void add_spec(bb_block *b, const spec_tx *t)
{
    for (uint32_t i = 0; i < t->n_in; i++) {
        cr_assert_leq(t->in[i].script_len, MAX_SCRIPTSIG);
        cr_assert_leq(t->in[i].n_wit, sizeof(wit_fill) / sizeof(wit_fill[0]));
    }
    for (uint32_t i = 0; i < t->n_out; i++)
        cr_assert_leq(t->out[i].script_len, MAX_SCRIPT);
    bb_block_add(b,
                 &(bb_txspec){t->version, t->flag, t->in, t->n_in, t->out, t->n_out, t->locktime});
}

/* Adds a hand-written legacy transaction; its txid is the SHA-256d of all its bytes. */
static void add_hex(bb_block *b, const char *hex)
{
    size_t start = b->txs.len;
    bb_hex(&b->txs, hex);
    ct_sha256d(bb_block_next(b), b->txs.data + start, b->txs.len - start);
}

/* The block's bytes in a new buffer. */
static void write_block(const bb_block *b, bb_buf *out)
{
    bb_init(out);
    bb_block_write(out, NULL, b);
}

/* The same with the transaction count written as `count_hex` instead. */
static void write_block_count(const bb_block *b, bb_buf *out, const char *count_hex)
{
    bb_init(out);
    bb_block_header(out, NULL, b);
    bb_hex(out, count_hex);
    bb_bytes(out, b->txs.data, b->txs.len);
}

/* A block of one coinbase (scriptSig of 2 bytes) whose transaction count is written as
 * `count_hex`. */
static void coinbase_block_count(bb_buf *out, const char *count_hex)
{
    bb_block b;
    spec_tx t;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    write_block_count(&b, out, count_hex);
    bb_block_free(&b);
}

/* ---- decoding and expectations ---- */

static const ct_btc_params *regtest(void)
{
    return ct_btc_params_get("regtest");
}

static const ct_btc_params *mainnet(void)
{
    return ct_btc_params_get("mainnet");
}

/* Display hex of the SHA-256d of the first 80 bytes. */
static void header_hash_hex(char out[65], const uint8_t *data)
{
    uint8_t h[32];
    ct_sha256d(h, data, 80);
    ct_hash_to_hex(out, h);
}

/* Decodes `data` on `net` and expects CT_ECORRUPT with `reason` at `tx_index`, the block
 * hash of its header in the error, and the error's own code set. */
static void expect_reject_on(const uint8_t *data, size_t len, const ct_btc_params *net,
                             unsigned flags, const char *reason, int64_t tx_index)
{
    ct_btc_block blk;
    ct_error err;
    ct_btc_block_init(&blk);
    ct_error_clear(&err);
    int rc = ct_btc_block_decode(&blk, data, len, net, flags, &err);
    cr_expect_eq(rc, CT_ECORRUPT, "want %s, got rc %d (%s: %s)", reason, rc, err.reason,
                 err.detail);
    cr_expect_eq(err.code, CT_ECORRUPT);
    cr_expect_str_eq(err.reason, reason, "detail: %s", err.detail);
    cr_expect_eq(err.tx_index, tx_index, "%s: tx_index %lld", reason, (long long)err.tx_index);
    cr_expect_neq(err.detail[0], '\0', "%s without detail", reason);
    if (len >= 80) {
        char hex[65];
        header_hash_hex(hex, data);
        cr_expect_str_eq(err.block_hash, hex, "%s: block hash in the error", reason);
    }
    ct_btc_block_release(&blk);
}

static void expect_reject(const bb_buf *b, const char *reason, int64_t tx_index)
{
    expect_reject_on(b->data, b->len, regtest(), 0, reason, tx_index);
}

/* Decodes a regtest block that must be accepted; the caller releases blk. */
static void expect_accept(ct_btc_block *blk, const bb_buf *b)
{
    ct_error err;
    ct_btc_block_init(blk);
    ct_error_clear(&err);
    int rc = ct_btc_block_decode(blk, b->data, b->len, regtest(), CT_BTC_WTXID, &err);
    cr_assert_eq(rc, CT_OK, "rejected: %s: %s (tx %lld)", err.reason, err.detail,
                 (long long)err.tx_index);
}

static void expect_tx_reject(const char *hex, const char *reason)
{
    bb_buf b;
    ct_btc_block blk;
    ct_error err;
    bb_init(&b);
    bb_hex(&b, hex);
    ct_btc_block_init(&blk);
    ct_error_clear(&err);
    int rc = ct_btc_tx_decode(&blk, b.data, b.len, 0, &err);
    cr_expect_eq(rc, CT_ECORRUPT, "want %s, got %d", reason, rc);
    cr_expect_str_eq(err.reason, reason, "detail: %s", err.detail);
    cr_expect_eq(err.tx_index, 0);
    ct_btc_block_release(&blk);
    bb_free(&b);
}

/* A block of one coinbase and then `hex` as transaction 1. The coinbase's output script is
 * `pad` bytes long, so that short transactions still pass the "at least 60 bytes per
 * transaction" bound. */
static void block_with_tx_hex(bb_buf *out, const char *hex, uint32_t pad)
{
    bb_block b;
    spec_tx cb;
    new_block(&b);
    spec_coinbase(&cb, 2);
    cb.out[0].script_len = pad;
    add_spec(&b, &cb);
    add_hex(&b, hex);
    write_block(&b, out);
    bb_block_free(&b);
}

/* A block of one coinbase and then `t` as transaction 1. */
static void block_with_tx(bb_buf *out, const spec_tx *t)
{
    bb_block b;
    spec_tx cb;
    new_block(&b);
    spec_coinbase(&cb, 2);
    add_spec(&b, &cb);
    add_spec(&b, t);
    write_block(&b, out);
    bb_block_free(&b);
}

/* Expects the block of a coinbase and `t` to be rejected with `reason` at transaction 1. */
static void expect_tx1_reject(const spec_tx *t, const char *reason)
{
    bb_buf blk;
    block_with_tx(&blk, t);
    expect_reject(&blk, reason, 1);
    bb_free(&blk);
}

/* Loads a real mainnet block (bare, no blk framing) into a buffer that may be edited. */
static void load_real(bb_buf *out, const char *rel)
{
    size_t len;
    uint8_t *data = tu_read_fixture(rel, &len);
    bb_init(out);
    bb_bytes(out, data, len);
    free(data);
}

static bool contains(const bb_buf *b, const uint8_t *needle, size_t n)
{
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, needle, n) == 0)
            return true;
    return false;
}

static size_t arena_peak(const ct_btc_block *blk)
{
    return blk->priv_ ? ct_arena_peak((const ct_arena *)blk->priv_) : 0;
}

/* Templates of hand-written transactions (legacy serialization). */
#define HEX_TXID_A  "1111111111111111111111111111111111111111111111111111111111111111"
#define HEX_INPUT_A HEX_TXID_A " 00000000 00 ffffffff"
#define HEX_OUTPUT  "e803000000000000 01 51"

/* ---- the builder itself ---- */

Test(builder, makes_valid_regtest_blocks)
{
    bb_block b;
    spec_tx t;
    bb_buf blk_bytes;
    ct_btc_block blk;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    spec_spend(&t, 1, 2, 2);
    add_spec(&b, &t);
    spec_spend(&t, 2, 1, 1);
    t.flag = 1;
    t.in[0].n_wit = 2;
    add_spec(&b, &t);
    write_block(&b, &blk_bytes);
    expect_accept(&blk, &blk_bytes);
    cr_expect_eq(blk.n_tx, 3);
    for (uint32_t i = 0; i < 3; i++)
        cr_expect_eq(memcmp(blk.tx[i].txid, b.txid[i], 32), 0, "tx %u", i);
    cr_expect(blk.tx[2].segwit);
    cr_expect_eq(ct_btc_check_pow(blk.hash, REGTEST_BITS, regtest(), NULL), CT_OK);
    /* The same block is not valid on mainnet: its target is above mainnet's limit. */
    cr_expect_eq(ct_btc_block_decode(&blk, blk_bytes.data, blk_bytes.len, mainnet(), 0, NULL),
                 CT_ECORRUPT);
    ct_btc_block_release(&blk);
    bb_free(&blk_bytes);
    bb_block_free(&b);
}

/* ---- B6: non-canonical CompactSize ---- */

Test(b6_compact, tx_count_fd_0100)
{
    bb_buf blk;
    coinbase_block_count(&blk, "fd 01 00");
    expect_reject(&blk, "non-canonical-compact-size", -1);
    bb_free(&blk);
}

Test(b6_compact, output_script_length_fd_0000)
{
    /* An empty output script written as FD 00 00, in the coinbase. */
    bb_block b;
    bb_buf blk;
    new_block(&b);
    add_hex(&b, "01000000 01 " /* one input */
                "0000000000000000000000000000000000000000000000000000000000000000 ffffffff "
                "02 5101 ffffffff 01 00f2052a01000000 fd0000 00000000");
    write_block(&b, &blk);
    expect_reject(&blk, "non-canonical-compact-size", 0);
    bb_free(&blk);
    bb_block_free(&b);
}

Test(b6_compact, input_count_fd_0100_in_tx_1)
{
    bb_buf blk;
    block_with_tx_hex(&blk, "01000000 fd0100 " HEX_INPUT_A " 01 " HEX_OUTPUT " 00000000", 1);
    expect_reject(&blk, "non-canonical-compact-size", 1);
    bb_free(&blk);
}

Test(b6_compact, fd_below_253_rejected_fd_253_accepted)
{
    /* 252 (0xfc) must be one byte; 253 is the first value written FD fd 00. */
    bb_buf bad, good;
    char hex[1200];
    int n = snprintf(hex, sizeof(hex), "01000000 01 %s 01 e803000000000000 fdfc00 ", HEX_INPUT_A);
    for (int i = 0; i < 252; i++)
        n += snprintf(hex + n, sizeof(hex) - (size_t)n, "6a");
    snprintf(hex + n, sizeof(hex) - (size_t)n, " 00000000");
    block_with_tx_hex(&bad, hex, 1);
    expect_reject(&bad, "non-canonical-compact-size", 1);

    n = snprintf(hex, sizeof(hex), "01000000 01 %s 01 e803000000000000 fdfd00 ", HEX_INPUT_A);
    for (int i = 0; i < 253; i++)
        n += snprintf(hex + n, sizeof(hex) - (size_t)n, "6a");
    snprintf(hex + n, sizeof(hex) - (size_t)n, " 00000000");
    block_with_tx_hex(&good, hex, 1);
    ct_btc_block blk;
    expect_accept(&blk, &good);
    cr_expect_eq(blk.tx[1].out[0].script_len, 253);
    ct_btc_block_release(&blk);
    bb_free(&bad);
    bb_free(&good);
}

Test(b6_compact, fe_for_a_16_bit_value)
{
    /* 65,535 written FE ff ff 00 00: must have been FD ff ff. */
    bb_buf blk;
    block_with_tx_hex(
        &blk, "01000000 01 " HEX_TXID_A " 00000000 feffff0000 ffffffff 01 " HEX_OUTPUT " 00000000",
        1);
    expect_reject(&blk, "non-canonical-compact-size", 1);
    bb_free(&blk);
}

/* bad-inputs.md cites "FE 00 00 01 00" as non-canonical, but it is 0x00010000 = 65,536,
 * the smallest value that needs the FE form: Core (and chaintrail) accept it. */
Test(b6_compact, fe_00000100_is_canonical)
{
    spec_tx t;
    bb_buf bytes;
    ct_btc_block blk;
    spec_spend(&t, 7, 1, 1);
    t.out[0].script_len = 65536;
    block_with_tx(&bytes, &t);
    static const uint8_t fe[5] = {0xfe, 0x00, 0x00, 0x01, 0x00};
    cr_assert(contains(&bytes, fe, 5), "the builder wrote FE 00 00 01 00");
    expect_accept(&blk, &bytes);
    cr_expect_eq(blk.tx[1].out[0].script_len, 65536);
    ct_btc_block_release(&blk);
    bb_free(&bytes);
}

Test(b6_compact, ff_for_a_32_bit_value)
{
    bb_buf blk;
    block_with_tx_hex(&blk,
                      "01000000 01 " HEX_TXID_A
                      " 00000000 ffffffffff00000000 ffffffff 01 " HEX_OUTPUT " 00000000",
                      1);
    expect_reject(&blk, "non-canonical-compact-size", 1);
    bb_free(&blk);
}

Test(b6_compact, ff_for_one)
{
    bb_buf blk;
    coinbase_block_count(&blk, "ff 0100000000000000");
    expect_reject(&blk, "non-canonical-compact-size", -1);
    bb_free(&blk);
}

Test(b6_compact, witness_item_length_fd_2000)
{
    /* A segwit spend whose one witness item (32 bytes) has its length written FD 20 00. */
    bb_buf blk;
    block_with_tx_hex(&blk,
                      "01000000 0001 01 " HEX_INPUT_A " 01 " HEX_OUTPUT " 01 fd2000 "
                      "2222222222222222222222222222222222222222222222222222222222222222 00000000",
                      1);
    expect_reject(&blk, "non-canonical-compact-size", 1);
    bb_free(&blk);
}

/* ---- B7: oversized CompactSize and counts larger than the data ---- */

Test(b7_counts, compact_size_above_0x02000000)
{
    bb_buf blk;
    ct_btc_block d;
    coinbase_block_count(&blk, "fe 01000002"); /* 0x02000001 */
    expect_reject(&blk, "compact-size-too-large", -1);
    ct_btc_block_init(&d);
    cr_expect_eq(ct_btc_block_decode(&d, blk.data, blk.len, regtest(), 0, NULL), CT_ECORRUPT);
    cr_expect_eq(arena_peak(&d), 0, "nothing allocated for a rejected count");
    ct_btc_block_release(&d);
    bb_free(&blk);
}

Test(b7_counts, tx_count_2_to_the_32)
{
    bb_buf blk;
    coinbase_block_count(&blk, "ff 0000000001000000");
    expect_reject(&blk, "compact-size-too-large", -1);
    bb_free(&blk);
    /* The largest 32-bit count, canonically written. */
    coinbase_block_count(&blk, "fe ffffffff");
    expect_reject(&blk, "compact-size-too-large", -1);
    bb_free(&blk);
}

Test(b7_counts, tx_count_larger_than_the_bytes_left)
{
    bb_buf blk;
    ct_btc_block d;
    /* 1,000,000 transactions pass the weight bound (x4 = 4,000,000) but cannot fit. */
    coinbase_block_count(&blk, "fe 40420f00");
    expect_reject(&blk, "truncated-data", -1);
    ct_btc_block_init(&d);
    cr_expect_eq(ct_btc_block_decode(&d, blk.data, blk.len, regtest(), 0, NULL), CT_ECORRUPT);
    cr_expect_eq(arena_peak(&d), 0, "nothing allocated for a count that cannot fit");
    ct_btc_block_release(&d);
    bb_free(&blk);
}

Test(b7_counts, input_count_larger_than_the_bytes_left)
{
    /* Transaction 1 claims 0x02000000 inputs (the largest CompactSize allowed). */
    bb_buf blk;
    ct_btc_block d;
    block_with_tx_hex(&blk, "01000000 fe00000002 " HEX_INPUT_A " 01 " HEX_OUTPUT " 00000000", 1);
    expect_reject(&blk, "truncated-data", 1);
    ct_btc_block_init(&d);
    cr_expect_eq(ct_btc_block_decode(&d, blk.data, blk.len, regtest(), 0, NULL), CT_ECORRUPT);
    /* One 64 KiB arena chunk for the transaction array, not 2^25 inputs of 48 bytes. */
    cr_expect_leq(arena_peak(&d), 65536, "peak %zu", arena_peak(&d));
    ct_btc_block_release(&d);
    bb_free(&blk);
}

/* The same claim followed by 2,000 real inputs: the count is refused before any input is
 * read, so nothing beyond the first arena chunk is allocated. */
Test(b7_counts, input_count_refused_before_reading_inputs)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    ct_btc_block d;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    bb_hex(&b.txs, "01000000 fe00000002");
    for (int i = 0; i < 2000; i++)
        bb_hex(&b.txs, HEX_INPUT_A);
    bb_block_next(&b); /* its txid does not matter: the block fails before the merkle root */
    write_block(&b, &blk);
    expect_reject(&blk, "truncated-data", 1);
    ct_btc_block_init(&d);
    cr_expect_eq(ct_btc_block_decode(&d, blk.data, blk.len, regtest(), 0, NULL), CT_ECORRUPT);
    cr_expect_leq(arena_peak(&d), 65536, "peak %zu", arena_peak(&d));
    ct_btc_block_release(&d);
    bb_free(&blk);
    bb_block_free(&b);
}

/* A count that the bytes could hold (65,000 x 60 bytes < 3.9 MB) is not allocated up front:
 * the transaction array grows with the transactions parsed, and the first is broken. */
Test(b7_counts, plausible_tx_count_allocated_as_parsed)
{
    bb_block b;
    bb_buf blk;
    ct_btc_block d;
    new_block(&b);
    add_hex(&b, "01000000 01 "
                "0000000000000000000000000000000000000000000000000000000000000000 ffffffff "
                "fd0200 5101 ffffffff 01 00f2052a01000000 01 51 00000000");
    bb_fill(&b.txs, 0, 3900000);
    write_block_count(&b, &blk, "fde8fd");
    expect_reject(&blk, "non-canonical-compact-size", 0);
    ct_btc_block_init(&d);
    cr_expect_eq(ct_btc_block_decode(&d, blk.data, blk.len, regtest(), 0, NULL), CT_ECORRUPT);
    cr_expect_leq(arena_peak(&d), 1u << 20, "peak %zu", arena_peak(&d));
    ct_btc_block_release(&d);
    bb_free(&blk);
    bb_block_free(&b);
}

Test(b7_counts, output_count_and_script_length_larger_than_the_bytes_left)
{
    bb_buf blk;
    block_with_tx_hex(&blk, "01000000 01 " HEX_INPUT_A " fe00000002 " HEX_OUTPUT " 00000000", 1);
    expect_reject(&blk, "truncated-data", 1);
    bb_free(&blk);
    block_with_tx_hex(&blk,
                      "01000000 01 " HEX_INPUT_A " 01 e803000000000000 fe00000002 51 00000000", 1);
    expect_reject(&blk, "truncated-data", 1);
    bb_free(&blk);
}

Test(b7_counts, witness_counts_larger_than_the_bytes_left)
{
    bb_buf blk;
    /* Item count 0x01000000. */
    block_with_tx_hex(
        &blk, "01000000 0001 01 " HEX_INPUT_A " 01 " HEX_OUTPUT " fe00000001 0101 00000000", 1);
    expect_reject(&blk, "truncated-data", 1);
    bb_free(&blk);
    /* Item length 0x01000000. */
    block_with_tx_hex(
        &blk, "01000000 0001 01 " HEX_INPUT_A " 01 " HEX_OUTPUT " 01 fe00000001 01 00000000", 1);
    expect_reject(&blk, "truncated-data", 1);
    bb_free(&blk);
}

/* ---- B8: bad-blk-length ---- */

Test(b8_length, zero_transactions)
{
    bb_buf blk;
    coinbase_block_count(&blk, "00");
    expect_reject(&blk, "bad-blk-length", -1);
    bb_free(&blk);
}

Test(b8_length, tx_count_times_4_above_the_weight_limit)
{
    bb_buf blk;
    coinbase_block_count(&blk, "fe 41420f00"); /* 1,000,001 */
    expect_reject(&blk, "bad-blk-length", -1);
    bb_free(&blk);
}

Test(b8_length, stripped_size_times_4_above_the_weight_limit)
{
    /* Two transactions of ~600 kB each: each is fine alone, the block is not. */
    bb_block b;
    spec_tx t;
    bb_buf blk;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    spec_spend(&t, 1, 1, 1);
    t.out[0].script_len = 600000;
    add_spec(&b, &t);
    spec_spend(&t, 2, 1, 1);
    t.out[0].script_len = 600000;
    add_spec(&b, &t);
    write_block(&b, &blk);
    expect_reject(&blk, "bad-blk-length", -1);
    bb_free(&blk);
    bb_block_free(&b);
}

Test(b8_length, witness_does_not_count_in_the_stripped_size)
{
    /* 1.2 MB of witness: stripped size stays small, the block is accepted. */
    bb_block b;
    spec_tx t;
    bb_buf bytes;
    ct_btc_block blk;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    {
        /* Transaction 1 by hand: marker and flag, one input, one output, one witness item
         * of 1,200,000 bytes (length FE 80 4f 12 00). */
        size_t start = b.txs.len;
        bb_hex(&b.txs, "01000000 0001 01 " HEX_INPUT_A " 01 " HEX_OUTPUT " 01 fe804f1200");
        bb_fill(&b.txs, 0x33, 1200000);
        bb_hex(&b.txs, "00000000");
        /* txid: version, body, locktime. */
        ct_sha256_ctx h;
        ct_sha256_init(&h);
        ct_sha256_update(&h, b.txs.data + start, 4);
        ct_sha256_update(&h, b.txs.data + start + 6, 1 + 41 + 1 + 10);
        ct_sha256_update(&h, b.txs.data + b.txs.len - 4, 4);
        ct_sha256d_final(&h, bb_block_next(&b));
    }
    write_block(&b, &bytes);
    expect_accept(&blk, &bytes);
    cr_expect_eq(blk.size, bytes.len);
    cr_expect_eq(blk.tx[1].stripped_size, 4 + 1 + 41 + 1 + 10 + 4);
    cr_expect_eq(blk.tx[1].size, blk.tx[1].stripped_size + 2 + 1 + 5 + 1200000);
    cr_expect_eq(blk.weight, blk.stripped_size * 3 + blk.size);
    ct_btc_block_release(&blk);
    bb_free(&bytes);
    bb_block_free(&b);
}

Test(b8_length, transaction_over_1_mb_stripped)
{
    /* Core's CheckTransaction: bad-txns-oversize, at the transaction. */
    spec_tx t;
    spec_spend(&t, 1, 1, 1);
    t.out[0].script_len = 1000000;
    expect_tx1_reject(&t, "bad-txns-oversize");
}

/* ---- B9: merkle root ---- */

Test(b9_merkle, mismatch_in_a_real_block)
{
    /* The last byte of block 300025 is the locktime of its last transaction. */
    bb_buf blk;
    load_real(&blk, "btc/raw_blocks/bcoin/block300025.raw");
    blk.data[blk.len - 1] ^= 0x01;
    expect_reject_on(blk.data, blk.len, mainnet(), 0, "bad-txnmrklroot", -1);
    bb_free(&blk);
}

Test(b9_merkle, transactions_out_of_order)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    spec_spend(&t, 1, 1, 1);
    add_spec(&b, &t);
    spec_spend(&t, 2, 1, 1);
    add_spec(&b, &t);
    write_block(&b, &blk);
    /* Swap transactions 1 and 2 (same size) behind the header's back. */
    ct_btc_block d;
    expect_accept(&d, &blk);
    size_t off1 = (size_t)(d.tx[1].raw - blk.data), sz = d.tx[1].size;
    cr_assert_eq(d.tx[2].size, sz);
    uint8_t *tmp = malloc(sz);
    memcpy(tmp, blk.data + off1, sz);
    memmove(blk.data + off1, blk.data + off1 + sz, sz);
    memcpy(blk.data + off1 + sz, tmp, sz);
    free(tmp);
    ct_btc_block_release(&d);
    expect_reject(&blk, "bad-txnmrklroot", -1);
    bb_free(&blk);
    bb_block_free(&b);
}

/* CVE-2012-2459: with an odd count, repeating the last transaction keeps the merkle root.
 * Block 300025 has 461 transactions; the mutated twin has 462 and the same header. */
Test(b9_merkle, cve_2012_2459_last_tx_repeated)
{
    bb_buf real, mutated;
    ct_btc_block blk;
    ct_error err;
    load_real(&real, "btc/raw_blocks/bcoin/block300025.raw");
    ct_btc_block_init(&blk);
    cr_assert_eq(ct_btc_block_decode(&blk, real.data, real.len, mainnet(), 0, NULL), CT_OK);
    cr_assert_eq(blk.n_tx, 461);
    cr_assert_eq(memcmp(real.data + 80, "\xfd\xcd\x01", 3), 0);
    const ct_btc_tx *last = &blk.tx[460];
    bb_init(&mutated);
    bb_bytes(&mutated, real.data, 80);
    bb_hex(&mutated, "fd ce01");
    bb_bytes(&mutated, real.data + 83, real.len - 83);
    bb_bytes(&mutated, last->raw, last->size);
    expect_reject_on(mutated.data, mutated.len, mainnet(), 0, "bad-txns-duplicate", -1);

    /* B9: the hash is not to be blacklisted; its valid twin still decodes, same hash. */
    ct_error_clear(&err);
    cr_assert_eq(ct_btc_block_decode(&blk, mutated.data, mutated.len, mainnet(), 0, &err),
                 CT_ECORRUPT);
    cr_assert_eq(ct_btc_block_decode(&blk, real.data, real.len, mainnet(), 0, NULL), CT_OK);
    char hex[65];
    ct_hash_to_hex(hex, blk.hash);
    cr_expect_str_eq(hex, err.block_hash);
    cr_expect_str_eq(hex, "0000000000000000821c4e0acc40f88bedbce3b73ba2358b5ade58a9022cc78c");
    ct_btc_block_release(&blk);
    bb_free(&real);
    bb_free(&mutated);
}

/* The mutation one level up: block 169482 has 14 transactions, so the second level has 7
 * nodes and its last is paired with itself; repeating transactions 12 and 13 gives 16
 * transactions and the same root. */
Test(b9_merkle, cve_2012_2459_last_pair_repeated)
{
    bb_buf real, mutated;
    ct_btc_block blk;
    load_real(&real, "btc/raw_blocks/bitcoinj/block169482.dat");
    ct_btc_block_init(&blk);
    cr_assert_eq(ct_btc_block_decode(&blk, real.data, real.len, mainnet(), 0, NULL), CT_OK);
    cr_assert_eq(blk.n_tx, 14);
    cr_assert_eq(real.data[80], 14);
    const uint8_t *pair = blk.tx[12].raw;
    size_t pair_len = blk.tx[12].size + blk.tx[13].size;
    bb_init(&mutated);
    bb_bytes(&mutated, real.data, 80);
    bb_hex(&mutated, "10");
    bb_bytes(&mutated, real.data + 81, real.len - 81);
    bb_bytes(&mutated, pair, pair_len);
    expect_reject_on(mutated.data, mutated.len, mainnet(), 0, "bad-txns-duplicate", -1);
    ct_btc_block_release(&blk);
    bb_free(&real);
    bb_free(&mutated);
}

/* ---- B10: duplicate inputs (CVE-2018-17144) ---- */

Test(b10_dup_inputs, three_inputs)
{
    spec_tx t;
    spec_spend(&t, 1, 3, 1);
    t.in[2] = t.in[0];
    expect_tx1_reject(&t, "bad-txns-inputs-duplicate");
}

Test(b10_dup_inputs, eight_inputs_first_and_last)
{
    spec_tx t;
    spec_spend(&t, 1, 8, 1);
    t.in[7] = t.in[0];
    expect_tx1_reject(&t, "bad-txns-inputs-duplicate");
}

Test(b10_dup_inputs, twenty_inputs)
{
    spec_tx t;
    spec_spend(&t, 1, 20, 1);
    t.in[17] = t.in[5];
    expect_tx1_reject(&t, "bad-txns-inputs-duplicate");
}

/* Nine inputs: the smallest count that goes through the decoder's hash set. */
Test(b10_dup_inputs, nine_inputs)
{
    spec_tx t;
    spec_spend(&t, 1, 9, 1);
    t.in[4] = t.in[3];
    expect_tx1_reject(&t, "bad-txns-inputs-duplicate");
}

/* 250 inputs that agree in the first 8 bytes of the txid and in vout, so that they all
 * land in one probe chain of the decoder's hash set; only the last one repeats. */
Test(b10_dup_inputs, colliding_outpoints)
{
    spec_tx t;
    bb_buf blk;
    spec_spend(&t, 1, 250, 1);
    for (uint32_t i = 0; i < 250; i++) {
        memset(t.in[i].txid, 0x5a, 32);
        t.in[i].txid[30] = (uint8_t)i;
        t.in[i].vout = 3;
    }
    block_with_tx(&blk, &t);
    ct_btc_block d;
    expect_accept(&d, &blk);
    cr_expect_eq(d.tx[1].n_in, 250);
    ct_btc_block_release(&d);
    bb_free(&blk);

    t.in[249] = t.in[100];
    expect_tx1_reject(&t, "bad-txns-inputs-duplicate");
}

/* Same txid with different vouts, and same vout with different txids, are different
 * outpoints: accepted in both the small and the hash-set path. */
Test(b10_dup_inputs, near_duplicates_accepted)
{
    for (uint32_t n = 3; n <= 30; n += 27) {
        spec_tx t;
        bb_buf blk;
        ct_btc_block d;
        spec_spend(&t, 1, n, 1);
        for (uint32_t i = 0; i < n; i++) {
            memset(t.in[i].txid, 0x77, 32);
            t.in[i].vout = i; /* same txid, vouts 0..n-1 */
        }
        t.in[n - 1].vout = 0;
        t.in[n - 1].txid[31] = 0x78; /* vout 0 again, other txid */
        block_with_tx(&blk, &t);
        expect_accept(&d, &blk);
        cr_expect_eq(d.tx[1].n_in, n);
        ct_btc_block_release(&d);
        bb_free(&blk);
    }
}

/* ---- B11: output values ---- */

Test(b11_values, negative_output)
{
    spec_tx t;
    spec_spend(&t, 1, 1, 2);
    t.out[1].value = UINT64_MAX; /* -1 */
    expect_tx1_reject(&t, "bad-txns-vout-negative");
    t.out[1].value = 0x8000000000000000ULL; /* INT64_MIN */
    expect_tx1_reject(&t, "bad-txns-vout-negative");
}

Test(b11_values, negative_coinbase_output)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    new_block(&b);
    spec_coinbase(&t, 2);
    t.out[0].value = (uint64_t)-5000000000LL;
    add_spec(&b, &t);
    write_block(&b, &blk);
    expect_reject(&blk, "bad-txns-vout-negative", 0);
    bb_free(&blk);
    bb_block_free(&b);
}

Test(b11_values, output_above_max_money)
{
    spec_tx t;
    spec_spend(&t, 1, 1, 1);
    t.out[0].value = CT_BTC_MAX_MONEY + 1;
    expect_tx1_reject(&t, "bad-txns-vout-toolarge");
}

Test(b11_values, output_of_exactly_max_money_accepted)
{
    spec_tx t;
    bb_buf blk;
    ct_btc_block d;
    spec_spend(&t, 1, 1, 1);
    t.out[0].value = CT_BTC_MAX_MONEY;
    block_with_tx(&blk, &t);
    expect_accept(&d, &blk);
    cr_expect_eq(d.tx[1].out_total, 2100000000000000ULL);
    ct_btc_block_release(&d);
    bb_free(&blk);
}

Test(b11_values, output_total_above_max_money)
{
    /* CVE-2010-5139: each output is in range, the sum is not. */
    spec_tx t;
    spec_spend(&t, 1, 1, 2);
    t.out[0].value = CT_BTC_MAX_MONEY;
    t.out[1].value = 1;
    expect_tx1_reject(&t, "bad-txns-txouttotal-toolarge");
    /* The historical case: two outputs of 92,233,720,368.54277039 BTC each were negative
     * as int64 sums; here each is already above MAX_MONEY. */
    t.out[0].value = 9223372036854277039ULL;
    t.out[1].value = 9223372036854277039ULL;
    expect_tx1_reject(&t, "bad-txns-vout-toolarge");
    /* Four outputs of MAX_MONEY / 2 + 1: the total goes over at the second. */
    spec_spend(&t, 1, 1, 4);
    for (int i = 0; i < 4; i++)
        t.out[i].value = CT_BTC_MAX_MONEY / 2 + 1;
    expect_tx1_reject(&t, "bad-txns-txouttotal-toolarge");
}

/* ---- B12: coinbase rules, null prevouts, empty vin / vout ---- */

Test(b12_coinbase, first_tx_not_coinbase)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    new_block(&b);
    spec_spend(&t, 1, 1, 1);
    add_spec(&b, &t);
    write_block(&b, &blk);
    expect_reject(&blk, "bad-cb-missing", 0);
    bb_free(&blk);
    bb_block_free(&b);
}

Test(b12_coinbase, two_coinbases)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    spec_spend(&t, 1, 1, 1);
    add_spec(&b, &t);
    spec_coinbase(&t, 3);
    add_spec(&b, &t);
    write_block(&b, &blk);
    expect_reject(&blk, "bad-cb-multiple", 2);
    bb_free(&blk);
    bb_block_free(&b);
}

static void coinbase_script_case(uint32_t script_len, bool ok)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    new_block(&b);
    spec_coinbase(&t, script_len);
    add_spec(&b, &t);
    write_block(&b, &blk);
    if (ok) {
        ct_btc_block d;
        expect_accept(&d, &blk);
        cr_expect_eq(d.tx[0].in[0].script_sig_len, script_len);
        ct_btc_block_release(&d);
    } else {
        expect_reject(&blk, "bad-cb-length", 0);
    }
    bb_free(&blk);
    bb_block_free(&b);
}

Test(b12_coinbase, script_length_bounds)
{
    coinbase_script_case(0, false);
    coinbase_script_case(1, false);
    coinbase_script_case(2, true);
    coinbase_script_case(100, true);
    coinbase_script_case(101, false);
}

Test(b12_coinbase, null_prevout_in_a_normal_tx)
{
    spec_tx t;
    spec_spend(&t, 1, 2, 1);
    memset(t.in[1].txid, 0, 32);
    t.in[1].vout = 0xffffffffu;
    expect_tx1_reject(&t, "bad-txns-prevout-null");
    /* A null first input does not make a coinbase when there are two inputs. */
    spec_spend(&t, 1, 2, 1);
    memset(t.in[0].txid, 0, 32);
    t.in[0].vout = 0xffffffffu;
    expect_tx1_reject(&t, "bad-txns-prevout-null");
}

/* Where a block has two faults the first met in byte order is reported: here the first
 * transaction is no coinbase (Core: bad-cb-missing) and has a null input (found first). */
Test(b12_coinbase, first_tx_with_a_null_input_among_two)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    new_block(&b);
    spec_spend(&t, 1, 2, 1);
    memset(t.in[0].txid, 0, 32);
    t.in[0].vout = 0xffffffffu;
    add_spec(&b, &t);
    write_block(&b, &blk);
    expect_reject(&blk, "bad-txns-prevout-null", 0);
    bb_free(&blk);
    bb_block_free(&b);
}

/* A null prevout alone makes a coinbase; half of one (zero txid or index 0xffffffff) is an
 * ordinary outpoint. */
Test(b12_coinbase, half_null_prevouts_accepted)
{
    spec_tx t;
    bb_buf blk;
    ct_btc_block d;
    spec_spend(&t, 1, 2, 1);
    memset(t.in[0].txid, 0, 32);
    t.in[0].vout = 0;
    t.in[1].vout = 0xffffffffu;
    block_with_tx(&blk, &t);
    expect_accept(&d, &blk);
    cr_expect_not(d.tx[1].coinbase);
    ct_btc_block_release(&d);
    bb_free(&blk);
}

Test(b12_coinbase, empty_vin)
{
    /* Core reads 00 as an empty input list, then a flag byte 00: no outputs follow. */
    bb_buf blk;
    block_with_tx_hex(&blk, "01000000 00 00 00000000", 120);
    expect_reject(&blk, "bad-txns-vin-empty", 1);
    bb_free(&blk);
    expect_tx_reject("01000000 00 00 00000000", "bad-txns-vin-empty");
}

Test(b12_coinbase, empty_vout)
{
    bb_buf blk;
    block_with_tx_hex(&blk, "01000000 01 " HEX_INPUT_A " 00 00000000", 120);
    expect_reject(&blk, "bad-txns-vout-empty", 1);
    bb_free(&blk);
    expect_tx_reject("01000000 01 " HEX_INPUT_A " 00 00000000", "bad-txns-vout-empty");
}

/* ---- B13: segwit marker and flag ---- */

Test(b13_segwit, flag_with_all_witnesses_empty)
{
    spec_tx t;
    spec_spend(&t, 1, 3, 1);
    t.flag = 1; /* n_wit stays 0 for every input */
    expect_tx1_reject(&t, "superfluous-witness-record");
}

Test(b13_segwit, one_non_empty_witness_is_enough)
{
    spec_tx t;
    bb_buf blk;
    ct_btc_block d;
    spec_spend(&t, 1, 3, 1);
    t.flag = 1;
    t.in[2].n_wit = 2;
    block_with_tx(&blk, &t);
    expect_accept(&d, &blk);
    const ct_btc_tx *tx = &d.tx[1];
    cr_expect(tx->segwit);
    cr_expect_eq(tx->in[0].witness_items, 0);
    cr_expect_eq(tx->in[2].witness_items, 2);
    cr_expect_eq(tx->in[2].witness_len, 4);
    cr_expect_eq(memcmp(tx->in[2].witness, "\x01\x01\x01\x02", 4), 0);
    /* txid from the stripped serialization, wtxid from all of it. */
    uint8_t w[32];
    ct_sha256d(w, tx->raw, tx->size);
    cr_expect_eq(memcmp(tx->wtxid, w, 32), 0);
    cr_expect_neq(memcmp(tx->txid, w, 32), 0);
    cr_expect_eq(tx->size, tx->stripped_size + 2 + 1 + 1 + 5);
    ct_btc_block_release(&d);
    bb_free(&blk);
}

Test(b13_segwit, unknown_flag_bits)
{
    spec_tx t;
    spec_spend(&t, 1, 1, 1);
    t.flag = 2; /* no witness bit: nothing read after the outputs */
    expect_tx1_reject(&t, "unknown-optional-data");
    t.flag = 3; /* witness bit plus an unknown one, with a real witness */
    t.in[0].n_wit = 1;
    expect_tx1_reject(&t, "unknown-optional-data");
    t.flag = 0x80;
    expect_tx1_reject(&t, "unknown-optional-data");
}

/* Marker, flag 1, then an empty input list again: no input can carry a witness. */
Test(b13_segwit, flag_with_no_inputs)
{
    expect_tx_reject("01000000 0001 00 01 " HEX_OUTPUT " 00000000", "superfluous-witness-record");
}

Test(b13_segwit, fewer_witness_stacks_than_inputs)
{
    /* Two inputs, one witness stack: the locktime is read as the second stack (count 0)
     * and the transaction runs out of bytes. */
    expect_tx_reject("01000000 0001 02 " HEX_INPUT_A " " HEX_TXID_A
                     " 01000000 00 ffffffff 01 " HEX_OUTPUT " 01 0101 00000000",
                     "truncated-data");
}

/* ---- B14: the parse must end exactly at the end ---- */

Test(b14_length, trailing_byte_after_a_real_block)
{
    bb_buf blk;
    load_real(&blk, "btc/raw_blocks/bcoin/block300025.raw");
    bb_hex(&blk, "00");
    expect_reject_on(blk.data, blk.len, mainnet(), 0, "trailing-data", -1);
    bb_free(&blk);
}

Test(b14_length, real_block_one_byte_short)
{
    bb_buf blk;
    load_real(&blk, "btc/raw_blocks/bcoin/block300025.raw");
    expect_reject_on(blk.data, blk.len - 1, mainnet(), 0, "truncated-data", 460);
    bb_free(&blk);
}

Test(b14_length, header_only)
{
    bb_buf blk;
    load_real(&blk, "btc/raw_blocks/bcoin/block300025.raw");
    expect_reject_on(blk.data, 80, mainnet(), 0, "truncated-data", -1);
    bb_free(&blk);
}

Test(b14_length, lone_transaction)
{
    expect_tx_reject("01000000 01 " HEX_INPUT_A " 01 " HEX_OUTPUT " 00000000 00", "trailing-data");
    expect_tx_reject("01000000 01 " HEX_INPUT_A " 01 " HEX_OUTPUT " 000000", "truncated-data");
    expect_tx_reject("", "truncated-data");
}

/* ---- proof of work ---- */

Test(pow, real_block_with_another_nonce)
{
    bb_buf blk;
    load_real(&blk, "btc/raw_blocks/bitcoinj/block169482.dat");
    blk.data[76] ^= 0x01;
    expect_reject_on(blk.data, blk.len, mainnet(), 0, "high-hash", -1);
    /* Without the check the block decodes. */
    ct_btc_block d;
    ct_btc_block_init(&d);
    cr_expect_eq(ct_btc_block_decode(&d, blk.data, blk.len, mainnet(), CT_BTC_NO_POW, NULL), CT_OK);
    cr_expect_eq(d.n_tx, 14);
    ct_btc_block_release(&d);
    bb_free(&blk);
}

Test(pow, regtest_block_above_its_target)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    b.pow = BB_POW_MISS;
    write_block(&b, &blk);
    expect_reject(&blk, "high-hash", -1);
    bb_free(&blk);
    bb_block_free(&b);
}

Test(pow, regtest_block_on_mainnet)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    write_block(&b, &blk);
    expect_reject_on(blk.data, blk.len, mainnet(), 0, "bad-diffbits", -1);
    bb_free(&blk);
    bb_block_free(&b);
}

Test(pow, invalid_compact_targets)
{
    static const uint32_t bad[] = {0x00000000, 0x01003456, 0x04923456, 0xff123456,
                                   0x1d01ffff /* above the mainnet limit */};
    uint8_t zero[32] = {0};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ct_error err;
        ct_error_clear(&err);
        cr_expect_eq(ct_btc_check_pow(zero, bad[i], mainnet(), &err), CT_ECORRUPT, "%08x", bad[i]);
        cr_expect_str_eq(err.reason, "bad-diffbits", "%08x", bad[i]);
    }
}

Test(pow, hash_equal_to_the_target_passes)
{
    /* Target of 0x1d00ffff: 0xffff << 208, i.e. bytes 26..27 (little-endian) are ff ff. */
    uint8_t hash[32] = {0};
    ct_error err;
    hash[26] = 0xff;
    hash[27] = 0xff;
    cr_expect_eq(ct_btc_check_pow(hash, 0x1d00ffff, mainnet(), NULL), CT_OK);
    hash[0] = 0x01; /* target + 1 */
    ct_error_clear(&err);
    cr_expect_eq(ct_btc_check_pow(hash, 0x1d00ffff, mainnet(), &err), CT_ECORRUPT);
    cr_expect_str_eq(err.reason, "high-hash");
}

/* ---- B15: valid oddities ---- */

Test(b15_oddities, negative_transaction_versions)
{
    static const int32_t versions[] = {-1, INT32_MIN, 0, INT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        spec_tx t;
        bb_buf blk;
        ct_btc_block d;
        spec_spend(&t, 1, 1, 1);
        t.version = versions[i];
        block_with_tx(&blk, &t);
        expect_accept(&d, &blk);
        cr_expect_eq(d.tx[1].version, versions[i]);
        ct_btc_block_release(&d);
        bb_free(&blk);
    }
    /* The bytes ff ff ff ff read as -1. */
    bb_buf blk;
    ct_btc_block d;
    block_with_tx_hex(&blk, "ffffffff 01 " HEX_INPUT_A " 01 " HEX_OUTPUT " 00000000", 1);
    expect_accept(&d, &blk);
    cr_expect_eq(d.tx[1].version, -1);
    ct_btc_block_release(&d);
    bb_free(&blk);
}

Test(b15_oddities, zero_value_outputs)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    ct_btc_block d;
    new_block(&b);
    spec_coinbase(&t, 2);
    t.out[0].value = 0;
    add_spec(&b, &t);
    spec_spend(&t, 1, 1, 3);
    t.out[0].value = t.out[1].value = t.out[2].value = 0;
    add_spec(&b, &t);
    write_block(&b, &blk);
    expect_accept(&d, &blk);
    cr_expect_eq(d.tx[0].out_total, 0);
    cr_expect_eq(d.tx[1].n_out, 3);
    cr_expect_eq(d.tx[1].out_total, 0);
    ct_btc_block_release(&d);
    bb_free(&blk);
    bb_block_free(&b);
}

Test(b15_oddities, sixty_four_byte_transaction)
{
    /* 4-byte scriptSig, empty output script: 64 bytes, as long as a merkle node. */
    spec_tx t;
    bb_buf blk;
    ct_btc_block d;
    spec_spend(&t, 1, 1, 1);
    t.in[0].script_len = 4;
    t.out[0].script_len = 0;
    block_with_tx(&blk, &t);
    expect_accept(&d, &blk);
    cr_expect_eq(d.tx[1].size, 64);
    cr_expect_eq(d.tx[1].out[0].script_len, 0);
    uint8_t id[32];
    ct_sha256d(id, d.tx[1].raw, 64);
    cr_expect_eq(memcmp(id, d.tx[1].txid, 32), 0);
    ct_btc_block_release(&d);
    bb_free(&blk);
}

Test(b15_oddities, scripts_are_not_validated)
{
    /* A scriptSig of bytes that are not even opcodes' valid pushes, an output script of
     * OP_RETURN garbage, and an empty scriptSig. */
    bb_buf blk;
    ct_btc_block d;
    block_with_tx_hex(&blk,
                      "01000000 02 " HEX_TXID_A " 00000000 03 4cffff ffffffff " HEX_TXID_A
                      " 01000000 00 00000000 01 0000000000000000 03 6aff4d 00000000",
                      1);
    expect_accept(&d, &blk);
    cr_expect_eq(d.tx[1].in[0].script_sig_len, 3);
    cr_expect_eq(d.tx[1].in[1].script_sig_len, 0);
    cr_expect_eq(d.tx[1].in[1].sequence, 0);
    ct_btc_block_release(&d);
    bb_free(&blk);
}

Test(b15_oddities, version_2_block_without_a_height_in_its_coinbase)
{
    /* BIP34 is a contextual rule: the decoder reports -1 and does not reject. */
    bb_block b;
    bb_buf blk;
    ct_btc_block d;
    new_block(&b);
    b.version = 2;
    add_hex(&b, "01000000 01 "
                "0000000000000000000000000000000000000000000000000000000000000000 ffffffff "
                "02 ab01 ffffffff 01 00f2052a01000000 01 51 00000000");
    write_block(&b, &blk);
    expect_accept(&d, &blk);
    cr_expect_eq(d.bip34_height, -1);
    ct_btc_block_release(&d);
    bb_free(&blk);
    bb_block_free(&b);
}

Test(b15_oddities, bip34_height_encodings)
{
    static const struct {
        const char *script; /* coinbase scriptSig hex */
        int64_t height;
    } v[] = {
        {"0000", 0},                        /* OP_0, then a filler byte */
        {"5100", 1},                        /* OP_1 */
        {"6000", 16},                       /* OP_16 */
        {"0111", 17},                       /* push of one byte */
        {"028000", 128},                    /* 0x80 needs a sign byte */
        {"03fc7903", 227836}, {"0180", -1}, /* a negative number is no height */
        {"03fc79", -1},                     /* push runs past the script */
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        bb_block b;
        bb_buf blk;
        ct_btc_block d;
        char hex[300];
        new_block(&b);
        b.version = 2;
        size_t slen = strlen(v[i].script) / 2;
        const char *script = v[i].script;
        snprintf(hex, sizeof(hex),
                 "01000000 01 0000000000000000000000000000000000000000000000000000000000000000 "
                 "ffffffff %02zx %s ffffffff 01 00f2052a01000000 01 51 00000000",
                 slen, script);
        add_hex(&b, hex);
        write_block(&b, &blk);
        expect_accept(&d, &blk);
        cr_expect_eq(d.bip34_height, v[i].height, "script %s", script);
        ct_btc_block_release(&d);
        bb_free(&blk);
        bb_block_free(&b);
    }
}

/* ---- B16: the same coinbase txid in two blocks ---- */

Test(b16_duplicate_coinbase, two_blocks_one_coinbase_txid)
{
    /* Heights 91842 / 91880 on mainnet (BIP30). The decoder has no state across blocks:
     * both decode; what to do with the repeated txid is the store's business. */
    bb_block b;
    spec_tx t;
    bb_buf x, y;
    ct_btc_block dx, dy;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    write_block(&b, &x);
    b.time += 600;
    memset(b.prev, 0x42, 32);
    write_block(&b, &y);
    expect_accept(&dx, &x);
    expect_accept(&dy, &y);
    cr_expect_neq(memcmp(dx.hash, dy.hash, 32), 0);
    cr_expect_eq(memcmp(dx.tx[0].txid, dy.tx[0].txid, 32), 0);
    cr_expect_eq(dx.tx[0].out_total, 50 * SAT_PER_BTC);
    cr_expect_eq(dy.tx[0].out_total, 50 * SAT_PER_BTC);
    ct_btc_block_release(&dx);
    ct_btc_block_release(&dy);
    bb_free(&x);
    bb_free(&y);
    bb_block_free(&b);
}

/* ---- the error record ---- */

/* A ct_error reused across decodes (as a reader loop does) must describe the last failure
 * only: no transaction index or block hash left over from an earlier one. */
Test(errors, fields_of_an_earlier_failure_do_not_leak)
{
    bb_block b;
    spec_tx t;
    bb_buf two_cb, good;
    ct_btc_block d;
    ct_error err;
    char hex[65];
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    write_block(&b, &good);
    spec_spend(&t, 1, 1, 1);
    add_spec(&b, &t);
    spec_coinbase(&t, 3);
    add_spec(&b, &t);
    write_block(&b, &two_cb);
    ct_btc_block_init(&d);
    ct_error_clear(&err);

    cr_assert_eq(ct_btc_block_decode(&d, two_cb.data, two_cb.len, regtest(), 0, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "bad-cb-multiple");
    cr_assert_eq(err.tx_index, 2);

    /* 79 bytes: no header, so no hash, and no transaction. */
    cr_expect_eq(ct_btc_block_decode(&d, good.data, 79, regtest(), 0, &err), CT_ECORRUPT);
    cr_expect_str_eq(err.reason, "truncated-data");
    cr_expect_eq(err.tx_index, -1);
    cr_expect_str_eq(err.block_hash, "");

    /* Proof of work fails before any transaction is read. */
    cr_assert_eq(ct_btc_block_decode(&d, two_cb.data, two_cb.len, regtest(), 0, &err), CT_ECORRUPT);
    cr_expect_eq(ct_btc_block_decode(&d, good.data, good.len, mainnet(), 0, &err), CT_ECORRUPT);
    cr_expect_str_eq(err.reason, "bad-diffbits");
    cr_expect_eq(err.tx_index, -1);
    header_hash_hex(hex, good.data);
    cr_expect_str_eq(err.block_hash, hex);

    /* A lone transaction belongs to no block. */
    cr_assert_eq(ct_btc_block_decode(&d, two_cb.data, two_cb.len, regtest(), 0, &err), CT_ECORRUPT);
    static const uint8_t empty_vin[10] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    cr_expect_eq(ct_btc_tx_decode(&d, empty_vin, sizeof(empty_vin), 0, &err), CT_ECORRUPT);
    cr_expect_str_eq(err.reason, "bad-txns-vin-empty");
    cr_expect_eq(err.tx_index, 0);
    cr_expect_str_eq(err.block_hash, "");

    /* The fields the caller owns (file, offset, height) are kept. */
    ct_error_set_file(&err, "blk00000.dat");
    err.offset = 1234;
    err.height = 99;
    cr_expect_eq(ct_btc_block_decode(&d, good.data, good.len, mainnet(), 0, &err), CT_ECORRUPT);
    cr_expect_str_eq(err.file, "blk00000.dat");
    cr_expect_eq(err.offset, 1234);
    cr_expect_eq(err.height, 99);

    ct_btc_block_release(&d);
    bb_free(&good);
    bb_free(&two_cb);
    bb_block_free(&b);
}

/* A record over 4,000,000 bytes is refused before it is parsed, but its header is there:
 * the error names the block. */
Test(errors, oversized_block_is_named)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    new_block(&b);
    spec_coinbase(&t, 2);
    add_spec(&b, &t);
    write_block(&b, &blk);
    bb_fill(&blk, 0, CT_BTC_MAX_BLOCK_SERIALIZED + 1 - blk.len);
    cr_assert_eq(blk.len, 4000001);
    expect_reject(&blk, "bad-blk-length", -1);
    bb_free(&blk);
    bb_block_free(&b);
}

/* An empty input may come as a NULL pointer (an empty read): no pointer arithmetic on it.
 * Caught by clang's UBSan ("applying zero offset to null pointer"). */
Test(errors, null_empty_input)
{
    ct_btc_block d;
    ct_error err;
    ct_btc_block_init(&d);
    ct_error_clear(&err);
    cr_expect_eq(ct_btc_block_decode(&d, NULL, 0, regtest(), 0, &err), CT_ECORRUPT);
    cr_expect_str_eq(err.reason, "truncated-data");
    cr_expect_str_eq(err.block_hash, "");
    ct_error_clear(&err);
    cr_expect_eq(ct_btc_tx_decode(&d, NULL, 0, 0, &err), CT_ECORRUPT);
    cr_expect_str_eq(err.reason, "truncated-data");
    ct_btc_block_release(&d);
}

Test(errors, null_error_record_accepted)
{
    bb_block b;
    spec_tx t;
    bb_buf blk;
    ct_btc_block d;
    new_block(&b);
    spec_coinbase(&t, 1);
    add_spec(&b, &t);
    write_block(&b, &blk);
    ct_btc_block_init(&d);
    cr_expect_eq(ct_btc_block_decode(&d, blk.data, blk.len, regtest(), 0, NULL), CT_ECORRUPT);
    cr_expect_eq(ct_btc_block_decode(&d, blk.data, 10, regtest(), 0, NULL), CT_ECORRUPT);
    cr_expect_eq(ct_btc_tx_decode(&d, blk.data, 10, 0, NULL), CT_ECORRUPT);
    ct_btc_block_release(&d);
    bb_free(&blk);
    bb_block_free(&b);
}
