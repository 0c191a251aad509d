/* The state of the indirect screen kept between scans (docs/scan.md "Nightly runs"), in the
 * scan's table, written in the batch of the alerts (alert_store.c):
 *
 *   0xf7 'J' -> version u8 (1), run BE64, after_txnum BE64, clusters u8, max_flows BE64,
 *       next_addrid BE64, labelled cluster count BE32, each: id, size, labelled members,
 *       the labelled member whose label the cluster carries, its rank (BE64 each)
 *   0xf7 'I' + direction u8 + category u8 + label + 0x00 + source -> version u8 (1),
 *       flows BE64, exposure count BE32, each: addrid BE64, 5 amounts and 5 USD values
 *       (BE64 high half, BE64 low half), usd_known u8, hops, first height, first time, last
 *       height, last time (BE32 each), evidence count BE32, each txid (32) + height BE32;
 *       then frontier count BE32, each: txnum BE64, vout BE32, models u8, per model in it:
 *       taint BE64, hop BE32, interval count BE32, 2 x BE64 per interval
 */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/util.h"
#include "chaintrail/cluster.h"
#include "chaintrail/graph.h"
#include "chaintrail/labels.h"
#include "db/db_internal.h"
#include "scan/direct_state.h"
#include "scan/indirect_state.h"
#include "scan/scan_internal.h"

typedef unsigned __int128 u128;

#define ISTATE_VERSION 1u
#define GROUP_VERSION  1u

static const uint8_t head_key[2] = {CT_T_SCAN, 'J'};
#define HEAD_SIZE (1 + 8 + 8 + 1 + 8 + 8 + 4)
#define CL_W      5 /* values per labelled cluster */

ct_scan_istate *ct_scan_istate_new(void)
{
    return calloc(1, sizeof(ct_scan_istate));
}

static void group_release(ct_igroup *g)
{
    for (size_t i = 0; i < g->n_exp; i++)
        free(g->exp[i].ev);
    free(g->exp);
    ct_hmap_release(&g->by_addr);
    ct_trace_frontier_release(&g->frontier);
    free(g->label);
    free(g->source);
}

void ct_scan_istate_free(ct_scan_istate *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        group_release(&s->g[i]);
    free(s->g);
    free(s->cl);
    ct_dstate_free(s->direct);
    free(s);
}

ct_igroup *ct_istate_find(ct_scan_istate *s, unsigned direction, unsigned category,
                          const char *label, const char *source)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->g[i].direction == direction && s->g[i].category == category &&
            strcmp(s->g[i].label, label) == 0 && strcmp(s->g[i].source, source) == 0)
            return &s->g[i];
    return NULL;
}

static char *dup_str(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

static ct_igroup *add_n(ct_scan_istate *s, unsigned direction, unsigned category, const char *label,
                        size_t ll, const char *source, size_t sl)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        ct_igroup *n = realloc(s->g, cap * sizeof(*n));
        if (!n)
            return NULL;
        s->g = n;
        s->cap = cap;
    }
    ct_igroup *g = &s->g[s->n];
    memset(g, 0, sizeof(*g));
    ct_hmap_init(&g->by_addr);
    g->direction = (uint8_t)direction;
    g->category = (uint8_t)category;
    g->label = dup_str(label, ll);
    g->source = dup_str(source, sl);
    s->n++;
    if (!g->label || !g->source)
        return NULL;
    return g;
}

ct_igroup *ct_istate_add(ct_scan_istate *s, unsigned direction, unsigned category,
                         const char *label, const char *source)
{
    return add_n(s, direction, category, label, strlen(label), source, strlen(source));
}

ct_iexp *ct_igroup_exp(ct_igroup *g, uint64_t addrid)
{
    uint8_t key[8];
    uint64_t v;
    ct_put_be64(key, addrid);
    if (ct_hmap_get(&g->by_addr, key, 8, &v))
        return &g->exp[v];
    if (g->n_exp == g->cap_exp) {
        size_t cap = g->cap_exp ? 2 * g->cap_exp : 16;
        ct_iexp *n = realloc(g->exp, cap * sizeof(*n));
        if (!n)
            return NULL;
        g->exp = n;
        g->cap_exp = cap;
    }
    ct_iexp *e = &g->exp[g->n_exp];
    memset(e, 0, sizeof(*e));
    e->addrid = addrid;
    e->usd_known = true;
    e->hops = UINT32_MAX;
    e->first_height = e->first_time = UINT32_MAX;
    if (ct_hmap_put(&g->by_addr, key, 8, g->n_exp) != CT_OK)
        return NULL;
    return &g->exp[g->n_exp++];
}

static int push_ev(ct_iexp *e, const uint8_t txid[32], uint32_t height)
{
    if (e->n_ev == e->cap_ev) {
        size_t cap = e->cap_ev ? 2 * e->cap_ev : 4;
        ct_iexp_ev *n = realloc(e->ev, cap * sizeof(*n));
        if (!n)
            return CT_ENOMEM;
        e->ev = n;
        e->cap_ev = cap;
    }
    memcpy(e->ev[e->n_ev].txid, txid, 32);
    e->ev[e->n_ev++].height = height;
    return CT_OK;
}

int ct_iexp_add(ct_iexp *e, int model, uint64_t taint, bool priced, u128 usd_cents, uint32_t hop,
                const uint8_t txid[32], uint32_t height, uint32_t time)
{
    if (push_ev(e, txid, height) != CT_OK)
        return CT_ENOMEM;
    e->amount[model] += taint;
    if (priced)
        e->usd_cents[model] += usd_cents;
    else
        e->usd_known = false;
    if (hop < e->hops)
        e->hops = hop;
    if (height < e->first_height || (height == e->first_height && time < e->first_time)) {
        e->first_height = height;
        e->first_time = time;
    }
    if (height >= e->last_height) {
        e->last_height = height;
        e->last_time = time;
    }
    return CT_OK;
}

int ct_igroup_copy_exp(ct_igroup *to, const ct_igroup *from)
{
    for (size_t i = 0; i < from->n_exp; i++) {
        const ct_iexp *s = &from->exp[i];
        ct_iexp *d = ct_igroup_exp(to, s->addrid);
        if (!d)
            return CT_ENOMEM;
        ct_iexp_ev *ev = d->ev;
        size_t cap = d->cap_ev;
        *d = *s;
        d->ev = ev;
        d->cap_ev = cap;
        d->n_ev = 0;
        for (size_t k = 0; k < s->n_ev; k++)
            if (push_ev(d, s->ev[k].txid, s->ev[k].height) != CT_OK)
                return CT_ENOMEM;
    }
    return CT_OK;
}

static int cmp_ev(const void *a, const void *b)
{
    const ct_iexp_ev *x = a, *y = b;
    if (x->height != y->height)
        return x->height < y->height ? -1 : 1;
    return memcmp(x->txid, y->txid, 32);
}

void ct_igroup_settle(ct_igroup *g)
{
    for (size_t i = 0; i < g->n_exp; i++) {
        ct_iexp *e = &g->exp[i];
        qsort(e->ev, e->n_ev, sizeof(*e->ev), cmp_ev);
        size_t n = 0;
        for (size_t k = 0; k < e->n_ev; k++)
            if (n == 0 || memcmp(e->ev[n - 1].txid, e->ev[k].txid, 32) != 0)
                e->ev[n++] = e->ev[k];
        e->n_ev = n;
    }
}

/* ---- rows ---- */
static int group_encode(ct_buf *b, const ct_igroup *g)
{
    int rc = ct_buf_putc(b, (char)GROUP_VERSION);
    rc |= ct_scan_put_64(b, g->flows);
    rc |= ct_scan_put_32(b, (uint32_t)g->n_exp);
    for (size_t i = 0; rc == CT_OK && i < g->n_exp; i++) {
        const ct_iexp *e = &g->exp[i];
        rc |= ct_scan_put_64(b, e->addrid);
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            rc |= ct_scan_put_u128(b, e->amount[m]);
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            rc |= ct_scan_put_u128(b, e->usd_cents[m]);
        rc |= ct_buf_putc(b, (char)e->usd_known);
        rc |= ct_scan_put_32(b, e->hops);
        rc |= ct_scan_put_32(b, e->first_height);
        rc |= ct_scan_put_32(b, e->first_time);
        rc |= ct_scan_put_32(b, e->last_height);
        rc |= ct_scan_put_32(b, e->last_time);
        rc |= ct_scan_put_32(b, (uint32_t)e->n_ev);
        for (size_t k = 0; rc == CT_OK && k < e->n_ev; k++) {
            rc |= ct_buf_append(b, e->ev[k].txid, 32);
            rc |= ct_scan_put_32(b, e->ev[k].height);
        }
    }
    rc |= ct_scan_put_32(b, (uint32_t)g->frontier.count);
    for (size_t i = 0; rc == CT_OK && i < g->frontier.count; i++) {
        const ct_trace_live *l = &g->frontier.items[i];
        rc |= ct_scan_put_64(b, l->txnum);
        rc |= ct_scan_put_32(b, l->vout);
        rc |= ct_buf_putc(b, (char)l->models);
        for (int m = 0; rc == CT_OK && m < CT_MODEL_COUNT; m++) {
            if (!(l->models & (1u << m)))
                continue;
            rc |= ct_scan_put_64(b, l->m[m].taint);
            rc |= ct_scan_put_32(b, l->m[m].hop);
            rc |= ct_scan_put_32(b, l->m[m].n_iv);
            for (uint32_t q = 0; q < 2 * l->m[m].n_iv; q++)
                rc |= ct_scan_put_64(b, l->m[m].iv[q]);
        }
    }
    return rc ? CT_ENOMEM : CT_OK;
}

static int group_decode(ct_igroup *g, ct_scan_rd *r)
{
    if (ct_scan_rd_8(r) != GROUP_VERSION)
        return CT_ECORRUPT;
    g->flows = ct_scan_rd_64(r);
    uint32_t n = ct_scan_rd_32(r);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        uint64_t addrid = ct_scan_rd_64(r);
        ct_iexp *e = ct_igroup_exp(g, addrid);
        if (!e)
            return CT_ENOMEM;
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            e->amount[m] = ct_scan_rd_u128(r);
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            e->usd_cents[m] = ct_scan_rd_u128(r);
        e->usd_known = ct_scan_rd_8(r) != 0;
        e->hops = ct_scan_rd_32(r);
        e->first_height = ct_scan_rd_32(r);
        e->first_time = ct_scan_rd_32(r);
        e->last_height = ct_scan_rd_32(r);
        e->last_time = ct_scan_rd_32(r);
        uint32_t k = ct_scan_rd_32(r);
        if (k > r->left / 36)
            return CT_ECORRUPT;
        for (uint32_t j = 0; j < k && !r->bad; j++) {
            const uint8_t *t = ct_scan_rd_take(r, 32);
            uint32_t h = ct_scan_rd_32(r);
            if (t && push_ev(e, t, h) != CT_OK)
                return CT_ENOMEM;
        }
    }
    uint32_t nf = ct_scan_rd_32(r);
    if (r->bad || nf > r->left / 13)
        return CT_ECORRUPT;
    if (nf && !(g->frontier.items = calloc(nf, sizeof(*g->frontier.items))))
        return CT_ENOMEM;
    g->frontier.cap = nf;
    for (uint32_t i = 0; i < nf && !r->bad; i++) {
        ct_trace_live *l = &g->frontier.items[g->frontier.count++];
        l->txnum = ct_scan_rd_64(r);
        l->vout = ct_scan_rd_32(r);
        l->models = ct_scan_rd_8(r);
        for (int m = 0; m < CT_MODEL_COUNT && !r->bad; m++) {
            if (!(l->models & (1u << m)))
                continue;
            l->m[m].taint = ct_scan_rd_64(r);
            l->m[m].hop = ct_scan_rd_32(r);
            uint32_t ni = ct_scan_rd_32(r);
            if (ni > r->left / 16)
                return CT_ECORRUPT;
            if (ni && !(l->m[m].iv = malloc((size_t)ni * 2 * sizeof(uint64_t))))
                return CT_ENOMEM;
            l->m[m].n_iv = ni;
            for (uint32_t q = 0; q < 2 * ni; q++)
                l->m[m].iv[q] = ct_scan_rd_64(r);
        }
    }
    return r->bad || r->left ? CT_ECORRUPT : CT_OK;
}

int ct_istate_load(ct_scan_istate *s, ct_db *db, ct_error *err)
{
    ct_buf v;
    ct_buf_init(&v, 1024);
    s->run = 0;
    int rc = ct_store_get(db->st, NULL, head_key, sizeof(head_key), &v, err);
    if (rc == CT_ENOTFOUND) {
        ct_buf_release(&v);
        if (err)
            ct_error_clear(err);
        return CT_OK;
    }
    size_t ncl = v.len >= HEAD_SIZE ? ct_be32(v.data + HEAD_SIZE - 4) : 0;
    if (rc == CT_OK &&
        (v.len < HEAD_SIZE || v.data[0] != ISTATE_VERSION ||
         ncl != (v.len - HEAD_SIZE) / (8 * CL_W) || (v.len - HEAD_SIZE) % (8 * CL_W)))
        rc = ct_fail(err, CT_ECORRUPT, "bad-row", "scan resume row of %zu bytes", v.len);
    if (rc == CT_OK && ncl && !(s->cl = malloc(ncl * CL_W * sizeof(*s->cl))))
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the scan state");
    if (rc == CT_OK) {
        s->run = ct_be64(v.data + 1);
        s->after_txnum = ct_be64(v.data + 9);
        s->clusters = v.data[17] != 0;
        s->max_flows = ct_be64(v.data + 18);
        s->next_addrid = ct_be64(v.data + 26);
        s->n_cl = ncl;
        for (size_t i = 0; i < CL_W * ncl; i++)
            s->cl[i] = ct_be64(v.data + HEAD_SIZE + 8 * i);
    }
    ct_buf_release(&v);
    if (rc != CT_OK)
        return rc;
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the scan state");
    const uint8_t pre[2] = {CT_T_SCAN, 'I'};
    for (ct_store_iter_seek(it, pre, 2); rc == CT_OK && ct_store_iter_valid(it);
         ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl < 2 || memcmp(k, pre, 2) != 0)
            break;
        const uint8_t *val = ct_store_iter_value(it, &vl);
        const char *lab = (const char *)k + 4;
        const uint8_t *nul = kl > 4 ? memchr(lab, 0, kl - 4) : NULL;
        if (!nul) {
            rc = ct_fail(err, CT_ECORRUPT, "bad-row", "scan resume key of %zu bytes", kl);
            break;
        }
        size_t ll = (size_t)(nul - (const uint8_t *)lab);
        ct_igroup *g = add_n(s, k[2], k[3], lab, ll, (const char *)nul + 1, kl - 4 - ll - 1);
        if (!g) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the scan state");
            break;
        }
        ct_scan_rd r = {val, vl, false};
        rc = group_decode(g, &r);
        if (rc == CT_ENOMEM)
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "reading the scan state");
        else if (rc != CT_OK)
            rc = ct_fail(err, CT_ECORRUPT, "bad-row", "scan resume row of '%s' is damaged",
                         g->label);
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    return rc;
}

int ct_istate_write(ct_store_batch *b, ct_db *db, const ct_scan_istate *s, uint64_t run,
                    ct_error *err)
{
    /* The rows of the last run go, whatever groups this one has. */
    ct_store_iter *it = ct_store_iter_new(db->st, NULL);
    if (!it)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "writing the scan state");
    const uint8_t pre[2] = {CT_T_SCAN, 'I'};
    for (ct_store_iter_seek(it, pre, 2); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl < 2 || memcmp(k, pre, 2) != 0)
            break;
        ct_store_batch_del(b, k, kl);
    }
    int rc = ct_store_iter_status(it, err);
    ct_store_iter_free(it);
    if (rc == CT_OK)
        rc = ct_dstate_write(b, db, s->direct, run, err);
    if (rc != CT_OK)
        return rc;
    ct_buf k, v;
    ct_buf_init(&k, 4096);
    ct_buf_init(&v, (size_t)1 << 34);
    uint8_t hv[HEAD_SIZE];
    hv[0] = ISTATE_VERSION;
    ct_put_be64(hv + 1, run);
    ct_put_be64(hv + 9, s->after_txnum);
    hv[17] = s->clusters;
    ct_put_be64(hv + 18, s->max_flows);
    ct_put_be64(hv + 26, s->next_addrid);
    ct_put_be32(hv + 34, (uint32_t)s->n_cl);
    int wrc = ct_buf_append(&v, hv, sizeof(hv));
    for (size_t i = 0; wrc == CT_OK && i < CL_W * s->n_cl; i++)
        wrc = ct_scan_put_64(&v, s->cl[i]);
    if (wrc != CT_OK)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "writing the scan state");
    else
        ct_store_batch_put(b, head_key, sizeof(head_key), v.data, v.len);
    for (size_t i = 0; rc == CT_OK && i < s->n; i++) {
        const ct_igroup *g = &s->g[i];
        ct_buf_reset(&k);
        ct_buf_reset(&v);
        uint8_t h[4] = {CT_T_SCAN, 'I', g->direction, g->category};
        if (ct_buf_append(&k, h, 4) || ct_buf_append(&k, g->label, strlen(g->label) + 1) ||
            ct_buf_append(&k, g->source, strlen(g->source)) || group_encode(&v, g) != CT_OK) {
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "writing the scan state");
            break;
        }
        ct_store_batch_put(b, k.data, k.len, v.data, v.len);
    }
    ct_buf_release(&k);
    ct_buf_release(&v);
    return rc;
}

/* ---- what the state must still match ---- */
typedef struct cl_ctx {
    ct_db *db;
    ct_labels_reader *lr;
    ct_label_list list;
    ct_hmap ids; /* cluster id BE64 -> index in cl / CL_W */
    uint64_t *cl;
    size_t n, cap;
    ct_error *err;
} cl_ctx;

static int cl_address(void *arg, const char *a)
{
    cl_ctx *c = arg;
    ct_graph_address ga;
    int rc = ct_graph_address_get(c->db, &ga, a, c->err);
    if (rc == CT_ENOTFOUND) {
        if (c->err)
            ct_error_clear(c->err);
        return CT_OK;
    }
    if (rc != CT_OK)
        return rc;
    uint64_t cid = ga.cluster_id, size = ga.cluster_size, id = ga.addrid;
    ct_graph_address_release(&ga);
    if (size < 2)
        return CT_OK;
    if ((rc = ct_labels_reader_get(c->lr, &c->list, a, c->err)) != CT_OK || c->list.count == 0)
        return rc;
    size_t li;
    uint64_t rank = ct_label_category_rank(ct_labels_attribution(&c->list, 0, &li));
    uint8_t key[8];
    uint64_t i;
    ct_put_be64(key, cid);
    if (!ct_hmap_get(&c->ids, key, 8, &i)) {
        if (c->n == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 64;
            uint64_t *n = realloc(c->cl, cap * CL_W * sizeof(*n));
            if (!n)
                return ct_fail(c->err, CT_ENOMEM, "out-of-memory", "scan state");
            c->cl = n;
            c->cap = cap;
        }
        i = c->n++;
        uint64_t *e = &c->cl[CL_W * i];
        e[0] = cid;
        e[1] = size;
        e[2] = 0;
        e[3] = id;
        e[4] = rank;
        if (ct_hmap_put(&c->ids, key, 8, i) != CT_OK)
            return ct_fail(c->err, CT_ENOMEM, "out-of-memory", "scan state");
    }
    uint64_t *e = &c->cl[CL_W * i];
    e[2]++;
    /* the labelled member: the highest-ranked category, on a tie the smallest address id
     * (docs/taint-models.md "Clusters") */
    if (rank > e[4] || (rank == e[4] && id < e[3])) {
        e[3] = id;
        e[4] = rank;
    }
    return CT_OK;
}

static int cmp_cl(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

int ct_istate_clusters(ct_scan_istate *s, ct_db *db, ct_error *err)
{
    cl_ctx c = {.db = db, .err = err};
    ct_hmap_init(&c.ids);
    ct_label_list_init(&c.list);
    s->next_addrid = db->next.addrid;
    int rc = ct_labels_reader_new(&c.lr, db, err);
    if (rc == CT_OK)
        rc = ct_scan_each_labelled(db, cl_address, &c, err);
    ct_labels_reader_free(c.lr);
    ct_label_list_release(&c.list);
    ct_hmap_release(&c.ids);
    if (rc != CT_OK) {
        free(c.cl);
        return rc;
    }
    if (c.n)
        qsort(c.cl, c.n, CL_W * sizeof(*c.cl), cmp_cl);
    free(s->cl);
    s->cl = c.cl;
    s->n_cl = c.n;
    return CT_OK;
}

/* The members of cluster cid with an id below `below` and no label of their own: how many. */
static int old_members(ct_db *db, uint64_t cid, uint64_t below, uint64_t *n,
                       const ct_hmap *labelled, ct_error *err)
{
    ct_cluster_members *m = NULL;
    int rc = ct_cluster_members_new(&m, db, cid, err);
    const char *a;
    uint64_t id;
    *n = 0;
    while (rc == CT_OK && (rc = ct_cluster_members_next(m, &a, &id, err)) == CT_OK) {
        if (id >= below)
            continue;
        uint8_t key[CT_HMAP_KEY_MAX];
        uint64_t v;
        if (!ct_hmap_get(labelled, key, ct_scan_addr_key(key, a), &v))
            (*n)++;
    }
    if (rc == CT_EEOF) {
        rc = CT_OK;
        if (err)
            ct_error_clear(err);
    }
    ct_cluster_members_free(m);
    return rc;
}

int ct_istate_clusters_hold(const ct_scan_istate *prev, const ct_scan_istate *now, ct_db *db,
                            bool *hold, ct_error *err)
{
    *hold = true;
    ct_hmap labelled;
    bool have_set = false;
    int rc = CT_OK;
    ct_hmap_init(&labelled);
    for (size_t i = 0; rc == CT_OK && *hold && i < now->n_cl; i++) {
        const uint64_t *c = &now->cl[CL_W * i];
        const uint64_t *p =
            prev->n_cl ? bsearch(c, prev->cl, prev->n_cl, CL_W * sizeof(*c), cmp_cl) : NULL;
        if (p && p[1] == c[1] && p[2] == c[2])
            continue; /* the same cluster, not grown */
        /* Grown, or a new labelled cluster: it must carry the same member's label as then,
         * and its older members without a label of their own must be those it had then
         * (size less labelled members), none for a new one: no older address gained or
         * changed an attribution through it. */
        if (p && p[3] != c[3]) {
            *hold = false;
            break;
        }
        if (!have_set && (rc = ct_scan_labelled_set(&labelled, db, err)) != CT_OK)
            break;
        have_set = true;
        uint64_t n;
        if ((rc = old_members(db, c[0], prev->next_addrid, &n, &labelled, err)) != CT_OK)
            break;
        *hold = n == (p ? p[1] - p[2] : 0);
    }
    ct_hmap_release(&labelled);
    return rc;
}

int ct_istate_tip_txnum(uint64_t *out, ct_db *db, ct_error *err)
{
    *out = 0;
    ct_graph_chain_stats cs;
    int rc = ct_graph_stats(db, &cs, err);
    if (rc != CT_OK || !cs.has_tip)
        return rc;
    ct_graph_block b;
    if ((rc = ct_graph_block_by_height(db, &b, cs.height, err)) != CT_OK)
        return rc;
    *out = b.first_txnum_ + b.tx_count - 1;
    return CT_OK;
}
