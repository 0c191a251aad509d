/* The store's compaction state and settling (engine/store/store.c, ct_store_settle): on a real
 * LevelDB database written until a compaction is due, settling leaves every compaction
 * score below 1, the computed state agrees with LevelDB's own properties, and a later
 * open and close compacts nothing (the table files stay the same). The CLI's --no-settle
 * and the summary line are checked on a real block file. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"
#include "testutil.h"
#include "base/util.h"

#define ROW_BYTES 1000u

/* Deterministic, incompressible bytes (xorshift64*), so snappy keeps the sizes. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static ct_store *open_small(const char *dir, bool create)
{
    ct_store *s;
    ct_store_options o = CT_STORE_OPTIONS_INIT;
    o.write_buffer = 1u << 20; /* 1 MiB memtables: many level-0 tables, many compactions */
    o.create = create;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_store_open(&s, dir, &o, &err), CT_OK, "%s", err.detail);
    return s;
}

/* Writes rows of ROW_BYTES under random keys ('r' + 8 bytes), 1,000 per batch, until at
 * least min_rows are written and LevelDB has a compaction due (checked after each batch),
 * at most max_rows. Returns the number of rows written. */
static unsigned write_until_due(ct_store *s, unsigned min_rows, unsigned max_rows, bool *due)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint8_t key[9], val[ROW_BYTES];
    unsigned n = 0;
    ct_store_batch *b = ct_store_batch_new();
    ct_error err;
    cr_assert(b);
    *due = false;
    key[0] = 'r';
    while (n < max_rows && (n < min_rows || !*due)) {
        for (unsigned i = 0; i < 1000; i++, n++) {
            ct_put_be64(key + 1, next_rand(&seed));
            for (unsigned j = 0; j < ROW_BYTES; j += 8) {
                uint64_t r = next_rand(&seed);
                memcpy(val + j, &r, ROW_BYTES - j < 8 ? ROW_BYTES - j : 8);
            }
            ct_store_batch_put(b, key, sizeof(key), val, sizeof(val));
        }
        cr_assert_eq(ct_store_write(s, b, false, &err), CT_OK, "%s", err.detail);
        ct_store_batch_clear(b);
        ct_store_levels lv;
        cr_assert_eq(ct_store_levels_get(s, &lv, &err), CT_OK, "%s", err.detail);
        if (lv.score_max >= 1)
            *due = true;
    }
    ct_store_batch_free(b);
    return n;
}

/* The table files of a database directory as "NAME SIZE\n" lines, sorted by name. */
static char *table_files(const char *dir, unsigned *count)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    cr_assert_geq(n, 0);
    ct_buf out;
    ct_buf_init(&out, 1u << 20);
    *count = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        size_t l = strlen(nm);
        if (l > 4 && strcmp(nm + l - 4, ".ldb") == 0) {
            char path[4096];
            struct stat st;
            snprintf(path, sizeof(path), "%s/%s", dir, nm);
            cr_assert_eq(stat(path, &st), 0);
            cr_assert_eq(ct_buf_printf(&out, "%s %lld\n", nm, (long long)st.st_size), CT_OK);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    char *s = strdup(out.data ? (const char *)out.data : "");
    ct_buf_release(&out);
    return s;
}

static int stop_at_once(void *ctx, const ct_store_settle_info *info)
{
    (*(unsigned *)ctx)++;
    return 1;
}

static int count_calls(void *ctx, const ct_store_settle_info *info)
{
    (*(unsigned *)ctx)++;
    return 0;
}

/* LevelDB's own view ("leveldb.num-files-at-levelN", and the "leveldb.stats" table: level,
 * files, size in whole MB) must match the state computed from its table list. */
static void check_against_properties(ct_store *s, const ct_store_levels *lv)
{
    ct_buf v;
    ct_error err;
    ct_buf_init(&v, 1u << 20);
    unsigned total = 0;
    for (int l = 0; l < CT_STORE_LEVELS; l++) {
        char name[64];
        snprintf(name, sizeof(name), "leveldb.num-files-at-level%d", l);
        cr_assert_eq(ct_store_property(s, name, &v, &err), CT_OK);
        cr_assert_eq(strtoul((const char *)v.data, NULL, 10), lv->files[l], "level %d", l);
        total += lv->files[l];
    }
    cr_assert_eq(ct_store_property(s, "leveldb.no-such-property", &v, &err), CT_ENOTFOUND);
    cr_assert_eq(ct_store_property(s, "leveldb.stats", &v, &err), CT_OK);
    /* three header lines, then "%3d %8d %8.0f %9.0f %8.0f %9.0f" per level with files */
    const char *p = (const char *)v.data;
    for (int i = 0; i < 3; i++) {
        p = strchr(p, '\n');
        cr_assert(p, "%s", (const char *)v.data);
        p++;
    }
    unsigned rows = 0, seen = 0;
    while (*p) {
        int level, files;
        double mb;
        cr_assert_eq(sscanf(p, "%d %d %lf", &level, &files, &mb), 3, "%s", p);
        cr_assert(level >= 0 && level < CT_STORE_LEVELS);
        cr_assert_eq((unsigned)files, lv->files[level], "level %d", level);
        char want[32], got[32];
        snprintf(want, sizeof(want), "%.0f", (double)lv->bytes[level] / 1048576.0);
        snprintf(got, sizeof(got), "%.0f", mb);
        cr_assert_str_eq(got, want, "level %d: %llu bytes", level,
                         (unsigned long long)lv->bytes[level]);
        seen += (unsigned)files;
        rows++;
        p = strchr(p, '\n');
        cr_assert(p);
        p++;
    }
    cr_assert_gt(rows, 0);
    cr_assert_eq(seen, total);
    ct_buf_release(&v);
}

Test(store, settle_leaves_no_compaction_due_and_a_reopen_compacts_nothing)
{
    char *dir = tu_fresh_db();
    ct_store *s = open_small(dir, true);
    ct_error err;
    bool due;
    /* 30 MB at least, until a compaction is due: with 1 MiB memtables and random keys,
     * level 0 reaches 4 tables over and over, and level 1 passes its 10 MiB. */
    unsigned rows = write_until_due(s, 30000, 60000, &due);
    cr_assert(due, "no compaction was ever due after %u rows", rows);

    /* A progress callback that says stop: settling returns at once, nothing flushed. */
    ct_store_settle_info info;
    unsigned calls = 0;
    cr_assert_eq(ct_store_settle(s, 0, CT_STORE_COMPACT_NEVER, stop_at_once, &calls, &info, &err),
                 CT_OK, "%s", err.detail);
    cr_assert_eq(info.outcome, CT_STORE_SETTLE_STOPPED);
    cr_assert_eq(calls, 1);
    cr_assert_not(info.flushed);
    cr_assert_lt(info.seconds, 1.0);

    calls = 0;
    cr_assert_eq(ct_store_settle(s, 60, CT_STORE_COMPACT_NEVER, count_calls, &calls, &info, &err),
                 CT_OK, "%s", err.detail);
    cr_assert_eq(info.outcome, CT_STORE_SETTLED, "level %d score %.2f after %.1f s",
                 info.levels.level, info.levels.score_max, info.seconds);
    cr_assert(info.flushed);
    cr_assert_geq(calls, 1);
    cr_log_info("%u rows; settled in %.2f s, %u compactions seen; files %u %u %u %u %u %u %u", rows,
                info.seconds, info.compactions, info.levels.files[0], info.levels.files[1],
                info.levels.files[2], info.levels.files[3], info.levels.files[4],
                info.levels.files[5], info.levels.files[6]);

    ct_store_levels lv;
    cr_assert_eq(ct_store_levels_get(s, &lv, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(lv.ident, info.levels.ident);
    uint64_t total = 0;
    unsigned nfiles = 0;
    for (int l = 0; l < CT_STORE_LEVELS; l++) {
        double want = l == 0                     ? lv.files[0] / 4.0
                      : l == CT_STORE_LEVELS - 1 ? 0
                                                 : (double)lv.bytes[l] / (10.0 * 1048576.0);
        for (int k = 2; k <= l && l < CT_STORE_LEVELS - 1; k++)
            want /= 10;
        cr_assert_float_eq(lv.score[l], want, 1e-12, "level %d", l);
        cr_assert_lt(lv.score[l], 1.0, "level %d: %u files, %llu bytes", l, lv.files[l],
                     (unsigned long long)lv.bytes[l]);
        total += lv.bytes[l];
        nfiles += lv.files[l];
    }
    /* rows of 1,000 random bytes: the tables hold at least that much */
    cr_assert_geq(total, (uint64_t)rows * ROW_BYTES);
    cr_assert_lt(total, (uint64_t)rows * (ROW_BYTES + 200));
    check_against_properties(s, &lv);

    /* Every row is there. */
    ct_store_iter *it = ct_store_iter_new(s, NULL);
    unsigned seen = 0;
    for (ct_store_iter_seek(it, (const uint8_t *)"r", 1); ct_store_iter_valid(it);
         ct_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        ct_store_iter_value(it, &vl);
        if (k[0] != 'r')
            break;
        cr_assert_eq(vl, ROW_BYTES);
        seen++;
    }
    cr_assert_eq(ct_store_iter_status(it, &err), CT_OK);
    ct_store_iter_free(it);
    cr_assert_eq(seen, rows); /* 64-bit random keys: no collision among these */
    ct_store_close(s);

    /* Reopen and close: LevelDB finds no compaction due and no log to turn into a table. */
    unsigned before_n, after_n;
    char *before = table_files(dir, &before_n);
    cr_assert_eq(before_n, nfiles, "%s", before);
    s = open_small(dir, false);
    cr_assert_eq(ct_store_levels_get(s, &lv, &err), CT_OK);
    cr_assert_lt(lv.score_max, 1.0);
    ct_store_close(s);
    char *after = table_files(dir, &after_n);
    cr_assert_str_eq(after, before);

    /* Settling a settled database finds nothing to wait for. */
    s = open_small(dir, false);
    cr_assert_eq(ct_store_settle(s, 0, CT_STORE_COMPACT_NEVER, NULL, NULL, &info, &err), CT_OK);
    cr_assert_eq(info.outcome, CT_STORE_SETTLED);
    cr_assert_eq(info.compactions, 0);
    ct_store_close(s);
    free(after);
    after = table_files(dir, &after_n);
    cr_assert_str_eq(after, before);

    free(before);
    free(after);
    tu_fresh_db_done(dir);
}

static int stop_after_one_piece(void *ctx, const ct_store_settle_info *info)
{
    return info->pieces_done >= 1;
}

/* The whole-range compaction: every table ends in one level, in key pieces of at most
 * about 64 MiB; a stop is honoured between pieces; the rows stay. */
Test(store, settle_compacts_the_whole_range_into_one_level)
{
    char *dir = tu_fresh_db();
    ct_store *s = open_small(dir, true);
    ct_error err;
    bool due;
    /* 80 MB: two pieces of at most 64 MiB */
    unsigned rows = write_until_due(s, 80000, 80000, &due);
    cr_assert_eq(rows, 80000);

    ct_store_settle_info info;
    /* AUTO: this handle wrote every byte of the tables, so it compacts; stop after one. */
    cr_assert_eq(
        ct_store_settle(s, 0, CT_STORE_COMPACT_AUTO, stop_after_one_piece, NULL, &info, &err),
        CT_OK, "%s", err.detail);
    cr_assert_eq(info.outcome, CT_STORE_SETTLE_STOPPED);
    cr_assert(info.flushed);
    cr_assert(info.compacting);
    cr_assert_eq(info.pieces_done, 1);
    cr_assert_geq(info.pieces, 2, "%u pieces", info.pieces);
    cr_assert_geq(info.bytes_written, (uint64_t)rows * (ROW_BYTES + 9));

    cr_assert_eq(ct_store_settle(s, 60, CT_STORE_COMPACT_ALWAYS, NULL, NULL, &info, &err), CT_OK,
                 "%s", err.detail);
    cr_assert_eq(info.outcome, CT_STORE_SETTLED);
    cr_assert(info.compacting);
    cr_assert_eq(info.pieces_done, info.pieces);
    cr_log_info("%u rows; settled in %.2f s, compacted in %u pieces (%.2f s)", rows, info.seconds,
                info.pieces, info.compact_seconds);
    ct_store_levels lv;
    cr_assert_eq(ct_store_levels_get(s, &lv, &err), CT_OK, "%s", err.detail);
    int used = 0;
    uint64_t total = 0;
    for (int l = 0; l < CT_STORE_LEVELS; l++) {
        if (lv.files[l])
            used++;
        total += lv.bytes[l];
    }
    cr_assert_eq(used, 1, "tables in %d levels: %u %u %u %u", used, lv.files[0], lv.files[1],
                 lv.files[2], lv.files[3]);
    cr_assert_eq(lv.files[0], 0);
    cr_assert_lt(lv.score_max, 1.0);
    /* 64 MiB pieces of ~100 MB of incompressible rows */
    cr_assert_geq(info.pieces, (unsigned)(total / (64u << 20)));
    check_against_properties(s, &lv);
    ct_store_close(s);

    unsigned before_n, after_n;
    char *before = table_files(dir, &before_n);
    s = open_small(dir, false);
    ct_store_iter *it = ct_store_iter_new(s, NULL);
    unsigned seen = 0;
    for (ct_store_iter_seek(it, (const uint8_t *)"r", 1); ct_store_iter_valid(it);
         ct_store_iter_next(it)) {
        size_t kl;
        if (ct_store_iter_key(it, &kl)[0] != 'r')
            break;
        seen++;
    }
    cr_assert_eq(ct_store_iter_status(it, &err), CT_OK);
    ct_store_iter_free(it);
    cr_assert_eq(seen, rows);
    ct_store_close(s);
    char *after = table_files(dir, &after_n);
    cr_assert_str_eq(after, before);
    free(before);
    free(after);
    tu_fresh_db_done(dir);
}

/* The table list as LevelDB 1.23 writes it (keys escaped, so one table per line), and
 * what is refused. */
Test(store, levels_parse)
{
    const char *text = "--- level 0 ---\n"
                       " 17:123['a' @ 5 : 1 .. 'd\\x00' @ 9 : 1]\n"
                       " 20:43['e' @ 1 : 1 .. 'g' @ 2 : 0]\n"
                       " 21:7['e:9[' @ 1 : 1 .. 'g' @ 2 : 0]\n"
                       " 22:1['a' @ 1 : 1 .. 'z' @ 2 : 1]\n"
                       "--- level 1 ---\n"
                       " 30:10485760['a' @ 1 : 1 .. 'b' @ 2 : 1]\n"
                       "--- level 2 ---\n"
                       " 31:52428800['a' @ 1 : 1 .. 'b' @ 2 : 1]\n"
                       "--- level 3 ---\n"
                       "--- level 4 ---\n"
                       "--- level 5 ---\n"
                       " 40:5242880000['a' @ 1 : 1 .. 'b' @ 2 : 1]\n"
                       "--- level 6 ---\n"
                       " 41:99999999999['a' @ 1 : 1 .. 'b' @ 2 : 1]\n";
    ct_store_levels lv, lv2;
    ct_error err;
    ct_error_clear(&err);
    cr_assert_eq(ct_store_levels_parse(text, &lv, &err), CT_OK, "%s", err.detail);
    cr_assert_eq(lv.files[0], 4);
    cr_assert_eq(lv.bytes[0], 174);
    cr_assert_eq(lv.files[1], 1);
    cr_assert_eq(lv.bytes[1], 10485760);
    cr_assert_eq(lv.bytes[2], 52428800);
    cr_assert_eq(lv.files[3], 0);
    cr_assert_eq(lv.bytes[5], 5242880000ull);
    cr_assert_eq(lv.bytes[6], 99999999999ull);
    cr_assert_float_eq(lv.score[0], 1.0, 1e-12);  /* 4 tables / 4 */
    cr_assert_float_eq(lv.score[1], 1.0, 1e-12);  /* 10 MiB / 10 MiB */
    cr_assert_float_eq(lv.score[2], 0.5, 1e-12);  /* 50 MiB / 100 MiB */
    cr_assert_float_eq(lv.score[5], 0.05, 1e-12); /* 5,000 MiB / 100,000 MiB */
    cr_assert_float_eq(lv.score[6], 0.0, 1e-12);  /* the last level is not scored */
    cr_assert_eq(lv.level, 0);                    /* ties: the lower level, as LevelDB */
    cr_assert_float_eq(lv.score_max, 1.0, 1e-12);
    /* another table number: another ident */
    char *other = strdup(text);
    strstr(other, " 30:")[2] = '2'; /* table 30 of level 1 becomes table 32 */
    cr_assert_eq(ct_store_levels_parse(other, &lv2, &err), CT_OK, "%s", err.detail);
    cr_assert_neq(lv2.ident, lv.ident);
    cr_assert_eq(lv2.bytes[1], lv.bytes[1]);
    free(other);

    static const struct {
        const char *text, *detail;
    } bad[] = {
        {"", "LevelDB's table list has 0 levels, expected 7"},
        {"--- level 0 ---\n--- level 2 ---\n",
         "unexpected line in LevelDB's table list (level header): '--- level 2 ---'"},
        {"--- level 0 ---\n 17123['a' .. 'b']\n",
         "unexpected line in LevelDB's table list (file number): ' 17123['a' .. 'b']'"},
        {"--- level 0 ---\n 17:12x3['a' .. 'b']\n",
         "unexpected line in LevelDB's table list (file size): ' 17:12x3['a' .. 'b']'"},
        {"--- level 0 ---\nfiles[ 1 0 ]\n",
         "unexpected line in LevelDB's table list (neither a level nor a table): 'files[ 1 0 ]'"},
        {" 17:1['a' .. 'b']\n",
         "unexpected line in LevelDB's table list (neither a level nor a table): ' 17:1['a' .. "
         "'b']'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ct_error_clear(&err);
        cr_assert_eq(ct_store_levels_parse(bad[i].text, &lv, &err), CT_EIO, "case %zu", i);
        cr_assert_str_eq(err.detail, bad[i].detail, "case %zu", i);
        cr_assert_str_eq(err.reason, "leveldb-property");
    }
}

/* ---- the CLI ---- */

#define NB0 "btc/blk_consecutive/nbitcoin/blk00000.dat"

Test(store, ingest_settles_unless_no_settle)
{
    char *a = tu_fixture(NB0);
    char *d1 = tu_fresh_db(), *d2 = tu_fresh_db();
    tu_run r;

    tu_exec(&r, (const char *[]){"--db", d1, "ingest", "bitcoin", a, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, " s; database settled in "), "%s", r.err);
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"--db", d2, "ingest", "bitcoin", "--no-settle", a, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, " s; not settled (--no-settle)\n"), "%s", r.err);
    cr_assert_null(strstr(r.err, "settled in"), "%s", r.err);
    tu_run_free(&r);

    /* A run that stores nothing has nothing to settle: no word about it. */
    tu_exec(&r, (const char *[]){"--db", d1, "ingest", "bitcoin", a, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, " 0 connected, "), "%s", r.err);
    cr_assert_null(strstr(r.err, "settl"), "%s", r.err);
    tu_run_free(&r);

    /* The same rows either way. */
    char g1[65], g2[65];
    tu_db_raw_digest(d1, g1);
    tu_db_raw_digest(d2, g2);
    cr_assert_str_eq(g1, g2);

    tu_exec(&r, (const char *[]){"help", "ingest", NULL}, NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "[--start-height H] [--no-settle] [--no-clusters]\n"), "%s", r.out);
    cr_assert(strstr(r.out, "[--chain-id N] [--no-settle] [--quiet]"), "%s", r.out);
    cr_assert(strstr(r.out, "  --no-settle    do not wait for LevelDB's pending compactions"), "%s",
              r.out);
    tu_run_free(&r);

    /* A flag takes no value. */
    tu_exec(&r, (const char *[]){"--db", d2, "ingest", "bitcoin", "--no-settle=yes", a, NULL},
            NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    tu_run_free(&r);

    tu_fresh_db_done(d1);
    tu_fresh_db_done(d2);
    free(a);
}

Test(store, ingest_ethereum_settles_unless_no_settle)
{
    char *b = tu_fixture("eth/trin/eth_getBlockByNumber_19433902_full.json");
    char *rc = tu_fixture("eth/trin/eth_getBlockReceipts_19433902.json");
    char *d1 = tu_fresh_db(), *d2 = tu_fresh_db();
    tu_run r;
    tu_exec(&r, (const char *[]){"--db", d1, "ingest", "ethereum", "--json", b, rc, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "308 logs in "), "%s", r.err);
    cr_assert(strstr(r.err, " s; database settled in "), "%s", r.err);
    tu_run_free(&r);
    tu_exec(
        &r,
        (const char *[]){"--db", d2, "ingest", "ethereum", "--no-settle", "--json", b, rc, NULL},
        NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, " s; not settled (--no-settle)\n"), "%s", r.err);
    tu_run_free(&r);
    char g1[65], g2[65];
    tu_db_raw_digest(d1, g1);
    tu_db_raw_digest(d2, g2);
    cr_assert_str_eq(g1, g2);
    tu_fresh_db_done(d1);
    tu_fresh_db_done(d2);
    free(b);
    free(rc);
}
