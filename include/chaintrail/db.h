/* chaintrail graph database: open, ingest, roll back, query, verify.
 *
 * One database holds the transaction graph (docs/storage.md). One process at a time may open
 * it. Every ingested block is committed with its undo record and the resume marker in one
 * synchronous LevelDB batch, so an interrupted ingest resumes exactly where it stopped.
 */
#ifndef CHAINTRAIL_DB_H
#define CHAINTRAIL_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/bitcoin.h"
#include "chaintrail/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_db ct_db;

typedef struct ct_db_options {
    unsigned version;   /* CT_DB_OPTIONS_VERSION */
    bool create;        /* create the database when missing */
    size_t cache_bytes; /* LevelDB block cache; 0 = default (64 MiB) */
} ct_db_options;

#define CT_DB_OPTIONS_VERSION 1
#define CT_DB_OPTIONS_INIT                                                                         \
    {                                                                                              \
        CT_DB_OPTIONS_VERSION, false, 0                                                            \
    }

/* Opens the database at `path`. Returns CT_OK; CT_ENOTFOUND when missing (and !create);
 * CT_ELOCKED ("database is locked by another process"); CT_EVERSION (schema version or
 * not a chaintrail database, both versions named); CT_ECORRUPT; CT_EIO (permission,
 * read-only file system, not a directory). *out is freed with ct_db_close. */
CT_WARN_UNUSED int ct_db_open(ct_db **out, const char *path, const ct_db_options *opts,
                              ct_error *err);
void ct_db_close(ct_db *db);
/* Closes the database like ct_db_close and, when the ct_db_open of `db` created it and it
 * received nothing since (no row but meta rows and input-file registrations: a first
 * ingest that failed or read no block), removes it again, so that no half-made database is
 * left behind. *removed tells. Returns CT_OK, or the error of the check or the removal (the
 * database is closed anyway). */
CT_WARN_UNUSED int ct_db_close_discard(ct_db *db, bool *removed, ct_error *err);

/* A consistent read view of the database: readers that take one (ct_price_get, the tracer)
 * see the state of the moment it was made, whatever is written later. Returns NULL when
 * out of memory. Free it with ct_db_snapshot_free before closing the database. */
typedef struct ct_db_snapshot ct_db_snapshot;
ct_db_snapshot *ct_db_snapshot_new(ct_db *db);
void ct_db_snapshot_free(ct_db *db, ct_db_snapshot *snap);

/* ---- settling: no compaction left due after a large write ----
 * LevelDB compacts in a background thread of the process that has the database open, and
 * a close aborts a running compaction. After a big ingest a compaction is usually still
 * due; without settling, every later short process (a trace, a show) would start it again
 * and abort it at its close. ct_db_settle waits until LevelDB has none due (docs/storage.md,
 * "Compaction and settling"). */
typedef enum ct_settle_outcome {
    CT_SETTLE_DONE,    /* no compaction due; the memtable written to a table */
    CT_SETTLE_STOPPED, /* *stop became non-zero: nothing is lost, the work is left to later */
    CT_SETTLE_STALLED, /* a compaction was due, but nothing changed for stall_seconds */
} ct_settle_outcome;

typedef struct ct_db_settle_stats {
    ct_settle_outcome outcome;
    double seconds;       /* spent settling */
    unsigned compactions; /* LevelDB's own compactions seen finishing while waiting */
    int level;            /* the level with the highest compaction score at the end */
    double score;         /* that score (LevelDB compacts at >= 1) */
    bool compacting;      /* the whole key range is compacted into one level ... */
    unsigned pieces_done; /* ... piece by piece: this many done ... */
    unsigned pieces;      /* ... out of this many */
    double compact_seconds;
} ct_db_settle_stats;

/* Whether settling also compacts the whole database into one level of tables. */
typedef enum ct_settle_compact {
    CT_SETTLE_COMPACT_AUTO,   /* when this handle wrote at least half the database's bytes */
    CT_SETTLE_COMPACT_NEVER,
    CT_SETTLE_COMPACT_ALWAYS,
} ct_settle_compact;

typedef struct ct_db_settle_options {
    unsigned version; /* CT_DB_SETTLE_OPTIONS_VERSION */
    /* Called about every 50 ms while waiting (may be NULL): progress display. */
    void (*progress)(void *ctx, const ct_db_settle_stats *st);
    void *ctx;
    /* Stop waiting at once when *stop becomes non-zero (signal handlers; may be NULL). */
    volatile int *stop;
    double stall_seconds; /* give up after this long without progress (0: 60 s) */
    ct_settle_compact compact;
} ct_db_settle_options;

#define CT_DB_SETTLE_OPTIONS_VERSION 1
#define CT_DB_SETTLE_OPTIONS_INIT                                                                  \
    {                                                                                              \
        CT_DB_SETTLE_OPTIONS_VERSION, NULL, NULL, NULL, 0, CT_SETTLE_COMPACT_AUTO                  \
    }

/* Waits until LevelDB has no compaction due, letting its background thread finish the work
 * it scheduled, then writes the memtable to a table; with opts->compact (AUTO: after a
 * run that wrote most of the database, such as a first ingest) compacts the whole key
 * range into one level, in pieces of about 64 MiB, so that reads do not schedule
 * compactions either (opts may be NULL). A stop request is seen within 50 ms while
 * waiting, or at the end of the current piece. Returns CT_OK with *stats filled whatever
 * the outcome (done, stopped, stalled); CT_EIO when LevelDB reports a background error
 * (disk full) or its state cannot be read. */
CT_WARN_UNUSED int ct_db_settle(ct_db *db, ct_db_settle_stats *stats,
                                const ct_db_settle_options *opts, ct_error *err);

/* ---- ingest ---- */
typedef struct ct_ingest_stats {
    uint64_t blocks_read;         /* records decoded */
    uint64_t blocks_connected;    /* appended to the main chain (including after reorgs) */
    uint64_t blocks_known;        /* already in the database: skipped */
    uint64_t blocks_side;         /* kept on a side branch */
    uint64_t blocks_orphan;       /* waiting for their parent */
    uint64_t blocks_rejected;     /* did not decode, or invalid when connected */
    uint64_t blocks_disconnected; /* rolled back by reorgs */
    uint64_t reorgs;
    uint64_t txs;         /* transactions connected */
    uint64_t bip30_skipped; /* of these, not looked up as possible duplicate txids (BIP30): the
                             * chain's coinbase heights (BIP34) rule duplicates out
                             * (docs/ingest.md#duplicate-txids) */
    uint64_t bytes;       /* block bytes read */
    uint64_t bytes_total; /* bytes of the input files left to read at the start (0: unknown) */
    uint64_t junk;        /* junk ranges and bad record sizes skipped */
    uint64_t truncated;   /* files that ended inside a record */
    int64_t height;       /* main-chain tip after the last block, -1 when empty */
} ct_ingest_stats;

typedef struct ct_ingest_options {
    unsigned version;         /* CT_INGEST_OPTIONS_VERSION */
    const ct_btc_params *net; /* required; must match the database's network */
    ct_btc_xor_mode xor_mode;
    /* Called after each block (may be NULL): progress display. */
    void (*progress)(void *ctx, const ct_ingest_stats *st);
    /* Called for each non-fatal problem: rejected record, junk, truncation (may be NULL). */
    void (*report)(void *ctx, const ct_error *err);
    void *ctx;
    /* Stop cleanly before the next block when *stop becomes non-zero (signal handlers). */
    volatile int *stop;
    /* Starting mid-chain: with an empty database, the first block whose parent is unknown
     * becomes the root of the main chain at this height (-1: wait for the parent). Its
     * inputs then refer to outputs not in the database: "prevout unknown". */
    int64_t start_height;
    /* Group commit (docs/ingest.md): consecutive main-chain blocks are committed together
     * once the group holds group_txs transactions or group_bytes of rows, or after a second
     * (0: the defaults, 20,000 transactions and 32 MiB; group_txs 1: every block alone). */
    uint64_t group_txs;
    uint64_t group_bytes;
    /* Memory for the ingest's cache of recent rows (0: 256 MiB). */
    uint64_t row_cache_bytes;
    /* A new (empty) database clusters addresses as it ingests, with the default policy
     * (docs/clustering.md); true: it does not (`cluster rebuild` can start it later). A
     * database keeps what it has: clustering on while its policy row exists. */
    bool no_clusters;
} ct_ingest_options;

#define CT_INGEST_OPTIONS_VERSION 1
#define CT_INGEST_OPTIONS_INIT                                                                     \
    {                                                                                              \
        CT_INGEST_OPTIONS_VERSION, NULL, CT_BTC_XOR_AUTO, NULL, NULL, NULL, NULL, -1, 0, 0, 0,     \
            false                                                                                  \
    }

/* Ingests Bitcoin blocks from `paths` (as ct_btc_reader_open takes them). Files already
 * read are resumed at their marker; blocks already stored are skipped; blocks out of order
 * wait for their parent; the chain with the most work wins, with rollbacks through the undo
 * records when a branch overtakes the tip.
 * Returns CT_OK (non-fatal problems were passed to opts->report and counted in *stats);
 * CT_ENETWORK (database or files of another network); CT_EIO (disk full, unreadable path:
 * the last block is not applied, nothing committed is lost); CT_ECORRUPT (database). */
CT_WARN_UNUSED int ct_ingest_bitcoin(ct_db *db, ct_ingest_stats *stats, const char *const *paths,
                                     size_t npaths, const ct_ingest_options *opts, ct_error *err);

/* Rolls the main chain back until its tip is at `height` (blocks above are disconnected
 * through their undo records; they stay known as a side branch). Returns CT_OK, CT_EINVAL
 * (height above the tip), or a store error. */
CT_WARN_UNUSED int ct_db_rollback(ct_db *db, uint32_t height, ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
