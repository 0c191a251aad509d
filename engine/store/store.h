/* The store: chaintrail's only door to LevelDB (engine/store/store.c is the only file that
 * includes leveldb/c.h). It opens a database with checksums and paranoid checks on, takes
 * the one-process lock, checks the schema version, and offers point reads, ordered
 * iterators, snapshots and atomic write batches. Key and value layouts are defined by the
 * modules that use the store (engine/db/schema.h) and documented in docs/storage.md. */
#ifndef CT_STORE_H
#define CT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"
#include "base/util.h"

/* Version of the on-disk layout; a database of another version is refused (CT_EVERSION). */
#define CT_SCHEMA_VERSION 3u /* 3: labels, prices, cases above the graph's keys */
/* The oldest version ct_store_open accepts: ct_db_open migrates it (2: d rows of script
 * identities hold the script; labels, prices and cases under letters among the graph's). */
#define CT_SCHEMA_VERSION_OLDEST 2u

typedef struct ct_store ct_store;
typedef struct ct_store_batch ct_store_batch;
typedef struct ct_store_iter ct_store_iter;
typedef struct ct_store_snapshot ct_store_snapshot;

typedef struct ct_store_options {
    size_t cache_bytes;  /* LevelDB block cache (default 64 MiB) */
    size_t write_buffer; /* LevelDB memtable (default 64 MiB: 2.2x faster loads than 4 MiB) */
    bool create;         /* create the database when missing */
} ct_store_options;

#define CT_STORE_OPTIONS_INIT                                                                      \
    {                                                                                              \
        64u << 20, 64u << 20, false                                                                \
    }

/* Opens the database at `path`.
 * Returns CT_OK; CT_ENOTFOUND ("no database at 'path'") when missing and !create;
 * CT_ELOCKED when another process holds it; CT_EVERSION when its schema version differs
 * (both versions named); CT_ECORRUPT when LevelDB finds corruption; CT_EIO for permission,
 * read-only or missing-directory problems. *out is owned by the caller (ct_store_close). */
CT_WARN_UNUSED int ct_store_open(ct_store **out, const char *path, const ct_store_options *opts,
                                 ct_error *err);
void ct_store_close(ct_store *s);
/* The schema version of the open database (CT_SCHEMA_VERSION_OLDEST..CT_SCHEMA_VERSION). */
uint32_t ct_store_schema_version(const ct_store *s);
/* Adds the current schema version row to b and writes b (synchronous): the last batch of
 * a migration. */
CT_WARN_UNUSED int ct_store_write_stamp(ct_store *s, ct_store_batch *b, ct_error *err);
/* Closes the store and, when this open created the database and it holds no row but rows
 * whose first byte is in `minor` (the caller's tables that do not count as content; 'm',
 * the stamps' table, must be one), removes it again: LevelDB's files, and the directory
 * when the open made it. *removed tells. Returns CT_OK or the error of the check or the
 * removal (the store is closed in every case). */
CT_WARN_UNUSED int ct_store_close_discard(ct_store *s, const char *minor, bool *removed,
                                          ct_error *err);
const char *ct_store_path(const ct_store *s);

/* Reads the value of `key` into `val` (replacing its content).
 * Returns CT_OK, CT_ENOTFOUND, CT_ECORRUPT or CT_EIO. snap may be NULL (latest state). */
CT_WARN_UNUSED int ct_store_get(ct_store *s, const ct_store_snapshot *snap, const uint8_t *key,
                                size_t klen, ct_buf *val, ct_error *err);

/* Write batches: applied all or nothing by ct_store_write. */
ct_store_batch *ct_store_batch_new(void);
void ct_store_batch_free(ct_store_batch *b);
void ct_store_batch_clear(ct_store_batch *b);
void ct_store_batch_put(ct_store_batch *b, const uint8_t *key, size_t klen, const uint8_t *val,
                        size_t vlen);
void ct_store_batch_del(ct_store_batch *b, const uint8_t *key, size_t klen);
size_t ct_store_batch_bytes(const ct_store_batch *b); /* approximate size of the batch */
/* Appends the operations of src to dst (src is unchanged). */
void ct_store_batch_append(ct_store_batch *dst, const ct_store_batch *src);

/* Applies a batch atomically; with sync, waits until it is on disk (fsync).
 * Returns CT_OK, CT_EIO (disk full, I/O error: LevelDB then refuses further writes) or
 * CT_ECORRUPT. The test hook CHAINTRAIL_TEST_KILL=before:N|after:N (read at open) makes the
 * process SIGKILL itself just before or after its N-th write, to test crash recovery. */
CT_WARN_UNUSED int ct_store_write(ct_store *s, ct_store_batch *b, bool sync, ct_error *err);

/* Snapshots: a consistent view for long reads (a trace, a verify). */
ct_store_snapshot *ct_store_snapshot_new(ct_store *s);
void ct_store_snapshot_free(ct_store *s, ct_store_snapshot *snap);

/* Ordered iteration. Key/value pointers are valid until the iterator moves or is freed. */
ct_store_iter *ct_store_iter_new(ct_store *s, const ct_store_snapshot *snap);
/* The same, but the blocks it reads enter the block cache: for point-like scans that come
 * back to the same places (the tracer), not for whole-table walks, which would evict it. */
ct_store_iter *ct_store_iter_new_cached(ct_store *s, const ct_store_snapshot *snap);
void ct_store_iter_free(ct_store_iter *it);
void ct_store_iter_seek(ct_store_iter *it, const uint8_t *key, size_t klen);
bool ct_store_iter_valid(const ct_store_iter *it);
void ct_store_iter_next(ct_store_iter *it);
const uint8_t *ct_store_iter_key(const ct_store_iter *it, size_t *klen);
const uint8_t *ct_store_iter_value(const ct_store_iter *it, size_t *vlen);
/* After iteration ends: CT_OK, or the error that ended it (CT_ECORRUPT, CT_EIO). */
CT_WARN_UNUSED int ct_store_iter_status(const ct_store_iter *it, ct_error *err);

/* ---- compaction state and settling ---- */

/* LevelDB's number of levels (config::kNumLevels). */
#define CT_STORE_LEVELS 7

/* The table files LevelDB's current version holds per level, and the compaction score
 * LevelDB 1.23 computes from them (VersionSet::Finalize): level 0, its number of files / 4
 * (kL0_CompactionTrigger); levels 1 to 5, their bytes / MaxBytesForLevel (10 MiB at level
 * 1, x10 per level); level 6 is never scored (0). LevelDB's background thread runs a
 * compaction whenever a score is >= 1. (Seek-triggered compactions, which reads cause, are
 * not visible here.) */
typedef struct ct_store_levels {
    unsigned files[CT_STORE_LEVELS];
    uint64_t bytes[CT_STORE_LEVELS]; /* exact, from LevelDB's table list */
    double score[CT_STORE_LEVELS];
    int level; /* the level with the highest score */
    double score_max;
    uint64_t ident; /* a digest of the table file numbers: changes when the set changes */
} ct_store_levels;

/* Reads the current per-level state from LevelDB's "leveldb.sstables" property.
 * Returns CT_OK, CT_ENOMEM, or CT_EIO when the property is missing or not in the expected
 * format (the detail quotes the line). */
CT_WARN_UNUSED int ct_store_levels_get(ct_store *s, ct_store_levels *out, ct_error *err);

/* Parses the text of "leveldb.sstables" (LevelDB's Version::DebugString: "--- level N ---"
 * for N = 0 to 6, each followed by one line " NUMBER:SIZE[SMALLEST .. LARGEST]" per table)
 * into *out. Returns CT_OK, or CT_EIO naming the unexpected line. (Exposed for tests.) */
CT_WARN_UNUSED int ct_store_levels_parse(const char *text, ct_store_levels *out, ct_error *err);

/* Reads a LevelDB property ("leveldb.stats", "leveldb.num-files-at-level0", ...) into val
 * (replacing its content, NUL-terminated, the NUL not counted). Returns CT_OK, CT_ENOTFOUND
 * (LevelDB does not know the name) or CT_ENOMEM. */
CT_WARN_UNUSED int ct_store_property(ct_store *s, const char *name, ct_buf *val, ct_error *err);

typedef enum ct_store_settle_outcome {
    CT_STORE_SETTLED,        /* no compaction due, the memtable written to a table */
    CT_STORE_SETTLE_STOPPED, /* the progress callback asked to stop */
    CT_STORE_SETTLE_STALLED, /* a compaction was due but nothing changed for stall_seconds */
} ct_store_settle_outcome;

/* Whether settling also compacts the whole key range into the deepest level. */
typedef enum ct_store_compact {
    CT_STORE_COMPACT_AUTO,   /* when this handle wrote at least half the table bytes */
    CT_STORE_COMPACT_NEVER,  /* only wait for the compactions LevelDB has due */
    CT_STORE_COMPACT_ALWAYS, /* whatever was written */
} ct_store_compact;

typedef struct ct_store_settle_info {
    ct_store_settle_outcome outcome;
    double seconds;         /* spent in ct_store_settle so far */
    unsigned compactions;   /* changes of the table set seen while waiting */
    bool flushed;           /* the memtable has been written to a table */
    bool compacting;        /* the whole range is being compacted (decided after the flush) */
    unsigned pieces_done;   /* of that compaction: key ranges compacted so far ... */
    unsigned pieces;        /* ... out of this many */
    double compact_seconds; /* time spent in them */
    uint64_t bytes_written; /* bytes of the batches this handle wrote since it was opened */
    ct_store_levels levels; /* the state last read */
} ct_store_settle_info;

/* Called about every 50 ms while waiting, and between compacted pieces; returns non-zero
 * to stop at once. */
typedef int (*ct_store_settle_progress)(void *ctx, const ct_store_settle_info *info);

/* Leaves the database so that later opens find no compaction to do.
 * 1. Waits until LevelDB has no compaction due (every score of ct_store_levels < 1):
 *    LevelDB's own background thread does the work; this only polls (short sleeps).
 * 2. Writes the memtable to a table (leveldb_compact_range on a range past the last key;
 *    the next open would otherwise replay the log and write that table itself).
 * 3. With `compact` (AUTO: when the batches written through this handle add up to at least
 *    half the bytes of the tables, as after a first big ingest), compacts the whole key
 *    range into the deepest level, piece by piece (key ranges of about 64 MiB found with
 *    leveldb_approximate_sizes), asking cb between pieces. Several levels of tables over
 *    the same keys make reads consult several tables, and LevelDB then schedules "seek"
 *    compactions from the reads themselves, which every short process would start and
 *    abort again; one level avoids both.
 * 4. Waits again if any of this made a compaction due.
 * Progress while waiting is any change of the table set or of the bytes of the *.ldb files
 * in the directory (a running compaction writes its output as it goes); after
 * stall_seconds (0: 60 s) without any, it returns with outcome CT_STORE_SETTLE_STALLED.
 * A stop is seen within 50 ms while waiting; the memtable write and a piece of the
 * compaction cannot be interrupted (a few seconds at most). cb may be NULL.
 * Returns CT_OK with *info filled (whatever the outcome); CT_EIO when LevelDB reports a
 * background error (disk full: it then refuses further writes) or its state cannot be
 * read; CT_ENOMEM. */
CT_WARN_UNUSED int ct_store_settle(ct_store *s, double stall_seconds, ct_store_compact compact,
                                   ct_store_settle_progress cb, void *ctx,
                                   ct_store_settle_info *info, ct_error *err);

#endif
