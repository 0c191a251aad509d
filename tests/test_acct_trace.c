/* The account-model tracer (engine/account/acct_trace.c) on in-memory ct_acct_graph implementations:
 * hand-computed cases for every model (lots, unknown origin, fees, tokens apart from ETH,
 * label stops, hop limit, dust, self-transfers, budgets, transaction sources), and a
 * randomized cross-check against tests/tools/acct_reference.py, an independent plain
 * simulation of every ledger, compared endpoint by endpoint to the wei and the cent. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/acct_trace.h"
#include "chaintrail/prices.h"
#include "base/json.h"
#include "testutil.h"

/* ---- an in-memory account graph ---- */
#define MAX_ADDR  64
#define MAX_ASSET 4

typedef struct memg {
    ct_acct_event *ev;
    size_t n, cap;
    size_t n_addr; /* addrids 1..n_addr */
    char cat[MAX_ADDR + 1][24];
    char lab[MAX_ADDR + 1][128];
    struct {
        char sym[32];
        uint8_t dec;
        bool known;
        char contract[43];
    } asset[MAX_ASSET];
    size_t n_asset;
    uint64_t calls; /* ledger_next calls */
} memg;

static void addr_text(char out[43], uint64_t id)
{
    snprintf(out, 43, "0x%040llx", (unsigned long long)id);
}

static uint32_t block_time(uint32_t h)
{
    return 1600000000u + h * 20000u; /* about four blocks a UTC day */
}

static void mg_init(memg *g, size_t n_addr)
{
    memset(g, 0, sizeof(*g));
    g->n_addr = n_addr;
    snprintf(g->asset[0].sym, 32, "ETH");
    g->asset[0].dec = 18;
    g->asset[0].known = true;
    g->n_asset = 1;
}

static void mg_token(memg *g, const char *sym, uint8_t dec, bool known)
{
    size_t i = g->n_asset++;
    snprintf(g->asset[i].sym, 32, "%s", sym);
    g->asset[i].dec = dec;
    g->asset[i].known = known;
    snprintf(g->asset[i].contract, 43, "0x%040llx", 0xc0000ULL + i);
}

static void mg_label(memg *g, uint64_t id, const char *cat, const char *label)
{
    snprintf(g->cat[id], 24, "%s", cat);
    snprintf(g->lab[id], 128, "%s", label);
}

static void tx_hash(uint8_t out[32], uint32_t h, uint32_t txi)
{
    memset(out, 0, 32);
    if (txi == CT_ACCT_BLOCK_LEVEL)
        return;
    out[0] = 0xab;
    out[1] = (uint8_t)(h >> 8);
    out[2] = (uint8_t)h;
    out[3] = (uint8_t)(txi >> 8);
    out[4] = (uint8_t)txi;
}

static void mg_add(memg *g, uint32_t h, uint32_t txi, uint32_t pos, uint8_t kind, uint32_t asset,
                   uint64_t from, uint64_t to, ct_u256 amount)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->ev = realloc(g->ev, g->cap * sizeof(*g->ev));
        cr_assert_not_null(g->ev);
    }
    ct_acct_event *e = &g->ev[g->n++];
    memset(e, 0, sizeof(*e));
    e->at = (ct_acct_pos){h, txi, pos};
    e->time = block_time(h);
    e->kind = kind;
    e->asset = asset;
    e->from = from;
    e->to = to;
    e->amount = amount;
    tx_hash(e->txhash, h, txi);
}

static void ev(memg *g, uint32_t h, uint32_t txi, uint32_t pos, uint8_t kind, uint32_t asset,
               uint64_t from, uint64_t to, uint64_t amount)
{
    mg_add(g, h, txi, pos, kind, asset, from, to, ct_u256_from_u64(amount));
}

static int cmp_ev(const void *a, const void *b)
{
    return ct_acct_pos_cmp(&((const ct_acct_event *)a)->at, &((const ct_acct_event *)b)->at);
}

static void mg_done(memg *g)
{
    qsort(g->ev, g->n, sizeof(*g->ev), cmp_ev);
}

static void mg_free(memg *g)
{
    free(g->ev);
}

static int m_ledger_next(void *ctx, uint64_t addrid, uint32_t asset, const ct_acct_pos *after,
                         ct_acct_event *out, ct_error *err)
{
    (void)err;
    memg *g = ctx;
    g->calls++;
    size_t lo = 0, hi = g->n;
    if (after)
        while (lo < hi) { /* the first event strictly after `after` */
            size_t mid = (lo + hi) / 2;
            if (ct_acct_pos_cmp(&g->ev[mid].at, after) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    for (size_t i = lo; i < g->n; i++) {
        const ct_acct_event *e = &g->ev[i];
        if (e->asset == asset && (e->from == addrid || e->to == addrid)) {
            *out = *e;
            return CT_OK;
        }
    }
    return CT_ENOTFOUND;
}

static int m_ledger_assets(void *ctx, uint64_t addrid, int (*fn)(void *arg, uint32_t asset),
                           void *arg, ct_error *err)
{
    (void)err;
    memg *g = ctx;
    for (uint32_t a = 0; a < g->n_asset; a++)
        for (size_t i = 0; i < g->n; i++)
            if (g->ev[i].asset == a && (g->ev[i].from == addrid || g->ev[i].to == addrid)) {
                int r = fn(arg, a);
                if (r)
                    return r;
                break;
            }
    return CT_OK;
}

static int m_tx_events(void *ctx, const uint8_t hash[32],
                       int (*fn)(void *arg, const ct_acct_event *ev), void *arg, ct_error *err)
{
    (void)err;
    memg *g = ctx;
    bool any = false;
    for (size_t i = 0; i < g->n; i++)
        if (memcmp(g->ev[i].txhash, hash, 32) == 0 && g->ev[i].at.tx_index != CT_ACCT_BLOCK_LEVEL) {
            any = true;
            int r = fn(arg, &g->ev[i]);
            if (r)
                return r;
        }
    return any ? CT_OK : CT_ENOTFOUND;
}

static int m_addrid_of(void *ctx, const char *address, uint64_t *addrid, ct_error *err)
{
    (void)err;
    memg *g = ctx;
    for (uint64_t id = 1; id <= g->n_addr; id++) {
        char a[43];
        addr_text(a, id);
        bool same = strlen(address) == 42;
        for (size_t k = 0; same && k < 42; k++) {
            char c = address[k];
            if (c >= 'A' && c <= 'F')
                c = (char)(c - 'A' + 'a');
            same = c == a[k];
        }
        if (same) {
            *addrid = id;
            return CT_OK;
        }
    }
    return CT_ENOTFOUND;
}

static int m_address_of(void *ctx, uint64_t addrid, char out[43], ct_error *err)
{
    (void)ctx;
    (void)err;
    addr_text(out, addrid);
    return CT_OK;
}

static int m_label_of(void *ctx, uint64_t addrid, char *category, size_t csize, char *label,
                      size_t lsize, ct_error *err)
{
    (void)err;
    memg *g = ctx;
    if (addrid > g->n_addr || !g->cat[addrid][0])
        return CT_ENOTFOUND;
    snprintf(category, csize, "%s", g->cat[addrid]);
    snprintf(label, lsize, "%s", g->lab[addrid]);
    return CT_OK;
}

static int m_asset_info(void *ctx, uint32_t asset, char *symbol, size_t ssize, uint8_t *decimals,
                        bool *known, char contract[43], ct_error *err)
{
    (void)err;
    memg *g = ctx;
    if (asset >= g->n_asset)
        return CT_ENOTFOUND;
    snprintf(symbol, ssize, "%s", g->asset[asset].sym);
    *decimals = g->asset[asset].dec;
    *known = g->asset[asset].known;
    memcpy(contract, g->asset[asset].contract, 43);
    return CT_OK;
}

static int m_tip(void *ctx, uint32_t *height, uint32_t *time, ct_error *err)
{
    (void)err;
    memg *g = ctx;
    *height = g->n ? g->ev[g->n - 1].at.height : 0;
    *time = block_time(*height);
    return CT_OK;
}

static ct_acct_graph mg_graph(memg *g)
{
    ct_acct_graph a = {g,           m_ledger_next, m_ledger_assets,
                       m_tx_events, m_addrid_of,   m_address_of,
                       m_label_of,  m_asset_info,  m_tip};
    return a;
}

/* ---- running and checking ---- */
static ct_trace_source src_addr(uint64_t id)
{
    ct_trace_source s;
    memset(&s, 0, sizeof(s));
    addr_text(s.spec, id);
    s.from_time = s.to_time = -1;
    return s;
}

static void run(memg *g, ct_acct_trace_result *res, const ct_trace_source *src, size_t n,
                const ct_trace_options *o)
{
    ct_acct_graph ag = mg_graph(g);
    ct_error err;
    ct_error_clear(&err);
    ct_trace_options of = *o;
    of.flows = of.poison_flows = true; /* expect_conservation checks them */
    int rc = ct_acct_trace_run(res, &ag, src, n, &of, NULL, &err);
    cr_assert_eq(rc, CT_OK, "trace failed: %d %s: %s", rc, err.reason, err.detail);
}

static size_t asset_index(const ct_acct_trace_result *r, const char *sym)
{
    for (size_t i = 0; i < r->n_assets; i++)
        if (strcmp(r->assets[i].symbol, sym) == 0)
            return i;
    cr_assert_fail("asset %s not in the result", sym);
    return 0;
}

static uint64_t u64(const ct_u256 *a)
{
    uint64_t v;
    cr_assert(ct_u256_to_u64(&v, a), "amount above 2^64");
    return v;
}

/* One expected endpoint: model, asset symbol, address id, category, taint, fewest hops. */
typedef struct exp_ep {
    int model;
    const char *asset;
    uint64_t addr;
    const char *cat;
    uint64_t taint;
    uint32_t hops;
} exp_ep;

/* Every endpoint of the result is in the table and every table row in the result, with its
 * exact taint and hops. */
static void expect_endpoints(const ct_acct_trace_result *r, const exp_ep *x, size_t n)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        if (!r->model[m])
            continue;
        for (size_t a = 0; a < r->n_assets; a++) {
            const ct_acct_asset_result *ar = &r->model[m][a];
            size_t want = 0;
            for (size_t k = 0; k < n; k++)
                if (x[k].model == m && strcmp(x[k].asset, r->assets[a].symbol) == 0)
                    want++;
            cr_expect_eq(ar->n_endpoints, want, "%s %s: %zu endpoints, expected %zu",
                         ct_model_name((ct_model)m), r->assets[a].symbol, ar->n_endpoints, want);
        }
    }
    for (size_t k = 0; k < n; k++) {
        const exp_ep *e = &x[k];
        cr_assert_not_null(r->model[e->model]);
        size_t a = asset_index(r, e->asset);
        const ct_acct_asset_result *ar = &r->model[e->model][a];
        char addr[43];
        addr_text(addr, e->addr);
        bool found = false;
        for (size_t i = 0; i < ar->n_endpoints; i++) {
            const ct_acct_endpoint *p = &ar->endpoints[i];
            if (strcmp(p->address, addr) || strcmp(p->category, e->cat))
                continue;
            found = true;
            cr_expect_eq(u64(&p->taint), e->taint, "%s %s %s %s: taint %llu, expected %llu",
                         ct_model_name((ct_model)e->model), e->asset, addr, e->cat,
                         (unsigned long long)u64(&p->taint), (unsigned long long)e->taint);
            cr_expect_eq(p->hops, e->hops, "%s %s %s %s: hops %u, expected %u",
                         ct_model_name((ct_model)e->model), e->asset, addr, e->cat, p->hops,
                         e->hops);
        }
        cr_expect(found, "%s %s %s %s: no such endpoint", ct_model_name((ct_model)e->model),
                  e->asset, addr, e->cat);
    }
}

static uint64_t category(const ct_acct_trace_result *r, int m, const char *sym, const char *name)
{
    const ct_acct_asset_result *ar = &r->model[m][asset_index(r, sym)];
    for (size_t i = 0; i < ar->n_categories; i++)
        if (strcmp(ar->categories[i].name, name) == 0)
            return u64(&ar->categories[i].amount);
    return 0;
}

/* For every model but poison and every asset, the categories add up to the source. */
/* The flows of a result traced with flows (poison whole): each endpoint's taint is the sum
 * of the flows into it, at their fewest hops; the fee flows add up to the fee category; the
 * totals per hop to every category, and count the flows. */
static void expect_flows(const ct_acct_trace_result *r)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        if (!r->model[m])
            continue;
        for (size_t a = 0; a < r->n_assets; a++) {
            const ct_acct_asset_result *x = &r->model[m][a];
            const char *name = ct_model_name((ct_model)m);
            cr_assert(x->flows_whole, "%s", name);
            for (size_t c = 0; c < x->n_categories; c++) {
                ct_u256 sum = ct_u256_from_u64(0);
                for (size_t h = 0; h < x->n_hop_totals; h++)
                    if (strcmp(x->hop_totals[h].category, x->categories[c].name) == 0)
                        cr_assert(!ct_u256_add(&sum, &sum, &x->hop_totals[h].taint));
                cr_assert(ct_u256_cmp(&sum, &x->categories[c].amount) == 0, "%s: %s per hop", name,
                          x->categories[c].name);
            }
            uint64_t counted = 0;
            for (size_t h = 0; h < x->n_hop_totals; h++)
                counted += x->hop_totals[h].flows;
            cr_assert_eq(counted, x->n_flows, "%s", name);
            ct_u256 fee = ct_u256_from_u64(0), fee_cat = ct_u256_from_u64(0);
            for (size_t i = 0; i < x->n_flows; i++)
                if (x->flows[i].to[0] == '\0' && x->flows[i].endpoint == CT_TRACE_NONE)
                    cr_assert(!ct_u256_add(&fee, &fee, &x->flows[i].taint));
            for (size_t c = 0; c < x->n_categories; c++)
                if (strcmp(x->categories[c].name, "fee") == 0)
                    fee_cat = x->categories[c].amount;
            cr_assert(ct_u256_cmp(&fee, &fee_cat) == 0, "%s: fee flows", name);
            for (size_t e = 0; e < x->n_endpoints; e++) {
                const ct_acct_endpoint *ep = &x->endpoints[e];
                ct_u256 sum = ct_u256_from_u64(0);
                uint32_t hop = UINT32_MAX;
                for (size_t i = 0; i < x->n_flows; i++) {
                    if (x->flows[i].endpoint != e)
                        continue;
                    cr_assert(!ct_u256_add(&sum, &sum, &x->flows[i].taint));
                    hop = x->flows[i].hop < hop ? x->flows[i].hop : hop;
                    cr_assert_str_eq(x->flows[i].to, ep->address);
                }
                char s1[CT_U256_DEC_MAX], s2[CT_U256_DEC_MAX];
                ct_u256_to_dec(s1, sizeof(s1), &sum);
                ct_u256_to_dec(s2, sizeof(s2), &ep->taint);
                cr_assert_str_eq(s1, s2, "%s %s %s: flows in", name, ep->address, ep->category);
                cr_assert_eq(hop, ep->hops, "%s %s", name, ep->address);
            }
        }
    }
}

static void expect_conservation(const ct_acct_trace_result *r)
{
    bool flows = false;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        for (size_t a = 0; r->model[m] && a < r->n_assets; a++)
            flows |= r->model[m][a].n_hop_totals > 0;
    if (flows)
        expect_flows(r);
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++) {
        if (!r->model[m])
            continue;
        for (size_t a = 0; a < r->n_assets; a++) {
            const ct_acct_asset_result *ar = &r->model[m][a];
            ct_u256 sum = ct_u256_from_u64(0);
            for (size_t i = 0; i < ar->n_categories; i++)
                cr_assert(!ct_u256_add(&sum, &sum, &ar->categories[i].amount));
            char s1[CT_U256_DEC_MAX], s2[CT_U256_DEC_MAX];
            ct_u256_to_dec(s1, sizeof(s1), &sum);
            ct_u256_to_dec(s2, sizeof(s2), &ar->source);
            cr_expect_str_eq(s1, s2, "%s %s: categories add up to %s, source %s",
                             ct_model_name((ct_model)m), r->assets[a].symbol, s1, s2);
        }
    }
}

static uint64_t source_of(const ct_acct_trace_result *r, int m, const char *sym)
{
    return u64(&r->model[m][asset_index(r, sym)].source);
}

enum {
    P = CT_MODEL_POISON,
    H = CT_MODEL_HAIRCUT,
    F = CT_MODEL_FIFO,
    L = CT_MODEL_LIFO,
    T = CT_MODEL_TIHO
};

/* ---- scenario A: one ledger with clean and tainted lots, then two outgoing transfers ----
 * Addresses: 1 thief (the source), 2 victim, 3 M (the ledger), 5 E1, 6 E2 (exchange),
 * 7 miner, 9 X.
 *   h1  X -> M 100 ETH                                  M: [clean 100]
 *   h2  victim -> thief 310 ETH; 1000 USDC (token log)  thief: [tainted 310 hop 0]
 *   h3  thief -> M 300 ETH, 400 USDC; fees 5 burnt + 2 priority, credited to the miner
 *                                                       M: [c100, t300 hop 1]
 *   h4  reward 200 to M (block level)                   M: [c100, t300, c200]
 *   h5  M -> E1 251 ETH and 100 USDC
 *   h6  M -> E2 150 ETH
 * By hand (ETH, source 310; fees 7, thief keeps 3 in every model):
 *   FIFO: E1 takes c100 t151 -> 151; E2 takes t149 c1 -> 149; M keeps clean 199.
 *   LIFO: E1 takes c200 t51 -> 51; E2 takes t150 -> 150; M keeps [c100, t99] -> 99.
 *   TIHO: E1 takes t251; E2 takes t49 c101 -> 49; M clean.
 *   haircut: E1 floor(251*300/600) = 125 (M 175 of 349); E2 floor(150*175/349) = 75; M 100.
 *   poison: E1 251, E2 150, M's balance 199, thief's 3 (all of a tainted ledger).
 * USDC (source 1000): thief 600 (hop 0), M 300 (hop 1), E1 100 (hop 2), every model. */
static void scenario_a(memg *g)
{
    mg_init(g, 9);
    mg_token(g, "USDC", 6, true);
    mg_label(g, 6, "exchange", "Exchange E2 deposit");
    ev(g, 1, 0, 0, CT_ACCT_NATIVE, 0, 9, 3, 100);
    ev(g, 2, 0, 0, CT_ACCT_NATIVE, 0, 2, 1, 310);
    ev(g, 2, 0, 1, CT_ACCT_TOKEN, 1, 2, 1, 1000);
    ev(g, 3, 0, 0, CT_ACCT_NATIVE, 0, 1, 3, 300);
    ev(g, 3, 0, 1, CT_ACCT_TOKEN, 1, 1, 3, 400);
    ev(g, 3, 0, 2, CT_ACCT_FEE_BURNT, 0, 1, 0, 5);
    ev(g, 3, 0, 3, CT_ACCT_FEE_PRIORITY, 0, 1, 0, 2);
    ev(g, 3, 0, 4, CT_ACCT_REWARD, 0, 0, 7, 2); /* the priority fee credited to the miner */
    ev(g, 4, CT_ACCT_BLOCK_LEVEL, 0, CT_ACCT_REWARD, 0, 0, 3, 200);
    ev(g, 5, 0, 0, CT_ACCT_NATIVE, 0, 3, 5, 251);
    ev(g, 5, 0, 1, CT_ACCT_TOKEN, 1, 3, 5, 100);
    ev(g, 6, 0, 0, CT_ACCT_NATIVE, 0, 3, 6, 150);
    mg_done(g);
}

#define USDC_ALL(m)                                                                                \
    {m, "USDC", 1, "unspent", 600, 0}, {m, "USDC", 3, "unspent", 300, 1},                          \
    {                                                                                              \
        m, "USDC", 5, "unspent", 100, 2                                                            \
    }

Test(acct_trace, five_models_by_hand)
{
    memg g;
    scenario_a(&g);
    ct_trace_options o;
    ct_trace_options_init(&o);
    ct_trace_source s = src_addr(1);
    ct_acct_trace_result r;
    run(&g, &r, &s, 1, &o);
    static const exp_ep want[] = {
        {F, "ETH", 1, "unspent", 3, 0},
        {F, "ETH", 5, "unspent", 151, 2},
        {F, "ETH", 6, "exchange", 149, 2},
        USDC_ALL(F),
        {L, "ETH", 1, "unspent", 3, 0},
        {L, "ETH", 5, "unspent", 51, 2},
        {L, "ETH", 6, "exchange", 150, 2},
        {L, "ETH", 3, "unspent", 99, 1},
        USDC_ALL(L),
        {T, "ETH", 1, "unspent", 3, 0},
        {T, "ETH", 5, "unspent", 251, 2},
        {T, "ETH", 6, "exchange", 49, 2},
        USDC_ALL(T),
        {H, "ETH", 1, "unspent", 3, 0},
        {H, "ETH", 5, "unspent", 125, 2},
        {H, "ETH", 6, "exchange", 75, 2},
        {H, "ETH", 3, "unspent", 100, 1},
        USDC_ALL(H),
        {P, "ETH", 1, "unspent", 3, 0},
        {P, "ETH", 5, "unspent", 251, 2},
        {P, "ETH", 6, "exchange", 150, 2},
        {P, "ETH", 3, "unspent", 199, 1},
        USDC_ALL(P),
    };
    expect_endpoints(&r, want, sizeof(want) / sizeof(want[0]));
    cr_assert_eq(r.n_assets, 2);
    cr_assert_str_eq(r.assets[0].symbol, "ETH");
    cr_assert_str_eq(r.assets[0].price_asset, "ETH");
    cr_assert_str_eq(r.assets[1].symbol, "USDC");
    cr_assert_str_eq(r.assets[1].contract, "0x00000000000000000000000000000000000c0001");
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        cr_expect_eq(source_of(&r, m, "ETH"), 310);
        cr_expect_eq(source_of(&r, m, "USDC"), 1000);
        cr_expect_eq(category(&r, m, "ETH", "fee"), 7, "%s fee", ct_model_name((ct_model)m));
        cr_expect_eq(category(&r, m, "USDC", "fee"), 0);
    }
    /* laundered = the exchange's share; the range over haircut..TIHO is 49 to 150 */
    cr_expect_eq(u64(&r.model[F][0].laundered), 149);
    cr_expect_eq(u64(&r.model[L][0].laundered), 150);
    cr_expect_eq(u64(&r.model[T][0].laundered), 49);
    cr_expect_eq(u64(&r.model[H][0].laundered), 75);
    cr_expect_eq(u64(&r.model[P][0].laundered), 150);
    cr_expect_eq(u64(&r.model[F][1].laundered), 0);
    expect_conservation(&r);
    /* the exchange endpoint carries its label, its block and the transfer count */
    const ct_acct_endpoint *x = &r.model[F][0].endpoints[1];
    cr_assert_str_eq(x->category, "exchange");
    cr_assert_str_eq(x->label, "Exchange E2 deposit");
    cr_assert_eq(x->first_height, 6);
    cr_assert_eq(x->first_time, block_time(6));
    cr_assert_eq(x->flows, 1);
    cr_assert(r.complete);
    cr_assert_eq(r.source_events, 2);
    ct_acct_trace_result_release(&r);
    mg_free(&g);
}

Test(acct_trace, hop_limit_and_dust)
{
    memg g;
    scenario_a(&g);
    ct_trace_options o;
    ct_trace_options_init(&o);
    ct_trace_source s = src_addr(1);
    ct_acct_trace_result r;
    /* --hops 2: the arrivals at E1 (hop 2) are not followed; the exchange label still wins */
    o.hops = 2;
    o.models = 1u << F;
    run(&g, &r, &s, 1, &o);
    static const exp_ep h2[] = {
        {F, "ETH", 1, "unspent", 3, 0},    {F, "ETH", 5, "hop_limit", 151, 2},
        {F, "ETH", 6, "exchange", 149, 2}, {F, "USDC", 1, "unspent", 600, 0},
        {F, "USDC", 3, "unspent", 300, 1}, {F, "USDC", 5, "hop_limit", 100, 2},
    };
    expect_endpoints(&r, h2, sizeof(h2) / sizeof(h2[0]));
    expect_conservation(&r);
    ct_acct_trace_result_release(&r);
    /* --hops 1: M is not followed at all */
    o.hops = 1;
    o.models = CT_MODELS_ALL;
    run(&g, &r, &s, 1, &o);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        exp_ep h1[] = {
            {m, "ETH", 1, "unspent", 3, 0},
            {m, "ETH", 3, "hop_limit", 300, 1},
            {m, "USDC", 1, "unspent", 600, 0},
            {m, "USDC", 3, "hop_limit", 400, 1},
        };
        ct_acct_trace_result one = r;
        for (int k = 0; k < CT_MODEL_COUNT; k++)
            if (k != m)
                one.model[k] = NULL;
        expect_endpoints(&one, h1, 4);
    }
    expect_conservation(&r);
    ct_acct_trace_result_release(&r);
    /* --dust 100: LIFO's 51 to E1 is dust (strictly below); USDC's 100 to E1 is not; the
     * exchange label comes before dust for TIHO's 49 */
    o.hops = 10;
    o.dust = 100;
    run(&g, &r, &s, 1, &o);
    static const exp_ep d[] = {
        {F, "ETH", 1, "unspent", 3, 0},
        {F, "ETH", 5, "unspent", 151, 2},
        {F, "ETH", 6, "exchange", 149, 2},
        USDC_ALL(F),
        {L, "ETH", 1, "unspent", 3, 0},
        {L, "ETH", 5, "dust", 51, 2},
        {L, "ETH", 6, "exchange", 150, 2},
        {L, "ETH", 3, "unspent", 99, 1},
        USDC_ALL(L),
        {T, "ETH", 1, "unspent", 3, 0},
        {T, "ETH", 5, "unspent", 251, 2},
        {T, "ETH", 6, "exchange", 49, 2},
        USDC_ALL(T),
        {H, "ETH", 1, "unspent", 3, 0},
        {H, "ETH", 5, "unspent", 125, 2},
        {H, "ETH", 6, "exchange", 75, 2},
        {H, "ETH", 3, "unspent", 100, 1},
        USDC_ALL(H),
        {P, "ETH", 1, "unspent", 3, 0},
        {P, "ETH", 5, "unspent", 251, 2},
        {P, "ETH", 6, "exchange", 150, 2},
        {P, "ETH", 3, "unspent", 199, 1},
        USDC_ALL(P),
    };
    expect_endpoints(&r, d, sizeof(d) / sizeof(d[0]));
    expect_conservation(&r);
    ct_acct_trace_result_release(&r);
    mg_free(&g);
}

Test(acct_trace, a_budget_leaves_the_live_taint_as_budget)
{
    memg g;
    scenario_a(&g);
    ct_trace_options o;
    ct_trace_options_init(&o);
    o.max_nodes = 3; /* h2 ETH, h2 USDC, h3 ETH to M; then stop */
    o.models = (1u << F) | (1u << H);
    ct_trace_source s = src_addr(1);
    ct_acct_trace_result r;
    run(&g, &r, &s, 1, &o);
    cr_assert_not(r.complete);
    cr_assert_str_eq(r.incomplete_reason, "max-nodes reached");
    cr_assert_eq(r.events_processed, 3);
    static const exp_ep want[] = {
        {F, "ETH", 1, "budget", 10, 0},    {F, "ETH", 3, "budget", 300, 1},
        {F, "USDC", 1, "budget", 1000, 0}, {H, "ETH", 1, "budget", 10, 0},
        {H, "ETH", 3, "budget", 300, 1},   {H, "USDC", 1, "budget", 1000, 0},
    };
    expect_endpoints(&r, want, sizeof(want) / sizeof(want[0]));
    expect_conservation(&r);
    ct_acct_trace_result_release(&r);
    mg_free(&g);
}

Test(acct_trace, a_transaction_as_source)
{
    memg g;
    scenario_a(&g);
    ct_trace_options o;
    ct_trace_options_init(&o);
    o.models = (1u << F) | (1u << L);
    /* the h3 transaction: its transfers to M (300 ETH, 400 USDC) are the sources at hop 0;
     * its fees and the miner's credit of the priority fee are no transfers */
    ct_trace_source s;
    memset(&s, 0, sizeof(s));
    uint8_t h3[32];
    tx_hash(h3, 3, 0);
    s.spec[0] = '0', s.spec[1] = 'x';
    for (int i = 0; i < 32; i++) /* upper case is accepted */
        snprintf(s.spec + 2 + 2 * i, 3, "%02X", h3[i]);
    s.from_time = s.to_time = -1;
    ct_acct_trace_result r;
    run(&g, &r, &s, 1, &o);
    static const exp_ep want[] = {
        {F, "ETH", 5, "unspent", 151, 1},  {F, "ETH", 6, "exchange", 149, 1},
        {F, "USDC", 3, "unspent", 300, 0}, {F, "USDC", 5, "unspent", 100, 1},
        {L, "ETH", 5, "unspent", 51, 1},   {L, "ETH", 6, "exchange", 150, 1},
        {L, "ETH", 3, "unspent", 99, 0},   {L, "USDC", 3, "unspent", 300, 0},
        {L, "USDC", 5, "unspent", 100, 1},
    };
    expect_endpoints(&r, want, sizeof(want) / sizeof(want[0]));
    cr_assert_eq(source_of(&r, F, "ETH"), 300);
    cr_assert_eq(source_of(&r, F, "USDC"), 400);
    cr_assert_eq(category(&r, F, "ETH", "fee"), 0);
    cr_assert_eq(r.source_events, 2);
    expect_conservation(&r);
    ct_acct_trace_result_release(&r);
    mg_free(&g);
}

/* ---- self-transfers and the lot of unknown origin ----
 *   h1  V(2) -> thief(1) 100                     source, thief [t100 hop 0]
 *   h2  thief -> M(3) 100                        M [t100 hop 1]
 *   h3  X(9) -> M 50                             M [t100, c50]
 *   h4  M -> M 120 (self)                        FIFO: takes t100 c20 -> [c30, t100, c20]
 *                                                LIFO: takes c50 t70 -> [t30, c50, t70]
 *   h5  M -> Z(4) 60                             FIFO c30 t30 -> 30; LIFO t60; TIHO t60;
 *                                                haircut floor(60*100/150) = 40; poison 60
 *   h6  thief -> thief 50 (self, a source: the thief's ledger is empty, so 50 of unknown
 *       origin is taken and comes back fully tainted: source 150)
 * Z is at hop 2: the self-transfer is no hop. */
Test(acct_trace, self_transfers)
{
    memg g;
    mg_init(&g, 9);
    ev(&g, 1, 0, 0, CT_ACCT_NATIVE, 0, 2, 1, 100);
    ev(&g, 2, 0, 0, CT_ACCT_NATIVE, 0, 1, 3, 100);
    ev(&g, 3, 0, 0, CT_ACCT_NATIVE, 0, 9, 3, 50);
    ev(&g, 4, 0, 0, CT_ACCT_NATIVE, 0, 3, 3, 120);
    ev(&g, 5, 0, 0, CT_ACCT_NATIVE, 0, 3, 4, 60);
    ev(&g, 6, 0, 0, CT_ACCT_NATIVE, 0, 1, 1, 50);
    mg_done(&g);
    ct_trace_options o;
    ct_trace_options_init(&o);
    ct_trace_source s = src_addr(1);
    ct_acct_trace_result r;
    run(&g, &r, &s, 1, &o);
    static const exp_ep want[] = {
        {F, "ETH", 4, "unspent", 30, 2}, {F, "ETH", 3, "unspent", 70, 1},
        {F, "ETH", 1, "unspent", 50, 0}, {L, "ETH", 4, "unspent", 60, 2},
        {L, "ETH", 3, "unspent", 40, 1}, {L, "ETH", 1, "unspent", 50, 0},
        {T, "ETH", 4, "unspent", 60, 2}, {T, "ETH", 3, "unspent", 40, 1},
        {T, "ETH", 1, "unspent", 50, 0}, {H, "ETH", 4, "unspent", 40, 2},
        {H, "ETH", 3, "unspent", 60, 1}, {H, "ETH", 1, "unspent", 50, 0},
        {P, "ETH", 4, "unspent", 60, 2}, {P, "ETH", 3, "unspent", 90, 1},
        {P, "ETH", 1, "unspent", 50, 0},
    };
    expect_endpoints(&r, want, sizeof(want) / sizeof(want[0]));
    /* poison: the thief's ledger stays tainted, so the 50 it sends itself were already
     * tainted and only 100 entered */
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        cr_expect_eq(source_of(&r, m, "ETH"), m == P ? 100 : 150, "%s source",
                     ct_model_name((ct_model)m));
    cr_assert_eq(r.source_events, 2);
    expect_conservation(&r);
    ct_acct_trace_result_release(&r);
    mg_free(&g);
}

/* A balance from before the trace: M spent 70 it never received (the chain starts later:
 * its balance falls to 0, not -70), then got 40: when taint arrives its balance is 40.
 *   h1 M(3) -> Q(8) 70; h2 X(9) -> M 40; h3 thief(1) <- V(2) 100; h4 thief -> M 100
 *                                                   M [c40, t100 hop 1]
 *   h5 M -> W(4) 60: FIFO c40 t20 -> 20; LIFO t60; TIHO t60; haircut floor(60*100/140) = 42
 *   h6 M -> W2(5) 200, 120 more than M has: a clean lot of unknown origin, the oldest.
 *      FIFO [c120, t80] -> 80; LIFO t40 + c120 -> 40; TIHO t40 -> 40;
 *      haircut: balance 200, taint 58 -> floor(200*58/200) = 58. */
Test(acct_trace, balance_before_the_trace_and_unknown_origin)
{
    memg g;
    mg_init(&g, 9);
    ev(&g, 1, 0, 0, CT_ACCT_NATIVE, 0, 3, 8, 70);
    ev(&g, 2, 0, 0, CT_ACCT_NATIVE, 0, 9, 3, 40);
    ev(&g, 3, 0, 0, CT_ACCT_NATIVE, 0, 2, 1, 100);
    ev(&g, 4, 0, 0, CT_ACCT_NATIVE, 0, 1, 3, 100);
    ev(&g, 5, 0, 0, CT_ACCT_NATIVE, 0, 3, 4, 60);
    ev(&g, 6, 0, 0, CT_ACCT_NATIVE, 0, 3, 5, 200);
    mg_done(&g);
    ct_trace_options o;
    ct_trace_options_init(&o);
    ct_trace_source s = src_addr(1);
    ct_acct_trace_result r;
    run(&g, &r, &s, 1, &o);
    static const exp_ep want[] = {
        {F, "ETH", 4, "unspent", 20, 2}, {F, "ETH", 5, "unspent", 80, 2},
        {L, "ETH", 4, "unspent", 60, 2}, {L, "ETH", 5, "unspent", 40, 2},
        {T, "ETH", 4, "unspent", 60, 2}, {T, "ETH", 5, "unspent", 40, 2},
        {H, "ETH", 4, "unspent", 42, 2}, {H, "ETH", 5, "unspent", 58, 2},
        {P, "ETH", 4, "unspent", 60, 2}, {P, "ETH", 5, "unspent", 200, 2},
    };
    expect_endpoints(&r, want, sizeof(want) / sizeof(want[0]));
    expect_conservation(&r);
    ct_acct_trace_result_release(&r);
    mg_free(&g);
}

Test(acct_trace, bad_sources)
{
    memg g;
    scenario_a(&g);
    ct_acct_graph ag = mg_graph(&g);
    ct_trace_options o;
    ct_trace_options_init(&o);
    ct_acct_trace_result r;
    ct_error err;
    ct_trace_source s = src_addr(1);
    snprintf(s.spec, sizeof(s.spec), "0x12");
    ct_error_clear(&err);
    cr_assert_eq(ct_acct_trace_run(&r, &ag, &s, 1, &o, NULL, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "bad-source");
    ct_acct_trace_result_release(&r);
    s = src_addr(0x77); /* never seen */
    ct_error_clear(&err);
    cr_assert_eq(ct_acct_trace_run(&r, &ag, &s, 1, &o, NULL, &err), CT_ENOTFOUND);
    cr_assert_str_eq(err.reason, "source-not-found");
    cr_assert_str_eq(err.detail,
                     "address 0x0000000000000000000000000000000000000077 is not in the database");
    ct_acct_trace_result_release(&r);
    /* E1 received only at h5: a window from h6 on holds nothing */
    s = src_addr(5);
    s.from_time = block_time(6);
    ct_error_clear(&err);
    cr_assert_eq(ct_acct_trace_run(&r, &ag, &s, 1, &o, NULL, &err), CT_ENOTFOUND);
    cr_assert_str_eq(err.detail, "the sources received nothing in the given window");
    ct_acct_trace_result_release(&r);
    o.backward = true;
    s = src_addr(1);
    cr_assert_eq(ct_acct_trace_run(&r, &ag, &s, 1, &o, NULL, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "not-supported");
    ct_acct_trace_result_release(&r);
    mg_free(&g);
}

/* ---- randomized cross-check against tests/tools/acct_reference.py ---- */
typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

#define R_ADDR 14 /* 12 sanctioned, 13 exchange, 14 mixer */

/* An amount for a transfer out of a ledger holding `bal`: mostly a part of it, sometimes
 * more than it has (a lot of unknown origin); token 2 moves amounts near 2^200. */
static ct_u256 pick(rng *r, const ct_u256 *bal, uint32_t asset)
{
    ct_u256 a, num = ct_u256_from_u64(1 + rnd(r) % 1000), den = ct_u256_from_u64(1000);
    if (!ct_u256_is_zero(bal) && rnd(r) % 6 != 0) {
        cr_assert_eq(ct_u256_muldiv(&a, NULL, bal, &num, &den, NULL), CT_OK);
        if (ct_u256_is_zero(&a))
            a = ct_u256_from_u64(1);
        return a;
    }
    a = ct_u256_from_u64(1 + rnd(r) % 1000);
    ct_u256 scale = ct_u256_from_u64(asset == 0 ? 1000000000000000ULL : 10000);
    if (asset < 2 && rnd(r) % 4) /* mostly 0.001 to 1 ETH, or 0.01 to 10 TKA */
        cr_assert(!ct_u256_mul(&a, &a, &scale));
    if (asset == 2) {
        a.w[3] = 1 + rnd(r) % 255; /* about 2^192 to 2^200 */
        a.w[1] = rnd(r);
    }
    return a;
}

static void gen_random(memg *g, rng *r, uint32_t blocks)
{
    static ct_u256 bal[R_ADDR + 1][3];
    memset(bal, 0, sizeof(bal));
    mg_init(g, R_ADDR);
    mg_token(g, "TKA", 6, true);
    mg_token(g, "TKB", 0, false);
    mg_label(g, 12, "sanctioned", "OFAC SDN");
    mg_label(g, 13, "exchange", "Exchange hot wallet");
    mg_label(g, 14, "mixer", "Mixer pool");
    for (uint32_t h = 1; h <= blocks; h++) {
        uint32_t ntx = (uint32_t)(rnd(r) % 4);
        for (uint32_t txi = 0; txi < ntx; txi++) {
            uint64_t s = 1 + rnd(r) % R_ADDR;
            uint32_t pos = 0;
            int nev = 1 + (int)(rnd(r) % 4);
            for (int k = 0; k < nev; k++) {
                uint32_t asset = k == 0 ? 0 : (uint32_t)(rnd(r) % 3);
                uint64_t from = (k == 0 || rnd(r) % 2) ? s : 1 + rnd(r) % R_ADDR;
                uint64_t to = rnd(r) % 10 == 0 ? from : 1 + rnd(r) % R_ADDR;
                uint8_t kind = k == 0 ? CT_ACCT_NATIVE : asset ? CT_ACCT_TOKEN : CT_ACCT_INTERNAL;
                ct_u256 x = pick(r, &bal[from][asset], asset);
                mg_add(g, h, txi, pos++, kind, asset, from, to, x);
                if (ct_u256_cmp(&x, &bal[from][asset]) >= 0)
                    bal[from][asset] = ct_u256_from_u64(0);
                else
                    cr_assert(!ct_u256_sub(&bal[from][asset], &bal[from][asset], &x));
                cr_assert(!ct_u256_add(&bal[to][asset], &bal[to][asset], &x));
            }
            for (uint8_t kind = CT_ACCT_FEE_BURNT; kind <= CT_ACCT_FEE_PRIORITY; kind++)
                if (rnd(r) % 3) {
                    ct_u256 fee = ct_u256_from_u64((1 + rnd(r) % 20) * 100000000000000ULL);
                    mg_add(g, h, txi, pos++, kind, 0, s, 0, fee);
                    if (ct_u256_cmp(&fee, &bal[s][0]) >= 0)
                        bal[s][0] = ct_u256_from_u64(0);
                    else
                        cr_assert(!ct_u256_sub(&bal[s][0], &bal[s][0], &fee));
                    if (kind == CT_ACCT_FEE_PRIORITY) { /* credited to the block's miner */
                        uint64_t miner = 1 + h % R_ADDR;
                        mg_add(g, h, txi, pos++, CT_ACCT_REWARD, 0, 0, miner, fee);
                        cr_assert(!ct_u256_add(&bal[miner][0], &bal[miner][0], &fee));
                    }
                }
        }
        if (rnd(r) % 4 == 0) {
            uint64_t to = 1 + rnd(r) % R_ADDR;
            ct_u256 x = ct_u256_from_u64((100 + rnd(r) % 2000) * 1000000000000000ULL);
            mg_add(g, h, CT_ACCT_BLOCK_LEVEL, 0, CT_ACCT_REWARD, 0, 0, to, x);
            cr_assert(!ct_u256_add(&bal[to][0], &bal[to][0], &x));
        }
    }
    mg_done(g);
}

/* Prices: ETH on even days only (odd days have no price), TKA ($1) every day; TKB has no
 * known decimals and is never priced. */
static int r_price(const char *asset, uint32_t day, uint64_t *cents)
{
    if (strcmp(asset, "ETH") == 0) {
        if (day % 2)
            return CT_ENOTFOUND;
        *cents = 150000 + day % 1000;
        return CT_OK;
    }
    if (strcmp(asset, "TKA") == 0) {
        *cents = 100;
        return CT_OK;
    }
    return CT_ENOTFOUND;
}

static int r_value(void *ctx, const char *price_asset, unsigned decimals, const ct_u256 *amount,
                   uint32_t time, uint64_t *cents, ct_error *err)
{
    (void)ctx;
    uint64_t price;
    int rc = r_price(price_asset, time / 86400, &price);
    if (rc)
        return rc;
    return ct_usd_cents_u256(cents, amount, decimals, price, err);
}

static void fprint_u256(FILE *f, const ct_u256 *a)
{
    char s[CT_U256_DEC_MAX];
    ct_u256_to_dec(s, sizeof(s), a);
    fprintf(f, "\"%s\"", s);
}

static void write_case(const char *path, const memg *g, const ct_trace_source *src, size_t n_src,
                       const ct_trace_options *o)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "{\"options\":{\"models\":[\"poison\",\"haircut\",\"fifo\",\"lifo\",\"tiho\"],"
            "\"hops\":%u,\"dust\":\"%llu\",\"stops\":[",
            o->hops, (unsigned long long)o->dust);
    for (size_t i = 0; i < o->n_stops; i++)
        fprintf(f, "%s\"%s\"", i ? "," : "", o->stops[i]);
    fputs("],\"cashout\":[", f);
    for (size_t i = 0; i < o->n_cashout; i++)
        fprintf(f, "%s\"%s\"", i ? "," : "", o->cashout[i]);
    fputs("]},\"sources\":[", f);
    for (size_t i = 0; i < n_src; i++) {
        if (strlen(src[i].spec) == 42)
            fprintf(f, "%s{\"address\":\"%s\",\"from\":%lld,\"to\":%lld}", i ? "," : "",
                    src[i].spec, (long long)src[i].from_time, (long long)src[i].to_time);
        else
            fprintf(f, "%s{\"tx\":\"%s\"}", i ? "," : "", src[i].spec);
    }
    fputs("],\"labels\":{", f);
    bool first = true;
    for (uint64_t id = 1; id <= g->n_addr; id++)
        if (g->cat[id][0]) {
            char a[43];
            addr_text(a, id);
            fprintf(f, "%s\"%s\":\"%s\"", first ? "" : ",", a, g->cat[id]);
            first = false;
        }
    fputs("},\"assets\":{", f);
    for (size_t i = 0; i < g->n_asset; i++)
        fprintf(f, "%s\"%zu\":{\"symbol\":\"%s\",\"decimals\":%u,\"priced\":%s}", i ? "," : "", i,
                g->asset[i].sym, g->asset[i].dec, g->asset[i].known ? "true" : "false");
    fputs("},\"prices\":{\"ETH\":{", f);
    uint32_t d0 = block_time(0) / 86400, d1 = block_time(g->ev[g->n - 1].at.height) / 86400;
    first = true;
    for (uint32_t d = d0; d <= d1; d++) {
        uint64_t c;
        if (r_price("ETH", d, &c) == CT_OK) {
            fprintf(f, "%s\"%u\":%llu", first ? "" : ",", d, (unsigned long long)c);
            first = false;
        }
    }
    fputs("},\"TKA\":{", f);
    for (uint32_t d = d0; d <= d1; d++)
        fprintf(f, "%s\"%u\":100", d == d0 ? "" : ",", d);
    fputs("}},\"events\":[", f);
    for (size_t i = 0; i < g->n; i++) {
        const ct_acct_event *e = &g->ev[i];
        char from[43] = "null", to[43] = "null", tx[67] = "null";
        fprintf(f,
                "%s{\"height\":%u,\"tx_index\":%u,\"pos\":%u,\"time\":%u,\"kind\":%u,"
                "\"asset\":%u,\"amount\":",
                i ? "," : "", e->at.height, e->at.tx_index, e->at.pos, e->time, e->kind, e->asset);
        fprint_u256(f, &e->amount);
        if (e->from)
            addr_text(from, e->from);
        if (e->to)
            addr_text(to, e->to);
        if (e->at.tx_index != CT_ACCT_BLOCK_LEVEL) {
            tx[0] = '0', tx[1] = 'x';
            for (int k = 0; k < 32; k++)
                snprintf(tx + 2 + 2 * k, 3, "%02x", e->txhash[k]);
        }
        fprintf(f, e->from ? ",\"from\":\"%s\"" : ",\"from\":%s", from);
        fprintf(f, e->to ? ",\"to\":\"%s\"" : ",\"to\":%s", to);
        fprintf(f, e->at.tx_index != CT_ACCT_BLOCK_LEVEL ? ",\"tx\":\"%s\"}" : ",\"tx\":%s}", tx);
    }
    fputs("]}\n", f);
    cr_assert_eq(fclose(f), 0);
}

static bool node_is(const ct_json_doc *d, uint32_t i, const char *text)
{
    size_t len;
    const char *s = ct_json_raw(d, i, &len);
    return i && strlen(text) == len && memcmp(s, text, len) == 0;
}

static void expect_dec(const ct_json_doc *d, uint32_t i, const ct_u256 *v, const char *what,
                       int seed)
{
    char s[CT_U256_DEC_MAX];
    ct_u256_to_dec(s, sizeof(s), v);
    size_t len;
    const char *t = ct_json_raw(d, i, &len);
    cr_assert(node_is(d, i, s), "seed %d: %s: chaintrail %s, reference %.*s", seed, what, s,
              (int)len, t);
}

static void expect_num(const ct_json_doc *d, uint32_t i, unsigned __int128 v, const char *what,
                       int seed)
{
    char s[48];
    size_t n = 0;
    char tmp[48];
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t k = 0; k < n; k++)
        s[k] = tmp[n - 1 - k];
    s[n] = '\0';
    size_t len;
    const char *t = ct_json_raw(d, i, &len);
    cr_assert(node_is(d, i, s), "seed %d: %s: chaintrail %s, reference %.*s", seed, what, s,
              (int)len, t);
}

/* Compares the result with the reference's JSON: every model, asset, category and endpoint
 * (address, category, taint, hops, flows, blocks, USD, unpriced). */
static void compare(const ct_acct_trace_result *r, const char *json, size_t len, int seed)
{
    ct_json_doc d;
    ct_json_init(&d);
    ct_error err;
    cr_assert_eq(ct_json_parse(&d, json, len, NULL, &err), CT_OK, "reference output: %s",
                 err.detail);
    uint32_t models = ct_json_get(&d, 0, "models");
    cr_assert(models);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        uint32_t mo = ct_json_get(&d, models, ct_model_name((ct_model)m));
        size_t n_ref = mo ? ct_json_count(&d, mo) : 0;
        cr_assert_eq(r->n_assets, n_ref, "seed %d %s: %zu assets, reference %zu", seed,
                     ct_model_name((ct_model)m), r->n_assets, n_ref);
        for (size_t a = 0; a < r->n_assets; a++) {
            char key[16], what[160];
            snprintf(key, sizeof(key), "%u", r->assets[a].asset);
            uint32_t ao = ct_json_get(&d, mo, key);
            cr_assert(ao, "seed %d %s: asset %s not in the reference", seed,
                      ct_model_name((ct_model)m), key);
            const ct_acct_asset_result *ar = &r->model[m][a];
            snprintf(what, sizeof(what), "%s asset %s source", ct_model_name((ct_model)m), key);
            expect_dec(&d, ct_json_get(&d, ao, "source"), &ar->source, what, seed);
            uint32_t cats = ct_json_get(&d, ao, "categories");
            cr_assert_eq(ar->n_categories, ct_json_count(&d, cats), "seed %d: %s categories", seed,
                         ct_model_name((ct_model)m));
            for (size_t c = 0; c < ar->n_categories; c++) {
                const ct_acct_category *cat = &ar->categories[c];
                uint32_t co = ct_json_get(&d, cats, cat->name);
                snprintf(what, sizeof(what), "%s asset %s category %s", ct_model_name((ct_model)m),
                         key, cat->name);
                cr_assert(co, "seed %d: %s not in the reference", seed, what);
                expect_dec(&d, ct_json_get(&d, co, "amount"), &cat->amount, what, seed);
                expect_num(&d, ct_json_get(&d, co, "usd_cents"), cat->usd_cents, what, seed);
                expect_dec(&d, ct_json_get(&d, co, "unpriced"), &cat->unpriced, what, seed);
            }
            uint32_t eps = ct_json_get(&d, ao, "endpoints");
            cr_assert_eq(ar->n_endpoints, ct_json_count(&d, eps),
                         "seed %d %s asset %s: %zu endpoints, reference %u", seed,
                         ct_model_name((ct_model)m), key, ar->n_endpoints, ct_json_count(&d, eps));
            uint32_t eo = ct_json_first(&d, eps);
            for (size_t k = 0; k < ar->n_endpoints; k++, eo = ct_json_next(&d, eps, eo)) {
                const ct_acct_endpoint *e = &ar->endpoints[k];
                uint32_t f = ct_json_first(&d, eo);
                snprintf(what, sizeof(what), "%s asset %s endpoint %zu (%s %s)",
                         ct_model_name((ct_model)m), key, k, e->address, e->category);
                cr_assert(node_is(&d, f, e->address), "seed %d: %s: address", seed, what);
                f = ct_json_next(&d, eo, f);
                cr_assert(node_is(&d, f, e->category), "seed %d: %s: category", seed, what);
                f = ct_json_next(&d, eo, f);
                expect_dec(&d, f, &e->taint, what, seed);
                const unsigned __int128 nums[] = {e->hops,       e->flows,       e->first_height,
                                                  e->first_time, e->last_height, e->last_time,
                                                  e->usd_cents};
                for (size_t q = 0; q < sizeof(nums) / sizeof(nums[0]); q++) {
                    f = ct_json_next(&d, eo, f);
                    expect_num(&d, f, nums[q], what, seed);
                }
                f = ct_json_next(&d, eo, f);
                expect_dec(&d, f, &e->unpriced, what, seed);
            }
        }
    }
    ct_json_release(&d);
}

Test(acct_trace, random_chains_agree_with_the_reference)
{
    char *dir = tu_tmpdir();
    char in[512], out[512], cmd[2048];
    snprintf(in, sizeof(in), "%s/case.json", dir);
    snprintf(out, sizeof(out), "%s/ref.json", dir);
    uint64_t total_endpoints = 0, compared = 0;
    unsigned __int128 total_cents = 0;
    for (int seed = 1; seed <= 40; seed++) {
        rng r = {0x9e3779b97f4a7c15ULL * (uint64_t)seed};
        memg g;
        gen_random(&g, &r, 60 + (uint32_t)(rnd(&r) % 120));
        ct_trace_options o;
        ct_trace_options_init(&o);
        static const uint32_t hops[] = {1, 2, 3, 10, 10};
        o.hops = hops[rnd(&r) % 5];
        o.dust = rnd(&r) % 3 == 0 ? 50 : 0;
        /* sources: one or two addresses (sometimes within a window), or a transaction */
        ct_trace_source src[2];
        size_t n_src = 1;
        if (rnd(&r) % 3) {
            n_src = 1 + rnd(&r) % 2;
            for (size_t i = 0; i < n_src; i++) {
                src[i] = src_addr(1 + rnd(&r) % 11);
                if (rnd(&r) % 3 == 0) {
                    src[i].from_time = block_time((uint32_t)(rnd(&r) % 40));
                    src[i].to_time = src[i].from_time + 20000u * (uint32_t)(10 + rnd(&r) % 60);
                }
            }
        } else {
            const ct_acct_event *e;
            do
                e = &g.ev[rnd(&r) % g.n];
            while (e->at.tx_index == CT_ACCT_BLOCK_LEVEL || e->to == 0);
            src[0] = src_addr(1);
            src[0].spec[0] = '0', src[0].spec[1] = 'x';
            for (int k = 0; k < 32; k++)
                snprintf(src[0].spec + 2 + 2 * k, 3, "%02x", e->txhash[k]);
        }
        ct_acct_graph ag = mg_graph(&g);
        ct_acct_pricing pr = {NULL, r_value};
        ct_acct_trace_result res;
        ct_error err;
        ct_error_clear(&err);
        o.flows = o.poison_flows = seed % 2 == 0; /* the flows change nothing else */
        int rc = ct_acct_trace_run(&res, &ag, src, n_src, &o, &pr, &err);
        if (rc == CT_ENOTFOUND) { /* a source that received nothing in its window */
            ct_acct_trace_result_release(&res);
            mg_free(&g);
            continue;
        }
        cr_assert_eq(rc, CT_OK, "seed %d: %s: %s", seed, err.reason, err.detail);
        expect_conservation(&res);
        write_case(in, &g, src, n_src, &o);
        snprintf(cmd, sizeof(cmd), "python3 '%s/../tests/tools/acct_reference.py' '%s' > '%s'",
                 CT_FIXTURES, in, out);
        cr_assert_eq(system(cmd), 0, "seed %d: the reference failed: %s", seed, cmd);
        size_t len;
        char *json = (char *)tu_read_file(out, &len);
        cr_assert_not_null(json);
        compare(&res, json, len, seed);
        compared++;
        for (size_t a = 0; a < res.n_assets; a++) {
            total_endpoints += res.model[CT_MODEL_FIFO][a].n_endpoints;
            total_cents += res.model[CT_MODEL_FIFO][a].laundered_usd_cents;
            for (size_t k = 0; k < res.model[CT_MODEL_FIFO][a].n_categories; k++)
                total_cents += res.model[CT_MODEL_FIFO][a].categories[k].usd_cents;
        }
        free(json);
        ct_acct_trace_result_release(&res);
        mg_free(&g);
    }
    cr_assert_geq(compared, 30, "only %llu of 40 random cases had a source",
                  (unsigned long long)compared);
    fprintf(stderr, "acct_trace: %llu random chains, %llu FIFO endpoints, all equal\n",
            (unsigned long long)compared, (unsigned long long)total_endpoints);
    cr_assert_gt(total_cents, 100000, "the random chains hardly carried priced value");
    cr_assert_gt(total_endpoints, 100, "the random chains hardly carried taint: %llu endpoints",
                 (unsigned long long)total_endpoints);
    tu_rmtree(dir);
    free(dir);
}

/* The account tracer keeps at most max_nodes endpoints per model and asset: address 1
 * receives 6,000 wei (the source) and sends 100 to each of 2..61; with max_nodes 10, each
 * model keeps at most 10 endpoints of ETH, the rest of the value is the budget endpoint
 * without an address, and the totals add up. (Each transfer is one event of the event
 * budget, so this bound held before too; it guards it. What was unbounded here was the
 * replay of a long ledger history on activation, which now reads the clock.) */
Test(acct_trace, a_fan_out_keeps_at_most_max_nodes_endpoints)
{
    memg g;
    mg_init(&g, 63);
    ev(&g, 1, 0, 0, CT_ACCT_NATIVE, 0, 63, 1, 6000);
    for (uint32_t i = 0; i < 60; i++)
        ev(&g, 2, i, 0, CT_ACCT_NATIVE, 0, 1, 2 + i, 100);
    mg_done(&g);
    ct_trace_options o;
    ct_trace_options_init(&o);
    o.max_nodes = 10;
    ct_trace_source s = src_addr(1);
    ct_acct_trace_result r;
    run(&g, &r, &s, 1, &o);
    cr_assert_not(r.complete);
    cr_assert_str_eq(r.incomplete_reason, "max-nodes reached");
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_acct_asset_result *x = &r.model[m][asset_index(&r, "ETH")];
        cr_assert_leq(x->n_endpoints, 10, "%s: %zu endpoints", ct_model_name((ct_model)m),
                      x->n_endpoints);
        uint64_t budget = 0, rest = 0;
        for (size_t i = 0; i < x->n_endpoints; i++) {
            if (strcmp(x->endpoints[i].category, "budget") == 0 && !x->endpoints[i].address[0])
                budget += u64(&x->endpoints[i].taint);
            else
                rest += u64(&x->endpoints[i].taint);
        }
        cr_assert_gt(budget, 0, "%s", ct_model_name((ct_model)m));
        cr_assert_eq(budget + rest, 6000, "%s", ct_model_name((ct_model)m));
    }
    expect_conservation(&r);
    ct_acct_trace_result_release(&r);
    mg_free(&g);
}
