/* Ethereum block sources: where `chaintrail ingest ethereum` gets its blocks from.
 *
 * A source hands the ingest one **bundle** per block: the block with its transactions,
 * their receipts (status, gas used, effective gas price, logs), the internal ETH transfers
 * of their execution (from geth's callTracer or Parity's trace_block, reverted subtrees
 * already dropped), the withdrawals, and token metadata when the source knows it. The
 * ingest (engine/account/eth_ingest.c) turns a bundle into account-model events (account.h) and
 * rows; it never sees where the bundle came from.
 *
 * Sources: saved JSON-RPC responses (`--json FILE...`, eth_source_json.c), ethereum-etl
 * exports (`--etl DIR`, eth_etl.c) and a live node (`--rpc URL`, wip-eth-node). All of them
 * build bundles with the same JSON -> bundle functions below (eth_json.c), which take
 * engine/base/json.h values: a block object with full transactions, a receipts array, a
 * callTracer result array, a trace_block array.
 *
 * Ownership: a bundle and everything it points to belong to the source (allocated in its
 * arena) and stay valid until the next call of ops->block or ops->close.
 */
#ifndef CT_ETH_SOURCE_H
#define CT_ETH_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"
#include "chaintrail/ethereum.h"
#include "chaintrail/ethdb.h"
#include "chaintrail/u256.h"
#include "base/json.h"
#include "base/util.h"

/* ---- the bundle ---- */

typedef struct ct_eth_log {
    uint32_t log_index; /* in the block */
    uint8_t address[20];
    uint32_t n_topics; /* 0..4 */
    uint8_t topics[4][32];
    const uint8_t *data; /* arena */
    size_t data_len;
} ct_eth_log;

typedef struct ct_eth_receipt {
    bool present;
    bool has_status; /* pre-Byzantium receipts carry a state root instead */
    uint8_t status;  /* 1 success, 0 failure */
    uint64_t gas_used;
    bool has_effective_price; /* absent in old receipts: then the tx's gasPrice */
    ct_u256 effective_gas_price;
    bool has_contract;
    uint8_t contract_address[20];
    ct_eth_log *logs;
    uint32_t n_logs;
} ct_eth_receipt;

enum ct_eth_itx_kind {
    CT_ETH_ITX_CALL = 1,         /* CALL / CALLCODE with value */
    CT_ETH_ITX_CREATE = 2,       /* CREATE / CREATE2 endowment */
    CT_ETH_ITX_SELFDESTRUCT = 3, /* the destructed contract's balance to its beneficiary */
};

/* An internal transfer: an ETH move inside execution, value > 0, not the top-level call
 * (that is the transaction's own transfer) and not inside a failed or reverted frame. */
typedef struct ct_eth_itx {
    uint8_t kind; /* ct_eth_itx_kind */
    uint8_t from[20];
    uint8_t to[20];
    ct_u256 value;
} ct_eth_itx;

/* One transaction of the block: the signed transaction as ethereum.h decodes it, built
 * from the node's JSON fields (tx.from = the node's `from`, has_from true), then checked:
 * hash recomputed and sender recovered (E13) by ct_eth_bundle_verify_txs. */
typedef struct ct_eth_btx {
    uint32_t index;         /* transactionIndex */
    ct_eth_tx tx;           /* lists and input point into the source's arena */
    bool verified;          /* hash and sender were recomputed and agree */
    ct_u256 node_gas_price; /* the node's gasPrice field (1559+: the effective price) */
    ct_eth_receipt rc;      /* rc.present false when the source has no receipts */
    bool has_trace;         /* a callTracer/trace_block result was given for this tx */
    bool trace_failed;      /* ... and its top-level frame failed (the whole tx reverted) */
    ct_eth_itx *itx;        /* internal transfers in trace order (arena) */
    uint32_t n_itx;
} ct_eth_btx;

/* A block or uncle reward from a trace (Parity's `reward` trace, ethereum-etl's reward
 * and genesis traces): new ETH credited to `to`. Pre-Merge only; without traces a PoW
 * block's rewards are unknown (docs/ingest.md). */
typedef struct ct_eth_reward {
    uint8_t to[20];
    ct_u256 value;
} ct_eth_reward;

typedef struct ct_eth_token_meta {
    uint8_t contract[20];
    char symbol[32]; /* "" when unknown */
    bool has_decimals;
    uint8_t decimals;
} ct_eth_token_meta;

typedef struct ct_eth_bundle {
    uint64_t height;
    uint8_t hash[32];
    uint8_t parent[32];
    uint64_t time;
    uint8_t miner[20]; /* fee recipient */
    bool has_base_fee; /* London and later */
    ct_u256 base_fee;
    uint64_t gas_used;
    uint64_t gas_limit;
    ct_eth_btx *txs;
    uint32_t n_txs;
    bool has_withdrawals;
    ct_eth_withdrawal *wd;
    uint32_t n_wd;
    bool has_receipts; /* every tx has rc.present */
    bool has_traces;   /* internal transfers were extracted (else none are known) */
    ct_eth_reward *rewards; /* block and uncle rewards of the traces, in trace order */
    uint32_t n_rewards;
    ct_eth_token_meta *tokens;
    uint32_t n_tokens;
} ct_eth_bundle;

/* ---- JSON -> bundle (eth_json.c) ----
 * Each function reads one JSON-RPC result value at node `node` of `d` and fills or extends
 * the bundle, allocating in `a`. Errors are CT_ECORRUPT with err->reason one of
 * "missing-field" (E14), "bad-quantity" / "bad-data" (E11: the field is named in the
 * detail), "mismatch" (E13: hashes, indexes, counts that disagree), "bad-trace", with
 * err->height and err->tx_index set when known; CT_ENOMEM. */

/* eth_getBlockByNumber(N, true) result. Resets *b first. */
CT_WARN_UNUSED int ct_eth_json_block(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d,
                                     uint32_t node, ct_error *err);
/* eth_getBlockReceipts result (an array with one receipt per transaction, in order), or
 * one eth_getTransactionReceipt result when `single` (matched to its tx by hash). */
CT_WARN_UNUSED int ct_eth_json_receipts(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d,
                                        uint32_t node, ct_error *err);
CT_WARN_UNUSED int ct_eth_json_receipt(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d,
                                       uint32_t node, ct_error *err);
/* debug_traceBlockByNumber(N, {tracer: "callTracer"}) result: an array with one element per
 * transaction, each {"result": frame} (or {"txHash", "result"}), or the frames themselves. */
CT_WARN_UNUSED int ct_eth_json_calltraces(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d,
                                          uint32_t node, ct_error *err);
/* trace_block result: Parity flat traces with traceAddress, transactionPosition, error. */
CT_WARN_UNUSED int ct_eth_json_parity_traces(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d,
                                             uint32_t node, ct_error *err);
/* Appends an internal transfer to t (*cap: its capacity so far, 0 at first). */
CT_WARN_UNUSED int ct_eth_itx_push(ct_eth_btx *t, ct_arena *a, uint32_t *cap, uint8_t kind,
                                   const uint8_t *from, const uint8_t *to, const ct_u256 *value,
                                   ct_error *err);
/* Appends a reward (value > 0; zero values are dropped). */
CT_WARN_UNUSED int ct_eth_bundle_add_reward(ct_eth_bundle *b, ct_arena *a, const uint8_t to[20],
                                            const ct_u256 *value, ct_error *err);

/* ---- ethereum-etl (eth_etl.c) ---- */

/* Rewrites an RFC 4180 CSV text (header line, quoted fields with "" escapes, CRLF or LF)
 * as JSON lines, one object per record, every field a string member named by its header
 * (renamed by `alias`, pairs {from, to, ...} ending with NULL, may be NULL) or null when
 * empty; the members named in `arrays` (NULL-terminated) become arrays of the field's
 * comma-separated parts (numbers when every part is digits), those named in `objects` an
 * array of the comma-separated JSON objects the field holds (ethereum-etl's withdrawals).
 * Errors: CT_ECORRUPT "bad-csv" with err->offset (the byte) and the record number in the
 * detail (unclosed quote, a quote inside an unquoted field, a record of another field
 * count, text that is not UTF-8, a repeated column, objects that are not JSON). */
CT_WARN_UNUSED int ct_eth_csv_to_jsonl(const char *text, size_t len, const char *const *alias,
                                       const char *const *arrays, const char *const *objects,
                                       ct_buf *out, ct_error *err);

/* One ethereum-etl trace (a line of traces.json or traces.csv made JSON) of block b, in
 * file order: `reward`/`genesis` traces become rewards; a transaction's traces (matched
 * by transaction_index, else transaction_hash) set has_trace (trace_address empty: the
 * transaction itself; status 0 there: trace_failed), and a call (call_type call or
 * none) / create / suicide with value > 0 and status 1 inside the transaction becomes an
 * internal transfer. A trace without trace_type takes it from trace_id (ethereum-etl's
 * "<type>_<tx hash>_<address>" / "reward_<block>_<i>"), as GraphSense's exports have it. */
CT_WARN_UNUSED int ct_eth_etl_trace(ct_eth_bundle *b, ct_arena *a, const ct_json_doc *d,
                                    uint32_t obj, uint32_t *caps, ct_error *err);

/* Adds token metadata (symbol may be NULL/""; decimals < 0: unknown). */
CT_WARN_UNUSED int ct_eth_bundle_add_token(ct_eth_bundle *b, ct_arena *a,
                                           const uint8_t contract[20], const char *symbol,
                                           int decimals, ct_error *err);
/* E13: recomputes every transaction's hash from its fields and recovers its sender
 * (ethereum.h), both compared with what the node said; chain_id 0 accepts any. Sets
 * verified. Reasons: "mismatch" (hash or from differ), the recovery's own reasons. */
CT_WARN_UNUSED int ct_eth_bundle_verify_txs(ct_eth_bundle *b, uint64_t chain_id, ct_error *err);
/* Final checks before ingest: tx indexes 0..n-1, receipts for every tx or none, a
 * callTracer/trace result for every tx or none. */
CT_WARN_UNUSED int ct_eth_bundle_check(const ct_eth_bundle *b, ct_error *err);

/* ---- sources ---- */

#define CT_ETH_SOURCE_VERSION 1

typedef struct ct_eth_source_ops {
    unsigned version; /* CT_ETH_SOURCE_VERSION */
    const char *name; /* "json", "etl", "rpc" */
    /* The heights the source can deliver now: [*lo, *hi] (for a node: up to its head minus
     * the confirmations, or its finalized block). CT_ENOTFOUND when it has no block. */
    int (*range)(void *ctx, uint64_t *lo, uint64_t *hi, ct_error *err);
    /* The hash of the block at `height` as the source sees it (used to find the fork point
     * of a reorg). CT_ENOTFOUND when the source cannot tell. */
    int (*hash_at)(void *ctx, uint64_t height, uint8_t hash[32], ct_error *err);
    /* The block at `height` with everything the source has for it; *out is valid until the
     * next call of block or close. CT_ENOTFOUND when the source has no such block. */
    int (*block)(void *ctx, uint64_t height, ct_eth_bundle *out, ct_error *err);
    void (*close)(void *ctx);
} ct_eth_source_ops;

typedef struct ct_eth_source {
    const ct_eth_source_ops *ops;
    void *ctx;
} ct_eth_source;

/* Saved JSON-RPC responses: each file holds one response or a batch (array) of them, or a
 * bare result; blocks, receipts, traces are matched to their block by hash/number. Files
 * may also be raw `result` values. */
CT_WARN_UNUSED int ct_eth_source_json(ct_eth_source *src, const char *const *paths, size_t npaths,
                                      ct_error *err);

/* An ethereum-etl export directory, JSON lines (docs/ethereum-etl.md); its transactions
 * have no signatures (verified stays false). */
CT_WARN_UNUSED int ct_eth_source_etl(ct_eth_source *src, const char *dir, ct_error *err);

/* The ingest over any source (eth_ingest.c): what ct_eth_ingest_json/_etl do after opening
 * theirs, and what the RPC client calls with its own. Does not close the source. */
CT_WARN_UNUSED int ct_eth_ingest_source(ct_db *db, ct_eth_ingest_stats *stats, ct_eth_source *src,
                                        const ct_eth_ingest_options *opts, ct_error *err);

/* Zeroes *stats (NULL: nothing) with no height yet (-1). Every public ingest entry calls it
 * first, so the caller reads defined figures even when opening the source fails. */
void ct_eth_ingest_stats_reset(ct_eth_ingest_stats *stats);

#endif
