/* Union-find over the `e` rows, per block through an overlay (uf.h, docs/clustering.md). */
#include <stdlib.h>
#include <string.h>

#include "cluster/uf.h"

static int oom(ct_cl_work *w)
{
    return ct_fail(w->err, CT_ENOMEM, "out-of-memory", "clustering");
}

void ct_cl_work_init(ct_cl_work *w, const ct_cl_io *io, const ct_cl_policy *pol,
                     ct_cl_counters *ctr, ct_error *err)
{
    memset(w, 0, sizeof(*w));
    w->io = *io;
    w->pol = pol;
    w->mask = pol->detectors & CT_CJ_ALL;
    w->ctr = ctr;
    w->err = err;
    ct_hmap_init(&w->idx);
}

void ct_cl_work_release(ct_cl_work *w)
{
    ct_hmap_release(&w->idx);
    free(w->flag_pairs);
    w->flag_pairs = NULL;
    w->n_flags = w->cap_flags = 0;
    free(w->nodes);
    w->nodes = NULL;
    w->n = w->cap = 0;
}

int ct_cl_row_decode(uint64_t id, const uint8_t *v, size_t vl, ct_cl_node *out, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    out->id = id;
    if (vl != CT_CL_ROW_SIZE && vl != CT_CL_ROOT_SIZE)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "cluster row of address %llu: %zu bytes",
                       (unsigned long long)id, vl);
    out->parent = ct_be64(v);
    out->next = ct_be64(v + 8);
    bool root = out->parent == id;
    if (root != (vl == CT_CL_ROOT_SIZE))
        return ct_fail(err, CT_EDBCORRUPT, "bad-row",
                       "cluster row of address %llu: %zu bytes for a %s", (unsigned long long)id,
                       vl, root ? "root" : "member");
    if (root) {
        out->size = ct_be64(v + 16);
        out->cid = ct_be64(v + 24);
        if (out->size < 2 || out->cid > id)
            return ct_fail(err, CT_EDBCORRUPT, "bad-row", "cluster root %llu: size %llu, id %llu",
                           (unsigned long long)id, (unsigned long long)out->size,
                           (unsigned long long)out->cid);
    }
    return CT_OK;
}

static size_t row_encode(uint8_t *b, const ct_cl_node *n)
{
    ct_put_be64(b, n->parent);
    ct_put_be64(b + 8, n->next);
    if (n->parent != n->id)
        return CT_CL_ROW_SIZE;
    ct_put_be64(b + 16, n->size);
    ct_put_be64(b + 24, n->cid);
    return CT_CL_ROOT_SIZE;
}

/* The index in w->nodes of address id, loading its row on first use. */
static int node(ct_cl_work *w, uint64_t id, size_t *out)
{
    uint8_t k[9];
    uint64_t ix;
    ct_key_u64(k, CT_T_CLUSTER, id);
    if (ct_hmap_get(&w->idx, k + 1, 8, &ix)) {
        *out = (size_t)ix;
        return CT_OK;
    }
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 64;
        ct_cl_node *nn = realloc(w->nodes, nc * sizeof(*nn));
        if (!nn)
            return oom(w);
        w->nodes = nn;
        w->cap = nc;
    }
    ct_cl_node *n = &w->nodes[w->n];
    const uint8_t *v;
    size_t vl;
    int rc = w->io.get(w->io.ctx, k, 9, &v, &vl);
    if (rc == CT_OK) {
        if ((rc = ct_cl_row_decode(id, v, vl, n, w->err)))
            return rc;
        n->existed = true;
        memcpy(n->old, v, vl);
        n->old_len = (uint8_t)vl;
    } else if (rc == CT_ENOTFOUND) {
        memset(n, 0, sizeof(*n));
        n->id = n->parent = n->next = n->cid = id;
        n->size = 1;
    } else {
        return rc;
    }
    if (ct_hmap_put(&w->idx, k + 1, 8, w->n))
        return oom(w);
    *out = w->n++;
    return CT_OK;
}

static int find_ix(ct_cl_work *w, uint64_t id, size_t *out)
{
    size_t ix = 0;
    int rc = node(w, id, &ix);
    for (int depth = 0; rc == CT_OK && w->nodes[ix].parent != w->nodes[ix].id; depth++) {
        if (depth == CT_CL_MAX_DEPTH)
            return ct_fail(w->err, CT_EDBCORRUPT, "bad-cluster",
                           "address %llu: no cluster root within %d steps", (unsigned long long)id,
                           CT_CL_MAX_DEPTH);
        rc = node(w, w->nodes[ix].parent, &ix);
    }
    *out = ix;
    return rc;
}

int ct_cl_find(ct_cl_work *w, uint64_t addrid, ct_cl_root *out)
{
    size_t ix = 0;
    int rc = find_ix(w, addrid, &ix);
    if (rc == CT_OK) {
        out->root = w->nodes[ix].id;
        out->size = w->nodes[ix].size;
        out->cid = w->nodes[ix].cid;
    }
    return rc;
}

static int log_row(ct_cl_work *w, uint8_t t, uint64_t a, uint64_t b, uint64_t c, uint64_t va,
                   uint64_t vb)
{
    uint8_t k[CT_CL_MERGE_KEY], v[16];
    k[0] = t;
    ct_put_be64(k + 1, a);
    ct_put_be64(k + 9, b);
    ct_put_be64(k + 17, c);
    ct_put_be64(v, va);
    ct_put_be64(v + 8, vb);
    return w->io.put(w->io.ctx, k, sizeof(k), v, 16, NULL, 0, false);
}

/* Joins the clusters of a and b. guard: apply the super-cluster threshold. */
static int join(ct_cl_work *w, uint64_t a, uint64_t b, uint64_t txnum, bool guard)
{
    size_t ia = 0, ib = 0;
    int rc;
    if ((rc = find_ix(w, a, &ia)) || (rc = find_ix(w, b, &ib)))
        return rc;
    if (ia == ib)
        return CT_OK;
    ct_cl_node *ra = &w->nodes[ia], *rb = &w->nodes[ib];
    if (guard && ra->size > w->pol->threshold && rb->size > w->pol->threshold) {
        uint64_t lo = ra->cid < rb->cid ? ra->cid : rb->cid;
        uint64_t hi = ra->cid < rb->cid ? rb->cid : ra->cid;
        for (size_t i = 0; i < w->n_flags; i++)
            if (w->flag_pairs[i][0] == lo && w->flag_pairs[i][1] == hi)
                return CT_OK;
        if (w->n_flags == w->cap_flags) {
            size_t nc = w->cap_flags ? w->cap_flags * 2 : 16;
            uint64_t(*nf)[2] = realloc(w->flag_pairs, nc * sizeof(*nf));
            if (!nf)
                return oom(w);
            w->flag_pairs = nf;
            w->cap_flags = nc;
        }
        w->flag_pairs[w->n_flags][0] = lo;
        w->flag_pairs[w->n_flags][1] = hi;
        w->n_flags++;
        uint64_t slo = ra->cid == lo ? ra->size : rb->size;
        uint64_t shi = ra->cid == lo ? rb->size : ra->size;
        w->ctr->flagged++;
        return log_row(w, CT_T_CLFLAG, txnum, lo, hi, slo, shi);
    }
    /* The larger tree stays root (equal: the smaller address id). */
    ct_cl_node *win = ra, *lose = rb;
    if (rb->size > ra->size || (rb->size == ra->size && rb->id < ra->id))
        win = rb, lose = ra;
    uint64_t ws = win->size, ls = lose->size;
    uint64_t keep = win->cid < lose->cid ? win->cid : lose->cid;
    uint64_t gone = win->cid < lose->cid ? lose->cid : win->cid;
    uint64_t keep_size = keep == win->cid ? ws : ls, gone_size = keep == win->cid ? ls : ws;
    uint64_t wn = win->next;
    win->next = lose->next;
    lose->next = wn;
    lose->parent = win->id;
    lose->size = 0;
    lose->cid = 0;
    win->size = ws + ls;
    win->cid = keep;
    win->dirty = lose->dirty = true;
    if (ws == 1 && ls == 1) {
        w->ctr->clusters++;
    } else if (ws > 1 && ls > 1) {
        w->ctr->clusters--;
        w->ctr->merges++;
    }
    w->ctr->addresses += (ws == 1) + (ls == 1);
    /* Every join is logged, a single address's too: a cluster's log then holds all its
     * size - 1 joins, and the history of a cluster whose id retires (even to a single
     * address with a smaller id) stays reachable from the id that took it in. */
    return log_row(w, CT_T_CLMERGE, keep, txnum, gone, keep_size, gone_size);
}

bool ct_cl_multi(const ct_cj_in *in, size_t n)
{
    uint64_t first = CT_ADDRID_NONE;
    for (size_t i = 0; i < n; i++) {
        if (in[i].addrid == CT_ADDRID_NONE)
            continue;
        if (first == CT_ADDRID_NONE)
            first = in[i].addrid;
        else if (in[i].addrid != first)
            return true;
    }
    return false;
}

int ct_cl_tx(ct_cl_work *w, const ct_cj_tx *tx, uint64_t txnum, unsigned *verdict)
{
    if (verdict)
        *verdict = 0;
    if (!ct_cl_multi(tx->in, tx->n_in))
        return CT_OK;
    if (w->mask & CT_CJ_ALL) {
        ct_cj_verdict v;
        ct_cj_detect(tx, w->mask, &v);
        if (v.detector) {
            if (verdict)
                *verdict = v.detector;
            w->ctr->coinjoins++;
            for (int i = 0; i < CT_CL_DETECTORS; i++)
                if (v.detector == 1u << i)
                    w->ctr->by_detector[i]++;
            return CT_OK;
        }
    }
    w->n_flags = 0;
    uint64_t first = CT_ADDRID_NONE;
    for (size_t i = 0; i < tx->n_in; i++) {
        uint64_t a = tx->in[i].addrid;
        if (a == CT_ADDRID_NONE)
            continue;
        if (first == CT_ADDRID_NONE) {
            first = a;
            continue;
        }
        if (a == first)
            continue;
        int rc = join(w, first, a, txnum, true);
        if (rc)
            return rc;
    }
    return CT_OK;
}

int ct_cl_link(ct_cl_work *w, uint64_t a, uint64_t b, uint64_t txnum)
{
    return join(w, a, b, txnum, false);
}

int ct_cl_flush(ct_cl_work *w)
{
    int rc = CT_OK;
    for (size_t i = 0; i < w->n && rc == CT_OK; i++) {
        ct_cl_node *n = &w->nodes[i];
        if (!n->dirty)
            continue;
        uint8_t k[9], v[CT_CL_ROOT_SIZE];
        ct_key_u64(k, CT_T_CLUSTER, n->id);
        rc = w->io.put(w->io.ctx, k, 9, v, row_encode(v, n), n->old, n->old_len, n->existed);
    }
    ct_cl_discard(w);
    return rc;
}

void ct_cl_discard(ct_cl_work *w)
{
    ct_hmap_clear(&w->idx);
    w->n = 0;
    w->n_flags = 0;
}
