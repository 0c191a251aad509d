/* What the scan's files share and the public API does not show. */
#ifndef CT_SCAN_INTERNAL_H
#define CT_SCAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hmap.h"
#include "base/util.h"
#include "chaintrail/db.h"
#include "chaintrail/error.h"
#include "chaintrail/scan.h"

/* The key of an address in a ct_hmap: itself when it fits, else its SHA-256. */
size_t ct_scan_addr_key(uint8_t key[CT_HMAP_KEY_MAX], const char *address);

/* Calls fn once per address that has label rows, in key order (the label table's own), from
 * one snapshot. fn returns CT_OK to go on, anything else to stop (returned). */
CT_WARN_UNUSED int ct_scan_each_labelled(ct_db *db, int (*fn)(void *arg, const char *address),
                                         void *arg, ct_error *err);

/* Every address with label rows, by ct_scan_addr_key (value 1). *set must be initialised. */
CT_WARN_UNUSED int ct_scan_labelled_set(ct_hmap *set, ct_db *db, ct_error *err);

/* Reorders items[0..n) in place so that items[i] becomes the old items[perm[i]] (perm a
 * permutation, left as the identity): no second copy of the findings. */
struct ct_scan_finding;
void ct_scan_permute(struct ct_scan_finding *items, size_t *perm, size_t n);

/* The inputs' and outputs' values of one transaction, and which of them are the source
 * and the destination of a direct counterparty: the buffers ct_scan_direct_amounts reads,
 * grown to the largest transaction seen. */
typedef struct ct_scan_tx_bufs {
    uint64_t *in_val, *out_val;
    bool *in_src, *out_dst;
    size_t cap_in, cap_out;
} ct_scan_tx_bufs;
/* Room for n_in inputs and n_out outputs: CT_OK or CT_ENOMEM (the old buffers kept). */
CT_WARN_UNUSED int ct_scan_tx_bufs_grow(ct_scan_tx_bufs *t, size_t n_in, size_t n_out);
void ct_scan_tx_bufs_free(ct_scan_tx_bufs *t);

/* A finding's range: low/high of its amounts and of its USD over the models (USD 0 when
 * not known). */
void ct_scan_finding_range(struct ct_scan_finding *f);

/* Appends txid to a finding's evidence unless it is already the last one (the evidence is
 * gathered in chain order): CT_OK or CT_ENOMEM (the evidence kept as it was). */
CT_WARN_UNUSED int ct_scan_finding_add_txid(struct ct_scan_finding *f, const uint8_t txid[32]);

/* ---- Ethereum (eth_direct.c) ---- */
/* A malloc'd copy of s; NULL when out of memory. */
char *ct_scan_dup_text(const char *s);
/* The Ethereum tip: *has false when the database holds no Ethereum block. */
CT_WARN_UNUSED int ct_scan_eth_tip(ct_db *db, bool *has, uint32_t *height, uint8_t hash[32],
                                   ct_error *err);
/* Whether the Ethereum block at `height` is gone or no longer `hash` (a rollback). */
CT_WARN_UNUSED int ct_scan_eth_tip_moved(ct_db *db, uint32_t height, const uint8_t hash[32],
                                         bool *moved, ct_error *err);
/* Whether an Ethereum address has an event above `height` (any event when !has_tip);
 * false for an address the database never saw. */
CT_WARN_UNUSED int ct_scan_eth_active(ct_db *db, const char *address, bool has_tip, uint32_t height,
                                      bool *active, ct_error *err);

/* Ranges, volume (the address's total received or sent of `asset`), share and thresholds
 * of an Ethereum finding: *keep when it passes min_amount (ct_scan_eth_min_units), min_share
 * and min_usd (when USD is known). CT_OK or a database error. */
CT_WARN_UNUSED int ct_scan_eth_settle(ct_db *db, ct_scan_finding *f, const char *address,
                                      uint32_t asset, unsigned decimals, bool known_decimals,
                                      const ct_scan_rule *r, bool *keep, ct_error *err);

/* A bounded reader over one stored row (the scan state's rows): every read checks the room
 * left, and a short row sets bad and reads as zero. */
typedef struct ct_scan_rd {
    const uint8_t *p;
    size_t left;
    bool bad;
} ct_scan_rd;
static inline const uint8_t *ct_scan_rd_take(ct_scan_rd *r, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}
static inline uint64_t ct_scan_rd_64(ct_scan_rd *r)
{
    const uint8_t *p = ct_scan_rd_take(r, 8);
    return p ? ct_be64(p) : 0;
}
static inline uint32_t ct_scan_rd_32(ct_scan_rd *r)
{
    const uint8_t *p = ct_scan_rd_take(r, 4);
    return p ? ct_be32(p) : 0;
}
static inline uint8_t ct_scan_rd_8(ct_scan_rd *r)
{
    const uint8_t *p = ct_scan_rd_take(r, 1);
    return p ? p[0] : 0;
}
static inline unsigned __int128 ct_scan_rd_u128(ct_scan_rd *r)
{
    unsigned __int128 hi = ct_scan_rd_64(r);
    return hi << 64 | ct_scan_rd_64(r);
}

/* The writers of those rows: big-endian, appended to b; CT_OK, or non-zero when out of
 * memory (they may be or-ed together and checked once). */
static inline int ct_scan_put_32(ct_buf *b, uint32_t v)
{
    uint8_t x[4];
    ct_put_be32(x, v);
    return ct_buf_append(b, x, 4);
}
static inline int ct_scan_put_64(ct_buf *b, uint64_t v)
{
    uint8_t x[8];
    ct_put_be64(x, v);
    return ct_buf_append(b, x, 8);
}
static inline int ct_scan_put_u128(ct_buf *b, unsigned __int128 v)
{
    return ct_scan_put_64(b, (uint64_t)(v >> 64)) | ct_scan_put_64(b, (uint64_t)v);
}

#endif
