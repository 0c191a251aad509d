/* `chaintrail verify`: recomputes the invariants of the graph tables over one snapshot and
 * the content digest of docs/storage.md.
 *
 * Memory stays bounded whatever the size of the chain: one iterator walks the whole database
 * in key order (so the digest is fed in key order too); the spend links are merged with the
 * outputs by a second iterator moving in step (both are keyed by txnum + vout), and the
 * address totals with the history rows by a third (both grouped by addrid). Everything else
 * is a point lookup through the same snapshot. Row counts are kept as plain counters and
 * compared with the counters row at the end. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utxo/graph_internal.h"
#include "base/hash.h"
#include "cluster/cluster_internal.h"

/* Sums recomputed from the rows: 128-bit, as the totals they are compared with. */
typedef unsigned __int128 u128;

static void u128_add(u128 *a, uint64_t v)
{
    *a += v;
}

static bool u128_is(const u128 *a, u128 v)
{
    return *a == v;
}

/* Decimal text of v (at most 39 digits). */
static const char *u128_dec(char buf[40], u128 v)
{
    char *p = buf + 39;
    *p = '\0';
    do {
        *--p = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    return p;
}

static const char *const check_names[CT_CHECK_COUNT][2] = {
    {"rows", "every row of the graph tables has the documented size"},
    {"blocks", "heights 0..tip without gaps, each a main-chain header; tip = highest block"},
    {"txs", "dense txnums, placed in their block; txid rows point at them"},
    {"inputs", "each input with a known prev has a spend link pointing back; prev output agrees"},
    {"spends", "each spend link has its output and names an input that spends it"},
    {"tx-shape", "each transaction has exactly its inputs' and outputs' rows, numbered from 0"},
    {"addresses", "address rows and id rows pair up; dense ids; key links pair up"},
    {"history", "history rows agree with their output or input rows; none is missing"},
    {"totals", "address totals equal what the history, output and spend rows say"},
    {"counters", "the counters row and next ids equal the row counts"},
    {"clusters", "cluster rows form trees; sizes, ids (smallest member) and logs agree with "
                 "the cluster counters"},
};

typedef struct shape { /* rows of one tx in the i or o table */
    bool active;
    bool gap;
    uint64_t txnum;
    uint32_t count;
} shape;

typedef struct group { /* history rows of one address */
    bool active;
    uint64_t addrid;
    u128 recv, sent, unspent_value;
    uint64_t outputs, unspent, txs, first, last;
} group;

typedef struct vf {
    ct_graph_reader r;
    ct_graph_verify_report *rep;
    ct_error *err;
    ct_sha256_ctx sha;
    /* n */
    uint64_t n_rows;
    uint32_t first_height; /* 0, or the root of a chain ingested with --start-height */
    uint32_t last_height;
    uint8_t last_hash[32];
    /* x */
    uint64_t x_rows, max_txnum, sum_n_in, sum_n_out;
    bool have_blk;
    uint32_t blk_height;
    bool blk_ok;
    ct_row_block blk;
    /* i, o, s */
    uint64_t i_rows, i_unknown, i_addr;
    uint64_t o_rows, o_addr, unspent, overwritten;
    u128 unspent_value;
    shape ishape, oshape;
    ct_store_iter *sit;
    uint8_t spend_from[9]; /* where the spend iterator starts: "s", or "s" + txnum (quick) */
    size_t spend_from_len;
    bool spends_done;
    /* a, d */
    uint64_t a_rows, d_rows, max_addrid;
    /* y, w */
    group g;
    uint64_t y_recv, y_sent;
    ct_store_iter *wit;
    bool totals_done;
    /* m */
    bool have_counters, have_next, have_tip;
    ct_counters ctr;
    ct_row_next next;
    ct_row_tip tip;
    /* e j k, m clpolicy / clcounters */
    bool have_clpolicy, have_clcounters;
    ct_cl_counters clctr;
    uint64_t e_rows, e_roots, j_rows, j_all, k_rows;
    ct_cl_reader clr;
    bool clr_open;
    ct_hmap cl_idx; /* root addrid -> index in cl_seen */
    struct cl_seen {
        uint64_t root, size, cid, members, min;
    } * cl_seen;
    size_t n_seen, cap_seen;
} vf;

static void key_hex(char *out, size_t size, const uint8_t *k, size_t kl)
{
    size_t n = kl * 2 + 1 <= size ? kl : (size - 1) / 2;
    ct_hex_encode(out, k, n);
}

static void violation(vf *f, int check, const uint8_t *key, size_t kl, const char *fmt, ...)
    CT_PRINTF(5, 6);
static void violation(vf *f, int check, const uint8_t *key, size_t kl, const char *fmt, ...)
{
    ct_graph_verify_report *rep = f->rep;
    rep->checks[check].failed++;
    rep->violations++;
    if (rep->n_listed >= CT_GRAPH_VIOLATIONS_MAX)
        return;
    ct_graph_violation *v = &rep->listed[rep->n_listed++];
    v->check = check;
    v->key[0] = '\0';
    if (key)
        key_hex(v->key, sizeof(v->key), key, kl);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
    va_end(ap);
}

static void checked(vf *f, int check)
{
    f->rep->checks[check].checked++;
}

/* Point lookup: CT_OK (value in f->r.v), CT_ENOTFOUND, or a fatal store error. */
static int lk(vf *f, const uint8_t *k, size_t kl)
{
    return ct_graph_get(&f->r, k, kl);
}

#define FATAL(rc) ((rc) != CT_OK && (rc) != CT_ENOTFOUND)

static void digest_row(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ct_sha256_row(&f->sha, k, kl, v, vl);
    f->rep->digest_rows++;
}

/* The tables of the digest: the main chain's logical content. */
static bool digest_table(uint8_t t)
{
    return t && strchr("ntxiosadlwyejk", t) != NULL;
}

/* Meta rows in the digest: the graph counters and the clusters' policy and counters. */
static bool digest_meta(const uint8_t *k, size_t kl)
{
    return (kl == 9 && memcmp(k, "mcounters", 9) == 0) ||
           (kl == 9 && memcmp(k, "mclpolicy", 9) == 0) ||
           (kl == 11 && memcmp(k, "mclcounters", 11) == 0);
}

static const uint8_t counters_key[] = {'m', 'c', 'o', 'u', 'n', 't', 'e', 'r', 's'};

/* ---- tx shape: the i or o rows of one transaction ---- */
static int shape_finish(vf *f, shape *s, bool inputs)
{
    if (!s->active)
        return CT_OK;
    s->active = false;
    checked(f, CT_CHECK_TX_SHAPE);
    uint8_t k[9];
    ct_row_tx tx;
    ct_key_u64(k, CT_T_TX, s->txnum);
    int rc = lk(f, k, 9);
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND || ct_row_tx_decode(&tx, f->r.v.data, f->r.v.len, NULL)) {
        violation(f, CT_CHECK_TX_SHAPE, k, 9, "%s rows of transaction %llu, which has no row",
                  inputs ? "input" : "output", (unsigned long long)s->txnum);
        return CT_OK;
    }
    uint32_t want = inputs ? ((tx.flags & CT_TXF_COINBASE) ? 0 : tx.n_in) : tx.n_out;
    if (s->count != want || s->gap)
        violation(f, CT_CHECK_TX_SHAPE, k, 9, "transaction %llu has %u %s rows%s, its row says %u",
                  (unsigned long long)s->txnum, s->count, inputs ? "input" : "output",
                  s->gap ? " (not numbered from 0 without gaps)" : "", want);
    return CT_OK;
}

static int shape_row(vf *f, shape *s, bool inputs, uint64_t txnum, uint32_t index)
{
    if (!s->active || s->txnum != txnum) {
        int rc = shape_finish(f, s, inputs);
        if (rc)
            return rc;
        s->active = true;
        s->gap = false;
        s->txnum = txnum;
        s->count = 0;
    }
    if (index != s->count)
        s->gap = true;
    s->count++;
    return CT_OK;
}

/* ---- a, d, l ---- */
static int on_addr(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    if (kl < 2 || kl > CT_BTC_ADDR_MAX || vl != 8) {
        violation(f, CT_CHECK_ROWS, k, kl, "address row of %zu bytes", vl);
        return CT_OK;
    }
    f->a_rows++;
    checked(f, CT_CHECK_ADDRESSES);
    uint64_t id = ct_be64(v);
    uint8_t dk[9];
    ct_key_u64(dk, CT_T_ADDRID, id);
    int rc = lk(f, dk, 9);
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND)
        violation(f, CT_CHECK_ADDRESSES, k, kl, "address id %llu has no id row",
                  (unsigned long long)id);
    else {
        ct_row_addr ar;
        if (ct_row_addr_decode(&ar, f->r.v.data, f->r.v.len, NULL) != CT_OK ||
            ar.ident_len != kl - 1 || memcmp(ar.ident, k + 1, kl - 1) != 0)
            violation(f, CT_CHECK_ADDRESSES, k, kl, "the id row of %llu names another address",
                      (unsigned long long)id);
    }
    return CT_OK;
}

static int on_addrid(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ct_row_addr ar;
    if (kl != 9 || ct_row_addr_decode(&ar, v, vl, NULL) != CT_OK) {
        violation(f, CT_CHECK_ROWS, k, kl, "address id row of %zu bytes", vl);
        return CT_OK;
    }
    f->d_rows++;
    checked(f, CT_CHECK_ADDRESSES);
    uint64_t id = ct_be64(k + 1);
    if (id > f->max_addrid)
        f->max_addrid = id;
    if (id != f->d_rows)
        violation(f, CT_CHECK_ADDRESSES, k, kl, "address id %llu where %llu was expected",
                  (unsigned long long)id, (unsigned long long)f->d_rows);
    if (ar.has_script) { /* a script identity names the SHA-256 of the script it holds */
        uint8_t h[32];
        char hex[65];
        ct_sha256(h, ar.script, ar.script_len);
        ct_hex_encode(hex, h, 32);
        if (memcmp(ar.ident + 7, hex, 64) != 0)
            violation(f, CT_CHECK_ADDRESSES, k, kl, "%.*s holds a script of another hash",
                      (int)ar.ident_len, ar.ident);
    }
    uint8_t ak[1 + CT_BTC_ADDR_MAX];
    ak[0] = CT_T_ADDR;
    memcpy(ak + 1, ar.ident, ar.ident_len);
    int rc = lk(f, ak, 1 + ar.ident_len);
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND)
        violation(f, CT_CHECK_ADDRESSES, k, kl, "address %.*s has no address row",
                  (int)ar.ident_len, ar.ident);
    else if (f->r.v.len != 8 || ct_be64(f->r.v.data) != id)
        violation(f, CT_CHECK_ADDRESSES, k, kl, "address %.*s points at another id",
                  (int)ar.ident_len, ar.ident);
    return CT_OK;
}

static int on_link(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    if (kl != 9 || vl != 8) {
        violation(f, CT_CHECK_ROWS, k, kl, "link row of %zu bytes", vl);
        return CT_OK;
    }
    checked(f, CT_CHECK_ADDRESSES);
    uint64_t a = ct_be64(k + 1), b = ct_be64(v);
    uint8_t lk2[9];
    int rc = lk(f, lk2, ct_key_u64(lk2, CT_T_LINK, b));
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND || f->r.v.len != 8 || ct_be64(f->r.v.data) != a)
        violation(f, CT_CHECK_ADDRESSES, k, kl, "address %llu is linked to %llu, not back",
                  (unsigned long long)a, (unsigned long long)b);
    rc = lk(f, lk2, ct_key_u64(lk2, CT_T_ADDRID, b));
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND)
        violation(f, CT_CHECK_ADDRESSES, k, kl, "address %llu is linked to a missing id %llu",
                  (unsigned long long)a, (unsigned long long)b);
    return CT_OK;
}

/* ---- m ---- */
static void on_meta(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    const char *name = (const char *)k + 1;
    size_t n = kl - 1;
    if (n == 8 && memcmp(name, "counters", 8) == 0) {
        checked(f, CT_CHECK_ROWS);
        f->have_counters = ct_counters_decode(&f->ctr, v, vl, NULL) == CT_OK;
        if (!f->have_counters)
            violation(f, CT_CHECK_ROWS, k, kl, "counters row of %zu bytes", vl);
    } else if (n == 4 && memcmp(name, "next", 4) == 0) {
        f->have_next = ct_row_next_decode(&f->next, v, vl, NULL) == CT_OK;
        if (!f->have_next)
            violation(f, CT_CHECK_ROWS, k, kl, "next-ids row of %zu bytes", vl);
    } else if (n == 3 && memcmp(name, "tip", 3) == 0) {
        f->have_tip = ct_row_tip_decode(&f->tip, v, vl, NULL) == CT_OK;
        if (!f->have_tip)
            violation(f, CT_CHECK_ROWS, k, kl, "tip row of %zu bytes", vl);
    } else if (n == 8 && memcmp(name, "clpolicy", 8) == 0) {
        ct_cl_policy p;
        checked(f, CT_CHECK_ROWS);
        f->have_clpolicy = ct_cl_policy_decode(&p, v, vl, NULL) == CT_OK;
        if (!f->have_clpolicy)
            violation(f, CT_CHECK_ROWS, k, kl, "clustering policy row of %zu bytes", vl);
    } else if (n == 10 && memcmp(name, "clcounters", 10) == 0) {
        checked(f, CT_CHECK_ROWS);
        f->have_clcounters = ct_cl_counters_decode(&f->clctr, v, vl, NULL) == CT_OK;
        if (!f->have_clcounters)
            violation(f, CT_CHECK_ROWS, k, kl, "cluster counters row of %zu bytes", vl);
    }
}

/* ---- e j k: clusters ---- */
static int on_cluster(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ct_cl_node nd;
    if (kl != 9 || ct_cl_row_decode(ct_be64(k + 1), v, vl, &nd, NULL)) {
        violation(f, CT_CHECK_ROWS, k, kl, "cluster row of %zu bytes", vl);
        return CT_OK;
    }
    checked(f, CT_CHECK_CLUSTERS);
    f->e_rows++;
    if (nd.id == CT_ADDRID_NONE || nd.id > f->max_addrid) {
        violation(f, CT_CHECK_CLUSTERS, k, kl, "cluster row of address %llu, which has no id row",
                  (unsigned long long)nd.id);
        return CT_OK;
    }
    ct_cl_root r, rn;
    ct_error e;
    ct_error_clear(&e);
    f->clr.err = &e;
    f->clr.w.err = &e;
    int rc = ct_cl_reader_find(&f->clr, nd.id, &r);
    if (rc == CT_OK)
        rc = ct_cl_reader_find(&f->clr, nd.next, &rn);
    if (rc == CT_EDBCORRUPT || rc == CT_ECORRUPT) {
        violation(f, CT_CHECK_CLUSTERS, k, kl, "%s", e.detail);
        return CT_OK;
    }
    if (rc)
        return rc;
    if (r.size < 2 || rn.root != r.root) {
        violation(f, CT_CHECK_CLUSTERS, k, kl,
                  "address %llu: its next member %llu is in another cluster",
                  (unsigned long long)nd.id, (unsigned long long)nd.next);
        return CT_OK;
    }
    if (nd.parent == nd.id)
        f->e_roots++;
    uint8_t rk[8];
    uint64_t ix;
    ct_put_be64(rk, r.root);
    if (!ct_hmap_get(&f->cl_idx, rk, 8, &ix)) {
        if (f->n_seen == f->cap_seen) {
            size_t nc = f->cap_seen ? f->cap_seen * 2 : 1024;
            struct cl_seen *ns = realloc(f->cl_seen, nc * sizeof(*ns));
            if (!ns)
                return ct_fail(f->err, CT_ENOMEM, "out-of-memory", "verifying clusters");
            f->cl_seen = ns;
            f->cap_seen = nc;
        }
        ix = f->n_seen++;
        f->cl_seen[ix] = (struct cl_seen){r.root, r.size, r.cid, 0, UINT64_MAX};
        if (ct_hmap_put(&f->cl_idx, rk, 8, ix))
            return ct_fail(f->err, CT_ENOMEM, "out-of-memory", "verifying clusters");
    }
    struct cl_seen *cs = &f->cl_seen[ix];
    cs->members++;
    if (nd.id < cs->min)
        cs->min = nd.id;
    return CT_OK;
}

static void on_cllog(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    if (kl != CT_CL_MERGE_KEY || vl != 16) {
        violation(f, CT_CHECK_ROWS, k, kl, "%s row of %zu bytes",
                  k[0] == CT_T_CLMERGE ? "merge log" : "flagged merge", vl);
        return;
    }
    checked(f, CT_CHECK_CLUSTERS);
    if (k[0] == CT_T_CLMERGE) {
        f->j_all++;
        if (ct_be64(v) > 1 && ct_be64(v + 8) > 1) /* a merge of two clusters */
            f->j_rows++;
    } else
        f->k_rows++;
}

#define CL_COUNTER(field, have, name)                                                              \
    do {                                                                                           \
        checked(f, CT_CHECK_CLUSTERS);                                                             \
        if (f->clctr.field != (have))                                                              \
            violation(f, CT_CHECK_CLUSTERS, (const uint8_t *)"mclcounters", 11,                    \
                      "cluster counter %s is %llu; the rows say %llu", name,                       \
                      (unsigned long long)f->clctr.field, (unsigned long long)(have));             \
    } while (0)

static void final_cluster_checks(vf *f)
{
    for (size_t i = 0; i < f->n_seen; i++) {
        const struct cl_seen *cs = &f->cl_seen[i];
        checked(f, CT_CHECK_CLUSTERS);
        if (cs->members != cs->size || cs->min != cs->cid) {
            uint8_t k[9];
            ct_key_u64(k, CT_T_CLUSTER, cs->root);
            violation(f, CT_CHECK_CLUSTERS, k, 9,
                      "cluster root %llu says size %llu and id %llu; it has %llu members, the "
                      "smallest %llu",
                      (unsigned long long)cs->root, (unsigned long long)cs->size,
                      (unsigned long long)cs->cid, (unsigned long long)cs->members,
                      (unsigned long long)cs->min);
        }
    }
    if (!f->have_clpolicy) {
        checked(f, CT_CHECK_CLUSTERS);
        if (f->e_rows || f->j_all || f->k_rows || f->have_clcounters)
            violation(f, CT_CHECK_CLUSTERS, NULL, 0, "cluster rows, but no clustering policy row");
        return;
    }
    if (!f->have_clcounters) {
        violation(f, CT_CHECK_CLUSTERS, NULL, 0, "a clustering policy, but no cluster counters");
        return;
    }
    CL_COUNTER(clusters, f->e_roots, "clusters");
    CL_COUNTER(addresses, f->e_rows, "addresses");
    CL_COUNTER(merges, f->j_rows, "merges");
    /* every join is logged: a cluster of n members took n - 1 joins */
    checked(f, CT_CHECK_CLUSTERS);
    if (f->j_all != f->e_rows - f->e_roots)
        violation(f, CT_CHECK_CLUSTERS, NULL, 0,
                  "the merge log holds %llu joins; the clusters took %llu (members - clusters)",
                  (unsigned long long)f->j_all, (unsigned long long)(f->e_rows - f->e_roots));
    CL_COUNTER(flagged, f->k_rows, "flagged");
    uint64_t sum = 0;
    for (int i = 0; i < CT_CL_DETECTORS; i++)
        sum += f->clctr.by_detector[i];
    CL_COUNTER(coinjoins, sum, "coinjoins (the sum per detector)");
}

/* ---- n ---- */
static int on_height(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ct_row_block b;
    if (kl != 5 || ct_row_block_decode(&b, v, vl, NULL)) {
        violation(f, CT_CHECK_ROWS, k, kl, "block row of %zu bytes", vl);
        return CT_OK;
    }
    checked(f, CT_CHECK_BLOCKS);
    uint32_t height = ct_be32(k + 1);
    if (f->n_rows == 0)
        f->first_height = height; /* checked below: a root has no main-chain parent */
    if ((uint64_t)height != f->first_height + f->n_rows)
        violation(f, CT_CHECK_BLOCKS, k, kl, "block at height %u where %llu was expected", height,
                  (unsigned long long)(f->first_height + f->n_rows));
    bool root = f->n_rows == 0 && height > 0;
    f->n_rows++;
    f->last_height = height;
    memcpy(f->last_hash, b.hash, 32);
    uint8_t hk[33];
    ct_row_header h;
    int rc = lk(f, hk, ct_key_hash(hk, CT_T_HEADER, b.hash));
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND || ct_row_header_decode(&h, f->r.v.data, f->r.v.len, NULL))
        violation(f, CT_CHECK_BLOCKS, k, kl, "the block at height %u has no header row", height);
    else if (h.status != CT_BLOCK_MAIN || h.height != height)
        violation(f, CT_CHECK_BLOCKS, k, kl,
                  "the header of the block at height %u says status %u, height %u", height,
                  h.status, h.height);
    else if (root) {
        /* The lowest block above 0 must be the root of a mid-chain start: its parent is not
         * a main-chain block (else the rows below it are missing). */
        ct_row_header ph;
        rc = lk(f, hk, ct_key_hash(hk, CT_T_HEADER, h.header + 4));
        if (FATAL(rc))
            return rc;
        if (rc == CT_OK && ct_row_header_decode(&ph, f->r.v.data, f->r.v.len, NULL) == CT_OK &&
            ph.status == CT_BLOCK_MAIN)
            violation(f, CT_CHECK_BLOCKS, k, kl,
                      "the lowest block is at height %u, but its parent is on the main chain: "
                      "the blocks below are missing",
                      height);
    }
    return CT_OK;
}

/* ---- i ---- */
static int on_input(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ct_row_input in;
    if (kl != 13 || ct_row_input_decode(&in, v, vl, NULL)) {
        violation(f, CT_CHECK_ROWS, k, kl, "input row of %zu bytes", vl);
        return CT_OK;
    }
    uint64_t txnum = ct_be64(k + 1);
    uint32_t vin = ct_be32(k + 9);
    int rc = shape_row(f, &f->ishape, true, txnum, vin);
    if (rc)
        return rc;
    f->i_rows++;
    if (in.addrid != CT_ADDRID_NONE)
        f->i_addr++;
    if (in.prev_txnum == CT_TXNUM_NONE) {
        f->i_unknown++;
        if (in.addrid != CT_ADDRID_NONE || in.value != 0)
            violation(f, CT_CHECK_INPUTS, k, kl, "an unknown prevout with a value or address");
        return CT_OK;
    }
    checked(f, CT_CHECK_INPUTS);
    if (in.prev_txnum >= txnum) {
        violation(f, CT_CHECK_INPUTS, k, kl, "spends transaction %llu, not an earlier one",
                  (unsigned long long)in.prev_txnum);
        return CT_OK;
    }
    uint8_t pk[13];
    ct_row_spend sp;
    ct_key_u64_u32(pk, CT_T_SPEND, in.prev_txnum, in.prev_vout);
    rc = lk(f, pk, 13);
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND)
        violation(f, CT_CHECK_INPUTS, k, kl, "output %llu:%u has no spend link",
                  (unsigned long long)in.prev_txnum, in.prev_vout);
    else if (ct_row_spend_decode(&sp, f->r.v.data, f->r.v.len, NULL) == CT_OK &&
             (sp.txnum != txnum || sp.vin != vin))
        violation(
            f, CT_CHECK_INPUTS, k, kl, "the spend link of output %llu:%u points at %llu:%u instead",
            (unsigned long long)in.prev_txnum, in.prev_vout, (unsigned long long)sp.txnum, sp.vin);
    ct_row_output out;
    ct_key_u64_u32(pk, CT_T_OUTPUT, in.prev_txnum, in.prev_vout);
    rc = lk(f, pk, 13);
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND)
        violation(f, CT_CHECK_INPUTS, k, kl, "spends output %llu:%u, which does not exist",
                  (unsigned long long)in.prev_txnum, in.prev_vout);
    else if (ct_row_output_decode(&out, f->r.v.data, f->r.v.len, NULL) == CT_OK &&
             (out.value != in.value || out.addrid != in.addrid))
        violation(f, CT_CHECK_INPUTS, k, kl,
                  "says %llu sat of address %llu; output %llu:%u has %llu sat of address %llu",
                  (unsigned long long)in.value, (unsigned long long)in.addrid,
                  (unsigned long long)in.prev_txnum, in.prev_vout, (unsigned long long)out.value,
                  (unsigned long long)out.addrid);
    return CT_OK;
}

/* ---- o with s in step ---- */
static int cmp_keys(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    int c = memcmp(a, b, n);
    return c ? c : (al > bl) - (al < bl);
}

enum { UNSPENT, SPENT, OVERWRITTEN };

/* Advances the spend iterator up to the output key okey (13 bytes, or NULL for the end):
 * spend links before it have no output. *state tells how okey's output stands. */
static int spends_upto(vf *f, const uint8_t *okey, int *state)
{
    *state = UNSPENT;
    if (!f->sit) {
        f->sit = ct_store_iter_new(f->r.st, f->r.snap);
        if (!f->sit)
            return ct_fail(f->err, CT_ENOMEM, "out-of-memory", "opening an iterator");
        ct_store_iter_seek(f->sit, f->spend_from, f->spend_from_len);
    }
    for (; ct_store_iter_valid(f->sit); ct_store_iter_next(f->sit)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(f->sit, &kl);
        const uint8_t *v = ct_store_iter_value(f->sit, &vl);
        if (kl == 0 || k[0] != CT_T_SPEND)
            break;
        int c = okey ? cmp_keys(k + 1, kl - 1, okey + 1, 12) : -1;
        if (c > 0)
            break;
        checked(f, CT_CHECK_SPENDS);
        if (c < 0) {
            violation(f, CT_CHECK_SPENDS, k, kl, "spend link of an output that does not exist");
            continue;
        }
        ct_row_spend sp;
        if (ct_row_spend_decode(&sp, v, vl, NULL) != CT_OK) {
            *state = SPENT; /* reported as a bad row by the main walk */
            ct_store_iter_next(f->sit);
            break;
        }
        if (sp.txnum == CT_TXNUM_OVERWRITTEN) {
            *state = OVERWRITTEN;
            ct_store_iter_next(f->sit);
            break;
        }
        *state = SPENT;
        uint64_t txnum = ct_be64(okey + 1);
        uint32_t vout = ct_be32(okey + 9);
        uint8_t ik[13], kcopy[13];
        ct_row_input in;
        memcpy(kcopy, k, 13);
        ct_store_iter_next(f->sit); /* k and v are dead from here */
        int rc = lk(f, ik, ct_key_u64_u32(ik, CT_T_INPUT, sp.txnum, sp.vin));
        if (FATAL(rc))
            return rc;
        if (rc == CT_ENOTFOUND)
            violation(f, CT_CHECK_SPENDS, kcopy, 13, "names input %llu:%u, which does not exist",
                      (unsigned long long)sp.txnum, sp.vin);
        else if (ct_row_input_decode(&in, f->r.v.data, f->r.v.len, NULL) == CT_OK &&
                 (in.prev_txnum != txnum || in.prev_vout != vout))
            violation(f, CT_CHECK_SPENDS, kcopy, 13, "names input %llu:%u, which spends %llu:%u",
                      (unsigned long long)sp.txnum, sp.vin, (unsigned long long)in.prev_txnum,
                      in.prev_vout);
        break;
    }
    return ct_store_iter_status(f->sit, f->err);
}

static int finish_spends(vf *f)
{
    int state;
    f->spends_done = true;
    return spends_upto(f, NULL, &state);
}

static int on_output(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ct_row_output out;
    if (kl != 13 || ct_row_output_decode(&out, v, vl, NULL)) {
        violation(f, CT_CHECK_ROWS, k, kl, "output row of %zu bytes", vl);
        return CT_OK;
    }
    int state, rc;
    if ((rc = shape_row(f, &f->oshape, false, ct_be64(k + 1), ct_be32(k + 9))) ||
        (rc = spends_upto(f, k, &state)))
        return rc;
    f->o_rows++;
    if (out.addrid != CT_ADDRID_NONE)
        f->o_addr++;
    if (state == UNSPENT) {
        f->unspent++;
        u128_add(&f->unspent_value, out.value);
    } else if (state == OVERWRITTEN) {
        f->overwritten++;
    }
    return CT_OK;
}

/* ---- t, x ---- */
static int on_txid(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    if (kl != 33 || vl != 8) {
        violation(f, CT_CHECK_ROWS, k, kl, "txid row of %zu bytes", vl);
        return CT_OK;
    }
    checked(f, CT_CHECK_TXS);
    uint64_t txnum = ct_be64(v);
    uint8_t xk[9];
    ct_row_tx tx;
    int rc = lk(f, xk, ct_key_u64(xk, CT_T_TX, txnum));
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND || ct_row_tx_decode(&tx, f->r.v.data, f->r.v.len, NULL))
        violation(f, CT_CHECK_TXS, k, kl, "points at transaction %llu, which has no row",
                  (unsigned long long)txnum);
    else if (memcmp(tx.txid, k + 1, 32) != 0)
        violation(f, CT_CHECK_TXS, k, kl, "points at transaction %llu, which has another txid",
                  (unsigned long long)txnum);
    return CT_OK;
}

static int on_tx(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ct_row_tx tx;
    if (kl != 9 || ct_row_tx_decode(&tx, v, vl, NULL)) {
        violation(f, CT_CHECK_ROWS, k, kl, "transaction row of %zu bytes", vl);
        return CT_OK;
    }
    checked(f, CT_CHECK_TXS);
    uint64_t txnum = ct_be64(k + 1);
    f->x_rows++;
    if (txnum > f->max_txnum)
        f->max_txnum = txnum;
    if (txnum != f->x_rows)
        violation(f, CT_CHECK_TXS, k, kl, "transaction %llu where %llu was expected",
                  (unsigned long long)txnum, (unsigned long long)f->x_rows);
    f->sum_n_in += (tx.flags & CT_TXF_COINBASE) ? 0 : tx.n_in;
    f->sum_n_out += tx.n_out;
    int rc;
    if (!f->have_blk || f->blk_height != tx.height) {
        uint8_t nk[5];
        f->have_blk = true;
        f->blk_height = tx.height;
        rc = lk(f, nk, ct_key_u32(nk, CT_T_HEIGHT, tx.height));
        if (FATAL(rc))
            return rc;
        f->blk_ok =
            rc == CT_OK && ct_row_block_decode(&f->blk, f->r.v.data, f->r.v.len, NULL) == CT_OK;
    }
    if (!f->blk_ok)
        violation(f, CT_CHECK_TXS, k, kl, "in block %u, which is not on the main chain", tx.height);
    else if (tx.index >= f->blk.n_tx || f->blk.first_txnum + tx.index != txnum)
        violation(f, CT_CHECK_TXS, k, kl, "index %u of block %u does not match its txnum", tx.index,
                  tx.height);
    uint8_t tk[33];
    rc = lk(f, tk, ct_key_hash(tk, CT_T_TXID, tx.txid));
    if (FATAL(rc))
        return rc;
    /* A duplicate txid (BIP30) points at the newest transaction of that txid. */
    if (rc == CT_ENOTFOUND || f->r.v.len != 8 || ct_be64(f->r.v.data) < txnum)
        violation(f, CT_CHECK_TXS, k, kl, "its txid row is missing or points elsewhere");
    return CT_OK;
}

/* ---- y with w in step ---- */
static void compare_totals(vf *f, const ct_row_totals *t, const uint8_t *wk)
{
    const group *g = &f->g;
    char d[200], rb[40], sb[40];
    size_t n = 0;
    d[0] = '\0';
#define FIELD(cond, name)                                                                          \
    do {                                                                                           \
        if (!(cond) && n < sizeof(d))                                                              \
            n += (size_t)snprintf(d + n, sizeof(d) - n, "%s%s", n ? ", " : "", name);              \
    } while (0)
    FIELD(u128_is(&g->recv, t->received), "received");
    FIELD(u128_is(&g->sent, t->sent), "sent");
    FIELD(t->tx_count == g->txs, "tx_count");
    FIELD(t->first_txnum == g->first, "first");
    FIELD(t->last_txnum == g->last, "last");
    FIELD(t->outputs == g->outputs, "outputs");
    FIELD(t->unspent_outputs == g->unspent, "unspent_outputs");
    FIELD(t->sent <= t->received && u128_is(&g->unspent_value, t->received - t->sent), "balance");
#undef FIELD
    if (d[0])
        violation(f, CT_CHECK_TOTALS, wk, 9,
                  "address %llu: %s differ from its history (history: received %s, sent %s, "
                  "%llu txs, %llu outputs, %llu unspent)",
                  (unsigned long long)g->addrid, d, u128_dec(rb, g->recv), u128_dec(sb, g->sent),
                  (unsigned long long)g->txs,
                  (unsigned long long)g->outputs, (unsigned long long)g->unspent);
}

/* Advances the totals iterator up to addrid (UINT64_MAX and all = true for the end) and
 * compares the totals row of addrid with the group just finished. */
static int totals_upto(vf *f, uint64_t addrid, bool all)
{
    if (!f->wit) {
        f->wit = ct_store_iter_new(f->r.st, f->r.snap);
        if (!f->wit)
            return ct_fail(f->err, CT_ENOMEM, "out-of-memory", "opening an iterator");
        const uint8_t w = CT_T_TOTALS;
        ct_store_iter_seek(f->wit, &w, 1);
    }
    bool found = false;
    for (; ct_store_iter_valid(f->wit); ct_store_iter_next(f->wit)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(f->wit, &kl);
        const uint8_t *v = ct_store_iter_value(f->wit, &vl);
        if (kl == 0 || k[0] != CT_T_TOTALS)
            break;
        if (kl != 9)
            continue; /* reported as a bad row by the main walk */
        uint64_t id = ct_be64(k + 1);
        if (!all && id > addrid)
            break;
        if (all || id < addrid) {
            checked(f, CT_CHECK_TOTALS);
            violation(f, CT_CHECK_TOTALS, k, kl, "totals of address %llu, which has no history",
                      (unsigned long long)id);
            continue;
        }
        ct_row_totals t;
        found = true;
        if (ct_row_totals_decode(&t, v, vl, NULL) == CT_OK)
            compare_totals(f, &t, k);
        ct_store_iter_next(f->wit);
        break;
    }
    if (!all && !found) {
        uint8_t wk[9];
        violation(f, CT_CHECK_TOTALS, wk, ct_key_u64(wk, CT_T_TOTALS, addrid),
                  "address %llu has history but no totals row", (unsigned long long)addrid);
    }
    return ct_store_iter_status(f->wit, f->err);
}

static int group_finish(vf *f)
{
    if (!f->g.active)
        return CT_OK;
    f->g.active = false;
    checked(f, CT_CHECK_TOTALS);
    uint8_t dk[9];
    int rc = lk(f, dk, ct_key_u64(dk, CT_T_ADDRID, f->g.addrid));
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND)
        violation(f, CT_CHECK_HISTORY, dk, 9, "history of address %llu, which has no id row",
                  (unsigned long long)f->g.addrid);
    return totals_upto(f, f->g.addrid, false);
}

static int on_history(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    if (kl != 22 || vl != 8 || k[17] > 1) {
        violation(f, CT_CHECK_ROWS, k, kl, "history row of %zu+%zu bytes", kl, vl);
        return CT_OK;
    }
    uint64_t addrid = ct_be64(k + 1), txnum = ct_be64(k + 9), value = ct_be64(v);
    uint8_t dir = k[17];
    uint32_t index = ct_be32(k + 18);
    int rc;
    group *g = &f->g;
    if (!g->active || g->addrid != addrid) {
        if ((rc = group_finish(f)))
            return rc;
        memset(g, 0, sizeof(*g));
        g->active = true;
        g->addrid = addrid;
    }
    checked(f, CT_CHECK_HISTORY);
    if (g->txs == 0 || g->last != txnum) {
        if (g->txs == 0)
            g->first = txnum;
        g->txs++;
        g->last = txnum;
    }
    uint8_t rk[13];
    if (dir == CT_GRAPH_RECEIVED) {
        f->y_recv++;
        g->outputs++;
        u128_add(&g->recv, value);
        ct_row_output out;
        rc = lk(f, rk, ct_key_u64_u32(rk, CT_T_OUTPUT, txnum, index));
        if (FATAL(rc))
            return rc;
        if (rc == CT_ENOTFOUND || ct_row_output_decode(&out, f->r.v.data, f->r.v.len, NULL))
            violation(f, CT_CHECK_HISTORY, k, kl, "received by output %llu:%u, which has no row",
                      (unsigned long long)txnum, index);
        else if (out.addrid != addrid || out.value != value)
            violation(f, CT_CHECK_HISTORY, k, kl,
                      "says %llu sat; output %llu:%u pays %llu sat to address %llu",
                      (unsigned long long)value, (unsigned long long)txnum, index,
                      (unsigned long long)out.value, (unsigned long long)out.addrid);
        ct_row_spend sp;
        rc = lk(f, rk, ct_key_u64_u32(rk, CT_T_SPEND, txnum, index));
        if (FATAL(rc))
            return rc;
        if (rc == CT_ENOTFOUND) {
            g->unspent++;
            u128_add(&g->unspent_value, value);
        } else if (ct_row_spend_decode(&sp, f->r.v.data, f->r.v.len, NULL) == CT_OK &&
                   sp.txnum == CT_TXNUM_OVERWRITTEN) {
            u128_add(&g->sent, value); /* BIP30: counted as sent, with no spending input */
        }
    } else {
        f->y_sent++;
        u128_add(&g->sent, value);
        ct_row_input in;
        rc = lk(f, rk, ct_key_u64_u32(rk, CT_T_INPUT, txnum, index));
        if (FATAL(rc))
            return rc;
        if (rc == CT_ENOTFOUND || ct_row_input_decode(&in, f->r.v.data, f->r.v.len, NULL))
            violation(f, CT_CHECK_HISTORY, k, kl, "sent by input %llu:%u, which has no row",
                      (unsigned long long)txnum, index);
        else if (in.addrid != addrid || in.value != value)
            violation(f, CT_CHECK_HISTORY, k, kl,
                      "says %llu sat; input %llu:%u spends %llu sat of address %llu",
                      (unsigned long long)value, (unsigned long long)txnum, index,
                      (unsigned long long)in.value, (unsigned long long)in.addrid);
    }
    return CT_OK;
}

/* ---- leaving a table, and the end ---- */
static int leave_table(vf *f, uint8_t t)
{
    int rc = CT_OK;
    if (t == CT_T_INPUT)
        rc = shape_finish(f, &f->ishape, true);
    else if (t == CT_T_OUTPUT && (rc = shape_finish(f, &f->oshape, false)) == CT_OK)
        rc = finish_spends(f);
    else if (t == CT_T_HISTORY && (rc = group_finish(f)) == CT_OK) {
        f->totals_done = true;
        rc = totals_upto(f, UINT64_MAX, true);
    }
    return rc;
}

#define COUNTER(field, have, name)                                                                 \
    do {                                                                                           \
        checked(f, CT_CHECK_COUNTERS);                                                             \
        if (f->ctr.field != (have))                                                                \
            violation(f, CT_CHECK_COUNTERS, counters_key, sizeof(counters_key),                    \
                      "counter %s is %llu; the rows say %llu", name,                               \
                      (unsigned long long)f->ctr.field, (unsigned long long)(have));               \
    } while (0)

static void final_checks(vf *f)
{
    /* The tip and the n rows. */
    checked(f, CT_CHECK_BLOCKS);
    uint8_t tk[4] = {'m', 't', 'i', 'p'};
    if (f->n_rows == 0 && f->have_tip)
        violation(f, CT_CHECK_BLOCKS, tk, 4, "a tip row, but no block");
    else if (f->n_rows > 0 && !f->have_tip)
        violation(f, CT_CHECK_BLOCKS, tk, 4, "blocks up to height %u, but no tip row",
                  f->last_height);
    else if (f->n_rows > 0 &&
             (f->tip.height != f->last_height || memcmp(f->tip.hash, f->last_hash, 32) != 0))
        violation(f, CT_CHECK_BLOCKS, tk, 4, "the tip row says height %u; the highest block is %u",
                  f->tip.height, f->last_height);

    /* Row counts against the counters row. */
    if (!f->have_counters) {
        if (f->n_rows > 0)
            violation(f, CT_CHECK_COUNTERS, counters_key, sizeof(counters_key), "no counters row");
        memset(&f->ctr, 0, sizeof(f->ctr));
    }
    COUNTER(blocks, f->n_rows, "blocks");
    COUNTER(txs, f->x_rows, "txs");
    COUNTER(inputs, f->i_rows, "inputs");
    COUNTER(outputs, f->o_rows, "outputs");
    COUNTER(unspent_outputs, f->unspent, "unspent_outputs");
    checked(f, CT_CHECK_COUNTERS);
    if (!u128_is(&f->unspent_value, f->ctr.unspent_value)) {
        char a[40], b[40];
        violation(f, CT_CHECK_COUNTERS, counters_key, sizeof(counters_key),
                  "counter unspent_value is %s; the rows say %s", u128_dec(a, f->ctr.unspent_value),
                  u128_dec(b, f->unspent_value));
    }
    COUNTER(unknown_prevouts, f->i_unknown, "unknown_prevouts");
    COUNTER(addresses, f->d_rows, "addresses");
    COUNTER(overwritten, f->overwritten, "overwritten");
    uint8_t nk[5] = {'m', 'n', 'e', 'x', 't'};
    checked(f, CT_CHECK_COUNTERS);
    if (f->have_next && (f->next.txnum != f->max_txnum + 1 || f->next.addrid != f->max_addrid + 1))
        violation(f, CT_CHECK_COUNTERS, nk, 5,
                  "next ids are tx %llu, address %llu; the rows end at tx %llu, address %llu",
                  (unsigned long long)f->next.txnum, (unsigned long long)f->next.addrid,
                  (unsigned long long)f->max_txnum, (unsigned long long)f->max_addrid);
    else if (!f->have_next && f->n_rows > 0)
        violation(f, CT_CHECK_COUNTERS, nk, 5, "no next-ids row");

    /* Completeness by counts: each history row matched a distinct output or input row. */
    checked(f, CT_CHECK_HISTORY);
    if (f->y_recv != f->o_addr)
        violation(f, CT_CHECK_HISTORY, NULL, 0,
                  "%llu outputs pay an address, but %llu history rows say received",
                  (unsigned long long)f->o_addr, (unsigned long long)f->y_recv);
    checked(f, CT_CHECK_HISTORY);
    if (f->y_sent != f->i_addr)
        violation(f, CT_CHECK_HISTORY, NULL, 0,
                  "%llu inputs spend from an address, but %llu history rows say sent",
                  (unsigned long long)f->i_addr, (unsigned long long)f->y_sent);
    checked(f, CT_CHECK_ADDRESSES);
    if (f->a_rows != f->d_rows)
        violation(f, CT_CHECK_ADDRESSES, NULL, 0, "%llu address rows but %llu id rows",
                  (unsigned long long)f->a_rows, (unsigned long long)f->d_rows);
    checked(f, CT_CHECK_TX_SHAPE);
    if (f->sum_n_in != f->i_rows || f->sum_n_out != f->o_rows)
        violation(f, CT_CHECK_TX_SHAPE, NULL, 0,
                  "the transactions say %llu inputs and %llu outputs; there are %llu input rows "
                  "and %llu output rows",
                  (unsigned long long)f->sum_n_in, (unsigned long long)f->sum_n_out,
                  (unsigned long long)f->i_rows, (unsigned long long)f->o_rows);
}

static int walk(vf *f)
{
    ct_store_iter *it = ct_store_iter_new(f->r.st, f->r.snap);
    uint8_t prev_t = 0;
    int rc = CT_OK;
    if (!it)
        return ct_fail(f->err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    for (ct_store_iter_seek(it, (const uint8_t *)"", 0); ct_store_iter_valid(it);
         ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (kl == 0)
            continue;
        uint8_t t = k[0];
        if (t != prev_t) {
            if ((rc = leave_table(f, prev_t)))
                break;
            prev_t = t;
        }
        bool counters = digest_meta(k, kl);
        if (digest_table(t) || counters)
            digest_row(f, k, kl, v, vl);
        if (digest_table(t))
            checked(f, CT_CHECK_ROWS);
        switch (t) {
        case CT_T_ADDR:
            rc = on_addr(f, k, kl, v, vl);
            break;
        case CT_T_ADDRID:
            rc = on_addrid(f, k, kl, v, vl);
            break;
        case CT_T_INPUT:
            rc = on_input(f, k, kl, v, vl);
            break;
        case CT_T_LINK:
            rc = on_link(f, k, kl, v, vl);
            break;
        case CT_T_META:
            on_meta(f, k, kl, v, vl);
            break;
        case CT_T_HEIGHT:
            rc = on_height(f, k, kl, v, vl);
            break;
        case CT_T_OUTPUT:
            rc = on_output(f, k, kl, v, vl);
            break;
        case CT_T_SPEND:
            if (kl != 13 || vl != CT_ROW_SPEND_SIZE)
                violation(f, CT_CHECK_ROWS, k, kl, "spend row of %zu bytes", vl);
            break;
        case CT_T_TXID:
            rc = on_txid(f, k, kl, v, vl);
            break;
        case CT_T_TOTALS:
            if (kl != 9 || (vl != CT_ROW_TOTALS_SIZE && vl != CT_ROW_TOTALS_WIDE))
                violation(f, CT_CHECK_ROWS, k, kl, "totals row of %zu bytes", vl);
            break;
        case CT_T_TX:
            rc = on_tx(f, k, kl, v, vl);
            break;
        case CT_T_HISTORY:
            rc = on_history(f, k, kl, v, vl);
            break;
        case CT_T_CLUSTER:
            rc = on_cluster(f, k, kl, v, vl);
            break;
        case CT_T_CLMERGE:
        case CT_T_CLFLAG:
            on_cllog(f, k, kl, v, vl);
            break;
        default:
            break;
        }
        if (rc)
            break;
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, f->err);
    ct_store_iter_free(it);
    if (rc == CT_OK)
        rc = leave_table(f, prev_t);
    if (rc == CT_OK && !f->spends_done)
        rc = finish_spends(f);
    if (rc == CT_OK && !f->totals_done) {
        f->totals_done = true;
        rc = totals_upto(f, UINT64_MAX, true);
    }
    return rc;
}

int ct_graph_verify(ct_db *db, ct_graph_verify_report *rep, ct_error *err)
{
    vf *f = calloc(1, sizeof(*f));
    int rc;
    memset(rep, 0, sizeof(*rep));
    for (int i = 0; i < CT_CHECK_COUNT; i++) {
        rep->checks[i].name = check_names[i][0];
        rep->checks[i].what = check_names[i][1];
    }
    if (!f)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "verifying");
    f->rep = rep;
    f->err = err;
    f->spend_from[0] = CT_T_SPEND;
    f->spend_from_len = 1;
    ct_sha256_init(&f->sha);
    ct_hmap_init(&f->cl_idx);
    if ((rc = ct_graph_reader_open(&f->r, db, err)) == CT_OK)
        ct_cl_reader_init(&f->clr, f->r.st, f->r.snap, err), f->clr_open = true;
    if (rc == CT_OK && (rc = walk(f)) == CT_OK) {
        final_checks(f);
        final_cluster_checks(f);
        ct_sha256_final(&f->sha, rep->digest);
        if (rep->violations)
            rc = ct_fail(err, CT_EDBCORRUPT, "invariant-violated",
                         "%llu invariant violation%s in the graph tables",
                         (unsigned long long)rep->violations, rep->violations == 1 ? "" : "s");
    }
    ct_store_iter_free(f->sit);
    ct_store_iter_free(f->wit);
    if (f->clr_open)
        ct_cl_reader_release(&f->clr);
    ct_hmap_release(&f->cl_idx);
    free(f->cl_seen);
    ct_graph_reader_close(&f->r);
    free(f);
    return rc;
}

/* ---- the quick check of the most recent blocks (bad-inputs.md S12, `verify --quick`) ----
 * The same per-row checks as the full walk, over the key ranges of the last N blocks only:
 * their n rows, then the x, i and o rows from the first txnum of the oldest of them (each
 * a range scan that starts there and runs to the end of its table, so a row above the tip
 * is seen too), the spend links from that txnum, and point lookups for what those rows
 * name. Each input or output with an address must have its history row and a totals row
 * whose first and last transactions include it. The counters are checked against what the
 * last block says (blocks, txs, next ids, the highest address id) and bounded by the rows
 * seen. The cost grows with the transactions of those blocks, not with the chain. */

typedef int (*row_fn)(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl);

static int range_walk(vf *f, const uint8_t *from, size_t fl, row_fn on)
{
    ct_store_iter *it = ct_store_iter_new(f->r.st, f->r.snap);
    int rc = CT_OK;
    if (!it)
        return ct_fail(f->err, CT_ENOMEM, "out-of-memory", "opening an iterator");
    for (ct_store_iter_seek(it, from, fl); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        if (kl == 0 || k[0] != from[0])
            break;
        checked(f, CT_CHECK_ROWS);
        if ((rc = on(f, k, kl, v, vl)) != CT_OK)
            break;
    }
    if (rc == CT_OK)
        rc = ct_store_iter_status(it, f->err);
    ct_store_iter_free(it);
    return rc;
}

/* The history and totals rows that an input or output paying or spending addrid needs. */
static int recent_history(vf *f, const uint8_t *k, size_t kl, uint64_t addrid, uint8_t dir,
                          uint64_t value)
{
    uint64_t txnum = ct_be64(k + 1);
    uint32_t index = ct_be32(k + 9);
    const char *what = dir == CT_GRAPH_RECEIVED ? "output" : "input";
    uint8_t yk[22], wk[9], dk[9];
    checked(f, CT_CHECK_HISTORY);
    int rc = lk(f, yk, ct_key_history(yk, addrid, txnum, dir, index));
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND)
        violation(f, CT_CHECK_HISTORY, k, kl, "%s %llu:%u of address %llu has no history row", what,
                  (unsigned long long)txnum, index, (unsigned long long)addrid);
    else if (f->r.v.len != 8 || ct_be64(f->r.v.data) != value)
        violation(f, CT_CHECK_HISTORY, yk, 22, "history row of %s %llu:%u does not say %llu sat",
                  what, (unsigned long long)txnum, index, (unsigned long long)value);
    checked(f, CT_CHECK_ADDRESSES);
    rc = lk(f, dk, ct_key_u64(dk, CT_T_ADDRID, addrid));
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND)
        violation(f, CT_CHECK_ADDRESSES, k, kl, "%s %llu:%u names address %llu, which has no row",
                  what, (unsigned long long)txnum, index, (unsigned long long)addrid);
    checked(f, CT_CHECK_TOTALS);
    ct_row_totals t;
    rc = lk(f, wk, ct_key_u64(wk, CT_T_TOTALS, addrid));
    if (FATAL(rc))
        return rc;
    if (rc == CT_ENOTFOUND || ct_row_totals_decode(&t, f->r.v.data, f->r.v.len, NULL) != CT_OK)
        violation(f, CT_CHECK_TOTALS, wk, 9, "address %llu of %s %llu:%u has no totals row",
                  (unsigned long long)addrid, what, (unsigned long long)txnum, index);
    else if (t.first_txnum > txnum || t.last_txnum < txnum)
        violation(f, CT_CHECK_TOTALS, wk, 9,
                  "address %llu: its totals say transactions %llu..%llu, but %s %llu:%u is its",
                  (unsigned long long)addrid, (unsigned long long)t.first_txnum,
                  (unsigned long long)t.last_txnum, what, (unsigned long long)txnum, index);
    return CT_OK;
}

static int recent_input(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    int rc = on_input(f, k, kl, v, vl);
    ct_row_input in;
    if (rc != CT_OK || kl != 13 || ct_row_input_decode(&in, v, vl, NULL) != CT_OK ||
        in.addrid == CT_ADDRID_NONE)
        return rc;
    return recent_history(f, k, kl, in.addrid, CT_GRAPH_SENT, in.value);
}

static int recent_output(vf *f, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    int rc = on_output(f, k, kl, v, vl);
    ct_row_output out;
    if (rc != CT_OK || kl != 13 || ct_row_output_decode(&out, v, vl, NULL) != CT_OK ||
        out.addrid == CT_ADDRID_NONE)
        return rc;
    return recent_history(f, k, kl, out.addrid, CT_GRAPH_RECEIVED, out.value);
}

static void recent_counter(vf *f, const char *name, uint64_t have, uint64_t want, bool at_least)
{
    checked(f, CT_CHECK_COUNTERS);
    if (at_least ? have < want : have != want)
        violation(f, CT_CHECK_COUNTERS, counters_key, sizeof(counters_key),
                  "counter %s is %llu; the recent blocks say %s%llu", name,
                  (unsigned long long)have, at_least ? "at least " : "", (unsigned long long)want);
}

static int recent_final(vf *f, uint32_t tip, uint64_t end_txnum)
{
    uint8_t tk[4] = {'m', 't', 'i', 'p'}, nk[5] = {'m', 'n', 'e', 'x', 't'};
    checked(f, CT_CHECK_BLOCKS);
    if (f->n_rows != (uint64_t)tip + 1 || f->last_height != tip ||
        memcmp(f->tip.hash, f->last_hash, 32) != 0)
        violation(f, CT_CHECK_BLOCKS, tk, 4, "the tip row says height %u; the highest block is %u",
                  tip, f->last_height);
    checked(f, CT_CHECK_TXS);
    if (f->x_rows + 1 != end_txnum)
        violation(f, CT_CHECK_TXS, NULL, 0,
                  "the last block ends at transaction %llu; the transaction rows end at %llu",
                  (unsigned long long)(end_txnum - 1), (unsigned long long)f->x_rows);
    checked(f, CT_CHECK_TX_SHAPE);
    if (f->sum_n_in != f->i_rows || f->sum_n_out != f->o_rows)
        violation(f, CT_CHECK_TX_SHAPE, NULL, 0,
                  "the recent transactions say %llu inputs and %llu outputs; there are %llu input "
                  "rows and %llu output rows",
                  (unsigned long long)f->sum_n_in, (unsigned long long)f->sum_n_out,
                  (unsigned long long)f->i_rows, (unsigned long long)f->o_rows);
    if (!f->have_counters) {
        checked(f, CT_CHECK_COUNTERS);
        violation(f, CT_CHECK_COUNTERS, counters_key, sizeof(counters_key), "no counters row");
        return CT_OK;
    }
    recent_counter(f, "blocks", f->ctr.blocks, (uint64_t)tip + 1, false);
    recent_counter(f, "txs", f->ctr.txs, end_txnum - 1, false);
    recent_counter(f, "inputs", f->ctr.inputs, f->i_rows, true);
    recent_counter(f, "outputs", f->ctr.outputs, f->o_rows, true);
    recent_counter(f, "unknown_prevouts", f->ctr.unknown_prevouts, f->i_unknown, true);
    recent_counter(f, "inputs", f->ctr.inputs, f->ctr.unknown_prevouts, true);
    recent_counter(f, "outputs", f->ctr.outputs, f->ctr.unspent_outputs + f->ctr.overwritten, true);
    checked(f, CT_CHECK_COUNTERS);
    if (!f->have_next) {
        violation(f, CT_CHECK_COUNTERS, nk, 5, "no next-ids row");
        return CT_OK;
    }
    if (f->next.txnum != end_txnum)
        violation(f, CT_CHECK_COUNTERS, nk, 5,
                  "next txnum is %llu; the last block ends at transaction %llu",
                  (unsigned long long)f->next.txnum, (unsigned long long)(end_txnum - 1));
    recent_counter(f, "addresses", f->ctr.addresses, f->next.addrid - 1, false);
    /* the highest address id has its row, and the next one has none */
    uint8_t dk[9];
    for (int above = 0; above < 2; above++) {
        uint64_t id = f->next.addrid - 1 + (uint64_t)above;
        if (id == 0)
            continue;
        checked(f, CT_CHECK_ADDRESSES);
        int rc = lk(f, dk, ct_key_u64(dk, CT_T_ADDRID, id));
        if (FATAL(rc))
            return rc;
        if ((rc == CT_OK) != !above)
            violation(f, CT_CHECK_ADDRESSES, dk, 9,
                      above ? "address %llu has a row, but the next id is that one"
                            : "address %llu, the highest id, has no row",
                      (unsigned long long)id);
    }
    return CT_OK;
}

static int recent_walk(vf *f, uint32_t blocks)
{
    static const char *const meta[] = {"counters", "next", "tip"};
    uint8_t k[32];
    int rc;
    for (int i = 0; i < 3; i++) {
        size_t kl = ct_key_meta(k, meta[i]);
        if (FATAL(rc = lk(f, k, kl)))
            return rc;
        if (rc == CT_OK)
            on_meta(f, k, kl, f->r.v.data, f->r.v.len);
    }
    if (!f->have_tip) {
        /* no block: there must be no n row and no counted block either */
        const uint8_t n = CT_T_HEIGHT;
        f->rep->first_height = f->rep->last_height = 0;
        if ((rc = range_walk(f, &n, 1, on_height)) != CT_OK)
            return rc;
        checked(f, CT_CHECK_BLOCKS);
        if (f->n_rows > 0)
            violation(f, CT_CHECK_BLOCKS, NULL, 0, "%llu block rows, but no tip row",
                      (unsigned long long)f->n_rows);
        if (f->have_counters)
            recent_counter(f, "blocks", f->ctr.blocks, 0, false);
        return CT_OK;
    }
    uint32_t tip = f->tip.height;
    uint32_t first = tip >= blocks - 1 ? tip - (blocks - 1) : 0;
    f->rep->first_height = first;
    f->rep->last_height = tip;
    f->rep->blocks_checked = tip - first + 1;
    ct_row_block b0, bt;
    uint8_t nk[5];
    if (FATAL(rc = lk(f, nk, ct_key_u32(nk, CT_T_HEIGHT, first))))
        return rc;
    bool ok0 = rc == CT_OK && ct_row_block_decode(&b0, f->r.v.data, f->r.v.len, NULL) == CT_OK;
    if (FATAL(rc = lk(f, nk, ct_key_u32(nk, CT_T_HEIGHT, tip))))
        return rc;
    bool okt = rc == CT_OK && ct_row_block_decode(&bt, f->r.v.data, f->r.v.len, NULL) == CT_OK;
    if (!ok0 || !okt) {
        checked(f, CT_CHECK_BLOCKS);
        violation(f, CT_CHECK_BLOCKS, nk, 5, "no block row at height %u (tip %u)",
                  ok0 ? tip : first, tip);
        return CT_OK;
    }
    uint64_t t0 = b0.first_txnum, end = bt.first_txnum + bt.n_tx;
    /* n from the first height, x from its first txnum, i and o from (that txnum, 0) */
    f->n_rows = first;
    f->x_rows = t0 - 1;
    ct_key_u32(nk, CT_T_HEIGHT, first);
    if ((rc = range_walk(f, nk, 5, on_height)) != CT_OK)
        return rc;
    ct_key_u64(k, CT_T_TX, t0);
    if ((rc = range_walk(f, k, 9, on_tx)) != CT_OK)
        return rc;
    ct_key_u64_u32(k, CT_T_INPUT, t0, 0);
    if ((rc = range_walk(f, k, 13, recent_input)) != CT_OK ||
        (rc = shape_finish(f, &f->ishape, true)) != CT_OK)
        return rc;
    ct_key_u64(f->spend_from, CT_T_SPEND, t0);
    f->spend_from_len = 9;
    ct_key_u64_u32(k, CT_T_OUTPUT, t0, 0);
    if ((rc = range_walk(f, k, 13, recent_output)) != CT_OK ||
        (rc = shape_finish(f, &f->oshape, false)) != CT_OK || (rc = finish_spends(f)) != CT_OK)
        return rc;
    return recent_final(f, tip, end);
}

int ct_graph_verify_recent(ct_db *db, uint32_t blocks, ct_graph_verify_report *rep, ct_error *err)
{
    memset(rep, 0, sizeof(*rep));
    for (int i = 0; i < CT_CHECK_COUNT; i++) {
        rep->checks[i].name = check_names[i][0];
        rep->checks[i].what = check_names[i][1];
    }
    rep->quick = true;
    if (blocks == 0)
        return ct_fail(err, CT_EINVAL, "bad-argument", "the quick check needs at least 1 block");
    vf *f = calloc(1, sizeof(*f));
    if (!f)
        return ct_fail(err, CT_ENOMEM, "out-of-memory", "verifying");
    f->rep = rep;
    f->err = err;
    f->spend_from[0] = CT_T_SPEND;
    f->spend_from_len = 1;
    int rc;
    if ((rc = ct_graph_reader_open(&f->r, db, err)) == CT_OK &&
        (rc = recent_walk(f, blocks)) == CT_OK && rep->violations)
        rc = ct_fail(err, CT_EDBCORRUPT, "invariant-violated",
                     "%llu invariant violation%s in the last %u blocks",
                     (unsigned long long)rep->violations, rep->violations == 1 ? "" : "s",
                     rep->blocks_checked);
    /* the summary counts what the rows check counted (as the full walk's "rows N" does) */
    rep->rows_checked = rep->checks[CT_CHECK_ROWS].checked;
    ct_store_iter_free(f->sit);
    ct_graph_reader_close(&f->r);
    free(f);
    return rc;
}
