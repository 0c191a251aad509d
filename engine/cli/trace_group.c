/* `trace --group label|category|address|cluster` and `--limit N` (docs/trace.md, "Groups and
 * limits"), for Bitcoin-family and Ethereum traces alike: a model's endpoints (of one asset)
 * summed per service (label), category, address or cluster, largest first, and the N largest
 * entries kept with what was left out stated. Both chains' endpoints are seen through one
 * view (cli_ep) and summed by one function (cli_sum_add), which `trace --to` uses too. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const group_names[] = {"label", "category", "address", "cluster"};

int cli_group_parse(const char *value, int *out)
{
    size_t i;
    int rc = cli_name("trace", "group", "grouping", value, group_names, 4, &i);
    if (rc == CT_EXIT_OK)
        *out = (int)i;
    return rc;
}

const char *cli_group_name(int by)
{
    return by >= 0 && by < 4 ? group_names[by] : "?";
}

ct_u256 cli_u256_of(u128 v)
{
    ct_u256 r = {{(uint64_t)v, (uint64_t)(v >> 64), 0, 0}};
    return r;
}

u128 cli_u128_of(const ct_u256 *a)
{
    return (u128)a->w[0] | ((u128)a->w[1] << 64);
}

void cli_ep_of_trace(cli_ep *out, const ct_trace_endpoint *e)
{
    *out = (cli_ep){e->address,
                    e->category,
                    e->label,
                    cli_u256_of(e->taint),
                    cli_u256_of(e->unpriced_sat),
                    e->usd_cents,
                    e->n_outputs,
                    e->hops,
                    e->first_height,
                    e->first_time,
                    e->last_height,
                    e->last_time,
                    e->cluster_id,
                    e->target};
}

void cli_ep_of_acct(cli_ep *out, const ct_acct_endpoint *e)
{
    *out = (cli_ep){e->address,     e->category,  e->label, e->taint,        e->unpriced,
                    e->usd_cents,   e->flows,     e->hops,  e->first_height, e->first_time,
                    e->last_height, e->last_time, 0,        e->target};
}

static void add256(ct_u256 *a, const ct_u256 *b)
{
    if (ct_u256_add(a, a, b)) /* more than 2^256 - 1 base units: cannot be a real sum */
        memset(a, 0xff, sizeof(*a));
}

void cli_sum_add(cli_sum *s, const cli_ep *e)
{
    if (s->endpoints == 0 || e->hops < s->hops)
        s->hops = e->hops;
    if (s->endpoints == 0 || e->first_height < s->first_height ||
        (e->first_height == s->first_height && e->first_time < s->first_time)) {
        s->first_height = e->first_height;
        s->first_time = e->first_time;
    }
    if (s->endpoints == 0 || e->last_height > s->last_height ||
        (e->last_height == s->last_height && e->last_time > s->last_time)) {
        s->last_height = e->last_height;
        s->last_time = e->last_time;
    }
    add256(&s->taint, &e->taint);
    add256(&s->unpriced, &e->unpriced);
    s->usd_cents += e->usd_cents;
    s->outputs += e->outputs;
    s->endpoints++;
}

static const char *key_of(const cli_ep *e, int by)
{
    return by == CLI_GROUP_LABEL ? e->label : by == CLI_GROUP_CATEGORY ? e->category : e->address;
}

static int cmp_group(const void *a, const void *b)
{
    const cli_group *x = a, *y = b;
    int c = ct_u256_cmp(&x->sum.taint, &y->sum.taint);
    if (c)
        return -c;
    if (x->key && y->key)
        return strcmp(x->key, y->key);
    return x->cluster < y->cluster ? -1 : x->cluster > y->cluster;
}

int cli_groups(const cli_ep *v, size_t n, int by, cli_group **out, size_t *ng)
{
    cli_group *g = calloc(n ? n : 1, sizeof(*g));
    size_t k = 0;
    if (!g)
        return CT_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const cli_ep *e = &v[i];
        const char *key = by == CLI_GROUP_CLUSTER ? NULL : key_of(e, by);
        size_t j = 0;
        while (j < k && (key ? strcmp(g[j].key, key) != 0 : g[j].cluster != e->cluster_id))
            j++;
        if (j == k) {
            g[k].key = key;
            g[k].cluster = e->cluster_id;
            k++;
        }
        cli_sum_add(&g[j].sum, e);
    }
    qsort(g, k, sizeof(*g), cmp_group);
    *out = g;
    *ng = k;
    return CT_OK;
}

void cli_left_out(const cli_ep *v, size_t n, size_t limit, size_t *count, ct_u256 *taint)
{
    *count = 0;
    *taint = ct_u256_from_u64(0);
    for (size_t i = limit; limit && i < n; i++) {
        (*count)++;
        add256(taint, &v[i].taint);
    }
}

void cli_left_out_add(ct_u256 *taint, const cli_ep *e)
{
    add256(taint, &e->taint);
}

/* ---- amounts of either chain ---- */
void cli_amt_json(FILE *f, const cli_amt *u, const ct_u256 *a)
{
    char s[CT_U256_DEC_MAX];
    ct_u256_to_dec(s, sizeof(s), a);
    if (!u->eth && ct_u256_bits(a) <= 53 && cli_u128_of(a) <= 9007199254740991ULL)
        fputs(s, f); /* Bitcoin: a number while exact in a double */
    else
        fprintf(f, "\"%s\"", s);
}

void cli_amt_usd_json(FILE *f, const cli_amt *u, u128 cents, const ct_u256 *a,
                      const ct_u256 *unpriced)
{
    if (!u->priced || (ct_u256_cmp(unpriced, a) == 0 && !ct_u256_is_zero(a))) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    cli_print_cents(f, cents);
    fputc('"', f);
}

void cli_units(char out[CLI_UNITS_MAX], const ct_u256 *a, unsigned d)
{
    char s[CT_U256_DEC_MAX];
    size_t n = ct_u256_to_dec(s, sizeof(s), a), o = 0;
    if (d == 0) {
        snprintf(out, CLI_UNITS_MAX, "%s", s);
        return;
    }
    if (n <= d) {
        out[o++] = '0';
        out[o++] = '.';
        for (size_t i = n; i < d; i++)
            out[o++] = '0';
        memcpy(out + o, s, n);
        o += n;
    } else {
        memcpy(out, s, n - d);
        o = n - d;
        out[o++] = '.';
        memcpy(out + o, s + n - d, d);
        o += d;
    }
    out[o] = '\0';
}

/* ---- groups and limits printed ---- */
static void key_json(FILE *f, const cli_group *g)
{
    if (!g->key)
        g->cluster ? fprintf(f, "\"%llu\"", (unsigned long long)g->cluster) : fputs("null", f);
    else cli_json_string_or_null(f, g->key);
}

void cli_groups_json(FILE *f, const cli_amt *u, int by, size_t limit, const cli_group *g, size_t n)
{
    size_t shown = limit && limit < n ? limit : n;
    ct_u256 rest = ct_u256_from_u64(0);
    const char *sfx = u->eth ? "" : "_sat";
    fprintf(f, ",\"groups\":{\"by\":\"%s\",\"entries\":[", cli_group_name(by));
    for (size_t i = 0; i < n; i++) {
        const cli_sum *s = &g[i].sum;
        if (i >= shown) {
            add256(&rest, &s->taint);
            continue;
        }
        fputs(i ? ",{\"key\":" : "{\"key\":", f);
        key_json(f, &g[i]);
        fprintf(f, ",\"taint%s\":", sfx);
        cli_amt_json(f, u, &s->taint);
        fputs(",\"usd\":", f);
        cli_amt_usd_json(f, u, s->usd_cents, &s->taint, &s->unpriced);
        fprintf(f, ",\"unpriced%s\":", sfx);
        cli_amt_json(f, u, &s->unpriced);
        fprintf(f, ",\"endpoints\":%zu,\"first_height\":%u,\"last_height\":%u}", s->endpoints,
                s->first_height, s->last_height);
    }
    fprintf(f, "],\"left_out\":{\"entries\":%zu,\"taint%s\":", n - shown, sfx);
    cli_amt_json(f, u, &rest);
    fputs("}}", f);
}

void cli_left_out_json(FILE *f, const cli_amt *u, const cli_ep *v, size_t n, size_t shown)
{
    size_t k;
    ct_u256 rest;
    cli_left_out(v, n, shown, &k, &rest);
    fprintf(f, ",\"endpoints_left_out\":{\"entries\":%zu,\"taint%s\":", k, u->eth ? "" : "_sat");
    cli_amt_json(f, u, &rest);
    fputc('}', f);
}

void cli_groups_text(FILE *f, const cli_amt *u, int by, size_t limit, const cli_group *g, size_t n)
{
    size_t lim = limit && limit < n ? limit : n;
    ct_u256 rest = ct_u256_from_u64(0);
    char amt[CLI_UNITS_MAX];
    fprintf(f, "\n  by %s:", cli_group_name(by));
    for (size_t i = 0; i < n; i++) {
        if (i >= lim) {
            add256(&rest, &g[i].sum.taint);
            continue;
        }
        cli_units(amt, &g[i].sum.taint, u->decimals);
        fprintf(f, "\n  %*s %5zu endpoints  ", u->width, amt, g[i].sum.endpoints);
        if (!g[i].key)
            g[i].cluster ? fprintf(f, "cluster %llu", (unsigned long long)g[i].cluster)
                         : fputs("(none)", f);
        else
            cli_print_text(f, g[i].key[0] ? g[i].key : "(none)");
    }
    if (lim < n) {
        cli_units(amt, &rest, u->decimals);
        fprintf(f, "\n  left out: %zu more, %s ", n - lim, amt);
        cli_print_text(f, u->unit);
    }
}

void cli_left_out_text(FILE *f, const cli_amt *u, const cli_ep *v, size_t n, size_t shown)
{
    size_t k;
    ct_u256 rest;
    char amt[CLI_UNITS_MAX];
    if (shown >= n)
        return;
    cli_left_out(v, n, shown, &k, &rest);
    cli_units(amt, &rest, u->decimals);
    fprintf(f, "  left out: %zu more endpoints, %s ", k, amt);
    cli_print_text(f, u->unit);
    fputc('\n', f);
}

void cli_groups_csv_rows(FILE *f, const char *prefix, const cli_amt *u, size_t limit,
                         const cli_group *g, size_t n)
{
    size_t lim = limit && limit < n ? limit : n;
    ct_u256 rest = ct_u256_from_u64(0);
    char d[CT_U256_DEC_MAX];
    for (size_t i = 0; i < n; i++) {
        const cli_sum *s = &g[i].sum;
        if (i >= lim) {
            add256(&rest, &s->taint);
            continue;
        }
        fprintf(f, "%s,", prefix);
        if (g[i].key)
            cli_csv_text(f, g[i].key);
        else if (g[i].cluster)
            fprintf(f, "%llu", (unsigned long long)g[i].cluster);
        else
            cli_csv_text(f, "");
        ct_u256_to_dec(d, sizeof(d), &s->taint);
        fprintf(f, ",%s,", d);
        if (u->priced && ct_u256_cmp(&s->unpriced, &s->taint) < 0)
            cli_print_cents(f, s->usd_cents);
        ct_u256_to_dec(d, sizeof(d), &s->unpriced);
        fprintf(f, ",%s,%zu,%u,%u\n", d, s->endpoints, s->first_height, s->last_height);
    }
    if (lim < n) {
        ct_u256_to_dec(d, sizeof(d), &rest);
        fprintf(f, "%s,\"(left out: %zu)\",%s,,,,,\n", prefix, n - lim, d);
    }
}

cli_ep *cli_eps_of_trace(const ct_trace_model_result *x)
{
    cli_ep *v = malloc((x->n_endpoints ? x->n_endpoints : 1) * sizeof(*v));
    for (size_t i = 0; v && i < x->n_endpoints; i++)
        cli_ep_of_trace(&v[i], &x->endpoints[i]);
    return v;
}
