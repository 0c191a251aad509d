/* The case report's data (report_build.c), built once and printed by one function per
 * format (cmd_report.c: text, JSON, CSV; an HTML printer takes the same rpt_report). The
 * JSON printed from it is documented in docs/report.md ("JSON"), field for field. */
#ifndef CT_CLI_REPORT_H
#define CT_CLI_REPORT_H

#include "chaintrail/report.h"
#include "cli.h"

/* One figure under each model: satoshi, the USD of its priced part (cents) and the part
 * without a price. Poison is index CT_MODEL_POISON; the range is over the four others. */
typedef struct rpt_vals {
    u128 sat[CT_MODEL_COUNT];
    u128 usd[CT_MODEL_COUNT];
    u128 unpriced[CT_MODEL_COUNT];
} rpt_vals;

/* The low-high of v over haircut, FIFO, LIFO and TIHO; USD over the models whose value is
 * priced at least in part (usd_known false: none, "no price"); unpriced: the most any of
 * them has without a price. */
typedef struct rpt_range {
    u128 lo, hi, lo_usd, hi_usd, unpriced;
    bool usd_known;
} rpt_range;
void rpt_range_of(const rpt_vals *v, rpt_range *out);

/* A line of the totals: a category (exchange, ..., unspent, hop_limit, dust, fee, budget,
 * and any other stop the trace met, e.g. sanctioned, overwritten). */
typedef struct rpt_line {
    char name[24];
    bool cashout;
    rpt_vals v;
} rpt_line;

/* A tainted output at a service (a deposit): where and when the taint arrived, how much
 * under each model. */
#define RPT_NO_VOUT UINT32_MAX
typedef struct rpt_deposit {
    char txid[67];       /* as displayed: Bitcoin hex, Ethereum "0x" + hex */
    uint32_t vout;       /* the output; RPT_NO_VOUT for an account chain's transfer */
    const char *address; /* owned by the report */
    uint32_t height, time;
    rpt_vals v;
} rpt_deposit;

/* A service reached: the taint that stopped at its label (category + label; with clusters
 * the label is the cluster's, so a cluster is one service). */
typedef struct rpt_service {
    char category[24];
    char label[128];
    uint64_t cluster_id; /* 0: no cluster, or its addresses in several clusters */
    rpt_vals v;
    uint32_t first_height, first_time, last_height, last_time;
    size_t n_addresses;
    const char **addresses; /* sorted; owned by the report */
    size_t n_deposits;
    rpt_deposit *deposits; /* in chain order (height, txid, vout) */
} rpt_service;

/* One asset of a case: the Bitcoin case's coin, or each asset of an Ethereum case that
 * carried taint (ETH, a token). Amounts are in the asset's base units (satoshi, wei, a
 * token's smallest unit). */
typedef struct rpt_part {
    char asset[32];      /* "BTC", "ETH", a token's symbol ("" when unknown) */
    char contract[43];   /* a token's contract (EIP-55); "" otherwise */
    unsigned decimals;   /* 8 for BTC, 18 for ETH */
    bool known_decimals; /* false: a token that never said (amounts stay in base units) */
    bool too_large;      /* an amount passed 2^128 base units: shown as 2^128 - 1 */
    bool priced;         /* the asset has a price table (else every USD is "no price") */
    bool account;        /* of an account chain (Ethereum): JSON amounts as decimal strings */
    rpt_vals stolen;     /* the value that entered the trace, per model (equal) */
    u128 stolen_usd;     /* at the price of the theft date (Bitcoin) */
    bool stolen_priced;
    rpt_vals laundered;
    bool adds_up[CT_MODEL_COUNT]; /* the lines add up to stolen (poison: not expected) */
    size_t n_lines;
    rpt_line *lines; /* cash-out categories in the cashout order, then unspent, hop_limit,
                      * dust, fee, budget, then any other by name */
    size_t n_services;
    rpt_service *services; /* by category (cashout order), then most taint (high), label */
} rpt_part;

typedef struct rpt_case {
    const ct_case *c;
    bool ethereum;
    bool traced;
    char error[CT_ERROR_DETAIL_MAX]; /* why not traced */
    bool complete;
    char incomplete_reason[64];
    size_t n_parts;
    rpt_part *parts; /* Bitcoin: one; Ethereum: per asset, ETH first */
    /* the strings the case's services and deposits point to */
    size_t n_owned, cap_owned;
    char **owned;
    /* with rpt_report.pictures: the renderer's model of the case's trace, filled from the
     * same trace's flows (its picture and evidence, include/chaintrail/report.h); NULL
     * otherwise or when not traced */
    ct_report *picture;
} rpt_case;

typedef struct rpt_report {
    /* provenance */
    const char *version;
    ct_graph_chain_stats tip; /* network, height, hash, time of the database's Bitcoin chain */
    const char *asset;
    bool eth_present; /* the database holds Ethereum blocks: */
    uint64_t eth_chain_id;
    uint32_t eth_height, eth_time;
    uint8_t eth_hash[32];
    uint8_t labels_digest[32], prices_digest[32], clusters_digest[32];
    bool clusters_used;
    ct_trace_options opts; /* every parameter of the traces */
    /* selection */
    bool pictures;         /* keep each case's picture model (--format html) */
    const char *case_name; /* --case, or NULL */
    int64_t year;          /* --year, or -1 */
    size_t n_cases;
    rpt_case *cases;
} rpt_report;

/* Traces each case of cases[0..n) (already selected) and fills *r. Cases that cannot be
 * traced (sources not in the database, an Ethereum case) are kept with their reason.
 * Returns CT_OK or a database error / CT_ENOMEM (r is then to be freed all the same). */
int rpt_build(rpt_report *r, ct_db *db, cli_trace_env *env, const ct_case *cases, size_t n,
              ct_error *err);
void rpt_free(rpt_report *r);

/* The plain-language paragraph explaining model m, as every format prints it. */
const char *rpt_model_text(ct_model m);

#endif
