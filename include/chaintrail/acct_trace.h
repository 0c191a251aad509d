/* chaintrail account-model tracer: follows taint through the ledgers of an account chain
 * (Ethereum: ETH and every ERC-20 token) under the five models of docs/taint-models.md
 * ("Account chains"), per (address, asset), and reports where it went per model and asset.
 *
 * It walks the chain through ct_acct_graph (account.h), never LevelDB: ct_acct_graph_db()
 * gives the implementation over a database, tests give their own in-memory one.
 *
 * Argument order, as everywhere in chaintrail: outputs, then inputs, then options, then the
 * caller-owned ct_error (may be NULL).
 */
#ifndef CHAINTRAIL_ACCT_TRACE_H
#define CHAINTRAIL_ACCT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/account.h"
#include "chaintrail/db.h"
#include "chaintrail/error.h"
#include "chaintrail/trace.h"
#include "chaintrail/u256.h"

#ifdef __cplusplus
extern "C" {
#endif

/* USD valuation of account-chain flows (optional). */
typedef struct ct_acct_pricing {
    void *ctx;
    /* The value in whole US cents of `amount` units of an asset with `decimals` decimals,
     * priced by the daily table of `price_asset` ("ETH", a token's symbol) on the UTC date of
     * Unix time `time`. Returns CT_OK, CT_ENOTFOUND when that day (or that asset) has no
     * price, or an error. */
    int (*value)(void *ctx, const char *price_asset, unsigned decimals, const ct_u256 *amount,
                 uint32_t time, uint64_t *cents, ct_error *err);
} ct_acct_pricing;

/* ---- results ---- */
typedef struct ct_acct_endpoint {
    char address[43];  /* EIP-55 "0x..." */
    char category[24]; /* label category, or unspent / hop_limit / dust / budget */
    char label[128];
    ct_u256 taint;
    uint32_t first_time, last_time;
    uint32_t first_height, last_height; /* blocks where the taint reached it */
    uint32_t hops;                      /* fewest */
    uint64_t flows;                     /* flows of taint attributed to it */
    unsigned __int128 usd_cents;        /* value of the priced flows */
    ct_u256 unpriced;                   /* taint that arrived on days without a price */
    bool target; /* connect: stopped here because the address is a target (opts->targets) */
} ct_acct_endpoint;

typedef struct ct_acct_category {
    char name[24];
    ct_u256 amount;
    unsigned __int128 usd_cents;
    ct_u256 unpriced;
} ct_acct_category;

/* A flow of an account chain: the taint one model carried in one transfer of one asset
 * (an event of account.h), or the taint left in a ledger at the end (kind 0, a
 * "remainder": `unspent` or `budget`). An endpoint's taint is the sum of the flows into it. */
typedef struct ct_acct_flow {
    ct_acct_pos at; /* the event; a remainder: its block of arrival, tx_index and pos
                     * CT_ACCT_BLOCK_LEVEL */
    uint32_t time;
    uint8_t kind;       /* ct_acct_kind; 0 for a remainder */
    uint8_t txhash[32]; /* zero for block-level events and remainders */
    char from[43];      /* EIP-55; "" for a reward (nobody) */
    char to[43];        /* EIP-55; "" for a fee */
    ct_u256 taint;
    uint32_t hop;
    /* Index in the asset's endpoints where it stopped; CT_TRACE_NONE when its ledger carried
     * it on, or a fee. */
    size_t endpoint;
    unsigned __int128 usd_cents; /* at the price of the day of `time`, when priced */
    bool priced;
} ct_acct_flow;

/* Flows of one asset and model totalled per hop and where they went ("" carried on, "fee",
 * or the endpoint category). */
typedef struct ct_acct_hop_total {
    uint32_t hop;
    char category[24];
    uint64_t flows;
    ct_u256 taint;
} ct_acct_hop_total;

/* One asset in one model. */
typedef struct ct_acct_asset_result {
    ct_u256 source; /* value that entered the trace */
    ct_u256 laundered;
    unsigned __int128 laundered_usd_cents;
    ct_u256 laundered_unpriced;
    size_t n_categories;
    ct_acct_category *categories; /* sorted by name */
    size_t n_endpoints;
    ct_acct_endpoint *endpoints; /* sorted by taint desc, then address, then category */
    /* With opts->flows (options version 2): the flows, sorted by (hop, position, to), and
     * their totals per hop (sorted by hop, then category); poison's flows only as totals
     * unless opts->poison_flows. */
    size_t n_flows;
    ct_acct_flow *flows;
    bool flows_whole;
    size_t n_hop_totals;
    ct_acct_hop_total *hop_totals;
} ct_acct_asset_result;

/* An asset that carried taint, as the graph describes it. */
typedef struct ct_acct_asset_info {
    uint32_t asset;       /* CT_ACCT_ASSET_ETH or a token's asset id */
    char symbol[32];      /* "ETH"; a token's symbol; "" when unknown */
    char contract[43];    /* EIP-55; "" for ETH */
    uint8_t decimals;     /* 18 for ETH */
    bool known_decimals;  /* false: the token never said (amounts stay in base units) */
    char price_asset[17]; /* the price table used: "ETH", the symbol; "" when none fits */
} ct_acct_asset_info;

typedef struct ct_acct_trace_result {
    size_t n_assets;
    ct_acct_asset_info *assets; /* by asset id: ETH first, then tokens */
    /* model[m] is NULL when model m is not enabled, else n_assets entries, parallel to
     * assets. */
    ct_acct_asset_result *model[CT_MODEL_COUNT];
    bool complete; /* false when a budget ran out */
    char incomplete_reason[64];
    uint64_t events_processed;
    uint64_t source_events; /* transfers that brought source taint */
} ct_acct_trace_result;

/* Runs a trace over an account chain. Sources (ct_trace_source.spec): an address "0x" + 40
 * hex digits (any case; every transfer it received, of every asset, within from_time ..
 * to_time) or a transaction hash "0x" + 64 hex digits (the transfers of that transaction).
 * opts: models, hops, dust (in each asset's base units), max_nodes (events processed at
 * most), timeout_s, stops and cash-out categories, flows, poison_flows and max_flows are
 * used, and paths (every model's flows whole, the max_path_steps guard, as ct_trace_run) and
 * targets (connect; the endpoints get `target`); backward is not supported for account
 * chains (CT_EINVAL); opts->pricing is
 * ignored, `pricing` (may be NULL) values the flows. *res is filled and must be released with
 * ct_acct_trace_result_release (also after an error). Returns CT_OK, CT_EINVAL (bad source or
 * options), CT_ENOTFOUND (a source not in the graph, or no value received in the window),
 * CT_ENOMEM, or a graph error. */
CT_WARN_UNUSED int ct_acct_trace_run(ct_acct_trace_result *res, const ct_acct_graph *g,
                                     const ct_trace_source *sources, size_t n_sources,
                                     const ct_trace_options *opts, const ct_acct_pricing *pricing,
                                     ct_error *err);
void ct_acct_trace_result_release(ct_acct_trace_result *res);

/* The evidence of endpoint `ep` of asset `a` (index in res->assets) in model m, from a trace
 * with opts->paths (every model's flows whole): the flows into it, then the flows that
 * brought taint into the ledger each of those left (the same asset, `to` its sender, carried
 * on, earlier in the chain), and so on back to the source transfers (hop 0). An account
 * ledger mixes what it receives, so this is every flow that can have carried the endpoint's
 * taint: for FIFO, LIFO and TIHO a superset of the lots they took. *out (malloc'd, owned by
 * the caller) holds indexes in the flows, in their order. CT_OK, CT_EINVAL (no such
 * endpoint, or flows not kept whole), CT_ENOMEM. */
CT_WARN_UNUSED int ct_acct_evidence(const ct_acct_trace_result *res, ct_model m, size_t a,
                                    size_t ep, size_t **out, size_t *n, ct_error *err);

/* Pricing over the database's daily price tables, read through one snapshot taken here:
 * `price_asset` names the table ("ETH", "USDC"); each flow's value is rounded half up to
 * the cent (ct_usd_cents_u256). Free with ct_acct_pricing_db_free. CT_ENOMEM. */
CT_WARN_UNUSED int ct_acct_pricing_db(ct_acct_pricing **out, ct_db *db, ct_error *err);
void ct_acct_pricing_db_free(ct_acct_pricing *p);

/* True when spec names an account-chain source: "0x" followed by 40 (address) or 64
 * (transaction hash) hex digits. */
bool ct_acct_source_is(const char *spec);

#ifdef __cplusplus
}
#endif
#endif
