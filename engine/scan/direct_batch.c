/* Direct exposure of all the customers at once (docs/scan.md "Speed"): instead of reading
 * every customer's history, read the history of every labelled address the policy screens,
 * and look each counterparty up in the customers' index. The work grows with the labelled
 * addresses' activity, not with the number of customers; the findings are those of
 * ct_scan_direct (scan_direct.c), in the same order (tests/test_scan_exposure.c compares
 * them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/hmap.h"
#include "base/util.h"
#include "chaintrail/cluster.h"
#include "chaintrail/scan.h"
#include "scan/direct_state.h"
#include "scan/indirect_state.h"
#include "scan/scan_internal.h"

typedef unsigned __int128 u128;

typedef struct cust {
    u128 received, sent;
    const char *address;
    size_t *rows; /* the rows picked */
    size_t n_rows;
} cust;

/* The raw sums of one (customer address, direction, labelled address): what the state keeps
 * (direct_state.h) and the findings of every row of the address are made of. */
typedef struct dent {
    size_t ci, li;
    ct_dexp x;
} dent;

typedef struct lab {
    char *address;
    ct_label_category category;
    char *label, *source;
} lab;

/* Where a finding first appeared, for the order of ct_scan_direct. */
typedef struct fkey {
    size_t row;
    uint32_t height, index; /* first transaction */
    unsigned dir_rank;      /* incoming before outgoing in one transaction */
    uint32_t pos;           /* the counterparty's first input (incoming) or output */
    size_t item;
} fkey;

typedef struct batch {
    ct_db *db;
    const ct_scan_policy *p;
    ct_scan_findings *out;
    ct_hmap cix; /* customer address key -> index in c */
    cust *c;
    size_t n_c, cap_c;
    lab *l;
    size_t n_l, cap_l;
    ct_hmap lix;          /* labelled address key -> index in l */
    ct_hmap lall;         /* the same for every address of l, with clusters' members */
    ct_trace_graph *base; /* with clusters: their attribution (cluster_of); else NULL */
    dent *e;
    size_t n_e, cap_e;
    ct_hmap eix; /* (customer index, direction, labelled index) -> index in e */
    fkey *keys;
    size_t cap_keys;
    const bool *pick; /* rows screened (NULL: all) */
    bool all;         /* index the addresses of the rows not picked too (for the state) */
    bool stale;       /* the stored state names an address not found now */
    ct_labels_reader *lr;
    ct_label_list list;
    ct_scan_tx_bufs io;
    ct_trace_pricing *pricing; /* NULL: no USD */
    ct_error *err;
} batch;

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static bool find_cust(const batch *b, const char *a, size_t *i)
{
    uint8_t key[CT_HMAP_KEY_MAX];
    uint64_t v;
    if (!a[0] || !ct_hmap_get(&b->cix, key, ct_scan_addr_key(key, a), &v))
        return false;
    *i = (size_t)v;
    return true;
}

static int index_customers(batch *b, const ct_scan_customers *cs)
{
    for (size_t r = 0; r < cs->count; r++) {
        const ct_scan_customer *cu = &cs->items[r];
        bool picked = !b->pick || b->pick[r];
        if (!picked && !b->all)
            continue;
        if (cu->chain != CT_SCAN_BITCOIN) {
            b->out->not_chain += picked;
            continue;
        }
        b->out->screened += picked;
        size_t i;
        if (!find_cust(b, cu->address, &i)) {
            ct_graph_address ga;
            int rc = ct_graph_address_get(b->db, &ga, cu->address, b->err);
            if (rc == CT_ENOTFOUND) {
                b->out->not_seen += picked;
                if (b->err)
                    ct_error_clear(b->err);
                continue;
            }
            if (rc != CT_OK)
                return rc;
            if (b->n_c == b->cap_c) {
                size_t cap = b->cap_c ? 2 * b->cap_c : 64;
                cust *n = realloc(b->c, cap * sizeof(*n));
                if (!n) {
                    ct_graph_address_release(&ga);
                    return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan customers");
                }
                b->c = n;
                b->cap_c = cap;
            }
            i = b->n_c++;
            b->c[i] =
                (cust){.received = ga.received_sat, .sent = ga.sent_sat, .address = cu->address};
            ct_graph_address_release(&ga);
            uint8_t key[CT_HMAP_KEY_MAX];
            if (ct_hmap_put(&b->cix, key, ct_scan_addr_key(key, cu->address), i) != CT_OK)
                return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan customers");
        }
        cust *c = &b->c[i];
        if (!picked)
            continue;
        size_t *rows = realloc(c->rows, (c->n_rows + 1) * sizeof(*rows));
        if (!rows)
            return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan customers");
        c->rows = rows;
        c->rows[c->n_rows++] = r;
    }
    return CT_OK;
}

/* One labelled address: kept when the policy screens its attribution with direct exposure. */
static int add_labelled(void *arg, const char *a)
{
    batch *b = arg;
    int rc = ct_labels_reader_get(b->lr, &b->list, a, b->err);
    if (rc != CT_OK || b->list.count == 0)
        return rc;
    size_t li;
    ct_label_category cat = ct_labels_attribution(&b->list, 0, &li);
    const ct_scan_rule *r = &b->p->rules[cat];
    if (r->severity == CT_SCAN_NONE || !(r->exposure & CT_SCAN_DIRECT))
        return CT_OK;
    if (b->n_l == b->cap_l) {
        size_t cap = b->cap_l ? 2 * b->cap_l : 16;
        lab *n = realloc(b->l, cap * sizeof(*n));
        if (!n)
            return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan labels");
        b->l = n;
        b->cap_l = cap;
    }
    lab *l = &b->l[b->n_l++];
    *l = (lab){dup_text(a), cat, dup_text(b->list.items[li].label),
               dup_text(b->list.items[li].source)};
    uint8_t key[CT_HMAP_KEY_MAX];
    if (!l->address || !l->label || !l->source ||
        ct_hmap_put(&b->lix, key, ct_scan_addr_key(key, a), b->n_l - 1) != CT_OK)
        return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan labels");
    return CT_OK;
}

/* With clusters (docs/taint-models.md "Clusters"), the members of a labelled address's
 * cluster that take their attribution from it (no label of their own, and it is the
 * cluster's labelled member) are direct counterparties too: each under its own address,
 * with the attribution of the labelled member. The labelled addresses of l[0..n) are
 * looked at, each cluster once. */
static int expand_clusters(batch *b)
{
    size_t n = b->n_l;
    ct_hmap done;
    ct_hmap_init(&done);
    int rc = CT_OK;
    for (size_t li = 0; rc == CT_OK && li < n; li++) {
        ct_graph_address ga;
        rc = ct_graph_address_get(b->db, &ga, b->l[li].address, b->err);
        if (rc == CT_ENOTFOUND) {
            if (b->err)
                ct_error_clear(b->err);
            rc = CT_OK;
            continue;
        }
        if (rc != CT_OK)
            break;
        uint64_t cid = ga.cluster_id, size = ga.cluster_size, one;
        ct_graph_address_release(&ga);
        uint8_t ck[8];
        ct_put_be64(ck, cid);
        if (size < 2 || ct_hmap_get(&done, ck, sizeof(ck), &one))
            continue;
        if (ct_hmap_put(&done, ck, sizeof(ck), 1) != CT_OK) {
            rc = ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan clusters");
            break;
        }
        ct_cluster_members *mem = NULL;
        if ((rc = ct_cluster_members_new(&mem, b->db, cid, b->err)) != CT_OK)
            break;
        const char *a;
        uint64_t id;
        while ((rc = ct_cluster_members_next(mem, &a, &id, b->err)) == CT_OK) {
            char *member = NULL;
            uint64_t c2, lj;
            if ((rc = b->base->cluster_of(b->base->ctx, id, &c2, &member, b->err)) != CT_OK)
                break;
            uint8_t key[CT_HMAP_KEY_MAX];
            bool found = member && ct_hmap_get(&b->lix, key, ct_scan_addr_key(key, member), &lj);
            free(member);
            if (!found) /* its own labels, or a labelled member the policy does not screen */
                continue;
            if (b->n_l == b->cap_l) {
                size_t cap = 2 * b->cap_l;
                lab *nl = realloc(b->l, cap * sizeof(*nl));
                if (!nl) {
                    rc = ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan clusters");
                    break;
                }
                b->l = nl;
                b->cap_l = cap;
            }
            const lab *m = &b->l[lj];
            lab *l = &b->l[b->n_l++];
            *l = (lab){dup_text(a), m->category, dup_text(m->label), dup_text(m->source)};
            if (!l->address || !l->label || !l->source) {
                rc = ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan clusters");
                break;
            }
        }
        if (rc == CT_EEOF)
            rc = CT_OK;
        ct_cluster_members_free(mem);
    }
    ct_hmap_release(&done);
    return rc;
}

/* The sums of (ci, direction, li), created at tx (pos: the counterparty's first input or
 * output there); NULL when out of memory. */
static ct_dexp *entry(batch *b, size_t ci, unsigned direction, size_t li, const ct_graph_tx *tx,
                      uint32_t pos)
{
    uint8_t key[24];
    uint64_t v;
    ct_put_be64(key, ci);
    ct_put_be64(key + 8, direction);
    ct_put_be64(key + 16, li);
    if (ct_hmap_get(&b->eix, key, sizeof(key), &v))
        return &b->e[v].x;
    if (b->n_e == b->cap_e) {
        size_t cap = b->cap_e ? b->cap_e * 2 : 16;
        dent *n = realloc(b->e, cap * sizeof(*n));
        if (!n)
            return NULL;
        b->e = n;
        b->cap_e = cap;
    }
    if (ct_hmap_put(&b->eix, key, sizeof(key), b->n_e) != CT_OK)
        return NULL;
    dent *d = &b->e[b->n_e++];
    memset(d, 0, sizeof(*d));
    d->ci = ci;
    d->li = li;
    d->x.direction = direction;
    d->x.priced = true;
    d->x.first_height = tx->height;
    d->x.first_time = tx->block_time;
    d->x.first_index = tx->index;
    d->x.first_pos = pos;
    return &d->x;
}

static int add_txid(ct_dexp *e, const uint8_t txid[32])
{
    if (e->n_txids && memcmp(e->txids[e->n_txids - 1], txid, 32) == 0)
        return CT_OK;
    if (e->n_txids == e->cap_txids) {
        size_t cap = e->cap_txids ? e->cap_txids * 2 : 4;
        uint8_t(*t)[32] = realloc(e->txids, cap * sizeof(*t));
        if (!t)
            return CT_ENOMEM;
        e->txids = t;
        e->cap_txids = cap;
    }
    memcpy(e->txids[e->n_txids++], txid, 32);
    return CT_OK;
}

/* The amounts of one (customer address, direction, labelled) in tx, marks set. */
static int record(batch *b, size_t ci, unsigned direction, size_t li, const ct_graph_tx *tx,
                  uint32_t pos)
{
    uint64_t a[CT_MODEL_COUNT];
    int rc = ct_scan_direct_amounts(a, b->io.in_val, b->io.in_src, tx->n_in, b->io.out_val,
                                    b->io.out_dst, tx->n_out, b->err);
    if (rc != CT_OK)
        return rc;
    /* USD at the price of the transaction's day, per model (prices.md) */
    uint64_t cents[CT_MODEL_COUNT] = {0};
    bool priced = b->pricing != NULL;
    for (int m = 0; priced && m < CT_MODEL_COUNT; m++) {
        rc = b->pricing->value(b->pricing->ctx, a[m], tx->block_time, &cents[m], b->err);
        if (rc == CT_ENOTFOUND) {
            priced = false;
            if (b->err)
                ct_error_clear(b->err);
        } else if (rc != CT_OK)
            return rc;
    }
    ct_dexp *e = entry(b, ci, direction, li, tx, pos);
    if (!e || add_txid(e, tx->txid) != CT_OK)
        return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan findings");
    e->last_height = tx->height;
    e->last_time = tx->block_time;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        e->amount[m] += a[m];
        e->usd_cents[m] += cents[m];
    }
    e->priced &= priced;
    return CT_OK;
}

/* The findings of every picked row of each entry's address, with their order keys. */
static int emit(batch *b)
{
    ct_scan_findings *out = b->out;
    for (size_t i = 0; i < b->n_e; i++) {
        const dent *d = &b->e[i];
        const cust *c = &b->c[d->ci];
        const lab *l = &b->l[d->li];
        for (size_t k = 0; k < c->n_rows; k++) {
            if (out->count == out->cap_) {
                size_t cap = out->cap_ ? out->cap_ * 2 : 8;
                ct_scan_finding *n = realloc(out->items, cap * sizeof(*n));
                if (!n)
                    return CT_ENOMEM;
                out->items = n;
                out->cap_ = cap;
            }
            if (out->count == b->cap_keys) {
                size_t cap = b->cap_keys ? b->cap_keys * 2 : 8;
                fkey *n = realloc(b->keys, cap * sizeof(*n));
                if (!n)
                    return CT_ENOMEM;
                b->keys = n;
                b->cap_keys = cap;
            }
            size_t fi = out->count;
            ct_scan_finding *f = &out->items[fi];
            memset(f, 0, sizeof(*f));
            if (d->x.n_txids && !(f->txids = malloc(32 * d->x.n_txids)))
                return CT_ENOMEM;
            out->count++;
            const ct_dexp *x = &d->x;
            b->keys[fi] = (fkey){c->rows[k],     x->first_height,
                                 x->first_index, x->direction == CT_SCAN_INCOMING ? 0 : 1,
                                 x->first_pos,   fi};
            f->customer = c->rows[k];
            f->direction = x->direction;
            f->exposure = CT_SCAN_DIRECT;
            f->hops = 1;
            f->category = l->category;
            f->severity = b->p->rules[l->category].severity;
            snprintf(f->counterparty, sizeof(f->counterparty), "%s", l->address);
            snprintf(f->label, sizeof(f->label), "%s", l->label);
            snprintf(f->source, sizeof(f->source), "%s", l->source);
            f->first_height = x->first_height;
            f->first_time = x->first_time;
            f->last_height = x->last_height;
            f->last_time = x->last_time;
            memcpy(f->amount, x->amount, sizeof(f->amount));
            memcpy(f->usd_cents, x->usd_cents, sizeof(f->usd_cents));
            f->usd_known = x->priced;
            if (x->n_txids)
                memcpy(f->txids, x->txids, 32 * x->n_txids);
            f->n_txids = f->cap_txids_ = x->n_txids;
        }
    }
    return CT_OK;
}

/* One transaction of labelled address li: its customers on the other side. */
static int screen_tx(batch *b, size_t li, const ct_graph_tx *tx)
{
    const char *L = b->l[li].address;
    const ct_scan_rule *r = &b->p->rules[b->l[li].category];
    if (ct_scan_tx_bufs_grow(&b->io, tx->n_in ? tx->n_in : 1, tx->n_out ? tx->n_out : 1) != CT_OK)
        return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan transaction");
    uint32_t l_in = UINT32_MAX, l_out = UINT32_MAX; /* L's first input and output */
    for (uint32_t k = 0; k < tx->n_in; k++) {
        b->io.in_val[k] = tx->in[k].known ? tx->in[k].value : 0;
        if (l_in == UINT32_MAX && strcmp(tx->in[k].address, L) == 0)
            l_in = k;
    }
    for (uint32_t j = 0; j < tx->n_out; j++) {
        b->io.out_val[j] = tx->out[j].value;
        if (l_out == UINT32_MAX && strcmp(tx->out[j].address, L) == 0)
            l_out = j;
    }
    int rc = CT_OK;
    /* Incoming: L's inputs paying each customer's outputs. */
    for (uint32_t j = 0;
         rc == CT_OK && l_in != UINT32_MAX && (r->direction & CT_SCAN_INCOMING) && j < tx->n_out;
         j++) {
        const char *c = tx->out[j].address;
        size_t ci;
        bool seen = false;
        for (uint32_t q = 0; q < j && !seen; q++)
            seen = strcmp(tx->out[q].address, c) == 0;
        if (seen || strcmp(c, L) == 0 || !find_cust(b, c, &ci))
            continue;
        for (uint32_t q = 0; q < tx->n_in; q++)
            b->io.in_src[q] = strcmp(tx->in[q].address, L) == 0;
        for (uint32_t q = 0; q < tx->n_out; q++)
            b->io.out_dst[q] = strcmp(tx->out[q].address, c) == 0;
        rc = record(b, ci, CT_SCAN_INCOMING, li, tx, l_in);
    }
    /* Outgoing: each customer's (known) inputs paying L's outputs. */
    for (uint32_t k = 0;
         rc == CT_OK && l_out != UINT32_MAX && (r->direction & CT_SCAN_OUTGOING) && k < tx->n_in;
         k++) {
        const char *c = tx->in[k].address;
        size_t ci;
        bool seen = false;
        for (uint32_t q = 0; q < k && !seen; q++)
            seen = tx->in[q].known && strcmp(tx->in[q].address, c) == 0;
        if (!tx->in[k].known || seen || strcmp(c, L) == 0 || !find_cust(b, c, &ci))
            continue;
        for (uint32_t q = 0; q < tx->n_in; q++)
            b->io.in_src[q] = tx->in[q].known && strcmp(tx->in[q].address, c) == 0;
        for (uint32_t q = 0; q < tx->n_out; q++)
            b->io.out_dst[q] = strcmp(tx->out[q].address, L) == 0;
        rc = record(b, ci, CT_SCAN_OUTGOING, li, tx, l_out);
    }
    return rc;
}

/* The transactions of labelled address li from transaction number `from` on. */
static int walk_labelled(batch *b, size_t li, uint64_t from)
{
    ct_graph_history *h = NULL;
    int rc = ct_graph_history_from(&h, b->db, b->l[li].address, from, b->err);
    if (rc == CT_ENOTFOUND) {
        if (b->err)
            ct_error_clear(b->err);
        return CT_OK;
    }
    uint8_t last[32];
    bool have_last = false;
    ct_graph_entry e;
    while (rc == CT_OK && (rc = ct_graph_history_next(h, &e, b->err)) == CT_OK) {
        if (have_last && memcmp(last, e.txid, 32) == 0)
            continue;
        memcpy(last, e.txid, 32);
        have_last = true;
        ct_graph_tx tx;
        if ((rc = ct_graph_tx_get(b->db, &tx, e.txid, b->err)) != CT_OK)
            break;
        rc = screen_tx(b, li, &tx);
        ct_graph_tx_release(&tx);
    }
    if (rc == CT_EEOF)
        rc = CT_OK;
    ct_graph_history_free(h);
    return rc;
}

static int cmp_fkey(const void *x, const void *y)
{
    const fkey *a = x, *b = y;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    if (a->height != b->height)
        return a->height < b->height ? -1 : 1;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    if (a->dir_rank != b->dir_rank)
        return a->dir_rank < b->dir_rank ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Order as ct_scan_direct, then ranges, shares and thresholds. */
static int settle(batch *b, const ct_scan_customers *cs)
{
    ct_scan_findings *out = b->out;
    if (out->count == 0)
        return CT_OK;
    qsort(b->keys, out->count, sizeof(*b->keys), cmp_fkey);
    size_t *perm = malloc(out->count * sizeof(*perm));
    if (!perm)
        return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan findings");
    for (size_t i = 0; i < out->count; i++)
        perm[i] = b->keys[i].item;
    ct_scan_permute(out->items, perm, out->count);
    free(perm);
    size_t keep = 0;
    for (size_t i = 0; i < out->count; i++) {
        ct_scan_finding *f = &out->items[i];
        ct_scan_finding_range(f);
        size_t ci = 0;
        bool found = find_cust(b, cs->items[f->customer].address, &ci);
        f->volume = !found                             ? 0
                    : f->direction == CT_SCAN_INCOMING ? b->c[ci].received
                                                       : b->c[ci].sent;
        u128 share = f->volume ? f->high * 1000000 / f->volume : 0;
        f->share_ppm = share > 1000000 ? 1000000 : (uint32_t)share;
        const ct_scan_rule *r = &b->p->rules[f->category];
        if (f->high == 0 || f->high < r->min_sat ||
            f->high * 1000000 < (u128)r->min_share_ppm * f->volume ||
            (f->usd_known && f->usd_high < r->min_usd_cents)) {
            out->below++;
            free(f->txids);
            continue;
        }
        out->items[keep++] = *f;
    }
    out->count = keep;
    return CT_OK;
}

/* ---- nightly runs (docs/scan.md "Incremental direct exposure") ---- */
/* Each stored exposure back into b->e: its customer address and labelled address must be
 * known now, else the state is stale (b->stale). */
static int load_one(void *arg, const char *a, const char *L, ct_dexp *x)
{
    batch *b = arg;
    size_t ci;
    uint8_t key[CT_HMAP_KEY_MAX];
    uint64_t li;
    if (b->stale || !find_cust(b, a, &ci) ||
        !ct_hmap_get(&b->lall, key, ct_scan_addr_key(key, L), &li)) {
        b->stale = true;
        return CT_OK;
    }
    uint8_t ek[24];
    uint64_t v;
    ct_put_be64(ek, ci);
    ct_put_be64(ek + 8, x->direction);
    ct_put_be64(ek + 16, li);
    if (ct_hmap_get(&b->eix, ek, sizeof(ek), &v)) {
        b->stale = true; /* given twice */
        return CT_OK;
    }
    if (b->n_e == b->cap_e) {
        size_t cap = b->cap_e ? b->cap_e * 2 : 16;
        dent *n = realloc(b->e, cap * sizeof(*n));
        if (!n)
            return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "reading the scan state");
        b->e = n;
        b->cap_e = cap;
    }
    if (ct_hmap_put(&b->eix, ek, sizeof(ek), b->n_e) != CT_OK)
        return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "reading the scan state");
    b->e[b->n_e++] = (dent){ci, (size_t)li, *x};
    x->txids = NULL; /* taken */
    return CT_OK;
}

static void drop_entries(batch *b)
{
    for (size_t i = 0; i < b->n_e; i++)
        free(b->e[i].x.txids);
    b->n_e = 0;
    ct_hmap_release(&b->eix);
    ct_hmap_init(&b->eix);
}

/* Whether the stored direct state can be resumed from (run prev_run's, a tip no higher than
 * now, clusters on or off as now, and with clusters no older address gained or changed an
 * attribution through one: ct_istate_clusters_hold), and then its sums in b->e (*resumed).
 * *from: the first transaction number to read (0: all). */
static int resume_load(batch *b, const ct_scan_direct_options *opt, const ct_dstate *now,
                       const ct_scan_istate *now_cl, uint64_t *from, bool *resumed)
{
    *from = 0;
    *resumed = false;
    ct_scan_istate *prev = ct_scan_istate_new();
    if (!prev)
        return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "reading the scan state");
    uint64_t run, next = 0;
    bool clusters = false;
    int rc = ct_dstate_load_head(b->db, &run, &next, &clusters, prev, b->err);
    bool hold = rc == CT_OK && run != 0 && run == opt->prev_run && next <= now->next_txnum &&
                clusters == now->clusters;
    if (hold && clusters)
        rc = ct_istate_clusters_hold(prev, now_cl, b->db, &hold, b->err);
    ct_scan_istate_free(prev);
    if (rc != CT_OK || !hold)
        return rc;
    for (size_t li = 0; li < b->n_l; li++) {
        uint8_t key[CT_HMAP_KEY_MAX];
        if (ct_hmap_put(&b->lall, key, ct_scan_addr_key(key, b->l[li].address), li) != CT_OK)
            return ct_fail(b->err, CT_ENOMEM, "out-of-memory", "reading the scan state");
    }
    if ((rc = ct_dstate_each(b->db, load_one, b, b->err)) != CT_OK)
        return rc;
    if (b->stale) {
        drop_entries(b);
        return CT_OK;
    }
    *from = next;
    *resumed = true;
    return CT_OK;
}

/* The first transaction number after the main-chain tip (0: no block). */
static int next_txnum(uint64_t *out, ct_db *db, ct_error *err)
{
    *out = 0;
    ct_graph_chain_stats cs;
    int rc = ct_graph_stats(db, &cs, err);
    if (rc != CT_OK || !cs.has_tip)
        return rc;
    if ((rc = ct_istate_tip_txnum(out, db, err)) == CT_OK)
        (*out)++;
    return rc;
}

static int cmp_ci(const void *x, const void *y)
{
    const dent *a = x, *b = y;
    return a->ci < b->ci ? -1 : a->ci > b->ci;
}

/* This run's sums into d, one row per customer address (b->e sorted by address after). */
static int save_state(batch *b, ct_dstate *d)
{
    if (b->n_e)
        qsort(b->e, b->n_e, sizeof(*b->e), cmp_ci);
    ct_buf v;
    ct_buf_init(&v, (size_t)1 << 34);
    int rc = CT_OK;
    for (size_t i = 0; rc == CT_OK && i < b->n_e;) {
        size_t j = i;
        ct_buf_reset(&v);
        for (; rc == CT_OK && j < b->n_e && b->e[j].ci == b->e[i].ci; j++)
            rc = ct_dexp_encode(&v, b->l[b->e[j].li].address, &b->e[j].x);
        if (rc == CT_OK)
            rc = ct_dstate_add_row(d, b->c[b->e[i].ci].address, j - i, &v);
        i = j;
    }
    ct_buf_release(&v);
    return rc == CT_OK ? CT_OK : ct_fail(b->err, CT_ENOMEM, "out-of-memory", "scan state");
}

int ct_scan_direct_incr(ct_scan_findings *out, ct_db *db, const ct_scan_customers *customers,
                        const ct_scan_policy *policy, ct_scan_direct_options *opt, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    opt->resumed = false;
    bool want_state = opt->state != NULL;
    batch b = {.db = db, .p = policy, .out = out, .err = err, .pick = opt->pick, .all = want_state};
    int prc = opt->asset ? ct_trace_pricing_db(&b.pricing, db, opt->asset, err) : CT_OK;
    if (prc != CT_OK)
        return prc;
    ct_hmap_init(&b.cix);
    ct_hmap_init(&b.eix);
    ct_hmap_init(&b.lix);
    ct_hmap_init(&b.lall);
    ct_label_list_init(&b.list);
    ct_dstate *ds = NULL;
    ct_scan_istate *now_cl = NULL;
    uint64_t from = 0;
    int rc = index_customers(&b, customers);
    if (rc == CT_OK && b.n_c)
        rc = ct_labels_reader_new(&b.lr, db, err);
    if (rc == CT_OK && b.n_c)
        rc = ct_scan_each_labelled(db, add_labelled, &b, err);
    bool clusters = false;
    if (rc == CT_OK && !opt->no_clusters && (b.n_l || want_state)) {
        rc = ct_trace_graph_db(&b.base, db, err);
        clusters = rc == CT_OK && ct_trace_graph_db_clusters(b.base, NULL) && b.base->cluster_of;
        if (rc == CT_OK && clusters && b.n_l)
            rc = expand_clusters(&b);
    }
    if (rc == CT_OK && want_state) {
        if (!(ds = calloc(1, sizeof(*ds))) || !(now_cl = ct_scan_istate_new()))
            rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "scan state");
        else {
            ct_buf_init(&ds->rows, (size_t)1 << 40);
            ds->clusters = clusters;
            rc = next_txnum(&ds->next_txnum, db, err);
        }
        if (rc == CT_OK && clusters)
            rc = ct_istate_clusters(now_cl, db, err);
        if (rc == CT_OK && opt->resume)
            rc = resume_load(&b, opt, ds, now_cl, &from, &opt->resumed);
    }
    for (size_t li = 0; rc == CT_OK && li < b.n_l; li++)
        rc = walk_labelled(&b, li, from);
    if (rc == CT_OK && ds)
        rc = save_state(&b, ds);
    if (rc == CT_OK && emit(&b) != CT_OK)
        rc = ct_fail(err, CT_ENOMEM, "out-of-memory", "scan findings");
    if (rc == CT_OK)
        rc = settle(&b, customers);
    if (rc == CT_OK && ds) {
        /* the clusters it must still match next time */
        ds->next_addrid = now_cl->next_addrid;
        ds->cl = now_cl->cl;
        ds->n_cl = now_cl->n_cl;
        now_cl->cl = NULL;
        now_cl->n_cl = 0;
        ct_dstate_free(opt->state->direct);
        opt->state->direct = ds;
        ds = NULL;
    }
    ct_dstate_free(ds);
    ct_scan_istate_free(now_cl);
    if (b.lr)
        ct_labels_reader_free(b.lr);
    if (b.pricing)
        ct_trace_pricing_db_free(b.pricing);
    ct_label_list_release(&b.list);
    ct_hmap_release(&b.cix);
    drop_entries(&b);
    ct_hmap_release(&b.eix);
    ct_hmap_release(&b.lix);
    ct_hmap_release(&b.lall);
    free(b.e);
    if (b.base)
        ct_trace_graph_db_free(b.base);
    for (size_t i = 0; i < b.n_c; i++)
        free(b.c[i].rows);
    free(b.c);
    for (size_t i = 0; i < b.n_l; i++) {
        free(b.l[i].address);
        free(b.l[i].label);
        free(b.l[i].source);
    }
    free(b.l);
    free(b.keys);
    ct_scan_tx_bufs_free(&b.io);
    return rc;
}

int ct_scan_direct_batch(ct_scan_findings *out, ct_db *db, const ct_scan_customers *customers,
                         const ct_scan_policy *policy, const char *asset, bool no_clusters,
                         ct_error *err)
{
    ct_scan_direct_options o = {.asset = asset, .no_clusters = no_clusters};
    return ct_scan_direct_incr(out, db, customers, policy, &o, err);
}
