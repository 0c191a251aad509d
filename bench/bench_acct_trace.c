/* Account-model trace benchmark: time, events processed and peak RSS of ct_acct_trace_run.
 *   bench_acct_trace synth [EVENTS [ADDRESSES]]  an in-memory random chain (the tracer alone,
 *                                                no LevelDB): ETH and three tokens, a few
 *                                                busy addresses, fees; sources: 8 addresses
 *   bench_acct_trace DBDIR SOURCE [SOURCE...]     a database (ct_acct_graph_db)
 * Prints one line per model set (all five at once, then each alone) and hop limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "chaintrail/chaintrail.h"

/* ---- an in-memory chain with a per-ledger index ---- */
#define N_ASSET 4

typedef struct synth {
    ct_acct_event *ev;
    size_t n;
    uint64_t n_addr;
    uint32_t **idx; /* per ledger (addr * N_ASSET + asset): event indexes in order */
    uint32_t *n_idx, *cap_idx;
} synth;

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void idx_add(synth *g, uint64_t addr, uint32_t asset, uint32_t i)
{
    size_t l = addr * N_ASSET + asset;
    if (g->n_idx[l] == g->cap_idx[l]) {
        g->cap_idx[l] = g->cap_idx[l] ? 2 * g->cap_idx[l] : 4;
        g->idx[l] = realloc(g->idx[l], g->cap_idx[l] * sizeof(uint32_t));
        if (!g->idx[l])
            exit(1);
    }
    g->idx[l][g->n_idx[l]++] = i;
}

static uint64_t pick_addr(uint64_t *s, uint64_t n)
{
    /* one transfer in four touches one of the 64 busiest addresses */
    return rnd(s) % 4 == 0 ? 1 + rnd(s) % 64 : 1 + rnd(s) % n;
}

static void synth_make(synth *g, size_t n_events, uint64_t n_addr)
{
    uint64_t s = 0x2545f4914f6cdd1dULL;
    memset(g, 0, sizeof(*g));
    g->n_addr = n_addr;
    g->ev = calloc(n_events, sizeof(*g->ev));
    size_t nl = (n_addr + 1) * N_ASSET;
    g->idx = calloc(nl, sizeof(*g->idx));
    g->n_idx = calloc(nl, sizeof(*g->n_idx));
    g->cap_idx = calloc(nl, sizeof(*g->cap_idx));
    if (!g->ev || !g->idx || !g->n_idx || !g->cap_idx)
        exit(1);
    uint32_t h = 1, txi = 0, pos = 0;
    while (g->n < n_events) {
        if (rnd(&s) % 100 == 0) { /* a new block about every 100 events */
            h++;
            txi = 0;
        }
        uint64_t from = pick_addr(&s, n_addr);
        int k = (int)(1 + rnd(&s) % 3);
        pos = 0;
        for (int j = 0; j < k + 1 && g->n < n_events; j++) {
            ct_acct_event *e = &g->ev[g->n];
            e->at = (ct_acct_pos){h, txi, pos++};
            e->time = 1600000000u + h * 12u;
            e->txhash[0] = 1;
            memcpy(e->txhash + 1, &g->n, sizeof(g->n));
            if (j == k) { /* the fee */
                e->kind = CT_ACCT_FEE_BURNT;
                e->asset = 0;
                e->from = from;
                e->to = 0;
                e->amount = ct_u256_from_u64(1000000 + rnd(&s) % 1000000000000ULL);
            } else {
                e->kind = j == 0 ? CT_ACCT_NATIVE : CT_ACCT_TOKEN;
                e->asset = j == 0 ? 0 : (uint32_t)(1 + rnd(&s) % (N_ASSET - 1));
                e->from = j == 0 ? from : pick_addr(&s, n_addr);
                e->to = pick_addr(&s, n_addr);
                e->amount = ct_u256_from_u64(1 + rnd(&s) % 3000000000000000000ULL);
            }
            if (e->from)
                idx_add(g, e->from, e->asset, (uint32_t)g->n);
            if (e->to && e->to != e->from)
                idx_add(g, e->to, e->asset, (uint32_t)g->n);
            g->n++;
        }
        txi++;
    }
}

static int s_next(void *ctx, uint64_t addrid, uint32_t asset, const ct_acct_pos *after,
                  ct_acct_event *ev, ct_error *err)
{
    (void)err;
    synth *g = ctx;
    size_t l = addrid * N_ASSET + asset;
    uint32_t lo = 0, hi = g->n_idx[l];
    while (after && lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (ct_acct_pos_cmp(&g->ev[g->idx[l][mid]].at, after) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= g->n_idx[l])
        return CT_ENOTFOUND;
    *ev = g->ev[g->idx[l][lo]];
    return CT_OK;
}

static int s_assets(void *ctx, uint64_t addrid, int (*fn)(void *arg, uint32_t asset), void *arg,
                    ct_error *err)
{
    (void)err;
    synth *g = ctx;
    for (uint32_t a = 0; a < N_ASSET; a++)
        if (g->n_idx[addrid * N_ASSET + a] && fn(arg, a))
            return 1;
    return CT_OK;
}

static int s_tx(void *ctx, const uint8_t hash[32], int (*fn)(void *arg, const ct_acct_event *ev),
                void *arg, ct_error *err)
{
    (void)ctx, (void)hash, (void)fn, (void)arg, (void)err;
    return CT_ENOTFOUND;
}

static int s_addrid(void *ctx, const char *address, uint64_t *addrid, ct_error *err)
{
    (void)ctx, (void)err;
    *addrid = strtoull(address + 2, NULL, 16);
    return CT_OK;
}

static int s_address(void *ctx, uint64_t addrid, char out[43], ct_error *err)
{
    (void)ctx, (void)err;
    snprintf(out, 43, "0x%040llx", (unsigned long long)addrid);
    return CT_OK;
}

static int s_label(void *ctx, uint64_t addrid, char *category, size_t csize, char *label,
                   size_t lsize, ct_error *err)
{
    (void)ctx, (void)err;
    if (addrid % 97 != 0) /* about 1% are exchange deposit addresses */
        return CT_ENOTFOUND;
    snprintf(category, csize, "exchange");
    snprintf(label, lsize, "exchange %llu", (unsigned long long)addrid);
    return CT_OK;
}

static int s_asset_info(void *ctx, uint32_t asset, char *symbol, size_t ssize, uint8_t *decimals,
                        bool *known, char contract[43], ct_error *err)
{
    (void)ctx, (void)err;
    snprintf(symbol, ssize, asset ? "TK%u" : "ETH", asset);
    *decimals = 18;
    *known = true;
    if (asset)
        snprintf(contract, 43, "0x%040x", 0xc0000u + asset);
    else
        contract[0] = '\0';
    return CT_OK;
}

static int s_tip(void *ctx, uint32_t *height, uint32_t *time, ct_error *err)
{
    (void)err;
    synth *g = ctx;
    *height = g->ev[g->n - 1].at.height;
    *time = g->ev[g->n - 1].time;
    return CT_OK;
}

static void run_all(const ct_acct_graph *g, const ct_trace_source *src, size_t n_src)
{
    static const uint32_t hops[] = {5, 10, 20};
    printf("%-8s %5s %10s %12s %12s %10s %12s\n", "model", "hops", "ms/trace", "events", "events/s",
           "endpoints", "peak RSS MB");
    for (int m = -1; m < CT_MODEL_COUNT; m++)
        for (size_t h = 0; h < 3; h++) {
            ct_trace_options o;
            ct_trace_options_init(&o);
            o.models = m < 0 ? CT_MODELS_ALL : 1u << m;
            o.hops = hops[h];
            ct_acct_trace_result r;
            ct_error err;
            ct_error_clear(&err);
            double t0 = bench_now();
            if (ct_acct_trace_run(&r, g, src, n_src, &o, NULL, &err) != CT_OK) {
                fprintf(stderr, "trace failed: %s: %s\n", err.reason, err.detail);
                exit(1);
            }
            double dt = bench_now() - t0;
            size_t eps = 0;
            for (int k = 0; k < CT_MODEL_COUNT; k++)
                for (size_t a = 0; r.model[k] && a < r.n_assets; a++)
                    eps += r.model[k][a].n_endpoints;
            printf("%-8s %5u %10.1f %12llu %12.0f %10zu %12.1f\n",
                   m < 0 ? "all" : ct_model_name((ct_model)m), hops[h], dt * 1e3,
                   (unsigned long long)r.events_processed, (double)r.events_processed / dt, eps,
                   (double)bench_peak_rss_kb() / 1024.0);
            /* the machine-readable line bench/run reads */
            printf("result acct-trace model=%s hops=%u ms=%.3f events=%llu endpoints=%zu "
                   "rss_kb=%ld\n",
                   m < 0 ? "all" : ct_model_name((ct_model)m), hops[h], dt * 1e3,
                   (unsigned long long)r.events_processed, eps, bench_peak_rss_kb());
            ct_acct_trace_result_release(&r);
        }
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "synth") == 0) {
        size_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 200000;
        uint64_t na = argc > 3 ? strtoull(argv[3], NULL, 10) : 20000;
        synth s;
        double t0 = bench_now();
        synth_make(&s, n, na);
        printf("synthetic chain: %zu events, %llu addresses, %u assets (built in %.1f s, "
               "RSS %.1f MB)\n",
               s.n, (unsigned long long)na, N_ASSET, bench_now() - t0, (double)bench_peak_rss_kb() / 1024.0);
        ct_acct_graph g = {&s,        s_next,  s_assets,     s_tx, s_addrid,
                           s_address, s_label, s_asset_info, s_tip};
        ct_trace_source src[8];
        for (int i = 0; i < 8; i++) {
            snprintf(src[i].spec, sizeof(src[i].spec), "0x%040llx",
                     (unsigned long long)(1000 + 7 * i));
            src[i].from_time = src[i].to_time = -1;
        }
        run_all(&g, src, 8);
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: bench_acct_trace synth [EVENTS [ADDRESSES]]\n"
                        "       bench_acct_trace DBDIR SOURCE [SOURCE...]\n");
        return 2;
    }
    ct_db *db = bench_open_db(argv[1], false);
    if (!db)
        return 1;
    ct_error err;
    ct_error_clear(&err);
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    ct_acct_graph g;
    if (!snap || ct_acct_graph_db(&g, db, snap, &err) != CT_OK) {
        fprintf(stderr, "cannot read the account graph: %s\n", err.detail);
        return 1;
    }
    size_t n = (size_t)(argc - 2);
    ct_trace_source *src = calloc(n, sizeof(*src));
    for (size_t i = 0; i < n; i++) {
        snprintf(src[i].spec, sizeof(src[i].spec), "%s", argv[2 + i]);
        src[i].from_time = src[i].to_time = -1;
    }
    run_all(&g, src, n);
    free(src);
    ct_acct_graph_db_free(&g);
    ct_db_snapshot_free(db, snap);
    ct_db_close(db);
    return 0;
}
