/* Indirect exposure of Ethereum customer rows (docs/scan.md "Ethereum"), with the account
 * tracer (engine/account): per asset, hops 2 to max_hops, every labelled address and every
 * customer address a stop.
 * - Incoming: as for Bitcoin (indirect.c), one forward trace per labelled group from every
 *   transfer its addresses received, the customers as targets: a customer's amount is the
 *   taint of the flows that stopped at its address at hop 2 or more.
 * - Outgoing: the account tracer walks forward only, so one forward trace per customer
 *   address (and per distinct max_hops of the groups screened outgoing) from every transfer
 *   the address received: the amount of a group is the taint of the flows that stopped at
 *   its addresses at hop 2 or more.
 * There are no clusters on Ethereum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hmap.h"
#include "base/util.h"
#include "chaintrail/account.h"
#include "chaintrail/acct_trace.h"
#include "chaintrail/ethdb.h"
#include "chaintrail/scan.h"
#include "scan/scan_internal.h"

typedef struct igroup {
    ct_label_category category;
    char *label, *source;
    char **addrs; /* lowercase, received something */
    size_t n;
} igroup;

typedef struct icust {
    char *address; /* lowercase */
    size_t *rows;
    size_t n_rows;
} icust;

typedef struct ev {
    ct_acct_pos at;
    uint8_t hash[32];
} ev;

typedef struct ifind {
    ct_scan_finding f;
    size_t group;
    uint32_t asset;
    uint8_t decimals;
    bool known_decimals;
    ev *evs;
    size_t n_evs, cap_evs;
} ifind;

typedef struct ind {
    ct_db *db;
    const ct_scan_policy *p;
    ct_acct_graph g;
    ct_acct_pricing *pricing;
    ct_hmap cix; /* customer address key -> index in c */
    icust *c;
    size_t n_c;
    const char **targets; /* the customer addresses, for the tracer */
    ct_hmap lix;          /* labelled address key -> group index + 1 (0: not in a group) */
    igroup *gr;
    size_t n_gr;
    ct_labels_reader *lr;
    ct_label_list list;
    ifind *f;
    size_t n_f, cap_f;
    ct_hmap fix; /* (row, direction, group, asset) -> index in f */
    ct_scan_indirect_options *opt;
    ct_error *err;
} ind;

static int oom(ind *x, const char *what)
{
    return ct_fail(x->err, CT_ENOMEM, "out-of-memory", "scan %s", what);
}

static void lower(char *d, const char *s, size_t size)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++)
        d[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    d[i] = '\0';
}

static bool lookup(const ct_hmap *m, const char *a, uint64_t *v)
{
    uint8_t key[CT_HMAP_KEY_MAX];
    return ct_hmap_get(m, key, ct_scan_addr_key(key, a), v);
}

static int index_customers(ind *x, const ct_scan_customers *cs)
{
    x->c = calloc(cs->count ? cs->count : 1, sizeof(*x->c));
    x->targets = calloc(cs->count ? cs->count : 1, sizeof(*x->targets));
    if (!x->c || !x->targets)
        return oom(x, "customers");
    for (size_t r = 0; r < cs->count; r++) {
        const ct_scan_customer *cu = &cs->items[r];
        if (cu->chain != CT_SCAN_ETHEREUM)
            continue;
        uint64_t v;
        if (!lookup(&x->cix, cu->address, &v)) {
            uint64_t id;
            int rc = x->g.addrid_of(x->g.ctx, cu->address, &id, x->err);
            if (rc == CT_ENOTFOUND) {
                if (x->err)
                    ct_error_clear(x->err);
                continue;
            }
            if (rc != CT_OK)
                return rc;
            v = x->n_c++;
            x->c[v].address = ct_scan_dup_text(cu->address);
            if (!x->c[v].address)
                return oom(x, "customers");
            x->targets[v] = x->c[v].address;
            uint8_t key[CT_HMAP_KEY_MAX];
            if (ct_hmap_put(&x->cix, key, ct_scan_addr_key(key, cu->address), v) != CT_OK)
                return oom(x, "customers");
        }
        icust *c = &x->c[v];
        size_t *rows = realloc(c->rows, (c->n_rows + 1) * sizeof(*rows));
        if (!rows)
            return oom(x, "customers");
        c->rows = rows;
        c->rows[c->n_rows++] = r;
    }
    return CT_OK;
}

typedef struct recv_arg {
    bool any;
} recv_arg;

static int received_any(void *arg, const ct_eth_ledger_totals *t)
{
    recv_arg *a = arg;
    if (!ct_u256_is_zero(&t->received))
        a->any = true;
    return 0;
}

/* A labelled Ethereum address: joins the group of its attribution when the policy screens
 * that category with indirect exposure and at least 2 hops, and it received something. */
static int add_labelled(void *arg, const char *a)
{
    ind *x = arg;
    if (strlen(a) != 42 || a[0] != '0' || a[1] != 'x')
        return CT_OK;
    int rc = ct_labels_reader_get(x->lr, &x->list, a, x->err);
    if (rc != CT_OK || x->list.count == 0)
        return rc;
    size_t li;
    ct_label_category cat = ct_labels_attribution(&x->list, 0, &li);
    const ct_scan_rule *r = &x->p->rules[cat];
    if (r->severity == CT_SCAN_NONE || !(r->exposure & CT_SCAN_INDIRECT) || r->max_hops < 2)
        return CT_OK;
    recv_arg ra = {false};
    rc = ct_eth_address_ledgers(x->db, a, NULL, received_any, &ra, x->err);
    if (rc == CT_ENOTFOUND || rc == CT_EINVAL) {
        if (x->err)
            ct_error_clear(x->err);
        return CT_OK;
    }
    if (rc != CT_OK || !ra.any)
        return rc;
    const char *label = x->list.items[li].label, *source = x->list.items[li].source;
    size_t gi = 0;
    for (; gi < x->n_gr; gi++)
        if (x->gr[gi].category == cat && strcmp(x->gr[gi].label, label) == 0 &&
            strcmp(x->gr[gi].source, source) == 0)
            break;
    if (gi == x->n_gr) {
        igroup *n = realloc(x->gr, (x->n_gr + 1) * sizeof(*n));
        if (!n)
            return oom(x, "groups");
        x->gr = n;
        x->gr[gi] = (igroup){cat, ct_scan_dup_text(label), ct_scan_dup_text(source), NULL, 0};
        x->n_gr++;
        if (!x->gr[gi].label || !x->gr[gi].source)
            return oom(x, "groups");
    }
    igroup *g = &x->gr[gi];
    char **n = realloc(g->addrs, (g->n + 1) * sizeof(*n));
    if (!n)
        return oom(x, "groups");
    g->addrs = n;
    if (!(g->addrs[g->n] = ct_scan_dup_text(a)))
        return oom(x, "groups");
    g->n++;
    uint8_t key[CT_HMAP_KEY_MAX];
    if (ct_hmap_put(&x->lix, key, ct_scan_addr_key(key, a), gi + 1) != CT_OK)
        return oom(x, "groups");
    return CT_OK;
}

static ifind *finding(ind *x, size_t row, unsigned direction, size_t gi,
                      const ct_acct_asset_info *ai)
{
    uint8_t key[32];
    uint64_t v;
    ct_put_be64(key, row);
    ct_put_be64(key + 8, direction);
    ct_put_be64(key + 16, gi);
    ct_put_be64(key + 24, ai->asset);
    if (ct_hmap_get(&x->fix, key, sizeof(key), &v))
        return &x->f[v];
    if (x->n_f == x->cap_f) {
        size_t cap = x->cap_f ? 2 * x->cap_f : 8;
        ifind *n = realloc(x->f, cap * sizeof(*n));
        if (!n)
            return NULL;
        x->f = n;
        x->cap_f = cap;
    }
    if (ct_hmap_put(&x->fix, key, sizeof(key), x->n_f) != CT_OK)
        return NULL;
    ifind *i = &x->f[x->n_f++];
    memset(i, 0, sizeof(*i));
    const igroup *g = &x->gr[gi];
    ct_scan_finding *f = &i->f;
    i->group = gi;
    i->asset = ai->asset;
    i->decimals = ai->decimals;
    i->known_decimals = ai->known_decimals;
    f->customer = row;
    f->chain = CT_SCAN_ETHEREUM;
    f->direction = direction;
    f->exposure = CT_SCAN_INDIRECT;
    f->hops = UINT32_MAX;
    f->category = g->category;
    f->severity = x->p->rules[g->category].severity;
    f->n_sources = g->n;
    snprintf(f->counterparty, sizeof(f->counterparty), "%s", g->label);
    snprintf(f->label, sizeof(f->label), "%s", g->label);
    snprintf(f->source, sizeof(f->source), "%s", g->source);
    if (ai->asset == CT_ACCT_ASSET_ETH) {
        snprintf(f->asset, sizeof(f->asset), "ETH");
        snprintf(f->asset_id, sizeof(f->asset_id), "ETH");
    } else {
        bool printable = ai->symbol[0] && strlen(ai->symbol) <= CT_SCAN_ASSET_MAX;
        for (size_t k = 0; printable && ai->symbol[k]; k++)
            printable = (unsigned char)ai->symbol[k] >= 0x20 && (unsigned char)ai->symbol[k] < 0x7f;
        snprintf(f->asset, sizeof(f->asset), "%s", printable ? ai->symbol : ai->contract);
        lower(f->asset_id, ai->contract, sizeof(f->asset_id));
    }
    f->usd_known = true;
    return i;
}

/* One flow that stopped at `row`'s address (incoming) or at group gi (outgoing). */
static int count_flow(ind *x, size_t row, unsigned direction, size_t gi,
                      const ct_acct_asset_info *ai, int m, const ct_acct_flow *fl, bool priced)
{
    ifind *i = finding(x, row, direction, gi, ai);
    if (!i)
        return oom(x, "findings");
    ct_scan_finding *f = &i->f;
    int rc = ct_scan_wide_add(&f->wide[m], &fl->taint, f->counterparty, x->err);
    if (rc != CT_OK)
        return rc;
    if (fl->hop < f->hops)
        f->hops = fl->hop;
    if (priced && fl->priced)
        f->usd_cents[m] += fl->usd_cents;
    else
        f->usd_known = false;
    if (!f->first_time || fl->time < f->first_time)
        f->first_time = fl->time;
    if (fl->time > f->last_time)
        f->last_time = fl->time;
    if (i->n_evs == i->cap_evs) {
        size_t cap = i->cap_evs ? 2 * i->cap_evs : 4;
        ev *n = realloc(i->evs, cap * sizeof(*n));
        if (!n)
            return oom(x, "evidence");
        i->evs = n;
        i->cap_evs = cap;
    }
    i->evs[i->n_evs].at = fl->at;
    memcpy(i->evs[i->n_evs].hash, fl->txhash, 32);
    i->n_evs++;
    return CT_OK;
}

/* Runs one trace; for each flow at hop >= 2 that stopped at an endpoint, `fn` is asked. */
static int trace(ind *x, char **addrs, size_t n, uint32_t hops, const char *what,
                 int (*fn)(ind *x, void *arg, const ct_acct_asset_info *ai, int m,
                           const ct_acct_flow *fl, const char *ep_address, bool priced),
                 void *arg)
{
    ct_trace_source *src = calloc(n ? n : 1, sizeof(*src));
    if (!src)
        return oom(x, "sources");
    for (size_t i = 0; i < n; i++) {
        snprintf(src[i].spec, sizeof(src[i].spec), "%s", addrs[i]);
        src[i].from_time = src[i].to_time = -1;
    }
    ct_trace_options o;
    ct_trace_options_init(&o);
    o.hops = hops;
    o.flows = true;
    o.poison_flows = true;
    o.max_flows = x->opt && x->opt->max_flows ? x->opt->max_flows : 0;
    o.n_stops = 0;
    for (unsigned c = 0; c < CT_LABEL_CATEGORIES; c++)
        snprintf(o.stops[o.n_stops++], sizeof(o.stops[0]), "%s",
                 ct_label_category_name((ct_label_category)c));
    o.targets = x->targets;
    o.n_targets = x->n_c;
    ct_acct_trace_result res;
    memset(&res, 0, sizeof(res));
    int rc = ct_acct_trace_run(&res, &x->g, src, n, &o, x->pricing, x->err);
    free(src);
    if (rc == CT_ENOTFOUND) { /* nothing received in the window: no taint */
        if (x->err)
            ct_error_clear(x->err);
        ct_acct_trace_result_release(&res);
        return CT_OK;
    }
    if (rc == CT_OK && !res.complete)
        rc = ct_fail(x->err, CT_ENOMEM, "max-flows", "the forward trace from %s stopped: %s", what,
                     res.incomplete_reason);
    if (x->opt)
        x->opt->traces++;
    for (size_t a = 0; rc == CT_OK && a < res.n_assets; a++) {
        const ct_acct_asset_info *ai = &res.assets[a];
        bool priced = x->pricing && ai->price_asset[0] && ai->known_decimals;
        for (int m = 0; rc == CT_OK && m < CT_MODEL_COUNT; m++) {
            if (!res.model[m])
                continue;
            const ct_acct_asset_result *r = &res.model[m][a];
            for (size_t k = 0; rc == CT_OK && k < r->n_flows; k++) {
                const ct_acct_flow *fl = &r->flows[k];
                if (fl->hop < 2 || fl->endpoint == CT_TRACE_NONE ||
                    fl->endpoint >= r->n_endpoints || ct_u256_is_zero(&fl->taint))
                    continue;
                char ep[43];
                lower(ep, r->endpoints[fl->endpoint].address, sizeof(ep));
                rc = fn(x, arg, ai, m, fl, ep, priced);
            }
        }
    }
    ct_acct_trace_result_release(&res);
    return rc;
}

/* Incoming: a flow from group gi that stopped at a customer address. */
static int on_incoming(ind *x, void *arg, const ct_acct_asset_info *ai, int m,
                       const ct_acct_flow *fl, const char *ep, bool priced)
{
    size_t gi = *(size_t *)arg;
    uint64_t ci;
    if (!lookup(&x->cix, ep, &ci))
        return CT_OK;
    for (size_t k = 0; k < x->c[ci].n_rows; k++) {
        int rc = count_flow(x, x->c[ci].rows[k], CT_SCAN_INCOMING, gi, ai, m, fl, priced);
        if (rc != CT_OK)
            return rc;
    }
    return CT_OK;
}

typedef struct out_arg {
    size_t ci;
    uint32_t hops; /* the groups of this max_hops */
} out_arg;

/* Outgoing: a flow from customer ci that stopped at an address of a group screened
 * outgoing with this max_hops. */
static int on_outgoing(ind *x, void *arg, const ct_acct_asset_info *ai, int m,
                       const ct_acct_flow *fl, const char *ep, bool priced)
{
    const out_arg *o = arg;
    uint64_t g1;
    if (!lookup(&x->lix, ep, &g1) || g1 == 0)
        return CT_OK;
    const ct_scan_rule *r = &x->p->rules[x->gr[g1 - 1].category];
    if (!(r->direction & CT_SCAN_OUTGOING) || r->max_hops != o->hops)
        return CT_OK;
    for (size_t k = 0; k < x->c[o->ci].n_rows; k++) {
        int rc = count_flow(x, x->c[o->ci].rows[k], CT_SCAN_OUTGOING, g1 - 1, ai, m, fl, priced);
        if (rc != CT_OK)
            return rc;
    }
    return CT_OK;
}

static int cmp_ev(const void *a, const void *b)
{
    const ev *x = a, *y = b;
    int c = ct_acct_pos_cmp(&x->at, &y->at);
    return c ? c : memcmp(x->hash, y->hash, 32);
}

static int cmp_find(const void *a, const void *b)
{
    const ifind *x = a, *y = b;
    if (x->f.customer != y->f.customer)
        return x->f.customer < y->f.customer ? -1 : 1;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->f.direction != y->f.direction)
        return x->f.direction < y->f.direction ? -1 : 1;
    return x->asset < y->asset ? -1 : x->asset > y->asset;
}

static int settle(ind *x, const ct_scan_customers *cs, ct_scan_findings *out)
{
    if (x->n_f == 0)
        return CT_OK;
    qsort(x->f, x->n_f, sizeof(*x->f), cmp_find);
    size_t need = out->count + x->n_f;
    if (need > out->cap_) {
        ct_scan_finding *n = realloc(out->items, need * sizeof(*n));
        if (!n)
            return oom(x, "findings");
        out->items = n;
        out->cap_ = need;
    }
    int rc = CT_OK;
    for (size_t k = 0; rc == CT_OK && k < x->n_f; k++) {
        ifind *i = &x->f[k];
        ct_scan_finding *f = &i->f;
        /* the evidence: the transactions of the flows, in chain order, once each */
        qsort(i->evs, i->n_evs, sizeof(*i->evs), cmp_ev);
        f->txids = malloc((i->n_evs ? i->n_evs : 1) * 32);
        if (!f->txids) {
            rc = oom(x, "evidence");
            break;
        }
        for (size_t e = 0; e < i->n_evs; e++)
            if (f->n_txids == 0 || memcmp(f->txids[f->n_txids - 1], i->evs[e].hash, 32) != 0)
                memcpy(f->txids[f->n_txids++], i->evs[e].hash, 32);
        f->cap_txids_ = i->n_evs ? i->n_evs : 1;
        if (i->n_evs) {
            f->first_height = i->evs[0].at.height;
            f->last_height = i->evs[i->n_evs - 1].at.height;
        }
        bool keep = false;
        rc = ct_scan_eth_settle(x->db, f, cs->items[f->customer].address, i->asset, i->decimals,
                                i->known_decimals, &x->p->rules[f->category], &keep, x->err);
        if (rc == CT_OK && keep) {
            out->items[out->count++] = *f;
            f->txids = NULL;
        } else if (rc == CT_OK) {
            out->below++;
        }
        free(f->txids);
        f->txids = NULL;
    }
    return rc;
}

int ct_scan_eth_indirect(ct_scan_findings *out, ct_db *db, const ct_scan_customers *customers,
                         const ct_scan_policy *policy, bool usd, ct_scan_indirect_options *opt,
                         ct_error *err)
{
    ind x;
    memset(&x, 0, sizeof(x));
    x.db = db;
    x.p = policy;
    x.opt = opt;
    x.err = err;
    ct_hmap_init(&x.cix);
    ct_hmap_init(&x.lix);
    ct_hmap_init(&x.fix);
    ct_label_list_init(&x.list);
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    if (!snap)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan snapshot");
    int rc = ct_acct_graph_db(&x.g, db, snap, err);
    bool have_g = rc == CT_OK;
    if (rc == CT_OK && usd)
        rc = ct_acct_pricing_db(&x.pricing, db, err);
    if (rc == CT_OK)
        rc = index_customers(&x, customers);
    if (rc == CT_OK && x.n_c)
        rc = ct_labels_reader_new(&x.lr, db, err);
    if (rc == CT_OK && x.n_c)
        rc = ct_scan_each_labelled(db, add_labelled, &x, err);
    /* incoming: one forward trace per group */
    for (size_t gi = 0; rc == CT_OK && gi < x.n_gr; gi++) {
        const ct_scan_rule *r = &policy->rules[x.gr[gi].category];
        if (!(r->direction & CT_SCAN_INCOMING))
            continue;
        char what[200];
        snprintf(what, sizeof(what), "'%.100s' (%s)", x.gr[gi].label,
                 ct_label_category_name(x.gr[gi].category));
        if (opt)
            opt->sources += x.gr[gi].n;
        rc = trace(&x, x.gr[gi].addrs, x.gr[gi].n, r->max_hops, what, on_incoming, &gi);
    }
    /* outgoing: one forward trace per customer address and distinct max_hops */
    uint32_t hops[CT_LABEL_CATEGORIES];
    size_t n_hops = 0;
    for (size_t gi = 0; gi < x.n_gr; gi++) {
        const ct_scan_rule *r = &policy->rules[x.gr[gi].category];
        if (!(r->direction & CT_SCAN_OUTGOING))
            continue;
        size_t k = 0;
        while (k < n_hops && hops[k] != r->max_hops)
            k++;
        if (k == n_hops && n_hops < CT_LABEL_CATEGORIES)
            hops[n_hops++] = r->max_hops;
    }
    for (size_t ci = 0; rc == CT_OK && ci < x.n_c; ci++)
        for (size_t k = 0; rc == CT_OK && k < n_hops; k++) {
            out_arg oa = {ci, hops[k]};
            char what[80];
            snprintf(what, sizeof(what), "customer address %s", x.c[ci].address);
            rc = trace(&x, &x.c[ci].address, 1, hops[k], what, on_outgoing, &oa);
        }
    if (rc == CT_OK)
        rc = settle(&x, customers, out);
    for (size_t i = 0; i < x.n_f; i++) {
        free(x.f[i].evs);
        free(x.f[i].f.txids);
    }
    free(x.f);
    if (x.lr)
        ct_labels_reader_free(x.lr);
    ct_label_list_release(&x.list);
    ct_acct_pricing_db_free(x.pricing);
    if (have_g)
        ct_acct_graph_db_free(&x.g);
    ct_db_snapshot_free(db, snap);
    ct_hmap_release(&x.cix);
    ct_hmap_release(&x.lix);
    ct_hmap_release(&x.fix);
    for (size_t i = 0; i < x.n_c; i++) {
        free(x.c[i].address);
        free(x.c[i].rows);
    }
    free(x.c);
    free(x.targets);
    for (size_t i = 0; i < x.n_gr; i++) {
        for (size_t k = 0; k < x.gr[i].n; k++)
            free(x.gr[i].addrs[k]);
        free(x.gr[i].addrs);
        free(x.gr[i].label);
        free(x.gr[i].source);
    }
    free(x.gr);
    return rc;
}
