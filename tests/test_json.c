/* The strict JSON parser (engine/base/json.c): a table of documents that must parse (y_) and
 * must not (n_), in the spirit of JSONTestSuite, written here by hand; each n_ case names
 * the reason and the byte offset the parser must report. Then the tape (types, counts,
 * navigation), string decoding, exact number text, the depth bound on 100,000 '[',
 * duplicate keys in large objects, and a throughput sanity check. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "testutil.h"

typedef struct jcase {
    const char *name;
    const char *text;
    size_t len; /* 0: strlen(text) */
} jcase;

#define Y(name, text)                                                                              \
    {                                                                                              \
        name, text, 0                                                                              \
    }

static const jcase yes[] = {
    Y("y_array_empty", "[]"),
    Y("y_object_empty", "{}"),
    Y("y_ws_around", " \t\r\n[ 1 , 2 ]\n"),
    Y("y_number_zero", "0"),
    Y("y_number_neg_zero", "-0"),
    Y("y_number_frac", "[1.5, -0.25]"),
    Y("y_number_exp", "[1e10, 1E+2, 1e-2, 0e0, -1.0E-0]"),
    Y("y_number_huge_exp", "[1e999999999999999999999999]"),
    Y("y_number_big_int", "[123456789012345678901234567890123456789]"),
    Y("y_string_empty", "\"\""),
    Y("y_string_escapes", "[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"]"),
    Y("y_string_u_escape", "[\"\\u0041\\u00e9\\u20AC\"]"),
    Y("y_string_surrogate_pair", "[\"\\uD83D\\uDE00\"]"),
    Y("y_string_utf8_2_3_4", "[\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]"),
    Y("y_string_u0000_escape", "[\"a\\u0000b\"]"),
    Y("y_string_del", "[\"\x7f\"]"),
    Y("y_string_max_cp", "[\"\xf4\x8f\xbf\xbf\"]"),
    Y("y_literals", "[true, false, null]"),
    Y("y_literal_top", "null"),
    Y("y_nested", "{\"a\":[{\"b\":{}},[],[[1]]],\"c\":null}"),
    Y("y_object_same_prefix_keys", "{\"a\":1,\"ab\":2,\"abc\":3}"),
    Y("y_object_keys_case", "{\"a\":1,\"A\":2}"),
    Y("y_depth_256", NULL), /* built below */
};

typedef struct ncase {
    const char *name;
    const char *text;
    size_t len;
    const char *reason;
    uint64_t offset;
} ncase;

static const ncase no[] = {
    {"n_empty", "", 0, "json-empty", 0},
    {"n_ws_only", "  \n", 0, "json-empty", 3},
    {"n_bom", "\xef\xbb\xbf[]", 0, "json-bom", 0},
    {"n_trailing_comma_array", "[1,]", 0, "json-syntax", 3},
    {"n_trailing_comma_object", "{\"a\":1,}", 0, "json-syntax", 7},
    {"n_missing_comma", "[1 2]", 0, "json-syntax", 3},
    {"n_unclosed_array", "[1", 0, "json-syntax", 2},
    {"n_unclosed_object", "{\"a\":1", 0, "json-syntax", 6},
    {"n_unclosed_string", "[\"abc", 0, "json-syntax", 1},
    {"n_single_quote", "['a']", 0, "json-syntax", 1},
    {"n_key_not_string", "{a:1}", 0, "json-syntax", 1},
    {"n_missing_colon", "{\"a\" 1}", 0, "json-syntax", 5},
    {"n_two_values", "[] []", 0, "json-trailing", 3},
    {"n_trailing_garbage", "1x", 0, "json-trailing", 1},
    {"n_number_leading_zero", "[01]", 0, "json-number", 1},
    {"n_number_plus", "[+1]", 0, "json-syntax", 1},
    {"n_number_dot_end", "[1.]", 0, "json-number", 1},
    {"n_number_dot_start", "[.5]", 0, "json-syntax", 1},
    {"n_number_exp_empty", "[1e]", 0, "json-number", 1},
    {"n_number_exp_sign_only", "[1e+]", 0, "json-number", 1},
    {"n_number_minus_only", "[-]", 0, "json-number", 1},
    {"n_number_hex", "[0x10]", 0, "json-syntax", 2}, /* "0", then junk inside the array */
    {"n_number_nan", "[NaN]", 0, "json-syntax", 1},
    {"n_number_infinity", "[Infinity]", 0, "json-syntax", 1},
    {"n_literal_caps", "[True]", 0, "json-syntax", 1},
    {"n_literal_truncated", "[tru]", 0, "json-syntax", 1},
    {"n_control_in_string", "[\"a\x01\"]", 0, "json-control", 3},
    {"n_newline_in_string", "[\"a\nb\"]", 0, "json-control", 3},
    {"n_tab_in_string", "[\"\t\"]", 0, "json-control", 2},
    {"n_bad_escape", "[\"\\x41\"]", 0, "json-escape", 2},
    {"n_escape_u_short", "[\"\\u12\"]", 0, "json-escape", 2},
    {"n_escape_u_nonhex", "[\"\\u12G4\"]", 0, "json-escape", 2},
    {"n_lone_high_surrogate", "[\"\\uD800\"]", 0, "json-surrogate", 2},
    {"n_lone_low_surrogate", "[\"\\uDC00\"]", 0, "json-surrogate", 2},
    {"n_high_then_high", "[\"\\uD800\\uD800\"]", 0, "json-surrogate", 2},
    {"n_high_then_char", "[\"\\uD83Dx\"]", 0, "json-surrogate", 2},
    {"n_utf8_lone_continuation", "[\"\x80\"]", 0, "json-utf8", 2},
    {"n_utf8_overlong_2", "[\"\xc0\xaf\"]", 0, "json-utf8", 2},
    {"n_utf8_overlong_3", "[\"\xe0\x80\xaf\"]", 0, "json-utf8", 2},
    {"n_utf8_overlong_4", "[\"\xf0\x80\x80\xaf\"]", 0, "json-utf8", 2},
    {"n_utf8_surrogate_encoded", "[\"\xed\xa0\x80\"]", 0, "json-utf8", 2},
    {"n_utf8_above_max", "[\"\xf4\x90\x80\x80\"]", 0, "json-utf8", 2},
    {"n_utf8_f5", "[\"\xf5\x80\x80\x80\"]", 0, "json-utf8", 2},
    {"n_utf8_truncated", "[\"\xe2\x82\"]", 0, "json-utf8", 2},
    {"n_utf8_ff", "[\"\xff\"]", 0, "json-utf8", 2},
    {"n_nul_outside", "[1,\0 2]", 6, "json-syntax", 3},
    {"n_nul_in_string", "[\"a\0\"]", 6, "json-control", 3},
    {"n_duplicate_key", "{\"a\":1,\"b\":2,\"a\":3}", 0, "json-duplicate-key", 13},
    {"n_duplicate_key_escaped", "{\"a\":1,\"\\u0061\":2}", 0, "json-duplicate-key", 7},
    {"n_duplicate_key_nested", "[{\"x\":{\"k\":1,\"k\":1}}]", 0, "json-duplicate-key", 13},
    {"n_comment", "[1 /* c */]", 0, "json-syntax", 3},
    {"n_close_mismatch", "[1}", 0, "json-syntax", 2},
    {"n_object_close_in_array", "{\"a\":[}", 0, "json-syntax", 6},
    {"n_lone_comma", "[,1]", 0, "json-syntax", 1},
    {"n_colon_in_array", "[1:2]", 0, "json-syntax", 2},
    {"n_value_after_object_close", "{}1", 0, "json-trailing", 2},
    {"n_depth_257", NULL, 0, "json-depth", 256},
};

static char *nested(size_t depth)
{
    char *s = malloc(2 * depth + 1);
    cr_assert(s);
    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = '\0';
    return s;
}

Test(json, y_cases_parse)
{
    ct_json_doc d;
    ct_json_init(&d);
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        char *own = yes[i].text ? NULL : nested(256);
        const char *t = own ? own : yes[i].text;
        ct_error err;
        ct_error_clear(&err);
        int rc = ct_json_parse(&d, t, yes[i].len ? yes[i].len : strlen(t), NULL, &err);
        cr_expect_eq(rc, CT_OK, "%s: %s: %s", yes[i].name, err.reason, err.detail);
        free(own);
    }
    ct_json_release(&d);
}

Test(json, n_cases_fail_with_reason_and_offset)
{
    ct_json_doc d;
    ct_json_init(&d);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        char *own = no[i].text ? NULL : nested(257);
        const char *t = own ? own : no[i].text;
        ct_error err;
        ct_error_clear(&err);
        int rc = ct_json_parse(&d, t, no[i].len ? no[i].len : strlen(t), NULL, &err);
        cr_expect_eq(rc, CT_ECORRUPT, "%s: parsed", no[i].name);
        cr_expect_str_eq(err.reason, no[i].reason, "%s: reason %s (%s)", no[i].name, err.reason,
                         err.detail);
        cr_expect_eq(err.offset, no[i].offset, "%s: offset %llu, expected %llu (%s)", no[i].name,
                     (unsigned long long)err.offset, (unsigned long long)no[i].offset, err.detail);
        cr_expect(strncmp(err.detail, "line ", 5) == 0, "%s: detail '%s'", no[i].name, err.detail);
        free(own);
    }
    ct_json_release(&d);
}

Test(json, error_names_line_and_column)
{
    ct_json_doc d;
    ct_error err;
    ct_json_init(&d);
    ct_error_clear(&err);
    const char *t = "{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}";
    cr_assert_eq(ct_json_parse(&d, t, strlen(t), NULL, &err), CT_ECORRUPT);
    cr_expect_str_eq(err.reason, "json-syntax");
    cr_expect(strncmp(err.detail, "line 3, column 14: ", 19) == 0, "%s", err.detail);
    cr_expect_eq(err.offset, 25);
    ct_json_release(&d);
}

Test(json, hundred_thousand_brackets_is_an_error_not_a_crash)
{
    size_t n = 100000;
    char *s = malloc(n);
    cr_assert(s);
    memset(s, '[', n);
    ct_json_doc d;
    ct_error err;
    ct_json_init(&d);
    ct_error_clear(&err);
    cr_assert_eq(ct_json_parse(&d, s, n, NULL, &err), CT_ECORRUPT);
    cr_expect_str_eq(err.reason, "json-depth");
    cr_expect_eq(err.offset, 256);
    /* A deeper limit is honoured too. */
    ct_json_options o = CT_JSON_OPTIONS_INIT;
    o.max_depth = 1000;
    cr_assert_eq(ct_json_parse(&d, s, n, &o, &err), CT_ECORRUPT);
    cr_expect_eq(err.offset, 1000);
    free(s);
    ct_json_release(&d);
}

Test(json, tape_types_counts_and_navigation)
{
    const char *t = "{\"name\":\"x\",\"list\":[1,[2,3],{\"k\":true}],\"n\":-12.50e+3,\"z\":null}";
    ct_json_doc d;
    ct_error err;
    ct_json_init(&d);
    cr_assert_eq(ct_json_parse(&d, t, strlen(t), NULL, &err), CT_OK, "%s", err.detail);
    cr_expect_eq(ct_json_type_of(&d, 0), CT_JSON_OBJECT);
    cr_expect_eq(ct_json_count(&d, 0), 4);
    uint32_t list = ct_json_get(&d, 0, "list");
    cr_assert(list);
    cr_expect_eq(ct_json_type_of(&d, list), CT_JSON_ARRAY);
    cr_expect_eq(ct_json_count(&d, list), 3);
    uint32_t e = ct_json_first(&d, list), kinds[3], k = 0;
    for (; e; e = ct_json_next(&d, list, e))
        kinds[k++] = ct_json_type_of(&d, e);
    cr_expect_eq(k, 3);
    cr_expect_eq(kinds[0], CT_JSON_NUMBER);
    cr_expect_eq(kinds[1], CT_JSON_ARRAY);
    cr_expect_eq(kinds[2], CT_JSON_OBJECT);
    size_t len;
    uint32_t n = ct_json_get(&d, 0, "n");
    const char *raw = ct_json_raw(&d, n, &len);
    cr_expect_eq(len, 9);
    cr_expect(memcmp(raw, "-12.50e+3", 9) == 0, "the number's exact text");
    cr_expect_eq(ct_json_type_of(&d, ct_json_get(&d, 0, "z")), CT_JSON_NULL);
    cr_expect_eq(ct_json_get(&d, 0, "missing"), 0);
    cr_expect_eq(ct_json_get(&d, list, "name"), 0, "not an object");
    /* The container's text runs from its bracket to the matching one. */
    raw = ct_json_raw(&d, list, &len);
    cr_expect_eq(len, strlen("[1,[2,3],{\"k\":true}]"));
    cr_expect_eq(raw[len - 1], ']');
    /* After the whole document, next of the root is the node count. */
    cr_expect_eq(d.nodes[0].next, d.n);
    ct_json_release(&d);
}

Test(json, strings_decode_exactly)
{
    const char *t =
        "[\"plain\",\"a\\\"b\\\\c\\/d\\n\",\"\\u00e9\\u20ac\\ud83d\\ude00\",\"x\\u0000y\"]";
    ct_json_doc d;
    ct_error err;
    ct_buf b;
    ct_json_init(&d);
    ct_buf_init(&b, 1 << 16);
    cr_assert_eq(ct_json_parse(&d, t, strlen(t), NULL, &err), CT_OK, "%s", err.detail);
    uint32_t e = ct_json_first(&d, 0);
    cr_assert_eq(ct_json_string(&d, e, &b), CT_OK);
    cr_expect_str_eq((char *)b.data, "plain");
    cr_expect(ct_json_string_is(&d, e, "plain"));
    e = ct_json_next(&d, 0, e);
    cr_assert_eq(ct_json_string(&d, e, &b), CT_OK);
    cr_expect_str_eq((char *)b.data, "a\"b\\c/d\n");
    cr_expect(ct_json_string_is(&d, e, "a\"b\\c/d\n"));
    e = ct_json_next(&d, 0, e);
    cr_assert_eq(ct_json_string(&d, e, &b), CT_OK);
    cr_expect_str_eq((char *)b.data, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    e = ct_json_next(&d, 0, e);
    cr_assert_eq(ct_json_string(&d, e, &b), CT_OK);
    cr_expect_eq(b.len, 3);
    cr_expect(memcmp(b.data, "x\0y", 3) == 0);
    cr_expect_eq(ct_json_next(&d, 0, e), 0);
    ct_buf_release(&b);
    ct_json_release(&d);
}

Test(json, u64_is_exact)
{
    const char *t = "[0, 18446744073709551615, 18446744073709551616, -1, 1.0, 1e3, 007]";
    ct_json_doc d;
    ct_error err;
    uint64_t v;
    ct_json_init(&d);
    /* 007 is not JSON: parse the valid prefix list without it. */
    cr_assert_eq(ct_json_parse(&d, t, strlen(t), NULL, &err), CT_ECORRUPT);
    const char *t2 = "[0, 18446744073709551615, 18446744073709551616, -1, 1.0, 1e3]";
    cr_assert_eq(ct_json_parse(&d, t2, strlen(t2), NULL, &err), CT_OK);
    uint32_t e = ct_json_first(&d, 0);
    cr_expect_eq(ct_json_u64(&d, e, &v), CT_OK);
    cr_expect_eq(v, 0);
    e = ct_json_next(&d, 0, e);
    cr_expect_eq(ct_json_u64(&d, e, &v), CT_OK);
    cr_expect_eq(v, UINT64_MAX);
    for (int k = 0; k < 4; k++) {
        e = ct_json_next(&d, 0, e);
        cr_expect_eq(ct_json_u64(&d, e, &v), CT_EINVAL, "element %d", k + 2);
    }
    ct_json_release(&d);
}

Test(json, duplicate_keys_in_a_large_object)
{
    /* 5,000 distinct keys pass; the same object with one key repeated at the end fails,
     * and the reported offset is the repeated key's quote. */
    ct_buf b;
    ct_json_doc d;
    ct_error err;
    ct_buf_init(&b, 1 << 24);
    ct_json_init(&d);
    cr_assert_eq(ct_buf_putc(&b, '{'), CT_OK);
    for (int i = 0; i < 5000; i++)
        cr_assert_eq(ct_buf_printf(&b, "%s\"key%d\":%d", i ? "," : "", i, i), CT_OK);
    size_t before = b.len;
    cr_assert_eq(ct_buf_putc(&b, '}'), CT_OK);
    cr_assert_eq(ct_json_parse(&d, (char *)b.data, b.len, NULL, &err), CT_OK, "%s", err.detail);
    cr_expect_eq(ct_json_count(&d, 0), 5000);
    b.len = before;
    cr_assert_eq(ct_buf_puts(&b, ",\"key\\u0031234\":0}"), CT_OK); /* "key1234" escaped */
    cr_assert_eq(ct_json_parse(&d, (char *)b.data, b.len, NULL, &err), CT_ECORRUPT);
    cr_expect_str_eq(err.reason, "json-duplicate-key");
    cr_expect_eq(err.offset, before + 1);
    ct_json_options o = CT_JSON_OPTIONS_INIT;
    o.allow_duplicate = true;
    cr_expect_eq(ct_json_parse(&d, (char *)b.data, b.len, &o, &err), CT_OK);
    ct_buf_release(&b);
    ct_json_release(&d);
}

Test(json, max_nodes_bounds_memory)
{
    const char *t = "[1,2,3,4,5]";
    ct_json_doc d;
    ct_error err;
    ct_json_options o = CT_JSON_OPTIONS_INIT;
    o.max_nodes = 5;
    ct_json_init(&d);
    cr_expect_eq(ct_json_parse(&d, t, strlen(t), &o, &err), CT_ENOMEM);
    o.max_nodes = 6;
    cr_expect_eq(ct_json_parse(&d, t, strlen(t), &o, &err), CT_OK);
    ct_json_release(&d);
}

/* The bound of large inputs (issue 12, 4a): one value per 8 bytes. `[0,0,...]` has one per
 * 2 bytes and cost 10 bytes of tape per byte; now it fails at the bound, and the tape never
 * grew past what the bound needs (it doubled to 16,384 nodes here before). */
Test(json, bounded_nodes_of_a_dense_document)
{
    size_t n;
    char *t = tu_dense_json(40000, &n);
    cr_assert_eq(ct_json_bounded_nodes(n), n / 8 + 1024);
    ct_json_doc d;
    ct_error err;
    ct_json_options o = CT_JSON_OPTIONS_INIT;
    o.max_nodes = ct_json_bounded_nodes(n); /* 11024 */
    ct_json_init(&d);
    ct_error_clear(&err);
    cr_assert_eq(ct_json_parse(&d, t, n, &o, &err), CT_ENOMEM);
    cr_assert_str_eq(err.reason, "json-too-big");
    cr_assert_str_eq(err.detail, "more than 11024 values");
    cr_assert_leq(d.cap, 11024 + 256, "the tape grew to %u nodes", d.cap);
    /* a real answer's density passes, and shrinking keeps it whole */
    const char *real = "{\"number\":\"0x1ac9f2\",\"hash\":\"0xa06fc36a7144c4bbb1f7ab13b541144414fa7"
                       "808c119e8a4635e392ea544c178\",\"transactions\":[]}";
    o.max_nodes = ct_json_bounded_nodes(strlen(real));
    cr_assert_eq(ct_json_parse(&d, real, strlen(real), &o, &err), CT_OK);
    ct_json_shrink(&d);
    cr_assert_eq(d.cap, d.n + 1);
    cr_assert(ct_json_string_is(&d, ct_json_get(&d, 0, "number"), "0x1ac9f2"));
    ct_json_release(&d);
    free(t);
}

Test(json, etherscan_labels_file_parses)
{
    /* The 3 MB Etherscan export: 29,945 members, each {"name": ..., "labels": [...]}. */
    size_t len;
    uint8_t *t = tu_read_fixture("labels/etherscan-labels/combinedAllLabels.json", &len);
    ct_json_doc d;
    ct_error err;
    ct_json_init(&d);
    cr_assert_eq(ct_json_parse(&d, (char *)t, len, NULL, &err), CT_OK, "%s", err.detail);
    cr_expect_eq(ct_json_count(&d, 0), 29945);
    uint32_t k = ct_json_first(&d, 0);
    cr_expect(ct_json_string_is(&d, k, "0x22ff777ef6fe0690f1f74c6758126909653ad56a"));
    cr_expect(ct_json_string_is(&d, ct_json_get(&d, k + 1, "name"), "Balancer: MLN/ETH 90/10 #2"));
    free(t);
    ct_json_release(&d);
}
