/* The account-model tracer: follows taint through the (address, asset) ledgers of an account
 * chain under the five models of docs/taint-models.md ("Account chains"), all at once, event
 * by event in (height, tx index, position) order.
 *
 * Only the ledgers that hold taint are followed ("active"). A min-heap holds the position of
 * each active ledger's next event (ct_acct_graph.ledger_next) and the source transfers not
 * reached yet; the walk pops the smallest, processes that event once for both its sides
 * (sender, receiver) and every model, and pushes the ledgers' next events. A ledger that no
 * longer holds taint in any model is dropped and only its balance and position are kept
 * ("dormant"), so memory is the frontier plus 48 bytes per ledger ever followed. When taint
 * reaches a ledger that was never followed, its balance is replayed from its earlier events
 * (all clean by construction: any taint that reached it before was followed or stopped).
 *
 * Per model a ledger keeps:
 *   FIFO, LIFO: a deque of lots (pieces) in arrival order, each clean or tainted (with the
 *               hop and block at which its taint arrived);
 *   TIHO:       the tainted lots in arrival order and the clean balance;
 *   haircut:    the tainted amount (the balance is shared by the models);
 *   poison:     whether it was ever tainted.
 * Amounts are ct_u256 everywhere. The tracer sees the chain only through ct_acct_graph.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chaintrail/acct_trace.h"
#include "base/hmap.h"
#include "taint/trace_common.h"
#include "base/util.h"

typedef unsigned __int128 u128;

/* Subtraction and addition that cannot wrap (b <= a; a sum bounded by a balance). */
static void sub_le(ct_u256 *r, const ct_u256 *a, const ct_u256 *b)
{
    if (ct_u256_sub(r, a, b))
        memset(r, 0, sizeof(*r));
}

static void add_le(ct_u256 *r, const ct_u256 *a, const ct_u256 *b)
{
    if (ct_u256_add(r, a, b))
        memset(r, 0xff, sizeof(*r));
}

/* ---- lots ---- */
typedef struct piece {
    ct_u256 amount;
    uint32_t hop; /* tainted pieces: the hop at which the taint arrived */
    uint32_t height, time;
    bool tainted;
} piece;

/* A ring buffer of pieces (capacity a power of two). */
typedef struct deque {
    piece *v;
    size_t head, n, cap;
} deque;

static piece *dq_at(const deque *d, size_t i)
{
    return &d->v[(d->head + i) & (d->cap - 1)];
}

static int dq_grow(deque *d)
{
    if (d->n < d->cap)
        return CT_OK;
    size_t ncap = d->cap ? d->cap * 2 : 4;
    piece *nv = malloc(ncap * sizeof(*nv));
    if (!nv)
        return CT_ENOMEM;
    for (size_t i = 0; i < d->n; i++)
        nv[i] = *dq_at(d, i);
    free(d->v);
    d->v = nv;
    d->head = 0;
    d->cap = ncap;
    return CT_OK;
}

static bool same_kind(const piece *a, const piece *b)
{
    if (a->tainted != b->tainted)
        return false;
    return !a->tainted || (a->hop == b->hop && a->height == b->height && a->time == b->time);
}

/* Appends p at the newest end, merged with the newest piece when of the same kind. */
static int dq_push_back(deque *d, const piece *p)
{
    if (d->n > 0) {
        piece *last = dq_at(d, d->n - 1);
        if (same_kind(last, p)) {
            bool ovf = ct_u256_add(&last->amount, &last->amount, &p->amount);
            return ovf ? CT_EINVAL : CT_OK;
        }
    }
    if (dq_grow(d))
        return CT_ENOMEM;
    *dq_at(d, d->n) = *p;
    d->n++;
    return CT_OK;
}

static int dq_push_front(deque *d, const piece *p)
{
    if (d->n > 0) {
        piece *first = dq_at(d, 0);
        if (same_kind(first, p)) {
            bool ovf = ct_u256_add(&first->amount, &first->amount, &p->amount);
            return ovf ? CT_EINVAL : CT_OK;
        }
    }
    if (dq_grow(d))
        return CT_ENOMEM;
    d->head = (d->head + d->cap - 1) & (d->cap - 1);
    *dq_at(d, 0) = *p;
    d->n++;
    return CT_OK;
}

static void dq_free(deque *d)
{
    free(d->v);
    memset(d, 0, sizeof(*d));
}

/* ---- ledgers ---- */
typedef struct mledger {
    deque lots;    /* FIFO, LIFO: every lot; TIHO: the tainted lots */
    ct_u256 clean; /* TIHO: the clean balance */
    ct_u256 taint; /* haircut: the tainted amount */
    bool poisoned; /* poison */
    /* haircut, poison: since the ledger was last clean, the fewest hops and the first and
     * last block at which taint arrived */
    uint32_t hop, first_height, first_time, last_height, last_time;
} mledger;

typedef struct ledger {
    uint64_t addrid;
    uint32_t asset;
    uint32_t aidx;   /* index in tracer.asset */
    uint64_t gen;    /* of its live heap entry */
    uint64_t dorm;   /* 1 + its record in tracer.dorm when it was dormant before, else 0 */
    ct_u256 balance; /* the same in every model */
    bool has_next;
    ct_acct_event next; /* its next event, not processed yet */
    mledger m[CT_MODEL_COUNT];
} ledger;

typedef struct dormant {
    ct_acct_pos last; /* the last event already in balance */
    ct_u256 balance;
} dormant;

#define DORMANT_BIT (UINT64_C(1) << 63)

/* ---- heap ---- */
enum { ENTRY_SOURCE = 0, ENTRY_LEDGER = 1 };

typedef struct hentry {
    ct_acct_pos at;
    uint8_t type;  /* sources first at the same position: they activate the ledger */
    uint32_t slot; /* ENTRY_LEDGER */
    uint64_t gen;
    uint64_t addrid; /* ENTRY_SOURCE: the receiving ledger */
    uint32_t asset;
    int32_t src; /* ENTRY_SOURCE: index of the address source, -1 for a transaction's */
} hentry;

/* ---- results being built ---- */
typedef struct ep_acc {
    uint64_t addrid;
    char category[24];
    ct_u256 taint, unpriced;
    u128 usd_cents;
    ct_trace_span span;
    uint64_t flows;
} ep_acc;

/* A flow being recorded (acct_trace.h, ct_acct_flow). */
typedef struct flow_rec {
    ct_acct_pos at;
    uint32_t time, hop;
    uint8_t kind;
    uint8_t txhash[32];
    uint64_t from, to;
    ct_u256 taint;
    uint32_t ep; /* 1 + index in asset_acc.ep; 0: carried on, or a fee */
} flow_rec;

typedef struct asset_acc {
    ct_u256 source;
    ct_acct_category *cat;
    size_t n_cat, cap_cat;
    ep_acc *ep;
    size_t n_ep, cap_ep;
    flow_rec *fl;
    size_t n_fl, cap_fl;
    ct_acct_hop_total *hop;
    size_t n_hop, cap_hop;
} asset_acc;

typedef struct asset_ent {
    ct_acct_asset_info info;
    bool priced; /* a price asset and known decimals */
    asset_acc acc[CT_MODEL_COUNT];
} asset_ent;

/* Flows: the addresses they name, each asked of the graph once. */
typedef struct addr_cache {
    ct_hmap map; /* addrid -> index in v */
    char (*v)[43];
    size_t n, cap;
} addr_cache;

typedef struct addr_src {
    uint64_t addrid;
    int64_t from, to;
} addr_src;

typedef struct tracer {
    const ct_acct_graph *g;
    const ct_trace_options *o;
    const ct_acct_pricing *pricing;
    ct_error *err;
    unsigned models;
    /* ledgers */
    ct_hmap lmap; /* addrid + asset -> slot, or DORMANT_BIT | index in dorm */
    ledger *led;
    size_t n_led, cap_led;
    uint32_t *free_slots;
    size_t n_free, cap_free;
    dormant *dorm;
    size_t n_dorm, cap_dorm;
    uint64_t gen;
    /* heap */
    hentry *heap;
    size_t heap_n, heap_cap;
    /* sources */
    addr_src *asrc;
    size_t n_asrc;
    ct_hmap txsrc; /* positions of the transfers of source transactions */
    /* assets */
    ct_hmap amap; /* asset -> index */
    asset_ent *asset;
    size_t n_asset, cap_asset;
    ct_hmap eps[CT_MODEL_COUNT]; /* aidx + addrid + category -> endpoint index */
    ct_label_cache labels; /* addrid -> label category */
    ct_target_set targets; /* connect: addresses that stop the trace */
    /* scratch: the pieces leaving the sender, per model */
    piece *xf[CT_MODEL_COUNT];
    size_t n_xf[CT_MODEL_COUNT], cap_xf[CT_MODEL_COUNT];
    uint64_t processed, source_events;
    bool flows, poison_whole; /* opts->flows, opts->poison_flows */
    uint64_t max_flows, n_flows;
    addr_cache ac;
    bool out_of_budget;
    bool timed_out; /* past the deadline: no ledger is activated any more */
    char budget_reason[64];
    ct_trace_budget budget;
} tracer;

static int oom(tracer *t)
{
    return ct_fail(t->err, CT_ENOMEM, "out-of-memory", "during the account trace");
}

/* ---- budgets (as the Bitcoin tracer's): max_nodes bounds the events processed, the
 * ledgers active at once and the endpoints of each model and asset (the last one being the
 * "budget" endpoint without an address); the clock is read in the loops that can grow. */
static void trip(tracer *t, const char *reason)
{
    if (!t->out_of_budget) {
        t->out_of_budget = true;
        snprintf(t->budget_reason, sizeof(t->budget_reason), "%s", reason);
    }
}

/* One unit of work in a loop: true when the time is up. */
static bool timed_out(tracer *t)
{
    char reason[64];
    if (!t->timed_out && ct_trace_budget_tick(&t->budget, reason, sizeof(reason))) {
        t->timed_out = true;
        trip(t, reason);
    }
    return t->timed_out;
}

/* Whether one more ledger may be activated to follow taint. */
static bool can_follow(tracer *t)
{
    if (timed_out(t))
        return false;
    if (t->o->max_nodes && t->n_led - t->n_free >= t->o->max_nodes) {
        trip(t, "max-nodes reached (ledgers)");
        return false;
    }
    return true;
}

static int too_big(tracer *t, const asset_ent *a)
{
    return ct_fail(t->err, CT_EINVAL, "amount-overflow",
                   "a total of asset %s %s exceeds 2^256-1 units", a->info.symbol,
                   a->info.contract);
}

static bool hop_model(int m)
{
    return m == CT_MODEL_FIFO || m == CT_MODEL_LIFO || m == CT_MODEL_TIHO;
}

/* ---- heap ---- */
static int hcmp(const hentry *a, const hentry *b)
{
    int c = ct_acct_pos_cmp(&a->at, &b->at);
    if (c)
        return c;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    if (a->addrid != b->addrid)
        return a->addrid < b->addrid ? -1 : 1;
    if (a->asset != b->asset)
        return a->asset < b->asset ? -1 : 1;
    return 0;
}

static int heap_push(tracer *t, const hentry *x)
{
    if (t->heap_n == t->heap_cap) {
        size_t ncap = t->heap_cap ? t->heap_cap * 2 : 64;
        hentry *nh = realloc(t->heap, ncap * sizeof(*nh));
        if (!nh)
            return oom(t);
        t->heap = nh;
        t->heap_cap = ncap;
    }
    size_t i = t->heap_n++;
    while (i > 0 && hcmp(&t->heap[(i - 1) / 2], x) > 0) {
        t->heap[i] = t->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    t->heap[i] = *x;
    return CT_OK;
}

static hentry heap_pop(tracer *t)
{
    hentry top = t->heap[0], x = t->heap[--t->heap_n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->heap_n)
            break;
        if (c + 1 < t->heap_n && hcmp(&t->heap[c + 1], &t->heap[c]) < 0)
            c++;
        if (hcmp(&t->heap[c], &x) >= 0)
            break;
        t->heap[i] = t->heap[c];
        i = c;
    }
    if (t->heap_n)
        t->heap[i] = x;
    return top;
}

/* ---- assets ---- */
static int asset_get(tracer *t, uint32_t asset, uint32_t *out)
{
    uint8_t key[4];
    uint64_t idx;
    ct_put_be32(key, asset);
    if (ct_hmap_get(&t->amap, key, 4, &idx)) {
        *out = (uint32_t)idx;
        return CT_OK;
    }
    if (t->n_asset == t->cap_asset) {
        size_t ncap = t->cap_asset ? t->cap_asset * 2 : 8;
        asset_ent *na = realloc(t->asset, ncap * sizeof(*na));
        if (!na)
            return oom(t);
        t->asset = na;
        t->cap_asset = ncap;
    }
    asset_ent *a = &t->asset[t->n_asset];
    memset(a, 0, sizeof(*a));
    a->info.asset = asset;
    int rc = t->g->asset_info(t->g->ctx, asset, a->info.symbol, sizeof(a->info.symbol),
                              &a->info.decimals, &a->info.known_decimals, a->info.contract, t->err);
    if (rc)
        return rc;
    a->info.symbol[sizeof(a->info.symbol) - 1] = '\0';
    a->info.contract[sizeof(a->info.contract) - 1] = '\0';
    /* The price table: the native coin's symbol (ETH on Ethereum: the graph names it from
     * the chain registry), else the token's symbol when it is a valid ticker. */
    char norm[17];
    const char *sym = a->info.symbol;
    if (sym[0] && strlen(sym) <= 16) {
        bool ok = true;
        size_t k = 0;
        for (; sym[k] && ok; k++) {
            char c = sym[k];
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
            ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            norm[k] = c;
        }
        norm[k] = '\0';
        if (ok)
            snprintf(a->info.price_asset, sizeof(a->info.price_asset), "%s", norm);
    }
    a->priced = a->info.price_asset[0] && a->info.known_decimals;
    idx = t->n_asset++;
    if (ct_hmap_put(&t->amap, key, 4, idx))
        return oom(t);
    *out = (uint32_t)idx;
    return CT_OK;
}

/* ---- results ---- */
/* USD of a flow; *priced false when there is no price for it. */
static int value_of(tracer *t, const asset_ent *a, const ct_u256 *amount, uint32_t time,
                    uint64_t *cents, bool *priced)
{
    *cents = 0;
    *priced = false;
    if (!t->pricing || !a->priced)
        return CT_OK;
    int rc = t->pricing->value(t->pricing->ctx, a->info.price_asset, a->info.decimals, amount, time,
                               cents, t->err);
    if (rc == CT_ENOTFOUND)
        return CT_OK;
    if (rc == CT_OK)
        *priced = true;
    return rc;
}

static int add_category(tracer *t, int m, uint32_t aidx, const char *name, const ct_u256 *amount,
                        uint32_t time)
{
    asset_ent *a = &t->asset[aidx];
    asset_acc *acc = &a->acc[m];
    uint64_t cents;
    bool priced;
    int rc;
    if (ct_u256_is_zero(amount))
        return CT_OK;
    if ((rc = value_of(t, a, amount, time, &cents, &priced)))
        return rc;
    size_t i = 0;
    while (i < acc->n_cat && strcmp(acc->cat[i].name, name) != 0)
        i++;
    if (i == acc->n_cat) {
        if (acc->n_cat == acc->cap_cat) {
            size_t ncap = acc->cap_cat ? acc->cap_cat * 2 : 8;
            ct_acct_category *nc = realloc(acc->cat, ncap * sizeof(*nc));
            if (!nc)
                return oom(t);
            acc->cat = nc;
            acc->cap_cat = ncap;
        }
        memset(&acc->cat[i], 0, sizeof(acc->cat[i]));
        snprintf(acc->cat[i].name, sizeof(acc->cat[i].name), "%s", name);
        acc->n_cat++;
    }
    ct_acct_category *c = &acc->cat[i];
    if (ct_u256_add(&c->amount, &c->amount, amount))
        return too_big(t, a);
    if (priced)
        c->usd_cents += cents;
    else if (t->pricing && ct_u256_add(&c->unpriced, &c->unpriced, amount))
        return too_big(t, a);
    return CT_OK;
}

/* Records a flow of model m and asset aidx: the taint event ev carried (NULL: the taint left
 * in ledger addrid, which arrived by block (height, time)), stopped at endpoint ep (1 + index;
 * 0: none) of `category` ("" when carried on). Every flow counts in the totals per hop;
 * poison's are kept whole only when asked. */
static int record_flow(tracer *t, int m, uint32_t aidx, const ct_acct_event *ev, uint64_t addrid,
                       uint32_t height, uint32_t time, const ct_u256 *taint, uint32_t hop,
                       uint32_t ep, const char *category)
{
    asset_acc *acc = &t->asset[aidx].acc[m];
    if (!t->flows || ct_u256_is_zero(taint))
        return CT_OK;
    size_t i = 0;
    while (i < acc->n_hop &&
           !(acc->hop[i].hop == hop && strcmp(acc->hop[i].category, category) == 0))
        i++;
    if (i == acc->n_hop) {
        if (acc->n_hop == acc->cap_hop) {
            size_t ncap = acc->cap_hop ? acc->cap_hop * 2 : 16;
            ct_acct_hop_total *nh = realloc(acc->hop, ncap * sizeof(*nh));
            if (!nh)
                return oom(t);
            acc->hop = nh;
            acc->cap_hop = ncap;
        }
        memset(&acc->hop[i], 0, sizeof(acc->hop[i]));
        acc->hop[i].hop = hop;
        snprintf(acc->hop[i].category, sizeof(acc->hop[i].category), "%s", category);
        acc->n_hop++;
    }
    acc->hop[i].flows++;
    if (ct_u256_add(&acc->hop[i].taint, &acc->hop[i].taint, taint))
        return too_big(t, &t->asset[aidx]);
    if (m == CT_MODEL_POISON && !t->poison_whole)
        return CT_OK;
    if (acc->n_fl == acc->cap_fl) {
        size_t ncap = acc->cap_fl ? acc->cap_fl * 2 : 64;
        flow_rec *nf = realloc(acc->fl, ncap * sizeof(*nf));
        if (!nf)
            return oom(t);
        acc->fl = nf;
        acc->cap_fl = ncap;
    }
    flow_rec *f = &acc->fl[acc->n_fl++];
    memset(f, 0, sizeof(*f));
    if (ev) {
        f->at = ev->at;
        f->time = ev->time;
        f->kind = ev->kind;
        memcpy(f->txhash, ev->txhash, 32);
        f->from = ev->from;
        f->to = ev->to;
    } else {
        f->at = (ct_acct_pos){height, CT_ACCT_BLOCK_LEVEL, CT_ACCT_BLOCK_LEVEL};
        f->time = time;
        f->from = f->to = addrid;
    }
    f->taint = *taint;
    f->hop = hop;
    f->ep = ep;
    t->n_flows++;
    return CT_OK;
}

/* Adds taint to the endpoint (addrid, category) of model m and asset aidx: `flows` flows
 * whose taint arrived between the blocks (fh, ft) and (lh, lt), valued at the date of lt;
 * and its flow: the transfer ev, or (NULL) the taint left in the ledger. */
static int add_endpoint(tracer *t, int m, uint32_t aidx, uint64_t addrid, const char *category,
                        const ct_u256 *taint, uint32_t fh, uint32_t ft, uint32_t lh, uint32_t lt,
                        uint32_t hop, uint64_t flows, const ct_acct_event *ev)
{
    asset_ent *a = &t->asset[aidx];
    asset_acc *acc = &a->acc[m];
    uint8_t key[4 + 8 + 24];
    size_t cl = strlen(category);
    uint64_t idx, cents;
    bool priced;
    int rc;
    if (ct_u256_is_zero(taint))
        return CT_OK;
    ct_put_be32(key, aidx);
    ct_put_be64(key + 4, addrid);
    memcpy(key + 12, category, cl);
    bool found = ct_hmap_get(&t->eps[m], key, 12 + cl, &idx);
    if (!found && t->o->max_nodes && acc->n_ep + 1 >= t->o->max_nodes &&
        !(addrid == 0 && strcmp(category, "budget") == 0)) {
        /* No room for one more: the last slot is the budget endpoint's. */
        trip(t, "max-nodes reached (endpoints)");
        return add_endpoint(t, m, aidx, 0, "budget", taint, fh, ft, lh, lt, hop, flows, ev);
    }
    if ((rc = add_category(t, m, aidx, category, taint, lt)) ||
        (rc = value_of(t, a, taint, lt, &cents, &priced)))
        return rc;
    if (!found) {
        if (acc->n_ep == acc->cap_ep) {
            size_t ncap = acc->cap_ep ? acc->cap_ep * 2 : 16;
            ep_acc *ne = realloc(acc->ep, ncap * sizeof(*ne));
            if (!ne)
                return oom(t);
            acc->ep = ne;
            acc->cap_ep = ncap;
        }
        idx = acc->n_ep++;
        ep_acc *e = &acc->ep[idx];
        memset(e, 0, sizeof(*e));
        e->addrid = addrid;
        snprintf(e->category, sizeof(e->category), "%s", category);
        ct_trace_span_start(&e->span, fh, ft, lh, lt, hop);
        if (ct_hmap_put(&t->eps[m], key, 12 + cl, idx))
            return oom(t);
    }
    ep_acc *e = &acc->ep[idx];
    if (ct_u256_add(&e->taint, &e->taint, taint))
        return too_big(t, a);
    if (priced)
        e->usd_cents += cents;
    else if (t->pricing && ct_u256_add(&e->unpriced, &e->unpriced, taint))
        return too_big(t, a);
    e->flows += flows;
    ct_trace_span_widen(&e->span, fh, ft, lh, lt, hop);
    return record_flow(t, m, aidx, ev, addrid, lh, lt, taint, hop, (uint32_t)idx + 1, category);
}

/* ---- ledger lookup, activation, retirement ---- */
static void lkey(uint8_t key[12], uint64_t addrid, uint32_t asset)
{
    ct_put_be64(key, addrid);
    ct_put_be32(key + 8, asset);
}

/* The active ledger (addrid, asset), or NULL. */
static ledger *active_of(tracer *t, uint64_t addrid, uint32_t asset)
{
    uint8_t key[12];
    uint64_t v;
    lkey(key, addrid, asset);
    if (!ct_hmap_get(&t->lmap, key, 12, &v) || (v & DORMANT_BIT))
        return NULL;
    return &t->led[v];
}

/* The balance of an event for the ledger addrid: outgoing first (spending beyond the balance
 * spends a clean lot of unknown origin: the balance falls to zero), then incoming. */
static int replay_event(tracer *t, ct_u256 *bal, uint64_t addrid, const ct_acct_event *ev,
                        const asset_ent *a)
{
    if (ev->from == addrid) {
        if (ct_u256_cmp(&ev->amount, bal) >= 0)
            *bal = ct_u256_from_u64(0);
        else if (ct_u256_sub(bal, bal, &ev->amount))
            return too_big(t, a);
    }
    if (ev->to == addrid && ct_u256_add(bal, bal, &ev->amount))
        return too_big(t, a);
    return CT_OK;
}

static int push_ledger(tracer *t, ledger *l)
{
    hentry e;
    memset(&e, 0, sizeof(e));
    e.at = l->next.at;
    e.type = ENTRY_LEDGER;
    e.slot = (uint32_t)(l - t->led);
    e.gen = l->gen = ++t->gen;
    e.addrid = l->addrid;
    e.asset = l->asset;
    e.src = -1;
    return heap_push(t, &e);
}

/* Makes (addrid, asset) active at event position `at` (not yet processed): its balance is
 * replayed from its earlier events (from where it went dormant, if it did), every model
 * starts with one clean lot of that balance, and its next event is the one at `at` (when
 * `at_is_next`) or the one after `at`. Returns the ledger in *out. */
static int activate(tracer *t, uint64_t addrid, uint32_t asset, const ct_acct_pos *at,
                    bool at_is_next, ledger **out)
{
    uint8_t key[12];
    uint64_t v;
    uint32_t aidx;
    int rc;
    ct_u256 bal = ct_u256_from_u64(0);
    ct_acct_pos after, *pafter = NULL;
    uint64_t dorm = 0;
    if ((rc = asset_get(t, asset, &aidx)))
        return rc;
    lkey(key, addrid, asset);
    if (ct_hmap_get(&t->lmap, key, 12, &v)) { /* dormant */
        dorm = (v & ~DORMANT_BIT) + 1;
        after = t->dorm[dorm - 1].last;
        bal = t->dorm[dorm - 1].balance;
        pafter = &after;
    }
    ct_acct_event ev;
    bool found = false;
    for (;;) {
        rc = t->g->ledger_next(t->g->ctx, addrid, asset, pafter, &ev, t->err);
        if (rc == CT_ENOTFOUND)
            break;
        if (rc)
            return rc;
        int c = ct_acct_pos_cmp(&ev.at, at);
        if (c >= 0) {
            found = c == 0;
            break;
        }
        if ((rc = replay_event(t, &bal, addrid, &ev, &t->asset[aidx])))
            return rc;
        if (timed_out(t)) /* a long history: the time may run out in the replay */
            return CT_EEOF;
        after = ev.at;
        pafter = &after;
    }
    if (!found)
        return ct_fail(t->err, CT_ECORRUPT, "bad-graph",
                       "ledger_next of address id %llu asset %u skips the event at height %u "
                       "tx %u position %u",
                       (unsigned long long)addrid, asset, at->height, at->tx_index, at->pos);
    size_t slot;
    if (t->n_free > 0) {
        slot = t->free_slots[--t->n_free];
    } else {
        if (t->n_led == t->cap_led) {
            size_t ncap = t->cap_led ? t->cap_led * 2 : 64;
            ledger *nl = realloc(t->led, ncap * sizeof(*nl));
            if (!nl)
                return oom(t);
            t->led = nl;
            t->cap_led = ncap;
        }
        slot = t->n_led++;
    }
    ledger *l = &t->led[slot];
    memset(l, 0, sizeof(*l));
    l->addrid = addrid;
    l->asset = asset;
    l->aidx = aidx;
    l->dorm = dorm;
    l->balance = bal;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        if (!(t->models & (1u << m)))
            continue;
        if (m == CT_MODEL_TIHO) {
            l->m[m].clean = bal;
        } else if ((m == CT_MODEL_FIFO || m == CT_MODEL_LIFO) && !ct_u256_is_zero(&bal)) {
            piece p;
            memset(&p, 0, sizeof(p));
            p.amount = bal;
            if (dq_push_back(&l->m[m].lots, &p))
                return oom(t);
        }
    }
    if (ct_hmap_put(&t->lmap, key, 12, slot))
        return oom(t);
    if (at_is_next) {
        l->next = ev;
        l->has_next = true;
    } else {
        rc = t->g->ledger_next(t->g->ctx, addrid, asset, at, &l->next, t->err);
        if (rc && rc != CT_ENOTFOUND)
            return rc;
        l->has_next = rc == CT_OK;
    }
    *out = l;
    return CT_OK;
}

static bool holds_taint(const tracer *t, const ledger *l)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        if (!(t->models & (1u << m)))
            continue;
        const mledger *s = &l->m[m];
        switch (m) {
        case CT_MODEL_POISON:
            if (s->poisoned)
                return true;
            break;
        case CT_MODEL_HAIRCUT:
            if (!ct_u256_is_zero(&s->taint))
                return true;
            break;
        default:
            for (size_t i = 0; i < s->lots.n; i++)
                if (dq_at(&s->lots, i)->tainted)
                    return true;
        }
    }
    return false;
}

static int cmp_block(const void *a, const void *b)
{
    const piece *x = a, *y = b;
    if (x->height != y->height)
        return x->height < y->height ? -1 : 1;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return 0;
}

/* FIFO, LIFO, TIHO: the tainted lots left, summed per block of arrival (the taint that
 * reached the address in one block is one flow for USD: one rounding per block), at the
 * fewest hops among them. The ledger counts as one flow. */
static int emit_lots(tracer *t, int m, ledger *l, const char *category)
{
    const deque *d = &l->m[m].lots;
    size_t n = 0;
    piece *v = malloc((d->n ? d->n : 1) * sizeof(*v));
    if (!v)
        return oom(t);
    for (size_t i = 0; i < d->n; i++)
        if (dq_at(d, i)->tainted)
            v[n++] = *dq_at(d, i);
    qsort(v, n, sizeof(*v), cmp_block);
    int rc = CT_OK;
    uint64_t flows = 1;
    for (size_t i = 0; i < n && rc == CT_OK;) {
        piece sum = v[i];
        size_t k = i + 1;
        for (; k < n && cmp_block(&v[k], &sum) == 0; k++) {
            add_le(&sum.amount, &sum.amount, &v[k].amount);
            if (v[k].hop < sum.hop)
                sum.hop = v[k].hop;
        }
        rc = add_endpoint(t, m, l->aidx, l->addrid, category, &sum.amount, sum.height, sum.time,
                          sum.height, sum.time, sum.hop, flows, NULL);
        flows = 0;
        i = k;
    }
    free(v);
    return rc;
}

/* The taint left in a ledger becomes endpoints of `category` at its address. */
static int emit_remainder(tracer *t, ledger *l, const char *category)
{
    int rc = CT_OK;
    for (int m = 0; m < CT_MODEL_COUNT && rc == CT_OK; m++) {
        if (!(t->models & (1u << m)))
            continue;
        mledger *s = &l->m[m];
        if (m == CT_MODEL_POISON && s->poisoned)
            rc = add_endpoint(t, m, l->aidx, l->addrid, category, &l->balance, s->first_height,
                              s->first_time, s->last_height, s->last_time, s->hop, 1, NULL);
        else if (m == CT_MODEL_HAIRCUT)
            rc = add_endpoint(t, m, l->aidx, l->addrid, category, &s->taint, s->first_height,
                              s->first_time, s->last_height, s->last_time, s->hop, 1, NULL);
        else if (hop_model(m))
            rc = emit_lots(t, m, l, category);
    }
    return rc;
}

static void free_ledger_state(ledger *l)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        dq_free(&l->m[m].lots);
}

/* Drops an active ledger: dormant (balance and position kept) or gone for good. */
static int retire(tracer *t, ledger *l, const ct_acct_pos *last, bool keep)
{
    uint8_t key[12];
    lkey(key, l->addrid, l->asset);
    free_ledger_state(l);
    l->gen = 0;
    if (t->n_free == t->cap_free) {
        size_t ncap = t->cap_free ? t->cap_free * 2 : 64;
        uint32_t *nf = realloc(t->free_slots, ncap * sizeof(*nf));
        if (!nf)
            return oom(t);
        t->free_slots = nf;
        t->cap_free = ncap;
    }
    t->free_slots[t->n_free++] = (uint32_t)(l - t->led);
    if (!keep) {
        ct_hmap_del(&t->lmap, key, 12);
        return CT_OK;
    }
    if (l->dorm) { /* its record from an earlier rest is reused */
        t->dorm[l->dorm - 1].last = *last;
        t->dorm[l->dorm - 1].balance = l->balance;
        if (ct_hmap_put(&t->lmap, key, 12, DORMANT_BIT | (l->dorm - 1)))
            return oom(t);
        return CT_OK;
    }
    if (t->n_dorm == t->cap_dorm) {
        size_t ncap = t->cap_dorm ? t->cap_dorm * 2 : 64;
        dormant *nd = realloc(t->dorm, ncap * sizeof(*nd));
        if (!nd)
            return oom(t);
        t->dorm = nd;
        t->cap_dorm = ncap;
    }
    t->dorm[t->n_dorm].last = *last;
    t->dorm[t->n_dorm].balance = l->balance;
    if (ct_hmap_put(&t->lmap, key, 12, DORMANT_BIT | t->n_dorm))
        return oom(t);
    t->n_dorm++;
    return CT_OK;
}

/* After its event at `at`: the ledger moves to its next event, or stops at the tip (its taint
 * is `unspent`), or goes dormant when it holds no taint. */
static int advance(tracer *t, ledger *l, const ct_acct_pos *at)
{
    int rc = t->g->ledger_next(t->g->ctx, l->addrid, l->asset, at, &l->next, t->err);
    if (rc && rc != CT_ENOTFOUND)
        return rc;
    l->has_next = rc == CT_OK;
    if (!holds_taint(t, l))
        return retire(t, l, at, true);
    if (!l->has_next) {
        if ((rc = emit_remainder(t, l, "unspent")))
            return rc;
        return retire(t, l, at, false);
    }
    return push_ledger(t, l);
}

/* ---- the models at one event ---- */
static int xf_push(tracer *t, int m, const piece *p)
{
    if (t->n_xf[m] > 0) {
        piece *last = &t->xf[m][t->n_xf[m] - 1];
        if (same_kind(last, p)) {
            if (ct_u256_add(&last->amount, &last->amount, &p->amount))
                return CT_EINVAL;
            return CT_OK;
        }
    }
    if (t->n_xf[m] == t->cap_xf[m]) {
        size_t ncap = t->cap_xf[m] ? t->cap_xf[m] * 2 : 16;
        piece *nx = realloc(t->xf[m], ncap * sizeof(*nx));
        if (!nx)
            return oom(t);
        t->xf[m] = nx;
        t->cap_xf[m] = ncap;
    }
    t->xf[m][t->n_xf[m]++] = *p;
    return CT_OK;
}

/* Takes x from the deque, oldest first (front) or newest first (back), into xf[m]. */
static int take_lots(tracer *t, int m, deque *d, ct_u256 x, bool front)
{
    while (!ct_u256_is_zero(&x) && d->n > 0) {
        piece *p = front ? dq_at(d, 0) : dq_at(d, d->n - 1);
        piece part = *p;
        if (ct_u256_cmp(&p->amount, &x) > 0) {
            part.amount = x;
            sub_le(&p->amount, &p->amount, &x);
        } else {
            if (front) {
                d->head = (d->head + 1) & (d->cap - 1);
            }
            d->n--;
        }
        sub_le(&x, &x, &part.amount);
        int rc = xf_push(t, m, &part);
        if (rc)
            return rc == CT_ENOMEM ? rc : too_big(t, &t->asset[0]);
    }
    return CT_OK;
}

/* The sending side of an event in model m: the ledger gives `x`, *taint of it tainted, at
 * 1 + *hop (UINT32_MAX when no taint). For FIFO, LIFO and TIHO the pieces given are left in
 * xf[m] in the order they were taken. The caller has already topped the balance up with the
 * lot of unknown origin (`unknown`, zero when none). */
static int send(tracer *t, int m, ledger *l, const ct_u256 *x, const ct_u256 *unknown,
                ct_u256 *taint, uint32_t *hop)
{
    mledger *s = &l->m[m];
    asset_ent *a = &t->asset[l->aidx];
    int rc = CT_OK;
    *taint = ct_u256_from_u64(0);
    *hop = UINT32_MAX;
    t->n_xf[m] = 0;
    piece unk;
    memset(&unk, 0, sizeof(unk));
    unk.amount = *unknown;
    switch (m) {
    case CT_MODEL_POISON:
        if (s->poisoned) {
            *taint = *x;
            *hop = s->hop;
        }
        return CT_OK;
    case CT_MODEL_HAIRCUT: {
        /* floor(x * tainted / balance); l->balance already includes the unknown lot and
         * x <= balance, so the quotient fits. */
        if (ct_u256_is_zero(&s->taint))
            return CT_OK;
        if ((rc = ct_u256_muldiv(taint, NULL, x, &s->taint, &l->balance, t->err)))
            return rc;
        sub_le(&s->taint, &s->taint, taint);
        *hop = s->hop;
        if (ct_u256_is_zero(&s->taint))
            s->hop = 0;
        return CT_OK;
    }
    case CT_MODEL_FIFO:
    case CT_MODEL_LIFO:
        if (!ct_u256_is_zero(unknown) && dq_push_front(&s->lots, &unk))
            return oom(t);
        rc = take_lots(t, m, &s->lots, *x, m == CT_MODEL_FIFO);
        break;
    default: { /* TIHO: tainted lots first, oldest first; then clean value */
        if (ct_u256_add(&s->clean, &s->clean, unknown))
            return too_big(t, a);
        if ((rc = take_lots(t, m, &s->lots, *x, true)))
            return rc;
        ct_u256 given = ct_u256_from_u64(0);
        for (size_t i = 0; i < t->n_xf[m]; i++)
            add_le(&given, &given, &t->xf[m][i].amount);
        ct_u256 rest;
        sub_le(&rest, x, &given);
        if (!ct_u256_is_zero(&rest)) {
            piece c;
            memset(&c, 0, sizeof(c));
            c.amount = rest;
            sub_le(&s->clean, &s->clean, &rest);
            if ((rc = xf_push(t, m, &c)))
                return rc == CT_ENOMEM ? rc : too_big(t, a);
        }
        break;
    }
    }
    if (rc)
        return rc;
    for (size_t i = 0; i < t->n_xf[m]; i++) {
        const piece *p = &t->xf[m][i];
        if (!p->tainted)
            continue;
        add_le(taint, taint, &p->amount);
        if (p->hop < *hop)
            *hop = p->hop;
    }
    return CT_OK;
}

/* Taint (or clean value) arriving in an active ledger: x in total, `taint` of it tainted at
 * `hop`; for FIFO, LIFO and TIHO the pieces are given (keep_marks: they keep their own hops
 * and blocks, as in a self-transfer), else one piece of the whole is made. */
static int receive(tracer *t, int m, ledger *l, const ct_acct_event *ev, const ct_u256 *x,
                   const ct_u256 *taint, uint32_t hop, const piece *pieces, size_t n_pieces,
                   bool keep_marks)
{
    mledger *s = &l->m[m];
    asset_ent *a = &t->asset[l->aidx];
    bool tainted = !ct_u256_is_zero(taint);
    if (m == CT_MODEL_POISON || m == CT_MODEL_HAIRCUT) {
        if (!tainted)
            return CT_OK;
        bool was = m == CT_MODEL_POISON ? s->poisoned : !ct_u256_is_zero(&s->taint);
        if (m == CT_MODEL_POISON)
            s->poisoned = true;
        else if (ct_u256_add(&s->taint, &s->taint, taint))
            return too_big(t, a);
        if (!was) {
            s->hop = hop;
            s->first_height = ev->at.height;
            s->first_time = ev->time;
        } else if (hop < s->hop) {
            s->hop = hop;
        }
        s->last_height = ev->at.height;
        s->last_time = ev->time;
        return CT_OK;
    }
    piece whole;
    memset(&whole, 0, sizeof(whole));
    if (!pieces) {
        whole.amount = *x;
        whole.tainted = tainted;
        pieces = &whole;
        n_pieces = 1;
    }
    for (size_t i = 0; i < n_pieces; i++) {
        piece p = pieces[i];
        if (p.tainted && !keep_marks) {
            p.hop = hop;
            p.height = ev->at.height;
            p.time = ev->time;
        }
        if (!p.tainted)
            p.hop = p.height = p.time = 0;
        int rc;
        if (m == CT_MODEL_TIHO && !p.tainted)
            rc = ct_u256_add(&s->clean, &s->clean, &p.amount) ? CT_EINVAL : CT_OK;
        else
            rc = dq_push_back(&s->lots, &p);
        if (rc)
            return rc == CT_ENOMEM ? oom(t) : too_big(t, a);
    }
    return CT_OK;
}

/* Whether the incoming event is a source transfer. */
static bool is_source(const tracer *t, const ct_acct_event *ev)
{
    if (ev->to == 0)
        return false;
    for (size_t i = 0; i < t->n_asrc; i++) {
        const addr_src *s = &t->asrc[i];
        if (s->addrid == ev->to && (s->from < 0 || ev->time >= s->from) &&
            (s->to < 0 || ev->time <= s->to))
            return true;
    }
    if (t->txsrc.used) {
        uint8_t key[12];
        uint64_t v;
        ct_put_be32(key, ev->at.height);
        ct_put_be32(key + 4, ev->at.tx_index);
        ct_put_be32(key + 8, ev->at.pos);
        return ct_hmap_get(&t->txsrc, key, 12, &v);
    }
    return false;
}

/* Processes one event for both of its sides and every model. */
static int process_event(tracer *t, const ct_acct_event *ev)
{
    int rc;
    ledger *S = NULL, *R = NULL;
    if (ev->from != 0 && (S = active_of(t, ev->from, ev->asset)) &&
        (!S->has_next || ct_acct_pos_cmp(&S->next.at, &ev->at) != 0))
        S = NULL; /* cannot happen: an active ledger's next event is the smallest */
    if (ev->to != 0 && (R = active_of(t, ev->to, ev->asset)) &&
        (!R->has_next || ct_acct_pos_cmp(&R->next.at, &ev->at) != 0))
        R = NULL;
    bool self = ev->from == ev->to && ev->from != 0;
    bool src = is_source(t, ev);
    if (src)
        t->source_events++;
    uint32_t aidx;
    if ((rc = asset_get(t, ev->asset, &aidx)))
        return rc;
    asset_ent *a = &t->asset[aidx];

    /* The sender: the balance is topped up with a lot of unknown origin when x exceeds it. */
    ct_u256 taint[CT_MODEL_COUNT], unknown = ct_u256_from_u64(0);
    uint32_t hop[CT_MODEL_COUNT];
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        taint[m] = ct_u256_from_u64(0);
        hop[m] = UINT32_MAX;
        t->n_xf[m] = 0;
    }
    if (S) {
        if (ct_u256_cmp(&ev->amount, &S->balance) > 0) {
            sub_le(&unknown, &ev->amount, &S->balance);
            S->balance = ev->amount;
        }
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            if ((t->models & (1u << m)) &&
                (rc = send(t, m, S, &ev->amount, &unknown, &taint[m], &hop[m])))
                return rc;
        sub_le(&S->balance, &S->balance, &ev->amount);
    }

    /* Fees: their own category, no address. */
    if (ev->to == 0) {
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            if ((t->models & (1u << m)) &&
                ((rc = add_category(t, m, aidx, "fee", &taint[m], ev->time)) ||
                 (rc = record_flow(t, m, aidx, ev, 0, 0, 0, &taint[m], hop[m] + 1, 0, "fee"))))
                return rc;
        return CT_OK;
    }

    /* The receiver. A self-transfer (not a source) puts the lots taken back at the newest
     * end with their own hops and blocks, and no stop rule applies: nothing left the
     * address. */
    if (self && S && !src) {
        if (ct_u256_add(&S->balance, &S->balance, &ev->amount))
            return too_big(t, a);
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            if (!(t->models & (1u << m)))
                continue;
            if (m == CT_MODEL_HAIRCUT) {
                /* the taint given comes back: the ledger is as before */
                if (!ct_u256_is_zero(&taint[m])) {
                    if (ct_u256_is_zero(&S->m[m].taint))
                        S->m[m].hop = hop[m];
                    add_le(&S->m[m].taint, &S->m[m].taint, &taint[m]);
                }
            } else if (m != CT_MODEL_POISON && (rc = receive(t, m, S, ev, &ev->amount, &taint[m], 0,
                                                             t->xf[m], t->n_xf[m], true))) {
                return rc;
            }
        }
        return CT_OK;
    }

    const char *cat = "";
    if ((rc = ct_label_cache_category(&t->labels, ev->to, &cat, t->err)))
        return rc;
    bool labelled = ct_trace_is_stop(t->o, cat), target = false;
    if ((rc = ct_target_is(&t->targets, ev->to, &target, t->err)))
        return rc;
    /* Per model: what arrives (taint, hop) and whether it stops here. */
    bool follow[CT_MODEL_COUNT], any_follow = false;
    int room = -1; /* whether a ledger may be activated for the receiver; -1: not asked */
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        follow[m] = false;
        if (!(t->models & (1u << m)))
            continue;
        if (src) {
            /* A source transfer is fully tainted at hop 0; only the part that was not
             * already tainted enters the trace. */
            ct_u256 fresh;
            sub_le(&fresh, &ev->amount, &taint[m]);
            if (ct_u256_add(&a->acc[m].source, &a->acc[m].source, &fresh))
                return too_big(t, a);
            taint[m] = ev->amount;
            hop[m] = 0;
            t->n_xf[m] = 0;
        } else if (ct_u256_is_zero(&taint[m])) {
            continue;
        } else {
            hop[m] = hop[m] + 1;
        }
        const char *stop = NULL;
        ct_u256 dust = ct_u256_from_u64(t->o->dust);
        /* The sources never stop the trace: the label and dust stops apply from hop 1 on. */
        if (labelled && hop[m] > 0)
            stop = cat;
        else if (target && hop[m] > 0)
            stop = "target";
        else if (hop[m] >= t->o->hops)
            stop = "hop_limit";
        else if (hop[m] > 0 && ct_u256_cmp(&taint[m], &dust) < 0)
            stop = "dust";
        else if (!R && (room < 0 ? (room = can_follow(t)) : room) == 0)
            stop = "budget"; /* no new ledger to follow it: its taint stays here */
        if (stop) {
            if ((rc = add_endpoint(t, m, aidx, ev->to, stop, &taint[m], ev->at.height, ev->time,
                                   ev->at.height, ev->time, hop[m], 1, ev)))
                return rc;
            taint[m] = ct_u256_from_u64(0); /* the receiver sees clean value */
            t->n_xf[m] = 0;
        } else {
            follow[m] = true;
            any_follow = true;
        }
    }
    if (!R && any_follow) {
        /* The event is processed now: the ledger starts after it. */
        if ((rc = activate(t, ev->to, ev->asset, &ev->at, false, &R)) == CT_EEOF) {
            /* the time ran out in its history: what it receives is budget, here */
            rc = CT_OK;
            for (int m = 0; m < CT_MODEL_COUNT && rc == CT_OK; m++)
                if (follow[m])
                    rc = add_endpoint(t, m, aidx, ev->to, "budget", &taint[m], ev->at.height,
                                      ev->time, ev->at.height, ev->time, hop[m], 1, ev);
            return rc;
        }
        if (rc)
            return rc;
        if (ct_u256_add(&R->balance, &R->balance, &ev->amount))
            return too_big(t, a);
        for (int m = 0; m < CT_MODEL_COUNT; m++) /* flows: the taint R carries on */
            if (follow[m] &&
                (rc = record_flow(t, m, aidx, ev, ev->to, 0, 0, &taint[m], hop[m], 0, "")))
                return rc;
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            if ((t->models & (1u << m)) &&
                (rc = receive(t, m, R, ev, &ev->amount, &taint[m], hop[m],
                              follow[m] && t->n_xf[m] ? t->xf[m] : NULL, t->n_xf[m], false)))
                return rc;
        /* R was not in the heap: place it now (the caller advances only the ledgers that
         * were active before the event). */
        if (!holds_taint(t, R))
            return retire(t, R, &ev->at, true);
        if (!R->has_next) {
            if ((rc = emit_remainder(t, R, "unspent")))
                return rc;
            return retire(t, R, &ev->at, false);
        }
        return push_ledger(t, R);
    }
    if (R) {
        if (ct_u256_add(&R->balance, &R->balance, &ev->amount))
            return too_big(t, a);
        for (int m = 0; m < CT_MODEL_COUNT; m++) /* flows: the taint R carries on */
            if (follow[m] &&
                (rc = record_flow(t, m, aidx, ev, ev->to, 0, 0, &taint[m], hop[m], 0, "")))
                return rc;
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            if ((t->models & (1u << m)) &&
                (rc = receive(t, m, R, ev, &ev->amount, &taint[m], hop[m],
                              follow[m] && t->n_xf[m] ? t->xf[m] : NULL, t->n_xf[m], false)))
                return rc;
    }
    return CT_OK;
}

/* ---- sources ---- */
static bool hexs(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ct_hex_digit((unsigned char)s[i]) < 0)
            return false;
    return true;
}

bool ct_acct_source_is(const char *spec)
{
    size_t len = strlen(spec);
    return spec[0] == '0' && (spec[1] == 'x' || spec[1] == 'X') && (len == 42 || len == 66) &&
           hexs(spec + 2, len - 2);
}

/* The next source transfer of address source i into ledger (addrid, asset) after `after`
 * (NULL: from the first event), pushed as a source entry; nothing when there is none. */
static int push_next_source(tracer *t, int32_t i, uint32_t asset, const ct_acct_pos *after)
{
    const addr_src *s = &t->asrc[i];
    ct_acct_event ev;
    ct_acct_pos cur;
    const ct_acct_pos *p = after;
    for (;;) {
        int rc = t->g->ledger_next(t->g->ctx, s->addrid, asset, p, &ev, t->err);
        if (rc == CT_ENOTFOUND)
            return CT_OK;
        if (rc)
            return rc;
        if (s->to >= 0 && ev.time > s->to) /* block times increase with height */
            return CT_OK;
        if (ev.to == s->addrid && (s->from < 0 || ev.time >= s->from))
            break;
        cur = ev.at;
        p = &cur;
    }
    hentry e;
    memset(&e, 0, sizeof(e));
    e.at = ev.at;
    e.type = ENTRY_SOURCE;
    e.addrid = s->addrid;
    e.asset = asset;
    e.src = i;
    return heap_push(t, &e);
}

/* The assets of a ledger are collected first and walked after, so that a source's ledgers
 * enter the heap in ascending asset order whatever the graph does in between. */
typedef struct asset_list {
    uint32_t *v;
    size_t n, cap;
    bool oom;
} asset_list;

static int on_asset(void *arg, uint32_t asset)
{
    asset_list *l = arg;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        uint32_t *nv = realloc(l->v, ncap * sizeof(*nv));
        if (!nv) {
            l->oom = true;
            return 1;
        }
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = asset;
    return 0;
}

typedef struct tx_walk {
    tracer *t;
    int rc;
} tx_walk;

static int on_tx_event(void *arg, const ct_acct_event *ev)
{
    tx_walk *w = arg;
    tracer *t = w->t;
    if (ev->to == 0 || ev->kind == CT_ACCT_REWARD)
        return 0; /* fees go to no one; the fee recipient's credit is no transfer */
    uint8_t key[12];
    ct_put_be32(key, ev->at.height);
    ct_put_be32(key + 4, ev->at.tx_index);
    ct_put_be32(key + 8, ev->at.pos);
    hentry e;
    memset(&e, 0, sizeof(e));
    e.at = ev->at;
    e.type = ENTRY_SOURCE;
    e.addrid = ev->to;
    e.asset = ev->asset;
    e.src = -1;
    if (ct_hmap_put(&t->txsrc, key, 12, 1) || heap_push(t, &e)) {
        w->rc = oom(t);
        return 1;
    }
    return 0;
}

static int resolve_sources(tracer *t, const ct_trace_source *src, size_t n)
{
    int rc;
    t->asrc = calloc(n, sizeof(*t->asrc));
    if (!t->asrc)
        return oom(t);
    for (size_t i = 0; i < n; i++) {
        const char *s = src[i].spec;
        size_t len = strlen(s);
        if (!ct_acct_source_is(s))
            return ct_fail(t->err, CT_EINVAL, "bad-source",
                           "'%s' is not an address (0x + 40 hex digits) or a transaction hash "
                           "(0x + 64 hex digits)",
                           s);
        if (len == 42) {
            uint64_t addrid;
            rc = t->g->addrid_of(t->g->ctx, s, &addrid, t->err);
            if (rc == CT_ENOTFOUND)
                return ct_fail(t->err, CT_ENOTFOUND, "source-not-found",
                               "address %s is not in the database", s);
            if (rc)
                return rc;
            int32_t k = (int32_t)t->n_asrc++;
            t->asrc[k] = (addr_src){addrid, src[i].from_time, src[i].to_time};
            asset_list al = {NULL, 0, 0, false};
            rc = t->g->ledger_assets(t->g->ctx, addrid, on_asset, &al, t->err);
            if (al.oom)
                rc = oom(t);
            if (rc == CT_ENOTFOUND)
                rc = CT_OK;
            for (size_t a = 0; a < al.n && rc == CT_OK; a++)
                rc = push_next_source(t, k, al.v[a], NULL);
            free(al.v);
            if (rc)
                return rc;
        } else {
            uint8_t hash[32];
            if (ct_hex_decode(hash, s + 2, 32) != CT_OK)
                return ct_fail(t->err, CT_EINVAL, "bad-source", "'%s' is not a hash", s);
            tx_walk w = {t, CT_OK};
            rc = t->g->tx_events(t->g->ctx, hash, on_tx_event, &w, t->err);
            if (w.rc)
                return w.rc;
            if (rc == CT_ENOTFOUND)
                return ct_fail(t->err, CT_ENOTFOUND, "source-not-found",
                               "transaction %s is not in the database", s);
            if (rc)
                return rc;
        }
    }
    if (t->heap_n == 0)
        return ct_fail(t->err, CT_ENOTFOUND, "source-not-found",
                       "the sources received nothing in the given window");
    return CT_OK;
}

/* Connect: the targets' addrids (no clusters on account chains). */
static int resolve_targets(tracer *t)
{
    size_t n = t->o->version >= 3 ? t->o->n_targets : 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = t->o->targets[i];
        uint64_t addrid, cid;
        if (strlen(s) != 42 || !ct_acct_source_is(s))
            return ct_fail(t->err, CT_EINVAL, "bad-target",
                           "'%.100s' (--to) is not an address (0x + 40 hex digits)", s);
        int rc = t->g->addrid_of(t->g->ctx, s, &addrid, t->err);
        if (rc == CT_ENOTFOUND)
            return ct_fail(t->err, CT_ENOTFOUND, "target-not-found",
                           "address %s (--to) is not in the database", s);
        if (rc || (rc = ct_target_set_add(&t->targets, addrid, &cid, t->err)))
            return rc;
    }
    return CT_OK;
}

/* ---- the walk ---- */
static int drain_budget(tracer *t)
{
    int rc = CT_OK;
    while (t->heap_n > 0 && rc == CT_OK) {
        hentry e = heap_pop(t);
        if (e.type != ENTRY_LEDGER || t->led[e.slot].gen != e.gen)
            continue;
        ledger *l = &t->led[e.slot];
        rc = emit_remainder(t, l, "budget");
        free_ledger_state(l);
        l->gen = 0;
    }
    return rc;
}

static int run_loop(tracer *t)
{
    int rc = CT_OK;
    while (t->heap_n > 0 && rc == CT_OK) {
        char reason[64];
        if (t->out_of_budget ||
            ct_trace_budget_spent(&t->budget, t->processed, reason, sizeof(reason))) {
            trip(t, reason); /* keeps a reason given inside the last event */
            return drain_budget(t);
        }
        if (t->n_flows > t->max_flows) {
            trip(t, "max-flows reached");
            return drain_budget(t);
        }
        hentry e = heap_pop(t);
        if (e.type == ENTRY_SOURCE) {
            ledger *l = active_of(t, e.addrid, e.asset);
            if (!l && (rc = activate(t, e.addrid, e.asset, &e.at, true, &l)) == CT_OK)
                rc = push_ledger(t, l);
            if (rc == CT_EEOF) /* out of time: the loop drains at its next turn */
                return drain_budget(t);
            if (rc == CT_OK && e.src >= 0)
                rc = push_next_source(t, e.src, e.asset, &e.at);
            continue;
        }
        if (t->led[e.slot].gen != e.gen)
            continue; /* stale: the ledger moved on with the other side of its event */
        ct_acct_event ev = t->led[e.slot].next;
        /* The ledgers active before the event (both sides) advance after it. */
        ledger *S = ev.from ? active_of(t, ev.from, ev.asset) : NULL;
        ledger *R = ev.to && ev.to != ev.from ? active_of(t, ev.to, ev.asset) : NULL;
        if (S && (!S->has_next || ct_acct_pos_cmp(&S->next.at, &ev.at) != 0))
            S = NULL;
        if (R && (!R->has_next || ct_acct_pos_cmp(&R->next.at, &ev.at) != 0))
            R = NULL;
        uint32_t s_slot = S ? (uint32_t)(S - t->led) : 0, r_slot = R ? (uint32_t)(R - t->led) : 0;
        bool has_s = S != NULL, has_r = R != NULL;
        if ((rc = process_event(t, &ev)))
            return rc;
        t->processed++;
        /* slots are stable (process_event may grow t->led: use indexes) */
        if (has_s && (rc = advance(t, &t->led[s_slot], &ev.at)))
            return rc;
        if (has_r && (rc = advance(t, &t->led[r_slot], &ev.at)))
            return rc;
    }
    return rc;
}

/* ---- result assembly ---- */
static int cmp_cat(const void *a, const void *b)
{
    return strcmp(((const ct_acct_category *)a)->name, ((const ct_acct_category *)b)->name);
}

static int cmp_ep(const void *a, const void *b)
{
    const ct_acct_endpoint *x = a, *y = b;
    int c = ct_u256_cmp(&x->taint, &y->taint);
    if (c)
        return -c;
    int r = strcmp(x->address, y->address);
    return r ? r : strcmp(x->category, y->category);
}

/* Endpoints sorted with their index before the sort, which the flows refer to. */
typedef struct ep_sort {
    ct_acct_endpoint e;
    size_t from;
} ep_sort;

static int cmp_ep_sort(const void *a, const void *b)
{
    return cmp_ep(&((const ep_sort *)a)->e, &((const ep_sort *)b)->e);
}

/* Flows: by hop, then position, then receiver. */
static int cmp_flow(const void *a, const void *b)
{
    const ct_acct_flow *x = a, *y = b;
    if (x->hop != y->hop)
        return x->hop < y->hop ? -1 : 1;
    int c = ct_acct_pos_cmp(&x->at, &y->at);
    return c ? c : strcmp(x->to, y->to);
}

static int cmp_hop_total(const void *a, const void *b)
{
    const ct_acct_hop_total *x = a, *y = b;
    if (x->hop != y->hop)
        return x->hop < y->hop ? -1 : 1;
    return strcmp(x->category, y->category);
}

/* The EIP-55 address of addrid into out ("" for 0), each address asked of the graph once. */
static int addr_text(tracer *t, addr_cache *c, uint64_t addrid, char out[43])
{
    uint8_t key[8];
    uint64_t idx;
    out[0] = '\0';
    if (addrid == 0)
        return CT_OK;
    ct_put_be64(key, addrid);
    if (!ct_hmap_get(&c->map, key, 8, &idx)) {
        if (c->n == c->cap) {
            size_t ncap = c->cap ? c->cap * 2 : 64;
            char(*nv)[43] = realloc(c->v, ncap * sizeof(*nv));
            if (!nv)
                return oom(t);
            c->v = nv;
            c->cap = ncap;
        }
        int rc = t->g->address_of(t->g->ctx, addrid, c->v[c->n], t->err);
        if (rc)
            return rc;
        c->v[c->n][42] = '\0';
        idx = c->n++;
        if (ct_hmap_put(&c->map, key, 8, idx))
            return oom(t);
    }
    memcpy(out, c->v[idx], 43);
    return CT_OK;
}

/* The flows of asset i in model m into r; inv maps the endpoints to their sorted index. */
static int finish_flows(tracer *t, size_t i, int m, ct_acct_asset_result *r, const size_t *inv,
                        addr_cache *ac)
{
    asset_ent *a = &t->asset[i];
    asset_acc *acc = &a->acc[m];
    int rc = CT_OK;
    r->hop_totals = acc->hop;
    r->n_hop_totals = acc->n_hop;
    acc->hop = NULL;
    acc->n_hop = 0;
    qsort(r->hop_totals, r->n_hop_totals, sizeof(*r->hop_totals), cmp_hop_total);
    r->flows_whole = m != CT_MODEL_POISON || t->poison_whole;
    if (!r->flows_whole || acc->n_fl == 0)
        return CT_OK;
    r->flows = calloc(acc->n_fl, sizeof(*r->flows));
    if (!r->flows)
        return oom(t);
    r->n_flows = acc->n_fl;
    for (size_t k = 0; k < acc->n_fl && rc == CT_OK; k++) {
        const flow_rec *x = &acc->fl[k];
        ct_acct_flow *f = &r->flows[k];
        f->at = x->at;
        f->time = x->time;
        f->kind = x->kind;
        memcpy(f->txhash, x->txhash, 32);
        f->taint = x->taint;
        f->hop = x->hop;
        f->endpoint = x->ep ? inv[x->ep - 1] : CT_TRACE_NONE;
        uint64_t cents;
        if ((rc = addr_text(t, ac, x->from, f->from)) || (rc = addr_text(t, ac, x->to, f->to)))
            break;
        rc = value_of(t, a, &x->taint, x->time, &cents, &f->priced);
        f->usd_cents = cents;
    }
    if (rc == CT_OK)
        qsort(r->flows, r->n_flows, sizeof(*r->flows), cmp_flow);
    return rc;
}

static int cmp_asset(const void *a, const void *b)
{
    uint32_t x = ((const asset_ent *)a)->info.asset, y = ((const asset_ent *)b)->info.asset;
    return x < y ? -1 : x > y;
}

static int finish(tracer *t, ct_acct_trace_result *res)
{
    int rc;
    /* The guard of --paths (max_path_steps, a step being a flow), as for Bitcoin. */
    uint64_t guard = t->o->version >= 2 ? t->o->max_path_steps : 0;
    if (t->o->paths && guard && t->n_flows > guard)
        return ct_fail(t->err, CT_ENOMEM, "paths-too-large",
                       "the paths hold more than %llu flows (the guard)",
                       (unsigned long long)guard);
    /* Only the assets that carried source value. */
    size_t n = 0;
    for (size_t i = 0; i < t->n_asset; i++) {
        bool any = false;
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            if ((t->models & (1u << m)) &&
                (!ct_u256_is_zero(&t->asset[i].acc[m].source) || t->asset[i].acc[m].n_cat))
                any = true;
        if (any)
            t->asset[n++] = t->asset[i];
        else
            for (int m = 0; m < CT_MODEL_COUNT; m++) {
                free(t->asset[i].acc[m].cat);
                free(t->asset[i].acc[m].ep);
                free(t->asset[i].acc[m].fl);
                free(t->asset[i].acc[m].hop);
            }
    }
    t->n_asset = n;
    qsort(t->asset, n, sizeof(*t->asset), cmp_asset);
    res->assets = calloc(n ? n : 1, sizeof(*res->assets));
    if (!res->assets)
        return oom(t);
    res->n_assets = n;
    for (size_t i = 0; i < n; i++)
        res->assets[i] = t->asset[i].info;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        if (!(t->models & (1u << m)))
            continue;
        res->model[m] = calloc(n ? n : 1, sizeof(*res->model[m]));
        if (!res->model[m])
            return oom(t);
        for (size_t i = 0; i < n; i++) {
            asset_acc *acc = &t->asset[i].acc[m];
            ct_acct_asset_result *r = &res->model[m][i];
            r->source = acc->source;
            r->categories = acc->cat;
            r->n_categories = acc->n_cat;
            acc->cat = NULL;
            acc->n_cat = 0;
            qsort(r->categories, r->n_categories, sizeof(*r->categories), cmp_cat);
            for (size_t c = 0; c < r->n_categories; c++)
                for (size_t k = 0; k < t->o->n_cashout; k++)
                    if (strcmp(r->categories[c].name, t->o->cashout[k]) == 0) {
                        if (ct_u256_add(&r->laundered, &r->laundered, &r->categories[c].amount) ||
                            ct_u256_add(&r->laundered_unpriced, &r->laundered_unpriced,
                                        &r->categories[c].unpriced))
                            return too_big(t, &t->asset[i]);
                        r->laundered_usd_cents += r->categories[c].usd_cents;
                    }
            r->endpoints = calloc(acc->n_ep ? acc->n_ep : 1, sizeof(*r->endpoints));
            if (!r->endpoints)
                return oom(t);
            r->n_endpoints = acc->n_ep;
            for (size_t k = 0; k < acc->n_ep; k++) {
                const ep_acc *s = &acc->ep[k];
                ct_acct_endpoint *e = &r->endpoints[k];
                snprintf(e->category, sizeof(e->category), "%s", s->category);
                e->taint = s->taint;
                e->unpriced = s->unpriced;
                e->usd_cents = s->usd_cents;
                e->first_time = s->span.first_time;
                e->last_time = s->span.last_time;
                e->first_height = s->span.first_height;
                e->last_height = s->span.last_height;
                e->hops = s->span.hops;
                e->flows = s->flows;
                if (s->addrid == 0) { /* the budget endpoint: no address */
                    e->address[0] = '\0';
                    continue;
                }
                if ((rc = t->g->address_of(t->g->ctx, s->addrid, e->address, t->err)))
                    return rc;
                e->address[sizeof(e->address) - 1] = '\0';
                bool target = false;
                if ((rc = ct_target_is(&t->targets, s->addrid, &target, t->err)))
                    return rc;
                e->target = target && (strcmp(e->category, "target") == 0 ||
                                       ct_trace_is_stop(t->o, e->category));
                if (t->g->label_of) {
                    char cat[24];
                    rc = t->g->label_of(t->g->ctx, s->addrid, cat, sizeof(cat), e->label,
                                        sizeof(e->label), t->err);
                    if (rc == CT_ENOTFOUND)
                        e->label[0] = '\0';
                    else if (rc)
                        return rc;
                }
            }
            ep_sort *v = malloc((r->n_endpoints ? r->n_endpoints : 1) * sizeof(*v));
            size_t *inv = malloc((r->n_endpoints ? r->n_endpoints : 1) * sizeof(*inv));
            if (!v || !inv) {
                free(v), free(inv);
                return oom(t);
            }
            for (size_t k = 0; k < r->n_endpoints; k++)
                v[k] = (ep_sort){r->endpoints[k], k};
            qsort(v, r->n_endpoints, sizeof(*v), cmp_ep_sort);
            for (size_t k = 0; k < r->n_endpoints; k++) {
                r->endpoints[k] = v[k].e;
                inv[v[k].from] = k;
            }
            free(v);
            rc = t->flows ? finish_flows(t, i, m, r, inv, &t->ac) : CT_OK;
            free(inv);
            if (rc)
                return rc;
        }
    }
    res->complete = !t->out_of_budget;
    snprintf(res->incomplete_reason, sizeof(res->incomplete_reason), "%s", t->budget_reason);
    res->events_processed = t->processed;
    res->source_events = t->source_events;
    return CT_OK;
}

static void tracer_release(tracer *t)
{
    for (size_t i = 0; i < t->n_led; i++)
        if (t->led[i].gen)
            free_ledger_state(&t->led[i]);
    free(t->led);
    free(t->free_slots);
    free(t->dorm);
    free(t->heap);
    free(t->asrc);
    for (size_t i = 0; i < t->n_asset; i++)
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            free(t->asset[i].acc[m].cat);
            free(t->asset[i].acc[m].ep);
            free(t->asset[i].acc[m].fl);
            free(t->asset[i].acc[m].hop);
        }
    free(t->asset);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        ct_hmap_release(&t->eps[m]);
        free(t->xf[m]);
    }
    ct_hmap_release(&t->lmap);
    ct_hmap_release(&t->txsrc);
    ct_hmap_release(&t->amap);
    ct_label_cache_release(&t->labels);
    ct_target_set_release(&t->targets);
    ct_hmap_release(&t->ac.map);
    free(t->ac.v);
}

int ct_acct_trace_run(ct_acct_trace_result *res, const ct_acct_graph *g,
                      const ct_trace_source *sources, size_t n_sources,
                      const ct_trace_options *opts, const ct_acct_pricing *pricing, ct_error *err)
{
    tracer t;
    int rc;
    memset(res, 0, sizeof(*res));
    memset(&t, 0, sizeof(t));
    t.g = g;
    t.o = opts;
    t.pricing = pricing;
    t.err = err;
    t.models = opts->models & CT_MODELS_ALL;
    if (!t.models || n_sources == 0)
        return ct_fail(err, CT_EINVAL, "bad-options", "no model or no source given");
    if (opts->backward)
        return ct_fail(err, CT_EINVAL, "not-supported",
                       "--backward is not supported for account chains yet");
    /* paths: every model's flows whole, for the evidence of each endpoint */
    t.flows = opts->paths;
    t.poison_whole = opts->paths;
    if (opts->version >= 2) {
        t.flows = t.flows || opts->flows || opts->poison_flows;
        t.poison_whole = t.poison_whole || opts->poison_flows;
        t.max_flows = opts->max_flows;
    }
    if (!t.max_flows)
        t.max_flows = CT_TRACE_MAX_FLOWS_DEFAULT;
    ct_trace_budget_start(&t.budget, opts);
    ct_hmap_init(&t.lmap);
    ct_hmap_init(&t.txsrc);
    ct_hmap_init(&t.amap);
    ct_label_cache_init(&t.labels, g->label_of, g->ctx, "during the account trace");
    ct_hmap_init(&t.ac.map);
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        ct_hmap_init(&t.eps[m]);
    ct_target_set_init(&t.targets, NULL, NULL);
    rc = resolve_targets(&t);
    if (rc == CT_OK)
        rc = resolve_sources(&t, sources, n_sources);
    if (rc == CT_OK)
        rc = run_loop(&t);
    if (rc == CT_OK)
        rc = finish(&t, res);
    tracer_release(&t);
    return rc;
}

void ct_acct_trace_result_release(ct_acct_trace_result *res)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        for (size_t i = 0; res->model[m] && i < res->n_assets; i++) {
            free(res->model[m][i].categories);
            free(res->model[m][i].endpoints);
            free(res->model[m][i].flows);
            free(res->model[m][i].hop_totals);
        }
        free(res->model[m]);
    }
    free(res->assets);
    memset(res, 0, sizeof(*res));
}
