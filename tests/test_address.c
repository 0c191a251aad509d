/* Tests of chains/bitcoin/address.c and script.c: Base58Check and bech32/bech32m addresses
 * (BIP173/BIP350 vectors from fixtures/vectors/bip173_bip350.txt, 99,999 real mainnet
 * addresses), and the classification of real output scripts. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/address.h"
#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "testutil.h"
#include "base/util.h"

/* ---- helpers ---- */

static const ct_btc_params *net(const char *name)
{
    const ct_btc_params *p = ct_btc_params_get(name);
    cr_assert_not_null(p, "network %s", name);
    return p;
}

/* Decodes hex into a malloc'd buffer (NULL for ""), length in *len. */
static uint8_t *unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    cr_assert(n % 2 == 0, "odd hex %s", hex);
    *len = n / 2;
    if (n == 0)
        return NULL;
    uint8_t *p = malloc(n / 2);
    cr_assert_not_null(p);
    cr_assert_eq(ct_hex_decode(p, hex, n / 2), CT_OK, "bad hex %s", hex);
    return p;
}

/* The scriptPubKey an address pays to, as hex. */
static void addr_script_hex(char *out, const ct_btc_addr *a)
{
    uint8_t s[42];
    size_t n = 0;
    switch (a->type) {
    case CT_BTC_P2PKH:
        s[0] = 0x76, s[1] = 0xa9, s[2] = 20;
        memcpy(s + 3, a->program, 20);
        s[23] = 0x88, s[24] = 0xac;
        n = 25;
        break;
    case CT_BTC_P2SH:
        s[0] = 0xa9, s[1] = 20;
        memcpy(s + 2, a->program, 20);
        s[22] = 0x87;
        n = 23;
        break;
    default:
        s[0] = (uint8_t)(a->witness_version == 0 ? 0 : 0x50 + a->witness_version);
        s[1] = (uint8_t)a->program_len;
        memcpy(s + 2, a->program, a->program_len);
        n = 2 + a->program_len;
        break;
    }
    ct_hex_encode(out, s, n);
}

/* Classifies a script given as hex. */
static void dest_hex(ct_btc_dest *d, const char *hex, const ct_btc_params *p)
{
    size_t len;
    uint8_t *s = unhex(hex, &len);
    cr_assert_eq(ct_btc_script_dest(d, s, len, p), CT_OK, "script %s", hex);
    free(s);
}

/* Expects decoding to fail with `reason`. */
static void expect_reason(const char *addr, const ct_btc_params *p, const char *reason)
{
    ct_btc_addr a;
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_btc_addr_decode(&a, addr, p, &err);
    cr_expect_eq(rc, CT_EINVAL, "'%s' decoded but must fail with %s", addr, reason);
    cr_expect_str_eq(err.reason, reason, "'%s': reason %s (%s), expected %s", addr, err.reason,
                     err.detail, reason);
    cr_expect_eq(err.code, CT_EINVAL);
}

/* Decodes and re-encodes; checks type, network and the string. */
static void expect_round_trip(const char *addr, const ct_btc_params *p, ct_btc_script_type type,
                              const ct_btc_params *want_net)
{
    ct_btc_addr a;
    ct_error err;
    char buf[CT_BTC_ADDR_MAX];
    ct_error_clear(&err);
    cr_assert_eq(ct_btc_addr_decode(&a, addr, p, &err), CT_OK, "%s: %s: %s", addr, err.reason,
                 err.detail);
    cr_expect_eq(a.type, type, "%s: type %s", addr, ct_btc_script_type_name(a.type));
    cr_expect_eq(a.net, want_net, "%s: network %s, expected %s", addr, a.net->name, want_net->name);
    cr_assert_eq(ct_btc_addr_encode(buf, sizeof(buf), &a), CT_OK);
    cr_expect_str_eq(buf, addr);
}

/* ---- 99,999 real mainnet addresses ---- */

Test(address, graphsense_round_trip)
{
    const ct_btc_params *mainnet = net("mainnet");
    size_t len;
    char *text = (char *)tu_read_fixture("btc/addresses/graphsense_btc_addresses_100k.txt", &len);
    size_t count[CT_BTC_WITNESS_UNKNOWN + 1] = {0}, total = 0, failures = 0;
    char buf[CT_BTC_ADDR_MAX], hex[2 * 42 + 1];

    for (char *line = text, *next; *line; line = next) {
        next = strchr(line, '\n');
        cr_assert_not_null(next, "last line without newline");
        *next++ = '\0';
        ct_btc_addr a, b;
        ct_error err;
        ct_btc_dest d;
        ct_error_clear(&err);
        total++;
        if (ct_btc_addr_decode(&a, line, mainnet, &err) != CT_OK) {
            cr_expect_fail("%s: %s: %s", line, err.reason, err.detail);
            failures++;
            continue;
        }
        count[a.type]++;
        /* the same with every network tried: mainnet is found first */
        cr_assert_eq(ct_btc_addr_decode(&b, line, NULL, NULL), CT_OK);
        cr_assert_eq(b.net, mainnet);
        cr_assert_eq(ct_btc_addr_encode(buf, sizeof(buf), &a), CT_OK);
        if (strcmp(buf, line) != 0) {
            cr_expect_fail("%s re-encoded as %s", line, buf);
            failures++;
        }
        /* and its scriptPubKey classifies back to the same address */
        addr_script_hex(hex, &a);
        dest_hex(&d, hex, mainnet);
        if (d.type != a.type || d.n_addr != 1 || strcmp(d.addr[0], line) != 0) {
            cr_expect_fail("%s: script %s gives %s %s", line, hex, ct_btc_script_type_name(d.type),
                           d.addr[0]);
            failures++;
        }
    }
    free(text);

    cr_expect_eq(failures, 0);
    cr_expect_eq(total, 99999);
    cr_expect_eq(count[CT_BTC_P2PKH], 50425);
    cr_expect_eq(count[CT_BTC_P2SH], 29105);
    cr_expect_eq(count[CT_BTC_P2WPKH] + count[CT_BTC_P2WSH], 19380);
    cr_expect_eq(count[CT_BTC_P2WPKH], 17901);
    cr_expect_eq(count[CT_BTC_P2WSH], 1479);
    cr_expect_eq(count[CT_BTC_P2TR], 1089);
    cr_expect_eq(count[CT_BTC_WITNESS_UNKNOWN], 0);
    cr_expect_eq(count[CT_BTC_NONSTANDARD], 0);
}

/* ---- BIP173 / BIP350 vectors ---- */

/* Replaces \xHH escapes in place. */
static void unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        if (r[0] == '\\' && r[1] == 'x') {
            int hi = ct_hex_digit(r[2]), lo = hi < 0 ? -1 : ct_hex_digit(r[3]);
            cr_assert(hi >= 0 && lo >= 0, "bad escape in %s", s);
            *w++ = (char)(hi << 4 | lo);
            r += 4;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

static void lowercase(char *out, const char *s)
{
    size_t i = 0;
    for (; s[i]; i++)
        out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    out[i] = '\0';
}

static void check_checksum_valid(const char *encoding, const char *str, int line)
{
    char hrp[CT_BECH32_MAX], again[CT_BECH32_MAX + 1], lower[CT_BECH32_MAX + 1];
    uint8_t data[CT_BECH32_MAX];
    size_t n;
    ct_bech32_enc enc;
    ct_error err;
    ct_error_clear(&err);
    ct_bech32_enc want = strcmp(encoding, "bech32") == 0 ? CT_BECH32 : CT_BECH32M;
    cr_assert(want == CT_BECH32 || strcmp(encoding, "bech32m") == 0, "line %d", line);
    int rc = ct_bech32_decode(hrp, data, &n, &enc, str, &err);
    cr_expect_eq(rc, CT_OK, "line %d: %s: %s %s", line, str, err.reason, err.detail);
    if (rc != CT_OK)
        return;
    cr_expect_eq(enc, want, "line %d: %s decoded as the other checksum", line, str);
    cr_assert_eq(ct_bech32_encode(again, sizeof(again), hrp, data, n, enc), CT_OK);
    lowercase(lower, str);
    cr_expect_str_eq(again, lower, "line %d", line);
}

static void check_checksum_invalid(const char *reason, const char *str, int line)
{
    char hrp[CT_BECH32_MAX];
    uint8_t data[CT_BECH32_MAX];
    size_t n;
    ct_bech32_enc enc;
    ct_error err;
    ct_error_clear(&err);
    cr_expect_eq(ct_bech32_decode(hrp, data, &n, &enc, str, &err), CT_EINVAL, "line %d", line);
    cr_expect_str_eq(err.reason, reason, "line %d: reason %s (%s), expected %s", line, err.reason,
                     err.detail, reason);
}

static void check_address_valid(const char *str, const char *script_hex, int line)
{
    ct_btc_addr a;
    ct_btc_dest d;
    ct_error err;
    char buf[CT_BTC_ADDR_MAX], lower[CT_BTC_ADDR_MAX], hex[2 * 42 + 1];
    ct_error_clear(&err);
    int rc = ct_btc_addr_decode(&a, str, NULL, &err);
    cr_expect_eq(rc, CT_OK, "line %d: %s: %s %s", line, str, err.reason, err.detail);
    if (rc != CT_OK)
        return;
    addr_script_hex(hex, &a);
    cr_expect_str_eq(hex, script_hex, "line %d: %s", line, str);
    lowercase(lower, str);
    cr_assert_eq(ct_btc_addr_encode(buf, sizeof(buf), &a), CT_OK, "line %d", line);
    cr_expect_str_eq(buf, lower, "line %d", line);
    dest_hex(&d, script_hex, a.net);
    cr_expect_eq(d.type, a.type, "line %d", line);
    cr_expect_eq(d.n_addr, 1, "line %d", line);
    cr_expect_str_eq(d.addr[0], lower, "line %d", line);
}

Test(address, bip173_bip350_vectors)
{
    size_t len;
    char *text = (char *)tu_read_fixture("vectors/bip173_bip350.txt", &len);
    int line_no = 0;
    unsigned n_checksum_valid = 0, n_checksum_invalid = 0, n_valid = 0, n_invalid = 0;

    cr_assert(strncmp(text, "# source: ", 10) == 0, "the file names its source first");
    for (char *line = text, *next; *line; line = next) {
        next = strchr(line, '\n');
        cr_assert_not_null(next);
        *next++ = '\0';
        line_no++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[5] = {0};
        int nf = 0;
        for (char *tok = line; tok && nf < 5; nf++) {
            f[nf] = tok;
            tok = strchr(tok, ' ');
            if (tok)
                *tok++ = '\0';
        }
        if (strcmp(f[0], "checksum") == 0 && nf == 4 && strcmp(f[2], "valid") == 0) {
            unescape(f[3]);
            check_checksum_valid(f[1], f[3], line_no);
            n_checksum_valid++;
        } else if (strcmp(f[0], "checksum") == 0 && nf == 5 && strcmp(f[2], "invalid") == 0) {
            unescape(f[4]);
            check_checksum_invalid(f[3], f[4], line_no);
            n_checksum_invalid++;
        } else if (strcmp(f[0], "address") == 0 && nf == 4 && strcmp(f[1], "valid") == 0) {
            check_address_valid(f[2], f[3], line_no);
            n_valid++;
        } else if (strcmp(f[0], "address") == 0 && nf == 4 && strcmp(f[1], "invalid") == 0) {
            unescape(f[3]);
            expect_reason(f[3], NULL, f[2]);
            n_invalid++;
        } else {
            cr_assert_fail("line %d: cannot parse", line_no);
        }
    }
    free(text);
    /* every vector of both BIPs was read */
    cr_expect_eq(n_checksum_valid, 14);
    cr_expect_eq(n_checksum_invalid, 26);
    cr_expect_eq(n_valid, 11);
    cr_expect_eq(n_invalid, 29);
}

Test(address, bech32_encode_limits)
{
    char buf[CT_BECH32_MAX + 1];
    uint8_t data[CT_BECH32_MAX] = {0};
    /* 1 + 1 + 82 + 6 = 90 characters fit, 91 do not */
    cr_expect_eq(ct_bech32_encode(buf, sizeof(buf), "a", data, 82, CT_BECH32), CT_OK);
    cr_expect_eq(strlen(buf), 90);
    cr_expect_eq(ct_bech32_encode(buf, sizeof(buf), "a", data, 83, CT_BECH32), CT_EINVAL);
    cr_expect_eq(ct_bech32_encode(buf, 90, "a", data, 82, CT_BECH32), CT_EINVAL, "no room");
    cr_expect_eq(ct_bech32_encode(buf, sizeof(buf), "BC", data, 1, CT_BECH32), CT_EINVAL);
    cr_expect_eq(ct_bech32_encode(buf, sizeof(buf), "", data, 1, CT_BECH32), CT_EINVAL);
    data[0] = 32;
    cr_expect_eq(ct_bech32_encode(buf, sizeof(buf), "bc", data, 1, CT_BECH32), CT_EINVAL);
    /* BIP173's first vector, encoded from nothing */
    cr_expect_eq(ct_bech32_encode(buf, sizeof(buf), "a", data, 0, CT_BECH32), CT_OK);
    cr_expect_str_eq(buf, "a12uel5l");
    cr_expect_eq(ct_bech32_encode(buf, sizeof(buf), "a", data, 0, CT_BECH32M), CT_OK);
    cr_expect_str_eq(buf, "a1lqfn3a");
}

/* ---- Base58Check ---- */

/* Test values computed independently with python3 (hashlib sha256 and ripemd160, and a
 * Base58 conversion written for the purpose), from hash160 62e907b1...8f18 of the genesis
 * output key. */
#define GENESIS_P2PKH      "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
#define GENESIS_HASH160    "62e907b15cbf27d5425399ebf6f0fb50ebb88f18"
#define GENESIS_TEST_P2PKH "mpXwg4jMtRhuSpVq4xS3HFHmCmWp9NyGKt"
#define GENESIS_TEST_P2SH  "2N2GDNJ4rEm6NxfMC9ck8VuRdheQzXWaNZv"
#define GENESIS_MAIN_P2SH  "3Ai1JZ8pdJb2ksieUV8FsxSNVJCpoPi8W6"
#define GENESIS_LTC_P2PKH  "LUEweDxDA4WhvWiNXXSxjM9CYzHPJv4QQF" /* version byte 0x30 */

Test(address, base58check)
{
    const ct_btc_params *mainnet = net("mainnet"), *test = net("testnet");
    ct_btc_addr a;
    char hex[41];

    expect_round_trip(GENESIS_P2PKH, mainnet, CT_BTC_P2PKH, mainnet);
    cr_assert_eq(ct_btc_addr_decode(&a, GENESIS_P2PKH, mainnet, NULL), CT_OK);
    cr_expect_eq(a.program_len, 20);
    ct_hex_encode(hex, a.program, 20);
    cr_expect_str_eq(hex, GENESIS_HASH160);
    expect_round_trip(GENESIS_MAIN_P2SH, mainnet, CT_BTC_P2SH, mainnet);
    /* hash160 of all zeros: 21 leading zero bytes become 21 '1's */
    expect_round_trip("1111111111111111111114oLvT2", mainnet, CT_BTC_P2PKH, mainnet);

    /* last character changed */
    expect_reason("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", mainnet, "bad-checksum");
    expect_reason("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", NULL, "bad-checksum");
    /* two characters swapped */
    expect_reason("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivNfa", mainnet, "bad-checksum");
    /* the four characters Base58 leaves out */
    expect_reason("1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na", mainnet, "bad-char");
    expect_reason("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivONa", mainnet, "bad-char");
    expect_reason("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivINa", mainnet, "bad-char");
    expect_reason("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivlNa", mainnet, "bad-char");
    expect_reason(" 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", mainnet, "bad-char");
    expect_reason("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n", mainnet, "bad-char");
    /* a version byte no network uses */
    expect_reason(GENESIS_LTC_P2PKH, mainnet, "bad-prefix");
    expect_reason(GENESIS_LTC_P2PKH, NULL, "bad-prefix");
    /* another network's version bytes */
    expect_reason(GENESIS_TEST_P2PKH, mainnet, "wrong-network");
    expect_reason(GENESIS_TEST_P2SH, mainnet, "wrong-network");
    expect_reason(GENESIS_P2PKH, test, "wrong-network");
    expect_reason(GENESIS_MAIN_P2SH, net("regtest"), "wrong-network");

    /* good checksums around payloads of the wrong size */
    char buf[CT_BTC_ADDR_MAX];
    uint8_t payload[CT_BASE58_MAX_DATA] = {0};
    cr_assert_eq(ct_base58check_encode(buf, sizeof(buf), payload, 22), CT_OK);
    expect_reason(buf, mainnet, "bad-length");
    cr_assert_eq(ct_base58check_encode(buf, sizeof(buf), payload, 20), CT_OK);
    expect_reason(buf, mainnet, "bad-length");
    cr_assert_eq(ct_base58check_encode(buf, sizeof(buf), payload, 0), CT_OK);
    expect_reason(buf, mainnet, "bad-length");
    cr_expect_eq(ct_base58check_encode(buf, sizeof(buf), payload, CT_BASE58_MAX_DATA + 1),
                 CT_EINVAL);
    cr_expect_eq(ct_base58check_encode(buf, 5, payload, 21), CT_EINVAL, "buffer too small");

    /* bounds: "", 3 bytes, 100 characters are decoded (and fail on the checksum), 101 are
     * refused before any big-number work */
    expect_reason("", mainnet, "bad-length");
    expect_reason("111", mainnet, "bad-length");
    char s[128];
    memset(s, 'z', 100);
    s[100] = '\0';
    expect_reason(s, mainnet, "bad-checksum");
    memset(s, '1', 100);
    expect_reason(s, mainnet, "bad-checksum");
    s[100] = '1';
    s[101] = '\0';
    expect_reason(s, mainnet, "bad-length");
    expect_reason(s, NULL, "bad-length");

    /* the error names the address */
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_btc_addr_decode(&a, "1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na", mainnet, &err),
                 CT_EINVAL);
    cr_expect_str_eq(err.detail, "address '1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na': '0' at position "
                                 "31 is not a Base58 character");
    ct_error_clear(&err);
    cr_assert_eq(ct_btc_addr_decode(&a, GENESIS_TEST_P2PKH, mainnet, &err), CT_EINVAL);
    cr_expect_str_eq(err.detail,
                     "address '" GENESIS_TEST_P2PKH "': an address of testnet, not of mainnet");
    cr_expect_eq(ct_btc_addr_decode(&a, NULL, mainnet, &err), CT_EINVAL);
}

/* ---- other networks ---- */

/* P2WPKH of the genesis key's hash160 on testnet and regtest, computed with the same
 * python3 helper (its own bech32 checksum code, not ours). */
#define GENESIS_TB_P2WPKH   "tb1qvt5s0v2uhuna2sjnn84ldu8m2r4m3rcclfw5ch"
#define GENESIS_BCRT_P2WPKH "bcrt1qvt5s0v2uhuna2sjnn84ldu8m2r4m3rccaqhe07"
#define GENESIS_BC_P2WPKH   "bc1qvt5s0v2uhuna2sjnn84ldu8m2r4m3rcc4048ry"

Test(address, other_networks)
{
    const ct_btc_params *mainnet = net("mainnet"), *test = net("testnet"), *t4 = net("testnet4"),
                        *sig = net("signet"), *reg = net("regtest");
    ct_btc_addr a;
    char buf[CT_BTC_ADDR_MAX];

    /* testnet, testnet4, signet and regtest share version bytes; "tb" is shared by all but
     * regtest. With no network given, the first match (testnet) is returned. */
    expect_round_trip(GENESIS_TEST_P2PKH, NULL, CT_BTC_P2PKH, test);
    expect_round_trip(GENESIS_TEST_P2SH, NULL, CT_BTC_P2SH, test);
    expect_round_trip(GENESIS_TB_P2WPKH, NULL, CT_BTC_P2WPKH, test);
    expect_round_trip(GENESIS_BCRT_P2WPKH, NULL, CT_BTC_P2WPKH, reg);
    expect_round_trip(GENESIS_BC_P2WPKH, NULL, CT_BTC_P2WPKH, mainnet);
    /* with a network given, that network */
    expect_round_trip(GENESIS_TEST_P2PKH, t4, CT_BTC_P2PKH, t4);
    expect_round_trip(GENESIS_TB_P2WPKH, sig, CT_BTC_P2WPKH, sig);
    expect_round_trip(GENESIS_TEST_P2PKH, reg, CT_BTC_P2PKH, reg);
    expect_round_trip(GENESIS_BCRT_P2WPKH, reg, CT_BTC_P2WPKH, reg);
    expect_reason(GENESIS_TB_P2WPKH, mainnet, "wrong-network");
    expect_reason(GENESIS_TB_P2WPKH, reg, "wrong-network");
    expect_reason(GENESIS_BCRT_P2WPKH, test, "wrong-network");
    expect_reason(GENESIS_BC_P2WPKH, test, "wrong-network");

    /* one hash, encoded for each network */
    cr_assert_eq(ct_btc_addr_decode(&a, GENESIS_P2PKH, mainnet, NULL), CT_OK);
    a.net = sig;
    cr_assert_eq(ct_btc_addr_encode(buf, sizeof(buf), &a), CT_OK);
    cr_expect_str_eq(buf, GENESIS_TEST_P2PKH);
    a.type = CT_BTC_P2SH;
    cr_assert_eq(ct_btc_addr_encode(buf, sizeof(buf), &a), CT_OK);
    cr_expect_str_eq(buf, GENESIS_TEST_P2SH);
    a.type = CT_BTC_P2WPKH;
    a.net = reg;
    cr_assert_eq(ct_btc_addr_encode(buf, sizeof(buf), &a), CT_OK);
    cr_expect_str_eq(buf, GENESIS_BCRT_P2WPKH);
    a.net = t4;
    cr_assert_eq(ct_btc_addr_encode(buf, sizeof(buf), &a), CT_OK);
    cr_expect_str_eq(buf, GENESIS_TB_P2WPKH);
    /* uppercase is accepted and encodes back in lowercase */
    cr_assert_eq(ct_btc_addr_decode(&a, "BCRT1QVT5S0V2UHUNA2SJNN84LDU8M2R4M3RCCAQHE07", NULL, NULL),
                 CT_OK);
    cr_assert_eq(ct_btc_addr_encode(buf, sizeof(buf), &a), CT_OK);
    cr_expect_str_eq(buf, GENESIS_BCRT_P2WPKH);
}

Test(address, segwit_edge_cases)
{
    const ct_btc_params *mainnet = net("mainnet");
    /* a '1' inside the data part */
    expect_reason("bc1qvt5s0v2uhuna2sjnn84ldu8m2r4m3rc14048ry", mainnet, "bad-char");
    /* over 90 characters, and over 100 */
    char s[128] = "bc1q";
    memset(s + 4, 'q', 87);
    s[91] = '\0';
    expect_reason(s, mainnet, "bad-length");
    memset(s + 4, 'q', 100);
    s[104] = '\0';
    expect_reason(s, mainnet, "bad-length");
    /* a bad checksum */
    expect_reason("bc1qvt5s0v2uhuna2sjnn84ldu8m2r4m3rcc4048rz", mainnet, "bad-checksum");
    expect_reason("bc1qvt5s0v2uhuna2sjnn84ldu8m2r4m3rcc4048rz", NULL, "bad-checksum");
    /* too short for a checksum */
    expect_reason("bc1qqqqq", mainnet, "bad-length");
    /* the detail names the address */
    ct_btc_addr a;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_btc_addr_decode(&a, "bc1pw5dgrnzv", mainnet, &err), CT_EINVAL);
    cr_expect_str_eq(err.detail, "address 'bc1pw5dgrnzv': witness program of 1 bytes, not 2 to 40");
}

Test(address, encode_rejects)
{
    const ct_btc_params *mainnet = net("mainnet");
    ct_btc_addr a;
    char buf[CT_BTC_ADDR_MAX];
    cr_assert_eq(
        ct_btc_addr_decode(&a, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
                           NULL, NULL),
        CT_OK);
    cr_expect_eq(a.type, CT_BTC_P2TR);
    ct_btc_addr b = a;
    b.type = CT_BTC_WITNESS_UNKNOWN; /* v1 with 32 bytes is P2TR */
    cr_expect_eq(ct_btc_addr_encode(buf, sizeof(buf), &b), CT_EINVAL);
    b = a;
    b.witness_version = 0; /* v0 with 32 bytes is P2WSH */
    cr_expect_eq(ct_btc_addr_encode(buf, sizeof(buf), &b), CT_EINVAL);
    b.type = CT_BTC_P2WSH;
    cr_expect_eq(ct_btc_addr_encode(buf, sizeof(buf), &b), CT_OK);
    b.program_len = 41;
    b.type = CT_BTC_WITNESS_UNKNOWN;
    b.witness_version = 2;
    cr_expect_eq(ct_btc_addr_encode(buf, sizeof(buf), &b), CT_EINVAL);
    b.program_len = 40;
    cr_expect_eq(ct_btc_addr_encode(buf, sizeof(buf), &b), CT_OK);
    b.witness_version = 17;
    cr_expect_eq(ct_btc_addr_encode(buf, sizeof(buf), &b), CT_EINVAL);
    b = a;
    b.type = CT_BTC_MULTISIG;
    cr_expect_eq(ct_btc_addr_encode(buf, sizeof(buf), &b), CT_EINVAL);
    b.type = CT_BTC_P2PKH; /* 32 bytes */
    cr_expect_eq(ct_btc_addr_encode(buf, sizeof(buf), &b), CT_EINVAL);
    b = a;
    cr_expect_eq(ct_btc_addr_encode(buf, 62, &b), CT_EINVAL, "62 characters need 63 bytes");
    cr_expect_eq(ct_btc_addr_encode(buf, 63, &b), CT_OK);
    ct_btc_params nosegwit = *mainnet;
    nosegwit.hrp = NULL;
    b.net = &nosegwit;
    cr_expect_eq(ct_btc_addr_encode(buf, sizeof(buf), &b), CT_EINVAL);
    b.net = NULL;
    cr_expect_eq(ct_btc_addr_encode(buf, sizeof(buf), &b), CT_EINVAL);
    uint8_t key[33] = {2};
    cr_expect_eq(ct_btc_pubkey_address(buf, sizeof(buf), key, 32, mainnet), CT_EINVAL);
    cr_expect_eq(ct_btc_pubkey_address(buf, sizeof(buf), key, 33, NULL), CT_EINVAL);
}

/* ---- output scripts ---- */

/* Genesis block coinbase output: <65-byte key> OP_CHECKSIG. */
#define GENESIS_XY                                                                                 \
    "678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec1" \
    "1"                                                                                            \
    "2de5c384df7ba0b8d578a4c702b6bf11d5f"
#define GENESIS_KEY "04" GENESIS_XY
/* The same key compressed is 03678afd...61deb6 (y is odd); its P2PKH address was computed
 * with python3: y from x by the curve equation, hash160 = RIPEMD-160(SHA-256(key)) with
 * hashlib = 9f81322cc88622ca4ccb2a52a21e2888727aa535 (the same from `openssl dgst
 * -sha256 -binary | openssl dgst -ripemd160`), then Base58Check with version byte 0. */
#define GENESIS_COMPRESSED_P2PKH "1FYPDCP1uVnPgEE3gaDMbAApdv9XYX7Si5"

Test(script, genesis_p2pk)
{
    ct_btc_dest d;
    dest_hex(&d, "41" GENESIS_KEY "ac", net("mainnet"));
    cr_expect_eq(d.type, CT_BTC_P2PK);
    cr_expect_str_eq(ct_btc_script_type_name(d.type), "p2pk");
    cr_expect_eq(d.n_addr, 1);
    cr_expect_str_eq(d.addr[0], GENESIS_P2PKH);
    cr_expect_str_eq(d.linked[0], GENESIS_COMPRESSED_P2PKH);

    /* the compressed key links back to the uncompressed one */
    dest_hex(&d, "2103678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb6ac",
             net("mainnet"));
    cr_expect_eq(d.type, CT_BTC_P2PK);
    cr_expect_str_eq(d.addr[0], GENESIS_COMPRESSED_P2PKH);
    cr_expect_str_eq(d.linked[0], GENESIS_P2PKH);

    /* the hybrid form (06/07 by the parity of y; y is odd here: 07) shows as its own
     * address, linked to the compressed one */
    dest_hex(&d, "4107" GENESIS_XY "ac", net("mainnet"));
    cr_expect_eq(d.type, CT_BTC_P2PK);
    cr_expect_str_eq(d.addr[0], "18RtxZe1S3MBYgJ3heu6bBjjvrZiCJGJUr");
    cr_expect_str_eq(d.linked[0], GENESIS_COMPRESSED_P2PKH);

    /* for testnet, the same key gives testnet addresses */
    dest_hex(&d, "41" GENESIS_KEY "ac", net("testnet"));
    cr_expect_str_eq(d.addr[0], GENESIS_TEST_P2PKH);
}

Test(script, p2pk_real_compressed)
{
    /* bitcoinj block227835.dat (block 227,835), tx c4f40636...eb01 output 0; addresses
     * computed with the python3 helper described above */
    ct_btc_dest d;
    dest_hex(&d, "2103ddcdae35e28aca364daa1397612d2dafd891ee136d2ca5ab83faff6bc12ed67eac",
             net("mainnet"));
    cr_expect_eq(d.type, CT_BTC_P2PK);
    cr_expect_str_eq(d.addr[0], "1PFuyVjbru5wwnTZzP1McGTBGmiB67ckgj");
    cr_expect_str_eq(d.linked[0], "18KA1wtbFdxRJR5qLmhqVuoYVFFQZLx2oV");
}

Test(script, p2pk_invalid_key)
{
    ct_btc_dest d;
    const ct_btc_params *mainnet = net("mainnet");
    /* x = 2^256 - 1 is not a field element: the size is right, the point is not (address
     * from the python3 helper) */
    dest_hex(&d, "2102ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffac", mainnet);
    cr_expect_eq(d.type, CT_BTC_P2PK);
    cr_expect_eq(d.n_addr, 1);
    cr_expect_str_eq(d.addr[0], "14kDNktHa2gEVxhtS2upv9tpZQGhUnyHHd");
    cr_expect_str_eq(d.linked[0], "");
    /* (0, 0) is not on the curve */
    char hex[2 * 67 + 1] = "4104";
    memset(hex + 4, '0', 128);
    memcpy(hex + 132, "ac", 3);
    dest_hex(&d, hex, mainnet);
    cr_expect_eq(d.type, CT_BTC_P2PK);
    cr_expect_str_eq(d.linked[0], "");
    /* wrong first byte for the size: not P2PK (Core's CPubKey::ValidSize) */
    dest_hex(&d, "2104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb6ac", mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    dest_hex(&d, "4105" GENESIS_XY "ac", mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    /* OP_CHECKSIGVERIFY instead of OP_CHECKSIG */
    dest_hex(&d, "41" GENESIS_KEY "ad", mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    cr_expect_eq(d.n_addr, 0);
}

/* Real outputs. Expected addresses computed independently with python3 (hashlib, and
 * Base58/bech32 conversions written for the purpose, not chaintrail's). */
Test(script, real_outputs)
{
    const ct_btc_params *mainnet = net("mainnet");
    ct_btc_dest d;

    /* bcoin block482683.raw (block 482,683), coinbase a08b40a5...b395 output 0 */
    dest_hex(&d, "76a9143abf61fe3281230780ed82676f9fa971e95f7ac188ac", mainnet);
    cr_expect_eq(d.type, CT_BTC_P2PKH);
    cr_expect_eq(d.n_addr, 1);
    cr_expect_str_eq(d.addr[0], "16MdTdqmXusauybtXTmFEW4GNFPPgGxQYE");
    cr_expect_str_eq(d.linked[0], "");

    /* same block, tx 1da503ed...82da output 1 */
    dest_hex(&d, "a914ad3ea1811508540851ff10ba4c53351acb3e82ab87", mainnet);
    cr_expect_eq(d.type, CT_BTC_P2SH);
    cr_expect_str_eq(d.addr[0], "3HV3rQ9jEHsfnmn91wzU4MQx8sVQPNW7Sr");

    /* btcd block540107 (block 540,107), coinbase 5301a783...63ed output 0 */
    dest_hex(&d, "001497cfc76442fe717f2a3f0cc9c175f7561b661997", mainnet);
    cr_expect_eq(d.type, CT_BTC_P2WPKH);
    cr_expect_str_eq(ct_btc_script_type_name(d.type), "p2wpkh");
    cr_expect_str_eq(d.addr[0], "bc1qjl8uwezzlech723lpnyuza0h2cdkvxvh54v3dn");

    /* No fixture block holds P2WSH or P2TR outputs: these two are addresses of the
     * graphsense list (lines 10,020 and 40,327), which were paid on mainnet; the scripts
     * were derived from them with the python3 helper. */
    dest_hex(&d, "00204b12d7d50e32a64cb25551c9593741bc8c2212003eb44cfe6063deff3a609a5d", mainnet);
    cr_expect_eq(d.type, CT_BTC_P2WSH);
    cr_expect_str_eq(d.addr[0], "bc1qfvfd04gwx2nyevj428y4jd6phjxzyysq866yelnqv0007wnqnfwsv77ygu");
    dest_hex(&d, "512076698d69fc2dc0acfb45a871abe5e803b1a53d84936963af3b9ecec06b019a61", mainnet);
    cr_expect_eq(d.type, CT_BTC_P2TR);
    cr_expect_str_eq(ct_btc_script_type_name(d.type), "p2tr");
    cr_expect_str_eq(d.addr[0], "bc1pwe5c660u9hq2e7694pc6he0gqwc620vyjd5k8temnm8vq6cpnfssqnklx4");

    /* segwit commitment of the block 540,107 coinbase (output 1): OP_RETURN <36 bytes> */
    size_t len;
    uint8_t *script =
        unhex("6a24aa21a9ed7c6e421f55cf406e383b46d829600dee545f127de76bb3ec4dc8fea7ea96d709", &len);
    cr_assert_eq(ct_btc_script_dest(&d, script, len, mainnet), CT_OK);
    cr_expect_eq(d.type, CT_BTC_NULLDATA);
    cr_expect_eq(d.n_addr, 0);
    cr_expect(d.data == script + 1, "data points into the script");
    cr_expect_eq(d.data_len, 37);
    char hex[2 * 37 + 1];
    ct_hex_encode(hex, d.data, d.data_len);
    cr_expect_str_eq(hex,
                     "24aa21a9ed7c6e421f55cf406e383b46d829600dee545f127de76bb3ec4dc8fea7ea96d709");
    free(script);

    /* output 2 of that coinbase: "RSKBLOCK:" and a hash, which reads as OP_2 OP_3 and a
     * 75-byte push running past the end */
    dest_hex(&d,
             "52534b424c4f434b3ae3fc068128effed4a212959a1f8fde5d7caa01226071d40c530b99f90e099ed5",
             mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    cr_expect_eq(d.n_addr, 0);
}

Test(script, bare_multisig)
{
    const ct_btc_params *mainnet = net("mainnet");
    ct_btc_dest d;

    /* 1-of-2 from bitcoinj block370661.dat (block 370,661), tx 848a3cbb...f0f8 output 0;
     * addresses and the uncompressed forms of the keys computed with the python3 helper */
    dest_hex(&d,
             "5121030a51f66659f279973f9e338747ee00ce7b45587d1bfaa71720bd3b180a14859f210229cb4d524e1"
             "bd88e8b3ff5feb4900616aaaad752830a7844e0d3ef48d0b42f0d52ae",
             mainnet);
    cr_expect_eq(d.type, CT_BTC_MULTISIG);
    cr_expect_str_eq(ct_btc_script_type_name(d.type), "multisig");
    cr_expect_eq(d.m, 1);
    cr_expect_eq(d.n_addr, 2);
    cr_expect_str_eq(d.addr[0], "1CRne14GDzTQvKYv1uNuitocTNptF3qKCX");
    cr_expect_str_eq(d.linked[0], "13z58TLe4z42jHu7mQDC6L495gAMgC2wUP");
    cr_expect_str_eq(d.addr[1], "1BtwHfQL3YoheYDB8QC7YTSdiJGTNQw2uB");
    cr_expect_str_eq(d.linked[1], "1B2MFGqH1fr1gEt9nwvtXnrEdDn7qbbwrC");

    /* 1-of-3 from bcoin block300025.raw (block 300,025), tx 5ceec2d8...8cec output 0: the
     * first two "keys" carry data and are not points of the curve */
    dest_hex(&d,
             "5141047b00000078da0dca3b0ec2300c00d0ab4466ed10e763272c6c9ca052972c69e3884a90220842"
             "15e2eef0e6f781656b5d5a87231cd4349e534b6dea55ad4ff55e4104fb45eddb6b50b7dc4ea9c1000f"
             "b95ff771fb677285b46374b4d83097ea6d6509d5a3b3993912c5a071e658d18bb38e0a1a31dee45a84"
             "b5c10cdf1f3cb92415002102f884647516015a0f5861633406a0c8b2ef2d8967aa61a97a5fc2b14bf0"
             "ce23ba53ae",
             mainnet);
    cr_expect_eq(d.type, CT_BTC_MULTISIG);
    cr_expect_eq(d.m, 1);
    cr_expect_eq(d.n_addr, 3);
    cr_expect_str_eq(d.addr[0], "18RhthLqBgVVBwW4bTDoHJwdtpcgS56tAb");
    cr_expect_str_eq(d.linked[0], "");
    cr_expect_str_eq(d.addr[1], "1F1GHTKUKwF9AP4KHGi9iVX4HF1p3G3335");
    cr_expect_str_eq(d.linked[1], "");
    cr_expect_str_eq(d.addr[2], "1FvXo7PSxHzFx79AwFF49zPaugGR7G5bb3");
    cr_expect_str_eq(d.linked[2], "1NjiYdKgqyYpwYqEYLLsSUj6U1m9yjPKXG");

    /* same block, tx df0df592...46a2 output 1: the second push starts with 0x1c, no key
     * size, so Core's Solver calls it nonstandard */
    dest_hex(&d,
             "51210264af1414a01efb0c0381767acc16cf5f271ba49d3a3272b60520da7c95a85c2b211c434e5452505"
             "2545900000000000000000000000100000002fe293fb30000000052ae",
             mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    cr_expect_eq(d.n_addr, 0);
}

/* Appends s to the string in out[0..size). */
static void append(char *out, size_t size, const char *s)
{
    size_t have = strlen(out), n = strlen(s);
    cr_assert(have + n < size);
    memcpy(out + have, s, n + 1);
}

#define MULTISIG_HEX_MAX (2 * (2 + 21 * 35 + 3) + 1)

/* Builds <m> <n keys> <n> OP_CHECKMULTISIG as hex from opcode strings; every key is the
 * genesis key, compressed. */
static void multisig_hex(char *out, const char *m_op, unsigned n, const char *key_push,
                         const char *n_op)
{
    out[0] = '\0';
    append(out, MULTISIG_HEX_MAX, m_op);
    for (unsigned i = 0; i < n; i++) {
        append(out, MULTISIG_HEX_MAX, key_push);
        append(out, MULTISIG_HEX_MAX,
               "03678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb6");
    }
    append(out, MULTISIG_HEX_MAX, n_op);
    append(out, MULTISIG_HEX_MAX, "ae");
}

Test(script, multisig_numbers)
{
    const ct_btc_params *mainnet = net("mainnet");
    ct_btc_dest d;
    static char hex[MULTISIG_HEX_MAX];

    /* 20 keys: n = 20 is pushed as 01 14 (OP_16 is the last small integer) */
    multisig_hex(hex, "51", 20, "21", "0114");
    dest_hex(&d, hex, mainnet);
    cr_expect_eq(d.type, CT_BTC_MULTISIG);
    cr_expect_eq(d.n_addr, 20);
    cr_expect_str_eq(d.addr[19], GENESIS_COMPRESSED_P2PKH);
    cr_expect_str_eq(d.linked[19], GENESIS_P2PKH);
    /* m = 17 of 20 */
    multisig_hex(hex, "0111", 20, "21", "0114");
    dest_hex(&d, hex, mainnet);
    cr_expect_eq(d.type, CT_BTC_MULTISIG);
    cr_expect_eq(d.m, 17);
    /* 21 keys: over the limit */
    multisig_hex(hex, "51", 21, "21", "0115");
    dest_hex(&d, hex, mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    /* m > n */
    multisig_hex(hex, "53", 2, "21", "52");
    dest_hex(&d, hex, mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    /* n does not match the keys */
    multisig_hex(hex, "51", 2, "21", "53");
    dest_hex(&d, hex, mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    /* m = 0 */
    multisig_hex(hex, "00", 1, "21", "51");
    dest_hex(&d, hex, mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    /* 2 pushed as 01 02 is not minimal: Core wants OP_2 */
    multisig_hex(hex, "51", 2, "21", "0102");
    dest_hex(&d, hex, mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    /* keys pushed with OP_PUSHDATA1 are keys all the same for Solver */
    multisig_hex(hex, "51", 2, "4c21", "52");
    dest_hex(&d, hex, mainnet);
    cr_expect_eq(d.type, CT_BTC_MULTISIG);
    cr_expect_eq(d.n_addr, 2);
    /* anything after OP_CHECKMULTISIG */
    multisig_hex(hex, "51", 1, "21", "51");
    append(hex, sizeof(hex), "ae");
    dest_hex(&d, hex, mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
}

Test(script, witness_and_nonstandard)
{
    const ct_btc_params *mainnet = net("mainnet");
    ct_btc_dest d;
    char hex[65];

    /* witness v0 with a 25-byte program */
    dest_hex(&d, "0019000102030405060708090a0b0c0d0e0f101112131415161718", mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    cr_expect_eq(d.n_addr, 0);
    /* v1 with 2 bytes (the pay-to-anchor output), v16 with 40 bytes: bech32m */
    dest_hex(&d, "51024e73", mainnet);
    cr_expect_eq(d.type, CT_BTC_WITNESS_UNKNOWN);
    cr_expect_str_eq(ct_btc_script_type_name(d.type), "witness_unknown");
    cr_expect_str_eq(d.addr[0], "bc1pfeessrawgf");
    dest_hex(&d, "6002751e", mainnet);
    cr_expect_eq(d.type, CT_BTC_WITNESS_UNKNOWN);
    cr_expect_str_eq(d.addr[0], "bc1sw50qgdz25j"); /* BIP350 vector */
    /* 1-byte and 41-byte programs are not witness programs */
    dest_hex(&d, "5101ff", mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    dest_hex(
        &d,
        "5129000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728",
        mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    /* OP_PUSHDATA1 of 20 bytes after OP_0 is not a witness program */
    dest_hex(&d, "004c14751e76e8199196d454941c45d1b3a323f1433bd6", mainnet);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);

    /* empty script: nonstandard, identity = SHA-256("") */
    cr_assert_eq(ct_btc_script_dest(&d, NULL, 0, mainnet), CT_OK);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    cr_expect_eq(d.n_addr, 0);
    ct_hex_encode(hex, d.script_hash, 32);
    cr_expect_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cr_expect_str_eq(ct_btc_script_type_name(d.type), "nonstandard");

    /* the hash is of the script for every type */
    dest_hex(&d, "6a", mainnet);
    cr_expect_eq(d.type, CT_BTC_NULLDATA);
    cr_expect_eq(d.data_len, 0);
    uint8_t want[32], op_return = 0x6a;
    ct_sha256(want, &op_return, 1);
    cr_expect_arr_eq(d.script_hash, want, 32);
    /* OP_RETURN followed by a non-push: still NULLDATA here (Core's Solver: nonstandard) */
    uint8_t ret_checksig[2] = {0x6a, 0xac};
    cr_assert_eq(ct_btc_script_dest(&d, ret_checksig, 2, mainnet), CT_OK);
    cr_expect_eq(d.type, CT_BTC_NULLDATA);
    cr_expect_eq(d.data_len, 1);
    cr_expect(d.data == ret_checksig + 1);

    /* a network without segwit addresses */
    ct_btc_params nosegwit = *mainnet;
    nosegwit.hrp = NULL;
    dest_hex(&d, "001497cfc76442fe717f2a3f0cc9c175f7561b661997", &nosegwit);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    cr_expect_eq(d.n_addr, 0);
    dest_hex(&d, "76a9143abf61fe3281230780ed82676f9fa971e95f7ac188ac", &nosegwit);
    cr_expect_eq(d.type, CT_BTC_P2PKH);
    /* no network at all */
    uint8_t s[1] = {0x6a};
    cr_expect_eq(ct_btc_script_dest(&d, s, 1, NULL), CT_EINVAL);
    cr_expect_eq(d.type, CT_BTC_NONSTANDARD);
    cr_expect_eq(ct_btc_script_dest(&d, NULL, 1, mainnet), CT_EINVAL);
    cr_expect_eq(ct_btc_script_dest(NULL, s, 1, mainnet), CT_EINVAL);

    cr_expect_str_eq(ct_btc_script_type_name(CT_BTC_P2PKH), "p2pkh");
    cr_expect_str_eq(ct_btc_script_type_name(CT_BTC_P2SH), "p2sh");
    cr_expect_str_eq(ct_btc_script_type_name(CT_BTC_P2WSH), "p2wsh");
    cr_expect_str_eq(ct_btc_script_type_name(CT_BTC_NULLDATA), "nulldata");
}

/* Every prefix of some real scripts, and pseudo-random bytes: no crash, no read past the
 * end (the sanitizer build watches), and each prefix hashed as itself. */
Test(script, any_bytes)
{
    const ct_btc_params *mainnet = net("mainnet");
    static const char *const scripts[] = {
        "41" GENESIS_KEY "ac",
        ("5121030a51f66659f279973f9e338747ee00ce7b45587d1bfaa71720bd3b180a14859f210229cb4d524e1bd88"
         "e8b3ff5feb4900616aaaad752830a7844e0d3ef48d0b42f0d52ae"),
        "76a9143abf61fe3281230780ed82676f9fa971e95f7ac188ac",
        "512076698d69fc2dc0acfb45a871abe5e803b1a53d84936963af3b9ecec06b019a61",
        "4dffff00",
        "4effffffff00",
        "4c",
        "51",
    };
    ct_btc_dest d;
    uint8_t want[32];
    unsigned multisig = 0, witness = 0;
    for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
        size_t len;
        uint8_t *full = unhex(scripts[i], &len);
        for (size_t n = 0; n <= len; n++) {
            /* a copy of exactly n bytes, so that ASan sees any read past it */
            uint8_t *s = n ? malloc(n) : NULL;
            if (n)
                memcpy(s, full, n);
            cr_assert_eq(ct_btc_script_dest(&d, s, n, mainnet), CT_OK);
            ct_sha256(want, s ? s : (const uint8_t *)"", n);
            cr_assert_arr_eq(d.script_hash, want, 32);
            free(s);
            if (n == len)
                continue;
            /* the first 35 bytes of the multisig script are OP_1 and a 33-byte push: a
             * witness program of version 1; every other proper prefix is nonstandard */
            multisig += d.type == CT_BTC_MULTISIG;
            witness += d.type == CT_BTC_WITNESS_UNKNOWN;
            cr_assert(d.type == CT_BTC_NONSTANDARD || (i == 1 && n == 35),
                      "a proper prefix of %s is %s", scripts[i], ct_btc_script_type_name(d.type));
        }
        free(full);
    }
    cr_expect_eq(multisig, 0);
    cr_expect_eq(witness, 1);

    uint64_t x = 0x9e3779b97f4a7c15u;
    uint8_t buf[64];
    for (int round = 0; round < 20000; round++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = x % sizeof(buf);
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[k] = (uint8_t)x;
        }
        /* bias towards the opcodes the templates look at */
        if (n > 0 && round % 2)
            buf[0] = (uint8_t)(0x50 + x % 17);
        if (n > 0 && round % 3 == 0)
            buf[n - 1] = 0xae;
        cr_assert_eq(ct_btc_script_dest(&d, buf, n, mainnet), CT_OK);
        cr_assert(d.n_addr <= CT_BTC_MULTISIG_KEYS);
    }
}

/* ---- against the answers of Bitcoin Core ---- */

static const char *core_type(const char *t)
{
    static const char *const map[][2] = {
        {"pubkey", "p2pk"},
        {"pubkeyhash", "p2pkh"},
        {"scripthash", "p2sh"},
        {"multisig", "multisig"},
        {"nulldata", "nulldata"},
        {"nonstandard", "nonstandard"},
        {"witness_v0_keyhash", "p2wpkh"},
        {"witness_v0_scripthash", "p2wsh"},
        {"witness_v1_taproot", "p2tr"},
        {"witness_unknown", "witness_unknown"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], t) == 0)
            return map[i][1];
    return "?";
}

static void check_output(const char *hex, const char *type, json_t *addresses, const char *file,
                         unsigned *checked)
{
    ct_btc_dest d;
    cr_assert(hex && type && json_is_array(addresses), "%s", file);
    dest_hex(&d, hex, net("mainnet"));
    cr_expect_str_eq(ct_btc_script_type_name(d.type), core_type(type), "%s: %s", file, hex);
    cr_expect_eq(d.n_addr, json_array_size(addresses), "%s: %s", file, hex);
    for (size_t i = 0; i < json_array_size(addresses) && i < d.n_addr; i++)
        cr_expect_str_eq(d.addr[i], json_string_value(json_array_get(addresses, i)), "%s: %s", file,
                         hex);
    (*checked)++;
}

/* Finds every scriptPubKey object of a getblock/getrawtransaction answer of Bitcoin Core. */
static void walk_core(json_t *j, const char *file, unsigned *checked)
{
    if (json_is_object(j)) {
        json_t *spk = json_object_get(j, "scriptPubKey");
        if (json_is_object(spk))
            check_output(json_string_value(json_object_get(spk, "hex")),
                         json_string_value(json_object_get(spk, "type")),
                         json_object_get(spk, "addresses"), file, checked);
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v)
        {
            if (strcmp(key, "scriptPubKey") != 0)
                walk_core(v, file, checked);
        }
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            walk_core(v, file, checked);
        }
    }
}

/* The bitcoin-etl fixtures hold raw answers of Bitcoin Core (rpc_response_*.json: type and
 * addresses as Core printed them, P2PK shown as the key's P2PKH address) and what
 * bitcoin-etl derived from them (expected_transactions.json, one JSON per line). */
Test(script, bitcoin_core_answers)
{
    char *dir = tu_fixture("btc/rpc_json/bitcoin-etl");
    DIR *top = opendir(dir);
    cr_assert_not_null(top, "%s", dir);
    unsigned core = 0, etl = 0;
    struct dirent *e;
    while ((e = readdir(top)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[1024];
        snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
        DIR *in = opendir(sub);
        if (!in)
            continue; /* the LICENSE file */
        struct dirent *f;
        while ((f = readdir(in)) != NULL) {
            char path[2048];
            size_t len;
            snprintf(path, sizeof(path), "%s/%s", sub, f->d_name);
            if (strncmp(f->d_name, "rpc_response_", 13) == 0) {
                char *text = (char *)tu_read_file(path, &len);
                cr_assert_not_null(text);
                json_error_t jerr;
                json_t *j = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
                cr_assert_not_null(j, "%s: %s", path, jerr.text);
                walk_core(j, path, &core);
                json_decref(j);
                free(text);
            } else if (strcmp(f->d_name, "expected_transactions.json") == 0) {
                char *text = (char *)tu_read_file(path, &len);
                cr_assert_not_null(text);
                for (char *line = text, *next; *line; line = next) {
                    next = strchr(line, '\n');
                    if (next)
                        *next++ = '\0';
                    else
                        next = line + strlen(line);
                    if (!*line)
                        continue;
                    json_error_t jerr;
                    json_t *tx = json_loads(line, 0, &jerr);
                    cr_assert_not_null(tx, "%s: %s", path, jerr.text);
                    size_t i;
                    json_t *o;
                    json_array_foreach(json_object_get(tx, "outputs"), i, o)
                    {
                        check_output(json_string_value(json_object_get(o, "script_hex")),
                                     json_string_value(json_object_get(o, "type")),
                                     json_object_get(o, "addresses"), path, &etl);
                    }
                    json_decref(tx);
                }
                free(text);
            }
        }
        closedir(in);
    }
    closedir(top);
    free(dir);
    /* Core's answers: 10 P2PK and 4 P2PKH outputs; bitcoin-etl's: 7 P2PK and 4 P2PKH (the
     * same blocks appear in several folders) */
    cr_expect_eq(core, 14, "%u outputs in Core's answers", core);
    cr_expect_eq(etl, 11, "%u outputs in bitcoin-etl's", etl);
}
