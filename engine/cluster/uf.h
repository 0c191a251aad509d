/* Address clusters as union-find rows in the store (docs/clustering.md). This module owns
 * the cluster tables: `e` (one row per address of a cluster of two or more), `j` (merge
 * log), `k` (flagged merges) and the meta rows "clpolicy" and "clcounters"; it is the only
 * writer of them. It writes through the caller's I/O (the ingest's batch and row cache, or
 * the rebuild's), so the rows of a block go into that block's batch with their undo.
 *
 * Row `e` + addrid BE64: parent BE64, next BE64 (the members of a cluster form one circular
 * list through `next`, so two lists join in O(1) and a cluster's members are a walk from
 * any of them); a root (parent = itself) adds size BE64 and cluster id BE64 (the smallest
 * address id among the members). Trees are joined by size (the larger root stays root; on
 * equal sizes the smaller address id), so a find reads at most log2(size) + 1 rows; rows
 * are never compressed, so they depend only on the sequence of unions, which depends only
 * on the chain. An address in no cluster has no row: its cluster is itself, size 1. */
#ifndef CT_CLUSTER_UF_H
#define CT_CLUSTER_UF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hmap.h"
#include "cluster/detect.h"
#include "db/schema.h"

#define CT_CL_ROW_SIZE  16 /* member row */
#define CT_CL_ROOT_SIZE 32 /* root row */
#define CT_CL_MAX_DEPTH 64 /* deeper than any tree joined by size: a corrupt row */
#define CT_CL_MERGE_KEY 25 /* j + kept id + txnum + absorbed id */
#define CT_CL_FLAG_KEY  25 /* k + txnum + smaller id + larger id */

typedef struct ct_cl_io {
    void *ctx;
    /* Reads row k as of the end of the previous block: CT_OK with *v, *vl valid until the
     * next call, CT_ENOTFOUND, or an error (with the caller's ct_error filled in). */
    int (*get)(void *ctx, const uint8_t *k, size_t kl, const uint8_t **v, size_t *vl);
    /* Writes row k = v (vl bytes) into the block's batch and records for the block's undo
     * that k held `old` (old_len bytes) before it, or nothing when !old_present. */
    int (*put)(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
               const uint8_t *old, size_t old_len, bool old_present);
} ct_cl_io;

/* One address as the current block sees it. */
typedef struct ct_cl_node {
    uint64_t id, parent, next, size, cid; /* size and cid: of a root */
    bool existed, dirty;
    uint8_t old[CT_CL_ROOT_SIZE];
    uint8_t old_len;
} ct_cl_node;

/* The per-block work area: the rows the block read or changed (an overlay over io). */
typedef struct ct_cl_work {
    ct_cl_io io;
    ct_error *err;
    const ct_cl_policy *pol;
    unsigned mask; /* detector mask: the policy's, plus CT_CJ_ANY_HEIGHT off mainnet */
    ct_cl_counters *ctr;
    ct_hmap idx; /* addrid BE64 -> index in nodes */
    ct_cl_node *nodes;
    size_t n, cap;
    uint64_t (*flag_pairs)[2]; /* flagged cluster pairs of the current transaction */
    size_t n_flags, cap_flags;
} ct_cl_work;

/* The root of an address's cluster. */
typedef struct ct_cl_root {
    uint64_t root; /* address id of the tree's root */
    uint64_t size;
    uint64_t cid; /* the cluster id */
} ct_cl_root;

void ct_cl_work_init(ct_cl_work *w, const ct_cl_io *io, const ct_cl_policy *pol,
                     ct_cl_counters *ctr, ct_error *err);
void ct_cl_work_release(ct_cl_work *w);
int ct_cl_find(ct_cl_work *w, uint64_t addrid, ct_cl_root *out);
/* The clustering of one non-coinbase transaction (tx->in: its inputs in order; address 0 =
 * none). With two or more distinct input addresses it is judged by the policy's CoinJoin
 * detectors (a CoinJoin joins nothing and is counted by detector); otherwise the first
 * input address is joined with each other one, in input order. A join of two clusters both
 * above the policy threshold is not applied but recorded as a flagged merge. *verdict (may
 * be NULL) receives the detector that fired (0: none or not judged). */
int ct_cl_tx(ct_cl_work *w, const ct_cj_tx *tx, uint64_t txnum, unsigned *verdict);
/* Joins a and b, the two addresses of one public key (P2PK compressed and uncompressed),
 * as a union of transaction txnum. One key is one owner for certain: the super-cluster
 * guard does not apply. */
int ct_cl_link(ct_cl_work *w, uint64_t a, uint64_t b, uint64_t txnum);
/* Writes every row the block changed through io->put (each once, with its value before the
 * block) and empties the work area for the next block. */
int ct_cl_flush(ct_cl_work *w);
/* Forgets the overlay without writing (the block was dropped). */
void ct_cl_discard(ct_cl_work *w);

/* Decodes an `e` row of address `id`. */
int ct_cl_row_decode(uint64_t id, const uint8_t *v, size_t vl, ct_cl_node *out, ct_error *err);
/* Whether the transaction has two or more distinct addresses among addrs (0 skipped). */
bool ct_cl_multi(const ct_cj_in *in, size_t n);

#endif
