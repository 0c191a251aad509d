/* `trace --format html` (docs/html.md): the trace's manifest as the parameters table, the
 * flows and tables through engine/report (include/chaintrail/report.h), written to standard
 * output or, with -o PATH, through the safe file writer. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Digests in the byte order they were computed. */
static void hex_of(char *out, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static void day_or_open(char *out, size_t cap, int64_t t)
{
    if (t < 0) {
        snprintf(out, cap, "open");
        return;
    }
    char iso[160];
    /* cli_print_time writes to a FILE: format here the same way */
    int64_t days = t / 86400, secs = t % 86400;
    int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(iso, sizeof(iso), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y,
             (long long)m, (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
             (long long)(secs % 60));
    snprintf(out, cap, "%s", iso);
}

static void list24(char *out, size_t cap, const char (*v)[24], size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", v[i]);
}

/* One row of the parameters table, unless an earlier one failed. */
static void add_param(ct_report *rep, size_t t, int *rc, const char *k, const char *v)
{
    const char *row[2] = {k, v};
    if (*rc == CT_OK)
        *rc = ct_report_add_row(rep, t, row, CT_REPORT_NONE);
}
#define ROW(k, v) add_param(rep, t, &rc, (k), (v))

/* The rows every trace has, after the chain's own. */
static int common_params(ct_report *rep, size_t t, const cli_html_req *q, int64_t since,
                         int64_t until)
{
    char buf[4096], num[200];
    int rc = CT_OK;
    ROW("case", q->case_name ? q->case_name : "(none)");
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < q->n_src && len < sizeof(buf); i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? ", " : "", q->given[i]);
    ROW("sources", buf);
    day_or_open(num, sizeof(num), since);
    ROW("since", num);
    day_or_open(num, sizeof(num), until);
    ROW("until", num);
    len = 0;
    buf[0] = '\0';
    for (int m = 0; m < CT_MODEL_COUNT; m++)
        if (q->o->models & (1u << m))
            len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "," : "",
                                    ct_model_name((ct_model)m));
    ROW("models", buf);
    ROW("direction", q->o->backward ? "backward" : "forward");
    ROW("flows", q->o->poison_flows ? "whole" : "whole, poison's per hop");
    snprintf(num, sizeof(num), "%u", q->o->hops);
    ROW("hops", num);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)q->o->dust);
    ROW("dust", num);
    list24(buf, sizeof(buf), (const char(*)[24])q->o->stops, q->o->n_stops);
    ROW("stop", buf);
    list24(buf, sizeof(buf), (const char(*)[24])q->o->cashout, q->o->n_cashout);
    ROW("cash-out", buf);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)q->o->max_nodes);
    ROW("max nodes", num);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)q->timeout);
    ROW("timeout (s)", num);
    return rc;
}

static int params_table(ct_report *rep, size_t *t)
{
    static const char *const cols[] = {"parameter", "value"};
    return ct_report_add_table(rep, "Parameters and provenance",
                               "What the figures rest on: the tool, the database's tip, the "
                               "digests of the label set and price table, every parameter.",
                               cols, 2, 0, false, t);
}

static int notes(ct_report *rep, const cli_html_req *q, bool complete, const char *reason)
{
    char buf[4400];
    size_t len = (size_t)snprintf(buf, sizeof(buf), "Trace %s from",
                                  q->o->backward ? "backward" : "forward");
    if (q->case_name)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, " case %s:", q->case_name);
    for (size_t i = 0; i < q->n_src && len < sizeof(buf); i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %s", q->given[i]);
    int rc = ct_report_add_note(rep, buf);
    if (rc == CT_OK && !complete) {
        snprintf(buf, sizeof(buf), "INCOMPLETE: the budget ran out: %s", reason);
        rc = ct_report_add_note(rep, buf);
    }
    return rc;
}

/* Writes the report; the counts to standard error when written to a file. */
static int emit(ct_report *rep, const cli_html_req *q)
{
    ct_error err;
    ct_error_clear(&err);
    ct_report_html_options o = CT_REPORT_HTML_OPTIONS_INIT;
    o.force = q->force;
    ct_report_html_stats st;
    int rc;
    if (q->output) {
        rc = ct_report_html_write_path(rep, q->output, &st, &o, &err);
    } else {
        rc = ct_report_html_write(rep, stdout, &st, &o, &err);
        if (rc == CT_OK && fflush(stdout) != 0) {
            cli_error("trace", "cannot write standard output");
            return CT_EXIT_IO;
        }
    }
    if (rc != CT_OK)
        return cli_db_fail("trace", rc, &err);
    if (q->output) {
        fputs("chaintrail: trace: wrote ", stderr);
        cli_print_text(stderr, q->output);
        fprintf(stderr, " (html: %zu nodes and %zu edges drawn", st.nodes, st.edges);
        if (st.aggregated)
            fprintf(stderr, ", %zu of %zu nodes aggregated", st.aggregated, st.nodes_in);
        fputs(")\n", stderr);
    }
    return CT_EXIT_OK;
}

static char *title_of(const cli_html_req *q)
{
    char *t = malloc(300);
    if (!t)
        return NULL;
    if (q->case_name)
        snprintf(t, 300, "chaintrail trace: case %.200s", q->case_name);
    else if (q->n_src == 1)
        snprintf(t, 300, "chaintrail trace from %.200s", q->given[0]);
    else
        snprintf(t, 300, "chaintrail trace from %.160s and %zu more", q->given[0], q->n_src - 1);
    return t;
}

/* The model with its title, notes and the parameters table (*t); *rep NULL when out of
 * memory (said). */
static int begin(ct_report **rep, size_t *t, const cli_html_req *q, bool complete,
                 const char *reason)
{
    char *title = title_of(q);
    *rep = title ? ct_report_new(title) : NULL;
    free(title);
    if (!*rep) {
        cli_error("trace", "out of memory");
        return CT_ENOMEM;
    }
    int rc = notes(*rep, q, complete, reason);
    if (rc == CT_OK)
        rc = params_table(*rep, t);
    return rc;
}

/* Writes the model when it was built (rc CT_OK) and frees it; the exit code. */
static int finish(ct_report *rep, const cli_html_req *q, int rc)
{
    int exit_code =
        rc == CT_OK ? emit(rep, q) : (cli_error("trace", "out of memory"), CT_EXIT_FAILURE);
    ct_report_free(rep);
    return exit_code;
}

int cli_trace_html(const cli_html_req *q, const cli_trace_env *env, const ct_trace_result *res,
                   const ct_trace_source *src)
{
    ct_report *rep;
    size_t t;
    int rc = begin(&rep, &t, q, res->complete, res->incomplete_reason);
    if (!rep)
        return CT_EXIT_FAILURE;
    ct_error err;
    ct_error_clear(&err);
    char buf[200], hex[65];
    ROW("chaintrail", ct_version());
    ROW("network", env->stats.network);
    ct_hash_to_hex(hex, env->stats.tip);
    snprintf(buf, sizeof(buf), "%u %s", env->stats.height, hex);
    ROW("database tip", buf);
    ROW("asset", env->asset);
    hex_of(hex, env->prices_digest, 32);
    ROW("prices digest", hex);
    hex_of(hex, env->labels_digest, 32);
    ROW("labels digest", hex);
    uint8_t cd[32];
    if (ct_trace_graph_db_clusters(env->graph, cd)) {
        hex_of(hex, cd, 32);
        snprintf(buf, sizeof(buf), "used, policy digest %s", hex);
        ROW("clusters", buf);
    } else {
        ROW("clusters", "not used");
    }
    ROW("complete", res->complete ? "yes" : res->incomplete_reason);
    if (rc == CT_OK)
        rc = common_params(rep, t, q, src[0].from_time, src[0].to_time);
    if (rc == CT_OK)
        rc = ct_report_from_trace(rep, res, env->asset, 0, &err);
    return finish(rep, q, rc);
}

int cli_trace_html_acct(const cli_acct_trace_req *aq, uint64_t chain_id,
                        const ct_eth_block_info *tip, const uint8_t prices_digest[32],
                        const uint8_t labels_digest[32], const ct_acct_trace_result *res)
{
    const cli_html_req req = {aq->output, aq->force, aq->case_name, aq->given,
                              aq->n_src,  aq->o,     aq->timeout};
    const cli_html_req *q = &req;
    const ct_trace_source *src = aq->src;
    ct_report *rep;
    size_t t;
    int rc = begin(&rep, &t, q, res->complete, res->incomplete_reason);
    if (!rep)
        return CT_EXIT_FAILURE;
    ct_error err;
    ct_error_clear(&err);
    char buf[200], hex[65];
    ROW("chaintrail", ct_version());
    snprintf(buf, sizeof(buf), "ethereum, chain id %llu", (unsigned long long)chain_id);
    ROW("chain", buf);
    hex_of(hex, tip->hash, 32);
    snprintf(buf, sizeof(buf), "%u 0x%s", tip->height, hex);
    ROW("database tip", buf);
    hex_of(hex, prices_digest, 32);
    ROW("prices digest", hex);
    hex_of(hex, labels_digest, 32);
    ROW("labels digest", hex);
    ROW("complete", res->complete ? "yes" : res->incomplete_reason);
    if (rc == CT_OK)
        rc = common_params(rep, t, q, src[0].from_time, src[0].to_time);
    if (rc == CT_OK)
        rc = ct_report_from_acct_trace(rep, res, 0, &err);
    return finish(rep, q, rc);
}
