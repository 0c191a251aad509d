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
        "can exceed the amount stolen many times over, and its lines do not add up to it.",
    [CT_MODEL_HAIRCUT] =
        "haircut: each transaction spreads the stolen value it receives over its outputs and "
        "its fee in proportion to their value (an output of 30% of the value gets 30% of the "
        "taint), to the satoshi, the remainder going to the largest fractional shares.",
    [CT_MODEL_FIFO] =
        "FIFO (first in, first out): the satoshis of a transaction's inputs are laid end to "
        "end in input order and paid out to the outputs in output order, fee last; an output "
        "is stolen where it overlaps the stolen satoshis of the inputs.",
    [CT_MODEL_LIFO] =
        "LIFO (last in, first out): as FIFO, but the inputs' satoshis are taken in reverse, "
        "the last in being the first paid out.",
    [CT_MODEL_TIHO] =
        "TIHO (taint in, highest out): the stolen value of a transaction fills its largest "
        "output first, then the next largest, each up to its value; what is left goes to the "
        "fee. It follows the thief's main stream of value.",
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

static const ct_trace_options *sort_opts;

static int line_cmp(const void *a, const void *b)
{
    const rpt_line *x = a, *y = b;
    size_t rx = line_rank(sort_opts, x->name), ry = line_rank(sort_opts, y->name);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    return strcmp(x->name, y->name);
}

static rpt_line *line_get(rpt_case *c, const char *name, size_t cap)
{
    for (size_t i = 0; i < c->n_lines; i++)
        if (strcmp(c->lines[i].name, name) == 0)
            return &c->lines[i];
    if (c->n_lines == cap)
        return NULL;
    rpt_line *l = &c->lines[c->n_lines++];
    memset(l, 0, sizeof(*l));
    snprintf(l->name, sizeof(l->name), "%s", name);
    return l;
}

static int build_lines(rpt_case *c, const ct_trace_result *res, const ct_trace_options *o)
{
    size_t cap = o->n_cashout + N_TAIL;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        cap += res->model[m].n_categories;
    if (!(c->lines = calloc(cap, sizeof(*c->lines))))
        return CT_ENOMEM;
    for (size_t k = 0; k < o->n_cashout; k++)
        line_get(c, o->cashout[k], cap)->cashout = true;
    for (size_t k = 0; k < N_TAIL; k++)
        (void)line_get(c, tail_lines[k], cap);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &res->model[m];
        u128 sum = 0;
        for (size_t i = 0; i < x->n_categories; i++) {
            rpt_line *l = line_get(c, x->categories[i].name, cap);
            l->v.sat[m] = x->categories[i].sat;
            l->v.usd[m] = x->categories[i].usd_cents;
            l->v.unpriced[m] = x->categories[i].unpriced_sat;
            sum += x->categories[i].sat;
        }
        c->adds_up[m] = sum == x->source_sat;
        c->stolen.sat[m] = x->source_sat;
        c->laundered.sat[m] = x->laundered_sat;
        c->laundered.usd[m] = x->laundered_usd_cents;
        c->laundered.unpriced[m] = x->laundered_unpriced_sat;
    }
    sort_opts = o;
    qsort(c->lines, c->n_lines, sizeof(*c->lines), line_cmp);
    return CT_OK;
}

/* ---- services ---- */
typedef struct dep_rec {
    size_t service;
    size_t tx;
    uint32_t vout, height, time;
    const char *address;
    int model;
    uint64_t taint;
    u128 usd;
    bool priced;
    const uint8_t *txid;
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
    if (x->height != y->height)
        return x->height < y->height ? -1 : 1;
    int c = memcmp(x->txid, y->txid, 32);
    if (c)
        return c;
    if (x->vout != y->vout)
        return x->vout < y->vout ? -1 : 1;
    return x->model - y->model;
}

static int addr_cmp(const void *a, const void *b)
{
    const addr_rec *x = a, *y = b;
    if (x->service != y->service)
        return x->service < y->service ? -1 : 1;
    return strcmp(x->address, y->address);
}

static size_t service_find(rpt_case *c, const char *cat, const char *label)
{
    for (size_t i = 0; i < c->n_services; i++)
        if (strcmp(c->services[i].category, cat) == 0 && strcmp(c->services[i].label, label) == 0)
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

static int build_services(rpt_case *c, const ct_trace_result *res, const ct_trace_options *o)
{
    size_t n_ep = 0, n_fl = 0;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        n_ep += res->model[m].n_endpoints;
        n_fl += res->model[m].n_flows;
    }
    /* one service per (category, label) of a cash-out endpoint, in any model */
    c->services = calloc(n_ep ? n_ep : 1, sizeof(*c->services));
    addr_rec *ad = malloc((n_ep ? n_ep : 1) * sizeof(*ad));
    dep_rec *dr = malloc((n_fl ? n_fl : 1) * sizeof(*dr));
    size_t *map[CT_MODEL_COUNT] = {NULL};
    size_t n_ad = 0, n_dr = 0;
    int rc = CT_ENOMEM;
    if (!c->services || !ad || !dr)
        goto out;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &res->model[m];
        if (!(map[m] = malloc((x->n_endpoints ? x->n_endpoints : 1) * sizeof(size_t))))
            goto out;
        for (size_t e = 0; e < x->n_endpoints; e++) {
            const ct_trace_endpoint *p = &x->endpoints[e];
            map[m][e] = SIZE_MAX;
            if (!is_cashout(o, p->category))
                continue;
            size_t s = service_find(c, p->category, p->label);
            rpt_service *sv;
            if (s == SIZE_MAX) {
                s = c->n_services++;
                sv = &c->services[s];
                snprintf(sv->category, sizeof(sv->category), "%s", p->category);
                snprintf(sv->label, sizeof(sv->label), "%s", p->label);
                sv->cluster_id = p->cluster_id;
                sv->first_time = p->first_time, sv->first_height = p->first_height;
                sv->last_time = p->last_time, sv->last_height = p->last_height;
            }
            sv = &c->services[s];
            map[m][e] = s;
            if (sv->cluster_id != p->cluster_id)
                sv->cluster_id = 0;
            sv->v.sat[m] += p->taint;
            sv->v.usd[m] += p->usd_cents;
            sv->v.unpriced[m] += p->unpriced_sat;
            if (p->first_height < sv->first_height)
                sv->first_height = p->first_height, sv->first_time = p->first_time;
            if (p->last_height > sv->last_height)
                sv->last_height = p->last_height, sv->last_time = p->last_time;
            ad[n_ad++] = (addr_rec){s, p->address};
        }
        for (size_t i = 0; i < x->n_flows; i++) {
            const ct_trace_flow *w = &x->flows[i];
            if (w->endpoint >= x->n_endpoints || map[m][w->endpoint] == SIZE_MAX ||
                w->tx >= res->n_txs)
                continue;
            dr[n_dr++] = (dep_rec){map[m][w->endpoint],
                                   w->tx,
                                   w->vout,
                                   w->height,
                                   w->time,
                                   w->address < res->n_addresses ? res->addresses[w->address] : "",
                                   m,
                                   w->taint,
                                   w->usd_cents,
                                   w->priced,
                                   res->txs[w->tx].txid};
        }
    }
    /* addresses, sorted and once each */
    qsort(ad, n_ad, sizeof(*ad), addr_cmp);
    for (size_t i = 0; i < n_ad; i++) {
        rpt_service *sv = &c->services[ad[i].service];
        if (i && ad[i - 1].service == ad[i].service &&
            strcmp(ad[i - 1].address, ad[i].address) == 0)
            continue;
        if (!sv->addresses && !(sv->addresses = calloc(n_ad, sizeof(char *))))
            goto out;
        if (!(sv->addresses[sv->n_addresses++] = owned_dup(c, ad[i].address)))
            goto out;
    }
    /* deposits: the flows into the service's endpoints, one per output */
    qsort(dr, n_dr, sizeof(*dr), dep_cmp);
    for (size_t i = 0; i < n_dr;) {
        size_t s = dr[i].service, j = i;
        size_t k = 0;
        while (j < n_dr && dr[j].service == s)
            j++;
        rpt_service *sv = &c->services[s];
        if (!(sv->deposits = calloc(j - i, sizeof(*sv->deposits))))
            goto out;
        for (size_t a = i; a < j; a++) {
            rpt_deposit *d = k ? &sv->deposits[k - 1] : NULL;
            if (!d || memcmp(d->txid, dr[a].txid, 32) != 0 || d->vout != dr[a].vout) {
                d = &sv->deposits[k++];
                memcpy(d->txid, dr[a].txid, 32);
                d->vout = dr[a].vout;
                d->height = dr[a].height;
                d->time = dr[a].time;
                if (!(d->address = owned_dup(c, dr[a].address)))
                    goto out;
            }
            int m = dr[a].model;
            d->v.sat[m] += dr[a].taint;
            if (dr[a].priced)
                d->v.usd[m] += dr[a].usd;
            else
                d->v.unpriced[m] += dr[a].taint;
        }
        sv->n_deposits = k;
        i = j;
    }
    sort_opts = o;
    qsort(c->services, c->n_services, sizeof(*c->services), service_cmp);
    rc = CT_OK;
out:
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        free(map[m]);
    free(ad);
    free(dr);
    return rc;
}

static int trace_case(rpt_report *r, ct_db *db, cli_trace_env *env, rpt_case *row, ct_error *err)
{
    const ct_case *c = row->c;
    for (size_t i = 0; i < c->n_sources; i++)
        if (c->sources[i].kind == CT_CASE_ETH_ADDRESS || c->sources[i].kind == CT_CASE_ETH_TX) {
            err->code = CT_EINVAL;
            snprintf(err->detail, sizeof(err->detail),
                     "an Ethereum case: the report covers Bitcoin cases only for now (trace it "
                     "with 'trace --case %s')",
                     c->name);
            return CT_EINVAL;
        }
    ct_trace_source *src = calloc(c->n_sources, sizeof(*src));
    ct_trace_result res;
    int rc;
    if (!src) {
        err->code = CT_ENOMEM;
        snprintf(err->detail, sizeof(err->detail), "out of memory");
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < c->n_sources; i++) {
        if (!cli_trace_source_set(&src[i], c->sources[i].text)) {
            free(src);
            err->code = CT_EINVAL;
            snprintf(err->detail, sizeof(err->detail), "source '%.100s...' is too long",
                     c->sources[i].text);
            return CT_EINVAL;
        }
        src[i].from_time = (int64_t)c->date * 86400;
        src[i].to_time = -1;
    }
    rc = ct_trace_run(&res, env->graph, src, c->n_sources, &r->opts, err);
    free(src);
    if (rc == CT_OK) {
        row->traced = true;
        row->complete = res.complete;
        snprintf(row->incomplete_reason, sizeof(row->incomplete_reason), "%s",
                 res.incomplete_reason);
        if ((rc = build_lines(row, &res, &r->opts)) == CT_OK)
            rc = build_services(row, &res, &r->opts);
        if (rc == CT_ENOMEM) {
            err->code = CT_ENOMEM;
            snprintf(err->detail, sizeof(err->detail), "out of memory");
        }
    }
    ct_trace_result_release(&res);
    if (rc != CT_OK)
        return rc;

    /* The stolen value at the price of the theft date. */
    uint64_t price, cents;
    u128 stolen = row->stolen.sat[CT_MODEL_HAIRCUT];
    rc = ct_price_get(db, NULL, &price, NULL, env->asset, c->date, err);
    if (rc == CT_OK && stolen <= UINT64_MAX) {
        ct_u128 amount = {0, (uint64_t)stolen};
        if ((rc = ct_usd_cents(&cents, amount, 8, price, err)) != CT_OK)
            return rc;
        row->stolen_usd = cents;
        row->stolen_priced = true;
    } else if (rc != CT_ENOTFOUND && rc != CT_OK) {
        return rc;
    }
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        row->stolen.usd[m] = row->stolen_priced ? row->stolen_usd : 0;
        row->stolen.unpriced[m] = row->stolen_priced ? 0 : row->stolen.sat[m];
    }
    ct_error_clear(err);
    return CT_OK;
}

int rpt_build(rpt_report *r, ct_db *db, cli_trace_env *env, const ct_case *cases, size_t n,
              ct_error *err)
{
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
    r->pricing = env->pricing != NULL;
    if (!(r->cases = calloc(n ? n : 1, sizeof(*r->cases))))
        return CT_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        rpt_case *row = &r->cases[r->n_cases++];
        row->c = &cases[i];
        ct_error cerr;
        ct_error_clear(&cerr);
        int rc = trace_case(r, db, env, row, &cerr);
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
        for (size_t s = 0; s < c->n_services; s++) {
            free(c->services[s].addresses);
            free(c->services[s].deposits);
        }
        free(c->services);
        free(c->lines);
        for (size_t k = 0; k < c->n_owned; k++)
            free(c->owned[k]);
        free(c->owned);
    }
    free(r->cases);
    memset(r, 0, sizeof(*r));
}
