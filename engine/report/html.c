/* The HTML of a report (docs/html.md): the model summarised to about max_nodes nodes, laid
 * out in columns (our own layout: deterministic, no Graphviz), drawn as inline SVG, and the
 * tables. Every text goes through ex_clean and ex_put_xml (bad-inputs.md X2-X4). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "export/export_internal.h"
#include "report/report_internal.h"

/* Geometry, in SVG pixels. */
#define NODE_W      190
#define NODE_H      40
#define NODE_GAP    12
#define COL_GAP     130
#define GROUP_H     24
#define TOP         44
#define LEFT        20
#define LABEL_CHARS 26
#define TEXT_MAX    (1u << 24) /* one text, cleaned */

/* A node as drawn: one of the model's, or "N more" of a (column, category) group. */
typedef struct dnode {
    size_t src;   /* the model's node, or CT_REPORT_NONE for an aggregate */
    size_t count; /* aggregate: nodes inside */
    ct_report_node_kind kind;
    const char *category; /* endpoints (and their aggregates) */
    uint32_t column;      /* drawn column index, after compression */
    uint32_t hop;         /* the model's column (endpoints: UINT32_MAX) */
    double weight;
    const char *key;
    size_t group; /* index of its (column, category) group */
    double x, y;
    /* Amount received (or sent, for sources) per measure, in its main asset. */
    size_t asset;
    ct_u256 in[CT_REPORT_MEASURES], out[CT_REPORT_MEASURES];
    unsigned in_has, out_has;
} dnode;

typedef struct dedge {
    size_t from, to, asset;
    ct_u256 amount[CT_REPORT_MEASURES];
    unsigned has;
    uint32_t time, height;
    size_t number; /* 1.. in time order */
    size_t merged; /* model edges drawn in it */
} dedge;

typedef struct html {
    ct_report *r;
    FILE *f;
    size_t n_d, n_de;
    dnode *d;
    dedge *de;
    size_t *node_map;  /* model node -> drawn node */
    size_t *edge_map;  /* model edge -> drawn edge, CT_REPORT_NONE when inside an aggregate */
    double *asset_max; /* per asset: the largest edge amount drawn */
    uint32_t n_cols;   /* drawn columns */
    uint32_t *col_hop; /* the hop of each drawn column (UINT32_MAX: endpoints) */
    double width, height;
    size_t aggregated;
    const char *idp; /* prefix of the ids ("" alone; "p2-" for the second part of a page) */
    bool part;       /* one part of a page: headings one level down */
} html;

/* ---- text ---- */
static void put_text(FILE *f, const char *s)
{
    ct_buf b;
    ct_buf_init(&b, TEXT_MAX);
    if (ex_clean(&b, s ? s : "") == CT_OK)
        ex_put_xml(f, (const char *)b.data);
    else
        fputs("(text too long)", f);
    ct_buf_release(&b);
}

/* The first `max` characters of s (cleaned), "…" when cut. */
static void put_text_cut(FILE *f, const char *s, size_t max)
{
    ct_buf b;
    ct_buf_init(&b, TEXT_MAX);
    if (ex_clean(&b, s ? s : "") == CT_OK) {
        char *t = (char *)b.data;
        size_t chars = 0, i = 0;
        while (t[i] && chars < max) {
            i++;
            while ((t[i] & 0xc0) == 0x80)
                i++;
            chars++;
        }
        bool cut = t[i] != '\0';
        if (cut && chars > 0) { /* room for the ellipsis */
            do
                i--;
            while (i > 0 && (t[i] & 0xc0) == 0x80);
        }
        t[i] = '\0';
        ex_put_xml(f, t);
        if (cut)
            fputs("…", f);
    }
    ct_buf_release(&b);
}

/* ---- colours ---- */
static const struct {
    const char *name, *colour;
} category_colours[] = {
    {"exchange", "#2e7d32"},   {"mixer", "#6a1b9a"},       {"bridge", "#00838f"},
    {"gambling", "#ef6c00"},   {"sanctioned", "#c62828"},  {"darknet", "#4e342e"},
    {"ransomware", "#ad1457"}, {"scam", "#d84315"},        {"hack", "#b71c1c"},
    {"blocked", "#880e4f"},    {"defi", "#1565c0"},        {"miner", "#795548"},
    {"service", "#455a64"},    {"other", "#607d8b"},       {"unspent", "#757575"},
    {"hop_limit", "#9e9e9e"},  {"dust", "#b0bec5"},        {"budget", "#ffa000"},
    {"fee", "#8d6e63"},        {"overwritten", "#90a4ae"}, {"coinbase", "#5d4037"},
    {"unknown", "#78909c"},
};
#define N_CATEGORY_COLOURS (sizeof(category_colours) / sizeof(category_colours[0]))

/* Rank of a category in the endpoint column: the table's order (cash-out first), then any
 * other name after them. */
static size_t category_rank(const char *c)
{
    for (size_t i = 0; c && i < N_CATEGORY_COLOURS; i++)
        if (strcmp(c, category_colours[i].name) == 0)
            return i;
    return N_CATEGORY_COLOURS;
}

static const char *category_colour(const char *c)
{
    size_t i = category_rank(c);
    return i < N_CATEGORY_COLOURS ? category_colours[i].colour : "#37474f";
}

/* Colours of assets, by their order in the model. */
static const char *const asset_colours[] = {"#f08c00", "#3b5bdb", "#0ca678", "#ae3ec9",
                                            "#e03131", "#1098ad", "#5c940d", "#d6336c"};

static const char *asset_colour(size_t a)
{
    return asset_colours[a % (sizeof(asset_colours) / sizeof(asset_colours[0]))];
}

/* ---- summarising ---- */
static int cmp_weight(const dnode *a, const dnode *b)
{
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* A stable merge sort whose comparison gets a context (qsort has none, and a global one
 * would make the renderer unsafe to call from two threads). CT_OK or CT_ENOMEM. */
typedef int (*cmp_ctx)(const void *a, const void *b, const void *ctx);

static int sort_ctx(void *base, size_t n, size_t size, cmp_ctx cmp, const void *ctx)
{
    if (n < 2)
        return CT_OK;
    size_t bytes;
    if (!ct_mul_ok(n, size, &bytes))
        return CT_ENOMEM;
    char *tmp = malloc(bytes), *src = base, *dst = tmp;
    if (!tmp)
        return CT_ENOMEM;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (cmp(src + j * size, src + i * size, ctx) < 0)
                    memcpy(dst + (k++) * size, src + (j++) * size, size);
                else
                    memcpy(dst + (k++) * size, src + (i++) * size, size);
            }
            memcpy(dst + k * size, src + i * size, (mid - i) * size);
            k += mid - i;
            memcpy(dst + k * size, src + j * size, (hi - j) * size);
        }
        char *t = src;
        src = dst;
        dst = t;
    }
    if (src != base)
        memcpy(base, src, bytes);
    free(tmp);
    return CT_OK;
}

static int cmp_rank_idx(const void *pa, const void *pb, const void *ctx)
{
    const dnode *d = ctx;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    return cmp_weight(&d[a], &d[b]);
}

/* Order of nodes inside a drawn column: endpoints by category, aggregates after the nodes of
 * their group, then weight, then key. */
static int cmp_in_column(const void *pa, const void *pb, const void *ctx)
{
    const dnode *d = ctx;
    const dnode *a = &d[*(const size_t *)pa], *b = &d[*(const size_t *)pb];
    if (a->kind == CT_REPORT_ENDPOINT || b->kind == CT_REPORT_ENDPOINT) {
        size_t ra = category_rank(a->category), rb = category_rank(b->category);
        if (ra != rb)
            return ra < rb ? -1 : 1;
        int c = strcmp(a->category ? a->category : "", b->category ? b->category : "");
        if (c)
            return c;
    }
    bool aa = a->src == CT_REPORT_NONE, ab = b->src == CT_REPORT_NONE;
    if (aa != ab)
        return aa ? 1 : -1;
    return cmp_weight(a, b);
}

static int cmp_edge_time(const void *pa, const void *pb, const void *ctx)
{
    const dedge *a = pa, *b = pb;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    if (a->height != b->height)
        return a->height < b->height ? -1 : 1;
    const dnode *d = ctx;
    if (d[a->from].y != d[b->from].y || d[a->from].x != d[b->from].x)
        return d[a->from].x != d[b->from].x ? (d[a->from].x < d[b->from].x ? -1 : 1)
                                            : (d[a->from].y < d[b->from].y ? -1 : 1);
    if (d[a->to].x != d[b->to].x || d[a->to].y != d[b->to].y)
        return d[a->to].x != d[b->to].x ? (d[a->to].x < d[b->to].x ? -1 : 1)
                                        : (d[a->to].y < d[b->to].y ? -1 : 1);
    return a->asset < b->asset ? -1 : a->asset > b->asset;
}

static void add_amounts(ct_u256 *dst, unsigned *dst_has, const ct_u256 *src, unsigned has)
{
    for (size_t m = 0; m < CT_REPORT_MEASURES; m++)
        if (has & (1u << m))
            if (ct_u256_add(&dst[m], &dst[m], &src[m]))
                memset(&dst[m], 0xff, sizeof(dst[m]));
    *dst_has |= has;
}

static void html_release(html *h)
{
    free(h->d);
    free(h->de);
    free(h->node_map);
    free(h->edge_map);
    free(h->asset_max);
    free(h->col_hop);
}

/* A node's group key, to number the groups. */
typedef struct gk {
    uint32_t hop;
    const char *cat;
    size_t idx;
} gk;

static int cmp_gk(const void *pa, const void *pb)
{
    const gk *a = pa, *b = pb;
    if (a->hop != b->hop)
        return a->hop < b->hop ? -1 : 1;
    int c = strcmp(a->cat, b->cat);
    if (c)
        return c;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Builds the drawn nodes and edges: summarised, laid out and numbered. */
static int summarise(html *h, size_t max_nodes)
{
    ct_report *r = h->r;
    size_t n = r->n_nodes;
    h->asset_max = calloc(r->n_assets ? r->n_assets : 1, sizeof(double));
    h->node_map = calloc(n ? n : 1, sizeof(size_t));
    h->edge_map = calloc(r->n_edges ? r->n_edges : 1, sizeof(size_t));
    /* At most n nodes plus one aggregate per group: groups are fewer than n. */
    h->d = calloc(2 * n + 1, sizeof(dnode));
    h->de = calloc(r->n_edges ? r->n_edges : 1, sizeof(dedge));
    size_t *order = calloc(n ? n : 1, sizeof(size_t));
    if (!h->asset_max || !h->node_map || !h->edge_map || !h->d || !h->de || !order) {
        free(order);
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < r->n_edges; i++) {
        double v = rp_u256_double(rp_edge_max(r, &r->edges[i]));
        if (v > h->asset_max[r->edges[i].asset])
            h->asset_max[r->edges[i].asset] = v;
    }
    /* The model's nodes with their weight: the larger of what came in and what went out,
     * each edge counted as its share of its asset's largest edge. */
    uint32_t max_hop = 0;
    for (size_t i = 0; i < n; i++) {
        const rp_node *s = &r->nodes[i];
        dnode *d = &h->d[i];
        d->src = i;
        d->count = 1;
        d->kind = s->kind;
        d->category = s->category;
        d->hop = s->kind == CT_REPORT_ENDPOINT ? UINT32_MAX : s->column;
        d->key = s->key;
        if (d->hop != UINT32_MAX && d->hop > max_hop)
            max_hop = d->hop;
    }
    double *win = calloc(n ? n : 1, sizeof(double)), *wout = calloc(n ? n : 1, sizeof(double));
    if (!win || !wout) {
        free(win);
        free(wout);
        free(order);
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < r->n_edges; i++) {
        const ct_report_edge *e = &r->edges[i];
        double am = h->asset_max[e->asset];
        double w = am > 0 ? rp_u256_double(rp_edge_max(r, e)) / am : 0;
        win[e->to] += w;
        wout[e->from] += w;
    }
    for (size_t i = 0; i < n; i++)
        h->d[i].weight = win[i] > wout[i] ? win[i] : wout[i];
    free(win);
    free(wout);
    /* Groups: (hop, "") for sources and hops, (endpoints, category) for endpoints, numbered
     * over the nodes sorted by (hop, category, index). */
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    size_t n_groups = 0;
    {
        gk *k = calloc(n ? n : 1, sizeof(gk));
        if (!k) {
            free(order);
            return CT_ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            k[i].hop = h->d[i].hop;
            k[i].cat = h->d[i].hop == UINT32_MAX && h->d[i].category ? h->d[i].category : "";
            k[i].idx = i;
        }
        qsort(k, n, sizeof(gk), cmp_gk);
        for (size_t i = 0; i < n; i++) {
            if (i == 0 || k[i].hop != k[i - 1].hop || strcmp(k[i].cat, k[i - 1].cat) != 0)
                n_groups++;
            h->d[k[i].idx].group = n_groups - 1;
        }
        free(k);
    }
    /* Which nodes are kept: the K heaviest, K as large as fits with one aggregate per group
     * that loses a node. */
    if (sort_ctx(order, n, sizeof(size_t), cmp_rank_idx, h->d)) {
        free(order);
        return CT_ENOMEM;
    }
    size_t keep = n;
    if (max_nodes && n > max_nodes) {
        bool *hit = calloc(n_groups ? n_groups : 1, sizeof(bool));
        if (!hit) {
            free(order);
            return CT_ENOMEM;
        }
        for (keep = max_nodes; keep > 0; keep--) {
            memset(hit, 0, n_groups ? n_groups : 1);
            size_t drops = 0;
            for (size_t i = keep; i < n; i++)
                if (!hit[h->d[order[i]].group]) {
                    hit[h->d[order[i]].group] = true;
                    drops++;
                }
            if (keep + drops <= max_nodes)
                break;
        }
        free(hit);
    }
    /* Drawn nodes: the kept ones in place, an aggregate per group past them. */
    size_t *agg = malloc((n_groups ? n_groups : 1) * sizeof(size_t));
    if (!agg) {
        free(order);
        return CT_ENOMEM;
    }
    for (size_t g = 0; g < n_groups; g++)
        agg[g] = CT_REPORT_NONE;
    bool *kept = calloc(n ? n : 1, sizeof(bool));
    if (!kept) {
        free(agg);
        free(order);
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < keep; i++)
        kept[order[i]] = true;
    size_t *grp = malloc((n ? n : 1) * sizeof(size_t));
    if (!grp) {
        free(kept);
        free(agg);
        free(order);
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        grp[i] = h->d[i].group;
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) /* kept nodes keep their relative order of the model */
        if (kept[i]) {
            h->d[nd] = h->d[i];
            h->node_map[i] = nd++;
        }
    for (size_t i = 0; i < n; i++) {
        if (kept[i])
            continue;
        const rp_node *s = &r->nodes[i];
        size_t g = grp[i];
        if (agg[g] == CT_REPORT_NONE) {
            dnode *x = &h->d[nd];
            memset(x, 0, sizeof(*x));
            x->src = CT_REPORT_NONE;
            x->kind = s->kind;
            x->category = s->category;
            x->hop = s->kind == CT_REPORT_ENDPOINT ? UINT32_MAX : s->column;
            x->key = s->key; /* the first member: ties only */
            x->group = g;
            agg[g] = nd++;
        }
        h->d[agg[g]].count++;
        h->node_map[i] = agg[g];
        h->aggregated++;
    }
    free(grp);
    free(kept);
    free(agg);
    free(order);
    h->n_d = nd;
    /* Drawn edges: model edges between drawn nodes, merged per (from, to, asset). */
    size_t nde = 0;
    ct_hmap emap;
    ct_hmap_init(&emap);
    for (size_t i = 0; i < r->n_edges; i++) {
        const ct_report_edge *e = &r->edges[i];
        size_t a = h->node_map[e->from], b = h->node_map[e->to];
        if (a == b) { /* inside one aggregate */
            h->edge_map[i] = CT_REPORT_NONE;
            continue;
        }
        size_t k = CT_REPORT_NONE;
        uint64_t key[3] = {a, b, e->asset}, v;
        if (ct_hmap_get(&emap, key, sizeof(key), &v)) {
            k = (size_t)v;
        } else {
            if (ct_hmap_put(&emap, key, sizeof(key), nde)) {
                ct_hmap_release(&emap);
                return CT_ENOMEM;
            }
            k = nde++;
            dedge *x = &h->de[k];
            x->from = a;
            x->to = b;
            x->asset = e->asset;
            x->time = e->time;
            x->height = e->height;
        }
        dedge *x = &h->de[k];
        add_amounts(x->amount, &x->has, e->amount, e->has);
        if (e->time < x->time || (e->time == x->time && e->height < x->height)) {
            x->time = e->time;
            x->height = e->height;
        }
        x->merged++;
        h->edge_map[i] = k;
        add_amounts(h->d[b].in, &h->d[b].in_has, e->amount, e->has);
        add_amounts(h->d[a].out, &h->d[a].out_has, e->amount, e->has);
    }
    ct_hmap_release(&emap);
    h->n_de = nde;
    /* Drawn columns: the hops that have nodes, in order, then the endpoints. */
    h->col_hop = calloc((size_t)max_hop + 2, sizeof(uint32_t));
    if (!h->col_hop)
        return CT_ENOMEM;
    bool *used = calloc((size_t)max_hop + 2, sizeof(bool));
    if (!used)
        return CT_ENOMEM;
    bool endpoints = false;
    for (size_t i = 0; i < nd; i++) {
        if (h->d[i].hop == UINT32_MAX)
            endpoints = true;
        else
            used[h->d[i].hop] = true;
    }
    uint32_t *col_of = calloc((size_t)max_hop + 2, sizeof(uint32_t));
    if (!col_of) {
        free(used);
        return CT_ENOMEM;
    }
    h->n_cols = 0;
    for (uint32_t c = 0; c <= max_hop; c++)
        if (used[c]) {
            col_of[c] = h->n_cols;
            h->col_hop[h->n_cols++] = c;
        }
    if (endpoints)
        h->col_hop[h->n_cols++] = UINT32_MAX;
    for (size_t i = 0; i < nd; i++)
        h->d[i].column = h->d[i].hop == UINT32_MAX ? h->n_cols - 1 : col_of[h->d[i].hop];
    free(used);
    free(col_of);
    return CT_OK;
}

/* Positions: each column stacked from the top in its order; endpoints under a heading per
 * category. Then the edges numbered in time order. */
static int layout(html *h)
{
    size_t *idx = malloc((h->n_d ? h->n_d : 1) * sizeof(size_t));
    if (!idx)
        return CT_ENOMEM;
    double tallest = 0;
    for (uint32_t c = 0; c < h->n_cols; c++) {
        size_t k = 0;
        for (size_t i = 0; i < h->n_d; i++)
            if (h->d[i].column == c)
                idx[k++] = i;
        if (sort_ctx(idx, k, sizeof(size_t), cmp_in_column, h->d)) {
            free(idx);
            return CT_ENOMEM;
        }
        double y = TOP;
        const char *cat = NULL;
        for (size_t j = 0; j < k; j++) {
            dnode *d = &h->d[idx[j]];
            if (h->col_hop[c] == UINT32_MAX &&
                (j == 0 || strcmp(cat ? cat : "", d->category ? d->category : "") != 0)) {
                y += GROUP_H;
                cat = d->category;
            }
            d->x = LEFT + (double)c * (NODE_W + COL_GAP);
            d->y = y;
            y += NODE_H + NODE_GAP;
        }
        if (y > tallest)
            tallest = y;
    }
    free(idx);
    h->width = LEFT * 2 + (double)(h->n_cols ? h->n_cols : 1) * (NODE_W + COL_GAP) - COL_GAP;
    h->height = tallest + 10;
    /* Numbers in time order; ties by position. The order of h->de changes: remap. */
    size_t *pos = malloc((h->n_de ? h->n_de : 1) * sizeof(size_t));
    if (!pos)
        return CT_ENOMEM;
    for (size_t i = 0; i < h->n_de; i++)
        h->de[i].number = i; /* remember the old index */
    if (sort_ctx(h->de, h->n_de, sizeof(dedge), cmp_edge_time, h->d)) {
        free(pos);
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < h->n_de; i++) {
        pos[h->de[i].number] = i;
        h->de[i].number = i + 1;
    }
    for (size_t i = 0; i < h->r->n_edges; i++)
        if (h->edge_map[i] != CT_REPORT_NONE)
            h->edge_map[i] = pos[h->edge_map[i]];
    free(pos);
    return CT_OK;
}

/* ---- drawing ---- */
/* An amount short enough for a node: at most 8 decimals and 11 digits in all, else
 * d.dddde+N of the whole units (or base units when the decimals are unknown); the symbol
 * cut to 12 characters; exact amounts are in the tooltips and tables. */
static void compact_amount(const ct_report *r, char *out, size_t cap, size_t asset,
                           const ct_u256 *v)
{
    char dec[96];
    size_t n = ct_u256_to_dec(dec, sizeof(dec), v);
    const rp_asset *a = &r->assets[asset];
    unsigned d = a->known ? a->decimals : 0;
    char num[256];
    size_t ip = n > d ? n - d : 1; /* digits of the whole part */
    if (ip > 11) {
        snprintf(num, sizeof(num), "%c.%.3se+%zu", dec[0], dec + 1, ip - 1);
    } else {
        char full[200];
        rp_amount(r, full, sizeof(full), asset, v, false);
        char *sp = strchr(full, ' ');
        if (sp)
            *sp = '\0';
        size_t keep = ip + 1 + (11 - ip < 8 ? 11 - ip : 8); /* whole part, dot, decimals */
        if (d == 0 || strlen(full) <= keep)
            snprintf(num, sizeof(num), "%s", full);
        else
            snprintf(num, sizeof(num), "%.*s", (int)keep, full);
    }
    char sym[64];
    size_t k = 0, chars = 0;
    const char *sy = a->symbol;
    while (sy[k] && chars < 12) {
        k++;
        while ((sy[k] & 0xc0) == 0x80)
            k++;
        chars++;
    }
    snprintf(sym, sizeof(sym), "%.*s%s", (int)k, sy, sy[k] ? "…" : "");
    snprintf(out, cap, "%s %s", num, sym);
}

/* "lo – hi SYM" over the measures that carried something, or "SYM x" when they agree. */
static void put_range(html *h, size_t asset, const ct_u256 *v, unsigned has)
{
    const ct_u256 *lo = NULL, *hi = NULL;
    for (size_t m = 0; m < h->r->n_measures; m++) {
        if (!(has & (1u << m)))
            continue;
        if (!lo || ct_u256_cmp(&v[m], lo) < 0)
            lo = &v[m];
        if (!hi || ct_u256_cmp(&v[m], hi) > 0)
            hi = &v[m];
    }
    if (!lo)
        return;
    char a[400], b[400];
    compact_amount(h->r, a, sizeof(a), asset, lo);
    if (ct_u256_cmp(lo, hi) == 0) {
        put_text(h->f, a);
        return;
    }
    compact_amount(h->r, b, sizeof(b), asset, hi);
    /* the symbol once: "lo – hi SYM" */
    char *sp = strchr(a, ' ');
    if (sp)
        *sp = '\0';
    put_text(h->f, a);
    fputs(" – ", h->f);
    put_text(h->f, b);
}

/* Per measure, "name: amount" lines for a tooltip. */
static void put_measures(html *h, size_t asset, const ct_u256 *v, unsigned has)
{
    for (size_t m = 0; m < h->r->n_measures; m++) {
        char a[256];
        fputc('\n', h->f);
        put_text(h->f, h->r->measures[m]);
        fputs(": ", h->f);
        if (has & (1u << m)) {
            rp_amount(h->r, a, sizeof(a), asset, &v[m], false);
            put_text(h->f, a);
        } else {
            fputs("—", h->f);
        }
    }
}

static const char *kind_class(ct_report_node_kind k)
{
    switch (k) {
    case CT_REPORT_SOURCE:
        return "source";
    case CT_REPORT_TX:
        return "tx";
    case CT_REPORT_ADDRESS:
        return "address";
    default:
        return "endpoint";
    }
}

static void draw_node(html *h, size_t i)
{
    FILE *f = h->f;
    const dnode *d = &h->d[i];
    const rp_node *s = d->src != CT_REPORT_NONE ? &h->r->nodes[d->src] : NULL;
    bool agg = !s;
    const char *fill = d->kind == CT_REPORT_SOURCE    ? "#fde8e8"
                       : d->kind == CT_REPORT_TX      ? "#ffffff"
                       : d->kind == CT_REPORT_ADDRESS ? "#eef3fb"
                                                      : "#ffffff";
    const char *stroke = d->kind == CT_REPORT_SOURCE     ? "#b71c1c"
                         : d->kind == CT_REPORT_ENDPOINT ? category_colour(d->category)
                                                         : "#78869a";
    fprintf(f, "<g class=\"node node-%s%s\" id=\"%sn%zu\"", kind_class(d->kind),
            agg ? " node-more" : "", h->idp, i + 1);
    if (d->kind == CT_REPORT_ENDPOINT) {
        fputs(" data-category=\"", f);
        put_text(f, d->category);
        fputc('"', f);
    }
    fputs("><title>", f);
    if (agg) {
        fprintf(f, "%zu more %s, aggregated", d->count,
                d->kind == CT_REPORT_TX ? "transactions" : "addresses");
    } else {
        put_text(f, s->detail ? s->detail : s->label);
    }
    unsigned has = d->kind == CT_REPORT_SOURCE ? d->out_has : d->in_has;
    const ct_u256 *v = d->kind == CT_REPORT_SOURCE ? d->out : d->in;
    /* the node's asset: that of its first drawn edge */
    size_t asset = 0;
    for (size_t e = 0; e < h->n_de; e++)
        if (h->de[e].to == i || h->de[e].from == i) {
            asset = h->de[e].asset;
            break;
        }
    if (has)
        put_measures(h, asset, v, has);
    fputs("</title>", f);
    bool bridge = d->category && strcmp(d->category, "bridge") == 0;
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" rx=\"5\" fill=\"%s\" "
            "stroke=\"%s\" stroke-width=\"%s\"%s/>",
            d->x, d->y, NODE_W, NODE_H, fill, stroke, d->kind == CT_REPORT_ENDPOINT ? "2" : "1.2",
            agg ? " stroke-dasharray=\"4 3\"" : "");
    double tx = d->x + 8;
    if (d->kind == CT_REPORT_ENDPOINT) /* a band of the category's colour */
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"%d\" fill=\"%s\"/>", d->x,
                d->y, NODE_H, stroke);
    if (bridge) { /* a chain change: a bridge, deck and arch */
        fprintf(f, "<path class=\"bridge\" d=\"M%.1f %.1fh26v13h-4q-9-10-18 0h-4z\" fill=\"%s\"/>",
                d->x + 12, d->y + 5, stroke);
        tx = d->x + 42;
    } else if (d->kind == CT_REPORT_ENDPOINT) {
        tx = d->x + 12;
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"l1\">", tx, d->y + 16);
    if (agg)
        fprintf(f, "%zu more %s", d->count, d->kind == CT_REPORT_TX ? "transactions" : "addresses");
    else
        put_text_cut(f, s->label, bridge ? LABEL_CHARS - 5 : LABEL_CHARS);
    /* the second line under the bridge too */
    fprintf(f, "</text><text x=\"%.1f\" y=\"%.1f\" class=\"l2\">", bridge ? d->x + 12 : tx,
            d->y + 31);
    if (has)
        put_range(h, asset, v, has);
    fputs("</text></g>\n", f);
}

static double edge_width(const html *h, const dedge *e)
{
    double am = h->asset_max[e->asset];
    double v = 0;
    for (size_t m = 0; m < h->r->n_measures; m++) {
        double x = (e->has & (1u << m)) ? rp_u256_double(&e->amount[m]) : 0;
        if (x > v)
            v = x;
    }
    return 1.5 + 10.5 * (am > 0 ? sqrt(v / am) : 0);
}

static void draw_edge(html *h, const dedge *e)
{
    FILE *f = h->f;
    const dnode *a = &h->d[e->from], *b = &h->d[e->to];
    double x1 = a->x + NODE_W, y1 = a->y + NODE_H / 2.0, x2 = b->x, y2 = b->y + NODE_H / 2.0;
    double bend = x2 > x1 ? (x2 - x1) / 2 : 80;
    fprintf(f,
            "<g class=\"edge\" id=\"%se%zu\" data-from=\"%sn%zu\" data-to=\"%sn%zu\"><title>#%zu ",
            h->idp, e->number, h->idp, e->from + 1, h->idp, e->to + 1, e->number);
    char t[32];
    rp_iso_time(t, e->time);
    fprintf(f, "from height %u, %s", e->height, t);
    if (e->merged > 1)
        fprintf(f, " (%zu flows)", e->merged);
    put_measures(h, e->asset, e->amount, e->has);
    fprintf(f,
            "</title><path d=\"M%.1f %.1fC%.1f %.1f %.1f %.1f %.1f %.1f\" fill=\"none\" "
            "stroke=\"%s\" stroke-opacity=\"0.55\" stroke-width=\"%.2f\"/>",
            x1, y1, x1 + bend, y1, x2 - bend, y2, x2, y2, asset_colour(e->asset), edge_width(h, e));
    /* The number at the middle of the curve (a cubic's point at t = 1/2). */
    double cx = 0.125 * x1 + 0.375 * (x1 + bend) + 0.375 * (x2 - bend) + 0.125 * x2;
    double cy = 0.5 * y1 + 0.5 * y2;
    fprintf(f,
            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"9\" fill=\"#fff\" stroke=\"%s\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" class=\"num\">%zu</text></g>\n",
            cx, cy, asset_colour(e->asset), cx, cy + 3.5, e->number);
}

static const char css[] =
    "body{font-family:sans-serif;margin:24px;color:#1a1a1a;background:#fff}"
    "h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 6px}"
    "h3{font-size:15px;margin:20px 0 4px}p{margin:4px 0;max-width:70em}"
    ".note{color:#444;font-size:13px}.warn{color:#b00020;font-weight:bold}"
    ".pic{overflow:auto;border:1px solid #ddd;background:#fcfcfc}"
    "svg text{font-family:sans-serif}.l1{font-size:12px;fill:#111}"
    ".l2{font-size:11px;fill:#555}.num{font-size:10px;text-anchor:middle;fill:#111}"
    ".col{font-size:13px;font-weight:bold;fill:#333}.grp{font-size:12px;font-weight:bold}"
    "table{border-collapse:collapse;font-size:12px;margin:4px 0 8px}"
    "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;"
    "min-width:3em;max-width:34em;overflow-wrap:break-word;word-break:break-word}"
    "th{word-break:normal}"
    "th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}td.m{font-family:monospace;word-break:break-all}"
    ".legend span{display:inline-block;margin:2px 10px 2px 0;font-size:12px}"
    ".legend i{display:inline-block;width:14px;height:10px;margin-right:4px;"
    "vertical-align:middle}";

static void draw_picture(html *h, size_t max_nodes)
{
    FILE *f = h->f;
    ct_report *r = h->r;
    fprintf(f, "<section id=\"%spicture\"><h%d>Flows</h%d>\n<p class=\"note\">", h->idp,
            h->part ? 3 : 2, h->part ? 3 : 2);
    fprintf(f,
            "Sources on the left, one column per hop, endpoints on the right grouped by "
            "category. Edges are numbered in time order (the evidence table names them); an "
            "edge is as wide as 1.5 px + 10.5 px &#215; &#8730;(its amount &#247; the largest "
            "edge amount of its asset), its amount being the largest over the %s; its colour "
            "is its asset's. Hover a node or an edge for its amounts.",
            r->n_measures > 1 ? "models" : "model");
    fputs("</p>\n", f);
    if (h->aggregated)
        fprintf(f,
                "<p class=\"note summary\">Summarised: %zu of the %zu nodes are drawn one by "
                "one (about %zu at most), the other %zu are aggregated into &#8220;N "
                "more&#8221; nodes per column and category; the tables list them all.</p>\n",
                r->n_nodes - h->aggregated, r->n_nodes, max_nodes, h->aggregated);
    fprintf(f,
            "<div class=\"pic\"><svg width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" data-nodes=\"%zu\" "
            "data-edges=\"%zu\">\n",
            h->width, h->height, h->width, h->height, h->n_d, h->n_de);
    for (uint32_t c = 0; c < h->n_cols; c++) {
        double x = LEFT + (double)c * (NODE_W + COL_GAP);
        fprintf(f, "<text class=\"col\" x=\"%.1f\" y=\"20\">", x);
        if (h->col_hop[c] == UINT32_MAX)
            fputs("endpoints", f);
        else if (h->col_hop[c] == 0)
            fputs("sources", f);
        else
            fprintf(f, "hop %u", h->col_hop[c]);
        fputs("</text>\n", f);
    }
    /* Category headings of the endpoint column, above each group's topmost node. */
    for (size_t i = 0; i < h->n_d; i++) {
        const dnode *d = &h->d[i];
        if (d->hop != UINT32_MAX)
            continue;
        bool top = true;
        for (size_t j = 0; j < h->n_d && top; j++)
            if (j != i && h->d[j].hop == UINT32_MAX && h->d[j].y < d->y &&
                strcmp(h->d[j].category ? h->d[j].category : "", d->category ? d->category : "") ==
                    0)
                top = false;
        if (!top)
            continue;
        fprintf(f, "<text class=\"grp\" x=\"%.1f\" y=\"%.1f\" fill=\"%s\">", d->x, d->y - 7,
                category_colour(d->category));
        put_text_cut(f, d->category, LABEL_CHARS);
        fputs("</text>\n", f);
    }
    for (size_t i = 0; i < h->n_de; i++)
        draw_edge(h, &h->de[i]);
    for (size_t i = 0; i < h->n_d; i++)
        draw_node(h, i);
    fputs("</svg></div>\n<p class=\"legend\">", f);
    for (size_t a = 0; a < r->n_assets; a++) {
        fprintf(f, "<span><i style=\"background:%s\"></i>", asset_colour(a));
        put_text_cut(f, r->assets[a].symbol, 44);
        fputs("</span>", f);
    }
    /* the categories drawn, in their order */
    for (size_t c = 0; c <= N_CATEGORY_COLOURS; c++) {
        for (size_t i = 0; i < h->n_d; i++) {
            const dnode *d = &h->d[i];
            if (d->hop != UINT32_MAX || category_rank(d->category) != c)
                continue;
            bool first = true;
            for (size_t j = 0; j < i; j++)
                if (h->d[j].hop == UINT32_MAX && strcmp(h->d[j].category ? h->d[j].category : "",
                                                        d->category ? d->category : "") == 0)
                    first = false;
            if (!first)
                continue;
            fprintf(f, "<span><i style=\"background:%s\"></i>", category_colour(d->category));
            put_text_cut(f, d->category, LABEL_CHARS);
            fputs("</span>", f);
        }
    }
    fputs("</p></section>\n", f);
}

static void draw_table(html *h, const rp_table *t)
{
    FILE *f = h->f;
    fputs("<section class=\"table\"><h3>", f);
    put_text(f, t->title);
    fputs("</h3>\n", f);
    if (t->note) {
        fputs("<p class=\"note\">", f);
        put_text(f, t->note);
        fputs("</p>\n", f);
    }
    fputs("<table><thead><tr>", f);
    if (t->edge_column)
        fputs("<th>edge</th>", f);
    for (size_t c = 0; c < t->n_cols; c++) {
        fputs("<th>", f);
        put_text(f, t->cols[c]);
        fputs("</th>", f);
    }
    fputs("</tr></thead><tbody>\n", f);
    for (size_t i = 0; i < t->n_rows; i++) {
        fputs("<tr>", f);
        if (t->edge_column) {
            size_t e = t->edge[i];
            size_t d = e != CT_REPORT_NONE ? h->edge_map[e] : CT_REPORT_NONE;
            if (d != CT_REPORT_NONE)
                fprintf(f, "<td class=\"n\"><a href=\"#%se%zu\">#%zu</a></td>", h->idp,
                        h->de[d].number, h->de[d].number);
            else
                fputs("<td></td>", f);
        }
        for (size_t c = 0; c < t->n_cols; c++) {
            const char *v = t->cells[i * t->n_cols + c];
            fprintf(f, "<td%s>", (t->numeric >> c) & 1u ? " class=\"n\"" : "");
            if (v)
                put_text(f, v);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    if (t->footer) {
        fputs("<p class=\"note\">", f);
        put_text(f, t->footer);
        fputs("</p>\n", f);
    }
    fputs("</section>\n", f);
}

/* The page's head, its <body> and the h1 of `title`. */
static void page_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n<meta name=\"generator\" content=\"chaintrail\">\n"
          "<title>",
          f);
    put_text(f, title);
    fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1>", css);
    put_text(f, title);
    fputs("</h1>\n", f);
}

/* One model: its notes, its picture and its tables; in a part of a page (idp not ""), a
 * section headed by the model's title, and the picture only when it has nodes. Adds the
 * drawn counts to *st. */
static int write_model(ct_report *r, FILE *f, const char *idp, ct_report_html_stats *st,
                       size_t max_nodes, ct_error *err)
{
    html h;
    memset(&h, 0, sizeof(h));
    h.r = r;
    h.f = f;
    h.idp = idp;
    h.part = idp[0] != '\0';
    int rc = summarise(&h, max_nodes);
    if (rc == CT_OK)
        rc = layout(&h);
    if (rc != CT_OK) {
        html_release(&h);
        return ct_fail(err, rc, "out-of-memory", "out of memory laying out the picture");
    }
    if (h.part) {
        fputs("<section class=\"part\"><h2>", f);
        put_text(f, r->title);
        fputs("</h2>\n", f);
    }
    for (size_t i = 0; i < r->n_notes; i++) {
        bool warn = strncmp(r->notes[i], "INCOMPLETE", 10) == 0;
        fprintf(f, "<p class=\"%s\">", warn ? "warn" : "note");
        put_text(f, r->notes[i]);
        fputs("</p>\n", f);
    }
    if (!h.part || r->n_nodes)
        draw_picture(&h, max_nodes);
    for (size_t t = 0; t < r->n_tables; t++)
        draw_table(&h, &r->tables[t]);
    if (h.part)
        fputs("</section>\n", f);
    st->nodes += h.n_d;
    st->edges += h.n_de;
    st->nodes_in += r->n_nodes;
    st->edges_in += r->n_edges;
    st->aggregated += h.aggregated;
    html_release(&h);
    return CT_OK;
}

int ct_report_html_write(ct_report *r, FILE *f, ct_report_html_stats *stats,
                         const ct_report_html_options *o, ct_error *err)
{
    size_t max_nodes = o && o->max_nodes ? o->max_nodes : CT_REPORT_MAX_NODES;
    ct_report_html_stats st;
    memset(&st, 0, sizeof(st));
    page_begin(f, r->title);
    int rc = write_model(r, f, "", &st, max_nodes, err);
    if (rc != CT_OK)
        return rc;
    fputs("</body></html>\n", f);
    if (stats)
        *stats = st;
    if (ferror(f))
        return ct_fail(err, CT_EIO, "cannot-write", "cannot write the HTML");
    return CT_OK;
}

int ct_report_html_write_parts(ct_report *const *parts, size_t n, const char *title, FILE *f,
                               ct_report_html_stats *stats, const ct_report_html_options *o,
                               ct_error *err)
{
    size_t max_nodes = o && o->max_nodes ? o->max_nodes : CT_REPORT_MAX_NODES;
    ct_report_html_stats st;
    memset(&st, 0, sizeof(st));
    page_begin(f, title);
    for (size_t i = 0; i < n; i++) {
        char idp[32];
        snprintf(idp, sizeof(idp), "p%zu-", i + 1);
        int rc = write_model(parts[i], f, idp, &st, max_nodes, err);
        if (rc != CT_OK)
            return rc;
    }
    fputs("</body></html>\n", f);
    if (stats)
        *stats = st;
    if (ferror(f))
        return ct_fail(err, CT_EIO, "cannot-write", "cannot write the HTML");
    return CT_OK;
}

/* Writes through the safe file writer: `parts` NULL for the one model r. */
static int write_path(ct_report *r, ct_report *const *parts, size_t n, const char *title,
                      const char *path, ct_report_html_stats *stats,
                      const ct_report_html_options *o, ct_error *err)
{
    ex_out out;
    int rc = ex_out_begin(&out, path, false, o && o->force, err);
    if (rc != CT_OK)
        return rc;
    FILE *f = NULL;
    if ((rc = ex_out_create(&out, &f, NULL, err)) != CT_OK) {
        ex_out_abort(&out);
        return rc;
    }
    rc = parts ? ct_report_html_write_parts(parts, n, title, f, stats, o, err)
               : ct_report_html_write(r, f, stats, o, err);
    int crc = ex_out_close_file(f, "the HTML", rc == CT_OK ? err : NULL);
    if (rc == CT_OK)
        rc = crc;
    if (rc == CT_OK)
        rc = ex_out_commit(&out, err);
    if (rc != CT_OK)
        ex_out_abort(&out);
    else
        ex_out_release(&out);
    return rc;
}

int ct_report_html_write_parts_path(ct_report *const *parts, size_t n, const char *title,
                                    const char *path, ct_report_html_stats *stats,
                                    const ct_report_html_options *o, ct_error *err)
{
    return write_path(NULL, parts, n, title, path, stats, o, err);
}

int ct_report_html_write_path(ct_report *r, const char *path, ct_report_html_stats *stats,
                              const ct_report_html_options *o, ct_error *err)
{
    return write_path(r, NULL, 0, NULL, path, stats, o, err);
}
