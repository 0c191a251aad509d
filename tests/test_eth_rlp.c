/* RLP (chains/ethereum/rlp.c) and the envelope rules of ct_eth_tx_decode: every
 * bad-inputs.md case E1-E7 with its exact reason and offset, the canonical forms that must
 * be accepted, and the encoder round trip. The vectors are written here as hex; the
 * invalid ones cover the kinds of case of ethereum/tests RLPTests/invalidRLPTest.json
 * (none copied from it). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>
#include <string.h>

#include "chaintrail/ethereum.h"
#include "ethereum/rlp.h"
#include "testutil.h"
#include "base/util.h"

static size_t unhex(uint8_t *out, const char *hex)
{
    size_t n = strlen(hex) / 2;
    cr_assert_eq(ct_hex_decode(out, hex, n), CT_OK, "bad test hex %s", hex);
    return n;
}

/* Walks every item of data recursively, as a strict decoder must. */
static int walk(ct_rlp *r, ct_error *err, unsigned depth)
{
    while (!ct_rlp_done(r)) {
        ct_rlp_item it;
        int rc = ct_rlp_next(r, &it, err);
        if (rc)
            return rc;
        if (it.is_list) {
            ct_rlp child;
            ct_rlp_enter(&child, r, &it);
            if (depth > 64)
                return CT_EINVAL;
            if ((rc = walk(&child, err, depth + 1)))
                return rc;
        }
    }
    return CT_OK;
}

static int walk_hex(const char *hex, ct_error *err)
{
    uint8_t buf[512];
    size_t n = unhex(buf, hex);
    ct_rlp r;
    ct_rlp_init(&r, buf, n, 0);
    ct_error_clear(err);
    return walk(&r, err, 0);
}

/* By value: Criterion runs each parameter in a new process, where pointers to strings
 * would not be valid. */
typedef struct bad_case {
    char hex[200];
    char reason[48];
    uint64_t offset;
} bad_case;

ParameterizedTestParameters(eth_rlp, invalid)
{
    static bad_case cases[] = {
        /* E1: a single byte below 0x80 wrapped as a string */
        {"8100", "non-canonical size", 0},
        {"8101", "non-canonical size", 0},
        {"817f", "non-canonical size", 0},
        {"c28100", "non-canonical size", 1},
        /* E2: long form below 56, leading zero in the length */
        {"b800", "non-canonical size", 0},
        {"b80100", "non-canonical size", 0},
        {"b8370011223344556677889900112233445566778899001122334455667788990011223344556677"
         "8899001122334455",
         "non-canonical size", 0},
        {"f803112233", "non-canonical size", 0},
        {"b90040", "non-canonical size", 0},
        {"f90040", "non-canonical size", 0},
        {"ba000040", "non-canonical size", 0},
        /* E3: sizes beyond the input or the enclosing list */
        {"bf0f000000000000021111", "value size exceeds available input", 0},
        {"bfffffffffffffffff", "value size exceeds available input", 0},
        {"b9ffff", "value size exceeds available input", 0},
        {"83aabb", "value size exceeds available input", 0},
        {"81", "value size exceeds available input", 0},
        {"c5", "value size exceeds available input", 0},
        {"f9ffff00", "value size exceeds available input", 0},
        {"c383aabb00", "element larger than list", 1},
        {"c2c3010203", "element larger than list", 1},
        {"c4bf0f000000", "element larger than list", 1},
    };
    return cr_make_param_array(bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(bad_case *c, eth_rlp, invalid)
{
    ct_error err;
    cr_assert_eq(walk_hex(c->hex, &err), CT_ECORRUPT, "%s accepted", c->hex);
    cr_assert_str_eq(err.reason, c->reason, "%s: %s (%s)", c->hex, err.reason, err.detail);
    cr_assert_eq(err.offset, c->offset, "%s: offset %llu", c->hex, (unsigned long long)err.offset);
}

Test(eth_rlp, canonical_forms_accepted)
{
    const char *ok[] = {
        "00",
        "7f",
        "80",
        "8180",
        "81ff",
        "c0",
        "c7c0c1c0c3c0c1c0",
        "83646f67",
        "c88363617483646f67",
        /* 56 bytes: the first size that takes the long form */
        "b838000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425"
        "262728292a2b2c2d2e2f3031323334353637",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ct_error err;
        cr_assert_eq(walk_hex(ok[i], &err), CT_OK, "%s: %s", ok[i], err.reason);
    }
}

/* E4, E5: integers. */
Test(eth_rlp, integers)
{
    uint8_t buf[64];
    ct_error err;
    ct_rlp r;
    uint64_t v;
    ct_u256 w;

    size_t n = unhex(buf, "820001");
    ct_rlp_init(&r, buf, n, 0);
    ct_error_clear(&err);
    cr_assert_eq(ct_rlp_u64(&r, &v, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "non-canonical integer");

    n = unhex(buf, "00"); /* zero is the empty string, not 0x00 */
    ct_rlp_init(&r, buf, n, 0);
    cr_assert_eq(ct_rlp_u64(&r, &v, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "non-canonical integer");

    n = unhex(buf, "88ffffffffffffffff");
    ct_rlp_init(&r, buf, n, 0);
    cr_assert_eq(ct_rlp_u64(&r, &v, &err), CT_OK);
    cr_assert_eq(v, UINT64_MAX);

    n = unhex(buf, "89010000000000000000"); /* 2^64: nine bytes */
    ct_rlp_init(&r, buf, n, 0);
    ct_error_clear(&err);
    cr_assert_eq(ct_rlp_u64(&r, &v, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "integer too wide");
    ct_rlp_init(&r, buf, n, 0);
    cr_assert_eq(ct_rlp_u256(&r, &w, &err), CT_OK);
    cr_assert(w.w[0] == 0 && w.w[1] == 1 && w.w[2] == 0 && w.w[3] == 0);

    /* 2^256 - 1 fits, 2^256 (33 bytes) does not */
    n = unhex(buf, "a0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    ct_rlp_init(&r, buf, n, 0);
    cr_assert_eq(ct_rlp_u256(&r, &w, &err), CT_OK);
    cr_assert_eq(ct_u256_bits(&w), 256);
    n = unhex(buf, "a1010000000000000000000000000000000000000000000000000000000000000000");
    ct_rlp_init(&r, buf, n, 0);
    ct_error_clear(&err);
    cr_assert_eq(ct_rlp_u256(&r, &w, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "integer too wide");
    /* a 32-byte value with a leading zero: non-canonical, not "fits" */
    n = unhex(buf, "a000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    ct_rlp_init(&r, buf, n, 0);
    cr_assert_eq(ct_rlp_u256(&r, &w, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "non-canonical integer");
}

Test(eth_rlp, encoder_round_trip)
{
    ct_buf b;
    ct_buf_init(&b, 1 << 20);
    uint8_t long_str[60];
    memset(long_str, 0x55, sizeof long_str);
    size_t mark = ct_rlp_list_begin(&b);
    cr_assert_eq(ct_rlp_put_u64(&b, 0), CT_OK);
    cr_assert_eq(ct_rlp_put_u64(&b, 0x7f), CT_OK);
    cr_assert_eq(ct_rlp_put_u64(&b, 0x80), CT_OK);
    cr_assert_eq(ct_rlp_put_u64(&b, 1024), CT_OK);
    cr_assert_eq(ct_rlp_put_string(&b, long_str, sizeof long_str), CT_OK);
    cr_assert_eq(ct_rlp_list_end(&b, mark), CT_OK);
    char hex[256];
    ct_hex_encode(hex, b.data, b.len);
    char want[256] = "f845807f8180820400b83c";
    for (size_t i = 0; i < 60; i++)
        memcpy(want + 22 + 2 * i, "55", 3);
    cr_assert_str_eq(hex, want);
    /* Decode it back: five fields with the values put in. */
    ct_rlp r, f;
    ct_rlp_item it;
    ct_error err;
    uint64_t v;
    ct_rlp_init(&r, b.data, b.len, 0);
    cr_assert_eq(ct_rlp_list(&r, &f, &it, &err), CT_OK);
    cr_assert_eq(it.size, b.len);
    cr_assert_eq(ct_rlp_u64(&f, &v, &err), CT_OK);
    cr_assert_eq(v, 0);
    cr_assert_eq(ct_rlp_u64(&f, &v, &err), CT_OK);
    cr_assert_eq(v, 0x7f);
    cr_assert_eq(ct_rlp_u64(&f, &v, &err), CT_OK);
    cr_assert_eq(v, 0x80);
    cr_assert_eq(ct_rlp_u64(&f, &v, &err), CT_OK);
    cr_assert_eq(v, 1024);
    cr_assert_eq(ct_rlp_string(&f, &it, &err), CT_OK);
    cr_assert_eq(it.len, 60);
    cr_assert_eq(it.size, 62);
    cr_assert_eq(ct_rlp_end(&f, &err), CT_OK);
    ct_buf_release(&b);
}

/* ethereum/tests RLPTests/invalidRLPTest.json (MIT, fixtures/eth/rlp_tests/): all 17 are
 * rejected, the two int32Overflow cases for their size, the rest as non-canonical. */
Test(eth_rlp, ethereum_tests_invalid)
{
    char *path = tu_fixture("eth/rlp_tests/invalidRLPTest.json");
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    cr_assert(root, "%s: %s", path, jerr.text);
    const char *name;
    json_t *c;
    size_t n = 0;
    json_object_foreach(root, name, c)
    {
        const char *out = json_string_value(json_object_get(c, "out"));
        cr_assert(out);
        if (out[0] == '0' && out[1] == 'x')
            out += 2;
        char lower[512];
        size_t len = strlen(out);
        cr_assert_lt(len, sizeof lower);
        for (size_t i = 0; i <= len; i++)
            lower[i] = (char)(out[i] >= 'A' && out[i] <= 'F' ? out[i] + 32 : out[i]);
        ct_error err;
        cr_assert_eq(walk_hex(lower, &err), CT_ECORRUPT, "%s accepted", name);
        const char *want = strncmp(name, "int32Overflow", 13) == 0
                               ? "value size exceeds available input"
                               : "non-canonical size";
        cr_assert_str_eq(err.reason, want, "%s: %s", name, err.reason);
        n++;
    }
    cr_assert_eq(n, 17);
    json_decref(root);
    free(path);
}
