#define _GNU_SOURCE /* putenv, truncate */
/* Storage faults of bad-inputs.md on a real database (the nbitcoin blk00000 and blk00001
 * files, heights 0..599, committed in groups of 20 transactions):
 *
 * S3, simulated power loss. A first ingest stops at height 299 (its state is synced); a
 * second run commits 300..599 in about 15 synchronous batches into a new LevelDB log. A
 * power loss keeps any prefix of what was written after the last sync, or garbage in the
 * sectors that were not synced: the log is cut at 13 places, its last file deleted, its tail
 * overwritten with random bytes or zeros, and the MANIFEST cut or garbled. Each copy must
 * then open either to a state whose content digest equals the control run's at the same
 * height (a commit boundary: never wrong totals) with `verify` passing, or to exit 4 with
 * LevelDB's "Corruption"; a rerun of the ingest from a recovered copy ends equal to the
 * control.
 *
 * S6, an fsync or write error. tests/faultshim.c (LD_PRELOAD) makes the N-th fsync or
 * write of the database fail once with EIO, for N spread over every such call of a run.
 * The run must stop with exit 5 naming the I/O error, make no further fsync or write on
 * the database after the failed one (it does not retry and carry on), leave a database
 * that opens at a commit boundary (verify passes, digest equal to the control's at that
 * height), and a rerun (of every other one) must end equal to the control.
 *
 * The control digest at height h is that of the complete control database rolled back to
 * h (rollback keeps the content digest of the shorter chain: test_ingest checks it against
 * a run that only saw the shorter chain; here it is checked once against the first run). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define NB0 "btc/blk_consecutive/nbitcoin/blk00000.dat"
#define NB1 "btc/blk_consecutive/nbitcoin/blk00001.dat"

/* ---- files ---- */

static char *path2(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Copies the regular files of src into dst (created; must not exist). */
static void copy_dir(const char *src, const char *dst)
{
    cr_assert_eq(mkdir(dst, 0755), 0, "mkdir %s: %s", dst, strerror(errno));
    DIR *d = opendir(src);
    cr_assert_not_null(d, "%s", src);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *s = path2(src, e->d_name), *t = path2(dst, e->d_name);
        size_t len;
        uint8_t *data = tu_read_file(s, &len);
        cr_assert_not_null(data, "%s", s);
        cr_assert_eq(tu_write_file(t, data, len), 0, "%s", t);
        free(data);
        free(s);
        free(t);
    }
    closedir(d);
}

/* The name of the file of dir that starts with `prefix` and ends with `suffix` and has
 * the highest number in it (LevelDB numbers its files), malloc'd. */
static char *newest(const char *dir, const char *prefix, const char *suffix)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    char *best = NULL;
    long best_n = -1;
    size_t pl = strlen(prefix), sl = strlen(suffix);
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < pl + sl || strncmp(e->d_name, prefix, pl) != 0 ||
            strcmp(e->d_name + n - sl, suffix) != 0)
            continue;
        long num = strtol(e->d_name + pl, NULL, 10);
        if (num > best_n) {
            best_n = num;
            free(best);
            best = path2(dir, e->d_name);
        }
    }
    closedir(d);
    cr_assert_not_null(best, "no %s*%s in %s", prefix, suffix, dir);
    return best;
}

static size_t file_size(const char *p)
{
    struct stat st;
    cr_assert_eq(stat(p, &st), 0, "%s", p);
    return (size_t)st.st_size;
}

/* Overwrites len bytes of file p at off with `fill` (-1: pseudo-random bytes). */
static void overwrite(const char *p, size_t off, size_t len, int fill, uint64_t seed)
{
    int fd = open(p, O_WRONLY);
    cr_assert(fd >= 0);
    uint8_t *b = malloc(len);
    for (size_t i = 0; i < len; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        b[i] = fill < 0 ? (uint8_t)(seed >> 56) : (uint8_t)fill;
    }
    cr_assert_eq(pwrite(fd, b, len, (off_t)off), (ssize_t)len);
    close(fd);
    free(b);
}

/* ---- the program ---- */

/* Exit status of `verify --format json` on db; the Bitcoin digest in digest[] when it ran,
 * its stderr in *err (malloc'd) when err is not NULL. */
static int verify_db(const char *db, char digest[65], char **err)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "verify", "--format", "json", NULL}, NULL);
    digest[0] = '\0';
    const char *d = strstr(r.out, "\"digest\":\"");
    if (d) {
        memcpy(digest, d + 10, 64);
        digest[64] = '\0';
    }
    if (err)
        *err = strdup(r.err);
    int status = r.status;
    tu_run_free(&r);
    return status;
}

/* The Bitcoin tip height of db (stats), -1 without blocks. */
static int64_t height_of(const char *db)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "stats", NULL}, NULL);
    cr_assert_eq(r.status, 0, "stats: %s", r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert_not_null(j, "%s", r.out);
    json_t *h = json_object_get(json_object_get(j, "bitcoin"), "height");
    int64_t v = json_is_integer(h) ? (int64_t)json_integer_value(h) : -1;
    json_decref(j);
    tu_run_free(&r);
    return v;
}

/* Runs `ingest bitcoin --quiet --group-txs 20 [--no-settle] NB0 NB1` on db with extra
 * environment entries; returns the exit status and stderr in *err (malloc'd). */
static int ingest_both(const char *db, bool settle, const char *const *env, char **err)
{
    char *a = tu_fixture(NB0), *b = tu_fixture(NB1);
    const char *args[] = {"--db",        db, "ingest", "bitcoin", "--quiet", "--group-txs", "20",
                          "--no-settle", a,  b,        NULL};
    if (settle) {
        args[7] = a;
        args[8] = b;
        args[9] = NULL;
    }
    tu_run r;
    tu_exec(&r, args, env);
    if (err)
        *err = strdup(r.err);
    int status = r.status;
    tu_run_free(&r);
    free(a);
    free(b);
    return status;
}

/* ---- the two databases every test starts from ---- */

typedef struct world {
    char *tmp;
    char *snap; /* after the first run: heights 0..299, settled (no log to recover) */
    char *full; /* after the second run (--no-settle: batches 300..599 in the newest log) */
    char digest[600][65]; /* control digest per height, filled on demand */
    int copies;
} world;

static void world_open(world *w)
{
    memset(w, 0, sizeof(*w));
    w->tmp = tu_tmpdir();
    char *db = path2(w->tmp, "db");
    w->snap = path2(w->tmp, "snap");
    w->full = path2(w->tmp, "full");
    char *a = tu_fixture(NB0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "ingest", "bitcoin", "--quiet", a, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    free(a);
    copy_dir(db, w->snap);
    char *err;
    cr_assert_eq(ingest_both(db, false, NULL, &err), 0, "%s", err);
    free(err);
    copy_dir(db, w->full);
    tu_rmtree(db);
    free(db);
}

static void check_controls(world *w);

/* Checks the digests gathered by expect_control, then removes everything. */
static void world_close(world *w)
{
    check_controls(w);
    tu_rmtree(w->tmp);
    free(w->tmp);
    free(w->snap);
    free(w->full);
}

/* A fresh copy of `from` (never opened by the program itself), malloc'd path. */
static char *copy_of(world *w, const char *from)
{
    char name[32];
    snprintf(name, sizeof name, "copy%d", w->copies++);
    char *p = path2(w->tmp, name);
    copy_dir(from, p);
    return p;
}

static void drop(char *p)
{
    tu_rmtree(p);
    free(p);
}

/* The control's digest at height h: the complete run rolled back to h. Rolling back costs
 * one synchronous batch per block, so the requests of a test are gathered (expect_control)
 * and answered at its end (check_controls) by one copy rolled back step by step, from the
 * highest height down. */
typedef struct pending {
    int64_t h;
    char digest[65];
    char what[112];
} pending;
static pending pend[256];
static size_t n_pend;

static void expect_control(int64_t h, const char *digest, const char *what)
{
    cr_assert(h >= 0 && h < 600, "%s: height %lld", what, (long long)h);
    cr_assert_lt(n_pend, 256);
    pend[n_pend].h = h;
    snprintf(pend[n_pend].digest, sizeof pend[n_pend].digest, "%s", digest);
    snprintf(pend[n_pend].what, sizeof pend[n_pend].what, "%s", what);
    n_pend++;
}

static int by_height_desc(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    return (x->h < y->h) - (x->h > y->h);
}

static void check_controls(world *w)
{
    qsort(pend, n_pend, sizeof(pend[0]), by_height_desc);
    char *c = copy_of(w, w->full);
    int64_t at = 599;
    for (size_t i = 0; i < n_pend; i++) {
        int64_t h = pend[i].h;
        if (!w->digest[h][0]) {
            if (h < at) {
                char to[24];
                snprintf(to, sizeof to, "%lld", (long long)h);
                tu_run r;
                tu_exec(&r, (const char *[]){"--db", c, "rollback", "--to", to, NULL}, NULL);
                cr_assert_eq(r.status, 0, "rollback: %s", r.err);
                tu_run_free(&r);
                at = h;
            }
            cr_assert_eq(verify_db(c, w->digest[h], NULL), 0);
            cr_assert_eq(height_of(c), h);
        }
        cr_assert_str_eq(pend[i].digest, w->digest[h],
                         "%s: height %lld, the digest differs from the control's", pend[i].what,
                         (long long)h);
    }
    n_pend = 0;
    drop(c);
}

/* The control's digest at the tip (599): the complete run, verified on a copy. */
static const char *control_tip(world *w)
{
    if (!w->digest[599][0]) {
        char *c = copy_of(w, w->full);
        cr_assert_eq(verify_db(c, w->digest[599], NULL), 0);
        drop(c);
    }
    return w->digest[599];
}

/* What a damaged copy may open to: the last synced state at some height >= 299, equal to
 * the control there (checked by check_controls), with every invariant holding; or exit 4 with
 * LevelDB's corruption message. Returns the height, or -1 for corruption. */
static int64_t synced_state_or_corruption(world *w, const char *db, const char *what)
{
    char digest[65], *err;
    int status = verify_db(db, digest, &err);
    if (status == 4) {
        cr_assert(strstr(err, "chaintrail: verify: cannot open database '") &&
                      strstr(err, "': Corruption: "),
                  "%s: exit 4 without LevelDB's corruption: %s", what, err);
        free(err);
        return -1;
    }
    cr_assert_eq(status, 0, "%s: verify exit %d: %s", what, status, err);
    free(err);
    int64_t h = height_of(db);
    cr_assert(h >= 299 && h <= 599, "%s: height %lld, below the synced 299", what, (long long)h);
    expect_control(h, digest, what);
    return h;
}

/* A rerun of the ingest on db ends equal to the control at 599. */
static void rerun_equals_control(world *w, const char *db, const char *what)
{
    char *err, digest[65];
    cr_assert_eq(ingest_both(db, true, NULL, &err), 0, "%s: rerun: %s", what, err);
    free(err);
    cr_assert_eq(verify_db(db, digest, NULL), 0);
    cr_assert_str_eq(digest, control_tip(w), "%s: rerun", what);
}

/* ---- S3 ---- */

Test(power_loss, the_method_control_at_299_is_the_first_run)
{
    world w;
    world_open(&w);
    char *s = copy_of(&w, w.snap), digest[65];
    cr_assert_eq(verify_db(s, digest, NULL), 0);
    expect_control(299, digest, "the first run");
    drop(s);
    world_close(&w);
}

Test(power_loss, log_cut_anywhere_opens_at_a_commit_boundary)
{
    world w;
    world_open(&w);
    char *log = newest(w.full, "", ".log");
    size_t len = file_size(log);
    cr_assert_gt(len, 100000);
    const char *name = strrchr(log, '/') + 1;
    int64_t prev = 299, distinct = 0;
    for (int k = 0; k <= 12; k++) {
        size_t cut = len * (size_t)k / 12;
        char what[96];
        snprintf(what, sizeof what, "%s cut at %zu of %zu bytes", name, cut, len);
        char *c = copy_of(&w, w.full), *l = path2(c, name);
        cr_assert_eq(truncate(l, (off_t)cut), 0);
        int64_t h = synced_state_or_corruption(&w, c, what);
        /* a cut never corrupts (LevelDB drops a torn last record), and a longer log never
         * gives a lower height */
        cr_assert_geq(h, prev, "%s: height %lld after %lld for a shorter cut", what, (long long)h,
                      (long long)prev);
        distinct += h != prev;
        prev = h;
        if (k == 0)
            cr_assert_eq(h, 299, "%s", what);
        if (k == 12)
            cr_assert_eq(h, 599, "%s", what);
        if (k == 4)
            rerun_equals_control(&w, c, what);
        free(l);
        drop(c);
    }
    cr_assert_geq(distinct, 8, "only %lld different heights", (long long)distinct);
    /* the whole new log lost (a file created after the last sync of the directory) */
    char *c = copy_of(&w, w.full), *l = path2(c, name);
    cr_assert_eq(unlink(l), 0);
    cr_assert_eq(synced_state_or_corruption(&w, c, "newest log deleted"), 299);
    rerun_equals_control(&w, c, "newest log deleted");
    free(l);
    drop(c);
    free(log);
    world_close(&w);
}

Test(power_loss, garbage_in_the_log_tail_is_corruption_or_a_commit_boundary)
{
    world w;
    world_open(&w);
    char *log = newest(w.full, "", ".log");
    size_t len = file_size(log);
    const char *name = strrchr(log, '/') + 1;
    int corrupt = 0;
    /* the last 512 bytes to 64 KiB of the log, random or zero */
    static const size_t tails[] = {512, 4096, 20000, 65536};
    for (size_t t = 0; t < 4; t++) {
        for (int zero = 0; zero < 2; zero++) {
            char what[96];
            snprintf(what, sizeof what, "last %zu bytes of %s %s", tails[t], name,
                     zero ? "zeroed" : "random");
            char *c = copy_of(&w, w.full), *l = path2(c, name);
            overwrite(l, len - tails[t], tails[t], zero ? 0 : -1, t * 2 + (unsigned)zero);
            int64_t h = synced_state_or_corruption(&w, c, what);
            corrupt += h < 0;
            free(l);
            drop(c);
        }
    }
    cr_assert_gt(corrupt, 0, "garbage was never reported as corruption");
    free(log);
    world_close(&w);
}

Test(power_loss, manifest_tail_cut_or_garbled_is_corruption_or_the_synced_state)
{
    world w;
    world_open(&w);
    char *m = newest(w.full, "MANIFEST-", "");
    size_t len = file_size(m);
    const char *name = strrchr(m, '/') + 1;
    int corrupt = 0;
    for (int k = 0; k < 5; k++) {
        char what[96];
        char *c = copy_of(&w, w.full), *p = path2(c, name);
        switch (k) {
        case 0: /* the last record cut short */
            snprintf(what, sizeof what, "%s cut by 20 bytes", name);
            cr_assert_eq(truncate(p, (off_t)(len - 20)), 0);
            break;
        case 1: /* the last 30 bytes garbled */
            snprintf(what, sizeof what, "last 30 bytes of %s random", name);
            overwrite(p, len - 30, 30, -1, 7);
            break;
        case 2: /* a torn record after the last one: random bytes, then zeros */
        case 3: {
            snprintf(what, sizeof what, "%s with 100 %s bytes appended", name,
                     k == 2 ? "random" : "zero");
            int fd = open(p, O_WRONLY | O_APPEND);
            uint8_t junk[100];
            for (int i = 0; i < 100; i++)
                junk[i] = k == 2 ? (uint8_t)(i * 97 + 13) : 0;
            cr_assert_eq(write(fd, junk, 100), 100);
            close(fd);
            break;
        }
        default: /* the header of the first record garbled */
            snprintf(what, sizeof what, "first bytes of %s random", name);
            overwrite(p, 0, 7, -1, 11);
            break;
        }
        int64_t h = synced_state_or_corruption(&w, c, what);
        corrupt += h < 0;
        /* what opens is the synced state: the MANIFEST names every table of it */
        if (h >= 0)
            cr_assert_eq(h, 599, "%s", what);
        free(p);
        drop(c);
    }
    cr_assert_geq(corrupt, 2, "only %d of 5 damaged MANIFESTs reported", corrupt);
    free(m);
    world_close(&w);
}

/* ---- S6 ---- */

/* Runs the second ingest from a copy of the synced first run with CT_FAULT=spec; returns
 * the exit status, stderr in *err, the database path in *db, and the shim's counts. */
static int faulty_run(world *w, const char *spec, char **db, char **err, long *calls, int *failed)
{
    *db = copy_of(w, w->snap);
    char *report = path2(w->tmp, "fault-report");
    unlink(report);
    char e_pre[600], e_fault[64], e_dir[600], e_rep[600], e_asan[600];
    snprintf(e_pre, sizeof e_pre, "LD_PRELOAD=%s", CT_FAULTSHIM);
    snprintf(e_fault, sizeof e_fault, "CT_FAULT=%s", spec);
    snprintf(e_dir, sizeof e_dir, "CT_FAULT_DIR=%s", *db);
    snprintf(e_rep, sizeof e_rep, "CT_FAULT_REPORT=%s", report);
    /* under AddressSanitizer the shim is loaded before its runtime */
    const char *asan = getenv("ASAN_OPTIONS");
    snprintf(e_asan, sizeof e_asan, "ASAN_OPTIONS=%s%sverify_asan_link_order=0", asan ? asan : "",
             asan && *asan ? ":" : "");
    const char *env[] = {e_pre, e_fault, e_dir, e_rep, e_asan, NULL};
    int status = ingest_both(*db, true, env, err);
    size_t n;
    char *text = (char *)tu_read_file(report, &n);
    cr_assert_not_null(text, "the fault shim wrote no report (not loaded?)");
    cr_assert_eq(sscanf(text, "%ld %d", calls, failed), 2);
    free(text);
    free(report);
    return status;
}

static void fault_sweep(const char *kind)
{
    world w;
    world_open(&w);
    /* a run without failure, to count the calls */
    char spec[32], *db, *err;
    long total;
    int failed;
    snprintf(spec, sizeof spec, "%s:0", kind);
    cr_assert_eq(faulty_run(&w, spec, &db, &err, &total, &failed), 0, "%s", err);
    cr_assert_eq(failed, 0);
    cr_assert_geq(total, 20, "only %ld %s calls in a run", total, kind);
    free(err);
    drop(db);
    /* the N-th call fails, for up to 10 values of N from the first to the last, closer
     * together at the start (where the commits are; the settling's compactions come last);
     * every other database is ingested again to the end */
    int64_t heights_seen = 0, prev = -1;
    long last_nth = 0;
    for (long i = 0; i < 10; i++) {
        long nth = 1 + (total - 1) * i * i * i / 729, calls;
        if (nth == last_nth)
            continue;
        last_nth = nth;
        snprintf(spec, sizeof spec, "%s:%ld", kind, nth);
        int status = faulty_run(&w, spec, &db, &err, &calls, &failed);
        cr_assert_eq(failed, 1, "%s: not injected", spec);
        cr_assert_eq(status, 5, "%s: exit %d: %s", spec, status, err);
        /* one line: "chaintrail: ingest: [PATH: |settling the database: ]io-error: " then
         * "cannot open database", "cannot write database" or "compaction failed in
         * database" (when it fails while settling), then LevelDB's "IO error: FILE:
         * Input/output error" */
        cr_assert_eq(tu_count_lines(err), 1, "%s: %s", spec, err);
        cr_assert(strncmp(err, "chaintrail: ingest: ", 20) == 0, "%s: %s", spec, err);
        cr_assert(
            strstr(err, "io-error: cannot open database '") ||
                strstr(err, "io-error: cannot write database '") ||
                strstr(err, "settling the database: io-error: compaction failed in database '"),
            "%s: %s", spec, err);
        cr_assert(strstr(err, "': IO error: ") && strstr(err, ": Input/output error\n"), "%s: %s",
                  spec, err);
        /* nothing after the failed call: no retry, no further commit */
        cr_assert_eq(calls, nth, "%s: %ld %s calls after the failed one", spec, calls - nth, kind);
        free(err);
        int64_t h = synced_state_or_corruption(&w, db, spec);
        cr_assert_geq(h, 0, "%s: corruption after an I/O error", spec);
        heights_seen += h != prev;
        prev = h;
        if (i % 2)
            rerun_equals_control(&w, db, spec);
        drop(db);
    }
    cr_assert_geq(heights_seen, 4, "the failures stopped the run at only %lld heights",
                  (long long)heights_seen);
    world_close(&w);
}

Test(io_error, a_failed_fsync_stops_the_run_for_good)
{
    fault_sweep("fsync");
}

Test(io_error, a_failed_write_stops_the_run_for_good)
{
    fault_sweep("write");
}
