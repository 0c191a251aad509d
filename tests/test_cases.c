/* Tests of the cases module: source and name syntax, the put/get/list/delete round trip
 * through the library (replace keeps the creation time, list order is bytewise), the
 * validation errors with their exact messages, and `chaintrail case` end to end. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/chaintrail.h"
#include "testutil.h"

#define TXID   "a16f3ce4dd5deb92d98ef5cf8afeaf0775ebca408f708b2146c4fb42b41e14be"
#define TXID_U "A16F3CE4DD5DEB92D98EF5CF8AFEAF0775EBCA408F708B2146C4FB42B41E14BE"
#define P2PKH  "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
#define P2SH   "3M1TUxCrg9jdfwcbYjyRWXTK6FxgXnSMmd"
#define P2WPKH "bc1qwuz9xrsql6zt8l24xmcvkzgtfvzngqnyykzw0y"
#define P2WSH  "bc1qfvfd04gwx2nyevj428y4jd6phjxzyysq866yelnqv0007wnqnfwsv77ygu"
#define TEST_A "mpXwg4jMtRhuSpVq4xS3HFHmCmWp9NyGKt"

static uint32_t day(const char *text)
{
    uint32_t d;
    cr_assert_eq(ct_day_parse(&d, text), CT_OK);
    return d;
}

/* ---- syntax ---- */
Test(cases, sources_parse)
{
    ct_case_source s;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_case_source_parse(&s, P2PKH, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(s.kind, CT_CASE_ADDRESS);
    cr_assert_str_eq(s.net->name, "mainnet");
    cr_assert_str_eq(s.text, P2PKH);
    cr_assert_eq(ct_case_source_parse(&s, P2SH, &err), CT_OK);
    cr_assert_eq(ct_case_source_parse(&s, P2WPKH, &err), CT_OK);
    cr_assert_eq(ct_case_source_parse(&s, P2WSH, &err), CT_OK);
    cr_assert_eq(ct_case_source_parse(&s, TEST_A, &err), CT_OK);
    cr_assert_str_eq(s.net->name, "testnet");

    cr_assert_eq(ct_case_source_parse(&s, TXID, &err), CT_OK);
    cr_assert_eq(s.kind, CT_CASE_TX);
    /* internal order: the display hex reversed */
    cr_assert_eq(s.txid[0], 0xbe);
    cr_assert_eq(s.txid[31], 0xa1);
    cr_assert_eq(ct_case_source_parse(&s, TXID_U ":0", &err), CT_OK);
    cr_assert_eq(s.kind, CT_CASE_OUTPUT);
    cr_assert_eq(s.vout, 0);
    cr_assert_str_eq(s.text, TXID_U ":0"); /* kept as written */
    cr_assert_eq(ct_case_source_parse(&s, TXID ":4294967295", &err), CT_OK);
    cr_assert_eq(s.vout, UINT32_MAX);

    /* Ethereum: an address in lower case or EIP-55 form, a transaction hash in any case */
    cr_assert_eq(ct_case_source_parse(&s, "0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad", &err),
                 CT_OK);
    cr_assert_eq(s.kind, CT_CASE_ETH_ADDRESS);
    cr_assert_eq(ct_case_source_parse(&s, "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD", &err),
                 CT_OK);
    cr_assert_eq(s.kind, CT_CASE_ETH_ADDRESS);
    cr_assert_eq(ct_case_source_parse(
                     &s, "0x8D6B84B11ACE6E48C95AE7A229D9D467EAD6F122A14FD86AA18C5B8C7665BEA7", &err),
                 CT_OK);
    cr_assert_eq(s.kind, CT_CASE_ETH_TX);

    static const char *const bad[][2] = {
        {"", "an empty source"},
        /* one letter's case changed: the EIP-55 checksum fails */
        {"0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAd",
         "'0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAd' is not an Ethereum address (0x + 40 hex "
         "digits: bad-checksum) or transaction hash (0x + 64 hex digits)"},
        {"0x1234", "'0x1234' is not an Ethereum address (0x + 40 hex digits: bad-length) or "
                   "transaction hash (0x + 64 hex digits)"},
        {"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3T",
         "'12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3T' is not an address (bad-checksum), a TXID or "
         "TXID:VOUT"},
        {"hello", "'hello' is not an address (bad-char), a TXID or TXID:VOUT"},
        {TXID ":", "'" TXID ":': the output number after ':' must be a whole number from 0 to "
                   "4294967295 without leading zeros"},
        {TXID ":01", "'" TXID ":01': the output number after ':' must be a whole number from 0 "
                     "to 4294967295 without leading zeros"},
        {TXID ":4294967296", "'" TXID ":4294967296': the output number after ':' must be a "
                             "whole number from 0 to 4294967295 without leading zeros"},
        {TXID ":-1", "'" TXID ":-1': the output number after ':' must be a whole number from 0 "
                     "to 4294967295 without leading zeros"},
        {"abcd:1", "'abcd:1' is not TXID:VOUT (the txid must be 64 hex digits)"},
        {TXID "0", "'" TXID "0' is not an address (bad-char), a TXID or TXID:VOUT"},
        {P2PKH ":1", "'" P2PKH ":1' is not TXID:VOUT (the txid must be 64 hex digits)"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ct_error_clear(&err);
        cr_expect_eq(ct_case_source_parse(&s, bad[i][0], &err), CT_EINVAL, "%s", bad[i][0]);
        cr_expect_str_eq(err.reason, "bad-source");
        cr_expect_str_eq(err.detail, bad[i][1]);
    }
}

Test(cases, names)
{
    char n64[65], n65[66];
    memset(n64, 'a', 64);
    n64[64] = '\0';
    memset(n65, 'a', 65);
    n65[65] = '\0';
    static const char *const good[] = {"a", "Z", "0", "bitfinex-2016", "case_1.v2", "-", "."};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        cr_expect(ct_case_name_valid(good[i]), "%s", good[i]);
    cr_expect(ct_case_name_valid(n64));
    static const char *const bad[] = {"", "a b", "a/b", "caf\xc3\xa9", "a\n", "a:b", "a,b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect(!ct_case_name_valid(bad[i]), "%s", bad[i]);
    cr_expect(!ct_case_name_valid(n65));
}

/* ---- the table ---- */
static void make(ct_case *c, const char *name, const char *date, const char *victim,
                 const char *const *sources)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->date = day(date);
    snprintf(c->victim, sizeof(c->victim), "%s", victim);
    while (sources[c->n_sources])
        c->n_sources++;
    c->sources = calloc(c->n_sources + 1, sizeof(*c->sources));
    for (size_t i = 0; i < c->n_sources; i++)
        snprintf(c->sources[i].text, sizeof(c->sources[i].text), "%s", sources[i]);
}

Test(cases, put_get_list_del_round_trip)
{
    char *dir = tu_fresh_db();
    ct_db *db = tu_db_open(dir, true);
    ct_case c, got;
    ct_error err;
    ct_error_clear(&err);
    make(&c, "bitfinex-2016", "2016-08-02", "Bitfinex",
         (const char *[]){P2PKH, TXID ":1", TXID, P2WSH, NULL});
    cr_assert_eq(ct_case_put(db, &c, false, 1700000000, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(ct_case_get(db, &got, "bitfinex-2016", &err), CT_OK, "%s", err.detail);
    cr_assert_str_eq(got.name, "bitfinex-2016");
    cr_assert_eq(got.date, day("2016-08-02"));
    cr_assert_str_eq(got.victim, "Bitfinex");
    cr_assert_eq(got.created, 1700000000);
    cr_assert_eq(got.updated, 1700000000);
    cr_assert_eq(got.n_sources, 4);
    cr_assert_str_eq(got.sources[0].text, P2PKH);
    cr_assert_eq(got.sources[0].kind, CT_CASE_ADDRESS);
    cr_assert_str_eq(got.sources[1].text, TXID ":1");
    cr_assert_eq(got.sources[1].kind, CT_CASE_OUTPUT);
    cr_assert_eq(got.sources[1].vout, 1);
    cr_assert_eq(got.sources[1].txid[0], 0xbe);
    cr_assert_eq(got.sources[2].kind, CT_CASE_TX);
    cr_assert_str_eq(got.sources[3].text, P2WSH);
    ct_case_release(&got);

    /* an existing name: refused unless replace, which keeps the creation time */
    ct_case_release(&c);
    make(&c, "bitfinex-2016", "2016-08-03", "", (const char *[]){P2SH, NULL});
    ct_error_clear(&err);
    cr_assert_eq(ct_case_put(db, &c, false, 1700000100, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "case-exists");
    cr_assert_str_eq(err.detail, "case 'bitfinex-2016' exists");
    cr_assert_eq(ct_case_put(db, &c, true, 1700000100, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(ct_case_get(db, &got, "bitfinex-2016", &err), CT_OK);
    cr_assert_eq(got.created, 1700000000);
    cr_assert_eq(got.updated, 1700000100);
    cr_assert_eq(got.date, day("2016-08-03"));
    cr_assert_str_eq(got.victim, "");
    cr_assert_eq(got.n_sources, 1);
    cr_assert_str_eq(got.sources[0].text, P2SH);
    ct_case_release(&got);
    ct_case_release(&c);

    /* list order is bytewise whatever the order of writing */
    static const char *const names[] = {"b", "A", "a", "0", "-x", "_y", "B.1", "bitfinex-2016"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(names[i], "bitfinex-2016") == 0)
            continue;
        make(&c, names[i], "2020-02-29", "v", (const char *[]){TXID, NULL});
        cr_assert_eq(ct_case_put(db, &c, false, 1700000000 + i, &err), CT_OK, "%s", err.detail);
        ct_case_release(&c);
    }
    ct_case *list;
    size_t n;
    cr_assert_eq(ct_case_list(db, &list, &n, &err), CT_OK, "%s", err.detail);
    static const char *const order[] = {"-x", "0", "A", "B.1", "_y", "a", "b", "bitfinex-2016"};
    cr_assert_eq(n, 8);
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(list[i].name, order[i]);
    cr_assert_eq(list[7].n_sources, 1);
    ct_case_list_free(list, n);

    cr_assert_eq(ct_case_del(db, "A", &err), CT_OK);
    cr_assert_eq(ct_case_del(db, "A", &err), CT_ENOTFOUND);
    cr_assert_str_eq(err.detail, "no case 'A'");
    cr_assert_eq(ct_case_get(db, &got, "A", &err), CT_ENOTFOUND);
    cr_assert_eq(ct_case_get(db, &got, "a b", &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "bad-name");
    cr_assert_eq(ct_case_list(db, &list, &n, &err), CT_OK);
    cr_assert_eq(n, 7);
    cr_assert_str_eq(list[2].name, "B.1");
    ct_case_list_free(list, n);
    ct_db_close(db);

    /* an empty database lists nothing */
    char *dir2 = tu_fresh_db();
    db = tu_db_open(dir2, true);
    cr_assert_eq(ct_case_list(db, &list, &n, &err), CT_OK);
    cr_assert_eq(n, 0);
    cr_assert_null(list);
    ct_db_close(db);
    tu_fresh_db_done(dir);
    tu_fresh_db_done(dir2);
}

Test(cases, put_validation)
{
    char *dir = tu_fresh_db();
    ct_db *db = tu_db_open(dir, true);
    ct_case c;
    ct_error err;
    typedef struct bad {
        const char *name, *victim;
        const char *sources[4];
        const char *reason, *detail;
    } bad;
    static const bad cases[] = {
        {"a b", "", {TXID}, "bad-name", "'a b' is not a case name (1 to 64 of A-Z a-z 0-9 . _ -)"},
        {"x",
         "line\nbreak",
         {TXID},
         "bad-victim",
         "the victim must be at most 256 bytes of UTF-8 text without control characters"},
        {"x",
         "\xff",
         {TXID},
         "bad-victim",
         "the victim must be at most 256 bytes of UTF-8 text without control characters"},
        {"x", "", {NULL}, "no-sources", "a case needs at least one source"},
        {"x", "", {TXID, P2PKH, TXID}, "duplicate-source", "source '" TXID "' is given twice"},
        {"x",
         "",
         {TXID, "nope"},
         "bad-source",
         "'nope' is not an address (bad-length), a TXID or TXID:VOUT"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        make(&c, cases[i].name, "2020-01-01", cases[i].victim, cases[i].sources);
        ct_error_clear(&err);
        cr_expect_eq(ct_case_put(db, &c, false, 1, &err), CT_EINVAL, "case %zu", i);
        cr_expect_str_eq(err.reason, cases[i].reason, "case %zu", i);
        cr_expect_str_eq(err.detail, cases[i].detail, "case %zu", i);
        ct_case_release(&c);
    }
    /* a victim of exactly 256 bytes of UTF-8 (128 two-byte letters) is fine */
    make(&c, "utf8", "2020-01-01", "", (const char *[]){TXID, NULL});
    for (size_t i = 0; i < 128; i++)
        memcpy(c.victim + 2 * i, "\xc3\xa9", 2);
    c.victim[256] = '\0';
    cr_assert_eq(ct_case_put(db, &c, false, 1, &err), CT_OK, "%s", err.detail);
    ct_case_release(&c);
    ct_case got;
    cr_assert_eq(ct_case_get(db, &got, "utf8", &err), CT_OK);
    cr_assert_eq(strlen(got.victim), 256);
    ct_case_release(&got);
    ct_case *list;
    size_t n;
    cr_assert_eq(ct_case_list(db, &list, &n, &err), CT_OK);
    cr_assert_eq(n, 1); /* nothing of the rejected ones was written */
    ct_case_list_free(list, n);
    ct_db_close(db);
    tu_fresh_db_done(dir);
}

/* ---- the CLI ---- */
static void run(tu_run *r, const char *dir, const char *const *args, const char *now)
{
    const char *argv[40];
    size_t n = strlen(dir) + 6;
    char *d = malloc(n);
    snprintf(d, n, "--db=%s", dir);
    size_t k = 0;
    argv[k++] = d;
    for (size_t i = 0; args[i]; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    char env[64];
    snprintf(env, sizeof(env), "CHAINTRAIL_TEST_NOW=%s", now ? now : "");
    const char *envs[] = {env, NULL};
    tu_exec(r, argv, now ? envs : NULL);
    free(d);
}

Test(cases, cli_round_trip)
{
    char *dir = tu_fresh_db();
    tu_run r;
    run(&r, dir, (const char *[]){"case", "list", NULL}, NULL);
    cr_assert_eq(r.status, 5); /* list never creates a database */
    cr_assert(strstr(r.err, "no database at"), "%s", r.err);
    tu_run_free(&r);

    run(&r, dir,
        (const char *[]){"case", "add", "bitfinex-2016", "--date", "2016-08-02", "--from", P2PKH,
                         "--from=" TXID ":1", "--victim", "Bitfinex Ltd", NULL},
        "1700000000");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: case: added case 'bitfinex-2016' with 2 sources\n");
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"case", "add", "Alpha", "--from", TXID, "--date=2020-02-29", NULL},
        "1700000060");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: case: added case 'Alpha' with 1 source\n");
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"case", "list", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "NAME           DATE        SOURCES  VICTIM\n"
                            "Alpha          2020-02-29        1  -\n"
                            "bitfinex-2016  2016-08-02        2  Bitfinex Ltd\n");
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"case", "list", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(
        r.out,
        "{\"name\":\"Alpha\",\"date\":\"2020-02-29\",\"victim\":null,\"sources\":[{\"source\":"
        "\"" TXID "\",\"kind\":\"tx\"}],\"created\":\"2023-11-14T22:14:20Z\",\"updated\":"
        "\"2023-11-14T22:14:20Z\"}\n"
        "{\"name\":\"bitfinex-2016\",\"date\":\"2016-08-02\",\"victim\":\"Bitfinex Ltd\","
        "\"sources\":[{\"source\":\"" P2PKH "\",\"kind\":\"address\",\"network\":\"mainnet\"},"
        "{\"source\":\"" TXID ":1\",\"kind\":\"output\"}],\"created\":\"2023-11-14T22:13:20Z\","
        "\"updated\":\"2023-11-14T22:13:20Z\"}\n");
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"case", "show", "bitfinex-2016", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "case      bitfinex-2016\n"
                            "date      2016-08-02\n"
                            "victim    Bitfinex Ltd\n"
                            "created   2023-11-14T22:13:20Z\n"
                            "updated   2023-11-14T22:13:20Z\n"
                            "sources   2\n"
                            "  address  " P2PKH " (mainnet)\n"
                            "  output   " TXID ":1\n");
    tu_run_free(&r);

    /* an existing name without --replace: exit 2, unchanged; with it: new content, the
     * creation time kept */
    run(&r, dir,
        (const char *[]){"case", "add", "Alpha", "--date", "2021-01-01", "--from", P2SH, NULL},
        "1700000120");
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: case: case 'Alpha' exists; use --replace to overwrite "
                            "it\n");
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"case", "add", "Alpha", "--date", "2021-01-01", "--from", P2SH, "--from",
                         P2WPKH, "--replace", NULL},
        "1700000120");
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"case", "show", "Alpha", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out,
                     "{\"name\":\"Alpha\",\"date\":\"2021-01-01\",\"victim\":null,\"sources\":["
                     "{\"source\":\"" P2SH "\",\"kind\":\"address\",\"network\":\"mainnet\"},"
                     "{\"source\":\"" P2WPKH "\",\"kind\":\"address\",\"network\":\"mainnet\"}],"
                     "\"created\":\"2023-11-14T22:14:20Z\",\"updated\":\"2023-11-14T22:15:20Z\"}"
                     "\n");
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"case", "rm", "Alpha", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: case: removed case 'Alpha'\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"case", "show", "Alpha", NULL}, NULL);
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.err, "chaintrail: case: no case 'Alpha'\n");
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"case", "rm", "Alpha", NULL}, NULL);
    cr_assert_eq(r.status, 8);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"case", "list", NULL}, NULL);
    cr_assert_str_eq(r.out, "NAME           DATE        SOURCES  VICTIM\n"
                            "bitfinex-2016  2016-08-02        2  Bitfinex Ltd\n");
    tu_run_free(&r);
    tu_fresh_db_done(dir);
}

Test(cases, cli_validation_messages)
{
    typedef struct bad {
        const char *args[12];
        int status;
        const char *err;
    } bad;
    static const bad cases[] = {
        {{"case", "add", "x", "--from", TXID, NULL},
         2,
         "chaintrail: case: option '--date YYYY-MM-DD' is required (the day of the theft)\n"},
        {{"case", "add", "x", "--date", "2023-02-29", "--from", TXID, NULL},
         2,
         "chaintrail: case: option '--date': '2023-02-29' is not a date YYYY-MM-DD from "
         "1970-01-01 to 9999-12-31\n"},
        {{"case", "add", "x", "--date", "2023-02-28", NULL},
         2,
         "chaintrail: case: option '--from' is required: an address, TXID or TXID:VOUT (repeat "
         "it for several)\n"},
        {{"case", "add", "x", "--date", "2023-02-28", "--from", TXID ":01", NULL},
         2,
         "chaintrail: case: option '--from': '" TXID ":01': the output number after ':' must be "
         "a whole number from 0 to 4294967295 without leading zeros\n"},
        {{"case", "add", "x", "--date", "2023-02-28", "--from", P2PKH "x", NULL},
         2,
         "chaintrail: case: option '--from': '" P2PKH "x' is not an address (bad-checksum), a "
         "TXID or TXID:VOUT\n"},
        {{"case", "add", "x", "--date", "2023-02-28", "--from", TXID, "--from", TXID, NULL},
         2,
         "chaintrail: case: source '" TXID "' is given twice\n"},
        {{"case", "add", "x y", "--date", "2023-02-28", "--from", TXID, NULL},
         2,
         "chaintrail: case: 'x y' is not a case name (1 to 64 of A-Z a-z 0-9 . _ -)\n"},
        {{"case", "add", "--date", "2023-02-28", "--from", TXID, NULL},
         2,
         "chaintrail: case: no NAME given; usage: chaintrail case add NAME --date YYYY-MM-DD "
         "--from SOURCE...\n"},
        {{"case", "add", "x", "--date", "2023-02-28", "--from", TXID, "--victim", "a\tb", NULL},
         2,
         "chaintrail: case: the victim must be at most 256 bytes of UTF-8 text without control "
         "characters\n"},
        {{"case", "add", "x", "y", "--date", "2023-02-28", "--from", TXID, NULL},
         2,
         "chaintrail: case: unexpected argument 'y'\n"},
        {{"case", "add", "x", "--date", "2023-02-28", "--from", NULL},
         2,
         "chaintrail: case: option '--from' needs a value\n"},
        {{"case", "show", NULL},
         2,
         "chaintrail: case: no NAME given; usage: chaintrail case show "
         "NAME\n"},
        {{"case", "show", "a/b", NULL},
         2,
         "chaintrail: case: 'a/b' is not a case name (1 to 64 of A-Z a-z 0-9 . _ -)\n"},
        {{"case", "frob", NULL},
         2,
         "chaintrail: case: unknown subcommand 'frob' (add, list, "
         "show, rm)\n"},
        {{"case", "list", "--format", "csv", NULL},
         2,
         "chaintrail: case: option '--format': unknown format 'csv' (valid: json, text)\n"},
    };
    char *dir = tu_fresh_db();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_run r;
        run(&r, dir, cases[i].args, "1");
        cr_expect_eq(r.status, cases[i].status, "case %zu: exit %d: %s", i, r.status, r.err);
        cr_expect_str_eq(r.err, cases[i].err, "case %zu", i);
        cr_expect_str_eq(r.out, "", "case %zu", i);
        tu_run_free(&r);
    }
    /* none of them wrote a case (the database may exist: list must be empty) */
    tu_run r;
    run(&r, dir, (const char *[]){"case", "list", NULL}, NULL);
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    tu_fresh_db_done(dir);
}
