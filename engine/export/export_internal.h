/* engine/export: the streaming graph writers behind ct_export_* (include/chaintrail/export.h).
 *
 * A graph is built by a walker (neighbourhood.c) that owns its node table (bounded by
 * --max-nodes) and streams edges to the writer as it finds them. Every format wants its
 * nodes before its edges, and a node's value (what it received inside the graph) is only
 * known once every edge is seen, so the writer formats each edge at once into a spool file
 * (memory stays bounded whatever the number of edges) and, at the end, writes the header,
 * the nodes, the spooled edges and the footer into the output. docs/export.md. */
#ifndef CT_EXPORT_INTERNAL_H
#define CT_EXPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chaintrail/export.h"
#include "chaintrail/u256.h"
#include "base/util.h"

/* ---- text made safe (escape.c; bad-inputs.md X1-X6) ----
 * Every text from labels or the chain goes first through ex_clean: bytes that are not
 * valid UTF-8, the C0 controls (TAB, LF and CR included), DEL, the C1 controls and the
 * noncharacters U+FFFE/U+FFFF become U+FFFD. Then each format escapes its metacharacters. */
CT_WARN_UNUSED int ex_clean(ct_buf *out, const char *s);
void ex_put_xml(FILE *f, const char *clean);  /* & < > " ' as entities */
void ex_put_dot(FILE *f, const char *clean);  /* inside "...": \" and \\ */
void ex_put_json(FILE *f, const char *clean); /* inside "...": \" and \\ */
/* A whole CSV field, RFC 4180-quoted, with a ' before a leading = + - @ (X1). */
void ex_put_csv(FILE *f, const char *clean);

/* ---- the graph model ---- */
typedef struct ex_schema {
    bool big_values;        /* value columns as decimal strings (wei and token units) */
    const char *node_space; /* Neo4j ID space and :LABEL: "Address" or "Tx" */
    const char *rel_type;   /* Neo4j :TYPE of every edge: "PAID", "SPENT" or "FLOW" */
    bool taint;             /* edges carry taint_poison .. taint_tiho (export trace) */
} ex_schema;

#define EX_MODELS 5 /* poison, haircut, fifo, lifo, tiho: CT_MODEL_COUNT */

/* Strings are cleaned by the writer; NULL is "". */
typedef struct ex_node {
    const char *kind; /* "address" or "tx" */
    const char *address;
    const char *label;
    const char *category;
    const char *cluster;
    ct_u256 value; /* received inside the exported graph */
    bool has_time; /* height and time of its first edge in the graph (a tx: its own) */
    uint32_t height, time;
    const char *txid; /* a tx node: its id; "" for an address */
} ex_node;

typedef struct ex_edge {
    uint64_t source, target; /* node numbers: ids "n<source>", "n<target>" */
    const char *kind;        /* "payment" (BTC, address level), "spend" (tx level),
                              * "native", "internal", "token" (Ethereum) */
    const char *address;     /* tx level: the address of the spent output; else "" */
    const char *asset;       /* "BTC", "ETH", a token's symbol or contract */
    const char *unit;        /* of value, for captions: "sat", "wei", "USDT units" */
    ct_u256 value;           /* satoshi, wei or token units */
    uint32_t height, time;
    const char *txid;
    uint32_t index; /* output number (tx level), event position (Ethereum), or input group */
    ct_u256 taint[EX_MODELS]; /* satoshi (or wei, token units) per model (schema.taint) */
} ex_edge;

typedef struct ex_writer ex_writer;

/* Checks and reserves the output (safefile.c): refuses a symbolic link at `path` always,
 * an existing path unless `force`, and creates the temporary file or directory beside it.
 * Returns CT_OK, CT_EIO (reason "output-exists", "output-symlink", "output-kind",
 * "cannot-create"), CT_ENOMEM. */
CT_WARN_UNUSED int ex_writer_open(ex_writer **out, ct_export_format fmt, const char *path,
                                  bool force, const ex_schema *schema, ct_error *err);
/* Formats one edge into the spool (its number is the count of edges before it). */
CT_WARN_UNUSED int ex_writer_edge(ex_writer *w, const ex_edge *e, ct_error *err);
/* Writes the nodes 0..n-1 and the edges into the temporary output, syncs it and renames it
 * into place (then syncs the directory). The writer is freed in every case. */
CT_WARN_UNUSED int ex_writer_finish(ex_writer *w, const ex_node *nodes, uint64_t n, ct_error *err);
/* Removes the temporary output and frees the writer (NULL is fine). */
void ex_writer_abort(ex_writer *w);

/* ---- export trace's graph (trace_export.c, acct_trace_export.c) ---- */
typedef struct ex_tnode {
    const char *kind, *address, *label, *category;
    char cluster[21]; /* an endpoint's cluster id ("" without clusters; Ethereum: "") */
    char txid[65];    /* a "tx" node's id (Bitcoin) */
    ct_u256 value;
    bool has_time;
    uint32_t height, time;
} ex_tnode;

struct ct_hmap;
/* The end of export trace on either chain: unless rc is an error already, writes the n
 * nodes (in the writer's form) and finishes w, else aborts w; then frees the graph: its
 * nodes, its edges and its two indexes. Returns rc, or the finish's error. */
CT_WARN_UNUSED int ex_trace_end(ex_writer *w, int rc, ex_tnode *nodes, uint64_t n, void *edges,
                                struct ct_hmap *nidx, struct ct_hmap *eidx, ct_error *err);

/* ---- safe output (safefile.c; X7, X8) ---- */
typedef struct ex_out {
    char *path;   /* the final path */
    char *tmp;    /* the temporary file or directory beside it */
    bool dir;     /* a directory of files (neo4j, csv) */
    bool replace; /* the final path exists and --force was given */
} ex_out;
CT_WARN_UNUSED int ex_out_begin(ex_out *o, const char *path, bool dir, bool force, ct_error *err);
/* Creates file `name` in the temporary directory (dir outputs) or the temporary file itself
 * (name NULL), with O_EXCL and O_NOFOLLOW. */
CT_WARN_UNUSED int ex_out_create(ex_out *o, FILE **f, const char *name, ct_error *err);
/* fflush + fsync + fclose; CT_EIO "cannot-write" on any failure (a full disk). */
CT_WARN_UNUSED int ex_out_close_file(FILE *f, const char *what, ct_error *err);
/* Renames the temporary into place and syncs the directory. */
CT_WARN_UNUSED int ex_out_commit(ex_out *o, ct_error *err);
/* Removes the temporary (its files for a directory) and frees o's strings. */
void ex_out_abort(ex_out *o);
void ex_out_release(ex_out *o);

/* "YYYY-MM-DDTHH:MM:SSZ" of Unix seconds (20 characters; buf of 32 bytes). */
void ex_iso_time(char buf[32], uint32_t t);

#endif
