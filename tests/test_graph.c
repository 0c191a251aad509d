/* Graph queries and verify (include/chaintrail/graph.h) on the real first 4,313 mainnet
 * blocks ingested into a temporary database: chain figures, balances, spend links, a
 * transaction, a block, history paging, the digest (also across incremental ingests), and
 * verify on databases damaged on purpose. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/chaintrail.h"
#include "db/schema.h"
#include "testutil.h"

#define TX9       "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"
#define TX170     "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
#define TX181     "a16f3ce4dd5deb92d98ef5cf8afeaf0775ebca408f708b2146c4fb42b41e14be"
#define TX182     "591e91f809d716912ca1d4a9295e70c3e78bab077683f79350f101da64588073"
#define TX183     "12b5633bad1f9c167d523ad1aa1947b2732a865bf5414eab2f9e5ae5d5c191ba"
#define TX248     "828ef3b079f9c23829c56fe86e85b4a69d9e06e5b54ea597eef5fb3ffef509fe"
#define ADDR_12CB "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
#define ADDR_1Q2T "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"
#define HASH170   "00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee"
#define TIP4312   "00000000a9da635727dce622d78361b153ce3334e6a60d4377fad529abfc7863"
/* Content digest of the first 4,313 blocks (docs/storage.md, docs/verify.md), with their
 * address clusters (docs/clustering.md), and without (ingested with no_clusters): the
 * graph rows alone, as before clustering existed. */
#define DIGEST_4313             "dd585f0976a10f62f1825e91deb045f9083ce85d29f7bd262b7ab6740672a639"
#define DIGEST_4313_NO_CLUSTERS "10935221a1cc08c29842fad019d9118da7fea381eeec1fe42b39357ee79442ac"

static void hex_of(char out[65], const uint8_t h[32])
{
    ct_hash_to_hex(out, h);
}

static void cr_assert_hash(const uint8_t h[32], const char *want)
{
    char hex[65];
    hex_of(hex, h);
    cr_assert_str_eq(hex, want);
}

static void digest_hex(char out[65], const uint8_t d[32])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int verify(const char *dir, ct_graph_verify_report *rep)
{
    ct_db *db = tu_db_open(dir, false);
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_graph_verify(db, rep, &err);
    ct_db_close(db);
    return rc;
}

static uint64_t txnum_of(const char *dir, const char *txid_hex)
{
    uint8_t k[33], v[8];
    k[0] = CT_T_TXID;
    cr_assert_eq(ct_hash_from_hex(k + 1, txid_hex), CT_OK);
    cr_assert_eq(tu_db_peek(dir, k, 33, v, 8), 8);
    return ct_be64(v);
}

static uint64_t addrid_of(const char *dir, const char *addr)
{
    uint8_t k[1 + CT_BTC_ADDR_MAX], v[8];
    k[0] = CT_T_ADDR;
    memcpy(k + 1, addr, strlen(addr));
    cr_assert_eq(tu_db_peek(dir, k, 1 + strlen(addr), v, 8), 8);
    return ct_be64(v);
}

/* Does some listed violation of `check` have a detail containing `needle`? */
static bool listed(const ct_graph_verify_report *rep, int check, const char *needle)
{
    for (size_t i = 0; i < rep->n_listed; i++)
        if (rep->listed[i].check == check && strstr(rep->listed[i].detail, needle))
            return true;
    return false;
}

Test(graph, stats_first_4313_blocks)
{
    char *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(dir, false);
    ct_graph_chain_stats s;
    cr_assert_eq(ct_graph_stats(db, &s, NULL), CT_OK);
    cr_assert_str_eq(s.network, "mainnet");
    cr_assert(s.has_tip);
    cr_assert_eq(s.height, 4312);
    cr_assert_hash(s.tip, TIP4312);
    cr_assert_eq(s.tip_time, 1234650764);
    cr_assert_eq(s.blocks, 4313);
    cr_assert_eq(s.txs, 4371);
    cr_assert_eq(s.inputs, 247);
    cr_assert_eq(s.outputs, 4397);
    cr_assert_eq(s.unspent_outputs, 4150);
    cr_assert_eq(s.unspent_value, 21565000000000ull);
    cr_assert_eq(s.addresses, 8709);
    cr_assert_eq(s.unknown_prevouts, 0);
    cr_assert_eq(s.overwritten, 0);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

Test(graph, stats_of_an_empty_database)
{
    char *tmp = tu_tmpdir();
    ct_db *db = tu_db_open(tmp, true);
    ct_graph_chain_stats s;
    cr_assert_eq(ct_graph_stats(db, &s, NULL), CT_OK);
    cr_assert_not(s.has_tip);
    cr_assert_eq(s.blocks, 0);
    cr_assert_str_eq(s.network, "");
    ct_graph_verify_report rep;
    cr_assert_eq(ct_graph_verify(db, &rep, NULL), CT_OK);
    cr_assert_eq(rep.violations, 0);
    cr_assert_eq(rep.digest_rows, 0);
    char hex[65];
    digest_hex(hex, rep.digest); /* SHA-256 of nothing */
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ct_db_close(db);
    tu_rmtree(tmp);
    free(tmp);
}

Test(graph, address_balances_at_4312)
{
    char *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(dir, false);
    ct_graph_address a;
    ct_error err;

    cr_assert_eq(ct_graph_address_get(db, &a, ADDR_12CB, NULL), CT_OK);
    cr_assert_str_eq(a.address, ADDR_12CB);
    cr_assert_eq(a.type, CT_BTC_P2PK);
    cr_assert_eq(a.balance_sat, 1800000000ull);
    cr_assert_eq(a.received_sat, 19500000000ull);
    cr_assert_eq(a.sent_sat, 17700000000ull);
    cr_assert_eq(a.tx_count, 6);
    cr_assert_eq(a.outputs, 6);
    cr_assert_eq(a.unspent_outputs, 1);
    cr_assert(a.has_seen);
    cr_assert_eq(a.first.height, 9);
    cr_assert_eq(a.first.time, 1231473279);
    cr_assert_hash(a.first.txid, TX9);
    cr_assert_eq(a.last.height, 248);
    cr_assert_hash(a.last.txid, TX248);
    cr_assert_str_eq(a.linked, "13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW");
    ct_graph_address_release(&a);

    cr_assert_eq(ct_graph_address_get(db, &a, ADDR_1Q2T, NULL), CT_OK);
    cr_assert_eq(a.balance_sat, 1000000000ull);
    cr_assert_eq(a.received_sat, 1000000000ull);
    cr_assert_eq(a.sent_sat, 0);
    cr_assert_eq(a.tx_count, 1);
    cr_assert_eq(a.unspent_outputs, 1);
    cr_assert_eq(a.first.height, 170);
    cr_assert_eq(a.last.height, 170);
    cr_assert_str_eq(a.linked, "12Pg8yQNFrCoXU4hvcFUCsre9SqX9vbP9d");
    ct_graph_address_release(&a);

    /* Known only as the other form of a key: no history, linked back. */
    cr_assert_eq(ct_graph_address_get(db, &a, "13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW", NULL), CT_OK);
    cr_assert_not(a.has_seen);
    cr_assert_eq(a.tx_count, 0);
    cr_assert_eq(a.balance_sat, 0);
    cr_assert_str_eq(a.linked, ADDR_12CB);
    ct_graph_address_release(&a);

    ct_error_clear(&err);
    cr_assert_eq(ct_graph_address_get(db, &a, "3HV3rQ9jEHsfnmn91wzU4MQx8sVQPNW7Sr", &err),
                 CT_ENOTFOUND);
    cr_assert_str_eq(err.reason, "unknown-address");
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

Test(graph, spend_link_of_the_block9_coinbase)
{
    char *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(dir, false);
    uint8_t txid[32];
    ct_graph_tx tx;
    cr_assert_eq(ct_hash_from_hex(txid, TX9), CT_OK);
    cr_assert_eq(ct_graph_tx_get(db, &tx, txid, NULL), CT_OK);
    cr_assert_eq(tx.height, 9);
    cr_assert(tx.coinbase);
    cr_assert_not(tx.fee_known);
    cr_assert_eq(tx.n_in, 1);
    cr_assert(tx.in[0].coinbase);
    cr_assert_eq(tx.n_out, 1);
    cr_assert_eq(tx.out[0].value, 5000000000ull);
    cr_assert_str_eq(tx.out[0].address, ADDR_12CB);
    cr_assert(tx.out[0].spent);
    cr_assert_not(tx.out[0].overwritten);
    cr_assert_hash(tx.out[0].spent_by_txid, TX170);
    cr_assert_eq(tx.out[0].spent_by_vin, 0);
    ct_graph_tx_release(&tx);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

Test(graph, tx_170_inputs_outputs_fee)
{
    char *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(dir, false);
    uint8_t txid[32];
    ct_graph_tx tx;
    ct_error err;
    cr_assert_eq(ct_hash_from_hex(txid, TX170), CT_OK);
    cr_assert_eq(ct_graph_tx_get(db, &tx, txid, NULL), CT_OK);
    cr_assert_hash(tx.txid, TX170);
    cr_assert_eq(tx.height, 170);
    cr_assert_hash(tx.block_hash, HASH170);
    cr_assert_eq(tx.block_time, 1231731025);
    cr_assert_eq(tx.index, 1);
    cr_assert_not(tx.coinbase);
    cr_assert(tx.fee_known);
    cr_assert_eq(tx.fee, 0);
    cr_assert_eq(tx.size, 275);
    cr_assert_eq(tx.weight, 1100);
    cr_assert_eq(tx.n_in, 1);
    cr_assert(tx.in[0].known);
    cr_assert_hash(tx.in[0].prev_txid, TX9);
    cr_assert_eq(tx.in[0].prev_vout, 0);
    cr_assert_eq(tx.in[0].value, 5000000000ull);
    cr_assert_str_eq(tx.in[0].address, ADDR_12CB);
    cr_assert_eq(tx.n_out, 2);
    cr_assert_eq(tx.out[0].value, 1000000000ull);
    cr_assert_eq(tx.out[0].type, CT_BTC_P2PK);
    cr_assert_str_eq(tx.out[0].address, ADDR_1Q2T);
    cr_assert_not(tx.out[0].spent);
    cr_assert_eq(tx.out[1].value, 4000000000ull);
    cr_assert_str_eq(tx.out[1].address, ADDR_12CB);
    cr_assert(tx.out[1].spent);
    cr_assert_hash(tx.out[1].spent_by_txid, TX181);
    cr_assert_eq(tx.out[1].spent_by_vin, 0);
    ct_graph_tx_release(&tx);

    txid[0] ^= 1;
    ct_error_clear(&err);
    cr_assert_eq(ct_graph_tx_get(db, &tx, txid, &err), CT_ENOTFOUND);
    cr_assert_str_eq(err.reason, "unknown-tx");
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

Test(graph, block_170_by_height_and_by_hash)
{
    char *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(dir, false);
    ct_graph_block a, b;
    uint8_t hash[32];
    cr_assert_eq(ct_graph_block_by_height(db, &a, 170, NULL), CT_OK);
    cr_assert_eq(ct_hash_from_hex(hash, HASH170), CT_OK);
    cr_assert_eq(ct_graph_block_by_hash(db, &b, hash, NULL), CT_OK);
    cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
    cr_assert_hash(a.hash, HASH170);
    cr_assert(a.has_height);
    cr_assert_eq(a.height, 170);
    cr_assert_eq(a.status, CT_GRAPH_BLOCK_MAIN);
    cr_assert_str_eq(ct_graph_block_status_name(a.status), "main");
    cr_assert_hash(a.prev_hash, "000000002a22cfee1f2c846adbd12b3e183d4f97683f85dad08a79780a84bd55");
    cr_assert_hash(a.merkle_root,
                   "7dac2c5666815c17a3b36427de37bb9d2e2c5ccec3f8633eb91a4205cb4c10ff");
    cr_assert_eq(a.time, 1231731025);
    cr_assert_eq(a.bits, 0x1d00ffff);
    cr_assert_eq(a.nonce, 1889418792);
    cr_assert_eq(a.version, 1);
    cr_assert(a.has_txs);
    cr_assert_eq(a.tx_count, 2);

    uint8_t ids[4][32];
    size_t n;
    cr_assert_eq(ct_graph_block_txids(db, ids, &n, &a, 0, 4, NULL), CT_OK);
    cr_assert_eq(n, 2);
    cr_assert_hash(ids[0], "b1fea52486ce0c62bb442b530a3f0132b826c74e473d1f2c220bfa78111c5082");
    cr_assert_hash(ids[1], TX170);
    cr_assert_eq(ct_graph_block_txids(db, ids, &n, &a, 1, 1, NULL), CT_OK);
    cr_assert_eq(n, 1);
    cr_assert_hash(ids[0], TX170);

    cr_assert_eq(ct_graph_block_by_height(db, &a, 4312, NULL), CT_OK);
    cr_assert_hash(a.hash, TIP4312);
    cr_assert_eq(ct_graph_block_by_height(db, &a, 4313, NULL), CT_ENOTFOUND);
    hash[5] ^= 1;
    cr_assert_eq(ct_graph_block_by_hash(db, &a, hash, NULL), CT_ENOTFOUND);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* Reads up to n entries of a history into e[]; returns how many. */
static size_t read_entries(ct_db *db, const char *addr, const char *after, ct_graph_entry *e,
                           size_t n)
{
    ct_graph_history *h;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_graph_history_new(&h, db, addr, after, &err), CT_OK, "%s", err.detail);
    size_t got = 0;
    int rc = CT_OK;
    while (got < n && (rc = ct_graph_history_next(h, &e[got], NULL)) == CT_OK)
        got++;
    cr_assert(rc == CT_OK || rc == CT_EEOF);
    ct_graph_history_free(h);
    return got;
}

static void assert_entry(const ct_graph_entry *e, const char *txid, uint32_t height,
                         ct_graph_direction dir, uint32_t index, uint64_t value)
{
    cr_assert_hash(e->txid, txid);
    cr_assert_eq(e->height, height);
    cr_assert_eq(e->direction, dir);
    cr_assert_eq(e->index, index);
    cr_assert_eq(e->value, value);
    char want[CT_GRAPH_CURSOR_MAX];
    snprintf(want, sizeof(want), "%s:%s:%u", txid, dir == CT_GRAPH_RECEIVED ? "out" : "in", index);
    cr_assert_str_eq(e->cursor, want);
}

Test(graph, history_in_chain_order_and_paging)
{
    char *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(dir, false);
    ct_graph_entry e[16];

    cr_assert_eq(read_entries(db, ADDR_12CB, NULL, e, 16), 11);
    assert_entry(&e[0], TX9, 9, CT_GRAPH_RECEIVED, 0, 5000000000ull);
    cr_assert_eq(e[0].time, 1231473279);
    assert_entry(&e[1], TX170, 170, CT_GRAPH_RECEIVED, 1, 4000000000ull);
    assert_entry(&e[2], TX170, 170, CT_GRAPH_SENT, 0, 5000000000ull);
    assert_entry(&e[3], TX181, 181, CT_GRAPH_RECEIVED, 1, 3000000000ull);
    assert_entry(&e[4], TX181, 181, CT_GRAPH_SENT, 0, 4000000000ull);
    assert_entry(&e[5], TX182, 182, CT_GRAPH_RECEIVED, 1, 2900000000ull);
    assert_entry(&e[6], TX182, 182, CT_GRAPH_SENT, 0, 3000000000ull);
    assert_entry(&e[7], TX183, 183, CT_GRAPH_RECEIVED, 1, 2800000000ull);
    assert_entry(&e[8], TX183, 183, CT_GRAPH_SENT, 0, 2900000000ull);
    assert_entry(&e[9], TX248, 248, CT_GRAPH_RECEIVED, 1, 1800000000ull);
    assert_entry(&e[10], TX248, 248, CT_GRAPH_SENT, 0, 2800000000ull);

    /* Pages of 2: each continues after the cursor of the last entry of the previous. */
    ct_graph_entry p[2];
    cr_assert_eq(read_entries(db, ADDR_12CB, NULL, p, 2), 2);
    assert_entry(&p[0], TX9, 9, CT_GRAPH_RECEIVED, 0, 5000000000ull);
    assert_entry(&p[1], TX170, 170, CT_GRAPH_RECEIVED, 1, 4000000000ull);
    char cur[CT_GRAPH_CURSOR_MAX];
    memcpy(cur, p[1].cursor, sizeof(cur));
    cr_assert_eq(read_entries(db, ADDR_12CB, cur, p, 2), 2);
    assert_entry(&p[0], TX170, 170, CT_GRAPH_SENT, 0, 5000000000ull);
    assert_entry(&p[1], TX181, 181, CT_GRAPH_RECEIVED, 1, 3000000000ull);
    /* The last page. */
    cr_assert_eq(read_entries(db, ADDR_12CB, e[9].cursor, p, 2), 1);
    assert_entry(&p[0], TX248, 248, CT_GRAPH_SENT, 0, 2800000000ull);
    cr_assert_eq(read_entries(db, ADDR_12CB, e[10].cursor, p, 2), 0);
    /* A bare txid: after every entry of that transaction. */
    cr_assert_eq(read_entries(db, ADDR_12CB, TX170, p, 1), 1);
    assert_entry(&p[0], TX181, 181, CT_GRAPH_RECEIVED, 1, 3000000000ull);

    ct_graph_history *h;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_graph_history_new(&h, db, ADDR_12CB, TX170 ":up:1", &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "bad-cursor");
    cr_assert_eq(ct_graph_history_new(&h, db, ADDR_12CB, "zz", &err), CT_EINVAL);
    cr_assert_eq(ct_graph_history_new(&h, db, ADDR_12CB,
                                      "1111111111111111111111111111111111111111111111111111111111"
                                      "111111:out:0",
                                      &err),
                 CT_ENOTFOUND);
    cr_assert_eq(ct_graph_history_new(&h, db, "1BitcoinEaterAddressDontSendf59kuE", NULL, &err),
                 CT_ENOTFOUND);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

Test(graph, verify_passes_with_the_digest)
{
    char *dir = tu_db_first_4313();
    ct_graph_verify_report rep;
    cr_assert_eq(verify(dir, &rep), CT_OK);
    cr_assert_eq(rep.violations, 0);
    cr_assert_eq(rep.n_listed, 0);
    for (int i = 0; i < CT_CHECK_COUNT; i++) {
        cr_assert_eq(rep.checks[i].failed, 0, "%s", rep.checks[i].name);
        cr_assert_gt(rep.checks[i].checked, 0, "%s", rep.checks[i].name);
    }
    cr_assert_eq(rep.checks[CT_CHECK_INPUTS].checked, 247);
    cr_assert_eq(rep.checks[CT_CHECK_SPENDS].checked, 247);
    /* 53,070 graph rows and the counters; 8,704 cluster rows, the merge log's 8,704 - 4,166
     * joins (members - clusters) and the two cluster meta rows (figures of
     * tests/tools/cluster_reference.py, test_cluster) */
    cr_assert_eq(rep.digest_rows, 53070 + 8704 + (8704 - 4166) + 2);
    char hex[65];
    digest_hex(hex, rep.digest);
    cr_assert_str_eq(hex, DIGEST_4313);
    tu_rmtree(dir);
    free(dir);
}

/* Without clustering the digest is the graph's alone: the one before clustering existed. */
Test(graph, verify_without_clusters_has_the_graph_digest)
{
    char *dir = tu_tmpdir(),
         *blk = tu_fixture("btc/blk_consecutive/jeffchan/blk00000_first1MB.dat");
    ct_db *db = tu_db_open(dir, true);
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    ct_ingest_stats st;
    ct_error err;
    o.net = ct_btc_params_get("mainnet");
    o.no_clusters = true;
    ct_error_clear(&err);
    cr_assert_eq(ct_ingest_bitcoin(db, &st, (const char *[]){blk}, 1, &o, &err), CT_OK, "%s",
                 err.detail);
    ct_db_close(db);
    ct_graph_verify_report rep;
    cr_assert_eq(verify(dir, &rep), CT_OK);
    cr_assert_eq(rep.digest_rows, 53070);
    cr_assert_eq(rep.checks[CT_CHECK_CLUSTERS].failed, 0);
    char hex[65];
    digest_hex(hex, rep.digest);
    cr_assert_str_eq(hex, DIGEST_4313_NO_CLUSTERS);
    tu_rmtree(dir);
    free(dir);
    free(blk);
}

/* The incremental test: blk00000 then blk00001 in two runs gives the same database
 * content as one run over both. */
Test(graph, digest_of_two_runs_equals_one_run)
{
    char *tmp = tu_tmpdir();
    char a[600], b[600];
    snprintf(a, sizeof(a), "%s/two-runs", tmp);
    snprintf(b, sizeof(b), "%s/one-run", tmp);
    int64_t h0 = tu_ingest(a, (const char *[]){"btc/blk_consecutive/nbitcoin/blk00000.dat", NULL});
    cr_assert_lt(h0, 599);
    int64_t ha = tu_ingest(a, (const char *[]){"btc/blk_consecutive/nbitcoin/blk00001.dat", NULL});
    int64_t hb = tu_ingest(b, (const char *[]){"btc/blk_consecutive/nbitcoin/blk00000.dat",
                                               "btc/blk_consecutive/nbitcoin/blk00001.dat", NULL});
    cr_assert_eq(ha, 599);
    cr_assert_eq(hb, 599);
    ct_graph_verify_report ra, rb;
    cr_assert_eq(verify(a, &ra), CT_OK);
    cr_assert_eq(verify(b, &rb), CT_OK);
    cr_assert_eq(ra.digest_rows, rb.digest_rows);
    char da[65], db[65];
    digest_hex(da, ra.digest);
    digest_hex(db, rb.digest);
    cr_assert_str_eq(da, db);
    /* And the first file alone is another chain. */
    char c[600];
    snprintf(c, sizeof(c), "%s/first-only", tmp);
    tu_ingest(c, (const char *[]){"btc/blk_consecutive/nbitcoin/blk00000.dat", NULL});
    ct_graph_verify_report rc;
    cr_assert_eq(verify(c, &rc), CT_OK);
    cr_assert_neq(memcmp(rc.digest, ra.digest, 32), 0);
    tu_rmtree(tmp);
    free(tmp);
}

/* ---- damaged databases ---- */
Test(graph, verify_reports_a_deleted_spend_link)
{
    char *dir = tu_db_first_4313();
    uint64_t t9 = txnum_of(dir, TX9), t170 = txnum_of(dir, TX170);
    uint8_t k[13];
    ct_key_u64_u32(k, CT_T_SPEND, t9, 0);
    tu_db_poke(dir, k, 13, NULL, 0);

    ct_graph_verify_report rep;
    cr_assert_eq(verify(dir, &rep), CT_EDBCORRUPT);
    cr_assert_gt(rep.violations, 0);
    /* The input of tx 170 spends an output that no longer has its link, ... */
    cr_assert_eq(rep.checks[CT_CHECK_INPUTS].failed, 1);
    uint8_t ik[13];
    char ikhex[27];
    ct_key_u64_u32(ik, CT_T_INPUT, t170, 0);
    ct_hex_encode(ikhex, ik, 13);
    bool found = false;
    for (size_t i = 0; i < rep.n_listed; i++)
        found |= rep.listed[i].check == CT_CHECK_INPUTS && strcmp(rep.listed[i].key, ikhex) == 0 &&
                 strstr(rep.listed[i].detail, "has no spend link") != NULL;
    cr_assert(found, "the input row %s is not reported", ikhex);
    /* ... the output counts as unspent, against the counters and the address totals. */
    cr_assert(
        listed(&rep, CT_CHECK_COUNTERS, "counter unspent_outputs is 4150; the rows say 4151"));
    cr_assert(listed(&rep, CT_CHECK_COUNTERS,
                     "counter unspent_value is 21565000000000; the rows "
                     "say 21570000000000"));
    cr_assert_eq(rep.checks[CT_CHECK_TOTALS].failed, 1);
    cr_assert(listed(&rep, CT_CHECK_TOTALS, "unspent_outputs, balance differ"));
    cr_assert_eq(rep.checks[CT_CHECK_SPENDS].failed, 0);
    char hex[65];
    digest_hex(hex, rep.digest);
    cr_assert_str_neq(hex, DIGEST_4313);
    tu_rmtree(dir);
    free(dir);
}

Test(graph, verify_reports_changed_address_totals)
{
    char *dir = tu_db_first_4313();
    uint64_t id = addrid_of(dir, ADDR_1Q2T);
    uint8_t k[9], v[CT_ROW_TOTALS_SIZE];
    ct_key_u64(k, CT_T_TOTALS, id);
    cr_assert_eq(tu_db_peek(dir, k, 9, v, sizeof(v)), CT_ROW_TOTALS_SIZE);
    ct_row_totals t;
    cr_assert_eq(ct_row_totals_decode(&t, v, sizeof(v), NULL), CT_OK);
    cr_assert_eq(t.received, 1000000000ull);
    t.received += 1;
    ct_row_totals_encode(v, &t);
    tu_db_poke(dir, k, 9, v, sizeof(v));

    ct_graph_verify_report rep;
    cr_assert_eq(verify(dir, &rep), CT_EDBCORRUPT);
    cr_assert_eq(rep.violations, 1);
    cr_assert_eq(rep.checks[CT_CHECK_TOTALS].failed, 1);
    cr_assert_eq(rep.listed[0].check, CT_CHECK_TOTALS);
    char khex[19];
    ct_hex_encode(khex, k, 9);
    cr_assert_str_eq(rep.listed[0].key, khex);
    cr_assert(strstr(rep.listed[0].detail, ": received, balance differ from its history"), "%s",
              rep.listed[0].detail);
    tu_rmtree(dir);
    free(dir);
}

Test(graph, verify_reports_a_spend_link_naming_the_wrong_input)
{
    char *dir = tu_db_first_4313();
    uint64_t t9 = txnum_of(dir, TX9), t170 = txnum_of(dir, TX170);
    uint8_t k[13], v[CT_ROW_SPEND_SIZE];
    ct_row_spend sp = {t170, 1}; /* tx 170 has one input: 0 */
    ct_key_u64_u32(k, CT_T_SPEND, t9, 0);
    ct_row_spend_encode(v, &sp);
    tu_db_poke(dir, k, 13, v, sizeof(v));

    ct_graph_verify_report rep;
    cr_assert_eq(verify(dir, &rep), CT_EDBCORRUPT);
    cr_assert_eq(rep.checks[CT_CHECK_SPENDS].failed, 1);
    cr_assert(listed(&rep, CT_CHECK_SPENDS, "which does not exist"));
    cr_assert_eq(rep.checks[CT_CHECK_INPUTS].failed, 1);
    cr_assert(listed(&rep, CT_CHECK_INPUTS, "points at"));
    cr_assert_eq(rep.violations, 2);
    tu_rmtree(dir);
    free(dir);
}

Test(graph, verify_reports_a_missing_history_row_and_a_counter)
{
    char *dir = tu_db_first_4313();
    uint64_t id = addrid_of(dir, ADDR_1Q2T), t170 = txnum_of(dir, TX170);
    uint8_t k[22];
    tu_db_poke(dir, k, ct_key_history(k, id, t170, 0, 0), NULL, 0);
    uint8_t ck[16], cv[CT_COUNTERS_SIZE];
    size_t ckl = ct_key_meta(ck, "counters");
    cr_assert_eq(tu_db_peek(dir, ck, ckl, cv, sizeof(cv)), CT_COUNTERS_SIZE);
    ct_counters c;
    cr_assert_eq(ct_counters_decode(&c, cv, sizeof(cv), NULL), CT_OK);
    c.txs++;
    ct_counters_encode(cv, &c);
    tu_db_poke(dir, ck, ckl, cv, sizeof(cv));

    ct_graph_verify_report rep;
    cr_assert_eq(verify(dir, &rep), CT_EDBCORRUPT);
    cr_assert(listed(&rep, CT_CHECK_HISTORY,
                     "4397 outputs pay an address, but 4396 history rows say received"));
    cr_assert(listed(&rep, CT_CHECK_TOTALS, "has no history"));
    cr_assert(listed(&rep, CT_CHECK_COUNTERS, "counter txs is 4372; the rows say 4371"));
    tu_rmtree(dir);
    free(dir);
}
