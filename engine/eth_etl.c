/* The `--etl DIR` block source: an ethereum-etl export in its JSON-lines form (`ethereumetl
 * stream`, or `export_*` with .json outputs): DIR/blocks.json, DIR/transactions.json (with
 * the receipt_* fields), DIR/logs.json, and optionally DIR/traces.json and DIR/tokens.json,
 * one JSON object per line (docs/ethereum-etl.md). Lines are indexed by block number at
 * open; each block's bundle is built when asked.
 *
 * ethereum-etl exports carry no signatures, so a sender cannot be recovered: bundles from
 * this source have verified = false, and the ingest takes them only when the caller said
 * so (ct_eth_ingest_options.trust_senders, `--trust-senders`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_source.h"

#define MAX_FILE ((size_t)1 << 31)

typedef struct line {
    uint64_t block;
    uint32_t off, len;
} line;

typedef struct efile {
    char *path;
    char *text;
    size_t len;
    line *lines;
    size_t n;
} efile;

enum { F_BLOCKS, F_TXS, F_LOGS, F_TRACES, F_TOKENS, F_COUNT };
static const char *const NAMES[F_COUNT] = {"blocks.json", "transactions.json", "logs.json",
                                           "traces.json", "tokens.json"};

typedef struct esrc {
    efile f[F_COUNT];
    ct_json_doc doc;
    ct_arena *arena;
} esrc;

static int read_whole(const char *path, char **out, size_t *len, bool optional, ct_error *err)
{
    FILE *f = fopen(path, "rb");
    *out = NULL;
    *len = 0;
    if (!f) {
        if (optional && errno == ENOENT)
            return CT_ENOTFOUND;
        return ct_fail(err, CT_EIO, "open", "cannot open '%s': %s", path, strerror(errno));
    }
    ct_buf b;
    ct_buf_init(&b, MAX_FILE);
    char chunk[65536];
    size_t n;
    int rc = CT_OK;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (ct_buf_append(&b, chunk, n) != CT_OK) {
            rc = ct_fail(err, CT_ENOMEM, "too-large", "'%s' is larger than 2 GiB", path);
            break;
        }
    if (rc == CT_OK && ferror(f))
        rc = ct_fail(err, CT_EIO, "read", "cannot read '%s'", path);
    fclose(f);
    if (rc != CT_OK) {
        ct_buf_release(&b);
        return rc;
    }
    *out = (char *)b.data;
    *len = b.len;
    return CT_OK;
}

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
    if ((ct_json_type_of(d, v) != CT_JSON_NUMBER && ct_json_type_of(d, v) != CT_JSON_STRING) ||
        ct_u256_parse_dec(out, s, len, &e) != CT_OK)
        return ct_fail(err, CT_ECORRUPT, "bad-quantity", "'%s' is not a whole number (%s)", key,
                       e.reason[0] ? e.reason : "type");
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
        err->offset = l->off;
    }
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
    /* transactions, with their receipts */
    const efile *ft = &s->f[F_TXS];
    uint32_t seen = 0;
    for (size_t i = 0; i < ft->n; i++) {
        const line *l = &ft->lines[i];
        if (l->block != h)
            continue;
        set_line(err, ft, l);
        if ((rc = parse_line(s, ft, l, err)) != CT_OK)
            return rc;
        uint64_t txi, type = 0, status = 0;
        bool has_status;
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
            (rc = num_u64(d, 0, "receipt_gas_used", true, &bt->rc.gas_used, NULL, err)) ||
            (rc = num_u64(d, 0, "receipt_status", false, &status, &has_status, err)) ||
            (rc = num_u256(d, 0, "receipt_effective_gas_price", false, &bt->rc.effective_gas_price,
                           &bt->rc.has_effective_price, err)) ||
            (rc = hex_fixed(d, 0, "receipt_contract_address", false, bt->rc.contract_address, 20,
                            &bt->rc.has_contract, err)))
            return rc;
        if (type > 4 || status > 1 || bt->rc.gas_used > t->gas_limit)
            return ct_fail(err, CT_ECORRUPT, "bad-quantity",
                           "transaction_type, receipt_status or receipt_gas_used out of range");
        t->has_from = true;
        t->type = (uint8_t)type;
        t->gas_price = bt->node_gas_price;
        if (type >= 2 &&
            ((rc = num_u256(d, 0, "max_fee_per_gas", true, &t->gas_price, NULL, err)) ||
             (rc = num_u256(d, 0, "max_priority_fee_per_gas", true, &t->max_priority_fee, NULL,
                            err))))
            return rc;
        bt->rc.present = true;
        bt->rc.has_status = has_status;
        bt->rc.status = (uint8_t)status;
        seen++;
    }
    if (err)
        err->tx_index = -1;
    if (seen != ntx)
        return ct_fail(err, CT_ECORRUPT, "mismatch", "%u transactions in '%s' for a block of %llu",
                       seen, ft->path, (unsigned long long)ntx);
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
        size_t n = strlen(dir) + strlen(NAMES[i]) + 2;
        efile *f = &s->f[i];
        f->path = malloc(n);
        if (!f->path) {
            esrc_free(s);
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "etl source");
        }
        snprintf(f->path, n, "%s/%s", dir, NAMES[i]);
        int rc = read_whole(f->path, &f->text, &f->len, i >= F_TRACES, err);
        if (rc == CT_ENOTFOUND)
            continue;
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
    if (s->f[F_TRACES].n) {
        esrc_free(s);
        return ct_fail(err, CT_EINVAL, "traces-unsupported",
                       "'%s/traces.json': internal transfers from ethereum-etl traces are not "
                       "read yet; remove the file to ingest without them",
                       dir);
    }
    src->ops = &ETL_OPS;
    src->ctx = s;
    return CT_OK;
}

int ct_eth_ingest_etl(ct_db *db, ct_eth_ingest_stats *stats, const char *dir,
                      const ct_eth_ingest_options *opts, ct_error *err)
{
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
