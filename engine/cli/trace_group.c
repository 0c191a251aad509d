/* `trace --group label|category|address` and `--limit N` (docs/trace.md, "Groups and
 * limits"): a model's endpoints summed per service (label), category or address, largest
 * first, and the N largest entries kept with what was left out stated. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const group_names[] = {"label", "category", "address"};

int cli_group_parse(const char *value, int *out)
{
    size_t i;
    int rc = cli_name("trace", "group", "grouping", value, group_names, 3, &i);
    if (rc == CT_EXIT_OK)
        *out = (int)i;
    return rc;
}

const char *cli_group_name(int by)
{
    return by >= 0 && by < 3 ? group_names[by] : "?";
}

static const char *key_of(const ct_trace_endpoint *e, int by)
{
    return by == CLI_GROUP_LABEL ? e->label : by == CLI_GROUP_CATEGORY ? e->category : e->address;
}

static int cmp_group(const void *a, const void *b)
{
    const cli_group *x = a, *y = b;
    if (x->taint != y->taint)
        return x->taint > y->taint ? -1 : 1;
    return strcmp(x->key, y->key);
}

int cli_groups(const ct_trace_model_result *x, int by, cli_group **out, size_t *n)
{
    cli_group *g = calloc(x->n_endpoints ? x->n_endpoints : 1, sizeof(*g));
    size_t k = 0;
    if (!g)
        return CT_ENOMEM;
    for (size_t i = 0; i < x->n_endpoints; i++) {
        const ct_trace_endpoint *e = &x->endpoints[i];
        const char *key = key_of(e, by);
        size_t j = 0;
        while (j < k && strcmp(g[j].key, key) != 0)
            j++;
        if (j == k) {
            g[k].key = key;
            g[k].first_height = e->first_height;
            g[k].last_height = e->last_height;
            k++;
        }
        g[j].taint += e->taint;
        g[j].usd_cents += e->usd_cents;
        g[j].unpriced_sat += e->unpriced_sat;
        g[j].endpoints++;
        if (e->first_height < g[j].first_height)
            g[j].first_height = e->first_height;
        if (e->last_height > g[j].last_height)
            g[j].last_height = e->last_height;
    }
    qsort(g, k, sizeof(*g), cmp_group);
    *out = g;
    *n = k;
    return CT_OK;
}

void cli_left_out(const ct_trace_endpoint *e, size_t n, size_t limit, size_t *count, u128 *taint)
{
    *count = 0;
    *taint = 0;
    for (size_t i = limit; limit && i < n; i++) {
        (*count)++;
        *taint += e[i].taint;
    }
}

void cli_groups_json(FILE *f, const ct_trace_model_result *x, int by, size_t limit, bool pricing,
                     const cli_group *g, size_t n)
{
    size_t shown = limit && limit < n ? limit : n;
    u128 rest = 0;
    fprintf(f, ",\"groups\":{\"by\":\"%s\",\"entries\":[", cli_group_name(by));
    for (size_t i = 0; i < n; i++) {
        if (i >= shown) {
            rest += g[i].taint;
            continue;
        }
        fputs(i ? ",{\"key\":" : "{\"key\":", f);
        if (g[i].key[0])
            cli_json_string(f, g[i].key);
        else
            fputs("null", f);
        fputs(",\"taint_sat\":", f);
        cli_json_amount(f, g[i].taint);
        fputs(",\"usd\":", f);
        cli_json_usd(f, g[i].usd_cents, g[i].taint, g[i].unpriced_sat, pricing);
        fputs(",\"unpriced_sat\":", f);
        cli_json_amount(f, g[i].unpriced_sat);
        fprintf(f, ",\"endpoints\":%zu,\"first_height\":%u,\"last_height\":%u}", g[i].endpoints,
                g[i].first_height, g[i].last_height);
    }
    fprintf(f, "],\"left_out\":{\"entries\":%zu,\"taint_sat\":", n - shown);
    cli_json_amount(f, rest);
    fputs("}}", f);
    (void)x;
}
