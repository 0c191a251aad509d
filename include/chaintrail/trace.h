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
    /* Per endpoint, the transactions that carried its taint (ct_trace_endpoint.path). Costs
     * memory in proportion to the transactions visited; without it only the frontier is
     * kept. */
    bool paths;
    /* Walk spends in reverse: where did the value of the sources come from? The same five
     * models with the roles of inputs and outputs swapped (docs/taint-models.md,
     * "Backward"). */
    bool backward;
    /* With paths: the most path steps (transactions listed under endpoints, over every
     * model) the result may hold; more is CT_ENOMEM with reason "paths-too-large", before
     * they are stored (0: no bound). The paths grow with the number of paths through the
     * graph, not with the taint: narrow the models, the hops or the budget instead. */
    uint64_t max_path_steps;
} ct_trace_options;

#define CT_TRACE_OPTIONS_VERSION 1
/* Fills defaults: all models, forward, no paths, 10 hops, no dust, no budget, stops exchange,
 * mixer, bridge, gambling, sanctioned; cash-out exchange, mixer, bridge, gambling; at most
 * CT_TRACE_MAX_PATH_STEPS path steps. */
#define CT_TRACE_MAX_PATH_STEPS 1000000u
void ct_trace_options_init(ct_trace_options *o);

/* ---- results ---- */
/* One transaction that carried taint to an endpoint. */
typedef struct ct_trace_path_step {
    uint8_t txid[32]; /* internal byte order (ct_hash_to_hex displays it) */
    uint32_t height;
    uint32_t hop; /* fewest hops from a source to the transaction's tainted side */
} ct_trace_path_step;

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
    /* With opts->paths: the transactions through which taint reached this endpoint, sorted
     * by (hop, height, txid as displayed); empty for a source output that stopped at once.
     * Owned by the result. */
    size_t n_path;
    ct_trace_path_step *path;
    /* With clusters: the endpoint's cluster (0: clusters not used, or no address), and the
     * member whose label the endpoint carries when it is not the endpoint's own (NULL
     * otherwise; owned by the result). */
    uint64_t cluster_id;
    char *label_member;
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
} ct_trace_model_result;

typedef struct ct_trace_result {
    ct_trace_model_result model[CT_MODEL_COUNT];
    bool complete; /* false when a budget ran out */
    char incomplete_reason[64];
    uint64_t txs_processed;
    size_t n_sources; /* source outputs */
} ct_trace_result;

/* Runs a trace. *res is filled and must be released with ct_trace_result_release (also
 * after an error). Returns CT_OK, CT_EINVAL (bad source syntax), CT_ENOTFOUND (a source not
 * in the graph), CT_ENOMEM, or a graph error. */
CT_WARN_UNUSED int ct_trace_run(ct_trace_result *res, const ct_trace_graph *g,
                                const ct_trace_source *sources, size_t n_sources,
                                const ct_trace_options *opts, ct_error *err);
void ct_trace_result_release(ct_trace_result *res);

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

#ifdef __cplusplus
}
#endif
#endif
