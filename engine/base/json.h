/* A strict RFC 8259 JSON parser for the label importers and, later, the Ethereum JSON-RPC
 * adapter: one pass over the input builds a flat "tape" of nodes in document order (one
 * 20-byte node per value, in one growable array reused across documents), with no
 * allocation per value and no recursion. Strings and numbers are not converted: a node
 * points at their text in the input, so numbers keep their exact digits (never through
 * double) and strings are decoded only when asked.
 *
 * Rejected, with a reason, the byte offset and line:column: a byte order mark, invalid
 * UTF-8 (overlong forms, surrogates, code points above U+10FFFF), lone or reversed UTF-16
 * surrogate escapes, control characters in strings, bad escapes, numbers outside the
 * grammar (leading zeros, "1.", ".5", "+1"), nesting deeper than max_depth, duplicate keys
 * in one object (compared after unescaping), and anything after the top-level value.
 *
 * Navigation: nodes are addressed by their index on the tape; the root is 0, and 0 also
 * means "none" where a child or member is looked up (the root is never a child). */
#ifndef CT_JSON_H
#define CT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"
#include "base/util.h"

typedef enum ct_json_type {
    CT_JSON_NULL = 1,
    CT_JSON_FALSE,
    CT_JSON_TRUE,
    CT_JSON_NUMBER,
    CT_JSON_STRING,
    CT_JSON_ARRAY,
    CT_JSON_OBJECT,
} ct_json_type;

#define CT_JSON_ESCAPED 1u /* string node whose text holds backslash escapes */

typedef struct ct_json_node {
    uint8_t type;   /* ct_json_type */
    uint8_t flags;  /* CT_JSON_ESCAPED */
    uint32_t off;   /* offset of the text: strings after the opening quote, containers at
                       the bracket */
    uint32_t len;   /* strings: bytes between the quotes; numbers and literals: their text;
                       containers: from the opening to the closing bracket inclusive */
    uint32_t next;  /* index of the node after this value and everything inside it */
    uint32_t count; /* arrays: elements; objects: members; 0 for scalars */
} ct_json_node;

typedef struct ct_json_options {
    unsigned max_depth;   /* deepest nesting of arrays and objects (default 256) */
    size_t max_nodes;     /* values in one document; 0: no limit but the input's size */
    bool allow_duplicate; /* accept duplicate keys (default: reject them) */
} ct_json_options;

#define CT_JSON_OPTIONS_INIT                                                                       \
    {                                                                                              \
        256, 0, false                                                                              \
    }

/* Inputs are limited to 4 GiB - 1 bytes (offsets are 32-bit). */
#define CT_JSON_MAX_INPUT 0xffffffffu

typedef struct ct_json_doc {
    const char *text; /* the input of the last parse (borrowed) */
    size_t len;
    ct_json_node *nodes;
    uint32_t n; /* nodes in use */
    uint32_t cap;
    /* scratch of the duplicate-key check, kept between documents */
    uint32_t *slots;
    size_t slot_cap;
    ct_buf key_a, key_b;
} ct_json_doc;

/* Initializes an empty document; release it with ct_json_release. */
void ct_json_init(ct_json_doc *d);
void ct_json_release(ct_json_doc *d);

/* Parses len bytes at text (need not be NUL-terminated; must outlive the document's use).
 * The document's memory is reused from the previous parse. opts may be NULL (defaults).
 * Returns CT_OK; CT_ECORRUPT with err->reason one of json-syntax, json-bom, json-utf8,
 * json-control, json-escape, json-surrogate, json-number, json-depth, json-duplicate-key,
 * json-trailing, json-empty, and err->offset the byte offset (detail starts with
 * "line L, column C: ", column counted in bytes from 1); CT_ENOMEM (too many nodes, input
 * of 4 GiB or more, out of memory). */
CT_WARN_UNUSED int ct_json_parse(ct_json_doc *d, const char *text, size_t len,
                                 const ct_json_options *opts, ct_error *err);

static inline ct_json_type ct_json_type_of(const ct_json_doc *d, uint32_t i)
{
    return (ct_json_type)d->nodes[i].type;
}
static inline uint32_t ct_json_count(const ct_json_doc *d, uint32_t i)
{
    return d->nodes[i].count;
}

/* Bounded memory for large inputs (the --json files, JSON-RPC answers): a document may hold
 * at most one value per CT_JSON_BYTES_PER_VALUE bytes (+ 1024), so its tape of 20-byte
 * nodes takes at most 2.5 bytes per input byte. Real JSON-RPC answers have 20 to 40 bytes
 * a value; `[0,0,0,...]` has 2 and cost 10 bytes of tape per byte of input. Pass
 * ct_json_bounded_nodes(len) as max_nodes; past it the parse fails with "json-too-big". */
#define CT_JSON_BYTES_PER_VALUE 8
size_t ct_json_bounded_nodes(size_t len);
/* Gives back the tape's unused capacity (the doubling's slack) once a document is parsed
 * and is to be kept. */
void ct_json_shrink(ct_json_doc *d);

/* The first child of a container (for an object: its first key), or 0 when empty. */
uint32_t ct_json_first(const ct_json_doc *d, uint32_t container);
/* The sibling after `child` inside `container`, or 0 after the last one. In an object,
 * keys and values alternate: the value of key k is k + 1, and the next key is
 * ct_json_next(d, obj, k + 1). */
uint32_t ct_json_next(const ct_json_doc *d, uint32_t container, uint32_t child);
/* The value of member `key` (no escapes in `key`) of an object, or 0 when absent or when
 * obj is not an object. */
uint32_t ct_json_get(const ct_json_doc *d, uint32_t obj, const char *key);

/* The raw text of a node (strings: between the quotes, still escaped). */
const char *ct_json_raw(const ct_json_doc *d, uint32_t i, size_t *len);
/* Decodes a string node into out (replacing its content; NUL-terminated, but a string may
 * hold "\u0000": use out->len). Returns CT_OK, CT_EINVAL (not a string) or CT_ENOMEM. */
CT_WARN_UNUSED int ct_json_string(const ct_json_doc *d, uint32_t i, ct_buf *out);
/* True when node i is a string equal to s (s without NUL bytes). */
bool ct_json_string_is(const ct_json_doc *d, uint32_t i, const char *s);
/* Reads a number node that is a whole non-negative integer ("0", "42"; no sign, fraction or
 * exponent) fitting in 64 bits. Returns CT_OK or CT_EINVAL. */
CT_WARN_UNUSED int ct_json_u64(const ct_json_doc *d, uint32_t i, uint64_t *out);

/* Line and column (both from 1; column in bytes) of byte offset `off` in text. */
void ct_json_line_col(const char *text, size_t len, size_t off, uint64_t *line, uint64_t *col);

#endif
