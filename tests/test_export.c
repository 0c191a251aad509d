/* `chaintrail export` (docs/export.md): the text escaping of every format (bad-inputs.md
 * X1-X6), the safe output (X7, X8: symbolic links, existing paths, --force, a write that
 * fails), byte-identical files (X11), the option errors, and one small graph of the real
 * 2009 blocks written exactly. The real readers open every format in tests/export/readers.py. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chaintrail/chaintrail.h"
#include "export/export_internal.h"
#include "testutil.h"

#define HAL     "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"
#define SATOSHI "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
#define TX170   "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"

/* ---- escaping ---- */
static char *clean(const char *s)
{
    ct_buf b;
    ct_buf_init(&b, 1 << 16);
    cr_assert_eq(ex_clean(&b, s), CT_OK);
    char *r = strdup((const char *)b.data);
    ct_buf_release(&b);
    return r;
}

#define FFFD "\xef\xbf\xbd"

Test(export_escape, clean_replaces_controls_and_bad_utf8)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xb0", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xb0"},
        {"a\x01"
         "b",
         "a" FFFD "b"},
        {"tab\tlf\ncr\r", "tab" FFFD "lf" FFFD "cr" FFFD},
        {"del\x7f", "del" FFFD},
        {"c1\xc2\x85", "c1" FFFD},               /* U+0085 NEL */
        {"nonchar\xef\xbf\xbe", "nonchar" FFFD}, /* U+FFFE */
        {"bad\xff"
         "byte",
         "bad" FFFD "byte"},
        {"overlong\xc0\x80", "overlong" FFFD FFFD}, /* C0 80: two bad bytes */
        {"surrogate\xed\xa0\x80", "surrogate" FFFD FFFD FFFD},
        {"cut\xe2\x82", "cut" FFFD FFFD},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = clean(cases[i].in);
        cr_assert_str_eq(got, cases[i].out, "case %zu", i);
        free(got);
    }
}

typedef void (*putter)(FILE *, const char *);
static char *put(putter p, const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    p(f, s);
    fclose(f);
    return buf;
}

Test(export_escape, each_format)
{
    const char *s = "<a href=\"x\">&'</a> \\ =1";
    char *x = put(ex_put_xml, s), *d = put(ex_put_dot, s), *j = put(ex_put_json, s);
    cr_assert_str_eq(x, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt; \\ =1");
    cr_assert_str_eq(d, "<a href=\\\"x\\\">&'</a> \\\\ =1");
    cr_assert_str_eq(j, "<a href=\\\"x\\\">&'</a> \\\\ =1");
    free(x), free(d), free(j);
    /* a trailing backslash cannot swallow the closing quote */
    d = put(ex_put_dot, "end\\");
    cr_assert_str_eq(d, "end\\\\");
    free(d);
    static const struct {
        const char *in, *out;
    } csv[] = {
        {"=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\""},
        {"+1+2", "\"'+1+2\""},
        {"-2-3", "\"'-2-3\""},
        {"@SUM(A1)", "\"'@SUM(A1)\""},
        {"say \"hi\", ok", "\"say \"\"hi\"\", ok\""},
        {"a=b", "\"a=b\""},
        {"", "\"\""},
    };
    for (size_t i = 0; i < sizeof(csv) / sizeof(csv[0]); i++) {
        char *c = put(ex_put_csv, csv[i].in);
        cr_assert_str_eq(c, csv[i].out, "case %zu", i);
        free(c);
    }
}

/* Escapes at the start, the end and back to back (the writers copy the runs between them). */
Test(export_escape, runs_and_adjacent_escapes)
{
    static const struct {
        putter p;
        const char *in, *out;
    } cases[] = {
        {ex_put_xml, "&&<x>''\"", "&amp;&amp;&lt;x&gt;&apos;&apos;&quot;"},
        {ex_put_xml, "plain", "plain"},
        {ex_put_xml, "", ""},
        {ex_put_dot, "\"\\\"a\\", "\\\"\\\\\\\"a\\\\"},
        {ex_put_dot, "", ""},
        {ex_put_json, "a\"\"b", "a\\\"\\\"b"},
        {ex_put_csv, "\"\"", "\"\"\"\"\"\""},
        {ex_put_csv, "x\"", "\"x\"\"\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = put(cases[i].p, cases[i].in);
        cr_assert_str_eq(got, cases[i].out, "case %zu", i);
        free(got);
    }
}

/* ex_iso_time writes what gmtime + strftime write, for every kind of day: leap days (2000,
 * 2024), the non-leap century 2100, year ends, and the last uint32_t second. */
Test(export_escape, iso_time_is_gmtime)
{
    static const uint32_t fixed[] = {0,          59,         86399,      86400,      951782400,
                                     951868800,  978307199,  1231006505, 1709164800, 1709251199,
                                     4107456000, 4107542399, 4294967295u};
    char got[32], want[32];
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 200000; i++) {
        /* then 200,000 seconds spread over the whole range */
        uint32_t t = i < sizeof(fixed) / sizeof(fixed[0])
                         ? fixed[i]
                         : (uint32_t)((i - 13) * 21474u + (i * 7919u) % 86400u);
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        ex_iso_time(got, t);
        cr_assert_str_eq(got, want, "t = %u", t);
    }
}

/* ---- the CLI ---- */
static void run(tu_run *r, const char *dir, const char *const *args)
{
    const char *argv[40];
    char d[600];
    snprintf(d, sizeof(d), "--db=%s", dir);
    size_t n = 0;
    argv[n++] = d;
    argv[n++] = "export";
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    tu_exec(r, argv, NULL);
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path)
{
    size_t len;
    char *s = (char *)tu_read_file(path, &len);
    cr_assert_not_null(s, "cannot read %s", path);
    return s;
}

/* The entries of a directory, sorted, joined by spaces. */
static char *listing(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "ls -A '%s' | sort | tr '\\n' ' '", dir);
    FILE *p = popen(cmd, "r");
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, p);
    buf[n] = 0;
    pclose(p);
    return strdup(buf);
}

Test(export_cli, hal_received_csv_exact)
{
    char *db = tu_db_first_4313(), *tmp = tu_tmpdir(), *out = path_in(tmp, "hal");
    tu_run r;
    run(&r, db,
        (const char *[]){"address", HAL, "--direction", "in", "--format", "csv", "-o", out, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    char want[600];
    snprintf(want, sizeof(want), "chaintrail: export: wrote 2 nodes and 1 edges to %s (csv)\n",
             out);
    cr_assert_str_eq(r.err, want);
    char *nodes = path_in(out, "nodes.csv"), *edges = path_in(out, "edges.csv");
    char *n = slurp(nodes), *e = slurp(edges);
    cr_assert_str_eq(n, "id,kind,address,label,category,cluster,value,height,time,txid\n"
                        "n0,\"address\",\"" HAL "\",\"\",\"\",\"343\",1000000000,170,"
                        "\"2009-01-12T03:30:25Z\",\"\"\n"
                        "n1,\"address\",\"" SATOSHI "\",\"\",\"\",\"19\",0,170,"
                        "\"2009-01-12T03:30:25Z\",\"\"\n");
    cr_assert_str_eq(e, "id,source,target,kind,address,asset,value,height,time,txid,index\n"
                        "e0,n1,n0,\"payment\",\"\",\"BTC\",1000000000,170,"
                        "\"2009-01-12T03:30:25Z\",\"" TX170 "\",0\n");
    char *l = listing(tmp);
    cr_assert_str_eq(l, "hal ", "nothing but the output is left beside it");
    free(l), free(n), free(e), free(nodes), free(edges);
    tu_run_free(&r);
    tu_rmtree(tmp), tu_rmtree(db);
    free(out), free(tmp), free(db);
}

Test(export_cli, same_command_same_bytes)
{
    char *db = tu_db_first_4313(), *tmp = tu_tmpdir();
    const char *formats[] = {"graphml", "gexf", "dot", "cytoscape"};
    for (size_t i = 0; i < 4; i++) {
        char *a = path_in(tmp, "a"), *b = path_in(tmp, "b");
        tu_run r;
        run(&r, db,
            (const char *[]){"address", SATOSHI, "--hops", "3", "--format", formats[i], "-o", a,
                             "--force", NULL});
        cr_assert_eq(r.status, 0, "%s", r.err);
        tu_run_free(&r);
        run(&r, db,
            (const char *[]){"address", SATOSHI, "--hops", "3", "--format", formats[i], "-o", b,
                             "--force", NULL});
        cr_assert_eq(r.status, 0, "%s", r.err);
        tu_run_free(&r);
        char *x = slurp(a), *y = slurp(b);
        cr_assert_str_eq(x, y, "%s differs between two runs", formats[i]);
        cr_assert(strlen(x) > 1000);
        free(x), free(y), free(a), free(b);
    }
    tu_rmtree(tmp), tu_rmtree(db);
    free(tmp), free(db);
}

Test(export_cli, existing_output_needs_force)
{
    char *db = tu_db_first_4313(), *tmp = tu_tmpdir(), *out = path_in(tmp, "g.graphml");
    cr_assert_eq(tu_write_file(out, "precious\n", 9), 0);
    tu_run r;
    run(&r, db, (const char *[]){"address", HAL, "--format", "graphml", "-o", out, NULL});
    cr_assert_eq(r.status, 5);
    char want[700];
    snprintf(want, sizeof(want), "chaintrail: export: '%s' exists (--force replaces it)\n", out);
    cr_assert_str_eq(r.err, want);
    char *s = slurp(out);
    cr_assert_str_eq(s, "precious\n");
    free(s);
    tu_run_free(&r);
    run(&r, db,
        (const char *[]){"address", HAL, "--format", "graphml", "-o", out, "--force", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    s = slurp(out);
    cr_assert(strncmp(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml", 47) == 0);
    free(s);
    char *l = listing(tmp);
    cr_assert_str_eq(l, "g.graphml ");
    free(l);
    tu_run_free(&r);
    tu_rmtree(tmp), tu_rmtree(db);
    free(out), free(tmp), free(db);
}

Test(export_cli, symlink_never_followed)
{
    char *db = tu_db_first_4313(), *tmp = tu_tmpdir();
    char *victim = path_in(tmp, "victim"), *link = path_in(tmp, "out.gexf");
    char *dangling = path_in(tmp, "dangling.gexf"), *nowhere = path_in(tmp, "nowhere");
    cr_assert_eq(tu_write_file(victim, "keep\n", 5), 0);
    cr_assert_eq(symlink(victim, link), 0);
    cr_assert_eq(symlink(nowhere, dangling), 0);
    const char *paths[] = {link, dangling};
    for (size_t i = 0; i < 2; i++) {
        for (int force = 0; force < 2; force++) {
            tu_run r;
            run(&r, db,
                (const char *[]){"address", HAL, "--format", "gexf", "-o", paths[i],
                                 force ? "--force" : NULL, NULL});
            cr_assert_eq(r.status, 5, "%s", r.err);
            char want[700];
            snprintf(want, sizeof(want),
                     "chaintrail: export: '%s' is a symbolic link: an export never writes "
                     "through one\n",
                     paths[i]);
            cr_assert_str_eq(r.err, want);
            tu_run_free(&r);
        }
    }
    char *s = slurp(victim);
    cr_assert_str_eq(s, "keep\n");
    struct stat st;
    cr_assert_eq(stat(nowhere, &st), -1, "the dangling link's target was created");
    char *l = listing(tmp);
    cr_assert_str_eq(l, "dangling.gexf out.gexf victim ");
    free(l), free(s);
    tu_rmtree(tmp), tu_rmtree(db);
    free(victim), free(link), free(dangling), free(nowhere), free(tmp), free(db);
}

Test(export_cli, directory_formats_and_force)
{
    char *db = tu_db_first_4313(), *tmp = tu_tmpdir(), *out = path_in(tmp, "neo");
    tu_run r;
    run(&r, db, (const char *[]){"address", HAL, "--format", "neo4j", "-o", out, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    char *l = listing(out);
    cr_assert_str_eq(l, "README.md nodes.csv relationships.csv ");
    free(l);
    /* replaced with --force: the old export directory goes */
    run(&r, db,
        (const char *[]){"address", SATOSHI, "--format", "neo4j", "-o", out, "--force", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    l = listing(tmp);
    cr_assert_str_eq(l, "neo ");
    free(l);
    char *rel = path_in(out, "relationships.csv"), *s = slurp(rel);
    cr_assert(strncmp(s,
                      ":START_ID(Address),:END_ID(Address),:TYPE,id,kind,address,asset,"
                      "value:long,height:long,time:datetime,txid,index:long\n",
                      105) == 0,
              "%s", s);
    free(s), free(rel);
    /* a directory with other files is never replaced */
    char *mine = path_in(out, "notes.txt");
    cr_assert_eq(tu_write_file(mine, "mine\n", 5), 0);
    run(&r, db, (const char *[]){"address", HAL, "--format", "neo4j", "-o", out, "--force", NULL});
    cr_assert_eq(r.status, 5);
    char want[700];
    snprintf(want, sizeof(want),
             "chaintrail: export: '%s' is a directory that holds 'notes.txt', which is not a "
             "file of an export: not replaced\n",
             out);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    s = slurp(mine);
    cr_assert_str_eq(s, "mine\n");
    free(s);
    /* a file where a directory format would go */
    char *file = path_in(tmp, "file");
    cr_assert_eq(tu_write_file(file, "x", 1), 0);
    run(&r, db, (const char *[]){"address", HAL, "--format", "csv", "-o", file, "--force", NULL});
    cr_assert_eq(r.status, 5);
    snprintf(want, sizeof(want),
             "chaintrail: export: '%s' exists and is not a directory: this format writes one\n",
             file);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    l = listing(tmp);
    cr_assert_str_eq(l, "file neo ");
    free(l);
    tu_rmtree(tmp), tu_rmtree(db);
    free(file), free(mine), free(out), free(tmp), free(db);
}

Test(export_cli, option_errors)
{
    char *db = tu_db_first_4313(), *tmp = tu_tmpdir(), *out = path_in(tmp, "x");
    static const struct {
        const char *args[12];
        int status;
        const char *err;
    } cases[] = {
        {{"address", HAL, "--format", "svg", "-o", "OUT", NULL},
         2,
         "chaintrail: export: option '--format': unknown format 'svg' (valid: graphml, gexf, "
         "dot, neo4j, cytoscape, csv)\n"},
        {{"address", HAL, "-o", "OUT", NULL},
         2,
         "chaintrail: export: --format is required (graphml, gexf, dot, neo4j, cytoscape, "
         "csv)\n"},
        {{"address", HAL, "--format", "gexf", NULL},
         2,
         "chaintrail: export: -o PATH is required: where to write the gexf\n"},
        {{"address", HAL, "--format", "gexf", "-o", "OUT", "--direction", "up", NULL},
         2,
         "chaintrail: export: option '--direction': unknown direction 'up' (valid: out, in, "
         "both)\n"},
        {{"address", HAL, "--format", "gexf", "-o", "OUT", "--level", "entity", NULL},
         2,
         "chaintrail: export: option '--level': unknown level 'entity' (valid: address, tx, "
         "cluster)\n"},
        {{"cluster", "19", "--format", "gexf", "-o", "OUT", "--hops", "2", NULL},
         2,
         "chaintrail: export: export cluster takes no --hops or --level: it writes the members "
         "and the clusters they paid or were paid by\n"},
        {{"cluster", "20", "--format", "csv", "-o", "OUT", NULL},
         2,
         "chaintrail: export: 20 is an address of cluster 19, not a cluster id\n"},
        {{"cluster", "--format", "gexf", "-o", "OUT", NULL},
         2,
         "chaintrail: export: export cluster needs a cluster id or an address\n"},
        {{"cluster", "1BitcoinEaterAddressDontSendf59kuE", "--format", "gexf", "-o", "OUT", NULL},
         8,
         NULL},
        {{"address", HAL, "--format", "gexf", "-o", "OUT", "--hops", "0", NULL},
         2,
         "chaintrail: export: option '--hops': 0 is not in 1..64\n"},
        {{"address", HAL, "--format", "dot", "-o", "OUT", "--max-nodes", "1001", NULL},
         2,
         "chaintrail: export: --format dot takes at most 1000 nodes (Graphviz lays out about "
         "a thousand usefully): give --max-nodes 1000 or less, or use gexf or graphml\n"},
        {{"clusters", "1", NULL},
         2,
         "chaintrail: export: unknown export 'clusters' (address, cluster, trace)\n"},
        {{"trace", "--format", "csv", "-o", "OUT", "--level", "tx", "--from", SATOSHI, NULL},
         2,
         "chaintrail: export: option '--level': unknown level 'tx' (valid: address, cluster)\n"},
        /* the trace's own option errors name the command typed (export trace) */
        {{"trace", "--format", "csv", "-o", "OUT", "--bogus", NULL},
         2,
         "chaintrail: export trace: unknown option '--bogus'\n"},
        {{"trace", "--format", "csv", "-o", "OUT", "--model", "nope", "--from", SATOSHI, NULL},
         2,
         "chaintrail: export trace: option '--model': unknown model 'nope' (valid: poison, "
         "haircut, fifo, lifo, tiho, all)\n"},
        /* --to (a trace question, not an export) says "export trace" too, and only that */
        {{"trace", "--format", "csv", "-o", "OUT", "--from", SATOSHI, "--to", HAL, NULL},
         2,
         "chaintrail: export trace: --to is not an export option: the export writes every flow "
         "of the trace ('chaintrail trace --to ADDR' answers whether the sources reached "
         "ADDR)\n"},
        {{"trace", "--format", "csv", "-o", "OUT", NULL},
         2,
         "chaintrail: export trace: no source: give --from ADDR|TXID|TXID:VOUT (repeatable) or "
         "--case NAME\n"},
        {{"trace", "--from", SATOSHI, "-o", "OUT", NULL},
         2,
         "chaintrail: export: --format is required (graphml, gexf, dot, neo4j, cytoscape, "
         "csv)\n"},
        {{"address", "1BitcoinEaterAddressDontSendf59kuE", "--format", "gexf", "-o", "OUT", NULL},
         8,
         "chaintrail: export: address '1BitcoinEaterAddressDontSendf59kuE' is not in the "
         "database\n"},
        {{"address", "0x0000000000000000000000000000000000000001", "--format", "gexf", "-o", "OUT",
          NULL},
         8,
         "chaintrail: export: the database has no Ethereum address "
         "0x0000000000000000000000000000000000000001\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *args[12];
        for (size_t k = 0; k < 12; k++)
            args[k] =
                cases[i].args[k] && strcmp(cases[i].args[k], "OUT") == 0 ? out : cases[i].args[k];
        tu_run r;
        run(&r, db, args);
        cr_assert_eq(r.status, cases[i].status, "case %zu: %s", i, r.err);
        if (cases[i].err)
            cr_assert_str_eq(r.err, cases[i].err, "case %zu", i);
        tu_run_free(&r);
    }
    char *l = listing(tmp);
    cr_assert_str_eq(l, "", "a refused export leaves nothing");
    free(l);
    tu_rmtree(tmp), tu_rmtree(db);
    free(out), free(tmp), free(db);
}

Test(export_cli, level_tx_refused_on_ethereum)
{
    char *tmp = tu_tmpdir(), *db = path_in(tmp, "db"), *out = path_in(tmp, "o.gexf");
    char *blk = tu_fixture("eth/trin/eth_getBlockByNumber_19433902_full.json");
    char *rcp = tu_fixture("eth/trin/eth_getBlockReceipts_19433902.json");
    char d[600];
    snprintf(d, sizeof(d), "--db=%s", db);
    tu_run r;
    tu_exec(&r, (const char *[]){d, "ingest", "ethereum", "--json", blk, rcp, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    run(&r, db,
        (const char *[]){"address", "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD", "--level", "tx",
                         "--format", "gexf", "-o", out, NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: export: --level tx is for the Bitcoin family: an "
                            "account chain has no transaction-to-transaction links (use "
                            "--level address)\n");
    tu_run_free(&r);
    cr_assert_eq(access(out, F_OK), -1);
    tu_rmtree(tmp);
    free(blk), free(rcp), free(out), free(db), free(tmp);
}

/* X8: a write that fails (here the file-size limit, as a full disk would) leaves no file at
 * the path and no temporary beside it, and says so. */
Test(export_lib, failed_write_leaves_nothing)
{
    char *dbdir = tu_db_first_4313(), *tmp = tu_tmpdir(), *out = path_in(tmp, "big.graphml");
    ct_db *db = tu_db_open(dbdir, false);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {2000, 2000};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    ct_export_address_options o = CT_EXPORT_ADDRESS_OPTIONS_INIT;
    o.hops = 3;
    ct_export_stats st;
    ct_error err;
    ct_error_clear(&err);
    int rc = ct_export_address(db, &st, SATOSHI, out, &o, &err);
    cr_assert_eq(rc, CT_EIO, "%d %s", rc, err.detail);
    cr_assert_str_eq(err.reason, "cannot-write");
    char *l = listing(tmp);
    cr_assert_str_eq(l, "");
    free(l);
    ct_db_close(db);
    tu_rmtree(tmp), tu_rmtree(dbdir);
    free(out), free(tmp), free(dbdir);
}

/* export trace: the flows of Satoshi's coins, the first spends written exactly; every
 * model carried the whole 50 BTC of height 9 into Hal's transaction. */
Test(export_cli, trace_flows_csv)
{
    char *db = tu_db_first_4313(), *tmp = tu_tmpdir(), *out = path_in(tmp, "flows");
    tu_run r;
    run(&r, db, (const char *[]){"trace", "--from", SATOSHI, "--format", "csv", "-o", out, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    char want[600];
    snprintf(want, sizeof(want), "chaintrail: export: wrote 14 nodes and 14 edges to %s (csv)\n",
             out);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    char *edges = path_in(out, "edges.csv"), *e = slurp(edges);
    const char *head =
        "id,source,target,kind,address,asset,value,height,time,txid,index,taint_poison,"
        "taint_haircut,taint_fifo,taint_lifo,taint_tiho\n"
        "e0,n0,n1,\"flow\",\"" SATOSHI "\",\"BTC\",5000000000,9,\"2009-01-09T03:54:39Z\","
        "\"0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9\",0,5000000000,"
        "5000000000,5000000000,5000000000,5000000000\n"
        "e1,n1,n2,\"flow\",\"" SATOSHI "\",\"BTC\",4000000000,170,\"2009-01-12T03:30:25Z\",\"" TX170
        "\",1,4000000000,4000000000,4000000000,4000000000,4000000000\n";
    cr_assert(strncmp(e, head, strlen(head)) == 0, "%s", e);
    char *nodes = path_in(out, "nodes.csv"), *n = slurp(nodes);
    const char *nhead =
        "id,kind,address,label,category,cluster,value,height,time,txid\n"
        "n0,\"tx\",\"\",\"\",\"\",\"\",0,9,\"2009-01-09T03:54:39Z\","
        "\"0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9\"\n"
        "n1,\"tx\",\"\",\"\",\"\",\"\",5000000000,170,\"2009-01-12T03:30:25Z\",\"" TX170 "\"\n";
    cr_assert(strncmp(n, nhead, strlen(nhead)) == 0, "%s", n);
    free(e), free(edges), free(n), free(nodes);
    tu_rmtree(tmp), tu_rmtree(db);
    free(out), free(tmp), free(db);
}

/* export cluster: Satoshi's cluster 19 (his P2PK key's two address forms) as its two
 * members, and the clusters it paid at heights 170..248 as cluster nodes; by id or by a
 * member address the same bytes; --level cluster puts Satoshi's change to himself on a loop
 * of his cluster's node. */
Test(export_cli, cluster_members_exact)
{
    char *db = tu_db_first_4313(), *tmp = tu_tmpdir(), *out = path_in(tmp, "c19"),
         *out2 = path_in(tmp, "csat");
    tu_run r;
    run(&r, db, (const char *[]){"cluster", "19", "--format", "csv", "-o", out, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    char want[600];
    snprintf(want, sizeof(want), "chaintrail: export: wrote 7 nodes and 10 edges to %s (csv)\n",
             out);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    run(&r, db, (const char *[]){"cluster", SATOSHI, "--format", "csv", "-o", out2, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    char *nodes = path_in(out, "nodes.csv"), *n = slurp(nodes);
    char *nodes2 = path_in(out2, "nodes.csv"), *n2 = slurp(nodes2);
    cr_assert_str_eq(n, n2);
    const char *nhead =
        "id,kind,address,label,category,cluster,value,height,time,txid\n"
        "n0,\"address\",\"" SATOSHI "\",\"\",\"\",\"19\",14500000000,170,"
        "\"2009-01-12T03:30:25Z\",\"\"\n"
        "n1,\"address\",\"13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW\",\"\",\"\",\"19\",0,,,"
        "\"\"\n"
        "n2,\"cluster\",\"" HAL "\",\"\",\"\",\"343\",1000000000,170,"
        "\"2009-01-12T03:30:25Z\",\"\"\n";
    cr_assert(strncmp(n, nhead, strlen(nhead)) == 0, "%s", n);
    char *edges = path_in(out, "edges.csv"), *e = slurp(edges);
    const char *ehead =
        "id,source,target,kind,address,asset,value,height,time,txid,index\n"
        "e0,n0,n2,\"payment\",\"\",\"BTC\",1000000000,170,\"2009-01-12T03:30:25Z\",\"" TX170
        "\",0\n"
        "e1,n0,n0,\"payment\",\"\",\"BTC\",4000000000,170,\"2009-01-12T03:30:25Z\",\"" TX170
        "\",1\n";
    cr_assert(strncmp(e, ehead, strlen(ehead)) == 0, "%s", e);
    free(n), free(n2), free(e), free(nodes), free(nodes2), free(edges);
    char *out3 = path_in(tmp, "lc");
    run(&r, db,
        (const char *[]){"address", SATOSHI, "--level", "cluster", "--direction", "out", "--format",
                         "csv", "-o", out3, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    char *edges3 = path_in(out3, "edges.csv"), *e3 = slurp(edges3);
    const char *e3head =
        "id,source,target,kind,address,asset,value,height,time,txid,index\n"
        "e0,n0,n1,\"payment\",\"\",\"BTC\",1000000000,170,\"2009-01-12T03:30:25Z\",\"" TX170
        "\",0\n"
        "e1,n0,n0,\"payment\",\"\",\"BTC\",4000000000,170,\"2009-01-12T03:30:25Z\",\"" TX170
        "\",1\n";
    cr_assert(strncmp(e3, e3head, strlen(e3head)) == 0, "%s", e3);
    char *nodes3 = path_in(out3, "nodes.csv"), *n3 = slurp(nodes3);
    const char *n3head = "id,kind,address,label,category,cluster,value,height,time,txid\n"
                         "n0,\"cluster\",\"" SATOSHI "\",\"\",\"\",\"19\",";
    cr_assert(strncmp(n3, n3head, strlen(n3head)) == 0, "%s", n3);
    free(e3), free(edges3), free(n3), free(nodes3), free(out3);
    tu_rmtree(tmp), tu_rmtree(db);
    free(out), free(out2), free(tmp), free(db);
}

/* export trace --backward: where Hal's 10 BTC came from. The edges go the way the trace
 * went: from Hal's address (the source) to the transaction that paid him (height 170), and
 * on to the coinbase output of height 9 that paid it, Satoshi's, where the walk stops
 * (category coinbase): poison takes the whole 50 BTC, the other models the 10 BTC. */
Test(export_cli, trace_backward_csv_exact)
{
    char *db = tu_db_first_4313(), *tmp = tu_tmpdir(), *out = path_in(tmp, "back");
    tu_run r;
    run(&r, db,
        (const char *[]){"trace", "--backward", "--from", HAL, "--format", "csv", "-o", out, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    char want[600];
    snprintf(want, sizeof(want), "chaintrail: export: wrote 4 nodes and 2 edges to %s (csv)\n",
             out);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    char *nodes = path_in(out, "nodes.csv"), *n = slurp(nodes);
    cr_assert_str_eq(
        n, "id,kind,address,label,category,cluster,value,height,time,txid\n"
           "n0,\"tx\",\"\",\"\",\"\",\"\",1000000000,170,\"2009-01-12T03:30:25Z\",\"" TX170 "\"\n"
           "n1,\"tx\",\"\",\"\",\"\",\"\",0,9,\"2009-01-09T03:54:39Z\","
           "\"0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9\"\n"
           "n2,\"address\",\"" HAL "\",\"\",\"source\",\"\",0,,,\"\"\n"
           "n3,\"address\",\"" SATOSHI "\",\"\",\"coinbase\",\"19\",5000000000,9,"
           "\"2009-01-09T03:54:39Z\",\"\"\n");
    char *edges = path_in(out, "edges.csv"), *e = slurp(edges);
    cr_assert_str_eq(
        e, "id,source,target,kind,address,asset,value,height,time,txid,index,taint_poison,"
           "taint_haircut,taint_fifo,taint_lifo,taint_tiho\n"
           "e0,n2,n0,\"flow\",\"" HAL "\",\"BTC\",1000000000,170,\"2009-01-12T03:30:25Z\",\"" TX170
           "\",0,1000000000,1000000000,1000000000,1000000000,1000000000\n"
           "e1,n0,n3,\"flow\",\"" SATOSHI "\",\"BTC\",5000000000,9,\"2009-01-09T03:54:39Z\","
           "\"0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9\",0,5000000000,"
           "1000000000,1000000000,1000000000,1000000000\n");
    free(e), free(edges), free(n), free(nodes);
    tu_rmtree(tmp), tu_rmtree(db);
    free(out), free(tmp), free(db);
}

/* export trace on Ethereum: the flows of a trace from Uniswap's router in block 19433902,
 * wei as decimal strings and the taint of each model on each transfer; the first edge is
 * the first transfer into the router (hop 0, the source), whole in every model. */
Test(export_cli, trace_ethereum_csv)
{
    char *tmp = tu_tmpdir(), *db = path_in(tmp, "db"), *out = path_in(tmp, "flows");
    char *blk = tu_fixture("eth/trin/eth_getBlockByNumber_19433902_full.json");
    char *rcp = tu_fixture("eth/trin/eth_getBlockReceipts_19433902.json");
    char d[600];
    snprintf(d, sizeof(d), "--db=%s", db);
    tu_run r;
    tu_exec(&r, (const char *[]){d, "ingest", "ethereum", "--json", blk, rcp, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    run(&r, db,
        (const char *[]){"trace", "--from", "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD",
                         "--format", "csv", "-o", out, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    char want[600];
    snprintf(want, sizeof(want), "chaintrail: export: wrote 34 nodes and 34 edges to %s (csv)\n",
             out);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    char *edges = path_in(out, "edges.csv"), *e = slurp(edges);
    const char *head =
        "id,source,target,kind,address,asset,value,height,time,txid,index,taint_poison,"
        "taint_haircut,taint_fifo,taint_lifo,taint_tiho\n"
        "e0,n0,n1,\"native\",\"\",\"ETH\",405700822083053496,19433902,\"2024-03-14T14:41:59Z\","
        "\"0xd8121e438963e58009bb8ccd9ea10158d32420298f7fd39a42643010f105fac4\",0,"
        "405700822083053496,405700822083053496,405700822083053496,405700822083053496,"
        "405700822083053496\n";
    cr_assert(strncmp(e, head, strlen(head)) == 0, "%s", e);
    free(e), free(edges);
    tu_rmtree(tmp);
    free(blk), free(rcp), free(out), free(db), free(tmp);
}

/* --level cluster and export cluster on a database that does not cluster: usage errors that
 * say how to get clusters, and nothing written; the address level has an empty cluster. */
Test(export_cli, clusters_needed)
{
    char *tmp = tu_tmpdir(), *db = path_in(tmp, "db"), *out = path_in(tmp, "o");
    char *blk = tu_fixture("btc/blk_consecutive/jeffchan/blk00000_first1MB.dat");
    char d[600];
    snprintf(d, sizeof(d), "--db=%s", db);
    tu_run r;
    tu_exec(&r, (const char *[]){d, "ingest", "bitcoin", "--no-clusters", "--quiet", blk, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    run(&r, db,
        (const char *[]){"address", SATOSHI, "--level", "cluster", "--format", "csv", "-o", out,
                         NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: export: the database does not cluster addresses "
                            "(docs/clustering.md): 'cluster rebuild' makes the clusters\n");
    tu_run_free(&r);
    run(&r, db, (const char *[]){"cluster", SATOSHI, "--format", "csv", "-o", out, NULL});
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: export: this database has no clusters; run "
                            "'chaintrail cluster rebuild'\n");
    tu_run_free(&r);
    cr_assert_eq(access(out, F_OK), -1);
    run(&r, db, (const char *[]){"address", SATOSHI, "--format", "csv", "-o", out, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    char *nodes = path_in(out, "nodes.csv"), *n = slurp(nodes);
    const char *head = "id,kind,address,label,category,cluster,value,height,time,txid\n"
                       "n0,\"address\",\"" SATOSHI "\",\"\",\"\",\"\",";
    cr_assert(strncmp(n, head, strlen(head)) == 0, "%s", n);
    free(n), free(nodes);
    tu_rmtree(tmp);
    free(blk), free(out), free(db), free(tmp);
}
