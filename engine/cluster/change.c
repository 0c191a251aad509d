/* Change heuristics (issue 13): BlockSci's rules for telling the payer's change among a
 * transaction's outputs (citp/BlockSci src/blocksci/heuristics/change_address.cpp), as pure
 * functions over the same transaction description the CoinJoin detectors use, plus what
 * the caller knows of the spending and parent transactions. Each rule yields the outputs it
 * cannot rule out; a rule that leaves exactly one names it, with the rule's weight as its
 * confidence. The weights are our ordering of the rules, not measured probabilities
 * (docs/clustering.md). Nothing here merges clusters. */
#include "cluster/change.h"

#include <stdbool.h>

#include "chaintrail/bitcoin.h"

static const struct {
    const char *name;
    unsigned weight; /* per mille */
} heurs[CT_CHG_N] = {
    [CT_CHG_ADDRESS_REUSE] = {"address_reuse", 900}, [CT_CHG_ADDRESS_TYPE] = {"address_type", 600},
    [CT_CHG_OPTIMAL] = {"optimal_change", 700},      [CT_CHG_POWER_OF_TEN] = {"power_of_ten", 600},
    [CT_CHG_LOCKTIME] = {"locktime", 500},           [CT_CHG_PEELING] = {"peeling_chain", 800},
};

const char *ct_change_name(ct_change_heur h)
{
    return (unsigned)h < CT_CHG_N ? heurs[h].name : NULL;
}

static bool spendable(const ct_cj_out *o)
{
    return o->type != CT_BTC_NULLDATA;
}

static bool input_has_addr(const ct_cj_tx *tx, uint64_t addrid)
{
    if (addrid == 0)
        return false;
    for (size_t i = 0; i < tx->n_in; i++)
        if (tx->in[i].addrid == addrid)
            return true;
    return false;
}

static bool looks_like_peel(uint32_t n_in, uint32_t n_out)
{
    return n_in == 1 && n_out == 2;
}

/* Whether output i stays a candidate under heuristic h. */
static bool candidate(const ct_cj_tx *tx, const ct_change_ctx *ctx, ct_change_heur h, size_t i)
{
    const ct_cj_out *o = &tx->out[i];
    switch (h) {
    case CT_CHG_ADDRESS_REUSE:
        return input_has_addr(tx, o->addrid);
    case CT_CHG_ADDRESS_TYPE:
        for (size_t k = 1; k < tx->n_in; k++)
            if (tx->in[k].type != tx->in[0].type)
                return false;
        return o->type == tx->in[0].type;
    case CT_CHG_OPTIMAL:
        for (size_t k = 0; k < tx->n_in; k++)
            if (o->value >= tx->in[k].value)
                return false;
        return true;
    case CT_CHG_POWER_OF_TEN: {
        unsigned digits = ctx && ctx->digits ? ctx->digits : 6;
        uint64_t unit = 1;
        for (unsigned k = 0; k < digits && unit <= UINT64_MAX / 10; k++)
            unit *= 10;
        return o->value % unit != 0;
    }
    case CT_CHG_LOCKTIME: {
        const ct_change_spend *sp = ctx && ctx->spend ? &ctx->spend[i] : NULL;
        if (!sp || !sp->spent)
            return true; /* unknown: not ruled out */
        return (sp->locktime > 0) == (tx->locktime > 0);
    }
    case CT_CHG_PEELING: {
        if (!looks_like_peel((uint32_t)tx->n_in, (uint32_t)tx->n_out))
            return false;
        bool chain =
            ctx && ctx->parent_known && looks_like_peel(ctx->parent_n_in, ctx->parent_n_out);
        for (size_t k = 0; !chain && ctx && ctx->spend && k < tx->n_out; k++)
            chain = ctx->spend[k].spent && looks_like_peel(ctx->spend[k].n_in, ctx->spend[k].n_out);
        if (!chain)
            return false;
        const ct_cj_out *other = &tx->out[1 - i];
        return o->value > other->value; /* the larger output carries the chain on */
    }
    case CT_CHG_N:
        break;
    }
    return false;
}

void ct_change_judge(const ct_cj_tx *tx, const ct_change_ctx *ctx, ct_change_heur h,
                     ct_change_verdict *out)
{
    if (!out)
        return;
    out->heuristic = h;
    out->output = -1;
    out->candidates = 0;
    out->confidence = 0;
    if (!tx || (unsigned)h >= CT_CHG_N || tx->n_in == 0 || !tx->in || !tx->out)
        return;
    size_t n_spendable = 0, found = 0;
    for (size_t i = 0; i < tx->n_out; i++) {
        if (!spendable(&tx->out[i]))
            continue;
        n_spendable++;
        if (candidate(tx, ctx, h, i)) {
            out->candidates++;
            found = i;
        }
    }
    if (out->candidates == 1 && n_spendable >= 2) {
        out->output = (long)found;
        out->confidence = heurs[h].weight;
    }
}

void ct_change_judge_all(const ct_cj_tx *tx, const ct_change_ctx *ctx,
                         ct_change_verdict out[CT_CHG_N])
{
    for (unsigned h = 0; h < CT_CHG_N; h++)
        ct_change_judge(tx, ctx, (ct_change_heur)h, &out[h]);
}
