/* chaintrail Ethereum from a live node: `chaintrail ingest ethereum --rpc URL`.
 *
 * The node is read over JSON-RPC (HTTP or HTTPS) in batches of several blocks: blocks with
 * full transactions, receipts (eth_getBlockReceipts, or eth_getTransactionReceipt per
 * transaction when the node lacks it), internal transfers (debug_traceBlockByNumber with
 * callTracer, else trace_block, else none: the report says which) and token symbol and
 * decimals (eth_call). Failed requests are retried with exponential backoff a bounded
 * number of times (network errors, HTTP 429 and 5xx); answers are size-limited. The ingest
 * itself is the one of ethdb.h: one synchronous batch per block, reorgs rolled back.
 */
#ifndef CHAINTRAIL_ETHRPC_H
#define CHAINTRAIL_ETHRPC_H

#include <stdbool.h>
#include <stdint.h>

#include "chaintrail/db.h"
#include "chaintrail/error.h"
#include "chaintrail/ethdb.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_eth_rpc_ingest_options {
    unsigned version;       /* CT_ETH_RPC_INGEST_OPTIONS_VERSION */
    const char *url;        /* http:// or https:// */
    uint64_t confirmations; /* stop this many blocks behind the node's head (default 64) */
    bool finalized;         /* stop at the node's `finalized` block instead */
    unsigned batch_blocks;  /* blocks per batch request, 1..1000 (default 10) */
    unsigned retries;       /* retries of a failed request (default 5) */
    long timeout_ms;        /* one HTTP exchange (default 60000) */
} ct_eth_rpc_ingest_options;

#define CT_ETH_RPC_INGEST_OPTIONS_VERSION 1
#define CT_ETH_RPC_INGEST_OPTIONS_INIT                                                             \
    {                                                                                              \
        CT_ETH_RPC_INGEST_OPTIONS_VERSION, NULL, 64, false, 10, 5, 60000                           \
    }

/* What the run found out about the node and how much it asked. */
typedef struct ct_eth_rpc_report {
    uint64_t chain_id;
    bool probed;       /* the node's methods were probed (at least one block fetched) */
    char receipts[32]; /* "eth_getBlockReceipts" or "eth_getTransactionReceipt" */
    char traces[32];   /* "debug_traceBlockByNumber", "trace_block" or "" (none) */
    uint64_t requests, retries, calls, bytes;
    uint64_t tokens_queried;
} ct_eth_rpc_report;

/* Ingests the node's blocks from the database's Ethereum tip + 1 (or opts->from, or 0) up to
 * its head minus the confirmations (or its finalized block), or opts->to. The node's
 * eth_chainId must equal opts->chain_id. rep may be NULL. Returns CT_OK; CT_EINVAL (a bad
 * URL or option); CT_ENETWORK ("node-unreachable": "cannot reach the node at URL: ..."
 * after the retries; "node-http"; "rpc-error" with the node's code and message;
 * "network-mismatch" / "chain-id-mismatch"); CT_ECORRUPT (an answer that is not what
 * JSON-RPC promises: err names the field, block and tx); CT_ENOMEM (an answer over the size
 * limit); CT_EIO, CT_EDBCORRUPT (database). */
CT_WARN_UNUSED int ct_eth_ingest_rpc(ct_db *db, ct_eth_ingest_stats *stats,
                                     const ct_eth_rpc_ingest_options *ro,
                                     const ct_eth_ingest_options *opts, ct_eth_rpc_report *rep,
                                     ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
