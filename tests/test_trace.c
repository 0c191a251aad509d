/* Tests of the tracer on hand-built regtest chains, ingested and traced through the
 * database. Expected figures: scenario A by hand (see the comments), scenario B by
 * tests/tools/taint_reference.py, an independent plain implementation of the rules. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockbuild.h"
#include "chaintrail/chaintrail.h"
#include "testutil.h"

enum {
    A = 0x0a,
    B = 0x0b,
    C = 0x0c,
    D = 0x0d,
    E = 0x0e,
    X = 0x10,
    Y = 0x11,
    Z = 0x12,
    W = 0x13,
    MINER = 0x99
};

static void regtest_addr(char *buf, uint8_t tag)
{
    ct_btc_addr a = {CT_BTC_P2PKH, ct_btc_params_get("regtest"), 0, {0}, 20};
    a.program[0] = tag;
    cr_assert_eq(ct_btc_addr_encode(buf, CT_BTC_ADDR_MAX, &a), CT_OK);
}

typedef struct spend_in {
    uint8_t txid[32];
    uint32_t vout;
} spend_in;

typedef struct pay {
    uint64_t value;
    uint8_t owner;
} pay;

/* A block: coinbase to cb_owner, plus optionally one transaction spending `ins` to `outs`. */
static void block(bb_buf *file, uint8_t hash[32], const uint8_t prev[32], uint32_t height,
                  uint8_t cb_owner, uint8_t cb_txid[32], const spend_in *ins, size_t n_in,
                  const pay *outs, size_t n_out, uint8_t txid[32])
{
    static const uint8_t op_true = 0x51;
    uint8_t sig[6] = {0x04, (uint8_t)height, (uint8_t)(height >> 8), 0, 0, 0x51};
    uint8_t scripts[8][BB_P2PKH_LEN];
    bb_txin in[8];
    bb_txout out[8];
    bb_block b;
    cr_assert(n_in <= 8 && n_out <= 8);
    bb_block_init(&b, prev, 1700000000 + height * 600);
    bb_coinbase(&b, cb_txid, sig, sizeof(sig), 5000000000ULL, cb_owner);
    if (n_in) {
        memset(in, 0, sizeof(in));
        for (size_t i = 0; i < n_in; i++) {
            memcpy(in[i].txid, ins[i].txid, 32);
            in[i].vout = ins[i].vout;
            in[i].script = &op_true;
            in[i].script_len = 1;
        }
        for (size_t j = 0; j < n_out; j++) {
            bb_p2pkh(scripts[j], outs[j].owner);
            out[j] = (bb_txout){outs[j].value, scripts[j], BB_P2PKH_LEN};
        }
        bb_txspec t = {1, 0, in, n_in, out, n_out, 0};
        bb_block_add(&b, &t);
        memcpy(txid, b.txid[b.n_tx - 1], 32);
    }
    bb_block_record(file, hash, &b);
    bb_block_free(&b);
}

typedef struct chain {
    char *dir;  /* database */
    char *fdir; /* blk file */
    uint8_t cbA[32], tx1[32], tx2[32], tx3[32], tx4[32];
} chain;

/* genesis; b1 pays A; b2 pays B; b3: tx1 [A, B] -> C 3,333,333,333, D 3,333,333,333,
 * E 3,333,333,331, fee 3; b4: tx2 [C] -> X 1,000,000,000, Y 2,333,333,000, fee 333;
 * b5: tx3 [D] -> Z 3,333,333,333; b6: tx4 [Y, Z] -> W 5,666,666,333. */
static void build_chain(chain *c)
{
    bb_buf file;
    uint8_t g[32], h1[32], h2[32], h3[32], h4[32], h5[32], h6[32], cbB[32];
    bb_init(&file);
    bb_regtest_genesis(&file, g);
    block(&file, h1, g, 1, A, c->cbA, NULL, 0, NULL, 0, NULL);
    block(&file, h2, h1, 2, B, cbB, NULL, 0, NULL, 0, NULL);
    spend_in in1[2] = {{{0}, 0}, {{0}, 0}};
    memcpy(in1[0].txid, c->cbA, 32);
    memcpy(in1[1].txid, cbB, 32);
    pay out1[3] = {{3333333333ULL, C}, {3333333333ULL, D}, {3333333331ULL, E}};
    block(&file, h3, h2, 3, MINER, NULL, in1, 2, out1, 3, c->tx1);
    spend_in in2 = {{0}, 0};
    memcpy(in2.txid, c->tx1, 32);
    pay out2[2] = {{1000000000ULL, X}, {2333333000ULL, Y}};
    block(&file, h4, h3, 4, MINER, NULL, &in2, 1, out2, 2, c->tx2);
    spend_in in3 = {{0}, 1};
    memcpy(in3.txid, c->tx1, 32);
    pay out3 = {3333333333ULL, Z};
    block(&file, h5, h4, 5, MINER, NULL, &in3, 1, &out3, 1, c->tx3);
    spend_in in4[2] = {{{0}, 1}, {{0}, 0}};
    memcpy(in4[0].txid, c->tx2, 32);
    memcpy(in4[1].txid, c->tx3, 32);
    pay out4 = {5666666333ULL, W};
    block(&file, h6, h5, 6, MINER, NULL, in4, 2, &out4, 1, c->tx4);

    c->dir = tu_tmpdir();
    c->fdir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/chain.blk", c->fdir);
    cr_assert_eq(tu_write_file(path, file.data, file.len), 0);
    ct_db *db;
    ct_db_options o = CT_DB_OPTIONS_INIT;
    o.create = true;
    cr_assert_eq(ct_db_open(&db, c->dir, &o, NULL), CT_OK);
    ct_ingest_options io = CT_INGEST_OPTIONS_INIT;
    ct_ingest_stats st;
    ct_error err;
    io.net = ct_btc_params_get("regtest");
    ct_error_clear(&err);
    cr_assert_eq(ct_ingest_bitcoin(db, &st, (const char *[]){path}, 1, &io, &err), CT_OK, "%s",
                 err.detail);
    cr_assert_eq(st.blocks_connected, 7);
    ct_db_close(db);
    bb_free(&file);
}

static void free_chain(chain *c)
{
    tu_rmtree(c->dir);
    tu_rmtree(c->fdir);
    free(c->dir);
    free(c->fdir);
}

/* The database graph, with X labelled as an exchange. */
typedef struct labelled {
    ct_trace_graph g;
    ct_trace_graph *base;
    char exchange[CT_BTC_ADDR_MAX];
} labelled;

static int lab_load_tx(void *ctx, uint64_t txnum, ct_trace_tx *tx, ct_error *err)
{
    labelled *l = ctx;
    return l->base->load_tx(l->base->ctx, txnum, tx, err);
}
static int lab_txnum_of(void *ctx, const uint8_t txid[32], uint64_t *txnum, ct_error *err)
{
    labelled *l = ctx;
    return l->base->txnum_of(l->base->ctx, txid, txnum, err);
}
static int lab_addr_outputs(void *ctx, const char *a, int (*fn)(void *, uint64_t, uint32_t),
                            void *arg, ct_error *err)
{
    labelled *l = ctx;
    return l->base->address_outputs(l->base->ctx, a, fn, arg, err);
}
static int lab_address_of(void *ctx, uint64_t id, char **out, ct_error *err)
{
    labelled *l = ctx;
    return l->base->address_of(l->base->ctx, id, out, err);
}
static int lab_label_of(void *ctx, uint64_t id, char *cat, size_t cs, char *label, size_t ls,
                        ct_error *err)
{
    labelled *l = ctx;
    char *a;
    int rc = l->base->address_of(l->base->ctx, id, &a, err);
    if (rc)
        return rc;
    bool match = strcmp(a, l->exchange) == 0;
    free(a);
    if (!match)
        return CT_ENOTFOUND;
    snprintf(cat, cs, "exchange");
    snprintf(label, ls, "Test Exchange deposit");
    return CT_OK;
}

typedef struct traced {
    ct_db *db;
    ct_trace_graph *base;
    labelled lab;
    ct_trace_result res;
} traced;

/* Traces `n` sources (TXID:VOUT) with options `o` (hops etc. already set). */
static void run_sources(traced *t, const chain *c, const char *const *sources, size_t n,
                        const ct_trace_options *o)
{
    ct_trace_source src[4];
    ct_error err;
    cr_assert(n <= 4);
    cr_assert_eq(ct_db_open(&t->db, c->dir, NULL, NULL), CT_OK);
    cr_assert_eq(ct_trace_graph_db(&t->base, t->db, NULL), CT_OK);
    t->lab.g = (ct_trace_graph){&t->lab,          lab_load_tx,    lab_txnum_of,
                                lab_addr_outputs, lab_address_of, lab_label_of};
    t->lab.base = t->base;
    regtest_addr(t->lab.exchange, X);
    memset(src, 0, sizeof(src));
    for (size_t i = 0; i < n; i++) {
        snprintf(src[i].spec, sizeof(src[i].spec), "%s", sources[i]);
        src[i].from_time = src[i].to_time = -1;
    }
    ct_error_clear(&err);
    cr_assert_eq(ct_trace_run(&t->res, &t->lab.g, src, n, o, &err), CT_OK, "%s: %s", err.reason,
                 err.detail);
}

static void run_trace(traced *t, const chain *c, const char *source, uint32_t hops)
{
    ct_trace_options o;
    ct_trace_source src;
    ct_error err;
    cr_assert_eq(ct_db_open(&t->db, c->dir, NULL, NULL), CT_OK);
    cr_assert_eq(ct_trace_graph_db(&t->base, t->db, NULL), CT_OK);
    t->lab.g = (ct_trace_graph){&t->lab,          lab_load_tx,    lab_txnum_of,
                                lab_addr_outputs, lab_address_of, lab_label_of};
    t->lab.base = t->base;
    regtest_addr(t->lab.exchange, X);
    ct_trace_options_init(&o);
    o.hops = hops;
    o.flows = o.poison_flows = true; /* assert_conservation checks them */
    memset(&src, 0, sizeof(src));
    snprintf(src.spec, sizeof(src.spec), "%s", source);
    src.from_time = src.to_time = -1;
    ct_error_clear(&err);
    cr_assert_eq(ct_trace_run(&t->res, &t->lab.g, &src, 1, &o, &err), CT_OK, "%s: %s", err.reason,
                 err.detail);
}

static void end_trace(traced *t)
{
    ct_trace_result_release(&t->res);
    ct_trace_graph_db_free(t->base);
    ct_db_close(t->db);
}

static uint64_t cat(const ct_trace_model_result *m, const char *name)
{
    for (size_t i = 0; i < m->n_categories; i++)
        if (strcmp(m->categories[i].name, name) == 0)
            return (uint64_t)m->categories[i].sat;
    return 0;
}

static uint64_t ep(const ct_trace_model_result *m, uint8_t tag, const char *category)
{
    char a[CT_BTC_ADDR_MAX];
    regtest_addr(a, tag);
    for (size_t i = 0; i < m->n_endpoints; i++)
        if (strcmp(m->endpoints[i].address, a) == 0 &&
            strcmp(m->endpoints[i].category, category) == 0)
            return (uint64_t)m->endpoints[i].taint;
    return 0;
}

/* The flows of a result traced with flows: each endpoint's taint is the sum of the flows
 * into it, its outputs their number, its hops, first and last height their extremes; the fee
 * flows add up to the fee category; the totals per hop add up to every category (poison
 * included) and to the flows kept whole. */
static void assert_flows(const ct_trace_result *r)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        const char *name = ct_model_name((ct_model)m);
        if (!x->enabled)
            continue;
        for (size_t c = 0; c < x->n_categories; c++) {
            unsigned __int128 sum = 0;
            for (size_t h = 0; h < x->n_hop_totals; h++)
                if (strcmp(x->hop_totals[h].category, x->categories[c].name) == 0)
                    sum += x->hop_totals[h].taint;
            cr_assert(sum == x->categories[c].sat, "%s: hop totals of %s", name,
                      x->categories[c].name);
        }
        if (!x->flows_whole) {
            cr_assert_eq(x->n_flows, 0, "%s", name);
            continue;
        }
        uint64_t n_total = 0;
        for (size_t h = 0; h < x->n_hop_totals; h++)
            n_total += x->hop_totals[h].flows;
        cr_assert_eq(n_total, x->n_flows, "%s: hop totals count the flows", name);
        unsigned __int128 fee = 0;
        for (size_t i = 0; i < x->n_flows; i++) {
            const ct_trace_flow *f = &x->flows[i];
            cr_assert(f->taint > 0, "%s flow %zu", name, i);
            cr_assert(f->endpoint == CT_TRACE_NONE || f->next == CT_TRACE_NONE, "%s flow %zu", name,
                      i);
            cr_assert((f->hop == 0) == (f->by == CT_TRACE_NONE), "%s flow %zu: by", name, i);
            if (f->tx != CT_TRACE_NONE && f->vout != CT_TRACE_FLOW_FEE)
                cr_assert_eq(f->height, r->txs[f->tx].height, "%s flow %zu: height", name, i);
            if (f->vout == CT_TRACE_FLOW_FEE && f->endpoint == CT_TRACE_NONE)
                fee += f->taint;
        }
        unsigned __int128 fee_cat = 0;
        for (size_t c = 0; c < x->n_categories; c++)
            if (strcmp(x->categories[c].name, "fee") == 0)
                fee_cat = x->categories[c].sat;
        cr_assert(fee == fee_cat, "%s: fee flows", name);
        for (size_t e = 0; e < x->n_endpoints; e++) {
            const ct_trace_endpoint *ep = &x->endpoints[e];
            unsigned __int128 sum = 0;
            uint64_t n = 0;
            uint32_t hop = UINT32_MAX, lo = UINT32_MAX, hi = 0;
            for (size_t i = 0; i < x->n_flows; i++) {
                const ct_trace_flow *f = &x->flows[i];
                if (f->endpoint != e)
                    continue;
                sum += f->taint;
                n++;
                hop = f->hop < hop ? f->hop : hop;
                lo = f->height < lo ? f->height : lo;
                hi = f->height > hi ? f->height : hi;
                if (ep->address[0])
                    cr_assert_str_eq(r->addresses[f->address], ep->address);
            }
            cr_assert(sum == ep->taint, "%s: endpoint %s %s: flows %llu, taint %llu", name,
                      ep->address, ep->category, (unsigned long long)sum,
                      (unsigned long long)ep->taint);
            cr_assert_eq(n, ep->n_outputs, "%s %s", name, ep->address);
            cr_assert_eq(hop, ep->hops, "%s %s", name, ep->address);
            cr_assert_eq(lo, ep->first_height, "%s %s", name, ep->address);
            cr_assert_eq(hi, ep->last_height, "%s %s", name, ep->address);
        }
    }
}

static void assert_conservation(const ct_trace_result *r)
{
    bool flows = false;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        flows |= r->model[m].n_hop_totals > 0;
    if (flows)
        assert_flows(r);
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        unsigned __int128 sum = 0;
        for (size_t i = 0; i < x->n_categories; i++)
            sum += x->categories[i].sat;
        cr_assert(sum == x->source_sat, "%s: categories do not add up to source_sat",
                  ct_model_name((ct_model)m));
    }
}

static char *source_of(const uint8_t txid[32], uint32_t vout)
{
    static char buf[80];
    char hex[65];
    ct_hash_to_hex(hex, txid);
    snprintf(buf, sizeof(buf), "%s:%u", hex, vout);
    return buf;
}

Test(trace, one_transaction_every_model_by_hand)
{
    /* Hops = 1 stops at tx1's outputs. Source: A's 5,000,000,000; tx1 spends it with B's
     * 5,000,000,000 (V = 10,000,000,000) into C, D, E and a fee of 3.
     * haircut: floor(5e9 * v / 1e10) = 1,666,666,666 / 1,666,666,666 / 1,666,666,665 / 1,
     *   remainder 2 to the largest T*v mod V: all four are 5e9, ties to the lower slots:
     *   C and D get one more.
     * FIFO: taint [0, 5e9) on the line: C [0, 3333333333) whole, D gets 1,666,666,667.
     * LIFO: mirrored to [5e9, 1e10): D gets 1,666,666,666, E 3,333,333,331, fee 3.
     * TIHO: C (3,333,333,333, lower index of the two largest) then D 1,666,666,667. */
    chain c;
    build_chain(&c);
    traced t;
    run_trace(&t, &c, source_of(c.cbA, 0), 1);
    const ct_trace_result *r = &t.res;
    cr_assert(r->complete);
    cr_assert_eq(r->n_sources, 1);
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        cr_assert(r->model[m].source_sat == 5000000000ULL);

    const ct_trace_model_result *p = &r->model[CT_MODEL_POISON];
    cr_assert_eq(ep(p, C, "hop_limit"), 3333333333ULL);
    cr_assert_eq(ep(p, D, "hop_limit"), 3333333333ULL);
    cr_assert_eq(ep(p, E, "unspent"), 3333333331ULL);
    cr_assert_eq(cat(p, "fee"), 3);

    const ct_trace_model_result *h = &r->model[CT_MODEL_HAIRCUT];
    cr_assert_eq(ep(h, C, "hop_limit"), 1666666667ULL);
    cr_assert_eq(ep(h, D, "hop_limit"), 1666666667ULL);
    cr_assert_eq(ep(h, E, "unspent"), 1666666665ULL);
    cr_assert_eq(cat(h, "fee"), 1);

    const ct_trace_model_result *f = &r->model[CT_MODEL_FIFO];
    cr_assert_eq(ep(f, C, "hop_limit"), 3333333333ULL);
    cr_assert_eq(ep(f, D, "hop_limit"), 1666666667ULL);
    cr_assert_eq(f->n_endpoints, 2);
    cr_assert_eq(cat(f, "fee"), 0);

    const ct_trace_model_result *l = &r->model[CT_MODEL_LIFO];
    cr_assert_eq(ep(l, D, "hop_limit"), 1666666666ULL);
    cr_assert_eq(ep(l, E, "unspent"), 3333333331ULL);
    cr_assert_eq(cat(l, "fee"), 3);
    cr_assert_eq(l->n_endpoints, 2);

    const ct_trace_model_result *o = &r->model[CT_MODEL_TIHO];
    cr_assert_eq(ep(o, C, "hop_limit"), 3333333333ULL);
    cr_assert_eq(ep(o, D, "hop_limit"), 1666666667ULL);
    cr_assert_eq(o->n_endpoints, 2);
    assert_conservation(r);
    end_trace(&t);
    free_chain(&c);
}

Test(trace, two_paths_merge_and_a_labelled_stop)
{
    /* Expected figures: python3 tests/tools/taint_reference.py (scenario B). */
    chain c;
    build_chain(&c);
    traced t;
    run_trace(&t, &c, source_of(c.cbA, 0), 10);
    const ct_trace_result *r = &t.res;
    cr_assert(r->complete);
    /* tx1, tx2, tx3 and tx4 (spending Y and Z, reached by two paths) are each processed
     * once; in poison the fee slot... every model agrees on the transactions visited. */
    cr_assert_eq(r->txs_processed, 4);

    const ct_trace_model_result *p = &r->model[CT_MODEL_POISON];
    cr_assert_eq(cat(p, "exchange"), 1000000000ULL);
    cr_assert_eq(cat(p, "fee"), 336);
    cr_assert_eq(cat(p, "unspent"), 8999999664ULL);
    cr_assert_eq(ep(p, W, "unspent"), 5666666333ULL);
    cr_assert_eq(ep(p, E, "unspent"), 3333333331ULL);
    cr_assert(p->laundered_sat == 1000000000ULL);

    const ct_trace_model_result *h = &r->model[CT_MODEL_HAIRCUT];
    cr_assert_eq(cat(h, "exchange"), 500000000ULL);
    cr_assert_eq(cat(h, "fee"), 168);
    cr_assert_eq(cat(h, "unspent"), 4499999832ULL);
    cr_assert_eq(ep(h, W, "unspent"), 2833333167ULL);
    cr_assert_eq(ep(h, E, "unspent"), 1666666665ULL);
    cr_assert(h->laundered_sat == 500000000ULL);

    const ct_trace_model_result *f = &r->model[CT_MODEL_FIFO];
    cr_assert_eq(cat(f, "exchange"), 1000000000ULL);
    cr_assert_eq(cat(f, "fee"), 333);
    cr_assert_eq(ep(f, W, "unspent"), 3999999667ULL);
    cr_assert_eq(f->n_endpoints, 2);

    const ct_trace_model_result *l = &r->model[CT_MODEL_LIFO];
    cr_assert_eq(cat(l, "exchange"), 0);
    cr_assert_eq(cat(l, "fee"), 3);
    cr_assert_eq(ep(l, E, "unspent"), 3333333331ULL);
    cr_assert_eq(ep(l, W, "unspent"), 1666666666ULL);
    cr_assert(l->laundered_sat == 0);

    const ct_trace_model_result *o = &r->model[CT_MODEL_TIHO];
    cr_assert_eq(cat(o, "exchange"), 1000000000ULL);
    cr_assert_eq(cat(o, "fee"), 333);
    cr_assert_eq(ep(o, W, "unspent"), 3999999667ULL);

    /* The exchange endpoint carries its label, time and hops. */
    /* Endpoints are sorted by taint: W (3,999,999,667) before X (1,000,000,000). */
    char xa[CT_BTC_ADDR_MAX], wa[CT_BTC_ADDR_MAX];
    regtest_addr(xa, X);
    regtest_addr(wa, W);
    cr_assert_str_eq(f->endpoints[0].address, wa);
    cr_assert_eq(f->endpoints[0].hops, 3);
    const ct_trace_endpoint *x = &f->endpoints[1];
    cr_assert_str_eq(x->address, xa);
    cr_assert_str_eq(x->category, "exchange");
    cr_assert_str_eq(x->label, "Test Exchange deposit");
    cr_assert_eq(x->hops, 2);
    cr_assert_eq(x->first_height, 4);
    cr_assert_eq(x->first_time, 1700000000 + 4 * 600);
    assert_conservation(r);
    end_trace(&t);
    free_chain(&c);
}

Test(trace, source_errors)
{
    chain c;
    build_chain(&c);
    ct_db *db;
    ct_trace_graph *g;
    cr_assert_eq(ct_db_open(&db, c.dir, NULL, NULL), CT_OK);
    cr_assert_eq(ct_trace_graph_db(&g, db, NULL), CT_OK);
    ct_trace_options o;
    ct_trace_options_init(&o);
    ct_trace_source s = {"zz", -1, -1};
    ct_trace_result r;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_trace_run(&r, g, &s, 1, &o, &err), CT_ENOTFOUND);
    ct_trace_result_release(&r);
    snprintf(s.spec, sizeof(s.spec), "%064d:9", 1);
    cr_assert_eq(ct_trace_run(&r, g, &s, 1, &o, &err), CT_ENOTFOUND);
    cr_assert_str_eq(err.reason, "source-not-found");
    ct_trace_result_release(&r);
    snprintf(s.spec, sizeof(s.spec), "%s", source_of(c.cbA, 0));
    s.spec[64] = ';';
    cr_assert_eq(ct_trace_run(&r, g, &s, 1, &o, &err), CT_ENOTFOUND);
    ct_trace_result_release(&r);
    snprintf(s.spec, sizeof(s.spec), "%s", source_of(c.cbA, 7));
    cr_assert_eq(ct_trace_run(&r, g, &s, 1, &o, &err), CT_ENOTFOUND);
    ct_trace_result_release(&r);
    ct_trace_graph_db_free(g);
    ct_db_close(db);
    free_chain(&c);
}

Test(trace, real_blocks_from_12cbQ)
{
    /* Every output received by 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S in the first 4,313
     * mainnet blocks. It received 195 BTC in 6 outputs, but 5 of them are change of its own
     * traced spends: only the height-9 coinbase (50 BTC) entered the trace. Figures from
     * python3 tests/tools/taint_reference.py BLK 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S. */
    char *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(dir, false);
    ct_trace_graph *g;
    cr_assert_eq(ct_trace_graph_db(&g, db, NULL), CT_OK);
    ct_trace_options to;
    ct_trace_options_init(&to);
    ct_trace_source s = {"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", -1, -1};
    ct_trace_result r;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_trace_run(&r, g, &s, 1, &to, &err), CT_OK, "%s", err.detail);
    cr_assert(r.complete);
    cr_assert_eq(r.n_sources, 6);
    static const struct {
        const char *addr;
        uint64_t poison, other;
    } want[] = {
        {"1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs", 6100000000ULL, 1100000000ULL},
        {"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", 1800000000ULL, 1800000000ULL},
        {"1DUDsfc23Dv9sPMEk5RsrtfzCw5ofi5sVW", 1000000000ULL, 1000000000ULL},
        {"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", 1000000000ULL, 1000000000ULL},
        {"1BDvQZjaAJH4ecZ8aL3fYgTi7rnn3o2thE", 100000000ULL, 100000000ULL},
    };
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r.model[m];
        cr_assert(x->source_sat == 5000000000ULL, "%s", ct_model_name((ct_model)m));
        cr_assert_eq(x->n_endpoints, 5, "%s", ct_model_name((ct_model)m));
        cr_assert_eq(x->n_categories, 1);
        cr_assert_str_eq(x->categories[0].name, "unspent");
        cr_assert(x->categories[0].sat == (m == CT_MODEL_POISON ? 10000000000ULL : 5000000000ULL));
        for (size_t i = 0; i < 5; i++) {
            const ct_trace_endpoint *e = NULL;
            for (size_t k = 0; k < x->n_endpoints; k++)
                if (strcmp(x->endpoints[k].address, want[i].addr) == 0)
                    e = &x->endpoints[k];
            cr_assert_not_null(e, "%s: %s", ct_model_name((ct_model)m), want[i].addr);
            cr_assert_str_eq(e->category, "unspent");
            cr_assert(e->taint == (m == CT_MODEL_POISON ? want[i].poison : want[i].other),
                      "%s %s: %llu", ct_model_name((ct_model)m), want[i].addr,
                      (unsigned long long)e->taint);
        }
    }
    ct_trace_result_release(&r);
    ct_trace_graph_db_free(g);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* $20,000.00 per coin every day except block 4's: cents = floor(sat * 2,000,000 / 1e8). */
static int test_price(void *ctx, uint64_t sat, uint32_t time, uint64_t *cents, ct_error *err)
{
    (void)ctx;
    (void)err;
    if (time == 1700000000 + 4 * 600)
        return CT_ENOTFOUND;
    *cents = (uint64_t)((unsigned __int128)sat * 2000000u / 100000000u);
    return CT_OK;
}

Test(trace, usd_per_flow_and_days_without_a_price)
{
    chain c;
    build_chain(&c);
    traced t;
    ct_trace_pricing pricing = {NULL, test_price};
    ct_trace_options o;
    ct_trace_source src;
    cr_assert_eq(ct_db_open(&t.db, c.dir, NULL, NULL), CT_OK);
    cr_assert_eq(ct_trace_graph_db(&t.base, t.db, NULL), CT_OK);
    t.lab.g = (ct_trace_graph){&t.lab,           lab_load_tx,    lab_txnum_of,
                               lab_addr_outputs, lab_address_of, lab_label_of};
    t.lab.base = t.base;
    regtest_addr(t.lab.exchange, X);
    ct_trace_options_init(&o);
    o.pricing = &pricing;
    memset(&src, 0, sizeof(src));
    snprintf(src.spec, sizeof(src.spec), "%s", source_of(c.cbA, 0));
    src.from_time = src.to_time = -1;
    cr_assert_eq(ct_trace_run(&t.res, &t.lab.g, &src, 1, &o, NULL), CT_OK);
    const ct_trace_model_result *f = &t.res.model[CT_MODEL_FIFO];
    /* X was reached in block 4, a day without a price: no USD, explicitly unpriced. */
    cr_assert(cat(f, "exchange") == 1000000000ULL);
    cr_assert(f->laundered_usd_cents == 0);
    cr_assert(f->laundered_unpriced_sat == 1000000000ULL);
    /* W in block 6: 3,999,999,667 sat at $20,000 = 79,999,993.34 -> 79,999,993 cents. */
    cr_assert(f->endpoints[0].usd_cents == 79999993u);
    cr_assert(f->endpoints[0].unpriced_sat == 0);
    /* The fee of tx2 (block 4) is unpriced too. */
    for (size_t i = 0; i < f->n_categories; i++)
        if (strcmp(f->categories[i].name, "fee") == 0)
            cr_assert(f->categories[i].unpriced_sat == 333 && f->categories[i].usd_cents == 0);
    end_trace(&t);
    free_chain(&c);
}

Test(trace, a_64_character_address_is_not_taken_for_a_txid)
{
    /* A regtest P2WSH address is 64 characters and starts with 'b', a hex digit. */
    chain c;
    build_chain(&c);
    ct_db *db;
    ct_trace_graph *g;
    cr_assert_eq(ct_db_open(&db, c.dir, NULL, NULL), CT_OK);
    cr_assert_eq(ct_trace_graph_db(&g, db, NULL), CT_OK);
    ct_btc_addr a = {CT_BTC_P2WSH, ct_btc_params_get("regtest"), 0, {0}, 32};
    ct_trace_source s = {"", -1, -1};
    cr_assert_eq(ct_btc_addr_encode(s.spec, sizeof(s.spec), &a), CT_OK);
    cr_assert_eq(strlen(s.spec), 64);
    ct_trace_options o;
    ct_trace_options_init(&o);
    ct_trace_result r;
    ct_error err;
    ct_error_clear(&err);
    /* Not found as an address (it received nothing), rather than rejected as a bad txid. */
    cr_assert_eq(ct_trace_run(&r, g, &s, 1, &o, &err), CT_ENOTFOUND);
    cr_assert_str_eq(err.reason, "source-not-found");
    ct_trace_result_release(&r);
    ct_trace_graph_db_free(g);
    ct_db_close(db);
    free_chain(&c);
}

/* ---- paths ---- */
static const ct_trace_endpoint *find_ep(const ct_trace_model_result *m, uint8_t tag,
                                        const char *category)
{
    char a[CT_BTC_ADDR_MAX];
    regtest_addr(a, tag);
    for (size_t i = 0; i < m->n_endpoints; i++)
        if (strcmp(m->endpoints[i].address, a) == 0 &&
            strcmp(m->endpoints[i].category, category) == 0)
            return &m->endpoints[i];
    cr_assert_fail("no endpoint %s/%s", a, category);
    return NULL;
}

typedef struct step {
    const uint8_t *txid;
    uint32_t hop, height;
} step;

/* The transactions of an endpoint's evidence (ct_trace_evidence): the `by` of each of its
 * flows, each at the hop of the flows it put taint into, sorted by (hop, height, txid as
 * displayed): what taint_reference.py --paths lists. */
typedef struct pstep {
    uint8_t txid[32];
    uint32_t hop, height;
} pstep;

static int cmp_pstep(const void *a, const void *b)
{
    const pstep *x = a, *y = b;
    if (x->hop != y->hop)
        return x->hop < y->hop ? -1 : 1;
    if (x->height != y->height)
        return x->height < y->height ? -1 : 1;
    for (int i = 31; i >= 0; i--)
        if (x->txid[i] != y->txid[i])
            return x->txid[i] < y->txid[i] ? -1 : 1;
    return 0;
}

static size_t evidence_txs(const ct_trace_result *r, const ct_trace_endpoint *e, pstep *out,
                           size_t cap)
{
    int m = 0;
    while (m < CT_MODEL_COUNT && !(r->model[m].enabled && e >= r->model[m].endpoints &&
                                   e < r->model[m].endpoints + r->model[m].n_endpoints))
        m++;
    cr_assert(m < CT_MODEL_COUNT);
    const ct_trace_model_result *x = &r->model[m];
    size_t *ev, n, k = 0;
    ct_error err;
    cr_assert_eq(ct_trace_evidence(r, (ct_model)m, (size_t)(e - x->endpoints), &ev, &n, &err),
                 CT_OK, "%s", err.detail);
    for (size_t i = 0; i < n; i++) {
        const ct_trace_flow *f = &x->flows[ev[i]];
        if (f->by == CT_TRACE_NONE)
            continue;
        size_t j = 0;
        while (j < k && memcmp(out[j].txid, r->txs[f->by].txid, 32) != 0)
            j++;
        if (j == k) {
            cr_assert(k < cap);
            memcpy(out[k].txid, r->txs[f->by].txid, 32);
            out[k].hop = f->hop;
            out[k++].height = r->txs[f->by].height;
        } else if (f->hop < out[j].hop) {
            out[j].hop = f->hop;
        }
    }
    free(ev);
    qsort(out, k, sizeof(*out), cmp_pstep);
    return k;
}

static void assert_path(const ct_trace_result *r, const ct_trace_endpoint *e, const step *want,
                        size_t n, const char *what)
{
    pstep got[64];
    size_t k = evidence_txs(r, e, got, 64);
    cr_assert_eq(k, n, "%s: %zu steps", what, k);
    for (size_t i = 0; i < n; i++) {
        cr_assert(memcmp(got[i].txid, want[i].txid, 32) == 0, "%s: step %zu", what, i);
        cr_assert_eq(got[i].hop, want[i].hop, "%s: step %zu hop", what, i);
        cr_assert_eq(got[i].height, want[i].height, "%s: step %zu height", what, i);
    }
}

static char *source_copy(const uint8_t txid[32], uint32_t vout)
{
    char *s = malloc(80);
    cr_assert_not_null(s);
    snprintf(s, 80, "%s", source_of(txid, vout));
    return s;
}

Test(trace, paths_forward_scenario_B)
{
    /* Paths from python3 tests/tools/taint_reference.py --paths: W's taint came through tx1
     * (hop 1, height 3), tx2 (2, 4), tx3 (2, 5) and tx4 (3, 6) in FIFO; X's through tx1 and
     * tx2; in LIFO nothing went to Y, so W's path skips tx2; E, reached by tx1 alone. */
    chain c;
    build_chain(&c);
    traced t;
    ct_trace_options o;
    ct_trace_options_init(&o);
    o.paths = true;
    char *src = source_copy(c.cbA, 0);
    run_sources(&t, &c, (const char *const[]){src}, 1, &o);
    const ct_trace_result *r = &t.res;
    const step w[] = {{c.tx1, 1, 3}, {c.tx2, 2, 4}, {c.tx3, 2, 5}, {c.tx4, 3, 6}};
    const step x[] = {{c.tx1, 1, 3}, {c.tx2, 2, 4}};
    const step wl[] = {{c.tx1, 1, 3}, {c.tx3, 2, 5}, {c.tx4, 3, 6}};
    assert_path(r, find_ep(&r->model[CT_MODEL_FIFO], W, "unspent"), w, 4, "fifo W");
    assert_path(r, find_ep(&r->model[CT_MODEL_FIFO], X, "exchange"), x, 2, "fifo X");
    assert_path(r, find_ep(&r->model[CT_MODEL_TIHO], W, "unspent"), w, 4, "tiho W");
    assert_path(r, find_ep(&r->model[CT_MODEL_HAIRCUT], X, "exchange"), x, 2, "haircut X");
    assert_path(r, find_ep(&r->model[CT_MODEL_POISON], E, "unspent"), w, 1, "poison E");
    assert_path(r, find_ep(&r->model[CT_MODEL_LIFO], W, "unspent"), wl, 3, "lifo W");
    assert_path(r, find_ep(&r->model[CT_MODEL_LIFO], E, "unspent"), w, 1, "lifo E");
    /* The figures do not change with paths. */
    cr_assert_eq(ep(&r->model[CT_MODEL_FIFO], W, "unspent"), 3999999667ULL);
    cr_assert_eq(r->txs_processed, 4);
    assert_conservation(r);
    end_trace(&t);

    /* Without paths or flows nothing is collected. */
    ct_trace_options_init(&o);
    run_sources(&t, &c, (const char *const[]){src}, 1, &o);
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        cr_assert(t.res.model[m].n_flows == 0 && t.res.model[m].flows == NULL &&
                  t.res.model[m].n_hop_totals == 0 && t.res.n_txs == 0);
    end_trace(&t);
    /* Flows without poison_flows: poison only per hop (tx1's three outputs and fee at hop 1,
     * and so on); the other models whole, and the same figures. */
    ct_trace_options_init(&o);
    o.flows = true;
    run_sources(&t, &c, (const char *const[]){src}, 1, &o);
    const ct_trace_model_result *p = &t.res.model[CT_MODEL_POISON];
    cr_assert(!p->flows_whole && p->n_flows == 0 && p->flows == NULL);
    cr_assert(t.res.model[CT_MODEL_FIFO].flows_whole && t.res.model[CT_MODEL_FIFO].n_flows > 0);
    cr_assert_eq(p->hop_totals[0].hop, 0); /* the source output, carried on by tx1 */
    cr_assert_str_eq(p->hop_totals[0].category, "");
    cr_assert_eq(p->hop_totals[0].flows, 1);
    cr_assert(p->hop_totals[0].taint == 5000000000ULL);
    assert_conservation(&t.res);
    end_trace(&t);
    free(src);
    free_chain(&c);
}

/* ---- backward ---- */
Test(trace, backward_from_W_scenario_B)
{
    /* Where did W's 5,666,666,333 come from? Figures from python3
     * tests/tools/taint_reference.py --backward --paths (source tx4:0). tx4 spends Y (tx2:1,
     * 2,333,333,000) and Z (tx3:0, 3,333,333,333), worth exactly W: every model gives each
     * its whole value. Z comes from D whole; Y from C (fee 333 untainted). At tx1 the taint
     * of C and D goes to A's and B's coinbase outputs:
     * haircut: 5,666,666,333 * 5e9 / 1e10 = 2,833,333,166.5 each, the remainder to A;
     * FIFO: C's [1e9, 3,333,333,000) and D whole on the line [0, 1e10): A 3,999,999,667;
     * LIFO: mirrored: A 1,666,666,666, B 3,999,999,667;
     * TIHO: A (equal values, lower index) takes 5e9 first, B the 666,666,333 left. */
    chain c;
    build_chain(&c);
    traced t;
    ct_trace_options o;
    ct_trace_options_init(&o);
    o.backward = true;
    o.paths = true;
    char *src = source_copy(c.tx4, 0);
    run_sources(&t, &c, (const char *const[]){src}, 1, &o);
    const ct_trace_result *r = &t.res;
    cr_assert(r->complete);
    cr_assert_eq(r->txs_processed, 4); /* tx4, tx3, tx2, tx1; the coinbases end the walk */
    static const struct {
        uint64_t a, b;
    } want[CT_MODEL_COUNT] = {{5000000000ULL, 5000000000ULL},
                              {2833333167ULL, 2833333166ULL},
                              {3999999667ULL, 1666666666ULL},
                              {1666666666ULL, 3999999667ULL},
                              {5000000000ULL, 666666333ULL}};
    const step path[] = {{c.tx4, 1, 6}, {c.tx2, 2, 4}, {c.tx3, 2, 5}, {c.tx1, 3, 3}};
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        const char *name = ct_model_name((ct_model)m);
        cr_assert(x->source_sat == 5666666333ULL, "%s", name);
        cr_assert_eq(x->n_categories, 1, "%s", name);
        cr_assert_str_eq(x->categories[0].name, "coinbase");
        cr_assert_eq(x->n_endpoints, 2, "%s", name);
        const ct_trace_endpoint *a = find_ep(x, A, "coinbase"), *b = find_ep(x, B, "coinbase");
        cr_assert(a->taint == want[m].a, "%s A: %llu", name, (unsigned long long)a->taint);
        cr_assert(b->taint == want[m].b, "%s B: %llu", name, (unsigned long long)b->taint);
        cr_assert_eq(a->hops, 3);
        cr_assert_eq(a->first_height, 1); /* the block of the output reached */
        cr_assert_eq(b->first_height, 2);
        assert_path(r, a, path, 4, name);
        assert_path(r, b, path, 4, name);
        cr_assert(x->laundered_sat == 0);
    }
    assert_conservation(r);
    end_trace(&t);
    free(src);
    free_chain(&c);
}

/* The sources never stop the trace: X (tx2:0, 1,000,000,000) is labelled an exchange. Traced
 * backward it answers where its money came from: tx2 took it from C (tx1:0), and tx1 from
 * the coinbases of A and B: FIFO all from A (C is the start of tx1's output line), LIFO all
 * from B (the line mirrored), TIHO from A (the larger input first, ties to the lower),
 * haircut half each, poison both whole. Before, X stopped at once as an `exchange` endpoint
 * at hop 0. Forward, X is unspent (not an exchange endpoint). */
Test(trace, a_labelled_source_does_not_stop_the_trace)
{
    chain c;
    build_chain(&c);
    traced t;
    ct_trace_options o;
    ct_trace_options_init(&o);
    o.backward = true;
    o.flows = o.poison_flows = true;
    char *src = source_copy(c.tx2, 0);
    run_sources(&t, &c, (const char *const[]){src}, 1, &o);
    const ct_trace_result *r = &t.res;
    static const uint64_t want[CT_MODEL_COUNT][2] = {{5000000000ULL, 5000000000ULL},
                                                     {500000000ULL, 500000000ULL},
                                                     {1000000000ULL, 0},
                                                     {0, 1000000000ULL},
                                                     {1000000000ULL, 0}};
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        const char *name = ct_model_name((ct_model)m);
        cr_assert(x->source_sat == 1000000000ULL, "%s", name);
        cr_assert_eq(cat(x, "exchange"), 0, "%s", name);
        cr_assert_eq(cat(x, "coinbase"), want[m][0] + want[m][1], "%s", name);
        cr_assert_eq(ep(x, A, "coinbase"), want[m][0], "%s A", name);
        cr_assert_eq(ep(x, B, "coinbase"), want[m][1], "%s B", name);
        if (want[m][0])
            cr_assert_eq(find_ep(x, A, "coinbase")->hops, 2, "%s", name);
    }
    cr_assert_eq(r->txs_processed, 2); /* tx2, tx1 */
    assert_conservation(r);
    end_trace(&t);

    ct_trace_options_init(&o);
    run_sources(&t, &c, (const char *const[]){src}, 1, &o);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        cr_assert_eq(cat(&t.res.model[m], "exchange"), 0);
        cr_assert_eq(ep(&t.res.model[m], X, "unspent"), 1000000000ULL);
    }
    end_trace(&t);
    free(src);
    free_chain(&c);
}

Test(trace, backward_source_reached_again_hop_limit_and_budget)
{
    chain c;
    build_chain(&c);
    traced t;
    ct_trace_options o;
    char *w = source_copy(c.tx4, 0), *y = source_copy(c.tx2, 1);

    /* W and Y: Y is reached again from tx4 and counts once (source_sat as W alone);
     * figures as backward_from_W_scenario_B (taint_reference.py, both sources). */
    ct_trace_options_init(&o);
    o.backward = true;
    run_sources(&t, &c, (const char *const[]){w, y}, 2, &o);
    cr_assert_eq(t.res.n_sources, 2);
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        cr_assert(t.res.model[m].source_sat == 5666666333ULL, "%s", ct_model_name((ct_model)m));
    cr_assert_eq(ep(&t.res.model[CT_MODEL_FIFO], A, "coinbase"), 3999999667ULL);
    cr_assert_eq(ep(&t.res.model[CT_MODEL_FIFO], B, "coinbase"), 1666666666ULL);
    cr_assert_eq(cat(&t.res.model[CT_MODEL_POISON], "coinbase"), 10000000000ULL);
    assert_conservation(&t.res);
    end_trace(&t);

    /* Hop limit 2: C (hop 2, 2,333,333,000 of its 3,333,333,333) and D (whole) are not
     * followed; C's path is tx4, tx2 (taint_reference.py --backward, hops=2). */
    ct_trace_options_init(&o);
    o.backward = true;
    o.paths = true;
    o.hops = 2;
    run_sources(&t, &c, (const char *const[]){w}, 1, &o);
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++) {
        cr_assert_eq(ep(&t.res.model[m], C, "hop_limit"), 2333333000ULL);
        cr_assert_eq(ep(&t.res.model[m], D, "hop_limit"), 3333333333ULL);
    }
    cr_assert_eq(ep(&t.res.model[CT_MODEL_POISON], C, "hop_limit"), 3333333333ULL);
    const step cpath[] = {{c.tx4, 1, 6}, {c.tx2, 2, 4}};
    assert_path(&t.res, find_ep(&t.res.model[CT_MODEL_FIFO], C, "hop_limit"), cpath, 2, "fifo C");
    assert_conservation(&t.res);
    end_trace(&t);

    /* A budget of one transaction: tx4 is processed; Y and Z, waiting, become budget
     * endpoints with their whole value. */
    ct_trace_options_init(&o);
    o.backward = true;
    o.max_nodes = 1;
    run_sources(&t, &c, (const char *const[]){w}, 1, &o);
    cr_assert(!t.res.complete);
    cr_assert_eq(t.res.txs_processed, 1);
    cr_assert_eq(ep(&t.res.model[CT_MODEL_LIFO], Y, "budget"), 2333333000ULL);
    cr_assert_eq(ep(&t.res.model[CT_MODEL_LIFO], Z, "budget"), 3333333333ULL);
    assert_conservation(&t.res);
    end_trace(&t);
    free(w);
    free(y);
    free_chain(&c);
}

/* The path of an endpoint as "hop:height:txid" lines, for comparison with the reference. */
static void path_text(char *buf, size_t size, const ct_trace_result *r, const ct_trace_endpoint *e)
{
    pstep p[64];
    size_t k = evidence_txs(r, e, p, 64), n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k && n < size; i++) {
        char hex[65];
        ct_hash_to_hex(hex, p[i].txid);
        n += (size_t)snprintf(buf + n, size - n, "%u:%u:%s\n", p[i].hop, p[i].height, hex);
    }
}

static const ct_trace_endpoint *find_addr(const ct_trace_model_result *m, const char *addr)
{
    for (size_t i = 0; i < m->n_endpoints; i++)
        if (strcmp(m->endpoints[i].address, addr) == 0)
            return &m->endpoints[i];
    cr_assert_fail("no endpoint %s", addr);
    return NULL;
}

#define F4184 "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
#define PATH_12CBQ_TO_1BBZ                                                                         \
    "1:183:12b5633bad1f9c167d523ad1aa1947b2732a865bf5414eab2f9e5ae5d5c191ba\n"                     \
    "1:248:828ef3b079f9c23829c56fe86e85b4a69d9e06e5b54ea597eef5fb3ffef509fe\n"                     \
    "2:187:4385fcf8b14497d0659adccfe06ae7e38e0b5dc95ff8a13d7c62035994a0cd79\n"                     \
    "2:496:a3b0e9e7cddbbe78270fa4182a7675ff00b92872d8df7d14265a2b1e379a9d33\n"
#define PATH_1BBZ_BACK_TO_12CBQ                                                                    \
    "1:496:a3b0e9e7cddbbe78270fa4182a7675ff00b92872d8df7d14265a2b1e379a9d33\n"                     \
    "2:187:4385fcf8b14497d0659adccfe06ae7e38e0b5dc95ff8a13d7c62035994a0cd79\n"                     \
    "2:248:828ef3b079f9c23829c56fe86e85b4a69d9e06e5b54ea597eef5fb3ffef509fe\n"                     \
    "3:183:12b5633bad1f9c167d523ad1aa1947b2732a865bf5414eab2f9e5ae5d5c191ba\n"                     \
    "4:182:591e91f809d716912ca1d4a9295e70c3e78bab077683f79350f101da64588073\n"                     \
    "5:181:a16f3ce4dd5deb92d98ef5cf8afeaf0775ebca408f708b2146c4fb42b41e14be\n"                     \
    "6:170:" F4184 "\n"

Test(trace, real_blocks_paths_and_backward)
{
    /* Figures and paths from python3 tests/tools/taint_reference.py [--backward] --paths BLK
     * ADDR on the first 4,313 mainnet blocks. */
    char *dir = tu_db_first_4313();
    ct_db *db = tu_db_open(dir, false);
    ct_trace_graph *g;
    cr_assert_eq(ct_trace_graph_db(&g, db, NULL), CT_OK);
    ct_trace_options o;
    ct_trace_result r;
    ct_error err;
    char buf[2048];

    /* Forward from 12cbQ with paths: Hal Finney's 10 BTC came through f4184fc5... alone. */
    ct_trace_options_init(&o);
    o.paths = true;
    ct_trace_source s = {"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", -1, -1};
    cr_assert_eq(ct_trace_run(&r, g, &s, 1, &o, &err), CT_OK, "%s", err.detail);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        path_text(buf, sizeof(buf), &r,
                  find_addr(&r.model[m], "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"));
        cr_assert_str_eq(buf, "1:170:" F4184 "\n");
        path_text(buf, sizeof(buf), &r,
                  find_addr(&r.model[m], "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs"));
        cr_assert_str_eq(buf, PATH_12CBQ_TO_1BBZ);
        /* 12cbQ's own change is a source output: no path. */
        path_text(buf, sizeof(buf), &r,
                  find_addr(&r.model[m], "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"));
        cr_assert_str_eq(buf, "");
    }
    ct_trace_result_release(&r);

    /* Backward from Hal Finney: his 10 BTC (f4184fc5...:0, his only output here) come from
     * the height-9 coinbase of 12cbQ, category coinbase, in every model; poison taints that
     * whole 50 BTC input. */
    ct_trace_options_init(&o);
    o.backward = true;
    o.paths = true;
    snprintf(s.spec, sizeof(s.spec), "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3");
    cr_assert_eq(ct_trace_run(&r, g, &s, 1, &o, &err), CT_OK, "%s", err.detail);
    cr_assert(r.complete);
    cr_assert_eq(r.n_sources, 1);
    cr_assert_eq(r.txs_processed, 1);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r.model[m];
        cr_assert(x->source_sat == 1000000000ULL);
        cr_assert_eq(x->n_endpoints, 1);
        cr_assert_eq(x->n_categories, 1);
        cr_assert_str_eq(x->categories[0].name, "coinbase");
        const ct_trace_endpoint *e = &x->endpoints[0];
        cr_assert_str_eq(e->address, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S");
        cr_assert_str_eq(e->category, "coinbase");
        cr_assert(e->taint == (m == CT_MODEL_POISON ? 5000000000ULL : 1000000000ULL));
        cr_assert_eq(e->first_height, 9);
        cr_assert_eq(e->hops, 1);
        path_text(buf, sizeof(buf), &r, e);
        cr_assert_str_eq(buf, "1:170:" F4184 "\n");
    }
    ct_trace_result_release(&r);

    /* Backward from 1BBz9Z15 (61 BTC): 50 BTC from the height-360 coinbase of 18SH9vwx at
     * one hop, 11 BTC from 12cbQ's height-9 coinbase six hops back, in every model but
     * poison (which taints both 50 BTC coinbase outputs whole). */
    snprintf(s.spec, sizeof(s.spec), "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs");
    cr_assert_eq(ct_trace_run(&r, g, &s, 1, &o, &err), CT_OK, "%s", err.detail);
    cr_assert(r.complete);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r.model[m];
        bool p = m == CT_MODEL_POISON;
        cr_assert(x->source_sat == 6100000000ULL);
        cr_assert(x->categories[0].sat == (p ? 10000000000ULL : 6100000000ULL));
        const ct_trace_endpoint *a = find_addr(x, "18SH9vwx24L5cTabfkgtGMjF8A56pD9AUJ"),
                                *b = find_addr(x, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S");
        cr_assert(a->taint == 5000000000ULL && a->hops == 1 && a->first_height == 360);
        cr_assert(b->taint == (p ? 5000000000ULL : 1100000000ULL) && b->hops == 6 &&
                  b->first_height == 9);
        path_text(buf, sizeof(buf), &r, a);
        cr_assert_str_eq(
            buf, "1:496:a3b0e9e7cddbbe78270fa4182a7675ff00b92872d8df7d14265a2b1e379a9d33\n");
        path_text(buf, sizeof(buf), &r, b);
        cr_assert_str_eq(buf, PATH_1BBZ_BACK_TO_12CBQ);
    }
    assert_conservation(&r);
    ct_trace_result_release(&r);
    ct_trace_graph_db_free(g);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

Test(trace, labelled_addresses_loaded_once_equal_the_lookup_of_every_address)
{
    /* The database graph looks labels up only for the addrids it loaded from the label table
     * (trace_graph.c). Over every address of the first 4,313 blocks, its answer must be the
     * per-address lookup's: labels of the identity, attribution and text. Labelled: two
     * addresses on this chain (one with two sources), two that are not on it (one given in
     * upper case, stored lower case), and a row rejected at import. */
    char *dir = tu_db_first_4313(), csv[600];
    ct_db *db = tu_db_open(dir, false);
    snprintf(csv, sizeof(csv), "%s/labels.csv", dir);
    const char *body = "address,label,category,source\n"
                       "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs,Desk A,exchange,one\n"
                       "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S,Seen,other,one\n"
                       "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S,Mixer In,mixer,two\n"
                       "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy,Elsewhere,exchange,one\n"
                       "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4,Upper,gambling,one\n"
                       "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMt,Bad checksum,exchange,one\n";
    cr_assert_eq(tu_write_file(csv, body, strlen(body)), 0);
    ct_labels_import_options lo = CT_LABELS_IMPORT_OPTIONS_INIT;
    ct_labels_import_stats st;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_labels_import(db, &st, csv, &lo, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(st.added, 5);
    cr_assert_eq(st.rejected, 1);
    ct_graph_chain_stats cs;
    cr_assert_eq(ct_graph_stats(db, &cs, &err), CT_OK);
    cr_assert_gt(cs.addresses, 4000);
    ct_trace_graph *g;
    cr_assert_eq(ct_trace_graph_db(&g, db, NULL), CT_OK);
    ct_label_list list;
    ct_label_list_init(&list);
    size_t n_labelled = 0;
    for (uint64_t id = 1; id <= cs.addresses; id++) {
        char *shown = NULL, ident[CT_BTC_ADDR_MAX], cat[24] = "", text[128] = "";
        cr_assert_eq(g->address_of(g->ctx, id, &shown, &err), CT_OK, "addrid %llu: %s",
                     (unsigned long long)id, err.detail);
        cr_assert_eq(ct_graph_identity_key(ident, shown), CT_OK, "%s", shown);
        cr_assert_eq(ct_labels_get(db, &list, ident, &err), CT_OK);
        int rc = g->label_of(g->ctx, id, cat, sizeof(cat), text, sizeof(text), &err);
        if (list.count == 0) {
            cr_assert_eq(rc, CT_ENOTFOUND, "%s: %d", shown, rc);
        } else {
            cr_assert_eq(rc, CT_OK, "%s: %d", shown, rc);
            size_t idx = 0;
            ct_label_category c = ct_labels_attribution(&list, 0, &idx);
            char want[128];
            snprintf(want, sizeof(want), "%s (%s)", list.items[idx].label, list.items[idx].source);
            cr_assert_str_eq(cat, ct_label_category_name(c));
            cr_assert_str_eq(text, want);
            n_labelled++;
        }
        free(shown);
    }
    cr_assert_eq(n_labelled, 2);
    char cat[24] = "", text[128] = "";
    ct_graph_address a;
    cr_assert_eq(ct_graph_address_get(db, &a, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", &err), CT_OK);
    cr_assert_eq(g->label_of(g->ctx, a.addrid, cat, sizeof(cat), text, sizeof(text), &err), CT_OK);
    cr_assert_str_eq(cat, "mixer");
    cr_assert_str_eq(text, "Mixer In (two)");
    ct_graph_address_release(&a);
    ct_label_list_release(&list);
    ct_trace_graph_db_free(g);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
}
