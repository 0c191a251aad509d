/* The account-chain side of `chaintrail trace` (docs/trace.md, "Ethereum"): runs the
 * account-model tracer over the database's Ethereum tables and prints, per asset (ETH and
 * each token that carried taint) and per model, the endpoints, the totals per category,
 * what was laundered and the range across models, in JSON, text or CSV. Amounts are
 * 256-bit integers printed as decimal strings; the output is deterministic. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define UNITS_MAX CLI_UNITS_MAX

static void dec_of(char out[CT_U256_DEC_MAX], const ct_u256 *a)
{
    ct_u256_to_dec(out, CT_U256_DEC_MAX, a);
}

static void json_dec(FILE *f, const ct_u256 *a)
{
    char s[CT_U256_DEC_MAX];
    dec_of(s, a);
    fprintf(f, "\"%s\"", s);
}

/* An amount in whole units of its asset ("1.500000000000000000"); in base units when the
 * token never said its decimals. */
static void units_of(char out[UNITS_MAX], const ct_u256 *a, const ct_acct_asset_info *ai)
{
    cli_units(out, a, ai->known_decimals ? ai->decimals : 0);
}

/* The name of an asset in text: its symbol, or its contract when it has none. */
static const char *asset_name(const ct_acct_asset_info *ai)
{
    return ai->symbol[0] ? ai->symbol : ai->contract;
}

/* Whether the asset has a price table to be valued by (a ticker and known decimals). */
static bool priced(const ct_acct_asset_info *ai)
{
    return ai->price_asset[0] && ai->known_decimals;
}

/* How the amounts of an asset are written (groups, limits, connect). */
static cli_amt amt_of(const ct_acct_asset_info *ai, const char *name)
{
    return (cli_amt){true, priced(ai), ai->known_decimals ? ai->decimals : 0u, 30, name};
}

/* The endpoints listed: all, or the first --limit when endpoints are not grouped. */
static size_t ep_limit(const cli_acct_trace_req *q, size_t n)
{
    if (q->group_by == CLI_GROUP_NONE && q->limit && q->limit < n)
        return (size_t)q->limit;
    return n;
}

static cli_ep *eps_of(const ct_acct_asset_result *x)
{
    cli_ep *v = malloc((x->n_endpoints ? x->n_endpoints : 1) * sizeof(*v));
    for (size_t i = 0; v && i < x->n_endpoints; i++)
        cli_ep_of_acct(&v[i], &x->endpoints[i]);
    return v;
}

static size_t acct_endpoint_of(const void *flows, size_t i)
{
    return ((const ct_acct_flow *)flows)[i].endpoint;
}

static int flows_in(const ct_acct_asset_result *x, size_t **start, size_t **idx)
{
    return cli_index_flows_in(x->n_endpoints, x->n_flows, acct_endpoint_of, x->flows, start, idx);
}

/* USD of an amount: a string with cents, or null when nothing of it was priced (or the
 * asset has no price table). */
static void json_usd(FILE *f, bool apriced, u128 cents, const ct_u256 *amount,
                     const ct_u256 *unpriced)
{
    if (!apriced || (ct_u256_cmp(unpriced, amount) == 0 && !ct_u256_is_zero(amount))) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    cli_print_cents(f, cents);
    fputc('"', f);
}

typedef struct acct_range {
    bool any, usd_known; /* usd_known: some model's laundered USD is known (see cli_range) */
    ct_u256 lo, hi, unpriced;
    u128 lo_usd, hi_usd;
} acct_range;

/* The range of laundered value of asset a over haircut, FIFO, LIFO and TIHO. */
static void range_of(const ct_acct_trace_result *r, size_t a, acct_range *out)
{
    memset(out, 0, sizeof(*out));
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++) {
        if (!r->model[m])
            continue;
        const ct_acct_asset_result *x = &r->model[m][a];
        bool first = !out->any;
        if (first || ct_u256_cmp(&x->laundered, &out->lo) < 0)
            out->lo = x->laundered;
        if (first || ct_u256_cmp(&x->laundered, &out->hi) > 0)
            out->hi = x->laundered;
        if (ct_u256_cmp(&x->laundered_unpriced, &out->unpriced) > 0)
            out->unpriced = x->laundered_unpriced;
        out->any = true;
        if (!ct_u256_is_zero(&x->laundered) &&
            ct_u256_cmp(&x->laundered_unpriced, &x->laundered) >= 0)
            continue; /* no price at all: not $0.00 */
        bool ufirst = !out->usd_known;
        if (ufirst || x->laundered_usd_cents < out->lo_usd)
            out->lo_usd = x->laundered_usd_cents;
        if (ufirst || x->laundered_usd_cents > out->hi_usd)
            out->hi_usd = x->laundered_usd_cents;
        out->usd_known = true;
    }
}

/* ---- flows (docs/trace.md, "Flows") ---- */
static const char *kind_name(uint8_t kind)
{
    static const char *const names[] = {"remainder", "native",       "internal", "token",
                                        "fee_burnt", "fee_priority", "reward"};
    return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

static void flow_json(FILE *f, const ct_acct_flow *w, bool ap, size_t endpoint);

static void json_flows(FILE *f, const ct_acct_asset_result *x, bool ap)
{
    fputs(",\"hop_totals\":[", f);
    for (size_t i = 0; i < x->n_hop_totals; i++) {
        const ct_acct_hop_total *h = &x->hop_totals[i];
        fprintf(f, "%s{\"hop\":%u,\"to\":", i ? "," : "", h->hop);
        cli_json_string(f, h->category[0] ? h->category : "carried");
        fprintf(f, ",\"flows\":%llu,\"taint\":", (unsigned long long)h->flows);
        json_dec(f, &h->taint);
        fputc('}', f);
    }
    fputc(']', f);
    if (!x->flows_whole)
        return;
    fputs(",\"flows\":[", f);
    for (size_t i = 0; i < x->n_flows; i++) {
        fputs(i ? "," : "", f);
        flow_json(f, &x->flows[i], ap, x->flows[i].endpoint);
    }
    fputc(']', f);
}

/* One flow; `endpoint` the index its "endpoint" field gives (CT_TRACE_NONE: null). */
static void flow_json(FILE *f, const ct_acct_flow *w, bool ap, size_t endpoint)
{
    {
        fprintf(f, "{\"hop\":%u,\"height\":%u,", w->hop, w->at.height);
        if (w->at.tx_index == CT_ACCT_BLOCK_LEVEL)
            fputs("\"tx_index\":null,\"pos\":null", f);
        else
            fprintf(f, "\"tx_index\":%u,\"pos\":%u", w->at.tx_index, w->at.pos);
        fprintf(f, ",\"time\":%u,\"utc\":\"", w->time);
        cli_print_time(f, w->time);
        static const uint8_t zero[32];
        fputs("\",\"tx\":", f);
        if (memcmp(w->txhash, zero, 32) == 0) {
            fputs("null", f);
        } else {
            fputs("\"0x", f);
            cli_print_hex(f, w->txhash, 32);
            fputc('"', f);
        }
        fprintf(f, ",\"kind\":\"%s\",\"from\":", kind_name(w->kind));
        cli_json_string_or_null(f, w->from);
        fputs(",\"to\":", f);
        cli_json_string_or_null(f, w->to);
        fputs(",\"taint\":", f);
        json_dec(f, &w->taint);
        fputs(",\"usd\":", f);
        if (ap && w->priced) {
            fputc('"', f);
            cli_print_cents(f, w->usd_cents);
            fputc('"', f);
        } else {
            fputs("null", f);
        }
        if (endpoint == CT_TRACE_NONE)
            fputs(",\"endpoint\":null}", f);
        else
            fprintf(f, ",\"endpoint\":%zu}", endpoint);
    }
}

/* An endpoint as JSON, left open for "flows_in" (--paths) and the closing brace. */
static void endpoint_json_open(FILE *f, const ct_acct_endpoint *e, bool ap)
{
    fputs("{\"address\":", f);
    cli_json_string_or_null(f, e->address); /* the budget endpoint */
    fputs(",\"category\":", f);
    cli_json_string(f, e->category);
    fputs(",\"label\":", f);
    cli_json_string_or_null(f, e->label);
    fputs(",\"taint\":", f);
    json_dec(f, &e->taint);
    fputs(",\"usd\":", f);
    json_usd(f, ap, e->usd_cents, &e->taint, &e->unpriced);
    fputs(",\"unpriced\":", f);
    json_dec(f, &e->unpriced);
    fprintf(f,
            ",\"hops\":%u,\"flows\":%llu,\"first_height\":%u,\"first_time\":%u,"
            "\"last_height\":%u,\"last_time\":%u",
            e->hops, (unsigned long long)e->flows, e->first_height, e->first_time, e->last_height,
            e->last_time);
}

static void print_csv_flows(FILE *f, const ct_acct_trace_result *r)
{
    fputs("model,symbol,contract,hop,height,tx_index,pos,time,tx,kind,from,to,taint,usd,"
          "endpoint_category,endpoint_address\n",
          f);
    static const uint8_t zero[32];
    for (size_t a = 0; a < r->n_assets; a++) {
        const ct_acct_asset_info *ai = &r->assets[a];
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            if (!r->model[m] || !r->model[m][a].flows_whole)
                continue;
            const ct_acct_asset_result *x = &r->model[m][a];
            for (size_t i = 0; i < x->n_flows; i++) {
                const ct_acct_flow *w = &x->flows[i];
                char d[CT_U256_DEC_MAX];
                fprintf(f, "%s,", ct_model_name((ct_model)m));
                cli_csv_text(f, ai->symbol);
                fputc(',', f);
                cli_csv_text(f, ai->contract);
                fprintf(f, ",%u,%u,", w->hop, w->at.height);
                if (w->at.tx_index != CT_ACCT_BLOCK_LEVEL)
                    fprintf(f, "%u,%u", w->at.tx_index, w->at.pos);
                else
                    fputc(',', f);
                fprintf(f, ",%u,", w->time);
                if (memcmp(w->txhash, zero, 32) != 0) {
                    fputs("0x", f);
                    cli_print_hex(f, w->txhash, 32);
                }
                fprintf(f, ",%s,%s,%s,", kind_name(w->kind), w->from, w->to);
                dec_of(d, &w->taint);
                fprintf(f, "%s,", d);
                if (priced(ai) && w->priced)
                    cli_print_cents(f, w->usd_cents);
                fputc(',', f);
                if (w->endpoint != CT_TRACE_NONE) {
                    cli_csv_text(f, x->endpoints[w->endpoint].category);
                    fputc(',', f);
                    cli_csv_text(f, x->endpoints[w->endpoint].address);
                } else {
                    fputc(',', f);
                }
                fputc('\n', f);
            }
        }
    }
}

typedef struct acct_manifest {
    const cli_acct_trace_req *q;
    ct_eth_stats stats;
    ct_eth_block_info tip;
    uint8_t prices_digest[32], labels_digest[32];
} acct_manifest;

static void print_manifest(FILE *f, const acct_manifest *mf)
{
    const cli_acct_trace_req *q = mf->q;
    const ct_trace_options *o = q->o;
    fprintf(f, "\"manifest\":{\"chaintrail\":\"%s\",\"chain\":\"ethereum\",\"chain_id\":",
            ct_version());
    cli_json_amount(f, mf->stats.chain_id); /* 64-bit: a string beyond 2^53 */
    fprintf(f, ",\"tip\":{\"height\":%u,\"hash\":\"0x", mf->tip.height);
    cli_print_hex(f, mf->tip.hash, 32);
    fprintf(f, "\",\"time\":%u}", mf->tip.time);
    fputs(",\"prices_digest\":\"", f);
    cli_print_hex(f, mf->prices_digest, 32);
    fputs("\",\"labels_digest\":\"", f);
    cli_print_hex(f, mf->labels_digest, 32);
    fputs("\",", f);
    cli_trace_json_params(f, q->case_name, q->given, q->n_src, q->src, o->models);
    fprintf(f, ",\"direction\":\"forward\",%s", o->paths ? "\"paths\":true," : "");
    if (o->flows || o->paths)
        fprintf(f, "\"flows\":\"%s\",", o->poison_flows || o->paths ? "whole" : "poison per hop");
    if (o->n_targets) {
        fputs("\"to\":[", f);
        for (size_t i = 0; i < o->n_targets; i++) {
            fputs(i ? "," : "", f);
            cli_json_string(f, o->targets[i]);
        }
        fputs("],", f);
    }
    if (q->group_by != CLI_GROUP_NONE)
        fprintf(f, "\"group\":\"%s\",", cli_group_name(q->group_by));
    if (q->limit)
        fprintf(f, "\"limit\":%llu,", (unsigned long long)q->limit);
    fprintf(f, "\"hops\":%u,\"dust\":\"%llu\",", o->hops, (unsigned long long)o->dust);
    cli_trace_json_limits(f, o, q->timeout);
}

static int connect_json(FILE *f, const ct_acct_trace_result *r, const cli_acct_trace_req *q);

/* {"symbol":…,"contract":…,"decimals":… left open. */
static void asset_json_open(FILE *f, const ct_acct_asset_info *ai)
{
    fputs("{\"symbol\":", f);
    cli_json_string_or_null(f, ai->symbol);
    fputs(",\"contract\":", f);
    cli_json_string_or_null(f, ai->contract);
    if (ai->known_decimals)
        fprintf(f, ",\"decimals\":%u", ai->decimals);
    else
        fputs(",\"decimals\":null", f);
}

static int print_json(FILE *f, const ct_acct_trace_result *r, const acct_manifest *mf)
{
    const cli_acct_trace_req *q = mf->q;
    cli_trace_json_status(f, r->complete, r->incomplete_reason);
    print_manifest(f, mf);
    if (q->o->n_targets)
        return connect_json(f, r, q);
    fputs(",\"assets\":[", f);
    for (size_t a = 0; a < r->n_assets; a++) {
        const ct_acct_asset_info *ai = &r->assets[a];
        bool ap = priced(ai);
        fputs(a ? "," : "", f);
        asset_json_open(f, ai);
        fputs(",\"price_asset\":", f);
        if (ap)
            cli_json_string(f, ai->price_asset);
        else
            fputs("null", f);
        fputs(",\"models\":{", f);
        bool first = true;
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            if (!r->model[m])
                continue;
            const ct_acct_asset_result *x = &r->model[m][a];
            fprintf(f, "%s\"%s\":{\"source\":", first ? "" : ",", ct_model_name((ct_model)m));
            first = false;
            json_dec(f, &x->source);
            fputs(",\"laundered\":", f);
            json_dec(f, &x->laundered);
            fputs(",\"laundered_usd\":", f);
            json_usd(f, ap, x->laundered_usd_cents, &x->laundered, &x->laundered_unpriced);
            fputs(",\"laundered_unpriced\":", f);
            json_dec(f, &x->laundered_unpriced);
            fputs(",\"by_category\":{", f);
            for (size_t i = 0; i < x->n_categories; i++) {
                const ct_acct_category *c = &x->categories[i];
                fputs(i ? "," : "", f);
                cli_json_string(f, c->name);
                fputs(":{\"amount\":", f);
                json_dec(f, &c->amount);
                fputs(",\"usd\":", f);
                json_usd(f, ap, c->usd_cents, &c->amount, &c->unpriced);
                fputs(",\"unpriced\":", f);
                json_dec(f, &c->unpriced);
                fputc('}', f);
            }
            size_t *start = NULL, *idx = NULL;
            if (q->o->paths && flows_in(x, &start, &idx) != CT_OK)
                return CT_ENOMEM;
            fputs("},\"endpoints\":[", f);
            size_t shown = ep_limit(q, x->n_endpoints);
            for (size_t i = 0; i < shown; i++) {
                fputs(i ? "," : "", f);
                endpoint_json_open(f, &x->endpoints[i], ap);
                if (q->o->paths)
                    cli_flows_in_json(f, start, idx, i);
                fputc('}', f);
            }
            fputc(']', f);
            free(start);
            free(idx);
            if (q->limit || q->group_by != CLI_GROUP_NONE) {
                cli_amt u = amt_of(ai, "");
                cli_ep *v = eps_of(x);
                cli_group *g = NULL;
                size_t ng = 0;
                if (!v || (q->group_by != CLI_GROUP_NONE &&
                           cli_groups(v, x->n_endpoints, q->group_by, &g, &ng) != CT_OK)) {
                    free(v);
                    return CT_ENOMEM;
                }
                if (q->group_by == CLI_GROUP_NONE)
                    cli_left_out_json(f, &u, v, x->n_endpoints, shown);
                else
                    cli_groups_json(f, &u, q->group_by, (size_t)q->limit, g, ng);
                free(g);
                free(v);
            }
            if (q->o->flows || q->o->paths)
                json_flows(f, x, ap);
            fputc('}', f);
        }
        fputs("},\"range\":{", f);
        acct_range rg;
        range_of(r, a, &rg);
        if (rg.any) {
            fputs("\"low\":", f);
            json_dec(f, &rg.lo);
            fputs(",\"high\":", f);
            json_dec(f, &rg.hi);
            if (ap && rg.usd_known) {
                fputs(",\"low_usd\":\"", f);
                cli_print_cents(f, rg.lo_usd);
                fputs("\",\"high_usd\":\"", f);
                cli_print_cents(f, rg.hi_usd);
                fputs("\"", f);
            } else {
                fputs(",\"low_usd\":null,\"high_usd\":null", f);
            }
            fputs(",\"unpriced\":", f);
            json_dec(f, &rg.unpriced);
        } else {
            fputs("\"low\":null,\"high\":null,\"low_usd\":null,\"high_usd\":null,"
                  "\"unpriced\":null",
                  f);
        }
        fputs(",\"poison\":", f);
        if (r->model[CT_MODEL_POISON]) {
            const ct_acct_asset_result *p = &r->model[CT_MODEL_POISON][a];
            json_dec(f, &p->laundered);
            fputs(",\"poison_usd\":", f);
            json_usd(f, ap, p->laundered_usd_cents, &p->laundered, &p->laundered_unpriced);
        } else {
            fputs("null,\"poison_usd\":null", f);
        }
        fputs("}}", f);
    }
    fputs("]}\n", f);
    return CT_OK;
}

static void flow_text(FILE *f, const ct_acct_flow *w, const ct_acct_asset_info *ai,
                      const char *name);
static int connect_text(FILE *f, const ct_acct_trace_result *r, const cli_acct_trace_req *q);

static int print_text(FILE *f, const ct_acct_trace_result *r, const acct_manifest *mf)
{
    const cli_acct_trace_req *q = mf->q;
    fputs("trace from", f);
    if (q->case_name)
        fprintf(f, " case %s:", q->case_name);
    for (size_t i = 0; i < q->n_src; i++) {
        fputc(' ', f);
        cli_print_text(f, q->given[i]);
    }
    fprintf(f, " (ethereum, %llu source transfers)\n", (unsigned long long)r->source_events);
    fprintf(f, "database: ethereum chain %llu, tip %u 0x", (unsigned long long)mf->stats.chain_id,
            mf->tip.height);
    cli_print_hex(f, mf->tip.hash, 32);
    fprintf(f, "; chaintrail %s\n", ct_version());
    fprintf(f, "hops %u, dust %llu base units, stop at", q->o->hops,
            (unsigned long long)q->o->dust);
    for (size_t i = 0; i < q->o->n_stops; i++)
        fprintf(f, "%s%s", i ? "," : " ", q->o->stops[i]);
    if (r->complete)
        fputs("\ncomplete\n", f);
    else
        fprintf(f, "\nINCOMPLETE: the budget ran out: %s\n", r->incomplete_reason);
    if (q->o->n_targets)
        return connect_text(f, r, q);
    char a1[UNITS_MAX], a2[UNITS_MAX];
    for (size_t a = 0; a < r->n_assets; a++) {
        const ct_acct_asset_info *ai = &r->assets[a];
        char name[3 * sizeof(ai->symbol) + 4]; /* a token's symbol is on-chain text */
        cli_text_escape(name, sizeof(name), asset_name(ai));
        fprintf(f, "\n== %s", name);
        if (ai->symbol[0] && ai->contract[0])
            fprintf(f, " (%s)", ai->contract);
        if (!ai->known_decimals)
            fputs(" (decimals unknown: base units)", f);
        fprintf(f, "\n%-8s %30s %30s\n", "model", "source", "laundered");
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            if (!r->model[m])
                continue;
            const ct_acct_asset_result *x = &r->model[m][a];
            units_of(a1, &x->source, ai);
            units_of(a2, &x->laundered, ai);
            fprintf(f, "%-8s %30s %30s", ct_model_name((ct_model)m), a1, a2);
            if (ct_u256_is_zero(&x->laundered)) {
                if (priced(ai))
                    fputs("  USD 0.00", f); /* nothing laundered is worth $0.00 */
            } else {
                if (priced(ai) && ct_u256_cmp(&x->laundered_unpriced, &x->laundered) < 0) {
                    fputs("  USD ", f);
                    cli_print_cents(f, x->laundered_usd_cents);
                    if (!ct_u256_is_zero(&x->laundered_unpriced)) {
                        units_of(a1, &x->laundered_unpriced, ai);
                        fprintf(f, " + %s %s without a price", a1, name);
                    }
                } else {
                    fputs("  no price", f);
                }
            }
            fputc('\n', f);
        }
        acct_range rg;
        range_of(r, a, &rg);
        if (rg.any) {
            units_of(a1, &rg.lo, ai);
            units_of(a2, &rg.hi, ai);
            fprintf(f, "laundered: between %s and %s %s", a1, a2, name);
            if (priced(ai)) {
                cli_print_usd_range_open(f, rg.usd_known, rg.lo_usd, rg.hi_usd);
                if (!ct_u256_is_zero(&rg.unpriced)) {
                    units_of(a1, &rg.unpriced, ai);
                    fprintf(f, "; up to %s %s on days without a price", a1, name);
                }
                fputc(')', f);
            } else {
                fputs(" (no price table)", f);
            }
            fputc('\n', f);
        }
        if (r->model[CT_MODEL_POISON]) {
            units_of(a1, &r->model[CT_MODEL_POISON][a].laundered, ai);
            fprintf(f, "exposure upper bound (poison): %s %s\n", a1, name);
        }
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            if (!r->model[m])
                continue;
            const ct_acct_asset_result *x = &r->model[m][a];
            fprintf(f, "-- %s %s\n  by category:", name, ct_model_name((ct_model)m));
            for (size_t i = 0; i < x->n_categories; i++) {
                units_of(a1, &x->categories[i].amount, ai);
                fprintf(f, "%s %s %s", i ? "," : "", x->categories[i].name, a1);
            }
            cli_amt u = amt_of(ai, name);
            cli_ep *v = eps_of(x);
            size_t *start = NULL, *idx = NULL;
            if (!v || (q->o->paths && flows_in(x, &start, &idx) != CT_OK)) {
                free(v);
                return CT_ENOMEM;
            }
            if (q->group_by != CLI_GROUP_NONE) {
                cli_group *g;
                size_t ng;
                if (cli_groups(v, x->n_endpoints, q->group_by, &g, &ng) != CT_OK) {
                    free(v), free(start), free(idx);
                    return CT_ENOMEM;
                }
                cli_groups_text(f, &u, q->group_by, (size_t)q->limit, g, ng);
                free(g);
            }
            fprintf(f, "\n  %30s %-12s %4s %9s  %s\n", "taint", "category", "hops", "height",
                    "address  label");
            size_t shown = ep_limit(q, x->n_endpoints);
            for (size_t i = 0; i < shown; i++) {
                const ct_acct_endpoint *e = &x->endpoints[i];
                units_of(a1, &e->taint, ai);
                fprintf(f, "  %30s %-12s %4u %9u  %s", a1, e->category, e->hops, e->first_height,
                        e->address[0] ? e->address : "(no address)");
                if (e->label[0]) {
                    fputs("  ", f);
                    cli_print_text(f, e->label);
                }
                fputc('\n', f);
                for (size_t k = start ? start[i] : 0; start && k < start[i + 1]; k++)
                    flow_text(f, &x->flows[idx[k]], ai, name);
            }
            cli_left_out_text(f, &u, v, x->n_endpoints, shown);
            free(v);
            free(start);
            free(idx);
        }
    }
    return CT_OK;
}

/* One flow as a text line (under its endpoint with --paths). */
static void flow_text(FILE *f, const ct_acct_flow *w, const ct_acct_asset_info *ai,
                      const char *name)
{
    static const uint8_t zero[32];
    char a[UNITS_MAX];
    units_of(a, &w->taint, ai);
    fprintf(f, "      %s %s  hop %u  height %u  ", a, name, w->hop, w->at.height);
    cli_print_time(f, w->time);
    fprintf(f, "  %s", kind_name(w->kind));
    if (memcmp(w->txhash, zero, 32) != 0) {
        fputs("  tx 0x", f);
        cli_print_hex(f, w->txhash, 32);
    }
    fprintf(f, "  from %s  to %s\n", w->from[0] ? w->from : "(none)", w->to[0] ? w->to : "(fee)");
}

/* The start of a CSV row of asset ai in model m: "model,symbol,contract" (malloc'd). */
static char *row_prefix(int m, const ct_acct_asset_info *ai)
{
    char *p = NULL;
    size_t n = 0;
    FILE *s = open_memstream(&p, &n);
    if (!s)
        return NULL;
    fprintf(s, "%s,", ct_model_name((ct_model)m));
    cli_csv_text(s, ai->symbol);
    fputc(',', s);
    cli_csv_text(s, ai->contract);
    if (fclose(s) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

/* --group in CSV: one row per (model, asset, group). */
static int print_csv_groups(FILE *f, const ct_acct_trace_result *r, const cli_acct_trace_req *q)
{
    fprintf(f, "model,symbol,contract,%s,taint,usd,unpriced,endpoints,first_height,last_height\n",
            cli_group_name(q->group_by));
    for (size_t a = 0; a < r->n_assets; a++)
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            if (!r->model[m])
                continue;
            const ct_acct_asset_result *x = &r->model[m][a];
            cli_amt u = amt_of(&r->assets[a], "");
            cli_ep *v = eps_of(x);
            cli_group *g = NULL;
            size_t ng;
            char *pre = row_prefix(m, &r->assets[a]);
            if (!v || !pre || cli_groups(v, x->n_endpoints, q->group_by, &g, &ng) != CT_OK) {
                free(v), free(pre);
                return CT_ENOMEM;
            }
            cli_groups_csv_rows(f, pre, &u, (size_t)q->limit, g, ng);
            free(g), free(v), free(pre);
        }
    return CT_OK;
}

static void print_csv(FILE *f, const ct_acct_trace_result *r, const cli_acct_trace_req *q)
{
    fputs("model,symbol,contract,address,category,label,taint,usd,unpriced,hops,flows,"
          "first_height,first_time,last_height,last_time\n",
          f);
    for (size_t a = 0; a < r->n_assets; a++) {
        const ct_acct_asset_info *ai = &r->assets[a];
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            if (!r->model[m])
                continue;
            const ct_acct_asset_result *x = &r->model[m][a];
            size_t shown = ep_limit(q, x->n_endpoints);
            if (shown < x->n_endpoints) { /* --limit: the rest in one row (nothing
                                           * allocated: the row cannot go missing) */
                size_t k = x->n_endpoints - shown;
                ct_u256 rest = ct_u256_from_u64(0);
                char d[CT_U256_DEC_MAX];
                for (size_t i = shown; i < x->n_endpoints; i++) {
                    cli_ep e;
                    cli_ep_of_acct(&e, &x->endpoints[i]);
                    cli_left_out_add(&rest, &e);
                }
                dec_of(d, &rest);
                fprintf(f, "%s,", ct_model_name((ct_model)m));
                cli_csv_text(f, ai->symbol);
                fputc(',', f);
                cli_csv_text(f, ai->contract);
                fprintf(f, ",\"(left out: %zu)\",,,%s,,,,,,,,\n", k, d);
            }
            for (size_t i = 0; i < shown; i++) {
                const ct_acct_endpoint *e = &x->endpoints[i];
                char d[CT_U256_DEC_MAX];
                fprintf(f, "%s,", ct_model_name((ct_model)m));
                cli_csv_text(f, ai->symbol);
                fputc(',', f);
                cli_csv_text(f, ai->contract);
                fputc(',', f);
                cli_csv_text(f, e->address);
                fputc(',', f);
                cli_csv_text(f, e->category);
                fputc(',', f);
                cli_csv_text(f, e->label);
                dec_of(d, &e->taint);
                fprintf(f, ",%s,", d);
                if (priced(ai) && ct_u256_cmp(&e->unpriced, &e->taint) != 0)
                    cli_print_cents(f, e->usd_cents);
                dec_of(d, &e->unpriced);
                fprintf(f, ",%s,%u,%llu,%u,%u,%u,%u\n", d, e->hops, (unsigned long long)e->flows,
                        e->first_height, e->first_time, e->last_height, e->last_time);
            }
        }
    }
}

/* ---- connect (trace --to; docs/trace.md, "Connect") ---- */
/* Target t as endpoints name addresses: EIP-55. */
static void target_name(char out[CT_ETH_ADDR_STR_MAX], const cli_acct_trace_req *q, size_t t)
{
    uint8_t a[20];
    ct_error err;
    if (ct_eth_address_parse(a, q->o->targets[t], strlen(q->o->targets[t]), &err) == CT_OK)
        ct_eth_address_format(out, a);
    else
        snprintf(out, CT_ETH_ADDR_STR_MAX, "%s", q->o->targets[t]);
}

/* Target t's endpoints in asset result x, summed; eps (may be NULL) gets their indexes among
 * the target endpoints (the answer's "endpoints"). */
static void sum_target(const ct_acct_asset_result *x, const char *name, cli_sum *s, size_t *eps,
                       size_t *n_eps)
{
    memset(s, 0, sizeof(*s));
    size_t k = 0, n = 0;
    for (size_t i = 0; i < x->n_endpoints; i++) {
        const ct_acct_endpoint *e = &x->endpoints[i];
        if (!e->target)
            continue;
        if (strcmp(e->address, name) == 0) {
            cli_ep v;
            cli_ep_of_acct(&v, e);
            cli_sum_add(s, &v);
            if (eps)
                eps[n++] = k;
        }
        k++;
    }
    if (n_eps)
        *n_eps = n;
}

static bool any_target(const ct_acct_trace_result *r)
{
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        for (size_t a = 0; r->model[m] && a < r->n_assets; a++)
            for (size_t i = 0; i < r->model[m][a].n_endpoints; i++)
                if (r->model[m][a].endpoints[i].target)
                    return true;
    return false;
}

/* The flows of the evidence of every target endpoint of x (model m, asset a): keep[i]. */
static int evidence_of(const ct_acct_trace_result *r, int m, size_t a, unsigned char **keep,
                       size_t *n_keep)
{
    const ct_acct_asset_result *x = &r->model[m][a];
    *n_keep = 0;
    *keep = calloc(x->n_flows ? x->n_flows : 1, 1);
    if (!*keep)
        return CT_ENOMEM;
    for (size_t i = 0; i < x->n_endpoints; i++) {
        size_t *ev, n;
        ct_error err;
        if (!x->endpoints[i].target)
            continue;
        int rc = ct_acct_evidence(r, (ct_model)m, a, i, &ev, &n, &err);
        if (rc != CT_OK)
            return rc;
        for (size_t k = 0; k < n; k++)
            (*keep)[ev[k]] = 1;
        free(ev);
    }
    for (size_t i = 0; i < x->n_flows; i++)
        *n_keep += (*keep)[i];
    return CT_OK;
}

static int connect_json(FILE *f, const ct_acct_trace_result *r, const cli_acct_trace_req *q)
{
    fprintf(f, ",\"connect\":{\"reached\":%s,\"targets\":[", any_target(r) ? "true" : "false");
    for (size_t t = 0; t < q->o->n_targets; t++) {
        char name[CT_ETH_ADDR_STR_MAX];
        target_name(name, q, t);
        fputs(t ? "," : "", f);
        cli_json_string(f, name);
    }
    fputs("],\"assets\":[", f);
    for (size_t a = 0; a < r->n_assets; a++) {
        const ct_acct_asset_info *ai = &r->assets[a];
        cli_amt u = amt_of(ai, "");
        fputs(a ? "," : "", f);
        asset_json_open(f, ai);
        fputs(",\"models\":{", f);
        bool first = true;
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            if (!r->model[m])
                continue;
            const ct_acct_asset_result *x = &r->model[m][a];
            unsigned char *keep;
            size_t n_keep;
            size_t *eps = malloc((x->n_endpoints ? x->n_endpoints : 1) * sizeof(size_t));
            size_t *ep_new = malloc((x->n_endpoints ? x->n_endpoints : 1) * sizeof(size_t));
            size_t *fl_new = malloc((x->n_flows ? x->n_flows : 1) * sizeof(size_t));
            if (!eps || !ep_new || !fl_new || evidence_of(r, m, a, &keep, &n_keep) != CT_OK) {
                free(eps), free(ep_new), free(fl_new);
                return CT_ENOMEM;
            }
            cli_sum all;
            memset(&all, 0, sizeof(all));
            size_t ne = 0;
            for (size_t i = 0; i < x->n_endpoints; i++) {
                ep_new[i] = x->endpoints[i].target ? ne++ : CT_TRACE_NONE;
                if (x->endpoints[i].target) {
                    cli_ep v;
                    cli_ep_of_acct(&v, &x->endpoints[i]);
                    cli_sum_add(&all, &v);
                }
            }
            for (size_t i = 0, k = 0; i < x->n_flows; i++)
                fl_new[i] = keep[i] ? k++ : CT_TRACE_NONE;
            fprintf(f, "%s\"%s\":{\"source\":", first ? "" : ",", ct_model_name((ct_model)m));
            first = false;
            json_dec(f, &x->source);
            fputs(",\"reached\":", f);
            json_dec(f, &all.taint);
            fputs(",\"usd\":", f);
            cli_amt_usd_json(f, &u, all.usd_cents, &all.taint, &all.unpriced);
            fputs(",\"unpriced\":", f);
            json_dec(f, &all.unpriced);
            fputs(",\"targets\":[", f);
            for (size_t t = 0; t < q->o->n_targets; t++) {
                char name[CT_ETH_ADDR_STR_MAX];
                cli_sum ts;
                size_t n_eps;
                target_name(name, q, t);
                sum_target(x, name, &ts, eps, &n_eps);
                fputs(t ? "," : "", f);
                cli_connect_target_json(f, &u, name, &ts, eps, n_eps);
            }
            fputs("],\"endpoints\":[", f);
            for (size_t i = 0, k = 0; i < x->n_endpoints; i++) {
                if (ep_new[i] == CT_TRACE_NONE)
                    continue;
                fputs(k++ ? "," : "", f);
                endpoint_json_open(f, &x->endpoints[i], u.priced);
                fputs(",\"flows_in\":[", f);
                for (size_t j = 0, c = 0; j < x->n_flows; j++)
                    if (x->flows[j].endpoint == i && keep[j])
                        fprintf(f, "%s%zu", c++ ? "," : "", fl_new[j]);
                fputs("]}", f);
            }
            fputs("],\"flows\":[", f);
            for (size_t i = 0, k = 0; i < x->n_flows; i++) {
                const ct_acct_flow *w = &x->flows[i];
                if (!keep[i])
                    continue;
                fputs(k++ ? "," : "", f);
                flow_json(f, w, u.priced,
                          w->endpoint == CT_TRACE_NONE ? CT_TRACE_NONE : ep_new[w->endpoint]);
            }
            fputs("]}", f);
            free(keep), free(eps), free(ep_new), free(fl_new);
        }
        fputs("}}", f);
    }
    fputs("]}}\n", f);
    return CT_OK;
}

static int connect_text(FILE *f, const ct_acct_trace_result *r, const cli_acct_trace_req *q)
{
    for (size_t a = 0; a < r->n_assets; a++) {
        const ct_acct_asset_info *ai = &r->assets[a];
        char name[3 * sizeof(ai->symbol) + 4];
        cli_text_escape(name, sizeof(name), asset_name(ai));
        cli_amt u = amt_of(ai, name);
        fprintf(f, "\n== %s", name);
        if (ai->symbol[0] && ai->contract[0])
            fprintf(f, " (%s)", ai->contract);
        if (!ai->known_decimals)
            fputs(" (decimals unknown: base units)", f);
        fputc('\n', f);
        for (size_t t = 0; t < q->o->n_targets; t++) {
            char to[CT_ETH_ADDR_STR_MAX];
            cli_sum s;
            bool reached = false;
            target_name(to, q, t);
            for (int m = 0; m < CT_MODEL_COUNT; m++)
                if (r->model[m]) {
                    sum_target(&r->model[m][a], to, &s, NULL, NULL);
                    reached = reached || !ct_u256_is_zero(&s.taint);
                }
            cli_connect_text_head(f, &u, to, 0, reached);
            for (int m = 0; m < CT_MODEL_COUNT; m++)
                if (r->model[m]) {
                    sum_target(&r->model[m][a], to, &s, NULL, NULL);
                    cli_connect_text_row(f, &u, ct_model_name((ct_model)m), &s);
                }
        }
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            if (!r->model[m])
                continue;
            const ct_acct_asset_result *x = &r->model[m][a];
            unsigned char *keep;
            size_t n_keep;
            char amt[UNITS_MAX], src[UNITS_MAX];
            cli_sum all;
            memset(&all, 0, sizeof(all));
            for (size_t i = 0; i < x->n_endpoints; i++)
                if (x->endpoints[i].target) {
                    cli_ep v;
                    cli_ep_of_acct(&v, &x->endpoints[i]);
                    cli_sum_add(&all, &v);
                }
            if (evidence_of(r, m, a, &keep, &n_keep) != CT_OK)
                return CT_ENOMEM;
            units_of(amt, &all.taint, ai);
            units_of(src, &x->source, ai);
            fprintf(f, "-- %s %s: %s of %s reached the targets; %zu flows carried it\n", name,
                    ct_model_name((ct_model)m), amt, src, n_keep);
            for (size_t i = 0; i < x->n_endpoints; i++) {
                const ct_acct_endpoint *e = &x->endpoints[i];
                if (!e->target)
                    continue;
                units_of(amt, &e->taint, ai);
                fprintf(f, "  %s %s  %s  hop %u  %s", amt, name, e->category, e->hops, e->address);
                if (e->label[0]) {
                    fputs("  ", f);
                    cli_print_text(f, e->label);
                }
                fputc('\n', f);
            }
            for (size_t i = 0; i < x->n_flows; i++)
                if (keep[i])
                    flow_text(f, &x->flows[i], ai, name);
            free(keep);
        }
    }
    return CT_OK;
}

static int connect_csv(FILE *f, const ct_acct_trace_result *r, const cli_acct_trace_req *q)
{
    fputs("model,symbol,contract,target,reached,taint,usd,unpriced,hops,flows,first_height,"
          "first_time,first_utc,last_height,last_time,last_utc\n",
          f);
    for (size_t a = 0; a < r->n_assets; a++)
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            if (!r->model[m])
                continue;
            cli_amt u = amt_of(&r->assets[a], "");
            char *pre = row_prefix(m, &r->assets[a]);
            if (!pre)
                return CT_ENOMEM;
            for (size_t t = 0; t < q->o->n_targets; t++) {
                char to[CT_ETH_ADDR_STR_MAX];
                cli_sum s;
                target_name(to, q, t);
                sum_target(&r->model[m][a], to, &s, NULL, NULL);
                cli_connect_csv_row(f, pre, &u, to, &s);
            }
            free(pre);
        }
    return CT_OK;
}

int cli_trace_acct(const cli_acct_trace_req *q)
{
    acct_manifest mf;
    ct_error err;
    int rc;
    memset(&mf, 0, sizeof(mf));
    mf.q = q;
    ct_error_clear(&err);
    if ((rc = ct_eth_stats_get(q->db, &mf.stats, &err)) != CT_OK)
        return cli_db_fail("trace", rc, &err);
    if (!mf.stats.present) {
        cli_error("trace", "the database holds no Ethereum block ('ingest ethereum' first)");
        return CT_EXIT_NOTFOUND;
    }
    if ((rc = ct_eth_block_get(q->db, &mf.tip, (uint32_t)mf.stats.height, &err)) != CT_OK ||
        (rc = ct_prices_digest(q->db, mf.prices_digest, &err)) != CT_OK ||
        (rc = ct_labels_digest(q->db, mf.labels_digest, &err)) != CT_OK)
        return cli_db_fail("trace", rc, &err);
    ct_db_snapshot *snap = ct_db_snapshot_new(q->db);
    if (!snap) {
        cli_error("trace", "out of memory");
        return CT_EXIT_FAILURE;
    }
    ct_acct_graph g;
    ct_acct_pricing *pricing = NULL;
    ct_acct_trace_result res;
    memset(&res, 0, sizeof(res));
    rc = ct_acct_graph_db(&g, q->db, snap, &err);
    if (rc == CT_OK) {
        rc = ct_acct_pricing_db(&pricing, q->db, &err);
        if (rc == CT_OK)
            rc = ct_acct_trace_run(&res, &g, q->src, q->n_src, q->o, pricing, &err);
        ct_acct_graph_db_free(&g);
    }
    int exit_code;
    if (rc == CT_OK)
        cli_trace_budget_note(res.complete, res.incomplete_reason, q->o->max_nodes);
    if (rc == CT_OK && q->sink) {
        exit_code = q->sink(q->sink_ctx, q->db, &res, q->o);
    } else if (rc == CT_OK) {
        int prc = CT_OK, html_exit = CT_EXIT_OK;
        if (strcmp(q->format, "html") == 0)
            html_exit = cli_trace_html_acct(q, mf.stats.chain_id, &mf.tip, mf.prices_digest,
                                            mf.labels_digest, &res);
        else if (strcmp(q->format, "json") == 0)
            prc = print_json(stdout, &res, &mf);
        else if (strcmp(q->format, "text") == 0)
            prc = print_text(stdout, &res, &mf);
        else if (q->o->n_targets)
            prc = connect_csv(stdout, &res, q);
        else if (q->o->flows || q->o->paths)
            print_csv_flows(stdout, &res);
        else if (q->group_by != CLI_GROUP_NONE)
            prc = print_csv_groups(stdout, &res, q);
        else
            print_csv(stdout, &res, q);
        exit_code =
            prc == CT_OK ? html_exit : (cli_error("trace", "out of memory"), CT_EXIT_FAILURE);
    } else if (rc == CT_ENOMEM && strcmp(err.reason, "paths-too-large") == 0) {
        exit_code = cli_paths_too_big(&err, q->o->max_path_steps, q->o->n_targets > 0);
    } else if (rc == CT_ENOTFOUND || rc == CT_EINVAL) {
        cli_error("trace", "%s", cli_detail(&err));
        exit_code = rc == CT_ENOTFOUND ? CT_EXIT_NOTFOUND : CT_EXIT_USAGE;
    } else {
        exit_code = cli_db_fail("trace", rc, &err);
    }
    ct_acct_trace_result_release(&res);
    ct_acct_pricing_db_free(pricing);
    ct_db_snapshot_free(q->db, snap);
    return exit_code;
}
