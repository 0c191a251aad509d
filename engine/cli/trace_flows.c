/* The flows of a Bitcoin-family trace (`trace --flows`, `--paths`; docs/trace.md, "Flows"):
 * per model the taint carried along each edge the trace followed, in JSON, CSV and text, and
 * each endpoint's flows in. Output is linear in the number of flows. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void json_txid(FILE *f, const ct_trace_result *r, size_t tx)
{
    char hex[65];
    if (tx == CT_TRACE_NONE || tx >= r->n_txs) {
        fputs("null", f);
        return;
    }
    ct_hash_to_hex(hex, r->txs[tx].txid);
    fprintf(f, "\"%s\"", hex);
}

void cli_flows_json(FILE *f, const ct_trace_result *r, int m, bool pricing)
{
    const ct_trace_model_result *x = &r->model[m];
    fputs(",\"hop_totals\":[", f);
    for (size_t i = 0; i < x->n_hop_totals; i++) {
        const ct_trace_hop_total *h = &x->hop_totals[i];
        fprintf(f, "%s{\"hop\":%u,\"to\":", i ? "," : "", h->hop);
        cli_json_string(f, h->category[0] ? h->category : "carried");
        fprintf(f, ",\"flows\":%llu,\"taint_sat\":", (unsigned long long)h->flows);
        cli_json_amount(f, h->taint);
        fputc('}', f);
    }
    fputc(']', f);
    if (!x->flows_whole)
        return;
    fputs(",\"flows\":[", f);
    for (size_t i = 0; i < x->n_flows; i++) {
        fputs(i ? "," : "", f);
        cli_flow_json(f, r, &x->flows[i], x->flows[i].endpoint, pricing);
    }
    fputc(']', f);
}

void cli_flow_json(FILE *f, const ct_trace_result *r, const ct_trace_flow *w, size_t endpoint,
                   bool pricing)
{
    {
        fprintf(f, "{\"hop\":%u,\"height\":%u,\"time\":%u,\"utc\":\"", w->hop, w->height, w->time);
        cli_print_time(f, w->time);
        fputs("\",\"txid\":", f);
        json_txid(f, r, w->tx);
        if (w->vout == CT_TRACE_FLOW_FEE)
            fputs(",\"vout\":null", f);
        else
            fprintf(f, ",\"vout\":%u", w->vout);
        fputs(",\"address\":", f);
        if (w->address != CT_TRACE_NONE && r->addresses[w->address][0])
            cli_json_string(f, r->addresses[w->address]);
        else
            fputs("null", f);
        fputs(",\"taint_sat\":", f);
        cli_json_amount(f, w->taint);
        fputs(",\"usd\":", f);
        cli_json_usd(f, w->usd_cents, w->taint, w->priced ? 0 : w->taint, pricing);
        fputs(",\"from\":", f);
        json_txid(f, r, w->by);
        fputs(",\"to\":", f);
        json_txid(f, r, w->next);
        if (endpoint == CT_TRACE_NONE)
            fputs(",\"endpoint\":null}", f);
        else
            fprintf(f, ",\"endpoint\":%zu}", endpoint);
    }
}

static size_t btc_endpoint_of(const void *flows, size_t i)
{
    return ((const ct_trace_flow *)flows)[i].endpoint;
}

int cli_index_flows_in(size_t ne, size_t nf, size_t (*endpoint_of)(const void *, size_t),
                       const void *flows, size_t **start, size_t **idx)
{
    size_t *s = calloc(ne + 2, sizeof(*s)), *v = malloc((nf ? nf : 1) * sizeof(*v));
    if (!s || !v) {
        free(s), free(v);
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < nf; i++)
        if (endpoint_of(flows, i) < ne)
            s[endpoint_of(flows, i) + 2]++;
    for (size_t k = 2; k < ne + 2; k++)
        s[k] += s[k - 1];
    for (size_t i = 0; i < nf; i++)
        if (endpoint_of(flows, i) < ne)
            v[s[endpoint_of(flows, i) + 1]++] = i;
    *start = s;
    *idx = v;
    return CT_OK;
}

int cli_flows_in(const ct_trace_model_result *x, size_t **start, size_t **idx)
{
    return cli_index_flows_in(x->n_endpoints, x->n_flows, btc_endpoint_of, x->flows, start, idx);
}

void cli_flows_in_json(FILE *f, const size_t *start, const size_t *idx, size_t ep)
{
    fputs(",\"flows_in\":[", f);
    for (size_t k = start[ep]; k < start[ep + 1]; k++)
        fprintf(f, "%s%zu", k > start[ep] ? "," : "", idx[k]);
    fputc(']', f);
}

void cli_flows_csv(FILE *f, const ct_trace_result *r, bool pricing)
{
    fputs("model,hop,height,time,txid,vout,address,taint_sat,usd,from,to,endpoint_category,"
          "endpoint_address\n",
          f);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        if (!x->enabled || !x->flows_whole)
            continue;
        for (size_t i = 0; i < x->n_flows; i++) {
            const ct_trace_flow *w = &x->flows[i];
            char hex[65];
            fprintf(f, "%s,%u,%u,%u,", ct_model_name((ct_model)m), w->hop, w->height, w->time);
            if (w->tx != CT_TRACE_NONE) {
                ct_hash_to_hex(hex, r->txs[w->tx].txid);
                fputs(hex, f);
            }
            if (w->vout == CT_TRACE_FLOW_FEE)
                fputs(",fee,", f);
            else
                fprintf(f, ",%u,", w->vout);
            cli_csv_text(f, w->address != CT_TRACE_NONE ? r->addresses[w->address] : "");
            fputc(',', f);
            cli_print_u128(f, w->taint);
            fputc(',', f);
            if (pricing && w->priced)
                cli_print_cents(f, w->usd_cents);
            fputc(',', f);
            if (w->by != CT_TRACE_NONE) {
                ct_hash_to_hex(hex, r->txs[w->by].txid);
                fputs(hex, f);
            }
            fputc(',', f);
            if (w->next != CT_TRACE_NONE) {
                ct_hash_to_hex(hex, r->txs[w->next].txid);
                fputs(hex, f);
            }
            fputc(',', f);
            if (w->endpoint != CT_TRACE_NONE) {
                const ct_trace_endpoint *e = &x->endpoints[w->endpoint];
                cli_csv_text(f, e->category);
                fputc(',', f);
                cli_csv_text(f, e->address);
            } else {
                fputc(',', f);
            }
            fputc('\n', f);
        }
    }
}

void cli_flows_text_totals(FILE *f, const ct_trace_model_result *x, const char *coin)
{
    fputs("\n  flows per hop:", f);
    for (size_t i = 0; i < x->n_hop_totals; i++) {
        const ct_trace_hop_total *h = &x->hop_totals[i];
        fprintf(f, "\n    hop %-3u %-12s %8llu flows  ", h->hop,
                h->category[0] ? h->category : "carried", (unsigned long long)h->flows);
        cli_print_coin128(f, h->taint);
        fprintf(f, " %s", coin);
    }
}

void cli_flow_text(FILE *f, const ct_trace_result *r, const ct_trace_flow *w, const char *coin)
{
    char hex[65];
    fputs("      ", f);
    cli_print_coin128(f, w->taint);
    fprintf(f, " %s  hop %u  height %u  ", coin, w->hop, w->height);
    cli_print_time(f, w->time);
    fputs("  from ", f);
    if (w->by != CT_TRACE_NONE) {
        ct_hash_to_hex(hex, r->txs[w->by].txid);
        fputs(hex, f);
    } else {
        fputs("source", f);
    }
    fputs("  output ", f);
    if (w->tx != CT_TRACE_NONE) {
        ct_hash_to_hex(hex, r->txs[w->tx].txid);
        fputs(hex, f);
    } else {
        fputs("(unknown)", f);
    }
    if (w->vout == CT_TRACE_FLOW_FEE)
        fputs(":fee\n", f);
    else
        fprintf(f, ":%u\n", w->vout);
}

int cli_paths_too_big(const ct_error *err, uint64_t max_path_steps, bool connect)
{
    /* Nothing was written: say what to narrow (docs/trace.md, "Paths"). */
    cli_error("trace",
              "%s: %s: nothing written; narrow the trace (fewer models, e.g. --model "
              "fifo; fewer --hops; a --max-nodes budget; fewer sources or a --since/--until "
              "window) or raise --max-path-steps (now %llu)",
              connect ? "--to" : "--paths", cli_detail(err), (unsigned long long)max_path_steps);
    return CT_EXIT_TOO_BIG;
}
