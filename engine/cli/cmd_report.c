/* `chaintrail report [--case NAME | --year Y] [--format text|json|csv]`: the case file an
 * investigator files. Each selected case is traced with all five models (report_build.c
 * builds the data once, report.h); this file parses the command and prints that data in
 * each format: the provenance (version, database tip, label, price and clustering digests,
 * parameters), each model in a plain paragraph, per case the totals per category that add
 * up to the value stolen, each service reached with its addresses, dates and deposit
 * transactions, and the yearly table over the cases. docs/report.md. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ---- text ---- */
static void text_time(FILE *f, uint32_t time, uint32_t height)
{
    cli_print_time(f, time);
    fprintf(f, " (height %u)", height);
}

/* " (USD lo - hi)", " (USD lo - hi; X COIN without a price)", " (no price for X COIN)";
 * nothing for a zero amount. */
static void text_usd(FILE *f, const rpt_range *g, bool pricing, const char *coin)
{
    if (g->hi == 0)
        return;
    if (pricing && g->usd_known) {
        fputs("  (USD ", f);
        cli_print_cents(f, g->lo_usd);
        if (g->hi_usd != g->lo_usd) {
            fputs(" - ", f);
            cli_print_cents(f, g->hi_usd);
        }
        if (g->unpriced) {
            fputs("; ", f);
            cli_print_coin128(f, g->unpriced);
            fprintf(f, " %s without a price", coin);
        }
        fputc(')', f);
        return;
    }
    fputs("  (no price for ", f);
    cli_print_coin128(f, pricing ? g->unpriced : g->hi);
    fprintf(f, " %s)", coin);
}

/* "lo - hi COIN" (one figure when all models agree), USD, then poison's figure. */
static void text_vals(FILE *f, const rpt_vals *v, bool pricing, const char *coin, bool poison)
{
    rpt_range g;
    rpt_range_of(v, &g);
    cli_print_coin128(f, g.lo);
    if (g.hi != g.lo) {
        fputs(" - ", f);
        cli_print_coin128(f, g.hi);
    }
    fprintf(f, " %s", coin);
    text_usd(f, &g, pricing, coin);
    if (poison) {
        fputs("  poison ", f);
        cli_print_coin128(f, v->sat[CT_MODEL_POISON]);
    }
    fputc('\n', f);
}

static const char *line_title(const char *name)
{
    if (strcmp(name, "hop_limit") == 0)
        return "hop limit";
    if (strcmp(name, "fee") == 0)
        return "fees";
    if (strcmp(name, "budget") == 0)
        return "budget";
    return name;
}

/* A coin amount as text ("12.34567890") into buf. */
static const char *coin_str(char buf[48], u128 sat)
{
    char t[48];
    size_t n = 0, k = 0;
    u128 whole = sat / 100000000u;
    do {
        t[n++] = (char)('0' + (int)(whole % 10));
        whole /= 10;
    } while (whole);
    while (n)
        buf[k++] = t[--n];
    snprintf(buf + k, 48 - k, ".%08llu", (unsigned long long)(sat % 100000000u));
    return buf;
}

/* The lines under each model, one column each, and their total, which is the value stolen
 * for every model but poison. */
static void text_per_model(FILE *f, const rpt_case *c)
{
    char b[48];
    static const int order[] = {CT_MODEL_HAIRCUT, CT_MODEL_FIFO, CT_MODEL_LIFO, CT_MODEL_TIHO,
                                CT_MODEL_POISON};
    u128 total[CT_MODEL_COUNT] = {0};
    fprintf(f, "  per model      %15s %15s %15s %15s %15s\n", "haircut", "fifo", "lifo", "tiho",
            "poison");
    for (size_t i = 0; i < c->n_lines; i++) {
        fprintf(f, "    %-12s", line_title(c->lines[i].name));
        for (size_t k = 0; k < CT_MODEL_COUNT; k++) {
            fprintf(f, " %15s", coin_str(b, c->lines[i].v.sat[order[k]]));
            total[order[k]] += c->lines[i].v.sat[order[k]];
        }
        fputc('\n', f);
    }
    fputs("    total       ", f);
    for (size_t k = 0; k < CT_MODEL_COUNT; k++)
        fprintf(f, " %15s", coin_str(b, total[order[k]]));
    fputs("\n    stolen      ", f);
    for (size_t k = 0; k < CT_MODEL_COUNT; k++)
        fprintf(f, " %15s", coin_str(b, c->stolen.sat[order[k]]));
    fputc('\n', f);
}

static void text_list24(FILE *f, const char (*items)[24], size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? ", " : "", items[i]);
    if (!n)
        fputs("none", f);
}

/* s as lines of at most `width` columns, broken at spaces: the first after `first`, the
 * others after `rest`. */
static void text_wrap(FILE *f, const char *s, const char *first, const char *rest, size_t width)
{
    const char *indent = first;
    while (*s) {
        size_t room = width - strlen(indent), n = strlen(s);
        if (n > room) {
            n = room;
            while (n > 0 && s[n] != ' ')
                n--;
            if (n == 0)
                n = strcspn(s, " ");
        }
        fprintf(f, "%s%.*s\n", indent, (int)n, s);
        s += n;
        while (*s == ' ')
            s++;
        indent = rest;
    }
}

static void text_provenance(FILE *f, const rpt_report *r)
{
    char hex[65];
    const ct_trace_options *o = &r->opts;
    fprintf(f, "Provenance\n  chaintrail      %s\n  database        %s", r->version,
            r->tip.network[0] ? r->tip.network : "(no blocks)");
    if (r->tip.has_tip) {
        ct_hash_to_hex(hex, r->tip.tip);
        fprintf(f, " (%s), tip height %u, %s, ", r->asset, r->tip.height, hex);
        cli_print_time(f, r->tip.tip_time);
    }
    fputs("\n  labels digest   ", f);
    cli_print_hex(f, r->labels_digest, 32);
    fputs("\n  prices digest   ", f);
    cli_print_hex(f, r->prices_digest, 32);
    fputc('\n', f);
    if (r->clusters_used) {
        fputs("  clusters        used, policy digest ", f);
        cli_print_hex(f, r->clusters_digest, 32);
        fputc('\n', f);
    } else {
        fputs("  clusters        not used\n", f);
    }
    fputs("  parameters      models poison, haircut, fifo, lifo, tiho; forward from each case's "
          "theft date (00:00:00 UTC);\n",
          f);
    fprintf(f, "                  hops %u; dust %llu sat; stop at ", o->hops,
            (unsigned long long)o->dust);
    text_list24(f, o->stops, o->n_stops);
    fputs(";\n                  cashed out: ", f);
    text_list24(f, o->cashout, o->n_cashout);
    fprintf(f, "; max nodes %llu; timeout %g s (0: none)\n", (unsigned long long)o->max_nodes,
            o->timeout_s);
    fputs("\nModels (a range low - high is over haircut, FIFO, LIFO and TIHO; poison beside it)\n",
          f);
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        text_wrap(f, rpt_model_text((ct_model)m), "  ", "    ", 92);
    fputc('\n', f);
}

static void text_case(FILE *f, const rpt_report *r, const rpt_case *c)
{
    char day[11], hex[65];
    const char *coin = r->asset;
    ct_day_format(day, c->c->date);
    fputs("Case ", f);
    cli_print_text(f, c->c->name);
    fprintf(f, "  theft %s", day);
    if (c->c->victim[0]) {
        fputs("  victim: ", f);
        cli_print_text(f, c->c->victim);
    }
    fputs("\n  sources         ", f);
    for (size_t i = 0; i < c->c->n_sources; i++) {
        fputs(i ? "\n                  " : "", f);
        cli_print_text(f, c->c->sources[i].text);
    }
    fputc('\n', f);
    if (!c->traced) {
        fputs("  not traced: ", f);
        cli_print_text(f, c->error);
        fputs("\n\n", f);
        return;
    }
    if (!c->complete) {
        fputs("  INCOMPLETE: ", f);
        cli_print_text(f, c->incomplete_reason);
        fputs(" (what was not followed is on the budget line)\n", f);
    }
    fputs("  stolen          ", f);
    cli_print_coin128(f, c->stolen.sat[CT_MODEL_HAIRCUT]);
    fprintf(f, " %s", coin);
    if (c->stolen_priced) {
        fprintf(f, "  (USD ");
        cli_print_cents(f, c->stolen_usd);
        fprintf(f, " at %s)", day);
    } else if (c->stolen.sat[CT_MODEL_HAIRCUT]) {
        fprintf(f, "  (no price on %s)", day);
    }
    fputs("\n  where it went (low - high; poison's exposure beside)\n", f);
    for (size_t i = 0; i < c->n_lines; i++) {
        fprintf(f, "    %-14s ", line_title(c->lines[i].name));
        text_vals(f, &c->lines[i].v, r->pricing, coin, true);
    }
    text_per_model(f, c);
    fputs("  adds up to stolen:", f);
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++)
        fprintf(f, " %s %s", ct_model_name((ct_model)m), c->adds_up[m] ? "yes" : "NO");
    fputs(" (poison does not conserve value)\n  laundered       ", f);
    text_vals(f, &c->laundered, r->pricing, coin, true);
    if (!c->n_services) {
        fputs("  services reached: none\n\n", f);
        return;
    }
    fprintf(f, "  services reached (%zu)\n", c->n_services);
    for (size_t s = 0; s < c->n_services; s++) {
        const rpt_service *sv = &c->services[s];
        fprintf(f, "    %s: ", sv->category);
        cli_print_text(f, sv->label[0] ? sv->label : "(no label)");
        if (sv->cluster_id)
            fprintf(f, "  cluster %llu", (unsigned long long)sv->cluster_id);
        fputs("\n      amount      ", f);
        text_vals(f, &sv->v, r->pricing, coin, true);
        fputs("      first       ", f);
        text_time(f, sv->first_time, sv->first_height);
        fputs("\n      last        ", f);
        text_time(f, sv->last_time, sv->last_height);
        fprintf(f, "\n      addresses (%zu)", sv->n_addresses);
        for (size_t a = 0; a < sv->n_addresses; a++) {
            fputs("\n        ", f);
            cli_print_text(f, sv->addresses[a][0] ? sv->addresses[a] : "(no address)");
        }
        fprintf(f, "\n      transactions (%zu)\n", sv->n_deposits);
        for (size_t k = 0; k < sv->n_deposits; k++) {
            const rpt_deposit *d = &sv->deposits[k];
            ct_hash_to_hex(hex, d->txid);
            fprintf(f, "        %s:%u  ", hex, d->vout);
            text_time(f, d->time, d->height);
            fputs("  ", f);
            cli_print_text(f, d->address);
            fputs("\n          ", f);
            text_vals(f, &d->v, r->pricing, coin, true);
        }
    }
    fputc('\n', f);
}

/* The yearly table: one row per case, and the total ("USD lo - hi laundered in Y"). */
static void text_table(FILE *f, const rpt_report *r)
{
    const char *coin = r->asset;
    rpt_vals tl, ts;
    u128 stolen_usd = 0, stolen_unpriced = 0;
    size_t traced = 0;
    memset(&tl, 0, sizeof(tl));
    memset(&ts, 0, sizeof(ts));
    if (r->year >= 0)
        fprintf(f, "Thefts of %lld\n", (long long)r->year);
    else
        fputs("All cases\n", f);
    for (size_t i = 0; i < r->n_cases; i++) {
        const rpt_case *c = &r->cases[i];
        char day[11];
        ct_day_format(day, c->c->date);
        fputs("  ", f);
        cli_print_text(f, c->c->name);
        fprintf(f, "  %s  ", day);
        if (!c->traced) {
            fputs("not traced\n", f);
            continue;
        }
        traced++;
        fputs("stolen ", f);
        cli_print_coin128(f, c->stolen.sat[CT_MODEL_HAIRCUT]);
        fprintf(f, " %s  laundered ", coin);
        text_vals(f, &c->laundered, r->pricing, coin, false);
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            tl.sat[m] += c->laundered.sat[m];
            tl.usd[m] += c->laundered.usd[m];
            tl.unpriced[m] += c->laundered.unpriced[m];
        }
        ts.sat[CT_MODEL_HAIRCUT] += c->stolen.sat[CT_MODEL_HAIRCUT];
        if (c->stolen_priced)
            stolen_usd += c->stolen_usd;
        else
            stolen_unpriced += c->stolen.sat[CT_MODEL_HAIRCUT];
    }
    /* the totals add the cases' lows and the cases' highs */
    rpt_range lo_hi = {0};
    for (size_t i = 0; i < r->n_cases; i++) {
        const rpt_case *c = &r->cases[i];
        if (!c->traced)
            continue;
        rpt_range g;
        rpt_range_of(&c->laundered, &g);
        lo_hi.lo += g.lo, lo_hi.hi += g.hi, lo_hi.unpriced += g.unpriced;
        if (g.usd_known) {
            lo_hi.lo_usd += g.lo_usd, lo_hi.hi_usd += g.hi_usd;
            lo_hi.usd_known = true;
        }
    }
    fprintf(f, "TOTAL over %zu cases (%zu traced)\n  stolen          ", r->n_cases, traced);
    cli_print_coin128(f, ts.sat[CT_MODEL_HAIRCUT]);
    fprintf(f, " %s", coin);
    if (ts.sat[CT_MODEL_HAIRCUT] && stolen_unpriced >= ts.sat[CT_MODEL_HAIRCUT]) {
        fputs("  (no price at the theft dates for ", f);
        cli_print_coin128(f, stolen_unpriced);
        fprintf(f, " %s)", coin);
    } else if (ts.sat[CT_MODEL_HAIRCUT]) {
        fputs("  (USD ", f);
        cli_print_cents(f, stolen_usd);
        fputs(" at the theft dates", f);
        if (stolen_unpriced) {
            fputs("; ", f);
            cli_print_coin128(f, stolen_unpriced);
            fprintf(f, " %s without a price", coin);
        }
        fputc(')', f);
    }
    fputs("\n  laundered       ", f);
    cli_print_coin128(f, lo_hi.lo);
    fputs(" - ", f);
    cli_print_coin128(f, lo_hi.hi);
    fprintf(f, " %s", coin);
    text_usd(f, &lo_hi, r->pricing, coin);
    fputc('\n', f);
}

static void print_text(FILE *f, const rpt_report *r)
{
    if (r->case_name) {
        fputs("Case report: ", f);
        cli_print_text(f, r->case_name);
        fputs("\n\n", f);
    } else if (r->year >= 0) {
        fprintf(f, "Report: thefts of %lld\n\n", (long long)r->year);
    } else {
        fputs("Report: all cases\n\n", f);
    }
    text_provenance(f, r);
    for (size_t i = 0; i < r->n_cases; i++)
        text_case(f, r, &r->cases[i]);
    if (!r->case_name)
        text_table(f, r);
}

/* ---- JSON (docs/report.md, "JSON") ---- */
static void json_usd(FILE *f, u128 cents, u128 sat, u128 unpriced, bool pricing)
{
    cli_json_usd(f, cents, sat, unpriced, pricing);
}

static void json_time(FILE *f, const char *name, uint32_t time, uint32_t height)
{
    fprintf(f, "\"%s\":{\"height\":%u,\"time\":%u,\"utc\":\"", name, height, time);
    cli_print_time(f, time);
    fputs("\"}", f);
}

/* {"low_sat","high_sat","low_usd","high_usd","unpriced_sat","poison_sat","poison_usd",
 *  "models":{"poison":{"sat","usd","unpriced_sat"},...}} */
static void json_vals(FILE *f, const rpt_vals *v, bool pricing)
{
    rpt_range g;
    rpt_range_of(v, &g);
    fputs("{\"low_sat\":", f);
    cli_json_amount(f, g.lo);
    fputs(",\"high_sat\":", f);
    cli_json_amount(f, g.hi);
    fputs(",\"low_usd\":", f);
    json_usd(f, g.lo_usd, 1, g.usd_known ? 0 : 1, pricing);
    fputs(",\"high_usd\":", f);
    json_usd(f, g.hi_usd, 1, g.usd_known ? 0 : 1, pricing);
    fputs(",\"unpriced_sat\":", f);
    cli_json_amount(f, g.unpriced);
    fputs(",\"poison_sat\":", f);
    cli_json_amount(f, v->sat[CT_MODEL_POISON]);
    fputs(",\"poison_usd\":", f);
    json_usd(f, v->usd[CT_MODEL_POISON], v->sat[CT_MODEL_POISON], v->unpriced[CT_MODEL_POISON],
             pricing);
    fputs(",\"models\":{", f);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        fprintf(f, "%s\"%s\":{\"sat\":", m ? "," : "", ct_model_name((ct_model)m));
        cli_json_amount(f, v->sat[m]);
        fputs(",\"usd\":", f);
        json_usd(f, v->usd[m], v->sat[m], v->unpriced[m], pricing);
        fputs(",\"unpriced_sat\":", f);
        cli_json_amount(f, v->unpriced[m]);
        fputc('}', f);
    }
    fputs("}}", f);
}

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

static void json_provenance(FILE *f, const rpt_report *r)
{
    char hex[65];
    const ct_trace_options *o = &r->opts;
    fprintf(f,
            "\"provenance\":{\"chaintrail\":\"%s\",\"chains\":[{\"chain\":\"bitcoin\","
            "\"network\":",
            r->version);
    cli_json_string(f, r->tip.network);
    fputs(",\"asset\":", f);
    cli_json_string(f, r->asset);
    if (r->tip.has_tip) {
        ct_hash_to_hex(hex, r->tip.tip);
        fprintf(f, ",\"tip\":{\"height\":%u,\"hash\":\"%s\",\"time\":%u,\"utc\":\"", r->tip.height,
                hex, r->tip.tip_time);
        cli_print_time(f, r->tip.tip_time);
        fputs("\"}}]", f);
    } else {
        fputs(",\"tip\":null}]", f);
    }
    fputs(",\"labels_digest\":\"", f);
    cli_print_hex(f, r->labels_digest, 32);
    fputs("\",\"prices_digest\":\"", f);
    cli_print_hex(f, r->prices_digest, 32);
    fputc('"', f);
    if (r->clusters_used) {
        fputs(",\"clusters\":{\"used\":true,\"policy_digest\":\"", f);
        cli_print_hex(f, r->clusters_digest, 32);
        fputs("\"}", f);
    } else {
        fputs(",\"clusters\":{\"used\":false,\"policy_digest\":null}", f);
    }
    fputs(",\"parameters\":{\"models\":[", f);
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        fprintf(f, "%s\"%s\"", m ? "," : "", ct_model_name((ct_model)m));
    fprintf(f, "],\"direction\":\"forward\",\"since\":\"theft date\",\"hops\":%u,\"dust_sat\":%llu",
            o->hops, (unsigned long long)o->dust);
    fputs(",\"stop\":", f);
    json_list24(f, o->stops, o->n_stops);
    fputs(",\"cashout\":", f);
    json_list24(f, o->cashout, o->n_cashout);
    fprintf(f, ",\"max_nodes\":%llu,\"timeout_s\":%g}}", (unsigned long long)o->max_nodes,
            o->timeout_s);
    fputs(",\"models\":[", f);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        fprintf(f, "%s{\"model\":\"%s\",\"explanation\":", m ? "," : "",
                ct_model_name((ct_model)m));
        cli_json_string(f, rpt_model_text((ct_model)m));
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_case(FILE *f, const rpt_report *r, const rpt_case *c)
{
    char day[11], hex[65];
    ct_day_format(day, c->c->date);
    fputs("{\"case\":", f);
    cli_json_string(f, c->c->name);
    fprintf(f, ",\"date\":\"%s\",\"victim\":", day);
    cli_json_string(f, c->c->victim);
    fputs(",\"sources\":[", f);
    for (size_t i = 0; i < c->c->n_sources; i++) {
        if (i)
            fputc(',', f);
        cli_json_string(f, c->c->sources[i].text);
    }
    fputc(']', f);
    if (!c->traced) {
        fputs(",\"error\":", f);
        cli_json_string(f, c->error);
        fputc('}', f);
        return;
    }
    fprintf(f, ",\"chain\":\"bitcoin\",\"asset\":");
    cli_json_string(f, r->asset);
    fprintf(f, ",\"complete\":%s,\"incomplete_reason\":", c->complete ? "true" : "false");
    if (c->complete)
        fputs("null", f);
    else
        cli_json_string(f, c->incomplete_reason);
    fputs(",\"stolen_sat\":", f);
    cli_json_amount(f, c->stolen.sat[CT_MODEL_HAIRCUT]);
    fputs(",\"stolen_usd\":", f);
    json_usd(f, c->stolen_usd, 1, c->stolen_priced ? 0 : 1, true);
    fputs(",\"laundered\":", f);
    json_vals(f, &c->laundered, r->pricing);
    fputs(",\"lines\":[", f);
    for (size_t i = 0; i < c->n_lines; i++) {
        fprintf(f, "%s{\"category\":", i ? "," : "");
        cli_json_string(f, c->lines[i].name);
        fprintf(f, ",\"cashout\":%s,\"amount\":", c->lines[i].cashout ? "true" : "false");
        json_vals(f, &c->lines[i].v, r->pricing);
        fputc('}', f);
    }
    fputs("],\"adds_up\":{", f);
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++)
        fprintf(f, "%s\"%s\":%s", m > CT_MODEL_HAIRCUT ? "," : "", ct_model_name((ct_model)m),
                c->adds_up[m] ? "true" : "false");
    fputs("},\"services\":[", f);
    for (size_t s = 0; s < c->n_services; s++) {
        const rpt_service *sv = &c->services[s];
        fprintf(f, "%s{\"category\":", s ? "," : "");
        cli_json_string(f, sv->category);
        fputs(",\"label\":", f);
        cli_json_string(f, sv->label);
        if (sv->cluster_id)
            fprintf(f, ",\"cluster\":%llu", (unsigned long long)sv->cluster_id);
        else
            fputs(",\"cluster\":null", f);
        fputs(",\"amount\":", f);
        json_vals(f, &sv->v, r->pricing);
        fputc(',', f);
        json_time(f, "first", sv->first_time, sv->first_height);
        fputc(',', f);
        json_time(f, "last", sv->last_time, sv->last_height);
        fputs(",\"addresses\":[", f);
        for (size_t a = 0; a < sv->n_addresses; a++) {
            if (a)
                fputc(',', f);
            cli_json_string(f, sv->addresses[a]);
        }
        fputs("],\"transactions\":[", f);
        for (size_t k = 0; k < sv->n_deposits; k++) {
            const rpt_deposit *d = &sv->deposits[k];
            ct_hash_to_hex(hex, d->txid);
            fprintf(f, "%s{\"txid\":\"%s\",\"vout\":%u,\"address\":", k ? "," : "", hex, d->vout);
            cli_json_string(f, d->address);
            fprintf(f, ",\"height\":%u,\"time\":%u,\"utc\":\"", d->height, d->time);
            cli_print_time(f, d->time);
            fputs("\",\"amount\":", f);
            json_vals(f, &d->v, r->pricing);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("]}", f);
}

static void json_totals(FILE *f, const rpt_report *r)
{
    u128 stolen = 0, stolen_usd = 0, stolen_unpriced = 0, poison = 0;
    rpt_range t = {0};
    size_t traced = 0;
    for (size_t i = 0; i < r->n_cases; i++) {
        const rpt_case *c = &r->cases[i];
        if (!c->traced)
            continue;
        rpt_range g;
        rpt_range_of(&c->laundered, &g);
        traced++;
        stolen += c->stolen.sat[CT_MODEL_HAIRCUT];
        if (c->stolen_priced)
            stolen_usd += c->stolen_usd;
        else
            stolen_unpriced += c->stolen.sat[CT_MODEL_HAIRCUT];
        poison += c->laundered.sat[CT_MODEL_POISON];
        t.lo += g.lo, t.hi += g.hi, t.unpriced += g.unpriced;
        if (g.usd_known) {
            t.lo_usd += g.lo_usd, t.hi_usd += g.hi_usd;
            t.usd_known = true;
        }
    }
    fprintf(f, ",\"totals\":{\"cases\":%zu,\"traced\":%zu,\"stolen_sat\":", r->n_cases, traced);
    cli_json_amount(f, stolen);
    fputs(",\"stolen_usd\":", f);
    json_usd(f, stolen_usd, stolen, stolen_unpriced, true);
    fputs(",\"stolen_unpriced_sat\":", f);
    cli_json_amount(f, stolen_unpriced);
    fputs(",\"laundered\":{\"low_sat\":", f);
    cli_json_amount(f, t.lo);
    fputs(",\"high_sat\":", f);
    cli_json_amount(f, t.hi);
    fputs(",\"low_usd\":", f);
    json_usd(f, t.lo_usd, 1, t.usd_known || t.hi == 0 ? 0 : 1, r->pricing);
    fputs(",\"high_usd\":", f);
    json_usd(f, t.hi_usd, 1, t.usd_known || t.hi == 0 ? 0 : 1, r->pricing);
    fputs(",\"unpriced_sat\":", f);
    cli_json_amount(f, t.unpriced);
    fputs(",\"poison_sat\":", f);
    cli_json_amount(f, poison);
    fputs("}}", f);
}

static void print_json(FILE *f, const rpt_report *r)
{
    fputs("{\"report\":{\"case\":", f);
    if (r->case_name)
        cli_json_string(f, r->case_name);
    else
        fputs("null", f);
    fputs(",\"year\":", f);
    if (r->year >= 0)
        fprintf(f, "%lld", (long long)r->year);
    else
        fputs("null", f);
    fputs("},", f);
    json_provenance(f, r);
    fputs(",\"cases\":[", f);
    for (size_t i = 0; i < r->n_cases; i++) {
        if (i)
            fputc(',', f);
        json_case(f, r, &r->cases[i]);
    }
    fputc(']', f);
    json_totals(f, r);
    fputs("}\n", f);
}

/* ---- CSV: one row per figure (docs/report.md, "CSV") ---- */
static void csv_row(FILE *f, const rpt_report *r, const rpt_case *c, const char *section,
                    const char *category, const char *service, const rpt_deposit *d,
                    const rpt_vals *v)
{
    char hex[65];
    cli_csv_text(f, c->c->name);
    fprintf(f, ",%s,", section);
    cli_csv_text(f, category);
    fputc(',', f);
    cli_csv_text(f, service);
    fputc(',', f);
    if (d) {
        cli_csv_text(f, d->address);
        ct_hash_to_hex(hex, d->txid);
        fprintf(f, ",%s,%u,%u,", hex, d->vout, d->height);
        cli_print_time(f, d->time);
    } else {
        fputs(",,,,", f);
    }
    rpt_range g;
    rpt_range_of(v, &g);
    fputc(',', f);
    cli_print_u128(f, g.lo);
    fputc(',', f);
    cli_print_u128(f, g.hi);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        fputc(',', f);
        cli_print_u128(f, v->sat[m]);
    }
    fputc(',', f);
    if (r->pricing && g.usd_known && g.hi > 0) {
        cli_print_cents(f, g.lo_usd);
        fputc(',', f);
        cli_print_cents(f, g.hi_usd);
    } else {
        fputc(',', f);
    }
    fputc(',', f);
    cli_print_u128(f, g.unpriced);
    fputc('\n', f);
}

static void print_csv(FILE *f, const rpt_report *r)
{
    fputs("case,section,category,service,address,txid,vout,height,utc,low_sat,high_sat,"
          "poison_sat,haircut_sat,fifo_sat,lifo_sat,tiho_sat,low_usd,high_usd,unpriced_sat\n",
          f);
    for (size_t i = 0; i < r->n_cases; i++) {
        const rpt_case *c = &r->cases[i];
        if (!c->traced)
            continue;
        csv_row(f, r, c, "stolen", "", "", NULL, &c->stolen);
        for (size_t k = 0; k < c->n_lines; k++)
            csv_row(f, r, c, "line", c->lines[k].name, "", NULL, &c->lines[k].v);
        csv_row(f, r, c, "laundered", "", "", NULL, &c->laundered);
        for (size_t s = 0; s < c->n_services; s++) {
            const rpt_service *sv = &c->services[s];
            csv_row(f, r, c, "service", sv->category, sv->label, NULL, &sv->v);
            for (size_t k = 0; k < sv->n_deposits; k++)
                csv_row(f, r, c, "transaction", sv->category, sv->label, &sv->deposits[k],
                        &sv->deposits[k].v);
        }
    }
}

int cmd_report(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("report");
    uint64_t year = UINT64_MAX;
    const char *format = "text", *case_name = NULL;
    const cli_opt opts[] = {CLI_NUM("year", &year, 2009, 9999),
                            {"case", CLI_STRING, &case_name},
                            {"format", CLI_STRING, &format},
                            {NULL, CLI_FLAG, NULL}};
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
    if (case_name && year != UINT64_MAX) {
        cli_error("report", "options '--case' and '--year' exclude each other");
        return CT_EXIT_USAGE;
    }
    cli_fmt fmt;
    if ((rc = cli_format_pick("report", format, CLI_FMT_ALL, &fmt)) != CT_EXIT_OK)
        return rc;
    ct_db *db;
    if ((rc = cli_open_db("report", g, &db)) != CT_EXIT_OK)
        return rc;
    ct_error err;
    ct_error_clear(&err);
    ct_case *cases = NULL;
    size_t n_cases = 0, n = 0;
    cli_trace_env env;
    rpt_report rep;
    memset(&env, 0, sizeof(env));
    memset(&rep, 0, sizeof(rep));
    cli_warn_price_tables("report", db); /* a table that values nothing here (prices.md) */
    int lrc = ct_case_list(db, &cases, &n_cases, &err);
    if (lrc == CT_OK)
        lrc = cli_trace_env_open(&env, db, &err);
    /* keep the selected cases at the front, in name order */
    for (size_t i = 0; lrc == CT_OK && i < n_cases; i++) {
        char day[11];
        uint64_t y;
        ct_day_format(day, cases[i].date); /* YYYY-MM-DD */
        day[4] = '\0';
        if (year != UINT64_MAX && (!cli_parse_u64(day, &y) || y != year))
            continue;
        if (case_name && strcmp(cases[i].name, case_name) != 0)
            continue;
        if (i != n) {
            ct_case t = cases[n];
            cases[n] = cases[i];
            cases[i] = t;
        }
        n++;
    }
    if (lrc == CT_OK && case_name && n == 0) {
        cli_error("report", "no case named '%s' (see 'chaintrail case list')", case_name);
        rc = CT_EXIT_NOTFOUND;
    } else if (lrc == CT_OK) {
        rep.case_name = case_name;
        rep.year = year == UINT64_MAX ? -1 : (int64_t)year;
        lrc = rpt_build(&rep, db, &env, cases, n, &err);
        if (lrc == CT_OK) {
            if (fmt == CLI_FMT_JSON)
                print_json(stdout, &rep);
            else if (fmt == CLI_FMT_CSV)
                print_csv(stdout, &rep);
            else
                print_text(stdout, &rep);
        }
        rc = lrc == CT_OK ? CT_EXIT_OK : cli_db_fail("report", lrc, &err);
    } else {
        rc = cli_db_fail("report", lrc, &err);
    }
    rpt_free(&rep);
    cli_trace_env_close(&env);
    ct_case_list_free(cases, n_cases);
    ct_db_close(db);
    return rc;
}
