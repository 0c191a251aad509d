/* Change heuristics (BlockSci's, docs/clustering.md "Change heuristics"): pure functions
 * that judge which output of a transaction is the payer's change, each with a confidence.
 * They only judge; nothing here merges clusters. Internal to the engine. */
#ifndef CT_CLUSTER_CHANGE_H
#define CT_CLUSTER_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "cluster/detect.h"

/* The heuristics, in the order ct_change_judge_all reports them. */
typedef enum ct_change_heur {
    CT_CHG_ADDRESS_REUSE = 0, /* an output pays back to an input's address */
    CT_CHG_ADDRESS_TYPE,      /* all inputs one script type: the one output of that type */
    CT_CHG_OPTIMAL,           /* the one output smaller than every input */
    CT_CHG_POWER_OF_TEN,      /* the one output that is not a multiple of 10^digits sat */
    CT_CHG_LOCKTIME,          /* the one output spent with the same locktime habit */
    CT_CHG_PEELING,           /* 1 input, 2 outputs in a chain of such: the larger one */
    CT_CHG_N
} ct_change_heur;

/* What the caller knows about the transaction that spent one output. */
typedef struct ct_change_spend {
    uint8_t spent;     /* 0: unspent or not known (then the rest is ignored) */
    uint32_t locktime; /* the spending transaction's locktime */
    uint32_t n_in, n_out;
} ct_change_spend;

/* Context beyond the transaction itself; every part is optional. */
typedef struct ct_change_ctx {
    const ct_change_spend *spend; /* n_out entries, one per output, or NULL (unknown) */
    uint8_t parent_known;         /* the transaction that created input 0 is known: */
    uint32_t parent_n_in, parent_n_out;
    unsigned digits; /* power of ten: multiples of 10^digits are round; 0 = 6 (0.01 BTC) */
} ct_change_ctx;

#define CT_CHANGE_CTX_INIT                                                                         \
    {                                                                                              \
        NULL, 0, 0, 0, 0                                                                           \
    }

/* One heuristic's verdict. `candidates` is how many spendable outputs (not OP_RETURN) the
 * heuristic could not rule out as change. It names an output only when it leaves exactly
 * one candidate among two or more spendable outputs: then `output` is its index and
 * `confidence` the heuristic's weight (per mille, see docs/clustering.md); otherwise
 * `output` is -1 and `confidence` 0. */
typedef struct ct_change_verdict {
    ct_change_heur heuristic;
    long output;
    size_t candidates;
    unsigned confidence;
} ct_change_verdict;

/* Judges `tx` by heuristic `h` with the optional context `ctx` (NULL = nothing known).
 * Never fails; an unknown `h`, a NULL tx or a transaction without inputs gives no
 * verdict. */
void ct_change_judge(const ct_cj_tx *tx, const ct_change_ctx *ctx, ct_change_heur h,
                     ct_change_verdict *out);

/* All heuristics: out[h] for h = 0 .. CT_CHG_N - 1. */
void ct_change_judge_all(const ct_cj_tx *tx, const ct_change_ctx *ctx,
                         ct_change_verdict out[CT_CHG_N]);

/* "address_reuse", "address_type", "optimal_change", "power_of_ten", "locktime",
 * "peeling_chain"; NULL for anything else. Static. */
const char *ct_change_name(ct_change_heur h);

#endif
