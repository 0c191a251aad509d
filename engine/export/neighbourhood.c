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
#include "chaintrail/ethdb.h"
#include "chaintrail/graph.h"
#include "chaintrail/labels.h"

typedef unsigned __int128 u128;

typedef struct wnode {
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
    ct_labels_reader *labels;
    ct_label_list list;
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

/* ---- Bitcoin: labels ---- */
static int btc_label(walk *k, wnode *nd)
{
    int rc = ct_labels_reader_get(k->labels, &k->list, nd->address, k->err);
    if (rc != CT_OK)
        return rc;
    size_t idx = SIZE_MAX;
    ct_label_category c = ct_labels_attribution(&k->list, 0, &idx);
    if (idx == SIZE_MAX)
        return CT_OK;
    const ct_label *l = &k->list.items[idx];
    size_t n = strlen(l->label) + strlen(l->source) + 4;
    nd->label = malloc(n);
    nd->category = strdup(ct_label_category_name(c));
    if (!nd->label || !nd->category)
        return oom(k->err);
    snprintf(nd->label, n, "%s (%s)", l->label, l->source);
    return CT_OK;
}

/* The node of an address: found, or added at `hop` when there is room. *idx = UINT64_MAX
 * when the table is full (the walk is then truncated). */
static int addr_node(walk *k, const char *address, uint32_t hop, uint64_t *idx)
{
    uint8_t key[32];
    ct_sha256(key, address, strlen(address));
    if (ct_hmap_get(&k->index, key, 32, idx))
        return CT_OK;
    if (k->n >= k->o->max_nodes) {
        k->truncated = true;
        *idx = UINT64_MAX;
        return CT_OK;
    }
    wnode *nd = node_push(k);
    if (!nd || !(nd->address = strdup(address)))
        return oom(k->err);
    nd->hop = hop;
    *idx = k->n++;
    if (ct_hmap_put(&k->index, key, 32, *idx) != CT_OK)
        return oom(k->err);
    return btc_label(k, nd);
}

static int emit(walk *k, ex_edge *e)
{
    k->edges++;
    return ex_writer_edge(k->w, e, k->err);
}

/* ---- Bitcoin, address level ---- */
typedef struct in_group {
    const char *address;
    uint64_t value;
} in_group;

static int btc_addr_tx(walk *k, uint64_t x, const ct_graph_tx *tx)
{
    const char *xa = k->nodes[x].address;
    uint32_t hop = k->nodes[x].hop + 1;
    in_group *g = calloc(tx->n_in ? tx->n_in : 1, sizeof(*g));
    size_t ng = 0;
    u128 total = 0;
    if (!g)
        return oom(k->err);
    for (uint32_t i = 0; i < tx->n_in; i++) {
        const ct_graph_input *in = &tx->in[i];
        if (in->coinbase || !in->known || !in->address[0])
            continue;
        size_t j = 0;
        while (j < ng && strcmp(g[j].address, in->address) != 0)
            j++;
        if (j == ng)
            g[ng++].address = in->address;
        g[j].value += in->value;
        total += in->value;
    }
    char txid[65];
    ct_hash_to_hex(txid, tx->txid);
    int rc = CT_OK;
    uint64_t *share = calloc(ng ? ng : 1, sizeof(*share));
    u128 *rem = calloc(ng ? ng : 1, sizeof(*rem));
    if (!share || !rem)
        rc = oom(k->err);
    for (uint32_t o = 0; rc == CT_OK && total > 0 && o < tx->n_out; o++) {
        const ct_graph_output *out = &tx->out[o];
        if (!out->address[0] || out->value == 0)
            continue;
        if (k->o->direction == CT_EXPORT_IN && strcmp(out->address, xa) != 0)
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
            if (k->o->direction == CT_EXPORT_OUT && strcmp(g[j].address, xa) != 0)
                continue;
            uint64_t s, t;
            if ((rc = addr_node(k, g[j].address, hop, &s)) != CT_OK)
                break;
            if ((rc = addr_node(k, out->address, hop, &t)) != CT_OK)
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
            e.height = tx->height;
            e.time = tx->block_time;
            e.txid = txid;
            e.index = o;
            touch(&k->nodes[t], &e.value, tx->height, tx->block_time);
            touch(&k->nodes[s], NULL, tx->height, tx->block_time);
            rc = emit(k, &e);
        }
    }
    free(share);
    free(rem);
    free(g);
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

/* The history of the start address, or of an expanded address node: each transaction in
 * the direction asked, once per (transaction, node) -- once per transaction for both. */
static int btc_history(walk *k, const char *address, uint64_t x, bool tx_level)
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
        if (tx_level) {
            uint64_t idx;
            if ((rc = tx_node(k, e.txid, 0, &idx)) != CT_OK)
                break;
            continue;
        }
        uint8_t key[40];
        memcpy(key, e.txid, 32);
        ct_put_le64(key + 32, k->o->direction == CT_EXPORT_BOTH ? 0 : x);
        uint64_t one;
        if (ct_hmap_get(&k->seen, key, 40, &one))
            continue;
        if (ct_hmap_put(&k->seen, key, 40, 1) != CT_OK) {
            rc = oom(k->err);
            break;
        }
        ct_graph_tx tx;
        if ((rc = ct_graph_tx_get(k->db, &tx, e.txid, k->err)) != CT_OK)
            break;
        rc = btc_addr_tx(k, x, &tx);
        ct_graph_tx_release(&tx);
        if (rc != CT_OK)
            break;
    }
    ct_graph_history_free(h);
    return rc == CT_EEOF ? CT_OK : rc;
}

static int walk_btc(walk *k, const char *address)
{
    int rc = ct_labels_reader_new(&k->labels, k->db, k->err);
    if (rc != CT_OK)
        return rc;
    ct_label_list_init(&k->list);
    ct_graph_address a;
    if ((rc = ct_graph_address_get(k->db, &a, address, k->err)) != CT_OK)
        return rc;
    char *canon = strdup(a.address);
    ct_graph_address_release(&a);
    if (!canon)
        return oom(k->err);
    if (k->o->level == CT_EXPORT_LEVEL_TX) {
        /* hop 0: the address's own transactions */
        rc = btc_history(k, canon, 0, true);
        for (uint64_t x = 0; rc == CT_OK && x < k->n; x++)
            if (k->nodes[x].hop < k->o->hops)
                rc = btc_tx_expand(k, x);
        free(canon);
        return rc;
    }
    uint64_t start;
    rc = addr_node(k, canon, 0, &start);
    free(canon);
    for (uint64_t x = 0; rc == CT_OK && x < k->n; x++) {
        if (k->nodes[x].hop >= k->o->hops)
            continue;
        char *cur = strdup(k->nodes[x].address); /* the table may move while it grows */
        if (!cur)
            return oom(k->err);
        rc = btc_history(k, cur, x, false);
        free(cur);
    }
    return rc;
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

int ct_export_address(ct_db *db, ct_export_stats *stats, const char *address, const char *path,
                      const ct_export_address_options *o, ct_error *err)
{
    memset(stats, 0, sizeof(*stats));
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
    bool eth = is_eth_address(address);
    stats->ethereum = eth;
    if (eth && o->level == CT_EXPORT_LEVEL_TX)
        return ct_fail(err, CT_EINVAL, "level-tx-account",
                       "--level tx is for the Bitcoin family: an account chain has no "
                       "transaction-to-transaction links (use --level address)");
    walk k;
    memset(&k, 0, sizeof(k));
    k.db = db;
    k.o = o;
    k.err = err;
    ct_hmap_init(&k.index);
    ct_hmap_init(&k.seen);
    ex_schema schema = {eth, o->level == CT_EXPORT_LEVEL_TX ? "Tx" : "Address",
                        o->level == CT_EXPORT_LEVEL_TX ? "SPENT" : "PAID", false};
    int rc = ex_writer_open(&k.w, o->format, path, o->force, &schema, err);
    if (rc == CT_OK)
        rc = eth ? walk_eth(&k, address) : walk_btc(&k, address);
    if (rc == CT_OK) {
        ex_node *nodes = calloc(k.n ? k.n : 1, sizeof(*nodes));
        if (!nodes) {
            rc = oom(err);
        } else {
            for (uint64_t i = 0; i < k.n; i++) {
                const wnode *w = &k.nodes[i];
                ex_node *n = &nodes[i];
                bool tx = w->address == NULL;
                n->kind = tx ? "tx" : "address";
                n->address = tx ? "" : w->address;
                n->label = w->label ? w->label : "";
                n->category = w->category ? w->category : "";
                n->cluster = "";
                n->value = w->value;
                n->has_time = w->has_time;
                n->height = w->height;
                n->time = w->time;
                n->txid = tx ? w->txid : "";
            }
            rc = ex_writer_finish(k.w, nodes, k.n, err);
            k.w = NULL;
            free(nodes);
        }
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
    if (k.labels) {
        ct_label_list_release(&k.list);
        ct_labels_reader_free(k.labels);
    }
    return rc;
}
