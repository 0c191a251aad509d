/* `export address`: the neighbourhood of an address, walked breadth-first from it
 * (docs/export.md#what-is-exported).
 *
 * Hop 0 is the address itself (--level address) or its transactions (--level tx); a node of
 * hop h < --hops is expanded: every transaction of it (in the direction asked) adds its
 * counterparties as nodes of hop h + 1 and its flows as edges. Nodes are kept in discovery
 * order (the output order, so the same database gives the same file) up to --max-nodes;
 * edges stream to the writer as they are found, each once.
 *
 * Address level, Bitcoin family: the value of each output is split among the input addresses
 * in proportion to what each put in, in integer satoshi, the remainder going one satoshi
 * each to the largest fractional parts (ties: first input), so the shares of an output sum
 * to it exactly (bad-inputs.md X10). Coinbase inputs and unknown previous outputs add no
 * edge; outputs without an address (OP_RETURN) neither. Transaction level: an edge is one
 * output, from its transaction to the one spending it. Ethereum: an edge is one value
 * event (the transaction's ETH, an internal transfer, a token Transfer); fees and rewards,
 * which go to or come from no address, are left out. */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/hmap.h"
#include "export/export_internal.h"
#include "chaintrail/account.h"
#include "chaintrail/cluster.h"
#include "chaintrail/ethdb.h"
#include "chaintrail/graph.h"
#include "chaintrail/labels.h"
#include "chaintrail/trace.h"

typedef unsigned __int128 u128;

/* What a node of the address walk stands for: an address (id: its address id) or a
 * cluster (id: the cluster id). When entity_of looked the address's cluster up, the answer
 * comes along (cid, other), so that the node made of it does not look it up again. */
typedef struct ent {
    bool cluster;
    uint64_t id;
    bool looked;  /* cid and other are known */
    bool other;   /* an address's attribution is that of another member of its cluster */
    uint64_t cid; /* the node's cluster id */
} ent;

typedef enum ent_mode {
    ENT_ADDRESS, /* --level address */
    ENT_CLUSTER, /* --level cluster */
    ENT_MEMBERS, /* export cluster: its members as addresses, the others as clusters */
} ent_mode;

typedef struct wnode {
    ent e;               /* Bitcoin address or cluster node */
    uint64_t cluster_id; /* its cluster (0: the database does not cluster) */
    char *address; /* owned; NULL for a tx node */
    char *label;
    char *category;
    char txid[67]; /* tx node: display hex */
    uint8_t txbin[32];
    uint64_t addrid; /* Ethereum */
    uint32_t hop;
    ct_u256 value;
    bool has_time;
    uint32_t height, time;
} wnode;

typedef struct walk {
    ct_db *db;
    const ct_export_address_options *o;
    ex_writer *w;
    ct_error *err;
    wnode *nodes;
    uint64_t n, cap;
    ct_hmap index; /* sha256(address) or txid -> node number */
    ct_hmap seen;  /* edges (or transactions) already written */
    bool truncated;
    uint64_t edges;
    /* Bitcoin, address and cluster level */
    ct_trace_graph *tg;
    ent_mode mode;
    uint64_t target; /* export cluster: its id */
    struct in_group *groups;
    size_t cap_groups;
    uint64_t *share;
    size_t cap_share;
    u128 *rem;
    size_t cap_rem;
    struct outref *refs;
    size_t n_refs, cap_refs;
    uint64_t *txs;
    size_t cap_txs;
    struct txcache *tc; /* the transactions loaded so far (tx_load) */
    size_t n_tc, cap_tc;
    ct_trace_input *tc_in;
    ct_trace_output *tc_out;
    size_t n_tc_in, cap_tc_in, n_tc_out, cap_tc_out;
    ct_hmap tc_idx; /* txnum (LE64) -> index in tc */
    /* Ethereum */
    ct_acct_graph *g;
    uint64_t cur; /* the node being expanded */
} walk;

static int oom(ct_error *err)
{
    return ct_fail(err, CT_ENOMEM, "out-of-memory", "out of memory during the export");
}

static wnode *node_push(walk *k)
{
    if (k->n == k->cap) {
        uint64_t nc = k->cap ? k->cap * 2 : 64;
        wnode *p = realloc(k->nodes, nc * sizeof(*p));
        if (!p)
            return NULL;
        k->nodes = p;
        k->cap = nc;
    }
    wnode *nd = &k->nodes[k->n];
    memset(nd, 0, sizeof(*nd));
    return nd;
}

static void touch(wnode *nd, const ct_u256 *in, uint32_t height, uint32_t time)
{
    if (in) {
        ct_u256 s;
        if (!ct_u256_add(&s, &nd->value, in))
            nd->value = s;
    }
    if (!nd->has_time || height < nd->height || (height == nd->height && time < nd->time)) {
        nd->has_time = true;
        nd->height = height;
        nd->time = time;
    }
}

/* ---- Bitcoin, address and cluster level ----
 * Read through the tracer's view of the database (ct_trace_graph_db: one snapshot, a
 * transaction as dense rows with each input's previous address id), so a transaction costs
 * one load and a node one address and label lookup; nodes are keyed by id, never by text.
 * An entity is an address or a cluster: at --level address every address is its own node,
 * at --level cluster an address is its cluster's node, and `export cluster` keeps the
 * members of its cluster as addresses and every other address as its cluster. */

static int emit(walk *k, ex_edge *e)
{
    k->edges++;
    return ex_writer_edge(k->w, e, k->err);
}

/* The cluster id of an address (0 when the database does not cluster), and whether its
 * attribution is that of another member of its cluster. */
static int cid_of(walk *k, uint64_t addrid, uint64_t *cid, bool *other)
{
    char *member = NULL;
    int rc = k->tg->cluster_of(k->tg->ctx, addrid, cid, &member, k->err);
    *other = member != NULL;
    free(member);
    return rc;
}

static int entity_of(walk *k, uint64_t addrid, ent *e)
{
    *e = (ent){false, addrid, false, false, 0};
    if (k->mode == ENT_ADDRESS)
        return CT_OK; /* the node looks its cluster up, once, if it is made */
    uint64_t cid;
    bool other;
    int rc = cid_of(k, addrid, &cid, &other);
    if (rc != CT_OK)
        return rc;
    e->looked = true;
    e->cid = cid;
    if (k->mode == ENT_MEMBERS && cid == k->target) {
        e->other = other;
        return CT_OK;
    }
    /* a cluster: shown by the member whose id is the cluster id, of the same cluster */
    e->cluster = true;
    e->id = cid;
    return CT_OK;
}

static bool ent_eq(const ent *a, const ent *b)
{
    return a->cluster == b->cluster && a->id == b->id;
}

/* Label and category of a node: an address's own attribution (a label of another member of
 * its cluster is not the address's), a cluster's the attribution of the cluster (its
 * members' labels, docs/clustering.md). */
static int ent_label(walk *k, wnode *nd)
{
    char cat[64], label[CT_LABEL_TEXT_MAX + CT_LABEL_SOURCE_MAX + 8];
    uint64_t cid = nd->e.cid;
    bool other = nd->e.other;
    int rc;
    if (!nd->e.looked && (rc = cid_of(k, nd->e.id, &cid, &other)) != CT_OK)
        return rc;
    nd->cluster_id = cid;
    if (other && !nd->e.cluster)
        return CT_OK;
    rc = k->tg->label_of(k->tg->ctx, nd->e.id, cat, sizeof(cat), label, sizeof(label), k->err);
    if (rc == CT_ENOTFOUND)
        return CT_OK;
    if (rc != CT_OK)
        return rc;
    if (!(nd->label = strdup(label)) || !(nd->category = strdup(cat)))
        return oom(k->err);
    return CT_OK;
}

/* The node of an entity: found, or added at `hop` when there is room. *idx = UINT64_MAX
 * when the table is full (the walk is then truncated). */
static int ent_node(walk *k, const ent *e, uint32_t hop, uint64_t *idx)
{
    uint8_t key[9] = {e->cluster ? 'c' : 'a'};
    ct_put_le64(key + 1, e->id);
    if (ct_hmap_get(&k->index, key, 9, idx))
        return CT_OK;
    if (k->n >= k->o->max_nodes) {
        k->truncated = true;
        *idx = UINT64_MAX;
        return CT_OK;
    }
    wnode *nd = node_push(k);
    if (!nd)
        return oom(k->err);
    nd->e = *e;
    nd->hop = hop;
    /* a cluster is shown by the address whose id is its id */
    int rc = k->tg->address_of(k->tg->ctx, e->id, &nd->address, k->err);
    if (rc != CT_OK)
        return rc;
    *idx = k->n++;
    if (ct_hmap_put(&k->index, key, 9, *idx) != CT_OK)
        return oom(k->err);
    return ent_label(k, nd);
}

typedef struct in_group {
    ent e;
    uint64_t value;
} in_group;

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return CT_OK;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * size);
    if (!q)
        return CT_ENOMEM;
    *p = q;
    *cap = nc;
    return CT_OK;
}

/* The payments of one transaction as edges from input entities to output entities, each
 * output split among the inputs in proportion (X10). */
static int btc_addr_tx(walk *k, uint64_t x, const ct_trace_tx *txp)
{
    const ct_trace_tx tx = *txp; /* its rows stay the graph's until the next load */
    int rc = CT_OK;
    const ent xe = k->nodes[x].e;
    uint32_t hop = k->nodes[x].hop + 1;
    if (grow((void **)&k->groups, &k->cap_groups, tx.n_in ? tx.n_in : 1, sizeof(in_group)) ||
        grow((void **)&k->share, &k->cap_share, tx.n_in ? tx.n_in : 1, sizeof(uint64_t)) ||
        grow((void **)&k->rem, &k->cap_rem, tx.n_in ? tx.n_in : 1, sizeof(u128)))
        return oom(k->err);
    in_group *g = k->groups;
    uint64_t *share = k->share;
    u128 *rem = k->rem, total = 0;
    size_t ng = 0;
    for (uint32_t i = 0; i < tx.n_in; i++) {
        const ct_trace_input *in = &tx.in[i];
        if (in->prev_txnum == 0 || in->addrid == 0)
            continue;
        ent e;
        if ((rc = entity_of(k, in->addrid, &e)) != CT_OK)
            return rc;
        size_t j = 0;
        while (j < ng && !ent_eq(&g[j].e, &e))
            j++;
        if (j == ng)
            g[ng++] = (in_group){e, 0};
        g[j].value += in->value;
        total += in->value;
    }
    char txid[65];
    ct_hash_to_hex(txid, tx.txid);
    for (uint32_t o = 0; rc == CT_OK && total > 0 && o < tx.n_out; o++) {
        const ct_trace_output *out = &tx.out[o];
        if (out->addrid == 0 || out->value == 0)
            continue;
        ent oe;
        if ((rc = entity_of(k, out->addrid, &oe)) != CT_OK)
            break;
        if (k->o->direction == CT_EXPORT_IN && !ent_eq(&oe, &xe))
            continue;
        /* shares of this output: floor, then the remainder by largest fractional part */
        uint64_t given = 0;
        for (size_t j = 0; j < ng; j++) {
            u128 p = (u128)out->value * g[j].value;
            share[j] = (uint64_t)(p / total);
            rem[j] = p % total;
            given += share[j];
        }
        for (uint64_t left = out->value - given; left > 0; left--) {
            size_t best = 0;
            for (size_t j = 1; j < ng; j++)
                if (rem[j] > rem[best])
                    best = j;
            share[best]++;
            rem[best] = 0;
        }
        for (size_t j = 0; rc == CT_OK && j < ng; j++) {
            if (share[j] == 0)
                continue;
            if (k->o->direction == CT_EXPORT_OUT && !ent_eq(&g[j].e, &xe))
                continue;
            uint64_t s, t;
            if ((rc = ent_node(k, &g[j].e, hop, &s)) != CT_OK)
                break;
            if ((rc = ent_node(k, &oe, hop, &t)) != CT_OK)
                break;
            if (s == UINT64_MAX || t == UINT64_MAX)
                continue;
            ex_edge e = {0};
            e.source = s;
            e.target = t;
            e.kind = "payment";
            e.address = "";
            e.asset = "BTC";
            e.unit = "sat";
            e.value = ct_u256_from_u64(share[j]);
            e.height = tx.height;
            e.time = tx.time;
            e.txid = txid;
            e.index = o;
            touch(&k->nodes[t], &e.value, tx.height, tx.time);
            touch(&k->nodes[s], NULL, tx.height, tx.time);
            rc = emit(k, &e);
        }
    }
    return rc;
}

typedef struct outref {
    uint64_t txnum;
    uint32_t vout;
} outref;

static int add_outref(void *arg, uint64_t txnum, uint32_t vout)
{
    walk *k = arg;
    if (grow((void **)&k->refs, &k->cap_refs, k->n_refs + 1, sizeof(outref)))
        return CT_ENOMEM;
    k->refs[k->n_refs++] = (outref){txnum, vout};
    return CT_OK;
}

static int cmp_ref(const void *a, const void *b)
{
    const outref *x = a, *y = b;
    if (x->txnum != y->txnum)
        return x->txnum < y->txnum ? -1 : 1;
    return x->vout < y->vout ? -1 : x->vout > y->vout;
}

static void heap_push(uint64_t *h, size_t *n, uint64_t v)
{
    size_t i = (*n)++;
    while (i > 0 && h[(i - 1) / 2] > v) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = v;
}

static void heap_pop(uint64_t *h, size_t *n)
{
    uint64_t v = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] < h[c])
            c++;
        if (h[c] >= v)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0)
        h[i] = v;
}

/* A transaction of the walk as loaded: its rows are kept (in tc_in / tc_out), since an
 * expanded node loads every transaction it paid or was paid by, and a transaction is then
 * loaded again for each of its addresses the walk expands; a copy costs a hash probe where
 * a load costs four database seeks. At most TC_ROWS rows are kept (about 128 MB). */
typedef struct txcache {
    ct_trace_tx tx; /* in and out: unset, the rows are at in_at and out_at */
    size_t in_at, out_at;
} txcache;

enum { TC_ROWS = 4u << 20 };

static int tx_load(walk *k, uint64_t txnum, ct_trace_tx *tx)
{
    uint8_t key[8];
    uint64_t ix;
    ct_put_le64(key, txnum);
    if (ct_hmap_get(&k->tc_idx, key, 8, &ix)) {
        const txcache *c = &k->tc[ix];
        *tx = c->tx;
        tx->in = k->tc_in + c->in_at;
        tx->out = k->tc_out + c->out_at;
        return CT_OK;
    }
    int rc = k->tg->load_tx(k->tg->ctx, txnum, tx, k->err);
    if (rc != CT_OK || k->n_tc_in + k->n_tc_out + tx->n_in + tx->n_out > TC_ROWS)
        return rc;
    if (grow((void **)&k->tc, &k->cap_tc, k->n_tc + 1, sizeof(txcache)) ||
        grow((void **)&k->tc_in, &k->cap_tc_in, k->n_tc_in + tx->n_in, sizeof(ct_trace_input)) ||
        grow((void **)&k->tc_out, &k->cap_tc_out, k->n_tc_out + tx->n_out,
             sizeof(ct_trace_output)) ||
        ct_hmap_put(&k->tc_idx, key, 8, k->n_tc) != CT_OK)
        return oom(k->err);
    txcache *c = &k->tc[k->n_tc++];
    c->tx = *tx;
    c->tx.in = NULL;
    c->tx.out = NULL;
    c->in_at = k->n_tc_in;
    c->out_at = k->n_tc_out;
    if (tx->n_in)
        memcpy(k->tc_in + k->n_tc_in, tx->in, tx->n_in * sizeof(*tx->in));
    if (tx->n_out)
        memcpy(k->tc_out + k->n_tc_out, tx->out, tx->n_out * sizeof(*tx->out));
    k->n_tc_in += tx->n_in;
    k->n_tc_out += tx->n_out;
    return CT_OK;
}

/* The outputs received by one member address, appended to k->refs. */
static int member_outputs(walk *k, const char *address)
{
    int rc = k->tg->address_outputs(k->tg->ctx, address, add_outref, k, k->err);
    return rc == CT_ENOTFOUND ? CT_OK : rc;
}

/* Expands node x: the transactions of its address (or of every member of its cluster) in
 * the direction asked, in chain order, each once per (transaction, node) -- once per
 * transaction for both directions. */
static int ent_expand(walk *k, uint64_t x)
{
    int rc = CT_OK;
    k->n_refs = 0;
    if (!k->nodes[x].e.cluster) {
        rc = member_outputs(k, k->nodes[x].address);
    } else {
        ct_cluster_members *m;
        if ((rc = ct_cluster_members_new(&m, k->db, k->nodes[x].e.id, k->err)) != CT_OK)
            return rc;
        const char *address;
        uint64_t addrid;
        while ((rc = ct_cluster_members_next(m, &address, &addrid, k->err)) == CT_OK)
            if ((rc = member_outputs(k, address)) != CT_OK)
                break;
        ct_cluster_members_free(m);
        if (rc == CT_EEOF)
            rc = CT_OK;
    }
    if (rc == CT_ENOMEM)
        return oom(k->err);
    if (rc != CT_OK)
        return rc;
    qsort(k->refs, k->n_refs, sizeof(*k->refs), cmp_ref);
    /* The transactions in chain order through a min-heap of txnum << 2 | why (1 it paid
     * the node, 2 it spent what paid it): each is loaded once, for its spends and for its
     * edges; a spender always comes after the output it spends, so it is pushed before its
     * turn. */
    if (grow((void **)&k->txs, &k->cap_txs, 2 * k->n_refs + 1, sizeof(uint64_t)))
        return oom(k->err);
    size_t nh = 0, ri = 0;
    for (size_t i = 0; i < k->n_refs; i++)
        if (i == 0 || k->refs[i].txnum != k->refs[i - 1].txnum)
            k->txs[nh++] = k->refs[i].txnum << 2 | 1; /* ascending: already a heap */
    while (rc == CT_OK && nh > 0) {
        uint64_t t = k->txs[0] >> 2;
        unsigned why = 0;
        while (nh > 0 && k->txs[0] >> 2 == t) {
            why |= (unsigned)(k->txs[0] & 3);
            heap_pop(k->txs, &nh);
        }
        bool spends = (k->o->direction & CT_EXPORT_OUT) && (why & 1);
        bool edges = k->o->direction == CT_EXPORT_BOTH ||
                     (k->o->direction == CT_EXPORT_IN ? (why & 1) : (why & 2));
        uint8_t key[17] = {'t'};
        ct_put_le64(key + 1, t);
        ct_put_le64(key + 9, k->o->direction == CT_EXPORT_BOTH ? 0 : x);
        uint64_t one;
        if (edges && ct_hmap_get(&k->seen, key, 17, &one))
            edges = false;
        if (!spends && !edges)
            continue;
        ct_trace_tx tx;
        if ((rc = tx_load(k, t, &tx)) != CT_OK)
            return rc;
        while (ri < k->n_refs && k->refs[ri].txnum < t)
            ri++;
        for (; spends && ri < k->n_refs && k->refs[ri].txnum == t; ri++) {
            uint32_t v = k->refs[ri].vout;
            if (v >= tx.n_out || tx.out[v].spent_txnum == 0 || tx.out[v].spent_txnum == UINT64_MAX)
                continue;
            if (grow((void **)&k->txs, &k->cap_txs, nh + 1, sizeof(uint64_t)))
                return oom(k->err);
            heap_push(k->txs, &nh, tx.out[v].spent_txnum << 2 | 2);
        }
        if (!edges)
            continue;
        if (ct_hmap_put(&k->seen, key, 17, 1) != CT_OK)
            return oom(k->err);
        rc = btc_addr_tx(k, x, &tx);
    }
    return rc;
}

/* The walk at address or cluster level from one address, or (`export cluster`) from the
 * members of a cluster. */
static int walk_entities(walk *k, uint64_t start_addrid)
{
    int rc = ct_trace_graph_db(&k->tg, k->db, k->err);
    if (rc != CT_OK)
        return rc;
    bool clusters = ct_trace_graph_db_clusters(k->tg, NULL);
    if (k->mode != ENT_ADDRESS && !clusters)
        return ct_fail(k->err, CT_EINVAL, "no-clusters",
                       "the database does not cluster addresses (docs/clustering.md): "
                       "'cluster rebuild' makes the clusters");
    if (k->mode == ENT_MEMBERS) {
        ct_cluster_members *m;
        if ((rc = ct_cluster_members_new(&m, k->db, k->target, k->err)) != CT_OK)
            return rc;
        const char *address;
        uint64_t addrid, idx;
        while ((rc = ct_cluster_members_next(m, &address, &addrid, k->err)) == CT_OK) {
            ent e = {false, addrid, false, false, 0};
            if ((rc = ent_node(k, &e, 0, &idx)) != CT_OK)
                break;
        }
        ct_cluster_members_free(m);
        if (rc == CT_EEOF)
            rc = CT_OK;
    } else {
        ent e;
        uint64_t idx;
        if ((rc = entity_of(k, start_addrid, &e)) == CT_OK)
            rc = ent_node(k, &e, 0, &idx);
    }
    for (uint64_t x = 0; rc == CT_OK && x < k->n; x++)
        if (k->nodes[x].hop < k->o->hops)
            rc = ent_expand(k, x);
    return rc;
}

/* ---- Bitcoin, transaction level ---- */
static int tx_node(walk *k, const uint8_t txid[32], uint32_t hop, uint64_t *idx)
{
    if (ct_hmap_get(&k->index, txid, 32, idx))
        return CT_OK;
    if (k->n >= k->o->max_nodes) {
        k->truncated = true;
        *idx = UINT64_MAX;
        return CT_OK;
    }
    ct_graph_tx tx;
    int rc = ct_graph_tx_get(k->db, &tx, txid, k->err);
    if (rc != CT_OK)
        return rc;
    wnode *nd = node_push(k);
    if (!nd) {
        ct_graph_tx_release(&tx);
        return oom(k->err);
    }
    memcpy(nd->txbin, txid, 32);
    ct_hash_to_hex(nd->txid, txid);
    nd->hop = hop;
    nd->has_time = true;
    nd->height = tx.height;
    nd->time = tx.block_time;
    ct_graph_tx_release(&tx);
    *idx = k->n++;
    if (ct_hmap_put(&k->index, txid, 32, *idx) != CT_OK)
        return oom(k->err);
    return CT_OK;
}

/* One output as an edge from its transaction to the spending one, once. */
static int spend_edge(walk *k, const uint8_t from[32], uint32_t vout, const uint8_t to[32],
                      uint64_t value, const char *address, uint32_t hop)
{
    uint8_t key[36];
    memcpy(key, from, 32);
    ct_put_le32(key + 32, vout);
    uint64_t one;
    if (ct_hmap_get(&k->seen, key, 36, &one))
        return CT_OK;
    uint64_t s, t;
    int rc = tx_node(k, from, hop, &s);
    if (rc == CT_OK)
        rc = tx_node(k, to, hop, &t);
    if (rc != CT_OK)
        return rc;
    if (s == UINT64_MAX || t == UINT64_MAX)
        return CT_OK;
    if (ct_hmap_put(&k->seen, key, 36, 1) != CT_OK)
        return oom(k->err);
    ex_edge e = {0};
    e.source = s;
    e.target = t;
    e.kind = "spend";
    e.address = address;
    e.asset = "BTC";
    e.unit = "sat";
    e.value = ct_u256_from_u64(value);
    /* the edge happens when the output is spent */
    e.height = k->nodes[t].height;
    e.time = k->nodes[t].time;
    e.txid = k->nodes[s].txid;
    e.index = vout;
    touch(&k->nodes[t], &e.value, e.height, e.time);
    return emit(k, &e);
}

static int btc_tx_expand(walk *k, uint64_t x)
{
    uint8_t txid[32];
    memcpy(txid, k->nodes[x].txbin, 32);
    uint32_t hop = k->nodes[x].hop + 1;
    ct_graph_tx tx;
    int rc = ct_graph_tx_get(k->db, &tx, txid, k->err);
    if (rc != CT_OK)
        return rc;
    if (k->o->direction & CT_EXPORT_IN) {
        for (uint32_t i = 0; rc == CT_OK && i < tx.n_in; i++) {
            const ct_graph_input *in = &tx.in[i];
            if (in->coinbase || !in->known)
                continue;
            rc = spend_edge(k, in->prev_txid, in->prev_vout, txid, in->value, in->address, hop);
        }
    }
    if (k->o->direction & CT_EXPORT_OUT) {
        for (uint32_t o = 0; rc == CT_OK && o < tx.n_out; o++) {
            const ct_graph_output *out = &tx.out[o];
            if (!out->spent || out->overwritten)
                continue;
            rc = spend_edge(k, txid, o, out->spent_by_txid, out->value, out->address, hop);
        }
    }
    ct_graph_tx_release(&tx);
    return rc;
}

/* Hop 0 of --level tx: the transactions of the start address in the direction asked. */
static int btc_history(walk *k, const char *address)
{
    ct_graph_history *h;
    int rc = ct_graph_history_new(&h, k->db, address, NULL, k->err);
    if (rc != CT_OK)
        return rc;
    ct_graph_entry e;
    while ((rc = ct_graph_history_next(h, &e, k->err)) == CT_OK) {
        if (k->o->direction == CT_EXPORT_OUT && e.direction != CT_GRAPH_SENT)
            continue;
        if (k->o->direction == CT_EXPORT_IN && e.direction != CT_GRAPH_RECEIVED)
            continue;
        uint64_t idx;
        if ((rc = tx_node(k, e.txid, 0, &idx)) != CT_OK)
            break;
    }
    ct_graph_history_free(h);
    return rc == CT_EEOF ? CT_OK : rc;
}

static int walk_btc(walk *k, const char *address)
{
    ct_graph_address a;
    int rc = ct_graph_address_get(k->db, &a, address, k->err);
    if (rc != CT_OK)
        return rc;
    char *canon = strdup(a.address);
    uint64_t addrid = a.addrid;
    ct_graph_address_release(&a);
    if (!canon)
        return oom(k->err);
    if (k->o->level == CT_EXPORT_LEVEL_TX) {
        /* hop 0: the address's own transactions */
        rc = btc_history(k, canon);
        for (uint64_t x = 0; rc == CT_OK && x < k->n; x++)
            if (k->nodes[x].hop < k->o->hops)
                rc = btc_tx_expand(k, x);
        free(canon);
        return rc;
    }
    free(canon);
    k->mode = k->o->level == CT_EXPORT_LEVEL_CLUSTER ? ENT_CLUSTER : ENT_ADDRESS;
    return walk_entities(k, addrid);
}

static int walk_members(walk *k, uint64_t cid)
{
    k->mode = ENT_MEMBERS;
    k->target = cid;
    return walk_entities(k, 0);
}

/* ---- Ethereum ---- */
static int eth_node(walk *k, uint64_t addrid, uint32_t hop, uint64_t *idx)
{
    uint8_t key[9] = {'e'};
    ct_put_le64(key + 1, addrid);
    if (ct_hmap_get(&k->index, key, 9, idx))
        return CT_OK;
    if (k->n >= k->o->max_nodes) {
        k->truncated = true;
        *idx = UINT64_MAX;
        return CT_OK;
    }
    char addr[43], cat[64], label[CT_LABEL_TEXT_MAX + CT_LABEL_SOURCE_MAX + 8];
    int rc = k->g->address_of(k->g->ctx, addrid, addr, k->err);
    if (rc == CT_OK)
        rc = k->g->label_of(k->g->ctx, addrid, cat, sizeof(cat), label, sizeof(label), k->err);
    if (rc != CT_OK)
        return rc;
    wnode *nd = node_push(k);
    if (!nd)
        return oom(k->err);
    nd->addrid = addrid;
    nd->hop = hop;
    nd->address = strdup(addr);
    nd->label = strdup(label);
    nd->category = strdup(cat);
    *idx = k->n++;
    if (!nd->address || !nd->label || !nd->category ||
        ct_hmap_put(&k->index, key, 9, *idx) != CT_OK)
        return oom(k->err);
    return CT_OK;
}

static const char *eth_kind(uint8_t kind)
{
    switch (kind) {
    case CT_ACCT_NATIVE:
        return "native";
    case CT_ACCT_INTERNAL:
        return "internal";
    case CT_ACCT_TOKEN:
        return "token";
    default:
        return NULL;
    }
}

static int eth_event(walk *k, uint64_t x, const ct_acct_event *ev)
{
    const char *kind = eth_kind(ev->kind);
    if (!kind || ev->from == 0 || ev->to == 0)
        return CT_OK; /* fees, rewards: to or from no address */
    uint64_t xa = k->nodes[x].addrid;
    if (k->o->direction == CT_EXPORT_OUT && ev->from != xa)
        return CT_OK;
    if (k->o->direction == CT_EXPORT_IN && ev->to != xa)
        return CT_OK;
    uint8_t key[13] = {'v'};
    ct_put_le32(key + 1, ev->at.height);
    ct_put_le32(key + 5, ev->at.tx_index);
    ct_put_le32(key + 9, ev->at.pos);
    uint64_t one;
    if (ct_hmap_get(&k->seen, key, 13, &one))
        return CT_OK;
    uint32_t hop = k->nodes[x].hop + 1;
    uint64_t s, t;
    int rc = eth_node(k, ev->from, hop, &s);
    if (rc == CT_OK)
        rc = eth_node(k, ev->to, hop, &t);
    if (rc != CT_OK)
        return rc;
    if (s == UINT64_MAX || t == UINT64_MAX)
        return CT_OK;
    if (ct_hmap_put(&k->seen, key, 13, 1) != CT_OK)
        return oom(k->err);
    char symbol[64], contract[43], unit[80], txid[67];
    uint8_t dec;
    bool known;
    if ((rc = k->g->asset_info(k->g->ctx, ev->asset, symbol, sizeof(symbol), &dec, &known, contract,
                               k->err)) != CT_OK)
        return rc;
    const char *asset = ev->asset == CT_ACCT_ASSET_ETH ? "ETH" : symbol[0] ? symbol : contract;
    if (ev->asset == CT_ACCT_ASSET_ETH)
        snprintf(unit, sizeof(unit), "wei");
    else
        snprintf(unit, sizeof(unit), "%s units", asset);
    txid[0] = '0';
    txid[1] = 'x';
    ct_hex_encode(txid + 2, ev->txhash, 32);
    ex_edge e = {0};
    e.source = s;
    e.target = t;
    e.kind = kind;
    e.address = "";
    e.asset = asset;
    e.unit = unit;
    e.value = ev->amount;
    e.height = ev->at.height;
    e.time = ev->time;
    e.txid = txid;
    e.index = ev->at.pos;
    touch(&k->nodes[t], &e.value, e.height, e.time);
    touch(&k->nodes[s], NULL, e.height, e.time);
    return emit(k, &e);
}

static int eth_asset(void *arg, uint32_t asset)
{
    walk *k = arg;
    uint64_t x = k->cur;
    ct_acct_pos after;
    const ct_acct_pos *ap = NULL;
    ct_acct_event ev;
    int rc;
    while ((rc = k->g->ledger_next(k->g->ctx, k->nodes[x].addrid, asset, ap, &ev, k->err)) ==
           CT_OK) {
        if ((rc = eth_event(k, x, &ev)) != CT_OK)
            return rc;
        after = ev.at;
        ap = &after;
    }
    return rc == CT_ENOTFOUND ? CT_OK : rc;
}

static int walk_eth(walk *k, const char *address)
{
    ct_db_snapshot *snap = ct_db_snapshot_new(k->db);
    if (!snap)
        return oom(k->err);
    ct_acct_graph g;
    int rc = ct_acct_graph_db(&g, k->db, snap, k->err);
    if (rc != CT_OK) {
        ct_db_snapshot_free(k->db, snap);
        return rc;
    }
    k->g = &g;
    uint64_t addrid, start;
    rc = g.addrid_of(g.ctx, address, &addrid, k->err);
    if (rc == CT_ENOTFOUND)
        rc = ct_fail(k->err, CT_ENOTFOUND, "unknown-address",
                     "the database has no Ethereum address %s", address);
    if (rc == CT_OK)
        rc = eth_node(k, addrid, 0, &start);
    for (uint64_t x = 0; rc == CT_OK && x < k->n; x++) {
        if (k->nodes[x].hop >= k->o->hops)
            continue;
        k->cur = x;
        rc = g.ledger_assets(g.ctx, k->nodes[x].addrid, eth_asset, k, k->err);
    }
    k->g = NULL;
    ct_acct_graph_db_free(&g);
    ct_db_snapshot_free(k->db, snap);
    return rc;
}

/* ---- the entry point ---- */
static bool is_eth_address(const char *s)
{
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || strlen(s) != 42)
        return false;
    for (size_t i = 2; i < 42; i++)
        if (ct_hex_digit((unsigned char)s[i]) < 0)
            return false;
    return true;
}

static int run(ct_db *db, ct_export_stats *stats, const char *eth_address, const char *address,
               uint64_t cid, const char *path, const ct_export_address_options *o, ct_error *err);

static int check_options(const ct_export_address_options *o, ct_error *err)
{
    if (!o || o->version != CT_EXPORT_ADDRESS_OPTIONS_VERSION)
        return ct_fail(err, CT_EINVAL, "bad-options", "export options of another version");
    if ((unsigned)o->format >= CT_EXPORT_FORMATS)
        return ct_fail(err, CT_EINVAL, "bad-format", "unknown export format %d", (int)o->format);
    if (o->hops < 1 || o->hops > CT_EXPORT_HOPS_MAX)
        return ct_fail(err, CT_EINVAL, "bad-hops", "--hops %u is not in 1..%d", o->hops,
                       CT_EXPORT_HOPS_MAX);
    if (o->max_nodes < 1)
        return ct_fail(err, CT_EINVAL, "bad-max-nodes", "--max-nodes must be at least 1");
    if (o->direction < CT_EXPORT_OUT || o->direction > CT_EXPORT_BOTH)
        return ct_fail(err, CT_EINVAL, "bad-direction", "unknown direction %d", (int)o->direction);
    if (o->format == CT_EXPORT_DOT && o->max_nodes > CT_EXPORT_DOT_MAX_NODES)
        return ct_fail(err, CT_EINVAL, "dot-too-large",
                       "--format dot takes at most %d nodes (Graphviz lays out about a thousand "
                       "usefully) and --max-nodes is %llu: give --max-nodes %d or less, or "
                       "another format",
                       CT_EXPORT_DOT_MAX_NODES, (unsigned long long)o->max_nodes,
                       CT_EXPORT_DOT_MAX_NODES);
    return CT_OK;
}

int ct_export_address(ct_db *db, ct_export_stats *stats, const char *address, const char *path,
                      const ct_export_address_options *o, ct_error *err)
{
    memset(stats, 0, sizeof(*stats));
    int rc = check_options(o, err);
    if (rc != CT_OK)
        return rc;
    bool eth = is_eth_address(address);
    stats->ethereum = eth;
    if (eth && o->level == CT_EXPORT_LEVEL_TX)
        return ct_fail(err, CT_EINVAL, "level-tx-account",
                       "--level tx is for the Bitcoin family: an account chain has no "
                       "transaction-to-transaction links (use --level address)");
    if (eth && o->level == CT_EXPORT_LEVEL_CLUSTER)
        return ct_fail(err, CT_EINVAL, "level-cluster-account",
                       "--level cluster is for the Bitcoin family: account-chain addresses are "
                       "not clustered (use --level address)");
    if ((unsigned)o->level > CT_EXPORT_LEVEL_CLUSTER)
        return ct_fail(err, CT_EINVAL, "bad-level", "unknown level %d", (int)o->level);
    return run(db, stats, eth ? address : NULL, eth ? NULL : address, 0, path, o, err);
}

int ct_export_cluster(ct_db *db, ct_export_stats *stats, const char *address, uint64_t id,
                      const char *path, const ct_export_address_options *opts, ct_error *err)
{
    memset(stats, 0, sizeof(*stats));
    ct_export_address_options o;
    int rc = check_options(opts, err);
    if (rc != CT_OK)
        return rc;
    o = *opts;
    o.hops = 1; /* the members, and who paid them or was paid by them */
    o.level = CT_EXPORT_LEVEL_ADDRESS;
    ct_cluster_info info;
    memset(&info, 0, sizeof(info));
    if ((rc = ct_cluster_get(db, address, id, &info, err)) != CT_OK)
        return rc;
    uint64_t cid = info.cluster_id;
    ct_cluster_info_release(&info);
    return run(db, stats, NULL, NULL, cid, path, &o, err);
}

/* One walk into one output: from an Ethereum address, a Bitcoin address, or the members
 * of cluster `cid`. */
static int run(ct_db *db, ct_export_stats *stats, const char *eth_address, const char *address,
               uint64_t cid, const char *path, const ct_export_address_options *o, ct_error *err)
{
    bool eth = eth_address != NULL;
    walk k;
    memset(&k, 0, sizeof(k));
    k.db = db;
    k.o = o;
    k.err = err;
    ct_hmap_init(&k.index);
    ct_hmap_init(&k.seen);
    ct_hmap_init(&k.tc_idx);
    bool txl = o->level == CT_EXPORT_LEVEL_TX, cl = o->level == CT_EXPORT_LEVEL_CLUSTER;
    /* export cluster mixes member addresses and clusters: one ID space, "Entity" */
    ex_schema schema = {eth,
                        txl   ? "Tx"
                        : cl  ? "Cluster"
                        : cid ? "Entity"
                              : "Address",
                        txl ? "SPENT" : "PAID", false};
    int rc = ex_writer_open(&k.w, o->format, path, o->force, &schema, err);
    if (rc == CT_OK)
        rc = eth       ? walk_eth(&k, eth_address)
             : address ? walk_btc(&k, address)
                       : walk_members(&k, cid);
    if (rc == CT_OK) {
        ex_node *nodes = calloc(k.n ? k.n : 1, sizeof(*nodes));
        char *cids = malloc(21 * (k.n ? k.n : 1));
        if (!nodes || !cids) {
            rc = oom(err);
        } else {
            for (uint64_t i = 0; i < k.n; i++) {
                const wnode *w = &k.nodes[i];
                ex_node *n = &nodes[i];
                bool tx = w->address == NULL;
                n->kind = tx ? "tx" : w->e.cluster ? "cluster" : "address";
                n->address = tx ? "" : w->address;
                n->label = w->label ? w->label : "";
                n->category = w->category ? w->category : "";
                snprintf(cids + 21 * i, 21, "%llu", (unsigned long long)w->cluster_id);
                n->cluster = w->cluster_id ? cids + 21 * i : "";
                n->value = w->value;
                n->has_time = w->has_time;
                n->height = w->height;
                n->time = w->time;
                n->txid = tx ? w->txid : "";
            }
            rc = ex_writer_finish(k.w, nodes, k.n, err);
            k.w = NULL;
        }
        free(nodes);
        free(cids);
    }
    ex_writer_abort(k.w);
    stats->nodes = k.n;
    stats->edges = k.edges;
    stats->truncated = k.truncated;
    for (uint64_t i = 0; i < k.n; i++) {
        free(k.nodes[i].address);
        free(k.nodes[i].label);
        free(k.nodes[i].category);
    }
    free(k.nodes);
    ct_hmap_release(&k.index);
    ct_hmap_release(&k.seen);
    ct_trace_graph_db_free(k.tg);
    free(k.groups), free(k.share), free(k.rem), free(k.refs), free(k.txs);
    free(k.tc), free(k.tc_in), free(k.tc_out);
    ct_hmap_release(&k.tc_idx);
    return rc;
}
