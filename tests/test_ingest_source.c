/* Tests of chain switches whose blocks are read back from their source blk files
 * (docs/storage.md, "r" and "Best chain"): main-chain blocks keep no raw copy in the
 * database, a switch back to them reads them from the file (with xor.dat undone), and a
 * source that is gone, shorter or rewritten stops the switch with "block-data-missing"
 * naming the block, the file and the offset, the database left as it was. Regtest blocks
 * made with blockbuild, in a blocks/ directory as Bitcoin Core writes it. */
#define _DEFAULT_SOURCE 1 /* realpath */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chaintrail/chaintrail.h"
#include "db/db_internal.h"
#include "db/schema.h"
#include "store/store.h"
#include "blockbuild.h"
#include "testutil.h"

/* bb_height_block, and the offset of the block bytes in the file (after magic and size). */
static void add_block(bb_buf *file, uint8_t hash[32], uint8_t cb_txid[32], uint64_t *data_offset,
                      const uint8_t prev[32], uint32_t height, uint32_t time, uint8_t owner,
                      const uint8_t spend[32], uint64_t spend_value, uint8_t to)
{
    if (data_offset)
        *data_offset = file->len + 8;
    bb_height_block(file, hash, cb_txid, prev, height, time, owner, spend, spend_value, to);
}

/* The chains of every test:
 *   blk00000.dat  genesis a1 a2         (a2 spends a1's coinbase to owner 0x22)
 *   blk00001.dat  b1 b2 b3              (b3 spends b1's coinbase to owner 0x33): B wins
 *   blk00002.dat  a3 a4                 (A grows past B: A wins again)
 * and the control, one file holding genesis a1 a2 a3 a4 only. */
typedef struct chains {
    bb_buf f0, f1, f2, control;
    uint8_t g[32], a1[32], a2[32], a3[32], a4[32], b1[32], b2[32], b3[32];
    uint8_t a1cb[32], b1cb[32];
    uint64_t a1_off, a2_off; /* offsets of their bytes in blk00000.dat */
    size_t a1_len, a2_len;
} chains;

static void chains_make(chains *c)
{
    bb_init(&c->f0);
    bb_init(&c->f1);
    bb_init(&c->f2);
    bb_init(&c->control);
    bb_regtest_genesis(&c->f0, c->g);
    add_block(&c->f0, c->a1, c->a1cb, &c->a1_off, c->g, 1, 1700000000, 0x11, NULL, 0, 0);
    add_block(&c->f0, c->a2, NULL, &c->a2_off, c->a1, 2, 1700000600, 0x11, c->a1cb, 4999990000ULL,
              0x22);
    c->a1_len = (size_t)(c->a2_off - 8 - c->a1_off);
    c->a2_len = (size_t)(c->f0.len - c->a2_off);
    add_block(&c->f1, c->b1, c->b1cb, NULL, c->g, 1, 1700000001, 0x44, NULL, 0, 0);
    add_block(&c->f1, c->b2, NULL, NULL, c->b1, 2, 1700000601, 0x44, NULL, 0, 0);
    add_block(&c->f1, c->b3, NULL, NULL, c->b2, 3, 1700001201, 0x44, c->b1cb, 4999980000ULL, 0x33);
    add_block(&c->f2, c->a3, NULL, NULL, c->a2, 3, 1700001200, 0x11, NULL, 0, 0);
    add_block(&c->f2, c->a4, NULL, NULL, c->a3, 4, 1700001800, 0x11, NULL, 0, 0);
    bb_bytes(&c->control, c->f0.data, c->f0.len);
    bb_bytes(&c->control, c->f2.data, c->f2.len);
}

static void chains_free(chains *c)
{
    bb_free(&c->f0);
    bb_free(&c->f1);
    bb_free(&c->f2);
    bb_free(&c->control);
}

/* Writes `len` bytes to dir/name, obfuscated with `key` as Bitcoin Core 28+ does (byte i of
 * the file XOR key[i % 8]) when key is not NULL. */
static void write_blk(const char *dir, const char *name, const uint8_t *data, size_t len,
                      const uint8_t *key)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    uint8_t *x = malloc(len ? len : 1);
    cr_assert(x);
    for (size_t i = 0; i < len; i++)
        x[i] = key ? (uint8_t)(data[i] ^ key[i & 7]) : data[i];
    cr_assert_eq(tu_write_file(p, x, len), 0);
    free(x);
}

static int ingest_dir(const char *db_dir, const char *blocks, ct_ingest_stats *st, ct_error *err)
{
    ct_db *db = tu_db_open(db_dir, true);
    ct_ingest_options o = CT_INGEST_OPTIONS_INIT;
    o.net = ct_btc_params_get("regtest");
    ct_error_clear(err);
    int rc = ct_ingest_bitcoin(db, st, (const char *[]){blocks}, 1, &o, err);
    ct_db_close(db);
    return rc;
}

/* Number of rows of table `t` in the database at dir. */
static size_t count_rows(const char *dir, uint8_t t)
{
    ct_store *st;
    ct_store_options so = CT_STORE_OPTIONS_INIT;
    cr_assert_eq(ct_store_open(&st, dir, &so, NULL), CT_OK);
    ct_store_iter *it = ct_store_iter_new(st, NULL);
    size_t n = 0;
    for (ct_store_iter_seek(it, &t, 1); ct_store_iter_valid(it); ct_store_iter_next(it)) {
        size_t kl;
        const uint8_t *k = ct_store_iter_key(it, &kl);
        if (kl < 1 || k[0] != t)
            break;
        n++;
    }
    cr_assert_eq(ct_store_iter_status(it, NULL), CT_OK);
    ct_store_iter_free(it);
    ct_store_close(st);
    return n;
}

/* The header row of block `hash`. */
static ct_row_header header_of(const char *dir, const uint8_t hash[32])
{
    uint8_t k[33], v[CT_ROW_HEADER_SIZE + 1];
    ct_row_header h;
    long n = tu_db_peek(dir, k, ct_key_hash(k, CT_T_HEADER, hash), v, sizeof(v));
    cr_assert_eq(n, CT_ROW_HEADER_SIZE);
    cr_assert_eq(ct_row_header_decode(&h, v, (size_t)n, NULL), CT_OK);
    return h;
}

/* verify's content digest (and every invariant holding). */
static void digest_of(const char *dir, uint8_t out[32])
{
    ct_graph_verify_report rep;
    ct_db *db = tu_db_open(dir, false);
    cr_assert_eq(ct_graph_verify(db, &rep, NULL), CT_OK);
    cr_assert_eq(rep.violations, 0);
    memcpy(out, rep.digest, 32);
    ct_db_close(db);
}

static void tip_is(const char *dir, uint32_t height, const uint8_t hash[32])
{
    ct_db *db = tu_db_open(dir, false);
    cr_assert(db->has_tip);
    cr_assert_eq(db->tip.height, height);
    cr_assert(memcmp(db->tip.hash, hash, 32) == 0);
    ct_db_close(db);
}

/* A database that only ever saw the control file (genesis a1 a2 a3 a4). */
static void control_digest(const chains *c, const uint8_t *key, uint8_t out[32])
{
    char *db = tu_tmpdir(), *blocks = tu_tmpdir();
    write_blk(blocks, "blk00000.dat", c->control.data, c->control.len, key);
    if (key)
        write_blk(blocks, "xor.dat", key, 8, NULL);
    ct_ingest_stats st;
    ct_error err;
    cr_assert_eq(ingest_dir(db, blocks, &st, &err), CT_OK, "%s %s", err.reason, err.detail);
    cr_assert_eq(st.reorgs, 0);
    tip_is(db, 4, c->a4);
    digest_of(db, out);
    tu_rmtree(db);
    tu_rmtree(blocks);
    free(db);
    free(blocks);
}

/* First run: blk00000 and blk00001, B overtakes A. */
static void first_run(const chains *c, const char *db, const char *blocks, const uint8_t *key)
{
    write_blk(blocks, "blk00000.dat", c->f0.data, c->f0.len, key);
    write_blk(blocks, "blk00001.dat", c->f1.data, c->f1.len, key);
    if (key)
        write_blk(blocks, "xor.dat", key, 8, NULL);
    ct_ingest_stats st;
    ct_error err;
    cr_assert_eq(ingest_dir(db, blocks, &st, &err), CT_OK, "%s %s", err.reason, err.detail);
    cr_assert_eq(st.blocks_read, 6);
    cr_assert_eq(st.reorgs, 1);
    cr_assert_eq(st.blocks_disconnected, 2);
    tip_is(db, 3, c->b3);
    /* No raw copy of any block: main-chain blocks have their file, and the side branch
     * b1 b2 b3 lost its r rows when it became the main chain. */
    cr_assert_eq(count_rows(db, CT_T_RAW), 0);
    /* a1 and a2 are a side branch whose bytes are in blk00000.dat. */
    ct_row_header h1 = header_of(db, c->a1), h2 = header_of(db, c->a2);
    cr_assert_eq(h1.status, CT_BLOCK_SIDE);
    cr_assert_eq(h2.status, CT_BLOCK_SIDE);
    cr_assert_eq(h1.offset, c->a1_off);
    cr_assert_eq(h1.size, c->a1_len);
    cr_assert_eq(h2.offset, c->a2_off);
    cr_assert_eq(h2.size, c->a2_len);
    cr_assert_neq(h1.file_id, 0);
    cr_assert_eq(h1.file_id, h2.file_id);
    cr_assert_eq(header_of(db, c->b3).status, CT_BLOCK_MAIN);
}

static void switch_and_back(const uint8_t *key)
{
    chains c;
    chains_make(&c);
    uint8_t want[32], got[32];
    control_digest(&c, key, want);

    char *db = tu_tmpdir(), *blocks = tu_tmpdir();
    first_run(&c, db, blocks, key);

    /* Second run: blk00002 brings a3 a4; the switch back reads a1 and a2 from blk00000. */
    write_blk(blocks, "blk00002.dat", c.f2.data, c.f2.len, key);
    ct_ingest_stats st;
    ct_error err;
    cr_assert_eq(ingest_dir(db, blocks, &st, &err), CT_OK, "%s %s", err.reason, err.detail);
    cr_assert_eq(st.blocks_read, 4); /* a2 and b3 again (the resume points), a3 a4 */
    cr_assert_eq(st.reorgs, 1);
    cr_assert_eq(st.blocks_disconnected, 3);
    cr_assert_eq(st.blocks_connected, 4); /* a1 a2 from the file, a3 a4 */
    tip_is(db, 4, c.a4);
    cr_assert_eq(count_rows(db, CT_T_RAW), 0);
    cr_assert_eq(header_of(db, c.a1).status, CT_BLOCK_MAIN);
    cr_assert_eq(header_of(db, c.b1).status, CT_BLOCK_SIDE);
    digest_of(db, got);
    cr_assert(memcmp(got, want, 32) == 0, "the database differs from the control");

    /* Once more: nothing to do, nothing changes. */
    cr_assert_eq(ingest_dir(db, blocks, &st, &err), CT_OK, "%s %s", err.reason, err.detail);
    cr_assert_eq(st.blocks_connected, 0);
    cr_assert_eq(st.reorgs, 0);
    digest_of(db, got);
    cr_assert(memcmp(got, want, 32) == 0);

    tu_rmtree(db);
    tu_rmtree(blocks);
    free(db);
    free(blocks);
    chains_free(&c);
}

Test(ingest_source, switch_to_a_branch_and_back_reads_the_blk_files)
{
    switch_and_back(NULL);
}

Test(ingest_source, switch_and_back_through_obfuscated_blk_files)
{
    static const uint8_t key[8] = {0x5a, 0x13, 0xc7, 0x00, 0xff, 0x80, 0x2e, 0x91};
    switch_and_back(key);
}

/* A side block that never was on the main chain keeps its r row. */
Test(ingest_source, side_blocks_keep_their_raw_bytes)
{
    chains c;
    chains_make(&c);
    char *db = tu_tmpdir(), *blocks = tu_tmpdir();
    /* genesis a1 a2 a3 a4, then b1 b2 b3: B never gets more work. */
    write_blk(blocks, "blk00000.dat", c.control.data, c.control.len, NULL);
    write_blk(blocks, "blk00001.dat", c.f1.data, c.f1.len, NULL);
    ct_ingest_stats st;
    ct_error err;
    cr_assert_eq(ingest_dir(db, blocks, &st, &err), CT_OK, "%s %s", err.reason, err.detail);
    cr_assert_eq(st.reorgs, 0);
    cr_assert_eq(st.blocks_side, 3);
    cr_assert_eq(count_rows(db, CT_T_RAW), 3);
    uint8_t k[33], v[1024];
    cr_assert_gt(tu_db_peek(db, k, ct_key_hash(k, CT_T_RAW, c.b2), v, sizeof(v)), 80);
    cr_assert_eq(tu_db_peek(db, k, ct_key_hash(k, CT_T_RAW, c.a2), v, sizeof(v)), -1);
    tu_rmtree(db);
    tu_rmtree(blocks);
    free(db);
    free(blocks);
    chains_free(&c);
}

/* Blocks read from stdin or hex text have no source to read again: they keep their r rows
 * near the tip, as before, and a switch back to them works from those. */
Test(ingest_source, blocks_from_hex_text_keep_their_raw_bytes)
{
    chains c;
    chains_make(&c);
    char *db = tu_tmpdir(), *files = tu_tmpdir(), p[PATH_MAX];
    bb_buf all;
    bb_init(&all);
    bb_bytes(&all, c.f0.data, c.f0.len);
    bb_bytes(&all, c.f1.data, c.f1.len);
    bb_bytes(&all, c.f2.data, c.f2.len);
    char *hex = malloc(all.len * 2 + 2);
    cr_assert(hex);
    ct_hex_encode(hex, all.data, all.len);
    hex[all.len * 2] = '\n';
    hex[all.len * 2 + 1] = '\0';
    snprintf(p, sizeof(p), "%s/blocks.hex", files);
    cr_assert_eq(tu_write_file(p, hex, strlen(hex)), 0);
    ct_ingest_stats st;
    ct_error err;
    cr_assert_eq(ingest_dir(db, p, &st, &err), CT_OK, "%s %s", err.reason, err.detail);
    cr_assert_eq(st.reorgs, 2);
    cr_assert_eq(st.blocks_disconnected, 5);
    tip_is(db, 4, c.a4);
    /* Main: genesis a1 a2 a3 a4, side b1 b2 b3: all keep raw bytes (8 blocks, within 16). */
    cr_assert_eq(count_rows(db, CT_T_RAW), 8);
    cr_assert_eq(header_of(db, c.a1).file_id, 0);
    uint8_t want[32], got[32];
    control_digest(&c, NULL, want);
    digest_of(db, got);
    cr_assert(memcmp(got, want, 32) == 0);
    free(hex);
    bb_free(&all);
    tu_rmtree(db);
    tu_rmtree(files);
    free(db);
    free(files);
    chains_free(&c);
}

/* What happens to blk00000.dat between the runs. */
typedef enum { GONE, TRUNCATED, REWRITTEN } damage;

static void source_damaged(damage how)
{
    chains c;
    chains_make(&c);
    uint8_t want[32];
    control_digest(&c, NULL, want);
    char *db = tu_tmpdir(), *blocks = tu_tmpdir();
    first_run(&c, db, blocks, NULL);

    char real[PATH_MAX], f0[PATH_MAX + 16], hex[65];
    cr_assert(realpath(blocks, real));
    snprintf(f0, sizeof(f0), "%s/blk00000.dat", real);
    uint64_t off = c.a1_off;
    const uint8_t *bad = c.a1;
    char why[256];
    switch (how) {
    case GONE:
        cr_assert_eq(unlink(f0), 0);
        snprintf(why, sizeof(why), "cannot be read: No such file or directory");
        break;
    case TRUNCATED: /* a1 is whole, a2 cut 10 bytes short */
        cr_assert_eq(truncate(f0, (off_t)(c.f0.len - 10)), 0);
        bad = c.a2;
        off = c.a2_off;
        snprintf(why, sizeof(why),
                 "cannot be read: the file ends at %llu, before the %zu bytes at %llu end",
                 (unsigned long long)(c.f0.len - 10), c.a2_len, (unsigned long long)c.a2_off);
        break;
    case REWRITTEN: { /* a1's version field changed: other bytes, another hash */
        bb_buf x;
        bb_init(&x);
        bb_bytes(&x, c.f0.data, c.f0.len);
        x.data[c.a1_off] ^= 0x01;
        write_blk(blocks, "blk00000.dat", x.data, x.len, NULL);
        bb_free(&x);
        snprintf(why, sizeof(why), "holds other bytes than this block there");
        break;
    }
    }
    ct_hash_to_hex(hex, bad);
    uint8_t before[32], after[32];
    digest_of(db, before);

    write_blk(blocks, "blk00002.dat", c.f2.data, c.f2.len, NULL);
    ct_ingest_stats st;
    ct_error err;
    int rc = ingest_dir(db, blocks, &st, &err);
    cr_assert_eq(rc, CT_EIO, "rc %d: %s %s", rc, err.reason, err.detail);
    cr_assert_str_eq(err.reason, "block-data-missing");
    cr_assert_str_eq(err.file, f0);
    cr_assert_eq(err.offset, off);
    cr_assert_str_eq(err.block_hash, hex);
    char detail[512];
    snprintf(detail, sizeof(detail),
             "needed for a chain switch and not stored in the database; its source file %s; "
             "put the file back as it was when it was ingested and run the ingest again",
             why);
    cr_assert_str_eq(err.detail, detail);
    cr_assert_eq(st.reorgs, 0);
    cr_assert_eq(st.blocks_disconnected, 0);
    /* Nothing changed: the main chain is still g b1 b2 b3. */
    tip_is(db, 3, c.b3);
    digest_of(db, after);
    cr_assert(memcmp(before, after, 32) == 0);
    /* a3 a4 were stored aside, with their bytes. */
    cr_assert_eq(header_of(db, c.a4).status, CT_BLOCK_SIDE);
    cr_assert_eq(count_rows(db, CT_T_RAW), 2);

    /* The CLI prints it on one line with the file, offset and block (the last line: a
     * truncated file is also reported as such), exit 5 as for an unreadable input. */
    tu_run r;
    const char *args[] = {"--db",    db,        "ingest", "bitcoin", "--network",
                          "regtest", "--quiet", blocks,   NULL};
    tu_exec(&r, args, NULL);
    cr_assert_eq(r.status, 5, "%s", r.err);
    char line[8192];
    snprintf(line, sizeof(line),
             "chaintrail: ingest: %s: offset %llu: block %s: block-data-missing: %s\n", f0,
             (unsigned long long)off, hex, detail);
    size_t ll = strlen(line);
    cr_assert_geq(r.err_len, ll);
    cr_assert_str_eq(r.err + r.err_len - ll, line);
    cr_assert(r.err_len == ll || r.err[r.err_len - ll - 1] == '\n', "%s", r.err);
    cr_assert_eq(tu_count_lines(r.err), how == TRUNCATED ? 2 : 1, "%s", r.err);
    tu_run_free(&r);
    digest_of(db, after);
    cr_assert(memcmp(before, after, 32) == 0);

    /* Doing what it says: the file back as it was, and the ingest ends as the control. */
    write_blk(blocks, "blk00000.dat", c.f0.data, c.f0.len, NULL);
    cr_assert_eq(ingest_dir(db, blocks, &st, &err), CT_OK, "%s %s", err.reason, err.detail);
    cr_assert_eq(st.reorgs, 1);
    tip_is(db, 4, c.a4);
    digest_of(db, after);
    cr_assert(memcmp(want, after, 32) == 0);
    cr_assert_eq(count_rows(db, CT_T_RAW), 0);

    tu_rmtree(db);
    tu_rmtree(blocks);
    free(db);
    free(blocks);
    chains_free(&c);
}

Test(ingest_source, deleted_source_stops_the_switch_and_changes_nothing)
{
    source_damaged(GONE);
}

Test(ingest_source, truncated_source_stops_the_switch_and_changes_nothing)
{
    source_damaged(TRUNCATED);
}

Test(ingest_source, rewritten_source_stops_the_switch_and_changes_nothing)
{
    source_damaged(REWRITTEN);
}

/* The blocks a switch replaces are checked too: if the branch turned out invalid they would
 * have to be connected again, from their file. With that file gone, the switch does not
 * start, even to a valid branch, and the main chain stays whole. */
Test(ingest_source, replaced_blocks_must_be_readable_before_a_switch)
{
    chains c;
    chains_make(&c);
    char *db = tu_tmpdir(), *blocks = tu_tmpdir();
    write_blk(blocks, "blk00000.dat", c.f0.data, c.f0.len, NULL);
    ct_ingest_stats st;
    ct_error err;
    cr_assert_eq(ingest_dir(db, blocks, &st, &err), CT_OK, "%s %s", err.reason, err.detail);
    tip_is(db, 2, c.a2);
    cr_assert_eq(count_rows(db, CT_T_RAW), 0);
    uint8_t before[32], after[32];
    digest_of(db, before);

    char real[PATH_MAX], f0[PATH_MAX + 16], hex[65];
    cr_assert(realpath(blocks, real));
    snprintf(f0, sizeof(f0), "%s/blk00000.dat", real);
    cr_assert_eq(unlink(f0), 0);
    write_blk(blocks, "blk00001.dat", c.f1.data, c.f1.len, NULL);
    cr_assert_eq(ingest_dir(db, blocks, &st, &err), CT_EIO, "%s %s", err.reason, err.detail);
    /* The tip is checked first. */
    ct_hash_to_hex(hex, c.a2);
    cr_assert_str_eq(err.reason, "block-data-missing");
    cr_assert_str_eq(err.block_hash, hex);
    cr_assert_str_eq(err.file, f0);
    cr_assert_eq(err.offset, c.a2_off);
    cr_assert_eq(st.blocks_disconnected, 0);
    tip_is(db, 2, c.a2);
    digest_of(db, after);
    cr_assert(memcmp(before, after, 32) == 0);
    cr_assert_eq(count_rows(db, CT_T_RAW), 3); /* b1 b2 b3, stored aside */

    write_blk(blocks, "blk00000.dat", c.f0.data, c.f0.len, NULL);
    cr_assert_eq(ingest_dir(db, blocks, &st, &err), CT_OK, "%s %s", err.reason, err.detail);
    cr_assert_eq(st.reorgs, 1);
    cr_assert_eq(st.blocks_disconnected, 2);
    tip_is(db, 3, c.b3);
    cr_assert_eq(count_rows(db, CT_T_RAW), 0);

    tu_rmtree(db);
    tu_rmtree(blocks);
    free(db);
    free(blocks);
    chains_free(&c);
}
