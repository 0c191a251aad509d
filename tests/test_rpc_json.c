/* The Bitcoin decoder against bitcoind itself: every `getblock <hash> 2` and every
 * `getrawtransaction` answer under fixtures/btc/rpc_json/bitcoin-etl carries each
 * transaction's raw "hex" next to bitcoind's decoding of it. Each hex is decoded with
 * ct_btc_tx_decode and compared field by field; each block is also reassembled from its
 * header fields and transactions and decoded as a block, and the chain work that bitcoind
 * reports is recomputed with ct_btc_work_add.
 *
 * Amounts: bitcoind prints "value" in BTC as a JSON number. jansson keeps only a double for
 * it, and a double cannot hold most amounts exactly, so the test reads the number's text
 * from the document itself (scan_values below) and converts that text to satoshi with
 * integer arithmetic. jansson's double is used only to check that the texts were matched
 * to the right outputs.
 *
 * Not compared yet: scriptPubKey "type", "reqSigs" and "addresses" need the script and
 * address module, which is not in this tree; they will be added after it is merged. "asm"
 * is bitcoind's script disassembly, which chaintrail does not produce. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "testutil.h"
#include "base/util.h"

#define RPC_DIR "btc/rpc_json/bitcoin-etl"

/* ---- exact amounts ---- */

/* Converts a JSON number written in BTC ("50.0", "0.00000001", "1e-8") to satoshi without
 * floating point. Returns false for a negative value, a fraction of a satoshi, more than
 * MAX_MONEY, or text that is not a JSON number. */
static bool btc_text_to_sat(const char *s, uint64_t *out)
{
    char digits[64];
    size_t nd = 0;
    int shift = 8; /* power of ten that turns the digit string into satoshi */
    const char *p = s;
    if (*p < '0' || *p > '9')
        return false; /* no sign, no empty text */
    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return false; /* JSON forbids leading zeros */
    for (; *p >= '0' && *p <= '9'; p++) {
        if (nd == sizeof(digits))
            return false;
        digits[nd++] = *p;
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (nd == sizeof(digits))
                return false;
            digits[nd++] = *p;
            shift--;
        }
    }
    if (*p == 'e' || *p == 'E') {
        int sign = 1, e = 0;
        p++;
        if (*p == '+' || *p == '-')
            sign = *p++ == '-' ? -1 : 1;
        if (*p < '0' || *p > '9')
            return false;
        for (; *p >= '0' && *p <= '9'; p++) {
            e = e * 10 + (*p - '0');
            if (e > 1000)
                return false;
        }
        shift += sign * e;
    }
    if (*p)
        return false;
    /* Drop trailing zeros that a negative shift would divide away. */
    while (shift < 0 && nd > 0 && digits[nd - 1] == '0') {
        nd--;
        shift++;
    }
    if (shift < 0)
        return false; /* a fraction of a satoshi */
    uint64_t v = 0;
    for (size_t i = 0; i < nd; i++)
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, digits[i] - '0', &v))
            return false;
    for (int i = 0; i < shift && v != 0; i++)
        if (__builtin_mul_overflow(v, 10, &v))
            return false;
    if (v > CT_BTC_MAX_MONEY)
        return false;
    *out = v;
    return true;
}

Test(rpc_json, amount_text_to_satoshi)
{
    static const struct {
        const char *text;
        bool ok;
        uint64_t sat;
    } v[] = {
        {"50.0", true, 5000000000ULL},
        {"50.00000000", true, 5000000000ULL},
        {"100.0", true, 10000000000ULL},
        {"0", true, 0},
        {"0.00000001", true, 1},
        {"1e-8", true, 1},
        {"1E-08", true, 1},
        {"100e-10", true, 1},
        {"0.1", true, 10000000}, /* not exact as a double */
        {"20999999.9769", true, 2099999997690000ULL},
        {"21000000", true, 2100000000000000ULL},
        {"2.1e7", true, 2100000000000000ULL},
        {"21000000.00000001", false, 0},
        {"0.000000001", false, 0},
        {"-1", false, 0},
        {"", false, 0},
        {"1.", false, 0},
        {".5", false, 0},
        {"01", false, 0},
        {"1e", false, 0},
        {"1e99999", false, 0},
        {"184467440737.09551616", false, 0}, /* 2^64 satoshi */
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint64_t sat = 12345;
        bool ok = btc_text_to_sat(v[i].text, &sat);
        cr_expect_eq(ok, v[i].ok, "'%s'", v[i].text);
        if (ok && v[i].ok)
            cr_expect_eq(sat, v[i].sat, "'%s': %llu", v[i].text, (unsigned long long)sat);
    }
}

#define MAX_VALUES 64

/* The texts of the numbers given to "value" keys, in document order. */
typedef struct value_texts {
    char text[MAX_VALUES][40];
    size_t n;
    size_t next; /* the next one to hand out */
} value_texts;

/* Walks the JSON text as a tokenizer would (strings are skipped whole, escapes included)
 * and records the number after each "value" key. In bitcoind's answers "value" occurs only
 * in vout entries, so document order is transaction order, then output order. */
static void scan_values(value_texts *vt, const char *s)
{
    vt->n = vt->next = 0;
    for (size_t i = 0; s[i];) {
        if (s[i] != '"') {
            i++;
            continue;
        }
        size_t start = ++i;
        while (s[i] && s[i] != '"')
            i += s[i] == '\\' && s[i + 1] ? 2 : 1;
        cr_assert_eq(s[i], '"', "unterminated string");
        bool is_value = i - start == 5 && memcmp(s + start, "value", 5) == 0;
        i++;
        while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            i++;
        if (s[i] != ':' || !is_value)
            continue; /* a string value, or another key */
        i++;
        while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            i++;
        size_t n = 0;
        while (s[i + n] && strchr("0123456789+-.eE", s[i + n]))
            n++;
        cr_assert_gt(n, 0, "\"value\" is not a number");
        cr_assert_lt(n, sizeof(vt->text[0]));
        cr_assert_lt(vt->n, MAX_VALUES);
        memcpy(vt->text[vt->n], s + i, n);
        vt->text[vt->n][n] = '\0';
        vt->n++;
        i += n;
    }
}

/* ---- JSON access that fails the test on a missing or mistyped field ---- */

static json_t *get(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    cr_assert_not_null(v, "missing \"%s\"", key);
    return v;
}

static const char *get_str(json_t *obj, const char *key)
{
    json_t *v = get(obj, key);
    cr_assert(json_is_string(v), "\"%s\" is not a string", key);
    return json_string_value(v);
}

static json_int_t get_int(json_t *obj, const char *key)
{
    json_t *v = get(obj, key);
    cr_assert(json_is_integer(v), "\"%s\" is not an integer", key);
    return json_integer_value(v);
}

/* Every key of `obj` must be in `known`: a field this test neither compares nor
 * deliberately skips means the fixtures changed shape. */
static void only_keys(json_t *obj, const char *const *known, const char *what)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        size_t i = 0;
        while (known[i] && strcmp(known[i], key) != 0)
            i++;
        cr_expect_not_null(known[i], "%s: field \"%s\" is not compared", what, key);
    }
}

static void expect_hex(const uint8_t *p, size_t n, const char *want, const char *what)
{
    char *hex = malloc(2 * n + 1);
    cr_assert_not_null(hex);
    ct_hex_encode(hex, p, n);
    cr_expect_str_eq(hex, want, "%s", what);
    free(hex);
}

static void expect_hash(const uint8_t h[32], const char *want, const char *what)
{
    char hex[65];
    ct_hash_to_hex(hex, h);
    cr_expect_str_eq(hex, want, "%s", what);
}

/* Decodes a hex string into a malloc'd buffer. */
static uint8_t *unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    cr_assert_eq(n % 2, 0, "odd hex length");
    uint8_t *p = malloc(n / 2 + 1);
    cr_assert_not_null(p);
    cr_assert_eq(ct_hex_decode(p, hex, n / 2), CT_OK, "bad hex");
    *len = n / 2;
    return p;
}

/* ---- one transaction ---- */

typedef struct counts {
    size_t txs, inputs, outputs;
} counts;

static const char *const TX_KEYS[] = {"txid", "hash", "version", "size", "vsize", "locktime", "vin",
                                      "vout", "hex",
                                      /* context of getrawtransaction, not in the bytes: */
                                      "blockhash", "confirmations", "time", "blocktime", NULL};
static const char *const VIN_KEYS[] = {"coinbase", "txid", "vout", "scriptSig", "sequence", NULL};
static const char *const SCRIPTSIG_KEYS[] = {"hex", "asm", NULL};
static const char *const VOUT_KEYS[] = {"value", "n", "scriptPubKey", NULL};
static const char *const SPK_KEYS[] = {"hex", "asm", "type", "reqSigs", "addresses", NULL};

/* Decodes the "hex" of `jt` and compares it with bitcoind's fields; appends the raw
 * transaction to `append` unless it is NULL. */
static void compare_tx(ct_btc_block *blk, json_t *jt, value_texts *vt, counts *c, const char *file,
                       ct_buf *append)
{
    size_t len;
    ct_error err;
    const char *txid = get_str(jt, "txid");
    uint8_t *raw = unhex(get_str(jt, "hex"), &len);
    only_keys(jt, TX_KEYS, txid);

    ct_error_clear(&err);
    int rc = ct_btc_tx_decode(blk, raw, len, CT_BTC_WTXID, &err);
    cr_assert_eq(rc, CT_OK, "%s %s: %s: %s", file, txid, err.reason, err.detail);
    const ct_btc_tx *tx = &blk->tx[0];
    expect_hash(tx->txid, txid, "txid");
    expect_hash(tx->wtxid, get_str(jt, "hash"), "hash (wtxid)");
    cr_expect_eq(tx->version, get_int(jt, "version"), "%s version", txid);
    cr_expect_eq(tx->size, get_int(jt, "size"), "%s size", txid);
    cr_expect_eq((blk->weight + 3) / 4, get_int(jt, "vsize"), "%s vsize", txid);
    cr_expect_eq(tx->locktime, get_int(jt, "locktime"), "%s locktime", txid);

    json_t *vin = get(jt, "vin");
    cr_assert(json_is_array(vin));
    cr_assert_eq(json_array_size(vin), tx->n_in, "%s: input count", txid);
    for (uint32_t i = 0; i < tx->n_in; i++) {
        json_t *ji = json_array_get(vin, i);
        const ct_btc_txin *in = &tx->in[i];
        only_keys(ji, VIN_KEYS, txid);
        cr_expect_eq(in->sequence, get_int(ji, "sequence"), "%s input %u sequence", txid, i);
        if (json_object_get(ji, "coinbase")) {
            cr_expect(tx->coinbase, "%s: bitcoind says coinbase", txid);
            cr_expect_eq(i, 0);
            expect_hex(in->script_sig, in->script_sig_len, get_str(ji, "coinbase"), "coinbase");
        } else {
            cr_expect_not(tx->coinbase, "%s: bitcoind says not a coinbase", txid);
            expect_hash(in->prev_txid, get_str(ji, "txid"), "input txid");
            cr_expect_eq(in->prev_vout, get_int(ji, "vout"), "%s input %u vout", txid, i);
            json_t *ss = get(ji, "scriptSig");
            only_keys(ss, SCRIPTSIG_KEYS, txid);
            expect_hex(in->script_sig, in->script_sig_len, get_str(ss, "hex"), "scriptSig");
        }
        c->inputs++;
    }

    json_t *vout = get(jt, "vout");
    cr_assert(json_is_array(vout));
    cr_assert_eq(json_array_size(vout), tx->n_out, "%s: output count", txid);
    for (uint32_t o = 0; o < tx->n_out; o++) {
        json_t *jo = json_array_get(vout, o);
        const ct_btc_txout *out = &tx->out[o];
        only_keys(jo, VOUT_KEYS, txid);
        cr_expect_eq(get_int(jo, "n"), o);

        cr_assert_lt(vt->next, vt->n, "%s: more outputs than \"value\" numbers", file);
        const char *text = vt->text[vt->next++];
        uint64_t sat;
        cr_assert(btc_text_to_sat(text, &sat), "%s: value '%s' is not an amount", txid, text);
        cr_expect_eq(out->value, sat, "%s output %u: %llu sat, bitcoind says %s BTC", txid, o,
                     (unsigned long long)out->value, text);
        /* The text belongs to this output: jansson's double agrees to within half a sat. */
        json_t *jv = get(jo, "value");
        cr_assert(json_is_number(jv));
        double diff = json_number_value(jv) * 1e8 - (double)sat;
        cr_expect(diff < 0.5 && diff > -0.5, "%s output %u: text '%s' vs %f", txid, o, text,
                  json_number_value(jv));

        json_t *spk = get(jo, "scriptPubKey");
        only_keys(spk, SPK_KEYS, txid);
        expect_hex(out->script, out->script_len, get_str(spk, "hex"), "scriptPubKey");
        c->outputs++;
    }
    c->txs++;
    if (append)
        cr_assert_eq(ct_buf_append(append, raw, len), CT_OK);
    free(raw);
}

/* ---- files ---- */

typedef struct file_list {
    char **path;
    size_t n;
} file_list;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fixture paths (relative to fixtures/) of the files directly in the subdirectories of
 * RPC_DIR whose name starts with `prefix` and ends with `suffix`, sorted. */
static void find_answers(file_list *fl, const char *prefix, const char *suffix)
{
    char *root = tu_fixture(RPC_DIR);
    DIR *d = opendir(root);
    cr_assert_not_null(d, "cannot open %s", root);
    fl->path = NULL;
    fl->n = 0;
    struct dirent *sub;
    while ((sub = readdir(d)) != NULL) {
        if (sub->d_name[0] == '.')
            continue;
        char dir[1024];
        snprintf(dir, sizeof(dir), "%s/%s", root, sub->d_name);
        DIR *d2 = opendir(dir);
        if (!d2)
            continue; /* the licence file */
        struct dirent *e;
        while ((e = readdir(d2)) != NULL) {
            size_t n = strlen(e->d_name), np = strlen(prefix), ns = strlen(suffix);
            if (n < np + ns || strncmp(e->d_name, prefix, np) != 0 ||
                strcmp(e->d_name + n - ns, suffix) != 0)
                continue;
            fl->path = realloc(fl->path, (fl->n + 1) * sizeof(*fl->path));
            cr_assert_not_null(fl->path);
            size_t need = strlen(RPC_DIR) + strlen(sub->d_name) + n + 3;
            fl->path[fl->n] = malloc(need);
            cr_assert_not_null(fl->path[fl->n]);
            snprintf(fl->path[fl->n], need, "%s/%s/%s", RPC_DIR, sub->d_name, e->d_name);
            fl->n++;
        }
        closedir(d2);
    }
    closedir(d);
    free(root);
    qsort(fl->path, fl->n, sizeof(*fl->path), cmp_str);
}

static void free_answers(file_list *fl)
{
    for (size_t i = 0; i < fl->n; i++)
        free(fl->path[i]);
    free(fl->path);
}

/* Loads a fixture as JSON (duplicate keys rejected) and scans its "value" texts. */
static json_t *load_answer(const char *rel, value_texts *vt)
{
    size_t len;
    json_error_t je;
    uint8_t *text = tu_read_fixture(rel, &len);
    json_t *j = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &je);
    cr_assert_not_null(j, "%s:%d: %s", rel, je.line, je.text);
    scan_values(vt, (const char *)text);
    free(text);
    return j;
}

/* ---- getblock <hash> 2 ---- */

typedef struct block_work {
    int64_t height;
    uint32_t bits;
    uint8_t chainwork[32];
} block_work;

static const char *const BLOCK_KEYS[] = {
    "hash", "size", "strippedsize", "weight", "height", "version", "versionHex", "merkleroot", "tx",
    "time", "nonce", "bits", "previousblockhash", "nTx", "chainwork",
    /* not in the block's bytes: */
    "confirmations", "mediantime", "nextblockhash", "difficulty", NULL};

Test(rpc_json, getblock_verbosity_2)
{
    file_list fl;
    counts c = {0};
    block_work works[16];
    size_t n_works = 0;
    value_texts *vt = malloc(sizeof(*vt));
    cr_assert_not_null(vt);
    ct_btc_block lone, blk;
    ct_btc_block_init(&lone);
    ct_btc_block_init(&blk);
    find_answers(&fl, "rpc_response_getblock_", "_2.json");
    cr_assert_eq(fl.n, 7, "getblock answers found: %zu", fl.n);

    for (size_t f = 0; f < fl.n; f++) {
        json_t *jb = load_answer(fl.path[f], vt);
        only_keys(jb, BLOCK_KEYS, fl.path[f]);
        json_t *txs = get(jb, "tx");
        cr_assert(json_is_array(txs));
        cr_assert_eq((json_int_t)json_array_size(txs), get_int(jb, "nTx"));

        /* The block again, from the header fields and the transactions' hex. */
        ct_buf raw;
        uint8_t h[32];
        uint8_t hdr[80];
        ct_buf_init(&raw, 1u << 24);
        uint32_t bits;
        const char *bits_hex = get_str(jb, "bits");
        cr_assert_eq(strlen(bits_hex), 8);
        cr_assert_eq(ct_hex_decode(h, bits_hex, 4), CT_OK);
        bits = ct_be32(h);
        ct_put_le32(hdr, (uint32_t)get_int(jb, "version"));
        memset(hdr + 4, 0, 32);
        if (json_object_get(jb, "previousblockhash"))
            cr_assert_eq(ct_hash_from_hex(hdr + 4, get_str(jb, "previousblockhash")), CT_OK);
        else
            cr_assert_eq(get_int(jb, "height"), 0, "only genesis has no parent");
        cr_assert_eq(ct_hash_from_hex(hdr + 36, get_str(jb, "merkleroot")), CT_OK);
        ct_put_le32(hdr + 68, (uint32_t)get_int(jb, "time"));
        ct_put_le32(hdr + 72, bits);
        ct_put_le32(hdr + 76, (uint32_t)get_int(jb, "nonce"));
        cr_assert_eq(ct_buf_append(&raw, hdr, 80), CT_OK);
        uint8_t count = (uint8_t)json_array_size(txs);
        cr_assert_lt(json_array_size(txs), 0xfd);
        cr_assert_eq(ct_buf_append(&raw, &count, 1), CT_OK);

        for (size_t t = 0; t < json_array_size(txs); t++) {
            json_t *jt = json_array_get(txs, t);
            cr_assert_null(json_object_get(jt, "blockhash"), "no context inside getblock");
            compare_tx(&lone, jt, vt, &c, fl.path[f], &raw);
        }
        cr_expect_eq(vt->next, vt->n, "%s: \"value\" numbers left over", fl.path[f]);

        ct_error err;
        ct_error_clear(&err);
        int rc = ct_btc_block_decode(&blk, raw.data, raw.len, ct_btc_params_get("mainnet"),
                                     CT_BTC_WTXID, &err);
        cr_assert_eq(rc, CT_OK, "%s: %s: %s", fl.path[f], err.reason, err.detail);
        expect_hash(blk.hash, get_str(jb, "hash"), "block hash");
        cr_expect_eq(blk.size, get_int(jb, "size"));
        cr_expect_eq(blk.stripped_size, get_int(jb, "strippedsize"));
        cr_expect_eq(blk.weight, get_int(jb, "weight"));
        cr_expect_eq(blk.header.version, get_int(jb, "version"));
        char version_hex[9];
        snprintf(version_hex, sizeof(version_hex), "%08x", (uint32_t)blk.header.version);
        cr_expect_str_eq(version_hex, get_str(jb, "versionHex"));
        cr_expect_eq(blk.n_tx, json_array_size(txs));
        cr_expect_eq(blk.bip34_height, -1, "version 1 blocks carry no height");

        cr_assert_lt(n_works, 16);
        works[n_works].height = get_int(jb, "height");
        works[n_works].bits = bits;
        cr_assert_eq(ct_hex_decode(works[n_works].chainwork, get_str(jb, "chainwork"), 32), CT_OK);
        n_works++;

        ct_buf_release(&raw);
        json_decref(jb);
    }
    cr_expect_eq(c.txs, 11);
    cr_expect_eq(c.inputs, 13);
    cr_expect_eq(c.outputs, 11);

    /* chainwork(h) = chainwork(h - 1) + work(bits of h); genesis starts from zero. */
    size_t links = 0;
    for (size_t i = 0; i < n_works; i++) {
        uint8_t w[32] = {0};
        bool have_parent = works[i].height == 0;
        for (size_t k = 0; k < n_works && !have_parent; k++)
            if (works[k].height == works[i].height - 1) {
                memcpy(w, works[k].chainwork, 32);
                have_parent = true;
            }
        if (!have_parent)
            continue;
        cr_assert_eq(ct_btc_work_add(w, works[i].bits), CT_OK);
        cr_expect_eq(memcmp(w, works[i].chainwork, 32), 0, "chainwork at height %lld",
                     (long long)works[i].height);
        links++;
    }
    /* Heights 0, 1 and 50001, 50002 (twice each: two directories hold them). */
    cr_expect_eq(links, 6);

    ct_btc_block_release(&lone);
    ct_btc_block_release(&blk);
    free_answers(&fl);
    free(vt);
}

/* ---- getrawtransaction ---- */

Test(rpc_json, getrawtransaction)
{
    file_list fl;
    counts c = {0};
    value_texts *vt = malloc(sizeof(*vt));
    cr_assert_not_null(vt);
    ct_btc_block lone;
    ct_btc_block_init(&lone);
    find_answers(&fl, "rpc_response_getrawtransaction_", ".json");
    cr_assert_eq(fl.n, 3, "getrawtransaction answers found: %zu", fl.n);
    for (size_t f = 0; f < fl.n; f++) {
        json_t *jt = load_answer(fl.path[f], vt);
        compare_tx(&lone, jt, vt, &c, fl.path[f], NULL);
        cr_expect_eq(vt->next, vt->n, "%s: \"value\" numbers left over", fl.path[f]);
        /* The file is named after the transaction. */
        cr_expect(strstr(fl.path[f], get_str(jt, "txid")) != NULL, "%s", fl.path[f]);
        json_decref(jt);
    }
    cr_expect_eq(c.txs, 3);
    cr_expect_eq(c.inputs, 3);
    cr_expect_eq(c.outputs, 3);
    ct_btc_block_release(&lone);
    free_answers(&fl);
    free(vt);
}
