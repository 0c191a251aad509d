#define _XOPEN_SOURCE 700 /* putenv */
/* Tests of the ingest on real mainnet blocks: exact figures, idempotence, crash safety
 * (kill -9 at write boundaries and at random instants, crashes during recovery), a locked
 * database, schema versions, unwritable locations and a full disk. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chaintrail/chaintrail.h"
#include "db/db_internal.h"
#include "base/hash.h"
#include "db/schema.h"
#include "store/store.h"
#include "blockbuild.h"
#include "testutil.h"

#define BLK_4313 "btc/blk_consecutive/jeffchan/blk00000_first1MB.dat"
#define NB0      "btc/blk_consecutive/nbitcoin/blk00000.dat"
#define NB1      "btc/blk_consecutive/nbitcoin/blk00001.dat"

static void ingest_grouped(ct_db *db, const char *const *paths, size_t n, ct_ingest_stats *st,
                           uint64_t group_txs)
{
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    ct_error err;
    o.net = ct_btc_params_get("mainnet");
    o.group_txs = group_txs;
    ct_error_clear(&err);
    int rc = ct_ingest_bitcoin(db, st, paths, n, &o, &err);
    cr_assert_eq(rc, CT_OK, "ingest: %s %s", err.reason, err.detail);
}

static void ingest(ct_db *db, const char *const *paths, size_t n, ct_ingest_stats *st)
{
    ingest_grouped(db, paths, n, st, 0);
}

static uint64_t get_u64_row(ct_store *st, const uint8_t *k, size_t kl)
{
    ct_buf v;
    ct_buf_init(&v, 1 << 20);
    cr_assert_eq(ct_store_get(st, NULL, k, kl, &v, NULL), CT_OK);
    cr_assert_eq(v.len, 8);
    uint64_t x = ct_be64(v.data);
    ct_buf_release(&v);
    return x;
}

static ct_row_totals address_totals(ct_db *db, const char *addr)
{
    uint8_t k[128];
    k[0] = CT_T_ADDR;
    memcpy(k + 1, addr, strlen(addr));
    uint64_t id = get_u64_row(db->st, k, 1 + strlen(addr));
    ct_buf v;
    ct_row_totals t;
    ct_buf_init(&v, 1 << 20);
    cr_assert_eq(ct_store_get(db->st, NULL, k, ct_key_u64(k, CT_T_TOTALS, id), &v, NULL), CT_OK);
    cr_assert_eq(ct_row_totals_decode(&t, v.data, v.len, NULL), CT_OK);
    ct_buf_release(&v);
    return t;
}

Test(ingest, first_4313_mainnet_blocks)
{
    char *dir = tu_tmpdir(), *blk = tu_fixture(BLK_4313);
    ct_db *db = tu_db_open(dir, true);
    ct_ingest_stats st;
    ingest(db, (const char *[]){blk}, 1, &st);
    cr_assert_eq(st.blocks_read, 4313);
    cr_assert_eq(st.blocks_connected, 4313);
    cr_assert_eq(st.txs, 4371);
    cr_assert_eq(st.height, 4312);

    cr_assert_eq(db->ctr.blocks, 4313);
    cr_assert_eq(db->ctr.txs, 4371);
    cr_assert_eq(db->ctr.unspent_outputs, 4150);
    cr_assert_eq(db->ctr.unspent_value, 21565000000000ULL);
    cr_assert_eq(db->ctr.unknown_prevouts, 0);
    cr_assert(db->has_tip);
    cr_assert_eq(db->tip.height, 4312);

    ct_row_totals t = address_totals(db, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S");
    cr_assert_eq(t.received - t.sent, 1800000000ULL);
    t = address_totals(db, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3");
    cr_assert_eq(t.received - t.sent, 1000000000ULL);
    cr_assert_eq(t.received, 1000000000ULL);

    /* The spend link of the block-9 coinbase output points at f4184fc5...9e16 input 0. */
    uint8_t k[40], txid[32];
    cr_assert_eq(ct_hash_from_hex(txid, "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106"
                                        "ee5a597c9"),
                 CT_OK);
    uint64_t cb9 = get_u64_row(db->st, k, ct_key_hash(k, CT_T_TXID, txid));
    ct_buf v;
    ct_row_spend sp;
    ct_row_tx tx;
    ct_buf_init(&v, 1 << 20);
    cr_assert_eq(ct_store_get(db->st, NULL, k, ct_key_u64_u32(k, CT_T_SPEND, cb9, 0), &v, NULL),
                 CT_OK);
    cr_assert_eq(ct_row_spend_decode(&sp, v.data, v.len, NULL), CT_OK);
    cr_assert_eq(sp.vin, 0);
    cr_assert_eq(ct_store_get(db->st, NULL, k, ct_key_u64(k, CT_T_TX, sp.txnum), &v, NULL), CT_OK);
    cr_assert_eq(ct_row_tx_decode(&tx, v.data, v.len, NULL), CT_OK);
    char hex[65];
    ct_hash_to_hex(hex, tx.txid);
    cr_assert_str_eq(hex, "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16");
    cr_assert_eq(tx.height, 170);
    cr_assert_eq(tx.fee, 0);
    ct_buf_release(&v);

    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
    free(blk);
}

Test(ingest, rerun_over_the_same_files_changes_nothing)
{
    char *dir = tu_tmpdir(), *a = tu_fixture(NB0), *b = tu_fixture(NB1);
    char before[65], after[65];
    ct_ingest_stats st;
    ct_db *db = tu_db_open(dir, true);
    ingest(db, (const char *[]){a, b}, 2, &st);
    cr_assert_eq(st.blocks_connected, 600);
    ct_db_close(db);
    tu_db_raw_digest(dir, before);

    db = tu_db_open(dir, false);
    ingest(db, (const char *[]){a, b}, 2, &st);
    /* Each file resumes at its last record, which is already stored. */
    cr_assert_eq(st.blocks_read, 2);
    cr_assert_eq(st.blocks_known, 2);
    cr_assert_eq(st.blocks_connected, 0);
    ct_db_close(db);
    tu_db_raw_digest(dir, after);
    cr_assert_str_eq(before, after);
    tu_rmtree(dir);
    free(dir);
    free(a);
    free(b);
}

Test(ingest, blk00000_then_blk00001_equals_both_at_once)
{
    char *d1 = tu_tmpdir(), *d2 = tu_tmpdir(), *a = tu_fixture(NB0), *b = tu_fixture(NB1);
    ct_ingest_stats st;
    ct_db *db = tu_db_open(d1, true);
    ingest(db, (const char *[]){a}, 1, &st);
    cr_assert_eq(st.height, 299);
    ingest(db, (const char *[]){a, b}, 2, &st);
    cr_assert_eq(st.blocks_connected, 300);
    cr_assert_eq(st.height, 599);
    ct_db_close(db);
    db = tu_db_open(d2, true);
    ingest(db, (const char *[]){a, b}, 2, &st);
    ct_db_close(db);
    char x[65], y[65];
    tu_db_raw_digest(d1, x);
    tu_db_raw_digest(d2, y);
    cr_assert_str_eq(x, y);
    tu_rmtree(d1);
    tu_rmtree(d2);
    free(d1);
    free(d2);
    free(a);
    free(b);
}

/* Runs `chaintrail --db dir ingest bitcoin [--group-txs N] paths` (group_txs 0: the
 * default grouping) with an extra environment entry, or killed with SIGKILL after
 * `kill_after_us` microseconds (0: not killed), or with a file size limit (0: none).
 * Returns the exit status (128 + signal when killed). */
/* The signal run_ingest sends after kill_after_us (each test runs in its own process). */
static int signal_to_send = SIGKILL;

static int run_ingest_grouped(const char *dir, const char *const *paths, const char *env,
                              long kill_after_us, rlim_t fsize_limit, char **err_out,
                              unsigned group_txs)
{
    char group[24];
    snprintf(group, sizeof(group), "%u", group_txs);
    int pe[2];
    cr_assert_eq(pipe(pe), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        const char *argv[16] = {CT_BIN, "--db", dir, "ingest", "bitcoin", "--quiet"};
        size_t n = 6;
        if (group_txs) {
            argv[n++] = "--group-txs";
            argv[n++] = group;
        }
        for (size_t i = 0; paths[i]; i++)
            argv[n++] = paths[i];
        argv[n] = NULL;
        dup2(pe[1], 2);
        close(pe[0]);
        if (env)
            putenv((char *)env);
        if (fsize_limit) {
            struct rlimit rl = {fsize_limit, fsize_limit};
            signal(SIGXFSZ, SIG_IGN);
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        execv(CT_BIN, (char *const *)argv);
        _exit(127);
    }
    close(pe[1]);
    if (kill_after_us > 0) {
        struct timespec ts = {kill_after_us / 1000000, (kill_after_us % 1000000) * 1000};
        nanosleep(&ts, NULL);
        kill(pid, signal_to_send);
    }
    char buf[4096];
    size_t len = 0;
    ssize_t got;
    while ((got = read(pe[0], buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)got;
    buf[len] = 0;
    close(pe[0]);
    int st;
    waitpid(pid, &st, 0);
    if (err_out)
        *err_out = strdup(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run_ingest(const char *dir, const char *const *paths, const char *env,
                      long kill_after_us, rlim_t fsize_limit, char **err_out)
{
    return run_ingest_grouped(dir, paths, env, kill_after_us, fsize_limit, err_out, 0);
}

/* The height of the tip of the database at dir (-1: empty). */
static int64_t tip_height(const char *dir)
{
    ct_db *db = tu_db_open(dir, false);
    int64_t h = db->has_tip ? (int64_t)db->tip.height : -1;
    ct_db_close(db);
    return h;
}

Test(ingest, a_group_commits_its_blocks_in_one_write)
{
    char *a = tu_fixture(NB0);
    const char *paths[] = {a, NULL};
    /* Writes 1 to 3 stamp the new database and register the file and the network; write 4
     * is the first group. Blocks 0-599 of mainnet have one transaction each, so a group of
     * 7 transactions is 7 blocks: killed just after write 4, the database holds heights
     * 0-6; just before it, nothing. --group-txs 1 commits every block alone; the default
     * commits all 300 blocks of the file in one group. */
    static const struct {
        const char *kill;
        unsigned group;
        int64_t height;
    } cases[] = {{"CHAINTRAIL_TEST_KILL=after:4", 7, 6},  {"CHAINTRAIL_TEST_KILL=before:4", 7, -1},
                 {"CHAINTRAIL_TEST_KILL=after:5", 7, 13}, {"CHAINTRAIL_TEST_KILL=after:4", 1, 0},
                 {"CHAINTRAIL_TEST_KILL=after:5", 1, 1},  {"CHAINTRAIL_TEST_KILL=before:4", 0, -1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *dir = tu_tmpdir();
        int status = run_ingest_grouped(dir, paths, cases[i].kill, 0, 0, NULL, cases[i].group);
        cr_assert_eq(status, 128 + SIGKILL, "case %zu: exit %d", i, status);
        cr_assert_eq(tip_height(dir), cases[i].height, "case %zu: %s, --group-txs %u", i,
                     cases[i].kill, cases[i].group);
        tu_rmtree(dir);
        free(dir);
    }
    free(a);
}

Test(ingest, sigint_commits_the_pending_group_and_the_rerun_equals_control)
{
    char *control = tu_tmpdir(), *blk = tu_fixture(BLK_4313);
    const char *paths[] = {blk, NULL};
    cr_assert_eq(run_ingest(control, paths, NULL, 0, 0, NULL), 0);
    char want[65], got[65];
    tu_db_raw_digest(control, want);
    /* One group as large as allowed: only the 1 s bound, the end of the input or the stop
     * commit it. The whole run takes about 0.1 s, so a run stopped part way (tip below
     * 4312) that left blocks got them from the commit at the stop. */
    signal_to_send = SIGINT;
    unsigned committed_at_stop = 0;
    static const long delays_us[] = {5000,  10000, 20000,  30000,  45000,
                                     60000, 80000, 120000, 200000, 400000};
    for (size_t i = 0; i < sizeof(delays_us) / sizeof(delays_us[0]); i++) {
        char *dir = tu_tmpdir();
        int status = run_ingest_grouped(dir, paths, NULL, delays_us[i], 0, NULL, 10000000);
        cr_assert(status == 0 || status == 130, "delay %ld us: exit %d", delays_us[i], status);
        /* A signal that comes before the handler is set kills the run (128 + 2 = 130 too):
         * it may leave no database, or one not stamped yet, with nothing committed. */
        ct_db *db;
        ct_db_options dbo = CT_DB_OPTIONS_INIT;
        if (status == 130 && ct_db_open(&db, dir, &dbo, NULL) == CT_OK) {
            if (db->has_tip && db->tip.height < 4312)
                committed_at_stop++;
            ct_db_close(db);
        }
        cr_assert_eq(run_ingest(dir, paths, NULL, 0, 0, NULL), 0);
        tu_db_raw_digest(dir, got);
        cr_assert_str_eq(got, want, "delay %ld us: the resumed database differs", delays_us[i]);
        tu_rmtree(dir);
        free(dir);
    }
    cr_assert_gt(committed_at_stop, 0, "no run was stopped part way with blocks committed");
    tu_rmtree(control);
    free(control);
    free(blk);
}

Test(ingest, grouped_and_per_block_commits_store_the_same_rows)
{
    char *blk = tu_fixture(BLK_4313);
    const char *paths[] = {blk};
    static const uint64_t groups[] = {1, 13, 0};
    char want[65], got[65];
    for (size_t i = 0; i < 3; i++) {
        char *dir = tu_tmpdir();
        ct_ingest_stats st;
        ct_db *db = tu_db_open(dir, true);
        ingest_grouped(db, paths, 1, &st, groups[i]);
        cr_assert_eq(st.blocks_connected, 4313);
        cr_assert_eq(st.txs, 4371);
        ct_db_close(db);
        tu_db_raw_digest(dir, i == 0 ? want : got);
        if (i > 0)
            cr_assert_str_eq(got, want, "--group-txs %llu", (unsigned long long)groups[i]);
        tu_rmtree(dir);
        free(dir);
    }
    free(blk);
}

Test(ingest, kill_at_write_boundaries_then_resume_equals_control)
{
    char *control = tu_tmpdir(), *dir = tu_tmpdir(), *a = tu_fixture(NB0), *b = tu_fixture(NB1);
    const char *paths[] = {a, b, NULL};
    cr_assert_eq(run_ingest(control, paths, NULL, 0, 0, NULL), 0);
    char want[65], got[65];
    tu_db_raw_digest(control, want);
    /* The raw digest covers the address clusters too (docs/clustering.md): these blocks
     * make 606 clusters, with 8 merges of two clusters of two or more addresses. */
    ct_db *cdb = tu_db_open(control, false);
    cr_assert_eq(cdb->cl_ctr.clusters, 606);
    cr_assert_eq(cdb->cl_ctr.merges, 8);
    ct_db_close(cdb);

    /* Each run is killed at its k-th store write, just before or just after the write
     * reaches LevelDB; k starts at 1, so some kills hit the start of a recovery run
     * (registering the files, resuming at the marker) before any block is written. */
    /* Groups of 2, 3 or 4 transactions (as many blocks here), so that the runs have many
     * boundaries and each run gets only a few groups further. */
    unsigned kills = 0, seed = 12345;
    for (int round = 0; round < 500; round++) {
        char env[64];
        seed = seed * 1103515245u + 12345u;
        unsigned k = 1 + (seed >> 16) % 10;
        snprintf(env, sizeof(env), "CHAINTRAIL_TEST_KILL=%s:%u", round % 2 ? "after" : "before", k);
        int status = run_ingest_grouped(dir, paths, env, 0, 0, NULL, 2 + (unsigned)round % 3);
        if (status == 0)
            break;
        cr_assert_eq(status, 128 + SIGKILL, "round %d: exit %d", round, status);
        kills++;
    }
    cr_assert_geq(kills, 50, "only %u kills", kills);
    cr_assert_eq(run_ingest(dir, paths, NULL, 0, 0, NULL), 0);
    tu_db_raw_digest(dir, got);
    cr_assert_str_eq(got, want, "after %u kills the database differs from the control run", kills);

    /* The default grouping (the 600 blocks are one group): killed at each of its first
     * writes, before and after, from a new database. */
    char *dir2 = tu_tmpdir();
    kills = 0;
    for (unsigned k = 1; k <= 6; k++) {
        for (int after = 0; after < 2; after++) {
            char env[64];
            snprintf(env, sizeof(env), "CHAINTRAIL_TEST_KILL=%s:%u", after ? "after" : "before", k);
            int status = run_ingest(dir2, paths, env, 0, 0, NULL);
            cr_assert(status == 0 || status == 128 + SIGKILL, "%s: exit %d", env, status);
            kills += status != 0;
        }
    }
    cr_assert_geq(kills, 4, "only %u kills", kills);
    cr_assert_eq(run_ingest(dir2, paths, NULL, 0, 0, NULL), 0);
    tu_db_raw_digest(dir2, got);
    cr_assert_str_eq(got, want, "default grouping: the database differs from the control run");
    tu_rmtree(dir2);
    free(dir2);
    tu_rmtree(control);
    tu_rmtree(dir);
    free(control);
    free(dir);
    free(a);
    free(b);
}

Test(ingest, kill_at_random_instants_then_resume_equals_control)
{
    char *control = tu_tmpdir(), *dir = tu_tmpdir(), *blk = tu_fixture(BLK_4313);
    const char *paths[] = {blk, NULL};
    cr_assert_eq(run_ingest(control, paths, NULL, 0, 0, NULL), 0);
    char want[65], got[65];
    tu_db_raw_digest(control, want);
    /* A whole run takes about 0.1 s (ASan: more); odd rounds commit groups of 20
     * transactions, even ones use the default grouping. */
    unsigned kills = 0, seed = 777;
    for (int round = 0; round < 16; round++) {
        seed = seed * 1103515245u + 12345u;
        long us = 2000 + (long)((seed >> 8) % 100000);
        int status = run_ingest_grouped(dir, paths, NULL, us, 0, NULL, round % 2 ? 20 : 0);
        if (status == 128 + SIGKILL)
            kills++;
        else
            cr_assert_eq(status, 0);
    }
    cr_assert_gt(kills, 0);
    cr_assert_eq(run_ingest(dir, paths, NULL, 0, 0, NULL), 0);
    tu_db_raw_digest(dir, got);
    cr_assert_str_eq(got, want);
    tu_rmtree(control);
    tu_rmtree(dir);
    free(control);
    free(dir);
    free(blk);
}

Test(ingest, disk_full_stops_with_io_error_and_resumes)
{
    char *control = tu_tmpdir(), *dir = tu_tmpdir(), *a = tu_fixture(NB0), *b = tu_fixture(NB1);
    const char *paths[] = {a, b, NULL};
    cr_assert_eq(run_ingest(control, paths, NULL, 0, 0, NULL), 0);
    /* No file of the database may grow past 40 kB: LevelDB's log hits the limit (EFBIG,
     * as ENOSPC would) part way through. */
    char *err = NULL;
    int status = run_ingest(dir, paths, NULL, 0, 40000, &err);
    cr_assert_eq(status, 5, "exit %d: %s", status, err);
    cr_assert(strstr(err, "cannot write database"), "%s", err);
    free(err);
    /* Space freed: the next run resumes and ends equal to the control. */
    cr_assert_eq(run_ingest(dir, paths, NULL, 0, 0, NULL), 0);
    char want[65], got[65];
    tu_db_raw_digest(control, want);
    tu_db_raw_digest(dir, got);
    cr_assert_str_eq(got, want);
    tu_rmtree(control);
    tu_rmtree(dir);
    free(control);
    free(dir);
    free(a);
    free(b);
}

Test(ingest, locked_database)
{
    char *dir = tu_tmpdir(), *a = tu_fixture(NB0);
    ct_db *db = tu_db_open(dir, true);
    /* A second process while this one holds the database. */
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        ct_db *other = NULL;
        ct_error err;
        ct_error_clear(&err);
        int rc = ct_db_open(&other, dir, NULL, &err);
        _exit(rc == CT_ELOCKED && strstr(err.detail, "is locked by another process") ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", dir, "ingest", "bitcoin", a, NULL}, NULL);
    cr_assert_eq(r.status, 6);
    cr_assert(strstr(r.err, "database '"), "%s", r.err);
    cr_assert(strstr(r.err, "' is locked by another process"), "%s", r.err);
    tu_run_free(&r);
    ct_db_close(db);
    tu_rmtree(dir);
    free(dir);
    free(a);
}

Test(ingest, other_schema_version_is_refused_intact)
{
    char *dir = tu_tmpdir(), *a = tu_fixture(NB0);
    ct_ingest_stats st;
    ct_db *db = tu_db_open(dir, true);
    ingest(db, (const char *[]){a}, 1, &st);
    ct_db_close(db);
    /* Pretend a future chaintrail wrote it. */
    ct_store *s;
    ct_store_options so = CT_STORE_OPTIONS_INIT;
    cr_assert_eq(ct_store_open(&s, dir, &so, NULL), CT_OK);
    ct_store_batch *b = ct_store_batch_new();
    uint8_t k[16], v[4] = {0, 0, 0, 99};
    ct_store_batch_put(b, k, ct_key_meta(k, "schema"), v, 4);
    cr_assert_eq(ct_store_write(s, b, true, NULL), CT_OK);
    ct_store_batch_free(b);
    ct_store_close(s);

    ct_error err;
    ct_db *x = NULL;
    ct_error_clear(&err);
    cr_assert_eq(ct_db_open(&x, dir, NULL, &err), CT_EVERSION);
    cr_assert(strstr(err.detail, "has schema version 99; this chaintrail reads version 3"), "%s",
              err.detail);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", dir, "ingest", "bitcoin", a, NULL}, NULL);
    cr_assert_eq(r.status, 7);
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
    free(a);
}

Test(ingest, unwritable_locations_fail_before_any_work)
{
    char *a = tu_fixture(NB0);
    tu_run r;
    /* /proc accepts no new directories, even for root. */
    tu_exec(&r, (const char *[]){"--db", "/proc/chaintrail-test.db", "ingest", "bitcoin", a, NULL},
            NULL);
    cr_assert_eq(r.status, 5, "%s", r.err);
    cr_assert(strstr(r.err, "/proc/chaintrail-test.db"), "%s", r.err);
    tu_run_free(&r);
    /* A path whose parent is a regular file. */
    tu_exec(&r, (const char *[]){"--db", "/etc/hostname/x.db", "ingest", "bitcoin", a, NULL}, NULL);
    cr_assert_eq(r.status, 5, "%s", r.err);
    tu_run_free(&r);
    free(a);
}

Test(ingest, network_of_the_database_is_kept)
{
    char *dir = tu_tmpdir(), *a = tu_fixture(NB0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", dir, "ingest", "bitcoin", "--quiet", a, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", dir, "ingest", "bitcoin", "--network", "regtest", a, NULL},
            NULL);
    cr_assert_eq(r.status, 3);
    cr_assert(strstr(r.err, "the database holds mainnet blocks; these blocks were read as regtest"),
              "%s", r.err);
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
    free(a);
}

/* ---- reorgs on made-up regtest chains ---- */

/* The logical digest of docs/storage.md, computed here independently of engine/utxo/graph.c:
 * SHA-256 over the rows of tables n t x i o s a d l w y, the cluster tables e j k, the
 * counters row and the cluster meta rows, in key order, each as BE32 key length, key, BE32
 * value length, value. */
static int logical_digest(const char *dir, char out[65])
{
    static const char tables[] = "adeijklnostwxy"; /* byte order of the prefixes */
    ct_store *st;
    ct_store_options so = CT_STORE_OPTIONS_INIT;
    if (ct_store_open(&st, dir, &so, NULL) != CT_OK)
        return CT_EIO;
    ct_store_iter *it = ct_store_iter_new(st, NULL);
    ct_sha256_ctx c;
    ct_sha256_init(&c);
    uint8_t ck[16];
    size_t ckl = ct_key_meta(ck, "counters");
    for (ct_store_iter_seek(it, (const uint8_t *)"", 0); ct_store_iter_valid(it);
         ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        const uint8_t *v = ct_store_iter_value(it, &vl);
        bool counters = (kl == ckl && memcmp(k, ck, kl) == 0) ||
                        (kl == 9 && memcmp(k, "mclpolicy", 9) == 0) ||
                        (kl == 11 && memcmp(k, "mclcounters", 11) == 0);
        if (!counters && !strchr(tables, k[0]))
            continue;
        ct_sha256_row(&c, k, kl, v, vl);
    }
    int rc = ct_store_iter_status(it, NULL);
    ct_store_iter_free(it);
    ct_store_close(st);
    uint8_t h[32];
    ct_sha256_final(&c, h);
    ct_hex_encode(out, h, 32);
    return rc;
}

static ct_db *ingest_regtest(const char *dir, const char *path, ct_ingest_stats *st)
{
    ct_db *db = tu_db_open(dir, true);
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    ct_error err;
    o.net = ct_btc_params_get("regtest");
    ct_error_clear(&err);
    int rc = ct_ingest_bitcoin(db, st, (const char *[]){path}, 1, &o, &err);
    cr_assert_eq(rc, CT_OK, "%s %s", err.reason, err.detail);
    return db;
}

static bool has_tx(ct_db *db, const uint8_t txid[32])
{
    uint8_t k[33];
    ct_buf v;
    ct_buf_init(&v, 64);
    int rc = ct_store_get(db->st, NULL, k, ct_key_hash(k, CT_T_TXID, txid), &v, NULL);
    ct_buf_release(&v);
    return rc == CT_OK;
}

Test(ingest, reorg_to_a_longer_branch_equals_the_winner_alone)
{
    /* genesis - a1 - a2            (a2 spends a1's coinbase to owner 0x22)
     *         \ b1 - b2 - b3       (b3 spends b1's coinbase to owner 0x33)
     * Files: one holds genesis a1 a2 b1 b2 b3 in that order (the branch overtakes the tip
     * at b3); the control holds genesis b1 b2 b3 only. */
    bb_buf both, winner, tmp;
    uint8_t g[32], a1[32], a2[32], b1[32], b2[32], b3[32], a1cb[32], b1cb[32], a2cb[32];
    bb_init(&both);
    bb_init(&winner);
    bb_init(&tmp);
    bb_regtest_genesis(&both, g);
    bb_regtest_genesis(&winner, NULL);
    char hex[65];
    ct_hash_to_hex(hex, g);
    cr_assert_str_eq(hex, "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206");
    bb_height_block(&both, a1, a1cb, g, 1, 1700000000, 0x11, NULL, 0, 0);
    bb_height_block(&both, a2, a2cb, a1, 2, 1700000600, 0x11, a1cb, 4999990000ULL, 0x22);
    bb_height_block(&tmp, b1, b1cb, g, 1, 1700000001, 0x44, NULL, 0, 0);
    bb_height_block(&tmp, b2, NULL, b1, 2, 1700000601, 0x44, NULL, 0, 0);
    bb_height_block(&tmp, b3, NULL, b2, 3, 1700001201, 0x44, b1cb, 4999980000ULL, 0x33);
    bb_bytes(&both, tmp.data, tmp.len);
    bb_bytes(&winner, tmp.data, tmp.len);

    char *d1 = tu_tmpdir(), *d2 = tu_tmpdir(), *files = tu_tmpdir();
    char p1[512], p2[512];
    snprintf(p1, sizeof(p1), "%s/both.blk", files);
    snprintf(p2, sizeof(p2), "%s/winner.blk", files);
    cr_assert_eq(tu_write_file(p1, both.data, both.len), 0);
    cr_assert_eq(tu_write_file(p2, winner.data, winner.len), 0);

    ct_ingest_stats st;
    ct_db *db = ingest_regtest(d1, p1, &st);
    cr_assert_eq(st.blocks_read, 6);
    cr_assert_eq(st.reorgs, 1);
    cr_assert_eq(st.blocks_disconnected, 2);
    cr_assert_eq(st.height, 3);
    cr_assert_eq(db->tip.height, 3);
    cr_assert(memcmp(db->tip.hash, b3, 32) == 0);
    /* The losing branch's transactions are gone from the graph. */
    cr_assert(!has_tx(db, a1cb));
    cr_assert(!has_tx(db, a2cb));
    cr_assert(has_tx(db, b1cb));
    cr_assert_eq(db->ctr.blocks, 4);
    cr_assert_eq(db->ctr.txs, 5);
    /* genesis 50 + b1 50 (spent: 49.9998 to 0x33, 0.0002 fee) + b2 50 + b3 50 */
    cr_assert_eq(db->ctr.unspent_value, 5000000000ULL * 3 + 4999980000ULL);
    ct_db_close(db);

    db = ingest_regtest(d2, p2, &st);
    cr_assert_eq(st.reorgs, 0);
    ct_db_close(db);
    /* The same main chain: every table of the logical content is equal. */
    char x[65], y[65];
    cr_assert_eq(logical_digest(d1, x), CT_OK);
    cr_assert_eq(logical_digest(d2, y), CT_OK);
    cr_assert_str_eq(x, y);
    /* verify computes the same digest, and finds every invariant holding. */
    ct_graph_verify_report rep;
    char vhex[65];
    db = tu_db_open(d1, false);
    cr_assert_eq(ct_graph_verify(db, &rep, NULL), CT_OK);
    ct_db_close(db);
    ct_hex_encode(vhex, rep.digest, 32);
    cr_assert_str_eq(vhex, x);

    /* Idempotent: ingesting the file again changes nothing. */
    db = ingest_regtest(d1, p1, &st);
    cr_assert_eq(st.blocks_connected, 0);
    ct_db_close(db);
    cr_assert_eq(logical_digest(d1, y), CT_OK);
    cr_assert_str_eq(x, y);

    /* And rolling back by hand to the fork, then re-ingesting, comes back to b3. */
    db = tu_db_open(d1, false);
    cr_assert_eq(ct_db_rollback(db, 0, NULL), CT_OK);
    cr_assert_eq(db->tip.height, 0);
    cr_assert_eq(db->ctr.txs, 1);
    ct_db_close(db);
    db = ingest_regtest(d1, p1, &st);
    cr_assert_eq(db->tip.height, 3);
    cr_assert(memcmp(db->tip.hash, b3, 32) == 0);
    ct_db_close(db);
    cr_assert_eq(logical_digest(d1, y), CT_OK);
    cr_assert_str_eq(x, y);

    bb_free(&both);
    bb_free(&winner);
    bb_free(&tmp);
    tu_rmtree(d1);
    tu_rmtree(d2);
    tu_rmtree(files);
    free(d1);
    free(d2);
    free(files);
}

Test(ingest, orphans_wait_for_their_parent)
{
    /* genesis, then b2 and b3 before b1 (out of order as in Core's files). */
    bb_buf file, b1f, rest;
    uint8_t g[32], b1[32], b2[32], b3[32];
    bb_init(&file);
    bb_init(&b1f);
    bb_init(&rest);
    bb_regtest_genesis(&file, g);
    bb_height_block(&b1f, b1, NULL, g, 1, 1700000001, 0x44, NULL, 0, 0);
    bb_height_block(&rest, b2, NULL, b1, 2, 1700000601, 0x44, NULL, 0, 0);
    bb_height_block(&rest, b3, NULL, b2, 3, 1700001201, 0x44, NULL, 0, 0);
    bb_bytes(&file, rest.data, rest.len);
    bb_bytes(&file, b1f.data, b1f.len);
    char *d = tu_tmpdir(), *files = tu_tmpdir(), p[512];
    snprintf(p, sizeof(p), "%s/ooo.blk", files);
    cr_assert_eq(tu_write_file(p, file.data, file.len), 0);
    ct_ingest_stats st;
    ct_db *db = ingest_regtest(d, p, &st);
    cr_assert_eq(st.blocks_read, 4);
    cr_assert_eq(st.blocks_orphan, 0); /* both adopted in the end */
    cr_assert_eq(db->tip.height, 3);
    cr_assert(memcmp(db->tip.hash, b3, 32) == 0);
    cr_assert_eq(db->ctr.blocks, 4);
    ct_db_close(db);
    bb_free(&file);
    bb_free(&b1f);
    bb_free(&rest);
    tu_rmtree(d);
    tu_rmtree(files);
    free(d);
    free(files);
}

Test(ingest, starting_mid_chain_stores_unknown_prevouts)
{
    /* blk00001.dat holds heights 300-599; 4 of its 18 non-coinbase inputs spend outputs of
     * earlier blocks (tests/tools/count_unknown_prevouts.py counts them independently). */
    char *dir = tu_tmpdir(), *b = tu_fixture(NB1);
    ct_db *db = tu_db_open(dir, true);
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    ct_ingest_stats st;
    ct_error err;
    o.net = ct_btc_params_get("mainnet");
    o.start_height = 300;
    ct_error_clear(&err);
    cr_assert_eq(ct_ingest_bitcoin(db, &st, (const char *[]){b}, 1, &o, &err), CT_OK);
    cr_assert_eq(st.blocks_connected, 300);
    cr_assert_eq(db->tip.height, 599);
    cr_assert_eq(db->ctr.txs, 309);
    cr_assert_eq(db->ctr.inputs, 18);
    cr_assert_eq(db->ctr.unknown_prevouts, 4);
    /* Rolling back to the root height keeps the root; below it the chain is empty. */
    cr_assert_eq(ct_db_rollback(db, 300, NULL), CT_OK);
    cr_assert_eq(db->ctr.blocks, 1);
    ct_db_close(db);
    /* Without --start-height, the same file only waits for its parent. */
    char *dir2 = tu_tmpdir();
    db = tu_db_open(dir2, true);
    o.start_height = -1;
    cr_assert_eq(ct_ingest_bitcoin(db, &st, (const char *[]){b}, 1, &o, &err), CT_OK);
    cr_assert_eq(st.blocks_connected, 0);
    cr_assert_eq(st.blocks_orphan, 300);
    cr_assert(!db->has_tip);
    ct_db_close(db);
    tu_rmtree(dir);
    tu_rmtree(dir2);
    free(dir);
    free(dir2);
    free(b);
}

Test(ingest, bit_flip_in_the_database_is_reported_as_corruption)
{
    /* paranoid_checks and checksum verification: a flipped bit in LevelDB's log is found
     * at open, and the run stops with exit 4 instead of reading wrong totals. --no-settle:
     * settling would write the rows from the log into a table. */
    char *dir = tu_tmpdir(), *a = tu_fixture(NB0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", dir, "ingest", "bitcoin", "--quiet", "--no-settle", a, NULL},
            NULL);
    cr_assert_eq(r.status, 0);
    tu_run_free(&r);
    char log[600];
    snprintf(log, sizeof(log), "%s/000003.log", dir);
    size_t len;
    uint8_t *data = tu_read_file(log, &len);
    cr_assert_not_null(data, "LevelDB's first log file is expected at %s", log);
    cr_assert_gt(len, 100000);
    data[len / 2] ^= 0x01;
    cr_assert_eq(tu_write_file(log, data, len), 0);
    free(data);
    tu_exec(&r, (const char *[]){"--db", dir, "ingest", "bitcoin", a, NULL}, NULL);
    cr_assert_eq(r.status, 4, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, "database-corrupt: cannot open database '"), "%s", r.err);
    cr_assert(strstr(r.err, "Corruption: checksum mismatch"), "%s", r.err);
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
    free(a);
}

/* --start-height near the top of the 32-bit heights: 4294967000 + 300 blocks wrapped past
 * 2^32 to height 0 and `verify` failed on the database. Now the blocks up to 4294967294 (the
 * highest height stored) are connected, the next one stops the run (exit 3, named), and the
 * database verifies. */
Test(ingest, start_height_near_the_top_stops_at_the_highest_height)
{
    char *dir = tu_tmpdir(), *b = tu_fixture(NB1);
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", dir, "ingest", "bitcoin", "--quiet", "--start-height",
                             "4294967000", b, NULL},
            NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    /* the 296th block of blk00001.dat (height 595 on mainnet) */
    cr_assert(strstr(r.err, "height-limit: block "), "%s", r.err);
    cr_assert(strstr(r.err, " would be at height 4294967295, above 4294967294, the highest "
                            "height a database stores"),
              "%s", r.err);
    tu_run_free(&r);
    ct_db *db = tu_db_open(dir, false);
    cr_assert_eq(db->tip.height, 4294967294u);
    cr_assert_eq(db->ctr.blocks, 295);
    ct_db_close(db);
    tu_exec(&r, (const char *[]){"--db", dir, "verify", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
    free(b);
}
