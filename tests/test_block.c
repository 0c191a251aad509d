/* Tests of the Bitcoin block and transaction decoder on real mainnet data: the first 4,313
 * blocks of the chain, every single block under fixtures/btc/raw_blocks, the ~1 MB
 * transaction bb41a757..., BIP34 heights, and the chain-work arithmetic.
 *
 * Expected figures come from fixtures/MANIFEST.md (hashes, transaction counts, heights) or
 * from public chain history (the height-170 payment). Sizes, stripped sizes and the input,
 * output and segwit-transaction counts in the raw block table were computed with a separate
 * Python parser written for this test, not with chaintrail. The wtxids are proved
 * independently through each segwit block's witness commitment. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockbuild.h"
#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "testutil.h"
#include "base/util.h"

#define SAT_PER_BTC 100000000ULL

/* ---- helpers ---- */

typedef struct record {
    const uint8_t *data;
    size_t len;
} record;

/* Splits a blk file (records of magic f9beb4d9, LE32 size, block) into its records.
 * Fails the test on a bad magic or a record that runs past the end. Returns the count. */
static size_t blk_records(record *out, size_t max, const uint8_t *p, size_t len)
{
    static const uint8_t magic[4] = {0xf9, 0xbe, 0xb4, 0xd9};
    size_t n = 0, off = 0;
    while (off < len) {
        cr_assert_geq(len - off, 8, "record header cut at byte %zu", off);
        cr_assert_eq(memcmp(p + off, magic, 4), 0, "no magic at byte %zu", off);
        uint32_t size = ct_le32(p + off + 4);
        cr_assert_leq(size, len - off - 8, "record at byte %zu runs past the end", off);
        cr_assert_lt(n, max, "more than %zu records", max);
        out[n].data = p + off + 8;
        out[n].len = size;
        n++;
        off += 8 + (size_t)size;
    }
    return n;
}

static void expect_hash(const uint8_t hash[32], const char *display_hex, const char *what)
{
    char hex[65];
    ct_hash_to_hex(hex, hash);
    cr_expect_str_eq(hex, display_hex, "%s", what);
}

static void hash_of(uint8_t out[32], const char *display_hex)
{
    cr_assert_eq(ct_hash_from_hex(out, display_hex), CT_OK, "bad hex %s", display_hex);
}

/* BIP141 witness commitment: the last coinbase output whose script starts
 * 6a24aa21a9ed must hold SHA-256d(witness merkle root || witness reserved value), where the
 * witness merkle root is built over the wtxids with the coinbase's replaced by zeros and
 * the reserved value is the single 32-byte item of the coinbase witness.
 * Returns 1 when the commitment is in force and holds, 0 when there is none or the block
 * carries no witness data (481815, mined just before activation, has the output but no
 * witness); fails the test when it is in force and wrong. */
static int check_witness_commitment(const ct_btc_block *blk)
{
    static const uint8_t head[6] = {0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};
    const ct_btc_tx *cb = &blk->tx[0];
    const uint8_t *commitment = NULL;
    for (uint32_t i = 0; i < cb->n_out; i++)
        if (cb->out[i].script_len >= 38 && memcmp(cb->out[i].script, head, 6) == 0)
            commitment = cb->out[i].script + 6;
    if (!commitment || !cb->segwit)
        return 0;

    const ct_btc_txin *in = &cb->in[0];
    cr_assert_eq(in->witness_items, 1, "coinbase witness must hold the reserved value");
    cr_assert_eq(in->witness_len, 33);
    cr_assert_eq(in->witness[0], 32);

    uint8_t(*h)[32] = malloc((size_t)blk->n_tx * 32);
    cr_assert_not_null(h);
    memset(h[0], 0, 32);
    for (uint32_t i = 1; i < blk->n_tx; i++)
        memcpy(h[i], blk->tx[i].wtxid, 32);
    uint8_t root[32], buf[64], expect[32];
    bb_merkle(root, (const uint8_t(*)[32])h, blk->n_tx);
    free(h);
    memcpy(buf, root, 32);
    memcpy(buf + 32, in->witness + 1, 32);
    ct_sha256d(expect, buf, 64);
    cr_assert_eq(memcmp(expect, commitment, 32), 0, "witness commitment does not match wtxids");
    return 1;
}

/* ---- the first 4,313 mainnet blocks ---- */

typedef struct coin {
    uint8_t txid[32];
    uint32_t vout;
    uint32_t height;
    uint64_t value;
    bool spent;
} coin;

Test(block_real, first_4313_mainnet_blocks)
{
    size_t len;
    uint8_t *file = tu_read_fixture("btc/blk_consecutive/jeffchan/blk00000_first1MB.dat", &len);
    cr_assert_eq(len, 1000018);
    record *recs = malloc(5000 * sizeof(*recs));
    cr_assert_not_null(recs);
    size_t n_blocks = blk_records(recs, 5000, file, len);
    cr_assert_eq(n_blocks, 4313);

    const ct_btc_params *main = ct_btc_params_get("mainnet");
    coin *coins = malloc(5000 * sizeof(*coins));
    cr_assert_not_null(coins);
    size_t n_coins = 0;
    uint64_t n_tx = 0, n_noncoinbase = 0, n_inputs = 0, coinbase_total = 0, fees = 0;
    uint8_t prev[32] = {0}, work[32] = {0};
    bool saw_170 = false;
    ct_btc_block blk;
    ct_error err;
    ct_btc_block_init(&blk);

    for (size_t height = 0; height < n_blocks; height++) {
        ct_error_clear(&err);
        int rc = ct_btc_block_decode(&blk, recs[height].data, recs[height].len, main, 0, &err);
        cr_assert_eq(rc, CT_OK, "height %zu: %s: %s", height, err.reason, err.detail);
        cr_assert_eq(memcmp(blk.header.prev_hash, prev, 32), 0, "height %zu not linked", height);
        memcpy(prev, blk.hash, 32);
        cr_assert_eq(blk.header.version, 1);
        cr_assert_eq(blk.bip34_height, -1);
        cr_assert_eq(blk.header.bits, 0x1d00ffff); /* difficulty 1 until height 32,256 */
        cr_assert_eq(blk.size, recs[height].len);
        cr_assert_eq(ct_btc_work_add(work, blk.header.bits), CT_OK);
        n_tx += blk.n_tx;

        for (uint32_t t = 0; t < blk.n_tx; t++) {
            const ct_btc_tx *tx = &blk.tx[t];
            uint64_t sum = 0;
            for (uint32_t o = 0; o < tx->n_out; o++)
                sum += tx->out[o].value;
            cr_assert_eq(tx->out_total, sum);
            cr_assert_eq(tx->coinbase, t == 0);
            if (tx->coinbase) {
                coinbase_total += tx->out_total;
            } else {
                /* Every coin spent this early was created in an earlier block of the file. */
                uint64_t in_total = 0;
                n_noncoinbase++;
                for (uint32_t i = 0; i < tx->n_in; i++) {
                    size_t k = n_coins;
                    while (k > 0 && !(coins[k - 1].vout == tx->in[i].prev_vout &&
                                      memcmp(coins[k - 1].txid, tx->in[i].prev_txid, 32) == 0))
                        k--;
                    cr_assert(k > 0, "height %zu tx %u input %u spends an unknown coin", height, t,
                              i);
                    cr_assert(!coins[k - 1].spent, "height %zu: coin spent twice", height);
                    coins[k - 1].spent = true;
                    in_total += coins[k - 1].value;
                    n_inputs++;
                    if (height == 170 && t == 1 && i == 0) {
                        cr_expect_eq(coins[k - 1].height, 9, "spends the height-9 coinbase");
                        cr_expect_eq(coins[k - 1].value, 50 * SAT_PER_BTC);
                    }
                }
                cr_assert_geq(in_total, tx->out_total, "height %zu: tx creates money", height);
                fees += in_total - tx->out_total;
            }
            for (uint32_t o = 0; o < tx->n_out; o++) {
                cr_assert_lt(n_coins, 5000);
                memcpy(coins[n_coins].txid, tx->txid, 32);
                coins[n_coins].vout = o;
                coins[n_coins].height = (uint32_t)height;
                coins[n_coins].value = tx->out[o].value;
                coins[n_coins].spent = false;
                n_coins++;
            }
        }

        if (height == 0)
            cr_assert_eq(memcmp(blk.hash, main->genesis, 32), 0, "first record is genesis");
        if (height == 170) {
            /* The first payment between people: Satoshi to Hal Finney. */
            uint8_t want[32];
            cr_assert_eq(blk.n_tx, 2);
            const ct_btc_tx *tx = &blk.tx[1];
            expect_hash(tx->txid,
                        "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16",
                        "height 170 tx 1");
            cr_assert_eq(tx->n_in, 1);
            hash_of(want, "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9");
            cr_expect_eq(memcmp(tx->in[0].prev_txid, want, 32), 0);
            cr_expect_eq(tx->in[0].prev_vout, 0);
            cr_assert_eq(tx->n_out, 2);
            cr_expect_eq(tx->out[0].value, 1000000000ULL); /* 10 BTC to Hal */
            cr_expect_eq(tx->out[1].value, 4000000000ULL); /* 40 BTC change */
            saw_170 = true;
        }
        if (height == 9)
            expect_hash(blk.tx[0].txid,
                        "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9",
                        "height 9 coinbase");
    }
    cr_assert(saw_170);
    expect_hash(blk.hash, "00000000a9da635727dce622d78361b153ce3334e6a60d4377fad529abfc7863",
                "last block, height 4312");
    cr_expect_eq(n_tx, 4371);
    cr_expect_eq(n_noncoinbase, 58);
    cr_expect_eq(n_inputs, 247);
    cr_expect_eq(n_coins, 4397);
    /* Not 4,313 x 50 BTC: the coinbases also collected 2.01 BTC of fees (1 BTC each in two
     * transactions and 0.01 BTC in a third, all at height 2817). */
    cr_expect_eq(fees, 201000000ULL);
    cr_expect_eq(coinbase_total, 21565201000000ULL);
    cr_expect_eq(coinbase_total, 4313 * 50 * SAT_PER_BTC + fees);
    /* What is left unspent is exactly the subsidy issued: fees only move coins. */
    uint64_t unspent = 0, n_unspent = 0;
    for (size_t k = 0; k < n_coins; k++)
        if (!coins[k].spent) {
            unspent += coins[k].value;
            n_unspent++;
        }
    cr_expect_eq(unspent, 4313 * 50 * SAT_PER_BTC);
    cr_expect_eq(n_unspent, 4150);
    /* Chain work at height 4312: 4,313 blocks of work 0x100010001 = 0x10d910d910d9. */
    uint8_t want_work[32] = {0};
    ct_put_be64(want_work + 24, 0x10d910d910d9ULL);
    cr_expect_eq(memcmp(work, want_work, 32), 0);

    ct_btc_block_release(&blk);
    free(coins);
    free(recs);
    free(file);
}

/* ---- every single real block in fixtures/btc/raw_blocks ---- */

typedef struct real_block {
    char file[128];       /* under fixtures/btc/raw_blocks/ */
    int framed;           /* 1: blk records (magic + size), 0: the bare block */
    unsigned record;      /* which record of a blk file */
    char hash[65];        /* MANIFEST.md */
    uint32_t n_tx;        /* MANIFEST.md */
    int64_t bip34;        /* MANIFEST.md height; -1 for version 1 blocks */
    uint32_t size;        /* bytes of the block */
    uint32_t stripped;    /* bytes without witness data */
    uint32_t n_in, n_out; /* inputs and outputs of all its transactions */
    uint32_t n_segwit;    /* transactions serialized with a witness */
} real_block;

/* btcd's block540107-....blk is a bare block despite its extension (MANIFEST.md: "raw
 * (renamed: height prefix added)"); the other .blk files are blk records. */
static real_block real_blocks[] = {
    {"bitcoinj/block169482.dat", 0, 0,
     "0000000000000756935f1ee9d5987857b604046f846d3df56d024cdb5f368665", 14, -1, 18678, 18678, 60,
     231, 0},
    {"bitcoinj/block227835.dat", 0, 0,
     "00000000000001aa077d7aa84c532a4d69bdbff519609d1da0835261b7a74eb6", 122, -1, 53899, 53899, 263,
     229, 0},
    {"bitcoinj/block227836.dat", 0, 0,
     "00000000000000d0dfd4c9d588d325dce4f32c1b31b7c0064cba7025a9b9adcc", 100, 227836, 39628, 39628,
     191, 188, 0},
    {"bitcoinj/block363703.dat", 0, 0,
     "0000000000000000011b2a4cb91b63886ffe0d2263fd17ac5a9b902a219e0a14", 587, 363703, 612096,
     612096, 3043, 1418, 0},
    {"bitcoinj/block370661.dat", 0, 0,
     "00000000000000001416a613602d73bbe5c79170fd8f39d509896b829cf9021e", 708, 370661, 381223,
     381223, 2006, 1823, 0},
    {"bitcoinj/block383616.dat", 0, 0,
     "00000000000000000aab6a2b34e979b09ca185584bd1aecf204f24d150ff55e9", 1731, 383616, 749224,
     749224, 3620, 4307, 0},
    {"bitcoinj/block481815.dat", 0, 0,
     "000000000000000000893c019d81f2d48ee33892c12428f3121bbd16ed6db926", 2097, 481815, 998089,
     998089, 4699, 4659, 0},
    {"bitcoinj/block481829.dat", 0, 0,
     "000000000000000000917cba69f69b758fe396c8e30ae97bbcf08c4eb975e726", 2020, 481829, 998318,
     998282, 5247, 5146, 1},
    {"btcd/block277647.blk", 1, 0,
     "0000000000000000054a714e580b16c583701712ab91060e92dbde6eb1e052a8", 213, 277647, 149164,
     149164, 733, 769, 0},
    {"btcd/block540107-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk", 0, 0,
     "00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab", 230, 540107, 2259447,
     577962, 7033, 472, 104},
    {"bcoin/block300025.raw", 0, 0,
     "0000000000000000821c4e0acc40f88bedbce3b73ba2358b5ade58a9022cc78c", 461, 300025, 284231,
     284231, 1428, 1226, 0},
    {"bcoin/block426884.raw", 0, 0,
     "00000000000000000431d0ead6e0bd9f90ff0d469e9b05d51e3d04971f472973", 409, 426884, 996444,
     996444, 6032, 798, 0},
    {"bcoin/block482683.raw", 0, 0,
     "000000000000000000c238240ef6dcb26c37e75e16514e6ffc0aef7eee73e747", 12, 482683, 9288, 8809, 52,
     25, 2},
    {"hadoopcryptoledger/version1.blk", 1, 0,
     "0000000000bef5d742ad3ea3fab0548bf33077a6a91426f37e6ea90bf40205dd", 2, -1, 474, 474, 2, 3, 0},
    {"hadoopcryptoledger/version2.blk", 1, 0,
     "000000000000000007e5cc6f598ac0d10d5c0ae2abacef7373b83914c715636d", 343, 332208, 191190,
     191190, 972, 898, 0},
    {"hadoopcryptoledger/version3.blk", 1, 0,
     "00000000000000000bf52d66c6e96aeb60cf1e3d7a07d7e55defaec9b6458845", 1645, 370505, 932191,
     932191, 4688, 4083, 0},
    {"hadoopcryptoledger/block176149.blk", 1, 0,
     "00000000000007b2a037eaaefc848e0ad8f41667589f7d5a0aca3e78c8003ac0", 109, -1, 48428, 48428, 216,
     279, 0},
    {"hadoopcryptoledger/scriptwitness.blk", 1, 0,
     "0000000000000000007d107138348f11c09530fd6f0a065d0ea30c333005c8e5", 470, 482300, 999275,
     999019, 3652, 1042, 3},
    {"hadoopcryptoledger/scriptwitness2.blk", 1, 0,
     "0000000000000000001f788edab5b60cf396ada8c110d4c32f63c670cd512797", 2191, 482253, 1000031,
     998352, 5102, 5287, 16},
    {"hadoopcryptoledger/scriptwitness2.blk", 1, 1,
     "000000000000000000a114f77a4e02373cebaaa6aef547625f3706b81ce95964", 2508, 482202, 999304,
     998834, 4909, 5345, 4},
};

ParameterizedTestParameters(block_real, raw_blocks)
{
    return cr_make_param_array(real_block, real_blocks,
                               sizeof(real_blocks) / sizeof(real_blocks[0]));
}

ParameterizedTest(real_block *want, block_real, raw_blocks)
{
    char rel[160];
    size_t len;
    snprintf(rel, sizeof(rel), "btc/raw_blocks/%s", want->file);
    uint8_t *file = tu_read_fixture(rel, &len);
    record recs[4];
    size_t n_recs = 1;
    if (want->framed) {
        n_recs = blk_records(recs, 4, file, len);
    } else {
        recs[0].data = file;
        recs[0].len = len;
    }
    cr_assert_lt(want->record, n_recs, "%s", want->file);
    const record *r = &recs[want->record];

    ct_btc_block blk;
    ct_error err;
    ct_btc_block_init(&blk);
    ct_error_clear(&err);
    int rc = ct_btc_block_decode(&blk, r->data, r->len, ct_btc_params_get("mainnet"), CT_BTC_WTXID,
                                 &err);
    cr_assert_eq(rc, CT_OK, "%s: %s: %s", want->file, err.reason, err.detail);
    expect_hash(blk.hash, want->hash, want->file);
    cr_expect_str_eq(err.block_hash, want->hash);
    cr_expect_eq(blk.n_tx, want->n_tx, "%s", want->file);
    cr_expect_eq(blk.bip34_height, want->bip34, "%s", want->file);
    cr_expect_eq(blk.bip34_height == -1, blk.header.version < 2);
    cr_expect_eq(blk.size, want->size);
    cr_expect_eq(blk.stripped_size, want->stripped);
    cr_expect_eq(blk.weight, want->stripped * 3 + want->size);

    /* Transactions tile the block exactly after the header and the count. */
    const uint8_t *p = blk.tx[0].raw;
    cr_expect_eq(p, r->data + 80 + (blk.n_tx < 0xfd ? 1 : 3));
    uint32_t n_in = 0, n_out = 0, n_segwit = 0;
    uint64_t stripped = (uint64_t)(p - r->data);
    for (uint32_t i = 0; i < blk.n_tx; i++) {
        const ct_btc_tx *tx = &blk.tx[i];
        cr_assert_eq(tx->raw, p, "%s tx %u not contiguous", want->file, i);
        p += tx->size;
        stripped += tx->stripped_size;
        n_in += tx->n_in;
        n_out += tx->n_out;
        cr_assert_eq(tx->coinbase, i == 0);
        if (tx->segwit) {
            n_segwit++;
            uint8_t w[32];
            ct_sha256d(w, tx->raw, tx->size);
            cr_assert_eq(memcmp(w, tx->wtxid, 32), 0);
            cr_assert_neq(memcmp(tx->txid, tx->wtxid, 32), 0);
            cr_assert_lt(tx->stripped_size, tx->size);
        } else {
            uint8_t id[32];
            ct_sha256d(id, tx->raw, tx->size);
            cr_assert_eq(memcmp(id, tx->txid, 32), 0);
            cr_assert_eq(memcmp(tx->txid, tx->wtxid, 32), 0);
            cr_assert_eq(tx->stripped_size, tx->size);
        }
    }
    cr_expect_eq(p, r->data + r->len);
    cr_expect_eq(stripped, want->stripped);
    cr_expect_eq(n_in, want->n_in);
    cr_expect_eq(n_out, want->n_out);
    cr_expect_eq(n_segwit, want->n_segwit);
    /* Segwit blocks commit to their wtxids; the commitment proves ours. */
    cr_expect_eq(check_witness_commitment(&blk), want->n_segwit > 0, "%s", want->file);

    ct_btc_block_release(&blk);
    free(file);
}

/* Without CT_BTC_WTXID the wtxids are left zero, and the txids do not change. */
Test(block_real, wtxid_only_on_request)
{
    size_t len;
    uint8_t *data = tu_read_fixture("btc/raw_blocks/bcoin/block482683.raw", &len);
    ct_btc_block a, b;
    static const uint8_t zero[32];
    ct_btc_block_init(&a);
    ct_btc_block_init(&b);
    const ct_btc_params *main = ct_btc_params_get("mainnet");
    cr_assert_eq(ct_btc_block_decode(&a, data, len, main, CT_BTC_WTXID, NULL), CT_OK);
    cr_assert_eq(ct_btc_block_decode(&b, data, len, main, 0, NULL), CT_OK);
    cr_assert_eq(a.n_tx, 12);
    for (uint32_t i = 0; i < a.n_tx; i++) {
        cr_expect_eq(memcmp(a.tx[i].txid, b.tx[i].txid, 32), 0);
        cr_expect_eq(memcmp(b.tx[i].wtxid, zero, 32), 0);
        cr_expect_neq(memcmp(a.tx[i].wtxid, zero, 32), 0);
    }
    ct_btc_block_release(&a);
    ct_btc_block_release(&b);
    free(data);
}

/* One decoder struct reused across blocks of different sizes gives the same answers. */
Test(block_real, reuse_of_one_block_struct)
{
    static const char *const files[] = {"btc/raw_blocks/bitcoinj/block481829.dat",
                                        "btc/raw_blocks/bcoin/block482683.raw",
                                        "btc/raw_blocks/bitcoinj/block481829.dat"};
    static const char *const hashes[] = {
        "000000000000000000917cba69f69b758fe396c8e30ae97bbcf08c4eb975e726",
        "000000000000000000c238240ef6dcb26c37e75e16514e6ffc0aef7eee73e747",
        "000000000000000000917cba69f69b758fe396c8e30ae97bbcf08c4eb975e726"};
    static const uint32_t n_tx[] = {2020, 12, 2020};
    ct_btc_block blk;
    ct_btc_block_init(&blk);
    for (int i = 0; i < 3; i++) {
        size_t len;
        uint8_t *data = tu_read_fixture(files[i], &len);
        cr_assert_eq(
            ct_btc_block_decode(&blk, data, len, ct_btc_params_get("mainnet"), CT_BTC_WTXID, NULL),
            CT_OK);
        expect_hash(blk.hash, hashes[i], files[i]);
        cr_expect_eq(blk.n_tx, n_tx[i]);
        cr_expect_eq(check_witness_commitment(&blk), 1);
        free(data);
    }
    ct_btc_block_release(&blk);
}

/* ---- the ~1 MB transaction ---- */

Test(block_real, megatx)
{
    size_t len;
    uint8_t *data = tu_read_fixture(
        "btc/raw_tx/btcd/"
        "megatx-bb41a757f405890fb0f5856228e23b715702d714d59bf2b1feb70d8b2b4e3e08.bin",
        &len);
    cr_assert_eq(len, 999657);
    ct_btc_block blk;
    ct_error err;
    ct_btc_block_init(&blk);
    ct_error_clear(&err);
    int rc = ct_btc_tx_decode(&blk, data, len, CT_BTC_WTXID, &err);
    cr_assert_eq(rc, CT_OK, "%s: %s", err.reason, err.detail);
    cr_assert_eq(blk.n_tx, 1);
    const ct_btc_tx *tx = &blk.tx[0];
    expect_hash(tx->txid, "bb41a757f405890fb0f5856228e23b715702d714d59bf2b1feb70d8b2b4e3e08",
                "megatx");
    cr_expect_eq(memcmp(tx->wtxid, tx->txid, 32), 0);
    cr_expect_eq(tx->version, 1);
    cr_expect_eq(tx->locktime, 0);
    cr_expect_eq(tx->n_in, 5569);
    cr_expect_eq(tx->n_out, 1);
    cr_expect_eq(tx->out[0].value, 5569000ULL);
    cr_expect_eq(tx->out_total, 5569000ULL);
    cr_expect_eq(tx->size, 999657);
    cr_expect_eq(tx->stripped_size, 999657);
    cr_expect_eq(blk.weight, 4 * 999657);
    cr_expect_not(tx->segwit);
    cr_expect_not(tx->coinbase);
    /* The only output pays P2PKH c825a1ec...; the last input ends right before it. */
    cr_expect_eq(tx->out[0].script_len, 25);
    cr_expect_eq(tx->out[0].script[0], 0x76);
    const ct_btc_txin *last = &tx->in[tx->n_in - 1];
    cr_expect_eq(last->script_sig + last->script_sig_len + 4 + 1 + 8 + 1, tx->out[0].script);
    ct_btc_block_release(&blk);
    free(data);
}

/* ---- BIP34 ---- */

Test(block_real, bip34_height_at_the_version_2_boundary)
{
    size_t la, lb;
    uint8_t *a = tu_read_fixture("btc/raw_blocks/bitcoinj/block227835.dat", &la);
    uint8_t *b = tu_read_fixture("btc/raw_blocks/bitcoinj/block227836.dat", &lb);
    const ct_btc_params *main = ct_btc_params_get("mainnet");
    ct_btc_block x, y;
    ct_btc_block_init(&x);
    ct_btc_block_init(&y);
    cr_assert_eq(ct_btc_block_decode(&x, a, la, main, 0, NULL), CT_OK);
    cr_assert_eq(ct_btc_block_decode(&y, b, lb, main, 0, NULL), CT_OK);
    cr_expect_eq(x.header.version, 1);
    cr_expect_eq(x.bip34_height, -1);
    cr_expect_eq(y.header.version, 2);
    cr_expect_eq(y.bip34_height, 227836);
    /* 227836 is the child of 227835. */
    cr_expect_eq(memcmp(y.header.prev_hash, x.hash, 32), 0);
    /* Its coinbase starts with the push 03 fc 79 03 (227836 little-endian). */
    const ct_btc_txin *in = &y.tx[0].in[0];
    cr_assert_geq(in->script_sig_len, 4);
    cr_expect_eq(memcmp(in->script_sig, "\x03\xfc\x79\x03", 4), 0);
    ct_btc_block_release(&x);
    ct_btc_block_release(&y);
    free(a);
    free(b);
}

/* The BIP34 block each network names (Bitcoin Core's chainparams BIP34Hash, shown in the
 * usual reversed hex): stored in internal order like every hash here. */
Test(block_real, bip34_block_of_each_network)
{
    expect_hash(ct_btc_params_get("mainnet")->bip34_hash,
                "000000000000024b89b42a942fe0d9fea3bb44ab7bd1b19115dd6a759c0808b8", "mainnet");
    expect_hash(ct_btc_params_get("testnet")->bip34_hash,
                "0000000023b3a96d3484e5abb3755c413e7d41500f8e2a5c3f0dd01299cd8ef8", "testnet3");
    static const uint8_t zero[32];
    const char *from_one[] = {"testnet4", "signet", "regtest"};
    for (size_t i = 0; i < 3; i++) {
        const ct_btc_params *p = ct_btc_params_get(from_one[i]);
        cr_expect_eq(p->bip34_height, 1, "%s", from_one[i]);
        cr_expect_eq(memcmp(p->bip34_hash, zero, 32), 0, "%s", from_one[i]);
    }
}

/* ---- chain work ---- */

static void be_u64(uint8_t out[32], uint64_t v)
{
    memset(out, 0, 32);
    ct_put_be64(out + 24, v);
}

Test(work, difficulty_one)
{
    uint8_t w[32] = {0}, want[32];
    cr_assert_eq(ct_btc_work_add(w, 0x1d00ffff), CT_OK);
    be_u64(want, 0x100010001ULL); /* 4,295,032,833 */
    cr_expect_eq(memcmp(w, want, 32), 0);
    cr_assert_eq(ct_btc_work_add(w, 0x1d00ffff), CT_OK);
    be_u64(want, 8590065666ULL);
    cr_expect_eq(memcmp(w, want, 32), 0);
}

/* Values of 2^256 / (target + 1) computed with Python's big integers. */
Test(work, other_targets)
{
    static const struct {
        uint32_t bits;
        uint64_t hi, lo; /* the work as a 128-bit number */
    } v[] = {
        {0x207fffff, 0, 2},                             /* regtest */
        {0x2100ffff, 0, 1},                             /* target above 2^255 */
        {0x1b0404cb, 0, 70040908352512ULL},             /* height ~100,000 */
        {0x1c2a1115, 0, 26137323115ULL},                /* height 50,002 */
        {0x170331db, 0x5021ULL, 0xab2578ee9fc3005eULL}, /* 2018 */
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t w[32] = {0}, want[32] = {0};
        cr_assert_eq(ct_btc_work_add(w, v[i].bits), CT_OK, "bits %08x", v[i].bits);
        ct_put_be64(want + 16, v[i].hi);
        ct_put_be64(want + 24, v[i].lo);
        cr_expect_eq(memcmp(w, want, 32), 0, "bits %08x", v[i].bits);
    }
}

Test(work, invalid_bits_rejected)
{
    static const uint32_t bad[] = {
        0x00000000, /* zero target */
        0x01003456, /* mantissa shifted out: zero */
        0x04923456, /* sign bit: negative */
        0x1d80ffff, /* sign bit with a size of 29 */
        0xff123456, /* overflows 256 bits */
        0x23000100, /* 0x0001 << 256: overflow */
    };
    uint8_t w[32], before[32];
    be_u64(w, 12345);
    memcpy(before, w, 32);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_expect_eq(ct_btc_work_add(w, bad[i]), CT_EINVAL, "bits %08x", bad[i]);
        cr_expect_eq(memcmp(w, before, 32), 0, "accumulator changed by bits %08x", bad[i]);
    }
}

Test(work, accumulator_overflow_rejected)
{
    uint8_t w[32];
    memset(w, 0xff, 32);
    cr_expect_eq(ct_btc_work_add(w, 0x1d00ffff), CT_EINVAL);
}
