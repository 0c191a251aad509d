/* A JSON-RPC client over HTTP (libcurl) for Ethereum nodes: one connection reused across
 * requests, batched calls matched to their answers by id, timeouts, bounded retries with
 * exponential backoff on network errors, HTTP 429 and 5xx, and a hard limit on the size of
 * an answer (a hostile or broken node cannot make us allocate without bound).
 *
 * Errors (err->reason; the detail names the URL and, for calls, the method):
 *   CT_EINVAL   "bad-url"              not an http:// or https:// URL
 *   CT_ENETWORK "node-unreachable"     "cannot reach the node at URL: ..." once the retries
 *                                      are spent (connection refused, timeout, reset)
 *   CT_ENETWORK "node-http"            an HTTP status other than 200 (429 and 5xx after the
 *                                      retries; others at once)
 *   CT_ENETWORK "rpc-error"            a JSON-RPC error object: its code and message
 *   CT_ECORRUPT "rpc-bad-answer"       an answer that is not JSON-RPC: not JSON, an id
 *                                      missing, unknown or repeated, neither result nor error;
 *                                      also an id that is not the request's: a client never
 *                                      reuses an id, so an answer to an earlier request (a
 *                                      replay, a caching proxy) is refused too
 *   CT_ENOMEM   "rpc-answer-too-large" an answer over max_response bytes
 * libcurl is confined to eth_rpc.c; nothing of it shows in this header. */
#ifndef CT_ETH_RPC_H
#define CT_ETH_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"
#include "base/json.h"

typedef struct ct_eth_rpc_options {
    const char *url;
    long connect_timeout_ms; /* TCP + TLS connect, per attempt */
    long timeout_ms;         /* one whole HTTP exchange, per attempt */
    unsigned retries;        /* attempts after the first, for retryable failures */
    long backoff_ms;         /* wait before the first retry; doubled for each next one */
    long backoff_max_ms;     /* the longest wait */
    size_t max_response;     /* bytes of one HTTP answer */
} ct_eth_rpc_options;

#define CT_ETH_RPC_OPTIONS_INIT                                                                    \
    {                                                                                              \
        NULL, 5000, 60000, 5, 500, 8000, (size_t)256 << 20                                         \
    }

typedef struct ct_eth_rpc_call {
    const char *method;
    const char *params; /* JSON array text, e.g. "[\"0x10\",true]"; NULL: [] */
} ct_eth_rpc_call;

#define CT_ETH_RPC_MSG_MAX 160

/* The answer to one call of a batch: the node of its result in ct_eth_rpc_doc(), or the
 * error object's code and message (control characters replaced, cut to fit). */
typedef struct ct_eth_rpc_answer {
    bool is_error;
    uint32_t result;
    int64_t code;
    char message[CT_ETH_RPC_MSG_MAX];
} ct_eth_rpc_answer;

typedef struct ct_eth_rpc_stats {
    uint64_t requests; /* HTTP requests sent, retries included */
    uint64_t retries;
    uint64_t calls;    /* JSON-RPC calls answered */
    uint64_t bytes;    /* answer bytes received */
} ct_eth_rpc_stats;

typedef struct ct_eth_rpc ct_eth_rpc;

/* Opens a client (no request is sent). Returns CT_OK, CT_EINVAL ("bad-url"), CT_ENOMEM. */
CT_WARN_UNUSED int ct_eth_rpc_open(ct_eth_rpc **out, const ct_eth_rpc_options *opts,
                                   ct_error *err);
void ct_eth_rpc_close(ct_eth_rpc *c);

/* Sends n calls (one HTTP request: a JSON-RPC batch when n > 1) and fills ans[0..n).
 * A call answered with an error object is not a failure of the batch: ans[i].is_error.
 * The result nodes stay valid until the next request. Returns CT_OK or an error above. */
CT_WARN_UNUSED int ct_eth_rpc_batch(ct_eth_rpc *c, const ct_eth_rpc_call *calls, size_t n,
                                    ct_eth_rpc_answer *ans, ct_error *err);

/* One call; an error object is CT_ENETWORK "rpc-error" ("METHOD: code C: MESSAGE"). */
CT_WARN_UNUSED int ct_eth_rpc_call1(ct_eth_rpc *c, const char *method, const char *params,
                                    uint32_t *result, ct_error *err);

/* The parsed answer of the last request. */
const ct_json_doc *ct_eth_rpc_doc(const ct_eth_rpc *c);
const char *ct_eth_rpc_url(const ct_eth_rpc *c);
void ct_eth_rpc_get_stats(const ct_eth_rpc *c, ct_eth_rpc_stats *out);

/* A result that is a QUANTITY ("0x" + hex, no leading zeros) of at most 64 bits.
 * Returns CT_OK or CT_ECORRUPT "rpc-bad-answer" naming `what`. */
CT_WARN_UNUSED int ct_eth_rpc_u64(const ct_eth_rpc *c, uint32_t node, const char *what,
                                  uint64_t *out, ct_error *err);


/* ---- the block source of `ingest ethereum --rpc` (eth_source_rpc.c) ---- */

struct ct_eth_source;

typedef struct ct_eth_rpc_source_options {
    ct_eth_rpc_options rpc;
    uint64_t confirmations; /* the last block delivered is the head minus this many */
    bool finalized;         /* true: the last block is the node's `finalized` block instead */
    unsigned batch_blocks;  /* blocks fetched per batch (1..1000) */
    uint64_t chain_id;      /* 0: any; else eth_chainId must equal it */
    bool token_metadata;    /* eth_call symbol() and decimals() of each new token contract */
} ct_eth_rpc_source_options;

#define CT_ETH_RPC_SOURCE_OPTIONS_INIT                                                             \
    {                                                                                              \
        CT_ETH_RPC_OPTIONS_INIT, 64, false, 10, 0, true                                            \
    }

/* What the source found out about the node (after the first block). */
typedef struct ct_eth_rpc_source_info {
    uint64_t chain_id;
    bool probed;                /* false until the first block was fetched */
    const char *receipts;       /* "eth_getBlockReceipts" or "eth_getTransactionReceipt" */
    const char *traces;         /* "debug_traceBlockByNumber", "trace_block" or NULL: none */
    ct_eth_rpc_stats stats;
    uint64_t tokens_queried;    /* token contracts whose metadata was asked for */
} ct_eth_rpc_source_info;

/* Opens the source: connects and asks eth_chainId (so an unreachable node is reported
 * here, CT_ENETWORK "node-unreachable"); a chain id other than o->chain_id is CT_ENETWORK
 * "network-mismatch". The node's methods are probed once, at the first block: receipts per
 * block (eth_getBlockReceipts) or else per transaction; internal transfers from
 * debug_traceBlockByNumber with callTracer, else trace_block, else none (the bundles then
 * have has_traces false). */
CT_WARN_UNUSED int ct_eth_source_rpc(struct ct_eth_source *src,
                                     const ct_eth_rpc_source_options *o, ct_error *err);
/* CT_OK, or CT_EINVAL when src is not an RPC source. */
CT_WARN_UNUSED int ct_eth_source_rpc_info(const struct ct_eth_source *src,
                                          ct_eth_rpc_source_info *out);

/* Token metadata as ethereum-etl reads it from eth_call answers: symbol() as an ABI string
 * or a bytes32 (NUL-padded) into out, NUL bytes dropped (printable ASCII; "" when the data
 * is neither or holds other bytes);
 * decimals() as a uint256 below 256, else -1. Exposed for the tests. */
void ct_eth_abi_symbol(const uint8_t *data, size_t len, char *out, size_t size);
int ct_eth_abi_decimals(const uint8_t *data, size_t len);

#endif
