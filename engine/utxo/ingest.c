/* Ingest: turns decoded Bitcoin blocks into graph rows (docs/storage.md). Consecutive
 * main-chain blocks are committed in groups: one synchronous LevelDB batch holds the rows,
 * undo records, counters and resume markers of a bounded run of blocks (group commit,
 * docs/ingest.md), so that an interruption at any instant resumes exactly at a group end.
 * Within a group, later blocks read the earlier, uncommitted ones through the row cache
 * (engine/store/rowcache.h), which also keeps recent rows so that most inputs need no LevelDB
 * read. Anything else that writes (a side branch, an orphan, a rollback, a reorg) first
 * commits the pending group.
 *
 * Blocks are placed in a header tree; the chain with the most work is the main chain.
 * Blocks whose parent is unknown wait (raw bytes kept) until it arrives; a side branch that
 * overtakes the tip triggers a rollback through the undo records and the branch is applied.
 * A main-chain block read from a file on disk keeps no raw bytes: a switch back to it reads
 * them from that file again (its header row says where). Blocks without such a source
 * (stdin, hex text) keep theirs for the last CT_RAW_WINDOW main blocks, so that a switch can
 * be undone again. Inputs whose previous output is not in the database are stored and
 * marked "prevout unknown".
 */
#define _DEFAULT_SOURCE 1 /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "chaintrail/db.h"
#include "db/db_internal.h"
#include "base/hmap.h"
#include "store/rowcache.h"
#include "db/schema.h"
#include "cluster/cluster_internal.h"

#define CT_RAW_WINDOW 16u
/* Records read ahead when a block's rows enter the row cache (join_group). */
#define PREFETCH_AHEAD 8
/* Largest block read back from a source file: the reader's default max_record, which the
 * ingest uses, so no stored size above it is genuine. */
#define CT_SOURCE_BLOCK_MAX 4000000u

/* Default bounds of a commit group (docs/ingest.md): it is committed when it holds this
 * many transactions or batch bytes, or has been open this long. */
#define CT_GROUP_TXS        20000u
#define CT_GROUP_BYTES      (32u << 20)
#define CT_GROUP_SECONDS    1.0
#define CT_ROWCACHE_DEFAULT (256u << 20)

/* Undo record: CT_UNDO_WIDE and the delta sizes are in db/schema.h (the rebuild of the
 * clusters reads these records too). */
#define UNDO_WIDE       CT_UNDO_WIDE
#define UNDO_DELTA_SIZE CT_UNDO_DELTA_WIDE

typedef struct delta {
    uint64_t addrid;
    unsigned __int128 recv, sent; /* a block can move more than 2^64 (docs/storage.md) */
    uint64_t txs, outputs;
    int64_t unspent;
    uint64_t first_tx, last_tx;
} delta;

typedef struct ing {
    ct_db *db;
    ct_store *st;
    const ct_btc_params *net;
    const ct_ingest_options *o;
    ct_ingest_stats *stats;
    ct_error *err;
    ct_store_batch *b;
    ct_buf v;    /* scratch value */
    ct_buf undo; /* the undo record being built */
    ct_buf kv;   /* generic undo entries of the block */
    uint32_t n_kv;
    ct_buf clkv; /* the block's cluster undo entries: they follow the others (as rebuild's) */
    uint32_t n_clkv;
    ct_btc_dest *dest;
    ct_hmap txids;   /* txid -> index in block, for spends inside the block */
    ct_hmap addrs;   /* address string -> addrid, for addresses new in this block */
    ct_hmap touched; /* addrid -> index in deltas */
    ct_hmap spent;   /* stored outputs (txnum, vout) spent by this block: links not written yet */
    delta *deltas;
    size_t n_deltas, cap_deltas;
    uint64_t *out_addr; /* addrid of every output of the block, tx by tx */
    uint8_t *out_spent; /* spent inside the block */
    uint32_t *out_base; /* per tx: index of its first output in out_addr */
    uint8_t *out_type;  /* script type of every output of the block */
    size_t cap_out, cap_tx;
    /* clustering (docs/clustering.md): the block's union-find work area, the input
     * addresses of the current transaction, the keys whose undo the block recorded */
    ct_cl_work cl;
    ct_cj_in *cj_in;   /* inputs of the current transaction */
    ct_cj_out *cj_out; /* its outputs */
    uint64_t *link_b;  /* per output: the other address of a P2PK key (0: none) */
    size_t cap_in, cap_txout;
    ct_hmap cl_undone;
    ct_btc_block blk;
    /* group commit: the logged rows of the pending blocks (group_log, oplog records) and
     * their meta rows and resume markers (group_tail) */
    ct_store_batch *group; /* NULL: every block alone, e.g. rollback */
    ct_store_batch *group_tail;
    ct_buf group_log;
    size_t *group_ofs;          /* offsets of the records of group_log */
    const uint8_t **group_recs; /* the same as pointers, sorted at commit time */
    size_t cap_recs;
    size_t n_ofs, cap_ofs;
    uint64_t group_blocks, group_txs, group_bip30_skipped;
    double group_start;
    ct_buf oplog; /* the current block's puts and deletes, for the row cache */
    bool oplog_failed;
    bool flush_failed; /* the last flush lost its group: reload the state from the database */
    ct_rowcache cache;
    uint64_t block_first_addrid; /* addrids from here on are new in the current block */
    bool skip_bip30;             /* the current block's txids cannot be duplicates */
    uint64_t block_bip30_skipped; /* lookups skipped in the current block */
    int bip34_block_ok;          /* main chain holds the network's BIP34 block: 1, 0, -1 unknown */
} ing;

/* ---- small helpers ---- */
/* The highest height stored: heights are 32-bit in the rows and the tip + 1 must fit (the
 * same bound as Ethereum's, and the CLI's --start-height range). */
#define MAX_HEIGHT ((uint32_t)UINT32_MAX - 1)

/* A block above MAX_HEIGHT (a chain started with --start-height near the bound): stops the
 * run, nothing of it stored, instead of wrapping its height to 0. */
static int height_limit(ing *g, const uint8_t hash[32], uint32_t parent_height)
{
    char hex[65];
    ct_hash_to_hex(hex, hash);
    return ct_fail(g->err, CT_ECORRUPT, "height-limit",
                   "block %s would be at height %llu, above %lu, the highest height a database "
                   "stores",
                   hex, (unsigned long long)parent_height + 1, (unsigned long)MAX_HEIGHT);
}

static int oom(ing *g)
{
    return ct_fail(g->err, CT_ENOMEM, "out-of-memory", "during ingest");
}

/* Every put and delete of a block is also logged (klen u8, present u8, vlen BE32, key,
 * value), to enter the row cache once the block is connected. A log that cannot grow is
 * marked failed and the block is not connected (out of memory). */
static void oplog_add(ing *g, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                      bool present)
{
    uint8_t h[6];
    h[0] = (uint8_t)kl;
    h[1] = present;
    ct_put_be32(h + 2, (uint32_t)vl);
    if (ct_buf_append(&g->oplog, h, 6) || ct_buf_append(&g->oplog, k, kl) ||
        (vl && ct_buf_append(&g->oplog, v, vl)))
        g->oplog_failed = true;
}

static void put(ing *g, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ct_store_batch_put(g->b, k, kl, v, vl);
    oplog_add(g, k, kl, v, vl, true);
}

static void del(ing *g, const uint8_t *k, size_t kl)
{
    ct_store_batch_del(g->b, k, kl);
    oplog_add(g, k, kl, NULL, 0, false);
}

/* Tables whose rows the ingest reads while a group is pending, so the cache holds all
 * their pending rows. The others (c r i y d u, meta, files) are read only by iterators
 * (c, which sees no pending row of the parent it scans, see adopt_children) or after the
 * group is committed (disconnect_tip and load_raw commit it first). */
static bool cached_table(uint8_t t)
{
    switch (t) {
    case CT_T_HEADER:
    case CT_T_HEIGHT:
    case CT_T_TXID:
    case CT_T_TX:
    case CT_T_OUTPUT:
    case CT_T_SPEND:
    case CT_T_ADDR:
    case CT_T_LINK:
    case CT_T_TOTALS:
    case CT_T_CLUSTER:
        return true;
    default:
        return false;
    }
}

/* Reads a row: the row cache first (pending group rows and recent rows), then LevelDB. A
 * row found in LevelDB enters the cache (the cache has no entry for it, so no pending
 * write of it exists). */
static int get(ing *g, const uint8_t *k, size_t kl)
{
    const uint8_t *cv;
    size_t cl;
    int c = ct_rowcache_get(&g->cache, k, kl, &cv, &cl);
    if (c == 0)
        return CT_ENOTFOUND;
    if (c > 0) {
        ct_buf_reset(&g->v);
        return ct_buf_append(&g->v, cv, cl)
                   ? ct_fail(g->err, CT_ENOMEM, "out-of-memory", "during ingest")
                   : CT_OK;
    }
    int rc = ct_store_get(g->st, NULL, k, kl, &g->v, g->err);
    /* Rows read again soon enter the cache (not outputs and spend links: an output is
     * spent once). A put that fails (out of memory) leaves the cache as it was. */
    if (rc == CT_OK && g->cache.budget && cached_table(k[0]) && k[0] != CT_T_OUTPUT &&
        k[0] != CT_T_SPEND)
        (void)!ct_rowcache_put(&g->cache, k, kl, g->v.data, g->v.len, true);
    /* Most addresses are in no cluster: their absence is remembered too. */
    if (rc == CT_ENOTFOUND && g->cache.budget && k[0] == CT_T_CLUSTER)
        (void)!ct_rowcache_put(&g->cache, k, kl, NULL, 0, false);
    return rc;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Orders log records (pointers into one log) by key, then by position: equal keys keep
 * their write order. */
static int cmp_rec(const void *a, const void *b)
{
    const uint8_t *ra = *(const uint8_t *const *)a, *rb = *(const uint8_t *const *)b;
    size_t la = ra[0], lb = rb[0];
    int c = memcmp(ra + 6, rb + 6, la < lb ? la : lb);
    if (c)
        return c;
    if (la != lb)
        return la < lb ? -1 : 1;
    return ra < rb ? -1 : ra > rb;
}

/* Commits the pending group in one synchronous write. Its rows go to LevelDB in key order,
 * each key once (its last value): inserting sorted keys into LevelDB's memtable walks the
 * same nodes again and again, which stay in the CPU cache. On failure nothing of the group
 * is stored: the in-memory state is reloaded from the database, the cache forgotten and
 * the group's blocks taken out of the statistics. */
static int flush_group(ing *g)
{
    if (!g->group || g->group_blocks == 0)
        return CT_OK;
    int rc = CT_OK;
    if (g->n_ofs > g->cap_recs) {
        const uint8_t **nr = realloc(g->group_recs, g->n_ofs * sizeof(*nr));
        if (!nr)
            rc = ct_fail(g->err, CT_ENOMEM, "out-of-memory", "sorting a commit group");
        else
            g->group_recs = nr, g->cap_recs = g->n_ofs;
    }
    if (rc == CT_OK) {
        for (size_t i = 0; i < g->n_ofs; i++)
            g->group_recs[i] = g->group_log.data + g->group_ofs[i];
        qsort(g->group_recs, g->n_ofs, sizeof(*g->group_recs), cmp_rec);
        ct_store_batch_clear(g->group);
        for (size_t i = 0; i < g->n_ofs; i++) {
            const uint8_t *r = g->group_recs[i];
            if (i + 1 < g->n_ofs) {
                const uint8_t *nx = g->group_recs[i + 1];
                if (nx[0] == r[0] && memcmp(nx + 6, r + 6, r[0]) == 0)
                    continue; /* overwritten later in the group */
            }
            if (r[1])
                ct_store_batch_put(g->group, r + 6, r[0], r + 6 + r[0], ct_be32(r + 2));
            else
                ct_store_batch_del(g->group, r + 6, r[0]);
        }
        ct_store_batch_append(g->group, g->group_tail);
        rc = ct_store_write(g->st, g->group, true, g->err);
    }
    ct_store_batch_clear(g->group);
    ct_store_batch_clear(g->group_tail);
    ct_buf_reset(&g->group_log);
    g->n_ofs = 0;
    if (rc != CT_OK) {
        g->flush_failed = true;
        ct_rowcache_clear(&g->cache);
        (void)ct_db_load_meta(g->db, NULL);
        g->stats->blocks_connected -= g->group_blocks;
        g->stats->txs -= g->group_txs;
        g->stats->bip30_skipped -= g->group_bip30_skipped;
        g->stats->height = g->db->has_tip ? (int64_t)g->db->tip.height : -1;
    } else {
        ct_rowcache_rotate(&g->cache);
    }
    g->group_blocks = g->group_txs = g->group_bip30_skipped = 0;
    return rc;
}

/* Writes g->b now, synchronously, after the pending group (whose rows it may follow). The
 * cache is forgotten: these writes (headers, raw blocks, disconnections) are not logged. */
static int write_now(ing *g, ct_error *err)
{
    int rc = flush_group(g);
    if (rc != CT_OK)
        return rc;
    ct_rowcache_clear(&g->cache);
    ct_buf_reset(&g->oplog);
    return ct_store_write(g->st, g->b, true, err);
}

/* Appends to an undo log that key k held v (vl bytes), or nothing (!present). */
static int undo_entry(ing *g, ct_buf *log, uint32_t *n, const uint8_t *k, size_t kl,
                      const uint8_t *v, size_t vl, bool present)
{
    if (ct_undo_kv_append(log, k, kl, v, vl, present))
        return oom(g);
    (*n)++;
    return CT_OK;
}

/* Records in the block's undo log that key k held v (vl bytes), or nothing (!present). */
static int undo_value(ing *g, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                      bool present)
{
    return undo_entry(g, &g->kv, &g->n_kv, k, kl, v, vl, present);
}

/* Records in the block's undo log how to restore key k: its current value, or absence. */
static int undo_key(ing *g, const uint8_t *k, size_t kl)
{
    int rc = get(g, k, kl);
    if (rc != CT_OK && rc != CT_ENOTFOUND)
        return rc;
    return undo_value(g, k, kl, g->v.data, g->v.len, rc == CT_OK);
}

/* The clustering module's view of the ingest (cluster/uf.h): reads through the row cache,
 * writes into the block's batch with an undo entry for the key's value before the block. */
static int cl_get(void *ctx, const uint8_t *k, size_t kl, const uint8_t **v, size_t *vl)
{
    ing *g = ctx;
    int rc = get(g, k, kl);
    *v = g->v.data;
    *vl = g->v.len;
    return rc;
}

static int cl_put(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                  const uint8_t *old, size_t old_len, bool old_present)
{
    ing *g = ctx;
    uint64_t seen;
    if (!ct_hmap_get(&g->cl_undone, k, kl, &seen)) {
        int rc = undo_entry(g, &g->clkv, &g->n_clkv, k, kl, old, old_len, old_present);
        if (rc)
            return rc;
        if (ct_hmap_put(&g->cl_undone, k, kl, 1))
            return oom(g);
    }
    put(g, k, kl, v, vl);
    return CT_OK;
}

static int touch(ing *g, uint64_t addrid, uint64_t txnum, delta **out)
{
    uint8_t key[8];
    uint64_t idx;
    ct_put_be64(key, addrid);
    if (ct_hmap_get(&g->touched, key, 8, &idx)) {
        *out = &g->deltas[idx];
    } else {
        if (g->n_deltas == g->cap_deltas) {
            size_t ncap = g->cap_deltas ? g->cap_deltas * 2 : 256;
            delta *d = realloc(g->deltas, ncap * sizeof(*d));
            if (!d)
                return oom(g);
            g->deltas = d;
            g->cap_deltas = ncap;
        }
        idx = g->n_deltas++;
        if (ct_hmap_put(&g->touched, key, 8, idx))
            return oom(g);
        *out = &g->deltas[idx];
        memset(*out, 0, sizeof(**out));
        (*out)->addrid = addrid;
        (*out)->first_tx = txnum;
    }
    if ((*out)->last_tx != txnum) {
        (*out)->txs++;
        (*out)->last_tx = txnum;
    }
    return CT_OK;
}

/* The stored identity of an output: its address, or "script-<sha256>" for scripts without
 * one (bare multisig and nonstandard; shown as "script:<hex of the script>" from the script
 * kept in the d row), or none for OP_RETURN. */
static void output_identity(const ct_btc_dest *d, char *buf, size_t size)
{
    buf[0] = '\0';
    switch (d->type) {
    case CT_BTC_NULLDATA:
        return;
    case CT_BTC_MULTISIG:
    case CT_BTC_NONSTANDARD: {
        char hex[65];
        ct_hex_encode(hex, d->script_hash, 32);
        snprintf(buf, size, "script-%s", hex);
        return;
    }
    default:
        snprintf(buf, size, "%s", d->addr[0]);
        return;
    }
}

/* Finds or creates the addrid of an address string. *created tells whether it is new. A
 * script identity's d row also holds the script (script, n bytes; NULL for an address). */
static int addrid_of(ing *g, const char *addr, uint8_t type, const uint8_t *script,
                     size_t script_len, uint64_t *id, bool *created)
{
    size_t n = strlen(addr);
    uint8_t key[1 + CT_BTC_ADDR_MAX];
    *created = false;
    if (ct_hmap_get(&g->addrs, addr, n, id))
        return CT_OK;
    key[0] = CT_T_ADDR;
    memcpy(key + 1, addr, n);
    int rc = get(g, key, n + 1);
    if (rc == CT_OK) {
        if (g->v.len != 8)
            return ct_fail(g->err, CT_EDBCORRUPT, "bad-row", "address row of %zu bytes", g->v.len);
        *id = ct_be64(g->v.data);
        return CT_OK;
    }
    if (rc != CT_ENOTFOUND)
        return rc;
    *id = g->db->next.addrid++;
    *created = true;
    uint8_t val[8], dkey[9];
    ct_put_be64(val, *id);
    put(g, key, n + 1, val, 8);
    ct_key_u64(dkey, CT_T_ADDRID, *id);
    size_t dl = 1 + n + (script ? 1 + script_len : 0);
    ct_buf_reset(&g->v);
    if (ct_buf_reserve(&g->v, dl))
        return oom(g);
    g->v.data[0] = type;
    memcpy(g->v.data + 1, addr, n);
    if (script) {
        g->v.data[1 + n] = 0;
        if (script_len)
            memcpy(g->v.data + 2 + n, script, script_len);
    }
    put(g, dkey, 9, g->v.data, dl);
    g->db->ctr.addresses++;
    if (ct_hmap_put(&g->addrs, addr, n, *id))
        return oom(g);
    return CT_OK;
}

/* P2PK: link the addresses of the key's two serializations (one key, two addresses). */
static int link_keys(ing *g, uint64_t a, const char *other, uint64_t *partner)
{
    uint64_t b;
    bool created;
    uint8_t k[9], v[8];
    int rc = addrid_of(g, other, CT_BTC_P2PKH, NULL, 0, &b, &created);
    if (rc)
        return rc;
    *partner = b;
    ct_key_u64(k, CT_T_LINK, a);
    rc = get(g, k, 9);
    if (rc == CT_OK)
        return CT_OK; /* linked before */
    if (rc != CT_ENOTFOUND)
        return rc;
    uint64_t pair[2][2] = {{a, b}, {b, a}};
    for (int i = 0; i < 2; i++) {
        ct_key_u64(k, CT_T_LINK, pair[i][0]);
        if ((rc = undo_key(g, k, 9)))
            return rc;
        ct_put_be64(v, pair[i][1]);
        put(g, k, 9, v, 8);
    }
    return CT_OK;
}

static int invalid(ing *g, uint32_t txi, const char *reason, const char *what, uint32_t a)
{
    if (g->err)
        g->err->tx_index = txi;
    return ct_fail(g->err, CT_ECORRUPT, reason, "%s %u", what, a);
}

/* BIP30: a txid seen before (the duplicate coinbases of heights 91842 and 91880). As in
 * Bitcoin Core, the older transaction's unspent outputs are overwritten: they leave the
 * unspent set and their address balance, marked with an "overwritten" spend link. */
static int overwrite_old(ing *g, uint64_t old_txnum, uint64_t txnum)
{
    uint8_t k[13], v[CT_ROW_SPEND_SIZE];
    ct_row_tx tx;
    int rc;
    ct_key_u64(k, CT_T_TX, old_txnum);
    if ((rc = get(g, k, 9)) || (rc = ct_row_tx_decode(&tx, g->v.data, g->v.len, g->err)))
        return rc == CT_ENOTFOUND ? ct_fail(g->err, CT_EDBCORRUPT, "missing-row", "tx %llu",
                                            (unsigned long long)old_txnum)
                                  : rc;
    for (uint32_t vout = 0; vout < tx.n_out; vout++) {
        ct_key_u64_u32(k, CT_T_SPEND, old_txnum, vout);
        rc = get(g, k, 13);
        if (rc == CT_OK)
            continue;
        if (rc != CT_ENOTFOUND)
            return rc;
        ct_row_output out;
        ct_key_u64_u32(k, CT_T_OUTPUT, old_txnum, vout);
        if ((rc = get(g, k, 13)) || (rc = ct_row_output_decode(&out, g->v.data, g->v.len, g->err)))
            return rc;
        uint64_t value = out.value, addrid = out.addrid;
        ct_key_u64_u32(k, CT_T_SPEND, old_txnum, vout);
        if ((rc = undo_key(g, k, 13)))
            return rc;
        ct_row_spend sp = {CT_TXNUM_OVERWRITTEN, UINT32_MAX};
        put(g, k, 13, v, ct_row_spend_encode(v, &sp));
        g->db->ctr.unspent_outputs--;
        g->db->ctr.unspent_value -= value;
        g->db->ctr.overwritten++;
        if (addrid != CT_ADDRID_NONE) {
            delta *d;
            if ((rc = touch(g, addrid, txnum, &d)))
                return rc;
            d->sent += value;
            d->unspent--;
        }
    }
    return CT_OK;
}

static int grow_block_scratch(ing *g, const ct_btc_block *blk)
{
    size_t outs = 0;
    for (uint32_t i = 0; i < blk->n_tx; i++)
        outs += blk->tx[i].n_out;
    if (outs > g->cap_out) {
        uint64_t *a = realloc(g->out_addr, outs * sizeof(*a));
        if (!a)
            return oom(g);
        g->out_addr = a;
        uint8_t *s = realloc(g->out_spent, outs);
        if (!s)
            return oom(g);
        g->out_spent = s;
        uint8_t *ty = realloc(g->out_type, outs);
        if (!ty)
            return oom(g);
        g->out_type = ty;
        g->cap_out = outs;
    }
    if (blk->n_tx > g->cap_tx) {
        uint32_t *b = realloc(g->out_base, blk->n_tx * sizeof(*b));
        if (!b)
            return oom(g);
        g->out_base = b;
        g->cap_tx = blk->n_tx;
    }
    memset(g->out_spent, 0, outs);
    outs = 0;
    for (uint32_t i = 0; i < blk->n_tx; i++) {
        g->out_base[i] = (uint32_t)outs;
        outs += blk->tx[i].n_out;
    }
    return CT_OK;
}

/* Adds the rows of one input (non-coinbase) of transaction txnum. */
static int connect_input(ing *g, const ct_btc_block *blk, uint32_t ti, uint32_t vin, uint64_t txnum,
                         uint64_t first_txnum, uint64_t *in_total, bool *unknown)
{
    const ct_btc_txin *in = &blk->tx[ti].in[vin];
    ct_row_input row = {CT_TXNUM_NONE, in->prev_vout, 0, CT_ADDRID_NONE, {0}};
    uint8_t k[22], v[CT_ROW_INPUT_SIZE + 32];
    uint64_t idx;
    uint8_t in_type = 0; /* script type of the spent output (0: unknown) */
    int rc;

    if (ct_hmap_get(&g->txids, in->prev_txid, 32, &idx)) {
        const ct_btc_tx *prev = &blk->tx[idx];
        if (in->prev_vout >= prev->n_out || g->out_spent[g->out_base[idx] + in->prev_vout])
            return invalid(g, ti, "bad-txns-inputs-missingorspent",
                           "missing or already spent output of this block, at input", vin);
        g->out_spent[g->out_base[idx] + in->prev_vout] = 1;
        row.prev_txnum = first_txnum + idx;
        row.value = prev->out[in->prev_vout].value;
        row.addrid = g->out_addr[g->out_base[idx] + in->prev_vout];
        in_type = g->out_type[g->out_base[idx] + in->prev_vout];
    } else {
        uint8_t tk[33];
        rc = get(g, tk, ct_key_hash(tk, CT_T_TXID, in->prev_txid));
        if (rc == CT_OK && g->v.len == 8) {
            row.prev_txnum = ct_be64(g->v.data);
            ct_key_u64_u32(k, CT_T_SPEND, row.prev_txnum, in->prev_vout);
            rc = get(g, k, 13);
            if (rc == CT_OK)
                return invalid(g, ti, "bad-txns-inputs-missingorspent",
                               "output already spent, at input", vin);
            if (rc != CT_ENOTFOUND)
                return rc;
            /* An earlier transaction of this block may have spent it: its link is only in
             * the batch, which get() does not see. */
            if (ct_hmap_get(&g->spent, k + 1, 12, &idx))
                return invalid(g, ti, "bad-txns-inputs-missingorspent",
                               "output already spent in this block, at input", vin);
            if (ct_hmap_put(&g->spent, k + 1, 12, 1))
                return oom(g);
            ct_row_output out;
            ct_key_u64_u32(k, CT_T_OUTPUT, row.prev_txnum, in->prev_vout);
            rc = get(g, k, 13);
            if (rc == CT_ENOTFOUND)
                return invalid(g, ti, "bad-txns-inputs-missingorspent",
                               "output does not exist, at input", vin);
            if (rc || (rc = ct_row_output_decode(&out, g->v.data, g->v.len, g->err)))
                return rc;
            row.value = out.value;
            row.addrid = out.addrid;
            in_type = out.type;
        } else if (rc == CT_ENOTFOUND) {
            *unknown = true; /* chain ingested from a later height */
            memcpy(row.prev_txid, in->prev_txid, 32);
            g->db->ctr.unknown_prevouts++;
        } else {
            return rc == CT_OK ? ct_fail(g->err, CT_EDBCORRUPT, "bad-row", "txid row") : rc;
        }
    }
    if (row.prev_txnum != CT_TXNUM_NONE) {
        ct_row_spend sp = {txnum, vin};
        uint8_t sv[CT_ROW_SPEND_SIZE];
        ct_key_u64_u32(k, CT_T_SPEND, row.prev_txnum, in->prev_vout);
        put(g, k, 13, sv, ct_row_spend_encode(sv, &sp));
        g->db->ctr.unspent_outputs--;
        g->db->ctr.unspent_value -= row.value;
        *in_total += row.value; /* each <= MAX_MONEY, at most 2^25 inputs: no wrap */
    }
    ct_key_u64_u32(k, CT_T_INPUT, txnum, vin);
    put(g, k, 13, v, ct_row_input_encode(v, &row));
    g->cj_in[vin] = (ct_cj_in){row.value, row.addrid, in_type};
    if (row.addrid != CT_ADDRID_NONE) {
        delta *d;
        uint8_t hv[8];
        ct_put_be64(hv, row.value);
        put(g, k, ct_key_history(k, row.addrid, txnum, 1, vin), hv, 8);
        if ((rc = touch(g, row.addrid, txnum, &d)))
            return rc;
        d->sent += row.value;
        d->unspent--;
    }
    g->db->ctr.inputs++;
    return CT_OK;
}

static int connect_output(ing *g, const ct_btc_block *blk, uint32_t ti, uint32_t vout,
                          uint64_t txnum)
{
    const ct_btc_txout *out = &blk->tx[ti].out[vout];
    char ident[CT_BTC_ADDR_MAX];
    uint64_t addrid = CT_ADDRID_NONE;
    bool created;
    int rc;

    if ((rc = ct_btc_script_dest(g->dest, out->script, out->script_len, g->net)))
        return ct_fail(g->err, rc, "script", "classifying output %u", vout);
    output_identity(g->dest, ident, sizeof(ident));
    if (ident[0]) {
        bool script_id = g->dest->type == CT_BTC_MULTISIG || g->dest->type == CT_BTC_NONSTANDARD;
        if ((rc = addrid_of(g, ident, (uint8_t)g->dest->type, script_id ? out->script : NULL,
                            out->script_len, &addrid, &created)))
            return rc;
        if (g->dest->type == CT_BTC_P2PK && g->dest->linked[0][0] &&
            (rc = link_keys(g, addrid, g->dest->linked[0], &g->link_b[vout])))
            return rc;
    }
    g->cj_out[vout] = (ct_cj_out){out->value, addrid, (uint8_t)g->dest->type};
    g->out_addr[g->out_base[ti] + vout] = addrid;
    g->out_type[g->out_base[ti] + vout] = (uint8_t)g->dest->type;

    ct_row_output row = {out->value, (uint8_t)g->dest->type, addrid, NULL, 0};
    if (g->dest->type == CT_BTC_NULLDATA) {
        row.data = g->dest->data;
        row.data_len = g->dest->data_len;
    }
    uint8_t k[22];
    ct_buf_reset(&g->v);
    if (ct_buf_reserve(&g->v, CT_ROW_OUTPUT_SIZE + row.data_len))
        return oom(g);
    size_t vl = ct_row_output_encode(g->v.data, &row);
    ct_key_u64_u32(k, CT_T_OUTPUT, txnum, vout);
    put(g, k, 13, g->v.data, vl);
    if (addrid != CT_ADDRID_NONE) {
        delta *d;
        uint8_t hv[8];
        ct_put_be64(hv, out->value);
        put(g, k, ct_key_history(k, addrid, txnum, 0, vout), hv, 8);
        if ((rc = touch(g, addrid, txnum, &d)))
            return rc;
        d->recv += out->value;
        d->outputs++;
        d->unspent++;
    }
    g->db->ctr.outputs++;
    g->db->ctr.unspent_outputs++;
    g->db->ctr.unspent_value += out->value;
    return CT_OK;
}

static int connect_tx(ing *g, const ct_btc_block *blk, uint32_t ti, uint32_t height,
                      uint64_t first_txnum)
{
    const ct_btc_tx *tx = &blk->tx[ti];
    uint64_t txnum = first_txnum + ti;
    uint64_t in_total = 0;
    bool unknown = false;
    uint8_t k[33], v[CT_ROW_TX_SIZE];
    int rc;

    /* BIP30 duplicate txid (not looked up where BIP34 rules duplicates out: bip30_needed). */
    if (g->skip_bip30) {
        rc = CT_ENOTFOUND;
        g->block_bip30_skipped++;
    } else {
        rc = get(g, k, ct_key_hash(k, CT_T_TXID, tx->txid));
    }
    if (rc == CT_OK) {
        uint64_t old = g->v.len == 8 ? ct_be64(g->v.data) : 0;
        if ((rc = undo_key(g, k, 33)) || (rc = overwrite_old(g, old, txnum)))
            return rc;
    } else if (rc != CT_ENOTFOUND) {
        return rc;
    }
    if (tx->n_in > g->cap_in) {
        ct_cj_in *na = realloc(g->cj_in, tx->n_in * sizeof(*na));
        if (!na)
            return oom(g);
        g->cj_in = na;
        g->cap_in = tx->n_in;
    }
    if (tx->n_out > g->cap_txout) {
        ct_cj_out *no = realloc(g->cj_out, tx->n_out * sizeof(*no));
        uint64_t *nl = no ? realloc(g->link_b, tx->n_out * sizeof(*nl)) : NULL;
        if (no)
            g->cj_out = no;
        if (!nl)
            return oom(g);
        g->link_b = nl;
        g->cap_txout = tx->n_out;
    }
    memset(g->link_b, 0, tx->n_out * sizeof(*g->link_b));
    for (uint32_t i = 0; i < tx->n_in && !tx->coinbase; i++)
        if ((rc = connect_input(g, blk, ti, i, txnum, first_txnum, &in_total, &unknown)))
            return rc;
    for (uint32_t j = 0; j < tx->n_out; j++)
        if ((rc = connect_output(g, blk, ti, j, txnum)))
            return rc;
    /* Clustering (docs/clustering.md): the multi-input rule, then the two addresses of each
     * P2PK key paid, in output order; cluster rebuild does the same from the rows. */
    if (g->db->clusters) {
        ct_cj_tx cj = {0, 0, height, tx->coinbase ? 0 : tx->n_in, tx->n_out, g->cj_in, g->cj_out};
        if (!tx->coinbase && (rc = ct_cl_tx(&g->cl, &cj, txnum, NULL)))
            return rc;
        for (uint32_t j = 0; j < tx->n_out; j++)
            if (g->link_b[j] && (rc = ct_cl_link(&g->cl, g->cj_out[j].addrid, g->link_b[j], txnum)))
                return rc;
    }
    uint64_t fee = 0;
    if (!tx->coinbase && !unknown) {
        if (in_total < tx->out_total)
            return invalid(g, ti, "bad-txns-in-belowout", "outputs exceed inputs in tx", ti);
        fee = in_total - tx->out_total;
    }
    ct_row_tx row;
    memcpy(row.txid, tx->txid, 32);
    row.height = height;
    row.index = ti;
    row.n_in = tx->n_in;
    row.n_out = tx->n_out;
    row.flags =
        (uint8_t)((tx->coinbase ? CT_TXF_COINBASE : 0) | (unknown ? CT_TXF_UNKNOWN_PREVOUT : 0));
    row.fee = fee;
    row.size = tx->size;
    row.weight = tx->stripped_size * 3 + tx->size;
    uint8_t tv[8];
    ct_put_be64(tv, txnum);
    put(g, k, ct_key_hash(k, CT_T_TXID, tx->txid), tv, 8);
    put(g, k, ct_key_u64(k, CT_T_TX, txnum), v, ct_row_tx_encode(v, &row));
    if (ct_hmap_put(&g->txids, tx->txid, 32, ti))
        return oom(g);
    g->db->ctr.txs++;
    return CT_OK;
}

/* Applies the address deltas to the totals rows and writes them into the undo record. */
static int apply_deltas(ing *g, const ct_counters *before)
{
    uint8_t k[9], v[CT_ROW_TOTALS_WIDE], u[UNDO_DELTA_SIZE];
    uint8_t n[4 + 8];
    /* The wide form (docs/storage.md, undo record): the flag, the high half of the counter
     * unspent_value before the block, and 128-bit deltas. */
    ct_put_be32(n, (uint32_t)g->n_deltas | UNDO_WIDE);
    ct_put_be64(n + 4, (uint64_t)(before->unspent_value >> 64));
    if (ct_buf_append(&g->undo, n, sizeof(n)))
        return oom(g);
    for (size_t i = 0; i < g->n_deltas; i++) {
        delta *d = &g->deltas[i];
        ct_row_totals t = {0, 0, 0, 0, 0, 0, 0};
        ct_key_u64(k, CT_T_TOTALS, d->addrid);
        /* An address new in this block has no totals row yet. */
        int rc = d->addrid >= g->block_first_addrid ? CT_ENOTFOUND : get(g, k, 9);
        if (rc == CT_OK) {
            if ((rc = ct_row_totals_decode(&t, g->v.data, g->v.len, g->err)))
                return rc;
        } else if (rc != CT_ENOTFOUND) {
            return rc;
        }
        uint64_t f[10] = {d->addrid,     (uint64_t)d->recv,         (uint64_t)d->sent,
                          d->txs,        d->outputs,                (uint64_t)d->unspent,
                          t.first_txnum, t.last_txnum,              (uint64_t)(d->recv >> 64),
                          (uint64_t)(d->sent >> 64)};
        for (int j = 0; j < 10; j++)
            ct_put_be64(u + 8 * j, f[j]);
        if (ct_buf_append(&g->undo, u, sizeof(u)))
            return oom(g);
        if (t.tx_count == 0)
            t.first_txnum = d->first_tx;
        t.last_txnum = d->last_tx;
        t.received += d->recv;
        t.sent += d->sent;
        t.tx_count += d->txs;
        t.outputs += d->outputs;
        t.unspent_outputs = (uint64_t)((int64_t)t.unspent_outputs + d->unspent);
        put(g, k, 9, v, ct_row_totals_encode(v, &t));
    }
    return CT_OK;
}

static void reset_block_scratch(ing *g)
{
    ct_hmap_clear(&g->txids);
    ct_hmap_clear(&g->addrs);
    ct_hmap_clear(&g->touched);
    ct_hmap_clear(&g->spent);
    ct_hmap_clear(&g->cl_undone);
    ct_cl_discard(&g->cl);
    g->n_deltas = 0;
    ct_buf_reset(&g->kv);
    ct_buf_reset(&g->clkv);
    ct_buf_reset(&g->undo);
    g->n_kv = 0;
    g->n_clkv = 0;
}

/* Whether the transactions of `blk`, connected at `height`, must be looked up for BIP30
 * duplicates. Bitcoin Core's reasoning (validation.cpp, ConnectBlock): once every coinbase
 * carries its height (BIP34), no coinbase can repeat an earlier one, and since a non-coinbase
 * transaction names the outputs it spends, none can repeat either without a double spend.
 * That holds here when: this block's coinbase carries `height`; every main-chain block stored
 * since max(1, BIP34 height) carried its own (meta "cbheights"); the chain holds the network's
 * BIP34 block where blocks below it did not carry heights; the height is below 1,983,702,
 * where an early coinbase's script could first read as a height (Core's
 * BIP34_IMPLIES_BIP30_LIMIT); and no stored input has an unknown prevout (a chain started
 * mid-way could spend, twice, outputs this database never saw). Updates "cbheights". */
static int bip30_needed(ing *g, const ct_btc_block *blk, uint32_t height, bool *needed)
{
    ct_db *db = g->db;
    int64_t from = g->net->bip34_height > 1 ? g->net->bip34_height : 1;
    bool carries = blk->bip34_height == (int64_t)height;
    *needed = true;
    if ((int64_t)height < from)
        return CT_OK;
    if (!carries) {
        if (db->cb_heights == 1)
            db->cb_heights = 0;
        return CT_OK;
    }
    if (db->cb_heights != 1 || height >= 1983702u || db->ctr.unknown_prevouts)
        return CT_OK;
    if (g->net->bip34_height > 1) {
        if ((int64_t)height == g->net->bip34_height) {
            g->bip34_block_ok = memcmp(blk->hash, g->net->bip34_hash, 32) == 0;
        } else if (g->bip34_block_ok < 0) {
            uint8_t k[5];
            ct_row_block b;
            int rc = get(g, k, ct_key_u32(k, CT_T_HEIGHT, (uint32_t)g->net->bip34_height));
            if (rc == CT_OK && (rc = ct_row_block_decode(&b, g->v.data, g->v.len, g->err)))
                return rc;
            if (rc != CT_OK && rc != CT_ENOTFOUND)
                return rc;
            g->bip34_block_ok = rc == CT_OK && memcmp(b.hash, g->net->bip34_hash, 32) == 0;
        }
        if (!g->bip34_block_ok)
            return CT_OK;
    }
    *needed = false;
    return CT_OK;
}

/* Adds to the batch every row of a block connected at `height` on top of the tip. The db's
 * in-memory counters and ids are updated; the caller restores them if it drops the batch.
 * `stored` says that the block was stored before (a side branch): its r row, if any, goes. */
static int connect_block(ing *g, const ct_btc_block *blk, const uint8_t *raw, size_t rawlen,
                         uint32_t height, const ct_row_header *hrow, bool stored)
{
    ct_db *db = g->db;
    uint64_t first_txnum = db->next.txnum, first_addrid = db->next.addrid;
    ct_counters before = db->ctr;
    ct_cl_counters cl_before = db->cl_ctr;
    uint8_t k[33], v[CT_ROW_HEADER_SIZE];
    int rc;

    g->block_first_addrid = first_addrid;
    bool needed;
    if ((rc = bip30_needed(g, blk, height, &needed)))
        return rc;
    g->skip_bip30 = !needed;
    g->block_bip30_skipped = 0;
    reset_block_scratch(g);
    if ((rc = grow_block_scratch(g, blk)))
        return rc;
    for (uint32_t i = 0; i < blk->n_tx; i++)
        if ((rc = connect_tx(g, blk, i, height, first_txnum)))
            return rc;
    db->next.txnum += blk->n_tx;
    if (db->clusters) {
        /* The cluster rows the block changed, with their values before it; the counters
         * before it restore the meta row (disconnect_tip). */
        uint8_t ck[16], cv[CT_CL_COUNTERS_SIZE];
        if ((rc = ct_cl_flush(&g->cl)) ||
            (rc = undo_entry(g, &g->clkv, &g->n_clkv, ck, ct_key_meta(ck, "clcounters"), cv,
                             ct_cl_counters_encode(cv, &cl_before), true)))
            return rc;
        if (ct_buf_append(&g->kv, g->clkv.data, g->clkv.len))
            return oom(g);
        g->n_kv += g->n_clkv;
    }

    /* Undo record: header fields, then deltas, then generic key restores. */
    uint8_t hdr[32 + 8 + 4 + 8 + 8 + CT_COUNTERS_SIZE];
    memcpy(hdr, blk->hash, 32);
    ct_put_be64(hdr + 32, first_txnum);
    ct_put_be32(hdr + 40, blk->n_tx);
    ct_put_be64(hdr + 44, first_addrid);
    ct_put_be64(hdr + 52, db->next.addrid - first_addrid);
    ct_counters narrow = before; /* the header keeps 9 x BE64; the high half follows */
    narrow.unspent_value = (uint64_t)before.unspent_value;
    ct_counters_encode(hdr + 60, &narrow);
    if (ct_buf_append(&g->undo, hdr, sizeof(hdr)))
        return oom(g);
    if ((rc = apply_deltas(g, &before)))
        return rc;
    uint8_t nkv[4];
    ct_put_be32(nkv, g->n_kv);
    if (ct_buf_append(&g->undo, nkv, 4) || ct_buf_append(&g->undo, g->kv.data, g->kv.len))
        return oom(g);
    put(g, k, ct_key_u32(k, CT_T_UNDO, height), g->undo.data, g->undo.len);

    db->ctr.blocks++;
    ct_row_block br;
    memcpy(br.hash, blk->hash, 32);
    br.first_txnum = first_txnum;
    br.n_tx = blk->n_tx;
    br.time = blk->header.time;
    put(g, k, ct_key_u32(k, CT_T_HEIGHT, height), v, ct_row_block_encode(v, &br));

    ct_row_header h = *hrow;
    h.status = CT_BLOCK_MAIN;
    h.height = height;
    put(g, k, ct_key_hash(k, CT_T_HEADER, blk->hash), v, ct_row_header_encode(v, &h));
    uint8_t ck[65]; /* every block is found from its parent, whatever its status */
    ck[0] = CT_T_CHILD;
    memcpy(ck + 1, blk->header.prev_hash, 32);
    memcpy(ck + 33, blk->hash, 32);
    put(g, ck, 65, (const uint8_t *)"", 0);

    /* Raw bytes for reorgs: a block with a source file is read from it again (load_raw)
     * and keeps none; a block without one keeps them while it is among the last
     * CT_RAW_WINDOW main blocks. */
    if (hrow->file_id == 0)
        put(g, k, ct_key_hash(k, CT_T_RAW, blk->hash), raw, rawlen);
    else if (stored)
        del(g, k, ct_key_hash(k, CT_T_RAW, blk->hash));
    if (height >= CT_RAW_WINDOW) {
        ct_row_block old;
        ct_row_header oh;
        rc = get(g, k, ct_key_u32(k, CT_T_HEIGHT, height - CT_RAW_WINDOW));
        if (rc == CT_OK && ct_row_block_decode(&old, g->v.data, g->v.len, NULL) == CT_OK) {
            rc = get(g, k, ct_key_hash(k, CT_T_HEADER, old.hash));
            if (rc == CT_OK && ct_row_header_decode(&oh, g->v.data, g->v.len, NULL) == CT_OK &&
                oh.file_id == 0)
                del(g, k, ct_key_hash(k, CT_T_RAW, old.hash));
        }
        if (rc != CT_ENOTFOUND && rc != CT_OK)
            return rc;
    }
    db->has_tip = true;
    db->tip.height = height;
    memcpy(db->tip.hash, blk->hash, 32);
    memcpy(db->tip_work, hrow->chainwork, 32);
    return ct_db_put_meta(db, g->b);
}

/* ---- disconnect ---- */
static int disconnect_tip(ing *g)
{
    ct_db *db = g->db;
    uint8_t k[33], hv[CT_ROW_HEADER_SIZE];
    uint32_t height = db->tip.height;
    int rc;
    ct_buf u;

    g->bip34_block_ok = -1; /* the block at the BIP34 height may be the one going */
    /* The pending group first: on an error below, the state is reloaded from the store. */
    if ((rc = flush_group(g)))
        return rc;
    ct_buf_init(&u, 1u << 30);
    rc = get(g, k, ct_key_u32(k, CT_T_UNDO, height));
    if (rc == CT_OK)
        rc = ct_buf_append(&u, g->v.data, g->v.len) ? oom(g) : CT_OK;
    if (rc != CT_OK) {
        ct_buf_release(&u);
        return rc == CT_ENOTFOUND ? ct_fail(g->err, CT_EDBCORRUPT, "missing-undo",
                                            "no undo record for height %u", height)
                                  : rc;
    }
    const uint8_t *p = u.data, *end = u.data + u.len;
    rc = CT_ECORRUPT;
    if (end - p < 60 + CT_COUNTERS_SIZE + 4)
        goto bad;
    uint8_t hash[32];
    memcpy(hash, p, 32);
    uint64_t first_txnum = ct_be64(p + 32);
    uint32_t n_tx = ct_be32(p + 40);
    uint64_t first_addrid = ct_be64(p + 44), n_new = ct_be64(p + 52);
    ct_counters before;
    if (ct_counters_decode(&before, p + 60, CT_COUNTERS_SIZE, g->err))
        goto bad;
    p += 60 + CT_COUNTERS_SIZE;

    ct_store_batch_clear(g->b);
    /* Transactions, last first. */
    for (uint64_t t = first_txnum + n_tx; t-- > first_txnum;) {
        ct_row_tx tx;
        if ((rc = get(g, k, ct_key_u64(k, CT_T_TX, t))) ||
            (rc = ct_row_tx_decode(&tx, g->v.data, g->v.len, g->err)))
            goto out;
        for (uint32_t i = 0; i < tx.n_in && !(tx.flags & CT_TXF_COINBASE); i++) {
            ct_row_input in;
            if ((rc = get(g, k, ct_key_u64_u32(k, CT_T_INPUT, t, i))) ||
                (rc = ct_row_input_decode(&in, g->v.data, g->v.len, g->err)))
                goto out;
            del(g, k, 13);
            if (in.prev_txnum != CT_TXNUM_NONE)
                del(g, k, ct_key_u64_u32(k, CT_T_SPEND, in.prev_txnum, in.prev_vout));
            if (in.addrid != CT_ADDRID_NONE)
                del(g, k, ct_key_history(k, in.addrid, t, 1, i));
        }
        for (uint32_t j = 0; j < tx.n_out; j++) {
            ct_row_output out;
            if ((rc = get(g, k, ct_key_u64_u32(k, CT_T_OUTPUT, t, j))) ||
                (rc = ct_row_output_decode(&out, g->v.data, g->v.len, g->err)))
                goto out;
            del(g, k, 13);
            if (out.addrid != CT_ADDRID_NONE)
                del(g, k, ct_key_history(k, out.addrid, t, 0, j));
        }
        del(g, k, ct_key_hash(k, CT_T_TXID, tx.txid));
        del(g, k, ct_key_u64(k, CT_T_TX, t));
    }
    /* Addresses first seen in this block. */
    for (uint64_t id = first_addrid; id < first_addrid + n_new; id++) {
        uint8_t ak[1 + CT_BTC_ADDR_MAX];
        ct_row_addr ar;
        if ((rc = get(g, k, ct_key_u64(k, CT_T_ADDRID, id))) ||
            (rc = ct_row_addr_decode(&ar, g->v.data, g->v.len, g->err)))
            goto out;
        ak[0] = CT_T_ADDR;
        memcpy(ak + 1, ar.ident, ar.ident_len);
        del(g, ak, 1 + ar.ident_len);
        del(g, k, 9);
        del(g, k, ct_key_u64(k, CT_T_LINK, id));
        del(g, k, ct_key_u64(k, CT_T_TOTALS, id));
    }
    /* Address totals: the narrow form of records written before 128-bit totals (64 bytes a
     * delta), or the wide one (flag, unspent_value's high half, 80 bytes a delta). */
    uint32_t nd = ct_be32(p);
    p += 4;
    size_t dsize = 64;
    if (nd & UNDO_WIDE) {
        nd &= ~UNDO_WIDE;
        dsize = UNDO_DELTA_SIZE;
        if (end - p < 8)
            goto bad;
        before.unspent_value |= (unsigned __int128)ct_be64(p) << 64;
        p += 8;
    }
    if ((size_t)(end - p) / dsize < nd)
        goto bad;
    for (uint32_t i = 0; i < nd; i++, p += dsize) {
        uint64_t addrid = ct_be64(p);
        if (addrid >= first_addrid && addrid < first_addrid + n_new)
            continue; /* deleted above */
        ct_row_totals t;
        uint8_t tv[CT_ROW_TOTALS_WIDE];
        if ((rc = get(g, k, ct_key_u64(k, CT_T_TOTALS, addrid))) ||
            (rc = ct_row_totals_decode(&t, g->v.data, g->v.len, g->err)))
            goto out;
        unsigned __int128 recv = ct_be64(p + 8), sent = ct_be64(p + 16);
        if (dsize == UNDO_DELTA_SIZE) {
            recv |= (unsigned __int128)ct_be64(p + 64) << 64;
            sent |= (unsigned __int128)ct_be64(p + 72) << 64;
        }
        t.received -= recv;
        t.sent -= sent;
        t.tx_count -= ct_be64(p + 24);
        t.outputs -= ct_be64(p + 32);
        t.unspent_outputs = (uint64_t)((int64_t)t.unspent_outputs - (int64_t)ct_be64(p + 40));
        t.first_txnum = ct_be64(p + 48);
        t.last_txnum = ct_be64(p + 56);
        if (t.tx_count == 0)
            del(g, k, 9);
        else
            put(g, k, 9, tv, ct_row_totals_encode(tv, &t));
    }
    /* Generic restores, newest first: collect offsets, then apply in reverse. */
    if (end - p < 4)
        goto bad;
    uint32_t nkv = ct_be32(p);
    p += 4;
    const uint8_t **ents = nkv ? malloc(nkv * sizeof(*ents)) : NULL;
    if (nkv && !ents) {
        rc = oom(g);
        goto out;
    }
    for (uint32_t i = 0; i < nkv; i++) {
        ents[i] = p;
        if (end - p < 1 || end - p < 1 + p[0] + 5) {
            free(ents);
            goto bad;
        }
        uint32_t vl = ct_be32(p + 1 + p[0] + 1);
        if ((size_t)(end - p) < 1u + p[0] + 5 + vl) {
            free(ents);
            goto bad;
        }
        p += 1 + p[0] + 5 + vl;
    }
    for (uint32_t i = nkv; i-- > 0;) {
        const uint8_t *e = ents[i];
        size_t kl = e[0];
        const uint8_t *key = e + 1, *f = e + 1 + kl;
        if (f[0])
            put(g, key, kl, f + 5, ct_be32(f + 1));
        else
            del(g, key, kl);
        if (kl == 11 && memcmp(key, "mclcounters", 11) == 0 && f[0] &&
            ct_cl_counters_decode(&db->cl_ctr, f + 5, ct_be32(f + 1), g->err)) {
            free(ents);
            goto bad;
        }
    }
    free(ents);

    /* The block itself. */
    ct_row_header h;
    if ((rc = get(g, k, ct_key_hash(k, CT_T_HEADER, hash))) ||
        (rc = ct_row_header_decode(&h, g->v.data, g->v.len, g->err)))
        goto out;
    /* A side block has its bytes: in its source file, else in an r row (a block without a
     * source keeps one only near the tip). */
    if (h.file_id != 0) {
        h.status = CT_BLOCK_SIDE;
    } else {
        rc = get(g, k, ct_key_hash(k, CT_T_RAW, hash));
        if (rc != CT_OK && rc != CT_ENOTFOUND)
            goto out;
        h.status = rc == CT_OK ? CT_BLOCK_SIDE : CT_BLOCK_SIDE_NODATA;
    }
    put(g, k, ct_key_hash(k, CT_T_HEADER, hash), hv, ct_row_header_encode(hv, &h));
    if (h.status == CT_BLOCK_SIDE_NODATA) {
        /* Its bytes are only in the source files now: the next ingest reads every file
         * from the start (blocks already stored are skipped by hash). */
        put(g, k, ct_key_meta(k, "rescan"), (const uint8_t *)"1", 1);
    }
    del(g, k, ct_key_u32(k, CT_T_UNDO, height));
    del(g, k, ct_key_u32(k, CT_T_HEIGHT, height));

    db->ctr = before;
    db->next.txnum = first_txnum;
    db->next.addrid = first_addrid;
    if (height == 0) {
        db->has_tip = false;
        memset(db->tip_work, 0, 32);
    } else {
        ct_row_block pb;
        ct_row_header ph;
        rc = get(g, k, ct_key_u32(k, CT_T_HEIGHT, height - 1));
        if (rc == CT_ENOTFOUND) { /* the root of a chain started mid-way */
            db->has_tip = false;
            memset(db->tip_work, 0, 32);
            goto tip_done;
        }
        if (rc || (rc = ct_row_block_decode(&pb, g->v.data, g->v.len, g->err)) ||
            (rc = get(g, k, ct_key_hash(k, CT_T_HEADER, pb.hash))) ||
            (rc = ct_row_header_decode(&ph, g->v.data, g->v.len, g->err)))
            goto out;
        db->tip.height = height - 1;
        memcpy(db->tip.hash, pb.hash, 32);
        memcpy(db->tip_work, ph.chainwork, 32);
    }
tip_done:
    if ((rc = ct_db_put_meta(db, g->b)))
        goto out;
    rc = write_now(g, g->err);
    if (rc == CT_OK) {
        g->stats->blocks_disconnected++;
        g->stats->height = db->has_tip ? (int64_t)db->tip.height : -1;
    }
    goto out;
bad:
    rc =
        ct_fail(g->err, CT_EDBCORRUPT, "bad-undo", "undo record of height %u is malformed", height);
out:
    ct_buf_release(&u);
    ct_store_batch_clear(g->b);
    if (rc != CT_OK) /* in-memory state may be half-updated: reload it */
        (void)ct_db_load_meta(db, NULL);
    return rc;
}

/* ---- header tree and best chain ---- */
static int load_header(ing *g, const uint8_t hash[32], ct_row_header *h)
{
    uint8_t k[33];
    int rc = get(g, k, ct_key_hash(k, CT_T_HEADER, hash));
    if (rc)
        return rc;
    return ct_row_header_decode(h, g->v.data, g->v.len, g->err);
}

static void header_from_block(ct_row_header *h, const uint8_t *raw, uint8_t status,
                              uint32_t file_id, uint64_t offset, uint32_t size)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->header, raw, 80);
    h->status = status;
    h->file_id = file_id;
    h->offset = offset;
    h->size = size;
}

/* Writes a header row and (optionally) raw bytes and a child link, plus the marker rows the
 * caller already put in the batch, in one synchronous batch. */
static int store_aside(ing *g, const ct_row_header *h, const uint8_t hash[32], const uint8_t *raw,
                       size_t rawlen)
{
    uint8_t k[65], v[CT_ROW_HEADER_SIZE];
    put(g, k, ct_key_hash(k, CT_T_HEADER, hash), v, ct_row_header_encode(v, h));
    if (raw)
        put(g, k, ct_key_hash(k, CT_T_RAW, hash), raw, rawlen);
    k[0] = CT_T_CHILD;
    memcpy(k + 1, h->header + 4, 32);
    memcpy(k + 33, hash, 32);
    put(g, k, 65, (const uint8_t *)"", 0);
    return write_now(g, g->err);
}

static int work_cmp(const uint8_t a[32], const uint8_t b[32])
{
    return memcmp(a, b, 32);
}

/* Adds the connected block (its logged rows, its meta rows and marker) to the pending
 * group, and its rows to the cache. On an error the pending group is committed as it was
 * and the block is not connected. */
static int join_group(ing *g, const ct_store_batch *marker)
{
    if (g->group_blocks == 0)
        g->group_start = mono_now();
    const uint8_t *p = g->oplog.data, *end = p + g->oplog.len;
    size_t base = g->group_log.len, n = 0;
    for (const uint8_t *q = p; q < end; q += 6 + q[0] + ct_be32(q + 2))
        n++;
    if (g->n_ofs + n > g->cap_ofs) {
        size_t ncap = g->cap_ofs ? g->cap_ofs : 4096;
        while (ncap < g->n_ofs + n)
            ncap *= 2;
        size_t *no = realloc(g->group_ofs, ncap * sizeof(*no));
        if (!no)
            p = NULL;
        else
            g->group_ofs = no, g->cap_ofs = ncap;
    }
    if (!p || ct_buf_append(&g->group_log, g->oplog.data, g->oplog.len)) {
        int rc = flush_group(g);
        return rc ? rc : oom(g);
    }
    for (const uint8_t *q = p; q < end; q += 6 + q[0] + ct_be32(q + 2))
        g->group_ofs[g->n_ofs++] = base + (size_t)(q - p);
    bool failed = false;
    /* ahead: PREFETCH_AHEAD records further on, its slot asked for in advance */
    const uint8_t *ahead = p;
    for (int i = 0; i < PREFETCH_AHEAD && ahead < end; i++)
        ahead += 6 + ahead[0] + ct_be32(ahead + 2);
    while (p < end && !failed) {
        size_t kl = p[0], vl = ct_be32(p + 2);
        bool present = p[1];
        const uint8_t *k = p + 6;
        p += 6 + kl + vl;
        if (ahead < end) {
            if (cached_table(ahead[6]))
                ct_rowcache_prefetch(&g->cache, ahead + 6, ahead[0]);
            ahead += 6 + ahead[0] + ct_be32(ahead + 2);
        }
        /* A new address is in no cluster yet: when it is co-spent, the lookup of its
         * cluster row needs no LevelDB read (the d row is written once, at its creation). */
        if (present && kl == 9 && k[0] == CT_T_ADDRID && g->db->clusters) {
            uint8_t ek[9];
            memcpy(ek, k, 9);
            ek[0] = CT_T_CLUSTER;
            failed = ct_rowcache_put(&g->cache, ek, 9, NULL, 0, false) != CT_OK;
            continue;
        }
        if (!cached_table(k[0]))
            continue;
        failed = ct_rowcache_put(&g->cache, k, kl, k + kl, vl, present) != CT_OK;
        /* A new output has no spend link yet: its spender needs no LevelDB read. */
        if (!failed && present && kl == 13 && k[0] == CT_T_OUTPUT) {
            uint8_t sk[13];
            memcpy(sk, k, 13);
            sk[0] = CT_T_SPEND;
            failed = ct_rowcache_put(&g->cache, sk, 13, NULL, 0, false) != CT_OK;
        }
    }
    if (failed) { /* out of memory: the cache no longer holds this block's rows */
        ct_rowcache_clear(&g->cache);
        /* Take this block's rows out of the group, commit the group before it. */
        g->group_log.len = base;
        g->n_ofs -= n;
        int rc = flush_group(g);
        if (rc == CT_OK)
            rc = oom(g);
        return rc;
    }
    if (ct_db_put_meta(g->db, g->group_tail))
        return oom(g);
    ct_db_batch_append_marker(g->group_tail, marker);
    return CT_OK;
}

/* Connects `blk` (already decoded from raw) on top of the current tip: its batch joins the
 * pending group (or is written alone without one). On an invalid block, nothing is
 * written but its header status (invalid). `stored`: as for connect_block. */
static int connect_and_commit(ing *g, const ct_btc_block *blk, const uint8_t *raw, size_t rawlen,
                              const ct_row_header *h, ct_store_batch *marker, bool stored)
{
    ct_db *db = g->db;
    ct_counters ctr = db->ctr;
    ct_row_next next = db->next;
    ct_row_tip tip = db->tip;
    bool has_tip = db->has_tip;
    int cb_heights = db->cb_heights;
    ct_cl_counters cl_ctr = db->cl_ctr;
    uint8_t tip_work[32];
    memcpy(tip_work, db->tip_work, 32);
    uint32_t height = has_tip ? db->tip.height + 1 : h->height; /* genesis or a root */

    ct_store_batch_clear(g->b);
    ct_buf_reset(&g->oplog);
    g->oplog_failed = false;
    g->flush_failed = false;
    int rc = connect_block(g, blk, raw, rawlen, height, h, stored);
    if (rc == CT_OK && g->oplog_failed)
        rc = oom(g);
    if (rc == CT_OK) {
        if (!g->group) {
            ct_db_batch_append_marker(g->b, marker);
            rc = write_now(g, g->err);
        } else {
            rc = join_group(g, marker);
        }
    }
    ct_store_batch_clear(g->b);
    if (rc != CT_OK) {
        db->ctr = ctr;
        db->next = next;
        db->tip = tip;
        db->has_tip = has_tip;
        db->cb_heights = cb_heights;
        db->cl_ctr = cl_ctr;
        ct_cl_discard(&g->cl);
        memcpy(db->tip_work, tip_work, 32);
        if (g->flush_failed) /* the state before this block was not stored either */
            (void)ct_db_load_meta(db, NULL);
        return rc;
    }
    g->stats->blocks_connected++;
    g->stats->txs += blk->n_tx;
    g->stats->bip30_skipped += g->block_bip30_skipped;
    g->stats->height = height;
    if (!g->group)
        return CT_OK;
    g->group_blocks++;
    g->group_txs += blk->n_tx;
    g->group_bip30_skipped += g->block_bip30_skipped;
    const ct_ingest_options *o = g->o;
    if (g->group_txs >= (o->group_txs ? o->group_txs : CT_GROUP_TXS) ||
        g->group_log.len >= (o->group_bytes ? o->group_bytes : CT_GROUP_BYTES) ||
        mono_now() - g->group_start >= CT_GROUP_SECONDS)
        return flush_group(g);
    return CT_OK;
}

static int mark_invalid(ing *g, const uint8_t hash[32], ct_row_header *h)
{
    uint8_t k[33], v[CT_ROW_HEADER_SIZE];
    h->status = CT_BLOCK_INVALID;
    ct_store_batch_clear(g->b);
    put(g, k, ct_key_hash(k, CT_T_HEADER, hash), v, ct_row_header_encode(v, h));
    int rc = write_now(g, NULL);
    ct_store_batch_clear(g->b);
    return rc;
}

/* The path of source file `id` (the key of its F row) into *path, malloc'd for the caller.
 * F rows are few (one per input file) and read only for a chain switch: a scan. */
static int source_path(ing *g, uint32_t id, char **path)
{
    *path = NULL;
    ct_store_iter *it = ct_store_iter_new(g->st, NULL);
    if (!it)
        return oom(g);
    const uint8_t pfx = CT_T_FILEPATH;
    int rc = CT_OK;
    for (ct_store_iter_seek(it, &pfx, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl), *v = ct_store_iter_value(it, &vl);
        if (kl < 1 || k[0] != CT_T_FILEPATH)
            break;
        if (vl == 4 && ct_be32(v) == id) {
            *path = malloc(kl);
            if (!*path) {
                rc = oom(g);
                break;
            }
            memcpy(*path, k + 1, kl - 1);
            (*path)[kl - 1] = '\0';
            break;
        }
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, g->err);
    ct_store_iter_free(it);
    if (rc == CT_OK && !*path)
        rc = ct_fail(g->err, CT_EDBCORRUPT, "missing-file-row",
                     "source file id %u of a block header has no F row", id);
    return rc;
}

/* Fails with "block-data-missing": the bytes of block `hash` are neither stored nor in its
 * source (path, offset), for the reason `why`. The line reads "PATH: offset N: block H:
 * block-data-missing: ...". */
static int source_missing(ing *g, const uint8_t hash[32], const char *path, uint64_t offset,
                          const char *why)
{
    char hex[65];
    ct_hash_to_hex(hex, hash);
    ct_error_clear(g->err);
    ct_fail(g->err, CT_EIO, "block-data-missing",
            "needed for a chain switch and not stored in the database; its source file %s; "
            "put the file back as it was when it was ingested and run the ingest again",
            why);
    ct_error_set_file(g->err, path);
    if (g->err) {
        g->err->offset = offset;
        memcpy(g->err->block_hash, hex, sizeof(hex));
    }
    return CT_EIO;
}

/* Reads the bytes of block `hash` (header row h) again from its source file, checks that
 * they are that block, and decodes them into g->blk; *raw is the caller's. */
static int load_from_source(ing *g, const uint8_t hash[32], const ct_row_header *h, uint8_t **raw,
                            size_t *len)
{
    char *path = NULL;
    if (h->size < CT_BTC_HEADER_SIZE || h->size > CT_SOURCE_BLOCK_MAX) {
        char hex[65];
        ct_hash_to_hex(hex, hash);
        return ct_fail(g->err, CT_EDBCORRUPT, "bad-row",
                       "header row of block %s gives a source block of %u bytes", hex, h->size);
    }
    int rc = source_path(g, h->file_id, &path);
    if (rc)
        return rc;
    *raw = malloc(h->size);
    if (!*raw) {
        free(path);
        return oom(g);
    }
    ct_error e;
    ct_error_clear(&e);
    rc = ct_btc_file_read_at(path, h->offset, *raw, h->size, &e);
    if (rc == CT_OK) {
        ct_error_clear(&e);
        rc = ct_btc_block_decode(&g->blk, *raw, h->size, g->net, 0, &e);
        if (rc == CT_OK && memcmp(g->blk.hash, hash, 32) != 0)
            rc = CT_ECORRUPT;
        if (rc == CT_ENOMEM) {
            rc = oom(g);
        } else if (rc != CT_OK) {
            rc =
                source_missing(g, hash, path, h->offset, "holds other bytes than this block there");
        }
    } else if (rc == CT_ENOMEM) {
        rc = oom(g);
    } else {
        /* "cannot be read: No such file or directory", "...: the file ends at 1000, before
         * the 285 bytes at 800 end" */
        char why[CT_ERROR_DETAIL_MAX + 32];
        snprintf(why, sizeof(why), "cannot be read: %s", e.detail);
        rc = source_missing(g, hash, path, h->offset, why);
    }
    if (rc != CT_OK) {
        free(*raw);
        *raw = NULL;
    } else {
        *len = h->size;
    }
    free(path);
    return rc;
}

/* Reads the raw bytes of block `hash` (header row h) and decodes them into g->blk; *raw is
 * owned by the caller. The r row when there is one, else the block's source file. */
static int load_raw(ing *g, const uint8_t hash[32], const ct_row_header *h, uint8_t **raw,
                    size_t *len)
{
    uint8_t k[33];
    int rc = flush_group(g); /* r rows are not in the cache */
    if (rc)
        return rc;
    rc = get(g, k, ct_key_hash(k, CT_T_RAW, hash));
    if (rc == CT_ENOTFOUND && h->file_id != 0)
        return load_from_source(g, hash, h, raw, len);
    if (rc == CT_ENOTFOUND) {
        char hex[65];
        ct_hash_to_hex(hex, hash);
        return ct_fail(g->err, CT_EIO, "block-data-missing",
                       "block %s is needed for a chain switch but its data is not stored; "
                       "ingest the file that holds it again",
                       hex);
    }
    if (rc)
        return rc;
    *raw = malloc(g->v.len ? g->v.len : 1);
    if (!*raw)
        return oom(g);
    memcpy(*raw, g->v.data, g->v.len);
    *len = g->v.len;
    ct_error e;
    ct_error_clear(&e);
    rc = ct_btc_block_decode(&g->blk, *raw, *len, g->net, 0, &e);
    if (rc) {
        free(*raw);
        *raw = NULL;
        if (g->err)
            *g->err = e;
        return ct_fail(g->err, CT_EDBCORRUPT, "stored-block-corrupt",
                       "a stored block no longer decodes");
    }
    return CT_OK;
}

/* Before a chain switch changes anything: every block it may have to connect must be
 * readable. Blocks with a source file are read (r row or file) and checked; the others
 * have an r row by their status (side) or are handled as before (see activate). */
static int check_raw(ing *g, const uint8_t hash[32])
{
    ct_row_header h;
    uint8_t *raw = NULL;
    size_t len = 0;
    int rc = load_header(g, hash, &h);
    if (rc || h.file_id == 0)
        return rc;
    rc = load_raw(g, hash, &h, &raw, &len);
    free(raw);
    return rc;
}

/* Makes `target` (a valid block with known parent, data stored) the tip: rolls back to the
 * fork point and connects the branch. If a branch block is invalid it is marked so and the
 * previous chain is restored. */
static int activate(ing *g, const uint8_t target[32])
{
    ct_db *db = g->db;
    uint8_t(*branch)[32] = NULL;
    size_t n = 0, cap = 0;
    uint8_t cur[32];
    ct_row_header h;
    int rc;

    memcpy(cur, target, 32);
    for (;;) { /* walk back to the main chain */
        if ((rc = load_header(g, cur, &h)))
            goto out;
        if (h.status == CT_BLOCK_MAIN)
            break;
        if (h.status != CT_BLOCK_SIDE) { /* no data yet, orphan or invalid: cannot switch */
            rc = CT_OK;
            goto out;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            void *nb = realloc(branch, cap * 32);
            if (!nb) {
                rc = oom(g);
                goto out;
            }
            branch = nb;
        }
        memcpy(branch[n++], cur, 32);
        if (h.height == 0 && memcmp(cur, g->net->genesis, 32) == 0)
            break;
        memcpy(cur, h.header + 4, 32);
    }
    uint32_t fork_height = h.status == CT_BLOCK_MAIN ? h.height : UINT32_MAX;
    bool from_empty = h.status != CT_BLOCK_MAIN;
    /* Nothing changes unless every block read from a source file that the switch may need
     * can be read: the branch, and the blocks it replaces (to restore them if the branch
     * turns out invalid). A missing file stops here, the database as it was. */
    for (size_t i = n; i-- > 0;)
        if ((rc = check_raw(g, branch[i])))
            goto out;
    if (db->has_tip) {
        uint32_t low = from_empty ? 0 : fork_height + 1;
        for (uint32_t ht = db->tip.height + 1; ht-- > low;) {
            uint8_t k[5];
            ct_row_block ob;
            rc = get(g, k, ct_key_u32(k, CT_T_HEIGHT, ht));
            if (rc == CT_ENOTFOUND) /* below the root of a chain started mid-way */
                break;
            if (rc || (rc = ct_row_block_decode(&ob, g->v.data, g->v.len, g->err)) ||
                (rc = check_raw(g, ob.hash)))
                goto out;
        }
    }
    /* Remember the blocks we disconnect, to restore them if the branch fails. */
    uint8_t(*old)[32] = NULL;
    size_t n_old = 0;
    while (db->has_tip && (from_empty || db->tip.height > fork_height)) {
        void *no = realloc(old, (n_old + 1) * 32);
        if (!no) {
            rc = oom(g);
            goto out_old;
        }
        old = no;
        memcpy(old[n_old++], db->tip.hash, 32);
        if ((rc = disconnect_tip(g)))
            goto out_old;
    }
    if (n_old > 0)
        g->stats->reorgs++;
    for (size_t i = n; i-- > 0;) {
        uint8_t *raw = NULL;
        size_t len = 0;
        ct_row_header bh;
        if ((rc = load_header(g, branch[i], &bh)) || (rc = load_raw(g, branch[i], &bh, &raw, &len)))
            goto out_old;
        rc = connect_and_commit(g, &g->blk, raw, len, &bh, NULL, true);
        free(raw);
        if (rc == CT_ECORRUPT && g->o->report) {
            g->o->report(g->o->ctx, g->err);
            g->stats->blocks_rejected++;
            /* Mark it and every later branch block invalid, then go back. */
            for (size_t j = i + 1; j-- > 0;)
                if (load_header(g, branch[j], &bh) == CT_OK)
                    (void)mark_invalid(g, branch[j], &bh);
            while (db->has_tip && db->tip.height > fork_height)
                if ((rc = disconnect_tip(g)))
                    goto out_old;
            for (size_t j = n_old; j-- > 0;) {
                if ((rc = load_header(g, old[j], &bh)) ||
                    (rc = load_raw(g, old[j], &bh, &raw, &len)))
                    goto out_old;
                rc = connect_and_commit(g, &g->blk, raw, len, &bh, NULL, true);
                free(raw);
                if (rc)
                    goto out_old;
            }
            rc = CT_OK;
            goto out_old;
        }
        if (rc)
            goto out_old;
    }
    rc = CT_OK;
out_old:
    free(old);
out:
    free(branch);
    return rc;
}

/* Blocks that waited for `parent`: they get their height and work, and become side blocks
 * (or the new tip). Iterative over the whole subtree. */
static int adopt_children(ing *g, const uint8_t parent[32])
{
    uint8_t(*todo)[32] = malloc(32);
    size_t n = 1, cap = 1;
    int rc = CT_OK;
    if (!todo)
        return oom(g);
    memcpy(todo[0], parent, 32);
    while (n > 0 && rc == CT_OK) {
        uint8_t p[32];
        ct_row_header ph;
        memcpy(p, todo[--n], 32);
        if ((rc = load_header(g, p, &ph)))
            break;
        /* Collect the children first: the iterator must not outlive our writes. */
        uint8_t seek[33];
        uint8_t(*kids)[32] = NULL;
        size_t nk = 0;
        ct_store_iter *it = ct_store_iter_new(g->st, NULL);
        if (!it) {
            rc = oom(g);
            break;
        }
        seek[0] = CT_T_CHILD;
        memcpy(seek + 1, p, 32);
        for (ct_store_iter_seek(it, seek, 33); ct_store_iter_valid(it); ct_store_iter_next(it)) {
            size_t kl;
            const uint8_t *key = ct_store_iter_key(it, &kl);
            if (kl != 65 || memcmp(key, seek, 33) != 0)
                break;
            void *nk2 = realloc(kids, (nk + 1) * 32);
            if (!nk2) {
                rc = oom(g);
                break;
            }
            kids = nk2;
            memcpy(kids[nk++], key + 33, 32);
        }
        if (rc == CT_OK)
            rc = ct_store_iter_status(it, g->err);
        ct_store_iter_free(it);
        for (size_t i = 0; i < nk && rc == CT_OK; i++) {
            ct_row_header ch;
            if ((rc = load_header(g, kids[i], &ch)))
                break;
            if (ch.status == CT_BLOCK_SIDE) {
                /* A stored side block below which the chain just grew (after a rollback or
                 * a reorg): it becomes the tip if it has more work. */
                if (!g->db->has_tip || work_cmp(ch.chainwork, g->db->tip_work) > 0)
                    if ((rc = activate(g, kids[i])))
                        break;
            } else if (ch.status != CT_BLOCK_ORPHAN) {
                continue;
            } else if (ph.status == CT_BLOCK_INVALID) {
                rc = mark_invalid(g, kids[i], &ch);
                continue;
            } else {
                uint32_t bits = ct_le32(ch.header + 72);
                if (ph.height >= MAX_HEIGHT) {
                    rc = height_limit(g, kids[i], ph.height);
                    break;
                }
                memcpy(ch.chainwork, ph.chainwork, 32);
                if (ct_btc_work_add(ch.chainwork, bits)) {
                    rc = mark_invalid(g, kids[i], &ch);
                    continue;
                }
                ch.height = ph.height + 1;
                ch.status = CT_BLOCK_SIDE;
                uint8_t k[33], v[CT_ROW_HEADER_SIZE];
                ct_store_batch_clear(g->b);
                put(g, k, ct_key_hash(k, CT_T_HEADER, kids[i]), v, ct_row_header_encode(v, &ch));
                if ((rc = write_now(g, g->err)))
                    break;
                ct_store_batch_clear(g->b);
                g->stats->blocks_orphan--;
                if (!g->db->has_tip || work_cmp(ch.chainwork, g->db->tip_work) > 0) {
                    if ((rc = activate(g, kids[i])))
                        break;
                } else {
                    g->stats->blocks_side++;
                }
            }
            if (n == cap) {
                cap *= 2;
                void *nt = realloc(todo, cap * 32);
                if (!nt) {
                    rc = oom(g);
                    break;
                }
                todo = nt;
            }
            memcpy(todo[n++], kids[i], 32);
        }
        free(kids);
    }
    free(todo);
    return rc;
}

/* Handles one decoded block read from a file; `marker` holds the resume-marker rows that
 * must be committed with whatever this block writes. */
static int process_block(ing *g, const uint8_t *raw, size_t len, uint32_t file_id, uint64_t offset,
                         ct_store_batch *marker)
{
    ct_db *db = g->db;
    const ct_btc_block *blk = &g->blk;
    ct_row_header h, ph;
    int rc;

    rc = load_header(g, blk->hash, &h);
    if (rc == CT_OK && h.status != CT_BLOCK_SIDE_NODATA) {
        g->stats->blocks_known++;
        ct_store_batch_clear(g->b);
        ct_db_batch_append_marker(g->b, marker);
        rc = write_now(g, g->err);
        ct_store_batch_clear(g->b);
        /* A stored side block with more work than the tip (after a rollback): switch. */
        if (rc == CT_OK && h.status == CT_BLOCK_SIDE &&
            (!db->has_tip || work_cmp(h.chainwork, db->tip_work) > 0))
            rc = activate(g, blk->hash);
        return rc;
    }
    if (rc != CT_OK && rc != CT_ENOTFOUND)
        return rc;
    bool had_nodata = rc == CT_OK;

    bool genesis = memcmp(blk->hash, g->net->genesis, 32) == 0;
    header_from_block(&h, raw, CT_BLOCK_SIDE, file_id, offset, (uint32_t)len);
    bool root = false;
    if (!genesis) {
        rc = load_header(g, blk->header.prev_hash, &ph);
        if (rc == CT_ENOTFOUND && !db->has_tip && g->o->start_height >= 0 &&
            g->o->start_height <= (int64_t)MAX_HEIGHT) {
            /* Starting mid-chain: this block is the root of the main chain. */
            root = true;
            h.height = (uint32_t)g->o->start_height;
            rc = CT_OK;
        } else if (rc == CT_ENOTFOUND || (rc == CT_OK && ph.status == CT_BLOCK_ORPHAN)) {
            h.status = CT_BLOCK_ORPHAN;
            ct_store_batch_clear(g->b);
            ct_db_batch_append_marker(g->b, marker);
            rc = store_aside(g, &h, blk->hash, raw, len);
            ct_store_batch_clear(g->b);
            if (rc == CT_OK)
                g->stats->blocks_orphan++;
            return rc;
        }
        if (rc)
            return rc;
        if (!root && ph.status == CT_BLOCK_INVALID) {
            h.status = CT_BLOCK_INVALID;
            ct_store_batch_clear(g->b);
            ct_db_batch_append_marker(g->b, marker);
            rc = store_aside(g, &h, blk->hash, NULL, 0);
            ct_store_batch_clear(g->b);
            g->stats->blocks_rejected++;
            return rc;
        }
        if (!root && ph.height >= MAX_HEIGHT)
            return height_limit(g, blk->hash, ph.height);
        if (!root) {
            h.height = ph.height + 1;
            memcpy(h.chainwork, ph.chainwork, 32);
        }
    }
    if (ct_btc_work_add(h.chainwork, blk->header.bits))
        return ct_fail(g->err, CT_ECORRUPT, "bad-diffbits", "invalid target");

    bool extends = (genesis || root)
                       ? !db->has_tip
                       : (db->has_tip && memcmp(blk->header.prev_hash, db->tip.hash, 32) == 0);
    if (extends) {
        rc = connect_and_commit(g, blk, raw, len, &h, marker, false);
        if (rc == CT_ECORRUPT) { /* invalid block: keep its header as such, move on */
            ct_error e = *g->err;
            if (g->o->report)
                g->o->report(g->o->ctx, &e);
            g->stats->blocks_rejected++;
            h.status = CT_BLOCK_INVALID;
            ct_store_batch_clear(g->b);
            ct_db_batch_append_marker(g->b, marker);
            rc = store_aside(g, &h, blk->hash, NULL, 0);
            ct_store_batch_clear(g->b);
            return rc;
        }
        if (rc)
            return rc;
    } else {
        /* A side branch: store it; it becomes the tip if it has more work. */
        ct_store_batch_clear(g->b);
        ct_db_batch_append_marker(g->b, marker);
        rc = store_aside(g, &h, blk->hash, raw, len);
        ct_store_batch_clear(g->b);
        if (rc)
            return rc;
        if (!db->has_tip || work_cmp(h.chainwork, db->tip_work) > 0) {
            if ((rc = activate(g, blk->hash)))
                return rc;
        } else if (!had_nodata) {
            g->stats->blocks_side++;
        }
    }
    return adopt_children(g, blk->hash);
}

/* ---- resume markers ---- */
static int file_id_of(ing *g, const char *path, uint32_t *id, ct_row_file *fr)
{
    char abs[PATH_MAX];
    const char *p = realpath(path, abs) ? abs : path;
    size_t n = strlen(p);
    uint8_t *k = malloc(n + 1);
    int rc;
    if (!k)
        return oom(g);
    k[0] = CT_T_FILEPATH;
    memcpy(k + 1, p, n);
    rc = get(g, k, n + 1);
    if (rc == CT_OK && g->v.len == 4) {
        *id = ct_be32(g->v.data);
        uint8_t fk[5];
        rc = get(g, fk, ct_key_u32(fk, CT_T_FILE, *id));
        if (rc == CT_OK)
            rc = ct_row_file_decode(fr, g->v.data, g->v.len, g->err);
        else if (rc == CT_ENOTFOUND)
            rc = CT_OK, memset(fr, 0, sizeof(*fr));
    } else if (rc == CT_ENOTFOUND) {
        uint8_t v[4];
        *id = g->db->next.file_id++;
        ct_put_be32(v, *id);
        ct_store_batch_clear(g->b);
        put(g, k, n + 1, v, 4);
        if ((rc = ct_db_put_meta(g->db, g->b)) == CT_OK)
            rc = write_now(g, g->err);
        ct_store_batch_clear(g->b);
        memset(fr, 0, sizeof(*fr));
    }
    free(k);
    return rc;
}

int ct_ingest_bitcoin(ct_db *db, ct_ingest_stats *stats, const char *const *paths, size_t npaths,
                      const ct_ingest_options *o, ct_error *err)
{
    ing g;
    ct_btc_reader *r = NULL;
    ct_btc_reader_options ro = CT_BTC_READER_OPTIONS_INIT;
    ct_error local_err;
    int rc;

    if (!err) /* the API allows NULL; the loop below writes positions into it */
        err = &local_err;
    memset(stats, 0, sizeof(*stats));
    stats->height = db->has_tip ? (int64_t)db->tip.height : -1;
    if (o->start_height > (int64_t)MAX_HEIGHT)
        return ct_fail(err, CT_EINVAL, "bad-option",
                       "start height %lld is above %lu, the highest height a database stores",
                       (long long)o->start_height, (unsigned long)MAX_HEIGHT);
    if ((rc = ct_db_check_network(db, o->net, err)) || (rc = ct_cluster_check(db, err)))
        return rc;
    memset(&g, 0, sizeof(g));
    g.bip34_block_ok = -1;
    g.db = db;
    g.st = db->st;
    g.net = o->net;
    g.o = o;
    g.stats = stats;
    g.err = err;
    g.b = ct_store_batch_new();
    g.group = ct_store_batch_new();
    g.group_tail = ct_store_batch_new();
    ct_buf_init(&g.group_log, SIZE_MAX / 2);
    g.dest = malloc(sizeof(*g.dest));
    ct_store_batch *marker = ct_store_batch_new();
    ct_buf_init(&g.v, 1u << 30);
    ct_buf_init(&g.oplog, 1u << 30);
    ct_rowcache_init(&g.cache, o->row_cache_bytes ? o->row_cache_bytes : CT_ROWCACHE_DEFAULT);
    ct_buf_init(&g.undo, 1u << 30);
    ct_buf_init(&g.kv, 1u << 30);
    ct_buf_init(&g.clkv, 1u << 30);
    ct_hmap_init(&g.txids);
    ct_hmap_init(&g.addrs);
    ct_hmap_init(&g.touched);
    ct_hmap_init(&g.spent);
    ct_hmap_init(&g.cl_undone);
    ct_cl_io cl_io = {&g, cl_get, cl_put};
    ct_cl_work_init(&g.cl, &cl_io, &db->cl_policy, &db->cl_ctr, err);
    ct_btc_block_init(&g.blk);
    if (!g.b || !g.group || !g.group_tail || !g.dest || !marker) {
        rc = oom(&g);
        goto done;
    }
    /* A new database clusters from its first block (docs/clustering.md): the policy row
     * goes with the first batch (ct_db_put_meta). */
    if (!db->clusters && !o->no_clusters && !db->has_tip && db->ctr.blocks == 0) {
        db->clusters = true;
        ct_cluster_default_policy(&db->cl_policy);
        memset(&db->cl_ctr, 0, sizeof(db->cl_ctr));
    }
    g.cl.mask = ct_cluster_mask(&db->cl_policy, o->net->name);
    ro.net = o->net;
    ro.xor_mode = o->xor_mode;
    if ((rc = ct_btc_reader_open(&r, paths, npaths, &ro, err)))
        goto done;

    /* Resume: each known file starts at its last record (checked against its hash), unless
     * a rollback left blocks whose bytes must be read from the files again. */
    uint8_t rk[16];
    bool rescan = get(&g, rk, ct_key_meta(rk, "rescan")) == CT_OK;
    size_t nfiles = ct_btc_reader_file_count(r);
    uint32_t *ids = calloc(nfiles ? nfiles : 1, sizeof(*ids));
    ct_row_file *frs = calloc(nfiles ? nfiles : 1, sizeof(*frs));
    if (!ids || !frs) {
        free(ids);
        free(frs);
        rc = oom(&g);
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) {
        if ((rc = file_id_of(&g, ct_btc_reader_file_path(r, i), &ids[i], &frs[i])))
            break;
        if (rescan)
            memset(&frs[i], 0, sizeof(frs[i]));
        if (frs[i].end > 0)
            ct_btc_reader_set_start(r, i, frs[i].last_offset);
        struct stat fst;
        const char *fp = ct_btc_reader_file_path(r, i);
        if (strcmp(fp, "-") != 0 && stat(fp, &fst) == 0 && S_ISREG(fst.st_mode) &&
            (uint64_t)fst.st_size > frs[i].last_offset)
            stats->bytes_total += (uint64_t)fst.st_size - frs[i].last_offset;
    }
    bool *check_first = calloc(nfiles ? nfiles : 1, sizeof(*check_first));
    if (!check_first)
        rc = oom(&g);
    for (size_t i = 0; rc == CT_OK && i < nfiles; i++)
        check_first[i] = frs[i].end > 0;

    while (rc == CT_OK) {
        ct_btc_record rec;
        if (o->stop && *o->stop)
            break;
        ct_error_clear(err);
        rc = ct_btc_reader_next(r, &rec, err);
        if (rc == CT_EEOF) {
            rc = CT_OK;
            break;
        }
        if (rc == CT_ECORRUPT || rc == CT_ETRUNCATED) {
            if (rc == CT_ETRUNCATED)
                stats->truncated++;
            else
                stats->junk++;
            if (o->report)
                o->report(o->ctx, err);
            rc = CT_OK;
            continue;
        }
        if (rc)
            break;
        stats->blocks_read++;
        stats->bytes += rec.len;
        ct_error_clear(err);
        ct_error_set_file(err, rec.file);
        err->offset = rec.offset;
        int drc = ct_btc_block_decode(&g.blk, rec.data, rec.len, o->net, 0, err);
        size_t fi = rec.file_index;
        if (check_first[fi]) {
            check_first[fi] = false;
            if (drc != CT_OK || rec.offset != frs[fi].last_offset ||
                memcmp(g.blk.hash, frs[fi].last_hash, 32) != 0) {
                /* The file changed since the last run (reindex, rewrite): read it again
                 * from the start; blocks already stored are skipped by hash. */
                ct_error note;
                ct_error_clear(&note);
                ct_error_set_file(&note, rec.file);
                ct_fail(&note, CT_ECORRUPT, "source-changed",
                        "the block at the resume offset %llu is not the one recorded; "
                        "reading the file again from the start",
                        (unsigned long long)frs[fi].last_offset);
                if (o->report)
                    o->report(o->ctx, &note);
                ct_btc_reader_set_start(r, fi, 0);
                ct_btc_reader_restart_file(r);
                continue;
            }
        }
        if (drc != CT_OK) {
            if (drc == CT_ENOMEM) {
                rc = drc;
                break;
            }
            if (o->report)
                o->report(o->ctx, err);
            stats->blocks_rejected++;
            if (ct_btc_error_is_parse(err))
                ct_btc_reader_reject(r);
            continue;
        }
        /* The resume marker of this file moves past this record, in the block's batch. */
        ct_row_file fr;
        memset(&fr, 0, sizeof(fr));
        fr.end = rec.data_offset + rec.len;
        fr.last_offset = rec.offset;
        memcpy(fr.last_hash, g.blk.hash, 32);
        ct_store_batch_clear(marker);
        ct_db_marker_put(marker, ids[fi], &fr);
        frs[fi] = fr;
        ct_error_clear(err);
        /* A block that can be read again from its file gets that file as its source (and
         * no r row on the main chain); stdin and hex text are no source (file id 0). */
        rc = process_block(&g, rec.data, rec.len, rec.rereadable ? ids[fi] : 0, rec.data_offset,
                           marker);
        if (rc == CT_OK && o->progress)
            o->progress(o->ctx, stats);
    }
    /* End of input, a stop request (SIGINT, SIGTERM) or an error: the blocks connected so
     * far are valid; commit them. */
    int frc = flush_group(&g);
    if (rc == CT_OK)
        rc = frc;
    if (rc == CT_OK && rescan && !(o->stop && *o->stop)) {
        ct_store_batch_clear(g.b);
        del(&g, rk, ct_key_meta(rk, "rescan"));
        rc = write_now(&g, err);
        ct_store_batch_clear(g.b);
    }
    free(ids);
    free(frs);
    free(check_first);
done:
    ct_btc_reader_free(r);
    ct_btc_block_release(&g.blk);
    ct_store_batch_free(g.b);
    ct_store_batch_free(g.group);
    ct_store_batch_free(g.group_tail);
    ct_buf_release(&g.group_log);
    free(g.group_ofs);
    free(g.group_recs);
    ct_store_batch_free(marker);
    ct_buf_release(&g.oplog);
    ct_rowcache_release(&g.cache);
    free(g.dest);
    ct_buf_release(&g.v);
    ct_buf_release(&g.undo);
    ct_buf_release(&g.kv);
    ct_buf_release(&g.clkv);
    ct_hmap_release(&g.txids);
    ct_hmap_release(&g.addrs);
    ct_hmap_release(&g.touched);
    ct_hmap_release(&g.spent);
    ct_hmap_release(&g.cl_undone);
    ct_cl_work_release(&g.cl);
    free(g.cj_in);
    free(g.cj_out);
    free(g.link_b);
    free(g.out_type);
    free(g.deltas);
    free(g.out_addr);
    free(g.out_spent);
    free(g.out_base);
    stats->height = db->has_tip ? (int64_t)db->tip.height : -1;
    return rc;
}

int ct_db_rollback(ct_db *db, uint32_t height, ct_error *err)
{
    ing g;
    ct_ingest_stats stats;
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    int rc = CT_OK;
    if (!db->has_tip || height > db->tip.height)
        return ct_fail(err, CT_EINVAL, "bad-height", "height %u is above the tip (%s)", height,
                       db->has_tip ? "see 'chaintrail stats'" : "the database is empty");
    if ((rc = ct_cluster_check(db, err)))
        return rc;
    memset(&g, 0, sizeof(g));
    g.bip34_block_ok = -1;
    memset(&stats, 0, sizeof(stats));
    g.db = db;
    g.st = db->st;
    g.o = &o;
    g.stats = &stats;
    g.err = err;
    g.b = ct_store_batch_new();
    ct_buf_init(&g.v, 1u << 30);
    ct_buf_init(&g.oplog, 1u << 30);
    if (!g.b)
        rc = oom(&g);
    while (rc == CT_OK && db->tip.height > height)
        rc = disconnect_tip(&g);
    ct_store_batch_free(g.b);
    ct_buf_release(&g.v);
    ct_buf_release(&g.oplog);
    ct_rowcache_release(&g.cache);
    return rc;
}
