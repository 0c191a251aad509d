/* The report model of a trace (include/chaintrail/report.h, docs/html.md): the flows become
 * the picture's nodes and edges, the result its tables. */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/hmap.h"
#include "base/util.h"
#include "report/report_internal.h"

#define DEFAULT_ROWS 5000

static ct_u256 u128_to_u256(unsigned __int128 v)
{
    ct_u256 r;
    memset(&r, 0, sizeof(r));
    r.w[0] = (uint64_t)v;
    r.w[1] = (uint64_t)(v >> 64);
    return r;
}

static void hex_txid(char out[65], const uint8_t txid[32])
{
    /* displayed (reversed) byte order, as every txid chaintrail prints */
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[txid[31 - i] >> 4];
        out[2 * i + 1] = digits[txid[31 - i] & 15];
    }
    out[64] = '\0';
}

static void short_id(char *out, size_t cap, const char *id)
{
    size_t n = strlen(id);
    if (n > 20)
        snprintf(out, cap, "%.8s…%s", id, id + n - 4);
    else
        snprintf(out, cap, "%s", id);
}

/* The node of `key`, made with the rest when missing; a smaller column wins. */
static int node_get(ct_report *r, size_t *idx, ct_report_node_kind kind, const char *key,
                    const char *label, const char *detail, const char *category, uint32_t column)
{
    size_t i = ct_report_find_node(r, key);
    if (i != CT_REPORT_NONE) {
        rp_node *n = &r->nodes[i];
        if (kind == CT_REPORT_SOURCE && n->kind != CT_REPORT_SOURCE) {
            n->kind = CT_REPORT_SOURCE;
            n->column = 0;
        } else if (n->kind != CT_REPORT_SOURCE && column < n->column) {
            n->column = column;
        }
        *idx = i;
        return CT_OK;
    }
    ct_report_node n = {kind, key, label, detail, category, column};
    return ct_report_add_node(r, &n, idx);
}

/* The node of a transaction, in `column` (or an earlier one). */
static int tx_node(ct_report *r, size_t *idx, const ct_trace_txref *t, uint32_t column)
{
    char key[80], label[96], detail[200], txid[65], sid[64], iso[32];
    hex_txid(txid, t->txid);
    short_id(sid, sizeof(sid), txid);
    rp_iso_time(iso, t->time);
    snprintf(key, sizeof(key), "t:%s", txid);
    snprintf(label, sizeof(label), "tx %s", sid);
    snprintf(detail, sizeof(detail), "transaction %s, height %u, %s", txid, t->height, iso);
    return node_get(r, idx, CT_REPORT_TX, key, label, detail, NULL, column);
}

/* The node of an endpoint: (category, address); shown by its label, else its address. */
static int endpoint_node(ct_report *r, size_t *idx, const char *category, const char *label,
                         const char *address)
{
    const char *ea = address[0] ? address : "(no address)";
    size_t kl = strlen(category) + strlen(ea) + 4, dl = kl + strlen(label) + 4;
    char *key = malloc(kl), *detail = malloc(dl);
    int rc = CT_ENOMEM;
    if (key && detail) {
        snprintf(key, kl, "e:%s:%s", category, ea);
        if (label[0])
            snprintf(detail, dl, "%s: %s, %s", category, label, ea);
        else
            snprintf(detail, dl, "%s: %s", category, ea);
        rc = node_get(r, idx, CT_REPORT_ENDPOINT, key, label[0] ? label : ea, detail, category, 0);
    }
    free(key);
    free(detail);
    return rc;
}

/* ---- rows keyed by an item (an output, a transfer) with an amount per model ---- */
typedef struct row {
    char *cells[8]; /* the text columns */
    ct_u256 amount[CT_MODEL_COUNT];
    unsigned has;
    size_t edge;
    uint32_t time, height;
    double size; /* the largest amount, for the cut */
    size_t asset;
    size_t seq; /* order of first sight (ties) */
} row;

typedef struct rows {
    size_t n, cap;
    row *v;
    ct_hmap map;
} rows;

static void rows_release(rows *s)
{
    for (size_t i = 0; i < s->n; i++)
        for (int c = 0; c < 8; c++)
            free(s->v[i].cells[c]);
    free(s->v);
    ct_hmap_release(&s->map);
}

/* The row of key (hashed), new (cells NULL) when missing. */
static int rows_get(rows *s, const void *key, size_t klen, row **out, bool *fresh)
{
    uint8_t h[32];
    uint64_t v;
    ct_sha256(h, key, klen);
    if (ct_hmap_get(&s->map, h, 32, &v)) {
        *out = &s->v[v];
        *fresh = false;
        return CT_OK;
    }
    if (rp_grow((void **)&s->v, &s->cap, s->n, sizeof(row)) || ct_hmap_put(&s->map, h, 32, s->n))
        return CT_ENOMEM;
    row *x = &s->v[s->n];
    memset(x, 0, sizeof(*x));
    x->seq = s->n++;
    *out = x;
    *fresh = true;
    return CT_OK;
}

static int cmp_row_size(const void *pa, const void *pb)
{
    const row *a = *(row *const *)pa, *b = *(row *const *)pb;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_row_time(const void *pa, const void *pb)
{
    const row *a = *(row *const *)pa, *b = *(row *const *)pb;
    if (a->height != b->height)
        return a->height < b->height ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The evidence table: the `max_rows` largest rows in time order, and what was left out. */
static int evidence_table(ct_report *r, rows *s, const char *const *head, size_t n_text,
                          const int *models, size_t n_models, size_t max_rows)
{
    const char *cols[16];
    size_t nc = 0;
    for (size_t c = 0; c < n_text; c++)
        cols[nc++] = head[c];
    for (size_t k = 0; k < n_models; k++)
        cols[nc++] = ct_model_name((ct_model)models[k]);
    unsigned numeric = 0;
    for (size_t k = 0; k < n_models; k++)
        numeric |= 1u << (n_text + k);
    numeric |= 1u << 1; /* height */
    size_t t;
    int rc = ct_report_add_table(
        r, "Evidence: the transactions",
        "One row per output (or transfer) that carried taint, "
        "in time order, with the taint of each model whose flows were kept whole "
        "(\xe2\x80\x94 where that model carried none); the first column is the picture's edge.",
        cols, nc, numeric, true, &t);
    if (rc)
        return rc;
    row **p = malloc((s->n ? s->n : 1) * sizeof(row *));
    if (!p)
        return CT_ENOMEM;
    for (size_t i = 0; i < s->n; i++)
        p[i] = &s->v[i];
    size_t keep = max_rows && s->n > max_rows ? max_rows : s->n;
    if (keep < s->n)
        qsort(p, s->n, sizeof(row *), cmp_row_size);
    qsort(p, keep, sizeof(row *), cmp_row_time);
    for (size_t i = 0; i < keep && rc == CT_OK; i++) {
        const char *cells[16];
        char amt[CT_MODEL_COUNT][200];
        for (size_t c = 0; c < n_text; c++)
            cells[c] = p[i]->cells[c];
        for (size_t k = 0; k < n_models; k++) {
            int m = models[k];
            if (p[i]->has & (1u << m))
                ct_report_amount(r, amt[k], sizeof(amt[k]), p[i]->asset, &p[i]->amount[m]);
            else
                snprintf(amt[k], sizeof(amt[k]), "\xe2\x80\x94");
            cells[n_text + k] = amt[k];
        }
        rc = ct_report_add_row(r, t, cells, p[i]->edge);
    }
    if (rc == CT_OK && keep < s->n) {
        char note[200];
        snprintf(note, sizeof(note),
                 "%zu more rows, the smallest, are left out (at most %zu are listed): "
                 "trace --flows --format csv lists every flow.",
                 s->n - keep, keep);
        rc = ct_report_table_footer(r, t, note);
    }
    free(p);
    return rc;
}

/* ---- Bitcoin family ---- */
/* The union of category names (label categories and the tracer's own: a few dozen). */
#define MAX_NAMES 64
static void name_add(const char **names, size_t *nn, const char *name)
{
    for (size_t j = 0; j < *nn; j++)
        if (strcmp(names[j], name) == 0)
            return;
    if (*nn < MAX_NAMES)
        names[(*nn)++] = name;
}

static void names_sort(const char **names, size_t nn)
{
    for (size_t i = 1; i < nn; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *tmp = names[j];
            names[j] = names[j - 1];
            names[j - 1] = tmp;
        }
}

static int btc_totals(ct_report *r, const ct_trace_result *res, const char *coin)
{
    (void)coin;
    const char *cols[1 + CT_MODEL_COUNT];
    int models[CT_MODEL_COUNT];
    size_t nm = 0;
    cols[0] = "category";
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        if (res->model[m].enabled) {
            models[nm] = m;
            cols[1 + nm++] = ct_model_name((ct_model)m);
        }
    unsigned numeric = ((1u << (1 + nm)) - 1) & ~1u;
    size_t t;
    int rc = ct_report_add_table(r, "Totals by category",
                                 "Where the taint of each model ended; the categories of each "
                                 "model but poison add up to its source.",
                                 cols, 1 + nm, numeric, false, &t);
    if (rc)
        return rc;
    /* the union of the category names, sorted */
    const char *names[MAX_NAMES];
    size_t nn = 0;
    for (size_t k = 0; k < nm; k++) {
        const ct_trace_model_result *x = &res->model[models[k]];
        for (size_t i = 0; i < x->n_categories; i++)
            name_add(names, &nn, x->categories[i].name);
    }
    names_sort(names, nn);
    char amt[CT_MODEL_COUNT][200];
    const char *cells[1 + CT_MODEL_COUNT];
    for (size_t i = 0; i <= nn + 1 && rc == CT_OK; i++) {
        cells[0] = i < nn ? names[i] : i == nn ? "source (total)" : "laundered (cash-out)";
        for (size_t k = 0; k < nm; k++) {
            const ct_trace_model_result *x = &res->model[models[k]];
            unsigned __int128 v = 0;
            bool any = i >= nn;
            if (i < nn) {
                for (size_t c = 0; c < x->n_categories; c++)
                    if (strcmp(x->categories[c].name, names[i]) == 0) {
                        v = x->categories[c].sat;
                        any = true;
                    }
            } else {
                v = i == nn ? x->source_sat : x->laundered_sat;
            }
            ct_u256 a = u128_to_u256(v);
            if (any)
                ct_report_amount(r, amt[k], sizeof(amt[k]), 0, &a);
            else
                snprintf(amt[k], sizeof(amt[k]), "\xe2\x80\x94");
            cells[1 + k] = amt[k];
        }
        rc = ct_report_add_row(r, t, cells, CT_REPORT_NONE);
    }
    return rc;
}

/* Endpoints per service: per (category, label), the addresses and dates and the taint per
 * model. */
typedef struct svc {
    const char *category, *label;
    char *addresses;
    size_t n_addr;
    uint32_t first_time, last_time, first_height, last_height;
    ct_u256 amount[CT_MODEL_COUNT];
    unsigned has;
} svc;

static int cmp_svc(const void *pa, const void *pb)
{
    const svc *a = pa, *b = pb;
    size_t ra = 0, rb = 0;
    static const char *const cash[] = {"exchange", "mixer", "bridge", "gambling", "sanctioned"};
    ra = rb = 5;
    for (size_t i = 0; i < 5; i++) {
        if (strcmp(a->category, cash[i]) == 0)
            ra = i;
        if (strcmp(b->category, cash[i]) == 0)
            rb = i;
    }
    if (ra != rb)
        return ra < rb ? -1 : 1;
    int c = strcmp(a->category, b->category);
    return c ? c : strcmp(a->label, b->label);
}

static int svc_add(svc **v, size_t *n, size_t *cap, const char *category, const char *label,
                   const char *address, uint32_t ft, uint32_t lt, uint32_t fh, uint32_t lh, int m,
                   const ct_u256 *amount)
{
    svc *s = NULL;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].category, category) == 0 && strcmp((*v)[i].label, label) == 0) {
            s = &(*v)[i];
            break;
        }
    if (!s) {
        if (rp_grow((void **)v, cap, *n, sizeof(svc)))
            return CT_ENOMEM;
        s = &(*v)[(*n)++];
        memset(s, 0, sizeof(*s));
        s->category = category;
        s->label = label;
        s->first_time = ft;
        s->last_time = lt;
        s->first_height = fh;
        s->last_height = lh;
    }
    if (fh < s->first_height || (fh == s->first_height && ft < s->first_time)) {
        s->first_height = fh;
        s->first_time = ft;
    }
    if (lh > s->last_height || (lh == s->last_height && lt > s->last_time)) {
        s->last_height = lh;
        s->last_time = lt;
    }
    if (ct_u256_add(&s->amount[m], &s->amount[m], amount))
        memset(&s->amount[m], 0xff, sizeof(s->amount[m]));
    s->has |= 1u << m;
    /* the address list: each once, the first 10 named */
    if (address && address[0]) {
        bool seen = false;
        if (s->addresses) {
            const char *p = s->addresses;
            size_t al = strlen(address);
            while ((p = strstr(p, address)) != NULL) {
                if ((p == s->addresses || p[-1] == ' ') && (p[al] == ',' || p[al] == '\0')) {
                    seen = true;
                    break;
                }
                p++;
            }
        }
        if (!seen) {
            s->n_addr++;
            if (s->n_addr <= 10) {
                size_t ol = s->addresses ? strlen(s->addresses) : 0;
                char *q = realloc(s->addresses, ol + strlen(address) + 3);
                if (!q)
                    return CT_ENOMEM;
                snprintf(q + ol, strlen(address) + 3, "%s%s", ol ? ", " : "", address);
                s->addresses = q;
            }
        }
    }
    return CT_OK;
}

static int svc_table(ct_report *r, const char *title, svc *v, size_t n, const int *models,
                     size_t nm, size_t asset_of_all)
{
    qsort(v, n, sizeof(svc), cmp_svc);
    const char *cols[6 + CT_MODEL_COUNT] = {"category", "label", "addresses", "first", "last"};
    for (size_t k = 0; k < nm; k++)
        cols[5 + k] = ct_model_name((ct_model)models[k]);
    unsigned numeric = 0;
    for (size_t k = 0; k < nm; k++)
        numeric |= 1u << (5 + k);
    size_t t;
    int rc = ct_report_add_table(r, title,
                                 "Per label (a service) and category: its addresses (the first "
                                 "ten named), the first and last block where taint reached it "
                                 "(UTC), and the taint of each model.",
                                 cols, 5 + nm, numeric, false, &t);
    for (size_t i = 0; i < n && rc == CT_OK; i++) {
        char addrs[1200], first[64], last[64], iso[32];
        char amt[CT_MODEL_COUNT][200];
        if (v[i].n_addr > 10)
            snprintf(addrs, sizeof(addrs), "%zu addresses: %s and %zu more", v[i].n_addr,
                     v[i].addresses ? v[i].addresses : "", v[i].n_addr - 10);
        else
            snprintf(addrs, sizeof(addrs), "%s", v[i].addresses ? v[i].addresses : "");
        rp_iso_time(iso, v[i].first_time);
        snprintf(first, sizeof(first), "%s (height %u)", iso, v[i].first_height);
        rp_iso_time(iso, v[i].last_time);
        snprintf(last, sizeof(last), "%s (height %u)", iso, v[i].last_height);
        const char *cells[5 + CT_MODEL_COUNT] = {
            v[i].category, v[i].label[0] ? v[i].label : "(none)", addrs, first, last};
        for (size_t k = 0; k < nm; k++) {
            if (v[i].has & (1u << models[k]))
                ct_report_amount(r, amt[k], sizeof(amt[k]), asset_of_all, &v[i].amount[models[k]]);
            else
                snprintf(amt[k], sizeof(amt[k]), "\xe2\x80\x94");
            cells[5 + k] = amt[k];
        }
        rc = ct_report_add_row(r, t, cells, CT_REPORT_NONE);
    }
    return rc;
}

int ct_report_from_trace(ct_report *r, const ct_trace_result *res, const char *coin,
                         size_t max_rows, ct_error *err)
{
    int rc;
    size_t asset;
    if ((rc = ct_report_add_asset(r, coin, 8, true, &asset)))
        goto oom;
    /* the measures: the models whose flows were kept whole */
    int whole[CT_MODEL_COUNT], all[CT_MODEL_COUNT];
    size_t nw = 0, na = 0;
    size_t measure_of[CT_MODEL_COUNT];
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        if (!res->model[m].enabled)
            continue;
        all[na++] = m;
        if (!res->model[m].flows_whole)
            continue;
        whole[nw++] = m;
        if ((rc = ct_report_add_measure(r, ct_model_name((ct_model)m), &measure_of[m])))
            goto oom;
    }
    rows ev;
    memset(&ev, 0, sizeof(ev));
    ct_hmap_init(&ev.map);
    svc *sv = NULL;
    size_t n_sv = 0, cap_sv = 0;
    for (size_t k = 0; k < nw && rc == CT_OK; k++) {
        int m = whole[k];
        const ct_trace_model_result *x = &res->model[m];
        for (size_t i = 0; i < x->n_flows && rc == CT_OK; i++) {
            const ct_trace_flow *w = &x->flows[i];
            const char *addr = w->address != CT_TRACE_NONE ? res->addresses[w->address] : "";
            char key[600], detail[700], txid[65], iso[32];
            size_t from, to;
            /* from: the source address (hop 0) or the transaction that split the taint */
            if (w->by == CT_TRACE_NONE) {
                snprintf(key, sizeof(key), "s:%s", addr[0] ? addr : "(no address)");
                snprintf(detail, sizeof(detail), "source %s", addr[0] ? addr : "(no address)");
                rc = node_get(r, &from, CT_REPORT_SOURCE, key, addr[0] ? addr : "(no address)",
                              detail, NULL, 0);
            } else {
                rc = tx_node(r, &from, &res->txs[w->by], w->hop ? w->hop : 1);
            }
            if (rc)
                break;
            /* to: the endpoint, the fee, or the transaction that carried it on */
            if (w->endpoint != CT_TRACE_NONE) {
                const ct_trace_endpoint *e = &x->endpoints[w->endpoint];
                rc = endpoint_node(r, &to, e->category, e->label, e->address);
            } else if (w->vout == CT_TRACE_FLOW_FEE) {
                rc = node_get(r, &to, CT_REPORT_ENDPOINT,
                              w->next == CT_TRACE_NONE ? "e:fee:" : "e:unknown:",
                              w->next == CT_TRACE_NONE ? "fees" : "unknown inputs",
                              w->next == CT_TRACE_NONE ? "fees paid to miners"
                                                       : "previous outputs not in the database",
                              w->next == CT_TRACE_NONE ? "fee" : "unknown", 0);
            } else if (w->next != CT_TRACE_NONE) {
                rc = tx_node(r, &to, &res->txs[w->next], w->hop + 1);
            } else {
                rc = node_get(r, &to, CT_REPORT_ENDPOINT, "e:unknown:", "unknown", "unknown",
                              "unknown", 0);
            }
            if (rc)
                break;
            ct_report_edge e;
            memset(&e, 0, sizeof(e));
            e.from = from;
            e.to = to;
            e.asset = asset;
            e.amount[measure_of[m]] = u128_to_u256(w->taint);
            e.has = 1u << measure_of[m];
            e.time = w->time;
            e.height = w->height;
            size_t ei;
            if ((rc = ct_report_add_edge(r, &e, &ei)))
                break;
            /* the evidence row of this output */
            uint8_t rk[48];
            memset(rk, 0, sizeof(rk));
            if (w->tx != CT_TRACE_NONE)
                memcpy(rk, res->txs[w->tx].txid, 32);
            else if (w->by != CT_TRACE_NONE)
                memcpy(rk, res->txs[w->by].txid, 32);
            memcpy(rk + 32, &w->vout, 4);
            memcpy(rk + 36, &ei, sizeof(ei) < 12 ? sizeof(ei) : 12);
            row *rw;
            bool fresh;
            if ((rc = rows_get(&ev, rk, sizeof(rk), &rw, &fresh)))
                break;
            if (fresh) {
                char out[100], hgt[16], where[700];
                if (w->tx != CT_TRACE_NONE) {
                    hex_txid(txid, res->txs[w->tx].txid);
                    if (w->vout == CT_TRACE_FLOW_FEE)
                        snprintf(out, sizeof(out), "%s fee", txid);
                    else
                        snprintf(out, sizeof(out), "%s:%u", txid, w->vout);
                } else {
                    snprintf(out, sizeof(out), "(not in the database)");
                }
                snprintf(hgt, sizeof(hgt), "%u", w->height);
                rp_iso_time(iso, w->time);
                if (w->endpoint != CT_TRACE_NONE) {
                    const ct_trace_endpoint *ep = &x->endpoints[w->endpoint];
                    snprintf(where, sizeof(where), "%s%s%s", ep->category, ep->label[0] ? ": " : "",
                             ep->label);
                } else if (w->next != CT_TRACE_NONE) {
                    hex_txid(txid, res->txs[w->next].txid);
                    snprintf(where, sizeof(where), "on to %s", txid);
                } else {
                    snprintf(where, sizeof(where), "%s", w->vout == CT_TRACE_FLOW_FEE ? "fee" : "");
                }
                char hop[16];
                snprintf(hop, sizeof(hop), "%u", w->hop);
                const char *vals[6] = {out, hgt, iso, hop, addr, where};
                for (int c = 0; c < 6; c++)
                    if (!(rw->cells[c] = strdup(vals[c])))
                        rc = CT_ENOMEM;
                rw->edge = ei;
                rw->time = w->time;
                rw->height = w->height;
                rw->asset = asset;
            }
            rw->amount[m] = u128_to_u256(w->taint);
            rw->has |= 1u << m;
            if ((double)w->taint > rw->size)
                rw->size = (double)w->taint;
        }
    }
    /* services: the endpoints of every enabled model */
    for (size_t k = 0; k < na && rc == CT_OK; k++) {
        const ct_trace_model_result *x = &res->model[all[k]];
        for (size_t i = 0; i < x->n_endpoints && rc == CT_OK; i++) {
            const ct_trace_endpoint *e = &x->endpoints[i];
            ct_u256 a = u128_to_u256(e->taint);
            rc = svc_add(&sv, &n_sv, &cap_sv, e->category, e->label, e->address, e->first_time,
                         e->last_time, e->first_height, e->last_height, all[k], &a);
        }
    }
    if (rc == CT_OK)
        rc = btc_totals(r, res, coin);
    if (rc == CT_OK)
        rc = svc_table(r, "Endpoints per service", sv, n_sv, all, na, asset);
    static const char *const head[] = {"output", "height",  "date (UTC)",
                                       "hop",    "address", "where it went"};
    if (rc == CT_OK)
        rc = evidence_table(r, &ev, head, 6, whole, nw, max_rows ? max_rows : DEFAULT_ROWS);
    for (size_t i = 0; i < n_sv; i++)
        free(sv[i].addresses);
    free(sv);
    rows_release(&ev);
    if (rc == CT_OK)
        return CT_OK;
oom:
    return ct_fail(err, rc, rc == CT_ENOMEM ? "out-of-memory" : "bad-model",
                   "cannot build the report's model");
}

/* ---- account chains ---- */
static const char *acct_kind(uint8_t k)
{
    static const char *const names[] = {"remainder",   "native",         "internal", "token",
                                        "fee (burnt)", "fee (priority)", "reward"};
    return k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static void acct_symbol(char *out, size_t cap, const ct_acct_asset_info *ai)
{
    if (ai->symbol[0])
        snprintf(out, cap, "%s", ai->symbol);
    else
        snprintf(out, cap, "%.10s…%s", ai->contract, ai->contract + 38);
}

static int acct_addr_node(ct_report *r, size_t *idx, const char *addr, uint32_t column)
{
    char key[64], detail[128];
    const char *a = addr[0] ? addr : "(nobody: a reward)";
    snprintf(key, sizeof(key), "a:%s", a);
    snprintf(detail, sizeof(detail), "%s %s", column ? "address" : "source", a);
    return node_get(r, idx, column ? CT_REPORT_ADDRESS : CT_REPORT_SOURCE, key, a, detail, NULL,
                    column);
}

int ct_report_from_acct_trace(ct_report *r, const ct_acct_trace_result *res, size_t max_rows,
                              ct_error *err)
{
    int rc = CT_OK;
    int models[CT_MODEL_COUNT], whole[CT_MODEL_COUNT];
    size_t nm = 0, nw = 0, measure_of[CT_MODEL_COUNT];
    for (size_t a = 0; a < res->n_assets && rc == CT_OK; a++) {
        char sym[64];
        acct_symbol(sym, sizeof(sym), &res->assets[a]);
        rc = ct_report_add_asset(r, sym, res->assets[a].decimals, res->assets[a].known_decimals,
                                 NULL);
    }
    for (int m = 0; m < CT_MODEL_COUNT && rc == CT_OK; m++) {
        if (!res->model[m])
            continue;
        models[nm++] = m;
        bool any_whole = false;
        for (size_t a = 0; a < res->n_assets; a++)
            any_whole |= res->model[m][a].flows_whole;
        if (!any_whole)
            continue;
        whole[nw++] = m;
        rc = ct_report_add_measure(r, ct_model_name((ct_model)m), &measure_of[m]);
    }
    rows ev;
    memset(&ev, 0, sizeof(ev));
    ct_hmap_init(&ev.map);
    for (size_t k = 0; k < nw && rc == CT_OK; k++) {
        int m = whole[k];
        for (size_t a = 0; a < res->n_assets && rc == CT_OK; a++) {
            const ct_acct_asset_result *x = &res->model[m][a];
            for (size_t i = 0; i < x->n_flows && rc == CT_OK; i++) {
                const ct_acct_flow *w = &x->flows[i];
                size_t from = CT_REPORT_NONE, to = CT_REPORT_NONE, ei = CT_REPORT_NONE;

                if (w->kind == 0) { /* a remainder: the ledger's taint left at its endpoint */
                    rc = acct_addr_node(r, &from, w->to, w->hop);
                } else if (w->hop == 0) { /* a source's arrival: no edge */
                    rc = acct_addr_node(r, &from, w->to, 0);
                    from = CT_REPORT_NONE;
                } else {
                    rc = acct_addr_node(r, &from, w->from, w->hop - 1);
                }
                if (rc)
                    break;
                if (from != CT_REPORT_NONE) {
                    if (w->endpoint != CT_TRACE_NONE) {
                        const ct_acct_endpoint *e = &x->endpoints[w->endpoint];
                        rc = endpoint_node(r, &to, e->category, e->label, e->address);
                    } else if (!w->to[0]) {
                        rc = node_get(r, &to, CT_REPORT_ENDPOINT, "e:fee:", "fees",
                                      "fees: burnt, and paid to the block's fee recipient", "fee",
                                      0);
                    } else {
                        rc = acct_addr_node(r, &to, w->to, w->hop);
                    }
                    if (rc)
                        break;
                    ct_report_edge e;
                    memset(&e, 0, sizeof(e));
                    e.from = from;
                    e.to = to;
                    e.asset = a;
                    e.amount[measure_of[m]] = w->taint;
                    e.has = 1u << measure_of[m];
                    e.time = w->time;
                    e.height = w->at.height;
                    if ((rc = ct_report_add_edge(r, &e, &ei)))
                        break;
                }
                /* the evidence row of this transfer */
                uint8_t rk[32 + 12 + 8 + 43 + 8];
                memset(rk, 0, sizeof(rk));
                memcpy(rk, w->txhash, 32);
                memcpy(rk + 32, &w->at, sizeof(w->at));
                uint64_t a64 = a, e64 = ei;
                memcpy(rk + 44, &a64, 8);
                memcpy(rk + 52, w->to, strlen(w->to));
                memcpy(rk + 95, &e64, 8);
                row *rw;
                bool fresh;
                if ((rc = rows_get(&ev, rk, sizeof(rk), &rw, &fresh)))
                    break;
                if (fresh) {
                    char out[120], hgt[16], iso[32], where[400], hop[16], who[100];
                    bool zero = true;
                    for (int b = 0; b < 32; b++)
                        zero &= w->txhash[b] == 0;
                    if (zero) {
                        snprintf(out, sizeof(out), "%s, block %u", acct_kind(w->kind),
                                 w->at.height);
                    } else {
                        char hx[65];
                        static const char digits[] = "0123456789abcdef";
                        for (int b = 0; b < 32; b++) {
                            hx[2 * b] = digits[w->txhash[b] >> 4];
                            hx[2 * b + 1] = digits[w->txhash[b] & 15];
                        }
                        hx[64] = '\0';
                        snprintf(out, sizeof(out), "0x%s %s #%u", hx, acct_kind(w->kind),
                                 w->at.pos);
                    }
                    snprintf(hgt, sizeof(hgt), "%u", w->at.height);
                    rp_iso_time(iso, w->time);
                    snprintf(hop, sizeof(hop), "%u", w->hop);
                    snprintf(who, sizeof(who), "%s → %s", w->from[0] ? w->from : "(nobody)",
                             w->to[0] ? w->to : "(fee)");
                    if (w->endpoint != CT_TRACE_NONE) {
                        const ct_acct_endpoint *ep = &x->endpoints[w->endpoint];
                        snprintf(where, sizeof(where), "%s%s%s", ep->category,
                                 ep->label[0] ? ": " : "", ep->label);
                    } else {
                        snprintf(where, sizeof(where), "%s",
                                 !w->to[0]     ? "fee"
                                 : w->hop == 0 ? "source"
                                               : "carried on");
                    }
                    const char *vals[6] = {out, hgt, iso, hop, who, where};
                    for (int c = 0; c < 6; c++)
                        if (!(rw->cells[c] = strdup(vals[c])))
                            rc = CT_ENOMEM;
                    rw->edge = ei;
                    rw->time = w->time;
                    rw->height = w->at.height;
                    rw->asset = a;
                }
                rw->amount[m] = w->taint;
                rw->has |= 1u << m;
                double sz = rp_u256_double(&w->taint);
                if (sz > rw->size)
                    rw->size = sz;
            }
        }
    }
    /* totals by category: per asset */
    if (rc == CT_OK) {
        const char *cols[2 + CT_MODEL_COUNT] = {"asset", "category"};
        for (size_t k = 0; k < nm; k++)
            cols[2 + k] = ct_model_name((ct_model)models[k]);
        size_t t;
        rc = ct_report_add_table(r, "Totals by category",
                                 "Per asset, where the taint of each model ended; the categories "
                                 "of each model but poison add up to its source.",
                                 cols, 2 + nm, ((1u << (2 + nm)) - 1) & ~3u, false, &t);
        for (size_t a = 0; a < res->n_assets && rc == CT_OK; a++) {
            const char *names[MAX_NAMES];
            size_t nn = 0;
            for (size_t k = 0; k < nm; k++) {
                const ct_acct_asset_result *x = &res->model[models[k]][a];
                for (size_t i = 0; i < x->n_categories; i++)
                    name_add(names, &nn, x->categories[i].name);
            }
            names_sort(names, nn);
            for (size_t i = 0; i <= nn + 1 && rc == CT_OK; i++) {
                char amt[CT_MODEL_COUNT][200];
                const char *cells[2 + CT_MODEL_COUNT];
                cells[0] = r->assets[a].symbol;
                cells[1] = i < nn ? names[i] : i == nn ? "source (total)" : "laundered (cash-out)";
                for (size_t k = 0; k < nm; k++) {
                    const ct_acct_asset_result *x = &res->model[models[k]][a];
                    const ct_u256 *v = NULL;
                    if (i < nn) {
                        for (size_t c = 0; c < x->n_categories; c++)
                            if (strcmp(x->categories[c].name, names[i]) == 0)
                                v = &x->categories[c].amount;
                    } else {
                        v = i == nn ? &x->source : &x->laundered;
                    }
                    if (v)
                        ct_report_amount(r, amt[k], sizeof(amt[k]), a, v);
                    else
                        snprintf(amt[k], sizeof(amt[k]), "\xe2\x80\x94");
                    cells[2 + k] = amt[k];
                }
                rc = ct_report_add_row(r, t, cells, CT_REPORT_NONE);
            }
        }
    }
    /* endpoints per service, per asset */
    for (size_t a = 0; a < res->n_assets && rc == CT_OK; a++) {
        svc *sv = NULL;
        size_t n_sv = 0, cap_sv = 0;
        for (size_t k = 0; k < nm && rc == CT_OK; k++) {
            const ct_acct_asset_result *x = &res->model[models[k]][a];
            for (size_t i = 0; i < x->n_endpoints && rc == CT_OK; i++) {
                const ct_acct_endpoint *e = &x->endpoints[i];
                rc = svc_add(&sv, &n_sv, &cap_sv, e->category, e->label, e->address, e->first_time,
                             e->last_time, e->first_height, e->last_height, models[k], &e->taint);
            }
        }
        char title[160];
        snprintf(title, sizeof(title), "Endpoints per service: %s", r->assets[a].symbol);
        if (rc == CT_OK && n_sv)
            rc = svc_table(r, title, sv, n_sv, models, nm, a);
        for (size_t i = 0; i < n_sv; i++)
            free(sv[i].addresses);
        free(sv);
    }
    static const char *const head[] = {"transfer", "height",    "date (UTC)",
                                       "hop",      "from → to", "where it went"};
    if (rc == CT_OK)
        rc = evidence_table(r, &ev, head, 6, whole, nw, max_rows ? max_rows : DEFAULT_ROWS);
    rows_release(&ev);
    if (rc == CT_OK)
        return CT_OK;
    return ct_fail(err, rc, rc == CT_ENOMEM ? "out-of-memory" : "bad-model",
                   "cannot build the report's model");
}
