/* A test tool of the end-to-end test (e2e.py): runs the account-model tracer
 * (ct_acct_trace_run) over a database through ct_acct_graph_db, exactly as the engine
 * would, and prints the figures in the output form of tests/tools/acct_reference.py so the
 * two can be compared field by field. It stands in for `chaintrail trace` until the trace
 * command routes Ethereum sources to the account-model tracer.
 *
 * Usage: ethnode_trace DB SOURCE...   (SOURCE: a transaction hash or an address, 0x...)
 * Output: {"models": {m: {asset: {"source", "categories": {name: {"amount"}},
 *          "endpoints": [[address, category, taint, hops, flows, first_height, first_time,
 *                         last_height, last_time]]}}}, "events": n}
 * Addresses are lowercase (the reference's form); exit 1 on any error, named on stderr. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/chaintrail.h"
#include "chaintrail/acct_trace.h"

static const char *const MODEL_NAMES[CT_MODEL_COUNT] = {"poison", "haircut", "fifo", "lifo",
                                                        "tiho"};

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ethnode_trace DB SOURCE...\n");
        return 2;
    }
    ct_db *db = NULL;
    ct_db_options dbo = CT_DB_OPTIONS_INIT;
    ct_error err;
    ct_error_clear(&err);
    if (ct_db_open(&db, argv[1], &dbo, &err) != CT_OK) {
        fprintf(stderr, "ethnode_trace: %s: %s\n", err.reason, err.detail);
        return 1;
    }
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    ct_acct_graph g;
    if (!snap || ct_acct_graph_db(&g, db, snap, &err) != CT_OK) {
        fprintf(stderr, "ethnode_trace: graph: %s\n", err.detail);
        return 1;
    }
    size_t n = (size_t)argc - 2;
    ct_trace_source *src = calloc(n, sizeof(*src));
    for (size_t i = 0; i < n; i++) {
        snprintf(src[i].spec, sizeof(src[i].spec), "%s", argv[2 + i]);
        src[i].from_time = src[i].to_time = -1;
    }
    ct_trace_options o;
    ct_trace_options_init(&o);
    ct_acct_trace_result res;
    memset(&res, 0, sizeof(res));
    int rc = ct_acct_trace_run(&res, &g, src, n, &o, NULL, &err);
    if (rc != CT_OK) {
        fprintf(stderr, "ethnode_trace: trace: %s: %s: %s\n", ct_strerror(rc), err.reason,
                err.detail);
        return 1;
    }
    printf("{\"events\": %llu, \"complete\": %s, \"models\": {",
           (unsigned long long)res.source_events, res.complete ? "true" : "false");
    bool first_m = true;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        if (!res.model[m])
            continue;
        printf("%s\"%s\": {", first_m ? "" : ", ", MODEL_NAMES[m]);
        first_m = false;
        bool first_a = true;
        for (size_t a = 0; a < res.n_assets; a++) {
            const ct_acct_asset_result *r = &res.model[m][a];
            char dec[CT_U256_DEC_MAX];
            ct_u256_to_dec(dec, sizeof(dec), &r->source);
            printf("%s\"%u\": {\"source\": \"%s\", \"symbol\": \"%s\", \"decimals\": %u, "
                   "\"categories\": {",
                   first_a ? "" : ", ", res.assets[a].asset, dec, res.assets[a].symbol,
                   res.assets[a].decimals);
            first_a = false;
            for (size_t c = 0; c < r->n_categories; c++) {
                ct_u256_to_dec(dec, sizeof(dec), &r->categories[c].amount);
                printf("%s\"%s\": {\"amount\": \"%s\"}", c ? ", " : "", r->categories[c].name,
                       dec);
            }
            printf("}, \"endpoints\": [");
            for (size_t e = 0; e < r->n_endpoints; e++) {
                const ct_acct_endpoint *p = &r->endpoints[e];
                char addr[43];
                snprintf(addr, sizeof(addr), "%s", p->address);
                lower(addr);
                ct_u256_to_dec(dec, sizeof(dec), &p->taint);
                printf("%s[\"%s\", \"%s\", \"%s\", %u, %llu, %u, %u, %u, %u]", e ? ", " : "",
                       addr, p->category, dec, p->hops, (unsigned long long)p->flows,
                       p->first_height, p->first_time, p->last_height, p->last_time);
            }
            printf("]}");
        }
        printf("}");
    }
    printf("}}\n");
    ct_acct_trace_result_release(&res);
    free(src);
    ct_acct_graph_db_free(&g);
    ct_db_snapshot_free(db, snap);
    ct_db_close(db);
    return 0;
}
