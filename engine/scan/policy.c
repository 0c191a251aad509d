/* The risk policy of `chaintrail scan` (docs/scan.md "The risk policy"): per label category,
 * the severity of a finding and which findings count. Read strictly: a mistyped category or
 * severity would silently stop screening for it, so every unknown name is refused with the
 * list of valid ones. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"
#include "chaintrail/scan.h"
#include "intel/yaml.h"

static const char *const severity_names[CT_SCAN_SEVERITIES] = {"none", "LOW", "MEDIUM", "HIGH",
                                                               "SEVERE"};
static const char *const direction_names[4] = {NULL, "incoming", "outgoing", "both"};
static const char *const exposure_names[4] = {NULL, "direct", "indirect", "both"};

const char *ct_scan_severity_name(ct_scan_severity s)
{
    return (unsigned)s < CT_SCAN_SEVERITIES ? severity_names[s] : NULL;
}

int ct_scan_severity_from_name(ct_scan_severity *out, const char *name)
{
    for (unsigned i = 0; i < CT_SCAN_SEVERITIES; i++)
        if (strcmp(name, severity_names[i]) == 0) {
            *out = (ct_scan_severity)i;
            return CT_OK;
        }
    return CT_EINVAL;
}

const char *ct_scan_direction_name(unsigned bits)
{
    return bits >= 1 && bits <= 3 ? direction_names[bits] : NULL;
}

const char *ct_scan_exposure_name(unsigned bits)
{
    return bits >= 1 && bits <= 3 ? exposure_names[bits] : NULL;
}

static const char default_policy[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"categories\": {\n"
    "    \"sanctioned\": {\"severity\": \"SEVERE\", \"direction\": \"both\", \"exposure\": "
    "\"both\", \"max_hops\": 5, \"min_amount\": \"0\", \"min_usd\": \"0\", \"min_share\": "
    "\"0\"},\n"
    "    \"darknet\": {\"severity\": \"HIGH\", \"direction\": \"both\", \"exposure\": "
    "\"both\", \"max_hops\": 3, \"min_amount\": \"0\", \"min_usd\": \"0\", \"min_share\": "
    "\"0\"},\n"
    "    \"ransomware\": {\"severity\": \"HIGH\", \"direction\": \"both\", \"exposure\": "
    "\"both\", \"max_hops\": 3, \"min_amount\": \"0\", \"min_usd\": \"0\", \"min_share\": "
    "\"0\"},\n"
    "    \"hack\": {\"severity\": \"HIGH\", \"direction\": \"both\", \"exposure\": \"both\", "
    "\"max_hops\": 3, \"min_amount\": \"0\", \"min_usd\": \"0\", \"min_share\": \"0\"},\n"
    "    \"mixer\": {\"severity\": \"HIGH\", \"direction\": \"incoming\", \"exposure\": "
    "\"both\", \"max_hops\": 3, \"min_amount\": \"0\", \"min_usd\": \"0\", \"min_share\": "
    "\"0\"},\n"
    "    \"scam\": {\"severity\": \"HIGH\", \"direction\": \"both\", \"exposure\": \"direct\", "
    "\"max_hops\": 1, \"min_amount\": \"0\", \"min_usd\": \"0\", \"min_share\": \"0\"},\n"
    "    \"blocked\": {\"severity\": \"MEDIUM\", \"direction\": \"both\", \"exposure\": "
    "\"direct\", \"max_hops\": 1, \"min_amount\": \"0\", \"min_usd\": \"0\", \"min_share\": "
    "\"0\"},\n"
    "    \"gambling\": {\"severity\": \"MEDIUM\", \"direction\": \"both\", \"exposure\": "
    "\"direct\", \"max_hops\": 1, \"min_amount\": \"0\", \"min_usd\": \"100.00\", "
    "\"min_share\": \"0.05\"}\n"
    "  }\n"
    "}\n";

const char *ct_scan_policy_default_json(void)
{
    return default_policy;
}

/* The policy as a JSON document; from a YAML file, the JSON it was turned into and where
 * each of its tokens came from (yaml.h), so that errors name the YAML file's line. */
typedef struct pdoc {
    ct_json_doc d;
    const ct_yaml_pos *yaml;
    size_t n_yaml;
} pdoc;

/* Fails with "line L, column C: WHAT" at node i. */
static int fail_at(ct_error *err, const pdoc *P, uint32_t i, const char *reason, const char *fmt,
                   ...) CT_PRINTF(5, 6);
static int fail_at(ct_error *err, const pdoc *P, uint32_t i, const char *reason, const char *fmt,
                   ...)
{
    const ct_json_doc *d = &P->d;
    uint64_t line, col;
    size_t off = d->nodes[i].off;
    if (d->nodes[i].type == CT_JSON_STRING && off > 0)
        off--; /* at the opening quote */
    if (P->yaml)
        ct_yaml_pos_of(P->yaml, P->n_yaml, off, &line, &col);
    else
        ct_json_line_col(d->text, d->len, off, &line, &col);
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (err)
        err->offset = P->yaml ? UINT64_MAX : off;
    return ct_fail(err, CT_EINVAL, reason, "line %llu, column %llu: %s", (unsigned long long)line,
                   (unsigned long long)col, what);
}

/* The string value of node i into buf (at most cap - 1 bytes, no NUL inside), or false. */
static bool str_of(const ct_json_doc *d, uint32_t i, char *buf, size_t cap)
{
    if (ct_json_type_of(d, i) != CT_JSON_STRING || (d->nodes[i].flags & CT_JSON_ESCAPED))
        return false;
    size_t len;
    const char *s = ct_json_raw(d, i, &len);
    if (len >= cap)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

/* Parses "D[.F]" with at most `decimals` digits after the point into value * 10^decimals,
 * at most max. */
static bool decimal(const char *s, unsigned decimals, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    unsigned frac = 0;
    bool point = false, digits = false;
    if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
        return false; /* leading zero */
    for (const char *p = s; *p; p++) {
        if (*p == '.') {
            if (point || !digits || p[1] == '\0')
                return false;
            point = true;
            continue;
        }
        if (*p < '0' || *p > '9')
            return false;
        if (point && ++frac > decimals)
            return false;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
            return false;
        digits = true;
    }
    if (!digits)
        return false;
    for (; frac < decimals; frac++)
        if (__builtin_mul_overflow(v, 10, &v))
            return false;
    if (v > max)
        return false;
    *out = v;
    return true;
}

static int list_names(char *buf, size_t cap, const char *const *names, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        int w = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= cap - len)
            break;
        len += (size_t)w;
    }
    return CT_OK;
}

/* A name among names[0..n) (NULL entries skipped). */
static int pick(const pdoc *P, uint32_t v, const char *field, const char *kind,
                const char *const *names, size_t n, unsigned *out, ct_error *err)
{
    const ct_json_doc *d = &P->d;
    char s[64];
    if (ct_json_type_of(d, v) != CT_JSON_STRING)
        return fail_at(err, P, v, "policy-bad-value", "'%s' must be a string", field);
    if (str_of(d, v, s, sizeof(s)))
        for (size_t i = 0; i < n; i++)
            if (names[i] && strcmp(s, names[i]) == 0) {
                *out = (unsigned)i;
                return CT_OK;
            }
    size_t len;
    const char *raw = ct_json_raw(d, v, &len);
    char list[400];
    list_names(list, sizeof(list), names, n);
    return fail_at(err, P, v, "policy-unknown-name", "unknown %s '%.*s' (valid: %s)", kind,
                   (int)(len > 40 ? 40 : len), raw, list);
}

static int parse_rule(const pdoc *P, uint32_t obj, const char *cat, ct_scan_rule *r, ct_error *err)
{
    const ct_json_doc *d = &P->d;
    if (ct_json_type_of(d, obj) != CT_JSON_OBJECT)
        return fail_at(err, P, obj, "policy-bad-value", "category '%s' must be an object", cat);
    static const char *const keys[] = {"severity",   "direction", "exposure", "max_hops",
                                       "min_amount", "min_usd",   "min_share"};
    unsigned seen = 0;
    for (uint32_t k = ct_json_first(d, obj); k; k = ct_json_next(d, obj, k + 1)) {
        uint32_t v = k + 1;
        int which = -1;
        for (int j = 0; j < 7; j++)
            if (ct_json_string_is(d, k, keys[j]))
                which = j;
        if (which < 0) {
            size_t len;
            const char *raw = ct_json_raw(d, k, &len);
            return fail_at(err, P, k, "policy-bad-value",
                           "unknown field '%.*s' in '%s' (valid: severity, direction, exposure, "
                           "max_hops, min_amount, min_usd, min_share)",
                           (int)(len > 40 ? 40 : len), raw, cat);
        }
        seen |= 1u << which;
        unsigned u = 0;
        uint64_t n;
        char s[64];
        int rc = CT_OK;
        switch (which) {
        case 0:
            rc = pick(P, v, "severity", "severity", severity_names, CT_SCAN_SEVERITIES, &u, err);
            r->severity = (ct_scan_severity)u;
            break;
        case 1:
            rc = pick(P, v, "direction", "direction", direction_names, 4, &u, err);
            r->direction = u;
            break;
        case 2:
            rc = pick(P, v, "exposure", "exposure", exposure_names, 4, &u, err);
            r->exposure = u;
            break;
        case 3:
            if (ct_json_type_of(d, v) != CT_JSON_NUMBER || ct_json_u64(d, v, &n) != CT_OK ||
                n < 1 || n > CT_SCAN_MAX_HOPS)
                return fail_at(err, P, v, "policy-bad-value",
                               "'max_hops' of '%s' must be a whole number from 1 to %u", cat,
                               CT_SCAN_MAX_HOPS);
            r->max_hops = (uint32_t)n;
            break;
        case 4:
            if (!str_of(d, v, s, sizeof(s)) || !decimal(s, 8, UINT64_MAX, &r->min_sat))
                return fail_at(err, P, v, "policy-bad-value",
                               "'min_amount' of '%s' must be a decimal string of coins with at "
                               "most 8 decimals (\"0.5\")",
                               cat);
            break;
        case 5:
            if (!str_of(d, v, s, sizeof(s)) || !decimal(s, 2, UINT64_MAX, &r->min_usd_cents))
                return fail_at(err, P, v, "policy-bad-value",
                               "'min_usd' of '%s' must be a decimal string of dollars with at "
                               "most 2 decimals (\"100.00\")",
                               cat);
            break;
        case 6:
            if (!str_of(d, v, s, sizeof(s)) || !decimal(s, 6, 1000000, &n))
                return fail_at(err, P, v, "policy-bad-value",
                               "'min_share' of '%s' must be a decimal string from 0 to 1 with "
                               "at most 6 decimals (\"0.05\")",
                               cat);
            r->min_share_ppm = (uint32_t)n;
            break;
        }
        if (rc != CT_OK)
            return rc;
    }
    for (int j = 0; j < 7; j++)
        if (!(seen & (1u << j)))
            return fail_at(err, P, obj, "policy-bad-value", "category '%s' has no '%s'", cat,
                           keys[j]);
    if (r->exposure == CT_SCAN_DIRECT && r->max_hops != 1)
        return fail_at(err, P, obj, "policy-bad-value",
                       "category '%s': exposure direct needs max_hops 1", cat);
    return CT_OK;
}

/* JSON when the first byte that is not white space is '{' (a byte order mark before it is
 * refused by the JSON parser, as before YAML was read); else the YAML subset. */
static bool is_json(const char *text, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    return i < len && text[i] == '{';
}

int ct_scan_policy_parse(ct_scan_policy *out, const char *text, size_t len, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    pdoc P = {.yaml = NULL, .n_yaml = 0};
    const ct_json_doc *d = &P.d;
    ct_json_init(&P.d);
    ct_json_options o = CT_JSON_OPTIONS_INIT;
    o.max_depth = 8;
    ct_buf json;
    ct_buf_init(&json, CT_SCAN_FILE_MAX);
    ct_yaml_pos *yaml = NULL;
    int rc;
    if (is_json(text, len)) {
        rc = ct_json_parse(&P.d, text, len, &o, err);
    } else {
        rc = ct_yaml_to_json(&json, &yaml, &P.n_yaml, text, len, "policy-yaml", err);
        P.yaml = yaml;
        if (rc == CT_OK) /* valid JSON by construction, within the depth */
            rc = ct_json_parse(&P.d, (const char *)json.data, json.len, &o, err);
    }
    if (rc != CT_OK)
        goto done;
    if (ct_json_type_of(d, 0) != CT_JSON_OBJECT) {
        rc = fail_at(err, &P, 0, "policy-bad-value", "the policy must be a JSON object");
        goto done;
    }
    uint32_t cats = 0;
    bool version = false;
    for (uint32_t k = ct_json_first(d, 0); k; k = ct_json_next(d, 0, k + 1)) {
        uint64_t v;
        if (ct_json_string_is(d, k, "version")) {
            if (ct_json_type_of(d, k + 1) != CT_JSON_NUMBER || ct_json_u64(d, k + 1, &v) ||
                v != 1) {
                rc = fail_at(err, &P, k + 1, "policy-bad-value", "'version' must be 1");
                goto done;
            }
            version = true;
        } else if (ct_json_string_is(d, k, "categories")) {
            cats = k + 1;
        } else {
            size_t kl;
            const char *raw = ct_json_raw(d, k, &kl);
            rc = fail_at(err, &P, k, "policy-bad-value",
                         "unknown field '%.*s' (valid: version, categories)",
                         (int)(kl > 40 ? 40 : kl), raw);
            goto done;
        }
    }
    if (!version || !cats) {
        rc = fail_at(err, &P, 0, "policy-bad-value", "the policy has no '%s'",
                     version ? "categories" : "version");
        goto done;
    }
    if (ct_json_type_of(d, cats) != CT_JSON_OBJECT) {
        rc = fail_at(err, &P, cats, "policy-bad-value", "'categories' must be an object");
        goto done;
    }
    const char *cat_names[CT_LABEL_CATEGORIES];
    for (unsigned c = 0; c < CT_LABEL_CATEGORIES; c++)
        cat_names[c] = ct_label_category_name((ct_label_category)c);
    for (uint32_t k = ct_json_first(d, cats); k; k = ct_json_next(d, cats, k + 1)) {
        unsigned c = 0;
        rc = pick(&P, k, "category", "category", cat_names, CT_LABEL_CATEGORIES, &c, err);
        if (rc != CT_OK)
            goto done;
        rc = parse_rule(&P, k + 1, cat_names[c], &out->rules[c], err);
        if (rc != CT_OK)
            goto done;
    }
done:
    ct_json_release(&P.d);
    ct_buf_release(&json);
    free(yaml);
    return rc;
}

int ct_scan_policy_read(ct_scan_policy *out, const char *path, ct_error *err)
{
    memset(out, 0, sizeof(*out));
    char *text;
    size_t len;
    int rc = ct_read_file(path, CT_SCAN_FILE_MAX, false, &text, &len, err);
    if (rc == CT_OK) {
        rc = ct_scan_policy_parse(out, text, len, err);
        free(text);
    }
    if (rc != CT_OK)
        ct_error_set_file(err, path);
    return rc;
}
