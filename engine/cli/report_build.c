/* The case report's data (report.h): traces each case with all five models, its flows
 * whole, and keeps what a case file states: the totals per category under each model
 * (which add up to the value stolen for every model but poison), each service reached with
 * its addresses, dates and deposit transactions, and the USD of each at its date. Built
 * here once; cmd_report.c prints it. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

void rpt_range_of(const rpt_vals *v, rpt_range *out)
{
    memset(out, 0, sizeof(*out));
    bool zero_model = false;
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++) {
        bool first = m == CT_MODEL_HAIRCUT;
        if (first || v->sat[m] < out->lo)
            out->lo = v->sat[m];
        if (first || v->sat[m] > out->hi)
            out->hi = v->sat[m];
        if (v->unpriced[m] > out->unpriced)
            out->unpriced = v->unpriced[m];
        if (v->sat[m] == 0) {
            zero_model = true;
            continue;
        }
        /* a value with no price at all has no USD figure: not $0.00 in the range */
        if (v->unpriced[m] >= v->sat[m])
            continue;
        if (!out->usd_known || v->usd[m] < out->lo_usd)
            out->lo_usd = v->usd[m];
        if (!out->usd_known || v->usd[m] > out->hi_usd)
            out->hi_usd = v->usd[m];
        out->usd_known = true;
    }
    /* A model that carried nothing there is worth $0.00, a true figure: it opens the USD
     * range when another model's value was priced, or when no model carried anything. */
    if (zero_model && (out->usd_known || out->hi == 0)) {
        out->lo_usd = 0;
        out->usd_known = true;
    }
}

static const char *const model_text[CT_MODEL_COUNT] = {
    [CT_MODEL_POISON] =
        "poison: once a transaction spends any stolen coin, all of its outputs (and its fee) "
        "count as stolen in full. It is the upper bound of exposure, not an amount moved: "
        "every clean coin mixed in with a stolen one becomes tainted too, so poison's total "
        "can exceed the amount stolen many times over, and its lines do not add up to it. On "
        "Ethereum: every transfer out of an address that holds any stolen funds.",
    [CT_MODEL_HAIRCUT] =
        "haircut: each transaction spreads the stolen value it receives over its outputs and "
        "its fee in proportion to their value (an output of 30% of the value gets 30% of the "
        "taint), to the satoshi, the remainder going to the largest fractional shares. On "
        "Ethereum a transfer carries the stolen share of the sender's balance.",
    [CT_MODEL_FIFO] =
        "FIFO (first in, first out): the satoshis of a transaction's inputs are laid end to "
        "end in input order and paid out to the outputs in output order, fee last; an output "
        "is stolen where it overlaps the stolen satoshis of the inputs. On Ethereum a transfer "
        "spends the sender's oldest funds first.",
    [CT_MODEL_LIFO] =
        "LIFO (last in, first out): as FIFO, but the inputs' satoshis are taken in reverse, "
        "the last in being the first paid out. On Ethereum a transfer spends the sender's newest "
        "funds first.",
    [CT_MODEL_TIHO] =
        "TIHO (taint in, highest out): the stolen value of a transaction fills its largest "
        "output first, then the next largest, each up to its value; what is left goes to the "
        "fee. It follows the thief's main stream of value. On Ethereum a transfer spends the "
        "sender's stolen funds first.",
};

const char *rpt_model_text(ct_model m)
{
    return m < CT_MODEL_COUNT ? model_text[m] : "";
}

static const char *owned_dup(rpt_case *c, const char *s)
{
    if (c->n_owned == c->cap_owned) {
        size_t cap = c->cap_owned ? c->cap_owned * 2 : 16;
        char **p = realloc(c->owned, cap * sizeof(*p));
        if (!p)
            return NULL;
        c->owned = p;
        c->cap_owned = cap;
    }
    char *d = strdup(s);
    if (d)
        c->owned[c->n_owned++] = d;
    return d;
}

static bool is_cashout(const ct_trace_options *o, const char *cat)
{
    for (size_t k = 0; k < o->n_cashout; k++)
        if (strcmp(o->cashout[k], cat) == 0)
            return true;
    return false;
}

/* Rank of a category among the lines: cash-out ones in their order, then these, then any
 * other by name. */
static const char *const tail_lines[] = {"unspent", "hop_limit", "dust", "fee", "budget"};
#define N_TAIL (sizeof(tail_lines) / sizeof(tail_lines[0]))

static size_t line_rank(const ct_trace_options *o, const char *cat)
{
    for (size_t k = 0; k < o->n_cashout; k++)
        if (strcmp(o->cashout[k], cat) == 0)
            return k;
    for (size_t k = 0; k < N_TAIL; k++)
        if (strcmp(tail_lines[k], cat) == 0)
            return o->n_cashout + k;
    return SIZE_MAX;
}

/* ---- one model's result of one asset, whichever chain it came from ---- */
typedef struct gen_cat {
    const char *name;
    u128 amount, usd, unpriced;
} gen_cat;

typedef struct gen_ep {
    const char *category, *label, *address;
    u128 taint, usd, unpriced;
    uint32_t first_time, last_time, first_height, last_height;
    uint64_t cluster_id;
} gen_ep;

typedef struct gen_flow {
    size_t endpoint; /* index in the model's eps; CT_TRACE_NONE: not an endpoint's */
    char txid[67];
    uint32_t vout, height, time;
    const char *address;
    u128 taint, usd;
    bool priced;
} gen_flow;

typedef struct gen_model {
    u128 source, laundered, laundered_usd, laundered_unpriced;
    size_t n_cats, n_eps, n_flows;
    gen_cat *cats;
    gen_ep *eps;
    gen_flow *flows;
} gen_model;

static void gen_free(gen_model *g)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        free(g[m].cats);
        free(g[m].eps);
        free(g[m].flows);
    }
    memset(g, 0, sizeof(gen_model) * CT_MODEL_COUNT);
}

static bool gen_alloc(gen_model *x, size_t nc, size_t ne, size_t nf)
{
    x->cats = calloc(nc ? nc : 1, sizeof(*x->cats));
    x->eps = calloc(ne ? ne : 1, sizeof(*x->eps));
    x->flows = calloc(nf ? nf : 1, sizeof(*x->flows));
    x->n_cats = nc, x->n_eps = ne, x->n_flows = nf;
    return x->cats && x->eps && x->flows;
}

/* ---- the lines ---- */
static const ct_trace_options *sort_opts;

static int line_cmp(const void *a, const void *b)
{
    const rpt_line *x = a, *y = b;
    size_t rx = line_rank(sort_opts, x->name), ry = line_rank(sort_opts, y->name);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    return strcmp(x->name, y->name);
}

static rpt_line *line_get(rpt_part *p, const char *name, size_t cap)
{
    for (size_t i = 0; i < p->n_lines; i++)
        if (strcmp(p->lines[i].name, name) == 0)
            return &p->lines[i];
    if (p->n_lines == cap)
        return NULL;
    rpt_line *l = &p->lines[p->n_lines++];
    memset(l, 0, sizeof(*l));
    snprintf(l->name, sizeof(l->name), "%s", name);
    return l;
}

static int build_lines(rpt_part *p, const gen_model *g, const ct_trace_options *o)
{
    size_t cap = o->n_cashout + N_TAIL;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        cap += g[m].n_cats;
    if (!(p->lines = calloc(cap, sizeof(*p->lines))))
        return CT_ENOMEM;
    for (size_t k = 0; k < o->n_cashout; k++)
        line_get(p, o->cashout[k], cap)->cashout = true;
    for (size_t k = 0; k < N_TAIL; k++)
        (void)line_get(p, tail_lines[k], cap);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const gen_model *x = &g[m];
        u128 sum = 0;
        for (size_t i = 0; i < x->n_cats; i++) {
            rpt_line *l = line_get(p, x->cats[i].name, cap);
            l->v.sat[m] = x->cats[i].amount;
            l->v.usd[m] = x->cats[i].usd;
            l->v.unpriced[m] = x->cats[i].unpriced;
            sum += x->cats[i].amount;
        }
        p->adds_up[m] = sum == x->source;
        p->stolen.sat[m] = x->source;
        p->laundered.sat[m] = x->laundered;
        p->laundered.usd[m] = x->laundered_usd;
        p->laundered.unpriced[m] = x->laundered_unpriced;
    }
    sort_opts = o;
    qsort(p->lines, p->n_lines, sizeof(*p->lines), line_cmp);
    return CT_OK;
}

/* ---- services ---- */
typedef struct dep_rec {
    size_t service;
    const gen_flow *w;
    int model;
} dep_rec;

typedef struct addr_rec {
    size_t service;
    const char *address;
} addr_rec;

static int dep_cmp(const void *a, const void *b)
{
    const dep_rec *x = a, *y = b;
    if (x->service != y->service)
        return x->service < y->service ? -1 : 1;
    if (x->w->height != y->w->height)
        return x->w->height < y->w->height ? -1 : 1;
    int c = strcmp(x->w->txid, y->w->txid);
    if (c)
        return c;
    if (x->w->vout != y->w->vout)
        return x->w->vout < y->w->vout ? -1 : 1;
    if ((c = strcmp(x->w->address, y->w->address)) != 0)
        return c;
    return x->model - y->model;
}

static int addr_cmp(const void *a, const void *b)
{
    const addr_rec *x = a, *y = b;
    if (x->service != y->service)
        return x->service < y->service ? -1 : 1;
    return strcmp(x->address, y->address);
}

static size_t service_find(rpt_part *p, const char *cat, const char *label)
{
    for (size_t i = 0; i < p->n_services; i++)
        if (strcmp(p->services[i].category, cat) == 0 && strcmp(p->services[i].label, label) == 0)
            return i;
    return SIZE_MAX;
}

static u128 service_high(const rpt_service *s)
{
    rpt_range r;
    rpt_range_of(&s->v, &r);
    return r.hi;
}

static int service_cmp(const void *a, const void *b)
{
    const rpt_service *x = a, *y = b;
    size_t rx = line_rank(sort_opts, x->category), ry = line_rank(sort_opts, y->category);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    u128 hx = service_high(x), hy = service_high(y);
    if (hx != hy)
        return hx > hy ? -1 : 1;
    if (x->v.sat[CT_MODEL_POISON] != y->v.sat[CT_MODEL_POISON])
        return x->v.sat[CT_MODEL_POISON] > y->v.sat[CT_MODEL_POISON] ? -1 : 1;
    return strcmp(x->label, y->label);
}

static int build_services(rpt_case *c, rpt_part *p, const gen_model *g, const ct_trace_options *o)
{
    size_t n_ep = 0, n_fl = 0;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        n_ep += g[m].n_eps;
        n_fl += g[m].n_flows;
    }
    /* one service per (category, label) of a cash-out endpoint, in any model */
    p->services = calloc(n_ep ? n_ep : 1, sizeof(*p->services));
    addr_rec *ad = malloc((n_ep ? n_ep : 1) * sizeof(*ad));
    dep_rec *dr = malloc((n_fl ? n_fl : 1) * sizeof(*dr));
    size_t *map[CT_MODEL_COUNT] = {NULL};
    size_t n_ad = 0, n_dr = 0;
    int rc = CT_ENOMEM;
    if (!p->services || !ad || !dr)
        goto out;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const gen_model *x = &g[m];
        if (!(map[m] = malloc((x->n_eps ? x->n_eps : 1) * sizeof(size_t))))
            goto out;
        for (size_t e = 0; e < x->n_eps; e++) {
            const gen_ep *q = &x->eps[e];
            map[m][e] = SIZE_MAX;
            if (!is_cashout(o, q->category))
                continue;
            size_t s = service_find(p, q->category, q->label);
            rpt_service *sv;
            if (s == SIZE_MAX) {
                s = p->n_services++;
                sv = &p->services[s];
                snprintf(sv->category, sizeof(sv->category), "%s", q->category);
                snprintf(sv->label, sizeof(sv->label), "%s", q->label);
                sv->cluster_id = q->cluster_id;
                sv->first_time = q->first_time, sv->first_height = q->first_height;
                sv->last_time = q->last_time, sv->last_height = q->last_height;
            }
            sv = &p->services[s];
            map[m][e] = s;
            if (sv->cluster_id != q->cluster_id)
                sv->cluster_id = 0;
            sv->v.sat[m] += q->taint;
            sv->v.usd[m] += q->usd;
            sv->v.unpriced[m] += q->unpriced;
            if (q->first_height < sv->first_height)
                sv->first_height = q->first_height, sv->first_time = q->first_time;
            if (q->last_height > sv->last_height)
                sv->last_height = q->last_height, sv->last_time = q->last_time;
            ad[n_ad++] = (addr_rec){s, q->address};
        }
        for (size_t i = 0; i < x->n_flows; i++) {
            const gen_flow *w = &x->flows[i];
            if (w->endpoint < x->n_eps && map[m][w->endpoint] != SIZE_MAX)
                dr[n_dr++] = (dep_rec){map[m][w->endpoint], w, m};
        }
    }
    /* addresses, sorted and once each */
    qsort(ad, n_ad, sizeof(*ad), addr_cmp);
    for (size_t i = 0; i < n_ad; i++) {
        rpt_service *sv = &p->services[ad[i].service];
        if (i && ad[i - 1].service == ad[i].service &&
            strcmp(ad[i - 1].address, ad[i].address) == 0)
            continue;
        if (!sv->addresses && !(sv->addresses = calloc(n_ad, sizeof(char *))))
            goto out;
        if (!(sv->addresses[sv->n_addresses++] = owned_dup(c, ad[i].address)))
            goto out;
    }
    /* deposits: the flows into the service's endpoints, one per output (transfer) */
    qsort(dr, n_dr, sizeof(*dr), dep_cmp);
    for (size_t i = 0; i < n_dr;) {
        size_t s = dr[i].service, j = i, k = 0;
        while (j < n_dr && dr[j].service == s)
            j++;
        rpt_service *sv = &p->services[s];
        if (!(sv->deposits = calloc(j - i, sizeof(*sv->deposits))))
            goto out;
        for (size_t a = i; a < j; a++) {
            const gen_flow *w = dr[a].w;
            rpt_deposit *d = k ? &sv->deposits[k - 1] : NULL;
            if (!d || strcmp(d->txid, w->txid) != 0 || d->vout != w->vout ||
                strcmp(d->address, w->address) != 0) {
                d = &sv->deposits[k++];
                memcpy(d->txid, w->txid, sizeof(d->txid));
                d->vout = w->vout;
                d->height = w->height;
                d->time = w->time;
                if (!(d->address = owned_dup(c, w->address)))
                    goto out;
            }
            int m = dr[a].model;
            d->v.sat[m] += w->taint;
            if (w->priced)
                d->v.usd[m] += w->usd;
            else
                d->v.unpriced[m] += w->taint;
        }
        sv->n_deposits = k;
        i = j;
    }
    sort_opts = o;
    qsort(p->services, p->n_services, sizeof(*p->services), service_cmp);
    rc = CT_OK;
out:
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        free(map[m]);
    free(ad);
    free(dr);
    return rc;
}

static int build_part(rpt_case *c, rpt_part *p, const gen_model *g, const ct_trace_options *o)
{
    int rc = build_lines(p, g, o);
    return rc == CT_OK ? build_services(c, p, g, o) : rc;
}

/* The value stolen at the price of the theft date (none on a day without a price). */
static int stolen_usd(ct_db *db, rpt_part *p, const char *price_asset, uint32_t day, ct_error *err)
{
    uint64_t price, cents;
    u128 stolen = p->stolen.sat[CT_MODEL_HAIRCUT];
    int rc = ct_price_get(db, NULL, &price, NULL, price_asset, day, err);
    if (rc == CT_ENOTFOUND) {
        ct_error_clear(err);
        return CT_OK;
    }
    if (rc != CT_OK)
        return rc;
    ct_u128 amount = {(uint64_t)(stolen >> 64), (uint64_t)stolen};
    if ((rc = ct_usd_cents(&cents, amount, p->decimals, price, err)) != CT_OK) {
        ct_error_clear(err); /* beyond 2^64 - 1 cents: no USD figure, not a failure */
        return CT_OK;
    }
    p->stolen_usd = cents;
    p->stolen_priced = true;
    return CT_OK;
}

/* ---- Bitcoin ---- */
static int gen_of_btc(gen_model *g, const ct_trace_result *res)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &res->model[m];
        gen_model *y = &g[m];
        if (!gen_alloc(y, x->n_categories, x->n_endpoints, x->n_flows))
            return CT_ENOMEM;
        y->source = x->source_sat;
        y->laundered = x->laundered_sat;
        y->laundered_usd = x->laundered_usd_cents;
        y->laundered_unpriced = x->laundered_unpriced_sat;
        for (size_t i = 0; i < x->n_categories; i++)
            y->cats[i] = (gen_cat){x->categories[i].name, x->categories[i].sat,
                                   x->categories[i].usd_cents, x->categories[i].unpriced_sat};
        for (size_t i = 0; i < x->n_endpoints; i++) {
            const ct_trace_endpoint *e = &x->endpoints[i];
            y->eps[i] = (gen_ep){e->category,     e->label,        e->address,    e->taint,
                                 e->usd_cents,    e->unpriced_sat, e->first_time, e->last_time,
                                 e->first_height, e->last_height,  e->cluster_id};
        }
        size_t n = 0;
        for (size_t i = 0; i < x->n_flows; i++) {
            const ct_trace_flow *w = &x->flows[i];
            if (w->endpoint >= x->n_endpoints || w->tx >= res->n_txs)
                continue;
            gen_flow *z = &y->flows[n++];
            z->endpoint = w->endpoint;
            ct_hash_to_hex(z->txid, res->txs[w->tx].txid);
            z->vout = w->vout;
            z->height = w->height;
            z->time = w->time;
            z->address = w->address < res->n_addresses ? res->addresses[w->address] : "";
            z->taint = w->taint;
            z->usd = w->usd_cents;
            z->priced = w->priced;
        }
        y->n_flows = n;
    }
    return CT_OK;
}

static void set_err(ct_error *err, int code, const char *detail)
{
    err->code = code;
    snprintf(err->detail, sizeof(err->detail), "%s", detail);
}

/* The case's picture model (r->pictures), from the trace just run: res (Bitcoin family) or
 * ares (an account chain). */
static int picture_of(rpt_report *r, rpt_case *row, const ct_trace_result *res, const char *coin,
                      const ct_acct_trace_result *ares, ct_error *err)
{
    if (!r->pictures)
        return CT_OK;
    char title[CT_CASE_NAME_MAX + 64];
    snprintf(title, sizeof(title), "Case %s: flows and evidence", row->c->name);
    if (!(row->picture = ct_report_new(title))) {
        set_err(err, CT_ENOMEM, "out of memory");
        return CT_ENOMEM;
    }
    int rc = res ? ct_report_from_trace(row->picture, res, coin, 0, err)
                 : ct_report_from_acct_trace(row->picture, ares, 0, err);
    return rc;
}

static int trace_btc(rpt_report *r, ct_db *db, cli_trace_env *env, rpt_case *row,
                     ct_trace_source *src, ct_error *err)
{
    const ct_case *c = row->c;
    ct_trace_result res;
    gen_model g[CT_MODEL_COUNT];
    memset(g, 0, sizeof(g));
    int rc = ct_trace_run(&res, env->graph, src, c->n_sources, &r->opts, err);
    if (rc == CT_OK) {
        row->traced = true;
        row->complete = res.complete;
        snprintf(row->incomplete_reason, sizeof(row->incomplete_reason), "%s",
                 res.incomplete_reason);
        if (!(row->parts = calloc(1, sizeof(*row->parts)))) {
            rc = CT_ENOMEM;
        } else {
            rpt_part *p = &row->parts[row->n_parts++];
            snprintf(p->asset, sizeof(p->asset), "%s", env->asset);
            p->decimals = 8;
            p->known_decimals = true;
            p->priced = env->pricing != NULL;
            rc = gen_of_btc(g, &res);
            if (rc == CT_OK)
                rc = build_part(row, p, g, &r->opts);
            if (rc == CT_OK)
                rc = picture_of(r, row, &res, env->asset, NULL, err);
        }
        if (rc == CT_ENOMEM)
            set_err(err, CT_ENOMEM, "out of memory");
    }
    gen_free(g);
    ct_trace_result_release(&res);
    if (rc != CT_OK)
        return rc;

    rpt_part *p = &row->parts[0];
    if (p->priced && (rc = stolen_usd(db, p, env->asset, c->date, err)) != CT_OK)
        return rc;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        p->stolen.usd[m] = p->stolen_priced ? p->stolen_usd : 0;
        p->stolen.unpriced[m] = p->stolen_priced ? 0 : p->stolen.sat[m];
    }
    ct_error_clear(err);
    return CT_OK;
}

/* ---- Ethereum ---- */
/* A 256-bit amount as 128 bits; beyond, 2^128 - 1 and *big set. */
static u128 u128_of(const ct_u256 *a, bool *big)
{
    if (a->w[2] || a->w[3]) {
        *big = true;
        return ~(u128)0;
    }
    return ((u128)a->w[1] << 64) | a->w[0];
}

static int gen_of_eth(gen_model *g, const ct_acct_trace_result *res, size_t a, bool *big)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_acct_asset_result *x = res->model[m] ? &res->model[m][a] : NULL;
        gen_model *y = &g[m];
        if (!x)
            continue;
        if (!gen_alloc(y, x->n_categories, x->n_endpoints, x->n_flows))
            return CT_ENOMEM;
        y->source = u128_of(&x->source, big);
        y->laundered = u128_of(&x->laundered, big);
        y->laundered_usd = x->laundered_usd_cents;
        y->laundered_unpriced = u128_of(&x->laundered_unpriced, big);
        for (size_t i = 0; i < x->n_categories; i++)
            y->cats[i] =
                (gen_cat){x->categories[i].name, u128_of(&x->categories[i].amount, big),
                          x->categories[i].usd_cents, u128_of(&x->categories[i].unpriced, big)};
        for (size_t i = 0; i < x->n_endpoints; i++) {
            const ct_acct_endpoint *e = &x->endpoints[i];
            y->eps[i] = (gen_ep){e->category,
                                 e->label,
                                 e->address,
                                 u128_of(&e->taint, big),
                                 e->usd_cents,
                                 u128_of(&e->unpriced, big),
                                 e->first_time,
                                 e->last_time,
                                 e->first_height,
                                 e->last_height,
                                 0};
        }
        size_t n = 0;
        for (size_t i = 0; i < x->n_flows; i++) {
            const ct_acct_flow *w = &x->flows[i];
            if (w->endpoint >= x->n_endpoints)
                continue;
            gen_flow *z = &y->flows[n++];
            z->endpoint = w->endpoint;
            z->txid[0] = '0', z->txid[1] = 'x';
            for (int b = 0; b < 32; b++)
                snprintf(z->txid + 2 + 2 * b, 3, "%02x", w->txhash[b]);
            z->vout = RPT_NO_VOUT;
            z->height = w->at.height;
            z->time = w->time;
            z->address = w->to;
            z->taint = u128_of(&w->taint, big);
            z->usd = w->usd_cents;
            z->priced = w->priced;
        }
        y->n_flows = n;
    }
    return CT_OK;
}

static int trace_eth(rpt_report *r, ct_db *db, rpt_case *row, ct_trace_source *src, ct_error *err)
{
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    if (!snap) {
        set_err(err, CT_ENOMEM, "out of memory");
        return CT_ENOMEM;
    }
    ct_acct_graph graph;
    ct_acct_pricing *pricing = NULL;
    ct_acct_trace_result res;
    memset(&res, 0, sizeof(res));
    ct_trace_options o = r->opts;
    o.pricing = NULL;
    int rc = ct_acct_graph_db(&graph, db, snap, err);
    if (rc == CT_OK) {
        rc = ct_acct_pricing_db(&pricing, db, err);
        if (rc == CT_OK)
            rc = ct_acct_trace_run(&res, &graph, src, row->c->n_sources, &o, pricing, err);
        ct_acct_graph_db_free(&graph);
    }
    if (rc == CT_OK) {
        row->traced = true;
        row->complete = res.complete;
        snprintf(row->incomplete_reason, sizeof(row->incomplete_reason), "%s",
                 res.incomplete_reason);
        row->parts = calloc(res.n_assets ? res.n_assets : 1, sizeof(*row->parts));
        if (!row->parts)
            rc = CT_ENOMEM;
        for (size_t a = 0; rc == CT_OK && a < res.n_assets; a++) {
            const ct_acct_asset_info *ai = &res.assets[a];
            gen_model g[CT_MODEL_COUNT];
            memset(g, 0, sizeof(g));
            rpt_part *p = &row->parts[row->n_parts++];
            snprintf(p->asset, sizeof(p->asset), "%s", ai->symbol);
            snprintf(p->contract, sizeof(p->contract), "%s", ai->contract);
            p->decimals = ai->decimals;
            p->known_decimals = ai->known_decimals;
            p->priced = ai->price_asset[0] && ai->known_decimals;
            p->account = true;
            rc = gen_of_eth(g, &res, a, &p->too_large);
            if (rc == CT_OK)
                rc = build_part(row, p, g, &r->opts);
            gen_free(g);
            if (rc == CT_OK && p->priced)
                rc = stolen_usd(db, p, ai->price_asset, row->c->date, err);
            for (int m = 0; m < CT_MODEL_COUNT; m++) {
                p->stolen.usd[m] = p->stolen_priced ? p->stolen_usd : 0;
                p->stolen.unpriced[m] = p->stolen_priced ? 0 : p->stolen.sat[m];
            }
        }
        if (rc == CT_OK)
            rc = picture_of(r, row, NULL, NULL, &res, err);
        if (rc == CT_ENOMEM)
            set_err(err, CT_ENOMEM, "out of memory");
    }
    ct_acct_trace_result_release(&res);
    ct_acct_pricing_db_free(pricing);
    ct_db_snapshot_free(db, snap);
    if (rc == CT_OK)
        ct_error_clear(err);
    return rc;
}

static int trace_case(rpt_report *r, ct_db *db, cli_trace_env *env, rpt_case *row, ct_error *err)
{
    const ct_case *c = row->c;
    size_t n_eth = 0;
    for (size_t i = 0; i < c->n_sources; i++)
        n_eth += c->sources[i].kind == CT_CASE_ETH_ADDRESS || c->sources[i].kind == CT_CASE_ETH_TX;
    if (n_eth && n_eth != c->n_sources) {
        snprintf(err->detail, sizeof(err->detail),
                 "the case mixes Ethereum and Bitcoin sources; a trace follows one chain");
        return err->code = CT_EINVAL;
    }
    row->ethereum = n_eth > 0;
    ct_trace_source *src = calloc(c->n_sources, sizeof(*src));
    if (!src) {
        set_err(err, CT_ENOMEM, "out of memory");
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < c->n_sources; i++) {
        if (!cli_trace_source_set(&src[i], c->sources[i].text)) {
            free(src);
            snprintf(err->detail, sizeof(err->detail), "source '%.100s...' is too long",
                     c->sources[i].text);
            return err->code = CT_EINVAL;
        }
        src[i].from_time = (int64_t)c->date * 86400;
        src[i].to_time = -1;
    }
    int rc = row->ethereum ? trace_eth(r, db, row, src, err) : trace_btc(r, db, env, row, src, err);
    free(src);
    return rc;
}

int rpt_build(rpt_report *r, ct_db *db, cli_trace_env *env, const ct_case *cases, size_t n,
              ct_error *err)
{
    int rc;
    r->version = ct_version();
    r->tip = env->stats;
    r->asset = env->asset;
    memcpy(r->labels_digest, env->labels_digest, 32);
    memcpy(r->prices_digest, env->prices_digest, 32);
    r->clusters_used = ct_trace_graph_db_clusters(env->graph, r->clusters_digest);
    ct_trace_options_init(&r->opts);
    r->opts.pricing = env->pricing;
    r->opts.flows = true;
    r->opts.poison_flows = true; /* the services only poison reaches, with their deposits */
    ct_eth_stats es;
    if ((rc = ct_eth_stats_get(db, &es, err)) != CT_OK)
        return rc;
    if (es.present && es.height >= 0) {
        ct_eth_block_info tip;
        if ((rc = ct_eth_block_get(db, &tip, (uint32_t)es.height, err)) != CT_OK)
            return rc;
        r->eth_present = true;
        r->eth_chain_id = es.chain_id;
        r->eth_height = tip.height;
        r->eth_time = tip.time;
        memcpy(r->eth_hash, tip.hash, 32);
    }
    if (!(r->cases = calloc(n ? n : 1, sizeof(*r->cases))))
        return CT_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        rpt_case *row = &r->cases[r->n_cases++];
        row->c = &cases[i];
        ct_error cerr;
        ct_error_clear(&cerr);
        rc = trace_case(r, db, env, row, &cerr);
        if (rc == CT_ENOTFOUND || rc == CT_EINVAL) {
            row->traced = false;
            snprintf(row->error, sizeof(row->error), "%s", cerr.detail); /* reported, go on */
        } else if (rc != CT_OK) {
            *err = cerr;
            return rc;
        }
    }
    return CT_OK;
}

void rpt_free(rpt_report *r)
{
    for (size_t i = 0; i < r->n_cases; i++) {
        rpt_case *c = &r->cases[i];
        for (size_t k = 0; k < c->n_parts; k++) {
            rpt_part *p = &c->parts[k];
            for (size_t s = 0; s < p->n_services; s++) {
                free(p->services[s].addresses);
                free(p->services[s].deposits);
            }
            free(p->services);
            free(p->lines);
        }
        free(c->parts);
        for (size_t k = 0; k < c->n_owned; k++)
            free(c->owned[k]);
        free(c->owned);
        ct_report_free(c->picture);
    }
    free(r->cases);
    memset(r, 0, sizeof(*r));
}
