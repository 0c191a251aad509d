/* The state a scan keeps of its direct screen, for the next run to resume from (docs/scan.md
 * "Incremental direct exposure"): per (customer address, direction, labelled counterparty)
 * the raw sums of the transactions read so far, before the policy's minimums. */
#ifndef CT_SCAN_DIRECT_STATE_H
#define CT_SCAN_DIRECT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "chaintrail/scan.h"
#include "store/store.h"

/* What one labelled counterparty paid one customer address (incoming) or received from it
 * (outgoing), summed over the transactions; first_* locate its first transaction. */
typedef struct ct_dexp {
    unsigned direction;
    unsigned __int128 amount[CT_MODEL_COUNT], usd_cents[CT_MODEL_COUNT];
    bool priced; /* every transaction had its day's price */
    uint32_t first_height, first_time, first_index, first_pos, last_height, last_time;
    uint8_t (*txids)[32]; /* in chain order, each once */
    size_t n_txids, cap_txids;
} ct_dexp;

/* This run's direct state, to be written with the alerts (ct_istate_write). */
typedef struct ct_dstate {
    uint64_t next_txnum; /* the first transaction not read (after the tip; 0: no block) */
    bool clusters;
    uint64_t next_addrid; /* with clusters: as ct_scan_istate's, and its labelled clusters */
    uint64_t *cl;
    size_t n_cl;
    ct_buf rows; /* each row: key length BE32, key, value length BE32, value */
} ct_dstate;

void ct_dstate_free(ct_dstate *d);
/* Appends to v one exposure to counterparty `L` (CT_OK or CT_ENOMEM). */
CT_WARN_UNUSED int ct_dexp_encode(ct_buf *v, const char *L, const ct_dexp *e);
/* Adds the row of customer address `a` (its exposures, encoded by ct_dexp_encode, n of
 * them) to d: CT_OK or CT_ENOMEM. */
CT_WARN_UNUSED int ct_dstate_add_row(ct_dstate *d, const char *a, size_t n, const ct_buf *v);
/* Replaces the stored direct state by d (NULL: removes it), as written by run `run`. */
CT_WARN_UNUSED int ct_dstate_write(ct_store_batch *b, ct_db *db, const ct_dstate *d, uint64_t run,
                                   ct_error *err);
/* The stored head: *run 0 when there is none; prev gets its clusters (cl, n_cl,
 * next_addrid). CT_OK, CT_ECORRUPT, CT_EIO, CT_ENOMEM. */
CT_WARN_UNUSED int ct_dstate_load_head(ct_db *db, uint64_t *run, uint64_t *next_txnum,
                                       bool *clusters, ct_scan_istate *prev, ct_error *err);
/* Calls fn for every stored exposure (e's txids are the callee's to keep: it sets e->txids
 * to NULL to take them). CT_OK, what fn returned, CT_ECORRUPT, CT_EIO, CT_ENOMEM. */
CT_WARN_UNUSED int ct_dstate_each(ct_db *db,
                                  int (*fn)(void *arg, const char *a, const char *L, ct_dexp *e),
                                  void *arg, ct_error *err);

#endif
