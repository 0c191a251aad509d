/* `chaintrail scan` exposure on ground truth (docs/scan.md "Indirect exposure", "Ground
 * truth"): chaintrail-sim chains of several seeds, the exchanges' deposit addresses as
 * customers and the thief's addresses labelled hack. tests/tools/scan_truth.py checks every
 * finding against two computations that share no code with chaintrail: the Python reference
 * of the taint models (tests/tools/taint_reference.py) applying docs/scan.md's rule, and the
 * simulator's truth.json (tests/sim/reference.c) when the thief's addresses received nothing
 * but the stolen outputs. The summaries asserted here are the checker's, which exits 1 on any
 * difference of one satoshi. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "chaintrail/chaintrail.h"
#include "chaintrail/scan.h"
#include "testutil.h"

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

static void run_ok(const char *bin, const char *const *args, const char *what)
{
    tu_run r;
    tu_exec_bin(&r, bin, args, NULL);
    cr_assert_eq(r.status, 0, "%s: %s%s", what, r.out, r.err);
    tu_run_free(&r);
}

/* A simulated chain with --hops 3 (the default policy's max_hops for hack), ingested, with
 * labels.csv and the thief's addresses (hack.csv) imported. */
static char *sim_db(const char *seed)
{
    char *dir = tu_tmpdir(), *sim = join(dir, "sim"), *db = join(dir, "db");
    char *blocks = join(sim, "blocks"), *labels = join(sim, "labels.csv");
    char *hack = join(dir, "hack.csv");
    run_ok(CT_SIM_BIN,
           (const char *[]){"--seed", seed, "--txs", "3000", "--hops", "3", "--out", sim, "--quiet",
                            NULL},
           "chaintrail-sim");
    run_ok(CT_PYTHON3, (const char *[]){CT_TOOLS "/scan_truth.py", "prepare", sim, dir, NULL},
           "prepare");
    run_ok(CT_BIN,
           (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "regtest", "--quiet",
                            blocks, NULL},
           "ingest");
    run_ok(CT_BIN, (const char *[]){"--db", db, "labels", "import", labels, NULL}, "labels");
    run_ok(CT_BIN, (const char *[]){"--db", db, "labels", "import", hack, NULL}, "hack labels");
    free(sim), free(db), free(blocks), free(labels), free(hack);
    return dir;
}

/* Scans `customers` (in dir) into dir/out, then checks it with scan_truth.py `mode`; returns
 * the checker's summary line (malloc'd). */
static char *scan_and_check(const char *dir, const char *customers, const char *policy,
                            bool clusters, const char *mode)
{
    char *db = join(dir, "db"), *sim = join(dir, "sim"), *cust = join(dir, customers);
    char *out = join(dir, "findings.jsonl");
    const char *args[12] = {"--db", db, "scan", "--customers", cust, "--fail-on", "none"};
    size_t n = 7;
    char *pol = policy ? join(dir, policy) : NULL;
    if (pol) {
        args[n++] = "--policy";
        args[n++] = pol;
    }
    if (!clusters)
        args[n++] = "--no-clusters";
    args[n] = NULL;
    tu_run r;
    tu_exec(&r, args, NULL);
    cr_assert_eq(r.status, 0, "scan: %s", r.err);
    cr_assert_eq(tu_write_file(out, r.out, r.out_len), 0);
    tu_run_free(&r);
    const char *check[8] = {CT_TOOLS "/scan_truth.py", mode, sim, "3", out};
    if (clusters)
        check[5] = "--clusters";
    tu_exec_bin(&r, CT_PYTHON3, check, NULL);
    cr_assert_eq(r.status, 0, "scan_truth.py %s: %s", mode, r.err);
    char *summary = strdup(r.out);
    tu_run_free(&r);
    free(db), free(sim), free(cust), free(out), free(pol);
    return summary;
}

typedef struct seed_case {
    const char *seed;
    const char *address_level; /* the checker's summary with --no-clusters */
    const char *with_clusters; /* and with the database's clusters */
} seed_case;

/* Seeds 2 and 3: the thief's addresses received only the stolen outputs, so the simulator's
 * truth is checked too. Seed 1: a thief address received more later (it is a source whole:
 * docs/scan.md), the reference alone applies. Seed 4: the thief's change addresses are in
 * the labelled addresses' clusters, so with clusters they are sources and stops, and the
 * amounts differ from the address-level ones (both checked against the reference). */
static const seed_case seeds[] = {
    {"1",
     "flagged=13 of 128 deposits, findings=14 direct=6 indirect=8, checked against: reference\n",
     "flagged=13 of 128 deposits, findings=14 direct=6 indirect=8, checked against: reference\n"},
    {"2",
     "flagged=11 of 128 deposits, findings=11 direct=1 indirect=10, checked against: "
     "reference, truth\n",
     "flagged=11 of 128 deposits, findings=11 direct=1 indirect=10, checked against: "
     "reference\n"},
    {"3",
     "flagged=4 of 128 deposits, findings=4 direct=4 indirect=0, checked against: reference, "
     "truth\n",
     "flagged=4 of 128 deposits, findings=4 direct=4 indirect=0, checked against: reference\n"},
    {"4", "flagged=5 of 128 deposits, findings=5 direct=1 indirect=4, checked against: reference\n",
     "flagged=5 of 128 deposits, findings=5 direct=1 indirect=4, checked against: reference\n"},
};

Test(scan_exposure, deposits_flagged_exactly_on_four_seeds)
{
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        char *dir = sim_db(seeds[i].seed);
        char *s = scan_and_check(dir, "customers.csv", NULL, false, "check");
        cr_assert_str_eq(s, seeds[i].address_level, "seed %s", seeds[i].seed);
        free(s);
        s = scan_and_check(dir, "customers.csv", NULL, true, "check");
        cr_assert_str_eq(s, seeds[i].with_clusters, "seed %s", seeds[i].seed);
        free(s);
        tu_rmtree(dir);
        free(dir);
    }
}

/* Outgoing indirect exposure: every user of the simulation a customer (8,115 addresses in
 * one scan), the mixer screened both ways; the findings equal the reference's backward walk
 * (outgoing) and forward walk (incoming) from the mixer's outputs at hop 2 and more. */
Test(scan_exposure, users_to_the_mixer_both_ways)
{
    char *dir = sim_db("1");
    char *sim = join(dir, "sim");
    run_ok(CT_PYTHON3,
           (const char *[]){CT_TOOLS "/scan_truth.py", "prepare-users", sim, dir, "3", NULL},
           "prepare-users");
    char *s = scan_and_check(dir, "users.csv", "mixer.json", false, "check-users");
    cr_assert_str_eq(s, "users=8115 indirect mixer findings: incoming=0 outgoing=4\n");
    free(s);
    free(sim);
    tu_rmtree(dir);
    free(dir);
}

static void assert_same_findings(const ct_scan_findings *a, const ct_scan_findings *b)
{
    cr_assert_eq(a->count, b->count);
    cr_assert_eq(a->screened, b->screened);
    cr_assert_eq(a->not_seen, b->not_seen);
    cr_assert_eq(a->below, b->below);
    for (size_t i = 0; i < a->count; i++) {
        const ct_scan_finding *x = &a->items[i], *y = &b->items[i];
        cr_assert_eq(x->customer, y->customer, "finding %zu", i);
        cr_assert_eq(x->direction, y->direction, "finding %zu", i);
        cr_assert_str_eq(x->counterparty, y->counterparty, "finding %zu", i);
        cr_assert_str_eq(x->label, y->label);
        cr_assert_str_eq(x->source, y->source);
        cr_assert_eq(x->category, y->category);
        cr_assert_eq(x->severity, y->severity);
        for (int m = 0; m < CT_MODEL_COUNT; m++)
            cr_assert(x->amount[m] == y->amount[m], "finding %zu model %d", i, m);
        cr_assert(x->low == y->low && x->high == y->high && x->volume == y->volume);
        cr_assert_eq(x->share_ppm, y->share_ppm);
        cr_assert_eq(x->first_height, y->first_height);
        cr_assert_eq(x->last_time, y->last_time);
        cr_assert_eq(x->n_txids, y->n_txids, "finding %zu", i);
        cr_assert_eq(memcmp(x->txids, y->txids, 32 * x->n_txids), 0, "finding %zu", i);
    }
}

/* The batch direct screen (from the labelled side) gives exactly the per-customer one's
 * findings, in the same order: 8,115 users and the 128 deposits of seed 2, with the default
 * policy and with one screening the mixer both ways. */
Test(scan_exposure, batch_direct_equals_per_customer)
{
    char *dir = sim_db("2");
    char *sim = join(dir, "sim");
    run_ok(CT_PYTHON3,
           (const char *[]){CT_TOOLS "/scan_truth.py", "prepare-users", sim, dir, "3", NULL},
           "prepare-users");
    char *dbdir = join(dir, "db");
    ct_db *db = tu_db_open(dbdir, false);
    const char *files[] = {"users.csv", "customers.csv"};
    for (size_t k = 0; k < 2; k++) {
        char *path = join(dir, files[k]), *mix = join(dir, "mixer.json");
        ct_scan_customers cs;
        ct_error err;
        ct_error_clear(&err);
        cr_assert_eq(ct_scan_customers_read(&cs, path, &err), CT_OK, "%s", err.detail);
        for (int pi = 0; pi < 2; pi++) {
            ct_scan_policy p;
            if (pi == 0)
                cr_assert_eq(ct_scan_policy_parse(&p, ct_scan_policy_default_json(),
                                                  strlen(ct_scan_policy_default_json()), &err),
                             CT_OK);
            else
                cr_assert_eq(ct_scan_policy_read(&p, mix, &err), CT_OK, "%s", err.detail);
            for (int nc = 0; nc < 2; nc++) { /* with the database's clusters, and without */
                ct_scan_findings a, b;
                cr_assert_eq(ct_scan_direct(&a, db, &cs, &p, nc, &err), CT_OK, "%s", err.detail);
                cr_assert_eq(ct_scan_direct_batch(&b, db, &cs, &p, NULL, nc, &err), CT_OK, "%s",
                             err.detail);
                /* the mixer pays no deposit address directly */
                cr_assert(k == 1 && pi == 1 ? a.count == 0 : a.count > 0, "%s policy %d: %zu",
                          files[k], pi, a.count);
                assert_same_findings(&a, &b);
                ct_scan_findings_release(&a);
                ct_scan_findings_release(&b);
            }
        }
        ct_scan_customers_release(&cs);
        free(path), free(mix);
    }
    ct_db_close(db);
    free(dbdir), free(sim);
    tu_rmtree(dir);
    free(dir);
}

/* Imports labels (CSV text) into the open database. */
static void import_labels(ct_db *db, const char *dir, const char *csv)
{
    char *path = join(dir, "more-labels.csv");
    cr_assert_eq(tu_write_file(path, csv, strlen(csv)), 0);
    ct_labels_import_options lo = CT_LABELS_IMPORT_OPTIONS_INIT;
    ct_labels_import_stats st;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_labels_import(db, &st, path, &lo, &err), CT_OK, "%s", err.detail);
    free(path);
}

/* Direct exposure with clusters (docs/scan.md "Clusters"): on seed 2, one deposit address of
 * SimEx A is labelled hack; the exchange's sweeps cluster it with its other deposits, which
 * have no label. The users who paid those deposits have direct exposure to them, each
 * finding naming the deposit paid, with the labelled deposit's label and source: exactly
 * the findings of the same screen without clusters once every member of the cluster carries
 * that label itself. The reference (ct_scan_direct) and the batched screen agree, with
 * clusters and without; without clusters only the labelled deposit is a counterparty. */
Test(scan_exposure, direct_exposure_to_unlabelled_members_of_a_labelled_cluster)
{
    char *dir = tu_tmpdir(), *sim = join(dir, "sim"), *dbdir = join(dir, "db");
    char *blocks = join(sim, "blocks");
    run_ok(CT_SIM_BIN,
           (const char *[]){"--seed", "2", "--txs", "3000", "--hops", "3", "--out", sim, "--quiet",
                            NULL},
           "chaintrail-sim");
    run_ok(CT_BIN,
           (const char *[]){"--db", dbdir, "ingest", "bitcoin", "--network", "regtest", "--quiet",
                            blocks, NULL},
           "ingest");
    ct_db *db = tu_db_open(dbdir, false);
    /* the first SimEx A deposit (labels.csv order) in a cluster of two or more */
    char *lpath = join(sim, "labels.csv");
    size_t len;
    char *labels = (char *)tu_read_file(lpath, &len);
    char L[128] = "";
    uint64_t cid = 0, csize = 0;
    ct_error err;
    ct_error_clear(&err);
    for (char *line = strtok(labels, "\n"); line && !L[0]; line = strtok(NULL, "\n")) {
        char *comma = strchr(line, ',');
        if (!comma || !strstr(line, ",SimEx A deposit,exchange,"))
            continue;
        *comma = '\0';
        ct_graph_address ga;
        cr_assert_eq(ct_graph_address_get(db, &ga, line, &err), CT_OK, "%s", err.detail);
        if (ga.cluster_size >= 2) {
            snprintf(L, sizeof(L), "%s", line);
            cid = ga.cluster_id;
            csize = ga.cluster_size;
        }
        ct_graph_address_release(&ga);
    }
    free(labels);
    cr_assert(L[0]);
    char one[300];
    snprintf(one, sizeof(one), "address,label,category,source\n%s,SimEx A deposit,hack,team\n", L);
    import_labels(db, dir, one);

    /* the customers: every user of the simulation */
    char *opath = join(sim, "owners.csv"), *owners = (char *)tu_read_file(opath, &len);
    ct_buf cb;
    ct_buf_init(&cb, (size_t)1 << 30);
    cr_assert_eq(ct_buf_puts(&cb, "customer_id,address\n"), CT_OK);
    size_t users = 0;
    for (char *line = strtok(owners, "\n"); line; line = strtok(NULL, "\n")) {
        char *comma = strchr(line, ',');
        if (!comma || !strstr(line, ",user"))
            continue;
        *comma = '\0';
        cr_assert_eq(ct_buf_printf(&cb, "u%zu,%s\n", users++, line), CT_OK);
    }
    free(owners);
    ct_scan_customers cs;
    cr_assert_eq(ct_scan_customers_parse(&cs, (const char *)cb.data, cb.len, &err), CT_OK);
    ct_buf_release(&cb);
    cr_assert_eq(cs.count, users);
    ct_scan_policy p;
    cr_assert_eq(ct_scan_policy_parse(&p, ct_scan_policy_default_json(),
                                      strlen(ct_scan_policy_default_json()), &err),
                 CT_OK);

    ct_scan_findings a, b, c;
    cr_assert_eq(ct_scan_direct(&a, db, &cs, &p, false, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(ct_scan_direct_batch(&b, db, &cs, &p, NULL, false, &err), CT_OK, "%s", err.detail);
    assert_same_findings(&a, &b);
    ct_scan_findings_release(&b);
    cr_assert_eq(ct_scan_direct(&c, db, &cs, &p, true, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(ct_scan_direct_batch(&b, db, &cs, &p, NULL, true, &err), CT_OK, "%s", err.detail);
    assert_same_findings(&c, &b);
    ct_scan_findings_release(&b);
    size_t members_paid = 0;
    for (size_t i = 0; i < c.count; i++)
        cr_assert_str_eq(c.items[i].counterparty, L);
    for (size_t i = 0; i < a.count; i++) {
        const ct_scan_finding *f = &a.items[i];
        cr_assert_eq(f->category, CT_LABEL_HACK);
        cr_assert_str_eq(f->label, "SimEx A deposit");
        cr_assert_str_eq(f->source, "team");
        ct_graph_address ga;
        cr_assert_eq(ct_graph_address_get(db, &ga, f->counterparty, &err), CT_OK);
        cr_assert(ga.cluster_id == cid, "%s", f->counterparty);
        ct_graph_address_release(&ga);
        members_paid += strcmp(f->counterparty, L) != 0;
    }
    cr_assert_gt(members_paid, 0);
    cr_assert_eq(a.count, c.count + members_paid);

    /* every member labelled itself: the same findings without clusters */
    ct_cluster_members *mem = NULL;
    cr_assert_eq(ct_cluster_members_new(&mem, db, cid, &err), CT_OK, "%s", err.detail);
    ct_buf_init(&cb, (size_t)1 << 30);
    cr_assert_eq(ct_buf_puts(&cb, "address,label,category,source\n"), CT_OK);
    const char *m;
    uint64_t id, n_mem = 0;
    while (ct_cluster_members_next(mem, &m, &id, &err) == CT_OK) {
        cr_assert_eq(ct_buf_printf(&cb, "%s,SimEx A deposit,hack,team\n", m), CT_OK);
        n_mem++;
    }
    ct_cluster_members_free(mem);
    cr_assert_eq(n_mem, csize);
    cr_assert_eq(ct_buf_putc(&cb, '\0'), CT_OK);
    import_labels(db, dir, (const char *)cb.data);
    ct_buf_release(&cb);
    cr_assert_eq(ct_scan_direct_batch(&b, db, &cs, &p, NULL, true, &err), CT_OK, "%s", err.detail);
    assert_same_findings(&a, &b);
    ct_scan_findings_release(&b);

    ct_scan_findings_release(&a);
    ct_scan_findings_release(&c);
    ct_scan_customers_release(&cs);
    ct_db_close(db);
    free(lpath), free(opath), free(blocks), free(sim), free(dbdir);
    tu_rmtree(dir);
    free(dir);
}

/* "12345678" satoshi as the text of a USD value at 1,000,000 USD a coin: one cent a satoshi,
 * so no rounding is involved ("123456.78"). */
static void sat_as_usd(char *out, size_t cap, const char *coins)
{
    unsigned long long whole = 0, frac = 0;
    cr_assert_eq(sscanf(coins, "%llu.%llu", &whole, &frac), 2, "%s", coins);
    unsigned long long sat = whole * 100000000ULL + frac;
    snprintf(out, cap, "%llu.%02llu", sat / 100, sat % 100);
}

/* USD at the date of the flows: with a price table of the chain's coin (rBTC on regtest) at
 * 1,000,000 USD every day, each finding's usd_low/usd_high are its low/high in cents; without
 * a price for those days they are null. The second scan runs after the price import on the
 * same database: its stored alerts gain their USD and stay unchanged. */
Test(scan_exposure, usd_at_the_date_of_the_flows)
{
    char *dir = sim_db("3");
    char *db = join(dir, "db"), *prices = join(dir, "prices.csv");
    char csv[4096] = "Date,Close\n";
    for (int d = 1; d <= 28; d++)
        snprintf(csv + strlen(csv), sizeof(csv) - strlen(csv), "2011-02-%02d,1000000.00\n", d);
    cr_assert_eq(tu_write_file(prices, csv, strlen(csv)), 0);
    char *s = scan_and_check(dir, "customers.csv", NULL, false, "check");
    free(s);
    /* twice, so that the baselines are already unchanged before the price import */
    s = scan_and_check(dir, "customers.csv", NULL, false, "check");
    free(s);
    char *out = join(dir, "findings.jsonl");
    size_t len;
    char *text = (char *)tu_read_file(out, &len);
    cr_assert(strstr(text, "\"usd_low\":null,\"usd_high\":null"), "%s", text);
    free(text);
    run_ok(CT_BIN,
           (const char *[]){"--db", db, "prices", "import", prices, "--asset", "rBTC", NULL},
           "prices");
    s = scan_and_check(dir, "customers.csv", NULL, false, "check");
    cr_assert_str_eq(s, seeds[2].address_level);
    free(s);
    text = (char *)tu_read_file(out, &len);
    size_t lines = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        char low[32], high[32], want[64];
        const char *l = strstr(line, "\"low\":\""), *h = strstr(line, "\"high\":\"");
        cr_assert(l && h, "%s", line);
        cr_assert_eq(sscanf(l + 7, "%31[0-9.]", low), 1);
        cr_assert_eq(sscanf(h + 8, "%31[0-9.]", high), 1);
        char expect[160];
        sat_as_usd(want, sizeof(want), low);
        snprintf(expect, sizeof(expect), "\"usd_low\":\"%s\",", want);
        cr_assert(strstr(line, expect), "%s in %s", expect, line);
        sat_as_usd(want, sizeof(want), high);
        snprintf(expect, sizeof(expect), "\"usd_high\":\"%s\",", want);
        cr_assert(strstr(line, expect), "%s in %s", expect, line);
        /* the price import re-screened everyone (state digest), yet USD alone does not make
         * an alert updated (docs/alerts.md "Baselines") */
        cr_assert(strstr(line, "\"baseline\":\"unchanged\""), "%s", line);
    }
    cr_assert_eq(lines, 23); /* 4 hack findings (above), 19 mixer ones */
    /* and the store holds the new USD (the rows were rewritten, the baselines kept) */
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "alerts", "list", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    size_t stored = 0;
    for (const char *p = r.out; (p = strstr(p, "\"alert_id\"")) != NULL; p++)
        stored++;
    cr_assert_eq(stored, 23);
    cr_assert_null(strstr(r.out, "\"usd_low\":null"), "%s", r.out);
    tu_run_free(&r);
    free(text), free(out), free(db), free(prices);
    tu_rmtree(dir);
    free(dir);
}

/* ---- the scan's traces keep only the flows into customers (trace.h, keep_stop) ---- */
/* The addresses whose endpoints a trace keeps: as written, and their addrids (sorted). */
typedef struct keepset {
    const char **addrs;
    uint64_t *ids;
    size_t n, n_ids;
    uint32_t min_hop; /* and only from this hop on */
} keepset;

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool in_set(const void *ctx, uint64_t addrid, const char *category, uint32_t hop)
{
    const keepset *s = ctx;
    (void)category;
    return hop >= s->min_hop && bsearch(&addrid, s->ids, s->n_ids, sizeof(*s->ids), cmp_id) != NULL;
}

static bool has_name(const keepset *s, const char *a)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->addrs[i], a) == 0)
            return true;
    return false;
}

/* Adds address a (once); its addrid when the graph has it. */
static void keep_add(keepset *s, ct_db *db, const char *a)
{
    if (has_name(s, a))
        return;
    s->addrs = realloc(s->addrs, (s->n + 1) * sizeof(*s->addrs));
    s->ids = realloc(s->ids, (s->n + 1) * sizeof(*s->ids));
    s->addrs[s->n++] = a;
    ct_graph_address ga;
    ct_error err;
    if (ct_graph_address_get(db, &ga, a, &err) != CT_OK)
        return;
    s->ids[s->n_ids++] = ga.addrid;
    ct_graph_address_release(&ga);
    qsort(s->ids, s->n_ids, sizeof(*s->ids), cmp_id);
}

static const uint8_t *txid_at(const ct_trace_result *r, size_t i)
{
    static const uint8_t none[32];
    return i == CT_TRACE_NONE ? none : r->txs[i].txid;
}

/* kept (a trace with keep_stop = in_set) is full (the same trace without) with only the
 * endpoints at the addresses of s and the flows into them from hop s->min_hop on: the same
 * flows to the satoshi, in the same order, and the same totals; the endpoints are full's
 * (min_hop 0) or the sums of the flows kept. Returns the flows kept, over the models. */
static size_t assert_kept(const ct_trace_result *full, const ct_trace_result *kept,
                          const keepset *s, const char *what)
{
    size_t n_kept = 0, n_full = 0;
    cr_assert(kept->complete && full->complete, "%s", what);
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        const ct_trace_model_result *a = &full->model[m], *b = &kept->model[m];
        cr_assert(b->source_sat == a->source_sat && b->laundered_sat == a->laundered_sat);
        cr_assert_eq(b->n_categories, a->n_categories, "%s", what);
        for (size_t i = 0; i < a->n_categories; i++) {
            cr_assert_str_eq(b->categories[i].name, a->categories[i].name);
            cr_assert(b->categories[i].sat == a->categories[i].sat, "%s %s", what,
                      a->categories[i].name);
        }
        cr_assert_eq(b->n_hop_totals, a->n_hop_totals, "%s", what);
        for (size_t i = 0; i < a->n_hop_totals; i++)
            cr_assert(b->hop_totals[i].flows == a->hop_totals[i].flows &&
                          b->hop_totals[i].taint == a->hop_totals[i].taint,
                      "%s hop total %zu", what, i);
        size_t k = 0;
        for (size_t i = 0; i < a->n_endpoints && s->min_hop == 0; i++) {
            const ct_trace_endpoint *e = &a->endpoints[i];
            if (!has_name(s, e->address))
                continue;
            cr_assert(k < b->n_endpoints, "%s model %d", what, m);
            const ct_trace_endpoint *f = &b->endpoints[k++];
            cr_assert_str_eq(f->address, e->address, "%s", what);
            cr_assert_str_eq(f->category, e->category);
            cr_assert(f->taint == e->taint && f->n_outputs == e->n_outputs && f->hops == e->hops);
            cr_assert(f->first_height == e->first_height && f->last_height == e->last_height);
        }
        cr_assert(s->min_hop > 0 || k == b->n_endpoints, "%s model %d", what, m);
        k = 0;
        for (size_t i = 0; i < a->n_flows; i++) {
            const ct_trace_flow *x = &a->flows[i];
            n_full++;
            if (x->endpoint == CT_TRACE_NONE || x->address == CT_TRACE_NONE ||
                x->hop < s->min_hop || !has_name(s, full->addresses[x->address]))
                continue;
            cr_assert(k < b->n_flows, "%s model %d", what, m);
            const ct_trace_flow *y = &b->flows[k++];
            cr_assert(y->taint == x->taint && y->hop == x->hop && y->vout == x->vout &&
                          y->height == x->height && y->time == x->time,
                      "%s model %d flow %zu", what, m, i);
            cr_assert_eq(memcmp(txid_at(kept, y->tx), txid_at(full, x->tx), 32), 0);
            cr_assert_eq(memcmp(txid_at(kept, y->by), txid_at(full, x->by), 32), 0);
            cr_assert_eq(y->next, CT_TRACE_NONE);
            cr_assert_str_eq(kept->addresses[y->address], full->addresses[x->address]);
            cr_assert_str_eq(b->endpoints[y->endpoint].address, a->endpoints[x->endpoint].address);
            cr_assert_str_eq(b->endpoints[y->endpoint].category,
                             a->endpoints[x->endpoint].category);
        }
        cr_assert_eq(k, b->n_flows, "%s model %d", what, m);
        for (size_t e = 0; e < b->n_endpoints; e++) {
            unsigned __int128 sum = 0;
            uint64_t n = 0;
            for (size_t i = 0; i < b->n_flows; i++)
                if (b->flows[i].endpoint == e) {
                    sum += b->flows[i].taint;
                    n++;
                }
            cr_assert(sum == b->endpoints[e].taint && n == b->endpoints[e].n_outputs,
                      "%s model %d endpoint %zu", what, m, e);
        }
        cr_assert(a->flows_whole && !b->flows_whole);
        n_kept += k;
    }
    /* the transactions: only those the kept flows name */
    size_t named = 0;
    for (size_t t = 0; t < kept->n_txs; t++) {
        bool used = false;
        for (int m = 0; m < CT_MODEL_COUNT && !used; m++)
            for (size_t i = 0; i < kept->model[m].n_flows && !used; i++)
                used = kept->model[m].flows[i].tx == t || kept->model[m].flows[i].by == t;
        named += used;
    }
    cr_assert_eq(named, kept->n_txs, "%s", what);
    cr_assert_lt(kept->n_txs, full->n_txs, "%s", what);
    cr_assert_lt(n_kept, n_full, "%s", what);
    return n_kept;
}

/* The thief's addresses of seed 1 as sources (the scan's hack group), over 3 hops: forward,
 * kept at the 128 deposits (as the scan screens them), from hop 0 and, as the scan keeps
 * them, from hop 2; backward, where no deposit is reached, kept at every second address among
 * the endpoints of the whole trace. */
Test(scan_exposure, traces_keep_only_the_flows_into_customers)
{
    char *dir = sim_db("1");
    char *dbdir = join(dir, "db"), *cpath = join(dir, "customers.csv"),
         *hpath = join(dir, "hack.csv");
    ct_db *db = tu_db_open(dbdir, false);
    ct_error err;
    ct_error_clear(&err);
    ct_scan_customers cs;
    cr_assert_eq(ct_scan_customers_read(&cs, cpath, &err), CT_OK, "%s", err.detail);
    /* the thief's addresses: hack.csv's first column */
    size_t len;
    char *csv = (char *)tu_read_file(hpath, &len);
    cr_assert(csv);
    ct_trace_source src[CT_TRACE_MAX_SOURCES];
    size_t n_src = 0;
    for (char *line = strchr(csv, '\n'); line && line[1] && n_src < CT_TRACE_MAX_SOURCES;
         line = strchr(line + 1, '\n')) {
        size_t w = strcspn(line + 1, ",\n");
        memset(&src[n_src], 0, sizeof(src[0]));
        memcpy(src[n_src].spec, line + 1, w);
        src[n_src].from_time = src[n_src].to_time = -1;
        n_src++;
    }
    cr_assert_eq(n_src, 14, "%zu", n_src);
    ct_trace_graph *g = NULL;
    cr_assert_eq(ct_trace_graph_db(&g, db, &err), CT_OK, "%s", err.detail);
    size_t kept_flows[3], n_keep[3];
    for (int run = 0; run < 3; run++) {
        int back = run == 2;
        ct_trace_options o;
        ct_trace_options_init(&o);
        o.hops = 3;
        o.flows = o.poison_flows = true;
        o.backward = back;
        ct_trace_result full, kept;
        cr_assert_eq(ct_trace_run(&full, g, src, n_src, &o, &err), CT_OK, "%s", err.detail);
        keepset s = {.min_hop = run == 1 ? 2 : 0};
        if (!back) {
            for (size_t i = 0; i < cs.count; i++)
                keep_add(&s, db, cs.items[i].address);
        } else {
            size_t k = 0;
            for (int m = 0; m < CT_MODEL_COUNT; m++)
                for (size_t i = 0; i < full.model[m].n_endpoints; i++) {
                    const char *a = full.model[m].endpoints[i].address;
                    if (a[0] && !has_name(&s, a) && k++ % 2 == 0)
                        keep_add(&s, db, a);
                }
        }
        n_keep[run] = s.n_ids;
        o.keep_stop = in_set;
        o.keep_ctx = &s;
        cr_assert_eq(ct_trace_run(&kept, g, src, n_src, &o, &err), CT_OK, "%s", err.detail);
        kept_flows[run] = assert_kept(&full, &kept, &s, back ? "backward" : "forward");
        /* the evidence needs every flow */
        size_t *ev = NULL, n_ev = 0;
        cr_assert_gt(kept.model[CT_MODEL_HAIRCUT].n_endpoints, 0);
        cr_assert_eq(ct_trace_evidence(&kept, CT_MODEL_HAIRCUT, 0, &ev, &n_ev, &err), CT_EINVAL);
        ct_trace_result_release(&full);
        ct_trace_result_release(&kept);
        /* and so do paths */
        o.paths = true;
        cr_assert_eq(ct_trace_run(&kept, g, src, n_src, &o, &err), CT_EINVAL);
        cr_assert_str_eq(err.reason, "bad-options");
        ct_trace_result_release(&kept);
        free(s.addrs), free(s.ids);
    }
    /* 113 of the 128 deposits received in the graph */
    cr_assert_eq(n_keep[0], 113, "%zu", n_keep[0]);
    cr_assert_gt(n_keep[2], 0);
    cr_assert_gt(kept_flows[1], 0);
    cr_assert_lt(kept_flows[1], kept_flows[0]); /* the deposits paid at hop 1 too */
    cr_assert_gt(kept_flows[2], 0);
    ct_trace_graph_db_free(g);
    ct_db_close(db);
    ct_scan_customers_release(&cs);
    free(csv), free(dbdir), free(cpath), free(hpath);
    tu_rmtree(dir);
    free(dir);
}
