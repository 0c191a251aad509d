/* Bitcoin block and transaction decoder.
 *
 * Turns serialized blocks and transactions (legacy and segwit) into ct_btc_block /
 * ct_btc_tx views that borrow the input bytes, computes txids (and wtxids on request) with
 * SHA-256d, and applies the checks an analytics engine must make before it believes a block:
 * Bitcoin Core's CheckBlock and CheckTransaction minus script and signature validation.
 * Every rejection carries Core's reason string, the block hash and the transaction index.
 *
 * Memory: arrays live in a per-block arena that is reset on each decode. Counts read from
 * the data are bounded by the bytes that remain before anything is allocated, and arrays
 * grow with what is actually parsed, so a hostile count cannot make a large allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "base/util.h"

#define MIN_TX_SIZE     60u /* version, 1 input, 1 output, locktime */
#define MIN_TXIN_SIZE   41u /* outpoint 36, script length 1, sequence 4 */
#define MIN_TXOUT_SIZE  9u  /* value 8, script length 1 */
#define ARENA_MAX_ALLOC (16u << 20)
#define WITNESS_SCALE   4u

typedef struct cursor {
    const uint8_t *p;
    const uint8_t *end;
    const uint8_t *base; /* start of the block (or lone tx), for positions in messages */
    ct_error *err;
} cursor;

static size_t remaining(const cursor *c)
{
    return (size_t)(c->end - c->p);
}

static size_t position(const cursor *c)
{
    return (size_t)(c->p - c->base);
}

/* A cursor over data[0..len). An empty input may come as a NULL pointer; it is replaced by
 * a static empty array, since even NULL + 0 is undefined in C. */
static cursor cursor_over(const uint8_t *data, size_t len, ct_error *err)
{
    static const uint8_t no_bytes[1];
    if (!data && len == 0)
        data = no_bytes;
    cursor c = {data, data + len, data, err};
    return c;
}

static int eof_fail(cursor *c, size_t need, const char *what)
{
    return ct_fail(c->err, CT_ECORRUPT, "truncated-data",
                   "%s needs %zu bytes at byte %zu, only %zu remain", what, need, position(c),
                   remaining(c));
}

/* Reads a CompactSize with Core's rules: canonical (shortest) encoding, at most
 * CT_BTC_MAX_COMPACT_SIZE. */
static int read_compact(cursor *c, uint64_t *out, const char *what)
{
    if (c->p >= c->end)
        return eof_fail(c, 1, what);
    uint8_t first = *c->p;
    uint64_t v;
    size_t n;
    if (first < 0xfd) {
        c->p++;
        *out = first;
        return CT_OK;
    }
    n = first == 0xfd ? 2 : first == 0xfe ? 4 : 8;
    if (remaining(c) < 1 + n)
        return eof_fail(c, 1 + n, what);
    if (n == 2)
        v = ct_le16(c->p + 1);
    else if (n == 4)
        v = ct_le32(c->p + 1);
    else
        v = ct_le64(c->p + 1);
    if ((n == 2 && v < 0xfd) || (n == 4 && v <= 0xffff) || (n == 8 && v <= 0xffffffffu))
        return ct_fail(c->err, CT_ECORRUPT, "non-canonical-compact-size",
                       "%s: value %llu encoded in %zu bytes at byte %zu", what,
                       (unsigned long long)v, n + 1, position(c));
    if (v > CT_BTC_MAX_COMPACT_SIZE)
        return ct_fail(c->err, CT_ECORRUPT, "compact-size-too-large",
                       "%s: %llu exceeds %u at byte %zu", what, (unsigned long long)v,
                       CT_BTC_MAX_COMPACT_SIZE, position(c));
    c->p += 1 + n;
    *out = v;
    return CT_OK;
}

/* Reads a CompactSize count and checks that `count * min_size` bytes could follow. */
static int read_count(cursor *c, uint64_t *out, size_t min_size, const char *what)
{
    int rc = read_compact(c, out, what);
    if (rc != CT_OK)
        return rc;
    if (*out > remaining(c) / min_size)
        return ct_fail(c->err, CT_ECORRUPT, "truncated-data",
                       "%s: %llu items of at least %zu bytes each cannot fit in the %zu bytes "
                       "left at byte %zu",
                       what, (unsigned long long)*out, min_size, remaining(c), position(c));
    return CT_OK;
}

static int read_bytes(cursor *c, const uint8_t **out, uint32_t *len, const char *what)
{
    uint64_t n;
    int rc = read_compact(c, &n, what);
    if (rc != CT_OK)
        return rc;
    if (n > remaining(c))
        return eof_fail(c, (size_t)n, what);
    *out = c->p;
    *len = (uint32_t)n;
    c->p += n;
    return CT_OK;
}

static int need(cursor *c, size_t n, const char *what)
{
    return remaining(c) < n ? eof_fail(c, n, what) : CT_OK;
}

/* A growable array in the arena: starts small and doubles, so memory follows the items
 * actually parsed, not the count the data claims. */
static void *arena_grow(ct_arena *a, void *old, size_t used, size_t *cap, size_t elem, size_t limit)
{
    size_t ncap = *cap ? *cap * 2 : 1024; /* most counts fit the first allocation */
    if (ncap > limit)
        ncap = limit;
    void *p = ct_arena_alloc(a, ncap, elem);
    if (!p)
        return NULL;
    if (used)
        memcpy(p, old, used * elem);
    *cap = ncap;
    return p;
}

static int nomem(cursor *c, const char *what)
{
    return ct_fail(c->err, CT_ENOMEM, "out-of-memory", "allocating %s", what);
}

static bool same_outpoint(const ct_btc_txin *a, const ct_btc_txin *b)
{
    return a->prev_vout == b->prev_vout && memcmp(a->prev_txid, b->prev_txid, 32) == 0;
}

static bool is_null_prevout(const ct_btc_txin *in)
{
    static const uint8_t zero[32];
    return in->prev_vout == 0xffffffffu && memcmp(in->prev_txid, zero, 32) == 0;
}

/* Core's CheckTransaction, context-free. */
static int check_tx(cursor *c, ct_arena *a, ct_btc_tx *tx)
{
    if (tx->n_in == 0)
        return ct_fail(c->err, CT_ECORRUPT, "bad-txns-vin-empty", "transaction has no inputs");
    if (tx->n_out == 0)
        return ct_fail(c->err, CT_ECORRUPT, "bad-txns-vout-empty", "transaction has no outputs");
    if ((uint64_t)tx->stripped_size * WITNESS_SCALE > CT_BTC_MAX_BLOCK_WEIGHT)
        return ct_fail(c->err, CT_ECORRUPT, "bad-txns-oversize",
                       "stripped size %u bytes x 4 exceeds the block weight limit",
                       tx->stripped_size);
    uint64_t total = 0;
    for (uint32_t i = 0; i < tx->n_out; i++) {
        uint64_t v = tx->out[i].value;
        if ((int64_t)v < 0)
            return ct_fail(c->err, CT_ECORRUPT, "bad-txns-vout-negative",
                           "output %u has negative value %lld", i, (long long)(int64_t)v);
        if (v > CT_BTC_MAX_MONEY)
            return ct_fail(c->err, CT_ECORRUPT, "bad-txns-vout-toolarge",
                           "output %u value %llu exceeds MAX_MONEY", i, (unsigned long long)v);
        total += v; /* both terms <= MAX_MONEY: cannot wrap */
        if (total > CT_BTC_MAX_MONEY)
            return ct_fail(c->err, CT_ECORRUPT, "bad-txns-txouttotal-toolarge",
                           "output total exceeds MAX_MONEY at output %u", i);
    }
    tx->out_total = total;

    /* Duplicate inputs (CVE-2018-17144). */
    if (tx->n_in <= 8) {
        for (uint32_t i = 1; i < tx->n_in; i++)
            for (uint32_t j = 0; j < i; j++)
                if (same_outpoint(&tx->in[i], &tx->in[j]))
                    return ct_fail(c->err, CT_ECORRUPT, "bad-txns-inputs-duplicate",
                                   "inputs %u and %u both spend the same outpoint", j, i);
    } else {
        /* Open-addressing set of input indexes, keyed by the outpoint. */
        size_t size = 16;
        while (size < (size_t)tx->n_in * 2)
            size *= 2;
        uint32_t *slot = ct_arena_alloc(a, size, sizeof(*slot));
        if (!slot)
            return nomem(c, "input index");
        memset(slot, 0xff, size * sizeof(*slot));
        for (uint32_t i = 0; i < tx->n_in; i++) {
            const ct_btc_txin *in = &tx->in[i];
            uint64_t key = ct_le64(in->prev_txid) ^ ((uint64_t)in->prev_vout * 0x9e3779b97f4a7c15u);
            size_t k = (size_t)(key ^ key >> 29) & (size - 1);
            while (slot[k] != UINT32_MAX) {
                if (same_outpoint(&tx->in[slot[k]], in))
                    return ct_fail(c->err, CT_ECORRUPT, "bad-txns-inputs-duplicate",
                                   "inputs %u and %u both spend the same outpoint", slot[k], i);
                k = (k + 1) & (size - 1);
            }
            slot[k] = i;
        }
    }

    tx->coinbase = tx->n_in == 1 && is_null_prevout(&tx->in[0]);
    if (tx->coinbase) {
        uint32_t n = tx->in[0].script_sig_len;
        if (n < 2 || n > 100)
            return ct_fail(c->err, CT_ECORRUPT, "bad-cb-length",
                           "coinbase script is %u bytes, must be 2 to 100", n);
    } else {
        for (uint32_t i = 0; i < tx->n_in; i++)
            if (is_null_prevout(&tx->in[i]))
                return ct_fail(c->err, CT_ECORRUPT, "bad-txns-prevout-null",
                               "input %u has a null previous output", i);
    }
    return CT_OK;
}

/* Parses one transaction at the cursor. */
static int parse_tx(cursor *c, ct_arena *a, ct_btc_tx *tx, unsigned flags)
{
    const uint8_t *start = c->p;
    const uint8_t *body; /* first byte of the input count in the stripped serialization */
    uint64_t n_in, n_out;
    uint8_t tx_flags = 0;
    int rc;

    if ((rc = need(c, 4, "transaction version")) != CT_OK)
        return rc;
    tx->version = (int32_t)ct_le32(c->p);
    c->p += 4;
    body = c->p;
    tx->in = NULL;
    tx->out = NULL;
    tx->n_in = tx->n_out = 0;

    if ((rc = read_count(c, &n_in, MIN_TXIN_SIZE, "input count")) != CT_OK)
        return rc;
    if (n_in == 0) {
        /* Segwit marker; a zero flag means "no inputs, no outputs" as in Core. */
        if ((rc = need(c, 1, "segwit flag")) != CT_OK)
            return rc;
        tx_flags = *c->p++;
        if (tx_flags != 0) {
            body = c->p;
            if ((rc = read_count(c, &n_in, MIN_TXIN_SIZE, "input count")) != CT_OK)
                return rc;
        }
    }

    size_t cap = 0;
    for (uint64_t i = 0; i < n_in; i++) {
        if (i == cap && !(tx->in = arena_grow(a, tx->in, i, &cap, sizeof(ct_btc_txin), n_in)))
            return nomem(c, "inputs");
        ct_btc_txin *in = &tx->in[i];
        if ((rc = need(c, 36, "previous output")) != CT_OK)
            return rc;
        in->prev_txid = c->p;
        in->prev_vout = ct_le32(c->p + 32);
        c->p += 36;
        if ((rc = read_bytes(c, &in->script_sig, &in->script_sig_len, "input script")) != CT_OK)
            return rc;
        if ((rc = need(c, 4, "input sequence")) != CT_OK)
            return rc;
        in->sequence = ct_le32(c->p);
        c->p += 4;
        in->witness = NULL;
        in->witness_len = 0;
        in->witness_items = 0;
        tx->n_in = (uint32_t)(i + 1);
    }

    if (n_in > 0 || tx_flags != 0) {
        if ((rc = read_count(c, &n_out, MIN_TXOUT_SIZE, "output count")) != CT_OK)
            return rc;
        cap = 0;
        for (uint64_t i = 0; i < n_out; i++) {
            if (i == cap &&
                !(tx->out = arena_grow(a, tx->out, i, &cap, sizeof(ct_btc_txout), n_out)))
                return nomem(c, "outputs");
            ct_btc_txout *out = &tx->out[i];
            if ((rc = need(c, 8, "output value")) != CT_OK)
                return rc;
            out->value = ct_le64(c->p);
            c->p += 8;
            if ((rc = read_bytes(c, &out->script, &out->script_len, "output script")) != CT_OK)
                return rc;
            tx->n_out = (uint32_t)(i + 1);
        }
    }
    const uint8_t *body_end = c->p;

    tx->segwit = false;
    if (tx_flags & 1) {
        bool any = false;
        tx_flags ^= 1;
        for (uint32_t i = 0; i < tx->n_in; i++) {
            uint64_t items;
            ct_btc_txin *in = &tx->in[i];
            if ((rc = read_count(c, &items, 1, "witness item count")) != CT_OK)
                return rc;
            in->witness = c->p;
            in->witness_items = (uint32_t)items;
            for (uint64_t k = 0; k < items; k++) {
                const uint8_t *item;
                uint32_t len;
                if ((rc = read_bytes(c, &item, &len, "witness item")) != CT_OK)
                    return rc;
            }
            in->witness_len = (uint32_t)(c->p - in->witness);
            any |= items > 0;
        }
        if (!any)
            return ct_fail(c->err, CT_ECORRUPT, "superfluous-witness-record",
                           "segwit flag set but every witness is empty");
        tx->segwit = true;
    }
    if (tx_flags)
        return ct_fail(c->err, CT_ECORRUPT, "unknown-optional-data",
                       "unknown transaction flag bits 0x%02x", tx_flags);
    if ((rc = need(c, 4, "locktime")) != CT_OK)
        return rc;
    tx->locktime = ct_le32(c->p);
    c->p += 4;

    tx->raw = start;
    tx->size = (uint32_t)(c->p - start);

    ct_sha256_ctx h;
    ct_sha256_init(&h);
    if (tx->segwit || body != start + 4) {
        /* Stripped serialization: version, inputs and outputs, locktime. */
        ct_sha256_update(&h, start, 4);
        ct_sha256_update(&h, body, (size_t)(body_end - body));
        ct_sha256_update(&h, c->p - 4, 4);
        tx->stripped_size = (uint32_t)(8 + (body_end - body));
    } else {
        ct_sha256_update(&h, start, tx->size);
        tx->stripped_size = tx->size;
    }
    ct_sha256d_final(&h, tx->txid);
    if (flags & CT_BTC_WTXID) {
        if (tx->segwit)
            ct_sha256d(tx->wtxid, start, tx->size);
        else
            memcpy(tx->wtxid, tx->txid, 32);
    } else {
        memset(tx->wtxid, 0, 32);
    }
    return check_tx(c, a, tx);
}

/* ---- 256-bit arithmetic for targets and work (little-endian 64-bit limbs) ---- */
typedef struct u256 {
    uint64_t w[4];
} u256;

static void u256_from_le(u256 *x, const uint8_t b[32])
{
    for (int i = 0; i < 4; i++)
        x->w[i] = ct_le64(b + 8 * i);
}

static void u256_from_be(u256 *x, const uint8_t b[32])
{
    for (int i = 0; i < 4; i++)
        x->w[3 - i] = ct_be64(b + 8 * i);
}

static void u256_to_be(uint8_t b[32], const u256 *x)
{
    for (int i = 0; i < 4; i++)
        ct_put_be64(b + 8 * i, x->w[3 - i]);
}

static int u256_cmp(const u256 *a, const u256 *b)
{
    for (int i = 3; i >= 0; i--)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

static bool u256_is_zero(const u256 *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

static void u256_shl(u256 *x, unsigned s)
{
    while (s >= 64) {
        x->w[3] = x->w[2];
        x->w[2] = x->w[1];
        x->w[1] = x->w[0];
        x->w[0] = 0;
        s -= 64;
    }
    if (s) {
        for (int i = 3; i > 0; i--)
            x->w[i] = x->w[i] << s | x->w[i - 1] >> (64 - s);
        x->w[0] <<= s;
    }
}

static void u256_sub(u256 *a, const u256 *b)
{
    unsigned __int128 borrow = 0;
    for (int i = 0; i < 4; i++) {
        unsigned __int128 d = (unsigned __int128)a->w[i] - b->w[i] - borrow;
        a->w[i] = (uint64_t)d;
        borrow = (d >> 64) ? 1 : 0;
    }
}

static bool u256_add(u256 *a, const u256 *b)
{
    unsigned __int128 carry = 0;
    for (int i = 0; i < 4; i++) {
        unsigned __int128 s = (unsigned __int128)a->w[i] + b->w[i] + carry;
        a->w[i] = (uint64_t)s;
        carry = s >> 64;
    }
    return carry != 0;
}

/* Core's arith_uint256::SetCompact. Returns false for negative, zero or overflowing
 * targets. */
static bool compact_to_target(u256 *t, uint32_t bits)
{
    unsigned size = bits >> 24;
    uint32_t word = bits & 0x007fffffu;
    memset(t, 0, sizeof(*t));
    if (size <= 3) {
        word >>= 8 * (3 - size);
        t->w[0] = word;
    } else {
        if (word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32)))
            return false;
        t->w[0] = word;
        u256_shl(t, 8 * (size - 3));
    }
    if (word != 0 && (bits & 0x00800000u))
        return false;
    return !u256_is_zero(t);
}

int ct_btc_check_pow(const uint8_t hash[32], uint32_t bits, const ct_btc_params *net, ct_error *err)
{
    u256 target, limit, h;
    u256_from_be(&limit, net->pow_limit);
    if (!compact_to_target(&target, bits) || u256_cmp(&target, &limit) > 0)
        return ct_fail(err, CT_ECORRUPT, "bad-diffbits",
                       "target 0x%08x is invalid or above the %s limit", bits, net->name);
    u256_from_le(&h, hash);
    if (u256_cmp(&h, &target) > 0)
        return ct_fail(err, CT_ECORRUPT, "high-hash",
                       "block hash is above its target 0x%08x (proof of work failed)", bits);
    return CT_OK;
}

int ct_btc_work_add(uint8_t work[32], uint32_t bits)
{
    /* work = 2^256 / (target + 1) = ~target / (target + 1) + 1, by shift-and-subtract. */
    u256 target, num, den, q, acc, one = {{1, 0, 0, 0}};
    if (!compact_to_target(&target, bits))
        return CT_EINVAL;
    for (int i = 0; i < 4; i++)
        num.w[i] = ~target.w[i];
    den = target;
    if (u256_add(&den, &one))
        return CT_EINVAL; /* target + 1 overflows only for 2^256 - 1; work is then 1 */
    memset(&q, 0, sizeof(q));
    u256 rem = {{0, 0, 0, 0}};
    for (int bit = 255; bit >= 0; bit--) {
        u256_shl(&rem, 1);
        rem.w[0] |= (num.w[bit / 64] >> (bit % 64)) & 1;
        if (u256_cmp(&rem, &den) >= 0) {
            u256_sub(&rem, &den);
            q.w[bit / 64] |= (uint64_t)1 << (bit % 64);
        }
    }
    u256_add(&q, &one);
    u256_from_be(&acc, work);
    if (u256_add(&acc, &q))
        return CT_EINVAL;
    u256_to_be(work, &acc);
    return CT_OK;
}

/* ---- merkle root ---- */
/* Core's ComputeMerkleRoot: the root of the txids, and whether any level holds two equal
 * adjacent hashes (the CVE-2012-2459 mutation). `hashes` is overwritten. */
static void merkle_root(uint8_t root[32], uint8_t (*hashes)[32], size_t n, bool *mutated)
{
    *mutated = false;
    while (n > 1) {
        for (size_t i = 0; i + 1 < n; i += 2)
            if (memcmp(hashes[i], hashes[i + 1], 32) == 0)
                *mutated = true;
        if (n & 1) {
            memcpy(hashes[n], hashes[n - 1], 32);
            n++;
        }
        for (size_t i = 0; i < n / 2; i++)
            ct_sha256d_pair(hashes[i], hashes[2 * i], hashes[2 * i + 1]);
        n /= 2;
    }
    memcpy(root, hashes[0], 32);
}

/* Height in a BIP34 coinbase: the first push of the script, a minimal little-endian number
 * (OP_1..OP_16 for 1..16, OP_0 for 0). Returns -1 when the script does not start so. */
static int64_t bip34_height(const ct_btc_txin *in)
{
    const uint8_t *s = in->script_sig;
    uint32_t n = in->script_sig_len;
    if (n == 0)
        return -1;
    if (s[0] == 0x00)
        return 0;
    if (s[0] >= 0x51 && s[0] <= 0x60)
        return s[0] - 0x50;
    if (s[0] < 1 || s[0] > 4 || n < 1u + s[0])
        return -1;
    uint64_t v = 0;
    for (unsigned i = 0; i < s[0]; i++)
        v |= (uint64_t)s[1 + i] << (8 * i);
    if (s[s[0]] & 0x80)
        return -1; /* negative */
    return (int64_t)v;
}

static ct_arena *block_arena(ct_btc_block *blk)
{
    if (!blk->priv_)
        blk->priv_ = ct_arena_new(ARENA_MAX_ALLOC);
    return blk->priv_;
}

void ct_btc_block_init(ct_btc_block *blk)
{
    memset(blk, 0, sizeof(*blk));
    blk->bip34_height = -1;
}

void ct_btc_block_release(ct_btc_block *blk)
{
    ct_arena_free(blk->priv_);
    ct_btc_block_init(blk);
}

static void reset_block(ct_btc_block *blk, ct_arena *a)
{
    ct_arena_reset(a);
    void *priv = blk->priv_;
    memset(blk, 0, sizeof(*blk));
    blk->priv_ = priv;
    blk->bip34_height = -1;
}

int ct_btc_block_decode(ct_btc_block *blk, const uint8_t *data, size_t len,
                        const ct_btc_params *net, unsigned flags, ct_error *err)
{
    ct_arena *a = block_arena(blk);
    cursor c = cursor_over(data, len, err);
    uint64_t n_tx;
    int rc;

    if (err) {
        /* The position fields this decoder owns describe this block only; a ct_error
         * reused across calls must not keep those of an earlier failure. */
        err->tx_index = -1;
        err->block_hash[0] = '\0';
    }
    if (!a)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating the block arena");
    reset_block(blk, a);
    if (len < CT_BTC_HEADER_SIZE)
        return eof_fail(&c, CT_BTC_HEADER_SIZE, "block header");

    ct_btc_header *h = &blk->header;
    h->version = (int32_t)ct_le32(data);
    memcpy(h->prev_hash, data + 4, 32);
    memcpy(h->merkle_root, data + 36, 32);
    h->time = ct_le32(data + 68);
    h->bits = ct_le32(data + 72);
    h->nonce = ct_le32(data + 76);
    ct_sha256d(blk->hash, data, CT_BTC_HEADER_SIZE);
    if (err)
        ct_hash_to_hex(err->block_hash, blk->hash);
    if (len > CT_BTC_MAX_BLOCK_SERIALIZED)
        return ct_fail(err, CT_ECORRUPT, "bad-blk-length", "block of %zu bytes exceeds %u", len,
                       CT_BTC_MAX_BLOCK_SERIALIZED);
    c.p += CT_BTC_HEADER_SIZE;

    if (!(flags & CT_BTC_NO_POW) && (rc = ct_btc_check_pow(blk->hash, h->bits, net, err)) != 0)
        return rc;

    if ((rc = read_compact(&c, &n_tx, "transaction count")) != CT_OK)
        return rc;
    if (n_tx == 0 || n_tx * WITNESS_SCALE > CT_BTC_MAX_BLOCK_WEIGHT)
        return ct_fail(err, CT_ECORRUPT, "bad-blk-length", "block has %llu transactions",
                       (unsigned long long)n_tx);
    if (n_tx > remaining(&c) / MIN_TX_SIZE)
        return ct_fail(err, CT_ECORRUPT, "truncated-data",
                       "block claims %llu transactions but only %zu bytes remain",
                       (unsigned long long)n_tx, remaining(&c));

    size_t cap = 0;
    uint64_t stripped = (uint64_t)(c.p - data);
    for (uint64_t i = 0; i < n_tx; i++) {
        if (i == cap && !(blk->tx = arena_grow(a, blk->tx, i, &cap, sizeof(ct_btc_tx), n_tx)))
            return nomem(&c, "transactions");
        if (err)
            err->tx_index = (int64_t)i;
        ct_btc_tx *tx = &blk->tx[i];
        if ((rc = parse_tx(&c, a, tx, flags)) != CT_OK)
            return rc;
        blk->n_tx = (uint32_t)(i + 1);
        stripped += tx->stripped_size;
        if (i == 0 && !tx->coinbase)
            return ct_fail(err, CT_ECORRUPT, "bad-cb-missing",
                           "first transaction is not a coinbase");
        if (i > 0 && tx->coinbase)
            return ct_fail(err, CT_ECORRUPT, "bad-cb-multiple", "more than one coinbase");
    }
    if (err)
        err->tx_index = -1;
    if (c.p != c.end)
        return ct_fail(err, CT_ECORRUPT, "trailing-data", "block parsed in %zu of its %zu bytes",
                       position(&c), len);
    blk->size = (uint32_t)len;
    blk->stripped_size = (uint32_t)stripped;
    blk->weight = (uint32_t)(stripped * (WITNESS_SCALE - 1) + len);
    if (stripped * WITNESS_SCALE > CT_BTC_MAX_BLOCK_WEIGHT)
        return ct_fail(err, CT_ECORRUPT, "bad-blk-length",
                       "stripped size %llu x 4 exceeds the weight limit",
                       (unsigned long long)stripped);

    /* Merkle root over the txids, one spare slot for an odd level. */
    uint8_t(*hashes)[32] = ct_arena_alloc(a, (size_t)n_tx + 1, 32);
    if (!hashes)
        return nomem(&c, "merkle tree");
    for (uint32_t i = 0; i < blk->n_tx; i++)
        memcpy(hashes[i], blk->tx[i].txid, 32);
    uint8_t root[32];
    bool mutated;
    merkle_root(root, hashes, blk->n_tx, &mutated);
    if (memcmp(root, h->merkle_root, 32) != 0) {
        char want[65], got[65];
        ct_hash_to_hex(want, h->merkle_root);
        ct_hash_to_hex(got, root);
        return ct_fail(err, CT_ECORRUPT, "bad-txnmrklroot", "header says %s, transactions give %s",
                       want, got);
    }
    if (mutated)
        return ct_fail(err, CT_ECORRUPT, "bad-txns-duplicate",
                       "duplicate transaction in the merkle tree (CVE-2012-2459 mutation)");
    if (h->version >= 2)
        blk->bip34_height = bip34_height(&blk->tx[0].in[0]);
    return CT_OK;
}

int ct_btc_tx_decode(ct_btc_block *blk, const uint8_t *data, size_t len, unsigned flags,
                     ct_error *err)
{
    ct_arena *a = block_arena(blk);
    cursor c = cursor_over(data, len, err);
    int rc;
    if (err) {
        err->tx_index = 0;
        err->block_hash[0] = '\0'; /* a lone transaction belongs to no block */
    }
    if (!a)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "allocating the block arena");
    reset_block(blk, a);
    blk->tx = ct_arena_alloc(a, 1, sizeof(ct_btc_tx));
    if (!blk->tx)
        return nomem(&c, "transaction");
    if ((rc = parse_tx(&c, a, blk->tx, flags)) != CT_OK)
        return rc;
    if (c.p != c.end)
        return ct_fail(err, CT_ECORRUPT, "trailing-data", "transaction parsed in %zu of %zu bytes",
                       position(&c), len);
    blk->n_tx = 1;
    blk->size = (uint32_t)len;
    blk->stripped_size = blk->tx->stripped_size;
    blk->weight = blk->stripped_size * (WITNESS_SCALE - 1) + blk->size;
    return CT_OK;
}

bool ct_btc_error_is_parse(const ct_error *err)
{
    static const char *const parse_reasons[] = {
        "truncated-data",
        "trailing-data",
        "non-canonical-compact-size",
        "compact-size-too-large",
        "superfluous-witness-record",
        "unknown-optional-data",
    };
    for (size_t i = 0; i < sizeof(parse_reasons) / sizeof(parse_reasons[0]); i++)
        if (strcmp(err->reason, parse_reasons[i]) == 0)
            return true;
    return false;
}
