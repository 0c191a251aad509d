/* `chaintrail export`: graph files for Gephi, Neo4j, Graphviz, Cytoscape and spreadsheets
 * (docs/export.md). `export address` writes the neighbourhood of an address. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* --format: one of the export formats (the one name parser, names.c). */
static int parse_format(const char *value, ct_export_format *out)
{
    const char *names[CT_EXPORT_FORMATS];
    size_t i;
    for (int f = 0; f < CT_EXPORT_FORMATS; f++)
        names[f] = ct_export_format_name((ct_export_format)f);
    int rc = cli_name("export", "format", "format", value, names, CT_EXPORT_FORMATS, &i);
    if (rc == CT_EXIT_OK)
        *out = (ct_export_format)i;
    return rc;
}

/* export address ADDR and export cluster ID|ADDR: the same options. */
static int export_walk(int argc, char **argv, const cli_global *g, bool cluster)
{
    const char *format = NULL, *output = NULL, *direction = "both", *level = "address";
    uint64_t hops = 1, max_nodes = UINT64_MAX;
    bool force = false;
    int first, rc;
    const cli_opt opts[] = {{"format", CLI_STRING, &format},
                            {"output", CLI_STRING, &output},
                            CLI_NUM("hops", &hops, 0, UINT32_MAX),
                            {"direction", CLI_STRING, &direction},
                            CLI_NUM("max-nodes", &max_nodes, 0, UINT64_MAX),
                            {"level", CLI_STRING, &level},
                            {"force", CLI_FLAG, &force},
                            {NULL, CLI_FLAG, NULL}};
    /* -o is --output (the only short option of the program besides -h) */
    static char long_output[] = "--output";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-o") == 0)
            argv[i] = long_output;
    }
    if ((rc = cli_parse(cli_find("export"), opts, argc, argv, &first)))
        return rc < 0 ? CT_EXIT_OK : rc;
    if (!argv[first]) {
        cli_error("export", cluster ? "export cluster needs a cluster id or an address"
                                    : "export address needs an address");
        return CT_EXIT_USAGE;
    }
    if (argv[first + 1]) {
        cli_error("export", "unexpected argument '%s'", argv[first + 1]);
        return CT_EXIT_USAGE;
    }
    ct_export_address_options o = CT_EXPORT_ADDRESS_OPTIONS_INIT;
    if (!format) {
        cli_error("export", "--format is required (graphml, gexf, dot, neo4j, cytoscape, csv)");
        return CT_EXIT_USAGE;
    }
    if ((rc = parse_format(format, &o.format)))
        return rc;
    if (!output) {
        cli_error("export", "-o PATH is required: where to write the %s", format);
        return CT_EXIT_USAGE;
    }
    static const char *const dir_names[] = {"out", "in", "both"};
    static const ct_export_direction dir_values[] = {CT_EXPORT_OUT, CT_EXPORT_IN, CT_EXPORT_BOTH};
    static const char *const level_names[] = {"address", "tx", "cluster"};
    static const ct_export_level level_values[] = {CT_EXPORT_LEVEL_ADDRESS, CT_EXPORT_LEVEL_TX,
                                                   CT_EXPORT_LEVEL_CLUSTER};
    size_t d, l;
    if ((rc = cli_name("export", "direction", "direction", direction, dir_names, 3, &d)) ||
        (rc = cli_name("export", "level", "level", level, level_names, 3, &l)))
        return rc;
    if (cluster && (hops != 1 || l != 0)) {
        cli_error("export", "export cluster takes no --hops or --level: it writes the members "
                            "and the clusters they paid or were paid by");
        return CT_EXIT_USAGE;
    }
    o.direction = dir_values[d];
    o.level = level_values[l];
    if (hops < 1 || hops > CT_EXPORT_HOPS_MAX) {
        cli_error("export", "option '--hops': %llu is not in 1..%d", (unsigned long long)hops,
                  CT_EXPORT_HOPS_MAX);
        return CT_EXIT_USAGE;
    }
    o.hops = (uint32_t)hops;
    if (max_nodes == UINT64_MAX)
        max_nodes =
            o.format == CT_EXPORT_DOT ? CT_EXPORT_DOT_MAX_NODES : CT_EXPORT_MAX_NODES_DEFAULT;
    if (max_nodes == 0) {
        cli_error("export", "option '--max-nodes': must be at least 1");
        return CT_EXIT_USAGE;
    }
    o.max_nodes = max_nodes;
    o.force = force;
    if (o.format == CT_EXPORT_DOT && o.max_nodes > CT_EXPORT_DOT_MAX_NODES) {
        cli_error("export",
                  "--format dot takes at most %d nodes (Graphviz lays out about a thousand "
                  "usefully): give --max-nodes %d or less, or use gexf or graphml",
                  CT_EXPORT_DOT_MAX_NODES, CT_EXPORT_DOT_MAX_NODES);
        return CT_EXIT_USAGE;
    }
    ct_db *db;
    if ((rc = cli_open_db("export", g, &db)))
        return rc;
    ct_error err;
    ct_error_clear(&err);
    ct_export_stats st;
    int qrc;
    if (cluster) {
        /* a number is a cluster id, anything else an address */
        uint64_t id = 0;
        const char *a = argv[first];
        bool number = a[0] >= '1' && a[0] <= '9' && cli_parse_u64(a, &id);
        qrc = ct_export_cluster(db, &st, number ? NULL : a, number ? id : 0, output, &o, &err);
    } else {
        qrc = ct_export_address(db, &st, argv[first], output, &o, &err);
    }
    ct_db_close(db);
    if (qrc != CT_OK)
        return cli_db_fail("export", qrc, &err);
    fprintf(stderr, "chaintrail: export: wrote %llu nodes and %llu edges to %s (%s)\n",
            (unsigned long long)st.nodes, (unsigned long long)st.edges, output, format);
    if (st.truncated)
        fprintf(stderr,
                "chaintrail: export: the graph was cut at --max-nodes %llu: some neighbours "
                "are left out\n",
                (unsigned long long)o.max_nodes);
    return CT_EXIT_OK;
}

typedef struct trace_export {
    ct_export_trace_options o;
    const char *output, *format, *level;
} trace_export;

static int trace_sink(void *ctx, ct_db *db, const ct_trace_result *res, const ct_trace_options *to)
{
    trace_export *t = ctx;
    t->o.backward = to->backward;
    ct_error err;
    ct_error_clear(&err);
    ct_export_stats st;
    int rc = ct_export_trace(db, &st, res, t->output, &t->o, &err);
    if (rc != CT_OK)
        return cli_db_fail("export", rc, &err);
    fprintf(stderr, "chaintrail: export: wrote %llu nodes and %llu edges to %s (%s)\n",
            (unsigned long long)st.nodes, (unsigned long long)st.edges, t->output, t->format);
    if (!res->complete)
        fprintf(stderr, "chaintrail: export: the trace is incomplete (%s): so is the graph\n",
                res->incomplete_reason);
    return CT_EXIT_OK;
}

/* export trace --level: address (default) or cluster. */
static int trace_level(const char *value, ct_export_level *out)
{
    static const char *const names[] = {"address", "cluster"};
    static const ct_export_level values[] = {CT_EXPORT_LEVEL_ADDRESS, CT_EXPORT_LEVEL_CLUSTER};
    size_t i;
    int rc = cli_name("export", "level", "level", value, names, 2, &i);
    if (rc == CT_EXIT_OK)
        *out = values[i];
    return rc;
}

static int acct_trace_sink(void *ctx, ct_db *db, const ct_acct_trace_result *res,
                           const ct_trace_options *to)
{
    (void)to;
    trace_export *t = ctx;
    ct_error err;
    ct_error_clear(&err);
    ct_export_stats st;
    int rc = ct_export_acct_trace(db, &st, res, t->output, &t->o, &err);
    if (rc != CT_OK)
        return cli_db_fail("export", rc, &err);
    fprintf(stderr, "chaintrail: export: wrote %llu nodes and %llu edges to %s (%s)\n",
            (unsigned long long)st.nodes, (unsigned long long)st.edges, t->output, t->format);
    if (!res->complete)
        fprintf(stderr, "chaintrail: export: the trace is incomplete (%s): so is the graph\n",
                res->incomplete_reason);
    return CT_EXIT_OK;
}

/* export trace --format F -o PATH [--force] [trace options]: the export's own options are
 * taken out of argv, the rest is the trace's. */
static int export_trace(int argc, char **argv, const cli_global *g)
{
    trace_export t;
    memset(&t, 0, sizeof(t));
    t.o = (ct_export_trace_options)CT_EXPORT_TRACE_OPTIONS_INIT;
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    if (!rest) {
        cli_error("export", "out of memory");
        return CT_EXIT_FAILURE;
    }
    int n = 0;
    rest[n++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        const char *val = NULL;
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                rest[n++] = argv[i++];
            break;
        }
        if (strcmp(a, "--force") == 0) {
            t.o.force = true;
            continue;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            slot = &t.output;
        else if (strcmp(a, "--format") == 0)
            slot = &t.format;
        else if (strcmp(a, "--level") == 0)
            slot = &t.level;
        else if (strncmp(a, "--output=", 9) == 0)
            t.output = a + 9;
        else if (strncmp(a, "--format=", 9) == 0)
            t.format = a + 9;
        else
            rest[n++] = argv[i];
        if (slot) {
            val = i + 1 < argc ? argv[++i] : NULL;
            if (!val || !*val) {
                cli_error("export", "option '%s' needs a value", a);
                free(rest);
                return CT_EXIT_USAGE;
            }
            *slot = val;
        }
    }
    rest[n] = NULL;
    int rc = CT_EXIT_OK;
    if (n > 1 && (strcmp(rest[1], "-h") == 0 || strcmp(rest[1], "--help") == 0)) {
        fputs(cli_find("export")->usage, stdout);
    } else if (!t.format) {
        cli_error("export", "--format is required (graphml, gexf, dot, neo4j, cytoscape, csv)");
        rc = CT_EXIT_USAGE;
    } else if ((rc = parse_format(t.format, &t.o.format))) {
    } else if (!t.output) {
        cli_error("export", "-o PATH is required: where to write the %s", t.format);
        rc = CT_EXIT_USAGE;
    } else if (t.level && (rc = trace_level(t.level, &t.o.level))) {
    } else {
        cli_error_alias("trace", "export trace");
        rc = cli_trace_to(n, rest, g, trace_sink, acct_trace_sink, &t);
        cli_error_alias(NULL, NULL);
    }
    free(rest);
    return rc;
}

int cmd_export(int argc, char **argv, const cli_global *g)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(cli_find("export")->usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CT_EXIT_USAGE : CT_EXIT_OK;
    }
    if (strcmp(argv[1], "address") == 0)
        return export_walk(argc - 1, argv + 1, g, false);
    if (strcmp(argv[1], "cluster") == 0)
        return export_walk(argc - 1, argv + 1, g, true);
    if (strcmp(argv[1], "trace") == 0)
        return export_trace(argc - 1, argv + 1, g);
    cli_error("export", "unknown export '%s' (address, cluster, trace)", argv[1]);
    return CT_EXIT_USAGE;
}
