/* chaintrail labels: who an address belongs to, according to whom.
 *
 * Label sets (CSV, JSON, GraphSense TagPacks, the OFAC SDN address lists) are imported into
 * the graph database (docs/labels.md). An address may carry many labels; each keeps its
 * source, its text, a category from one documented set, a confidence from 0 to 100, the
 * asset it was given for, and a reference (the evidence URL of a TagPack tag). Importing the
 * same file again changes nothing.
 *
 * The tracer asks, for an address string, its labels (ct_labels_get, or a reader that keeps
 * one snapshot and one iterator for many lookups) and the category used for attribution
 * (ct_labels_attribution). The report manifest records ct_labels_digest.
 *
 * Argument order, as everywhere in chaintrail: the handle, then outputs, then inputs, then
 * options, then the caller-owned ct_error (may be NULL).
 */
#ifndef CHAINTRAIL_LABELS_H
#define CHAINTRAIL_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/db.h"
#include "chaintrail/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- categories ----
 * The numbers are stored in the database: they never change meaning. */
typedef enum ct_label_category {
    CT_LABEL_OTHER = 0,
    CT_LABEL_EXCHANGE = 1,
    CT_LABEL_MIXER = 2,
    CT_LABEL_BRIDGE = 3,
    CT_LABEL_GAMBLING = 4,
    CT_LABEL_SANCTIONED = 5,
    CT_LABEL_DARKNET = 6,
    CT_LABEL_RANSOMWARE = 7,
    CT_LABEL_SCAM = 8,
    CT_LABEL_HACK = 9,
    CT_LABEL_BLOCKED = 10, /* tokens frozen by their issuer (USDT/USDC blacklists) */
    CT_LABEL_DEFI = 11,
    CT_LABEL_MINER = 12,
    CT_LABEL_SERVICE = 13,
} ct_label_category;
#define CT_LABEL_CATEGORIES 14

/* Returns the category's name ("exchange", ...), or NULL for a value out of range. */
const char *ct_label_category_name(ct_label_category c);
/* Parses a category name exactly as ct_label_category_name writes it.
 * Returns CT_OK or CT_EINVAL. */
CT_WARN_UNUSED int ct_label_category_from_name(ct_label_category *out, const char *name);
/* Maps a category word of any source ("Exchange", "exchange_wallet", "mixing_service",
 * "coinjoin", "phish-hack", "ofac-sanctions-lists", ...) to a category by the keyword table
 * of docs/labels.md; CT_LABEL_OTHER when no keyword matches. Label texts (names) are not
 * category words: "Ronin Bridge Exploiter" would wrongly say bridge. */
ct_label_category ct_label_category_normalize(const char *word);
/* Attribution precedence: of several categories, the one with the highest rank is used
 * (sanctioned > mixer > bridge > exchange > gambling > darknet > ransomware > scam > hack >
 * blocked > defi > miner > service > other; docs/labels.md). */
unsigned ct_label_category_rank(ct_label_category c);
/* True for the categories that stop a trace by default (docs/taint-models.md): exchange,
 * mixer, bridge, gambling, sanctioned. */
bool ct_label_category_stops(ct_label_category c);

/* ---- limits of one label (bytes) ---- */
#define CT_LABEL_ADDRESS_MAX   128
#define CT_LABEL_SOURCE_MAX    200
#define CT_LABEL_TEXT_MAX      1000
#define CT_LABEL_ASSET_MAX     16
#define CT_LABEL_REFERENCE_MAX 1000

/* One label of an address. The strings are borrowed from the list that holds it. */
typedef struct ct_label {
    const char *source;    /* the label set it came from */
    const char *label;     /* its text, verbatim (escaping is the exporters' job) */
    const char *asset;     /* "BTC", "ETH", "TRX", ... */
    const char *reference; /* evidence URL, or "" */
    ct_label_category category;
    uint8_t confidence; /* 0..100 */
} ct_label;

/* The labels of one address, in a deterministic order: by source, then by label text
 * (bytewise). Initialize once, reuse for many lookups, release once. */
typedef struct ct_label_list {
    char address[CT_LABEL_ADDRESS_MAX + 1]; /* the normalized address looked up */
    ct_label *items;
    size_t count;
    /* private */
    size_t cap;
    char *text;
    size_t text_len, text_cap;
} ct_label_list;

void ct_label_list_init(ct_label_list *l);
void ct_label_list_release(ct_label_list *l);

/* The category used for attribution among the labels of one address whose confidence is
 * at least min_confidence: the highest ranked; among labels of that category, the most
 * confident, then the first in list order. Sets *index to that label (SIZE_MAX when none;
 * index may be NULL). Returns CT_LABEL_OTHER when no label qualifies. */
ct_label_category ct_labels_attribution(const ct_label_list *l, unsigned min_confidence,
                                        size_t *index);

/* ---- lookups ----
 * The address is normalized as on import: "0x" + 40 hex digits is lowercased; a valid
 * Bitcoin address is written in its canonical form (lowercase bech32); anything else is
 * looked up as given. */

/* The form an address is stored and looked up in: a valid Bitcoin address of any network
 * in its canonical form (lowercase bech32; Base58 as it is), "0x" + 40 hex digits
 * lowercased. Returns CT_OK; CT_EINVAL (reason "bad-address", "bad-checksum",
 * "bad-evm-address" or "unknown-address-format") when it is neither. */
CT_WARN_UNUSED int ct_labels_address_normalize(char out[CT_LABEL_ADDRESS_MAX + 1],
                                               const char *address, ct_error *err);

/* Reads every label of `address` into *out (replacing its content; count 0 when none).
 * Returns CT_OK, CT_ENOMEM, CT_EIO, or CT_EDBCORRUPT (a malformed label row). */
CT_WARN_UNUSED int ct_labels_get(ct_db *db, ct_label_list *out, const char *address, ct_error *err);

/* A reader for many lookups through one snapshot and one iterator (the tracer's way). */
typedef struct ct_labels_reader ct_labels_reader;
CT_WARN_UNUSED int ct_labels_reader_new(ct_labels_reader **out, ct_db *db, ct_error *err);
void ct_labels_reader_free(ct_labels_reader *r);
CT_WARN_UNUSED int ct_labels_reader_get(ct_labels_reader *r, ct_label_list *out,
                                        const char *address, ct_error *err);

/* ---- import ---- */
typedef enum ct_labels_format {
    CT_LABELS_AUTO = 0, /* from the file name and content */
    CT_LABELS_CSV,
    CT_LABELS_JSON,
    CT_LABELS_TAGPACK,
    CT_LABELS_OFAC, /* one address per line */
} ct_labels_format;

/* "auto", "csv", "json", "tagpack", "ofac". */
const char *ct_labels_format_name(ct_labels_format f);
CT_WARN_UNUSED int ct_labels_format_from_name(ct_labels_format *out, const char *name);

#define CT_LABELS_REASONS    12 /* distinct reject reasons counted; more go to "other" */
#define CT_LABELS_REASON_MAX 48

typedef struct ct_labels_import_stats {
    ct_labels_format format;              /* the format read */
    char source[CT_LABEL_SOURCE_MAX + 1]; /* the file's default source */
    uint64_t rows;                        /* labels read from the file */
    uint64_t added;                       /* new labels */
    uint64_t present;                     /* already there, identical (or repeated) */
    uint64_t updated;                     /* same address, source and text; new values */
    uint64_t rejected;                    /* rows refused, each reported */
    uint64_t skipped;      /* rows for another chain (a TRON address in a Bitcoin list): each
                            * reported (err->code CT_ENETWORK, reason "other-chain"), not stored,
                            * not an error */
    uint64_t removed;      /* replace: labels of the file's sources the file no longer holds */
    bool replace_held;     /* replace asked, but the file gave no label: nothing was removed */
    bool source_from_name; /* the file's name is not 1-200 bytes of UTF-8: the default
                            * source (`source`) was derived from it (invalid bytes as '?',
                            * cut at 200 bytes) */
    struct {
        char reason[CT_LABELS_REASON_MAX];
        uint64_t count;
    } reasons[CT_LABELS_REASONS];
    size_t n_reasons;
} ct_labels_import_stats;

typedef struct ct_labels_import_options {
    unsigned version;        /* CT_LABELS_IMPORT_OPTIONS_VERSION */
    ct_labels_format format; /* CT_LABELS_AUTO: by file name, then content */
    const char *source;      /* NULL: per row, else per format (docs/labels.md); else forced */
    const char *asset;       /* NULL: per row or file name; else forced */
    int category;            /* -1: per row; else a ct_label_category forced on every row */
    /* Called for each rejected row (may be NULL): line 0 when unknown; for JSON,
     * err->offset is the byte offset of the element. */
    void (*report)(void *ctx, const char *path, uint64_t line, const ct_error *err);
    void *ctx;
    /* The file is the whole of its sources' labels (a nightly OFAC list): after it is
     * imported, every stored label of a source the file's rows carry (and of the file's
     * default source) that the file does not hold is removed (stats->removed). A file that
     * gives no label at all removes nothing (stats->replace_held): an empty download must
     * not wipe a source; ct_labels_remove_source does that on purpose. */
    bool replace;
} ct_labels_import_options;

#define CT_LABELS_IMPORT_OPTIONS_VERSION 1
#define CT_LABELS_IMPORT_OPTIONS_INIT                                                              \
    {                                                                                              \
        CT_LABELS_IMPORT_OPTIONS_VERSION, CT_LABELS_AUTO, NULL, NULL, -1, NULL, NULL, false        \
    }

/* Imports the labels of one file, in batches (each with the counters, synchronous).
 * Returns CT_OK (rows may have been rejected: stats->rejected, each passed to
 * opts->report); CT_ECORRUPT when the file as a whole cannot be read as its format (JSON
 * or YAML syntax, an unknown CSV header: nothing of it is imported; err names the line);
 * CT_EINVAL (bad options, format not recognised); CT_EIO (unreadable file, disk full);
 * CT_ENOMEM; CT_EDBCORRUPT. */
CT_WARN_UNUSED int ct_labels_import(ct_db *db, ct_labels_import_stats *stats, const char *path,
                                    const ct_labels_import_options *opts, ct_error *err);

/* Removes every label of `source` (exact bytes), with the counters, in synchronous
 * batches. Sets *removed to the number removed (0 when the source has none). Returns CT_OK,
 * CT_EINVAL (not a source name: 1 to 200 bytes of UTF-8), CT_ENOMEM, CT_EIO, CT_EDBCORRUPT. */
CT_WARN_UNUSED int ct_labels_remove_source(ct_db *db, const char *source, uint64_t *removed,
                                           ct_error *err);

/* ---- what the database holds ---- */
typedef struct ct_labels_source_count {
    char *name;
    uint64_t labels;
} ct_labels_source_count;

typedef struct ct_labels_counts {
    uint64_t labels;    /* label rows */
    uint64_t addresses; /* addresses with at least one label */
    uint64_t sources;   /* distinct sources */
    uint64_t by_category[CT_LABEL_CATEGORIES];
    ct_labels_source_count *per_source; /* `sources` entries in bytewise order of name */
    size_t n_sources;
} ct_labels_counts;

/* Reads the counters kept by the imports and the per-source counts. *out is released with
 * ct_labels_counts_release. Returns CT_OK (zeros before any import), CT_ENOMEM, CT_EIO,
 * CT_EDBCORRUPT. */
CT_WARN_UNUSED int ct_labels_stats(ct_db *db, ct_labels_counts *out, ct_error *err);
void ct_labels_counts_release(ct_labels_counts *c);

/* SHA-256 over every label row in key order, each as BE32 key length, key, BE32 value
 * length, value (docs/storage.md); the digest of no bytes when there is none. Two databases
 * holding the same labels have the same digest however they were imported. */
CT_WARN_UNUSED int ct_labels_digest(ct_db *db, uint8_t out[32], ct_error *err);

#ifdef __cplusplus
}
#endif
#endif
