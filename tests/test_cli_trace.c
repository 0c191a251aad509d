/* End-to-end tests of `chaintrail trace` on the real first 4,313 mainnet blocks: the JSON
 * contract, byte-identical repeated runs, text and CSV, usage errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *db_dir;

static void setup(void)
{
    db_dir = tu_tmpdir();
    char *blk = tu_fixture("btc/blk_consecutive/jeffchan/blk00000_first1MB.dat");
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db_dir, "ingest", "bitcoin", "--quiet", blk, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    free(blk);
}

static void teardown(void)
{
    tu_rmtree(db_dir);
    free(db_dir);
}

TestSuite(cli_trace, .init = setup, .fini = teardown);

#define SRC "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"

Test(cli_trace, json_contract_and_determinism)
{
    tu_run a, b;
    tu_exec(&a, (const char *[]){"--db", db_dir, "trace", "--from", SRC, NULL}, NULL);
    tu_exec(&b, (const char *[]){"--db", db_dir, "trace", "--from", SRC, NULL}, NULL);
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(a.out_len, b.out_len);
    cr_assert(memcmp(a.out, b.out, a.out_len) == 0, "two runs differ");
    cr_assert_eq(tu_count_lines(a.out), 1);
    /* Top level, in this order: complete, manifest, models, range. */
    cr_assert(strncmp(a.out,
                      "{\"complete\":true,\"manifest\":{\"chaintrail\":\"0.1.0\","
                      "\"network\":\"mainnet\",\"tip\":{\"height\":4312,\"hash\":"
                      "\"00000000a9da635727dce622d78361b153ce3334e6a60d4377fad529abfc7863\"}",
                      150) == 0,
              "%.200s", a.out);
    cr_assert(strstr(a.out, ",\"models\":{\"poison\":{\"source_sat\":5000000000,"
                            "\"laundered_sat\":0,"));
    cr_assert(strstr(a.out, "\"fifo\":{\"source_sat\":5000000000,\"laundered_sat\":0,"
                            "\"laundered_usd\":\"0.00\",\"laundered_unpriced_sat\":0,"
                            "\"by_category\":{\"unspent\":{\"sat\":5000000000,\"usd\":null,"
                            "\"unpriced_sat\":5000000000}},\"endpoints\":[{\"address\":"
                            "\"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\",\"category\":\"unspent\","
                            "\"label\":null,\"taint_sat\":1800000000,\"usd\":null,"
                            "\"unpriced_sat\":1800000000,\"hops\":0,"),
              "%s", a.out);
    /* No flow of 2009 has a price (none loaded): every endpoint is explicitly unpriced, and
     * nothing was laundered, which is worth $0.00. */
    cr_assert(strstr(a.out, "},\"range\":{\"low_sat\":0,\"high_sat\":0,\"low_usd\":\"0.00\","
                            "\"high_usd\":\"0.00\",\"unpriced_sat\":0,\"poison_sat\":0,"
                            "\"poison_usd\":\"0.00\"}}\n"));
    tu_run_free(&a);
    tu_run_free(&b);
}

Test(cli_trace, text_and_csv)
{
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "poison,fifo",
                             "--format", "text", NULL},
            NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "trace from " SRC " (6 source outputs)\n"));
    cr_assert(strstr(r.out, "poison              50.00000000             0.00000000\n"));
    cr_assert(strstr(r.out, "           61.00000000 unspent         2      496  "
                            "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "exposure upper bound (poison): 0.00000000 BTC\n"));
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "tiho", "--format",
                             "csv", NULL},
            NULL);
    cr_assert_eq(r.status, 0);
    cr_assert_eq(tu_count_lines(r.out), 6);
    cr_assert(strncmp(r.out,
                      "model,address,category,label,taint_sat,usd,unpriced_sat,hops,outputs,"
                      "first_height,first_time,last_height,last_time,cluster_id,label_member\n"
                      "tiho,\"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\",\"unspent\",\"\","
                      "1800000000,,1800000000,0,1,248,1231790660,248,1231790660,19,\n",
                      200) == 0,
              "%s", r.out);
    tu_run_free(&r);
}

Test(cli_trace, hop_limit_and_budget)
{
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", "--hops",
                             "1", NULL},
            NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "\"by_category\":{\"hop_limit\":{\"sat\":"), "%s", r.out);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo",
                             "--max-nodes", "1", NULL},
            NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strncmp(r.out,
                      "{\"complete\":false,\"incomplete_reason\":\"max-nodes reached (waiting "
                      "outputs)\",",
                      76) == 0,
              "%.100s", r.out);
    cr_assert(strstr(r.out, "\"budget\":{\"sat\":"));
    /* stderr says so too, naming the bound and the option that raises it */
    cr_assert_str_eq(r.err, "chaintrail: trace: the result is incomplete: max-nodes reached "
                            "(waiting outputs) at --max-nodes 1; give a larger --max-nodes (0: "
                            "no bound) to trace further\n");
    tu_run_free(&r);
    /* Without --max-nodes the bound is 2,000,000 (before: none, and a trace that exploded
     * took all memory); the manifest says so, and a complete trace says nothing on stderr. */
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, ",\"max_nodes\":2000000,\"timeout_s\":0"), "%s", r.out);
    cr_assert_str_eq(r.err, "");
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo",
                             "--max-nodes", "0", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, ",\"max_nodes\":0,\"timeout_s\":0"), "%s", r.out);
    tu_run_free(&r);
    /* Text says which budget ran out. */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo",
                             "--max-nodes", "1", "--format", "text", NULL},
            NULL);
    cr_assert(strstr(r.out, "\nINCOMPLETE: the budget ran out: max-nodes reached (waiting "
                            "outputs)\n"),
              "%s", r.out);
    tu_run_free(&r);
}

Test(cli_trace, errors)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: trace: no source: give --from ADDR|TXID|TXID:VOUT "
                            "(repeatable) or --case NAME\n");
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "magic", NULL},
            NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--hops", "-1", NULL},
            NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--since", "2009-02-30", NULL},
            NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from",
                             "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", NULL},
            NULL);
    cr_assert_eq(r.status, 8);
    cr_assert(strstr(r.err, "received nothing in the database"), "%s", r.err);
    tu_run_free(&r);
    /* A window in which the address received nothing. */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--since", "2010-01-01", NULL},
            NULL);
    cr_assert_eq(r.status, 8);
    tu_run_free(&r);
}

Test(cli_trace, usd_at_the_price_of_the_day)
{
    /* A price table with one day: 2009-01-12 at $1.00. Hal Finney's 10 BTC arrived that day
     * (block 170) and are worth $10.00; 1BBz9Z15... got its taint on 2009-01-14 (block 496):
     * no price, so its value is unpriced, not zero. */
    char *dir = tu_tmpdir(), csv[600];
    snprintf(csv, sizeof(csv), "%s/prices.csv", dir);
    const char *body = "Date,BTC_USD\n2009-01-12,1.00\n";
    cr_assert_eq(tu_write_file(csv, body, strlen(body)), 0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db_dir, "prices", "import", csv, "--asset", "BTC", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "{\"address\":\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\",\"category\":"
                            "\"unspent\",\"label\":null,\"taint_sat\":1000000000,\"usd\":\"10.00\","
                            "\"unpriced_sat\":0,"),
              "%s", r.out);
    cr_assert(strstr(r.out, "{\"address\":\"1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs\",\"category\":"
                            "\"unspent\",\"label\":null,\"taint_sat\":1100000000,\"usd\":null,"
                            "\"unpriced_sat\":1100000000,"),
              "%s", r.out);
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
}

Test(cli_trace, case_sources_and_date)
{
    /* A case holds the sources and the theft date: address sources count from that day. */
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "case", "add", "early-coins", "--date", "2009-01-12",
                             "--from", SRC, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(
        &r,
        (const char *[]){"--db", db_dir, "trace", "--case", "early-coins", "--model", "fifo", NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* From 2009-01-12 on, 12cbQLTF... received five outputs of its own change (40 + 30 + 29
     * + 28 + 18 BTC), all from traced spends of each other: only the first, 40 BTC from tx
     * 170 (whose 50 BTC input is outside the window), entered the trace. */
    cr_assert(strstr(r.out, "\"parameters\":{\"case\":\"early-coins\",\"sources\":[\"" SRC
                            "\"],\"since_time\":1231718400,\"until_time\":-1,"),
              "%.600s", r.out);
    cr_assert(strstr(r.out, "\"fifo\":{\"source_sat\":4000000000,"), "%.900s", r.out);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--case", "nope", NULL}, NULL);
    cr_assert_eq(r.status, 8);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--case", "early-coins", "--from", SRC, NULL},
            NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
}

Test(cli_trace, a_labelled_exchange_stops_the_trace_and_counts_as_laundered)
{
    /* Label 1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW (10 BTC from 12cbQLTF... at block 181) as an
     * exchange deposit: every model's trace stops there, and 10 BTC are laundered. */
    char *dir = tu_tmpdir(), csv[600];
    snprintf(csv, sizeof(csv), "%s/labels.csv", dir);
    const char *body = "address,label,category,source\n"
                       "1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW,Test Exchange deposit,exchange,test\n";
    cr_assert_eq(tu_write_file(csv, body, strlen(body)), 0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db_dir, "labels", "import", csv, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "{\"address\":\"1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW\",\"category\":"
                            "\"exchange\",\"label\":\"Test Exchange deposit (test)\",\"taint_sat\":"
                            "1000000000,"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"fifo\":{\"source_sat\":5000000000,\"laundered_sat\":1000000000,"));
    cr_assert(strstr(r.out, "\"range\":{\"low_sat\":1000000000,\"high_sat\":1000000000,"));
    /* The manifest names the label set it used. */
    cr_assert_null(strstr(r.out, "\"labels_digest\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e46"));
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
}

Test(cli_trace, report_over_cases)
{
    /* Two cases on the real blocks and one label: Satoshi's coins of height 9 (50 BTC, of
     * which 10 BTC reach the labelled exchange) and Hal Finney's 10 BTC (still unspent). A
     * price of $1.00 on 2009-01-12 prices the second case's theft date only. */
    char *dir = tu_tmpdir(), csv[600], prices[600];
    snprintf(csv, sizeof(csv), "%s/labels.csv", dir);
    snprintf(prices, sizeof(prices), "%s/prices.csv", dir);
    const char *lab = "address,label,category,source\n"
                      "1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW,Test Exchange deposit,exchange,test\n";
    const char *pr = "Date,BTC_USD\n2009-01-12,1.00\n";
    cr_assert_eq(tu_write_file(csv, lab, strlen(lab)), 0);
    cr_assert_eq(tu_write_file(prices, pr, strlen(pr)), 0);
    const char *const *cmds[] = {
        (const char *[]){"--db", db_dir, "labels", "import", csv, NULL},
        (const char *[]){"--db", db_dir, "prices", "import", prices, "--asset", "BTC", NULL},
        (const char *[]){"--db", db_dir, "case", "add", "satoshi", "--date", "2009-01-09", "--from",
                         SRC, NULL},
        (const char *[]){"--db", db_dir, "case", "add", "hal", "--date", "2009-01-12", "--from",
                         "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16:0",
                         "--victim", "Hal Finney", NULL},
        (const char *[]){"--db", db_dir, "case", "add", "later", "--date", "2010-05-22", "--from",
                         "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", NULL},
    };
    tu_run r;
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        tu_exec(&r, cmds[i], NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        tu_run_free(&r);
    }
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "report", "--year", "2009", "--format", "json", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"cases\":[{\"case\":\"hal\",\"date\":\"2009-01-12\",\"victim\":"
                            "\"Hal Finney\",\"sources\":[\"f4184fc596403b9d638783cf57adfe4c75c605f"
                            "6356fbc91338530e9831e9e16:0\"],\"chain\":\"bitcoin\",\"complete\":true,"
                            "\"incomplete_reason\":null,\"assets\":[{\"asset\":\"BTC\",\"contract\":"
                            "null,\"decimals\":8,\"too_large\":false,\"stolen\":{\"low\":1000000000,"
                            "\"high\":1000000000,\"low_usd\":\"10.00\",\"high_usd\":\"10.00\","),
              "%s", r.out);
    cr_assert(strstr(r.out, "{\"case\":\"satoshi\",\"date\":\"2009-01-09\",\"victim\":\"\","
                            "\"sources\":[\"" SRC "\"],\"chain\":\"bitcoin\",\"complete\":true,"
                            "\"incomplete_reason\":null,\"assets\":[{\"asset\":\"BTC\",\"contract\":"
                            "null,\"decimals\":8,\"too_large\":false,\"stolen\":{\"low\":5000000000,"
                            "\"high\":5000000000,\"low_usd\":null,\"high_usd\":null,"),
              "%s", r.out);
    /* The 2010 case is not in the 2009 report; totals add the two others. */
    cr_assert_null(strstr(r.out, "\"later\""));
    cr_assert(strstr(r.out, "\"totals\":{\"cases\":2,\"traced\":2,\"stolen_usd\":\"10.00\","
                            "\"laundered_low_usd\":\"10.00\",\"laundered_high_usd\":\"10.00\","
                            "\"more_assets\":false,\"assets\":[{\"asset\":\"BTC\",\"contract\":null,"
                            "\"stolen\":6000000000,\"stolen_unpriced\":5000000000,\"laundered_low\":"
                            "1000000000,\"laundered_high\":1000000000,\"laundered_unpriced\":0}]}}\n"),
              "%s", r.out);
    tu_run_free(&r);
    /* The 2010 case's source received nothing from its theft date on: listed, not traced. */
    tu_exec(&r, (const char *[]){"--db", db_dir, "report", "--year", "2010", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Case later  theft 2010-05-22\n  sources         "
                            "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\n  not traced: "),
              "%s", r.out);
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
}

Test(cli_trace, paths_and_backward)
{
    tu_run r;
    /* --paths: each endpoint names the flows into it (indexes in the model's flows), each
     * flow its transaction, output, address, amount, block, and the transactions it came from
     * and went to; the manifest says so. */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", "--paths",
                             NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"direction\":\"forward\",\"paths\":true,\"flows\":\"whole\","
                            "\"hops\":10,"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"address\":\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\",\"category\":"
                            "\"unspent\",\"label\":null,\"taint_sat\":1000000000,\"usd\":null,"
                            "\"unpriced_sat\":1000000000,\"hops\":1,\"outputs\":1,"
                            "\"first_height\":170,\"first_time\":1231731025,\"last_height\":170,"
                            "\"last_time\":1231731025,\"cluster_id\":343,\"label_member\":null,"
                            "\"flows_in\":[6]}"),
              "%s", r.out);
    cr_assert(strstr(r.out, "{\"hop\":1,\"height\":170,\"time\":1231731025,\"utc\":"
                            "\"2009-01-12T03:30:25Z\",\"txid\":\"f4184fc596403b9d638783cf57adfe4c"
                            "75c605f6356fbc91338530e9831e9e16\",\"vout\":0,\"address\":"
                            "\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\",\"taint_sat\":1000000000,"
                            "\"usd\":null,\"from\":\"f4184fc596403b9d638783cf57adfe4c75c605f6356f"
                            "bc91338530e9831e9e16\",\"to\":null,\"endpoint\":3}"),
              "%s", r.out);
    /* A source output that stopped at once: one flow in, from no transaction. */
    cr_assert(strstr(r.out, "\"last_time\":1231790660,\"cluster_id\":19,\"label_member\":null,"
                            "\"flows_in\":[5]}"), "%s", r.out);
    cr_assert(strstr(r.out, "{\"hop\":0,\"height\":248,\"time\":1231790660,\"utc\":"
                            "\"2009-01-12T20:04:20Z\",\"txid\":\"828ef3b079f9c23829c56fe86e85b4a6"
                            "9d9e06e5b54ea597eef5fb3ffef509fe\",\"vout\":1,\"address\":"
                            "\"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\",\"taint_sat\":1800000000,"
                            "\"usd\":null,\"from\":null,\"to\":null,\"endpoint\":0}"),
              "%s", r.out);
    tu_run_free(&r);
    /* Without --paths or --flows there is no flow at all. */
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, NULL}, NULL);
    cr_assert_eq(r.status, 0);
    cr_assert_null(strstr(r.out, "flows"));
    tu_run_free(&r);
    /* --flows: poison per hop only (hop_totals, no flows), FIFO whole. */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "poison,fifo",
                             "--flows", NULL},
            NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "\"flows\":\"poison per hop\","), "%s", r.out);
    cr_assert(strstr(r.out, "\"hop_totals\":[{\"hop\":0,\"to\":\"carried\",\"flows\":5,"
                            "\"taint_sat\":17700000000},{\"hop\":0,\"to\":\"unspent\",\"flows\":1,"
                            "\"taint_sat\":1800000000},{\"hop\":1,\"to\":\"carried\",\"flows\":3,"
                            "\"taint_sat\":1200000000},{\"hop\":1,\"to\":\"unspent\",\"flows\":2,"
                            "\"taint_sat\":2000000000},{\"hop\":2,\"to\":\"carried\",\"flows\":1,"
                            "\"taint_sat\":100000000},{\"hop\":2,\"to\":\"unspent\",\"flows\":2,"
                            "\"taint_sat\":6200000000}]},\"fifo\":"),
              "%s", r.out);
    const char *fifo = strstr(r.out, "\"fifo\":{\"source_sat\"");
    cr_assert(fifo && strstr(r.out, "\"flows\":[") > fifo, "%s", r.out);
    tu_run_free(&r);

    /* CSV: one row per flow, naming the endpoint it stopped at. */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "tiho", "--paths",
                             "--format", "csv", NULL},
            NULL);
    cr_assert_eq(r.status, 0);
    const char *head = "model,hop,height,time,txid,vout,address,taint_sat,usd,from,to,"
                       "endpoint_category,endpoint_address\n"
                       "tiho,0,9,1231473279,0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241"
                       "106ee5a597c9,0,\"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\",5000000000,,,f4184f"
                       "c596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16,,\n";
    cr_assert(strncmp(r.out, head, strlen(head)) == 0, "%s", r.out);
    cr_assert(strstr(r.out, "\ntiho,1,170,1231731025,f4184fc596403b9d638783cf57adfe4c75c605f6356f"
                            "bc91338530e9831e9e16,0,\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\","
                            "1000000000,,f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9"
                            "831e9e16,,\"unspent\",\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\"\n"),
              "%s", r.out);
    cr_assert_eq(tu_count_lines(r.out), 15); /* the header and 14 flows */
    tu_run_free(&r);

    /* --backward from Hal Finney: every model says coinbase. */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from",
                             "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", "--backward", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"direction\":\"backward\",\"hops\":10,"), "%s", r.out);
    cr_assert(strstr(r.out, "\"haircut\":{\"source_sat\":1000000000,\"laundered_sat\":0,"
                            "\"laundered_usd\":\"0.00\",\"laundered_unpriced_sat\":0,"
                            "\"by_category\":{\"coinbase\":{\"sat\":1000000000,\"usd\":null,"
                            "\"unpriced_sat\":1000000000}},\"endpoints\":[{\"address\":"
                            "\"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\",\"category\":\"coinbase\","),
              "%s", r.out);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from",
                             "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", "--backward", "--paths",
                             "--model", "lifo", "--format", "text", NULL},
            NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "direction: backward (where the value came from)\n"), "%s", r.out);
    /* Backward, the flow into the coinbase's output came from f4184fc5, which spent it. */
    cr_assert(strstr(r.out, "           10.00000000 coinbase        1        9  "
                            "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\n"
                            "      10.00000000 BTC  hop 1  height 9  2009-01-09T03:54:39Z  from "
                            "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16  "
                            "output 0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a59"
                            "7c9:0\n"),
              "%s", r.out);
    tu_run_free(&r);
}

/* Every option that takes a name rejects a name it does not know, with exit 2 and the list
 * of valid names: before, `trace --stop exchnage,mixer` and `--stop Exchange` exited 0 and
 * dropped the stop, so taint went through the exchange. */
Test(cli_trace, unknown_names_are_usage_errors)
{
#define CATS                                                                                       \
    "(valid: other, exchange, mixer, bridge, gambling, sanctioned, darknet, ransomware, scam, "    \
    "hack, blocked, defi, miner, service)\n"
    static const struct {
        const char *args[10];
        const char *err;
    } cases[] = {
        {{"trace", "--from", SRC, "--stop", "exchnage,mixer", NULL},
         "chaintrail: trace: option '--stop': unknown category 'exchnage' " CATS},
        {{"trace", "--from", SRC, "--stop", "Exchange", NULL},
         "chaintrail: trace: option '--stop': unknown category 'Exchange' " CATS},
        {{"trace", "--from", SRC, "--stop", "mixer,", NULL},
         "chaintrail: trace: option '--stop': 'mixer,' is not a comma-separated list of "
         "categories\n"},
        {{"trace", "--from", SRC, "--model", "fifo,lifx", NULL},
         "chaintrail: trace: option '--model': unknown model 'lifx' (valid: poison, haircut, "
         "fifo, lifo, tiho, all)\n"},
        {{"trace", "--from", SRC, "--format", "xml", NULL},
         "chaintrail: trace: option '--format': unknown format 'xml' (valid: json, text, csv, html)\n"},
        {{"report", "--format", "xml", NULL},
         "chaintrail: report: option '--format': unknown format 'xml' (valid: json, text, csv, "
         "html)\n"},
        {{"labels", "import", "--category", "Exchange", "x.csv", NULL},
         "chaintrail: labels: option '--category': unknown category 'Exchange' " CATS},
        {{"labels", "import", "--format", "yaml", "x.csv", NULL},
         "chaintrail: labels: option '--format': unknown format 'yaml' (valid: auto, csv, json, "
         "tagpack, ofac)\n"},
        {{"labels", "show", SRC, "--format", "csv", NULL},
         "chaintrail: labels: option '--format': unknown format 'csv' (valid: json, text)\n"},
        {{"show", "address", SRC, "--chain", "dogecoin", NULL},
         "chaintrail: show: option '--chain': unknown chain 'dogecoin' (valid: bitcoin, "
         "ethereum)\n"},
        {{"rollback", "--to", "1", "--chain", "Bitcoin", NULL},
         "chaintrail: rollback: option '--chain': unknown chain 'Bitcoin' (valid: bitcoin, "
         "ethereum)\n"},
        {{"stats", "--format", "yaml", NULL},
         "chaintrail: stats: option '--format': unknown format 'yaml' (valid: json, text)\n"},
        {{"verify", "--format", "csv", NULL},
         "chaintrail: verify: option '--format': unknown format 'csv' (valid: json, text)\n"},
        {{"prices", "show", "--format", "csv", NULL},
         "chaintrail: prices: option '--format': unknown format 'csv' (valid: json, text)\n"},
        {{"ingest", "bitcoin", "--network", "Regtest", "x.dat", NULL},
         "chaintrail: ingest: option '--network': unknown network 'Regtest' (valid: mainnet, "
         "testnet, testnet4, signet, regtest)\n"},
        /* A name is printed escaped: it cannot drive the terminal. */
        {{"trace", "--from", SRC, "--stop", "mixer\033[2J", NULL},
         "chaintrail: trace: option '--stop': unknown category 'mixer\\x1b[2J' " CATS},
    };
#undef CATS
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *args[13] = {"--db", db_dir};
        for (size_t k = 0; cases[i].args[k]; k++)
            args[2 + k] = cases[i].args[k];
        tu_run r;
        tu_exec(&r, args, NULL);
        cr_expect_eq(r.status, 2, "case %zu: exit %d", i, r.status);
        cr_expect_str_eq(r.err, cases[i].err, "case %zu", i);
        cr_expect_str_eq(r.out, "", "case %zu", i);
        tu_run_free(&r);
    }
}

/* Text that came from input is escaped wherever it is printed: a label with an escape
 * sequence and a C1 control (U+009B, CSI), and a price file whose column name carries one.
 * Before, trace text and CSV and prices import printed them raw. */
Test(cli_trace, input_text_is_escaped_in_text_and_csv)
{
    char *dir = tu_tmpdir(), path[600];
    snprintf(path, sizeof(path), "%s/evil.csv", dir);
    const char *labels = "address,label,category\n"
                         "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3,\"hal\x1b[2J\xc2\x9b"
                         "1m\",other\n";
    cr_assert_eq(tu_write_file(path, labels, strlen(labels)), 0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db_dir, "labels", "import", path, "--quiet", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", "--format",
                             "text", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(
        strstr(r.out, "  1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3  hal\\x1b[2J\\xc2\\x9b1m (evil.csv)\n"),
        "%s", r.out);
    cr_assert_null(strchr(r.out, '\x1b'));
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", "--format",
                             "csv", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "fifo,\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\",\"unspent\","
                            "\"hal\\x1b[2J\\xc2\\x9b1m (evil.csv)\",1000000000,"),
              "%s", r.out);
    cr_assert_null(strchr(r.out, '\x1b'));
    tu_run_free(&r);
    /* JSON keeps the text, escaped by RFC 8259. */
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", NULL},
            NULL);
    cr_assert(strstr(r.out, "\"label\":\"hal\\u001b[2J\xc2\x9b"
                            "1m (evil.csv)\""),
              "%s", r.out);
    tu_run_free(&r);

    snprintf(path, sizeof(path), "%s/p.csv", dir);
    const char *prices = "Date,BTC\x1b]0;owned\x07_USD\n2009-01-12,x\n";
    cr_assert_eq(tu_write_file(path, prices, strlen(prices)), 0);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "prices", "import", path, "--asset", "BTC", "--column",
                             "BTC\x1b]0;owned\x07_USD", NULL},
            NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    cr_assert_null(strchr(r.err, '\x1b'), "%s", r.err);
    cr_assert_null(strchr(r.err, '\x07'), "%s", r.err);
    cr_assert(strstr(r.err, "\\x1b]0;owned\\x07"), "%s", r.err);
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
}

/* Value without a price is "no price" in text and null in JSON, with the unpriced amount
 * beside it; zero means zero. Before, the trace's range and the report said USD 0.00 (and
 * "0.00" in JSON) for 10 BTC laundered on a day without a price. */
Test(cli_trace, unpriced_value_is_no_price_not_zero)
{
    char *dir = tu_tmpdir(), path[600];
    snprintf(path, sizeof(path), "%s/l.csv", dir);
    const char *labels = "address,label,category\n"
                         "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3,Hal desk,exchange\n";
    cr_assert_eq(tu_write_file(path, labels, strlen(labels)), 0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db_dir, "labels", "import", path, "--quiet", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "case", "add", "c1", "--date", "2009-01-09", "--from",
                             SRC, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"fifo\":{\"source_sat\":5000000000,\"laundered_sat\":1000000000,"
                            "\"laundered_usd\":null,\"laundered_unpriced_sat\":1000000000,"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"range\":{\"low_sat\":1000000000,\"high_sat\":1000000000,"
                            "\"low_usd\":null,\"high_usd\":null,\"unpriced_sat\":1000000000,"
                            "\"poison_sat\":1000000000,\"poison_usd\":null}}\n"),
              "%s", r.out);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--format", "text", NULL},
            NULL);
    cr_assert(strstr(r.out, "fifo                50.00000000            10.00000000  no price\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "laundered: between 10.00000000 and 10.00000000 BTC (no price; up to "
                            "10.00000000 BTC on days without a price)\n"),
              "%s", r.out);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db_dir, "report", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "  stolen          50.00000000 BTC  (no price on 2009-01-09)\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "  laundered       10.00000000 BTC  (no price for 10.00000000 BTC)"
                            "  poison 10.00000000\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "TOTAL over 1 cases (1 traced; laundered: the cases' lows and highs "
                            "added)\n"
                            "  BTC: stolen 50.00000000, laundered 10.00000000 - 10.00000000\n"
                            "  stolen          no price; 50.00000000 BTC without a price\n"
                            "  laundered       no price; 10.00000000 BTC without a price\n"),
              "%s", r.out);
    cr_assert_null(strstr(r.out, "USD 0.00"), "%s", r.out);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db_dir, "report", "--format", "json", NULL}, NULL);
    cr_assert(strstr(r.out, "\"stolen_usd\":null,\"laundered\":{\"low\":1000000000,"
                            "\"high\":1000000000,\"low_usd\":null,\"high_usd\":null,"
                            "\"unpriced\":1000000000,"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"totals\":{\"cases\":1,\"traced\":1,\"stolen_usd\":null,"
                            "\"laundered_low_usd\":null,\"laundered_high_usd\":null,"),
              "%s", r.out);
    tu_run_free(&r);

    /* With the price of that day ($1.00), the same 10 BTC are worth $10.00. */
    snprintf(path, sizeof(path), "%s/p.csv", dir);
    const char *prices = "Date,BTC_USD\n2009-01-12,1.00\n";
    cr_assert_eq(tu_write_file(path, prices, strlen(prices)), 0);
    tu_exec(&r, (const char *[]){"--db", db_dir, "prices", "import", path, "--asset", "BTC", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--format", "text", NULL},
            NULL);
    cr_assert(strstr(r.out, "fifo                50.00000000            10.00000000  USD 10.00\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "laundered: between 10.00000000 and 10.00000000 BTC (USD 10.00 to "
                            "10.00)\n"),
              "%s", r.out);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db_dir, "report", "--format", "json", NULL}, NULL);
    cr_assert(strstr(r.out, "\"laundered\":{\"low\":1000000000,\"high\":1000000000,"
                            "\"low_usd\":\"10.00\",\"high_usd\":\"10.00\",\"unpriced\":0,"),
              "%s", r.out);
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
}

/* One check of addresses for every command: a mistyped address (bad checksum) and an
 * address of another network are usage errors with the same reason in trace, show and
 * case add. Before, trace took them for addresses that received nothing (exit 8). */
Test(cli_trace, addresses_are_checked_alike_everywhere)
{
    static const struct {
        const char *addr;
        const char *why;
    } bad[] = {
        {"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3T",
         "'12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3T' is not an address (bad-checksum), a TXID or "
         "TXID:VOUT\n"},
        {"mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",
         "address 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn': an address of testnet, not of mainnet "
         "(wrong-network)\n"},
        {"script:0", "'script:0' is not a script identity (script: and the script in lowercase "
                     "hex, two digits a byte; or script- and 64 lowercase hex digits)\n"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char want[512];
        tu_run r;
        tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", bad[i].addr, NULL}, NULL);
        cr_expect_eq(r.status, 2, "%s: exit %d", bad[i].addr, r.status);
        snprintf(want, sizeof(want), "chaintrail: trace: option '--from': %s", bad[i].why);
        cr_expect_str_eq(r.err, want);
        tu_run_free(&r);
        tu_exec(&r, (const char *[]){"--db", db_dir, "show", "address", bad[i].addr, NULL}, NULL);
        cr_expect_eq(r.status, 2, "%s: exit %d", bad[i].addr, r.status);
        snprintf(want, sizeof(want), "chaintrail: show: %s", bad[i].why);
        cr_expect_str_eq(r.err, want);
        tu_run_free(&r);
        tu_exec(&r,
                (const char *[]){"--db", db_dir, "case", "add", "x", "--date", "2009-01-09",
                                 "--from", bad[i].addr, NULL},
                NULL);
        cr_expect_eq(r.status, 2, "%s: exit %d", bad[i].addr, r.status);
        snprintf(want, sizeof(want), "chaintrail: case: option '--from': %s", bad[i].why);
        cr_expect_str_eq(r.err, want);
        tu_run_free(&r);
    }
    /* A well-formed address of the network that received nothing is still "not found". */
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from",
                             "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", NULL},
            NULL);
    cr_expect_eq(r.status, 8);
    tu_run_free(&r);
}

/* --paths has a size guard: the trace from 12cbQLTF... lists 40 path steps over its five
 * models; a guard of 39 stops before anything is written, with exit 9 and what to narrow,
 * and 40 passes. Before, the output grew with the number of paths without a bound (19 GB
 * on a simulated 100,000-transaction heist). */
Test(cli_trace, paths_stop_at_the_size_guard)
{
    /* A path step is a flow: this trace has 70 over its five models (--paths keeps them all
     * whole). */
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--paths", "--max-path-steps",
                             "69", NULL},
            NULL);
    cr_assert_eq(r.status, 9, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, "chaintrail: trace: --paths: the paths hold more than 69 flows (the "
                            "guard): nothing written; narrow the trace (fewer models, e.g. "
                            "--model fifo; fewer --hops; a --max-nodes budget; fewer sources or "
                            "a --since/--until window) or raise --max-path-steps (now 69)\n");
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--paths", "--max-path-steps",
                             "70", "--format", "csv", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(tu_count_lines(r.out), 71); /* the header and one row per flow */
    tu_run_free(&r);
    /* The default guard (1,000,000 steps) leaves this trace alone. */
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--paths", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
}

/* Options echoed in the manifest take up to 2^64 - 1: above 2^53 they are decimal strings,
 * which a JSON reader keeps exact (issue 12, 4d; docs/cli.md). They were numbers. */
Test(cli_trace, big_options_in_the_manifest_are_strings)
{
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", "--dust",
                             "9007199254740992", "--max-nodes", "18446744073709551615",
                             "--timeout", "9007199254740991", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"dust_sat\":\"9007199254740992\","), "%.900s", r.out);
    cr_assert(strstr(r.out, "\"max_nodes\":\"18446744073709551615\",\"timeout_s\":9007199254740991}"),
              "%.900s", r.out);
    tu_run_free(&r);
}

/* --group sums a model's endpoints per label, category or address, largest first; --limit N
 * keeps the N largest entries and says how many were left out and their taint. FIFO from
 * 12cbQLTF... ends at five unspent addresses: 18, 11, 10, 10 and 1 BTC. */
Test(cli_trace, group_and_limit)
{
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", "--group",
                             "address", "--limit", "2", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"direction\":\"forward\",\"group\":\"address\",\"limit\":2,"), "%s",
              r.out);
    cr_assert(strstr(r.out, "\"groups\":{\"by\":\"address\",\"entries\":[{\"key\":"
                            "\"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\",\"taint_sat\":1800000000,"
                            "\"usd\":null,\"unpriced_sat\":1800000000,\"endpoints\":1,"
                            "\"first_height\":248,\"last_height\":248},{\"key\":"
                            "\"1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs\",\"taint_sat\":1100000000,"
                            "\"usd\":null,\"unpriced_sat\":1100000000,\"endpoints\":1,"
                            "\"first_height\":496,\"last_height\":496}],\"left_out\":{"
                            "\"entries\":3,\"taint_sat\":2100000000}}"),
              "%s", r.out);
    tu_run_free(&r);
    /* without --group, --limit keeps the largest endpoints */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", "--limit",
                             "2", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"last_time\":1231965655,\"cluster_id\":1009,\"label_member\":null}],"
                            "\"endpoints_left_out\":{\"entries\":3,\"taint_sat\":2100000000}}"),
              "%s", r.out);
    tu_run_free(&r);
    /* in CSV, the rest is one row of the header's 15 columns, before the endpoints kept
     * (before, it had 13: the cluster columns were missing) */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", "--limit",
                             "2", "--format", "csv", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out,
                     "model,address,category,label,taint_sat,usd,unpriced_sat,hops,outputs,"
                     "first_height,first_time,last_height,last_time,cluster_id,label_member\n"
                     "fifo,\"(left out: 3)\",,,2100000000,,,,,,,,,,\n"
                     "fifo,\"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\",\"unspent\",\"\",1800000000,,"
                     "1800000000,0,1,248,1231790660,248,1231790660,19,\n"
                     "fifo,\"1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs\",\"unspent\",\"\",1100000000,,"
                     "1100000000,2,1,496,1231965655,496,1231965655,1009,\n");
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", "--group",
                             "category", "--format", "csv", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "model,category,taint_sat,usd,unpriced_sat,endpoints,first_height,"
                            "last_height\nfifo,\"unspent\",5000000000,,5000000000,5,170,496\n");
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--model", "fifo", "--group",
                             "address", "--limit", "2", "--format", "text", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out,
                     "  by address:\n"
                     "           18.00000000     1 endpoints  12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\n"
                     "           11.00000000     1 endpoints  1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs\n"
                     "  left out: 3 more, 21.00000000 BTC\n"),
              "%s", r.out);
    tu_run_free(&r);
    /* usage errors: an unknown grouping; --limit without --group beside flows */
    tu_exec(&r, (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--group", "labels", NULL},
            NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: trace: option '--group': unknown grouping 'labels' "
                            "(valid: label, category, address, cluster)\n");
    tu_run_free(&r);
    tu_exec(
        &r,
        (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--limit", "2", "--flows", NULL},
        NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: trace: --limit without --group would leave out endpoints "
                            "that the flows refer to: add --group, or leave out --flows and "
                            "--paths\n");
    tu_run_free(&r);
}

/* trace --to (docs/trace.md, "Connect") on the real chain: Satoshi's 12cbQLTF... paid Hal
 * Finney's 1Q2TWHE3... 10 BTC at height 170, one hop, under every model; the evidence is the
 * height-9 coinbase output and that payment. */
#define HAL  "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"
#define F418 "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"

Test(cli_trace, connect_reaches_hal_finney_in_every_model)
{
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--to", HAL, "--format", "csv",
                             NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    static const char *const models[] = {"poison", "haircut", "fifo", "lifo", "tiho"};
    char want[2048] = "model,target,reached,taint_sat,usd,unpriced_sat,hops,outputs,first_height,"
                      "first_time,first_utc,last_height,last_time,last_utc\n";
    for (size_t m = 0; m < 5; m++)
        snprintf(want + strlen(want), sizeof(want) - strlen(want),
                 "%s,\"" HAL "\",yes,1000000000,,1000000000,1,1,170,1231731025,"
                 "2009-01-12T03:30:25Z,170,1231731025,2009-01-12T03:30:25Z\n",
                 models[m]);
    cr_assert_str_eq(r.out, want);
    tu_run_free(&r);

    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--to", HAL, "--model", "fifo",
                             NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"direction\":\"forward\",\"paths\":true,\"flows\":\"whole\","
                            "\"to\":[\"" HAL "\"],\"hops\":10,"),
              "%s", r.out);
    const char *c = strstr(r.out, ",\"connect\":");
    cr_assert_not_null(c, "%s", r.out);
    cr_assert_str_eq(
        c, ",\"connect\":{\"reached\":true,\"targets\":[{\"address\":\"" HAL "\","
           "\"cluster_id\":343}],\"models\":{\"fifo\":{\"source_sat\":5000000000,"
           "\"reached_sat\":1000000000,\"usd\":null,\"unpriced_sat\":1000000000,\"targets\":["
           "{\"address\":\"" HAL "\",\"reached\":true,\"taint_sat\":1000000000,\"usd\":null,"
           "\"unpriced_sat\":1000000000,\"hops\":1,\"outputs\":1,\"first_height\":170,"
           "\"first_time\":1231731025,\"first_utc\":\"2009-01-12T03:30:25Z\",\"last_height\":170,"
           "\"last_time\":1231731025,\"last_utc\":\"2009-01-12T03:30:25Z\",\"endpoints\":[0]}],"
           "\"endpoints\":[{\"address\":\"" HAL "\",\"category\":\"target\",\"label\":null,"
           "\"taint_sat\":1000000000,\"usd\":null,\"unpriced_sat\":1000000000,\"hops\":1,"
           "\"outputs\":1,\"first_height\":170,\"first_time\":1231731025,\"last_height\":170,"
           "\"last_time\":1231731025,\"cluster_id\":343,\"label_member\":null,\"flows_in\":[1]}],"
           "\"flows\":[{\"hop\":0,\"height\":9,\"time\":1231473279,\"utc\":"
           "\"2009-01-09T03:54:39Z\",\"txid\":"
           "\"0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9\",\"vout\":0,"
           "\"address\":\"" SRC "\",\"taint_sat\":5000000000,\"usd\":null,\"from\":null,"
           "\"to\":\"" F418 "\",\"endpoint\":null},{\"hop\":1,\"height\":170,"
           "\"time\":1231731025,\"utc\":\"2009-01-12T03:30:25Z\",\"txid\":\"" F418 "\","
           "\"vout\":0,\"address\":\"" HAL "\",\"taint_sat\":1000000000,\"usd\":null,"
           "\"from\":\"" F418 "\",\"to\":null,\"endpoint\":0}]}}}}\n");
    tu_run_free(&r);

    /* Two targets, text, without clusters: 1BBz9Z15... got 11 BTC at hop 2 through the
     * transactions the paths name (docs/trace.md, "Paths"). */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--to", HAL, "--to",
                             "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs", "--model", "fifo",
                             "--no-clusters", "--format", "text", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    c = strstr(r.out, "complete\n\n");
    cr_assert_not_null(c, "%s", r.out);
    const char *want_text =
        "complete\n\nto " HAL ": reached\n"
        "  model             reached BTC hops           first (height, UTC)            "
        "last (height, UTC)\n"
        "  fifo              10.00000000    1      170 2009-01-12T03:30:25Z      170 "
        "2009-01-12T03:30:25Z  no price\n\n"
        "to 1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs: reached\n"
        "  model             reached BTC hops           first (height, UTC)            "
        "last (height, UTC)\n"
        "  fifo              11.00000000    2      496 2009-01-14T20:40:55Z      496 "
        "2009-01-14T20:40:55Z  no price\n\n"
        "== fifo: 21.00000000 BTC of 50.00000000 BTC reached the targets; 8 flows carried it\n"
        "  11.00000000 BTC  target  hop 2  1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs\n"
        "  10.00000000 BTC  target  hop 1  " HAL "\n";
    cr_assert(strncmp(c, want_text, strlen(want_text)) == 0, "%s", c);
    cr_assert_eq(tu_count_lines(c), 13 + 8, "%s", c); /* and the 8 flows */
    cr_assert(strstr(r.out, "      11.00000000 BTC  hop 2  height 496  2009-01-14T20:40:55Z  "
                            "from a3b0e9e7cddbbe78270fa4182a7675ff00b92872d8df7d14265a2b1e379a9d33"
                            "  output a3b0e9e7cddbbe78270fa4182a7675ff00b92872d8df7d14265a2b1e37"
                            "9a9d33:0\n"),
              "%s", r.out);
    tu_run_free(&r);
}

Test(cli_trace, connect_not_reached_missing_target_and_backward)
{
    tu_run r;
    /* Backward from Hal Finney's address, with Satoshi's as the target: did the money come
     * from there? All 10 BTC in every model but poison (which marks the whole 50 BTC output). */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", HAL, "--backward", "--to", SRC,
                             "--model", "poison,tiho", "--no-clusters", "--format", "csv", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out,
                     "model,target,reached,taint_sat,usd,unpriced_sat,hops,outputs,first_height,"
                     "first_time,first_utc,last_height,last_time,last_utc\n"
                     "poison,\"" SRC "\",yes,5000000000,,5000000000,1,1,9,1231473279,"
                     "2009-01-09T03:54:39Z,9,1231473279,2009-01-09T03:54:39Z\n"
                     "tiho,\"" SRC "\",yes,1000000000,,1000000000,1,1,9,1231473279,"
                     "2009-01-09T03:54:39Z,9,1231473279,2009-01-09T03:54:39Z\n");
    tu_run_free(&r);

    /* Forward from Hal Finney's address nothing comes back to Satoshi's: an explicit answer. */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", HAL, "--to", SRC, "--model",
                             "haircut", "--format", "csv", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out,
                     "model,target,reached,taint_sat,usd,unpriced_sat,hops,outputs,first_height,"
                     "first_time,first_utc,last_height,last_time,last_utc\n"
                     "haircut,\"" SRC "\",no,0,,0,,0,,,,,,\n");
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", HAL, "--to", SRC, "--model",
                             "haircut", "--format", "text", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "to " SRC " (cluster 19): not reached (0 under every model)\n"
                            "  model             reached BTC hops           first (height, UTC)"
                            "            last (height, UTC)\n"
                            "  haircut            0.00000000\n\n"
                            "== haircut: 0.00000000 BTC of 10.00000000 BTC reached the targets; "
                            "0 flows carried it\n"),
              "%s", r.out);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", HAL, "--to", SRC, "--model", "lifo",
                             NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, ",\"connect\":{\"reached\":false,\"targets\":[{\"address\":\"" SRC
                            "\",\"cluster_id\":19}],\"models\":{\"lifo\":{\"source_sat\":"
                            "1000000000,\"reached_sat\":0,\"usd\":\"0.00\",\"unpriced_sat\":0,"
                            "\"targets\":[{\"address\":\"" SRC "\",\"reached\":false,"
                            "\"taint_sat\":0,\"usd\":\"0.00\",\"unpriced_sat\":0,\"hops\":null,"
                            "\"outputs\":0,\"first_height\":null,\"first_time\":null,"
                            "\"first_utc\":null,\"last_height\":null,\"last_time\":null,"
                            "\"last_utc\":null,\"endpoints\":[]}],\"endpoints\":[],"
                            "\"flows\":[]}}}}\n"),
              "%s", r.out);
    tu_run_free(&r);

    /* A well-formed target not in the database: exit 8 naming it. */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--to",
                             "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", NULL},
            NULL);
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, "chaintrail: trace: address 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 "
                            "(--to) is not in the database\n");
    tu_run_free(&r);

    /* Usage errors: a transaction, a bad checksum, an Ethereum target of a Bitcoin trace,
     * options the connect answer does not take. */
    static const char *const bad[][2] = {
        {F418, "chaintrail: trace: option '--to': '" F418 "' is a transaction, not an address\n"},
        {"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm4",
         "chaintrail: trace: option '--to': '1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm4' is not an "
         "address (bad-checksum), a TXID or TXID:VOUT\n"},
        {"0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad",
         "chaintrail: trace: option '--to': '0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad' is not "
         "an address of the sources' chain\n"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tu_exec(&r,
                (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--to", bad[i][0], NULL},
                NULL);
        cr_assert_eq(r.status, 2, "%s", bad[i][0]);
        cr_assert_str_eq(r.err, bad[i][1]);
        tu_run_free(&r);
    }
    /* the size guard of --paths holds for the connect's flows too: exit 9, nothing written */
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--to", HAL,
                             "--max-path-steps", "5", NULL},
            NULL);
    cr_assert_eq(r.status, 9);
    cr_assert_str_eq(r.out, "");
    cr_assert(strstr(r.err, "chaintrail: trace: --to: the paths hold more than 5 flows (the "
                            "guard): nothing written;"),
              "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "trace", "--from", SRC, "--to", HAL, "--group",
                             "label", NULL},
            NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: trace: --to answers with its own flows: leave out "
                            "--group, --limit, --flows and --poison-flows\n");
    tu_run_free(&r);
}
