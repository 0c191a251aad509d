/* `trace --to DST...` on Bitcoin-family chains (docs/trace.md, "Connect"): did money from the
 * sources reach these addresses (or their clusters), how much under each model, and along
 * which flows? The trace ran with the targets as stops and its flows whole; this file sums,
 * per model and target, the endpoints where a target stopped the taint, and keeps the flows
 * of their evidence graph only. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* One target in one model: the endpoints that belong to it, summed. */
typedef struct tsum {
    u128 taint, usd, unpriced;
    uint64_t outputs;
    uint32_t hops, fh, ft, lh, lt;
    size_t n_ep;
} tsum;

static bool belongs(const ct_trace_result *r, size_t t, const ct_trace_endpoint *e)
{
    const struct ct_trace_target *x = &r->targets[t];
    return e->target && (strcmp(e->address, x->address) == 0 ||
                         (x->cluster_id && e->cluster_id == x->cluster_id));
}

static void sum_target(const ct_trace_result *r, int m, size_t t, tsum *s)
{
    const ct_trace_model_result *x = &r->model[m];
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < x->n_endpoints; i++) {
        const ct_trace_endpoint *e = &x->endpoints[i];
        if (!belongs(r, t, e))
            continue;
        if (s->n_ep == 0 || e->hops < s->hops)
            s->hops = e->hops;
        if (s->n_ep == 0 || e->first_height < s->fh ||
            (e->first_height == s->fh && e->first_time < s->ft))
            s->fh = e->first_height, s->ft = e->first_time;
        if (s->n_ep == 0 || e->last_height > s->lh ||
            (e->last_height == s->lh && e->last_time > s->lt))
            s->lh = e->last_height, s->lt = e->last_time;
        s->taint += e->taint;
        s->usd += e->usd_cents;
        s->unpriced += e->unpriced_sat;
        s->outputs += e->n_outputs;
        s->n_ep++;
    }
}

/* A model's answer: the target endpoints (ep_new[i]: the index of endpoint i among them, or
 * CT_TRACE_NONE), the flows of their evidence (keep[i]) and the total that reached any
 * target (each endpoint once). */
typedef struct mconnect {
    size_t *ep_new, n_ep;
    unsigned char *keep;
    size_t n_keep;
    u128 taint, usd, unpriced;
} mconnect;

static void mc_free(mconnect *c)
{
    free(c->ep_new);
    free(c->keep);
}

static int mc_build(const ct_trace_result *r, int m, mconnect *c)
{
    const ct_trace_model_result *x = &r->model[m];
    memset(c, 0, sizeof(*c));
    c->ep_new = malloc((x->n_endpoints ? x->n_endpoints : 1) * sizeof(size_t));
    c->keep = calloc(x->n_flows ? x->n_flows : 1, 1);
    if (!c->ep_new || !c->keep)
        return CT_ENOMEM;
    for (size_t i = 0; i < x->n_endpoints; i++) {
        const ct_trace_endpoint *e = &x->endpoints[i];
        c->ep_new[i] = CT_TRACE_NONE;
        if (!e->target)
            continue;
        c->ep_new[i] = c->n_ep++;
        c->taint += e->taint;
        c->usd += e->usd_cents;
        c->unpriced += e->unpriced_sat;
        if (!x->flows_whole)
            continue;
        size_t *ev, n;
        ct_error err;
        ct_error_clear(&err);
        int rc = ct_trace_evidence(r, (ct_model)m, i, &ev, &n, &err);
        if (rc != CT_OK)
            return rc;
        for (size_t k = 0; k < n; k++)
            c->keep[ev[k]] = 1;
        free(ev);
    }
    for (size_t i = 0; i < x->n_flows; i++)
        c->n_keep += c->keep[i];
    return CT_OK;
}

static void json_utc(FILE *f, const char *key, uint32_t t)
{
    fprintf(f, ",\"%s\":\"", key);
    cli_print_time(f, t);
    fputc('"', f);
}

static void json_target(FILE *f, const ct_trace_result *r, int m, size_t t, const mconnect *c,
                        bool pricing)
{
    const ct_trace_model_result *x = &r->model[m];
    tsum s;
    sum_target(r, m, t, &s);
    fputs(t ? ",{\"address\":" : "{\"address\":", f);
    cli_json_string(f, r->targets[t].address);
    fprintf(f, ",\"reached\":%s,\"taint_sat\":", s.taint ? "true" : "false");
    cli_json_amount(f, s.taint);
    fputs(",\"usd\":", f);
    cli_json_usd(f, s.usd, s.taint, s.unpriced, pricing);
    fputs(",\"unpriced_sat\":", f);
    cli_json_amount(f, s.unpriced);
    if (s.n_ep) {
        fprintf(f, ",\"hops\":%u,\"outputs\":%llu,\"first_height\":%u,\"first_time\":%u", s.hops,
                (unsigned long long)s.outputs, s.fh, s.ft);
        json_utc(f, "first_utc", s.ft);
        fprintf(f, ",\"last_height\":%u,\"last_time\":%u", s.lh, s.lt);
        json_utc(f, "last_utc", s.lt);
    } else {
        fputs(",\"hops\":null,\"outputs\":0,\"first_height\":null,\"first_time\":null,"
              "\"first_utc\":null,\"last_height\":null,\"last_time\":null,\"last_utc\":null",
              f);
    }
    fputs(",\"endpoints\":[", f);
    bool first = true;
    for (size_t i = 0; i < x->n_endpoints; i++)
        if (belongs(r, t, &x->endpoints[i])) {
            fprintf(f, "%s%zu", first ? "" : ",", c->ep_new[i]);
            first = false;
        }
    fputs("]}", f);
}

int cli_connect_json(FILE *f, const ct_trace_result *r, bool pricing)
{
    bool reached = false;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        for (size_t i = 0; r->model[m].enabled && i < r->model[m].n_endpoints; i++)
            reached = reached || r->model[m].endpoints[i].target;
    fprintf(f, ",\"connect\":{\"reached\":%s,\"targets\":[", reached ? "true" : "false");
    for (size_t t = 0; t < r->n_targets; t++) {
        fputs(t ? ",{\"address\":" : "{\"address\":", f);
        cli_json_string(f, r->targets[t].address);
        if (r->targets[t].cluster_id)
            fprintf(f, ",\"cluster_id\":%llu}", (unsigned long long)r->targets[t].cluster_id);
        else
            fputs(",\"cluster_id\":null}", f);
    }
    fputs("],\"models\":{", f);
    bool firstm = true;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        mconnect c;
        if (!x->enabled)
            continue;
        if (mc_build(r, m, &c) != CT_OK) {
            mc_free(&c);
            return CT_ENOMEM;
        }
        fprintf(f, "%s\"%s\":{\"source_sat\":", firstm ? "" : ",", ct_model_name((ct_model)m));
        firstm = false;
        cli_json_amount(f, x->source_sat);
        fputs(",\"reached_sat\":", f);
        cli_json_amount(f, c.taint);
        fputs(",\"usd\":", f);
        cli_json_usd(f, c.usd, c.taint, c.unpriced, pricing);
        fputs(",\"unpriced_sat\":", f);
        cli_json_amount(f, c.unpriced);
        fputs(",\"targets\":[", f);
        for (size_t t = 0; t < r->n_targets; t++)
            json_target(f, r, m, t, &c, pricing);
        /* The flows kept are renumbered in their order; flows_in names them. */
        size_t *fl_new = malloc((x->n_flows ? x->n_flows : 1) * sizeof(size_t));
        if (!fl_new) {
            mc_free(&c);
            return CT_ENOMEM;
        }
        for (size_t i = 0, k = 0; i < x->n_flows; i++)
            fl_new[i] = c.keep[i] ? k++ : CT_TRACE_NONE;
        fputs("],\"endpoints\":[", f);
        bool first = true;
        for (size_t i = 0; i < x->n_endpoints; i++) {
            if (c.ep_new[i] == CT_TRACE_NONE)
                continue;
            fputs(first ? "" : ",", f);
            first = false;
            cli_endpoint_json_open(f, &x->endpoints[i], pricing);
            fputs(",\"flows_in\":[", f);
            bool fi = true;
            for (size_t k = 0; k < x->n_flows; k++)
                if (x->flows[k].endpoint == i && c.keep[k]) {
                    fprintf(f, "%s%zu", fi ? "" : ",", fl_new[k]);
                    fi = false;
                }
            fputs("]}", f);
        }
        fputs("],\"flows\":[", f);
        first = true;
        for (size_t i = 0; i < x->n_flows; i++) {
            if (!c.keep[i])
                continue;
            const ct_trace_flow *w = &x->flows[i];
            fputs(first ? "" : ",", f);
            first = false;
            cli_flow_json(f, r, w, w->endpoint == CT_TRACE_NONE ? CT_TRACE_NONE
                                                                 : c.ep_new[w->endpoint],
                          pricing);
        }
        fputs("]}", f);
        free(fl_new);
        mc_free(&c);
    }
    fputs("}}}\n", f);
    return CT_OK;
}

static void text_when(FILE *f, uint32_t height, uint32_t time)
{
    fprintf(f, "%8u ", height);
    cli_print_time(f, time);
}

int cli_connect_text(FILE *f, const ct_trace_result *r, bool pricing, const char *coin)
{
    char h[32];
    snprintf(h, sizeof(h), "reached %s", coin);
    for (size_t t = 0; t < r->n_targets; t++) {
        bool any = false;
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            tsum s;
            if (!r->model[m].enabled)
                continue;
            sum_target(r, m, t, &s);
            any = any || s.taint > 0;
        }
        fputs("to ", f);
        cli_print_text(f, r->targets[t].address);
        if (r->targets[t].cluster_id)
            fprintf(f, " (cluster %llu)", (unsigned long long)r->targets[t].cluster_id);
        fputs(any ? ": reached\n" : ": not reached (0 under every model)\n", f);
        fprintf(f, "  %-8s %20s %4s %29s %29s\n", "model", h, "hops", "first (height, UTC)",
                "last (height, UTC)");
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            tsum s;
            if (!r->model[m].enabled)
                continue;
            sum_target(r, m, t, &s);
            char amt[64];
            snprintf(amt, sizeof(amt), "%llu.%08llu", (unsigned long long)(s.taint / 100000000u),
                     (unsigned long long)(s.taint % 100000000u));
            fprintf(f, "  %-8s %20s", ct_model_name((ct_model)m), amt);
            if (s.n_ep) {
                fprintf(f, " %4u ", s.hops);
                text_when(f, s.fh, s.ft);
                fputc(' ', f);
                text_when(f, s.lh, s.lt);
            }
            if (s.taint && pricing) {
                fputs("  ", f);
                cli_print_usd_text(f, s.usd, s.taint, s.unpriced, pricing, coin);
            }
            fputc('\n', f);
        }
        fputc('\n', f);
    }
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        mconnect c;
        if (!x->enabled)
            continue;
        if (mc_build(r, m, &c) != CT_OK) {
            mc_free(&c);
            return CT_ENOMEM;
        }
        fprintf(f, "== %s: ", ct_model_name((ct_model)m));
        cli_print_coin128(f, c.taint);
        fprintf(f, " %s of ", coin);
        cli_print_coin128(f, x->source_sat);
        fprintf(f, " %s reached the targets; %zu flows carried it\n", coin, c.n_keep);
        for (size_t i = 0; i < x->n_endpoints; i++) {
            const ct_trace_endpoint *e = &x->endpoints[i];
            if (c.ep_new[i] == CT_TRACE_NONE)
                continue;
            fputs("  ", f);
            cli_print_coin128(f, e->taint);
            fprintf(f, " %s  %s  hop %u  ", coin, e->category, e->hops);
            cli_print_text(f, e->address);
            if (e->label[0]) {
                fputs("  ", f);
                cli_print_text(f, e->label);
            }
            fputc('\n', f);
        }
        for (size_t i = 0; i < x->n_flows; i++)
            if (c.keep[i])
                cli_flow_text(f, r, &x->flows[i], coin);
        mc_free(&c);
    }
    return CT_OK;
}

void cli_connect_csv(FILE *f, const ct_trace_result *r, bool pricing)
{
    fputs("model,target,reached,taint_sat,usd,unpriced_sat,hops,outputs,first_height,first_time,"
          "first_utc,last_height,last_time,last_utc\n",
          f);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        if (!r->model[m].enabled)
            continue;
        for (size_t t = 0; t < r->n_targets; t++) {
            tsum s;
            sum_target(r, m, t, &s);
            fprintf(f, "%s,", ct_model_name((ct_model)m));
            cli_csv_text(f, r->targets[t].address);
            fprintf(f, ",%s,", s.taint ? "yes" : "no");
            cli_print_u128(f, s.taint);
            fputc(',', f);
            if (pricing && s.unpriced < s.taint)
                cli_print_cents(f, s.usd);
            fputc(',', f);
            cli_print_u128(f, s.unpriced);
            if (s.n_ep) {
                fprintf(f, ",%u,%llu,%u,%u,", s.hops, (unsigned long long)s.outputs, s.fh, s.ft);
                cli_print_time(f, s.ft);
                fprintf(f, ",%u,%u,", s.lh, s.lt);
                cli_print_time(f, s.lt);
                fputc('\n', f);
            } else {
                fputs(",,0,,,,,,\n", f);
            }
        }
    }
}
