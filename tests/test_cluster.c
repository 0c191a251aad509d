/* Address clusters (docs/clustering.md): the 2009 chain against an independent union-find
 * (tests/tools/cluster_reference.py over `chaintrail decode` output), and on made-up regtest
 * chains: exact clusters, merge log and counters; a reorg gives the winner alone, a
 * rollback gives the chain never ingested past it; a CoinJoin merges nothing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/chaintrail.h"
#include "db/db_internal.h"
#include "blockbuild.h"
#include "testutil.h"

#define BLK_4313 "btc/blk_consecutive/jeffchan/blk00000_first1MB.dat"

static char *db_arg(const char *dir)
{
    char *s = malloc(strlen(dir) + 8);
    cr_assert_not_null(s);
    sprintf(s, "--db=%s", dir);
    return s;
}

static void run(tu_run *r, const char *dir, const char *const *args)
{
    const char *argv[32];
    char *d = db_arg(dir);
    size_t n = 0;
    argv[n++] = d;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    tu_exec(r, argv, NULL);
    free(d);
}

/* The 2009 chain: the clusters chaintrail keeps equal, address for address, those of a
 * plain Python union-find over the decoded transactions. */
Test(cluster, first_4313_blocks_equal_an_independent_union_find, .timeout = 300)
{
    char *dir = tu_db_first_4313(), *tmp = tu_tmpdir(), *blk = tu_fixture(BLK_4313);
    char dec[600], ref[600], cmd[2400];
    snprintf(dec, sizeof(dec), "%s/decoded.jsonl", tmp);
    snprintf(ref, sizeof(ref), "%s/ref.csv", tmp);
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--scripts", "--quiet", blk, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(tu_write_file(dec, r.out, r.out_len), 0);
    tu_run_free(&r);
    snprintf(cmd, sizeof(cmd),
             "python3 '%s/../tests/tools/cluster_reference.py' '%s' '%s' > '%s/ref.txt'",
             CT_FIXTURES, dec, ref, tmp);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    size_t len;
    snprintf(cmd, sizeof(cmd), "%s/ref.txt", tmp);
    char *summary = (char *)tu_read_file(cmd, &len);
    cr_assert_not_null(summary);
    cr_assert_str_eq(summary, "clusters 4166 addresses 8709 clustered 8704\n");
    free(summary);

    run(&r, dir, (const char *[]){"cluster", "dump", "--format", "csv", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *want = (char *)tu_read_file(ref, &len);
    cr_assert_not_null(want);
    cr_assert_eq(r.out_len, len);
    cr_assert(memcmp(r.out, want, len) == 0, "the dump differs from the reference");
    cr_assert_eq(tu_count_lines(r.out), 8710);
    free(want);
    tu_run_free(&r);

    /* No CoinJoin on this chain (the reference runs no detector), nothing flagged. */
    run(&r, dir, (const char *[]){"cluster", "stats", "--format", "json", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(
        r.out,
        "{\"enabled\":true,\"addresses\":8709,\"clusters\":4166,\"clustered_addresses\":8704,"
        "\"merges\":186,\"flagged_merges\":0,\"coinjoins\":{\"total\":0,\"blocksci\":0,"
        "\"wasabi1\":0,\"wasabi2\":0,\"whirlpool_tx0\":0,\"whirlpool\":0,\"joinmarket\":0},"
        "\"largest\":[{\"cluster_id\":4486,\"size\":88},{\"cluster_id\":853,\"size\":40},"
        "{\"cluster_id\":2274,\"size\":40},{\"cluster_id\":3788,\"size\":32},{\"cluster_id\":"
        "3698,\"size\":24},{\"cluster_id\":655,\"size\":20},{\"cluster_id\":893,\"size\":20},"
        "{\"cluster_id\":1732,\"size\":20},{\"cluster_id\":5678,\"size\":20},{\"cluster_id\":"
        "803,\"size\":16}],\"policy\":{\"threshold\":100000,\"detectors\":[\"blocksci\","
        "\"wasabi1\",\"wasabi2\",\"whirlpool_tx0\",\"whirlpool\",\"joinmarket\"],\"digest\":"
        "\"4817853af1148ace38f8e794a73c4d064aae6c2f26259cc14e840e9df1939566\"}}\n");
    tu_run_free(&r);
    tu_rmtree(dir);
    tu_rmtree(tmp);
    free(dir);
    free(tmp);
    free(blk);
}

/* ---- regtest chains ---- */

typedef struct spend_in {
    const uint8_t *txid;
    uint32_t vout;
} spend_in;

/* Appends a blk record of a block at `height` on `prev`: its coinbase pays 50 BTC to P2PKH
 * `owner`; then, when n_in > 0, one transaction spending `in` and paying `values` to the
 * P2PKH `to` owners. Writes the block hash, the coinbase txid and the spend's txid. */
static void block(bb_buf *file, uint8_t hash[32], uint8_t cb[32], uint8_t spend_txid[32],
                  const uint8_t prev[32], uint32_t height, uint8_t owner, const spend_in *in,
                  size_t n_in, const uint64_t *values, const uint8_t *to, size_t n_out)
{
    const uint8_t sig[6] = {0x04, (uint8_t)height, (uint8_t)(height >> 8), 0, 0, 0x51};
    bb_block b;
    bb_block_init(&b, prev, 1700000000 + height * 600 + owner);
    bb_coinbase(&b, cb, sig, sizeof(sig), 5000000000ULL, owner);
    if (n_in) {
        static const uint8_t op_true = 0x51;
        bb_txin ins[16];
        bb_txout outs[16];
        uint8_t scripts[16][BB_P2PKH_LEN];
        cr_assert(n_in <= 16 && n_out <= 16);
        for (size_t i = 0; i < n_in; i++) {
            memset(&ins[i], 0, sizeof(ins[i]));
            memcpy(ins[i].txid, in[i].txid, 32);
            ins[i].vout = in[i].vout;
            ins[i].script = &op_true;
            ins[i].script_len = 1;
        }
        for (size_t j = 0; j < n_out; j++) {
            bb_p2pkh(scripts[j], to[j]);
            outs[j] = (bb_txout){values[j], scripts[j], BB_P2PKH_LEN};
        }
        bb_txspec t = {1, 0, ins, n_in, outs, n_out, 0};
        uint8_t *slot = bb_block_next(&b);
        bb_tx_write(&b.txs, slot, &t);
        if (spend_txid)
            memcpy(spend_txid, slot, 32);
    }
    bb_block_record(file, hash, &b);
    bb_block_free(&b);
}

static void write_file(const char *dir, const char *name, const bb_buf *b, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, name);
    cr_assert_eq(tu_write_file(path, b->data, b->len), 0);
}

static ct_db *ingest(const char *dir, const char *path)
{
    ct_db *db = tu_db_open(dir, true);
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    ct_ingest_stats st;
    ct_error err;
    o.net = ct_btc_params_get("regtest");
    ct_error_clear(&err);
    cr_assert_eq(ct_ingest_bitcoin(db, &st, (const char *[]){path}, 1, &o, &err), CT_OK, "%s %s",
                 err.reason, err.detail);
    return db;
}

static void digest_of(ct_db *db, char out[65])
{
    ct_graph_verify_report rep;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_graph_verify(db, &rep, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(rep.checks[CT_CHECK_CLUSTERS].failed, 0);
    ct_hex_encode(out, rep.digest, 32);
}

/* The dump through the library: "id:cluster" per address. */
static char *dump(ct_db *db)
{
    ct_cluster_dump *d;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_cluster_dump_new(&d, db, &err), CT_OK, "%s", err.detail);
    char *out = calloc(1, 4096);
    cr_assert_not_null(out);
    const char *addr;
    uint64_t id, cid;
    int rc;
    while ((rc = ct_cluster_dump_next(d, &addr, &id, &cid, &err)) == CT_OK)
        snprintf(out + strlen(out), 4096 - strlen(out), "%llu:%llu ", (unsigned long long)id,
                 (unsigned long long)cid);
    cr_assert_eq(rc, CT_EEOF);
    ct_cluster_dump_free(d);
    return out;
}

/* Chain B: b1..b4 pay owners 0x21..0x24; b5 spends b1 and b2 (-> 0x21) and b6 spends b3
 * and b4 (-> 0x23): two clusters of two; b7 spends those two outputs (-> 0x28): one
 * merge of two clusters. Chain A (a1..a3 from genesis: a3 spends a1 and a2) loses. */
typedef struct chains {
    bb_buf both, winner, upto5;
    uint8_t tip[32];
} chains;

static void make_chains(chains *c)
{
    uint8_t g[32], h[8][32], cb[8][32], s5[32], s6[32], a[4][32], acb[4][32];
    bb_init(&c->both);
    bb_init(&c->winner);
    bb_init(&c->upto5);
    bb_buf tmp, tmp5;
    bb_init(&tmp);
    bb_init(&tmp5);
    bb_regtest_genesis(&c->both, g);
    bb_regtest_genesis(&c->winner, NULL);
    bb_regtest_genesis(&c->upto5, NULL);
    block(&c->both, a[1], acb[1], NULL, g, 1, 0x11, NULL, 0, NULL, NULL, 0);
    block(&c->both, a[2], acb[2], NULL, a[1], 2, 0x12, NULL, 0, NULL, NULL, 0);
    spend_in ain[2] = {{acb[1], 0}, {acb[2], 0}};
    block(&c->both, a[3], acb[3], NULL, a[2], 3, 0x13, ain, 2, (uint64_t[]){9999990000ULL},
          (uint8_t[]){0x14}, 1);
    const uint8_t *prev = g;
    for (uint32_t i = 1; i <= 4; i++) {
        block(&tmp, h[i], cb[i], NULL, prev, i, (uint8_t)(0x20 + i), NULL, 0, NULL, NULL, 0);
        prev = h[i];
    }
    spend_in in5[2] = {{cb[1], 0}, {cb[2], 0}};
    block(&tmp, h[5], cb[5], s5, h[4], 5, 0x25, in5, 2, (uint64_t[]){9999990000ULL},
          (uint8_t[]){0x21}, 1);
    bb_bytes(&tmp5, tmp.data, tmp.len);
    spend_in in6[2] = {{cb[3], 0}, {cb[4], 0}};
    block(&tmp, h[6], cb[6], s6, h[5], 6, 0x26, in6, 2, (uint64_t[]){9999990000ULL},
          (uint8_t[]){0x23}, 1);
    spend_in in7[2] = {{s5, 0}, {s6, 0}};
    block(&tmp, h[7], cb[7], NULL, h[6], 7, 0x27, in7, 2, (uint64_t[]){19999970000ULL},
          (uint8_t[]){0x28}, 1);
    memcpy(c->tip, h[7], 32);
    bb_bytes(&c->both, tmp.data, tmp.len);
    bb_bytes(&c->winner, tmp.data, tmp.len);
    bb_bytes(&c->upto5, tmp5.data, tmp5.len);
    bb_free(&tmp);
    bb_free(&tmp5);
}

static void free_chains(chains *c)
{
    bb_free(&c->both);
    bb_free(&c->winner);
    bb_free(&c->upto5);
}

Test(cluster, merges_are_exact_and_a_reorg_gives_the_winner_alone)
{
    chains c;
    make_chains(&c);
    char *files = tu_tmpdir(), *d1 = tu_tmpdir(), *d2 = tu_tmpdir();
    char p1[600], p2[600];
    write_file(files, "both.blk", &c.both, p1, sizeof(p1));
    write_file(files, "winner.blk", &c.winner, p2, sizeof(p2));

    ct_db *db = ingest(d2, p2);
    /* ids: 1 and 2 the genesis key's two addresses (P2PK link), 3..6 owners 0x21..0x24,
     * 7 0x25, 8 0x26, 9 0x27, 10 0x28 */
    char *want = dump(db);
    cr_assert_str_eq(want, "1:1 2:1 3:3 4:3 5:3 6:3 7:7 8:8 9:9 10:10 ");
    cr_assert_eq(db->cl_ctr.clusters, 2);
    cr_assert_eq(db->cl_ctr.addresses, 6);
    cr_assert_eq(db->cl_ctr.merges, 1);
    cr_assert_eq(db->cl_ctr.flagged, 0);
    ct_cluster_merge m[4];
    size_t n, total;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_cluster_merges(db, 3, 0, m, 4, &n, &total, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(total, 1);
    cr_assert_eq(n, 1);
    cr_assert_eq(m[0].height, 7);
    cr_assert_eq(m[0].kept_id, 3);
    cr_assert_eq(m[0].kept_size, 2);
    cr_assert_eq(m[0].absorbed_id, 5);
    cr_assert_eq(m[0].absorbed_size, 2);
    char x[65], y[65];
    digest_of(db, x);
    ct_db_close(db);

    db = ingest(d1, p1);
    cr_assert(memcmp(db->tip.hash, c.tip, 32) == 0);
    char *got = dump(db);
    cr_assert_str_eq(got, want);
    digest_of(db, y);
    cr_assert_str_eq(x, y);
    ct_db_close(db);
    free(got);
    free(want);
    free_chains(&c);
    tu_rmtree(files);
    tu_rmtree(d1);
    tu_rmtree(d2);
    free(files);
    free(d1);
    free(d2);
}

Test(cluster, rollback_gives_the_chain_never_ingested_past_it)
{
    chains c;
    make_chains(&c);
    char *files = tu_tmpdir(), *d1 = tu_tmpdir(), *d2 = tu_tmpdir();
    char p1[600], p2[600];
    write_file(files, "winner.blk", &c.winner, p1, sizeof(p1));
    write_file(files, "upto5.blk", &c.upto5, p2, sizeof(p2));
    ct_db *db = ingest(d2, p2);
    char x[65], y[65];
    digest_of(db, x);
    char *want = dump(db);
    cr_assert_str_eq(want, "1:1 2:1 3:3 4:3 5:5 6:6 7:7 ");
    ct_db_close(db);

    db = ingest(d1, p1);
    cr_assert_eq(db->cl_ctr.merges, 1);
    cr_assert_eq(ct_db_rollback(db, 5, NULL), CT_OK);
    cr_assert_eq(db->cl_ctr.clusters, 2);
    cr_assert_eq(db->cl_ctr.addresses, 4);
    cr_assert_eq(db->cl_ctr.merges, 0);
    ct_db_close(db);
    db = tu_db_open(d1, false); /* as stored, not as kept in memory */
    char *got = dump(db);
    cr_assert_str_eq(got, want);
    digest_of(db, y);
    cr_assert_str_eq(x, y);
    ct_db_close(db);
    free(got);
    free(want);
    free_chains(&c);
    tu_rmtree(files);
    tu_rmtree(d1);
    tu_rmtree(d2);
    free(files);
    free(d1);
    free(d2);
}

/* A BlockSci CoinJoin (3 inputs of 3 owners, 5 outputs of which 3 equal: p = 3) merges
 * nothing and is counted; the same inputs paying 2 outputs merge. */
Test(cluster, a_coinjoin_merges_nothing)
{
    uint8_t g[32], h[8][32], cb[8][32];
    bb_buf f;
    bb_init(&f);
    bb_regtest_genesis(&f, g);
    const uint8_t *prev = g;
    for (uint32_t i = 1; i <= 6; i++) {
        block(&f, h[i], cb[i], NULL, prev, i, (uint8_t)(0x30 + i), NULL, 0, NULL, NULL, 0);
        prev = h[i];
    }
    spend_in cj[3] = {{cb[1], 0}, {cb[2], 0}, {cb[3], 0}};
    block(&f, h[7], cb[7], NULL, h[6], 7, 0x37, cj, 3,
          (uint64_t[]){4000000000ULL, 4000000000ULL, 4000000000ULL, 1500000000ULL, 1499990000ULL},
          (uint8_t[]){0x41, 0x42, 0x43, 0x44, 0x45}, 5);
    spend_in plain[3] = {{cb[4], 0}, {cb[5], 0}, {cb[6], 0}};
    block(&f, h[0], NULL, NULL, h[7], 8, 0x38, plain, 3,
          (uint64_t[]){10000000000ULL, 4999990000ULL}, (uint8_t[]){0x46, 0x47}, 2);
    char *files = tu_tmpdir(), *d = tu_tmpdir(), p[600];
    write_file(files, "cj.blk", &f, p, sizeof(p));
    ct_db *db = ingest(d, p);
    cr_assert_eq(db->cl_ctr.coinjoins, 1);
    cr_assert_eq(db->cl_ctr.by_detector[0], 1); /* blocksci */
    cr_assert_eq(db->cl_ctr.clusters, 2);       /* the genesis key, and 0x34..0x36 */
    cr_assert_eq(db->cl_ctr.addresses, 5);
    char *got = dump(db);
    /* 3..5 0x31..0x33 (the CoinJoin's inputs: alone), 6..8 0x34..0x36 (one cluster) */
    cr_assert(strncmp(got, "1:1 2:1 3:3 4:4 5:5 6:6 7:6 8:6 ", 32) == 0, "%s", got);
    char x[65];
    digest_of(db, x);
    ct_db_close(db);
    free(got);
    bb_free(&f);
    tu_rmtree(files);
    tu_rmtree(d);
    free(files);
    free(d);
}
