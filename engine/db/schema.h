/* Row formats of the graph database (docs/storage.md): key builders and value codecs shared
 * by the writer (ingest.c) and the readers (graph.c). Keys: a one-byte table prefix, then
 * big-endian fixed-width integers. Decoders check sizes and return CT_ECORRUPT for a value
 * of the wrong shape. */
#ifndef CT_SCHEMA_H
#define CT_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/bitcoin.h"
#include "chaintrail/error.h"
#include "base/util.h"

enum {
    CT_T_META = 'm',
    CT_T_HEADER = 'h',
    CT_T_CHILD = 'c',
    CT_T_RAW = 'r',
    CT_T_HEIGHT = 'n',
    CT_T_TXID = 't',
    CT_T_TX = 'x',
    CT_T_INPUT = 'i',
    CT_T_OUTPUT = 'o',
    CT_T_SPEND = 's',
    CT_T_ADDR = 'a',
    CT_T_ADDRID = 'd',
    CT_T_LINK = 'l',
    CT_T_TOTALS = 'w',
    CT_T_HISTORY = 'y',
    CT_T_UNDO = 'u',
    CT_T_FILE = 'f',
    CT_T_FILEPATH = 'F',
    /* The small tables users write after an ingest, above every graph table (Bitcoin's
     * and Ethereum's are letters, 'A' to 'y'), so that the files of a labels import never
     * overlap the graph's key range and leave its compacted levels alone
     * (docs/storage.md, "Keyspace"). Schema 2 kept them under the letters named; their
     * digests are still computed over those letters. */
    CT_T_USER_META = 0xf0,    /* 0xf0 + "labels" | "prices": their counters (schema 2: m) */
    CT_T_CASE = 0xf1,         /* investigation cases (cases.c; schema 2: 'K') */
    CT_T_PRICE = 0xf2,        /* prices: sources, daily prices, per-asset summaries ('P') */
    CT_T_LABEL = 0xf3,        /* labels (labels.c; 'B') */
    CT_T_LABEL_SOURCE = 0xf4, /* label counts per source ('b') */
    /* scan alerts (engine/scan/alert_store.c, docs/alerts.md) */
    CT_T_ALERT = 0xf5,         /* 0xf5 + alert id (16 bytes) -> the alert */
    CT_T_ALERT_HISTORY = 0xf6, /* 0xf6 + alert id + BE32 entry number -> one history entry */
    CT_T_SCAN = 0xf7,          /* 0xf7 'S': what the last scan screened against; 'R' + BE64 run */
    CT_T_OUTBOX = 0xf8,        /* webhook outbox: alerts to deliver (engine/deliver/outbox.c) */
    /* address clusters (engine/cluster, docs/clustering.md) */
    CT_T_CLUSTER = 'e', /* union-find row of an address in a cluster of >= 2 */
    CT_T_CLMERGE = 'j', /* merge log: two clusters of >= 2 addresses joined */
    CT_T_CLFLAG = 'k',  /* flagged merge: not applied (super-cluster guard) */
};
#define CT_T_CASE_V2         'K'
#define CT_T_PRICE_V2        'P'
#define CT_T_LABEL_V2        'B'
#define CT_T_LABEL_SOURCE_V2 'b'

/* 0xf0 + name: the counters row of a user table */
size_t ct_key_user_meta(uint8_t *k, const char *name);

#define CT_TXNUM_NONE        0u         /* prevout unknown / no tx */
#define CT_TXNUM_OVERWRITTEN UINT64_MAX /* spend link of a BIP30-overwritten output */
#define CT_ADDRID_NONE       0u         /* output without an address (OP_RETURN) */

/* ---- keys (each builder returns the key length) ---- */
static inline size_t ct_key_u32(uint8_t *k, uint8_t t, uint32_t a)
{
    k[0] = t;
    ct_put_be32(k + 1, a);
    return 5;
}
static inline size_t ct_key_u64(uint8_t *k, uint8_t t, uint64_t a)
{
    k[0] = t;
    ct_put_be64(k + 1, a);
    return 9;
}
static inline size_t ct_key_u64_u32(uint8_t *k, uint8_t t, uint64_t a, uint32_t b)
{
    k[0] = t;
    ct_put_be64(k + 1, a);
    ct_put_be32(k + 9, b);
    return 13;
}
static inline size_t ct_key_hash(uint8_t *k, uint8_t t, const uint8_t h[32])
{
    k[0] = t;
    for (int i = 0; i < 32; i++)
        k[1 + i] = h[i];
    return 33;
}
/* y + addrid + txnum + dir + index */
static inline size_t ct_key_history(uint8_t *k, uint64_t addrid, uint64_t txnum, uint8_t dir,
                                    uint32_t index)
{
    k[0] = CT_T_HISTORY;
    ct_put_be64(k + 1, addrid);
    ct_put_be64(k + 9, txnum);
    k[17] = dir;
    ct_put_be32(k + 18, index);
    return 22;
}
/* m + name */
size_t ct_key_meta(uint8_t *k, const char *name);

/* ---- values ---- */
enum ct_block_status {
    CT_BLOCK_MAIN = 1,
    CT_BLOCK_SIDE = 2,
    CT_BLOCK_ORPHAN = 3,
    CT_BLOCK_INVALID = 4,
    CT_BLOCK_SIDE_NODATA = 5,
};

typedef struct ct_row_header {
    uint8_t header[80];
    uint32_t height;
    uint8_t status;
    uint8_t chainwork[32]; /* big-endian */
    uint32_t file_id;      /* 0: no source file */
    uint64_t offset;       /* of the block bytes in that file */
    uint32_t size;
} ct_row_header;
#define CT_ROW_HEADER_SIZE (80 + 4 + 1 + 32 + 4 + 8 + 4)

typedef struct ct_row_block {
    uint8_t hash[32];
    uint64_t first_txnum;
    uint32_t n_tx;
    uint32_t time;
} ct_row_block;
#define CT_ROW_BLOCK_SIZE (32 + 8 + 4 + 4)

#define CT_TXF_COINBASE        1u
#define CT_TXF_UNKNOWN_PREVOUT 2u

typedef struct ct_row_tx {
    uint8_t txid[32];
    uint32_t height;
    uint32_t index;
    uint32_t n_in;
    uint32_t n_out;
    uint8_t flags;
    uint64_t fee;
    uint32_t size;
    uint32_t weight;
} ct_row_tx;
#define CT_ROW_TX_SIZE (32 + 4 * 4 + 1 + 8 + 4 + 4)

typedef struct ct_row_input {
    uint64_t prev_txnum; /* CT_TXNUM_NONE: unknown prevout */
    uint32_t prev_vout;
    uint64_t value;        /* 0 when unknown */
    uint64_t addrid;       /* CT_ADDRID_NONE when unknown */
    uint8_t prev_txid[32]; /* kept only for unknown prevouts */
} ct_row_input;
#define CT_ROW_INPUT_SIZE (8 + 4 + 8 + 8)

typedef struct ct_row_output {
    uint64_t value;
    uint8_t type; /* ct_btc_script_type */
    uint64_t addrid;
    const uint8_t *data; /* OP_RETURN payload (borrowed from the value) */
    size_t data_len;
} ct_row_output;
#define CT_ROW_OUTPUT_SIZE (8 + 1 + 8)

typedef struct ct_row_spend {
    uint64_t txnum;
    uint32_t vin;
} ct_row_spend;
#define CT_ROW_SPEND_SIZE 12

/* Address totals (w). received and sent can pass 2^64 satoshi (an address can receive the
 * same coins again and again, and coinbases are not checked against the subsidy): they are
 * 128-bit. The row is 7 x BE64 (the low halves) while both fit in 64 bits, and only then;
 * otherwise the high halves of received and sent follow as 2 x BE64 (docs/storage.md). */
typedef struct ct_row_totals {
    unsigned __int128 received;
    unsigned __int128 sent;
    uint64_t tx_count;
    uint64_t first_txnum;
    uint64_t last_txnum;
    uint64_t outputs;
    uint64_t unspent_outputs;
} ct_row_totals;
#define CT_ROW_TOTALS_SIZE (7 * 8)                  /* both totals below 2^64 */
#define CT_ROW_TOTALS_WIDE (CT_ROW_TOTALS_SIZE + 16) /* else: + their high halves */

typedef struct ct_counters {
    uint64_t blocks;
    uint64_t txs;
    uint64_t inputs;
    uint64_t outputs;
    uint64_t unspent_outputs;
    unsigned __int128 unspent_value; /* 128-bit, as the address totals; row: below */
    uint64_t unknown_prevouts;
    uint64_t addresses;
    uint64_t overwritten;
} ct_counters;
#define CT_COUNTERS_FIELDS 9
/* 9 x BE64 (unspent_value's low half) while unspent_value fits in 64 bits, and only then;
 * otherwise its high half follows as one more BE64. */
#define CT_COUNTERS_SIZE (CT_COUNTERS_FIELDS * 8)
#define CT_COUNTERS_WIDE (CT_COUNTERS_SIZE + 8)

/* Undo record (u row, docs/storage.md): after its header, the count of address deltas,
 * whose top bit marks the wide form (every record written since 128-bit totals: the
 * unspent value's high half BE64 follows the count, and a delta is 80 bytes instead of the
 * narrow form's 64). Read by the rollback (utxo/ingest.c) and the cluster rebuild. */
#define CT_UNDO_WIDE         0x80000000u
#define CT_UNDO_DELTA_NARROW (8 * 8)
#define CT_UNDO_DELTA_WIDE   (10 * 8)

typedef struct ct_row_next {
    uint64_t txnum;
    uint64_t addrid;
    uint32_t file_id;
} ct_row_next;
#define CT_ROW_NEXT_SIZE (8 + 8 + 4)

typedef struct ct_row_tip {
    uint32_t height;
    uint8_t hash[32];
} ct_row_tip;
#define CT_ROW_TIP_SIZE 36

/* Resume record of an input file (f + file id). */
typedef struct ct_row_file {
    uint64_t end;          /* offset just past the last record processed */
    uint64_t last_offset;  /* offset of that record (of its magic) */
    uint8_t last_hash[32]; /* its block hash */
} ct_row_file;
#define CT_ROW_FILE_SIZE (8 + 8 + 32)

/* Encoders write into buf (large enough: the _SIZE constants, plus data for outputs) and
 * return the length; decoders return CT_OK or CT_ECORRUPT (reason "bad-row"). */
size_t ct_row_header_encode(uint8_t *buf, const ct_row_header *r);
int ct_row_header_decode(ct_row_header *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_row_block_encode(uint8_t *buf, const ct_row_block *r);
int ct_row_block_decode(ct_row_block *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_row_tx_encode(uint8_t *buf, const ct_row_tx *r);
int ct_row_tx_decode(ct_row_tx *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_row_input_encode(uint8_t *buf, const ct_row_input *r); /* +32 when unknown */
int ct_row_input_decode(ct_row_input *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_row_output_encode(uint8_t *buf, const ct_row_output *r);
int ct_row_output_decode(ct_row_output *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_row_spend_encode(uint8_t *buf, const ct_row_spend *r);
int ct_row_spend_decode(ct_row_spend *r, const uint8_t *v, size_t n, ct_error *err);
/* d row: type u8, the stored identity (1..CT_BTC_ADDR_MAX-1 bytes, no 0x00), and for a
 * script identity ("script-<sha256 hex>", outputs without an address) 0x00 and the script
 * bytes, from which readers print "script:<hex>" (docs/addresses.md). */
typedef struct ct_row_addr {
    uint8_t type;
    const char *ident; /* not NUL-terminated: ident_len bytes */
    size_t ident_len;
    bool has_script;
    const uint8_t *script;
    size_t script_len;
} ct_row_addr;
#define CT_SCRIPT_ID_PREFIX "script-" /* stored identity: + 64 hex digits of the SHA-256 */
#define CT_SCRIPT_ID_LEN    (7 + 64)
#define CT_SCRIPT_SHOW      "script:" /* shown identity: + hex of the script */
int ct_row_addr_decode(ct_row_addr *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_row_totals_encode(uint8_t *buf, const ct_row_totals *r);
int ct_row_totals_decode(ct_row_totals *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_counters_encode(uint8_t *buf, const ct_counters *r);
int ct_counters_decode(ct_counters *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_row_next_encode(uint8_t *buf, const ct_row_next *r);
int ct_row_next_decode(ct_row_next *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_row_tip_encode(uint8_t *buf, const ct_row_tip *r);
int ct_row_tip_decode(ct_row_tip *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_row_file_encode(uint8_t *buf, const ct_row_file *r);
int ct_row_file_decode(ct_row_file *r, const uint8_t *v, size_t n, ct_error *err);

/* Appends one generic entry of an undo record (docs/storage.md, "Undo record") to log: key
 * length u8, key, present u8, value length BE32, value (the key's value before the block,
 * or nothing when !present). Returns CT_OK or CT_ENOMEM. */
int ct_undo_kv_append(ct_buf *log, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                      bool present);

/* ---- clusters (docs/clustering.md) ---- */
/* Meta "clpolicy": the clustering policy. Its presence turns clustering on. */
typedef struct ct_cl_policy {
    uint64_t threshold; /* a merge of two clusters both above it is flagged, not applied */
    uint32_t detectors; /* CoinJoin detector bits (CT_CJ_*); a tx judged one merges nothing */
} ct_cl_policy;
#define CT_CL_POLICY_VERSION 1
#define CT_CL_POLICY_SIZE    (1 + 8 + 4)
#define CT_CL_DETECTORS      6 /* detector bits 1 << 0 .. 1 << 5 */
/* Meta "clcounters". */
typedef struct ct_cl_counters {
    uint64_t clusters;                     /* clusters of >= 2 addresses */
    uint64_t addresses;                    /* addresses in them */
    uint64_t merges;                       /* merge log rows (both sides >= 2 addresses) */
    uint64_t flagged;                      /* flagged merges */
    uint64_t coinjoins;                    /* transactions judged CoinJoins (they merged nothing) */
    uint64_t by_detector[CT_CL_DETECTORS]; /* of those, by the first detector that fired */
} ct_cl_counters;
#define CT_CL_COUNTERS_FIELDS (5 + CT_CL_DETECTORS)
#define CT_CL_COUNTERS_SIZE   (CT_CL_COUNTERS_FIELDS * 8)
size_t ct_cl_policy_encode(uint8_t *buf, const ct_cl_policy *r);
int ct_cl_policy_decode(ct_cl_policy *r, const uint8_t *v, size_t n, ct_error *err);
size_t ct_cl_counters_encode(uint8_t *buf, const ct_cl_counters *r);
int ct_cl_counters_decode(ct_cl_counters *r, const uint8_t *v, size_t n, ct_error *err);

#endif
