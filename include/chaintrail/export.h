/* chaintrail export: graph files for Gephi, Neo4j, Graphviz, Cytoscape and spreadsheets
 * (docs/export.md).
 *
 * ct_export_address writes the neighbourhood of a Bitcoin or Ethereum address in one of six
 * formats. Every format carries the same attributes; text from labels and from the chain is
 * escaped for the format (bad-inputs.md X1-X6); the output path is never followed through a
 * symbolic link, is refused when it exists unless opts->force, and is written to a temporary
 * file (or directory) beside it, synced and renamed into place (X7, X8). The same database
 * and options always give byte-identical output (X11).
 *
 * Argument order, as everywhere in chaintrail: the handle, then outputs, then inputs, then
 * options, then the caller-owned ct_error (may be NULL).
 */
#ifndef CHAINTRAIL_EXPORT_H
#define CHAINTRAIL_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "chaintrail/db.h"
#include "chaintrail/error.h"
#include "chaintrail/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ct_export_format {
    CT_EXPORT_GRAPHML = 0,
    CT_EXPORT_GEXF,      /* GEXF 1.3 with edge timestamps (Gephi's timeline) */
    CT_EXPORT_DOT,       /* Graphviz; at most CT_EXPORT_DOT_MAX_NODES nodes */
    CT_EXPORT_NEO4J,     /* a directory: nodes.csv, relationships.csv, README.md */
    CT_EXPORT_CYTOSCAPE, /* Cytoscape.js JSON elements */
    CT_EXPORT_CSV,       /* a directory: nodes.csv, edges.csv */
    CT_EXPORT_FORMATS
} ct_export_format;

/* Graphviz's dot lays out about a thousand nodes usefully: a DOT export with more is
 * refused before anything is read. */
#define CT_EXPORT_DOT_MAX_NODES 1000

/* "graphml", "gexf", "dot", "neo4j", "cytoscape", "csv"; NULL out of range. */
const char *ct_export_format_name(ct_export_format f);
/* Returns CT_OK, or CT_EINVAL for a name not in the list. */
CT_WARN_UNUSED int ct_export_format_from_name(ct_export_format *out, const char *name);
/* True for the formats written as a directory of files (neo4j, csv). */
bool ct_export_format_is_dir(ct_export_format f);

typedef enum ct_export_level {
    CT_EXPORT_LEVEL_ADDRESS = 0, /* a node is an address */
    CT_EXPORT_LEVEL_TX = 1,      /* a node is a transaction (Bitcoin family only) */
    CT_EXPORT_LEVEL_CLUSTER = 2, /* a node is a cluster (Bitcoin family, clustering on) */
} ct_export_level;

typedef enum ct_export_direction {
    CT_EXPORT_OUT = 1, /* follow what the address sent */
    CT_EXPORT_IN = 2,  /* follow what it received */
    CT_EXPORT_BOTH = 3,
} ct_export_direction;

typedef struct ct_export_address_options {
    unsigned version; /* CT_EXPORT_ADDRESS_OPTIONS_VERSION */
    ct_export_format format;
    ct_export_level level;
    ct_export_direction direction;
    uint32_t hops;      /* 1..CT_EXPORT_HOPS_MAX */
    uint64_t max_nodes; /* 1.. ; the walk stops adding nodes there (stats->truncated) */
    bool force;         /* replace an existing output (never a symbolic link) */
} ct_export_address_options;
#define CT_EXPORT_ADDRESS_OPTIONS_VERSION 1
#define CT_EXPORT_HOPS_MAX                64
#define CT_EXPORT_MAX_NODES_DEFAULT       10000
#define CT_EXPORT_ADDRESS_OPTIONS_INIT                                                             \
    {                                                                                              \
        CT_EXPORT_ADDRESS_OPTIONS_VERSION, CT_EXPORT_GRAPHML, CT_EXPORT_LEVEL_ADDRESS,             \
            CT_EXPORT_BOTH, 1, CT_EXPORT_MAX_NODES_DEFAULT, false                                  \
    }

typedef struct ct_export_stats {
    bool ethereum; /* the address was an Ethereum address */
    uint64_t nodes;
    uint64_t edges;
    bool truncated; /* max_nodes was reached: some neighbours were left out */
} ct_export_stats;

/* Writes the neighbourhood of `address` (a Bitcoin-family address or script identity, or
 * "0x" + 40 hex digits) within opts->hops to `path`. Returns CT_OK; CT_ENOTFOUND for an
 * address the database never saw; CT_EINVAL for bad options (reason "dot-too-large",
 * "level-tx-account", "bad-hops", "bad-max-nodes", ...); CT_EIO for an output refused or
 * not written ("output-exists", "output-symlink", "output-kind", "cannot-create",
 * "cannot-write"; nothing is left at `path` then); CT_ECORRUPT, CT_EDBCORRUPT, CT_ENOMEM. */
CT_WARN_UNUSED int ct_export_address(ct_db *db, ct_export_stats *stats, const char *address,
                                     const char *path, const ct_export_address_options *opts,
                                     ct_error *err);

/* Writes the members of a cluster (by id, or by one of its addresses when `id` is 0) as
 * address nodes and every other address that paid them or was paid by them as the node of
 * its cluster (kind "cluster"), with the payments between them (opts->direction as for an
 * address; opts->hops and opts->level are not used). Returns as ct_export_address, and
 * CT_EINVAL "no-clusters" when the database does not cluster, or for an id that is not a
 * cluster id (ct_cluster_get). */
CT_WARN_UNUSED int ct_export_cluster(ct_db *db, ct_export_stats *stats, const char *address,
                                     uint64_t id, const char *path,
                                     const ct_export_address_options *opts, ct_error *err);

/* ---- export trace ---- */
typedef struct ct_export_trace_options {
    unsigned version; /* CT_EXPORT_TRACE_OPTIONS_VERSION */
    ct_export_format format;
    bool force;
    bool backward; /* the trace ran backward (its edges then go from spender to maker) */
    /* CT_EXPORT_LEVEL_CLUSTER: an endpoint node per cluster and category (Bitcoin family,
     * clusters used by the trace) instead of per address */
    ct_export_level level;
} ct_export_trace_options;
#define CT_EXPORT_TRACE_OPTIONS_VERSION 1
#define CT_EXPORT_TRACE_OPTIONS_INIT                                                               \
    {                                                                                              \
        CT_EXPORT_TRACE_OPTIONS_VERSION, CT_EXPORT_GRAPHML, false, false, CT_EXPORT_LEVEL_ADDRESS  \
    }

/* Writes the flow graph of a trace run with flows (and poison's flows whole, for its
 * column): a node per transaction the taint went through, per endpoint address where it
 * stopped (category: the endpoint's, "unspent", "hop_limit", ...; backward "coinbase",
 * "unknown", ...) and one for fees (forward) or per source address (backward, category
 * "source"); an edge per output the taint took, the way the trace went: forward from the
 * transaction that made it to the one that spent it or to its endpoint, backward from the
 * spender to the transaction that made it or to its endpoint; with the taint of each model
 * (taint_poison .. taint_tiho, 0 where a model carried none) and value the largest of them.
 * Returns CT_OK; CT_EINVAL ("no-flows", "dot-too-large"); CT_EIO (the output, as
 * ct_export_address); CT_ENOMEM. */
CT_WARN_UNUSED int ct_export_trace(ct_db *db, ct_export_stats *stats, const ct_trace_result *res,
                                   const char *path, const ct_export_trace_options *opts,
                                   ct_error *err);

/* ---- one output file, written safely (scan -o) ----
 * The export's safe output for a single file: never through a symbolic link, an existing
 * path only with `force`, written to a temporary file beside it that is synced and renamed
 * into place by ct_out_file_commit, so a kill or a full disk never leaves a truncated file.
 * ct_out_file_open returns CT_OK with *f to write to; CT_EINVAL ("bad-output"), CT_EIO
 * ("output-exists", "output-symlink", "output-kind", "cannot-create"), CT_ENOMEM.
 * ct_out_file_commit closes *f and returns CT_OK or CT_EIO ("cannot-write": nothing is left
 * at the path then); ct_out_file_abort removes the temporary file. Both free o. */
typedef struct ct_out_file ct_out_file;
CT_WARN_UNUSED int ct_out_file_open(ct_out_file **o, FILE **f, const char *path, bool force,
                                    ct_error *err);
CT_WARN_UNUSED int ct_out_file_commit(ct_out_file *o, ct_error *err);
void ct_out_file_abort(ct_out_file *o);
/* Writes the flow graph of an account-chain trace (ct_acct_trace_run with flows, poison's
 * whole): a node per address the taint went through, per endpoint (address and category),
 * one for the fee sink and one for rewards (nobody); an edge per transfer of one asset the
 * taint took (kind native, internal, token, fee_burnt, fee_priority, reward; remainder for
 * the taint left in a ledger, from the address to its endpoint node), with the taint of
 * each model in wei or token base units and value the largest. Every amount is a decimal
 * string. Returns as ct_export_trace. */
struct ct_acct_trace_result;
CT_WARN_UNUSED int ct_export_acct_trace(ct_db *db, ct_export_stats *stats,
                                        const struct ct_acct_trace_result *res, const char *path,
                                        const ct_export_trace_options *opts, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
