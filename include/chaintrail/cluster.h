/* chaintrail address clusters (docs/clustering.md).
 *
 * The ingest joins the input addresses of every non-coinbase transaction (the multi-input
 * rule) and the two addresses of every P2PK key, block by block in the block's own batch,
 * unless the transaction is judged a CoinJoin, or the join would merge two clusters both
 * larger than the policy's threshold (then it is recorded as a flagged merge). A cluster's
 * id is the smallest address id among its members, so it never changes when addresses
 * join it. An address in no cluster is its own cluster of size 1 (cluster id = its id).
 */
#ifndef CHAINTRAIL_CLUSTER_H
#define CHAINTRAIL_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/db.h"
#include "chaintrail/error.h"
#include "chaintrail/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CT_CLUSTER_DETECTORS 6  /* CoinJoin detectors, bits 1 << 0 .. 1 << 5 */
#define CT_CLUSTER_TOP_MAX   10 /* largest clusters listed by ct_cluster_stats_get */

typedef struct ct_cluster_policy {
    uint64_t threshold; /* a merge of two clusters both above it is flagged, not applied */
    unsigned detectors; /* detector bits judging CoinJoins */
} ct_cluster_policy;

/* The name of detector i (0 .. CT_CLUSTER_DETECTORS-1): "blocksci", "wasabi1", "wasabi2",
 * "whirlpool_tx0", "whirlpool", "joinmarket"; NULL otherwise. */
const char *ct_cluster_detector_name(int i);

typedef struct ct_cluster_top {
    uint64_t cluster_id;
    uint64_t size;
} ct_cluster_top;

typedef struct ct_cluster_stats {
    bool enabled; /* the database clusters (has a policy) */
    ct_cluster_policy policy;
    uint8_t policy_digest[32]; /* SHA-256 of the stored policy row (docs/clustering.md) */
    uint64_t addresses;        /* every address of the database */
    uint64_t clusters;         /* clusters of two or more addresses */
    uint64_t clustered;        /* addresses in them */
    uint64_t merges;           /* merges of two clusters of >= 2 addresses (the merge log) */
    uint64_t flagged;          /* flagged merges (not applied) */
    uint64_t coinjoins;        /* transactions judged CoinJoins: they merged nothing */
    uint64_t coinjoins_by[CT_CLUSTER_DETECTORS];
    size_t n_largest; /* the largest clusters, by size then id */
    ct_cluster_top largest[CT_CLUSTER_TOP_MAX];
} ct_cluster_stats;

/* The policy the database clusters with (true), or that of a `cluster rebuild` that was
 * interrupted (true, *interrupted set), or false when it has none. */
bool ct_cluster_policy_of(const ct_db *db, ct_cluster_policy *out, bool *interrupted);
/* Counters, policy and the largest clusters (one scan of the cluster roots). */
CT_WARN_UNUSED int ct_cluster_stats_get(ct_db *db, ct_cluster_stats *out, ct_error *err);

/* The cluster of one address (as ct_graph_address_get takes it): *cluster_id and *size;
 * without clustering both are 0. CT_ENOTFOUND when the address is unknown. */
CT_WARN_UNUSED int ct_cluster_of_address(ct_db *db, const char *address, uint64_t *addrid,
                                         uint64_t *cluster_id, uint64_t *size, ct_error *err);

/* ---- one cluster ---- */
typedef struct ct_cluster_info {
    uint64_t cluster_id;
    uint64_t size;
    char *address;         /* the address whose id is the cluster id (owned) */
    uint64_t received_sat; /* over every member */
    uint64_t sent_sat;
    uint64_t balance_sat;
    uint64_t tx_count; /* sum over members (a transaction touching two members counts twice) */
    bool has_seen;
    ct_graph_seen first, last; /* earliest first-seen and latest last-seen of the members */
} ct_cluster_info;

/* Looks up a cluster by id (`id` > 0) or by one of its addresses (`address`, id 0), and sums
 * its members' totals (reads every member). CT_ENOTFOUND: no such address; CT_EINVAL: the
 * id is not a cluster id (an address id that is not its cluster's smallest), or the
 * database does not cluster (reason "no-clusters"). Release with ct_cluster_info_release. */
CT_WARN_UNUSED int ct_cluster_get(ct_db *db, const char *address, uint64_t id, ct_cluster_info *out,
                                  ct_error *err);
void ct_cluster_info_release(ct_cluster_info *c);

/* Members of a cluster, in address-id order: every member id, then their addresses one by
 * one. */
typedef struct ct_cluster_members ct_cluster_members;
CT_WARN_UNUSED int ct_cluster_members_new(ct_cluster_members **out, ct_db *db, uint64_t cluster_id,
                                          ct_error *err);
/* CT_OK with *address (valid until the next call) and *addrid; CT_EEOF after the last. */
/* The members of the cluster that may carry labels, in address-id order: every member of a
 * small cluster; of a large one (1,024 members or more) only those whose address is in the
 * label table, found by a walk of the labelled addresses (their count, not the cluster's
 * size, sets the time). `show cluster` prints the labels of these. */
CT_WARN_UNUSED int ct_cluster_members_labelled_new(ct_cluster_members **out, ct_db *db,
                                                   uint64_t cluster_id, ct_error *err);
CT_WARN_UNUSED int ct_cluster_members_next(ct_cluster_members *m, const char **address,
                                           uint64_t *addrid, ct_error *err);
void ct_cluster_members_free(ct_cluster_members *m);

/* The merge log of a cluster: every merge of two clusters of >= 2 addresses that made it,
 * including those inside the clusters it absorbed, in chain order. */
typedef struct ct_cluster_merge {
    uint32_t height;
    uint8_t txid[32];
    uint64_t kept_id, kept_size;         /* the cluster whose id stayed, its size before */
    uint64_t absorbed_id, absorbed_size; /* the one that joined it */
} ct_cluster_merge;
/* Entries [offset, offset + max) into out (*n of them); *total: all entries. */
CT_WARN_UNUSED int ct_cluster_merges(ct_db *db, uint64_t cluster_id, size_t offset,
                                     ct_cluster_merge *out, size_t max, size_t *n, size_t *total,
                                     ct_error *err);

/* ---- CoinJoin verdict of one transaction ---- */
typedef struct ct_cluster_verdict {
    int detector;     /* the detector that fired (0 .. CT_CLUSTER_DETECTORS-1), or -1 */
    const char *veto; /* NULL, or why a veto cleared the transaction (static text) */
} ct_cluster_verdict;
/* Judges a stored transaction with the CoinJoin detectors of the database's clustering
 * policy (every detector when the database does not cluster), as the clustering does:
 * input values, addresses and the types of the outputs they spend, outputs, height.
 * CT_ENOTFOUND: no such transaction. */
CT_WARN_UNUSED int ct_cluster_tx_verdict(ct_db *db, const uint8_t txid[32], ct_cluster_verdict *out,
                                         ct_error *err);

/* ---- every address ---- */
typedef struct ct_cluster_dump ct_cluster_dump;
CT_WARN_UNUSED int ct_cluster_dump_new(ct_cluster_dump **out, ct_db *db, ct_error *err);
/* The next address in address-id order with its cluster id: CT_OK (*address valid until
 * the next call), CT_EEOF after the last. */
CT_WARN_UNUSED int ct_cluster_dump_next(ct_cluster_dump *d, const char **address, uint64_t *addrid,
                                        uint64_t *cluster_id, ct_error *err);
void ct_cluster_dump_free(ct_cluster_dump *d);

/* ---- rebuild ---- */
typedef struct ct_cluster_rebuild_stats {
    uint64_t blocks, blocks_total;
    uint64_t txs;
} ct_cluster_rebuild_stats;
/* Deletes every cluster row and computes the clusters again from the stored transactions,
 * block by block as the ingest does (same ids and the same rows), with each block's undo
 * entries, and turns clustering on with `policy` (NULL: the database's, or the default).
 * `progress` (may be NULL) is called every few thousand blocks. */
CT_WARN_UNUSED int ct_cluster_rebuild(ct_db *db, const ct_cluster_policy *policy,
                                      void (*progress)(void *ctx,
                                                       const ct_cluster_rebuild_stats *st),
                                      void *ctx, volatile int *stop, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
