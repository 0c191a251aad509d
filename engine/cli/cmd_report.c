/* `chaintrail report [--case NAME | --year Y] [--format text|json|csv|html [-o PATH [--force]]]`:
 * the case file an investigator files. Each selected case is traced with all five models
 * (report_build.c builds the data once, report.h); this file parses the command and prints that
 * data in each format: the provenance (version, database tip, label, price and clustering digests,
 * parameters), each model in a plain paragraph, per case the totals per category that add
 * up to the value stolen, each service reached with its addresses, dates and deposit
 * transactions, and the yearly table over the cases. docs/report.md. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ---- amounts of any asset ---- */
/* v base units of part p as a decimal amount ("12.34567890"; base units when the decimals
 * are unknown or past 36) into buf. */
static const char *amt_str(char buf[96], u128 v, const rpt_part *p)
{
    char t[48];
    size_t n = 0, k = 0;
    unsigned dec = p->known_decimals && p->decimals <= 36 ? p->decimals : 0;
    u128 scale = 1;
    for (unsigned i = 0; i < dec; i++)
        scale *= 10;
    u128 whole = v / scale, frac = v % scale;
    do {
        t[n++] = (char)('0' + (int)(whole % 10));
        whole /= 10;
    } while (whole);
    while (n)
        buf[k++] = t[--n];
    if (dec) {
        buf[k++] = '.';
        for (unsigned i = dec; i-- > 0;) {
            buf[k + i] = (char)('0' + (int)(frac % 10));
            frac /= 10;
        }
        k += dec;
    }
    buf[k] = '\0';
    return buf;
}

static void amt_print(FILE *f, u128 v, const rpt_part *p)
{
    char b[96];
    fputs(amt_str(b, v, p), f);
}

/* The unit amounts of part p are printed in: "BTC", "ETH", a token's symbol, or "units"
 * (base units) for a token whose symbol or decimals are unknown (its header names the
 * contract). */
static void unit_print(FILE *f, const rpt_part *p)
{
    if (!p->asset[0] || !(p->known_decimals && p->decimals <= 36))
        fputs("units", f);
    else
        cli_print_text(f, p->asset);
}

/* The unit with the asset named, for lines outside the asset's own section: "BTC",
 * "units of 0xC02a..." (a token without symbol or decimals), "units of SYMBOL". */
static void unit_print_full(FILE *f, const rpt_part *p)
{
    if (!p->asset[0] || !(p->known_decimals && p->decimals <= 36)) {
        fputs("units of ", f);
        cli_print_text(f, p->asset[0] ? p->asset : p->contract);
    } else {
        cli_print_text(f, p->asset);
    }
}

/* ---- text ---- */
static void text_time(FILE *f, uint32_t time, uint32_t height)
{
    cli_print_time(f, time);
    fprintf(f, " (height %u)", height);
}

/* "  (USD lo - hi)", "  (USD lo - hi; X UNIT without a price)", "  (no price for X UNIT)";
 * nothing for a zero amount. */
static void text_usd(FILE *f, const rpt_range *g, const rpt_part *p)
{
    if (g->hi == 0)
        return;
    if (p->priced && g->usd_known) {
        fputs("  (USD ", f);
        cli_print_cents(f, g->lo_usd);
        if (g->hi_usd != g->lo_usd) {
            fputs(" - ", f);
            cli_print_cents(f, g->hi_usd);
        }
        if (g->unpriced) {
            fputs("; ", f);
            amt_print(f, g->unpriced, p);
            fputc(' ', f);
            unit_print(f, p);
            fputs(" without a price", f);
        }
        fputc(')', f);
        return;
    }
    fputs("  (no price for ", f);
    amt_print(f, p->priced ? g->unpriced : g->hi, p);
    fputc(' ', f);
    unit_print(f, p);
    fputc(')', f);
}

/* "lo - hi UNIT" (one figure when all models agree), USD, then poison's figure. */
static void text_vals(FILE *f, const rpt_vals *v, const rpt_part *p, bool poison)
{
    rpt_range g;
    rpt_range_of(v, &g);
    amt_print(f, g.lo, p);
    if (g.hi != g.lo) {
        fputs(" - ", f);
        amt_print(f, g.hi, p);
    }
    fputc(' ', f);
    unit_print(f, p);
    text_usd(f, &g, p);
    if (poison) {
        fputs("  poison ", f);
        amt_print(f, v->sat[CT_MODEL_POISON], p);
    }
    fputc('\n', f);
}

static const char *line_title(const char *name)
{
    if (strcmp(name, "hop_limit") == 0)
        return "hop limit";
    if (strcmp(name, "fee") == 0)
        return "fees";
    return name;
}

/* The lines under each model, one column each, and their total, which is the value stolen
 * for every model but poison. */
static void text_per_model(FILE *f, const rpt_part *p)
{
    char b[96];
    static const int order[] = {CT_MODEL_HAIRCUT, CT_MODEL_FIFO, CT_MODEL_LIFO, CT_MODEL_TIHO,
                                CT_MODEL_POISON};
    u128 total[CT_MODEL_COUNT] = {0};
    int w = 15;
    for (size_t i = 0; i < p->n_lines; i++)
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            total[m] += p->lines[i].v.sat[m];
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        int n = (int)strlen(amt_str(b, total[m], p));
        int k = (int)strlen(amt_str(b, p->stolen.sat[m], p));
        w = n > w ? n : w;
        w = k > w ? k : w;
    }
    fprintf(f, "  per model      %*s %*s %*s %*s %*s\n", w, "haircut", w, "fifo", w, "lifo", w,
            "tiho", w, "poison");
    for (size_t i = 0; i < p->n_lines; i++) {
        fprintf(f, "    %-12s", line_title(p->lines[i].name));
        for (size_t k = 0; k < CT_MODEL_COUNT; k++)
            fprintf(f, " %*s", w, amt_str(b, p->lines[i].v.sat[order[k]], p));
        fputc('\n', f);
    }
    fputs("    total       ", f);
    for (size_t k = 0; k < CT_MODEL_COUNT; k++)
        fprintf(f, " %*s", w, amt_str(b, total[order[k]], p));
    fputs("\n    stolen      ", f);
    for (size_t k = 0; k < CT_MODEL_COUNT; k++)
        fprintf(f, " %*s", w, amt_str(b, p->stolen.sat[order[k]], p));
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

/* ---- the provenance, field by field ----
 * One table of fields, each printed in parts: the text puts a field's name in 16 columns
 * and each further part on a line of its own (18 spaces); the HTML table joins the parts
 * with a space. Both are built from the report, never one from the other's layout. */
typedef struct prov_field {
    const char *name;
    bool (*shown)(const rpt_report *r);
    int parts;
    void (*print)(FILE *f, const rpt_report *r, int part);
} prov_field;

static bool prov_always(const rpt_report *r)
{
    (void)r;
    return true;
}

static bool prov_has_btc(const rpt_report *r)
{
    return r->tip.has_tip;
}

static bool prov_has_eth(const rpt_report *r)
{
    return r->eth_present;
}

static bool prov_no_blocks(const rpt_report *r)
{
    return !r->tip.has_tip && !r->eth_present;
}

static void prov_version(FILE *f, const rpt_report *r, int part)
{
    (void)part;
    fputs(r->version, f);
}

static void prov_btc(FILE *f, const rpt_report *r, int part)
{
    char hex[65];
    (void)part;
    ct_hash_to_hex(hex, r->tip.tip);
    fprintf(f, "bitcoin %s (%s), tip height %u, %s, ", r->tip.network, r->asset, r->tip.height,
            hex);
    cli_print_time(f, r->tip.tip_time);
}

static void prov_eth(FILE *f, const rpt_report *r, int part)
{
    (void)part;
    fprintf(f, "ethereum chain %llu, tip height %u, 0x", (unsigned long long)r->eth_chain_id,
            r->eth_height);
    cli_print_hex(f, r->eth_hash, 32);
    fputs(", ", f);
    cli_print_time(f, r->eth_time);
}

static void prov_empty(FILE *f, const rpt_report *r, int part)
{
    (void)r, (void)part;
    fputs("no blocks", f);
}

static void prov_labels(FILE *f, const rpt_report *r, int part)
{
    (void)part;
    cli_print_hex(f, r->labels_digest, 32);
}

static void prov_prices(FILE *f, const rpt_report *r, int part)
{
    (void)part;
    cli_print_hex(f, r->prices_digest, 32);
}

static void prov_clusters(FILE *f, const rpt_report *r, int part)
{
    (void)part;
    if (!r->clusters_used) {
        fputs("not used", f);
        return;
    }
    fputs("used, policy digest ", f);
    cli_print_hex(f, r->clusters_digest, 32);
}

static void prov_parameters(FILE *f, const rpt_report *r, int part)
{
    const ct_trace_options *o = &r->opts;
    if (part == 0) {
        fputs("models poison, haircut, fifo, lifo, tiho; forward from each case's theft date "
              "(00:00:00 UTC);",
              f);
    } else if (part == 1) {
        fprintf(f, "hops %u; dust %llu base units; stop at ", o->hops, (unsigned long long)o->dust);
        text_list24(f, o->stops, o->n_stops);
        fputc(';', f);
    } else {
        fputs("cashed out: ", f);
        text_list24(f, o->cashout, o->n_cashout);
        fprintf(f, "; max nodes %llu; timeout %g s (0: none)", (unsigned long long)o->max_nodes,
                o->timeout_s);
    }
}

static const prov_field prov_fields[] = {
    {"chaintrail", prov_always, 1, prov_version},   {"database", prov_has_btc, 1, prov_btc},
    {"database", prov_has_eth, 1, prov_eth},        {"database", prov_no_blocks, 1, prov_empty},
    {"labels digest", prov_always, 1, prov_labels}, {"prices digest", prov_always, 1, prov_prices},
    {"clusters", prov_always, 1, prov_clusters},    {"parameters", prov_always, 3, prov_parameters},
};

static void text_provenance(FILE *f, const rpt_report *r)
{
    fputs("Provenance\n", f);
    for (size_t i = 0; i < sizeof(prov_fields) / sizeof(prov_fields[0]); i++) {
        const prov_field *p = &prov_fields[i];
        if (!p->shown(r))
            continue;
        for (int k = 0; k < p->parts; k++) {
            if (k == 0)
                fprintf(f, "  %-16s", p->name);
            else
                fputs("                  ", f);
            p->print(f, r, k);
            fputc('\n', f);
        }
    }
    fputs("\nModels (a range low - high is over haircut, FIFO, LIFO and TIHO; poison beside it)\n",
          f);
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        text_wrap(f, rpt_model_text((ct_model)m), "  ", "    ", 92);
    fputc('\n', f);
}

static void text_part(FILE *f, const rpt_case *c, const rpt_part *p, bool named)
{
    char day[11];
    ct_day_format(day, c->c->date);
    if (named) {
        fputs("  asset ", f);
        cli_print_text(f, p->asset[0] ? p->asset : "(no symbol)");
        if (p->contract[0]) {
            fputs("  contract ", f);
            cli_print_text(f, p->contract);
        }
        if (!(p->known_decimals && p->decimals <= 36))
            fputs("  (decimals unknown: amounts in base units)", f);
        fputc('\n', f);
    }
    if (p->too_large)
        fputs("  (an amount passed 2^128 base units: see 'trace --case' for the exact figures)\n",
              f);
    /* An address source counts, per model, what was not tainted already when it arrived
     * (taint-models.md, "Sources"): on an account chain that can differ between models. */
    rpt_range sg;
    rpt_range_of(&p->stolen, &sg);
    fputs("  stolen          ", f);
    amt_print(f, sg.lo, p);
    if (sg.hi != sg.lo) {
        fputs(" - ", f);
        amt_print(f, sg.hi, p);
    }
    fputc(' ', f);
    unit_print(f, p);
    if (p->stolen_priced) {
        fprintf(f, "  (USD ");
        cli_print_cents(f, p->stolen_usd);
        fprintf(f, " at %s)", day);
    } else if (p->stolen.sat[CT_MODEL_HAIRCUT]) {
        fprintf(f, "  (no price on %s)", day);
    }
    fputs("\n  where it went (low - high; poison's exposure beside)\n", f);
    for (size_t i = 0; i < p->n_lines; i++) {
        fprintf(f, "    %-14s ", line_title(p->lines[i].name));
        text_vals(f, &p->lines[i].v, p, true);
    }
    text_per_model(f, p);
    fputs("  adds up to stolen:", f);
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++)
        fprintf(f, " %s %s", ct_model_name((ct_model)m), p->adds_up[m] ? "yes" : "NO");
    fputs(" (poison does not conserve value)\n  laundered       ", f);
    text_vals(f, &p->laundered, p, true);
    if (!p->n_services) {
        fputs("  services reached: none\n", f);
        return;
    }
    fprintf(f, "  services reached (%zu)\n", p->n_services);
    for (size_t s = 0; s < p->n_services; s++) {
        const rpt_service *sv = &p->services[s];
        fprintf(f, "    %s: ", sv->category);
        cli_print_text(f, sv->label[0] ? sv->label : "(no label)");
        if (sv->cluster_id)
            fprintf(f, "  cluster %llu", (unsigned long long)sv->cluster_id);
        fputs("\n      amount      ", f);
        text_vals(f, &sv->v, p, true);
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
            fprintf(f, "        %s", d->txid);
            if (d->vout != RPT_NO_VOUT)
                fprintf(f, ":%u", d->vout);
            fputs("  ", f);
            text_time(f, d->time, d->height);
            fputs("  ", f);
            cli_print_text(f, d->address);
            fputs("\n          ", f);
            text_vals(f, &d->v, p, true);
        }
    }
}

static void text_case(FILE *f, const rpt_case *c)
{
    char day[11];
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
    if (c->ethereum && !c->n_parts)
        fputs("  no asset carried taint\n", f);
    for (size_t k = 0; k < c->n_parts; k++)
        text_part(f, c, &c->parts[k], c->ethereum);
    fputc('\n', f);
}

/* Sums over the traced cases for the yearly table: USD of the value stolen and of the
 * laundered range (the cases' lows and the cases' highs added), and per asset the amounts
 * and what of them has no price. */
#define RPT_MAX_TOTAL_ASSETS 64
typedef struct rpt_asset_total {
    const rpt_part *p; /* the first part of this asset: its name and decimals */
    u128 stolen, lo, hi, stolen_unpriced, laundered_unpriced;
} rpt_asset_total;

typedef struct rpt_totals {
    size_t cases, traced;
    u128 stolen_usd, laundered_lo_usd, laundered_hi_usd;
    bool stolen_usd_known, laundered_usd_known;
    bool stolen_unpriced_any, laundered_unpriced_any; /* some amount has no price at all */
    size_t n_assets;
    bool more_assets; /* past RPT_MAX_TOTAL_ASSETS: the others are not summed */
    rpt_asset_total assets[RPT_MAX_TOTAL_ASSETS];
} rpt_totals;

static rpt_asset_total *asset_total(rpt_totals *t, const rpt_part *p)
{
    for (size_t i = 0; i < t->n_assets; i++)
        if (!strcmp(t->assets[i].p->asset, p->asset) &&
            !strcmp(t->assets[i].p->contract, p->contract))
            return &t->assets[i];
    if (t->n_assets == RPT_MAX_TOTAL_ASSETS) {
        t->more_assets = true;
        return NULL;
    }
    rpt_asset_total *a = &t->assets[t->n_assets++];
    memset(a, 0, sizeof(*a));
    a->p = p;
    return a;
}

static void totals_of(const rpt_report *r, rpt_totals *t)
{
    memset(t, 0, sizeof(*t));
    t->cases = r->n_cases;
    for (size_t i = 0; i < r->n_cases; i++) {
        const rpt_case *c = &r->cases[i];
        if (!c->traced)
            continue;
        t->traced++;
        for (size_t k = 0; k < c->n_parts; k++) {
            const rpt_part *p = &c->parts[k];
            rpt_range g;
            rpt_range_of(&p->laundered, &g);
            rpt_asset_total *a = asset_total(t, p);
            if (p->stolen_priced) {
                t->stolen_usd += p->stolen_usd;
                t->stolen_usd_known = true;
            }
            if (p->priced && g.usd_known) {
                t->laundered_lo_usd += g.lo_usd;
                t->laundered_hi_usd += g.hi_usd;
                t->laundered_usd_known = true;
            }
            if (!p->stolen_priced && p->stolen.sat[CT_MODEL_HAIRCUT])
                t->stolen_unpriced_any = true;
            if (g.hi && !(p->priced && g.usd_known))
                t->laundered_unpriced_any = true;
            if (!a)
                continue;
            a->stolen += p->stolen.sat[CT_MODEL_HAIRCUT];
            a->lo += g.lo;
            a->hi += g.hi;
            if (!p->stolen_priced)
                a->stolen_unpriced += p->stolen.sat[CT_MODEL_HAIRCUT];
            a->laundered_unpriced += p->priced && g.usd_known ? g.unpriced : g.hi;
        }
    }
    /* nothing without a price: the USD figure is known, $0.00 when nothing was priced */
    t->stolen_usd_known |= !t->stolen_unpriced_any;
    t->laundered_usd_known |= !t->laundered_unpriced_any;
}

/* "; X UNIT, Y UNIT without a price" over the assets' `field`. */
static void text_unpriced(FILE *f, const rpt_totals *t, bool stolen)
{
    bool any = false;
    for (size_t i = 0; i < t->n_assets; i++) {
        const rpt_asset_total *a = &t->assets[i];
        u128 v = stolen ? a->stolen_unpriced : a->laundered_unpriced;
        if (!v)
            continue;
        fputs(any ? ", " : "; ", f);
        amt_print(f, v, a->p);
        fputc(' ', f);
        unit_print_full(f, a->p);
        any = true;
    }
    if (any)
        fputs(" without a price", f);
}

/* The yearly table: one row per case and asset, and the total in USD ("USD lo - hi
 * laundered in Y"), naming what has no price. */
static void text_table(FILE *f, const rpt_report *r)
{
    rpt_totals t;
    totals_of(r, &t);
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
        fprintf(f, "  %s  %s", day, c->ethereum ? "ethereum" : "bitcoin");
        if (!c->traced) {
            fputs("  not traced\n", f);
            continue;
        }
        if (!c->n_parts)
            fputs("  no asset carried taint", f);
        fputc('\n', f);
        for (size_t k = 0; k < c->n_parts; k++) {
            const rpt_part *p = &c->parts[k];
            rpt_range sg;
            rpt_range_of(&p->stolen, &sg);
            fputs("    ", f);
            unit_print_full(f, p);
            fputs(": stolen ", f);
            amt_print(f, sg.lo, p);
            if (sg.hi != sg.lo) {
                fputs(" - ", f);
                amt_print(f, sg.hi, p);
            }
            fputs("  laundered ", f);
            text_vals(f, &p->laundered, p, false);
        }
    }
    if (r->year >= 0)
        fprintf(f,
                "TOTAL of %lld over %zu cases (%zu traced; laundered: the cases' lows and highs "
                "added)\n",
                (long long)r->year, t.cases, t.traced);
    else
        fprintf(f,
                "TOTAL over %zu cases (%zu traced; laundered: the cases' lows and highs added)\n",
                t.cases, t.traced);
    for (size_t i = 0; i < t.n_assets; i++) {
        const rpt_asset_total *a = &t.assets[i];
        fputs("  ", f);
        unit_print_full(f, a->p);
        fputs(": stolen ", f);
        amt_print(f, a->stolen, a->p);
        fputs(", laundered ", f);
        amt_print(f, a->lo, a->p);
        fputs(" - ", f);
        amt_print(f, a->hi, a->p);
        fputc('\n', f);
    }
    if (t.more_assets)
        fprintf(f, "  (more than %d assets: the others are in the cases above)\n",
                RPT_MAX_TOTAL_ASSETS);
    fputs("  stolen          ", f);
    if (t.stolen_usd_known) {
        fputs("USD ", f);
        cli_print_cents(f, t.stolen_usd);
        fputs(" at the theft dates", f);
    } else {
        fputs("no price", f);
    }
    text_unpriced(f, &t, true);
    fputs("\n  laundered       ", f);
    if (t.laundered_usd_known) {
        fputs("USD ", f);
        cli_print_cents(f, t.laundered_lo_usd);
        fputs(" - ", f);
        cli_print_cents(f, t.laundered_hi_usd);
    } else {
        fputs("no price", f);
    }
    text_unpriced(f, &t, false);
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
        text_case(f, &r->cases[i]);
    if (!r->case_name)
        text_table(f, r);
}

/* ---- JSON (docs/report.md, "JSON") ---- */
/* An amount: Bitcoin a number (a decimal string beyond 2^53, as trace.md), Ethereum always a
 * decimal string (as the account trace). */
static void json_amt(FILE *f, u128 v, bool strings)
{
    if (!strings) {
        cli_json_amount(f, v);
        return;
    }
    fputc('"', f);
    cli_print_u128(f, v);
    fputc('"', f);
}

static void json_time(FILE *f, const char *name, uint32_t time, uint32_t height)
{
    fprintf(f, "\"%s\":{\"height\":%u,\"time\":%u,\"utc\":\"", name, height, time);
    cli_print_time(f, time);
    fputs("\"}", f);
}

/* {"low","high","low_usd","high_usd","unpriced","poison","poison_usd",
 *  "models":{"poison":{"amount","usd","unpriced"},...}} */
static void json_vals(FILE *f, const rpt_vals *v, bool priced, bool strings)
{
    rpt_range g;
    rpt_range_of(v, &g);
    fputs("{\"low\":", f);
    json_amt(f, g.lo, strings);
    fputs(",\"high\":", f);
    json_amt(f, g.hi, strings);
    fputs(",\"low_usd\":", f);
    cli_json_usd(f, g.lo_usd, 1, g.usd_known ? 0 : 1, priced);
    fputs(",\"high_usd\":", f);
    cli_json_usd(f, g.hi_usd, 1, g.usd_known ? 0 : 1, priced);
    fputs(",\"unpriced\":", f);
    json_amt(f, priced ? g.unpriced : g.hi, strings);
    fputs(",\"poison\":", f);
    json_amt(f, v->sat[CT_MODEL_POISON], strings);
    fputs(",\"poison_usd\":", f);
    cli_json_usd(f, v->usd[CT_MODEL_POISON], v->sat[CT_MODEL_POISON], v->unpriced[CT_MODEL_POISON],
                 priced);
    fputs(",\"models\":{", f);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        fprintf(f, "%s\"%s\":{\"amount\":", m ? "," : "", ct_model_name((ct_model)m));
        json_amt(f, v->sat[m], strings);
        fputs(",\"usd\":", f);
        cli_json_usd(f, v->usd[m], v->sat[m], v->unpriced[m], priced);
        fputs(",\"unpriced\":", f);
        json_amt(f, priced ? v->unpriced[m] : v->sat[m], strings);
        fputc('}', f);
    }
    fputs("}}", f);
}

static void json_provenance(FILE *f, const rpt_report *r)
{
    char hex[65];
    const ct_trace_options *o = &r->opts;
    fprintf(f, "\"provenance\":{\"chaintrail\":\"%s\",\"chains\":[", r->version);
    if (r->tip.has_tip) {
        ct_hash_to_hex(hex, r->tip.tip);
        fputs("{\"chain\":\"bitcoin\",\"network\":", f);
        cli_json_string(f, r->tip.network);
        fputs(",\"asset\":", f);
        cli_json_string(f, r->asset);
        fprintf(f, ",\"tip\":{\"height\":%u,\"hash\":\"%s\",\"time\":%u,\"utc\":\"", r->tip.height,
                hex, r->tip.tip_time);
        cli_print_time(f, r->tip.tip_time);
        fputs("\"}}", f);
    }
    if (r->eth_present) {
        fputs(r->tip.has_tip ? ",{\"chain\":\"ethereum\",\"chain_id\":"
                             : "{\"chain\":\"ethereum\",\"chain_id\":",
              f);
        cli_json_amount(f, r->eth_chain_id);
        fprintf(f, ",\"asset\":\"ETH\",\"tip\":{\"height\":%u,\"hash\":\"0x", r->eth_height);
        cli_print_hex(f, r->eth_hash, 32);
        fprintf(f, "\",\"time\":%u,\"utc\":\"", r->eth_time);
        cli_print_time(f, r->eth_time);
        fputs("\"}}", f);
    }
    fputs("],\"labels_digest\":\"", f);
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
    fprintf(f, "],\"direction\":\"forward\",\"since\":\"theft date\",\"hops\":%u,\"dust\":%llu",
            o->hops, (unsigned long long)o->dust);
    fputc(',', f);
    cli_trace_json_limits(f, o, (uint64_t)o->timeout_s); /* closes parameters and provenance */
    fputs(",\"models\":[", f);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        fprintf(f, "%s{\"model\":\"%s\",\"explanation\":", m ? "," : "",
                ct_model_name((ct_model)m));
        cli_json_string(f, rpt_model_text((ct_model)m));
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_part(FILE *f, const rpt_part *p)
{
    bool st = p->account, pr = p->priced;
    fputs("{\"asset\":", f);
    cli_json_string(f, p->asset);
    fputs(",\"contract\":", f);
    cli_json_string_or_null(f, p->contract);
    fputs(",\"decimals\":", f);
    if (p->known_decimals)
        fprintf(f, "%u", p->decimals);
    else
        fputs("null", f);
    fprintf(f, ",\"too_large\":%s,\"stolen\":", p->too_large ? "true" : "false");
    json_vals(f, &p->stolen, pr, st);
    fputs(",\"stolen_usd\":", f);
    cli_json_usd(f, p->stolen_usd, 1, p->stolen_priced ? 0 : 1, true);
    fputs(",\"laundered\":", f);
    json_vals(f, &p->laundered, pr, st);
    fputs(",\"lines\":[", f);
    for (size_t i = 0; i < p->n_lines; i++) {
        fprintf(f, "%s{\"category\":", i ? "," : "");
        cli_json_string(f, p->lines[i].name);
        fprintf(f, ",\"cashout\":%s,\"amount\":", p->lines[i].cashout ? "true" : "false");
        json_vals(f, &p->lines[i].v, pr, st);
        fputc('}', f);
    }
    fputs("],\"adds_up\":{", f);
    for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++)
        fprintf(f, "%s\"%s\":%s", m > CT_MODEL_HAIRCUT ? "," : "", ct_model_name((ct_model)m),
                p->adds_up[m] ? "true" : "false");
    fputs("},\"services\":[", f);
    for (size_t s = 0; s < p->n_services; s++) {
        const rpt_service *sv = &p->services[s];
        fprintf(f, "%s{\"category\":", s ? "," : "");
        cli_json_string(f, sv->category);
        fputs(",\"label\":", f);
        cli_json_string(f, sv->label);
        if (sv->cluster_id)
            fprintf(f, ",\"cluster\":%llu", (unsigned long long)sv->cluster_id);
        else
            fputs(",\"cluster\":null", f);
        fputs(",\"amount\":", f);
        json_vals(f, &sv->v, pr, st);
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
            fprintf(f, "%s{\"txid\":\"%s\",\"vout\":", k ? "," : "", d->txid);
            if (d->vout == RPT_NO_VOUT)
                fputs("null", f);
            else
                fprintf(f, "%u", d->vout);
            fputs(",\"address\":", f);
            cli_json_string(f, d->address);
            fprintf(f, ",\"height\":%u,\"time\":%u,\"utc\":\"", d->height, d->time);
            cli_print_time(f, d->time);
            fputs("\",\"amount\":", f);
            json_vals(f, &d->v, pr, st);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("]}", f);
}

static void json_case(FILE *f, const rpt_case *c)
{
    char day[11];
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
    fprintf(f, "],\"chain\":\"%s\"", c->ethereum ? "ethereum" : "bitcoin");
    if (!c->traced) {
        fputs(",\"error\":", f);
        cli_json_string(f, c->error);
        fputc('}', f);
        return;
    }
    fprintf(f, ",\"complete\":%s,\"incomplete_reason\":", c->complete ? "true" : "false");
    if (c->complete)
        fputs("null", f);
    else
        cli_json_string(f, c->incomplete_reason);
    fputs(",\"assets\":[", f);
    for (size_t k = 0; k < c->n_parts; k++) {
        if (k)
            fputc(',', f);
        json_part(f, &c->parts[k]);
    }
    fputs("]}", f);
}

static void print_json(FILE *f, const rpt_report *r)
{
    rpt_totals t;
    totals_of(r, &t);
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
        json_case(f, &r->cases[i]);
    }
    fprintf(f, "],\"totals\":{\"cases\":%zu,\"traced\":%zu,\"stolen_usd\":", t.cases, t.traced);
    cli_json_usd(f, t.stolen_usd, 1, t.stolen_usd_known ? 0 : 1, true);
    fputs(",\"laundered_low_usd\":", f);
    cli_json_usd(f, t.laundered_lo_usd, 1, t.laundered_usd_known ? 0 : 1, true);
    fputs(",\"laundered_high_usd\":", f);
    cli_json_usd(f, t.laundered_hi_usd, 1, t.laundered_usd_known ? 0 : 1, true);
    fprintf(f, ",\"more_assets\":%s,\"assets\":[", t.more_assets ? "true" : "false");
    for (size_t i = 0; i < t.n_assets; i++) {
        const rpt_asset_total *a = &t.assets[i];
        bool st = a->p->account;
        fputs(i ? ",{\"asset\":" : "{\"asset\":", f);
        cli_json_string(f, a->p->asset);
        fputs(",\"contract\":", f);
        cli_json_string_or_null(f, a->p->contract);
        fputs(",\"stolen\":", f);
        json_amt(f, a->stolen, st);
        fputs(",\"stolen_unpriced\":", f);
        json_amt(f, a->stolen_unpriced, st);
        fputs(",\"laundered_low\":", f);
        json_amt(f, a->lo, st);
        fputs(",\"laundered_high\":", f);
        json_amt(f, a->hi, st);
        fputs(",\"laundered_unpriced\":", f);
        json_amt(f, a->laundered_unpriced, st);
        fputc('}', f);
    }
    fputs("]}}\n", f);
}

/* ---- CSV: one row per figure (docs/report.md, "CSV") ---- */
static void csv_row(FILE *f, const rpt_case *c, const rpt_part *p, const char *section,
                    const char *category, const char *service, const rpt_deposit *d,
                    const rpt_vals *v)
{
    cli_csv_text(f, c->c->name);
    fputc(',', f);
    cli_csv_text(f, p->asset[0] ? p->asset : p->contract);
    fprintf(f, ",%s,", section);
    cli_csv_text(f, category);
    fputc(',', f);
    cli_csv_text(f, service);
    fputc(',', f);
    if (d) {
        cli_csv_text(f, d->address);
        fprintf(f, ",%s,", d->txid);
        if (d->vout != RPT_NO_VOUT)
            fprintf(f, "%u", d->vout);
        fprintf(f, ",%u,", d->height);
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
    if (p->priced && g.usd_known && g.hi > 0) {
        cli_print_cents(f, g.lo_usd);
        fputc(',', f);
        cli_print_cents(f, g.hi_usd);
    } else {
        fputc(',', f);
    }
    fputc(',', f);
    cli_print_u128(f, p->priced ? g.unpriced : g.hi);
    fputc('\n', f);
}

static void print_csv(FILE *f, const rpt_report *r)
{
    fputs("case,asset,section,category,service,address,txid,vout,height,utc,low,high,poison,"
          "haircut,fifo,lifo,tiho,low_usd,high_usd,unpriced\n",
          f);
    for (size_t i = 0; i < r->n_cases; i++) {
        const rpt_case *c = &r->cases[i];
        for (size_t k = 0; c->traced && k < c->n_parts; k++) {
            const rpt_part *p = &c->parts[k];
            csv_row(f, c, p, "stolen", "", "", NULL, &p->stolen);
            for (size_t l = 0; l < p->n_lines; l++)
                csv_row(f, c, p, "line", p->lines[l].name, "", NULL, &p->lines[l].v);
            csv_row(f, c, p, "laundered", "", "", NULL, &p->laundered);
            for (size_t s = 0; s < p->n_services; s++) {
                const rpt_service *sv = &p->services[s];
                csv_row(f, c, p, "service", sv->category, sv->label, NULL, &sv->v);
                for (size_t d = 0; d < sv->n_deposits; d++)
                    csv_row(f, c, p, "transaction", sv->category, sv->label, &sv->deposits[d],
                            &sv->deposits[d].v);
            }
        }
    }
}

/* ---- HTML: the same data as the text, as tables of the renderer's model (docs/html.md) ---- */
/* What `print` writes, as a string (malloc'd; NULL when out of memory). The amounts and USD
 * are written by the text's own functions, so the page shows the text report's figures. */
typedef struct mem {
    FILE *f;
    char *p;
    size_t n;
} mem;

static FILE *mem_open(mem *m)
{
    m->p = NULL;
    m->n = 0;
    return m->f = open_memstream(&m->p, &m->n);
}

/* The text written since mem_open, with the final newline cut; NULL when out of memory. */
static char *mem_close(mem *m)
{
    if (!m->f || fclose(m->f) != 0) {
        free(m->p);
        return NULL;
    }
    if (m->n && m->p[m->n - 1] == '\n')
        m->p[m->n - 1] = '\0';
    return m->p;
}

/* The cells of one row, freed after it is added. */
#define HT_MAX_CELLS 12
typedef struct hrow {
    char *c[HT_MAX_CELLS];
    size_t n;
    bool oom;
} hrow;

static void hrow_str(hrow *w, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        w->oom = true;
    w->c[w->n++] = d;
}

static void hrow_amt(hrow *w, u128 v, const rpt_part *p)
{
    char b[96];
    hrow_str(w, amt_str(b, v, p));
}

/* The USD of a range as the text writes it, without its parentheses. */
static void hrow_usd(hrow *w, const rpt_vals *v, const rpt_part *p)
{
    rpt_range g;
    rpt_range_of(v, &g);
    mem m;
    if (!mem_open(&m)) {
        w->oom = true;
        w->c[w->n++] = NULL;
        return;
    }
    text_usd(m.f, &g, p);
    char *s = mem_close(&m);
    if (!s) {
        w->oom = true;
        w->c[w->n++] = NULL;
        return;
    }
    size_t n = strlen(s), k = 0;
    while (s[k] == ' ')
        k++;
    if (s[k] == '(' && n > k + 1 && s[n - 1] == ')') {
        s[n - 1] = '\0';
        k++;
    }
    hrow_str(w, s + k);
    free(s);
}

/* low, high, USD, poison of v. */
static void hrow_vals(hrow *w, const rpt_vals *v, const rpt_part *p)
{
    rpt_range g;
    rpt_range_of(v, &g);
    hrow_amt(w, g.lo, p);
    hrow_amt(w, g.hi, p);
    hrow_usd(w, v, p);
    hrow_amt(w, v->sat[CT_MODEL_POISON], p);
}

static void hrow_time(hrow *w, uint32_t time, uint32_t height)
{
    mem m;
    if (!mem_open(&m)) {
        w->oom = true;
        w->c[w->n++] = NULL;
        return;
    }
    text_time(m.f, time, height);
    char *s = mem_close(&m);
    if (!s)
        w->oom = true;
    w->c[w->n++] = s;
}

/* Adds the row (unless an earlier step failed) and frees its cells. */
static int hrow_add(ct_report *rep, size_t t, hrow *w, int rc)
{
    if (rc == CT_OK)
        rc = w->oom ? CT_ENOMEM
                    : ct_report_add_row(rep, t, (const char *const *)w->c, CT_REPORT_NONE);
    for (size_t i = 0; i < w->n; i++)
        free(w->c[i]);
    memset(w, 0, sizeof(*w));
    return rc;
}

/* The unit of part p as the text names it outside the asset's section. */
static char *unit_full(const rpt_part *p)
{
    mem m;
    if (!mem_open(&m))
        return NULL;
    unit_print_full(m.f, p);
    return mem_close(&m);
}

static int html_provenance(ct_report *rep, const rpt_report *r)
{
    static const char *const cols[] = {"field", "value"};
    size_t t;
    int rc = ct_report_add_table(rep, "Tool, database and parameters",
                                 "What the figures rest on: the tool, each chain's database tip, "
                                 "the digests of the label set, price table and clustering, "
                                 "every parameter.",
                                 cols, 2, 0, false, &t);
    /* the fields of the text, each value's parts joined with a space */
    for (size_t i = 0; rc == CT_OK && i < sizeof(prov_fields) / sizeof(prov_fields[0]); i++) {
        const prov_field *p = &prov_fields[i];
        if (!p->shown(r))
            continue;
        mem m;
        if (!mem_open(&m))
            return CT_ENOMEM;
        for (int k = 0; k < p->parts; k++) {
            if (k)
                fputc(' ', m.f);
            p->print(m.f, r, k);
        }
        char *value = mem_close(&m);
        if (!value)
            return CT_ENOMEM;
        const char *row[2] = {p->name, value};
        rc = ct_report_add_row(rep, t, row, CT_REPORT_NONE);
        free(value);
    }
    return rc;
}

static int html_part(ct_report *rep, const rpt_case *c, const rpt_part *p)
{
    char title[200], note[400], b[96], day[11];
    int rc;
    size_t t;
    hrow w;
    memset(&w, 0, sizeof(w));
    char *unit = unit_full(p);
    if (!unit)
        return CT_ENOMEM;
    ct_day_format(day, c->c->date);
    rpt_range sg;
    rpt_range_of(&p->stolen, &sg);
    int n = snprintf(note, sizeof(note), "Stolen %s", amt_str(b, sg.lo, p));
    if (sg.hi != sg.lo)
        n += snprintf(note + n, sizeof(note) - (size_t)n, " - %s", amt_str(b, sg.hi, p));
    n += snprintf(note + n, sizeof(note) - (size_t)n, " %s", unit);
    if (p->stolen_priced) {
        mem m;
        char *usd = mem_open(&m) ? (cli_print_cents(m.f, p->stolen_usd), mem_close(&m)) : NULL;
        if (!usd) {
            free(unit);
            return CT_ENOMEM;
        }
        n += snprintf(note + n, sizeof(note) - (size_t)n, " (USD %s at %s)", usd, day);
        free(usd);
    } else if (p->stolen.sat[CT_MODEL_HAIRCUT]) {
        n += snprintf(note + n, sizeof(note) - (size_t)n, " (no price on %s)", day);
    }
    snprintf(note + n, sizeof(note) - (size_t)n,
             ". Where it went: the range low - high is over haircut, FIFO, LIFO and TIHO; "
             "poison's exposure beside it.");
    static const char *const where_cols[] = {"line", "low", "high", "USD", "poison"};
    snprintf(title, sizeof(title), "Where it went (%s)", unit);
    rc = ct_report_add_table(rep, title, note, where_cols, 5, 0x16, false, &t);
    for (size_t i = 0; rc == CT_OK && i < p->n_lines; i++) {
        hrow_str(&w, line_title(p->lines[i].name));
        hrow_vals(&w, &p->lines[i].v, p);
        rc = hrow_add(rep, t, &w, rc);
    }
    if (rc == CT_OK) {
        hrow_str(&w, "laundered");
        hrow_vals(&w, &p->laundered, p);
        rc = hrow_add(rep, t, &w, rc);
    }
    /* per model: each line under each model, the total and the value stolen */
    static const int order[] = {CT_MODEL_HAIRCUT, CT_MODEL_FIFO, CT_MODEL_LIFO, CT_MODEL_TIHO,
                                CT_MODEL_POISON};
    static const char *const model_cols[] = {"line", "haircut", "fifo", "lifo", "tiho", "poison"};
    snprintf(title, sizeof(title), "Per model (%s)", unit);
    if (rc == CT_OK)
        rc = ct_report_add_table(rep, title,
                                 "Every line under each model: for every model but poison they "
                                 "add up to the value stolen.",
                                 model_cols, 6, 0x3e, false, &t);
    u128 total[CT_MODEL_COUNT] = {0};
    for (size_t i = 0; i < p->n_lines; i++)
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            total[m] += p->lines[i].v.sat[m];
    for (size_t i = 0; rc == CT_OK && i < p->n_lines + 2; i++) {
        const u128 *v = i < p->n_lines    ? p->lines[i].v.sat
                        : i == p->n_lines ? total
                                          : p->stolen.sat;
        hrow_str(&w, i < p->n_lines    ? line_title(p->lines[i].name)
                     : i == p->n_lines ? "total"
                                       : "stolen");
        for (size_t k = 0; k < CT_MODEL_COUNT; k++)
            hrow_amt(&w, v[order[k]], p);
        rc = hrow_add(rep, t, &w, rc);
    }
    if (rc == CT_OK) {
        int k = snprintf(note, sizeof(note), "Adds up to stolen:");
        for (int m = CT_MODEL_HAIRCUT; m < CT_MODEL_COUNT; m++)
            k += snprintf(note + k, sizeof(note) - (size_t)k, " %s %s", ct_model_name((ct_model)m),
                          p->adds_up[m] ? "yes" : "NO");
        snprintf(note + k, sizeof(note) - (size_t)k, " (poison does not conserve value).");
        rc = ct_report_table_footer(rep, t, note);
    }
    /* the services, then every deposit transaction */
    static const char *const svc_cols[] = {"category",   "service",   "cluster",     "low",
                                           "high",       "USD",       "poison",      "first (UTC)",
                                           "last (UTC)", "addresses", "transactions"};
    snprintf(title, sizeof(title), "Services reached (%zu, %s)", p->n_services, unit);
    if (rc == CT_OK)
        rc = ct_report_add_table(rep, title,
                                 "Each exchange, mixer, bridge or gambling service the taint "
                                 "reached, with its deposit addresses.",
                                 svc_cols, 11, 0x458, false, &t);
    for (size_t s = 0; rc == CT_OK && s < p->n_services; s++) {
        const rpt_service *sv = &p->services[s];
        hrow_str(&w, sv->category);
        hrow_str(&w, sv->label[0] ? sv->label : "(no label)");
        if (sv->cluster_id)
            snprintf(b, sizeof(b), "%llu", (unsigned long long)sv->cluster_id);
        else
            b[0] = '\0';
        hrow_str(&w, b);
        hrow_vals(&w, &sv->v, p);
        hrow_time(&w, sv->first_time, sv->first_height);
        hrow_time(&w, sv->last_time, sv->last_height);
        mem m;
        if (mem_open(&m)) {
            fprintf(m.f, "(%zu)", sv->n_addresses);
            for (size_t a = 0; a < sv->n_addresses; a++)
                fprintf(m.f, " %s", sv->addresses[a][0] ? sv->addresses[a] : "(no address)");
        }
        char *addrs = mem_close(&m);
        hrow_str(&w, addrs);
        free(addrs);
        if (!addrs)
            w.oom = true;
        snprintf(b, sizeof(b), "%zu", sv->n_deposits);
        hrow_str(&w, b);
        rc = hrow_add(rep, t, &w, rc);
    }
    static const char *const dep_cols[] = {
        "service", "transaction", "date (UTC, height)", "address", "low", "high", "USD", "poison"};
    snprintf(title, sizeof(title), "Deposit transactions (%s)", unit);
    if (rc == CT_OK && p->n_services)
        rc = ct_report_add_table(rep, title,
                                 "Every tainted output at a service, in chain order per service.",
                                 dep_cols, 8, 0xb0, false, &t);
    for (size_t s = 0; rc == CT_OK && s < p->n_services; s++) {
        const rpt_service *sv = &p->services[s];
        for (size_t k = 0; rc == CT_OK && k < sv->n_deposits; k++) {
            const rpt_deposit *d = &sv->deposits[k];
            char tx[96];
            if (d->vout != RPT_NO_VOUT)
                snprintf(tx, sizeof(tx), "%s:%u", d->txid, d->vout);
            else
                snprintf(tx, sizeof(tx), "%s", d->txid);
            snprintf(title, sizeof(title), "%s: %s", sv->category,
                     sv->label[0] ? sv->label : "(no label)");
            hrow_str(&w, title);
            hrow_str(&w, tx);
            hrow_time(&w, d->time, d->height);
            hrow_str(&w, d->address);
            hrow_vals(&w, &d->v, p);
            rc = hrow_add(rep, t, &w, rc);
        }
    }
    free(unit);
    return rc;
}

/* The case's section: its notes and tables (the picture is the next part). */
static int html_case(ct_report *rep, const rpt_case *c)
{
    char buf[4400], day[11];
    ct_day_format(day, c->c->date);
    int n = snprintf(buf, sizeof(buf), "Theft %s", day);
    if (c->c->victim[0])
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, ", victim: %s", c->c->victim);
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, ". Sources:");
    for (size_t i = 0; i < c->c->n_sources && n < (int)sizeof(buf); i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %s", c->c->sources[i].text);
    int rc = ct_report_add_note(rep, buf);
    if (rc == CT_OK && !c->traced) {
        snprintf(buf, sizeof(buf), "Not traced: %s", c->error);
        return ct_report_add_note(rep, buf);
    }
    if (rc == CT_OK && !c->complete) {
        snprintf(buf, sizeof(buf), "INCOMPLETE: %s (what was not followed is on the budget line)",
                 c->incomplete_reason);
        rc = ct_report_add_note(rep, buf);
    }
    if (rc == CT_OK && c->ethereum && !c->n_parts)
        rc = ct_report_add_note(rep, "No asset carried taint.");
    for (size_t k = 0; rc == CT_OK && k < c->n_parts; k++)
        rc = html_part(rep, c, &c->parts[k]);
    return rc;
}

/* The yearly table: one row per case and asset, the totals per asset and in USD. */
static int html_table(ct_report *rep, const rpt_report *r)
{
    static const char *const cols[] = {"case",           "date",         "chain",
                                       "asset",          "stolen",       "laundered low",
                                       "laundered high", "laundered USD"};
    size_t t;
    int rc =
        ct_report_add_table(rep, "Cases", "One row per case and asset.", cols, 8, 0x70, false, &t);
    hrow w;
    memset(&w, 0, sizeof(w));
    char day[11], b[96];
    for (size_t i = 0; rc == CT_OK && i < r->n_cases; i++) {
        const rpt_case *c = &r->cases[i];
        ct_day_format(day, c->c->date);
        for (size_t k = 0; rc == CT_OK && k < (c->traced && c->n_parts ? c->n_parts : 1); k++) {
            const rpt_part *p = c->traced && c->n_parts ? &c->parts[k] : NULL;
            hrow_str(&w, c->c->name);
            hrow_str(&w, day);
            hrow_str(&w, c->ethereum ? "ethereum" : "bitcoin");
            if (!p) {
                hrow_str(&w, c->traced ? "no asset carried taint" : "not traced");
                for (int e = 0; e < 4; e++)
                    hrow_str(&w, "");
                rc = hrow_add(rep, t, &w, rc);
                continue;
            }
            char *unit = unit_full(p);
            hrow_str(&w, unit);
            if (!unit)
                w.oom = true;
            free(unit);
            rpt_range sg, g;
            rpt_range_of(&p->stolen, &sg);
            rpt_range_of(&p->laundered, &g);
            char b2[96];
            int n = snprintf(b, sizeof(b), "%s", amt_str(b2, sg.lo, p));
            if (sg.hi != sg.lo)
                snprintf(b + n, sizeof(b) - (size_t)n, " - %s", amt_str(b2, sg.hi, p));
            hrow_str(&w, b);
            hrow_amt(&w, g.lo, p);
            hrow_amt(&w, g.hi, p);
            hrow_usd(&w, &p->laundered, p);
            rc = hrow_add(rep, t, &w, rc);
        }
    }
    /* the TOTAL lines, as the text writes them */
    mem m;
    if (rc == CT_OK && !mem_open(&m))
        rc = CT_ENOMEM;
    if (rc == CT_OK) {
        text_table(m.f, r);
        char *s = mem_close(&m);
        char *tot = s ? strstr(s, "TOTAL") : NULL;
        if (!s)
            rc = CT_ENOMEM;
        else if (tot)
            rc = ct_report_table_footer(rep, t, tot);
        free(s);
    }
    return rc;
}

/* The page: provenance, models, each case (its tables, then its picture and evidence), the
 * yearly table. To `output` through the safe file writer, or to standard output. */
static int print_html(const rpt_report *r, const char *output, bool force)
{
    char page[200], title[200];
    if (r->case_name)
        snprintf(page, sizeof(page), "Case report: %s", r->case_name);
    else if (r->year >= 0)
        snprintf(page, sizeof(page), "Report: thefts of %lld", (long long)r->year);
    else
        snprintf(page, sizeof(page), "Report: all cases");
    size_t cap = 3 + 2 * r->n_cases, n = 0, n_own = 0;
    ct_report **parts = calloc(cap, sizeof(*parts));
    ct_report **own = calloc(cap, sizeof(*own));
    int rc = parts && own ? CT_OK : CT_ENOMEM;
    ct_report *rep = NULL;
#define NEW_PART(t)                                                                                \
    do {                                                                                           \
        if (rc == CT_OK && !(rep = ct_report_new(t)))                                              \
            rc = CT_ENOMEM;                                                                        \
        if (rc == CT_OK)                                                                           \
            parts[n++] = own[n_own++] = rep;                                                       \
    } while (0)
    NEW_PART("Provenance");
    if (rc == CT_OK)
        rc = html_provenance(rep, r);
    NEW_PART("Models (a range low - high is over haircut, FIFO, LIFO and TIHO; poison beside it)");
    for (int m = 0; rc == CT_OK && m < CT_MODEL_COUNT; m++)
        rc = ct_report_add_note(rep, rpt_model_text((ct_model)m));
    for (size_t i = 0; rc == CT_OK && i < r->n_cases; i++) {
        const rpt_case *c = &r->cases[i];
        snprintf(title, sizeof(title), "Case %s", c->c->name);
        NEW_PART(title);
        if (rc == CT_OK)
            rc = html_case(rep, c);
        if (rc == CT_OK && c->picture)
            parts[n++] = c->picture;
    }
    if (rc == CT_OK && !r->case_name) {
        if (r->year >= 0)
            snprintf(title, sizeof(title), "Thefts of %lld", (long long)r->year);
        else
            snprintf(title, sizeof(title), "All cases");
        NEW_PART(title);
        if (rc == CT_OK)
            rc = html_table(rep, r);
    }
#undef NEW_PART
    int exit_code = CT_EXIT_OK;
    ct_error err;
    ct_error_clear(&err);
    ct_report_html_stats st;
    ct_report_html_options o = CT_REPORT_HTML_OPTIONS_INIT;
    o.force = force;
    if (rc != CT_OK) {
        cli_error("report", "out of memory");
        exit_code = CT_EXIT_FAILURE;
    } else {
        rc = output ? ct_report_html_write_parts_path(parts, n, page, output, &st, &o, &err)
                    : ct_report_html_write_parts(parts, n, page, stdout, &st, &o, &err);
        if (rc == CT_OK && !output && fflush(stdout) != 0) {
            cli_error("report", "cannot write standard output");
            exit_code = CT_EXIT_IO;
        } else if (rc != CT_OK) {
            exit_code = cli_db_fail("report", rc, &err);
        } else if (output) {
            fputs("chaintrail: report: wrote ", stderr);
            cli_print_text(stderr, output);
            fprintf(stderr, " (html: %zu nodes and %zu edges drawn", st.nodes, st.edges);
            if (st.aggregated)
                fprintf(stderr, ", %zu of %zu nodes aggregated", st.aggregated, st.nodes_in);
            fputs(")\n", stderr);
        }
    }
    for (size_t i = 0; own && i < n_own; i++)
        ct_report_free(own[i]);
    free(own);
    free(parts);
    return exit_code;
}

int cmd_report(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("report");
    uint64_t year = UINT64_MAX;
    const char *format = "text", *case_name = NULL, *output = NULL;
    bool force = false;
    const cli_opt opts[] = {CLI_NUM("year", &year, 2009, 9999), {"case", CLI_STRING, &case_name},
                            {"format", CLI_STRING, &format},    {"output", CLI_STRING, &output},
                            {"force", CLI_FLAG, &force},        {NULL, CLI_FLAG, NULL}};
    static char long_output[] = "--output"; /* -o is --output, as for trace and export */
    for (int i = 1; i < argc; i++) {
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
    if ((rc = cli_format_pick("report", format, CLI_FMT_ALL | (1u << CLI_FMT_HTML), &fmt)) !=
        CT_EXIT_OK)
        return rc;
    if ((output || force) && fmt != CLI_FMT_HTML) {
        cli_error("report", "-o PATH and --force write the HTML only (--format html)");
        return CT_EXIT_USAGE;
    }
    if (force && !output) {
        cli_error("report", "--force replaces the file of -o PATH: give -o PATH");
        return CT_EXIT_USAGE;
    }
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
        rep.pictures = fmt == CLI_FMT_HTML;
        lrc = rpt_build(&rep, db, &env, cases, n, &err);
        int hrc = CT_EXIT_OK;
        if (lrc == CT_OK) {
            if (fmt == CLI_FMT_HTML)
                hrc = print_html(&rep, output, force);
            else if (fmt == CLI_FMT_JSON)
                print_json(stdout, &rep);
            else if (fmt == CLI_FMT_CSV)
                print_csv(stdout, &rep);
            else
                print_text(stdout, &rep);
        }
        rc = lrc == CT_OK ? hrc : cli_db_fail("report", lrc, &err);
    } else {
        rc = cli_db_fail("report", lrc, &err);
    }
    rpt_free(&rep);
    cli_trace_env_close(&env);
    ct_case_list_free(cases, n_cases);
    ct_db_close(db);
    return rc;
}
