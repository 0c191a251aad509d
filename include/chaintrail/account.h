/* chaintrail account model: the value flows of account chains (Ethereum) as the tracer
 * sees them, and the read interface the account-model tracer walks.
 *
 * Every movement of value is an **event**: the transaction's own ETH transfer, an internal
 * transfer, an ERC-20 `Transfer` log, the gas fee (burnt base fee and priority fee apart),
 * or value created outside transactions (block rewards, withdrawals). Events are ordered by
 * (height, tx index, position), which is the order of taint-models.md ("Account chains"):
 * in each transaction, position 0 is its own value transfer, then internal transfers in
 * trace order, then token logs in log-index order, then the fee flows last. Block-level
 * credits (rewards, withdrawals) come after every transaction of their block
 * (tx_index = CT_ACCT_BLOCK_LEVEL).
 *
 * A ledger is one (address, asset): asset 0 is ETH, tokens get dense ids in order of first
 * appearance. Addresses get dense ids (addrid, from 1); the fee sink has addrid 0 and no
 * ledger. The ERC-20 zero address (mints and burns) is an ordinary address.
 *
 * Like ct_trace_graph (trace.h), the tracer reaches the data only through
 * ct_acct_graph, so tests can run it on an in-memory graph; ct_acct_graph_db() (engine)
 * implements it over a database snapshot.
 */
#ifndef CHAINTRAIL_ACCOUNT_H
#define CHAINTRAIL_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"
#include "chaintrail/u256.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CT_ACCT_BLOCK_LEVEL UINT32_MAX /* tx_index of rewards and withdrawals */
#define CT_ACCT_ASSET_ETH   0u

typedef enum ct_acct_kind {
    CT_ACCT_NATIVE = 1,       /* the transaction's own ETH value transfer */
    CT_ACCT_INTERNAL = 2,     /* an ETH transfer inside execution (call, create, selfdestruct) */
    CT_ACCT_TOKEN = 3,        /* an ERC-20 Transfer log of the asset's contract */
    CT_ACCT_FEE_BURNT = 4,    /* gasUsed x base fee (EIP-1559), to the fee sink */
    CT_ACCT_FEE_PRIORITY = 5, /* the rest of gasUsed x effectiveGasPrice, to the fee sink */
    CT_ACCT_REWARD = 6,       /* value from nobody: block/uncle reward, withdrawal, the
                               * priority fees credited to the block's fee recipient */
} ct_acct_kind;

/* The position of an event; ordered by height, then tx_index, then pos. */
typedef struct ct_acct_pos {
    uint32_t height;
    uint32_t tx_index;
    uint32_t pos;
} ct_acct_pos;

/* -1, 0, 1 as a is before, at, after b. */
int ct_acct_pos_cmp(const ct_acct_pos *a, const ct_acct_pos *b);

typedef struct ct_acct_event {
    ct_acct_pos at;
    uint32_t time;   /* block timestamp, Unix seconds */
    uint8_t kind;    /* ct_acct_kind */
    uint32_t asset;  /* CT_ACCT_ASSET_ETH or a token's asset id */
    uint64_t from;   /* addrid; 0 for CT_ACCT_REWARD (nobody) */
    uint64_t to;     /* addrid; 0 for the fee kinds (the fee sink) */
    ct_u256 amount;  /* wei or token units; never zero in a stored event */
    uint8_t txhash[32]; /* zero for block-level events */
} ct_acct_event;

typedef struct ct_acct_graph {
    void *ctx;
    /* The first event of ledger (addrid, asset) — incoming or outgoing — strictly after
     * *after (NULL: from the first). A self-transfer (from == to) is one event. Returns
     * CT_OK with *ev, CT_ENOTFOUND when there is none, or an error. */
    int (*ledger_next)(void *ctx, uint64_t addrid, uint32_t asset, const ct_acct_pos *after,
                       ct_acct_event *ev, ct_error *err);
    /* Calls fn for each asset (ascending) of which addrid has a ledger; fn returns nonzero to
     * stop (that value is returned). fn may call any operation of the graph, this one
     * included (ct_acct_graph_db walks each call with an iterator of its own). */
    int (*ledger_assets)(void *ctx, uint64_t addrid, int (*fn)(void *arg, uint32_t asset),
                         void *arg, ct_error *err);
    /* Calls fn for each event of the transaction with this hash, in order; fn returns
     * nonzero to stop and may call any operation of the graph. CT_ENOTFOUND for an unknown
     * hash. */
    int (*tx_events)(void *ctx, const uint8_t hash[32],
                     int (*fn)(void *arg, const ct_acct_event *ev), void *arg, ct_error *err);
    /* The addrid of "0x" + 40 hex digits in any case; CT_ENOTFOUND when never seen. */
    int (*addrid_of)(void *ctx, const char *address, uint64_t *addrid, ct_error *err);
    /* The EIP-55 checksummed address of addrid into out (43 bytes). */
    int (*address_of)(void *ctx, uint64_t addrid, char out[43], ct_error *err);
    /* The attribution of an address: category ("" when unlabelled) and label text. */
    int (*label_of)(void *ctx, uint64_t addrid, char *category, size_t csize, char *label,
                    size_t lsize, ct_error *err);
    /* An asset: symbol ("ETH"; a token's symbol, or "" when unknown), decimals (18 for ETH;
     * *known_decimals false when the token never said) and contract address (EIP-55, ""
     * for ETH; out 43 bytes). */
    int (*asset_info)(void *ctx, uint32_t asset, char *symbol, size_t ssize, uint8_t *decimals,
                      bool *known_decimals, char contract[43], ct_error *err);
    /* The tip of the ingested chain: height and block time. */
    int (*tip)(void *ctx, uint32_t *height, uint32_t *time, ct_error *err);
} ct_acct_graph;

#ifdef __cplusplus
}
#endif
#endif
