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
