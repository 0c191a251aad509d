/* `chaintrail trace` on Ethereum, end to end: the real mainnet block 19433902 with all its
 * receipts (fixtures/eth/trin, MIT) ingested with `ingest ethereum --json`, real Etherscan
 * labels for five of its addresses (brianleect/etherscan-labels, MIT) and one test label,
 * and the real ETH-USD close of the block's day (yahoo, read in place from
 * ../shared/fixtures). Every endpoint of every model and asset of the trace is compared with
 * tests/tools/acct_reference.py run on the events read back from the database, to the wei
 * and the cent, and the headline figures are written here as the reference computed them. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chaintrail/chaintrail.h"
#include "testutil.h"

#define BLOCK    "eth/trin/eth_getBlockByNumber_19433902_full.json"
#define RECEIPTS "eth/trin/eth_getBlockReceipts_19433902.json"
/* Uniswap's Universal Router: ETH and tokens pass through it all block long */
#define ROUTER "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD"

/* Labels from brianleect/etherscan-labels (combinedAllLabels.json, MIT): name and the
 * category the Etherscan tag maps to; the last row is not a real attribution but a label
 * given for this test, on an address the pool's WETH reaches in two hops. */
static const char LABELS[] =
    "address,label,category,source,asset\n"
    "0x1522900b6dafac587d499a862861c0869be6e428,Bitstamp 2,exchange,etherscan-labels,ETH\n"
    "0x28c6c06298d514db089934071355e5743bf21d60,Binance 14,exchange,etherscan-labels,ETH\n"
    "0x48c04ed5691981c42154c6167398f95e8f38a7ff,ChangeNOW 2,exchange,etherscan-labels,ETH\n"
    "0x7e4490e97c8243d844719f26a0b47fd5a59fdc2e,Connext: ETH Bridge,bridge,etherscan-labels,ETH\n"
    "0x974caa59e49682cda0ad2bbe82983419a2ecc400,Stake.com,gambling,etherscan-labels,ETH\n"
    "0x0f2e5e488daa815361ada55ef816b47679918897,Test exchange,exchange,test,ETH\n";

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'F')
            *s = (char)(*s - 'A' + 'a');
}

static void must(const char *what, const char *const *argv)
{
    tu_run r;
    tu_exec(&r, argv, NULL);
    cr_assert_eq(r.status, 0, "%s: exit %d: %s", what, r.status, r.err);
    tu_run_free(&r);
}

/* The database of the test: the block, the labels, the prices. */
static char *make_db(char **tmp)
{
    char *db = tu_fresh_db();
    char *block = tu_fixture(BLOCK), *receipts = tu_fixture(RECEIPTS);
    must("ingest", (const char *[]){"--db", db, "ingest", "ethereum", "--quiet", "--json", block,
                                    receipts, NULL});
    free(block);
    free(receipts);
    *tmp = tu_tmpdir();
    char labels[600];
    snprintf(labels, sizeof(labels), "%s/labels.csv", *tmp);
    cr_assert_eq(tu_write_file(labels, LABELS, strlen(LABELS)), 0);
    must("labels", (const char *[]){"--db", db, "labels", "import", "--quiet", labels, NULL});
    must("prices ETH",
         (const char *[]){"--db", db, "prices", "import", "--asset", "ETH",
                          CT_SHARED_FIXTURES "/prices/yahoo_ETH-USD_daily.csv", NULL});
    return db;
}

/* ---- the events of the database, for the reference ---- */
typedef struct evlist {
    ct_acct_event *v;
    size_t n, cap;
} evlist;

typedef struct walk {
    ct_acct_graph *g;
    uint64_t addrid;
    evlist *l;
} walk;

typedef struct assets {
    uint32_t v[4096];
    size_t n;
} asset_set;

static int collect(void *arg, uint32_t asset)
{
    asset_set *a = arg;
    cr_assert_lt(a->n, 4096);
    a->v[a->n++] = asset;
    return 0;
}

static void walk_ledger(walk *w, uint32_t asset)
{
    ct_acct_event e;
    ct_acct_pos at;
    int rc;
    bool first = true;
    while ((rc = w->g->ledger_next(w->g->ctx, w->addrid, asset, first ? NULL : &at, &e, NULL)) ==
           CT_OK) {
        if (w->l->n == w->l->cap) {
            w->l->cap = w->l->cap ? 2 * w->l->cap : 1024;
            w->l->v = realloc(w->l->v, w->l->cap * sizeof(*w->l->v));
            cr_assert_not_null(w->l->v);
        }
        w->l->v[w->l->n++] = e;
        at = e.at;
        first = false;
    }
    cr_assert_eq(rc, CT_ENOTFOUND);
}

static int cmp_ev(const void *a, const void *b)
{
    return ct_acct_pos_cmp(&((const ct_acct_event *)a)->at, &((const ct_acct_event *)b)->at);
}

static void put_addr(FILE *f, ct_acct_graph *g, uint64_t id)
{
    char a[43];
    if (id == 0) {
        fputs("null", f);
        return;
    }
    cr_assert_eq(g->address_of(g->ctx, id, a, NULL), CT_OK);
    lower(a);
    fprintf(f, "\"%s\"", a);
}

static bool ticker(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 16)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* Writes the reference's input: every event of the database (each ledger of each address
 * walked with ledger_next, duplicates removed), the assets, the labels, the prices. */
static void write_reference_input(const char *db_dir, const char *path, const char *source,
                                  json_t **assets_out)
{
    ct_db *db = tu_db_open(db_dir, false);
    ct_db_snapshot *snap = ct_db_snapshot_new(db);
    ct_acct_graph g;
    cr_assert_eq(ct_acct_graph_db(&g, db, snap, NULL), CT_OK);
    ct_eth_stats st;
    cr_assert_eq(ct_eth_stats_get(db, &st, NULL), CT_OK);
    evlist l = {NULL, 0, 0};
    for (uint64_t id = 1; id <= st.addresses; id++) {
        walk w = {&g, id, &l};
        static asset_set as;
        as.n = 0; /* collected first: ledger_assets and ledger_next share a cursor */
        cr_assert_eq(g.ledger_assets(g.ctx, id, collect, &as, NULL), CT_OK);
        for (size_t k = 0; k < as.n; k++)
            walk_ledger(&w, as.v[k]);
    }
    qsort(l.v, l.n, sizeof(*l.v), cmp_ev);
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++)
        if (n == 0 || ct_acct_pos_cmp(&l.v[n - 1].at, &l.v[i].at) != 0)
            l.v[n++] = l.v[i];
    cr_assert_eq(n, st.events, "every event reached through the ledgers: %zu of %llu", n,
                 (unsigned long long)st.events);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "{\"options\":{\"models\":[\"poison\",\"haircut\",\"fifo\",\"lifo\",\"tiho\"],"
            "\"hops\":10,\"dust\":\"0\",\"stops\":[\"exchange\",\"mixer\",\"bridge\","
            "\"gambling\",\"sanctioned\"],\"cashout\":[\"exchange\",\"mixer\",\"bridge\","
            "\"gambling\"]},\"sources\":[{\"address\":\"%s\",\"from\":-1,\"to\":-1}],"
            "\"labels\":{",
            source);
    const char *p = LABELS;
    bool first = true;
    while ((p = strchr(p, '\n')) && p[1]) { /* address,label,category,... of each row */
        p++;
        const char *c1 = strchr(p, ','), *c2 = strchr(c1 + 1, ','), *c3 = strchr(c2 + 1, ',');
        fprintf(f, "%s\"%.*s\":\"%.*s\"", first ? "" : ",", (int)(c1 - p), p, (int)(c3 - c2 - 1),
                c2 + 1);
        first = false;
    }
    fputs("},\"assets\":{", f);
    json_t *assets = json_object();
    for (uint32_t a = 0; a <= st.assets; a++) {
        char sym[64], contract[43];
        uint8_t dec;
        bool known;
        cr_assert_eq(g.asset_info(g.ctx, a, sym, sizeof(sym), &dec, &known, contract, NULL), CT_OK);
        lower(contract);
        bool priced = known && ticker(a == 0 ? "ETH" : sym);
        json_t *js = json_string(sym);
        char *sj = json_dumps(js, JSON_ENCODE_ANY);
        fprintf(f, "%s\"%u\":{\"symbol\":%s,\"decimals\":%u,\"priced\":%s}", a ? "," : "", a, sj,
                dec, priced ? "true" : "false");
        free(sj);
        json_decref(js);
        char key[16];
        snprintf(key, sizeof(key), "%u", a);
        json_object_set_new(assets, contract[0] ? contract : "eth", json_string(key));
    }
    /* 2024-03-14 is day 19796: ETH-USD close 3883.140381 -> 388314 cents (yahoo) */
    uint64_t eth;
    cr_assert_eq(ct_price_get(db, NULL, &eth, NULL, "ETH", 19796, NULL), CT_OK);
    cr_assert_eq(eth, 388314);
    fprintf(f, "},\"prices\":{\"ETH\":{\"19796\":%llu}},\"events\":[", (unsigned long long)eth);
    for (size_t i = 0; i < n; i++) {
        const ct_acct_event *e = &l.v[i];
        char amount[CT_U256_DEC_MAX];
        ct_u256_to_dec(amount, sizeof(amount), &e->amount);
        fprintf(f,
                "%s{\"height\":%u,\"tx_index\":%u,\"pos\":%u,\"time\":%u,\"kind\":%u,"
                "\"asset\":%u,\"amount\":\"%s\",\"from\":",
                i ? "," : "", e->at.height, e->at.tx_index, e->at.pos, e->time, e->kind, e->asset,
                amount);
        put_addr(f, &g, e->from);
        fputs(",\"to\":", f);
        put_addr(f, &g, e->to);
        fputs(",\"tx\":", f);
        if (e->at.tx_index == CT_ACCT_BLOCK_LEVEL) {
            fputs("null", f);
        } else {
            fputs("\"0x", f);
            for (int k = 0; k < 32; k++)
                fprintf(f, "%02x", e->txhash[k]);
            fputc('"', f);
        }
        fputc('}', f);
    }
    fputs("]}\n", f);
    cr_assert_eq(fclose(f), 0);
    free(l.v);
    ct_acct_graph_db_free(&g);
    ct_db_snapshot_free(db, snap);
    ct_db_close(db);
    *assets_out = assets;
}

static json_t *run_json(const char *const *argv)
{
    tu_run r;
    tu_exec(&r, argv, NULL);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert_not_null(j, "not JSON: %s", je.text);
    tu_run_free(&r);
    return j;
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    cr_assert(json_is_string(v), "%s is not a string", k);
    return json_string_value(v);
}

static long long num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    cr_assert(json_is_integer(v), "%s is not an integer", k);
    return json_integer_value(v);
}

/* "usd": a string of cents, or null; the reference gives integer cents and the unpriced
 * part. */
static void expect_usd(json_t *usd, long long cents, const char *amount, const char *unpriced,
                       const char *what)
{
    if (strcmp(amount, unpriced) == 0 && strcmp(amount, "0") != 0) {
        cr_assert(json_is_null(usd), "%s: usd should be null", what);
        return;
    }
    char want[48];
    snprintf(want, sizeof(want), "%lld.%02lld", cents / 100, cents % 100);
    cr_assert(json_is_string(usd), "%s: usd is not a string", what);
    cr_assert_str_eq(json_string_value(usd), want, "%s: usd %s, reference %s", what,
                     json_string_value(usd), want);
}

/* Every model, asset, category and endpoint of the CLI's JSON against the reference. */
static size_t compare(json_t *out, json_t *ref, json_t *asset_ids)
{
    size_t endpoints = 0;
    json_t *assets = json_object_get(out, "assets"), *rm = json_object_get(ref, "models");
    static const char *const models[] = {"poison", "haircut", "fifo", "lifo", "tiho"};
    for (size_t m = 0; m < 5; m++) {
        json_t *rmod = json_object_get(rm, models[m]);
        cr_assert_eq(json_array_size(assets), json_object_size(rmod), "%s: number of assets",
                     models[m]);
        for (size_t a = 0; a < json_array_size(assets); a++) {
            json_t *as = json_array_get(assets, a);
            json_t *contract = json_object_get(as, "contract");
            char c[43] = "eth";
            if (json_is_string(contract)) {
                snprintf(c, sizeof(c), "%s", json_string_value(contract));
                lower(c);
            }
            const char *id = str(asset_ids, c);
            json_t *ra = json_object_get(rmod, id),
                   *x = json_object_get(json_object_get(as, "models"), models[m]);
            cr_assert_not_null(ra, "%s: asset %s not in the reference", models[m], c);
            cr_assert_str_eq(str(x, "source"), str(ra, "source"), "%s %s source", models[m], c);
            json_t *cats = json_object_get(x, "by_category"),
                   *rcats = json_object_get(ra, "categories");
            cr_assert_eq(json_object_size(cats), json_object_size(rcats), "%s %s categories",
                         models[m], c);
            const char *name;
            json_t *cat;
            json_object_foreach(cats, name, cat)
            {
                json_t *rc = json_object_get(rcats, name);
                cr_assert_not_null(rc, "%s %s: category %s", models[m], c, name);
                cr_assert_str_eq(str(cat, "amount"), str(rc, "amount"), "%s %s %s", models[m], c,
                                 name);
                cr_assert_str_eq(str(cat, "unpriced"), str(rc, "unpriced"));
                expect_usd(json_object_get(cat, "usd"), num(rc, "usd_cents"), str(rc, "amount"),
                           str(rc, "unpriced"), name);
            }
            json_t *eps = json_object_get(x, "endpoints"), *reps = json_object_get(ra, "endpoints");
            cr_assert_eq(json_array_size(eps), json_array_size(reps), "%s %s endpoints", models[m],
                         c);
            for (size_t i = 0; i < json_array_size(eps); i++) {
                json_t *e = json_array_get(eps, i), *r = NULL;
                char addr[43];
                snprintf(addr, sizeof(addr), "%s", str(e, "address"));
                lower(addr);
                for (size_t k = 0; k < json_array_size(reps) && !r; k++) {
                    json_t *q = json_array_get(reps, k);
                    if (strcmp(json_string_value(json_array_get(q, 0)), addr) == 0 &&
                        strcmp(json_string_value(json_array_get(q, 1)), str(e, "category")) == 0)
                        r = q;
                }
                cr_assert_not_null(r, "%s %s: endpoint %s %s not in the reference", models[m], c,
                                   addr, str(e, "category"));
                cr_assert_str_eq(str(e, "taint"), json_string_value(json_array_get(r, 2)),
                                 "%s %s %s taint", models[m], c, addr);
                static const char *const nums[] = {"hops",       "flows",       "first_height",
                                                   "first_time", "last_height", "last_time"};
                for (size_t q = 0; q < 6; q++)
                    cr_assert_eq(num(e, nums[q]), json_integer_value(json_array_get(r, 3 + q)),
                                 "%s %s %s %s", models[m], c, addr, nums[q]);
                cr_assert_str_eq(str(e, "unpriced"), json_string_value(json_array_get(r, 10)));
                expect_usd(json_object_get(e, "usd"), json_integer_value(json_array_get(r, 9)),
                           str(e, "taint"), str(e, "unpriced"), addr);
                endpoints++;
            }
        }
    }
    return endpoints;
}

/* Traces `source` with the CLI and with the reference; compares everything. Returns the
 * CLI's JSON (the caller frees it). */
static json_t *trace_and_compare(const char *db, const char *tmp, const char *source)
{
    json_t *out = run_json((const char *[]){"--db", db, "trace", "--from", source, NULL});
    char in[600], refout[600], cmd[2000], src[43];
    snprintf(in, sizeof(in), "%s/case.json", tmp);
    snprintf(refout, sizeof(refout), "%s/ref.json", tmp);
    snprintf(src, sizeof(src), "%s", source);
    lower(src);
    json_t *ids;
    write_reference_input(db, in, src, &ids);
    snprintf(cmd, sizeof(cmd), "python3 '%s/../tests/tools/acct_reference.py' '%s' > '%s'",
             CT_FIXTURES, in, refout);
    cr_assert_eq(system(cmd), 0, "the reference failed");
    json_error_t je;
    json_t *ref = json_load_file(refout, 0, &je);
    cr_assert_not_null(ref, "reference output: %s", je.text);
    size_t n = compare(out, ref, ids);
    fprintf(stderr, "cli_trace_eth: %s: %zu endpoints equal to the reference\n", source, n);
    cr_assert_gt(n, 0);
    json_decref(ref);
    json_decref(ids);
    return out;
}

static json_t *model_of(json_t *out, size_t asset, const char *model)
{
    return json_object_get(
        json_object_get(json_array_get(json_object_get(out, "assets"), asset), "models"), model);
}

Test(cli_trace_eth, block_19433902_agrees_with_the_reference)
{
    char *tmp;
    char *db = make_db(&tmp);
    /* Uniswap's Universal Router received 3.743360731816696267 ETH in 13 transfers and
     * sent none on (the block has no call traces): unspent, at the day's $3,883.14:
     * 3743360731816696267 * 388314 / 10^18 = 1453599.379... cents -> $14,535.99 */
    json_t *out = trace_and_compare(db, tmp, ROUTER);
    json_t *eth = json_array_get(json_object_get(out, "assets"), 0);
    cr_assert_str_eq(str(eth, "symbol"), "ETH");
    cr_assert_str_eq(str(eth, "price_asset"), "ETH");
    json_t *f = model_of(out, 0, "fifo");
    cr_assert_str_eq(str(f, "source"), "3743360731816696267");
    json_t *u = json_object_get(json_object_get(f, "by_category"), "unspent");
    cr_assert_str_eq(str(u, "amount"), "3743360731816696267");
    cr_assert_str_eq(str(u, "usd"), "14535.99");
    cr_assert_str_eq(str(json_object_get(out, "manifest"), "chain"), "ethereum");
    cr_assert_eq(num(json_object_get(json_object_get(out, "manifest"), "tip"), "height"), 19433902);
    json_decref(out);

    /* A pool (0x048d3180...) trading WETH back and forth with 0x6b75d8af...: WETH comes
     * back to it, so what entered the trace differs per model, and the test-labelled
     * address gets a different share in each (figures of tests/tools/acct_reference.py). */
    out = trace_and_compare(db, tmp, "0x048d3180ecf61b82f47078f6ebb3298326d70431");
    json_t *weth = json_array_get(json_object_get(out, "assets"), 0);
    cr_assert_str_eq(str(weth, "contract"), "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2");
    cr_assert(json_is_null(json_object_get(weth, "decimals")), "no token metadata in the block");
    static const struct {
        const char *model, *source, *laundered;
    } want[] = {
        {"poison", "99125000000000000", "356000626460590080"},
        {"haircut", "2903503617423826903", "10681821088792562"},
        {"fifo", "2942542844878671872", "51415778802290688"},
        {"lifo", "2947608543227805697", "0"},
        {"tiho", "2990252066076381184", "99125000000000000"},
    };
    for (size_t i = 0; i < 5; i++) {
        json_t *m = model_of(out, 0, want[i].model);
        cr_assert_str_eq(str(m, "source"), want[i].source, "%s", want[i].model);
        cr_assert_str_eq(str(m, "laundered"), want[i].laundered, "%s", want[i].model);
        cr_assert_str_eq(str(model_of(out, 1, want[i].model), "source"), "2634269389967562408");
    }
    json_t *rg = json_object_get(weth, "range");
    cr_assert_str_eq(str(rg, "low"), "0");
    cr_assert_str_eq(str(rg, "high"), "99125000000000000");
    cr_assert_str_eq(str(rg, "poison"), "356000626460590080");
    json_decref(out);
    if (!getenv("KEEP"))
        tu_rmtree(tmp);
    else
        fprintf(stderr, "kept %s\n", tmp);
    free(tmp);
    tu_fresh_db_done(db);
}

#define POOL "0x048d3180ecf61b82f47078f6ebb3298326d70431"

static void run_out(tu_run *r, const char *const *argv, int status)
{
    tu_exec(r, argv, NULL);
    cr_assert_eq(r->status, status, "exit %d (expected %d): %s", r->status, status, r->err);
}

Test(cli_trace_eth, formats_sources_and_errors)
{
    char *tmp;
    char *db = make_db(&tmp);
    tu_run r, r2;
    /* deterministic: the same command twice gives the same bytes */
    run_out(&r, (const char *[]){"--db", db, "trace", "--from", POOL, NULL}, 0);
    run_out(&r2, (const char *[]){"--db", db, "trace", "--from", POOL, NULL}, 0);
    cr_assert_eq(r.out_len, r2.out_len);
    cr_assert_eq(memcmp(r.out, r2.out, r.out_len), 0);
    cr_assert_eq(tu_count_lines(r.out), 1);
    tu_run_free(&r);
    tu_run_free(&r2);

    /* text: ETH in whole units with 18 decimals and USD at the day's price */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", ROUTER, "--model", "fifo", "--format",
                             "text", NULL},
            0);
    cr_assert(strstr(r.out, "trace from " ROUTER " (ethereum, 13 source transfers)\n"), "%s",
              r.out);
    cr_assert(strstr(r.out, "database: ethereum chain 1, tip 19433902 "
                            "0x8ec7bd37afa247fde16aa96317c77055b7a633aa8dc9ae27d0d5c776b58fef04"));
    cr_assert(strstr(r.out, "\n== ETH\n"));
    cr_assert(strstr(r.out, "fifo               3.743360731816696267           "
                            "0.000000000000000000  USD 0.00\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "  by category: unspent 3.743360731816696267\n"));
    tu_run_free(&r);
    /* text of tokens without metadata: base units, no price table, the label shown */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--model", "tiho", "--format",
                             "text", NULL},
            0);
    cr_assert(strstr(r.out, "== 0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2 (decimals unknown: "
                            "base units)\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "laundered: between 99125000000000000 and 99125000000000000 "
                            "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2 (no price table)\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, "               99125000000000000 exchange        2  19433902  "
                            "0x0F2E5e488dAA815361ada55ef816b47679918897  Test exchange (test)\n"),
              "%s", r.out);
    tu_run_free(&r);
    /* --flows: per asset and model the totals per hop and the transfers that carried taint;
     * the exchange's 99125000000000000 WETH units came in one token transfer of tx 0xe5ca...,
     * at hop 2, from 0x6b75d8AF... */
    run_out(
        &r,
        (const char *[]){"--db", db, "trace", "--from", POOL, "--model", "tiho", "--flows", NULL},
        0);
    cr_assert(strstr(r.out, "\"direction\":\"forward\",\"flows\":\"poison per hop\",\"hops\":10,"),
              "%s", r.out);
    cr_assert(strstr(r.out, "{\"hop\":2,\"height\":19433902,\"tx_index\":4,\"pos\":4,\"time\":"
                            "1710427319,\"utc\":\"2024-03-14T14:41:59Z\",\"tx\":\"0xe5cadd0ce1"
                            "4011bb9a5ff9bafe1a3b0911628c9459b2d19d5afc4273d6f131b7\",\"kind\":"
                            "\"token\",\"from\":\"0x6b75d8AF000000e20B7a7DDf000Ba900b4009A80\","
                            "\"to\":\"0x0F2E5e488dAA815361ada55ef816b47679918897\",\"taint\":"
                            "\"99125000000000000\",\"usd\":null,\"endpoint\":2}"),
              "%s", r.out);
    /* the taint left at the pool at the tip: one remainder flow into its unspent endpoint */
    cr_assert(strstr(r.out, "\"tx\":null,\"kind\":\"remainder\",\"from\":\"0x048d3180ECF61b82"
                            "f47078F6EBb3298326d70431\",\"to\":\"0x048d3180ECF61b82f47078F6EBb3"
                            "298326d70431\",\"taint\":\"2494227117289651157\",\"usd\":null,"
                            "\"endpoint\":0}"),
              "%s", r.out);
    tu_run_free(&r);
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--model", "tiho", "--flows",
                             "--format", "csv", NULL},
            0);
    cr_assert(strstr(r.out, "model,symbol,contract,hop,height,tx_index,pos,time,tx,kind,from,to,"
                            "taint,usd,endpoint_category,endpoint_address\n"
                            "tiho,\"\",\"0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\",0,19433902,"
                            "0,1,1710427319,0x8d6b84b11ace6e48c95ae7a229d9d467ead6f122a14fd86aa1"
                            "8c5b8c7665bea7,token,0x1111111254EEB25477B68fb85Ed929f73A960582,"
                            "0x048d3180ECF61b82f47078F6EBb3298326d70431,99125000000000000,,,\n"),
              "%s", r.out);
    cr_assert(strstr(r.out, ",99125000000000000,,\"exchange\",\"0x0F2E5e488dAA815361ada55ef816b"
                            "47679918897\"\n"),
              "%s", r.out);
    tu_run_free(&r);
    /* CSV: one row per (asset, model, endpoint) */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--model", "tiho", "--format",
                             "csv", NULL},
            0);
    cr_assert_eq(strncmp(r.out,
                         "model,symbol,contract,address,category,label,taint,usd,unpriced,hops,"
                         "flows,first_height,first_time,last_height,last_time\n",
                         118),
                 0, "%s", r.out);
    cr_assert(strstr(r.out, "tiho,\"\",\"0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\","
                            "\"0x0F2E5e488dAA815361ada55ef816b47679918897\",\"exchange\","
                            "\"Test exchange (test)\",99125000000000000,,99125000000000000,2,1,"
                            "19433902,1710427319,19433902,1710427319\n"),
              "%s", r.out);
    cr_assert_eq(tu_count_lines(r.out), 6);
    tu_run_free(&r);

    /* a transaction: its transfers are the sources, not its fees nor the miner's credit of
     * the priority fee: 0.1 ETH to the swap router, 0.099125 WETH to the pool, two transfers
     * of the second token (the second one already tainted: 58663791380196893 once) */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from",
                             "0x8D6B84B11ACE6E48C95AE7A229D9D467EAD6F122A14FD86AA18C5B8C7665BEA7",
                             "--model", "fifo", NULL},
            0);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert_not_null(j);
    json_t *as = json_object_get(j, "assets");
    cr_assert_eq(json_array_size(as), 3);
    cr_assert_str_eq(str(model_of(j, 0, "fifo"), "source"), "100000000000000000");
    cr_assert_str_eq(str(model_of(j, 1, "fifo"), "source"), "99125000000000000");
    cr_assert_str_eq(str(model_of(j, 2, "fifo"), "source"), "58663791380196893");
    /* 0.1 ETH unspent at the router, at $3,883.14: $388.31 */
    json_t *u = json_object_get(json_object_get(model_of(j, 0, "fifo"), "by_category"), "unspent");
    cr_assert_str_eq(str(u, "usd"), "388.31");
    json_decref(j);
    tu_run_free(&r);

    /* a case with an Ethereum source: `trace --case` traces from the theft's day on, as
     * --from with --since that day does; `case show` names the kind; the report traces it */
    must("case add", (const char *[]){"--db", db, "case", "add", "pool-2024", "--date",
                                      "2024-03-14", "--from", POOL, NULL});
    run_out(&r, (const char *[]){"--db", db, "trace", "--case", "pool-2024", NULL}, 0);
    run_out(&r2,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--since", "2024-03-14", NULL},
            0);
    const char *m1 = strstr(r.out, "\"assets\":"), *m2 = strstr(r2.out, "\"assets\":");
    cr_assert(m1 && m2);
    cr_assert_str_eq(m1, m2);
    cr_assert(strstr(r.out, "\"case\":\"pool-2024\",\"sources\":[\"" POOL "\"],"
                            "\"since_time\":1710374400,"),
              "%s", r.out);
    tu_run_free(&r);
    tu_run_free(&r2);
    run_out(&r, (const char *[]){"--db", db, "case", "show", "pool-2024", "--format", "json", NULL},
            0);
    cr_assert(strstr(r.out, "{\"source\":\"" POOL "\",\"kind\":\"eth-address\"}"), "%s", r.out);
    tu_run_free(&r);
    /* the report traces it too (tests/test_cli_report.c compares the two) */
    run_out(&r, (const char *[]){"--db", db, "report", "--format", "json", NULL}, 0);
    cr_assert(strstr(r.out, "\"sources\":[\"" POOL "\"],\"chain\":\"ethereum\",\"complete\":true,"),
              "%s", r.out);
    tu_run_free(&r);

    /* errors */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--from",
                             "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", NULL},
            2);
    cr_assert_str_eq(r.err, "chaintrail: trace: give either Ethereum or Bitcoin sources, not "
                            "both\n");
    tu_run_free(&r);
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from",
                             "0x00000000000000000000000000000000000000ff", NULL},
            8);
    cr_assert_str_eq(r.err, "chaintrail: trace: address 0x00000000000000000000000000000000000000ff "
                            "is not in the database\n");
    tu_run_free(&r);
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from",
                             "0x00000000000000000000000000000000000000000000000000000000000000ff",
                             NULL},
            8);
    cr_assert_str_eq(r.err, "chaintrail: trace: transaction "
                            "0x00000000000000000000000000000000000000000000000000000000000000ff "
                            "is not in the database\n");
    tu_run_free(&r);
    run_out(&r, (const char *[]){"--db", db, "trace", "--from", POOL, "--backward", NULL}, 2);
    cr_assert_str_eq(r.err, "chaintrail: trace: --backward is not supported for account chains "
                            "yet\n");
    tu_run_free(&r);
    /* a database without Ethereum blocks (made by importing labels) */
    char *empty = tu_fresh_db(), labels[600];
    snprintf(labels, sizeof(labels), "%s/labels.csv", tmp);
    must("labels", (const char *[]){"--db", empty, "labels", "import", "--quiet", labels, NULL});
    run_out(&r, (const char *[]){"--db", empty, "trace", "--from", POOL, NULL}, 8);
    cr_assert_str_eq(r.err, "chaintrail: trace: the database holds no Ethereum block ('ingest "
                            "ethereum' first)\n");
    tu_run_free(&r);
    tu_fresh_db_done(empty);
    tu_rmtree(tmp);
    free(tmp);
    tu_fresh_db_done(db);
}

#define WETH   "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
#define TESTEX "0x0F2E5e488dAA815361ada55ef816b47679918897"

/* The decimal string of a JSON amount as a number (the amounts here fit 64 bits). */
static unsigned long long dec(json_t *o, const char *k)
{
    return strtoull(str(o, k), NULL, 10);
}

/* --paths, --group and --limit on Ethereum (docs/trace.md, "Ethereum"), and trace --to
 * ("Connect"): from the WETH/token pool, the test exchange's WETH. */
Test(cli_trace_eth, paths_groups_limits_and_connect)
{
    char *tmp;
    char *db = make_db(&tmp);
    tu_run r;
    /* --paths: every endpoint of every model and asset is the sum of its flows in, and the
     * manifest says so */
    json_t *j = run_json((const char *[]){"--db", db, "trace", "--from", POOL, "--paths", NULL});
    json_t *params = json_object_get(json_object_get(j, "manifest"), "parameters");
    cr_assert(json_is_true(json_object_get(params, "paths")));
    cr_assert_str_eq(str(params, "flows"), "whole");
    size_t checked = 0;
    json_t *assets = json_object_get(j, "assets");
    for (size_t a = 0; a < json_array_size(assets); a++) {
        const char *mk;
        json_t *mv;
        json_object_foreach(json_object_get(json_array_get(assets, a), "models"), mk, mv)
        {
            json_t *eps = json_object_get(mv, "endpoints"), *flows = json_object_get(mv, "flows");
            cr_assert_gt(json_array_size(flows), 0, "%s", mk);
            for (size_t i = 0; i < json_array_size(eps); i++) {
                json_t *e = json_array_get(eps, i), *in = json_object_get(e, "flows_in");
                unsigned long long sum = 0;
                for (size_t k = 0; k < json_array_size(in); k++) {
                    json_t *w =
                        json_array_get(flows, (size_t)json_integer_value(json_array_get(in, k)));
                    cr_assert_eq(json_integer_value(json_object_get(w, "endpoint")), (long long)i);
                    sum += dec(w, "taint");
                }
                cr_assert_eq(sum, dec(e, "taint"), "%s endpoint %zu", mk, i);
                checked++;
            }
        }
    }
    cr_assert_geq(checked, 20);
    json_decref(j);
    /* text: the exchange's TIHO taint came in one token transfer at hop 2 */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--model", "tiho", "--paths",
                             "--format", "text", NULL},
            0);
    cr_assert(strstr(r.out, "               99125000000000000 exchange        2  19433902  " TESTEX
                            "  Test exchange (test)\n"
                            "      99125000000000000 " WETH "  hop 2  height 19433902  "
                            "2024-03-14T14:41:59Z  token  tx "
                            "0xe5cadd0ce14011bb9a5ff9bafe1a3b0911628c9459b2d19d5afc4273d6f131b7  "
                            "from 0x6b75d8AF000000e20B7a7DDf000Ba900b4009A80  to " TESTEX "\n"),
              "%s", r.out);
    tu_run_free(&r);

    /* --group label, CSV: per asset, the service's total */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--model", "haircut", "--group",
                             "label", "--format", "csv", NULL},
            0);
    cr_assert_str_eq(r.out,
                     "model,symbol,contract,label,taint,usd,unpriced,endpoints,first_height,"
                     "last_height\n"
                     "haircut,\"\",\"" WETH "\",\"\",2892821796335034341,,2892821796335034341,3,"
                     "19433902,19433902\n"
                     "haircut,\"\",\"" WETH "\",\"Test exchange (test)\",10681821088792562,,"
                     "10681821088792562,1,19433902,19433902\n"
                     "haircut,\"\",\"0x85E0b9D3E7e4dBa7E59090C533906d0e9211D8b6\",\"\","
                     "2634269389967562408,,2634269389967562408,2,19433902,19433902\n");
    tu_run_free(&r);
    /* --limit alone: the two largest endpoints of each asset, the rest in one row */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--model", "haircut", "--limit",
                             "2", "--format", "csv", NULL},
            0);
    cr_assert(strstr(r.out, "haircut,\"\",\"" WETH "\",\"(left out: 2)\",,,12376551347445719,,,,,"
                            ",,,\nhaircut,\"\",\"" WETH "\",\"0x048d3180ECF61b82f47078F6EBb329832"
                            "6d70431\",\"unspent\",\"\",2494227117289651157,"),
              "%s", r.out);
    cr_assert_eq(tu_count_lines(r.out), 1 + 3 + 2, "%s", r.out); /* one asset is not cut */
    tu_run_free(&r);
    /* --group category --limit 1, JSON: amounts as decimal strings */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--model", "haircut", "--group",
                             "category", "--limit", "1", NULL},
            0);
    cr_assert(strstr(r.out, "\"direction\":\"forward\",\"group\":\"category\",\"limit\":1,"
                            "\"hops\":10,"),
              "%s", r.out);
    cr_assert(strstr(r.out, ",\"groups\":{\"by\":\"category\",\"entries\":[{\"key\":"
                            "\"unspent\",\"taint\":\"2892821796335034341\",\"usd\":null,"
                            "\"unpriced\":\"2892821796335034341\",\"endpoints\":3,"
                            "\"first_height\":19433902,\"last_height\":19433902}],\"left_out\":"
                            "{\"entries\":1,\"taint\":\"10681821088792562\"}}"),
              "%s", r.out);
    tu_run_free(&r);
    /* text: in the asset's units, ETH with 18 decimals */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", ROUTER, "--model", "fifo", "--group",
                             "address", "--format", "text", NULL},
            0);
    cr_assert(strstr(r.out, "  by address:\n"
                            "            3.743360731816696267     1 endpoints  "
                            "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD\n"),
              "%s", r.out);
    tu_run_free(&r);
    run_out(&r, (const char *[]){"--db", db, "trace", "--from", POOL, "--group", "cluster", NULL},
            2);
    cr_assert_str_eq(r.err, "chaintrail: trace: --group cluster: account chains have no "
                            "clusters\n");
    tu_run_free(&r);

    /* Connect: each model's amount to the exchange, as the plain trace's endpoint there */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--to",
                             "0x0f2e5e488daa815361ada55ef816b47679918897", "--format", "csv", NULL},
            0);
    static const char *const rows[][2] = {{"poison", "356000626460590080"},
                                          {"haircut", "10681821088792562"},
                                          {"fifo", "51415778802290688"},
                                          {"lifo", NULL},
                                          {"tiho", "99125000000000000"}};
    char want[4096] = "model,symbol,contract,target,reached,taint,usd,unpriced,hops,flows,"
                      "first_height,first_time,first_utc,last_height,last_time,last_utc\n";
    for (size_t m = 0; m < 5; m++) {
        size_t n = strlen(want);
        if (rows[m][1])
            snprintf(want + n, sizeof(want) - n,
                     "%s,\"\",\"" WETH "\",\"" TESTEX "\",yes,%s,,%s,2,1,19433902,1710427319,"
                     "2024-03-14T14:41:59Z,19433902,1710427319,2024-03-14T14:41:59Z\n",
                     rows[m][0], rows[m][1], rows[m][1]);
        else
            snprintf(want + n, sizeof(want) - n,
                     "%s,\"\",\"" WETH "\",\"" TESTEX "\",no,0,,0,,0,,,,,,\n", rows[m][0]);
    }
    for (size_t m = 0; m < 5; m++) {
        size_t n = strlen(want);
        snprintf(want + n, sizeof(want) - n,
                 "%s,\"\",\"0x85E0b9D3E7e4dBa7E59090C533906d0e9211D8b6\",\"" TESTEX
                 "\",no,0,,0,,0,,,,,,\n",
                 rows[m][0]);
    }
    cr_assert_str_eq(r.out, want);
    tu_run_free(&r);
    /* JSON, TIHO: the evidence runs from the pool's source transfer (hop 0) through
     * 0x6b75d8AF... (hop 1) to the exchange (hop 2) */
    j = run_json((const char *[]){"--db", db, "trace", "--from", POOL, "--to", TESTEX, "--model",
                                  "tiho", NULL});
    json_t *c = json_object_get(j, "connect");
    cr_assert(json_is_true(json_object_get(c, "reached")));
    json_t *m0 = json_object_get(
        json_object_get(json_array_get(json_object_get(c, "assets"), 0), "models"), "tiho");
    cr_assert_str_eq(str(m0, "reached"), "99125000000000000");
    json_t *fl = json_object_get(m0, "flows");
    cr_assert_eq(json_array_size(fl), 3);
    static const char *const hops_to[] = {POOL, "0x6b75d8AF000000e20B7a7DDf000Ba900b4009A80",
                                          TESTEX};
    for (size_t k = 0; k < 3; k++) {
        json_t *w = json_array_get(fl, k);
        cr_assert_eq(num(w, "hop"), (long long)k);
        cr_assert_eq(strcasecmp(str(w, "to"), hops_to[k]), 0, "%s", str(w, "to"));
        cr_assert_str_eq(str(w, "taint"), "99125000000000000");
    }
    json_t *t0 = json_array_get(json_object_get(m0, "targets"), 0);
    cr_assert_str_eq(str(t0, "address"), TESTEX);
    cr_assert_str_eq(str(t0, "first_utc"), "2024-03-14T14:41:59Z");
    cr_assert_eq(num(t0, "hops"), 2);
    json_decref(j);
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--paths", "--max-path-steps",
                             "5", NULL},
            9);
    cr_assert_str_eq(r.out, "");
    cr_assert(strstr(r.err, "chaintrail: trace: --paths: the paths hold more than 5 flows (the "
                            "guard): nothing written;"),
              "%s", r.err);
    tu_run_free(&r);
    /* a target not in the database: exit 8 naming it */
    run_out(&r,
            (const char *[]){"--db", db, "trace", "--from", POOL, "--to",
                             "0x00000000000000000000000000000000000000ff", NULL},
            8);
    cr_assert_str_eq(r.err, "chaintrail: trace: address 0x00000000000000000000000000000000000000ff "
                            "(--to) is not in the database\n");
    tu_run_free(&r);
    tu_rmtree(tmp);
    free(tmp);
    tu_fresh_db_done(db);
}
