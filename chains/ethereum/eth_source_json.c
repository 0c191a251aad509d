/* The `--json FILE...` block source: saved JSON-RPC responses. Each file holds one
 * response ({"jsonrpc", "id", "result"}), a batch of them (an array of responses), or a
 * bare result. Results are recognized by their shape:
 *   - a block with full transactions (eth_getBlockByNumber(N, true)),
 *   - a receipts array (eth_getBlockReceipts) or one receipt (eth_getTransactionReceipt),
 *   - a callTracer array (debug_traceBlockByNumber) or a trace_block array (Parity);
 *   - eth_call answers of a token's symbol() or decimals(), known by the file's name
 *     (ethereum-etl's) or the request saved with them: token metadata for every block;
 * and matched to their block: receipts and Parity traces by blockHash, callTracer results
 * by txHash or, when they carry none, by their top-level `from` being the senders of the
 * block's transactions in order. When two files hold different blocks of one height, the
 * later file's block is the one delivered. Files are read whole at open (each at most
 * 1 GiB). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ethereum/eth_rpc.h"
#include "ethereum/eth_source.h"

#define MAX_FILE ((size_t)1 << 30)

enum item_kind { IT_BLOCK = 1, IT_RECEIPTS, IT_RECEIPT, IT_CALLS, IT_PARITY };

typedef struct item {
    uint8_t kind;
    uint32_t doc;
    uint32_t node;
    uint64_t height;  /* blocks */
    uint8_t hash[32]; /* blocks: the block's hash; receipts/parity: their blockHash */
    uint8_t parent[32];
    bool has_hash;
} item;

/* Token metadata from saved eth_call answers of symbol() and decimals(). */
typedef struct tokmeta {
    uint8_t contract[20];
    char symbol[32];
    int decimals; /* -1: unknown */
} tokmeta;

typedef struct jsrc {
    tokmeta *toks;
    size_t ntoks;
    char **names;
    char **texts;
    size_t *lens;
    ct_json_doc *docs;
    size_t ndocs;
    item *items;
    size_t nitems, cap;
    ct_arena *arena;
} jsrc;

static int push(jsrc *s, const item *it, ct_error *err)
{
    if (s->nitems == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        item *n = realloc(s->items, nc * sizeof(*n));
        if (!n)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "source items");
        s->items = n;
        s->cap = nc;
    }
    s->items[s->nitems++] = *it;
    return CT_OK;
}

static bool hex_field(const ct_json_doc *d, uint32_t o, const char *f, uint8_t *out, size_t n)
{
    uint32_t v = ct_json_get(d, o, f);
    size_t len;
    if (!v || ct_json_type_of(d, v) != CT_JSON_STRING)
        return false;
    const char *s = ct_json_raw(d, v, &len);
    return len == 2 + 2 * n && s[0] == '0' && s[1] == 'x' && ct_hex_decode(out, s + 2, n) == CT_OK;
}

static int classify(jsrc *s, uint32_t doc, uint32_t node, ct_error *err)
{
    const ct_json_doc *d = &s->docs[doc];
    item it;
    memset(&it, 0, sizeof(it));
    it.doc = doc;
    it.node = node;
    ct_json_type t = ct_json_type_of(d, node);
    if (t == CT_JSON_OBJECT) {
        if (ct_json_get(d, node, "transactions") && ct_json_get(d, node, "parentHash")) {
            it.kind = IT_BLOCK;
            uint32_t num = ct_json_get(d, node, "number");
            size_t len;
            const char *x = num ? ct_json_raw(d, num, &len) : NULL;
            ct_u256 v;
            if (!x || ct_json_type_of(d, num) != CT_JSON_STRING ||
                ct_u256_parse_quantity(&v, x, len, NULL) != CT_OK ||
                !ct_u256_to_u64(&it.height, &v) || !hex_field(d, node, "hash", it.hash, 32) ||
                !hex_field(d, node, "parentHash", it.parent, 32))
                return ct_fail(err, CT_ECORRUPT, "bad-quantity",
                               "a block without a valid 'number', 'hash' or 'parentHash'");
            it.has_hash = true;
            return push(s, &it, err);
        }
        if (ct_json_get(d, node, "transactionHash") && ct_json_get(d, node, "logs")) {
            it.kind = IT_RECEIPT;
            it.has_hash = hex_field(d, node, "blockHash", it.hash, 32);
            return push(s, &it, err);
        }
        return ct_fail(err, CT_ECORRUPT, "unknown-result",
                       "a JSON object that is neither a block nor a receipt");
    }
    if (t != CT_JSON_ARRAY)
        return ct_fail(err, CT_ECORRUPT, "unknown-result",
                       "a result that is not an object or array");
    uint32_t first = ct_json_first(d, node);
    if (!first)
        return CT_OK; /* empty: receipts or traces of a block without transactions */
    if (ct_json_type_of(d, first) != CT_JSON_OBJECT)
        return ct_fail(err, CT_ECORRUPT, "unknown-result", "an array of non-objects");
    if (ct_json_get(d, first, "jsonrpc")) {
        /* a batch of responses */
        for (uint32_t r = first; r; r = ct_json_next(d, node, r)) {
            uint32_t res = ct_json_get(d, r, "result");
            if (!res) {
                uint32_t e = ct_json_get(d, r, "error");
                return ct_fail(err, CT_ECORRUPT, e ? "rpc-error" : "unknown-result",
                               "a batch response without a result");
            }
            int rc = classify(s, doc, res, err);
            if (rc != CT_OK)
                return rc;
        }
        return CT_OK;
    }
    if (ct_json_get(d, first, "transactionHash") && ct_json_get(d, first, "logs")) {
        it.kind = IT_RECEIPTS;
        it.has_hash = hex_field(d, first, "blockHash", it.hash, 32);
    } else if (ct_json_get(d, first, "action") && ct_json_get(d, first, "traceAddress")) {
        it.kind = IT_PARITY;
        it.has_hash = hex_field(d, first, "blockHash", it.hash, 32);
    } else if (ct_json_get(d, first, "result") || ct_json_get(d, first, "calls") ||
               (ct_json_get(d, first, "type") && ct_json_get(d, first, "from"))) {
        it.kind = IT_CALLS;
    } else {
        return ct_fail(err, CT_ECORRUPT, "unknown-result", "an array of unknown objects");
    }
    return push(s, &it, err);
}

#define SEL_SYMBOL   0x95d89b41u
#define SEL_DECIMALS 0x313ce567u

/* The call a saved eth_call answer is for: ethereum-etl names the file
 * "web3_response.eth_call_data_0x<selector>_to_0x<contract>_<block>.json"; a file may also
 * carry the request itself next to the result ("method": "eth_call", "params":
 * [{"to", "data"}, ...]). Returns true with *sel and contract when it is one of these. */
static bool call_of(const char *path, const ct_json_doc *d, uint32_t *sel, uint8_t contract[20])
{
    uint32_t m = ct_json_type_of(d, 0) == CT_JSON_OBJECT ? ct_json_get(d, 0, "method") : 0;
    if (m && ct_json_string_is(d, m, "eth_call")) {
        uint32_t ps = ct_json_get(d, 0, "params");
        uint32_t c = ps && ct_json_type_of(d, ps) == CT_JSON_ARRAY ? ct_json_first(d, ps) : 0;
        uint32_t dv = c && ct_json_type_of(d, c) == CT_JSON_OBJECT ? ct_json_get(d, c, "data") : 0;
        size_t len;
        const char *x = dv && ct_json_type_of(d, dv) == CT_JSON_STRING ? ct_json_raw(d, dv, &len)
                                                                       : NULL;
        uint8_t sb[4];
        if (!x || len != 10 || x[0] != '0' || x[1] != 'x' || ct_hex_decode(sb, x + 2, 4) != CT_OK ||
            !hex_field(d, c, "to", contract, 20))
            return false;
        *sel = ct_be32(sb);
        return true;
    }
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *p = strstr(b, "eth_call_data_0x");
    if (!p)
        return false;
    p += strlen("eth_call_data_0x");
    uint8_t sb[4];
    if (strlen(p) < 8 + 6 + 40 || ct_hex_decode(sb, p, 4) != CT_OK ||
        strncmp(p + 8, "_to_0x", 6) != 0 || ct_hex_decode(contract, p + 14, 20) != CT_OK)
        return false;
    *sel = ct_be32(sb);
    return true;
}

/* Records what a saved eth_call answer says of its token (other selectors, e.g. name()
 * and totalSupply(), are accepted and not used; an error answer leaves the value
 * unknown, as --rpc does). */
static int add_call(jsrc *s, uint32_t doc, uint32_t sel, const uint8_t contract[20],
                    ct_error *err)
{
    const ct_json_doc *d = &s->docs[doc];
    if (sel != SEL_SYMBOL && sel != SEL_DECIMALS)
        return CT_OK;
    size_t i = 0;
    while (i < s->ntoks && memcmp(s->toks[i].contract, contract, 20) != 0)
        i++;
    if (i == s->ntoks) {
        tokmeta *n = realloc(s->toks, (s->ntoks + 1) * sizeof(*n));
        if (!n)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "token metadata");
        s->toks = n;
        memset(&n[i], 0, sizeof(n[i]));
        memcpy(n[i].contract, contract, 20);
        n[i].decimals = -1;
        s->ntoks++;
    }
    uint32_t r = ct_json_get(d, 0, "result");
    if (!r || ct_json_type_of(d, r) != CT_JSON_STRING)
        return ct_json_get(d, 0, "error")
                   ? CT_OK
                   : ct_fail(err, CT_ECORRUPT, "no-result", "the eth_call answer has no result");
    size_t len;
    const char *x = ct_json_raw(d, r, &len);
    if (len < 2 || x[0] != '0' || x[1] != 'x' || len % 2 || len - 2 > 2 * 4096)
        return ct_fail(err, CT_ECORRUPT, "bad-data",
                       "eth_call: 'result' is not DATA of at most 4096 bytes");
    uint8_t buf[4096];
    size_t n = (len - 2) / 2;
    if (ct_hex_decode(buf, x + 2, n) != CT_OK)
        return ct_fail(err, CT_ECORRUPT, "bad-data", "eth_call: 'result' is not hex");
    if (sel == SEL_SYMBOL)
        ct_eth_abi_symbol(buf, n, s->toks[i].symbol, sizeof(s->toks[i].symbol));
    else
        s->toks[i].decimals = ct_eth_abi_decimals(buf, n);
    return CT_OK;
}

static void jsrc_free(jsrc *s)
{
    for (size_t i = 0; i < s->ndocs; i++) {
        ct_json_release(&s->docs[i]);
        free(s->texts[i]);
        free(s->names[i]);
    }
    free(s->docs);
    free(s->texts);
    free(s->lens);
    free(s->names);
    free(s->items);
    free(s->toks);
    ct_arena_free(s->arena);
    free(s);
}

/* The block item delivered at height h: the last one of that height. */
static const item *block_at(const jsrc *s, uint64_t h)
{
    const item *r = NULL;
    for (size_t i = 0; i < s->nitems; i++)
        if (s->items[i].kind == IT_BLOCK && s->items[i].height == h)
            r = &s->items[i];
    return r;
}

static int js_range(void *ctx, uint64_t *lo, uint64_t *hi, ct_error *err)
{
    const jsrc *s = ctx;
    bool any = false;
    for (size_t i = 0; i < s->nitems; i++) {
        const item *it = &s->items[i];
        if (it->kind != IT_BLOCK)
            continue;
        if (!any || it->height < *lo)
            *lo = it->height;
        if (!any || it->height > *hi)
            *hi = it->height;
        any = true;
    }
    if (!any)
        return ct_fail(err, CT_ENOTFOUND, "no-blocks", "the JSON files hold no block");
    return CT_OK;
}

static int js_hash_at(void *ctx, uint64_t h, uint8_t hash[32], ct_error *err)
{
    const jsrc *s = ctx;
    const item *b = block_at(s, h);
    if (b) {
        memcpy(hash, b->hash, 32);
        return CT_OK;
    }
    if (h < UINT64_MAX && (b = block_at(s, h + 1)) != NULL) {
        memcpy(hash, b->parent, 32);
        return CT_OK;
    }
    return ct_fail(err, CT_ENOTFOUND, "no-block", "no block %llu in the JSON files",
                   (unsigned long long)h);
}

static bool calls_match(const jsrc *s, const item *it, const ct_eth_bundle *b)
{
    const ct_json_doc *d = &s->docs[it->doc];
    if (ct_json_count(d, it->node) != b->n_txs || b->n_txs == 0)
        return false;
    uint32_t i = 0;
    for (uint32_t e = ct_json_first(d, it->node); e; e = ct_json_next(d, it->node, e), i++) {
        uint8_t h[32], from[20];
        if (ct_json_type_of(d, e) != CT_JSON_OBJECT)
            return false;
        if (hex_field(d, e, "txHash", h, 32)) {
            if (memcmp(h, b->txs[i].tx.hash, 32) != 0)
                return false;
            continue;
        }
        uint32_t f = ct_json_get(d, e, "result") ? ct_json_get(d, e, "result") : e;
        if (!hex_field(d, f, "from", from, 20) || memcmp(from, b->txs[i].tx.from, 20) != 0)
            return false;
    }
    return true;
}

static int js_block(void *ctx, uint64_t h, ct_eth_bundle *b, ct_error *err)
{
    jsrc *s = ctx;
    const item *bi = block_at(s, h);
    if (!bi)
        return ct_fail(err, CT_ENOTFOUND, "no-block", "no block %llu in the JSON files",
                       (unsigned long long)h);
    ct_arena_reset(s->arena);
    if (err)
        ct_error_set_file(err, s->names[bi->doc]);
    int rc = ct_eth_json_block(b, s->arena, &s->docs[bi->doc], bi->node, err);
    if (rc != CT_OK)
        return rc;
    if (b->n_txs == 0)
        b->has_receipts = true;
    /* receipts and trace_block first; a callTracer result only when there is no
     * trace_block for the block (old geth callTracers omit selfdestruct transfers) */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->nitems; i++) {
            const item *it = &s->items[i];
            const ct_json_doc *d = &s->docs[it->doc];
            if (it->kind == IT_BLOCK || (it->kind == IT_CALLS) != (pass == 1))
                continue;
            if (it->kind == IT_CALLS) {
                if (b->has_traces || !calls_match(s, it, b))
                    continue;
            } else if (!it->has_hash || memcmp(it->hash, b->hash, 32) != 0) {
                continue;
            }
            if (err)
                ct_error_set_file(err, s->names[it->doc]);
            switch (it->kind) {
            case IT_RECEIPTS:
                rc = ct_eth_json_receipts(b, s->arena, d, it->node, err);
                break;
            case IT_RECEIPT:
                rc = ct_eth_json_receipt(b, s->arena, d, it->node, err);
                break;
            case IT_CALLS:
                rc = ct_eth_json_calltraces(b, s->arena, d, it->node, err);
                break;
            case IT_PARITY:
                if (b->has_traces)
                    return ct_fail(err, CT_ECORRUPT, "mismatch", "a second trace_block result");
                rc = ct_eth_json_parity_traces(b, s->arena, d, it->node, err);
                break;
            default:
                break;
            }
            if (rc != CT_OK)
                return rc;
        }
    }
    /* the token metadata of the saved eth_call answers (the ingest keeps it for the tokens
     * that moved) */
    for (size_t i = 0; i < s->ntoks; i++)
        if ((rc = ct_eth_bundle_add_token(b, s->arena, s->toks[i].contract, s->toks[i].symbol,
                                          s->toks[i].decimals, err)) != CT_OK)
            return rc;
    if (err)
        ct_error_set_file(err, s->names[bi->doc]);
    return CT_OK;
}

static void js_close(void *ctx)
{
    jsrc_free(ctx);
}

static const ct_eth_source_ops JSON_OPS = {
    CT_ETH_SOURCE_VERSION, "json", js_range, js_hash_at, js_block, js_close,
};

int ct_eth_source_json(ct_eth_source *src, const char *const *paths, size_t npaths, ct_error *err)
{
    jsrc *s = calloc(1, sizeof(*s));
    if (!s)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "JSON source");
    s->docs = calloc(npaths ? npaths : 1, sizeof(*s->docs));
    s->texts = calloc(npaths ? npaths : 1, sizeof(*s->texts));
    s->lens = calloc(npaths ? npaths : 1, sizeof(*s->lens));
    s->names = calloc(npaths ? npaths : 1, sizeof(*s->names));
    s->arena = ct_arena_new((size_t)1 << 30);
    if (!s->docs || !s->texts || !s->lens || !s->names || !s->arena) {
        jsrc_free(s);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "JSON source");
    }
    for (size_t i = 0; i < npaths; i++) {
        int rc;
        ct_json_init(&s->docs[i]);
        s->names[i] = strdup(paths[i]);
        s->ndocs = i + 1;
        if (!s->names[i]) {
            jsrc_free(s);
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "JSON source");
        }
        if (err)
            ct_error_set_file(err, paths[i]);
        /* Every file is kept parsed for the run: its text and a tape bounded to 2.5 bytes
         * per byte (json.h), without the doubling's slack (docs/ingest.md, Memory). */
        ct_json_options jo = CT_JSON_OPTIONS_INIT;
        if ((rc = ct_read_file(paths[i], MAX_FILE, false, &s->texts[i], &s->lens[i], err)) ==
            CT_OK) {
            jo.max_nodes = ct_json_bounded_nodes(s->lens[i]);
            rc = ct_json_parse(&s->docs[i], s->texts[i], s->lens[i], &jo, err);
            if (rc == CT_ENOMEM && err && strcmp(err->reason, "json-too-big") == 0)
                rc = ct_fail(err, CT_ECORRUPT, "json-too-dense",
                             "more than %zu JSON values in %zu bytes (one per %d bytes): no "
                             "JSON-RPC answer is that dense; refused to bound memory",
                             jo.max_nodes, s->lens[i], CT_JSON_BYTES_PER_VALUE);
        }
        if (rc != CT_OK) {
            jsrc_free(s);
            return rc;
        }
        ct_json_shrink(&s->docs[i]);
        const ct_json_doc *d = &s->docs[i];
        uint32_t root = 0, res = 0, sel;
        uint8_t contract[20];
        if (call_of(paths[i], d, &sel, contract)) {
            if ((rc = add_call(s, (uint32_t)i, sel, contract, err)) != CT_OK) {
                jsrc_free(s);
                return rc;
            }
            continue;
        }
        if (ct_json_type_of(d, 0) == CT_JSON_OBJECT &&
            (ct_json_get(d, 0, "result") || ct_json_get(d, 0, "jsonrpc")) &&
            !ct_json_get(d, 0, "transactions")) {
            res = ct_json_get(d, 0, "result");
            if (!res || ct_json_type_of(d, res) == CT_JSON_NULL) {
                jsrc_free(s);
                return ct_fail(err, CT_ECORRUPT,
                               ct_json_get(d, 0, "error") ? "rpc-error" : "no-result",
                               "the response has no result");
            }
            root = res;
        }
        if ((rc = classify(s, (uint32_t)i, root, err)) != CT_OK) {
            jsrc_free(s);
            return rc;
        }
    }
    if (err)
        ct_error_clear(err);
    src->ops = &JSON_OPS;
    src->ctx = s;
    return CT_OK;
}

int ct_eth_ingest_json(ct_db *db, ct_eth_ingest_stats *stats, const char *const *paths,
                       size_t npaths, const ct_eth_ingest_options *opts, ct_error *err)
{
    ct_eth_ingest_stats_reset(stats);
    ct_eth_source src;
    int rc = ct_eth_source_json(&src, paths, npaths, err);
    if (rc != CT_OK)
        return rc;
    rc = ct_eth_ingest_source(db, stats, &src, opts, err);
    src.ops->close(src.ctx);
    return rc;
}
