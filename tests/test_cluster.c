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
Test(cluster, first_4313_blocks_equal_an_independent_union_find)
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
    cr_assert_str_eq(summary, "clusters 4166 addresses 8709 clustered 8704 flagged 0\n");
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

    /* The super-cluster guard at threshold 1 (every pair of multi-address clusters is
     * flagged): rebuilt, the clusters and the flagged count equal the reference's. */
    snprintf(cmd, sizeof(cmd),
             "python3 '%s/../tests/tools/cluster_reference.py' '%s' '%s' 1 > '%s/ref.txt'",
             CT_FIXTURES, dec, ref, tmp);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    snprintf(cmd, sizeof(cmd), "%s/ref.txt", tmp);
    summary = (char *)tu_read_file(cmd, &len);
    cr_assert_not_null(summary);
    cr_assert_str_eq(summary, "clusters 4352 addresses 8709 clustered 8704 flagged 186\n");
    free(summary);
    run(&r, dir, (const char *[]){"cluster", "rebuild", "--threshold", "1", "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"cluster", "dump", "--format", "csv", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    want = (char *)tu_read_file(ref, &len);
    cr_assert_not_null(want);
    cr_assert_eq(r.out_len, len);
    cr_assert(memcmp(r.out, want, len) == 0, "the guarded dump differs from the reference");
    free(want);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"cluster", "stats", "--format", "json", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"clusters\":4352,\"clustered_addresses\":8704,\"merges\":0,"
                            "\"flagged_merges\":186,"),
              "%s", r.out);
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
    /* every join is logged: 3 takes in 4 (b5), 5 takes in 6 (b6), 3 takes in 5 (b7) */
    cr_assert_eq(ct_cluster_merges(db, 3, 0, m, 4, &n, &total, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(total, 3);
    cr_assert_eq(n, 3);
    static const uint64_t want_m[3][5] = {{5, 3, 1, 4, 1}, {6, 5, 1, 6, 1}, {7, 3, 2, 5, 2}};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(m[i].height, want_m[i][0], "entry %zu", i);
        cr_assert_eq(m[i].kept_id, want_m[i][1], "entry %zu", i);
        cr_assert_eq(m[i].kept_size, want_m[i][2], "entry %zu", i);
        cr_assert_eq(m[i].absorbed_id, want_m[i][3], "entry %zu", i);
        cr_assert_eq(m[i].absorbed_size, want_m[i][4], "entry %zu", i);
    }
    /* the genesis key's two addresses: one join of two single addresses, at height 0 */
    cr_assert_eq(ct_cluster_merges(db, 1, 0, m, 4, &n, &total, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(total, 1);
    cr_assert_eq(m[0].height, 0);
    cr_assert_eq(m[0].kept_id, 1);
    cr_assert_eq(m[0].absorbed_id, 2);
    cr_assert_eq(m[0].kept_size + m[0].absorbed_size, 2);
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

/* ---- the commands on the 2009 chain ---- */
#define TX3645 "cec658ace2eb9fe79473a0161ea726a69924fdc17d59c39d7c58f44c36d034c1"

Test(cluster, show_cluster_json_text_labels_and_errors)
{
    char *dir = tu_db_first_4313(), *tmp = tu_tmpdir();
    tu_run r;
    /* The largest cluster: 88 addresses, 87 joins: the 44 keys' two addresses joined when
     * each key was paid (two single addresses each), then one transaction at height 3645
     * joins the 44 pairs (43 merges), in the order they were made. */
    run(&r, dir, (const char *[]){"show", "cluster", "4486", "--limit", "44", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strncmp(r.out,
                      "{\"cluster_id\":4486,\"address\":\"126jEcDoSWgGm1XAAWNMG8DPMsZARS9AJE\","
                      "\"size\":88,\"received_sat\":220000000000,\"sent_sat\":220000000000,"
                      "\"balance_sat\":0,\"tx_count\":88,\"first_seen\":{\"height\":2219,\"time\":"
                      "1233227246,\"txid\":"
                      "\"6ef4d3b0955c13d2386a26afef8599b2ab694fd9775f0eff1fe3ff3bc32c0ee9\"},"
                      "\"last_seen\":{\"height\":3645,\"time\":1234200634,\"txid\":\"" TX3645
                      "\"},\"labels\":[],\"merges\":{\"total\":87,\"after\":0,\"entries\":[",
                      strlen("{\"cluster_id\":4486,\"address\":\"126jEcDoSWgGm1XAAWNMG8DPMsZARS9AJE"
                             "\",\"size\":88,\"received_sat\":220000000000,\"sent_sat\":"
                             "220000000000,\"balance_sat\":0,\"tx_count\":88,\"first_seen\":{"
                             "\"height\":2219,\"time\":1233227246,\"txid\":\"6ef4d3b0955c13d2386a"
                             "26afef8599b2ab694fd9775f0eff1fe3ff3bc32c0ee9\"},\"last_seen\":{"
                             "\"height\":3645,\"time\":1234200634,\"txid\":\"" TX3645
                             "\"},\"labels\":[],\"merges\":{\"total\":87,\"after\":0,\"entries"
                             "\":[")) == 0,
              "%s", r.out);
    /* the first 44: a key's two forms, each a single address, never at height 3645 */
    cr_assert_eq(tu_count_lines(r.out), 1);
    size_t singles = 0;
    for (const char *p = strstr(r.out, "\"kept_size\":1,"); p;
         p = strstr(p + 1, "\"kept_size\":1,"))
        singles++;
    cr_assert_eq(singles, 44, "%s", r.out);
    cr_assert_eq(strstr(r.out, "\"absorbed_size\":1}") ? 1 : 0, 1);
    cr_assert_null(strstr(r.out, TX3645 "\",\"kept_id\""), "%s", r.out);
    cr_assert(strstr(r.out, "],\"next_after\":44}}\n"), "%s", r.out);
    tu_run_free(&r);
    /* then the merges of 3645 as before: the first two, and the last one (86 + 2) */
    run(&r, dir,
        (const char *[]){"show", "cluster", "4486", "--after", "44", "--limit", "2", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"merges\":{\"total\":87,\"after\":44,\"entries\":[{\"height\":3645,"
                            "\"txid\":\"" TX3645 "\",\"kept_id\":4674,\"kept_size\":2,"
                            "\"absorbed_id\":4754,\"absorbed_size\":2},{\"height\":3645,\"txid\":"
                            "\"" TX3645 "\",\"kept_id\":4628,\"kept_size\":2,\"absorbed_id\":4674,"
                            "\"absorbed_size\":4}],\"next_after\":46}}\n"),
              "%s", r.out);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "cluster", "4486", "--after", "86", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"merges\":{\"total\":87,\"after\":86,\"entries\":[{\"height\":"
                            "3645,\"txid\":\"" TX3645 "\",\"kept_id\":4486,\"kept_size\":86,"
                            "\"absorbed_id\":6853,\"absorbed_size\":2}],\"next_after\":null}}\n"),
              "%s", r.out);
    tu_run_free(&r);

    /* A label on one member shows with the member that carries it. */
    char lab[600];
    snprintf(lab, sizeof(lab), "%s/labels.csv", tmp);
    const char *csv =
        "address,label,category\n13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW,TestEx,exchange\n";
    cr_assert_eq(tu_write_file(lab, csv, strlen(csv)), 0);
    run(&r, dir, (const char *[]){"labels", "import", "--source", "test", "--quiet", lab, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"show", "cluster", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", "--addresses",
                         "--format", "text", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(
        r.out, "cluster        19 (the id of 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S)\n"
               "size           2 addresses\n"
               "received       195.00000000 BTC\n"
               "sent           177.00000000 BTC\n"
               "balance        18.00000000 BTC\n"
               "first seen     height 9, 2009-01-09T03:54:39Z, tx "
               "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9\n"
               "last seen      height 248, 2009-01-12T20:04:20Z, tx "
               "828ef3b079f9c23829c56fe86e85b4a69d9e06e5b54ea597eef5fb3ffef509fe\n"
               "labels\n"
               "  13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW  exchange: \"TestEx\" (source \"test\")\n"
               "merges         1 (entries 1 to 1)\n"
               "  height 9  tx 0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"
               "  19 (1) took in 20 (1)\n"
               "addresses\n"
               "  12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\n"
               "  13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW\n");
    tu_run_free(&r);

    /* Errors: a member's id is not a cluster id (2), an id past the last address (8). */
    run(&r, dir, (const char *[]){"show", "cluster", "20", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: show: 20 is an address of cluster 19, not a cluster id\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "cluster", "99999999", NULL});
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.err, "chaintrail: show: no cluster 99999999\n");
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"show", "address", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", "--addresses",
                         NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err,
                     "chaintrail: show: option '--addresses' applies to 'show cluster' only\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"cluster", "dump", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: cluster: dump needs --format csv (the only format)\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"cluster", "dump", "--format", "json", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(
        r.err, "chaintrail: cluster: dump needs --format csv (the only format); not 'json'\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"cluster", "split", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: cluster: 'split' is not stats, dump or rebuild\n");
    tu_run_free(&r);
    tu_rmtree(dir);
    tu_rmtree(tmp);
    free(dir);
    free(tmp);
}

/* A database ingested without clustering: the commands say so (exit 2). */
Test(cluster, a_database_without_clusters_says_so)
{
    char *dir = tu_tmpdir(), *blk = tu_fixture(BLK_4313);
    ct_db *db = tu_db_open(dir, true);
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    ct_ingest_stats st;
    o.net = ct_btc_params_get("mainnet");
    o.no_clusters = true;
    cr_assert_eq(ct_ingest_bitcoin(db, &st, (const char *[]){blk}, 1, &o, NULL), CT_OK);
    ct_db_close(db);
    tu_run r;
    run(&r, dir, (const char *[]){"show", "cluster", "1", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: show: this database has no clusters; run 'chaintrail "
                            "cluster rebuild'\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "address", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, ",\"cluster_id\":null,\"cluster_size\":null,\"labels\":[]}\n"), "%s",
              r.out);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"cluster", "stats", "--format", "json", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.out, "{\"enabled\":false,\"addresses\":8709,\"clusters\":0,"
                            "\"clustered_addresses\":0,\"merges\":0,\"flagged_merges\":0,"
                            "\"coinjoins\":{\"total\":0,\"blocksci\":0,\"wasabi1\":0,\"wasabi2\":0,"
                            "\"whirlpool_tx0\":0,\"whirlpool\":0,\"joinmarket\":0},\"largest\":[],"
                            "\"policy\":null}\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"cluster", "dump", "--format", "csv", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: cluster: this database has no clusters; run 'chaintrail "
                            "cluster rebuild'\n");
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
    free(blk);
}

/* ---- rebuild ---- */
static void rebuild(ct_db *db, uint64_t threshold)
{
    ct_cluster_policy pol = {threshold, 63};
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_cluster_rebuild(db, threshold ? &pol : NULL, NULL, NULL, NULL, &err), CT_OK,
                 "%s", err.detail);
}

/* Rebuilding gives every row incremental clustering gives, undo records included: over a
 * database ingested without clusters, and over one that has them. */
Test(cluster, rebuild_equals_incremental_row_for_row)
{
    char *inc = tu_db_first_4313(), *rb = tu_tmpdir(), *blk = tu_fixture(BLK_4313);
    ct_db *db = tu_db_open(rb, true);
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    ct_ingest_stats st;
    o.net = ct_btc_params_get("mainnet");
    o.no_clusters = true;
    cr_assert_eq(ct_ingest_bitcoin(db, &st, (const char *[]){blk}, 1, &o, NULL), CT_OK);
    cr_assert(!db->clusters);
    rebuild(db, 0);
    cr_assert(db->clusters);
    cr_assert_eq(db->cl_ctr.clusters, 4166);
    ct_db_close(db);
    char a[65], b[65];
    tu_db_raw_digest(inc, a);
    tu_db_raw_digest(rb, b);
    cr_assert_str_eq(a, b);
    /* again over the clustered database: nothing changes */
    db = tu_db_open(inc, false);
    rebuild(db, 0);
    ct_db_close(db);
    tu_db_raw_digest(inc, b);
    cr_assert_str_eq(a, b);
    tu_rmtree(inc);
    tu_rmtree(rb);
    free(inc);
    free(rb);
    free(blk);
}

/* The super-cluster guard with threshold 1: b7 would merge two clusters of two; it is
 * flagged instead. A rollback after the rebuild restores the clusters of height 6. */
Test(cluster, guard_flags_a_merge_and_rollback_after_rebuild_is_exact)
{
    chains c;
    make_chains(&c);
    char *files = tu_tmpdir(), *d1 = tu_tmpdir(), *d2 = tu_tmpdir();
    char p1[600], p2[600];
    write_file(files, "winner.blk", &c.winner, p1, sizeof(p1));
    /* height 6: genesis, b1..b6 (b7 is the last record of the file) */
    bb_buf six;
    bb_init(&six);
    size_t cut = c.winner.len;
    {
        /* the records are magic, size, block: walk them to the start of the 8th */
        size_t off = 0;
        for (int i = 0; i < 7; i++) {
            uint32_t sz = (uint32_t)c.winner.data[off + 4] | (uint32_t)c.winner.data[off + 5] << 8 |
                          (uint32_t)c.winner.data[off + 6] << 16 |
                          (uint32_t)c.winner.data[off + 7] << 24;
            off += 8 + sz;
        }
        cut = off;
    }
    cr_assert_lt(cut, c.winner.len);
    bb_bytes(&six, c.winner.data, cut);
    write_file(files, "six.blk", &six, p2, sizeof(p2));

    ct_db *db = ingest(d1, p1);
    rebuild(db, 1);
    cr_assert_eq(db->cl_policy.threshold, 1);
    cr_assert_eq(db->cl_ctr.flagged, 1);
    cr_assert_eq(db->cl_ctr.merges, 0);
    cr_assert_eq(db->cl_ctr.clusters, 3);
    char *got = dump(db);
    cr_assert_str_eq(got, "1:1 2:1 3:3 4:3 5:5 6:5 7:7 8:8 9:9 10:10 ");
    free(got);
    ct_cluster_stats s;
    cr_assert_eq(ct_cluster_stats_get(db, &s, NULL), CT_OK);
    cr_assert_eq(s.flagged, 1);
    cr_assert_eq(ct_db_rollback(db, 6, NULL), CT_OK);
    cr_assert_eq(db->cl_ctr.flagged, 0);
    char x[65], y[65];
    digest_of(db, x);
    ct_db_close(db);

    db = ingest(d2, p2);
    rebuild(db, 1);
    digest_of(db, y);
    cr_assert_str_eq(x, y);
    ct_db_close(db);
    bb_free(&six);
    free_chains(&c);
    tu_rmtree(files);
    tu_rmtree(d1);
    tu_rmtree(d2);
    free(files);
    free(d1);
    free(d2);
}

Test(cluster, rebuild_command_progress_policy_and_errors)
{
    char *dir = tu_db_first_4313();
    tu_run r;
    run(&r, dir,
        (const char *[]){"cluster", "rebuild", "--threshold", "1", "--detectors",
                         "blocksci,whirlpool", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    const char *want = "chaintrail: cluster: rebuild: 1000 of 4313 blocks, 1019 transactions\n"
                       "chaintrail: cluster: rebuild: 2000 of 4313 blocks, 2030 transactions\n"
                       "chaintrail: cluster: rebuild: 3000 of 4313 blocks, 3050 transactions\n"
                       "chaintrail: cluster: rebuild: 4000 of 4313 blocks, 4058 transactions\n"
                       "chaintrail: cluster: rebuild: 4313 of 4313 blocks, 4371 transactions\n"
                       "chaintrail: cluster: rebuilt: 4352 clusters of 8704 addresses, 0 "
                       "merges, 186 flagged, 0 CoinJoins";
    /* settled like an ingest: the time varies, the words do not */
    cr_assert(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    const char *tail = r.err + strlen(want);
    char *end = NULL;
    cr_assert(strncmp(tail, "; database settled in ", 22) == 0, "%s", r.err);
    (void)strtod(tail + 22, &end);
    cr_assert(end != tail + 22, "%s", r.err);
    cr_assert_str_eq(end, " s\n");
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"cluster", "rebuild", "--quiet", "--no-settle", "--threshold", "1",
                         "--detectors", "blocksci,whirlpool", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "");
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"cluster", "rebuild", "--no-settle", "--threshold", "1", "--detectors",
                         "blocksci,whirlpool", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "186 flagged, 0 CoinJoins; not settled (--no-settle)\n"), "%s", r.err);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"cluster", "stats", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "flagged merges     186\n"), "%s", r.out);
    cr_assert(strstr(r.out, "policy             threshold 1, detectors blocksci,whirlpool\n"), "%s",
              r.out);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"cluster", "rebuild", "--detectors", "blocksci,mixer", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: cluster: option '--detectors': unknown detector 'mixer' "
                            "(all, none, or of: blocksci, wasabi1, wasabi2, whirlpool_tx0, "
                            "whirlpool, joinmarket)\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"cluster", "rebuild", "--threshold", "0", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(
        r.err, "chaintrail: cluster: option '--threshold': '0' is not a whole number from 1\n");
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
}

/* A kill at every write boundary of `cluster rebuild --threshold 1` over the clustered 2009
 * chain leaves the old clusters (row for row), the new ones, or a database that says a
 * rebuild was interrupted: every command that would use the clusters refuses (exit 2) until
 * `cluster rebuild`, which finishes with the interrupted run's policy, gives the new rows
 * exactly. */
Test(cluster, a_killed_rebuild_leaves_old_new_or_a_refusal)
{
    static const char *const msg =
        "a 'chaintrail cluster rebuild' was interrupted and left the clusters incomplete; run "
        "'chaintrail cluster rebuild' to finish it\n";
    char *old_dir = tu_db_first_4313();
    char old_digest[65], new_digest[65];
    tu_db_raw_digest(old_dir, old_digest);
    tu_run r;
    run(&r, old_dir, (const char *[]){"cluster", "rebuild", "--threshold", "1", "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_db_raw_digest(old_dir, new_digest);
    cr_assert_str_neq(old_digest, new_digest);
    tu_rmtree(old_dir);
    free(old_dir);
    int olds = 0, news = 0, refused = 0;
    for (int n = 1; n <= 9; n++) {
        for (int after = 0; after < 2; after++) {
            char *dir = tu_db_first_4313(), env[64];
            snprintf(env, sizeof(env), "CHAINTRAIL_TEST_KILL=%s:%d", after ? "after" : "before", n);
            char *d = db_arg(dir);
            tu_exec(&r,
                    (const char *[]){d, "cluster", "rebuild", "--threshold", "1", "--quiet", NULL},
                    (const char *[]){env, NULL});
            free(d);
            cr_assert(r.status == 128 + 9 || r.status == 0, "%s: exit %d %s", env, r.status, r.err);
            tu_run_free(&r);
            char got[65];
            tu_db_raw_digest(dir, got);
            if (strcmp(got, old_digest) == 0) {
                olds++;
            } else if (strcmp(got, new_digest) == 0) {
                news++;
            } else {
                refused++;
                char *blk = tu_fixture(BLK_4313);
                const char *const cmds[][8] = {
                    {"cluster", "stats", NULL},
                    {"cluster", "dump", "--format", "csv", NULL},
                    {"show", "cluster", "1", NULL},
                    {"show", "address", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", NULL},
                    {"trace", "--from", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", NULL},
                    {"ingest", "bitcoin", "--quiet", blk, NULL},
                    {"rollback", "--to", "4000", NULL}};
                for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
                    run(&r, dir, cmds[c]);
                    char want[600];
                    if (c == 5)
                        snprintf(want, sizeof(want), "chaintrail: ingest: rebuild-interrupted: %s",
                                 msg);
                    else if (c == 6)
                        snprintf(want, sizeof(want),
                                 "chaintrail: rollback: %s: rebuild-interrupted: %s", dir, msg);
                    else
                        snprintf(want, sizeof(want), "chaintrail: %s: %s", cmds[c][0], msg);
                    cr_assert_eq(r.status, 2, "%s: %s: exit %d", env, cmds[c][0], r.status);
                    cr_assert_str_eq(r.err, want, "%s", env);
                    cr_assert_str_eq(r.out, "");
                    tu_run_free(&r);
                }
                free(blk);
                /* without clusters, a trace runs */
                run(&r, dir,
                    (const char *[]){"trace", "--from", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S",
                                     "--no-clusters", NULL});
                cr_assert_eq(r.status, 0, "%s: %s", env, r.err);
                tu_run_free(&r);
                tu_db_raw_digest(dir, got); /* the refusals changed nothing */
                run(&r, dir, (const char *[]){"cluster", "rebuild", "--quiet", NULL});
                cr_assert_eq(r.status, 0, "%s: %s", env, r.err);
                tu_run_free(&r);
                tu_db_raw_digest(dir, got);
                cr_assert_str_eq(got, new_digest, "%s", env);
            }
            tu_rmtree(dir);
            free(dir);
        }
    }
    /* before the first write: the old rows; after the marker, refusals; the last writes
     * (the 9th is past the end): the new rows */
    cr_assert_geq(olds, 1);
    cr_assert_geq(refused, 4);
    cr_assert_geq(news, 1);
}

/* ---- the tracer ---- */
/* Hal Finney's key has two addresses (one cluster, 343). A label on the form that never
 * received anything applies to the one that did: FIFO from 12cb... sends its 10 BTC to an
 * exchange, and the endpoint names the address, the cluster, the label and the member.
 * --no-clusters: the label stays on its own address, and the 10 BTC are unspent. */
Test(cluster, trace_uses_the_label_of_any_member)
{
    char *dir = tu_db_first_4313(), *tmp = tu_tmpdir(), lab[600];
    snprintf(lab, sizeof(lab), "%s/labels.csv", tmp);
    const char *csv =
        "address,label,category\n12Pg8yQNFrCoXU4hvcFUCsre9SqX9vbP9d,Hal Desk,exchange\n";
    cr_assert_eq(tu_write_file(lab, csv, strlen(csv)), 0);
    tu_run r;
    run(&r, dir, (const char *[]){"labels", "import", "--source", "test", "--quiet", lab, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"trace", "--from", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", "--model", "fifo",
                         NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out,
                     ",\"clusters\":{\"used\":true,\"policy_digest\":"
                     "\"4817853af1148ace38f8e794a73c4d064aae6c2f26259cc14e840e9df1939566\"},"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"laundered_sat\":1000000000,"), "%s", r.out);
    cr_assert(strstr(r.out, "{\"address\":\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\",\"category\":"
                            "\"exchange\",\"label\":\"Hal Desk (test)\",\"taint_sat\":1000000000,"
                            "\"usd\":null,\"unpriced_sat\":1000000000,\"hops\":1,\"outputs\":1,"
                            "\"first_height\":170,\"first_time\":1231731025,\"last_height\":170,"
                            "\"last_time\":1231731025,\"cluster_id\":343,\"label_member\":"
                            "\"12Pg8yQNFrCoXU4hvcFUCsre9SqX9vbP9d\"}"),
              "%s", r.out);
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"trace", "--from", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", "--model", "fifo",
                         "--no-clusters", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, ",\"clusters\":{\"used\":false,\"policy_digest\":null},"), "%s", r.out);
    cr_assert(strstr(r.out, "\"laundered_sat\":0,"), "%s", r.out);
    cr_assert(strstr(r.out, "{\"address\":\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\",\"category\":"
                            "\"unspent\",\"label\":null,"),
              "%s", r.out);
    tu_run_free(&r);
    tu_rmtree(dir);
    tu_rmtree(tmp);
    free(dir);
    free(tmp);
}

/* Regtest chain B: 0x22 is labelled an exchange; b1's coinbase output pays 0x21, a member of
 * 0x22's cluster once b5 joins them, and its coins move on to 0x28. The sources of a trace
 * never stop it (issue 14), not even through their cluster's label: from 0x21 the taint
 * runs on to 0x28 (its own cluster, id 10), with clusters as without. (A cluster label that
 * stops taint arriving at hop 1 or later: the backward test below, test_sim's truth_clusters
 * cases and Hal Finney's linked address in trace_uses_the_label_of_any_member.) */
Test(cluster, a_source_is_not_stopped_by_its_cluster_label)
{
    chains c;
    make_chains(&c);
    char *files = tu_tmpdir(), *d = tu_tmpdir(), p[600];
    write_file(files, "winner.blk", &c.winner, p, sizeof(p));
    ct_db *db = ingest(d, p);
    /* the addresses of 0x22 and 0x21: ids 4 and 3 */
    ct_cluster_dump *dd;
    cr_assert_eq(ct_cluster_dump_new(&dd, db, NULL), CT_OK);
    const char *addr;
    uint64_t id, cid;
    char a21[64] = "", a22[64] = "", a28[64] = "";
    while (ct_cluster_dump_next(dd, &addr, &id, &cid, NULL) == CT_OK) {
        if (id == 3)
            snprintf(a21, sizeof(a21), "%s", addr);
        if (id == 4)
            snprintf(a22, sizeof(a22), "%s", addr);
        if (id == 10)
            snprintf(a28, sizeof(a28), "%s", addr);
    }
    ct_cluster_dump_free(dd);
    ct_db_close(db);
    char lab[600], csv[300];
    snprintf(lab, sizeof(lab), "%s/labels.csv", files);
    snprintf(csv, sizeof(csv), "address,label,category\n%s,Desk,exchange\n", a22);
    cr_assert_eq(tu_write_file(lab, csv, strlen(csv)), 0);
    tu_run r;
    run(&r, d, (const char *[]){"labels", "import", "--source", "t", "--quiet", lab, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    run(&r, d,
        (const char *[]){"trace", "--from", a21, "--model", "fifo", "--format", "csv", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    char want[400];
    snprintf(want, sizeof(want), "fifo,\"%s\",\"unspent\",\"\",9999990000,,9999990000,1,1,7,", a28);
    cr_assert(strstr(r.out, want), "%s", r.out);
    cr_assert(strstr(r.out, ",10,\n"), "%s", r.out); /* a28's cluster: its own, id 10 */
    cr_assert_null(strstr(r.out, "exchange"), "%s", r.out);
    tu_run_free(&r);
    run(&r, d,
        (const char *[]){"trace", "--from", a21, "--model", "fifo", "--format", "csv",
                         "--no-clusters", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, want), "%s", r.out);
    cr_assert(strstr(r.out, "1700004239,,\n"), "%s", r.out); /* no cluster without clusters */
    cr_assert_null(strstr(r.out, "exchange"), "%s", r.out);
    tu_run_free(&r);
    free_chains(&c);
    tu_rmtree(files);
    tu_rmtree(d);
    free(files);
    free(d);
}

/* ingest --no-clusters: a new database that does not cluster (the graph digest of before). */
Test(cluster, ingest_no_clusters_option)
{
    char *tmp = tu_tmpdir(), *blk = tu_fixture(BLK_4313), db[600];
    snprintf(db, sizeof(db), "%s/db", tmp);
    tu_run r;
    run(&r, db, (const char *[]){"ingest", "bitcoin", "--no-clusters", "--quiet", blk, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    run(&r, db, (const char *[]){"cluster", "stats", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "clusters           none (this database does not cluster; see "
                            "'chaintrail cluster rebuild')\naddresses          8709\n");
    tu_run_free(&r);
    run(&r, db, (const char *[]){"verify", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\ndigest 10935221a1cc08c29842fad019d9118da7fea381eeec1fe42b39357ee7"
                            "9442ac\n"),
              "%s", r.out);
    tu_run_free(&r);
    tu_rmtree(tmp);
    free(tmp);
    free(blk);
}

/* show tx prints the CoinJoin verdict: the regtest CoinJoin of a_coinjoin_merges_nothing is
 * judged by blocksci; a plain payment by none. */
Test(cluster, show_tx_prints_the_coinjoin_verdict)
{
    uint8_t g[32], h[8][32], cb[8][32], cjid[32], plainid[32];
    bb_buf f;
    bb_init(&f);
    bb_regtest_genesis(&f, g);
    const uint8_t *prev = g;
    for (uint32_t i = 1; i <= 6; i++) {
        block(&f, h[i], cb[i], NULL, prev, i, (uint8_t)(0x30 + i), NULL, 0, NULL, NULL, 0);
        prev = h[i];
    }
    spend_in cj[3] = {{cb[1], 0}, {cb[2], 0}, {cb[3], 0}};
    block(&f, h[7], cb[7], cjid, h[6], 7, 0x37, cj, 3,
          (uint64_t[]){4000000000ULL, 4000000000ULL, 4000000000ULL, 1500000000ULL, 1499990000ULL},
          (uint8_t[]){0x41, 0x42, 0x43, 0x44, 0x45}, 5);
    spend_in plain[3] = {{cb[4], 0}, {cb[5], 0}, {cb[6], 0}};
    block(&f, h[0], NULL, plainid, h[7], 8, 0x38, plain, 3,
          (uint64_t[]){10000000000ULL, 4999990000ULL}, (uint8_t[]){0x46, 0x47}, 2);
    char *files = tu_tmpdir(), *d = tu_tmpdir(), p[600], hex[65];
    write_file(files, "cj.blk", &f, p, sizeof(p));
    ct_db_close(ingest(d, p));
    tu_run r;
    ct_hash_to_hex(hex, cjid);
    run(&r, d, (const char *[]){"show", "tx", hex, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(
        strstr(r.out, "],\"coinjoin\":{\"detector\":\"blocksci\",\"veto\":null},\"change\":["),
        "%s", r.out);
    tu_run_free(&r);
    run(&r, d, (const char *[]){"show", "tx", hex, "--format", "text", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\n  coinjoin: yes (blocksci): merges no addresses\n"), "%s", r.out);
    tu_run_free(&r);
    ct_hash_to_hex(hex, plainid);
    run(&r, d, (const char *[]){"show", "tx", hex, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "],\"coinjoin\":{\"detector\":null,\"veto\":null},\"change\":["), "%s",
              r.out);
    tu_run_free(&r);
    bb_free(&f);
    tu_rmtree(files);
    tu_rmtree(d);
    free(files);
    free(d);
}

/* The same chain B traced backward from 0x28 (b7 spends 0x21's and 0x23's outputs): with
 * clusters both stop at hop 1 as the exchange, through the label of 0x22, their cluster's
 * labelled member; without clusters the trace runs on to the coinbases of b1, b3 and b4, and
 * stops at 0x22's own coinbase output (b2) by its own label at hop 2. */
Test(cluster, a_cluster_label_stops_a_backward_trace)
{
    chains c;
    make_chains(&c);
    char *files = tu_tmpdir(), *d = tu_tmpdir(), p[600];
    write_file(files, "winner.blk", &c.winner, p, sizeof(p));
    ct_db *db = ingest(d, p);
    ct_cluster_dump *dd;
    cr_assert_eq(ct_cluster_dump_new(&dd, db, NULL), CT_OK);
    const char *addr;
    uint64_t id, cid;
    char a[11][64];
    memset(a, 0, sizeof(a));
    while (ct_cluster_dump_next(dd, &addr, &id, &cid, NULL) == CT_OK)
        if (id < 11)
            snprintf(a[id], sizeof(a[id]), "%s", addr);
    ct_cluster_dump_free(dd);
    ct_db_close(db);
    /* ids: 3 = 0x21, 4 = 0x22, 5 = 0x23, 6 = 0x24 (one cluster, id 3), 10 = 0x28 */
    char lab[600], csv[300];
    snprintf(lab, sizeof(lab), "%s/labels.csv", files);
    snprintf(csv, sizeof(csv), "address,label,category\n%s,Desk,exchange\n", a[4]);
    cr_assert_eq(tu_write_file(lab, csv, strlen(csv)), 0);
    tu_run r;
    run(&r, d, (const char *[]){"labels", "import", "--source", "t", "--quiet", lab, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    char want[1024];
    run(&r, d,
        (const char *[]){"trace", "--from", a[10], "--backward", "--model", "fifo", "--format",
                         "csv", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    snprintf(want, sizeof(want),
             "model,address,category,label,taint_sat,usd,unpriced_sat,hops,outputs,first_height,"
             "first_time,last_height,last_time,cluster_id,label_member\n"
             "fifo,\"%s\",\"exchange\",\"Desk (t)\",9999990000,,9999990000,1,1,5,1700003037,5,"
             "1700003037,3,\"%s\"\n"
             "fifo,\"%s\",\"exchange\",\"Desk (t)\",9999980000,,9999980000,1,1,6,1700003638,6,"
             "1700003638,3,\"%s\"\n",
             a[3], a[4], a[5], a[4]);
    cr_assert_str_eq(r.out, want);
    tu_run_free(&r);
    run(&r, d,
        (const char *[]){"trace", "--from", a[10], "--backward", "--model", "fifo", "--format",
                         "csv", "--no-clusters", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* three coinbases and 0x22's own label, all at hop 2, no cluster */
    cr_assert_eq(tu_count_lines(r.out), 5, "%s", r.out);
    snprintf(want, sizeof(want), "fifo,\"%s\",\"exchange\",\"Desk (t)\",", a[4]);
    cr_assert(strstr(r.out, want), "%s", r.out);
    for (int k = 3; k <= 6; k++) {
        snprintf(want, sizeof(want), "fifo,\"%s\",\"%s\",", a[k], k == 4 ? "exchange" : "coinbase");
        cr_assert(strstr(r.out, want), "%s: %s", a[k], r.out);
    }
    cr_assert_null(strstr(r.out, "label of"), "%s", r.out);
    tu_run_free(&r);
    /* --group cluster sums the two members of cluster 3 (docs/trace.md, "Groups and limits") */
    run(&r, d,
        (const char *[]){"trace", "--from", a[10], "--backward", "--model", "fifo", "--format",
                         "csv", "--group", "cluster", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "model,cluster,taint_sat,usd,unpriced_sat,endpoints,first_height,"
                            "last_height\nfifo,3,19999970000,,19999970000,2,5,6\n");
    tu_run_free(&r);
    /* Connect: a[6], unlabelled, stands for its whole cluster: the money of 0x28 came from
     * it (through 0x21 and 0x23, where the cluster's label stopped it); without clusters,
     * only what came from a[6] itself: its coinbase output at hop 2 (the plain trace's
     * coinbase endpoint there). */
    run(&r, d,
        (const char *[]){"trace", "--from", a[10], "--backward", "--model", "fifo", "--to", a[6],
                         "--format", "csv", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    snprintf(want, sizeof(want),
             "model,target,reached,taint_sat,usd,unpriced_sat,hops,outputs,first_height,"
             "first_time,first_utc,last_height,last_time,last_utc\n"
             "fifo,\"%s\",yes,19999970000,,19999970000,1,2,5,1700003037,2023-11-14T23:03:57Z,6,"
             "1700003638,2023-11-14T23:13:58Z\n",
             a[6]);
    cr_assert_str_eq(r.out, want);
    tu_run_free(&r);
    run(&r, d,
        (const char *[]){"trace", "--from", a[10], "--backward", "--model", "fifo", "--to", a[6],
                         "--format", "csv", "--no-clusters", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    snprintf(want, sizeof(want),
             "model,target,reached,taint_sat,usd,unpriced_sat,hops,outputs,first_height,"
             "first_time,first_utc,last_height,last_time,last_utc\n"
             "fifo,\"%s\",yes,4999980000,,4999980000,2,1,4,1700002436,2023-11-14T22:53:56Z,4,"
             "1700002436,2023-11-14T22:53:56Z\n",
             a[6]);
    cr_assert_str_eq(r.out, want);
    tu_run_free(&r);
    free_chains(&c);
    tu_rmtree(files);
    tu_rmtree(d);
    free(files);
    free(d);
}

/* The merge log is paged from a bounded heap of the entries up to the end of the page
 * (graph_cluster.c): every page, at every offset, is that slice of the whole log, which is
 * in chain order (by height; within a transaction by the size after the join). */
Test(cluster, merge_log_pages_are_slices_of_the_whole_log)
{
    char *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(dir, false);
    ct_cluster_merge all[100], page[10];
    size_t n, total;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_cluster_merges(db, 4486, 0, all, 100, &n, &total, &err), CT_OK, "%s",
                 err.detail);
    cr_assert_eq(total, 87);
    cr_assert_eq(n, 87);
    for (size_t i = 1; i < n; i++) {
        cr_assert_leq(all[i - 1].height, all[i].height, "entry %zu", i);
        if (memcmp(all[i - 1].txid, all[i].txid, 32) != 0)
            continue;
        uint64_t a = all[i - 1].kept_size + all[i - 1].absorbed_size,
                 b = all[i].kept_size + all[i].absorbed_size;
        cr_assert_lt(a, b, "entry %zu", i);
    }
    for (size_t max = 1; max <= 10; max += 9)
        for (size_t off = 0; off <= 88; off++) {
            cr_assert_eq(ct_cluster_merges(db, 4486, off, page, max, &n, &total, &err), CT_OK, "%s",
                         err.detail);
            cr_assert_eq(total, 87);
            size_t want = off >= 87 ? 0 : 87 - off < max ? 87 - off : max;
            cr_assert_eq(n, want, "offset %zu, limit %zu", off, max);
            for (size_t i = 0; i < n; i++) {
                const ct_cluster_merge *x = &page[i], *y = &all[off + i];
                cr_assert(x->height == y->height && memcmp(x->txid, y->txid, 32) == 0 &&
                              x->kept_id == y->kept_id && x->kept_size == y->kept_size &&
                              x->absorbed_id == y->absorbed_id &&
                              x->absorbed_size == y->absorbed_size,
                          "offset %zu, limit %zu, entry %zu", off, max, i);
            }
        }
    ct_db_close(db);
    free(dir);
}
