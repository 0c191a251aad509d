/* Trace benchmark: time and peak RSS per model at hop limits 5, 10 and 20 over an existing
 * database. Usage: bench_trace DBDIR [--model all|NAME] [--hops H] SOURCE [SOURCE...]
 * With --model and --hops, one configuration only (bench/run runs each in its own process
 * so that the peak RSS is that configuration's); each line is followed by a "result" line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "chaintrail/chaintrail.h"

int main(int argc, char **argv)
{
    int first = 2, only_model = -2;
    uint32_t only_hops = 0;
    while (argc - first > 2) {
        if (strcmp(argv[first], "--model") == 0) {
            ct_model m;
            if (strcmp(argv[first + 1], "all") == 0)
                only_model = -1;
            else if (ct_model_parse(&m, argv[first + 1]) == CT_OK)
                only_model = (int)m;
            else
                return 2;
        } else if (strcmp(argv[first], "--hops") == 0) {
            only_hops = (uint32_t)strtoul(argv[first + 1], NULL, 10);
        } else {
            break;
        }
        first += 2;
    }
    if (argc - first < 1) {
        fprintf(stderr, "usage: bench_trace DBDIR [--model M] [--hops H] SOURCE [SOURCE...]\n");
        return 2;
    }
    ct_db *db = bench_open_db(argv[1], false);
    if (!db)
        return 1;
    ct_error err;
    ct_error_clear(&err);
    size_t n = (size_t)(argc - first);
    ct_trace_source *src = calloc(n, sizeof(*src));
    for (size_t i = 0; i < n; i++) {
        snprintf(src[i].spec, sizeof(src[i].spec), "%s", argv[first + i]);
        src[i].from_time = src[i].to_time = -1;
    }
    static const uint32_t hops[] = {5, 10, 20};
    printf("%-8s %5s %10s %10s %12s %12s\n", "model", "hops", "ms/trace", "txs", "endpoints",
           "peak RSS MB");
    for (int m = -1; m < CT_MODEL_COUNT; m++) {
        if (only_model != -2 && m != only_model)
            continue;
        for (size_t h = 0; h < 3; h++) {
            if (only_hops && hops[h] != only_hops)
                continue;
            ct_trace_options o;
            ct_trace_options_init(&o);
            o.models = m < 0 ? CT_MODELS_ALL : 1u << m;
            o.hops = hops[h];
            ct_trace_graph *g;
            if (ct_trace_graph_db(&g, db, &err) != CT_OK)
                return 1;
            double t0 = bench_now(), t;
            int runs = 0;
            ct_trace_result r;
            size_t eps = 0;
            uint64_t txs = 0;
            do {
                if (ct_trace_run(&r, g, src, n, &o, &err) != CT_OK) {
                    fprintf(stderr, "trace failed: %s %s\n", err.reason, err.detail);
                    return 1;
                }
                eps = 0;
                for (int k = 0; k < CT_MODEL_COUNT; k++)
                    eps += r.model[k].n_endpoints;
                txs = r.txs_processed;
                ct_trace_result_release(&r);
                runs++;
                t = bench_now() - t0;
            } while (t < 0.5);
            ct_trace_graph_db_free(g);
            printf("%-8s %5u %10.3f %10llu %12zu %12.1f\n",
                   m < 0 ? "all" : ct_model_name((ct_model)m), hops[h], t * 1000 / runs,
                   (unsigned long long)txs, eps, (double)bench_peak_rss_kb() / 1024);
            printf("result trace model=%s hops=%u ms=%.3f runs=%d txs=%llu endpoints=%zu "
                   "rss_kb=%ld\n",
                   m < 0 ? "all" : ct_model_name((ct_model)m), hops[h], t * 1000 / runs, runs,
                   (unsigned long long)txs, eps, bench_peak_rss_kb());
        }
    }
    free(src);
    ct_db_close(db);
    return 0;
}
