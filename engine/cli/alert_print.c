/* Alerts as JSON, CSV and text (docs/alerts.md "Output"): one printer for `scan` and
 * `alerts list|show`, so that the three forms stay the same everywhere. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

uint64_t cli_now_seconds(void)
{
    const char *t = getenv("CHAINTRAIL_TEST_NOW");
    uint64_t v;
    if (t && cli_parse_u64(t, &v))
        return v;
    time_t n = time(NULL);
    return n < 0 ? 0 : (uint64_t)n;
}

static void print_time64(FILE *f, uint64_t t)
{
    cli_print_time(f, t > UINT32_MAX ? UINT32_MAX : (uint32_t)t);
}

/* USD in cents as a decimal with 2 decimals ("13433.77"). */
static void print_cents(FILE *f, unsigned __int128 cents)
{
    char d[48];
    size_t n = 0;
    unsigned __int128 whole = cents / 100;
    do {
        d[n++] = (char)('0' + (int)(whole % 10));
        whole /= 10;
    } while (whole);
    while (n)
        fputc(d[--n], f);
    fprintf(f, ".%02u", (unsigned)(cents % 100));
}

/* An amount of an alert: Bitcoin in coins with 8 decimals ("10.00000000"); Ethereum in
 * wei or the token's base units, a whole number (docs/scan.md "Ethereum"). */
static void print_amount(FILE *f, const ct_scan_alert *a, const ct_u256 *v)
{
    char d[CT_U256_DEC_MAX];
    size_t n = ct_u256_to_dec(d, sizeof(d), v);
    if (a->chain == CT_SCAN_ETHEREUM) {
        fputs(d, f);
        return;
    }
    if (n <= 8) {
        fprintf(f, "0.%08u", (unsigned)atol(d));
        return;
    }
    fprintf(f, "%.*s.%s", (int)(n - 8), d, d + n - 8);
}

/* An evidence transaction: Bitcoin's txid as block explorers show it (bytes reversed),
 * Ethereum's hash as "0x" and its 64 hex digits in order. */
static void print_txid(FILE *f, const ct_scan_alert *a, const uint8_t h[32])
{
    if (a->chain != CT_SCAN_ETHEREUM) {
        cli_print_hash(f, h);
        return;
    }
    fputs("0x", f);
    for (int i = 0; i < 32; i++)
        fprintf(f, "%02x", h[i]);
}

/* A JSON string of the USD value, or null when not priced. */
static void json_usd(FILE *f, bool known, unsigned __int128 cents)
{
    if (!known) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    print_cents(f, cents);
    fputc('"', f);
}

void cli_alert_json_open(FILE *f, const ct_scan_alert *a)
{
    const char *cat = ct_label_category_name(a->category);
    fprintf(f, "{\"alert_id\":\"%s\",\"customer_id\":", a->alert_id);
    cli_json_string(f, a->customer_id);
    fprintf(f, ",\"chain\":\"%s\",\"address\":", ct_scan_chain_name(a->chain));
    cli_json_string(f, a->address);
    fprintf(f, ",\"direction\":\"%s\",\"exposure\":\"%s\",\"category\":\"%s\",\"label\":",
            ct_scan_direction_name(a->direction), ct_scan_exposure_name(a->exposure), cat);
    cli_json_string(f, a->label);
    fputs(",\"source\":", f);
    cli_json_string(f, a->source);
    fputs(",\"counterparty\":", f);
    cli_json_string(f, a->counterparty);
    fprintf(f, ",\"hops\":%u,\"asset\":", a->hops);
    cli_json_string(f, a->asset);
    fputs(",\"amount\":{", f);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        fprintf(f, "%s\"%s\":\"", m ? "," : "", ct_model_name((ct_model)m));
        print_amount(f, a, &a->amount[m]);
        fputc('"', f);
    }
    fputs("},\"low\":\"", f);
    print_amount(f, a, &a->low);
    fputs("\",\"high\":\"", f);
    print_amount(f, a, &a->high);
    fputs("\",\"usd_low\":", f);
    json_usd(f, a->usd_known, a->usd_low);
    fputs(",\"usd_high\":", f);
    json_usd(f, a->usd_known, a->usd_high);
    fprintf(f,
            ",\"share\":\"%u.%06u\",\"severity\":\"%s\","
            "\"rule\":\"categories.%s\",\"first_seen\":\"",
            a->share_ppm / 1000000, a->share_ppm % 1000000, ct_scan_severity_name(a->severity),
            cat);
    cli_print_time(f, a->first_time);
    fputs("\",\"last_seen\":\"", f);
    cli_print_time(f, a->last_time);
    fputs("\",\"txids\":[", f);
    for (size_t i = 0; i < a->n_txids; i++) {
        fputs(i ? ",\"" : "\"", f);
        print_txid(f, a, a->txids[i]);
        fputc('"', f);
    }
    fprintf(f, "],\"baseline\":\"%s\",\"state\":\"%s\"", ct_alert_baseline_name(a->baseline),
            ct_alert_state_name(a->state));
}

void cli_alert_json(FILE *f, const ct_scan_alert *a)
{
    cli_alert_json_open(f, a);
    fputc('}', f);
}

/* A text field of CSV: quoted, a leading = + - @ defused with ' (bad-inputs.md X1). */
static void csv_text(FILE *f, const char *s)
{
    fputc('"', f);
    if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
        fputc('\'', f);
    cli_print_text_csv(f, s);
    fputc('"', f);
}

void cli_alert_csv_header(FILE *f)
{
    fputs("alert_id,customer_id,chain,address,direction,exposure,category,label,source,"
          "counterparty,hops,asset,poison,haircut,fifo,lifo,tiho,low,high,usd_low,usd_high,"
          "share,severity,rule,first_seen,last_seen,txids,baseline,state\n",
          f);
}

void cli_alert_csv(FILE *f, const ct_scan_alert *a)
{
    fprintf(f, "%s,", a->alert_id);
    csv_text(f, a->customer_id);
    fprintf(f, ",%s,", ct_scan_chain_name(a->chain));
    csv_text(f, a->address);
    fprintf(f, ",%s,%s,%s,", ct_scan_direction_name(a->direction),
            ct_scan_exposure_name(a->exposure), ct_label_category_name(a->category));
    csv_text(f, a->label);
    fputc(',', f);
    csv_text(f, a->source);
    fputc(',', f);
    csv_text(f, a->counterparty);
    fprintf(f, ",%u,", a->hops);
    csv_text(f, a->asset);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        fputc(',', f);
        print_amount(f, a, &a->amount[m]);
    }
    fputc(',', f);
    print_amount(f, a, &a->low);
    fputc(',', f);
    print_amount(f, a, &a->high);
    fputc(',', f);
    if (a->usd_known)
        print_cents(f, a->usd_low);
    fputc(',', f);
    if (a->usd_known)
        print_cents(f, a->usd_high);
    fprintf(f, ",%u.%06u,%s,categories.%s,", a->share_ppm / 1000000, a->share_ppm % 1000000,
            ct_scan_severity_name(a->severity), ct_label_category_name(a->category));
    cli_print_time(f, a->first_time);
    fputc(',', f);
    cli_print_time(f, a->last_time);
    fputc(',', f);
    for (size_t i = 0; i < a->n_txids; i++) {
        if (i)
            fputc(' ', f);
        print_txid(f, a, a->txids[i]);
    }
    fprintf(f, ",%s,%s\n", ct_alert_baseline_name(a->baseline), ct_alert_state_name(a->state));
}

void cli_alert_text(FILE *f, const ct_scan_alert *a)
{
    fprintf(f, "%s %-6s %-9s %-9s ", a->alert_id, ct_scan_severity_name(a->severity),
            ct_alert_baseline_name(a->baseline), ct_alert_state_name(a->state));
    cli_print_text(f, a->customer_id);
    fputc(' ', f);
    cli_print_text(f, a->address);
    fprintf(f, " %s %s %s %s ", ct_scan_direction_name(a->direction),
            ct_scan_exposure_name(a->exposure), ct_label_category_name(a->category),
            a->direction == CT_SCAN_INCOMING ? "from" : "to");
    cli_print_text(f, a->counterparty);
    fputs(" (", f);
    cli_print_text(f, a->label);
    fputs(") ", f);
    print_amount(f, a, &a->low);
    fputs("..", f);
    print_amount(f, a, &a->high);
    fputc(' ', f);
    cli_print_text(f, a->asset);
    if (a->usd_known) {
        fputs(" USD ", f);
        print_cents(f, a->usd_low);
        fputs("..", f);
        print_cents(f, a->usd_high);
    }
    if (a->exposure == CT_SCAN_INDIRECT)
        fprintf(f, " %u hops", a->hops);
    fputc('\n', f);
}

void cli_alert_history_json(FILE *f, const ct_scan_history_entry *h, size_t n)
{
    fputs("[", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",{\"time\":\"" : "{\"time\":\"", f);
        print_time64(f, h[i].time);
        fputs("\",\"by\":", f);
        cli_json_string(f, h[i].by);
        if (h[i].has_old)
            fprintf(f, ",\"old_state\":\"%s\"", ct_alert_state_name(h[i].old_state));
        else
            fputs(",\"old_state\":null", f);
        fprintf(f, ",\"new_state\":\"%s\",\"note\":", ct_alert_state_name(h[i].new_state));
        cli_json_string(f, h[i].note);
        fputc('}', f);
    }
    fputs("]", f);
}

void cli_alert_history_text(FILE *f, const ct_scan_history_entry *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputs("  ", f);
        print_time64(f, h[i].time);
        fputc(' ', f);
        cli_print_text(f, h[i].by);
        fprintf(f, ": %s -> %s", h[i].has_old ? ct_alert_state_name(h[i].old_state) : "(none)",
                ct_alert_state_name(h[i].new_state));
        if (h[i].note[0]) {
            fputs(": ", f);
            cli_print_text(f, h[i].note);
        }
        fputc('\n', f);
    }
}
