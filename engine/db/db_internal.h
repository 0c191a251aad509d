/* The database handle shared by the engine modules (ingest, graph queries, verify): the
 * store and the meta rows kept in memory between batches. Not public. */
#ifndef CT_DB_INTERNAL_H
#define CT_DB_INTERNAL_H

#include "chaintrail/db.h"
#include "db/schema.h"
#include "store/store.h"

struct ct_db {
    ct_store *st;
    ct_counters ctr;
    ct_row_next next;
    bool has_tip;
    ct_row_tip tip;
    uint8_t tip_work[32];
    char network[32]; /* "" until the first ingest */
    /* Meta "cbheights": 1 while every main-chain block connected at a height >= max(1, the
     * network's BIP34 height) carried that height in its coinbase, 0 once one did not, -1 for
     * a database that predates the row (unknown). Lets the ingest skip BIP30 lookups. */
    int cb_heights;
    /* Address clusters (docs/clustering.md): on while the meta row "clpolicy" exists; the
     * ingest then keeps the union-find rows and "clcounters" up to date in every batch. */
    bool clusters;
    /* Meta "clrebuild" exists: a `cluster rebuild` began and did not finish (its rows are
     * incomplete; clusters is false). Commands that use clusters refuse until a rebuild. */
    bool cl_rebuilding;
    ct_cl_policy cl_policy;
    ct_cl_counters cl_ctr;
};

/* The clustering policy of a new database (docs/clustering.md). */
#define CT_CL_DEFAULT_THRESHOLD 100000u

/* Reloads counters, next ids, tip and its chainwork from the database. */
int ct_db_load_meta(ct_db *db, ct_error *err);
/* Adds the in-memory counters, next ids and tip to a batch. */
int ct_db_put_meta(ct_db *db, ct_store_batch *b);
/* The database's network must be `net`; a database without one takes it (written now). */
int ct_db_check_network(ct_db *db, const ct_btc_params *net, ct_error *err);
/* Resume marker rows. */
void ct_db_marker_put(ct_store_batch *b, uint32_t file_id, const ct_row_file *fr);
void ct_db_batch_append_marker(ct_store_batch *dst, const ct_store_batch *marker);
/* The store snapshot behind a public snapshot (NULL for NULL: the latest state). */
const ct_store_snapshot *ct_db_snapshot_store(const ct_db_snapshot *snap);

#endif
