/* `cluster rebuild` (include/chaintrail/cluster.h, docs/clustering.md): the clusters of
 * the stored main chain computed again from its rows, block by block and transaction by
 * transaction in the order the ingest uses, so the rows come out the same as incremental
 * clustering makes them. Each block's undo record gets the cluster entries the ingest would
 * have written, replacing any it had, so that rollbacks and reorgs restore the rebuilt
 * clusters exactly.
 *
 * Not atomic as a whole: it first removes the policy row (the database no longer clusters),
 * then the cluster rows, rebuilds in batches, and writes the policy and counters last. An
 * interrupted rebuild leaves a database without clusters (verify says so if cluster rows
 * remain) until a rebuild completes. */
#include <stdlib.h>
#include <string.h>

#include "chaintrail/cluster.h"
#include "cluster/cluster_internal.h"
#include "store/rowcache.h"

#define RB_BATCH_BYTES  (16u << 20)
#define RB_CACHE_BYTES  (256u << 20)
#define RB_PROGRESS     1000u
#define RB_HEADER_BYTES (32 + 8 + 4 + 8 + 8 + CT_COUNTERS_SIZE) /* of a u row */

typedef struct rb {
    ct_db *db;
    ct_store *st;
    ct_error *err;
    ct_store_batch *b;
    ct_rowcache cache; /* every row written by this rebuild not yet in LevelDB, and reads */
    ct_buf v;
    ct_buf kv; /* the block's cluster undo entries */
    uint32_t n_kv;
    ct_hmap undone;
    ct_cl_work w;
    ct_cj_in *in;
    ct_cj_out *out;
    uint64_t *link_b;
    size_t cap_in, cap_out;
} rb;

static int oom(rb *r)
{
    return ct_fail(r->err, CT_ENOMEM, "out-of-memory", "rebuilding clusters");
}

static int rb_get(void *ctx, const uint8_t *k, size_t kl, const uint8_t **v, size_t *vl)
{
    rb *r = ctx;
    const uint8_t *cv;
    size_t cl;
    int c = ct_rowcache_get(&r->cache, k, kl, &cv, &cl);
    if (c == 0)
        return CT_ENOTFOUND;
    if (c > 0) {
        *v = cv;
        *vl = cl;
        return CT_OK;
    }
    int rc = ct_store_get(r->st, NULL, k, kl, &r->v, r->err);
    *v = r->v.data;
    *vl = r->v.len;
    if (k[0] == CT_T_CLUSTER && (rc == CT_OK || rc == CT_ENOTFOUND))
        (void)!ct_rowcache_put(&r->cache, k, kl, r->v.data, rc == CT_OK ? r->v.len : 0,
                               rc == CT_OK);
    return rc;
}

static int undo_entry(rb *r, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, bool present)
{
    if (ct_undo_kv_append(&r->kv, k, kl, v, vl, present))
        return oom(r);
    r->n_kv++;
    return CT_OK;
}

static int rb_put(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                  const uint8_t *old, size_t old_len, bool old_present)
{
    rb *r = ctx;
    uint64_t seen;
    if (!ct_hmap_get(&r->undone, k, kl, &seen)) {
        int rc = undo_entry(r, k, kl, old, old_len, old_present);
        if (rc)
            return rc;
        if (ct_hmap_put(&r->undone, k, kl, 1))
            return oom(r);
    }
    ct_store_batch_put(r->b, k, kl, v, vl);
    if (ct_rowcache_put(&r->cache, k, kl, v, vl, true))
        return oom(r);
    return CT_OK;
}

/* Reads row k that must exist (CT_EDBCORRUPT "missing-row" otherwise) into r->v. */
static int need(rb *r, const uint8_t *k, size_t kl, const char *what, unsigned long long id)
{
    int rc = ct_store_get(r->st, NULL, k, kl, &r->v, r->err);
    if (rc == CT_ENOTFOUND)
        return ct_fail(r->err, CT_EDBCORRUPT, "missing-row", "%s %llu", what, id);
    return rc;
}

/* Deletes every row of table t (in batches). */
static int wipe(rb *r, uint8_t t)
{
    ct_store_iter *it = ct_store_iter_new(r->st, NULL);
    if (!it)
        return oom(r);
    int rc = CT_OK;
    ct_store_batch_clear(r->b);
    for (ct_store_iter_seek(it, &t, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl < 1 || k[0] != t)
            break;
        ct_store_batch_del(r->b, k, kl);
        if (ct_store_batch_bytes(r->b) >= RB_BATCH_BYTES &&
            (rc = ct_store_write(r->st, r->b, false, r->err)))
            break;
        if (ct_store_batch_bytes(r->b) >= RB_BATCH_BYTES)
            ct_store_batch_clear(r->b);
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, r->err);
    ct_store_iter_free(it);
    if (rc == CT_OK)
        rc = ct_store_write(r->st, r->b, false, r->err);
    ct_store_batch_clear(r->b);
    return rc;
}

static bool cluster_key(const uint8_t *k, size_t kl)
{
    return k[0] == CT_T_CLUSTER || k[0] == CT_T_CLMERGE || k[0] == CT_T_CLFLAG ||
           (kl == 11 && memcmp(k, "mclcounters", 11) == 0);
}

/* The u row of `height` with its cluster entries replaced by r->kv. */
static int rewrite_undo(rb *r, uint32_t height)
{
    uint8_t k[5];
    ct_key_u32(k, CT_T_UNDO, height);
    int rc = need(r, k, 5, "undo record of height", height);
    if (rc)
        return rc;
    const uint8_t *p = r->v.data, *end = p + r->v.len;
    if (end - p < RB_HEADER_BYTES + 4)
        goto bad;
    p += RB_HEADER_BYTES;
    uint32_t nd = ct_be32(p);
    p += 4;
    size_t dsize = CT_UNDO_DELTA_NARROW;
    if (nd & CT_UNDO_WIDE) { /* the unspent value's high half, then 80-byte deltas */
        nd &= ~CT_UNDO_WIDE;
        dsize = CT_UNDO_DELTA_WIDE;
        if (end - p < 8)
            goto bad;
        p += 8;
    }
    if ((size_t)(end - p) / dsize < nd || (size_t)(end - p) - (size_t)nd * dsize < 4)
        goto bad;
    p += (size_t)nd * dsize;
    uint32_t nkv = ct_be32(p);
    p += 4;
    ct_buf out;
    ct_buf_init(&out, 1u << 30);
    size_t head = (size_t)(p - r->v.data) - 4;
    uint32_t kept = 0;
    if (ct_buf_append(&out, r->v.data, head) || ct_buf_append(&out, "\0\0\0\0", 4)) {
        ct_buf_release(&out);
        return oom(r);
    }
    for (uint32_t i = 0; i < nkv; i++) {
        if (end - p < 1 || (size_t)(end - p) < 1u + p[0] + 5u) {
            ct_buf_release(&out);
            goto bad;
        }
        size_t kl = p[0];
        uint32_t vl = ct_be32(p + 1 + kl + 1);
        size_t n = 1 + kl + 5 + vl;
        if ((size_t)(end - p) < n) {
            ct_buf_release(&out);
            goto bad;
        }
        if (!cluster_key(p + 1, kl)) {
            if (ct_buf_append(&out, p, n)) {
                ct_buf_release(&out);
                return oom(r);
            }
            kept++;
        }
        p += n;
    }
    if (ct_buf_append(&out, r->kv.data, r->kv.len)) {
        ct_buf_release(&out);
        return oom(r);
    }
    ct_put_be32(out.data + head, kept + r->n_kv);
    ct_store_batch_put(r->b, k, 5, out.data, out.len);
    ct_buf_release(&out);
    return CT_OK;
bad:
    return ct_fail(r->err, CT_EDBCORRUPT, "bad-undo", "undo record of height %u is malformed",
                   height);
}

static int grow(rb *r, uint32_t n_in, uint32_t n_out)
{
    if (n_in > r->cap_in) {
        ct_cj_in *ni = realloc(r->in, n_in * sizeof(*ni));
        if (!ni)
            return oom(r);
        r->in = ni;
        r->cap_in = n_in;
    }
    if (n_out > r->cap_out) {
        ct_cj_out *no = realloc(r->out, n_out * sizeof(*no));
        if (no)
            r->out = no;
        uint64_t *nl = no ? realloc(r->link_b, n_out * sizeof(*nl)) : NULL;
        if (!nl)
            return oom(r);
        r->link_b = nl;
        r->cap_out = n_out;
    }
    return CT_OK;
}

/* One transaction: the unions the ingest makes for it (ingest.c, connect_tx). */
static int rebuild_tx(rb *r, uint64_t txnum, uint32_t height)
{
    uint8_t k[13];
    ct_row_tx tx;
    int rc;
    if ((rc = need(r, k, ct_key_u64(k, CT_T_TX, txnum), "transaction", txnum)) ||
        (rc = ct_row_tx_decode(&tx, r->v.data, r->v.len, r->err)))
        return rc;
    bool coinbase = tx.flags & CT_TXF_COINBASE;
    if ((rc = grow(r, coinbase ? 0 : tx.n_in, tx.n_out)))
        return rc;
    for (uint32_t i = 0; !coinbase && i < tx.n_in; i++) {
        ct_row_input in;
        if ((rc = need(r, k, ct_key_u64_u32(k, CT_T_INPUT, txnum, i), "input of tx", txnum)) ||
            (rc = ct_row_input_decode(&in, r->v.data, r->v.len, r->err)))
            return rc;
        r->in[i] = (ct_cj_in){in.value, in.addrid, 0};
        if (in.prev_txnum != CT_TXNUM_NONE) {
            ct_row_output o;
            if ((rc = need(r, k, ct_key_u64_u32(k, CT_T_OUTPUT, in.prev_txnum, in.prev_vout),
                           "output of tx", in.prev_txnum)) ||
                (rc = ct_row_output_decode(&o, r->v.data, r->v.len, r->err)))
                return rc;
            r->in[i].type = o.type;
        }
    }
    for (uint32_t j = 0; j < tx.n_out; j++) {
        ct_row_output o;
        if ((rc = need(r, k, ct_key_u64_u32(k, CT_T_OUTPUT, txnum, j), "output of tx", txnum)) ||
            (rc = ct_row_output_decode(&o, r->v.data, r->v.len, r->err)))
            return rc;
        r->out[j] = (ct_cj_out){o.value, o.addrid, o.type};
        r->link_b[j] = 0;
        if (o.type == CT_BTC_P2PK && o.addrid != CT_ADDRID_NONE) {
            rc = ct_store_get(r->st, NULL, k, ct_key_u64(k, CT_T_LINK, o.addrid), &r->v, r->err);
            if (rc == CT_OK && r->v.len == 8)
                r->link_b[j] = ct_be64(r->v.data);
            else if (rc == CT_OK)
                return ct_fail(r->err, CT_EDBCORRUPT, "bad-row", "link row of %zu bytes", r->v.len);
            else if (rc != CT_ENOTFOUND)
                return rc;
        }
    }
    ct_cj_tx cj = {0, 0, height, coinbase ? 0 : tx.n_in, tx.n_out, r->in, r->out};
    if (!coinbase && (rc = ct_cl_tx(&r->w, &cj, txnum, NULL)))
        return rc;
    for (uint32_t j = 0; j < tx.n_out; j++)
        if (r->link_b[j] && (rc = ct_cl_link(&r->w, r->out[j].addrid, r->link_b[j], txnum)))
            return rc;
    return CT_OK;
}

int ct_cluster_rebuild(ct_db *db, const ct_cluster_policy *policy,
                       void (*progress)(void *ctx, const ct_cluster_rebuild_stats *st), void *ctx,
                       volatile int *stop, ct_error *err)
{
    ct_cl_policy pol;
    if (policy) {
        if (policy->detectors & ~(unsigned)CT_CJ_ALL)
            return ct_fail(err, CT_EINVAL, "bad-policy", "unknown detector bits 0x%x",
                           policy->detectors & ~(unsigned)CT_CJ_ALL);
        pol.threshold = policy->threshold;
        pol.detectors = policy->detectors;
    } else if (db->clusters) {
        pol = db->cl_policy;
    } else {
        ct_cluster_default_policy(&pol);
    }
    rb r;
    memset(&r, 0, sizeof(r));
    r.db = db;
    r.st = db->st;
    r.err = err;
    r.b = ct_store_batch_new();
    ct_buf_init(&r.v, 1u << 30);
    ct_buf_init(&r.kv, 1u << 30);
    ct_hmap_init(&r.undone);
    ct_rowcache_init(&r.cache, RB_CACHE_BYTES);
    ct_cl_counters ctr, before;
    memset(&ctr, 0, sizeof(ctr));
    ct_cl_io io = {&r, rb_get, rb_put};
    ct_cl_work_init(&r.w, &io, &pol, &ctr, err);
    r.w.mask = ct_cluster_mask(&pol, db->network[0] ? db->network : "mainnet");
    ct_cluster_rebuild_stats st = {0, db->has_tip ? (uint64_t)db->tip.height + 1 : 0, 0};
    int rc = r.b ? CT_OK : oom(&r);
    uint8_t mk[16], mv[CT_CL_COUNTERS_SIZE];

    /* 1. The database stops clustering; 2. the old rows go. */
    if (rc == CT_OK) {
        ct_store_batch_del(r.b, mk, ct_key_meta(mk, "clpolicy"));
        ct_store_batch_del(r.b, mk, ct_key_meta(mk, "clcounters"));
        rc = ct_store_write(r.st, r.b, true, err);
        ct_store_batch_clear(r.b);
        if (rc == CT_OK) {
            db->clusters = false;
            memset(&db->cl_ctr, 0, sizeof(db->cl_ctr));
        }
    }
    const uint8_t tables[3] = {CT_T_CLUSTER, CT_T_CLMERGE, CT_T_CLFLAG};
    for (int i = 0; rc == CT_OK && i < 3; i++)
        rc = wipe(&r, tables[i]);

    /* 3. Block by block. */
    uint32_t first_height = 0;
    if (rc == CT_OK && db->has_tip) {
        /* A chain started mid-way has no n rows below its root. */
        ct_store_iter *it = ct_store_iter_new(r.st, NULL);
        const uint8_t pfx = CT_T_HEIGHT;
        if (!it)
            rc = oom(&r);
        else {
            ct_store_iter_seek(it, &pfx, 1);
            size_t kl;
            if (ct_store_iter_valid(it) && ct_store_iter_key(it, &kl)[0] == CT_T_HEIGHT && kl == 5)
                first_height = ct_be32(ct_store_iter_key(it, &kl) + 1);
            rc = ct_store_iter_status(it, err);
            ct_store_iter_free(it);
        }
    }
    for (uint64_t h = first_height; rc == CT_OK && db->has_tip && h <= db->tip.height; h++) {
        if (stop && *stop)
            break;
        uint8_t k[5];
        ct_row_block blk;
        if ((rc = need(&r, k, ct_key_u32(k, CT_T_HEIGHT, (uint32_t)h), "block at height", h)) ||
            (rc = ct_row_block_decode(&blk, r.v.data, r.v.len, err)))
            break;
        before = ctr;
        ct_buf_reset(&r.kv);
        r.n_kv = 0;
        ct_hmap_clear(&r.undone);
        for (uint32_t t = 0; rc == CT_OK && t < blk.n_tx; t++)
            rc = rebuild_tx(&r, blk.first_txnum + t, (uint32_t)h);
        if (rc == CT_OK)
            rc = ct_cl_flush(&r.w);
        if (rc == CT_OK)
            rc = undo_entry(&r, mk, ct_key_meta(mk, "clcounters"), mv,
                            ct_cl_counters_encode(mv, &before), true);
        if (rc == CT_OK)
            rc = rewrite_undo(&r, (uint32_t)h);
        st.blocks++;
        st.txs += blk.n_tx;
        if (rc == CT_OK && ct_store_batch_bytes(r.b) >= RB_BATCH_BYTES) {
            rc = ct_store_write(r.st, r.b, false, err);
            ct_store_batch_clear(r.b);
            ct_rowcache_rotate(&r.cache);
        }
        if (rc == CT_OK && progress && st.blocks % RB_PROGRESS == 0)
            progress(ctx, &st);
    }
    /* 4. The last rows, the counters and the policy: clustering is on again. */
    if (rc == CT_OK && !(stop && *stop)) {
        ct_store_batch_put(r.b, mk, ct_key_meta(mk, "clcounters"), mv,
                           ct_cl_counters_encode(mv, &ctr));
        ct_store_batch_put(r.b, mk, ct_key_meta(mk, "clpolicy"), mv, ct_cl_policy_encode(mv, &pol));
        rc = ct_store_write(r.st, r.b, true, err);
        if (rc == CT_OK) {
            db->clusters = true;
            db->cl_policy = pol;
            db->cl_ctr = ctr;
        }
    } else if (rc == CT_OK) {
        rc = ct_store_write(r.st, r.b, true, err); /* what was done stays, unused */
    }
    if (progress && rc == CT_OK)
        progress(ctx, &st);
    ct_cl_work_release(&r.w);
    ct_rowcache_release(&r.cache);
    ct_hmap_release(&r.undone);
    ct_buf_release(&r.v);
    ct_buf_release(&r.kv);
    ct_store_batch_free(r.b);
    free(r.in);
    free(r.out);
    free(r.link_b);
    return rc;
}
