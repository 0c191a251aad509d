/* Ingest on small regtest chains built here with blockbuild.h (regtest's proof-of-work
 * limit lets a test mine blocks in a few tries): validity rules the real fixtures never
 * break. Each database is then checked with ct_graph_verify. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockbuild.h"
#include "chaintrail/chaintrail.h"
#include "testutil.h"

/* Appends the blk record of `b` to `file`, writes its hash and frees `b`. */
static void add_block(bb_buf *file, uint8_t hash[32], bb_block *b)
{
    bb_block_record(file, hash, b);
    bb_block_free(b);
}

/* Starts `file` (initialized here) with the regtest genesis and block 1 on it, whose coinbase
 * (scriptSig 01 01) pays 50 BTC to owner 0x11; writes both hashes and, when asked, the
 * coinbase's txid. Every chain of this file begins so. */
static void start_chain(bb_buf *file, uint8_t g[32], uint8_t h1[32], uint8_t cb1[32])
{
    static const uint8_t sig1[] = {0x01, 0x01};
    bb_block k;
    bb_init(file);
    bb_regtest_genesis(file, g);
    bb_block_init(&k, g, 1296688700u);
    bb_coinbase(&k, cb1, sig1, sizeof(sig1), 5000000000ull, 0x11);
    add_block(file, h1, &k);
}

typedef struct ingest_result {
    int rc;
    ct_ingest_stats st;
    char last_reason[CT_ERROR_REASON_MAX];
} ingest_result;

static void note(void *ctx, const ct_error *err)
{
    ingest_result *r = ctx;
    snprintf(r->last_reason, sizeof(r->last_reason), "%s", err->reason);
}

static ingest_result ingest_regtest(const char *dir, const bb_buf *file)
{
    char path[600];
    ingest_result res;
    memset(&res, 0, sizeof(res));
    int n = snprintf(path, sizeof(path), "%s.blk", dir);
    cr_assert(n > 0 && (size_t)n < sizeof(path));
    cr_assert_eq(tu_write_file(path, file->data, file->len), 0);
    ct_db *db = tu_db_open(dir, true);
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    o.net = ct_btc_params_get("regtest");
    o.report = note;
    o.ctx = &res;
    const char *paths[] = {path};
    res.rc = ct_ingest_bitcoin(db, &res.st, paths, 1, &o, NULL);
    ct_graph_verify_report rep;
    int vrc = ct_graph_verify(db, &rep, NULL);
    cr_assert_eq(vrc, CT_OK, "verify: %llu violations, first: %s",
                 (unsigned long long)rep.violations, rep.n_listed ? rep.listed[0].detail : "");
    ct_db_close(db);
    return res;
}

/* Two transactions of one block spend the same output of an earlier block: the block is
 * invalid (Core: bad-txns-inputs-missingorspent) and must leave the database untouched. */
Test(ingest_rules, double_spend_across_transactions_of_one_block_is_rejected)
{
    bb_buf file;
    bb_block k;
    uint8_t g[32], h1[32], h2[32], cb1[32];
    const uint8_t sig2[] = {0x01, 0x02};
    start_chain(&file, g, h1, cb1);
    bb_block_init(&k, h1, 1296688800u);
    bb_coinbase(&k, NULL, sig2, sizeof(sig2), 5000000000ull, 0x22);
    bb_spend(&k, NULL, cb1, 0, 1000000000ull, 0x33);
    bb_spend(&k, NULL, cb1, 0, 2000000000ull, 0x44);
    add_block(&file, h2, &k);

    char *tmp = tu_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/db", tmp);
    ingest_result r = ingest_regtest(dir, &file);
    cr_assert_eq(r.rc, CT_OK);
    cr_assert_eq(r.st.blocks_read, 3);
    cr_assert_eq(r.st.blocks_connected, 2);
    cr_assert_eq(r.st.blocks_rejected, 1);
    cr_assert_eq(r.st.height, 1);
    cr_assert_str_eq(r.last_reason, "bad-txns-inputs-missingorspent");

    ct_graph_chain_stats s;
    ct_db *db = tu_db_open(dir, false);
    cr_assert_eq(ct_graph_stats(db, &s, NULL), CT_OK);
    cr_assert_eq(s.txs, 2);
    cr_assert_eq(s.unspent_outputs, 2);
    cr_assert_eq(s.unspent_value, 10000000000ull);
    ct_graph_block b;
    cr_assert_eq(ct_graph_block_by_hash(db, &b, h2, NULL), CT_OK);
    cr_assert_eq(b.status, CT_GRAPH_BLOCK_INVALID);
    ct_db_close(db);
    bb_free(&file);
    tu_rmtree(tmp);
    free(tmp);
}

/* The same spends in two blocks: the first is accepted, the second block is invalid. */
Test(ingest_rules, double_spend_across_blocks_is_rejected)
{
    bb_buf file;
    bb_block k;
    uint8_t g[32], h1[32], h2[32], h3[32], cb1[32];
    const uint8_t sig2[] = {0x01, 0x02}, sig3[] = {0x01, 0x03};
    start_chain(&file, g, h1, cb1);
    bb_block_init(&k, h1, 1296688800u);
    bb_coinbase(&k, NULL, sig2, sizeof(sig2), 5000000000ull, 0x22);
    bb_spend(&k, NULL, cb1, 0, 1000000000ull, 0x33);
    add_block(&file, h2, &k);
    bb_block_init(&k, h2, 1296688900u);
    bb_coinbase(&k, NULL, sig3, sizeof(sig3), 5000000000ull, 0x22);
    bb_spend(&k, NULL, cb1, 0, 2000000000ull, 0x44);
    add_block(&file, h3, &k);

    char *tmp = tu_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/db", tmp);
    ingest_result r = ingest_regtest(dir, &file);
    cr_assert_eq(r.rc, CT_OK);
    cr_assert_eq(r.st.blocks_connected, 3);
    cr_assert_eq(r.st.blocks_rejected, 1);
    cr_assert_eq(r.st.height, 2);
    cr_assert_str_eq(r.last_reason, "bad-txns-inputs-missingorspent");
    bb_free(&file);
    tu_rmtree(tmp);
    free(tmp);
}

/* Blocks of the header tree other than the main chain, as ct_graph_block_by_hash shows
 * them: a side branch with less work, and an orphan whose parent was never seen. */
Test(ingest_rules, side_and_orphan_blocks_in_the_graph_api)
{
    bb_buf file;
    bb_block k;
    uint8_t g[32], a1[32], a2[32], b1[32], o1[32], nowhere[32];
    const uint8_t s2[] = {0x01, 0x02}, s3[] = {0x01, 0x03}, s4[] = {0x01, 0x04};
    start_chain(&file, g, a1, NULL);
    bb_block_init(&k, a1, 1296688800u);
    bb_coinbase(&k, NULL, s2, sizeof(s2), 5000000000ull, 0x11);
    add_block(&file, a2, &k);
    bb_block_init(&k, g, 1296688750u);
    bb_coinbase(&k, NULL, s3, sizeof(s3), 5000000000ull, 0x22);
    add_block(&file, b1, &k);
    memset(nowhere, 0x5a, 32);
    bb_block_init(&k, nowhere, 1296688900u);
    bb_coinbase(&k, NULL, s4, sizeof(s4), 5000000000ull, 0x22);
    add_block(&file, o1, &k);

    char *tmp = tu_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/db", tmp);
    ingest_result r = ingest_regtest(dir, &file);
    cr_assert_eq(r.rc, CT_OK);
    cr_assert_eq(r.st.height, 2);

    ct_graph_block b;
    ct_db *db = tu_db_open(dir, false);
    cr_assert_eq(ct_graph_block_by_hash(db, &b, a2, NULL), CT_OK);
    cr_assert_eq(b.status, CT_GRAPH_BLOCK_MAIN);
    cr_assert_eq(b.height, 2);
    cr_assert(b.has_txs);
    cr_assert_eq(ct_graph_block_by_hash(db, &b, b1, NULL), CT_OK);
    cr_assert_eq(b.status, CT_GRAPH_BLOCK_SIDE);
    cr_assert_str_eq(ct_graph_block_status_name(b.status), "side");
    cr_assert(b.has_height);
    cr_assert_eq(b.height, 1);
    cr_assert_not(b.has_txs);
    cr_assert_eq(memcmp(b.prev_hash, g, 32), 0);
    cr_assert_eq(ct_graph_block_by_hash(db, &b, o1, NULL), CT_OK);
    cr_assert_eq(b.status, CT_GRAPH_BLOCK_ORPHAN);
    cr_assert_not(b.has_height);
    cr_assert_not(b.has_txs);
    cr_assert_eq(ct_graph_block_by_height(db, &b, 1, NULL), CT_OK);
    cr_assert_eq(memcmp(b.hash, a1, 32), 0);
    ct_db_close(db);
    bb_free(&file);
    tu_rmtree(tmp);
    free(tmp);
}

static void digest_of(const char *dir, uint8_t out[32], uint64_t *rows)
{
    ct_graph_verify_report rep;
    ct_db *db = tu_db_open(dir, false);
    cr_assert_eq(ct_graph_verify(db, &rep, NULL), CT_OK);
    memcpy(out, rep.digest, 32);
    *rows = rep.digest_rows;
    ct_db_close(db);
}

/* A reorganisation: the chain g-a1-a2 (a2 spends a1's coinbase, to an address a1 also
 * paid) is overtaken by g-b1-b2-b3, which pays the same keys. After the switch the
 * database must verify and hold exactly what a database that only ever saw g-b1-b2-b3
 * holds: same digest. */
Test(ingest_rules, reorg_leaves_the_content_of_the_winning_chain)
{
    bb_buf both, only_b, chain_b;
    bb_block k;
    uint8_t g[32], a1[32], a2[32], b1[32], b2[32], b3[32], ta1[32], tb1[32];
    const uint8_t s2[] = {0x01, 0x02}, s3[] = {0x01, 0x03}, s4[] = {0x01, 0x04},
                  s5[] = {0x01, 0x05};
    start_chain(&both, g, a1, ta1);
    bb_init(&only_b);
    bb_init(&chain_b);
    bb_regtest_genesis(&only_b, NULL);
    bb_block_init(&k, a1, 1296688800u);
    bb_coinbase(&k, NULL, s2, sizeof(s2), 5000000000ull, 0x22);
    bb_spend(&k, NULL, ta1, 0, 4000000000ull, 0x11);
    add_block(&both, a2, &k);
    /* g-b1-b2-b3, after g-a1-a2 in one file and alone in the other. */
    bb_block_init(&k, g, 1296688710u);
    bb_coinbase(&k, tb1, s3, sizeof(s3), 5000000000ull, 0x22);
    add_block(&chain_b, b1, &k);
    bb_block_init(&k, b1, 1296688810u);
    bb_coinbase(&k, NULL, s4, sizeof(s4), 5000000000ull, 0x11);
    bb_spend(&k, NULL, tb1, 0, 4500000000ull, 0x33);
    add_block(&chain_b, b2, &k);
    bb_block_init(&k, b2, 1296688910u);
    bb_coinbase(&k, NULL, s5, sizeof(s5), 5000000000ull, 0x33);
    add_block(&chain_b, b3, &k);
    bb_bytes(&both, chain_b.data, chain_b.len);
    bb_bytes(&only_b, chain_b.data, chain_b.len);

    char *tmp = tu_tmpdir();
    char d1[600], d2[600];
    snprintf(d1, sizeof(d1), "%s/reorged", tmp);
    snprintf(d2, sizeof(d2), "%s/straight", tmp);
    ingest_result r1 = ingest_regtest(d1, &both);
    ingest_result r2 = ingest_regtest(d2, &only_b);
    cr_assert_eq(r1.rc, CT_OK);
    cr_assert_eq(r1.st.reorgs, 1);
    cr_assert_eq(r1.st.blocks_disconnected, 2);
    cr_assert_eq(r1.st.height, 3);
    cr_assert_eq(r2.st.height, 3);
    uint8_t x1[32], x2[32];
    uint64_t n1, n2;
    digest_of(d1, x1, &n1);
    digest_of(d2, x2, &n2);
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(x1, x2, 32), 0);

    ct_graph_block b;
    ct_db *db = tu_db_open(d1, false);
    cr_assert_eq(ct_graph_block_by_hash(db, &b, a2, NULL), CT_OK);
    cr_assert_eq(b.status, CT_GRAPH_BLOCK_SIDE);
    cr_assert_eq(ct_graph_block_by_height(db, &b, 2, NULL), CT_OK);
    cr_assert_eq(memcmp(b.hash, b2, 32), 0);
    ct_db_close(db);
    bb_free(&both);
    bb_free(&only_b);
    bb_free(&chain_b);
    tu_rmtree(tmp);
    free(tmp);
}

/* BIP30: a coinbase repeated byte for byte in a later block (as at mainnet heights 91842
 * and 91880). The older transaction's unspent output is overwritten: it leaves the unspent
 * set and its address's balance, and verify still finds every total consistent. */
Test(ingest_rules, duplicate_coinbase_overwrites_the_older_output)
{
    bb_buf file;
    bb_block k;
    uint8_t g[32], h1[32], h2[32], cb[32];
    const uint8_t s1[] = {0x01, 0x01};
    start_chain(&file, g, h1, cb);
    bb_block_init(&k, h1, 1296688800u);
    bb_coinbase(&k, NULL, s1, sizeof(s1), 5000000000ull, 0x11); /* block 1's coinbase again */
    add_block(&file, h2, &k);

    char *tmp = tu_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/db", tmp);
    ingest_result r = ingest_regtest(dir, &file); /* verifies */
    cr_assert_eq(r.rc, CT_OK);
    cr_assert_eq(r.st.height, 2);

    ct_graph_chain_stats s;
    ct_db *db = tu_db_open(dir, false);
    cr_assert_eq(ct_graph_stats(db, &s, NULL), CT_OK);
    cr_assert_eq(s.txs, 3);
    cr_assert_eq(s.overwritten, 1);
    cr_assert_eq(s.unspent_outputs, 2); /* genesis and the newer copy */
    cr_assert_eq(s.unspent_value, 10000000000ull);
    /* The txid names the newer transaction, whose output is unspent. */
    ct_graph_tx tx;
    cr_assert_eq(ct_graph_tx_get(db, &tx, cb, NULL), CT_OK);
    cr_assert_eq(tx.height, 2);
    cr_assert_not(tx.out[0].spent);
    char addr[CT_BTC_ADDR_MAX];
    snprintf(addr, sizeof(addr), "%s", tx.out[0].address);
    ct_graph_tx_release(&tx);
    ct_graph_address a;
    cr_assert_eq(ct_graph_address_get(db, &a, addr, NULL), CT_OK);
    cr_assert_eq(a.received_sat, 10000000000ull);
    cr_assert_eq(a.sent_sat, 5000000000ull);
    cr_assert_eq(a.balance_sat, 5000000000ull);
    cr_assert_eq(a.outputs, 2);
    cr_assert_eq(a.unspent_outputs, 1);
    cr_assert_eq(a.tx_count, 2);
    ct_graph_address_release(&a);
    ct_db_close(db);
    bb_free(&file);
    tu_rmtree(tmp);
    free(tmp);
}

/* ---- BIP30 lookups and BIP34 (docs/ingest.md#duplicate-txids) ---- */

/* Appends a version-2 block on `prev` whose coinbase has scriptSig `sig` (a push of the
 * height it claims) and pays 50 BTC to `owner`; optionally one spend of prev_tx:0 (to owner
 * 0x22, 1 BTC less), or of a txid the chain does not hold when `unknown` is set. */
static void v2_block(bb_buf *file, uint8_t hash[32], const uint8_t prev[32], uint32_t time,
                     uint8_t claimed, uint8_t owner, const uint8_t *spend_tx, uint8_t cb[32])
{
    const uint8_t sig[] = {0x01, claimed};
    bb_block k;
    bb_block_init(&k, prev, time);
    k.version = 2;
    bb_coinbase(&k, cb, sig, sizeof(sig), 5000000000ull, owner);
    if (spend_tx)
        bb_spend(&k, NULL, spend_tx, 0, 4900000000ull, 0x22);
    add_block(file, hash, &k);
}

/* Every coinbase from height 1 carries its height: no transaction can repeat an earlier one,
 * so none is looked up (the statistics count them), and the chain is stored whole: verify
 * passes, every transaction and unspent output is counted. */
Test(ingest_rules, coinbase_heights_spare_the_duplicate_lookups)
{
    bb_buf file;
    uint8_t g[32], h1[32], h2[32], h3[32], cb1[32];
    bb_init(&file);
    bb_regtest_genesis(&file, g);
    v2_block(&file, h1, g, 1296688700u, 1, 0x11, NULL, cb1);
    v2_block(&file, h2, h1, 1296688800u, 2, 0x12, cb1, NULL);
    v2_block(&file, h3, h2, 1296688900u, 3, 0x13, NULL, NULL);

    char *tmp = tu_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/db", tmp);
    ingest_result r = ingest_regtest(dir, &file); /* verifies */
    cr_assert_eq(r.rc, CT_OK);
    cr_assert_eq(r.st.height, 3);
    cr_assert_eq(r.st.txs, 5);
    cr_assert_eq(r.st.bip30_skipped, 4, "all but genesis: %llu",
                 (unsigned long long)r.st.bip30_skipped);
    ct_graph_chain_stats s;
    ct_db *db = tu_db_open(dir, false);
    cr_assert_eq(ct_graph_stats(db, &s, NULL), CT_OK);
    cr_assert_eq(s.txs, 5);
    cr_assert_eq(s.overwritten, 0);
    cr_assert_eq(s.unspent_outputs, 4); /* genesis, block 2's two, block 3's */
    ct_db_close(db);
    bb_free(&file);
    tu_rmtree(tmp);
    free(tmp);
}

/* Block 1's coinbase claims height 4, so block 4 can repeat it byte for byte although block
 * 4's coinbase carries its own height: the one block without its height turns the shortcut
 * off for good, and the repeat is found and handled as BIP30 says. */
Test(ingest_rules, one_coinbase_without_its_height_keeps_the_lookups)
{
    bb_buf file;
    uint8_t g[32], h1[32], h2[32], h3[32], h4[32], cb1[32], cb4[32];
    bb_init(&file);
    bb_regtest_genesis(&file, g);
    v2_block(&file, h1, g, 1296688700u, 4, 0x11, NULL, cb1);
    v2_block(&file, h2, h1, 1296688800u, 2, 0x12, NULL, NULL);
    v2_block(&file, h3, h2, 1296688900u, 3, 0x13, NULL, NULL);
    v2_block(&file, h4, h3, 1296689000u, 4, 0x11, NULL, cb4);
    cr_assert_eq(memcmp(cb1, cb4, 32), 0, "the same transaction");

    char *tmp = tu_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/db", tmp);
    ingest_result r = ingest_regtest(dir, &file);
    cr_assert_eq(r.rc, CT_OK);
    cr_assert_eq(r.st.height, 4);
    cr_assert_eq(r.st.bip30_skipped, 0);
    ct_graph_chain_stats s;
    ct_db *db = tu_db_open(dir, false);
    cr_assert_eq(ct_graph_stats(db, &s, NULL), CT_OK);
    cr_assert_eq(s.txs, 5);
    cr_assert_eq(s.overwritten, 1);
    cr_assert_eq(s.unspent_outputs, 4); /* genesis, blocks 2 and 3, the newer copy */
    ct_graph_tx tx;
    cr_assert_eq(ct_graph_tx_get(db, &tx, cb4, NULL), CT_OK);
    cr_assert_eq(tx.height, 4);
    ct_graph_tx_release(&tx);
    ct_db_close(db);
    bb_free(&file);
    tu_rmtree(tmp);
    free(tmp);
}

/* An input whose previous output the database never saw (a chain read from mid-way): from
 * the next block on, the lookups are made again, since such outputs could be spent twice
 * unseen. */
Test(ingest_rules, an_unknown_prevout_brings_the_lookups_back)
{
    bb_buf file;
    uint8_t g[32], h1[32], h2[32], h3[32];
    uint8_t nowhere[32];
    memset(nowhere, 0x5a, sizeof(nowhere));
    bb_init(&file);
    bb_regtest_genesis(&file, g);
    v2_block(&file, h1, g, 1296688700u, 1, 0x11, NULL, NULL);
    v2_block(&file, h2, h1, 1296688800u, 2, 0x12, nowhere, NULL);
    v2_block(&file, h3, h2, 1296688900u, 3, 0x13, NULL, NULL);

    char *tmp = tu_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/db", tmp);
    ingest_result r = ingest_regtest(dir, &file);
    cr_assert_eq(r.rc, CT_OK);
    cr_assert_eq(r.st.height, 3);
    cr_assert_eq(r.st.txs, 5);
    cr_assert_eq(r.st.bip30_skipped, 3, "blocks 1 and 2 only: %llu",
                 (unsigned long long)r.st.bip30_skipped);
    ct_graph_chain_stats s;
    ct_db *db = tu_db_open(dir, false);
    cr_assert_eq(ct_graph_stats(db, &s, NULL), CT_OK);
    cr_assert_eq(s.unknown_prevouts, 1);
    ct_db_close(db);
    bb_free(&file);
    tu_rmtree(tmp);
    free(tmp);
}
