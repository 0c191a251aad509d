/* CoinJoin detectors for multi-input clustering (issue 13): pure functions that judge a
 * transaction from its input and output values, address ids and script types. A
 * transaction judged a CoinJoin merges nothing. The rules and thresholds follow the
 * published detectors: BlockSci's isCoinjoin (src/heuristics/tx_identification.cpp), the
 * Wasabi 1.x/2.0, Whirlpool and JoinMarket rules as GraphSense states them, and the wallets'
 * first mainnet heights as Dumplings records them; docs/clustering.md ("CoinJoin
 * detectors") cites them and says where we chose. Our own code, written from the rules. */
#include "cluster/detect.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/bitcoin.h"
#include "chaintrail/error.h"

#define BTC 100000000ull

/* First mainnet heights at which each wallet's CoinJoins can exist (Dumplings'
 * Constants.cs: the wallets' announcements). */
#define FIRST_JOINMARKET_HEIGHT 336861u
#define FIRST_WASABI1_HEIGHT    530500u
#define FIRST_WHIRLPOOL_HEIGHT  570000u
#define FIRST_WASABI2_HEIGHT    741213u

/* Whirlpool pools: denomination and the pool's entry fee (sat). */
static const struct {
    uint64_t d, fee;
} whirlpool_pools[] = {
    {100000, 5000},
    {1000000, 50000},
    {5000000, 175000},
    {50000000, 1750000},
};
#define N_POOLS               (sizeof whirlpool_pools / sizeof whirlpool_pools[0])
#define WHIRLPOOL_MAX_EXTRA   110000u /* most a mix input or a premix output exceeds d by */
#define WHIRLPOOL_PREMIX_MIN  100u    /* least a premix output exceeds d by */
#define WHIRLPOOL_TX0_MAX_PRE 70u

#define BLOCKSCI_DUST_A 546u
#define BLOCKSCI_DUST_B 2730u

static const char STONEWALL_VETO[] =
    "stonewall shape: 3-4 outputs, one value exactly twice and at least 5000 sat";
static const char NOMEM_VETO[] = "not judged: out of memory";

static const struct {
    unsigned bit;
    const char *name;
} detectors[] = {
    {CT_CJ_BLOCKSCI, "blocksci"},   {CT_CJ_WASABI1, "wasabi1"},
    {CT_CJ_WASABI2, "wasabi2"},     {CT_CJ_WHIRLPOOL_TX0, "whirlpool_tx0"},
    {CT_CJ_WHIRLPOOL, "whirlpool"}, {CT_CJ_JOINMARKET, "joinmarket"},
};
#define N_DETECTORS (sizeof detectors / sizeof detectors[0])

const char *ct_cj_detector_name(unsigned bit)
{
    for (size_t i = 0; i < N_DETECTORS; i++)
        if (detectors[i].bit == bit)
            return detectors[i].name;
    return NULL;
}

int ct_cj_detector_parse(const char *name, unsigned *bit)
{
    if (!name || !bit)
        return CT_EINVAL;
    for (size_t i = 0; i < N_DETECTORS; i++)
        if (strcmp(detectors[i].name, name) == 0) {
            *bit = detectors[i].bit;
            return CT_OK;
        }
    return CT_EINVAL;
}

/* ---- what the detectors count, computed once per transaction ---- */

/* One run of equal output values. */
typedef struct vgroup {
    uint64_t value;
    size_t count;
} vgroup;

typedef struct cj_stats {
    const ct_cj_tx *tx;
    vgroup *groups; /* output values, ascending, one entry per distinct value */
    size_t n_groups;
    size_t in_distinct;  /* distinct input addresses (an input without one counts alone) */
    size_t in_max_share; /* most inputs spending from one address */
    bool out_distinct;   /* no address receives two outputs */
    size_t n_nulldata;   /* OP_RETURN outputs */
} cj_stats;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts ascending: insertion sort for the few items of an ordinary transaction, qsort
 * beyond. */
static void sort_u64(uint64_t *a, size_t n)
{
    if (n > 24) {
        qsort(a, n, sizeof(*a), cmp_u64);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* Counts the runs of a sorted array of address ids: distinct ids (each 0 counts alone)
 * and the longest run of a non-zero id. */
static void addr_runs(const uint64_t *ids, size_t n, size_t *distinct, size_t *max_run)
{
    size_t d = 0, best = n > 0 ? 1 : 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        if (ids[i] != 0)
            while (j < n && ids[j] == ids[i])
                j++;
        d++;
        if (j - i > best)
            best = j - i;
        i = j;
    }
    *distinct = d;
    *max_run = best;
}

/* Fills *st from tx using `scratch` (room for n_in + n_out uint64 and n_out groups). */
static void stats_fill(cj_stats *st, const ct_cj_tx *tx, uint64_t *scratch, vgroup *groups)
{
    st->tx = tx;
    uint64_t *ids = scratch;
    for (size_t i = 0; i < tx->n_in; i++)
        ids[i] = tx->in[i].addrid;
    sort_u64(ids, tx->n_in);
    addr_runs(ids, tx->n_in, &st->in_distinct, &st->in_max_share);

    for (size_t i = 0; i < tx->n_out; i++)
        ids[i] = tx->out[i].addrid;
    sort_u64(ids, tx->n_out);
    size_t od, orun;
    addr_runs(ids, tx->n_out, &od, &orun);
    st->out_distinct = od == tx->n_out;

    uint64_t *vals = scratch + tx->n_in;
    st->n_nulldata = 0;
    for (size_t i = 0; i < tx->n_out; i++) {
        vals[i] = tx->out[i].value;
        if (tx->out[i].type == CT_BTC_NULLDATA)
            st->n_nulldata++;
    }
    sort_u64(vals, tx->n_out);
    st->groups = groups;
    st->n_groups = 0;
    for (size_t i = 0; i < tx->n_out;) {
        size_t j = i + 1;
        while (j < tx->n_out && vals[j] == vals[i])
            j++;
        groups[st->n_groups++] = (vgroup){vals[i], j - i};
        i = j;
    }
}

/* The most frequent output value above `above` sat (ties: the largest value); NULL when
 * no output is above it. */
static const vgroup *most_frequent(const cj_stats *st, uint64_t above)
{
    const vgroup *best = NULL;
    for (size_t i = 0; i < st->n_groups; i++)
        if (st->groups[i].value > above && (!best || st->groups[i].count >= best->count))
            best = &st->groups[i];
    return best;
}

/* No input address owns more than 10 % of the inputs. */
static bool no_dominant_input(const cj_stats *st)
{
    return st->in_max_share * 10 <= st->tx->n_in;
}

/* ---- the detectors ---- */

/* BlockSci isCoinjoin: each participant pays one equal output and takes one change, so
 * p = (outputs + 1) / 2 participants need p inputs from p addresses, and the most common
 * output value occurs exactly p times and is not a dust value. No height rule. */
static bool is_blocksci(const cj_stats *st)
{
    const ct_cj_tx *tx = st->tx;
    if (tx->n_in < 2 || tx->n_out < 3)
        return false;
    size_t p = (tx->n_out + 1) / 2;
    if (p > tx->n_in || p > st->in_distinct)
        return false;
    const vgroup *g = most_frequent(st, 0);
    return g->count == p && g->value != BLOCKSCI_DUST_A && g->value != BLOCKSCI_DUST_B;
}

/* v within 2^level x 0.1 BTC +- 2^level x 5 %. */
static bool wasabi1_level(uint64_t v, unsigned level)
{
    uint64_t base = (BTC / 10) << level, tol = (BTC / 200) << level;
    return v >= base - tol && v <= base + tol;
}

/* Wasabi 1.x: at least 10 inputs, none dominant; the base denomination d (the most
 * frequent output value) within 0.1 BTC +- 5 %, taken n >= 3 times; Wasabi 1.1's higher
 * levels 2^i x 0.1 BTC (+- 2^i x 5 %) count as mixed outputs when a value there occurs at
 * least twice; the mixed outputs are at least (outputs - 1) / 2; n <= distinct input
 * addresses <= 7n; every output address distinct. */
static bool is_wasabi1(const cj_stats *st)
{
    const ct_cj_tx *tx = st->tx;
    if (tx->n_in < 10 || !no_dominant_input(st) || !st->out_distinct)
        return false;
    const vgroup *g = most_frequent(st, 0);
    if (!wasabi1_level(g->value, 0) || g->count < 3)
        return false;
    size_t n = g->count, mixed = n;
    for (size_t i = 0; i < st->n_groups; i++) {
        const vgroup *h = &st->groups[i];
        if (h->count < 2 || h->value < BTC / 10 * 2 - BTC / 200 * 2)
            continue;
        for (unsigned level = 1; level < 20 && (BTC / 10 << level) <= 2 * h->value; level++)
            if (wasabi1_level(h->value, level)) {
                mixed += h->count;
                break;
            }
    }
    if (2 * mixed + 1 < tx->n_out)
        return false;
    return n <= st->in_distinct && st->in_distinct <= 7 * n;
}

/* Wasabi 2.0: at least 20 inputs, none dominant; every output at least 5,000 sat and to a
 * distinct address; the denominations (values that occur at least twice) are at least 3
 * and cover at least (outputs - 1) / 2 outputs; at least one output is not one. */
static bool is_wasabi2(const cj_stats *st)
{
    const ct_cj_tx *tx = st->tx;
    if (tx->n_in < 20 || !no_dominant_input(st) || !st->out_distinct)
        return false;
    if (st->n_groups == 0 || st->groups[0].value < 5000)
        return false;
    size_t denoms = 0, covered = 0;
    for (size_t i = 0; i < st->n_groups; i++)
        if (st->groups[i].count >= 2) {
            denoms++;
            covered += st->groups[i].count;
        }
    return denoms >= 3 && 2 * covered + 1 >= tx->n_out && covered < tx->n_out;
}

/* Whirlpool mix: 5 to 8 inputs from distinct addresses, as many outputs to distinct
 * addresses, every output exactly a pool's denomination d, every input within
 * [d, d + 110,000]. */
static bool is_whirlpool(const cj_stats *st)
{
    const ct_cj_tx *tx = st->tx;
    if (tx->n_in < 5 || tx->n_in > 8 || tx->n_out != tx->n_in)
        return false;
    if (st->n_groups != 1 || st->in_distinct != tx->n_in || !st->out_distinct)
        return false;
    uint64_t d = st->groups[0].value;
    size_t p = 0;
    while (p < N_POOLS && whirlpool_pools[p].d != d)
        p++;
    if (p == N_POOLS)
        return false;
    for (size_t i = 0; i < tx->n_in; i++)
        if (tx->in[i].value < d || tx->in[i].value > d + WHIRLPOOL_MAX_EXTRA)
            return false;
    return true;
}

/* Whirlpool tx0: exactly one OP_RETURN output; for one pool (d, fee), 1 to 70 premix
 * outputs within [d + 100, d + 110,000]; besides them at most 2 spendable outputs, one of
 * which is the pool fee within [fee / 2, 3 x fee]. */
static bool is_whirlpool_tx0(const cj_stats *st)
{
    const ct_cj_tx *tx = st->tx;
    if (tx->n_in < 1 || st->n_nulldata != 1)
        return false;
    for (size_t p = 0; p < N_POOLS; p++) {
        uint64_t d = whirlpool_pools[p].d, fee = whirlpool_pools[p].fee;
        size_t premix = 0, other = 0, fees = 0;
        for (size_t i = 0; i < tx->n_out; i++) {
            uint64_t v = tx->out[i].value;
            if (tx->out[i].type == CT_BTC_NULLDATA)
                continue;
            if (v >= d + WHIRLPOOL_PREMIX_MIN && v <= d + WHIRLPOOL_MAX_EXTRA) {
                premix++;
                continue;
            }
            other++;
            if (2 * v >= fee && v <= 3 * fee)
                fees++;
        }
        if (premix >= 1 && premix <= WHIRLPOOL_TX0_MAX_PRE && other >= 1 && other <= 2 && fees >= 1)
            return true;
    }
    return false;
}

/* JoinMarket: d is the most frequent output value above 2,730 sat, taken n times, with
 * 2n >= outputs, 3 <= n <= distinct input addresses, every output address distinct, and
 * at least one output not d; with 50 inputs or more also inputs / n <= 20 and
 * outputs / n >= 1.7. */
static bool is_joinmarket(const cj_stats *st)
{
    const ct_cj_tx *tx = st->tx;
    const vgroup *g = most_frequent(st, BLOCKSCI_DUST_B);
    if (!g || !st->out_distinct)
        return false;
    size_t n = g->count;
    if (n < 3 || 2 * n < tx->n_out || n > st->in_distinct || n == tx->n_out)
        return false;
    if (tx->n_in >= 50 && (tx->n_in > 20 * n || 10 * tx->n_out < 17 * n))
        return false;
    return true;
}

/* Stonewall (Samourai's fake two-party CoinJoin, usually one wallet): at least 2 inputs,
 * 3 or 4 outputs, exactly one value repeated, exactly twice, and at least 5,000 sat. */
static bool is_stonewall(const cj_stats *st)
{
    const ct_cj_tx *tx = st->tx;
    if (tx->n_in < 2 || tx->n_out < 3 || tx->n_out > 4)
        return false;
    size_t repeated = 0;
    const vgroup *pair = NULL;
    for (size_t i = 0; i < st->n_groups; i++)
        if (st->groups[i].count >= 2) {
            repeated++;
            pair = &st->groups[i];
        }
    return repeated == 1 && pair->count == 2 && pair->value >= 5000;
}

#define STACK_ITEMS 512

void ct_cj_detect(const ct_cj_tx *tx, unsigned mask, ct_cj_verdict *out)
{
    if (!out)
        return;
    out->detector = 0;
    out->veto = NULL;
    if (!tx || tx->n_in == 0 || tx->n_out == 0 || !tx->in || !tx->out)
        return;
    /* The common shapes leave at once: every detector needs 3 outputs or more (BlockSci's
     * rule, a tx0's OP_RETURN + premix + fee, n >= 3 equal outputs elsewhere), and only a
     * tx0 takes a single input, with an OP_RETURN. */
    if (tx->n_out < 3)
        return;
    if (tx->n_in == 1) {
        bool nulldata = false;
        for (size_t j = 0; j < tx->n_out && !nulldata; j++)
            nulldata = tx->out[j].type == CT_BTC_NULLDATA;
        if (!nulldata)
            return;
    }

    uint64_t stack_ids[STACK_ITEMS];
    vgroup stack_groups[STACK_ITEMS];
    uint64_t *scratch = stack_ids;
    vgroup *groups = stack_groups;
    size_t total = tx->n_in + tx->n_out;
    bool heap = total > STACK_ITEMS;
    if (heap) {
        bool fits = total > tx->n_in && total < SIZE_MAX / sizeof *groups;
        scratch = fits ? malloc(total * sizeof *scratch) : NULL;
        groups = fits ? malloc(tx->n_out * sizeof *groups) : NULL;
        if (!scratch || !groups) {
            free(scratch);
            free(groups);
            out->veto = NOMEM_VETO;
            return;
        }
    }
    cj_stats st;
    stats_fill(&st, tx, scratch, groups);

    bool any_height = (mask & CT_CJ_ANY_HEIGHT) != 0;
    const struct {
        unsigned bit;
        uint32_t first_height;
        bool (*fn)(const cj_stats *);
    } order[] = {
        {CT_CJ_BLOCKSCI, 0, is_blocksci},
        {CT_CJ_WASABI1, FIRST_WASABI1_HEIGHT, is_wasabi1},
        {CT_CJ_WASABI2, FIRST_WASABI2_HEIGHT, is_wasabi2},
        {CT_CJ_WHIRLPOOL_TX0, FIRST_WHIRLPOOL_HEIGHT, is_whirlpool_tx0},
        {CT_CJ_WHIRLPOOL, FIRST_WHIRLPOOL_HEIGHT, is_whirlpool},
        {CT_CJ_JOINMARKET, FIRST_JOINMARKET_HEIGHT, is_joinmarket},
    };
    unsigned fired = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0] && !fired; i++) {
        if (!(mask & order[i].bit))
            continue;
        if (!any_height && tx->height < order[i].first_height)
            continue;
        if (order[i].fn(&st))
            fired = order[i].bit;
    }
    if (fired && is_stonewall(&st))
        out->veto = STONEWALL_VETO;
    else
        out->detector = fired;
    if (heap) {
        free(scratch);
        free(groups);
    }
}
