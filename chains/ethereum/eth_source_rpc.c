/* The block source of `ingest ethereum --rpc URL`: blocks, receipts, internal transfers and
 * token metadata from a node's JSON-RPC, fetched in batches of several blocks. See
 * eth_rpc.h for the options and eth_source.h for the interface.
 *
 * One window of up to batch_blocks consecutive blocks is fetched at a time: one batch with
 * eth_getBlockByNumber(n, true) of each block (+ eth_getBlockReceipts and the tracer call of
 * each when the node offers them), then, when it does not offer block receipts, batches of
 * eth_getTransactionReceipt for every transaction of the window, then one batch of eth_call
 * symbol()/decimals() for the token contracts first seen in the window. Every answer is
 * turned into bundles (eth_json.c) before the next request overwrites it; the bundles live
 * in the window's arena until the ingest asks for a block outside the window. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/ethrpc.h"
#include "ethereum/eth_rpc.h"
#include "ethereum/eth_source.h"
#include "base/hmap.h"
#include "base/util.h"

#define RECEIPT_CALLS_PER_BATCH 500
#define MAX_BATCH_BLOCKS 1000
/* The highest block number the database stores (heights are 32-bit there, and the tip + 1
 * must fit too); the same bound as a block's 'number' in eth_json.c. */
#define MAX_HEIGHT ((uint64_t)UINT32_MAX - 1)

static const uint8_t TRANSFER_TOPIC[32] = {
    0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
    0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef};

enum { RECEIPTS_BLOCK = 1, RECEIPTS_PER_TX = 2 };
enum { TRACES_NONE = 0, TRACES_CALLTRACER = 1, TRACES_PARITY = 2 };

typedef struct rpc_source {
    ct_eth_rpc_source_options o;
    ct_eth_rpc *rpc;
    uint64_t chain_id;
    bool probed;
    int receipts;
    int traces;
    bool have_hi;
    uint64_t hi; /* the last range()'s upper end */
    /* the window */
    ct_arena *arena;
    ct_eth_bundle *win;
    uint64_t win_lo;
    uint32_t win_n;
    /* scratch */
    ct_buf params;
    ct_eth_rpc_call *calls;
    ct_eth_rpc_answer *ans;
    size_t calls_cap;
    ct_hmap tokens; /* contracts whose metadata was asked for */
    uint64_t tokens_queried;
} rpc_source;

static int grow_calls(rpc_source *s, size_t n, ct_error *err)
{
    if (n <= s->calls_cap)
        return CT_OK;
    ct_eth_rpc_call *c = realloc(s->calls, n * sizeof(*c));
    if (c)
        s->calls = c;
    ct_eth_rpc_answer *a = realloc(s->ans, n * sizeof(*a));
    if (a)
        s->ans = a;
    if (!c || !a)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "a batch of %zu calls", n);
    s->calls_cap = n;
    return CT_OK;
}

static int rpc_fail_call(rpc_source *s, const ct_eth_rpc_call *call, const ct_eth_rpc_answer *a,
                         uint64_t height, ct_error *err)
{
    if (err)
        err->height = (int64_t)height;
    return ct_fail(err, CT_ENETWORK, "rpc-error", "the node at %s: %s%s: code %lld: %s",
                   ct_eth_rpc_url(s->rpc), call->method, call->params ? call->params : "[]",
                   (long long)a->code, a->message);
}

/* Sends calls[0..n) whose params were written NUL-separated into s->params at offs[]
 * (offsets, not pointers: the buffer may move while it grows). */
static int send_batch(rpc_source *s, const size_t *offs, size_t n, ct_error *err)
{
    for (size_t i = 0; i < n; i++)
        s->calls[i].params = (const char *)s->params.data + offs[i];
    return ct_eth_rpc_batch(s->rpc, s->calls, n, s->ans, err);
}

static int add_param(rpc_source *s, size_t *off, ct_error *err, const char *fmt, ...)
    CT_PRINTF(4, 5);
static int add_param(rpc_source *s, size_t *off, ct_error *err, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    *off = s->params.len;
    if (k < 0 || (size_t)k >= sizeof(tmp) || ct_buf_append(&s->params, tmp, (size_t)k + 1) != CT_OK)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "request parameters");
    return CT_OK;
}

/* ---- probing ---- */

/* Asks once, at the first block fetched, which receipt and trace methods the node has: any
 * error answer counts as "not offered" (nodes disagree on the code: geth -32601, ganache
 * -32700). */
static int probe(rpc_source *s, uint64_t height, ct_error *err)
{
    int rc = grow_calls(s, 3, err);
    if (rc != CT_OK)
        return rc;
    size_t offs[3];
    ct_buf_reset(&s->params);
    s->calls[0].method = "eth_getBlockReceipts";
    s->calls[1].method = "debug_traceBlockByNumber";
    s->calls[2].method = "trace_block";
    if ((rc = add_param(s, &offs[0], err, "[\"0x%llx\"]", (unsigned long long)height)) ||
        (rc = add_param(s, &offs[1], err, "[\"0x%llx\",{\"tracer\":\"callTracer\"}]",
                        (unsigned long long)height)) ||
        (rc = add_param(s, &offs[2], err, "[\"0x%llx\"]", (unsigned long long)height)))
        return rc;
    if ((rc = send_batch(s, offs, 3, err)) != CT_OK)
        return rc;
    s->receipts = s->ans[0].is_error ? RECEIPTS_PER_TX : RECEIPTS_BLOCK;
    s->traces = !s->ans[1].is_error ? TRACES_CALLTRACER
                : !s->ans[2].is_error ? TRACES_PARITY
                                      : TRACES_NONE;
    s->probed = true;
    return CT_OK;
}

/* ---- token metadata ---- */

void ct_eth_abi_symbol(const uint8_t *data, size_t len, char *out, size_t size)
{
    out[0] = 0;
    if (size == 0)
        return;
    const uint8_t *p = NULL;
    size_t n = 0;
    if (len >= 64) {
        /* an ABI string: offset (32), then at the offset a length (32) and the bytes */
        uint64_t off = 0, slen = 0;
        bool ok = true;
        for (size_t i = 0; i < 24; i++)
            ok = ok && data[i] == 0;
        for (size_t i = 24; i < 32; i++)
            off = off << 8 | data[i];
        if (ok && off <= len - 32) {
            for (size_t i = 0; i < 24; i++)
                ok = ok && data[off + i] == 0;
            for (size_t i = 24; i < 32; i++)
                slen = slen << 8 | data[off + i];
            if (ok && slen <= len - off - 32) {
                p = data + off + 32;
                n = (size_t)slen;
            }
        }
    }
    if (!p && len == 32) {
        /* bytes32 (MKR, SAI): the text up to the first NUL */
        p = data;
        n = 0;
        while (n < 32 && data[n])
            n++;
    }
    if (!p)
        return;
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < size; i++) {
        if (p[i] == 0)
            continue; /* NUL padding inside the string ("ETH\0\0\0"), dropped like ethereum-etl */
        if (p[i] < 0x20 || p[i] >= 0x7f) {
            /* not printable ASCII: ethereum-etl keeps what it can decode; we keep nothing
             * rather than a mangled symbol */
            out[0] = 0;
            return;
        }
        out[j++] = (char)p[i];
    }
    out[j] = 0;
}

int ct_eth_abi_decimals(const uint8_t *data, size_t len)
{
    if (len != 32)
        return -1;
    for (size_t i = 0; i < 31; i++)
        if (data[i])
            return -1;
    return data[31];
}

/* The bytes of an eth_call answer ("0x" + even hex) into buf; false when not such a string. */
static bool call_bytes(const ct_json_doc *d, uint32_t node, uint8_t *buf, size_t cap, size_t *len)
{
    size_t n;
    if (!node || ct_json_type_of(d, node) != CT_JSON_STRING)
        return false;
    const char *s = ct_json_raw(d, node, &n);
    if (n < 2 || s[0] != '0' || s[1] != 'x' || (n - 2) % 2 || (n - 2) / 2 > cap)
        return false;
    *len = (n - 2) / 2;
    return ct_hex_decode(buf, s + 2, *len) == CT_OK;
}

/* Asks symbol() and decimals() of the token contracts first seen in the window and adds
 * them to the bundle of the block where each was first seen. Errors of the calls (a
 * contract without those functions, a revert) leave the metadata unknown. */
static int fetch_token_metadata(rpc_source *s, ct_error *err)
{
    /* the contracts, in order of first appearance: (bundle, contract) */
    size_t nnew = 0, cap = 0;
    struct tok {
        uint32_t b;
        uint8_t contract[20];
    } *toks = NULL;
    int rc = CT_OK;
    for (uint32_t bi = 0; bi < s->win_n && rc == CT_OK; bi++) {
        const ct_eth_bundle *b = &s->win[bi];
        for (uint32_t t = 0; t < b->n_txs && rc == CT_OK; t++) {
            const ct_eth_receipt *r = &b->txs[t].rc;
            if (!r->present || (r->has_status && r->status != 1))
                continue;
            for (uint32_t l = 0; l < r->n_logs; l++) {
                const ct_eth_log *lg = &r->logs[l];
                uint64_t v;
                if (lg->n_topics != 3 || lg->data_len != 32 ||
                    memcmp(lg->topics[0], TRANSFER_TOPIC, 32) != 0 ||
                    ct_hmap_get(&s->tokens, lg->address, 20, &v))
                    continue;
                if ((rc = ct_hmap_put(&s->tokens, lg->address, 20, 1)) != CT_OK) {
                    rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "token contracts");
                    break;
                }
                if (nnew == cap) {
                    size_t nc = cap ? cap * 2 : 16;
                    struct tok *p = realloc(toks, nc * sizeof(*p));
                    if (!p) {
                        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "token contracts");
                        break;
                    }
                    toks = p;
                    cap = nc;
                }
                toks[nnew].b = bi;
                memcpy(toks[nnew].contract, lg->address, 20);
                nnew++;
            }
        }
    }
    for (size_t first = 0; first < nnew && rc == CT_OK; first += RECEIPT_CALLS_PER_BATCH / 2) {
        size_t k = nnew - first < RECEIPT_CALLS_PER_BATCH / 2 ? nnew - first
                                                               : RECEIPT_CALLS_PER_BATCH / 2;
        size_t *offs = malloc(2 * k * sizeof(*offs));
        if (!offs || (rc = grow_calls(s, 2 * k, err)) != CT_OK) {
            free(offs);
            rc = rc ? rc : ct_fail(err, CT_ENOMEM, "out-of-memory", "token metadata calls");
            break;
        }
        ct_buf_reset(&s->params);
        for (size_t i = 0; i < k && rc == CT_OK; i++) {
            char hex[41];
            ct_hex_encode(hex, toks[first + i].contract, 20);
            s->calls[2 * i].method = "eth_call";
            s->calls[2 * i + 1].method = "eth_call";
            if ((rc = add_param(s, &offs[2 * i], err,
                                "[{\"to\":\"0x%s\",\"data\":\"0x95d89b41\"},\"latest\"]", hex)) ||
                (rc = add_param(s, &offs[2 * i + 1], err,
                                "[{\"to\":\"0x%s\",\"data\":\"0x313ce567\"},\"latest\"]", hex)))
                break;
        }
        if (rc == CT_OK)
            rc = send_batch(s, offs, 2 * k, err);
        free(offs);
        const ct_json_doc *d = ct_eth_rpc_doc(s->rpc);
        for (size_t i = 0; i < k && rc == CT_OK; i++) {
            uint8_t buf[1024];
            size_t len;
            char symbol[32] = "";
            int decimals = -1;
            if (!s->ans[2 * i].is_error &&
                call_bytes(d, s->ans[2 * i].result, buf, sizeof(buf), &len))
                ct_eth_abi_symbol(buf, len, symbol, sizeof(symbol));
            if (!s->ans[2 * i + 1].is_error &&
                call_bytes(d, s->ans[2 * i + 1].result, buf, sizeof(buf), &len))
                decimals = ct_eth_abi_decimals(buf, len);
            rc = ct_eth_bundle_add_token(&s->win[toks[first + i].b], s->arena,
                                         toks[first + i].contract, symbol, decimals, err);
        }
        s->tokens_queried += k;
    }
    free(toks);
    return rc;
}

/* ---- the window ---- */

static int fetch_window(rpc_source *s, uint64_t lo, uint32_t n, ct_error *err)
{
    int rc;
    s->win_n = 0;
    ct_arena_reset(s->arena);
    if (!s->probed && (rc = probe(s, lo, err)) != CT_OK)
        return rc;
    s->win = ct_arena_alloc(s->arena, n, sizeof(ct_eth_bundle));
    if (!s->win)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "a window of %u blocks", n);
    unsigned per = 1 + (s->receipts == RECEIPTS_BLOCK) + (s->traces != TRACES_NONE);
    size_t ncalls = (size_t)n * per;
    size_t *offs = malloc(ncalls * sizeof(*offs));
    if (!offs || (rc = grow_calls(s, ncalls, err)) != CT_OK) {
        free(offs);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "a batch of %zu calls", ncalls);
    }
    ct_buf_reset(&s->params);
    rc = CT_OK;
    for (uint32_t i = 0; i < n && rc == CT_OK; i++) {
        unsigned long long h = (unsigned long long)(lo + i);
        size_t k = (size_t)i * per;
        s->calls[k].method = "eth_getBlockByNumber";
        rc = add_param(s, &offs[k++], err, "[\"0x%llx\",true]", h);
        if (rc == CT_OK && s->receipts == RECEIPTS_BLOCK) {
            s->calls[k].method = "eth_getBlockReceipts";
            rc = add_param(s, &offs[k++], err, "[\"0x%llx\"]", h);
        }
        if (rc == CT_OK && s->traces == TRACES_CALLTRACER) {
            s->calls[k].method = "debug_traceBlockByNumber";
            rc = add_param(s, &offs[k++], err, "[\"0x%llx\",{\"tracer\":\"callTracer\"}]", h);
        } else if (rc == CT_OK && s->traces == TRACES_PARITY) {
            s->calls[k].method = "trace_block";
            rc = add_param(s, &offs[k++], err, "[\"0x%llx\"]", h);
        }
    }
    if (rc == CT_OK)
        rc = send_batch(s, offs, ncalls, err);
    free(offs);
    if (rc != CT_OK)
        return rc;

    const ct_json_doc *d = ct_eth_rpc_doc(s->rpc);
    for (uint32_t i = 0; i < n; i++) {
        size_t k = (size_t)i * per;
        uint64_t h = lo + i;
        ct_eth_bundle *b = &s->win[i];
        if (s->ans[k].is_error)
            return rpc_fail_call(s, &s->calls[k], &s->ans[k], h, err);
        if (ct_json_type_of(d, s->ans[k].result) == CT_JSON_NULL) {
            if (i == 0) {
                if (err)
                    err->height = (int64_t)h;
                return ct_fail(err, CT_ENOTFOUND, "no-block", "the node at %s has no block %llu",
                               ct_eth_rpc_url(s->rpc), (unsigned long long)h);
            }
            break; /* the window ends at the node's head */
        }
        if ((rc = ct_eth_json_block(b, s->arena, d, s->ans[k].result, err)) != CT_OK)
            return rc;
        if (b->height != h) {
            if (err)
                err->height = (int64_t)h;
            return ct_fail(err, CT_ECORRUPT, "mismatch", "the node answered block %llu for %llu",
                           (unsigned long long)b->height, (unsigned long long)h);
        }
        k++;
        if (s->receipts == RECEIPTS_BLOCK) {
            if (s->ans[k].is_error)
                return rpc_fail_call(s, &s->calls[k], &s->ans[k], h, err);
            if ((rc = ct_eth_json_receipts(b, s->arena, d, s->ans[k].result, err)) != CT_OK)
                return rc;
            k++;
        }
        if (s->traces != TRACES_NONE) {
            if (s->ans[k].is_error)
                return rpc_fail_call(s, &s->calls[k], &s->ans[k], h, err);
            rc = s->traces == TRACES_CALLTRACER
                     ? ct_eth_json_calltraces(b, s->arena, d, s->ans[k].result, err)
                     : ct_eth_json_parity_traces(b, s->arena, d, s->ans[k].result, err);
            if (rc != CT_OK)
                return rc;
        }
        s->win_n = i + 1;
    }

    if (s->receipts == RECEIPTS_PER_TX) {
        /* every transaction of the window, RECEIPT_CALLS_PER_BATCH per request */
        uint32_t bi = 0, ti = 0;
        for (;;) {
            while (bi < s->win_n && ti >= s->win[bi].n_txs) {
                bi++;
                ti = 0;
            }
            if (bi >= s->win_n)
                break;
            size_t k = 0;
            size_t offs2[RECEIPT_CALLS_PER_BATCH];
            uint32_t start_b = bi, start_t = ti;
            if ((rc = grow_calls(s, RECEIPT_CALLS_PER_BATCH, err)) != CT_OK)
                return rc;
            ct_buf_reset(&s->params);
            while (k < RECEIPT_CALLS_PER_BATCH && bi < s->win_n) {
                if (ti >= s->win[bi].n_txs) {
                    bi++;
                    ti = 0;
                    continue;
                }
                char hex[65];
                ct_hex_encode(hex, s->win[bi].txs[ti].tx.hash, 32);
                s->calls[k].method = "eth_getTransactionReceipt";
                if ((rc = add_param(s, &offs2[k], err, "[\"0x%s\"]", hex)) != CT_OK)
                    return rc;
                k++;
                ti++;
            }
            if ((rc = send_batch(s, offs2, k, err)) != CT_OK)
                return rc;
            d = ct_eth_rpc_doc(s->rpc);
            uint32_t cb = start_b, ct = start_t;
            for (size_t j = 0; j < k; j++) {
                while (ct >= s->win[cb].n_txs) {
                    cb++;
                    ct = 0;
                }
                if (s->ans[j].is_error)
                    return rpc_fail_call(s, &s->calls[j], &s->ans[j], s->win[cb].height, err);
                if (ct_json_type_of(d, s->ans[j].result) == CT_JSON_NULL) {
                    if (err) {
                        err->height = (int64_t)s->win[cb].height;
                        err->tx_index = ct;
                    }
                    return ct_fail(err, CT_ECORRUPT, "missing-receipts",
                                   "the node at %s has no receipt for %s",
                                   ct_eth_rpc_url(s->rpc), s->calls[j].params);
                }
                if ((rc = ct_eth_json_receipt(&s->win[cb], s->arena, d, s->ans[j].result,
                                              err)) != CT_OK)
                    return rc;
                ct++;
            }
        }
    }
    if (s->o.token_metadata && (rc = fetch_token_metadata(s, err)) != CT_OK)
        return rc;
    for (uint32_t i = 0; i < s->win_n; i++)
        if ((rc = ct_eth_bundle_check(&s->win[i], err)) != CT_OK)
            return rc;
    s->win_lo = lo;
    return CT_OK;
}

/* ---- ops ---- */

static int src_range(void *ctx, uint64_t *lo, uint64_t *hi, ct_error *err)
{
    rpc_source *s = ctx;
    uint32_t r;
    uint64_t head;
    int rc;
    const char *field = s->o.finalized ? "the finalized block's number" : "eth_blockNumber";
    if (s->o.finalized) {
        if ((rc = ct_eth_rpc_call1(s->rpc, "eth_getBlockByNumber", "[\"finalized\",false]", &r,
                                   err)) != CT_OK)
            return rc;
        const ct_json_doc *d = ct_eth_rpc_doc(s->rpc);
        if (ct_json_type_of(d, r) != CT_JSON_OBJECT)
            return ct_fail(err, CT_ENOTFOUND, "no-block", "the node at %s has no finalized block",
                           ct_eth_rpc_url(s->rpc));
        if ((rc = ct_eth_rpc_u64(s->rpc, ct_json_get(d, r, "number"), "the finalized block's number",
                                 &head, err)) != CT_OK)
            return rc;
    } else {
        if ((rc = ct_eth_rpc_call1(s->rpc, "eth_blockNumber", NULL, &r, err)) != CT_OK)
            return rc;
        if ((rc = ct_eth_rpc_u64(s->rpc, r, "eth_blockNumber", &head, err)) != CT_OK)
            return rc;
    }
    /* A head beyond what a database can hold is a broken or hostile node, not a chain to
     * follow: the arithmetic below and the window's would wrap. */
    if (head > MAX_HEIGHT)
        return ct_fail(err, CT_ECORRUPT, "rpc-bad-answer",
                       "the node at %s: %s is %llu (0x%llx), above the highest block number "
                       "chaintrail stores (%llu)",
                       ct_eth_rpc_url(s->rpc), field, (unsigned long long)head,
                       (unsigned long long)head, (unsigned long long)MAX_HEIGHT);
    if (!s->o.finalized) {
        if (head < s->o.confirmations)
            return ct_fail(err, CT_ENOTFOUND, "no-block",
                           "the node's head %llu is fewer than %llu confirmations deep",
                           (unsigned long long)head, (unsigned long long)s->o.confirmations);
        head -= s->o.confirmations;
    }
    *lo = 0;
    *hi = head;
    s->hi = head;
    s->have_hi = true;
    return CT_OK;
}

static int src_hash_at(void *ctx, uint64_t height, uint8_t hash[32], ct_error *err)
{
    rpc_source *s = ctx;
    /* The ingest asks for hashes when it looks for a fork: the node's chain may have
     * changed since the window was fetched, so the window is dropped (the blocks after the
     * fork are fetched again) and the node itself is asked. */
    s->win_n = 0;
    char params[64];
    if (height > MAX_HEIGHT)
        return ct_fail(err, CT_EINVAL, "bad-height",
                       "block %llu is above the highest block number chaintrail stores (%llu)",
                       (unsigned long long)height, (unsigned long long)MAX_HEIGHT);
    snprintf(params, sizeof(params), "[\"0x%llx\",false]", (unsigned long long)height);
    uint32_t r;
    int rc = ct_eth_rpc_call1(s->rpc, "eth_getBlockByNumber", params, &r, err);
    if (rc != CT_OK)
        return rc;
    const ct_json_doc *d = ct_eth_rpc_doc(s->rpc);
    if (ct_json_type_of(d, r) != CT_JSON_OBJECT)
        return ct_fail(err, CT_ENOTFOUND, "no-block", "the node at %s has no block %llu",
                       ct_eth_rpc_url(s->rpc), (unsigned long long)height);
    uint32_t h = ct_json_get(d, r, "hash");
    size_t len;
    const char *txt = h ? ct_json_raw(d, h, &len) : NULL;
    if (!h || ct_json_type_of(d, h) != CT_JSON_STRING || len != 66 || txt[0] != '0' ||
        txt[1] != 'x' || ct_hex_decode(hash, txt + 2, 32) != CT_OK) {
        if (err)
            err->height = (int64_t)height;
        return ct_fail(err, CT_ECORRUPT, "bad-data", "block: 'hash' is not 32 bytes of hex");
    }
    return CT_OK;
}

static int src_block(void *ctx, uint64_t height, ct_eth_bundle *out, ct_error *err)
{
    rpc_source *s = ctx;
    if (height > MAX_HEIGHT) {
        if (err)
            err->height = -1;
        return ct_fail(err, CT_EINVAL, "bad-height",
                       "block %llu is above the highest block number chaintrail stores (%llu)",
                       (unsigned long long)height, (unsigned long long)MAX_HEIGHT);
    }
    if (!(s->win_n && height >= s->win_lo && height - s->win_lo < s->win_n)) {
        uint64_t n = s->o.batch_blocks;
        if (s->have_hi) {
            if (height > s->hi)
                n = 1; /* beyond the last range(): ask for this one only */
            else if (s->hi - height < n - 1) /* not hi - height + 1 < n: no wrap at the top */
                n = s->hi - height + 1;
        }
        if (n > MAX_HEIGHT - height + 1)
            n = MAX_HEIGHT - height + 1;
        int rc = fetch_window(s, height, (uint32_t)n, err);
        if (rc != CT_OK) {
            s->win_n = 0;
            return rc;
        }
    }
    *out = s->win[height - s->win_lo];
    return CT_OK;
}

static void src_close(void *ctx)
{
    rpc_source *s = ctx;
    if (!s)
        return;
    ct_eth_rpc_close(s->rpc);
    ct_arena_free(s->arena);
    ct_buf_release(&s->params);
    ct_hmap_release(&s->tokens);
    free(s->calls);
    free(s->ans);
    free(s);
}

static const ct_eth_source_ops RPC_OPS = {CT_ETH_SOURCE_VERSION, "rpc", src_range, src_hash_at,
                                          src_block, src_close};

int ct_eth_source_rpc(ct_eth_source *src, const ct_eth_rpc_source_options *o, ct_error *err)
{
    src->ops = NULL;
    src->ctx = NULL;
    if (o->batch_blocks < 1 || o->batch_blocks > MAX_BATCH_BLOCKS)
        return ct_fail(err, CT_EINVAL, "bad-option", "--batch must be 1..%d blocks",
                       MAX_BATCH_BLOCKS);
    rpc_source *s = calloc(1, sizeof(*s));
    if (!s)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "RPC source");
    s->o = *o;
    ct_buf_init(&s->params, (size_t)16 << 20);
    ct_hmap_init(&s->tokens);
    s->arena = ct_arena_new((size_t)1 << 30);
    if (!s->arena) {
        src_close(s);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "RPC source");
    }
    int rc = ct_eth_rpc_open(&s->rpc, &o->rpc, err);
    uint32_t r;
    if (rc == CT_OK)
        rc = ct_eth_rpc_call1(s->rpc, "eth_chainId", NULL, &r, err);
    if (rc == CT_OK)
        rc = ct_eth_rpc_u64(s->rpc, r, "eth_chainId", &s->chain_id, err);
    if (rc == CT_OK && o->chain_id && s->chain_id != o->chain_id)
        rc = ct_fail(err, CT_ENETWORK, "network-mismatch",
                     "the node at %s serves chain id %llu, not %llu", o->rpc.url,
                     (unsigned long long)s->chain_id, (unsigned long long)o->chain_id);
    if (rc != CT_OK) {
        src_close(s);
        return rc;
    }
    src->ops = &RPC_OPS;
    src->ctx = s;
    return CT_OK;
}

int ct_eth_source_rpc_info(const ct_eth_source *src, ct_eth_rpc_source_info *out)
{
    if (!src || src->ops != &RPC_OPS)
        return CT_EINVAL;
    const rpc_source *s = src->ctx;
    memset(out, 0, sizeof(*out));
    out->chain_id = s->chain_id;
    out->probed = s->probed;
    out->receipts = !s->probed ? NULL
                    : s->receipts == RECEIPTS_BLOCK ? "eth_getBlockReceipts"
                                                    : "eth_getTransactionReceipt";
    out->traces = s->traces == TRACES_CALLTRACER ? "debug_traceBlockByNumber"
                  : s->traces == TRACES_PARITY   ? "trace_block"
                                                 : NULL;
    ct_eth_rpc_get_stats(s->rpc, &out->stats);
    out->tokens_queried = s->tokens_queried;
    return CT_OK;
}

/* ---- the public entry (ethrpc.h) ---- */

int ct_eth_ingest_rpc(ct_db *db, ct_eth_ingest_stats *stats, const ct_eth_rpc_ingest_options *ro,
                      const ct_eth_ingest_options *opts, ct_eth_rpc_report *rep, ct_error *err)
{
    if (rep)
        memset(rep, 0, sizeof(*rep));
    ct_eth_ingest_stats_reset(stats);
    if (!ro || ro->version != CT_ETH_RPC_INGEST_OPTIONS_VERSION)
        return ct_fail(err, CT_EINVAL, "bad-option", "RPC ingest options of another version");
    ct_eth_rpc_source_options so = CT_ETH_RPC_SOURCE_OPTIONS_INIT;
    so.rpc.url = ro->url;
    so.rpc.retries = ro->retries;
    so.rpc.timeout_ms = ro->timeout_ms;
    so.confirmations = ro->confirmations;
    so.finalized = ro->finalized;
    so.batch_blocks = ro->batch_blocks;
    so.chain_id = opts ? opts->chain_id : 1;
    ct_eth_source src;
    int rc = ct_eth_source_rpc(&src, &so, err);
    if (rc != CT_OK)
        return rc;
    rc = ct_eth_ingest_source(db, stats, &src, opts, err);
    if (rep) {
        ct_eth_rpc_source_info info;
        if (ct_eth_source_rpc_info(&src, &info) == CT_OK) {
            rep->chain_id = info.chain_id;
            rep->probed = info.probed;
            snprintf(rep->receipts, sizeof(rep->receipts), "%s",
                     info.receipts ? info.receipts : "");
            snprintf(rep->traces, sizeof(rep->traces), "%s", info.traces ? info.traces : "");
            rep->requests = info.stats.requests;
            rep->retries = info.stats.retries;
            rep->calls = info.stats.calls;
            rep->bytes = info.stats.bytes;
            rep->tokens_queried = info.tokens_queried;
        }
    }
    src.ops->close(src.ctx);
    return rc;
}
