/* chaintrail tracer: follows value from flagged outputs through the transaction graph under
 * five taint models (docs/taint-models.md, exactly as ../shared/design/taint-models.md
 * defines them) and reports where it went.
 *
 * The tracer walks the graph through a small read interface (ct_trace_graph), not LevelDB:
 * ct_trace_graph_db() gives the implementation over a database snapshot, and tests may
 * provide their own.
 */
#ifndef CHAINTRAIL_TRACE_H
#define CHAINTRAIL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/db.h"
#include "chaintrail/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ct_model {
    CT_MODEL_POISON = 0,
    CT_MODEL_HAIRCUT,
    CT_MODEL_FIFO,
    CT_MODEL_LIFO,
    CT_MODEL_TIHO,
    CT_MODEL_COUNT
} ct_model;

#define CT_MODELS_ALL 0x1fu

/* "poison", "haircut", "fifo", "lifo", "tiho". */
const char *ct_model_name(ct_model m);
/* Parses a model name; returns CT_OK or CT_EINVAL. */
CT_WARN_UNUSED int ct_model_parse(ct_model *out, const char *name);

/* ---- the graph as the tracer sees it ---- */
typedef struct ct_trace_input {
    uint64_t prev_txnum; /* 0: previous output unknown */
    uint32_t prev_vout;
    uint64_t value;
    uint64_t addrid; /* of the previous output; 0: none or unknown (the export groups by it) */
} ct_trace_input;

typedef struct ct_trace_output {
    uint64_t value;
    uint64_t addrid;      /* 0: no address (OP_RETURN) */
    uint64_t spent_txnum; /* 0: unspent at the tip; UINT64_MAX: overwritten (BIP30) */
    uint32_t spent_vin;
} ct_trace_output;

typedef struct ct_trace_tx {
    uint64_t txnum; /* dense, in chain order */
    uint8_t txid[32];
    uint32_t height;
    uint32_t time;
    bool coinbase;
    uint32_t n_in;
    uint32_t n_out;
    const ct_trace_input *in; /* owned by the graph until its next load_tx call */
    const ct_trace_output *out;
} ct_trace_tx;

typedef struct ct_trace_graph {
    void *ctx;
    /* Loads a transaction by txnum. Returns CT_OK or CT_ENOTFOUND / an error. */
    int (*load_tx)(void *ctx, uint64_t txnum, ct_trace_tx *tx, ct_error *err);
    /* Finds the txnum of a txid. */
    int (*txnum_of)(void *ctx, const uint8_t txid[32], uint64_t *txnum, ct_error *err);
    /* Calls fn for each output received by `address` (chain order): an address or
     * "script:<hex>" (ct_graph_address_get). */
    int (*address_outputs)(void *ctx, const char *address,
                           int (*fn)(void *arg, uint64_t txnum, uint32_t vout), void *arg,
                           ct_error *err);
    /* The identity string of an addrid (an address, or "script:<hex of the script>"), of any
     * length: *out is malloc'd, NUL-terminated, and owned by the caller. */
    int (*address_of)(void *ctx, uint64_t addrid, char **out, ct_error *err);
    /* The attribution of an address: category ("" when unlabelled) and label text. */
    int (*label_of)(void *ctx, uint64_t addrid, char *category, size_t csize, char *label,
                    size_t lsize, ct_error *err);
    /* Optional (NULL: no clusters). The cluster of an address (*cluster_id 0: clusters not
     * used) and, when its label_of attribution is that of another member of its cluster
     * (docs/taint-models.md, "Clusters"), that member's identity in *member (malloc'd, owned
     * by the caller; NULL otherwise). */
    int (*cluster_of)(void *ctx, uint64_t addrid, uint64_t *cluster_id, char **member,
                      ct_error *err);
} ct_trace_graph;

/* ---- parameters ---- */
#define CT_TRACE_MAX_SOURCES 64
#define CT_TRACE_MAX_STOPS   16

typedef struct ct_trace_source {
    char spec[128];    /* "ADDR", "TXID" or "TXID:VOUT" as given; ADDR may be "script:<hex>",
                        * or its stored key "script-<sha256 hex>" when that does not fit */
    int64_t from_time; /* address sources: window, Unix seconds, both ends included; */
    int64_t to_time;   /* -1 = open */
} ct_trace_source;

/* USD valuation of flows (optional): each flow is valued at the daily price of its asset on
 * the UTC date of the block in which the taint reached its endpoint. */
typedef struct ct_trace_pricing {
    void *ctx;
    /* The value of `sat` at the date of Unix time `time`, in whole US cents.
     * Returns CT_OK, CT_ENOTFOUND when that day has no price, or an error. */
    int (*value)(void *ctx, uint64_t sat, uint32_t time, uint64_t *cents, ct_error *err);
} ct_trace_pricing;

typedef struct ct_trace_options {
    unsigned version;   /* CT_TRACE_OPTIONS_VERSION */
    unsigned models;    /* bit (1 << ct_model) per model; CT_MODELS_ALL */
    uint32_t hops;      /* outputs at this hop are not followed (default 10) */
    uint64_t dust;      /* taint strictly below this is dust (default 0: none) */
    uint64_t max_nodes; /* transactions processed at most (0: no limit) */
    double timeout_s;   /* seconds (0: none) */
    size_t n_stops;     /* categories that stop the trace */
    char stops[CT_TRACE_MAX_STOPS][24];
    size_t n_cashout; /* categories that count as laundered */
    char cashout[CT_TRACE_MAX_STOPS][24];
    const ct_trace_pricing *pricing; /* NULL: no USD */
    /* The evidence of each endpoint: records the flows (as `flows` below, poison's included
     * whole), so that ct_trace_evidence() gives, per endpoint, the flows that carried its
     * taint. Costs memory in proportion to the flows; without it (and without `flows`) only
     * the frontier is kept. */
    bool paths;
    /* Walk spends in reverse: where did the value of the sources come from? The same five
     * models with the roles of inputs and outputs swapped (docs/taint-models.md,
     * "Backward"). */
    bool backward;
    /* ---- version 2 ---- */
    /* With paths: the most path steps (flows, over every model) the result may hold; more is
     * CT_ENOMEM with reason "paths-too-large", before they are stored (0: no bound). Since
     * paths are built on flows they grow with the tainted outputs, not with the number of
     * paths through the graph; narrow the models, the hops or the budget to stay below. */
    uint64_t max_path_steps;
    /* Record the flows: per model, the taint carried along each edge the trace followed
     * (ct_trace_model_result.flows) and their totals per hop (hop_totals). Poison's flows
     * are only totalled per hop unless poison_flows (or paths) is set. */
    bool flows;
    bool poison_flows;
    /* At most this many flows are recorded (0: CT_TRACE_MAX_FLOWS_DEFAULT); past it the walk
     * stops as for max_nodes ("max-flows reached"; the live taint becomes `budget`, whose
     * flows are still recorded, so the bound can be exceeded by the frontier). */
    uint64_t max_flows;
    /* ---- version 3 ---- */
    /* Connect (docs/trace.md, "Connect"): addresses (as address sources are written; an
     * Ethereum address for ct_acct_trace_run) whose outputs stop the trace from hop 1 on, as
     * the stop categories do: as an endpoint of category "target", or of its label's category
     * when that is a stop. When the graph uses clusters, every member of each target's
     * cluster too. A target not in the graph is CT_ENOTFOUND ("target-not-found"). The
     * endpoints reached this way have `target` set, and the result lists the targets. */
    const char *const *targets;
    size_t n_targets;
    /* ---- version 4 ---- */
    /* Keep only some endpoints (NULL: every one). With keep_stop, taint that stops at an
     * endpoint is kept only when keep_stop(keep_ctx, addrid, category, hop) is true for it
     * (addrid 0: no address; hop: that of the output), and an endpoint holds only the taint
     * kept (its taint, outputs and span); with flows only the flows into kept endpoints are
     * stored, with the transactions and addresses they name. The flows carried on, the fees
     * and the taint not kept still count in the categories, the laundered totals and
     * hop_totals. Memory then holds the frontier (the tainted outputs not yet spent), the
     * labels seen, and what is kept, instead of every flow and transaction of the walk (the
     * scan keeps the flows that reach a customer at hop 2 or more: docs/scan.md).
     * flows_whole is then false (ct_trace_evidence refuses the model), max_flows counts the
     * kept flows and max_nodes the kept endpoints. Not with paths (CT_EINVAL). ct_trace_run
     * only (ct_acct_trace_run keeps every endpoint). */
    bool (*keep_stop)(const void *keep_ctx, uint64_t addrid, const char *category, uint32_t hop);
    const void *keep_ctx;
} ct_trace_options;

#define CT_TRACE_OPTIONS_VERSION   4
#define CT_TRACE_MAX_FLOWS_DEFAULT 5000000u
/* Fills defaults: all models, forward, no paths, 10 hops, no dust, no budget, stops exchange,
 * mixer, bridge, gambling, sanctioned; cash-out exchange, mixer, bridge, gambling; at most
 * CT_TRACE_MAX_PATH_STEPS path steps. */
#define CT_TRACE_MAX_PATH_STEPS 1000000u
void ct_trace_options_init(ct_trace_options *o);

/* ---- results ---- */
/* "None" for the indexes of ct_trace_flow. */
#define CT_TRACE_NONE SIZE_MAX
/* The vout of a flow that is no output: forward, the fee of its transaction; backward, the
 * value missing from the inputs of `by` (previous outputs not in the database). */
#define CT_TRACE_FLOW_FEE UINT32_MAX

/* A transaction that flows refer to. */
typedef struct ct_trace_txref {
    uint8_t txid[32]; /* internal byte order (ct_hash_to_hex displays it) */
    uint32_t height, time;
} ct_trace_txref;

/* A flow: the taint one model carried along one edge of the graph, an output between the
 * transaction that created it and the one that spent it. Forward the taint goes from `tx`
 * into the output and on to its spender; backward from the spender (`by`) into the output
 * and on to `tx`, its creator. An endpoint's taint is the sum of the flows into it. */
typedef struct ct_trace_flow {
    /* The output's transaction, index in ct_trace_result.txs; CT_TRACE_NONE for a previous
     * output not in the database (backward `unknown`). */
    size_t tx;
    /* The output's index, or CT_TRACE_FLOW_FEE (for an unknown previous output, the index
     * its spender names). */
    uint32_t vout;
    uint32_t hop;          /* hops from a source: 0 for a source output */
    uint32_t height, time; /* the block of tx (for an unknown previous output, of by) */
    /* The transaction whose split put the taint there: forward tx itself, backward the
     * spender; CT_TRACE_NONE for a source output. */
    size_t by;
    /* The transaction that carried the taint on: forward the spender, backward tx;
     * CT_TRACE_NONE when it stopped (or a fee). */
    size_t next;
    /* Index in ct_trace_result.addresses; CT_TRACE_NONE: none (OP_RETURN, a fee, an unknown
     * previous output). */
    size_t address;
    /* Index in the model's endpoints where it stopped; CT_TRACE_NONE when carried on, or a
     * fee. */
    size_t endpoint;
    uint64_t taint;              /* satoshi */
    unsigned __int128 usd_cents; /* at the price of the day of `time`, when priced */
    bool priced;
} ct_trace_flow;

/* Flows of one model totalled per hop and by where they went. */
typedef struct ct_trace_hop_total {
    uint32_t hop;
    char category[24]; /* "" carried on; "fee"; else the endpoint category they stopped in */
    uint64_t flows;
    unsigned __int128 taint;
} ct_trace_hop_total;

typedef struct ct_trace_endpoint {
    char *address;     /* identity (address or "script:<hex>"); "" for outputs without one;
                        * never NULL in a result, owned by it */
    char category[24]; /* label category, or unspent / hop_limit / dust / budget / overwritten;
                        * backward also coinbase / unknown */
    char label[128];
    unsigned __int128 taint; /* satoshi */
    uint32_t first_time, last_time;
    uint32_t first_height, last_height; /* blocks where the taint reached it */
    uint32_t hops;                      /* fewest */
    uint64_t n_outputs;
    unsigned __int128 usd_cents;    /* value of the priced flows */
    unsigned __int128 unpriced_sat; /* taint that arrived on days without a price */
    /* With clusters: the endpoint's cluster (0: clusters not used, or no address), and the
     * member whose label the endpoint carries when it is not the endpoint's own (NULL
     * otherwise; owned by the result). */
    uint64_t cluster_id;
    char *label_member;
    /* Connect: the taint stopped here because the address is a target or in a target's
     * cluster (opts->targets). */
    bool target;
} ct_trace_endpoint;

typedef struct ct_trace_category {
    char name[24];
    unsigned __int128 sat;
    unsigned __int128 usd_cents;
    unsigned __int128 unpriced_sat;
} ct_trace_category;

typedef struct ct_trace_model_result {
    bool enabled;
    unsigned __int128 source_sat;
    unsigned __int128 laundered_sat;
    unsigned __int128 laundered_usd_cents;
    unsigned __int128 laundered_unpriced_sat;
    size_t n_categories;
    ct_trace_category *categories; /* sorted by name */
    size_t n_endpoints;
    ct_trace_endpoint *endpoints; /* sorted by taint desc, then address */
    /* With opts->flows or paths: the flows, sorted by (hop, height, txid as displayed, vout,
     * by); empty for poison unless its flows were asked whole (poison_flows, paths). */
    size_t n_flows;
    ct_trace_flow *flows;
    bool flows_whole; /* false: only hop_totals were kept (poison), or only the flows into
                       * the endpoints opts->keep_stop kept */
    size_t n_hop_totals;
    ct_trace_hop_total *hop_totals; /* sorted by hop, then category */
} ct_trace_model_result;

typedef struct ct_trace_result {
    ct_trace_model_result model[CT_MODEL_COUNT];
    bool complete; /* false when a budget ran out */
    char incomplete_reason[64];
    uint64_t txs_processed;
    size_t n_sources; /* source outputs */
    /* With flows: the transactions and addresses they refer to. */
    size_t n_txs;
    ct_trace_txref *txs;
    size_t n_addresses;
    char **addresses; /* identities as in ct_trace_endpoint.address */
    /* Connect: each target of opts->targets, in order: its identity (as endpoints name
     * addresses) and its cluster (0: clusters not used). An endpoint with `target` set
     * belongs to target i when its address is that identity or its cluster_id that cluster. */
    size_t n_targets;
    struct ct_trace_target {
        char *address;
        uint64_t cluster_id;
    } * targets;
} ct_trace_result;

/* Runs a trace. *res is filled and must be released with ct_trace_result_release (also
 * after an error). Returns CT_OK, CT_EINVAL (bad source syntax), CT_ENOTFOUND (a source not
 * in the graph), CT_ENOMEM, or a graph error. */
CT_WARN_UNUSED int ct_trace_run(ct_trace_result *res, const ct_trace_graph *g,
                                const ct_trace_source *sources, size_t n_sources,
                                const ct_trace_options *opts, ct_error *err);
void ct_trace_result_release(ct_trace_result *res);

/* The evidence of endpoint `ep` of model m (a result traced with flows): the flows that
 * carried its taint there, from the sources on: the flows into it, then the flows into the
 * transaction (`by`) of each of those, and so on. *out (malloc'd, owned by the caller) holds
 * their indexes in the model's flows, in the flows' order. Returns CT_OK, CT_EINVAL (no such
 * endpoint, or the model's flows were not kept whole) or CT_ENOMEM. */
CT_WARN_UNUSED int ct_trace_evidence(const ct_trace_result *res, ct_model m, size_t ep,
                                     size_t **out, size_t *n, ct_error *err);

/* The graph over a database: reads through one snapshot taken here.
 * Free with ct_trace_graph_db_free. */
CT_WARN_UNUSED int ct_trace_graph_db(ct_trace_graph **out, ct_db *db, ct_error *err);
void ct_trace_graph_db_free(ct_trace_graph *g);
/* Whether a label on any member of an address's cluster applies to the address (stops and
 * attribution; docs/taint-models.md, "Clusters"). On by default when the database has
 * clusters; off turns the graph into one without them. Call before the trace. */
void ct_trace_graph_db_use_clusters(ct_trace_graph *g, bool on);
/* Whether the graph uses clusters; *policy_digest (may be NULL) receives the clustering
 * policy's digest (ct_cluster_stats_get) when it does. */
bool ct_trace_graph_db_clusters(const ct_trace_graph *g, uint8_t policy_digest[32]);

/* Pricing over the database's daily price table of `asset` (e.g. "BTC"), through one
 * snapshot taken here; each flow's value is rounded half up to the cent (prices.md).
 * Free with ct_trace_pricing_db_free. */
CT_WARN_UNUSED int ct_trace_pricing_db(ct_trace_pricing **out, ct_db *db, const char *asset,
                                       ct_error *err);
void ct_trace_pricing_db_free(ct_trace_pricing *p);

/* ---- resuming a forward trace (docs/scan.md "Nightly runs") ----
 * A forward split depends only on its own transaction, so the taint of an output never
 * changes once its transaction is in the chain: a forward trace over a longer chain is the
 * trace over the shorter one, plus what its frontier (the tainted outputs that were unspent
 * at the shorter chain's tip, not at a stop and below the hop limit) and the sources' newer
 * outputs do in the newer transactions. */
typedef struct ct_trace_live_model {
    uint64_t taint;
    uint32_t hop;
    uint32_t n_iv; /* FIFO and LIFO: [a,b) pairs inside the output's value */
    uint64_t *iv;  /* 2 * n_iv values, owned by the frontier */
} ct_trace_live_model;

typedef struct ct_trace_live {
    uint64_t txnum;
    uint32_t vout;
    uint8_t models; /* bit per model in m[] */
    ct_trace_live_model m[CT_MODEL_COUNT];
} ct_trace_live;

typedef struct ct_trace_frontier {
    ct_trace_live *items;
    size_t count, cap;
} ct_trace_frontier;
void ct_trace_frontier_release(ct_trace_frontier *f);

/* A forward trace of the sources' outputs in transactions after `after_txnum` (0: all),
 * resumed from `from` (NULL: nothing; outputs of transactions up to after_txnum, each with
 * the state a trace left it in) as if those outputs had just been tainted. With
 * after_txnum 0 and no `from`, the same as ct_trace_run. `frontier` (NULL: not kept)
 * receives the trace's own frontier, for the next resume (release it with
 * ct_trace_frontier_release, also after an error). Unlike ct_trace_run, sources with no
 * output after after_txnum and an empty `from` give an empty result, not an error.
 * Backward traces cannot be resumed (CT_EINVAL). */
CT_WARN_UNUSED int ct_trace_resume(ct_trace_result *res, const ct_trace_graph *g,
                                   const ct_trace_source *sources, size_t n_sources,
                                   uint64_t after_txnum, const ct_trace_frontier *from,
                                   const ct_trace_options *opts, ct_trace_frontier *frontier,
                                   ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
