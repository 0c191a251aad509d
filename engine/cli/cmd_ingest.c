/* `chaintrail ingest bitcoin`: reads blocks into the graph database, resumable and
 * idempotent (the nightly cron job), with progress on stderr when it is a terminal. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

typedef struct progress {
    bool tty;
    bool quiet;
    double start;
    double last;
} progress;

static volatile int stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void show_progress(void *ctx, const ct_ingest_stats *st)
{
    progress *p = ctx;
    double t = now();
    if (!p->tty || p->quiet || t - p->last < 0.25)
        return;
    p->last = t;
    double secs = t - p->start > 0 ? t - p->start : 1e-9;
    double rate = (double)st->bytes / secs;
    fprintf(stderr, "\rheight %lld  %.0f blocks/s  %.0f tx/s  %.1f MB/s", (long long)st->height,
            (double)st->blocks_read / secs, (double)st->txs / secs, rate / 1e6);
    if (st->bytes_total > st->bytes && rate > 0) {
        double eta = (double)(st->bytes_total - st->bytes) / rate;
        fprintf(stderr, "  ETA %02u:%02u:%02u", (unsigned)(eta / 3600), (unsigned)(eta / 60) % 60,
                (unsigned)eta % 60);
    }
    fputs("   ", stderr);
}

static void report(void *ctx, const ct_error *err)
{
    progress *p = ctx;
    char line[1024];
    ct_error_format(err, line, sizeof(line));
    if (p->tty && !p->quiet)
        fputc('\n', stderr);
    cli_error("ingest", "%s", line);
}

static void eth_progress(void *ctx, const ct_eth_ingest_stats *st)
{
    progress *p = ctx;
    double t = now();
    if (!p->tty || p->quiet || t - p->last < 0.25)
        return;
    p->last = t;
    double secs = t - p->start > 0 ? t - p->start : 1e-9;
    fprintf(stderr, "\rethereum height %lld  %.0f blocks/s  %.0f tx/s   ", (long long)st->height,
            (double)st->blocks / secs, (double)st->txs / secs);
}

static void settle_progress(void *ctx, const ct_db_settle_stats *st)
{
    progress *p = ctx;
    double t = now();
    if (!p->tty || p->quiet || t - p->last < 0.25)
        return;
    p->last = t;
    if (st->compacting && st->pieces_done < st->pieces)
        fprintf(stderr, "\rsettling the database: compacting %u/%u, %.0f s   ", st->pieces_done,
                st->pieces, st->seconds);
    else
        fprintf(stderr, "\rsettling the database: level %d compaction score %.2f, %.0f s   ",
                st->level, st->score, st->seconds);
}

/* After a run that wrote blocks (and was neither interrupted nor failed), waits until
 * LevelDB has no compaction due, so that later commands do not each start it again and
 * abort it at their close (docs/ingest.md, "Settling the database"). Writes the summary
 * line's part into note ("" when there was nothing to do). Returns an exit code. */
static int settle_after_ingest(ct_db *db, progress *p, bool no_settle, char *note, size_t cap)
{
    ct_db_settle_options so = CT_DB_SETTLE_OPTIONS_INIT;
    ct_db_settle_stats st;
    ct_error err;
    if (no_settle) {
        snprintf(note, cap, "; not settled (--no-settle)");
        return CT_EXIT_OK;
    }
    so.progress = settle_progress;
    so.ctx = p;
    so.stop = &stop_requested;
    ct_error_clear(&err);
    p->last = 0;
    int rc = ct_db_settle(db, &st, &so, &err);
    if (p->tty && !p->quiet)
        fputs("\r\033[K", stderr);
    if (rc != CT_OK) {
        cli_error_ct("ingest", "settling the database: ", rc, &err);
        snprintf(note, cap, "; settling failed after %.1f s", st.seconds);
        return cli_exit_code(rc);
    }
    if (st.outcome == CT_SETTLE_DONE && st.compacting)
        snprintf(note, cap, "; database settled in %.1f s (compacted in %u piece%s: %.1f s)",
                 st.seconds, st.pieces, st.pieces == 1 ? "" : "s", st.compact_seconds);
    else if (st.outcome == CT_SETTLE_DONE)
        snprintf(note, cap, "; database settled in %.1f s", st.seconds);
    else if (st.outcome == CT_SETTLE_STOPPED)
        snprintf(note, cap,
                 "; settling interrupted after %.1f s (the data is committed; LevelDB "
                 "compacts on later opens)",
                 st.seconds);
    else
        snprintf(note, cap,
                 "; settling gave up after %.1f s: a compaction of level %d is due "
                 "(score %.2f) but LevelDB made no progress",
                 st.seconds, st.level, st.score);
    return CT_EXIT_OK;
}

/* `chaintrail ingest ethereum (--json FILE... | --etl DIR --trust-senders | --rpc URL
 * [--confirmations N | --finalized] [--batch N] [--retries N]) [--from N] [--to M]
 * [--chain-id N] [--quiet]` */
/* A cache size option in MiB: 1 to 65536. */
static int check_mb(const char *name, uint64_t mb)
{
    if (mb == 0 || mb > 65536) {
        cli_error("ingest", "option '--%s': %llu is not between 1 and 65536", name,
                  (unsigned long long)mb);
        return CT_EXIT_USAGE;
    }
    return CT_EXIT_OK;
}

/* Opens the database for both chains' ingest (created when missing, cache_mb of block
 * cache); from then on SIGINT and SIGTERM ask the ingest to stop at the next unit. */
static int open_for_ingest(const cli_global *g, uint64_t cache_mb, ct_db **db)
{
    ct_error err;
    ct_db_options dbo = CT_DB_OPTIONS_INIT;
    dbo.create = true;
    dbo.cache_bytes = (size_t)cache_mb << 20;
    ct_error_clear(&err);
    int rc = ct_db_open(db, g->db_path, &dbo, &err);
    if (rc != CT_OK) {
        cli_error_ct("ingest", NULL, rc, &err);
        return cli_exit_code(rc);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return CT_EXIT_OK;
}

static int ingest_ethereum(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("ingest");
    bool quiet = false, json = false, trust = false;
    const char *etl = NULL, *rpc = NULL;
    bool finalized = false, no_settle = false;
    uint64_t from = UINT64_MAX, to = UINT64_MAX, chain_id = 1, cache_mb = 64;
    uint64_t confirmations = UINT64_MAX, batch = 10, retries = 5;
    const cli_opt opts[] = {
        {"json", CLI_FLAG, &json},        {"etl", CLI_STRING, &etl},
        {"rpc", CLI_STRING, &rpc},        {"confirmations", CLI_U64, &confirmations},
        {"finalized", CLI_FLAG, &finalized}, {"batch", CLI_U64, &batch},
        {"retries", CLI_U64, &retries},
        {"from", CLI_U64, &from},         {"to", CLI_U64, &to},
        {"chain-id", CLI_U64, &chain_id}, {"quiet", CLI_FLAG, &quiet},
        {"cache-mb", CLI_U64, &cache_mb}, {"trust-senders", CLI_FLAG, &trust},
        {"no-settle", CLI_FLAG, &no_settle}, {NULL, CLI_FLAG, NULL},
    };
    int first;
    int rc = cli_parse(self, opts, argc, argv, &first);
    if (rc < 0)
        return CT_EXIT_OK;
    if (rc != CT_EXIT_OK)
        return rc;
    /* argv[first] is "ethereum" */
    char **paths = argv + first + 1;
    size_t npaths = 0;
    while (paths[npaths])
        npaths++;
    if (json + (etl != NULL) + (rpc != NULL) != 1) {
        cli_error("ingest", "ethereum: give one source: --json FILE..., --etl DIR or --rpc URL");
        return CT_EXIT_USAGE;
    }
    if (rpc && npaths) {
        cli_error("ingest", "ethereum: --rpc takes no FILE ('%s')", paths[0]);
        return CT_EXIT_USAGE;
    }
    if (!rpc && (finalized || confirmations != UINT64_MAX)) {
        cli_error("ingest", "ethereum: --confirmations and --finalized go with --rpc");
        return CT_EXIT_USAGE;
    }
    if (finalized && confirmations != UINT64_MAX) {
        cli_error("ingest", "ethereum: --confirmations and --finalized exclude each other");
        return CT_EXIT_USAGE;
    }
    if (retries > 20) {
        cli_error("ingest", "option '--retries': %llu is more than 20", (unsigned long long)retries);
        return CT_EXIT_USAGE;
    }
    if (batch < 1 || batch > 1000) {
        cli_error("ingest", "option '--batch': %llu is not between 1 and 1000",
                  (unsigned long long)batch);
        return CT_EXIT_USAGE;
    }
    if (etl && !trust) {
        cli_error("ingest", "ethereum: --etl: ethereum-etl exports carry no signatures, so the "
                            "senders cannot be recovered; add --trust-senders to take them as "
                            "exported (docs/ethereum-etl.md)");
        return CT_EXIT_USAGE;
    }
    if (trust && !etl) {
        cli_error("ingest", "ethereum: --trust-senders applies to --etl only");
        return CT_EXIT_USAGE;
    }
    if (etl && npaths) {
        cli_error("ingest", "ethereum: unexpected argument '%s' after --etl DIR", paths[0]);
        return CT_EXIT_USAGE;
    }
    if (json && npaths == 0) {
        cli_error("ingest", "ethereum: --json needs at least one FILE");
        return CT_EXIT_USAGE;
    }
    if (chain_id == 0) {
        cli_error("ingest", "option '--chain-id': 0 is not a chain id");
        return CT_EXIT_USAGE;
    }
    if ((from != UINT64_MAX && from > UINT32_MAX - 1) ||
        (to != UINT64_MAX && to > UINT32_MAX - 1) ||
        (from != UINT64_MAX && to != UINT64_MAX && to < from)) {
        cli_error("ingest",
                  "options '--from'/'--to': heights up to 4294967294, --to not below --from");
        return CT_EXIT_USAGE;
    }
    if ((rc = check_mb("cache-mb", cache_mb)) != CT_EXIT_OK)
        return rc;
    ct_db *db = NULL;
    ct_error err;
    if ((rc = open_for_ingest(g, cache_mb, &db)) != CT_EXIT_OK)
        return rc;

    progress p = {isatty(STDERR_FILENO) != 0, quiet, now(), 0};
    ct_eth_ingest_options io = CT_ETH_INGEST_OPTIONS_INIT;
    ct_eth_ingest_stats st; /* the library zeroes it first, whatever the outcome */
    io.chain_id = chain_id;
    io.from = from == UINT64_MAX ? -1 : (int64_t)from;
    io.to = to == UINT64_MAX ? -1 : (int64_t)to;
    io.progress = eth_progress;
    io.ctx = &p;
    io.stop = &stop_requested;
    ct_error_clear(&err);
    io.trust_senders = trust;
    ct_eth_rpc_report rep;
    memset(&rep, 0, sizeof(rep));
    if (rpc) {
        ct_eth_rpc_ingest_options ro = CT_ETH_RPC_INGEST_OPTIONS_INIT;
        ro.url = rpc;
        if (confirmations != UINT64_MAX)
            ro.confirmations = confirmations;
        ro.finalized = finalized;
        ro.batch_blocks = (unsigned)batch;
        ro.retries = (unsigned)retries;
        rc = ct_eth_ingest_rpc(db, &st, &ro, &io, &rep, &err);
    } else if (json) {
        rc = ct_eth_ingest_json(db, &st, (const char *const *)paths, npaths, &io, &err);
    } else {
        rc = ct_eth_ingest_etl(db, &st, etl, &io, &err);
    }
    if (p.tty && !quiet)
        fputc('\n', stderr);
    int exit_code = CT_EXIT_OK;
    if (rc != CT_OK) {
        cli_error_ct("ingest", NULL, rc, &err);
        exit_code = cli_exit_code(rc);
    }
    double secs = now() - p.start;
    char settled[256] = "";
    if (rc == CT_OK && !st.interrupted && (st.blocks || st.disconnected)) {
        int src = settle_after_ingest(db, &p, no_settle, settled, sizeof(settled));
        if (exit_code == CT_EXIT_OK)
            exit_code = src;
    }
    if (!quiet)
        fprintf(
            stderr,
            "chaintrail: ingest: ethereum height %lld; %llu blocks connected, %llu already "
            "stored, %llu rolled back in %llu reorgs; %llu transactions, %llu logs in %.1f "
            "s%s%s\n",
            (long long)st.height, (unsigned long long)st.blocks,
            (unsigned long long)st.blocks_known, (unsigned long long)st.disconnected,
            (unsigned long long)st.reorgs, (unsigned long long)st.txs, (unsigned long long)st.logs,
            secs, st.interrupted ? " (interrupted; run again to continue)" : "", settled);
    if (!quiet && rpc && rep.probed) {
        fprintf(stderr,
                "chaintrail: ingest: node %s: chain id %llu; receipts by %s; %llu requests "
                "(%llu retried), %llu calls, %.1f MB; %llu token contracts asked for metadata\n",
                rpc, (unsigned long long)rep.chain_id, rep.receipts,
                (unsigned long long)rep.requests, (unsigned long long)rep.retries,
                (unsigned long long)rep.calls, (double)rep.bytes / 1e6,
                (unsigned long long)rep.tokens_queried);
        if (!rep.traces[0])
            fprintf(stderr,
                    "chaintrail: ingest: node %s offers neither debug_traceBlockByNumber nor "
                    "trace_block: internal transfers are unavailable and were not ingested\n",
                    rpc);
    }
    ct_db_close(db);
    if ((st.interrupted || stop_requested) && exit_code == CT_EXIT_OK)
        exit_code = 130;
    return exit_code;
}

static bool is_ethereum(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            if (!strcmp(argv[i], "--network") || !strcmp(argv[i], "--cache-mb") ||
                !strcmp(argv[i], "--start-height") || !strcmp(argv[i], "--etl") ||
                !strcmp(argv[i], "--from") || !strcmp(argv[i], "--to") ||
                !strcmp(argv[i], "--chain-id") || !strcmp(argv[i], "--rpc") ||
                !strcmp(argv[i], "--confirmations") || !strcmp(argv[i], "--batch") ||
                !strcmp(argv[i], "--retries"))
                i++; /* their value */
            continue;
        }
        return strcmp(argv[i], "ethereum") == 0;
    }
    return false;
}

int cmd_ingest(int argc, char **argv, const cli_global *g)
{
    if (is_ethereum(argc, argv))
        return ingest_ethereum(argc, argv, g);
    const cli_command *self = cli_find("ingest");
    const char *network = "mainnet";
    bool quiet = false, xor_plain = false, no_settle = false;
    uint64_t cache_mb = 64, start_height = UINT64_MAX, group_txs = 0, row_cache_mb = 256;
    const cli_opt opts[] = {
        {"network", CLI_STRING, &network},        {"quiet", CLI_FLAG, &quiet},
        {"xor-plain", CLI_FLAG, &xor_plain},      {"cache-mb", CLI_U64, &cache_mb},
        {"start-height", CLI_U64, &start_height}, {"group-txs", CLI_U64, &group_txs},
        {"row-cache-mb", CLI_U64, &row_cache_mb}, {"no-settle", CLI_FLAG, &no_settle},
        {NULL, CLI_FLAG, NULL},
    };
    int first;
    int rc = cli_parse(self, opts, argc, argv, &first);
    if (rc < 0)
        return CT_EXIT_OK;
    if (rc != CT_EXIT_OK)
        return rc;
    const ct_btc_params *net;
    char **paths;
    size_t npaths;
    if ((rc = cli_chain_paths("ingest", argv, first, network, &net, &paths, &npaths)) != CT_EXIT_OK)
        return rc;
    if ((rc = check_mb("cache-mb", cache_mb)) != CT_EXIT_OK ||
        (rc = check_mb("row-cache-mb", row_cache_mb)) != CT_EXIT_OK)
        return rc;
    if (group_txs > 10000000) {
        cli_error("ingest", "option '--group-txs': %llu is above 10000000",
                  (unsigned long long)group_txs);
        return CT_EXIT_USAGE;
    }

    ct_db *db = NULL;
    ct_error err;
    if ((rc = open_for_ingest(g, cache_mb, &db)) != CT_EXIT_OK)
        return rc;

    progress p = {isatty(STDERR_FILENO) != 0, quiet, now(), 0};
    ct_ingest_options io = CT_INGEST_OPTIONS_INIT;
    ct_ingest_stats st;
    io.net = net;
    io.xor_mode = xor_plain ? CT_BTC_XOR_PLAIN : CT_BTC_XOR_AUTO;
    io.progress = show_progress;
    io.report = report;
    io.ctx = &p;
    io.stop = &stop_requested;
    if (start_height != UINT64_MAX) {
        if (start_height > UINT32_MAX) {
            cli_error("ingest", "option '--start-height': %llu is above 4294967295",
                      (unsigned long long)start_height);
            ct_db_close(db);
            return CT_EXIT_USAGE;
        }
        io.start_height = (int64_t)start_height;
    }
    io.group_txs = group_txs;
    io.row_cache_bytes = row_cache_mb << 20;
    ct_error_clear(&err);
    rc = ct_ingest_bitcoin(db, &st, (const char *const *)paths, npaths, &io, &err);
    if (p.tty && !quiet)
        fputc('\n', stderr);
    int exit_code = CT_EXIT_OK;
    if (rc != CT_OK) {
        cli_error_ct("ingest", NULL, rc, &err);
        exit_code = cli_exit_code(rc);
    } else if (st.blocks_rejected || st.junk) {
        exit_code = CT_EXIT_DATA;
    }
    double secs = now() - p.start;
    bool interrupted = stop_requested != 0;
    char settled[256] = "";
    if (rc == CT_OK && !interrupted &&
        (st.blocks_connected || st.blocks_side || st.blocks_orphan || st.blocks_disconnected)) {
        int src = settle_after_ingest(db, &p, no_settle, settled, sizeof(settled));
        if (exit_code == CT_EXIT_OK)
            exit_code = src;
    }
    if (!quiet)
        fprintf(stderr,
                "chaintrail: ingest: height %lld; %llu blocks read, %llu connected, %llu "
                "already stored, %llu side, %llu waiting for parent, %llu rejected, %llu "
                "rolled back in %llu reorgs; %llu transactions; %.1f MB in %.1f s%s%s\n",
                (long long)st.height, (unsigned long long)st.blocks_read,
                (unsigned long long)st.blocks_connected, (unsigned long long)st.blocks_known,
                (unsigned long long)st.blocks_side, (unsigned long long)st.blocks_orphan,
                (unsigned long long)st.blocks_rejected, (unsigned long long)st.blocks_disconnected,
                (unsigned long long)st.reorgs, (unsigned long long)st.txs, (double)st.bytes / 1e6,
                secs, interrupted ? " (interrupted; run again to continue)" : "", settled);
    ct_db_close(db);
    if (stop_requested && exit_code == CT_EXIT_OK)
        exit_code = 130;
    return exit_code;
}
