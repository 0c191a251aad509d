/* `chaintrail cluster stats|dump|rebuild`: the address clusters (docs/clustering.md). */
#include <signal.h>
#include <string.h>

#include "cli.h"

static void print_detectors(FILE *f, unsigned bits, bool json)
{
    bool first = true;
    for (int i = 0; i < CT_CLUSTER_DETECTORS; i++) {
        if (!(bits & (1u << i)))
            continue;
        if (json)
            fprintf(f, "%s\"%s\"", first ? "" : ",", ct_cluster_detector_name(i));
        else
            fprintf(f, "%s%s", first ? "" : ",", ct_cluster_detector_name(i));
        first = false;
    }
    if (!json && first)
        fputs("none", f);
}

static int cluster_stats(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *format = "text";
    bool json = false;
    int first, rc;
    const cli_opt opts[] = {{"format", CLI_STRING, &format}, {NULL, CLI_FLAG, NULL}};
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if ((rc = cli_format("cluster", format, &json)))
        return rc;
    if (argv[first]) {
        cli_error("cluster", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("cluster", g, &db)))
        return rc;
    ct_cluster_stats s;
    ct_error err;
    ct_error_clear(&err);
    int qrc = ct_cluster_stats_get(db, &s, &err);
    ct_db_close(db);
    if (qrc)
        return cli_db_fail("cluster", qrc, &err);
    FILE *f = stdout;
    if (json) {
        fprintf(
            f, "{\"enabled\":%s,\"addresses\":%llu,\"clusters\":%llu,\"clustered_addresses\":%llu,",
            s.enabled ? "true" : "false", (unsigned long long)s.addresses,
            (unsigned long long)s.clusters, (unsigned long long)s.clustered);
        fprintf(f, "\"merges\":%llu,\"flagged_merges\":%llu,\"coinjoins\":{\"total\":%llu",
                (unsigned long long)s.merges, (unsigned long long)s.flagged,
                (unsigned long long)s.coinjoins);
        for (int i = 0; i < CT_CLUSTER_DETECTORS; i++)
            fprintf(f, ",\"%s\":%llu", ct_cluster_detector_name(i),
                    (unsigned long long)s.coinjoins_by[i]);
        fputs("},\"largest\":[", f);
        for (size_t i = 0; i < s.n_largest; i++)
            fprintf(f, "%s{\"cluster_id\":%llu,\"size\":%llu}", i ? "," : "",
                    (unsigned long long)s.largest[i].cluster_id,
                    (unsigned long long)s.largest[i].size);
        fputs("],\"policy\":", f);
        if (s.enabled) {
            fprintf(f, "{\"threshold\":%llu,\"detectors\":[",
                    (unsigned long long)s.policy.threshold);
            print_detectors(f, s.policy.detectors, true);
            fputs("],\"digest\":\"", f);
            cli_print_hex(f, s.policy_digest, 32);
            fputs("\"}", f);
        } else {
            fputs("null", f);
        }
        fputs("}\n", f);
        return CT_EXIT_OK;
    }
    if (!s.enabled) {
        fprintf(f,
                "clusters           none (this database does not cluster; see 'chaintrail "
                "cluster rebuild')\naddresses          %llu\n",
                (unsigned long long)s.addresses);
        return CT_EXIT_OK;
    }
    fprintf(f,
            "addresses          %llu\nclusters           %llu (of 2 or more addresses)\n"
            "clustered          %llu addresses\nmerges             %llu\n"
            "flagged merges     %llu\ncoinjoins          %llu",
            (unsigned long long)s.addresses, (unsigned long long)s.clusters,
            (unsigned long long)s.clustered, (unsigned long long)s.merges,
            (unsigned long long)s.flagged, (unsigned long long)s.coinjoins);
    for (int i = 0; i < CT_CLUSTER_DETECTORS; i++)
        fprintf(f, "%s%s %llu", i ? ", " : " (", ct_cluster_detector_name(i),
                (unsigned long long)s.coinjoins_by[i]);
    fprintf(f, ")\npolicy             threshold %llu, detectors ",
            (unsigned long long)s.policy.threshold);
    print_detectors(f, s.policy.detectors, false);
    fputs("\npolicy digest      ", f);
    cli_print_hex(f, s.policy_digest, 32);
    fputs("\nlargest\n", f);
    for (size_t i = 0; i < s.n_largest; i++)
        fprintf(f, "  %-12llu %llu addresses\n", (unsigned long long)s.largest[i].cluster_id,
                (unsigned long long)s.largest[i].size);
    return CT_EXIT_OK;
}

static int cluster_dump(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *format = NULL;
    int first, rc;
    const cli_opt opts[] = {{"format", CLI_STRING, &format}, {NULL, CLI_FLAG, NULL}};
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if (!format || strcmp(format, "csv") != 0) {
        cli_error("cluster", "dump needs --format csv (the only format)%s%s%s",
                  format ? "; not '" : "", format ? format : "", format ? "'" : "");
        return CT_EXIT_USAGE;
    }
    if (argv[first]) {
        cli_error("cluster", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("cluster", g, &db)))
        return rc;
    ct_cluster_dump *d;
    ct_error err;
    ct_error_clear(&err);
    int qrc = ct_cluster_dump_new(&d, db, &err);
    if (qrc == CT_OK) {
        const char *addr;
        uint64_t id, cid;
        fputs("address,cluster_id\n", stdout);
        while ((qrc = ct_cluster_dump_next(d, &addr, &id, &cid, &err)) == CT_OK) {
            /* addresses and "script:<hex>" hold no comma, quote or newline */
            printf("%s,%llu\n", addr, (unsigned long long)cid);
        }
        if (qrc == CT_EEOF)
            qrc = CT_OK;
        ct_cluster_dump_free(d);
    }
    ct_db_close(db);
    if (fflush(stdout) != 0 && qrc == CT_OK) {
        cli_error("cluster", "writing the dump failed");
        return CT_EXIT_IO;
    }
    return qrc ? cli_db_fail("cluster", qrc, &err) : CT_EXIT_OK;
}

static void rebuild_progress(void *ctx, const ct_cluster_rebuild_stats *st)
{
    fprintf(stderr, "chaintrail: cluster: rebuild: %llu of %llu blocks, %llu transactions\n",
            (unsigned long long)st->blocks, (unsigned long long)st->blocks_total,
            (unsigned long long)st->txs);
}

static volatile int rebuild_stop;
static void on_signal(int sig)
{
    (void)sig;
    rebuild_stop = 1;
}

/* --detectors: "all", "none", or names separated by commas. */
static int parse_detectors(const char *s, unsigned *bits)
{
    *bits = 0;
    if (strcmp(s, "all") == 0) {
        for (int i = 0; i < CT_CLUSTER_DETECTORS; i++)
            *bits |= 1u << i;
        return CT_EXIT_OK;
    }
    if (strcmp(s, "none") == 0)
        return CT_EXIT_OK;
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = -1;
        for (int i = 0; i < CT_CLUSTER_DETECTORS && found < 0; i++) {
            const char *name = ct_cluster_detector_name(i);
            if (strlen(name) == n && strncmp(name, p, n) == 0)
                found = i;
        }
        if (found < 0) {
            cli_error("cluster",
                      "option '--detectors': unknown detector '%.*s' (all, none, or of: "
                      "blocksci, wasabi1, wasabi2, whirlpool_tx0, whirlpool, joinmarket)",
                      (int)n, p);
            return CT_EXIT_USAGE;
        }
        *bits |= 1u << found;
        p += n;
        if (*p == ',')
            p++;
    }
    return CT_EXIT_OK;
}

static int cluster_rebuild(int argc, char **argv, const cli_global *g, const cli_command *self)
{
    const char *threshold = NULL, *detectors = NULL;
    bool quiet = false, no_settle = false;
    int first, rc;
    const cli_opt opts[] = {{"threshold", CLI_STRING, &threshold},
                            {"detectors", CLI_STRING, &detectors},
                            {"quiet", CLI_FLAG, &quiet},
                            {"no-settle", CLI_FLAG, &no_settle},
                            {NULL, CLI_FLAG, NULL}};
    if ((rc = cli_parse(self, opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if (argv[first]) {
        cli_error("cluster", "unexpected argument '%s'", argv[first]);
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("cluster", g, &db)))
        return rc;
    ct_cluster_stats cur;
    ct_error err;
    ct_error_clear(&err);
    /* The policy: the database's (or that of the interrupted rebuild this one finishes, or
     * the default), with the options given. */
    ct_cluster_policy pol = {100000, (1u << CT_CLUSTER_DETECTORS) - 1}, have;
    bool interrupted;
    if (ct_cluster_policy_of(db, &have, &interrupted))
        pol = have;
    if (threshold) {
        uint64_t t;
        if (!cli_parse_u64(threshold, &t) || t == 0) {
            cli_error("cluster", "option '--threshold': '%s' is not a whole number from 1",
                      threshold);
            ct_db_close(db);
            return CT_EXIT_USAGE;
        }
        pol.threshold = t;
    }
    if (detectors && (rc = parse_detectors(detectors, &pol.detectors))) {
        ct_db_close(db);
        return rc;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    ct_cluster_rebuild_stats st = {0, 0, 0};
    rc = ct_cluster_rebuild(db, &pol, quiet ? NULL : rebuild_progress, &st, &rebuild_stop, &err);
    if (rc == CT_OK && rebuild_stop) {
        if (!quiet)
            fputs("chaintrail: cluster: rebuild interrupted: the clusters are incomplete until "
                  "'chaintrail cluster rebuild' finishes\n",
                  stderr);
    } else if (rc == CT_OK && (rc = ct_cluster_stats_get(db, &cur, &err)) == CT_OK) {
        /* The rebuild rewrote every cluster row and undo record: settle as an ingest does,
         * and compact the whole key range into one level, so that each later short command
         * neither starts a compaction and aborts it at its close nor reads the cluster rows
         * through overlapping tables (show cluster of the 1M chain's largest cluster: 118 ms
         * CPU after a rebuild without, 75 ms with; docs/clustering.md "cluster rebuild"). */
        char note[160] = "; not settled (--no-settle)";
        if (!no_settle) {
            ct_db_settle_options so = CT_DB_SETTLE_OPTIONS_INIT;
            ct_db_settle_stats sst;
            so.stop = &rebuild_stop;
            so.compact = CT_SETTLE_COMPACT_ALWAYS;
            if ((rc = ct_db_settle(db, &sst, &so, &err)) == CT_OK)
                snprintf(note, sizeof(note),
                         sst.outcome == CT_SETTLE_DONE ? "; database settled in %.1f s"
                         : sst.outcome == CT_SETTLE_STOPPED
                             ? "; settling interrupted after %.1f s (LevelDB compacts on "
                               "later opens)"
                             : "; settling gave up after %.1f s",
                         sst.seconds);
        }
        if (rc == CT_OK && !quiet)
            fprintf(stderr,
                    "chaintrail: cluster: rebuilt: %llu clusters of %llu addresses, %llu merges, "
                    "%llu flagged, %llu CoinJoins%s\n",
                    (unsigned long long)cur.clusters, (unsigned long long)cur.clustered,
                    (unsigned long long)cur.merges, (unsigned long long)cur.flagged,
                    (unsigned long long)cur.coinjoins, note);
    }
    ct_db_close(db);
    if (rc)
        return cli_db_fail("cluster", rc, &err);
    return rebuild_stop ? 130 : CT_EXIT_OK;
}

int cmd_cluster(int argc, char **argv, const cli_global *g)
{
    const cli_command *self = cli_find("cluster");
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(self->usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
    }
    if (strcmp(argv[1], "stats") == 0)
        return cluster_stats(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "dump") == 0)
        return cluster_dump(argc - 1, argv + 1, g, self);
    if (strcmp(argv[1], "rebuild") == 0)
        return cluster_rebuild(argc - 1, argv + 1, g, self);
    cli_error("cluster", "'%s' is not stats, dump or rebuild", argv[1]);
    return CT_EXIT_USAGE;
}
