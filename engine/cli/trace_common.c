/* Shared by `trace` and `report`: printing of amounts (exact, from integers), the range
 * across models, and the setup of a trace over the database (graph, price table). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define JSON_SAFE_MAX 9007199254740991ULL /* 2^53 - 1 */

void cli_print_u128(FILE *f, u128 v)
{
    char buf[48];
    size_t n = 0;
    do {
        buf[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    while (n)
        fputc(buf[--n], f);
}

/* Amounts: JSON numbers while exact in a double, decimal strings beyond (RFC 8259). */
void cli_json_amount(FILE *f, u128 v)
{
    if (v <= JSON_SAFE_MAX) {
        cli_print_u128(f, v);
    } else {
        fputc('"', f);
        cli_print_u128(f, v);
        fputc('"', f);
    }
}

void cli_print_cents(FILE *f, u128 cents)
{
    cli_print_u128(f, cents / 100);
    fprintf(f, ".%02u", (unsigned)(cents % 100));
}

void cli_print_coin128(FILE *f, u128 sat)
{
    cli_print_u128(f, sat / 100000000u);
    fprintf(f, ".%08llu", (unsigned long long)(sat % 100000000u));
}

/* USD of a total: a string with cents, or null when nothing of it was priced. */
void cli_json_usd(FILE *f, u128 cents, u128 sat, u128 unpriced, bool pricing)
{
    if (!pricing || (unpriced == sat && sat > 0)) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    cli_print_cents(f, cents);
    fputc('"', f);
}

void cli_print_usd_text(FILE *f, u128 cents, u128 sat, u128 unpriced, bool pricing,
                        const char *coin)
{
    if (!pricing || (sat > 0 && unpriced >= sat)) {
        fputs("no price", f);
        return;
    }
    fputs("USD ", f);
    cli_print_cents(f, cents);
    if (unpriced > 0) {
        fputs(" + ", f);
        cli_print_coin128(f, unpriced);
        fprintf(f, " %s without a price", coin);
    }
}

void cli_print_usd_range_open(FILE *f, bool known, u128 lo, u128 hi)
{
    if (!known) {
        fputs(" (no price", f);
        return;
    }
    fputs(" (USD ", f);
    cli_print_cents(f, lo);
    fputs(" to ", f);
    cli_print_cents(f, hi);
}

/* Range over haircut, FIFO, LIFO and TIHO; poison beside as the exposure upper bound. */
void cli_trace_range(const ct_trace_result *r, cli_range *out)
{
    memset(out, 0, sizeof(*out));
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        if (!x->enabled)
            continue;
        bool first = !out->any;
        if (first || x->laundered_sat < out->lo)
            out->lo = x->laundered_sat;
        if (first || x->laundered_sat > out->hi)
            out->hi = x->laundered_sat;
        if (x->laundered_unpriced_sat > out->unpriced)
            out->unpriced = x->laundered_unpriced_sat;
        out->any = true;
        /* A model whose laundered value had no price at all has no USD figure: it does not
         * count as $0.00 in the USD range. */
        if (x->laundered_sat > 0 && x->laundered_unpriced_sat >= x->laundered_sat)
            continue;
        bool ufirst = !out->usd_known;
        if (ufirst || x->laundered_usd_cents < out->lo_usd)
            out->lo_usd = x->laundered_usd_cents;
        if (ufirst || x->laundered_usd_cents > out->hi_usd)
            out->hi_usd = x->laundered_usd_cents;
        out->usd_known = true;
    }
}

int cli_trace_env_open(cli_trace_env *env, ct_db *db, ct_error *err)
{
    int rc;
    memset(env, 0, sizeof(*env));
    env->asset = cli_db_params(db)->coin;
    if ((rc = ct_graph_stats(db, &env->stats, err)) ||
        (rc = ct_prices_digest(db, env->prices_digest, err)) ||
        (rc = ct_labels_digest(db, env->labels_digest, err)) ||
        (rc = ct_trace_pricing_db(&env->pricing, db, env->asset, err)) ||
        (rc = ct_trace_graph_db(&env->graph, db, err))) {
        cli_trace_env_close(env);
        return rc;
    }
    return CT_OK;
}

void cli_trace_env_close(cli_trace_env *env)
{
    ct_trace_graph_db_free(env->graph);
    ct_trace_pricing_db_free(env->pricing);
    env->graph = NULL;
    env->pricing = NULL;
}

bool cli_trace_source_set(ct_trace_source *dst, const char *spec)
{
    char key[CT_BTC_ADDR_MAX];
    /* A long script:<hex> identity is traced by its stored key (docs/addresses.md). */
    if (strlen(spec) >= sizeof(dst->spec) && strncmp(spec, "script:", 7) == 0 &&
        ct_graph_identity_key(key, spec) == CT_OK)
        spec = key;
    if (strlen(spec) >= sizeof(dst->spec))
        return false;
    snprintf(dst->spec, sizeof(dst->spec), "%s", spec);
    return true;
}

/* ---- the JSON both chains' traces share (docs/trace.md) ---- */
static void json_list24(FILE *f, const char (*items)[24], size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        cli_json_string(f, items[i]);
    }
    fputc(']', f);
}

void cli_trace_budget_note(bool complete, const char *reason, uint64_t max_nodes)
{
    if (complete || !reason || strncmp(reason, "max-nodes", 9) != 0)
        return;
    cli_error("trace",
              "the result is incomplete: %s at --max-nodes %llu%s; give a larger --max-nodes "
              "(0: no bound) to trace further",
              reason, (unsigned long long)max_nodes,
              max_nodes == CLI_TRACE_MAX_NODES_DEFAULT ? " (the default)" : "");
}

void cli_trace_json_status(FILE *f, bool complete, const char *reason)
{
    fputs("{\"complete\":", f);
    fputs(complete ? "true" : "false", f);
    if (!complete) {
        fputs(",\"incomplete_reason\":", f);
        cli_json_string(f, reason);
    }
    fputc(',', f);
}

void cli_trace_json_params(FILE *f, const char *case_name, const char *const *given, size_t n,
                           const ct_trace_source *src, unsigned models)
{
    fputs("\"parameters\":{\"case\":", f);
    if (case_name)
        cli_json_string(f, case_name);
    else
        fputs("null", f);
    fputs(",\"sources\":[", f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        cli_json_string(f, given[i]);
    }
    fprintf(f, "],\"since_time\":%lld,\"until_time\":%lld", (long long)src[0].from_time,
            (long long)src[0].to_time);
    fputs(",\"models\":[", f);
    bool first = true;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        if (models & (1u << m)) {
            fprintf(f, "%s\"%s\"", first ? "" : ",", ct_model_name((ct_model)m));
            first = false;
        }
    fputc(']', f);
}

void cli_trace_json_limits(FILE *f, const ct_trace_options *o, uint64_t timeout)
{
    fputs("\"stop\":", f);
    json_list24(f, (const char(*)[24])o->stops, o->n_stops);
    fputs(",\"cashout\":", f);
    json_list24(f, (const char(*)[24])o->cashout, o->n_cashout);
    fputs(",\"max_nodes\":", f); /* options up to 2^64 - 1: strings beyond 2^53 (cli.md) */
    cli_json_amount(f, o->max_nodes);
    fputs(",\"timeout_s\":", f);
    cli_json_amount(f, timeout);
    fputs("}}", f);
}

/* CSV (RFC 4180) with formula-injection protection for text fields (bad-inputs.md X1) and
 * control characters and bytes that are not UTF-8 escaped as \xNN (X3, X4). */
void cli_csv_text(FILE *f, const char *s)
{
    bool risky =
        s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
    fputc('"', f);
    if (risky)
        fputc('\'', f);
    cli_print_text_csv(f, s);
    fputc('"', f);
}

void cli_endpoint_json_open(FILE *f, const ct_trace_endpoint *e, bool pricing)
{
    fputs("{\"address\":", f);
    cli_json_string_or_null(f, e->address);
    fputs(",\"category\":", f);
    cli_json_string(f, e->category);
    fputs(",\"label\":", f);
    cli_json_string_or_null(f, e->label);
    fputs(",\"taint_sat\":", f);
    cli_json_amount(f, e->taint);
    fputs(",\"usd\":", f);
    cli_json_usd(f, e->usd_cents, e->taint, e->unpriced_sat, pricing);
    fputs(",\"unpriced_sat\":", f);
    cli_json_amount(f, e->unpriced_sat);
    fprintf(f,
            ",\"hops\":%u,\"outputs\":%llu,\"first_height\":%u,\"first_time\":%u,"
            "\"last_height\":%u,\"last_time\":%u",
            e->hops, (unsigned long long)e->n_outputs, e->first_height, e->first_time,
            e->last_height, e->last_time);
    /* The cluster, and the member whose label the endpoint carries (not its own). */
    if (e->cluster_id)
        fprintf(f, ",\"cluster_id\":%llu", (unsigned long long)e->cluster_id);
    else
        fputs(",\"cluster_id\":null", f);
    fputs(",\"label_member\":", f);
    if (e->label_member)
        cli_json_string(f, e->label_member);
    else
        fputs("null", f);
}
