/* Nightly runs of `chaintrail scan` (docs/scan.md "Nightly runs"): an incremental run
 * resumes the indirect screen from the state the last run stored (forward traces from their
 * frontier and the groups' newer receipts, backward exposure kept when a group received
 * nothing since) and must give exactly what a full screen gives. Simulated chains of several
 * seeds are ingested in two parts: all but their last blocks, a scan, then the rest. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/db.h"
#include "chaintrail/scan.h"
#include "db/db_internal.h"
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

/* dir/sim (3,000 transactions, --hops 3), its customers (deposits), users and mixer policy
 * (tests/tools/scan_truth.py), and dir/prefix/blk00000.dat: the blocks but the last `cut`
 * thousandths of them. Returns the number of blocks of the prefix. */
static size_t make_sim(const char *dir, const char *seed, size_t cut)
{
    char *sim = join(dir, "sim"), *pre = join(dir, "prefix");
    run_ok(CT_SIM_BIN,
           (const char *[]){"--seed", seed, "--txs", "3000", "--hops", "3", "--out", sim, "--quiet",
                            NULL},
           "chaintrail-sim");
    run_ok(CT_PYTHON3, (const char *[]){CT_TOOLS "/scan_truth.py", "prepare", sim, dir, NULL},
           "prepare");
    run_ok(CT_PYTHON3,
           (const char *[]){CT_TOOLS "/scan_truth.py", "prepare-users", sim, dir, "3", NULL},
           "prepare-users");
    char *blk = join(sim, "blocks/blk00000.dat");
    size_t len, n = 0, keep, off = 0;
    uint8_t *d = tu_read_file(blk, &len);
    cr_assert(d != NULL);
    while (off + 8 <= len) { /* magic, LE32 size, block */
        off += 8 + ((size_t)d[off + 4] | (size_t)d[off + 5] << 8 | (size_t)d[off + 6] << 16 |
                    (size_t)d[off + 7] << 24);
        n++;
    }
    cr_assert_eq(off, len);
    keep = n - n * cut / 1000;
    off = 0;
    for (size_t i = 0; i < keep; i++)
        off += 8 + ((size_t)d[off + 4] | (size_t)d[off + 5] << 8 | (size_t)d[off + 6] << 16 |
                    (size_t)d[off + 7] << 24);
    run_ok("/bin/mkdir", (const char *[]){"-p", pre, NULL}, "mkdir");
    char *out = join(pre, "blk00000.dat");
    cr_assert_eq(tu_write_file(out, d, off), 0);
    free(d), free(blk), free(out), free(sim), free(pre);
    return keep;
}

static void ingest(const char *db, const char *blocks)
{
    run_ok(CT_BIN,
           (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "regtest", "--quiet",
                            blocks, NULL},
           "ingest");
}

static void import_labels(const char *dir, const char *db)
{
    char *labels = join(dir, "sim/labels.csv"), *hack = join(dir, "hack.csv");
    run_ok(CT_BIN, (const char *[]){"--db", db, "labels", "import", labels, NULL}, "labels");
    run_ok(CT_BIN, (const char *[]){"--db", db, "labels", "import", hack, NULL}, "hack labels");
    free(labels), free(hack);
}

/* `scan` of dir/customers with dir/policy (NULL: the default) into *r. */
static void scan(tu_run *r, const char *dir, const char *db, const char *customers,
                 const char *policy, bool clusters, bool full, const char *env)
{
    char *cust = join(dir, customers), *pol = policy ? join(dir, policy) : NULL;
    const char *args[14] = {"--db", db, "scan", "--customers", cust, "--fail-on", "none"};
    size_t n = 7;
    if (pol) {
        args[n++] = "--policy";
        args[n++] = pol;
    }
    if (!clusters)
        args[n++] = "--no-clusters";
    if (full)
        args[n++] = "--full";
    args[n] = NULL;
    tu_exec(r, args, env ? (const char *[]){env, NULL} : NULL);
    free(cust), free(pol);
}

static void read_inputs(const char *dir, const char *customers, const char *policy,
                        ct_scan_customers *cs, ct_scan_policy *p)
{
    ct_error err;
    ct_error_clear(&err);
    char *path = join(dir, customers);
    cr_assert_eq(ct_scan_customers_read(cs, path, &err), CT_OK, "%s", err.detail);
    free(path);
    if (policy) {
        path = join(dir, policy);
        cr_assert_eq(ct_scan_policy_read(p, path, &err), CT_OK, "%s", err.detail);
        free(path);
    } else {
        cr_assert_eq(ct_scan_policy_parse(p, ct_scan_policy_default_json(),
                                          strlen(ct_scan_policy_default_json()), &err),
                     CT_OK);
    }
}

static void assert_same(const ct_scan_findings *a, const ct_scan_findings *b, const char *what)
{
    cr_assert_eq(a->count, b->count, "%s: %zu findings, %zu", what, a->count, b->count);
    cr_assert_eq(a->below, b->below, "%s", what);
    for (size_t i = 0; i < a->count; i++) {
        const ct_scan_finding *x = &a->items[i], *y = &b->items[i];
        cr_assert_eq(x->customer, y->customer, "%s: finding %zu", what, i);
        cr_assert_eq(x->direction, y->direction, "%s: finding %zu", what, i);
        cr_assert_eq(x->exposure, y->exposure, "%s: finding %zu", what, i);
        cr_assert_str_eq(x->counterparty, y->counterparty);
        cr_assert_str_eq(x->label, y->label);
        cr_assert_str_eq(x->source, y->source);
        cr_assert_eq(x->category, y->category);
        cr_assert_eq(x->severity, y->severity);
        for (int m = 0; m < CT_MODEL_COUNT; m++) {
            cr_assert(x->amount[m] == y->amount[m], "%s: finding %zu model %d: %llu %llu", what, i,
                      m, (unsigned long long)x->amount[m], (unsigned long long)y->amount[m]);
            cr_assert(x->usd_cents[m] == y->usd_cents[m], "%s: finding %zu", what, i);
        }
        cr_assert(x->low == y->low && x->high == y->high && x->volume == y->volume);
        cr_assert(x->usd_low == y->usd_low && x->usd_high == y->usd_high);
        cr_assert_eq(x->usd_known, y->usd_known);
        cr_assert_eq(x->share_ppm, y->share_ppm);
        cr_assert_eq(x->hops, y->hops, "%s: finding %zu", what, i);
        cr_assert_eq(x->first_height, y->first_height);
        cr_assert_eq(x->first_time, y->first_time);
        cr_assert_eq(x->last_height, y->last_height);
        cr_assert_eq(x->last_time, y->last_time);
        cr_assert_eq(x->n_sources, y->n_sources);
        cr_assert_eq(x->n_txids, y->n_txids, "%s: finding %zu", what, i);
        cr_assert_eq(memcmp(x->txids, y->txids, 32 * x->n_txids), 0, "%s: finding %zu", what, i);
    }
}

/* The sum of the high amounts: tells two screens apart. */
static unsigned long long total(const ct_scan_findings *f)
{
    unsigned __int128 t = 0;
    for (size_t i = 0; i < f->count; i++)
        t += f->items[i].high;
    return (unsigned long long)t;
}

typedef struct incr_case {
    const char *seed;
    const char *customers, *policy;
    bool clusters;
    const char *want; /* before, after: findings and high totals; traces resumed of run */
} incr_case;

/* After the prefix and a scan (run 1), the rest of the chain is ingested; the indirect
 * screen resumed from run 1's state equals the full one on the same database, every field,
 * and the chain's new blocks changed the answer (so the resume had something to add). */
static void resume_case(const incr_case *c)
{
    char *dir = tu_tmpdir(), *db = join(dir, "db"), *pre = join(dir, "prefix");
    char *all = join(dir, "sim/blocks");
    make_sim(dir, c->seed, 100);
    ingest(db, pre);
    import_labels(dir, db);
    tu_run r;
    scan(&r, dir, db, c->customers, c->policy, c->clusters, false, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);

    ct_scan_customers cs;
    ct_scan_policy p;
    read_inputs(dir, c->customers, c->policy, &cs, &p);
    ct_error err;
    ct_error_clear(&err);
    ct_db *h = tu_db_open(db, false);
    ct_scan_findings before;
    memset(&before, 0, sizeof(before));
    ct_scan_indirect_options o0 = {.asset = "BTC", .no_clusters = !c->clusters};
    cr_assert_eq(ct_scan_indirect(&before, h, &cs, &p, &o0, &err), CT_OK, "%s", err.detail);
    ct_db_close(h);

    ingest(db, all);
    h = tu_db_open(db, false);
    ct_scan_state prev;
    cr_assert_eq(ct_scan_state_get(h, &prev, &err), CT_OK);
    cr_assert_eq(prev.run, 1);
    ct_scan_findings inc, full;
    memset(&inc, 0, sizeof(inc));
    memset(&full, 0, sizeof(full));
    ct_scan_indirect_options oi = {
        .asset = "BTC", .no_clusters = !c->clusters, .resume = true, .prev_run = 1};
    ct_scan_indirect_options of = {.asset = "BTC", .no_clusters = !c->clusters};
    cr_assert_eq(ct_scan_indirect(&inc, h, &cs, &p, &oi, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(ct_scan_indirect(&full, h, &cs, &p, &of, &err), CT_OK, "%s", err.detail);
    assert_same(&inc, &full, c->seed);
    /* a state that is not the last run's is not used */
    ct_scan_findings other;
    memset(&other, 0, sizeof(other));
    ct_scan_indirect_options oo = {
        .asset = "BTC", .no_clusters = !c->clusters, .resume = true, .prev_run = 2};
    cr_assert_eq(ct_scan_indirect(&other, h, &cs, &p, &oo, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(oo.resumed, 0);
    assert_same(&other, &full, c->seed);
    ct_scan_findings_release(&other);
    char got[200];
    snprintf(got, sizeof(got), "%zu %llu -> %zu %llu; resumed %llu of %llu", before.count,
             total(&before), full.count, total(&full), (unsigned long long)oi.resumed,
             (unsigned long long)oi.traces);
    if (getenv("CT_SHOW"))
        fprintf(stderr, "CASE %s %s %d: %s\n", c->seed, c->customers, c->clusters, got);
    else
        cr_assert_str_eq(got, c->want, "seed %s %s clusters %d: %s", c->seed, c->customers,
                         c->clusters, got);
    ct_db_close(h);
    ct_scan_findings_release(&before);
    ct_scan_findings_release(&inc);
    ct_scan_findings_release(&full);
    ct_scan_customers_release(&cs);
    tu_rmtree(dir);
    free(dir), free(db), free(pre), free(all);
}

Test(scan_incr, resumed_screen_equals_full_screen)
{
    static const incr_case cases[] = {
        {"1", "users.csv", "mixer.json", false, "4 1466026165 -> 4 1466026165; resumed 1 of 2"},
        {"1", "users.csv", "mixer.json", true, "4 1466026165 -> 4 1466026165; resumed 1 of 2"},
        {"2", "customers.csv", NULL, false, "22 529634961 -> 25 827653331; resumed 3 of 3"},
        {"2", "users.csv", "mixer.json", true, "4 589606176 -> 4 589606176; resumed 1 of 2"},
        {"4", "customers.csv", NULL, true, "8 179736235 -> 12 953855159; resumed 3 of 3"},
        {"4", "users.csv", "mixer.json", false, "6 2261410165 -> 6 2261410165; resumed 1 of 2"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        resume_case(&cases[i]);
}

/* The direct screen (docs/scan.md "Incremental direct exposure"): after the prefix and a
 * scan (run 1, which stores the sums of every row's address), the rest of the chain is
 * ingested; the direct screen resumed from run 1's sums equals the full one, every field,
 * for every row and for the rows picked; a state that is not the last run's, or asked for
 * without resume, is not used. */
static void direct_case(const incr_case *c)
{
    char *dir = tu_tmpdir(), *db = join(dir, "db"), *pre = join(dir, "prefix");
    char *all = join(dir, "sim/blocks");
    make_sim(dir, c->seed, 100);
    ingest(db, pre);
    import_labels(dir, db);
    tu_run r;
    scan(&r, dir, db, c->customers, c->policy, c->clusters, false, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    ct_scan_customers cs;
    ct_scan_policy p;
    read_inputs(dir, c->customers, c->policy, &cs, &p);
    ct_error err;
    ct_error_clear(&err);
    ct_db *h = tu_db_open(db, false);
    ct_scan_findings before;
    cr_assert_eq(ct_scan_direct_batch(&before, h, &cs, &p, "BTC", !c->clusters, &err), CT_OK);
    ct_db_close(h);

    ingest(db, all);
    h = tu_db_open(db, false);
    ct_scan_findings inc, full;
    cr_assert_eq(ct_scan_direct_batch(&full, h, &cs, &p, "BTC", !c->clusters, &err), CT_OK);
    ct_scan_istate *st = ct_scan_istate_new();
    ct_scan_direct_options oi = {
        .asset = "BTC", .no_clusters = !c->clusters, .state = st, .resume = true, .prev_run = 1};
    cr_assert_eq(ct_scan_direct_incr(&inc, h, &cs, &p, &oi, &err), CT_OK, "%s", err.detail);
    cr_assert(oi.resumed, "seed %s: not resumed", c->seed);
    assert_same(&inc, &full, c->seed);
    ct_scan_findings_release(&inc);
    /* the rows picked: every other row, the findings of those rows only */
    bool *pick = calloc(cs.count, sizeof(bool));
    for (size_t i = 0; i < cs.count; i += 2)
        pick[i] = true;
    ct_scan_direct_options op = oi;
    op.pick = pick;
    cr_assert_eq(ct_scan_direct_incr(&inc, h, &cs, &p, &op, &err), CT_OK, "%s", err.detail);
    cr_assert(op.resumed);
    size_t k = 0;
    for (size_t i = 0; i < full.count; i++) {
        if (!pick[full.items[i].customer])
            continue;
        cr_assert(k < inc.count);
        cr_assert_eq(inc.items[k].customer, full.items[i].customer);
        cr_assert_str_eq(inc.items[k].counterparty, full.items[i].counterparty);
        cr_assert(inc.items[k].high == full.items[i].high);
        cr_assert_eq(inc.items[k].n_txids, full.items[i].n_txids);
        k++;
    }
    cr_assert_eq(k, inc.count, "seed %s: %zu picked findings, %zu", c->seed, k, inc.count);
    ct_scan_findings_release(&inc);
    /* not the last run's state */
    ct_scan_direct_options oo = oi;
    oo.prev_run = 2;
    cr_assert_eq(ct_scan_direct_incr(&inc, h, &cs, &p, &oo, &err), CT_OK, "%s", err.detail);
    cr_assert(!oo.resumed);
    assert_same(&inc, &full, c->seed);
    ct_scan_findings_release(&inc);
    if (c->clusters) {
        /* A labelled cluster that grew and now carries another member's label (as when it
         * merged with a higher-ranked one): the stored run-1 row is made to say so (its first
         * labelled cluster one address smaller, labelled by another member), and the state is
         * refused (ct_istate_clusters_hold). */
        const uint8_t hk[2] = {0xf7, 'D'};
        ct_buf v;
        ct_buf_init(&v, 1 << 20);
        cr_assert_eq(ct_store_get(h->st, NULL, hk, 2, &v, &err), CT_OK);
        cr_assert(v.len >= 30 + 40, "seed %s: no labelled cluster in the state", c->seed);
        uint8_t *cl = v.data + 30; /* id, size, labelled members, labelled member, rank */
        uint64_t size = 0, member = 0;
        for (int i = 0; i < 8; i++) {
            size = size << 8 | cl[8 + i];
            member = member << 8 | cl[24 + i];
        }
        size--, member++;
        for (int i = 7; i >= 0; i--, size >>= 8, member >>= 8) {
            cl[8 + i] = (uint8_t)size;
            cl[24 + i] = (uint8_t)member;
        }
        ct_store_batch *wb = ct_store_batch_new();
        ct_store_batch_put(wb, hk, 2, v.data, v.len);
        cr_assert_eq(ct_store_write(h->st, wb, true, &err), CT_OK);
        ct_store_batch_free(wb);
        ct_buf_release(&v);
        ct_scan_direct_options oc = oi;
        cr_assert_eq(ct_scan_direct_incr(&inc, h, &cs, &p, &oc, &err), CT_OK, "%s", err.detail);
        cr_assert(!oc.resumed, "seed %s: resumed past a changed cluster", c->seed);
        assert_same(&inc, &full, c->seed);
        ct_scan_findings_release(&inc);
    }
    char got[200];
    snprintf(got, sizeof(got), "%zu %llu -> %zu %llu", before.count, total(&before), full.count,
             total(&full));
    if (getenv("CT_SHOW"))
        fprintf(stderr, "DIRECT %s %s %d: %s\n", c->seed, c->customers, c->clusters, got);
    else
        cr_assert_str_eq(got, c->want, "seed %s %s clusters %d: %s", c->seed, c->customers,
                         c->clusters, got);
    free(pick);
    ct_scan_istate_free(st);
    ct_db_close(h);
    ct_scan_findings_release(&before);
    ct_scan_findings_release(&full);
    ct_scan_customers_release(&cs);
    tu_rmtree(dir);
    free(dir), free(db), free(pre), free(all);
}

Test(scan_incr, resumed_direct_screen_equals_full_screen)
{
    static const incr_case cases[] = {
        {"1", "users.csv", "mixer.json", true, "213 12006972288 -> 247 13750042634"},
        {"2", "users.csv", "mixer.json", false, "253 18110217232 -> 290 20685500293"},
        {"2", "customers.csv", NULL, true, "1 6267794 -> 1 6267794"},
        {"4", "users.csv", "mixer.json", false, "262 19662522790 -> 321 23879417052"},
        {"4", "users.csv", "mixer.json", true, "262 19662522790 -> 321 23879417052"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        direct_case(&cases[i]);
}

/* The alerts of a run without their baselines (which say how a run compares with the one
 * before: a scan of a fresh database finds everything new) and without the alerts it made
 * absent (a fresh database has none). */
static char *without_baselines(const char *out)
{
    size_t n = strlen(out);
    char *res = malloc(n + 1), *w = res;
    const char *p = out;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p + 1) : strlen(p);
        const char *b = strstr(p, ",\"baseline\":\"");
        if (b && b < p + len) {
            const char *v = b + strlen(",\"baseline\":\"");
            const char *q = strchr(v, '"');
            if (strncmp(v, "absent\"", 7) != 0) {
                memcpy(w, p, (size_t)(b - p));
                w += b - p;
                memcpy(w, q + 1, (size_t)(p + len - (q + 1)));
                w += p + len - (q + 1);
            }
        } else {
            memcpy(w, p, len);
            w += len;
        }
        p += len;
    }
    *w = '\0';
    return res;
}

/* A cron night: the chain but its last blocks ingested and scanned (run 1), then the rest
 * ingested; the incremental run is killed just before its write, run again (its alerts equal,
 * every field, those of `scan --full` of a fresh database of the whole chain), then killed
 * just after the write of run 3 (nothing new) and run again: the same alerts. Seeds 2 (with
 * clusters) and 4 (without). */
static void cron_case(const char *seed, bool clusters, const char *want_summary)
{
    char *dir = tu_tmpdir(), *inc = join(dir, "inc"), *fresh = join(dir, "fresh");
    char *pre = join(dir, "prefix"), *all = join(dir, "sim/blocks");
    make_sim(dir, seed, 100);
    ingest(inc, pre);
    import_labels(dir, inc);
    ingest(fresh, all);
    import_labels(dir, fresh);
    tu_run r, f;
    scan(&f, dir, fresh, "customers.csv", NULL, clusters, true, NULL);
    cr_assert_eq(f.status, 0, "%s", f.err);
    char *want = without_baselines(f.out);
    cr_assert(strlen(want) > 0);
    scan(&r, dir, inc, "customers.csv", NULL, clusters, false, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    ingest(inc, all);
    scan(&r, dir, inc, "customers.csv", NULL, clusters, false, "CHAINTRAIL_TEST_KILL=before:1");
    cr_assert_eq(r.status, 128 + SIGKILL, "%d %s", r.status, r.err);
    tu_run_free(&r);
    scan(&r, dir, inc, "customers.csv", NULL, clusters, false, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, want_summary, "seed %s: %s", seed, r.err);
    char *got = without_baselines(r.out);
    cr_assert_str_eq(got, want, "seed %s", seed);
    free(got);
    tu_run_free(&r);
    scan(&r, dir, inc, "customers.csv", NULL, clusters, false, "CHAINTRAIL_TEST_KILL=after:1");
    cr_assert_eq(r.status, 128 + SIGKILL, "%d %s", r.status, r.err);
    tu_run_free(&r);
    scan(&r, dir, inc, "customers.csv", NULL, clusters, false, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "run 4 (incremental)"), "%s", r.err);
    got = without_baselines(r.out);
    cr_assert_str_eq(got, want, "seed %s", seed);
    free(got);
    tu_run_free(&r);
    tu_run_free(&f);
    free(want);
    tu_rmtree(dir);
    free(dir), free(inc), free(fresh), free(pre), free(all);
}

Test(scan_incr, nightly_run_equals_full_scan_of_a_fresh_database)
{
    cron_case("2", true,
              "chaintrail: scan: run 2 (incremental): 44 of 128 customer rows screened (direct), "
              "128 (indirect); 3 new, 7 updated, 16 unchanged, 0 absent\n");
    cron_case("4", false,
              "chaintrail: scan: run 2 (incremental): 27 of 128 customer rows screened (direct), "
              "128 (indirect); 4 new, 1 updated, 8 unchanged, 0 absent\n");
}
