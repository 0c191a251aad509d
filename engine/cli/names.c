/* The names the command line takes (output formats, taint models, label categories,
 * chains): one parser per kind of name, so that every command rejects an unknown or
 * mistyped name the same way, with exit 2 and the list of valid names, instead of dropping
 * it. A trace with `--stop exchnage` must not silently follow value through an exchange. */
#include <string.h>

#include "cli.h"

/* Prints "option '--OPT': unknown KIND 'VALUE' (valid: a, b, c)". */
static void unknown(const char *cmd, const char *opt, const char *kind, const char *value,
                    const char *const *names, size_t n)
{
    char list[512];
    size_t len = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && len < sizeof(list); i++) {
        int w = snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    char shown[80];
    cli_text_escape(shown, sizeof(shown), value);
    cli_error(cmd, "option '--%s': unknown %s '%s' (valid: %s)", opt, kind, shown, list);
}

int cli_name(const char *cmd, const char *opt, const char *kind, const char *value,
             const char *const *names, size_t n, size_t *idx)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(value, names[i]) == 0) {
            *idx = i;
            return CT_EXIT_OK;
        }
    unknown(cmd, opt, kind, value, names, n);
    return CT_EXIT_USAGE;
}

int cli_format_pick(const char *cmd, const char *value, unsigned allowed, cli_fmt *out)
{
    static const char *const all[] = {"json", "text", "csv", "html"};
    const char *names[4];
    cli_fmt ids[4];
    size_t n = 0, i;
    for (int f = 0; f < 4; f++)
        if (allowed & (1u << f)) {
            ids[n] = (cli_fmt)f;
            names[n++] = all[f];
        }
    int rc = cli_name(cmd, "format", "format", value, names, n, &i);
    if (rc == CT_EXIT_OK)
        *out = ids[i];
    return rc;
}

int cli_format(const char *cmd, const char *format, bool *json)
{
    cli_fmt f;
    int rc = cli_format_pick(cmd, format, CLI_FMT_JSON_TEXT, &f);
    if (rc == CT_EXIT_OK)
        *json = f == CLI_FMT_JSON;
    return rc;
}

/* Splits "a,b,c"; each item is passed to fn. Returns an exit code. */
static int each_item(const char *cmd, const char *opt, const char *what, const char *value,
                     int (*fn)(void *arg, const char *item), void *arg)
{
    const char *s = value;
    for (;;) {
        const char *c = strchr(s, ',');
        size_t len = c ? (size_t)(c - s) : strlen(s);
        char item[64];
        if (len == 0 || len >= sizeof(item)) {
            char shown[80];
            cli_text_escape(shown, sizeof(shown), value);
            cli_error(cmd, "option '--%s': '%s' is not a comma-separated list of %s", opt, shown,
                      what);
            return CT_EXIT_USAGE;
        }
        memcpy(item, s, len);
        item[len] = '\0';
        int rc = fn(arg, item);
        if (rc != CT_EXIT_OK)
            return rc;
        if (!c)
            return CT_EXIT_OK;
        s = c + 1;
    }
}

typedef struct cat_list {
    const char *cmd, *opt;
    char (*items)[24];
    size_t max, n;
} cat_list;

static int add_category(void *arg, const char *item)
{
    cat_list *l = arg;
    const char *names[CT_LABEL_CATEGORIES];
    size_t i;
    for (unsigned c = 0; c < CT_LABEL_CATEGORIES; c++)
        names[c] = ct_label_category_name((ct_label_category)c);
    int rc = cli_name(l->cmd, l->opt, "category", item, names, CT_LABEL_CATEGORIES, &i);
    if (rc != CT_EXIT_OK)
        return rc;
    for (size_t k = 0; k < l->n; k++)
        if (strcmp(l->items[k], names[i]) == 0)
            return CT_EXIT_OK; /* given twice: once is enough */
    if (l->n == l->max) {
        cli_error(l->cmd, "option '--%s': at most %zu categories", l->opt, l->max);
        return CT_EXIT_USAGE;
    }
    snprintf(l->items[l->n++], 24, "%s", names[i]);
    return CT_EXIT_OK;
}

int cli_categories(const char *cmd, const char *opt, const char *value, char (*items)[24],
                   size_t max, size_t *n)
{
    cat_list l = {cmd, opt, items, max, 0};
    int rc = each_item(cmd, opt, "categories", value, add_category, &l);
    *n = l.n;
    return rc;
}

int cli_category(const char *cmd, const char *opt, const char *value, ct_label_category *out)
{
    const char *names[CT_LABEL_CATEGORIES];
    size_t i;
    for (unsigned c = 0; c < CT_LABEL_CATEGORIES; c++)
        names[c] = ct_label_category_name((ct_label_category)c);
    int rc = cli_name(cmd, opt, "category", value, names, CT_LABEL_CATEGORIES, &i);
    if (rc == CT_EXIT_OK)
        *out = (ct_label_category)i;
    return rc;
}

typedef struct model_set {
    const char *cmd;
    unsigned mask;
} model_set;

static int add_model(void *arg, const char *item)
{
    model_set *s = arg;
    const char *names[CT_MODEL_COUNT + 1];
    size_t i;
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        names[m] = ct_model_name((ct_model)m);
    names[CT_MODEL_COUNT] = "all";
    int rc = cli_name(s->cmd, "model", "model", item, names, CT_MODEL_COUNT + 1, &i);
    if (rc == CT_EXIT_OK)
        s->mask |= i == CT_MODEL_COUNT ? CT_MODELS_ALL : 1u << i;
    return rc;
}

int cli_models(const char *cmd, const char *value, unsigned *mask)
{
    model_set s = {cmd, 0};
    int rc = each_item(cmd, "model", "models", value, add_model, &s);
    if (rc == CT_EXIT_OK)
        *mask = s.mask;
    return rc;
}

int cli_network(const char *cmd, const char *value, const ct_btc_params **out)
{
    const char *names[16];
    size_t n = 0, i;
    if ((*out = ct_btc_params_get(value)) != NULL) /* also the aliases Core knows (main) */
        return CT_EXIT_OK;
    for (const ct_btc_params *const *p = ct_btc_params_all(); *p && n < 16; p++)
        names[n++] = (*p)->name;
    return cli_name(cmd, "network", "network", value, names, n, &i);
}

int cli_chain(const char *cmd, const char *value, bool *ethereum)
{
    /* the families of the registration table (chaintrail/chains.h) */
    const ct_chain_ops *const *fam = ct_chain_families();
    const char *names[16];
    size_t n = 0, i;
    for (; fam[n] && n < sizeof(names) / sizeof(names[0]); n++)
        names[n] = fam[n]->name;
    int rc = cli_name(cmd, "chain", "chain", value, names, n, &i);
    if (rc == CT_EXIT_OK)
        *ethereum = fam[i]->model == CT_CHAIN_ACCOUNT;
    return rc;
}
