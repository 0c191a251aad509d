/* `chaintrail report [--year Y]`: traces every stored case (all models, default stops) and
 * prints the table a panel of experts would: per case and in total, the value stolen (and
 * its USD at the theft date), the laundered range low-high across haircut, FIFO, LIFO and
 * TIHO (poison beside it as the exposure upper bound), what reached each cash-out category,
 * and what is still unspent. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct span {
    u128 lo, hi;
} span;

typedef struct case_row {
    const ct_case *c;
    bool traced;
    bool complete;
    char error[CT_ERROR_DETAIL_MAX];
    u128 stolen_sat;
    u128 stolen_usd;
    bool stolen_priced;
    span laundered, laundered_usd, unspent;
    bool laundered_usd_known; /* false: no model's laundered value had a price */
    u128 unpriced; /* laundered value on days without a price (largest over the models) */
    u128 poison;
    span cashout[CT_TRACE_MAX_STOPS];
} case_row;

/* The minimum and maximum of category `name` over haircut, FIFO, LIFO and TIHO. */
static span category_span(const ct_trace_result *r, const char *name)
{
    span s = {0, 0};
    bool any = false;
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++) {
        u128 v = 0;
        for (size_t i = 0; i < r->model[m].n_categories; i++)
            if (strcmp(r->model[m].categories[i].name, name) == 0)
                v = r->model[m].categories[i].sat;
        if (!any || v < s.lo)
            s.lo = v;
        if (!any || v > s.hi)
            s.hi = v;
        any = true;
    }
    return s;
}

static int trace_case(ct_db *db, cli_trace_env *env, const ct_trace_options *o, case_row *row,
                      ct_error *err)
{
    const ct_case *c = row->c;
    for (size_t i = 0; i < c->n_sources; i++)
        if (c->sources[i].kind == CT_CASE_ETH_ADDRESS || c->sources[i].kind == CT_CASE_ETH_TX) {
            err->code = CT_EINVAL;
            snprintf(err->detail, sizeof(err->detail),
                     "an Ethereum case: the report covers Bitcoin cases only for now (trace it "
                     "with 'trace --case %s')",
                     c->name);
            return CT_EINVAL;
        }
    ct_trace_source *src = calloc(c->n_sources, sizeof(*src));
    ct_trace_result res;
    int rc;
    if (!src) {
        err->code = CT_ENOMEM;
        snprintf(err->detail, sizeof(err->detail), "out of memory");
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < c->n_sources; i++) {
        if (!cli_trace_source_set(&src[i], c->sources[i].text)) {
            free(src);
            err->code = CT_EINVAL;
            snprintf(err->detail, sizeof(err->detail), "source '%.100s...' is too long",
                     c->sources[i].text);
            return CT_EINVAL;
        }
        src[i].from_time = (int64_t)c->date * 86400;
        src[i].to_time = -1;
    }
    rc = ct_trace_run(&res, env->graph, src, c->n_sources, o, err);
    free(src);
    if (rc != CT_OK) {
        ct_trace_result_release(&res);
        return rc;
    }
    row->traced = true;
    row->complete = res.complete;
    row->stolen_sat = res.model[CT_MODEL_HAIRCUT].source_sat;
    row->poison = res.model[CT_MODEL_POISON].laundered_sat;
    cli_range rg;
    cli_trace_range(&res, &rg);
    row->laundered = (span){rg.lo, rg.hi};
    row->laundered_usd = (span){rg.lo_usd, rg.hi_usd};
    row->laundered_usd_known = rg.usd_known;
    row->unpriced = rg.unpriced;
    row->unspent = category_span(&res, "unspent");
    for (size_t k = 0; k < o->n_cashout; k++)
        row->cashout[k] = category_span(&res, o->cashout[k]);
    ct_trace_result_release(&res);

    /* The stolen value at the price of the theft date. */
    uint64_t price, cents;
    rc = ct_price_get(db, NULL, &price, NULL, env->asset, c->date, err);
    if (rc == CT_OK && row->stolen_sat <= UINT64_MAX) {
        ct_u128 amount = {(uint64_t)(row->stolen_sat >> 64), (uint64_t)row->stolen_sat};
        if ((rc = ct_usd_cents(&cents, amount, 8, price, err)) != CT_OK)
            return rc;
        row->stolen_usd = cents;
        row->stolen_priced = true;
    } else if (rc != CT_ENOTFOUND && rc != CT_OK) {
        return rc;
    }
    return CT_OK;
}

static void json_span(FILE *f, const char *name, span s)
{
    fprintf(f, "\"%s\":{\"low_sat\":", name);
    cli_json_amount(f, s.lo);
    fputs(",\"high_sat\":", f);
    cli_json_amount(f, s.hi);
    fputc('}', f);
}

static void print_json(FILE *f, const case_row *rows, size_t n, const ct_trace_options *o,
                       const cli_trace_env *env, int64_t year)
{
    char tip[65];
    ct_hash_to_hex(tip, env->stats.tip);
    fputs("{\"year\":", f);
    if (year >= 0)
        fprintf(f, "%lld", (long long)year);
    else
        fputs("null", f);
    fprintf(f, ",\"manifest\":{\"chaintrail\":\"%s\",\"network\":", ct_version());
    cli_json_string(f, env->stats.network);
    fprintf(f, ",\"tip\":{\"height\":%u,\"hash\":\"%s\"},\"asset\":\"%s\"}", env->stats.height, tip,
            env->asset);
    fputs(",\"cases\":[", f);
    span tl = {0, 0}, tu = {0, 0}, tun = {0, 0}, tc[CT_TRACE_MAX_STOPS];
    u128 tstolen = 0, tstolen_usd = 0, tpoison = 0, tstolen_unpriced = 0, tunpriced = 0;
    bool tu_known = false;
    memset(tc, 0, sizeof(tc));
    for (size_t i = 0; i < n; i++) {
        const case_row *r = &rows[i];
        char day[11];
        ct_day_format(day, r->c->date);
        fputs(i ? ",{\"case\":" : "{\"case\":", f);
        cli_json_string(f, r->c->name);
        fprintf(f, ",\"date\":\"%s\",\"victim\":", day);
        cli_json_string(f, r->c->victim);
        if (!r->traced) {
            fputs(",\"error\":", f);
            cli_json_string(f, r->error);
            fputc('}', f);
            continue;
        }
        fprintf(f, ",\"complete\":%s,\"stolen_sat\":", r->complete ? "true" : "false");
        cli_json_amount(f, r->stolen_sat);
        fputs(",\"stolen_usd\":", f);
        cli_json_usd(f, r->stolen_usd, 1, r->stolen_priced ? 0 : 1, true);
        fputc(',', f);
        json_span(f, "laundered", r->laundered);
        fputs(",\"laundered_usd\":{\"low\":", f);
        cli_json_usd(f, r->laundered_usd.lo, 1, r->laundered_usd_known ? 0 : 1, true);
        fputs(",\"high\":", f);
        cli_json_usd(f, r->laundered_usd.hi, 1, r->laundered_usd_known ? 0 : 1, true);
        fputs(",\"unpriced_sat\":", f);
        cli_json_amount(f, r->unpriced);
        fputs("},\"poison_sat\":", f);
        cli_json_amount(f, r->poison);
        fputs(",\"cashed_out\":{", f);
        for (size_t k = 0; k < o->n_cashout; k++) {
            if (k)
                fputc(',', f);
            json_span(f, o->cashout[k], r->cashout[k]);
            tc[k].lo += r->cashout[k].lo;
            tc[k].hi += r->cashout[k].hi;
        }
        fputs("},", f);
        json_span(f, "unspent", r->unspent);
        fputc('}', f);
        tstolen += r->stolen_sat;
        tstolen_usd += r->stolen_usd;
        if (!r->stolen_priced)
            tstolen_unpriced += r->stolen_sat;
        tpoison += r->poison;
        tl.lo += r->laundered.lo;
        tl.hi += r->laundered.hi;
        tu.lo += r->laundered_usd.lo;
        tu.hi += r->laundered_usd.hi;
        tu_known |= r->laundered_usd_known;
        tunpriced += r->unpriced;
        tun.lo += r->unspent.lo;
        tun.hi += r->unspent.hi;
    }
    fputs("],\"totals\":{\"stolen_sat\":", f);
    cli_json_amount(f, tstolen);
    fputs(",\"stolen_usd\":", f);
    cli_json_usd(f, tstolen_usd, tstolen, tstolen_unpriced, true);
    fputs(",\"stolen_unpriced_sat\":", f);
    cli_json_amount(f, tstolen_unpriced);
    fputc(',', f);
    json_span(f, "laundered", tl);
    fputs(",\"laundered_usd\":{\"low\":", f);
    cli_json_usd(f, tu.lo, 1, tu_known || tl.hi == 0 ? 0 : 1, true);
    fputs(",\"high\":", f);
    cli_json_usd(f, tu.hi, 1, tu_known || tl.hi == 0 ? 0 : 1, true);
    fputs(",\"unpriced_sat\":", f);
    cli_json_amount(f, tunpriced);
    fputs("},\"poison_sat\":", f);
    cli_json_amount(f, tpoison);
    fputs(",\"cashed_out\":{", f);
    for (size_t k = 0; k < o->n_cashout; k++) {
        if (k)
            fputc(',', f);
        json_span(f, o->cashout[k], tc[k]);
    }
    fputs("},", f);
    json_span(f, "unspent", tun);
    fputs("}}\n", f);
}

static void coin_span(FILE *f, span s)
{
    cli_print_coin128(f, s.lo);
    fputs(" - ", f);
    cli_print_coin128(f, s.hi);
}

static void print_text(FILE *f, const case_row *rows, size_t n, const ct_trace_options *o,
                       int64_t year)
{
    if (year >= 0)
        fprintf(f, "Thefts of %lld\n\n", (long long)year);
    else
        fputs("All cases\n\n", f);
    u128 tstolen = 0, tstolen_usd = 0, tstolen_unpriced = 0, tunpriced = 0;
    span tl = {0, 0}, tu = {0, 0}, tun = {0, 0};
    bool tu_known = false;
    for (size_t i = 0; i < n; i++) {
        const case_row *r = &rows[i];
        char day[11];
        ct_day_format(day, r->c->date);
        fprintf(f, "%s  %s%s", r->c->name, day, r->c->victim[0] ? "  victim: " : "");
        cli_print_text(f, r->c->victim);
        fputc('\n', f);
        if (!r->traced) {
            fputs("  not traced: ", f);
            cli_print_text(f, r->error);
            fputs("\n\n", f);
            continue;
        }
        fputs("  stolen          ", f);
        cli_print_coin128(f, r->stolen_sat);
        fputs(" BTC", f);
        if (r->stolen_priced) {
            fputs("  (USD ", f);
            cli_print_cents(f, r->stolen_usd);
            fputc(')', f);
        } else if (r->stolen_sat > 0) {
            fputs("  (no price)", f);
        }
        fputs("\n  laundered       ", f);
        coin_span(f, r->laundered);
        if (r->laundered_usd_known) {
            fputs(" BTC  (USD ", f);
            cli_print_cents(f, r->laundered_usd.lo);
            fputs(" - ", f);
            cli_print_cents(f, r->laundered_usd.hi);
        } else {
            fputs(" BTC  (no price", f);
        }
        if (r->unpriced) {
            fputs("; up to ", f);
            cli_print_coin128(f, r->unpriced);
            fputs(" BTC on days without a price", f);
        }
        fputs(")\n  exposure (poison) ", f);
        cli_print_coin128(f, r->poison);
        fputs(" BTC\n", f);
        for (size_t k = 0; k < o->n_cashout; k++) {
            fprintf(f, "  %-15s ", o->cashout[k]);
            coin_span(f, r->cashout[k]);
            fputs(" BTC\n", f);
        }
        fputs("  still unspent   ", f);
        coin_span(f, r->unspent);
        fprintf(f, " BTC%s\n\n", r->complete ? "" : "  (INCOMPLETE: budget ran out)");
        tstolen += r->stolen_sat;
        tstolen_usd += r->stolen_usd;
        if (!r->stolen_priced)
            tstolen_unpriced += r->stolen_sat;
        tl.lo += r->laundered.lo;
        tl.hi += r->laundered.hi;
        tu.lo += r->laundered_usd.lo;
        tu.hi += r->laundered_usd.hi;
        tu_known |= r->laundered_usd_known;
        tunpriced += r->unpriced;
        tun.lo += r->unspent.lo;
        tun.hi += r->unspent.hi;
    }
    fprintf(f, "TOTAL over %zu cases\n  stolen          ", n);
    cli_print_coin128(f, tstolen);
    if (tstolen > 0 && tstolen_unpriced >= tstolen) {
        fputs(" BTC  (no price at the theft dates", f);
    } else {
        fputs(" BTC  (USD ", f);
        cli_print_cents(f, tstolen_usd);
        fputs(" at the theft dates", f);
    }
    if (tstolen_unpriced) {
        fputs("; ", f);
        cli_print_coin128(f, tstolen_unpriced);
        fputs(" BTC stolen on days without a price", f);
    }
    fputs(")\n  laundered       ", f);
    coin_span(f, tl);
    if (tu_known || tl.hi == 0) {
        fputs(" BTC  (USD ", f);
        cli_print_cents(f, tu.lo);
        fputs(" - ", f);
        cli_print_cents(f, tu.hi);
    } else {
        fputs(" BTC  (no price", f);
    }
    if (tunpriced) {
        fputs("; up to ", f);
        cli_print_coin128(f, tunpriced);
        fputs(" BTC on days without a price", f);
    }
    fputs(")\n  still unspent   ", f);
    coin_span(f, tun);
    fputs(" BTC\n", f);
}

int cmd_report(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("report");
    uint64_t year = UINT64_MAX;
    const char *format = "text";
    const cli_opt opts[] = {
        {"year", CLI_U64, &year}, {"format", CLI_STRING, &format}, {NULL, CLI_FLAG, NULL}};
    int first;
    int rc = cli_parse(self, opts, argc, argv, &first);
    if (rc < 0)
        return CT_EXIT_OK;
    if (rc != CT_EXIT_OK)
        return rc;
    if (argv[first]) {
        cli_error("report", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    if (year != UINT64_MAX && (year < 2009 || year > 9999)) {
        cli_error("report", "option '--year': %llu is not a year from 2009 on",
                  (unsigned long long)year);
        return CT_EXIT_USAGE;
    }
    bool json;
    if ((rc = cli_format("report", format, &json)) != CT_EXIT_OK)
        return rc;
    ct_db *db;
    if ((rc = cli_open_db("report", g, &db)) != CT_EXIT_OK)
        return rc;
    ct_error err;
    ct_error_clear(&err);
    ct_case *cases = NULL;
    size_t n_cases = 0, n = 0;
    cli_trace_env env;
    memset(&env, 0, sizeof(env));
    int lrc = ct_case_list(db, &cases, &n_cases, &err);
    if (lrc == CT_OK)
        lrc = cli_trace_env_open(&env, db, &err);
    case_row *rows = lrc == CT_OK ? calloc(n_cases ? n_cases : 1, sizeof(*rows)) : NULL;
    if (lrc == CT_OK && !rows)
        lrc = CT_ENOMEM;
    if (lrc == CT_OK) {
        ct_trace_options o;
        ct_trace_options_init(&o);
        o.pricing = env.pricing;
        for (size_t i = 0; i < n_cases && lrc == CT_OK; i++) {
            char day[11];
            uint64_t y;
            ct_day_format(day, cases[i].date); /* YYYY-MM-DD */
            day[4] = '\0';
            if (year != UINT64_MAX && (!cli_parse_u64(day, &y) || y != year))
                continue;
            case_row *r = &rows[n++];
            r->c = &cases[i];
            ct_error cerr;
            ct_error_clear(&cerr);
            int trc = trace_case(db, &env, &o, r, &cerr);
            if (trc == CT_ENOTFOUND || trc == CT_EINVAL)
                snprintf(r->error, sizeof(r->error), "%s", cerr.detail); /* reported, go on */
            else if (trc != CT_OK) {
                lrc = trc;
                err = cerr;
            }
        }
        if (lrc == CT_OK) {
            if (json)
                print_json(stdout, rows, n, &o, &env, year == UINT64_MAX ? -1 : (int64_t)year);
            else
                print_text(stdout, rows, n, &o, year == UINT64_MAX ? -1 : (int64_t)year);
        }
    }
    rc = lrc == CT_OK ? CT_EXIT_OK : cli_db_fail("report", lrc, &err);
    free(rows);
    cli_trace_env_close(&env);
    ct_case_list_free(cases, n_cases);
    ct_db_close(db);
    return rc;
}
