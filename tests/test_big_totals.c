/* Totals past 2^64 satoshi (issue 12, 1c; bad-inputs.md X9). chaintrail does not check a
 * coinbase against the subsidy (docs/bitcoin-validation.md), so a regtest chain can pay
 * MAX_MONEY to one address in every block: 8,800 such coinbases are 1.848e19 satoshi, past
 * 2^64 (1.8447e19). The address totals and the unspent-value counter wrapped: `show` gave a
 * wrong balance and `verify` exited 4. They are 128-bit now, stored as docs/storage.md says
 * (a row is wider only while a total needs it), printed exactly, and rolled back exactly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blockbuild.h"
#include "chaintrail/chaintrail.h"
#include "chaintrail/graph.h"
#include "testutil.h"

#define N_BIG    8800u
#define MAXMONEY 2100000000000000ull

typedef unsigned __int128 u128;

/* genesis; heights 1..n_cb: a coinbase of MAX_MONEY to owner 0x42; height n_cb + 1: a
 * coinbase of 50 BTC to 0x44 and a spend of height 1's coinbase, all of it, to 0x43. Up to
 * height `last`; first_cb: the txid of height 1's coinbase. */
static void build_chain(const char *path, uint32_t n_cb, uint32_t last, uint8_t first_cb[32])
{
    bb_buf file;
    bb_init(&file);
    uint8_t prev[32];
    bb_regtest_genesis(&file, prev);
    for (uint32_t h = 1; h <= last; h++) {
        const uint8_t sig[6] = {0x04, (uint8_t)h, (uint8_t)(h >> 8), (uint8_t)(h >> 16),
                                (uint8_t)(h >> 24), 0x51};
        bb_block b;
        bb_block_init(&b, prev, 1296688602 + h);
        uint8_t cb[32];
        if (h <= n_cb) {
            bb_coinbase(&b, cb, sig, sizeof(sig), MAXMONEY, 0x42);
        } else {
            bb_coinbase(&b, cb, sig, sizeof(sig), 5000000000ull, 0x44);
            bb_spend(&b, NULL, first_cb, 0, MAXMONEY, 0x43);
        }
        if (h == 1)
            memcpy(first_cb, cb, 32);
        bb_block_record(&file, prev, &b);
        bb_block_free(&b);
    }
    cr_assert_eq(tu_write_file(path, file.data, file.len), 0);
    bb_free(&file);
}

static void run_ok(tu_run *r, const char *const *args)
{
    tu_exec(r, args, NULL);
    cr_assert_eq(r->status, 0, "%s: %s%s", args[2], r->out, r->err);
}

/* The address string of owner 0x42's P2PKH outputs, read from height 1's coinbase. */
static void owner_address(ct_db *db, const uint8_t cb[32], char *out, size_t size)
{
    ct_graph_tx tx;
    cr_assert_eq(ct_graph_tx_get(db, &tx, cb, NULL), CT_OK);
    snprintf(out, size, "%s", tx.out[0].address);
    ct_graph_tx_release(&tx);
}

Test(big_totals, address_totals_and_unspent_value_past_2_64)
{
    char *tmp = tu_tmpdir();
    char blk[600], db_dir[600];
    snprintf(blk, sizeof(blk), "%s/blk00000.dat", tmp);
    snprintf(db_dir, sizeof(db_dir), "%s/db", tmp);
    uint8_t cb[32];
    build_chain(blk, N_BIG, N_BIG + 1, cb);
    tu_run r;
    run_ok(&r, (const char *[]){"--db", db_dir, "ingest", "bitcoin", "--network", "regtest",
                                "--quiet", blk, NULL});
    tu_run_free(&r);

    const u128 received = (u128)N_BIG * MAXMONEY; /* 18,480,000,000,000,000,000 */
    const u128 sent = MAXMONEY;
    const u128 unspent = received + 2 * 5000000000ull; /* + genesis and the last coinbase */
    cr_assert(received > (u128)UINT64_MAX);
    ct_db *db = tu_db_open(db_dir, false);
    ct_graph_chain_stats s;
    cr_assert_eq(ct_graph_stats(db, &s, NULL), CT_OK);
    cr_assert(s.unspent_value == unspent, "unspent %llu + %llu * 2^64",
              (unsigned long long)s.unspent_value, (unsigned long long)((u128)s.unspent_value >> 64));
    char addr[CT_BTC_ADDR_MAX];
    owner_address(db, cb, addr, sizeof(addr));
    ct_graph_address a;
    cr_assert_eq(ct_graph_address_get(db, &a, addr, NULL), CT_OK);
    cr_assert(a.received_sat == received);
    cr_assert(a.sent_sat == sent);
    cr_assert(a.balance_sat == received - sent);
    cr_assert_eq(a.outputs, N_BIG);
    cr_assert_eq(a.unspent_outputs, N_BIG - 1);
    ct_graph_address_release(&a);
    ct_db_close(db);

    /* verify recomputes everything with 128-bit sums and agrees (it exited 4 before) */
    run_ok(&r, (const char *[]){"--db", db_dir, "verify", NULL});
    tu_run_free(&r);
    /* JSON: totals above 2^53 are decimal strings (docs/cli.md) */
    run_ok(&r, (const char *[]){"--db", db_dir, "show", "address", addr, "--format", "json", NULL});
    cr_assert(strstr(r.out, "\"received_sat\":\"18480000000000000000\",\"sent_sat\":"
                            "2100000000000000,\"balance_sat\":\"18477900000000000000\","),
              "%s", r.out);
    tu_run_free(&r);
    run_ok(&r, (const char *[]){"--db", db_dir, "show", "address", addr, "--format", "text", NULL});
    cr_assert(strstr(r.out, "received       184800000000.00000000 rBTC in 8800 outputs\n"
                            "sent           21000000.00000000 rBTC\n"
                            "balance        184779000000.00000000 rBTC in 8799 unspent outputs\n"),
              "%s", r.out);
    tu_run_free(&r);
    run_ok(&r, (const char *[]){"--db", db_dir, "stats", "--format", "json", NULL});
    cr_assert(strstr(r.out, "\"unspent_sat\":\"18480000010000000000\","), "%s", r.out);
    tu_run_free(&r);
    run_ok(&r, (const char *[]){"--db", db_dir, "stats", "--format", "text", NULL});
    cr_assert(strstr(r.out, "unspent value      184800000100.00000000 rBTC\n"), "%s", r.out);
    tu_run_free(&r);

    /* Rolled back below the 2^64 line, the rows are narrow again and the database equals
     * one that never went past it: the same digest as an ingest of heights 0..8000 only. */
    run_ok(&r, (const char *[]){"--db", db_dir, "rollback", "--to", "8000", NULL});
    tu_run_free(&r);
    run_ok(&r, (const char *[]){"--db", db_dir, "verify", NULL});
    const char *d1 = strstr(r.out, "\ndigest ");
    cr_assert_not_null(d1, "%s", r.out);
    char digest1[80];
    snprintf(digest1, sizeof(digest1), "%.72s", d1 + 1);
    tu_run_free(&r);

    char blk2[600], db2[600];
    snprintf(blk2, sizeof(blk2), "%s/short/blk00000.dat", tmp);
    snprintf(db2, sizeof(db2), "%s/short", tmp);
    cr_assert_eq(mkdir(db2, 0700), 0);
    build_chain(blk2, N_BIG, 8000, cb);
    snprintf(db2, sizeof(db2), "%s/db2", tmp);
    run_ok(&r, (const char *[]){"--db", db2, "ingest", "bitcoin", "--network", "regtest",
                                "--quiet", blk2, NULL});
    tu_run_free(&r);
    run_ok(&r, (const char *[]){"--db", db2, "verify", NULL});
    cr_assert(strstr(r.out, digest1), "%s\nwant %s", r.out, digest1);
    tu_run_free(&r);
    tu_rmtree(tmp);
    free(tmp);
}

/* Undo records written before 128-bit totals (64-byte deltas, no flag, no high half of the
 * unspent value) are still rolled back exactly: the tip's record is rewritten here in that
 * older form, and the rollback gives the database of the chain without the tip. */
Test(big_totals, undo_records_of_the_older_form_roll_back)
{
    char *tmp = tu_tmpdir();
    char blk[600], blk2[600], db1[600], db2[600];
    snprintf(blk, sizeof(blk), "%s/a/blk00000.dat", tmp);
    snprintf(blk2, sizeof(blk2), "%s/b/blk00000.dat", tmp);
    snprintf(db1, sizeof(db1), "%s/a", tmp);
    cr_assert_eq(mkdir(db1, 0700), 0);
    snprintf(db1, sizeof(db1), "%s/b", tmp);
    cr_assert_eq(mkdir(db1, 0700), 0);
    snprintf(db1, sizeof(db1), "%s/db1", tmp);
    snprintf(db2, sizeof(db2), "%s/db2", tmp);
    uint8_t cb[32];
    /* below 2^64 (the older form could not hold more): 5 coinbases of 21M BTC, then the tip
     * spends one and pays three addresses */
    build_chain(blk, 5, 6, cb);
    build_chain(blk2, 5, 5, cb);
    tu_run r;
    run_ok(&r, (const char *[]){"--db", db1, "ingest", "bitcoin", "--network", "regtest",
                                "--quiet", blk, NULL});
    tu_run_free(&r);
    run_ok(&r, (const char *[]){"--db", db2, "ingest", "bitcoin", "--network", "regtest",
                                "--quiet", blk2, NULL});
    tu_run_free(&r);

    uint8_t key[5] = {'u'}, v[4096], old[4096];
    key[4] = 6;
    long n = tu_db_peek(db1, key, 5, v, sizeof(v));
    cr_assert_gt(n, 0);
    /* header (60 bytes + 72 of counters), then the delta count with the wide flag */
    size_t p = 60 + 72, o = p;
    memcpy(old, v, p);
    uint32_t nd = (uint32_t)v[p] << 24 | (uint32_t)v[p + 1] << 16 | (uint32_t)v[p + 2] << 8 | v[p + 3];
    cr_assert(nd & 0x80000000u, "records are written in the wide form");
    nd &= 0x7fffffffu;
    cr_assert_eq(nd, 3);
    old[o++] = 0;
    old[o++] = 0;
    old[o++] = 0;
    old[o++] = (uint8_t)nd;
    p += 4;
    for (int i = 0; i < 8; i++)
        cr_assert_eq(v[p + i], 0); /* the unspent value before the tip: below 2^64 here */
    p += 8;
    for (uint32_t i = 0; i < nd; i++, p += 80) {
        for (int j = 64; j < 80; j++)
            cr_assert_eq(v[p + j], 0); /* each delta is below 2^64 */
        memcpy(old + o, v + p, 64);
        o += 64;
    }
    memcpy(old + o, v + p, (size_t)n - p);
    o += (size_t)n - p;
    tu_db_poke(db1, key, 5, old, o);

    run_ok(&r, (const char *[]){"--db", db1, "rollback", "--to", "5", NULL});
    tu_run_free(&r);
    char d1[80], d2[80];
    run_ok(&r, (const char *[]){"--db", db1, "verify", NULL});
    const char *s = strstr(r.out, "\ndigest ");
    cr_assert_not_null(s, "%s", r.out);
    snprintf(d1, sizeof(d1), "%.72s", s + 1);
    tu_run_free(&r);
    run_ok(&r, (const char *[]){"--db", db2, "verify", NULL});
    s = strstr(r.out, "\ndigest ");
    cr_assert_not_null(s, "%s", r.out);
    snprintf(d2, sizeof(d2), "%.72s", s + 1);
    tu_run_free(&r);
    cr_assert_str_eq(d1, d2);
    tu_rmtree(tmp);
    free(tmp);
}
