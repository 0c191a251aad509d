/* Every numeric option of every command is range-checked by one parser (engine/cli/opts.c,
 * cli_parse_range): a value outside its range, an overflow of 64 bits and the value a
 * command used internally as "not given" are exit 2 with the allowed range (issue 12, 1b). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct bad_case {
    const char *args[12];
    const char *err; /* the whole of stderr */
} bad_case;

/* Below, at and above each range; UINT64_MAX was the "not given" sentinel of --start-height,
 * --from, --to, --confirmations, --year and rollback's --to; 2^64 overflows. */
static const bad_case CASES[] = {
    {{"ingest", "bitcoin", "--start-height", "4294967295", "x.dat"},
     "chaintrail: ingest: option '--start-height': '4294967295' is not a whole number from 0 to "
     "4294967294\n"},
    {{"ingest", "bitcoin", "--start-height", "18446744073709551615", "x.dat"},
     "chaintrail: ingest: option '--start-height': '18446744073709551615' is not a whole number "
     "from 0 to 4294967294\n"},
    {{"ingest", "bitcoin", "--start-height", "18446744073709551616", "x.dat"},
     "chaintrail: ingest: option '--start-height': '18446744073709551616' is not a whole number "
     "from 0 to 4294967294\n"},
    {{"ingest", "bitcoin", "--cache-mb", "0", "x.dat"},
     "chaintrail: ingest: option '--cache-mb': '0' is not a whole number from 1 to 65536\n"},
    {{"ingest", "bitcoin", "--row-cache-mb", "65537", "x.dat"},
     "chaintrail: ingest: option '--row-cache-mb': '65537' is not a whole number from 1 to "
     "65536\n"},
    {{"ingest", "bitcoin", "--group-txs", "10000001", "x.dat"},
     "chaintrail: ingest: option '--group-txs': '10000001' is not a whole number from 0 to "
     "10000000\n"},
    {{"ingest", "ethereum", "--rpc", "http://127.0.0.1:1/", "--confirmations",
      "18446744073709551615"},
     "chaintrail: ingest: option '--confirmations': '18446744073709551615' is not a whole number "
     "from 0 to 4294967294\n"},
    {{"ingest", "ethereum", "--rpc", "http://127.0.0.1:1/", "--batch", "0"},
     "chaintrail: ingest: option '--batch': '0' is not a whole number from 1 to 1000\n"},
    {{"ingest", "ethereum", "--rpc", "http://127.0.0.1:1/", "--retries", "21"},
     "chaintrail: ingest: option '--retries': '21' is not a whole number from 0 to 20\n"},
    {{"ingest", "ethereum", "--rpc", "http://127.0.0.1:1/", "--from", "18446744073709551615"},
     "chaintrail: ingest: option '--from': '18446744073709551615' is not a whole number from 0 "
     "to 4294967294\n"},
    {{"ingest", "ethereum", "--rpc", "http://127.0.0.1:1/", "--to", "4294967295"},
     "chaintrail: ingest: option '--to': '4294967295' is not a whole number from 0 to "
     "4294967294\n"},
    {{"ingest", "ethereum", "--rpc", "http://127.0.0.1:1/", "--from", "7", "--to", "6"},
     "chaintrail: ingest: option '--to': 6 is below --from 7\n"},
    {{"ingest", "ethereum", "--rpc", "http://127.0.0.1:1/", "--chain-id", "0"},
     "chaintrail: ingest: option '--chain-id': '0' is not a whole number from 1 to "
     "18446744073709551615\n"},
    {{"ingest", "ethereum", "--rpc", "http://127.0.0.1:1/", "--cache-mb", "65537"},
     "chaintrail: ingest: option '--cache-mb': '65537' is not a whole number from 1 to 65536\n"},
    {{"trace", "--from", "x", "--hops", "4294967296"},
     "chaintrail: trace: option '--hops': '4294967296' is not a whole number from 0 to "
     "4294967295\n"},
    {{"trace", "--from", "x", "--dust", "18446744073709551616"},
     "chaintrail: trace: option '--dust': '18446744073709551616' is not a whole number from 0 to "
     "18446744073709551615\n"},
    {{"trace", "--from", "x", "--max-nodes", "-1"},
     "chaintrail: trace: option '--max-nodes': '-1' is not a whole number from 0 to "
     "18446744073709551615\n"},
    {{"trace", "--from", "x", "--timeout", "1.5"},
     "chaintrail: trace: option '--timeout': '1.5' is not a whole number from 0 to "
     "18446744073709551615\n"},
    {{"report", "--year", "18446744073709551615"},
     "chaintrail: report: option '--year': '18446744073709551615' is not a whole number from "
     "2009 to 9999\n"},
    {{"report", "--year", "2008"},
     "chaintrail: report: option '--year': '2008' is not a whole number from 2009 to 9999\n"},
    {{"rollback", "--to", "18446744073709551615"},
     "chaintrail: rollback: option '--to': '18446744073709551615' is not a whole number from 0 "
     "to 4294967294\n"},
    {{"labels", "show", "--min-confidence", "101", "x"},
     "chaintrail: labels: option '--min-confidence': '101' is not a whole number from 0 to "
     "100\n"},
    {{"show", "--limit", "0", "address", "x"},
     "chaintrail: show: option '--limit': '0' is not a whole number from 1 to "
     "18446744073709551615\n"},
    {{"decode", "ethereum", "--chain-id", "18446744073709551616", "x"},
     "chaintrail: decode: option '--chain-id': '18446744073709551616' is not a whole number from "
     "0 to 18446744073709551615\n"},
};

Test(cli_options, every_numeric_option_is_range_checked)
{
    char *dir = tu_tmpdir();
    char db[600];
    snprintf(db, sizeof(db), "%s/db", dir);
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const char *args[16] = {"--db", db};
        size_t n = 2;
        for (size_t j = 0; CASES[i].args[j]; j++)
            args[n++] = CASES[i].args[j];
        args[n] = NULL;
        tu_run r;
        tu_exec(&r, args, NULL);
        cr_assert_eq(r.status, 2, "case %zu (%s %s): exit %d: %s", i, CASES[i].args[0],
                     CASES[i].args[2], r.status, r.err);
        cr_assert_str_eq(r.err, CASES[i].err, "case %zu", i);
        cr_assert_str_eq(r.out, "", "case %zu", i);
        tu_run_free(&r);
    }
    /* nothing was created by a refused command line */
    FILE *f = fopen(db, "r");
    cr_assert_null(f, "%s was created", db);
    tu_rmtree(dir);
    free(dir);
}

/* The bounds themselves are accepted: the parse goes on to the next check. */
Test(cli_options, the_bounds_are_accepted)
{
    tu_run r;
    tu_exec(&r,
            (const char *[]){"ingest", "ethereum", "--rpc", "http://127.0.0.1:1/", "--from",
                             "4294967294", "--to", "4294967293", NULL},
            NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: ingest: option '--to': 4294967293 is below --from "
                            "4294967294\n");
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"report", "--year", "9999", "--format", "xml", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: report: option '--format': unknown format 'xml' (valid: "
                            "json, text, csv, html)\n");
    tu_run_free(&r);
}
