/* `cluster rebuild` (include/chaintrail/cluster.h, docs/clustering.md): the clusters of
 * the stored main chain computed again from its rows, block by block and transaction by
 * transaction in the order the ingest uses, so the rows come out the same as incremental
 * clustering makes them. Each block's undo record gets the cluster entries the ingest would
 * have written, replacing any it had, so that rollbacks and reorgs restore the rebuilt
 * clusters exactly.
 *
 * Fast because it reads the chain in key order and keeps the union-find in memory: the
 * block, undo, transaction, input and output rows are read by five iterators that move
 * forward in height and txnum order (a point read only for P2PK key links; the spent
 * outputs' script types are not read, as no CoinJoin detector looks at them); the
 * `e` rows live in arrays over the dense address ids (4 x uint32 per address: parent, next,
 * and a root's size and cluster id; 16 bytes per address of the database, bounded and
 * freed at the end) and are written once each, at the end, in key order. The merge log,
 * flagged merges and rewritten undo records go into unsynced batches as they come.
 *
 * Atomic for its readers: it first replaces the policy and counters rows with the marker
 * row "clrebuild" in one synchronous write, and removes the marker in the same synchronous
 * write that puts the policy and counters back. While the marker exists (a rebuild was
 * interrupted: SIGINT, SIGTERM, a kill), the database is one with an unfinished rebuild
 * (db->cl_rebuilding): the commands that would use clusters refuse with a message naming
 * `cluster rebuild` (ct_cluster_check), and a new rebuild finishes it. */
#include <stdlib.h>
#include <string.h>

#include "chaintrail/cluster.h"
#include "cluster/cluster_internal.h"

#define RB_BATCH_BYTES  (16u << 20)
#define RB_PROGRESS     1000u
#define RB_HEADER_BYTES (32 + 8 + 4 + 8 + 8 + CT_COUNTERS_SIZE) /* of a u row */

/* A forward cursor over one table: the rows of a rebuild are read in key order. */
typedef struct cursor {
    ct_store_iter *it;
} cursor;

typedef struct rb {
    ct_db *db;
    ct_store *st;
    ct_error *err;
    ct_store_batch *b;
    /* The union-find rows `e` of every address (index: address id): parent 0 = no row. */
    uint32_t *parent, *next, *size, *cid;
    uint64_t n_addr;
    uint8_t row[CT_CL_ROOT_SIZE];
    ct_buf v;
    ct_buf kv; /* the block's cluster undo entries */
    uint32_t n_kv;
    ct_hmap undone;
    ct_cl_work w;
    cursor tx, in, out, blk, undo; /* blk: the n rows (heights) */
    ct_cj_in *ins;
    ct_cj_out *outs;
    uint64_t *link_b;
    size_t cap_in, cap_out;
} rb;

static int oom(rb *r)
{
    return ct_fail(r->err, CT_ENOMEM, "out-of-memory", "rebuilding clusters");
}

static int bad_addr(rb *r, uint64_t id)
{
    return ct_fail(r->err, CT_EDBCORRUPT, "bad-row", "cluster row of address %llu, past the last",
                   (unsigned long long)id);
}

/* The e row of an address from the arrays; no other table is read through the overlay. */
static int rb_get(void *ctx, const uint8_t *k, size_t kl, const uint8_t **v, size_t *vl)
{
    rb *r = ctx;
    uint64_t id = kl == 9 ? ct_be64(k + 1) : 0;
    if (k[0] != CT_T_CLUSTER || id == 0 || id >= r->n_addr)
        return bad_addr(r, id);
    if (r->parent[id] == 0)
        return CT_ENOTFOUND;
    ct_put_be64(r->row, r->parent[id]);
    ct_put_be64(r->row + 8, r->next[id]);
    *v = r->row;
    *vl = CT_CL_ROW_SIZE;
    if (r->parent[id] == id) {
        ct_put_be64(r->row + 16, r->size[id]);
        ct_put_be64(r->row + 24, r->cid[id]);
        *vl = CT_CL_ROOT_SIZE;
    }
    return CT_OK;
}

static int undo_entry(rb *r, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, bool present)
{
    if (ct_undo_kv_append(&r->kv, k, kl, v, vl, present))
        return oom(r);
    r->n_kv++;
    return CT_OK;
}

/* An e row goes into the arrays (written to the store at the end, once); the merge log and
 * flagged merges into the batch. Each key's first value of the block gets an undo entry. */
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
    if (k[0] != CT_T_CLUSTER) {
        ct_store_batch_put(r->b, k, kl, v, vl);
        return CT_OK;
    }
    uint64_t id = kl == 9 ? ct_be64(k + 1) : 0;
    if (id == 0 || id >= r->n_addr)
        return bad_addr(r, id);
    ct_cl_node n;
    int rc = ct_cl_row_decode(id, v, vl, &n, r->err);
    if (rc)
        return rc;
    r->parent[id] = (uint32_t)n.parent;
    r->next[id] = (uint32_t)n.next;
    r->size[id] = (uint32_t)n.size;
    r->cid[id] = (uint32_t)n.cid;
    return CT_OK;
}

/* Writes every e row from the arrays, in key order, in unsynced batches. */
static int write_rows(rb *r)
{
    int rc = CT_OK;
    for (uint64_t id = 1; rc == CT_OK && id < r->n_addr; id++) {
        if (r->parent[id] == 0)
            continue;
        uint8_t k[9];
        const uint8_t *v;
        size_t vl;
        ct_key_u64(k, CT_T_CLUSTER, id);
        if ((rc = rb_get(r, k, 9, &v, &vl)))
            break;
        ct_store_batch_put(r->b, k, 9, v, vl);
        if (ct_store_batch_bytes(r->b) >= RB_BATCH_BYTES) {
            rc = ct_store_write(r->st, r->b, false, r->err);
            ct_store_batch_clear(r->b);
        }
    }
    return rc;
}

/* The row k of the cursor's table into r->v: the next row when it is k (the rows are read
 * in order), else after a seek. CT_EDBCORRUPT "missing-row" when there is none. */
static int at(rb *r, cursor *c, const uint8_t *k, size_t kl, const char *what,
              unsigned long long id)
{
    size_t ckl = 0;
    const uint8_t *ck = ct_store_iter_valid(c->it) ? ct_store_iter_key(c->it, &ckl) : NULL;
    if (!ck || ckl != kl || memcmp(ck, k, kl) != 0) {
        ct_store_iter_seek(c->it, k, kl);
        ck = ct_store_iter_valid(c->it) ? ct_store_iter_key(c->it, &ckl) : NULL;
    }
    if (!ck || ckl != kl || memcmp(ck, k, kl) != 0) {
        int rc = ct_store_iter_status(c->it, r->err);
        return rc ? rc : ct_fail(r->err, CT_EDBCORRUPT, "missing-row", "%s %llu", what, id);
    }
    size_t vl;
    const uint8_t *v = ct_store_iter_value(c->it, &vl);
    ct_buf_reset(&r->v);
    if (ct_buf_append(&r->v, v, vl))
        return oom(r);
    ct_store_iter_next(c->it);
    return CT_OK;
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
    int rc = at(r, &r->undo, k, 5, "undo record of height", height);
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
    /* Where the record already holds exactly these cluster entries (a rebuild with the
     * policy it was ingested with), it is not written again. */
    const uint8_t *cl_first = NULL, *cl_end = NULL;
    bool same = true;
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
            same = same && !cl_first;
        } else if (!cl_first) {
            cl_first = p;
        }
        p += n;
        if (cluster_key(p - n + 1, kl))
            cl_end = p;
    }
    size_t cl_len = cl_first ? (size_t)(cl_end - cl_first) : 0;
    if (same && cl_len == r->kv.len && nkv - kept == r->n_kv &&
        (cl_len == 0 || memcmp(cl_first, r->kv.data, cl_len) == 0)) {
        ct_buf_release(&out);
        return CT_OK;
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
        ct_cj_in *ni = realloc(r->ins, n_in * sizeof(*ni));
        if (!ni)
            return oom(r);
        r->ins = ni;
        r->cap_in = n_in;
    }
    if (n_out > r->cap_out) {
        ct_cj_out *no = realloc(r->outs, n_out * sizeof(*no));
        if (no)
            r->outs = no;
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
    if ((rc = at(r, &r->tx, k, ct_key_u64(k, CT_T_TX, txnum), "transaction", txnum)) ||
        (rc = ct_row_tx_decode(&tx, r->v.data, r->v.len, r->err)))
        return rc;
    bool coinbase = tx.flags & CT_TXF_COINBASE;
    if ((rc = grow(r, coinbase ? 0 : tx.n_in, tx.n_out)))
        return rc;
    for (uint32_t i = 0; !coinbase && i < tx.n_in; i++) {
        ct_row_input in;
        if ((rc =
                 at(r, &r->in, k, ct_key_u64_u32(k, CT_T_INPUT, txnum, i), "input of tx", txnum)) ||
            (rc = ct_row_input_decode(&in, r->v.data, r->v.len, r->err)))
            return rc;
        /* The spent output's type stays 0: no detector reads an input's type (detect.h), so
         * it is not read (it was a point read per input, half of the rebuild's time). */
        r->ins[i] = (ct_cj_in){in.value, in.addrid, 0};
    }
    for (uint32_t j = 0; j < tx.n_out; j++) {
        ct_row_output o;
        if ((rc = at(r, &r->out, k, ct_key_u64_u32(k, CT_T_OUTPUT, txnum, j), "output of tx",
                     txnum)) ||
            (rc = ct_row_output_decode(&o, r->v.data, r->v.len, r->err)))
            return rc;
        r->outs[j] = (ct_cj_out){o.value, o.addrid, o.type};
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
    ct_cj_tx cj = {0, 0, height, coinbase ? 0 : tx.n_in, tx.n_out, r->ins, r->outs};
    if (!coinbase && (rc = ct_cl_tx(&r->w, &cj, txnum, NULL)))
        return rc;
    for (uint32_t j = 0; j < tx.n_out; j++)
        if (r->link_b[j] && (rc = ct_cl_link(&r->w, r->outs[j].addrid, r->link_b[j], txnum)))
            return rc;
    return CT_OK;
}

static int open_cursor(rb *r, cursor *c)
{
    c->it = ct_store_iter_new(r->st, NULL);
    return c->it ? CT_OK : oom(r);
}

/* The height of the chain's first stored block (a chain started mid-way has no n rows
 * below its root). */
static int first_height(rb *r, uint32_t *out)
{
    *out = 0;
    ct_store_iter *it = ct_store_iter_new(r->st, NULL);
    if (!it)
        return oom(r);
    const uint8_t pfx = CT_T_HEIGHT;
    ct_store_iter_seek(it, &pfx, 1);
    size_t kl;
    if (ct_store_iter_valid(it) && ct_store_iter_key(it, &kl)[0] == CT_T_HEIGHT && kl == 5)
        *out = ct_be32(ct_store_iter_key(it, &kl) + 1);
    int rc = ct_store_iter_status(it, r->err);
    ct_store_iter_free(it);
    return rc;
}

static void rb_release(rb *r)
{
    ct_cl_work_release(&r->w);
    ct_hmap_release(&r->undone);
    ct_buf_release(&r->v);
    ct_buf_release(&r->kv);
    ct_store_batch_free(r->b);
    ct_store_iter_free(r->tx.it);
    ct_store_iter_free(r->in.it);
    ct_store_iter_free(r->out.it);
    ct_store_iter_free(r->blk.it);
    ct_store_iter_free(r->undo.it);
    free(r->ins);
    free(r->outs);
    free(r->link_b);
    free(r->parent);
    free(r->next);
    free(r->size);
    free(r->cid);
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
    } else if (db->clusters || db->cl_rebuilding) {
        pol = db->cl_policy;
    } else {
        ct_cluster_default_policy(&pol);
    }
    if (db->next.addrid > UINT32_MAX)
        return ct_fail(err, CT_EINVAL, "too-many-addresses",
                       "cluster rebuild keeps 32-bit address ids in memory; this database has "
                       "%llu addresses",
                       (unsigned long long)(db->next.addrid - 1));
    rb r;
    memset(&r, 0, sizeof(r));
    r.db = db;
    r.st = db->st;
    r.err = err;
    r.b = ct_store_batch_new();
    r.n_addr = db->next.addrid;
    ct_buf_init(&r.v, 1u << 30);
    ct_buf_init(&r.kv, 1u << 30);
    ct_hmap_init(&r.undone);
    ct_cl_counters ctr, before;
    memset(&ctr, 0, sizeof(ctr));
    ct_cl_io io = {&r, rb_get, rb_put};
    ct_cl_work_init(&r.w, &io, &pol, &ctr, err);
    r.w.mask = ct_cluster_mask(&pol, db->network[0] ? db->network : "mainnet");
    ct_cluster_rebuild_stats st = {0, db->has_tip ? (uint64_t)db->tip.height + 1 : 0, 0};
    r.parent = calloc(r.n_addr, sizeof(uint32_t));
    r.next = calloc(r.n_addr, sizeof(uint32_t));
    r.size = calloc(r.n_addr, sizeof(uint32_t));
    r.cid = calloc(r.n_addr, sizeof(uint32_t));
    int rc = r.b && r.parent && r.next && r.size && r.cid ? CT_OK : oom(&r);
    uint8_t mk[16], mv[CT_CL_COUNTERS_SIZE];

    /* 1. The database stops clustering and says a rebuild is under way; 2. the old rows go. */
    if (rc == CT_OK) {
        ct_store_batch_del(r.b, mk, ct_key_meta(mk, "clpolicy"));
        ct_store_batch_del(r.b, mk, ct_key_meta(mk, "clcounters"));
        ct_store_batch_put(r.b, mk, ct_key_meta(mk, "clrebuild"), mv,
                           ct_cl_policy_encode(mv, &pol));
        rc = ct_store_write(r.st, r.b, true, err);
        ct_store_batch_clear(r.b);
        if (rc == CT_OK) {
            db->clusters = false;
            db->cl_rebuilding = true;
            memset(&db->cl_ctr, 0, sizeof(db->cl_ctr));
        }
    }
    const uint8_t tables[3] = {CT_T_CLUSTER, CT_T_CLMERGE, CT_T_CLFLAG};
    for (int i = 0; rc == CT_OK && i < 3; i++)
        rc = wipe(&r, tables[i]);

    /* 3. Block by block. */
    uint32_t h0 = 0;
    if (rc == CT_OK && db->has_tip)
        rc = first_height(&r, &h0);
    if (rc == CT_OK && (rc = open_cursor(&r, &r.tx)) == CT_OK &&
        (rc = open_cursor(&r, &r.in)) == CT_OK && (rc = open_cursor(&r, &r.out)) == CT_OK &&
        (rc = open_cursor(&r, &r.blk)) == CT_OK)
        rc = open_cursor(&r, &r.undo);
    for (uint64_t h = h0; rc == CT_OK && db->has_tip && h <= db->tip.height; h++) {
        if (stop && *stop)
            break;
        uint8_t k[5];
        ct_row_block blk;
        if ((rc = at(&r, &r.blk, k, ct_key_u32(k, CT_T_HEIGHT, (uint32_t)h), "block at height",
                     h)) ||
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
        }
        if (rc == CT_OK && progress && st.blocks % RB_PROGRESS == 0)
            progress(ctx, &st);
    }
    /* 4. The e rows, in key order; then in one synchronous write the counters and the
     * policy, and the marker goes: clustering is on again. */
    if (rc == CT_OK && !(stop && *stop))
        rc = write_rows(&r);
    if (rc == CT_OK && !(stop && *stop)) {
        ct_store_batch_put(r.b, mk, ct_key_meta(mk, "clcounters"), mv,
                           ct_cl_counters_encode(mv, &ctr));
        ct_store_batch_put(r.b, mk, ct_key_meta(mk, "clpolicy"), mv, ct_cl_policy_encode(mv, &pol));
        ct_store_batch_del(r.b, mk, ct_key_meta(mk, "clrebuild"));
        rc = ct_store_write(r.st, r.b, true, err);
        if (rc == CT_OK) {
            db->clusters = true;
            db->cl_rebuilding = false;
            db->cl_policy = pol;
            db->cl_ctr = ctr;
        }
    } else if (rc == CT_OK) {
        rc = ct_store_write(r.st, r.b, true, err); /* what was done stays, marked unfinished */
    }
    if (progress && rc == CT_OK)
        progress(ctx, &st);
    rb_release(&r);
    return rc;
}
