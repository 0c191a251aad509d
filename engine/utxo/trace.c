/* The tracer: follows taint from source outputs through the graph under the five models of
 * docs/taint-models.md, all at once, transaction by transaction in chain order.
 *
 * Each tainted output that is still followed ("live") waits, with one state per model, in
 * the record of the transaction that spends it; a min-heap of those transactions' txnums
 * (dense, in chain order) gives the next one to process, so a transaction spending several
 * tainted outputs reached along different paths is computed once with all of them. Memory
 * holds the frontier only: a pending transaction's record is freed once it is processed.
 *
 * The tracer sees the graph through ct_trace_graph (no LevelDB here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chaintrail/trace.h"
#include "base/hmap.h"
#include "taint/split.h"
#include "taint/trace_common.h"
#include "base/util.h"

typedef unsigned __int128 u128;

/* ---- interval sets: sorted, disjoint, non-adjacent [a,b) pairs ---- */
typedef struct ivals {
    uint64_t *v; /* 2n values */
    uint32_t n;
    uint32_t cap;
} ivals;

static void iv_free(ivals *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static int iv_push(ivals *s, uint64_t a, uint64_t b)
{
    if (a >= b)
        return CT_OK;
    if (s->n > 0 && s->v[2 * s->n - 1] == a) { /* merge with the previous interval */
        s->v[2 * s->n - 1] = b;
        return CT_OK;
    }
    if (s->n == s->cap) {
        uint32_t ncap = s->cap ? s->cap * 2 : 2;
        uint64_t *nv = realloc(s->v, (size_t)ncap * 2 * sizeof(*nv));
        if (!nv)
            return CT_ENOMEM;
        s->v = nv;
        s->cap = ncap;
    }
    s->v[2 * s->n] = a;
    s->v[2 * s->n + 1] = b;
    s->n++;
    return CT_OK;
}

/* ---- per-model state of a tainted output ---- */
typedef struct mstate {
    uint64_t taint;
    uint32_t hop;
    ivals iv; /* FIFO and LIFO: where the taint sits inside the output's value */
} mstate;

/* A live output waiting in the record of the transaction that spends it. */
typedef struct pending_in {
    uint32_t vin;
    uint8_t live; /* bit per model */
    uint64_t addrid;
    uint64_t via;      /* the processed transaction that handed it taint; NO_VIA for a source */
    uint64_t at_txnum; /* forward: the output it is (flows) */
    uint32_t at_vout;
    uint32_t time, height;
    mstate m[CT_MODEL_COUNT];
} pending_in;

typedef struct pending_tx {
    uint64_t txnum;
    size_t n, cap;
    pending_in *ins;
} pending_tx;

/* ---- results being built ---- */
typedef struct ep_acc {
    uint64_t addrid;
    char category[24];
    u128 taint;
    u128 usd_cents, unpriced_sat;
    ct_trace_span span;
    uint64_t n_outputs;
} ep_acc;

/* ---- flows, kept only with opts->flows or paths ---- */
#define NO_VIA UINT64_MAX /* taint that did not come through a processed transaction */

/* Where a flow sits: the output (txnum 0: a previous output not in the database) and the
 * transaction whose split put the taint there (0: none, a source). */
typedef struct flow_at {
    uint64_t txnum;
    uint32_t vout;
    uint64_t by;
} flow_at;

typedef struct flow_rec {
    uint64_t txnum, by, next, addrid, taint;
    uint32_t vout, hop, height, time;
    uint32_t ep; /* 1 + index in model_acc.ep; 0: carried on, or a fee */
} flow_rec;

typedef struct txinfo {
    uint8_t txid[32];
    uint32_t height, time;
} txinfo;

typedef struct model_acc {
    u128 source_sat;
    ct_hmap cats; /* name -> index */
    ct_trace_category *cat;
    size_t n_cat, cap_cat;
    ct_hmap eps; /* addrid + category -> index */
    ep_acc *ep;
    size_t n_ep, cap_ep;
    flow_rec *fl; /* flows */
    size_t n_fl, cap_fl;
    ct_hmap hopk; /* hop + category -> index in hop */
    ct_trace_hop_total *hop;
    size_t n_hop, cap_hop;
} model_acc;

typedef struct tracer {
    const ct_trace_graph *g;
    const ct_trace_options *o;
    ct_error *err;
    unsigned models;
    model_acc acc[CT_MODEL_COUNT];
    ct_hmap pending; /* txnum -> pending_tx* */
    uint64_t *heap;
    size_t heap_n, heap_cap;
    bool backward;
    bool flows;        /* record flows (opts->flows or paths) */
    bool poison_whole; /* poison's flows whole, not only per hop */
    bool keep_some;    /* opts->keep_stop: only the kept endpoints and the flows into them */
    uint64_t max_flows;
    uint64_t n_flows; /* whole flows recorded, all models */
    ct_hmap txmap;    /* flows: txnum -> index in txi, every transaction loaded */
    txinfo *txi;
    size_t n_txi, cap_txi;
    ct_hmap sources; /* txnum+vout -> 1 */
    ct_label_cache labels; /* addrid -> label category */
    ct_target_set targets; /* connect: addresses that stop the trace */
    uint64_t processed;
    uint64_t n_waiting; /* pending_in entries held: at most max_nodes */
    bool out_of_budget;
    bool timed_out; /* past the deadline: no more reads */
    char budget_reason[64];
    ct_trace_budget budget;
    /* resume (ct_trace_resume): sources only after after_txnum; the frontier kept */
    uint64_t after_txnum;
    bool resume;
    ct_trace_frontier *frontier;
    ct_hmap fidx; /* txnum+vout -> index in frontier */
    /* scratch for one transaction */
    uint64_t *out_taint;
    ivals *out_iv;
    size_t cap_out;
    uint32_t *order, *tmp;
    u128 *rem;
} tracer;

static const char *const model_names[CT_MODEL_COUNT] = {"poison", "haircut", "fifo", "lifo",
                                                        "tiho"};

const char *ct_model_name(ct_model m)
{
    return (unsigned)m < CT_MODEL_COUNT ? model_names[m] : "?";
}

int ct_model_parse(ct_model *out, const char *name)
{
    for (int i = 0; i < CT_MODEL_COUNT; i++)
        if (strcmp(name, model_names[i]) == 0) {
            *out = (ct_model)i;
            return CT_OK;
        }
    return CT_EINVAL;
}

void ct_trace_options_init(ct_trace_options *o)
{
    static const char *const stops[] = {"exchange", "mixer", "bridge", "gambling", "sanctioned"};
    memset(o, 0, sizeof(*o));
    o->version = CT_TRACE_OPTIONS_VERSION;
    o->models = CT_MODELS_ALL;
    o->hops = 10;
    for (size_t i = 0; i < 5; i++)
        snprintf(o->stops[i], sizeof(o->stops[i]), "%s", stops[i]);
    o->n_stops = 5;
    for (size_t i = 0; i < 4; i++)
        snprintf(o->cashout[i], sizeof(o->cashout[i]), "%s", stops[i]);
    o->n_cashout = 4;
    o->max_path_steps = CT_TRACE_MAX_PATH_STEPS;
}

static int oom(tracer *t)
{
    return ct_fail(t->err, CT_ENOMEM, "out-of-memory", "during the trace");
}

/* ---- budgets ----
 * max_nodes bounds the transactions processed, the outputs waiting to be followed, and the
 * endpoints of each model (the last of which is then the "budget" endpoint without an
 * address, where whatever could not be kept goes). The clock is read in every loop that
 * can grow. Once a budget is spent, the taint not yet placed is "budget": the totals stay
 * exact, the result says complete: false and which budget ran out. */
static void trip(tracer *t, const char *reason)
{
    if (!t->out_of_budget) {
        t->out_of_budget = true;
        snprintf(t->budget_reason, sizeof(t->budget_reason), "%s", reason);
    }
}

/* One unit of work in a loop over a transaction's slots, for model m: true when what is
 * left of the loop goes to the budget endpoint at once (the time is up, or m's endpoints
 * are at their bound, where any new one would go there anyway). */
static bool must_fold(tracer *t, int m)
{
    char reason[64];
    if (!t->timed_out && ct_trace_budget_tick(&t->budget, reason, sizeof(reason))) {
        t->timed_out = true;
        trip(t, reason);
    }
    return t->timed_out || (t->o->max_nodes && t->acc[m].n_ep >= t->o->max_nodes);
}

/* The endpoint where what the budget could not keep goes: no address, category budget. */
static bool is_fold(uint64_t addrid, const char *category)
{
    return addrid == 0 && strcmp(category, "budget") == 0;
}

/* ---- heap of pending txnums ---- */
/* The heap is a min-heap of keys; backward, the key of a txnum is its complement, so that
 * transactions come out in descending chain order. The mapping is its own inverse. */
static uint64_t heap_key(const tracer *t, uint64_t txnum)
{
    return t->backward ? UINT64_MAX - txnum : txnum;
}

static int heap_push(tracer *t, uint64_t x)
{
    if (t->heap_n == t->heap_cap) {
        size_t ncap = t->heap_cap ? t->heap_cap * 2 : 256;
        uint64_t *nh = realloc(t->heap, ncap * sizeof(*nh));
        if (!nh)
            return oom(t);
        t->heap = nh;
        t->heap_cap = ncap;
    }
    size_t i = t->heap_n++;
    while (i > 0 && t->heap[(i - 1) / 2] > x) {
        t->heap[i] = t->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    t->heap[i] = x;
    return CT_OK;
}

static uint64_t heap_pop(tracer *t)
{
    uint64_t top = t->heap[0], x = t->heap[--t->heap_n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->heap_n)
            break;
        if (c + 1 < t->heap_n && t->heap[c + 1] < t->heap[c])
            c++;
        if (t->heap[c] >= x)
            break;
        t->heap[i] = t->heap[c];
        i = c;
    }
    if (t->heap_n)
        t->heap[i] = x;
    return top;
}

/* ---- results ---- */
/* The USD value of a flow of `sat` at `time`; *priced false when that day has no price. */
static int value_of(tracer *t, uint64_t sat, uint32_t time, uint64_t *cents, bool *priced)
{
    *cents = 0;
    *priced = false;
    if (!t->o->pricing)
        return CT_OK;
    int rc = t->o->pricing->value(t->o->pricing->ctx, sat, time, cents, t->err);
    if (rc == CT_ENOTFOUND)
        return CT_OK;
    if (rc == CT_OK)
        *priced = true;
    return rc;
}

static int add_category(tracer *t, int m, const char *name, uint64_t sat, uint32_t time)
{
    model_acc *a = &t->acc[m];
    uint64_t idx, cents;
    bool priced;
    int rc;
    if (sat == 0)
        return CT_OK;
    if ((rc = value_of(t, sat, time, &cents, &priced)))
        return rc;
    if (!ct_hmap_get(&a->cats, name, strlen(name), &idx)) {
        if (a->n_cat == a->cap_cat) {
            size_t ncap = a->cap_cat ? a->cap_cat * 2 : 16;
            ct_trace_category *nc = realloc(a->cat, ncap * sizeof(*nc));
            if (!nc)
                return oom(t);
            a->cat = nc;
            a->cap_cat = ncap;
        }
        idx = a->n_cat++;
        memset(&a->cat[idx], 0, sizeof(a->cat[idx]));
        snprintf(a->cat[idx].name, sizeof(a->cat[idx].name), "%s", name);
        if (ct_hmap_put(&a->cats, name, strlen(name), idx))
            return oom(t);
    }
    a->cat[idx].sat += sat;
    if (priced)
        a->cat[idx].usd_cents += cents;
    else if (t->o->pricing)
        a->cat[idx].unpriced_sat += sat;
    return CT_OK;
}

/* Flows: remembers a loaded transaction's txid and block, for the flows that name it. */
static int remember_tx(tracer *t, const ct_trace_tx *tx)
{
    uint8_t key[8];
    uint64_t idx;
    ct_put_be64(key, tx->txnum);
    if (ct_hmap_get(&t->txmap, key, 8, &idx))
        return CT_OK;
    if (t->n_txi == t->cap_txi) {
        size_t ncap = t->cap_txi ? t->cap_txi * 2 : 256;
        txinfo *n = realloc(t->txi, ncap * sizeof(*n));
        if (!n)
            return oom(t);
        t->txi = n;
        t->cap_txi = ncap;
    }
    txinfo *x = &t->txi[t->n_txi];
    memcpy(x->txid, tx->txid, 32);
    x->height = tx->height;
    x->time = tx->time;
    if (ct_hmap_put(&t->txmap, key, 8, t->n_txi))
        return oom(t);
    t->n_txi++;
    return CT_OK;
}

/* Every transaction the walk loads, with flows; with keep_stop only those the kept flows
 * name, remembered at the end (kept_txs), so that the table does not grow with the walk. */
static int note_tx(tracer *t, const ct_trace_tx *tx)
{
    return t->flows && !t->keep_some ? remember_tx(t, tx) : CT_OK;
}

/* Records a flow of model m: `taint` at `at`, at address addrid, in the block (height, time),
 * carried on by `next` (0: stopped) or stopped at endpoint ep (1 + index; 0: none) of
 * `category` ("" when carried on). Every flow counts in the totals per hop; poison's are kept
 * whole only when asked. */
static int record_flow(tracer *t, int m, const flow_at *at, uint64_t next, uint64_t addrid,
                       uint64_t taint, uint32_t hop, uint32_t height, uint32_t time, uint32_t ep,
                       const char *category)
{
    model_acc *a = &t->acc[m];
    uint8_t key[4 + 24];
    size_t cl = strlen(category);
    uint64_t idx;
    if (!t->flows || taint == 0)
        return CT_OK;
    ct_put_be32(key, hop);
    memcpy(key + 4, category, cl);
    if (!ct_hmap_get(&a->hopk, key, 4 + cl, &idx)) {
        if (a->n_hop == a->cap_hop) {
            size_t ncap = a->cap_hop ? a->cap_hop * 2 : 32;
            ct_trace_hop_total *nh = realloc(a->hop, ncap * sizeof(*nh));
            if (!nh)
                return oom(t);
            a->hop = nh;
            a->cap_hop = ncap;
        }
        idx = a->n_hop++;
        memset(&a->hop[idx], 0, sizeof(a->hop[idx]));
        a->hop[idx].hop = hop;
        snprintf(a->hop[idx].category, sizeof(a->hop[idx].category), "%s", category);
        if (ct_hmap_put(&a->hopk, key, 4 + cl, idx))
            return oom(t);
    }
    a->hop[idx].flows++;
    a->hop[idx].taint += taint;
    if ((m == CT_MODEL_POISON && !t->poison_whole) || (t->keep_some && ep == 0))
        return CT_OK;
    if (a->n_fl == a->cap_fl) {
        size_t ncap = a->cap_fl ? a->cap_fl * 2 : 256;
        flow_rec *nf = realloc(a->fl, ncap * sizeof(*nf));
        if (!nf)
            return oom(t);
        a->fl = nf;
        a->cap_fl = ncap;
    }
    a->fl[a->n_fl++] =
        (flow_rec){at->txnum, at->by, next, addrid, taint, at->vout, hop, height, time, ep};
    t->n_flows++;
    return CT_OK;
}

/* Adds taint to the endpoint (addrid, category) of model m, and its flow: `at` is where the
 * taint sits (the output, and the processed transaction that put it there). */
static int add_endpoint(tracer *t, int m, uint64_t addrid, const char *category, uint64_t taint,
                        uint32_t time, uint32_t height, uint32_t hop, const flow_at *at)
{
    model_acc *a = &t->acc[m];
    uint8_t key[8 + 24];
    size_t cl = strlen(category);
    uint64_t idx;
    int rc;
    uint64_t cents;
    bool priced;
    if (taint == 0)
        return CT_OK;
    if (t->keep_some && !t->o->keep_stop(t->o->keep_ctx, addrid, category, hop)) {
        /* counted, not kept */
        if ((rc = add_category(t, m, category, taint, time)))
            return rc;
        return record_flow(t, m, at, 0, addrid, taint, hop, height, time, 0, category);
    }
    ct_put_be64(key, addrid);
    memcpy(key + 8, category, cl);
    bool found = ct_hmap_get(&a->eps, key, 8 + cl, &idx);
    if (!found && t->o->max_nodes && a->n_ep + 1 >= t->o->max_nodes && !is_fold(addrid, category)) {
        /* No room for one more: the last slot is the budget endpoint's. */
        trip(t, "max-nodes reached (endpoints)");
        return add_endpoint(t, m, 0, "budget", taint, time, height, hop, at);
    }
    if ((rc = add_category(t, m, category, taint, time)) ||
        (rc = value_of(t, taint, time, &cents, &priced)))
        return rc;
    if (!found) {
        if (a->n_ep == a->cap_ep) {
            size_t ncap = a->cap_ep ? a->cap_ep * 2 : 64;
            ep_acc *ne = realloc(a->ep, ncap * sizeof(*ne));
            if (!ne)
                return oom(t);
            a->ep = ne;
            a->cap_ep = ncap;
        }
        idx = a->n_ep++;
        ep_acc *e = &a->ep[idx];
        memset(e, 0, sizeof(*e));
        e->addrid = addrid;
        snprintf(e->category, sizeof(e->category), "%s", category);
        ct_trace_span_start(&e->span, height, time, height, time, hop);
        if (ct_hmap_put(&a->eps, key, 8 + cl, idx))
            return oom(t);
    }
    ep_acc *e = &a->ep[idx];
    e->taint += taint;
    if (priced)
        e->usd_cents += cents;
    else if (t->o->pricing)
        e->unpriced_sat += taint;
    e->n_outputs++;
    ct_trace_span_widen(&e->span, height, time, height, time, hop);
    return record_flow(t, m, at, 0, addrid, taint, hop, height, time, (uint32_t)idx + 1, category);
}

static pending_tx *pending_get(tracer *t, uint64_t txnum, bool create, int *rc)
{
    uint8_t key[8];
    uint64_t v;
    *rc = CT_OK;
    ct_put_be64(key, txnum);
    if (ct_hmap_get(&t->pending, key, 8, &v))
        return (pending_tx *)(uintptr_t)v;
    if (!create)
        return NULL;
    pending_tx *p = calloc(1, sizeof(*p));
    if (!p || ct_hmap_put(&t->pending, key, 8, (uint64_t)(uintptr_t)p) ||
        heap_push(t, heap_key(t, txnum)) != CT_OK) {
        free(p);
        *rc = oom(t);
        return NULL;
    }
    p->txnum = txnum;
    return p;
}

/* Moves st into the record of transaction txnum, as its input (forward) or output
 * (backward) `slot`; *out is that entry. */
static int wait_in(tracer *t, int m, uint64_t txnum, uint32_t slot, mstate *st, pending_in **out)
{
    int rc;
    pending_tx *p = pending_get(t, txnum, true, &rc);
    if (!p)
        return rc;
    pending_in *pi = NULL;
    for (size_t i = 0; i < p->n; i++)
        if (p->ins[i].vin == slot)
            pi = &p->ins[i];
    if (!pi) {
        if (p->n == p->cap) {
            size_t ncap = p->cap ? p->cap * 2 : 2;
            pending_in *ni = realloc(p->ins, ncap * sizeof(*ni));
            if (!ni)
                return oom(t);
            p->ins = ni;
            p->cap = ncap;
        }
        pi = &p->ins[p->n++];
        memset(pi, 0, sizeof(*pi));
        pi->vin = slot;
        t->n_waiting++;
    }
    pi->m[m] = *st; /* moves the intervals */
    st->iv.v = NULL;
    st->iv.n = st->iv.cap = 0;
    pi->live |= (uint8_t)(1u << m);
    *out = pi;
    return CT_OK;
}

/* Whether taint may wait in the record of (txnum, slot): always when that entry exists
 * already; else while fewer than max_nodes entries wait. */
static bool can_wait(tracer *t, uint64_t txnum, uint32_t slot)
{
    int rc;
    if (!t->o->max_nodes || t->n_waiting < t->o->max_nodes)
        return true;
    pending_tx *p = pending_get(t, txnum, false, &rc);
    for (size_t i = 0; p && i < p->n; i++)
        if (p->ins[i].vin == slot)
            return true;
    trip(t, "max-nodes reached (waiting outputs)");
    return false;
}

/* Resume: remembers the state of model m at an unspent output (its intervals copied). */
static int keep_frontier(tracer *t, int m, uint64_t txnum, uint32_t vout, const mstate *st)
{
    ct_trace_frontier *f = t->frontier;
    uint8_t key[12];
    uint64_t idx;
    ct_put_be64(key, txnum);
    ct_put_be32(key + 8, vout);
    if (!ct_hmap_get(&t->fidx, key, 12, &idx)) {
        if (f->count == f->cap) {
            size_t ncap = f->cap ? f->cap * 2 : 64;
            ct_trace_live *n = realloc(f->items, ncap * sizeof(*n));
            if (!n)
                return oom(t);
            f->items = n;
            f->cap = ncap;
        }
        idx = f->count;
        memset(&f->items[idx], 0, sizeof(f->items[idx]));
        f->items[idx].txnum = txnum;
        f->items[idx].vout = vout;
        if (ct_hmap_put(&t->fidx, key, 12, idx))
            return oom(t);
        f->count++;
    }
    ct_trace_live *l = &f->items[idx];
    ct_trace_live_model *lm = &l->m[m];
    lm->taint = st->taint;
    lm->hop = st->hop;
    lm->n_iv = 0;
    free(lm->iv);
    lm->iv = NULL;
    if (st->iv.n) {
        if (!(lm->iv = malloc((size_t)st->iv.n * 2 * sizeof(*lm->iv))))
            return oom(t);
        memcpy(lm->iv, st->iv.v, (size_t)st->iv.n * 2 * sizeof(*lm->iv));
        lm->n_iv = st->iv.n;
    }
    l->models |= (uint8_t)(1u << m);
    return CT_OK;
}

/* Where a newly tainted output goes, in model m: an endpoint (by the stop rules, in their
 * order: label, unspent, hop limit, dust), or the record of its spending transaction.
 * `via`: tx->txnum when tx was processed, NO_VIA for a source. */
static int place_output(tracer *t, int m, const ct_trace_tx *tx, uint32_t vout, mstate *st,
                        uint64_t via)
{
    const ct_trace_output *out = &tx->out[vout];
    const char *cat = "";
    int rc;
    if (st->taint == 0) {
        iv_free(&st->iv);
        return CT_OK;
    }
    bool target = false;
    if ((rc = ct_label_cache_category(&t->labels, out->addrid, &cat, t->err)) ||
        (st->hop > 0 && (rc = ct_target_is(&t->targets, out->addrid, &target, t->err))))
        return rc;
    const char *stop = NULL;
    /* The sources never stop the trace: the label, target and dust stops apply from hop 1
     * on. */
    if (st->hop > 0 && ct_trace_is_stop(t->o, cat))
        stop = cat;
    else if (target)
        stop = "target";
    else if (out->spent_txnum == 0)
        stop = "unspent";
    else if (out->spent_txnum == UINT64_MAX)
        stop = "overwritten";
    else if (st->hop >= t->o->hops)
        stop = "hop_limit";
    else if (st->hop > 0 && st->taint < t->o->dust)
        stop = "dust";
    else if (!can_wait(t, out->spent_txnum, out->spent_vin))
        stop = "budget";
    if (stop) {
        flow_at at = {tx->txnum, vout, via == NO_VIA ? 0 : via};
        rc = add_endpoint(t, m, out->addrid, stop, st->taint, tx->time, tx->height, st->hop, &at);
        if (rc == CT_OK && t->frontier && out->spent_txnum == 0 && strcmp(stop, "unspent") == 0 &&
            st->hop < t->o->hops)
            rc = keep_frontier(t, m, tx->txnum, vout, st);
        iv_free(&st->iv);
        return rc;
    }
    pending_in *pi;
    if ((rc = wait_in(t, m, out->spent_txnum, out->spent_vin, st, &pi)))
        return rc;
    pi->via = via;
    pi->at_txnum = tx->txnum;
    pi->at_vout = vout;
    pi->addrid = out->addrid;
    pi->time = tx->time;
    pi->height = tx->height;
    return CT_OK;
}

/* Backward: where a newly tainted previous output (of input `vin` of tx) goes, in model m.
 * An unknown previous output is an endpoint at once; any other waits in the record of the
 * transaction that created it, and the stop rules are applied when that transaction comes
 * out of the heap (settle), where its outputs are at hand. */
static int place_prev(tracer *t, int m, const ct_trace_tx *tx, uint32_t vin, mstate *st)
{
    const ct_trace_input *in = &tx->in[vin];
    pending_in *pi;
    int rc;
    if (st->taint == 0) {
        iv_free(&st->iv);
        return CT_OK;
    }
    if (in->prev_txnum == 0 || !can_wait(t, in->prev_txnum, in->prev_vout)) {
        flow_at at = {0, in->prev_vout, tx->txnum};
        if (in->prev_txnum) /* budget: the previous output is known */
            at.txnum = in->prev_txnum;
        rc = add_endpoint(t, m, 0, in->prev_txnum == 0 ? "unknown" : "budget", st->taint, tx->time,
                          tx->height, st->hop, &at);
        iv_free(&st->iv);
        return rc;
    }
    if ((rc = wait_in(t, m, in->prev_txnum, in->prev_vout, st, &pi)) == CT_OK)
        pi->via = tx->txnum;
    return rc;
}

/* ---- the five rules for one transaction ---- */
/* Scratch for `no` outgoing slots. */
static int grow_scratch(tracer *t, size_t no)
{
    if (no > t->cap_out) {
        uint64_t *a = realloc(t->out_taint, no * sizeof(*a));
        if (a)
            t->out_taint = a;
        ivals *v = realloc(t->out_iv, no * sizeof(*v));
        if (v)
            t->out_iv = v;
        uint32_t *o = realloc(t->order, no * sizeof(*o));
        if (o)
            t->order = o;
        u128 *r = realloc(t->rem, no * sizeof(*r));
        if (r)
            t->rem = r;
        uint32_t *tm = realloc(t->tmp, no * sizeof(*tm));
        if (tm)
            t->tmp = tm;
        if (!a || !v || !o || !r || !tm)
            return oom(t);
        t->cap_out = no;
    }
    memset(t->out_iv, 0, no * sizeof(*t->out_iv));
    return CT_OK;
}

/* FIFO / LIFO: the incoming side's tainted intervals laid on one line (mirrored for LIFO),
 * cut by the outgoing slots' spans. Forward the incoming side is the inputs and the slots
 * the outputs, fee last; backward the incoming side is the outputs and the slots the
 * inputs (then the part missing from the inputs, if any). */
static int line(tracer *t, pending_tx *p, const ct_trace_tx *tx, int m, const uint64_t *val,
                size_t n_slots, uint64_t V)
{
    ivals lineiv = {NULL, 0, 0};
    int rc = CT_OK;
    uint64_t S = 0;
    uint32_t n_inc = t->backward ? tx->n_out : tx->n_in;
    for (uint32_t k = 0; k < n_inc; k++) {
        const pending_in *pi = NULL;
        for (size_t i = 0; p && i < p->n; i++)
            if (p->ins[i].vin == k && (p->ins[i].live & (1u << m)))
                pi = &p->ins[i];
        for (uint32_t q = 0; pi && q < pi->m[m].iv.n; q++)
            if ((rc = iv_push(&lineiv, S + pi->m[m].iv.v[2 * q], S + pi->m[m].iv.v[2 * q + 1])))
                goto out;
        S += t->backward ? tx->out[k].value : tx->in[k].value;
    }
    if (m == CT_MODEL_LIFO) { /* [a,b) on a line of length V becomes [V-b, V-a) */
        ivals mir = {NULL, 0, 0};
        for (uint32_t q = lineiv.n; q-- > 0;)
            if ((rc = iv_push(&mir, V - lineiv.v[2 * q + 1], V - lineiv.v[2 * q]))) {
                iv_free(&mir);
                goto out;
            }
        iv_free(&lineiv);
        lineiv = mir;
    }
    uint64_t P = 0;
    uint32_t q = 0;
    for (size_t j = 0; j < n_slots; j++) {
        uint64_t lo = P, hi = P + val[j];
        uint64_t sum = 0;
        while (q < lineiv.n && lineiv.v[2 * q + 1] <= lo)
            q++;
        for (uint32_t r = q; r < lineiv.n && lineiv.v[2 * r] < hi; r++) {
            uint64_t a = lineiv.v[2 * r] > lo ? lineiv.v[2 * r] : lo;
            uint64_t b = lineiv.v[2 * r + 1] < hi ? lineiv.v[2 * r + 1] : hi;
            if (a < b) {
                if ((rc = iv_push(&t->out_iv[j], a - lo, b - lo)))
                    goto out;
                sum += b - a;
            }
        }
        t->out_taint[j] = sum;
        P = hi;
    }
out:
    iv_free(&lineiv);
    return rc == CT_OK ? CT_OK : oom(t);
}

static bool is_source(tracer *t, uint64_t txnum, uint32_t vout)
{
    uint8_t key[12];
    uint64_t v;
    ct_put_be64(key, txnum);
    ct_put_be32(key + 8, vout);
    return ct_hmap_get(&t->sources, key, 12, &v);
}

/* Where the taint of a live entry of p sits in model m: the output (forward, the spent
 * previous output, remembered when it was placed; backward, p's own output), and the
 * processed transaction that put it there (forward, its creator; backward, its spender;
 * none for a source, at hop 0). Needs no read of the graph (so a budget spent by the clock
 * can still say it). */
static flow_at entry_at(const tracer *t, const pending_tx *p, const pending_in *pi, int m)
{
    flow_at at;
    if (t->backward) {
        at.txnum = p->txnum;
        at.vout = pi->vin;
    } else {
        at.txnum = pi->at_txnum;
        at.vout = pi->at_vout;
    }
    at.by = pi->m[m].hop == 0 || pi->via == NO_VIA ? 0 : pi->via;
    return at;
}

/* Flows: the live entries of tx, carried on by tx. */
static int record_followed(tracer *t, const pending_tx *p, const ct_trace_tx *tx)
{
    int rc = CT_OK;
    for (size_t i = 0; i < p->n && rc == CT_OK; i++)
        for (int m = 0; m < CT_MODEL_COUNT && rc == CT_OK; m++) {
            const pending_in *pi = &p->ins[i];
            if (!(pi->live & (1u << m)))
                continue;
            flow_at at = entry_at(t, p, pi, m);
            rc = record_flow(t, m, &at, tx->txnum, pi->addrid, pi->m[m].taint, pi->m[m].hop,
                             pi->height, pi->time, 0, "");
        }
    return rc;
}

/* One model's split at a transaction, in the direction of the trace: T, the taint coming in
 * (from the pending units of p), and the smallest hop among them; then out_taint (and, for
 * FIFO and LIFO, out_iv) over the n_slots outgoing slots of values `val` on a line of length
 * `len`, the last slot being the fee (forward) or the unknown gap (backward). TIHO fills
 * only the first n_fill slots. Leaves *T = 0 (and touches nothing) when no taint comes in. */
static int split_taint(tracer *t, pending_tx *p, const ct_trace_tx *tx, int m, const uint64_t *val,
                       size_t n_slots, size_t n_fill, uint64_t len, uint64_t *T_out,
                       uint32_t *hop_out)
{
    uint64_t T = 0;
    uint32_t hop = UINT32_MAX;
    for (size_t i = 0; p && i < p->n; i++)
        if (p->ins[i].live & (1u << m)) {
            T += p->ins[i].m[m].taint;
            if (p->ins[i].m[m].hop < hop)
                hop = p->ins[i].m[m].hop;
        }
    *T_out = T;
    *hop_out = hop;
    if (T == 0)
        return CT_OK;
    memset(t->out_taint, 0, n_slots * sizeof(*t->out_taint));
    switch (m) {
    case CT_MODEL_POISON:
        for (size_t j = 0; j < n_slots; j++)
            t->out_taint[j] = val[j];
        return CT_OK;
    case CT_MODEL_HAIRCUT:
        ct_taint_haircut(t->out_taint, t->rem, t->order, t->tmp, T, val, n_slots, len);
        return CT_OK;
    case CT_MODEL_TIHO:
        ct_taint_tiho(t->out_taint, t->order, t->tmp, T, val, n_fill);
        return CT_OK;
    default:
        return line(t, p, tx, m, val, n_slots, len);
    }
}

static int process_tx(tracer *t, pending_tx *p, const ct_trace_tx *tx)
{
    int rc;
    if ((rc = grow_scratch(t, (size_t)tx->n_out + 1))) /* + the fee slot */
        return rc;
    if (t->flows && (rc = record_followed(t, p, tx)))
        return rc;
    /* Values: inputs line V, output slots plus fee. Unknown previous outputs count as clean
     * value filling the gap, so that the slots always cover the line. */
    uint64_t V = 0, sum_out = 0;
    for (uint32_t k = 0; k < tx->n_in; k++)
        V += tx->in[k].value;
    for (uint32_t j = 0; j < tx->n_out; j++)
        sum_out += tx->out[j].value;
    uint64_t *val = malloc(((size_t)tx->n_out + 1) * sizeof(*val));
    if (!val)
        return oom(t);
    for (uint32_t j = 0; j < tx->n_out; j++)
        val[j] = tx->out[j].value;
    uint64_t fee = V > sum_out ? V - sum_out : 0;
    val[tx->n_out] = fee;
    uint64_t Vline = V > sum_out ? V : sum_out;
    size_t n_slots = (size_t)tx->n_out + 1;

    for (int m = 0; m < CT_MODEL_COUNT && rc == CT_OK; m++) {
        if (!(t->models & (1u << m)))
            continue;
        uint64_t T;
        uint32_t hop;
        if ((rc = split_taint(t, p, tx, m, val, n_slots, tx->n_out, Vline, &T, &hop)))
            break;
        if (T == 0)
            continue;
        rc = add_category(t, m, "fee", t->out_taint[tx->n_out], tx->time);
        if (rc == CT_OK) {
            flow_at at = {tx->txnum, CT_TRACE_FLOW_FEE, tx->txnum};
            rc = record_flow(t, m, &at, 0, 0, t->out_taint[tx->n_out], hop + 1, tx->height,
                             tx->time, 0, "fee");
        }
        iv_free(&t->out_iv[tx->n_out]);
        uint64_t folded = 0; /* what the outputs after a spent budget carry */
        flow_at fold = {tx->txnum, CT_TRACE_FLOW_FEE, tx->txnum}; /* its flow */
        for (uint32_t j = 0; j < tx->n_out && rc == CT_OK; j++) {
            if (is_source(t, tx->txnum, j)) {
                /* Already at hop 0 with t = v: only what it would not have received counts. */
                t->acc[m].source_sat -= t->out_taint[j];
                iv_free(&t->out_iv[j]);
                continue;
            }
            if (must_fold(t, m)) { /* a fan-out stops here, not after its last output */
                folded += t->out_taint[j];
                iv_free(&t->out_iv[j]);
                continue;
            }
            mstate st = {t->out_taint[j], hop + 1, t->out_iv[j]};
            t->out_iv[j].v = NULL;
            t->out_iv[j].n = t->out_iv[j].cap = 0;
            if (m == CT_MODEL_HAIRCUT || m == CT_MODEL_TIHO || m == CT_MODEL_POISON)
                iv_free(&st.iv);
            rc = place_output(t, m, tx, j, &st, tx->txnum);
        }
        if (rc == CT_OK && folded)
            rc = add_endpoint(t, m, 0, "budget", folded, tx->time, tx->height, hop + 1, &fold);
        for (size_t j = 0; j < n_slots; j++)
            iv_free(&t->out_iv[j]);
    }
    free(val);
    return rc;
}

/* ---- backward ---- */
/* Backward: applies the stop rules to the outputs of tx waiting in its record, in their
 * order: label, coinbase, hop limit, dust. *any tells whether one is still followed. */
static int settle(tracer *t, pending_tx *p, const ct_trace_tx *tx, bool *any)
{
    int rc;
    *any = false;
    for (size_t i = 0; i < p->n; i++) {
        pending_in *pi = &p->ins[i];
        const char *cat = "";
        if (pi->vin >= tx->n_out)
            return ct_fail(t->err, CT_ECORRUPT, "bad-graph",
                           "transaction at height %u has no output %u", tx->height, pi->vin);
        const ct_trace_output *out = &tx->out[pi->vin];
        pi->addrid = out->addrid;
        pi->time = tx->time;
        pi->height = tx->height;
        bool target = false;
        if ((rc = ct_label_cache_category(&t->labels, out->addrid, &cat, t->err)) ||
            (rc = ct_target_is(&t->targets, out->addrid, &target, t->err)))
            return rc;
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            mstate *st = &pi->m[m];
            if (!(pi->live & (1u << m)))
                continue;
            const char *stop = NULL;
            /* As forward, the sources never stop the trace (a labelled deposit address traced
             * backward answers where its money came from). */
            if (st->hop > 0 && ct_trace_is_stop(t->o, cat))
                stop = cat;
            else if (st->hop > 0 && target)
                stop = "target";
            else if (tx->coinbase)
                stop = "coinbase";
            else if (st->hop >= t->o->hops)
                stop = "hop_limit";
            else if (st->hop > 0 && st->taint < t->o->dust)
                stop = "dust";
            if (!stop)
                continue;
            flow_at at = entry_at(t, p, pi, m);
            rc = add_endpoint(t, m, out->addrid, stop, st->taint, tx->time, tx->height, st->hop,
                              &at);
            iv_free(&st->iv);
            pi->live &= (uint8_t) ~(1u << m);
            if (rc)
                return rc;
        }
        if (pi->live)
            *any = true;
    }
    return CT_OK;
}

/* Backward: the taint of tx's tainted outputs (the incoming line) goes to its inputs (the
 * outgoing slots). No fee slot: the fee is the untainted end of the input line. When the
 * known inputs are worth less than the outputs (previous outputs before the first ingested
 * block), the missing value is one more slot after the last input, of category unknown. */
static int process_back(tracer *t, pending_tx *p, const ct_trace_tx *tx)
{
    int rc;
    size_t n_slots = (size_t)tx->n_in + 1;
    if ((rc = grow_scratch(t, n_slots)))
        return rc;
    if (t->flows && (rc = record_followed(t, p, tx)))
        return rc;
    uint64_t Vin = 0, Vout = 0;
    uint64_t *val = malloc(n_slots * sizeof(*val));
    if (!val)
        return oom(t);
    for (uint32_t k = 0; k < tx->n_in; k++) {
        val[k] = tx->in[k].value;
        Vin += val[k];
    }
    for (uint32_t j = 0; j < tx->n_out; j++)
        Vout += tx->out[j].value;
    val[tx->n_in] = Vout > Vin ? Vout - Vin : 0;
    uint64_t L = Vin > Vout ? Vin : Vout;

    for (int m = 0; m < CT_MODEL_COUNT && rc == CT_OK; m++) {
        if (!(t->models & (1u << m)))
            continue;
        uint64_t T;
        uint32_t hop;
        if ((rc = split_taint(t, p, tx, m, val, n_slots, tx->n_in, L, &T, &hop)))
            break;
        if (T == 0)
            continue;
        flow_at gap = {0, CT_TRACE_FLOW_FEE, tx->txnum};
        rc = add_endpoint(t, m, 0, "unknown", t->out_taint[tx->n_in], tx->time, tx->height, hop + 1,
                          &gap);
        uint64_t folded = 0; /* what the inputs after a spent budget carry */
        flow_at fold = {0, CT_TRACE_FLOW_FEE, tx->txnum}; /* its flow */
        for (uint32_t k = 0; k < tx->n_in && rc == CT_OK; k++) {
            const ct_trace_input *in = &tx->in[k];
            if (in->prev_txnum != 0 && is_source(t, in->prev_txnum, in->prev_vout)) {
                /* Already at hop 0 with t = v: only what it would not have received counts. */
                t->acc[m].source_sat -= t->out_taint[k];
                continue;
            }
            if (must_fold(t, m)) {
                folded += t->out_taint[k];
                continue;
            }
            mstate st = {t->out_taint[k], hop + 1, t->out_iv[k]};
            t->out_iv[k].v = NULL;
            t->out_iv[k].n = t->out_iv[k].cap = 0;
            rc = place_prev(t, m, tx, k, &st);
        }
        if (rc == CT_OK && folded)
            rc = add_endpoint(t, m, 0, "budget", folded, tx->time, tx->height, hop + 1, &fold);
        for (size_t k = 0; k < n_slots; k++)
            iv_free(&t->out_iv[k]);
    }
    free(val);
    return rc;
}

/* ---- sources ---- */
typedef struct srcref {
    uint64_t txnum;
    uint32_t vout; /* UINT32_MAX: every output */
    int64_t from, to;
} srcref;

typedef struct srclist {
    srcref *v;
    size_t n, cap;
    tracer *t;
    int64_t from, to;
} srclist;

static int src_add(srclist *l, uint64_t txnum, uint32_t vout)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        srcref *nv = realloc(l->v, ncap * sizeof(*nv));
        if (!nv)
            return CT_ENOMEM;
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = (srcref){txnum, vout, l->from, l->to};
    return CT_OK;
}

static int src_cb(void *arg, uint64_t txnum, uint32_t vout)
{
    return src_add(arg, txnum, vout);
}

static int cmp_src(const void *a, const void *b)
{
    const srcref *x = a, *y = b;
    if (x->txnum != y->txnum)
        return x->txnum < y->txnum ? -1 : 1;
    return x->vout < y->vout ? -1 : x->vout > y->vout;
}

static int resolve_sources(tracer *t, const ct_trace_source *src, size_t n, srclist *l)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = src[i].spec;
        size_t len = strlen(s);
        uint8_t txid[32];
        int rc;
        l->from = src[i].from_time;
        l->to = src[i].to_time;
        bool hex64 = len >= 64 && (len == 64 || s[64] == ':');
        for (size_t k = 0; hex64 && k < 64; k++)
            hex64 = ct_hex_digit((unsigned char)s[k]) >= 0;
        if (hex64) { /* TXID or TXID:VOUT; anything else is an address (bcrt1q... can be 64) */
            char hex[65];
            uint64_t txnum, vout = UINT32_MAX;
            memcpy(hex, s, 64);
            hex[64] = '\0';
            if (ct_hash_from_hex(txid, hex) != CT_OK ||
                (len > 64 && (ct_parse_u64(&vout, s + 65) != CT_OK || vout >= UINT32_MAX)))
                return ct_fail(t->err, CT_EINVAL, "bad-source",
                               "'%s' is not TXID or TXID:VOUT (64 hex digits, vout a number)", s);
            rc = t->g->txnum_of(t->g->ctx, txid, &txnum, t->err);
            if (rc == CT_ENOTFOUND)
                return ct_fail(t->err, CT_ENOTFOUND, "source-not-found",
                               "transaction %s is not in the database", hex);
            if (rc)
                return rc;
            if ((rc = src_add(l, txnum, (uint32_t)vout)))
                return oom(t);
        } else {
            size_t before = l->n;
            rc = t->g->address_outputs(t->g->ctx, s, src_cb, l, t->err);
            if (rc == CT_ENOTFOUND || (rc == CT_OK && l->n == before))
                return ct_fail(t->err, CT_ENOTFOUND, "source-not-found",
                               "address %s received nothing in the database", s);
            if (rc)
                return rc;
        }
    }
    qsort(l->v, l->n, sizeof(*l->v), cmp_src);
    return CT_OK;
}

/* ---- targets (connect) ---- */
/* The cluster of an address, for the target set. */
static int cluster_id_of(void *ctx, uint64_t addrid, uint64_t *cid, ct_error *err)
{
    tracer *t = ctx;
    char *member = NULL;
    int rc = t->g->cluster_of(t->g->ctx, addrid, cid, &member, err);
    free(member);
    return rc;
}

static int first_output(void *arg, uint64_t txnum, uint32_t vout)
{
    uint64_t *at = arg;
    if (at[0] == 0) {
        at[0] = txnum;
        at[1] = vout;
    }
    return CT_OK;
}

/* Each target's addrid (of an output it received), its cluster and its identity. */
static int resolve_targets(tracer *t, ct_trace_result *res)
{
    size_t n = t->o->version >= 3 ? t->o->n_targets : 0;
    if (n == 0)
        return CT_OK;
    if (!(res->targets = calloc(n, sizeof(*res->targets))))
        return oom(t);
    for (size_t i = 0; i < n; i++) {
        const char *s = t->o->targets[i];
        uint64_t at[2] = {0, 0};
        ct_trace_tx tx;
        int rc = t->g->address_outputs(t->g->ctx, s, first_output, at, t->err);
        if (rc == CT_ENOTFOUND || (rc == CT_OK && at[0] == 0))
            return ct_fail(t->err, CT_ENOTFOUND, "target-not-found",
                           "address %s (--to) is not in the database", s);
        if (rc || (rc = t->g->load_tx(t->g->ctx, at[0], &tx, t->err)))
            return rc;
        if (at[1] >= tx.n_out)
            return ct_fail(t->err, CT_ECORRUPT, "bad-graph", "output %llu of %s is not there",
                           (unsigned long long)at[1], s);
        uint64_t addrid = tx.out[at[1]].addrid;
        res->n_targets++;
        if ((rc = ct_target_set_add(&t->targets, addrid, &res->targets[i].cluster_id, t->err)) ||
            (rc = t->g->address_of(t->g->ctx, addrid, &res->targets[i].address, t->err)))
            return rc;
    }
    return CT_OK;
}

static int init_sources(tracer *t, srclist *l, ct_trace_result *res)
{
    ct_trace_tx tx;
    int rc = CT_OK;
    for (size_t i = 0; i < l->n && rc == CT_OK;) {
        uint64_t txnum = l->v[i].txnum;
        if ((rc = t->g->load_tx(t->g->ctx, txnum, &tx, t->err)) || (rc = note_tx(t, &tx)))
            return rc;
        /* Copy the outputs we need: place_output may not call load_tx, but be safe. */
        for (; i < l->n && l->v[i].txnum == txnum && rc == CT_OK; i++) {
            const srcref *r = &l->v[i];
            if ((r->from >= 0 && tx.time < r->from) || (r->to >= 0 && tx.time > r->to) ||
                txnum <= t->after_txnum)
                continue;
            uint32_t a = r->vout == UINT32_MAX ? 0 : r->vout;
            uint32_t b = r->vout == UINT32_MAX ? tx.n_out : r->vout + 1;
            if (r->vout != UINT32_MAX && r->vout >= tx.n_out)
                return ct_fail(t->err, CT_ENOTFOUND, "source-not-found",
                               "the transaction has %u outputs, not %u", tx.n_out, r->vout + 1);
            for (uint32_t v = a; v < b && rc == CT_OK; v++) {
                uint8_t key[12];
                uint64_t dummy;
                ct_put_be64(key, txnum);
                ct_put_be32(key + 8, v);
                if (tx.out[v].value == 0 || ct_hmap_get(&t->sources, key, 12, &dummy))
                    continue;
                if (ct_hmap_put(&t->sources, key, 12, 1))
                    return oom(t);
                res->n_sources++;
                for (int m = 0; m < CT_MODEL_COUNT && rc == CT_OK; m++) {
                    if (!(t->models & (1u << m)))
                        continue;
                    mstate st = {tx.out[v].value, 0, {NULL, 0, 0}};
                    if (m == CT_MODEL_FIFO || m == CT_MODEL_LIFO)
                        if (iv_push(&st.iv, 0, tx.out[v].value))
                            return oom(t);
                    t->acc[m].source_sat += tx.out[v].value;
                    if (t->backward && !can_wait(t, txnum, v)) {
                        rc = add_endpoint(t, m, tx.out[v].addrid, "budget", st.taint, tx.time,
                                          tx.height, 0, &(flow_at){txnum, v, 0});
                        iv_free(&st.iv);
                    } else if (t->backward) {
                        pending_in *pi;
                        if ((rc = wait_in(t, m, txnum, v, &st, &pi)) == CT_OK)
                            pi->via = NO_VIA;
                    } else {
                        rc = place_output(t, m, &tx, v, &st, NO_VIA);
                    }
                }
            }
        }
    }
    if (rc == CT_OK && res->n_sources == 0 && !t->resume)
        return ct_fail(t->err, CT_ENOTFOUND, "source-not-found",
                       "the sources hold no value in the given window");
    return rc;
}

static void free_pending(tracer *t, pending_tx *p)
{
    t->n_waiting -= p->n;
    for (size_t i = 0; i < p->n; i++)
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            iv_free(&p->ins[i].m[m].iv);
    free(p->ins);
    free(p);
}

/* When a budget runs out, every live output becomes a "budget" endpoint (or the budget
 * endpoint without an address, past the endpoints' bound). Backward, the stop rules are
 * applied first, which needs the transaction: it is loaded unless the time is up (then the
 * entries are budget without an address: no more reads after the deadline). */
static int drain_budget(tracer *t)
{
    bool timed_out = t->timed_out || strcmp(t->budget_reason, "timeout reached") == 0;
    while (t->heap_n > 0) {
        int rc = CT_OK;
        uint64_t txnum = heap_key(t, heap_pop(t));
        pending_tx *p = pending_get(t, txnum, false, &rc);
        if (!p)
            continue;
        uint8_t key[8];
        ct_put_be64(key, txnum);
        ct_hmap_del(&t->pending, key, 8);
        ct_trace_tx tx;
        bool any;
        if (t->backward && !timed_out) {
            rc = t->g->load_tx(t->g->ctx, txnum, &tx, t->err);
            if (rc == CT_OK)
                rc = note_tx(t, &tx);
            if (rc == CT_OK)
                rc = settle(t, p, &tx, &any);
        }
        for (size_t i = 0; i < p->n && rc == CT_OK; i++)
            for (int m = 0; m < CT_MODEL_COUNT && rc == CT_OK; m++)
                if (p->ins[i].live & (1u << m)) {
                    flow_at at = entry_at(t, p, &p->ins[i], m);
                    rc = add_endpoint(t, m, p->ins[i].addrid, "budget", p->ins[i].m[m].taint,
                                      p->ins[i].time, p->ins[i].height, p->ins[i].m[m].hop, &at);
                }
        free_pending(t, p);
        if (rc)
            return rc;
    }
    return CT_OK;
}

static int run_loop(tracer *t)
{
    ct_trace_tx tx;
    int rc;
    char reason[64];
    while (t->heap_n > 0) {
        if (t->out_of_budget ||
            ct_trace_budget_spent(&t->budget, t->processed, reason, sizeof(reason))) {
            trip(t, reason); /* keeps a reason given inside the last transaction */
            return drain_budget(t);
        }
        if (t->n_flows > t->max_flows) {
            trip(t, "max-flows reached");
            return drain_budget(t);
        }
        uint64_t txnum = heap_key(t, heap_pop(t));
        pending_tx *p = pending_get(t, txnum, false, &rc);
        if (!p)
            continue;
        uint8_t key[8];
        ct_put_be64(key, txnum);
        ct_hmap_del(&t->pending, key, 8);
        bool any = true;
        rc = t->g->load_tx(t->g->ctx, txnum, &tx, t->err);
        if (rc == CT_OK)
            rc = note_tx(t, &tx);
        if (rc == CT_OK && t->backward)
            rc = settle(t, p, &tx, &any);
        if (rc == CT_OK && any)
            rc = t->backward ? process_back(t, p, &tx) : process_tx(t, p, &tx);
        free_pending(t, p);
        if (rc)
            return rc;
        if (any)
            t->processed++;
    }
    return CT_OK;
}

/* ---- result assembly ---- */
/* txids compared as displayed (byte-reversed). */
static int cmp_txid(const uint8_t *x, const uint8_t *y)
{
    for (int i = 31; i >= 0; i--)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

static int cmp_cat(const void *a, const void *b)
{
    return strcmp(((const ct_trace_category *)a)->name, ((const ct_trace_category *)b)->name);
}

static int cmp_ep(const void *a, const void *b)
{
    const ct_trace_endpoint *x = a, *y = b;
    if (x->taint != y->taint)
        return x->taint > y->taint ? -1 : 1;
    int r = strcmp(x->address, y->address);
    return r ? r : strcmp(x->category, y->category);
}

typedef struct ep_ref {
    uint64_t addrid;
    ct_trace_endpoint *e;
} ep_ref;

static int cmp_ref(const void *a, const void *b)
{
    const ep_ref *x = a, *y = b;
    return x->addrid < y->addrid ? -1 : x->addrid > y->addrid;
}

/* Whether an endpoint of this category at a target is where the target stopped the taint
 * (not a source output left unspent at hop 0). */
static bool is_target_stop(const tracer *t, const char *category)
{
    return strcmp(category, "target") == 0 || ct_trace_is_stop(t->o, category);
}

/* Fills each endpoint's address and label text. The models share most endpoint addresses
 * (poison and haircut above all), so each address is resolved once, and in addrid order:
 * the graph's address rows are keyed by addrid, so the reads walk forward. */
static int name_endpoints(tracer *t, ct_trace_result *res)
{
    size_t n = 0, k = 0;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        if (res->model[m].enabled)
            n += res->model[m].n_endpoints;
    ep_ref *ref = malloc((n ? n : 1) * sizeof(*ref));
    if (!ref)
        return oom(t);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        ct_trace_model_result *r = &res->model[m];
        for (size_t i = 0; r->enabled && i < r->n_endpoints; i++) {
            ref[k].addrid = t->acc[m].ep[i].addrid;
            ref[k++].e = &r->endpoints[i];
        }
    }
    qsort(ref, n, sizeof(*ref), cmp_ref);
    int rc = CT_OK;
    for (size_t i = 0, j; rc == CT_OK && i < n; i = j) {
        ct_trace_endpoint *first = ref[i].e;
        uint64_t id = ref[i].addrid;
        if (id)
            rc = t->g->address_of(t->g->ctx, id, &first->address, t->err);
        if (rc == CT_OK && !first->address && !(first->address = calloc(1, 1)))
            rc = oom(t);
        if (rc == CT_OK && id && t->g->label_of) {
            char cat[24];
            rc = t->g->label_of(t->g->ctx, id, cat, sizeof(cat), first->label, sizeof(first->label),
                                t->err);
            if (rc == CT_ENOTFOUND)
                rc = CT_OK;
        }
        if (rc == CT_OK && id && t->g->cluster_of)
            rc = t->g->cluster_of(t->g->ctx, id, &first->cluster_id, &first->label_member, t->err);
        bool target = false;
        if (rc == CT_OK)
            rc = ct_target_is(&t->targets, id, &target, t->err);
        first->target = target && is_target_stop(t, first->category);
        for (j = i + 1; j < n && ref[j].addrid == id; j++) {
            ct_trace_endpoint *e = ref[j].e;
            e->target = target && is_target_stop(t, e->category);
            if (rc == CT_OK && !(e->address = strdup(first->address)))
                rc = oom(t);
            memcpy(e->label, first->label, sizeof(e->label));
            e->cluster_id = first->cluster_id;
            if (rc == CT_OK && first->label_member &&
                !(e->label_member = strdup(first->label_member)))
                rc = oom(t);
        }
    }
    free(ref);
    return rc;
}

/* Endpoints are sorted with their index before the sort, which the flows refer to. */
typedef struct ep_sort {
    ct_trace_endpoint e;
    size_t from;
} ep_sort;

static int cmp_ep_sort(const void *a, const void *b)
{
    return cmp_ep(&((const ep_sort *)a)->e, &((const ep_sort *)b)->e);
}

/* Sorts a model's endpoints; inv[i] is then the new index of endpoint i. */
static int sort_endpoints(tracer *t, ct_trace_model_result *r, size_t *inv)
{
    ep_sort *v = malloc((r->n_endpoints ? r->n_endpoints : 1) * sizeof(*v));
    if (!v)
        return oom(t);
    for (size_t i = 0; i < r->n_endpoints; i++)
        v[i] = (ep_sort){r->endpoints[i], i};
    qsort(v, r->n_endpoints, sizeof(*v), cmp_ep_sort);
    for (size_t i = 0; i < r->n_endpoints; i++) {
        r->endpoints[i] = v[i].e;
        if (inv)
            inv[v[i].from] = i;
    }
    free(v);
    return CT_OK;
}

/* Flows are sorted by (hop, height, txid as displayed, vout, by's txid). */
typedef struct flow_sort {
    ct_trace_flow f;
    const uint8_t *txid, *by;
} flow_sort;

static const uint8_t zero_txid[32];

static int cmp_flow(const void *a, const void *b)
{
    const flow_sort *x = a, *y = b;
    if (x->f.hop != y->f.hop)
        return x->f.hop < y->f.hop ? -1 : 1;
    if (x->f.height != y->f.height)
        return x->f.height < y->f.height ? -1 : 1;
    int c = cmp_txid(x->txid, y->txid);
    if (c)
        return c;
    if (x->f.vout != y->f.vout)
        return x->f.vout < y->f.vout ? -1 : 1;
    return cmp_txid(x->by, y->by);
}

static int cmp_hop_total(const void *a, const void *b)
{
    const ct_trace_hop_total *x = a, *y = b;
    if (x->hop != y->hop)
        return x->hop < y->hop ? -1 : 1;
    return strcmp(x->category, y->category);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The index in res->txs of a txnum (0: none). */
static size_t tx_index(const tracer *t, uint64_t txnum)
{
    uint8_t key[8];
    uint64_t idx;
    if (txnum == 0)
        return CT_TRACE_NONE;
    ct_put_be64(key, txnum);
    return ct_hmap_get(&t->txmap, key, 8, &idx) ? (size_t)idx : CT_TRACE_NONE;
}

/* keep_stop: the transactions the kept flows name (their outputs' and the ones that put
 * their taint there), loaded again once each, in chain order. */
static int kept_txs(tracer *t)
{
    size_t n = 0;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        n += 2 * t->acc[m].n_fl;
    uint64_t *v = malloc((n ? n : 1) * sizeof(*v));
    if (!v)
        return oom(t);
    n = 0;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        for (size_t i = 0; i < t->acc[m].n_fl; i++) {
            const flow_rec *f = &t->acc[m].fl[i];
            if (f->txnum)
                v[n++] = f->txnum;
            if (f->by)
                v[n++] = f->by;
        }
    qsort(v, n, sizeof(*v), cmp_u64);
    int rc = CT_OK;
    for (size_t i = 0; i < n && rc == CT_OK; i++) {
        ct_trace_tx tx;
        if (i > 0 && v[i] == v[i - 1])
            continue;
        rc = t->g->load_tx(t->g->ctx, v[i], &tx, t->err);
        if (rc == CT_OK)
            rc = remember_tx(t, &tx);
    }
    free(v);
    return rc;
}

/* The transactions and addresses the flows name: every transaction loaded, and each
 * address resolved once, in addrid order; *ids (sorted) maps an addrid to its index. */
static int flow_tables(tracer *t, ct_trace_result *res, uint64_t **ids, size_t *n_ids)
{
    int rc = CT_OK;
    res->txs = malloc((t->n_txi ? t->n_txi : 1) * sizeof(*res->txs));
    if (!res->txs)
        return oom(t);
    for (size_t i = 0; i < t->n_txi; i++) {
        memcpy(res->txs[i].txid, t->txi[i].txid, 32);
        res->txs[i].height = t->txi[i].height;
        res->txs[i].time = t->txi[i].time;
    }
    res->n_txs = t->n_txi;
    size_t n = 0;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        n += t->acc[m].n_fl;
    uint64_t *v = malloc((n ? n : 1) * sizeof(*v));
    if (!v)
        return oom(t);
    n = 0;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        for (size_t i = 0; i < t->acc[m].n_fl; i++)
            if (t->acc[m].fl[i].addrid)
                v[n++] = t->acc[m].fl[i].addrid;
    qsort(v, n, sizeof(*v), cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || v[u - 1] != v[i])
            v[u++] = v[i];
    *ids = v;
    *n_ids = u;
    res->addresses = calloc(u ? u : 1, sizeof(*res->addresses));
    if (!res->addresses)
        return oom(t);
    res->n_addresses = u;
    for (size_t i = 0; i < u && rc == CT_OK; i++)
        rc = t->g->address_of(t->g->ctx, v[i], &res->addresses[i], t->err);
    for (size_t i = 0; i < u && rc == CT_OK; i++)
        if (!res->addresses[i] && !(res->addresses[i] = calloc(1, 1)))
            rc = oom(t);
    return rc;
}

/* Model m's flows and totals per hop into r; inv maps the endpoints to their sorted index. */
static int finish_flows(tracer *t, int m, ct_trace_model_result *r, const size_t *inv,
                        const uint64_t *ids, size_t n_ids)
{
    model_acc *a = &t->acc[m];
    r->hop_totals = a->hop;
    r->n_hop_totals = a->n_hop;
    a->hop = NULL;
    if (r->n_hop_totals) /* none in a resumed trace with nothing to follow */
        qsort(r->hop_totals, r->n_hop_totals, sizeof(*r->hop_totals), cmp_hop_total);
    bool stored = m != CT_MODEL_POISON || t->poison_whole;
    r->flows_whole = stored && !t->keep_some;
    if (!stored || a->n_fl == 0)
        return CT_OK;
    flow_sort *v = calloc(a->n_fl ? a->n_fl : 1, sizeof(*v));
    if (!v)
        return oom(t);
    int rc = CT_OK;
    for (size_t i = 0; i < a->n_fl && rc == CT_OK; i++) {
        const flow_rec *x = &a->fl[i];
        ct_trace_flow *f = &v[i].f;
        f->tx = tx_index(t, x->txnum);
        f->vout = x->vout;
        f->hop = x->hop;
        f->height = x->height;
        f->time = x->time;
        f->by = tx_index(t, x->by);
        f->next = tx_index(t, x->next);
        f->address = CT_TRACE_NONE;
        if (x->addrid) {
            const uint64_t *k = bsearch(&x->addrid, ids, n_ids, sizeof(*ids), cmp_u64);
            f->address = k ? (size_t)(k - ids) : CT_TRACE_NONE;
        }
        f->endpoint = x->ep ? inv[x->ep - 1] : CT_TRACE_NONE;
        f->taint = x->taint;
        uint64_t cents;
        rc = value_of(t, x->taint, x->time, &cents, &f->priced);
        f->usd_cents = cents;
    }
    if (rc) {
        free(v);
        return rc;
    }
    /* the txids, once the table is complete */
    for (size_t i = 0; i < a->n_fl; i++) {
        size_t tx = v[i].f.tx, by = v[i].f.by;
        v[i].txid = tx == CT_TRACE_NONE ? zero_txid : t->txi[tx].txid;
        v[i].by = by == CT_TRACE_NONE ? zero_txid : t->txi[by].txid;
    }
    qsort(v, a->n_fl, sizeof(*v), cmp_flow);
    r->flows = malloc((a->n_fl ? a->n_fl : 1) * sizeof(*r->flows));
    if (!r->flows) {
        free(v);
        return oom(t);
    }
    for (size_t i = 0; i < a->n_fl; i++)
        r->flows[i] = v[i].f;
    r->n_flows = a->n_fl;
    free(v);
    return CT_OK;
}

static int finish(tracer *t, ct_trace_result *res)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        model_acc *a = &t->acc[m];
        ct_trace_model_result *r = &res->model[m];
        if (!(t->models & (1u << m)))
            continue;
        r->enabled = true;
        r->source_sat = a->source_sat;
        r->n_categories = a->n_cat;
        r->categories = a->cat;
        a->cat = NULL;
        if (r->n_categories)
            qsort(r->categories, r->n_categories, sizeof(*r->categories), cmp_cat);
        for (size_t i = 0; i < r->n_categories; i++)
            for (size_t k = 0; k < t->o->n_cashout; k++)
                if (strcmp(r->categories[i].name, t->o->cashout[k]) == 0) {
                    r->laundered_sat += r->categories[i].sat;
                    r->laundered_usd_cents += r->categories[i].usd_cents;
                    r->laundered_unpriced_sat += r->categories[i].unpriced_sat;
                }
        r->endpoints = calloc(a->n_ep ? a->n_ep : 1, sizeof(*r->endpoints));
        if (!r->endpoints)
            return oom(t);
        r->n_endpoints = a->n_ep;
        for (size_t i = 0; i < a->n_ep; i++) {
            ct_trace_endpoint *e = &r->endpoints[i];
            const ep_acc *s = &a->ep[i];
            snprintf(e->category, sizeof(e->category), "%s", s->category);
            e->taint = s->taint;
            e->first_time = s->span.first_time;
            e->last_time = s->span.last_time;
            e->first_height = s->span.first_height;
            e->last_height = s->span.last_height;
            e->hops = s->span.hops;
            e->n_outputs = s->n_outputs;
            e->usd_cents = s->usd_cents;
            e->unpriced_sat = s->unpriced_sat;
        }
    }
    /* The guard of --paths (max_path_steps, a step being a flow): nothing is stored above
     * it. */
    uint64_t guard = t->o->version >= 2 ? t->o->max_path_steps : 0;
    if (t->o->paths && guard && t->n_flows > guard)
        return ct_fail(t->err, CT_ENOMEM, "paths-too-large",
                       "the paths hold more than %llu flows (the guard)",
                       (unsigned long long)guard);
    int rc = name_endpoints(t, res);
    uint64_t *ids = NULL;
    size_t n_ids = 0;
    if (rc == CT_OK && t->flows && t->keep_some)
        rc = kept_txs(t);
    if (rc == CT_OK && t->flows)
        rc = flow_tables(t, res, &ids, &n_ids);
    for (int m = 0; m < CT_MODEL_COUNT && rc == CT_OK; m++) {
        ct_trace_model_result *r = &res->model[m];
        if (!r->enabled)
            continue;
        size_t *inv = NULL;
        if (t->flows && !(inv = malloc((r->n_endpoints ? r->n_endpoints : 1) * sizeof(*inv))))
            rc = oom(t);
        if (rc == CT_OK)
            rc = sort_endpoints(t, r, inv);
        if (rc == CT_OK && t->flows)
            rc = finish_flows(t, m, r, inv, ids, n_ids);
        free(inv);
    }
    free(ids);
    if (rc)
        return rc;
    res->complete = !t->out_of_budget;
    snprintf(res->incomplete_reason, sizeof(res->incomplete_reason), "%s", t->budget_reason);
    res->txs_processed = t->processed;
    return CT_OK;
}

static void tracer_release(tracer *t)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        ct_hmap_release(&t->acc[m].cats);
        ct_hmap_release(&t->acc[m].eps);
        ct_hmap_release(&t->acc[m].hopk);
        free(t->acc[m].cat);
        free(t->acc[m].ep);
        free(t->acc[m].fl);
        free(t->acc[m].hop);
    }
    while (t->heap_n > 0) {
        int rc;
        pending_tx *p = pending_get(t, heap_key(t, heap_pop(t)), false, &rc);
        if (p)
            free_pending(t, p);
    }
    ct_hmap_release(&t->pending);
    ct_hmap_release(&t->txmap);
    free(t->txi);
    ct_hmap_release(&t->sources);
    ct_hmap_release(&t->fidx);
    ct_label_cache_release(&t->labels);
    ct_target_set_release(&t->targets);
    free(t->heap);
    free(t->out_taint);
    free(t->out_iv);
    free(t->order);
    free(t->tmp);
    free(t->rem);
}

/* Resume: each live output of `from` placed again with its state, as a trace that had just
 * tainted it would (via its own transaction; none at hop 0). */
static int place_live(tracer *t, const ct_trace_frontier *from)
{
    ct_trace_tx tx;
    int rc = CT_OK;
    for (size_t i = 0; from && i < from->count && rc == CT_OK; i++) {
        const ct_trace_live *l = &from->items[i];
        if (l->txnum > t->after_txnum)
            return ct_fail(t->err, CT_EINVAL, "bad-frontier",
                           "a live output is in a transaction after the resume point");
        if ((rc = t->g->load_tx(t->g->ctx, l->txnum, &tx, t->err)) || (rc = note_tx(t, &tx)))
            return rc;
        if (l->vout >= tx.n_out)
            return ct_fail(t->err, CT_ECORRUPT, "bad-graph",
                           "output %u of a live output is not there", l->vout);
        for (int m = 0; m < CT_MODEL_COUNT && rc == CT_OK; m++) {
            if (!(l->models & (1u << m)) || !(t->models & (1u << m)))
                continue;
            const ct_trace_live_model *lm = &l->m[m];
            mstate st = {lm->taint, lm->hop, {NULL, 0, 0}};
            for (uint32_t q = 0; q < lm->n_iv && rc == CT_OK; q++)
                if (iv_push(&st.iv, lm->iv[2 * q], lm->iv[2 * q + 1]))
                    rc = oom(t);
            if (rc == CT_OK)
                rc = place_output(t, m, &tx, l->vout, &st, lm->hop == 0 ? NO_VIA : tx.txnum);
            iv_free(&st.iv);
        }
    }
    return rc;
}

void ct_trace_frontier_release(ct_trace_frontier *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++)
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            free(f->items[i].m[m].iv);
    free(f->items);
    memset(f, 0, sizeof(*f));
}

int ct_trace_run(ct_trace_result *res, const ct_trace_graph *g, const ct_trace_source *sources,
                 size_t n_sources, const ct_trace_options *opts, ct_error *err)
{
    return ct_trace_resume(res, g, sources, n_sources, 0, NULL, opts, NULL, err);
}

int ct_trace_resume(ct_trace_result *res, const ct_trace_graph *g, const ct_trace_source *sources,
                    size_t n_sources, uint64_t after_txnum, const ct_trace_frontier *from,
                    const ct_trace_options *opts, ct_trace_frontier *frontier, ct_error *err)
{
    tracer t;
    srclist l = {NULL, 0, 0, NULL, -1, -1};
    int rc;
    memset(res, 0, sizeof(*res));
    memset(&t, 0, sizeof(t));
    t.g = g;
    t.o = opts;
    t.err = err;
    t.models = opts->models & CT_MODELS_ALL;
    t.backward = opts->backward;
    bool v2 = opts->version >= 2;
    t.flows = opts->paths || (v2 && opts->flows);
    t.poison_whole = opts->paths || (v2 && opts->poison_flows);
    t.keep_some = opts->version >= 4 && opts->keep_stop;
    t.max_flows = v2 && opts->max_flows ? opts->max_flows : CT_TRACE_MAX_FLOWS_DEFAULT;
    if (!t.models || n_sources == 0)
        return ct_fail(err, CT_EINVAL, "bad-options", "no model or no source given");
    if (t.keep_some && opts->paths)
        return ct_fail(err, CT_EINVAL, "bad-options",
                       "paths need every flow: not with a filter of the endpoints (keep_stop)");
    if ((after_txnum || from || frontier) && t.backward)
        return ct_fail(err, CT_EINVAL, "bad-options", "a backward trace cannot be resumed");
    t.after_txnum = after_txnum;
    t.resume = after_txnum != 0 || from != NULL;
    t.frontier = frontier;
    ct_trace_budget_start(&t.budget, opts);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        ct_hmap_init(&t.acc[m].cats);
        ct_hmap_init(&t.acc[m].eps);
        ct_hmap_init(&t.acc[m].hopk);
    }
    ct_hmap_init(&t.pending);
    ct_hmap_init(&t.txmap);
    ct_hmap_init(&t.sources);
    ct_hmap_init(&t.fidx);
    ct_label_cache_init(&t.labels, g->label_of, g->ctx, "during the trace");
    ct_target_set_init(&t.targets, g->cluster_of ? cluster_id_of : NULL, &t);
    l.t = &t;
    rc = resolve_targets(&t, res);
    if (rc == CT_OK)
        rc = resolve_sources(&t, sources, n_sources, &l);
    if (rc == CT_OK)
        rc = init_sources(&t, &l, res);
    if (rc == CT_OK)
        rc = place_live(&t, from);
    if (rc == CT_OK)
        rc = run_loop(&t);
    if (rc == CT_OK)
        rc = finish(&t, res);
    free(l.v);
    tracer_release(&t);
    return rc;
}

void ct_trace_result_release(ct_trace_result *res)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        for (size_t i = 0; i < res->model[m].n_endpoints; i++) {
            free(res->model[m].endpoints[i].address);
            free(res->model[m].endpoints[i].label_member);
        }
        free(res->model[m].categories);
        free(res->model[m].endpoints);
        free(res->model[m].flows);
        free(res->model[m].hop_totals);
    }
    for (size_t i = 0; i < res->n_targets; i++)
        free(res->targets[i].address);
    free(res->targets);
    for (size_t i = 0; i < res->n_addresses; i++)
        free(res->addresses[i]);
    free(res->addresses);
    free(res->txs);
    memset(res, 0, sizeof(*res));
}
