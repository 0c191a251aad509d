/* `chaintrail trace`: follows value from flagged addresses or outputs under the five taint
 * models and prints where it went, per model and as a range (docs/trace.md). The output is
 * deterministic: the same database, labels, prices and command give the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct trace_args {
    cli_strings from;
    cli_strings to; /* connect: the targets (docs/trace.md, "Connect") */
    const char *case_name;
    const char *since, *until, *model, *stop, *format;
    uint64_t hops, dust, max_nodes, timeout, max_path_steps;
    bool hops_set, dust_set;
    bool backward, paths, flows, poison_flows;
    bool no_clusters;
    const char *group;
    int group_by;   /* CLI_GROUP_NONE without --group */
    uint64_t limit; /* 0: none */
    cli_trace_sink sink; /* export trace: gets the result instead of the printers */
    const char *output;  /* --format html: -o PATH (docs/html.md) */
    bool force;
    cli_acct_trace_sink acct_sink;
    void *sink_ctx;
} trace_args;

typedef struct manifest {
    const cli_trace_env *env;
    const ct_trace_options *o;
    const trace_args *a;
    const ct_trace_source *src; /* the sources traced (from --from or the case) */
    const char *const *given;   /* each source as written (src[i].spec may be its key) */
    size_t n_src;
    const char *case_name; /* NULL without --case */
} manifest;

/* Digests in the byte order they were computed (not reversed like block hashes). */
static void digest_hex(char out[65], const uint8_t d[32])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[64] = '\0';
}

static void print_manifest_json(FILE *f, const manifest *mf)
{
    char tip[65];
    ct_hash_to_hex(tip, mf->env->stats.tip);
    fprintf(f, "\"manifest\":{\"chaintrail\":\"%s\",\"network\":", ct_version());
    cli_json_string(f, mf->env->stats.network);
    fprintf(f, ",\"tip\":{\"height\":%u,\"hash\":\"%s\"}", mf->env->stats.height, tip);
    char pd[65], ld[65];
    digest_hex(pd, mf->env->prices_digest);
    digest_hex(ld, mf->env->labels_digest);
    fprintf(f, ",\"asset\":\"%s\",\"prices_digest\":\"%s\",\"labels_digest\":\"%s\"",
            mf->env->asset, pd, ld);
    uint8_t cd[32];
    if (ct_trace_graph_db_clusters(mf->env->graph, cd)) {
        char ch[65];
        digest_hex(ch, cd);
        fprintf(f, ",\"clusters\":{\"used\":true,\"policy_digest\":\"%s\"}", ch);
    } else {
        fputs(",\"clusters\":{\"used\":false,\"policy_digest\":null}", f);
    }
    fputc(',', f);
    cli_trace_json_params(f, mf->case_name, mf->given, mf->n_src, mf->src, mf->o->models);
    /* "paths" and "flows" appear only when asked, so that the JSON without them is
     * unchanged. */
    fprintf(f, ",\"direction\":\"%s\",%s", mf->o->backward ? "backward" : "forward",
            mf->o->paths ? "\"paths\":true," : "");
    if (mf->o->flows || mf->o->paths)
        fprintf(f, "\"flows\":\"%s\",",
                mf->o->poison_flows || mf->o->paths ? "whole" : "poison per hop");
    if (mf->a->to.n) { /* only with --to, so that the JSON without it is unchanged */
        fputs("\"to\":[", f);
        for (size_t i = 0; i < mf->a->to.n; i++) {
            fputs(i ? "," : "", f);
            cli_json_string(f, mf->a->to.v[i]);
        }
        fputs("],", f);
    }
    if (mf->a->group_by != CLI_GROUP_NONE)
        fprintf(f, "\"group\":\"%s\",", cli_group_name(mf->a->group_by));
    if (mf->a->limit)
        fprintf(f, "\"limit\":%llu,", (unsigned long long)mf->a->limit);
    fprintf(f, "\"hops\":%u,\"dust_sat\":", mf->o->hops);
    cli_json_amount(f, mf->o->dust); /* --dust takes up to 2^64 - 1 */
    fputc(',', f);
    cli_trace_json_limits(f, mf->o, mf->a->timeout);
}

/* The endpoints listed: all, or the first --limit when endpoints are not grouped. */
static size_t ep_limit(const trace_args *a, size_t n)
{
    if (a->group_by == CLI_GROUP_NONE && a->limit && a->limit < n)
        return (size_t)a->limit;
    return n;
}

static int print_json(FILE *f, const ct_trace_result *r, const manifest *mf, bool pricing)
{
    bool flows = mf->o->flows || mf->o->paths;
    cli_trace_json_status(f, r->complete, r->incomplete_reason);
    print_manifest_json(f, mf);
    if (mf->a->to.n)
        return cli_connect_json(f, r, pricing);
    fputs(",\"models\":{", f);
    bool first = true;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        if (!x->enabled)
            continue;
        fprintf(f, "%s\"%s\":{\"source_sat\":", first ? "" : ",", ct_model_name((ct_model)m));
        first = false;
        cli_json_amount(f, x->source_sat);
        fputs(",\"laundered_sat\":", f);
        cli_json_amount(f, x->laundered_sat);
        fputs(",\"laundered_usd\":", f);
        cli_json_usd(f, x->laundered_usd_cents, x->laundered_sat, x->laundered_unpriced_sat,
                     pricing);
        fputs(",\"laundered_unpriced_sat\":", f);
        cli_json_amount(f, x->laundered_unpriced_sat);
        fputs(",\"by_category\":{", f);
        for (size_t i = 0; i < x->n_categories; i++) {
            const ct_trace_category *c = &x->categories[i];
            fprintf(f, "%s", i ? "," : "");
            cli_json_string(f, c->name);
            fputs(":{\"sat\":", f);
            cli_json_amount(f, c->sat);
            fputs(",\"usd\":", f);
            cli_json_usd(f, c->usd_cents, c->sat, c->unpriced_sat, pricing);
            fputs(",\"unpriced_sat\":", f);
            cli_json_amount(f, c->unpriced_sat);
            fputc('}', f);
        }
        size_t *start = NULL, *idx = NULL;
        if (mf->o->paths && cli_flows_in(x, &start, &idx) != CT_OK)
            return CT_ENOMEM;
        fputs("},\"endpoints\":[", f);
        size_t shown = ep_limit(mf->a, x->n_endpoints);
        for (size_t i = 0; i < shown; i++) {
            fputs(i ? "," : "", f);
            cli_endpoint_json_open(f, &x->endpoints[i], pricing);
            if (mf->o->paths)
                cli_flows_in_json(f, start, idx, i);
            fputc('}', f);
        }
        fputc(']', f);
        free(start);
        free(idx);
        cli_amt u = {false, pricing, 8, 20, mf->env->asset};
        if (shown < x->n_endpoints || (mf->a->limit && mf->a->group_by == CLI_GROUP_NONE) ||
            mf->a->group_by != CLI_GROUP_NONE) {
            cli_ep *v = cli_eps_of_trace(x);
            cli_group *g = NULL;
            size_t ng = 0;
            if (!v || (mf->a->group_by != CLI_GROUP_NONE &&
                       cli_groups(v, x->n_endpoints, mf->a->group_by, &g, &ng) != CT_OK)) {
                free(v);
                return CT_ENOMEM;
            }
            if (mf->a->group_by == CLI_GROUP_NONE)
                cli_left_out_json(f, &u, v, x->n_endpoints, shown);
            else
                cli_groups_json(f, &u, mf->a->group_by, (size_t)mf->a->limit, g, ng);
            free(g);
            free(v);
        }
        if (flows)
            cli_flows_json(f, r, m, pricing);
        fputc('}', f);
    }
    fputs("},\"range\":{", f);
    cli_range rg;
    cli_trace_range(r, &rg);
    if (rg.any) {
        fputs("\"low_sat\":", f);
        cli_json_amount(f, rg.lo);
        fputs(",\"high_sat\":", f);
        cli_json_amount(f, rg.hi);
        fputs(",\"low_usd\":", f);
        cli_json_usd(f, rg.lo_usd, 1, rg.usd_known ? 0 : 1, pricing);
        fputs(",\"high_usd\":", f);
        cli_json_usd(f, rg.hi_usd, 1, rg.usd_known ? 0 : 1, pricing);
        fputs(",\"unpriced_sat\":", f);
        cli_json_amount(f, rg.unpriced);
    } else {
        fputs("\"low_sat\":null,\"high_sat\":null,\"low_usd\":null,\"high_usd\":null,"
              "\"unpriced_sat\":null",
              f);
    }
    const ct_trace_model_result *p = &r->model[CT_MODEL_POISON];
    fputs(",\"poison_sat\":", f);
    if (p->enabled)
        cli_json_amount(f, p->laundered_sat);
    else
        fputs("null", f);
    fputs(",\"poison_usd\":", f);
    if (p->enabled)
        cli_json_usd(f, p->laundered_usd_cents, p->laundered_sat, p->laundered_unpriced_sat,
                     pricing);
    else
        fputs("null", f);
    fputs("}}\n", f);
    return CT_OK;
}

static int print_text(FILE *f, const ct_trace_result *r, const manifest *mf, bool pricing)
{
    char tip[65];
    const char *coin = mf->env->asset; /* the network's ticker, as show and stats say it */
    ct_hash_to_hex(tip, mf->env->stats.tip);
    fprintf(f, "trace from");
    if (mf->case_name)
        fprintf(f, " case %s:", mf->case_name);
    for (size_t i = 0; i < mf->n_src; i++) {
        fputc(' ', f);
        cli_print_text(f, mf->given[i]);
    }
    fprintf(f, " (%zu source outputs)\n", r->n_sources);
    if (mf->o->backward)
        fputs("direction: backward (where the value came from)\n", f);
    fprintf(f, "database: %s, tip %u %s; chaintrail %s\n", mf->env->stats.network,
            mf->env->stats.height, tip, ct_version());
    fprintf(f, "hops %u, dust %llu sat, stop at", mf->o->hops, (unsigned long long)mf->o->dust);
    for (size_t i = 0; i < mf->o->n_stops; i++)
        fprintf(f, "%s%s", i ? "," : " ", mf->o->stops[i]);
    if (r->complete)
        fputs("\ncomplete\n\n", f);
    else /* which budget: max-nodes reached (transactions, waiting outputs, endpoints), timeout */
        fprintf(f, "\nINCOMPLETE: the budget ran out: %s\n\n", r->incomplete_reason);
    if (mf->a->to.n)
        return cli_connect_text(f, r, pricing, coin);
    char h1[32], h2[32], h3[32];
    snprintf(h1, sizeof(h1), "source %s", coin);
    snprintf(h2, sizeof(h2), "laundered %s", coin);
    snprintf(h3, sizeof(h3), "taint %s", coin);
    fprintf(f, "%-8s %22s %22s\n", "model", h1, h2);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        if (!x->enabled)
            continue;
        fprintf(f, "%-8s ", ct_model_name((ct_model)m));
        char a[64], b[64];
        snprintf(a, sizeof(a), "%llu.%08llu", (unsigned long long)(x->source_sat / 100000000u),
                 (unsigned long long)(x->source_sat % 100000000u));
        snprintf(b, sizeof(b), "%llu.%08llu", (unsigned long long)(x->laundered_sat / 100000000u),
                 (unsigned long long)(x->laundered_sat % 100000000u));
        fprintf(f, "%22s %22s", a, b);
        if (x->laundered_sat > 0) {
            fputs("  ", f);
            cli_print_usd_text(f, x->laundered_usd_cents, x->laundered_sat,
                               x->laundered_unpriced_sat, pricing, coin);
        }
        fputc('\n', f);
    }
    cli_range rg;
    cli_trace_range(r, &rg);
    if (rg.any) {
        fputs("\nlaundered: between ", f);
        cli_print_coin128(f, rg.lo);
        fputs(" and ", f);
        cli_print_coin128(f, rg.hi);
        fprintf(f, " %s", coin);
        if (pricing || rg.hi > 0) {
            cli_print_usd_range_open(f, pricing && rg.usd_known, rg.lo_usd, rg.hi_usd);
            if (rg.unpriced) {
                fputs("; up to ", f);
                cli_print_coin128(f, rg.unpriced);
                fprintf(f, " %s on days without a price", coin);
            }
            fputc(')', f);
        }
        fputc('\n', f);
    }
    if (r->model[CT_MODEL_POISON].enabled) {
        fputs("exposure upper bound (poison): ", f);
        cli_print_coin128(f, r->model[CT_MODEL_POISON].laundered_sat);
        fprintf(f, " %s\n", coin);
    }
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        if (!x->enabled)
            continue;
        fprintf(f, "\n== %s\n  by category:", ct_model_name((ct_model)m));
        for (size_t i = 0; i < x->n_categories; i++) {
            fprintf(f, "%s %s ", i ? "," : "", x->categories[i].name);
            cli_print_coin128(f, x->categories[i].sat);
        }
        if (mf->o->flows || mf->o->paths)
            cli_flows_text_totals(f, x, coin);
        size_t *start = NULL, *idx = NULL;
        if (mf->o->paths && x->flows_whole && cli_flows_in(x, &start, &idx) != CT_OK)
            return CT_ENOMEM;
        cli_amt u = {false, pricing, 8, 20, coin};
        cli_ep *v = cli_eps_of_trace(x);
        if (!v) {
            free(start), free(idx);
            return CT_ENOMEM;
        }
        if (mf->a->group_by != CLI_GROUP_NONE) {
            cli_group *g;
            size_t ng;
            if (cli_groups(v, x->n_endpoints, mf->a->group_by, &g, &ng) != CT_OK) {
                free(v), free(start), free(idx);
                return CT_ENOMEM;
            }
            cli_groups_text(f, &u, mf->a->group_by, (size_t)mf->a->limit, g, ng);
            free(g);
        }
        fprintf(f, "\n  %-20s %-12s %4s %8s  %s\n", h3, "category", "hops", "height",
                "address  label");
        size_t shown = ep_limit(mf->a, x->n_endpoints);
        for (size_t i = 0; i < shown; i++) {
            const ct_trace_endpoint *e = &x->endpoints[i];
            char amt[64];
            snprintf(amt, sizeof(amt), "%llu.%08llu", (unsigned long long)(e->taint / 100000000u),
                     (unsigned long long)(e->taint % 100000000u));
            fprintf(f, "  %20s %-12s %4u %8u  ", amt, e->category, e->hops, e->first_height);
            cli_print_text(f, e->address[0] ? e->address : "(no address)");
            if (e->label[0]) {
                fputs("  ", f);
                cli_print_text(f, e->label);
            }
            if (e->label_member) {
                fprintf(f, "  [cluster %llu: label of ", (unsigned long long)e->cluster_id);
                cli_print_text(f, e->label_member);
                fputc(']', f);
            }
            fputc('\n', f);
            for (size_t k = start ? start[i] : 0; start && k < start[i + 1]; k++)
                cli_flow_text(f, r, &x->flows[idx[k]], coin);
        }
        cli_left_out_text(f, &u, v, x->n_endpoints, shown);
        free(v);
        free(start);
        free(idx);
    }
    return CT_OK;
}

/* --group in CSV: one row per (model, group), the N largest with --limit, then a row
 * "(left out)" with the number and taint of the rest. */
static int print_csv_groups(FILE *f, const ct_trace_result *r, const trace_args *a, bool pricing)
{
    fprintf(f, "model,%s,taint_sat,usd,unpriced_sat,endpoints,first_height,last_height\n",
            cli_group_name(a->group_by));
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        cli_group *g = NULL;
        size_t ng;
        if (!x->enabled)
            continue;
        cli_ep *v = cli_eps_of_trace(x);
        if (!v || cli_groups(v, x->n_endpoints, a->group_by, &g, &ng) != CT_OK) {
            free(v);
            return CT_ENOMEM;
        }
        cli_amt u = {false, pricing, 8, 20, ""};
        cli_groups_csv_rows(f, ct_model_name((ct_model)m), &u, (size_t)a->limit, g, ng);
        free(g);
        free(v);
    }
    return CT_OK;
}

static void print_csv(FILE *f, const ct_trace_result *r, const trace_args *a, bool pricing)
{
    fputs("model,address,category,label,taint_sat,usd,unpriced_sat,hops,outputs,first_height,"
          "first_time,last_height,last_time,cluster_id,label_member\n",
          f);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *x = &r->model[m];
        if (!x->enabled)
            continue;
        size_t shown = ep_limit(a, x->n_endpoints);
        if (shown < x->n_endpoints) { /* --limit: the rest in one row (nothing allocated:
                                       * the row cannot go missing) */
            ct_u256 rest = ct_u256_from_u64(0);
            char d[CT_U256_DEC_MAX];
            for (size_t i = shown; i < x->n_endpoints; i++) {
                cli_ep e;
                cli_ep_of_trace(&e, &x->endpoints[i]);
                cli_left_out_add(&rest, &e);
            }
            ct_u256_to_dec(d, sizeof(d), &rest);
            fprintf(f, "%s,\"(left out: %zu)\",,,%s,,,,,,,,,,\n", ct_model_name((ct_model)m),
                    x->n_endpoints - shown, d); /* the 15 columns of the header */
        }
        for (size_t i = 0; i < shown; i++) {
            const ct_trace_endpoint *e = &x->endpoints[i];
            fprintf(f, "%s,", ct_model_name((ct_model)m));
            cli_csv_text(f, e->address);
            fputc(',', f);
            cli_csv_text(f, e->category);
            fputc(',', f);
            cli_csv_text(f, e->label);
            fputc(',', f);
            cli_print_u128(f, e->taint);
            fputc(',', f);
            if (pricing && e->unpriced_sat < e->taint)
                cli_print_cents(f, e->usd_cents);
            fputc(',', f);
            cli_print_u128(f, e->unpriced_sat);
            fprintf(f, ",%u,%llu,%u,%u,%u,%u,", e->hops, (unsigned long long)e->n_outputs,
                    e->first_height, e->first_time, e->last_height, e->last_time);
            if (e->cluster_id)
                fprintf(f, "%llu", (unsigned long long)e->cluster_id);
            fputc(',', f);
            if (e->label_member)
                cli_csv_text(f, e->label_member);
            fputc('\n', f);
        }
    }
}

/* YYYY-MM-DD to Unix seconds at 00:00 UTC (days from civil, Howard Hinnant's algorithm). */
static bool parse_day(const char *s, int64_t *out)
{
    uint64_t y, mo, d;
    char ys[5], ms[3], ds[3];
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    memcpy(ys, s, 4);
    ys[4] = 0;
    memcpy(ms, s + 5, 2);
    ms[2] = 0;
    memcpy(ds, s + 8, 2);
    ds[2] = 0;
    if (!cli_parse_u64(ys, &y) || !cli_parse_u64(ms, &mo) || !cli_parse_u64(ds, &d))
        return false;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || (int)d > mdays[mo - 1] + (mo == 2 && leap))
        return false;
    int64_t yy = (int64_t)y - (mo <= 2);
    int64_t era = yy / 400;
    int64_t yoe = yy - era * 400;
    int64_t mp = ((int64_t)mo + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *out = (era * 146097 + doe - 719468) * 86400;
    return true;
}

static int trace_main(int argc, char **argv, const cli_global *g, trace_args *ap)
{
    const cli_command *self = cli_find("trace");
    ap->model = "all";
    ap->format = "json";
    ap->hops = 10;
    ap->max_nodes = CLI_TRACE_MAX_NODES_DEFAULT;
    ap->max_path_steps = CT_TRACE_MAX_PATH_STEPS;
    const cli_opt opts[] = {
        {"to", CLI_STRINGS, &ap->to}, /* connect (docs/trace.md) */
        {"from", CLI_STRINGS, &ap->from},    {"since", CLI_STRING, &ap->since},
        {"until", CLI_STRING, &ap->until},   {"model", CLI_STRING, &ap->model},
        CLI_NUM("hops", &ap->hops, 0, UINT32_MAX),
        CLI_NUM("dust", &ap->dust, 0, UINT64_MAX),
        {"stop", CLI_STRING, &ap->stop},
        CLI_NUM("max-nodes", &ap->max_nodes, 0, UINT64_MAX),
        CLI_NUM("timeout", &ap->timeout, 0, UINT64_MAX),
        {"case", CLI_STRING, &ap->case_name},
        {"format", CLI_STRING, &ap->format}, {"backward", CLI_FLAG, &ap->backward},
        {"paths", CLI_FLAG, &ap->paths},
        CLI_NUM("max-path-steps", &ap->max_path_steps, 0, UINT64_MAX),
        {"no-clusters", CLI_FLAG, &ap->no_clusters},
        {"flows", CLI_FLAG, &ap->flows},
        {"poison-flows", CLI_FLAG, &ap->poison_flows},
        {"group", CLI_STRING, &ap->group},
        CLI_NUM("limit", &ap->limit, 0, UINT64_MAX),
        {"output", CLI_STRING, &ap->output},
        {"force", CLI_FLAG, &ap->force},
        {NULL, CLI_FLAG, NULL},
    };
    static char long_output[] = "--output"; /* -o is --output, as for export */
    for (int i = 1; i < argc && !ap->sink; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-o") == 0)
            argv[i] = long_output;
    }
    int first;
    int rc = cli_parse(self, opts, argc, argv, &first);
    if (rc < 0)
        return CT_EXIT_OK;
    if (rc != CT_EXIT_OK)
        return rc;
    if (argv[first]) {
        cli_error("trace", "unexpected argument '%s' (sources are given with --from)", argv[first]);
        return CT_EXIT_USAGE;
    }
    if (ap->from.n == 0 && !ap->case_name) {
        cli_error("trace",
                  "no source: give --from ADDR|TXID|TXID:VOUT (repeatable) or --case NAME");
        return CT_EXIT_USAGE;
    }
    if (ap->from.n > 0 && ap->case_name) {
        cli_error("trace", "give either --from or --case, not both");
        return CT_EXIT_USAGE;
    }
    ct_trace_options o;
    ct_trace_options_init(&o);
    if ((rc = cli_models("trace", ap->model, &o.models)) != CT_EXIT_OK)
        return rc;
    if (ap->hops > UINT32_MAX) {
        cli_error("trace", "option '--hops': %llu is too large", (unsigned long long)ap->hops);
        return CT_EXIT_USAGE;
    }
    o.hops = (uint32_t)ap->hops;
    o.backward = ap->backward;
    o.paths = ap->paths;
    ap->group_by = CLI_GROUP_NONE;
    if (ap->group && (rc = cli_group_parse(ap->group, &ap->group_by)) != CT_EXIT_OK)
        return rc;
    if (ap->limit && ap->group_by == CLI_GROUP_NONE &&
        (ap->flows || ap->poison_flows || ap->paths)) {
        cli_error("trace", "--limit without --group would leave out endpoints that the flows "
                           "refer to: add --group, or leave out --flows and --paths");
        return CT_EXIT_USAGE;
    }
    if (ap->to.n && ap->sink) { /* "trace" reads "export trace" here */
        cli_error("trace", "--to is not an export option: the export writes every flow of the "
                           "trace ('chaintrail trace --to ADDR' answers whether the sources "
                           "reached ADDR)");
        return CT_EXIT_USAGE;
    }
    if (ap->to.n && (ap->group || ap->limit || ap->flows || ap->poison_flows)) {
        cli_error("trace", "--to answers with its own flows: leave out --group, --limit, --flows "
                           "and --poison-flows");
        return CT_EXIT_USAGE;
    }
    if (ap->to.n > CT_TRACE_MAX_SOURCES) {
        cli_error("trace", "at most %d --to", CT_TRACE_MAX_SOURCES);
        return CT_EXIT_USAGE;
    }
    /* Connect: the flows of every model whole, for the evidence of each target. */
    o.paths = ap->paths || ap->to.n;
    o.targets = ap->to.v;
    o.n_targets = ap->to.n;
    o.flows = ap->flows || ap->poison_flows || ap->sink;
    o.poison_flows = ap->poison_flows || ap->sink;
    o.dust = ap->dust;
    o.max_nodes = ap->max_nodes;
    o.max_path_steps = ap->max_path_steps;
    o.timeout_s = (double)ap->timeout;
    if (ap->stop && (rc = cli_categories("trace", "stop", ap->stop, o.stops, CT_TRACE_MAX_STOPS,
                                         &o.n_stops)) != CT_EXIT_OK)
        return rc;
    cli_fmt fmt;
    if ((rc = cli_format_pick("trace", ap->format, CLI_FMT_ALL | (1u << CLI_FMT_HTML), &fmt)) !=
        CT_EXIT_OK)
        return rc;
    if ((ap->output || ap->force) && fmt != CLI_FMT_HTML) {
        cli_error("trace", "-o PATH and --force write the HTML only (--format html)");
        return CT_EXIT_USAGE;
    }
    if (fmt == CLI_FMT_HTML && ap->to.n) {
        cli_error("trace", "--to does not apply to --format html yet (its answer is JSON, "
                           "text or CSV)");
        return CT_EXIT_USAGE;
    }
    if (fmt == CLI_FMT_HTML && (ap->group || ap->limit)) {
        cli_error("trace", "--group and --limit do not apply to --format html (its tables "
                           "list every endpoint, per service)");
        return CT_EXIT_USAGE;
    }
    if (fmt == CLI_FMT_HTML) /* the picture is drawn from the flows (docs/html.md) */
        o.flows = true;
    int64_t since = -1, until = -1;
    if (ap->since && !parse_day(ap->since, &since)) {
        cli_error("trace", "option '--since': '%s' is not a date YYYY-MM-DD", ap->since);
        return CT_EXIT_USAGE;
    }
    if (ap->until) {
        if (!parse_day(ap->until, &until)) {
            cli_error("trace", "option '--until': '%s' is not a date YYYY-MM-DD", ap->until);
            return CT_EXIT_USAGE;
        }
        until += 86399; /* the whole day, both ends included */
    }
    ct_db *db;
    if ((rc = cli_open_db("trace", g, &db)) != CT_EXIT_OK)
        return rc;
    ct_error err;
    ct_error_clear(&err);
    ct_case kase;
    memset(&kase, 0, sizeof(kase));
    const char **specs = ap->from.v;
    size_t n_src = ap->from.n;
    if (ap->case_name) {
        int crc = ct_case_get(db, &kase, ap->case_name, &err);
        if (crc != CT_OK) {
            ct_db_close(db);
            if (crc == CT_ENOTFOUND) {
                cli_error("trace", "no case named '%s' (see 'chaintrail case list')",
                          ap->case_name);
                return CT_EXIT_NOTFOUND;
            }
            return cli_db_fail("trace", crc, &err);
        }
        n_src = kase.n_sources;
        /* Address sources of a case count from the day of the theft on. */
        if (!ap->since)
            since = (int64_t)kase.date * 86400;
    }
    ct_trace_source *src = calloc(n_src ? n_src : 1, sizeof(*src));
    const char **given = calloc(n_src ? n_src : 1, sizeof(*given));
    if (!src || !given || n_src > CT_TRACE_MAX_SOURCES) {
        cli_error("trace", src && given ? "at most %d sources" : "out of memory",
                  CT_TRACE_MAX_SOURCES);
        free(src);
        free(given);
        ct_case_release(&kase);
        ct_db_close(db);
        return src ? CT_EXIT_USAGE : CT_EXIT_FAILURE;
    }
    const ct_btc_params *net = cli_db_network(db);
    for (size_t i = 0; i < n_src; i++) {
        const char *spec = ap->case_name ? kase.sources[i].text : specs[i];
        ct_case_source chk;
        given[i] = spec;
        /* Checked as show and case add check it: a mistyped address is a usage error, not
         * "received nothing". */
        if (cli_source("trace", ap->case_name ? NULL : "from", spec, net, &chk)) {
            free(src);
            free(given);
            ct_case_release(&kase);
            ct_db_close(db);
            return CT_EXIT_USAGE;
        }
        if (!cli_trace_source_set(&src[i], spec)) {
            cli_error("trace", "source '%.200s' is too long", spec);
            free(src);
            free(given);
            ct_case_release(&kase);
            ct_db_close(db);
            return CT_EXIT_USAGE;
        }
        src[i].from_time = since;
        src[i].to_time = until;
    }
    for (size_t i = 0; i < ap->to.n; i++) { /* an address of the sources' chain */
        ct_case_source chk;
        bool eth = ct_acct_source_is(ap->to.v[i]);
        if (cli_source("trace", "to", ap->to.v[i], net, &chk)) {
            rc = CT_EXIT_USAGE;
        } else if (chk.kind == CT_CASE_TX || chk.kind == CT_CASE_OUTPUT ||
                   chk.kind == CT_CASE_ETH_TX) {
            cli_error("trace", "option '--to': '%.200s' is a transaction, not an address",
                      ap->to.v[i]);
            rc = CT_EXIT_USAGE;
        } else if (eth != (n_src > 0 && ct_acct_source_is(given[0]))) {
            cli_error("trace", "option '--to': '%.200s' is not an address of the sources' chain",
                      ap->to.v[i]);
            rc = CT_EXIT_USAGE;
        }
        if (rc != CT_EXIT_OK) {
            free(src);
            free(given);
            ct_case_release(&kase);
            ct_db_close(db);
            return rc;
        }
    }

    /* Ethereum sources (0x + 40 or 64 hex digits) go to the account-model tracer. */
    size_t n_acct = 0;
    for (size_t i = 0; i < n_src; i++)
        n_acct += ct_acct_source_is(given[i]);
    if (n_acct > 0) {
        if (n_acct < n_src)
            rc = (cli_error("trace", "give either Ethereum or Bitcoin sources, not both"),
                  CT_EXIT_USAGE);
        else if (ap->group_by == CLI_GROUP_CLUSTER)
            rc = (cli_error("trace", "--group cluster: account chains have no clusters"),
                  CT_EXIT_USAGE);
        else
            rc = cli_trace_acct(&(cli_acct_trace_req){db, &o, src, given, n_src, ap->case_name,
                                                      ap->format, ap->timeout, ap->group_by,
                                                      ap->limit, ap->output, ap->force,
                                                      ap->acct_sink, ap->sink_ctx});
        free(src);
        free(given);
        ct_case_release(&kase);
        ct_db_close(db);
        return rc;
    }

    cli_warn_price_tables("trace", db); /* a table that values nothing here (prices.md) */
    cli_trace_env env;
    manifest mf = {&env, &o, ap, src, given, n_src, ap->case_name};
    ct_trace_result res;
    memset(&res, 0, sizeof(res));
    int lrc = cli_trace_env_open(&env, db, &err);
    o.pricing = env.pricing;
    if (lrc == CT_OK && ap->no_clusters)
        ct_trace_graph_db_use_clusters(env.graph, false);
    bool refused = false; /* --group cluster without clusters */
    if (lrc == CT_OK && ap->group_by == CLI_GROUP_CLUSTER &&
        !ct_trace_graph_db_clusters(env.graph, NULL)) {
        cli_error("trace", "--group cluster: %s",
                  ap->no_clusters ? "--no-clusters was given"
                                  : "the database has no clusters ('chaintrail cluster' first)");
        refused = true;
        rc = CT_EXIT_USAGE;
    } else if (lrc == CT_OK) {
        lrc = ct_trace_run(&res, env.graph, src, n_src, &o, &err);
    }
    if (!refused && lrc == CT_OK)
        cli_trace_budget_note(res.complete, res.incomplete_reason, o.max_nodes);
    if (refused) {
        /* said above */
    } else if (lrc == CT_OK && ap->sink) {
        rc = ap->sink(ap->sink_ctx, db, &res, &o);
    } else if (lrc == CT_OK) {
        bool priced = o.pricing != NULL;
        int prc = CT_OK, return_html = CT_EXIT_OK;
        if (fmt == CLI_FMT_HTML)
            return_html = cli_trace_html(&(cli_html_req){ap->output, ap->force, ap->case_name,
                                                         given, n_src, &o, ap->timeout},
                                         &env, &res, src);
        else if (strcmp(ap->format, "json") == 0)
            prc = print_json(stdout, &res, &mf, priced);
        else if (strcmp(ap->format, "text") == 0)
            prc = print_text(stdout, &res, &mf, priced);
        else if (ap->to.n)
            cli_connect_csv(stdout, &res, priced);
        else if (o.flows || o.paths)
            cli_flows_csv(stdout, &res, priced);
        else if (ap->group_by != CLI_GROUP_NONE)
            prc = print_csv_groups(stdout, &res, ap, priced);
        else
            print_csv(stdout, &res, ap, priced);
        rc = prc == CT_OK ? return_html : (cli_error("trace", "out of memory"), CT_EXIT_FAILURE);
    } else if (lrc == CT_ENOMEM && strcmp(err.reason, "paths-too-large") == 0) {
        rc = cli_paths_too_big(&err, ap->max_path_steps, ap->to.n > 0);
    } else {
        rc = lrc == CT_ENOTFOUND ? (cli_error("trace", "%s", cli_detail(&err)), CT_EXIT_NOTFOUND)
             : lrc == CT_EINVAL  ? (cli_error("trace", "%s", cli_detail(&err)), CT_EXIT_USAGE)
                                 : cli_db_fail("trace", lrc, &err);
    }
    ct_trace_result_release(&res);
    cli_trace_env_close(&env);
    free(src);
    free(given);
    ct_case_release(&kase);
    ct_db_close(db);
    return rc;
}

int cli_trace_to(int argc, char **argv, const cli_global *g, cli_trace_sink fn,
                 cli_acct_trace_sink acct_fn, void *ctx)
{
    trace_args a;
    memset(&a, 0, sizeof(a));
    a.sink = fn;
    a.acct_sink = acct_fn;
    a.sink_ctx = ctx;
    int rc = trace_main(argc, argv, g, &a);
    cli_strings_release(&a.from);
    cli_strings_release(&a.to);
    return rc;
}

int cmd_trace(int argc, char **argv, const cli_global *g)
{
    trace_args a;
    memset(&a, 0, sizeof(a));
    int rc = trace_main(argc, argv, g, &a);
    cli_strings_release(&a.from);
    cli_strings_release(&a.to);
    return rc;
}
