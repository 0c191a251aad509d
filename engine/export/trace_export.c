/* `export trace`: the flows of a forward trace as a graph (docs/export.md#export-trace).
 *
 * Every flow of every model is an output the taint took: from the transaction that made it
 * to the one that spent it (when the trace went on) or to the endpoint where it stopped, or
 * a fee. Flows of the five models on the same output and to the same place are one edge with
 * a taint column per model, so the graph of a trace is the union of what the models did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hmap.h"
#include "export/export_internal.h"
#include "chaintrail/cluster.h"

typedef struct tedge {
    size_t tx; /* the output's transaction (CT_TRACE_NONE: unknown, backward) */
    uint64_t src;
    uint32_t vout;
    uint64_t dst;
    size_t address;
    uint32_t height, time;
    uint64_t taint[EX_MODELS];
} tedge;

typedef ex_tnode tnode;

typedef struct tgraph {
    tnode *nodes;
    uint64_t n, cap;
    tedge *edges;
    uint64_t ne, ecap;
    ct_hmap nidx, eidx;
    bool clusters; /* --level cluster: endpoints by cluster */
    ct_db *db;
    ct_error *err;
    char **owned; /* cluster addresses */
    size_t n_owned;
} tgraph;

static int push_node(tgraph *g, uint64_t *idx)
{
    if (g->n == g->cap) {
        uint64_t nc = g->cap ? g->cap * 2 : 64;
        tnode *p = realloc(g->nodes, nc * sizeof(*p));
        if (!p)
            return CT_ENOMEM;
        g->nodes = p;
        g->cap = nc;
    }
    memset(&g->nodes[g->n], 0, sizeof(tnode));
    *idx = g->n++;
    return CT_OK;
}

/* The node of an endpoint (address index a, CT_TRACE_NONE for an output without one) or of
 * the fees (fee true). */
static int end_node(tgraph *g, const ct_trace_result *res, size_t a, bool fee,
                    const ct_trace_endpoint *ep, uint64_t *idx)
{
    /* one node per address and category: an address can end as unspent in one model and
     * as hop_limit in another */
    /* --level cluster: one node per cluster and category */
    bool by_cluster = g->clusters && !fee && ep && ep->cluster_id;
    uint8_t key[9 + sizeof(ep->category)] = {fee ? 'f' : by_cluster ? 'c' : 'a'};
    ct_put_le64(key + 1, fee ? 0 : by_cluster ? ep->cluster_id : (uint64_t)a);
    size_t kl = 9;
    if (!fee && ep) {
        size_t cl = strnlen(ep->category, sizeof(ep->category));
        memcpy(key + 9, ep->category, cl);
        kl += cl;
    }
    if (ct_hmap_get(&g->nidx, key, kl, idx))
        return CT_OK;
    if (push_node(g, idx) != CT_OK || ct_hmap_put(&g->nidx, key, kl, *idx) != CT_OK)
        return CT_ENOMEM;
    tnode *nd = &g->nodes[*idx];
    nd->kind = fee ? "fee" : "address";
    nd->address = fee || a == CT_TRACE_NONE ? "" : res->addresses[a];
    nd->label = fee ? "fees" : ep ? ep->label : "";
    nd->category = fee ? "fee" : ep ? ep->category : "";
    if (ep && ep->cluster_id)
        snprintf(nd->cluster, sizeof(nd->cluster), "%llu", (unsigned long long)ep->cluster_id);
    if (by_cluster) {
        /* a cluster is shown by the address whose id is its id, and the cluster's
         * attribution (the endpoint's label is that with clusters on) */
        ct_cluster_info info;
        memset(&info, 0, sizeof(info));
        int rc = ct_cluster_get(g->db, NULL, ep->cluster_id, &info, g->err);
        if (rc != CT_OK)
            return rc;
        char **p = realloc(g->owned, (g->n_owned + 1) * sizeof(*p));
        if (!p) {
            ct_cluster_info_release(&info);
            return CT_ENOMEM;
        }
        g->owned = p;
        g->owned[g->n_owned++] = info.address;
        info.address = NULL;
        ct_cluster_info_release(&info);
        nd = &g->nodes[*idx];
        nd->kind = "cluster";
        nd->address = g->owned[g->n_owned - 1];
    }
    return CT_OK;
}

/* Backward, the node of a source output (where the trace began): one per address. */
static int source_node(tgraph *g, const ct_trace_result *res, size_t a, uint64_t *idx)
{
    uint8_t key[9] = {'s'};
    ct_put_le64(key + 1, (uint64_t)a);
    if (ct_hmap_get(&g->nidx, key, 9, idx))
        return CT_OK;
    if (push_node(g, idx) != CT_OK || ct_hmap_put(&g->nidx, key, 9, *idx) != CT_OK)
        return CT_ENOMEM;
    tnode *nd = &g->nodes[*idx];
    nd->kind = "address";
    nd->address = a == CT_TRACE_NONE ? "" : res->addresses[a];
    nd->label = "";
    nd->category = "source";
    return CT_OK;
}

/* An edge goes the way the trace went: forward from the transaction that made the output
 * (f->tx) to its spender or endpoint; backward from the spender (f->by, or the source
 * node for a source output) to the transaction that made the output or to the endpoint
 * where the walk stopped (where the value came from). */
static int add_flow(tgraph *g, const ct_trace_result *res, const ct_trace_model_result *mr,
                    size_t m, const ct_trace_flow *f, bool backward)
{
    uint64_t dst, src = f->tx;
    int rc;
    if (backward && f->by != CT_TRACE_NONE)
        src = f->by;
    else if (backward && (rc = source_node(g, res, f->address, &src)) != CT_OK)
        return rc;
    bool fee = f->vout == CT_TRACE_FLOW_FEE && !backward;
    if (fee)
        rc = end_node(g, res, 0, true, NULL, &dst);
    else if (f->next != CT_TRACE_NONE)
        rc = (dst = f->next, CT_OK);
    else
        rc = end_node(g, res, f->address, false,
                      f->endpoint != CT_TRACE_NONE ? &mr->endpoints[f->endpoint] : NULL, &dst);
    if (rc != CT_OK)
        return rc;
    uint8_t key[28];
    ct_put_le64(key, (uint64_t)f->tx);
    ct_put_le32(key + 8, f->vout);
    ct_put_le64(key + 12, dst);
    ct_put_le64(key + 20, src);
    uint64_t e;
    if (!ct_hmap_get(&g->eidx, key, 28, &e)) {
        if (g->ne == g->ecap) {
            uint64_t nc = g->ecap ? g->ecap * 2 : 64;
            tedge *p = realloc(g->edges, nc * sizeof(*p));
            if (!p)
                return CT_ENOMEM;
            g->edges = p;
            g->ecap = nc;
        }
        e = g->ne++;
        if (ct_hmap_put(&g->eidx, key, 28, e) != CT_OK)
            return CT_ENOMEM;
        tedge *te = &g->edges[e];
        memset(te, 0, sizeof(*te));
        te->tx = f->tx;
        te->src = src;
        te->vout = f->vout;
        te->dst = dst;
        te->address = f->address;
        te->height = f->height;
        te->time = f->time;
    }
    g->edges[e].taint[m] += f->taint;
    return CT_OK;
}

static void touch(tnode *nd, const ct_u256 *v, uint32_t height, uint32_t time)
{
    if (v) {
        ct_u256 s;
        if (!ct_u256_add(&s, &nd->value, v))
            nd->value = s;
    }
    if (!nd->has_time || height < nd->height || (height == nd->height && time < nd->time)) {
        nd->has_time = true;
        nd->height = height;
        nd->time = time;
    }
}

int ct_export_trace(ct_db *db, ct_export_stats *stats, const ct_trace_result *res, const char *path,
                    const ct_export_trace_options *o, ct_error *err)
{
    memset(stats, 0, sizeof(*stats));
    if (!o || o->version != CT_EXPORT_TRACE_OPTIONS_VERSION)
        return ct_fail(err, CT_EINVAL, "bad-options", "export options of another version");
    if ((unsigned)o->format >= CT_EXPORT_FORMATS)
        return ct_fail(err, CT_EINVAL, "bad-format", "unknown export format %d", (int)o->format);
    bool any = false;
    for (size_t m = 0; m < CT_MODEL_COUNT; m++)
        any |= res->model[m].enabled && res->model[m].flows_whole;
    if (!any)
        return ct_fail(err, CT_EINVAL, "no-flows", "the trace recorded no flows to export");
    tgraph g;
    memset(&g, 0, sizeof(g));
    ct_hmap_init(&g.nidx);
    ct_hmap_init(&g.eidx);
    g.clusters = o->level == CT_EXPORT_LEVEL_CLUSTER;
    g.db = db;
    g.err = err;
    int rc = CT_OK;
    if (o->level != CT_EXPORT_LEVEL_ADDRESS && o->level != CT_EXPORT_LEVEL_CLUSTER)
        rc = ct_fail(err, CT_EINVAL, "bad-level",
                     "export trace takes --level address or cluster (its other nodes are "
                     "transactions already)");
    /* nodes 0 .. n_txs-1: the transactions, in the result's order */
    for (size_t i = 0; rc == CT_OK && i < res->n_txs; i++) {
        uint64_t idx;
        if ((rc = push_node(&g, &idx)) != CT_OK)
            break;
        tnode *nd = &g.nodes[idx];
        nd->kind = "tx";
        nd->address = nd->label = nd->category = "";
        ct_hash_to_hex(nd->txid, res->txs[i].txid);
        nd->has_time = true;
        nd->height = res->txs[i].height;
        nd->time = res->txs[i].time;
    }
    for (size_t m = 0; rc == CT_OK && m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *mr = &res->model[m];
        if (!mr->enabled || !mr->flows_whole)
            continue;
        for (size_t i = 0; rc == CT_OK && i < mr->n_flows; i++)
            if (mr->flows[i].tx != CT_TRACE_NONE || o->backward)
                rc = add_flow(&g, res, mr, m, &mr->flows[i], o->backward);
    }
    if (rc == CT_ENOMEM)
        ct_fail(err, rc, "out-of-memory", "out of memory during the export");
    if (rc == CT_OK && o->format == CT_EXPORT_DOT && g.n > CT_EXPORT_DOT_MAX_NODES)
        rc = ct_fail(err, CT_EINVAL, "dot-too-large",
                     "the trace's graph has %llu nodes and --format dot takes at most %d "
                     "(Graphviz lays out about a thousand usefully): use gexf or graphml",
                     (unsigned long long)g.n, CT_EXPORT_DOT_MAX_NODES);
    ex_writer *w = NULL;
    ex_schema schema = {false, "Tx", "FLOW", true};
    if (rc == CT_OK)
        rc = ex_writer_open(&w, o->format, path, o->force, &schema, err);
    for (uint64_t e = 0; rc == CT_OK && e < g.ne; e++) {
        const tedge *te = &g.edges[e];
        char txid[65] = "";
        if (te->tx != CT_TRACE_NONE)
            ct_hash_to_hex(txid, res->txs[te->tx].txid);
        /* backward, the value missing from the inputs of a transaction (unknown previous
         * outputs) is no output: kind "unknown" */
        bool fee = te->vout == CT_TRACE_FLOW_FEE;
        bool unknown = fee && o->backward;
        uint64_t top = 0;
        for (size_t m = 0; m < EX_MODELS; m++)
            top = te->taint[m] > top ? te->taint[m] : top;
        ex_edge x = {0};
        x.source = te->src;
        x.target = te->dst;
        x.kind = unknown ? "unknown" : fee ? "fee" : "flow";
        x.address = te->address == CT_TRACE_NONE ? "" : res->addresses[te->address];
        x.asset = "BTC";
        x.unit = "sat";
        x.value = ct_u256_from_u64(top);
        x.height = te->height;
        x.time = te->time;
        x.txid = txid;
        x.index = fee ? 0 : te->vout;
        for (size_t m = 0; m < EX_MODELS; m++)
            x.taint[m] = ct_u256_from_u64(te->taint[m]);
        tnode *dn = &g.nodes[te->dst];
        if (strcmp(dn->kind, "tx") == 0) /* a transaction keeps its own block */
            touch(dn, &x.value, dn->height, dn->time);
        else
            touch(dn, &x.value, te->height, te->time);
        rc = ex_writer_edge(w, &x, err);
    }
    stats->nodes = g.n;
    stats->edges = g.ne;
    rc = ex_trace_end(w, rc, g.nodes, g.n, g.edges, &g.nidx, &g.eidx, err);
    for (size_t i = 0; i < g.n_owned; i++)
        free(g.owned[i]);
    free(g.owned);
    return rc;
}
