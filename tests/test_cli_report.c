/* `chaintrail report` as a case file (docs/report.md): on simulated heists of several seeds,
 * every service the simulator's ground truth says the theft reached, with its amount under
 * each model to the satoshi, its deposit addresses and its first and last blocks; the
 * deposit transactions add up to each service; the lines add up to the value stolen under
 * every model but poison. On the real 2009 blocks, the exact text, CSV and JSON. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "testutil.h"

#define ETH_POOL "0x048d3180ecf61b82f47078f6ebb3298326d70431"

static const char *const models[] = {"poison", "haircut", "fifo", "lifo", "tiho"};
#define N_MODELS 5

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

static json_t *load_json(const char *text, size_t len)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    cr_assert_not_null(j, "json: %s at %d", je.text, je.position);
    return j;
}

static json_t *jget(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert_not_null(v, "member '%s' missing", key);
    return v;
}

static long long jint(json_t *o, const char *key)
{
    json_t *v = jget(o, key);
    cr_assert(json_is_integer(v), "'%s' is not an integer", key);
    return json_integer_value(v);
}

static void utc_of(char out[32], long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* What the truth says of one service (category, label) under each model. */
typedef struct exp_service {
    char category[24], label[160];
    long long sat[N_MODELS];
    long long first_height, first_time, last_height, last_time;
    size_t n_addr;
    char addr[512][72];
    bool seen;
} exp_service;

static exp_service *exp_find(exp_service *e, size_t *n, const char *cat, const char *label)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(e[i].category, cat) == 0 && strcmp(e[i].label, label) == 0)
            return &e[i];
    cr_assert_lt(*n, 64);
    exp_service *s = &e[(*n)++];
    memset(s, 0, sizeof(*s));
    snprintf(s->category, sizeof(s->category), "%s", cat);
    snprintf(s->label, sizeof(s->label), "%s", label);
    s->first_height = -1;
    return s;
}

static bool is_cashout(const char *cat)
{
    return !strcmp(cat, "exchange") || !strcmp(cat, "mixer") || !strcmp(cat, "bridge") ||
           !strcmp(cat, "gambling");
}

typedef struct sim_case {
    char seed[8], txs[8];
} sim_case;

ParameterizedTestParameters(cli_report, simulated_heist)
{
    static sim_case cases[] = {{"1", "3000"}, {"2", "3000"}, {"3", "4000"}};
    return cr_make_param_array(sim_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(sim_case *c, cli_report, simulated_heist)
{
    char *dir = tu_tmpdir();
    char *out = path_join(dir, "sim"), *db = path_join(dir, "db");
    char *blocks = path_join(out, "blocks"), *labels = path_join(out, "labels.csv");
    char *truth_path = path_join(out, "truth_clusters.json");
    tu_run r;
    tu_exec_bin(&r, CT_SIM_BIN,
                (const char *[]){"--seed", c->seed, "--txs", c->txs, "--out", out, "--quiet", NULL},
                NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "regtest", "--quiet",
                             blocks, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", labels, "--quiet", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);

    size_t tlen;
    char *ttext = (char *)tu_read_file(truth_path, &tlen);
    cr_assert_not_null(ttext);
    json_t *truth = load_json(ttext, tlen);
    json_t *heist = jget(truth, "heist");
    const char *txid = json_string_value(jget(heist, "txid"));
    char day[32];
    utc_of(day, jint(heist, "time"));
    day[10] = '\0';
    tu_exec(&r,
            (const char *[]){"--db", db, "case", "add", "heist", "--date", day, "--from", txid,
                             "--victim", "SimEx A", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);

    /* the services of the truth: cash-out endpoints per (category, label), every model */
    static exp_service want[64];
    size_t n_want = 0;
    json_t *tm = jget(truth, "models");
    for (size_t m = 0; m < N_MODELS; m++) {
        json_t *eps = jget(jget(tm, models[m]), "endpoints");
        size_t i;
        json_t *e;
        json_array_foreach(eps, i, e)
        {
            const char *cat = json_string_value(jget(e, "category"));
            if (!is_cashout(cat))
                continue;
            json_t *lj = jget(e, "label");
            exp_service *s =
                exp_find(want, &n_want, cat, json_is_null(lj) ? "" : json_string_value(lj));
            s->sat[m] += jint(e, "taint_sat");
            if (s->first_height < 0 || jint(e, "first_height") < s->first_height)
                s->first_height = jint(e, "first_height"), s->first_time = jint(e, "first_time");
            if (jint(e, "last_height") > s->last_height)
                s->last_height = jint(e, "last_height"), s->last_time = jint(e, "last_time");
            const char *a = json_string_value(jget(e, "address"));
            bool have = false;
            for (size_t k = 0; k < s->n_addr; k++)
                have |= strcmp(s->addr[k], a) == 0;
            if (!have) {
                cr_assert_lt(s->n_addr, 512);
                snprintf(s->addr[s->n_addr++], 72, "%s", a);
            }
        }
    }
    cr_assert_geq(n_want, 3, "the laundering reached too few services to test");

    tu_exec(&r, (const char *[]){"--db", db, "report", "--case", "heist", "--format", "json", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_t *rep = load_json(r.out, r.out_len);
    cr_assert_str_eq(json_string_value(jget(jget(rep, "report"), "case")), "heist");
    json_t *cases = jget(rep, "cases");
    cr_assert_eq(json_array_size(cases), 1);
    json_t *kc = json_array_get(cases, 0);
    cr_assert_str_eq(json_string_value(jget(kc, "date")), day);
    cr_assert_str_eq(json_string_value(jget(kc, "chain")), "bitcoin");
    cr_assert(json_is_true(jget(kc, "complete")));
    cr_assert_eq(json_array_size(jget(kc, "assets")), 1);
    json_t *k = json_array_get(jget(kc, "assets"), 0);
    cr_assert_str_eq(json_string_value(jget(k, "asset")), "rBTC");
    cr_assert_eq(jint(k, "decimals"), 8);
    long long stolen = jint(jget(k, "stolen"), "low");
    cr_assert_eq(jint(jget(k, "stolen"), "high"), stolen);

    /* the lines: each model's categories as the truth has them, adding up to the stolen
     * value to the satoshi for every model but poison */
    json_t *lines = jget(k, "lines");
    for (size_t m = 0; m < N_MODELS; m++) {
        json_t *tmod = jget(tm, models[m]), *bycat = jget(tmod, "by_category");
        cr_assert_eq(jint(tmod, "source_sat"), stolen);
        long long sum = 0;
        size_t i, n_cat = 0;
        json_t *l;
        json_array_foreach(lines, i, l)
        {
            const char *cat = json_string_value(jget(l, "category"));
            long long v = jint(jget(jget(jget(l, "amount"), "models"), models[m]), "amount");
            json_t *tv = json_object_get(bycat, cat);
            cr_assert_eq(v, tv ? json_integer_value(tv) : 0, "seed %s %s %s", c->seed, models[m],
                         cat);
            n_cat += tv != NULL;
            sum += v;
        }
        cr_assert_eq(n_cat, json_object_size(bycat), "a category of the truth has no line");
        if (m > 0) {
            cr_assert_eq(sum, stolen, "seed %s: %s's lines add up to %lld, stolen %lld", c->seed,
                         models[m], sum, stolen);
            cr_assert(json_is_true(jget(jget(k, "adds_up"), models[m])));
        } else {
            cr_assert_gt(sum, stolen, "poison's exposure exceeds the stolen value here");
        }
        cr_assert_eq(jint(jget(jget(jget(k, "laundered"), "models"), models[m]), "amount"),
                     jint(tmod, "laundered_sat"));
    }

    /* the services: exactly the truth's, each with its amounts, addresses and dates, and
     * deposit transactions that add up to it */
    json_t *services = jget(k, "services");
    cr_assert_eq(json_array_size(services), n_want);
    size_t i;
    json_t *s;
    long long prev_rank = -1;
    json_array_foreach(services, i, s)
    {
        const char *cat = json_string_value(jget(s, "category"));
        exp_service *e = NULL;
        for (size_t w = 0; w < n_want; w++)
            if (!strcmp(want[w].category, cat) &&
                !strcmp(want[w].label, json_string_value(jget(s, "label"))))
                e = &want[w];
        cr_assert_not_null(e, "service %s not in the truth", json_string_value(jget(s, "label")));
        cr_assert(!e->seen, "service listed twice");
        e->seen = true;
        long long rank = !strcmp(cat, "exchange") ? 0 : !strcmp(cat, "mixer") ? 1 : 2;
        cr_assert_geq(rank, prev_rank, "services by category");
        prev_rank = rank;
        json_t *am = jget(jget(s, "amount"), "models");
        long long lo = -1, hi = -1;
        for (size_t m = 0; m < N_MODELS; m++) {
            long long v = jint(jget(am, models[m]), "amount");
            cr_assert_eq(v, e->sat[m], "seed %s %s %s", c->seed, e->label, models[m]);
            if (m > 0) {
                lo = lo < 0 || v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        }
        cr_assert_eq(jint(jget(s, "amount"), "low"), lo);
        cr_assert_eq(jint(jget(s, "amount"), "high"), hi);
        cr_assert_eq(jint(jget(s, "amount"), "poison"), e->sat[0]);
        char utc[32];
        cr_assert_eq(jint(jget(s, "first"), "height"), e->first_height);
        cr_assert_eq(jint(jget(s, "first"), "time"), e->first_time);
        utc_of(utc, e->first_time);
        cr_assert_str_eq(json_string_value(jget(jget(s, "first"), "utc")), utc);
        cr_assert_eq(jint(jget(s, "last"), "height"), e->last_height);
        cr_assert_eq(jint(jget(s, "last"), "time"), e->last_time);
        json_t *addrs = jget(s, "addresses");
        cr_assert_eq(json_array_size(addrs), e->n_addr, "%s", e->label);
        size_t a;
        json_t *av;
        const char *prev = "";
        json_array_foreach(addrs, a, av)
        {
            const char *x = json_string_value(av);
            cr_assert_gt(strcmp(x, prev), 0, "addresses sorted, once each");
            prev = x;
            bool have = false;
            for (size_t q = 0; q < e->n_addr; q++)
                have |= strcmp(e->addr[q], x) == 0;
            cr_assert(have, "address %s not in the truth", x);
        }
        long long dsum[N_MODELS] = {0}, prev_h = 0;
        json_t *txs = jget(s, "transactions"), *d;
        cr_assert_gt(json_array_size(txs), 0);
        json_array_foreach(txs, a, d)
        {
            long long h = jint(d, "height");
            cr_assert_geq(h, prev_h, "deposits in chain order");
            prev_h = h;
            cr_assert_geq(h, e->first_height);
            cr_assert_leq(h, e->last_height);
            utc_of(utc, jint(d, "time"));
            cr_assert_str_eq(json_string_value(jget(d, "utc")), utc);
            cr_assert_eq(strlen(json_string_value(jget(d, "txid"))), 64);
            const char *x = json_string_value(jget(d, "address"));
            bool have = false;
            for (size_t q = 0; q < e->n_addr; q++)
                have |= strcmp(e->addr[q], x) == 0;
            cr_assert(have, "deposit to %s, not an address of %s", x, e->label);
            for (size_t m = 0; m < N_MODELS; m++)
                dsum[m] += jint(jget(jget(jget(d, "amount"), "models"), models[m]), "amount");
        }
        for (size_t m = 0; m < N_MODELS; m++)
            cr_assert_eq(dsum[m], e->sat[m], "%s: deposits under %s", e->label, models[m]);
    }
    json_decref(rep);
    tu_run_free(&r);

    /* The identity holds under the stops the report does not use too: the trace's
     * categories add up to the source for every model but poison with a dust threshold,
     * a short hop limit and a node budget that runs out (budget is then a category). */
    static const char *const limits[][6] = {
        {"--hops", "3", "--dust", "5000000", NULL},
        {"--max-nodes", "40", "--dust", "1000000", NULL},
        {"--max-nodes", "5", NULL},
    };
    for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
        const char *args[16] = {"--db", db, "trace", "--from", txid, "--format", "json"};
        size_t na = 7;
        for (size_t q = 0; limits[l][q]; q++)
            args[na++] = limits[l][q];
        args[na] = NULL;
        tu_exec(&r, args, NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        json_t *tj = load_json(r.out, r.out_len);
        for (size_t m = 1; m < N_MODELS; m++) {
            json_t *x = jget(jget(tj, "models"), models[m]), *v;
            const char *key;
            long long sum = 0;
            json_object_foreach(jget(x, "by_category"), key, v) sum += jint(v, "sat");
            cr_assert_eq(sum, jint(x, "source_sat"), "seed %s %s %s: categories %lld, source %lld",
                         c->seed, models[m], limits[l][0], sum, jint(x, "source_sat"));
        }
        if (l > 0)
            cr_assert(json_is_false(jget(tj, "complete")), "the budget ran out");
        json_decref(tj);
        tu_run_free(&r);
    }

    /* the text names every service and every deposit address */
    tu_exec(&r, (const char *[]){"--db", db, "report", "--case", "heist", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    for (size_t w = 0; w < n_want; w++) {
        char head[256];
        snprintf(head, sizeof(head), "\n    %s: %s", want[w].category, want[w].label);
        cr_assert(strstr(r.out, head), "%s missing", head);
        for (size_t q = 0; q < want[w].n_addr; q++)
            cr_assert(strstr(r.out, want[w].addr[q]));
    }
    cr_assert(strstr(r.out, "  adds up to stolen: haircut yes fifo yes lifo yes tiho yes"));
    tu_run_free(&r);

    json_decref(truth);
    free(ttext);
    free(truth_path), free(labels), free(blocks), free(db), free(out);
    tu_rmtree(dir);
    free(dir);
}

/* ---- the real 2009 blocks: the exact case file ---- */
static char *db09;

static void setup09(void)
{
    db09 = tu_tmpdir();
    char *blk = tu_fixture("btc/blk_consecutive/jeffchan/blk00000_first1MB.dat");
    char labels[600], prices[600];
    snprintf(labels, sizeof(labels), "%s/labels.csv", db09);
    snprintf(prices, sizeof(prices), "%s/prices.csv", db09);
    const char *lab = "address,label,category,source\n"
                      "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3,Hal desk,exchange,test\n";
    const char *pr = "Date,BTC_USD\n2009-01-12,1.00\n";
    cr_assert_eq(tu_write_file(labels, lab, strlen(lab)), 0);
    cr_assert_eq(tu_write_file(prices, pr, strlen(pr)), 0);
    const char *const *cmds[] = {
        (const char *[]){"--db", db09, "ingest", "bitcoin", "--quiet", blk, NULL},
        (const char *[]){"--db", db09, "labels", "import", labels, "--quiet", NULL},
        (const char *[]){"--db", db09, "prices", "import", prices, "--asset", "BTC", NULL},
        (const char *[]){"--db", db09, "case", "add", "satoshi", "--date", "2009-01-09", "--from",
                         "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", "--victim", "Satoshi Nakamoto",
                         NULL},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        tu_run r;
        tu_exec(&r, cmds[i], NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        tu_run_free(&r);
    }
    free(blk);
}

static void teardown09(void)
{
    tu_rmtree(db09);
    free(db09);
}

TestSuite(report_2009, .init = setup09, .fini = teardown09);

/* Satoshi's coins of 12cbQLTF... from 2009-01-09 with Hal Finney's address labelled as an
 * exchange and a price of $1.00 on 2009-01-12: the whole case file, byte for byte. The
 * 10 BTC reached the exchange on 2009-01-12 (USD 10.00); of the 40 BTC still unspent, 29
 * arrived that day (USD 29.00) and 11 on days without a price; poison's exposure (100 BTC)
 * is twice the value stolen, because Hal's own coins mixed with it. */
Test(report_2009, case_file_text_and_csv)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db09, "report", "--case", "satoshi", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "");
    const char *want =
        "Case report: satoshi\n"
        "\n"
        "Provenance\n"
        "  chaintrail      0.1.0\n"
        "  database        bitcoin mainnet (BTC), tip height 4312, "
        "00000000a9da635727dce622d78361b153ce3334e6a60d4377fad529abfc7863, 2009-02-14T22:32:44Z\n"
        "  labels digest   0b7370ba3d1a497977a8f7578ef54bcd3a93b0889ecbcc9c3f472ca283742a60\n"
        "  prices digest   4a363d5ec5c6b197f42e5339c3edf85ca5e3a3ea824a13e95c3875c4f52c2721\n"
        "  clusters        used, policy digest "
        "4817853af1148ace38f8e794a73c4d064aae6c2f26259cc14e840e9df1939566\n"
        "  parameters      models poison, haircut, fifo, lifo, tiho; forward from each case's "
        "theft date (00:00:00 UTC);\n"
        "                  hops 10; dust 0 base units; stop at exchange, mixer, bridge, gambling, "
        "sanctioned;\n"
        "                  cashed out: exchange, mixer, bridge, gambling; max nodes 0; timeout 0 s "
        "(0: none)\n"
        "\n"
        "Models (a range low - high is over haircut, FIFO, LIFO and TIHO; poison beside it)\n"
        "  poison: once a transaction spends any stolen coin, all of its outputs (and its fee) "
        "count\n"
        "    as stolen in full. It is the upper bound of exposure, not an amount moved: every "
        "clean\n"
        "    coin mixed in with a stolen one becomes tainted too, so poison's total can exceed "
        "the\n"
        "    amount stolen many times over, and its lines do not add up to it. On Ethereum: every\n"
        "    transfer out of an address that holds any stolen funds.\n"
        "  haircut: each transaction spreads the stolen value it receives over its outputs and "
        "its\n"
        "    fee in proportion to their value (an output of 30% of the value gets 30% of the "
        "taint),\n"
        "    to the satoshi, the remainder going to the largest fractional shares. On Ethereum a\n"
        "    transfer carries the stolen share of the sender's balance.\n"
        "  FIFO (first in, first out): the satoshis of a transaction's inputs are laid end to end "
        "in\n"
        "    input order and paid out to the outputs in output order, fee last; an output is "
        "stolen\n"
        "    where it overlaps the stolen satoshis of the inputs. On Ethereum a transfer spends "
        "the\n"
        "    sender's oldest funds first.\n"
        "  LIFO (last in, first out): as FIFO, but the inputs' satoshis are taken in reverse, the\n"
        "    last in being the first paid out. On Ethereum a transfer spends the sender's newest\n"
        "    funds first.\n"
        "  TIHO (taint in, highest out): the stolen value of a transaction fills its largest "
        "output\n"
        "    first, then the next largest, each up to its value; what is left goes to the fee. It\n"
        "    follows the thief's main stream of value. On Ethereum a transfer spends the sender's\n"
        "    stolen funds first.\n"
        "\n"
        "Case satoshi  theft 2009-01-09  victim: Satoshi Nakamoto\n"
        "  sources         12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\n"
        "  stolen          50.00000000 BTC  (no price on 2009-01-09)\n"
        "  where it went (low - high; poison's exposure beside)\n"
        "    exchange       10.00000000 BTC  (USD 10.00)  poison 10.00000000\n"
        "    mixer          0.00000000 BTC  poison 0.00000000\n"
        "    bridge         0.00000000 BTC  poison 0.00000000\n"
        "    gambling       0.00000000 BTC  poison 0.00000000\n"
        "    unspent        40.00000000 BTC  (USD 29.00; 11.00000000 BTC without a price)  poison "
        "90.00000000\n"
        "    hop limit      0.00000000 BTC  poison 0.00000000\n"
        "    dust           0.00000000 BTC  poison 0.00000000\n"
        "    fees           0.00000000 BTC  poison 0.00000000\n"
        "    budget         0.00000000 BTC  poison 0.00000000\n"
        "  per model              haircut            fifo            lifo            tiho          "
        "poison\n"
        "    exchange         10.00000000     10.00000000     10.00000000     10.00000000     "
        "10.00000000\n"
        "    mixer             0.00000000      0.00000000      0.00000000      0.00000000      "
        "0.00000000\n"
        "    bridge            0.00000000      0.00000000      0.00000000      0.00000000      "
        "0.00000000\n"
        "    gambling          0.00000000      0.00000000      0.00000000      0.00000000      "
        "0.00000000\n"
        "    unspent          40.00000000     40.00000000     40.00000000     40.00000000     "
        "90.00000000\n"
        "    hop limit         0.00000000      0.00000000      0.00000000      0.00000000      "
        "0.00000000\n"
        "    dust              0.00000000      0.00000000      0.00000000      0.00000000      "
        "0.00000000\n"
        "    fees              0.00000000      0.00000000      0.00000000      0.00000000      "
        "0.00000000\n"
        "    budget            0.00000000      0.00000000      0.00000000      0.00000000      "
        "0.00000000\n"
        "    total            50.00000000     50.00000000     50.00000000     50.00000000    "
        "100.00000000\n"
        "    stolen           50.00000000     50.00000000     50.00000000     50.00000000     "
        "50.00000000\n"
        "  adds up to stolen: haircut yes fifo yes lifo yes tiho yes (poison does not conserve "
        "value)\n"
        "  laundered       10.00000000 BTC  (USD 10.00)  poison 10.00000000\n"
        "  services reached (1)\n"
        "    exchange: Hal desk (test)  cluster 343\n"
        "      amount      10.00000000 BTC  (USD 10.00)  poison 10.00000000\n"
        "      first       2009-01-12T03:30:25Z (height 170)\n"
        "      last        2009-01-12T03:30:25Z (height 170)\n"
        "      addresses (1)\n"
        "        1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\n"
        "      transactions (1)\n"
        "        f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16:0  "
        "2009-01-12T03:30:25Z (height 170)  1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\n"
        "          10.00000000 BTC  (USD 10.00)  poison 10.00000000\n"
        "\n";

    cr_assert_str_eq(r.out, want);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db09, "report", "--case", "satoshi", "--format", "csv", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *want_csv =
        "case,asset,section,category,service,address,txid,vout,height,utc,low,high,poison,haircut,"
        "fifo,lifo,tiho,low_usd,high_usd,unpriced\n"
        "\"satoshi\",\"BTC\",stolen,\"\",\"\",,,,,,5000000000,5000000000,5000000000,5000000000,"
        "5000000000,5000000000,5000000000,,,5000000000\n"
        "\"satoshi\",\"BTC\",line,\"exchange\",\"\",,,,,,1000000000,1000000000,1000000000,"
        "1000000000,1000000000,1000000000,1000000000,10.00,10.00,0\n"
        "\"satoshi\",\"BTC\",line,\"mixer\",\"\",,,,,,0,0,0,0,0,0,0,,,0\n"
        "\"satoshi\",\"BTC\",line,\"bridge\",\"\",,,,,,0,0,0,0,0,0,0,,,0\n"
        "\"satoshi\",\"BTC\",line,\"gambling\",\"\",,,,,,0,0,0,0,0,0,0,,,0\n"
        "\"satoshi\",\"BTC\",line,\"unspent\",\"\",,,,,,4000000000,4000000000,9000000000,"
        "4000000000,4000000000,4000000000,4000000000,29.00,29.00,1100000000\n"
        "\"satoshi\",\"BTC\",line,\"hop_limit\",\"\",,,,,,0,0,0,0,0,0,0,,,0\n"
        "\"satoshi\",\"BTC\",line,\"dust\",\"\",,,,,,0,0,0,0,0,0,0,,,0\n"
        "\"satoshi\",\"BTC\",line,\"fee\",\"\",,,,,,0,0,0,0,0,0,0,,,0\n"
        "\"satoshi\",\"BTC\",line,\"budget\",\"\",,,,,,0,0,0,0,0,0,0,,,0\n"
        "\"satoshi\",\"BTC\",laundered,\"\",\"\",,,,,,1000000000,1000000000,1000000000,1000000000,"
        "1000000000,1000000000,1000000000,10.00,10.00,0\n"
        "\"satoshi\",\"BTC\",service,\"exchange\",\"Hal desk "
        "(test)\",,,,,,1000000000,1000000000,1000000000,1000000000,1000000000,1000000000,"
        "1000000000,10.00,10.00,0\n"
        "\"satoshi\",\"BTC\",transaction,\"exchange\",\"Hal desk "
        "(test)\",\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\","
        "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16,0,170,2009-01-12T03:30:"
        "25Z,1000000000,1000000000,1000000000,1000000000,1000000000,1000000000,1000000000,10.00,10."
        "00,0\n";

    cr_assert_str_eq(r.out, want_csv);
    tu_run_free(&r);
}

Test(report_2009, json_service_and_errors)
{
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db09, "report", "--case", "satoshi", "--format", "json", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(tu_count_lines(r.out), 1);
    cr_assert(strstr(r.out,
                     "\"services\":[{\"category\":\"exchange\",\"label\":\"Hal desk (test)\","
                     "\"cluster\":343,\"amount\":{\"low\":1000000000,\"high\":1000000000,"
                     "\"low_usd\":\"10.00\",\"high_usd\":\"10.00\",\"unpriced\":0,\"poison\":"
                     "1000000000,\"poison_usd\":\"10.00\",\"models\":{\"poison\":{\"amount\":"
                     "1000000000,\"usd\":\"10.00\",\"unpriced\":0},"),
              "%s", r.out);
    cr_assert(strstr(r.out,
                     "\"first\":{\"height\":170,\"time\":1231731025,\"utc\":"
                     "\"2009-01-12T03:30:25Z\"},\"last\":{\"height\":170,\"time\":1231731025,"
                     "\"utc\":\"2009-01-12T03:30:25Z\"},\"addresses\":[\"1Q2TWHE3GMdB6BZKafqwxX"
                     "tWAWgFt5Jvm3\"],\"transactions\":[{\"txid\":\"f4184fc596403b9d638783cf57a"
                     "dfe4c75c605f6356fbc91338530e9831e9e16\",\"vout\":0,\"address\":\"1Q2TWHE3GM"
                     "dB6BZKafqwxXtWAWgFt5Jvm3\",\"height\":170,\"time\":1231731025,\"utc\":"
                     "\"2009-01-12T03:30:25Z\",\"amount\":"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"tip\":{\"height\":4312,\"hash\":\"00000000a9da635727dce622d78361b1"
                            "53ce3334e6a60d4377fad529abfc7863\",\"time\":1234650764,\"utc\":"
                            "\"2009-02-14T22:32:44Z\"}"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"adds_up\":{\"haircut\":true,\"fifo\":true,\"lifo\":true,"
                            "\"tiho\":true}"),
              "%s", r.out);
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"--db", db09, "report", "--case", "nope", NULL}, NULL);
    cr_assert_eq(r.status, 8);
    cr_assert_str_eq(r.err,
                     "chaintrail: report: no case named 'nope' (see 'chaintrail case list')\n");
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db09, "report", "--case", "satoshi", "--year", "2009", NULL},
            NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err,
                     "chaintrail: report: options '--case' and '--year' exclude each other\n");
    tu_run_free(&r);
}

/* ---- Ethereum: a case traced through the account tracer ---- */

typedef unsigned __int128 u128;

/* A decimal string (or a JSON integer) as 128 bits. */
static u128 jdec(json_t *v)
{
    if (json_is_integer(v))
        return (u128)json_integer_value(v);
    cr_assert(json_is_string(v), "not an amount");
    u128 x = 0;
    for (const char *s = json_string_value(v); *s; s++) {
        cr_assert(*s >= '0' && *s <= '9');
        x = x * 10 + (u128)(*s - '0');
    }
    return x;
}

/* The amounts of the WETH Transfer logs of block 19433902 from `from` to `to` (the low 8
 * hex digits of each address, lower case), in log order, read from the fixture's receipts;
 * asserts there are exactly n. */
static void weth_transfers(json_t *receipts, const char *from, const char *to, u128 *out, int n)
{
    static const char *const topic =
        "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
    int found = 0;
    size_t i, k;
    json_t *rc, *l;
    json_array_foreach(receipts, i, rc) json_array_foreach(jget(rc, "logs"), k, l)
    {
        json_t *t = jget(l, "topics");
        if (strcasecmp(json_string_value(jget(l, "address")),
                       "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2") != 0 ||
            json_array_size(t) != 3 || strcmp(json_string_value(json_array_get(t, 0)), topic) ||
            strncmp(json_string_value(json_array_get(t, 1)) + 26, from, 8) ||
            strncmp(json_string_value(json_array_get(t, 2)) + 26, to, 8))
            continue;
        u128 v = 0;
        for (const char *h = json_string_value(jget(l, "data")) + 2; *h; h++)
            v = v * 16 + (u128)(*h <= '9' ? *h - '0' : (*h | 0x20) - 'a' + 10);
        cr_assert_lt(found, n, "more WETH transfers %s -> %s", from, to);
        out[found++] = v;
    }
    cr_assert_eq(found, n, "%d WETH transfers %s -> %s", found, from, to);
}

static void u128_dec(char *out, u128 v)
{
    char tmp[48];
    size_t n = 0;
    do
        tmp[n++] = (char)('0' + (int)(v % 10));
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* The Uniswap pool of the real block 19433902 as a case (tests/test_cli_trace_eth.c has
 * the block, its labels and prices): the report traces it through the account tracer and
 * states, per asset, what `trace --case` states: the value that entered, the laundered
 * value and every category under each model (adding up to what entered for every model
 * but poison), and the services from the cash-out endpoints, with their addresses and
 * blocks, and the transfers that reached them. Before, the report listed Ethereum cases
 * as not traced. */
Test(report_eth, case_through_the_account_tracer)
{
    char *db = tu_fresh_db(), *tmp = tu_tmpdir(), labels[600];
    char *block = tu_fixture("eth/trin/eth_getBlockByNumber_19433902_full.json");
    char *receipts = tu_fixture("eth/trin/eth_getBlockReceipts_19433902.json");
    const char *lab =
        "address,label,category,source,asset\n"
        "0x0f2e5e488daa815361ada55ef816b47679918897,Test exchange,exchange,test,ETH\n";
    snprintf(labels, sizeof(labels), "%s/labels.csv", tmp);
    cr_assert_eq(tu_write_file(labels, lab, strlen(lab)), 0);
    const char *const *cmds[] = {
        (const char *[]){"--db", db, "ingest", "ethereum", "--quiet", "--json", block, receipts,
                         NULL},
        (const char *[]){"--db", db, "labels", "import", "--quiet", labels, NULL},
        (const char *[]){"--db", db, "case", "add", "pool-2024", "--date", "2024-03-14", "--from",
                         ETH_POOL, NULL},
    };
    tu_run r, t;
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        tu_exec(&r, cmds[i], NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        tu_run_free(&r);
    }
    tu_exec(&t, (const char *[]){"--db", db, "trace", "--case", "pool-2024", NULL}, NULL);
    cr_assert_eq(t.status, 0, "%s", t.err);
    tu_exec(&r,
            (const char *[]){"--db", db, "report", "--case", "pool-2024", "--format", "json", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_t *tj = load_json(t.out, t.out_len), *rj = load_json(r.out, r.out_len);
    json_t *kc = json_array_get(jget(rj, "cases"), 0);
    cr_assert_str_eq(json_string_value(jget(kc, "chain")), "ethereum");
    cr_assert(json_is_true(jget(kc, "complete")));
    json_t *tassets = jget(tj, "assets"), *rassets = jget(kc, "assets");
    cr_assert_eq(json_array_size(rassets), json_array_size(tassets));
    cr_assert_geq(json_array_size(rassets), 2);
    size_t n_services = 0;
    for (size_t a = 0; a < json_array_size(tassets); a++) {
        json_t *ta = json_array_get(tassets, a), *ra = json_array_get(rassets, a);
        cr_assert(json_equal(jget(ta, "contract"), jget(ra, "contract")));
        json_t *lines = jget(ra, "lines");
        for (size_t m = 0; m < N_MODELS; m++) {
            json_t *tm = jget(jget(ta, "models"), models[m]);
            u128 source = jdec(jget(tm, "source"));
            cr_assert(source ==
                      jdec(jget(jget(jget(jget(ra, "stolen"), "models"), models[m]), "amount")));
            cr_assert(jdec(jget(tm, "laundered")) ==
                      jdec(jget(jget(jget(jget(ra, "laundered"), "models"), models[m]), "amount")));
            u128 sum = 0;
            size_t i, n_cat = 0;
            json_t *l;
            json_array_foreach(lines, i, l)
            {
                json_t *c = json_object_get(jget(tm, "by_category"),
                                            json_string_value(jget(l, "category")));
                u128 v = jdec(jget(jget(jget(jget(l, "amount"), "models"), models[m]), "amount"));
                cr_assert(v == (c ? jdec(jget(c, "amount")) : 0), "asset %zu %s %s", a, models[m],
                          json_string_value(jget(l, "category")));
                n_cat += c != NULL;
                sum += v;
            }
            cr_assert_eq(n_cat, json_object_size(jget(tm, "by_category")));
            if (m > 0) {
                cr_assert(sum == source, "asset %zu %s: the lines add up to the source", a,
                          models[m]);
                cr_assert(json_is_true(jget(jget(ra, "adds_up"), models[m])));
            }
            /* every cash-out endpoint is in its service, with its taint and address */
            json_t *e;
            u128 cash = 0, in_services = 0;
            json_array_foreach(jget(tm, "endpoints"), i, e)
            {
                const char *cat = json_string_value(jget(e, "category"));
                if (!is_cashout(cat))
                    continue;
                cash += jdec(jget(e, "taint"));
                json_t *s, *found = NULL;
                size_t k;
                json_array_foreach(jget(ra, "services"), k,
                                   s) if (!strcmp(json_string_value(jget(s, "category")), cat) &&
                                          !strcmp(json_string_value(jget(s, "label")),
                                                  json_string_value(jget(e, "label")))) found = s;
                cr_assert_not_null(found);
                bool have = false;
                json_t *av;
                json_array_foreach(jget(found, "addresses"), k, av) have |=
                    !strcmp(json_string_value(av), json_string_value(jget(e, "address")));
                cr_assert(have);
                cr_assert_leq(jint(jget(found, "first"), "height"), jint(e, "first_height"));
                cr_assert_geq(jint(jget(found, "last"), "height"), jint(e, "last_height"));
            }
            json_t *s;
            json_array_foreach(jget(ra, "services"), i, s)
            {
                u128 v = jdec(jget(jget(jget(jget(s, "amount"), "models"), models[m]), "amount"));
                in_services += v;
                u128 dsum = 0;
                size_t k;
                json_t *d;
                json_array_foreach(jget(s, "transactions"), k, d) dsum +=
                    jdec(jget(jget(jget(jget(d, "amount"), "models"), models[m]), "amount"));
                cr_assert(dsum == v, "the transfers add up to the service");
            }
            cr_assert(cash == in_services);
        }
        n_services += json_array_size(jget(ra, "services"));
    }
    cr_assert_eq(n_services, 1, "the test exchange is reached");
    json_decref(tj);
    json_decref(rj);
    tu_run_free(&r);
    tu_run_free(&t);

    /* "Stolen" per model, to the wei, from the fixture's own logs (docs/taint-models.md,
     * "Sources": a source transfer adds what it did not already carry as taint). The pool
     * received WETH twice: a0 from 0x11111112 (clean: all of it is new), then r from the
     * trader 0x6b75d8af, which had got p1 (tx 1) and p4 (tx 4) from the pool, e1 (tx 1)
     * from the exchange, and sent x (tx 4) to the exchange. When the pool sent p1 it held
     * only a0: u = p1 - a0 was a clean lot of unknown origin, its oldest. So:
     * - poison: the trader is poisoned by p1, r is taint in full: stolen = a0;
     * - haircut: p1 carries a0; x carries hx = floor(x a0 / (p1 + e1 + p4)); r carries
     *   floor(r (a0 - hx) / (p1 + e1 + p4 - x)): stolen = a0 + r - that;
     * - FIFO: the trader's lots are u, a0 (tainted), e1, p4; x takes u and x - u of the
     *   taint, r the rest of it: stolen = r + x - u;
     * - LIFO: a0 (tainted), u, e1, p4; x comes out of p4, r out of p4 - x, e1, u and then
     *   the taint: stolen = a0 + (p4 - x) + e1 + u;
     * - TIHO: x takes the taint first (a0 < x); r carries none: stolen = a0 + r.
     * Poison's is the least: a transfer back to a source is taint in full under poison
     * wherever another model counts any of it as taint. */
    char *receipts_path = tu_fixture("eth/trin/eth_getBlockReceipts_19433902.json");
    json_error_t je;
    json_t *rj_all = json_load_file(receipts_path, 0, &je);
    cr_assert_not_null(rj_all, "%s", je.text);
    json_t *rcpts = json_is_array(rj_all) ? rj_all : jget(rj_all, "result");
    u128 a0, r_, pq[2], e1, x;
    weth_transfers(rcpts, "11111112", "048d3180", &a0, 1);
    weth_transfers(rcpts, "6b75d8af", "048d3180", &r_, 1);
    weth_transfers(rcpts, "048d3180", "6b75d8af", pq, 2); /* p1 (tx 1), p4 (tx 4) */
    weth_transfers(rcpts, "0f2e5e48", "6b75d8af", &e1, 1);
    weth_transfers(rcpts, "6b75d8af", "0f2e5e48", &x, 1);
    const u128 q1 = pq[0], q4 = pq[1];
    cr_assert(q1 > a0 && x > q1 - a0 && x - (q1 - a0) < a0 && x < q4 && a0 < x, "the case above");
    const u128 u = q1 - a0, bal = q1 + e1 + q4, hx = x * a0 / bal;
    u128 want[N_MODELS];
    want[0] = a0;                                   /* poison */
    want[1] = a0 + r_ - r_ * (a0 - hx) / (bal - x); /* haircut */
    want[2] = r_ + x - u;                           /* fifo */
    cr_assert(r_ > (q4 - x) + e1 + u);
    want[3] = a0 + (q4 - x) + e1 + u; /* lifo */
    want[4] = a0 + r_;                /* tiho */
    tu_exec(&r,
            (const char *[]){"--db", db, "report", "--case", "pool-2024", "--format", "json", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    rj = load_json(r.out, r.out_len);
    json_t *weth = json_array_get(jget(json_array_get(jget(rj, "cases"), 0), "assets"), 0);
    for (size_t m = 0; m < N_MODELS; m++) {
        u128 got = jdec(jget(jget(jget(jget(weth, "stolen"), "models"), models[m]), "amount"));
        char g[48], w[48];
        u128_dec(g, got);
        u128_dec(w, want[m]);
        cr_assert_str_eq(g, w, "%s: stolen", models[m]);
        cr_assert(want[0] <= want[m], "poison's stolen is the least");
    }
    json_decref(rj);
    json_decref(rj_all);
    free(receipts_path);
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"--db", db, "report", "--case", "pool-2024", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "  asset (no symbol)  contract 0xC02aaA39b223FE8D0A0e5C4F27eAD9083C7"
                            "56Cc2  (decimals unknown: amounts in base units)\n"
                            "  stolen          2903503617423826903 - 2990252066076381184 units  "
                            "(no price on 2024-03-14)\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "    exchange: Test exchange (test)\n      amount      0 - "
                            "99125000000000000 units  (no price for 99125000000000000 units)  "
                            "poison 356000626460590080\n      first       2024-03-14T14:41:59Z "
                            "(height 19433902)\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "      transactions (1)\n        0xe5cadd0ce14011bb9a5ff9bafe1a3b0911"
                            "628c9459b2d19d5afc4273d6f131b7  2024-03-14T14:41:59Z (height "
                            "19433902)  0x0F2E5e488dAA815361ada55ef816b47679918897\n"),
              "%s", r.out);
    tu_run_free(&r);
    free(block), free(receipts);
    tu_rmtree(tmp);
    free(tmp);
    tu_fresh_db_done(db);
}

/* The yearly table: the cases of the year in name order, one row per case and asset, those
 * not traced named (an Ethereum case in a database without Ethereum blocks); the totals per
 * asset and in USD, what has no price named with its amount, never $0.00. */
Test(report_2009, yearly_table)
{
    const char *const *cmds[] = {
        (const char *[]){"--db", db09, "case", "add", "hal", "--date", "2009-01-12", "--from",
                         "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16:0",
                         "--victim", "Hal Finney", NULL},
        (const char *[]){"--db", db09, "case", "add", "later", "--date", "2010-05-22", "--from",
                         "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", NULL},
        (const char *[]){"--db", db09, "case", "add", "eth-x", "--date", "2009-01-10", "--from",
                         ETH_POOL, NULL},
    };
    tu_run r;
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        tu_exec(&r, cmds[i], NULL);
        cr_assert_eq(r.status, 0, "%s", r.err);
        tu_run_free(&r);
    }
    tu_exec(&r, (const char *[]){"--db", db09, "report", "--year", "2009", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Case eth-x  theft 2009-01-10\n  sources         " ETH_POOL
                            "\n  not traced: address " ETH_POOL " is not in the database\n"),
              "%s", r.out);
    const char *table =
        "Thefts of 2009\n"
        "  eth-x  2009-01-10  ethereum  not traced\n"
        "  hal  2009-01-12  bitcoin\n"
        "    BTC: stolen 10.00000000  laundered 0.00000000 BTC\n"
        "  satoshi  2009-01-09  bitcoin\n"
        "    BTC: stolen 50.00000000  laundered 10.00000000 BTC  (USD 10.00)\n"
        "TOTAL of 2009 over 3 cases (2 traced; laundered: the cases' lows and highs added)\n"
        "  BTC: stolen 60.00000000, laundered 10.00000000 - 10.00000000\n"
        "  stolen          USD 10.00 at the theft dates; 50.00000000 BTC without a price\n"
        "  laundered       USD 10.00 - 10.00\n";
    const char *at = strstr(r.out, "Thefts of 2009\n");
    cr_assert_not_null(at, "%s", r.out);
    cr_assert_str_eq(at, table);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db09, "report", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "{\"case\":\"later\",\"date\":\"2010-05-22\",\"victim\":\"\","
                            "\"sources\":[\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\"],\"chain\":"
                            "\"bitcoin\",\"error\":"),
              "%s", r.out);
    cr_assert(strstr(r.out, "\"totals\":{\"cases\":4,\"traced\":2,\"stolen_usd\":\"10.00\","
                            "\"laundered_low_usd\":\"10.00\",\"laundered_high_usd\":\"10.00\","
                            "\"more_assets\":false,\"assets\":[{\"asset\":\"BTC\",\"contract\":"
                            "null,\"stolen\":6000000000,\"stolen_unpriced\":5000000000,"
                            "\"laundered_low\":1000000000,\"laundered_high\":1000000000,"
                            "\"laundered_unpriced\":0}]}}\n"),
              "%s", r.out);
    tu_run_free(&r);
}

/* report --format html: the same figures as the text report above (compared as numbers in
 * the page's cells, not the whole page), the case's picture drawn from the same trace's
 * flows as `trace --case satoshi --poison-flows --format html` draws it, the safe file
 * writer, and the option combinations that are refused. */
Test(report_2009, html_case_file)
{
    char path[700], tpath[700], want[900];
    snprintf(path, sizeof(path), "%s/case.html", db09);
    snprintf(tpath, sizeof(tpath), "%s/trace.html", db09);
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db09, "report", "--case", "satoshi", "--format", "html", "-o",
                             path, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    char *report_err = strdup(r.err);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db09, "trace", "--case", "satoshi", "--poison-flows",
                             "--format", "html", "-o", tpath, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* the same counts of nodes and edges: "... (html: N nodes and M edges drawn)" */
    const char *a = strstr(report_err, " (html: "), *b = strstr(r.err, " (html: ");
    cr_assert(a && b);
    cr_assert_str_eq(a, b);
    snprintf(want, sizeof(want), "chaintrail: report: wrote %s%s", path, a);
    cr_assert_str_eq(report_err, want);
    tu_run_free(&r);
    free(report_err);
    size_t len;
    char *page = (char *)tu_read_file(path, &len);
    cr_assert_not_null(page);
    static const char *const cells[] = {
        "<h1>Case report: satoshi</h1>",
        "<td>labels "
        "digest</td><td>0b7370ba3d1a497977a8f7578ef54bcd3a93b0889ecbcc9c3f472ca283742a60</td>",
        /* the provenance's parameters, the text's three lines as one value */
        "<tr><td>parameters</td><td>models poison, haircut, fifo, lifo, tiho; forward from each "
        "case&apos;s theft date (00:00:00 UTC); hops 10; dust 0 base units; stop at exchange, "
        "mixer, bridge, gambling, sanctioned; cashed out: exchange, mixer, bridge, gambling; max "
        "nodes 0; timeout 0 s (0: none)</td></tr>\n</tbody></table>",
        "<section class=\"part\"><h2>Case satoshi</h2>",
        "Theft 2009-01-09, victim: Satoshi Nakamoto. Sources: 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S",
        "Stolen 50.00000000 BTC (no price on 2009-01-09).",
        "<tr><td>exchange</td><td class=\"n\">10.00000000</td><td "
        "class=\"n\">10.00000000</td><td>USD "
        "10.00</td><td class=\"n\">10.00000000</td></tr>",
        "<tr><td>unspent</td><td class=\"n\">40.00000000</td><td "
        "class=\"n\">40.00000000</td><td>USD "
        "29.00; 11.00000000 BTC without a price</td><td class=\"n\">90.00000000</td></tr>",
        "<tr><td>laundered</td><td class=\"n\">10.00000000</td><td "
        "class=\"n\">10.00000000</td><td>USD "
        "10.00</td><td class=\"n\">10.00000000</td></tr>",
        "<tr><td>total</td><td class=\"n\">50.00000000</td><td class=\"n\">50.00000000</td><td "
        "class=\"n\">50.00000000</td><td class=\"n\">50.00000000</td><td "
        "class=\"n\">100.00000000</td></tr>",
        "Adds up to stolen: haircut yes fifo yes lifo yes tiho yes (poison does not conserve "
        "value).",
        "<tr><td>exchange</td><td>Hal desk (test)</td><td>343</td><td "
        "class=\"n\">10.00000000</td><td "
        "class=\"n\">10.00000000</td><td>USD 10.00</td><td class=\"n\">10.00000000</td><td>2009-01-"
        "12T03:30:25Z (height 170)</td><td>2009-01-12T03:30:25Z (height 170)</td><td>(1) "
        "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3</td><td class=\"n\">1</td></tr>",
        "<tr><td>exchange: Hal desk "
        "(test)</td><td>f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16:0</"
        "td><td>2009-01-12T03:30:25Z (height 170)</td><td>1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3</"
        "td><td class=\"n\">10.00000000</td><td class=\"n\">10.00000000</td><td>USD 10.00</td><td "
        "class=\"n\">10.00000000</td></tr>",
        "<section class=\"part\"><h2>Case satoshi: flows and evidence</h2>",
    };
    for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
        cr_assert(strstr(page, cells[i]), "missing: %s", cells[i]);
    free(page);

    /* an existing file without --force, then with it */
    tu_exec(&r,
            (const char *[]){"--db", db09, "report", "--case", "satoshi", "--format", "html", "-o",
                             path, NULL},
            NULL);
    cr_assert_eq(r.status, 5);
    snprintf(want, sizeof(want), "chaintrail: report: '%s' exists (--force replaces it)\n", path);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db09, "report", "--case", "satoshi", "--format", "html", "-o",
                             path, "--force", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    static const struct {
        const char *argv[8];
        const char *err;
    } bad[] = {
        {{"report", "--case", "satoshi", "-o", "x.html", NULL},
         "chaintrail: report: -o PATH and --force write the HTML only (--format html)\n"},
        {{"report", "--format", "json", "--force", NULL},
         "chaintrail: report: -o PATH and --force write the HTML only (--format html)\n"},
        {{"report", "--format", "html", "--force", NULL},
         "chaintrail: report: --force replaces the file of -o PATH: give -o PATH\n"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *argv[12] = {"--db", db09};
        for (size_t k = 0; bad[i].argv[k]; k++)
            argv[2 + k] = bad[i].argv[k];
        tu_exec(&r, argv, NULL);
        cr_assert_eq(r.status, 2, "%zu: %s", i, r.err);
        cr_assert_str_eq(r.err, bad[i].err);
        tu_run_free(&r);
    }

    /* the yearly table, to standard output */
    tu_exec(&r,
            (const char *[]){"--db", db09, "report", "--year", "2009", "--format", "html", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "<h1>Report: thefts of 2009</h1>"));
    cr_assert(strstr(r.out, "<tr><td>satoshi</td><td>2009-01-09</td><td>bitcoin</td><td>BTC</"
                            "td><td class=\"n\">50.00000000</td><td class=\"n\">10.00000000</"
                            "td><td class=\"n\">10.00000000</td><td>USD 10.00</td></tr>"));
    cr_assert(strstr(r.out,
                     "TOTAL of 2009 over 1 cases (1 traced; laundered: the cases&apos; lows and "
                     "highs added)"));
    tu_run_free(&r);
}
