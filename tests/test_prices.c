/* Tests of the price module: UTC days, price text to cents, coin amounts to cents (values
 * worked out by hand in the comments), the import of the real daily price files of
 * ../shared/fixtures/prices (read in place: they may not be copied into the tree), malformed
 * files with their exact FILE:LINE messages, and `chaintrail prices` end to end. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/chaintrail.h"
#include "intel/prices_internal.h"
#include "testutil.h"

#define TYPEDCYPHER "prices/typedcypher_daily_bitcoin_prices_12fiat.csv"
#define YAHOO_BTC   "prices/yahoo_BTC-USD_daily.csv"
#define YAHOO_ETH   "prices/yahoo_ETH-USD_daily.csv"

static char *shared(const char *rel)
{
    size_t n = strlen(CT_SHARED_FIXTURES) + strlen(rel) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", CT_SHARED_FIXTURES, rel);
    return p;
}

static uint32_t day(const char *text)
{
    uint32_t d = UINT32_MAX;
    cr_assert_eq(ct_day_parse(&d, text), CT_OK, "%s", text);
    return d;
}

/* ---- days ---- */
Test(prices, day_numbers_by_hand)
{
    /* 2016-02-29: 46 years from 1970 hold 11 leap days (1972..2012): 46*365+11 = 16801;
     * then January (31) and 28 days of February: 16801 + 31 + 28 = 16860. */
    cr_assert_eq(day("1970-01-01"), 0);
    cr_assert_eq(day("1970-01-02"), 1);
    cr_assert_eq(day("2016-02-29"), 16860);
    cr_assert_eq(day("2000-02-29"), 11016); /* 2000 is a leap year (divisible by 400) */
    cr_assert_eq(day("2000-03-01"), 11017);
    cr_assert_eq(day("2009-01-03"), 14247);
    cr_assert_eq(day("2017-12-17"), 17517);
    cr_assert_eq(day("9999-12-31"), CT_DAY_MAX);
    /* ct_day_from_unix: floor(t / 86400). Block 0's time 1231006505 is 2009-01-03 18:15Z. */
    cr_assert_eq(ct_day_from_unix(0), 0);
    cr_assert_eq(ct_day_from_unix(86399), 0);
    cr_assert_eq(ct_day_from_unix(86400), 1);
    cr_assert_eq(ct_day_from_unix(1231006505), 14247);
    cr_assert_eq(ct_day_from_unix(UINT32_MAX), 49710); /* 2106-02-07 */
}

Test(prices, bad_dates_are_rejected)
{
    static const char *const bad[] = {
        "2023-02-29", "2100-02-29", "1900-02-28",           "1969-12-31",
        "2023-13-01", "2023-00-10", "2023-04-31",           "2023-01-00",
        "2023-1-01",  "23-01-01",   "2023-01-01 ",          " 2023-01-01",
        "2023/01/01", "20230101",   "2023-01-01T00:00:00Z", "",
        "+023-01-01", "2023-01-0a", "10000-01-01"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t d = 7;
        cr_expect_eq(ct_day_parse(&d, bad[i]), CT_EINVAL, "'%s' accepted", bad[i]);
        cr_expect_eq(d, 7);
    }
}

Test(prices, every_day_formats_and_parses_back)
{
    char text[11], prev[11] = "";
    for (uint32_t d = 0; d <= CT_DAY_MAX; d++) {
        ct_day_format(text, d);
        uint32_t back;
        cr_assert_eq(ct_day_parse(&back, text), CT_OK, "%u -> %s", d, text);
        cr_assert_eq(back, d, "%u -> %s -> %u", d, text, back);
        cr_assert_gt(strcmp(text, prev), 0, "%s after %s", text, prev);
        memcpy(prev, text, 11);
    }
    ct_day_format(text, 16860);
    cr_assert_str_eq(text, "2016-02-29");
    ct_day_format(text, CT_DAY_MAX + 1);
    cr_assert_str_eq(text, "0000-00-00");
}

/* ---- price text ---- */
typedef struct price_case {
    const char *text;
    int rc;
    uint64_t cents;
    const char *reason;
} price_case;

Test(prices, price_text_to_cents)
{
    static const price_case cases[] = {
        {"465.864014", CT_OK, 46586, ""}, /* third decimal 4: down */
        {"78293.71", CT_OK, 7829371, ""},
        {"437.696991", CT_OK, 43770, ""}, /* third decimal 6: up, carrying into the dollars */
        {"794.645020", CT_OK, 79465, ""}, /* exactly x.xx5 rounds up */
        {"0.125", CT_OK, 13, ""},
        {"0.1249999", CT_OK, 12, ""},
        {"0.995", CT_OK, 100, ""},
        {"5", CT_OK, 500, ""},
        {"5.0", CT_OK, 500, ""},
        {"0.5", CT_OK, 50, ""},
        {"0.005", CT_OK, 1, ""},
        {"0.004", CT_OK, 0, ""},
        {"007.10", CT_OK, 710, ""},
        {"184467440737095516.15", CT_OK, UINT64_MAX, ""},
        {"184467440737095516.154", CT_OK, UINT64_MAX, ""},
        {"184467440737095516.155", CT_EINVAL, 0, "overflow"},
        {"184467440737095516.16", CT_EINVAL, 0, "overflow"},
        {"99999999999999999999999", CT_EINVAL, 0, "overflow"},
        {"", CT_EINVAL, 0, "empty"},
        {"-5.00", CT_EINVAL, 0, "negative"},
        {"-0", CT_EINVAL, 0, "negative"},
        {"1e3", CT_EINVAL, 0, "not-a-number"},
        {"null", CT_EINVAL, 0, "not-a-number"},
        {"NaN", CT_EINVAL, 0, "not-a-number"},
        {"+5", CT_EINVAL, 0, "not-a-number"},
        {"-", CT_EINVAL, 0, "not-a-number"},
        {" 5", CT_EINVAL, 0, "not-a-number"},
        {"5 ", CT_EINVAL, 0, "not-a-number"},
        {".5", CT_EINVAL, 0, "not-a-number"},
        {"5.", CT_EINVAL, 0, "not-a-number"},
        {"5,00", CT_EINVAL, 0, "not-a-number"},
        {"1.2.3", CT_EINVAL, 0, "not-a-number"},
        {"0x10", CT_EINVAL, 0, "not-a-number"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const price_case *c = &cases[i];
        uint64_t cents = 424242;
        ct_error err;
        ct_error_clear(&err);
        int rc = ct_price_parse(&cents, c->text, &err);
        cr_expect_eq(rc, c->rc, "'%s': rc %d", c->text, rc);
        if (c->rc == CT_OK)
            cr_expect_eq(cents, c->cents, "'%s' -> %llu", c->text, (unsigned long long)cents);
        else
            cr_expect_str_eq(err.reason, c->reason, "'%s'", c->text);
    }
}

Test(prices, cents_format)
{
    char b[CT_CENTS_TEXT_MAX];
    cr_assert_eq(ct_cents_format(b, sizeof(b), 0), 4);
    cr_assert_str_eq(b, "0.00");
    ct_cents_format(b, sizeof(b), 5);
    cr_assert_str_eq(b, "0.05");
    ct_cents_format(b, sizeof(b), 123456);
    cr_assert_str_eq(b, "1234.56");
    cr_assert_eq(ct_cents_format(b, sizeof(b), UINT64_MAX), 21);
    cr_assert_str_eq(b, "184467440737095516.15");
}

/* ---- coin amounts to cents ---- */
typedef struct usd_case {
    ct_u128 amount;
    unsigned decimals;
    uint64_t price;
    int rc;
    uint64_t cents;
} usd_case;

#define E18 1000000000000000000ULL

Test(prices, usd_cents_by_hand)
{
    static const usd_case cases[] = {
        /* 21,000,000 BTC = 2.1e15 sat at $100,000.00 = 1e7 cents:
         * 2.1e15 * 1e7 / 1e8 = 2.1e14 cents = $2,100,000,000,000.00 */
        {{0, 2100000000000000ULL}, 8, 10000000, CT_OK, 210000000000000ULL},
        /* 1 BTC at 19160.79 */
        {{0, 100000000}, 8, 1916079, CT_OK, 1916079},
        /* 1.23456789 BTC at 19160.79: 123456789 * 1916079 = 236552960810331;
         * / 1e8 = 2365529.60810331 cents -> 2365530 (remainder above half) */
        {{0, 123456789}, 8, 1916079, CT_OK, 2365530},
        /* 1 sat at $100,000: 0.1 cent -> 0; 4 sat: 0.4 -> 0; 5 sat: 0.5 -> 1 (half up);
         * 15 sat: 1.5 -> 2; 14 sat: 1.4 -> 1 */
        {{0, 1}, 8, 10000000, CT_OK, 0},
        {{0, 4}, 8, 10000000, CT_OK, 0},
        {{0, 5}, 8, 10000000, CT_OK, 1},
        {{0, 15}, 8, 10000000, CT_OK, 2},
        {{0, 14}, 8, 10000000, CT_OK, 1},
        /* 1.5 ETH = 1.5e18 wei at 320.88: 1.5 * 32088 = 48132 cents exactly */
        {{0, 1500000000000000000ULL}, 18, 32088, CT_OK, 48132},
        /* 100,000 ETH = 1e23 wei, above 2^64: 1e23 = 5421 * 2^64 + 200376420520689664
         * (5421 * 18446744073709551616 = 99999799623579479310336). At 3235.22:
         * 1e5 * 323522 = 32,352,200,000 cents exactly */
        {{5421, 200376420520689664ULL}, 18, 323522, CT_OK, 32352200000ULL},
        /* 0.005 cent and 0.5 cent at 1 cent per ETH */
        {{0, 5000000000000000ULL}, 18, 1, CT_OK, 0},
        {{0, 500000000000000000ULL}, 18, 1, CT_OK, 1},
        /* no decimals: 7 units at 100 cents */
        {{0, 7}, 0, 100, CT_OK, 700},
        /* exactly 2^64-1 cents fits; one unit more does not */
        {{0, UINT64_MAX}, 0, 1, CT_OK, UINT64_MAX},
        {{0, UINT64_MAX}, 0, 2, CT_EINVAL, 0},
        {{UINT64_MAX, UINT64_MAX}, 8, UINT64_MAX, CT_EINVAL, 0},
        /* 36 decimals: 1e36 = 54210108624275221 * 2^64 + 12919594847110692864 units are
         * one coin */
        {{54210108624275221ULL, 12919594847110692864ULL}, 36, 12345, CT_OK, 12345},
        /* 2^128-1 = 340282366920938463463374607431768211455 units: at 36 decimals and
         * 1 cent, 340.28... -> 340; at 20 decimals (two division steps, 10^19 then 10),
         * 3402823669209384634.63... -> 3402823669209384635 (up) */
        {{UINT64_MAX, UINT64_MAX}, 36, 1, CT_OK, 340},
        {{UINT64_MAX, UINT64_MAX}, 20, 1, CT_OK, 3402823669209384635ULL},
        {{0, 1}, 37, 1, CT_EINVAL, 0},
        {{0, 0}, 8, 10000000, CT_OK, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const usd_case *c = &cases[i];
        uint64_t cents = 77;
        int rc = ct_usd_cents(&cents, c->amount, c->decimals, c->price, NULL);
        cr_expect_eq(rc, c->rc, "case %zu: rc %d", i, rc);
        cr_expect_eq(cents, c->rc == CT_OK ? c->cents : 77, "case %zu: %llu cents", i,
                     (unsigned long long)cents);
    }
    uint64_t cents = 0;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_usd_cents(&cents, (ct_u128){0, 1}, 37, 1, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "bad-decimals");
    cr_assert_eq(ct_usd_cents(&cents, (ct_u128){0, UINT64_MAX}, 0, 2, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "usd-overflow");
}

/* The 256-bit entry point: the same rounding as ct_usd_cents (checked against it below
 * 2^128), and amounts and decimals that only Ethereum tokens have. Expected values from
 * Python's integers: v = a * p // 10^d, plus one when 2 * (a * p % 10^d) >= 10^d. */
Test(prices, usd_cents_u256_by_hand)
{
    typedef struct {
        const char *amount; /* decimal */
        unsigned decimals;
        uint64_t price;
        int rc;
        uint64_t cents;
    } case256;
    static const case256 cases[] = {
        {"1500000000000000000", 18, 32088, CT_OK, 48132},                /* 1.5 ETH at 320.88 */
        {"100000000000000000000000", 18, 323522, CT_OK, 32352200000ULL}, /* 1e5 ETH */
        {"4", 8, 10000000, CT_OK, 0},
        {"5", 8, 10000000, CT_OK, 1}, /* exactly half a cent: up */
        {"7", 0, 100, CT_OK, 700},
        /* 2^255 units of a 77-decimal token at 1 cent: 0.5789... -> 1 */
        {"57896044618658097711785492504343953926634992332820282019728792003956564819968", 77, 1,
         CT_OK, 1},
        /* 5e76 at 77 decimals and 1 cent is exactly half a cent (up); one unit less is not */
        {"50000000000000000000000000000000000000000000000000000000000000000000000000000", 77, 1,
         CT_OK, 1},
        {"49999999999999999999999999999999999999999999999999999999999999999999999999999", 77, 1,
         CT_OK, 0},
        /* 2^256-1 at 70 decimals, $10,000: 11579208923731.61... -> ...732 */
        {"115792089237316195423570985008687907853269984665640564039457584007913129639935", 70,
         1000000, CT_OK, 11579208923732ULL},
        /* 2^200 at 50 decimals and $1.23: 1976533794438.55... -> ...439 */
        {"1606938044258990275541962092341162602522202993782792835301376", 50, 123, CT_OK,
         1976533794439ULL},
        /* 2^130 + 12345 at 30 decimals and $999.99: 136111585638907.70... -> ...908 */
        {"1361129467683753853853498429727072858169", 30, 99999, CT_OK, 136111585638908ULL},
        /* too much: 1.1e23 cents; 2^64 cents exactly is one too many */
        {"115792089237316195423570985008687907853269984665640564039457584007913129639935", 60,
         1000000, CT_EINVAL, 0},
        {"18446744073709551616", 0, 1, CT_EINVAL, 0},
        {"18446744073709551615", 0, 1, CT_OK, UINT64_MAX},
        {"1", 78, 1, CT_EINVAL, 0},
        {"0", 18, 32088, CT_OK, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const case256 *c = &cases[i];
        ct_u256 a;
        cr_assert_eq(ct_u256_parse_dec(&a, c->amount, strlen(c->amount), NULL), CT_OK);
        uint64_t cents = 77;
        int rc = ct_usd_cents_u256(&cents, &a, c->decimals, c->price, NULL);
        cr_expect_eq(rc, c->rc, "case %zu: rc %d", i, rc);
        cr_expect_eq(cents, c->rc == CT_OK ? c->cents : 77, "case %zu: %llu cents", i,
                     (unsigned long long)cents);
    }
    ct_error err;
    ct_error_clear(&err);
    ct_u256 one = ct_u256_from_u64(1), big = ct_u256_from_u64(UINT64_MAX);
    uint64_t cents = 0;
    cr_assert_eq(ct_usd_cents_u256(&cents, &one, 78, 1, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "bad-decimals");
    cr_assert_eq(ct_usd_cents_u256(&cents, &big, 0, 2, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "usd-overflow");
    /* Below 2^128 both entry points agree, amount by amount (a pseudo-random sweep). */
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t hi = (i % 3 == 0) ? 0 : (x >> (i % 64));
        uint64_t lo = x * 0x2545f4914f6cdd1dULL;
        unsigned dec = (unsigned)(x % 37);
        uint64_t price = (x >> 20) % 100000000ULL;
        ct_u256 a = {{lo, hi, 0, 0}};
        uint64_t c128 = 1, c256 = 2;
        int r128 = ct_usd_cents(&c128, (ct_u128){hi, lo}, dec, price, NULL);
        int r256 = ct_usd_cents_u256(&c256, &a, dec, price, NULL);
        cr_assert_eq(r128, r256, "sweep %d: rc %d vs %d", i, r128, r256);
        if (r128 == CT_OK)
            cr_assert_eq(c128, c256, "sweep %d: %llu vs %llu cents", i, (unsigned long long)c128,
                         (unsigned long long)c256);
    }
}

/* ---- import through the library ---- */

typedef struct conflicts {
    uint64_t n;
    ct_price_conflict first, last;
} conflicts;

static void on_conflict(void *ctx, const ct_price_conflict *c)
{
    conflicts *x = ctx;
    if (x->n++ == 0)
        x->first = *c;
    x->last = *c;
}

static int import(ct_db *db, ct_price_import_stats *st, const char *path, const char *asset,
                  const char *column, conflicts *cf, ct_error *err)
{
    ct_price_import_options o = CT_PRICE_IMPORT_OPTIONS_INIT;
    o.asset = asset;
    o.column = column;
    o.conflict = cf ? on_conflict : NULL;
    o.ctx = cf;
    ct_error_clear(err);
    return ct_prices_import(db, st, path, &o, err);
}

static uint64_t price(ct_db *db, const char *asset, const char *date)
{
    uint64_t cents = 0;
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_price_get(db, NULL, &cents, NULL, asset, day(date), &err);
    cr_assert_eq(rc, CT_OK, "%s %s: %s", asset, date, err.detail);
    return cents;
}

static void digest(ct_db *db, uint8_t out[32])
{
    cr_assert_eq(ct_prices_digest(db, out, NULL), CT_OK);
}

Test(prices, import_typedcypher)
{
    char *dir = tu_fresh_db(), *path = shared(TYPEDCYPHER);
    ct_db *db = tu_db_open(dir, true);
    ct_price_import_stats st;
    ct_error err;
    uint8_t d0[32], d1[32], d2[32];
    digest(db, d0);
    cr_assert_eq(import(db, &st, path, "btc", NULL, NULL, &err), CT_OK, "%s", err.detail);
    cr_assert_str_eq(st.column, "BTC_USD");
    cr_assert_eq(st.rows, 5348);
    cr_assert_eq(st.days, 5348);
    cr_assert_eq(st.added, 5348);
    cr_assert_eq(st.same, 0);
    cr_assert_eq(st.conflicts, 0);
    cr_assert_eq(st.source, 1);
    cr_assert(st.new_source);
    cr_assert_eq(st.first_day, day("2012-01-01"));
    cr_assert_eq(st.last_day, day("2026-08-22"));
    /* the first and last rows of the file (newest first), a leap day, around 2017-12-17 */
    cr_assert_eq(price(db, "BTC", "2026-08-22"), 7829371); /* 78293.71, line 2 */
    cr_assert_eq(price(db, "BTC", "2012-01-01"), 458);     /* 4.58, line 5349 */
    cr_assert_eq(price(db, "BTC", "2016-02-29"), 43026);   /* 430.26 */
    cr_assert_eq(price(db, "BTC", "2017-12-16"), 1748899); /* 17488.99 */
    cr_assert_eq(price(db, "btc", "2017-12-17"), 1916079); /* 19160.79 */
    cr_assert_eq(price(db, "BTC", "2017-12-18"), 1894851); /* 18948.51 */
    cr_assert_eq(price(db, "BTC", "2020-02-29"), 871690);  /* 8716.9 */
    uint64_t cents = 99;
    uint32_t source = 0;
    ct_error_clear(&err);
    cr_assert_eq(ct_price_get(db, NULL, &cents, &source, "BTC", day("2011-12-31"), &err),
                 CT_ENOTFOUND);
    cr_assert_str_eq(err.detail, "no price for BTC on 2011-12-31");
    cr_assert_eq(cents, 99);
    cr_assert_eq(ct_price_get(db, NULL, &cents, &source, "BTC", day("2026-08-23"), NULL),
                 CT_ENOTFOUND);
    cr_assert_eq(ct_price_get(db, NULL, &cents, &source, "ETH", day("2017-12-17"), NULL),
                 CT_ENOTFOUND);
    cr_assert_eq(ct_price_get(db, NULL, &cents, &source, "BT C", 0, NULL), CT_EINVAL);
    cr_assert_eq(ct_price_get(db, NULL, &cents, &source, "BTC", day("2017-12-17"), NULL), CT_OK);
    cr_assert_eq(source, 1);

    ct_price_range r;
    cr_assert_eq(ct_prices_range(db, &r, "BTC", NULL), CT_OK);
    cr_assert_str_eq(r.asset, "BTC");
    cr_assert_eq(r.days, 5348);
    cr_assert_eq(r.first_day, day("2012-01-01"));
    cr_assert_eq(r.last_day, day("2026-08-22"));
    cr_assert_eq(ct_prices_range(db, &r, "ETH", NULL), CT_ENOTFOUND);

    /* Importing the same file again writes nothing: digest and meta row unchanged. */
    digest(db, d1);
    cr_assert_neq(memcmp(d0, d1, 32), 0);
    cr_assert_eq(import(db, &st, path, "BTC", NULL, NULL, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(st.added, 0);
    cr_assert_eq(st.same, 5348);
    cr_assert_eq(st.conflicts, 0);
    cr_assert_eq(st.source, 1);
    cr_assert(!st.new_source);
    digest(db, d2);
    cr_assert_eq(memcmp(d1, d2, 32), 0);
    ct_price_source src;
    cr_assert_eq(ct_prices_source_get(db, &src, 1, NULL), CT_OK);
    cr_assert_str_eq(src.asset, "BTC");
    cr_assert_str_eq(src.column, "BTC_USD");
    cr_assert_str_eq(src.name, "typedcypher_daily_bitcoin_prices_12fiat.csv");
    cr_assert_eq(src.rows, 5348);
    cr_assert_eq(src.added, 5348);
    cr_assert_eq(src.conflicts, 0);
    cr_assert_eq(src.sha256[0], 0x8f); /* 8f2447c4...63c86, as in the fixtures' MANIFEST */
    cr_assert_eq(src.sha256[31], 0x86);
    cr_assert_eq(ct_prices_source_get(db, &src, 2, NULL), CT_ENOTFOUND);
    ct_db_close(db);

    /* The meta row of the table, read raw: 1 source, 5348 days. */
    uint8_t v[64];
    cr_assert_eq(tu_db_peek(dir, "\xf0prices", 7, v, sizeof(v)), 12); /* storage.md */
    static const uint8_t want[12] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x14, 0xe4};
    cr_assert_eq(memcmp(v, want, 12), 0);
    free(path);
    tu_fresh_db_done(dir);
}

Test(prices, import_yahoo_btc_and_eth)
{
    char *dir = tu_fresh_db(), *btc = shared(YAHOO_BTC), *eth = shared(YAHOO_ETH);
    ct_db *db = tu_db_open(dir, true);
    ct_price_import_stats st;
    ct_error err;
    cr_assert_eq(import(db, &st, btc, "BTC", NULL, NULL, &err), CT_OK, "%s", err.detail);
    cr_assert_str_eq(st.column, "Close");
    cr_assert_eq(st.rows, 3601);
    cr_assert_eq(st.added, 3601);
    cr_assert_eq(import(db, &st, eth, "ETH", NULL, NULL, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(st.rows, 2452);
    cr_assert_eq(st.added, 2452);
    cr_assert_eq(st.source, 2);
    /* BTC, Close column: first row, leap days, around 2017-12-17, last row */
    cr_assert_eq(price(db, "BTC", "2014-09-17"), 45733);   /* 457.334015 */
    cr_assert_eq(price(db, "BTC", "2016-02-29"), 43770);   /* 437.696991: up */
    cr_assert_eq(price(db, "BTC", "2017-12-16"), 1949740); /* 19497.400391 */
    cr_assert_eq(price(db, "BTC", "2017-12-17"), 1914080); /* 19140.800781 */
    cr_assert_eq(price(db, "BTC", "2017-12-18"), 1911420); /* 19114.199219 */
    cr_assert_eq(price(db, "BTC", "2020-02-29"), 859951);  /* 8599.508789: up */
    cr_assert_eq(price(db, "BTC", "2024-07-26"), 6735581); /* 67355.812500 */
    /* ETH */
    cr_assert_eq(price(db, "ETH", "2017-11-09"), 32088);  /* 320.884003 */
    cr_assert_eq(price(db, "ETH", "2017-12-16"), 69621);  /* 696.208984: up */
    cr_assert_eq(price(db, "ETH", "2017-12-17"), 71997);  /* 719.974976: up */
    cr_assert_eq(price(db, "ETH", "2017-12-18"), 79465);  /* 794.645020: half, up */
    cr_assert_eq(price(db, "ETH", "2020-02-29"), 21985);  /* 219.848511: up */
    cr_assert_eq(price(db, "ETH", "2024-07-26"), 323522); /* 3235.222412 */
    uint64_t cents;
    cr_assert_eq(ct_price_get(db, NULL, &cents, NULL, "ETH", day("2017-11-08"), NULL),
                 CT_ENOTFOUND);
    ct_price_range *all;
    size_t n;
    cr_assert_eq(ct_prices_assets(db, &all, &n, NULL), CT_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(all[0].asset, "BTC");
    cr_assert_eq(all[0].days, 3601);
    cr_assert_str_eq(all[1].asset, "ETH");
    cr_assert_eq(all[1].days, 2452);
    cr_assert_eq(all[1].first_day, day("2017-11-09"));
    cr_assert_eq(all[1].last_day, day("2024-07-26"));
    free(all);
    ct_db_close(db);
    free(btc);
    free(eth);
    tu_fresh_db_done(dir);
}

Test(prices, a_second_source_keeps_the_first_prices)
{
    char *dir = tu_fresh_db(), *tc = shared(TYPEDCYPHER), *yahoo = shared(YAHOO_BTC);
    ct_db *db = tu_db_open(dir, true);
    ct_price_import_stats st;
    ct_error err;
    conflicts cf = {0};
    uint8_t d1[32], d2[32], d3[32];
    cr_assert_eq(import(db, &st, tc, "BTC", NULL, NULL, &err), CT_OK);
    digest(db, d1);
    cr_assert_eq(import(db, &st, yahoo, "BTC", NULL, &cf, &err), CT_OK, "%s", err.detail);
    /* Every Yahoo day (2014-09-17..2024-07-26) is in typedcypher's range with another
     * price: all 3601 conflict, none is added, the typedcypher prices stay. */
    cr_assert_eq(st.rows, 3601);
    cr_assert_eq(st.added, 0);
    cr_assert_eq(st.same, 0);
    cr_assert_eq(st.conflicts, 3601);
    cr_assert_eq(cf.n, 3601);
    cr_assert_eq(st.source, 2);
    cr_assert_eq(cf.first.line, 2);
    cr_assert_eq(cf.first.day, day("2014-09-17"));
    cr_assert_eq(cf.first.stored_cents, 46348); /* typedcypher 463.48 */
    cr_assert_eq(cf.first.stored_source, 1);
    cr_assert_eq(cf.first.file_cents, 45733); /* yahoo 457.334015 */
    cr_assert_eq(cf.last.line, 3602);
    cr_assert_eq(price(db, "BTC", "2017-12-17"), 1916079);
    uint32_t source = 0;
    uint64_t cents;
    cr_assert_eq(ct_price_get(db, NULL, &cents, &source, "BTC", day("2017-12-17"), NULL), CT_OK);
    cr_assert_eq(source, 1);
    ct_price_source src;
    cr_assert_eq(ct_prices_source_get(db, &src, 2, NULL), CT_OK);
    cr_assert_eq(src.added, 0);
    cr_assert_eq(src.conflicts, 3601);
    cr_assert_str_eq(src.column, "Close");
    /* the source row was added (the digest moved); a third run changes nothing */
    digest(db, d2);
    cr_assert_neq(memcmp(d1, d2, 32), 0);
    cf.n = 0;
    cr_assert_eq(import(db, &st, yahoo, "BTC", NULL, &cf, &err), CT_OK);
    cr_assert_eq(st.conflicts, 3601);
    cr_assert(!st.new_source);
    digest(db, d3);
    cr_assert_eq(memcmp(d2, d3, 32), 0);
    ct_db_close(db);
    free(tc);
    free(yahoo);
    tu_fresh_db_done(dir);
}

/* Writes a file beside the database directory (in its temporary parent). */
static char *write_tmp(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s", dir);
    char *slash = strrchr(p, '/');
    snprintf(slash + 1, n - (size_t)(slash + 1 - p), "%s", name);
    cr_assert_eq(tu_write_file(p, text, strlen(text)), 0, "%s", p);
    return p;
}

Test(prices, partial_overlap_adds_new_days_only)
{
    char *dir = tu_fresh_db(), *tc = shared(TYPEDCYPHER);
    ct_db *db = tu_db_open(dir, true);
    ct_price_import_stats st;
    ct_error err;
    conflicts cf = {0};
    cr_assert_eq(import(db, &st, tc, "BTC", NULL, NULL, &err), CT_OK);
    /* one day before the table, one with the same price, one with another price, one
     * repeated with the same price (kept once); CRLF line ends and a UTF-8 BOM */
    char *csv = write_tmp(dir, "extra.csv",
                          "\xef\xbb\xbf"
                          "date,btc_usd\r\n"
                          "2011-12-31,4.20\r\n"
                          "2012-01-01,4.58\r\n"
                          "2012-01-02,5.01\r\n"
                          "2011-12-31,4.200\r\n"
                          "\r\n\r\n");
    /* a snapshot taken before the import keeps seeing the table as it was */
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    cr_assert_not_null(snap);
    cr_assert_eq(import(db, &st, csv, "BTC", NULL, &cf, &err), CT_OK, "%s", err.detail);
    uint64_t cents = 0;
    cr_assert_eq(ct_price_get(db, snap, &cents, NULL, "BTC", day("2011-12-31"), NULL),
                 CT_ENOTFOUND);
    cr_assert_eq(ct_price_get(db, snap, &cents, NULL, "BTC", day("2012-01-01"), NULL), CT_OK);
    cr_assert_eq(cents, 458);
    ct_db_snapshot_free(db, snap);
    cr_assert_str_eq(st.column, "btc_usd");
    cr_assert_eq(st.rows, 4);
    cr_assert_eq(st.days, 3);
    cr_assert_eq(st.added, 1);
    cr_assert_eq(st.same, 1);
    cr_assert_eq(st.conflicts, 1);
    cr_assert_eq(cf.first.line, 4);
    cr_assert_eq(cf.first.stored_cents, 500);
    cr_assert_eq(cf.first.file_cents, 501);
    cr_assert_eq(price(db, "BTC", "2011-12-31"), 420);
    cr_assert_eq(price(db, "BTC", "2012-01-02"), 500);
    ct_price_range r;
    cr_assert_eq(ct_prices_range(db, &r, "BTC", NULL), CT_OK);
    cr_assert_eq(r.days, 5349);
    cr_assert_eq(r.first_day, day("2011-12-31"));
    cr_assert_eq(r.last_day, day("2026-08-22"));
    ct_db_close(db);
    free(csv);
    free(tc);
    tu_fresh_db_done(dir);
}

Test(prices, column_override_and_missing_columns)
{
    char *dir = tu_fresh_db(), *tc = shared(TYPEDCYPHER), *eth = shared(YAHOO_ETH);
    ct_db *db = tu_db_open(dir, true);
    ct_price_import_stats st;
    ct_error err;
    /* --column picks another column (here the euro one, to see that it is read) */
    cr_assert_eq(import(db, &st, tc, "XBTEUR", "BTC_EUR", NULL, &err), CT_OK, "%s", err.detail);
    cr_assert_str_eq(st.column, "BTC_EUR");
    cr_assert_eq(price(db, "XBTEUR", "2026-08-22"), 6738740); /* 67387.4 */
    /* Yahoo's Open column by name */
    cr_assert_eq(import(db, &st, eth, "ETHOPEN", "Open", NULL, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(price(db, "ETHOPEN", "2017-11-09"), 30864); /* 308.644989: up */
    /* ETH from the bitcoin file: neither ETH_USD nor Close */
    cr_assert_eq(import(db, &st, tc, "ETH", NULL, NULL, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "no-column");
    cr_assert(strstr(err.detail, ":1: no column 'ETH_USD' or 'Close' in the header"), "%s",
              err.detail);
    cr_assert_eq(import(db, &st, tc, "BTC", "Close", NULL, &err), CT_ECORRUPT);
    cr_assert(strstr(err.detail, ":1: no column 'Close' in the header"), "%s", err.detail);
    cr_assert_eq(import(db, &st, tc, "BTC", "Date", NULL, &err), CT_ECORRUPT);
    cr_assert_eq(import(db, &st, tc, "B-C", NULL, NULL, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "bad-asset");
    ct_db_close(db);
    free(tc);
    free(eth);
    tu_fresh_db_done(dir);
}

/* ---- malformed files, end to end: exact messages, exit 3, nothing written ---- */
typedef struct bad_file {
    const char *text;
    const char *message; /* after "chaintrail: prices: PATH:" */
} bad_file;

static void run(tu_run *r, const char *dir, const char *const *args, const char *const *env)
{
    const char *argv[32];
    size_t n = strlen(dir) + 6;
    char *d = malloc(n);
    snprintf(d, n, "--db=%s", dir);
    size_t k = 0;
    argv[k++] = d;
    for (size_t i = 0; args[i]; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    tu_exec(r, argv, env);
    free(d);
}

Test(prices, malformed_files_are_rejected_with_file_and_line)
{
    static const bad_file cases[] = {
        {"Date,Close\n2023-02-28,1.00\n2023-02-29,2.00\n",
         "3: column 'Date': '2023-02-29' is not a date YYYY-MM-DD from 1970-01-01 to "
         "9999-12-31"},
        {"Date,Close\n2023-02-28,1.00\n2023-2-27,2.00\n",
         "3: column 'Date': '2023-2-27' is not a date YYYY-MM-DD from 1970-01-01 to 9999-12-31"},
        {"Date,Close\n2023-02-28,1.00\n,2.00\n", "3: column 'Date': empty date"},
        {"Date,Close\n2023-02-28,-1.00\n", "2: column 'Close': negative price '-1.00'"},
        {"Date,Close\n2023-02-28,1e3\n", "2: column 'Close': '1e3' is not a decimal price"},
        {"Date,Close\n2023-02-28,1.5\n2023-02-27,\n", "3: column 'Close': empty price"},
        {"Date,Close\n2023-02-28,null\n", "2: column 'Close': 'null' is not a decimal price"},
        {"Date,Close\n2023-02-28,1.5,7\n", "2: 3 fields, the header has 2"},
        {"Date,Open,Close\n2023-02-28,1.5\n", "2: 2 fields, the header has 3"},
        {"Date,Close\n2023-02-28,1.5\n2023-02-27,1.4\n2023-02-28,1.6\n",
         "4: column 'Date': 2023-02-28 is also on line 2 with another price (1.50 there, "
         "1.60 here)"},
        {"Date,Close\n2023-02-28,184467440737095516.16\n",
         "2: column 'Close': price '184467440737095516.16' is above 18446744073709551615 "
         "cents"},
        {"Date,Close\n2023-02-28,0.004\n",
         "2: column 'Close': price '0.004' is less than half a cent"},
        {"Date,Price\n2023-02-28,1.5\n", "1: no column 'BTC_USD' or 'Close' in the header"},
        {"When,Close\n2023-02-28,1.5\n", "1: no 'Date' column in the header"},
        {"Date,Close\n2023-02-28,1.5\n\n2023-02-27,1.5\n", "3: empty line"},
        {"Date,Close\n2023-02-28,\"1.5\"\n", "2: quoted fields are not supported"},
        {"", "1: empty file: no header"},
        {"Date,Close\n", "1: no price rows after the header"},
    };
    char *dir = tu_fresh_db();
    char *csv = write_tmp(dir, "bad.csv", "");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_assert_eq(tu_write_file(csv, cases[i].text, strlen(cases[i].text)), 0);
        tu_run r;
        run(&r, dir, (const char *[]){"prices", "import", csv, "--asset", "BTC", NULL}, NULL);
        char want[1024];
        snprintf(want, sizeof(want),
                 "chaintrail: prices: %s:%s\n%schaintrail: prices: nothing imported\n", csv,
                 cases[i].message,
                 strstr(cases[i].message, "no column") ? "chaintrail: prices: name the price "
                                                         "column with --column\n"
                                                       : "");
        cr_expect_eq(r.status, 3, "case %zu: exit %d", i, r.status);
        cr_expect_str_eq(r.err, want, "case %zu", i);
        cr_expect_str_eq(r.out, "");
        tu_run_free(&r);
    }
    /* nothing was ever written */
    tu_run r;
    run(&r, dir, (const char *[]){"prices", "show", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "no prices\ndigest "
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
    tu_run_free(&r);
    free(csv);
    tu_fresh_db_done(dir);
}

/* usd_cents up to 2^64 - 1 were JSON numbers: above 2^53 a JSON reader (a double) changes
 * them (9007199254740993 reads as ...992). They are decimal strings from 2^53 on, numbers
 * below (issue 12, 4d; docs/cli.md). */
Test(prices, cli_json_big_cents_are_strings)
{
    char *dir = tu_fresh_db();
    char *csv = write_tmp(dir, "big.csv",
                          "Date,Close\n2020-01-01,90071992547409.91\n2020-01-02,90071992547409.92\n"
                          "2020-01-03,100000000000000.00\n2020-01-04,184467440737095516.15\n");
    tu_run r;
    run(&r, dir, (const char *[]){"prices", "import", csv, "--asset", "BTC", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    static const char *const want[] = {
        "{\"asset\":\"BTC\",\"date\":\"2020-01-01\",\"usd\":\"90071992547409.91\","
        "\"usd_cents\":9007199254740991,\"source\":1}\n",
        "{\"asset\":\"BTC\",\"date\":\"2020-01-02\",\"usd\":\"90071992547409.92\","
        "\"usd_cents\":\"9007199254740992\",\"source\":1}\n",
        "{\"asset\":\"BTC\",\"date\":\"2020-01-03\",\"usd\":\"100000000000000.00\","
        "\"usd_cents\":\"10000000000000000\",\"source\":1}\n",
        "{\"asset\":\"BTC\",\"date\":\"2020-01-04\",\"usd\":\"184467440737095516.15\","
        "\"usd_cents\":\"18446744073709551615\",\"source\":1}\n",
    };
    const char *days[] = {"2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"};
    for (size_t i = 0; i < 4; i++) {
        run(&r, dir,
            (const char *[]){"prices", "show", "--asset", "BTC", "--date", days[i], "--format",
                             "json", NULL},
            NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_str_eq(r.out, want[i]);
        tu_run_free(&r);
    }
    free(csv);
    tu_fresh_db_done(dir);
}

/* ---- the CLI ---- */
Test(prices, cli_import_and_show)
{
    char *dir = tu_fresh_db(), *tc = shared(TYPEDCYPHER), *eth = shared(YAHOO_ETH);
    tu_run r;
    run(&r, dir, (const char *[]){"prices", "show", NULL}, NULL);
    cr_assert_eq(r.status, 5); /* no database yet: show never creates one */
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"prices", "import", tc, "--asset", "btc", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char want[2048];
    snprintf(want, sizeof(want),
             "chaintrail: prices: %s: BTC from column BTC_USD, 5348 rows, 5348 days "
             "2012-01-01..2026-08-22: 5348 added, 0 already stored, 0 conflicts (source 1)\n",
             tc);
    cr_assert_str_eq(r.err, want);
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"prices", "import", tc, "--asset", "BTC", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    snprintf(want, sizeof(want),
             "chaintrail: prices: %s: BTC from column BTC_USD, 5348 rows, 5348 days "
             "2012-01-01..2026-08-22: 0 added, 5348 already stored, 0 conflicts (source 1, "
             "imported before)\n",
             tc);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"prices", "import", eth, "--asset", "ETH", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"prices", "show", "--asset", "BTC", "--date", "2017-12-17", NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "2017-12-17 BTC 19160.79 USD (source 1)\n");
    tu_run_free(&r);

    run(&r, dir,
        (const char *[]){"prices", "show", "--asset", "eth", "--date=2017-12-18", "--format",
                         "json", NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "{\"asset\":\"ETH\",\"date\":\"2017-12-18\",\"usd\":\"794.65\","
                            "\"usd_cents\":79465,\"source\":2}\n");
    tu_run_free(&r);

    /* a day without a price: "no price", exit 8, never zero */
    run(&r, dir, (const char *[]){"prices", "show", "--asset", "BTC", "--date", "2011-12-31", NULL},
        NULL);
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.out, "2011-12-31 BTC no price\n");
    cr_assert_str_eq(r.err, "");
    tu_run_free(&r);
    run(&r, dir,
        (const char *[]){"prices", "show", "--asset", "ETH", "--date", "2017-11-08", "--format",
                         "json", NULL},
        NULL);
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.out, "{\"asset\":\"ETH\",\"date\":\"2017-11-08\",\"usd\":null,"
                            "\"usd_cents\":null,\"source\":null}\n");
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"prices", "show", "--asset", "BTC", NULL}, NULL);
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.out, "BTC        5348 days  2012-01-01 .. 2026-08-22\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"prices", "show", "--asset", "LTC", "--format", "json", NULL},
        NULL);
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.out, "{\"asset\":\"LTC\",\"days\":0,\"first\":null,\"last\":null}\n");
    tu_run_free(&r);

    run(&r, dir, (const char *[]){"prices", "show", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0);
    static const char json_start[] =
        "{\"assets\":[{\"asset\":\"BTC\",\"days\":5348,\"first\":\"2012-01-01\","
        "\"last\":\"2026-08-22\",\"unused\":false},{\"asset\":\"ETH\",\"days\":2452,"
        "\"first\":\"2017-11-09\",\"last\":\"2024-07-26\",\"unused\":false}],"
        "\"sources\":[{\"id\":1,"
        "\"asset\":\"BTC\",\"column\":\"BTC_USD\",\"file\":"
        "\"typedcypher_daily_bitcoin_prices_12fiat.csv\",\"sha256\":"
        "\"8f2447c44283df11916abfdfbcc9003c3119c8a5dd9117f52abbac60a1163c86\","
        "\"rows\":5348,\"added\":5348,\"conflicts\":0},{\"id\":2,\"asset\":\"ETH\","
        "\"column\":\"Close\",\"file\":\"yahoo_ETH-USD_daily.csv\",\"sha256\":"
        "\"23fab4bc82fdfa19dd9021ce37402b57e7357407471a700f421ac10465cc3c2b\","
        "\"rows\":2452,\"added\":2452,\"conflicts\":0}],\"digest\":\"";
    cr_assert(strncmp(r.out, json_start, strlen(json_start)) == 0, "%s", r.out);
    cr_assert_eq(strlen(r.out), strlen(json_start) + 64 + 3);
    tu_run_free(&r);

    /* usage errors */
    run(&r, dir, (const char *[]){"prices", "show", "--asset", "BTC", "--date", "2023-02-29", NULL},
        NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: prices: option '--date': '2023-02-29' is not a date "
                            "YYYY-MM-DD from 1970-01-01 to 9999-12-31\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"prices", "import", tc, NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: prices: option '--asset' is required (BTC, ETH, ...)\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"prices", "import", "/nonexistent/x.csv", "--asset", "BTC", NULL},
        NULL);
    cr_assert_eq(r.status, 5);
    cr_assert_str_eq(r.err, "chaintrail: prices: cannot open '/nonexistent/x.csv': No such file "
                            "or directory\n");
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"prices", "frobnicate", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    free(tc);
    free(eth);
    tu_fresh_db_done(dir);
}

Test(prices, cli_conflicts_are_listed_and_exit_3)
{
    char *dir = tu_fresh_db(), *tc = shared(TYPEDCYPHER), *yahoo = shared(YAHOO_BTC);
    tu_run r;
    run(&r, dir, (const char *[]){"prices", "import", tc, "--asset", "BTC", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"prices", "import", yahoo, "--asset", "BTC", NULL}, NULL);
    cr_assert_eq(r.status, 3);
    cr_assert_eq(tu_count_lines(r.err), 12, "%s", r.err); /* 10 conflicts, "more", summary */
    char want[1024];
    snprintf(want, sizeof(want),
             "chaintrail: prices: %s:2: BTC 2014-09-17: this file says 457.33, the table has "
             "463.48 from source 1: kept 463.48\n",
             yahoo);
    cr_assert(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    cr_assert(strstr(r.err, "chaintrail: prices: ... and 3591 more conflicts\n"), "%s", r.err);
    cr_assert(strstr(r.err, ": 0 added, 0 already stored, 3601 conflicts (source 2)\n"), "%s",
              r.err);
    tu_run_free(&r);
    run(&r, dir, (const char *[]){"prices", "show", "--asset", "BTC", "--date", "2014-09-17", NULL},
        NULL);
    cr_assert_str_eq(r.out, "2014-09-17 BTC 463.48 USD (source 1)\n");
    tu_run_free(&r);
    free(tc);
    free(yahoo);
    tu_fresh_db_done(dir);
}

Test(prices, cli_output_does_not_depend_on_the_locale)
{
    char *dir = tu_fresh_db(), *eth = shared(YAHOO_ETH);
    tu_run r;
    run(&r, dir, (const char *[]){"prices", "import", eth, "--asset", "ETH", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    static const char *const shows[][8] = {
        {"prices", "show", NULL},
        {"prices", "show", "--format", "json", NULL},
        {"prices", "show", "--asset", "ETH", "--date", "2020-02-29", NULL},
        {"prices", "show", "--asset", "ETH", "--date", "2020-02-29", "--format", "json"},
    };
    tu_require_locale("de_DE.UTF-8");
    static const char *const de[] = {"LC_ALL=de_DE.UTF-8", "LANG=de_DE.UTF-8", NULL};
    for (size_t i = 0; i < 4; i++) {
        const char *args[9] = {0};
        memcpy(args, shows[i], sizeof(shows[i]));
        tu_run c, g;
        run(&c, dir, args, NULL);
        run(&g, dir, args, de);
        cr_assert_eq(c.status, 0, "%s", c.err);
        cr_assert_eq(g.status, c.status);
        cr_assert_str_eq(g.out, c.out);
        cr_assert_str_eq(g.err, c.err);
        if (i == 2)
            cr_assert_str_eq(c.out, "2020-02-29 ETH 219.85 USD (source 1)\n");
        tu_run_free(&c);
        tu_run_free(&g);
    }
    /* and an import under that locale reads the same cents (the digest is equal) */
    char *dir2 = tu_fresh_db();
    run(&r, dir2, (const char *[]){"prices", "import", eth, "--asset", "ETH", NULL}, de);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_run a, b;
    run(&a, dir, (const char *[]){"prices", "show", NULL}, NULL);
    run(&b, dir2, (const char *[]){"prices", "show", NULL}, de);
    cr_assert_str_eq(a.out, b.out);
    tu_run_free(&a);
    tu_run_free(&b);
    free(eth);
    tu_fresh_db_done(dir);
    tu_fresh_db_done(dir2);
}

/* ct_prices_read, the in-memory form of the import that tests/fuzz/fuzz_prices.c drives:
 * the same stats as the import for the same bytes, and the same errors, without a database. */
Test(prices, read_from_memory_as_the_import_reads)
{
    char *dir = tu_fresh_db(), *path = shared(TYPEDCYPHER);
    ct_db *db = tu_db_open(dir, true);
    ct_price_import_stats st, rd;
    ct_error err;
    cr_assert_eq(import(db, &st, path, "btc", NULL, NULL, &err), CT_OK, "%s", err.detail);
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    ct_error_clear(&err);
    cr_assert_eq(ct_prices_read(f, "p.csv", "btc", NULL, &rd, &err), CT_OK, "%s", err.detail);
    fclose(f);
    cr_assert_str_eq(rd.column, "BTC_USD");
    cr_assert_eq(rd.rows, 5348);
    cr_assert_eq(rd.days, 5348);
    cr_assert_eq(rd.first_day, st.first_day);
    cr_assert_eq(rd.last_day, st.last_day);
    cr_assert_eq(rd.added + rd.same + rd.conflicts + rd.source, 0); /* nothing written */

    static char text[] = "Date,Close\n2023-02-28,1.5\n2023-02-27,1.4\n2023-02-28,1.6\n";
    f = fmemopen(text, sizeof(text) - 1, "rb");
    cr_assert(f);
    ct_error_clear(&err);
    cr_assert_eq(ct_prices_read(f, "mem.csv", "BTC", NULL, &rd, &err), CT_ECORRUPT);
    fclose(f);
    cr_assert_str_eq(err.reason, "duplicate-day");
    cr_assert_str_eq(err.detail, "mem.csv:4: column 'Date': 2023-02-28 is also on line 2 with "
                                 "another price (1.50 there, 1.60 here)");
    ct_db_close(db);
    free(path);
    tu_fresh_db_done(dir);
}
