/* chaintrail reports as one self-contained HTML file (docs/html.md): an SVG flow picture and
 * tables, built from a small neutral model that any command fills (trace, report).
 *
 * The model: measures (the columns of amounts, e.g. the taint models), assets (how amounts
 * are written), nodes in columns (sources left, hops in between, endpoints right, grouped by
 * category), edges carrying an amount per measure, and tables of text rows. The renderer
 * never prints by itself: it writes to the FILE it is given, or through the export's safe
 * file writer to a path. Every text of the model is treated as hostile (labels, token
 * symbols): it is cleaned (controls and bad UTF-8 become U+FFFD) and escaped for HTML/SVG.
 * The same model always gives the same bytes.
 *
 * Argument order, as everywhere in chaintrail: the object, then outputs, then inputs, then
 * options, then the caller-owned ct_error (may be NULL).
 */
#ifndef CHAINTRAIL_REPORT_H
#define CHAINTRAIL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chaintrail/acct_trace.h"
#include "chaintrail/error.h"
#include "chaintrail/trace.h"
#include "chaintrail/u256.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CT_REPORT_NONE     SIZE_MAX
#define CT_REPORT_MEASURES 5 /* at most this many amounts per edge (the five models) */
/* The picture keeps about this many nodes by default; the rest is aggregated per column and
 * category into "N more" nodes. */
#define CT_REPORT_MAX_NODES 100

typedef enum ct_report_node_kind {
    CT_REPORT_SOURCE = 0, /* drawn in the first column */
    CT_REPORT_TX,         /* a transaction (Bitcoin family) in its hop's column */
    CT_REPORT_ADDRESS,    /* an address (account chains) in its hop's column */
    CT_REPORT_ENDPOINT,   /* drawn in the last column, grouped by category */
} ct_report_node_kind;

typedef struct ct_report_node {
    ct_report_node_kind kind;
    const char *key;      /* unique among the nodes: orders ties (copied) */
    const char *label;    /* the first line (copied; cut when long) */
    const char *detail;   /* the tooltip (copied; may be NULL) */
    const char *category; /* endpoints: their category ("exchange", "unspent"); else NULL */
    uint32_t column;      /* sources 0, a hop's nodes their hop; endpoints: ignored */
} ct_report_node;

typedef struct ct_report_edge {
    size_t from, to; /* node indexes */
    size_t asset;    /* index in the model's assets */
    /* Amount per measure in the asset's base units; `has` bit m set when measure m carried
     * something along this edge (a zero amount without the bit is "not carried"). */
    ct_u256 amount[CT_REPORT_MEASURES];
    unsigned has;
    uint32_t time, height; /* the earliest flow: numbers the edges in time order */
} ct_report_edge;

typedef struct ct_report ct_report;

/* A new, empty model titled `title` (copied). NULL when out of memory. */
ct_report *ct_report_new(const char *title);
void ct_report_free(ct_report *r);

/* A line under the title (the trace's sources, "INCOMPLETE: ..."). */
CT_WARN_UNUSED int ct_report_add_note(ct_report *r, const char *text);
/* A measure (column of amounts): at most CT_REPORT_MEASURES. *idx its index. */
CT_WARN_UNUSED int ct_report_add_measure(ct_report *r, const char *name, size_t *idx);
/* An asset: symbol ("BTC", a token's symbol or contract) and decimals of its base units
 * (known false: amounts are written in base units, "units"). */
CT_WARN_UNUSED int ct_report_add_asset(ct_report *r, const char *symbol, unsigned decimals,
                                       bool known, size_t *idx);
/* A node; *idx its index. Keys are unique (CT_EINVAL "duplicate-key" otherwise). */
CT_WARN_UNUSED int ct_report_add_node(ct_report *r, const ct_report_node *n, size_t *idx);
/* The node of `key`, or CT_REPORT_NONE. */
size_t ct_report_find_node(const ct_report *r, const char *key);
/* An edge; an edge with the same from, to and asset as an earlier one is merged into it
 * (amounts added, earliest time kept). *idx its index (may be NULL). */
CT_WARN_UNUSED int ct_report_add_edge(ct_report *r, const ct_report_edge *e, size_t *idx);

/* A table: `n_cols` column names; bit c of `numeric` right-aligns column c. With
 * `edge_column`, each row may name an edge of the picture, shown as a first column "edge"
 * with its number. *idx the table's index. */
CT_WARN_UNUSED int ct_report_add_table(ct_report *r, const char *title, const char *note,
                                       const char *const *cols, size_t n_cols, unsigned numeric,
                                       bool edge_column, size_t *idx);
/* A row of n_cols cells (NULL cells are empty); `edge` an edge index or CT_REPORT_NONE. */
CT_WARN_UNUSED int ct_report_add_row(ct_report *r, size_t table, const char *const *cells,
                                     size_t edge);
/* A line under a table's rows (what was left out). */
CT_WARN_UNUSED int ct_report_table_footer(ct_report *r, size_t table, const char *text);

/* Writes `amount` base units of asset `asset` as text ("12.50000000 BTC"): decimals as the
 * asset has them. Returns the length. */
size_t ct_report_amount(const ct_report *r, char *out, size_t cap, size_t asset,
                        const ct_u256 *amount);

typedef struct ct_report_html_options {
    unsigned version; /* CT_REPORT_HTML_OPTIONS_VERSION */
    size_t max_nodes; /* the picture's node budget (0: CT_REPORT_MAX_NODES) */
    bool force;       /* with a path: replace an existing file (never a symbolic link) */
} ct_report_html_options;
#define CT_REPORT_HTML_OPTIONS_VERSION 1
#define CT_REPORT_HTML_OPTIONS_INIT                                                                \
    {                                                                                              \
        CT_REPORT_HTML_OPTIONS_VERSION, 0, false                                                   \
    }

typedef struct ct_report_html_stats {
    size_t nodes, edges;       /* drawn */
    size_t nodes_in, edges_in; /* in the model */
    size_t aggregated;         /* nodes of the model drawn inside "N more" nodes */
} ct_report_html_stats;

/* Writes the HTML to f. CT_OK, CT_ENOMEM, CT_EIO (f failed). stats may be NULL. */
CT_WARN_UNUSED int ct_report_html_write(ct_report *r, FILE *f, ct_report_html_stats *stats,
                                        const ct_report_html_options *o, ct_error *err);
/* The same into `path` through the safe file writer (no symbolic link, an existing file only
 * with o->force, a temporary file synced and renamed into place): CT_EIO with the export's
 * reasons ("output-exists", "output-symlink", "cannot-create", "cannot-write"). */
CT_WARN_UNUSED int ct_report_html_write_path(ct_report *r, const char *path,
                                             ct_report_html_stats *stats,
                                             const ct_report_html_options *o, ct_error *err);

/* One page of several models (the case report: provenance, each case, the yearly table),
 * titled `title` (h1): each model is a section headed by its own title (h2), with its notes,
 * its picture when it has nodes, and its tables; the ids of each part are prefixed ("p2-e3"
 * is edge #3 of the second part). stats: the sums over the parts. Same errors as above. */
CT_WARN_UNUSED int ct_report_html_write_parts(ct_report *const *parts, size_t n, const char *title,
                                              FILE *f, ct_report_html_stats *stats,
                                              const ct_report_html_options *o, ct_error *err);
CT_WARN_UNUSED int ct_report_html_write_parts_path(ct_report *const *parts, size_t n,
                                                   const char *title, const char *path,
                                                   ct_report_html_stats *stats,
                                                   const ct_report_html_options *o, ct_error *err);

/* ---- models of traces ---- */
/* The picture and the tables of a Bitcoin-family trace run with flows (opts->flows): a node
 * per source address, per transaction the taint went through and per endpoint (address and
 * category), an edge per (node, node) pair the flows took, with the taint of each model whose
 * flows were kept whole; tables of totals by category per model, endpoints per service and
 * the evidence (one row per output, with its edge). `coin`: the network's ticker. At most
 * `max_rows` evidence rows (0: 5,000): the largest, listed in time order, and the table says
 * how many were left out. */
CT_WARN_UNUSED int ct_report_from_trace(ct_report *r, const ct_trace_result *res, const char *coin,
                                        size_t max_rows, ct_error *err);
/* The same for an account-chain trace: nodes are addresses (a source, or in the column of
 * the first hop that reached it) and endpoints; an asset per traced asset. */
CT_WARN_UNUSED int ct_report_from_acct_trace(ct_report *r, const ct_acct_trace_result *res,
                                             size_t max_rows, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
