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
static int lab_address_of(void *ctx, uint64_t id, char *buf, size_t size, ct_error *err)
{
    labelled *l = ctx;
    return l->base->address_of(l->base->ctx, id, buf, size, err);
}
static int lab_label_of(void *ctx, uint64_t id, char *cat, size_t cs, char *label, size_t ls,
                        ct_error *err)
{
    labelled *l = ctx;
    char a[CT_BTC_ADDR_MAX];
    int rc = l->base->address_of(l->base->ctx, id, a, sizeof(a), err);
    if (rc)
        return rc;
    if (strcmp(a, l->exchange) != 0)
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

static void assert_conservation(const ct_trace_result *r)
{
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
    char *dir = tu_tmpdir(),
         *blk = tu_fixture("btc/blk_consecutive/jeffchan/blk00000_first1MB.dat");
    ct_db *db;
    ct_db_options o = CT_DB_OPTIONS_INIT;
    o.create = true;
    cr_assert_eq(ct_db_open(&db, dir, &o, NULL), CT_OK);
    ct_ingest_options io = CT_INGEST_OPTIONS_INIT;
    ct_ingest_stats st;
    io.net = ct_btc_params_get("mainnet");
    cr_assert_eq(ct_ingest_bitcoin(db, &st, (const char *[]){blk}, 1, &io, NULL), CT_OK);
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
    free(blk);
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
