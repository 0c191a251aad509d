/* End-to-end tests of `chaintrail show`, `stats` and `verify`: the built binary run on a
 * database of the real first 4,313 mainnet blocks (ingested through the library), its
 * stdout, stderr and exit code checked exactly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockbuild.h"
#include "chaintrail/chaintrail.h"
#include "db/schema.h"
#include "testutil.h"

#define TX9         "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"
#define TX170       "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
#define TX181       "a16f3ce4dd5deb92d98ef5cf8afeaf0775ebca408f708b2146c4fb42b41e14be"
#define ADDR_12CB   "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
#define HASH170     "00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee"
/* with the address clusters (test_graph.c) */
#define DIGEST_4313 "dd585f0976a10f62f1825e91deb045f9083ce85d29f7bd262b7ab6740672a639"

static char *db_arg(const char *dir)
{
    size_t n = strlen(dir) + 6;
    char *a = malloc(n);
    snprintf(a, n, "--db=%s", dir);
    return a;
}

/* Runs chaintrail --db=DIR ARGS... */
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

static void done(char *dir)
{
    tu_rmtree(dir);
    free(dir);
}

Test(cli_show, stats_json_exact)
{
    char *dir = tu_db_first_4313();
    tu_run r;
    run(&r, dir, (const char *[]){"stats", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "");
    cr_assert_str_eq(r.out,
                     "{\"bitcoin\":{\"network\":\"mainnet\",\"height\":4312,\"tip\":"
                     "\"00000000a9da635727dce622d78361b153ce3334e6a60d4377fad529abfc7863\","
                     "\"tip_time\":1234650764,\"blocks\":4313,\"txs\":4371,\"inputs\":247,"
                     "\"outputs\":4397,\"unspent_outputs\":4150,\"unspent_sat\":21565000000000,"
                     "\"addresses\":8709,\"unknown_prevouts\":0,\"overwritten_outputs\":0},"
                     "\"ethereum\":{\"chain_id\":null,\"height\":null,\"first_height\":null,\"blocks\":0,\"txs\":0,"
                     "\"transfers\":0,\"native_transfers\":0,\"internal_transfers\":0,"
                     "\"token_transfers\":0,\"fee_events\":0,\"rewards\":0,\"events\":0,\"logs\":0,"
                     "\"addresses\":0,\"tokens\":0}}\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"stats", "--format", "text", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "unspent value      215650.00000000 BTC\n"), "%s", r.out);
    cr_assert(strstr(r.out, "tip time           2009-02-14T22:32:44Z\n"), "%s", r.out);
    tu_run_free(&r);
    done(dir);
}

#define SUMMARY_12CB                                                                               \
    "{\"address\":\"" ADDR_12CB "\",\"type\":\"p2pk\",\"received_sat\":19500000000,"               \
    "\"sent_sat\":17700000000,\"balance_sat\":1800000000,\"tx_count\":6,\"outputs\":6,"            \
    "\"unspent_outputs\":1,\"first_seen\":{\"height\":9,\"time\":1231473279,\"txid\":\"" TX9       \
    "\"},\"last_seen\":{\"height\":248,\"time\":1231790660,\"txid\":"                              \
    "\"828ef3b079f9c23829c56fe86e85b4a69d9e06e5b54ea597eef5fb3ffef509fe\"},"                       \
    "\"linked_address\":\"13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW\","                                   \
    "\"cluster_id\":19,\"cluster_size\":2," /* the key's two addresses (test_cluster's reference)  \
                                             */                                                    \
    "\"labels\":[]"

Test(cli_show, address_summary_and_pages)
{
    char *dir = tu_db_first_4313();
    tu_run r;
    run(&r, dir, (const char *[]){"show", "address", ADDR_12CB, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, SUMMARY_12CB "}\n");
    tu_run_free(&r);

    /* First page of 2, with the cursor to go on with. */
    run(&r, dir, (const char *[]){"show", "address", ADDR_12CB, "--txs", "--limit", "2", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, SUMMARY_12CB
                     ",\"history\":[{\"txid\":\"" TX9 "\",\"height\":9,\"time\":1231473279,"
                     "\"direction\":\"received\",\"index\":0,\"value_sat\":5000000000,"
                     "\"cursor\":\"" TX9 ":out:0\"},{\"txid\":\"" TX170 "\",\"height\":170,"
                     "\"time\":1231731025,\"direction\":\"received\",\"index\":1,"
                     "\"value_sat\":4000000000,\"cursor\":\"" TX170 ":out:1\"}],"
                     "\"next\":\"" TX170 ":out:1\"}\n");
    tu_run_free(&r);

    /* Second page: after that cursor (--after alone implies --txs). */
    run(&r, dir,
        (const char *[]){"show", "address", ADDR_12CB, "--limit=2", "--after", TX170 ":out:1",
                         NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, SUMMARY_12CB
                     ",\"history\":[{\"txid\":\"" TX170 "\",\"height\":170,\"time\":1231731025,"
                     "\"direction\":\"sent\",\"index\":0,\"value_sat\":5000000000,"
                     "\"cursor\":\"" TX170 ":in:0\"},{\"txid\":\"" TX181 "\",\"height\":181,"
                     "\"time\":1231740133,\"direction\":\"received\",\"index\":1,"
                     "\"value_sat\":3000000000,\"cursor\":\"" TX181 ":out:1\"}],"
                     "\"next\":\"" TX181 ":out:1\"}\n");
    tu_run_free(&r);

    /* The whole history: 11 entries, no next page. */
    run(&r, dir, (const char *[]){"show", "address", ADDR_12CB, "--txs", NULL});
    cr_assert_eq(r.status, 0);
    size_t n = 0;
    for (const char *p = r.out; (p = strstr(p, "\"cursor\"")); p++)
        n++;
    cr_assert_eq(n, 11);
    cr_assert(strstr(r.out, "],\"next\":null}\n"));
    tu_run_free(&r);

    /* Text. */
    run(&r, dir,
        (const char *[]){"show", "address", "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", "--format",
                         "text", "--txs", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out,
                     "address        1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\n"
                     "type           p2pk\n"
                     "linked         12Pg8yQNFrCoXU4hvcFUCsre9SqX9vbP9d (the same key)\n"
                     "cluster        343 (2 addresses)\n"
                     "received       10.00000000 BTC in 1 outputs\n"
                     "sent           0.00000000 BTC\n"
                     "balance        10.00000000 BTC in 1 unspent outputs\n"
                     "transactions   1\n"
                     "first seen     height 170, 2009-01-12T03:30:25Z, tx " TX170 "\n"
                     "last seen      height 170, 2009-01-12T03:30:25Z, tx " TX170 "\n"
                     "history\n"
                     "  2009-01-12T03:30:25Z      170  " TX170 "  out 0     +10.00000000 BTC\n");
    tu_run_free(&r);
    done(dir);
}

Test(cli_show, tx_170_json_exact)
{
    char *dir = tu_db_first_4313();
    tu_run r;
    run(&r, dir, (const char *[]){"show", "tx", TX170, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(
        r.out,
        "{\"txid\":\"" TX170 "\",\"height\":170,\"block_hash\":\"" HASH170 "\","
        "\"block_time\":1231731025,\"index\":1,\"coinbase\":false,\"size\":275,\"weight\":1100,"
        "\"fee_sat\":0,\"inputs\":[{\"vin\":0,\"prev_txid\":\"" TX9 "\",\"prev_vout\":0,"
        "\"prevout_unknown\":false,\"value_sat\":5000000000,\"address\":\"" ADDR_12CB
        "\",\"labels\":[]}],"
        "\"outputs\":[{\"n\":0,\"value_sat\":1000000000,\"type\":\"p2pk\","
        "\"address\":\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\",\"labels\":[],\"spent_by\":null,"
        "\"overwritten\":false},{\"n\":1,\"value_sat\":4000000000,\"type\":\"p2pk\","
        "\"address\":\"" ADDR_12CB "\",\"labels\":[],\"spent_by\":{\"txid\":\"" TX181
        "\",\"vin\":0},"
        "\"overwritten\":false}],\"coinjoin\":{\"detector\":null,\"veto\":null},"
        /* the 40 BTC back to the payer's own address is the change by address reuse, and by
         * the peeling chain (tx 181 peels 10 BTC more off it) */
        "\"change\":["
        "{\"heuristic\":\"address_reuse\",\"judged\":true,\"output\":1,\"candidates\":1,"
        "\"confidence\":900},"
        "{\"heuristic\":\"address_type\",\"judged\":true,\"output\":null,\"candidates\":2,"
        "\"confidence\":0},"
        "{\"heuristic\":\"optimal_change\",\"judged\":true,\"output\":null,\"candidates\":2,"
        "\"confidence\":0},"
        "{\"heuristic\":\"power_of_ten\",\"judged\":true,\"output\":null,\"candidates\":0,"
        "\"confidence\":0},"
        "{\"heuristic\":\"locktime\",\"judged\":false,\"output\":null,\"candidates\":null,"
        "\"confidence\":null},"
        "{\"heuristic\":\"peeling_chain\",\"judged\":true,\"output\":1,\"candidates\":1,"
        "\"confidence\":800}]}\n");
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"show", "tx", TX170, "--format", "text", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, ":0\n"
                            "  change    address_reuse   out 1, confidence 900/1000\n"
                            "  change    address_type    none (2 candidates)\n"
                            "  change    optimal_change  none (2 candidates)\n"
                            "  change    power_of_ten    none (0 candidates)\n"
                            "  change    locktime        not judged (not stored)\n"
                            "  change    peeling_chain   out 1, confidence 800/1000\n"),
              "%s", r.out);
    tu_run_free(&r);

    /* The block-9 coinbase: spent by tx 170, input 0; no fee. */
    run(&r, dir, (const char *[]){"show", "tx", TX9, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"coinbase\":true,"), "%s", r.out);
    cr_assert(strstr(r.out, "\"fee_sat\":null,\"inputs\":[{\"vin\":0,\"coinbase\":true}]"));
    cr_assert(strstr(r.out, "\"address\":\"" ADDR_12CB "\",\"labels\":[],\"spent_by\":{\"txid\":\"" TX170
                            "\",\"vin\":0},\"overwritten\":false}],\"coinjoin\":{\"detector\":"
                            "null,\"veto\":null},\"change\":null}\n"));
    tu_run_free(&r);
    done(dir);
}

Test(cli_show, block_170_by_height_and_by_hash)
{
    char *dir = tu_db_first_4313();
    const char *want =
        "{\"hash\":\"" HASH170 "\",\"height\":170,\"status\":\"main\",\"version\":1,"
        "\"prev_hash\":\"000000002a22cfee1f2c846adbd12b3e183d4f97683f85dad08a79780a84bd55\","
        "\"merkle_root\":\"7dac2c5666815c17a3b36427de37bb9d2e2c5ccec3f8633eb91a4205cb4c10ff\","
        "\"time\":1231731025,\"bits\":\"1d00ffff\",\"nonce\":1889418792,\"tx_count\":2,"
        "\"txids\":[\"b1fea52486ce0c62bb442b530a3f0132b826c74e473d1f2c220bfa78111c5082\","
        "\"" TX170 "\"],\"next\":null}\n";
    tu_run r;
    run(&r, dir, (const char *[]){"show", "block", "170", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, want);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "block", HASH170, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, want);
    tu_run_free(&r);
    /* Paged txids. */
    run(&r, dir, (const char *[]){"show", "block", "170", "--limit", "1", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "\"txids\":[\"b1fea52486ce0c62bb442b530a3f0132b826c74e473d1f2c220bfa7"
                            "8111c5082\"],\"next\":\"b1fea52486ce0c62bb442b530a3f0132b826c74e473d"
                            "1f2c220bfa78111c5082\"}\n"),
              "%s", r.out);
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"show", "block", "170", "--after",
                         "b1fea52486ce0c62bb442b530a3f0132b826c74e473d1f2c220bfa78111c5082", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "\"txids\":[\"" TX170 "\"],\"next\":null}\n"), "%s", r.out);
    tu_run_free(&r);
    done(dir);
}

Test(cli_show, verify_ok_with_digest)
{
    char *dir = tu_db_first_4313();
    tu_run r;
    run(&r, dir, (const char *[]){"verify", NULL});
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    cr_assert_str_eq(r.err, "");
    cr_assert(strstr(r.out, "ok      inputs            247 checked"), "%s", r.out);
    cr_assert_null(strstr(r.out, "FAILED"));
    size_t n = strlen(r.out);
    /* the Bitcoin digest, then the Ethereum tables: none, so SHA-256 of nothing */
    const char *tail = "rows 66314\ndigest " DIGEST_4313 "\n"
                       "ok      ethereum            0 rows  (events have ledger rows, totals sum "
                       "their ledgers, blocks connect, counters)\nethereum digest "
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";
    cr_assert(n > strlen(tail) && strcmp(r.out + n - strlen(tail), tail) == 0, "%s", r.out);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"verify", "--format=json", NULL});
    cr_assert_eq(r.status, 0);
    cr_assert(strncmp(r.out,
                      "{\"ok\":true,\"violations\":0,\"checks\":[{\"name\":\"rows\","
                      "\"checked\":66314,\"failed\":0},",
                      68) == 0,
              "%s", r.out);
    cr_assert(strstr(r.out,
                     "\"listed\":[],\"rows\":66314,\"digest\":\"" DIGEST_4313
                     "\",\"ethereum\":{\"ok\":true,\"violations\":0,\"first\":null,"
                     "\"rows\":0,\"digest\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
                     "a495991b7852b855\"}}\n"),
              "%s", r.out);
    tu_run_free(&r);
    done(dir);
}

Test(cli_show, verify_exits_4_on_a_deleted_spend_link)
{
    char *dir = tu_db_first_4313();
    uint8_t k[33], v[8];
    k[0] = CT_T_TXID;
    cr_assert_eq(ct_hash_from_hex(k + 1, TX9), CT_OK);
    cr_assert_eq(tu_db_peek(dir, k, 33, v, 8), 8);
    uint8_t sk[13];
    ct_key_u64_u32(sk, CT_T_SPEND, ct_be64(v), 0);
    tu_db_poke(dir, sk, 13, NULL, 0);
    tu_run r;
    run(&r, dir, (const char *[]){"verify", NULL});
    cr_assert_eq(r.status, 4, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "FAILED  inputs            247 checked, 1 failed"), "%s", r.out);
    cr_assert(strstr(r.out, "violation inputs "), "%s", r.out);
    cr_assert(strstr(r.out, "has no spend link\n"), "%s", r.out);
    cr_assert(strstr(r.out, "\ndigest "));
    cr_assert_null(strstr(r.out, DIGEST_4313));
    cr_assert_str_eq(r.err, "chaintrail: verify: 4 invariant violations in the graph tables: "
                            "the database is corrupt\n");
    tu_run_free(&r);
    /* show still answers, from what is stored: the output now looks unspent. */
    run(&r, dir, (const char *[]){"show", "tx", TX9, NULL});
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "\"spent_by\":null"));
    tu_run_free(&r);
    done(dir);
}

Test(cli_show, not_found_exits_8)
{
    char *dir = tu_db_first_4313();
    tu_run r;
    run(&r, dir, (const char *[]){"show", "address", "3HV3rQ9jEHsfnmn91wzU4MQx8sVQPNW7Sr", NULL});
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, "chaintrail: show: address '3HV3rQ9jEHsfnmn91wzU4MQx8sVQPNW7Sr' is "
                            "not in the database\n");
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"show", "tx",
                         "1111111111111111111111111111111111111111111111111111111111111111", NULL});
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.err, "chaintrail: show: transaction 111111111111111111111111111111111111111"
                            "1111111111111111111111111 is not in the database\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "block", "4313", NULL});
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.err, "chaintrail: show: no main-chain block at height 4313\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "block", "170", "--after", TX9, NULL});
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, "chaintrail: show: transaction " TX9 " is not in this block\n");
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"show", "address", ADDR_12CB, "--after",
                         "1111111111111111111111111111111111111111111111111111111111111111", NULL});
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    done(dir);
}

Test(cli_show, bad_arguments_exit_2)
{
    char *dir = tu_db_first_4313();
    tu_run r;
    /* Last character changed: the checksum fails. */
    run(&r, dir, (const char *[]){"show", "address", "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3T", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: show: '12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3T' is not an "
                            "address (bad-checksum), a TXID or TXID:VOUT\n");
    tu_run_free(&r);
    /* A testnet address in a mainnet database. */
    run(&r, dir, (const char *[]){"show", "address", "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "wrong-network"), "%s", r.err);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "address", "script-1234", NULL});
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "tx", "f4184fc5", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: show: 'f4184fc5' is not a txid (64 hex digits)\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "block", "-5", NULL});
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "address", ADDR_12CB, "--after", "nope", NULL});
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "bad-cursor") || strstr(r.err, "is not a cursor"), "%s", r.err);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "address", ADDR_12CB, "--limit", "0", NULL});
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "tx", TX170, "--txs", NULL});
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "wallet", "x", NULL});
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"stats", "--format", "yaml", NULL});
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    done(dir);
}

Test(cli_show, missing_and_locked_databases)
{
    char *tmp = tu_tmpdir();
    char path[600];
    snprintf(path, sizeof(path), "%s/nothing-here", tmp);
    tu_run r;
    const char *cmds[][4] = {{"stats", NULL},
                             {"verify", NULL},
                             {"show", "block", "0", NULL},
                             {"show", "address", ADDR_12CB, NULL}};
    for (size_t i = 0; i < 4; i++) {
        run(&r, path, cmds[i]);
        cr_assert_eq(r.status, 5, "%s: %d", cmds[i][0], r.status);
        cr_assert(strstr(r.err, "no database at '"), "%s", r.err);
        cr_assert_str_eq(r.out, "");
        tu_run_free(&r);
    }
    /* Nothing was created. */
    FILE *f = fopen(path, "r");
    cr_assert_null(f);

    /* Held by this process: the binary gets exit 6. */
    ct_db *db = tu_db_open(tmp, true);
    run(&r, tmp, (const char *[]){"stats", NULL});
    cr_assert_eq(r.status, 6, "%s", r.err);
    cr_assert(strstr(r.err, "locked"), "%s", r.err);
    tu_run_free(&r);
    ct_db_close(db);
    /* Released: an empty database. */
    run(&r, tmp, (const char *[]){"stats", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "{\"bitcoin\":{\"network\":null,\"height\":null,\"tip\":null,"
                            "\"tip_time\":null,\"blocks\":0,\"txs\":0,\"inputs\":0,\"outputs\":0,"
                            "\"unspent_outputs\":0,\"unspent_sat\":0,\"addresses\":0,"
                            "\"unknown_prevouts\":0,\"overwritten_outputs\":0},"
                     "\"ethereum\":{\"chain_id\":null,\"height\":null,\"first_height\":null,\"blocks\":0,\"txs\":0,"
                     "\"transfers\":0,\"native_transfers\":0,\"internal_transfers\":0,"
                     "\"token_transfers\":0,\"fee_events\":0,\"rewards\":0,\"events\":0,\"logs\":0,"
                     "\"addresses\":0,\"tokens\":0}}\n");
    tu_run_free(&r);
    tu_rmtree(tmp);
    free(tmp);
}

/* ---- outputs without an address: shown as script:<hex of the script> ---- */
/* A bare 1-of-2 multisig script (two 33-byte keys of the right form, not curve points) and
 * a nonstandard one (OP_TRUE). */
#define MS_HEX                                                                                     \
    "51"                                                                                           \
    "21020101010101010101010101010101010101010101010101010101010101010101"                         \
    "21030202020202020202020202020202020202020202020202020202020202020202"                         \
    "52ae"
#define NS_HEX  "51"
#define ADDR_44 "mmiWF6faA2Vmb9d7ErQSq927WnS5miFgnQ" /* regtest P2PKH of owner 0x44 */

typedef struct script_chain {
    char *dir;
    char txa[65], txb[65], cb1[65];
} script_chain;

static void hex_of(char out[65], const uint8_t txid[32])
{
    for (int i = 0; i < 32; i++) /* displayed byte-reversed, as txids are */
        snprintf(out + 2 * i, 3, "%02x", txid[31 - i]);
}

/* Regtest: block 1 pays 50 BTC to P2PKH 0x11; block 2 spends it in tx A to a multisig
 * (10 BTC), an OP_TRUE output (20 BTC) and P2PKH 0x33 (19 BTC); block 3's tx B spends the
 * multisig to P2PKH 0x44 (9 BTC). Ingested through the library, then verified. */
static script_chain script_chain_new(void)
{
    static const uint8_t sig1[] = {0x01, 0x01}, sig2[] = {0x01, 0x02}, sig3[] = {0x01, 0x03},
                         op_true[] = {0x51};
    script_chain c;
    bb_buf file, ms;
    bb_block k;
    uint8_t g[32], h1[32], h2[32], h3[32], cb1[32], txa[32], txb[32], p33[BB_P2PKH_LEN],
        p44[BB_P2PKH_LEN];
    bb_init(&file);
    bb_init(&ms);
    bb_hex(&ms, MS_HEX);
    bb_p2pkh(p33, 0x33);
    bb_p2pkh(p44, 0x44);
    bb_regtest_genesis(&file, g);
    bb_block_init(&k, g, 1296688700u);
    bb_coinbase(&k, cb1, sig1, sizeof(sig1), 5000000000ull, 0x11);
    bb_block_record(&file, h1, &k);
    bb_block_free(&k);

    bb_block_init(&k, h1, 1296688800u);
    bb_coinbase(&k, NULL, sig2, sizeof(sig2), 5000000000ull, 0x22);
    bb_txin in_a = {.vout = 0, .script = op_true, .script_len = 1};
    memcpy(in_a.txid, cb1, 32);
    bb_txout out_a[] = {{1000000000ull, ms.data, ms.len},
                        {2000000000ull, op_true, 1},
                        {1900000000ull, p33, sizeof(p33)}};
    bb_txspec a = {.version = 1, .in = &in_a, .n_in = 1, .out = out_a, .n_out = 3};
    bb_block_add(&k, &a);
    memcpy(txa, k.txid[k.n_tx - 1], 32);
    bb_block_record(&file, h2, &k);
    bb_block_free(&k);

    bb_block_init(&k, h2, 1296688900u);
    bb_coinbase(&k, NULL, sig3, sizeof(sig3), 5000000000ull, 0x22);
    bb_txin in_b = {.vout = 0, .script = op_true, .script_len = 1};
    memcpy(in_b.txid, txa, 32);
    bb_txout out_b[] = {{900000000ull, p44, sizeof(p44)}};
    bb_txspec b = {.version = 1, .in = &in_b, .n_in = 1, .out = out_b, .n_out = 1};
    bb_block_add(&k, &b);
    memcpy(txb, k.txid[k.n_tx - 1], 32);
    bb_block_record(&file, h3, &k);
    bb_block_free(&k);

    c.dir = tu_tmpdir();
    char path[600];
    snprintf(path, sizeof(path), "%s.blk", c.dir);
    cr_assert_eq(tu_write_file(path, file.data, file.len), 0);
    ct_db *db = tu_db_open(c.dir, true);
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    o.net = ct_btc_params_get("regtest");
    const char *paths[] = {path};
    ct_ingest_stats st;
    cr_assert_eq(ct_ingest_bitcoin(db, &st, paths, 1, &o, NULL), CT_OK);
    ct_db_close(db);
    remove(path);
    bb_free(&file);
    bb_free(&ms);
    hex_of(c.txa, txa);
    hex_of(c.txb, txb);
    hex_of(c.cb1, cb1);
    return c;
}

Test(cli_show, outputs_without_an_address_are_script_hex)
{
    script_chain c = script_chain_new();
    tu_run r;
    const char *ms = "script:" MS_HEX, *ns = "script:" NS_HEX;

    run(&r, c.dir, (const char *[]){"verify", NULL});
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    tu_run_free(&r);

    run(&r, c.dir, (const char *[]){"show", "tx", c.txa, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"type\":\"multisig\",\"address\":\""
                            "script:" MS_HEX "\""),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"type\":\"nonstandard\",\"address\":\"script:51\""), "%s", r.out);
    cr_assert_null(strstr(r.out, "script-"), "%s", r.out);
    tu_run_free(&r);
    /* The input of B spends the multisig: its address is the script identity too. */
    run(&r, c.dir, (const char *[]){"show", "tx", c.txb, "--format", "text", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, ms), "%s", r.out);
    tu_run_free(&r);

    run(&r, c.dir, (const char *[]){"show", "address", ms, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"address\":\""
                            "script:" MS_HEX "\""),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"received_sat\":1000000000,"), "%s", r.out);
    tu_run_free(&r);
    run(&r, c.dir, (const char *[]){"show", "address", ns, "--format", "text", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "address        script:51\n"), "%s", r.out);
    tu_run_free(&r);
    /* Exact: uppercase hex, odd length, another script are refused or unknown. */
    run(&r, c.dir, (const char *[]){"show", "address", "script:5", NULL});
    cr_assert_eq(r.status, 2, "%s", r.err);
    tu_run_free(&r);
    run(&r, c.dir, (const char *[]){"show", "address", "script:52", NULL});
    cr_assert_eq(r.status, 8, "%s", r.err);
    tu_run_free(&r);

    /* A trace through the multisig: it ends at the OP_TRUE output and at 0x44's address. */
    char src[80];
    snprintf(src, sizeof(src), "%s:0", c.cb1);
    run(&r, c.dir,
        (const char *[]){"trace", "--from", src, "--model", "poison", "--format", "csv", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\npoison,\"script:51\",\"unspent\",\"\",2000000000,"), "%s", r.out);
    cr_assert_null(strstr(r.out, "script-"), "%s", r.out);
    tu_run_free(&r);
    /* One hop: it ends at the multisig. */
    run(&r, c.dir,
        (const char *[]){"trace", "--from", src, "--model", "poison", "--hops", "1", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"address\":\""
                            "script:" MS_HEX "\""),
              "%s", r.out);
    tu_run_free(&r);
    run(&r, c.dir,
        (const char *[]){"trace", "--from", src, "--model", "poison", "--hops", "1", "--format",
                         "text", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, ms), "%s", r.out);
    tu_run_free(&r);
    /* From the script identities (the multisig's does not fit a source: traced by its key). */
    run(&r, c.dir, (const char *[]){"trace", "--from", ms, "--model", "poison", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"sources\":[\""
                            "script:" MS_HEX "\"]"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"address\":\"" ADDR_44 "\""), "%s", r.out);
    tu_run_free(&r);
    run(&r, c.dir, (const char *[]){"trace", "--from", ns, "--model", "poison", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"address\":\"script:51\""), "%s", r.out);
    tu_run_free(&r);

    /* decode names both outputs by the same identity. */
    bb_buf tx, msb;
    uint8_t txid[32];
    static const uint8_t op_true[] = {0x51};
    bb_init(&tx);
    bb_init(&msb);
    bb_hex(&msb, MS_HEX);
    bb_txin in = {.vout = 0, .script = op_true, .script_len = 1};
    bb_txout outs[] = {{1000, msb.data, msb.len}, {2000, op_true, 1}};
    bb_txspec t = {.version = 1, .in = &in, .n_in = 1, .out = outs, .n_out = 2};
    bb_tx_write(&tx, txid, &t);
    char path[600];
    snprintf(path, sizeof(path), "%s.tx", c.dir);
    cr_assert_eq(tu_write_file(path, tx.data, tx.len), 0);
    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--network", "regtest", "--tx", path, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"script_id\":\""
                            "script:" MS_HEX "\""),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"script_id\":\"script:51\""), "%s", r.out);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"decode", "bitcoin", "--network", "regtest", "--tx", "--format",
                             "text", path, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "  script:51\n"), "%s", r.out);
    tu_run_free(&r);
    remove(path);
    bb_free(&tx);
    bb_free(&msb);
    done(c.dir);
}

/* A labelled address shows its labels with their source, in `show address` and beside each
 * input and output of `show tx` that pays it, in text and JSON (issue 12 §5f). */
Test(cli_show, labels_of_addresses_and_outputs)
{
    char *dir = tu_db_first_4313();
    char *tmp = tu_tmpdir();
    size_t n = strlen(tmp) + 8;
    char *csv = malloc(n);
    snprintf(csv, n, "%s/l.csv", tmp);
    static const char rows[] = "address,label,category,source\n" ADDR_12CB
                               ",Hal \x1b[31m,other,test\n" ADDR_12CB ",Early miner,miner,mine\n";
    cr_assert_eq(tu_write_file(csv, rows, sizeof(rows) - 1), 0);
    tu_run r;
    run(&r, dir, (const char *[]){"labels", "import", "--quiet", csv, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
#define LJ                                                                                         \
    "\"labels\":[{\"source\":\"mine\",\"label\":\"Early miner\",\"category\":\"miner\","           \
    "\"confidence\":50,\"asset\":\"BTC\",\"reference\":null},{\"source\":\"test\",\"label\":"      \
    "\"Hal \\u001b[31m\",\"category\":\"other\",\"confidence\":50,\"asset\":\"BTC\","              \
    "\"reference\":null}]"
#define LT  "miner       50  BTC   mine: Early miner\n"
#define LT2 "other       50  BTC   test: Hal \\x1b[31m\n"
    run(&r, dir, (const char *[]){"show", "address", ADDR_12CB, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"linked_address\":\"13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW\","
                            "\"cluster_id\":19,\"cluster_size\":2," LJ "}\n"),
              "%s", r.out);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "address", ADDR_12CB, "--format", "text", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "labels         2\n  " LT "  " LT2), "%s", r.out);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "tx", TX170, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"address\":\"" ADDR_12CB "\"," LJ "}],\"outputs\""), "%s", r.out);
    cr_assert(strstr(r.out, "\"address\":\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\",\"labels\":[],"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"address\":\"" ADDR_12CB "\"," LJ ",\"spent_by\":{\"txid\":\"" TX181),
              "%s", r.out);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"show", "tx", TX170, "--format", "text", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "50.00000000 BTC  " ADDR_12CB "\n            label " LT
                            "            label " LT2 "  out 0 "),
              "%s", r.out);
    cr_assert(strstr(r.out, "spent by " TX181 ":0\n            label " LT "            label " LT2),
              "%s", r.out);
    tu_run_free(&r);
    free(csv);
    tu_rmtree(tmp);
    free(tmp);
    done(dir);
}
