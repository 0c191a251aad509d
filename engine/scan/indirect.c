/* Indirect exposure of the customers (docs/scan.md "Indirect exposure"). The labelled
 * addresses the policy screens are grouped by their attribution; per group one forward trace
 * (incoming) and one backward trace (outgoing) over the whole graph find every customer at
 * once: each trace is one sweep in chain order whose stops are every labelled address and
 * every customer address, so the work grows with the labelled groups and the taint they
 * spread, not with the number of customers. The five models are the tracer's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hmap.h"
#include "base/util.h"
#include "chaintrail/cluster.h"
#include "chaintrail/scan.h"
#include "scan/indirect_state.h"
#include "scan/scan_internal.h"

typedef unsigned __int128 u128;

#define CUSTOMER_CATEGORY "customer" /* the stop the walk gives a customer address */

/* A customer address (several rows may share it). */
typedef struct caddr {
    uint64_t addrid;
    u128 received, sent;
    size_t *rows;
    size_t n_rows;
} caddr;

/* A group of labelled addresses with one attribution. */
typedef struct group {
    ct_label_category category;
    char *label, *source; /* owned */
    char **addrs;         /* owned */
    size_t n, cap;
    uint64_t *clusters; /* clusters of two or more of its labelled addresses, to expand */
    size_t n_cl;
} group;

typedef struct scan_ix {
    ct_hmap by_addr; /* address key -> caddr index */
    ct_hmap by_id;   /* addrid BE64 -> caddr index */
    caddr *ca;
    size_t n_ca, cap_ca;
    group *g;
    size_t n_g, cap_g;
    /* the wrapped graph */
    const ct_trace_graph *base;
} scan_ix;

static bool find_caddr(const scan_ix *x, const char *a, size_t *i)
{
    uint8_t key[CT_HMAP_KEY_MAX];
    uint64_t v;
    if (!ct_hmap_get(&x->by_addr, key, ct_scan_addr_key(key, a), &v))
        return false;
    *i = (size_t)v;
    return true;
}

/* ---- the graph the traces walk: the database's, where a customer address is a stop ---- */
static int w_load_tx(void *ctx, uint64_t txnum, ct_trace_tx *tx, ct_error *err)
{
    const scan_ix *x = ctx;
    return x->base->load_tx(x->base->ctx, txnum, tx, err);
}
static int w_txnum_of(void *ctx, const uint8_t txid[32], uint64_t *txnum, ct_error *err)
{
    const scan_ix *x = ctx;
    return x->base->txnum_of(x->base->ctx, txid, txnum, err);
}
static int w_address_outputs(void *ctx, const char *address,
                             int (*fn)(void *arg, uint64_t txnum, uint32_t vout), void *arg,
                             ct_error *err)
{
    const scan_ix *x = ctx;
    return x->base->address_outputs(x->base->ctx, address, fn, arg, err);
}
static int w_address_of(void *ctx, uint64_t addrid, char **out, ct_error *err)
{
    const scan_ix *x = ctx;
    return x->base->address_of(x->base->ctx, addrid, out, err);
}
static int w_label_of(void *ctx, uint64_t addrid, char *category, size_t csize, char *label,
                      size_t lsize, ct_error *err)
{
    const scan_ix *x = ctx;
    int rc = x->base->label_of(x->base->ctx, addrid, category, csize, label, lsize, err);
    if (rc != CT_ENOTFOUND)
        return rc;
    uint8_t id[8];
    uint64_t v;
    ct_put_be64(id, addrid);
    if (!ct_hmap_get(&x->by_id, id, 8, &v))
        return CT_ENOTFOUND;
    if (err)
        ct_error_clear(err);
    snprintf(category, csize, "%s", CUSTOMER_CATEGORY);
    snprintf(label, lsize, "%s", "");
    return CT_OK;
}
static int w_cluster_of(void *ctx, uint64_t addrid, uint64_t *cluster_id, char **member,
                        ct_error *err)
{
    const scan_ix *x = ctx;
    return x->base->cluster_of(x->base->ctx, addrid, cluster_id, member, err);
}

/* ---- inputs: customer addresses and labelled groups ---- */
static int add_customers(scan_ix *x, ct_db *db, const ct_scan_customers *cs, ct_error *err)
{
    for (size_t r = 0; r < cs->count; r++) {
        const ct_scan_customer *cu = &cs->items[r];
        if (cu->chain != CT_SCAN_BITCOIN)
            continue;
        size_t i;
        if (!find_caddr(x, cu->address, &i)) {
            ct_graph_address ga;
            int rc = ct_graph_address_get(db, &ga, cu->address, err);
            if (rc == CT_ENOTFOUND) {
                if (err)
                    ct_error_clear(err);
                continue;
            }
            if (rc != CT_OK)
                return rc;
            if (x->n_ca == x->cap_ca) {
                size_t cap = x->cap_ca ? 2 * x->cap_ca : 64;
                caddr *n = realloc(x->ca, cap * sizeof(*n));
                if (!n) {
                    ct_graph_address_release(&ga);
                    return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan customers");
                }
                x->ca = n;
                x->cap_ca = cap;
            }
            i = x->n_ca++;
            x->ca[i] =
                (caddr){.addrid = ga.addrid, .received = ga.received_sat, .sent = ga.sent_sat};
            ct_graph_address_release(&ga);
            uint8_t key[CT_HMAP_KEY_MAX], id[8];
            ct_put_be64(id, x->ca[i].addrid);
            if (ct_hmap_put(&x->by_addr, key, ct_scan_addr_key(key, cu->address), i) != CT_OK ||
                ct_hmap_put(&x->by_id, id, 8, i) != CT_OK)
                return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan customers");
        }
        caddr *c = &x->ca[i];
        size_t *rows = realloc(c->rows, (c->n_rows + 1) * sizeof(*rows));
        if (!rows)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan customers");
        c->rows = rows;
        c->rows[c->n_rows++] = r;
    }
    return CT_OK;
}

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Adds labelled address `a` to the group of its attribution; `cluster` (0: none) is its
 * cluster when it has two or more members, whose unlabelled members join later. */
static int add_source(scan_ix *x, const char *a, ct_label_category cat, const ct_label *l,
                      uint64_t cluster)
{
    group *g = NULL;
    for (size_t i = 0; i < x->n_g && !g; i++)
        if (x->g[i].category == cat && strcmp(x->g[i].label, l->label) == 0 &&
            strcmp(x->g[i].source, l->source) == 0)
            g = &x->g[i];
    if (!g) {
        if (x->n_g == x->cap_g) {
            size_t cap = x->cap_g ? 2 * x->cap_g : 8;
            group *n = realloc(x->g, cap * sizeof(*n));
            if (!n)
                return CT_ENOMEM;
            x->g = n;
            x->cap_g = cap;
        }
        g = &x->g[x->n_g];
        *g = (group){.category = cat, .label = dup_text(l->label), .source = dup_text(l->source)};
        x->n_g++;
        if (!g->label || !g->source)
            return CT_ENOMEM;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 8;
        char **n = realloc(g->addrs, cap * sizeof(*n));
        if (!n)
            return CT_ENOMEM;
        g->addrs = n;
        g->cap = cap;
    }
    if (!(g->addrs[g->n] = dup_text(a)))
        return CT_ENOMEM;
    g->n++;
    if (cluster) {
        for (size_t i = 0; i < g->n_cl; i++)
            if (g->clusters[i] == cluster)
                return CT_OK;
        uint64_t *n = realloc(g->clusters, (g->n_cl + 1) * sizeof(*n));
        if (!n)
            return CT_ENOMEM;
        g->clusters = n;
        g->clusters[g->n_cl++] = cluster;
    }
    return CT_OK;
}

/* The members of the groups' clusters that carry the group's attribution through their
 * cluster (docs/taint-models.md "Clusters": no label of their own, and the group's address
 * is the cluster's labelled member) become sources too. */
static int expand_clusters(scan_ix *x, ct_db *db, const ct_trace_graph *base, ct_error *err)
{
    int rc = CT_OK;
    for (size_t gi = 0; rc == CT_OK && gi < x->n_g; gi++) {
        for (size_t c = 0; rc == CT_OK && c < x->g[gi].n_cl; c++) {
            ct_cluster_members *mem = NULL;
            if ((rc = ct_cluster_members_new(&mem, db, x->g[gi].clusters[c], err)) != CT_OK)
                break;
            const char *a;
            uint64_t id;
            char want[CT_LABEL_TEXT_MAX + CT_LABEL_SOURCE_MAX + 8];
            snprintf(want, sizeof(want), "%s (%s)", x->g[gi].label, x->g[gi].source);
            while ((rc = ct_cluster_members_next(mem, &a, &id, err)) == CT_OK) {
                char cat[24], label[sizeof(want)];
                char *member = NULL;
                uint64_t cid;
                int lrc =
                    base->label_of(base->ctx, id, cat, sizeof(cat), label, sizeof(label), err);
                if (lrc == CT_ENOTFOUND) {
                    if (err)
                        ct_error_clear(err);
                    continue;
                }
                if ((rc = lrc) != CT_OK)
                    break;
                if ((rc = base->cluster_of(base->ctx, id, &cid, &member, err)) != CT_OK)
                    break;
                bool inherits = member != NULL;
                free(member);
                if (!inherits || strcmp(cat, ct_label_category_name(x->g[gi].category)) != 0 ||
                    strcmp(label, want) != 0 || strlen(a) >= sizeof(((ct_trace_source *)0)->spec))
                    continue;
                ct_graph_address ga; /* a key known only in its linked form received nothing */
                if ((rc = ct_graph_address_get(db, &ga, a, err)) != CT_OK)
                    break;
                bool received = ga.outputs > 0;
                ct_graph_address_release(&ga);
                if (!received)
                    continue;
                group *g = &x->g[gi];
                if (g->n == g->cap) {
                    size_t cap = 2 * g->cap;
                    char **n = realloc(g->addrs, cap * sizeof(*n));
                    if (!n) {
                        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "scan sources");
                        break;
                    }
                    g->addrs = n;
                    g->cap = cap;
                }
                if (!(g->addrs[g->n] = dup_text(a))) {
                    rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "scan sources");
                    break;
                }
                g->n++;
            }
            if (rc == CT_EEOF)
                rc = CT_OK;
            ct_cluster_members_free(mem);
        }
    }
    return rc;
}

/* One labelled address: into the group of its attribution when the policy screens that
 * category with indirect exposure and the graph saw it receive. */
typedef struct groups_ctx {
    scan_ix *x;
    ct_db *db;
    const ct_scan_policy *p;
    bool use_clusters;
    ct_labels_reader *lr;
    ct_label_list list;
    ct_error *err;
} groups_ctx;

static int group_address(void *arg, const char *a)
{
    groups_ctx *c = arg;
    int rc = ct_labels_reader_get(c->lr, &c->list, a, c->err);
    if (rc != CT_OK || c->list.count == 0)
        return rc;
    size_t li;
    ct_label_category cat = ct_labels_attribution(&c->list, 0, &li);
    const ct_scan_rule *r = &c->p->rules[cat];
    if (r->severity == CT_SCAN_NONE || !(r->exposure & CT_SCAN_INDIRECT) || r->max_hops < 2 ||
        strlen(a) >= sizeof(((ct_trace_source *)0)->spec))
        return CT_OK;
    ct_graph_address ga;
    rc = ct_graph_address_get(c->db, &ga, a, c->err);
    if (rc == CT_ENOTFOUND) {
        if (c->err)
            ct_error_clear(c->err);
        return CT_OK;
    }
    if (rc != CT_OK)
        return rc;
    bool received = ga.outputs > 0;
    uint64_t cluster = c->use_clusters && ga.cluster_size >= 2 ? ga.cluster_id : 0;
    ct_graph_address_release(&ga);
    if (received && add_source(c->x, a, cat, &c->list.items[li], cluster) != CT_OK)
        return ct_fail(c->err, CT_ENOMEM, "out-of-memory", "scan labels");
    return CT_OK;
}

/* Every labelled address (in the label table's order) the policy screens indirectly. */
static int add_groups(scan_ix *x, ct_db *db, const ct_scan_policy *p, bool use_clusters,
                      ct_error *err)
{
    groups_ctx c = {.x = x, .db = db, .p = p, .use_clusters = use_clusters, .err = err};
    ct_label_list_init(&c.list);
    int rc = ct_labels_reader_new(&c.lr, db, err);
    if (rc == CT_OK)
        rc = ct_scan_each_labelled(db, group_address, &c, err);
    ct_labels_reader_free(c.lr);
    ct_label_list_release(&c.list);
    return rc;
}

/* ---- findings ---- */
/* The finding of (row, direction, group) among out->items[first..), created when missing. */
static ct_scan_finding *finding(ct_scan_findings *out, size_t first, size_t row, unsigned direction,
                                const group *g, const ct_scan_rule *r)
{
    for (size_t i = first; i < out->count; i++)
        if (out->items[i].customer == row && out->items[i].direction == direction)
            return &out->items[i];
    if (out->count == out->cap_) {
        size_t cap = out->cap_ ? out->cap_ * 2 : 8;
        ct_scan_finding *n = realloc(out->items, cap * sizeof(*n));
        if (!n)
            return NULL;
        out->items = n;
        out->cap_ = cap;
    }
    ct_scan_finding *f = &out->items[out->count++];
    memset(f, 0, sizeof(*f));
    f->customer = row;
    f->direction = direction;
    f->exposure = CT_SCAN_INDIRECT;
    f->category = g->category;
    f->severity = r->severity;
    f->hops = UINT32_MAX;
    f->usd_known = true;
    f->first_time = UINT32_MAX;
    f->first_height = UINT32_MAX;
    f->n_sources = g->n;
    snprintf(f->counterparty, sizeof(f->counterparty), "%s", g->label);
    snprintf(f->label, sizeof(f->label), "%s", g->label);
    snprintf(f->source, sizeof(f->source), "%s", g->source);
    return f;
}

/* The flows of one trace that stopped at a customer address at hop 2 or more, added to the
 * group's exposure per customer address. */
static int gather(ct_igroup *gs, const scan_ix *x, unsigned direction, const ct_trace_result *res,
                  ct_error *err)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *mr = &res->model[m];
        for (size_t i = 0; i < mr->n_flows; i++) {
            const ct_trace_flow *fl = &mr->flows[i];
            size_t ci;
            if (fl->endpoint == CT_TRACE_NONE || fl->address == CT_TRACE_NONE || fl->hop < 2 ||
                fl->taint == 0 || !find_caddr(x, res->addresses[fl->address], &ci))
                continue;
            /* Forward the evidence is the transaction that paid the customer (the output's);
             * backward the one that spent the customer's output. */
            size_t t = direction == CT_SCAN_INCOMING ? fl->tx : fl->by;
            if (t == CT_TRACE_NONE)
                continue;
            const ct_trace_txref *tx = &res->txs[t];
            ct_iexp *e = ct_igroup_exp(gs, x->ca[ci].addrid);
            if (!e || ct_iexp_add(e, m, fl->taint, fl->priced, fl->usd_cents, fl->hop, tx->txid,
                                  tx->height, tx->time) != CT_OK)
                return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan findings");
        }
    }
    ct_igroup_settle(gs);
    return CT_OK;
}

/* The findings of the group's exposure: one per (customer row, direction). */
static int emit(ct_scan_findings *out, size_t first, const scan_ix *x, const group *g,
                const ct_scan_rule *r, unsigned direction, const ct_igroup *gs, ct_error *err)
{
    for (size_t i = 0; i < gs->n_exp; i++) {
        const ct_iexp *e = &gs->exp[i];
        uint8_t id[8];
        uint64_t ci;
        ct_put_be64(id, e->addrid);
        if (!ct_hmap_get(&x->by_id, id, 8, &ci))
            continue;
        for (size_t k = 0; k < x->ca[ci].n_rows; k++) {
            ct_scan_finding *f = finding(out, first, x->ca[ci].rows[k], direction, g, r);
            if (!f || (e->n_ev && !(f->txids = malloc(e->n_ev * sizeof(*f->txids)))))
                return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan findings");
            for (size_t j = 0; j < e->n_ev; j++)
                memcpy(f->txids[j], e->ev[j].txid, 32);
            f->n_txids = f->cap_txids_ = e->n_ev;
            memcpy(f->amount, e->amount, sizeof(f->amount));
            memcpy(f->usd_cents, e->usd_cents, sizeof(f->usd_cents));
            f->usd_known = e->usd_known;
            f->hops = e->hops;
            f->first_height = e->first_height;
            f->first_time = e->first_time;
            f->last_height = e->last_height;
            f->last_time = e->last_time;
        }
    }
    return CT_OK;
}

/* ---- nightly runs: resuming from the last run's state (docs/scan.md "Nightly runs") ---- */
typedef struct resume_ctx {
    ct_scan_istate *prev; /* NULL: trace every group in full */
    ct_scan_istate *next; /* this run's state */
    uint64_t after;       /* prev's last transaction */
} resume_ctx;

static int note_after(void *arg, uint64_t txnum, uint32_t vout)
{
    (void)vout;
    uint64_t *a = arg; /* [0] the bound, [1] set when an output is past it */
    if (txnum > a[0])
        a[1] = 1;
    return CT_OK;
}

/* Whether an address of g received in a transaction after `after`. */
static int receipts_after(const ct_trace_graph *wg, const group *g, uint64_t after, bool *yes,
                          ct_error *err)
{
    uint64_t a[2] = {after, 0};
    for (size_t i = 0; i < g->n && !a[1]; i++) {
        int rc = wg->address_outputs(wg->ctx, g->addrs[i], note_after, a, err);
        if (rc != CT_OK)
            return rc;
    }
    *yes = a[1] != 0;
    return CT_OK;
}

static uint64_t flows_of(const ct_trace_result *res)
{
    uint64_t n = 0;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        n += res->model[m].n_flows;
    return n;
}

/* The trace of one group in one direction and the group's state for the next run (*gs, in
 * rs->next): forward, resumed from the last run's frontier with the group's newer receipts,
 * its exposure added to the last run's; backward, the last run's exposure as it was when the
 * group received nothing since (a backward trace walks only into the past of its sources);
 * otherwise in full. A resumed trace that would pass max_flows (counted with the last run's
 * flows) is run in full instead, so it stops only where the full one does. */
static int trace_group(ct_trace_result *res, ct_igroup **gs_out, resume_ctx *rs, const scan_ix *x,
                       const ct_trace_graph *wg, const ct_trace_source *src, const group *g,
                       const ct_trace_options *o, unsigned direction, ct_scan_indirect_options *opt,
                       ct_error *err)
{
    memset(res, 0, sizeof(*res));
    ct_igroup *old = ct_istate_find(rs->prev, direction, g->category, g->label, g->source);
    ct_igroup *gs = ct_istate_add(rs->next, direction, g->category, g->label, g->source);
    if (!gs)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan state");
    *gs_out = gs;
    bool incoming = direction == CT_SCAN_INCOMING;
    int rc = CT_OK;
    uint64_t budget = o->max_flows ? o->max_flows : CT_TRACE_MAX_FLOWS_DEFAULT;
    if (old && incoming && old->flows < budget) {
        ct_trace_options o2 = *o;
        o2.max_flows = budget - old->flows;
        rc =
            ct_trace_resume(res, wg, src, g->n, rs->after, &old->frontier, &o2, &gs->frontier, err);
        if (rc == CT_OK && res->complete) {
            gs->flows = old->flows + flows_of(res);
            if (opt)
                opt->resumed++;
            if (ct_igroup_copy_exp(gs, old) != CT_OK)
                return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan state");
            return gather(gs, x, direction, res, err);
        }
        if (rc != CT_OK)
            return rc;
        ct_trace_result_release(res);
        ct_trace_frontier_release(&gs->frontier);
        memset(res, 0, sizeof(*res));
    } else if (old && !incoming) {
        bool newer;
        if ((rc = receipts_after(wg, g, rs->after, &newer, err)) != CT_OK)
            return rc;
        if (!newer) {
            res->complete = true;
            if (opt)
                opt->resumed++;
            if (ct_igroup_copy_exp(gs, old) != CT_OK)
                return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan state");
            ct_igroup_settle(gs);
            return CT_OK;
        }
    }
    rc = ct_trace_resume(res, wg, src, g->n, 0, NULL, o, incoming ? &gs->frontier : NULL, err);
    if (rc == CT_OK && res->complete) {
        gs->flows = flows_of(res);
        rc = gather(gs, x, direction, res, err);
    }
    return rc;
}

/* Ranges, evidence order, shares and thresholds of the findings out->items[first..). */
static void settle(ct_scan_findings *out, size_t first, const scan_ix *x,
                   const ct_scan_customers *cs, const ct_scan_policy *p)
{
    size_t keep = first;
    for (size_t i = first; i < out->count; i++) {
        ct_scan_finding *f = &out->items[i];
        ct_scan_finding_range(f);
        size_t ci;
        bool found = find_caddr(x, cs->items[f->customer].address, &ci);
        f->volume = !found                             ? 0
                    : f->direction == CT_SCAN_INCOMING ? x->ca[ci].received
                                                       : x->ca[ci].sent;
        u128 share = f->volume ? f->high * 1000000 / f->volume : 0;
        f->share_ppm = share > 1000000 ? 1000000 : (uint32_t)share;
        const ct_scan_rule *r = &p->rules[f->category];
        if (f->high == 0 || f->high < r->min_sat ||
            f->high * 1000000 < (u128)r->min_share_ppm * f->volume ||
            (f->usd_known && r->min_usd_cents && f->usd_high < r->min_usd_cents)) {
            out->below++;
            free(f->txids);
            continue;
        }
        out->items[keep++] = *f;
    }
    out->count = keep;
}

static void ix_release(scan_ix *x)
{
    ct_hmap_release(&x->by_addr);
    ct_hmap_release(&x->by_id);
    for (size_t i = 0; i < x->n_ca; i++)
        free(x->ca[i].rows);
    free(x->ca);
    for (size_t i = 0; i < x->n_g; i++) {
        for (size_t k = 0; k < x->g[i].n; k++)
            free(x->g[i].addrs[k]);
        free(x->g[i].addrs);
        free(x->g[i].clusters);
        free(x->g[i].label);
        free(x->g[i].source);
    }
    free(x->g);
}

/* The trace keeps only the taint that stops at a customer address (whatever its category: a
 * labelled customer address stops as its label) at hop 2 or more, and the flows that carry
 * it: all that collect reads, so that memory holds the frontier and the findings, not every
 * flow of the walk. */
static bool keep_customer(const void *ctx, uint64_t addrid, const char *category, uint32_t hop)
{
    const scan_ix *x = ctx;
    uint8_t id[8];
    uint64_t v;
    (void)category;
    ct_put_be64(id, addrid);
    return addrid != 0 && hop >= 2 && ct_hmap_get(&x->by_id, id, 8, &v);
}

static int run_group(ct_scan_findings *out, const scan_ix *x, const ct_trace_graph *wg,
                     const ct_trace_pricing *pricing, const group *g, const ct_scan_rule *r,
                     unsigned direction, ct_scan_indirect_options *opt, const ct_scan_customers *cs,
                     const ct_scan_policy *p, resume_ctx *rs, ct_error *err)
{
    ct_trace_source *src = calloc(g->n, sizeof(*src));
    if (!src)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan sources");
    for (size_t i = 0; i < g->n; i++) {
        snprintf(src[i].spec, sizeof(src[i].spec), "%s", g->addrs[i]);
        src[i].from_time = src[i].to_time = -1;
    }
    ct_trace_options o;
    ct_trace_options_init(&o);
    o.hops = r->max_hops;
    o.flows = true;
    o.poison_flows = true;
    o.backward = direction == CT_SCAN_OUTGOING;
    o.pricing = pricing;
    o.max_flows = opt && opt->max_flows ? opt->max_flows : 0;
    o.keep_stop = keep_customer;
    o.keep_ctx = x;
    o.n_stops = 0;
    for (unsigned c = 0; c < CT_LABEL_CATEGORIES; c++)
        snprintf(o.stops[o.n_stops++], sizeof(o.stops[0]), "%s",
                 ct_label_category_name((ct_label_category)c));
    snprintf(o.stops[o.n_stops++], sizeof(o.stops[0]), "%s", CUSTOMER_CATEGORY);
    ct_trace_result res;
    ct_igroup *gs = NULL;
    int rc = trace_group(&res, &gs, rs, x, wg, src, g, &o, direction, opt, err);
    free(src);
    if (rc == CT_OK && !res.complete)
        rc = ct_fail(err, CT_ENOMEM, "max-flows", "the %s trace from '%s' (%s) stopped: %s",
                     o.backward ? "backward" : "forward", g->label,
                     ct_label_category_name(g->category), res.incomplete_reason);
    if (opt)
        opt->traces++;
    size_t first = out->count;
    if (rc == CT_OK)
        rc = emit(out, first, x, g, r, direction, gs, err);
    if (rc == CT_OK)
        settle(out, first, x, cs, p);
    ct_trace_result_release(&res);
    return rc;
}

typedef struct rowkey {
    size_t row, seq;
    unsigned exposure;
} rowkey;

static int cmp_rowkey(const void *a, const void *b)
{
    const rowkey *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    if (x->exposure != y->exposure)
        return x->exposure < y->exposure ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Customer-file order; for one row direct findings first, each kind in the order found. */
static int order_rows(ct_scan_findings *out)
{
    if (out->count < 2)
        return CT_OK;
    rowkey *k = malloc(out->count * sizeof(*k));
    size_t *perm = malloc(out->count * sizeof(*perm));
    if (!k || !perm) {
        free(k);
        free(perm);
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < out->count; i++)
        k[i] = (rowkey){out->items[i].customer, i,
                        out->items[i].exposure ? out->items[i].exposure : CT_SCAN_DIRECT};
    qsort(k, out->count, sizeof(*k), cmp_rowkey);
    for (size_t i = 0; i < out->count; i++)
        perm[i] = k[i].seq;
    ct_scan_permute(out->items, perm, out->count);
    free(k);
    free(perm);
    return CT_OK;
}

/* This run's state (opt->state, or one of its own in *tmp) with what it must match next
 * time, and the last run's when opt->resume and it still holds: written by run
 * opt->prev_run, from a tip no higher than this one, with clusters on or off as now, no
 * older unlabelled address joined to a labelled cluster since, and the same max_flows. */
static int resume_setup(resume_ctx *rs, ct_scan_istate **tmp, ct_db *db, bool clusters,
                        const ct_scan_indirect_options *opt, ct_error *err)
{
    rs->next = opt && opt->state ? opt->state : (*tmp = ct_scan_istate_new());
    if (!rs->next)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan state");
    ct_scan_istate *n = rs->next;
    n->clusters = clusters;
    n->max_flows = opt ? opt->max_flows : 0;
    int rc = ct_istate_tip_txnum(&n->after_txnum, db, err);
    if (rc == CT_OK && clusters)
        rc = ct_istate_clusters(n, db, err);
    if (rc != CT_OK || !opt || !opt->resume)
        return rc;
    ct_scan_istate *p = ct_scan_istate_new();
    if (!p)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan state");
    if ((rc = ct_istate_load(p, db, err)) != CT_OK) {
        ct_scan_istate_free(p);
        return rc;
    }
    bool hold = p->run != 0 && p->run == opt->prev_run && p->after_txnum <= n->after_txnum &&
                p->clusters == n->clusters && p->max_flows == n->max_flows;
    if (hold && clusters && (rc = ct_istate_clusters_hold(p, n, db, &hold, err)) != CT_OK) {
        ct_scan_istate_free(p);
        return rc;
    }
    if (!hold) {
        ct_scan_istate_free(p);
        return CT_OK;
    }
    rs->prev = p;
    rs->after = p->after_txnum;
    return CT_OK;
}

int ct_scan_indirect(ct_scan_findings *out, ct_db *db, const ct_scan_customers *customers,
                     const ct_scan_policy *policy, ct_scan_indirect_options *opt, ct_error *err)
{
    scan_ix x;
    memset(&x, 0, sizeof(x));
    ct_hmap_init(&x.by_addr);
    ct_hmap_init(&x.by_id);
    ct_trace_graph *base = NULL;
    ct_trace_pricing *pricing = NULL;
    int rc = add_customers(&x, db, customers, err);
    if (rc == CT_OK && x.n_ca)
        rc = ct_trace_graph_db(&base, db, err);
    if (rc == CT_OK && base && opt && opt->no_clusters)
        ct_trace_graph_db_use_clusters(base, false);
    bool clusters = base && ct_trace_graph_db_clusters(base, NULL);
    if (rc == CT_OK && base)
        rc = add_groups(&x, db, policy, clusters, err);
    if (rc == CT_OK && clusters)
        rc = expand_clusters(&x, db, base, err);
    if (rc == CT_OK && x.n_g && opt && opt->asset)
        rc = ct_trace_pricing_db(&pricing, db, opt->asset, err);
    resume_ctx rs = {0};
    ct_scan_istate *tmp = NULL;
    if (rc == CT_OK)
        rc = resume_setup(&rs, &tmp, db, clusters, opt, err);
    if (rc == CT_OK && x.n_g) {
        x.base = base;
        ct_trace_graph wg = {.ctx = &x,
                             .load_tx = w_load_tx,
                             .txnum_of = w_txnum_of,
                             .address_outputs = w_address_outputs,
                             .address_of = w_address_of,
                             .label_of = w_label_of,
                             .cluster_of = base->cluster_of ? w_cluster_of : NULL};
        for (size_t i = 0; rc == CT_OK && i < x.n_g; i++) {
            const group *g = &x.g[i];
            const ct_scan_rule *r = &policy->rules[g->category];
            if (opt)
                opt->sources += g->n;
            if (r->direction & CT_SCAN_INCOMING)
                rc = run_group(out, &x, &wg, pricing, g, r, CT_SCAN_INCOMING, opt, customers,
                               policy, &rs, err);
            if (rc == CT_OK && (r->direction & CT_SCAN_OUTGOING))
                rc = run_group(out, &x, &wg, pricing, g, r, CT_SCAN_OUTGOING, opt, customers,
                               policy, &rs, err);
        }
    }
    if (rc == CT_OK && order_rows(out) != CT_OK)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "scan findings");
    ct_scan_istate_free(rs.prev);
    ct_scan_istate_free(tmp);
    if (pricing)
        ct_trace_pricing_db_free(pricing);
    if (base)
        ct_trace_graph_db_free(base);
    ix_release(&x);
    return rc;
}
