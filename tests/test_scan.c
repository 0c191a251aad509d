/* chaintrail scan (docs/scan.md): the customer file, the risk policy, and the command. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "chaintrail/chaintrail.h"
#include "testutil.h"

#define GENESIS "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
#define BECH32  "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
#define ETHLOW  "0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae"

static ct_scan_customers parse(const char *text)
{
    ct_scan_customers c;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_scan_customers_parse(&c, text, strlen(text), &err), CT_OK, "%s", err.detail);
    return c;
}

Test(customers, csv_rows_and_bad_rows)
{
    ct_scan_customers c = parse("customer_id,address,chain\r\n"
                                "c1," GENESIS ",bitcoin\r\n"
                                "\n"
                                "c2,bad,bitcoin\n"
                                "\"c,3\"," ETHLOW ",\n"
                                "c4," GENESIS ",litecoin\n"
                                "c5," GENESIS "\n"
                                ",x,\n"
                                "c1," BECH32 ",\n"
                                "c6,\"" GENESIS ",bitcoin\n"
                                "c\"7," GENESIS ",bitcoin\n");
    cr_assert_eq(c.format, CT_SCAN_CUSTOMERS_CSV);
    cr_assert_eq(c.rows, 9);
    cr_assert_eq(c.count, 3);
    cr_assert_eq(c.skipped, 6);
    cr_assert_str_eq(c.items[0].customer_id, "c1");
    cr_assert_str_eq(c.items[0].address, GENESIS);
    cr_assert_eq(c.items[0].chain, CT_SCAN_BITCOIN);
    cr_assert_eq(c.items[0].line, 2);
    cr_assert_str_eq(c.items[1].customer_id, "c,3");
    cr_assert_str_eq(c.items[1].address, ETHLOW);
    cr_assert_eq(c.items[1].chain, CT_SCAN_ETHEREUM); /* inferred from 0x */
    cr_assert_eq(c.items[1].line, 5);
    cr_assert_str_eq(c.items[2].customer_id, "c1"); /* a customer may own several */
    cr_assert_str_eq(c.items[2].address, BECH32);
    cr_assert_eq(c.items[2].line, 9);
    cr_assert_eq(c.n_bad, 6);
    cr_assert_eq(c.bad[0].line, 4);
    cr_assert_str_eq(c.bad[0].reason, "'bad' is not a Bitcoin address");
    cr_assert_eq(c.bad[1].line, 6);
    cr_assert_str_eq(c.bad[1].reason, "unknown chain 'litecoin' (valid: bitcoin, ethereum)");
    cr_assert_eq(c.bad[2].line, 7);
    cr_assert_str_eq(c.bad[2].reason, "2 fields, the header has 3");
    cr_assert_eq(c.bad[3].line, 8);
    cr_assert_str_eq(c.bad[3].reason, "empty customer_id");
    cr_assert_eq(c.bad[4].line, 10);
    cr_assert_str_eq(c.bad[4].reason, "unterminated quoted field");
    cr_assert_eq(c.bad[5].line, 11);
    cr_assert_str_eq(c.bad[5].reason, "quote inside an unquoted field");
    ct_scan_customers_release(&c);
}

Test(customers, same_address_two_customers_and_chain_mismatch)
{
    ct_scan_customers c = parse("customer_id,address\n"
                                "a," GENESIS "\n"
                                "b," GENESIS "\n");
    cr_assert_eq(c.count, 2);
    cr_assert_str_eq(c.items[1].customer_id, "b");
    cr_assert_str_eq(c.items[1].address, GENESIS);
    ct_scan_customers_release(&c);

    c = parse("customer_id,address,chain\n"
              "a," GENESIS ",ethereum\n"
              "b," ETHLOW ",bitcoin\n"
              "c,0xDE0B295669A9FD93D5F28D9EC85E40F4CB697BAE,ethereum\n");
    cr_assert_eq(c.count, 1);
    cr_assert_str_eq(c.items[0].address, ETHLOW); /* upper case is lowercased */
    cr_assert_str_eq(c.bad[0].reason, "'" GENESIS "' is not an Ethereum address");
    cr_assert_str_eq(c.bad[1].reason, "'" ETHLOW "' is not a Bitcoin address");
    ct_scan_customers_release(&c);
}

/* An Ethereum address written 0X... is kept in the labels' form 0x..., as its hex digits are
 * (found by fuzz_customers: the row was kept as "0Xde0b...", which no label matches). */
Test(customers, ethereum_0X_prefix_is_normalized)
{
    static const char text[] = "customer_id,address\n"
                               "c1,0XDE0B295669A9FD93D5F28D9EC85E40F4CB697BAE\n"
                               "c2,0Xde0b295669a9fd93d5f28d9ec85e40f4cb697bae,\n";
    ct_scan_customers c;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_scan_customers_parse(&c, text, sizeof(text) - 1, &err), CT_OK, "%s",
                 err.detail);
    cr_assert_eq(c.count, 1);
    cr_assert_eq(c.skipped, 1);
    cr_assert_str_eq(c.items[0].address, ETHLOW);
    cr_assert_eq(c.items[0].chain, CT_SCAN_ETHEREUM);
    cr_assert_str_eq(c.bad[0].reason, "3 fields, the header has 2");
    ct_scan_customers_release(&c);
}

Test(customers, bad_header_refuses_the_file)
{
    const char *texts[] = {"id,address\nc1," GENESIS "\n", "", "\n\n",
                           "customer_id,address,chain,extra\n"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        ct_scan_customers c;
        ct_error err;
        ct_error_clear(&err);
        cr_assert_eq(ct_scan_customers_parse(&c, texts[i], strlen(texts[i]), &err), CT_ECORRUPT);
        cr_assert_str_eq(err.reason, "customers-header");
        cr_assert_eq(c.count, 0);
        ct_scan_customers_release(&c);
    }
}

Test(customers, json_lines)
{
    ct_scan_customers c =
        parse("{\"customer_id\":\"c1\",\"address\":\"" GENESIS "\"}\n"
              "{\"customer_id\":\"c2\",\"address\":\"" ETHLOW "\",\"chain\":\"ethereum\"}\n"
              "{\"customer_id\":\"c3\"}\n"
              "[1]\n"
              "{\"customer_id\":\"c4\",\"address\":\"" GENESIS "\",\"note\":\"x\"}\n"
              "{\"customer_id\":4,\"address\":\"" GENESIS "\"}\n"
              "{\"customer_id\":\"c5\",\n"
              "{\"customer_id\":\"c\\u0041\",\"address\":\"" BECH32 "\"}\n");
    cr_assert_eq(c.format, CT_SCAN_CUSTOMERS_JSONL);
    cr_assert_eq(c.rows, 8);
    cr_assert_eq(c.count, 3);
    cr_assert_eq(c.skipped, 5);
    cr_assert_str_eq(c.items[0].customer_id, "c1");
    cr_assert_eq(c.items[1].chain, CT_SCAN_ETHEREUM);
    cr_assert_str_eq(c.items[2].customer_id, "cA");
    cr_assert_eq(c.items[2].line, 8);
    cr_assert_str_eq(c.bad[0].reason, "missing field 'address'");
    cr_assert_eq(c.bad[0].line, 3);
    cr_assert_str_eq(c.bad[1].reason, "not a JSON object");
    cr_assert_str_eq(c.bad[2].reason, "unknown field 'note' (valid: customer_id, address, chain)");
    cr_assert_str_eq(c.bad[3].reason, "field 'customer_id' is not a string");
    cr_assert_eq(c.bad[4].line, 7);
    cr_assert(strncmp(c.bad[4].reason, "not JSON: ", 10) == 0, "%s", c.bad[4].reason);
    ct_scan_customers_release(&c);
}

Test(customers, only_the_first_bad_rows_are_listed)
{
    ct_buf b;
    ct_buf_init(&b, SIZE_MAX);
    cr_assert_eq(ct_buf_puts(&b, "customer_id,address\n"), CT_OK);
    for (int i = 0; i < 150; i++)
        cr_assert_eq(ct_buf_printf(&b, "c%d,nope\n", i), CT_OK);
    ct_scan_customers c = parse((const char *)b.data);
    cr_assert_eq(c.skipped, 150);
    cr_assert_eq(c.n_bad, CT_SCAN_BAD_LISTED);
    cr_assert_eq(c.bad[CT_SCAN_BAD_LISTED - 1].line, CT_SCAN_BAD_LISTED + 1);
    ct_scan_customers_release(&c);
    ct_buf_release(&b);
}

/* ---- policy ---- */
static int policy(ct_scan_policy *p, ct_error *err, const char *text)
{
    ct_error_clear(err);
    return ct_scan_policy_parse(p, text, strlen(text), err);
}

#define RULE(cat, body) "{\"version\":1,\"categories\":{\"" cat "\":" body "}}"
#define FULL(sev, dir, exp, hops, amt, usd, share)                                                 \
    "{\"severity\":\"" sev "\",\"direction\":\"" dir "\",\"exposure\":\"" exp                      \
    "\",\"max_hops\":" hops ",\"min_amount\":\"" amt "\",\"min_usd\":\"" usd                       \
    "\",\"min_share\":\"" share "\"}"

Test(policy, default_policy)
{
    ct_scan_policy p;
    ct_error err;
    cr_assert_eq(policy(&p, &err, ct_scan_policy_default_json()), CT_OK, "%s", err.detail);
    const ct_scan_rule *s = &p.rules[CT_LABEL_SANCTIONED];
    cr_assert_eq(s->severity, CT_SCAN_SEVERE);
    cr_assert_eq(s->direction, CT_SCAN_BOTH_DIRECTIONS);
    cr_assert_eq(s->exposure, CT_SCAN_BOTH_EXPOSURES);
    cr_assert_eq(s->max_hops, 5);
    cr_assert_eq(s->min_sat, 0);
    cr_assert_eq(p.rules[CT_LABEL_HACK].severity, CT_SCAN_HIGH);
    cr_assert_eq(p.rules[CT_LABEL_RANSOMWARE].severity, CT_SCAN_HIGH);
    cr_assert_eq(p.rules[CT_LABEL_MIXER].severity, CT_SCAN_HIGH);
    cr_assert_eq(p.rules[CT_LABEL_MIXER].direction, CT_SCAN_INCOMING);
    const ct_scan_rule *g = &p.rules[CT_LABEL_GAMBLING];
    cr_assert_eq(g->severity, CT_SCAN_MEDIUM);
    cr_assert_eq(g->min_usd_cents, 10000);
    cr_assert_eq(g->min_share_ppm, 50000);
    cr_assert_eq(p.rules[CT_LABEL_EXCHANGE].severity, CT_SCAN_NONE);
}

Test(policy, values)
{
    ct_scan_policy p;
    ct_error err;
    cr_assert_eq(
        policy(&p, &err,
               RULE("scam", FULL("LOW", "outgoing", "indirect", "7", "1.5", "20.5", "0.000001"))),
        CT_OK, "%s", err.detail);
    const ct_scan_rule *r = &p.rules[CT_LABEL_SCAM];
    cr_assert_eq(r->severity, CT_SCAN_LOW);
    cr_assert_eq(r->direction, CT_SCAN_OUTGOING);
    cr_assert_eq(r->exposure, CT_SCAN_INDIRECT);
    cr_assert_eq(r->max_hops, 7);
    cr_assert_eq(r->min_sat, 150000000);
    cr_assert_eq(r->min_usd_cents, 2050);
    cr_assert_eq(r->min_share_ppm, 1);
    cr_assert_eq(p.rules[CT_LABEL_SANCTIONED].severity, CT_SCAN_NONE); /* not named: off */
}

Test(policy, unknown_names_list_the_valid_ones)
{
    ct_scan_policy p;
    ct_error err;
    cr_assert_eq(
        policy(&p, &err, RULE("exchnage", FULL("LOW", "both", "both", "1", "0", "0", "0"))),
        CT_EINVAL);
    cr_assert_str_eq(err.reason, "policy-unknown-name");
    cr_assert_str_eq(err.detail,
                     "line 1, column 28: unknown category 'exchnage' (valid: other, exchange, "
                     "mixer, bridge, gambling, sanctioned, darknet, ransomware, scam, hack, "
                     "blocked, defi, miner, service)");
    cr_assert_eq(policy(&p, &err, RULE("hack", FULL("high", "both", "both", "1", "0", "0", "0"))),
                 CT_EINVAL);
    cr_assert_str_eq(err.detail, "line 1, column 47: unknown severity 'high' (valid: none, LOW, "
                                 "MEDIUM, HIGH, SEVERE)");
    cr_assert_eq(policy(&p, &err, RULE("hack", FULL("HIGH", "in", "both", "1", "0", "0", "0"))),
                 CT_EINVAL);
    cr_assert_str_eq(err.detail, "line 1, column 66: unknown direction 'in' (valid: incoming, "
                                 "outgoing, both)");
    cr_assert_eq(policy(&p, &err, RULE("hack", FULL("HIGH", "both", "all", "1", "0", "0", "0"))),
                 CT_EINVAL);
    cr_assert_str_eq(err.detail, "line 1, column 84: unknown exposure 'all' (valid: direct, "
                                 "indirect, both)");
}

Test(policy, bad_values)
{
    static const struct {
        const char *text, *detail;
    } cases[] = {
        {RULE("hack", FULL("HIGH", "both", "both", "0", "0", "0", "0")),
         "'max_hops' of 'hack' must be a whole number from 1 to 100"},
        {RULE("hack", FULL("HIGH", "both", "both", "101", "0", "0", "0")),
         "'max_hops' of 'hack' must be a whole number from 1 to 100"},
        {RULE("hack", FULL("HIGH", "both", "direct", "2", "0", "0", "0")),
         "category 'hack': exposure direct needs max_hops 1"},
        {RULE("hack", FULL("HIGH", "both", "both", "1", "0.000000001", "0", "0")),
         "'min_amount' of 'hack' must be a decimal string of coins with at most 8 decimals "
         "(\"0.5\")"},
        {RULE("hack", FULL("HIGH", "both", "both", "1", "01", "0", "0")),
         "'min_amount' of 'hack' must be a decimal string of coins with at most 8 decimals "
         "(\"0.5\")"},
        {RULE("hack", FULL("HIGH", "both", "both", "1", "0", "1.001", "0")),
         "'min_usd' of 'hack' must be a decimal string of dollars with at most 2 decimals "
         "(\"100.00\")"},
        {RULE("hack", FULL("HIGH", "both", "both", "1", "0", "0", "1.000001")),
         "'min_share' of 'hack' must be a decimal string from 0 to 1 with at most 6 decimals "
         "(\"0.05\")"},
        {RULE("hack", FULL("HIGH", "both", "both", "1", "0", "0", "-1")),
         "'min_share' of 'hack' must be a decimal string from 0 to 1 with at most 6 decimals "
         "(\"0.05\")"},
        {RULE("hack", "{\"severity\":\"HIGH\"}"), "category 'hack' has no 'direction'"},
        {RULE("hack", "[]"), "category 'hack' must be an object"},
        {"{\"categories\":{}}", "the policy has no 'version'"},
        {"{\"version\":2,\"categories\":{}}", "'version' must be 1"},
        {"{\"version\":1,\"categories\":{},\"x\":1}",
         "unknown field 'x' (valid: version, categories)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ct_scan_policy p;
        ct_error err;
        cr_assert_eq(policy(&p, &err, cases[i].text), CT_EINVAL, "case %zu", i);
        cr_assert_str_eq(err.reason, "policy-bad-value", "case %zu", i);
        const char *d = strstr(err.detail, ": ");
        cr_assert(d && strncmp(err.detail, "line 1, column ", 15) == 0, "%s", err.detail);
        cr_assert_str_eq(d + 2, cases[i].detail, "case %zu", i);
    }
    ct_scan_policy p;
    ct_error err;
    cr_assert_eq(policy(&p, &err, "{\"version\":1,"), CT_ECORRUPT);
}

#define DEFAULT_YAML                                                                               \
    "version: 1\n"                                                                                 \
    "categories:\n"                                                                                \
    "  sanctioned:\n"                                                                              \
    "    severity: SEVERE\n"                                                                       \
    "    direction: both\n"                                                                        \
    "    exposure: both\n"                                                                         \
    "    max_hops: 5\n"                                                                            \
    "    min_amount: \"0\"\n"                                                                      \
    "    min_usd: \"0\"\n"                                                                         \
    "    min_share: \"0\"\n"                                                                       \
    "  darknet:\n"                                                                                 \
    "    severity: HIGH\n"                                                                         \
    "    direction: both\n"                                                                        \
    "    exposure: both\n"                                                                         \
    "    max_hops: 3\n"                                                                            \
    "    min_amount: \"0\"\n"                                                                      \
    "    min_usd: \"0\"\n"                                                                         \
    "    min_share: \"0\"\n"                                                                       \
    "  ransomware:\n"                                                                              \
    "    severity: HIGH\n"                                                                         \
    "    direction: both\n"                                                                        \
    "    exposure: both\n"                                                                         \
    "    max_hops: 3\n"                                                                            \
    "    min_amount: \"0\"\n"                                                                      \
    "    min_usd: \"0\"\n"                                                                         \
    "    min_share: \"0\"\n"                                                                       \
    "  hack:\n"                                                                                    \
    "    severity: HIGH\n"                                                                         \
    "    direction: both\n"                                                                        \
    "    exposure: both\n"                                                                         \
    "    max_hops: 3\n"                                                                            \
    "    min_amount: \"0\"\n"                                                                      \
    "    min_usd: \"0\"\n"                                                                         \
    "    min_share: \"0\"\n"                                                                       \
    "  mixer:\n"                                                                                   \
    "    severity: HIGH\n"                                                                         \
    "    direction: incoming\n"                                                                    \
    "    exposure: both\n"                                                                         \
    "    max_hops: 3\n"                                                                            \
    "    min_amount: \"0\"\n"                                                                      \
    "    min_usd: \"0\"\n"                                                                         \
    "    min_share: \"0\"\n"                                                                       \
    "  scam:\n"                                                                                    \
    "    severity: HIGH\n"                                                                         \
    "    direction: both\n"                                                                        \
    "    exposure: direct\n"                                                                       \
    "    max_hops: 1\n"                                                                            \
    "    min_amount: \"0\"\n"                                                                      \
    "    min_usd: \"0\"\n"                                                                         \
    "    min_share: \"0\"\n"                                                                       \
    "  blocked:\n"                                                                                 \
    "    severity: MEDIUM\n"                                                                       \
    "    direction: both\n"                                                                        \
    "    exposure: direct\n"                                                                       \
    "    max_hops: 1\n"                                                                            \
    "    min_amount: \"0\"\n"                                                                      \
    "    min_usd: \"0\"\n"                                                                         \
    "    min_share: \"0\"\n"                                                                       \
    "  gambling:\n"                                                                                \
    "    severity: MEDIUM\n"                                                                       \
    "    direction: both\n"                                                                        \
    "    exposure: direct\n"                                                                       \
    "    max_hops: 1\n"                                                                            \
    "    min_amount: \"0\"\n"                                                                      \
    "    min_usd: \"100.00\"\n"                                                                    \
    "    min_share: \"0.05\"\n"

/* The default policy written in YAML (docs/scan.md shows this text) reads as the JSON one:
 * the same rules, so the same digest. */
Test(policy, yaml_default_reads_as_the_json_default)
{
    ct_scan_policy pj, py;
    ct_error err;
    cr_assert_eq(policy(&pj, &err, ct_scan_policy_default_json()), CT_OK, "%s", err.detail);
    cr_assert_eq(policy(&py, &err, "# comment\n" DEFAULT_YAML), CT_OK, "%s", err.detail);
    cr_assert_eq(memcmp(&pj, &py, sizeof(pj)), 0);
    uint8_t dj[32], dy[32];
    ct_scan_policy_digest(dj, &pj);
    ct_scan_policy_digest(dy, &py);
    cr_assert_eq(memcmp(dj, dy, 32), 0);
    /* a document marker, quoted keys' values in either quote, comments after values */
    cr_assert_eq(policy(&py, &err,
                        "%YAML 1.2\n---\nversion: 1 # the only version\ncategories:\n"
                        "    scam:\n"
                        "        severity: 'LOW'\n        direction: \"outgoing\"\n"
                        "        exposure: indirect\n        max_hops: 7\n"
                        "        min_amount: \"1.5\"\n        min_usd: '20.5'\n"
                        "        min_share: \"0.000001\"\n"),
                 CT_OK, "%s", err.detail);
    const ct_scan_rule *r = &py.rules[CT_LABEL_SCAM];
    cr_assert_eq(r->severity, CT_SCAN_LOW);
    cr_assert_eq(r->direction, CT_SCAN_OUTGOING);
    cr_assert_eq(r->exposure, CT_SCAN_INDIRECT);
    cr_assert_eq(r->max_hops, 7);
    cr_assert_eq(r->min_sat, 150000000);
    cr_assert_eq(r->min_usd_cents, 2050);
    cr_assert_eq(r->min_share_ppm, 1);
    cr_assert_eq(py.rules[CT_LABEL_SANCTIONED].severity, CT_SCAN_NONE);
}

#define YHEAD "version: 1\ncategories:\n  hack:\n"
#define YRULE(sev, dir, exp, hops, amt, usd, share)                                                \
    YHEAD "    severity: " sev "\n    direction: " dir "\n    exposure: " exp                      \
          "\n    max_hops: " hops "\n    min_amount: " amt "\n    min_usd: " usd                   \
          "\n    min_share: " share "\n"

/* The checks of the JSON form, with the YAML file's line and column. */
Test(policy, yaml_values_are_checked_as_json_with_the_yaml_line)
{
    static const struct {
        const char *text, *reason, *detail;
    } cases[] = {
        {YRULE("high", "both", "both", "1", "\"0\"", "\"0\"", "\"0\""), "policy-unknown-name",
         "line 4, column 15: unknown severity 'high' (valid: none, LOW, MEDIUM, HIGH, SEVERE)"},
        {YRULE("HIGH", "both", "both", "0", "\"0\"", "\"0\"", "\"0\""), "policy-bad-value",
         "line 7, column 15: 'max_hops' of 'hack' must be a whole number from 1 to 100"},
        {YRULE("HIGH", "both", "both", "\"3\"", "\"0\"", "\"0\"", "\"0\""), "policy-bad-value",
         "line 7, column 15: 'max_hops' of 'hack' must be a whole number from 1 to 100"},
        /* a plain 0.5 is a YAML number: amounts are decimal strings, as in JSON */
        {YRULE("HIGH", "both", "both", "1", "0.5", "\"0\"", "\"0\""), "policy-bad-value",
         "line 8, column 17: 'min_amount' of 'hack' must be a decimal string of coins with at "
         "most 8 decimals (\"0.5\")"},
        {YRULE("HIGH", "both", "direct", "2", "\"0\"", "\"0\"", "\"0\""), "policy-bad-value",
         "line 4, column 5: category 'hack': exposure direct needs max_hops 1"},
        {YHEAD "    severity: HIGH\n", "policy-bad-value",
         "line 4, column 5: category 'hack' has no 'direction'"},
        {YHEAD "    severity: HIGH\n    colour: red\n", "policy-bad-value",
         "line 5, column 5: unknown field 'colour' in 'hack' (valid: severity, direction, "
         "exposure, max_hops, min_amount, min_usd, min_share)"},
        {"version: 1\ncategories:\n  hack:\n", "policy-bad-value",
         "line 3, column 8: category 'hack' must be an object"},
        {"version: 1\ncategories:\n\n  exchnage:\n    severity: LOW\n", "policy-unknown-name",
         "line 4, column 3: unknown category 'exchnage' (valid: other, exchange, mixer, bridge, "
         "gambling, sanctioned, darknet, ransomware, scam, hack, blocked, defi, miner, "
         "service)"},
        {"categories:\n  hack:\n    severity: LOW\n", "policy-bad-value",
         "line 1, column 1: the policy has no 'version'"},
        {"version: 2\ncategories:\n", "policy-bad-value", "line 1, column 10: 'version' must be 1"},
        {"version: 1\ncategories: hack\n", "policy-bad-value",
         "line 2, column 13: 'categories' must be an object"},
        {"version: 1\ncategories:\nx: 1\n", "policy-bad-value",
         "line 3, column 1: unknown field 'x' (valid: version, categories)"},
        {"version: 1\ncategories:\n  - hack\n  - mixer\n", "policy-bad-value",
         "line 3, column 3: 'categories' must be an object"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ct_scan_policy p;
        ct_error err;
        cr_assert_eq(policy(&p, &err, cases[i].text), CT_EINVAL, "case %zu: %s", i, err.detail);
        cr_assert_str_eq(err.reason, cases[i].reason, "case %zu", i);
        cr_assert_str_eq(err.detail, cases[i].detail, "case %zu", i);
    }
}

/* What the subset does not read is refused with the line, as for TagPacks. */
Test(policy, yaml_outside_the_subset_is_refused_with_its_line)
{
    static const struct {
        const char *text, *detail;
    } cases[] = {
        {"version: 1\ncategories:\n  hack: {severity: HIGH}\n",
         "line 3: unsupported YAML (flow collection, block scalar, anchor, alias, tag or "
         "reserved indicator)"},
        {"version: 1\ncategories:\n\thack:\n", "line 3: tab in indentation"},
        {"version: 1\nversion: 1\n", "line 2: duplicate key 'version'"},
        {"version: 1\ncategories:\n  hack:\n    severity: LOW\n    severity: HIGH\n",
         "line 5: duplicate key 'severity'"},
        {"version: 1\ncategories:\n  hack:\n    severity: LOW\n   direction: both\n",
         "line 5: unexpected indentation"},
        {"- version: 1\n", "line 1: a list where a mapping was expected"},
        {"# nothing\n\n", "line 3: no mapping: the file is empty"},
        /* the end of a file without a final newline is on its last line (fuzz_policy) */
        {"%YAML 1.2", "line 1: no mapping: the file is empty"},
        {"# a\n# b", "line 2: no mapping: the file is empty"},
        {"version: 1\n---\ncategories:\n", "line 2: only one YAML document per file"},
        {"version: 1\ncategories:\n  hack:\n    severity: 'LOW\n", "line 4: quoted value without "
                                                                   "its closing quote"},
        {"version: 1\ncategories:\n  hack:\n    severity: LOW\n      HIGH\n",
         "line 5: a value continued on the next line: quote multi-line values"},
        {"a:\n b:\n  c:\n   d:\n    e:\n     f:\n      g:\n       h:\n        i: 1\n",
         "line 9: mappings and lists nested deeper than 8 levels"},
        {"version: 1\xff\n", "line 1: invalid UTF-8"},
        {"version: 1\ncategories:\n  - hack\n  -\n", "line 4: an empty list item"},
        {"version: 1\ncategories:\n  - hack: 1\n",
         "line 3: mappings inside a list value are not supported"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ct_scan_policy p;
        ct_error err;
        cr_assert_eq(policy(&p, &err, cases[i].text), CT_ECORRUPT, "case %zu: %s", i, err.detail);
        cr_assert_str_eq(err.reason, "policy-yaml", "case %zu", i);
        cr_assert_str_eq(err.detail, cases[i].detail, "case %zu", i);
    }
    /* a file whose first character is '{' is JSON, whatever follows */
    ct_scan_policy p;
    ct_error err;
    cr_assert_eq(policy(&p, &err, "\n  {version: 1}"), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "json-syntax");
}

/* ---- the command ---- */
static char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *path;
    cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
    cr_assert_eq(tu_write_file(path, text, strlen(text)), 0);
    return path;
}

Test(cli_scan, print_policy_is_the_default)
{
    tu_run r;
    const char *args[] = {"scan", "--print-policy", NULL};
    tu_exec(&r, args, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, ct_scan_policy_default_json());
    cr_assert_str_eq(r.err, "");
    tu_run_free(&r);
}

Test(cli_scan, check_reports_bad_rows_and_goes_on)
{
    char *dir = tu_tmpdir();
    char *cust =
        write_tmp(dir, "c.csv", "customer_id,address\nc1," GENESIS "\nc2,nope\nc3," ETHLOW "\n");
    char *pol = write_tmp(
        dir, "p.json", RULE("hack", FULL("HIGH", "incoming", "direct", "1", "0.001", "0", "0.5")));
    tu_run r;
    const char *args[] = {"scan", "--customers", cust, "--policy", pol, "--check", NULL};
    tu_exec(&r, args, NULL);
    cr_assert_eq(r.status, 3, "%s", r.err); /* rows were skipped: bad data, the rest read */
    char want_err[512];
    snprintf(want_err, sizeof(want_err),
             "chaintrail: scan: %s:3: 'nope' is not a Bitcoin address: row skipped\n"
             "chaintrail: scan: skipped 1 of 3 rows\n",
             cust);
    cr_assert_str_eq(r.err, want_err);
    cr_assert_str_eq(r.out,
                     "{\"customers\":{\"format\":\"csv\",\"rows\":3,\"kept\":2,\"skipped\":1,"
                     "\"bitcoin\":1,\"ethereum\":1}}\n"
                     "{\"category\":\"hack\",\"severity\":\"HIGH\",\"direction\":\"incoming\","
                     "\"exposure\":\"direct\",\"max_hops\":1,\"min_amount\":\"0.00100000\","
                     "\"min_usd\":\"0.00\",\"min_share\":\"0.500000\"}\n");
    tu_run_free(&r);
    tu_rmtree(dir);
    free(cust);
    free(pol);
    free(dir);
}

/* `scan --check` with the default policy in YAML prints the rules it prints for the JSON
 * default; a bad YAML value is exit 2 with the YAML line, YAML outside the subset exit 3. */
Test(cli_scan, check_reads_a_yaml_policy)
{
    char *dir = tu_tmpdir();
    char *cust = write_tmp(dir, "c.csv", "customer_id,address\nc1," GENESIS "\n");
    char *pj = write_tmp(dir, "p.json", ct_scan_policy_default_json());
    char *py = write_tmp(dir, "p.yaml", DEFAULT_YAML);
    tu_run rj, ry;
    tu_exec(&rj, (const char *[]){"scan", "--customers", cust, "--policy", pj, "--check", NULL},
            NULL);
    tu_exec(&ry, (const char *[]){"scan", "--customers", cust, "--policy", py, "--check", NULL},
            NULL);
    cr_assert_eq(rj.status, 0, "%s", rj.err);
    cr_assert_eq(ry.status, 0, "%s", ry.err);
    cr_assert(strstr(ry.out, "{\"category\":\"gambling\",\"severity\":\"MEDIUM\",\"direction\":"
                             "\"both\",\"exposure\":\"direct\",\"max_hops\":1,\"min_amount\":"
                             "\"0.00000000\",\"min_usd\":\"100.00\",\"min_share\":\"0.050000\"}\n"),
              "%s", ry.out);
    cr_assert_str_eq(ry.out, rj.out);
    cr_assert_str_eq(ry.err, "");
    tu_run_free(&rj);
    tu_run_free(&ry);

    /* min_usd: 100.00 unquoted is a YAML number */
    char *text = strdup(DEFAULT_YAML), *q = strstr(text, "\"100.00\"");
    cr_assert_not_null(q);
    memmove(q, q + 1, strlen(q + 1) + 1);
    *strchr(q, '"') = ' ';
    char *bad = write_tmp(dir, "bad.yml", text);
    tu_exec(&ry, (const char *[]){"scan", "--customers", cust, "--policy", bad, "--check", NULL},
            NULL);
    cr_assert_eq(ry.status, 2, "%s", ry.err);
    char want[512];
    snprintf(want, sizeof(want),
             "chaintrail: scan: policy: %s: policy-bad-value: line 65, column 14: 'min_usd' of "
             "'gambling' must be a decimal string of dollars with at most 2 decimals "
             "(\"100.00\")\n",
             bad);
    cr_assert_str_eq(ry.err, want);
    cr_assert_str_eq(ry.out, "");
    tu_run_free(&ry);
    char *flow = write_tmp(dir, "flow.yaml", "version: 1\ncategories:\n  hack: {severity: HIGH}\n");
    tu_exec(&ry, (const char *[]){"scan", "--customers", cust, "--policy", flow, "--check", NULL},
            NULL);
    cr_assert_eq(ry.status, 3, "%s", ry.err);
    snprintf(want, sizeof(want),
             "chaintrail: scan: policy: %s: policy-yaml: line 3: unsupported YAML (flow "
             "collection, block scalar, anchor, alias, tag or reserved indicator)\n",
             flow);
    cr_assert_str_eq(ry.err, want);
    tu_run_free(&ry);
    tu_rmtree(dir);
    free(text);
    free(cust);
    free(pj);
    free(py);
    free(bad);
    free(flow);
    free(dir);
}

Test(cli_scan, exit_codes)
{
    char *dir = tu_tmpdir();
    char *cust = write_tmp(dir, "c.csv", "customer_id,address\nc1," GENESIS "\n");
    char *badhdr = write_tmp(dir, "h.csv", "id,address\nc1," GENESIS "\n");
    char *pol = write_tmp(dir, "p.json",
                          RULE("hack", FULL("HIGH", "inbound", "direct", "1", "0", "0", "0")));
    char *notjson = write_tmp(dir, "n.json", "{");
    char *missing;
    cr_assert(asprintf(&missing, "%s/missing.csv", dir) > 0);
    struct {
        const char *args[8];
        int status;
        const char *err_has;
    } cases[] = {
        {{"scan", "--customers", cust, "--policy", pol, "--check", NULL},
         2,
         "unknown direction 'inbound' (valid: incoming, outgoing, both)"},
        {{"scan", "--customers", cust, "--policy", notjson, "--check", NULL}, 3, "policy: "},
        {{"scan", "--customers", badhdr, "--check", NULL},
         3,
         "the header must be customer_id,address or customer_id,address,chain"},
        {{"scan", "--customers", missing, "--check", NULL}, 5, "cannot open"},
        {{"scan", "--customers", dir, "--check", NULL}, 5, "not a regular file"},
        {{"scan", "--check", NULL}, 2, "--customers FILE is required"},
        {{"scan", "--print-policy", "--check", NULL}, 2, "--print-policy takes no other option"},
        {{"--db", missing, "scan", "--customers", cust, NULL}, 5, "no database at"},
        {{"scan", "--customers", cust, "--check", NULL}, 0, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_run r;
        tu_exec(&r, cases[i].args, NULL);
        cr_assert_eq(r.status, cases[i].status, "case %zu: %s", i, r.err);
        cr_assert(strstr(r.err, cases[i].err_has), "case %zu: %s", i, r.err);
        cr_assert_eq(r.out[0] == '\0', cases[i].status != 0, "case %zu", i);
        tu_run_free(&r);
    }
    tu_rmtree(dir);
    free(cust);
    free(badhdr);
    free(pol);
    free(notjson);
    free(missing);
    free(dir);
}

/* ---- direct exposure in one transaction ---- */
static void direct(uint64_t a[CT_MODEL_COUNT], const uint64_t *iv, const bool *is, size_t ni,
                   const uint64_t *ov, const bool *od, size_t no)
{
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_scan_direct_amounts(a, iv, is, ni, ov, od, no, &err), CT_OK, "%s", err.detail);
}

/* By hand from docs/taint-models.md: inputs L:3, X:5, L:2 (V 10, T 5), outputs C:4, Y:5,
 * fee 1. Poison: all of C's 4. Haircut: 5*4/10 = 2 r0, 5*5/10 = 2 r5, fee 5*1/10 = 0 r5:
 * one satoshi left, to Y (the lower slot of the tie): C 2. FIFO: tainted [0,3) and [8,10),
 * C spans [0,4): 3. LIFO: mirrored [0,2) and [7,10): 2. TIHO: Y (5) is filled first: C 0. */
Test(direct, one_transaction_by_hand)
{
    uint64_t a[CT_MODEL_COUNT];
    const uint64_t iv[] = {3, 5, 2}, ov[] = {4, 5};
    const bool is[] = {true, false, true}, od[] = {true, false};
    direct(a, iv, is, 3, ov, od, 2);
    cr_assert_eq(a[CT_MODEL_POISON], 4);
    cr_assert_eq(a[CT_MODEL_HAIRCUT], 2);
    cr_assert_eq(a[CT_MODEL_FIFO], 3);
    cr_assert_eq(a[CT_MODEL_LIFO], 2);
    cr_assert_eq(a[CT_MODEL_TIHO], 0);
    /* Y's side, span [4,9): haircut 3; FIFO [8,9): 1; LIFO [7,9): 2; TIHO 5. */
    const bool oy[] = {false, true};
    direct(a, iv, is, 3, ov, oy, 2);
    cr_assert_eq(a[CT_MODEL_POISON], 5);
    cr_assert_eq(a[CT_MODEL_HAIRCUT], 3);
    cr_assert_eq(a[CT_MODEL_FIFO], 1);
    cr_assert_eq(a[CT_MODEL_LIFO], 2);
    cr_assert_eq(a[CT_MODEL_TIHO], 5);
}

/* An input of unknown value (0) and outputs worth more than the known inputs: the line is
 * extended with clean value to 5, no fee. L:3 then the unknown; C:5 gets all 3. */
Test(direct, unknown_input_extends_the_line)
{
    uint64_t a[CT_MODEL_COUNT];
    const uint64_t iv[] = {3, 0}, ov[] = {5};
    const bool is[] = {true, false}, od[] = {true};
    direct(a, iv, is, 2, ov, od, 1);
    cr_assert_eq(a[CT_MODEL_POISON], 5);
    cr_assert_eq(a[CT_MODEL_HAIRCUT], 3);
    cr_assert_eq(a[CT_MODEL_FIFO], 3);
    cr_assert_eq(a[CT_MODEL_LIFO], 3);
    cr_assert_eq(a[CT_MODEL_TIHO], 3);
    const bool none[] = {false, false};
    direct(a, iv, none, 2, ov, od, 1);
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        cr_assert_eq(a[m], 0);
}

/* Random small transactions against an independent computation: FIFO and LIFO one satoshi
 * at a time on an explicit line, TIHO by repeatedly picking the largest unfilled output,
 * haircut by its conservation (the outputs' and the fee's shares add up to T) and its bounds
 * (each share is floor(T*v/V) or one more). */
Test(direct, random_against_a_satoshi_line)
{
    unsigned seed = 16;
    for (int round = 0; round < 300; round++) {
        size_t ni = 1 + (size_t)(rand_r(&seed) % 4), no = 1 + (size_t)(rand_r(&seed) % 4);
        uint64_t iv[4], ov[4], V = 0, sum_out = 0, T = 0;
        bool is[4], od[4];
        for (size_t k = 0; k < ni; k++) {
            iv[k] = (uint64_t)(rand_r(&seed) % 20);
            is[k] = rand_r(&seed) % 2;
            V += iv[k];
            T += is[k] ? iv[k] : 0;
        }
        for (size_t j = 0; j < no; j++) {
            ov[j] = (uint64_t)(rand_r(&seed) % 20);
            od[j] = rand_r(&seed) % 2;
            sum_out += ov[j];
        }
        uint64_t line = V > sum_out ? V : sum_out;
        bool sat[128] = {false}; /* the line: at most 4 * 19 */
        uint64_t pos = 0;
        for (size_t k = 0; k < ni; k++)
            for (uint64_t s = 0; s < iv[k]; s++, pos++)
                sat[pos] = is[k];
        uint64_t fifo = 0, lifo = 0, P = 0;
        for (size_t j = 0; j < no; j++) {
            for (uint64_t s = P; s < P + ov[j]; s++)
                if (od[j]) {
                    fifo += sat[s];
                    lifo += sat[line - 1 - s];
                }
            P += ov[j];
        }
        uint64_t fill[4] = {0}, left = T, tiho = 0;
        bool done[4] = {false};
        for (size_t r = 0; r < no; r++) {
            size_t best = SIZE_MAX;
            for (size_t j = 0; j < no; j++)
                if (!done[j] && (best == SIZE_MAX || ov[j] > ov[best]))
                    best = j;
            done[best] = true;
            fill[best] = left < ov[best] ? left : ov[best];
            left -= fill[best];
        }
        for (size_t j = 0; j < no; j++)
            tiho += od[j] ? fill[j] : 0;
        uint64_t a[CT_MODEL_COUNT];
        direct(a, iv, is, ni, ov, od, no);
        uint64_t poison = 0, hc_all = 0, lo = 0;
        for (size_t j = 0; j < no; j++)
            poison += (od[j] && T) ? ov[j] : 0;
        cr_assert_eq(a[CT_MODEL_POISON], poison, "round %d", round);
        cr_assert_eq(a[CT_MODEL_FIFO], fifo, "round %d", round);
        cr_assert_eq(a[CT_MODEL_LIFO], lifo, "round %d", round);
        cr_assert_eq(a[CT_MODEL_TIHO], tiho, "round %d", round);
        /* haircut: all outputs marked give T minus the fee's share */
        bool all[4] = {true, true, true, true};
        uint64_t b[CT_MODEL_COUNT];
        direct(b, iv, is, ni, ov, all, no);
        hc_all = b[CT_MODEL_HAIRCUT];
        uint64_t fee = V > sum_out ? V - sum_out : 0;
        if (T) {
            uint64_t fee_floor = T * fee / line;
            cr_assert(T - hc_all == fee_floor || T - hc_all == fee_floor + 1, "round %d", round);
            for (size_t j = 0; j < no; j++)
                lo += od[j] ? T * ov[j] / line : 0;
        }
        cr_assert(a[CT_MODEL_HAIRCUT] >= lo && a[CT_MODEL_HAIRCUT] <= lo + no, "round %d", round);
    }
}

/* ---- alert ids ---- */
/* The expected ids were computed outside chaintrail, with Python's hashlib over the fields
 * of docs/scan.md each followed by a NUL: the id is the same on any machine and version. */
Test(alert_id, known_answers_and_stability)
{
    char id[CT_SCAN_ALERT_ID_LEN + 1], again[CT_SCAN_ALERT_ID_LEN + 1];
    const char *ofac = "12t9YDPgwueZ9NyMgw519p7AA8isjr6SMw";
    cr_assert_eq(ct_scan_alert_id(id, "c1", CT_SCAN_BITCOIN, GENESIS, CT_SCAN_INCOMING,
                                  CT_SCAN_DIRECT, CT_LABEL_SANCTIONED, ofac),
                 CT_OK);
    cr_assert_str_eq(id, "f4ab07dd236ab29474940a87b250bd2b");
    cr_assert_eq(ct_scan_alert_id(again, "c1", CT_SCAN_BITCOIN, GENESIS, CT_SCAN_INCOMING,
                                  CT_SCAN_DIRECT, CT_LABEL_SANCTIONED, ofac),
                 CT_OK);
    cr_assert_str_eq(again, id);
    cr_assert_eq(ct_scan_alert_id(id, "c1", CT_SCAN_BITCOIN, GENESIS, CT_SCAN_OUTGOING,
                                  CT_SCAN_DIRECT, CT_LABEL_SANCTIONED, ofac),
                 CT_OK);
    cr_assert_str_eq(id, "847c64bd52bc94a7dd3cc5c66e8d057e");
    /* the NUL separators keep "c1"+"x" and "c"+"1x" apart */
    char a[CT_SCAN_ALERT_ID_LEN + 1], b[CT_SCAN_ALERT_ID_LEN + 1];
    cr_assert_eq(ct_scan_alert_id(a, "c1", CT_SCAN_BITCOIN, "x", CT_SCAN_INCOMING, CT_SCAN_DIRECT,
                                  CT_LABEL_HACK, "y"),
                 CT_OK);
    cr_assert_eq(ct_scan_alert_id(b, "c", CT_SCAN_BITCOIN, "1x", CT_SCAN_INCOMING, CT_SCAN_DIRECT,
                                  CT_LABEL_HACK, "y"),
                 CT_OK);
    cr_assert_str_neq(a, b);
    cr_assert_eq(ct_scan_alert_id(a, "c", CT_SCAN_BITCOIN, "x", CT_SCAN_BOTH_DIRECTIONS,
                                  CT_SCAN_DIRECT, CT_LABEL_HACK, "y"),
                 CT_EINVAL);
    cr_assert_eq(ct_scan_alert_id(a, "c", CT_SCAN_BITCOIN, "x", CT_SCAN_INCOMING,
                                  CT_SCAN_BOTH_EXPOSURES, CT_LABEL_HACK, "y"),
                 CT_EINVAL);
    cr_assert_eq(ct_scan_alert_id(a, "c", (ct_scan_chain)2, "x", CT_SCAN_INCOMING, CT_SCAN_DIRECT,
                                  CT_LABEL_HACK, "y"),
                 CT_EINVAL);
    cr_assert_eq(ct_scan_alert_id(a, "c", CT_SCAN_BITCOIN, "x", CT_SCAN_INCOMING, CT_SCAN_DIRECT,
                                  (ct_label_category)CT_LABEL_CATEGORIES, "y"),
                 CT_EINVAL);
}

/* ---- direct exposure of customers, on the first 4,313 mainnet blocks ---- */
#define SATOSHI "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
#define HAL     "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"
#define TX170   "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"

static void hexid(char out[65], const uint8_t txid[32])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", txid[31 - i]);
}

/* The first 4,313 blocks with `labels` (CSV body) imported. */
static ct_db *labelled_4313(char **dir, const char *labels)
{
    char csv[600];
    *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(*dir, false);
    snprintf(csv, sizeof(csv), "%s/labels.csv", *dir);
    cr_assert_eq(tu_write_file(csv, labels, strlen(labels)), 0);
    ct_labels_import_options lo = CT_LABELS_IMPORT_OPTIONS_INIT;
    ct_labels_import_stats st;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_labels_import(db, &st, csv, &lo, &err), CT_OK, "%s", err.detail);
    return db;
}

static void assert_all_models(const ct_scan_finding *x, uint64_t sat)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        cr_assert(x->amount[m] == sat, "model %d", m);
    cr_assert(x->low == sat && x->high == sat);
}

/* Block 170: 12cbQ (Satoshi) pays 10 BTC to Hal Finney and 40 back to itself, no fee. With
 * 12cbQ labelled sanctioned, Hal's address received 10 BTC from it under every model: the
 * whole input is the counterparty's (show tx, show address on the same chain). */
Test(scan_direct, sanctioned_counterparty_pays_the_customer)
{
    char *dir;
    ct_db *db = labelled_4313(&dir, "address,label,category,source\n" SATOSHI
                                    ",Test SDN,sanctioned,ofac\n");
    ct_scan_customers c = parse("customer_id,address,chain\nhal," HAL
                                ",bitcoin\nnobody,1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2,\n"
                                "eth," ETHLOW ",ethereum\n");
    ct_scan_policy p;
    ct_error err;
    cr_assert_eq(policy(&p, &err, ct_scan_policy_default_json()), CT_OK);
    ct_scan_findings f;
    cr_assert_eq(ct_scan_direct(&f, db, &c, &p, false, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(f.count, 1);
    cr_assert_eq(f.screened, 2);
    cr_assert_eq(f.not_seen, 1);
    cr_assert_eq(f.not_chain, 1);
    const ct_scan_finding *x = &f.items[0];
    cr_assert_eq(x->customer, 0);
    cr_assert_eq(x->direction, CT_SCAN_INCOMING);
    cr_assert_str_eq(x->counterparty, SATOSHI);
    cr_assert_eq(x->category, CT_LABEL_SANCTIONED);
    cr_assert_eq(x->severity, CT_SCAN_SEVERE);
    cr_assert_str_eq(x->label, "Test SDN");
    cr_assert_str_eq(x->source, "ofac");
    assert_all_models(x, 1000000000ULL);
    cr_assert(x->volume == 1000000000ULL); /* all Hal received in these blocks */
    cr_assert_eq(x->share_ppm, 1000000);
    cr_assert_eq(x->first_height, 170);
    cr_assert_eq(x->last_height, 170);
    cr_assert_eq(x->first_time, 1231731025); /* 2009-01-12T03:30:25Z */
    cr_assert_eq(x->n_txids, 1);
    char hex[65];
    hexid(hex, x->txids[0]);
    cr_assert_str_eq(hex, TX170);
    ct_scan_findings_release(&f);
    ct_scan_customers_release(&c);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* The other way: 12cbQ as the customer, Hal labelled hack: 10 BTC outgoing at block 170,
 * 10/177 of all 12cbQ sent (177 BTC: show address). 1ByLSV, paid 10 BTC by 12cbQ at block
 * 248, is labelled mixer, which the default policy screens on incoming only: no finding.
 * A min_amount one satoshi above 10 BTC drops the hack finding. */
Test(scan_direct, outgoing_direction_and_thresholds)
{
    char *dir;
    ct_db *db = labelled_4313(&dir, "address,label,category,source\n" HAL ",Test hacker,hack,team\n"
                                    "1ByLSV2gLRcuqUmfdYcpPQH8Npm8cccsFg,Test mixer,mixer,team\n");
    ct_scan_customers c = parse("customer_id,address\nsat," SATOSHI "\n");
    ct_scan_policy p;
    ct_error err;
    cr_assert_eq(policy(&p, &err, ct_scan_policy_default_json()), CT_OK);
    ct_scan_findings f;
    cr_assert_eq(ct_scan_direct(&f, db, &c, &p, false, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(f.count, 1);
    const ct_scan_finding *x = &f.items[0];
    cr_assert_eq(x->direction, CT_SCAN_OUTGOING);
    cr_assert_str_eq(x->counterparty, HAL);
    cr_assert_eq(x->category, CT_LABEL_HACK);
    cr_assert_eq(x->severity, CT_SCAN_HIGH);
    assert_all_models(x, 1000000000ULL);
    cr_assert(x->volume == 17700000000ULL);
    cr_assert_eq(x->share_ppm, 56497); /* floor(10 / 177 * 1e6) */
    cr_assert_eq(f.below, 0);
    ct_scan_findings_release(&f);

    cr_assert_eq(policy(&p, &err,
                        RULE("hack", FULL("HIGH", "both", "direct", "1", "10.00000001", "0", "0"))),
                 CT_OK);
    cr_assert_eq(ct_scan_direct(&f, db, &c, &p, false, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(f.count, 0);
    cr_assert_eq(f.below, 1);
    ct_scan_findings_release(&f);
    cr_assert_eq(
        policy(&p, &err, RULE("hack", FULL("HIGH", "both", "direct", "1", "10", "0", "0.056497"))),
        CT_OK);
    cr_assert_eq(ct_scan_direct(&f, db, &c, &p, false, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(f.count, 1); /* exactly at both thresholds: kept */
    ct_scan_findings_release(&f);
    cr_assert_eq(
        policy(&p, &err, RULE("hack", FULL("HIGH", "incoming", "direct", "1", "0", "0", "0"))),
        CT_OK);
    cr_assert_eq(ct_scan_direct(&f, db, &c, &p, false, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(f.count, 0); /* the rule screens incoming only */
    cr_assert_eq(f.below, 0);
    ct_scan_findings_release(&f);
    ct_scan_customers_release(&c);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* The command prints each finding as one JSON line; the alert id is the one Python's
 * hashlib gives for these fields (docs/scan.md "Alert ids"). */
Test(cli_scan, prints_the_direct_finding)
{
    char *dir;
    ct_db *db = labelled_4313(&dir, "address,label,category,source\n" SATOSHI
                                    ",Test SDN,sanctioned,ofac\n");
    ct_db_close(db);
    char *cust =
        write_tmp(dir, "c.csv",
                  "customer_id,address\nhal," HAL "\nclean,1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2\n"
                  "eth," ETHLOW "\n");
    tu_run r;
    const char *args[] = {"--db", dir, "scan", "--customers", cust, NULL};
    tu_exec(&r, args, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err); /* a new SEVERE alert (--fail-on HIGH) */
    cr_assert_str_eq(
        r.out, "{\"alert_id\":\"5c9b4c7c330361938681405e25d975cb\",\"customer_id\":\"hal\","
               "\"chain\":\"bitcoin\",\"address\":\"" HAL "\",\"direction\":\"incoming\","
               "\"exposure\":\"direct\",\"category\":\"sanctioned\",\"label\":\"Test SDN\","
               "\"source\":\"ofac\",\"counterparty\":\"" SATOSHI "\",\"hops\":1,\"asset\":\"BTC\","
               "\"amount\":{\"poison\":\"10.00000000\",\"haircut\":\"10.00000000\",\"fifo\":"
               "\"10.00000000\",\"lifo\":\"10.00000000\",\"tiho\":\"10.00000000\"},\"low\":"
               "\"10.00000000\",\"high\":\"10.00000000\",\"usd_low\":null,\"usd_high\":null,"
               "\"share\":\"1.000000\",\"severity\":\"SEVERE\",\"rule\":\"categories.sanctioned\","
               "\"first_seen\":\"2009-01-12T03:30:25Z\",\"last_seen\":\"2009-01-12T03:30:25Z\","
               "\"txids\":[\"" TX170 "\"],\"baseline\":\"new\",\"state\":\"open\"}\n");
    cr_assert_str_eq(r.err, "chaintrail: scan: run 1 (first): 3 of 3 customer rows screened "
                            "(direct), 3 (indirect); 1 new, 0 updated, 0 unchanged, 0 absent\n");
    tu_run_free(&r);
    free(cust);
    tu_rmtree(dir);
    free(dir);
}

/* A customer address in another form than the labels' (upper-case bech32) is normalized as
 * labels are, so that it is found: block 540,107 (btcd's fixture, ingested alone from that
 * height) pays its coinbase output 0 to bc1qjl8u...; written in upper case it was looked up
 * as written and never seen. A Base58 address stays as written (its case is its checksum);
 * a mixed-case bech32 address is no address and the row is reported with its line. */
#define B540107                                                                                    \
    "btc/raw_blocks/btcd/"                                                                         \
    "block540107-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk"
#define MINER "bc1qjl8uwezzlech723lpnyuza0h2cdkvxvh54v3dn"
Test(scan_direct, an_upper_case_bech32_customer_address_is_found)
{
    char *dir = tu_tmpdir(), *db_dir, *blk = tu_fixture(B540107);
    cr_assert(asprintf(&db_dir, "%s/db", dir) > 0);
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db_dir, "ingest", "bitcoin", "--quiet", "--start-height",
                             "540107", blk, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    ct_scan_customers c =
        parse("customer_id,address\nminer,BC1QJL8UWEZZLECH723LPNYUZA0H2CDKVXVH54V3DN\n"
              "g," GENESIS "\nmixed,bc1qJL8uwezzlech723lpnyuza0h2cdkvxvh54v3dn\n");
    cr_assert_eq(c.count, 2);
    cr_assert_str_eq(c.items[0].address, MINER);
    cr_assert_str_eq(c.items[1].address, GENESIS);
    cr_assert_eq(c.n_bad, 1);
    cr_assert_eq(c.bad[0].line, 4);
    cr_assert(strncmp(c.bad[0].reason,
                      "'bc1qJL8uwezzlech723lpnyuza0h2cdkvxvh54v3dn' is not a "
                      "Bitcoin address",
                      68) == 0,
              "%s", c.bad[0].reason);
    ct_db *db = tu_db_open(db_dir, false);
    ct_scan_policy p;
    ct_error err;
    cr_assert_eq(policy(&p, &err, ct_scan_policy_default_json()), CT_OK);
    ct_scan_findings f;
    cr_assert_eq(ct_scan_direct(&f, db, &c, &p, false, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(f.screened, 2);
    cr_assert_eq(f.not_seen, 1); /* the genesis address, not in this block */
    ct_scan_findings_release(&f);
    ct_db_close(db);
    ct_scan_customers_release(&c);
    tu_rmtree(dir);
    free(dir);
    free(db_dir);
    free(blk);
}
