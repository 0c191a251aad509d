/* Ethereum ingest benchmark: on real mainnet blocks with all their receipts, the time to
 * turn saved JSON-RPC responses into checked block bundles (JSON parse, field checks, hash
 * recomputation and sender recovery of every transaction), and the time of the whole
 * ingest (the same plus events, rows, undo and one synchronous LevelDB batch per block),
 * each repeated and reported as transactions/s and logs/s.
 * Usage: bench_eth_ingest DBDIR ROUNDS BLOCK.json RECEIPTS.json [BLOCK RECEIPTS...]
 * (DBDIR is created and removed for every round). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "chaintrail/chaintrail.h"
#include "ethereum/eth_source.h"

static void rmdb(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int main(int argc, char **argv)
{
    if (argc < 5 || (argc - 3) % 2) {
        fprintf(stderr, "usage: bench_eth_ingest DBDIR ROUNDS BLOCK.json RECEIPTS.json...\n");
        return 2;
    }
    const char *dir = argv[1];
    int rounds = atoi(argv[2]);
    if (rounds < 1)
        rounds = 1;
    for (int p = 3; p < argc; p += 2) {
        const char *files[2] = {argv[p], argv[p + 1]};
        uint64_t txs = 0, logs = 0, events = 0;
        double t_bundle = 0, t_ingest = 0;
        uint64_t height = 0;
        for (int r = 0; r < rounds; r++) {
            /* 1. bundles only */
            ct_eth_source src;
            ct_error err;
            ct_error_clear(&err);
            double t0 = bench_now();
            if (ct_eth_source_json(&src, files, 2, &err) != CT_OK) {
                fprintf(stderr, "%s: %s %s\n", files[0], err.reason, err.detail);
                return 1;
            }
            uint64_t lo, hi;
            if (src.ops->range(src.ctx, &lo, &hi, &err) != CT_OK)
                return 1;
            for (uint64_t h = lo; h <= hi; h++) {
                ct_eth_bundle b;
                if (src.ops->block(src.ctx, h, &b, &err) != CT_OK ||
                    ct_eth_bundle_check(&b, &err) != CT_OK ||
                    ct_eth_bundle_verify_txs(&b, 1, &err) != CT_OK) {
                    fprintf(stderr, "%s: %s %s\n", files[0], err.reason, err.detail);
                    return 1;
                }
                height = h;
            }
            src.ops->close(src.ctx);
            t_bundle += bench_now() - t0;
            /* 2. the whole ingest into a fresh database */
            rmdb(dir);
            ct_db *db;
            ct_db_options o = CT_DB_OPTIONS_INIT;
            o.create = true;
            if (ct_db_open(&db, dir, &o, &err) != CT_OK)
                return 1;
            ct_eth_ingest_stats st;
            t0 = bench_now();
            if (ct_eth_ingest_json(db, &st, files, 2, NULL, &err) != CT_OK) {
                fprintf(stderr, "%s: %s %s\n", files[0], err.reason, err.detail);
                return 1;
            }
            t_ingest += bench_now() - t0;
            ct_db_close(db);
            txs = st.txs;
            logs = st.logs;
            events = st.events;
        }
        rmdb(dir);
        printf("block %llu: %llu txs, %llu logs, %llu events; %d rounds\n",
               (unsigned long long)height, (unsigned long long)txs, (unsigned long long)logs,
               (unsigned long long)events, rounds);
        printf("  bundles (parse + checks + keccak + sender recovery): %8.2f ms/block  %9.0f "
               "tx/s  %9.0f logs/s\n",
               1e3 * t_bundle / rounds, txs * rounds / t_bundle, logs * rounds / t_bundle);
        printf("  ingest  (bundles + events + rows + undo + sync write): %6.2f ms/block  %9.0f "
               "tx/s  %9.0f logs/s  %9.0f events/s\n",
               1e3 * t_ingest / rounds, txs * rounds / t_ingest, logs * rounds / t_ingest,
               events * rounds / t_ingest);
        printf("result eth-ingest block=%llu txs=%llu logs=%llu events=%llu rounds=%d "
               "ms_per_block=%.3f tx_per_s=%.0f logs_per_s=%.0f events_per_s=%.0f "
               "bundle_tx_per_s=%.0f\n",
               (unsigned long long)height, (unsigned long long)txs, (unsigned long long)logs,
               (unsigned long long)events, rounds, 1e3 * t_ingest / rounds,
               txs * rounds / t_ingest, logs * rounds / t_ingest, events * rounds / t_ingest,
               txs * rounds / t_bundle);
    }
    return 0;
}
