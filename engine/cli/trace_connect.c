/* `trace --to DST...` on Bitcoin-family chains (docs/trace.md, "Connect"): did money from the
 * sources reach these addresses (or their clusters), how much under each model, and along
 * which flows? The trace ran with the targets as stops and its flows whole; this file sums,
 * per model and target, the endpoints where a target stopped the taint, and keeps the flows
 * of their evidence graph only. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static bool belongs(const ct_trace_result *r, size_t t, const ct_trace_endpoint *e)
{
    const struct ct_trace_target *x = &r->targets[t];
    return e->target && (strcmp(e->address, x->address) == 0 ||
                         (x->cluster_id && e->cluster_id == x->cluster_id));
}

/* One target in one model: the endpoints that belong to it, summed. */
static void sum_target(const ct_trace_result *r, int m, size_t t, cli_sum *s)
{
    const ct_trace_model_result *x = &r->model[m];
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < x->n_endpoints; i++) {
        cli_ep e;
        if (!belongs(r, t, &x->endpoints[i]))
            continue;
        cli_ep_of_trace(&e, &x->endpoints[i]);
        cli_sum_add(s, &e);
    }
}

/* ---- what both chains print alike ---- */
void cli_connect_target_json(FILE *f, const cli_amt *u, const char *address, const cli_sum *s,
                             const size_t *eps, size_t n_eps)
{
    const char *sfx = u->eth ? "" : "_sat";
    bool reached = !ct_u256_is_zero(&s->taint);
    fputs("{\"address\":", f);
    cli_json_string(f, address);
    fprintf(f, ",\"reached\":%s,\"taint%s\":", reached ? "true" : "false", sfx);
    cli_amt_json(f, u, &s->taint);
    fputs(",\"usd\":", f);
    cli_amt_usd_json(f, u, s->usd_cents, &s->taint, &s->unpriced);
    fprintf(f, ",\"unpriced%s\":", sfx);
    cli_amt_json(f, u, &s->unpriced);
    const char *count = u->eth ? "flows" : "outputs";
    if (s->endpoints) {
        fprintf(f,
                ",\"hops\":%u,\"%s\":%llu,\"first_height\":%u,\"first_time\":%u,\"first_utc\":\"",
                s->hops, count, (unsigned long long)s->outputs, s->first_height, s->first_time);
        cli_print_time(f, s->first_time);
        fprintf(f, "\",\"last_height\":%u,\"last_time\":%u,\"last_utc\":\"", s->last_height,
                s->last_time);
        cli_print_time(f, s->last_time);
        fputc('"', f);
    } else {
        fprintf(f,
                ",\"hops\":null,\"%s\":0,\"first_height\":null,\"first_time\":null,"
                "\"first_utc\":null,\"last_height\":null,\"last_time\":null,\"last_utc\":null",
                count);
    }
    fputs(",\"endpoints\":[", f);
    for (size_t i = 0; i < n_eps; i++)
        fprintf(f, "%s%zu", i ? "," : "", eps[i]);
    fputs("]}", f);
}

void cli_connect_text_head(FILE *f, const cli_amt *u, const char *address, uint64_t cluster,
                           bool reached)
{
    char h[64];
    snprintf(h, sizeof(h), "reached %s", u->unit);
    fputs("to ", f);
    cli_print_text(f, address);
    if (cluster)
        fprintf(f, " (cluster %llu)", (unsigned long long)cluster);
    fputs(reached ? ": reached\n" : ": not reached (0 under every model)\n", f);
    fprintf(f, "  %-8s %*s %4s %29s %29s\n", "model", u->width, h, "hops", "first (height, UTC)",
            "last (height, UTC)");
}

void cli_connect_text_row(FILE *f, const cli_amt *u, const char *model, const cli_sum *s)
{
    char amt[CLI_UNITS_MAX];
    cli_units(amt, &s->taint, u->decimals);
    fprintf(f, "  %-8s %*s", model, u->width, amt);
    if (s->endpoints) {
        fprintf(f, " %4u %8u ", s->hops, s->first_height);
        cli_print_time(f, s->first_time);
        fprintf(f, " %8u ", s->last_height);
        cli_print_time(f, s->last_time);
    }
    if (!ct_u256_is_zero(&s->taint) && u->priced) {
        if (ct_u256_cmp(&s->unpriced, &s->taint) >= 0) {
            fputs("  no price", f);
        } else {
            fputs("  USD ", f);
            cli_print_cents(f, s->usd_cents);
            if (!ct_u256_is_zero(&s->unpriced)) {
                cli_units(amt, &s->unpriced, u->decimals);
                fprintf(f, " + %s ", amt);
                cli_print_text(f, u->unit);
                fputs(" without a price", f);
            }
        }
    }
    fputc('\n', f);
}

void cli_connect_csv_row(FILE *f, const char *prefix, const cli_amt *u, const char *address,
                         const cli_sum *s)
{
    char d[CT_U256_DEC_MAX];
    fprintf(f, "%s,", prefix);
    cli_csv_text(f, address);
    ct_u256_to_dec(d, sizeof(d), &s->taint);
    fprintf(f, ",%s,%s,", ct_u256_is_zero(&s->taint) ? "no" : "yes", d);
    if (u->priced && ct_u256_cmp(&s->unpriced, &s->taint) < 0)
        cli_print_cents(f, s->usd_cents);
    ct_u256_to_dec(d, sizeof(d), &s->unpriced);
    fprintf(f, ",%s", d);
    if (s->endpoints) {
        fprintf(f, ",%u,%llu,%u,%u,", s->hops, (unsigned long long)s->outputs, s->first_height,
                s->first_time);
        cli_print_time(f, s->first_time);
        fprintf(f, ",%u,%u,", s->last_height, s->last_time);
        cli_print_time(f, s->last_time);
        fputc('\n', f);
    } else {
        fputs(",,0,,,,,,\n", f);
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

static void json_target(FILE *f, const cli_amt *u, const ct_trace_result *r, int m, size_t t,
                        const mconnect *c)
{
    const ct_trace_model_result *x = &r->model[m];
    cli_sum s;
    size_t *eps = malloc((x->n_endpoints ? x->n_endpoints : 1) * sizeof(size_t)), ne = 0;
    sum_target(r, m, t, &s);
    for (size_t i = 0; eps && i < x->n_endpoints; i++)
        if (belongs(r, t, &x->endpoints[i]))
            eps[ne++] = c->ep_new[i];
    fputs(t ? "," : "", f);
    cli_connect_target_json(f, u, r->targets[t].address, &s, eps, ne);
    free(eps);
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
        cli_amt u = {false, pricing, 8, 20, ""};
        for (size_t t = 0; t < r->n_targets; t++)
            json_target(f, &u, r, m, t, &c);
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
            cli_flow_json(f, r, w,
                          w->endpoint == CT_TRACE_NONE ? CT_TRACE_NONE : c.ep_new[w->endpoint],
                          pricing);
        }
        fputs("]}", f);
        free(fl_new);
        mc_free(&c);
    }
    fputs("}}}\n", f);
    return CT_OK;
}

int cli_connect_text(FILE *f, const ct_trace_result *r, bool pricing, const char *coin)
{
    cli_amt u = {false, pricing, 8, 20, coin};
    for (size_t t = 0; t < r->n_targets; t++) {
        cli_sum s;
        bool any = false;
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            if (r->model[m].enabled) {
                sum_target(r, m, t, &s);
                any = any || !ct_u256_is_zero(&s.taint);
            }
        cli_connect_text_head(f, &u, r->targets[t].address, r->targets[t].cluster_id, any);
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            if (r->model[m].enabled) {
                sum_target(r, m, t, &s);
                cli_connect_text_row(f, &u, ct_model_name((ct_model)m), &s);
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
    cli_amt u = {false, pricing, 8, 20, ""};
    fputs(CLI_CONNECT_CSV_HEAD "\n", f);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        if (!r->model[m].enabled)
            continue;
        for (size_t t = 0; t < r->n_targets; t++) {
            cli_sum s;
            sum_target(r, m, t, &s);
            cli_connect_csv_row(f, ct_model_name((ct_model)m), &u, r->targets[t].address, &s);
        }
    }
}
