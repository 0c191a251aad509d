/* The model behind include/chaintrail/report.h, shared by the files of engine/report. */
#ifndef CT_REPORT_INTERNAL_H
#define CT_REPORT_INTERNAL_H

#include "chaintrail/report.h"
#include "base/hmap.h"

typedef struct rp_node {
    ct_report_node_kind kind;
    char *key, *label, *detail, *category;
    uint32_t column;
} rp_node;

typedef struct rp_asset {
    char *symbol;
    unsigned decimals;
    bool known;
} rp_asset;

typedef struct rp_table {
    char *title, *note, *footer;
    size_t n_cols;
    char **cols;
    unsigned numeric;
    bool edge_column;
    size_t n_rows, cap;
    char **cells; /* n_rows * n_cols, NULL for empty */
    size_t *edge; /* per row */
} rp_table;

struct ct_report {
    char *title;
    size_t n_notes;
    char **notes;
    size_t n_measures;
    char *measures[CT_REPORT_MEASURES];
    size_t n_assets;
    rp_asset *assets;
    size_t n_nodes, cap_nodes;
    rp_node *nodes;
    size_t n_edges, cap_edges;
    ct_report_edge *edges;
    size_t n_tables;
    rp_table *tables;
    ct_hmap node_map; /* SHA-256 of the key -> index */
    ct_hmap edge_map; /* (from, to, asset) -> index */
};

/* Grows *p (n elements in use, *cap allocated) to hold one more of `size` bytes. */
int rp_grow(void **p, size_t *cap, size_t n, size_t size);
/* ct_report_amount; `shortened` cuts fractions past 8 digits (rounded down, marked "…"). */
size_t rp_amount(const ct_report *r, char *out, size_t cap, size_t asset, const ct_u256 *amount,
                 bool shortened);
/* The largest amount of the edge over its measures. */
const ct_u256 *rp_edge_max(const ct_report *r, const ct_report_edge *e);
/* An amount as a double (for widths and ranking only). */
double rp_u256_double(const ct_u256 *a);
/* "YYYY-MM-DDTHH:MM:SSZ". */
void rp_iso_time(char buf[32], uint32_t t);

#endif
