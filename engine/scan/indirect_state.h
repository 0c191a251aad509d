/* The state a scan keeps of its indirect screen, for the next run to resume from (docs/scan.md
 * "Nightly runs"): per labelled group and direction the raw exposure of every customer
 * address (before the policy's minimums) and, forward, the trace's frontier. */
#ifndef CT_SCAN_INDIRECT_STATE_H
#define CT_SCAN_INDIRECT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hmap.h"
#include "chaintrail/scan.h"
#include "chaintrail/trace.h"
#include "store/store.h"

typedef struct ct_iexp_ev {
    uint8_t txid[32];
    uint32_t height;
} ct_iexp_ev;

/* What one group's trace delivered to (incoming) or took from (outgoing) one customer
 * address, summed over its flows: the numbers a finding is made of. */
typedef struct ct_iexp {
    uint64_t addrid;
    unsigned __int128 amount[CT_MODEL_COUNT];
    unsigned __int128 usd_cents[CT_MODEL_COUNT];
    bool usd_known;
    uint32_t hops, first_height, first_time, last_height, last_time;
    ct_iexp_ev *ev; /* sorted by height then txid, each once (ct_igroup_settle) */
    size_t n_ev, cap_ev;
} ct_iexp;

typedef struct ct_igroup {
    uint8_t direction, category;
    char *label, *source;
    uint64_t flows; /* forward: flows recorded by the traces so far (the max-flows budget) */
    ct_iexp *exp;
    size_t n_exp, cap_exp;
    ct_hmap by_addr; /* addrid BE64 -> index in exp */
    ct_trace_frontier frontier;
} ct_igroup;

struct ct_scan_istate {
    uint64_t run;         /* the scan run that wrote it */
    uint64_t after_txnum; /* the last transaction of its tip */
    bool clusters;        /* the traces used clusters */
    uint64_t max_flows;
    uint64_t next_addrid; /* the first address id not given then */
    /* labelled clusters then, in id order: id, size, labelled members, the labelled member
     * whose label the cluster carries, its category's rank */
    uint64_t *cl;
    size_t n_cl;
    ct_igroup *g;
    size_t n, cap;
    struct ct_dstate *direct; /* the direct screen's state (direct_state.h); NULL: none */
};

/* The group's state of (direction, category, label, source); NULL when none. */
ct_igroup *ct_istate_find(ct_scan_istate *s, unsigned direction, unsigned category,
                          const char *label, const char *source);
/* A new empty group state (NULL: out of memory). */
ct_igroup *ct_istate_add(ct_scan_istate *s, unsigned direction, unsigned category,
                         const char *label, const char *source);
/* Copies the exposure of `from` into the empty `to` (CT_OK or CT_ENOMEM). */
CT_WARN_UNUSED int ct_igroup_copy_exp(ct_igroup *to, const ct_igroup *from);
/* The exposure of addrid, created empty when missing (NULL: out of memory). */
ct_iexp *ct_igroup_exp(ct_igroup *g, uint64_t addrid);
/* Adds one flow's numbers (hop, taint, USD, the evidence transaction). */
CT_WARN_UNUSED int ct_iexp_add(ct_iexp *e, int model, uint64_t taint, bool priced,
                               unsigned __int128 usd_cents, uint32_t hop, const uint8_t txid[32],
                               uint32_t height, uint32_t time);
/* Sorts each exposure's evidence in block order (ties by txid), each once. */
void ct_igroup_settle(ct_igroup *g);

/* Reads the stored state (s->run 0 when there is none). CT_OK, CT_ECORRUPT, CT_EIO,
 * CT_ENOMEM. */
CT_WARN_UNUSED int ct_istate_load(ct_scan_istate *s, ct_db *db, ct_error *err);
/* Puts s (as written by run `run`) into batch b, replacing every stored group state. */
CT_WARN_UNUSED int ct_istate_write(ct_store_batch *b, ct_db *db, const ct_scan_istate *s,
                                   uint64_t run, ct_error *err);
/* s->cl: every cluster of two or more addresses holding a labelled address, with its size,
 * how many labelled addresses it holds and which one's label it carries; s->next_addrid. */
CT_WARN_UNUSED int ct_istate_clusters(ct_scan_istate *s, ct_db *db, ct_error *err);
/* Whether no address older than prev (an id below prev->next_addrid) gained or changed an
 * attribution through its cluster since prev (now: ct_istate_clusters of today): clusters
 * only grow, so that holds when every labelled cluster carries the same member's label and
 * its older members without a label of their own are those it had. A cluster that grew is
 * read member by member. */
CT_WARN_UNUSED int ct_istate_clusters_hold(const ct_scan_istate *prev, const ct_scan_istate *now,
                                           ct_db *db, bool *hold, ct_error *err);
/* The txnum of the last transaction of the main-chain tip (0: no block). */
CT_WARN_UNUSED int ct_istate_tip_txnum(uint64_t *out, ct_db *db, ct_error *err);

#endif
