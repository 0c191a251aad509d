/* chaintrail graph queries: read-only views of the transaction graph stored by the ingest
 * (docs/storage.md): chain statistics, address summaries and histories, transactions with
 * their spend links, blocks, and the invariant check with the content digest.
 *
 * Every call reads through one LevelDB snapshot of its own, so its answer is consistent even
 * while another thread of the same process ingests. The history and block-transaction
 * iterators keep their snapshot until they are freed. Nothing here writes to the database.
 *
 * Argument order, as everywhere in chaintrail: the handle, then outputs, then inputs, then
 * options, then the caller-owned ct_error (may be NULL).
 *
 * Hashes are in internal byte order; ct_hash_to_hex() prints them as explorers do.
 */
#ifndef CHAINTRAIL_GRAPH_H
#define CHAINTRAIL_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/bitcoin.h"
#include "chaintrail/db.h"
#include "chaintrail/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- statistics ---- */
typedef struct ct_graph_chain_stats {
    char network[32];  /* "mainnet", ...; "" before the first ingest */
    bool has_tip;      /* false: no block yet */
    uint32_t height;   /* height of the main-chain tip (when has_tip) */
    uint8_t tip[32];   /* its hash */
    uint32_t tip_time; /* its header time */
    uint64_t blocks;   /* main-chain blocks */
    uint64_t txs;      /* transactions */
    uint64_t inputs;   /* inputs (coinbase inputs excluded) */
    uint64_t outputs;  /* outputs */
    uint64_t unspent_outputs;
    unsigned __int128 unspent_value; /* satoshi; 128-bit: it can pass 2^64 (docs/storage.md) */
    uint64_t unknown_prevouts;
    uint64_t addresses;   /* address identities (addresses and script identities) */
    uint64_t overwritten; /* outputs overwritten by a duplicate txid (BIP30) */
} ct_graph_chain_stats;

/* Reads the counters row and the tip. Returns CT_OK (an empty database gives zeros and
 * has_tip false), CT_ECORRUPT or CT_EIO. */
CT_WARN_UNUSED int ct_graph_stats(ct_db *db, ct_graph_chain_stats *out, ct_error *err);

/* ---- addresses ---- */
typedef struct ct_graph_seen {
    uint32_t height;
    uint32_t time; /* header time of that block */
    uint8_t txid[32];
} ct_graph_seen;

typedef struct ct_graph_address {
    char *address;           /* the address, or "script:<hex of the script>" (owned) */
    uint64_t addrid;         /* dense id in chain order (internal, for display only) */
    ct_btc_script_type type; /* script type of the output that first paid it */
    /* 128-bit: an address can receive more than 2^64 satoshi in all (docs/storage.md) */
    unsigned __int128 received_sat; /* sum of the outputs paying it */
    unsigned __int128 sent_sat;     /* sum of those outputs spent (or overwritten, BIP30) */
    unsigned __int128 balance_sat;  /* received - sent: the sum of its unspent outputs */
    uint64_t tx_count;       /* transactions that pay or spend it */
    uint64_t outputs;        /* outputs paying it */
    uint64_t unspent_outputs;
    bool has_seen; /* false for an address known only as a linked key form */
    ct_graph_seen first, last;
    char linked[CT_BTC_ADDR_MAX]; /* the same key's other serialization (P2PK), or "" */
    /* Its cluster (docs/clustering.md): id and size; both 0 when the database does not
     * cluster. An address in no cluster is its own: id = addrid, size 1. */
    uint64_t cluster_id;
    uint64_t cluster_size;
} ct_graph_address;

/* Looks an address up by its exact string: an address, or the identity of an output without
 * one, "script:" + lowercase hex of its script (or its stored key "script-" + SHA-256 hex of
 * the script; docs/addresses.md). Returns CT_OK (release *out with ct_graph_address_release);
 * CT_ENOTFOUND when the database never saw it; CT_ECORRUPT; CT_EIO; CT_ENOMEM. */
CT_WARN_UNUSED int ct_graph_address_get(ct_db *db, ct_graph_address *out, const char *address,
                                        ct_error *err);
void ct_graph_address_release(ct_graph_address *a);

/* The stored key of an identity (docs/storage.md): "script:<hex>" becomes "script-" + the
 * SHA-256 hex of the script; an address is copied. Returns CT_OK, or CT_EINVAL when the hex
 * is not lowercase, of even length, or the address does not fit. */
CT_WARN_UNUSED int ct_graph_identity_key(char key[CT_BTC_ADDR_MAX], const char *identity);

/* One entry of an address history: an output paying it or an input spending from it. */
typedef enum ct_graph_direction {
    CT_GRAPH_RECEIVED = 0, /* index is the output number (vout) */
    CT_GRAPH_SENT = 1,     /* index is the input number (vin) */
} ct_graph_direction;

#define CT_GRAPH_CURSOR_MAX 80 /* "<txid>:out:<n>" plus NUL */

typedef struct ct_graph_entry {
    uint8_t txid[32];
    uint32_t height;
    uint32_t time; /* header time of the block */
    ct_graph_direction direction;
    uint32_t index;
    uint64_t value; /* satoshi */
    /* Position of this entry: pass it as `after` to continue after it. */
    char cursor[CT_GRAPH_CURSOR_MAX];
} ct_graph_entry;

typedef struct ct_graph_history ct_graph_history;

/* Opens the history of an address, in chain order (by transaction, then received before
 * sent, then by index): one range scan. `after` (may be NULL) resumes after a position:
 * "TXID:out:N" or "TXID:in:N" (an entry's cursor), or a bare TXID (after every entry of that
 * transaction). Returns CT_OK with *out owned by the caller (ct_graph_history_free);
 * CT_ENOTFOUND for an unknown address, or a cursor whose transaction is not in the database;
 * CT_EINVAL for a malformed cursor; CT_ECORRUPT; CT_EIO; CT_ENOMEM. */
CT_WARN_UNUSED int ct_graph_history_new(ct_graph_history **out, ct_db *db, const char *address,
                                        const char *after, ct_error *err);
/* The history of an address from its first entry in transaction number from_txnum or later
 * (the transactions' order in the chain, as ct_trace_resume's; 0: from the start). Returns
 * as ct_graph_history_new. */
CT_WARN_UNUSED int ct_graph_history_from(ct_graph_history **out, ct_db *db, const char *address,
                                         uint64_t from_txnum, ct_error *err);
/* Fills *e with the next entry. Returns CT_OK, CT_EEOF at the end, CT_ECORRUPT, CT_EIO. */
CT_WARN_UNUSED int ct_graph_history_next(ct_graph_history *h, ct_graph_entry *e, ct_error *err);
void ct_graph_history_free(ct_graph_history *h);

/* ---- transactions ---- */
typedef struct ct_graph_input {
    bool coinbase; /* the input of a coinbase: nothing else is set */
    bool known;    /* the previous output is in the database */
    uint8_t prev_txid[32];
    uint32_t prev_vout;
    uint64_t value;      /* satoshi; 0 when !known */
    const char *address; /* of the previous output (as ct_graph_output); "" when none or !known */
} ct_graph_input;

typedef struct ct_graph_output {
    uint64_t value;
    ct_btc_script_type type;
    const char *address; /* address or "script:<hex>" identity; "" for OP_RETURN (owned by tx) */
    const uint8_t *data; /* OP_RETURN: the bytes after the opcode (owned by the tx) */
    size_t data_len;
    bool spent;                /* a spend link exists */
    bool overwritten;          /* the link says: overwritten by a duplicate txid (BIP30) */
    uint8_t spent_by_txid[32]; /* when spent and !overwritten */
    uint32_t spent_by_vin;
} ct_graph_output;

typedef struct ct_graph_tx {
    uint8_t txid[32];
    uint32_t height;
    uint8_t block_hash[32];
    uint32_t block_time;
    uint32_t index; /* position in the block */
    bool coinbase;
    bool fee_known; /* false for a coinbase or when a previous output is unknown */
    uint64_t fee;
    uint32_t size, weight;
    uint32_t n_in, n_out;
    ct_graph_input *in; /* n_in entries, owned by the struct */
    ct_graph_output *out;
    void *priv_; /* OP_RETURN data and identity storage */
} ct_graph_tx;

/* Reads a transaction with its inputs' previous outputs and its outputs' spend links.
 * Returns CT_OK (release *out with ct_graph_tx_release); CT_ENOTFOUND; CT_ECORRUPT; CT_EIO;
 * CT_ENOMEM. On error *out holds nothing to release. */
CT_WARN_UNUSED int ct_graph_tx_get(ct_db *db, ct_graph_tx *out, const uint8_t txid[32],
                                   ct_error *err);
void ct_graph_tx_release(ct_graph_tx *tx);

/* ---- the change heuristics' verdicts on a transaction (docs/clustering.md) ---- */
#define CT_GRAPH_CHANGE_N 6

typedef struct ct_graph_change_verdict {
    const char *heuristic; /* "address_reuse", "address_type", "optimal_change",
                              "power_of_ten", "locktime", "peeling_chain" (static) */
    bool judged;           /* false: the database lacks what the rule needs (locktimes are
                              not stored, so "locktime" is never judged); nothing else set */
    long output;           /* the output judged change, or -1 */
    uint32_t candidates;   /* spendable outputs the rule could not rule out */
    unsigned confidence;   /* per mille; 0 when output is -1 */
} ct_graph_change_verdict;

typedef struct ct_graph_tx_change_verdicts {
    bool judged; /* false for a coinbase or a transaction with an unknown previous output:
                    no heuristic was asked */
    ct_graph_change_verdict change[CT_GRAPH_CHANGE_N];
} ct_graph_tx_change_verdicts;

/* Judges which output of `tx` (as ct_graph_tx_get gave it) is change, by each change
 * heuristic, reading the transactions that created its inputs and spent its outputs. The
 * verdicts never merge clusters. Returns CT_OK; CT_ENOTFOUND, CT_ECORRUPT, CT_EIO,
 * CT_ENOMEM from those reads. */
CT_WARN_UNUSED int ct_graph_tx_change(ct_db *db, const ct_graph_tx *tx,
                                      ct_graph_tx_change_verdicts *out, ct_error *err);

/* ---- blocks ---- */
typedef enum ct_graph_block_status {
    CT_GRAPH_BLOCK_MAIN = 1,        /* on the main chain */
    CT_GRAPH_BLOCK_SIDE = 2,        /* valid header with a known parent, not on the main chain */
    CT_GRAPH_BLOCK_ORPHAN = 3,      /* parent not seen yet */
    CT_GRAPH_BLOCK_INVALID = 4,     /* rejected when connecting */
    CT_GRAPH_BLOCK_SIDE_NODATA = 5, /* disconnected by a reorg; data in its source file */
} ct_graph_block_status;

/* "main", "side", "orphan", "invalid", "side" (for SIDE_NODATA too), or "unknown". */
const char *ct_graph_block_status_name(int status);

typedef struct ct_graph_block {
    uint8_t hash[32];
    bool has_height; /* false for an orphan (its height is not known) */
    uint32_t height;
    int status; /* ct_graph_block_status */
    int32_t version;
    uint8_t prev_hash[32];
    uint8_t merkle_root[32];
    uint32_t time, bits, nonce;
    bool has_txs; /* main-chain blocks only: tx_count and the txids are stored */
    uint32_t tx_count;
    uint64_t first_txnum_; /* internal: where its transactions start */
} ct_graph_block;

/* Main-chain block at `height`. Returns CT_OK, CT_ENOTFOUND, CT_ECORRUPT, CT_EIO. */
CT_WARN_UNUSED int ct_graph_block_by_height(ct_db *db, ct_graph_block *out, uint32_t height,
                                            ct_error *err);
/* Any block of the header tree (main, side, orphan, invalid) by hash. Same returns. */
CT_WARN_UNUSED int ct_graph_block_by_hash(ct_db *db, ct_graph_block *out, const uint8_t hash[32],
                                          ct_error *err);

/* Copies up to `max` txids of a main-chain block, starting at position `start`, into
 * txids[0..*n). Returns CT_OK (*n < max only at the block's end); CT_ENOTFOUND when the block
 * is no longer on the main chain; CT_EINVAL when !b->has_txs; CT_ECORRUPT; CT_EIO. */
CT_WARN_UNUSED int ct_graph_block_txids(ct_db *db, uint8_t (*txids)[32], size_t *n,
                                        const ct_graph_block *b, uint32_t start, size_t max,
                                        ct_error *err);

/* ---- verify ---- */
enum ct_graph_check {
    CT_CHECK_ROWS,      /* every row of the graph tables decodes */
    CT_CHECK_BLOCKS,    /* n rows: heights 0..tip without gaps; tip = highest n row */
    CT_CHECK_TXS,       /* x rows: dense txnums, agree with their n row; t <-> x */
    CT_CHECK_INPUTS,    /* i rows with a known prev: s row points back, o row agrees */
    CT_CHECK_SPENDS,    /* s rows: their o row exists; the spending i row agrees */
    CT_CHECK_TX_SHAPE,  /* i and o rows of each tx match its input and output counts */
    CT_CHECK_ADDRESSES, /* a <-> d; l rows pair up both ways */
    CT_CHECK_HISTORY,   /* y rows agree with their o / i rows; none missing */
    CT_CHECK_TOTALS,    /* w rows equal what y, o and s rows say */
    CT_CHECK_COUNTERS,  /* the counters row and next ids equal the row counts */
    CT_CHECK_CLUSTERS,  /* e j k rows: trees, sizes, ids, logs agree with "clcounters" */
    CT_CHECK_COUNT
};

typedef struct ct_graph_check_result {
    const char *name; /* "rows", "blocks", ... (static) */
    const char *what; /* one line describing the invariant (static) */
    uint64_t checked; /* rows or items examined */
    uint64_t failed;  /* violations found */
} ct_graph_check_result;

#define CT_GRAPH_VIOLATIONS_MAX 16

typedef struct ct_graph_violation {
    int check;        /* enum ct_graph_check */
    char key[200];    /* hex of the key of the row at fault ("" when none applies) */
    char detail[200]; /* what is wrong */
} ct_graph_violation;

typedef struct ct_graph_verify_report {
    ct_graph_check_result checks[CT_CHECK_COUNT];
    uint64_t violations; /* total, over every check */
    size_t n_listed;     /* the first CT_GRAPH_VIOLATIONS_MAX are listed */
    ct_graph_violation listed[CT_GRAPH_VIOLATIONS_MAX];
    uint64_t digest_rows; /* rows fed to the digest */
    uint8_t digest[32];   /* SHA-256 content digest (docs/storage.md) */
    /* ct_graph_verify_recent only (no digest then): */
    bool quick;
    uint32_t first_height, last_height; /* the blocks checked */
    uint32_t blocks_checked;            /* 0 when the database holds no block */
    uint64_t rows_checked;              /* rows read: the `rows` check's count */
} ct_graph_verify_report;

/* Walks the graph tables of one snapshot in key order (memory stays bounded whatever the
 * size of the chain), checks the invariants above and computes the content digest.
 * Returns CT_OK when every invariant holds; CT_ECORRUPT ("invariant-violated") when some do:
 * *rep is filled in both cases. CT_EIO or CT_ENOMEM when the walk could not finish (*rep is
 * then incomplete). */
CT_WARN_UNUSED int ct_graph_verify(ct_db *db, ct_graph_verify_report *rep, ct_error *err);

/* The startup self-check (bad-inputs.md S12, `verify --quick`): the same invariants over the
 * last `blocks` main-chain blocks only (their block, transaction, input and output rows, the
 * spend links and history rows they need, the totals rows of their addresses), and the
 * counters and next ids against what the last block says. Its cost grows with those blocks'
 * transactions, not with the chain; no digest is computed. Returns as ct_graph_verify
 * (CT_EINVAL when blocks is 0); rep->first_height..last_height are the blocks checked. */
CT_WARN_UNUSED int ct_graph_verify_recent(ct_db *db, uint32_t blocks, ct_graph_verify_report *rep,
                                          ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
