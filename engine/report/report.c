/* The neutral model of an HTML report (include/chaintrail/report.h): measures, assets,
 * nodes, edges and tables, copied in as given. */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/util.h"
#include "export/export_internal.h"
#include "report/report_internal.h"

int rp_grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return CT_OK;
    size_t nc = *cap ? *cap * 2 : 16, bytes;
    if (!ct_mul_ok(nc, size, &bytes))
        return CT_ENOMEM;
    void *q = realloc(*p, bytes);
    if (!q)
        return CT_ENOMEM;
    *p = q;
    *cap = nc;
    return CT_OK;
}

static char *dup_or_null(const char *s, bool *fail)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *fail = true;
    return d;
}

ct_report *ct_report_new(const char *title)
{
    ct_report *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->title = strdup(title ? title : "");
    if (!r->title) {
        free(r);
        return NULL;
    }
    ct_hmap_init(&r->node_map);
    ct_hmap_init(&r->edge_map);
    return r;
}

void ct_report_free(ct_report *r)
{
    if (!r)
        return;
    free(r->title);
    for (size_t i = 0; i < r->n_notes; i++)
        free(r->notes[i]);
    free(r->notes);
    for (size_t i = 0; i < r->n_measures; i++)
        free(r->measures[i]);
    for (size_t i = 0; i < r->n_assets; i++)
        free(r->assets[i].symbol);
    free(r->assets);
    for (size_t i = 0; i < r->n_nodes; i++) {
        rp_node *n = &r->nodes[i];
        free(n->key);
        free(n->label);
        free(n->detail);
        free(n->category);
    }
    free(r->nodes);
    free(r->edges);
    for (size_t t = 0; t < r->n_tables; t++) {
        rp_table *x = &r->tables[t];
        free(x->title);
        free(x->note);
        free(x->footer);
        for (size_t c = 0; c < x->n_cols; c++)
            free(x->cols[c]);
        free(x->cols);
        for (size_t i = 0; i < x->n_rows * x->n_cols; i++)
            free(x->cells[i]);
        free(x->cells);
        free(x->edge);
    }
    free(r->tables);
    ct_hmap_release(&r->node_map);
    ct_hmap_release(&r->edge_map);
    free(r);
}

int ct_report_add_note(ct_report *r, const char *text)
{
    char **v = realloc(r->notes, (r->n_notes + 1) * sizeof(*v));
    if (!v)
        return CT_ENOMEM;
    r->notes = v;
    if (!(v[r->n_notes] = strdup(text)))
        return CT_ENOMEM;
    r->n_notes++;
    return CT_OK;
}

int ct_report_add_measure(ct_report *r, const char *name, size_t *idx)
{
    if (r->n_measures >= CT_REPORT_MEASURES)
        return CT_EINVAL;
    if (!(r->measures[r->n_measures] = strdup(name)))
        return CT_ENOMEM;
    if (idx)
        *idx = r->n_measures;
    r->n_measures++;
    return CT_OK;
}

int ct_report_add_asset(ct_report *r, const char *symbol, unsigned decimals, bool known,
                        size_t *idx)
{
    rp_asset *v = realloc(r->assets, (r->n_assets + 1) * sizeof(*v));
    if (!v)
        return CT_ENOMEM;
    r->assets = v;
    if (!(v[r->n_assets].symbol = strdup(symbol)))
        return CT_ENOMEM;
    v[r->n_assets].decimals = decimals > 77 ? 77 : decimals;
    v[r->n_assets].known = known;
    if (idx)
        *idx = r->n_assets;
    r->n_assets++;
    return CT_OK;
}

static void key_hash(uint8_t out[32], const char *key)
{
    ct_sha256(out, key, strlen(key));
}

size_t ct_report_find_node(const ct_report *r, const char *key)
{
    uint8_t h[32];
    uint64_t v;
    key_hash(h, key);
    return ct_hmap_get(&r->node_map, h, 32, &v) ? (size_t)v : CT_REPORT_NONE;
}

int ct_report_add_node(ct_report *r, const ct_report_node *n, size_t *idx)
{
    uint8_t h[32];
    uint64_t v;
    key_hash(h, n->key);
    if (ct_hmap_get(&r->node_map, h, 32, &v))
        return CT_EINVAL;
    if (rp_grow((void **)&r->nodes, &r->cap_nodes, r->n_nodes, sizeof(*r->nodes)))
        return CT_ENOMEM;
    rp_node *d = &r->nodes[r->n_nodes];
    memset(d, 0, sizeof(*d));
    bool fail = false;
    d->kind = n->kind;
    d->column = n->kind == CT_REPORT_SOURCE ? 0 : n->column;
    d->key = dup_or_null(n->key, &fail);
    d->label = dup_or_null(n->label ? n->label : "", &fail);
    d->detail = dup_or_null(n->detail, &fail);
    d->category = dup_or_null(n->category, &fail);
    if (fail || ct_hmap_put(&r->node_map, h, 32, r->n_nodes)) {
        free(d->key);
        free(d->label);
        free(d->detail);
        free(d->category);
        return CT_ENOMEM;
    }
    if (idx)
        *idx = r->n_nodes;
    r->n_nodes++;
    return CT_OK;
}

int ct_report_add_edge(ct_report *r, const ct_report_edge *e, size_t *idx)
{
    if (e->from >= r->n_nodes || e->to >= r->n_nodes || e->asset >= r->n_assets)
        return CT_EINVAL;
    uint64_t k[3] = {e->from, e->to, e->asset}, v;
    if (ct_hmap_get(&r->edge_map, k, sizeof(k), &v)) {
        ct_report_edge *d = &r->edges[v];
        for (size_t m = 0; m < CT_REPORT_MEASURES; m++) {
            if (!(e->has & (1u << m)))
                continue;
            if (ct_u256_add(&d->amount[m], &d->amount[m], &e->amount[m]))
                memset(&d->amount[m], 0xff, sizeof(d->amount[m])); /* saturates */
        }
        d->has |= e->has;
        if (e->time < d->time || (e->time == d->time && e->height < d->height)) {
            d->time = e->time;
            d->height = e->height;
        }
        if (idx)
            *idx = (size_t)v;
        return CT_OK;
    }
    if (rp_grow((void **)&r->edges, &r->cap_edges, r->n_edges, sizeof(*r->edges)))
        return CT_ENOMEM;
    if (ct_hmap_put(&r->edge_map, k, sizeof(k), r->n_edges))
        return CT_ENOMEM;
    r->edges[r->n_edges] = *e;
    if (idx)
        *idx = r->n_edges;
    r->n_edges++;
    return CT_OK;
}

int ct_report_add_table(ct_report *r, const char *title, const char *note, const char *const *cols,
                        size_t n_cols, unsigned numeric, bool edge_column, size_t *idx)
{
    rp_table *v = realloc(r->tables, (r->n_tables + 1) * sizeof(*v));
    if (!v)
        return CT_ENOMEM;
    r->tables = v;
    rp_table *t = &v[r->n_tables];
    memset(t, 0, sizeof(*t));
    bool fail = false;
    t->title = dup_or_null(title, &fail);
    t->note = dup_or_null(note, &fail);
    t->cols = calloc(n_cols ? n_cols : 1, sizeof(*t->cols));
    fail |= !t->cols;
    for (size_t c = 0; !fail && c < n_cols; c++)
        t->cols[c] = dup_or_null(cols[c], &fail);
    t->n_cols = n_cols;
    t->numeric = numeric;
    t->edge_column = edge_column;
    r->n_tables++; /* freed with the report even when incomplete */
    if (fail)
        return CT_ENOMEM;
    if (idx)
        *idx = r->n_tables - 1;
    return CT_OK;
}

int ct_report_add_row(ct_report *r, size_t table, const char *const *cells, size_t edge)
{
    if (table >= r->n_tables)
        return CT_EINVAL;
    rp_table *t = &r->tables[table];
    if (t->n_rows == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 16, bytes;
        if (!ct_mul_ok(nc, t->n_cols ? t->n_cols : 1, &bytes) ||
            !ct_mul_ok(bytes, sizeof(char *), &bytes))
            return CT_ENOMEM;
        char **c = realloc(t->cells, bytes);
        if (!c)
            return CT_ENOMEM;
        t->cells = c;
        size_t *e = realloc(t->edge, nc * sizeof(*e));
        if (!e)
            return CT_ENOMEM;
        t->edge = e;
        t->cap = nc;
    }
    bool fail = false;
    char **row = t->cells + t->n_rows * t->n_cols;
    for (size_t c = 0; c < t->n_cols; c++)
        row[c] = dup_or_null(cells[c], &fail);
    t->edge[t->n_rows] = edge < r->n_edges ? edge : CT_REPORT_NONE;
    t->n_rows++;
    return fail ? CT_ENOMEM : CT_OK;
}

int ct_report_table_footer(ct_report *r, size_t table, const char *text)
{
    if (table >= r->n_tables)
        return CT_EINVAL;
    free(r->tables[table].footer);
    r->tables[table].footer = strdup(text);
    return r->tables[table].footer ? CT_OK : CT_ENOMEM;
}

size_t rp_amount(const ct_report *r, char *out, size_t cap, size_t asset, const ct_u256 *amount,
                 bool shortened)
{
    char dec[96];
    size_t n = ct_u256_to_dec(dec, sizeof(dec), amount);
    const rp_asset *a = asset < r->n_assets ? &r->assets[asset] : NULL;
    unsigned d = a && a->known ? a->decimals : 0;
    char num[200];
    if (d == 0) {
        snprintf(num, sizeof(num), "%s", dec);
    } else if (n > d) {
        snprintf(num, sizeof(num), "%.*s.%s", (int)(n - d), dec, dec + (n - d));
    } else {
        char frac[96];
        memset(frac, '0', d - n);
        memcpy(frac + (d - n), dec, n + 1);
        snprintf(num, sizeof(num), "0.%s", frac);
    }
    /* Long fractions (18 decimals of wei) are cut to 8 digits, rounded down, and say so. */
    char *dot = strchr(num, '.');
    if (shortened && dot && strlen(dot + 1) > 8) {
        bool rest = strspn(dot + 9, "0") < strlen(dot + 9);
        dot[9] = '\0';
        if (rest)
            strcat(num, "…");
    }
    if (!a)
        return (size_t)snprintf(out, cap, "%s", num);
    return (size_t)snprintf(out, cap, "%s %s%s", num, a->symbol, a->known ? "" : " units");
}

size_t ct_report_amount(const ct_report *r, char *out, size_t cap, size_t asset,
                        const ct_u256 *amount)
{
    return rp_amount(r, out, cap, asset, amount, false);
}

const ct_u256 *rp_edge_max(const ct_report *r, const ct_report_edge *e)
{
    const ct_u256 *best = &e->amount[0];
    for (size_t m = 1; m < r->n_measures && m < CT_REPORT_MEASURES; m++)
        if (ct_u256_cmp(&e->amount[m], best) > 0)
            best = &e->amount[m];
    return best;
}

double rp_u256_double(const ct_u256 *a)
{
    double d = 0;
    for (int i = 3; i >= 0; i--)
        d = d * 18446744073709551616.0 + (double)a->w[i];
    return d;
}

void rp_iso_time(char buf[32], uint32_t t)
{
    ex_iso_time(buf, t);
}
