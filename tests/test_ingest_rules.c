/* Ingest on small regtest chains built here (regtest's proof-of-work limit lets a test mine
 * blocks in a few tries): validity rules the real fixtures never break. Each database is
 * then checked with ct_graph_verify. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/chaintrail.h"
#include "hash.h"
#include "testutil.h"
#include "util.h"

#define REGTEST_BITS 0x207fffffu

typedef struct bbuf {
    uint8_t d[8192];
    size_t n;
} bbuf;

static void put(bbuf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    cr_assert_leq(b->n + n, sizeof(b->d));
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put8(bbuf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put32(bbuf *b, uint32_t v)
{
    uint8_t x[4];
    ct_put_le32(x, v);
    put(b, x, 4);
}

static void put64(bbuf *b, uint64_t v)
{
    uint8_t x[8];
    ct_put_le64(x, v);
    put(b, x, 8);
}

/* A one-input, one-output transaction paying `value` to P2PKH(hash160 = 20 x `payee`). */
typedef struct ttx {
    bbuf raw;
    uint8_t txid[32];
} ttx;

static void make_tx(ttx *t, const uint8_t prev[32], uint32_t vout, const uint8_t *script_sig,
                    size_t sig_len, uint64_t value, uint8_t payee)
{
    static const uint8_t zero[32];
    memset(t, 0, sizeof(*t));
    put32(&t->raw, 1);
    put8(&t->raw, 1);
    put(&t->raw, prev ? prev : zero, 32);
    put32(&t->raw, vout);
    put8(&t->raw, (uint8_t)sig_len);
    put(&t->raw, script_sig, sig_len);
    put32(&t->raw, 0xffffffffu);
    put8(&t->raw, 1);
    put64(&t->raw, value);
    uint8_t spk[25] = {0x76, 0xa9, 0x14};
    memset(spk + 3, payee, 20);
    spk[23] = 0x88;
    spk[24] = 0xac;
    put8(&t->raw, 25);
    put(&t->raw, spk, 25);
    put32(&t->raw, 0);
    ct_sha256d(t->txid, t->raw.d, t->raw.n);
}

static void merkle_root(uint8_t out[32], const ttx *txs, size_t n)
{
    uint8_t level[8][32];
    cr_assert_leq(n, 8);
    for (size_t i = 0; i < n; i++)
        memcpy(level[i], txs[i].txid, 32);
    while (n > 1) {
        size_t m = 0;
        for (size_t i = 0; i < n; i += 2)
            ct_sha256d_pair(level[m++], level[i], level[i + 1 < n ? i + 1 : i]);
        n = m;
    }
    memcpy(out, level[0], 32);
}

/* Appends a blk record (regtest magic, size, block) of a mined block to `file`; returns the
 * block hash in *hash. */
static void add_block(bbuf *file, uint8_t hash[32], const uint8_t prev[32], uint32_t time,
                      const ttx *txs, size_t n)
{
    const ct_btc_params *net = ct_btc_params_get("regtest");
    bbuf blk = {{0}, 0};
    uint8_t merkle[32];
    merkle_root(merkle, txs, n);
    put32(&blk, 1);
    put(&blk, prev, 32);
    put(&blk, merkle, 32);
    put32(&blk, time);
    put32(&blk, REGTEST_BITS);
    put32(&blk, 0);
    for (uint32_t nonce = 0;; nonce++) {
        ct_put_le32(blk.d + 76, nonce);
        ct_sha256d(hash, blk.d, 80);
        if (ct_btc_check_pow(hash, REGTEST_BITS, net, NULL) == CT_OK)
            break;
        cr_assert_lt(nonce, 1000u);
    }
    put8(&blk, (uint8_t)n);
    for (size_t i = 0; i < n; i++)
        put(&blk, txs[i].raw.d, txs[i].raw.n);
    put(file, net->magic, 4);
    put32(file, (uint32_t)blk.n);
    put(file, blk.d, blk.n);
}

/* The regtest genesis block: the mainnet one with regtest's time, bits and nonce. */
static void add_genesis(bbuf *file, uint8_t hash[32])
{
    size_t len;
    uint8_t *main = tu_read_fixture("btc/blk_consecutive/jeffchan/blk00000_first1MB.dat", &len);
    uint32_t size = ct_le32(main + 4);
    uint8_t *g = main + 8;
    ct_put_le32(g + 68, 1296688602u);
    ct_put_le32(g + 72, REGTEST_BITS);
    ct_put_le32(g + 76, 2);
    ct_sha256d(hash, g, 80);
    cr_assert_eq(memcmp(hash, ct_btc_params_get("regtest")->genesis, 32), 0);
    put(file, ct_btc_params_get("regtest")->magic, 4);
    put32(file, size);
    put(file, g, size);
    free(main);
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

static ingest_result ingest_regtest(const char *dir, const bbuf *file)
{
    char path[600];
    ingest_result res;
    memset(&res, 0, sizeof(res));
    int n = snprintf(path, sizeof(path), "%s.blk", dir);
    cr_assert(n > 0 && (size_t)n < sizeof(path));
    cr_assert_eq(tu_write_file(path, file->d, file->n), 0);
    ct_db *db;
    cr_assert_eq(ct_db_open(&db, dir, &(ct_db_options){CT_DB_OPTIONS_VERSION, true, 0}, NULL),
                 CT_OK);
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
    bbuf file = {{0}, 0};
    uint8_t g[32], h1[32], h2[32];
    const uint8_t sig1[] = {0x01, 0x01}, sig2[] = {0x01, 0x02};
    add_genesis(&file, g);
    ttx b1[1], b2[3];
    make_tx(&b1[0], NULL, 0xffffffffu, sig1, sizeof(sig1), 5000000000ull, 0x11);
    add_block(&file, h1, g, 1296688700u, b1, 1);
    make_tx(&b2[0], NULL, 0xffffffffu, sig2, sizeof(sig2), 5000000000ull, 0x22);
    make_tx(&b2[1], b1[0].txid, 0, NULL, 0, 1000000000ull, 0x33);
    make_tx(&b2[2], b1[0].txid, 0, NULL, 0, 2000000000ull, 0x44);
    add_block(&file, h2, h1, 1296688800u, b2, 3);

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

    ct_db *db;
    ct_graph_chain_stats s;
    cr_assert_eq(ct_db_open(&db, dir, NULL, NULL), CT_OK);
    cr_assert_eq(ct_graph_stats(db, &s, NULL), CT_OK);
    cr_assert_eq(s.txs, 2);
    cr_assert_eq(s.unspent_outputs, 2);
    cr_assert_eq(s.unspent_value, 10000000000ull);
    ct_graph_block b;
    cr_assert_eq(ct_graph_block_by_hash(db, &b, h2, NULL), CT_OK);
    cr_assert_eq(b.status, CT_GRAPH_BLOCK_INVALID);
    ct_db_close(db);
    tu_rmtree(tmp);
    free(tmp);
}

/* The same spends in two blocks: the first is accepted, the second block is invalid. */
Test(ingest_rules, double_spend_across_blocks_is_rejected)
{
    bbuf file = {{0}, 0};
    uint8_t g[32], h1[32], h2[32], h3[32];
    const uint8_t sig1[] = {0x01, 0x01}, sig2[] = {0x01, 0x02}, sig3[] = {0x01, 0x03};
    add_genesis(&file, g);
    ttx b1[1], b2[2], b3[2];
    make_tx(&b1[0], NULL, 0xffffffffu, sig1, sizeof(sig1), 5000000000ull, 0x11);
    add_block(&file, h1, g, 1296688700u, b1, 1);
    make_tx(&b2[0], NULL, 0xffffffffu, sig2, sizeof(sig2), 5000000000ull, 0x22);
    make_tx(&b2[1], b1[0].txid, 0, NULL, 0, 1000000000ull, 0x33);
    add_block(&file, h2, h1, 1296688800u, b2, 2);
    make_tx(&b3[0], NULL, 0xffffffffu, sig3, sizeof(sig3), 5000000000ull, 0x22);
    make_tx(&b3[1], b1[0].txid, 0, NULL, 0, 2000000000ull, 0x44);
    add_block(&file, h3, h2, 1296688900u, b3, 2);

    char *tmp = tu_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/db", tmp);
    ingest_result r = ingest_regtest(dir, &file);
    cr_assert_eq(r.rc, CT_OK);
    cr_assert_eq(r.st.blocks_connected, 3);
    cr_assert_eq(r.st.blocks_rejected, 1);
    cr_assert_eq(r.st.height, 2);
    cr_assert_str_eq(r.last_reason, "bad-txns-inputs-missingorspent");
    tu_rmtree(tmp);
    free(tmp);
}

/* Blocks of the header tree other than the main chain, as ct_graph_block_by_hash shows
 * them: a side branch with less work, and an orphan whose parent was never seen. */
Test(ingest_rules, side_and_orphan_blocks_in_the_graph_api)
{
    bbuf file = {{0}, 0};
    uint8_t g[32], a1[32], a2[32], b1[32], o1[32], nowhere[32];
    const uint8_t s1[] = {0x01, 0x01}, s2[] = {0x01, 0x02}, s3[] = {0x01, 0x03},
                  s4[] = {0x01, 0x04};
    ttx t1[1], t2[1], t3[1], t4[1];
    add_genesis(&file, g);
    make_tx(&t1[0], NULL, 0xffffffffu, s1, sizeof(s1), 5000000000ull, 0x11);
    add_block(&file, a1, g, 1296688700u, t1, 1);
    make_tx(&t2[0], NULL, 0xffffffffu, s2, sizeof(s2), 5000000000ull, 0x11);
    add_block(&file, a2, a1, 1296688800u, t2, 1);
    make_tx(&t3[0], NULL, 0xffffffffu, s3, sizeof(s3), 5000000000ull, 0x22);
    add_block(&file, b1, g, 1296688750u, t3, 1);
    memset(nowhere, 0x5a, 32);
    make_tx(&t4[0], NULL, 0xffffffffu, s4, sizeof(s4), 5000000000ull, 0x22);
    add_block(&file, o1, nowhere, 1296688900u, t4, 1);

    char *tmp = tu_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/db", tmp);
    ingest_result r = ingest_regtest(dir, &file);
    cr_assert_eq(r.rc, CT_OK);
    cr_assert_eq(r.st.height, 2);

    ct_db *db;
    ct_graph_block b;
    cr_assert_eq(ct_db_open(&db, dir, NULL, NULL), CT_OK);
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
    tu_rmtree(tmp);
    free(tmp);
}

static void digest_of(const char *dir, uint8_t out[32], uint64_t *rows)
{
    ct_db *db;
    ct_graph_verify_report rep;
    cr_assert_eq(ct_db_open(&db, dir, NULL, NULL), CT_OK);
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
    bbuf both = {{0}, 0}, only_b = {{0}, 0};
    uint8_t g[32], a1[32], a2[32], b1[32], b2[32], b3[32];
    const uint8_t s1[] = {0x01, 0x01}, s2[] = {0x01, 0x02}, s3[] = {0x01, 0x03},
                  s4[] = {0x01, 0x04}, s5[] = {0x01, 0x05};
    ttx ta1[1], ta2[2], tb1[1], tb2[2], tb3[1];
    make_tx(&ta1[0], NULL, 0xffffffffu, s1, sizeof(s1), 5000000000ull, 0x11);
    make_tx(&ta2[0], NULL, 0xffffffffu, s2, sizeof(s2), 5000000000ull, 0x22);
    make_tx(&ta2[1], ta1[0].txid, 0, NULL, 0, 4000000000ull, 0x11);
    make_tx(&tb1[0], NULL, 0xffffffffu, s3, sizeof(s3), 5000000000ull, 0x22);
    make_tx(&tb2[0], NULL, 0xffffffffu, s4, sizeof(s4), 5000000000ull, 0x11);
    make_tx(&tb2[1], tb1[0].txid, 0, NULL, 0, 4500000000ull, 0x33);
    make_tx(&tb3[0], NULL, 0xffffffffu, s5, sizeof(s5), 5000000000ull, 0x33);

    add_genesis(&both, g);
    add_block(&both, a1, g, 1296688700u, ta1, 1);
    add_block(&both, a2, a1, 1296688800u, ta2, 2);
    add_block(&both, b1, g, 1296688710u, tb1, 1);
    add_block(&both, b2, b1, 1296688810u, tb2, 2);
    add_block(&both, b3, b2, 1296688910u, tb3, 1);
    add_genesis(&only_b, g);
    add_block(&only_b, b1, g, 1296688710u, tb1, 1);
    add_block(&only_b, b2, b1, 1296688810u, tb2, 2);
    add_block(&only_b, b3, b2, 1296688910u, tb3, 1);

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

    ct_db *db;
    ct_graph_block b;
    cr_assert_eq(ct_db_open(&db, d1, NULL, NULL), CT_OK);
    cr_assert_eq(ct_graph_block_by_hash(db, &b, a2, NULL), CT_OK);
    cr_assert_eq(b.status, CT_GRAPH_BLOCK_SIDE);
    cr_assert_eq(ct_graph_block_by_height(db, &b, 2, NULL), CT_OK);
    cr_assert_eq(memcmp(b.hash, b2, 32), 0);
    ct_db_close(db);
    tu_rmtree(tmp);
    free(tmp);
}

/* BIP30: a coinbase repeated byte for byte in a later block (as at mainnet heights 91842
 * and 91880). The older transaction's unspent output is overwritten: it leaves the unspent
 * set and its address's balance, and verify still finds every total consistent. */
Test(ingest_rules, duplicate_coinbase_overwrites_the_older_output)
{
    bbuf file = {{0}, 0};
    uint8_t g[32], h1[32], h2[32];
    const uint8_t s1[] = {0x01, 0x01};
    ttx t1[1], t2[1];
    add_genesis(&file, g);
    make_tx(&t1[0], NULL, 0xffffffffu, s1, sizeof(s1), 5000000000ull, 0x11);
    add_block(&file, h1, g, 1296688700u, t1, 1);
    t2[0] = t1[0];
    add_block(&file, h2, h1, 1296688800u, t2, 1);

    char *tmp = tu_tmpdir();
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/db", tmp);
    ingest_result r = ingest_regtest(dir, &file); /* verifies */
    cr_assert_eq(r.rc, CT_OK);
    cr_assert_eq(r.st.height, 2);

    ct_db *db;
    ct_graph_chain_stats s;
    cr_assert_eq(ct_db_open(&db, dir, NULL, NULL), CT_OK);
    cr_assert_eq(ct_graph_stats(db, &s, NULL), CT_OK);
    cr_assert_eq(s.txs, 3);
    cr_assert_eq(s.overwritten, 1);
    cr_assert_eq(s.unspent_outputs, 2); /* genesis and the newer copy */
    cr_assert_eq(s.unspent_value, 10000000000ull);
    /* The txid names the newer transaction, whose output is unspent. */
    ct_graph_tx tx;
    cr_assert_eq(ct_graph_tx_get(db, &tx, t1[0].txid, NULL), CT_OK);
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
    ct_db_close(db);
    tu_rmtree(tmp);
    free(tmp);
}
