/* What the Bitcoin tracer (trace.c) and the account tracer (acct_trace.c) share: the label
 * category of each address (asked once, cached), the stop categories, and the node/time
 * budget. Internal to the engine. */
#ifndef CT_TRACE_COMMON_H
#define CT_TRACE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/trace.h"
#include "base/hmap.h"

/* The label_of callback of ct_trace_graph and ct_acct_graph. */
typedef int (*ct_label_fn)(void *ctx, uint64_t addrid, char *category, size_t csize,
                           char *label, size_t lsize, ct_error *err);

/* Address -> label category, each address asked of label_of once. */
typedef struct ct_label_cache {
    ct_hmap map;        /* addrid -> index into cat */
    char (*cat)[24];
    size_t n, cap;
    ct_label_fn label_of; /* NULL: no address has a label */
    void *ctx;
    const char *during; /* the out-of-memory message ("during the trace") */
} ct_label_cache;

void ct_label_cache_init(ct_label_cache *c, ct_label_fn label_of, void *ctx, const char *during);
void ct_label_cache_release(ct_label_cache *c);
/* *out = the category of addrid ("" when it has none; addrid 0 never has one), valid until
 * the next call. Returns CT_OK, label_of's error, or CT_ENOMEM ("out-of-memory", during). */
int ct_label_cache_category(ct_label_cache *c, uint64_t addrid, const char **out,
                            ct_error *err);

/* When and how near an endpoint received taint: its first and last receipt, ordered by
 * (height, time), and the fewest hops it is from a source. */
typedef struct ct_trace_span {
    uint32_t first_time, last_time, first_height, last_height, hops;
} ct_trace_span;
/* The span of an endpoint's first receipts. */
void ct_trace_span_start(ct_trace_span *s, uint32_t fh, uint32_t ft, uint32_t lh, uint32_t lt,
                         uint32_t hop);
/* Widens it to more receipts: an earlier first, a later last, fewer hops. */
void ct_trace_span_widen(ct_trace_span *s, uint32_t fh, uint32_t ft, uint32_t lh, uint32_t lt,
                         uint32_t hop);

/* The targets of a connect trace (ct_trace_options.targets; docs/trace.md, "Connect"): the
 * addrids given, and with clusters every member of their clusters. Each address is asked of
 * cluster_of once (cached). */
typedef int (*ct_cluster_id_fn)(void *ctx, uint64_t addrid, uint64_t *cluster_id, ct_error *err);
typedef struct ct_target_set {
    size_t n;                    /* targets; 0: none (ct_target_is is then always false) */
    ct_hmap ids;                 /* addrid -> 1 */
    ct_hmap clusters;            /* cluster id -> 1 */
    ct_hmap seen;                /* addrid -> 0/1, with clusters */
    ct_cluster_id_fn cluster_of; /* NULL: no clusters */
    void *ctx;
} ct_target_set;
void ct_target_set_init(ct_target_set *s, ct_cluster_id_fn cluster_of, void *ctx);
void ct_target_set_release(ct_target_set *s);
/* Adds a target; *cluster_id receives its cluster (0: none). CT_OK, CT_ENOMEM, or
 * cluster_of's error. */
int ct_target_set_add(ct_target_set *s, uint64_t addrid, uint64_t *cluster_id, ct_error *err);
/* *yes = whether addrid is a target or in a target's cluster. */
int ct_target_is(ct_target_set *s, uint64_t addrid, bool *yes, ct_error *err);

/* True when cat is one of the stop categories of o (never for ""). */
bool ct_trace_is_stop(const ct_trace_options *o, const char *cat);

/* The node and time budget of ct_trace_options: max_nodes, timeout_s. max_nodes bounds the
 * transactions processed, and each tracer also bounds by it what it keeps (the endpoints of
 * a model, the outputs waiting to be followed); the clock is read in every loop that can
 * grow, through ct_trace_budget_tick (docs/trace.md, "Budgets"). */
typedef struct ct_trace_budget {
    uint64_t max_nodes; /* 0: none */
    double deadline;    /* monotonic seconds; 0: none */
    uint64_t ticks;     /* units of work since the start, for the clock */
} ct_trace_budget;

void ct_trace_budget_start(ct_trace_budget *b, const ct_trace_options *o);
/* True when `processed` nodes exhaust the budget (the clock is read every 64 nodes); then
 * writes the reason ("max-nodes reached", "timeout reached") into reason. */
bool ct_trace_budget_spent(const ct_trace_budget *b, uint64_t processed, char *reason,
                           size_t rsize);
/* One unit of work inside a loop (an output placed, an input split, an event replayed):
 * true when the time is up (the clock is read every 64 units), with "timeout reached" in
 * reason. */
bool ct_trace_budget_tick(ct_trace_budget *b, char *reason, size_t rsize);

#endif
