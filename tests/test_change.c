/* Change heuristics (engine/cluster/change.c) on synthetic transactions: each names the
 * change output where its rule leaves exactly one candidate, with its weight, and names
 * nothing where the rule leaves none or several, or there is only one spendable output. */
#include <criterion/criterion.h>
#include <string.h>

#include "chaintrail/bitcoin.h"
#include "cluster/change.h"

typedef struct ctx_tx {
    ct_cj_in in[8];
    ct_cj_out out[8];
    ct_cj_tx tx;
} ctx_tx;

static void t_init(ctx_tx *t, uint32_t locktime)
{
    memset(t, 0, sizeof *t);
    t->tx.version = 2;
    t->tx.locktime = locktime;
    t->tx.height = 700000;
    t->tx.in = t->in;
    t->tx.out = t->out;
}

static void t_in(ctx_tx *t, uint64_t value, uint64_t addrid, uint8_t type)
{
    t->in[t->tx.n_in++] = (ct_cj_in){value, addrid, type};
}

static void t_out(ctx_tx *t, uint64_t value, uint64_t addrid, uint8_t type)
{
    t->out[t->tx.n_out++] = (ct_cj_out){value, addrid, type};
}

static void expect(const ctx_tx *t, const ct_change_ctx *ctx, ct_change_heur h, long output,
                   size_t candidates, unsigned confidence)
{
    ct_change_verdict v;
    ct_change_judge(&t->tx, ctx, h, &v);
    cr_assert_eq(v.heuristic, h);
    cr_assert_eq(v.output, output, "%s: output %ld, want %ld", ct_change_name(h), v.output, output);
    cr_assert_eq(v.candidates, candidates, "%s: %zu candidates, want %zu", ct_change_name(h),
                 v.candidates, candidates);
    cr_assert_eq(v.confidence, confidence, "%s: confidence %u", ct_change_name(h), v.confidence);
}

Test(change, names)
{
    const char *want[] = {"address_reuse", "address_type", "optimal_change",
                          "power_of_ten",  "locktime",     "peeling_chain"};
    for (unsigned h = 0; h < CT_CHG_N; h++)
        cr_assert_str_eq(ct_change_name((ct_change_heur)h), want[h]);
    cr_assert_null(ct_change_name(CT_CHG_N));
}

Test(change, address_reuse)
{
    ctx_tx t;
    t_init(&t, 0);
    t_in(&t, 5000000, 11, CT_BTC_P2PKH);
    t_out(&t, 1000000, 22, CT_BTC_P2PKH);
    t_out(&t, 3990000, 11, CT_BTC_P2PKH); /* back to the payer's address */
    expect(&t, NULL, CT_CHG_ADDRESS_REUSE, 1, 1, 900);
    /* both outputs back to input addresses: nothing ruled out */
    t_in(&t, 100000, 22, CT_BTC_P2PKH);
    expect(&t, NULL, CT_CHG_ADDRESS_REUSE, -1, 2, 0);
    /* none reused */
    t_init(&t, 0);
    t_in(&t, 5000000, 11, CT_BTC_P2PKH);
    t_out(&t, 1000000, 22, CT_BTC_P2PKH);
    t_out(&t, 3990000, 33, CT_BTC_P2PKH);
    expect(&t, NULL, CT_CHG_ADDRESS_REUSE, -1, 0, 0);
    /* one spendable output only (an OP_RETURN besides): no verdict */
    t_init(&t, 0);
    t_in(&t, 5000000, 11, CT_BTC_P2PKH);
    t_out(&t, 4990000, 11, CT_BTC_P2PKH);
    t_out(&t, 0, 0, CT_BTC_NULLDATA);
    expect(&t, NULL, CT_CHG_ADDRESS_REUSE, -1, 1, 0);
}

Test(change, address_type)
{
    ctx_tx t;
    t_init(&t, 0);
    t_in(&t, 5000000, 11, CT_BTC_P2WPKH);
    t_in(&t, 2000000, 12, CT_BTC_P2WPKH);
    t_out(&t, 6000000, 21, CT_BTC_P2PKH);
    t_out(&t, 990000, 22, CT_BTC_P2WPKH);
    t_out(&t, 0, 0, CT_BTC_NULLDATA);
    expect(&t, NULL, CT_CHG_ADDRESS_TYPE, 1, 1, 600);
    /* inputs of two types: no rule */
    t.in[1].type = CT_BTC_P2TR;
    expect(&t, NULL, CT_CHG_ADDRESS_TYPE, -1, 0, 0);
    /* both outputs of the inputs' type */
    t.in[1].type = CT_BTC_P2WPKH;
    t.out[0].type = CT_BTC_P2WPKH;
    expect(&t, NULL, CT_CHG_ADDRESS_TYPE, -1, 2, 0);
}

Test(change, optimal_change)
{
    ctx_tx t;
    t_init(&t, 0);
    t_in(&t, 3000000, 11, CT_BTC_P2WPKH);
    t_in(&t, 2000000, 12, CT_BTC_P2WPKH);
    t_out(&t, 4200000, 21, CT_BTC_P2WPKH);
    t_out(&t, 790000, 22, CT_BTC_P2WPKH);
    expect(&t, NULL, CT_CHG_OPTIMAL, 1, 1, 700);
    /* an output equal to the smallest input is not smaller than it */
    t.out[1].value = 2000000;
    t.out[0].value = 2990000;
    expect(&t, NULL, CT_CHG_OPTIMAL, -1, 0, 0);
    t.out[1].value = 1999999;
    expect(&t, NULL, CT_CHG_OPTIMAL, 1, 1, 700);
    /* both outputs smaller than every input */
    t.out[0].value = 1999998;
    expect(&t, NULL, CT_CHG_OPTIMAL, -1, 2, 0);
}

Test(change, power_of_ten)
{
    ctx_tx t;
    t_init(&t, 0);
    t_in(&t, 10000000, 11, CT_BTC_P2WPKH);
    t_out(&t, 5000000, 21, CT_BTC_P2WPKH); /* 0.05 BTC: round */
    t_out(&t, 4987654, 22, CT_BTC_P2WPKH);
    expect(&t, NULL, CT_CHG_POWER_OF_TEN, 1, 1, 600);
    /* 10^6 is the default unit: 5,100,000 is not a multiple of it */
    t.out[0].value = 5100000;
    expect(&t, NULL, CT_CHG_POWER_OF_TEN, -1, 2, 0);
    /* with digits = 5 it is */
    ct_change_ctx ctx = CT_CHANGE_CTX_INIT;
    ctx.digits = 5;
    expect(&t, &ctx, CT_CHG_POWER_OF_TEN, 1, 1, 600);
    /* both round */
    t.out[0].value = 5000000;
    t.out[1].value = 4000000;
    expect(&t, NULL, CT_CHG_POWER_OF_TEN, -1, 0, 0);
}

Test(change, locktime)
{
    /* Bitcoin Core sets locktime to the height (anti fee sniping): the output spent by a
     * transaction with the same habit is the change */
    ctx_tx t;
    t_init(&t, 699999);
    t_in(&t, 10000000, 11, CT_BTC_P2WPKH);
    t_out(&t, 3000000, 21, CT_BTC_P2WPKH);
    t_out(&t, 6990000, 22, CT_BTC_P2WPKH);
    ct_change_spend sp[2] = {{1, 0, 1, 1}, {1, 700005, 2, 2}};
    ct_change_ctx ctx = CT_CHANGE_CTX_INIT;
    ctx.spend = sp;
    expect(&t, &ctx, CT_CHG_LOCKTIME, 1, 1, 500);
    /* without locktime the other output matches the habit */
    t.tx.locktime = 0;
    expect(&t, &ctx, CT_CHG_LOCKTIME, 0, 1, 500);
    /* an unspent output is not ruled out */
    sp[1].spent = 0;
    t.tx.locktime = 699999;
    expect(&t, &ctx, CT_CHG_LOCKTIME, 1, 1, 500);
    sp[0].locktime = 700001;
    expect(&t, &ctx, CT_CHG_LOCKTIME, -1, 2, 0);
    /* nothing known: every output a candidate */
    expect(&t, NULL, CT_CHG_LOCKTIME, -1, 2, 0);
}

Test(change, peeling_chain)
{
    ctx_tx t;
    t_init(&t, 0);
    t_in(&t, 100000000, 11, CT_BTC_P2WPKH);
    t_out(&t, 2000000, 21, CT_BTC_P2WPKH);
    t_out(&t, 97990000, 22, CT_BTC_P2WPKH);
    /* 1-in/2-out alone is not yet a chain */
    expect(&t, NULL, CT_CHG_PEELING, -1, 0, 0);
    ct_change_ctx ctx = CT_CHANGE_CTX_INIT;
    ctx.parent_known = 1;
    ctx.parent_n_in = 1;
    ctx.parent_n_out = 2;
    expect(&t, &ctx, CT_CHG_PEELING, 1, 1, 800);
    /* a parent of another shape, but a child that peels on */
    ctx.parent_n_in = 3;
    expect(&t, &ctx, CT_CHG_PEELING, -1, 0, 0);
    ct_change_spend sp[2] = {{0, 0, 0, 0}, {1, 0, 1, 2}};
    ctx.spend = sp;
    expect(&t, &ctx, CT_CHG_PEELING, 1, 1, 800);
    /* equal outputs: no larger one */
    t.out[0].value = t.out[1].value = 48995000;
    expect(&t, &ctx, CT_CHG_PEELING, -1, 0, 0);
    /* three outputs: not a peel */
    t.out[0].value = 2000000;
    t_out(&t, 1000, 23, CT_BTC_P2WPKH);
    expect(&t, &ctx, CT_CHG_PEELING, -1, 0, 0);
}

Test(change, judge_all_and_bad_arguments)
{
    ctx_tx t;
    t_init(&t, 0);
    t_in(&t, 5000000, 11, CT_BTC_P2PKH);
    t_out(&t, 1000000, 22, CT_BTC_P2WPKH);
    t_out(&t, 3990000, 11, CT_BTC_P2PKH);
    ct_change_verdict v[CT_CHG_N];
    ct_change_judge_all(&t.tx, NULL, v);
    long want[CT_CHG_N] = {1, 1, -1, 1, -1, -1};
    for (unsigned h = 0; h < CT_CHG_N; h++) {
        cr_assert_eq(v[h].heuristic, (ct_change_heur)h);
        cr_assert_eq(v[h].output, want[h], "%s", ct_change_name((ct_change_heur)h));
    }
    ct_change_verdict one;
    ct_change_judge(NULL, NULL, CT_CHG_OPTIMAL, &one);
    cr_assert_eq(one.output, -1);
    ct_change_judge(&t.tx, NULL, CT_CHG_N, &one);
    cr_assert_eq(one.output, -1);
    cr_assert_eq(one.candidates, 0);
    t.tx.n_in = 0; /* a coinbase */
    ct_change_judge(&t.tx, NULL, CT_CHG_OPTIMAL, &one);
    cr_assert_eq(one.output, -1);
}
