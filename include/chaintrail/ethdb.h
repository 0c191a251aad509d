/* chaintrail Ethereum database: ingest of Ethereum blocks into the graph database, the
 * queries behind `show`, `stats` and `verify`, and the account-model graph the tracer walks
 * (ct_acct_graph_db). The rows are documented in docs/storage.md ("Ethereum tables"); a
 * database can hold Bitcoin and Ethereum side by side.
 *
 * Argument order as everywhere: handle, outputs, inputs, options, then the caller-owned
 * ct_error (may be NULL).
 */
#ifndef CHAINTRAIL_ETHDB_H
#define CHAINTRAIL_ETHDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/account.h"
#include "chaintrail/db.h"
#include "chaintrail/error.h"
#include "chaintrail/u256.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ingest ---- */
/* What an ingest did. Every ingest entry zeroes it first (height -1), so it is defined even
 * when the run fails before its first block (a missing file, a bad option). */
typedef struct ct_eth_ingest_stats {
    uint64_t blocks;       /* connected by this run */
    uint64_t blocks_known; /* already in the database: skipped */
    uint64_t disconnected; /* rolled back by reorgs */
    uint64_t reorgs;
    uint64_t txs;
    uint64_t logs;
    uint64_t events;
    int64_t height;   /* Ethereum tip after the run, -1 when empty */
    bool interrupted; /* stopped by *stop */
} ct_eth_ingest_stats;

typedef struct ct_eth_ingest_options {
    unsigned version;  /* CT_ETH_INGEST_OPTIONS_VERSION */
    uint64_t chain_id; /* 1 = mainnet; must match the database's */
    int64_t from;      /* first height when the database has no Ethereum block (-1: the
                          source's first) */
    int64_t to;        /* last height (-1: the source's last) */
    void (*progress)(void *ctx, const ct_eth_ingest_stats *st);
    void *ctx;
    volatile int *stop; /* stop cleanly before the next block when it becomes non-zero */
    /* Take each transaction's `from` and hash as the source says, without recomputing the
     * hash or recovering the sender: only for sources without signatures (ethereum-etl
     * exports); false for nodes and saved JSON-RPC responses (E13 checks). */
    bool trust_senders;
} ct_eth_ingest_options;

#define CT_ETH_INGEST_OPTIONS_VERSION 1
#define CT_ETH_INGEST_OPTIONS_INIT                                                                 \
    {                                                                                              \
        CT_ETH_INGEST_OPTIONS_VERSION, 1, -1, -1, NULL, NULL, NULL, false                          \
    }

/* Ingests the blocks of saved JSON-RPC responses (docs/ingest.md, "Ethereum"): each file
 * holds responses (single or batched) of eth_getBlockByNumber(N, true),
 * eth_getBlockReceipts, eth_getTransactionReceipt, debug_traceBlockByNumber (callTracer) or
 * trace_block. One synchronous batch per block; blocks must connect by parent hash; a block
 * whose parent differs from the stored one rolls the chain back to the fork first.
 * Returns CT_OK, CT_ECORRUPT (bad input: err names the field, block and tx; nothing of that
 * block is stored), CT_ENETWORK (chain id), CT_EIO, CT_EDBCORRUPT. */
CT_WARN_UNUSED int ct_eth_ingest_json(ct_db *db, ct_eth_ingest_stats *stats,
                                      const char *const *paths, size_t npaths,
                                      const ct_eth_ingest_options *opts, ct_error *err);

/* The same from an ethereum-etl export directory in JSON lines (docs/ethereum-etl.md):
 * blocks.json, transactions.json (with receipt fields), logs.json, optional tokens.json.
 * The export has no signatures: opts->trust_senders must be true (else CT_EINVAL). */
CT_WARN_UNUSED int ct_eth_ingest_etl(ct_db *db, ct_eth_ingest_stats *stats, const char *dir,
                                     const ct_eth_ingest_options *opts, ct_error *err);

/* Rolls the Ethereum chain back until its tip is at `height` (-1: empty). CT_EINVAL when
 * height is above the tip or the database has no Ethereum block. */
CT_WARN_UNUSED int ct_eth_rollback(ct_db *db, int64_t height, ct_error *err);

/* ---- queries ---- */
typedef struct ct_eth_stats {
    bool present; /* the database holds Ethereum blocks */
    uint64_t chain_id;
    int64_t height; /* tip, -1 when none */
    uint64_t first_height;
    uint64_t blocks;
    uint64_t txs;
    uint64_t transfers; /* native + internal */
    uint64_t native;
    uint64_t internal;
    uint64_t token_transfers;
    uint64_t fee_events;
    uint64_t rewards;
    uint64_t events;
    uint64_t logs;
    uint64_t addresses;
    uint64_t assets; /* tokens */
} ct_eth_stats;
CT_WARN_UNUSED int ct_eth_stats_get(ct_db *db, ct_eth_stats *out, ct_error *err);

typedef struct ct_eth_block_info {
    uint32_t height;
    uint8_t hash[32];
    uint8_t parent[32];
    uint32_t time;
    char miner[43];
    bool has_base_fee;
    ct_u256 base_fee;
    uint64_t gas_used;
    uint32_t n_txs;
    uint32_t n_events; /* block-level events (withdrawals) */
} ct_eth_block_info;
CT_WARN_UNUSED int ct_eth_block_get(ct_db *db, ct_eth_block_info *out, uint32_t height,
                                    ct_error *err);

typedef struct ct_eth_tx_info {
    uint8_t hash[32];
    uint32_t height;
    uint32_t index;
    uint8_t type;
    int status; /* 1, 0, or -1 when unknown (pre-Byzantium without a trace) */
    char from[43];
    char to[43];       /* "" for a contract creation */
    char contract[43]; /* the created contract, "" when none */
    ct_u256 value;
    uint64_t nonce;
    uint64_t gas;
    uint64_t gas_used;
    ct_u256 gas_price; /* effective */
    uint32_t n_logs;
    uint32_t n_events;
} ct_eth_tx_info;
CT_WARN_UNUSED int ct_eth_tx_get(ct_db *db, ct_eth_tx_info *out, const uint8_t hash[32],
                                 ct_error *err);

/* Per-asset totals of an address. */
typedef struct ct_eth_ledger_totals {
    uint32_t asset;
    ct_u256 received;
    ct_u256 sent;
    uint64_t events;
    ct_acct_pos first, last;
} ct_eth_ledger_totals;
/* Calls fn for each asset ledger of address (any case), ascending by asset. CT_ENOTFOUND
 * when the address was never seen; CT_EINVAL for a malformed address. *addrid receives its
 * id (may be NULL). */
CT_WARN_UNUSED int ct_eth_address_ledgers(ct_db *db, const char *address, uint64_t *addrid,
                                          int (*fn)(void *arg, const ct_eth_ledger_totals *t),
                                          void *arg, ct_error *err);

/* ---- verify ---- */
typedef struct ct_eth_verify_report {
    uint64_t rows;
    uint64_t violations;
    char first[256];    /* the first violation, "" when none */
    uint8_t digest[32]; /* SHA-256 over the Ethereum tables in key order */
} ct_eth_verify_report;
/* Checks the Ethereum tables: every event has its ledger rows, totals equal the sums of
 * the ledger, blocks connect by parent hash, counters equal the rows; and digests them. */
CT_WARN_UNUSED int ct_eth_verify(ct_db *db, ct_eth_verify_report *rep, ct_error *err);

/* ---- the account-model graph over a snapshot (account.h) ----
 * Fills *g with a graph that reads the database through snap (which must outlive it);
 * release with ct_acct_graph_db_free. CT_ENOMEM. */
CT_WARN_UNUSED int ct_acct_graph_db(ct_acct_graph *g, ct_db *db, const ct_db_snapshot *snap,
                                    ct_error *err);
void ct_acct_graph_db_free(ct_acct_graph *g);

#ifdef __cplusplus
}
#endif
#endif
