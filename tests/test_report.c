/* engine/report (include/chaintrail/report.h, docs/html.md): the HTML of a model, its text
 * escaped, summarised to the node budget, edges numbered in time order, amounts exact, the
 * safe file writer; and `trace --format html` end to end on the real 2009 blocks. The page
 * opened in Chromium is tests/report/chromium.py. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chaintrail/report.h"
#include "testutil.h"

static char *render(ct_report *r, size_t max_nodes, ct_report_html_stats *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    ct_report_html_options o = CT_REPORT_HTML_OPTIONS_INIT;
    o.max_nodes = max_nodes;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_report_html_write(r, f, st, &o, &err), CT_OK, "%s", err.detail);
    fclose(f);
    return buf;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static size_t add_node(ct_report *r, ct_report_node_kind kind, const char *key, const char *label,
                       const char *category, uint32_t column)
{
    ct_report_node n = {kind, key, label, NULL, category, column};
    size_t idx;
    cr_assert_eq(ct_report_add_node(r, &n, &idx), CT_OK);
    return idx;
}

static void add_edge(ct_report *r, size_t from, size_t to, uint64_t amount, uint32_t time)
{
    ct_report_edge e;
    memset(&e, 0, sizeof(e));
    e.from = from;
    e.to = to;
    e.amount[0] = ct_u256_from_u64(amount);
    e.has = 1;
    e.time = time;
    e.height = time / 10;
    cr_assert_eq(ct_report_add_edge(r, &e, NULL), CT_OK);
}

/* Labels are hostile input (bad-inputs.md X2-X4): markup, quotes, &, controls, invalid
 * UTF-8 and very long text reach the page as text, in the SVG and in the tables. */
Test(report, hostile_text_is_escaped)
{
    static const char evil[] = "<script>alert(1)</script> & \"q\" 'a' \x01\x1b[31m\xff end";
    ct_report *r = ct_report_new(evil);
    cr_assert_not_null(r);
    size_t m, a, t;
    cr_assert_eq(ct_report_add_measure(r, "fifo", &m), CT_OK);
    cr_assert_eq(ct_report_add_asset(r, "BTC", 8, true, &a), CT_OK);
    cr_assert_eq(ct_report_add_note(r, evil), CT_OK);
    size_t s = add_node(r, CT_REPORT_SOURCE, "s", evil, NULL, 0);
    char longl[5000];
    memset(longl, 'L', sizeof(longl) - 1);
    longl[sizeof(longl) - 1] = '\0';
    size_t e = add_node(r, CT_REPORT_ENDPOINT, "e", longl, "exchange\"><script>", 0);
    add_edge(r, s, e, 150000000, 1000);
    const char *cols[] = {"label <b>", "amount"};
    cr_assert_eq(ct_report_add_table(r, "T & <i>", evil, cols, 2, 2, true, &t), CT_OK);
    const char *row[] = {evil, longl};
    cr_assert_eq(ct_report_add_row(r, t, row, 0), CT_OK);
    char *html = render(r, 0, NULL);
    cr_assert_null(strstr(html, "<script"), "%s", html);
    cr_assert_null(strstr(html, "<b>"));
    cr_assert_null(strstr(html, "<i>"));
    cr_assert_null(strchr(html, '\x01'));
    cr_assert_null(strchr(html, '\x1b'));
    cr_assert_null(strchr(html, '\xff'));
    cr_assert(strstr(html,
                     "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &apos;a&apos; "
                     "\xef\xbf\xbd\xef\xbf\xbd[31m\xef\xbf\xbd end"),
              "%s", html);
    /* the category, in an attribute */
    cr_assert(strstr(html, "data-category=\"exchange&quot;&gt;&lt;script&gt;\""), "%s", html);
    /* in the picture the long label is cut to 26 characters; the table has it whole */
    cr_assert(strstr(html, "LLLLLLLLLLLLLLLLLLLLLLLLL…</text>"), "%s", html);
    cr_assert(strstr(html, longl));
    cr_assert(strstr(html, "<th>label &lt;b&gt;</th>"));
    cr_assert(strstr(html, "<h3>T &amp; &lt;i&gt;</h3>"));
    /* no network: a CSP forbids every load, and nothing external is named */
    cr_assert(strstr(html, "content=\"default-src 'none'; style-src 'unsafe-inline'\""));
    cr_assert_null(strstr(html, "http://"));
    cr_assert_null(strstr(html, "https://"));
    cr_assert_null(strstr(html, "src="));
    free(html);
    ct_report_free(r);
}

/* Amounts are written exactly, with the asset's decimals, or in base units when unknown. */
Test(report, amounts_are_exact)
{
    ct_report *r = ct_report_new("x");
    size_t btc, tok, eth;
    cr_assert_eq(ct_report_add_asset(r, "BTC", 8, true, &btc), CT_OK);
    cr_assert_eq(ct_report_add_asset(r, "0xC02a…6Cc2", 0, false, &tok), CT_OK);
    cr_assert_eq(ct_report_add_asset(r, "ETH", 18, true, &eth), CT_OK);
    char out[200];
    ct_u256 v = ct_u256_from_u64(1);
    ct_report_amount(r, out, sizeof(out), btc, &v);
    cr_assert_str_eq(out, "0.00000001 BTC");
    v = ct_u256_from_u64(12345678901ull);
    ct_report_amount(r, out, sizeof(out), btc, &v);
    cr_assert_str_eq(out, "123.45678901 BTC");
    ct_report_amount(r, out, sizeof(out), tok, &v);
    cr_assert_str_eq(out, "12345678901 0xC02a…6Cc2 units");
    memset(&v, 0xff, sizeof(v)); /* 2^256 - 1 wei, to the last digit */
    ct_report_amount(r, out, sizeof(out), eth, &v);
    cr_assert_str_eq(out, "115792089237316195423570985008687907853269984665640564039457."
                          "584007913129639935 ETH");
    ct_report_free(r);
}

/* About max_nodes nodes: the K heaviest with one "N more" node per (column, category) that
 * lost some, K + those <= max_nodes; edges into the aggregates merged. The page says so. */
Test(report, large_pictures_are_summarised)
{
    ct_report *r = ct_report_new("big");
    size_t m, a;
    cr_assert_eq(ct_report_add_measure(r, "fifo", &m), CT_OK);
    cr_assert_eq(ct_report_add_asset(r, "BTC", 8, true, &a), CT_OK);
    size_t s = add_node(r, CT_REPORT_SOURCE, "s", "thief", NULL, 0);
    size_t e = add_node(r, CT_REPORT_ENDPOINT, "e", "exchange", "exchange", 0);
    for (int i = 1; i <= 200; i++) {
        char key[16];
        snprintf(key, sizeof(key), "t%03d", i);
        size_t t = add_node(r, CT_REPORT_TX, key, key, NULL, 1);
        add_edge(r, s, t, (uint64_t)i * 1000, 1000 + (uint32_t)i);
        add_edge(r, t, e, (uint64_t)i * 1000, 2000 + (uint32_t)i);
    }
    ct_report_html_stats st;
    char *html = render(r, 100, &st);
    /* K = 99: the source, the exchange and the 97 largest transactions, 1 aggregate */
    cr_assert_eq(st.nodes, 100);
    cr_assert_eq(st.aggregated, 103);
    cr_assert_eq(st.edges, 97 * 2 + 2);
    cr_assert_eq(st.nodes_in, 202);
    cr_assert_eq(st.edges_in, 400);
    cr_assert_eq(count(html, "<g class=\"node "), 100);
    cr_assert_eq(count(html, "<g class=\"edge\""), 196);
    cr_assert(strstr(html, ">103 more transactions</text>"), "%s", html);
    cr_assert(strstr(html, "t200</text>")); /* the largest are kept */
    cr_assert(strstr(html, "t104</text>"));
    cr_assert_null(strstr(html, "t103</text>"));
    /* the aggregate's edges carry the sum of 1..103 thousand satoshi */
    cr_assert(strstr(html, "fifo: 0.05356000 BTC"), "%s", html);
    cr_assert(strstr(html, "Summarised: 99 of the 202 nodes are drawn one by one"));
    /* the same model twice: the same bytes */
    char *again = render(r, 100, NULL);
    cr_assert_str_eq(html, again);
    free(again);
    free(html);
    /* within the budget nothing is aggregated */
    html = render(r, 300, &st);
    cr_assert_eq(st.nodes, 202);
    cr_assert_eq(st.aggregated, 0);
    cr_assert_null(strstr(html, "Summarised"));
    free(html);
    ct_report_free(r);
}

/* Edges are numbered by time (then height), whatever the order they were added in; a table
 * row names its edge by that number. */
Test(report, edges_are_numbered_in_time_order)
{
    ct_report *r = ct_report_new("t");
    size_t m, a, t;
    cr_assert_eq(ct_report_add_measure(r, "fifo", &m), CT_OK);
    cr_assert_eq(ct_report_add_asset(r, "BTC", 8, true, &a), CT_OK);
    size_t s = add_node(r, CT_REPORT_SOURCE, "s", "s", NULL, 0);
    size_t x = add_node(r, CT_REPORT_TX, "x", "x", NULL, 1);
    size_t e = add_node(r, CT_REPORT_ENDPOINT, "e", "e", "unspent", 0);
    add_edge(r, x, e, 5, 3000); /* model edge 0: the later */
    add_edge(r, s, x, 5, 1000); /* model edge 1: the earlier */
    add_edge(r, s, x, 7, 500);  /* merged into edge 1: its time is the earliest */
    const char *cols[] = {"what"};
    cr_assert_eq(ct_report_add_table(r, "ev", NULL, cols, 1, 0, true, &t), CT_OK);
    cr_assert_eq(ct_report_add_row(r, t, (const char *[]){"later"}, 0), CT_OK);
    cr_assert_eq(ct_report_add_row(r, t, (const char *[]){"earlier"}, 1), CT_OK);
    char *html = render(r, 0, NULL);
    cr_assert(strstr(html, "id=\"e1\" data-from=\"n1\" data-to=\"n2\"><title>#1 from height 50, "
                           "1970-01-01T00:08:20Z\nfifo: 0.00000012 BTC</title>"),
              "%s", html);
    cr_assert(strstr(html, "id=\"e2\" data-from=\"n2\" data-to=\"n3\"><title>#2 from height 300"),
              "%s", html);
    cr_assert(strstr(html, "<tr><td class=\"n\"><a href=\"#e2\">#2</a></td><td>later</td></tr>"));
    cr_assert(strstr(html, "<tr><td class=\"n\"><a href=\"#e1\">#1</a></td><td>earlier</td></tr>"));
    free(html);
    ct_report_free(r);
}

/* Endpoints are grouped by category, cash-out first, each under its heading and in its
 * colour; a bridge (a change of chain) is drawn with a bridge. */
Test(report, endpoints_by_category_and_the_bridge)
{
    ct_report *r = ct_report_new("c");
    size_t m, a;
    cr_assert_eq(ct_report_add_measure(r, "fifo", &m), CT_OK);
    cr_assert_eq(ct_report_add_asset(r, "ETH", 18, true, &a), CT_OK);
    size_t s = add_node(r, CT_REPORT_SOURCE, "s", "thief", NULL, 0);
    size_t u = add_node(r, CT_REPORT_ENDPOINT, "u", "left", "unspent", 0);
    size_t b = add_node(r, CT_REPORT_ENDPOINT, "b", "Wormhole", "bridge", 0);
    size_t x = add_node(r, CT_REPORT_ENDPOINT, "x", "Binance 14", "exchange", 0);
    add_edge(r, s, u, 3, 10);
    add_edge(r, s, b, 2, 20);
    add_edge(r, s, x, 1, 30);
    char *html = render(r, 0, NULL);
    /* exchange on top, then bridge, then unspent, each under its heading */
    cr_assert(strstr(html, "<text class=\"grp\" x=\"340.0\" y=\"61.0\" fill=\"#2e7d32\">exchange"),
              "%s", html);
    cr_assert(strstr(html, "<text class=\"grp\" x=\"340.0\" y=\"137.0\" fill=\"#00838f\">bridge"));
    cr_assert(strstr(html, "<text class=\"grp\" x=\"340.0\" y=\"213.0\" fill=\"#757575\">unspent"));
    cr_assert_eq(count(html, "<path class=\"bridge\""), 1);
    const char *bridge = strstr(html, "<path class=\"bridge\"");
    const char *node = strstr(html, "data-category=\"bridge\"");
    cr_assert(node && bridge > node && bridge < strstr(node, "</g>"));
    free(html);
    ct_report_free(r);
}

/* The model of a trace: at most max_rows evidence rows, the largest, in time order, and
 * the table says how many were left out. A hand-made FIFO result: the source address pays
 * tx 1 (hop 0), tx 1 makes three outputs (hop 1) to three unspent addresses. */
Test(report, evidence_rows_are_cut_to_the_largest)
{
    ct_trace_result res;
    memset(&res, 0, sizeof(res));
    ct_trace_txref txs[2];
    memset(txs, 0, sizeof(txs));
    txs[0].txid[31] = 0xaa; /* the last byte is displayed first: aa00...00 */
    txs[0].height = 10;
    txs[0].time = 1231006505;
    txs[1].txid[31] = 0xbb;
    txs[1].height = 11;
    txs[1].time = 1231006505 + 600;
    char n0[] = "src", n1[] = "a1", n2[] = "a2", n3[] = "a3";
    char *addrs[] = {n0, n1, n2, n3};
    res.txs = txs;
    res.n_txs = 2;
    res.addresses = addrs;
    res.n_addresses = 4;
    ct_trace_endpoint eps[3];
    memset(eps, 0, sizeof(eps));
    for (int i = 0; i < 3; i++) {
        eps[i].address = addrs[1 + i];
        strcpy(eps[i].category, "unspent");
        eps[i].first_height = eps[i].last_height = 11;
        eps[i].n_outputs = 1;
    }
    eps[0].taint = 500;
    eps[1].taint = 300;
    eps[2].taint = 200;
    ct_trace_flow fl[4];
    memset(fl, 0, sizeof(fl));
    fl[0] = (ct_trace_flow){0,    0, 0,    10, 1231006505, CT_TRACE_NONE, 1, 0, CT_TRACE_NONE,
                            1000, 0, false};
    for (int i = 0; i < 3; i++)
        fl[1 + i] = (ct_trace_flow){
            1,         (uint32_t)i,  1, 11,   1231007105, 1, CT_TRACE_NONE, (size_t)(1 + i),
            (size_t)i, eps[i].taint, 0, false};
    ct_trace_model_result *x = &res.model[CT_MODEL_FIFO];
    x->enabled = true;
    x->source_sat = 1000;
    x->flows_whole = true;
    x->flows = fl;
    x->n_flows = 4;
    x->endpoints = eps;
    x->n_endpoints = 3;
    ct_trace_category cat = {"unspent", 1000, 0, 1000};
    x->categories = &cat;
    x->n_categories = 1;
    res.complete = true;
    ct_report *r = ct_report_new("cut");
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_report_from_trace(r, &res, "BTC", 2, &err), CT_OK, "%s", err.detail);
    char *html = render(r, 0, NULL);
    /* the source's 1000 sat and a1's 500 are kept, a2 and a3 are left out */
    cr_assert(strstr(html, "<td>aa00000000000000000000000000000000000000000000000000000000000000:0"
                           "</td><td class=\"n\">10</td><td>2009-01-03T18:15:05Z</td><td>0</td>"
                           "<td>src</td><td>on to "
                           "bb00000000000000000000000000000000000000000000000000000000000000</td>"
                           "<td class=\"n\">0.00001000 BTC</td></tr>"),
              "%s", html);
    cr_assert(strstr(html, "bb00000000000000000000000000000000000000000000000000000000000000:0</"
                           "td><td class=\"n\">11</td><td>2009-01-03T18:25:05Z</td><td>1</td>"
                           "<td>a1</td><td>unspent</td><td class=\"n\">0.00000500 BTC</td></tr>"));
    cr_assert_null(
        strstr(html, "bb00000000000000000000000000000000000000000000000000000000000000:1</td>"));
    cr_assert_null(
        strstr(html, "bb00000000000000000000000000000000000000000000000000000000000000:2</td>"));
    cr_assert(strstr(html,
                     "<p class=\"note\">2 more rows, the smallest, are left out (at most 2 are "
                     "listed): trace --flows --format csv lists every flow.</p>"));
    /* the picture has them all: the source, tx bb and the three endpoints */
    cr_assert_eq(count(html, "<g class=\"node "), 5);
    cr_assert_eq(count(html, "<g class=\"edge\""), 4);
    cr_assert(strstr(html, "<tr><td>unspent</td><td class=\"n\">0.00001000 BTC</td></tr>"));
    free(html);
    ct_report_free(r);
}

/* -o PATH goes through the export's safe file writer: no symbolic link, an existing file
 * only with force. */
Test(report, the_file_is_written_safely)
{
    char *dir = tu_tmpdir(), path[600], link[600];
    snprintf(path, sizeof(path), "%s/r.html", dir);
    snprintf(link, sizeof(link), "%s/l.html", dir);
    ct_report *r = ct_report_new("safe");
    ct_report_html_options o = CT_REPORT_HTML_OPTIONS_INIT;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_report_html_write_path(r, path, NULL, &o, &err), CT_OK);
    size_t n1;
    char *first = (char *)tu_read_file(path, &n1);
    cr_assert(strstr(first, "<title>safe</title>"));
    cr_assert_eq(ct_report_html_write_path(r, path, NULL, &o, &err), CT_EIO);
    cr_assert_str_eq(err.reason, "output-exists");
    o.force = true;
    cr_assert_eq(ct_report_html_write_path(r, path, NULL, &o, &err), CT_OK);
    cr_assert_eq(symlink(path, link), 0);
    cr_assert_eq(ct_report_html_write_path(r, link, NULL, &o, &err), CT_EIO);
    cr_assert_str_eq(err.reason, "output-symlink");
    free(first);
    ct_report_free(r);
    tu_rmtree(dir);
    free(dir);
}

/* ---- trace --format html on the real 2009 blocks ---- */
#define SRC "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"

Test(report, trace_html_on_the_2009_blocks)
{
    char *db = tu_tmpdir();
    char *blk = tu_fixture("btc/blk_consecutive/jeffchan/blk00000_first1MB.dat");
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "ingest", "bitcoin", "--quiet", blk, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    free(blk);
    /* to standard output: the FIFO picture of Satoshi's coins, Hal Finney's 10 BTC as
     * flow #3 of the evidence (output f4184fc5...:0, height 170) */
    tu_exec(&r,
            (const char *[]){"--db", db, "trace", "--from", SRC, "--model", "fifo", "--format",
                             "html", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "");
    cr_assert(strncmp(r.out, "<!DOCTYPE html>\n", 16) == 0);
    cr_assert(strstr(r.out, "<td class=\"n\"><a href=\"#e3\">#3</a></td>"
                            "<td>f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16:0"
                            "</td><td class=\"n\">170</td><td>2009-01-12T03:30:25Z</td><td>1</td>"
                            "<td>1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3</td><td>unspent</td>"
                            "<td class=\"n\">10.00000000 BTC</td></tr>"),
              "%s", r.out);
    cr_assert(strstr(r.out, "<tr><td>source (total)</td><td class=\"n\">50.00000000 BTC</td></tr>"),
              "%s", r.out);
    cr_assert(strstr(r.out, "<tr><td>database tip</td><td>4312 "
                            "00000000a9da635727dce622d78361b153ce3334e6a60d4377fad529abfc7863"
                            "</td></tr>"));
    cr_assert_eq(count(r.out, "<g class=\"node "), 14);
    cr_assert_eq(count(r.out, "<g class=\"edge\""), 14);
    char *out1 = r.out;
    r.out = NULL;
    tu_run_free(&r);
    /* -o PATH: the same bytes in the file, a line on standard error */
    char path[600];
    snprintf(path, sizeof(path), "%s/t.html", db);
    tu_exec(&r,
            (const char *[]){"--db", db, "trace", "--from", SRC, "--model", "fifo", "--format",
                             "html", "-o", path, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    char want[800];
    snprintf(want, sizeof(want),
             "chaintrail: trace: wrote %s (html: 14 nodes and 14 edges drawn)\n", path);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    size_t n;
    char *file = (char *)tu_read_file(path, &n);
    cr_assert_str_eq(file, out1);
    free(file);
    free(out1);
    /* an existing file is not replaced without --force (exit 5) */
    tu_exec(
        &r,
        (const char *[]){"--db", db, "trace", "--from", SRC, "--format", "html", "-o", path, NULL},
        NULL);
    cr_assert_eq(r.status, 5, "%s", r.err);
    cr_assert(strstr(r.err, "chaintrail: trace: "), "%s", r.err);
    cr_assert(strstr(r.err, "exists"), "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db, "trace", "--from", SRC, "--format", "html", "-o", path,
                             "--force", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    /* the page lists every endpoint: --group and --limit are refused */
    tu_exec(&r,
            (const char *[]){"--db", db, "trace", "--from", SRC, "--limit", "2", "--format", "html",
                             NULL},
            NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: trace: --group and --limit do not apply to --format html "
                            "(its tables list every endpoint, per service)\n");
    tu_run_free(&r);
    /* a trace cut by its budget says so under the title */
    tu_exec(&r,
            (const char *[]){"--db", db, "trace", "--from", SRC, "--max-nodes", "2", "--format",
                             "html", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "<p class=\"warn\">INCOMPLETE: the budget ran out: max-nodes reached"),
              "%s", r.out);
    tu_run_free(&r);
    /* -o and --force are for the HTML only */
    tu_exec(&r, (const char *[]){"--db", db, "trace", "--from", SRC, "-o", path, NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(
        r.err, "chaintrail: trace: -o PATH and --force write the HTML only (--format html)\n");
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    tu_rmtree(db);
    free(db);
}

/* A page of several models (the case report): one h1, each model a section headed by its
 * title, a picture only for the models with nodes, and the ids of each part prefixed so that
 * two pictures never share an id; the stats are the sums. */
Test(report, pages_of_several_models)
{
    ct_report *a = ct_report_new("Provenance <a>");
    ct_report *b = ct_report_new("Case one");
    ct_report *c = ct_report_new("Case two");
    cr_assert(a && b && c);
    size_t m, t;
    cr_assert_eq(ct_report_add_note(a, "a note"), CT_OK);
    static const char *const cols[] = {"field", "value"};
    cr_assert_eq(ct_report_add_table(a, "Tool", NULL, cols, 2, 0, false, &t), CT_OK);
    const char *row[2] = {"chaintrail", "0.1.0"};
    cr_assert_eq(ct_report_add_row(a, t, row, CT_REPORT_NONE), CT_OK);
    ct_report *pics[2] = {b, c};
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(ct_report_add_measure(pics[k], "haircut", &m), CT_OK);
        cr_assert_eq(ct_report_add_asset(pics[k], "BTC", 8, true, &m), CT_OK);
        size_t s = add_node(pics[k], CT_REPORT_SOURCE, "s", "src", NULL, 0);
        size_t e = add_node(pics[k], CT_REPORT_ENDPOINT, "e", "ex", "exchange", 0);
        add_edge(pics[k], s, e, 100 + (uint64_t)k, 10);
        if (k == 1) {
            size_t x = add_node(pics[k], CT_REPORT_ENDPOINT, "u", "left", "unspent", 0);
            add_edge(pics[k], s, x, 5, 20);
        }
    }
    ct_report *parts[3] = {a, b, c};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    ct_report_html_stats st;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_report_html_write_parts(parts, 3, "Case report: x", f, &st, NULL, &err), CT_OK);
    fclose(f);
    cr_assert_eq(count(buf, "<h1>"), 1);
    cr_assert(strstr(buf, "<title>Case report: x</title>"));
    cr_assert(strstr(buf,
                     "<section class=\"part\"><h2>Provenance &lt;a&gt;</h2>\n<p class=\"note\">a "
                     "note</p>\n<section class=\"table\"><h3>Tool</h3>"));
    cr_assert(strstr(buf, "<section class=\"part\"><h2>Case one</h2>"));
    cr_assert(strstr(buf, "<section class=\"part\"><h2>Case two</h2>"));
    cr_assert_eq(count(buf, "<svg"), 2);
    cr_assert_eq(count(buf, "<h3>Flows</h3>"), 2);
    cr_assert_eq(count(buf, "id=\"p2-picture\""), 1);
    cr_assert_eq(count(buf, "id=\"p3-picture\""), 1);
    cr_assert_eq(count(buf, "id=\"p2-e1\" data-from=\"p2-n"), 1);
    cr_assert_eq(count(buf, "id=\"p3-e2\" data-from=\"p3-n"), 1);
    cr_assert_eq(count(buf, "id=\"e1\""), 0);
    cr_assert_eq(st.nodes, 5);
    cr_assert_eq(st.edges, 3);
    cr_assert_eq(st.nodes_in, 5);
    cr_assert_eq(st.edges_in, 3);
    free(buf);
    /* the one-model page keeps its ids as they were */
    buf = render(b, 0, NULL);
    cr_assert_eq(count(buf, "id=\"e1\" data-from=\"n"), 1);
    cr_assert_eq(count(buf, "<section class=\"part\">"), 0);
    free(buf);
    ct_report_free(a);
    ct_report_free(b);
    ct_report_free(c);
}
