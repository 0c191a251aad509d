/* Ingest benchmark: decode-only throughput and ingest throughput on the same input, in one
 * run, so that the cost of storing shows as a ratio; peak RSS of each phase.
 * Usage: bench_ingest [--network N] [--group-txs N] [--no-settle] [--no-clusters] DBDIR PATH...
 * (DBDIR must not exist). After the ingest the database is settled as `chaintrail ingest`
 * does (ct_db_settle), timed apart, unless --no-settle.
 * The last three lines ("result decode ...", "result ingest ...", "result settle ...") are
 * for bench/run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "chaintrail/chaintrail.h"

static int decode_all(const char *const *paths, size_t n, const ct_btc_params *net,
                      uint64_t *blocks, uint64_t *txs, uint64_t *bytes)
{
    ct_btc_reader *r;
    ct_btc_reader_options ro = CT_BTC_READER_OPTIONS_INIT;
    ct_btc_block blk;
    ro.net = net;
    if (ct_btc_reader_open(&r, paths, n, &ro, NULL) != CT_OK)
        return -1;
    ct_btc_block_init(&blk);
    for (;;) {
        ct_btc_record rec;
        int rc = ct_btc_reader_next(r, &rec, NULL);
        if (rc == CT_EEOF)
            break;
        if (rc != CT_OK)
            continue;
        if (ct_btc_block_decode(&blk, rec.data, rec.len, net, 0, NULL) == CT_OK) {
            (*blocks)++;
            *txs += blk.n_tx;
            *bytes += rec.len;
        }
    }
    ct_btc_block_release(&blk);
    ct_btc_reader_free(r);
    return 0;
}

int main(int argc, char **argv)
{
    const char *network = "mainnet";
    uint64_t group_txs = 0;
    int settle = 1, clusters = 1;
    int i = 1;
    for (;;) {
        if (argc - i > 2 && strcmp(argv[i], "--no-settle") == 0) {
            settle = 0;
            i++;
            continue;
        }
        if (argc - i > 2 && strcmp(argv[i], "--no-clusters") == 0) {
            clusters = 0;
            i++;
            continue;
        }
        if (argc - i > 2 && strcmp(argv[i], "--network") == 0) {
            network = argv[i + 1];
            i += 2;
        } else if (argc - i > 2 && strcmp(argv[i], "--group-txs") == 0) {
            group_txs = strtoull(argv[i + 1], NULL, 10);
            i += 2;
        } else {
            break;
        }
    }
    if (argc - i < 2) {
        fprintf(stderr,
                "usage: bench_ingest [--network N] [--group-txs N] [--no-settle] [--no-clusters] "
                "DBDIR PATH...\n");
        return 2;
    }
    const char *dbdir = argv[i];
    const char *const *paths = (const char *const *)argv + i + 1;
    size_t n = (size_t)(argc - i - 1);
    const ct_btc_params *net = ct_btc_params_get(network);
    if (!net)
        return 2;

    uint64_t blocks = 0, txs = 0, bytes = 0;
    double c0 = bench_cpu_seconds();
    double t0 = bench_now();
    if (decode_all(paths, n, net, &blocks, &txs, &bytes) != 0)
        return 1;
    double td = bench_now() - t0, cd = bench_cpu_seconds() - c0;
    long rss_decode = bench_peak_rss_kb();

    ct_db *db = bench_open_db(dbdir, true);
    if (!db)
        return 1;
    ct_error err;
    ct_error_clear(&err);
    ct_ingest_options io = CT_INGEST_OPTIONS_INIT;
    ct_ingest_stats st;
    io.net = net;
    io.group_txs = group_txs;
    io.no_clusters = !clusters;
    c0 = bench_cpu_seconds();
    t0 = bench_now();
    int rc = ct_ingest_bitcoin(db, &st, paths, n, &io, &err);
    double ti = bench_now() - t0, ci = bench_cpu_seconds() - c0;
    if (rc != CT_OK) {
        ct_db_close(db);
        fprintf(stderr, "ingest failed: %s %s\n", err.reason, err.detail);
        return 1;
    }
    ct_db_settle_stats ss;
    memset(&ss, 0, sizeof(ss));
    double ts = 0, cs = 0;
    if (settle) {
        c0 = bench_cpu_seconds();
        t0 = bench_now();
        rc = ct_db_settle(db, &ss, NULL, &err);
        ts = bench_now() - t0;
        cs = bench_cpu_seconds() - c0;
        if (rc != CT_OK || ss.outcome != CT_SETTLE_DONE) {
            ct_db_close(db);
            fprintf(stderr, "settling failed: %s %s\n", err.reason, err.detail);
            return 1;
        }
    }
    ct_db_close(db);
    long rss_ingest = bench_peak_rss_kb();

    printf("%-8s %10s %12s %12s %10s %12s\n", "phase", "blocks", "blocks/s", "tx/s", "MB/s",
           "peak RSS MB");
    printf("%-8s %10llu %12.0f %12.0f %10.1f %12.1f\n", "decode", (unsigned long long)blocks,
           (double)blocks / td, (double)txs / td, (double)bytes / td / 1e6,
           (double)rss_decode / 1024);
    printf("%-8s %10llu %12.0f %12.0f %10.1f %12.1f\n", "ingest",
           (unsigned long long)st.blocks_connected, (double)st.blocks_connected / ti,
           (double)st.txs / ti, (double)st.bytes / ti / 1e6, (double)rss_ingest / 1024);
    printf("ingest takes %.1fx the time of decoding (%llu transactions, %.1f MB)\n", ti / td,
           (unsigned long long)txs, (double)bytes / 1e6);
    printf("result decode blocks=%llu txs=%llu bytes=%llu seconds=%.4f cpu=%.4f rss_kb=%ld\n",
           (unsigned long long)blocks, (unsigned long long)txs, (unsigned long long)bytes, td, cd,
           rss_decode);
    printf("result ingest blocks=%llu txs=%llu bytes=%llu seconds=%.4f cpu=%.4f rss_kb=%ld\n",
           (unsigned long long)st.blocks_connected, (unsigned long long)st.txs,
           (unsigned long long)st.bytes, ti, ci, rss_ingest);
    printf("result settle settled=%d seconds=%.4f cpu=%.4f compacted=%d pieces=%u\n", settle, ts,
           cs, ss.compacting ? 1 : 0, ss.pieces);
    return 0;
}
