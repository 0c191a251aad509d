#define _XOPEN_SOURCE 700
/* Ethereum ingest rules: bad inputs (bad-inputs.md E11-E14) rejected with their exact
 * error and nothing stored; a reorg at the tip ends equal to a database that only saw the
 * winner; kills at every write boundary and at random instants end, after a resume, equal
 * to an uninterrupted run; re-runs are no-ops; rollback --chain ethereum. The inputs are
 * the mainnet blocks 1755634-1755635 (ethereum-etl) and 15573637 (trin), edited in memory
 * where a case needs it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chaintrail/chaintrail.h"
#include "base/hash.h"
#include "store/store.h"
#include "eth_fixtures.h"
#include "testutil.h"

/* Paths made by a test, freed together at its end (keeps LeakSanitizer quiet). */
static char *owned[32];
static size_t n_owned;
static char *own(char *p)
{
    cr_assert_lt(n_owned, 32);
    owned[n_owned++] = p;
    return p;
}
static void free_owned(void)
{
    while (n_owned)
        free(owned[--n_owned]);
}

/* A copy of fixture `rel` in dir/name with every `from` replaced by `to` (must occur). */
static char *edited(const char *dir, const char *name, const char *rel, const char *from,
                    const char *to)
{
    size_t len;
    char *text = (char *)tu_read_fixture(rel, &len);
    size_t fl = from ? strlen(from) : 0, tl = to ? strlen(to) : 0;
    char *out = malloc(len * 2 + 64);
    size_t o = 0, hits = 0;
    for (size_t i = 0; i < len;) {
        if (fl && i + fl <= len && memcmp(text + i, from, fl) == 0) {
            memcpy(out + o, to, tl);
            o += tl;
            i += fl;
            hits++;
        } else {
            out[o++] = text[i++];
        }
    }
    cr_assert(!fl || hits > 0, "'%s' not in %s", from, rel);
    size_t pl = strlen(dir) + strlen(name) + 2;
    char *path = malloc(pl);
    snprintf(path, pl, "%s/%s", dir, name);
    cr_assert_eq(tu_write_file(path, out, o), 0);
    free(out);
    free(text);
    return path;
}

static void ingest_paths(tu_run *r, const char *db, const char *const *paths)
{
    const char *argv[24] = {"--db", db, "ingest", "ethereum", "--quiet", "--json"};
    size_t n = 6;
    for (size_t i = 0; paths[i]; i++)
        argv[n++] = paths[i];
    argv[n] = NULL;
    tu_exec(r, argv, NULL);
}

/* The ingest of block 1755635 (with 1755634 before it) where one file was edited: exit 3,
 * this exact message, and no Ethereum block stored at all. */
static void bad_case(const char *which, const char *from, const char *to, const char *want)
{
    char *tmp = tu_tmpdir(), *db = tu_fresh_db();
    char *p634 = own(tu_fixture(B634)), *pb = own(tu_fixture(B635)), *ra = own(tu_fixture(R635A)),
         *rb = own(tu_fixture(R635B));
    char *e = NULL;
    if (!strcmp(which, "block"))
        e = pb = own(edited(tmp, "block.json", B635, from, to));
    else if (!strcmp(which, "receipt"))
        e = ra = own(edited(tmp, "receipt.json", R635A, from, to));
    else if (!strcmp(which, "both")) {
        e = pb = own(edited(tmp, "block.json", B635, from, to));
        ra = own(edited(tmp, "receipt.json", R635A, from, to));
    }
    tu_run r;
    ingest_paths(&r, db, (const char *[]){p634, pb, ra, rb, NULL});
    cr_assert_eq(r.status, 3, "exit %d: %s", r.status, r.err);
    /* the message without the file name (it holds the temporary path) */
    const char *msg = strstr(r.err, ".json: ");
    cr_assert_not_null(msg, "%s", r.err);
    cr_assert(strncmp(msg + 7, want, strlen(want)) == 0, "got: %s\nwant: %s", msg + 7, want);
    tu_run_free(&r);
    /* block 1755634 went in (it is fine); 1755635 did not: nothing of it is stored */
    tu_exec(&r, (const char *[]){"--db", db, "stats", NULL}, NULL);
    cr_assert(strstr(r.out, "\"ethereum\":{\"chain_id\":1,\"height\":1755634,\"first_height\":"
                            "1755634,\"blocks\":1,\"txs\":0,"),
              "%s", r.out);
    tu_run_free(&r);
    (void)e;
    free_owned();
    tu_rmtree(tmp);
    free(tmp);
    tu_fresh_db_done(db);
}

#define BLK                                                                                        \
    "height 1755635: block 1dec87ec1ba8e65b7773bb6f62249468948a28a427efd3d896a2ff7d7c591a67: "

Test(eth_rules, e11_quantity_with_leading_zero)
{
    bad_case("block", "\"gas\": \"0x15f90\"", "\"gas\": \"0x015f90\"",
             BLK "tx 1: bad-quantity: transaction: 'gas' = \"0x015f90\": leading-zero");
}

Test(eth_rules, e11_quantity_without_0x)
{
    bad_case("block", "\"nonce\": \"0xea1\"", "\"nonce\": \"ea1\"",
             BLK "tx 1: bad-quantity: transaction: 'nonce' = \"ea1\": missing-0x");
}

Test(eth_rules, e11_number_instead_of_string)
{
    bad_case("block", "\"value\": \"0x5a178a89b930e00\"", "\"value\": 405593000000000000",
             BLK "tx 1: bad-quantity: transaction: 'value' is not a plain JSON string");
}

Test(eth_rules, e11_odd_length_data)
{
    bad_case("block", "\"to\": \"0xec1ebac9da3430213281c80fa6d46378341a96ae\"",
             "\"to\": \"0xec1ebac9da3430213281c80fa6d46378341a96a\"",
             BLK "tx 1: bad-data: transaction: 'to' has 39 hex digits, not 40");
}

Test(eth_rules, e11_above_256_bits)
{
    bad_case("block", "\"value\": \"0x5a178a89b930e00\"",
             "\"value\": \"0x1"
             "0000000000000000000000000000000000000000000000000000000000000000\"",
             BLK "tx 1: bad-quantity: transaction: 'value' = \"0x1000000000000000000000000000000"
                 "0000000000000000000000000000000000\": overflow");
}

/* E12: the JSON parser refuses the file before anything is ingested, naming the offset */
Test(eth_rules, e12_duplicate_key)
{
    char *tmp = tu_tmpdir(), *db = tu_fresh_db(), *p634 = own(tu_fixture(B634));
    char *pb = own(edited(tmp, "block.json", B635, "\"nonce\": \"0xea1\"",
                          "\"nonce\": \"0xea1\", \"nonce\": \"0xea1\""));
    tu_run r;
    ingest_paths(&r, db, (const char *[]){p634, pb, NULL});
    cr_assert_eq(r.status, 3, "%s", r.err);
    const char *msg = strstr(r.err, "block.json: ");
    cr_assert_not_null(msg, "%s", r.err);
    cr_assert_str_eq(msg, "block.json: offset 2945: json-duplicate-key: line 48, column 35: "
                          "duplicate key \"nonce\"\n");
    tu_run_free(&r);
    /* nothing was ingested: the database the run created is gone again */
    tu_exec(&r, (const char *[]){"--db", db, "stats", NULL}, NULL);
    cr_assert_eq(r.status, 5, "%s", r.err);
    cr_assert(strstr(r.err, "no database at"), "%s", r.err);
    tu_run_free(&r);
    free_owned();
    tu_rmtree(tmp);
    free(tmp);
    tu_fresh_db_done(db);
}

Test(eth_rules, e13_from_is_not_the_recovered_sender)
{
    bad_case("block", "0x3763e6e1228bfeab94191c856412d1bb0a8e6996",
             "0x3763e6e1228bfeab94191c856412d1bb0a8e6997",
             BLK "tx 1: mismatch: the node's from 0x3763e6E1228BfEAB94191c856412d1bb0a8e6997 is "
                 "not the recovered sender 0x3763e6E1228bFeaB94191C856412d1Bb0A8e6996");
}

Test(eth_rules, e13_hash_is_not_keccak_of_the_transaction)
{
    /* the hash changed in the block and in its receipt alike: only recomputation sees it */
    bad_case("both", "0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d",
             "0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074e",
             BLK "tx 0: mismatch: the node's hash differs from keccak of the transaction "
                 "(0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d)");
}

Test(eth_rules, e13_receipt_of_another_block)
{
    bad_case(
        "receipt",
        "\"blockHash\": \"0x1dec87ec1ba8e65b7773bb6f62249468948a28a427efd3d896a2ff7d7c591a67\"",
        "\"blockHash\": \"0x1dec87ec1ba8e65b7773bb6f62249468948a28a427efd3d896a2ff7d7c591a68\"",
        BLK "missing-receipts: block 1755635 has 2 transactions but no receipts (fees, "
            "status and token transfers need them)");
}

Test(eth_rules, e14_missing_nonce)
{
    bad_case("block", "\"nonce\": \"0xea1\",", "",
             BLK "tx 1: missing-field: transaction has no 'nonce'");
}

Test(eth_rules, e14_missing_signature_s)
{
    bad_case("block",
             "\"s\": \"0x5f17d3dd1010dd6fd13a1300e9a4fca00d900670cdaeabbeec75a904506b404e\",", "",
             BLK "tx 1: missing-field: transaction has no 's'");
}

/* ---- digests of the whole store (tu_db_raw_digest) ---- */

static void verify_ok(const char *db)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", db, "verify", NULL}, NULL);
    cr_assert_eq(r.status, 0, "verify: %s%s", r.out, r.err);
    tu_run_free(&r);
}

/* A competing block 1755635': block 1755635 with no transactions, so with the empty trie
 * as its transactionsRoot, and the hash of that header (Keccak-256 of its 15 fields; the
 * ingest recomputes it and would refuse any other). */
#define HASH635  "0x1dec87ec1ba8e65b7773bb6f62249468948a28a427efd3d896a2ff7d7c591a67"
#define HASH635X "0x1f3619695deae3486f3995b374ebc78f78578f91554473810a9f27439faf0bdb"
#define TXROOT635                                                                                  \
    "\"transactionsRoot\": \"0x36854e7b5bedd028c7b2a89829f6269a76e345edc92c6bffaddfdace512a2818\""
#define TXROOT_EMPTY                                                                               \
    "\"transactionsRoot\": \"0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421\""

static char *competitor(const char *tmp)
{
    size_t len;
    char *text = (char *)tu_read_fixture(B635, &len);
    char *a = strstr(text, "\"transactions\": [");
    char *b = strstr(text, "\"transactionsRoot\"");
    cr_assert(a && b && a < b);
    char *out = malloc(len + 64);
    size_t o = 0;
    memcpy(out, text, (size_t)(a - text));
    o = (size_t)(a - text);
    o += (size_t)sprintf(out + o, "\"transactions\": [],\n        ");
    memcpy(out + o, b, len - (size_t)(b - text));
    o += len - (size_t)(b - text);
    out[o] = 0;
    char *h = strstr(out, "\"hash\": \"" HASH635 "\"");
    cr_assert_not_null(h);
    memcpy(h + 9, HASH635X, strlen(HASH635X));
    char *root = strstr(out, TXROOT635);
    cr_assert_not_null(root);
    memcpy(root, TXROOT_EMPTY, strlen(TXROOT_EMPTY));
    size_t pl = strlen(tmp) + 32;
    char *path = malloc(pl);
    snprintf(path, pl, "%s/b635x.json", tmp);
    cr_assert_eq(tu_write_file(path, out, o), 0);
    free(out);
    free(text);
    return path;
}

Test(eth_rules, reorg_at_the_tip_equals_only_the_winner)
{
    char *tmp = tu_tmpdir(), *db = tu_fresh_db(), *control = tu_fresh_db();
    char *p634 = own(tu_fixture(B634)), *p635 = own(tu_fixture(B635)), *ra = own(tu_fixture(R635A)),
         *rb = own(tu_fixture(R635B)), *x = own(competitor(tmp));
    tu_run r;
    /* the database sees 1755634 and 1755635 ... */
    ingest_paths(&r, db, (const char *[]){p634, p635, ra, rb, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    /* ... then a source whose block at 1755635 is the competitor */
    const char *argv[] = {"--db", db, "ingest", "ethereum", "--json", p634, x, NULL};
    tu_exec(&r, argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "ethereum height 1755635; 1 blocks connected, 0 already stored, 1 "
                            "rolled back in 1 reorgs"),
              "%s", r.err);
    tu_run_free(&r);
    ingest_paths(&r, control, (const char *[]){p634, x, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    char a[65], b[65];
    tu_db_raw_digest(db, a);
    tu_db_raw_digest(control, b);
    cr_assert_str_eq(a, b, "the reorged database differs from one that saw only the winner");
    verify_ok(db);
    /* the rolled-back transactions are gone */
    tu_exec(&r,
            (const char *[]){"--db", db, "show", "tx",
                             "0x9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb",
                             NULL},
            NULL);
    cr_assert_eq(r.status, 8, "%s", r.err);
    tu_run_free(&r);
    /* and the original comes back the same way */
    ingest_paths(&r, db, (const char *[]){p634, p635, ra, rb, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    char *fresh = tu_fresh_db();
    ingest_paths(&r, fresh, (const char *[]){p634, p635, ra, rb, NULL});
    tu_run_free(&r);
    tu_db_raw_digest(db, a);
    tu_db_raw_digest(fresh, b);
    cr_assert_str_eq(a, b);
    free_owned();
    tu_rmtree(tmp);
    free(tmp);
    tu_fresh_db_done(db);
    tu_fresh_db_done(control);
    tu_fresh_db_done(fresh);
}

Test(eth_rules, rerun_is_a_noop_and_rollback_restores)
{
    char *db = tu_fresh_db(), *only634 = tu_fresh_db();
    char *p634 = own(tu_fixture(B634)), *p635 = own(tu_fixture(B635)), *ra = own(tu_fixture(R635A)),
         *rb = own(tu_fixture(R635B));
    tu_run r;
    ingest_paths(&r, db, (const char *[]){p634, p635, ra, rb, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    char a[65], b[65];
    tu_db_raw_digest(db, a);
    ingest_paths(&r, db, (const char *[]){p634, p635, ra, rb, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_db_raw_digest(db, b);
    cr_assert_str_eq(a, b, "a second run changed the database");
    /* --from below the tip: the known blocks are skipped */
    tu_exec(&r,
            (const char *[]){"--db", db, "ingest", "ethereum", "--json", "--from", "1755634", p634,
                             p635, ra, rb, NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "0 blocks connected, 2 already stored"), "%s", r.err);
    tu_run_free(&r);
    tu_exec(
        &r,
        (const char *[]){"--db", db, "rollback", "--chain", "ethereum", "--to", "1755634", NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    ingest_paths(&r, only634, (const char *[]){p634, NULL});
    tu_run_free(&r);
    tu_db_raw_digest(db, a);
    tu_db_raw_digest(only634, b);
    cr_assert_str_eq(a, b, "rollback did not restore the state after block 1755634");
    /* rollback above the tip: exit 2? no: a bad height is CT_EINVAL, a usage error */
    tu_exec(
        &r,
        (const char *[]){"--db", db, "rollback", "--chain", "ethereum", "--to", "1755640", NULL},
        NULL);
    cr_assert_neq(r.status, 0);
    cr_assert(strstr(r.err, "above-tip: height 1755640 is above the Ethereum tip 1755634"), "%s",
              r.err);
    tu_run_free(&r);
    free_owned();
    tu_fresh_db_done(db);
    tu_fresh_db_done(only634);
}

/* ---- kills ---- */

static int run_ingest_env(const char *db, const char *const *paths, const char *env,
                          long kill_after_us)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        const char *argv[16] = {CT_BIN, "--db", db, "ingest", "ethereum", "--quiet", "--json"};
        size_t n = 7;
        for (size_t i = 0; paths[i]; i++)
            argv[n++] = paths[i];
        argv[n] = NULL;
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 2);
        if (env)
            putenv((char *)env);
        execv(CT_BIN, (char *const *)argv);
        _exit(127);
    }
    if (kill_after_us > 0) {
        struct timespec ts = {kill_after_us / 1000000, (kill_after_us % 1000000) * 1000};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(eth_rules, kill_at_every_write_boundary_then_resume_equals_control)
{
    char *control = tu_fresh_db();
    char *p634 = own(tu_fixture(B634)), *p635 = own(tu_fixture(B635)), *ra = own(tu_fixture(R635A)),
         *rb = own(tu_fixture(R635B));
    const char *paths[] = {p634, p635, ra, rb, NULL};
    cr_assert_eq(run_ingest_env(control, paths, NULL, 0), 0);
    char want[65], got[65];
    tu_db_raw_digest(control, want);
    unsigned kills = 0;
    for (unsigned k = 1; k <= 4; k++)
        for (int after = 0; after < 2; after++) {
            char *db = tu_fresh_db();
            char env[64];
            snprintf(env, sizeof(env), "CHAINTRAIL_TEST_KILL=%s:%u", after ? "after" : "before", k);
            int st = run_ingest_env(db, paths, env, 0);
            if (st == 128 + SIGKILL)
                kills++;
            else
                cr_assert_eq(st, 0, "kill %s: exit %d", env, st);
            cr_assert_eq(run_ingest_env(db, paths, NULL, 0), 0);
            tu_db_raw_digest(db, got);
            cr_assert_str_eq(got, want, "%s: the resumed database differs from the control", env);
            verify_ok(db);
            tu_fresh_db_done(db);
        }
    /* three writes (the new database's schema row, then one per block): before/after 1..3
     * kill, 4 is past the end */
    cr_assert_eq(kills, 6);
    free_owned();
    tu_fresh_db_done(control);
}

Test(eth_rules, kill_at_random_instants_then_resume_equals_control)
{
    char *control = tu_fresh_db(), *db = tu_fresh_db();
    char *pb = own(tu_fixture(TRIN "eth_getBlockByNumber_15573637_batch.json")),
         *pr = own(tu_fixture(TRIN "eth_getBlockReceipts_15573637.json"));
    const char *paths[] = {pb, pr, NULL};
    cr_assert_eq(run_ingest_env(control, paths, NULL, 0), 0);
    char want[65], got[65];
    tu_db_raw_digest(control, want);
    unsigned kills = 0, seed = 4242;
    for (int round = 0; round < 10; round++) {
        seed = seed * 1103515245u + 12345u;
        long us = 1000 + (long)((seed >> 8) % 60000);
        int st = run_ingest_env(db, paths, NULL, us);
        if (st == 128 + SIGKILL)
            kills++;
        else
            cr_assert_eq(st, 0, "round %d: exit %d", round, st);
    }
    cr_assert_gt(kills, 0);
    cr_assert_eq(run_ingest_env(db, paths, NULL, 0), 0);
    tu_db_raw_digest(db, got);
    cr_assert_str_eq(got, want);
    verify_ok(db);
    free_owned();
    tu_fresh_db_done(control);
    tu_fresh_db_done(db);
}

/* Internal transfers through the whole ingest: block 1755635 with a callTracer result
 * written here for its two transactions (the fixtures hold no block that has both receipts
 * and traces): under tx 0's top-level call, a CALL of 16 wei to 0xaa..aa, then a reverted
 * CALL of 32 wei to 0xbb..bb whose own sub-call moves 5 wei to 0xcc..cc. Only the first is
 * an internal transfer; the reverted subtree leaves no trace in the database. */
Test(eth_rules, internal_transfers_and_reverted_subtrees)
{
    char *tmp = tu_tmpdir(), *db = tu_fresh_db();
    char *p634 = own(tu_fixture(B634)), *p635 = own(tu_fixture(B635)), *ra = own(tu_fixture(R635A)),
         *rb = own(tu_fixture(R635B));
    const char *trace =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":["
        "{\"result\":{\"type\":\"CALL\",\"from\":\"0xed059bc543141c8c93031d545079b3da0233b27f\","
        "\"to\":\"0x8b3b3b624c3c0397d3da8fd861512393d51dcbac\",\"value\":\"0x0\",\"calls\":["
        "{\"type\":\"CALL\",\"from\":\"0x8b3b3b624c3c0397d3da8fd861512393d51dcbac\","
        "\"to\":\"0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"value\":\"0x10\"},"
        "{\"type\":\"CALL\",\"from\":\"0x8b3b3b624c3c0397d3da8fd861512393d51dcbac\","
        "\"to\":\"0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"value\":\"0x20\","
        "\"error\":\"execution reverted\",\"calls\":["
        "{\"type\":\"CALL\",\"from\":\"0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\","
        "\"to\":\"0xcccccccccccccccccccccccccccccccccccccccc\",\"value\":\"0x5\"}]}]}},"
        "{\"result\":{\"type\":\"CALL\",\"from\":\"0x3763e6e1228bfeab94191c856412d1bb0a8e6996\","
        "\"to\":\"0xec1ebac9da3430213281c80fa6d46378341a96ae\",\"value\":\"0x5a178a89b930e00\"}}"
        "]}";
    size_t pl = strlen(tmp) + 16;
    char *tp = own(malloc(pl));
    snprintf(tp, pl, "%s/trace.json", tmp);
    cr_assert_eq(tu_write_file(tp, trace, strlen(trace)), 0);
    tu_run r;
    ingest_paths(&r, db, (const char *[]){p634, p635, ra, rb, tp, NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"--db", db, "stats", NULL}, NULL);
    cr_assert(strstr(r.out, "\"transfers\":2,\"native_transfers\":1,\"internal_transfers\":1,"),
              "%s", r.out);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db, "show", "address",
                             "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "--txs", NULL},
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\"kind\":\"internal\",\"asset\":0,\"symbol\":\"ETH\",\"from\":"
                            "\"0x8B3B3b624c3c0397D3da8Fd861512393d51DCbac\",\"to\":"
                            "\"0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa\",\"amount\":\"16\""),
              "%s", r.out);
    /* position 0 of tx 0 is its own transfer only when it moves value: here it moves none,
     * so the internal transfer is the first event of the transaction */
    cr_assert(strstr(r.out, "\"height\":1755635,\"tx_index\":0,\"pos\":0,"), "%s", r.out);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db, "show", "address",
                             "0xcccccccccccccccccccccccccccccccccccccccc", NULL},
            NULL);
    cr_assert_eq(r.status, 8, "%s", r.err);
    tu_run_free(&r);
    tu_exec(&r,
            (const char *[]){"--db", db, "show", "address",
                             "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", NULL},
            NULL);
    cr_assert_eq(r.status, 8, "%s", r.err);
    tu_run_free(&r);
    verify_ok(db);
    free_owned();
    tu_rmtree(tmp);
    free(tmp);
    tu_fresh_db_done(db);
}

/* E13 on a block's receipts (eth_getBlockReceipts of 19433902): a receipt that is not the
 * transaction's at its position, and a transactionIndex that disagrees. */
static void receipts_case(const char *from, const char *to, const char *want)
{
    char *tmp = tu_tmpdir(), *db = tu_fresh_db();
    char *pb = own(tu_fixture(TRIN "eth_getBlockByNumber_19433902_full.json"));
    char *pr =
        own(edited(tmp, "receipts.json", TRIN "eth_getBlockReceipts_19433902.json", from, to));
    tu_run r;
    ingest_paths(&r, db, (const char *[]){pb, pr, NULL});
    cr_assert_eq(r.status, 3, "%s", r.err);
    const char *msg = strstr(r.err, "receipts.json: ");
    cr_assert_not_null(msg, "%s", r.err);
    cr_assert_str_eq(msg + 15, want);
    tu_run_free(&r);
    free_owned();
    tu_rmtree(tmp);
    free(tmp);
    tu_fresh_db_done(db);
}

#define BLK19                                                                                      \
    "height 19433902: block 8ec7bd37afa247fde16aa96317c77055b7a633aa8dc9ae27d0d5c776b58fef04: "

Test(eth_rules, e13_receipt_of_another_transaction)
{
    receipts_case("0x8d6b84b11ace6e48c95ae7a229d9d467ead6f122a14fd86aa18c5b8c7665bea7",
                  "0x8d6b84b11ace6e48c95ae7a229d9d467ead6f122a14fd86aa18c5b8c7665bea8",
                  BLK19 "tx 0: mismatch: receipts[0] is for another transaction than "
                        "transactions[0]\n");
}

Test(eth_rules, e13_receipt_transaction_index)
{
    /* the first receipt says it is transaction 5 */
    receipts_case("\"transactionHash\":"
                  "\"0x8d6b84b11ace6e48c95ae7a229d9d467ead6f122a14fd86aa18c5b8c7665bea7\","
                  "\"transactionIndex\":\"0x0\"",
                  "\"transactionHash\":"
                  "\"0x8d6b84b11ace6e48c95ae7a229d9d467ead6f122a14fd86aa18c5b8c7665bea7\","
                  "\"transactionIndex\":\"0x5\"",
                  BLK19 "tx 0: mismatch: receipt transactionIndex 5 for tx 0\n");
}

/* The stats of every ingest entry are defined even when it fails before its first block:
 * the caller's bytes (0xaa here) are replaced by zeros and height -1. */
Test(eth_rules, stats_are_zeroed_when_the_source_cannot_open)
{
    char *db_dir = tu_fresh_db();
    struct ct_db *db = tu_db_open(db_dir, true);
    ct_eth_ingest_stats st;
    ct_error err;
    const char *missing[] = {"/nonexistent/chaintrail/block.json"};
    ct_eth_ingest_options o = CT_ETH_INGEST_OPTIONS_INIT;

    memset(&st, 0xaa, sizeof(st));
    cr_assert_neq(ct_eth_ingest_json(db, &st, missing, 1, &o, &err), CT_OK);
    cr_assert(st.blocks == 0 && st.blocks_known == 0 && st.txs == 0 && st.logs == 0 &&
              st.events == 0 && st.disconnected == 0 && st.reorgs == 0 && !st.interrupted);
    cr_assert_eq(st.height, -1);

    memset(&st, 0xaa, sizeof(st));
    cr_assert_eq(ct_eth_ingest_etl(db, &st, "/nonexistent/chaintrail", &o, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "untrusted-senders");
    cr_assert(st.blocks == 0 && st.txs == 0 && st.height == -1 && !st.interrupted);
    ct_db_close(db);
    tu_fresh_db_done(db_dir);
}
