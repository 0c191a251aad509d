/* The tracer's view of a database (ct_trace_graph over one snapshot): a transaction is its
 * x row plus three short range scans (its inputs, outputs and spend links, all keyed by its
 * txnum), so following a spend is a point lookup, not a scan of the chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/trace.h"
#include "chaintrail/prices.h"
#include "utxo/graph_internal.h"
#include "base/hmap.h"
#include "intel/labels_internal.h"
#include "intel/prices_internal.h"
#include "cluster/cluster_internal.h"
#include "base/hash.h"

/* The labelled member whose label a cluster carries (docs/taint-models.md, "Clusters"). */
typedef struct cl_label {
    uint64_t member;
    unsigned rank;
} cl_label;

typedef struct dbgraph {
    ct_trace_graph g;
    ct_graph_reader r;
    ct_store_iter *it;     /* address histories */
    ct_store_iter *tab[3]; /* one each for the i, o and s rows (TAB_*) */
    ct_trace_input *in;
    ct_trace_output *out;
    size_t cap_in, cap_out;
    uint32_t time_height; /* cache of the last block time looked up */
    uint32_t time_value;
    bool time_valid;
    ct_labels_reader *labels; /* through the same snapshot */
    ct_label_list list;
    ct_hmap labelled;   /* addrid (BE64) -> 1: the addresses with a label (below) */
    bool labelled_read; /* labelled is loaded (on the first label_of call) */
    /* clusters: used when the database has them, unless turned off */
    bool use_clusters;
    bool cl_refuse; /* an interrupted cluster rebuild, and clusters not turned off */
    uint8_t policy_digest[32];
    ct_cl_reader clr;
    bool clr_open;
    ct_hmap cl_idx; /* cluster id (BE64) -> index in cl_lab: clusters with a labelled member */
    cl_label *cl_lab;
    size_t n_lab, cap_lab;
} dbgraph;

static int block_time(dbgraph *d, uint32_t height, uint32_t *time)
{
    if (d->time_valid && d->time_height == height) {
        *time = d->time_value;
        return CT_OK;
    }
    ct_row_block b;
    int rc = ct_graph_load_block(&d->r, height, &b);
    if (rc)
        return rc;
    d->time_height = height;
    d->time_value = b.time;
    d->time_valid = true;
    *time = b.time;
    return CT_OK;
}

enum { TAB_IN, TAB_OUT, TAB_SPEND };
static const uint8_t tab_prefix[3] = {CT_T_INPUT, CT_T_OUTPUT, CT_T_SPEND};

/* Positions the table's iterator at prefix + txnum and returns rows while they match. Each
 * table has its own iterator: the tracer loads transactions mostly in chain order, so the
 * next seek usually lands in the data block the iterator already holds (LevelDB then does
 * not look the block up again), where one iterator shared by the three tables left its
 * block at every seek. */
static const uint8_t *scan_first(dbgraph *d, int tab, uint64_t txnum, size_t *kl, const uint8_t **v,
                                 size_t *vl)
{
    uint8_t k[9];
    ct_store_iter *it = d->tab[tab];
    ct_store_iter_seek(it, k, ct_key_u64(k, tab_prefix[tab], txnum));
    if (!ct_store_iter_valid(it))
        return NULL;
    const uint8_t *key = ct_store_iter_key(it, kl);
    if (*kl != 13 || memcmp(key, k, 9) != 0)
        return NULL;
    *v = ct_store_iter_value(it, vl);
    return key;
}

static const uint8_t *scan_next(dbgraph *d, uint64_t txnum, int tab, size_t *kl, const uint8_t **v,
                                size_t *vl)
{
    uint8_t k[9];
    ct_store_iter *it = d->tab[tab];
    ct_key_u64(k, tab_prefix[tab], txnum);
    ct_store_iter_next(it);
    if (!ct_store_iter_valid(it))
        return NULL;
    const uint8_t *key = ct_store_iter_key(it, kl);
    if (*kl != 13 || memcmp(key, k, 9) != 0)
        return NULL;
    *v = ct_store_iter_value(it, vl);
    return key;
}

static int bad(dbgraph *d, const char *what, uint64_t txnum)
{
    return ct_fail(d->r.err, CT_EDBCORRUPT, "bad-row", "%s rows of tx %llu do not match its record",
                   what, (unsigned long long)txnum);
}

static int load_tx(void *ctx, uint64_t txnum, ct_trace_tx *tx, ct_error *err)
{
    dbgraph *d = ctx;
    ct_row_tx row;
    int rc;
    d->r.err = err;
    if ((rc = ct_graph_load_tx(&d->r, txnum, &row)))
        return rc;
    if (row.n_in > d->cap_in) {
        ct_trace_input *n = realloc(d->in, row.n_in * sizeof(*n));
        if (!n)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "loading a transaction");
        d->in = n;
        d->cap_in = row.n_in;
    }
    if (row.n_out > d->cap_out) {
        ct_trace_output *n = realloc(d->out, row.n_out * sizeof(*n));
        if (!n)
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "loading a transaction");
        d->out = n;
        d->cap_out = row.n_out;
    }
    memset(tx, 0, sizeof(*tx));
    tx->txnum = txnum;
    memcpy(tx->txid, row.txid, 32);
    tx->height = row.height;
    tx->coinbase = (row.flags & CT_TXF_COINBASE) != 0;
    tx->n_in = tx->coinbase ? 0 : row.n_in;
    tx->n_out = row.n_out;
    tx->in = d->in;
    tx->out = d->out;
    if ((rc = block_time(d, row.height, &tx->time)))
        return rc;

    size_t kl, vl, n = 0;
    const uint8_t *v;
    if (!tx->coinbase) {
        for (const uint8_t *k = scan_first(d, TAB_IN, txnum, &kl, &v, &vl); k;
             k = scan_next(d, txnum, TAB_IN, &kl, &v, &vl), n++) {
            ct_row_input in;
            if (n >= row.n_in || ct_be32(k + 9) != n || (rc = ct_row_input_decode(&in, v, vl, err)))
                return n >= row.n_in || ct_be32(k + 9) != n ? bad(d, "input", txnum) : rc;
            d->in[n].prev_txnum = in.prev_txnum;
            d->in[n].prev_vout = in.prev_vout;
            d->in[n].value = in.value;
            d->in[n].addrid = in.addrid;
        }
        if (n != row.n_in)
            return bad(d, "input", txnum);
    }
    n = 0;
    for (const uint8_t *k = scan_first(d, TAB_OUT, txnum, &kl, &v, &vl); k;
         k = scan_next(d, txnum, TAB_OUT, &kl, &v, &vl), n++) {
        ct_row_output out;
        if (n >= row.n_out || ct_be32(k + 9) != n || (rc = ct_row_output_decode(&out, v, vl, err)))
            return n >= row.n_out || ct_be32(k + 9) != n ? bad(d, "output", txnum) : rc;
        d->out[n].value = out.value;
        d->out[n].addrid = out.addrid;
        d->out[n].spent_txnum = 0;
        d->out[n].spent_vin = 0;
    }
    if (n != row.n_out)
        return bad(d, "output", txnum);
    for (const uint8_t *k = scan_first(d, TAB_SPEND, txnum, &kl, &v, &vl); k;
         k = scan_next(d, txnum, TAB_SPEND, &kl, &v, &vl)) {
        ct_row_spend sp;
        uint32_t vout = ct_be32(k + 9);
        if (vout >= row.n_out || (rc = ct_row_spend_decode(&sp, v, vl, err)))
            return vout >= row.n_out ? bad(d, "spend", txnum) : rc;
        d->out[vout].spent_txnum = sp.txnum;
        d->out[vout].spent_vin = sp.vin;
    }
    for (int t = 0; t < 3; t++)
        if ((rc = ct_store_iter_status(d->tab[t], err)))
            return rc;
    return CT_OK;
}

static int txnum_of(void *ctx, const uint8_t txid[32], uint64_t *txnum, ct_error *err)
{
    dbgraph *d = ctx;
    uint8_t k[33];
    d->r.err = err;
    int rc = ct_graph_get(&d->r, k, ct_key_hash(k, CT_T_TXID, txid));
    if (rc)
        return rc;
    if (d->r.v.len != 8)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "txid row of %zu bytes", d->r.v.len);
    *txnum = ct_be64(d->r.v.data);
    return CT_OK;
}

static int address_outputs(void *ctx, const char *address,
                           int (*fn)(void *arg, uint64_t txnum, uint32_t vout), void *arg,
                           ct_error *err)
{
    dbgraph *d = ctx;
    char ident[CT_BTC_ADDR_MAX];
    uint8_t k[1 + CT_BTC_ADDR_MAX];
    d->r.err = err;
    if (ct_graph_identity_key(ident, address) != CT_OK)
        return CT_ENOTFOUND;
    size_t n = strlen(ident);
    k[0] = CT_T_ADDR;
    memcpy(k + 1, ident, n);
    int rc = ct_graph_get(&d->r, k, n + 1);
    if (rc)
        return rc;
    if (d->r.v.len != 8)
        return ct_fail(err, CT_EDBCORRUPT, "bad-row", "address row of %zu bytes", d->r.v.len);
    uint64_t addrid = ct_be64(d->r.v.data);
    uint8_t prefix[9];
    ct_key_u64(prefix, CT_T_HISTORY, addrid);
    for (ct_store_iter_seek(d->it, prefix, 9); ct_store_iter_valid(d->it);
         ct_store_iter_next(d->it)) {
        size_t kl;
        const uint8_t *key = ct_store_iter_key(d->it, &kl);
        if (kl != 22 || memcmp(key, prefix, 9) != 0)
            break;
        if (key[17] != 0) /* received outputs only */
            continue;
        if ((rc = fn(arg, ct_be64(key + 9), ct_be32(key + 18))))
            return ct_fail(err, rc, "out-of-memory", "collecting the outputs of %.200s", address);
    }
    return ct_store_iter_status(d->it, err);
}

static int address_of(void *ctx, uint64_t addrid, char **out, ct_error *err)
{
    dbgraph *d = ctx;
    d->r.err = err;
    return ct_graph_load_shown(&d->r, addrid, out, NULL);
}

/* The attribution of an address: the category of its highest-ranked label (labels.md), and
 * that label's text with its source. Labels are keyed by the stored identity. */
static int add_labelled(void *arg, const char *address, bool normal)
{
    dbgraph *d = arg;
    uint8_t k[1 + CT_BTC_ADDR_MAX];
    size_t n = strlen(address);
    /* An address the lookup would not read under its own string (normal false) cannot be
     * the identity of an addrid that finds it; neither can one too long to be an identity. */
    if (!normal || n >= CT_BTC_ADDR_MAX)
        return CT_OK;
    k[0] = CT_T_ADDR;
    memcpy(k + 1, address, n);
    int rc = ct_graph_get(&d->r, k, n + 1);
    if (rc == CT_ENOTFOUND)
        return CT_OK; /* labelled, but not on this chain */
    if (rc)
        return rc;
    if (d->r.v.len != 8)
        return ct_fail(d->r.err, CT_EDBCORRUPT, "bad-row", "address row of %zu bytes", d->r.v.len);
    uint8_t id[8];
    memcpy(id, d->r.v.data, 8);
    if (ct_hmap_put(&d->labelled, id, 8, 1))
        return ct_fail(d->r.err, CT_ENOMEM, "out-of-memory", "loading the labelled addresses");
    return CT_OK;
}

/* The addrids whose identity has labels, read once: every labelled address (the label table
 * is small beside the graph) mapped through the a table to its addrid. The per-address lookup
 * below reads the labels of norm(identity); an identity is written by the ingest in its
 * canonical form (ct_btc_addr_encode, or script- and lowercase hex), which normalizes to
 * itself, so the addrids found here are exactly those whose lookup finds a label. Every other
 * address costs one hash probe and no read. */
/* The attribution of labelled address addrid: category and rank, and the label text. */
static int own_label(dbgraph *d, uint64_t addrid, ct_label_category *cat, const ct_label **l,
                     ct_error *err)
{
    char addr[CT_BTC_ADDR_MAX];
    d->r.err = err;
    int rc = ct_graph_load_addr(&d->r, addrid, addr, NULL);
    if (rc)
        return rc;
    if ((rc = ct_labels_reader_get(d->labels, &d->list, addr, err)))
        return rc;
    if (d->list.count == 0)
        return CT_ENOTFOUND;
    size_t idx = 0;
    *cat = ct_labels_attribution(&d->list, 0, &idx);
    *l = &d->list.items[idx];
    return CT_OK;
}

/* For each cluster with a labelled member: the member whose label applies to the cluster,
 * the one of the highest-ranked category, on a tie the smallest address id. */
static int load_cluster_labels(dbgraph *d, ct_error *err)
{
    for (size_t i = 0; i < d->labelled.size; i++) {
        const ct_hmap_entry *e = &d->labelled.slots[i];
        if (e->hash == 0)
            continue;
        uint64_t id = ct_be64(e->key);
        ct_label_category cat;
        const ct_label *l;
        ct_cl_root root;
        int rc = own_label(d, id, &cat, &l, err);
        if (rc == CT_ENOTFOUND)
            continue;
        d->clr.err = d->clr.w.err = err;
        if (rc || (rc = ct_cl_reader_find(&d->clr, id, &root)))
            return rc;
        if (root.size < 2)
            continue;
        unsigned rank = ct_label_category_rank(cat);
        uint8_t ck[8];
        uint64_t ix;
        ct_put_be64(ck, root.cid);
        if (ct_hmap_get(&d->cl_idx, ck, 8, &ix)) {
            cl_label *c = &d->cl_lab[ix];
            if (rank > c->rank || (rank == c->rank && id < c->member))
                *c = (cl_label){id, rank};
            continue;
        }
        if (d->n_lab == d->cap_lab) {
            size_t nc = d->cap_lab ? d->cap_lab * 2 : 64;
            cl_label *nl = realloc(d->cl_lab, nc * sizeof(*nl));
            if (!nl)
                return ct_fail(err, CT_ENOMEM, "out-of-memory", "loading the labelled clusters");
            d->cl_lab = nl;
            d->cap_lab = nc;
        }
        d->cl_lab[d->n_lab] = (cl_label){id, rank};
        if (ct_hmap_put(&d->cl_idx, ck, 8, d->n_lab++))
            return ct_fail(err, CT_ENOMEM, "out-of-memory", "loading the labelled clusters");
    }
    return CT_OK;
}

static int load_labelled(dbgraph *d, ct_error *err)
{
    d->r.err = err;
    int rc = d->cl_refuse ? ct_cluster_check(d->r.db, err) : CT_OK;
    if (rc || (rc = ct_labels_reader_addresses(d->labels, add_labelled, d, err)))
        return rc;
    if (d->use_clusters && (rc = load_cluster_labels(d, err)))
        return rc;
    d->labelled_read = true;
    return CT_OK;
}

/* The labelled member of addrid's cluster (0: none, or clusters not used); *cid its cluster. */
static int cluster_member(dbgraph *d, uint64_t addrid, uint64_t *cid, uint64_t *member,
                          ct_error *err)
{
    *cid = *member = 0;
    if (!d->use_clusters)
        return CT_OK;
    ct_cl_root root;
    d->clr.err = d->clr.w.err = err;
    int rc = ct_cl_reader_find(&d->clr, addrid, &root);
    if (rc)
        return rc;
    *cid = root.cid;
    uint8_t ck[8];
    uint64_t ix;
    ct_put_be64(ck, root.cid);
    if (root.size > 1 && ct_hmap_get(&d->cl_idx, ck, 8, &ix))
        *member = d->cl_lab[ix].member;
    return CT_OK;
}

/* An address's own label, else (with clusters) the label of its cluster's labelled
 * member (docs/taint-models.md, "Clusters"). */
static int label_of(void *ctx, uint64_t addrid, char *category, size_t csize, char *label,
                    size_t lsize, ct_error *err)
{
    dbgraph *d = ctx;
    int rc;
    if (!d->labelled_read && (rc = load_labelled(d, err)))
        return rc;
    uint8_t id[8];
    uint64_t one, cid, member = addrid;
    ct_put_be64(id, addrid);
    if (!ct_hmap_get(&d->labelled, id, 8, &one)) {
        if (d->n_lab == 0 || (rc = cluster_member(d, addrid, &cid, &member, err)))
            return d->n_lab == 0 ? CT_ENOTFOUND : rc;
        if (member == 0)
            return CT_ENOTFOUND;
    }
    ct_label_category c;
    const ct_label *l;
    if ((rc = own_label(d, member, &c, &l, err)))
        return rc;
    snprintf(category, csize, "%s", ct_label_category_name(c));
    snprintf(label, lsize, "%s (%s)", l->label, l->source);
    return CT_OK;
}

static int cluster_of(void *ctx, uint64_t addrid, uint64_t *cluster_id, char **member,
                      ct_error *err)
{
    dbgraph *d = ctx;
    uint64_t m, one;
    uint8_t id[8];
    int rc;
    *member = NULL;
    *cluster_id = 0;
    if (!d->use_clusters)
        return CT_OK;
    if (!d->labelled_read && (rc = load_labelled(d, err)))
        return rc;
    if ((rc = cluster_member(d, addrid, cluster_id, &m, err)))
        return rc;
    ct_put_be64(id, addrid);
    if (m == 0 || m == addrid || ct_hmap_get(&d->labelled, id, 8, &one))
        return CT_OK; /* no labelled member, or its own label */
    d->r.err = err;
    return ct_graph_load_shown(&d->r, m, member, NULL);
}

void ct_trace_graph_db_use_clusters(ct_trace_graph *g, bool on)
{
    dbgraph *d = g->ctx;
    d->use_clusters = on && d->clr_open;
    d->cl_refuse = on && d->cl_refuse;
}

bool ct_trace_graph_db_clusters(const ct_trace_graph *g, uint8_t policy_digest[32])
{
    const dbgraph *d = g->ctx;
    if (d->use_clusters && policy_digest)
        memcpy(policy_digest, d->policy_digest, 32);
    return d->use_clusters;
}

int ct_trace_graph_db(ct_trace_graph **out, ct_db *db, ct_error *err)
{
    dbgraph *d = calloc(1, sizeof(*d));
    int rc;
    *out = NULL;
    if (!d)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening the graph");
    if ((rc = ct_graph_reader_open(&d->r, db, err))) {
        free(d);
        return rc;
    }
    d->it = ct_store_iter_new_cached(d->r.st, d->r.snap);
    for (int t = 0; t < 3; t++)
        d->tab[t] = ct_store_iter_new_cached(d->r.st, d->r.snap);
    if (!d->it || !d->tab[0] || !d->tab[1] || !d->tab[2]) {
        for (int t = 0; t < 3; t++)
            ct_store_iter_free(d->tab[t]);
        ct_store_iter_free(d->it);
        ct_graph_reader_close(&d->r);
        free(d);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening the graph");
    }
    d->g.ctx = d;
    d->g.load_tx = load_tx;
    d->g.txnum_of = txnum_of;
    d->g.address_outputs = address_outputs;
    d->g.address_of = address_of;
    if ((rc = ct_labels_reader_new_at(&d->labels, db, d->r.snap, err))) {
        for (int t = 0; t < 3; t++)
            ct_store_iter_free(d->tab[t]);
        ct_store_iter_free(d->it);
        ct_graph_reader_close(&d->r);
        free(d);
        return rc;
    }
    ct_label_list_init(&d->list);
    ct_hmap_init(&d->labelled);
    ct_hmap_init(&d->cl_idx);
    d->g.label_of = label_of;
    d->g.cluster_of = cluster_of;
    d->cl_refuse = db->cl_rebuilding;
    if (db->clusters) {
        uint8_t pv[CT_CL_POLICY_SIZE];
        ct_sha256(d->policy_digest, pv, ct_cl_policy_encode(pv, &db->cl_policy));
        ct_cl_reader_init(&d->clr, d->r.st, d->r.snap, err);
        d->clr_open = d->use_clusters = true;
    }
    *out = &d->g;
    return CT_OK;
}

void ct_trace_graph_db_free(ct_trace_graph *g)
{
    if (!g)
        return;
    dbgraph *d = g->ctx;
    ct_label_list_release(&d->list);
    ct_hmap_release(&d->labelled);
    ct_hmap_release(&d->cl_idx);
    free(d->cl_lab);
    if (d->clr_open)
        ct_cl_reader_release(&d->clr);
    ct_labels_reader_free(d->labels);
    for (int t = 0; t < 3; t++)
        ct_store_iter_free(d->tab[t]);
    ct_store_iter_free(d->it);
    ct_graph_reader_close(&d->r);
    free(d->in);
    free(d->out);
    free(d);
}

/* ---- pricing over the database's price table ---- */
typedef struct dbpricing {
    ct_trace_pricing p;
    char asset[16];
    ct_price_days days;
} dbpricing;

static int db_value(void *ctx, uint64_t sat, uint32_t time, uint64_t *cents, ct_error *err)
{
    dbpricing *d = ctx;
    uint64_t price;
    int rc = ct_price_days_get(&d->days, d->asset, ct_day_from_unix(time), &price, err);
    if (rc != CT_OK)
        return rc;
    ct_u128 amount = {0, sat};
    return ct_usd_cents(cents, amount, 8, price, err);
}

int ct_trace_pricing_db(ct_trace_pricing **out, ct_db *db, const char *asset, ct_error *err)
{
    dbpricing *d = calloc(1, sizeof(*d));
    *out = NULL;
    if (!d || ct_price_days_open(&d->days, db) != CT_OK) {
        if (d)
            ct_price_days_close(&d->days);
        free(d);
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "opening the price table");
    }
    snprintf(d->asset, sizeof(d->asset), "%s", asset);
    d->p.ctx = d;
    d->p.value = db_value;
    *out = &d->p;
    return CT_OK;
}

void ct_trace_pricing_db_free(ct_trace_pricing *p)
{
    if (!p)
        return;
    dbpricing *d = p->ctx;
    ct_price_days_close(&d->days);
    free(d);
}
