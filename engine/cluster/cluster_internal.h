/* Clustering inside the engine (docs/clustering.md): starting it on a database, and the
 * readers' view of the cluster rows. Not public (include/chaintrail/cluster.h is). */
#ifndef CT_CLUSTER_INTERNAL_H
#define CT_CLUSTER_INTERNAL_H

#include "cluster/uf.h"
#include "db/db_internal.h"

/* Turns clustering on for a database (written now, synchronously): the policy row (NULL:
 * the default policy) and zero counters. The caller makes sure that no block is stored yet,
 * or rebuilds the clusters of the stored blocks in the same run (cluster rebuild). */
int ct_cluster_start(ct_db *db, const ct_cl_policy *pol, ct_error *err);
/* CT_OK, or the error of a database whose `cluster rebuild` was interrupted
 * (db->cl_rebuilding): its cluster rows are incomplete, so a command that would use or change
 * them refuses until a rebuild finishes (docs/clustering.md). */
int ct_cluster_check(const ct_db *db, ct_error *err);
/* The default policy: threshold CT_CL_DEFAULT_THRESHOLD, every detector. */
void ct_cluster_default_policy(ct_cl_policy *pol);

/* The detector mask of a policy on a network: its detectors, judging at any height except
 * on mainnet, where each wallet's detector starts at the wallet's first height. */
unsigned ct_cluster_mask(const ct_cl_policy *pol, const char *network);

/* A reader of the cluster rows of a snapshot (NULL: the latest state). */
typedef struct ct_cl_reader {
    ct_store *st;
    const ct_store_snapshot *snap;
    ct_buf v;
    ct_error *err;
    ct_cl_work w; /* find() through an overlay that is cleared after each lookup */
    ct_cl_policy none;
    ct_cl_counters scratch;
} ct_cl_reader; /* w points into it: not moved after ct_cl_reader_init */
void ct_cl_reader_init(ct_cl_reader *r, ct_store *st, const ct_store_snapshot *snap, ct_error *err);
void ct_cl_reader_release(ct_cl_reader *r);
/* The cluster of address `addrid` (its own, size 1, when it is in none). */
int ct_cl_reader_find(ct_cl_reader *r, uint64_t addrid, ct_cl_root *out);

#endif
