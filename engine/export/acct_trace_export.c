/* `export trace` on Ethereum: the flows of an account-chain trace as a graph
 * (docs/export.md#export-trace).
 *
 * A flow is the taint one model carried in one transfer of one asset (account.h's events),
 * from the sender's ledger to the receiver's; flows of the five models in the same transfer
 * between the same nodes are one edge with a taint column per model. Nodes: an address the
 * taint went through (carried on), an endpoint where it stopped (address and category, as
 * the trace reports it: label categories, unspent, hop_limit, dust, budget), the fee sink
 * (fees) and nobody (rewards). A remainder (the taint left in a ledger: unspent, budget)
 * goes from the address to its endpoint node. Amounts are wei or token base units, written
 * as decimal strings in every format (X6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/hmap.h"
#include "export/export_internal.h"
#include "chaintrail/account.h"
#include "chaintrail/acct_trace.h"

typedef ex_tnode anode;

typedef struct aedge {
    size_t asset;
    ct_acct_pos at;
    uint32_t time;
    uint8_t kind;
    uint8_t txhash[32];
    uint64_t src, dst;
    ct_u256 taint[EX_MODELS];
} aedge;

typedef struct agraph {
    anode *nodes;
    uint64_t n, cap;
    aedge *edges;
    uint64_t ne, ecap;
    ct_hmap nidx, eidx;
} agraph;

static int node_of(agraph *g, char tag, const char *address, const char *category,
                   const char *label, const char *kind, uint64_t *idx)
{
    uint8_t key[CT_HMAP_KEY_MAX];
    size_t al = strlen(address), cl = category ? strlen(category) : 0;
    if (2 + al + cl > sizeof(key))
        return CT_EINVAL;
    key[0] = (uint8_t)tag;
    memcpy(key + 1, address, al);
    key[1 + al] = 0;
    if (cl)
        memcpy(key + 2 + al, category, cl);
    size_t kl = 2 + al + cl;
    if (ct_hmap_get(&g->nidx, key, kl, idx))
        return CT_OK;
    if (g->n == g->cap) {
        uint64_t nc = g->cap ? g->cap * 2 : 64;
        anode *p = realloc(g->nodes, nc * sizeof(*p));
        if (!p)
            return CT_ENOMEM;
        g->nodes = p;
        g->cap = nc;
    }
    *idx = g->n++;
    if (ct_hmap_put(&g->nidx, key, kl, *idx) != CT_OK)
        return CT_ENOMEM;
    anode *nd = &g->nodes[*idx];
    memset(nd, 0, sizeof(*nd));
    nd->kind = kind;
    nd->address = address;
    nd->label = label ? label : "";
    nd->category = category ? category : "";
    return CT_OK;
}

static int add_flow(agraph *g, const ct_acct_asset_result *x, size_t asset, size_t m,
                    const ct_acct_flow *f)
{
    uint64_t src, dst;
    const char *holder = f->kind == 0 && !f->from[0] ? f->to : f->from;
    int rc = holder[0] ? node_of(g, 'a', holder, NULL, NULL, "address", &src)
                       : node_of(g, 'r', "", "reward", "nobody (rewards)", "reward", &src);
    if (rc != CT_OK)
        return rc;
    if (f->endpoint != CT_TRACE_NONE) {
        const ct_acct_endpoint *ep = &x->endpoints[f->endpoint];
        rc = node_of(g, 'e', ep->address, ep->category, ep->label, "address", &dst);
    } else if (!f->to[0]) {
        rc = node_of(g, 'f', "", "fee", "fees", "fee", &dst);
    } else {
        rc = node_of(g, 'a', f->to, NULL, NULL, "address", &dst);
    }
    if (rc != CT_OK)
        return rc;
    uint8_t key[37];
    ct_put_le32(key, (uint32_t)asset);
    ct_put_le32(key + 4, f->at.height);
    ct_put_le32(key + 8, f->at.tx_index);
    ct_put_le32(key + 12, f->at.pos);
    key[16] = f->kind;
    ct_put_le64(key + 17, src);
    ct_put_le64(key + 25, dst);
    ct_put_le32(key + 33, f->kind == 0 ? f->time : 0); /* remainders: one per block */
    uint64_t e;
    if (!ct_hmap_get(&g->eidx, key, sizeof(key), &e)) {
        if (g->ne == g->ecap) {
            uint64_t nc = g->ecap ? g->ecap * 2 : 64;
            aedge *p = realloc(g->edges, nc * sizeof(*p));
            if (!p)
                return CT_ENOMEM;
            g->edges = p;
            g->ecap = nc;
        }
        e = g->ne++;
        if (ct_hmap_put(&g->eidx, key, sizeof(key), e) != CT_OK)
            return CT_ENOMEM;
        aedge *a = &g->edges[e];
        memset(a, 0, sizeof(*a));
        a->asset = asset;
        a->at = f->at;
        a->time = f->time;
        a->kind = f->kind;
        memcpy(a->txhash, f->txhash, 32);
        a->src = src;
        a->dst = dst;
    }
    ct_u256 s;
    if (ct_u256_add(&s, &g->edges[e].taint[m], &f->taint))
        return CT_EINVAL; /* above 2^256: no trace carries that */
    g->edges[e].taint[m] = s;
    return CT_OK;
}

static const char *kind_name(uint8_t kind)
{
    static const char *const names[] = {"remainder", "native",       "internal", "token",
                                        "fee_burnt", "fee_priority", "reward"};
    return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

static void touch(anode *nd, const ct_u256 *v, uint32_t height, uint32_t time)
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

int ct_export_acct_trace(ct_db *db, ct_export_stats *stats, const ct_acct_trace_result *res,
                         const char *path, const ct_export_trace_options *o, ct_error *err)
{
    (void)db;
    memset(stats, 0, sizeof(*stats));
    stats->ethereum = true;
    if (!o || o->version != CT_EXPORT_TRACE_OPTIONS_VERSION)
        return ct_fail(err, CT_EINVAL, "bad-options", "export options of another version");
    if ((unsigned)o->format >= CT_EXPORT_FORMATS)
        return ct_fail(err, CT_EINVAL, "bad-format", "unknown export format %d", (int)o->format);
    if (o->level != CT_EXPORT_LEVEL_ADDRESS)
        return ct_fail(err, CT_EINVAL, "level-cluster-account",
                       "--level cluster is for the Bitcoin family: account-chain addresses are "
                       "not clustered");
    bool any = false;
    for (size_t m = 0; m < CT_MODEL_COUNT; m++)
        for (size_t a = 0; res->model[m] && a < res->n_assets; a++)
            any |= res->model[m][a].flows_whole;
    if (!any)
        return ct_fail(err, CT_EINVAL, "no-flows", "the trace recorded no flows to export");
    agraph g;
    memset(&g, 0, sizeof(g));
    ct_hmap_init(&g.nidx);
    ct_hmap_init(&g.eidx);
    int rc = CT_OK;
    for (size_t a = 0; rc == CT_OK && a < res->n_assets; a++)
        for (size_t m = 0; rc == CT_OK && m < CT_MODEL_COUNT; m++) {
            if (!res->model[m] || !res->model[m][a].flows_whole)
                continue;
            const ct_acct_asset_result *x = &res->model[m][a];
            for (size_t i = 0; rc == CT_OK && i < x->n_flows; i++)
                rc = add_flow(&g, x, a, m, &x->flows[i]);
        }
    if (rc == CT_ENOMEM)
        ct_fail(err, rc, "out-of-memory", "out of memory during the export");
    else if (rc != CT_OK)
        ct_fail(err, rc, "bad-flow", "a flow of the trace cannot be exported");
    if (rc == CT_OK && o->format == CT_EXPORT_DOT && g.n > CT_EXPORT_DOT_MAX_NODES)
        rc = ct_fail(err, CT_EINVAL, "dot-too-large",
                     "the trace's graph has %llu nodes and --format dot takes at most %d "
                     "(Graphviz lays out about a thousand usefully): use gexf or graphml",
                     (unsigned long long)g.n, CT_EXPORT_DOT_MAX_NODES);
    ex_writer *w = NULL;
    ex_schema schema = {true, "Address", "FLOW", true};
    if (rc == CT_OK)
        rc = ex_writer_open(&w, o->format, path, o->force, &schema, err);
    static const uint8_t zero[32];
    for (uint64_t e = 0; rc == CT_OK && e < g.ne; e++) {
        const aedge *ae = &g.edges[e];
        const ct_acct_asset_info *ai = &res->assets[ae->asset];
        char txid[67] = "", unit[80];
        if (memcmp(ae->txhash, zero, 32) != 0) {
            txid[0] = '0';
            txid[1] = 'x';
            ct_hex_encode(txid + 2, ae->txhash, 32);
        }
        const char *asset = ai->asset == CT_ACCT_ASSET_ETH ? "ETH"
                            : ai->symbol[0]                ? ai->symbol
                                                           : ai->contract;
        if (ai->asset == CT_ACCT_ASSET_ETH)
            snprintf(unit, sizeof(unit), "wei");
        else
            snprintf(unit, sizeof(unit), "%s units", asset);
        ex_edge x = {0};
        x.source = ae->src;
        x.target = ae->dst;
        x.kind = kind_name(ae->kind);
        x.address = "";
        x.asset = asset;
        x.unit = unit;
        for (size_t m = 0; m < EX_MODELS; m++) {
            x.taint[m] = ae->taint[m];
            if (ct_u256_cmp(&ae->taint[m], &x.value) > 0)
                x.value = ae->taint[m];
        }
        x.height = ae->at.height;
        x.time = ae->time;
        x.txid = txid;
        x.index = ae->at.tx_index == CT_ACCT_BLOCK_LEVEL ? 0 : ae->at.pos;
        touch(&g.nodes[ae->dst], &x.value, x.height, x.time);
        touch(&g.nodes[ae->src], NULL, x.height, x.time);
        rc = ex_writer_edge(w, &x, err);
    }
    stats->nodes = g.n;
    stats->edges = g.ne;
    return ex_trace_end(w, rc, g.nodes, g.n, g.edges, &g.nidx, &g.eidx, err);
}
