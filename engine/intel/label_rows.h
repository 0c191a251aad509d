/* Between the label readers (labels_read.c: CSV, JSON, OFAC; tagpack.c: TagPacks) and the
 * label store (labels.c), below both: a reader turns its file into rows and hands each to a
 * sink (an operations table the store implements), which checks, normalizes and writes it,
 * or rejects it with a reason. Also the vocabulary both sides use (label_rows.c). Not
 * public. Readers include this header only; the store includes it and calls the readers. */
#ifndef CT_LABEL_ROWS_H
#define CT_LABEL_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/labels.h"
#include "base/util.h"

/* One label as read from a file. Strings are NUL-terminated and borrowed for the call;
 * NULL or "" means "not given" (the file's default then applies). */
typedef struct ct_label_row {
    uint64_t line;   /* where the row starts (1-based; 0 unknown) */
    uint64_t offset; /* byte offset of the row (UINT64_MAX unknown) */
    const char *address;
    size_t label_len; /* bytes of label (it may hold a NUL from JSON "\u0000") */
    const char *label;
    const char *source;
    const char *asset;
    const char *reference;
    ct_label_category category;
    int confidence; /* 0..100, or -1: the format's default */
} ct_label_row;

/* A file read in pieces: a window of its bytes that moves on as the reader consumes them,
 * so that memory does not grow with the file (CSV and OFAC lists). Reads a regular file, a
 * pipe or standard input alike. */
typedef struct ct_labels_stream ct_labels_stream;
#define CT_LABELS_STREAM_CHUNK ((size_t)1 << 20)  /* bytes read at a time */
#define CT_LABELS_RECORD_MAX   ((size_t)16 << 20) /* the longest record (line) a reader takes */
/* Opens path and reads its first piece. Returns CT_OK, CT_EIO ("cannot-open",
 * "cannot-read": a directory, a read error), CT_ENOMEM. */
int ct_labels_stream_open(ct_labels_stream **out, const char *path, ct_error *err);
void ct_labels_stream_free(ct_labels_stream *st);
/* The window: bytes [*base, *base + *len) of the file; *eof when nothing follows them. */
const char *ct_labels_stream_window(const ct_labels_stream *st, size_t *len, uint64_t *base,
                                    bool *eof);
/* Drops the window's first `consumed` bytes and reads on, so that the window holds more
 * bytes than before (or reaches the end of the file). The window grows when it must (a
 * record longer than a piece) up to `max` bytes; beyond, CT_ENOMEM with "record-too-long"
 * naming the offset. CT_EIO on a read error. */
int ct_labels_stream_more(ct_labels_stream *st, size_t consumed, size_t max, ct_error *err);

/* What the readers know of the file. */
typedef struct ct_labels_file {
    const char *path;
    const char *base;                        /* file name without directories */
    char stem[128];                          /* base without its extension ("tornado-cash") */
    char ofac_asset[CT_LABEL_ASSET_MAX + 1]; /* ASSET of sanctioned_addresses_ASSET.*, or "" */
    const char *text;                        /* the whole file; or, with stream, its first window */
    size_t len;
    ct_labels_stream *stream; /* CSV and OFAC: read on through it (text, len: the start) */
} ct_labels_file;

/* The sink: where a reader hands its rows. The label store implements it (labels.c); a
 * reader sees only this table, so readers and store do not know each other. */
#define CT_LABELS_SINK_OPS_VERSION 1
typedef struct ct_labels_sink_ops {
    unsigned version;
    int (*row)(void *ctx, const ct_label_row *row);
    int (*reject)(void *ctx, uint64_t line, uint64_t offset, const char *reason,
                  const char *detail);
    void (*set_source)(void *ctx, const char *source);
    void (*set_confidence)(void *ctx, uint8_t confidence);
    void (*set_asset)(void *ctx, const char *asset);
    const char *(*forced_asset)(const void *ctx);
} ct_labels_sink_ops;

typedef struct ct_labels_sink {
    const ct_labels_sink_ops *ops;
    void *ctx;
} ct_labels_sink;

/* Checks and stores one row (or rejects it, counted and reported). Returns CT_OK, or a
 * fatal error (database, memory) that stops the import. */
int ct_labels_sink_row(ct_labels_sink *s, const ct_label_row *row);
/* Rejects a row the reader could not make sense of. Returns CT_OK or a fatal error. */
int ct_labels_sink_reject(ct_labels_sink *s, uint64_t line, uint64_t offset, const char *reason,
                          const char *fmt, ...) CT_PRINTF(5, 6);
/* The default source of the file's rows (set by the reader when the format has one). */
void ct_labels_sink_set_source(ct_labels_sink *s, const char *source);
/* The default confidence of the format (0..100). */
void ct_labels_sink_set_confidence(ct_labels_sink *s, uint8_t confidence);
/* The default asset of the file (reader's knowledge, below the --asset option). */
void ct_labels_sink_set_asset(ct_labels_sink *s, const char *asset);

/* The --asset option of the import, or NULL. */
const char *ct_labels_sink_forced_asset(const ct_labels_sink *s);

/* Parses a confidence: a whole number 0..100, or a TagPack word (docs/labels.md).
 * Returns CT_OK or CT_EINVAL. */
int ct_labels_parse_confidence(const char *s, int *out);
/* The highest ranked of two categories. */
ct_label_category ct_label_category_max(ct_label_category a, ct_label_category b);
/* True when s[0..n) is valid UTF-8. */
bool ct_labels_utf8_ok(const char *s, size_t n);

/* The readers. Each returns CT_OK after handing every row to the sink (rows it could not
 * read are rejected through the sink), CT_ECORRUPT when the file as a whole is not of its
 * format (err names the line), or a fatal error from the sink. */
int ct_labels_read_csv(ct_labels_sink *s, const ct_labels_file *f, ct_error *err);
int ct_labels_read_json(ct_labels_sink *s, const ct_labels_file *f, ct_error *err);
int ct_labels_read_tagpack(ct_labels_sink *s, const ct_labels_file *f, ct_error *err);
int ct_labels_read_ofac(ct_labels_sink *s, const ct_labels_file *f, ct_error *err);

#endif
