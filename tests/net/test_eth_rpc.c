/* The JSON-RPC client (chains/ethereum/eth_rpc.c) against tests/tools/rpc_server.py, which ctest
 * starts around this program (CT_TEST_RPC_URL) and which answers from the real mainnet
 * responses of fixtures/eth/rpc_stream, with faults chosen by the URL's path. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ethereum/eth_rpc.h"
#include "ethereum/eth_source.h"
#include "base/util.h"
#include "base/json.h"
#include "testutil.h"

static char url_buf[512];

static const char *url_of(const char *path)
{
    const char *base = getenv("CT_TEST_RPC_URL");
    cr_assert(base, "CT_TEST_RPC_URL is not set: run this test through ctest");
    snprintf(url_buf, sizeof(url_buf), "%s/%s", base, path);
    return url_buf;
}

static ct_eth_rpc *open_at(const char *path, unsigned retries, size_t max_response)
{
    ct_eth_rpc_options o = CT_ETH_RPC_OPTIONS_INIT;
    o.url = url_of(path);
    o.retries = retries;
    o.backoff_ms = 10;
    o.backoff_max_ms = 40;
    o.timeout_ms = 1000;
    o.connect_timeout_ms = 1000;
    if (max_response)
        o.max_response = max_response;
    ct_eth_rpc *c = NULL;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_rpc_open(&c, &o, &err), CT_OK, "%s", err.detail);
    return c;
}

/* Opens `path` (retries, max_response as open_at), calls `method` once without parameters
 * and returns its code; *err = its error, *st = the client's counts after the call. */
static int call_one(const char *path, unsigned retries, size_t max_response, const char *method,
                    ct_error *err, ct_eth_rpc_stats *st)
{
    ct_eth_rpc *c = open_at(path, retries, max_response);
    ct_error_clear(err);
    uint32_t r;
    int rc = ct_eth_rpc_call1(c, method, NULL, &r, err);
    ct_eth_rpc_get_stats(c, st);
    ct_eth_rpc_close(c);
    return rc;
}

static bool string_is(const ct_json_doc *d, uint32_t obj, const char *key, const char *want)
{
    uint32_t n = ct_json_get(d, obj, key);
    return n && ct_json_string_is(d, n, want);
}

Test(eth_rpc, single_call_and_quantity)
{
    ct_eth_rpc *c = open_at("ok1", 0, 0);
    ct_error err;
    ct_error_clear(&err);
    uint32_t r;
    cr_assert_eq(ct_eth_rpc_call1(c, "eth_blockNumber", NULL, &r, &err), CT_OK, "%s",
                 err.detail);
    uint64_t head;
    cr_assert_eq(ct_eth_rpc_u64(c, r, "head", &head, &err), CT_OK);
    cr_assert_eq(head, 0x71993a); /* the number of the saved `latest` block */
    cr_assert_eq(ct_eth_rpc_call1(c, "eth_chainId", NULL, &r, &err), CT_OK);
    uint64_t chain;
    cr_assert_eq(ct_eth_rpc_u64(c, r, "chain id", &chain, &err), CT_OK);
    cr_assert_eq(chain, 1);
    ct_eth_rpc_stats st;
    ct_eth_rpc_get_stats(c, &st);
    cr_assert_eq(st.requests, 2);
    cr_assert_eq(st.calls, 2);
    cr_assert_eq(st.retries, 0);
    ct_eth_rpc_close(c);
}

/* A batch answered in reverse order is matched by id; a missing method is a per-call error
 * with the node's code and message, not a failure of the batch. */
Test(eth_rpc, batch_matched_by_id)
{
    ct_eth_rpc *c = open_at("ok2", 0, 0);
    ct_eth_rpc_call calls[4] = {
        {"eth_getBlockByNumber", "[\"0x1ac9f2\",true]"},
        {"eth_getBlockByNumber", "[\"0x1ac9f3\",true]"},
        {"eth_getBlockReceipts", "[\"0x1ac9f3\"]"},
        {"eth_getTransactionReceipt",
         "[\"0x9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb\"]"},
    };
    ct_eth_rpc_answer a[4];
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_rpc_batch(c, calls, 4, a, &err), CT_OK, "%s", err.detail);
    const ct_json_doc *d = ct_eth_rpc_doc(c);
    cr_assert(!a[0].is_error && !a[1].is_error && !a[3].is_error);
    cr_assert(string_is(d, a[0].result, "number", "0x1ac9f2"));
    cr_assert(string_is(d, a[0].result, "hash",
                        "0xa06fc36a7144c4bbb1f7ab13b541144414fa7808c119e8a4635e392ea544c178"));
    cr_assert(string_is(d, a[1].result, "number", "0x1ac9f3"));
    uint32_t txs = ct_json_get(d, a[1].result, "transactions");
    cr_assert_eq(ct_json_count(d, txs), 2);
    cr_assert(a[2].is_error);
    cr_assert_eq(a[2].code, -32601);
    cr_assert_str_eq(a[2].message,
                     "the method eth_getBlockReceipts does not exist/is not available");
    cr_assert(string_is(d, a[3].result, "transactionHash",
                        "0x9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb"));
    cr_assert(string_is(d, a[3].result, "blockNumber", "0x1ac9f3"));
    ct_eth_rpc_close(c);
}

Test(eth_rpc, call1_reports_the_error_object)
{
    ct_eth_rpc *c = open_at("ok3", 0, 0);
    ct_error err;
    ct_error_clear(&err);
    uint32_t r;
    cr_assert_eq(ct_eth_rpc_call1(c, "trace_block", "[\"0x1\"]", &r, &err), CT_ENETWORK);
    cr_assert_str_eq(err.reason, "rpc-error");
    char want[1024];
    snprintf(want, sizeof(want),
             "the node at %s: trace_block: code -32601: the method trace_block does not "
             "exist/is not available",
             url_buf);
    cr_assert_str_eq(err.detail, want);
    ct_eth_rpc_close(c);
}

/* 500 twice, then an answer: two retries, the call succeeds. */
Test(eth_rpc, retries_after_500)
{
    ct_error err;
    ct_eth_rpc_stats st;
    cr_assert_eq(call_one("e500x2-a", 3, 0, "eth_chainId", &err, &st), CT_OK, "%s", err.detail);
    cr_assert_eq(st.requests, 3);
    cr_assert_eq(st.retries, 2);
}

Test(eth_rpc, retries_after_429)
{
    ct_error err;
    ct_eth_rpc_stats st;
    cr_assert_eq(call_one("e429x1-a", 3, 0, "eth_blockNumber", &err, &st), CT_OK, "%s", err.detail);
    cr_assert_eq(st.requests, 2);
    cr_assert_eq(st.retries, 1);
}

Test(eth_rpc, retries_after_a_closed_connection)
{
    ct_error err;
    ct_eth_rpc_stats st;
    cr_assert_eq(call_one("closex2-a", 2, 0, "eth_chainId", &err, &st), CT_OK, "%s", err.detail);
    cr_assert_eq(st.requests, 3);
}

/* The retries are bounded: 1 + 2 attempts, then the HTTP status is reported. */
Test(eth_rpc, gives_up_after_the_retries)
{
    ct_error err;
    ct_eth_rpc_stats st;
    cr_assert_eq(call_one("e503always", 2, 0, "eth_chainId", &err, &st), CT_ENETWORK);
    cr_assert_str_eq(err.reason, "node-http");
    char want[1024];
    snprintf(want, sizeof(want), "the node at %s answered HTTP 503 (3 attempts)", url_buf);
    cr_assert_str_eq(err.detail, want);
    cr_assert_eq(st.requests, 3);
}

/* 404 is not retried. */
Test(eth_rpc, http_404_is_not_retried)
{
    ct_error err;
    ct_eth_rpc_stats st;
    cr_assert_eq(call_one("e404", 4, 0, "eth_chainId", &err, &st), CT_ENETWORK);
    cr_assert_str_eq(err.reason, "node-http");
    cr_assert_eq(st.requests, 1);
}

Test(eth_rpc, timeout_is_retried_then_reported)
{
    ct_error err;
    ct_eth_rpc_stats st;
    cr_assert_eq(call_one("slow", 1, 0, "eth_chainId", &err, &st), CT_ENETWORK);
    cr_assert_str_eq(err.reason, "node-unreachable");
    cr_assert(strncmp(err.detail, "cannot reach the node at ", strlen("cannot reach the node at ")) == 0,
              "%s", err.detail);
    cr_assert(strstr(err.detail, "timed out") && strstr(err.detail, "(2 attempts)"), "%s",
              err.detail);
}

/* Nothing listens on port 1 of the loopback: connection refused, retried, then reported. */
Test(eth_rpc, unreachable_node)
{
    ct_eth_rpc_options o = CT_ETH_RPC_OPTIONS_INIT;
    o.url = "http://127.0.0.1:1/";
    o.retries = 2;
    o.backoff_ms = 5;
    ct_eth_rpc *c = NULL;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_rpc_open(&c, &o, &err), CT_OK);
    uint32_t r;
    cr_assert_eq(ct_eth_rpc_call1(c, "eth_chainId", NULL, &r, &err), CT_ENETWORK);
    cr_assert_str_eq(err.reason, "node-unreachable");
    const char *prefix = "cannot reach the node at http://127.0.0.1:1/: ";
    cr_assert(strncmp(err.detail, prefix, strlen(prefix)) == 0,
              "%s", err.detail);
    cr_assert(strstr(err.detail, "(3 attempts)"), "%s", err.detail);
    ct_eth_rpc_close(c);
}

Test(eth_rpc, answer_over_the_limit)
{
    ct_error err;
    ct_eth_rpc_stats st;
    cr_assert_eq(call_one("big", 3, 1 << 20, "eth_chainId", &err, &st), CT_ENOMEM);
    cr_assert_str_eq(err.reason, "rpc-answer-too-large");
    cr_assert_eq(st.requests, 1); /* not retried */
    cr_assert_leq(st.bytes, 1 << 20);
}

Test(eth_rpc, answer_not_json)
{
    ct_error err;
    ct_eth_rpc_stats st;
    cr_assert_eq(call_one("junk", 0, 0, "eth_chainId", &err, &st), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "rpc-bad-answer");
    cr_assert(strstr(err.detail, "is not JSON: json-syntax"), "%s", err.detail);
}

Test(eth_rpc, batch_refused)
{
    ct_eth_rpc *c = open_at("single", 0, 0);
    ct_eth_rpc_call calls[2] = {{"eth_chainId", NULL}, {"eth_blockNumber", NULL}};
    ct_eth_rpc_answer a[2];
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_rpc_batch(c, calls, 2, a, &err), CT_ENETWORK);
    cr_assert_str_eq(err.reason, "rpc-error");
    cr_assert(strstr(err.detail, "refused a batch of 2 calls: code -32600: batch requests are "
                                 "disabled"),
              "%s", err.detail);
    ct_eth_rpc_close(c);
}

Test(eth_rpc, batch_answer_missing_one)
{
    ct_eth_rpc *c = open_at("missing", 0, 0);
    ct_eth_rpc_call calls[3] = {
        {"eth_chainId", NULL}, {"eth_blockNumber", NULL}, {"eth_chainId", NULL}};
    ct_eth_rpc_answer a[3];
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_rpc_batch(c, calls, 3, a, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "rpc-bad-answer");
    /* the server drops the first element of its reversed answer: the one of id 3 */
    cr_assert(strstr(err.detail, "no answer to call 3 of 3 (eth_chainId)"), "%s", err.detail);
    ct_eth_rpc_close(c);
}

Test(eth_rpc, bad_urls)
{
    const char *bad[] = {"", "ftp://127.0.0.1/", "127.0.0.1:8545", "file:///etc/passwd",
                         "http://a b/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ct_eth_rpc_options o = CT_ETH_RPC_OPTIONS_INIT;
        o.url = bad[i];
        ct_eth_rpc *c = NULL;
        ct_error err;
        ct_error_clear(&err);
        cr_assert_eq(ct_eth_rpc_open(&c, &o, &err), CT_EINVAL, "%s", bad[i]);
        cr_assert_str_eq(err.reason, "bad-url");
        cr_assert_null(c);
    }
}

/* ---- token metadata from real eth_call answers (fixtures/eth/rpc_tokens) ---- */

static void token_meta(ct_eth_rpc *c, const char *contract, char *symbol, size_t ssize,
                       int *decimals)
{
    char params[2][160];
    snprintf(params[0], sizeof(params[0]), "[{\"to\":\"%s\",\"data\":\"0x95d89b41\"},\"latest\"]",
             contract);
    snprintf(params[1], sizeof(params[1]), "[{\"to\":\"%s\",\"data\":\"0x313ce567\"},\"latest\"]",
             contract);
    ct_eth_rpc_call calls[2] = {{"eth_call", params[0]}, {"eth_call", params[1]}};
    ct_eth_rpc_answer a[2];
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_rpc_batch(c, calls, 2, a, &err), CT_OK, "%s", err.detail);
    cr_assert(!a[0].is_error && !a[1].is_error, "%s", contract);
    const ct_json_doc *d = ct_eth_rpc_doc(c);
    uint8_t buf[256];
    size_t len;
    const char *s = ct_json_raw(d, a[0].result, &len);
    cr_assert_eq(ct_hex_decode(buf, s + 2, (len - 2) / 2), CT_OK);
    ct_eth_abi_symbol(buf, (len - 2) / 2, symbol, ssize);
    s = ct_json_raw(d, a[1].result, &len);
    cr_assert_eq(ct_hex_decode(buf, s + 2, (len - 2) / 2), CT_OK);
    *decimals = ct_eth_abi_decimals(buf, (len - 2) / 2);
}

/* ethereum-etl's expected_tokens of the same answers: ETH/18, EOS/18, ""/0. */
Test(eth_rpc, token_metadata_like_ethereum_etl)
{
    ct_eth_rpc *c = open_at("ok-tokens", 0, 0);
    char sym[32];
    int dec;
    token_meta(c, "0xf763be8b3263c268e9789abfb3934564a7b80054", sym, sizeof(sym), &dec);
    cr_assert_str_eq(sym, "ETH");
    cr_assert_eq(dec, 18);
    token_meta(c, "0x86fa049857e0209aa7d9e616f7eb3b3b78ecfdb0", sym, sizeof(sym), &dec);
    cr_assert_str_eq(sym, "EOS");
    cr_assert_eq(dec, 18);
    token_meta(c, "0xdbdacfc9eb9d42559ac1efbdb40460c728139e6a", sym, sizeof(sym), &dec);
    cr_assert_str_eq(sym, "");
    cr_assert_eq(dec, 0);
    ct_eth_rpc_close(c);
}

Test(eth_rpc, token_metadata_bad_data)
{
    char sym[32] = "x";
    uint8_t data[96] = {0};
    /* an offset past the end */
    data[31] = 0x80;
    ct_eth_abi_symbol(data, 64, sym, sizeof(sym));
    cr_assert_str_eq(sym, "");
    /* a length past the end */
    data[31] = 0x20;
    data[63] = 0x40;
    ct_eth_abi_symbol(data, 96, sym, sizeof(sym));
    cr_assert_str_eq(sym, "");
    /* a non-ASCII byte */
    data[63] = 2;
    data[64] = 'A';
    data[65] = 0xff;
    ct_eth_abi_symbol(data, 96, sym, sizeof(sym));
    cr_assert_str_eq(sym, "");
    data[65] = 'B';
    ct_eth_abi_symbol(data, 96, sym, sizeof(sym));
    cr_assert_str_eq(sym, "AB");
    /* decimals: 256, short data, a big number */
    uint8_t dec[32] = {0};
    dec[30] = 1;
    cr_assert_eq(ct_eth_abi_decimals(dec, 32), -1);
    cr_assert_eq(ct_eth_abi_decimals(dec, 31), -1);
    dec[30] = 0;
    dec[31] = 6;
    cr_assert_eq(ct_eth_abi_decimals(dec, 32), 6);
    cr_assert_eq(ct_eth_abi_decimals(dec, 0), -1);
}

/* ---- the block source over the saved mainnet blocks 1755634-1755635 ---- */

static ct_eth_source open_source(const char *path, uint64_t confirmations, ct_error *err)
{
    ct_eth_rpc_source_options o = CT_ETH_RPC_SOURCE_OPTIONS_INIT;
    o.rpc.url = url_of(path);
    o.rpc.retries = 0;
    o.confirmations = confirmations;
    ct_eth_source src = {NULL, NULL};
    ct_error_clear(err);
    cr_assert_eq(ct_eth_source_rpc(&src, &o, err), CT_OK, "%s", err->detail);
    return src;
}

/* The node has no eth_getBlockReceipts and no tracer: receipts are fetched per
 * transaction, there are no internal transfers, and every field arrives. */
Test(eth_rpc, source_fallback_to_tx_receipts)
{
    ct_error err;
    ct_eth_source src = open_source("ok-src", 0, &err);
    uint64_t lo, hi;
    cr_assert_eq(src.ops->range(src.ctx, &lo, &hi, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(lo, 0);
    cr_assert_eq(hi, 0x71993a);
    ct_eth_bundle b;
    cr_assert_eq(src.ops->block(src.ctx, 1755634, &b, &err), CT_OK, "%s: %s", err.reason,
                 err.detail);
    cr_assert_eq(b.height, 1755634);
    cr_assert_eq(b.n_txs, 0);
    cr_assert_eq(b.time, 1466669557);
    cr_assert_eq(src.ops->block(src.ctx, 1755635, &b, &err), CT_OK, "%s: %s", err.reason,
                 err.detail);
    cr_assert_eq(b.height, 1755635);
    cr_assert_eq(b.time, 1466669562);
    cr_assert_eq(b.n_txs, 2);
    cr_assert(b.has_receipts);
    cr_assert(!b.has_traces);
    char hex[65];
    ct_hex_encode(hex, b.txs[1].tx.hash, 32);
    cr_assert_str_eq(hex, "9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb");
    char dec[CT_U256_DEC_MAX];
    ct_u256_to_dec(dec, sizeof(dec), &b.txs[1].tx.value);
    cr_assert_str_eq(dec, "405738107000000000");
    cr_assert(b.txs[0].rc.present && b.txs[1].rc.present);
    cr_assert_eq(b.txs[0].rc.gas_used, 36418);
    cr_assert_eq(b.txs[1].rc.gas_used, 21000);
    cr_assert_eq(b.txs[0].rc.n_logs, 2);
    cr_assert_eq(b.txs[1].rc.n_logs, 0);
    /* the DAO token's Transfer log: its metadata was asked for and is unknown here */
    cr_assert_eq(b.n_tokens, 1);
    ct_hex_encode(hex, b.tokens[0].contract, 20);
    cr_assert_str_eq(hex, "bb9bc244d798123fde783fcc1c72d3bb8c189413");
    cr_assert_str_eq(b.tokens[0].symbol, "");
    cr_assert(!b.tokens[0].has_decimals);

    ct_eth_rpc_source_info info;
    cr_assert_eq(ct_eth_source_rpc_info(&src, &info), CT_OK);
    cr_assert_eq(info.chain_id, 1);
    cr_assert(info.probed);
    cr_assert_str_eq(info.receipts, "eth_getTransactionReceipt");
    cr_assert_null(info.traces);
    cr_assert_eq(info.tokens_queried, 1);
    /* chainId, eth_blockNumber, the probe, one batch of 2 blocks, one of 2 receipts, one of
     * the token's 2 calls: 6 requests for both blocks */
    cr_assert_eq(info.stats.requests, 6);
    /* hash_at asks the node (eth_getBlockByNumber(n, false)) and drops the window: after a
     * fork check the blocks are fetched again */
    uint8_t h[32], want[32];
    memcpy(want, b.hash, 32);
    cr_assert_eq(src.ops->hash_at(src.ctx, 1755635, h, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(memcmp(h, want, 32), 0);
    cr_assert_eq(src.ops->block(src.ctx, 1755635, &b, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(memcmp(b.hash, want, 32), 0);
    cr_assert_eq(ct_eth_source_rpc_info(&src, &info), CT_OK);
    /* + the hash, + the block (the window up to the head: 1755635 and the missing next),
     * + its 2 receipts; the token's metadata is not asked again */
    cr_assert_eq(info.stats.requests, 9);
    cr_assert_eq(info.tokens_queried, 1);
    src.ops->close(src.ctx);
}

/* A block past the node's head is CT_ENOTFOUND naming it. */
Test(eth_rpc, source_block_not_on_node)
{
    ct_error err;
    ct_eth_source src = open_source("ok-src2", 0, &err);
    ct_eth_bundle b;
    cr_assert_eq(src.ops->block(src.ctx, 1755636, &b, &err), CT_ENOTFOUND);
    cr_assert_str_eq(err.reason, "no-block");
    cr_assert_eq(err.height, 1755636);
    src.ops->close(src.ctx);
}

Test(eth_rpc, source_confirmations_and_chain_id)
{
    ct_error err;
    ct_eth_source src = open_source("ok-src3", 64, &err);
    uint64_t lo, hi;
    cr_assert_eq(src.ops->range(src.ctx, &lo, &hi, &err), CT_OK);
    cr_assert_eq(hi, 0x71993a - 64);
    src.ops->close(src.ctx);

    ct_eth_rpc_source_options o = CT_ETH_RPC_SOURCE_OPTIONS_INIT;
    o.rpc.url = url_of("ok-src4");
    o.chain_id = 1337;
    ct_error_clear(&err);
    cr_assert_eq(ct_eth_source_rpc(&src, &o, &err), CT_ENETWORK);
    cr_assert_str_eq(err.reason, "network-mismatch");
    cr_assert(strstr(err.detail, "serves chain id 1, not 1337"), "%s", err.detail);
    cr_assert_null(src.ops);
}

/* A node that offers trace_block (but no callTracer, no block receipts): block 0 of
 * mainnet and its (empty) trace_block answer. */
Test(eth_rpc, source_picks_trace_block)
{
    ct_error err;
    ct_eth_source src = open_source("ok-parity", 0, &err);
    ct_eth_bundle b;
    cr_assert_eq(src.ops->block(src.ctx, 0, &b, &err), CT_OK, "%s: %s", err.reason, err.detail);
    cr_assert_eq(b.height, 0);
    cr_assert_eq(b.n_txs, 0);
    cr_assert(b.has_traces);
    char hex[65];
    ct_hex_encode(hex, b.hash, 32);
    cr_assert_str_eq(hex, "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3");
    ct_eth_rpc_source_info info;
    cr_assert_eq(ct_eth_source_rpc_info(&src, &info), CT_OK);
    cr_assert_str_eq(info.traces, "trace_block");
    cr_assert_str_eq(info.receipts, "eth_getTransactionReceipt");
    src.ops->close(src.ctx);
}

/* A node with eth_getBlockReceipts: mainnet block 19433902 (trin, MIT), 171 transactions,
 * receipts in one call; 47 token contracts with ERC-20 Transfer logs in successful
 * transactions (python over the two files: distinct log addresses with topic0 ddf252ad...,
 * three topics, 32 bytes of data, status 0x1) get their metadata asked for. */
Test(eth_rpc, source_block_receipts)
{
    ct_error err;
    ct_eth_source src = open_source("ok-blockrc", 0, &err);
    ct_eth_bundle b;
    cr_assert_eq(src.ops->block(src.ctx, 19433902, &b, &err), CT_OK, "%s: %s", err.reason,
                 err.detail);
    cr_assert_eq(b.height, 19433902);
    cr_assert_eq(b.n_txs, 171);
    cr_assert(b.has_receipts);
    cr_assert(!b.has_traces);
    cr_assert_eq(b.n_wd, 16);
    uint32_t logs = 0;
    for (uint32_t i = 0; i < b.n_txs; i++)
        logs += b.txs[i].rc.n_logs;
    cr_assert_eq(logs, 308);
    cr_assert_eq(b.n_tokens, 47);
    ct_eth_rpc_source_info info;
    cr_assert_eq(ct_eth_source_rpc_info(&src, &info), CT_OK);
    cr_assert_str_eq(info.receipts, "eth_getBlockReceipts");
    cr_assert_null(info.traces);
    cr_assert_eq(info.tokens_queried, 47);
    /* chainId; the probe; one batch of 10 blocks with their receipts (19433903.. are null:
     * the window ends at the first missing block); one batch of 94 eth_call */
    cr_assert_eq(info.stats.requests, 4);
    src.ops->close(src.ctx);
}

/* ---- hostile answers (issue 12) ---- */

/* A single call answered with another id is refused, naming both ids; before, the answer
 * to any call was taken. */
Test(eth_rpc, single_answer_with_another_id)
{
    ct_error err;
    ct_eth_rpc_stats st;
    cr_assert_eq(call_one("badid1", 0, 0, "eth_chainId", &err, &st), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "rpc-bad-answer");
    char want[1024];
    snprintf(want, sizeof(want),
             "the node at %s: the answer to eth_chainId has id 999999, not the request's id 1",
             url_buf);
    cr_assert_str_eq(err.detail, want);
    /* a result with "id": null (allowed by JSON-RPC only for an error object) */
    cr_assert_eq(call_one("nullid1", 0, 0, "eth_chainId", &err, &st), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "rpc-bad-answer");
    snprintf(want, sizeof(want),
             "the node at %s: the answer to eth_chainId has a missing or malformed id (the "
             "request's id was 1)",
             url_buf);
    cr_assert_str_eq(err.detail, want);
}

/* A caching proxy that answers the second request with the first one's answer: the ids
 * of a client are never reused, so the stale answer is refused. */
Test(eth_rpc, replayed_answer_is_refused)
{
    ct_eth_rpc *c = open_at("replay1", 0, 0);
    ct_error err;
    ct_error_clear(&err);
    uint32_t r;
    cr_assert_eq(ct_eth_rpc_call1(c, "eth_chainId", NULL, &r, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(ct_eth_rpc_call1(c, "eth_blockNumber", NULL, &r, &err), CT_ECORRUPT);
    cr_assert_str_eq(err.reason, "rpc-bad-answer");
    cr_assert(strstr(err.detail, "the answer to eth_blockNumber has id 1, not the request's id 2"),
              "%s", err.detail);
    ct_eth_rpc_close(c);
}

/* Batches: every id of the answer must be one of the request's. */
Test(eth_rpc, batch_answer_with_other_ids)
{
    const char *paths[] = {"badid2", "shiftid1"};
    for (size_t p = 0; p < 2; p++) {
        ct_eth_rpc *c = open_at(paths[p], 0, 0);
        ct_eth_rpc_call calls[2] = {{"eth_chainId", NULL}, {"eth_blockNumber", NULL}};
        ct_eth_rpc_answer a[2];
        ct_error err;
        ct_error_clear(&err);
        cr_assert_eq(ct_eth_rpc_batch(c, calls, 2, a, &err), CT_ECORRUPT, "%s", paths[p]);
        cr_assert_str_eq(err.reason, "rpc-bad-answer");
        cr_assert(strstr(err.detail, "an answer of the batch of 2 has a missing or unknown id "
                                     "(the request's ids were 1..2)"),
                  "%s", err.detail);
        ct_eth_rpc_close(c);
    }
}

/* A head of 2^64 - 1 with no confirmations wrapped the window arithmetic (a window of 0
 * blocks whose uninitialised first element was delivered as a block); 2^32 - 1 is one above
 * the highest height a database stores. Both are refused naming the field and the bound. */
Test(eth_rpc, source_head_out_of_range)
{
    struct {
        const char *path;
        bool finalized;
        const char *field, *value;
    } cases[] = {
        {"headmax1", false, "eth_blockNumber", "18446744073709551615 (0xffffffffffffffff)"},
        {"headmax2", true, "the finalized block's number",
         "18446744073709551615 (0xffffffffffffffff)"},
        {"head2p32a", false, "eth_blockNumber", "4294967295 (0xffffffff)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ct_eth_rpc_source_options o = CT_ETH_RPC_SOURCE_OPTIONS_INIT;
        o.rpc.url = url_of(cases[i].path);
        o.rpc.retries = 0;
        o.confirmations = 0;
        o.finalized = cases[i].finalized;
        ct_eth_source src = {NULL, NULL};
        ct_error err;
        ct_error_clear(&err);
        cr_assert_eq(ct_eth_source_rpc(&src, &o, &err), CT_OK, "%s", err.detail);
        uint64_t lo = 7, hi = 7;
        cr_assert_eq(src.ops->range(src.ctx, &lo, &hi, &err), CT_ECORRUPT, "%s", cases[i].path);
        cr_assert_str_eq(err.reason, "rpc-bad-answer");
        char want[1024];
        snprintf(want, sizeof(want),
                 "the node at %s: %s is %s, above the highest block number chaintrail stores "
                 "(4294967294)",
                 url_buf, cases[i].field, cases[i].value);
        cr_assert_str_eq(err.detail, want);
        cr_assert_eq(hi, 7); /* nothing delivered */
        /* a block asked for above the bound is refused, not fetched */
        ct_eth_bundle b;
        cr_assert_eq(src.ops->block(src.ctx, 4294967295u, &b, &err), CT_EINVAL);
        cr_assert_str_eq(err.reason, "bad-height");
        src.ops->close(src.ctx);
    }
}

/* The same through the program: exit 3 (bad data from the node), the field named, and no
 * block stored: the first ingest stored nothing, so it leaves no database behind. */
Test(eth_rpc, cli_head_out_of_range)
{
    char *db = tu_fresh_db();
    const char *url = url_of("headmax3");
    tu_run r;
    const char *args[] = {"--db", db, "ingest", "ethereum", "--rpc", url, "--confirmations", "0",
                          NULL};
    tu_exec(&r, args, NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    cr_assert(strstr(r.err, "eth_blockNumber is 18446744073709551615 (0xffffffffffffffff), above "
                            "the highest block number chaintrail stores (4294967294)"),
              "%s", r.err);
    tu_run_free(&r);
    const char *sargs[] = {"--db", db, "show", "block", "0", "--chain", "ethereum", NULL};
    tu_exec(&r, sargs, NULL);
    cr_assert_eq(r.status, 5, "%s", r.out);
    char want[512];
    snprintf(want, sizeof(want),
             "chaintrail: show: no database at '%s' (run 'chaintrail ingest' first, or pass "
             "--db)\n",
             db);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    tu_fresh_db_done(db);
}
