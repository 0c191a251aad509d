/* RLP decoding and encoding for the Ethereum adapter.
 *
 * The decoder never copies and never allocates: an item is a view into the caller's
 * buffer. It applies go-ethereum's canonical rules (rlp/decode.go), so that one value has
 * exactly one accepted encoding and a transaction or block hash computed over accepted
 * bytes is the hash mainnet knows: a single byte below 0x80 is never wrapped, long forms
 * are used only from 56 bytes on, lengths have no leading zero byte, integers have no
 * leading zero byte. Every size is checked against the bytes that remain (or the enclosing
 * list) before it is used, so a claimed length of 2^64 costs nothing.
 */
#include <string.h>

#include "ethereum/rlp.h"

void ct_rlp_init(ct_rlp *r, const uint8_t *data, size_t len, uint64_t base_off)
{
    r->base = data;
    r->base_off = base_off;
    r->pos = data;
    r->end = data + len;
    r->nested = false;
}

void ct_rlp_enter(ct_rlp *child, const ct_rlp *parent, const ct_rlp_item *list)
{
    child->base = parent->base;
    child->base_off = parent->base_off;
    child->pos = list->p;
    child->end = list->p + list->len;
    child->nested = true;
}

static int fail_at(const ct_rlp *r, const uint8_t *at, ct_error *err, const char *reason,
                   const char *detail)
{
    if (err)
        err->offset = ct_rlp_off(r, at);
    return ct_fail(err, CT_ECORRUPT, reason, "%s", detail);
}

static int overrun(const ct_rlp *r, const uint8_t *at, ct_error *err)
{
    if (r->nested)
        return fail_at(r, at, err, "element larger than list",
                       "an item runs past the end of the list that holds it");
    return fail_at(r, at, err, "value size exceeds available input",
                   "an item is longer than the bytes that remain");
}

int ct_rlp_next(ct_rlp *r, ct_rlp_item *it, ct_error *err)
{
    const uint8_t *p = r->pos;
    size_t avail = (size_t)(r->end - p);
    if (avail == 0)
        return fail_at(r, p, err, "too few fields", "a list ends before a required field");
    uint8_t b = p[0];
    size_t hdr, len;
    bool list = b >= 0xc0;
    uint8_t kind = list ? (uint8_t)(b - 0xc0) : (uint8_t)(b - 0x80);
    if (b < 0x80) {
        it->start = p;
        it->size = 1;
        it->p = p;
        it->len = 1;
        it->is_list = false;
        r->pos = p + 1;
        return CT_OK;
    }
    if (kind < 56) {
        hdr = 1;
        len = kind;
    } else {
        size_t ll = (size_t)kind - 55; /* 1..8 length bytes */
        if (avail < 1 + ll)
            return overrun(r, p, err);
        if (p[1] == 0)
            return fail_at(r, p, err, "non-canonical size", "a length with a leading zero byte");
        uint64_t l = 0;
        for (size_t i = 0; i < ll; i++)
            l = l << 8 | p[1 + i];
        if (l < 56)
            return fail_at(r, p, err, "non-canonical size", "the long form for a size below 56");
        if (l > (uint64_t)(avail - 1 - ll))
            return overrun(r, p, err);
        hdr = 1 + ll;
        len = (size_t)l;
    }
    if (len > avail - hdr)
        return overrun(r, p, err);
    if (!list && len == 1 && p[hdr] < 0x80)
        return fail_at(r, p, err, "non-canonical size",
                       "a single byte below 0x80 wrapped as a string");
    it->start = p;
    it->size = hdr + len;
    it->p = p + hdr;
    it->len = len;
    it->is_list = list;
    r->pos = p + hdr + len;
    return CT_OK;
}

int ct_rlp_count(const ct_rlp *list, size_t *n, ct_error *err)
{
    ct_rlp c = *list;
    ct_rlp_item it;
    size_t k = 0;
    while (!ct_rlp_done(&c)) {
        int rc = ct_rlp_next(&c, &it, err);
        if (rc)
            return rc;
        k++;
    }
    *n = k;
    return CT_OK;
}

int ct_rlp_list(ct_rlp *r, ct_rlp *child, ct_rlp_item *it, ct_error *err)
{
    int rc = ct_rlp_next(r, it, err);
    if (rc)
        return rc;
    if (!it->is_list)
        return fail_at(r, it->start, err, "expected list", "a string where a list belongs");
    ct_rlp_enter(child, r, it);
    return CT_OK;
}

int ct_rlp_string(ct_rlp *r, ct_rlp_item *it, ct_error *err)
{
    int rc = ct_rlp_next(r, it, err);
    if (rc)
        return rc;
    if (it->is_list)
        return fail_at(r, it->start, err, "expected string", "a list where a string belongs");
    return CT_OK;
}

/* An integer's payload: no leading zero byte, at most `width` bytes. */
static int int_item(ct_rlp *r, ct_rlp_item *it, size_t width, ct_error *err)
{
    int rc = ct_rlp_string(r, it, err);
    if (rc)
        return rc;
    if (it->len > 0 && it->p[0] == 0)
        return fail_at(r, it->start, err, "non-canonical integer",
                       "an integer with a leading zero byte");
    if (it->len > width) {
        if (err)
            err->offset = ct_rlp_off(r, it->start);
        return ct_fail(err, CT_ECORRUPT, "integer too wide",
                       "an integer of %zu bytes where at most %zu fit", it->len, width);
    }
    return CT_OK;
}

int ct_rlp_u64(ct_rlp *r, uint64_t *v, ct_error *err)
{
    ct_rlp_item it;
    int rc = int_item(r, &it, 8, err);
    if (rc)
        return rc;
    uint64_t x = 0;
    for (size_t i = 0; i < it.len; i++)
        x = x << 8 | it.p[i];
    *v = x;
    return CT_OK;
}

int ct_rlp_u256(ct_rlp *r, ct_u256 *v, ct_error *err)
{
    ct_rlp_item it;
    int rc = int_item(r, &it, 32, err);
    if (rc)
        return rc;
    return ct_u256_from_be(v, it.p, it.len, NULL);
}

int ct_rlp_fixed(ct_rlp *r, uint8_t *out, size_t n, ct_error *err)
{
    ct_rlp_item it;
    int rc = ct_rlp_string(r, &it, err);
    if (rc)
        return rc;
    if (it.len != n) {
        if (err)
            err->offset = ct_rlp_off(r, it.start);
        return ct_fail(err, CT_ECORRUPT, "bad length", "a field of %zu bytes where %zu belong",
                       it.len, n);
    }
    memcpy(out, it.p, n);
    return CT_OK;
}

int ct_rlp_end(const ct_rlp *r, ct_error *err)
{
    if (!ct_rlp_done(r))
        return fail_at(r, r->pos, err, "too many fields", "a list has more fields than its type");
    return CT_OK;
}

/* ---- encoder ---- */

/* Writes the header for a payload of len bytes with base 0x80 (string) or 0xc0 (list)
 * into h; returns its size. */
static size_t header(uint8_t h[9], uint8_t base, size_t len)
{
    if (len < 56) {
        h[0] = (uint8_t)(base + len);
        return 1;
    }
    size_t ll = 0;
    for (uint64_t l = len; l; l >>= 8)
        ll++;
    h[0] = (uint8_t)(base + 55 + ll);
    for (size_t i = 0; i < ll; i++)
        h[1 + i] = (uint8_t)((uint64_t)len >> (8 * (ll - 1 - i)));
    return 1 + ll;
}

int ct_rlp_put_string(ct_buf *b, const uint8_t *p, size_t len)
{
    if (len == 1 && p[0] < 0x80)
        return ct_buf_append(b, p, 1);
    uint8_t h[9];
    size_t hl = header(h, 0x80, len);
    int rc = ct_buf_append(b, h, hl);
    if (rc == CT_OK && len > 0)
        rc = ct_buf_append(b, p, len);
    return rc;
}

int ct_rlp_put_u64(ct_buf *b, uint64_t v)
{
    uint8_t be[8];
    size_t n = 0;
    for (int i = 7; i >= 0; i--) {
        uint8_t byte = (uint8_t)(v >> (8 * i));
        if (n == 0 && byte == 0)
            continue;
        be[n++] = byte;
    }
    return ct_rlp_put_string(b, be, n);
}

int ct_rlp_put_u256(ct_buf *b, const ct_u256 *v)
{
    uint8_t be[32];
    ct_u256_to_be(be, v);
    size_t skip = 0;
    while (skip < 32 && be[skip] == 0)
        skip++;
    return ct_rlp_put_string(b, be + skip, 32 - skip);
}

int ct_rlp_put_raw(ct_buf *b, const uint8_t *p, size_t len)
{
    return len ? ct_buf_append(b, p, len) : CT_OK;
}

int ct_rlp_list_end(ct_buf *b, size_t mark)
{
    uint8_t h[9];
    size_t len = b->len - mark;
    size_t hl = header(h, 0xc0, len);
    int rc = ct_buf_reserve(b, hl);
    if (rc)
        return rc;
    memmove(b->data + mark + hl, b->data + mark, len);
    memcpy(b->data + mark, h, hl);
    b->len += hl;
    b->data[b->len] = 0;
    return CT_OK;
}
