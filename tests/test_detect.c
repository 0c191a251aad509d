/* CoinJoin detectors (engine/cluster/detect.c): synthetic transactions built from each
 * published threshold (docs/clustering.md, "CoinJoin detectors") are judged by the right
 * detector, with a case one step past each threshold; a Stonewall is vetoed; exchange
 * batch payouts are not CoinJoins; the first mainnet heights gate each wallet. Every verdict
 * is the same whatever the inputs' script types (judge). */
#include <criterion/criterion.h>
#include <string.h>

#include "chaintrail/bitcoin.h"
#include "chaintrail/error.h"
#include "cluster/detect.h"

#define MAXIO 700

/* A transaction under construction: address ids are given explicitly or made fresh. */
typedef struct btx {
    ct_cj_in in[MAXIO];
    ct_cj_out out[MAXIO];
    ct_cj_tx tx;
    uint64_t next_addr;
} btx;

static void b_init(btx *b, uint32_t height)
{
    memset(b, 0, sizeof *b);
    b->tx.version = 2;
    b->tx.height = height;
    b->tx.in = b->in;
    b->tx.out = b->out;
    b->next_addr = 1000;
}

static void b_in_at(btx *b, uint64_t value, uint64_t addrid)
{
    cr_assert_lt(b->tx.n_in, MAXIO);
    b->in[b->tx.n_in++] = (ct_cj_in){value, addrid, CT_BTC_P2WPKH};
}

static void b_in(btx *b, uint64_t value)
{
    b_in_at(b, value, b->next_addr++);
}

static void b_out_typed(btx *b, uint64_t value, uint64_t addrid, uint8_t type)
{
    cr_assert_lt(b->tx.n_out, MAXIO);
    b->out[b->tx.n_out++] = (ct_cj_out){value, addrid, type};
}

static void b_out(btx *b, uint64_t value)
{
    b_out_typed(b, value, b->next_addr++, CT_BTC_P2WPKH);
}

/* Judges b, and judges it again with its inputs' script types changed (all of one type,
 * then mixed): no detector may read an input's type, as `cluster rebuild` does not read the
 * spent outputs' types (engine/cluster/rebuild.c) and must reach the ingest's verdicts. */
static ct_cj_verdict judge(const btx *b, unsigned mask)
{
    ct_cj_verdict v = {99, "unset"};
    ct_cj_detect(&b->tx, mask, &v);
    static btx c;
    c = *b;
    c.tx.in = c.in;
    c.tx.out = c.out;
    for (unsigned t = 0; t <= CT_BTC_WITNESS_UNKNOWN + 2; t++) {
        for (size_t i = 0; i < c.tx.n_in; i++)
            c.in[i].type = (uint8_t)(t <= CT_BTC_WITNESS_UNKNOWN       ? t
                                     : t == CT_BTC_WITNESS_UNKNOWN + 1 ? 0xff
                                                                       : i % 10);
        ct_cj_verdict w = {98, "unset too"};
        ct_cj_detect(&c.tx, mask, &w);
        cr_assert_eq(w.detector, v.detector, "input types %u changed the detector", t);
        cr_assert_eq(w.veto, v.veto, "input types %u changed the veto", t);
    }
    return v;
}

static void assert_detector(const btx *b, unsigned mask, unsigned want)
{
    ct_cj_verdict v = judge(b, mask);
    cr_assert_eq(v.detector, want, "detector %u (%s), want %u (%s)", v.detector,
                 v.detector ? ct_cj_detector_name(v.detector) : "none", want,
                 want ? ct_cj_detector_name(want) : "none");
    cr_assert_null(v.veto, "veto: %s", v.veto);
}

Test(detect, names_and_parse_round_trip)
{
    const char *names[] = {"blocksci",      "wasabi1",   "wasabi2",
                           "whirlpool_tx0", "whirlpool", "joinmarket"};
    unsigned all = 0;
    for (unsigned i = 0; i < 6; i++) {
        unsigned bit = 1u << i, got = 0;
        cr_assert_str_eq(ct_cj_detector_name(bit), names[i]);
        cr_assert_eq(ct_cj_detector_parse(names[i], &got), CT_OK);
        cr_assert_eq(got, bit);
        all |= bit;
    }
    cr_assert_eq(all, CT_CJ_ALL);
    unsigned keep = 77;
    cr_assert_eq(ct_cj_detector_parse("wasabi", &keep), CT_EINVAL);
    cr_assert_eq(ct_cj_detector_parse("Blocksci", &keep), CT_EINVAL);
    cr_assert_eq(ct_cj_detector_parse(NULL, &keep), CT_EINVAL);
    cr_assert_eq(keep, 77);
    cr_assert_null(ct_cj_detector_name(0));
    cr_assert_null(ct_cj_detector_name(64));
    cr_assert_null(ct_cj_detector_name(3));
}

Test(detect, null_and_empty_are_no_coinjoin)
{
    ct_cj_verdict v = {5, "x"};
    ct_cj_detect(NULL, CT_CJ_ALL, &v);
    cr_assert_eq(v.detector, 0);
    cr_assert_null(v.veto);
    ct_cj_detect(NULL, CT_CJ_ALL, NULL); /* must not crash */
    btx b;
    b_init(&b, 800000);
    b_out(&b, 5000000000); /* a coinbase: no inputs */
    assert_detector(&b, CT_CJ_ALL, 0);
}

/* ---- BlockSci: p = (outputs + 1) / 2 equal outputs, p inputs from p addresses ---- */

/* p participants each with one input, one equal output of `d` and one change. */
static void blocksci_tx(btx *b, size_t p, uint64_t d)
{
    b_init(b, 300000);
    for (size_t i = 0; i < p; i++)
        b_in(b, d + 500000 + i * 1000);
    for (size_t i = 0; i < p; i++)
        b_out(b, d);
    for (size_t i = 0; i + 1 < p; i++) /* p - 1 changes: outputs = 2p - 1 */
        b_out(b, 400000 + i * 1000);
}

Test(detect, blocksci_rule_and_its_thresholds)
{
    btx b;
    blocksci_tx(&b, 3, 1000000);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_BLOCKSCI);
    /* 2p outputs: p = (2p + 1) / 2 still */
    b_out(&b, 777777);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_BLOCKSCI);
    /* 2p + 1 outputs: p' = p + 1 but only p equal outputs */
    b_out(&b, 777778);
    assert_detector(&b, CT_CJ_BLOCKSCI, 0);

    /* p inputs but from p - 1 addresses */
    blocksci_tx(&b, 3, 1000000);
    b.in[2].addrid = b.in[1].addrid;
    assert_detector(&b, CT_CJ_BLOCKSCI, 0);
    /* p - 1 inputs */
    blocksci_tx(&b, 3, 1000000);
    b.tx.n_in = 2;
    assert_detector(&b, CT_CJ_BLOCKSCI, 0);
    /* the dust values 546 and 2,730 are excluded, their neighbours are not */
    uint64_t dust[] = {546, 2730}, near[] = {545, 547, 2729, 2731};
    for (size_t i = 0; i < 2; i++) {
        blocksci_tx(&b, 3, dust[i]);
        assert_detector(&b, CT_CJ_BLOCKSCI, 0);
    }
    for (size_t i = 0; i < 4; i++) {
        blocksci_tx(&b, 3, near[i]);
        assert_detector(&b, CT_CJ_BLOCKSCI, CT_CJ_BLOCKSCI);
    }
    /* a tie for the most common value goes to the larger value: 3 x 546 and
     * 3 x 1,000,000 is judged on 1,000,000 */
    b_init(&b, 300000);
    for (size_t i = 0; i < 3; i++)
        b_in(&b, 2000000);
    for (size_t i = 0; i < 3; i++) {
        b_out(&b, 546);
        b_out(&b, 1000000);
    }
    assert_detector(&b, CT_CJ_BLOCKSCI, CT_CJ_BLOCKSCI);
    /* fewer than 2 inputs or 3 outputs */
    b_init(&b, 300000);
    b_in(&b, 3000000);
    b_in(&b, 3000000);
    b_out(&b, 1000000);
    b_out(&b, 1000000);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* the most common value p + 1 times */
    blocksci_tx(&b, 3, 1000000);
    b.out[3].value = 1000000;
    assert_detector(&b, CT_CJ_BLOCKSCI, 0);
    /* BlockSci has no height rule */
    blocksci_tx(&b, 4, 5000000);
    b.tx.height = 1;
    assert_detector(&b, CT_CJ_ALL, CT_CJ_BLOCKSCI);
    /* a mask without it */
    assert_detector(&b, CT_CJ_ALL & ~CT_CJ_BLOCKSCI, 0);
}

/* ---- Whirlpool mix ---- */

static void whirlpool_tx(btx *b, size_t n, uint64_t d)
{
    b_init(b, 570000);
    b_in(b, d); /* remixes enter at d */
    b_in(b, d + 110000);
    for (size_t i = 2; i < n; i++)
        b_in(b, d + 1000 * i);
    for (size_t i = 0; i < n; i++)
        b_out(b, d);
}

Test(detect, whirlpool_mix_and_its_thresholds)
{
    uint64_t pools[] = {100000, 1000000, 5000000, 50000000};
    btx b;
    for (size_t p = 0; p < 4; p++)
        for (size_t n = 5; n <= 8; n++) {
            whirlpool_tx(&b, n, pools[p]);
            assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL);
        }
    /* 4 and 9 participants */
    whirlpool_tx(&b, 4, 1000000);
    assert_detector(&b, CT_CJ_ALL, 0);
    whirlpool_tx(&b, 9, 1000000);
    assert_detector(&b, CT_CJ_WHIRLPOOL, 0);
    /* an input 1 sat above d + 110,000, or 1 sat below d */
    whirlpool_tx(&b, 5, 1000000);
    b.in[1].value = 1000000 + 110001;
    assert_detector(&b, CT_CJ_ALL, 0);
    whirlpool_tx(&b, 5, 1000000);
    b.in[0].value = 999999;
    assert_detector(&b, CT_CJ_ALL, 0);
    /* not a pool's denomination */
    whirlpool_tx(&b, 5, 2000000);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* two inputs from one address; two outputs to one address */
    whirlpool_tx(&b, 5, 1000000);
    b.in[4].addrid = b.in[3].addrid;
    assert_detector(&b, CT_CJ_WHIRLPOOL, 0);
    whirlpool_tx(&b, 5, 1000000);
    b.out[4].addrid = b.out[3].addrid;
    assert_detector(&b, CT_CJ_WHIRLPOOL, 0);
    /* the height before Whirlpool existed; any height on request */
    whirlpool_tx(&b, 5, 1000000);
    b.tx.height = 569999;
    assert_detector(&b, CT_CJ_ALL, 0);
    assert_detector(&b, CT_CJ_ALL | CT_CJ_ANY_HEIGHT, CT_CJ_WHIRLPOOL);
}

/* ---- Whirlpool tx0 ---- */

/* One input; OP_RETURN, the pool fee, a change and `k` premixes of the 0.01 BTC pool. */
static void tx0(btx *b, size_t k, uint64_t fee, uint64_t premix)
{
    b_init(b, 600000);
    b_in(b, 90000000);
    b_out_typed(b, 0, 0, CT_BTC_NULLDATA);
    b_out(b, fee);
    b_out(b, 3123456);
    for (size_t i = 0; i < k; i++)
        b_out(b, premix);
}

Test(detect, whirlpool_tx0_and_its_thresholds)
{
    btx b;
    tx0(&b, 5, 50000, 1000170);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL_TX0);
    tx0(&b, 1, 50000, 1000170);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL_TX0);
    tx0(&b, 70, 50000, 1000170);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL_TX0);
    tx0(&b, 71, 50000, 1000170);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* premix bounds d + 100 .. d + 110,000 */
    tx0(&b, 5, 50000, 1000100);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL_TX0);
    tx0(&b, 5, 50000, 1110000);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL_TX0);
    tx0(&b, 5, 50000, 1000099);
    assert_detector(&b, CT_CJ_WHIRLPOOL_TX0, 0);
    tx0(&b, 5, 50000, 1110001);
    assert_detector(&b, CT_CJ_WHIRLPOOL_TX0, 0);
    /* fee bounds fee / 2 .. 3 x fee (0.01 BTC pool: 25,000 .. 150,000) */
    tx0(&b, 5, 25000, 1000170);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL_TX0);
    tx0(&b, 5, 150000, 1000170);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL_TX0);
    tx0(&b, 5, 24999, 1000170);
    assert_detector(&b, CT_CJ_ALL, 0);
    tx0(&b, 5, 150001, 1000170);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* no change is fine; a third spendable output is not */
    tx0(&b, 5, 50000, 1000170);
    b.out[2] = b.out[--b.tx.n_out];
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL_TX0);
    tx0(&b, 5, 50000, 1000170);
    b_out(&b, 2222222);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* no OP_RETURN, or two */
    tx0(&b, 5, 50000, 1000170);
    b.out[0].type = CT_BTC_P2WPKH;
    b.out[0].value = 7000000;
    b.out[0].addrid = 9;
    assert_detector(&b, CT_CJ_ALL, 0);
    tx0(&b, 5, 50000, 1000170);
    b_out_typed(&b, 0, 0, CT_BTC_NULLDATA);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* the other pools */
    tx0(&b, 4, 5000, 100000 + 5000);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL_TX0);
    tx0(&b, 4, 1750000, 50000000 + 20000);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WHIRLPOOL_TX0);
    /* before Whirlpool */
    tx0(&b, 5, 50000, 1000170);
    b.tx.height = 569999;
    assert_detector(&b, CT_CJ_ALL, 0);
}

/* ---- Wasabi 1.x ---- */

/* n_in inputs from distinct addresses; n outputs of d, `changes` changes, a coordinator
 * fee. */
static void wasabi1_tx(btx *b, size_t n_in, size_t n, uint64_t d, size_t changes)
{
    b_init(b, 600000);
    for (size_t i = 0; i < n_in; i++)
        b_in(b, 20000000 + i * 10007);
    for (size_t i = 0; i < n; i++)
        b_out(b, d);
    for (size_t i = 0; i < changes; i++)
        b_out(b, 3000000 + i * 1013);
    b_out(b, 30000); /* the coordinator */
}

Test(detect, wasabi1_and_its_thresholds)
{
    btx b;
    /* 10 participants, 12 inputs: 10 + 10 changes + fee = 2n + 1 outputs */
    wasabi1_tx(&b, 12, 10, 10000000, 10);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI1);
    /* 2n + 2 outputs */
    b_out(&b, 4444444);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* d = 0.1 BTC +- 5 % */
    uint64_t in_window[] = {9500000, 10500000}, out_window[] = {9499999, 10500001};
    for (size_t i = 0; i < 2; i++) {
        wasabi1_tx(&b, 12, 10, in_window[i], 10);
        assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI1);
        wasabi1_tx(&b, 12, 10, out_window[i], 10);
        assert_detector(&b, CT_CJ_ALL, 0);
    }
    /* 10 inputs at least */
    wasabi1_tx(&b, 10, 4, 10000000, 4);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI1);
    wasabi1_tx(&b, 9, 4, 10000000, 4);
    assert_detector(&b, CT_CJ_WASABI1, 0);
    /* n >= 3 */
    wasabi1_tx(&b, 10, 3, 10000000, 3);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI1);
    wasabi1_tx(&b, 10, 2, 10000000, 2);
    assert_detector(&b, CT_CJ_WASABI1, 0);
    /* distinct input addresses at most 7n: n = 3 allows 21 */
    wasabi1_tx(&b, 21, 3, 10000000, 3);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI1);
    wasabi1_tx(&b, 22, 3, 10000000, 3);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* no address owns more than 10 % of the inputs: 2 of 20 yes, 3 of 20 no */
    wasabi1_tx(&b, 20, 10, 10000000, 10);
    b.in[1].addrid = b.in[0].addrid;
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI1);
    b.in[2].addrid = b.in[0].addrid;
    assert_detector(&b, CT_CJ_WASABI1, 0);
    /* every output address distinct */
    wasabi1_tx(&b, 12, 10, 10000000, 10);
    b.out[12].addrid = b.out[3].addrid;
    assert_detector(&b, CT_CJ_WASABI1, 0);
    /* before Wasabi */
    wasabi1_tx(&b, 12, 10, 10000000, 10);
    b.tx.height = 530499;
    assert_detector(&b, CT_CJ_ALL, 0);
    b.tx.height = 530500;
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI1);
}

Test(detect, wasabi11_mixing_levels_count_as_mixed)
{
    btx b;
    /* level 0: 10 x 0.1 BTC; level 1: 3 x 0.2 BTC; 12 changes and the fee: 26 outputs,
     * 13 mixed (2 x 13 + 1 >= 26), where the base level alone (2 x 10 + 1 = 21) is not */
    wasabi1_tx(&b, 13, 10, 10000000, 12);
    for (size_t i = 0; i < 3; i++)
        b_out(&b, 20000000);
    cr_assert_eq(b.tx.n_out, 26);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI1);
    /* the level window is 2^i x 5 %: 0.2 BTC + 1,000,001 sat is outside */
    for (size_t i = 23; i < 26; i++)
        b.out[i].value = 21000001;
    assert_detector(&b, CT_CJ_ALL, 0);
    for (size_t i = 23; i < 26; i++)
        b.out[i].value = 21000000;
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI1);
    /* a level output taken once does not count */
    b.out[25].value = 20500000;
    assert_detector(&b, CT_CJ_ALL, 0);
    /* level 2 (0.4 BTC) */
    for (size_t i = 23; i < 26; i++)
        b.out[i].value = 40000000;
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI1);
}

/* ---- Wasabi 2.0 ---- */

/* n_in inputs; 3 outputs each of 3 denominations and `changes` distinct changes. */
static void wasabi2_tx(btx *b, size_t n_in, size_t changes)
{
    b_init(b, 800000);
    for (size_t i = 0; i < n_in; i++)
        b_in(b, 1500000 + i * 10007);
    uint64_t denoms[] = {100000, 200000, 500000};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < 3; i++)
            b_out(b, denoms[k]);
    for (size_t i = 0; i < changes; i++)
        b_out(b, 123457 + i * 1009);
}

Test(detect, wasabi2_and_its_thresholds)
{
    btx b;
    /* 9 denominated outputs cover (19 - 1) / 2 */
    wasabi2_tx(&b, 20, 10);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI2);
    wasabi2_tx(&b, 20, 11);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* 20 inputs at least */
    wasabi2_tx(&b, 19, 10);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* every output at least 5,000 sat */
    wasabi2_tx(&b, 20, 10);
    b.out[18].value = 5000;
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI2);
    b.out[18].value = 4999;
    assert_detector(&b, CT_CJ_ALL, 0);
    /* 3 denominations at least: 5 x 100,000 and 5 x 200,000 cover (19 - 1) / 2 of 19
     * outputs, but are two; turning two changes into a third pair makes it a round */
    b_init(&b, 800000);
    for (size_t i = 0; i < 20; i++)
        b_in(&b, 1500000 + i * 10007);
    for (size_t i = 0; i < 10; i++)
        b_out(&b, i < 5 ? 100000 : 200000);
    for (size_t i = 0; i < 9; i++)
        b_out(&b, 123457 + i * 1009);
    assert_detector(&b, CT_CJ_WASABI2, 0);
    b.out[10].value = b.out[11].value = 300000;
    assert_detector(&b, CT_CJ_WASABI2, CT_CJ_WASABI2);
    /* at least one output that is not a denomination */
    wasabi2_tx(&b, 20, 0);
    assert_detector(&b, CT_CJ_WASABI2, 0);
    wasabi2_tx(&b, 20, 1);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI2);
    /* no input address owns more than 10 %: 2 of 20 yes, 3 of 20 no */
    wasabi2_tx(&b, 20, 10);
    b.in[1].addrid = b.in[2].addrid = b.in[0].addrid;
    assert_detector(&b, CT_CJ_WASABI2, 0);
    b.in[2].addrid = 5;
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI2);
    /* output addresses distinct */
    wasabi2_tx(&b, 20, 10);
    b.out[10].addrid = b.out[11].addrid;
    assert_detector(&b, CT_CJ_WASABI2, 0);
    /* before Wasabi 2.0 */
    wasabi2_tx(&b, 20, 10);
    b.tx.height = 741212;
    assert_detector(&b, CT_CJ_ALL, 0);
    b.tx.height = 741213;
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI2);
}

Test(detect, a_large_wasabi2_round_is_judged)
{
    /* 300 inputs and 330 outputs: more than the stack scratch of 512 items */
    btx b;
    b_init(&b, 900000);
    for (size_t i = 0; i < 300; i++)
        b_in(&b, 2000000 + i * 7);
    uint64_t denoms[] = {5000, 10000, 50000, 100000, 200000, 500000, 1000000};
    for (size_t i = 0; i < 230; i++)
        b_out(&b, denoms[i % 7]);
    for (size_t i = 0; i < 100; i++)
        b_out(&b, 700001 + i);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_WASABI2);
}

/* ---- JoinMarket ---- */

/* n makers and a taker: n equal outputs of d, `changes` changes, n_in inputs. */
static void joinmarket_tx(btx *b, size_t n_in, size_t n, uint64_t d, size_t changes)
{
    b_init(b, 400000);
    for (size_t i = 0; i < n_in; i++)
        b_in(b, d + 2000000 + i * 101);
    for (size_t i = 0; i < n; i++)
        b_out(b, d);
    for (size_t i = 0; i < changes; i++)
        b_out(b, 1500000 + i * 1013);
}

Test(detect, joinmarket_and_its_thresholds)
{
    btx b;
    /* 4 equal, 2 changes: not BlockSci (p = 3), JoinMarket (2n >= 6) */
    joinmarket_tx(&b, 5, 4, 12345678, 2);
    assert_detector(&b, CT_CJ_ALL, CT_CJ_JOINMARKET);
    /* 2n = outputs still; one more output is past it */
    joinmarket_tx(&b, 5, 4, 12345678, 4);
    assert_detector(&b, CT_CJ_JOINMARKET, CT_CJ_JOINMARKET);
    joinmarket_tx(&b, 5, 4, 12345678, 5);
    assert_detector(&b, CT_CJ_JOINMARKET, 0);
    /* n >= 3 */
    joinmarket_tx(&b, 3, 3, 12345678, 1);
    assert_detector(&b, CT_CJ_JOINMARKET, CT_CJ_JOINMARKET);
    joinmarket_tx(&b, 3, 2, 12345678, 1);
    assert_detector(&b, CT_CJ_JOINMARKET, 0);
    /* n <= distinct input addresses */
    joinmarket_tx(&b, 4, 4, 12345678, 1);
    assert_detector(&b, CT_CJ_JOINMARKET, CT_CJ_JOINMARKET);
    b.in[3].addrid = b.in[2].addrid;
    assert_detector(&b, CT_CJ_JOINMARKET, 0);
    /* at least one output not d */
    joinmarket_tx(&b, 4, 4, 12345678, 0);
    assert_detector(&b, CT_CJ_JOINMARKET, 0);
    /* d is above 2,730 sat: equal dust outputs are not the denomination */
    joinmarket_tx(&b, 5, 4, 2730, 2);
    assert_detector(&b, CT_CJ_JOINMARKET, 0);
    joinmarket_tx(&b, 5, 4, 2731, 2);
    assert_detector(&b, CT_CJ_JOINMARKET, CT_CJ_JOINMARKET);
    /* output addresses distinct */
    joinmarket_tx(&b, 5, 4, 12345678, 2);
    b.out[5].addrid = b.out[4].addrid;
    assert_detector(&b, CT_CJ_JOINMARKET, 0);
    /* 50 inputs or more: inputs / n <= 20 and outputs / n >= 1.7 */
    joinmarket_tx(&b, 60, 3, 12345678, 2); /* 60 / 3 = 20, 5 / 3 < 1.7 */
    assert_detector(&b, CT_CJ_JOINMARKET, 0);
    joinmarket_tx(&b, 60, 10, 12345678, 7); /* 60 / 10 = 6, 17 / 10 = 1.7 */
    assert_detector(&b, CT_CJ_JOINMARKET, CT_CJ_JOINMARKET);
    joinmarket_tx(&b, 60, 10, 12345678, 6); /* 16 / 10 < 1.7 */
    assert_detector(&b, CT_CJ_JOINMARKET, 0);
    joinmarket_tx(&b, 49, 10, 12345678, 6); /* under 50 inputs the ratios do not apply */
    assert_detector(&b, CT_CJ_JOINMARKET, CT_CJ_JOINMARKET);
    joinmarket_tx(&b, 200, 10, 12345678, 7); /* 200 / 10 = 20 */
    assert_detector(&b, CT_CJ_JOINMARKET, CT_CJ_JOINMARKET);
    joinmarket_tx(&b, 201, 10, 12345678, 7);
    assert_detector(&b, CT_CJ_JOINMARKET, 0);
    /* before JoinMarket */
    joinmarket_tx(&b, 5, 4, 12345678, 2);
    b.tx.height = 336860;
    assert_detector(&b, CT_CJ_ALL, 0);
    assert_detector(&b, CT_CJ_ALL | CT_CJ_ANY_HEIGHT, CT_CJ_JOINMARKET);
}

/* ---- the Stonewall veto ---- */

Test(detect, a_stonewall_is_vetoed)
{
    /* Samourai Stonewall: 2 inputs, the payment and a decoy of equal value, 2 changes.
     * BlockSci fires (p = 2 equal outputs); the veto clears it. */
    btx b;
    b_init(&b, 600000);
    b_in(&b, 4000000);
    b_in(&b, 3500000);
    b_out(&b, 1500000);
    b_out(&b, 1500000);
    b_out(&b, 2499000);
    b_out(&b, 1999000);
    assert_detector(&b, CT_CJ_ALL & ~CT_CJ_BLOCKSCI, 0);
    ct_cj_verdict v = judge(&b, CT_CJ_ALL);
    cr_assert_eq(v.detector, 0);
    cr_assert_str_eq(v.veto,
                     "stonewall shape: 3-4 outputs, one value exactly twice and at least 5000 sat");
    /* three outputs too */
    b.tx.n_out = 3;
    v = judge(&b, CT_CJ_ALL);
    cr_assert_eq(v.detector, 0);
    cr_assert_not_null(v.veto);
    /* the pair at 4,999 sat: not the Stonewall shape, BlockSci stands */
    b.tx.n_out = 4;
    b.out[0].value = b.out[1].value = 4999;
    assert_detector(&b, CT_CJ_ALL, CT_CJ_BLOCKSCI);
    b.out[0].value = b.out[1].value = 5000;
    v = judge(&b, CT_CJ_ALL);
    cr_assert_eq(v.detector, 0);
    cr_assert_not_null(v.veto);
    /* no detector fired: no veto either */
    v = judge(&b, CT_CJ_WHIRLPOOL);
    cr_assert_eq(v.detector, 0);
    cr_assert_null(v.veto);
    /* 5 outputs: past the shape (and then BlockSci's p = 3 does not hold either) */
    b_out(&b, 12345);
    assert_detector(&b, CT_CJ_ALL, 0);
}

/* ---- exchange batch payouts ---- */

Test(detect, exchange_batch_payouts_are_not_coinjoins)
{
    btx b;
    /* one input, 50 different withdrawals and a change */
    b_init(&b, 800000);
    b_in(&b, 1000000000);
    for (size_t i = 0; i < 50; i++)
        b_out(&b, 1000000 + i * 37111);
    b_out(&b, 400000000);
    assert_detector(&b, CT_CJ_ALL, 0);
    /* three inputs, 100 withdrawals of which 10 are the same round amount */
    b_init(&b, 800000);
    for (size_t i = 0; i < 3; i++)
        b_in(&b, 500000000);
    for (size_t i = 0; i < 90; i++)
        b_out(&b, 200000 + i * 5003);
    for (size_t i = 0; i < 10; i++)
        b_out(&b, 10000000);
    assert_detector(&b, CT_CJ_ALL | CT_CJ_ANY_HEIGHT, 0);
    /* two inputs, 600 outputs with many repeated round values (past the stack scratch) */
    b_init(&b, 800000);
    b_in(&b, 900000000);
    b_in(&b, 900000000);
    uint64_t round[] = {100000, 1000000, 5000000, 10000000, 50000000};
    for (size_t i = 0; i < 600; i++)
        b_out(&b, i % 2 ? round[i % 5] : 300000 + i * 11);
    assert_detector(&b, CT_CJ_ALL | CT_CJ_ANY_HEIGHT, 0);
    /* a consolidation: 30 inputs of one address into one output */
    b_init(&b, 800000);
    for (size_t i = 0; i < 30; i++)
        b_in_at(&b, 100000 + i, 42);
    b_out(&b, 2900000);
    assert_detector(&b, CT_CJ_ALL | CT_CJ_ANY_HEIGHT, 0);
}
