/* The `--etl DIR` block source: an ethereum-etl export in its JSON-lines form (`ethereumetl
 * stream`, or `export_*` with .json outputs) or CSV: DIR/blocks, DIR/transactions (with the
 * receipt_* fields, else joined to DIR/receipts by hash), DIR/logs (else the ERC-20 logs
 * of DIR/token_transfers, which is otherwise checked against them), and optionally
 * DIR/traces and DIR/tokens, one JSON object per line (docs/ethereum-etl.md). Lines are indexed by block number at
 * open; each block's bundle is built when asked.
 *
 * ethereum-etl exports carry no signatures, so a sender cannot be recovered: bundles from
 * this source have verified = false, and the ingest takes them only when the caller said
 * so (ct_eth_ingest_options.trust_senders, `--trust-senders`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ethereum/eth_source.h"

#define MAX_FILE ((size_t)1 << 31)

typedef struct line {
    uint64_t block;
    uint32_t off, len;
    uint32_t no; /* its line in a JSON-lines file, its record in a CSV (the header is 1) */
} line;

typedef struct efile {
    char *path;
    char *text;
    size_t len;
    line *lines;
    size_t n;
    bool csv;
} efile;

/* blocks, transactions and logs are needed (but logs may be replaced by token_transfers);
 * the others are optional */
enum { F_BLOCKS, F_TXS, F_LOGS, F_TRACES, F_TOKENS, F_RECEIPTS, F_TRANSFERS, F_COUNT };
static const char *const NAMES[F_COUNT] = {"blocks", "transactions", "logs",           "traces",
                                           "tokens", "receipts",     "token_transfers"};

/* CSV columns renamed to ethereum-etl's: GraphSense's exports of the same data (its
 * ethereum-etl based ingest) name them in camelCase. */
static const char *const ALIAS[F_COUNT][32] = {
    {"blockId", "number", "blockHash", "hash", "parentHash", "parent_hash", "gasUsed", "gas_used",
     "gasLimit", "gas_limit", "baseFeePerGas", "base_fee_per_gas", "transactionCount",
     "transaction_count", NULL},
    {"txHash", "hash", "blockHash", "block_hash", "blockId", "block_number", "transactionIndex",
     "transaction_index", "fromAddress", "from_address", "toAddress", "to_address", "gasPrice",
     "gas_price", "receiptGasUsed", "receipt_gas_used", "blockTimestamp", "block_timestamp",
     NULL},
    {"blockId", "block_number", "txHash", "transaction_hash", "transactionIndex",
     "transaction_index", "logIndex", "log_index", NULL},
    {"blockId", "block_number", "txHash", "transaction_hash", "fromAddress", "from_address",
     "toAddress", "to_address", "callType", "call_type", "traceId", "trace_id", "traceIndex",
     "trace_index", NULL},
    {NULL},
    {"blockId", "block_number", "txHash", "transaction_hash", "transactionIndex",
     "transaction_index", "gasUsed", "gas_used", NULL},
    {"blockId", "block_number", "txHash", "transaction_hash", "tokenAddress", "token_address",
     "fromAddress", "from_address", "toAddress", "to_address", "logIndex", "log_index", NULL},
};
static const char *const ARRAYS[] = {"topics", "trace_address", NULL};
static const char *const OBJECTS[] = {"withdrawals", NULL};

typedef struct esrc {
    efile f[F_COUNT];
    ct_json_doc doc;
    ct_arena *arena;
} esrc;

/* The value of member `key` as a whole number (a JSON number, or a decimal string). */
static int num_u256(const ct_json_doc *d, uint32_t o, const char *key, bool required, ct_u256 *out,
                    bool *present, ct_error *err)
{
    uint32_t v = ct_json_get(d, o, key);
    if (present)
        *present = false;
    if (!v || ct_json_type_of(d, v) == CT_JSON_NULL) {
        if (required)
            return ct_fail(err, CT_ECORRUPT, "missing-field", "'%s' is missing", key);
        return CT_OK;
    }
    size_t len;
    const char *s = ct_json_raw(d, v, &len);
    ct_error e;
    ct_error_clear(&e);
    /* "<digits>e<digits>" (GraphSense writes 19900000000000000000 as 199e17): an exact
     * integer, the mantissa times a power of ten, computed in 256 bits */
    const char *x = memchr(s, 'e', len);
    if (!x)
        x = memchr(s, 'E', len);
    size_t ml = x ? (size_t)(x - s) : len;
    uint64_t exp10 = 0;
    bool bad_exp = false;
    if (x) {
        size_t el = len - ml - 1;
        bad_exp = el == 0 || el > 2;
        for (size_t i = 0; i < el && !bad_exp; i++) {
            if (x[1 + i] < '0' || x[1 + i] > '9')
                bad_exp = true;
            else
                exp10 = exp10 * 10 + (uint64_t)(x[1 + i] - '0');
        }
    }
    if ((ct_json_type_of(d, v) != CT_JSON_NUMBER && ct_json_type_of(d, v) != CT_JSON_STRING) ||
        bad_exp || ct_u256_parse_dec(out, s, ml, &e) != CT_OK)
        return ct_fail(err, CT_ECORRUPT, "bad-quantity", "'%s' is not a whole number (%s)", key,
                       e.reason[0] ? e.reason : "type");
    ct_u256 ten = ct_u256_from_u64(10);
    for (uint64_t i = 0; i < exp10; i++)
        if (ct_u256_mul(out, out, &ten))
            return ct_fail(err, CT_ECORRUPT, "bad-quantity", "'%s' is above 2^256-1", key);
    if (present)
        *present = true;
    return CT_OK;
}

static int num_u64(const ct_json_doc *d, uint32_t o, const char *key, bool required, uint64_t *out,
                   bool *present, ct_error *err)
{
    ct_u256 v;
    bool p = false;
    int rc = num_u256(d, o, key, required, &v, &p, err);
    if (present)
        *present = p;
    if (rc != CT_OK || !p)
        return rc;
    if (!ct_u256_to_u64(out, &v))
        return ct_fail(err, CT_ECORRUPT, "bad-quantity", "'%s' is above 2^64-1", key);
    return CT_OK;
}

static int hex_fixed(const ct_json_doc *d, uint32_t o, const char *key, bool required, uint8_t *out,
                     size_t n, bool *present, ct_error *err)
{
    uint32_t v = ct_json_get(d, o, key);
    if (present)
        *present = false;
    if (!v || ct_json_type_of(d, v) == CT_JSON_NULL) {
        if (required)
            return ct_fail(err, CT_ECORRUPT, "missing-field", "'%s' is missing", key);
        return CT_OK;
    }
    size_t len;
    const char *s = ct_json_raw(d, v, &len);
    if (ct_json_type_of(d, v) != CT_JSON_STRING || len != 2 + 2 * n || s[0] != '0' ||
        (s[1] != 'x' && s[1] != 'X') || ct_hex_decode(out, s + 2, n) != CT_OK)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "'%s' is not %zu-byte DATA", key, n);
    if (present)
        *present = true;
    return CT_OK;
}

static int hex_var(const ct_json_doc *d, uint32_t o, const char *key, ct_arena *a,
                   const uint8_t **out, size_t *n, ct_error *err)
{
    uint32_t v = ct_json_get(d, o, key);
    *out = NULL;
    *n = 0;
    if (!v || ct_json_type_of(d, v) == CT_JSON_NULL)
        return ct_fail(err, CT_ECORRUPT, "missing-field", "'%s' is missing", key);
    size_t len;
    const char *s = ct_json_raw(d, v, &len);
    if (ct_json_type_of(d, v) != CT_JSON_STRING || len < 2 || s[0] != '0' || s[1] != 'x' || len % 2)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "'%s' is not DATA", key);
    *n = (len - 2) / 2;
    if (!*n)
        return CT_OK;
    uint8_t *b = ct_arena_alloc(a, *n, 1);
    if (!b)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "'%s' of %zu bytes", key, *n);
    if (ct_hex_decode(b, s + 2, *n) != CT_OK)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "'%s' is not hex", key);
    *out = b;
    return CT_OK;
}

/* ---- CSV (RFC 4180) -> JSON lines ---- */

static int json_str(ct_buf *o, const char *p, size_t n)
{
    int rc = ct_buf_putc(o, '"');
    for (size_t i = 0; i < n && rc == CT_OK; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\')
            rc = ct_buf_putc(o, '\\') || ct_buf_putc(o, (char)c);
        else if (c < 0x20)
            rc = ct_buf_printf(o, "\\u%04x", c);
        else
            rc = ct_buf_putc(o, (char)c);
    }
    return rc ? rc : ct_buf_putc(o, '"');
}

/* Well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF), as the JSON
 * the text becomes must be. */
static bool utf8_ok(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

static bool all_digits(const char *p, size_t n)
{
    if (n == 0 || n > 18)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return !(n > 1 && p[0] == '0');
}

/* A field's text, unquoted into f (""-escapes undone). */
typedef struct csv_field {
    size_t start; /* byte offset in the text */
    ct_buf v;
} csv_field;

/* Reads one record starting at *pos into fields (grown as needed); *nf its field count.
 * Returns CT_OK, CT_ENOTFOUND at the end of the text, CT_ECORRUPT or CT_ENOMEM. */
static int csv_record(const char *t, size_t len, size_t *pos, csv_field **fields, size_t *cap,
                      size_t *nf, uint64_t recno, ct_error *err)
{
    size_t p = *pos;
    *nf = 0;
    if (p >= len)
        return CT_ENOTFOUND;
    for (;;) {
        if (*nf == *cap) {
            size_t nc = *cap ? *cap * 2 : 32;
            csv_field *n = realloc(*fields, nc * sizeof(*n));
            if (!n)
                return ct_fail(err, CT_ENOMEM, "out-of-memory", "CSV fields");
            for (size_t i = *cap; i < nc; i++)
                ct_buf_init(&n[i].v, MAX_FILE);
            *fields = n;
            *cap = nc;
        }
        csv_field *f = &(*fields)[(*nf)++];
        ct_buf_reset(&f->v);
        f->start = p;
        int rc = CT_OK;
        if (p < len && t[p] == '"') {
            p++;
            for (;;) {
                if (p >= len) {
                    if (err)
                        err->offset = f->start;
                    return ct_fail(err, CT_ECORRUPT, "bad-csv",
                                   "record %llu: a quoted field is not closed",
                                   (unsigned long long)recno);
                }
                if (t[p] == '"') {
                    if (p + 1 < len && t[p + 1] == '"') {
                        rc = ct_buf_putc(&f->v, '"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                rc = ct_buf_putc(&f->v, t[p++]);
                if (rc)
                    return ct_fail(err, CT_ENOMEM, "out-of-memory", "CSV field");
            }
            if (p < len && t[p] != ',' && t[p] != '\n' && !(t[p] == '\r' && p + 1 < len && t[p + 1] == '\n')) {
                if (err)
                    err->offset = p;
                return ct_fail(err, CT_ECORRUPT, "bad-csv",
                               "record %llu: text after a closing quote",
                               (unsigned long long)recno);
            }
        } else {
            size_t s0 = p;
            while (p < len && t[p] != ',' && t[p] != '\n' &&
                   !(t[p] == '\r' && p + 1 < len && t[p + 1] == '\n')) {
                if (t[p] == '"') {
                    if (err)
                        err->offset = p;
                    return ct_fail(err, CT_ECORRUPT, "bad-csv",
                                   "record %llu: a quote inside an unquoted field",
                                   (unsigned long long)recno);
                }
                p++;
            }
            rc = ct_buf_append(&f->v, t + s0, p - s0);
        }
        if (rc)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "CSV field");
        if (p < len && t[p] == ',') {
            p++;
            continue;
        }
        if (p < len && t[p] == '\r')
            p++;
        if (p < len && t[p] == '\n')
            p++;
        break;
    }
    *pos = p;
    return CT_OK;
}

/* A field of comma-separated JSON objects (ethereum-etl's CSV `withdrawals`) as a JSON
 * array, checked with our own parser so that the output stays valid JSON. */
static int put_objects(ct_buf *out, ct_json_doc *d, ct_buf *scratch, const csv_field *f,
                       uint64_t recno, size_t col, ct_error *err)
{
    ct_buf_reset(scratch);
    if (ct_buf_putc(scratch, '[') || ct_buf_append(scratch, f->v.data, f->v.len) ||
        ct_buf_putc(scratch, ']'))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "CSV field");
    bool ok = ct_json_parse(d, (const char *)scratch->data, scratch->len, NULL, NULL) == CT_OK;
    for (uint32_t c = ok ? ct_json_first(d, 0) : 0; c && ok; c = ct_json_next(d, 0, c))
        ok = ct_json_type_of(d, c) == CT_JSON_OBJECT;
    if (!ok) {
        if (err)
            err->offset = f->start;
        return ct_fail(err, CT_ECORRUPT, "bad-csv",
                       "record %llu: field %zu is not a list of JSON objects",
                       (unsigned long long)recno, col + 1);
    }
    /* A quoted CSV field may hold line breaks; in the parsed JSON they can only be
     * whitespace between tokens (the parser refuses control characters in strings), and the
     * output is one JSON object per line: each becomes a space. */
    for (size_t i = 0; i < scratch->len; i++)
        if (scratch->data[i] == '\n' || scratch->data[i] == '\r' || scratch->data[i] == '\t')
            scratch->data[i] = ' ';
    return ct_buf_append(out, scratch->data, scratch->len) ? ct_fail(err, CT_ENOMEM, "too-large",
                                                                     "the CSV made JSON is too large")
                                                           : CT_OK;
}

int ct_eth_csv_to_jsonl(const char *text, size_t len, const char *const *alias,
                        const char *const *arrays, const char *const *objects, ct_buf *out,
                        ct_error *err)
{
    ct_json_doc od;
    ct_buf scratch;
    ct_json_init(&od);
    ct_buf_init(&scratch, MAX_FILE);
    csv_field *fields = NULL, *head = NULL;
    size_t cap = 0, hcap = 0, nh = 0, nf = 0, pos = 0;
    uint64_t recno = 1;
    int rc = csv_record(text, len, &pos, &head, &hcap, &nh, recno, err);
    if (rc == CT_ENOTFOUND)
        rc = ct_fail(err, CT_ECORRUPT, "bad-csv", "no header line");
    /* the header's names, renamed by the aliases */
    const char **names = rc == CT_OK ? calloc(nh, sizeof(*names)) : NULL;
    uint8_t *is_array = rc == CT_OK ? calloc(nh, sizeof(*is_array)) : NULL;
    if (rc == CT_OK && (!names || !is_array))
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "CSV header");
    for (size_t i = 0; rc == CT_OK && i < nh; i++) {
        if (ct_buf_putc(&head[i].v, 0) != CT_OK) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "CSV header");
            break;
        }
        names[i] = (const char *)head[i].v.data;
        if (!utf8_ok(head[i].v.data, head[i].v.len - 1) || strlen(names[i]) != head[i].v.len - 1) {
            if (err)
                err->offset = head[i].start;
            rc = ct_fail(err, CT_ECORRUPT, "bad-csv", "header column %zu is not UTF-8 text",
                         i + 1);
            break;
        }
        for (size_t k = 0; alias && alias[k]; k += 2)
            if (strcmp(names[i], alias[k]) == 0) {
                names[i] = alias[k + 1];
                break;
            }
        for (size_t k = 0; k < i; k++)
            if (strcmp(names[k], names[i]) == 0) {
                if (err)
                    err->offset = head[i].start;
                rc = ct_fail(err, CT_ECORRUPT, "bad-csv", "header column %zu repeats '%s'", i + 1,
                             names[i]);
                break;
            }
        if (rc != CT_OK)
            break;
        for (size_t k = 0; arrays && arrays[k]; k++)
            if (strcmp(names[i], arrays[k]) == 0)
                is_array[i] = 1;
        for (size_t k = 0; objects && objects[k]; k++)
            if (strcmp(names[i], objects[k]) == 0)
                is_array[i] = 2;
    }
    while (rc == CT_OK) {
        size_t at = pos;
        recno++;
        rc = csv_record(text, len, &pos, &fields, &cap, &nf, recno, err);
        if (rc == CT_ENOTFOUND) {
            rc = CT_OK;
            break;
        }
        if (rc != CT_OK)
            break;
        if (nf == 1 && fields[0].v.len == 0)
            continue; /* an empty line */
        if (nf != nh) {
            if (err)
                err->offset = at;
            rc = ct_fail(err, CT_ECORRUPT, "bad-csv", "record %llu has %zu fields, the header %zu",
                         (unsigned long long)recno, nf, nh);
            break;
        }
        for (size_t i = 0; i < nf; i++)
            if (!utf8_ok(fields[i].v.data, fields[i].v.len)) {
                if (err)
                    err->offset = fields[i].start;
                rc = ct_fail(err, CT_ECORRUPT, "bad-csv", "record %llu: field %zu is not UTF-8",
                             (unsigned long long)recno, i + 1);
                break;
            }
        if (rc != CT_OK)
            break;
        rc = ct_buf_putc(out, '{');
        for (size_t i = 0; rc == CT_OK && i < nf; i++) {
            const char *v = (const char *)fields[i].v.data;
            size_t vl = fields[i].v.len;
            if ((i && (rc = ct_buf_putc(out, ','))) ||
                (rc = json_str(out, names[i], strlen(names[i]))) || (rc = ct_buf_putc(out, ':')))
                break;
            if (is_array[i] == 2 && vl) {
                rc = put_objects(out, &od, &scratch, &fields[i], recno, i, err);
                if (rc == CT_ECORRUPT)
                    break;
            } else if (is_array[i]) {
                /* "a,b,c" -> [a, b, c]; "" -> [] */
                rc = ct_buf_putc(out, '[');
                size_t s0 = 0;
                for (size_t k = 0; rc == CT_OK && vl && k <= vl; k++) {
                    if (k < vl && v[k] != ',')
                        continue;
                    if (s0 && (rc = ct_buf_putc(out, ',')))
                        break;
                    rc = all_digits(v + s0, k - s0) ? ct_buf_append(out, v + s0, k - s0)
                                                    : json_str(out, v + s0, k - s0);
                    s0 = k + 1;
                }
                if (rc == CT_OK)
                    rc = ct_buf_putc(out, ']');
            } else if (vl == 0) {
                rc = ct_buf_puts(out, "null");
            } else {
                rc = json_str(out, v, vl);
            }
        }
        if (rc == CT_OK)
            rc = ct_buf_puts(out, "}\n");
        if (rc != CT_OK && rc != CT_ECORRUPT)
            rc = ct_fail(err, CT_ENOMEM, "too-large", "the CSV made JSON is too large");
    }
    ct_json_release(&od);
    ct_buf_release(&scratch);
    for (size_t i = 0; i < cap; i++)
        ct_buf_release(&fields[i].v);
    for (size_t i = 0; i < hcap; i++)
        ct_buf_release(&head[i].v);
    free(fields);
    free(head);
    free(names);
    free(is_array);
    return rc;
}

/* ---- traces ---- */

static bool str_is(const ct_json_doc *d, uint32_t v, const char *s)
{
    return v && ct_json_type_of(d, v) == CT_JSON_STRING && ct_json_string_is(d, v, s);
}

int ct_eth_etl_trace(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d, uint32_t o,
                     uint32_t *caps, ct_error *err)
{
    int rc;
    /* the type: trace_type, else the start of trace_id */
    char type[16] = "";
    uint32_t tt = ct_json_get(d, o, "trace_type");
    const char *ts = NULL;
    size_t tl = 0;
    if (tt && ct_json_type_of(d, tt) == CT_JSON_STRING) {
        ts = ct_json_raw(d, tt, &tl);
    } else {
        uint32_t ti = ct_json_get(d, o, "trace_id");
        if (ti && ct_json_type_of(d, ti) == CT_JSON_STRING) {
            ts = ct_json_raw(d, ti, &tl);
            const char *u = memchr(ts, '_', tl);
            tl = u ? (size_t)(u - ts) : tl;
        }
    }
    if (!ts || tl == 0 || tl >= sizeof(type))
        return ct_fail(err, CT_ECORRUPT, "bad-trace", "a trace without trace_type or trace_id");
    memcpy(type, ts, tl);
    type[tl] = 0;
    uint64_t status = 1;
    bool has_status = false;
    if ((rc = num_u64(d, o, "status", false, &status, &has_status, err)) != CT_OK)
        return rc;
    if (!has_status) {
        uint32_t e = ct_json_get(d, o, "error");
        status = e && ct_json_type_of(d, e) != CT_JSON_NULL ? 0 : 1;
    }
    if (status > 1)
        return ct_fail(err, CT_ECORRUPT, "bad-trace", "trace status %llu", (unsigned long long)status);
    ct_u256 value = ct_u256_from_u64(0);
    bool pv = false;
    if ((rc = num_u256(d, o, "value", false, &value, &pv, err)) != CT_OK)
        return rc;
    uint8_t from[20], to[20];
    bool hf = false, ht = false;
    if ((rc = hex_fixed(d, o, "from_address", false, from, 20, &hf, err)) != CT_OK ||
        (rc = hex_fixed(d, o, "to_address", false, to, 20, &ht, err)) != CT_OK)
        return rc;
    if (strcmp(type, "reward") == 0 || strcmp(type, "genesis") == 0) {
        if (!ht)
            return ct_fail(err, CT_ECORRUPT, "missing-field", "a %s trace without to_address",
                           type);
        return status == 1 ? ct_eth_bundle_add_reward(b, a, to, &value, err) : CT_OK;
    }
    if (strcmp(type, "call") != 0 && strcmp(type, "create") != 0 && strcmp(type, "suicide") != 0)
        return ct_fail(err, CT_ECORRUPT, "bad-trace", "unknown trace_type '%s'", type);
    /* its transaction */
    uint64_t txi = 0;
    bool hi = false;
    if ((rc = num_u64(d, o, "transaction_index", false, &txi, &hi, err)) != CT_OK)
        return rc;
    uint8_t th[32];
    bool hh = false;
    if ((rc = hex_fixed(d, o, "transaction_hash", false, th, 32, &hh, err)) != CT_OK)
        return rc;
    if (!hi) {
        if (!hh)
            return ct_fail(err, CT_ECORRUPT, "missing-field",
                           "a %s trace without transaction_index or transaction_hash", type);
        for (txi = 0; txi < b->n_txs && memcmp(b->txs[txi].tx.hash, th, 32) != 0; txi++)
            ;
        if (txi == b->n_txs)
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "a trace of a transaction that is not in block %llu",
                           (unsigned long long)b->height);
    }
    if (txi >= b->n_txs)
        return ct_fail(err, CT_ECORRUPT, "mismatch",
                       "a trace of transaction_index %llu in a block of %u transactions",
                       (unsigned long long)txi, b->n_txs);
    if (err)
        err->tx_index = (int64_t)txi;
    ct_eth_btx *t = &b->txs[txi];
    if (hh && memcmp(th, t->tx.hash, 32) != 0)
        return ct_fail(err, CT_ECORRUPT, "mismatch",
                       "a trace's transaction_hash is not transaction %llu's",
                       (unsigned long long)txi);
    /* depth: the trace_address array (or the part of trace_id after the hash) */
    uint32_t ta = ct_json_get(d, o, "trace_address");
    uint32_t depth = 0;
    if (ta && ct_json_type_of(d, ta) == CT_JSON_ARRAY) {
        depth = ct_json_count(d, ta);
    } else if (!ta || ct_json_type_of(d, ta) == CT_JSON_NULL) {
        uint32_t ti = ct_json_get(d, o, "trace_id");
        size_t il = 0;
        const char *is = ti && ct_json_type_of(d, ti) == CT_JSON_STRING ? ct_json_raw(d, ti, &il)
                                                                        : NULL;
        /* "<type>_0x<64 hex>_<a>_<b>..." */
        size_t at = tl + 1 + 66;
        if (!is || il < at || is[at - 1 - 66] != '_' || (il > at && is[at] != '_'))
            return ct_fail(err, CT_ECORRUPT, "missing-field", "a trace without trace_address");
        for (size_t k = at + 1; k <= il && il > at + 1; k++)
            if (k == il || is[k] == '_')
                depth++;
    } else {
        return ct_fail(err, CT_ECORRUPT, "bad-trace", "trace_address is not an array");
    }
    if (depth == 0) {
        if (t->has_trace)
            return ct_fail(err, CT_ECORRUPT, "mismatch", "a second top-level trace");
        t->has_trace = true;
        t->trace_failed = status == 0;
        return CT_OK; /* the transaction's own transfer */
    }
    if (!t->has_trace)
        return ct_fail(err, CT_ECORRUPT, "bad-trace", "a subtrace before its top-level trace");
    if (status == 0 || !pv || ct_u256_is_zero(&value))
        return CT_OK; /* reverted (status 0 covers the failed frame's subtree) or no value */
    uint8_t kind = 0;
    if (strcmp(type, "call") == 0) {
        uint32_t ct = ct_json_get(d, o, "call_type");
        if (!ct || ct_json_type_of(d, ct) == CT_JSON_NULL || str_is(d, ct, "call"))
            kind = CT_ETH_ITX_CALL; /* callcode, delegatecall, staticcall move nothing */
    } else {
        kind = strcmp(type, "create") == 0 ? CT_ETH_ITX_CREATE : CT_ETH_ITX_SELFDESTRUCT;
    }
    if (!kind)
        return CT_OK;
    if (!hf || !ht)
        return ct_fail(err, CT_ECORRUPT, "missing-field",
                       "a %s trace with value but without from_address or to_address", type);
    return ct_eth_itx_push(t, a, &caps[txi], kind, from, to, &value, err);
}

/* Indexes the lines of a file by their block number member. */
static int index_file(esrc *s, efile *f, const char *key, ct_error *err)
{
    size_t cap = 0;
    uint64_t lineno = 0;
    for (size_t p = 0; p < f->len;) {
        size_t e = p;
        while (e < f->len && f->text[e] != '\n')
            e++;
        lineno++;
        size_t l = e;
        while (l > p && (f->text[l - 1] == '\r' || f->text[l - 1] == ' '))
            l--;
        if (l > p) {
            if (e - p > UINT32_MAX || p > UINT32_MAX)
                return ct_fail(err, CT_ENOMEM, "too-large", "'%s': line %llu too far or too long",
                               f->path, (unsigned long long)lineno);
            int rc = ct_json_parse(&s->doc, f->text + p, l - p, NULL, err);
            if (rc != CT_OK) {
                if (err) {
                    ct_error_set_file(err, f->path);
                    err->offset = p + (err->offset == UINT64_MAX ? 0 : err->offset);
                }
                return rc;
            }
            uint64_t bn = 0;
            if (ct_json_type_of(&s->doc, 0) != CT_JSON_OBJECT ||
                (key && (rc = num_u64(&s->doc, 0, key, true, &bn, NULL, err)) != CT_OK)) {
                if (err) {
                    ct_error_set_file(err, f->path);
                    err->offset = p;
                }
                return rc != CT_OK
                           ? rc
                           : ct_fail(err, CT_ECORRUPT, "bad-line", "line %llu is not an object",
                                     (unsigned long long)lineno);
            }
            if (f->n == cap) {
                cap = cap ? cap * 2 : 1024;
                line *nl = realloc(f->lines, cap * sizeof(*nl));
                if (!nl)
                    return ct_fail(err, CT_ENOMEM, "out-of-memory", "indexing '%s'", f->path);
                f->lines = nl;
            }
            f->lines[f->n].block = bn;
            f->lines[f->n].off = (uint32_t)p;
            f->lines[f->n].len = (uint32_t)(l - p);
            f->lines[f->n].no = (uint32_t)(f->csv ? f->n + 2 : lineno);
            f->n++;
        }
        p = e + 1;
    }
    return CT_OK;
}

static void esrc_free(esrc *s)
{
    for (int i = 0; i < F_COUNT; i++) {
        free(s->f[i].path);
        free(s->f[i].text);
        free(s->f[i].lines);
    }
    ct_json_release(&s->doc);
    ct_arena_free(s->arena);
    free(s);
}

static const line *find_block(const esrc *s, uint64_t h)
{
    const efile *f = &s->f[F_BLOCKS];
    const line *r = NULL;
    for (size_t i = 0; i < f->n; i++)
        if (f->lines[i].block == h)
            r = &f->lines[i];
    return r;
}

static int parse_line(esrc *s, const efile *f, const line *l, ct_error *err)
{
    return ct_json_parse(&s->doc, f->text + l->off, l->len, NULL, err);
}

static int et_range(void *ctx, uint64_t *lo, uint64_t *hi, ct_error *err)
{
    const efile *f = &((esrc *)ctx)->f[F_BLOCKS];
    if (!f->n)
        return ct_fail(err, CT_ENOTFOUND, "no-blocks", "'%s' holds no block", f->path);
    *lo = *hi = f->lines[0].block;
    for (size_t i = 1; i < f->n; i++) {
        if (f->lines[i].block < *lo)
            *lo = f->lines[i].block;
        if (f->lines[i].block > *hi)
            *hi = f->lines[i].block;
    }
    return CT_OK;
}

static int et_hash_at(void *ctx, uint64_t h, uint8_t hash[32], ct_error *err)
{
    esrc *s = ctx;
    const line *l = find_block(s, h);
    const char *key = "hash";
    if (!l && h < UINT64_MAX && (l = find_block(s, h + 1)) != NULL)
        key = "parent_hash";
    if (!l)
        return ct_fail(err, CT_ENOTFOUND, "no-block", "no block %llu in the export",
                       (unsigned long long)h);
    int rc = parse_line(s, &s->f[F_BLOCKS], l, err);
    if (rc == CT_OK)
        rc = hex_fixed(&s->doc, 0, key, true, hash, 32, NULL, err);
    return rc;
}

static int set_line(ct_error *err, const efile *f, const line *l)
{
    if (err) {
        ct_error_set_file(err, f->path);
        /* a CSV's line offsets are those of the JSON lines made from it, not the file's: the
         * error names the record instead */
        err->offset = f->csv ? UINT64_MAX : l->off;
    }
    return CT_OK;
}

/* What a block's transaction took from its own line, before the receipts are joined. */
typedef struct rx_state {
    bool gas, status, joined;
    uint64_t status_v;
    const line *line;
} rx_state;

/* "'DIR/receipts.csv' record 3" or "'DIR/receipts.json' line 3" */
static const char *where(char *buf, size_t n, const efile *f, const line *l)
{
    snprintf(buf, n, "'%s' %s %u", f->path, f->csv ? "record" : "line", l->no);
    return buf;
}

/* Joins the lines of receipts.{json,csv} of block h to its transactions by hash: a receipt
 * field is taken only where the transaction's own receipt_* field is missing. A receipt of
 * no transaction of the block, a second receipt, a transaction_index or block_hash that is
 * not the transaction's, and a transaction left without receipt data are errors naming the
 * file, its line (record for a CSV) and the hash. */
static int join_receipts(esrc *s, ct_eth_bundle *b, uint64_t h, rx_state *rx, ct_error *err)
{
    const ct_json_doc *d = &s->doc;
    const efile *fr = &s->f[F_RECEIPTS], *ft = &s->f[F_TXS];
    char at[600], hx[65];
    int rc;
    for (size_t i = 0; i < fr->n; i++) {
        const line *l = &fr->lines[i];
        if (l->block != h)
            continue;
        set_line(err, fr, l);
        uint8_t th[32], bh[32];
        uint64_t txi = 0, status = 0;
        bool has_bh = false, has_status = false, has_gas = false, has_eff = false, has_ca = false;
        uint64_t gas = 0;
        ct_u256 eff;
        uint8_t ca[20];
        if ((rc = parse_line(s, fr, l, err)) != CT_OK ||
            (rc = hex_fixed(d, 0, "transaction_hash", true, th, 32, NULL, err)) ||
            (rc = num_u64(d, 0, "transaction_index", true, &txi, NULL, err)) ||
            (rc = hex_fixed(d, 0, "block_hash", false, bh, 32, &has_bh, err)) ||
            (rc = num_u64(d, 0, "gas_used", false, &gas, &has_gas, err)) ||
            (rc = num_u64(d, 0, "status", false, &status, &has_status, err)) ||
            (rc = num_u256(d, 0, "effective_gas_price", false, &eff, &has_eff, err)) ||
            (rc = hex_fixed(d, 0, "contract_address", false, ca, 20, &has_ca, err)))
            return rc;
        ct_hex_encode(hx, th, 32);
        uint32_t j = 0;
        while (j < b->n_txs && memcmp(b->txs[j].tx.hash, th, 32) != 0)
            j++;
        where(at, sizeof(at), fr, l);
        if (j == b->n_txs)
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "%s: the receipt of 0x%s is of no transaction of block %llu", at, hx,
                           (unsigned long long)h);
        if (err)
            err->tx_index = j;
        if (rx[j].joined)
            return ct_fail(err, CT_ECORRUPT, "mismatch", "%s: a second receipt of 0x%s", at, hx);
        if (txi != j) {
            char at2[600];
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "%s: the receipt of 0x%s has transaction_index %llu, its transaction "
                           "(%s) %u",
                           at, hx, (unsigned long long)txi, where(at2, sizeof(at2), ft, rx[j].line),
                           j);
        }
        if (has_bh && memcmp(bh, b->hash, 32) != 0)
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "%s: the receipt of 0x%s has another block_hash than block %llu", at,
                           hx, (unsigned long long)h);
        rx[j].joined = true;
        ct_eth_btx *bt = &b->txs[j];
        if (!rx[j].gas && has_gas) {
            bt->rc.gas_used = gas;
            rx[j].gas = true;
        }
        if (!rx[j].status && has_status) {
            rx[j].status = true;
            rx[j].status_v = status;
        }
        if (!bt->rc.has_effective_price && has_eff) {
            bt->rc.effective_gas_price = eff;
            bt->rc.has_effective_price = true;
        }
        if (!bt->rc.has_contract && has_ca) {
            memcpy(bt->rc.contract_address, ca, 20);
            bt->rc.has_contract = true;
        }
    }
    for (uint32_t j = 0; j < b->n_txs; j++) {
        ct_eth_btx *bt = &b->txs[j];
        set_line(err, ft, rx[j].line);
        if (err)
            err->tx_index = j;
        ct_hex_encode(hx, bt->tx.hash, 32);
        where(at, sizeof(at), ft, rx[j].line);
        if (!rx[j].gas) {
            /* a receipt of this hash elsewhere in the file: its block number disagrees */
            for (size_t i = 0; i < fr->n; i++) {
                uint8_t th[32];
                const line *l = &fr->lines[i];
                if (l->block == h || parse_line(s, fr, l, NULL) != CT_OK ||
                    hex_fixed(d, 0, "transaction_hash", true, th, 32, NULL, NULL) != CT_OK ||
                    memcmp(th, bt->tx.hash, 32) != 0)
                    continue;
                char at2[600];
                return ct_fail(err, CT_ECORRUPT, "mismatch",
                               "%s: the receipt of 0x%s has block_number %llu, its transaction (%s) %llu",
                               where(at2, sizeof(at2), fr, l), hx, (unsigned long long)l->block,
                               at, (unsigned long long)h);
            }
            if (fr->path && fr->path[0])
                return ct_fail(err, CT_ECORRUPT, "missing-field",
                               "%s: transaction 0x%s has no receipt_gas_used and no line in '%s'",
                               at, hx, fr->path);
            return ct_fail(err, CT_ECORRUPT, "missing-field",
                           "%s: transaction 0x%s has no receipt_gas_used (and there is no "
                           "receipts file)",
                           at, hx);
        }
        if (rx[j].status_v > 1 || bt->rc.gas_used > bt->tx.gas_limit)
            return ct_fail(err, CT_ECORRUPT, "bad-quantity",
                           "%s: receipt status or gas used of 0x%s out of range", at, hx);
        bt->rc.present = true;
        bt->rc.has_status = rx[j].status;
        bt->rc.status = (uint8_t)rx[j].status_v;
    }
    if (err)
        err->tx_index = -1;
    return CT_OK;
}

static const uint8_t TRANSFER_TOPIC[32] = {
    0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
    0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef};

static bool is_erc20_transfer(const ct_eth_log *lg)
{
    return lg->n_topics == 3 && lg->data_len == 32 && memcmp(lg->topics[0], TRANSFER_TOPIC, 32) == 0;
}

/* token_transfers.{json,csv} of block h. Without a logs file, each row is made the ERC-20
 * Transfer log it was read from (3 topics, the value as 32 bytes of data). With one, the two
 * must agree: every row a Transfer log of the same transaction and log_index, contract,
 * from, to and value, and every ERC-20 Transfer log a row. */
static int token_transfers(esrc *s, ct_eth_bundle *b, uint64_t h, ct_error *err)
{
    const ct_json_doc *d = &s->doc;
    const efile *fx = &s->f[F_TRANSFERS], *fl = &s->f[F_LOGS];
    if (!fx->path[0])
        return CT_OK;
    bool make = !fl->path[0];
    size_t nrow = 0, k = 0;
    for (size_t i = 0; i < fx->n; i++)
        nrow += fx->lines[i].block == h;
    uint32_t(*keys)[2] = nrow ? ct_arena_alloc(s->arena, nrow, sizeof(*keys)) : NULL;
    if (nrow && !keys)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "token transfers");
    char at[600], hx[65];
    int rc;
    for (int pass = 0; pass < (make ? 2 : 1); pass++) {
        for (size_t i = 0; i < fx->n; i++) {
            const line *l = &fx->lines[i];
            if (l->block != h)
                continue;
            set_line(err, fx, l);
            uint8_t tok[20], from[20], to[20], th[32];
            ct_u256 v;
            uint64_t li;
            if ((rc = parse_line(s, fx, l, err)) != CT_OK ||
                (rc = hex_fixed(d, 0, "transaction_hash", true, th, 32, NULL, err)) ||
                (rc = hex_fixed(d, 0, "token_address", true, tok, 20, NULL, err)) ||
                (rc = hex_fixed(d, 0, "from_address", true, from, 20, NULL, err)) ||
                (rc = hex_fixed(d, 0, "to_address", true, to, 20, NULL, err)) ||
                (rc = num_u256(d, 0, "value", true, &v, NULL, err)) ||
                (rc = num_u64(d, 0, "log_index", true, &li, NULL, err)))
                return rc;
            ct_hex_encode(hx, th, 32);
            where(at, sizeof(at), fx, l);
            if (li > UINT32_MAX)
                return ct_fail(err, CT_ECORRUPT, "bad-quantity", "%s: log_index %llu", at,
                               (unsigned long long)li);
            uint32_t j = 0;
            while (j < b->n_txs && memcmp(b->txs[j].tx.hash, th, 32) != 0)
                j++;
            if (j == b->n_txs)
                return ct_fail(err, CT_ECORRUPT, "mismatch",
                               "%s: the token transfer of 0x%s is of no transaction of block %llu",
                               at, hx, (unsigned long long)h);
            if (err)
                err->tx_index = j;
            ct_eth_receipt *r = &b->txs[j].rc;
            if (make && pass == 0) {
                r->n_logs++;
                continue;
            }
            if (make) {
                ct_eth_log *lg = &r->logs[r->n_logs++];
                uint8_t *data = ct_arena_alloc(s->arena, 32, 1);
                if (!data)
                    return ct_fail(err, CT_ENOMEM, "out-of-memory", "token transfers");
                memset(lg, 0, sizeof(*lg));
                lg->log_index = (uint32_t)li;
                memcpy(lg->address, tok, 20);
                lg->n_topics = 3;
                memcpy(lg->topics[0], TRANSFER_TOPIC, 32);
                memcpy(lg->topics[1] + 12, from, 20);
                memcpy(lg->topics[2] + 12, to, 20);
                ct_u256_to_be(data, &v);
                lg->data = data;
                lg->data_len = 32;
                continue;
            }
            const ct_eth_log *lg = NULL;
            for (uint32_t n = 0; n < r->n_logs && !lg; n++)
                if (r->logs[n].log_index == li)
                    lg = &r->logs[n];
            if (!lg)
                return ct_fail(err, CT_ECORRUPT, "mismatch",
                               "%s: the token transfer of 0x%s log_index %llu is not in '%s'", at,
                               hx, (unsigned long long)li, fl->path);
            static const uint8_t zero[12];
            ct_u256 lv;
            bool vok = false;
            if (lg->n_topics == 3 && lg->data_len == 32)
                vok = ct_u256_from_be(&lv, lg->data, 32, NULL) == CT_OK;
            else if (lg->n_topics == 4)
                vok = ct_u256_from_be(&lv, lg->topics[3], 32, NULL) == CT_OK;
            if (lg->n_topics < 3 || memcmp(lg->topics[0], TRANSFER_TOPIC, 32) != 0 ||
                memcmp(lg->address, tok, 20) != 0 || memcmp(lg->topics[1], zero, 12) != 0 ||
                memcmp(lg->topics[1] + 12, from, 20) != 0 ||
                memcmp(lg->topics[2], zero, 12) != 0 || memcmp(lg->topics[2] + 12, to, 20) != 0 ||
                !vok || ct_u256_cmp(&lv, &v) != 0)
                return ct_fail(err, CT_ECORRUPT, "mismatch",
                               "%s: the token transfer of 0x%s log_index %llu is not its log in "
                               "'%s' (contract, from, to or value)",
                               at, hx, (unsigned long long)li, fl->path);
            keys[k][0] = j;
            keys[k][1] = (uint32_t)li;
            k++;
        }
        if (make && pass == 0)
            for (uint32_t i = 0; i < b->n_txs; i++) {
                ct_eth_receipt *r = &b->txs[i].rc;
                if (r->n_logs &&
                    !(r->logs = ct_arena_alloc(s->arena, r->n_logs, sizeof(ct_eth_log))))
                    return ct_fail(err, CT_ENOMEM, "out-of-memory", "logs");
                r->n_logs = 0;
            }
    }
    if (err)
        err->tx_index = -1;
    if (make)
        return CT_OK;
    /* none extra: every ERC-20 Transfer log is a row */
    for (uint32_t j = 0; j < b->n_txs; j++)
        for (uint32_t n = 0; n < b->txs[j].rc.n_logs; n++) {
            const ct_eth_log *lg = &b->txs[j].rc.logs[n];
            if (!is_erc20_transfer(lg))
                continue;
            size_t q = 0;
            while (q < k && !(keys[q][0] == j && keys[q][1] == lg->log_index))
                q++;
            if (q == k) {
                if (err) {
                    ct_error_set_file(err, fl->path);
                    err->offset = UINT64_MAX;
                    err->tx_index = j;
                }
                ct_hex_encode(hx, b->txs[j].tx.hash, 32);
                return ct_fail(err, CT_ECORRUPT, "mismatch",
                               "the ERC-20 Transfer log %u of 0x%s in '%s' is not in '%s'",
                               lg->log_index, hx, fl->path, fx->path);
            }
        }
    if (err)
        err->tx_index = -1;
    return CT_OK;
}

static int et_block(void *ctx, uint64_t h, ct_eth_bundle *b, ct_error *err)
{
    esrc *s = ctx;
    const line *bl = find_block(s, h);
    if (!bl)
        return ct_fail(err, CT_ENOTFOUND, "no-block", "no block %llu in the export",
                       (unsigned long long)h);
    ct_arena_reset(s->arena);
    memset(b, 0, sizeof(*b));
    const ct_json_doc *d = &s->doc;
    const efile *fb = &s->f[F_BLOCKS];
    set_line(err, fb, bl);
    int rc = parse_line(s, fb, bl, err);
    uint64_t ntx = 0;
    if (rc || (rc = num_u64(d, 0, "number", true, &b->height, NULL, err)) ||
        (rc = hex_fixed(d, 0, "hash", true, b->hash, 32, NULL, err)) ||
        (rc = hex_fixed(d, 0, "parent_hash", true, b->parent, 32, NULL, err)) ||
        (rc = num_u64(d, 0, "timestamp", true, &b->time, NULL, err)) ||
        (rc = hex_fixed(d, 0, "miner", true, b->miner, 20, NULL, err)) ||
        (rc = num_u256(d, 0, "base_fee_per_gas", false, &b->base_fee, &b->has_base_fee, err)) ||
        (rc = num_u64(d, 0, "gas_used", true, &b->gas_used, NULL, err)) ||
        (rc = num_u64(d, 0, "gas_limit", true, &b->gas_limit, NULL, err)) ||
        (rc = num_u64(d, 0, "transaction_count", true, &ntx, NULL, err)))
        return rc;
    if (err) {
        err->height = (int64_t)b->height;
        ct_hex_encode(err->block_hash, b->hash, 32);
    }
    if (b->time > UINT32_MAX || b->height > UINT32_MAX - 1 || ntx > 1000000)
        return ct_fail(err, CT_ECORRUPT, "bad-quantity",
                       "block number, timestamp or tx count out "
                       "of range");
    uint32_t wd = ct_json_get(d, 0, "withdrawals");
    if (wd && ct_json_type_of(d, wd) == CT_JSON_ARRAY) {
        b->has_withdrawals = true;
        b->n_wd = ct_json_count(d, wd);
        if (b->n_wd && !(b->wd = ct_arena_alloc(s->arena, b->n_wd, sizeof(*b->wd))))
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "withdrawals");
        uint32_t i = 0;
        for (uint32_t x = ct_json_first(d, wd); x; x = ct_json_next(d, wd, x), i++)
            if ((rc = num_u64(d, x, "index", true, &b->wd[i].index, NULL, err)) ||
                (rc = num_u64(d, x, "validator_index", true, &b->wd[i].validator, NULL, err)) ||
                (rc = hex_fixed(d, x, "address", true, b->wd[i].address, 20, NULL, err)) ||
                (rc = num_u64(d, x, "amount", true, &b->wd[i].amount_gwei, NULL, err)))
                return rc;
    }
    b->n_txs = (uint32_t)ntx;
    if (ntx && !(b->txs = ct_arena_alloc(s->arena, ntx, sizeof(ct_eth_btx))))
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "transactions");
    if (ntx)
        memset(b->txs, 0, ntx * sizeof(ct_eth_btx));
    /* transactions, with their receipts (the receipt_* fields, else receipts.{json,csv}) */
    const efile *ft = &s->f[F_TXS];
    rx_state *rx = ntx ? ct_arena_alloc(s->arena, ntx, sizeof(*rx)) : NULL;
    if (ntx && !rx)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "receipts");
    if (ntx)
        memset(rx, 0, ntx * sizeof(*rx));
    uint32_t seen = 0;
    for (size_t i = 0; i < ft->n; i++) {
        const line *l = &ft->lines[i];
        if (l->block != h)
            continue;
        set_line(err, ft, l);
        if ((rc = parse_line(s, ft, l, err)) != CT_OK)
            return rc;
        uint64_t txi, type = 0, status = 0;
        bool has_status, has_gas;
        uint8_t bh[32];
        if ((rc = num_u64(d, 0, "transaction_index", true, &txi, NULL, err)))
            return rc;
        if (txi >= ntx)
            return ct_fail(err, CT_ECORRUPT, "mismatch",
                           "transaction_index %llu in a block of %llu transactions",
                           (unsigned long long)txi, (unsigned long long)ntx);
        if (err)
            err->tx_index = (int64_t)txi;
        ct_eth_btx *bt = &b->txs[txi];
        ct_eth_tx *t = &bt->tx;
        if (t->has_from)
            return ct_fail(err, CT_ECORRUPT, "mismatch", "transaction %llu appears twice",
                           (unsigned long long)txi);
        bt->index = (uint32_t)txi;
        if ((rc = hex_fixed(d, 0, "block_hash", true, bh, 32, NULL, err)))
            return rc;
        if (memcmp(bh, b->hash, 32))
            return ct_fail(err, CT_ECORRUPT, "mismatch", "block_hash differs from the block's");
        if ((rc = hex_fixed(d, 0, "hash", true, t->hash, 32, NULL, err)) ||
            (rc = hex_fixed(d, 0, "from_address", true, t->from, 20, NULL, err)) ||
            (rc = hex_fixed(d, 0, "to_address", false, t->to, 20, &t->has_to, err)) ||
            (rc = num_u256(d, 0, "value", true, &t->value, NULL, err)) ||
            (rc = num_u64(d, 0, "nonce", true, &t->nonce, NULL, err)) ||
            (rc = num_u64(d, 0, "gas", true, &t->gas_limit, NULL, err)) ||
            (rc = num_u256(d, 0, "gas_price", true, &bt->node_gas_price, NULL, err)) ||
            (rc = num_u64(d, 0, "transaction_type", false, &type, NULL, err)) ||
            (rc = hex_var(d, 0, "input", s->arena, &t->input, &t->input_len, err)) ||
            (rc = num_u64(d, 0, "receipt_gas_used", false, &bt->rc.gas_used, &has_gas, err)) ||
            (rc = num_u64(d, 0, "receipt_status", false, &status, &has_status, err)) ||
            (rc = num_u256(d, 0, "receipt_effective_gas_price", false, &bt->rc.effective_gas_price,
                           &bt->rc.has_effective_price, err)) ||
            (rc = hex_fixed(d, 0, "receipt_contract_address", false, bt->rc.contract_address, 20,
                            &bt->rc.has_contract, err)))
            return rc;
        if (type > 4)
            return ct_fail(err, CT_ECORRUPT, "bad-quantity", "transaction_type out of range");
        rx[txi].gas = has_gas;
        rx[txi].status = has_status;
        rx[txi].status_v = status;
        rx[txi].line = l;
        t->has_from = true;
        t->type = (uint8_t)type;
        t->gas_price = bt->node_gas_price;
        if (type >= 2 &&
            ((rc = num_u256(d, 0, "max_fee_per_gas", true, &t->gas_price, NULL, err)) ||
             (rc = num_u256(d, 0, "max_priority_fee_per_gas", true, &t->max_priority_fee, NULL,
                            err))))
            return rc;
        seen++;
    }
    if (err)
        err->tx_index = -1;
    if (seen != ntx)
        return ct_fail(err, CT_ECORRUPT, "mismatch", "%u transactions in '%s' for a block of %llu",
                       seen, ft->path, (unsigned long long)ntx);
    if ((rc = join_receipts(s, b, h, rx, err)) != CT_OK)
        return rc;
    /* logs: counted per transaction, then filled in log-index order */
    const efile *fl = &s->f[F_LOGS];
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < fl->n; i++) {
            const line *l = &fl->lines[i];
            if (l->block != h)
                continue;
            set_line(err, fl, l);
            if ((rc = parse_line(s, fl, l, err)) != CT_OK)
                return rc;
            uint64_t txi;
            if ((rc = num_u64(d, 0, "transaction_index", true, &txi, NULL, err)))
                return rc;
            if (txi >= ntx)
                return ct_fail(err, CT_ECORRUPT, "mismatch", "a log of transaction %llu",
                               (unsigned long long)txi);
            ct_eth_receipt *r = &b->txs[txi].rc;
            if (pass == 0) {
                r->n_logs++;
                continue;
            }
            ct_eth_log *lg = &r->logs[r->n_logs++];
            uint64_t li;
            uint8_t th[32];
            memset(lg, 0, sizeof(*lg));
            if ((rc = num_u64(d, 0, "log_index", true, &li, NULL, err)) ||
                (rc = hex_fixed(d, 0, "transaction_hash", true, th, 32, NULL, err)) ||
                (rc = hex_fixed(d, 0, "address", true, lg->address, 20, NULL, err)) ||
                (rc = hex_var(d, 0, "data", s->arena, &lg->data, &lg->data_len, err)))
                return rc;
            if (memcmp(th, b->txs[txi].tx.hash, 32))
                return ct_fail(err, CT_ECORRUPT, "mismatch",
                               "transaction_hash of a log is not transaction %llu's",
                               (unsigned long long)txi);
            lg->log_index = (uint32_t)li;
            uint32_t tp = ct_json_get(d, 0, "topics");
            if (!tp || ct_json_type_of(d, tp) != CT_JSON_ARRAY || ct_json_count(d, tp) > 4)
                return ct_fail(err, CT_ECORRUPT, "bad-data",
                               "log: 'topics' is not an array of "
                               "at most 4");
            for (uint32_t x = ct_json_first(d, tp); x; x = ct_json_next(d, tp, x)) {
                size_t len;
                const char *t = ct_json_raw(d, x, &len);
                if (ct_json_type_of(d, x) != CT_JSON_STRING || len != 66 ||
                    ct_hex_decode(lg->topics[lg->n_topics], t + 2, 32) != CT_OK)
                    return ct_fail(err, CT_ECORRUPT, "bad-data",
                                   "log: a topic is not 32-byte DATA");
                lg->n_topics++;
            }
        }
        if (pass == 0)
            for (uint32_t i = 0; i < b->n_txs; i++) {
                ct_eth_receipt *r = &b->txs[i].rc;
                if (r->n_logs &&
                    !(r->logs = ct_arena_alloc(s->arena, r->n_logs, sizeof(ct_eth_log))))
                    return ct_fail(err, CT_ENOMEM, "out-of-memory", "logs");
                r->n_logs = 0;
            }
    }
    if ((rc = token_transfers(s, b, h, err)) != CT_OK)
        return rc;
    /* logs in log-index order within each receipt (exports are usually in order already) */
    for (uint32_t i = 0; i < b->n_txs; i++) {
        ct_eth_receipt *r = &b->txs[i].rc;
        for (uint32_t k = 1; k < r->n_logs; k++)
            for (uint32_t j = k; j > 0 && r->logs[j - 1].log_index > r->logs[j].log_index; j--) {
                ct_eth_log tmp = r->logs[j];
                r->logs[j] = r->logs[j - 1];
                r->logs[j - 1] = tmp;
            }
    }
    b->has_receipts = true;
    /* traces: internal transfers and rewards, when the export has them */
    const efile *fr = &s->f[F_TRACES];
    if (fr->text) {
        uint32_t *caps = b->n_txs ? ct_arena_alloc(s->arena, b->n_txs, sizeof(uint32_t)) : NULL;
        if (b->n_txs && !caps)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "trace caps");
        if (b->n_txs)
            memset(caps, 0, b->n_txs * sizeof(uint32_t));
        for (size_t i = 0; i < fr->n; i++) {
            const line *l = &fr->lines[i];
            if (l->block != h)
                continue;
            set_line(err, fr, l);
            if ((rc = parse_line(s, fr, l, err)) != CT_OK ||
                (rc = ct_eth_etl_trace(b, s->arena, d, 0, caps, err)) != CT_OK)
                return rc;
        }
        if (err)
            err->tx_index = -1;
        for (uint32_t i = 0; i < b->n_txs; i++)
            if (!b->txs[i].has_trace) {
                if (err)
                    err->tx_index = i;
                return ct_fail(err, CT_ECORRUPT, "mismatch",
                               "'%s' has no top-level trace of transaction %u", fr->path, i);
            }
        b->has_traces = true;
    }
    /* tokens: metadata of any token of the export */
    const efile *fk = &s->f[F_TOKENS];
    for (size_t i = 0; i < fk->n; i++) {
        const line *l = &fk->lines[i];
        set_line(err, fk, l);
        if ((rc = parse_line(s, fk, l, err)) != CT_OK)
            return rc;
        uint8_t c[20];
        uint64_t dec = 0;
        bool has_dec = false;
        ct_buf sym;
        ct_buf_init(&sym, 256);
        if ((rc = hex_fixed(d, 0, "address", true, c, 20, NULL, err)))
            return rc;
        if (num_u64(d, 0, "decimals", false, &dec, &has_dec, NULL) != CT_OK)
            has_dec = false;
        uint32_t sv = ct_json_get(d, 0, "symbol");
        if (sv && ct_json_type_of(d, sv) == CT_JSON_STRING && ct_json_string(d, sv, &sym) != CT_OK)
            sym.len = 0;
        rc = ct_eth_bundle_add_token(b, s->arena, c, sym.len ? (const char *)sym.data : NULL,
                                     has_dec && dec <= 255 ? (int)dec : -1, err);
        ct_buf_release(&sym);
        if (rc)
            return rc;
    }
    if (err) {
        ct_error_set_file(err, fb->path);
        err->offset = bl->off;
    }
    return CT_OK;
}

static void et_close(void *ctx)
{
    esrc_free(ctx);
}

static const ct_eth_source_ops ETL_OPS = {
    CT_ETH_SOURCE_VERSION, "etl", et_range, et_hash_at, et_block, et_close,
};

int ct_eth_source_etl(ct_eth_source *src, const char *dir, ct_error *err)
{
    esrc *s = calloc(1, sizeof(*s));
    if (!s)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "etl source");
    ct_json_init(&s->doc);
    s->arena = ct_arena_new((size_t)1 << 30);
    if (!s->arena) {
        esrc_free(s);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "etl source");
    }
    for (int i = 0; i < F_COUNT; i++) {
        size_t n = strlen(dir) + strlen(NAMES[i]) + 8;
        efile *f = &s->f[i];
        f->path = malloc(n);
        if (!f->path) {
            esrc_free(s);
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "etl source");
        }
        /* NAME.json (JSON lines), else NAME.csv, made JSON lines here */
        snprintf(f->path, n, "%s/%s.json", dir, NAMES[i]);
        int rc = ct_read_file(f->path, MAX_FILE, true, &f->text, &f->len, err);
        if (rc == CT_ENOTFOUND) {
            snprintf(f->path, n, "%s/%s.csv", dir, NAMES[i]);
            rc = ct_read_file(f->path, MAX_FILE, true, &f->text, &f->len, err);
            if (rc == CT_OK) {
                f->csv = true;
                ct_buf j;
                ct_buf_init(&j, MAX_FILE);
                rc = ct_eth_csv_to_jsonl(f->text, f->len, ALIAS[i], ARRAYS, OBJECTS, &j, err);
                free(f->text);
                f->text = (char *)j.data;
                f->len = j.len;
                if (rc != CT_OK) {
                    ct_buf_release(&j);
                    f->text = NULL;
                    ct_error_set_file(err, f->path);
                }
            }
            if (rc == CT_ENOTFOUND && i < F_LOGS) {
                rc = ct_fail(err, CT_EIO, "open", "'%s/%s.json' or '%s/%s.csv' is needed", dir,
                             NAMES[i], dir, NAMES[i]);
            }
        }
        if (rc == CT_ENOTFOUND) {
            f->path[0] = 0;
            continue;
        }
        if (rc == CT_OK)
            rc = index_file(s, f,
                            i == F_BLOCKS   ? "number"
                            : i == F_TOKENS ? NULL
                                            : "block_number",
                            err);
        if (rc != CT_OK) {
            esrc_free(s);
            return rc;
        }
    }
    if (!s->f[F_LOGS].path[0] && !s->f[F_TRANSFERS].path[0]) {
        esrc_free(s);
        return ct_fail(err, CT_EIO, "open",
                       "'%s/logs.json' or '%s/logs.csv' (else token_transfers.json or .csv) is "
                       "needed",
                       dir, dir);
    }
    src->ops = &ETL_OPS;
    src->ctx = s;
    return CT_OK;
}

int ct_eth_ingest_etl(ct_db *db, ct_eth_ingest_stats *stats, const char *dir,
                      const ct_eth_ingest_options *opts, ct_error *err)
{
    ct_eth_ingest_stats_reset(stats);
    if (!opts || !opts->trust_senders)
        return ct_fail(err, CT_EINVAL, "untrusted-senders",
                       "ethereum-etl exports carry no signatures: the senders cannot be "
                       "recovered; ingest them only with trust_senders (--trust-senders)");
    ct_eth_source src;
    int rc = ct_eth_source_etl(&src, dir, err);
    if (rc != CT_OK)
        return rc;
    rc = ct_eth_ingest_source(db, stats, &src, opts, err);
    src.ops->close(src.ctx);
    return rc;
}
