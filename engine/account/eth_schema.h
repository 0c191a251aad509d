/* Row formats of the Ethereum tables (docs/storage.md, "Ethereum tables"): key builders and
 * value codecs shared by the writer (eth_ingest.c) and the readers (eth_graph.c). Keys are a
 * one-byte table prefix (uppercase letters the Bitcoin tables do not use) and big-endian
 * fixed-width integers, so that a range scan walks chain order. */
#ifndef CT_ETH_SCHEMA_H
#define CT_ETH_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chaintrail/account.h"
#include "chaintrail/error.h"
#include "chaintrail/u256.h"
#include "base/util.h"

enum {
    CT_E_BLOCK = 'G',   /* G + height BE32 -> block row */
    CT_E_BHASH = 'H',   /* H + block hash -> height BE32 */
    CT_E_TXID = 'T',    /* T + tx hash -> tx id BE64 */
    CT_E_TX = 'X',      /* X + tx id BE64 -> tx row */
    CT_E_EVENT = 'V',   /* V + height BE32 + tx index BE32 + pos BE32 -> event */
    CT_E_LEDGER = 'L',  /* L + addrid BE64 + asset BE32 + height + tx index + pos -> event */
    CT_E_ADDR = 'A',    /* A + 20-byte address -> addrid BE64 */
    CT_E_ADDRID = 'D',  /* D + addrid BE64 -> 20-byte address */
    CT_E_TOTALS = 'W',  /* W + addrid BE64 + asset BE32 -> ledger totals */
    CT_E_ASSET = 'S',   /* S + 20-byte contract -> asset id BE32 */
    CT_E_ASSETID = 'Q', /* Q + asset id BE32 -> asset row */
    CT_E_UNDO = 'U',    /* U + height BE32 -> undo record */
};

/* meta rows (m + name) */
#define CT_E_META_TIP      "eth.tip"      /* height BE32 + hash, the resume marker */
#define CT_E_META_NEXT     "eth.next"     /* next tx id BE64, next addrid BE64, next asset BE32 */
#define CT_E_META_COUNTERS "eth.counters" /* CT_E_COUNTERS_FIELDS x BE64 */
#define CT_E_META_CHAIN    "eth.chain"    /* chain id BE64, first height BE32 */

typedef struct ct_e_counters {
    uint64_t blocks, txs, native, internal, tokens, fees, rewards, events, logs, addresses, assets;
} ct_e_counters;
#define CT_E_COUNTERS_FIELDS 11

static inline size_t ct_e_key_pos(uint8_t *k, uint8_t t, const ct_acct_pos *p)
{
    k[0] = t;
    ct_put_be32(k + 1, p->height);
    ct_put_be32(k + 5, p->tx_index);
    ct_put_be32(k + 9, p->pos);
    return 13;
}
static inline size_t ct_e_key_ledger(uint8_t *k, uint64_t addrid, uint32_t asset,
                                     const ct_acct_pos *p)
{
    k[0] = CT_E_LEDGER;
    ct_put_be64(k + 1, addrid);
    ct_put_be32(k + 9, asset);
    ct_put_be32(k + 13, p->height);
    ct_put_be32(k + 17, p->tx_index);
    ct_put_be32(k + 21, p->pos);
    return 25;
}
static inline size_t ct_e_key_totals(uint8_t *k, uint64_t addrid, uint32_t asset)
{
    k[0] = CT_E_TOTALS;
    ct_put_be64(k + 1, addrid);
    ct_put_be32(k + 9, asset);
    return 13;
}
static inline size_t ct_e_key_bytes(uint8_t *k, uint8_t t, const uint8_t *b, size_t n)
{
    k[0] = t;
    memcpy(k + 1, b, n);
    return n + 1;
}
static inline size_t ct_e_key_meta(uint8_t *k, const char *name)
{
    size_t n = strlen(name);
    k[0] = 'm';
    memcpy(k + 1, name, n);
    return n + 1;
}

/* event: kind u8, asset BE32, from BE64, to BE64, amount 32 BE, time BE32, tx hash 32 */
#define CT_E_EVENT_SIZE (1 + 4 + 8 + 8 + 32 + 4 + 32)
size_t ct_e_event_encode(uint8_t *buf, const ct_acct_event *e);
/* The position comes from the key (V: k+1; L: k+13). */
int ct_e_event_decode(ct_acct_event *e, const uint8_t *pos_be, const uint8_t *v, size_t n,
                      ct_error *err);

typedef struct ct_e_block {
    uint8_t hash[32];
    uint8_t parent[32];
    uint32_t time;
    uint8_t miner[20];
    bool has_base_fee;
    ct_u256 base_fee;
    uint64_t gas_used;
    uint32_t n_txs;
    uint64_t first_txid;
    uint32_t n_events; /* block-level */
} ct_e_block;
#define CT_E_BLOCK_SIZE (32 + 32 + 4 + 20 + 1 + 32 + 8 + 4 + 8 + 4)
size_t ct_e_block_encode(uint8_t *buf, const ct_e_block *r);
int ct_e_block_decode(ct_e_block *r, const uint8_t *v, size_t n, ct_error *err);

typedef struct ct_e_tx {
    uint8_t hash[32];
    uint32_t height;
    uint32_t index;
    uint8_t type;
    uint8_t status;    /* 0 failed, 1 success, 2 unknown */
    uint64_t from;     /* addrids */
    uint64_t to;       /* 0: creation */
    uint64_t contract; /* 0: none */
    ct_u256 value;
    uint64_t nonce;
    uint64_t gas;
    uint64_t gas_used;
    ct_u256 gas_price;
    uint32_t n_logs;
    uint32_t n_events;
} ct_e_tx;
#define CT_E_TX_SIZE (32 + 4 + 4 + 1 + 1 + 8 + 8 + 8 + 32 + 8 + 8 + 8 + 32 + 4 + 4)
size_t ct_e_tx_encode(uint8_t *buf, const ct_e_tx *r);
int ct_e_tx_decode(ct_e_tx *r, const uint8_t *v, size_t n, ct_error *err);

typedef struct ct_e_totals {
    ct_u256 received;
    ct_u256 sent;
    uint64_t events;
    ct_acct_pos first, last;
} ct_e_totals;
#define CT_E_TOTALS_SIZE (32 + 32 + 8 + 12 + 12)
size_t ct_e_totals_encode(uint8_t *buf, const ct_e_totals *r);
int ct_e_totals_decode(ct_e_totals *r, const uint8_t *v, size_t n, ct_error *err);

typedef struct ct_e_asset {
    uint8_t contract[20];
    bool has_decimals;
    uint8_t decimals;
    char symbol[32];
} ct_e_asset;
#define CT_E_ASSET_MAX (20 + 1 + 1 + 1 + 31)
size_t ct_e_asset_encode(uint8_t *buf, const ct_e_asset *r);
int ct_e_asset_decode(ct_e_asset *r, const uint8_t *v, size_t n, ct_error *err);

size_t ct_e_counters_encode(uint8_t *buf, const ct_e_counters *c);
int ct_e_counters_decode(ct_e_counters *c, const uint8_t *v, size_t n, ct_error *err);

/* The Ethereum meta rows as read from the store (snap may be NULL). */
typedef struct ct_e_meta {
    bool has_tip;
    uint32_t tip_height;
    uint8_t tip_hash[32];
    bool has_chain;
    uint64_t chain_id;
    uint32_t first_height;
    uint64_t next_txid, next_addrid;
    uint32_t next_asset;
    ct_e_counters c;
} ct_e_meta;
struct ct_store;
struct ct_store_snapshot;
int ct_e_load_meta(struct ct_store *st, const struct ct_store_snapshot *snap, ct_e_meta *m,
                   ct_error *err);

#endif
