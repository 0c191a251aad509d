/* 256-bit integers (engine/u256.c): exact values at the edges (2^256-1, carries across
 * every limb), the strict QUANTITY and decimal parsers with their reasons (bad-inputs.md
 * E11), and muldiv against 128-bit arithmetic and against its own defining identity
 * q*c + r = a*b on products wider than 256 bits. */
#include <criterion/criterion.h>
#include <string.h>

#include "chaintrail/u256.h"

static const char MAX_DEC[] =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";
static const char MAX_HEX[] =
    "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

static ct_u256 dec(const char *s)
{
    ct_u256 v;
    ct_error err;
    cr_assert_eq(ct_u256_parse_dec(&v, s, strlen(s), &err), CT_OK, "%s: %s", s, err.reason);
    return v;
}

static void assert_dec(const ct_u256 *v, const char *want)
{
    char buf[CT_U256_DEC_MAX];
    cr_assert_eq(ct_u256_to_dec(buf, sizeof buf, v), strlen(want));
    cr_assert_str_eq(buf, want);
}

Test(u256, decimal_round_trip_at_the_edges)
{
    const char *cases[] = {"0", "1", "18446744073709551615", "18446744073709551616",
                           "340282366920938463463374607431768211456", MAX_DEC};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_u256 v = dec(cases[i]);
        assert_dec(&v, cases[i]);
    }
    ct_u256 two64 = dec("18446744073709551616");
    cr_assert(two64.w[0] == 0 && two64.w[1] == 1 && two64.w[2] == 0 && two64.w[3] == 0);
    ct_u256 max = dec(MAX_DEC);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(max.w[i], UINT64_MAX);
    cr_assert_eq(ct_u256_bits(&max), 256u);
    cr_assert_eq(ct_u256_bits(&two64), 65u);
}

Test(u256, decimal_rejections_name_the_reason)
{
    struct {
        const char *text, *reason;
    } bad[] = {{"", "empty"},
               {"007", "leading-zero"},
               {"12a", "not-a-number"},
               {"-1", "not-a-number"},
               {"115792089237316195423570985008687907853269984665640564039457584007913129639936",
                "overflow"},
               {"1000000000000000000000000000000000000000000000000000000000000000000000000000000",
                "overflow"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct_u256 v;
        ct_error err;
        cr_assert_eq(ct_u256_parse_dec(&v, bad[i].text, strlen(bad[i].text), &err), CT_EINVAL,
                     "%s", bad[i].text);
        cr_assert_str_eq(err.reason, bad[i].reason, "%s", bad[i].text);
    }
}

Test(u256, quantity_is_strict_e11)
{
    struct {
        const char *text, *reason;
    } bad[] = {{"0x", "empty-quantity"},  {"0x0400", "leading-zero"}, {"ff", "missing-0x"},
               {"", "missing-0x"},        {"0xfg", "not-hex"},        {"0x 1", "not-hex"},
               {"0x10000000000000000000000000000000000000000000000000000000000000000",
                "overflow"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct_u256 v;
        ct_error err;
        cr_assert_eq(ct_u256_parse_quantity(&v, bad[i].text, strlen(bad[i].text), &err),
                     CT_EINVAL, "%s", bad[i].text);
        cr_assert_str_eq(err.reason, bad[i].reason, "%s", bad[i].text);
    }
    struct {
        const char *text, *canon, *decimal;
    } good[] = {{"0x0", "0x0", "0"},
                {"0x1bc16d674ec80000", "0x1bc16d674ec80000", "2000000000000000000"},
                {"0xDE0B6B3A7640000", "0xde0b6b3a7640000", "1000000000000000000"},
                {MAX_HEX, MAX_HEX, MAX_DEC}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ct_u256 v;
        ct_error err;
        cr_assert_eq(ct_u256_parse_quantity(&v, good[i].text, strlen(good[i].text), &err), CT_OK,
                     "%s", good[i].text);
        char buf[CT_U256_HEX_MAX];
        ct_u256_to_quantity(buf, sizeof buf, &v);
        cr_assert_str_eq(buf, good[i].canon);
        assert_dec(&v, good[i].decimal);
    }
}

Test(u256, big_endian_bytes)
{
    uint8_t be[32];
    ct_u256 v = dec("1000000000000000000"); /* 0x0de0b6b3a7640000 */
    ct_u256_to_be(be, &v);
    static const uint8_t tail[8] = {0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x00};
    for (int i = 0; i < 24; i++)
        cr_assert_eq(be[i], 0);
    cr_assert_eq(memcmp(be + 24, tail, 8), 0);
    ct_u256 back;
    cr_assert_eq(ct_u256_from_be(&back, tail, 8, NULL), CT_OK);
    cr_assert_eq(ct_u256_cmp(&back, &v), 0);
    cr_assert_eq(ct_u256_from_be(&back, be, 32, NULL), CT_OK);
    cr_assert_eq(ct_u256_cmp(&back, &v), 0);
    uint8_t wide[33] = {0};
    ct_error err;
    cr_assert_eq(ct_u256_from_be(&back, wide, 33, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "too-wide");
}

Test(u256, add_sub_mul_report_overflow)
{
    ct_u256 max = dec(MAX_DEC), one = ct_u256_from_u64(1), r;
    cr_assert(ct_u256_add(&r, &max, &one));
    cr_assert(ct_u256_is_zero(&r));
    ct_u256 a = dec("18446744073709551615"); /* carry into the second limb */
    cr_assert(!ct_u256_add(&r, &a, &one));
    assert_dec(&r, "18446744073709551616");
    cr_assert(!ct_u256_sub(&r, &r, &one));
    assert_dec(&r, "18446744073709551615");
    ct_u256 zero = ct_u256_from_u64(0);
    cr_assert(ct_u256_sub(&r, &zero, &one));
    cr_assert_eq(ct_u256_cmp(&r, &max), 0);
    ct_u256 two128 = dec("340282366920938463463374607431768211456");
    cr_assert(!ct_u256_mul(&r, &two128, &a));
    assert_dec(&r, "6277101735386680763495507056286727952638980837032266301440");
    cr_assert(ct_u256_mul(&r, &two128, &two128)); /* 2^256 */
    cr_assert(ct_u256_is_zero(&r));
    cr_assert_eq(ct_u256_cmp(&one, &max), -1);
    cr_assert_eq(ct_u256_cmp(&max, &one), 1);
    uint64_t small;
    cr_assert(ct_u256_to_u64(&small, &a) && small == UINT64_MAX);
    cr_assert(!ct_u256_to_u64(&small, &two128));
}

Test(u256, muldiv_matches_128_bit_arithmetic)
{
    __extension__ typedef unsigned __int128 u128;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t a = x;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t b = x >> (i % 60);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t c = (x >> (i % 63)) | 1u;
        ct_u256 A = ct_u256_from_u64(a), B = ct_u256_from_u64(b), C = ct_u256_from_u64(c), q, r;
        cr_assert_eq(ct_u256_muldiv(&q, &r, &A, &B, &C, NULL), CT_OK);
        u128 p = (u128)a * b;
        u128 want = p / c;
        cr_assert(q.w[0] == (uint64_t)want && q.w[1] == (uint64_t)(want >> 64) && q.w[2] == 0);
        cr_assert(r.w[0] == (uint64_t)(p % c) && r.w[1] == 0);
    }
}

Test(u256, muldiv_wide_products)
{
    ct_u256 max = dec(MAX_DEC), q, r;
    /* (2^256-1)^2 / (2^256-1) = 2^256-1: the product has 512 bits. */
    cr_assert_eq(ct_u256_muldiv(&q, &r, &max, &max, &max, NULL), CT_OK);
    cr_assert_eq(ct_u256_cmp(&q, &max), 0);
    cr_assert(ct_u256_is_zero(&r));
    /* floor(x * t / b) as the account-model haircut computes it, with 10^30-scale token
     * amounts: 3 * 10^30 * 10^30 / (7 * 10^30) = 428571428571428571428571428571 r 3*10^30 */
    ct_u256 x = dec("3000000000000000000000000000000"), t = dec("1000000000000000000000000000000"),
            b = dec("7000000000000000000000000000000");
    cr_assert_eq(ct_u256_muldiv(&q, &r, &x, &t, &b, NULL), CT_OK);
    assert_dec(&q, "428571428571428571428571428571");
    assert_dec(&r, "3000000000000000000000000000000");
    /* Identity q*c + r = a*b where a*b < 2^256 but c is wide. */
    ct_u256 a = dec("98765432109876543210987654321098765432109876543210"),
            bb = dec("12345678901234567890"), c = dec("5555555555555555555555555555555555555");
    cr_assert_eq(ct_u256_muldiv(&q, &r, &a, &bb, &c, NULL), CT_OK);
    ct_u256 back, ab;
    cr_assert(!ct_u256_mul(&back, &q, &c));
    cr_assert(!ct_u256_add(&back, &back, &r));
    cr_assert(!ct_u256_mul(&ab, &a, &bb));
    cr_assert_eq(ct_u256_cmp(&back, &ab), 0);
    cr_assert_eq(ct_u256_cmp(&r, &c), -1);
    ct_error err;
    ct_u256 zero = ct_u256_from_u64(0), one = ct_u256_from_u64(1);
    cr_assert_eq(ct_u256_muldiv(&q, NULL, &a, &bb, &zero, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "division-by-zero");
    cr_assert_eq(ct_u256_muldiv(&q, NULL, &max, &max, &one, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "overflow");
}

#include "chaintrail/account.h"

Test(u256, account_positions_order_by_height_then_index_then_position)
{
    ct_acct_pos a = {10, 2, 5}, b = {10, 3, 0}, c = {11, 0, 0},
                d = {10, CT_ACCT_BLOCK_LEVEL, 0};
    cr_assert_eq(ct_acct_pos_cmp(&a, &b), -1);
    cr_assert_eq(ct_acct_pos_cmp(&b, &a), 1);
    cr_assert_eq(ct_acct_pos_cmp(&b, &d), -1);
    cr_assert_eq(ct_acct_pos_cmp(&d, &c), -1);
    cr_assert_eq(ct_acct_pos_cmp(&a, &a), 0);
}
