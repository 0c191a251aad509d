/* A new user's footguns (issue 12, section 5), end to end through the built binary: a first
 * ingest of the wrong network leaves no database behind and says what to pass; commands
 * that only read never create a database; --db is taken anywhere; every command answers
 * --help with exit 0. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chaintrail/chaintrail.h"
#include "testutil.h"

#define BLK_4313  "btc/blk_consecutive/jeffchan/blk00000_first1MB.dat"
#define ADDR_12CB "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
#define TX181     "a16f3ce4dd5deb92d98ef5cf8afeaf0775ebca408f708b2146c4fb42b41e14be"

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Runs chaintrail with args, the database in $CHAINTRAIL_DB (NULL: none set). */
static void run_env(tu_run *r, const char *db, const char *const *args)
{
    char env[512];
    snprintf(env, sizeof(env), "CHAINTRAIL_DB=%s", db ? db : "");
    const char *envs[] = {env, NULL};
    tu_exec(r, args, envs);
}

/* prefix + a + suffix, malloc'd */
static char *cat3(const char *prefix, const char *a, const char *suffix)
{
    size_t n = strlen(prefix) + strlen(a) + strlen(suffix) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%s%s%s", prefix, a, suffix);
    return s;
}

/* ---- 5a: a first ingest that stores nothing leaves nothing ---- */
Test(footguns, wrong_network_first_ingest_leaves_no_database)
{
    char *db = tu_fresh_db();
    char *blk = tu_fixture(BLK_4313);
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "regtest", "--quiet",
                             blk, NULL},
            NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    char *want = malloc(strlen(blk) + strlen(db) + 512);
    sprintf(want,
            "chaintrail: ingest: %s: offset 0: network-mismatch: mainnet magic f9beb4d9 where a "
            "regtest record (fabfb5da) was expected\n"
            "chaintrail: ingest: these blocks are mainnet: run again with --network mainnet\n",
            blk);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    cr_assert(!exists(db), "the half-made database %s is left", db);
    /* without --quiet, the removal is said after the summary */
    tu_exec(&r,
            (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "regtest", blk, NULL},
            NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    sprintf(want,
            " rolled back in 0 reorgs; 0 transactions; 0.0 MB in 0.0 s\n"
            "chaintrail: ingest: nothing was stored: removed the database '%s' that this run "
            "created\n",
            db);
    cr_assert(strstr(r.err, want), "%s", r.err);
    tu_run_free(&r);
    cr_assert(!exists(db));

    /* The corrected command works at once. */
    tu_exec(&r, (const char *[]){"--db", db, "ingest", "bitcoin", "--quiet", blk, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "");
    tu_run_free(&r);

    /* Blocks of another network into a database that holds blocks: both named, and what
     * to pass. The database stays. */
    tu_exec(&r,
            (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "testnet", "--quiet",
                             blk, NULL},
            NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    sprintf(want,
            "chaintrail: ingest: network-mismatch: the database holds mainnet blocks; these "
            "blocks were read as testnet\n"
            "chaintrail: ingest: the database '%s' holds mainnet blocks and --network testnet "
            "was given (one network per database): pass --network mainnet for mainnet blocks, "
            "or another --db\n",
            db);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "stats", "--format", "text", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "network            mainnet\n"), "%s", r.out);
    tu_run_free(&r);
    free(want);
    free(blk);
    tu_fresh_db_done(db);
}

/* A database this run did not create is never removed, even when the run stored nothing;
 * and a database whose network was recorded by a run that stored no block (as older
 * versions left them) takes the network of the blocks that come. */
Test(footguns, existing_empty_database_is_kept_and_takes_the_network)
{
    char *db = tu_fresh_db();
    char *blk = tu_fixture(BLK_4313);
    ct_db *d = tu_db_open(db, true);
    ct_db_close(d);
    tu_db_poke(db, "mnetwork", 8, "regtest", 7); /* a half-made regtest database */
    tu_run r;
    tu_exec(&r,
            (const char *[]){"--db", db, "ingest", "bitcoin", "--network", "regtest", "--quiet",
                             blk, NULL},
            NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    cr_assert(strstr(r.err, "these blocks are mainnet: run again with --network mainnet\n"), "%s",
              r.err);
    cr_assert(!strstr(r.err, "removed"), "%s", r.err);
    tu_run_free(&r);
    cr_assert(exists(db));

    tu_exec(&r, (const char *[]){"--db", db, "ingest", "bitcoin", "--quiet", blk, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "");
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "stats", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"network\":\"mainnet\""), "%s", r.out);
    cr_assert(strstr(r.out, "\"height\":4312"), "%s", r.out);
    tu_run_free(&r);
    free(blk);
    tu_fresh_db_done(db);
}

/* ---- 5b: commands that do not load data never create a database ---- */
Test(footguns, read_only_commands_never_create_a_database)
{
    char *db = tu_fresh_db();
    char *msg = cat3("no database at '", db, "' (run 'chaintrail ingest' first, or pass --db)\n");
    static const char *const cmds[][8] = {
        {"show", "address", ADDR_12CB, NULL},
        {"show", "tx", TX181, NULL},
        {"show", "block", "0", NULL},
        {"stats", NULL},
        {"verify", NULL},
        {"trace", "--from", ADDR_12CB, NULL},
        {"report", NULL},
        {"rollback", "--to", "1", NULL},
        {"labels", "show", ADDR_12CB, NULL},
        {"labels", "stats", NULL},
        {"labels", "rm", "--source", "x", NULL},
        {"prices", "show", NULL},
        {"case", "add", "x", "--date", "2016-08-02", "--from", TX181, NULL},
        {"case", "list", NULL},
        {"case", "show", "x", NULL},
        {"case", "rm", "x", NULL},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        tu_run r;
        run_env(&r, db, cmds[i]);
        cr_assert_eq(r.status, 5, "%s: %d %s", cmds[i][0], r.status, r.err);
        cr_assert(strstr(r.err, msg), "%s %s: %s", cmds[i][0], cmds[i][1], r.err);
        cr_assert_str_eq(r.out, "");
        tu_run_free(&r);
        cr_assert(!exists(db), "'%s %s' created %s", cmds[i][0], cmds[i][1], db);
    }
    free(msg);
    tu_fresh_db_done(db);
}

/* ---- 5c: --db anywhere ---- */
Test(footguns, db_option_anywhere)
{
    char *db = tu_fresh_db();
    char *blk = tu_fixture(BLK_4313);
    char *eq = cat3("--db=", db, "");
    tu_run r, want;
    tu_exec(&r, (const char *[]){"ingest", "bitcoin", "--quiet", blk, "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&want, (const char *[]){"--db", db, "show", "address", ADDR_12CB, NULL}, NULL);
    cr_assert_eq(want.status, 0, "%s", want.err);
    static const int where[] = {0, 1, 2, 3};
    for (size_t w = 0; w < 4; w++) {
        /* show address ADDR with --db (or --db=) placed at every position after "show" */
        const char *base[] = {"show", "address", ADDR_12CB};
        const char *args[8];
        size_t n = 0;
        for (size_t i = 0; i <= 3; i++) {
            if ((size_t)where[w] + 1 == i || (where[w] == 3 && i == 3)) {
                if (w % 2) {
                    args[n++] = eq;
                } else {
                    args[n++] = "--db";
                    args[n++] = db;
                }
            }
            if (i < 3)
                args[n++] = base[i];
        }
        args[n] = NULL;
        run_env(&r, "/nonexistent/elsewhere", args);
        cr_assert_eq(r.status, 0, "placement %zu: %s", w, r.err);
        cr_assert_str_eq(r.out, want.out);
        tu_run_free(&r);
    }
    tu_run_free(&want);

    /* the last one counts; after "--" it is an argument; a missing path is a usage error */
    tu_exec(&r, (const char *[]){"--db", "/nonexistent/a", "stats", "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "stats", "--db=/nonexistent/b", NULL}, NULL);
    cr_assert_eq(r.status, 5);
    cr_assert_str_eq(r.err, "chaintrail: stats: no database at '/nonexistent/b' (run "
                            "'chaintrail ingest' first, or pass --db)\n");
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "show", "--", "--db", NULL}, NULL);
    cr_assert_eq(r.status, 8, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: labels: no labels for '--db'\n");
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"stats", "--db", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: option '--db' needs a path\n");
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"stats", "--db=", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: option '--db' needs a path\n");
    tu_run_free(&r);
    free(eq);
    free(blk);
    tu_fresh_db_done(db);
}

/* ---- 5d: every command of the table answers --help and -h with exit 0 ---- */
Test(footguns, every_command_answers_help)
{
    static const char *const cmds[] = {
        "decode", "ingest", "labels", "report",  "rollback", "prices", "case", "help",  "show",
        "stats",  "verify", "trace",  "version", "cluster",  "export", "scan", "alerts"};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        for (int h = 0; h < 2; h++) {
            tu_run r, help;
            tu_exec(&r, (const char *[]){cmds[i], h ? "-h" : "--help", NULL}, NULL);
            cr_assert_eq(r.status, 0, "%s %s: %d %s", cmds[i], h ? "-h" : "--help", r.status,
                         r.err);
            cr_assert_str_eq(r.err, "");
            cr_assert(strncmp(r.out, "usage: chaintrail", 17) == 0, "%s: %s", cmds[i], r.out);
            tu_exec(&help, (const char *[]){"help", cmds[i], NULL}, NULL);
            cr_assert_eq(help.status, 0);
            cr_assert_str_eq(r.out, help.out);
            tu_run_free(&help);
            tu_run_free(&r);
        }
    }
    /* every command of `chaintrail help`'s list is in cmds: the list is the table */
    tu_run r;
    tu_exec(&r, (const char *[]){"help", NULL}, NULL);
    cr_assert_eq(r.status, 0);
    size_t listed = 0;
    for (const char *p = strstr(r.out, "commands:\n"); p && (p = strstr(p, "\n  ")); p++) {
        char name[32];
        if (sscanf(p + 3, "%31s", name) != 1 || strncmp(name, "--", 2) == 0)
            break;
        bool known = false;
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
            known |= strcmp(cmds[i], name) == 0;
        cr_assert(known, "'%s' is in the command table but not tested", name);
        listed++;
    }
    cr_assert_eq(listed, sizeof(cmds) / sizeof(cmds[0]));
    tu_run_free(&r);
}

/* ---- 5e: withdrawing labels; rows of another chain ---- */
#define OFAC_XBT CT_SHARED_FIXTURES "/labels/ofac_0xB10C/sanctioned_addresses_XBT.txt"
#define OFAC_SRC "OFAC SDN (0xB10C list)"

static char *labels_digest(const char *db)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "labels", "stats", "--format", "json", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *d = strstr(r.out, "\"digest\":\"");
    cr_assert_not_null(d);
    char *out = strndup(d + 10, 64);
    tu_run_free(&r);
    return out;
}

/* The first `lines` lines of the real OFAC XBT list, as DIR/sanctioned_addresses_XBT.txt. */
static char *ofac_head(const char *dir, size_t lines)
{
    size_t len;
    char *text = (char *)tu_read_file(OFAC_XBT, &len);
    cr_assert_not_null(text);
    size_t n = 0, i = 0;
    for (; i < len && n < lines; i++)
        n += text[i] == '\n';
    char *path = cat3(dir, "/sanctioned_addresses_XBT.txt", "");
    cr_assert_eq(tu_write_file(path, text, i), 0);
    free(text);
    return path;
}

Test(footguns, ofac_list_with_a_tron_address_imports_with_exit_0)
{
    char *db = tu_fresh_db();
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", OFAC_XBT, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(
        r.err, "chaintrail: labels: " OFAC_XBT ":355: other-chain: "
               "'TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq' is an address of another chain, not BTC: "
               "skipped (byte 12384)\n"
               "chaintrail: labels: " OFAC_XBT ": ofac, source '" OFAC_SRC "': 435 labels read: "
               "434 added, 0 already present, 0 updated, 0 rejected, 1 skipped (another chain)\n");
    tu_run_free(&r);
    /* a mistyped Bitcoin address is still an error */
    char *dir = tu_tmpdir();
    char *bad = cat3(dir, "/sanctioned_addresses_XBT.txt", "");
    cr_assert_eq(tu_write_file(bad, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3T\n", 35), 0);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", "--quiet", bad, NULL}, NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    cr_assert(strstr(r.err, ":1: bad-checksum: "), "%s", r.err);
    tu_run_free(&r);
    free(bad);
    tu_rmtree(dir);
    free(dir);
    tu_fresh_db_done(db);
}

Test(footguns, labels_import_replace_withdraws_delistings)
{
    char *db = tu_fresh_db(), *fresh = tu_fresh_db();
    char *dir = tu_tmpdir();
    char *head = ofac_head(dir, 400); /* 399 Bitcoin addresses and the TRON one */
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", "--quiet", OFAC_XBT, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    /* one delisted address (line 420 of the list) keeps a label of another source */
    char *csv = cat3(dir, "/mine.csv", "");
    static const char rows[] = "address,label,category,source\n"
                               "bc1qtsl3ufenrv3zgrgm9z8xarcx22x8mfztuartyn,Watch,other,mine\n";
    cr_assert_eq(tu_write_file(csv, rows, sizeof(rows) - 1), 0);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", "--quiet", csv, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", "--replace", head, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *want = malloc(4096);
    snprintf(want, 4096,
             "chaintrail: labels: %s:355: other-chain: 'TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq' is an "
             "address of another chain, not BTC: skipped (byte 12384)\n"
             "chaintrail: labels: %s: ofac, source '" OFAC_SRC "': 400 labels read: 0 added, 399 "
             "already present, 0 updated, 0 rejected, 1 skipped (another chain), 35 removed (no "
             "longer listed)\n",
             head, head);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);

    /* exactly what a fresh import of the short list and the CSV gives, counters included */
    tu_exec(&r, (const char *[]){"--db", fresh, "labels", "import", "--quiet", head, csv, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    char *d1 = labels_digest(db), *d2 = labels_digest(fresh);
    cr_assert_str_eq(d1, d2);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "stats", NULL}, NULL);
    tu_run want_stats;
    tu_exec(&want_stats, (const char *[]){"--db", fresh, "labels", "stats", NULL}, NULL);
    cr_assert_str_eq(r.out, want_stats.out);
    cr_assert(strstr(r.out, "labels        400\naddresses     400\nsources       2\n"), "%s",
              r.out);
    tu_run_free(&want_stats);
    tu_run_free(&r);

    /* an empty list removes nothing: exit 3 and says why */
    char *empty = cat3(dir, "/e", "");
    cr_assert_eq(mkdir(empty, 0755), 0);
    char *ef = cat3(empty, "/sanctioned_addresses_XBT.txt", "");
    cr_assert_eq(tu_write_file(ef, "", 0), 0);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", "--replace", "--quiet", ef, NULL},
            NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    snprintf(want, 4096,
             "chaintrail: labels: --replace: '%s' gave no label, so none of source '" OFAC_SRC
             "' was removed (an empty list is taken for a failed download; 'chaintrail labels "
             "rm --source' removes a source on purpose)\n",
             ef);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    char *d3 = labels_digest(db);
    cr_assert_str_eq(d3, d1);

    /* labels rm --source: every label of that source, counted; a second time: exit 8 */
    tu_exec(&r, (const char *[]){"labels", "rm", "--source", OFAC_SRC, "--db", db, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: labels: source '" OFAC_SRC "': 399 labels removed\n");
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "stats", NULL}, NULL);
    cr_assert(strstr(r.out, "labels        1\naddresses     1\nsources       1\n"), "%s", r.out);
    cr_assert(strstr(r.out, "by category\n  other        1\nby source\n         1  mine\n"), "%s",
              r.out);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "rm", "--source", OFAC_SRC, NULL}, NULL);
    cr_assert_eq(r.status, 8, "%s", r.err);
    cr_assert_str_eq(r.err, "chaintrail: labels: source '" OFAC_SRC
                            "' has no label (see 'chaintrail labels stats')\n");
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "rm", NULL}, NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    tu_run_free(&r);
    free(d1);
    free(d2);
    free(d3);
    free(want);
    free(ef);
    free(empty);
    free(csv);
    free(head);
    tu_rmtree(dir);
    free(dir);
    tu_fresh_db_done(db);
    tu_fresh_db_done(fresh);
}

/* ---- 7: the tables users write after an ingest live above the graph's keys ---- */
#include "store/store.h"

/* Every row whose first byte is `from` moves to first byte `to` (and the counters rows). */
static void move_prefix(ct_store *st, uint8_t from, uint8_t to, size_t skip)
{
    ct_store_iter *it = ct_store_iter_new(st, NULL);
    ct_store_batch *b = ct_store_batch_new();
    for (ct_store_iter_seek(it, &from, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl == 0 || k[0] != from)
            break;
        const uint8_t *v = ct_store_iter_value(it, &vl);
        uint8_t nk[2048];
        cr_assert_lt(kl + 1, sizeof(nk));
        nk[0] = to;
        memcpy(nk + 1, k + 1 + skip, kl - 1 - skip);
        ct_store_batch_put(b, nk, kl - skip, v, vl);
        ct_store_batch_del(b, k, kl);
    }
    cr_assert_eq(ct_store_write(st, b, true, NULL), CT_OK);
    ct_store_batch_free(b);
    ct_store_iter_free(it);
}

static size_t rows_from(const char *dir, uint8_t first)
{
    ct_store *st;
    cr_assert_eq(ct_store_open(&st, dir, NULL, NULL), CT_OK);
    ct_store_iter *it = ct_store_iter_new(st, NULL);
    size_t n = 0;
    for (ct_store_iter_seek(it, &first, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl;
        if (ct_store_iter_key(it, &kl)[0] != first)
            break;
        n++;
    }
    ct_store_iter_free(it);
    ct_store_close(st);
    return n;
}

static void outputs(const char *db, char *out[4])
{
    static const char *const cmds[][6] = {
        {"labels", "stats", "--format", "json", NULL},
        {"prices", "show", "--format", "json", NULL},
        {"case", "list", NULL},
        {"labels", "show", ADDR_12CB, NULL},
    };
    for (size_t i = 0; i < 4; i++) {
        const char *args[8] = {"--db", db};
        for (size_t j = 0; cmds[i][j]; j++)
            args[2 + j] = cmds[i][j];
        tu_run r;
        tu_exec(&r, args, NULL);
        cr_assert_eq(r.status, 0, "%s: %s", cmds[i][0], r.err);
        out[i] = strdup(r.out);
        tu_run_free(&r);
    }
}

Test(keyspace, user_tables_above_the_graph_and_schema_2_migrates)
{
    char *db = tu_fresh_db();
    char *blk = tu_fixture(BLK_4313);
    char *dir = tu_tmpdir();
    char *csv = cat3(dir, "/l.csv", "");
    static const char rows[] = "address,label,category,source\n" ADDR_12CB ",Hal,other,test\n";
    cr_assert_eq(tu_write_file(csv, rows, sizeof(rows) - 1), 0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "ingest", "bitcoin", "--quiet", blk, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    const char *const steps[][10] = {
        {"labels", "import", "--quiet", OFAC_XBT, csv, NULL},
        {"prices", "import", CT_SHARED_FIXTURES "/prices/yahoo_BTC-USD_daily.csv", "--asset", "BTC",
         NULL},
        {"case", "add", "hal", "--date", "2009-01-12", "--from", ADDR_12CB, NULL},
    };
    for (size_t i = 0; i < 3; i++) {
        const char *args[14] = {"--db", db};
        for (size_t j = 0; steps[i][j]; j++)
            args[2 + j] = steps[i][j];
        tu_exec(&r, args, NULL);
        cr_assert_eq(r.status, 0, "%s: %s", steps[i][0], r.err);
        tu_run_free(&r);
    }
    /* no row under the letters of schema 2; the labels (435 rows: 434 OFAC, 1 CSV) at 0xf3 */
    static const uint8_t old[] = {'B', 'b', 'K', 'P'};
    for (size_t i = 0; i < sizeof(old); i++)
        cr_assert_eq(rows_from(db, old[i]), 0, "%c", old[i]);
    cr_assert_eq(rows_from(db, 0xf3), 435);
    cr_assert_eq(rows_from(db, 0xf4), 2);
    cr_assert_eq(rows_from(db, 0xf1), 1);
    cr_assert_eq(rows_from(db, 0xf0), 2);
    char *before[4];
    outputs(db, before);

    /* the same database as schema 2 laid it out */
    ct_store *st;
    cr_assert_eq(ct_store_open(&st, db, NULL, NULL), CT_OK);
    move_prefix(st, 0xf1, 'K', 0);
    move_prefix(st, 0xf2, 'P', 0);
    move_prefix(st, 0xf3, 'B', 0);
    move_prefix(st, 0xf4, 'b', 0);
    move_prefix(st, 0xf0, 'm', 0);
    ct_store_batch *b = ct_store_batch_new();
    ct_store_batch_put(b, (const uint8_t *)"mschema", 7, (const uint8_t *)"\0\0\0\2", 4);
    cr_assert_eq(ct_store_write(st, b, true, NULL), CT_OK);
    ct_store_batch_free(b);
    ct_store_close(st);
    cr_assert_eq(rows_from(db, 0xf3), 0);
    cr_assert_eq(rows_from(db, 'B'), 435);

    /* any command opens it, migrates it, and reads the same: digests included */
    char *after[4];
    outputs(db, after);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_str_eq(after[i], before[i]);
        free(after[i]);
        free(before[i]);
    }
    for (size_t i = 0; i < sizeof(old); i++)
        cr_assert_eq(rows_from(db, old[i]), 0, "%c", old[i]);
    cr_assert_eq(rows_from(db, 0xf3), 435);
    uint8_t v[8];
    cr_assert_eq(tu_db_peek(db, "mschema", 7, v, sizeof(v)), 4);
    cr_assert_eq(memcmp(v, "\0\0\0\3", 4), 0);
    cr_assert_eq(tu_db_peek(db, "mlabels", 7, v, sizeof(v)), -1);
    tu_exec(&r, (const char *[]){"--db", db, "verify", NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    free(csv);
    free(blk);
    tu_rmtree(dir);
    free(dir);
    tu_fresh_db_done(db);
}

/* ---- 4: labels import streams CSV and OFAC lists ---- */
#include <sys/resource.h>

/* Writes `rows` copies of one CSV row after the header; returns the file's size. */
static size_t write_repeated_csv(const char *path, size_t rows)
{
    static const char head[] = "address,label,category,source\n";
    static const char row[] = "0x00000000219ab540356cbb839cbe05303d7705fa,Beacon deposit "
                              "contract,defi,test\n";
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(head, f);
    for (size_t i = 0; i < rows; i++)
        fputs(row, f);
    cr_assert_eq(fclose(f), 0);
    return sizeof(head) - 1 + rows * (sizeof(row) - 1);
}

Test(stream, labels_import_memory_does_not_grow_with_the_file)
{
    char *db = tu_fresh_db();
    char *dir = tu_tmpdir();
    char *csv = cat3(dir, "/big.csv", "");
    size_t bytes = write_repeated_csv(csv, 800000); /* 63 MB, one distinct label */
    /* The control: the same import of a 10-row file into another database. The peak of a
     * child (getrusage RUSAGE_CHILDREN keeps the highest so far) is the program's own
     * footprint, which the sanitizers alone make about 25 MB. */
    char *small = cat3(dir, "/small.csv", "");
    write_repeated_csv(small, 10);
    char *db2 = tu_fresh_db();
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db2, "labels", "import", "--quiet", small, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    struct rusage ru0;
    cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru0), 0);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", csv, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *want = cat3("chaintrail: labels: ", csv,
                      ": csv, source 'big.csv': 800000 labels read: 1 added, 799999 already "
                      "present, 0 updated, 0 rejected\n");
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    struct rusage ru;
    cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
    /* the whole file was held before (about 7x its size at 10^6 distinct rows); now a
     * window of 1 MiB: the 63 MB file costs less than a quarter of its size more than the
     * 10-row one */
    cr_assert_lt((size_t)(ru.ru_maxrss - ru0.ru_maxrss) * 1024, bytes / 4,
                 "peak %ld KB for a file of %zu bytes, %ld KB for 10 rows", ru.ru_maxrss, bytes,
                 ru0.ru_maxrss);
    free(want);
    free(small);
    tu_fresh_db_done(db2);
    free(csv);
    tu_rmtree(dir);
    free(dir);
    tu_fresh_db_done(db);
}

/* Records that straddle the 1 MiB pieces are read whole; lines and byte offsets of what is
 * reported are the file's. */
Test(stream, records_across_pieces_keep_their_lines_and_offsets)
{
    char *db = tu_fresh_db();
    char *dir = tu_tmpdir();
    char *csv = cat3(dir, "/l.csv", "");
    FILE *f = fopen(csv, "wb");
    cr_assert_not_null(f);
    size_t off = (size_t)fprintf(f, "address,label,category,source\n");
    size_t line = 2, n = 0;
    /* distinct rows up to just before 1 MiB */
    while (off < (1u << 20) - 40) {
        off += (size_t)fprintf(f, "0x%040zx,Row %zu,other,s\n", n, n);
        n++;
        line++;
    }
    /* a quoted label with a line break, across the boundary */
    size_t q_line = line;
    off += (size_t)fprintf(f,
                           "0x%040zx,\"first part of the label\nsecond part, still the same "
                           "label\",exchange,s\n",
                           n);
    n++;
    line += 2;
    for (size_t i = 0; i < 20000; i++) {
        off += (size_t)fprintf(f, "0x%040zx,Row %zu,other,s\n", n, n);
        n++;
        line++;
    }
    size_t bad_line = line, bad_off = off;
    fprintf(f, "0x123,Short,other,s\n");
    cr_assert_eq(fclose(f), 0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", csv, NULL}, NULL);
    cr_assert_eq(r.status, 3, "%s", r.err);
    char want[1024];
    snprintf(want, sizeof(want),
             "chaintrail: labels: %s:%zu: bad-evm-address: '0x123' is not 0x followed by 40 hex "
             "digits (byte %zu)\n"
             "chaintrail: labels: %s: csv, source 'l.csv': %zu labels read: %zu added, 0 already "
             "present, 0 updated, 1 rejected (bad-evm-address 1)\n",
             csv, bad_line, bad_off, csv, n + 1, n);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    char addr[64];
    snprintf(addr, sizeof(addr), "0x%040zx", n - 20001);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "show", addr, "--format", "json", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"label\":\"first part of the label\\nsecond part, still the same "
                            "label\",\"category\":\"exchange\""),
              "%s (line %zu)", r.out, q_line);
    tu_run_free(&r);
    free(csv);
    tu_rmtree(dir);
    free(dir);
    tu_fresh_db_done(db);
}

/* The default source from a file name that is not 1 to 200 bytes of UTF-8 is derived and
 * said, not silently cut or rejected row by row. */
Test(stream, source_from_a_bad_file_name)
{
    char *db = tu_fresh_db();
    char *dir = tu_tmpdir();
    char name[256];
    memset(name, 'n', 246);
    memcpy(name + 246, "\xff.csv", 6); /* 251 bytes with a byte that is not UTF-8 */
    char *csv = cat3(dir, "/", name);
    static const char rows[] = "address,label,category\n" ADDR_12CB ",Hal,other\n";
    cr_assert_eq(tu_write_file(csv, rows, sizeof(rows) - 1), 0);
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", "--quiet", csv, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char src[201];
    memset(src, 'n', 200);
    src[200] = '\0';
    char *shown = cat3(dir, "/", "");
    char want[2048];
    snprintf(want, sizeof(want),
             /* the byte that is not UTF-8 is shown escaped (cli_print_text, X3/X4) */
             "chaintrail: labels: %s%.246s\\xff.csv: the file name is not a source name (1 to 200 "
             "bytes of UTF-8): its rows without a source got source '%s' (give --source to "
             "choose one)\n",
             shown, name, src);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "show", ADDR_12CB, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, src), "%s", r.out);
    tu_run_free(&r);
    /* a short non-UTF-8 name: the byte becomes '?' */
    char *csv2 = cat3(dir,
                      "/ab\xfe"
                      "c.csv",
                      "");
    cr_assert_eq(tu_write_file(csv2, rows, sizeof(rows) - 1), 0);
    tu_exec(&r, (const char *[]){"--db", db, "labels", "import", csv2, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "source 'ab?c.csv': 1 labels read: 1 added"), "%s", r.err);
    cr_assert(strstr(r.err, "got source 'ab?c.csv' (give --source to choose one)\n"), "%s", r.err);
    tu_run_free(&r);
    free(csv2);
    free(shown);
    free(csv);
    tu_rmtree(dir);
    free(dir);
    tu_fresh_db_done(db);
}
