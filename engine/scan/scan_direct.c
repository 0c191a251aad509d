/* Direct exposure of the customers (docs/scan.md "Direct exposure of a customer"): every
 * transaction of each customer address, its labelled counterparties, and what each model
 * says flowed between them. One history scan and one transaction read per transaction. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "chaintrail/scan.h"
#include "scan/scan_internal.h"

typedef unsigned __int128 u128;

static void copy_text(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

int ct_scan_finding_add_txid(ct_scan_finding *f, const uint8_t txid[32])
{
    if (f->n_txids && memcmp(f->txids[f->n_txids - 1], txid, 32) == 0)
        return CT_OK;
    if (f->n_txids == f->cap_txids_) {
        size_t cap = f->cap_txids_ ? f->cap_txids_ * 2 : 4;
        uint8_t(*t)[32] = realloc(f->txids, cap * sizeof(*t));
        if (!t)
            return CT_ENOMEM;
        f->txids = t;
        f->cap_txids_ = cap;
    }
    memcpy(f->txids[f->n_txids++], txid, 32);
    return CT_OK;
}

/* The finding of (customer, direction, counterparty), created when missing (*fresh). */
static ct_scan_finding *finding(ct_scan_findings *out, size_t first, size_t customer,
                                unsigned direction, const char *cp)
{
    for (size_t i = first; i < out->count; i++)
        if (out->items[i].direction == direction && strcmp(out->items[i].counterparty, cp) == 0)
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
    f->customer = customer;
    f->direction = direction;
    f->exposure = CT_SCAN_DIRECT;
    f->hops = 1;
    copy_text(f->counterparty, sizeof(f->counterparty), cp);
    return f;
}

typedef struct walk {
    ct_scan_findings *out;
    ct_db *db;
    ct_trace_graph *base; /* with clusters: a cluster's attribution (cluster_of); else NULL */
    ct_labels_reader *labels;
    ct_hmap labelled; /* the addresses with labels: no lookup for the others */
    ct_label_list list;
    const ct_scan_policy *policy;
    ct_scan_tx_bufs io;
} walk;

int ct_scan_tx_bufs_grow(ct_scan_tx_bufs *t, size_t n_in, size_t n_out)
{
    if (n_in > t->cap_in) {
        uint64_t *v = realloc(t->in_val, n_in * sizeof(*v));
        if (v)
            t->in_val = v;
        bool *b = realloc(t->in_src, n_in * sizeof(*b));
        if (b)
            t->in_src = b;
        if (!v || !b)
            return CT_ENOMEM;
        t->cap_in = n_in;
    }
    if (n_out > t->cap_out) {
        uint64_t *v = realloc(t->out_val, n_out * sizeof(*v));
        if (v)
            t->out_val = v;
        bool *b = realloc(t->out_dst, n_out * sizeof(*b));
        if (b)
            t->out_dst = b;
        if (!v || !b)
            return CT_ENOMEM;
        t->cap_out = n_out;
    }
    return CT_OK;
}

void ct_scan_tx_bufs_free(ct_scan_tx_bufs *t)
{
    free(t->in_val);
    free(t->out_val);
    free(t->in_src);
    free(t->out_dst);
    memset(t, 0, sizeof(*t));
}

void ct_scan_finding_range(ct_scan_finding *f)
{
    f->low = f->high = f->amount[0];
    f->usd_low = f->usd_high = f->usd_cents[0];
    for (int m = 1; m < CT_MODEL_COUNT; m++) {
        f->low = f->amount[m] < f->low ? f->amount[m] : f->low;
        f->high = f->amount[m] > f->high ? f->amount[m] : f->high;
        f->usd_low = f->usd_cents[m] < f->usd_low ? f->usd_cents[m] : f->usd_low;
        f->usd_high = f->usd_cents[m] > f->usd_high ? f->usd_cents[m] : f->usd_high;
    }
    if (!f->usd_known)
        f->usd_low = f->usd_high = 0;
}

/* The labels of the labelled member of cp's cluster, when cp takes its attribution from it
 * (docs/taint-models.md "Clusters"; w->list.count 0 otherwise). */
static int cluster_labels(walk *w, const char *cp, ct_error *err)
{
    w->list.count = 0;
    ct_graph_address ga;
    int rc = ct_graph_address_get(w->db, &ga, cp, err);
    if (rc == CT_ENOTFOUND) {
        if (err)
            ct_error_clear(err);
        return CT_OK;
    }
    if (rc != CT_OK)
        return rc;
    uint64_t id = ga.addrid, size = ga.cluster_size, cid;
    ct_graph_address_release(&ga);
    char *member = NULL;
    if (size < 2 || (rc = w->base->cluster_of(w->base->ctx, id, &cid, &member, err)) != CT_OK ||
        !member)
        return rc;
    rc = ct_labels_reader_get(w->labels, &w->list, member, err);
    free(member);
    return rc;
}

/* One counterparty `cp` of the customer in tx: in_src/out_dst are set by the caller. */
static int counterparty(walk *w, size_t first, size_t customer, unsigned direction, const char *cp,
                        const ct_graph_tx *tx, ct_error *err)
{
    uint8_t key[CT_HMAP_KEY_MAX];
    uint64_t one;
    int rc;
    if (ct_hmap_get(&w->labelled, key, ct_scan_addr_key(key, cp), &one))
        rc = ct_labels_reader_get(w->labels, &w->list, cp, err);
    else if (w->base) /* no label of its own: its cluster's, if any */
        rc = cluster_labels(w, cp, err);
    else
        return CT_OK;
    if (rc != CT_OK)
        return rc;
    if (w->list.count == 0)
        return CT_OK;
    size_t li;
    ct_label_category cat = ct_labels_attribution(&w->list, 0, &li);
    const ct_scan_rule *r = &w->policy->rules[cat];
    if (r->severity == CT_SCAN_NONE || !(r->direction & direction) ||
        !(r->exposure & CT_SCAN_DIRECT))
        return CT_OK;
    uint64_t a[CT_MODEL_COUNT];
    if ((rc = ct_scan_direct_amounts(a, w->io.in_val, w->io.in_src, tx->n_in, w->io.out_val,
                                     w->io.out_dst, tx->n_out, err)) != CT_OK)
        return rc;
    ct_scan_finding *f = finding(w->out, first, customer, direction, cp);
    if (!f)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan findings");
    if (f->n_txids == 0) {
        f->category = cat;
        f->severity = r->severity;
        copy_text(f->label, sizeof(f->label), w->list.items[li].label);
        copy_text(f->source, sizeof(f->source), w->list.items[li].source);
        f->first_height = tx->height;
        f->first_time = tx->block_time;
    }
    f->last_height = tx->height;
    f->last_time = tx->block_time;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        f->amount[m] += a[m];
    if (ct_scan_finding_add_txid(f, tx->txid) != CT_OK)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "scan evidence");
    return CT_OK;
}

static int screen_tx(walk *w, size_t first, size_t customer, const char *addr,
                     const ct_graph_tx *tx, ct_error *err)
{
    int rc;
    if ((rc = ct_scan_tx_bufs_grow(&w->io, tx->n_in ? tx->n_in : 1, tx->n_out ? tx->n_out : 1)) !=
        CT_OK)
        return ct_fail(err, rc, "out-of-memory", "scan transaction");
    bool mine_in = false, mine_out = false;
    for (uint32_t k = 0; k < tx->n_in; k++) {
        w->io.in_val[k] = tx->in[k].known ? tx->in[k].value : 0;
        mine_in |= tx->in[k].known && strcmp(tx->in[k].address, addr) == 0;
    }
    for (uint32_t j = 0; j < tx->n_out; j++) {
        w->io.out_val[j] = tx->out[j].value;
        mine_out |= strcmp(tx->out[j].address, addr) == 0;
    }
    /* Incoming: each other input address, paying the customer's outputs. */
    for (uint32_t k = 0; mine_out && k < tx->n_in; k++) {
        const char *cp = tx->in[k].address;
        bool seen = false;
        for (uint32_t q = 0; q < k; q++)
            seen |= strcmp(tx->in[q].address, cp) == 0;
        if (!cp[0] || seen || strcmp(cp, addr) == 0)
            continue;
        for (uint32_t q = 0; q < tx->n_in; q++)
            w->io.in_src[q] = strcmp(tx->in[q].address, cp) == 0;
        for (uint32_t j = 0; j < tx->n_out; j++)
            w->io.out_dst[j] = strcmp(tx->out[j].address, addr) == 0;
        if ((rc = counterparty(w, first, customer, CT_SCAN_INCOMING, cp, tx, err)) != CT_OK)
            return rc;
    }
    /* Outgoing: each other output address, paid from the customer's inputs. */
    for (uint32_t j = 0; mine_in && j < tx->n_out; j++) {
        const char *cp = tx->out[j].address;
        bool seen = false;
        for (uint32_t q = 0; q < j; q++)
            seen |= strcmp(tx->out[q].address, cp) == 0;
        if (!cp[0] || seen || strcmp(cp, addr) == 0)
            continue;
        for (uint32_t q = 0; q < tx->n_in; q++)
            w->io.in_src[q] = tx->in[q].known && strcmp(tx->in[q].address, addr) == 0;
        for (uint32_t q = 0; q < tx->n_out; q++)
            w->io.out_dst[q] = strcmp(tx->out[q].address, cp) == 0;
        if ((rc = counterparty(w, first, customer, CT_SCAN_OUTGOING, cp, tx, err)) != CT_OK)
            return rc;
    }
    return CT_OK;
}

/* Ranges, shares and thresholds of the findings of one customer row, from `first`. */
static void settle(ct_scan_findings *out, size_t first, const ct_graph_address *ga,
                   const ct_scan_policy *p)
{
    size_t keep = first;
    for (size_t i = first; i < out->count; i++) {
        ct_scan_finding *f = &out->items[i];
        f->low = f->high = f->amount[0];
        for (int m = 1; m < CT_MODEL_COUNT; m++) {
            if (f->amount[m] < f->low)
                f->low = f->amount[m];
            if (f->amount[m] > f->high)
                f->high = f->amount[m];
        }
        f->volume = f->direction == CT_SCAN_INCOMING ? ga->received_sat : ga->sent_sat;
        u128 share = f->volume ? f->high * 1000000 / f->volume : 0;
        f->share_ppm = share > 1000000 ? 1000000 : (uint32_t)share;
        const ct_scan_rule *r = &p->rules[f->category];
        if (f->high == 0 || f->high < r->min_sat ||
            f->high * 1000000 < (u128)r->min_share_ppm * f->volume) {
            out->below++;
            free(f->txids);
            continue;
        }
        out->items[keep++] = *f;
    }
    out->count = keep;
}

int ct_scan_direct(ct_scan_findings *out, ct_db *db, const ct_scan_customers *customers,
                   const ct_scan_policy *policy, bool no_clusters, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    walk w = {.out = out, .db = db, .policy = policy};
    ct_label_list_init(&w.list);
    ct_hmap_init(&w.labelled);
    int rc = ct_labels_reader_new(&w.labels, db, err);
    if (rc == CT_OK)
        rc = ct_scan_labelled_set(&w.labelled, db, err);
    if (rc == CT_OK && !no_clusters) {
        rc = ct_trace_graph_db(&w.base, db, err);
        if (rc == CT_OK && !(ct_trace_graph_db_clusters(w.base, NULL) && w.base->cluster_of)) {
            ct_trace_graph_db_free(w.base);
            w.base = NULL;
        }
    }
    for (size_t c = 0; rc == CT_OK && c < customers->count; c++) {
        const ct_scan_customer *cu = &customers->items[c];
        if (cu->chain != CT_SCAN_BITCOIN) {
            out->not_chain++;
            continue;
        }
        out->screened++;
        ct_graph_address ga;
        rc = ct_graph_address_get(db, &ga, cu->address, err);
        if (rc == CT_ENOTFOUND) {
            out->not_seen++;
            if (err)
                ct_error_clear(err);
            rc = CT_OK;
            continue;
        }
        if (rc != CT_OK)
            break;
        ct_graph_history *h = NULL;
        size_t first = out->count;
        rc = ct_graph_history_new(&h, db, cu->address, NULL, err);
        uint8_t last[32];
        bool have_last = false;
        ct_graph_entry e;
        while (rc == CT_OK && (rc = ct_graph_history_next(h, &e, err)) == CT_OK) {
            if (have_last && memcmp(last, e.txid, 32) == 0)
                continue;
            memcpy(last, e.txid, 32);
            have_last = true;
            ct_graph_tx tx;
            if ((rc = ct_graph_tx_get(db, &tx, e.txid, err)) != CT_OK)
                break;
            rc = screen_tx(&w, first, c, cu->address, &tx, err);
            ct_graph_tx_release(&tx);
        }
        if (rc == CT_EEOF)
            rc = CT_OK;
        ct_graph_history_free(h);
        if (rc == CT_OK)
            settle(out, first, &ga, policy);
        ct_graph_address_release(&ga);
    }
    ct_labels_reader_free(w.labels);
    if (w.base)
        ct_trace_graph_db_free(w.base);
    ct_hmap_release(&w.labelled);
    ct_label_list_release(&w.list);
    ct_scan_tx_bufs_free(&w.io);
    return rc;
}

void ct_scan_findings_release(ct_scan_findings *f)
{
    for (size_t i = 0; i < f->count; i++)
        free(f->items[i].txids);
    free(f->items);
    memset(f, 0, sizeof(*f));
}
