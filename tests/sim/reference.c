/* The simulator's reference implementation of the five taint models of
 * ../shared/design/taint-models.md, written from that document alone and as plainly as
 * possible: amounts for poison, haircut and TIHO; for FIFO and LIFO an explicit ordered list
 * of (length, tainted?) runs per output, laid end to end per transaction (mirrored for
 * LIFO) and cut at the outputs' boundaries. It reads the subgraph the simulator recorded
 * (every transaction spending a poison-tainted output, in chain order), applies the stop
 * rules of docs/trace.md, and writes truth.json. It checks itself: conservation for every
 * model but poison, and its poison frontier against the simulator's. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/bitcoin.h"
#include "sim.h"
#include "base/util.h"

/* ---- the record file ---- */
int sim_rec_write(FILE *f, const sim_rec_tx *t)
{
    uint8_t h[49];
    ct_put_le32(h, t->height);
    ct_put_le32(h + 4, t->time);
    memcpy(h + 8, t->txid, 32);
    h[40] = t->source;
    h[41] = (uint8_t)t->n_in, h[42] = (uint8_t)(t->n_in >> 8);
    h[43] = (uint8_t)t->n_out, h[44] = (uint8_t)(t->n_out >> 8);
    if (fwrite(h, 1, 45, f) != 45)
        return -1;
    uint8_t r[16];
    ct_put_le64(r, t->first_ref);
    if (fwrite(r, 1, 8, f) != 8)
        return -1;
    for (unsigned i = 0; i < t->n_in; i++) {
        ct_put_le64(r, t->in[i].ref);
        ct_put_le64(r + 8, t->in[i].value);
        if (fwrite(r, 1, 16, f) != 16)
            return -1;
    }
    for (unsigned j = 0; j < t->n_out; j++) {
        uint8_t o[13];
        ct_put_le64(o, t->out[j].value);
        ct_put_le32(o + 8, t->out[j].addr);
        o[12] = t->out[j].follow;
        if (fwrite(o, 1, 13, f) != 13)
            return -1;
    }
    return 0;
}

int sim_rec_read(FILE *f, sim_rec_tx *t)
{
    uint8_t h[53];
    memset(t, 0, sizeof(*t));
    size_t got = fread(h, 1, 53, f);
    if (got == 0)
        return 0;
    if (got != 53)
        return -1;
    t->height = ct_le32(h);
    t->time = ct_le32(h + 4);
    memcpy(t->txid, h + 8, 32);
    t->source = h[40];
    t->n_in = ct_le16(h + 41);
    t->n_out = ct_le16(h + 43);
    t->first_ref = ct_le64(h + 45);
    t->in = calloc(t->n_in ? t->n_in : 1, sizeof(*t->in));
    t->out = calloc(t->n_out ? t->n_out : 1, sizeof(*t->out));
    if (!t->in || !t->out)
        return -1;
    for (unsigned i = 0; i < t->n_in; i++) {
        uint8_t r[16];
        if (fread(r, 1, 16, f) != 16)
            return -1;
        t->in[i].ref = ct_le64(r);
        t->in[i].value = ct_le64(r + 8);
    }
    for (unsigned j = 0; j < t->n_out; j++) {
        uint8_t o[13];
        if (fread(o, 1, 13, f) != 13)
            return -1;
        t->out[j].value = ct_le64(o);
        t->out[j].addr = ct_le32(o + 8);
        t->out[j].follow = o[12];
    }
    return 1;
}

void sim_rec_free(sim_rec_tx *t)
{
    free(t->in);
    free(t->out);
    t->in = NULL;
    t->out = NULL;
}

/* ---- models ---- */
enum { M_POISON, M_HAIRCUT, M_FIFO, M_LIFO, M_TIHO, N_MODELS };
static const char *const model_name[N_MODELS] = {"poison", "haircut", "fifo", "lifo", "tiho"};

/* Categories of endpoints and fees, in the order truth.json lists them. */
enum { C_EXCHANGE, C_MIXER, C_BRIDGE, C_UNSPENT, C_HOP_LIMIT, C_DUST, C_FEE, N_CATS };
static const char *const cat_name[N_CATS] = {"exchange",  "mixer", "bridge", "unspent",
                                             "hop_limit", "dust",  "fee"};

typedef struct run {
    uint64_t len;
    uint8_t tainted;
} run;

typedef struct runs {
    run *r;
    size_t n, cap;
} runs;

static int runs_push(runs *l, uint64_t len, uint8_t tainted)
{
    if (len == 0)
        return 0;
    if (l->n > 0 && l->r[l->n - 1].tainted == tainted) {
        l->r[l->n - 1].len += len;
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        run *p = realloc(l->r, cap * sizeof(*p));
        if (!p)
            return -1;
        l->r = p;
        l->cap = cap;
    }
    l->r[l->n].len = len;
    l->r[l->n].tainted = tainted;
    l->n++;
    return 0;
}

static uint64_t runs_taint(const runs *l)
{
    uint64_t t = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->r[i].tainted)
            t += l->r[i].len;
    return t;
}

/* State of a followed output in one model. */
typedef struct state {
    uint64_t taint;
    uint8_t hop;
    uint8_t live; /* followed: its spender takes the taint */
    runs line;    /* FIFO/LIFO */
} state;

/* An endpoint accumulator, keyed by (model, address id, category). */
typedef struct ep {
    uint32_t addr;
    uint8_t model, cat, used;
    uint64_t taint, outputs;
    unsigned hops;
    uint32_t first_h, last_h, first_t, last_t;
} ep;

typedef struct ref_ctx {
    const sim_world_info *w;
    uint8_t *spent; /* bitmap by ref */
    uint64_t n_refs;
    state *st[N_MODELS];
    ep *eps;
    size_t eps_cap, eps_n;
    uint64_t source_sat;
    uint64_t cat_sat[N_MODELS][N_CATS];
    uint64_t n_tx;
} ref_ctx;

static uint64_t mix_hash(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static int ep_grow(ref_ctx *c)
{
    size_t cap = c->eps_cap ? c->eps_cap * 2 : 4096;
    ep *n = calloc(cap, sizeof(*n));
    if (!n)
        return -1;
    for (size_t i = 0; i < c->eps_cap; i++) {
        if (!c->eps[i].used)
            continue;
        uint64_t k =
            (uint64_t)c->eps[i].addr << 16 | (uint64_t)c->eps[i].model << 8 | c->eps[i].cat;
        size_t j = (size_t)mix_hash(k) & (cap - 1);
        while (n[j].used)
            j = (j + 1) & (cap - 1);
        n[j] = c->eps[i];
    }
    free(c->eps);
    c->eps = n;
    c->eps_cap = cap;
    return 0;
}

static int add_endpoint(ref_ctx *c, int m, int cat, uint32_t addr, uint64_t taint, unsigned hop,
                        const sim_rec_tx *t)
{
    c->cat_sat[m][cat] += taint;
    if ((c->eps_n + 1) * 2 > c->eps_cap && ep_grow(c) != 0)
        return -1;
    uint64_t k = (uint64_t)addr << 16 | (uint64_t)m << 8 | (uint64_t)cat;
    size_t j = (size_t)mix_hash(k) & (c->eps_cap - 1);
    while (c->eps[j].used &&
           !(c->eps[j].addr == addr && c->eps[j].model == m && c->eps[j].cat == cat))
        j = (j + 1) & (c->eps_cap - 1);
    ep *e = &c->eps[j];
    if (!e->used) {
        e->used = 1;
        e->addr = addr;
        e->model = (uint8_t)m;
        e->cat = (uint8_t)cat;
        e->hops = hop;
        e->first_h = e->last_h = t->height;
        e->first_t = e->last_t = t->time;
        c->eps_n++;
    }
    e->taint += taint;
    e->outputs++;
    if (hop < e->hops)
        e->hops = hop;
    if (t->height < e->first_h)
        e->first_h = t->height, e->first_t = t->time;
    if (t->height > e->last_h)
        e->last_h = t->height, e->last_t = t->time;
    return 0;
}

static bool is_spent(const ref_ctx *c, uint64_t ref)
{
    return ref < c->n_refs && (c->spent[ref / 8] >> (ref % 8) & 1);
}

/* The stop rules for a tainted output; returns its category, or -1 when it is followed. */
static int stop_of(const ref_ctx *c, uint32_t addr, uint64_t ref, uint64_t taint, unsigned hop)
{
    const char *lbl;
    switch (c->w->addr_label(c->w->ctx, addr, &lbl)) {
    case SIM_LBL_EXCHANGE:
        return C_EXCHANGE;
    case SIM_LBL_MIXER:
        return C_MIXER;
    case SIM_LBL_BRIDGE:
        return C_BRIDGE;
    default:
        break;
    }
    if (!is_spent(c, ref))
        return C_UNSPENT;
    if (hop >= c->w->hops)
        return C_HOP_LIMIT;
    if (taint < c->w->dust)
        return C_DUST;
    return -1;
}

/* Haircut: T over the slots (outputs, then the fee) in proportion to value; the remainder
 * one satoshi at a time to the largest T*v mod V, ties to the lower slot. */
static int haircut(uint64_t *slot_taint, const uint64_t *v, size_t n, uint64_t T, uint64_t V)
{
    __extension__ typedef unsigned __int128 u128;
    uint64_t *rem = calloc(n, sizeof(*rem));
    if (!rem)
        return -1;
    uint64_t given = 0;
    for (size_t j = 0; j < n; j++) {
        u128 p = (u128)T * v[j];
        slot_taint[j] = (uint64_t)(p / V);
        rem[j] = (uint64_t)(p % V);
        given += slot_taint[j];
    }
    /* plain selection: n is small (a transaction's outputs) */
    for (uint64_t left = T - given; left > 0; left--) {
        size_t best = n;
        for (size_t j = 0; j < n; j++)
            if (rem[j] != UINT64_MAX && (best == n || rem[j] > rem[best]))
                best = j;
        slot_taint[best]++;
        rem[best] = UINT64_MAX; /* each slot gets at most one */
    }
    free(rem);
    return 0;
}

#define TIHO_MAX 256 /* outputs of a recorded transaction (the simulator writes at most 64) */
/* TIHO: T fills the outputs by descending value (ties to the lower index); the rest is fee. */
static void tiho(uint64_t *slot_taint, const uint64_t *v, size_t n_out, uint64_t T)
{
    bool done[TIHO_MAX] = {false};
    for (size_t k = 0; k < n_out; k++) {
        size_t best = n_out;
        for (size_t j = 0; j < n_out; j++)
            if (!done[j] && (best == n_out || v[j] > v[best]))
                best = j;
        done[best] = true;
        uint64_t x = T < v[best] ? T : v[best];
        slot_taint[best] = x;
        T -= x;
    }
    slot_taint[n_out] = T;
}

/* FIFO/LIFO: the input line (runs), mirrored for LIFO, cut at the slots' boundaries. */
static int cut_line(runs *out_lines, const runs *line, const uint64_t *v, size_t n, bool mirror)
{
    runs laid = {0};
    for (size_t k = 0; k < line->n; k++) {
        const run *x = &line->r[mirror ? line->n - 1 - k : k];
        if (runs_push(&laid, x->len, x->tainted) != 0) {
            free(laid.r);
            return -1;
        }
    }
    size_t ri = 0;
    uint64_t used = 0; /* of laid.r[ri] */
    for (size_t j = 0; j < n; j++) {
        uint64_t need = v[j];
        while (need > 0) {
            if (ri >= laid.n)
                break; /* cannot happen: the line covers the slots */
            uint64_t avail = laid.r[ri].len - used, take = avail < need ? avail : need;
            if (runs_push(&out_lines[j], take, laid.r[ri].tainted) != 0) {
                free(laid.r);
                return -1;
            }
            need -= take;
            used += take;
            if (used == laid.r[ri].len)
                ri++, used = 0;
        }
    }
    free(laid.r);
    return 0;
}

static int process_tx(ref_ctx *c, const sim_rec_tx *t)
{
    size_t n_out = t->n_out, n_slot = n_out + 1;
    if (n_out >= TIHO_MAX)
        return -1;
    uint64_t V = 0, vout = 0;
    for (unsigned i = 0; i < t->n_in; i++)
        V += t->in[i].value;
    int rc = -1;
    uint64_t *v = calloc(n_slot, sizeof(*v)), *st = calloc(n_slot, sizeof(*st));
    runs *lines = calloc(n_slot, sizeof(*lines)), line = {0};
    if (!v || !st || !lines)
        goto out;
    for (size_t j = 0; j < n_out; j++)
        v[j] = t->out[j].value, vout += v[j];
    v[n_out] = V - vout;
    bool poison_live[256] = {false};

    for (int m = 0; m < N_MODELS; m++) {
        uint64_t T = 0;
        unsigned hop = 0xffffffffu;
        line.n = 0;
        for (unsigned i = 0; i < t->n_in; i++) {
            uint64_t r = t->in[i].ref;
            state *s = r ? &c->st[m][r] : NULL;
            if (s && s->live && s->taint > 0) {
                T += s->taint;
                if (s->hop < hop)
                    hop = s->hop;
                if (m == M_FIFO || m == M_LIFO)
                    for (size_t k = 0; k < s->line.n; k++)
                        if (runs_push(&line, s->line.r[k].len, s->line.r[k].tainted) != 0)
                            goto out;
                s->live = 0;
                free(s->line.r);
                memset(&s->line, 0, sizeof(s->line));
            } else if (m == M_FIFO || m == M_LIFO) {
                if (runs_push(&line, t->in[i].value, 0) != 0)
                    goto out;
            }
        }
        unsigned out_hop;
        memset(st, 0, n_slot * sizeof(*st));
        for (size_t j = 0; j < n_slot; j++)
            lines[j].n = 0;
        if (t->source) {
            for (size_t j = 0; j < n_out; j++) {
                st[j] = v[j];
                lines[j].n = 0;
                if (runs_push(&lines[j], v[j], 1) != 0)
                    goto out;
            }
            out_hop = 0;
        } else {
            if (T == 0)
                continue;
            out_hop = hop + 1;
            switch (m) {
            case M_POISON:
                for (size_t j = 0; j < n_slot; j++)
                    st[j] = v[j];
                break;
            case M_HAIRCUT:
                if (haircut(st, v, n_slot, T, V) != 0)
                    goto out;
                break;
            case M_TIHO:
                tiho(st, v, n_out, T);
                break;
            default:
                if (cut_line(lines, &line, v, n_slot, m == M_LIFO) != 0)
                    goto out;
                for (size_t j = 0; j < n_slot; j++)
                    st[j] = runs_taint(&lines[j]);
                break;
            }
        }
        c->cat_sat[m][C_FEE] += st[n_out];
        for (size_t j = 0; j < n_out; j++) {
            if (st[j] == 0)
                continue;
            uint64_t ref = t->first_ref + j;
            int cat = stop_of(c, t->out[j].addr, ref, st[j], out_hop);
            if (cat >= 0) {
                if (add_endpoint(c, m, cat, t->out[j].addr, st[j], out_hop, t) != 0)
                    goto out;
                continue;
            }
            state *s = &c->st[m][ref];
            s->live = 1;
            s->taint = st[j];
            s->hop = (uint8_t)out_hop;
            if (m == M_FIFO || m == M_LIFO) {
                s->line = lines[j];
                memset(&lines[j], 0, sizeof(lines[j]));
            }
            if (m == M_POISON && j < 256)
                poison_live[j] = true;
        }
    }
    /* self-check: the simulator recorded exactly what poison follows */
    for (size_t j = 0; j < n_out && j < 256 && !c->w->label_member; j++) {
        bool expect = t->out[j].follow && is_spent(c, t->first_ref + j);
        if (poison_live[j] != expect) {
            char hex[65];
            ct_hash_to_hex(hex, t->txid);
            fprintf(stderr, "chaintrail-sim: reference and simulator disagree on %s:%zu\n", hex, j);
            goto out;
        }
    }
    rc = 0;
out:
    for (size_t j = 0; lines && j < n_slot; j++)
        free(lines[j].r);
    free(lines);
    free(line.r);
    free(v);
    free(st);
    return rc;
}

/* ---- truth.json ---- */
typedef struct ep_out {
    char addr[CT_BTC_ADDR_MAX];
    const ep *e;
    uint64_t taint, outputs;
    unsigned hops;
    uint32_t first_h, last_h, first_t, last_t;
    int cat;
} ep_out;

static int cmp_addr_cat(const void *a, const void *b)
{
    const ep_out *x = a, *y = b;
    int r = strcmp(x->addr, y->addr);
    return r ? r : x->cat - y->cat;
}
static int cmp_taint_addr(const void *a, const void *b)
{
    const ep_out *x = a, *y = b;
    if (x->taint != y->taint)
        return x->taint > y->taint ? -1 : 1;
    int r = strcmp(x->addr, y->addr);
    return r ? r : x->cat - y->cat;
}

static void write_model(FILE *out, ref_ctx *c, int m)
{
    const sim_world_info *w = c->w;
    size_t n = 0;
    for (size_t i = 0; i < c->eps_cap; i++)
        n += c->eps[i].used && c->eps[i].model == m;
    ep_out *list = calloc(n ? n : 1, sizeof(*list));
    size_t k = 0;
    for (size_t i = 0; i < c->eps_cap && list; i++) {
        const ep *e = &c->eps[i];
        if (!e->used || e->model != m)
            continue;
        ep_out *o = &list[k++];
        w->addr_text(w->ctx, e->addr, o->addr);
        o->e = e;
        o->taint = e->taint, o->outputs = e->outputs, o->hops = e->hops;
        o->first_h = e->first_h, o->last_h = e->last_h, o->first_t = e->first_t;
        o->last_t = e->last_t, o->cat = e->cat;
    }
    /* a key's P2PK and P2PKH outputs show as one address: merge them */
    qsort(list, k, sizeof(*list), cmp_addr_cat);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (u > 0 && strcmp(list[u - 1].addr, list[i].addr) == 0 &&
            list[u - 1].cat == list[i].cat) {
            ep_out *p = &list[u - 1];
            p->taint += list[i].taint;
            p->outputs += list[i].outputs;
            if (list[i].hops < p->hops)
                p->hops = list[i].hops;
            if (list[i].first_h < p->first_h)
                p->first_h = list[i].first_h, p->first_t = list[i].first_t;
            if (list[i].last_h > p->last_h)
                p->last_h = list[i].last_h, p->last_t = list[i].last_t;
        } else {
            list[u++] = list[i];
        }
    }
    qsort(list, u, sizeof(*list), cmp_taint_addr);
    uint64_t laundered =
        c->cat_sat[m][C_EXCHANGE] + c->cat_sat[m][C_MIXER] + c->cat_sat[m][C_BRIDGE];
    fprintf(out,
            "  \"%s\": {\"source_sat\": %" PRIu64 ", \"laundered_sat\": %" PRIu64
            ",\n    \"by_category\": {",
            model_name[m], c->source_sat, laundered);
    bool first = true;
    for (int cat = 0; cat < N_CATS; cat++) {
        if (c->cat_sat[m][cat] == 0)
            continue;
        fprintf(out, "%s\"%s\": %" PRIu64, first ? "" : ", ", cat_name[cat], c->cat_sat[m][cat]);
        first = false;
    }
    fprintf(out, "},\n    \"endpoints\": [");
    for (size_t i = 0; i < u; i++) {
        const ep_out *o = &list[i];
        const char *lbl = NULL;
        w->addr_label(w->ctx, o->e->addr, &lbl);
        fprintf(out,
                "%s\n      {\"address\": \"%s\", \"category\": \"%s\", \"label\": ", i ? "," : "",
                o->addr, cat_name[o->cat]);
        char member[CT_BTC_ADDR_MAX];
        if (o->cat <= C_BRIDGE && lbl)
            fprintf(out, "\"%s (" SIM_LABEL_SOURCE ")\"", lbl);
        else
            fprintf(out, "null");
        if (o->cat <= C_BRIDGE && w->label_member && w->label_member(w->ctx, o->e->addr, member))
            fprintf(out, ", \"label_member\": \"%s\"", member);
        fprintf(out,
                ", \"taint_sat\": %" PRIu64 ", \"hops\": %u, \"outputs\": %" PRIu64
                ", \"first_height\": %" PRIu32 ", \"first_time\": %" PRIu32
                ", \"last_height\": %" PRIu32 ", \"last_time\": %" PRIu32 "}",
                o->taint, o->hops, o->outputs, o->first_h, o->first_t, o->last_h, o->last_t);
    }
    fprintf(out, "]}");
    free(list);
}

int sim_reference_run(FILE *rec, FILE *out, const sim_world_info *w)
{
    ref_ctx c = {.w = w};
    sim_rec_tx t;
    int rc = -1, r = 0;
    /* pass 1: how many outputs there are; pass 2: which of them are spent */
    uint64_t n_refs_all = 0;
    while ((r = sim_rec_read(rec, &t)) == 1) {
        uint64_t end = t.first_ref + t.n_out;
        if (end > n_refs_all)
            n_refs_all = end;
        c.n_tx++;
        sim_rec_free(&t);
    }
    sim_rec_free(&t);
    if (r < 0)
        goto done;
    c.n_refs = n_refs_all + 1;
    c.spent = calloc((size_t)(c.n_refs / 8 + 1), 1);
    for (int m = 0; m < N_MODELS; m++) {
        c.st[m] = calloc((size_t)c.n_refs, sizeof(state));
        if (!c.st[m])
            goto done;
    }
    if (!c.spent)
        goto done;
    rewind(rec);
    while ((r = sim_rec_read(rec, &t)) == 1) {
        for (unsigned i = 0; i < t.n_in; i++) {
            uint64_t ref = t.in[i].ref;
            if (ref != 0 && ref < c.n_refs)
                c.spent[ref / 8] |= (uint8_t)(1u << (ref % 8));
        }
        sim_rec_free(&t);
    }
    sim_rec_free(&t);
    if (r < 0)
        goto done;
    rewind(rec);
    /* pass 3, in chain order */
    fprintf(out,
            "{\"simulator\": \"chaintrail-sim\", \"format\": 1, \"seed\": %" PRIu64
            ", \"txs\": %" PRIu64 ", \"blocks\": %" PRIu64 ", \"network\": \"regtest\",\n",
            w->seed, w->txs, w->blocks);
    char hex[65], vict[CT_BTC_ADDR_MAX];
    ct_hash_to_hex(hex, w->theft_txid);
    w->addr_text(w->ctx, w->victim_addr, vict);
    const char *vlabel = NULL;
    w->addr_label(w->ctx, w->victim_addr, &vlabel);
    fprintf(out, " \"sources\": [\"%s\"],\n", hex);
    fprintf(out,
            " \"parameters\": {\"hops\": %u, \"dust_sat\": %" PRIu64
            ", \"stop\": [\"exchange\", \"mixer\", \"bridge\", \"gambling\", \"sanctioned\"], "
            "\"cashout\": [\"exchange\", \"mixer\", \"bridge\", \"gambling\"], "
            "\"models\": [\"poison\", \"haircut\", \"fifo\", \"lifo\", \"tiho\"]},\n",
            w->hops, w->dust);
    bool stolen_written = false;
    while ((r = sim_rec_read(rec, &t)) == 1) {
        if (t.source) {
            fprintf(out,
                    " \"heist\": {\"txid\": \"%s\", \"height\": %" PRIu32 ", \"time\": %" PRIu32
                    ", \"victim\": \"%s\", \"victim_label\": \"%s\"},\n \"stolen_outputs\": [",
                    hex, t.height, t.time, vict, vlabel ? vlabel : "");
            for (unsigned j = 0; j < t.n_out; j++) {
                char a[CT_BTC_ADDR_MAX];
                w->addr_text(w->ctx, t.out[j].addr, a);
                fprintf(out,
                        "%s\n  {\"txid\": \"%s\", \"vout\": %u, \"address\": \"%s\", "
                        "\"value_sat\": %" PRIu64 "}",
                        j ? "," : "", hex, j, a, t.out[j].value);
                c.source_sat += t.out[j].value;
            }
            fprintf(out, "],\n");
            stolen_written = true;
        }
        if (process_tx(&c, &t) != 0) {
            sim_rec_free(&t);
            goto done;
        }
        sim_rec_free(&t);
    }
    sim_rec_free(&t);
    if (r < 0 || !stolen_written)
        goto done;
    /* self-check: every model but poison conserves the source value */
    for (int m = M_HAIRCUT; m < N_MODELS; m++) {
        uint64_t sum = 0;
        for (int cat = 0; cat < N_CATS; cat++)
            sum += c.cat_sat[m][cat];
        if (sum != c.source_sat) {
            fprintf(stderr,
                    "chaintrail-sim: reference %s does not conserve: %" PRIu64 " != %" PRIu64 "\n",
                    model_name[m], sum, c.source_sat);
            goto done;
        }
    }
    fprintf(out, " \"subgraph\": {\"transactions\": %" PRIu64 ", \"outputs\": %" PRIu64 "},\n",
            c.n_tx, n_refs_all - 1);
    fprintf(out, " \"models\": {\n");
    for (int m = 0; m < N_MODELS; m++) {
        write_model(out, &c, m);
        fprintf(out, "%s\n", m + 1 < N_MODELS ? "," : "");
    }
    fprintf(out, " }}\n");
    rc = ferror(out) ? -1 : 0;
done:
    if (r < 0)
        fprintf(stderr, "chaintrail-sim: cannot read back the recorded subgraph\n");
    for (int m = 0; m < N_MODELS; m++) {
        if (c.st[m]) {
            for (uint64_t i = 0; i < c.n_refs; i++)
                free(c.st[m][i].line.r);
            free(c.st[m]);
        }
    }
    free(c.spent);
    free(c.eps);
    return rc;
}
