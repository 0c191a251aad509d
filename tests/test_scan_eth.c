/* `chaintrail scan` of Ethereum customer rows (docs/scan.md "Ethereum"): direct exposure per
 * asset on the real mainnet block 19433902 (fixtures/eth/trin, with its receipts), amounts in
 * wei and token base units, 256-bit alert amounts through the alert store, the nightly rule.
 *
 * The expected amounts are the transfers of the fixture's JSON as a reader of it sees them
 * (checked with a few lines of Python over eth_getBlockByNumber_19433902_full.json and
 * eth_getBlockReceipts_19433902.json: a transaction's `value`, a Transfer log's `data`):
 *   0x36921b4a…3ab8  BIN14 -> RECV1   14 ETH            (value 0xc249fdd327780000)
 *   0xd42d3a93…97b3  BIN14 -> RECV2   0.2 ETH
 *   0x9e70d67c…6c64  BIN14 -> RECV3   10885830000000000000000 units of token 0xbC39…3447
 * and BIN14 sent 14206505615125788276 wei in the block (its two payments and its fees, as
 * `show address` prints), so 14 ETH are ⌊14e18 × 10⁶ / 14206505615125788276⌋ = 985,464 ppm.
 * USD: ETH closed at 3883.14 (cents) on 2024-03-14 in yahoo_ETH-USD_daily.csv: 14 ETH are
 * 54363.96, 0.2 ETH 776.63 (776.628 rounded half up). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/chaintrail.h"
#include "testutil.h"

#define BLOCK    "eth/trin/eth_getBlockByNumber_19433902_full.json"
#define RECEIPTS "eth/trin/eth_getBlockReceipts_19433902.json"
#define BIN14    "0x28c6c06298d514db089934071355e5743bf21d60"
#define RECV1    "0xe06a14bee5c72846b338c6fec35060c11c2513de"
#define RECV2    "0x5e8fbe0a26a842778670005aa6f4c16a02b52eb4"
#define RECV3    "0x18a3a7fbee2c00d29eb80ebc536b0c4e0714a50f"
#define TOKEN    "0xbC396689893D065F41bc2C6EcbeE5e0085233447"
#define TX1      "0x36921b4aba1edb78423ca9a08b9d82616273bdcbe0c23e240e4cb6b7a9703ab8"
#define TX2      "0xd42d3a933b5aa469ba8c9406d9fb0dbcc64f609c01478cac5f2ff274ecc097b3"
#define TX3      "0x9e70d67cb4a46cbff215c03824a4592e000226246dc14c03edfac3d5ebd46c64"
#define E14      "14000000000000000000"
#define E02      "200000000000000000"
#define T3       "10885830000000000000000"
/* printf 'chaintrail-alert-v1\0c1\0ethereum\0%s\0incoming\0direct\0sanctioned\0%s\0ETH\0' \
 *   RECV1 BIN14 | sha256sum | cut -c1-32 */
#define ID_C1 "e70f9b56a99f76690ae7bb7f0c53826a"
#define TIME  "2024-03-14T14:41:59Z"

#define AMOUNTS(a)                                                                                 \
    "\"amount\":{\"poison\":\"" a "\",\"haircut\":\"" a "\",\"fifo\":\"" a "\",\"lifo\":\"" a      \
    "\",\"tiho\":\"" a "\"},\"low\":\"" a "\",\"high\":\"" a "\""
#define LINE(id, cust, addr, dir, cat, label, src, cp, asset, a, usd, share, sev, tx, baseline)    \
    "{\"alert_id\":\"" id "\",\"customer_id\":\"" cust                                             \
    "\",\"chain\":\"ethereum\",\"address\":\"" addr "\",\"direction\":\"" dir                      \
    "\",\"exposure\":\"direct\",\"category\":\"" cat "\",\"label\":\"" label                       \
    "\",\"source\":\"" src "\",\"counterparty\":\"" cp "\",\"hops\":1,\"asset\":\"" asset          \
    "\"," AMOUNTS(a) ",\"usd_low\":" usd ",\"usd_high\":" usd ",\"share\":\"" share                \
                     "\",\"severity\":\"" sev "\",\"rule\":\"categories." cat                      \
                     "\",\"first_seen\":\"" TIME "\",\"last_seen\":\"" TIME "\",\"txids\":[\"" tx  \
                     "\"],\"baseline\":\"" baseline "\",\"state\":\"open\"}\n"

typedef struct fx {
    char *db, *dir, *customers;
} fx;

static void must(const char *const *argv)
{
    tu_run r;
    tu_exec(&r, argv, NULL);
    cr_assert_eq(r.status, 0, "%s: exit %d: %s", argv[2], r.status, r.err);
    tu_run_free(&r);
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *p;
    cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
    cr_assert_eq(tu_write_file(p, text, strlen(text)), 0);
    return p;
}

/* The block, BIN14 labelled sanctioned and RECV1 hack, and a customer file. */
static fx setup_labels(const char *labels_csv, const char *customers, bool prices)
{
    fx f;
    f.db = tu_fresh_db();
    f.dir = tu_tmpdir();
    char *block = tu_fixture(BLOCK), *receipts = tu_fixture(RECEIPTS);
    must((const char *[]){"--db", f.db, "ingest", "ethereum", "--quiet", "--json", block, receipts,
                          NULL});
    free(block);
    free(receipts);
    char *labels = write_tmp(f.dir, "labels.csv", labels_csv);
    must((const char *[]){"--db", f.db, "labels", "import", "--quiet", labels, NULL});
    free(labels);
    if (prices)
        must((const char *[]){"--db", f.db, "prices", "import", "--asset", "ETH",
                              CT_SHARED_FIXTURES "/prices/yahoo_ETH-USD_daily.csv", NULL});
    f.customers = write_tmp(f.dir, "c.csv", customers);
    return f;
}

#define LABELS                                                                                     \
    "address,label,category,source\n" BIN14 ",Test SDN,sanctioned,ofac\n" RECV1                    \
    ",Test hack,hack,team\n"

static fx setup(const char *customers, bool prices)
{
    return setup_labels(LABELS, customers, prices);
}

static void teardown(fx *f)
{
    tu_fresh_db_done(f->db);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f->customers);
}

static void scan(tu_run *r, const fx *f, const char *extra)
{
    const char *args[] = {"--db", f->db, "scan", "--customers", f->customers, extra, NULL};
    tu_exec(r, args, (const char *[]){"CHAINTRAIL_TEST_NOW=1700000000", NULL});
}

#define CUSTOMERS                                                                                  \
    "customer_id,address\nc1," RECV1 "\nc2,0x5E8FBE0A26A842778670005AA6F4C16A02B52EB4\nc3," RECV3  \
    "\nc4," BIN14 "\nbtc,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n"

/* A mixed file: four Ethereum rows (c2's address in upper case, lowercased by the reader)
 * and one Bitcoin row the Ethereum database never saw. c1, c2, c3 were paid by the
 * sanctioned BIN14 (SEVERE, incoming, ETH and the token apart); c4 is BIN14 itself and paid
 * RECV1, labelled hack (HIGH, outgoing). */
Test(scan_eth, direct_findings_on_block_19433902)
{
    fx f = setup(CUSTOMERS, true);
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err); /* new SEVERE alerts */
    cr_assert_str_eq(
        r.out,
        LINE(ID_C1, "c1", RECV1, "incoming", "sanctioned", "Test SDN", "ofac", BIN14, "ETH", E14,
             "\"54363.96\"", "1.000000", "SEVERE", TX1,
             "new") LINE("dd83a2452e5a84bb25220cf7dddaa056", "c2", RECV2, "incoming", "sanctioned",
                         "Test SDN", "ofac", BIN14, "ETH", E02, "\"776.63\"", "1.000000", "SEVERE",
                         TX2, "new") LINE("7060632cc45774a05661b2fbb14b08cd", "c3", RECV3,
                                          "incoming", "sanctioned", "Test SDN", "ofac", BIN14,
                                          TOKEN, T3, "null", "1.000000", "SEVERE", TX3, "new")
            LINE("99f7007d91d3c9a253c709da9b03e5f1", "c4", BIN14, "outgoing", "hack", "Test hack",
                 "team", RECV1, "ETH", E14, "\"54363.96\"", "0.985464", "HIGH", TX1, "new"));
    cr_assert_str_eq(r.err, "chaintrail: scan: run 1 (first): 5 of 5 customer rows screened "
                            "(direct), 5 (indirect); 4 new, 0 updated, 0 unchanged, 0 absent\n");
    tu_run_free(&r);

    /* Nothing new on the chain: no row is screened again, the alerts are unchanged. */
    scan(&r, &f, "--format=text");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(
        r.out,
        ID_C1 " SEVERE unchanged open      c1 " RECV1 " incoming direct sanctioned from " BIN14
              " (Test SDN) " E14 ".." E14 " ETH USD 54363.96..54363.96\n"
              "dd83a2452e5a84bb25220cf7dddaa056 SEVERE unchanged open      c2 " RECV2
              " incoming direct sanctioned from " BIN14 " (Test SDN) " E02 ".." E02
              " ETH USD 776.63..776.63\n"
              "7060632cc45774a05661b2fbb14b08cd SEVERE unchanged open      c3 " RECV3
              " incoming direct sanctioned from " BIN14 " (Test SDN) " T3 ".." T3 " " TOKEN "\n"
              "99f7007d91d3c9a253c709da9b03e5f1 HIGH   unchanged open      c4 " BIN14
              " outgoing direct hack to " RECV1 " (Test hack) " E14 ".." E14
              " ETH USD 54363.96..54363.96\n");
    cr_assert(strstr(r.err, "run 2 (incremental): 0 of 5 customer rows screened (direct)"), "%s",
              r.err);
    tu_run_free(&r);

    /* alerts show of the token alert: the same numbers from the store */
    const char *show[] = {"--db",     f.db,   "alerts", "show", "7060632cc45774a05661b2fbb14b08cd",
                          "--format", "json", NULL};
    tu_exec(&r, show, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"asset\":\"" TOKEN "\"," AMOUNTS(T3) ",\"usd_low\":null,"), "%s",
              r.out);
    cr_assert(strstr(r.out, "\"txids\":[\"" TX3 "\"]"), "%s", r.out);
    tu_run_free(&r);
    teardown(&f);
}

/* The policy's thresholds per asset: min_amount 14 (coins) keeps the 14 ETH findings and
 * drops 0.2 ETH; the token has no known decimals, so its 10885830000000000000000 base units
 * are compared with 14 whole units and kept; without prices, USD is null and min_usd is not
 * applied. */
Test(scan_eth, min_amount_per_asset)
{
    fx f = setup(CUSTOMERS, false);
    char *pol =
        write_tmp(f.dir, "p.json",
                  "{\"version\":1,\"categories\":{\"sanctioned\":{\"severity\":\"SEVERE\","
                  "\"direction\":\"both\",\"exposure\":\"direct\",\"max_hops\":1,"
                  "\"min_amount\":\"14\",\"min_usd\":\"1000000.00\",\"min_share\":\"0\"}}}");
    tu_run r;
    const char *args[] = {"--db", f.db, "scan", "--customers", f.customers, "--policy", pol, NULL};
    tu_exec(&r, args, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.out, LINE(ID_C1, "c1", RECV1, "incoming", "sanctioned", "Test SDN", "ofac",
                                 BIN14, "ETH", E14, "null", "1.000000", "SEVERE", TX1, "new")
                                LINE("7060632cc45774a05661b2fbb14b08cd", "c3", RECV3, "incoming",
                                     "sanctioned", "Test SDN", "ofac", BIN14, TOKEN, T3, "null",
                                     "1.000000", "SEVERE", TX3, "new"));
    tu_run_free(&r);
    free(pol);
    teardown(&f);
}

Test(scan_eth, min_units)
{
    ct_u256 u;
    char d[CT_U256_DEC_MAX];
    cr_assert_eq(ct_scan_eth_min_units(&u, 100000, 18, true), CT_OK); /* "0.001" ETH */
    ct_u256_to_dec(d, sizeof(d), &u);
    cr_assert_str_eq(d, "1000000000000000");
    cr_assert_eq(ct_scan_eth_min_units(&u, 100000, 6, true), CT_OK); /* 0.001 USDC */
    ct_u256_to_dec(d, sizeof(d), &u);
    cr_assert_str_eq(d, "1000");
    cr_assert_eq(ct_scan_eth_min_units(&u, 150, 6, true), CT_OK); /* 0.0000015: rounded up */
    ct_u256_to_dec(d, sizeof(d), &u);
    cr_assert_str_eq(d, "2");
    cr_assert_eq(ct_scan_eth_min_units(&u, 100000, 18, false), CT_OK); /* unknown: units */
    ct_u256_to_dec(d, sizeof(d), &u);
    cr_assert_str_eq(d, "1");
    cr_assert_eq(ct_scan_eth_min_units(&u, 100000000, 255, true), CT_OK); /* saturates */
    ct_u256_to_dec(d, sizeof(d), &u);
    cr_assert_str_eq(d, "115792089237316195423570985008687907853269984665640564039457584007913129"
                        "639935");
}

/* A sum past 2^256 - 1 is an error naming it, never a wrapped number. */
Test(scan_eth, sum_overflow_is_an_error)
{
    ct_u256 sum, one = ct_u256_from_u64(1);
    memset(&sum, 0xff, sizeof(sum));
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_scan_wide_add(&sum, &one, BIN14, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "amount-overflow");
    cr_assert_str_eq(err.detail, BIN14 ": the sum of the amounts exceeds 2^256 - 1");
    sum = ct_u256_from_u64(UINT64_MAX);
    cr_assert_eq(ct_scan_wide_add(&sum, &one, BIN14, &err), CT_OK);
    cr_assert_eq(sum.w[0], 0);
    cr_assert_eq(sum.w[1], 1);
}

/* The alert id of an Ethereum finding includes the asset; a Bitcoin id has none. */
Test(scan_eth, alert_id_has_the_asset)
{
    char a[CT_SCAN_ALERT_ID_LEN + 1], b[CT_SCAN_ALERT_ID_LEN + 1];
    cr_assert_eq(ct_scan_alert_id_asset(a, "c1", CT_SCAN_ETHEREUM, RECV1, CT_SCAN_INCOMING,
                                        CT_SCAN_DIRECT, CT_LABEL_SANCTIONED, BIN14, "ETH"),
                 CT_OK);
    cr_assert_str_eq(a, ID_C1);
    cr_assert_eq(ct_scan_alert_id_asset(b, "c1", CT_SCAN_ETHEREUM, RECV1, CT_SCAN_INCOMING,
                                        CT_SCAN_DIRECT, CT_LABEL_SANCTIONED, BIN14,
                                        "0xbc396689893d065f41bc2c6ecbee5e0085233447"),
                 CT_OK);
    cr_assert_str_neq(a, b);
    cr_assert_eq(ct_scan_alert_id_asset(a, "hal", CT_SCAN_BITCOIN,
                                        "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", CT_SCAN_INCOMING,
                                        CT_SCAN_DIRECT, CT_LABEL_SANCTIONED,
                                        "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", NULL),
                 CT_OK);
    cr_assert_str_eq(a, "5c9b4c7c330361938681405e25d975cb"); /* as docs/scan.md shows */
}

/* Amounts above 2^128 through the alert store and back: the findings of the block with
 * their amounts replaced by 2^129 + 1 ... 2^255 + 3, committed, then listed by the CLI. */
Test(scan_eth, amounts_above_2_128_through_the_store)
{
    fx f = setup("customer_id,address\nc1," RECV1 "\n", false);
    ct_db *db = tu_db_open(f.db, false);
    ct_error err;
    ct_error_clear(&err);
    ct_scan_customers cs;
    cr_assert_eq(ct_scan_customers_read(&cs, f.customers, &err), CT_OK);
    ct_scan_policy p;
    cr_assert_eq(ct_scan_policy_parse(&p, ct_scan_policy_default_json(),
                                      strlen(ct_scan_policy_default_json()), &err),
                 CT_OK);
    ct_scan_state now;
    cr_assert_eq(ct_scan_state_now(db, &now, &p, &cs, &err), CT_OK);
    cr_assert(now.has_eth_tip);
    cr_assert_eq(now.eth_height, 19433902);
    ct_scan_findings fi;
    memset(&fi, 0, sizeof(fi));
    cr_assert_eq(ct_scan_eth_direct(&fi, db, &cs, NULL, &p, false, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(fi.count, 1);
    ct_scan_finding *x = &fi.items[0];
    char d[CT_U256_DEC_MAX];
    ct_u256_to_dec(d, sizeof(d), &x->wide[CT_MODEL_HAIRCUT]);
    cr_assert_str_eq(d, E14);
    ct_u256 big = {{1, 0, 2, 0}};                  /* 2^129 + 1 */
    ct_u256 huge = {{3, 0, 0, UINT64_C(1) << 63}}; /* 2^255 + 3 */
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        x->wide[m] = m == CT_MODEL_POISON ? huge : big;
    x->wide_low = big;
    x->wide_high = huge;
    ct_scan_run run;
    cr_assert_eq(
        ct_scan_alerts_commit(&run, db, &cs, NULL, NULL, &fi, "BTC", &now, 1700000000, NULL, &err),
        CT_OK, "%s", err.detail);
    cr_assert_eq(run.n_new, 1);
    ct_scan_run_release(&run);
    ct_scan_findings_release(&fi);
    ct_scan_customers_release(&cs);
    ct_db_close(db);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", f.db, "alerts", "list", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
#define BIG  "680564733841876926926749214863536422913"
#define HUGE "57896044618658097711785492504343953926634992332820282019728792003956564819971"
    cr_assert(strstr(r.out, "\"asset\":\"ETH\",\"amount\":{\"poison\":\"" HUGE
                            "\",\"haircut\":\"" BIG "\",\"fifo\":\"" BIG "\",\"lifo\":\"" BIG
                            "\",\"tiho\":\"" BIG "\"},\"low\":\"" BIG "\",\"high\":\"" HUGE "\""),
              "%s", r.out);
    tu_run_free(&r);
    teardown(&f);
}

/* Nightly runs: the state records the Ethereum tip; a state row written before it (version
 * 2, no Ethereum tip) makes the next incremental run screen every Ethereum row once; an
 * Ethereum rollback below the recorded tip makes the run's WHY `chain`, and the alerts whose
 * transfers are gone become absent. */
Test(scan_eth, nightly_runs_follow_the_ethereum_tip)
{
    fx f = setup(CUSTOMERS, false);
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    tu_run_free(&r);
    const uint8_t key[2] = {0xf7, 'S'};
    uint8_t row[512];
    long n = tu_db_peek(f.db, key, sizeof(key), row, sizeof(row));
    cr_assert_eq(n, 214 + 37);
    cr_assert_eq(row[0], 3);
    cr_assert_eq(row[214], 1); /* has the Ethereum tip */
    cr_assert_eq(row[215] << 24 | row[216] << 16 | row[217] << 8 | row[218], 19433902);
    row[0] = 2;
    tu_db_poke(f.db, key, sizeof(key), row, 214);
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "run 2 (incremental): 4 of 5 customer rows screened (direct), 5 "
                            "(indirect); 0 new, 0 updated, 4 unchanged, 0 absent\n"),
              "%s", r.err);
    tu_run_free(&r);
    scan(&r, &f, NULL);
    cr_assert(strstr(r.err, "run 3 (incremental): 0 of 5 customer rows screened (direct)"), "%s",
              r.err);
    tu_run_free(&r);
    must((const char *[]){"--db", f.db, "rollback", "--to", "19433901", "--chain", "ethereum",
                          NULL});
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "run 4 (chain): 5 of 5 customer rows screened (direct), 5 "
                            "(indirect); 0 new, 0 updated, 0 unchanged, 4 absent\n"),
              "%s", r.err);
    tu_run_free(&r);
    teardown(&f);
}

/* Indirect exposure against `trace --to`: on block 19433902 the Uniswap pool POOL paid WETH
 * to 0x6b75…9a80, which paid TESTEX (hop 2; tests/test_cli_trace_eth.c). With POOL labelled
 * hack and TESTEX a customer, the incoming indirect finding is, per model, what `trace --from
 * POOL --to TESTEX --hops 3` (the hack rule's max_hops) says reached TESTEX; with TESTEX
 * labelled hack and POOL the customer, the outgoing finding is the same trace's figures
 * (the same forward walk from what POOL received). The WETH token has no decimals in the
 * fixture: base units, no price, named by its contract. */
#define POOL   "0x048d3180ecf61b82f47078f6ebb3298326d70431"
#define TESTEX "0x0f2e5e488daa815361ada55ef816b47679918897"
#define WETH   "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
#define TXE5   "0xe5cadd0ce14011bb9a5ff9bafe1a3b0911628c9459b2d19d5afc4273d6f131b7"
#define IND_AMOUNTS                                                                                \
    "\"amount\":{\"poison\":\"356000626460590080\",\"haircut\":\"10681821088792562\",\"fifo\":"    \
    "\"51415778802290688\",\"lifo\":\"0\",\"tiho\":\"99125000000000000\"},\"low\":\"0\","          \
    "\"high\":\"356000626460590080\""

static void trace_agrees(const char *db)
{
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--to", TESTEX, "--hops", "3",
                             "--format", "text", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *w = strstr(r.out, "== " WETH " (decimals unknown: base units)\nto ");
    cr_assert(w, "%s", r.out);
    cr_assert(strstr(w, "  poison               356000626460590080    2 19433902"), "%s", w);
    cr_assert(strstr(w, "  haircut               10681821088792562    2 19433902"), "%s", w);
    cr_assert(strstr(w, "  fifo                  51415778802290688    2 19433902"), "%s", w);
    cr_assert(strstr(w, "-- " WETH " lifo: 0 of "), "%s", w);
    cr_assert(strstr(w, "  tiho                  99125000000000000    2 19433902"), "%s", w);
    tu_run_free(&r);
}

Test(scan_eth, indirect_incoming_agrees_with_trace_to)
{
    fx f = setup_labels("address,label,category,source\n" POOL ",Test pool hack,hack,team\n",
                        "customer_id,address\nex," TESTEX "\n", false);
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.out,
                     "{\"alert_id\":\"14978c7c4890e67bf99702b443b67d21\",\"customer_id\":\"ex\","
                     "\"chain\":\"ethereum\",\"address\":\"" TESTEX "\",\"direction\":"
                     "\"incoming\",\"exposure\":\"indirect\",\"category\":\"hack\",\"label\":"
                     "\"Test pool hack\",\"source\":\"team\",\"counterparty\":\"Test pool hack\","
                     "\"hops\":2,\"asset\":\"" WETH "\"," IND_AMOUNTS ",\"usd_low\":null,"
                     "\"usd_high\":null,\"share\":\"1.000000\",\"severity\":\"HIGH\",\"rule\":"
                     "\"categories.hack\",\"first_seen\":\"" TIME "\",\"last_seen\":\"" TIME
                     "\",\"txids\":[\"" TXE5 "\"],\"baseline\":\"new\",\"state\":\"open\"}\n");
    cr_assert_str_eq(r.err, "chaintrail: scan: run 1 (first): 1 of 1 customer rows screened "
                            "(direct), 1 (indirect); 1 new, 0 updated, 0 unchanged, 0 absent\n");
    tu_run_free(&r);
    trace_agrees(f.db);
    teardown(&f);
}

Test(scan_eth, indirect_outgoing_agrees_with_trace_to)
{
    fx f = setup_labels("address,label,category,source\n" TESTEX ",Test ex hack,hack,team\n",
                        "customer_id,address\npool," POOL "\n", false);
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert(strstr(r.out, "\"customer_id\":\"pool\",\"chain\":\"ethereum\",\"address\":\"" POOL
                            "\",\"direction\":\"outgoing\",\"exposure\":\"indirect\",\"category\":"
                            "\"hack\",\"label\":\"Test ex hack\",\"source\":\"team\","
                            "\"counterparty\":\"Test ex hack\",\"hops\":2,\"asset\":\"" WETH
                            "\"," IND_AMOUNTS ","),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"txids\":[\"" TXE5 "\"]"), "%s", r.out);
    cr_assert_eq(tu_count_lines(r.out), 1);
    tu_run_free(&r);
    trace_agrees(f.db);
    teardown(&f);
}

/* One database with both chains (the first 4,313 Bitcoin blocks and block 19433902), a
 * label on each, and a customer file mixing their rows: each row is screened on its own
 * chain. hal's Bitcoin alert is the one tests/test_alerts.c pins (same id: a Bitcoin id has
 * no asset), c1's the Ethereum one above. */
Test(scan_eth, mixed_bitcoin_and_ethereum_rows)
{
    char *dir = tu_db_first_4313();
    char *block = tu_fixture(BLOCK), *receipts = tu_fixture(RECEIPTS);
    must((const char *[]){"--db", dir, "ingest", "ethereum", "--quiet", "--json", block, receipts,
                          NULL});
    free(block);
    free(receipts);
    char *labels = write_tmp(dir, "l.csv",
                             "address,label,category,source\n12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S,"
                             "Test SDN,sanctioned,ofac\n" BIN14 ",Test SDN,sanctioned,ofac\n");
    must((const char *[]){"--db", dir, "labels", "import", "--quiet", labels, NULL});
    char *cust = write_tmp(dir, "c.csv",
                           "customer_id,address,chain\nc1," RECV1 ",ethereum\n"
                           "hal,1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3,bitcoin\n");
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", dir, "scan", "--customers", cust, "--format", "text", NULL},
            NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.out, ID_C1 " SEVERE new       open      c1 " RECV1
                                  " incoming direct sanctioned from " BIN14 " (Test SDN) " E14
                                  ".." E14 " ETH\n"
                                  "5c9b4c7c330361938681405e25d975cb SEVERE new       open      hal "
                                  "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3 incoming direct sanctioned "
                                  "from 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S (Test SDN) "
                                  "10.00000000..10.00000000 BTC\n");
    cr_assert_str_eq(r.err, "chaintrail: scan: run 1 (first): 2 of 2 customer rows screened "
                            "(direct), 2 (indirect); 2 new, 0 updated, 0 unchanged, 0 absent\n");
    tu_run_free(&r);
    free(labels);
    free(cust);
    tu_rmtree(dir);
    free(dir);
}
