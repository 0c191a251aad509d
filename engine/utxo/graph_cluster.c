/* Queries of the address clusters of the Bitcoin graph (include/chaintrail/cluster.h):
 * stats, one address's cluster, one cluster with its members and merge log, the dump of
 * every address. The rows are those of engine/cluster (docs/clustering.md). */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "chaintrail/cluster.h"
#include "cluster/cluster_internal.h"
#include "intel/labels_internal.h"
#include "utxo/graph_internal.h"

const char *ct_cluster_detector_name(int i)
{
    if (i < 0 || i >= CT_CLUSTER_DETECTORS)
        return NULL;
    return ct_cj_detector_name(1u << i);
}

static int no_clusters(const ct_db *db, ct_error *err)
{
    int rc = ct_cluster_check(db, err);
    if (rc)
        return rc;
    return ct_fail(err, CT_EINVAL, "no-clusters",
                   "this database has no clusters; run 'chaintrail cluster rebuild'");
}

/* Orders the top list: larger first, then the smaller id. */
static bool top_before(const ct_cluster_top *a, const ct_cluster_top *b)
{
    return a->size > b->size || (a->size == b->size && a->cluster_id < b->cluster_id);
}

bool ct_cluster_policy_of(const ct_db *db, ct_cluster_policy *out, bool *interrupted)
{
    *interrupted = db->cl_rebuilding;
    out->threshold = db->cl_policy.threshold;
    out->detectors = db->cl_policy.detectors;
    return db->clusters || db->cl_rebuilding;
}

int ct_cluster_stats_get(ct_db *db, ct_cluster_stats *out, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    out->addresses = db->ctr.addresses;
    int rc = ct_cluster_check(db, err);
    if (rc || !db->clusters)
        return rc;
    out->enabled = true;
    out->policy.threshold = db->cl_policy.threshold;
    out->policy.detectors = db->cl_policy.detectors;
    uint8_t pv[CT_CL_POLICY_SIZE];
    ct_sha256(out->policy_digest, pv, ct_cl_policy_encode(pv, &db->cl_policy));
    const ct_cl_counters *c = &db->cl_ctr;
    out->clusters = c->clusters;
    out->clustered = c->addresses;
    out->merges = c->merges;
    out->flagged = c->flagged;
    out->coinjoins = c->coinjoins;
    for (int i = 0; i < CT_CLUSTER_DETECTORS; i++)
        out->coinjoins_by[i] = c->by_detector[i];

    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    const uint8_t pfx = CT_T_CLUSTER;
    for (ct_store_iter_seek(it, &pfx, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl), *v = ct_store_iter_value(it, &vl);
        if (kl < 1 || k[0] != CT_T_CLUSTER)
            break;
        if (vl != CT_CL_ROOT_SIZE)
            continue; /* a member */
        ct_cl_node nd;
        if (kl != 9 || (rc = ct_cl_row_decode(ct_be64(k + 1), v, vl, &nd, err)))
            break;
        ct_cluster_top t = {nd.cid, nd.size};
        size_t pos = out->n_largest;
        while (pos > 0 && top_before(&t, &out->largest[pos - 1]))
            pos--;
        if (pos >= CT_CLUSTER_TOP_MAX)
            continue;
        size_t last = out->n_largest < CT_CLUSTER_TOP_MAX ? out->n_largest : CT_CLUSTER_TOP_MAX - 1;
        memmove(&out->largest[pos + 1], &out->largest[pos], (last - pos) * sizeof(t));
        out->largest[pos] = t;
        if (out->n_largest < CT_CLUSTER_TOP_MAX)
            out->n_largest++;
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    return rc;
}

int ct_cluster_of_address(ct_db *db, const char *address, uint64_t *addrid, uint64_t *cluster_id,
                          uint64_t *size, ct_error *err)
{
    ct_graph_reader r;
    int rc;
    *cluster_id = *size = 0;
    if ((rc = ct_cluster_check(db, err)) || (rc = ct_graph_reader_open(&r, db, err)))
        return rc;
    rc = ct_graph_find_addrid(&r, address, addrid);
    if (rc == CT_OK && db->clusters) {
        ct_cl_reader cr;
        ct_cl_root root = {0, 0, 0};
        ct_cl_reader_init(&cr, r.st, r.snap, err);
        rc = ct_cl_reader_find(&cr, *addrid, &root);
        ct_cl_reader_release(&cr);
        if (rc == CT_OK)
            *cluster_id = root.cid, *size = root.size;
    }
    ct_graph_reader_close(&r);
    return rc;
}

/* ---- members ---- */
struct ct_cluster_members {
    ct_graph_reader r;
    uint64_t *ids;
    size_t n, pos;
    char *shown;
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A large cluster's members by one forward scan of the `e` table (docs/clustering.md): the
 * member list is a ring in join order, so walking it reads rows all over the table, while
 * a scan reads them in key order; every row's root is resolved in memory (rows sorted by
 * id, parents found by binary search, each root found once). Memory: 20 bytes per clustered
 * address of the database, for the call. */
#define CT_CL_SCAN_MIN 1024 /* clusters from this size are collected by a scan */

static size_t find_row(const uint64_t *ids, size_t n, uint64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo] == id ? lo : SIZE_MAX;
}

static int scan_members(ct_graph_reader *r, const ct_cl_root *root, uint64_t *out, size_t *n)
{
    uint64_t *ids = NULL, *par = NULL;
    uint32_t *res = NULL; /* resolved: 0 unknown, 1 in the cluster, 2 not */
    size_t cnt = 0, cap = 0;
    int rc = CT_OK;
    ct_store_iter *it = ct_store_iter_new(r->st, r->snap);
    if (!it)
        return ct_fail(r->err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    const uint8_t pfx = CT_T_CLUSTER;
    for (ct_store_iter_seek(it, &pfx, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl), *v = ct_store_iter_value(it, &vl);
        if (kl < 1 || k[0] != CT_T_CLUSTER)
            break;
        if (kl != 9 || vl < 8) {
            rc = ct_fail(r->err, CT_EDBCORRUPT, "bad-row", "cluster row of %zu bytes", vl);
            break;
        }
        if (cnt == cap) { /* first: the rows the counters say there are (one per clustered
                           * address), so a whole-table scan is not copied as it grows */
            size_t hint = r->db->cl_ctr.addresses < SIZE_MAX / 32 ? r->db->cl_ctr.addresses : 0;
            size_t nc = cap ? cap * 2 : hint > 4096 ? hint + 1 : 4096;
            uint64_t *ni = realloc(ids, nc * sizeof(*ni));
            if (ni)
                ids = ni;
            uint64_t *np = ni ? realloc(par, nc * sizeof(*np)) : NULL;
            if (!np) {
                rc = ct_fail(r->err, CT_ENOMEM, "out-of-memory", "members of a cluster");
                break;
            }
            par = np;
            cap = nc;
        }
        ids[cnt] = ct_be64(k + 1);
        par[cnt++] = ct_be64(v);
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, r->err);
    ct_store_iter_free(it);
    if (rc == CT_OK && cnt && !(res = calloc(cnt, sizeof(*res))))
        rc = ct_fail(r->err, CT_ENOMEM, "out-of-memory", "members of a cluster");
    *n = 0;
    for (size_t i = 0; rc == CT_OK && i < cnt; i++) {
        size_t path[CT_CL_MAX_DEPTH + 1], np = 0, j = i;
        uint32_t verdict = 0;
        while (rc == CT_OK) {
            if (res[j]) {
                verdict = res[j];
                break;
            }
            if (par[j] == ids[j]) {
                verdict = ids[j] == root->root ? 1 : 2;
                path[np++] = j;
                break;
            }
            if (np == CT_CL_MAX_DEPTH) {
                rc = ct_fail(r->err, CT_EDBCORRUPT, "bad-cluster",
                             "address %llu: no cluster root within %d steps",
                             (unsigned long long)ids[i], CT_CL_MAX_DEPTH);
                break;
            }
            path[np++] = j;
            size_t p = find_row(ids, cnt, par[j]);
            if (p == SIZE_MAX)
                rc = ct_fail(r->err, CT_EDBCORRUPT, "bad-cluster",
                             "address %llu: parent %llu has no cluster row",
                             (unsigned long long)ids[j], (unsigned long long)par[j]);
            j = p;
        }
        for (size_t q = 0; q < np; q++)
            res[path[q]] = verdict;
        if (rc == CT_OK && verdict == 1) {
            if (*n == root->size) {
                rc = ct_fail(r->err, CT_EDBCORRUPT, "bad-cluster",
                             "cluster %llu says %llu members; it has more",
                             (unsigned long long)root->cid, (unsigned long long)root->size);
                break;
            }
            out[(*n)++] = ids[i];
        }
    }
    if (rc == CT_OK && *n != root->size)
        rc = ct_fail(r->err, CT_EDBCORRUPT, "bad-cluster",
                     "cluster %llu says %llu members; its rows have %zu",
                     (unsigned long long)root->cid, (unsigned long long)root->size, *n);
    free(ids);
    free(par);
    free(res);
    return rc;
}

/* The members of the cluster of address `id` (a root or member), sorted, into *ids. */
static int collect_members(ct_graph_reader *r, uint64_t id, uint64_t **ids, size_t *n,
                           ct_cl_root *root)
{
    ct_cl_reader cr;
    ct_cl_reader_init(&cr, r->st, r->snap, r->err);
    int rc = ct_cl_reader_find(&cr, id, root);
    *ids = NULL;
    *n = 0;
    if (rc == CT_OK) {
        *ids = malloc(root->size * sizeof(**ids));
        if (!*ids)
            rc = ct_fail(r->err, CT_ENOMEM, "out-of-memory", "members of a cluster of %llu",
                         (unsigned long long)root->size);
    }
    if (rc == CT_OK && root->size >= CT_CL_SCAN_MIN) {
        rc = scan_members(r, root, *ids, n);
        ct_cl_reader_release(&cr);
        if (rc) {
            free(*ids);
            *ids = NULL;
            *n = 0;
        }
        return rc; /* in key order already */
    }
    uint64_t cur = id;
    for (uint64_t i = 0; rc == CT_OK && i < root->size; i++) {
        (*ids)[(*n)++] = cur;
        if (root->size == 1)
            break;
        uint8_t k[9];
        ct_cl_node nd;
        rc = ct_graph_get(r, k, ct_key_u64(k, CT_T_CLUSTER, cur));
        if (rc == CT_ENOTFOUND)
            rc = ct_fail(r->err, CT_EDBCORRUPT, "bad-cluster",
                         "member %llu of cluster %llu has no cluster row", (unsigned long long)cur,
                         (unsigned long long)root->cid);
        if (rc == CT_OK && (rc = ct_cl_row_decode(cur, r->v.data, r->v.len, &nd, r->err)) == CT_OK)
            cur = nd.next;
        if (rc == CT_OK && i + 1 < root->size && cur == id)
            rc = ct_fail(r->err, CT_EDBCORRUPT, "bad-cluster",
                         "cluster %llu says %llu members; its member list has %llu",
                         (unsigned long long)root->cid, (unsigned long long)root->size,
                         (unsigned long long)(i + 1));
    }
    if (rc == CT_OK && root->size > 1 && cur != id)
        rc = ct_fail(r->err, CT_EDBCORRUPT, "bad-cluster",
                     "the member list of cluster %llu does not close after %llu members",
                     (unsigned long long)root->cid, (unsigned long long)root->size);
    ct_cl_reader_release(&cr);
    if (rc == CT_OK)
        qsort(*ids, *n, sizeof(**ids), cmp_u64);
    else {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}

/* The cluster root of a cluster id: the id must be its cluster's smallest member. */
static int check_cluster_id(ct_graph_reader *r, uint64_t id, ct_cl_root *root)
{
    if (id == 0 || id >= r->db->next.addrid)
        return ct_fail(r->err, CT_ENOTFOUND, "unknown-cluster", "no cluster %llu",
                       (unsigned long long)id);
    ct_cl_reader cr;
    ct_cl_reader_init(&cr, r->st, r->snap, r->err);
    int rc = ct_cl_reader_find(&cr, id, root);
    ct_cl_reader_release(&cr);
    if (rc == CT_OK && root->cid != id)
        rc = ct_fail(r->err, CT_EINVAL, "not-a-cluster-id",
                     "%llu is an address of cluster %llu, not a cluster id", (unsigned long long)id,
                     (unsigned long long)root->cid);
    return rc;
}

int ct_cluster_members_new(ct_cluster_members **out, ct_db *db, uint64_t cluster_id, ct_error *err)
{
    *out = NULL;
    if (!db->clusters)
        return no_clusters(db, err);
    ct_cluster_members *m = calloc(1, sizeof(*m));
    if (!m)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "members");
    ct_cl_root root = {0, 0, 0};
    int rc = ct_graph_reader_open(&m->r, db, err);
    if (rc == CT_OK && (rc = check_cluster_id(&m->r, cluster_id, &root)) == CT_OK)
        rc = collect_members(&m->r, cluster_id, &m->ids, &m->n, &root);
    if (rc) {
        ct_cluster_members_free(m);
        return rc;
    }
    *out = m;
    return CT_OK;
}

/* The labelled members of a large cluster (ct_cluster_members_labelled_new). */
typedef struct labelled_walk {
    ct_graph_reader *r;
    ct_cl_reader cr;
    uint64_t cid;
    uint64_t *ids;
    size_t n, cap;
} labelled_walk;

static int labelled_one(void *arg, const char *address, bool normal)
{
    labelled_walk *lw = arg;
    uint8_t k[1 + CT_BTC_ADDR_MAX];
    size_t n = strlen(address);
    if (!normal || n >= CT_BTC_ADDR_MAX) /* not the identity of an address (trace_graph.c) */
        return CT_OK;
    k[0] = CT_T_ADDR;
    memcpy(k + 1, address, n);
    int rc = ct_graph_get(lw->r, k, n + 1);
    if (rc == CT_ENOTFOUND)
        return CT_OK; /* labelled, but not on this chain */
    if (rc)
        return rc;
    if (lw->r->v.len != 8)
        return ct_fail(lw->r->err, CT_EDBCORRUPT, "bad-row", "address row of %zu bytes",
                       lw->r->v.len);
    uint64_t id = ct_be64(lw->r->v.data);
    ct_cl_root root;
    if ((rc = ct_cl_reader_find(&lw->cr, id, &root)))
        return rc;
    if (root.cid != lw->cid)
        return CT_OK;
    if (lw->n == lw->cap) {
        size_t nc = lw->cap ? lw->cap * 2 : 64;
        uint64_t *ni = realloc(lw->ids, nc * sizeof(*ni));
        if (!ni)
            return ct_fail(lw->r->err, CT_ENOMEM, "out-of-memory", "labelled members");
        lw->ids = ni;
        lw->cap = nc;
    }
    lw->ids[lw->n++] = id;
    return CT_OK;
}

int ct_cluster_members_labelled_new(ct_cluster_members **out, ct_db *db, uint64_t cluster_id,
                                    ct_error *err)
{
    *out = NULL;
    if (!db->clusters)
        return no_clusters(db, err);
    ct_cluster_members *m = calloc(1, sizeof(*m));
    if (!m)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "members");
    ct_cl_root root = {0, 0, 0};
    int rc = ct_graph_reader_open(&m->r, db, err);
    if (rc == CT_OK && (rc = check_cluster_id(&m->r, cluster_id, &root)) == CT_OK) {
        if (root.size < CT_CL_SCAN_MIN) {
            rc = collect_members(&m->r, cluster_id, &m->ids, &m->n, &root);
        } else {
            labelled_walk lw = {&m->r, {0}, cluster_id, NULL, 0, 0};
            ct_labels_reader *lr = NULL;
            ct_cl_reader_init(&lw.cr, m->r.st, m->r.snap, err);
            rc = ct_labels_reader_new_at(&lr, db, m->r.snap, err);
            if (rc == CT_OK)
                rc = ct_labels_reader_addresses(lr, labelled_one, &lw, err);
            ct_labels_reader_free(lr);
            ct_cl_reader_release(&lw.cr);
            m->ids = lw.ids;
            m->n = lw.n;
            if (rc == CT_OK && m->n) { /* in address-id order, each once */
                qsort(m->ids, m->n, sizeof(*m->ids), cmp_u64);
                size_t w = 1;
                for (size_t i = 1; i < m->n; i++)
                    if (m->ids[i] != m->ids[w - 1])
                        m->ids[w++] = m->ids[i];
                m->n = w;
            }
        }
    }
    if (rc) {
        ct_cluster_members_free(m);
        return rc;
    }
    *out = m;
    return CT_OK;
}

int ct_cluster_members_next(ct_cluster_members *m, const char **address, uint64_t *addrid,
                            ct_error *err)
{
    if (m->pos >= m->n)
        return CT_EEOF;
    free(m->shown);
    m->shown = NULL;
    m->r.err = err;
    int rc = ct_graph_load_shown(&m->r, m->ids[m->pos], &m->shown, NULL);
    if (rc)
        return rc;
    *addrid = m->ids[m->pos++];
    *address = m->shown;
    return CT_OK;
}

void ct_cluster_members_free(ct_cluster_members *m)
{
    if (!m)
        return;
    ct_graph_reader_close(&m->r);
    free(m->ids);
    free(m->shown);
    free(m);
}

/* ---- one cluster ---- */
int ct_cluster_get(ct_db *db, const char *address, uint64_t id, ct_cluster_info *out, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!db->clusters)
        return no_clusters(db, err);
    ct_graph_reader r;
    ct_cl_root root = {0, 0, 0};
    uint64_t *ids = NULL;
    size_t n = 0;
    int rc = ct_graph_reader_open(&r, db, err);
    if (rc)
        return rc;
    if (address) {
        uint64_t a;
        ct_cl_reader cr;
        if ((rc = ct_graph_find_addrid(&r, address, &a)) == CT_OK) {
            ct_cl_reader_init(&cr, r.st, r.snap, err);
            rc = ct_cl_reader_find(&cr, a, &root);
            ct_cl_reader_release(&cr);
        }
        if (rc == CT_OK)
            id = root.cid;
    } else {
        rc = check_cluster_id(&r, id, &root);
    }
    if (rc == CT_OK)
        rc = collect_members(&r, id, &ids, &n, &root);
    if (rc == CT_OK)
        rc = ct_graph_load_shown(&r, id, &out->address, NULL);
    out->cluster_id = id;
    out->size = root.size;
    uint64_t first = UINT64_MAX, last = 0;
    /* The members' totals rows in key order: a forward iterator steps over the few rows
     * between two members, and seeks over longer gaps. */
    ct_store_iter *it = rc == CT_OK && n ? ct_store_iter_new(r.st, r.snap) : NULL;
    if (rc == CT_OK && n && !it)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    for (size_t i = 0; rc == CT_OK && i < n; i++) {
        uint8_t k[9];
        ct_row_totals t;
        ct_key_u64(k, CT_T_TOTALS, ids[i]);
        size_t kl = 0, vl;
        const uint8_t *ck = i && ct_store_iter_valid(it) ? ct_store_iter_key(it, &kl) : NULL;
        for (int step = 0; ck && step < 16 && kl == 9 && memcmp(ck, k, 9) < 0; step++) {
            ct_store_iter_next(it);
            ck = ct_store_iter_valid(it) ? ct_store_iter_key(it, &kl) : NULL;
        }
        if (!ck || kl != 9 || memcmp(ck, k, 9) < 0) {
            ct_store_iter_seek(it, k, 9);
            ck = ct_store_iter_valid(it) ? ct_store_iter_key(it, &kl) : NULL;
        }
        if (!ck || kl != 9 || memcmp(ck, k, 9) != 0) { /* a key form known only by its link */
            rc = ct_store_iter_status(it, err);
            continue;
        }
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if ((rc = ct_row_totals_decode(&t, v, vl, err)))
            break;
        out->received_sat += t.received;
        out->sent_sat += t.sent;
        out->tx_count += t.tx_count;
        if (t.tx_count) {
            if (t.first_txnum < first)
                first = t.first_txnum;
            if (t.last_txnum > last)
                last = t.last_txnum;
        }
    }
    ct_store_iter_free(it);
    if (rc == CT_OK && out->sent_sat > out->received_sat)
        rc = ct_fail(err, CT_EDBCORRUPT, "bad-totals", "cluster %llu: sent exceeds received",
                     (unsigned long long)id);
    if (rc == CT_OK) {
        out->balance_sat = out->received_sat - out->sent_sat;
        if (last) {
            if ((rc = ct_graph_load_seen(&r, first, &out->first)) == CT_OK &&
                (rc = ct_graph_load_seen(&r, last, &out->last)) == CT_OK)
                out->has_seen = true;
        }
    }
    free(ids);
    ct_graph_reader_close(&r);
    if (rc)
        ct_cluster_info_release(out);
    return rc;
}

void ct_cluster_info_release(ct_cluster_info *c)
{
    if (!c)
        return;
    free(c->address);
    c->address = NULL;
}

/* ---- merge log ---- */
/* A merge log entry's place in chain order: its transaction, then the size after it (a
 * transaction joins its first input's cluster with each other input's in turn, so the
 * merges that grow one cluster have increasing sizes after), then, for the joins of one
 * transaction that have the same size after, the entry's index in the breadth-first order
 * of the log (the cluster's own rows in key order, then those of the ids it took in, in
 * the order it took them in, and so on): the order the log had before it was paged
 * without reading it in that order. */
typedef struct merge_pos {
    uint64_t txnum, after;
    size_t seq, i;
} merge_pos;

static bool pos_before(const merge_pos *x, const merge_pos *y)
{
    if (x->txnum != y->txnum)
        return x->txnum < y->txnum;
    if (x->after != y->after)
        return x->after < y->after;
    return x->seq < y->seq;
}

/* The ids whose rows were read, in increasing order, with where their rows are in `all`. */
typedef struct merge_run {
    uint64_t id;
    size_t first, n;
} merge_run;

static const merge_run *find_run(const merge_run *runs, size_t n, uint64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (runs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && runs[lo].id == id ? &runs[lo] : NULL;
}

static int cmp_merge_pos(const void *a, const void *b)
{
    const merge_pos *x = a, *y = b;
    return pos_before(x, y) ? -1 : pos_before(y, x);
}

/* The ids whose rows are still to read, as a min-heap: an absorbed id is larger than the id
 * that took it in, so taking the smallest first moves the iterator forward only. */
static void id_push(uint64_t *h, size_t *n, uint64_t id)
{
    size_t i = (*n)++;
    for (; i > 0 && h[(i - 1) / 2] > id; i = (i - 1) / 2)
        h[i] = h[(i - 1) / 2];
    h[i] = id;
}

static uint64_t id_pop(uint64_t *h, size_t *n)
{
    uint64_t top = h[0], last = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] < h[c])
            c++;
        if (h[c] >= last)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n)
        h[i] = last;
    return top;
}

/* Keeps the k places first in chain order among all that are offered (a max-heap of k):
 * a page near the start of a long log needs no sort of the whole log. */
static void keep_first(merge_pos *h, size_t *n, size_t k, merge_pos p)
{
    size_t i;
    if (*n < k) {
        for (i = (*n)++; i > 0 && pos_before(&h[(i - 1) / 2], &p); i = (i - 1) / 2)
            h[i] = h[(i - 1) / 2];
        h[i] = p;
        return;
    }
    if (!k || !pos_before(&p, &h[0]))
        return;
    for (i = 0;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && pos_before(&h[c], &h[c + 1]))
            c++;
        if (!pos_before(&p, &h[c]))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = p;
}

/* Moves the iterator forward to the first row at or after key k (9 bytes): a few steps
 * when it is close, a seek otherwise. */
static void iter_forward(ct_store_iter *it, const uint8_t *k, bool started)
{
    for (int step = 0; started && step < 16 && ct_store_iter_valid(it); step++) {
        size_t kl;
        const uint8_t *ck = ct_store_iter_key(it, &kl);
        int c = memcmp(ck, k, kl < 9 ? kl : 9);
        if (c > 0 || (c == 0 && kl >= 9))
            return;
        ct_store_iter_next(it);
    }
    ct_store_iter_seek(it, k, 9);
}

int ct_cluster_merges(ct_db *db, uint64_t cluster_id, size_t offset, ct_cluster_merge *out,
                      size_t max, size_t *n, size_t *total, ct_error *err)
{
    *n = *total = 0;
    if (!db->clusters)
        return no_clusters(db, err);
    ct_graph_reader r;
    ct_cl_root root = {0, 0, 0};
    int rc = ct_graph_reader_open(&r, db, err);
    if (rc)
        return rc;
    if ((rc = check_cluster_id(&r, cluster_id, &root))) {
        ct_graph_reader_close(&r);
        return rc;
    }
    /* 1. The rows of every id of the cluster's history, smallest id first (each id's rows
     * are contiguous in key order: j + kept id + txnum + absorbed id), by one iterator
     * that only moves forward. */
    uint64_t *queue = malloc(16 * sizeof(*queue)), *txn = NULL;
    size_t qn = 0, qcap = 16, cap = 0, cnt = 0, n_runs = 0;
    /* A log has size - 1 entries: room for them from the start, nothing copied. */
    size_t first_cap = root.size > 64 && root.size < SIZE_MAX / 128 ? (size_t)root.size : 64;
    ct_cluster_merge *all = NULL;
    merge_run *runs = NULL;
    if (!queue)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "merge log");
    else
        queue[qn++] = cluster_id;
    ct_store_iter *it = rc ? NULL : ct_store_iter_new_cached(r.st, r.snap);
    if (!rc && !it)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    while (rc == CT_OK && qn) {
        uint8_t pfx[9];
        uint64_t id = id_pop(queue, &qn);
        ct_key_u64(pfx, CT_T_CLMERGE, id);
        iter_forward(it, pfx, n_runs > 0);
        size_t first = cnt;
        for (; ct_store_iter_valid(it); ct_store_iter_next(it)) {
            size_t kl, vl;
            const uint8_t *k = ct_store_iter_key(it, &kl), *v = ct_store_iter_value(it, &vl);
            if (kl < 9 || memcmp(k, pfx, 9) != 0)
                break;
            if (kl != CT_CL_MERGE_KEY || vl != 16) {
                rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "merge log row of %zu bytes", vl);
                break;
            }
            if (cnt == cap || qn == qcap) {
                size_t nc = cap ? cap * 2 : first_cap;
                ct_cluster_merge *na = realloc(all, nc * sizeof(*na));
                uint64_t *nt = na ? realloc(txn, nc * sizeof(*nt)) : NULL;
                uint64_t *nq = nt ? realloc(queue, (nc + 1) * sizeof(*nq)) : NULL;
                if (na)
                    all = na;
                if (nt)
                    txn = nt;
                if (!nq) {
                    rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "merge log");
                    break;
                }
                queue = nq;
                cap = nc;
                qcap = nc + 1;
            }
            ct_cluster_merge *e = &all[cnt];
            memset(e, 0, sizeof(*e));
            e->kept_id = ct_be64(k + 1);
            txn[cnt] = ct_be64(k + 9);
            e->absorbed_id = ct_be64(k + 17);
            e->kept_size = ct_be64(v);
            e->absorbed_size = ct_be64(v + 8);
            if (e->absorbed_size > 1) /* a single address has no history */
                id_push(queue, &qn, e->absorbed_id);
            cnt++;
        }
        if (rc == CT_OK)
            rc = ct_store_iter_status(it, err);
        if (rc == CT_OK && !(n_runs & (n_runs + 1))) { /* n_runs + 1 a power of two */
            merge_run *nr = realloc(runs, 2 * (n_runs + 1) * sizeof(*nr));
            if (!nr)
                rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "merge log");
            else
                runs = nr;
        }
        if (rc == CT_OK)
            runs[n_runs++] = (merge_run){id, first, cnt - first};
    }
    ct_store_iter_free(it);
    /* 2. The places up to the end of the page, visiting the ids breadth first (for the
     * order of ties, merge_pos), kept in a bounded heap: no sort of the whole log. */
    size_t want = offset < SIZE_MAX - max ? offset + max : SIZE_MAX, kept = 0, seq = 0;
    merge_pos *best = NULL;
    if (rc == CT_OK && cnt && !(best = malloc((want < cnt ? want : cnt) * sizeof(*best))))
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "merge log");
    qn = 0;
    if (rc == CT_OK && cnt)
        queue[qn++] = cluster_id;
    for (size_t qi = 0; rc == CT_OK && qi < qn; qi++) {
        const merge_run *run = find_run(runs, n_runs, queue[qi]);
        for (size_t j = run ? run->first : 0; run && j < run->first + run->n; j++) {
            const ct_cluster_merge *e = &all[j];
            if (e->absorbed_size > 1 && qn < qcap)
                queue[qn++] = e->absorbed_id;
            keep_first(best, &kept, want,
                       (merge_pos){txn[j], e->kept_size + e->absorbed_size, seq++, j});
        }
    }
    if (rc == CT_OK && kept)
        qsort(best, kept, sizeof(*best), cmp_merge_pos);
    *total = cnt;
    for (size_t i = offset; rc == CT_OK && i < kept && *n < max; i++) {
        ct_cluster_merge *e = &all[best[i].i];
        ct_graph_seen s;
        if ((rc = ct_graph_load_seen(&r, best[i].txnum, &s)))
            break;
        e->height = s.height;
        memcpy(e->txid, s.txid, 32);
        out[(*n)++] = *e;
    }
    free(best);
    free(runs);
    free(all);
    free(txn);
    free(queue);
    ct_graph_reader_close(&r);
    return rc;
}

/* ---- dump ---- */
struct ct_cluster_dump {
    ct_graph_reader r;
    ct_store_iter *d; /* id rows, in address-id order */
    ct_store_iter *e; /* cluster rows, the same order: an address without one is alone */
    ct_cl_reader cr;
    bool started;
    char *shown;
};

int ct_cluster_dump_new(ct_cluster_dump **out, ct_db *db, ct_error *err)
{
    *out = NULL;
    if (!db->clusters)
        return no_clusters(db, err);
    ct_cluster_dump *d = calloc(1, sizeof(*d));
    if (!d)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "cluster dump");
    int rc = ct_graph_reader_open(&d->r, db, err);
    if (rc) {
        free(d);
        return rc;
    }
    ct_cl_reader_init(&d->cr, d->r.st, d->r.snap, err);
    d->d = ct_store_iter_new(d->r.st, d->r.snap);
    d->e = ct_store_iter_new(d->r.st, d->r.snap);
    if (!d->d || !d->e) {
        ct_cluster_dump_free(d);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    }
    *out = d;
    return CT_OK;
}

int ct_cluster_dump_next(ct_cluster_dump *d, const char **address, uint64_t *addrid,
                         uint64_t *cluster_id, ct_error *err)
{
    if (!d->started) {
        const uint8_t dp = CT_T_ADDRID, ep = CT_T_CLUSTER;
        ct_store_iter_seek(d->d, &dp, 1);
        ct_store_iter_seek(d->e, &ep, 1);
        d->started = true;
    } else {
        ct_store_iter_next(d->d);
    }
    size_t kl, vl;
    if (!ct_store_iter_valid(d->d)) {
        int rc = ct_store_iter_status(d->d, err);
        return rc ? rc : CT_EEOF;
    }
    const uint8_t *k = ct_store_iter_key(d->d, &kl), *v = ct_store_iter_value(d->d, &vl);
    if (kl < 1 || k[0] != CT_T_ADDRID)
        return CT_EEOF;
    if (kl != 9)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "id row key of %zu bytes", kl);
    uint64_t id = ct_be64(k + 1);
    ct_row_addr a;
    int rc = ct_row_addr_decode(&a, v, vl, err);
    if (rc)
        return rc;
    free(d->shown);
    size_t n = a.has_script ? 7 + 2 * a.script_len : a.ident_len;
    d->shown = malloc(n + 1);
    if (!d->shown)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "an identity of %zu bytes", n);
    if (a.has_script) {
        memcpy(d->shown, CT_SCRIPT_SHOW, 7);
        ct_hex_encode(d->shown + 7, a.script, a.script_len);
    } else {
        memcpy(d->shown, a.ident, a.ident_len);
        d->shown[n] = '\0';
    }
    /* The cluster rows iterator catches up with this id. */
    uint64_t eid = UINT64_MAX;
    while (ct_store_iter_valid(d->e)) {
        const uint8_t *ek = ct_store_iter_key(d->e, &kl);
        if (kl != 9 || ek[0] != CT_T_CLUSTER)
            break;
        eid = ct_be64(ek + 1);
        if (eid >= id)
            break;
        ct_store_iter_next(d->e);
        eid = UINT64_MAX;
    }
    if ((rc = ct_store_iter_status(d->e, err)))
        return rc;
    *cluster_id = id;
    if (eid == id) {
        ct_cl_root root = {0, 0, 0};
        d->cr.err = d->cr.w.err = err;
        if ((rc = ct_cl_reader_find(&d->cr, id, &root)))
            return rc;
        *cluster_id = root.cid;
    }
    *addrid = id;
    *address = d->shown;
    return CT_OK;
}

void ct_cluster_dump_free(ct_cluster_dump *d)
{
    if (!d)
        return;
    ct_store_iter_free(d->d);
    ct_store_iter_free(d->e);
    ct_cl_reader_release(&d->cr);
    ct_graph_reader_close(&d->r);
    free(d->shown);
    free(d);
}

/* ---- CoinJoin verdict ---- */
int ct_cluster_tx_verdict(ct_db *db, const uint8_t txid[32], ct_cluster_verdict *out, ct_error *err)
{
    out->detector = -1;
    out->veto = NULL;
    ct_graph_reader r;
    int rc = ct_graph_reader_open(&r, db, err);
    if (rc)
        return rc;
    uint8_t k[33];
    ct_row_tx tx;
    uint64_t txnum = 0;
    ct_cj_in *in = NULL;
    ct_cj_out *outs = NULL;
    rc = ct_graph_get(&r, k, ct_key_hash(k, CT_T_TXID, txid));
    if (rc == CT_ENOTFOUND)
        rc = ct_fail(err, CT_ENOTFOUND, "unknown-tx", "transaction not in the database");
    else if (rc == CT_OK && r.v.len != 8)
        rc = ct_fail(err, CT_EDBCORRUPT, "bad-row", "txid row of %zu bytes", r.v.len);
    if (rc == CT_OK) {
        txnum = ct_be64(r.v.data);
        rc = ct_graph_load_tx(&r, txnum, &tx);
    }
    bool coinbase = rc == CT_OK && (tx.flags & CT_TXF_COINBASE);
    if (rc == CT_OK) {
        in = calloc(tx.n_in ? tx.n_in : 1, sizeof(*in));
        outs = calloc(tx.n_out ? tx.n_out : 1, sizeof(*outs));
        if (!in || !outs)
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "judging a transaction");
    }
    for (uint32_t i = 0; rc == CT_OK && !coinbase && i < tx.n_in; i++) {
        ct_row_input ri;
        if ((rc = ct_graph_get(&r, k, ct_key_u64_u32(k, CT_T_INPUT, txnum, i))) ||
            (rc = ct_row_input_decode(&ri, r.v.data, r.v.len, err)))
            break;
        in[i] = (ct_cj_in){ri.value, ri.addrid, 0};
        if (ri.prev_txnum != CT_TXNUM_NONE) {
            ct_row_output o;
            if ((rc = ct_graph_get(&r, k,
                                   ct_key_u64_u32(k, CT_T_OUTPUT, ri.prev_txnum, ri.prev_vout))) ||
                (rc = ct_row_output_decode(&o, r.v.data, r.v.len, err)))
                break;
            in[i].type = o.type;
        }
    }
    for (uint32_t j = 0; rc == CT_OK && j < tx.n_out; j++) {
        ct_row_output o;
        if ((rc = ct_graph_get(&r, k, ct_key_u64_u32(k, CT_T_OUTPUT, txnum, j))) ||
            (rc = ct_row_output_decode(&o, r.v.data, r.v.len, err)))
            break;
        outs[j] = (ct_cj_out){o.value, o.addrid, o.type};
    }
    if (rc == CT_ENOTFOUND && txnum)
        rc = ct_fail(err, CT_EDBCORRUPT, "missing-row", "a row of transaction %llu",
                     (unsigned long long)txnum);
    if (rc == CT_OK) {
        ct_cl_policy all;
        ct_cluster_default_policy(&all);
        unsigned mask = ct_cluster_mask(db->clusters ? &db->cl_policy : &all,
                                        db->network[0] ? db->network : "mainnet");
        ct_cj_tx cj = {0, 0, tx.height, coinbase ? 0 : tx.n_in, tx.n_out, in, outs};
        ct_cj_verdict v;
        ct_cj_detect(&cj, mask, &v);
        for (int i = 0; i < CT_CLUSTER_DETECTORS; i++)
            if (v.detector == 1u << i)
                out->detector = i;
        out->veto = v.veto;
    }
    free(in);
    free(outs);
    ct_graph_reader_close(&r);
    return rc;
}
