/* End-to-end tests of `chaintrail decode ethereum`: the built binary on the mainnet RLP
 * blocks and on raw signed transactions (binary and hex), its stdout, stderr and exit code
 * checked exactly, bad units reported with file, offset, block and transaction. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaintrail/ethereum.h"
#include "testutil.h"

#define RLP_DIR "eth/rlp_blocks/"
#define EIP155_RAW                                                                                 \
    "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a0"   \
    "28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb70330"   \
    "4b3800ccf555c9f3dc64214b297fb1966a3b6d83"

static char *first_line(const char *out)
{
    const char *nl = strchr(out, '\n');
    return strndup(out, nl ? (size_t)(nl - out) : strlen(out));
}

Test(cli_decode_eth, block_1346406)
{
    char *f = tu_fixture(RLP_DIR "eth1346406.bin");
    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "ethereum", f, NULL}, NULL);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert_eq(tu_count_lines(r.out), 6);
    cr_assert_str_eq(r.err, "chaintrail: decode: 1 blocks, 6 transactions; 0 rejected\n");
    char *line = first_line(r.out);
    cr_assert_str_eq(
        line, "{\"block\":1346406,\"block_hash\":"
              "\"0x2e6be1a4d814b648070a9fa40b11b893fae041caff1657ddc405028bdc5cd2f5\",\"index\":0,"
              "\"hash\":\"0xe27e9288e29cc8eb78f9f768d89bf1cd4b68b715a38b95d46d778618cb104d58\","
              "\"type\":0,\"from\":\"0x39424bd28a2223dA3e14bF793cF7f8208Ee9980A\","
              "\"to\":\"0x1E75F02A6E9FF4ff16333825D909bb033306B78b\","
              "\"value_wei\":\"1069000990000000000\",\"nonce\":12,\"chain_id\":null,"
              "\"gas_limit\":21000,\"gas_price_wei\":\"20000000000\",\"input_size\":0}");
    free(line);
    /* the other five senders, in order */
    const char *from[] = {"0x4Bb96091Ee9D802ED039C4D1a5f6216F90f81B01",
                          "0x63a9975ba31B0b9626b34300f7f627147dF1F526"};
    cr_assert(strstr(r.out, from[0]));
    const char *p = r.out;
    unsigned n = 0;
    while ((p = strstr(p, from[1])) != NULL) {
        n++;
        p++;
    }
    cr_assert_eq(n, 4);
    tu_run_free(&r);
    free(f);
}

Test(cli_decode_eth, all_fixture_blocks)
{
    const char *names[] = {"ethgenesis.bin",
                           "eth0to10.bin",
                           "eth1346406.bin",
                           "eth3346406.bin",
                           "eth3510000to3510010.bin",
                           "eth4800251.bin",
                           "eth4910000.bin",
                           "eth403419.bin",
                           "eth447533.bin"};
    const char *args[12] = {"decode", "ethereum"};
    char *paths[9];
    for (int i = 0; i < 9; i++) {
        char rel[96];
        snprintf(rel, sizeof rel, RLP_DIR "%s", names[i]);
        args[2 + i] = paths[i] = tu_fixture(rel);
    }
    args[11] = NULL;
    tu_run r;
    tu_exec(&r, args, NULL);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert_eq(tu_count_lines(r.out), 534);
    cr_assert_str_eq(r.err, "chaintrail: decode: 29 blocks, 534 transactions; 0 rejected\n");
    /* EIP-155 transactions of block 3346406 carry chain id 1 */
    cr_assert(strstr(r.out, "\"hash\":\"0xcbc2969de2cbd4939cf88242e0f2be9cb3bf140f0144bf7718b95159"
                            "4b4707e4\",\"type\":0,\"from\":\"0x167A9333BF582556f35Bd4d16A7E80E191"
                            "aa6476\""));
    tu_run_free(&r);
    for (int i = 0; i < 9; i++)
        free(paths[i]);
}

Test(cli_decode_eth, raw_transactions_hex_and_binary)
{
    char *dir = tu_tmpdir();
    char hexpath[512], binpath[512], typedpath[512];
    snprintf(hexpath, sizeof hexpath, "%s/eip155.hex", dir);
    snprintf(binpath, sizeof binpath, "%s/eip155.bin", dir);
    snprintf(typedpath, sizeof typedpath, "%s/typed.hex", dir);
    const char text[] = "0x" EIP155_RAW "\n";
    cr_assert_eq(tu_write_file(hexpath, text, strlen(text)), 0);
    uint8_t bin[sizeof EIP155_RAW / 2];
    for (size_t i = 0; i < sizeof bin; i++) {
        char pair[3] = {EIP155_RAW[2 * i], EIP155_RAW[2 * i + 1], 0};
        bin[i] = (uint8_t)strtoul(pair, NULL, 16);
    }
    cr_assert_eq(tu_write_file(binpath, bin, sizeof bin), 0);
    /* a mainnet EIP-1559 transaction (geth tracer fixture create_failed, read in place) */
    json_t *root = json_load_file(CT_SHARED_FIXTURES "/eth/geth/tracer_fixtures_mainnet/"
                                                     "prestate_tracer_with_diff_mode/"
                                                     "create_failed.json",
                                  0, NULL);
    cr_assert(root);
    const char *in = json_string_value(json_object_get(root, "input"));
    cr_assert_eq(tu_write_file(typedpath, in, strlen(in)), 0);
    json_decref(root);

    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "ethereum", hexpath, binpath, NULL}, NULL);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    const char *want =
        "{\"block\":null,\"block_hash\":null,\"index\":null,"
        "\"hash\":\"0x33469b22e9f636356c4160a87eb19df52b7412e8eac32a4a55ffe88ea8350788\","
        "\"type\":0,\"from\":\"0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F\","
        "\"to\":\"0x3535353535353535353535353535353535353535\","
        "\"value_wei\":\"1000000000000000000\",\"nonce\":9,\"chain_id\":1,\"gas_limit\":21000,"
        "\"gas_price_wei\":\"20000000000\",\"input_size\":0}\n";
    char both[2048];
    snprintf(both, sizeof both, "%s%s", want, want);
    cr_assert_str_eq(r.out, both);
    cr_assert_str_eq(r.err, "chaintrail: decode: 0 blocks, 2 transactions; 0 rejected\n");
    tu_run_free(&r);

    tu_exec(&r, (const char *[]){"decode", "ethereum", typedpath, NULL}, NULL);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert_str_eq(
        r.out, "{\"block\":null,\"block_hash\":null,\"index\":null,"
               "\"hash\":\"0x876a0668d1337e4734dbec13ce1407a918ccac7d1e76e47f82728d877fa5a819\","
               "\"type\":2,\"from\":\"0x808b4dA0Be6c9512E948521452227EFc619BeA52\","
               "\"to\":\"0xFfa397285Ce46FB78C588a9e993286AaC68c37cD\",\"value_wei\":\"0\","
               "\"nonce\":1223932,\"chain_id\":1,\"gas_limit\":176545,"
               "\"max_fee_per_gas_wei\":\"112855938170\",\"max_priority_fee_per_gas_wei\":"
               "\"1500000000\",\"input_size\":68}\n");
    tu_run_free(&r);
    tu_rmtree(dir);
    free(dir);
}

Test(cli_decode_eth, bad_units_reported)
{
    char *dir = tu_tmpdir();
    char path[512];
    /* block 1346406 with transaction 3's v set to 29, then block 3346406 unchanged */
    size_t l1, l2;
    uint8_t *b1 = tu_read_fixture(RLP_DIR "eth1346406.bin", &l1);
    uint8_t *b2 = tu_read_fixture(RLP_DIR "eth3346406.bin", &l2);
    uint8_t *cat = malloc(l1 + l2 + 2);
    memcpy(cat, b1, l1);
    memcpy(cat + l1, b2, l2);
    /* transaction 3's v: 67 bytes before its end (v, a0 r(32), a0 s(32)) */
    ct_eth_block blk;
    ct_error err;
    ct_eth_block_init(&blk);
    cr_assert_eq(ct_eth_block_decode(&blk, cat, l1, NULL, &err), CT_OK);
    size_t tx3_off = (size_t)(blk.tx[3].raw - cat);
    size_t v_off = tx3_off + blk.tx[3].raw_len - 67;
    ct_eth_block_release(&blk);
    cr_assert(cat[v_off] == 27 || cat[v_off] == 28);
    cat[v_off] = 29;
    /* then two junk bytes: a type 0x05 envelope */
    cat[l1 + l2] = 0x05;
    cat[l1 + l2 + 1] = 0xc0;
    snprintf(path, sizeof path, "%s/mixed.bin", dir);
    cr_assert_eq(tu_write_file(path, cat, l1 + l2 + 2), 0);

    tu_run r;
    tu_exec(&r, (const char *[]){"decode", "ethereum", path, NULL}, NULL);
    cr_assert_eq(r.status, 3, "exit %d: %s", r.status, r.err);
    cr_assert_eq(tu_count_lines(r.out), 7); /* block 3346406 only */
    char want[2048];
    snprintf(want, sizeof want,
             "chaintrail: decode: %s: offset %zu: height 1346406: tx 3: invalid signature: legacy "
             "v = 29 is neither 27/28 nor 2 * chainId + 35/36\n"
             "chaintrail: decode: %s: offset %zu: type not supported: transaction type 0x05\n"
             "chaintrail: decode: 1 blocks, 7 transactions; 2 rejected\n",
             path, tx3_off, path, l1 + l2);
    cr_assert_str_eq(r.err, want);
    tu_run_free(&r);

    /* E10 on the command line: block 3346406's EIP-155 transactions are chain 1 */
    char *f = tu_fixture(RLP_DIR "eth3346406.bin");
    tu_exec(&r, (const char *[]){"decode", "ethereum", "--chain-id", "3", f, NULL}, NULL);
    cr_assert_eq(r.status, 3);
    cr_assert_eq(tu_count_lines(r.out), 0);
    cr_assert(strstr(r.err, "height 3346406: tx 0: invalid chain id: chain id 1 where the "
                            "configured chain is 3"),
              "%s", r.err);
    tu_run_free(&r);
    /* --chain-id 0 accepts any chain */
    tu_exec(&r, (const char *[]){"decode", "ethereum", "--chain-id", "0", f, NULL}, NULL);
    cr_assert_eq(r.status, 0);
    cr_assert_eq(tu_count_lines(r.out), 7);
    tu_run_free(&r);

    /* usage errors */
    tu_exec(&r, (const char *[]){"decode", "ethereum", "--wtxid", f, NULL}, NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"decode", "ethereum", "--chain-id", "x", f, NULL}, NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"decode", "ethereum", NULL}, NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    tu_exec(&r, (const char *[]){"decode", "bitcoin", "--chain-id", "1", f, NULL}, NULL);
    cr_assert_eq(r.status, 2);
    tu_run_free(&r);
    /* a missing file: exit 5 */
    tu_exec(&r, (const char *[]){"decode", "ethereum", "/nonexistent/x.bin", NULL}, NULL);
    cr_assert_eq(r.status, 5);
    tu_run_free(&r);

    free(f);
    free(cat);
    free(b1);
    free(b2);
    tu_rmtree(dir);
    free(dir);
}
