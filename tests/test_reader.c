/* Tests of the blk*.dat reader (chains/bitcoin/reader.c) on real mainnet blk files and on
 * damaged, obfuscated, raw and hex copies of them made in a temporary directory. Expected
 * offsets are computed from the fixtures by the simple framing of known-good files below,
 * so that each test states exactly where the reader must stop, skip and resume. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chaintrail/bitcoin.h"
#include "base/hash.h"
#include "testutil.h"
#include "base/util.h"

#define NB0     "btc/blk_consecutive/nbitcoin/blk00000.dat"
#define NB1     "btc/blk_consecutive/nbitcoin/blk00001.dat"
#define NBREV   "btc/blk_consecutive/nbitcoin/rev00000.dat"
#define NBINC   "btc/blk_consecutive/nbitcoin/incompleteblk.dat"
#define JEFF    "btc/blk_consecutive/jeffchan/blk00000_first1MB.dat"
#define GENESIS "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"

/* ---- helpers ---- */

typedef struct span {
    uint64_t off; /* of the magic */
    uint32_t len; /* of the block */
} span;

/* Frames a known-good blk file (no junk, no tail); returns the number of records. */
static size_t split_blk(const uint8_t *d, size_t n, span *out, size_t max)
{
    size_t k = 0;
    uint64_t off = 0;
    while (off < n) {
        cr_assert(off + 8 <= n && memcmp(d + off, "\xf9\xbe\xb4\xd9", 4) == 0,
                  "fixture not clean at %llu", (unsigned long long)off);
        cr_assert(k < max);
        out[k].off = off;
        out[k].len = ct_le32(d + off + 4);
        off += 8 + (uint64_t)out[k].len;
        k++;
    }
    cr_assert_eq(off, n);
    return k;
}

static void block_hash_hex(char out[65], const uint8_t *header)
{
    uint8_t h[32];
    ct_sha256d(h, header, 80);
    ct_hash_to_hex(out, h);
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void write_in(const char *dir, const char *name, const void *data, size_t len)
{
    char *p = join(dir, name);
    cr_assert_eq(tu_write_file(p, data, len), 0, "cannot write %s", p);
    free(p);
}

static uint64_t prng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t prng(void)
{
    prng_state ^= prng_state << 13;
    prng_state ^= prng_state >> 7;
    prng_state ^= prng_state << 17;
    return prng_state;
}

/* Non-zero bytes that contain no mainnet magic and do not start like hex text. */
static uint8_t *junk_bytes(size_t n)
{
    uint8_t *j = malloc(n ? n : 1);
    cr_assert_not_null(j);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)prng();
        j[i] = b == 0 || b == 0xf9 ? 0x5a : b; /* no 0xf9: no magic can start inside */
    }
    if (n)
        j[0] = 0xee;
    return j;
}

static ct_btc_reader *open_with(const char *const *paths, size_t n, ct_btc_reader_options *o)
{
    ct_btc_reader *r = NULL;
    ct_error err;
    int rc = ct_btc_reader_open(&r, paths, n, o, &err);
    cr_assert_eq(rc, CT_OK, "open failed: %d %s %s %s", rc, err.file, err.reason, err.detail);
    cr_assert_not_null(r);
    return r;
}

static ct_btc_reader_options mainnet_opts(void)
{
    ct_btc_reader_options o = CT_BTC_READER_OPTIONS_INIT;
    o.net = ct_btc_params_get("mainnet");
    return o;
}

static ct_btc_reader *open_one(const char *path)
{
    ct_btc_reader_options o = mainnet_opts();
    return open_with(&path, 1, &o);
}

/* The next call must return a record of `len` bytes at `off` from file `index` whose bytes
 * equal `expect` (when not NULL). */
static void expect_record(ct_btc_reader *r, ct_btc_record *rec, uint64_t off, size_t len,
                          uint32_t index, const uint8_t *expect)
{
    ct_error err;
    int rc = ct_btc_reader_next(r, rec, &err);
    cr_assert_eq(rc, CT_OK, "expected a record at %llu, got %d %s at %llu: %s",
                 (unsigned long long)off, rc, err.reason, (unsigned long long)err.offset,
                 err.detail);
    cr_assert_eq(rec->offset, off);
    cr_assert_eq(rec->data_offset, off + 8);
    cr_assert_eq(rec->len, len);
    cr_assert_eq(rec->file_index, index);
    if (expect)
        cr_assert(memcmp(rec->data, expect, len) == 0, "record at %llu differs",
                  (unsigned long long)off);
}

/* The next call must fail with code, reason, offset, and (when not NULL) exact detail. */
static void expect_error(ct_btc_reader *r, int code, const char *reason, uint64_t off,
                         const char *file, const char *detail)
{
    ct_btc_record rec;
    ct_error err;
    int rc = ct_btc_reader_next(r, &rec, &err);
    cr_assert_eq(rc, code, "expected %d %s at %llu, got %d %s at %llu: %s", code, reason,
                 (unsigned long long)off, rc, err.reason, (unsigned long long)err.offset,
                 err.detail);
    cr_assert_eq(err.code, code);
    cr_assert_str_eq(err.reason, reason);
    cr_assert_eq(err.offset, off, "offset %llu, expected %llu", (unsigned long long)err.offset,
                 (unsigned long long)off);
    if (file)
        cr_assert_str_eq(err.file, file);
    if (detail)
        cr_assert_str_eq(err.detail, detail);
}

static void expect_eof(ct_btc_reader *r)
{
    ct_btc_record rec;
    ct_error err;
    int rc = ct_btc_reader_next(r, &rec, &err);
    cr_assert_eq(rc, CT_EEOF, "expected the end, got %d %s at %llu: %s", rc, err.reason,
                 (unsigned long long)err.offset, err.detail);
}

/* Expects the records `s[from..to)` of `src`, shifted by `shift` bytes in the file. */
static void expect_span(ct_btc_reader *r, const uint8_t *src, const span *s, size_t from, size_t to,
                        int64_t shift, uint32_t index)
{
    ct_btc_record rec;
    for (size_t i = from; i < to; i++)
        expect_record(r, &rec, (uint64_t)((int64_t)s[i].off + shift), s[i].len, index,
                      src + s[i].off + 8);
}

/* Obfuscates like Bitcoin Core: byte i ^= key[i % 8]. */
static uint8_t *xor_copy(const uint8_t *d, size_t n, const uint8_t key[8])
{
    uint8_t *o = malloc(n ? n : 1);
    cr_assert_not_null(o);
    for (size_t i = 0; i < n; i++)
        o[i] = d[i] ^ key[i % 8];
    return o;
}

static void random_key(uint8_t key[8])
{
    for (int i = 0; i < 8; i++) {
        uint8_t b = (uint8_t)prng();
        key[i] = b ? b : 0x77; /* every byte changes: no plain magic survives */
    }
}

/* ---- real files ---- */

Test(reader, jeffchan_first_1mb_is_4313_chained_blocks)
{
    char *path = tu_fixture(JEFF);
    ct_btc_reader *r = open_one(path);
    ct_btc_record rec;
    ct_error err;
    uint8_t prev[32] = {0};
    uint64_t expect_off = 0;
    size_t n = 0;
    char first[65] = "", last[65] = "";
    int rc;
    while ((rc = ct_btc_reader_next(r, &rec, &err)) == CT_OK) {
        cr_assert_eq(rec.offset, expect_off);
        cr_assert_eq(rec.data_offset, expect_off + 8);
        cr_assert_eq(rec.file_index, 0);
        cr_assert_str_eq(rec.file, path);
        cr_assert(memcmp(rec.data + 4, prev, 32) == 0, "record %zu does not extend the chain", n);
        ct_sha256d(prev, rec.data, 80);
        ct_hash_to_hex(n == 0 ? first : last, prev);
        expect_off += 8 + rec.len;
        n++;
    }
    cr_assert_eq(rc, CT_EEOF, "%d %s at %llu: %s", rc, err.reason, (unsigned long long)err.offset,
                 err.detail);
    cr_assert_eq(n, 4313);
    cr_assert_eq(expect_off, 1000018);
    cr_assert_str_eq(first, GENESIS);
    cr_assert_str_eq(last, "00000000a9da635727dce622d78361b153ce3334e6a60d4377fad529abfc7863");
    cr_assert_eq(ct_btc_reader_next(r, &rec, &err), CT_EEOF);
    ct_btc_reader_free(r);
    free(path);
}

Test(reader, blocks_directory_reads_blk_files_in_order_and_ignores_others)
{
    size_t n0, n1, nrev;
    uint8_t *b0 = tu_read_fixture(NB0, &n0), *b1 = tu_read_fixture(NB1, &n1);
    uint8_t *rev = tu_read_fixture(NBREV, &nrev);
    char *dir = tu_tmpdir();
    /* written in reverse order so that directory order is not file order */
    write_in(dir, "blk00001.dat", b1, n1);
    write_in(dir, "rev00000.dat", rev, nrev);
    write_in(dir, "blk00000.dat", b0, n0);
    /* not blk + 5 digits + .dat: ignored (each would fail if read) */
    write_in(dir, "blk0002.dat", rev, nrev);
    write_in(dir, "blk000003.dat", rev, nrev);
    write_in(dir, "blk00004.dat.tmp", rev, nrev);
    write_in(dir, "xblk00005.dat", rev, nrev);
    write_in(dir, "blk0000a.dat", rev, nrev);

    ct_btc_reader *r = open_one(dir);
    cr_assert_eq(ct_btc_reader_file_count(r), 2);
    char *p0 = join(dir, "blk00000.dat"), *p1 = join(dir, "blk00001.dat");
    cr_assert_str_eq(ct_btc_reader_file_path(r, 0), p0);
    cr_assert_str_eq(ct_btc_reader_file_path(r, 1), p1);
    cr_assert_null(ct_btc_reader_file_path(r, 2));

    ct_btc_record rec;
    ct_error err;
    uint8_t prev[32] = {0};
    char hex[65];
    uint64_t expect_off = 0;
    size_t n = 0;
    int rc;
    while ((rc = ct_btc_reader_next(r, &rec, &err)) == CT_OK) {
        uint32_t idx = n < 300 ? 0 : 1;
        if (n == 300)
            expect_off = 0;
        cr_assert_eq(rec.file_index, idx);
        cr_assert_str_eq(rec.file, idx ? p1 : p0);
        cr_assert_eq(rec.offset, expect_off);
        cr_assert(memcmp(rec.data + 4, prev, 32) == 0, "record %zu does not extend the chain", n);
        ct_sha256d(prev, rec.data, 80);
        ct_hash_to_hex(hex, prev);
        if (n == 0)
            cr_assert_str_eq(hex, GENESIS);
        if (n == 299)
            cr_assert_str_eq(hex,
                             "00000000b9b003c04b2fe21b4f7a2fa809eb643852573c3a1748653e2019f01c");
        if (n == 300)
            cr_assert_str_eq(hex,
                             "0000000062b69e4a2c3312a5782d7798b0711e9ebac065cd5d19f946439f8609");
        if (n == 599)
            cr_assert_str_eq(hex,
                             "0000000042844571bc6bce8e1c0fbec99466971eaff89fef8c0d123582181d4d");
        expect_off += 8 + rec.len;
        n++;
    }
    cr_assert_eq(rc, CT_EEOF, "%d %s %s", rc, err.reason, err.detail);
    cr_assert_eq(n, 600);
    cr_assert_eq(expect_off, n1);
    ct_btc_reader_free(r);
    tu_rmtree(dir);
    free(dir);
    free(p0);
    free(p1);
    free(b0);
    free(b1);
    free(rev);
}

Test(reader, paths_are_read_in_the_order_given)
{
    char *p0 = tu_fixture(NB0), *p1 = tu_fixture(NB1);
    const char *paths[] = {p1, p0};
    ct_btc_reader_options o = mainnet_opts();
    ct_btc_reader *r = open_with(paths, 2, &o);
    size_t n0, n1;
    uint8_t *b0 = tu_read_fixture(NB0, &n0), *b1 = tu_read_fixture(NB1, &n1);
    span s0[400], s1[400];
    cr_assert_eq(split_blk(b0, n0, s0, 400), 300);
    cr_assert_eq(split_blk(b1, n1, s1, 400), 300);
    expect_span(r, b1, s1, 0, 300, 0, 0);
    expect_span(r, b0, s0, 0, 300, 0, 1);
    expect_eof(r);
    cr_assert_str_eq(ct_btc_reader_file_path(r, 0), p1);
    ct_btc_reader_free(r);
    free(b0);
    free(b1);
    free(p0);
    free(p1);
}

/* incompleteblk.dat = the 300 records of blk00001.dat (70,449 bytes), one stray 0x00 byte at
 * 70449, a complete 216-byte record at 70450 that repeats block 598 (record 298 of the file),
 * and 1,022 zero bytes from 70674 to the end at 71696. */
Test(reader, nbitcoin_incompleteblk_ends_as_documented)
{
    size_t n1, ninc;
    uint8_t *b1 = tu_read_fixture(NB1, &n1), *inc = tu_read_fixture(NBINC, &ninc);
    char *path = tu_fixture(NBINC);
    span s1[400];
    cr_assert_eq(split_blk(b1, n1, s1, 400), 300);
    cr_assert_eq(ninc, 71696);
    cr_assert_eq(s1[298].off, 70001);

    ct_btc_reader *r = open_one(path);
    ct_btc_record rec;
    char hex[65];
    expect_span(r, b1, s1, 0, 300, 0, 0);
    expect_error(r, CT_ECORRUPT, "junk-skipped", 70449, path, "skipped 1 bytes (70449..70450)");
    expect_record(r, &rec, 70450, 216, 0, b1 + s1[298].off + 8);
    block_hash_hex(hex, rec.data);
    cr_assert_str_eq(hex, "0000000000d16752cf56ebae77a37a8fa1ac8e234336a41622c3b7924a07a644");
    expect_eof(r); /* the 1,022 zero bytes are a preallocated tail */
    expect_eof(r);
    ct_btc_reader_free(r);
    free(path);
    free(b1);
    free(inc);
}

/* ---- damaged copies ---- */

typedef struct damaged {
    char *dir;
    char *path;
    uint8_t *src; /* blk00000.dat */
    size_t n;
    span s[400];
} damaged;

static void damaged_init(damaged *d)
{
    d->src = tu_read_fixture(NB0, &d->n);
    cr_assert_eq(split_blk(d->src, d->n, d->s, 400), 300);
    d->dir = tu_tmpdir();
    d->path = join(d->dir, "blk00000.dat");
}

static void damaged_write(damaged *d, const void *data, size_t len)
{
    cr_assert_eq(tu_write_file(d->path, data, len), 0);
}

static void damaged_free(damaged *d)
{
    tu_rmtree(d->dir);
    free(d->dir);
    free(d->path);
    free(d->src);
}

/* blk00000.dat with `ins` bytes inserted at offset `at` */
static uint8_t *with_insert(const damaged *d, uint64_t at, const uint8_t *ins, size_t n_ins,
                            size_t *len)
{
    *len = d->n + n_ins;
    uint8_t *b = malloc(*len);
    cr_assert_not_null(b);
    memcpy(b, d->src, at);
    memcpy(b + at, ins, n_ins);
    memcpy(b + at + n_ins, d->src + at, d->n - at);
    return b;
}

static void junk_between_records(size_t junk_len)
{
    damaged d;
    damaged_init(&d);
    uint8_t *junk = junk_bytes(junk_len);
    size_t len;
    uint64_t at = d.s[5].off;
    uint8_t *b = with_insert(&d, at, junk, junk_len, &len);
    damaged_write(&d, b, len);
    char detail[128];
    snprintf(detail, sizeof(detail), "skipped %zu bytes (%llu..%llu)", junk_len,
             (unsigned long long)at, (unsigned long long)(at + junk_len));

    ct_btc_reader *r = open_one(d.path);
    expect_span(r, d.src, d.s, 0, 5, 0, 0);
    expect_error(r, CT_ECORRUPT, "junk-skipped", at, d.path, detail);
    expect_span(r, d.src, d.s, 5, 300, (int64_t)junk_len, 0);
    expect_eof(r);
    ct_btc_reader_free(r);
    free(b);
    free(junk);
    damaged_free(&d);
}

Test(reader, junk_between_records_is_reported_and_skipped)
{
    junk_between_records(37);
}

Test(reader, junk_of_one_byte)
{
    junk_between_records(1);
}

/* The magic after the junk straddles the 64 KiB scan steps, or lies past the window. */
Test(reader, junk_across_scan_chunks_and_window)
{
    junk_between_records(65533);
    junk_between_records(65534);
    junk_between_records(65535);
    junk_between_records(5u * 1024 * 1024 + 1);
}

Test(reader, zero_bytes_followed_by_a_record_are_junk)
{
    damaged d;
    damaged_init(&d);
    uint8_t zeros[16] = {0};
    size_t len;
    uint64_t at = d.s[100].off;
    uint8_t *b = with_insert(&d, at, zeros, sizeof(zeros), &len);
    damaged_write(&d, b, len);
    char detail[128];
    snprintf(detail, sizeof(detail), "skipped 16 bytes (%llu..%llu)", (unsigned long long)at,
             (unsigned long long)at + 16);
    ct_btc_reader *r = open_one(d.path);
    expect_span(r, d.src, d.s, 0, 100, 0, 0);
    expect_error(r, CT_ECORRUPT, "junk-skipped", at, d.path, detail);
    expect_span(r, d.src, d.s, 100, 300, 16, 0);
    expect_eof(r);
    ct_btc_reader_free(r);
    free(b);
    damaged_free(&d);
}

Test(reader, junk_at_start_and_at_end)
{
    damaged d;
    damaged_init(&d);
    uint8_t *junk = junk_bytes(150);
    size_t len = d.n + 150;
    uint8_t *b = malloc(len);
    memcpy(b, junk, 100);
    memcpy(b + 100, d.src, d.n);
    memcpy(b + 100 + d.n, junk + 100, 50);
    damaged_write(&d, b, len);
    ct_btc_reader *r = open_one(d.path);
    expect_error(r, CT_ECORRUPT, "junk-skipped", 0, d.path, "skipped 100 bytes (0..100)");
    expect_span(r, d.src, d.s, 0, 300, 100, 0);
    expect_error(r, CT_ECORRUPT, "junk-skipped", 68952, d.path, "skipped 50 bytes (68952..69002)");
    expect_eof(r);
    ct_btc_reader_free(r);
    free(b);
    free(junk);
    damaged_free(&d);
}

Test(reader, zero_filled_tail_ends_the_file_cleanly)
{
    damaged d;
    damaged_init(&d);
    size_t len = d.n + (1u << 20);
    uint8_t *b = calloc(1, len);
    memcpy(b, d.src, d.n);
    damaged_write(&d, b, len);
    ct_btc_reader *r = open_one(d.path);
    expect_span(r, d.src, d.s, 0, 300, 0, 0);
    expect_eof(r);
    ct_btc_reader_free(r);
    free(b);
    damaged_free(&d);
}

Test(reader, truncated_last_record)
{
    damaged d;
    damaged_init(&d);
    cr_assert_eq(d.s[299].off, 68629);
    cr_assert_eq(d.s[299].len, 215);
    damaged_write(&d, d.src, d.n - 100);
    ct_btc_reader *r = open_one(d.path);
    expect_span(r, d.src, d.s, 0, 299, 0, 0);
    expect_error(r, CT_ETRUNCATED, "truncated-record", 68629, d.path,
                 "record needs 223 bytes, only 123 remain before the end of the file");
    expect_eof(r);
    ct_btc_reader_free(r);
    damaged_free(&d);
}

Test(reader, truncated_record_header)
{
    damaged d;
    damaged_init(&d);
    uint8_t *b = malloc(d.n + 5);
    memcpy(b, d.src, d.n);
    memcpy(b + d.n, "\xf9\xbe\xb4\xd9\xd8", 5);
    damaged_write(&d, b, d.n + 5);
    ct_btc_reader *r = open_one(d.path);
    expect_span(r, d.src, d.s, 0, 300, 0, 0);
    expect_error(r, CT_ETRUNCATED, "truncated-record", d.n, d.path,
                 "record needs 8 bytes, only 5 remain before the end of the file");
    expect_eof(r);
    ct_btc_reader_free(r);
    free(b);
    damaged_free(&d);
}

Test(reader, truncated_file_in_a_directory_goes_on_with_the_next_file)
{
    damaged d;
    damaged_init(&d);
    size_t n1;
    uint8_t *b1 = tu_read_fixture(NB1, &n1);
    span s1[400];
    cr_assert_eq(split_blk(b1, n1, s1, 400), 300);
    damaged_write(&d, d.src, d.n - 1);
    write_in(d.dir, "blk00001.dat", b1, n1);
    ct_btc_reader *r = open_one(d.dir);
    expect_span(r, d.src, d.s, 0, 299, 0, 0);
    expect_error(r, CT_ETRUNCATED, "truncated-record", 68629, d.path,
                 "record needs 223 bytes, only 222 remain before the end of the file");
    expect_span(r, b1, s1, 0, 300, 0, 1);
    expect_eof(r);
    ct_btc_reader_free(r);
    free(b1);
    damaged_free(&d);
}

static void bad_size_at(uint32_t size, size_t which)
{
    damaged d;
    damaged_init(&d);
    uint8_t *b = malloc(d.n);
    memcpy(b, d.src, d.n);
    uint64_t at = d.s[which].off;
    ct_put_le32(b + at + 4, size);
    damaged_write(&d, b, d.n);
    uint64_t end = which + 1 < 300 ? d.s[which + 1].off : d.n;
    char detail[160];
    snprintf(detail, sizeof(detail),
             "size field %lu is outside 80..4000000; skipped %llu bytes (%llu..%llu)",
             (unsigned long)size, (unsigned long long)(end - at), (unsigned long long)at,
             (unsigned long long)end);
    ct_btc_reader *r = open_one(d.path);
    expect_span(r, d.src, d.s, 0, which, 0, 0);
    expect_error(r, CT_ECORRUPT, "bad-record-size", at, d.path, detail);
    expect_span(r, d.src, d.s, which + 1, 300, 0, 0);
    expect_eof(r);
    ct_btc_reader_free(r);
    free(b);
    damaged_free(&d);
}

Test(reader, size_field_79_is_rejected_and_resynced)
{
    bad_size_at(79, 10);
}

Test(reader, size_field_4000001_is_rejected_and_resynced)
{
    bad_size_at(4000001, 10);
}

Test(reader, bad_size_of_the_last_record_skips_to_the_end)
{
    bad_size_at(0, 299);
    bad_size_at(0xffffffffu, 0);
}

Test(reader, max_record_option_is_honoured)
{
    damaged d;
    damaged_init(&d);
    damaged_write(&d, d.src, d.n);
    ct_btc_reader_options o = mainnet_opts();
    o.max_record = 215;
    ct_btc_reader *r = open_with((const char *[]){d.path}, 1, &o);
    ct_btc_record rec;
    ct_error err;
    size_t good = 0, bad = 0, expect_bad = 0;
    for (size_t i = 0; i < 300; i++)
        expect_bad += d.s[i].len > 215;
    cr_assert(expect_bad > 0 && expect_bad < 300);
    int rc;
    size_t i = 0;
    while ((rc = ct_btc_reader_next(r, &rec, &err)) != CT_EEOF) {
        if (rc == CT_OK) {
            cr_assert_leq(rec.len, 215);
            good++;
        } else {
            cr_assert_eq(rc, CT_ECORRUPT);
            cr_assert_str_eq(err.reason, "bad-record-size");
            while (d.s[i].len <= 215)
                i++;
            cr_assert_eq(err.offset, d.s[i].off);
            i++;
            bad++;
        }
    }
    cr_assert_eq(bad, expect_bad);
    cr_assert_eq(good, 300 - expect_bad);
    ct_btc_reader_free(r);
    damaged_free(&d);
}

/* ---- networks ---- */

static const uint8_t testnet_magic[4] = {0x0b, 0x11, 0x09, 0x07};

Test(reader, testnet_magic_at_the_start_is_fatal)
{
    damaged d;
    damaged_init(&d);
    uint8_t *b = malloc(d.n);
    memcpy(b, d.src, d.n);
    memcpy(b, testnet_magic, 4);
    damaged_write(&d, b, d.n);
    ct_btc_reader *r = open_one(d.path);
    const char *detail = "testnet magic 0b110907 where a mainnet record (f9beb4d9) was expected";
    expect_error(r, CT_ENETWORK, "network-mismatch", 0, d.path, detail);
    /* fatal: the same error again, no record */
    expect_error(r, CT_ENETWORK, "network-mismatch", 0, d.path, detail);
    ct_btc_reader_free(r);
    free(b);
    damaged_free(&d);
}

Test(reader, signet_magic_mid_file_is_fatal)
{
    damaged d;
    damaged_init(&d);
    uint8_t *b = malloc(d.n);
    memcpy(b, d.src, d.n);
    memcpy(b + d.s[7].off, ct_btc_params_get("signet")->magic, 4);
    damaged_write(&d, b, d.n);
    ct_btc_reader *r = open_one(d.path);
    expect_span(r, d.src, d.s, 0, 7, 0, 0);
    expect_error(r, CT_ENETWORK, "network-mismatch", d.s[7].off, d.path,
                 "signet magic 0a03cf40 where a mainnet record (f9beb4d9) was expected");
    expect_error(r, CT_ENETWORK, "network-mismatch", d.s[7].off, d.path, NULL);
    ct_btc_reader_free(r);
    free(b);
    damaged_free(&d);
}

Test(reader, testnet_records_read_with_testnet_params)
{
    damaged d;
    damaged_init(&d);
    uint8_t *b = malloc(d.n);
    memcpy(b, d.src, d.n);
    for (size_t i = 0; i < 300; i++)
        memcpy(b + d.s[i].off, testnet_magic, 4);
    damaged_write(&d, b, d.n);
    ct_btc_reader_options o = mainnet_opts();
    o.net = ct_btc_params_get("testnet");
    ct_btc_reader *r = open_with((const char *[]){d.path}, 1, &o);
    expect_span(r, d.src, d.s, 0, 300, 0, 0);
    expect_eof(r);
    ct_btc_reader_free(r);
    free(b);
    damaged_free(&d);
}

/* ---- xor.dat ---- */

typedef struct obf_dir {
    char *dir;
    uint8_t *b0, *b1;
    size_t n0, n1;
    span s0[400], s1[400];
} obf_dir;

/* A directory with blk00000/1.dat obfuscated by `key` (plain when NULL) and, when
 * xor_len > 0, an xor.dat of xor_len bytes starting with the key. */
static void obf_init(obf_dir *o, const uint8_t key[8], size_t xor_len, size_t zero_tail)
{
    o->b0 = tu_read_fixture(NB0, &o->n0);
    o->b1 = tu_read_fixture(NB1, &o->n1);
    cr_assert_eq(split_blk(o->b0, o->n0, o->s0, 400), 300);
    cr_assert_eq(split_blk(o->b1, o->n1, o->s1, 400), 300);
    o->dir = tu_tmpdir();
    static const uint8_t zero_key[8] = {0};
    const uint8_t *k = key ? key : zero_key;
    uint8_t *x0 = xor_copy(o->b0, o->n0, k);
    size_t n1 = o->n1 + zero_tail;
    uint8_t *x1 = calloc(1, n1); /* the preallocated tail stays zero on disk */
    memcpy(x1, o->b1, o->n1);
    for (size_t i = 0; i < o->n1; i++)
        x1[i] ^= k[i % 8];
    write_in(o->dir, "blk00000.dat", x0, o->n0);
    write_in(o->dir, "blk00001.dat", x1, n1);
    if (xor_len) {
        uint8_t kf[16] = {0};
        memcpy(kf, k, 8);
        write_in(o->dir, "xor.dat", kf, xor_len);
    }
    free(x0);
    free(x1);
}

static void obf_free(obf_dir *o)
{
    tu_rmtree(o->dir);
    free(o->dir);
    free(o->b0);
    free(o->b1);
}

static void expect_nbitcoin_pair(ct_btc_reader *r, obf_dir *o)
{
    expect_span(r, o->b0, o->s0, 0, 300, 0, 0);
    expect_span(r, o->b1, o->s1, 0, 300, 0, 1);
    expect_eof(r);
}

Test(reader, obfuscated_directory_reads_like_plain)
{
    uint8_t key[8];
    random_key(key);
    obf_dir o;
    obf_init(&o, key, 8, 1u << 20);
    char *p0 = join(o.dir, "blk00000.dat");
    size_t n;
    uint8_t *ondisk = tu_read_file(p0, &n);
    cr_assert(memcmp(ondisk, o.b0, 4) != 0, "the file is not obfuscated");
    ct_btc_reader *r = open_one(o.dir);
    expect_nbitcoin_pair(r, &o);
    ct_btc_reader_free(r);

    /* a single obfuscated file finds xor.dat beside it */
    r = open_one(p0);
    expect_span(r, o.b0, o.s0, 0, 300, 0, 0);
    expect_eof(r);
    ct_btc_reader_free(r);

    /* without the key no record can be found, and that is an error, not an empty file */
    char *xp = join(o.dir, "xor.dat");
    cr_assert_eq(unlink(xp), 0);
    r = open_one(o.dir);
    char *p1 = join(o.dir, "blk00001.dat");
    char detail[128];
    snprintf(detail, sizeof(detail), "no mainnet magic in %zu bytes", o.n0);
    expect_error(r, CT_ECORRUPT, "no-magic", 0, p0, detail);
    expect_error(r, CT_ECORRUPT, "no-magic", 0, p1, NULL);
    expect_eof(r);
    ct_btc_reader_free(r);
    free(ondisk);
    free(xp);
    free(p0);
    free(p1);
    obf_free(&o);
}

/* Every record of an obfuscated directory reads back the same through ct_btc_file_read_at
 * (the key follows the absolute offset, whatever it is modulo 8); a range past the end and
 * a missing file are errors naming the file. */
Test(reader, records_read_again_from_an_obfuscated_file)
{
    uint8_t key[8];
    random_key(key);
    obf_dir o;
    obf_init(&o, key, 8, 0);
    ct_btc_reader *r = open_one(o.dir);
    ct_btc_record rec;
    ct_error err;
    size_t n = 0;
    unsigned phases = 0;
    while (ct_btc_reader_next(r, &rec, &err) == CT_OK) {
        const uint8_t *src = rec.file_index == 0 ? o.b0 : o.b1;
        const span *sp = rec.file_index == 0 ? o.s0 : o.s1;
        size_t i = n < 300 ? n : n - 300;
        cr_assert(rec.rereadable);
        cr_assert_eq(rec.data_offset, sp[i].off + 8);
        uint8_t *buf = malloc(rec.len);
        cr_assert(buf);
        cr_assert_eq(ct_btc_file_read_at(rec.file, rec.data_offset, buf, rec.len, &err), CT_OK,
                     "%s %s", err.reason, err.detail);
        cr_assert(memcmp(buf, src + rec.data_offset, rec.len) == 0, "record %zu", n);
        cr_assert(memcmp(buf, rec.data, rec.len) == 0);
        phases |= 1u << (rec.data_offset & 7);
        free(buf);
        n++;
    }
    cr_assert_eq(n, 600);
    cr_assert_eq(phases, 0xffu, "records at every offset modulo 8 (%#x)", phases);
    ct_btc_reader_free(r);

    char *p0 = join(o.dir, "blk00000.dat");
    uint8_t buf[16];
    cr_assert_eq(ct_btc_file_read_at(p0, o.n0 - 4, buf, 8, &err), CT_ETRUNCATED);
    cr_assert_str_eq(err.reason, "file-too-short");
    cr_assert_str_eq(err.file, p0);
    cr_assert_eq(err.offset, o.n0 - 4);
    char detail[128];
    snprintf(detail, sizeof(detail), "the file ends at %zu, before the 8 bytes at %zu end", o.n0,
             o.n0 - 4);
    cr_assert_str_eq(err.detail, detail);
    /* the last 4 bytes alone are there, and plain once read */
    cr_assert_eq(ct_btc_file_read_at(p0, o.n0 - 4, buf, 4, &err), CT_OK);
    cr_assert(memcmp(buf, o.b0 + o.n0 - 4, 4) == 0);
    cr_assert_eq(unlink(p0), 0);
    cr_assert_eq(ct_btc_file_read_at(p0, 8, buf, 8, &err), CT_EIO);
    cr_assert_str_eq(err.reason, "cannot-open");
    cr_assert_str_eq(err.detail, "No such file or directory");
    cr_assert_str_eq(err.file, p0);
    cr_assert_eq(err.offset, 8);
    free(p0);
    obf_free(&o);
}

/* Records bigger than one scan step and a file bigger than the window: the window is refilled
 * mid-record, and the key must follow absolute file offsets across refills. */
Test(reader, window_refills_keep_bytes_and_key_phase)
{
    size_t nj;
    uint8_t *j = tu_read_fixture(JEFF, &nj);
    size_t n = 3 * nj;
    uint8_t *plain = malloc(n);
    for (int i = 0; i < 3; i++)
        memcpy(plain + (size_t)i * nj, j, nj);
    static span s[3 * 4313];
    cr_assert_eq(split_blk(plain, n, s, 3 * 4313), 3 * 4313);
    uint8_t key[8];
    random_key(key);
    uint8_t *obf = xor_copy(plain, n, key);
    char *dir = tu_tmpdir();
    write_in(dir, "blk00000.dat", plain, n);
    char *sub = join(dir, "obf");
    cr_assert_eq(mkdir(sub, 0700), 0);
    write_in(sub, "blk00000.dat", obf, n);
    write_in(sub, "xor.dat", key, 8);

    const char *paths[] = {dir, sub};
    ct_btc_reader_options o = mainnet_opts();
    o.max_record = 0; /* the largest record: a 1 MiB window over a 3 MB file */
    for (size_t i = 0; i < 4313; i++)
        o.max_record = s[i].len > o.max_record ? s[i].len : o.max_record;
    cr_assert_eq(o.max_record, 5271);
    ct_btc_reader *r = open_with(paths, 2, &o);
    expect_span(r, plain, s, 0, 3 * 4313, 0, 0);
    expect_span(r, plain, s, 0, 3 * 4313, 0, 1);
    expect_eof(r);
    ct_btc_reader_free(r);
    tu_rmtree(dir);
    free(dir);
    free(sub);
    free(plain);
    free(obf);
    free(j);
}

Test(reader, xor_dat_of_7_or_9_bytes_is_rejected)
{
    uint8_t key[8];
    random_key(key);
    for (size_t len = 7; len <= 9; len += 2) {
        obf_dir o;
        obf_init(&o, key, len, 0);
        char *xp = join(o.dir, "xor.dat"), *p0 = join(o.dir, "blk00000.dat");
        char detail[96];
        snprintf(detail, sizeof(detail),
                 "xor.dat holds %zu bytes; the obfuscation key is exactly 8", len);
        ct_btc_reader_options opts = mainnet_opts();
        const char *both[] = {o.dir, p0};
        for (size_t i = 0; i < 2; i++) {
            ct_btc_reader *r = (ct_btc_reader *)1;
            ct_error err;
            cr_assert_eq(ct_btc_reader_open(&r, both + i, 1, &opts, &err), CT_ECORRUPT);
            cr_assert_null(r);
            cr_assert_str_eq(err.reason, "bad-xor-key");
            cr_assert_str_eq(err.file, xp);
            cr_assert_eq(err.offset, 0);
            cr_assert_str_eq(err.detail, detail);
        }
        free(xp);
        free(p0);
        obf_free(&o);
    }
}

Test(reader, all_zero_xor_dat_means_plain)
{
    obf_dir o;
    obf_init(&o, NULL, 8, 0);
    ct_btc_reader *r = open_one(o.dir);
    expect_nbitcoin_pair(r, &o);
    ct_btc_reader_free(r);
    ct_btc_reader_options opts = mainnet_opts();
    opts.xor_mode = CT_BTC_XOR_PLAIN;
    r = open_with((const char *[]){o.dir}, 1, &opts);
    expect_nbitcoin_pair(r, &o);
    ct_btc_reader_free(r);
    obf_free(&o);
}

Test(reader, xor_plain_with_a_nonzero_key_is_a_contradiction)
{
    uint8_t key[8];
    random_key(key);
    obf_dir o;
    obf_init(&o, key, 8, 0);
    char *xp = join(o.dir, "xor.dat"), *p1 = join(o.dir, "blk00001.dat");
    ct_btc_reader_options opts = mainnet_opts();
    opts.xor_mode = CT_BTC_XOR_PLAIN;
    const char *both[] = {o.dir, p1};
    for (size_t i = 0; i < 2; i++) {
        ct_btc_reader *r = NULL;
        ct_error err;
        cr_assert_eq(ct_btc_reader_open(&r, both + i, 1, &opts, &err), CT_EINVAL);
        cr_assert_null(r);
        cr_assert_str_eq(err.reason, "xor-key-contradiction");
        cr_assert_str_eq(err.file, xp);
    }
    free(xp);
    free(p1);
    obf_free(&o);
}

/* ---- raw and hex ---- */

static uint8_t *genesis_block(size_t *len)
{
    size_t n;
    uint8_t *j = tu_read_fixture(JEFF, &n);
    cr_assert_eq(ct_le32(j + 4), 285);
    uint8_t *g = malloc(285);
    memcpy(g, j + 8, 285);
    free(j);
    *len = 285;
    return g;
}

/* `path` must give one record, `block` (when not NULL), whose file is shown as `shown`. */
static void expect_single_block(const char *path, const char *shown, const uint8_t *block,
                                size_t len, const char *hash)
{
    ct_btc_reader *r = open_one(path);
    ct_btc_record rec;
    char hex[65];
    ct_error err;
    int rc = ct_btc_reader_next(r, &rec, &err);
    cr_assert_eq(rc, CT_OK, "%d %s: %s", rc, err.reason, err.detail);
    cr_assert_eq(rec.offset, 0);
    cr_assert_eq(rec.data_offset, 0);
    cr_assert_eq(rec.len, len);
    cr_assert_str_eq(rec.file, shown);
    if (block)
        cr_assert(memcmp(rec.data, block, len) == 0);
    block_hash_hex(hex, rec.data);
    cr_assert_str_eq(hex, hash);
    expect_eof(r);
    ct_btc_reader_free(r);
}

Test(reader, raw_genesis_block_file)
{
    size_t n;
    uint8_t *g = genesis_block(&n);
    char *dir = tu_tmpdir();
    write_in(dir, "genesis.raw", g, n);
    char *p = join(dir, "genesis.raw");
    expect_single_block(p, p, g, n, GENESIS);
    tu_rmtree(dir);
    free(dir);
    free(p);
    free(g);
}

Test(reader, real_raw_block_files)
{
    static const struct {
        const char *rel;
        const char *hash;
    } raw[] = {
        {"btc/raw_blocks/btcd/"
         "block540107-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk",
         "00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab"},
        {"btc/raw_blocks/bcoin/block426884.raw",
         "00000000000000000431d0ead6e0bd9f90ff0d469e9b05d51e3d04971f472973"},
        {"btc/raw_blocks/bitcoinj/block169482.dat",
         "0000000000000756935f1ee9d5987857b604046f846d3df56d024cdb5f368665"},
    };
    for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
        size_t n;
        uint8_t *b = tu_read_fixture(raw[i].rel, &n);
        char *p = tu_fixture(raw[i].rel);
        expect_single_block(p, p, b, n, raw[i].hash);
        free(p);
        free(b);
    }
}

Test(reader, raw_block_larger_than_max_record)
{
    const char *rel =
        "btc/raw_blocks/btcd/"
        "block540107-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk";
    char *p = tu_fixture(rel);
    ct_btc_reader_options o = mainnet_opts();
    o.max_record = 2000000;
    ct_btc_reader *r = open_with((const char *[]){p}, 1, &o);
    expect_error(r, CT_ECORRUPT, "bad-record-size", 0, p,
                 "raw block of 2259447 bytes is larger than 2000000");
    expect_eof(r);
    ct_btc_reader_free(r);
    free(p);
}

Test(reader, single_block_blk_files)
{
    char *p = tu_fixture("btc/raw_blocks/hadoopcryptoledger/scriptwitness2.blk");
    ct_btc_reader *r = open_one(p);
    ct_btc_record rec;
    char hex[65];
    expect_record(r, &rec, 0, 1000031, 0, NULL);
    block_hash_hex(hex, rec.data);
    cr_assert_str_eq(hex, "0000000000000000001f788edab5b60cf396ada8c110d4c32f63c670cd512797");
    expect_record(r, &rec, 1000039, 999304, 0, NULL);
    block_hash_hex(hex, rec.data);
    cr_assert_str_eq(hex, "000000000000000000a114f77a4e02373cebaaa6aef547625f3706b81ce95964");
    expect_eof(r);
    ct_btc_reader_free(r);
    free(p);
}

static char *to_hex_text(const uint8_t *b, size_t n, const char *pre, const char *post, bool upper)
{
    size_t lpre = strlen(pre), lpost = strlen(post);
    char *t = malloc(lpre + 2 * n + lpost + 1);
    cr_assert_not_null(t);
    memcpy(t, pre, lpre);
    char *h = t + lpre;
    ct_hex_encode(h, b, n);
    if (upper)
        for (char *c = h; *c; c++)
            if (*c >= 'a' && *c <= 'f')
                *c = (char)(*c - 'a' + 'A');
    memcpy(h + 2 * n, post, lpost + 1);
    return t;
}

Test(reader, hex_text_of_a_raw_block)
{
    size_t n;
    uint8_t *g = genesis_block(&n);
    char *dir = tu_tmpdir();
    for (int upper = 0; upper < 2; upper++) {
        char *t = to_hex_text(g, n, "\n  \t", "\r\n\n", upper);
        write_in(dir, "genesis.hex", t, strlen(t));
        char *p = join(dir, "genesis.hex");
        expect_single_block(p, p, g, n, GENESIS);
        free(p);
        free(t);
    }
    tu_rmtree(dir);
    free(dir);
    free(g);
}

Test(reader, hex_text_of_blk_records)
{
    damaged d;
    damaged_init(&d);
    uint64_t three = d.s[3].off;
    char *t = to_hex_text(d.src, three, "", "\n", false);
    damaged_write(&d, t, strlen(t));
    ct_btc_reader *r = open_one(d.path);
    expect_span(r, d.src, d.s, 0, 3, 0, 0); /* offsets in the decoded bytes */
    expect_eof(r);
    ct_btc_reader_free(r);
    /* those bytes are not on disk: the records say so */
    ct_btc_record rec;
    ct_error err;
    r = open_one(d.path);
    cr_assert_eq(ct_btc_reader_next(r, &rec, &err), CT_OK);
    cr_assert(!rec.rereadable);
    ct_btc_reader_free(r);
    free(t);
    damaged_free(&d);
}

Test(reader, bad_hex_text)
{
    size_t n;
    uint8_t *g = genesis_block(&n);
    char *dir = tu_tmpdir();
    char *p = join(dir, "bad.hex");
    char *t = to_hex_text(g, n, "  ", "\n", false);
    /* a non-hex byte in the middle */
    t[2 + 300] = 'z';
    cr_assert_eq(tu_write_file(p, t, strlen(t)), 0);
    ct_btc_reader *r = open_one(p);
    expect_error(r, CT_ECORRUPT, "bad-hex", 302, p, "byte 0x7a is not a hex digit");
    expect_eof(r);
    ct_btc_reader_free(r);
    /* a line break inside the digits */
    free(t);
    t = to_hex_text(g, n, "", "", false);
    t[200] = '\n';
    cr_assert_eq(tu_write_file(p, t, strlen(t)), 0);
    char detail[96];
    snprintf(detail, sizeof(detail), "byte 0x%02x after the whitespace that ends the hex digits",
             t[201]);
    r = open_one(p);
    expect_error(r, CT_ECORRUPT, "bad-hex", 201, p, detail);
    ct_btc_reader_free(r);
    /* an odd number of digits */
    free(t);
    t = to_hex_text(g, n, "", "", false);
    t[2 * n - 1] = '\0';
    cr_assert_eq(tu_write_file(p, t, strlen(t)), 0);
    r = open_one(p);
    expect_error(r, CT_ECORRUPT, "bad-hex", 2 * n - 1, p, "odd number of hex digits");
    ct_btc_reader_free(r);
    tu_rmtree(dir);
    free(dir);
    free(p);
    free(t);
    free(g);
}

/* ---- stdin ---- */

static void stdin_from(const char *path)
{
    int fd = open(path, O_RDONLY);
    cr_assert(fd >= 0);
    cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
}

Test(reader, stdin_blk_records)
{
    damaged d;
    damaged_init(&d);
    damaged_write(&d, d.src, d.n);
    stdin_from(d.path);
    ct_btc_reader *r = open_one("-");
    cr_assert_str_eq(ct_btc_reader_file_path(r, 0), "<stdin>");
    ct_btc_record rec;
    expect_record(r, &rec, 0, d.s[0].len, 0, d.src + 8);
    cr_assert_str_eq(rec.file, "<stdin>");
    expect_span(r, d.src, d.s, 1, 300, 0, 0);
    expect_eof(r);
    ct_btc_reader_free(r);
    damaged_free(&d);
}

Test(reader, stdin_hex_block)
{
    size_t n;
    uint8_t *g = genesis_block(&n);
    char *dir = tu_tmpdir();
    char *t = to_hex_text(g, n, "", "\n", false);
    write_in(dir, "g.hex", t, strlen(t));
    char *p = join(dir, "g.hex");
    stdin_from(p);
    expect_single_block("-", "<stdin>", g, n, GENESIS);
    tu_rmtree(dir);
    free(dir);
    free(p);
    free(t);
    free(g);
}

static void stdin_of_zeros(size_t size, int expect)
{
    char *dir = tu_tmpdir();
    char *p = join(dir, "zeros");
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(fd >= 0);
    cr_assert_eq(ftruncate(fd, (off_t)size), 0); /* sparse */
    close(fd);
    stdin_from(p);
    ct_btc_reader *r = open_one("-");
    if (expect == CT_EEOF)
        expect_eof(r);
    else
        expect_error(r, expect, "input-too-large", 0, "<stdin>", NULL);
    expect_eof(r);
    ct_btc_reader_free(r);
    tu_rmtree(dir);
    free(dir);
    free(p);
}

Test(reader, stdin_is_bounded_to_64_mib)
{
    stdin_of_zeros(64u << 20, CT_EEOF); /* all zero: nothing to read, no error */
    stdin_of_zeros((64u << 20) + 1, CT_ENOMEM);
}

Test(reader, stdin_given_twice_is_refused)
{
    const char *paths[] = {"-", "-"};
    ct_btc_reader_options o = mainnet_opts();
    ct_btc_reader *r = NULL;
    ct_error err;
    cr_assert_eq(ct_btc_reader_open(&r, paths, 2, &o, &err), CT_EINVAL);
    cr_assert_null(r);
}

/* ---- never silently empty ---- */

Test(reader, missing_path_is_an_io_error_naming_it)
{
    ct_btc_reader_options o = mainnet_opts();
    const char *p = "/nonexistent/chaintrail/blk00000.dat";
    ct_btc_reader *r = (ct_btc_reader *)1;
    ct_error err;
    cr_assert_eq(ct_btc_reader_open(&r, &p, 1, &o, &err), CT_EIO);
    cr_assert_null(r);
    cr_assert_str_eq(err.file, p);
    cr_assert_str_eq(err.reason, "cannot-open");
    cr_assert_eq(err.offset, 0);
    cr_assert_str_eq(err.detail, "No such file or directory");
}

Test(reader, directory_without_blk_files_is_an_error)
{
    char *dir = tu_tmpdir();
    size_t nrev;
    uint8_t *rev = tu_read_fixture(NBREV, &nrev);
    write_in(dir, "rev00000.dat", rev, nrev);
    ct_btc_reader_options o = mainnet_opts();
    ct_btc_reader *r = NULL;
    ct_error err;
    cr_assert_eq(ct_btc_reader_open(&r, (const char *[]){dir}, 1, &o, &err), CT_EIO);
    cr_assert_str_eq(err.reason, "no-blk-files");
    cr_assert_str_eq(err.file, dir);
    tu_rmtree(dir);
    free(dir);
    free(rev);
}

Test(reader, random_bytes_are_an_error_not_an_empty_file)
{
    char *dir = tu_tmpdir();
    uint8_t *junk = junk_bytes(4096);
    write_in(dir, "random.bin", junk, 4096);
    write_in(dir, "blk00000.dat", junk, 4096);
    char *p = join(dir, "random.bin"), *pb = join(dir, "blk00000.dat");
    ct_btc_reader *r = open_one(p);
    expect_error(r, CT_ECORRUPT, "no-magic", 0, p,
                 "no mainnet magic in 4096 bytes: not blk records, a raw block or hex");
    expect_eof(r);
    ct_btc_reader_free(r);
    r = open_one(dir);
    expect_error(r, CT_ECORRUPT, "no-magic", 0, pb, "no mainnet magic in 4096 bytes");
    expect_eof(r);
    ct_btc_reader_free(r);
    tu_rmtree(dir);
    free(dir);
    free(p);
    free(pb);
    free(junk);
}

Test(reader, an_undo_file_is_not_a_block)
{
    char *p = tu_fixture("btc/raw_blocks/bcoin/block300025-undo.raw");
    ct_btc_reader *r = open_one(p);
    expect_error(r, CT_ECORRUPT, "no-magic", 0, p, NULL);
    expect_eof(r);
    ct_btc_reader_free(r);
    free(p);
}

/* ---- reject ---- */

/* Record 20's size field also covers record 21: the reader hands out one long record. A
 * caller that cannot decode it rejects it, and the search from its magic + 1 finds 21. */
Test(reader, reject_resumes_inside_the_rejected_record)
{
    damaged d;
    damaged_init(&d);
    uint8_t *b = malloc(d.n);
    memcpy(b, d.src, d.n);
    uint32_t swallowed = d.s[20].len + 8 + d.s[21].len;
    ct_put_le32(b + d.s[20].off + 4, swallowed);
    damaged_write(&d, b, d.n);
    ct_btc_record rec;

    ct_btc_reader *r = open_one(d.path);
    expect_span(r, d.src, d.s, 0, 20, 0, 0);
    expect_record(r, &rec, d.s[20].off, swallowed, 0, d.src + d.s[20].off + 8);
    ct_btc_reader_reject(r);
    expect_span(r, d.src, d.s, 21, 300, 0, 0);
    expect_eof(r);
    ct_btc_reader_free(r);

    /* without the reject, record 21 stays inside record 20 */
    r = open_one(d.path);
    expect_span(r, d.src, d.s, 0, 20, 0, 0);
    expect_record(r, &rec, d.s[20].off, swallowed, 0, NULL);
    expect_span(r, d.src, d.s, 22, 300, 0, 0);
    expect_eof(r);
    ct_btc_reader_free(r);
    free(b);
    damaged_free(&d);
}

Test(reader, reject_reports_only_the_junk_after_the_rejected_record)
{
    damaged d;
    damaged_init(&d);
    uint8_t *junk = junk_bytes(10);
    size_t len;
    uint64_t at = d.s[6].off;
    uint8_t *b = with_insert(&d, at, junk, 10, &len);
    damaged_write(&d, b, len);
    char detail[96];
    snprintf(detail, sizeof(detail), "skipped 10 bytes (%llu..%llu)", (unsigned long long)at,
             (unsigned long long)at + 10);
    ct_btc_reader *r = open_one(d.path);
    ct_btc_record rec;
    expect_span(r, d.src, d.s, 0, 5, 0, 0);
    expect_record(r, &rec, d.s[5].off, d.s[5].len, 0, NULL);
    ct_btc_reader_reject(r);
    ct_btc_reader_reject(r); /* a second reject changes nothing */
    expect_error(r, CT_ECORRUPT, "junk-skipped", at, d.path, detail);
    expect_span(r, d.src, d.s, 6, 300, 10, 0);
    expect_eof(r);
    ct_btc_reader_free(r);
    free(b);
    free(junk);
    damaged_free(&d);
}

/* ---- options ---- */

Test(reader, bad_options_are_refused)
{
    char *p = tu_fixture(NB0);
    const char *paths[] = {p};
    ct_btc_reader *r = NULL;
    ct_error err;
    ct_btc_reader_options o = mainnet_opts();
    o.version = 2;
    cr_assert_eq(ct_btc_reader_open(&r, paths, 1, &o, &err), CT_EINVAL);
    o = mainnet_opts();
    o.net = NULL;
    cr_assert_eq(ct_btc_reader_open(&r, paths, 1, &o, &err), CT_EINVAL);
    o = mainnet_opts();
    o.max_record = 79;
    cr_assert_eq(ct_btc_reader_open(&r, paths, 1, &o, &err), CT_EINVAL);
    cr_assert_str_eq(err.reason, "bad-option");
    o = mainnet_opts();
    cr_assert_eq(ct_btc_reader_open(&r, paths, 0, &o, &err), CT_EINVAL);
    cr_assert_null(r);
    free(p);
}

/* ---- ct_read_file: the whole-file reader of the labels and Ethereum sources ---- */

Test(read_file, regular_files_bounds_and_errors)
{
    char *tmp = tu_tmpdir();
    char path[600];
    char *text;
    size_t len;
    ct_error err;
    snprintf(path, sizeof(path), "%s/f", tmp);
    cr_assert_eq(tu_write_file(path, "abc\0def", 7), 0);
    cr_assert_eq(ct_read_file(path, 7, false, &text, &len, NULL), CT_OK);
    cr_assert_eq(len, 7);
    cr_assert_eq(memcmp(text, "abc\0def", 8), 0, "content and a closing NUL");
    free(text);
    ct_error_clear(&err);
    cr_assert_eq(ct_read_file(path, 6, false, &text, &len, &err), CT_ENOMEM);
    cr_assert_str_eq(err.reason, "file-too-large");
    cr_assert_null(text);
    cr_assert_eq(tu_write_file(path, "", 0), 0);
    cr_assert_eq(ct_read_file(path, 6, false, &text, &len, NULL), CT_OK);
    cr_assert_eq(len, 0);
    cr_assert_eq(text[0], '\0');
    free(text);
    ct_error_clear(&err);
    cr_assert_eq(ct_read_file(tmp, 100, false, &text, &len, &err), CT_EIO);
    cr_assert_str_eq(err.reason, "not-a-file");
    char want[700];
    snprintf(want, sizeof(want), "'%s' is a directory, not a regular file", tmp);
    cr_assert_str_eq(err.detail, want);
    snprintf(path, sizeof(path), "%s/missing", tmp);
    ct_error_clear(&err);
    cr_assert_eq(ct_read_file(path, 100, true, &text, &len, &err), CT_ENOTFOUND);
    cr_assert_str_eq(err.reason, "", "an optional file that is absent is no error");
    cr_assert_eq(ct_read_file(path, 100, false, &text, &len, &err), CT_EIO);
    cr_assert_str_eq(err.reason, "cannot-open");
    cr_assert(strstr(err.detail, "cannot open '") != NULL, "%s", err.detail);
    tu_rmtree(tmp);
    free(tmp);
}

/* Only regular files are read: a FIFO without a writer hung the reader (labels import, the
 * --json and --etl sources), /dev/zero was read up to the bound (1 GiB), and a pipe has no
 * end the reader can trust. Each is refused at once, naming the path and what it is
 * (issue 12, 4b). The timeout turns a hang into a failure. */
Test(read_file, non_regular_files_are_refused_without_blocking)
{
    char *tmp = tu_tmpdir();
    char fifo[600], want[700];
    snprintf(fifo, sizeof(fifo), "%s/fifo", tmp);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    char piped[64];
    snprintf(piped, sizeof(piped), "/proc/self/fd/%d", fds[0]);
    const struct {
        const char *path, *kind;
    } cases[] = {
        {fifo, "a FIFO"},
        {"/dev/zero", "a character device"},
        {"/dev/null", "a character device"},
        {piped, "a FIFO"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text = (char *)1;
        size_t len = 7;
        ct_error err;
        ct_error_clear(&err);
        cr_assert_eq(ct_read_file(cases[i].path, (size_t)1 << 30, false, &text, &len, &err), CT_EIO,
                     "%s", cases[i].path);
        cr_assert_str_eq(err.reason, "not-a-file");
        snprintf(want, sizeof(want), "'%s' is %s, not a regular file", cases[i].path,
                 cases[i].kind);
        cr_assert_str_eq(err.detail, want);
        cr_assert_null(text);
        cr_assert_eq(len, 0);
    }
    close(fds[0]);
    close(fds[1]);
    tu_rmtree(tmp);
    free(tmp);
}
