/* The alert store of `scan` and the analysts' `alerts` command (docs/alerts.md, docs/scan.md
 * "Nightly runs"): baselines across runs, decisions that survive re-scans, stable ids, the
 * cron exit code, incremental re-screening after more blocks, output files, and a kill
 * during a scan. The chain is mainnet's first 300 blocks (nbitcoin's blk00000.dat), then
 * blocks 300-599 (blk00001.dat). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chaintrail/chaintrail.h"
#include "testutil.h"

#define NB0     "btc/blk_consecutive/nbitcoin/blk00000.dat"
#define NB1     "btc/blk_consecutive/nbitcoin/blk00001.dat"
#define SATOSHI "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
#define HAL     "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3"
#define LSV     "1ByLSV2gLRcuqUmfdYcpPQH8Npm8cccsFg" /* paid by 12cbQ at 248, spends at 496 */
#define BBZ     "1BBz9Z15YpELQ4QP5sEKb1SwxkcmPb5TMs" /* first paid at 496, by LSV and others */
#define TX170   "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
#define TX496   "a3b0e9e7cddbbe78270fa4182a7675ff00b92872d8df7d14265a2b1e379a9d33"
/* hashlib.sha256(b"chaintrail-alert-v1\0hal\0bitcoin\0" HAL "\0incoming\0direct\0sanctioned\0"
 * SATOSHI "\0").hexdigest()[:32], and the same for bbz, hack and LSV */
#define ID_HAL "5c9b4c7c330361938681405e25d975cb"
#define ID_BBZ "805eec3916776bc00e8a375676778e68"
#define NOW    "CHAINTRAIL_TEST_NOW=1700000000" /* 2023-11-14T22:13:20Z */

/* The alert of hal as a scan prints it, with its baseline and state. */
#define HAL_LINE(sev, baseline, state)                                                             \
    "{\"alert_id\":\"" ID_HAL                                                                      \
    "\",\"customer_id\":\"hal\",\"chain\":\"bitcoin\",\"address\":\"" HAL                          \
    "\",\"direction\":\"incoming\",\"exposure\":\"direct\",\"category\":\"sanctioned\","           \
    "\"label\":\"Test SDN\",\"source\":\"ofac\",\"counterparty\":\"" SATOSHI "\",\"hops\":1,"      \
    "\"asset\":\"BTC\",\"amount\":{\"poison\":\"10.00000000\",\"haircut\":\"10.00000000\","        \
    "\"fifo\":\"10.00000000\",\"lifo\":\"10.00000000\",\"tiho\":\"10.00000000\"},\"low\":"         \
    "\"10.00000000\",\"high\":\"10.00000000\",\"usd_low\":null,\"usd_high\":null,\"share\":"       \
    "\"1.000000\",\"severity\":\"" sev "\",\"rule\":\"categories.sanctioned\",\"first_seen\":"     \
    "\"2009-01-12T03:30:25Z\",\"last_seen\":\"2009-01-12T03:30:25Z\",\"txids\":[\"" TX170 "\"],"   \
    "\"baseline\":\"" baseline "\",\"state\":\"" state "\"}\n"

/* Block 496: inputs 18SH9 50, 15NUw 1 and LSV 10 BTC, one output of 61 BTC to BBZ. LSV's
 * 10 BTC are the last 10 of the input line: poison 61 (the whole output), haircut
 * 10 * 61 / 61, FIFO and LIFO 10 (the output spans the whole line), TIHO 10. The three
 * inputs cluster (multi-input), so with clusters 18SH9 and 15NUw, unlabelled, carry LSV's
 * label: direct counterparties of bbz too, with 50 and 1 BTC (docs/scan.md "Clusters"). */
#define BBZ_CP(id, cp, amt, baseline)                                                              \
    "{\"alert_id\":\"" id "\",\"customer_id\":\"bbz\",\"chain\":\"bitcoin\",\"address\":\"" BBZ    \
    "\",\"direction\":\"incoming\",\"exposure\":\"direct\",\"category\":\"hack\",\"label\":"       \
    "\"Test hacker\",\"source\":\"team\",\"counterparty\":\"" cp "\",\"hops\":1,\"asset\":"        \
    "\"BTC\",\"amount\":{\"poison\":\"61.00000000\",\"haircut\":\"" amt "\",\"fifo\":\"" amt       \
    "\",\"lifo\":\"" amt "\",\"tiho\":\"" amt "\"},\"low\":\"" amt "\","                           \
    "\"high\":\"61.00000000\",\"usd_low\":null,\"usd_high\":null,\"share\":\"1.000000\","          \
    "\"severity\":\"HIGH\",\"rule\":\"categories.hack\",\"first_seen\":\"2009-01-14T20:40:55Z\","  \
    "\"last_seen\":\"2009-01-14T20:40:55Z\",\"txids\":[\"" TX496 "\"],\"baseline\":\"" baseline    \
    "\",\"state\":\"open\"}\n"
#define BBZ_LINE(baseline) BBZ_CP(ID_BBZ, LSV, "10.00000000", baseline)
/* hashlib as for ID_BBZ, with counterparties 18SH9... and 15NUw... */
#define SH9 "18SH9vwx24L5cTabfkgtGMjF8A56pD9AUJ"
#define NUW "15NUwyBYrZcnUgTagsm1A7M2yL2GntpuaZ"
#define BBZ_ALL(baseline)                                                                          \
    BBZ_CP("1aa4f6e222329ee710c71f395287f0d4", SH9, "50.00000000", baseline)                       \
    BBZ_CP("c9d3908b3c6ab4ceaa32d82556a29c70", NUW, "1.00000000", baseline) BBZ_LINE(baseline)

static char *path_in(const char *dir, const char *name)
{
    char *p;
    cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

static char *write_in(const char *dir, const char *name, const char *text)
{
    char *p = path_in(dir, name);
    cr_assert_eq(tu_write_file(p, text, strlen(text)), 0);
    return p;
}

/* chaintrail --db DIR ARGS... with the fixed test time. */
static void run_in(tu_run *r, const char *db, const char *const *args, const char *extra_env)
{
    const char *argv[24] = {"--db", db};
    size_t n = 2;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    const char *env[] = {NOW, extra_env, NULL};
    tu_exec(r, argv, env);
}

static void run_ok(const char *db, const char *const *args)
{
    tu_run r;
    run_in(&r, db, args, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
}

/* A database of blocks 0-299 with labels `labels` (CSV text) imported; dir and the files. */
typedef struct fx {
    char *tmp, *db, *labels, *customers;
} fx;

static fx setup(const char *labels, const char *customers)
{
    fx f;
    f.tmp = tu_tmpdir();
    f.db = path_in(f.tmp, "db");
    tu_ingest(f.db, (const char *[]){NB0, NULL});
    f.labels = write_in(f.tmp, "labels.csv", labels);
    run_ok(f.db, (const char *[]){"labels", "import", f.labels, NULL});
    f.customers = write_in(f.tmp, "customers.csv", customers);
    return f;
}

static void teardown(fx *f)
{
    tu_rmtree(f->tmp);
    free(f->tmp);
    free(f->db);
    free(f->labels);
    free(f->customers);
}

#define LABELS_SDN  "address,label,category,source\n" SATOSHI ",Test SDN,sanctioned,ofac\n"
#define LABELS_BOTH LABELS_SDN LSV ",Test hacker,hack,team\n"
#define CUSTOMERS   "customer_id,address\nhal," HAL "\n"
#define CUSTOMERS_2 "customer_id,address\nhal," HAL "\nbbz," BBZ "\n"
#define SUMMARY(run, why, screened, rows, nw, up, un, ab)                                          \
    "chaintrail: scan: run " run " (" why "): " screened " of " rows                               \
    " customer rows screened (direct), " rows " (indirect); " nw " new, " up " updated, " un       \
    " unchanged, " ab " absent\n"

static void scan(tu_run *r, const fx *f, const char *extra)
{
    const char *args[] = {"scan", "--customers", f->customers, extra, NULL};
    run_in(r, f->db, args, NULL);
}

/* Three runs: new, unchanged, absent once the label is withdrawn (labels rm); the
 * analyst's dismissal between the first two survives every re-scan, the id stays the
 * same, and the history holds the scan's entry and the analyst's, nothing else. A label
 * imported again raises the alert again as new, still dismissed. */
Test(alerts, baselines_across_runs_and_a_dismissal_that_survives)
{
    fx f = setup(LABELS_SDN, CUSTOMERS);
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err); /* a new SEVERE alert: at or above HIGH */
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "new", "open"));
    cr_assert_str_eq(r.err, SUMMARY("1", "first", "1", "1", "1", "0", "0", "0"));
    tu_run_free(&r);

    run_in(&r, f.db,
           (const char *[]){"alerts", "set", ID_HAL, "--state", "dismissed", "--note",
                            "Hal Finney, known", "--by", "ana", NULL},
           NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: alerts: " ID_HAL ": open -> dismissed by ana\n");
    tu_run_free(&r);

    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "unchanged", "dismissed"));
    cr_assert_str_eq(r.err, SUMMARY("2", "incremental", "0", "1", "0", "0", "1", "0"));
    tu_run_free(&r);

    run_ok(f.db, (const char *[]){"labels", "rm", "--source", "ofac", NULL});
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err); /* absent is not a hit */
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "absent", "dismissed"));
    cr_assert_str_eq(r.err, SUMMARY("3", "labels", "1", "1", "0", "0", "0", "1"));
    tu_run_free(&r);

    scan(&r, &f, "--full"); /* still absent: not listed again */
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, SUMMARY("4", "full", "1", "1", "0", "0", "0", "0"));
    tu_run_free(&r);

    run_ok(f.db, (const char *[]){"labels", "import", f.labels, NULL});
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "new", "dismissed"));
    tu_run_free(&r);

    run_in(&r, f.db, (const char *[]){"alerts", "show", ID_HAL, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out,
                     ID_HAL " SEVERE new       dismissed hal " HAL
                            " incoming direct sanctioned from " SATOSHI
                            " (Test SDN) 10.00000000..10.00000000 BTC\n"
                            "history:\n"
                            "  2023-11-14T22:13:20Z scan: (none) -> open: raised by scan run 1\n"
                            "  2023-11-14T22:13:20Z ana: open -> dismissed: Hal Finney, known\n");
    tu_run_free(&r);
    teardown(&f);
}

/* A finding whose content changes is "updated": here the policy makes sanctioned HIGH.
 * --fail-on decides the exit code: 10 only for a new or updated alert at or above it. */
Test(alerts, updated_baseline_and_fail_on)
{
    fx f = setup(LABELS_SDN, CUSTOMERS);
    char *high = write_in(f.tmp, "high.json",
                          "{\"version\":1,\"categories\":{\"sanctioned\":{\"severity\":\"HIGH\","
                          "\"direction\":\"both\",\"exposure\":\"both\",\"max_hops\":1,"
                          "\"min_amount\":\"0\",\"min_usd\":\"0\",\"min_share\":\"0\"}}}");
    tu_run r;
    run_in(&r, f.db,
           (const char *[]){"scan", "--customers", f.customers, "--fail-on", "none", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "new", "open"));
    tu_run_free(&r);

    run_in(&r, f.db,
           (const char *[]){"scan", "--customers", f.customers, "--policy", high, "--fail-on",
                            "SEVERE", NULL},
           NULL);
    cr_assert_eq(r.status, 0, "%s", r.err); /* updated, but HIGH is below SEVERE */
    cr_assert_str_eq(r.out, HAL_LINE("HIGH", "updated", "open"));
    cr_assert_str_eq(r.err, SUMMARY("2", "policy", "1", "1", "0", "1", "0", "0"));
    tu_run_free(&r);

    run_in(&r, f.db, (const char *[]){"scan", "--customers", f.customers, "--policy", high, NULL},
           NULL);
    cr_assert_eq(r.status, 0, "%s", r.err); /* unchanged: no hit whatever its severity */
    cr_assert_str_eq(r.out, HAL_LINE("HIGH", "unchanged", "open"));
    tu_run_free(&r);

    run_in(&r, f.db,
           (const char *[]){"scan", "--customers", f.customers, "--fail-on", "SEVERE", NULL}, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err); /* back to SEVERE: updated, at SEVERE */
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "updated", "open"));
    tu_run_free(&r);

    run_in(&r, f.db,
           (const char *[]){"scan", "--customers", f.customers, "--fail-on", "high", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: scan: option '--fail-on': unknown severity 'high' "
                            "(valid: none, LOW, MEDIUM, HIGH, SEVERE)\n");
    tu_run_free(&r);
    free(high);
    teardown(&f);
}

/* After blocks 300-599 are ingested, the next run re-screens only bbz, whose address first
 * appears at block 496 (paid by LSV, labelled hack, and the two inputs clustered with it):
 * three new HIGH alerts; hal, without new
 * activity, is not screened and its alert is unchanged. A run with nothing new screens
 * nobody; --full screens everyone. */
Test(alerts, incremental_rescreens_only_customers_with_new_activity)
{
    fx f = setup(LABELS_BOTH, CUSTOMERS_2);
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "new", "open"));
    cr_assert_str_eq(r.err, SUMMARY("1", "first", "2", "2", "1", "0", "0", "0"));
    tu_run_free(&r);

    tu_ingest(f.db, (const char *[]){NB1, NULL});
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    /* in customer-file order, screened or not */
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "unchanged", "open") BBZ_ALL("new"));
    cr_assert_str_eq(r.err, SUMMARY("2", "incremental", "1", "2", "3", "0", "1", "0"));
    tu_run_free(&r);

    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* bbz not screened: its stored alerts, in id order */
    cr_assert_str_eq(r.out,
                     HAL_LINE("SEVERE", "unchanged", "open")
                         BBZ_CP("1aa4f6e222329ee710c71f395287f0d4", SH9, "50.00000000", "unchanged")
                             BBZ_LINE("unchanged") BBZ_CP("c9d3908b3c6ab4ceaa32d82556a29c70", NUW,
                                                          "1.00000000", "unchanged"));
    cr_assert_str_eq(r.err, SUMMARY("3", "incremental", "0", "2", "0", "0", "4", "0"));
    tu_run_free(&r);

    scan(&r, &f, "--full");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "unchanged", "open") BBZ_ALL("unchanged"));
    cr_assert_str_eq(r.err, SUMMARY("4", "full", "2", "2", "0", "0", "4", "0"));
    tu_run_free(&r);

    /* The plan itself, through the library: after a run at tip 599, nothing to screen. */
    ct_db *db = tu_db_open(f.db, false);
    ct_scan_customers cs;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_scan_customers_read(&cs, f.customers, &err), CT_OK);
    ct_scan_policy p;
    cr_assert_eq(ct_scan_policy_parse(&p, ct_scan_policy_default_json(),
                                      strlen(ct_scan_policy_default_json()), &err),
                 CT_OK);
    ct_scan_state prev, now;
    cr_assert_eq(ct_scan_state_get(db, &prev, &err), CT_OK);
    cr_assert_eq(ct_scan_state_now(db, &now, &p, &cs, &err), CT_OK);
    cr_assert(prev.present);
    cr_assert_eq(prev.run, 4);
    cr_assert_eq(prev.height, 599);
    bool pick[2] = {true, true};
    ct_scan_why why;
    cr_assert_eq(ct_scan_plan(pick, &why, db, &cs, &prev, &now, false, &err), CT_OK);
    cr_assert_eq(why, CT_SCAN_WHY_INCREMENTAL);
    cr_assert(!pick[0] && !pick[1]);
    prev.height = 495; /* as if the last run had stopped before block 496 */
    cr_assert_eq(ct_scan_plan(pick, &why, db, &cs, &prev, &now, false, &err), CT_OK);
    cr_assert_eq(why, CT_SCAN_WHY_CHAIN); /* its tip hash is not block 495's */
    ct_graph_block b;
    cr_assert_eq(ct_graph_block_by_height(db, &b, 495, &err), CT_OK);
    memcpy(prev.tip, b.hash, 32);
    cr_assert_eq(ct_scan_plan(pick, &why, db, &cs, &prev, &now, false, &err), CT_OK);
    cr_assert_eq(why, CT_SCAN_WHY_INCREMENTAL);
    cr_assert(!pick[0] && pick[1]);
    ct_scan_customers_release(&cs);
    ct_db_close(db);
    teardown(&f);
}

/* The scan writes once, at its end, in one synchronous batch. Killed just before that
 * write, the database is exactly as before and a rerun gives the control's output and
 * rows; killed just after it, a rerun finds everything stored (unchanged), and the
 * history holds one entry: nothing lost, nothing twice. */
Test(alerts, kill_during_a_scan_loses_and_duplicates_nothing)
{
    fx control = setup(LABELS_SDN, CUSTOMERS), f = setup(LABELS_SDN, CUSTOMERS);
    char before[65], after[65], want[65];
    tu_run r, c;
    scan(&c, &control, NULL);
    cr_assert_eq(c.status, 10, "%s", c.err);
    tu_db_raw_digest(control.db, want);

    tu_db_raw_digest(f.db, before);
    run_in(&r, f.db, (const char *[]){"scan", "--customers", f.customers, NULL},
           "CHAINTRAIL_TEST_KILL=before:1");
    cr_assert_eq(r.status, 128 + SIGKILL, "%d %s", r.status, r.err);
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    tu_db_raw_digest(f.db, after);
    cr_assert_str_eq(after, before);
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.out, c.out);
    cr_assert_str_eq(r.err, c.err);
    tu_run_free(&r);
    tu_db_raw_digest(f.db, after);
    cr_assert_str_eq(after, want);
    tu_run_free(&c);

    /* killed after the write of run 2 (after a new label source: a full run) */
    run_ok(f.db, (const char *[]){"labels", "rm", "--source", "ofac", NULL});
    run_in(&r, f.db, (const char *[]){"scan", "--customers", f.customers, NULL},
           "CHAINTRAIL_TEST_KILL=after:1");
    cr_assert_eq(r.status, 128 + SIGKILL, "%d %s", r.status, r.err);
    tu_run_free(&r);
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, ""); /* run 2 made it absent; run 3 lists nothing new */
    cr_assert_str_eq(r.err, SUMMARY("3", "incremental", "0", "1", "0", "0", "0", "0"));
    tu_run_free(&r);
    run_in(&r, f.db, (const char *[]){"alerts", "show", ID_HAL, "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"baseline\":\"absent\",\"state\":\"open\",\"history\":[{\"time\":"
                            "\"2023-11-14T22:13:20Z\",\"by\":\"scan\",\"old_state\":null,"
                            "\"new_state\":\"open\",\"note\":\"raised by scan run 1\"}]}\n"),
              "%s", r.out);
    tu_run_free(&r);
    teardown(&control);
    teardown(&f);
}

/* alerts list filters and formats; set's and show's errors. */
Test(alerts, list_set_show_and_their_errors)
{
    fx f = setup(LABELS_BOTH, CUSTOMERS_2);
    tu_ingest(f.db, (const char *[]){NB1, NULL});
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    tu_run_free(&r);
    run_ok(f.db,
           (const char *[]){"alerts", "set", ID_BBZ, "--state", "escalated", "--by", "bo", NULL});
    run_in(&r, f.db, (const char *[]){"alerts", "list", "--state", "escalated", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out,
                     ID_BBZ " HIGH   new       escalated bbz " BBZ " incoming direct hack from " LSV
                            " (Test hacker) 10.00000000..61.00000000 BTC\n");
    tu_run_free(&r);
    run_in(&r, f.db,
           (const char *[]){"alerts", "list", "--severity", "SEVERE", "--format", "json", NULL},
           NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "new", "open"));
    tu_run_free(&r);
    run_in(&r, f.db,
           (const char *[]){"alerts", "list", "--customer", "bbz", "--state", "escalated",
                            "--format", "csv", NULL},
           NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(
        r.out,
        "alert_id,customer_id,chain,address,direction,exposure,category,label,source,"
        "counterparty,hops,asset,poison,haircut,fifo,lifo,tiho,low,high,usd_low,usd_high,share,"
        "severity,rule,first_seen,last_seen,txids,baseline,state\n" ID_BBZ ",\"bbz\",bitcoin,\"" BBZ
        "\",incoming,direct,hack,\"Test hacker\",\"team\",\"" LSV
        "\",1,\"BTC\",61.00000000,10.00000000,10.00000000,10.00000000,10.00000000,10.00000000,"
        "61.00000000,,,1.000000,HIGH,categories.hack,2009-01-14T20:40:55Z,2009-01-14T20:40:"
        "55Z," TX496 ",new,escalated\n");
    tu_run_free(&r);

    static const struct {
        const char *args[10];
        int status;
        const char *err;
    } cases[] = {
        {{"alerts", "set", ID_HAL, "--state", "closed", "--by", "a"},
         2,
         "chaintrail: alerts: option '--state': unknown state 'closed' (valid: open, in_review, "
         "escalated, dismissed, resolved)\n"},
        {{"alerts", "set", ID_HAL, "--state", "open"},
         2,
         "chaintrail: alerts: --by NAME is required: who decided\n"},
        {{"alerts", "set", ID_HAL, "--by", "a"},
         2,
         "chaintrail: alerts: give --state, --note or both\n"},
        {{"alerts", "set", "00000000000000000000000000000000", "--note", "x", "--by", "a"},
         8,
         "chaintrail: alerts: no alert 00000000000000000000000000000000\n"},
        {{"alerts", "show", "5c9b"},
         2,
         "chaintrail: alerts: '5c9b' is not an alert id (32 hexadecimal digits)\n"},
        {{"alerts", "set", ID_HAL, "--note", "a\033[31mb", "--by", "a"},
         2,
         "chaintrail: alerts: a note must be at most 4000 bytes, without control characters "
         "but tab and newline\n"},
        {{"alerts", "list", "--severity", "none"},
         2,
         "chaintrail: alerts: option '--severity': unknown severity 'none' (valid: LOW, MEDIUM, "
         "HIGH, SEVERE)\n"},
        {{"alerts", "frobnicate"},
         2,
         "chaintrail: alerts: unknown subcommand 'frobnicate' (list, show, set, runs)\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_in(&r, f.db, cases[i].args, NULL);
        cr_assert_eq(r.status, cases[i].status, "case %zu: %d %s", i, r.status, r.err);
        cr_assert_str_eq(r.err, cases[i].err, "case %zu", i);
        cr_assert_str_eq(r.out, "");
        tu_run_free(&r);
    }
    /* none of those wrote: hal's history is the scan's entry alone */
    run_in(&r, f.db, (const char *[]){"alerts", "show", ID_HAL, NULL}, NULL);
    cr_assert(strstr(r.out, "history:\n  2023-11-14T22:13:20Z scan: (none) -> open: raised by "
                            "scan run 1\n") != NULL &&
                  tu_count_lines(r.out) == 3,
              "%s", r.out);
    tu_run_free(&r);
    teardown(&f);
}

/* -o writes through the safe-file writer: refused when the file exists (exit 5, nothing
 * stored by the run) or is a symbolic link, replaced with --force; --format text and csv. */
Test(alerts, scan_output_file_and_formats)
{
    fx f = setup(LABELS_SDN, CUSTOMERS);
    char *out = path_in(f.tmp, "alerts.txt"), *link = path_in(f.tmp, "link.txt");
    tu_run r;
    run_in(
        &r, f.db,
        (const char *[]){"scan", "--customers", f.customers, "--format", "text", "-o", out, NULL},
        NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    tu_run_free(&r);
    size_t len;
    char *text = (char *)tu_read_file(out, &len);
    cr_assert_str_eq(text, ID_HAL " SEVERE new       open      hal " HAL
                                  " incoming direct sanctioned from " SATOSHI
                                  " (Test SDN) 10.00000000..10.00000000 BTC\n");
    free(text);

    run_in(&r, f.db,
           (const char *[]){"scan", "--customers", f.customers, "--format", "csv", "-o", out, NULL},
           NULL);
    cr_assert_eq(r.status, 5, "%s", r.err);
    char *want;
    cr_assert(asprintf(&want,
                       "chaintrail: scan: -o: output-exists: '%s' exists (--force "
                       "replaces it)\n",
                       out) > 0);
    cr_assert_str_eq(r.err, want);
    free(want);
    tu_run_free(&r);
    /* nothing was screened or stored: the next run is run 2 */
    cr_assert_eq(symlink(out, link), 0);
    run_in(&r, f.db,
           (const char *[]){"scan", "--customers", f.customers, "-o", link, "--force", NULL}, NULL);
    cr_assert_eq(r.status, 5, "%s", r.err);
    cr_assert(asprintf(&want,
                       "chaintrail: scan: -o: output-symlink: '%s' is a symbolic link: "
                       "an export never writes through one\n",
                       link) > 0);
    cr_assert_str_eq(r.err, want);
    free(want);
    tu_run_free(&r);

    run_in(&r, f.db,
           (const char *[]){"scan", "--customers", f.customers, "--format", "csv", "-o", out,
                            "--force", NULL},
           NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, SUMMARY("2", "incremental", "0", "1", "0", "0", "1", "0"));
    tu_run_free(&r);
    text = (char *)tu_read_file(out, &len);
    cr_assert_str_eq(
        text,
        "alert_id,customer_id,chain,address,direction,exposure,category,label,source,"
        "counterparty,hops,asset,poison,haircut,fifo,lifo,tiho,low,high,usd_low,usd_high,"
        "share,severity,rule,first_seen,last_seen,txids,baseline,state\n" ID_HAL
        ",\"hal\",bitcoin,\"" HAL "\",incoming,direct,sanctioned,\"Test SDN\",\"ofac\",\"" SATOSHI
        "\",1,\"BTC\",10.00000000,10.00000000,10.00000000,10.00000000,10.00000000,"
        "10.00000000,10.00000000,,,1.000000,SEVERE,categories.sanctioned,"
        "2009-01-12T03:30:25Z,2009-01-12T03:30:25Z," TX170 ",unchanged,open\n");
    free(text);
    /* no temporary file is left beside it */
    char *ls;
    cr_assert(asprintf(&ls, "test $(ls -A %s | wc -l) -eq 5", f.tmp) > 0);
    cr_assert_eq(system(ls), 0); /* db, labels.csv, customers.csv, alerts.txt, link.txt */
    free(ls);

    run_in(&r, f.db, (const char *[]){"scan", "--customers", f.customers, "--force", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: scan: --force replaces the file of -o: give -o PATH\n");
    tu_run_free(&r);
    run_in(&r, f.db, (const char *[]){"scan", "--customers", f.customers, "--format", "json", NULL},
           NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: scan: option '--format': unknown format 'json' (valid: "
                            "jsonl, csv, text)\n");
    tu_run_free(&r);
    teardown(&f);
    free(out);
    free(link);
}

/* A stored alert row that does not decode stops list and scan with exit 4 (corrupt),
 * naming it, instead of being skipped or overwritten. */
Test(alerts, a_bad_alert_row_is_corruption)
{
    fx f = setup(LABELS_SDN, CUSTOMERS);
    uint8_t key[17] = {0xf5};
    tu_db_poke(f.db, key, sizeof(key), "x", 1);
    tu_run r;
    run_in(&r, f.db, (const char *[]){"alerts", "list", NULL}, NULL);
    cr_assert_eq(r.status, 4, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: alerts: the database is corrupt: bad-row: alert row of 1 "
                            "bytes does not decode\n");
    tu_run_free(&r);
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 4, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: scan: the database is corrupt: bad-row: alert row of 1 "
                            "bytes does not decode\n");
    tu_run_free(&r);
    teardown(&f);
}

/* A changed customer file re-screens everyone; the alerts of a row no longer in the file
 * become absent (listed once, after the file's rows). */
Test(alerts, a_row_removed_from_the_customer_file_makes_its_alerts_absent)
{
    fx f = setup(LABELS_BOTH, CUSTOMERS_2);
    tu_ingest(f.db, (const char *[]){NB1, NULL});
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "new", "open") BBZ_ALL("new"));
    tu_run_free(&r);
    cr_assert_eq(tu_write_file(f.customers, "customer_id,address\nbbz," BBZ "\n",
                               strlen("customer_id,address\nbbz," BBZ "\n")),
                 0);
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, BBZ_ALL("unchanged") HAL_LINE("SEVERE", "absent", "open"));
    cr_assert_str_eq(r.err, SUMMARY("2", "customers", "1", "1", "0", "0", "3", "1"));
    tu_run_free(&r);
    teardown(&f);
}

/* ct_scan_alerts_commit with an outbox (docs/scan.md "Webhook"), through the library: the
 * body function is asked for the run's new alerts only; when it fails, nothing is written
 * (the alerts and their outbox rows are one batch); when it succeeds, the outbox row holds
 * its body, pending. */
static int body_fails(void *ctx, const ct_scan_alert *a, char **body, size_t *len)
{
    (void)a;
    (*(int *)ctx)++;
    *body = NULL;
    *len = 0;
    return CT_ENOMEM;
}

static int body_id(void *ctx, const ct_scan_alert *a, char **body, size_t *len)
{
    (*(int *)ctx)++;
    *len = (size_t)asprintf(body, "{\"id\":\"%s\",\"baseline\":\"%s\"}", a->alert_id,
                            ct_alert_baseline_name(a->baseline));
    return CT_OK;
}

static int outbox_row(void *ctx, const ct_outbox_row *row, const char *body)
{
    char *s = ctx;
    snprintf(s, 256, "%s %d %.*s", row->alert_id, (int)row->state, (int)row->body_len,
             body ? body : "");
    return 0;
}

Test(alerts, commit_stages_the_new_alerts_in_its_batch)
{
    fx f = setup(LABELS_SDN, CUSTOMERS);
    ct_db *db = tu_db_open(f.db, false);
    ct_error err;
    ct_error_clear(&err);
    ct_scan_customers cs;
    cr_assert_eq(ct_scan_customers_read(&cs, f.customers, &err), CT_OK);
    ct_scan_policy p;
    cr_assert_eq(ct_scan_policy_parse(&p, ct_scan_policy_default_json(),
                                      strlen(ct_scan_policy_default_json()), &err),
                 CT_OK);
    ct_scan_state now;
    cr_assert_eq(ct_scan_state_now(db, &now, &p, &cs, &err), CT_OK);
    ct_scan_findings fi;
    cr_assert_eq(ct_scan_direct(&fi, db, &cs, &p, false, &err), CT_OK);
    cr_assert_eq(fi.count, 1);
    ct_db_close(db);
    char before[65], after[65];
    tu_db_raw_digest(f.db, before);

    db = tu_db_open(f.db, false);
    int calls = 0;
    ct_scan_outbox ob = {body_fails, &calls, 7, 7};
    ct_scan_run run;
    cr_assert_eq(
        ct_scan_alerts_commit(&run, db, &cs, NULL, NULL, &fi, "BTC", &now, 1700000000, &ob, &err),
        CT_ENOMEM);
    ct_scan_run_release(&run);
    cr_assert_eq(calls, 1);
    cr_assert_str_eq(err.reason, "out-of-memory");
    cr_assert_str_eq(err.detail, "the webhook body of alert " ID_HAL);
    ct_db_close(db);
    tu_db_raw_digest(f.db, after);
    cr_assert_str_eq(after, before);

    db = tu_db_open(f.db, false);
    calls = 0;
    ob = (ct_scan_outbox){body_id, &calls, 0, 0};
    ct_error_clear(&err);
    cr_assert_eq(
        ct_scan_alerts_commit(&run, db, &cs, NULL, NULL, &fi, "BTC", &now, 1700000000, &ob, &err),
        CT_OK, "%s", err.detail);
    cr_assert_eq(run.n_new, 1);
    ct_scan_run_release(&run);
    cr_assert_eq(calls, 1);
    cr_assert_eq(ob.queued, 1);
    cr_assert_eq(ob.unchanged, 0);
    char row[256] = "";
    cr_assert_eq(ct_outbox_each(db, outbox_row, row, &err), CT_OK);
    cr_assert_str_eq(row, ID_HAL " 0 {\"id\":\"" ID_HAL "\",\"baseline\":\"new\"}");

    /* the same findings again: unchanged, the body function is not asked */
    calls = 0;
    cr_assert_eq(
        ct_scan_alerts_commit(&run, db, &cs, NULL, NULL, &fi, "BTC", &now, 1700000001, &ob, &err),
        CT_OK);
    cr_assert_eq(run.n_unchanged, 1);
    ct_scan_run_release(&run);
    cr_assert_eq(calls, 0);
    cr_assert_eq(ob.queued, 0);
    ct_scan_findings_release(&fi);
    ct_scan_customers_release(&cs);
    ct_db_close(db);
    teardown(&f);
}

/* Outgoing indirect exposure of a customer without new activity (docs/scan.md "Nightly
 * runs"): 12cbQ paid 1 BTC to 13HtsY at block 183 and 10 BTC to LSV at block 248 and is
 * last seen there; at block 496 LSV's 10 BTC and the 1 BTC (through 15NUw) go to BBZ,
 * labelled hack. After blocks 300-599 the run is incremental and picks no row for direct
 * exposure, yet the indirect sweep over every row raises the new outgoing alert: hops 2
 * (through LSV), haircut 10 + 1, poison 29 + 28 (the whole inputs of the two evidence
 * transactions). */
#define SAT_LABELS    "address,label,category,source\n" BBZ ",Test drainer,hack,team\n"
#define SAT_CUSTOMERS "customer_id,address\nsat," SATOSHI "\n"
#define ID_SAT        "a578cad7167c2f2a5f7e92b736b09800" /* outgoing, indirect, "Test drainer" */
#define SAT_LINE(baseline)                                                                         \
    "{\"alert_id\":\"" ID_SAT                                                                      \
    "\",\"customer_id\":\"sat\",\"chain\":\"bitcoin\",\"address\":\"" SATOSHI                      \
    "\",\"direction\":\"outgoing\",\"exposure\":\"indirect\",\"category\":\"hack\","               \
    "\"label\":\"Test drainer\",\"source\":\"team\",\"counterparty\":\"Test drainer\",\"hops\":2," \
    "\"asset\":\"BTC\",\"amount\":{\"poison\":\"57.00000000\",\"haircut\":\"11.00000000\","        \
    "\"fifo\":\"11.00000000\",\"lifo\":\"11.00000000\",\"tiho\":\"11.00000000\"},\"low\":"         \
    "\"11.00000000\",\"high\":\"57.00000000\",\"usd_low\":null,\"usd_high\":null,\"share\":"       \
    "\"0.322033\",\"severity\":\"HIGH\",\"rule\":\"categories.hack\",\"first_seen\":"              \
    "\"2009-01-12T06:34:22Z\",\"last_seen\":\"2009-01-12T20:04:20Z\",\"txids\":[\"12b5633bad1f9c1" \
    "67d523ad1aa1947b2732a865bf5414eab2f9e5ae5d5c191ba\",\"828ef3b079f9c23829c56fe86e85b4a69d9e06" \
    "e5b54ea597eef5fb3ffef509fe\"],\"baseline\":\"" baseline "\",\"state\":\"open\"}\n"

Test(alerts, incremental_run_finds_outgoing_indirect_exposure_of_a_quiet_customer)
{
    fx f = setup(SAT_LABELS, SAT_CUSTOMERS);
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, SUMMARY("1", "first", "1", "1", "0", "0", "0", "0"));
    tu_run_free(&r);

    tu_ingest(f.db, (const char *[]){NB1, NULL});
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.out, SAT_LINE("new"));
    /* no row picked for direct exposure: sat's last activity is block 248 */
    cr_assert_str_eq(r.err, SUMMARY("2", "incremental", "0", "1", "1", "0", "0", "0"));
    tu_run_free(&r);

    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, SAT_LINE("unchanged"));
    tu_run_free(&r);

    /* The store, told per exposure what was screened: a run that screened the row for
     * direct exposure only keeps the indirect alert (unchanged); one that screened it for
     * indirect exposure without finding it makes it absent. */
    ct_db *db = tu_db_open(f.db, false);
    ct_error err;
    ct_error_clear(&err);
    ct_scan_customers cs;
    cr_assert_eq(ct_scan_customers_read(&cs, f.customers, &err), CT_OK);
    ct_scan_state now;
    cr_assert_eq(ct_scan_state_get(db, &now, &err), CT_OK);
    ct_scan_findings none;
    memset(&none, 0, sizeof(none));
    bool yes[1] = {true}, no[1] = {false};
    ct_scan_run run;
    cr_assert_eq(
        ct_scan_alerts_commit(&run, db, &cs, yes, no, &none, "BTC", &now, 1700000000, NULL, &err),
        CT_OK, "%s", err.detail);
    cr_assert_eq(run.count, 1);
    cr_assert_eq(run.items[0].baseline, CT_ALERT_UNCHANGED);
    cr_assert_eq(run.n_absent, 0);
    cr_assert_eq(run.screened, 1);
    cr_assert_eq(run.screened_indirect, 0);
    ct_scan_run_release(&run);
    cr_assert_eq(
        ct_scan_alerts_commit(&run, db, &cs, no, yes, &none, "BTC", &now, 1700000000, NULL, &err),
        CT_OK, "%s", err.detail);
    cr_assert_eq(run.count, 1);
    cr_assert_str_eq(run.items[0].alert_id, ID_SAT);
    cr_assert_eq(run.items[0].baseline, CT_ALERT_ABSENT);
    cr_assert_eq(run.n_absent, 1);
    cr_assert_eq(run.screened, 0);
    cr_assert_eq(run.screened_indirect, 1);
    ct_scan_run_release(&run);
    ct_scan_customers_release(&cs);
    ct_db_close(db);
    teardown(&f);
}

/* An alert row of version 1 (before USD: no USD block after the amounts) is read with USD
 * unknown and printed as null; the next scan that finds it again with the same content
 * leaves its baseline unchanged. */
Test(alerts, a_version_1_alert_row_reads_with_usd_unknown)
{
    fx f = setup(LABELS_SDN, CUSTOMERS);
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    tu_run_free(&r);
    uint8_t key[17] = {0xf5};
    for (int i = 0; i < 16; i++)
        cr_assert_eq(sscanf(ID_HAL + 2 * i, "%2hhx", &key[1 + i]), 1);
    uint8_t row[4096];
    long n = tu_db_peek(f.db, key, sizeof(key), row, sizeof(row));
    const long head1 = 8 + 16 + 32 + 4 + CT_MODEL_COUNT * 16;
    const long head3 = 8 + 16 + 32 + 4 + CT_MODEL_COUNT * 32; /* 256-bit amounts */
    cr_assert_gt(n, head3 + 33);
    cr_assert_eq(row[0], 3);
    cr_assert_eq(row[head3], 0); /* USD unknown (no price table) */
    /* The same alert as a version 2 row: 16-byte amounts (the low halves of the 32). */
    uint8_t v2[4096];
    memcpy(v2, row, 60);
    v2[0] = 2;
    for (int m = 0; m < CT_MODEL_COUNT; m++) {
        for (int k = 0; k < 16; k++)
            cr_assert_eq(row[60 + 32 * m + k], 0); /* 10 BTC fits 128 bits */
        memcpy(v2 + 60 + 16 * m, row + 60 + 32 * m + 16, 16);
    }
    memcpy(v2 + head1, row + head3, (size_t)(n - head3));
    const long n2 = n - (head3 - head1);
    tu_db_poke(f.db, key, sizeof(key), v2, (size_t)n2);
    run_in(&r, f.db, (const char *[]){"alerts", "list", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"alert_id\":\"" ID_HAL "\""), "%s", r.out);
    cr_assert(strstr(r.out, "\"amount\":{\"poison\":\"10.00000000\","), "%s", r.out);
    tu_run_free(&r);
    memcpy(row, v2, (size_t)n2);
    n = n2;
    uint8_t v1[4096];
    memcpy(v1, row, (size_t)head1);
    v1[0] = 1;
    memcpy(v1 + head1, row + head1 + 33, (size_t)(n - head1 - 33));
    tu_db_poke(f.db, key, sizeof(key), v1, (size_t)(n - 33));
    run_in(&r, f.db, (const char *[]){"alerts", "list", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"alert_id\":\"" ID_HAL "\""), "%s", r.out);
    cr_assert(strstr(r.out, "\"usd_low\":null,\"usd_high\":null,"), "%s", r.out);
    tu_run_free(&r);
    scan(&r, &f, "--full");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, HAL_LINE("SEVERE", "unchanged", "open"));
    tu_run_free(&r);
    /* A version 2 row that says USD unknown but holds a value is corrupt. */
    row[head1 + 16] = 1;
    tu_db_poke(f.db, key, sizeof(key), row, (size_t)n);
    run_in(&r, f.db, (const char *[]){"alerts", "list", NULL}, NULL);
    cr_assert_eq(r.status, 4, "%s", r.err);
    tu_run_free(&r);
    teardown(&f);
}

/* `alerts runs`: each run's record (0xf7 'R') with the rows screened for direct and for
 * indirect exposure, as the summary line said; a record of version 1 (before the indirect
 * count) reads with "-" / null; a record of another size is corruption. */
Test(alerts, runs_lists_each_run_with_its_direct_and_indirect_counts)
{
    fx f = setup(LABELS_SDN, CUSTOMERS_2);
    tu_run r;
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.err, SUMMARY("1", "first", "2", "2", "1", "0", "0", "0"));
    tu_run_free(&r);
    scan(&r, &f, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: scan: run 2 (incremental): 0 of 2 customer rows screened "
                            "(direct), 2 (indirect); 0 new, 0 updated, 1 unchanged, 0 absent\n");
    tu_run_free(&r);
    run_in(&r, f.db, (const char *[]){"alerts", "runs", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "run 1 2023-11-14T22:13:20Z: 2 of 2 customer rows screened (direct), "
                            "2 (indirect); 1 new, 0 updated, 0 unchanged, 0 absent\n"
                            "run 2 2023-11-14T22:13:20Z: 0 of 2 customer rows screened (direct), "
                            "2 (indirect); 0 new, 0 updated, 1 unchanged, 0 absent\n");
    tu_run_free(&r);
    run_in(&r, f.db, (const char *[]){"alerts", "runs", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "{\"run\":1,\"time\":\"2023-11-14T22:13:20Z\",\"rows\":2,"
                            "\"screened_direct\":2,\"screened_indirect\":2,\"new\":1,\"updated\":0,"
                            "\"unchanged\":0,\"absent\":0}\n"
                            "{\"run\":2,\"time\":\"2023-11-14T22:13:20Z\",\"rows\":2,"
                            "\"screened_direct\":0,\"screened_indirect\":2,\"new\":0,\"updated\":0,"
                            "\"unchanged\":1,\"absent\":0}\n");
    tu_run_free(&r);
    run_in(&r, f.db, (const char *[]){"alerts", "runs", "--format", "csv", NULL}, NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: alerts: option '--format': unknown format 'csv' (valid: "
                            "text, json)\n");
    tu_run_free(&r);

    /* run 1 rewritten as a version 1 record: the first 49 bytes, version byte 1 */
    uint8_t key[10] = {0xf7, 'R', 0, 0, 0, 0, 0, 0, 0, 1};
    uint8_t row[128];
    long n = tu_db_peek(f.db, key, sizeof(key), row, sizeof(row));
    cr_assert_eq(n, 65);
    cr_assert_eq(row[0], 2);
    row[0] = 1;
    tu_db_poke(f.db, key, sizeof(key), row, 49);
    run_in(&r, f.db, (const char *[]){"alerts", "runs", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "run 1 2023-11-14T22:13:20Z: 2 of - customer rows screened (direct), "
                            "- (indirect); 1 new, 0 updated, 0 unchanged, 0 absent\n"
                            "run 2 2023-11-14T22:13:20Z: 0 of 2 customer rows screened (direct), "
                            "2 (indirect); 0 new, 0 updated, 1 unchanged, 0 absent\n");
    tu_run_free(&r);
    run_in(&r, f.db, (const char *[]){"alerts", "runs", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "{\"run\":1,\"time\":\"2023-11-14T22:13:20Z\",\"rows\":null,"
                            "\"screened_direct\":2,\"screened_indirect\":null,"),
              "%s", r.out);
    tu_run_free(&r);
    tu_db_poke(f.db, key, sizeof(key), row, 50);
    run_in(&r, f.db, (const char *[]){"alerts", "runs", NULL}, NULL);
    cr_assert_eq(r.status, 4, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: alerts: the database is corrupt: bad-row: scan run "
                            "record of 50 bytes\n");
    tu_run_free(&r);
    teardown(&f);
}

/* min_usd applies to direct and indirect findings whose USD is known, and keeps those
 * without a price (no price is not "below"). Blocks 0-599 with 12cbQ sanctioned: hal
 * receives 10 BTC from it directly on 2009-01-12 (block 170), bbz 11..61 BTC at hop 2 on
 * 2009-01-14 (block 496). At 5 USD on 2009-01-12 and 20 USD on 2009-01-14, hal's finding is
 * worth 50.00 USD and bbz's 220.00..1220.00. */
#define MIN_USD_POLICY(usd)                                                                        \
    "version: 1\ncategories:\n  sanctioned:\n    severity: SEVERE\n    direction: both\n"          \
    "    exposure: both\n    max_hops: 3\n    min_amount: \"0\"\n    min_usd: \"" usd "\"\n"       \
    "    min_share: \"0\"\n"
#define MU_HAL(baseline)                                                                           \
    ID_HAL " SEVERE " baseline " open      hal " HAL " incoming direct sanctioned from " SATOSHI   \
           " (Test SDN) 10.00000000..10.00000000 BTC\n"
#define MU_BBZ(baseline, usd)                                                                      \
    "4dff18a21fc914c17c60b71fce403fa0 SEVERE " baseline " open      bbz " BBZ                      \
    " incoming indirect sanctioned from Test SDN (Test SDN) 11.00000000..61.00000000 BTC " usd     \
    "2 hops\n"
static void scan_policy(tu_run *r, const fx *f, const char *policy)
{
    const char *args[] = {"scan",   "--customers", f->customers, "--policy", policy,
                          "--full", "--format",    "text",       NULL};
    run_in(r, f->db, args, NULL);
}

Test(alerts, min_usd_drops_priced_findings_below_it_and_keeps_unpriced_ones)
{
    fx f = setup(LABELS_SDN, CUSTOMERS_2);
    tu_ingest(f.db, (const char *[]){NB1, NULL});
    char *p100 = write_in(f.tmp, "p100.yaml", MIN_USD_POLICY("100.00"));
    char *p1500 = write_in(f.tmp, "p1500.yaml", MIN_USD_POLICY("1500.00"));
    char *prices = write_in(f.tmp, "prices.csv", "Date,Close\n2009-01-12,5.00\n2009-01-14,20.00\n");
    tu_run r;
    /* no price: both kept, whatever min_usd */
    scan_policy(&r, &f, p1500);
    cr_assert_eq(r.status, 10, "%s", r.err);
    cr_assert_str_eq(r.out, MU_HAL("new      ") MU_BBZ("new      ", ""));
    tu_run_free(&r);
    run_ok(f.db, (const char *[]){"prices", "import", prices, "--asset", "BTC", NULL});
    /* priced: hal's 50.00 USD is below 100.00, bbz's 1220.00 is not */
    scan_policy(&r, &f, p100);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, MU_HAL("absent   ") MU_BBZ("unchanged", "USD 220.00..1220.00 "));
    tu_run_free(&r);
    run_in(&r, f.db, (const char *[]){"alerts", "list", "--format", "csv", NULL}, NULL);
    cr_assert(strstr(r.out, ",220.00,1220.00,1.000000,SEVERE,categories.sanctioned,"), "%s", r.out);
    tu_run_free(&r);
    /* and at 1500.00 the indirect one goes too */
    scan_policy(&r, &f, p1500);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, MU_BBZ("absent   ", "USD 220.00..1220.00 "));
    cr_assert(strstr(r.err, "0 new, 0 updated, 0 unchanged, 1 absent\n"), "%s", r.err);
    tu_run_free(&r);
    free(p100), free(p1500), free(prices);
    teardown(&f);
}
