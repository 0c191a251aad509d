/* End-to-end tests of `chaintrail decode bitcoin` and the command table: the built binary
 * run on the real fixtures, its stdout, stderr and exit code checked exactly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define BLK_4313 "btc/blk_consecutive/jeffchan/blk00000_first1MB.dat"
#define TX170    "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"

/* Returns the line of `out` that contains `needle` (malloc'd), or NULL. */
static char *line_with(const char *out, const char *needle)
{
    const char *hit = strstr(out, needle);
    if (!hit)
        return NULL;
    const char *a = hit, *b = hit;
    while (a > out && a[-1] != '\n')
        a--;
    while (*b && *b != '\n')
        b++;
    return strndup(a, (size_t)(b - a));
}

Test(cli_decode, first_4313_blocks_json)
{
    char *blk = tu_fixture(BLK_4313);
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", blk, NULL}, NULL);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert_eq(tu_count_lines(r.out), 4371);
    cr_assert_str_eq(r.err, "chaintrail: decode: 4313 blocks, 4371 transactions; 0 rejected, "
                            "0 skipped, 0 truncated\n");

    /* The 10 BTC payment at height 170 spends the block-9 coinbase. */
    char *line = line_with(r.out, "\"txid\":\"" TX170 "\"");
    cr_assert_not_null(line);
    cr_assert_str_eq(
        line,
        "{\"block_hash\":\"00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee\","
        "\"height\":170,\"block_time\":1231731025,\"tx_index\":1,"
        "\"txid\":\"" TX170 "\",\"version\":1,\"locktime\":0,\"size\":275,\"weight\":1100,"
        "\"coinbase\":false,\"inputs\":[{\"prev_txid\":"
        "\"0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9\",\"prev_vout\":0,"
        "\"sequence\":4294967295}],\"outputs\":[{\"n\":0,\"value_sat\":1000000000,"
        "\"type\":\"p2pk\",\"address\":\"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3\","
        "\"linked_address\":\"12Pg8yQNFrCoXU4hvcFUCsre9SqX9vbP9d\"},{\"n\":1,"
        "\"value_sat\":4000000000,\"type\":\"p2pk\","
        "\"address\":\"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\","
        "\"linked_address\":\"13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW\"}]}");
    free(line);

    /* The block-9 coinbase pays 12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S. */
    line = line_with(r.out, "\"txid\":\"0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106"
                            "ee5a597c9\"");
    cr_assert_not_null(line);
    cr_assert(strstr(line, "\"height\":9,"), "%s", line);
    cr_assert(strstr(line, "\"coinbase\":true"), "%s", line);
    cr_assert(strstr(line, "\"value_sat\":5000000000,\"type\":\"p2pk\",\"address\":"
                           "\"12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S\""),
              "%s", line);
    free(line);

    /* Genesis: height 0, and the last block of the file at 4312. */
    cr_assert(strstr(r.out, "{\"block_hash\":\"000000000019d6689c085ae165831e934ff763ae46a2a6c17"
                            "2b3f1b60a8ce26f\",\"height\":0,"));
    cr_assert(strstr(r.out, "{\"block_hash\":\"00000000a9da635727dce622d78361b153ce3334e6a60d437"
                            "7fad529abfc7863\",\"height\":4312,"));
    tu_run_free(&r);
    free(blk);
}

Test(cli_decode, text_format_tx170)
{
    char *blk = tu_fixture(BLK_4313);
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--format", "text", "--quiet", blk, NULL},
            NULL);
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.err, "");
    const char *want =
        "tx " TX170 "  block 00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee"
        "  height 170  index 1\n"
        "  275 bytes, version 1, locktime 0\n"
        "  in  0   0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:0\n"
        "  out 0   10.00000000 BTC  p2pk  1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3  (same key: "
        "12Pg8yQNFrCoXU4hvcFUCsre9SqX9vbP9d)\n"
        "  out 1   40.00000000 BTC  p2pk  12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S  (same key: "
        "13KiMqUJ7xD6MhUD2k7mKEoZMHDP9HdWwW)\n";
    cr_assert(strstr(r.out, want), "text listing of tx 170 not found");
    tu_run_free(&r);
    free(blk);
}

Test(cli_decode, nbitcoin_pair_as_one_run)
{
    char *a = tu_fixture("btc/blk_consecutive/nbitcoin/blk00000.dat");
    char *b = tu_fixture("btc/blk_consecutive/nbitcoin/blk00001.dat");
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", a, b, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(tu_count_lines(r.out), 616);
    cr_assert_str_eq(r.err, "chaintrail: decode: 600 blocks, 616 transactions; 0 rejected, "
                            "0 skipped, 0 truncated\n");
    /* Heights carry over from the first file to the second. */
    cr_assert(strstr(r.out, "\"height\":599,"));
    cr_assert_null(strstr(r.out, "\"height\":null"));
    tu_run_free(&r);
    free(a);
    free(b);
}

Test(cli_decode, raw_block_with_bip34_height_and_segwit)
{
    char *p = tu_fixture("btc/raw_blocks/bcoin/block482683.raw");
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--wtxid", p, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(tu_count_lines(r.out), 12);
    cr_assert(strstr(r.out, "{\"block_hash\":\"000000000000000000c238240ef6dcb26c37e75e16514e6ff"
                            "c0aef7eee73e747\",\"height\":482683,"));
    cr_assert(strstr(r.out, "\"wtxid\":\""));
    tu_run_free(&r);
    free(p);
}

Test(cli_decode, lone_megatx)
{
    char *p =
        tu_fixture("btc/raw_tx/btcd/"
                   "megatx-bb41a757f405890fb0f5856228e23b715702d714d59bf2b1feb70d8b2b4e3e08.bin");
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--tx", p, NULL}, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(tu_count_lines(r.out), 1);
    const char *want = "{\"block_hash\":null,\"height\":null,\"block_time\":null,"
                       "\"tx_index\":null,\"txid\":"
                       "\"bb41a757f405890fb0f5856228e23b715702d714d59bf2b1feb70d8b2b4e3e08\",";
    cr_assert(strncmp(r.out, want, strlen(want)) == 0, "%.200s", r.out);
    tu_run_free(&r);
    free(p);
}

Test(cli_decode, incomplete_blk_ends_cleanly_with_documented_error)
{
    /* NBitcoin's incompleteblk.dat: the 300 records of blk00001.dat, a stray 0x00 byte, the
     * record of block 598 once more, then a zero-filled tail (docs/blk-files.md). */
    char *p = tu_fixture("btc/blk_consecutive/nbitcoin/incompleteblk.dat");
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", p, NULL}, NULL);
    cr_assert_eq(r.status, 3, "exit %d", r.status);
    cr_assert_eq(tu_count_lines(r.out), 310);
    char want[1024];
    snprintf(want, sizeof(want),
             "chaintrail: decode: %s: offset 70449: junk-skipped: skipped 1 bytes (70449..70450)\n"
             "chaintrail: decode: 301 blocks, 310 transactions; 0 rejected, 1 skipped, "
             "0 truncated\n",
             p);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);
    free(p);
}

Test(cli_decode, truncated_last_record_is_reported_with_its_offset)
{
    /* blk00001.dat cut 100 bytes before its end: the last record (block 599, at offset
     * 70225) is incomplete. Everything before it is printed. */
    size_t len;
    uint8_t *data = tu_read_fixture("btc/blk_consecutive/nbitcoin/blk00001.dat", &len);
    cr_assert_eq(len, 70449);
    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/blk00001.dat", dir);
    cr_assert_eq(tu_write_file(path, data, len - 100), 0);
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", path, NULL}, NULL);
    cr_assert_eq(r.status, 3);
    cr_assert(strstr(r.err, ": offset 70225: truncated-record: "), "%s", r.err);
    cr_assert(strstr(r.err, "chaintrail: decode: 299 blocks, "), "%s", r.err);
    cr_assert(strstr(r.err, "0 rejected, 0 skipped, 1 truncated\n"), "%s", r.err);
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
    free(data);
}

Test(cli_decode, wrong_network_is_fatal)
{
    char *p = tu_fixture(BLK_4313);
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--network", "testnet", p, NULL}, NULL);
    cr_assert_eq(r.status, 3);
    cr_assert_eq(r.out_len, 0);
    cr_assert(strstr(r.err, "network-mismatch"), "%s", r.err);
    tu_run_free(&r);
    free(p);
}

Test(cli_decode, missing_path_is_io_error)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", "/nonexistent/blk00000.dat", NULL}, NULL);
    cr_assert_eq(r.status, 5);
    cr_assert(strstr(r.err, "/nonexistent/blk00000.dat"), "%s", r.err);
    tu_run_free(&r);
}

Test(cli_decode, usage_errors_name_the_option)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--bogus", "x", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: decode: unknown option '--bogus'\n");
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--network", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: decode: option '--network' needs a value\n");
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--network=", "x", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: decode: option '--network' needs a value\n");
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--network", "moon", "x", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "unknown network 'moon'"), "%s", r.err);
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--format", "xml", "x", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: decode: option '--format': unknown format 'xml' (valid: json, text)\n");
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"decode", "dogecoin", "x", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err,
                     "chaintrail: decode: unknown chain 'dogecoin' (decode reads: bitcoin, "
                     "ethereum)\n");
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"decode", "bitcoin", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"frobnicate", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_str_eq(r.err, "chaintrail: 'frobnicate' is not a command; see 'chaintrail help'\n");
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){NULL}, NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
}

Test(cli_decode, help_and_version)
{
    tu_run r;
    tu_exec(&r, (const char *[]){"help", "decode", NULL}, NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strncmp(r.out, "usage: chaintrail decode bitcoin", 32) == 0, "%s", r.out);
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"decode", "--help", NULL}, NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strncmp(r.out, "usage: chaintrail decode bitcoin", 32) == 0);
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"help", NULL}, NULL);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "  decode     decode blocks and print their transactions"));
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"help", "nosuch", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"version", NULL}, NULL);
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.out, "chaintrail 0.1.0\n");
    tu_run_free(&r);
}

Test(cli_decode, output_is_the_same_in_any_locale)
{
    tu_require_locale("de_DE.UTF-8");
    char *p = tu_fixture("btc/blk_consecutive/nbitcoin/blk00000.dat");
    tu_run c, de;
    tu_exec(&c, (const char *[]){"decode", "bitcoin", "--format", "text", p, NULL}, NULL);
    tu_exec(&de, (const char *[]){"decode", "bitcoin", "--format", "text", p, NULL},
            (const char *[]){"LC_ALL=de_DE.UTF-8", "LANG=tr_TR.UTF-8", NULL});
    cr_assert_eq(c.status, 0);
    cr_assert_eq(de.status, 0);
    cr_assert_eq(c.out_len, de.out_len);
    cr_assert(memcmp(c.out, de.out, c.out_len) == 0);
    tu_run_free(&c);
    tu_run_free(&de);
    free(p);
}
