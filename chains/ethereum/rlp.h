/* RLP (Ethereum's Recursive Length Prefix) for the Ethereum adapter: a zero-copy decoder
 * that enforces go-ethereum's canonical rules, and a small encoder. Internal header. */
#ifndef CT_ETH_RLP_H
#define CT_ETH_RLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chaintrail/error.h"
#include "chaintrail/u256.h"
#include "base/util.h"

/* One decoded item: its payload (borrowed) and where its header starts. */
typedef struct ct_rlp_item {
    const uint8_t *start; /* first byte of the header */
    size_t size;          /* header + payload */
    const uint8_t *p;     /* payload */
    size_t len;           /* payload bytes */
    bool is_list;
} ct_rlp_item;

/* A cursor over the items of a byte range: the top level of a buffer or a list's payload.
 * base/base_off map pointers to the offsets reported in ct_error. */
typedef struct ct_rlp {
    const uint8_t *base; /* the start of the whole buffer */
    uint64_t base_off;   /* offset of base in the file, added to err->offset */
    const uint8_t *pos;
    const uint8_t *end;
    bool nested; /* inside a list: overruns are "element larger than list" */
} ct_rlp;

/* A cursor over data[0..len); base_off is added to error offsets. */
void ct_rlp_init(ct_rlp *r, const uint8_t *data, size_t len, uint64_t base_off);
/* A cursor over the payload of the list item `list` read from `parent`. */
void ct_rlp_enter(ct_rlp *child, const ct_rlp *parent, const ct_rlp_item *list);
static inline bool ct_rlp_done(const ct_rlp *r)
{
    return r->pos >= r->end;
}
/* Byte offset of p for ct_error. */
static inline uint64_t ct_rlp_off(const ct_rlp *r, const uint8_t *p)
{
    return r->base_off + (uint64_t)(p - r->base);
}

/* Reads the next item (header checked for canonical form and bounds). CT_ECORRUPT with
 * "too few fields" when the cursor is at its end. */
CT_WARN_UNUSED int ct_rlp_next(ct_rlp *r, ct_rlp_item *it, ct_error *err);
/* Counts the items of a list payload, checking every header, without allocating. */
CT_WARN_UNUSED int ct_rlp_count(const ct_rlp *list, size_t *n, ct_error *err);

/* Field readers: each reads the next item of r and checks its kind and width. */
CT_WARN_UNUSED int ct_rlp_list(ct_rlp *r, ct_rlp *child, ct_rlp_item *it, ct_error *err);
CT_WARN_UNUSED int ct_rlp_string(ct_rlp *r, ct_rlp_item *it, ct_error *err);
CT_WARN_UNUSED int ct_rlp_u64(ct_rlp *r, uint64_t *v, ct_error *err);
CT_WARN_UNUSED int ct_rlp_u256(ct_rlp *r, ct_u256 *v, ct_error *err);
/* A string of exactly n bytes ("bad length"). */
CT_WARN_UNUSED int ct_rlp_fixed(ct_rlp *r, uint8_t *out, size_t n, ct_error *err);
/* CT_ECORRUPT "too many fields" unless the cursor is at its end. */
CT_WARN_UNUSED int ct_rlp_end(const ct_rlp *r, ct_error *err);

/* ---- encoder: appends to a ct_buf ---- */
CT_WARN_UNUSED int ct_rlp_put_string(ct_buf *b, const uint8_t *p, size_t len);
CT_WARN_UNUSED int ct_rlp_put_u64(ct_buf *b, uint64_t v);
CT_WARN_UNUSED int ct_rlp_put_u256(ct_buf *b, const ct_u256 *v);
/* Appends raw bytes (an already encoded item). */
CT_WARN_UNUSED int ct_rlp_put_raw(ct_buf *b, const uint8_t *p, size_t len);
/* Lists: remember b->len with ct_rlp_list_begin, append the items, then ct_rlp_list_end
 * inserts the header in front of them. */
static inline size_t ct_rlp_list_begin(const ct_buf *b)
{
    return b->len;
}
CT_WARN_UNUSED int ct_rlp_list_end(ct_buf *b, size_t mark);

#endif
