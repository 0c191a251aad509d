/* Snapshot readers shared by the graph queries (graph.c) and the verifier (graph_verify.c):
 * one LevelDB snapshot, a scratch value buffer, and loaders of the rows the queries follow
 * (tx, block, address string). Not public. */
#ifndef CT_GRAPH_INTERNAL_H
#define CT_GRAPH_INTERNAL_H

#include "chaintrail/graph.h"
#include "db/db_internal.h"
#include "db/schema.h"
#include "store/store.h"

typedef struct ct_graph_reader {
    ct_db *db;
    ct_store *st;
    ct_store_snapshot *snap;
    ct_buf v; /* value of the last get */
    ct_error *err;
} ct_graph_reader;

int ct_graph_reader_open(ct_graph_reader *r, ct_db *db, ct_error *err);
void ct_graph_reader_close(ct_graph_reader *r);

/* Point read through the snapshot: CT_OK (value in r->v), CT_ENOTFOUND, or a store error. */
int ct_graph_get(ct_graph_reader *r, const uint8_t *key, size_t klen);

/* Loaders of rows that another row refers to: a missing row is CT_ECORRUPT ("missing-row"),
 * since the referring row says it exists. */
int ct_graph_load_tx(ct_graph_reader *r, uint64_t txnum, ct_row_tx *tx);
int ct_graph_load_block(ct_graph_reader *r, uint32_t height, ct_row_block *b);
/* The d row of addrid: its stored identity (NUL-terminated, into buf of CT_BTC_ADDR_MAX; the
 * key of its a row and of labels) and type. */
int ct_graph_load_addr(ct_graph_reader *r, uint64_t addrid, char *buf, uint8_t *type);
/* The identity of addrid as users see it: the address, or "script:" + hex of the script
 * (docs/addresses.md). *out is malloc'd, NUL-terminated. */
int ct_graph_load_shown(ct_graph_reader *r, uint64_t addrid, char **out, uint8_t *type);
/* The addrid of an address as users give it (CT_ENOTFOUND "unknown-address"). */
int ct_graph_find_addrid(ct_graph_reader *r, const char *address, uint64_t *id);
/* Height, time and txid of transaction txnum. */
int ct_graph_load_seen(ct_graph_reader *r, uint64_t txnum, ct_graph_seen *s);

#endif
